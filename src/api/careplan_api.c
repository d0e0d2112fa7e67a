/* careplan_api.c — ケアプラン over HTTP (see careplan_api.h). */
#include "api/careplan_api.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "api/fhir_bundle.h"
#include "api/session.h"
#include "collab/careplan.h"
#include "collab/careplan_store.h"
#include "collab/collab.h"
#include "core/json.h"
#include "core/time.h"
#include "fhir/validate.h"
#include "model/category.h"

#define MAX_IMPORT_FILES 8

/* Staff whose role reads the collaboration data; else the reply is set. */
static bool plan_staff(struct api_request *rq)
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

static struct str param(const struct api_request *rq, const char *key)
{
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, key))
			return rq->params[i].value;
	return STR_NULL;
}

/* The person of ?patient=Patient/<id> when the principal may read the team's
 * records about them (a current member of their team under 包括同意, or the
 * registering facility itself); else the reply (a missing patient's) is set. */
static bool plan_patient(struct api_request *rq, const char **pid, const char **regional)
{
	struct str ref = param(rq, "patient");
	struct str id = str_starts_with(ref, "Patient/") ? (struct str){ref.ptr + 8, ref.len - 8} : ref;
	if (!id.len || !fhir_id_valid(id)) {
		api_reply_fail(rq, RK_INVALID, "patient: Patient/<id> of the person whose care plan this is");
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	struct access_decision d = {0};
	*regional = NULL;
	enum rk_status rc = store_resource_head(rq->store, "Patient", id, rq->arena, &r, &err);
	if (rc == RK_OK && !r.deleted)
		rc = access_check(api_access(rq), STR_LIT("CarePlan"), r.source_facility, id, &d, regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	if (!d.permit || !*regional || !(*regional)[0]) {
		api_reply_fail(rq, RK_NOT_FOUND, "Patient/%.*s is not known", (int)(id.len > 64 ? 64 : id.len), id.ptr);
		return false;
	}
	*pid = arena_strndup(rq->arena, id.ptr, id.len);
	return *pid != NULL;
}

/* The person's current care plan the principal may see: the newest active
 * CarePlan of these plans about any of their registrations (found false
 * when none). Audited when found. */
struct current {
	bool found;
	const char *id, *facility;
	int64_t version, last_updated;
	json_t *body; /* the request's */
	struct access_decision d;
};

static enum rk_status current_plan(struct api_request *rq, const char *regional, struct current *cur,
				   struct rk_err *err)
{
	memset(cur, 0, sizeof *cur);
	struct careplan_stored *rows;
	size_t n;
	enum rk_status rc = careplan_list(rq->store, regional, rq->arena, &rows, &n, err);
	if (rc != RK_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct access_decision d;
		const char *reg = "";
		if ((rc = access_check(api_access(rq), STR_LIT("CarePlan"), str_c(rows[i].facility),
				       str_c(rows[i].patient), &d, &reg, err)) != RK_OK)
			return rc;
		if (!d.permit)
			continue;
		json_t *body = api_own_json(rq, json_loads(rows[i].body, 0, NULL));
		const char *status = json_string_value(json_object_get(body, "status"));
		struct cp_plan probe;
		struct rk_err ignored;
		rk_err_clear(&ignored);
		if (!body || !status || strcmp(status, "active") != 0 || !careplan_is_kyotaku(body) ||
		    careplan_from_fhir(body, rq->arena, &probe, &ignored) != RK_OK)
			continue; /* not a plan of these tables (written some other way through /fhir) */
		*cur = (struct current){true, rows[i].id, rows[i].facility, rows[i].version, rows[i].last_updated,
					body};
		api_audit_entity(rq, STR_LIT("CarePlan"), str_c(rows[i].id), rows[i].version, &d, reg);
		return RK_OK;
	}
	return RK_OK;
}

void api_careplan_get(struct api_request *rq)
{
	if (!plan_staff(rq))
		return;
	const char *pid, *regional;
	if (!plan_patient(rq, &pid, &regional))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct current cur;
	enum rk_status rc = current_plan(rq, regional, &cur, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	api_audit_patient(rq, regional);
	bool may_write = rq->who.role == ROLE_CARE_MANAGER;
	if (!cur.found)
		return api_reply_obj(rq, 200,
				     json_pack("{s:s, s:n, s:n, s:b}", "regionalId", regional, "careplan", "plan",
					       "mayEdit", may_write));
	/* ?version=N: an earlier version of the same plan (its history) */
	struct str vp = param(rq, "version");
	int64_t want = cur.version;
	if (vp.len && !str_to_i64(vp, 1, cur.version, &want))
		return api_reply_fail(rq, RK_INVALID, "version: 1 から %lld までの版の番号", (long long)cur.version);
	json_t *versions = json_array(), *shown = cur.body;
	int64_t shown_at = cur.last_updated;
	for (int64_t v = cur.version; v >= 1 && v > cur.version - CAREPLAN_MAX_LISTED; v--) {
		struct store_resource old;
		if (v == cur.version) {
			old.last_updated = cur.last_updated;
		} else if ((rc = store_resource_vread(rq->store, "CarePlan", str_c(cur.id), v, rq->arena, &old,
						      &err)) != RK_OK) {
			if (rc == RK_NOT_FOUND)
				continue;
			json_decref(versions);
			return api_reply_error(rq, rc, &err);
		}
		char at[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(old.last_updated, at);
		json_array_append_new(versions, json_pack("{s:I, s:s}", "version", (json_int_t)v, "lastUpdated", at));
		if (v == want && v != cur.version) {
			shown = api_own_json(rq, json_loadb(old.body.ptr, old.body.len, 0, NULL));
			shown_at = old.last_updated;
		}
	}
	if (!shown) {
		json_decref(versions);
		return api_reply_fail(rq, RK_INTERNAL, "CarePlan/%s version %lld is not JSON", cur.id, (long long)want);
	}
	if (want != cur.version)
		api_audit_entity(rq, STR_LIT("CarePlan"), str_c(cur.id), want, &cur.d, regional);
	struct cp_plan plan;
	if ((rc = careplan_from_fhir(shown, rq->arena, &plan, &err)) != RK_OK) {
		json_decref(versions);
		return api_reply_error(rq, rc, &err);
	}
	char t[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(shown_at, t);
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:b, s:I, s:o}", "regionalId", regional, "careplan",
			      arena_printf(rq->arena, "CarePlan/%s", cur.id), "version", (json_int_t)want,
			      "latestVersion", (json_int_t)cur.version, "lastUpdated", t, "facility", cur.facility,
			      "plan", careplan_to_json(&plan), "mayEdit", may_write && want == cur.version,
			      "weekBlocks", (json_int_t)cp_week_blocks(&plan), "versions", versions);
	api_reply_obj(rq, 200, o);
}

/* Save the plan (checked) as one transaction; replies. */
static void save(struct api_request *rq, const char *pid, const char *regional, struct cp_plan *plan)
{
	struct rk_err err;
	rk_err_clear(&err);
	if (rq->who.role != ROLE_CARE_MANAGER)
		return api_reply_fail(
			rq, RK_FORBIDDEN,
			"ケアプランを保存できるのはケアマネジャーです（the care plan is written by the care "
			"manager; the role %s reads it）",
			role_info(rq->who.role)->ja);
	enum rk_status rc = cp_check(plan, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	struct current cur;
	if ((rc = current_plan(rq, regional, &cur, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	bool ours = cur.found && strcmp(cur.facility, rq->who.facility) == 0;
	const char *practitioner = "";
	if ((rc = collab_practitioner_of(rq->store, rq->who.account, rq->arena, &practitioner, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	char now[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(rq->now, now);
	char *patient = arena_printf(rq->arena, "Patient/%s", pid);
	char *sender = practitioner[0] ? arena_printf(rq->arena, "Practitioner/%s", practitioner) : NULL;
	char *display = arena_printf(rq->arena, "%s（%s・%s）", rq->who.name, role_info(rq->who.role)->ja,
				     rq->who.facility_name);
	char *replaces = cur.found && !ours ? arena_printf(rq->arena, "CarePlan/%s", cur.id) : NULL;
	char *summary = careplan_summary(plan, !cur.found, rq->arena);
	if (!patient || !display || !summary)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	json_t *old_goals = ours ? careplan_goal_refs(cur.body) : json_array();
	json_t *doc = api_own_json(rq, careplan_bundle(plan, patient, ours ? cur.id : NULL, replaces, old_goals, sender,
						       display, now, summary));
	json_decref(old_goals);
	if (!doc)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	size_t k;
	json_t *e;
	json_array_foreach(json_object_get(doc, "entry"), k, e)
	{ /* a new version of the version read: a save in between is not overwritten */
		json_t *req = json_object_get(e, "request");
		if (ours && strcmp(json_string_value(json_object_get(req, "method")), "PUT") == 0)
			json_object_set_new(req, "ifMatch", json_sprintf("W/\"%lld\"", (long long)cur.version));
	}
	struct fhir_result *res;
	size_t n;
	if ((rc = api_fhir_run_transaction(rq, doc, &res, &n, &err)) == RK_PRECONDITION)
		return api_reply_fail(rq, RK_CONFLICT,
				      "ほかの人が先にこのケアプランを保存しました。読み込み直してから保存してください "
				      "(the plan changed meanwhile)");
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	/* the plan is the entry after the goals; the post the last */
	json_t *entries = json_object_get(doc, "entry");
	const char *plan_id = "", *post_id = "";
	int64_t version = 0;
	for (size_t i = 0; i < n; i++) {
		const char *type = json_string_value(
			json_object_get(json_object_get(json_array_get(entries, i), "resource"), "resourceType"));
		if (type && strcmp(type, "CarePlan") == 0) {
			plan_id = arena_strndup(rq->arena, res[i].id.ptr, res[i].id.len);
			version = res[i].version;
		} else if (type && strcmp(type, "Communication") == 0) {
			post_id = arena_strndup(rq->arena, res[i].id.ptr, res[i].id.len);
		}
	}
	api_reply_obj(rq, cur.found && ours ? 200 : 201,
		      json_pack("{s:s, s:I, s:s, s:s, s:I, s:I}", "careplan",
				arena_printf(rq->arena, "CarePlan/%s", plan_id), "version", (json_int_t)version,
				"communication", arena_printf(rq->arena, "Communication/%s", post_id), "summary",
				summary, "needs", (json_int_t)plan->n[CP_T2], "weekBlocks",
				(json_int_t)cp_week_blocks(plan)));
}

void api_careplan_save(struct api_request *rq)
{
	if (!plan_staff(rq))
		return;
	const char *pid, *regional;
	if (!plan_patient(rq, &pid, &regional))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct cp_plan plan;
	enum rk_status rc = careplan_from_json(json_object_get(body, "plan"), rq->arena, &plan, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	save(rq, pid, regional, &plan);
}

void api_careplan_import(struct api_request *rq)
{
	if (!plan_staff(rq))
		return;
	const char *pid, *regional;
	if (!plan_patient(rq, &pid, &regional))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	json_t *files = json_object_get(body, "files");
	if (!json_is_array(files) || !json_array_size(files) || json_array_size(files) > MAX_IMPORT_FILES)
		return api_reply_fail(rq, RK_INVALID,
				      "files: 1 to %d CSV files [{\"name\": \"CPLAN1_….CSV\", \"data\": base64}]",
				      MAX_IMPORT_FILES);
	struct cp_plan plan;
	memset(&plan, 0, sizeof plan);
	plan.quoting = CP_QUOTE_ALL;
	struct rk_err err;
	rk_err_clear(&err);
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));
		char shown[72];
		if (name)
			cp_clip(shown, sizeof shown, name);
		const char *data = json_string_value(json_object_get(f, "data"));
		enum cp_table t;
		if (!name || !data)
			return api_reply_fail(rq, RK_INVALID, "files[%zu]: name and data (base64) of a CSV file", i);
		if (!cp_table_of_name(name, &t))
			return api_reply_fail(
				rq, RK_INVALID,
				"%s: どの表のファイルか分かりません（ファイル名は CPLAN1_（第1表）、CPLAN2_"
				"（第2表）、CPLAN3_（第3表）で始まります）",
				shown);
		size_t dl = strlen(data), cap = dl / 4 * 3 + 3, len = 0;
		if (dl > (size_t)CP_MAX_FILE / 3 * 4 + 8)
			return api_reply_fail(rq, RK_TOO_LARGE, "%s: ファイルが大きすぎます（上限 %d バイト）", shown,
					      CP_MAX_FILE);
		unsigned char *bin = arena_alloc(rq->arena, cap);
		if (!bin)
			return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
		if (sodium_base642bin(bin, cap, data, dl, "\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			return api_reply_fail(rq, RK_INVALID, "files[%zu].data: base64 of the file's bytes", i);
		enum rk_status rc = cp_read(t, name, bin, len, rq->arena, &plan, &err);
		if (rc != RK_OK)
			return api_reply_error(rq, rc, &err);
	}
	if (!plan.has_t1)
		return api_reply_fail(rq, RK_INVALID, "第1表（CPLAN1_）のファイルがありません");
	save(rq, pid, regional, &plan);
}

void api_careplan_export(struct api_request *rq)
{
	if (!plan_staff(rq))
		return;
	const char *pid, *regional;
	if (!plan_patient(rq, &pid, &regional))
		return;
	struct str tp = param(rq, "table");
	if (tp.len != 1 || tp.ptr[0] < '1' || tp.ptr[0] > '3')
		return api_reply_fail(rq, RK_INVALID, "table: 1, 2 or 3 (第1表, 第2表, 第3表)");
	enum cp_table t = (enum cp_table)(tp.ptr[0] - '1');
	struct rk_err err;
	rk_err_clear(&err);
	struct current cur;
	enum rk_status rc = current_plan(rq, regional, &cur, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (!cur.found)
		return api_reply_fail(rq, RK_NOT_FOUND, "この方のケアプランはまだありません");
	struct cp_plan plan;
	if ((rc = careplan_from_fhir(cur.body, rq->arena, &plan, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	buf_reset(&rq->out);
	if ((rc = cp_write(&plan, t, &rq->out, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	int64_t y;
	unsigned m, d;
	time_civil_from_days((rq->now + 9 * 3600000LL) / 86400000LL, &y, &m, &d);
	int64_t sec = (rq->now + 9 * 3600000LL) / 1000 % 86400;
	char ym[8], stamp[48];
	const char *created = plan.t1.v[cp_column_index(CP_T1, "created")];
	snprintf(ym, sizeof ym, "%.6s", strlen(created) == 8 ? created : "000000");
	snprintf(stamp, sizeof stamp, "%04lld%02u%02u%02lld%02lld%02lld", (long long)y, m, d, (long long)(sec / 3600),
		 (long long)(sec / 60 % 60), (long long)(sec % 60));
	const char *from = plan.t1.v[cp_column_index(CP_T1, "officeCode")];
	char *name = cp_file_name(t, ym, from, NULL, stamp, rq->arena);
	api_audit_patient(rq, regional);
	rq->status = 200;
	rq->content_type = "text/csv; charset=Shift_JIS";
	api_set_header(rq, "Content-Disposition", arena_printf(rq->arena, "attachment; filename=\"%s\"", name));
}
