/* import.c — `renkei import ndjson`: FHIR resources, one per line, written
 * as the facility's system would write them (the write decision through the
 * fhir/ write path's guard, as SS-MIX2 ingest does), with deterministic ids,
 * references rewritten, a foreign patient identifier made the facility's
 * local ID, idempotent (ingest_message), quarantining what cannot be stored
 * (ingest_error) and auditing every line in its batch's transaction. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "access/enforce.h"
#include "bulk/bulk.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/registry.h"
#include "fhir/resource.h"
#include "fhir/types.h"

#define IMPORT_BATCH     200        /* lines per transaction */
#define IMPORT_MAX_FILE  (1u << 30) /* bytes of one file, read whole */
#define IMPORT_MAX_FILES 10000
#define IMPORT_ROUNDS    4 /* lines whose references are not stored yet are tried again */

struct line {
	int file;
	struct str text;
	int64_t lineno;
	int rank;     /* order: registrations first, what refers to many last */
	char key[96]; /* "Type/foreign id" ("" when it could not be read) */
	char digest[65];
};

struct importer {
	struct store *s;
	const struct config *cfg;
	struct str facility;
	char fac[RK_MAX_FACILITY_CODE];
	struct audit_log *log;
	const char *actor;
	char **names; /* file names */
	json_t *ids;  /* "Type/foreign id" → new id */
	struct arena arena;
	struct principal who;
	struct bulk_import_stats *st;
	/* the batch's audit entries */
	struct audit_event ev[IMPORT_BATCH];
	char *ev_text[IMPORT_BATCH][4]; /* patients, entities, query, detail (malloc'ed) */
	size_t n_ev;
};

static int rank_of(const char *type)
{
	static const char *const order[] = {"Organization",      "Practitioner", "Patient",   "Encounter",
					    "Consent",           "CareTeam",     "Condition", "ServiceRequest",
					    "MedicationRequest", "Observation"};
	for (size_t i = 0; i < sizeof order / sizeof *order; i++)
		if (strcmp(order[i], type) == 0)
			return (int)i;
	return 20;
}

static void hex_digest(const void *p, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* The new id: "<facility>-" + 24 hex digits of SHA-256(facility, type/id). */
static void new_id(const char *fac, const char *key, char out[RK_MAX_ID_LEN + 1])
{
	char buf[160], hex[65];
	int n = snprintf(buf, sizeof buf, "%s|%s", fac, key);
	hex_digest(buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1), hex);
	snprintf(out, RK_MAX_ID_LEN + 1, "%s-%.24s", fac, hex);
}

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A reference "Type/id" (or a URL ending in it) to an imported resource, rewritten. */
static void rewrite_ref(struct importer *im, json_t *obj)
{
	json_t *r = json_object_get(obj, "reference");
	const char *v = json_string_value(r);
	if (!v)
		return;
	const char *slash = strrchr(v, '/');
	if (!slash)
		return;
	const char *t = slash;
	while (t > v && t[-1] != '/')
		t--;
	char key[160];
	snprintf(key, sizeof key, "%.*s", (int)(strlen(t) < sizeof key ? strlen(t) : sizeof key - 1), t);
	json_t *to = json_object_get(im->ids, key);
	if (!to)
		return;
	char ref[160];
	snprintf(ref, sizeof ref, "%.*s/%s", (int)(slash - t), t, json_string_value(to));
	json_object_set_new(obj, "reference", json_string(ref));
}

static void rewrite_refs(struct importer *im, json_t *j)
{
	if (json_is_object(j)) {
		rewrite_ref(im, j);
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) rewrite_refs(im, v);
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) rewrite_refs(im, v);
	}
}

static bool local_id_ok(const char *v)
{
	size_t n = strlen(v);
	if (!n || n > RK_MAX_LOCAL_PID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-'))
			return false;
	}
	return true;
}

/* A Patient becomes the facility's registration: the region's ID and every
 * local patient ID system go; the foreign identifier becomes the local ID —
 * as it is when it is already this facility's or a plain ID that fits, else
 * "H" + 19 hex digits of its SHA-256 (another facility's local ID could
 * collide with one of ours). */
static enum rk_status make_registration(struct importer *im, json_t *res, const char *foreign_id, struct rk_err *err)
{
	json_t *ids = json_object_get(res, "identifier"), *keep = json_array();
	char local[RK_MAX_LOCAL_PID_LEN + 1] = "", hashed_src[512] = "";
	bool own = false;
	size_t i;
	json_t *ident;
	json_array_foreach(ids, i, ident)
	{
		const char *sys = json_string_value(json_object_get(ident, "system"));
		const char *val = json_string_value(json_object_get(ident, "value"));
		struct str code;
		if (sys && strcmp(sys, im->cfg->region_id_system) == 0)
			continue;
		if (sys && registry_local_system(str_c(sys), &code)) {
			if (val && !own && str_eq(code, im->facility) && local_id_ok(val)) {
				snprintf(local, sizeof local, "%s", val);
				own = true;
			} else if (val && !local[0] && !hashed_src[0]) {
				snprintf(hashed_src, sizeof hashed_src, "%s|%s", sys, val);
			}
			continue;
		}
		if (sys && strncmp(sys, JP_LOCAL_PATIENT_SYSTEM_PREFIX, strlen(JP_LOCAL_PATIENT_SYSTEM_PREFIX)) == 0)
			continue;
		if (val && !local[0] && !hashed_src[0]) {
			if (local_id_ok(val))
				snprintf(local, sizeof local, "%s", val);
			else
				snprintf(hashed_src, sizeof hashed_src, "%s|%s", sys ? sys : "", val);
		}
		json_array_append(keep, ident);
	}
	if (!local[0]) {
		if (!hashed_src[0])
			snprintf(hashed_src, sizeof hashed_src, "Patient/%s", foreign_id);
		char hex[65];
		hex_digest(hashed_src, strlen(hashed_src), hex);
		snprintf(local, sizeof local, "H%.19s", hex);
	}
	char sys[96];
	snprintf(sys, sizeof sys, "%s%s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, im->fac);
	json_array_append_new(keep, json_pack("{s:s, s:s}", "system", sys, "value", local));
	json_object_set_new(res, "identifier", keep);
	(void)err;
	return RK_OK;
}

/* ---- the store side ---------------------------------------------------------- */

static enum rk_status seen(struct importer *im, const struct line *l, bool *same, struct rk_err *err)
{
	*same = false;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		im->s,
		"SELECT digest FROM ingest_message WHERE origin = 'ndjson' AND facility_code = ? AND msg_key = ?", &st,
		err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, im->facility);
	store_bind_text(st, 2, str_c(l->key));
	bool row = false;
	rc = store_step(st, &row, err);
	*same = rc == RK_OK && row && str_eq_c(store_col_text(st, 0), l->digest);
	store_done(st);
	return rc;
}

static enum rk_status record(struct importer *im, const struct line *l, const char *doc, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		im->s,
		"INSERT INTO ingest_message (origin, facility_code, msg_key, digest, doc_key, outcome, received_at) "
		"VALUES ('ndjson', ?, ?, ?, ?, 'stored', ?) ON CONFLICT (origin, facility_code, msg_key) DO UPDATE SET "
		"digest = excluded.digest, doc_key = excluded.doc_key, outcome = excluded.outcome, "
		"received_at = excluded.received_at",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, im->facility);
	store_bind_text(st, 2, str_c(l->key));
	store_bind_text(st, 3, str_c(l->digest));
	store_bind_text(st, 4, str_c(doc));
	store_bind_i64(st, 5, time_now_ms());
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* Keep a line that cannot be stored: one open row per location and content. */
static enum rk_status quarantine(struct importer *im, const struct line *l, const char *reason, struct rk_err *err)
{
	char location[512];
	snprintf(location, sizeof location, "%s:%lld", im->names[l->file], (long long)l->lineno);
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(im->s,
			      "UPDATE ingest_error SET reason = ?, at = ?, tries = tries + 1 WHERE digest = ? "
			      "AND origin = 'ndjson' AND facility_code = ? AND location = ? AND resolved_at IS NULL",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(reason));
	store_bind_i64(st, 2, time_now_ms());
	store_bind_text(st, 3, str_c(l->digest));
	store_bind_text(st, 4, im->facility);
	store_bind_text(st, 5, str_c(location));
	rc = store_run(st, err);
	bool updated = rc == RK_OK && store_changes(st) > 0;
	store_done(st);
	if (rc != RK_OK || updated)
		return rc;
	size_t b64len = sodium_base64_ENCODED_LEN(l->text.len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	if (!b64)
		rk_oom();
	sodium_bin2base64(b64, b64len, (const unsigned char *)l->text.ptr, l->text.len, sodium_base64_VARIANT_ORIGINAL);
	rc = store_prepare(
		im->s,
		"INSERT INTO ingest_error (at, origin, facility_code, location, hints, reason, digest, bytes, "
		"tries) VALUES (?, 'ndjson', ?, ?, '', ?, ?, ?, 1)",
		&st, err);
	if (rc == RK_OK) {
		store_bind_i64(st, 1, time_now_ms());
		store_bind_text(st, 2, im->facility);
		store_bind_text(st, 3, str_c(location));
		store_bind_text(st, 4, str_c(reason));
		store_bind_text(st, 5, str_c(l->digest));
		store_bind_text(st, 6, str_c(b64));
		rc = store_run(st, err);
		store_done(st);
	}
	free(b64);
	return rc;
}

static const struct fhir_guard facility_guard = {
	.visible = access_guard_visible,
	.authorize = access_guard_authorize,
	.create_id = access_guard_create_id,
};

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);
	if (!d)
		rk_oom();
	return d;
}

/* The line's audit entry (appended with the batch). */
static void note(struct importer *im, const struct line *l, const char *entity, const char *regional,
		 const char *detail, bool refused)
{
	size_t i = im->n_ev++;
	char q[600], buf[RK_ERR_MSG_MAX + 64], pats[64], ent[256];
	snprintf(q, sizeof q, "NDJSON %s:%lld", im->names[l->file], (long long)l->lineno);
	snprintf(pats, sizeof pats, regional && regional[0] ? "[\"%s\"]" : "[]", regional ? regional : "");
	if (entity)
		snprintf(ent, sizeof ent, "[{\"ref\":\"%s\"}]", entity);
	else
		snprintf(ent, sizeof ent, "[]");
	snprintf(buf, sizeof buf, "%s", detail);
	im->ev_text[i][0] = dup_or_die(pats);
	im->ev_text[i][1] = dup_or_die(ent);
	im->ev_text[i][2] = dup_or_die(q);
	im->ev_text[i][3] = dup_or_die(buf);
	im->ev[i] = (struct audit_event){
		.event = "ingest",
		.action = refused ? 'E' : 'C',
		.outcome = refused ? 4 : 0,
		.account = im->actor,
		.role = "system",
		.facility = im->fac,
		.client_addr = "",
		.purpose = "TREAT",
		.patients = im->ev_text[i][0],
		.entities = im->ev_text[i][1],
		.query = im->ev_text[i][2],
		.detail = im->ev_text[i][3],
	};
}

static void notes_free(struct importer *im)
{
	for (size_t i = 0; i < im->n_ev; i++)
		for (int k = 0; k < 4; k++)
			free(im->ev_text[i][k]);
	im->n_ev = 0;
}

/* One line inside the batch's transaction, in its own savepoint. Returns
 * only store failures; *outcome: 0 stored, 1 unchanged, 2 failed (reason in
 * why), the savepoint rolled back. */
static enum rk_status one_line(struct importer *im, const struct line *l, int *outcome, char *why, size_t why_cap,
			       struct rk_err *err)
{
	*outcome = 2;
	if (!l->key[0]) {
		snprintf(why, why_cap, "line %lld of %s is not a FHIR resource in JSON (one resource per line)",
			 (long long)l->lineno, im->names[l->file]);
		return RK_OK;
	}
	bool same = false;
	enum rk_status rc = seen(im, l, &same, err);
	if (rc != RK_OK)
		return rc;
	if (same) {
		*outcome = 1;
		return RK_OK;
	}
	arena_reset(&im->arena);
	json_error_t jerr;
	json_t *res = json_loadb(l->text.ptr, l->text.len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type = json_string_value(json_object_get(res, "resourceType"));
	const struct fhir_resource_def *def = type ? fhir_resource_find(type, strlen(type)) : NULL;
	if (!def) {
		snprintf(why, why_cap, "%s is not a resource type renkei serves", type ? type : "(no resourceType)");
		json_decref(res);
		return RK_OK;
	}
	const char *slash = strchr(l->key, '/');
	json_t *to = json_object_get(im->ids, l->key);
	char id[RK_MAX_ID_LEN + 1];
	snprintf(id, sizeof id, "%s", json_string_value(to) ? json_string_value(to) : "");
	json_object_set_new(res, "id", json_string(id));
	json_object_del(res, "meta");
	rewrite_refs(im, res);
	if (strcmp(type, "Patient") == 0)
		make_registration(im, res, slash ? slash + 1 : "", err);
	if ((rc = store_begin(im->s, err)) != RK_OK) {
		json_decref(res);
		return rc;
	}
	struct access_ctx *ax = arena_calloc(&im->arena, 1, sizeof *ax);
	if (!ax)
		rk_oom();
	int64_t now = time_now_ms();
	access_ctx_init(ax, im->s, &im->arena, &im->who, now);
	struct fhir_ctx ctx = {
		.store = im->s,
		.arena = &im->arena,
		.cfg = im->cfg,
		.now = now,
		.batch = true,
		.actor_facility = im->fac,
		.actor_account = im->actor,
		.guard = &facility_guard,
		.guard_arg = ax,
	};
	struct fhir_result out;
	struct rk_err werr;
	rk_err_clear(&werr);
	rc = fhir_update(&ctx, def, str_c(id), res, 0, &out, &werr);
	json_decref(res); /* type pointed into it */
	type = def->name;
	if (rc == RK_OK)
		rc = record(im, l, id, &werr);
	if (rc == RK_OK) {
		if ((rc = store_commit(im->s, err)) != RK_OK)
			return rc;
		*outcome = 0;
		char ent[160];
		snprintf(ent, sizeof ent, "%s/%.*s/_history/%lld", type, STR_FMT(out.id), (long long)out.version);
		struct store_resource sr;
		const char *regional = "";
		struct rk_err rerr;
		rk_err_clear(&rerr);
		if (store_resource_read(im->s, type, out.id, &im->arena, &sr, &rerr) == RK_OK && sr.patient_id.len)
			access_regional_of(ax, sr.patient_id, &regional, &rerr);
		char detail[RK_ERR_MSG_MAX];
		snprintf(detail, sizeof detail, "stored: %s as %s/%s", l->key, type, id);
		note(im, l, ent, regional, detail, false);
		return RK_OK;
	}
	store_rollback(im->s);
	if (rc == RK_DB || rc == RK_IO || rc == RK_BUSY || rc == RK_TIMEOUT) {
		*err = werr;
		return rc;
	}
	snprintf(why, why_cap, "%.96s: %.280s", l->key, werr.msg[0] ? werr.msg : rk_status_text(rc));
	return RK_OK;
}

/* Read the files, give every resource its new id, sort. */
static enum rk_status gather(struct importer *im, const char *dir, char ***bufs, struct line **lines, size_t *n,
			     struct rk_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return rk_fail(err, RK_NOT_FOUND, "cannot open %s: %s", dir, strerror(errno));
	size_t nn = 0, cap = 16;
	char **names = malloc(cap * sizeof *names);
	if (!names)
		rk_oom();
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 7 || strcmp(e->d_name + len - 7, ".ndjson") != 0)
			continue;
		if (nn == IMPORT_MAX_FILES)
			break;
		if (nn == cap && !(names = realloc(names, (cap *= 2) * sizeof *names)))
			rk_oom();
		names[nn++] = dup_or_die(e->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof *names, cmp_name);
	im->names = names;
	im->st->files = (int64_t)nn;
	*bufs = calloc(nn ? nn : 1, sizeof **bufs);
	size_t lcap = 1024, ln = 0;
	struct line *ls = malloc(lcap * sizeof *ls);
	if (!*bufs || !ls)
		rk_oom();
	for (size_t i = 0; i < nn; i++) {
		char path[RK_MAX_PATH];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "rb");
		struct stat sb;
		if (!f || fstat(fileno(f), &sb) != 0 || sb.st_size < 0 || (uint64_t)sb.st_size > IMPORT_MAX_FILE) {
			if (f)
				fclose(f);
			free(ls);
			return rk_fail(err, RK_IO, "cannot read %s (missing, unreadable or larger than 1 GB)", path);
		}
		char *b = malloc((size_t)sb.st_size + 1);
		if (!b)
			rk_oom();
		size_t got = fread(b, 1, (size_t)sb.st_size, f);
		fclose(f);
		(*bufs)[i] = b;
		im->st->bytes += (int64_t)got;
		struct str rest = {b, got}, text;
		int64_t lineno = 0;
		while (bulk_ndjson_next(&rest, &text, &lineno)) {
			if (ln == lcap && !(ls = realloc(ls, (lcap *= 2) * sizeof *ls)))
				rk_oom();
			struct line *l = &ls[ln++];
			memset(l, 0, sizeof *l);
			l->file = (int)i;
			l->text = text;
			l->lineno = lineno;
			l->rank = 20;
			hex_digest(text.ptr, text.len, l->digest);
			json_t *j = json_loadb(text.ptr, text.len, 0, NULL);
			const char *type = json_string_value(json_object_get(j, "resourceType"));
			const char *id = json_string_value(json_object_get(j, "id"));
			if (type && json_is_object(j)) {
				if (id && strlen(type) + strlen(id) + 2 <= sizeof l->key)
					snprintf(l->key, sizeof l->key, "%.*s/%.*s", (int)strlen(type), type,
						 (int)strlen(id), id);
				else /* no id (or an absurd one): the line's content names it */
					snprintf(l->key, sizeof l->key, "%.40s/#%.40s", type, l->digest);
				l->rank = rank_of(type);
				char nid[RK_MAX_ID_LEN + 1];
				new_id(im->fac, l->key, nid);
				json_object_set_new(im->ids, l->key, json_string(nid));
			}
			json_decref(j);
		}
	}
	qsort(ls, ln, sizeof *ls, cmp_line);
	*lines = ls;
	*n = ln;
	im->st->lines = (int64_t)ln;
	return RK_OK;
}

enum rk_status bulk_import_ndjson(struct store *s, const struct config *cfg, const char *dir, struct str facility,
				  struct audit_log *log, const char *actor, bulk_progress_fn progress,
				  void *progress_arg, struct bulk_import_stats *st, struct rk_err *err)
{
	memset(st, 0, sizeof *st);
	int64_t t0 = time_now_ms();
	struct importer *im = calloc(1, sizeof *im);
	if (!im)
		rk_oom();
	im->s = s;
	im->cfg = cfg;
	im->facility = facility;
	im->log = log;
	im->actor = actor;
	im->st = st;
	im->ids = json_object();
	str_copy(im->fac, sizeof im->fac, facility);
	arena_init(&im->arena, 64u << 20);
	struct arena fa;
	arena_init(&fa, 1u << 20);
	struct store_facility fac;
	enum rk_status rc = store_facility_get(s, facility, &fa, &fac, err);
	arena_reset(&fa);
	if (rc == RK_NOT_FOUND)
		rc = rk_fail(err, RK_INVALID, "facility %.*s is not a participating facility (renkei facility add)",
			     STR_FMT(facility));
	/* the facility's system: its own registrations and records only */
	im->who.kind = PRINCIPAL_SYSTEM;
	im->who.role = ROLE_SYSTEM;
	im->who.stage = STAGE_OK;
	str_copy(im->who.account, sizeof im->who.account, str_c(actor));
	str_copy(im->who.facility, sizeof im->who.facility, facility);
	str_copy(im->who.scopes, sizeof im->who.scopes, str_c("system/*.*"));
	char **bufs = NULL;
	struct line *lines = NULL;
	size_t n = 0;
	if (rc == RK_OK)
		rc = gather(im, dir, &bufs, &lines, &n, err);
	if (progress && rc == RK_OK)
		progress(progress_arg, st);
	/* rounds: a line whose reference is not stored yet is tried again after the others */
	size_t *todo = malloc((n ? n : 1) * sizeof *todo), nt = n;
	char(*why)[RK_ERR_MSG_MAX] = calloc(n ? n : 1, RK_ERR_MSG_MAX);
	if (!todo || !why)
		rk_oom();
	for (size_t i = 0; i < n; i++)
		todo[i] = i;
	for (int round = 0; rc == RK_OK && nt && round < IMPORT_ROUNDS; round++) {
		bool last = round == IMPORT_ROUNDS - 1;
		size_t next = 0, stored_now = 0;
		for (size_t b = 0; rc == RK_OK && b < nt; b += IMPORT_BATCH) {
			size_t end = b + IMPORT_BATCH < nt ? b + IMPORT_BATCH : nt;
			if ((rc = store_begin(s, err)) != RK_OK)
				break;
			size_t keep_from = next;
			for (size_t k = b; rc == RK_OK && k < end; k++) {
				size_t i = todo[k];
				int outcome = 2;
				rc = one_line(im, &lines[i], &outcome, why[i], RK_ERR_MSG_MAX, err);
				if (rc != RK_OK)
					break;
				if (outcome == 0)
					stored_now++;
				if (outcome == 2 && !last && lines[i].key[0])
					todo[next++] = i; /* later, once what it names may be there */
				else if (outcome == 2) {
					rc = quarantine(im, &lines[i], why[i], err);
					char detail[RK_ERR_MSG_MAX + 16];
					snprintf(detail, sizeof detail, "quarantined: %s", why[i]);
					note(im, &lines[i], NULL, "", detail, true);
				}
			}
			if (rc == RK_OK && log && im->n_ev)
				rc = audit_append_many(log, s, im->ev, im->n_ev, NULL, err);
			if (rc == RK_OK)
				rc = store_commit(s, err);
			if (rc != RK_OK) {
				store_rollback(s);
				notes_free(im);
				break;
			}
			/* count what this batch made durable */
			for (size_t k = 0; k < im->n_ev; k++)
				if (im->ev[k].outcome)
					st->quarantined++;
				else
					st->stored++;
			notes_free(im);
			st->done += (int64_t)(end - b) - (int64_t)(next - keep_from);
			if (progress)
				progress(progress_arg, st);
		}
		if (rc == RK_OK && !stored_now && next && !last) {
			/* nothing moved: the rest fails for its own reasons — the last round quarantines them */
			round = IMPORT_ROUNDS - 2;
		}
		nt = next;
	}
	st->unchanged = st->done - st->stored - st->quarantined;
	st->elapsed_ms = time_now_ms() - t0;
	for (size_t i = 0; bufs && i < (size_t)st->files; i++)
		free(bufs[i]);
	for (size_t i = 0; im->names && i < (size_t)st->files; i++)
		free(im->names[i]);
	free(im->names);
	free(bufs);
	free(lines);
	free(todo);
	free(why);
	json_decref(im->ids);
	arena_reset(&im->arena);
	free(im);
	return rc;
}
