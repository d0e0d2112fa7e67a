/* ingest_api.c — the network operator's (運用管理者) ingest quarantine over
 * HTTP: list the quarantined messages, read one (its text decoded for
 * display), and replay one through the pipeline on this worker's connection.
 * Each request's audit entry names the patient when the message names one. */
#include "api/ingest_api.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/params.h"
#include "audit/audit.h"
#include "core/limits.h"
#include "core/time.h"
#include "ingest/pipeline.h"
#include "ingest/quarantine.h"

static bool operator_only(struct api_request *rq)
{
	return api_operator_only(rq, "the ingest quarantine (list, read, replay)");
}

static json_t *jsonstr(struct str s)
{
	return json_stringn(s.ptr ? s.ptr : "", s.len);
}

static json_t *time_json(int64_t ms)
{
	if (!ms)
		return json_null();
	char at[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(ms, at);
	return json_string(at);
}

static json_t *entry_json(const struct quarantine_entry *q)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:o}", "id", (json_int_t)q->e.id, "at",
			 time_json(q->e.at), "origin", jsonstr(q->e.origin), "facility", jsonstr(q->e.facility_code),
			 "location", jsonstr(q->e.location), "reason", jsonstr(q->e.reason), "tries",
			 (json_int_t)q->tries, "resolved_at", time_json(q->e.resolved_at));
}

/* The {id} of the route: a positive integer, else a 400 already answered. */
static bool entry_id(struct api_request *rq, int64_t *id)
{
	if (str_to_i64(rq->args[0], 1, INT64_MAX, id))
		return true;
	api_reply_fail(rq, RK_INVALID, "the quarantine entry id must be a positive integer, not '%.*s'",
		       (int)(rq->args[0].len > 40 ? 40 : rq->args[0].len), rq->args[0].ptr);
	return false;
}

static enum rk_status add_entry(void *arg, const struct quarantine_entry *q, struct rk_err *err)
{
	json_t *o = entry_json(q);
	if (!o)
		return rk_fail(err, RK_INTERNAL, "quarantine entry %lld cannot be rendered", (long long)q->e.id);
	json_array_append_new(arg, o);
	return RK_OK;
}

void api_ingest_errors(struct api_request *rq)
{
	if (!operator_only(rq))
		return;
	bool all = false;
	int64_t count = 50, offset = 0;
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "status")) {
			if (!str_eq_c(v, "open") && !str_eq_c(v, "all"))
				return api_reply_fail(rq, RK_INVALID, "status is open or all");
			all = str_eq_c(v, "all");
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
	json_t *arr = json_array();
	int64_t total = 0;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = quarantine_list(rq->store, all, count, offset, add_entry, arr, &total, &err);
	if (rc != RK_OK) {
		json_decref(arr);
		return api_reply_error(rq, rc, &err);
	}
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "ingest quarantine (%s): %zu of %lld entries from %lld",
		 all ? "all" : "open", json_array_size(arr), (long long)total, (long long)offset);
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:I, s:I, s:I, s:o}", "status", all ? "all" : "open", "total", (json_int_t)total,
				"offset", (json_int_t)offset, "count", (json_int_t)count, "entries", arr));
}

/* Whose message it is, for the audit entry: the registration of PID-3 at the
 * entry's facility (or MSH-4's, for a sender unknown when it arrived). */
static void audit_patient_of(struct api_request *rq, const struct quarantine_entry *q, const struct quarantine_text *qt)
{
	if (!qt->parsed || !qt->patient_local.len)
		return;
	struct str facility = q->e.facility_code.len ? q->e.facility_code : qt->sending_facility;
	struct store_patient_link l;
	struct rk_err err;
	rk_err_clear(&err);
	if (store_link_by_local(rq->store, facility, qt->patient_local, rq->arena, &l, &err) == RK_OK &&
	    l.regional_id.len)
		api_audit_patient(rq, arena_strndup(rq->arena, l.regional_id.ptr, l.regional_id.len));
}

void api_ingest_error_read(struct api_request *rq)
{
	int64_t id;
	if (!operator_only(rq) || !entry_id(rq, &id))
		return;
	if (rq->n_params)
		return api_reply_fail(rq, RK_INVALID, "unknown parameter '%.*s' (this read takes none)",
				      (int)(rq->params[0].key.len > 40 ? 40 : rq->params[0].key.len),
				      rq->params[0].key.ptr);
	struct quarantine_entry q;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = quarantine_get(rq->store, id, rq->arena, &q, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	struct quarantine_text qt;
	quarantine_text(q.bytes, rq->arena, &qt);
	audit_patient_of(rq, &q, &qt);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "ingest quarantine entry %lld (%.8s %.300s)", (long long)id,
		 q.e.origin.ptr, q.e.location.ptr);
	json_t *o = entry_json(&q);
	json_object_set_new(o, "size", json_integer((json_int_t)q.bytes.len));
	json_object_set_new(o, "text", jsonstr(qt.text));
	json_object_set_new(o, "hl7", json_boolean(qt.parsed));
	json_object_set_new(o, "truncated", json_boolean(qt.truncated));
	json_object_set_new(o, "note", qt.note ? json_string(qt.note) : json_null());
	json_object_set_new(o, "sending_facility", jsonstr(qt.sending_facility));
	json_object_set_new(o, "patient_local_id", jsonstr(qt.patient_local));
	api_reply_obj(rq, 200, o);
}

void api_ingest_error_replay(struct api_request *rq)
{
	int64_t id;
	if (!operator_only(rq) || !entry_id(rq, &id))
		return;
	if (rq->n_params)
		return api_reply_fail(rq, RK_INVALID, "unknown parameter '%.*s' (a replay takes none)",
				      (int)(rq->params[0].key.len > 40 ? 40 : rq->params[0].key.len),
				      rq->params[0].key.ptr);
	const char *note = "";
	if (rq->body.len) { /* optional {"note": "..."} for the audit entry */
		json_t *body = api_json_body(rq);
		if (!body)
			return;
		note = arena_strdup(rq->arena, api_json_str(body, "note"));
		if (!note)
			note = "";
	}
	struct quarantine_entry q;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = quarantine_get(rq->store, id, rq->arena, &q, &err);
	if (rc == RK_OK && q.e.resolved_at)
		rc = rk_fail(&err, RK_CONFLICT, "quarantined message %lld was already stored by an earlier replay",
			     (long long)id);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	/* One pipeline per request: it holds no connection, only this worker's. */
	struct ingest *ing = NULL;
	if ((rc = ingest_open(rq->store, rq->env->cfg, &ing, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	char actor[RK_MAX_ACTOR];
	snprintf(actor, sizeof actor, "ingest-replay:%s", rq->who.account);
	if (rq->env->audit)
		ingest_set_audit(ing, rq->env->audit, actor);
	struct ingest_report r;
	memset(&r, 0, sizeof r);
	rc = ingest_replay(ing, id, &r, &err);
	ingest_close(ing);
	struct quarantine_text qt;
	quarantine_text(q.bytes, rq->arena, &qt);
	audit_patient_of(rq, &q, &qt); /* after the replay: a new registration is linked now */
	char result[240];
	snprintf(result, sizeof result, "%s%s%.200s", rc != RK_OK ? "failed" : ingest_outcome_name(r.outcome),
		 rc != RK_OK || r.reason[0] ? ": " : "", rc != RK_OK ? err.msg : r.reason);
	snprintf(rq->audit.detail, sizeof rq->audit.detail,
		 "ingest replay of quarantine entry %lld (%.8s %.60s): %.200s%s%.40s", (long long)id, q.e.origin.ptr,
		 q.e.location.ptr, result, note[0] ? "; note: " : "", note);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	/* The entry as it is now (resolved, or its new reason and tries). */
	struct quarantine_entry now;
	rc = quarantine_get(rq->store, id, rq->arena, &now, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	bool resolved = r.outcome != INGEST_QUARANTINED;
	api_reply_obj(rq, 200,
		      json_pack("{s:I, s:s, s:b, s:i, s:s, s:o}", "id", (json_int_t)id, "outcome",
				ingest_outcome_name(r.outcome), "resolved", resolved, "resources", r.resources,
				"reason", r.reason, "entry", entry_json(&now)));
}
