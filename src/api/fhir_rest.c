/* fhir_rest.c — the FHIR REST interactions: thin handlers that parse the
 * request, call fhir/ (reads and writes) or query/ (searches, $everything,
 * history, PIX), render, and name what they served in the audit entry. */
#include "api/fhir_rest.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/auth.h"
#include "api/params.h"
#include "access/enforce.h"
#include "core/json.h"
#include "core/limits.h"
#include "fhir/jpcore.h"
#include "fhir/owner.h"
#include "fhir/registry.h"
#include "fhir/render.h"
#include "fhir/resource.h"
#include "fhir/search.h"
#include "fhir/validate.h"
#include "query/query.h"

/* Every write of a request is guarded by the request's enforcement point:
 * what the principal may see, the write decision, and the ids it may take. */
static const struct fhir_guard request_guard = {
	.visible = access_guard_visible,
	.authorize = access_guard_authorize,
	.create_id = access_guard_create_id,
};

struct fhir_ctx api_fhir_ctx(struct api_request *rq)
{
	return (struct fhir_ctx){.store = rq->store,
				 .arena = rq->arena,
				 .cfg = rq->env->cfg,
				 .now = rq->now,
				 .actor_facility = rq->who.facility,
				 .actor_account = rq->who.account,
				 .guard = &request_guard,
				 .guard_arg = api_access(rq)};
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
	enum rk_status rc =
		access_check(api_access(rq), r->type, r->source_facility, r->patient_id, &d, &regional, err);
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
		api_reply_fail(rq, RK_NOT_FOUND, "'%.*s' is not a FHIR R4 resource type",
			       (int)(t.len > 64 ? 64 : t.len), t.ptr);
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
		return api_reply_fail(rq, RK_TOO_LARGE, "the content is larger than %u bytes",
				      (unsigned)RK_MAX_RESPONSE);
	api_set_header(rq, "Content-Security-Policy",
		       "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'");
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
				     : rk_fail(&err, RK_NOT_FOUND, "%s/%.*s is not known", def->name,
					       STR_FMT(rq->args[1]));
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
		return api_reply_fail(rq, RK_NOT_FOUND, "'%.*s' is not a version number",
				      (int)(rq->args[2].len > 32 ? 32 : rq->args[2].len), rq->args[2].ptr);
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
		api_reply_fail(rq, RK_UNSUPPORTED_TYPE,
			       "Content-Type '%.*s' is not supported; send application/fhir+json",
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

/* ---- the query engine's pages (query/query.h) ------------------------------ */

static void audit_served(void *arg, struct str type, struct str id, int64_t version, const struct access_decision *d,
			 const char *regional)
{
	api_audit_entity(arg, type, id, version, d, regional);
}

/* The query engine's context for this request: its store, enforcement point
 * and arena, a facility system's scopes, and every served record into the
 * audit entry. */
static struct query_ctx query_of(struct api_request *rq)
{
	return (struct query_ctx){.store = rq->store,
				  .access = api_access(rq),
				  .arena = rq->arena,
				  .scopes = rq->who.kind == PRINCIPAL_SYSTEM ? rq->who.scopes : NULL,
				  .served = audit_served,
				  .served_arg = rq};
}

/* The Bundle's entries, rendered as the query engine hands over its rows. */
struct entries {
	const char *base;
	struct buf b;
	size_t n;
	bool history;
};

static enum rk_status entry_row(void *vctx, const struct query_row *row)
{
	struct entries *e = vctx;
	bool first = e->n++ == 0;
	if (e->history)
		return fhir_render_history_entry(&e->b, e->base, row->r, first);
	return row->mode == QUERY_INCLUDE ? fhir_render_include_entry(&e->b, e->base, row->r, first)
					  : fhir_render_search_entry(&e->b, e->base, row->r, first);
}

/* Reply with the Bundle of a page; too_large is the message past RK_MAX_RESPONSE (NULL: none). */
static enum rk_status reply_bundle(struct api_request *rq, const char *kind, const char *self_path, const char *query,
				   const struct query_page *page, const struct entries *e, const char *too_large,
				   struct rk_err *err)
{
	struct fhir_page pg = {.kind = kind,
			       .self_path = self_path,
			       .query = query,
			       .offset = page->offset,
			       .count = page->count,
			       .total = page->total,
			       .has_more = page->has_more};
	rq->status = 200;
	rq->content_type = "application/fhir+json; charset=utf-8";
	buf_reset(&rq->out);
	enum rk_status st = fhir_render_bundle(&rq->out, rq->env->cfg->fhir_base_url, &pg, buf_str(&e->b), rq->now);
	if (st != RK_OK && too_large)
		rk_fail(err, st, "%s is larger than %u bytes; lower _count", too_large, (unsigned)RK_MAX_RESPONSE);
	return st;
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
	struct query_ctx q = query_of(rq);
	struct entries e = {.base = cfg->fhir_base_url};
	buf_init(&e.b, RK_MAX_RESPONSE);
	struct query_page page;
	st = query_search(&q, def, &fs, entry_row, &e, &page, &err);
	if (st == RK_OK)
		st = reply_bundle(rq, "searchset", def->name, fs.canonical, &page, &e, "search result", &err);
	buf_free(&e.b);
	if (st != RK_OK)
		api_reply_error(rq, st, &err);
}

/* ---- conditional create (If-None-Exist) ------------------------------------ */

enum rk_status api_fhir_match(struct api_request *rq, const struct fhir_resource_def *def, struct str query, int64_t *n,
			      struct store_resource *one, struct rk_err *err)
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
				     .max_count = rq->env->cfg->fhir_max_count,
				     .now = rq->now};
	struct fhir_search fs;
	enum rk_status st = api_parse_form(rq->arena, query, &params, &n_params, &inner);
	if (st == RK_OK)
		st = fhir_search_parse(def, params, n_params, &o, rq->arena, &fs, &inner);
	if (st != RK_OK)
		return rk_fail(err, st == RK_TOO_LARGE ? st : RK_INVALID, "If-None-Exist: %s", inner.msg);
	if (!fs.q.n_conds)
		return rk_fail(err, RK_INVALID,
			       "If-None-Exist must name search parameters that identify the %s (e.g. "
			       "identifier=system|value)",
			       def->name);
	struct query_ctx q = query_of(rq);
	return query_match(&q, def, &fs, n, one, err);
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
			       "at most one",
			       (long long)n, def->name);
		return true;
	}
	rq->audit.action = 'R'; /* nothing written: the existing record is returned */
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "conditional create: %s/%.*s exists", def->name,
		 STR_FMT(r.id));
	struct fhir_result out = {.id = r.id, .version = r.version, .last_updated = r.last_updated, .body = r.body};
	reply_written(rq, def->name, &out, 200);
	return true;
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
	struct query_everything in = {.patient_id = id, .since = INT64_MIN, .count = cfg->fhir_default_count};
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
					return api_reply_fail(rq, RK_INVALID,
							      "_type: '%.*s' is not a type of the patient's record",
							      (int)(one.len > 64 ? 64 : one.len), one.ptr);
				}
				if (in.n_types == sizeof types / sizeof types[0]) {
					buf_free(&canon);
					return api_reply_fail(rq, RK_INVALID, "_type names too many types");
				}
				types[in.n_types++] = def->name;
			}
		} else if (str_eq_c(k, "_since")) {
			if (!api_param_since(rq, v, &in.since))
				return buf_free(&canon);
		} else if (str_eq_c(k, "_count")) {
			if (!api_param_count(rq, v, 0, cfg->fhir_max_count, &in.count))
				return buf_free(&canon);
		} else if (str_eq_c(k, "_offset")) {
			if (!api_param_offset(rq, v, &in.offset))
				return buf_free(&canon);
			continue; /* the page links add it */
		} else if (!str_eq_c(k, "_format")) {
			buf_free(&canon);
			return api_reply_fail(rq, RK_INVALID,
					      "$everything takes _type, _since, _count and _offset, not '%.*s'",
					      (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
		if (canon.len)
			buf_putc(&canon, '&');
		buf_put_urlenc(&canon, k);
		buf_putc(&canon, '=');
		buf_put_urlenc(&canon, v);
	}
	if (in.n_types)
		in.types = types;
	struct query_ctx q = query_of(rq);
	struct entries e = {.base = cfg->fhir_base_url};
	buf_init(&e.b, RK_MAX_RESPONSE);
	struct query_page page;
	enum rk_status st = query_everything(&q, &in, entry_row, &e, &page, &err);
	if (st == RK_OK) {
		char *self = arena_printf(rq->arena, "Patient/%.*s/$everything", STR_FMT(id));
		st = reply_bundle(rq, "searchset", self ? self : "Patient", buf_cstr(&canon), &page, &e, "the page",
				  &err);
	}
	buf_free(&e.b);
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

static void history(struct api_request *rq, const char *type, struct str id, const char *self_path)
{
	struct query_history in = {
		.type = type, .id = id, .since = INT64_MIN, .count = rq->env->cfg->fhir_default_count};
	struct buf canon;
	buf_init(&canon, 1024);
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "_since")) {
			if (!api_param_since(rq, v, &in.since))
				return buf_free(&canon);
			buf_puts(&canon, "_since=");
			buf_put_urlenc(&canon, v);
			buf_putc(&canon, '&');
		} else if (str_eq_c(k, "_count")) {
			if (!api_param_count(rq, v, 1, RK_MAX_HISTORY, &in.count))
				return buf_free(&canon);
		} else if (str_eq_c(k, "_offset")) {
			if (!api_param_offset(rq, v, &in.offset))
				return buf_free(&canon);
		} else if (!str_eq_c(k, "_format") && !str_eq_c(k, "_pretty")) {
			buf_free(&canon);
			return api_reply_fail(rq, RK_INVALID,
					      "history parameter '%.*s' is not supported (use _since, _count)",
					      (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
	}
	buf_printf(&canon, "_count=%lld", (long long)in.count);
	struct rk_err err;
	rk_err_clear(&err);
	struct query_ctx q = query_of(rq);
	struct entries e = {.base = rq->env->cfg->fhir_base_url, .history = true};
	buf_init(&e.b, RK_MAX_RESPONSE);
	struct query_page page;
	enum rk_status st = query_history(&q, &in, entry_row, &e, &page, &err);
	if (st == RK_OK) {
		page.has_more = false; /* the total says it */
		st = reply_bundle(rq, "history", self_path, buf_cstr(&canon), &page, &e, NULL, &err);
	}
	buf_free(&e.b);
	buf_free(&canon);
	if (st != RK_OK)
		api_reply_error(rq, st, &err);
}

void api_fhir_history_instance(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false) || !api_param_id(rq, def->name, rq->args[1]))
		return;
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

static void pix_identifier(struct buf *out, bool *first, const struct str_pair *targets, size_t n_targets,
			   struct str system, struct str value)
{
	bool wanted = !n_targets;
	for (size_t i = 0; i < n_targets && !wanted; i++)
		wanted = str_eq(targets[i].value, system);
	if (!wanted)
		return;
	buf_puts(out, *first ? "" : ",");
	*first = false;
	buf_puts(out, "{\"name\":\"targetIdentifier\",\"valueIdentifier\":{\"system\":");
	buf_put_json_str(out, system);
	buf_puts(out, ",\"value\":");
	buf_put_json_str(out, value);
	buf_puts(out, "}}");
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
				return api_reply_fail(
					rq, RK_FORBIDDEN,
					"targetSystem '%.*s' is not a patient identifier domain of this network",
					(int)(v.len > 120 ? 120 : v.len), v.ptr);
			targets[n_targets++] = rq->params[i];
		} else if (!str_eq_c(k, "_format")) {
			return api_reply_fail(rq, RK_INVALID,
					      "$ihe-pix takes sourceIdentifier and targetSystem, not '%.*s'",
					      (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
	}
	struct str system, value;
	if (!source.ptr || !str_cut(source, '|', &system, &value) || !system.len || !value.len)
		return api_reply_fail(rq, RK_INVALID, "sourceIdentifier=system|value is required");
	struct rk_err err;
	rk_err_clear(&err);
	struct query_ctx q = query_of(rq);
	struct query_pix pix;
	enum rk_status st = query_pix(&q, cfg->region_id_system, system, value, &pix, &err);
	if (st == RK_NOT_FOUND) /* unknown, or not the principal's to know */
		return api_reply_fail(rq, RK_NOT_FOUND, "sourceIdentifier %.*s is not known",
				      (int)(source.len > 120 ? 120 : source.len), source.ptr);
	if (st == RK_INVALID)
		return api_reply_error(rq, st, &err);
	if (pix.regional.ptr)
		api_audit_patient(rq, arena_strndup(rq->arena, pix.regional.ptr, pix.regional.len));
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	struct buf out;
	buf_init(&out, 1u << 20);
	bool first = true;
	buf_puts(&out, "{\"resourceType\":\"Parameters\",\"parameter\":[");
	pix_identifier(&out, &first, targets, n_targets, str_c(cfg->region_id_system), pix.regional);
	for (size_t i = 0; i < pix.n_links; i++) {
		const struct query_pix_link *l = &pix.links[i];
		char sys[80];
		snprintf(sys, sizeof sys, "%s%.*s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, STR_FMT(l->facility_code));
		pix_identifier(&out, &first, targets, n_targets, str_c(sys), l->local_id);
		buf_puts(&out, first ? "" : ",");
		first = false;
		buf_puts(&out, "{\"name\":\"targetId\",\"valueReference\":{\"reference\":\"Patient/");
		buf_put_str(&out, l->patient_id); /* a FHIR id: nothing to escape */
		buf_puts(&out, "\"}}");
	}
	buf_puts(&out, "]}");
	if (out.overflow)
		api_reply_fail(rq, RK_TOO_LARGE, "too many linked registrations");
	else
		api_reply_json(rq, 200, buf_str(&out));
	buf_free(&out);
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
