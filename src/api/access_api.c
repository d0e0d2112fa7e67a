/* access_api.c — break-the-glass, the audit search and the patient access
 * report (disaster mode: disaster_api.c; finding a patient: emergency_search.c). */
#include "api/access_api.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "access/standby_session.h"
#include "api/fhir_rest.h"
#include "api/params.h"
#include "api/session.h"
#include "audit/query.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/rand.h"
#include "core/time.h"
#include "fhir/render.h"
#include "fhir/validate.h"
#include "model/regional_id.h"

#define FHIR_JSON "application/fhir+json; charset=utf-8"

static bool staff_only(struct api_request *rq)
{
	if (rq->who.kind == PRINCIPAL_STAFF)
		return true;
	api_reply_fail(rq, RK_FORBIDDEN, "only a logged-in member of staff can do this");
	return false;
}

static bool role_in(struct api_request *rq, const enum role *roles, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (rq->who.role == roles[i])
			return true;
	api_reply_fail(rq, RK_FORBIDDEN, "%s is reserved to other roles than %s", what, role_info(rq->who.role)->ja);
	return false;
}

/* A patient named by "Patient/<id>" or a regional ID → its regional ID. */
static enum rk_status patient_regional(struct api_request *rq, const char *ref, const char **out, struct rk_err *err)
{
	struct str r = str_c(ref);
	if (regional_id_valid(r)) {
		enum rk_status rc = store_regional_exists(rq->store, r, err);
		if (rc == RK_OK)
			*out = arena_strdup(rq->arena, ref);
		return rc == RK_NOT_FOUND ? rk_fail(err, RK_NOT_FOUND, "patient %s is not known", ref) : rc;
	}
	if (str_starts_with(r, "Patient/")) {
		struct str id = {r.ptr + 8, r.len - 8};
		if (fhir_id_valid(id)) {
			const char *regional = "";
			enum rk_status rc = access_regional_of(api_access(rq), id, &regional, err);
			if (rc != RK_OK)
				return rc;
			if (regional[0]) {
				*out = regional;
				return RK_OK;
			}
		}
	}
	return rk_fail(err, RK_NOT_FOUND, "patient '%.80s' is not known (give Patient/<id> or a regional patient ID)",
		       ref);
}

/* ---- break-the-glass ------------------------------------------------------ */

/* 意識障害, 生命の危険, 救急搬送, 災害, 同意能力なし, その他 */
static const char *const reason_codes[] = {"unconscious", "life_threatening", "emergency_transport",
					   "disaster",    "cannot_consent",   "other"};

void api_emergency_start(struct api_request *rq)
{
	if (!staff_only(rq))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	const char *reason = api_json_str(body, "reason_code"), *text = api_json_str(body, "reason_text");
	bool reason_ok = false;
	for (size_t i = 0; i < sizeof reason_codes / sizeof reason_codes[0]; i++)
		reason_ok |= strcmp(reason, reason_codes[i]) == 0;
	enum rk_status st = RK_OK;
	const char *regional = NULL;
	if (!access_emergency_eligible(rq->who.role, rq->who.facility_kind))
		st = rk_fail_code(&err, RK_FORBIDDEN, "not_eligible",
				  "break-the-glass is for physicians and nurses of participating hospitals");
	else if (!reason_ok)
		st = rk_fail_code(
			&err, RK_INVALID, "reason_code",
			"reason_code must be unconscious, life_threatening, emergency_transport, disaster, cannot_consent or"
			" other");
	else if (strlen(text) < 4)
		st = rk_fail_code(&err, RK_INVALID, "reason_text", "say in reason_text why the record is needed");
	else if (strlen(text) > 1000)
		st = rk_fail_code(&err, RK_INVALID, "reason_text", "reason_text is longer than 1,000 bytes");
	/* Fresh re-authentication: password and one-time code in this request, or
	 * an explicit POST /api/reauth within auth.reauth; either opens one
	 * episode (it is used up in the episode's transaction below). */
	const char *pw = api_json_str(body, "password");
	if (st == RK_OK && pw[0])
		st = auth_reauth(rq->store, rq->env->cfg, &rq->who, pw, api_json_str(body, "code"), rq->client_addr,
				 rq->now, NULL, &err);
	else if (st == RK_OK && (rq->who.reauth_at == 0 || rq->now - rq->who.reauth_at > rq->env->cfg->reauth_ms))
		st = rk_fail_code(
			&err, RK_FORBIDDEN, "reauth_required",
			"break-the-glass needs a fresh re-authentication: send password and code, or POST /api/reauth first");
	if (st == RK_OK)
		st = patient_regional(rq, api_json_str(body, "patient"), &regional, &err);
	char id[RAND_ID_LEN + 1];
	rand_id(id);
	int64_t expires = rq->now + rq->env->cfg->emergency_duration_ms;
	bool in_tx = false, standby = st == RK_OK && standby_sessions_on();
	if (standby && (st = auth_reauth_consume(rq->store, rq->env->cfg, &rq->who, rq->now, &err)) == RK_OK) {
		/* a read-only standby (docs/STANDBY.md): the episode in its memory, its
		 * audit entry in the spool its record, an episode for review at import */
		struct standby_episode e = {.started_at = rq->now, .expires_at = expires};
		snprintf(e.id, sizeof e.id, "%s", id);
		snprintf(e.account, sizeof e.account, "%s", rq->who.account);
		snprintf(e.regional, sizeof e.regional, "%s", regional);
		standby_episode_add(&e);
	}
	if (st == RK_OK && !standby && (st = store_begin(rq->store, &err)) == RK_OK) {
		in_tx = true;
		st = auth_reauth_consume(rq->store, rq->env->cfg, &rq->who, rq->now, &err);
	}
	if (st == RK_OK && !standby) {
		struct store_stmt *stmt;
		st = store_prepare(
			rq->store,
			"INSERT INTO emergency_episode (episode_id, account_id, facility_code, regional_id, reason_code,"
			" reason_text, started_at, expires_at, ended_at, review_status, review_due, reviewed_by, reviewed_at,"
			" review_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'pending', ?, '', 0, '')",
			&stmt, &err);
		if (st == RK_OK) {
			const char *v[] = {id, rq->who.account, rq->who.facility, regional, reason, text};
			for (int i = 0; i < 6; i++)
				store_bind_text(stmt, i + 1, str_c(v[i]));
			store_bind_i64(stmt, 7, rq->now);
			store_bind_i64(stmt, 8, expires);
			store_bind_i64(stmt, 9, rq->now + rq->env->cfg->emergency_review_ms);
			st = store_run(stmt, &err);
			store_done(stmt);
		}
	}
	if (in_tx && st == RK_OK)
		st = store_commit(rq->store, &err);
	else if (in_tx)
		store_rollback(rq->store);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	rq->audit.purpose = "ETREAT";
	rq->audit.grant_ref = arena_strdup(rq->arena, id);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "break-the-glass %s: %s: %s", id, reason, text);
	api_audit_patient(rq, regional);
	char until[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(expires, until);
	api_reply_obj(
		rq, 201,
		json_pack(
			"{s:s, s:s, s:s, s:s, s:s}", "episode", id, "patient", regional, "expires", until,
			"reason_code", reason, "notice",
			"緊急時閲覧を開始しました。すべての閲覧は記録され、開示施設の個人情報管理責任者が事後に確認します。"));
}

static json_t *episode_json(struct store_stmt *st)
{
	char a[RK_TIME_RFC3339_LEN], b[RK_TIME_RFC3339_LEN], c[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(store_col_i64(st, 6), a);
	time_format_rfc3339(store_col_i64(st, 7), b);
	time_format_rfc3339(store_col_i64(st, 10), c);
	char cols[14][1100];
	for (int i = 0; i < 14; i++)
		str_copy(cols[i], sizeof cols[i], store_col_text(st, i));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "episode", cols[0],
			 "account", cols[1], "facility", cols[2], "patient", cols[3], "reason_code", cols[4],
			 "reason_text", cols[5], "started", a, "expires", b, "ended", store_col_i64(st, 8) != 0,
			 "review_status", cols[9], "review_due", c, "reviewed_by", cols[11], "review_note", cols[13]);
}

#define EPISODE_COLS                                                                                            \
	"episode_id, account_id, facility_code, regional_id, reason_code, reason_text, started_at, expires_at," \
	" ended_at, review_status, review_due, reviewed_by, reviewed_at, review_note"

static void list_episodes(struct api_request *rq, const char *sql, const char *const *text, int n_text,
			  int64_t now_bind)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(rq->store, sql, &st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	for (int i = 0; i < n_text; i++)
		store_bind_text(st, i + 1, str_c(text[i]));
	if (now_bind)
		store_bind_i64(st, n_text + 1, now_bind);
	json_t *arr = json_array();
	bool row = false;
	while ((rc = store_step(st, &row, &err)) == RK_OK && row) {
		json_array_append_new(arr, episode_json(st));
		api_audit_patient(rq, arena_strndup(rq->arena, store_col_text(st, 3).ptr, store_col_text(st, 3).len));
	}
	store_done(st);
	if (rc != RK_OK) {
		json_decref(arr);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200, json_pack("{s:o}", "episodes", arr));
}

void api_emergency_list(struct api_request *rq)
{
	const char *args[] = {rq->who.account};
	list_episodes(rq,
		      "SELECT " EPISODE_COLS " FROM emergency_episode WHERE account_id = ? AND ended_at = 0"
		      " AND expires_at > ? ORDER BY started_at DESC",
		      args, 1, rq->now);
}

void api_emergency_end(struct api_request *rq)
{
	if (!staff_only(rq))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(rq->store,
			      "UPDATE emergency_episode SET ended_at = ? WHERE episode_id = ? AND ended_at = 0"
			      " AND (account_id = ? OR CAST(? AS TEXT) = 'operator')",
			      &st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	store_bind_i64(st, 1, rq->now);
	store_bind_text(st, 2, rq->args[0]);
	store_bind_text(st, 3, str_c(rq->who.account));
	store_bind_text(st, 4, str_c(role_info(rq->who.role)->code));
	rc = store_run(st, &err);
	int64_t changed = store_changes(st);
	store_done(st);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (changed != 1)
		return api_reply_fail(rq, RK_NOT_FOUND, "no active episode of yours with that id");
	rq->audit.grant_ref = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len);
	rq->status = 204;
	rq->content_type = NULL;
}

void api_emergency_review_list(struct api_request *rq)
{
	static const enum role reviewers[] = {ROLE_FACILITY_ADMIN, ROLE_OPERATOR};
	if (!staff_only(rq) || !role_in(rq, reviewers, 2, "reviewing emergency access"))
		return;
	if (rq->who.role == ROLE_OPERATOR) {
		list_episodes(rq,
			      "SELECT " EPISODE_COLS " FROM emergency_episode ORDER BY review_status = 'pending' DESC,"
			      " review_due, started_at",
			      NULL, 0, 0);
		return;
	}
	/* A facility's privacy officer reviews the episodes that opened its
	 * patients' records to another facility: the disclosing side judges, never
	 * the accessing facility itself (its own staff's episodes are not its
	 * review tasks, even for a patient it has too). */
	const char *args[] = {rq->who.facility, rq->who.facility};
	list_episodes(rq,
		      "SELECT " EPISODE_COLS " FROM emergency_episode e WHERE e.facility_code <> ? AND EXISTS"
		      " (SELECT 1 FROM patient_link l WHERE l.regional_id = e.regional_id AND l.facility_code = ?)"
		      " ORDER BY review_status = 'pending' DESC, review_due, started_at",
		      args, 2, 0);
}

void api_emergency_review(struct api_request *rq)
{
	static const enum role reviewers[] = {ROLE_FACILITY_ADMIN, ROLE_OPERATOR};
	if (!staff_only(rq) || !role_in(rq, reviewers, 2, "reviewing emergency access"))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	const char *status = api_json_str(body, "status"), *note = api_json_str(body, "note");
	if (strcmp(status, "appropriate") != 0 && strcmp(status, "inappropriate") != 0)
		return api_reply_fail(rq, RK_INVALID, "status must be appropriate or inappropriate");
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		rq->store,
		"UPDATE emergency_episode SET review_status = ?, review_note = ?, reviewed_by = ?, reviewed_at = ?"
		" WHERE episode_id = ? AND (CAST(? AS TEXT) = 'operator' OR (facility_code <> ? AND EXISTS (SELECT 1"
		" FROM patient_link l WHERE l.regional_id = emergency_episode.regional_id AND l.facility_code = ?)))",
		&st, &err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, str_c(status));
		store_bind_text(st, 2, str_c(note));
		store_bind_text(st, 3, str_c(rq->who.account));
		store_bind_i64(st, 4, rq->now);
		store_bind_text(st, 5, rq->args[0]);
		store_bind_text(st, 6, str_c(role_info(rq->who.role)->code));
		store_bind_text(st, 7, str_c(rq->who.facility));
		store_bind_text(st, 8, str_c(rq->who.facility));
		rc = store_run(st, &err);
		int64_t changed = store_changes(st);
		store_done(st);
		if (rc == RK_OK && changed != 1)
			rc = rk_fail(&err, RK_NOT_FOUND, "no episode with that id that you may review");
	}
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "review: %s", status); /* before the body is freed */
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	rq->audit.grant_ref = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len);
	rq->status = 204;
	rq->content_type = NULL;
}

/* ---- the audit log for auditors, and the patient access report ------------- */

struct audit_page {
	struct api_request *rq;
	struct buf entries;
	int n;
};

static enum rk_status audit_entry_row(void *ctx, const struct audit_row *r)
{
	struct audit_page *pg = ctx;
	buf_puts(&pg->entries, pg->n++ ? ",{" : "{");
	buf_printf(&pg->entries, "\"fullUrl\":\"%s/AuditEvent/%lld\",\"resource\":", pg->rq->env->cfg->fhir_base_url,
		   (long long)r->seq);
	enum rk_status rc =
		audit_render(&pg->entries, r, pg->rq->env->cfg->region_id_system, pg->rq->env->cfg->region_name);
	buf_puts(&pg->entries, ",\"search\":{\"mode\":\"match\"}}");
	return rc;
}

static void audit_bundle(struct api_request *rq, const struct audit_filter *f, const char *self_path, const char *query)
{
	struct audit_page pg = {.rq = rq};
	buf_init(&pg.entries, RK_MAX_RESPONSE);
	struct rk_err err;
	rk_err_clear(&err);
	int64_t total = 0;
	enum rk_status rc = audit_search(rq->store, f, audit_entry_row, &pg, &total, &err);
	if (rc == RK_OK) {
		struct fhir_page page = {.kind = "searchset",
					 .self_path = self_path,
					 .query = query,
					 .offset = f->offset,
					 .count = f->count,
					 .total = total};
		rq->status = 200;
		rq->content_type = FHIR_JSON;
		buf_reset(&rq->out);
		rc = fhir_render_bundle(&rq->out, rq->env->cfg->fhir_base_url, &page, buf_str(&pg.entries), rq->now);
	}
	buf_free(&pg.entries);
	if (rc != RK_OK)
		api_reply_error(rq, rc, &err);
}

void api_audit_search(struct api_request *rq)
{
	static const enum role auditors[] = {ROLE_OPERATOR, ROLE_FACILITY_ADMIN};
	if (!staff_only(rq) || !role_in(rq, auditors, 2, "reading the audit log") || !api_fhir_headers_ok(rq, 0))
		return;
	struct audit_filter f = {.from = RK_TIME_MIN_MS, .to = RK_TIME_MAX_MS, .outcome = -1, .count = 50};
	struct buf canon;
	buf_init(&canon, RK_MAX_URL);
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		const char *val = arena_strndup(rq->arena, v.ptr, v.len);
		if (str_eq_c(k, "date")) {
			if (!api_param_date(rq, v, &f.from, &f.to))
				goto out;
		} else if (str_eq_c(k, "agent")) {
			f.account = val;
		} else if (str_eq_c(k, "facility")) {
			f.facility = val;
		} else if (str_eq_c(k, "patient")) {
			const char *regional = NULL;
			struct rk_err err;
			rk_err_clear(&err);
			if (patient_regional(rq, val, &regional, &err) != RK_OK) {
				api_reply_error(rq, err.status, &err);
				goto out;
			}
			f.patient = regional;
		} else if (str_eq_c(k, "subtype") || str_eq_c(k, "event")) {
			f.event = val;
		} else if (str_eq_c(k, "action")) {
			f.action = val;
		} else if (str_eq_c(k, "grant")) {
			f.grant = val;
		} else if (str_eq_c(k, "outcome")) {
			int64_t o;
			if (!str_to_i64(v, 0, 12, &o)) {
				api_reply_fail(rq, RK_INVALID, "outcome is 0, 4, 8 or 12");
				goto out;
			}
			f.outcome = (int)o;
		} else if (str_eq_c(k, "_count")) {
			if (!api_param_count(rq, v, 1, RK_MAX_COUNT, &f.count))
				goto out;
			continue;
		} else if (str_eq_c(k, "_offset")) {
			if (!api_param_offset(rq, v, &f.offset))
				goto out;
			continue;
		} else {
			api_reply_fail(rq, RK_INVALID,
				       "unknown AuditEvent search parameter '%.*s' (date, agent, facility, patient,"
				       " event, action, outcome, grant)",
				       (int)(k.len > 40 ? 40 : k.len), k.ptr);
			goto out;
		}
		if (canon.len)
			buf_putc(&canon, '&');
		buf_put_urlenc(&canon, k);
		buf_putc(&canon, '=');
		buf_put_urlenc(&canon, v);
	}
	/* A facility's administrator audits the accesses of its own staff. */
	if (rq->who.role == ROLE_FACILITY_ADMIN)
		f.facility = rq->who.facility;
	buf_printf(&canon, "%s_count=%lld", canon.len ? "&" : "", (long long)f.count);
	audit_bundle(rq, &f, "AuditEvent", buf_cstr(&canon));
out:
	buf_free(&canon);
}

void api_audit_read(struct api_request *rq)
{
	static const enum role auditors[] = {ROLE_OPERATOR, ROLE_FACILITY_ADMIN};
	if (!staff_only(rq) || !role_in(rq, auditors, 2, "reading the audit log") || !api_fhir_headers_ok(rq, 0))
		return;
	struct audit_filter f = {.from = RK_TIME_MIN_MS, .to = RK_TIME_MAX_MS, .outcome = -1, .count = 1};
	if (!str_to_i64(rq->args[0], 1, INT64_MAX, &f.seq))
		return api_reply_fail(rq, RK_NOT_FOUND, "no such audit entry");
	if (rq->who.role == ROLE_FACILITY_ADMIN)
		f.facility = rq->who.facility;
	struct audit_page pg = {.rq = rq};
	buf_init(&pg.entries, 1u << 24);
	struct rk_err err;
	rk_err_clear(&err);
	int64_t total = 0;
	struct buf one;
	buf_init(&one, 1u << 24);
	enum rk_status rc = audit_search(rq->store, &f, audit_entry_row, &pg, &total, &err);
	if (rc == RK_OK && total == 0)
		rc = rk_fail(&err, RK_NOT_FOUND, "no such audit entry");
	if (rc == RK_OK) {
		/* the entry's resource is between "resource": and ,"search" */
		const char *s = strstr(buf_cstr(&pg.entries), "\"resource\":");
		const char *e = s ? strstr(s, ",\"search\":{\"mode\"") : NULL;
		if (s && e)
			api_reply_json(rq, 200, (struct str){s + 11, (size_t)(e - s - 11)});
	}
	buf_free(&one);
	buf_free(&pg.entries);
	if (rc != RK_OK)
		api_reply_error(rq, rc, &err);
}

void api_access_report(struct api_request *rq)
{
	if (!staff_only(rq) || !api_fhir_headers_ok(rq, 0))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct str id = rq->args[0];
	const char *regional = "";
	if (!api_param_id(rq, "Patient", id))
		return;
	enum rk_status rc = access_regional_of(api_access(rq), id, &regional, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	/* Staff of a facility the patient is registered with and the operator may
	 * produce it. */
	const struct access_patient *p = NULL;
	bool allowed = false;
	if (regional[0] && (rc = access_patient(api_access(rq), regional, &p, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (p) {
		struct access_decision d = access_decide(&rq->access.ap, p, "", CAT_CONSENT, NULL, rq->now);
		allowed = d.permit && (rq->who.role == ROLE_OPERATOR || rq->who.facility[0]);
	}
	if (!allowed)
		return api_reply_fail(rq, RK_NOT_FOUND, "Patient/%.*s is not known", (int)(id.len > 64 ? 64 : id.len),
				      id.ptr);
	api_audit_patient(rq, regional);
	/* In full for the network operator, who prints it for the patient; a
	 * facility's staff see their own facility's accesses only (not which
	 * doctor of which other facility looked at what). */
	struct audit_filter f = {.from = RK_TIME_MIN_MS,
				 .to = RK_TIME_MAX_MS,
				 .outcome = -1,
				 .patient = regional,
				 .facility = rq->who.role == ROLE_OPERATOR ? NULL : rq->who.facility,
				 .count = 200};
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "_count") && !api_param_count(rq, v, 1, RK_MAX_COUNT, &f.count))
			return;
		if (str_eq_c(k, "_offset") && !api_param_offset(rq, v, &f.offset))
			return;
	}
	char *self = arena_printf(rq->arena, "Patient/%.*s/$access-report", STR_FMT(id));
	char *q = arena_printf(rq->arena, "_count=%lld", (long long)f.count);
	audit_bundle(rq, &f, self ? self : "Patient", q ? q : "");
}
