/* runner.c — running an export: as the principal who started it, type by
 * type through the consent-filtered query engine, one ndjson line per
 * record; then the completion's audit entry (every patient exported), and
 * only then the files are offered. The runner thread of `renkei serve`
 * takes queued exports with a compare-and-set on their row. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access/enforce.h"
#include "bulk/bulk.h"
#include "bulk/bulk_impl.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/time.h"
#include "fhir/search.h"
#include "fhir/types.h"
#include "query/query.h"
#include "sched/sched.h"

#define BULK_FILE_BYTES  (64u << 20) /* a file is closed and the next begun past this */
#define BULK_ARENA_LIMIT (1u << 30)  /* one type's candidates and rows */

struct job {
	char id[BULK_ID_LEN + 8];
	struct principal who;
	char level[16], group[RK_MAX_FACILITY_CODE], types[BULK_MAX_TYPES * 32], request_url[2048];
	int64_t since;
};

/* What a run writes, type by type. */
struct run {
	const struct config *cfg;
	char dir[RK_MAX_PATH];
	const char *type;
	FILE *f;
	int file_no;
	int64_t file_count, file_bytes, total;
	json_t *outputs;  /* [{type, file, count}] */
	json_t *patients; /* set of regional IDs served */
	json_t *group;    /* BULK_GROUP: the regional IDs of the group's people; NULL otherwise */
	bool collecting;  /* the group's first pass over Patient */
	const char *group_code;
	enum rk_status io;
	char io_msg[RK_ERR_MSG_MAX];
};

static void served(void *arg, struct str type, struct str id, int64_t version, const struct access_decision *d,
		   const char *regional)
{
	(void)type, (void)id, (void)version, (void)d;
	struct run *r = arg;
	if (!r->collecting && regional && regional[0] && (!r->group || json_object_get(r->group, regional)))
		json_object_set_new(r->patients, regional, json_true());
}

static void close_file(struct run *r)
{
	if (!r->f)
		return;
	if (fclose(r->f) != 0 && r->io == RK_OK) {
		r->io = RK_IO;
		snprintf(r->io_msg, sizeof r->io_msg, "cannot write the export's files: %s", strerror(errno));
	}
	r->f = NULL;
	char name[128];
	snprintf(name, sizeof name, "%s.%d.ndjson", r->type, r->file_no);
	json_array_append_new(r->outputs, json_pack("{s:s, s:s, s:I}", "type", r->type, "file", name, "count",
						    (json_int_t)r->file_count));
}

static enum rk_status write_line(struct run *r, struct str body)
{
	if (r->f && r->file_bytes + (int64_t)body.len > (int64_t)BULK_FILE_BYTES)
		close_file(r);
	if (!r->f) {
		char path[RK_MAX_PATH + 128];
		r->file_no++;
		snprintf(path, sizeof path, "%s/%s.%d.ndjson", r->dir, r->type, r->file_no);
		r->f = fopen(path, "wbx");
		r->file_count = r->file_bytes = 0;
		if (!r->f) {
			r->io = RK_IO;
			snprintf(r->io_msg, sizeof r->io_msg, "cannot create %.200s: %s", path, strerror(errno));
			return RK_IO;
		}
	}
	/* stored bodies are compact JSON; one with a line break is re-encoded */
	char *owned = NULL;
	if (memchr(body.ptr, '\n', body.len)) {
		json_t *j = json_loadb(body.ptr, body.len, 0, NULL);
		owned = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!owned) {
			r->io = RK_INTERNAL;
			snprintf(r->io_msg, sizeof r->io_msg, "a stored %s cannot be re-encoded", r->type);
			return RK_INTERNAL;
		}
		body = str_c(owned);
	}
	bool ok = fwrite(body.ptr, 1, body.len, r->f) == body.len && fputc('\n', r->f) != EOF;
	free(owned);
	if (!ok) {
		r->io = RK_IO;
		snprintf(r->io_msg, sizeof r->io_msg, "cannot write the export's files: %s", strerror(errno));
		return RK_IO;
	}
	r->file_count++;
	r->file_bytes += (int64_t)body.len + 1;
	r->total++;
	return RK_OK;
}

static enum rk_status on_row(void *arg, const struct query_row *row)
{
	struct run *r = arg;
	const struct store_resource *res = row->r;
	if (r->collecting) { /* the group: people with a registration at its facility */
		if (str_eq_c(res->source_facility, r->group_code) && row->regional && row->regional[0])
			json_object_set_new(r->group, row->regional, json_true());
		return RK_OK;
	}
	if (r->group && !(row->regional && row->regional[0] && json_object_get(r->group, row->regional)))
		return RK_OK;
	if (r->group && row->regional && row->regional[0])
		json_object_set_new(r->patients, row->regional, json_true());
	return write_line(r, res->body);
}

/* The visible records of def updated in [lo, hi) (ms), through on_row; the
 * arena and the facts are fresh for each range (a consent withdrawn during
 * the export holds from the next range on). A range with more candidates
 * than one search may weigh (RK_MAX_CANDIDATES) is split in two by time and
 * each half exported in turn, so a type of any size goes through the same
 * engine; a range is never split after a row of it was written. */
static enum rk_status one_range(struct store *s, const struct principal *who, struct arena *a,
				const struct fhir_resource_def *def, int64_t lo, int64_t hi, struct run *r,
				struct rk_err *err)
{
	arena_reset(a);
	struct access_ctx ax;
	access_ctx_init(&ax, s, a, who, time_now_ms());
	char t1[RK_TIME_RFC3339_LEN], t2[RK_TIME_RFC3339_LEN], v1[64], v2[64];
	time_format_rfc3339(lo, t1);
	time_format_rfc3339(hi, t2);
	snprintf(v1, sizeof v1, "ge%s", t1);
	snprintf(v2, sizeof v2, "lt%s", t2);
	struct str_pair p[] = {{str_c("_lastUpdated"), str_c(v1)}, {str_c("_lastUpdated"), str_c(v2)}};
	struct fhir_search_opts o = {.default_count = 1, .max_count = RK_MAX_CANDIDATES, .now = time_now_ms()};
	struct fhir_search fs;
	enum rk_status rc = fhir_search_parse(def, p, 2, &o, a, &fs, err);
	if (rc != RK_OK)
		return rc;
	fs.q.offset = 0;
	fs.q.count = RK_MAX_CANDIDATES;
	fs.q.want_total = false;
	struct query_ctx q = {.store = s,
			      .access = &ax,
			      .arena = a,
			      .scopes = who->kind == PRINCIPAL_SYSTEM ? who->scopes : NULL,
			      .served = served,
			      .served_arg = r};
	struct query_page page;
	int64_t before = r->total;
	rc = query_search(&q, def, &fs, on_row, r, &page, err);
	arena_reset(a);
	if (rc != RK_TOO_LARGE || hi - lo < 2 || r->total != before) /* the group's pass only adds to a set */
		return rc;
	int64_t mid = lo + (hi - lo) / 2;
	rk_err_clear(err);
	rc = one_range(s, who, a, def, lo, mid, r, err);
	return rc == RK_OK ? one_range(s, who, a, def, mid, hi, r, err) : rc;
}

/* Every visible record of type (updated since, when given). */
static enum rk_status one_type(struct store *s, const struct principal *who, struct arena *a, const char *type,
			       int64_t since, struct run *r, struct rk_err *err)
{
	const struct fhir_resource_def *def = fhir_resource_find(type, strlen(type));
	if (!def)
		return rk_fail(err, RK_INVALID, "type %s is no longer served", type);
	return one_range(s, who, a, def, since >= 0 ? since : 0, time_now_ms() + 1, r, err);
}

static enum rk_status set_progress(struct store *s, const char *id, const char *progress, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "UPDATE bulk_export SET progress = ? WHERE id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(progress));
	store_bind_text(st, 2, str_c(id));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static enum rk_status still_running(struct store *s, const char *id, bool *yes, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT status FROM bulk_export WHERE id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	bool row = false;
	rc = store_step(st, &row, err);
	*yes = rc == RK_OK && row && str_eq_c(store_col_text(st, 0), "running");
	store_done(st);
	return rc;
}

/* The end of a run: done (with its files), failed (with why), never over a cancellation. */
static enum rk_status finish(struct store *s, const struct config *cfg, const char *id, const char *status,
			     const char *outputs, const char *error, bool *changed, struct rk_err *err)
{
	int64_t now = time_now_ms();
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "UPDATE bulk_export SET status = ?, outputs = ?, error = ?, progress = ?, "
			      "finished_at = ?, expires_at = ?, holder = '' WHERE id = ? AND status = 'running'",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(status));
	store_bind_text(st, 2, str_c(outputs));
	store_bind_text(st, 3, str_c(error));
	store_bind_text(st, 4, str_c(status));
	store_bind_i64(st, 5, now);
	store_bind_i64(st, 6, now + cfg->bulk_expiry_ms);
	store_bind_text(st, 7, str_c(id));
	rc = store_run(st, err);
	*changed = rc == RK_OK && store_changes(st) == 1;
	store_done(st);
	return rc;
}

static enum rk_status load_job(struct store *s, struct str id, struct job *j, struct rk_err *err)
{
	memset(j, 0, sizeof *j);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT id, principal, level, group_id, types, since, request_url FROM bulk_export WHERE id = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, id);
	bool row = false, ok = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row) {
		str_copy(j->id, sizeof j->id, store_col_text(st, 0));
		ok = bulk_principal_parse(store_col_text(st, 1), &j->who);
		str_copy(j->level, sizeof j->level, store_col_text(st, 2));
		str_copy(j->group, sizeof j->group, store_col_text(st, 3));
		str_copy(j->types, sizeof j->types, store_col_text(st, 4));
		j->since = store_col_i64(st, 5);
		str_copy(j->request_url, sizeof j->request_url, store_col_text(st, 6));
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!row)
		return rk_fail(err, RK_NOT_FOUND, "export %.*s is not known", STR_FMT(id));
	if (!ok)
		return rk_fail(err, RK_INTERNAL, "export %s: its principal is damaged", j->id);
	return RK_OK;
}

/* The completion's audit entry: who, the export, every patient in it. */
static enum rk_status audit_end(struct audit_log *audit, const struct job *j, const struct run *r, bool ok,
				const char *why, struct rk_err *err)
{
	if (!audit)
		return RK_OK;
	json_t *arr = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(r->patients, k, v) json_array_append_new(arr, json_string(k));
	char *patients = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!patients)
		rk_oom();
	char detail[RK_ERR_MSG_MAX], query[2200];
	if (ok)
		snprintf(detail, sizeof detail, "bulk export %s complete: %lld resources of %zu patients in %zu files",
			 j->id, (long long)r->total, json_object_size(r->patients), json_array_size(r->outputs));
	else
		snprintf(detail, sizeof detail, "bulk export %s failed: %.300s", j->id, why);
	snprintf(query, sizeof query, "GET %s", j->request_url);
	struct audit_event ev = {
		.event = "bulk-export-complete",
		.action = 'E',
		.outcome = ok ? 0 : 8,
		.account = j->who.account,
		.role = role_info(j->who.role)->code,
		.facility = j->who.facility,
		.session_ref = j->who.session_ref,
		.client_addr = "",
		.purpose = "TREAT",
		.patients = patients,
		.entities = "[]",
		.query = query,
		.detail = detail,
	};
	enum rk_status rc = audit_write(audit, &ev, NULL, err);
	free(patients);
	return rc;
}

enum rk_status bulk_export_run(struct store *s, const struct config *cfg, struct audit_log *audit, struct str id,
			       struct rk_err *err)
{
	struct job *j = calloc(1, sizeof *j);
	struct run *r = calloc(1, sizeof *r);
	if (!j || !r)
		rk_oom();
	enum rk_status rc = load_job(s, id, j, err);
	if (rc != RK_OK) {
		free(j);
		free(r);
		return rc;
	}
	r->cfg = cfg;
	r->outputs = json_array();
	r->patients = json_object();
	r->io = RK_OK;
	char base[RK_MAX_PATH];
	bulk_dir(cfg, base, sizeof base);
	for (char *p = base + 1; *p; p++) { /* its parents too, as mkdir -p */
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(base, 0700);
		*p = '/';
	}
	mkdir(base, 0700);
	snprintf(r->dir, sizeof r->dir, "%.*s/%s", (int)(sizeof r->dir - 40), base, j->id);
	bool cancelled = false;
	struct rk_err why;
	rk_err_clear(&why);
	if (mkdir(r->dir, 0700) != 0 && errno != EEXIST) {
		rc = rk_fail(&why, RK_IO, "cannot create %s: %s", r->dir, strerror(errno));
	}
	struct arena a;
	arena_init(&a, BULK_ARENA_LIMIT);
	if (rc == RK_OK && strcmp(j->level, "group") == 0) {
		r->group = json_object();
		r->group_code = j->group;
		r->collecting = true;
		rc = one_type(s, &j->who, &a, "Patient", -1, r, &why);
		r->collecting = false;
	}
	struct str rest = str_c(j->types), t;
	size_t done = 0, n_types = 1;
	for (const char *p = j->types; *p; p++)
		n_types += *p == ',';
	while (rc == RK_OK && str_next(&rest, ',', &t)) {
		bool running = false;
		if ((rc = still_running(s, j->id, &running, &why)) != RK_OK)
			break;
		if (!running) {
			cancelled = true;
			break;
		}
		char type[64], progress[128];
		str_copy(type, sizeof type, t);
		snprintf(progress, sizeof progress, "%zu of %zu types: %s (%lld resources so far)", done + 1, n_types,
			 type, (long long)r->total);
		if ((rc = set_progress(s, j->id, progress, &why)) != RK_OK)
			break;
		r->type = type;
		r->file_no = 0;
		rc = one_type(s, &j->who, &a, type, j->since, r, &why);
		if (rc == RK_OK && r->io != RK_OK)
			rc = rk_fail(&why, r->io, "%s", r->io_msg);
		close_file(r);
		arena_reset(&a);
		done++;
	}
	if (r->f)
		close_file(r);
	enum rk_status out = RK_OK;
	if (cancelled) {
		bulk_remove_files(cfg, j->id);
	} else {
		struct rk_err aerr;
		rk_err_clear(&aerr);
		bool ok = rc == RK_OK;
		enum rk_status arc = audit_end(audit, j, r, ok, why.msg, &aerr);
		if (ok && arc != RK_OK) { /* nothing is offered that was not audited */
			ok = false;
			snprintf(why.msg, sizeof why.msg, "the audit entry could not be written: %.300s", aerr.msg);
		}
		char *outputs = json_dumps(r->outputs, JSON_COMPACT);
		if (!outputs)
			rk_oom();
		if (!ok)
			bulk_remove_files(cfg, j->id);
		bool changed = false;
		out = finish(s, cfg, j->id, ok ? "done" : "failed", ok ? outputs : "[]", ok ? "" : why.msg, &changed,
			     err);
		free(outputs);
		if (out == RK_OK && !changed) /* cancelled after its last type */
			bulk_remove_files(cfg, j->id);
		log_event(ok ? LOG_INFO : LOG_WARN, ok ? "bulk.export_done" : "bulk.export_failed", "id", j->id,
			  "error", ok ? "" : why.msg, NULL);
	}
	json_decref(r->outputs);
	json_decref(r->patients);
	json_decref(r->group);
	arena_reset(&a);
	free(j);
	free(r);
	return out;
}

/* ---- the thread ---------------------------------------------------------------- */

struct bulk_runner {
	const struct config *cfg;
	struct audit_log *audit;
	char holder[SCHED_HOLDER_LEN];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	bool stopping, woken;
};

static pthread_mutex_t the_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bulk_runner *the_runner;

void bulk_runner_wake(void)
{
	pthread_mutex_lock(&the_mu);
	struct bulk_runner *br = the_runner;
	if (br) {
		pthread_mutex_lock(&br->mu);
		br->woken = true;
		pthread_cond_signal(&br->wake);
		pthread_mutex_unlock(&br->mu);
	}
	pthread_mutex_unlock(&the_mu);
}

/* Claim the oldest queued export (compare-and-set): *id empty when none. */
static enum rk_status claim(struct store *s, const char *holder, char id[BULK_ID_LEN + 8], struct rk_err *err)
{
	id[0] = '\0';
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT id FROM bulk_export WHERE status = 'queued' ORDER BY created_at LIMIT 1", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	char cand[BULK_ID_LEN + 8] = "";
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		str_copy(cand, sizeof cand, store_col_text(st, 0));
	store_done(st);
	if (rc != RK_OK || !cand[0])
		return rc;
	if ((rc = store_prepare(s,
				"UPDATE bulk_export SET status = 'running', holder = ?, progress = 'running' "
				"WHERE id = ? AND status = 'queued'",
				&st, err)) != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(holder));
	store_bind_text(st, 2, str_c(cand));
	rc = store_run(st, err);
	if (rc == RK_OK && store_changes(st) == 1)
		memcpy(id, cand, sizeof cand);
	store_done(st);
	return rc;
}

static void *runner_main(void *arg)
{
	struct bulk_runner *br = arg;
	struct store *s = NULL;
	pthread_mutex_lock(&br->mu);
	while (!br->stopping) {
		br->woken = false;
		pthread_mutex_unlock(&br->mu);
		struct rk_err err;
		rk_err_clear(&err);
		if (!s) {
			struct store_options opt = {.busy_timeout_ms = (int)br->cfg->store_busy_timeout_ms};
			if (store_open(br->cfg->store_url, &opt, &s, &err) != RK_OK) {
				log_event(LOG_WARN, "bulk.store_unavailable", "error", err.msg, NULL);
				s = NULL;
			}
		}
		char id[BULK_ID_LEN + 8] = "";
		if (s && claim(s, br->holder, id, &err) != RK_OK)
			log_event(LOG_WARN, "bulk.claim_failed", "error", err.msg, NULL);
		if (id[0] && bulk_export_run(s, br->cfg, br->audit, str_c(id), &err) != RK_OK)
			log_event(LOG_WARN, "bulk.export_failed", "id", id, "error", err.msg, NULL);
		if (s && !id[0]) { /* idle: delete what has expired or was cancelled */
			struct sched_env env = {.store = s, .cfg = br->cfg, .audit = br->audit};
			struct sched_result res;
			if (bulk_export_purge(&env, time_now_ms(), &res, &err) != RK_OK)
				log_event(LOG_WARN, "bulk.purge_failed", "error", err.msg, NULL);
		}
		pthread_mutex_lock(&br->mu);
		if (id[0])
			continue; /* perhaps another is queued */
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 2; /* exports queued by another server are found within this */
		while (!br->stopping && !br->woken && pthread_cond_timedwait(&br->wake, &br->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&br->mu);
	store_close(s);
	return NULL;
}

enum rk_status bulk_runner_start(const struct config *cfg, struct audit_log *audit, struct bulk_runner **out,
				 struct rk_err *err)
{
	struct bulk_runner *br = calloc(1, sizeof *br);
	if (!br)
		return rk_fail(err, RK_INTERNAL, "out of memory starting the bulk export runner");
	br->cfg = cfg;
	br->audit = audit;
	sched_holder_id(br->holder);
	pthread_mutex_init(&br->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&br->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&br->thread, NULL, runner_main, br) != 0) {
		pthread_cond_destroy(&br->wake);
		pthread_mutex_destroy(&br->mu);
		free(br);
		return rk_fail(err, RK_INTERNAL, "cannot start the bulk export runner");
	}
	pthread_mutex_lock(&the_mu);
	the_runner = br;
	pthread_mutex_unlock(&the_mu);
	*out = br;
	return RK_OK;
}

void bulk_runner_stop(struct bulk_runner *br)
{
	if (!br)
		return;
	pthread_mutex_lock(&the_mu);
	if (the_runner == br)
		the_runner = NULL;
	pthread_mutex_unlock(&the_mu);
	pthread_mutex_lock(&br->mu);
	br->stopping = true;
	pthread_cond_signal(&br->wake);
	pthread_mutex_unlock(&br->mu);
	pthread_join(br->thread, NULL);
	pthread_cond_destroy(&br->wake);
	pthread_mutex_destroy(&br->mu);
	free(br);
}
