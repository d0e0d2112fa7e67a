/* digest.c — the daily digest of the care teams (see digest.h). */
#include "collab/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "access/decide.h"
#include "access/enforce.h"
#include "access/principal.h"
#include "collab/collab.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "model/category.h"
#include "model/role.h"

extern char **environ;

#define DIGEST_MAX_MEMBERS 100000     /* members one run tells about */
#define DIGEST_ARENA       (64 << 20) /* per member: its teams' people and their counts */

struct member {
	char account[RK_MAX_ACCOUNT_ID], name[RK_MAX_DISPLAY_NAME], facility[RK_MAX_FACILITY_CODE];
	char role[32], practitioner[RK_MAX_ACCOUNT_ID];
};

/* The active accounts of staff on a team now (in person, or through a member facility). */
static enum rk_status members_now(struct store *s, int64_t now, struct member **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT DISTINCT a.account_id, a.display_name, a.facility_code, a.role, a.practitioner_id FROM account a "
		"JOIN care_team_member m ON m.facility_code = a.facility_code AND (m.account_id = '' OR m.account_id = "
		"a.account_id) WHERE a.disabled = 0 AND m.active = 1 AND m.period_start <= ? AND ? < m.period_end "
		"ORDER BY a.account_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_i64(st, 2, now);
	size_t cap = 0;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && *n < DIGEST_MAX_MEMBERS) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct member *m = realloc(*out, nc * sizeof *m);
			if (!m) {
				rc = rk_fail(err, RK_INTERNAL, "out of memory listing the teams' members");
				break;
			}
			*out = m;
			cap = nc;
		}
		struct member *m = &(*out)[(*n)++];
		memset(m, 0, sizeof *m);
		str_copy(m->account, sizeof m->account, store_col_text(st, 0));
		str_copy(m->name, sizeof m->name, store_col_text(st, 1));
		str_copy(m->facility, sizeof m->facility, store_col_text(st, 2));
		str_copy(m->role, sizeof m->role, store_col_text(st, 3));
		str_copy(m->practitioner, sizeof m->practitioner, store_col_text(st, 4));
	}
	store_done(st);
	return rc;
}

/* What 担当患者一覧 would count for m now: unread and overdue posts it may see. */
static enum rk_status count_for(struct store *s, const struct member *m, enum role role, int64_t now, struct arena *a,
				int64_t *unread, int64_t *overdue, struct rk_err *err)
{
	*unread = *overdue = 0;
	struct principal who = {.kind = PRINCIPAL_STAFF, .role = role, .stage = STAGE_OK};
	str_copy(who.account, sizeof who.account, str_c(m->account));
	str_copy(who.name, sizeof who.name, str_c(m->name));
	str_copy(who.facility, sizeof who.facility, str_c(m->facility));
	struct access_ctx ax;
	access_ctx_init(&ax, s, a, &who, now);
	struct collab_team_patient *teams;
	size_t n;
	enum rk_status rc = collab_my_patients(s, m->facility, m->account, now, a, &teams, &n, err);
	const char *me = m->practitioner[0] ? arena_printf(a, "Practitioner/%s", m->practitioner) : "";
	if (!me)
		return rk_fail(err, RK_TOO_LARGE, "out of memory");
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		struct collab_count *g;
		size_t k;
		rc = collab_counts(s, teams[i].regional_id, m->account, me, now, a, &g, &k, err);
		for (size_t j = 0; rc == RK_OK && j < k; j++) {
			struct access_decision d;
			rc = access_check(&ax, STR_LIT("Communication"), str_c(g[j].source), str_c(g[j].patient_id), &d,
					  NULL, err);
			if (rc == RK_OK && d.permit) {
				*unread += g[j].unread;
				*overdue += g[j].overdue;
			}
		}
	}
	return rc;
}

/* Run cmd by /bin/sh with text on its standard input; RK_OK when it exits 0. */
static enum rk_status run_hook(const char *cmd, const struct buf *text, struct rk_err *err)
{
	int fds[2];
	if (pipe(fds) != 0)
		return rk_fail(err, RK_INTERNAL, "collab.digest_command: pipe: %s", strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	pid_t pid;
	int e = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (e != 0) {
		close(fds[1]);
		return rk_fail(err, RK_INTERNAL, "collab.digest_command: cannot start /bin/sh: %s", strerror(e));
	}
	/* a hook that stops reading must not kill the process: SIGPIPE is held
	 * back in this thread while writing (EPIPE ends the write) and a pending
	 * one is taken off before it is let through again */
	sigset_t pipe_set, old_set;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	size_t off = 0;
	while (off < text->len) {
		ssize_t w = write(fds[1], text->data + off, text->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fds[1]);
	const struct timespec no_wait = {0, 0};
	while (sigtimedwait(&pipe_set, NULL, &no_wait) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return rk_fail(err, RK_INTERNAL,
			       "collab.digest_command failed (%s %d); the digest is sent again next time",
			       WIFEXITED(status) ? "exit status" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	if (off < text->len)
		return rk_fail(err, RK_INTERNAL, "collab.digest_command stopped reading after %zu of %zu bytes", off,
			       text->len);
	return RK_OK;
}

enum rk_status collab_digest_run(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err)
{
	const struct config *cfg = env->cfg;
	if (!cfg->collab_digest_command || !cfg->collab_digest_command[0]) {
		snprintf(res->message, sizeof res->message, "no collab.digest_command: nothing sent");
		return RK_OK;
	}
	char link[512];
	if (cfg->collab_digest_link && cfg->collab_digest_link[0])
		snprintf(link, sizeof link, "%s", cfg->collab_digest_link);
	else
		snprintf(link, sizeof link, "%s://%s:%d/team.html", cfg->tls_enabled ? "https" : "http",
			 cfg->listen_host, cfg->listen_port);
	struct member *m = NULL;
	size_t n = 0;
	enum rk_status rc = members_now(env->store, now, &m, &n, err);
	struct buf text;
	buf_init(&text, (size_t)1 << 30);
	struct arena a;
	arena_init(&a, DIGEST_ARENA);
	int64_t told = 0;
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		enum role role;
		if (!role_parse(str_c(m[i].role), &role) || !access_role_allows(role, CAT_COLLAB))
			continue;
		int64_t unread, overdue;
		rc = count_for(env->store, &m[i], role, now, &a, &unread, &overdue, err);
		arena_reset(&a);
		if (rc != RK_OK || (!unread && !overdue))
			continue;
		json_t *line = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "account", m[i].account, "name", m[i].name,
					 "facility", m[i].facility, "unread", (json_int_t)unread, "overdue",
					 (json_int_t)overdue, "link", link);
		char *js = line ? json_dumps(line, JSON_COMPACT) : NULL;
		json_decref(line);
		if (!js || buf_puts(&text, js) != RK_OK || buf_putc(&text, '\n') != RK_OK)
			rc = rk_fail(err, RK_INTERNAL, "out of memory writing the digest");
		free(js);
		told++;
	}
	arena_free(&a);
	free(m);
	if (rc == RK_OK && told)
		rc = run_hook(cfg->collab_digest_command, &text, err);
	buf_free(&text);
	if (rc != RK_OK)
		return rc;
	char detail[160];
	snprintf(detail, sizeof detail,
		 "daily digest of the care teams: %lld member(s) told through collab.digest_command", (long long)told);
	struct audit_event ev = {.event = "collab-digest",
				 .action = 'E',
				 .account = "scheduler",
				 .role = "system",
				 .facility = "",
				 .purpose = "HOPERAT",
				 .patients = "[]",
				 .entities = "[]",
				 .query = "scheduler job collab-digest",
				 .detail = detail};
	if ((rc = store_begin(env->store, err)) != RK_OK)
		return rc;
	rc = audit_append(env->audit, env->store, &ev, NULL, err);
	if (rc == RK_OK)
		rc = store_commit(env->store, err);
	else
		store_rollback(env->store);
	res->count = told;
	snprintf(res->message, sizeof res->message, "%lld member(s) told", (long long)told);
	return rc;
}
