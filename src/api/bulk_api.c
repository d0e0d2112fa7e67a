/* bulk_api.c — the HTTP side of FHIR Bulk Data $export (bulk/bulk.h). A
 * kick-off needs `Prefer: respond-async` and answers 202 with
 * Content-Location (the status URL); the status answers 202 with X-Progress
 * and Retry-After while it runs, then 200 with the manifest; files and
 * status are the starter's only (another principal gets the 404 of an
 * unknown export); DELETE cancels. */
#include "api/bulk_api.h"

#include <stdio.h>
#include <string.h>

#include "bulk/bulk.h"
#include "core/time.h"
#include "fhir/render.h"

static bool need_store(struct api_request *rq)
{
	if (rq->store)
		return true;
	api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
	return false;
}

/* The kick-off URL as received (the manifest's "request"). */
static const char *request_url(struct api_request *rq)
{
	struct buf b;
	buf_init(&b, 8192);
	buf_puts(&b, rq->env->cfg->fhir_base_url);
	struct str p = rq->path;
	if (str_starts_with(p, "/fhir"))
		p = (struct str){p.ptr + 5, p.len - 5};
	buf_put_str(&b, p);
	for (size_t i = 0; i < rq->n_params; i++) {
		buf_putc(&b, i ? '&' : '?');
		buf_put_urlenc(&b, rq->params[i].key);
		buf_putc(&b, '=');
		buf_put_urlenc(&b, rq->params[i].value);
	}
	const char *s = arena_strdup(rq->arena, buf_cstr(&b));
	buf_free(&b);
	return s ? s : "";
}

static bool prefers_async(struct api_request *rq)
{
	struct str v = api_header(rq, "Prefer"), item;
	while (str_next(&v, ',', &item))
		if (str_eq_nocase(str_trim(item), "respond-async"))
			return true;
	return false;
}

static void kick_off(struct api_request *rq, enum bulk_level level, struct str group)
{
	if (!need_store(rq))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct bulk_request r;
	/* who may export comes first: a refusal says nothing of the parameters */
	if (bulk_export_parse(level, group, NULL, 0, &r, &err) != RK_OK || bulk_export_may(&rq->who, &r, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	if (!prefers_async(rq))
		return api_reply_fail(
			rq, RK_INVALID,
			"$export is asynchronous: send the header 'Prefer: respond-async' (FHIR Bulk Data)");
	struct str accept = api_header(rq, "Accept");
	if (accept.len && !str_contains(accept, "application/fhir+json") && !str_contains(accept, "application/json") &&
	    !str_contains(accept, "*/*"))
		return api_reply_fail(rq, RK_NOT_ACCEPTABLE, "$export answers application/fhir+json (Accept)");
	if (bulk_export_parse(level, group, rq->params, rq->n_params, &r, &err) != RK_OK ||
	    bulk_export_may(&rq->who, &r, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	if (level == BULK_GROUP) {
		struct store_facility fac;
		enum rk_status rc = store_facility_get(rq->store, group, rq->arena, &fac, &err);
		if (rc == RK_NOT_FOUND)
			return api_reply_fail(rq, RK_NOT_FOUND,
					      "Group/%.*s is not known: a Group is a participating facility's "
					      "registered patients, named by its 10-digit facility code",
					      (int)(group.len > 64 ? 64 : group.len), group.ptr);
		if (rc != RK_OK)
			return api_reply_error(rq, rc, &err);
	}
	char id[BULK_ID_LEN + 1];
	if (bulk_export_start(rq->store, &rq->who, &r, request_url(rq), rq->now, id, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	char *loc = arena_printf(rq->arena, "%s/$export-status/%s", rq->env->cfg->fhir_base_url, id);
	api_set_header(rq, "Content-Location", loc ? loc : "");
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "bulk export %s queued (%s level%s%s, %zu types)", id,
		 level == BULK_SYSTEM    ? "system"
		 : level == BULK_PATIENT ? "patient"
					 : "group",
		 level == BULK_GROUP ? " " : "", level == BULK_GROUP ? r.group : "", r.n_types);
	rq->status = 202;
}

void api_bulk_export_system(struct api_request *rq)
{
	kick_off(rq, BULK_SYSTEM, STR_NULL);
}

void api_bulk_export_patient(struct api_request *rq)
{
	kick_off(rq, BULK_PATIENT, STR_NULL);
}

void api_bulk_export_group(struct api_request *rq)
{
	kick_off(rq, BULK_GROUP, rq->args[0]);
}

/* The export of the route's {id}, as the caller may see it; false after replying. */
static bool state_of(struct api_request *rq, struct bulk_state *st)
{
	if (!need_store(rq))
		return false;
	char owner[RK_MAX_ACCOUNT_ID + 16];
	bulk_owner_key(&rq->who, owner, sizeof owner);
	struct rk_err err;
	rk_err_clear(&err);
	if (bulk_export_get(rq->store, rq->args[0], owner, rq->arena, st, &err) == RK_OK)
		return true;
	api_reply_error(rq, err.status, &err);
	return false;
}

void api_bulk_status(struct api_request *rq)
{
	struct bulk_state st;
	if (!state_of(rq, &st))
		return;
	if (str_eq_c(st.status, "queued") || str_eq_c(st.status, "running")) {
		char *p = arena_printf(rq->arena, "%.*s", (int)(st.progress.len > 200 ? 200 : st.progress.len),
				       st.progress.ptr);
		api_set_header(rq, "X-Progress", p ? p : "running");
		api_set_header(rq, "Retry-After", "1");
		rq->status = 202;
		return;
	}
	if (str_eq_c(st.status, "failed")) /* why is in the server's log and the audit entry, not for the client */
		return api_reply_fail(rq, RK_INTERNAL, "export %.*s failed; start it again (the server's log says why)",
				      STR_FMT(st.id));
	struct rk_err err;
	rk_err_clear(&err);
	struct str manifest;
	if (bulk_export_manifest(&st, rq->env->cfg->fhir_base_url, rq->arena, &manifest, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	char expires[32];
	fhir_http_date(st.expires_at, expires);
	api_set_header(rq, "Expires", expires);
	api_reply_json(rq, 200, manifest);
	rq->content_type = "application/json";
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "bulk export %.*s: manifest", STR_FMT(st.id));
}

void api_bulk_cancel(struct api_request *rq)
{
	if (!need_store(rq))
		return;
	char owner[RK_MAX_ACCOUNT_ID + 16];
	bulk_owner_key(&rq->who, owner, sizeof owner);
	struct rk_err err;
	rk_err_clear(&err);
	if (bulk_export_cancel(rq->store, rq->env->cfg, rq->args[0], owner, rq->now, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "bulk export %.*s cancelled; its files are deleted",
		 (int)(rq->args[0].len > 64 ? 64 : rq->args[0].len), rq->args[0].ptr);
	rq->status = 202;
}

void api_bulk_file(struct api_request *rq)
{
	struct bulk_state st;
	if (!state_of(rq, &st))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct str body;
	int64_t n = 0;
	if (bulk_export_file(rq->env->cfg, &st, rq->args[1], rq->arena, &body, &n, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	buf_put_str(&rq->out, body);
	rq->content_type = "application/fhir+ndjson";
	rq->status = 200;
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "bulk export %.*s: file %.*s delivered (%lld resources)",
		 STR_FMT(st.id), (int)(rq->args[1].len > 96 ? 96 : rq->args[1].len), rq->args[1].ptr, (long long)n);
}
