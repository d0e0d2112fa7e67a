/* linking_api.c — handlers of patient linking: the candidate queue and the
 * merge / reject / unmerge decisions, reserved to the network operator
 * (運用管理者), each audited with who, which regional IDs and why. */
#include "api/linking_api.h"

#include "api/fhir_rest.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/params.h"
#include "api/session.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/linking.h"

static bool operator_only(struct api_request *rq)
{
	return api_operator_only(rq, "patient linking (candidates, merge, unmerge)");
}

static json_t *jsonstr(struct str s)
{
	return json_stringn(s.ptr ? s.ptr : "", s.len);
}

struct list_ctx {
	struct api_request *rq;
	json_t *arr;
};

static enum rk_status candidate_json(void *arg, const struct linking_candidate *c)
{
	struct list_ctx *lc = arg;
	char created[RK_TIME_RFC3339_LEN], decided[RK_TIME_RFC3339_LEN] = "";
	time_format_rfc3339(c->created_at, created);
	if (c->decided_at)
		time_format_rfc3339(c->decided_at, decided);
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "candidate",
			      jsonstr(c->id), "regional_a", jsonstr(c->regional_a), "regional_b",
			      jsonstr(c->regional_b), "patient_a", jsonstr(c->patient_a), "patient_b",
			      jsonstr(c->patient_b), "score", (json_int_t)c->score, "reasons", jsonstr(c->reasons),
			      "status", jsonstr(c->status), "created", created, "decided", decided, "decided_by",
			      jsonstr(c->decided_by), "note", jsonstr(c->note), "merge", jsonstr(c->merge_id));
	if (!o)
		return RK_TOO_LARGE;
	json_array_append_new(lc->arr, o);
	api_audit_patient(lc->rq, arena_strndup(lc->rq->arena, c->regional_a.ptr, c->regional_a.len));
	api_audit_patient(lc->rq, arena_strndup(lc->rq->arena, c->regional_b.ptr, c->regional_b.len));
	return RK_OK;
}

void api_match_list(struct api_request *rq)
{
	if (!operator_only(rq))
		return;
	const char *status = "pending";
	int64_t count = 50, offset = 0;
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "status")) {
			if (!(str_eq_c(v, "pending") || str_eq_c(v, "merged") || str_eq_c(v, "rejected") ||
			      str_eq_c(v, "unmerged") || str_eq_c(v, "all")))
				return api_reply_fail(rq, RK_INVALID,
						      "status is pending, merged, rejected, unmerged or all");
			status = str_eq_c(v, "all") ? "" : arena_strndup(rq->arena, v.ptr, v.len);
		} else if (str_eq_c(k, "_count")) {
			if (!api_param_count(rq, v, 1, RK_MAX_COUNT, &count))
				return;
		} else if (str_eq_c(k, "_offset")) {
			if (!api_param_offset(rq, v, &offset))
				return;
		} else {
			return api_reply_fail(rq, RK_INVALID, "unknown parameter '%.*s' (status, _count, _offset)",
					      (int)(k.len > 40 ? 40 : k.len), k.ptr);
		}
	}
	struct list_ctx lc = {.rq = rq, .arr = json_array()};
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = linking_candidates(rq->store, status, count, offset, candidate_json, &lc, &err);
	if (rc != RK_OK) {
		json_decref(lc.arr);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200, json_pack("{s:o}", "candidates", lc.arr));
}

static struct fhir_ctx fhir_ctx_of(struct api_request *rq)
{
	struct fhir_ctx ctx = api_fhir_ctx(rq); /* the request's guard decides the link (WK_LINK) */
	ctx.trusted = true;                     /* a merge names the surviving regional ID */
	return ctx;
}

/* Run a decision and answer with what it did; the audit entry names the
 * regional IDs, the moved registrations' new versions, who and why. */
static void decide(struct api_request *rq, const char *what, struct linking_request *lr,
		   enum rk_status (*fn)(struct fhir_ctx *, const struct linking_request *, struct linking_outcome *,
					struct rk_err *))
{
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	lr->account = rq->who.account;
	lr->reason = arena_strdup(rq->arena, api_json_str(body, "reason"));
	if (!lr->from)
		lr->from = arena_strdup(rq->arena, api_json_str(body, "from"));
	if (!lr->into)
		lr->into = arena_strdup(rq->arena, api_json_str(body, "into"));
	struct fhir_ctx ctx = fhir_ctx_of(rq);
	struct linking_outcome out;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = fn(&ctx, lr, &out, &err);
	snprintf(rq->audit.detail, sizeof rq->audit.detail,
		 "patient %s%s%.200s: %s into %s (candidate %s, merge %s): %.400s", what,
		 rc == RK_OK ? "" : " refused: ", rc == RK_OK ? "" : err.msg, out.from[0] ? out.from : "-",
		 out.into[0] ? out.into : "-", out.candidate_id[0] ? out.candidate_id : "-",
		 out.merge_id[0] ? out.merge_id : "-", lr->reason ? lr->reason : "");
	if (out.from[0])
		api_audit_patient(rq, arena_strdup(rq->arena, out.from));
	if (out.into[0])
		api_audit_patient(rq, arena_strdup(rq->arena, out.into));
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	json_t *regs = json_array();
	for (size_t i = 0; i < out.n; i++) {
		json_array_append_new(regs, json_pack("{s:o, s:I}", "patient", jsonstr(out.patients[i]), "version",
						      (json_int_t)out.versions[i]));
		api_audit_entity(rq, STR_LIT("Patient"), out.patients[i], out.versions[i], NULL,
				 strcmp(what, "unmerge") == 0 ? out.from : out.into);
	}
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "action", what, "from", out.from, "into", out.into,
				"candidate", out.candidate_id, "merge", out.merge_id, "registrations", regs));
}

void api_match_merge(struct api_request *rq)
{
	if (!operator_only(rq))
		return;
	struct linking_request lr = {.candidate_id = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len),
				     .from = ""};
	decide(rq, "merge", &lr, linking_merge);
}

void api_match_reject(struct api_request *rq)
{
	if (!operator_only(rq))
		return;
	struct linking_request lr = {.candidate_id = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len)};
	decide(rq, "reject", &lr, linking_reject);
}

void api_link_merge(struct api_request *rq)
{
	if (!operator_only(rq))
		return;
	struct linking_request lr = {0};
	decide(rq, "merge", &lr, linking_merge);
}

void api_link_unmerge(struct api_request *rq)
{
	if (!operator_only(rq))
		return;
	struct linking_request lr = {.patient_id = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len)};
	decide(rq, "unmerge", &lr, linking_unmerge);
}
