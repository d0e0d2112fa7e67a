/* v2map_adt.c — the patient-administration mappers of ingest/v2map: PID →
 * Patient (names, addresses, telecoms, NK1 contacts), ADT-61 / ADT-00
 * allergies, IN1 → Coverage, ADT-00 (the patient, its allergies, body
 * measurements and insurance) and ADT-12 .. ADT-52 → Encounter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/validate.h"
#include "ingest/v2map_impl.h"
#include "ingest/v2map_tables.h"
#include "model/codes.h"

/* ---- Patient (PID) ---- */

/* PID-5 repetitions: kanji (I) and kana (P) names with the JP Core representation extension. */
static json_t *names(struct mc *c, const struct hl7_segment *pid, int f)
{
	json_t *arr = json_array();
	int n = hl7_reps(c->m, pid, f);
	for (int r = 0; r < n && r < 8; r++) {
		struct str fam = v2m_T(c, pid, f, r, 1, 0), given = v2m_T(c, pid, f, r, 2, 0);
		if (!fam.len && !given.len)
			continue;
		json_t *nm = json_object();
		const struct v2map_code *rep = v2map_code_find(v2map_name_rep, v2m_T(c, pid, f, r, 8, 0));
		if (rep)
			v2m_put(nm, "extension",
				json_pack("[{s:s, s:s}]", "url", JP_NAME_REPRESENTATION_EXT, "valueCode", rep->to));
		struct str type = v2m_T(c, pid, f, r, 7, 0);
		v2m_put(nm, "use", json_string(!type.len || str_eq_c(type, "L") ? "official" : "usual"));
		const char *text =
			arena_printf(c->a, "%.*s%s%.*s", STR_FMT(fam), fam.len && given.len ? " " : "", STR_FMT(given));
		v2m_put(nm, "text", text ? json_string(text) : NULL);
		v2m_put(nm, "family", v2m_jstr(fam));
		if (given.len)
			v2m_put(nm, "given", json_pack("[o]", v2m_jstr(given)));
		v2m_push(arr, nm);
	}
	return arr;
}

/* PID-11 XAD: SS-MIX2 writes the whole address in component 8 (other designation). */
static json_t *addresses(struct mc *c, const struct hl7_segment *pid, int f)
{
	json_t *arr = json_array();
	int n = hl7_reps(c->m, pid, f);
	for (int r = 0; r < n && r < 8; r++) {
		struct str street = v2m_T(c, pid, f, r, 1, 0), other = v2m_T(c, pid, f, r, 2, 0),
			   city = v2m_T(c, pid, f, r, 3, 0), state = v2m_T(c, pid, f, r, 4, 0),
			   zip = v2m_T(c, pid, f, r, 5, 0), country = v2m_T(c, pid, f, r, 6, 0),
			   type = v2m_T(c, pid, f, r, 7, 0), text = v2m_T(c, pid, f, r, 8, 0);
		if (!street.len && !city.len && !state.len && !zip.len && !text.len)
			continue;
		json_t *a = json_object();
		if (str_eq_c(type, "H"))
			v2m_put(a, "use", json_string("home"));
		else if (str_eq_c(type, "B") || str_eq_c(type, "O"))
			v2m_put(a, "use", json_string("work"));
		v2m_put(a, "text", v2m_jstr(text));
		json_t *lines = json_array();
		v2m_push(lines, v2m_jstr(street));
		v2m_push(lines, v2m_jstr(other));
		v2m_put_nonempty(a, "line", lines);
		v2m_put(a, "city", v2m_jstr(city));
		v2m_put(a, "state", v2m_jstr(state));
		v2m_put(a, "postalCode", v2m_jstr(zip));
		v2m_put(a, "country", str_eq_c(country, "JPN") ? json_string("JP") : v2m_jstr(country));
		v2m_push(arr, a);
	}
	return arr;
}

/* PID-13 (home) and PID-14 (work) XTN: the number is component 12 (or 1). */
static void telecoms(struct mc *c, const struct hl7_segment *pid, int f, const char *default_use, json_t *arr)
{
	int n = hl7_reps(c->m, pid, f);
	for (int r = 0; r < n && r < 8; r++) {
		struct str number = v2m_T(c, pid, f, r, 12, 0), equip = v2m_T(c, pid, f, r, 3, 0),
			   email = v2m_T(c, pid, f, r, 4, 0);
		if (!number.len)
			number = v2m_T(c, pid, f, r, 1, 0);
		const char *system = "phone";
		if (str_eq_c(equip, "Internet") || str_eq_c(equip, "X.400")) {
			system = "email";
			number = email.len ? email : number;
		} else if (str_eq_c(equip, "FX")) {
			system = "fax";
		}
		if (!number.len)
			continue;
		const struct v2map_code *use = v2map_code_find(v2map_telecom_use, v2m_T(c, pid, f, r, 2, 0));
		const char *u = str_eq_c(equip, "CP") ? "mobile" : use ? use->to : default_use;
		json_t *t = json_pack("{s:s}", "system", system);
		v2m_put(t, "value", v2m_jstr(number));
		v2m_put(t, "use", u ? json_string(u) : NULL);
		v2m_push(arr, t);
	}
}

/* NK1 → Patient.contact: relationship (NK1-3), name (NK1-2), address (NK1-4),
 * telephones (NK1-5 home, NK1-6 work), organization (NK1-13). */
static enum rk_status contacts(struct mc *c, json_t *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < hl7_seg_count(c->m, "NK1"); i++) {
		const struct hl7_segment *nk1 = hl7_seg(c->m, "NK1", i);
		json_t *ct = json_object(), *rel;
		enum rk_status rc = v2m_cc_field(c, nk1, 3, 0, CODE_LOOSE, "NK1-3", &rel);
		if (rc != RK_OK) {
			json_decref(ct);
			json_decref(arr);
			return rc;
		}
		if (rel)
			v2m_put(ct, "relationship", json_pack("[o]", rel));
		json_t *nm = names(c, nk1, 2);
		v2m_put(ct, "name", json_incref(json_array_get(nm, 0)));
		json_decref(nm);
		json_t *tel = json_array();
		telecoms(c, nk1, 5, "home", tel);
		telecoms(c, nk1, 6, "work", tel);
		v2m_put_nonempty(ct, "telecom", tel);
		json_t *ad = addresses(c, nk1, 4);
		v2m_put(ct, "address", json_incref(json_array_get(ad, 0)));
		json_decref(ad);
		struct str org = v2m_T(c, nk1, 13, 0, 1, 0);
		if (org.len)
			v2m_put(ct, "organization", json_pack("{s:o}", "display", v2m_jstr(org)));
		if (json_object_size(ct) && (json_object_get(ct, "name") || json_object_get(ct, "telecom") ||
					     json_object_get(ct, "address") || json_object_get(ct, "organization")))
			v2m_push(arr, ct);
		else
			json_decref(ct);
	}
	v2m_put_nonempty(p, "contact", arr);
	return RK_OK;
}

enum rk_status v2m_map_patient(struct mc *c, const struct hl7_segment *pid, json_t **out)
{
	json_t *p = json_pack("{s:s, s:{s:[s]}}", "resourceType", "Patient", "meta", "profile", JP_PROFILE_PATIENT);
	if (c->in->meta_source.len)
		v2m_put(json_object_get(p, "meta"), "source", v2m_jstr(c->in->meta_source));
	const char *pid_id = arena_printf(c->a, "%.*s-%.*s", STR_FMT(c->fac), STR_FMT(c->pid));
	const char *sys = arena_printf(c->a, "%s%.*s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, STR_FMT(c->fac));
	if (!pid_id || !sys) {
		json_decref(p);
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	}
	v2m_put(p, "id", json_string(pid_id));
	v2m_put(p, "identifier", json_pack("[{s:s, s:o}]", "system", sys, "value", v2m_jstr(c->pid)));
	v2m_put_nonempty(p, "name", names(c, pid, 5));
	json_t *tel = json_array();
	telecoms(c, pid, 13, "home", tel);
	telecoms(c, pid, 14, "work", tel);
	v2m_put_nonempty(p, "telecom", tel);
	struct str sex = v2m_T(c, pid, 8, 0, 1, 0);
	const struct v2map_code *g = v2map_code_find(v2map_gender, sex);
	if (g)
		v2m_put(p, "gender", json_string(g->to));
	else if (sex.len)
		v2m_warn(c, "PID-8: unknown sex '%.*s'; left out", (int)(sex.len > 8 ? 8 : sex.len), sex.ptr);
	json_t *birth;
	enum rk_status rc = v2m_ts(c, v2m_T(c, pid, 7, 0, 1, 0), TS_DATE, "PID-7", &birth);
	if (rc != RK_OK) {
		json_decref(p);
		return rc;
	}
	v2m_put(p, "birthDate", birth);
	v2m_put_nonempty(p, "address", addresses(c, pid, 11));
	if ((rc = contacts(c, p)) != RK_OK) {
		json_decref(p);
		return rc;
	}
	*out = p;
	return RK_OK;
}

/* ---- allergies (ADT-61 IAM, ADT-00 AL1) ---- */

static const struct fmap iam_map[] = {
	{13, 1, F_DATETIME, "recordedDate"},
};
static const struct fmap al1_map[] = {
	{6, 1, F_DATETIME, "recordedDate"},
};

static enum rk_status map_allergy(struct mc *c, const struct hl7_segment *s)
{
	bool iam = str_eq_c(s->name, "IAM");
	const char *where = iam ? "IAM-3" : "AL1-3";
	json_t *code;
	enum rk_status rc = v2m_cc_field(c, s, 3, 0, CODE_LOOSE, where, &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "%s: allergen missing", where);
	json_t *a = v2m_new_res(c, "AllergyIntolerance", "patient");
	bool deleted = iam && str_eq_c(v2m_T(c, s, 6, 0, 1, 0), "D");
	if (!deleted)
		v2m_put(a, "clinicalStatus", v2m_cc1(ALLERGY_CLINICAL_SYSTEM, "active", "Active"));
	v2m_put(a, "verificationStatus",
		deleted ? v2m_cc1(ALLERGY_VER_SYSTEM, "entered-in-error", "Entered in Error")
			: v2m_cc1(ALLERGY_VER_SYSTEM, "confirmed", "Confirmed"));
	v2m_put(a, "type", json_string("allergy"));
	const struct v2map_code *cat = v2map_code_find(v2map_allergy_cat, v2m_T(c, s, 2, 0, 1, 0));
	if (cat)
		v2m_put(a, "category", json_pack("[s]", cat->to));
	v2m_put(a, "code", code);
	if (iam) {
		json_t *onset;
		if ((rc = v2m_ts(c, v2m_T(c, s, 11, 0, 1, 0), TS_DATETIME, "IAM-11", &onset)) != RK_OK) {
			json_decref(a);
			return rc;
		}
		v2m_put(a, "onsetDateTime", onset);
		if (!onset)
			v2m_put(a, "onsetString", v2m_jstr(v2m_T(c, s, 12, 0, 0, 0)));
	}
	if ((rc = iam ? MAP(s, iam_map, a) : MAP(s, al1_map, a)) != RK_OK) {
		json_decref(a);
		return rc;
	}
	/* reaction: severity (0128) and the reaction as text; criticality: an
	 * anaphylaxis or a severe reaction is high, a milder one low */
	const struct v2map_code *sev = v2map_code_find(v2map_severity, v2m_T(c, s, 4, 0, 1, 0));
	struct str reaction = v2m_T(c, s, 5, 0, 0, 0);
	bool anaphylaxis = str_contains(reaction, "アナフィラキシー") || str_contains(reaction, "anaphyla") ||
			   str_contains(v2m_T(c, s, 4, 0, 2, 0), "アナフィラキシー");
	if (anaphylaxis)
		sev = v2map_code_find(v2map_severity, STR_LIT("SV"));
	if (sev)
		v2m_put(a, "criticality", json_string(strcmp(sev->to, "severe") == 0 ? "high" : "low"));
	if (sev || reaction.len) {
		json_t *r = json_object();
		v2m_put(r, "manifestation",
			json_pack("[{s:o}]", "text",
				  reaction.len ? v2m_jstr(reaction) : json_string("アレルギー反応情報なし")));
		v2m_put(r, "description", v2m_jstr(reaction));
		v2m_put(r, "severity", sev ? json_string(sev->to) : NULL);
		v2m_put(a, "reaction", json_pack("[o]", r));
	}
	return v2m_add_res(c, "AllergyIntolerance", s, 0, a) ? RK_OK
							     : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

/* ---- IN1 → Coverage (JP Core JP_Coverage) ---- */

static const struct fmap in1_map[] = {
	{12, 1, F_DATE, "period.start"},
	{13, 1, F_DATE, "period.end"},
};

/* IN1-17 (HL7 0063, the insured's relationship to the patient) → subscriber-relationship. */
static const struct v2map_code relation[] = {
	{"SEL", "self", "Self"},     {"SPO", "spouse", "Spouse"},
	{"CHD", "child", "Child"},   {"PAR", "parent", "Parent"},
	{"EME", "other", "Other"},   {"FTH", "parent", "Parent"},
	{"MTH", "parent", "Parent"}, {"DOM", "common", "Common Law Spouse"},
	{NULL, NULL, NULL},
};

/* One IN1: the kind of insurance (IN1-2), the insurer (IN1-3 保険者番号, IN1-4
 * name), 記号 and 番号 of the insured's card (IN1-10, IN1-11, as JAHIS carries
 * them), the period (IN1-12/13) and the insured's relationship (IN1-17). */
static enum rk_status map_coverage(struct mc *c, const struct hl7_segment *s)
{
	json_t *type;
	enum rk_status rc = v2m_cc_field(c, s, 2, 0, CODE_LOOSE, "IN1-2", &type);
	if (rc != RK_OK)
		return rc;
	struct str insurer = v2m_T(c, s, 3, 0, 1, 0), name = v2m_T(c, s, 4, 0, 1, 0);
	if (!insurer.len && !name.len && !type) {
		v2m_warn(c, "IN1-3: insurer missing; the insurance is left out");
		return RK_OK;
	}
	json_t *cv = v2m_new_res(c, "Coverage", NULL);
	struct str symbol = v2m_T(c, s, 10, 0, 1, 0), number = v2m_T(c, s, 11, 0, 1, 0);
	json_t *ext = json_array();
	if (symbol.len)
		v2m_push(ext, json_pack("{s:s, s:o}", "url", JP_COVERAGE_EXT_PREFIX "InsuredPersonSymbol",
					"valueString", v2m_jstr(symbol)));
	if (number.len)
		v2m_push(ext, json_pack("{s:s, s:o}", "url", JP_COVERAGE_EXT_PREFIX "InsuredPersonNumber",
					"valueString", v2m_jstr(number)));
	v2m_put_nonempty(cv, "extension", ext);
	v2m_put(cv, "status", json_string("active"));
	v2m_put(cv, "type", type);
	const struct v2map_code *rel = v2map_code_find(relation, v2m_T(c, s, 17, 0, 1, 0));
	if (rel && strcmp(rel->to, "self") == 0)
		v2m_put(cv, "subscriber", json_pack("{s:s}", "reference", c->pref));
	v2m_put(cv, "subscriberId", v2m_jstr(number));
	v2m_put(cv, "beneficiary", json_pack("{s:s}", "reference", c->pref));
	if (rel)
		v2m_put(cv, "relationship", v2m_cc1(SUBSCRIBER_RELATION_SYSTEM, rel->to, rel->display));
	if ((rc = MAP(s, in1_map, cv)) != RK_OK) {
		json_decref(cv);
		return rc;
	}
	json_t *payor = json_object();
	if (insurer.len)
		v2m_put(payor, "identifier",
			json_pack("{s:s, s:o}", "system", JP_INSURER_NUMBER_SYSTEM, "value", v2m_jstr(insurer)));
	struct str shown = name.len ? name : v2m_T(c, s, 2, 0, 2, 0);
	v2m_put(payor, "display", v2m_jstr(shown.len ? shown : insurer));
	v2m_put(cv, "payor", json_pack("[o]", payor));
	return v2m_add_res(c, "Coverage", s, 0, cv) ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

/* ---- ADT-00: Patient, AL1 allergies, OBX body measurements and blood type ---- */

enum rk_status v2m_map_adt00(struct mc *c)
{
	for (size_t i = 0; i < c->m->nseg; i++) {
		const struct hl7_segment *s = &c->m->segs[i];
		enum rk_status rc = RK_OK;
		const char *id;
		if (str_eq_c(s->name, "AL1")) {
			rc = map_allergy(c, s);
		} else if (str_eq_c(s->name, "IN1")) {
			rc = map_coverage(c, s);
		} else if (str_eq_c(s->name, "OBX")) {
			/* JLAC10 9N... are 身長/体重 (vital signs, JAMI guide); others (血液型) laboratory */
			struct str code = v2m_T(c, s, 3, 0, 1, 0);
			const char *cat = str_starts_with(code, "9N") ? "vital-signs" : "laboratory";
			rc = v2m_map_obx(c, s, NULL, NULL, cat, CODE_KEEP, &id);
			if (rc == RK_OK && id && !json_object_get(c->res[c->n - 1].body, "effectiveDateTime")) {
				json_t *eff;
				rc = v2m_ts(c, v2m_T(c, hl7_seg(c->m, "EVN", 0), 2, 0, 1, 0), TS_DATETIME, "EVN-2",
					    &eff);
				v2m_put(c->res[c->n - 1].body, "effectiveDateTime", eff);
			}
		}
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* ---- ADT-12 .. ADT-52: Encounter ---- */

static json_t *location(struct mc *c, const struct hl7_segment *pv1, int f)
{
	struct str ward = v2m_T(c, pv1, f, 0, 1, 0), room = v2m_T(c, pv1, f, 0, 2, 0), bed = v2m_T(c, pv1, f, 0, 3, 0);
	if (!ward.len && !room.len && !bed.len)
		return NULL;
	const char *d = arena_printf(c->a, "%s%.*s%s%.*s%s%.*s", ward.len ? "病棟 " : "", STR_FMT(ward),
				     room.len ? " 病室 " : "", STR_FMT(room), bed.len ? " ベッド " : "", STR_FMT(bed));
	return d ? json_pack("{s:{s:s}}", "location", "display", d) : NULL;
}

static json_t *participant(struct mc *c, const struct hl7_segment *pv1, int f, const char *type, const char *display)
{
	json_t *who = v2m_person_ref(c, pv1, f);
	if (!who)
		return NULL;
	return json_pack("{s:[o], s:o}", "type", v2m_cc1(PARTICIPATION_SYSTEM, type, display), "individual", who);
}

static const struct fmap pv1_map[] = {
	{44, 1, F_DATETIME, "period.start"},
	{45, 1, F_DATETIME, "period.end"},
};
/* ADT-21 / ADT-51: planned admission and discharge (PV2-8, PV2-9). */
static const struct fmap pv2_map[] = {
	{8, 1, F_DATETIME, "period.start"},
	{9, 1, F_DATETIME, "period.end"},
};

/* Without PV1-44/45 the message's event is when: EVN-6 (occurred), EVN-2
 * (recorded) or MSH-7. A visit, an admission (or its plan) starts then; a
 * discharge ends then. So every Encounter has a date to sort by. */
static enum rk_status event_period(struct mc *c, json_t *e)
{
	const struct hl7_segment *evn = hl7_seg(c->m, "EVN", 0);
	struct str when = v2m_T(c, evn, 6, 0, 1, 0);
	const char *where = "EVN-6";
	if (!when.len)
		when = v2m_T(c, evn, 2, 0, 1, 0), where = "EVN-2";
	if (!when.len)
		when = c->m->timestamp, where = "MSH-7";
	struct str ev = c->m->event;
	bool starts = str_eq_c(ev, "A04") || str_eq_c(ev, "A01") || str_eq_c(ev, "A14");
	bool ends = str_eq_c(ev, "A03");
	json_t *period = json_object_get(e, "period");
	if ((!starts || json_object_get(period, "start")) && (!ends || json_object_get(period, "end")))
		return RK_OK;
	json_t *t;
	enum rk_status rc = v2m_ts(c, when, TS_DATETIME, where, &t);
	if (rc != RK_OK || !t)
		return rc;
	if (!period)
		json_object_set_new(e, "period", period = json_object());
	v2m_put(period, starts ? "start" : "end", t);
	return RK_OK;
}

enum rk_status v2m_map_encounter(struct mc *c)
{
	const struct hl7_segment *pv1 = hl7_seg(c->m, "PV1", 0);
	if (!pv1)
		return v2m_fail(c, RK_INVALID, "PV1 missing");
	const struct v2map_event *ev = v2map_event_find(c->m->event);
	if (!ev)
		return v2m_fail(c, RK_UNPROCESSABLE, "MSH-9: ADT event '%.*s' is not mapped", STR_FMT(c->m->event));
	struct str pc = v2m_T(c, pv1, 2, 0, 1, 0);
	const struct v2map_code *cls = v2map_code_find(v2map_patient_class, pc);
	/* A class HL7 0004 has but FHIR's ActCode does not (C commercial, N not
	 * applicable, U unknown), a local one or none: the visit is kept, its
	 * class said to be unknown, with a warning; it is not a reason to lose it. */
	static const struct v2map_code unknown_class = {"", "UNK", "unknown"};
	if (!cls) {
		if (pc.len)
			v2m_warn(
				c,
				"PV1-2: patient class '%.*s' has no FHIR equivalent; the visit is kept with class unknown",
				(int)(pc.len > 8 ? 8 : pc.len), pc.ptr);
		else
			v2m_warn(c, "PV1-2: patient class missing; the visit is kept with class unknown");
		cls = &unknown_class;
	}
	json_t *e = v2m_new_res(c, "Encounter", "subject");
	struct str visit = v2m_T(c, pv1, 19, 0, 1, 0);
	if (visit.len)
		v2m_put(e, "identifier", json_pack("[{s:o}]", "value", v2m_jstr(visit)));
	v2m_put(e, "status", json_string(ev->status));
	v2m_put(e, "class",
		v2m_coding(cls == &unknown_class ? "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
						 : ACT_CODE_SYSTEM,
			   cls->to, cls->display));
	v2m_put(e, "type", json_pack("[{s:s}]", "text", c->kind->doc));
	enum rk_status rc = MAP(pv1, pv1_map, e);
	if (rc == RK_OK && (str_eq_c(c->m->event, "A14") || str_eq_c(c->m->event, "A16")))
		rc = MAP(hl7_seg(c->m, "PV2", 0), pv2_map, e);
	if (rc != RK_OK)
		goto fail;
	json_t *parts = json_array();
	v2m_push(parts, participant(c, pv1, 7, "ATND", "attender"));
	v2m_push(parts, participant(c, pv1, 17, "ADM", "admitter"));
	v2m_put_nonempty(e, "participant", parts);
	/* where the patient is (PV1-3) and, on a transfer, was (PV1-6); EVN-6 is when */
	json_t *when;
	if ((rc = v2m_ts(c, v2m_T(c, hl7_seg(c->m, "EVN", 0), 6, 0, 1, 0), TS_DATETIME, "EVN-6", &when)) != RK_OK)
		goto fail;
	json_t *locs = json_array(), *now = location(c, pv1, 3), *before = location(c, pv1, 6);
	if (now) {
		v2m_put(now, "status", ev->loc_status ? json_string(ev->loc_status) : NULL);
		json_t *start =
			when ? json_incref(when) : json_incref(json_object_get(json_object_get(e, "period"), "start"));
		if (start)
			v2m_put(now, "period", json_pack("{s:o}", "start", start));
		v2m_push(locs, now);
	}
	if (before && str_eq_c(c->m->event, "A02")) {
		v2m_put(before, "status", json_string("completed"));
		if (when)
			v2m_put(before, "period", json_pack("{s:O}", "end", when));
		v2m_push(locs, before);
	} else {
		json_decref(before);
	}
	json_decref(when);
	v2m_put_nonempty(e, "location", locs);
	struct str disp = v2m_T(c, pv1, 36, 0, 1, 0);
	if (disp.len)
		v2m_put(e, "hospitalization",
			json_pack("{s:{s:[{s:s, s:o}]}}", "dischargeDisposition", "coding", "system", DISCHARGE_SYSTEM,
				  "code", v2m_jstr(disp)));
	if ((rc = event_period(c, e)) != RK_OK)
		goto fail;
	/* one Encounter per visit (PV1-19) or admission (PV1-44) */
	struct str adm = v2m_T(c, pv1, 44, 0, 1, 0);
	const char *key = NULL;
	if (visit.len)
		key = arena_printf(c->a, "enc-v%.*s", STR_FMT(visit));
	else if (adm.len >= 12 && str_is_digits((struct str){adm.ptr, 12}))
		key = arena_printf(c->a, "enc-a%.12s", adm.ptr);
	if (key)
		return v2m_add_res_keyed(c, "Encounter", key, e) ? RK_OK
								 : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	return v2m_add_res(c, "Encounter", pv1, 0, e) ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
fail:
	json_decref(e);
	return rc;
}

/* ---- ADT-61: every IAM ---- */

enum rk_status v2m_map_allergies(struct mc *c)
{
	size_t found = 0;
	for (size_t i = 0; i < c->m->nseg; i++)
		if (str_eq_c(c->m->segs[i].name, "IAM")) {
			found++;
			enum rk_status rc = map_allergy(c, &c->m->segs[i]);
			if (rc != RK_OK)
				return rc;
		}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "IAM missing: no allergy in the message");
}
