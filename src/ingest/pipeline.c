/* pipeline.c — parse → map → link → store for every ingest path, a batch of
 * messages per durable transaction. Each message runs in its own savepoint:
 * if it fails, its writes are rolled back and it is quarantined in the same
 * transaction, so a commit makes both the stored and the quarantined durable. */
#include "ingest/pipeline.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/enforce.h"
#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/resource.h"
#include "hl7/hl7.h"
#include "ingest/v2map.h"

/* What one message of the batch did, for its audit entry. */
struct msg_audit {
	struct buf entities; /* {"ref":"Type/id/_history/v"},... */
	char regional[32];   /* the person's regional ID, when known */
};

struct ingest {
	struct store *s;
	const struct config *cfg;
	struct arena arena;
	struct audit_log *audit;  /* NULL: no audit entries (the demo's own import) */
	char actor[RK_MAX_ACTOR]; /* who runs it: "ssmix2-import:<OS user>", "mllp" */
	struct msg_audit *ma;     /* one per message of the current batch */
	size_t ma_cap;
	struct msg_audit *cur; /* the message being ingested */
};

static const char *const origin_names[] = {
	[INGEST_SSMIX2] = "ssmix2", [INGEST_MLLP] = "mllp", [INGEST_REPLAY] = "replay"};

const char *ingest_outcome_name(enum ingest_outcome o)
{
	switch (o) {
	case INGEST_STORED: return "stored";
	case INGEST_DELETED: return "deleted";
	case INGEST_DUPLICATE: return "duplicate";
	case INGEST_SKIPPED: return "skipped";
	case INGEST_QUARANTINED: return "quarantined";
	}
	return "?";
}

enum rk_status ingest_open(struct store *s, const struct config *cfg, struct ingest **out, struct rk_err *err)
{
	(void)err;
	struct ingest *ing = calloc(1, sizeof *ing);
	if (!ing)
		rk_oom();
	ing->s = s;
	ing->cfg = cfg;
	arena_init(&ing->arena, RK_MAX_REQUEST_MEM);
	*out = ing;
	return RK_OK;
}

void ingest_close(struct ingest *ing)
{
	if (!ing)
		return;
	arena_reset(&ing->arena);
	for (size_t i = 0; i < ing->ma_cap; i++)
		buf_free(&ing->ma[i].entities);
	free(ing->ma);
	free(ing);
}

void ingest_set_audit(struct ingest *ing, struct audit_log *log, const char *actor)
{
	ing->audit = log;
	snprintf(ing->actor, sizeof ing->actor, "%s", actor ? actor : "ingest");
}

/* A written or deleted resource, for the message's audit entry. */
static void note_entity(struct ingest *ing, const char *type, struct str id, int64_t version)
{
	if (!ing->cur)
		return;
	struct buf *b = &ing->cur->entities;
	if (b->len)
		buf_putc(b, ',');
	buf_printf(b, "{\"ref\":\"%s/%.*s/_history/%lld\"}", type, STR_FMT(id), (long long)version);
}

static void digest_hex(struct str bytes, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)bytes.ptr, bytes.len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Store failures end the batch (nothing is acknowledged); anything else is
 * the message's fault and quarantines it. */
static bool batch_fatal(enum rk_status rc)
{
	return rc == RK_DB || rc == RK_IO || rc == RK_BUSY || rc == RK_TIMEOUT;
}

static enum rk_status run1(struct store *s, const char *sql, const struct str *args, size_t n, int64_t i64,
			   bool bind_i64, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	int k = 1;
	for (size_t i = 0; i < n; i++)
		store_bind_text(st, k++, args[i]);
	if (bind_i64)
		store_bind_i64(st, k, i64);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* The idempotency key: SS-MIX2 files by path, MLLP messages by sender + MSH-10. */
static struct str message_key(struct arena *a, const struct ingest_msg *m, const struct hl7_msg *h)
{
	if (m->origin == INGEST_SSMIX2 || m->path.len)
		return m->path;
	if (!h)
		return STR_NULL;
	char *k = arena_printf(a, "%.*s^%.*s|%.*s", STR_FMT(h->sending_app), STR_FMT(h->sending_facility),
			       STR_FMT(h->control_id));
	return k ? str_c(k) : STR_NULL;
}

static enum rk_status already_stored(struct ingest *ing, const char *origin, struct str facility, struct str key,
				     const char *digest, bool *same_digest, bool *found, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		ing->s, "SELECT digest FROM ingest_message WHERE origin = ? AND facility_code = ? AND msg_key = ?", &st,
		err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(origin));
	store_bind_text(st, 2, facility);
	store_bind_text(st, 3, key);
	bool row = false;
	rc = store_step(st, &row, err);
	*found = rc == RK_OK && row;
	*same_digest = *found && str_eq_c(store_col_text(st, 0), digest);
	store_done(st);
	return rc;
}

static enum rk_status record_message(struct ingest *ing, const char *origin, struct str facility, struct str key,
				     const char *digest, struct str doc_key, const char *outcome, struct str warnings,
				     int64_t now, struct rk_err *err)
{
	struct str args[] = {str_c(origin), facility, key, str_c(digest), doc_key, str_c(outcome), warnings};
	return run1(ing->s,
		    "INSERT INTO ingest_message (origin, facility_code, msg_key, digest, doc_key, outcome, warnings, "
		    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin, facility_code, msg_key) DO "
		    "UPDATE SET digest = excluded.digest, doc_key = excluded.doc_key, outcome = excluded.outcome, "
		    "warnings = excluded.warnings, received_at = excluded.received_at",
		    args, 7, now, true, err);
}

/* Every mapping warning of r, one per line, for ingest_message.warnings. */
static struct str warnings_text(struct ingest *ing, const struct v2map_result *r)
{
	struct buf b;
	buf_init(&b, 8192);
	for (size_t i = 0; i < r->nwarn; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", r->warnings[i]);
	if (r->nwarn_more)
		buf_printf(&b, "\n… and %zu more", r->nwarn_more);
	struct str out = STR_LIT("");
	if (b.len) { /* 8 warnings fit; past the ceiling the lines that fit are kept */
		char *t = arena_strndup(&ing->arena, b.data, b.len);
		if (t)
			out = (struct str){t, b.len};
	}
	buf_free(&b);
	return out;
}

/* Keep a message that could not be stored: one open row per location and
 * content (a resend of the same bad message counts a try, not a new row). */
static enum rk_status quarantine(struct ingest *ing, const struct ingest_msg *m, const char *origin,
				 struct str location, const char *digest, const char *reason, int64_t now,
				 int64_t *id_out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(ing->s,
			      "SELECT id FROM ingest_error WHERE digest = ? AND origin = ? AND facility_code = ? "
			      "AND location = ? AND resolved_at IS NULL",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(digest));
	store_bind_text(st, 2, str_c(origin));
	store_bind_text(st, 3, m->facility_code);
	store_bind_text(st, 4, location);
	bool row = false;
	rc = store_step(st, &row, err);
	int64_t id = row ? store_col_i64(st, 0) : 0;
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (id) {
		struct str args[] = {str_c(reason)};
		struct store_stmt *up;
		rc = store_prepare(ing->s, "UPDATE ingest_error SET reason = ?, at = ?, tries = tries + 1 WHERE id = ?",
				   &up, err);
		if (rc != RK_OK)
			return rc;
		store_bind_text(up, 1, args[0]);
		store_bind_i64(up, 2, now);
		store_bind_i64(up, 3, id);
		rc = store_run(up, err);
		store_done(up);
		*id_out = id;
		return rc;
	}
	size_t b64len = sodium_base64_ENCODED_LEN(m->bytes.len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = arena_alloc(&ing->arena, b64len);
	char *hints = arena_printf(&ing->arena, "%.*s_%.*s_%.*s_%.*s_%.*s_%.*s_%c", STR_FMT(m->patient_id),
				   STR_FMT(m->date), STR_FMT(m->data_type), STR_FMT(m->order_no), STR_FMT(m->timestamp),
				   STR_FMT(m->department), m->condition ? m->condition : '-');
	if (!b64 || !hints)
		return rk_fail(err, RK_TOO_LARGE, "message too large to quarantine");
	sodium_bin2base64(b64, b64len, (const unsigned char *)m->bytes.ptr, m->bytes.len,
			  sodium_base64_VARIANT_ORIGINAL);
	rc = store_prepare(
		ing->s,
		"INSERT INTO ingest_error (at, origin, facility_code, location, hints, reason, digest, bytes, tries) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, str_c(origin));
	store_bind_text(st, 3, m->facility_code);
	store_bind_text(st, 4, location);
	store_bind_text(st, 5, m->origin == INGEST_SSMIX2 || m->path.len ? str_c(hints) : str_c(""));
	store_bind_text(st, 6, str_c(reason));
	store_bind_text(st, 7, str_c(digest));
	store_bind_text(st, 8, str_c(b64));
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		*id_out = store_col_i64(st, 0);
	store_done(st);
	return rc;
}

static void copy_field(char *dst, size_t cap, struct str v)
{
	size_t n = v.len < cap - 1 ? v.len : cap - 1;
	if (n)
		memcpy(dst, v.ptr, n);
	dst[n] = '\0';
}

/* The ACK needs MSH-3..6 and the event of the message it answers. */
static void report_msh(struct ingest_report *r, const struct hl7_msg *h)
{
	copy_field(r->control_id, sizeof r->control_id, h->control_id);
	copy_field(r->sending_app, sizeof r->sending_app, h->sending_app);
	copy_field(r->sending_facility, sizeof r->sending_facility, h->sending_facility);
	copy_field(r->receiving_app, sizeof r->receiving_app, hl7_get(h, &h->segs[0], 5, 0, 1, 0));
	copy_field(r->receiving_facility, sizeof r->receiving_facility, hl7_get(h, &h->segs[0], 6, 0, 1, 0));
	copy_field(r->event, sizeof r->event, h->event);
}

/* Point subject/patient references at the facility's existing registration
 * when it was registered under another id (e.g. through the FHIR API). */
static void repoint_patient(json_t *res, struct str from, struct str to)
{
	static const char *const keys[] = {"subject", "patient"};
	char want[RK_MAX_ID_LEN + 16];
	snprintf(want, sizeof want, "Patient/%.*s", STR_FMT(from));
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		json_t *ref = json_object_get(res, keys[i]);
		json_t *r = ref ? json_object_get(ref, "reference") : NULL;
		if (r && json_is_string(r) && strcmp(json_string_value(r), want) == 0) {
			char to_ref[RK_MAX_ID_LEN + 16];
			snprintf(to_ref, sizeof to_ref, "Patient/%.*s", STR_FMT(to));
			json_object_set_new(ref, "reference", json_string(to_ref));
		}
	}
}

/* A message writes as its facility's system: through the same write decision
 * as that facility's API client (its own registrations and records only). */
static const struct fhir_guard facility_guard = {
	.visible = access_guard_visible,
	.authorize = access_guard_authorize,
	.create_id = access_guard_create_id,
};

static enum rk_status no_memory(void *arg, enum write_action act, const char *type, struct str id,
				const struct write_record *stored, const struct write_record *fresh, struct rk_err *err)
{
	(void)arg, (void)act, (void)stored, (void)fresh;
	return rk_fail(err, RK_TOO_LARGE, "%s/%.*s: out of message memory", type, STR_FMT(id));
}
static const struct fhir_guard no_memory_guard = {.authorize = no_memory};

static void fhir_ctx_for(struct ingest *ing, const struct ingest_msg *m, int64_t now, struct fhir_ctx *ctx)
{
	*ctx = (struct fhir_ctx){
		.store = ing->s,
		.arena = &ing->arena,
		.cfg = ing->cfg,
		.now = now,
		.batch = true,
		.actor_facility = arena_strndup(&ing->arena, m->facility_code.ptr ? m->facility_code.ptr : "",
						m->facility_code.len),
		.actor_account = m->origin == INGEST_MLLP ? "ingest:mllp" : "ingest:ssmix2",
	};
	struct principal *who = arena_calloc(&ing->arena, 1, sizeof *who);
	struct access_ctx *ax = arena_calloc(&ing->arena, 1, sizeof *ax);
	if (!who || !ax || !ctx->actor_facility) {
		ctx->guard = &no_memory_guard; /* every write of the message fails, none goes unguarded */
		return;
	}
	who->kind = PRINCIPAL_SYSTEM;
	who->role = ROLE_SYSTEM;
	who->stage = STAGE_OK;
	str_copy(who->account, sizeof who->account, str_c(ctx->actor_account));
	str_copy(who->facility, sizeof who->facility, str_c(ctx->actor_facility));
	str_copy(who->scopes, sizeof who->scopes, STR_LIT("system/*.*"));
	access_ctx_init(ax, ing->s, &ing->arena, who, now);
	ctx->guard = &facility_guard;
	ctx->guard_arg = ax;
}

/* The facility's registration of the patient: create it from PID when new,
 * replace it when the message is the demographics (ADT-00 / A08). */
static enum rk_status link_patient(struct ingest *ing, struct fhir_ctx *ctx, struct v2map_result *r,
				   struct str facility, struct str *patient_id, struct rk_err *err)
{
	struct store_patient_link link;
	enum rk_status rc = store_link_by_local(ing->s, facility, r->patient_id, &ing->arena, &link, err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	*patient_id = rc == RK_OK ? link.patient_id : r->patient_ref;
	if (rc == RK_OK && !r->patient_authoritative)
		return RK_OK;
	/* The registration belongs to the facility that sent it, as one made
	 * through the API names it (Patient?organization= finds it). */
	struct store_facility fac;
	rc = store_facility_get(ing->s, facility, &ing->arena, &fac, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail(err, RK_UNPROCESSABLE, "facility %.*s is not a participating facility",
			       STR_FMT(facility));
	if (rc != RK_OK)
		return rc;
	char org[RK_MAX_ID_LEN + 16];
	snprintf(org, sizeof org, "Organization/%.*s", STR_FMT(fac.org_id));
	json_object_set_new(
		r->patient, "managingOrganization",
		json_pack("{s:s, s:s%}", "reference", org, "display", fac.name.ptr ? fac.name.ptr : "", fac.name.len));
	const struct fhir_resource_def *def = fhir_resource_find("Patient", 7);
	json_object_set_new(r->patient, "id", json_stringn(patient_id->ptr, patient_id->len));
	struct fhir_result out;
	rc = fhir_update(ctx, def, *patient_id, r->patient, 0, &out, err);
	if (rc == RK_OK)
		note_entity(ing, "Patient", out.id, out.version);
	return rc;
}

/* Resources a document's previous version produced. */
struct prev_res {
	char type[RK_MAX_TYPE_LEN + 1];
	char id[RK_MAX_ID_LEN + 1];
	bool kept;
};

static enum rk_status doc_resources(struct ingest *ing, struct str doc_key, struct prev_res **out, size_t *n,
				    struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(ing->s, "SELECT res_type, res_id FROM ingest_doc_resource WHERE doc_key = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, doc_key);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	bool row;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct prev_res *p = arena_alloc(&ing->arena, ncap * sizeof *p);
			if (!p) {
				rc = rk_fail(err, RK_TOO_LARGE, "document %.*s has too many resources",
					     STR_FMT(doc_key));
				break;
			}
			if (*n)
				memcpy(p, *out, *n * sizeof *p);
			*out = p;
			cap = ncap;
		}
		struct prev_res *p = &(*out)[(*n)++];
		copy_field(p->type, sizeof p->type, store_col_text(st, 0));
		copy_field(p->id, sizeof p->id, store_col_text(st, 1));
		p->kept = false;
	}
	store_done(st);
	return rc;
}

/* The version of a document already applied (SS-MIX2 file-name timestamp). */
static enum rk_status doc_state(struct ingest *ing, struct str doc_key, char ts[32], bool *found, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(ing->s, "SELECT file_ts FROM ingest_doc WHERE doc_key = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, doc_key);
	bool row = false;
	rc = store_step(st, &row, err);
	*found = rc == RK_OK && row;
	ts[0] = '\0';
	if (*found)
		copy_field(ts, 32, store_col_text(st, 0));
	store_done(st);
	return rc;
}

/* Merge two arrays of objects: the stored items first, each replaced by a new
 * item with the same value at `key` (a path of two names, the second may be
 * NULL), then the new items not seen. Takes nothing; returns a new array. */
static json_t *merge_items(json_t *stored, json_t *fresh, const char *k1, const char *k2)
{
	json_t *out = json_array(), *o, *n;
	size_t i, j;
	json_array_foreach(stored, i, o)
	{
		json_t *ko = json_object_get(o, k1), *pick = o;
		if (k2)
			ko = json_object_get(ko, k2);
		json_array_foreach(fresh, j, n)
		{
			json_t *kn = json_object_get(n, k1);
			if (k2)
				kn = json_object_get(kn, k2);
			if (ko && json_equal(ko, kn))
				pick = n;
		}
		json_array_append(out, pick);
	}
	json_array_foreach(fresh, j, n)
	{
		bool seen = false;
		json_t *kn = json_object_get(n, k1);
		if (k2)
			kn = json_object_get(kn, k2);
		json_array_foreach(stored, i, o)
		{
			json_t *ko = json_object_get(o, k1);
			if (k2)
				ko = json_object_get(ko, k2);
			seen |= ko && json_equal(ko, kn);
		}
		if (!seen)
			json_array_append(out, n);
	}
	return out;
}

/* One Encounter written by the admission, transfer and discharge messages of
 * one stay: what the stored version knows and the new one does not is kept
 * (the start, the type, earlier locations and people); the new message wins
 * where both know (a later location, the end, the status, except that a
 * finished stay is not reopened by a transfer read after the discharge). */
static void merge_encounter(json_t *fresh, const json_t *stored)
{
	json_t *sp = json_object_get(stored, "period"), *np = json_object_get(fresh, "period");
	const char *ss = json_string_value(json_object_get(sp, "start"));
	const char *ns = json_string_value(json_object_get(np, "start"));
	const char *se = json_string_value(json_object_get(sp, "end"));
	if (ss || se) {
		if (!np)
			json_object_set_new(fresh, "period", np = json_object());
		if (ss && (!ns || strcmp(ss, ns) < 0))
			json_object_set_new(np, "start", json_string(ss));
		if (se && !json_object_get(np, "end"))
			json_object_set_new(np, "end", json_string(se));
	}
	const char *sst = json_string_value(json_object_get(stored, "status"));
	const char *nst = json_string_value(json_object_get(fresh, "status"));
	if (sst && nst && strcmp(sst, "finished") == 0 && strcmp(nst, "cancelled") != 0)
		json_object_set_new(fresh, "status", json_string("finished"));
	static const char *const keep[] = {"type", "class", "identifier", "hospitalization", "serviceProvider"};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(stored, keep[i]);
		if (v && (strcmp(keep[i], "type") == 0 || !json_object_get(fresh, keep[i])))
			json_object_set(fresh, keep[i], v);
	}
	json_t *locs = merge_items(json_object_get(stored, "location"), json_object_get(fresh, "location"), "location",
				   "display");
	if (json_array_size(locs))
		json_object_set(fresh, "location", locs);
	json_decref(locs);
	json_t *who = merge_items(json_object_get(stored, "participant"), json_object_get(fresh, "participant"),
				  "individual", "display");
	if (json_array_size(who))
		json_object_set(fresh, "participant", who);
	json_decref(who);
}

/* Merge a shared resource (see struct v2map_resource) with its stored version. */
static enum rk_status merge_stored(struct ingest *ing, struct v2map_resource *x, struct rk_err *err)
{
	struct store_resource sr;
	enum rk_status rc = store_resource_read(ing->s, x->type, x->id, &ing->arena, &sr, err);
	if (rc == RK_NOT_FOUND) {
		rk_err_clear(err);
		return RK_OK;
	}
	if (rc != RK_OK || sr.deleted || !sr.body.len)
		return rc;
	json_t *stored = json_loadb(sr.body.ptr, sr.body.len, 0, NULL);
	if (stored && strcmp(x->type, "Encounter") == 0)
		merge_encounter(x->body, stored);
	json_decref(stored);
	return RK_OK;
}

/* Does another document still name this resource (a shared Encounter)? */
static enum rk_status named_elsewhere(struct ingest *ing, struct str doc_key, const struct prev_res *p, bool *yes,
				      struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		ing->s, "SELECT COUNT(*) FROM ingest_doc_resource WHERE res_type = ? AND res_id = ? AND doc_key <> ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(p->type));
	store_bind_text(st, 2, str_c(p->id));
	store_bind_text(st, 3, doc_key);
	bool row = false;
	rc = store_step(st, &row, err);
	*yes = rc == RK_OK && row && store_col_i64(st, 0) > 0;
	store_done(st);
	return rc;
}

/* Apply one mapped document: upsert its resources, delete what its previous
 * version had and this one has not (or everything, for a deletion). */
static enum rk_status apply_doc(struct ingest *ing, struct fhir_ctx *ctx, const struct ingest_msg *m,
				struct v2map_result *r, struct str patient_id, bool deleting, int64_t now, int *count,
				struct rk_err *err)
{
	struct prev_res *prev;
	size_t np;
	enum rk_status rc = doc_resources(ing, r->doc_key, &prev, &np, err);
	if (rc != RK_OK)
		return rc;
	if (!deleting) {
		for (size_t i = 0; i < r->n; i++) {
			struct v2map_resource *x = &r->res[i];
			const struct fhir_resource_def *def = fhir_resource_find(x->type, strlen(x->type));
			if (!def)
				return rk_fail(err, RK_UNPROCESSABLE, "%s is not a resource type renkei stores",
					       x->type);
			if (!str_eq(patient_id, r->patient_ref))
				repoint_patient(x->body, r->patient_ref, patient_id);
			if (x->shared && (rc = merge_stored(ing, x, err)) != RK_OK)
				return rc;
			struct fhir_result out;
			rc = fhir_update(ctx, def, x->id, x->body, 0, &out, err);
			if (rc != RK_OK)
				return rc;
			note_entity(ing, x->type, out.id, out.version);
			for (size_t k = 0; k < np; k++)
				if (!prev[k].kept && strcmp(prev[k].type, x->type) == 0 && str_eq_c(x->id, prev[k].id))
					prev[k].kept = true;
			(*count)++;
		}
	}
	for (size_t k = 0; k < np; k++) {
		if (prev[k].kept)
			continue;
		/* only Encounters are shared (v2map.h); the lookup has no index of its own */
		bool elsewhere = false;
		if (strcmp(prev[k].type, "Encounter") == 0 &&
		    (rc = named_elsewhere(ing, r->doc_key, &prev[k], &elsewhere, err)) != RK_OK)
			return rc;
		if (elsewhere) /* a shared Encounter goes with the last message that names it */
			continue;
		const struct fhir_resource_def *def = fhir_resource_find(prev[k].type, strlen(prev[k].type));
		struct fhir_result out;
		if (def && (rc = fhir_delete(ctx, def, str_c(prev[k].id), &out, err)) != RK_OK)
			return rc;
		if (def && out.version > 0)
			note_entity(ing, prev[k].type, str_c(prev[k].id), out.version);
		if (deleting)
			(*count)++;
	}
	rc = run1(ing->s, "DELETE FROM ingest_doc_resource WHERE doc_key = ?", &r->doc_key, 1, 0, false, err);
	for (size_t i = 0; rc == RK_OK && !deleting && i < r->n; i++) {
		struct str args[] = {r->doc_key, str_c(r->res[i].type), r->res[i].id};
		rc = run1(ing->s, "INSERT INTO ingest_doc_resource (doc_key, res_type, res_id) VALUES (?, ?, ?)", args,
			  3, 0, false, err);
	}
	if (rc != RK_OK)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(
		ing->s,
		"INSERT INTO ingest_doc (doc_key, file_ts, deleted, updated_at) VALUES (?, ?, ?, ?) "
		"ON CONFLICT (doc_key) DO UPDATE SET file_ts = excluded.file_ts, deleted = excluded.deleted, "
		"updated_at = excluded.updated_at",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, r->doc_key);
	store_bind_text(st, 2, m->timestamp.ptr ? m->timestamp : str_c(""));
	store_bind_i64(st, 3, deleting);
	store_bind_i64(st, 4, now);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* The source facility of an HL7 message that came without one (an MLLP
 * message the listener could not place, or its replay): the sender listed in
 * mllp.senders, else its MSH-4 when that is a participating facility's
 * 10-digit code. Stays empty otherwise (quarantined as from an unknown sender). */
static enum rk_status resolve_sender(struct ingest *ing, const struct hl7_msg *h, struct str *facility,
				     struct rk_err *err)
{
	char code[16];
	if (config_mllp_sender(ing->cfg, h->sending_app, h->sending_facility, code)) {
		char *c = arena_strdup(&ing->arena, code);
		if (!c)
			return rk_fail(err, RK_TOO_LARGE, "out of ingest memory");
		*facility = str_c(c);
		return RK_OK;
	}
	if (h->sending_facility.len != 10 || !str_is_digits(h->sending_facility))
		return RK_OK;
	struct store_facility f;
	enum rk_status rc = store_facility_get(ing->s, h->sending_facility, &ing->arena, &f, err);
	if (rc == RK_OK)
		*facility = h->sending_facility;
	return rc == RK_NOT_FOUND ? RK_OK : rc;
}

/* Everything of one message after its savepoint: outcome in *rep, or a
 * failure whose message becomes the quarantine reason. */
static enum rk_status ingest_one(struct ingest *ing, const struct ingest_msg *m, const char *origin, const char *digest,
				 int64_t now, struct ingest_report *rep, struct rk_err *err)
{
	struct hl7_msg h;
	if (m->refuse) { /* its sender and control ID still name it in the quarantine and the ACK */
		struct rk_err perr;
		rk_err_clear(&perr);
		if (m->origin == INGEST_MLLP && hl7_parse(m->bytes, &ing->arena, &h, &perr) == RK_OK)
			report_msh(rep, &h);
		return rk_fail(err, RK_INVALID, "%s", m->refuse);
	}
	enum rk_status rc = hl7_parse(m->bytes, &ing->arena, &h, err);
	if (rc != RK_OK) {
		rep->rejected = true;
		return rc;
	}
	report_msh(rep, &h);
	struct ingest_msg mm = *m;
	if (!mm.facility_code.len && (rc = resolve_sender(ing, &h, &mm.facility_code, err)) != RK_OK)
		return rc;
	m = &mm;
	struct str key = message_key(&ing->arena, m, &h);
	if (m->origin == INGEST_MLLP) {
		if (!h.control_id.len) {
			rep->rejected = true;
			return rk_fail(err, RK_INVALID, "MSH-10 (message control ID) is empty");
		}
		bool found, same;
		rc = already_stored(ing, origin, m->facility_code, key, digest, &same, &found, err);
		if (rc != RK_OK)
			return rc;
		if (found) {
			rep->outcome = INGEST_DUPLICATE;
			return RK_OK;
		}
	}
	if (!m->facility_code.len)
		return rk_fail(err, RK_UNPROCESSABLE, "unknown sending facility %.*s^%.*s (not in mllp.senders)",
			       STR_FMT(h.sending_app), STR_FMT(h.sending_facility));
	char *source = m->origin == INGEST_MLLP ? arena_printf(&ing->arena, "mllp:%.*s", STR_FMT(key))
						: arena_printf(&ing->arena, "ssmix2:%.*s/%.*s",
							       STR_FMT(m->facility_code), STR_FMT(m->path));
	struct v2map_input in = {
		.facility_code = m->facility_code,
		.data_type = m->data_type,
		.patient_id = m->patient_id,
		.date = m->date,
		.order_no = m->order_no,
		.meta_source = source ? str_c(source) : STR_NULL,
	};
	struct v2map_result r;
	bool deletion = m->condition == '0' && m->patient_id.len && m->date.len && m->data_type.len && m->order_no.len;
	if (deletion) { /* a deletion too names its patient; another patient's is not applied */
		struct str pid3 = v2map_pid3(&h, &ing->arena);
		if (pid3.len && !str_eq(pid3, m->patient_id))
			return rk_fail(err, RK_INVALID, "PID-3 patient %.*s does not match the storage folder %.*s",
				       (int)(pid3.len > 32 ? 32 : pid3.len), pid3.ptr, STR_FMT(m->patient_id));
	}
	if (deletion) {
		/* An SS-MIX2 deletion names its document in the file name; its
		 * content (often the order as it was) need not map again. */
		char *doc = arena_printf(&ing->arena, "%.*s-%.*s.%.*s.%.*s.%.*s", STR_FMT(m->facility_code),
					 STR_FMT(m->patient_id), STR_FMT(m->date), STR_FMT(m->data_type),
					 STR_FMT(m->order_no));
		if (!doc)
			return rk_fail(err, RK_TOO_LARGE, "out of ingest memory");
		r = (struct v2map_result){.doc_key = str_c(doc), .cancel = true};
	} else if ((rc = v2map_message(&h, &in, &ing->arena, &r, err)) != RK_OK) {
		return rc;
	}
	if (r.nwarn)
		snprintf(rep->reason, sizeof rep->reason, "%s", r.warnings[0]);
	rep->warnings = (int)(r.nwarn + r.nwarn_more);
	bool deleting = m->condition == '0' || r.cancel;
	if (m->origin != INGEST_MLLP && m->timestamp.len) {
		char ts[32];
		bool found;
		rc = doc_state(ing, r.doc_key, ts, &found, err);
		if (rc == RK_OK && found && strncmp(ts, m->timestamp.ptr, m->timestamp.len) > 0) {
			/* a newer version of this document is already applied */
			v2map_free(&r);
			rep->outcome = INGEST_SKIPPED;
			return record_message(ing, origin, m->facility_code, key, digest, str_c(""), "skipped",
					      STR_LIT(""), now, err);
		}
		if (rc != RK_OK) { /* a store failure: not the message's fault, ends the batch */
			v2map_free(&r);
			return rc;
		}
	}
	struct fhir_ctx ctx;
	fhir_ctx_for(ing, m, now, &ctx);
	struct str patient_id = STR_NULL;
	int count = 0;
	if (!deleting)
		rc = link_patient(ing, &ctx, &r, m->facility_code, &patient_id, err);
	if (rc == RK_OK)
		rc = apply_doc(ing, &ctx, m, &r, patient_id, deleting, now, &count, err);
	if (rc == RK_OK && ing->cur) { /* whose record it is, for the audit entry */
		struct store_patient_link l;
		struct rk_err lerr;
		rk_err_clear(&lerr);
		enum rk_status lrc = patient_id.len ? store_link_by_patient(ing->s, patient_id, &ing->arena, &l, &lerr)
						    : store_link_by_local(ing->s, m->facility_code, m->patient_id,
									  &ing->arena, &l, &lerr);
		if (lrc == RK_OK)
			copy_field(ing->cur->regional, sizeof ing->cur->regional, l.regional_id);
	}
	if (rc == RK_OK) {
		rep->outcome = deleting ? INGEST_DELETED : INGEST_STORED;
		rep->resources = count;
		rc = record_message(ing, origin, m->facility_code, key, digest, r.doc_key,
				    deleting ? "deleted" : "stored", warnings_text(ing, &r), now, err);
	}
	v2map_free(&r);
	return rc;
}

static enum rk_status savepoint(struct store *s, const char *verb, struct rk_err *err)
{
	char sql[64];
	snprintf(sql, sizeof sql, "%s ingest_msg", verb);
	return store_exec(s, sql, err);
}

/* One message inside the batch's transaction. Returns only store failures;
 * the message's own failures end up in rep (quarantined). */
static enum rk_status batch_one(struct ingest *ing, const struct ingest_msg *m, int64_t now, struct ingest_report *rep,
				struct rk_err *err)
{
	memset(rep, 0, sizeof *rep);
	arena_reset(&ing->arena);
	if (ing->cur) {
		buf_reset(&ing->cur->entities);
		ing->cur->regional[0] = '\0';
	}
	const char *origin = origin_names[m->origin == INGEST_REPLAY ? INGEST_SSMIX2 : m->origin];
	if (m->origin == INGEST_REPLAY && !m->path.len)
		origin = origin_names[INGEST_MLLP];
	char digest[65];
	if (m->digest && strlen(m->digest) == 64)
		memcpy(digest, m->digest, 65);
	else
		digest_hex(m->bytes, digest);
	if (m->origin == INGEST_SSMIX2 && !m->refuse) {
		bool found, same;
		enum rk_status rc = already_stored(ing, origin, m->facility_code, m->path, digest, &same, &found, err);
		if (rc != RK_OK)
			return rc;
		if (same) {
			rep->outcome = INGEST_DUPLICATE;
			return RK_OK;
		}
		if (m->condition == '2') { /* superseded: a past version, kept by the storage, not a record */
			rep->outcome = INGEST_SKIPPED;
			return record_message(ing, origin, m->facility_code, m->path, digest, str_c(""), "skipped",
					      STR_LIT(""), now, err);
		}
	}
	enum rk_status rc = savepoint(ing->s, "SAVEPOINT", err);
	if (rc != RK_OK)
		return rc;
	struct rk_err merr;
	rk_err_clear(&merr);
	rc = ingest_one(ing, m, origin, digest, now, rep, &merr);
	if (rc == RK_OK)
		return savepoint(ing->s, "RELEASE SAVEPOINT", err);
	if (batch_fatal(rc)) {
		*err = merr;
		return rc;
	}
	/* The message's fault: undo its writes, keep it with the reason. */
	if (ing->cur)
		buf_reset(&ing->cur->entities);
	enum rk_status rb = savepoint(ing->s, "ROLLBACK TO SAVEPOINT", err);
	if (rb == RK_OK)
		rb = savepoint(ing->s, "RELEASE SAVEPOINT", err);
	if (rb != RK_OK)
		return rb;
	snprintf(rep->reason, sizeof rep->reason, "%s", merr.msg[0] ? merr.msg : rk_status_text(rc));
	struct str location = m->path.len ? m->path : STR_NULL;
	if (!location.len && rep->control_id[0]) {
		char *l =
			arena_printf(&ing->arena, "%s^%s|%s", rep->sending_app, rep->sending_facility, rep->control_id);
		location = l ? str_c(l) : STR_NULL;
	}
	if (!location.len)
		location = m->peer.len ? m->peer : str_c("(unknown)");
	rep->outcome = INGEST_QUARANTINED;
	return quarantine(ing, m, origin, location, digest, rep->reason, now, &rep->quarantine_id, err);
}

/* The text of one message's audit entry. */
struct msg_entry {
	char account[320], patients[48], query[600], detail[600], facility[16];
	char *entities; /* malloc'ed, or NULL for "[]" */
};

/* One audit entry per message of the batch, appended inside the batch's
 * transaction (before its commit): who sent it, which patient, which
 * resources (type/id/version) it created, updated or deleted, or why it was
 * quarantined. They commit with the batch or not at all, so a message is
 * never stored unaudited, nor acknowledged before both are durable. */
static enum rk_status audit_batch(struct ingest *ing, const struct ingest_msg *msgs, size_t n,
				  const struct ingest_report *reports, struct rk_err *err)
{
	struct msg_entry *te = calloc(n, sizeof *te);
	struct audit_event *evs = calloc(n, sizeof *evs);
	if (!te || !evs)
		rk_oom();
	for (size_t i = 0; i < n; i++) {
		const struct ingest_msg *m = &msgs[i];
		const struct ingest_report *r = &reports[i];
		struct msg_entry *t = &te[i];
		if (m->path.len)
			snprintf(t->account, sizeof t->account, "%s", ing->actor);
		else if (m->certificate.len)
			snprintf(t->account, sizeof t->account, "mllp-tls:%.*s", STR_FMT(m->certificate));
		else
			snprintf(t->account, sizeof t->account, "mllp:%s^%s", r->sending_app, r->sending_facility);
		snprintf(t->patients, sizeof t->patients, ing->ma[i].regional[0] ? "[\"%s\"]" : "[]",
			 ing->ma[i].regional);
		if (m->path.len)
			snprintf(t->query, sizeof t->query, "SS-MIX2 %.*s", STR_FMT(m->path));
		else
			snprintf(t->query, sizeof t->query, "MLLP %s^%s|%s", r->sending_app, r->sending_facility,
				 r->control_id);
		snprintf(t->detail, sizeof t->detail, "%s%s%s", ingest_outcome_name(r->outcome),
			 r->reason[0] ? ": " : "", r->reason);
		copy_field(t->facility, sizeof t->facility, m->facility_code);
		if (ing->ma[i].entities.len) {
			size_t len = ing->ma[i].entities.len + 3;
			if (!(t->entities = malloc(len)))
				rk_oom();
			snprintf(t->entities, len, "[%s]", buf_cstr(&ing->ma[i].entities));
		}
		evs[i] = (struct audit_event){
			.event = "ingest",
			.action = r->outcome == INGEST_DELETED  ? 'D'
				  : r->outcome == INGEST_STORED ? 'C'
								: 'E',
			.outcome = r->outcome == INGEST_QUARANTINED ? 4 : 0,
			.account = t->account,
			.role = "system",
			.facility = t->facility,
			.client_addr = m->path.len   ? ""
				       : m->peer.ptr ? m->peer.ptr
						     : "",
			.purpose = "TREAT",
			.patients = t->patients,
			.entities = t->entities ? t->entities : "[]",
			.query = t->query,
			.detail = t->detail,
		};
	}
	enum rk_status rc = audit_append_many(ing->audit, ing->s, evs, n, NULL, err);
	for (size_t i = 0; i < n; i++)
		free(te[i].entities);
	free(te);
	free(evs);
	return rc;
}

/* The batch in one transaction; resolve_id > 0 (a replay) marks that
 * quarantine row resolved in the same transaction when the message got in. */
static enum rk_status batch_run(struct ingest *ing, const struct ingest_msg *msgs, size_t n,
				struct ingest_report *reports, int64_t resolve_id, struct rk_err *err)
{
	int64_t now = time_now_ms();
	if (ing->audit && n > ing->ma_cap) {
		ing->ma = realloc(ing->ma, n * sizeof *ing->ma);
		if (!ing->ma)
			rk_oom();
		for (size_t i = ing->ma_cap; i < n; i++)
			buf_init(&ing->ma[i].entities, RK_MAX_RESPONSE);
		ing->ma_cap = n;
	}
	enum rk_status rc = store_begin(ing->s, err);
	if (rc != RK_OK)
		return rc;
	for (size_t i = 0; i < n && rc == RK_OK; i++) {
		ing->cur = ing->audit ? &ing->ma[i] : NULL;
		rc = batch_one(ing, &msgs[i], now, &reports[i], err);
	}
	ing->cur = NULL;
	if (rc == RK_OK && resolve_id > 0 && reports[0].outcome != INGEST_QUARANTINED) {
		struct store_stmt *up;
		if ((rc = store_prepare(ing->s, "UPDATE ingest_error SET resolved_at = ? WHERE id = ?", &up, err)) ==
		    RK_OK) {
			store_bind_i64(up, 1, now);
			store_bind_i64(up, 2, resolve_id);
			rc = store_run(up, err);
			store_done(up);
		}
	}
	arena_reset(&ing->arena);
	if (rc == RK_OK && ing->audit)
		rc = audit_batch(ing, msgs, n, reports, err);
	if (rc == RK_OK)
		rc = store_commit(ing->s, err);
	if (rc != RK_OK) {
		store_rollback(ing->s);
		return rc;
	}
	return RK_OK;
}

enum rk_status ingest_batch(struct ingest *ing, const struct ingest_msg *msgs, size_t n, struct ingest_report *reports,
			    struct rk_err *err)
{
	return batch_run(ing, msgs, n, reports, 0, err);
}

enum rk_status ingest_seen(struct ingest *ing, struct str facility_code, struct str path, struct str bytes,
			   char digest[65], bool *seen, struct rk_err *err)
{
	digest_hex(bytes, digest);
	bool found, same;
	enum rk_status rc = already_stored(ing, "ssmix2", facility_code, path, digest, &same, &found, err);
	if (rc != RK_OK)
		return rc;
	*seen = same;
	if (same)
		return RK_OK;
	/* A file already in quarantine, unchanged, waits for `renkei ingest replay`. */
	struct store_stmt *st;
	rc = store_prepare(ing->s,
			   "SELECT 1 FROM ingest_error WHERE digest = ? AND origin = 'ssmix2' AND facility_code = ? "
			   "AND location = ? AND resolved_at IS NULL",
			   &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(digest));
	store_bind_text(st, 2, facility_code);
	store_bind_text(st, 3, path);
	bool row = false;
	rc = store_step(st, &row, err);
	store_done(st);
	*seen = rc == RK_OK && row;
	return rc;
}

/* Split the stored hints back into the file-name fields (they point into h). */
static void hints_to_msg(char *h, struct ingest_msg *m)
{
	struct str *fields[] = {&m->patient_id, &m->date, &m->data_type, &m->order_no, &m->timestamp, &m->department};
	struct str rest = str_c(h), f;
	for (size_t i = 0; i < sizeof fields / sizeof *fields && str_next(&rest, '_', &f); i++)
		*fields[i] = f;
	m->condition = rest.len == 1 ? rest.ptr[0] : '1';
}

enum rk_status ingest_replay(struct ingest *ing, int64_t id, struct ingest_report *report, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(ing->s,
			      "SELECT origin, facility_code, location, hints, bytes, resolved_at FROM ingest_error "
			      "WHERE id = ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, id);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = rk_fail(err, RK_NOT_FOUND, "no quarantined message %lld", (long long)id);
	if (rc == RK_OK && !store_col_null(st, 5))
		rc = rk_fail(err, RK_CONFLICT, "quarantined message %lld was already stored by an earlier replay",
			     (long long)id);
	char *origin = NULL, *facility = NULL, *location = NULL, *hints = NULL;
	unsigned char *bytes = NULL;
	size_t nbytes = 0;
	if (rc == RK_OK) {
		origin = strndup(store_col_text(st, 0).ptr, store_col_text(st, 0).len);
		facility = strndup(store_col_text(st, 1).ptr, store_col_text(st, 1).len);
		location = strndup(store_col_text(st, 2).ptr, store_col_text(st, 2).len);
		hints = strndup(store_col_text(st, 3).ptr, store_col_text(st, 3).len);
		struct str b64 = store_col_text(st, 4);
		bytes = malloc(b64.len + 1);
		if (!origin || !facility || !location || !hints || !bytes)
			rk_oom();
		if (sodium_base642bin(bytes, b64.len + 1, b64.ptr, b64.len, NULL, &nbytes, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0)
			rc = rk_fail(err, RK_INTERNAL, "quarantined message %lld: stored bytes are not base64",
				     (long long)id);
	}
	store_done(st);
	if (rc == RK_OK && strcmp(origin, "ssmix2") != 0 && strcmp(origin, "mllp") != 0)
		rc = rk_fail(
			err, RK_CONFLICT,
			"quarantined message %lld is a line of an ndjson import (%s): run `renkei import ndjson` on "
			"its folder again, which tries what was refused and skips what is stored",
			(long long)id, location);
	if (rc != RK_OK)
		goto out;
	struct ingest_msg m = {
		.origin = strcmp(origin, "ssmix2") == 0 ? INGEST_SSMIX2 : INGEST_MLLP,
		.bytes = {(const char *)bytes, nbytes},
		.facility_code = str_c(facility),
	};
	if (m.origin == INGEST_SSMIX2) {
		m.path = str_c(location);
		hints_to_msg(hints, &m);
	}
	rc = batch_run(ing, &m, 1, report, id, err);
out:
	free(origin);
	free(facility);
	free(location);
	free(hints);
	free(bytes);
	return rc;
}
