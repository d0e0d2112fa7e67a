/* forms_api.c — フェースシート and 訪問記録 over HTTP (see forms_api.h). */
#include "api/forms_api.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "access/decide_write.h"
#include "api/fhir_bundle.h"
#include "api/session.h"
#include "collab/collab.h"
#include "collab/forms.h"
#include "core/json.h"
#include "core/rand.h"
#include "core/time.h"
#include "fhir/validate.h"
#include "model/category.h"

#define MAX_FORM_ROWS 500 /* responses of one person read for a list */
#define ATTACH_URL    "/api/collab/attachments/"
#define MAX_PHOTOS    10

static json_t *ms_json(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char t[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(ms, t);
	return json_string(t);
}

static const char *jtext(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && !rk_json_is_decimal(v) ? json_string_value(v) : "";
}

/* ---- Questionnaire: read-only ---- */

static void reply_fhir(struct api_request *rq, int status, json_t *o)
{
	api_reply_obj(rq, status, o);
	rq->content_type = "application/fhir+json; charset=utf-8";
}

void api_questionnaire_read(struct api_request *rq)
{
	const json_t *q = forms_questionnaire_by_id(rq->args[0]);
	if (!q)
		return api_reply_fail(rq, RK_NOT_FOUND, "Questionnaire/%.*s is not known",
				      (int)(rq->args[0].len > 64 ? 64 : rq->args[0].len), rq->args[0].ptr);
	reply_fhir(rq, 200, json_deep_copy(q));
}

void api_questionnaire_search(struct api_request *rq)
{
	json_t *entries = json_array();
	for (size_t i = 0; i < forms_questionnaire_count(); i++) {
		const json_t *q = forms_questionnaire_at(i);
		bool match = true;
		for (size_t k = 0; k < rq->n_params && match; k++) {
			struct str key = rq->params[k].key, v = rq->params[k].value;
			if (str_eq_c(key, "url"))
				match = forms_questionnaire_by_url(v) == q;
			else if (str_eq_c(key, "_id"))
				match = str_eq(rk_json_strv(json_object_get(q, "id")), v);
			else if (str_eq_c(key, "name"))
				match = str_eq(rk_json_strv(json_object_get(q, "name")), v);
			else if (str_eq_c(key, "status"))
				match = str_eq(rk_json_strv(json_object_get(q, "status")), v);
			else if (!str_eq_c(key, "_format") && !str_eq_c(key, "_pretty") && !str_eq_c(key, "_count")) {
				json_decref(entries);
				return api_reply_fail(
					rq, RK_INVALID,
					"parameter '%.*s' is not supported on Questionnaire (url, _id, name, "
					"status)",
					(int)(key.len > 64 ? 64 : key.len), key.ptr);
			}
		}
		if (match)
			json_array_append_new(entries,
					      json_pack("{s:s+, s:O, s:{s:s}}", "fullUrl", "Questionnaire/",
							jtext(q, "id"), "resource", q, "search", "mode", "match"));
	}
	reply_fhir(rq, 200,
		   json_pack("{s:s, s:s, s:I, s:o}", "resourceType", "Bundle", "type", "searchset", "total",
			     (json_int_t)json_array_size(entries), "entry", entries));
}

/* ---- the person and their responses ---- */

/* Staff whose role reads the collaboration data; else the reply is set. */
static bool forms_staff(struct api_request *rq)
{
	if (!rq->store) {
		api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
		return false;
	}
	if (rq->who.kind != PRINCIPAL_STAFF) {
		api_reply_fail(rq, RK_FORBIDDEN, "only a logged-in member of staff can do this");
		return false;
	}
	if (!access_role_allows(rq->who.role, CAT_COLLAB)) {
		api_reply_fail(rq, RK_FORBIDDEN, "多職種連携 is not open to the role %s", role_info(rq->who.role)->ja);
		return false;
	}
	return true;
}

static struct str param(struct api_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, name))
			return rq->params[i].value;
	return STR_NULL;
}

struct person {
	struct str pid; /* the registration named */
	const char *regional;
};

/* The person of ?patient=Patient/<id> when the principal may read their
 * team's records (else the answer a missing patient gets is set). */
static bool form_patient(struct api_request *rq, struct person *p)
{
	struct str ref = param(rq, "patient");
	struct str id = str_starts_with(ref, "Patient/") ? (struct str){ref.ptr + 8, ref.len - 8} : ref;
	if (!id.len || !fhir_id_valid(id)) {
		api_reply_fail(rq, RK_INVALID, "patient: 利用者の Patient/<id> を指定してください (Patient/<id>)");
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	struct access_decision d = {0};
	p->regional = "";
	enum rk_status rc = store_resource_head(rq->store, "Patient", id, rq->arena, &r, &err);
	if (rc == RK_OK && !r.deleted)
		rc = access_check(api_access(rq), STR_LIT("QuestionnaireResponse"), r.source_facility, id, &d,
				  &p->regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	if (!d.permit || !p->regional || !p->regional[0]) {
		api_reply_fail(rq, RK_NOT_FOUND, "Patient/%.*s is not known", (int)(id.len > 64 ? 64 : id.len), id.ptr);
		return false;
	}
	p->pid = arena_str(rq->arena, id);
	return true;
}

struct form_row {
	const char *id, *source, *patient_id;
	int64_t version, updated;
	json_t *body; /* owned by the request */
};

/* The responses to the form qurl about the person that the principal may
 * see (each audited), newest first. */
static enum rk_status responses(struct api_request *rq, const char *regional, const char *qurl, struct form_row **out,
				size_t *n, struct rk_err *err)
{
	*n = 0;
	*out = arena_calloc(rq->arena, MAX_FORM_ROWS, sizeof **out);
	if (!*out)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(rq->store,
			      "SELECT r.id, r.source_facility, r.patient_id, r.version, r.last_updated, r.body "
			      "FROM patient_link l JOIN resource r ON r.patient_id = l.patient_id "
			      "WHERE l.regional_id = ? AND r.type = 'QuestionnaireResponse' AND r.deleted = 0 "
			      "ORDER BY r.last_updated DESC, r.id LIMIT ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional));
	store_bind_i64(st, 2, MAX_FORM_ROWS);
	bool row = false;
	size_t k = 0;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && k < MAX_FORM_ROWS) {
		struct str body = store_col_text(st, 5);
		struct rk_err jerr;
		json_t *b = api_own_json(rq, rk_json_parse(body, &jerr));
		if (!b)
			continue;
		struct str url = rk_json_strv(json_object_get(b, "questionnaire")), base;
		str_cut(url, '|', &base, &(struct str){0});
		if (!str_eq_c(base.len ? base : url, qurl))
			continue;
		(*out)[k++] = (struct form_row){
			.id = arena_strndup(rq->arena, store_col_text(st, 0).ptr, store_col_text(st, 0).len),
			.source = arena_strndup(rq->arena, store_col_text(st, 1).ptr, store_col_text(st, 1).len),
			.patient_id = arena_strndup(rq->arena, store_col_text(st, 2).ptr, store_col_text(st, 2).len),
			.version = store_col_i64(st, 3),
			.updated = store_col_i64(st, 4),
			.body = b,
		};
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	for (size_t i = 0; i < k; i++) {
		struct form_row *r = &(*out)[i];
		if (!r->id || !r->source || !r->patient_id)
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
		struct access_decision d;
		const char *reg = "";
		if ((rc = access_check(api_access(rq), STR_LIT("QuestionnaireResponse"), str_c(r->source),
				       str_c(r->patient_id), &d, &reg, err)) != RK_OK)
			return rc;
		if (!d.permit)
			continue;
		api_audit_entity(rq, STR_LIT("QuestionnaireResponse"), str_c(r->id), r->version, &d, reg);
		(*out)[(*n)++] = *r;
	}
	return RK_OK;
}

/* "Practitioner/<id>" and the display of the writer. */
static json_t *author_of(struct api_request *rq, struct rk_err *err, enum rk_status *rc)
{
	const char *pr = "";
	*rc = collab_practitioner_of(rq->store, rq->who.account, rq->arena, &pr, err);
	if (*rc != RK_OK)
		return NULL;
	const char *display = arena_printf(rq->arena, "%s（%s・%s）", rq->who.name, role_info(rq->who.role)->ja,
					   rq->who.facility_name);
	json_t *a = json_pack("{s:s}", "display", display ? display : rq->who.name);
	if (pr[0])
		json_object_set_new(a, "reference", json_sprintf("Practitioner/%s", pr));
	return a;
}

static const char *new_id(struct api_request *rq)
{
	char id[RAND_ID_LEN + 1];
	rand_id(id);
	return arena_printf(rq->arena, "%s-%s", rq->who.facility, id); /* access_guard_create_id's form */
}

static const char *uuid(struct api_request *rq)
{
	unsigned char b[16];
	rand_bytes(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return arena_printf(rq->arena, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
			    b[14], b[15]);
}

/* Run entries (a new reference) as one transaction; on failure the reply is set. */
static bool run(struct api_request *rq, json_t *entries, struct fhir_result *out)
{
	json_t *doc = api_own_json(
		rq, json_pack("{s:s, s:s, s:o}", "resourceType", "Bundle", "type", "transaction", "entry", entries));
	struct rk_err err;
	rk_err_clear(&err);
	struct fhir_result *res = NULL;
	size_t n = 0;
	enum rk_status rc = api_fhir_run_transaction(rq, doc, &res, &n, &err);
	if (rc != RK_OK) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	memcpy(out, res, n * sizeof *out);
	return true;
}

static json_t *put_entry(const char *full_url, const char *type, const char *id, json_t *res)
{
	json_t *e = json_pack("{s:o, s:{s:s, s:s+}}", "resource", res, "request", "method", "PUT", "url", type, "/");
	json_t *req = json_object_get(e, "request");
	json_object_set_new(req, "url", json_sprintf("%s/%s", type, id));
	if (full_url)
		json_object_set_new(e, "fullUrl", json_string(full_url));
	return e;
}

/* ---- フェースシート ---- */

static json_t *versions_of(struct api_request *rq, const char *id, struct rk_err *err, enum rk_status *rc)
{
	json_t *list = json_array();
	struct store_resource cur;
	*rc = store_resource_head(rq->store, "QuestionnaireResponse", str_c(id), rq->arena, &cur, err);
	for (int64_t v = *rc == RK_OK ? cur.version : 0; v >= 1 && *rc == RK_OK; v--) {
		struct store_resource r;
		*rc = store_resource_vread(rq->store, "QuestionnaireResponse", str_c(id), v, rq->arena, &r, err);
		if (*rc == RK_NOT_FOUND) {
			*rc = RK_OK;
			continue;
		}
		if (*rc != RK_OK || r.deleted)
			continue;
		struct rk_err jerr;
		json_t *b = rk_json_parse(r.body, &jerr);
		json_array_append_new(list, json_pack("{s:I, s:o, s:s}", "version", (json_int_t)v, "lastUpdated",
						      ms_json(r.last_updated), "author",
						      jtext(json_object_get(b, "author"), "display")));
		json_decref(b);
	}
	return list;
}

void api_collab_facesheet_get(struct api_request *rq)
{
	if (!forms_staff(rq))
		return;
	struct person p;
	if (!form_patient(rq, &p))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct form_row *rows;
	size_t n;
	enum rk_status rc = responses(rq, p.regional, FORMS_FACESHEET_URL, &rows, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	api_audit_patient(rq, p.regional);
	const struct form_row *cur = NULL;
	for (size_t i = 0; i < n && !cur; i++)
		if (strcmp(jtext(rows[i].body, "status"), "entered-in-error") != 0)
			cur = &rows[i];
	json_t *versions = cur ? versions_of(rq, cur->id, &err, &rc) : json_array();
	if (rc != RK_OK) {
		json_decref(versions);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:O, s:o, s:o}", "questionnaire", FORMS_FACESHEET_URL, "current",
				cur ? cur->body : json_null(), "versions", versions, "owner",
				cur ? json_string(cur->source) : json_null()));
}

void api_collab_facesheet_put(struct api_request *rq)
{
	if (!forms_staff(rq))
		return;
	struct person p;
	if (!form_patient(rq, &p))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	json_t *items = json_object_get(body, "item");
	if (!json_is_array(items))
		return api_reply_fail(rq, RK_INVALID, "item: フェースシートの項目の一覧が必要です (a list of items)");
	const char *status = jtext(body, "status")[0] ? jtext(body, "status") : "completed";
	if (strcmp(status, "completed") != 0 && strcmp(status, "in-progress") != 0)
		return api_reply_fail(rq, RK_INVALID, "status: completed（確定）か in-progress（下書き）です");
	json_t *ver = json_object_get(body, "version");
	if (ver && !json_is_integer(ver))
		return api_reply_fail(rq, RK_INVALID, "version: 編集した版の番号（整数）です");
	struct rk_err err;
	rk_err_clear(&err);
	struct form_row *rows;
	size_t n;
	enum rk_status rc = responses(rq, p.regional, FORMS_FACESHEET_URL, &rows, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	const struct form_row *cur = NULL;
	for (size_t i = 0; i < n && !cur; i++)
		if (strcmp(jtext(rows[i].body, "status"), "entered-in-error") != 0)
			cur = &rows[i];
	if (cur && ver && json_integer_value(ver) != cur->version)
		return api_reply_fail(
			rq, RK_CONFLICT,
			"フェースシートは編集中に更新されました（第%lld版 → 第%lld版）: 読み込み直してください "
			"(edited meanwhile)",
			(long long)json_integer_value(ver), (long long)cur->version);
	json_t *author = author_of(rq, &err, &rc);
	if (!author)
		return api_reply_error(rq, rc, &err);
	char now[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(rq->now, now);
	const char *id = cur ? cur->id : new_id(rq);
	const char *subject = cur ? jtext(json_object_get(cur->body, "subject"), "reference")
				  : arena_printf(rq->arena, "Patient/%.*s", STR_FMT(p.pid));
	json_t *qr = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:o, s:O}", "resourceType", "QuestionnaireResponse",
			       "id", id, "questionnaire", FORMS_FACESHEET_URL, "status", cur ? "amended" : status,
			       "subject", "reference", subject, "authored", now, "author", author, "item", items);
	if (strcmp(status, "in-progress") == 0)
		json_object_set_new(qr, "status", json_string("in-progress"));
	struct fhir_result res[1];
	json_t *entries = json_array();
	json_array_append_new(entries, put_entry(NULL, "QuestionnaireResponse", id, qr));
	if (!run(rq, entries, res))
		return;
	api_reply_obj(rq, cur ? 200 : 201,
		      json_pack("{s:s, s:I, s:b}", "id", id, "version", (json_int_t)res[0].version, "created",
				res[0].created));
}

void api_collab_form_diff(struct api_request *rq)
{
	if (!forms_staff(rq))
		return;
	struct str id = rq->args[0];
	struct rk_err err;
	rk_err_clear(&err);
	if (!fhir_id_valid(id))
		return api_reply_fail(rq, RK_INVALID, "'%.*s' is not a valid id", (int)(id.len > 64 ? 64 : id.len),
				      id.ptr);
	struct store_resource cur;
	struct access_decision d = {0};
	const char *regional = "";
	enum rk_status rc = store_resource_head(rq->store, "QuestionnaireResponse", id, rq->arena, &cur, &err);
	if (rc == RK_OK && !cur.deleted)
		rc = access_check(api_access(rq), STR_LIT("QuestionnaireResponse"), cur.source_facility, cur.patient_id,
				  &d, &regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return api_reply_error(rq, rc, &err);
	if (rc == RK_NOT_FOUND || cur.deleted || !d.permit)
		return api_reply_fail(rq, RK_NOT_FOUND, "QuestionnaireResponse/%.*s is not known",
				      (int)(id.len > 64 ? 64 : id.len), id.ptr);
	int64_t to = cur.version, from = cur.version - 1;
	struct str fs = param(rq, "from"), ts = param(rq, "to");
	if ((fs.len && !str_to_i64(fs, 0, cur.version, &from)) || (ts.len && !str_to_i64(ts, 1, cur.version, &to)))
		return api_reply_fail(rq, RK_INVALID, "from, to: 版の番号（0〜%lld）です (versions)",
				      (long long)cur.version);
	if (from >= to)
		return api_reply_fail(rq, RK_INVALID, "from（%lld）は to（%lld）より前の版です (from < to)",
				      (long long)from, (long long)to);
	json_t *bodies[2] = {NULL, NULL};
	int64_t vs[2] = {from, to};
	for (int i = 0; i < 2; i++) {
		if (vs[i] == 0)
			continue; /* version 0: nothing yet */
		struct store_resource r;
		rc = store_resource_vread(rq->store, "QuestionnaireResponse", id, vs[i], rq->arena, &r, &err);
		if (rc == RK_NOT_FOUND)
			return api_reply_fail(rq, RK_NOT_FOUND, "QuestionnaireResponse/%.*s/_history/%lld is not known",
					      STR_FMT(id), (long long)vs[i]);
		if (rc != RK_OK)
			return api_reply_error(rq, rc, &err);
		struct rk_err jerr;
		bodies[i] = api_own_json(rq, r.deleted ? json_object() : rk_json_parse(r.body, &jerr));
	}
	api_audit_entity(rq, STR_LIT("QuestionnaireResponse"), id, cur.version, &d, regional);
	const json_t *q = forms_questionnaire_by_url(rk_json_strv(json_object_get(bodies[1], "questionnaire")));
	if (!q)
		return api_reply_fail(rq, RK_INVALID, "QuestionnaireResponse/%.*s answers no form renkei knows",
				      STR_FMT(id));
	api_reply_obj(rq, 200,
		      json_pack("{s:s+, s:s, s:I, s:I, s:o}", "id", "QuestionnaireResponse/",
				arena_strndup(rq->arena, id.ptr, id.len), "questionnaire", jtext(q, "url"), "from",
				(json_int_t)from, "to", (json_int_t)to, "changes",
				forms_diff(q, bodies[0], bodies[1], rq->arena)));
}

/* ---- 訪問記録 ---- */

static const json_t *q_item(const json_t *items, const char *link)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jtext(it, "linkId"), link) == 0)
			return it;
		const json_t *x = q_item(json_object_get(it, "item"), link);
		if (x)
			return x;
	}
	return NULL;
}

static json_t *answer(const char *link, json_t *value_obj)
{
	return json_pack("{s:s, s:[o]}", "linkId", link, "answer", value_obj);
}

/* The QuestionnaireResponse of a visit record from the request's body
 * (a new reference), or NULL with the reply set. */
static json_t *visit_response(struct api_request *rq, const json_t *body, const char *id, const char *subject,
			      json_t *author)
{
	const json_t *q = forms_questionnaire_by_url(str_c(FORMS_VISIT_URL));
	json_t *items = json_array();
	const char *kind = jtext(body, "kind");
	json_t *coding = json_pack("{s:s}", "code", kind);
	size_t i;
	json_t *opt;
	json_array_foreach(json_object_get(q_item(json_object_get(q, "item"), "kind"), "answerOption"), i, opt)
	{
		if (strcmp(jtext(json_object_get(opt, "valueCoding"), "code"), kind) == 0)
			json_object_set_new(coding, "display",
					    json_string(jtext(json_object_get(opt, "valueCoding"), "display")));
	}
	if (!kind[0]) {
		json_decref(coding);
		json_decref(items);
		json_decref(author);
		api_reply_fail(
			rq, RK_INVALID,
			"kind: 訪問の種別（nurse 訪問看護, therapist 訪問リハビリ, pharmacist 訪問薬剤管理, helper "
			"訪問介護）を指定してください");
		return NULL;
	}
	json_array_append_new(items, answer("kind", json_pack("{s:o}", "valueCoding", coding)));
	static const char *const times[] = {"start", "end"};
	for (int k = 0; k < 2; k++) {
		const char *t = jtext(body, times[k]);
		struct time_range tr;
		if (!t[0] || !time_parse_fhir(str_c(t), TIME_DATETIME, &tr) || strlen(t) < 16 || !strchr(t, 'T')) {
			json_decref(items);
			json_decref(author);
			api_reply_fail(
				rq, RK_INVALID,
				"%s: 訪問%sの日時を 2026-12-07T10:00:00+09:00 の形で指定してください (a dateTime)",
				times[k], k ? "終了" : "開始");
			return NULL;
		}
		json_array_append_new(items, answer(times[k], json_pack("{s:s}", "valueDateTime", t)));
	}
	const json_t *vitals = json_object_get(body, "vitals");
	if (vitals && !json_is_object(vitals)) {
		json_decref(items);
		json_decref(author);
		api_reply_fail(rq, RK_INVALID, "vitals: バイタルサインは {\"temp\": 36.5, …} の形です");
		return NULL;
	}
	json_t *vitems = json_array();
	for (size_t k = 0; k < forms_vitals_len; k++) {
		const struct forms_vital *fv = &forms_vitals[k];
		const json_t *v = json_object_get(vitals, fv->link_id);
		if (!v || json_is_null(v))
			continue;
		double x;
		char buf[24];
		struct str text = rk_json_number_lexeme(v, buf);
		if (!rk_json_number_value(v, &x) || !text.len || (fv->integer && !json_is_integer(v))) {
			json_decref(vitems);
			json_decref(items);
			json_decref(author);
			api_reply_fail(rq, RK_INVALID, "vitals.%s: %sは%sで入力してください (a number)", fv->link_id,
				       fv->label, fv->integer ? "整数" : "数値");
			return NULL;
		}
		json_t *val = fv->integer ? json_integer(json_integer_value(v)) : rk_json_decimal(text);
		json_array_append_new(
			vitems,
			answer(fv->link_id, json_pack("{s:o}", fv->integer ? "valueInteger" : "valueDecimal", val)));
	}
	if (vitals) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)vitals, key, v)
		{
			bool known = false;
			for (size_t k = 0; k < forms_vitals_len; k++)
				known = known || strcmp(forms_vitals[k].link_id, key) == 0;
			if (!known) {
				json_decref(vitems);
				json_decref(items);
				json_decref(author);
				api_reply_fail(
					rq, RK_INVALID,
					"vitals.%.40s: 項目 '%.40s' は訪問記録のバイタルサインにありません (temp, "
					"sbp, dbp, pulse, spo2, resp, weight)",
					key, key);
				return NULL;
			}
		}
	}
	if (json_array_size(vitems))
		json_array_append_new(items, json_pack("{s:s, s:o}", "linkId", "vitals", "item", vitems));
	else
		json_decref(vitems);
	const json_t *notes = json_object_get(body, "notes");
	if (notes && !json_is_null(notes) && (!json_is_string(notes) || rk_json_is_decimal(notes))) {
		json_decref(items);
		json_decref(author);
		api_reply_fail(rq, RK_INVALID, "notes: 記録は文字列です (text)");
		return NULL;
	}
	if (json_is_string(notes) && json_string_length(notes))
		json_array_append_new(items, answer("notes", json_pack("{s:O}", "valueString", notes)));
	const json_t *photos = json_object_get(body, "photos");
	if (photos && (!json_is_array(photos) || json_array_size(photos) > MAX_PHOTOS)) {
		json_decref(items);
		json_decref(author);
		api_reply_fail(rq, RK_INVALID, "photos: 写真は %d 枚までの一覧です", MAX_PHOTOS);
		return NULL;
	}
	json_t *pans = json_array(), *ph;
	json_array_foreach(photos, i, ph)
	{
		const char *url = jtext(ph, "url");
		json_t *att = json_pack("{s:s}", "url", url);
		if (jtext(ph, "contentType")[0])
			json_object_set_new(att, "contentType", json_string(jtext(ph, "contentType")));
		if (jtext(ph, "title")[0])
			json_object_set_new(att, "title", json_string(jtext(ph, "title")));
		json_array_append_new(pans, json_pack("{s:o}", "valueAttachment", att));
	}
	if (json_array_size(pans))
		json_array_append_new(items, json_pack("{s:s, s:o}", "linkId", "photos", "answer", pans));
	else
		json_decref(pans);
	char now[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(rq->now, now);
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:o, s:o}", "resourceType", "QuestionnaireResponse", "id",
			 id, "questionnaire", FORMS_VISIT_URL, "status", "completed", "subject", "reference", subject,
			 "authored", now, "author", author, "item", items);
}

/* Is url a photo of the record being edited (kept as it was)? */
static bool kept_photo(const json_t *old, const char *url)
{
	size_t i;
	json_t *a;
	json_array_foreach(forms_answers(old, "photos"), i,
			   a) if (strcmp(jtext(json_object_get(a, "valueAttachment"), "url"), url) == 0) return true;
	return false;
}

/* Each photo must be an attachment the writer uploaded for this person, or
 * one the edited record (old, NULL for a new one) already has. */
static bool photos_ok(struct api_request *rq, const json_t *body, const char *regional, const json_t *old)
{
	size_t i;
	json_t *ph;
	json_array_foreach(json_object_get(body, "photos"), i, ph)
	{
		const char *url = jtext(ph, "url");
		if (old && kept_photo(old, url))
			continue;
		struct rk_err err;
		rk_err_clear(&err);
		struct collab_attachment a = {0};
		enum rk_status rc = RK_NOT_FOUND;
		if (strncmp(url, ATTACH_URL, strlen(ATTACH_URL)) == 0 && fhir_id_valid(str_c(url + strlen(ATTACH_URL))))
			rc = collab_attachment_get(rq->store, str_c(url + strlen(ATTACH_URL)), false, rq->arena, &a,
						   &err);
		if (rc != RK_OK && rc != RK_NOT_FOUND) {
			api_reply_error(rq, rc, &err);
			return false;
		}
		if (rc == RK_NOT_FOUND || strcmp(a.regional_id, regional) != 0 ||
		    strcmp(a.account, rq->who.account) != 0) {
			api_reply_fail(rq, RK_INVALID,
				       "photos[%zu]: 写真 '%.80s' はこの利用者のために送ったファイルではありません "
				       "(upload it first: POST /api/collab/attachments?patient=…)",
				       i, url);
			return false;
		}
		if (!jtext(ph, "contentType")[0])
			json_object_set_new(ph, "contentType", json_string(a.content_type));
	}
	return true;
}

/* The visit's entries: its response (PUT, fullUrl full), its vital signs
 * (PUT, or DELETE of one no longer recorded) and its post. */
static bool visit_entries(struct api_request *rq, json_t *qr, const char *id, const char *subject, bool edit,
			  json_t *entries, json_t *obs_ids)
{
	const char *full = uuid(rq);
	json_t *author = json_object_get(qr, "author");
	json_array_append_new(entries, put_entry(full, "QuestionnaireResponse", id, json_incref(qr)));
	/* the vital signs become Observations where the writer's role writes them (docs/ACCESS.md) */
	bool extract = access_role_writes(rq->who.role, WK_CLINICAL, CAT_LAB);
	for (size_t k = 0; k < forms_vitals_len; k++) {
		const char *suffix = forms_vital_suffix(k);
		if (!suffix)
			continue; /* with another, in one Observation (the blood pressure panel) */
		const char *oid = arena_printf(rq->arena, "%s-%s", id, suffix);
		json_t *obs = extract ? forms_vital_observation(qr, k, full, subject, author) : NULL;
		if (!obs) {
			struct store_resource old;
			struct rk_err err;
			rk_err_clear(&err);
			if (edit &&
			    store_resource_head(rq->store, "Observation", str_c(oid), rq->arena, &old, &err) == RK_OK &&
			    !old.deleted)
				json_array_append_new(entries, json_pack("{s:{s:s, s:s+}}", "request", "method",
									 "DELETE", "url", "Observation/", oid));
			continue;
		}
		json_object_set_new(obs, "id", json_string(oid));
		json_array_append_new(entries, put_entry(NULL, "Observation", oid, obs));
		json_array_append_new(obs_ids, json_sprintf("Observation/%s", oid));
	}
	/* the summary on the timeline, with the photos (which its readers may then fetch) */
	char now[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(rq->now, now);
	const char *pid = arena_printf(rq->arena, "%s-post", id);
	json_t *payload = json_pack("[{s:s}, {s:{s:s, s:s}}]", "contentString", forms_visit_summary(qr, rq->arena),
				    "contentReference", "reference", full, "display", "訪問記録");
	size_t i;
	json_t *a;
	json_array_foreach(forms_answers(qr, "photos"), i, a) json_array_append_new(
		payload, json_pack("{s:O}", "contentAttachment", json_object_get(a, "valueAttachment")));
	json_t *post = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:[{s:s}], s:O, s:o}", "resourceType", "Communication",
				 "id", pid, "status", "completed", "subject", "reference", subject, "sent", now,
				 "category", "text", "訪問記録", "sender", author, "payload", payload);
	json_array_append_new(entries, put_entry(NULL, "Communication", pid, post));
	(void)edit;
	return true;
}

/* The visit record QuestionnaireResponse/sid (its current version into
 * cur, its body owned by the request) when the principal may see it and it
 * is not withdrawn; else NULL, with the answer a missing record gets set. */
static json_t *load_visit(struct api_request *rq, struct str sid, struct store_resource *cur, const char **regional)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct access_decision d = {0};
	enum rk_status rc = fhir_id_valid(sid)
				    ? store_resource_read(rq->store, "QuestionnaireResponse", sid, rq->arena, cur, &err)
				    : RK_NOT_FOUND;
	if (rc == RK_OK && !cur->deleted)
		rc = access_check(api_access(rq), STR_LIT("QuestionnaireResponse"), cur->source_facility,
				  cur->patient_id, &d, regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return NULL;
	}
	struct rk_err jerr;
	json_t *old =
		rc == RK_OK && d.permit && !cur->deleted ? api_own_json(rq, rk_json_parse(cur->body, &jerr)) : NULL;
	if (!old || !str_eq_c(rk_json_strv(json_object_get(old, "questionnaire")), FORMS_VISIT_URL) ||
	    strcmp(jtext(old, "status"), "entered-in-error") == 0) {
		api_reply_fail(rq, RK_NOT_FOUND, "訪問記録 QuestionnaireResponse/%.*s is not known",
			       (int)(sid.len > 64 ? 64 : sid.len), sid.ptr);
		return NULL;
	}
	api_audit_entity(rq, STR_LIT("QuestionnaireResponse"), sid, cur->version, &d, *regional);
	return old;
}

static void visit_save(struct api_request *rq, bool edit)
{
	if (!forms_staff(rq))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct person p = {0};
	const char *id, *subject;
	struct store_resource cur = {0};
	json_t *old = NULL;
	if (edit) {
		if (!(old = load_visit(rq, rq->args[0], &cur, &p.regional)))
			return;
		id = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len);
		subject = jtext(json_object_get(old, "subject"), "reference");
		p.pid = cur.patient_id;
	} else {
		if (!form_patient(rq, &p))
			return;
		id = new_id(rq);
		subject = arena_printf(rq->arena, "Patient/%.*s", STR_FMT(p.pid));
	}
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	if (!json_is_object(body))
		return api_reply_fail(rq, RK_INVALID, "訪問記録は JSON のオブジェクトです (an object)");
	if (!photos_ok(rq, body, p.regional, old))
		return;
	enum rk_status rc;
	json_t *author = author_of(rq, &err, &rc);
	if (!author)
		return api_reply_error(rq, rc, &err);
	json_t *qr = visit_response(rq, body, id, subject, author);
	if (!qr)
		return;
	api_own_json(rq, qr);
	if ((rc = forms_check(qr, rq->now, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err); /* before anything runs: the form's own message */
	json_t *entries = json_array(), *obs_ids = json_array();
	api_own_json(rq, obs_ids);
	visit_entries(rq, qr, id, subject, edit, entries, obs_ids);
	size_t n = json_array_size(entries);
	struct fhir_result *res = arena_calloc(rq->arena, n ? n : 1, sizeof *res);
	if (!res) {
		json_decref(entries);
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	}
	if (!run(rq, entries, res))
		return;
	api_reply_obj(rq, edit ? 200 : 201,
		      json_pack("{s:s+, s:I, s:O, s:s+, s:s}", "id", "QuestionnaireResponse/", id, "version",
				(json_int_t)res[0].version, "observations", obs_ids, "communication", "Communication/",
				arena_printf(rq->arena, "%s-post", id), "summary", forms_visit_summary(qr, rq->arena)));
}

void api_collab_visit_create(struct api_request *rq)
{
	visit_save(rq, false);
}

void api_collab_visit_update(struct api_request *rq)
{
	visit_save(rq, true);
}

void api_collab_visit_withdraw(struct api_request *rq)
{
	if (!forms_staff(rq))
		return;
	struct store_resource cur = {0};
	const char *regional = "";
	json_t *old = load_visit(rq, rq->args[0], &cur, &regional);
	if (!old)
		return;
	const char *id = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len);
	json_t *qr = json_deep_copy(old), *entries = json_array();
	json_object_set_new(qr, "status", json_string("entered-in-error"));
	json_object_del(qr, "meta");
	json_array_append_new(entries, put_entry(NULL, "QuestionnaireResponse", id, qr));
	/* its vital signs go, and its post on the timeline is withdrawn (every version stays) */
	for (size_t k = 0; k < forms_vitals_len; k++) {
		const char *suffix = forms_vital_suffix(k);
		struct store_resource o;
		struct rk_err err;
		rk_err_clear(&err);
		const char *oid = suffix ? arena_printf(rq->arena, "%s-%s", id, suffix) : NULL;
		if (oid && store_resource_head(rq->store, "Observation", str_c(oid), rq->arena, &o, &err) == RK_OK &&
		    !o.deleted)
			json_array_append_new(entries, json_pack("{s:{s:s, s:s+}}", "request", "method", "DELETE",
								 "url", "Observation/", oid));
	}
	const char *pid = arena_printf(rq->arena, "%s-post", id);
	struct store_resource post;
	struct rk_err err;
	rk_err_clear(&err);
	if (store_resource_read(rq->store, "Communication", str_c(pid), rq->arena, &post, &err) == RK_OK &&
	    !post.deleted) {
		struct rk_err jerr;
		json_t *c = rk_json_parse(post.body, &jerr);
		if (c) {
			json_object_set_new(c, "status", json_string("entered-in-error"));
			json_object_del(c, "meta");
			json_array_append_new(entries, put_entry(NULL, "Communication", pid, c));
		}
	}
	size_t n = json_array_size(entries);
	struct fhir_result *res = arena_calloc(rq->arena, n, sizeof *res);
	if (!res) {
		json_decref(entries);
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	}
	if (!run(rq, entries, res))
		return;
	api_reply_obj(rq, 200,
		      json_pack("{s:s+, s:I, s:b}", "id", "QuestionnaireResponse/", id, "version",
				(json_int_t)res[0].version, "withdrawn", 1));
}

void api_collab_visits_list(struct api_request *rq)
{
	if (!forms_staff(rq))
		return;
	struct person p;
	if (!form_patient(rq, &p))
		return;
	struct str kind = param(rq, "kind");
	struct rk_err err;
	rk_err_clear(&err);
	struct form_row *rows;
	size_t n;
	enum rk_status rc = responses(rq, p.regional, FORMS_VISIT_URL, &rows, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	api_audit_patient(rq, p.regional);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		const json_t *b = rows[i].body;
		if (strcmp(jtext(b, "status"), "entered-in-error") == 0)
			continue;
		const json_t *k = json_object_get(json_array_get(forms_answers(b, "kind"), 0), "valueCoding");
		if (kind.len && !str_eq_c(kind, jtext(k, "code")))
			continue;
		json_t *vitals = json_object();
		for (size_t v = 0; v < forms_vitals_len; v++) {
			const json_t *a = json_array_get(forms_answers(b, forms_vitals[v].link_id), 0);
			if (a)
				json_object_set_new(
					vitals, forms_vitals[v].link_id,
					json_deep_copy(json_object_get(a, forms_vitals[v].integer ? "valueInteger"
												  : "valueDecimal")));
		}
		json_t *photos = json_array();
		size_t j;
		json_t *a;
		json_array_foreach(forms_answers(b, "photos"), j, a)
			json_array_append(photos, json_object_get(a, "valueAttachment"));
		const json_t *notes = json_array_get(forms_answers(b, "notes"), 0);
		json_array_append_new(
			list, json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:s}", "id",
					rows[i].id, "version", (json_int_t)rows[i].version, "kind", jtext(k, "code"),
					"kindJa", jtext(k, "display"), "start",
					jtext(json_array_get(forms_answers(b, "start"), 0), "valueDateTime"), "end",
					jtext(json_array_get(forms_answers(b, "end"), 0), "valueDateTime"), "author",
					jtext(json_object_get(b, "author"), "display"), "facility", rows[i].source,
					"vitals", vitals, "notes", notes ? jtext(notes, "valueString") : "", "photos",
					photos, "lastUpdated", ms_json(rows[i].updated), "summary",
					forms_visit_summary(b, rq->arena)));
	}
	/* newest visit first (by its start, as written: one region, one offset) */
	size_t m = json_array_size(list);
	for (size_t x = 1; x < m; x++)
		for (size_t y = x; y > 0; y--) {
			json_t *u = json_array_get(list, y - 1), *w = json_array_get(list, y);
			if (strcmp(jtext(u, "start"), jtext(w, "start")) >= 0)
				break;
			json_incref(u);
			json_array_set(list, y - 1, w);
			json_array_set_new(list, y, u);
		}
	api_reply_obj(rq, 200, json_pack("{s:s, s:o}", "regionalId", p.regional, "visits", list));
}
