/* collab_api.c — 多職種連携: 担当患者一覧, read receipts (see collab_api.h). */
#include "api/collab_api.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/collab_impl.h"
#include "api/session.h"
#include "collab/attach.h"
#include "collab/collab.h"
#include "collab/events.h"
#include "collab/forms.h"
#include "core/json.h"
#include "core/rand.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/validate.h"
#include "model/category.h"

#define MAX_READ_IDS 200 /* posts marked read by one request (a screen's worth) */

/* Staff whose role reads the collaboration data; else the reply is set. */
bool collab_staff(struct api_request *rq)
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

json_t *jstr_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static json_t *or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

json_t *ms_json(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char t[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(ms, t);
	return json_string(t);
}

/* The name of a Patient: kanji (or the first name) and kana. */
void names_of(const json_t *p, const char **kanji, const char **kana)
{
	*kanji = *kana = "";
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(p, "name"), i, n)
	{
		const char *rep = "";
		size_t k;
		json_t *x;
		json_array_foreach(json_object_get(n, "extension"), k, x)
		{
			if (json_is_string(json_object_get(x, "valueCode")))
				rep = json_string_value(json_object_get(x, "valueCode"));
		}
		const char *text = json_string_value(json_object_get(n, "text"));
		if (!text)
			text = json_string_value(json_object_get(n, "family"));
		if (!text)
			continue;
		if (strcmp(rep, "SYL") == 0) {
			if (!(*kana)[0])
				*kana = text;
		} else if (!(*kanji)[0]) {
			*kanji = text;
		}
	}
}

/* The registrations of the person the principal may see ("Patient/<id>",
 * into regs) and the first of them as a Patient body (owned by the request),
 * or *body NULL when it may see none. */
enum rk_status visible_registrations(struct api_request *rq, const char *regional, const char **pid, json_t **body,
				     json_t *regs_out, struct rk_err *err)
{
	*body = NULL;
	struct collab_registration *regs;
	size_t n;
	enum rk_status rc = collab_registrations(rq->store, regional, rq->arena, &regs, &n, err);
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		struct access_decision d;
		rc = access_check(api_access(rq), STR_LIT("Patient"), str_c(regs[i].facility),
				  str_c(regs[i].patient_id), &d, NULL, err);
		if (rc != RK_OK || !d.permit)
			continue;
		struct store_resource r;
		rc = store_resource_read(rq->store, "Patient", str_c(regs[i].patient_id), rq->arena, &r, err);
		if (rc == RK_NOT_FOUND) {
			rc = RK_OK;
			continue;
		}
		if (rc != RK_OK || r.deleted)
			continue;
		json_array_append_new(regs_out, json_sprintf("Patient/%s", regs[i].patient_id));
		if (*body)
			continue;
		*body = api_own_json(rq, json_loadb(r.body.ptr, r.body.len, 0, NULL));
		if (*body)
			*pid = regs[i].patient_id;
	}
	return rc;
}

struct row {
	json_t *o;
	int64_t overdue, unread, latest, visit;
};

static int by_need(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->overdue != y->overdue)
		return x->overdue > y->overdue ? -1 : 1;
	if (x->unread != y->unread)
		return x->unread > y->unread ? -1 : 1;
	if (x->latest != y->latest)
		return x->latest > y->latest ? -1 : 1;
	return 0;
}

/* Unread, overdue and latest of the posts of one person the principal may
 * see: counted in SQL by source facility and registration, each group kept
 * when the access decision permits its posts. */
static enum rk_status count_posts(struct api_request *rq, const char *regional, const char *me, struct row *row,
				  struct rk_err *err)
{
	struct collab_count *groups;
	size_t n;
	enum rk_status rc =
		collab_counts(rq->store, regional, rq->who.account, me, rq->now, rq->arena, &groups, &n, err);
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		struct access_decision d;
		if ((rc = access_check(api_access(rq), STR_LIT("Communication"), str_c(groups[i].source),
				       str_c(groups[i].patient_id), &d, NULL, err)) != RK_OK ||
		    !d.permit)
			continue;
		row->unread += groups[i].unread;
		row->overdue += groups[i].overdue;
		if (groups[i].latest > row->latest)
			row->latest = groups[i].latest;
	}
	/* the latest 訪問記録 the principal may see */
	struct collab_visit_group *visits;
	size_t nv = 0;
	if (rc == RK_OK)
		rc = collab_latest_visits(rq->store, regional, FORMS_VISIT_URL, rq->arena, &visits, &nv, err);
	for (size_t i = 0; rc == RK_OK && i < nv; i++) {
		struct access_decision d;
		if ((rc = access_check(api_access(rq), STR_LIT("QuestionnaireResponse"), str_c(visits[i].source),
				       str_c(visits[i].patient_id), &d, NULL, err)) == RK_OK &&
		    d.permit && visits[i].latest > row->visit)
			row->visit = visits[i].latest;
	}
	return rc;
}

void api_collab_patients(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct collab_team_patient *teams;
	size_t n;
	const char *practitioner = "", *me = "";
	enum rk_status rc =
		collab_my_patients(rq->store, rq->who.facility, rq->who.account, rq->now, rq->arena, &teams, &n, &err);
	if (rc == RK_OK)
		rc = collab_practitioner_of(rq->store, rq->who.account, rq->arena, &practitioner, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (practitioner[0])
		me = arena_printf(rq->arena, "Practitioner/%s", practitioner);
	struct row *rows = arena_calloc(rq->arena, n + 1, sizeof *rows);
	if (!rows || !me)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *pid = NULL;
		json_t *patient, *regs = json_array();
		if ((rc = visible_registrations(rq, teams[i].regional_id, &pid, &patient, regs, &err)) != RK_OK) {
			json_decref(regs);
			for (size_t j = 0; j < k; j++)
				json_decref(rows[j].o);
			return api_reply_error(rq, rc, &err);
		}
		if (!patient) {
			json_decref(regs);
			continue; /* a team whose patient the principal may not see now (a refusal, no consent) */
		}
		struct row *r = &rows[k];
		if ((rc = count_posts(rq, teams[i].regional_id, me, r, &err)) != RK_OK) {
			json_decref(regs);
			for (size_t j = 0; j < k; j++)
				json_decref(rows[j].o);
			return api_reply_error(rq, rc, &err);
		}
		const char *kanji, *kana;
		names_of(patient, &kanji, &kana);
		r->o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:I, s:I, s:o}", "regionalId",
				 teams[i].regional_id, "patient", arena_printf(rq->arena, "Patient/%s", pid), "name",
				 jstr_or_null(kanji), "kana", jstr_or_null(kana), "birthDate",
				 or_null(json_object_get(patient, "birthDate")), "gender",
				 or_null(json_object_get(patient, "gender")), "careTeam", teams[i].careteam_id,
				 "joined", ms_json(teams[i].joined), "unread", (json_int_t)r->unread, "overdue",
				 (json_int_t)r->overdue, "latest", ms_json(r->latest));
		json_object_set_new(r->o, "latestVisit", ms_json(r->visit));
		json_object_set_new(r->o, "registrations", regs);
		api_audit_patient(rq, teams[i].regional_id);
		k++;
	}
	qsort(rows, k, sizeof *rows, by_need);
	json_t *list = json_array();
	for (size_t i = 0; i < k; i++)
		json_array_append_new(list, rows[i].o);
	api_reply_obj(rq, 200, json_pack("{s:o, s:I}", "patients", list, "total", (json_int_t)k));
}

/* The post Communication/id when the principal may see it (else the answer a
 * missing post gets, set as the reply). */
static bool visible_post(struct api_request *rq, struct str id, struct store_resource *r, const char **regional)
{
	struct rk_err err;
	rk_err_clear(&err);
	if (!fhir_id_valid(id)) {
		api_reply_fail(rq, RK_INVALID, "'%.*s' is not a valid id", (int)(id.len > 64 ? 64 : id.len), id.ptr);
		return false;
	}
	enum rk_status rc = store_resource_head(rq->store, "Communication", id, rq->arena, r, &err);
	struct access_decision d = {0};
	if (rc == RK_OK && !r->deleted)
		rc = access_check(api_access(rq), STR_LIT("Communication"), r->source_facility, r->patient_id, &d,
				  regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	if (rc == RK_NOT_FOUND || r->deleted || !d.permit) {
		api_reply_fail(rq, RK_NOT_FOUND, "Communication/%.*s is not known", (int)(id.len > 64 ? 64 : id.len),
			       id.ptr);
		return false;
	}
	api_audit_entity(rq, STR_LIT("Communication"), id, r->version, &d, *regional);
	return true;
}

void api_collab_read(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	json_t *ids = json_object_get(body, "communication");
	if (!json_is_array(ids) || !json_array_size(ids) || json_array_size(ids) > MAX_READ_IDS)
		return api_reply_fail(rq, RK_INVALID, "communication: a list of 1 to %d post ids", MAX_READ_IDS);
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		if (!json_is_string(v))
			return api_reply_fail(rq, RK_INVALID, "communication[%zu]: a post id (a string)", i);
		struct store_resource r;
		const char *regional = "";
		if (!visible_post(rq, rk_json_strv(v), &r, &regional))
			return; /* nothing is marked: the request's transaction rolls back */
		struct rk_err err;
		rk_err_clear(&err);
		enum rk_status rc =
			collab_mark_read(rq->store, rq->who.account, rk_json_strv(v), r.patient_id, rq->now, &err);
		if (rc != RK_OK)
			return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200, json_pack("{s:I}", "read", (json_int_t)json_array_size(ids)));
}

void api_collab_receipts(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	struct store_resource r;
	const char *regional = "";
	if (!visible_post(rq, rq->args[0], &r, &regional))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct collab_reader *who;
	size_t n;
	enum rk_status rc = collab_readers(rq->store, regional, rq->args[0], rq->now, rq->arena, &who, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	json_t *list = json_array();
	int read = 0;
	for (size_t i = 0; i < n; i++) {
		enum role role;
		role_parse(str_c(who[i].role), &role);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "account", who[i].account,
						      "name", who[i].name, "role", who[i].role, "roleJa",
						      role_info(role)->ja, "facility", who[i].facility, "facilityName",
						      who[i].facility_name, "readAt", ms_json(who[i].read_at)));
		read += who[i].read_at > 0;
	}
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:o, s:i, s:i}", "communication",
				arena_printf(rq->arena, "Communication/%.*s", STR_FMT(rq->args[0])), "readers", list,
				"read", read, "unread", (int)n - read));
}

/* Is the principal a current member of one of the person's teams? */

#define CONTACT_ROLE_SYSTEM "urn:renkei:CodeSystem:contact-role"
#define V2_0131             "http://terminology.hl7.org/CodeSystem/v2-0131"

/* The texts of a RelatedPerson's relationships (続柄 and roles) into out,
 * and whether it is the キーパーソン or the 緊急連絡先. */
static void contact_roles(const json_t *c, json_t *out, bool *key, bool *emergency)
{
	*key = *emergency = false;
	size_t i, k;
	json_t *rel, *coding;
	json_array_foreach(json_object_get(c, "relationship"), i, rel)
	{
		const char *text = json_string_value(json_object_get(rel, "text"));
		json_array_foreach(json_object_get(rel, "coding"), k, coding)
		{
			const char *sys = json_string_value(json_object_get(coding, "system"));
			const char *code = json_string_value(json_object_get(coding, "code"));
			if (sys && code && strcmp(sys, CONTACT_ROLE_SYSTEM) == 0 && strcmp(code, "key-person") == 0)
				*key = true;
			if (sys && code && strcmp(sys, V2_0131) == 0 && strcmp(code, "C") == 0)
				*emergency = true;
			if (!text)
				text = json_string_value(json_object_get(coding, "display"));
		}
		if (text)
			json_array_append_new(out, json_string(text));
	}
}

/* The person's family and other contacts (RelatedPerson) the principal may
 * see, each audited: name, kana, relationships, phone, who listed it. */
static enum rk_status family_contacts(struct api_request *rq, const char *regional, json_t *out, struct rk_err *err)
{
	struct collab_contact *c;
	size_t n;
	enum rk_status rc = collab_contacts(rq->store, regional, rq->arena, &c, &n, err);
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		struct access_decision d;
		if ((rc = access_check(api_access(rq), STR_LIT("RelatedPerson"), str_c(c[i].source),
				       str_c(c[i].patient_id), &d, NULL, err)) != RK_OK)
			break;
		if (!d.permit)
			continue;
		json_t *body = json_loadb(c[i].body.ptr, c[i].body.len, 0, NULL);
		if (!body)
			continue;
		api_audit_entity(rq, STR_LIT("RelatedPerson"), str_c(c[i].id), c[i].version, &d, regional);
		const char *kanji, *kana, *phone = NULL;
		names_of(body, &kanji, &kana);
		size_t k;
		json_t *t;
		json_array_foreach(json_object_get(body, "telecom"), k, t)
		{
			const char *sys = json_string_value(json_object_get(t, "system"));
			if (!phone && sys && strcmp(sys, "phone") == 0)
				phone = json_string_value(json_object_get(t, "value"));
		}
		bool key, emergency;
		json_t *rel = json_array();
		contact_roles(body, rel, &key, &emergency);
		json_array_append_new(
			out, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:s, s:b}", "id", c[i].id, "patient",
				       arena_printf(rq->arena, "Patient/%s", c[i].patient_id), "name",
				       jstr_or_null(kanji), "kana", jstr_or_null(kana), "relationship", rel, "phone",
				       jstr_or_null(phone), "keyPerson", key, "emergency", emergency, "facility",
				       c[i].source, "mine", strcmp(c[i].source, rq->who.facility) == 0));
		json_decref(body);
	}
	return rc;
}

void api_collab_members(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	struct str ref = STR_NULL;
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "patient"))
			ref = rq->params[i].value;
	struct str id = ref;
	if (str_starts_with(ref, "Patient/"))
		id = (struct str){ref.ptr + 8, ref.len - 8};
	if (!id.len || !fhir_id_valid(id))
		return api_reply_fail(rq, RK_INVALID, "patient: Patient/<id> of the person whose team to list");
	struct rk_err err;
	rk_err_clear(&err);
	const char *regional = "";
	bool member = false;
	enum rk_status rc = access_regional_of(api_access(rq), id, &regional, &err);
	if (rc == RK_OK && regional[0])
		rc = collab_on_team(rq->store, rq->who.facility, rq->who.account, regional, rq->now, &member, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return api_reply_error(rq, rc, &err);
	/* the patient must also be one the principal may see now (not after a refusal) */
	struct store_resource r;
	struct access_decision d = {0};
	if (member && (rc = store_resource_head(rq->store, "Patient", id, rq->arena, &r, &err)) == RK_OK && !r.deleted)
		rc = access_check(api_access(rq), STR_LIT("Patient"), r.source_facility, id, &d, NULL, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return api_reply_error(rq, rc, &err);
	if (!member || !d.permit)
		return api_reply_fail(rq, RK_NOT_FOUND, "Patient/%.*s is not known", (int)(id.len > 64 ? 64 : id.len),
				      id.ptr);
	struct collab_member *m;
	size_t n;
	if ((rc = collab_members(rq->store, regional, rq->arena, &m, &n, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	api_audit_patient(rq, regional);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		enum role role;
		bool person = m[i].account[0] && role_parse(str_c(m[i].role), &role);
		bool current = m[i].active && m[i].start <= rq->now && rq->now < m[i].end;
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:b}", "careTeam",
						m[i].careteam_id, "facility", m[i].facility, "facilityName",
						m[i].facility_name, "facilityKind", m[i].facility_kind, "account",
						jstr_or_null(person ? m[i].account : NULL), "name",
						jstr_or_null(person ? m[i].name : NULL), "roleJa",
						jstr_or_null(person ? role_info(role)->ja : NULL), "start",
						ms_json(m[i].start > RK_TIME_MIN_MS ? m[i].start : 0), "end",
						ms_json(m[i].end < RK_TIME_MAX_MS ? m[i].end : 0), "current", current,
						"lead", m[i].lead));
	}
	json_t *contacts = json_array();
	if ((rc = family_contacts(rq, regional, contacts, &err)) != RK_OK) {
		json_decref(list);
		json_decref(contacts);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:o, s:o}", "regionalId", regional, "members", list, "contacts", contacts));
}

/* ---- live updates (Server-Sent Events) ---- */

static long sub_read(void *arg, char *buf, size_t max)
{
	return collab_sub_read(arg, buf, max);
}

static void sub_attach(void *arg, void (*suspend)(void *w), void (*resume)(void *w), void *w)
{
	collab_sub_attach(arg, &(struct collab_transport){suspend, resume, w});
}

static void sub_done(void *arg)
{
	collab_unsubscribe(arg);
}

void api_collab_events(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct collab_team_patient *teams;
	size_t n;
	enum rk_status rc =
		collab_my_patients(rq->store, rq->who.facility, rq->who.account, rq->now, rq->arena, &teams, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	/* the people of my teams I may see now: only they are announced */
	const char **ids = arena_calloc(rq->arena, n + 1, sizeof *ids);
	if (!ids)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct collab_registration *regs;
		size_t nr;
		if ((rc = collab_registrations(rq->store, teams[i].regional_id, rq->arena, &regs, &nr, &err)) != RK_OK)
			return api_reply_error(rq, rc, &err);
		bool visible = false;
		for (size_t j = 0; j < nr && !visible; j++) {
			struct access_decision d;
			if ((rc = access_check(api_access(rq), STR_LIT("Patient"), str_c(regs[j].facility),
					       str_c(regs[j].patient_id), &d, NULL, &err)) != RK_OK)
				return api_reply_error(rq, rc, &err);
			visible = d.permit;
		}
		if (visible) {
			ids[k++] = teams[i].regional_id;
			api_audit_patient(rq, teams[i].regional_id);
		}
	}
	struct collab_sub *sub = collab_subscribe(ids, k, rq->now);
	if (!sub)
		return api_reply_fail(rq, RK_BUSY,
				      "live updates are not running on this server; reload to see new posts");
	rq->stream = (struct api_stream){sub_read, sub_attach, sub_done, sub};
	rq->status = 200;
}

/* ---- attachments: photos, PDFs, short videos ---- */

#define ATTACH_URL "/api/collab/attachments/"

/* The person of ?patient=Patient/<id> when the principal may write the
 * team's posts about them (may read their collaboration data: a member of
 * their team under 包括同意, or the registering facility itself); else the
 * reply (a missing patient's) is set. */
static bool post_patient(struct api_request *rq, const char **regional)
{
	struct str ref = STR_NULL;
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "patient"))
			ref = rq->params[i].value;
	struct str id = str_starts_with(ref, "Patient/") ? (struct str){ref.ptr + 8, ref.len - 8} : ref;
	if (!id.len || !fhir_id_valid(id)) {
		api_reply_fail(rq, RK_INVALID, "patient: Patient/<id> of the person the post is about");
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	struct access_decision d = {0};
	enum rk_status rc = store_resource_head(rq->store, "Patient", id, rq->arena, &r, &err);
	if (rc == RK_OK && !r.deleted)
		rc = access_check(api_access(rq), STR_LIT("Communication"), r.source_facility, id, &d, regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	if (!d.permit || !*regional || !(*regional)[0]) {
		api_reply_fail(rq, RK_NOT_FOUND, "Patient/%.*s is not known", (int)(id.len > 64 ? 64 : id.len), id.ptr);
		return false;
	}
	return true;
}

static char *base64_of(struct arena *a, const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *o = arena_alloc(a, len);
	return o ? sodium_bin2base64(o, len, p, n, sodium_base64_VARIANT_ORIGINAL) : NULL;
}

void api_collab_attachment_upload(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	const char *regional = "";
	if (!post_patient(rq, &regional))
		return;
	struct str title = STR_LIT("");
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "title"))
			title = rq->params[i].value;
	if (title.len > 200 || !str_is_utf8(title))
		return api_reply_fail(rq, RK_INVALID, "title: at most 200 bytes of UTF-8 text");
	struct str ct = api_header(rq, "Content-Type");
	char *type = arena_strndup(rq->arena, ct.ptr ? ct.ptr : "", ct.len);
	struct rk_err err;
	rk_err_clear(&err);
	struct attach_result r;
	enum rk_status rc = attach_check(type, (const unsigned char *)rq->body.ptr, rq->body.len, &r, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	unsigned char sha1[EVP_MAX_MD_SIZE];
	unsigned sha1_len = 0;
	EVP_Digest(r.data, r.len, sha1, &sha1_len, EVP_sha1(), NULL);
	char id[RAND_ID_LEN + 1];
	rand_id(id);
	struct collab_attachment a = {
		.id = id,
		.regional_id = regional,
		.account = rq->who.account,
		.facility = rq->who.facility,
		.content_type = r.content_type,
		.title = arena_strndup(rq->arena, title.ptr ? title.ptr : "", title.len),
		.size = (int64_t)r.len,
		.sha1 = base64_of(rq->arena, sha1, sha1_len),
		.created_at = rq->now,
	};
	char *bytes = base64_of(rq->arena, r.data, r.len);
	char *thumb = r.thumb ? base64_of(rq->arena, r.thumb, r.thumb_len) : "";
	int w = r.width, h = r.height;
	bool has_thumb = r.thumb != NULL;
	attach_result_free(&r);
	if (!bytes || !thumb || !a.sha1 || !a.title)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	a.bytes = str_c(bytes);
	a.thumb = str_c(thumb);
	if ((rc = collab_attachment_put(rq->store, &a, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	api_audit_patient(rq, regional);
	char *url = arena_printf(rq->arena, ATTACH_URL "%s", id);
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "url", url, "contentType", a.content_type, "size",
			      (json_int_t)a.size, "hash", a.sha1, "title", a.title);
	if (has_thumb)
		json_object_set_new(o, "thumbnail", json_sprintf("%s?thumb=1", url));
	if (w) {
		json_object_set_new(o, "width", json_integer(w));
		json_object_set_new(o, "height", json_integer(h));
	}
	api_set_header(rq, "Location", url);
	api_reply_obj(rq, 201, o);
}

void api_collab_attachment_get(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	struct str id = rq->args[0];
	bool thumb = false;
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "thumb"))
			thumb = str_eq_c(rq->params[i].value, "1");
	struct rk_err err;
	rk_err_clear(&err);
	struct collab_attachment a = {0};
	enum rk_status rc =
		fhir_id_valid(id) ? collab_attachment_get(rq->store, id, true, rq->arena, &a, &err) : RK_NOT_FOUND;
	bool may = false;
	if (rc == RK_OK && strcmp(a.account, rq->who.account) == 0) {
		may = true; /* its uploader, before and after the post */
		api_audit_patient(rq, a.regional_id);
	} else if (rc == RK_OK) { /* anyone who may read a record of the person that names it */
		struct collab_record *recs;
		size_t n;
		char *url = arena_printf(rq->arena, ATTACH_URL "%s", a.id);
		rc = url ? collab_attachment_records(rq->store, a.regional_id, url, rq->arena, &recs, &n, &err) : RK_OK;
		for (size_t i = 0; rc == RK_OK && i < n && !may; i++) {
			struct access_decision d;
			const char *reg = "";
			rc = access_check(api_access(rq), str_c(recs[i].type), str_c(recs[i].source),
					  str_c(recs[i].patient_id), &d, &reg, &err);
			if (rc == RK_OK && d.permit) {
				may = true;
				api_audit_entity(rq, str_c(recs[i].type), str_c(recs[i].id), recs[i].version, &d, reg);
			}
		}
	}
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return api_reply_error(rq, rc, &err);
	if (!may || (thumb && !a.thumb.len))
		return api_reply_fail(rq, RK_NOT_FOUND, "attachment %.*s is not known",
				      (int)(id.len > 64 ? 64 : id.len), id.ptr);
	struct str b64 = thumb ? a.thumb : a.bytes;
	size_t cap = b64.len / 4 * 3 + 3, len = 0;
	unsigned char *bin = arena_alloc(rq->arena, cap);
	if (!bin ||
	    sodium_base642bin(bin, cap, b64.ptr, b64.len, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return api_reply_fail(rq, RK_INTERNAL, "attachment %s: stored bytes are not base64", a.id);
	buf_reset(&rq->out);
	if (buf_append(&rq->out, bin, len) != RK_OK)
		return api_reply_fail(rq, RK_TOO_LARGE, "the attachment is too large to send");
	rq->status = 200;
	rq->content_type = thumb ? "image/jpeg" : a.content_type;
	/* shown in the page (images, video) or the browser's PDF viewer; never sniffed as something else */
	api_set_header(rq, "Content-Disposition", "inline");
}
