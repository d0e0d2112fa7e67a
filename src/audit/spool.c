/* spool.c — the standby's audit spool and its import into the primary's
 * chain after failback (spool.h, docs/STANDBY.md). */
#include "audit/spool.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/time.h"
#include "store/store.h"

#define IMPORT_BATCH 1000

void audit_spool_dir(const struct config *cfg, const char *dir, char *out, size_t cap)
{
	if (dir && dir[0])
		snprintf(out, cap, "%s", dir);
	else if (cfg->standby_spool_dir && cfg->standby_spool_dir[0])
		snprintf(out, cap, "%s", cfg->standby_spool_dir);
	else
		snprintf(out, cap, "var/standby-spool");
}

enum rk_status audit_spool_prepare(const struct config *cfg, const char *dir, bool create, struct audit_spool *sp,
				   struct rk_err *err)
{
	memset(sp, 0, sizeof *sp);
	audit_spool_dir(cfg, dir, sp->dir, sizeof sp->dir);
	audit_key_path(cfg, sp->key, sizeof sp->key);
	snprintf(sp->url, sizeof sp->url, "sqlite:%s/%s", sp->dir, AUDIT_SPOOL_DB);
	snprintf(sp->checkpoint, sizeof sp->checkpoint, "%s/%s", sp->dir, AUDIT_SPOOL_CHECKPOINT);
	unsigned char key[AUDIT_KEY_BYTES];
	struct rk_err kerr;
	rk_err_clear(&kerr);
	enum rk_status rc = audit_key_load(sp->key, false, key, &kerr);
	sodium_memzero(key, sizeof key);
	if (rc != RK_OK)
		return rk_fail(err, rc,
			       "the standby's audit spool needs the primary's audit key (audit.key_file): %s; copy the "
			       "key to the standby first",
			       kerr.msg);
	struct stat st;
	if (stat(sp->url + 7, &st) != 0) {
		if (!create)
			return rk_fail(err, RK_NOT_FOUND, "there is no audit spool at %s (no %s)", sp->dir,
				       AUDIT_SPOOL_DB);
		if (mkdir(sp->dir, 0700) != 0 && errno != EEXIST)
			return rk_fail(err, RK_IO, "cannot create the audit spool directory %s: %s", sp->dir,
				       strerror(errno));
	}
	if (create) {
		struct store *s = NULL;
		struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms};
		rc = store_open(sp->url, &opt, &s, err);
		if (rc == RK_OK)
			rc = store_migrate(s, err);
		store_close(s);
		if (rc != RK_OK)
			return rc;
	}
	sp->cfg = *cfg;
	sp->cfg.store_url = sp->url;
	sp->cfg.audit_key_file = sp->key;
	sp->cfg.audit_checkpoint_file = sp->checkpoint;
	sp->cfg.read_only = false;
	return RK_OK;
}

/* The highest spool sequence number an earlier import appended: the range
 * entries name "<log id>" in grant_ref and "entries A-B" in query. */
static enum rk_status imported_before(struct store *s, const char *log_id, int64_t *out, struct rk_err *err)
{
	*out = 0;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s, "SELECT query FROM audit_entry WHERE event = ? AND grant_ref = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(AUDIT_SPOOL_EVENT));
	store_bind_text(st, 2, str_c(log_id));
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct str q = store_col_text(st, 0), from, to;
		int64_t b = 0;
		if (str_starts_with(q, "entries ") && str_cut(q, '-', &from, &to) && str_to_i64(to, 0, INT64_MAX, &b) &&
		    b > *out)
			*out = b;
	}
	store_done(st);
	return rc;
}

static enum rk_status spool_log_id(struct store *s, char *out, size_t cap, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT log_id FROM audit_key_check WHERE id = 1", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		str_copy(out, cap, store_col_text(st, 0));
	store_done(st);
	if (rc == RK_OK && !row)
		rc = rk_fail(err, RK_NOT_FOUND, "the audit spool has no log id (it was never opened by a standby)");
	return rc;
}

static enum rk_status spool_count(struct store *s, int64_t *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT COUNT(*) FROM audit_entry", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	*out = rc == RK_OK && row ? store_col_i64(st, 0) : 0;
	store_done(st);
	return rc;
}

#define SPOOL_COLUMN(member, column) ", " #column
#define SPOOL_MEMBER(member, column) offsetof(struct audit_event, member),
static const size_t member_offset[] = {AUDIT_TEXT_FIELDS(SPOOL_MEMBER)};
#define N_MEMBERS (sizeof member_offset / sizeof member_offset[0])

/* A break-the-glass episode the standby started (its `emergency-start`
 * entry), to become an episode of the primary for review. */
struct spool_episode {
	char id[40], account[RK_MAX_ACCOUNT_ID], facility[RK_MAX_FACILITY_CODE], regional[40];
	char reason[32], text[1100];
	int64_t started;
};

/* From the entry's patients (["<regional id>"]) and detail ("break-the-glass
 * <id>: <reason code>: <text>", api/access_api.c). */
static bool episode_of(const struct audit_event *ev, int64_t at, struct spool_episode *out)
{
	static const char prefix[] = "break-the-glass ";
	if (strcmp(ev->event, "emergency-start") != 0 || ev->outcome != 0 ||
	    strncmp(ev->detail, prefix, sizeof prefix - 1) != 0)
		return false;
	memset(out, 0, sizeof *out);
	json_t *arr = json_loads(ev->patients, 0, NULL);
	const char *rid = json_string_value(json_array_get(arr, 0));
	snprintf(out->regional, sizeof out->regional, "%s", rid ? rid : "");
	json_decref(arr);
	const char *id = ev->detail + sizeof prefix - 1, *id_end = strstr(id, ": ");
	const char *reason = id_end ? id_end + 2 : "", *colon = strstr(reason, ": ");
	if (!out->regional[0] || !id_end || (size_t)(id_end - id) >= sizeof out->id || !colon ||
	    (size_t)(colon - reason) >= sizeof out->reason)
		return false;
	snprintf(out->id, sizeof out->id, "%.*s", (int)(id_end - id), id);
	snprintf(out->reason, sizeof out->reason, "%.*s", (int)(colon - reason), reason);
	snprintf(out->text, sizeof out->text, "%s", colon + 2);
	snprintf(out->account, sizeof out->account, "%s", ev->account);
	snprintf(out->facility, sizeof out->facility, "%s", ev->facility);
	out->started = at;
	return true;
}

/* The standby's episode as the primary's, pending review (ON CONFLICT: an
 * id already there is left alone). */
static enum rk_status episode_insert(const struct config *cfg, struct store *s, const struct spool_episode *e,
				     struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO emergency_episode (episode_id, account_id, facility_code, regional_id, reason_code,"
		" reason_text, started_at, expires_at, ended_at, review_status, review_due, reviewed_by, reviewed_at,"
		" review_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'pending', ?, '', 0, '') ON CONFLICT DO NOTHING",
		&st, err);
	if (rc != RK_OK)
		return rc;
	const char *v[] = {e->id, e->account, e->facility, e->regional, e->reason, e->text};
	for (int i = 0; i < 6; i++)
		store_bind_text(st, i + 1, str_c(v[i]));
	store_bind_i64(st, 7, e->started);
	store_bind_i64(st, 8, e->started + cfg->emergency_duration_ms);
	store_bind_i64(st, 9, e->started + cfg->emergency_review_ms);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* One batch: the spool entries after `after` (at most IMPORT_BATCH), with a
 * detail naming their spool entry, appended in one transaction with the
 * range entry. *last gets the last spool seq done (after when none). */
static enum rk_status import_batch(const struct config *cfg, struct audit_log *log, struct store *primary,
				   struct store *spool, const char *log_id, int64_t after, int64_t *last,
				   struct audit_spool_import_report *rep, struct rk_err *err)
{
	*last = after;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(spool,
			      "SELECT seq, recorded_at, action, outcome" AUDIT_TEXT_FIELDS(
				      SPOOL_COLUMN) " FROM audit_entry WHERE seq > ? ORDER BY seq LIMIT 1000",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, after);
	struct audit_event *evs = calloc(IMPORT_BATCH, sizeof *evs);
	char **texts = calloc((size_t)IMPORT_BATCH * (N_MEMBERS + 1), sizeof *texts);
	struct spool_episode *eps = calloc(IMPORT_BATCH, sizeof *eps);
	if (!evs || !texts || !eps)
		rk_oom();
	size_t n = 0, n_eps = 0;
	bool row = false;
	while (n < IMPORT_BATCH && (rc = store_step(st, &row, err)) == RK_OK && row) {
		int64_t seq = store_col_i64(st, 0), at = store_col_i64(st, 1);
		struct audit_event *ev = &evs[n];
		struct str action = store_col_text(st, 2);
		ev->action = action.len ? action.ptr[0] : 'E';
		ev->outcome = (int)store_col_i64(st, 3);
		for (size_t i = 0; i < N_MEMBERS; i++) {
			struct str v = store_col_text(st, 4 + (int)i);
			char *copy = malloc(v.len + 1);
			if (!copy)
				rk_oom();
			memcpy(copy, v.ptr, v.len);
			copy[v.len] = '\0';
			texts[n * (N_MEMBERS + 1) + i] = copy;
			*(const char **)((char *)ev + member_offset[i]) = copy;
		}
		if (episode_of(ev, at, &eps[n_eps]))
			n_eps++;
		/* the detail says where the entry was first recorded, and when */
		char when[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(at, when);
		size_t cap = strlen(ev->detail) + 160;
		char *detail = malloc(cap);
		if (!detail)
			rk_oom();
		snprintf(detail, cap, "%s%s[standby spool %.12s #%" PRId64 ", recorded %s]", ev->detail,
			 ev->detail[0] ? " " : "", log_id, seq, when);
		texts[n * (N_MEMBERS + 1) + N_MEMBERS] = detail;
		ev->detail = detail;
		*last = seq;
		n++;
	}
	store_done(st);
	if (rc == RK_OK && n) {
		char query[96], detail[160];
		snprintf(query, sizeof query, "entries %" PRId64 "-%" PRId64, after + 1, *last);
		snprintf(detail, sizeof detail, "imported %zu entries of the standby's audit spool %s", n, log_id);
		struct audit_event range = {.event = AUDIT_SPOOL_EVENT,
					    .action = 'E',
					    .account = "renkei",
					    .grant_kind = "spool",
					    .grant_ref = log_id,
					    .patients = "[]",
					    .entities = "[]",
					    .query = query,
					    .detail = detail};
		int64_t first = 0, range_seq = 0;
		if ((rc = store_begin(primary, err)) == RK_OK) {
			rc = audit_append_many(log, primary, evs, n, &first, err);
			for (size_t i = 0; i < n_eps && rc == RK_OK; i++)
				rc = episode_insert(cfg, primary, &eps[i], err);
			if (rc == RK_OK)
				rc = audit_append(log, primary, &range, &range_seq, err);
			if (rc == RK_OK)
				rc = store_commit(primary, err);
			else
				store_rollback(primary);
		}
		if (rc == RK_OK) {
			if (!rep->first_seq)
				rep->first_seq = first;
			rep->last_seq = range_seq;
			rep->imported += (int64_t)n;
			rep->episodes += (int64_t)n_eps;
		}
	}
	for (size_t i = 0; i < (size_t)IMPORT_BATCH * (N_MEMBERS + 1); i++)
		free(texts[i]);
	free(texts);
	free(evs);
	free(eps);
	return rc;
}

enum rk_status audit_spool_import(const struct config *cfg, const char *dir, struct audit_spool_import_report *rep,
				  struct rk_err *err)
{
	memset(rep, 0, sizeof *rep);
	struct audit_spool *sp = calloc(1, sizeof *sp);
	if (!sp)
		rk_oom();
	struct store *spool = NULL, *primary = NULL;
	struct audit_log *log = NULL;
	enum rk_status rc = audit_spool_prepare(cfg, dir, false, sp, err);
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms};
	if (rc == RK_OK)
		rc = store_open(sp->url, &opt, &spool, err);
	if (rc == RK_OK)
		rc = spool_log_id(spool, rep->log_id, sizeof rep->log_id, err);
	if (rc == RK_OK) {
		struct audit_verify_report vr;
		rc = audit_verify_config(&sp->cfg, spool, &vr, err);
		if (rc == RK_OK && vr.tampered)
			rc = rk_fail(
				err, RK_INVALID,
				"the audit spool's chain is broken (entry %lld: %s); nothing was imported — keep the "
				"spool as evidence",
				(long long)vr.first_bad, vr.problem);
	}
	if (rc == RK_OK)
		rc = spool_count(spool, &rep->spooled, err);
	if (rc == RK_OK)
		rc = store_open(cfg->store_url, &opt, &primary, err);
	bool standby = false;
	if (rc == RK_OK && (rc = store_in_recovery(primary, &standby, err)) == RK_OK && standby)
		rc = rk_fail(err, RK_CONFLICT,
			     "the database is still a standby (in recovery): promote it, or import into the primary");
	if (rc == RK_OK)
		rc = imported_before(primary, rep->log_id, &rep->before, err);
	if (rc == RK_OK)
		rc = audit_open(cfg, &log, err);
	int64_t done = rep->before;
	while (rc == RK_OK) {
		int64_t last = done;
		rc = import_batch(cfg, log, primary, spool, rep->log_id, done, &last, rep, err);
		if (rc != RK_OK || last == done)
			break;
		done = last;
	}
	audit_close(log);
	store_close(primary);
	store_close(spool);
	free(sp);
	return rc;
}
