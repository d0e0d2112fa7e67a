/* fhir_bundle.c — POST /fhir: runs the plan fhir/bundle.c makes of a
 * transaction or batch Bundle. Writes go through the resource service with
 * the request's write authorization; GETs go through the very handlers of
 * read, vread and search (so the same scope check, access decision and audit
 * notes); the Bundle's response is rendered here. */
#include "api/fhir_bundle.h"

#include <stdio.h>
#include <string.h>

#include "api/fhir_rest.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/time.h"
#include "fhir/bundle.h"
#include "fhir/render.h"

/* What one entry did, for the response Bundle and the audit entry. */
struct entry_out {
	int status;          /* HTTP status of the entry */
	struct str resource; /* entry.resource (empty: none) */
	struct str outcome;  /* entry.response.outcome (empty: none) */
	struct str etag;     /* a GET's ETag */
	struct fhir_result res;
	bool written; /* a version was written (its location, etag, lastModified) */
	bool matched; /* a conditional create found the record: its location, etag, lastModified */
};

static const char *status_text(int status)
{
	static const struct {
		int code;
		const char *text;
	} texts[] = {{200, "OK"},
		     {201, "Created"},
		     {204, "No Content"},
		     {400, "Bad Request"},
		     {401, "Unauthorized"},
		     {403, "Forbidden"},
		     {404, "Not Found"},
		     {405, "Method Not Allowed"},
		     {409, "Conflict"},
		     {410, "Gone"},
		     {412, "Precondition Failed"},
		     {413, "Payload Too Large"},
		     {415, "Unsupported Media Type"},
		     {422, "Unprocessable Entity"},
		     {500, "Internal Server Error"},
		     {501, "Not Implemented"},
		     {503, "Service Unavailable"}};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (texts[i].code == status)
			return texts[i].text;
	return "";
}

/* The entry's failure as its own OperationOutcome (a batch entry). */
static void entry_error(struct api_request *rq, struct entry_out *o, enum rk_status st, const struct rk_err *err)
{
	struct buf b;
	buf_init(&b, 1u << 16);
	fhir_render_outcome(&b, st, err);
	o->status = rk_status_http(st);
	o->outcome = arena_str(rq->arena, buf_str(&b));
	o->resource = STR_NULL;
	buf_free(&b);
}

/* DELETE as DELETE /fhir/Type/id does it: what the principal may not see is
 * not there (404 alike); ifMatch names the current version. */
static enum rk_status delete_entry(struct api_request *rq, struct fhir_ctx *ctx, const struct fhir_bundle_entry *e,
				   struct fhir_result *res, struct rk_err *err)
{
	struct store_resource cur;
	enum rk_status st = fhir_read(ctx, e->def, e->id, &cur, err);
	bool gone = st == RK_GONE;
	if (st == RK_OK || st == RK_GONE) {
		bool ok = false;
		st = access_guard_visible(api_access(rq), &cur, &ok, err);
		if (st == RK_OK && !ok)
			st = RK_NOT_FOUND;
	}
	if (st == RK_NOT_FOUND) {
		rk_err_clear(err);
		return rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", e->def->name, STR_FMT(e->id));
	}
	if (st == RK_OK && e->if_match > 0 && cur.version != e->if_match)
		st = rk_fail(err, RK_PRECONDITION, "ifMatch names version %lld but the current version is %lld",
			     (long long)e->if_match, (long long)cur.version);
	if (st == RK_OK && gone) {
		*res = (struct fhir_result){.id = e->id, .version = cur.version};
		return RK_OK;
	}
	if (st == RK_OK)
		st = fhir_delete(ctx, e->def, e->id, res, err);
	return st;
}

/* A POST with ifNoneExist: the one record the principal may see that
 * matches (200, nothing written), RK_NOT_FOUND when none does (the create
 * goes on), RK_PRECONDITION when more than one does. */
static enum rk_status match_entry(struct api_request *rq, struct fhir_bundle_entry *e, struct entry_out *o,
				  struct rk_err *err)
{
	access_ctx_reset(api_access(rq)); /* what this Bundle wrote so far may change what the principal sees */
	struct store_resource r;
	int64_t n = 0;
	enum rk_status st = api_fhir_match(rq, e->def, e->if_none_exist, &n, &r, err);
	if (st != RK_OK)
		return st;
	if (n == 0)
		return RK_NOT_FOUND;
	if (n > 1)
		return rk_fail(
			err, RK_PRECONDITION,
			"ifNoneExist matches %lld %s records; a conditional create needs a query that matches at most one",
			(long long)n, e->def->name);
	e->id = r.id; /* references to the entry's fullUrl name the existing record */
	o->status = 200;
	o->resource = r.body;
	o->res = (struct fhir_result){.id = r.id, .version = r.version, .last_updated = r.last_updated};
	o->matched = true;
	return RK_OK;
}

/* A conditional PUT or DELETE (request.url Type?search), as PUT and DELETE
 * /fhir/Type?search do it: the one record the principal may see that
 * matches becomes the entry's id; none: a PUT creates (with the resource's
 * id, if it has one), a DELETE is 404; several: 412. */
static enum rk_status conditional_entry(struct api_request *rq, struct fhir_bundle_entry *e, struct rk_err *err)
{
	access_ctx_reset(api_access(rq)); /* what this Bundle wrote so far may change what the principal sees */
	const char *what = e->method == FHIR_BM_PUT ? "the conditional update" : "the conditional delete";
	struct rk_err inner;
	rk_err_clear(&inner);
	struct str_pair *params;
	size_t n_params;
	if (api_parse_form(rq->arena, e->query, &params, &n_params, &inner) != RK_OK)
		return rk_fail(err, RK_INVALID, "%s: %s", what, inner.msg);
	struct store_resource r;
	int64_t n = 0;
	enum rk_status st = api_fhir_match_params(rq, e->def, what, params, n_params, &n, &r, err);
	if (st != RK_OK)
		return st;
	if (n > 1)
		return rk_fail(err, RK_PRECONDITION,
			       "%s matches %lld %s records; it needs a query that matches at most one", what,
			       (long long)n, e->def->name);
	struct str body_id = STR_NULL;
	if (e->resource)
		rk_json_str(e->resource, "id", &body_id);
	if (n == 0) {
		if (e->method == FHIR_BM_DELETE)
			return rk_fail(err, RK_NOT_FOUND, "no %s matches the conditional delete", e->def->name);
		if (e->if_match > 0)
			return rk_fail(err, RK_PRECONDITION, "ifMatch names version %lld but no %s matches the query",
				       (long long)e->if_match, e->def->name);
		e->id = arena_str(rq->arena, body_id); /* empty: a create */
		if (body_id.len && !e->id.ptr)
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
		return body_id.len ? api_fhir_exists_unmatched(rq, e->def, e->id, err) : RK_OK;
	}
	if (body_id.len && !str_eq(body_id, r.id))
		return rk_fail(err, RK_INVALID,
			       "the resource's id '%.*s' is not the id of the %s the query matches (%.*s)",
			       (int)(body_id.len > 64 ? 64 : body_id.len), body_id.ptr, e->def->name, STR_FMT(r.id));
	e->id = r.id;
	if (e->resource && !body_id.len)
		json_object_set_new(e->resource, "id", json_stringn(r.id.ptr, r.id.len));
	return RK_OK;
}

/* A POST, PUT or DELETE entry. */
static enum rk_status run_write(struct api_request *rq, struct fhir_ctx *ctx, const struct fhir_bundle *b,
				struct fhir_bundle_entry *e, struct entry_out *o, struct rk_err *err)
{
	if (!api_fhir_scope(rq, e->def->name, true, err) || !api_fhir_may_write_type(rq, e->def, err))
		return RK_FORBIDDEN;
	enum rk_status st;
	struct fhir_result res = {0};
	if (e->conditional && (st = conditional_entry(rq, e, err)) != RK_OK)
		return st;
	if (e->method == FHIR_BM_DELETE) {
		if ((st = delete_entry(rq, ctx, e, &res, err)) != RK_OK)
			return st;
		o->status = 204;
		o->written = res.version > 0 && res.last_updated > 0;
		o->res = res;
		return RK_OK;
	}
	if ((st = fhir_bundle_resolve(b, e, rq->arena, err)) != RK_OK)
		return st;
	if (e->method == FHIR_BM_POST && e->if_none_exist.ptr && (st = match_entry(rq, e, o, err)) != RK_NOT_FOUND)
		return st;
	st = e->method == FHIR_BM_POST || !e->id.len /* a conditional PUT that matched nothing */
		     ? fhir_create(ctx, e->def, e->resource, &res, err)
		     : fhir_update(ctx, e->def, e->id, e->resource, e->if_match, &res, err);
	if (st != RK_OK)
		return st;
	e->id = res.id;
	o->status = res.created ? 201 : 200;
	o->resource = res.body;
	o->res = res;
	o->written = true;
	return RK_OK;
}

/* A GET entry through the handler of the same GET on its own, with the
 * request's response fields set aside meanwhile. Its audit notes (each
 * record served, with its grant) go to this request's entry. */
static void run_get(struct api_request *rq, const struct fhir_bundle_entry *e, struct entry_out *o, struct rk_err *err)
{
	struct str args[API_MAX_ARGS];
	memcpy(args, rq->args, sizeof args);
	const struct str_pair *params = rq->params;
	size_t n_params = rq->n_params;
	int status = rq->status, n_headers = rq->n_headers;
	const char *content_type = rq->content_type;
	enum rk_status outcome = rq->outcome;
	struct buf out = rq->out;
	const char *hn[API_MAX_HEADERS], *hv[API_MAX_HEADERS];
	memcpy(hn, rq->header_names, sizeof hn);
	memcpy(hv, rq->header_values, sizeof hv);
	char detail[sizeof rq->audit.detail];
	memcpy(detail, rq->audit.detail, sizeof detail);

	static const struct str_pair fhir_json = {{"_format", 7}, {"json", 4}};
	struct str_pair *qp = NULL;
	size_t n_qp = 0;
	if (e->search && api_parse_form(rq->arena, e->query, &qp, &n_qp, err) != RK_OK) {
		entry_error(rq, o, err->status, err);
		return;
	}
	memset(rq->args, 0, sizeof rq->args);
	rq->args[0] = str_c(e->def->name);
	rq->args[1] = e->id;
	rq->args[2] = e->version;
	rq->params = e->search ? qp : &fhir_json; /* a Binary as FHIR JSON, not its content */
	rq->n_params = e->search ? n_qp : 1;
	rq->status = 0;
	rq->n_headers = 0;
	rq->outcome = RK_OK;
	buf_init(&rq->out, RK_MAX_RESPONSE);
	rq->bundle_entry = true;
	if (e->search)
		api_fhir_search(rq);
	else if (e->version.len)
		api_fhir_vread(rq);
	else
		api_fhir_read(rq);
	rq->bundle_entry = false;
	o->status = rq->status;
	struct str body = arena_str(rq->arena, buf_str(&rq->out));
	if (o->status < 300)
		o->resource = body;
	else
		o->outcome = body;
	for (int i = 0; i < rq->n_headers; i++)
		if (strcmp(rq->header_names[i], "ETag") == 0)
			o->etag = str_c(rq->header_values[i]);
	if (o->status >= 300) {
		rk_fail(err, rq->outcome != RK_OK ? rq->outcome : RK_INVALID, "%s", rq->audit.detail);
	}
	buf_free(&rq->out);

	memcpy(rq->args, args, sizeof args);
	rq->params = params;
	rq->n_params = n_params;
	rq->status = status;
	rq->n_headers = n_headers;
	rq->content_type = content_type;
	rq->outcome = outcome;
	rq->out = out;
	memcpy(rq->header_names, hn, sizeof hn);
	memcpy(rq->header_values, hv, sizeof hv);
	memcpy(rq->audit.detail, detail, sizeof detail);
}

/* The whole transaction fails with the entry's reason, named by its index. */
static void reply_entry_failure(struct api_request *rq, size_t index, const char *type, enum rk_status st,
				const struct rk_err *inner)
{
	struct rk_err e;
	rk_err_clear(&e);
	char where[RK_ERR_WHERE_MAX];
	size_t tl = type ? strlen(type) : 0;
	if (tl && strncmp(inner->where, type, tl) == 0 && inner->where[tl] == '.')
		snprintf(where, sizeof where, "Bundle.entry[%zu].resource%.100s", index, inner->where + tl);
	else
		snprintf(where, sizeof where, "Bundle.entry[%zu]", index);
	rk_fail_at(&e, st, where, "Bundle.entry[%zu]: %s", index, inner->msg[0] ? inner->msg : rk_status_text(st));
	snprintf(e.code, sizeof e.code, "%s", inner->code);
	api_reply_error(rq, st, &e);
}

static enum rk_status render(struct api_request *rq, const struct fhir_bundle *b, const struct entry_out *outs,
			     struct buf *o)
{
	const char *base = rq->env->cfg->fhir_base_url;
	bool minimal = str_contains(api_header(rq, "Prefer"), "return=minimal");
	char id[RAND_ID_LEN + 1], ts[RK_TIME_RFC3339_LEN];
	rand_id(id);
	time_format_rfc3339(rq->now, ts);
	buf_printf(o, "{\"resourceType\":\"Bundle\",\"id\":\"%s\",\"meta\":{\"lastUpdated\":\"%s\"},\"type\":\"%s\"",
		   id, ts, b->type == FHIR_BUNDLE_TRANSACTION ? "transaction-response" : "batch-response");
	if (b->n)
		buf_puts(o, ",\"entry\":[");
	for (size_t i = 0; i < b->n; i++) {
		const struct fhir_bundle_entry *e = &b->entries[i];
		const struct entry_out *x = &outs[i];
		bool write = e->method == FHIR_BM_POST || e->method == FHIR_BM_PUT;
		buf_puts(o, i ? ",{" : "{");
		if (x->status < 300 && e->id.len && e->method != FHIR_BM_DELETE)
			buf_printf(o, "\"fullUrl\":\"%s/%s/%.*s\",", base, e->def->name, STR_FMT(e->id));
		if (x->resource.len && !(minimal && write)) {
			buf_puts(o, "\"resource\":");
			buf_put_str(o, x->resource);
			buf_putc(o, ',');
		}
		buf_printf(o, "\"response\":{\"status\":\"%d %s\"", x->status, status_text(x->status));
		if (x->written || x->matched) {
			char lm[RK_TIME_RFC3339_LEN];
			time_format_rfc3339(x->res.last_updated, lm);
			if (write)
				buf_printf(o, ",\"location\":\"%s/%.*s/_history/%lld\"", e->def->name,
					   STR_FMT(x->res.id), (long long)x->res.version);
			buf_printf(o, ",\"etag\":\"W/\\\"%lld\\\"\",\"lastModified\":\"%s\"", (long long)x->res.version,
				   lm);
		} else if (x->etag.len) {
			buf_puts(o, ",\"etag\":");
			buf_put_json_str(o, x->etag);
		}
		if (x->outcome.len) {
			buf_puts(o, ",\"outcome\":");
			buf_put_str(o, x->outcome);
		}
		buf_puts(o, "}}");
	}
	if (b->n)
		buf_putc(o, ']');
	return buf_putc(o, '}');
}

static void reply_bundle(struct api_request *rq, const struct fhir_bundle *b, const struct entry_out *outs)
{
	rq->status = 200;
	rq->content_type = "application/fhir+json; charset=utf-8";
	rq->n_headers = 0;
	buf_reset(&rq->out);
	if (render(rq, b, outs, &rq->out) != RK_OK)
		api_reply_fail(
			rq, RK_TOO_LARGE,
			"the response is larger than %u bytes; ask for Prefer: return=minimal or send fewer entries",
			(unsigned)RK_MAX_RESPONSE);
}

/* All or nothing, in one store transaction. */
static void run_transaction(struct api_request *rq, struct fhir_bundle *b, struct entry_out *outs)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	ctx.batch = true; /* this function holds the transaction */
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = store_begin(rq->store, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	bool reset = false;
	for (size_t k = 0; k < b->n; k++) {
		struct fhir_bundle_entry *e = &b->entries[b->order[k]];
		struct entry_out *o = &outs[e->index];
		rk_err_clear(&err);
		if (e->method == FHIR_BM_GET) {
			if (!reset) /* what this transaction wrote may change what the principal sees */
				access_ctx_reset(api_access(rq));
			reset = true;
			run_get(rq, e, o, &err);
			st = o->status < 300 ? RK_OK : err.status != RK_OK ? err.status : RK_INVALID;
		} else {
			st = run_write(rq, &ctx, b, e, o, &err);
		}
		if (st != RK_OK) {
			store_rollback(rq->store);
			return reply_entry_failure(rq, e->index, e->def ? e->def->name : NULL, st, &err);
		}
	}
	if ((st = store_commit(rq->store, &err)) != RK_OK)
		return api_reply_error(rq, st, &err);
	access_ctx_reset(api_access(rq));
	for (size_t i = 0; i < b->n; i++)
		if (outs[i].written)
			api_fhir_audit_written(rq, b->entries[i].def->name, &outs[i].res);
	reply_bundle(rq, b, outs);
}

/* Each entry by itself (its own store transaction), in the planned order. */
static void run_batch(struct api_request *rq, struct fhir_bundle *b, struct entry_out *outs)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	size_t failed = 0;
	for (size_t k = 0; k < b->n; k++) {
		struct fhir_bundle_entry *e = &b->entries[b->order[k]];
		struct entry_out *o = &outs[e->index];
		struct rk_err err;
		rk_err_clear(&err);
		if (e->err) {
			entry_error(rq, o, e->err->status, e->err);
		} else if (e->method == FHIR_BM_GET) {
			run_get(rq, e, o, &err);
		} else {
			enum rk_status st = run_write(rq, &ctx, b, e, o, &err);
			if (st != RK_OK) {
				entry_error(rq, o, st, &err);
			} else {
				access_ctx_reset(api_access(rq));
				if (o->written)
					api_fhir_audit_written(rq, e->def->name, &o->res);
			}
		}
		if (o->status >= 300)
			failed++;
	}
	/* the summary first, then what the entries noted (consent changes and their forms) */
	char noted[sizeof rq->audit.detail];
	memcpy(noted, rq->audit.detail, sizeof noted);
	if (snprintf(rq->audit.detail, sizeof rq->audit.detail, "batch of %zu entries, %zu failed%s%s", b->n, failed,
		     noted[0] ? "; " : "", noted) >= (int)sizeof rq->audit.detail)
		log_event(LOG_DEBUG, "audit.detail_cut", "event", "batch", NULL); /* the entities still name each */
	reply_bundle(rq, b, outs);
}

enum rk_status api_fhir_transaction_run(struct api_request *rq, json_t *doc, struct fhir_result *out, size_t max,
					size_t *failed, struct rk_err *err)
{
	*failed = 0;
	struct fhir_bundle b;
	enum rk_status st = fhir_bundle_parse(doc, max, rq->arena, &b, err);
	if (st != RK_OK)
		return st;
	if (b.type != FHIR_BUNDLE_TRANSACTION)
		return rk_fail(err, RK_INTERNAL, "not a transaction");
	struct entry_out *outs = arena_calloc(rq->arena, b.n ? b.n : 1, sizeof *outs);
	if (!outs)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	ctx.batch = true; /* this function holds the transaction */
	if ((st = store_begin(rq->store, err)) != RK_OK)
		return st;
	for (size_t k = 0; k < b.n; k++) {
		struct fhir_bundle_entry *e = &b.entries[b.order[k]];
		if (e->method == FHIR_BM_GET) {
			st = rk_fail(err, RK_INTERNAL, "a server-built transaction only writes");
		} else {
			rk_err_clear(err);
			st = run_write(rq, &ctx, &b, e, &outs[e->index], err);
		}
		if (st != RK_OK) {
			store_rollback(rq->store);
			*failed = e->index;
			return st;
		}
	}
	if ((st = store_commit(rq->store, err)) != RK_OK)
		return st;
	access_ctx_reset(api_access(rq));
	for (size_t i = 0; i < b.n; i++) {
		if (outs[i].written)
			api_fhir_audit_written(rq, b.entries[i].def->name, &outs[i].res);
		out[i] = outs[i].res;
	}
	return RK_OK;
}

void api_fhir_bundle(struct api_request *rq)
{
	if (!rq->store)
		return api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
	if (!api_fhir_headers_ok(rq, API_FHIR_PREFER_RETURN | API_FHIR_PREFER_HANDLING))
		return;
	for (size_t i = 0; i < rq->n_params; i++)
		if (!str_eq_c(rq->params[i].key, "_format") && !str_eq_c(rq->params[i].key, "_pretty"))
			return api_reply_fail(rq, RK_INVALID,
					      "parameter '%.*s' is not supported on a transaction or batch (it takes "
					      "_format and _pretty)",
					      (int)(rq->params[i].key.len > 64 ? 64 : rq->params[i].key.len),
					      rq->params[i].key.ptr);
	json_t *doc = api_fhir_parse_body(rq);
	if (!doc)
		return;
	if (str_eq_c(rk_json_strv(json_object_get(doc, "type")), "batch"))
		rq->audit.event = "batch"; /* also when the Bundle is refused */
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_bundle b;
	enum rk_status st = fhir_bundle_parse(doc, RK_MAX_BUNDLE_ENTRIES, rq->arena, &b, &err);
	if (st == RK_OK) {
		rq->audit.event = b.type == FHIR_BUNDLE_TRANSACTION ? "transaction" : "batch";
		struct entry_out *outs = arena_calloc(rq->arena, b.n ? b.n : 1, sizeof *outs);
		if (!outs)
			api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		else if (b.type == FHIR_BUNDLE_TRANSACTION)
			run_transaction(rq, &b, outs);
		else
			run_batch(rq, &b, outs);
	} else {
		api_reply_error(rq, st, &err);
	}
}
