/* consent.c — extraction of consent_fact and care_team_member rows.
 *
 * Consent (R4) as renkei reads it:
 *   category  urn:renkei:CodeSystem:consent-kind  individual | comprehensive | refusal
 *   patient   Patient/<any registration of the person>
 *   status    active (in force) | inactive (withdrawn) | others (not in force)
 *   provision.type   permit (individual, comprehensive) | deny (refusal)
 *   provision.period the validity period (default: from dateTime, open-ended)
 *   provision.actor  role CST = the disclosing facility, IRCP = the viewing facility
 *                    (Organization references); no IRCP = every facility the
 *                    patient is registered with
 *   sourceAttachment the scanned paper form
 * The facility that records it is the Consent's source facility. */
#include "fhir/consent.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/time.h"
#include "fhir/jpcore.h"

static struct str jstr(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? rk_json_strv(v) : STR_NULL;
}

/* "Patient/<id>" of a reference member → the id (validated shape). */
static bool ref_id(const json_t *ref, const char *type, struct str *id)
{
	struct str r = jstr(ref, "reference"), t, rest;
	if (!str_cut(r, '/', &t, &rest) || !str_eq_c(t, type))
		return false;
	str_cut(rest, '/', id, &rest);
	return id->len > 0;
}

/* The regional ID of the referenced Patient; the write's patient becomes it.
 * *reg_facility gets the facility of that registration. */
static enum rk_status patient_of(struct fhir_ctx *ctx, struct fhir_write *w, const json_t *ref, const char *where,
				 struct str *reg_facility, struct rk_err *err)
{
	struct str id;
	if (!ref || !ref_id(ref, "Patient", &id))
		return rk_fail_at(err, RK_INVALID, where, "%s must reference a Patient (Patient/<id>)", where);
	struct store_patient_link link;
	enum rk_status rc = store_link_by_patient(ctx->store, id, ctx->arena, &link, err);
	if (rc == RK_NOT_FOUND) /* the words of a reference to nothing (resource.c check_ref) */
		return rk_fail_at(err, RK_INVALID, where, "%s: Patient/%.*s does not exist", where, STR_FMT(id));
	if (rc != RK_OK)
		return rc;
	w->patient_id = arena_str(ctx->arena, id);
	w->regional = arena_strndup(ctx->arena, link.regional_id.ptr, link.regional_id.len);
	*reg_facility = link.facility_code;
	if (!w->patient_id.ptr || !w->regional)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	return RK_OK;
}

/* Who records it: the writer's facility; an internal writer records at the
 * patient's registration. */
static struct str recorder_of(struct fhir_ctx *ctx, struct str reg_facility)
{
	return ctx->actor_facility && ctx->actor_facility[0] ? str_c(ctx->actor_facility) : reg_facility;
}

/* The owner a version keeps: the stored one's, when there is one. */
static bool stored_owner(const struct fhir_write *w, struct str *out)
{
	if (!w->prev || !w->prev->source_facility.len)
		return false;
	*out = w->prev->source_facility;
	return true;
}

/* An Organization reference → its facility code. */
static enum rk_status facility_of(struct fhir_ctx *ctx, const json_t *ref, const char *where, char code[16],
				  struct rk_err *err)
{
	struct str id;
	if (!ref_id(ref, "Organization", &id))
		return rk_fail_at(err, RK_INVALID, where, "%s must reference an Organization", where);
	enum rk_status rc = store_facility_of_org(ctx->store, id, code, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail_at(err, RK_INVALID, where, "%s: Organization/%.*s is not a participating facility",
				  where, STR_FMT(id));
	return rc;
}

struct consent_scratch {
	char kind[16], status[16], source[16], viewer[16], recorder[16];
	int64_t start, end;
};

static bool coded(const json_t *ccs, const char *system, struct str *code)
{
	size_t i, k;
	json_t *cc, *c;
	json_array_foreach(ccs, i, cc) json_array_foreach(
		json_object_get(cc, "coding"), k, c) if (str_eq_c(jstr(c, "system"), system) && jstr(c, "code").len)
	{
		*code = jstr(c, "code");
		return true;
	}
	return false;
}

/* The record says who recorded it and where (the paper form is signed at a
 * facility and entered by its staff): a server-set extension, replacing any
 * the client sent. When it was recorded is meta.lastUpdated of version 1. */
#define RECORDED_BY_EXT "urn:renkei:extension:recorded-by"

static void record_recorder(struct fhir_ctx *ctx, struct fhir_write *w, struct str recorder)
{
	json_t *exts = json_object_get(w->res, "extension");
	if (json_is_array(exts)) {
		for (size_t i = json_array_size(exts); i-- > 0;)
			if (str_eq_c(jstr(json_array_get(exts, i), "url"), RECORDED_BY_EXT))
				json_array_remove(exts, i);
	} else {
		exts = json_array();
		json_object_set_new(w->res, "extension", exts);
	}
	char who[160];
	snprintf(who, sizeof who, "%s@%.*s",
		 ctx->actor_account && ctx->actor_account[0] ? ctx->actor_account : "renkei", STR_FMT(recorder));
	json_array_append_new(exts, json_pack("{s:s, s:{s:s, s:s}}", "url", RECORDED_BY_EXT, "valueIdentifier",
					      "system", "urn:renkei:account", "value", who));
}

enum rk_status consent_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	struct consent_scratch *c = arena_calloc(ctx->arena, 1, sizeof *c);
	if (!c)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	w->scratch = c;
	struct str kind;
	if (!coded(json_object_get(w->res, "category"), RK_CONSENT_KIND_SYSTEM, &kind) ||
	    !(str_eq_c(kind, "individual") || str_eq_c(kind, "comprehensive") || str_eq_c(kind, "refusal")))
		return rk_fail_at(err, RK_INVALID, "Consent.category",
				  "Consent.category needs a coding of %s: individual, comprehensive or refusal",
				  RK_CONSENT_KIND_SYSTEM);
	str_copy(c->kind, sizeof c->kind, kind);
	str_copy(c->status, sizeof c->status, jstr(w->res, "status"));
	struct str reg_facility;
	enum rk_status rc =
		patient_of(ctx, w, json_object_get(w->res, "patient"), "Consent.patient", &reg_facility, err);
	if (rc != RK_OK)
		return rc;
	struct str recorder = recorder_of(ctx, reg_facility);
	str_copy(c->recorder, sizeof c->recorder, recorder);
	json_t *prov = json_object_get(w->res, "provision");
	struct str type = jstr(prov, "type");
	bool refusal = strcmp(c->kind, "refusal") == 0;
	if (!str_eq_c(type, refusal ? "deny" : "permit"))
		return rk_fail_at(err, RK_INVALID, "Consent.provision.type", "a%s consent has provision.type %s",
				  refusal ? " refusal" : "n individual or comprehensive", refusal ? "deny" : "permit");
	/* period: provision.period, else from dateTime (or now), open-ended */
	struct time_range tr;
	c->start = json_is_string(json_object_get(w->res, "dateTime")) &&
				   time_parse_fhir(jstr(w->res, "dateTime"), TIME_DATETIME, &tr)
			   ? tr.lo
			   : ctx->now;
	c->end = RK_TIME_MAX_MS;
	json_t *period = json_object_get(prov, "period");
	if (json_is_string(json_object_get(period, "start")) &&
	    time_parse_fhir(jstr(period, "start"), TIME_DATETIME, &tr))
		c->start = tr.lo;
	if (json_is_string(json_object_get(period, "end")) && time_parse_fhir(jstr(period, "end"), TIME_DATETIME, &tr))
		c->end = tr.hi;
	/* actors */
	snprintf(c->viewer, sizeof c->viewer, "*");
	size_t i;
	json_t *actor;
	json_array_foreach(json_object_get(prov, "actor"), i, actor)
	{
		struct str role;
		json_t *roles = json_pack("[O]", json_object_get(actor, "role"));
		bool has = coded(roles, V3_PARTICIPATION_SYSTEM, &role);
		json_decref(roles);
		char *slot = !has                                  ? NULL
			     : str_eq_c(role, CONSENT_ROLE_SOURCE) ? c->source
			     : str_eq_c(role, CONSENT_ROLE_VIEWER) ? c->viewer
								   : NULL;
		if (!slot)
			return rk_fail_at(err, RK_INVALID, "Consent.provision.actor",
					  "actor roles are %s %s (disclosing facility) or %s (viewing facility)",
					  V3_PARTICIPATION_SYSTEM, CONSENT_ROLE_SOURCE, CONSENT_ROLE_VIEWER);
		rc = facility_of(ctx, json_object_get(actor, "reference"), "Consent.provision.actor.reference", slot,
				 err);
		if (rc != RK_OK)
			return rc;
	}
	if (strcmp(c->kind, "individual") == 0 && !c->source[0])
		return rk_fail_at(err, RK_INVALID, "Consent.provision.actor",
				  "an individual consent names the disclosing facility (actor role %s)",
				  CONSENT_ROLE_SOURCE);
	record_recorder(ctx, w, recorder);
	/* The owner (model/write.h): an individual consent is its disclosing
	 * facility's; a comprehensive consent or a refusal belongs to the facility
	 * that recorded it, and keeps that owner when the operator changes it. */
	struct str owner;
	if (strcmp(c->kind, "individual") == 0)
		owner = str_c(c->source);
	else if (!stored_owner(w, &owner))
		owner = recorder;
	w->source_facility = arena_str(ctx->arena, owner);
	if (!w->source_facility.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	return RK_OK;
}

static enum rk_status delete_facts(struct fhir_ctx *ctx, const char *sql, struct str id, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(ctx->store, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, id);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status consent_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	const struct consent_scratch *c = w->scratch;
	enum rk_status rc = delete_facts(ctx, "DELETE FROM consent_fact WHERE consent_id = ?", w->id, err);
	if (rc != RK_OK)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(
		ctx->store,
		"INSERT INTO consent_fact (consent_id, regional_id, kind, status, source_facility, viewer_facility,"
		" period_start, period_end, recorded_by, recorded_facility, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st, err);
	if (rc != RK_OK)
		return rc;
	const char *status = strcmp(c->status, "active") == 0 ? "active" : "withdrawn";
	store_bind_text(st, 1, w->id);
	store_bind_text(st, 2, str_c(w->regional));
	store_bind_text(st, 3, str_c(c->kind));
	store_bind_text(st, 4, str_c(status));
	store_bind_text(st, 5, str_c(c->source));
	store_bind_text(st, 6, str_c(c->viewer));
	store_bind_i64(st, 7, c->start);
	store_bind_i64(st, 8, c->end);
	store_bind_text(st, 9, str_c(ctx->actor_account ? ctx->actor_account : ""));
	store_bind_text(st, 10, str_c(c->recorder));
	store_bind_i64(st, 11, ctx->now);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status consent_after_delete(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	return delete_facts(ctx, "DELETE FROM consent_fact WHERE consent_id = ?", w->id, err);
}

/* ---- CareTeam --------------------------------------------------------------- */

struct member {
	char facility[16];
	char account[72];
	int64_t start, end;
};

struct team_scratch {
	bool active;
	struct member *members;
	size_t n;
};

/* The account of a Practitioner (its account.practitioner_id), "" if none. */
static enum rk_status account_of(struct fhir_ctx *ctx, struct str practitioner, char out[72], struct rk_err *err)
{
	out[0] = '\0';
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(ctx->store, "SELECT account_id FROM account WHERE practitioner_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, practitioner);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		str_copy(out, 72, store_col_text(st, 0));
	store_done(st);
	return rc;
}

static void period_of(const json_t *period, int64_t *start, int64_t *end)
{
	struct time_range tr;
	if (json_is_string(json_object_get(period, "start")) &&
	    time_parse_fhir(jstr(period, "start"), TIME_DATETIME, &tr))
		*start = tr.lo;
	if (json_is_string(json_object_get(period, "end")) && time_parse_fhir(jstr(period, "end"), TIME_DATETIME, &tr))
		*end = tr.hi;
}

/* The team's lead (its owner): managingOrganization, a participating
 * facility. Without one the lead stays as stored, or is the facility that
 * forms the team, and the body says so. */
static enum rk_status team_lead(struct fhir_ctx *ctx, struct fhir_write *w, struct str reg_facility, struct rk_err *err)
{
	json_t *mo = json_object_get(w->res, "managingOrganization");
	if (json_array_size(mo) > 1)
		return rk_fail_at(err, RK_INVALID, "CareTeam.managingOrganization",
				  "a care team has one lead (one managingOrganization)");
	char code[16];
	if (json_array_size(mo) == 1) {
		enum rk_status rc = facility_of(ctx, json_array_get(mo, 0), "CareTeam.managingOrganization", code, err);
		if (rc != RK_OK)
			return rc;
		w->source_facility = arena_str(ctx->arena, str_c(code));
		return w->source_facility.ptr ? RK_OK : rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	struct str lead;
	if (!stored_owner(w, &lead))
		lead = recorder_of(ctx, reg_facility);
	w->source_facility = arena_str(ctx->arena, lead);
	struct store_facility f;
	enum rk_status rc = store_facility_get(ctx->store, lead, ctx->arena, &f, err);
	if (rc == RK_OK) {
		char ref[96];
		snprintf(ref, sizeof ref, "Organization/%.*s", STR_FMT(f.org_id));
		json_object_set_new(w->res, "managingOrganization", json_pack("[{s:s}]", "reference", ref));
	} else if (rc != RK_NOT_FOUND) {
		return rc;
	}
	return w->source_facility.ptr ? RK_OK : rk_fail(err, RK_TOO_LARGE, "out of request memory");
}

enum rk_status careteam_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	struct team_scratch *t = arena_calloc(ctx->arena, 1, sizeof *t);
	if (!t)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	w->scratch = t;
	struct str reg_facility;
	enum rk_status rc =
		patient_of(ctx, w, json_object_get(w->res, "subject"), "CareTeam.subject", &reg_facility, err);
	if (rc == RK_OK)
		rc = team_lead(ctx, w, reg_facility, err);
	if (rc != RK_OK)
		return rc;
	t->active = str_eq_c(jstr(w->res, "status"), "active");
	int64_t team_start = RK_TIME_MIN_MS, team_end = RK_TIME_MAX_MS;
	period_of(json_object_get(w->res, "period"), &team_start, &team_end);
	json_t *parts = json_object_get(w->res, "participant");
	t->members = arena_calloc(ctx->arena, json_array_size(parts) + 1, sizeof *t->members);
	if (!t->members)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	size_t i;
	json_t *p;
	json_array_foreach(parts, i, p)
	{
		struct member *m = &t->members[t->n];
		m->start = team_start;
		m->end = team_end;
		period_of(json_object_get(p, "period"), &m->start, &m->end);
		json_t *member = json_object_get(p, "member");
		struct str id;
		if (member && ref_id(member, "Organization", &id)) {
			rc = facility_of(ctx, member, "CareTeam.participant.member", m->facility, err);
		} else if (member && ref_id(member, "Practitioner", &id)) {
			json_t *behalf = json_object_get(p, "onBehalfOf");
			if (!behalf)
				return rk_fail_at(
					err, RK_INVALID, "CareTeam.participant.onBehalfOf",
					"a Practitioner member needs onBehalfOf: the Organization it acts for");
			rc = facility_of(ctx, behalf, "CareTeam.participant.onBehalfOf", m->facility, err);
			if (rc == RK_OK)
				rc = account_of(ctx, id, m->account, err);
		} else {
			continue; /* patients, relatives: members without access rights in renkei */
		}
		if (rc != RK_OK)
			return rc;
		t->n++;
	}
	return RK_OK;
}

enum rk_status careteam_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	const struct team_scratch *t = w->scratch;
	enum rk_status rc = delete_facts(ctx, "DELETE FROM care_team_member WHERE careteam_id = ?", w->id, err);
	for (size_t i = 0; rc == RK_OK && i < t->n; i++) {
		struct store_stmt *st;
		rc = store_prepare(
			ctx->store,
			"INSERT INTO care_team_member (careteam_id, seq, regional_id, facility_code, account_id, period_start,"
			" period_end, active, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st, err);
		if (rc != RK_OK)
			break;
		store_bind_text(st, 1, w->id);
		store_bind_i64(st, 2, (int64_t)i);
		store_bind_text(st, 3, str_c(w->regional));
		store_bind_text(st, 4, str_c(t->members[i].facility));
		store_bind_text(st, 5, str_c(t->members[i].account));
		store_bind_i64(st, 6, t->members[i].start);
		store_bind_i64(st, 7, t->members[i].end);
		store_bind_i64(st, 8, t->active);
		store_bind_i64(st, 9, ctx->now);
		rc = store_run(st, err);
		store_done(st);
	}
	return rc;
}

enum rk_status careteam_after_delete(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	return delete_facts(ctx, "DELETE FROM care_team_member WHERE careteam_id = ?", w->id, err);
}
