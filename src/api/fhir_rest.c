/* fhir_rest.c — the FHIR REST interactions over fhir/ and store/. */
#include "api/fhir_rest.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/auth.h"
#include "access/enforce.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/linking.h"
#include "fhir/owner.h"
#include "fhir/registry.h"
#include "fhir/render.h"
#include "fhir/resource.h"
#include "fhir/search.h"
#include "fhir/validate.h"

/* Every write of a request is guarded by the request's enforcement point:
 * what the principal may see, the write decision, and the ids it may take. */
static const struct fhir_guard request_guard = {
	.visible = access_guard_visible,
	.authorize = access_guard_authorize,
	.create_id = access_guard_create_id,
};

struct fhir_ctx api_fhir_ctx(struct api_request *rq)
{
	return (struct fhir_ctx){.store = rq->store, .arena = rq->arena, .cfg = rq->env->cfg, .now = rq->now,
				 .actor_facility = rq->who.facility, .actor_account = rq->who.account,
				 .guard = &request_guard, .guard_arg = api_access(rq)};
}

bool api_fhir_may_write_type(struct api_request *rq, const struct fhir_resource_def *def, struct rk_err *err)
{
	enum write_kind k = fhir_owner_kind_of_type(def);
	enum record_category cat = category_of_type(def->name, strlen(def->name));
	bool ok = access_role_writes(rq->who.role, k, cat);
	if (k == WK_FACILITY) /* an outside organisation is written by the same roles */
		ok = ok || access_role_writes(rq->who.role, WK_ORGANIZATION, cat);
	if (ok)
		return true;
	rk_fail_code(err, RK_FORBIDDEN, write_reason_code(WR_ROLE), "%s (%s) does not write %s: %s", rq->who.account,
		     role_info(rq->who.role)->code, def->name, write_reason_text(WR_ROLE));
	return false;
}

bool api_fhir_scope(struct api_request *rq, const char *type, bool write, struct rk_err *err)
{
	if (rq->who.kind != PRINCIPAL_SYSTEM || scope_allows(rq->who.scopes, type, write))
		return true;
	rk_fail_code(err, RK_FORBIDDEN, "insufficient_scope", "the token's scope (%s) does not cover %s %s",
		     rq->who.scopes, write ? "writing" : "reading", type);
	return false;
}

/* A facility system's scopes must cover the type (and writing); a 403 otherwise. */
static bool scope_ok(struct api_request *rq, const char *type, bool write)
{
	struct rk_err err;
	rk_err_clear(&err);
	if (api_fhir_scope(rq, type, write, &err))
		return true;
	api_reply_error(rq, RK_FORBIDDEN, &err);
	return false;
}

/* A write of def at all: the token's scope and the principal's role (before
 * anything is read, so the answer says nothing of what is stored). */
static bool write_ok(struct api_request *rq, const struct fhir_resource_def *def)
{
	if (!scope_ok(rq, def->name, true))
		return false;
	struct rk_err err;
	rk_err_clear(&err);
	if (api_fhir_may_write_type(rq, def, &err))
		return true;
	api_reply_error(rq, RK_FORBIDDEN, &err);
	return false;
}

enum rk_status api_fhir_visible(struct api_request *rq, const struct store_resource *r, bool *ok, struct rk_err *err)
{
	struct access_decision d;
	const char *regional = "";
	enum rk_status rc = access_check(api_access(rq), r->type, r->source_facility, r->patient_id, &d, &regional, err);
	if (rc != RK_OK)
		return rc;
	*ok = d.permit;
	if (d.permit)
		api_audit_entity(rq, r->type, r->id, r->version, &d, regional);
	return RK_OK;
}

/* The served type named by the first route capture, or a reply saying why not. */
static const struct fhir_resource_def *type_arg(struct api_request *rq)
{
	struct str t = rq->args[0];
	const struct fhir_resource_def *def = fhir_resource_find(t.ptr, t.len);
	if (def)
		return def;
	if (fhir_is_r4_resource_name(t.ptr, t.len))
		api_reply_fail(rq, RK_NOT_FOUND, "resource type %.*s is not served by renkei (see /fhir/metadata)",
			       STR_FMT(t));
	else
		api_reply_fail(rq, RK_NOT_FOUND, "'%.*s' is not a FHIR R4 resource type", (int)(t.len > 64 ? 64 : t.len),
			       t.ptr);
	return NULL;
}

static bool need_store(struct api_request *rq)
{
	if (rq->store)
		return true;
	api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
	return false;
}

/* ETag, Last-Modified and (for writes) Location of a version. */
static void version_headers(struct api_request *rq, const char *type, struct str id, int64_t version,
			    int64_t last_updated, bool location)
{
	char etag[32], date[32];
	snprintf(etag, sizeof etag, "W/\"%lld\"", (long long)version);
	fhir_http_date(last_updated, date);
	api_set_header(rq, "ETag", etag);
	api_set_header(rq, "Last-Modified", date);
	if (location) {
		char *loc = arena_printf(rq->arena, "%s/%s/%.*s/_history/%lld", rq->env->cfg->fhir_base_url, type,
					 STR_FMT(id), (long long)version);
		if (loc)
			api_set_header(rq, "Location", loc);
	}
}

void api_fhir_metadata(struct api_request *rq)
{
	api_reply_json(rq, 200, str_c(rq->env->capability));
}

static void reply_resource(struct api_request *rq, int status, const struct store_resource *r)
{
	api_reply_json(rq, status, r->body);
	version_headers(rq, r->type.ptr, r->id, r->version, r->last_updated, false);
}

/* Does the client ask for FHIR JSON (rather than a Binary's own content)? */
static bool wants_fhir(struct api_request *rq)
{
	struct str accept = api_header(rq, "Accept");
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "_format"))
			return true;
	return str_contains(accept, "fhir+json") || str_contains(accept, "application/json");
}

/* A Binary as its own content (FHIR: read without a FHIR Accept), e.g. a
 * document opened in the browser. Sandboxed: stored HTML cannot run script
 * or reach the application's origin. */
static void reply_binary(struct api_request *rq, const struct store_resource *r)
{
	json_t *res = json_loadb(r->body.ptr, r->body.len, 0, NULL);
	const char *ct = json_string_value(json_object_get(res, "contentType"));
	const char *data = json_string_value(json_object_get(res, "data"));
	size_t cap = data ? strlen(data) : 0, len = 0;
	char *bin = cap ? malloc(cap) : NULL;
	if (cap && (!bin || sodium_base642bin((unsigned char *)bin, cap, data, cap, " \n\r", &len, NULL,
					      sodium_base64_VARIANT_ORIGINAL) != 0)) {
		free(bin);
		json_decref(res);
		return api_reply_fail(rq, RK_INTERNAL, "the stored Binary content is not valid base64");
	}
	rq->status = 200;
	rq->content_type = ct ? arena_strndup(rq->arena, ct, strlen(ct)) : "application/octet-stream";
	buf_reset(&rq->out);
	enum rk_status st = len ? buf_append(&rq->out, bin, len) : RK_OK;
	free(bin);
	json_decref(res);
	if (st != RK_OK)
		return api_reply_fail(rq, RK_TOO_LARGE, "the content is larger than %u bytes", (unsigned)RK_MAX_RESPONSE);
	api_set_header(rq, "Content-Security-Policy", "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'");
	api_set_header(rq, "Content-Disposition", "inline");
	version_headers(rq, r->type.ptr, r->id, r->version, r->last_updated, false);
}

/* Read or vread (version > 0), through the access check. */
static void read_version(struct api_request *rq, int64_t version)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false))
		return;
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	enum rk_status st = version ? fhir_vread(&ctx, def, rq->args[1], version, &r, &err)
				    : fhir_read(&ctx, def, rq->args[1], &r, &err);
	if (st == RK_OK || st == RK_GONE) {
		bool ok = false;
		enum rk_status ast = api_fhir_visible(rq, &r, &ok, &err);
		if (ast != RK_OK)
			return api_reply_error(rq, ast, &err);
		if (!ok) {
			rk_err_clear(&err);
			st = version ? rk_fail(&err, RK_NOT_FOUND, "%s/%.*s has no version %lld", def->name,
					       STR_FMT(rq->args[1]), (long long)version)
				     : rk_fail(&err, RK_NOT_FOUND, "%s/%.*s is not known", def->name, STR_FMT(rq->args[1]));
		}
	}
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	if (def == fhir_resource_find("Binary", 6) && !wants_fhir(rq))
		return reply_binary(rq, &r);
	reply_resource(rq, 200, &r);
}

void api_fhir_read(struct api_request *rq)
{
	read_version(rq, 0);
}

void api_fhir_vread(struct api_request *rq)
{
	int64_t version;
	if (!str_to_i64(rq->args[2], 1, INT64_MAX, &version))
		return api_reply_fail(rq, RK_NOT_FOUND, "'%.*s' is not a version number", (int)(rq->args[2].len > 32 ? 32 : rq->args[2].len),
				      rq->args[2].ptr);
	read_version(rq, version);
}

/* Content-Type of a body must be FHIR JSON (or plain JSON). */
static bool json_body(struct api_request *rq)
{
	struct str ct = api_header(rq, "Content-Type"), mime, rest;
	str_cut(ct, ';', &mime, &rest);
	mime = str_trim(mime);
	if (str_eq_nocase(mime, "application/fhir+json") || str_eq_nocase(mime, "application/json"))
		return true;
	if (ct.len == 0)
		api_reply_fail(rq, RK_UNSUPPORTED_TYPE, "Content-Type is missing; send application/fhir+json");
	else
		api_reply_fail(rq, RK_UNSUPPORTED_TYPE, "Content-Type '%.*s' is not supported; send application/fhir+json",
			       (int)(mime.len > 64 ? 64 : mime.len), mime.ptr);
	return false;
}

/* Prefer: return=minimal | representation | OperationOutcome */
static void reply_written(struct api_request *rq, const char *type, const struct fhir_result *res, int status)
{
	struct str prefer = api_header(rq, "Prefer");
	if (str_contains(prefer, "return=minimal")) {
		rq->status = status;
		rq->content_type = NULL;
		buf_reset(&rq->out);
	} else if (str_contains(prefer, "return=OperationOutcome")) {
		rq->status = status;
		rq->content_type = "application/fhir+json; charset=utf-8";
		buf_reset(&rq->out);
		fhir_render_info(&rq->out, status == 201 ? "created" : "updated");
	} else {
		api_reply_json(rq, status, res->body);
	}
	version_headers(rq, type, res->id, res->version, res->last_updated, true);
}

json_t *api_fhir_parse_body(struct api_request *rq)
{
	if (!json_body(rq))
		return NULL;
	struct rk_err err;
	rk_err_clear(&err);
	json_t *res = rk_json_parse(rq->body, &err);
	if (!res)
		api_reply_error(rq, RK_INVALID, &err);
	return res;
}

void api_fhir_audit_written(struct api_request *rq, const char *type, const struct fhir_result *out)
{
	const char *regional = "";
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	/* The stored row tells the patient, and the read decision on it the grant
	 * the writer holds (own data, a registered facility's consent records,
	 * the operator's); a failure here only leaves them out of the entry. */
	struct access_decision d = {true, GRANT_OWN, NULL, REASON_PERMIT}, seen;
	if (store_resource_head(rq->store, type, out->id, rq->arena, &r, &err) == RK_OK &&
	    access_check(api_access(rq), r.type, r.source_facility, r.patient_id, &seen, &regional, &err) == RK_OK &&
	    seen.permit)
		d = seen;
	api_audit_entity(rq, str_c(type), out->id, out->version, &d, regional);
	access_take_write_notes(api_access(rq), rq->audit.detail, sizeof rq->audit.detail);
}

static bool create_exists(struct api_request *rq, const struct fhir_resource_def *def, struct str query);

void api_fhir_create(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def))
		return;
	json_t *res = api_fhir_parse_body(rq);
	if (!res)
		return;
	struct str ine = api_header(rq, "If-None-Exist");
	if (ine.ptr && create_exists(rq, def, ine)) {
		json_decref(res);
		return;
	}
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result out;
	enum rk_status st = fhir_create(&ctx, def, res, &out, &err);
	json_decref(res);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	access_ctx_reset(api_access(rq));
	api_fhir_audit_written(rq, def->name, &out);
	reply_written(rq, def->name, &out, 201);
}

/* If-Match: W/"3" → 3; 0 when absent; -1 when malformed. */
static int64_t if_match(struct api_request *rq)
{
	struct str v = str_trim(api_header(rq, "If-Match"));
	if (!v.len)
		return 0;
	if (str_starts_with(v, "W/")) {
		v.ptr += 2;
		v.len -= 2;
	}
	if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"') {
		v.ptr++;
		v.len -= 2;
	}
	int64_t n;
	return str_to_i64(v, 1, INT64_MAX, &n) ? n : -1;
}

void api_fhir_update(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def))
		return;
	int64_t match = if_match(rq);
	if (match < 0)
		return api_reply_fail(rq, RK_INVALID, "If-Match must be a version ETag such as W/\"3\"");
	json_t *res = api_fhir_parse_body(rq);
	if (!res)
		return;
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result out;
	enum rk_status st = fhir_update(&ctx, def, rq->args[1], res, match, &out, &err);
	json_decref(res);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	if (out.created)
		rq->audit.action = 'C';
	access_ctx_reset(api_access(rq));
	api_fhir_audit_written(rq, def->name, &out);
	reply_written(rq, def->name, &out, out.created ? 201 : 200);
}

/* The answer to a DELETE of what is not there (never was, or the principal
 * may not see it): the words of a read of it. */
static enum rk_status not_known(struct rk_err *err, const char *type, struct str id)
{
	rk_err_clear(err);
	return rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", type, STR_FMT(id));
}

void api_fhir_delete(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def))
		return;
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result out = {0};
	/* Deleting what one may not see is deleting what is not there: 404 alike. */
	struct store_resource cur;
	enum rk_status st = fhir_read(&ctx, def, rq->args[1], &cur, &err);
	bool gone = st == RK_GONE;
	if (st == RK_OK || st == RK_GONE) {
		bool ok = false;
		st = access_guard_visible(api_access(rq), &cur, &ok, &err);
		if (st == RK_OK && !ok)
			st = not_known(&err, def->name, rq->args[1]);
	} else if (st == RK_NOT_FOUND) {
		st = not_known(&err, def->name, rq->args[1]);
	}
	if (st == RK_OK && !gone)
		st = fhir_delete(&ctx, def, rq->args[1], &out, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	access_ctx_reset(api_access(rq));
	if (!gone)
		api_fhir_audit_written(rq, def->name, &out);
	rq->status = 200;
	rq->content_type = "application/fhir+json; charset=utf-8";
	buf_reset(&rq->out);
	fhir_render_info(&rq->out, gone ? "already deleted" : "deleted");
	char etag[32];
	snprintf(etag, sizeof etag, "W/\"%lld\"", (long long)(gone ? cur.version : out.version));
	api_set_header(rq, "ETag", etag);
}

struct page_ctx {
	struct api_request *rq;
	struct buf entries;
	int64_t n, limit;
	bool has_more, history;
	struct str *ids; /* the ids of the page's matches (for _include/_revinclude) */
	size_t n_ids, cap_ids;
};

static enum rk_status page_row(void *vctx, const struct store_resource *r)
{
	struct page_ctx *pc = vctx;
	if (pc->n == pc->limit) {
		pc->has_more = true;
		return RK_OK;
	}
	const char *base = pc->rq->env->cfg->fhir_base_url;
	enum rk_status st = pc->history ? fhir_render_history_entry(&pc->entries, base, r, pc->n == 0)
					: fhir_render_search_entry(&pc->entries, base, r, pc->n == 0);
	pc->n++;
	if (pc->ids && pc->n_ids < pc->cap_ids && !(pc->ids[pc->n_ids++] = arena_str(pc->rq->arena, r->id)).ptr)
		return rk_fail(NULL, RK_TOO_LARGE, "out of request memory");
	return st;
}

/* Search candidates that the principal may see, in the search's order. The
 * candidates are decided in batches, after one access_prefetch per batch. */
#define CANDIDATE_BATCH 256
struct visible_set {
	struct api_request *rq;
	const char *type;
	int64_t pend_rid[CANDIDATE_BATCH];
	struct str pend_type[CANDIDATE_BATCH], pend_source[CANDIDATE_BATCH], pend_patient[CANDIDATE_BATCH];
	size_t n_pend;
	int64_t *rids;
	struct access_decision *decisions;
	const char **regionals;
	size_t n, cap;
	struct rk_err *err;
};

static enum rk_status visible_push(struct visible_set *v, int64_t rid, const struct access_decision *d, const char *regional)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		int64_t *r = arena_alloc(v->rq->arena, cap * sizeof *r);
		struct access_decision *dd = arena_alloc(v->rq->arena, cap * sizeof *dd);
		const char **rg = arena_alloc(v->rq->arena, cap * sizeof *rg);
		if (!r || !dd || !rg)
			return rk_fail(v->err, RK_TOO_LARGE, "the search matches too much to check; narrow it");
		if (v->n) {
			memcpy(r, v->rids, v->n * sizeof *r);
			memcpy(dd, v->decisions, v->n * sizeof *dd);
			memcpy(rg, v->regionals, v->n * sizeof *rg);
		}
		v->rids = r;
		v->decisions = dd;
		v->regionals = rg;
		v->cap = cap;
	}
	v->rids[v->n] = rid;
	v->decisions[v->n] = *d;
	v->regionals[v->n] = regional;
	v->n++;
	return RK_OK;
}

static enum rk_status visible_flush(struct visible_set *v)
{
	struct access_ctx *ax = api_access(v->rq);
	enum rk_status rc = access_prefetch(ax, v->pend_patient, v->n_pend, v->err);
	for (size_t i = 0; i < v->n_pend && rc == RK_OK; i++) {
		struct access_decision d;
		const char *regional = "";
		rc = access_check(ax, v->pend_type[i], v->pend_source[i], v->pend_patient[i], &d, &regional, v->err);
		if (rc == RK_OK && d.permit)
			rc = visible_push(v, v->pend_rid[i], &d, regional);
	}
	v->n_pend = 0;
	return rc;
}

/* A candidate of any type ($everything); the type is copied like the rest. */
static enum rk_status visible_typed_key(void *vctx, int64_t rid, struct str type, struct str source,
					struct str patient_id)
{
	struct visible_set *v = vctx;
	struct arena *a = v->rq->arena;
	char *t = arena_strndup(a, type.ptr ? type.ptr : "", type.len);
	char *src = arena_strndup(a, source.ptr ? source.ptr : "", source.len);
	char *pid = arena_strndup(a, patient_id.ptr ? patient_id.ptr : "", patient_id.len);
	if (!t || !src || !pid)
		return rk_fail(v->err, RK_TOO_LARGE, "the record is too large to check; narrow it with _type or _since");
	v->pend_rid[v->n_pend] = rid;
	v->pend_type[v->n_pend] = (struct str){t, type.len};
	v->pend_source[v->n_pend] = (struct str){src, source.len};
	v->pend_patient[v->n_pend] = (struct str){pid, patient_id.len};
	if (++v->n_pend == CANDIDATE_BATCH)
		return visible_flush(v);
	return RK_OK;
}

static enum rk_status visible_key(void *vctx, int64_t rid, struct str source, struct str patient_id)
{
	struct visible_set *v = vctx;
	struct arena *a = v->rq->arena;
	char *src = arena_strndup(a, source.ptr ? source.ptr : "", source.len);
	char *pid = arena_strndup(a, patient_id.ptr ? patient_id.ptr : "", patient_id.len);
	if (!src || !pid)
		return rk_fail(v->err, RK_TOO_LARGE, "the search matches too much to check; narrow it");
	v->pend_type[v->n_pend] = str_c(v->type);
	v->pend_rid[v->n_pend] = rid;
	v->pend_source[v->n_pend] = (struct str){src, source.len};
	v->pend_patient[v->n_pend] = (struct str){pid, patient_id.len};
	if (++v->n_pend == CANDIDATE_BATCH)
		return visible_flush(v);
	return RK_OK;
}

struct visible_page {
	struct page_ctx *pc;
	const struct visible_set *set;
	size_t next;
};

static enum rk_status visible_row(void *vctx, const struct store_resource *r)
{
	struct visible_page *vp = vctx;
	size_t i = vp->next++;
	api_audit_entity(vp->pc->rq, r->type, r->id, r->version, &vp->set->decisions[i], vp->set->regionals[i]);
	return page_row(vp->pc, r);
}

/* Run a parsed search: unrestricted for the directory; otherwise every
 * candidate passes the access decision, so rows, total and paging only ever
 * count what the principal may see. */
static enum rk_status run_search(struct api_request *rq, const struct fhir_resource_def *def, struct fhir_search *fs,
				 struct page_ctx *pc, int64_t *total, struct rk_err *err)
{
	if (category_of_type(def->name, strlen(def->name)) == CAT_NONE) {
		int64_t want = fs->q.count;
		if (!fs->q.want_total && want > 0)
			fs->q.count = want + 1; /* one extra row tells whether a next page exists */
		enum rk_status rc = store_search(rq->store, &fs->q, page_row, pc, total, err);
		fs->q.count = want;
		return rc;
	}
	struct visible_set *set = arena_calloc(rq->arena, 1, sizeof *set); /* too big for the stack */
	if (!set)
		return rk_fail(err, RK_TOO_LARGE, "%s", "out of request memory");
	set->rq = rq;
	set->type = def->name;
	set->err = err;
	enum rk_status rc = store_search_keys(rq->store, &fs->q, RK_MAX_CANDIDATES, visible_key, set, err);
	if (rc == RK_OK && set->n_pend)
		rc = visible_flush(set);
	if (rc != RK_OK)
		return rc;
	*total = fs->q.want_total ? (int64_t)set->n : -1;
	size_t from = (size_t)fs->q.offset < set->n ? (size_t)fs->q.offset : set->n;
	size_t upto = from + (size_t)fs->q.count < set->n ? from + (size_t)fs->q.count : set->n;
	pc->has_more = upto < set->n;
	struct visible_page vp = {.pc = pc, .set = set, .next = from};
	if (upto == from)
		return RK_OK; /* nothing visible on this page (set->rids may be NULL) */
	return store_resources_by_rid(rq->store, def->name, set->rids + from, upto - from, visible_row, &vp, err);
}

/* ---- _include / _revinclude ------------------------------------------------ */

struct included {
	struct api_request *rq;
	struct page_ctx *pc;
	struct rk_err *err;
	const char **seen_type; /* matches and resources already in the Bundle */
	struct str *seen_id;
	size_t n_seen, cap_seen;
	struct str *want_type, *want_id; /* _include targets, gathered before they are read */
	size_t n_want;
	const struct visible_set *set; /* _revinclude: decisions by position */
	size_t next;
};

static bool seen(const struct included *in, struct str type, struct str id)
{
	for (size_t i = 0; i < in->n_seen; i++)
		if (str_eq_c(type, in->seen_type[i]) && str_eq(id, in->seen_id[i]))
			return true;
	return false;
}

static enum rk_status add_seen(struct included *in, const char *type, struct str id)
{
	if (in->n_seen == in->cap_seen)
		return rk_fail(in->err, RK_INVALID, "more than %d resources to include; lower _count or ask for fewer includes",
			       RK_MAX_INCLUDED);
	in->seen_type[in->n_seen] = type;
	in->seen_id[in->n_seen] = arena_str(in->rq->arena, id);
	if (!in->seen_id[in->n_seen].ptr)
		return rk_fail(in->err, RK_TOO_LARGE, "out of request memory");
	in->n_seen++;
	return RK_OK;
}

static enum rk_status render_included(struct included *in, const struct store_resource *r)
{
	struct page_ctx *pc = in->pc;
	enum rk_status rc = fhir_render_include_entry(&pc->entries, pc->rq->env->cfg->fhir_base_url, r, pc->n == 0);
	pc->n++;
	return rc;
}

static enum rk_status want_target(void *vctx, struct str type, struct str id)
{
	struct included *in = vctx;
	if (in->n_want == RK_MAX_INCLUDED)
		return rk_fail(in->err, RK_INVALID, "more than %d resources to include; lower _count", RK_MAX_INCLUDED);
	in->want_type[in->n_want] = arena_str(in->rq->arena, type);
	in->want_id[in->n_want] = arena_str(in->rq->arena, id);
	if (!in->want_type[in->n_want].ptr || !in->want_id[in->n_want].ptr)
		return rk_fail(in->err, RK_TOO_LARGE, "out of request memory");
	in->n_want++;
	return RK_OK;
}

static enum rk_status include_forward(struct included *in, const char *type, const struct fhir_include *inc)
{
	in->n_want = 0;
	enum rk_status rc = store_refs_from(in->rq->store, type, in->pc->ids, in->pc->n_ids, inc->param, want_target, in,
					    in->err);
	for (size_t i = 0; i < in->n_want && rc == RK_OK; i++) {
		struct str t = in->want_type[i], id = in->want_id[i];
		const struct fhir_resource_def *def = fhir_resource_find(t.ptr, t.len);
		if (!def || (inc->target && !str_eq_c(t, inc->target)) || seen(in, t, id))
			continue; /* not served here (kept as written), not asked for, or already in the Bundle */
		struct store_resource r;
		rc = store_resource_read(in->rq->store, def->name, id, in->rq->arena, &r, in->err);
		if (rc == RK_NOT_FOUND || (rc == RK_OK && r.deleted)) {
			rc = RK_OK;
			continue;
		}
		bool ok = false;
		if (rc == RK_OK)
			rc = api_fhir_visible(in->rq, &r, &ok, in->err);
		if (rc == RK_OK && ok && (rc = add_seen(in, def->name, id)) == RK_OK)
			rc = render_included(in, &r);
	}
	return rc;
}

static enum rk_status included_row(void *vctx, const struct store_resource *r)
{
	struct included *in = vctx;
	size_t i = in->next++;
	const struct fhir_resource_def *def = fhir_resource_find(r->type.ptr, r->type.len);
	if (!def || seen(in, r->type, r->id))
		return RK_OK;
	api_audit_entity(in->rq, r->type, r->id, r->version, &in->set->decisions[i], in->set->regionals[i]);
	enum rk_status rc = add_seen(in, def->name, r->id);
	return rc == RK_OK ? render_included(in, r) : rc;
}

static enum rk_status include_reverse(struct included *in, const char *type, const struct fhir_include *inc)
{
	struct visible_set *set = arena_calloc(in->rq->arena, 1, sizeof *set);
	if (!set)
		return rk_fail(in->err, RK_TOO_LARGE, "out of request memory");
	set->rq = in->rq;
	set->err = in->err;
	enum rk_status rc = store_refs_to(in->rq->store, inc->type, inc->param, type, in->pc->ids, in->pc->n_ids,
					  RK_MAX_CANDIDATES, visible_typed_key, set, in->err);
	if (rc == RK_OK && set->n_pend)
		rc = visible_flush(set);
	if (rc == RK_OK && set->n > RK_MAX_INCLUDED)
		rc = rk_fail(in->err, RK_INVALID, "more than %d resources to include; lower _count", RK_MAX_INCLUDED);
	in->set = set;
	in->next = 0;
	if (rc == RK_OK && set->n)
		rc = store_resources_by_rid(in->rq->store, NULL, set->rids, set->n, included_row, in, in->err);
	return rc;
}

/* Add what the page's _include and _revinclude parameters name, each
 * resource through the access check like any other: a hidden one is simply
 * not there. Included resources are never followed further. */
static enum rk_status run_includes(struct api_request *rq, const struct fhir_resource_def *def,
				   const struct fhir_search *fs, struct page_ctx *pc, struct rk_err *err)
{
	struct included in = {.rq = rq, .pc = pc, .err = err, .cap_seen = RK_MAX_INCLUDED + pc->n_ids};
	in.seen_type = arena_calloc(rq->arena, in.cap_seen, sizeof *in.seen_type);
	in.seen_id = arena_calloc(rq->arena, in.cap_seen, sizeof *in.seen_id);
	in.want_type = arena_calloc(rq->arena, RK_MAX_INCLUDED, sizeof *in.want_type);
	in.want_id = arena_calloc(rq->arena, RK_MAX_INCLUDED, sizeof *in.want_id);
	if (!in.seen_type || !in.seen_id || !in.want_type || !in.want_id)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < pc->n_ids && rc == RK_OK; i++)
		rc = add_seen(&in, def->name, pc->ids[i]);
	for (size_t i = 0; i < fs->n_includes && rc == RK_OK; i++)
		rc = fs->includes[i].rev ? include_reverse(&in, def->name, &fs->includes[i])
					 : include_forward(&in, def->name, &fs->includes[i]);
	return rc;
}

static void search_with(struct api_request *rq, const struct fhir_resource_def *def, const struct str_pair *params,
			size_t n)
{
	const struct config *cfg = rq->env->cfg;
	struct str prefer = api_header(rq, "Prefer");
	struct fhir_search_opts o = {
		.default_count = cfg->fhir_default_count,
		.max_count = cfg->fhir_max_count,
		.lenient = str_contains(prefer, "handling=lenient"),
		.now = rq->now,
	};
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_search fs;
	enum rk_status st = fhir_search_parse(def, params, n, &o, rq->arena, &fs, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	struct page_ctx pc = {.rq = rq, .limit = fs.q.count};
	buf_init(&pc.entries, RK_MAX_RESPONSE);
	if (fs.n_includes && fs.q.count > 0) {
		pc.cap_ids = (size_t)fs.q.count;
		if (!(pc.ids = arena_calloc(rq->arena, pc.cap_ids, sizeof *pc.ids))) {
			buf_free(&pc.entries);
			return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		}
	}
	int64_t total = -1;
	st = run_search(rq, def, &fs, &pc, &total, &err);
	if (st == RK_OK && fs.n_includes && pc.n_ids)
		st = run_includes(rq, def, &fs, &pc, &err);
	if (st == RK_OK) {
		struct fhir_page pg = {
			.kind = "searchset",
			.self_path = def->name,
			.query = fs.canonical,
			.offset = fs.q.offset,
			.count = fs.q.count,
			.total = total,
			.has_more = pc.has_more,
		};
		rq->status = 200;
		rq->content_type = "application/fhir+json; charset=utf-8";
		buf_reset(&rq->out);
		st = fhir_render_bundle(&rq->out, cfg->fhir_base_url, &pg, buf_str(&pc.entries), rq->now);
		if (st != RK_OK)
			rk_fail(&err, st, "search result is larger than %u bytes; lower _count", (unsigned)RK_MAX_RESPONSE);
	}
	buf_free(&pc.entries);
	if (st != RK_OK)
		api_reply_error(rq, st, &err);
}

/* ---- conditional create (If-None-Exist) ------------------------------------ */

enum rk_status api_fhir_match(struct api_request *rq, const struct fhir_resource_def *def, struct str query,
			      int64_t *n, struct store_resource *one, struct rk_err *err)
{
	*n = 0;
	if (query.len && query.ptr[0] == '?') { /* "?identifier=..." as some clients send it */
		query.ptr++;
		query.len--;
	}
	/* The query as a search's: the same parser, its words prefixed. */
	struct rk_err inner;
	rk_err_clear(&inner);
	struct str_pair *params;
	size_t n_params;
	struct fhir_search_opts o = {.default_count = rq->env->cfg->fhir_default_count,
				     .max_count = rq->env->cfg->fhir_max_count, .now = rq->now};
	struct fhir_search fs;
	enum rk_status st = api_parse_form(rq->arena, query, &params, &n_params, &inner);
	if (st == RK_OK)
		st = fhir_search_parse(def, params, n_params, &o, rq->arena, &fs, &inner);
	if (st != RK_OK)
		return rk_fail(err, st == RK_TOO_LARGE ? st : RK_INVALID, "If-None-Exist: %s", inner.msg);
	if (!fs.q.n_conds)
		return rk_fail(err, RK_INVALID, "If-None-Exist must name search parameters that identify the %s (e.g. "
			       "identifier=system|value)", def->name);
	/* First how many the principal may see (nothing read, nothing audited),
	 * then the one, read like any search row. */
	struct page_ctx pc = {.rq = rq, .limit = 1};
	buf_init(&pc.entries, RK_MAX_RESPONSE);
	struct str id = STR_NULL;
	pc.ids = &id;
	pc.cap_ids = 1;
	fs.n_includes = 0;
	fs.q.offset = 0;
	fs.q.count = 0;
	fs.q.want_total = true;
	int64_t total = 0;
	st = run_search(rq, def, &fs, &pc, &total, err);
	if (st == RK_OK && total == 1) {
		fs.q.count = 1;
		st = run_search(rq, def, &fs, &pc, &total, err);
		if (st == RK_OK && pc.n_ids == 1)
			st = store_resource_read(rq->store, def->name, id, rq->arena, one, err);
		else if (st == RK_OK)
			total = 0; /* gone between the two looks: none */
	}
	buf_free(&pc.entries);
	if (st == RK_OK)
		*n = total;
	return st;
}

/* POST with If-None-Exist: true when answered (the match, or an error);
 * false when nothing the principal may see matches and the create goes on. */
static bool create_exists(struct api_request *rq, const struct fhir_resource_def *def, struct str query)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	int64_t n = 0;
	enum rk_status st = api_fhir_match(rq, def, query, &n, &r, &err);
	if (st != RK_OK) {
		api_reply_error(rq, st, &err);
		return true;
	}
	if (n == 0)
		return false;
	if (n > 1) {
		api_reply_fail(rq, RK_PRECONDITION,
			       "If-None-Exist matches %lld %s records; a conditional create needs a query that matches "
			       "at most one", (long long)n, def->name);
		return true;
	}
	rq->audit.action = 'R'; /* nothing written: the existing record is returned */
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "conditional create: %s/%.*s exists", def->name,
		 STR_FMT(r.id));
	struct fhir_result out = {.id = r.id, .version = r.version, .last_updated = r.last_updated, .body = r.body};
	reply_written(rq, def->name, &out, 200);
	return true;
}

struct regs {
	struct str *ids;
	size_t n, cap;
	struct arena *a;
};

static enum rk_status collect_reg(void *vctx, const struct store_patient_link *l)
{
	struct regs *r = vctx;
	if (r->n == r->cap)
		return RK_OK; /* bounded: a person has a handful of registrations */
	r->ids[r->n] = arena_str(r->a, l->patient_id);
	if (!r->ids[r->n].ptr)
		return RK_TOO_LARGE;
	r->n++;
	return RK_OK;
}

/* GET /fhir/Patient/{id}/$everything: every registration of the same person
 * and every record of those registrations that the principal may see — the
 * regional record on one page — with _type, _since, _count and paging. */
void api_fhir_everything(struct api_request *rq)
{
	if (!need_store(rq) || !scope_ok(rq, "Patient", false))
		return;
	const struct config *cfg = rq->env->cfg;
	struct rk_err err;
	rk_err_clear(&err);
	struct str id = rq->args[0];
	const char *types[64];
	size_t n_types = 0;
	int64_t since = INT64_MIN, count = cfg->fhir_default_count, offset = 0;
	struct buf canon;
	buf_init(&canon, RK_MAX_URL);
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "_type")) {
			struct str rest = v, one;
			while (str_next(&rest, ',', &one)) {
				const struct fhir_resource_def *def = fhir_resource_find(one.ptr, one.len);
				if (!def || category_of_type(def->name, strlen(def->name)) == CAT_NONE) {
					buf_free(&canon);
					return api_reply_fail(rq, RK_INVALID, "_type: '%.*s' is not a type of the patient's record",
							      (int)(one.len > 64 ? 64 : one.len), one.ptr);
				}
				if (n_types == sizeof types / sizeof types[0]) {
					buf_free(&canon);
					return api_reply_fail(rq, RK_INVALID, "_type names too many types");
				}
				types[n_types++] = def->name;
			}
		} else if (str_eq_c(k, "_since")) {
			struct time_range r;
			if (!time_parse_fhir(v, TIME_DATETIME, &r) || r.prec < TP_SECOND) {
				buf_free(&canon);
				return api_reply_fail(rq, RK_INVALID, "_since must be an instant (YYYY-MM-DDThh:mm:ss+zz:zz), not '%.*s'",
						      (int)(v.len > 64 ? 64 : v.len), v.ptr);
			}
			since = r.lo;
		} else if (str_eq_c(k, "_count")) {
			if (!str_to_i64(v, 0, cfg->fhir_max_count, &count)) {
				buf_free(&canon);
				return api_reply_fail(rq, RK_INVALID, "_count must be a whole number from 0 to %lld",
						      (long long)cfg->fhir_max_count);
			}
		} else if (str_eq_c(k, "_offset")) {
			if (!str_to_i64(v, 0, RK_MAX_OFFSET, &offset)) {
				buf_free(&canon);
				return api_reply_fail(rq, RK_INVALID, "_offset must be a whole number");
			}
			continue; /* the page links add it */
		} else if (!str_eq_c(k, "_format")) {
			buf_free(&canon);
			return api_reply_fail(rq, RK_INVALID, "$everything takes _type, _since, _count and _offset, not '%.*s'",
					      (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
		if (canon.len)
			buf_putc(&canon, '&');
		buf_put_urlenc(&canon, k);
		buf_putc(&canon, '=');
		buf_put_urlenc(&canon, v);
	}
	/* A facility system reads only the types its scope covers. */
	const char *all[64];
	size_t n_all = 0;
	for (size_t i = 0; i < (n_types ? n_types : fhir_resources_len); i++) {
		const char *t = n_types ? types[i] : fhir_resources[i]->name;
		if (!n_types && category_of_type(t, strlen(t)) == CAT_NONE)
			continue;
		if (rq->who.kind == PRINCIPAL_SYSTEM && !scope_allows(rq->who.scopes, t, false))
			continue;
		if (n_all < sizeof all / sizeof all[0])
			all[n_all++] = t;
	}
	/* The patient itself must be visible: otherwise it does not exist. */
	struct access_ctx *ax = api_access(rq);
	struct store_resource pr;
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	const struct fhir_resource_def *pdef = fhir_resource_find("Patient", 7);
	enum rk_status st = fhir_read(&ctx, pdef, id, &pr, &err);
	struct access_decision d = {0};
	const char *regional = "";
	if (st == RK_OK)
		st = access_check(ax, pr.type, pr.source_facility, pr.patient_id, &d, &regional, &err);
	if (st == RK_OK && !d.permit)
		st = rk_fail(&err, RK_NOT_FOUND, "Patient/%.*s is not known", STR_FMT(id));
	if (st == RK_GONE)
		st = rk_fail(&err, RK_NOT_FOUND, "Patient/%.*s is not known", STR_FMT(id));
	if (st != RK_OK) {
		buf_free(&canon);
		return api_reply_error(rq, st, &err);
	}
	/* Every registration of the person. */
	struct str reg_ids[32];
	struct regs regs = {.ids = reg_ids, .cap = 32, .a = rq->arena};
	if (regional[0])
		st = store_links_by_regional(rq->store, str_c(regional), collect_reg, &regs, &err);
	if (st == RK_OK && !regs.n)
		reg_ids[regs.n++] = id;
	struct visible_set *set = NULL;
	if (st == RK_OK && !(set = arena_calloc(rq->arena, 1, sizeof *set)))
		st = rk_fail(&err, RK_TOO_LARGE, "%s", "out of request memory");
	if (st == RK_OK) {
		set->rq = rq;
		set->err = &err;
		struct store_patient_query pq = {.patients = reg_ids, .n_patients = regs.n, .types = all, .n_types = n_all,
						 .since = since};
		st = n_all ? store_patient_keys(rq->store, &pq, RK_MAX_CANDIDATES, visible_typed_key, set, &err) : RK_OK;
		if (st == RK_OK && set->n_pend)
			st = visible_flush(set);
	}
	struct page_ctx pc = {.rq = rq, .limit = count};
	buf_init(&pc.entries, RK_MAX_RESPONSE);
	if (st == RK_OK) {
		size_t from = (size_t)offset < set->n ? (size_t)offset : set->n;
		size_t upto = from + (size_t)count < set->n ? from + (size_t)count : set->n;
		struct visible_page vp = {.pc = &pc, .set = set, .next = from};
		if (upto > from)
			st = store_resources_by_rid(rq->store, NULL, set->rids + from, upto - from, visible_row, &vp, &err);
		char *self = arena_printf(rq->arena, "Patient/%.*s/$everything", STR_FMT(id));
		struct fhir_page pg = {
			.kind = "searchset",
			.self_path = self ? self : "Patient",
			.query = buf_cstr(&canon),
			.offset = offset,
			.count = count,
			.total = (int64_t)set->n,
			.has_more = upto < set->n,
		};
		if (st == RK_OK) {
			rq->status = 200;
			rq->content_type = "application/fhir+json; charset=utf-8";
			buf_reset(&rq->out);
			st = fhir_render_bundle(&rq->out, cfg->fhir_base_url, &pg, buf_str(&pc.entries), rq->now);
			if (st != RK_OK)
				rk_fail(&err, st, "the page is larger than %u bytes; lower _count", (unsigned)RK_MAX_RESPONSE);
		}
	}
	buf_free(&pc.entries);
	buf_free(&canon);
	if (st != RK_OK)
		api_reply_error(rq, st, &err);
}

void api_fhir_search(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false))
		return;
	search_with(rq, def, rq->params, rq->n_params);
}

void api_fhir_search_post(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false))
		return;
	struct str ct = api_header(rq, "Content-Type"), mime, rest;
	str_cut(ct, ';', &mime, &rest);
	if (!str_eq_nocase(str_trim(mime), "application/x-www-form-urlencoded"))
		return api_reply_fail(rq, RK_UNSUPPORTED_TYPE,
				      "POST _search takes application/x-www-form-urlencoded parameters");
	struct rk_err err;
	rk_err_clear(&err);
	struct str_pair *form;
	size_t n_form;
	if (api_parse_form(rq->arena, rq->body, &form, &n_form, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	/* URL and body parameters together, as FHIR asks. */
	size_t n = rq->n_params + n_form;
	struct str_pair *all = arena_calloc(rq->arena, n ? n : 1, sizeof *all);
	if (!all)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	memcpy(all, rq->params, rq->n_params * sizeof *all);
	memcpy(all + rq->n_params, form, n_form * sizeof *all);
	search_with(rq, def, all, n);
}

/* The versions of a history the principal may see. */
struct history_item {
	const char *type, *id;
	int64_t version;
	struct access_decision decision;
	const char *regional;
};

struct history_set {
	struct api_request *rq;
	struct history_item *items;
	size_t n, cap;
	struct rk_err *err;
};

static enum rk_status history_key(void *vctx, const struct store_resource *r)
{
	struct history_set *hs = vctx;
	if (!fhir_resource_find(r->type.ptr, r->type.len))
		return RK_OK;
	struct access_decision d;
	const char *regional = "";
	enum rk_status rc = access_check(api_access(hs->rq), r->type, r->source_facility, r->patient_id, &d, &regional, hs->err);
	if (rc != RK_OK || !d.permit)
		return rc;
	if (hs->rq->who.kind == PRINCIPAL_SYSTEM) {
		char type[RK_MAX_TYPE_LEN + 1];
		str_copy(type, sizeof type, r->type);
		if (!scope_allows(hs->rq->who.scopes, type, false))
			return RK_OK;
	}
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 64;
		struct history_item *more = arena_alloc(hs->rq->arena, cap * sizeof *more);
		if (!more)
			return rk_fail(hs->err, RK_TOO_LARGE, "the history is too long to check; narrow it with _since");
		if (hs->n)
			memcpy(more, hs->items, hs->n * sizeof *more);
		hs->items = more;
		hs->cap = cap;
	}
	struct history_item *it = &hs->items[hs->n++];
	it->type = arena_strndup(hs->rq->arena, r->type.ptr, r->type.len);
	it->id = arena_strndup(hs->rq->arena, r->id.ptr, r->id.len);
	it->version = r->version;
	it->decision = d;
	it->regional = regional;
	if (!it->type || !it->id)
		return rk_fail(hs->err, RK_TOO_LARGE, "the history is too long to check; narrow it with _since");
	return RK_OK;
}

static void history(struct api_request *rq, const char *type, struct str id, const char *self_path)
{
	int64_t since = INT64_MIN, count = rq->env->cfg->fhir_default_count, offset = 0;
	struct buf canon;
	buf_init(&canon, 1024);
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		struct time_range tr;
		if (str_eq_c(k, "_since")) {
			if (!time_parse_fhir(v, TIME_INSTANT, &tr)) {
				buf_free(&canon);
				return api_reply_fail(rq, RK_INVALID, "_since must be an instant (YYYY-MM-DDThh:mm:ss with a time zone)");
			}
			since = tr.lo;
			buf_puts(&canon, "_since=");
			buf_put_urlenc(&canon, v);
			buf_putc(&canon, '&');
		} else if (str_eq_c(k, "_count")) {
			if (!str_to_i64(v, 1, RK_MAX_HISTORY, &count)) {
				buf_free(&canon);
				return api_reply_fail(rq, RK_INVALID, "_count must be 1..%d for history", RK_MAX_HISTORY);
			}
		} else if (str_eq_c(k, "_offset")) {
			if (!str_to_i64(v, 0, RK_MAX_OFFSET, &offset)) {
				buf_free(&canon);
				return api_reply_fail(rq, RK_INVALID, "_offset must be 0..%d", RK_MAX_OFFSET);
			}
		} else if (!str_eq_c(k, "_format") && !str_eq_c(k, "_pretty")) {
			buf_free(&canon);
			return api_reply_fail(rq, RK_INVALID, "history parameter '%.*s' is not supported (use _since, _count)",
					      (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
	}
	buf_printf(&canon, "_count=%lld", (long long)count);
	struct store_history_query q = {.type = type, .id = id, .since = since};
	struct history_set hs = {.rq = rq};
	struct page_ctx pc = {.rq = rq, .limit = count, .history = true};
	buf_init(&pc.entries, RK_MAX_RESPONSE);
	struct rk_err err;
	rk_err_clear(&err);
	hs.err = &err;
	enum rk_status st = store_history_keys(rq->store, &q, RK_MAX_CANDIDATES, history_key, &hs, &err);
	if (st == RK_OK && id.len && hs.n == 0)
		st = rk_fail(&err, RK_NOT_FOUND, "%s/%.*s is not known", type, STR_FMT(id));
	size_t from = (size_t)offset < hs.n ? (size_t)offset : hs.n;
	size_t upto = from + (size_t)count < hs.n ? from + (size_t)count : hs.n;
	for (size_t i = from; st == RK_OK && i < upto; i++) {
		struct history_item *it = &hs.items[i];
		struct store_resource r;
		st = store_resource_vread(rq->store, it->type, str_c(it->id), it->version, rq->arena, &r, &err);
		if (st == RK_OK) {
			api_audit_entity(rq, r.type, r.id, r.version, &it->decision, it->regional);
			st = page_row(&pc, &r);
		}
	}
	if (st == RK_OK) {
		struct fhir_page pg = {.kind = "history", .self_path = self_path, .query = buf_cstr(&canon),
				       .offset = offset, .count = count, .total = (int64_t)hs.n};
		rq->status = 200;
		rq->content_type = "application/fhir+json; charset=utf-8";
		buf_reset(&rq->out);
		st = fhir_render_bundle(&rq->out, rq->env->cfg->fhir_base_url, &pg, buf_str(&pc.entries), rq->now);
	}
	buf_free(&pc.entries);
	buf_free(&canon);
	if (st != RK_OK)
		api_reply_error(rq, st, &err);
}

void api_fhir_history_instance(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false))
		return;
	if (!fhir_id_valid(rq->args[1]))
		return api_reply_fail(rq, RK_NOT_FOUND, "%s/%.*s is not known", def->name, (int)(rq->args[1].len > 64 ? 64 : rq->args[1].len),
				      rq->args[1].ptr);
	char *self = arena_printf(rq->arena, "%s/%.*s/_history", def->name, STR_FMT(rq->args[1]));
	if (!self)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	history(rq, def->name, rq->args[1], self);
}

void api_fhir_history_type(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false))
		return;
	char *self = arena_printf(rq->arena, "%s/_history", def->name);
	if (!self)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	history(rq, def->name, STR_NULL, self);
}

void api_fhir_history_system(struct api_request *rq)
{
	if (!need_store(rq))
		return;
	history(rq, NULL, STR_NULL, "_history");
}

struct pix_ctx {
	struct api_request *rq;
	const struct str_pair *targets;
	size_t n_targets;
	struct buf out;
	bool first;
	int visible;          /* registrations the principal may know about */
	struct str source_id; /* the Patient of the sourceIdentifier, when local */
	bool source_visible;
};

static bool pix_wanted(const struct pix_ctx *pc, struct str system)
{
	if (!pc->n_targets)
		return true;
	for (size_t i = 0; i < pc->n_targets; i++)
		if (str_eq(pc->targets[i].value, system))
			return true;
	return false;
}

static void pix_identifier(struct pix_ctx *pc, struct str system, struct str value)
{
	if (!pix_wanted(pc, system))
		return;
	buf_puts(&pc->out, pc->first ? "" : ",");
	pc->first = false;
	buf_puts(&pc->out, "{\"name\":\"targetIdentifier\",\"valueIdentifier\":{\"system\":");
	buf_put_json_str(&pc->out, system);
	buf_puts(&pc->out, ",\"value\":");
	buf_put_json_str(&pc->out, value);
	buf_puts(&pc->out, "}}");
}

static enum rk_status pix_link(void *vctx, const struct store_patient_link *l)
{
	struct pix_ctx *pc = vctx;
	/* Only registrations the principal may know about are cross-referenced. */
	struct access_decision d;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = access_check(api_access(pc->rq), STR_LIT("Patient"), l->facility_code, l->patient_id, &d, NULL, &err);
	if (rc != RK_OK || !d.permit)
		return rc;
	pc->visible++;
	if (str_eq(l->patient_id, pc->source_id))
		pc->source_visible = true;
	api_audit_entity(pc->rq, STR_LIT("Patient"), l->patient_id, 0, &d, NULL);
	char sys[80];
	snprintf(sys, sizeof sys, "%s%.*s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, STR_FMT(l->facility_code));
	pix_identifier(pc, str_c(sys), l->local_id);
	buf_puts(&pc->out, pc->first ? "" : ",");
	pc->first = false;
	buf_puts(&pc->out, "{\"name\":\"targetId\",\"valueReference\":{\"reference\":\"Patient/");
	buf_put_str(&pc->out, l->patient_id); /* a FHIR id: nothing to escape */
	buf_puts(&pc->out, "\"}}");
	return pc->out.overflow ? RK_TOO_LARGE : RK_OK;
}

/* GET /fhir/Patient/$ihe-pix?sourceIdentifier=system|value[&targetSystem=...] (IHE PIXm) */
void api_fhir_pix(struct api_request *rq)
{
	if (!need_store(rq) || !scope_ok(rq, "Patient", false))
		return;
	const struct config *cfg = rq->env->cfg;
	struct str source = STR_NULL;
	struct str_pair *targets = arena_calloc(rq->arena, rq->n_params ? rq->n_params : 1, sizeof *targets);
	if (!targets)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	size_t n_targets = 0;
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value, code;
		if (str_eq_c(k, "sourceIdentifier")) {
			if (source.ptr)
				return api_reply_fail(rq, RK_INVALID, "sourceIdentifier may be given once");
			source = v;
		} else if (str_eq_c(k, "targetSystem")) {
			if (!str_eq_c(v, cfg->region_id_system) && !registry_local_system(v, &code))
				return api_reply_fail(rq, RK_FORBIDDEN, "targetSystem '%.*s' is not a patient identifier domain of this network",
						      (int)(v.len > 120 ? 120 : v.len), v.ptr);
			targets[n_targets++] = rq->params[i];
		} else if (!str_eq_c(k, "_format")) {
			return api_reply_fail(rq, RK_INVALID, "$ihe-pix takes sourceIdentifier and targetSystem, not '%.*s'",
					      (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
	}
	struct str system, value, facility;
	if (!source.ptr || !str_cut(source, '|', &system, &value) || !system.len || !value.len)
		return api_reply_fail(rq, RK_INVALID, "sourceIdentifier=system|value is required");
	struct rk_err err;
	rk_err_clear(&err);
	struct str regional = STR_NULL;
	enum rk_status st;
	if (str_eq_c(system, cfg->region_id_system)) {
		/* a regional ID merged away answers with its survivor's registrations */
		char *cur = arena_alloc(rq->arena, REGIONAL_ID_LEN + 1);
		if (!cur)
			return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		st = linking_current(rq->store, value, cur, &err);
		regional = st == RK_OK ? str_c(cur) : value;
	} else if (registry_local_system(system, &facility)) {
		struct store_patient_link l = {0};
		st = store_link_by_local(rq->store, facility, value, rq->arena, &l, &err);
		regional = l.regional_id;
	} else {
		return api_reply_fail(rq, RK_INVALID, "sourceIdentifier system '%.*s' is not a patient identifier domain of this network",
				      (int)(system.len > 120 ? 120 : system.len), system.ptr);
	}
	if (st == RK_NOT_FOUND)
		return api_reply_fail(rq, RK_NOT_FOUND, "sourceIdentifier %.*s is not known", (int)(source.len > 120 ? 120 : source.len),
				      source.ptr);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	struct pix_ctx pc = {.rq = rq, .targets = targets, .n_targets = n_targets, .first = true};
	struct store_patient_link src = {0};
	if (registry_local_system(system, &facility) &&
	    store_link_by_local(rq->store, facility, value, rq->arena, &src, &err) == RK_OK)
		pc.source_id = src.patient_id;
	struct buf links;
	buf_init(&links, 1u << 20);
	pc.out = links;
	st = store_links_by_regional(rq->store, regional, pix_link, &pc, &err);
	links = pc.out;
	/* A sourceIdentifier the principal may not know about is "not known". */
	bool known = pc.source_id.len ? pc.source_visible : pc.visible > 0;
	if (st == RK_OK && !known) {
		buf_free(&links);
		return api_reply_fail(rq, RK_NOT_FOUND, "sourceIdentifier %.*s is not known", (int)(source.len > 120 ? 120 : source.len),
				      source.ptr);
	}
	api_audit_patient(rq, arena_strndup(rq->arena, regional.ptr, regional.len));
	struct buf out;
	buf_init(&out, 1u << 20);
	buf_puts(&out, "{\"resourceType\":\"Parameters\",\"parameter\":[");
	pc.out = out;
	pc.first = true;
	pix_identifier(&pc, str_c(cfg->region_id_system), regional);
	out = pc.out;
	if (links.len) {
		buf_puts(&out, pc.first ? "" : ",");
		buf_put_str(&out, buf_str(&links));
	}
	buf_puts(&out, "]}");
	if (st == RK_OK && (out.overflow || links.overflow))
		st = rk_fail(&err, RK_TOO_LARGE, "too many linked registrations");
	if (st == RK_OK)
		api_reply_json(rq, 200, buf_str(&out));
	else
		api_reply_error(rq, st, &err);
	buf_free(&out);
	buf_free(&links);
}

void api_healthz(struct api_request *rq)
{
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = rq->store ? store_exec(rq->store, "SELECT 1", &err) : RK_BUSY;
	char body[256];
	snprintf(body, sizeof body, "{\"status\":\"%s\",\"database\":\"%s\",\"version\":\"%s\"}",
		 st == RK_OK ? "ok" : "degraded", st == RK_OK ? "ok" : "unreachable", RENKEI_VERSION);
	api_reply_json(rq, st == RK_OK ? 200 : 503, str_c(body));
	rq->content_type = "application/json";
}
