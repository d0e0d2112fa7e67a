/* clinical.c — patient and source facility of clinical records. */
#include "fhir/clinical.h"

#include <stdio.h>
#include <string.h>

#include "collab/forms.h"
#include "core/json.h"
#include "model/category.h"

static const struct {
	const char *type, *element;
} patient_elements[] = {
	{"AllergyIntolerance", "patient"}, {"Immunization", "patient"},   {"NutritionOrder", "patient"},
	{"Coverage", "beneficiary"},       {"Binary", "securityContext"}, {"RelatedPerson", "patient"},
};

const char *clinical_patient_element(const char *type)
{
	for (size_t i = 0; i < sizeof patient_elements / sizeof patient_elements[0]; i++)
		if (strcmp(patient_elements[i].type, type) == 0)
			return patient_elements[i].element;
	enum record_category cat = category_of_type(type, strlen(type));
	return cat == CAT_NONE || cat == CAT_DEMOGRAPHICS || cat == CAT_CONSENT ? NULL : "subject";
}

/* "Type/id" of a reference object; false for anything else. */
static bool ref_parts(const json_t *ref, struct str *type, struct str *id)
{
	json_t *r = json_object_get(ref, "reference");
	if (!json_is_string(r))
		return false;
	struct str rest;
	if (!str_cut(rk_json_strv(r), '/', type, &rest))
		return false;
	str_cut(rest, '/', id, &rest);
	return type->len && id->len;
}

/* The answer to a reference to a missing resource (as resource.c check_ref
 * words it), for everything the writer may not know about. */
static enum rk_status unknown(struct rk_err *err, const char *where, struct str type, struct str id)
{
	return rk_fail_at(err, RK_INVALID, where, "%s: %.*s/%.*s does not exist", where, STR_FMT(type), STR_FMT(id));
}

struct refwalk {
	struct fhir_ctx *ctx;
	struct fhir_write *w;
	struct rk_err *err;
	char where[256];
};

/* Every reference inside the record must stay with its patient: to the same
 * registration, or to a record of that registration. */
static enum rk_status check_refs(struct refwalk *rw, const json_t *v, size_t depth)
{
	if (depth > 64)
		return RK_OK; /* validated before: cannot be deeper */
	if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item)
		{
			enum rk_status rc = check_refs(rw, item, depth + 1);
			if (rc != RK_OK)
				return rc;
		}
		return RK_OK;
	}
	if (!json_is_object(v))
		return RK_OK;
	struct str type, id;
	if (ref_parts(v, &type, &id)) {
		struct fhir_write *w = rw->w;
		char tname[64];
		str_copy(tname, sizeof tname, type);
		if (str_eq_c(type, "Patient")) {
			if (!str_eq(id, w->patient_id))
				return unknown(rw->err, rw->where, type, id);
		} else if (clinical_patient_element(tname) && fhir_resource_find(type.ptr, type.len)) {
			struct store_resource r;
			enum rk_status rc = store_resource_head(rw->ctx->store, tname, id, rw->ctx->arena, &r, rw->err);
			if (rc == RK_NOT_FOUND || (rc == RK_OK && (r.deleted || !str_eq(r.patient_id, w->patient_id))))
				return unknown(rw->err, rw->where, type, id);
			if (rc != RK_OK)
				return rc;
		}
	}
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
	{
		size_t len = strlen(rw->where), klen = strlen(key);
		if (depth == 0) { /* "Type.key", cut to fit like the rest */
			size_t tl = strlen(rw->w->def->name);
			str_copy(rw->where, sizeof rw->where, str_c(rw->w->def->name));
			if (tl + 1 < sizeof rw->where) {
				rw->where[tl] = '.';
				str_copy(rw->where + tl + 1, sizeof rw->where - tl - 1, str_c(key));
			}
		} else if (len + klen + 2 < sizeof rw->where) {
			rw->where[len] = '.';
			memcpy(rw->where + len + 1, key, klen + 1);
		}
		enum rk_status rc = check_refs(rw, val, depth + 1);
		rw->where[len] = '\0';
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* Does sql, with a, b, now and now bound, give a row? */
static enum rk_status exists(struct fhir_ctx *ctx, const char *sql, struct str a, struct str b, bool *out,
			     struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(ctx->store, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, a);
	store_bind_text(st, 2, b);
	store_bind_i64(st, 3, ctx->now);
	store_bind_i64(st, 4, ctx->now);
	rc = store_step(st, out, err);
	store_done(st);
	return rc;
}

/* A post of the care team's timeline names as recipients (mentions) only the
 * current members of the person's teams: a facility, a member of staff of a
 * member facility, or one of the person's care teams. A name without a
 * reference (display only, "@訪問看護") is a role, not a person. */
static enum rk_status recipients_on_team(struct fhir_ctx *ctx, struct fhir_write *w, struct str patient_id,
					 struct rk_err *err)
{
	json_t *list = json_object_get(w->res, "recipient");
	if (!json_array_size(list))
		return RK_OK;
	struct store_patient_link link;
	enum rk_status rc = store_link_by_patient(ctx->store, patient_id, ctx->arena, &link, err);
	if (rc != RK_OK)
		return rc == RK_NOT_FOUND ? RK_OK : rc;
	size_t i;
	json_t *r;
	json_array_foreach(list, i, r)
	{
		struct str type, id;
		if (!json_object_get(r, "reference"))
			continue;
		char where[48];
		snprintf(where, sizeof where, "Communication.recipient[%zu]", i);
		if (!ref_parts(r, &type, &id))
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: Organization/<id>, Practitioner/<id> or CareTeam/<id>", where);
		bool ok = false;
		if (str_eq_c(type, "Organization"))
			rc = exists(
				ctx,
				"SELECT 1 FROM care_team_member m JOIN facility f ON f.facility_code = m.facility_code "
				"WHERE f.org_id = ? AND m.regional_id = ? AND m.active = 1 "
				"AND m.period_start <= ? AND ? < m.period_end",
				id, link.regional_id, &ok, err);
		else if (str_eq_c(type, "Practitioner"))
			rc = exists(
				ctx,
				"SELECT 1 FROM care_team_member m JOIN account a ON a.facility_code = m.facility_code "
				"AND (m.account_id = '' OR m.account_id = a.account_id) WHERE a.practitioner_id = ? "
				"AND m.regional_id = ? AND m.active = 1 AND m.period_start <= ? "
				"AND ? < m.period_end",
				id, link.regional_id, &ok, err);
		else if (str_eq_c(type, "CareTeam"))
			rc = exists(ctx,
				    "SELECT 1 FROM care_team_member m WHERE m.careteam_id = ? AND m.regional_id = ? "
				    "AND m.active = 1 AND m.period_start <= ? AND ? < m.period_end",
				    id, link.regional_id, &ok, err);
		else
			return rk_fail_at(
				err, RK_INVALID, where,
				"%s: a post names the team's members (Organization, Practitioner or CareTeam), "
				"not %.*s",
				where, (int)(type.len > 32 ? 32 : type.len), type.ptr);
		if (rc != RK_OK)
			return rc;
		if (!ok)
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: %.*s/%.*s は この患者さんのケアチームのメンバーではありません "
					  "(a post mentions only the current members of the patient's care team)",
					  where, (int)(type.len > 32 ? 32 : type.len), type.ptr,
					  (int)(id.len > 64 ? 64 : id.len), id.ptr);
	}
	return RK_OK;
}

enum rk_status clinical_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	const char *element = clinical_patient_element(w->def->name);
	if (!element)
		return RK_OK;
	char where[96];
	snprintf(where, sizeof where, "%s.%s", w->def->name, element);
	json_t *ref = json_object_get(w->res, element);
	struct str type, id;
	if (!ref || !ref_parts(ref, &type, &id))
		return rk_fail_at(err, RK_INVALID, where, "%s must name the patient's record (%s)", where,
				  strcmp(element, "securityContext") == 0
					  ? "DocumentReference/<id> or another record of the patient"
					  : "Patient/<id>, the registration at the recording facility");
	bool mine = !ctx->actor_facility || !ctx->actor_facility[0];
	struct str patient, facility;
	if (strcmp(element, "securityContext") == 0) {
		/* A Binary belongs to the record it is the content of. */
		char tname[64];
		str_copy(tname, sizeof tname, type);
		if (!clinical_patient_element(tname) || !fhir_resource_find(type.ptr, type.len) ||
		    str_eq_c(type, "Binary"))
			return rk_fail_at(err, RK_INVALID, where,
					  "%s must name a clinical record of the patient (e.g. DocumentReference/<id>)",
					  where);
		struct store_resource r;
		enum rk_status rc = store_resource_head(ctx->store, tname, id, ctx->arena, &r, err);
		if (rc == RK_NOT_FOUND || (rc == RK_OK && r.deleted))
			return unknown(err, where, type, id);
		if (rc != RK_OK)
			return rc;
		patient = r.patient_id;
		facility = r.source_facility;
	} else {
		if (!str_eq_c(type, "Patient"))
			return rk_fail_at(err, RK_INVALID, where, "%s must reference a Patient (Patient/<id>)", where);
		struct store_patient_link link;
		enum rk_status rc = store_link_by_patient(ctx->store, id, ctx->arena, &link, err);
		if (rc == RK_NOT_FOUND)
			return unknown(err, where, type, id);
		if (rc != RK_OK)
			return rc;
		patient = arena_str(ctx->arena, id);
		facility = link.facility_code;
	}
	/* 多職種連携: a post or a care plan is the writing facility's record
	 * about the person, on the team's timeline, whichever registration it
	 * names; only a writer who may read the team's collaboration data (a
	 * member under 包括同意) may write there — to anyone else the patient is
	 * not there. */
	/* A vital sign taken from a visit record (forms.h) is its writer's
	 * facility's record too, written where the visit record is. */
	bool vital = strcmp(w->def->name, "Observation") == 0 && forms_vital_from_response(w->res);
	if (!mine && (vital || category_of_type(w->def->name, strlen(w->def->name)) == CAT_COLLAB)) {
		if (ctx->guard && ctx->guard->visible) {
			struct store_resource probe = {.type = str_c(vital ? "QuestionnaireResponse" : w->def->name),
						       .source_facility = facility,
						       .patient_id = patient};
			bool ok = false;
			enum rk_status rc = ctx->guard->visible(ctx->guard_arg, &probe, &ok, err);
			if (rc != RK_OK)
				return rc;
			if (!ok)
				return unknown(err, where, type, id);
		}
		if (str_eq_c(str_c(w->def->name), "Communication")) {
			enum rk_status rc = recipients_on_team(ctx, w, patient, err);
			if (rc != RK_OK)
				return rc;
		}
		/* a new version stays its writer's: another facility's change is the write decision's to refuse */
		facility =
			w->prev && w->prev->source_facility.len ? w->prev->source_facility : str_c(ctx->actor_facility);
	}
	/* Records come from the facility that holds the registration. A guarded
	 * writer has been shown the patient already (check_ref: a hidden one is a
	 * missing one), so another facility's registration is the write
	 * decision's to refuse, with its rule (not_owner); only a writer without
	 * a decision is stopped here. */
	bool decided = ctx->guard && ctx->guard->authorize;
	if (!mine && !decided && !str_eq_c(facility, ctx->actor_facility))
		return unknown(err, where, type, id);
	if (w->prev && w->prev->source_facility.len && !str_eq(w->prev->source_facility, facility))
		return rk_fail_at(
			err, RK_INVALID, where,
			"%s: a record cannot move to another facility's registration; create a new record there",
			where);
	w->patient_id = patient;
	w->source_facility = arena_str(ctx->arena, facility);
	if (!w->patient_id.ptr || !w->source_facility.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	struct refwalk rw = {.ctx = ctx, .w = w, .err = err};
	return check_refs(&rw, w->res, 0);
}
