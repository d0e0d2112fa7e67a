/* summary_api.c — the emergency summary, its PDF and the 救急医療情報シート on
 * the API (see summary_api.h). Thin: parse, gather (emergency/summary.h,
 * through the query engine and the caller's access decision), render. */
#include "api/summary_api.h"

#include <string.h>

#include "api/fhir_rest.h"
#include "api/params.h"
#include "core/json.h"
#include "core/limits.h"
#include "emergency/sheet.h"
#include "emergency/summary.h"
#include "emergency/summary_ips.h"
#include "emergency/summary_pdf.h"

static void audit_served(void *arg, struct str type, struct str id, int64_t version, const struct access_decision *d,
			 const char *regional)
{
	api_audit_entity(arg, type, id, version, d, regional);
}

static struct query_ctx query_of(struct api_request *rq)
{
	return (struct query_ctx){.store = rq->store,
				  .access = api_access(rq),
				  .arena = rq->arena,
				  .scopes = rq->who.kind == PRINCIPAL_SYSTEM ? rq->who.scopes : NULL,
				  .served = audit_served,
				  .served_arg = rq};
}

static bool ready(struct api_request *rq)
{
	if (!rq->store) {
		api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	if (!api_fhir_scope(rq, "Patient", false, &err)) {
		api_reply_error(rq, RK_FORBIDDEN, &err);
		return false;
	}
	return true;
}

/* Only the parameters named in allowed ("a|b"); otherwise a 400 naming it. */
static bool params_only(struct api_request *rq, const char *what, const char *allowed)
{
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, rest = str_c(allowed), one;
		bool ok = false;
		while (!ok && str_next(&rest, '|', &one))
			ok = str_eq(k, one);
		if (!ok) {
			api_reply_fail(rq, RK_INVALID, "%s takes %s, not '%.*s'", what, allowed,
				       (int)(k.len > 64 ? 64 : k.len), k.ptr);
			return false;
		}
	}
	return true;
}

/* Gather, audit a refusal, or answer the error; false when answered. */
static bool gather(struct api_request *rq, struct str id, struct summary *s)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct query_ctx q = query_of(rq);
	enum rk_status st = summary_gather(&q, id, rq->now, s, &err);
	if (st != RK_OK) {
		api_reply_error(rq, st, &err);
		return false;
	}
	if (s->refused) {
		api_audit_patient(rq, s->regional);
		snprintf(rq->audit.detail, sizeof rq->audit.detail,
			 "refused: the patient's refusal covers the caller; only its existence was shown");
	}
	return true;
}

static void reply_pdf(struct api_request *rq, const struct summary_page *pages, size_t n, const char *filename)
{
	struct rk_err err;
	rk_err_clear(&err);
	buf_reset(&rq->out);
	enum rk_status st = summary_pdf(pages, n, &rq->out, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	rq->status = 200;
	rq->content_type = "application/pdf";
	api_set_header(rq, "Content-Disposition", arena_printf(rq->arena, "inline; filename=\"%s\"", filename));
	api_set_header(rq, "Cache-Control", "no-store");
}

static bool wants_pdf(struct api_request *rq)
{
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "_format") &&
		    (str_eq_c(rq->params[i].value, "pdf") || str_eq_c(rq->params[i].value, "application/pdf")))
			return true;
	return false;
}

void api_summary_fhir(struct api_request *rq)
{
	if (!ready(rq) || !params_only(rq, "$summary", "_format"))
		return;
	bool pdf = wants_pdf(rq);
	for (size_t i = 0; i < rq->n_params && !pdf; i++) {
		struct str v = rq->params[i].value;
		if (!str_eq_c(v, "json") && !str_eq_c(v, "application/json") && !str_eq_c(v, "application/fhir+json"))
			return api_reply_fail(rq, RK_NOT_ACCEPTABLE,
					      "_format '%.*s' is not supported; $summary answers JSON or pdf",
					      (int)(v.len > 64 ? 64 : v.len), v.ptr);
	}
	if (!pdf && !api_fhir_headers_ok(rq, 0))
		return;
	struct summary s;
	if (!gather(rq, rq->args[0], &s))
		return;
	if (pdf) {
		struct summary_page p = {.s = &s};
		reply_pdf(rq, &p, 1, "summary.pdf");
		summary_free(&s);
		return;
	}
	json_t *b = summary_ips_bundle(&s, rq->env->cfg->fhir_base_url);
	summary_free(&s);
	if (!b)
		return api_reply_fail(rq, RK_INTERNAL, "the summary could not be rendered");
	struct buf out;
	buf_init(&out, RK_MAX_RESPONSE);
	enum rk_status st = rk_json_dump(b, &out);
	json_decref(b);
	if (st != RK_OK) {
		buf_free(&out);
		return api_reply_fail(rq, RK_TOO_LARGE, "the summary is too large to answer");
	}
	api_reply_json(rq, 200, (struct str){out.data, out.len});
	buf_free(&out);
}

void api_summary_pdf(struct api_request *rq)
{
	if (!ready(rq) || !params_only(rq, "the summary PDF", ""))
		return;
	struct summary s;
	if (!gather(rq, rq->args[0], &s))
		return;
	struct summary_page p = {.s = &s};
	reply_pdf(rq, &p, 1, "summary.pdf");
	summary_free(&s);
}

/* The sheet's page of a gathered summary: its token's URL; the print
 * recorded when record is set. */
static enum rk_status sheet_page(struct api_request *rq, struct summary *s, bool record, struct summary_page *out,
				 struct rk_err *err)
{
	struct sheet_state ss;
	enum rk_status st = sheet_get(rq->store, str_c(s->patient_id), &ss, err);
	if (st != RK_OK)
		return st;
	char hash[65];
	summary_content_hash(s, hash);
	if (record && sheet_stale(&ss, hash))
		st = sheet_printed(rq->store, str_c(s->patient_id), hash, rq->now, err);
	*out = (struct summary_page){.s = s, .qr_url = sheet_url(rq->arena, rq->env->cfg->fhir_base_url, ss.token)};
	return st;
}

void api_summary_sheet(struct api_request *rq)
{
	if (!ready(rq) || !params_only(rq, "the sheet", ""))
		return;
	struct summary s;
	if (!gather(rq, rq->args[0], &s))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct summary_page p;
	enum rk_status st = s.refused ? rk_fail(&err, RK_FORBIDDEN, "the patient refused sharing: no sheet is printed")
				      : sheet_page(rq, &s, true, &p, &err);
	if (st == RK_OK)
		reply_pdf(rq, &p, 1, "sheet.pdf");
	else
		api_reply_error(rq, st, &err);
	summary_free(&s);
}

void api_summary_sheet_status(struct api_request *rq)
{
	if (!ready(rq) || !params_only(rq, "the sheet's status", ""))
		return;
	struct summary s;
	if (!gather(rq, rq->args[0], &s))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct sheet_state ss = {0};
	enum rk_status st = RK_OK;
	if (!s.refused) {
		/* read only: a never printed sheet has no row yet */
		struct store_stmt *q;
		if ((st = store_prepare(
			     rq->store,
			     "SELECT content_hash, generated_at, token FROM emergency_sheet WHERE patient_id = ?", &q,
			     &err)) == RK_OK) {
			store_bind_text(q, 1, str_c(s.patient_id));
			bool row = false;
			if ((st = store_step(q, &row, &err)) == RK_OK && row) {
				struct str h = store_col_text(q, 0), t = store_col_text(q, 2);
				snprintf(ss.content_hash, sizeof ss.content_hash, "%.*s", STR_FMT(h));
				snprintf(ss.token, sizeof ss.token, "%.*s", STR_FMT(t));
				ss.generated_at = store_col_i64(q, 1);
			}
			store_done(q);
		}
	}
	char hash[65];
	summary_content_hash(&s, hash);
	summary_free(&s);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	json_t *o = json_pack("{s:b, s:b, s:s}", "refused", s.refused, "stale", !s.refused && sheet_stale(&ss, hash),
			      "content_hash", hash);
	/* the token of the printed sheet's QR code, for those who may print it */
	json_object_set_new(o, "token", ss.token[0] ? json_string(ss.token) : json_null());
	if (ss.generated_at) {
		char at[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(ss.generated_at, at);
		json_object_set_new(o, "printed_at", json_string(at));
	} else
		json_object_set_new(o, "printed_at", json_null());
	api_reply_obj(rq, 200, o);
}

void api_summary_sheet_resolve(struct api_request *rq)
{
	if (!ready(rq) || !params_only(rq, "a sheet's link", ""))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct str pid;
	enum rk_status st = sheet_resolve(rq->store, rq->args[0], rq->arena, &pid, &err);
	struct fhir_ctx fc = {.store = rq->store, .arena = rq->arena};
	struct store_resource pr;
	struct access_decision d = {0};
	const char *regional = "";
	if (st == RK_OK)
		st = fhir_read(&fc, fhir_resource_find("Patient", 7), pid, &pr, &err);
	if (st == RK_OK)
		st = access_check(api_access(rq), pr.type, pr.source_facility, pr.patient_id, &d, &regional, &err);
	bool episode = false;
	const struct access_ctx *ax = api_access(rq);
	for (size_t i = 0; st == RK_OK && regional && regional[0] && i < ax->n_episodes; i++)
		episode |= ax->episode_patients[i] && strcmp(ax->episode_patients[i], regional) == 0;
	/* The patient the caller may see, or may come to see by breaking the
	 * glass (an eligible role: the sheet is for the emergency team that
	 * found it on the fridge); otherwise it is not there. */
	bool may = st == RK_OK && (d.permit || episode || ax->disaster_id ||
				   access_emergency_eligible(rq->who.role, rq->who.facility_kind));
	/* a sheet of a deleted registration is as unknown as any other */
	if (st == RK_GONE || st == RK_NOT_FOUND || (st == RK_OK && !may) ||
	    (st == RK_OK && rq->who.kind != PRINCIPAL_STAFF && !d.permit)) {
		rk_err_clear(&err); /* not the read's message: it names the patient */
		st = rk_fail(&err, RK_NOT_FOUND, "this sheet is not known");
	}
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	if (regional)
		api_audit_patient(rq, regional);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "sheet link to Patient/%.*s (%s)", STR_FMT(pid),
		 d.permit ? "readable" : "break-the-glass needed");
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:b}", "patient", arena_printf(rq->arena, "Patient/%.*s", STR_FMT(pid)),
				"readable", d.permit));
}

struct batch {
	struct api_request *rq;
	bool only_stale;
	struct summary *sums;
	struct summary_page *pages;
	size_t n;
};

static enum rk_status batch_one(void *arg, struct str patient_id)
{
	struct batch *b = arg;
	struct rk_err err;
	rk_err_clear(&err);
	struct query_ctx q = query_of(b->rq);
	struct summary *s = &b->sums[b->n];
	enum rk_status st = summary_gather(&q, patient_id, b->rq->now, s, &err);
	if (st == RK_NOT_FOUND)
		return RK_OK; /* deleted, or not the caller's to see */
	if (st != RK_OK)
		return st;
	if (s->refused) {
		summary_free(s);
		return RK_OK;
	}
	if (b->only_stale) {
		struct sheet_state ss;
		char hash[65];
		summary_content_hash(s, hash);
		if ((st = sheet_get(b->rq->store, str_c(s->patient_id), &ss, &err)) != RK_OK ||
		    !sheet_stale(&ss, hash)) {
			summary_free(s);
			return st;
		}
	}
	if ((st = sheet_page(b->rq, s, true, &b->pages[b->n], &err)) != RK_OK) {
		summary_free(s);
		return st;
	}
	b->n++;
	return RK_OK;
}

void api_summary_sheets(struct api_request *rq)
{
	if (!ready(rq) || !params_only(rq, "the sheets", "facility|only|_count|_offset"))
		return;
	if (rq->who.kind != PRINCIPAL_STAFF)
		return api_reply_fail(rq, RK_FORBIDDEN, "the sheets are printed by a facility's staff");
	struct str facility = {0};
	int64_t count = 50, offset = 0;
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "facility"))
			facility = v;
		else if (str_eq_c(k, "only") && !str_eq_c(v, "stale"))
			return api_reply_fail(rq, RK_INVALID, "only takes 'stale' (the sheets whose summary changed)");
		else if (str_eq_c(k, "_count") && !api_param_count(rq, v, 1, SHEET_BATCH_MAX, &count))
			return;
		else if (str_eq_c(k, "_offset") && !api_param_offset(rq, v, &offset))
			return;
	}
	bool only_stale = false;
	for (size_t i = 0; i < rq->n_params; i++)
		only_stale |= str_eq_c(rq->params[i].key, "only");
	if (!facility.len)
		return api_reply_fail(rq, RK_INVALID, "facility: the facility code whose patients' sheets to print");
	if (!str_eq_c(facility, rq->who.facility))
		return api_reply_fail(rq, RK_FORBIDDEN, "a facility prints the sheets of its own patients only (%s)",
				      rq->who.facility);
	struct batch b = {.rq = rq,
			  .only_stale = only_stale,
			  .sums = arena_calloc(rq->arena, (size_t)count, sizeof(struct summary)),
			  .pages = arena_calloc(rq->arena, (size_t)count, sizeof(struct summary_page))};
	if (!b.sums || !b.pages)
		return api_reply_fail(rq, RK_TOO_LARGE, "too many sheets at once; use a smaller _count");
	struct rk_err err;
	rk_err_clear(&err);
	char after[128] = "";
	size_t listed = 0;
	enum rk_status st =
		sheet_facility_patients(rq->store, facility, after, offset, count, batch_one, &b, &listed, &err);
	if (st == RK_OK && !b.n)
		st = rk_fail(&err, RK_NOT_FOUND, "no %s of facility %s at this offset",
			     only_stale ? "stale sheet" : "patient to print", rq->who.facility);
	if (st == RK_OK) {
		snprintf(rq->audit.detail, sizeof rq->audit.detail, "%zu sheets of facility %s", b.n, rq->who.facility);
		reply_pdf(rq, b.pages, b.n, "sheets.pdf");
	} else
		api_reply_error(rq, st, &err);
	for (size_t i = 0; i < b.n; i++)
		summary_free(&b.sums[i]);
}
