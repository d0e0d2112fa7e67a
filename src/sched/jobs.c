/* jobs.c — the scheduler's job table and the jobs: closing break-the-glass
 * episodes and disaster declarations whose time is up (audited, one entry per
 * change), and deleting what has outlived its use (ended sessions, old
 * tokens, forgotten failed logins). The queries that grant access keep their
 * own time checks: these jobs make the rows say what the clock already says. */
#include "sched/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/disaster.h"
#include "backup/backup.h"
#include "bulk/bulk.h"
#include "collab/digest.h"
#include "collab/purge.h"
#include "collab/orders.h"
#include "core/limits.h"
#include "core/time.h"

static const struct sched_job jobs[] = {
	{"emergency-expire", 0, "close break-the-glass episodes whose time is up (audited: emergency-expired)",
	 sched_emergency_expire},
	{"disaster-close", 0, "close disaster declarations at their end (audited: disaster-closed)",
	 sched_disaster_close},
	{"disaster-report", 86400000,
	 "write yesterday's report of every access made under each disaster declaration (audited: disaster-reported)",
	 disaster_report_run},
	{"session-purge", 3600000, "end timed-out sessions; delete those ended longer than sched.session_retention ago",
	 sched_session_purge},
	{"token-purge", 3600000, "delete OAuth2 tokens expired longer than sched.token_retention ago",
	 sched_token_purge},
	{"bulk-export-purge", 3600000,
	 "delete $export files and rows past bulk.expiry (the export runner of each server also does, while idle)",
	 bulk_export_purge},
	{"login-failure-purge", 3600000, "forget failed logins of IDs without a failure for a day",
	 sched_login_failure_purge},
	{"collab-attachment-purge", 3600000,
	 "delete attachments a day old that no record names (uploaded for a post never written; audited)",
	 collab_attachment_purge_run},
	{"collab-digest", 86400000,
	 "the care teams' daily digest: counts and a link, no patient data, to collab.digest_command (audited)",
	 collab_digest_run},
	{"collab-order-remind", 3600000,
	 "post a reminder to the care team 14 and 3 days before a 指示書's period ends (audited: document-reminder)",
	 orders_remind},
	{"backup", 86400000,
	 "an encrypted snapshot into backup.dir every backup.interval (off while it is unset; audited)",
	 backup_job_run},
};

const struct sched_job *sched_jobs(size_t *n)
{
	*n = sizeof jobs / sizeof jobs[0];
	return jobs;
}

const struct sched_job *sched_job_find(const char *name)
{
	for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
		if (strcmp(jobs[i].name, name) == 0)
			return &jobs[i];
	return NULL;
}

int64_t sched_job_period(const struct sched_job *j, const struct config *cfg)
{
	if (j->run == backup_job_run)
		return cfg->backup_interval_ms;
	return j->period_ms > 0 ? j->period_ms : cfg->sched_tick_ms;
}

/* ---- closing what has expired ---------------------------------------------- */

/* One row due to be closed: its key, when its time was up, and what the audit
 * entry names. */
struct due_row {
	char id[128], account[128], facility[32], patient[128], area[256];
	int64_t at;
};

/* A JSON array of the one regional ID (or of none when it would need escaping:
 * regional IDs are letters and digits, so that never happens in practice). */
static void patients_json(const char *rid, char *out, size_t cap)
{
	bool plain = rid[0] != '\0';
	for (const char *p = rid; *p; p++)
		plain &= (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\';
	snprintf(out, cap, plain ? "[\"%s\"]" : "[]", rid);
}

/* The rows of select (one `?`: now) due now, at most RK_SCHED_BATCH; columns
 * id, at, then account, facility, patient/area as the kind says. */
static enum rk_status due_rows(struct store *s, const char *select, int64_t now, bool episode, struct due_row *rows,
			       size_t *n, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, select, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_i64(st, 2, RK_SCHED_BATCH);
	bool row = false;
	*n = 0;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && *n < RK_SCHED_BATCH) {
		struct due_row *r = &rows[(*n)++];
		memset(r, 0, sizeof *r);
		str_copy(r->id, sizeof r->id, store_col_text(st, 0));
		r->at = store_col_i64(st, 1);
		str_copy(r->account, sizeof r->account, store_col_text(st, 2));
		if (episode) {
			str_copy(r->facility, sizeof r->facility, store_col_text(st, 3));
			str_copy(r->patient, sizeof r->patient, store_col_text(st, 4));
		} else {
			str_copy(r->area, sizeof r->area, store_col_text(st, 3));
		}
	}
	store_done(st);
	return rc;
}

/* Set ended_at of one row from 0 to at (compare-and-set: *closed is false
 * when it was ended meanwhile, by its owner or another server), or back from
 * at to 0 (undo, when its audit entry could not be written). */
static enum rk_status set_ended(struct store *s, const char *update, const char *id, int64_t from, int64_t to,
				bool *closed, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, update, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, to);
	store_bind_text(st, 2, str_c(id));
	store_bind_i64(st, 3, from);
	rc = store_run(st, err);
	if (closed)
		*closed = rc == RK_OK && store_changes(st) == 1;
	store_done(st);
	return rc;
}

struct close_kind {
	const char *select, *update, *event, *job, *grant_kind;
	bool episode;
};

/* Close every due row of kind: its ended_at (a compare-and-set, so exactly
 * one server closes it) and its audit entry commit together in one
 * transaction; when the entry cannot be written neither is kept and the job
 * fails, to be tried again at the next tick. */
static enum rk_status close_due(const struct sched_env *env, int64_t now, const struct close_kind *k,
				struct sched_result *res, struct rk_err *err)
{
	struct due_row *rows = calloc(RK_SCHED_BATCH, sizeof *rows);
	if (!rows)
		return rk_fail(err, RK_INTERNAL, "out of memory closing expired rows");
	enum rk_status rc = RK_OK;
	size_t n = 0;
	int64_t closed_n = 0;
	do {
		if ((rc = due_rows(env->store, k->select, now, k->episode, rows, &n, err)) != RK_OK)
			goto out;
		for (size_t i = 0; i < n; i++) {
			struct due_row *r = &rows[i];
			bool closed = false;
			char at[RK_TIME_RFC3339_LEN], detail[600], patients[160], query[96];
			time_format_rfc3339(r->at, at);
			if (k->episode)
				snprintf(detail, sizeof detail,
					 "break-the-glass episode %s of %s ended at its time limit %s", r->id,
					 r->account, at);
			else
				snprintf(detail, sizeof detail, "disaster mode %s for %s (declared by %s) ended at %s",
					 r->id, r->area, r->account, at);
			patients_json(r->patient, patients, sizeof patients);
			snprintf(query, sizeof query, "scheduler job %s", k->job);
			struct audit_event ev = {.event = k->event,
						 .action = 'E',
						 .account = "scheduler",
						 .role = "system",
						 .facility = r->facility,
						 .purpose = "HOPERAT",
						 .grant_kind = k->grant_kind,
						 .grant_ref = r->id,
						 .patients = patients,
						 .entities = "[]",
						 .query = query,
						 .detail = detail};
			/* the close and its entry in one transaction: both or neither */
			if ((rc = store_begin(env->store, err)) != RK_OK)
				goto out;
			rc = set_ended(env->store, k->update, r->id, 0, r->at, &closed, err);
			if (rc == RK_OK && closed)
				rc = audit_append(env->audit, env->store, &ev, NULL, err);
			if (rc == RK_OK)
				rc = store_commit(env->store, err);
			else
				store_rollback(env->store);
			if (rc != RK_OK)
				goto out;
			closed_n += closed;
		}
	} while (n == RK_SCHED_BATCH);
out:
	free(rows);
	res->count = closed_n;
	snprintf(res->message, sizeof res->message, "%lld %s closed%s", (long long)closed_n,
		 k->episode ? "episode(s)" : "declaration(s)", rc == RK_OK ? "" : ", then stopped");
	return rc;
}

enum rk_status sched_emergency_expire(const struct sched_env *env, int64_t now, struct sched_result *res,
				      struct rk_err *err)
{
	static const struct close_kind k = {
		.select = "SELECT episode_id, expires_at, account_id, facility_code, regional_id FROM emergency_episode"
			  " WHERE ended_at = 0 AND expires_at <= ? ORDER BY expires_at, episode_id LIMIT ?",
		.update = "UPDATE emergency_episode SET ended_at = ? WHERE episode_id = ? AND ended_at = ?",
		.event = "emergency-expired",
		.job = "emergency-expire",
		.grant_kind = "emergency",
		.episode = true,
	};
	return close_due(env, now, &k, res, err);
}

enum rk_status sched_disaster_close(const struct sched_env *env, int64_t now, struct sched_result *res,
				    struct rk_err *err)
{
	static const struct close_kind k = {
		.select = "SELECT declaration_id, ends_at, declared_by, area FROM disaster_declaration"
			  " WHERE ended_at = 0 AND ends_at <= ? ORDER BY ends_at, declaration_id LIMIT ?",
		.update = "UPDATE disaster_declaration SET ended_at = ? WHERE declaration_id = ? AND ended_at = ?",
		.event = "disaster-closed",
		.job = "disaster-close",
		.grant_kind = "disaster",
		.episode = false,
	};
	return close_due(env, now, &k, res, err);
}

/* ---- deleting what has outlived its use -------------------------------------- */

/* Run sql with the given integer parameters; *changed gets the rows it changed. */
static enum rk_status run_i64(struct store *s, const char *sql, const int64_t *v, int n, int64_t *changed,
			      struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	for (int i = 0; i < n; i++)
		store_bind_i64(st, i + 1, v[i]);
	rc = store_run(st, err);
	*changed = rc == RK_OK ? store_changes(st) : 0;
	store_done(st);
	return rc;
}

enum rk_status sched_session_purge(const struct sched_env *env, int64_t now, struct sched_result *res,
				   struct rk_err *err)
{
	/* A timed-out session ends when it timed out (the earlier of its absolute
	 * and its idle limit), as a request presenting it would end it. */
	int64_t idle = env->cfg->session_idle_ms, ended = 0, deleted = 0;
	const int64_t a[] = {idle, idle, now, now - idle};
	enum rk_status rc = run_i64(
		env->store,
		"UPDATE web_session SET ended_at = CASE WHEN expires_at < last_seen + ? THEN expires_at ELSE last_seen + ? END"
		" WHERE ended_at = 0 AND (expires_at <= ? OR last_seen <= ?)",
		a, 4, &ended, err);
	if (rc == RK_OK) {
		const int64_t b[] = {now - env->cfg->sched_session_retention_ms};
		rc = run_i64(env->store, "DELETE FROM web_session WHERE ended_at <> 0 AND ended_at < ?", b, 1, &deleted,
			     err);
	}
	res->count = ended + deleted;
	snprintf(res->message, sizeof res->message, "%lld session(s) ended, %lld deleted", (long long)ended,
		 (long long)deleted);
	return rc;
}

enum rk_status sched_token_purge(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err)
{
	/* Revocation applies to live tokens only, so a token revoked is also one
	 * that expires: its expiry dates it. */
	const int64_t a[] = {now - env->cfg->sched_token_retention_ms};
	int64_t deleted = 0;
	enum rk_status rc = run_i64(env->store, "DELETE FROM oauth_token WHERE expires_at < ?", a, 1, &deleted, err);
	res->count = deleted;
	snprintf(res->message, sizeof res->message, "%lld token(s) deleted", (long long)deleted);
	return rc;
}

enum rk_status sched_login_failure_purge(const struct sched_env *env, int64_t now, struct sched_result *res,
					 struct rk_err *err)
{
	/* The same rule as access/auth.c's occasional purge at login (which stays). */
	const int64_t a[] = {now - RK_LOGIN_FAILURE_MEMORY_MS, now};
	int64_t deleted = 0;
	enum rk_status rc = run_i64(env->store, "DELETE FROM login_failure WHERE last_failure < ? AND locked_until < ?",
				    a, 2, &deleted, err);
	res->count = deleted;
	snprintf(res->message, sizeof res->message, "%lld login ID/address row(s) forgotten", (long long)deleted);
	return rc;
}
