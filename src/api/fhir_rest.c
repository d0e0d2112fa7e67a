/* fhir_rest.c — the FHIR REST interactions: thin handlers that parse the
 * request, call fhir/ (reads and writes) or query/ (searches, $everything,
 * history, PIX), render, and name what they served in the audit entry. */
#include "api/fhir_rest.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/auth.h"
#include "access/enforce.h"
#include "api/json_patch.h"
#include "api/params.h"
#include "api/session.h"
#include "api/subset.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
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

/* ---- what a request may carry ---------------------------------------------
 * A conditional header or a Prefer value this server does not implement for
 * the interaction is refused, never ignored: a client that sends it relies
 * on it. */

static const struct {
	const char *name;
	unsigned flag;
} conditional_headers[] = {
	{"If-Match", API_FHIR_IF_MATCH},
	{"If-None-Match", API_FHIR_IF_NONE_MATCH},
	{"If-Modified-Since", API_FHIR_IF_MODIFIED_SINCE},
	{"If-None-Exist", API_FHIR_IF_NONE_EXIST},
	{"If-Unmodified-Since", 0},
	{"If-Range", 0},
};

bool api_fhir_headers_ok(struct api_request *rq, unsigned allow)
{
	if (rq->bundle_entry) /* the Bundle's own headers, checked for the Bundle */
		return true;
	for (size_t i = 0; i < sizeof conditional_headers / sizeof conditional_headers[0]; i++) {
		if (!api_header(rq, conditional_headers[i].name).ptr || (allow & conditional_headers[i].flag))
			continue;
		api_reply_fail(rq, RK_INVALID,
			       "the %s header is not supported on this interaction (%s %.*s); see /fhir/metadata",
			       conditional_headers[i].name, rq->method, (int)(rq->path.len > 80 ? 80 : rq->path.len),
			       rq->path.ptr);
		return false;
	}
	struct str prefer = api_header(rq, "Prefer"), one;
	while (str_next(&prefer, ',', &one)) {
		struct str pref, params;
		str_cut(one, ';', &pref, &params);
		pref = str_trim(pref);
		if (!pref.len)
			continue;
		bool ok = false;
		if (str_starts_with(pref, "return="))
			ok = (allow & API_FHIR_PREFER_RETURN) &&
			     (str_eq_c(pref, "return=minimal") || str_eq_c(pref, "return=representation") ||
			      str_eq_c(pref, "return=OperationOutcome"));
		else if (str_starts_with(pref, "handling="))
			ok = (allow & API_FHIR_PREFER_HANDLING) &&
			     (str_eq_c(pref, "handling=strict") || str_eq_c(pref, "handling=lenient"));
		if (!ok) {
			api_reply_fail(rq, RK_INVALID,
				       "Prefer: '%.*s' is not supported on this interaction (renkei implements "
				       "return=minimal|representation|OperationOutcome on writes and "
				       "handling=strict|lenient on searches)",
				       (int)(pref.len > 64 ? 64 : pref.len), pref.ptr);
			return false;
		}
	}
	return true;
}

/* The query parameters an interaction without search takes: _format and
 * _pretty, and what `also` names ("_summary|_elements"); 400 for any other. */
static bool params_only(struct api_request *rq, const char *also)
{
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value, rest = str_c(also ? also : ""), one;
		if (str_eq_c(k, "_format") && !str_eq_c(v, "json") && !str_eq_c(v, "application/json") &&
		    !str_eq_c(v, "application/fhir+json")) {
			api_reply_fail(rq, RK_NOT_ACCEPTABLE,
				       "_format '%.*s' is not supported; renkei speaks JSON only",
				       (int)(v.len > 64 ? 64 : v.len), v.ptr);
			return false;
		}
		bool ok = str_eq_c(k, "_format") || str_eq_c(k, "_pretty");
		while (!ok && str_next(&rest, '|', &one))
			ok = str_eq(one, k);
		if (!ok) {
			api_reply_fail(
				rq, RK_INVALID,
				"parameter '%.*s' is not supported on this interaction (%s takes _format, _pretty%s%s)",
				(int)(k.len > 64 ? 64 : k.len), k.ptr, rq->method, also ? ", " : "", also ? also : "");
			return false;
		}
	}
	return true;
}

/* An HTTP date (IMF-fixdate, RFC 9110: "Sun, 06 Nov 1994 08:49:37 GMT") → ms. */
static bool http_date(struct str v, int64_t *ms)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	v = str_trim(v);
	if (v.len != 29 || v.ptr[3] != ',' || v.ptr[4] != ' ' || v.ptr[7] != ' ' || v.ptr[11] != ' ' ||
	    v.ptr[16] != ' ' || v.ptr[19] != ':' || v.ptr[22] != ':' || v.ptr[25] != ' ' ||
	    memcmp(v.ptr + 26, "GMT", 3) != 0)
		return false;
	int64_t d, y, h, mi, se;
	if (!str_to_i64((struct str){v.ptr + 5, 2}, 1, 31, &d) ||
	    !str_to_i64((struct str){v.ptr + 12, 4}, 1970, 9999, &y) ||
	    !str_to_i64((struct str){v.ptr + 17, 2}, 0, 23, &h) ||
	    !str_to_i64((struct str){v.ptr + 20, 2}, 0, 59, &mi) ||
	    !str_to_i64((struct str){v.ptr + 23, 2}, 0, 60, &se))
		return false;
	unsigned m = 0;
	while (m < 12 && memcmp(months + 3 * m, v.ptr + 8, 3) != 0)
		m++;
	if (m == 12)
		return false;
	*ms = ((time_days_from_civil(y, m + 1, (unsigned)d) * 86400) + h * 3600 + mi * 60 + se) * 1000;
	return true;
}

/* A version ETag (W/"3", "3") → 3; -1 when it is not one. */
static int64_t etag_version(struct str v)
{
	v = str_trim(v);
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

/* If-None-Match / If-Modified-Since on a read of r: true when the client's
 * copy is current (304), false when r is to be served; -1 in *bad after a
 * 400 for a malformed header. If-None-Match wins when both are sent. */
static bool not_modified(struct api_request *rq, const struct store_resource *r, bool *bad)
{
	*bad = false;
	if (rq->bundle_entry) /* a Bundle's entry: request.ifNoneMatch is refused when the Bundle is parsed */
		return false;
	struct str inm = api_header(rq, "If-None-Match"), ims = api_header(rq, "If-Modified-Since");
	if (inm.ptr) {
		struct str rest = inm, one;
		bool match = false;
		while (str_next(&rest, ',', &one)) {
			one = str_trim(one);
			if (str_eq_c(one, "*")) {
				match = true;
				continue;
			}
			int64_t v = etag_version(one);
			if (v < 0) {
				*bad = true;
				api_reply_fail(rq, RK_INVALID,
					       "If-None-Match must list version ETags such as W/\"3\" (or be *)");
				return false;
			}
			match = match || v == r->version;
		}
		return match;
	}
	if (ims.ptr) {
		int64_t since;
		if (!http_date(ims, &since)) {
			*bad = true;
			api_reply_fail(
				rq, RK_INVALID,
				"If-Modified-Since must be an HTTP date such as 'Mon, 07 Dec 2026 09:00:00 GMT'");
			return false;
		}
		return r->last_updated / 1000 * 1000 <= since;
	}
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

/* Read or vread (version > 0), through the access check; _summary and
 * _elements, If-None-Match and If-Modified-Since. */
static void read_version(struct api_request *rq, int64_t version)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !scope_ok(rq, def->name, false) ||
	    !api_fhir_headers_ok(rq, API_FHIR_IF_NONE_MATCH | API_FHIR_IF_MODIFIED_SINCE) ||
	    !params_only(rq, "_summary|_elements"))
		return;
	struct api_subset sub;
	struct str_pair *rest;
	size_t n_rest;
	if (!api_subset_parse(rq, def, rq->params, rq->n_params, false, &sub, &rest, &n_rest))
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
	bool bad;
	if (not_modified(rq, &r, &bad)) {
		rq->status = 304;
		rq->content_type = NULL;
		buf_reset(&rq->out);
		version_headers(rq, r.type.ptr, r.id, r.version, r.last_updated, false);
		return;
	}
	if (bad)
		return;
	if (def == fhir_resource_find("Binary", 6) && !wants_fhir(rq) && sub.mode == SUBSET_NONE)
		return reply_binary(rq, &r);
	st = api_subset_apply(&sub, def, r.body, rq->arena, &r.body, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
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
	return api_own_json(rq, res); /* the request's: no handler frees it */
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

/* The create of res (the request's, see api_own_json) and its reply: the write decision and the audit
 * entry of the request, as every create. */
static void create_with(struct api_request *rq, const struct fhir_resource_def *def, json_t *res)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result out;
	enum rk_status st = fhir_create(&ctx, def, res, &out, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	rq->audit.action = 'C';
	access_ctx_reset(api_access(rq));
	api_fhir_audit_written(rq, def->name, &out);
	reply_written(rq, def->name, &out, 201);
}

void api_fhir_create(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def) ||
	    !api_fhir_headers_ok(rq, API_FHIR_IF_NONE_EXIST | API_FHIR_PREFER_RETURN) || !params_only(rq, NULL))
		return;
	json_t *res = api_fhir_parse_body(rq);
	if (!res)
		return;
	struct str ine = api_header(rq, "If-None-Exist");
	if (ine.ptr && create_exists(rq, def, ine))
		return;
	create_with(rq, def, res);
}

/* If-Match: W/"3" → 3; 0 when absent; -1 when malformed. */
static int64_t if_match(struct api_request *rq)
{
	struct str v = str_trim(api_header(rq, "If-Match"));
	return v.len ? etag_version(v) : 0;
}

/* The update of id to res (the request's), if_match > 0 naming the current version,
 * and its reply: the write decision and the audit entry of the request, as
 * every update (PUT, conditional PUT, PATCH). */
static void update_with(struct api_request *rq, const struct fhir_resource_def *def, struct str id, json_t *res,
			int64_t match)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result out;
	enum rk_status st = fhir_update(&ctx, def, id, res, match, &out, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	if (out.created)
		rq->audit.action = 'C';
	access_ctx_reset(api_access(rq));
	api_fhir_audit_written(rq, def->name, &out);
	reply_written(rq, def->name, &out, out.created ? 201 : 200);
}

void api_fhir_update(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def) ||
	    !api_fhir_headers_ok(rq, API_FHIR_IF_MATCH | API_FHIR_PREFER_RETURN) || !params_only(rq, NULL))
		return;
	int64_t match = if_match(rq);
	if (match < 0)
		return api_reply_fail(rq, RK_INVALID, "If-Match must be a version ETag such as W/\"3\"");
	json_t *res = api_fhir_parse_body(rq);
	if (!res)
		return;
	update_with(rq, def, rq->args[1], res, match);
}

/* The answer to a DELETE of what is not there (never was, or the principal
 * may not see it): the words of a read of it. */
static enum rk_status not_known(struct rk_err *err, const char *type, struct str id)
{
	rk_err_clear(err);
	return rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", type, STR_FMT(id));
}

/* The current version of id as the principal may see it: RK_OK, RK_GONE
 * (deleted; *cur describes it), or RK_NOT_FOUND in the words of a read for
 * what is missing and what the principal may not see alike. */
static enum rk_status current_visible(struct api_request *rq, struct fhir_ctx *ctx, const struct fhir_resource_def *def,
				      struct str id, struct store_resource *cur, struct rk_err *err)
{
	enum rk_status st = fhir_read(ctx, def, id, cur, err);
	if (st == RK_OK || st == RK_GONE) {
		bool ok = false;
		enum rk_status vst = access_guard_visible(api_access(rq), cur, &ok, err);
		if (vst != RK_OK)
			return vst;
		if (!ok)
			return not_known(err, def->name, id);
	} else if (st == RK_NOT_FOUND) {
		return not_known(err, def->name, id);
	}
	return st;
}

enum rk_status api_fhir_exists_unmatched(struct api_request *rq, const struct fhir_resource_def *def, struct str id,
					 struct rk_err *err)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct store_resource cur;
	enum rk_status st = current_visible(rq, &ctx, def, id, &cur, err);
	if (st == RK_NOT_FOUND || st == RK_GONE) { /* an update as create (or re-create) */
		rk_err_clear(err);
		return RK_OK;
	}
	if (st != RK_OK)
		return st;
	return rk_fail(err, RK_CONFLICT,
		       "%s/%.*s exists but does not match the conditional update's query; update it by its id, or "
		       "change the query",
		       def->name, STR_FMT(id));
}

/* Delete id (match > 0: only while match is its current version) and reply. */
static void delete_id(struct api_request *rq, const struct fhir_resource_def *def, struct str id, int64_t match)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result out = {0};
	/* Deleting what one may not see is deleting what is not there: 404 alike. */
	struct store_resource cur;
	enum rk_status st = current_visible(rq, &ctx, def, id, &cur, &err);
	bool gone = st == RK_GONE;
	if (gone)
		st = RK_OK;
	if (st == RK_OK && match > 0 && match != cur.version)
		st = rk_fail(&err, RK_PRECONDITION, "If-Match names version %lld but the current version is %lld",
			     (long long)match, (long long)cur.version);
	if (st == RK_OK && !gone)
		st = fhir_delete(&ctx, def, id, &out, &err);
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

void api_fhir_delete(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def) || !api_fhir_headers_ok(rq, API_FHIR_IF_MATCH) ||
	    !params_only(rq, NULL))
		return;
	int64_t match = if_match(rq);
	if (match < 0)
		return api_reply_fail(rq, RK_INVALID, "If-Match must be a version ETag such as W/\"3\"");
	delete_id(rq, def, rq->args[1], match);
}

/* The search parameters of a conditional update or delete: the query
 * without _format and _pretty. */
static struct str_pair *conditional_params(struct api_request *rq, size_t *n)
{
	struct str_pair *p = arena_calloc(rq->arena, rq->n_params ? rq->n_params : 1, sizeof *p);
	*n = 0;
	if (!p) {
		api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		return NULL;
	}
	for (size_t i = 0; i < rq->n_params; i++)
		if (!str_eq_c(rq->params[i].key, "_format") && !str_eq_c(rq->params[i].key, "_pretty"))
			p[(*n)++] = rq->params[i];
	return p;
}

/* PUT /fhir/{type}?search: no match the principal may see → a create (with
 * the body's id, an update-as-create); one → an update of it; several →
 * 412. Hidden records do not count, so the answer never tells of them. */
void api_fhir_update_conditional(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def) ||
	    !api_fhir_headers_ok(rq, API_FHIR_IF_MATCH | API_FHIR_PREFER_RETURN))
		return;
	int64_t match = if_match(rq);
	if (match < 0)
		return api_reply_fail(rq, RK_INVALID, "If-Match must be a version ETag such as W/\"3\"");
	size_t n_params;
	struct str_pair *params = conditional_params(rq, &n_params);
	if (!params)
		return;
	json_t *res = api_fhir_parse_body(rq);
	if (!res)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource one;
	int64_t n = 0;
	enum rk_status st = api_fhir_match_params(rq, def, "the conditional update", params, n_params, &n, &one, &err);
	if (st != RK_OK) {
		return api_reply_error(rq, st, &err);
	}
	if (n > 1) {
		return api_reply_fail(rq, RK_PRECONDITION,
				      "the conditional update matches %lld %s records; it needs a query that matches "
				      "at most one",
				      (long long)n, def->name);
	}
	struct str body_id = STR_NULL;
	rk_json_str(res, "id", &body_id);
	if (n == 0) {
		if (match > 0) {
			return api_reply_fail(rq, RK_PRECONDITION,
					      "If-Match names version %lld but no %s matches the query",
					      (long long)match, def->name);
		}
		if (body_id.len) {
			struct str id = {arena_strndup(rq->arena, body_id.ptr, body_id.len), body_id.len};
			if (!id.ptr) {
				return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
			}
			st = api_fhir_exists_unmatched(rq, def, id, &err);
			if (st != RK_OK) {
				return api_reply_error(rq, st, &err);
			}
			return update_with(rq, def, id, res, 0);
		}
		return create_with(rq, def, res);
	}
	if (json_object_get(res, "id") && !str_eq(body_id, one.id)) {
		api_reply_fail(rq, RK_INVALID,
			       "the resource's id '%.*s' is not the id of the %s the query matches (%.*s)",
			       (int)(body_id.len > 64 ? 64 : body_id.len), body_id.ptr, def->name, STR_FMT(one.id));
		return;
	}
	struct str id = {arena_strndup(rq->arena, one.id.ptr, one.id.len), one.id.len};
	if (!id.ptr) {
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	}
	if (!json_object_get(res, "id")) /* the record the query found is the one updated */
		json_object_set_new(res, "id", json_stringn(id.ptr, id.len));
	update_with(rq, def, id, res, match);
}

/* DELETE /fhir/{type}?search: no match the principal may see → 404; one →
 * its delete; several → 412. */
void api_fhir_delete_conditional(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def) || !api_fhir_headers_ok(rq, API_FHIR_IF_MATCH))
		return;
	int64_t match = if_match(rq);
	if (match < 0)
		return api_reply_fail(rq, RK_INVALID, "If-Match must be a version ETag such as W/\"3\"");
	size_t n_params;
	struct str_pair *params = conditional_params(rq, &n_params);
	if (!params)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource one;
	int64_t n = 0;
	enum rk_status st = api_fhir_match_params(rq, def, "the conditional delete", params, n_params, &n, &one, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	if (n == 0)
		return api_reply_fail(rq, RK_NOT_FOUND, "no %s matches the conditional delete", def->name);
	if (n > 1)
		return api_reply_fail(rq, RK_PRECONDITION,
				      "the conditional delete matches %lld %s records; it needs a query that matches "
				      "at most one",
				      (long long)n, def->name);
	struct str id = {arena_strndup(rq->arena, one.id.ptr, one.id.len), one.id.len};
	if (!id.ptr)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	delete_id(rq, def, id, match);
}

/* PATCH /fhir/{type}/{id} (application/json-patch+json): the patched
 * resource is written as a PUT of it would be, on the version it was
 * patched from — validated, the write decision on the stored and the new
 * version (a record cannot move to another patient or facility), audited.
 * A patch may not change the id or the resourceType. */
void api_fhir_patch(struct api_request *rq)
{
	const struct fhir_resource_def *def = type_arg(rq);
	if (!def || !need_store(rq) || !write_ok(rq, def) ||
	    !api_fhir_headers_ok(rq, API_FHIR_IF_MATCH | API_FHIR_PREFER_RETURN) || !params_only(rq, NULL))
		return;
	int64_t match = if_match(rq);
	if (match < 0)
		return api_reply_fail(rq, RK_INVALID, "If-Match must be a version ETag such as W/\"3\"");
	struct str ct = api_header(rq, "Content-Type"), mime, rest;
	str_cut(ct, ';', &mime, &rest);
	mime = str_trim(mime);
	if (!str_eq_nocase(mime, "application/json-patch+json"))
		return api_reply_fail(
			rq, RK_UNSUPPORTED_TYPE,
			"PATCH takes a JSON Patch (Content-Type: application/json-patch+json), not '%.*s'",
			(int)(mime.len > 64 ? 64 : mime.len), mime.ptr);
	struct rk_err err;
	rk_err_clear(&err);
	json_t *patch = rk_json_parse(rq->body, &err);
	if (!patch)
		return api_reply_error(rq, RK_INVALID, &err);
	if (!api_own_json(rq, patch))
		return;
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	struct store_resource cur;
	enum rk_status st = current_visible(rq, &ctx, def, rq->args[1], &cur, &err);
	if (st == RK_GONE)
		st = rk_fail(&err, RK_GONE, "%s/%.*s is deleted; a PATCH needs a current version", def->name,
			     STR_FMT(rq->args[1]));
	if (st == RK_OK && match > 0 && match != cur.version)
		st = rk_fail(&err, RK_PRECONDITION, "If-Match names version %lld but the current version is %lld",
			     (long long)match, (long long)cur.version);
	json_t *res = st == RK_OK ? rk_json_parse(cur.body, &err) : NULL;
	if (st == RK_OK && !res)
		st = RK_INTERNAL;
	if (res && !api_own_json(rq, res))
		return;
	if (st == RK_OK)
		st = json_patch_apply(res, patch, &err);
	if (st == RK_OK) {
		struct str id = STR_NULL, type = STR_NULL;
		if (!rk_json_str(res, "id", &id) || !str_eq(id, cur.id))
			st = rk_fail_at(&err, RK_INVALID, "patch", "a PATCH cannot change or remove the id");
		else if (!rk_json_str(res, "resourceType", &type) || !str_eq_c(type, def->name))
			st = rk_fail_at(&err, RK_INVALID, "patch", "a PATCH cannot change the resourceType");
	}
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	/* on the version patched: a write in between answers 412, nothing lost */
	update_with(rq, def, rq->args[1], res, cur.version);
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
	/* _summary / _elements of a search: the matches served in part */
	const struct api_subset *subset;
	const struct fhir_resource_def *def;
	struct arena *arena;
	struct rk_err *err;
};

static enum rk_status entry_row(void *vctx, const struct query_row *row)
{
	struct entries *e = vctx;
	bool first = e->n++ == 0;
	if (e->history)
		return fhir_render_history_entry(&e->b, e->base, row->r, first);
	if (row->mode == QUERY_INCLUDE)
		return fhir_render_include_entry(&e->b, e->base, row->r, first);
	if (!e->subset || e->subset->mode == SUBSET_NONE)
		return fhir_render_search_entry(&e->b, e->base, row->r, first);
	struct store_resource r = *row->r;
	enum rk_status st = api_subset_apply(e->subset, e->def, r.body, e->arena, &r.body, e->err);
	return st == RK_OK ? fhir_render_search_entry(&e->b, e->base, &r, first) : st;
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
	if (!api_fhir_headers_ok(rq, API_FHIR_PREFER_HANDLING))
		return;
	struct api_subset sub;
	struct str_pair *rest;
	size_t n_rest;
	if (!api_subset_parse(rq, def, params, n, true, &sub, &rest, &n_rest))
		return;
	struct fhir_search fs;
	enum rk_status st = fhir_search_parse(def, rest, n_rest, &o, rq->arena, &fs, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	if (sub.mode != SUBSET_NONE && fs.summary_count)
		return api_reply_fail(rq, RK_INVALID, "_summary=count cannot be combined with _elements");
	if (sub.query) { /* the page links keep asking for the subset */
		fs.canonical = arena_printf(rq->arena, "%s&%s", fs.canonical, sub.query);
		if (!fs.canonical)
			return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	}
	struct query_ctx q = query_of(rq);
	struct entries e = {.base = cfg->fhir_base_url, .subset = &sub, .def = def, .arena = rq->arena, .err = &err};
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

enum rk_status api_fhir_match_params(struct api_request *rq, const struct fhir_resource_def *def, const char *what,
				     const struct str_pair *params, size_t n_params, int64_t *n,
				     struct store_resource *one, struct rk_err *err)
{
	*n = 0;
	struct rk_err inner;
	rk_err_clear(&inner);
	struct fhir_search_opts o = {.default_count = rq->env->cfg->fhir_default_count,
				     .max_count = rq->env->cfg->fhir_max_count,
				     .now = rq->now};
	struct fhir_search fs;
	enum rk_status st = fhir_search_parse(def, params, n_params, &o, rq->arena, &fs, &inner);
	if (st != RK_OK)
		return rk_fail(err, st == RK_TOO_LARGE ? st : RK_INVALID, "%s: %s", what, inner.msg);
	if (!fs.q.n_conds)
		return rk_fail(err, RK_INVALID,
			       "%s must name search parameters that identify the %s (e.g. identifier=system|value)",
			       what, def->name);
	struct query_ctx q = query_of(rq);
	return query_match(&q, def, &fs, n, one, err);
}

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
	if (api_parse_form(rq->arena, query, &params, &n_params, &inner) != RK_OK)
		return rk_fail(err, inner.status == RK_TOO_LARGE ? RK_TOO_LARGE : RK_INVALID, "If-None-Exist: %s",
			       inner.msg);
	return api_fhir_match_params(rq, def, "If-None-Exist", params, n_params, n, one, err);
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
	if (!need_store(rq) || !scope_ok(rq, "Patient", false) || !api_fhir_headers_ok(rq, 0))
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
	if (!api_fhir_headers_ok(rq, 0))
		return;
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
	if (!need_store(rq) || !scope_ok(rq, "Patient", false) || !api_fhir_headers_ok(rq, 0))
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
	snprintf(body, sizeof body, "{\"status\":\"%s\",\"database\":\"%s\",\"version\":\"%s\",\"mode\":\"%s\"}",
		 st == RK_OK ? "ok" : "degraded", st == RK_OK ? "ok" : "unreachable", RENKEI_VERSION,
		 rq->env->cfg->read_only ? "read-only" : "read-write"); /* a standby: docs/STANDBY.md */
	api_reply_json(rq, st == RK_OK ? 200 : 503, str_c(body));
	rq->content_type = "application/json";
}
