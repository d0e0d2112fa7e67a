/* demo_clinical.c — the clinical history of a demo person (demo_clinical.h):
 * JSON builders for each record kind, a small model of lab trends, and the
 * plan of a life (chronic follow-up at a clinic and a hospital, acute
 * episodes, admissions, pharmacy dispensing, home nursing visits). */
#include "ingest/demo_clinical.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/time.h"
#include "model/codes.h"

#define OBS_CATEGORY_SYSTEM "http://terminology.hl7.org/CodeSystem/observation-category"
#define INTERPRETATION_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
#define ACT_CODE_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define DIAG_SERVICE_SYSTEM "http://terminology.hl7.org/CodeSystem/v2-0074"
#define RESOURCE_ID_SYSTEM "http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier"
#define MAX_CONDITIONS DEMO_MAX_CONDITIONS
#define MAX_MEDS 24

/* ---- the person being written ---- */

struct cond {
	const struct codes_diagnosis *dx;
	int site;          /* index in p->sites */
	bool fresh;        /* diagnosed at the first visit of the history (treatment starts then) */
	const char *meds[2]; /* codes_medicines keys prescribed for it, or NULL */
	char id[64];       /* Condition id once written */
};

struct hist {
	struct demo_clinical *c;
	const struct demo_person *p;
	struct rng *r;
	unsigned seq;
	int primary, hospital, ortho, derm, eye, peds, pharmacy, homecare;
	struct cond conds[MAX_CONDITIONS];
	size_t n_conds;
	const struct codes_allergen *allergies[2];
	size_t n_allergies;
	unsigned doctor[4]; /* the person's doctor at each site */
	/* lab trend model */
	double offset[64];
	int64_t dm_start, dl_start, hu_start, an_start; /* day treatment starts (INT64_MAX: never) */
	double a1c_hi, a1c_lo, ldl_hi, ldl_lo, ua_hi, ua_lo, hb_lo;
	double egfr0, egfr_slope, bnp_base, sbp_hi;
	int64_t egfr_day0;
	bool dm, dl, ckd, hf, hu, anemia;
};

static double uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

/* Approximately normal (sum of uniforms). */
static double gauss(struct rng *r, double sd)
{
	double s = 0;
	for (int i = 0; i < 4; i++)
		s += uniform(r, -1, 1);
	return s * sd * 0.866;
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)rng_below(r, n);
}

static bool chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* The external site whose registration res belongs to (subject or patient), or -1. */
static int external_site(const struct hist *h, const json_t *res)
{
	const json_t *who = json_object_get(res, "subject");
	if (!who)
		who = json_object_get(res, "patient");
	const char *r = json_string_value(json_object_get(who, "reference"));
	if (!r || strncmp(r, "Patient/", 8) != 0)
		return -1;
	for (size_t i = 0; i < h->p->n; i++)
		if (h->p->sites[i].external && strcmp(h->p->sites[i].patient, r + 8) == 0)
			return (int)i;
	return -1;
}

/* A record of an external site: false when its SS-MIX2 storage carries the
 * type (it is not written here); otherwise its references to the site's
 * visits and diagnoses, which are not written here, are dropped. */
static bool keep_external(const char *type, json_t *res)
{
	static const char *const kept[] = {"DocumentReference", "Composition", "Procedure", "Immunization"};
	bool keep = false;
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
		keep |= strcmp(type, kept[i]) == 0;
	if (!keep)
		return false;
	json_object_del(res, "encounter");
	json_object_del(res, "reasonReference");
	json_t *ctx = json_object_get(res, "context");
	if (ctx) {
		json_object_del(ctx, "encounter");
		if (!json_object_size(ctx))
			json_object_del(res, "context");
	}
	size_t i;
	json_t *sec;
	json_array_foreach(json_object_get(res, "section"), i, sec)
		json_object_del(sec, "entry");
	return true;
}

static enum rk_status put(struct hist *h, const char *type, const char *id, json_t *res)
{
	if (res && external_site(h, res) >= 0 && !keep_external(type, res)) {
		json_decref(res);
		return RK_OK;
	}
	h->c->records++;
	return h->c->put(h->c->arg, type, id, res);
}

/* A new id for a record of site s: "<prefix>-<registration>-<n>". */
static void new_id(struct hist *h, char out[64], const char *prefix, int s)
{
	snprintf(out, 64, "%s-%.40s-%u", prefix, h->p->sites[s].patient, ++h->seq);
}

/* ---- JSON helpers ---- */

static void fmt_date(char out[16], int64_t day)
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* "2025年3月4日", as a letter is dated. */
static void fmt_date_ja(char out[32], int64_t day)
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, 32, "%lld年%u月%u日", (long long)y, m, d);
}

/* Local time in Japan (+09:00), minute of the day. */
static void fmt_dt(char out[32], int64_t day, unsigned minute)
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, 32, "%04lld-%02u-%02uT%02u:%02u:00+09:00", (long long)y, m, d, (minute / 60) % 24, minute % 60);
}

static json_t *ref(const char *type, const char *id)
{
	char s[96];
	snprintf(s, sizeof s, "%s/%s", type, id);
	return json_pack("{s:s}", "reference", s);
}

static json_t *patient_ref(const struct hist *h, int s)
{
	return ref("Patient", h->p->sites[s].patient);
}

static json_t *org_ref(const struct hist *h, int s)
{
	char id[32];
	snprintf(id, sizeof id, "org-%s", h->p->sites[s].code);
	json_t *r = ref("Organization", id);
	json_object_set_new(r, "display", json_string(h->p->sites[s].name));
	return r;
}

static json_t *prac_ref(const struct hist *h, int s, unsigned number)
{
	char id[48];
	snprintf(id, sizeof id, "prac-%s-%03u", h->p->sites[s].code, number);
	return ref("Practitioner", id);
}

static json_t *doctor_ref(const struct hist *h, int s)
{
	return prac_ref(h, s, h->doctor[s]);
}

static json_t *coding(const char *system, const char *code, const char *display)
{
	return json_pack("{s:s, s:s, s:s*}", "system", system, "code", code, "display", display);
}

static json_t *cc(const char *system, const char *code, const char *display)
{
	return json_pack("{s:[o]}", "coding", coding(system, code, display));
}

static json_t *cc_text(const char *system, const char *code, const char *display, const char *text)
{
	return json_pack("{s:[o], s:s}", "coding", coding(system, code, display), "text", text);
}

static json_t *text_cc(const char *text)
{
	return json_pack("{s:s}", "text", text);
}

static json_t *num(double v)
{
	if (v == floor(v) && fabs(v) < 1e12)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *qty(double v, const char *unit, const char *system, const char *code)
{
	return json_pack("{s:o, s:s, s:s, s:s}", "value", num(v), "unit", unit, "system", system, "code", code);
}

static json_t *days_qty(unsigned days)
{
	return qty(days, "日", CODES_UCUM_SYSTEM, "d");
}

static double round_to(double v, unsigned decimals)
{
	double f = pow(10, decimals);
	return round(v * f) / f;
}

/* ---- lab trend model ---- */

static size_t lab_index(const struct codes_lab *lab)
{
	return (size_t)(lab - codes_labs);
}

/* Approach from hi to lo after treatment starts (time constant tau days). */
static double treated(double hi, double lo, int64_t start, int64_t day, double tau)
{
	if (day < start)
		return hi;
	return lo + (hi - lo) * exp(-(double)(day - start) / tau);
}

static double egfr_at(const struct hist *h, int64_t day)
{
	if (h->ckd)
		return h->egfr0 + h->egfr_slope * (double)(day - h->egfr_day0) / 365.0;
	double base = 108.0 - 0.55 * h->p->age;
	return base < 52 ? 52 : base;
}

/* The value of lab on day; inflammation 0 (none) .. 1 (severe acute illness). */
static double lab_value(struct hist *h, const struct codes_lab *lab, int64_t day, double inflammation)
{
	const char *k = lab->key;
	bool male = h->p->male;
	double noise = gauss(h->r, lab->spread), v;
	size_t i = lab_index(lab);
	double base = lab->typical + (i < 64 ? h->offset[i] : 0);
	if (strcmp(k, "hba1c") == 0)
		v = h->dm ? treated(h->a1c_hi, h->a1c_lo, h->dm_start, day, 100) + gauss(h->r, 0.15) : base + noise;
	else if (strcmp(k, "glucose") == 0)
		v = h->dm ? 28.7 * treated(h->a1c_hi, h->a1c_lo, h->dm_start, day, 100) - 46.7 + gauss(h->r, 14)
			  : base + noise;
	else if (strcmp(k, "ldl") == 0)
		v = h->dl ? treated(h->ldl_hi, h->ldl_lo, h->dl_start, day, 45) + gauss(h->r, 8) : base + noise;
	else if (strcmp(k, "ua") == 0)
		v = h->hu ? treated(h->ua_hi, h->ua_lo, h->hu_start, day, 60) + gauss(h->r, 0.3)
			  : base + noise - (male ? 0 : 1.0);
	else if (strcmp(k, "egfr") == 0)
		v = egfr_at(h, day) * (1 - 0.25 * inflammation) + gauss(h->r, 1.5);
	else if (strcmp(k, "cre") == 0) {
		double e = egfr_at(h, day) * (1 - 0.25 * inflammation) + gauss(h->r, 2.0);
		double f = 194.0 * pow((double)(h->p->age < 18 ? 18 : h->p->age), -0.287) * (male ? 1.0 : 0.739);
		v = pow(e / f, -1.0 / 1.094);
	} else if (strcmp(k, "bun") == 0)
		v = base + (h->ckd ? 9 : 0) + 8 * inflammation + noise;
	else if (strcmp(k, "k") == 0)
		v = base + (h->ckd ? 0.55 : 0) + noise;
	else if (strcmp(k, "bnp") == 0)
		v = h->hf ? h->bnp_base * (1 + 1.5 * inflammation) * uniform(h->r, 0.75, 1.3) : base + noise + 0.3 * h->p->age / 10;
	else if (strcmp(k, "hb") == 0) {
		double t = male ? 15.0 : 13.2;
		if (h->anemia)
			t = treated(h->hb_lo, 12.6, h->an_start, day, 50);
		v = t - (h->p->age > 70 ? 0.8 : 0) - 0.8 * inflammation + h->offset[i] + gauss(h->r, 0.35);
	} else if (strcmp(k, "ht") == 0)
		v = (male ? 44.5 : 39.5) + h->offset[i] + noise;
	else if (strcmp(k, "rbc") == 0)
		v = (male ? 495 : 430) + noise;
	else if (strcmp(k, "crp") == 0)
		v = inflammation > 0 ? 14 * inflammation * uniform(h->r, 0.7, 1.2) : fabs(base + noise);
	else if (strcmp(k, "wbc") == 0)
		v = base + 9 * inflammation + noise;
	else if (strcmp(k, "tg") == 0)
		v = base + (h->dm ? 40 : 0) + (h->dl && day < h->dl_start ? 60 : 0) + noise;
	else if (strcmp(k, "hdl") == 0)
		v = base + (male ? -6 : 6) + noise;
	else if (strcmp(k, "na") == 0)
		v = base - (h->hf ? 2 : 0) - 3 * inflammation + noise;
	else
		v = base + noise;
	if (v < 0)
		v = 0;
	return round_to(v, lab->decimals);
}

static void init_labs(struct hist *h)
{
	for (size_t i = 0; i < codes_labs_len && i < 64; i++)
		h->offset[i] = gauss(h->r, codes_labs[i].spread * 0.7);
	h->dm_start = h->dl_start = h->hu_start = h->an_start = INT64_MAX;
}

/* ---- records ---- */

static enum rk_status put_encounter(struct hist *h, int s, const char *cls, int64_t day, unsigned minute,
				    unsigned length_days, const char *reason, char id[64])
{
	static const struct {
		const char *code, *display, *ja;
	} classes[] = {{"AMB", "ambulatory", "外来"}, {"IMP", "inpatient encounter", "入院"}, {"HH", "home health", "訪問看護"}};
	size_t c = 0;
	while (c < 2 && strcmp(classes[c].code, cls) != 0)
		c++;
	char start[32], end[32];
	fmt_dt(start, day, minute);
	fmt_dt(end, day + length_days, length_days ? 10 * 60 : minute + 20);
	json_t *e = json_pack("{s:s, s:s, s:o, s:[o], s:o, s:[{s:o}], s:{s:s, s:s}, s:o}", "resourceType", "Encounter",
			      "status", "finished", "class", coding(ACT_CODE_SYSTEM, classes[c].code, classes[c].display),
			      "type", text_cc(classes[c].ja), "subject", patient_ref(h, s), "participant", "individual",
			      strcmp(cls, "HH") == 0 ? prac_ref(h, s, h->p->sites[s].vnurse_first) : doctor_ref(h, s),
			      "period", "start", start, "end", end, "serviceProvider", org_ref(h, s));
	if (e && reason)
		json_object_set_new(e, "reasonCode", json_pack("[o]", text_cc(reason)));
	if (e && strcmp(cls, "IMP") == 0)
		json_object_set_new(e, "hospitalization",
				    json_pack("{s:o, s:o}", "admitSource", text_cc("外来から入院"), "dischargeDisposition",
					      text_cc("自宅退院")));
	new_id(h, id, "enc", s);
	return put(h, "Encounter", id, e);
}

static json_t *diagnosis_cc(const struct codes_diagnosis *dx)
{
	json_t *codings = json_array();
	if (dx->medis)
		json_array_append_new(codings, coding(CODES_MEDIS_DISEASE_SYSTEM, dx->medis, dx->ja));
	json_array_append_new(codings, coding(CODES_ICD10_SYSTEM, dx->icd10, dx->ja));
	return json_pack("{s:o, s:s}", "coding", codings, "text", dx->ja);
}

/* A diagnosis; abated < 0: still active. */
static enum rk_status put_condition(struct hist *h, int s, const struct codes_diagnosis *dx, int64_t onset,
				    int64_t recorded, int64_t abated, const char *encounter, char id[64])
{
	char on[16], rec[16], ab[16];
	fmt_date(on, onset);
	fmt_date(rec, recorded);
	bool active = abated < 0;
	json_t *c = json_pack("{s:s, s:o, s:o, s:[o], s:o, s:o, s:s, s:s, s:o}", "resourceType", "Condition",
			      "clinicalStatus", cc("http://terminology.hl7.org/CodeSystem/condition-clinical",
						   active ? "active" : "resolved", NULL),
			      "verificationStatus", cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", NULL),
			      "category", cc("http://terminology.hl7.org/CodeSystem/condition-category",
					     encounter ? "encounter-diagnosis" : "problem-list-item", NULL),
			      "code", diagnosis_cc(dx), "subject", patient_ref(h, s), "onsetDateTime", on, "recordedDate", rec,
			      "recorder", doctor_ref(h, s));
	if (c && encounter)
		json_object_set_new(c, "encounter", ref("Encounter", encounter));
	if (c && !active) {
		fmt_date(ab, abated);
		json_object_set_new(c, "abatementDateTime", json_string(ab));
	}
	new_id(h, id, "cond", s);
	return put(h, "Condition", id, c);
}

static json_t *interpretation(double v, double low, double high)
{
	const char *code = "N", *display = "Normal";
	if (v < low) {
		code = "L";
		display = "Low";
	} else if (high >= 0 && v > high) {
		code = "H";
		display = "High";
	}
	return json_pack("[o]", cc(INTERPRETATION_SYSTEM, code, display));
}

/* One lab result; its id goes to id. */
static enum rk_status put_lab(struct hist *h, int s, const char *encounter, const struct codes_lab *lab, int64_t day,
			      unsigned minute, double inflammation, char id[64])
{
	char when[32], issued[32];
	fmt_dt(when, day, minute);
	fmt_dt(issued, day, minute + 90);
	double v = lab_value(h, lab, day, inflammation), low, high;
	codes_lab_range(lab, h->p->male, &low, &high);
	json_t *range = json_pack("{s:o}", "low", qty(low, lab->unit, CODES_UCUM_SYSTEM, lab->ucum));
	if (high >= 0)
		json_object_set_new(range, "high", qty(high, lab->unit, CODES_UCUM_SYSTEM, lab->ucum));
	json_t *o = json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:s, s:[o], s:o, s:o, s:[o]}", "resourceType",
			      "Observation", "status", "final", "category",
			      cc(OBS_CATEGORY_SYSTEM, "laboratory", "Laboratory"), "code",
			      cc_text(CODES_JLAC10_SYSTEM, lab->jlac10, lab->ja, lab->ja), "subject", patient_ref(h, s),
			      "encounter", ref("Encounter", encounter), "effectiveDateTime", when, "issued", issued,
			      "performer", org_ref(h, s), "valueQuantity", qty(v, lab->unit, CODES_UCUM_SYSTEM, lab->ucum),
			      "interpretation", interpretation(v, low, high), "referenceRange", range);
	new_id(h, id, "obs", s);
	return put(h, "Observation", id, o);
}

/* A lab panel: its results, then the report that groups them. */
static enum rk_status put_panel(struct hist *h, int s, const char *encounter, int64_t day, const char *const *keys,
				size_t n, double inflammation)
{
	json_t *results = json_array();
	unsigned minute = 9 * 60 + below(h->r, 120);
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < n && rc == RK_OK; i++) {
		const struct codes_lab *lab = codes_labs_find(keys[i]);
		char id[64];
		if (!lab)
			continue;
		rc = put_lab(h, s, encounter, lab, day, minute, inflammation, id);
		json_array_append_new(results, ref("Observation", id));
	}
	if (rc != RK_OK) {
		json_decref(results);
		return rc;
	}
	const struct codes_document *doc = codes_documents_find("lab_report");
	char when[32], issued[32], id[64];
	fmt_dt(when, day, minute);
	fmt_dt(issued, day, minute + 120);
	json_t *code = json_pack("{s:[o, o], s:s}", "coding", coding(CODES_DOCUMENT_SYSTEM, doc->code, doc->ja),
			 coding(CODES_LOINC_SYSTEM, doc->code, "Laboratory report"), "text", "検体検査");
	json_t *r = json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:s, s:[o], s:o}", "resourceType", "DiagnosticReport",
			      "status", "final", "category", cc(DIAG_SERVICE_SYSTEM, "LAB", "Laboratory"), "code", code,
			      "subject", patient_ref(h, s), "encounter", ref("Encounter", encounter), "effectiveDateTime",
			      when, "issued", issued, "performer", org_ref(h, s), "result", results);
	new_id(h, id, "dxr", s);
	return put(h, "DiagnosticReport", id, r);
}

static json_t *vital_code(const char *key)
{
	const struct codes_vital *v = codes_vitals_find(key);
	return cc_text(CODES_LOINC_SYSTEM, v->loinc, v->display, v->ja);
}

static json_t *vital_qty(const char *key, double value)
{
	const struct codes_vital *v = codes_vitals_find(key);
	return qty(value, v->unit, CODES_UCUM_SYSTEM, v->ucum);
}

static json_t *vital_base(struct hist *h, int s, const char *encounter, const char *key, int64_t day, unsigned minute,
			  json_t *performer)
{
	char when[32];
	fmt_dt(when, day, minute);
	return json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:o}", "resourceType", "Observation", "status", "final",
			 "category", cc(OBS_CATEGORY_SYSTEM, "vital-signs", "Vital Signs"), "code", vital_code(key),
			 "subject", patient_ref(h, s), "encounter", ref("Encounter", encounter), "effectiveDateTime", when,
			 "performer", performer);
}

static enum rk_status put_bp(struct hist *h, int s, const char *encounter, int64_t day, unsigned minute, double sbp,
			     double dbp, json_t *performer)
{
	json_t *o = vital_base(h, s, encounter, "bp", day, minute, performer);
	if (o)
		json_object_set_new(o, "component",
				    json_pack("[{s:o, s:o}, {s:o, s:o}]", "code", vital_code("sbp"), "valueQuantity",
					      vital_qty("sbp", round(sbp)), "code", vital_code("dbp"), "valueQuantity",
					      vital_qty("dbp", round(dbp))));
	char id[64];
	new_id(h, id, "obs", s);
	return put(h, "Observation", id, o);
}

static enum rk_status put_vital(struct hist *h, int s, const char *encounter, const char *key, int64_t day,
				unsigned minute, double value, json_t *performer)
{
	json_t *o = vital_base(h, s, encounter, key, day, minute, performer);
	if (o)
		json_object_set_new(o, "valueQuantity", vital_qty(key, value));
	char id[64];
	new_id(h, id, "obs", s);
	return put(h, "Observation", id, o);
}

static json_t *medication_cc(const struct codes_medicine *m)
{
	return json_pack("{s:[o, o], s:s}", "coding", coding(CODES_HOT9_SYSTEM, m->hot9, m->name),
			 coding(CODES_YJ_SYSTEM, m->yj, m->name), "text", m->name);
}

static json_t *oral_dosage(const struct codes_medicine *m, unsigned days)
{
	const struct codes_usage *u = codes_usages_find(m->usage);
	char text[160], dose[32];
	if (m->dose == floor(m->dose))
		snprintf(dose, sizeof dose, "%.0f", m->dose);
	else
		snprintf(dose, sizeof dose, "%.1f", m->dose);
	snprintf(text, sizeof text, "%s １回%s%s %u日分", u->ja, dose, m->unit_ja, days);
	return json_pack("{s:s, s:{s:{s:o}, s:o}, s:o, s:o, s:[{s:o, s:o, s:{s:o, s:o}}]}", "text", text, "timing",
			 "repeat", "boundsDuration", days_qty(days), "code", cc(CODES_JAMI_USAGE_SYSTEM, u->code, u->ja),
			 "route", cc(CODES_ROUTE_SYSTEM, "PO", "口"), "method",
			 cc(CODES_JAMI_DETAIL_USAGE_SYSTEM, "10", "経口"), "doseAndRate", "type",
			 cc(CODES_STRENGTH_TYPE_SYSTEM, "1", "製剤量"), "doseQuantity",
			 qty(m->dose, m->unit_ja, CODES_MERIT9_UNIT_SYSTEM, m->unit), "rateRatio", "numerator",
			 qty(m->dose * u->per_day, m->unit_ja, CODES_MERIT9_UNIT_SYSTEM, m->unit), "denominator",
			 qty(1, "日", CODES_UCUM_SYSTEM, "d"));
}

struct rx {
	const struct codes_medicine *med;
	unsigned days;
	const char *category; /* MERIT-9 処方区分: OHO 院外処方, DCG 退院処方 */
	const char *condition; /* Condition id or NULL */
	bool active;
};

/* A pharmacy's dispensing of a prescription of site s (identified by its number). */
static enum rk_status put_dispense(struct hist *h, int s, const struct rx *x, const char *rx_number, int64_t day)
{
	int ph = h->pharmacy;
	const struct demo_site *site = &h->p->sites[ph];
	unsigned minute = 11 * 60 + below(h->r, 300);
	char prepared[32], handed[32], display[160], id[64];
	fmt_dt(prepared, day, minute);
	fmt_dt(handed, day, minute + 10);
	snprintf(display, sizeof display, "%s 発行の処方箋", h->p->sites[s].name);
	double total = x->med->dose * codes_usages_find(x->med->usage)->per_day * x->days;
	json_t *d = json_pack("{s:s, s:s, s:o, s:o, s:[{s:o}], s:[{s:{s:s, s:s}, s:s}], s:o, s:o, s:s, s:s, s:[o]}",
			      "resourceType", "MedicationDispense", "status", "completed", "medicationCodeableConcept",
			      medication_cc(x->med), "subject", patient_ref(h, ph), "performer", "actor",
			      prac_ref(h, ph, site->pharmacist_first + below(h->r, site->pharmacists ? site->pharmacists : 1)),
			      "authorizingPrescription", "identifier", "system", RESOURCE_ID_SYSTEM, "value", rx_number,
			      "display", display, "quantity",
			      qty(total, x->med->unit_ja, CODES_MERIT9_UNIT_SYSTEM, x->med->unit), "daysSupply",
			      days_qty(x->days), "whenPrepared", prepared, "whenHandedOver", handed, "dosageInstruction",
			      oral_dosage(x->med, x->days));
	new_id(h, id, "mdp", ph);
	return put(h, "MedicationDispense", id, d);
}

/* An oral prescription; dispensed at the person's pharmacy when it is outside the hospital (院外処方). */
static enum rk_status put_oral_rx(struct hist *h, int s, const char *encounter, const struct rx *x, int64_t day,
				  unsigned minute)
{
	char authored[32], id[64], number[96];
	fmt_dt(authored, day, minute);
	new_id(h, id, "mrx", s);
	snprintf(number, sizeof number, "%s-%s", h->p->sites[s].code, id);
	const char *cat_ja = strcmp(x->category, "DCG") == 0 ? "退院処方" : "院外処方";
	double total = x->med->dose * codes_usages_find(x->med->usage)->per_day * x->days;
	json_t *m = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:o, s:[o], s:{s:o, s:o}}",
			      "resourceType", "MedicationRequest", "identifier", "system", CODES_RP_NUMBER_SYSTEM, "value",
			      "1", "system", RESOURCE_ID_SYSTEM, "value", number, "status", x->active ? "active" : "completed",
			      "intent", "order", "category", cc(CODES_MERIT9_CATEGORY_SYSTEM, x->category, cat_ja),
			      "medicationCodeableConcept", medication_cc(x->med), "subject", patient_ref(h, s), "encounter",
			      ref("Encounter", encounter), "authoredOn", authored, "requester", doctor_ref(h, s),
			      "dosageInstruction", oral_dosage(x->med, x->days), "dispenseRequest", "quantity",
			      qty(total, x->med->unit_ja, CODES_MERIT9_UNIT_SYSTEM, x->med->unit), "expectedSupplyDuration",
			      days_qty(x->days));
	if (m && x->condition)
		json_object_set_new(m, "reasonReference", json_pack("[o]", ref("Condition", x->condition)));
	enum rk_status rc = put(h, "MedicationRequest", id, m);
	if (rc == RK_OK && h->pharmacy >= 0 && !h->p->sites[s].external) /* SS-MIX2 prescriptions are not dispensed here */
		rc = put_dispense(h, s, x, number, day);
	return rc;
}

/* An injection order during an admission and its administrations (per_day a day for days days). */
static enum rk_status put_injection(struct hist *h, int s, const char *encounter, const char *medkey, int64_t day,
				    unsigned days, unsigned per_day, const char *condition)
{
	const struct codes_medicine *m = codes_medicines_find(medkey);
	char start[32], end[32], authored[32], id[64], text[160];
	fmt_dt(authored, day, 10 * 60);
	fmt_dt(start, day, 11 * 60);
	fmt_dt(end, day + days - 1, 20 * 60);
	bool drip = strcmp(m->unit, "ML") == 0 || strcmp(m->unit, "G") == 0;
	snprintf(text, sizeof text, "%s １回%.0f%s １日%u回 %u日間", drip ? "点滴静注" : "静脈注射", m->dose, m->unit_ja,
		 per_day, days);
	json_t *dose = qty(m->dose, m->unit_ja, CODES_MERIT9_UNIT_SYSTEM, m->unit);
	char number[96];
	new_id(h, id, "mrx", s);
	snprintf(number, sizeof number, "%s-%s", h->p->sites[s].code, id);
	json_t *mr = json_pack(
		"{s:s, s:[{s:s, s:s}], s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:o, s:[{s:s, s:{s:{s:{s:s, s:s}, s:i, s:i, s:s}}, s:o, s:o, s:[{s:o, s:O}]}]}",
		"resourceType", "MedicationRequest", "identifier", "system", RESOURCE_ID_SYSTEM, "value", number, "status",
		"completed", "intent", "order", "category",
		cc(CODES_MERIT9_CATEGORY_SYSTEM, "IHP", "入院処方"), "medicationCodeableConcept", medication_cc(m), "subject",
		patient_ref(h, s), "encounter", ref("Encounter", encounter), "authoredOn", authored, "requester",
		doctor_ref(h, s), "dosageInstruction", "text", text, "timing", "repeat", "boundsPeriod", "start", start, "end",
		end, "frequency", (int)per_day, "period", 1, "periodUnit", "d", "route", cc(CODES_ROUTE_SYSTEM, "IV", "静脈内"),
		"method", drip ? cc(CODES_JAMI_BASIC_USAGE_SYSTEM, "3", "注射") : cc(CODES_JAMI_DETAIL_USAGE_SYSTEM, "30", "静脈注射"),
		"doseAndRate", "type", cc(CODES_STRENGTH_TYPE_SYSTEM, "1", "製剤量"), "doseQuantity", dose);
	if (mr && condition)
		json_object_set_new(mr, "reasonReference", json_pack("[o]", ref("Condition", condition)));
	enum rk_status rc = put(h, "MedicationRequest", id, mr);
	const struct demo_site *site = &h->p->sites[s];
	for (unsigned d = 0; d < days && rc == RK_OK; d++)
		for (unsigned k = 0; k < per_day && rc == RK_OK; k++) {
			char when[32], aid[64];
			fmt_dt(when, day + d, (k ? 21 : 11) * 60 + below(h->r, 30));
			json_t *a = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:[{s:o}], s:o, s:{s:s, s:o, s:O}}", "resourceType",
					      "MedicationAdministration", "status", "completed", "medicationCodeableConcept",
					      medication_cc(m), "subject", patient_ref(h, s), "context", ref("Encounter", encounter),
					      "effectiveDateTime", when, "performer", "actor",
					      prac_ref(h, s, site->nurse_first + below(h->r, site->nurses ? site->nurses : 1)),
					      "request", ref("MedicationRequest", id), "dosage", "text", text, "route",
					      cc(CODES_ROUTE_SYSTEM, "IV", "静脈内"), "dose", dose);
			new_id(h, aid, "mad", s);
			rc = put(h, "MedicationAdministration", aid, a);
		}
	json_decref(dose);
	return rc;
}

/* A DICOM UID under the 2.25 root (UUID-derived, ISO/IEC 9834-8): no registration needed. */
static void dicom_uid(struct hist *h, char out[64])
{
	snprintf(out, 64, "2.25.%u%017llu%017llu", 1 + below(h->r, 9),
		 (unsigned long long)(rng_next(h->r) % 100000000000000000ULL),
		 (unsigned long long)(rng_next(h->r) % 100000000000000000ULL));
}

/* An imaging study and its radiology report. */
static enum rk_status put_imaging(struct hist *h, int s, const char *encounter, const char *modality, int64_t day,
				  const char *what, const char *conclusion)
{
	const struct codes_modality *mod = codes_modalities_find(modality);
	char started[32], issued[32], id[64], uid[64], suid[64], study[80];
	fmt_dt(started, day, 14 * 60 + below(h->r, 120));
	fmt_dt(issued, day + (strcmp(modality, "CR") == 0 ? 0 : 1), 17 * 60);
	dicom_uid(h, uid);
	dicom_uid(h, suid);
	snprintf(study, sizeof study, "urn:oid:%s", uid);
	unsigned images = strcmp(modality, "CR") == 0 ? 2 : strcmp(modality, "US") == 0 ? 24 : 60 + below(h->r, 240);
	json_t *img = json_pack("{s:s, s:[{s:s, s:s}], s:s, s:[o], s:o, s:o, s:s, s:i, s:i, s:[o], s:o, s:s, s:[{s:s, s:i, s:o, s:s, s:i, s:s}]}",
				"resourceType", "ImagingStudy", "identifier", "system", "urn:dicom:uid", "value", study, "status",
				"available", "modality", coding(CODES_DICOM_SYSTEM, mod->code, NULL), "subject", patient_ref(h, s),
				"encounter", ref("Encounter", encounter), "started", started, "numberOfSeries", 1,
				"numberOfInstances", (int)images, "procedureCode", text_cc(what), "referrer", doctor_ref(h, s),
				"description", what, "series", "uid", suid, "number", 1, "modality",
				coding(CODES_DICOM_SYSTEM, mod->code, NULL), "description", what, "numberOfInstances", (int)images,
				"started", started);
	new_id(h, id, "img", s);
	enum rk_status rc = put(h, "ImagingStudy", id, img);
	if (rc != RK_OK)
		return rc;
	json_t *code = json_pack("{s:[o, o], s:s}", "coding", coding(CODES_DOCUMENT_SYSTEM, mod->report_code, mod->report_ja),
				 coding(CODES_LOINC_SYSTEM, mod->report_code, NULL), "text", mod->report_ja);
	json_t *r = json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:s, s:[o], s:[o], s:[o], s:s}", "resourceType",
			      "DiagnosticReport", "status", "final", "category", cc(DIAG_SERVICE_SYSTEM, "RAD", "Radiology"),
			      "code", code, "subject", patient_ref(h, s), "encounter", ref("Encounter", encounter),
			      "effectiveDateTime", started, "issued", issued, "performer", org_ref(h, s), "resultsInterpreter",
			      doctor_ref(h, s), "imagingStudy", ref("ImagingStudy", id), "conclusion", conclusion);
	char rid[64];
	new_id(h, rid, "dxr", s);
	return put(h, "DiagnosticReport", rid, r);
}

/* A document: the DocumentReference, then its content as a Binary (plain UTF-8 text). */
static enum rk_status put_document(struct hist *h, int s, const char *kind, const char *encounter, int64_t day,
				   const char *title, const char *description, const char *text, const char *composition)
{
	const struct codes_document *doc = codes_documents_find(kind);
	char date[32], id[64], bin[64], url[80];
	fmt_dt(date, day, 16 * 60 + below(h->r, 90));
	new_id(h, id, "doc", s);
	new_id(h, bin, "bin", s);
	snprintf(url, sizeof url, "Binary/%s", bin);
	size_t len = strlen(text);
	json_t *dr = json_pack("{s:s, s:s, s:s, s:{s:[o, o], s:s}, s:o, s:s, s:[o, o], s:o, s:s, s:[{s:{s:s, s:s, s:s, s:I, s:s, s:s}}]}",
			       "resourceType", "DocumentReference", "status", "current", "docStatus", "final", "type",
			       "coding", coding(CODES_DOCUMENT_SYSTEM, doc->code, doc->ja), coding(CODES_LOINC_SYSTEM, doc->code, NULL),
			       "text", title, "subject", patient_ref(h, s), "date", date, "author", doctor_ref(h, s),
			       org_ref(h, s), "custodian", org_ref(h, s), "description", description, "content", "attachment",
			       "contentType", "text/plain; charset=utf-8", "language", "ja", "url", url, "size", (json_int_t)len,
			       "title", title, "creation", date);
	if (dr && (encounter || composition)) {
		json_t *ctx = json_object();
		if (encounter)
			json_object_set_new(ctx, "encounter", json_pack("[o]", ref("Encounter", encounter)));
		if (composition)
			json_object_set_new(ctx, "related", json_pack("[o]", ref("Composition", composition)));
		json_object_set_new(dr, "context", ctx);
	}
	enum rk_status rc = put(h, "DocumentReference", id, dr);
	if (rc != RK_OK)
		return rc;
	size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	if (!b64)
		return rk_fail(h->c->err, RK_INTERNAL, "out of memory");
	sodium_bin2base64(b64, b64len, (const unsigned char *)text, len, sodium_base64_VARIANT_ORIGINAL);
	json_t *b = json_pack("{s:s, s:s, s:o, s:s}", "resourceType", "Binary", "contentType", "text/plain; charset=utf-8",
			      "securityContext", ref("DocumentReference", id), "data", b64);
	free(b64);
	return put(h, "Binary", bin, b);
}

static json_t *section(const char *title, const char *body, json_t *entries)
{
	char div[2048];
	snprintf(div, sizeof div, "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>%s</p></div>", body);
	json_t *s = json_pack("{s:s, s:{s:s, s:s}}", "title", title, "text", "status", "generated", "div", div);
	if (s && entries)
		json_object_set_new(s, "entry", entries);
	else
		json_decref(entries);
	return s;
}

/* The discharge summary as a Composition; its id goes to id. */
static enum rk_status put_composition(struct hist *h, int s, const char *encounter, int64_t day, const char *diagnosis,
				      const char *course, const char *plan, const char *condition, char id[64])
{
	char date[32];
	fmt_dt(date, day, 15 * 60);
	json_t *sections = json_pack("[o, o, o]", section("入院時診断", diagnosis, condition ? json_pack("[o]", ref("Condition", condition)) : NULL),
				     section("入院後経過", course, NULL), section("退院時方針", plan, NULL));
	json_t *c = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:[o], s:s, s:o, s:o}", "resourceType", "Composition", "status",
			      "final", "type", cc_text(CODES_LOINC_SYSTEM, "18842-5", "Discharge summary", "退院時サマリー"),
			      "subject", patient_ref(h, s), "encounter", ref("Encounter", encounter), "date", date, "author",
			      doctor_ref(h, s), "title", "退院時サマリー", "custodian", org_ref(h, s), "section", sections);
	new_id(h, id, "comp", s);
	return put(h, "Composition", id, c);
}

static enum rk_status put_procedure(struct hist *h, int s, const char *encounter, const char *what, const char *body,
				    int64_t day, const char *condition)
{
	char when[32], id[64];
	fmt_dt(when, day, 13 * 60 + below(h->r, 180));
	json_t *p = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:[{s:o}], s:[o], s:[o], s:o}", "resourceType", "Procedure",
			      "status", "completed", "code", text_cc(what), "subject", patient_ref(h, s), "encounter",
			      ref("Encounter", encounter), "performedDateTime", when, "performer", "actor", doctor_ref(h, s),
			      "reasonReference", ref("Condition", condition), "bodySite", text_cc(body), "outcome",
			      text_cc("合併症なく終了"));
	new_id(h, id, "proc", s);
	return put(h, "Procedure", id, p);
}

static enum rk_status put_allergy(struct hist *h, int s, const struct codes_allergen *a, int64_t recorded)
{
	char rec[16], id[64];
	fmt_date(rec, recorded);
	bool drug = strcmp(a->category, "medication") == 0;
	json_t *al = json_pack("{s:s, s:o, s:o, s:s, s:[s], s:s, s:o, s:o, s:s, s:o, s:[{s:[o], s:s}]}", "resourceType",
			       "AllergyIntolerance", "clinicalStatus",
			       cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
			       "verificationStatus",
			       cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
			       "type", "allergy", "category", a->category, "criticality", a->high ? "high" : "low", "code",
			       cc_text(a->system, a->code, a->ja, a->ja), "patient", patient_ref(h, s), "recordedDate", rec,
			       "recorder", doctor_ref(h, s), "reaction", "manifestation", text_cc(a->reaction), "severity",
			       a->high ? "severe" : "mild");
	if (al && drug)
		json_object_set_new(al, "note", json_pack("[{s:s}]", "text", a->high ? "薬剤禁忌。同系統の薬剤も避けること。" : "再投与は避けること。"));
	new_id(h, id, "alg", s);
	return put(h, "AllergyIntolerance", id, al);
}

static enum rk_status put_immunization(struct hist *h, int s, int64_t day, unsigned dose_number)
{
	const struct codes_vaccine *v = &codes_vaccines[0];
	const struct codes_diagnosis *target = codes_diagnoses_find(v->disease);
	char when[32], lot[16], id[64];
	fmt_dt(when, day, 14 * 60 + below(h->r, 180));
	snprintf(lot, sizeof lot, "FF%04u", below(h->r, 10000));
	json_t *im = json_pack("{s:s, s:s, s:o, s:o, s:s, s:b, s:s, s:o, s:o, s:[{s:o}], s:[{s:[o], s:i}]}", "resourceType",
			       "Immunization", "status", "completed", "vaccineCode",
			       cc_text(CODES_HOT9_SYSTEM, v->hot9, v->name, v->name), "patient", patient_ref(h, s),
			       "occurrenceDateTime", when, "primarySource", 1, "lotNumber", lot, "site",
			       cc(CODES_JAMI_SITE_SYSTEM, "74L", "左上腕"), "doseQuantity", qty(0.3, "mL", CODES_UCUM_SYSTEM, "mL"),
			       "performer", "actor", org_ref(h, s), "protocolApplied", "targetDisease",
			       diagnosis_cc(target), "doseNumberPositiveInt", (int)dose_number);
	new_id(h, id, "imm", s);
	return put(h, "Immunization", id, im);
}

/* ---- the plan of a life ---- */

static bool is_kind(const struct demo_site *s, const char *kind)
{
	return strcmp(s->kind, kind) == 0;
}

static void classify_sites(struct hist *h)
{
	h->primary = h->hospital = h->ortho = h->derm = h->eye = h->peds = h->pharmacy = h->homecare = -1;
	for (size_t i = 0; i < h->p->n; i++) {
		const struct demo_site *s = &h->p->sites[i];
		int k = (int)i;
		if (is_kind(s, "hospital") && h->hospital < 0)
			h->hospital = k;
		else if (is_kind(s, "pharmacy") && h->pharmacy < 0)
			h->pharmacy = k;
		else if (is_kind(s, "home_nursing"))
			h->homecare = k;
		else if (is_kind(s, "clinic")) {
			if (strcmp(s->specialty, "internal") == 0 && h->primary < 0)
				h->primary = k;
			else if (strcmp(s->specialty, "orthopedics") == 0)
				h->ortho = k;
			else if (strcmp(s->specialty, "dermatology") == 0)
				h->derm = k;
			else if (strcmp(s->specialty, "ophthalmology") == 0)
				h->eye = k;
			else if (strcmp(s->specialty, "pediatrics") == 0)
				h->peds = k;
		}
		unsigned docs = s->doctors ? s->doctors : 1;
		h->doctor[i] = s->doctor_first + below(h->r, docs);
	}
	if (h->primary < 0)
		h->primary = h->hospital;
}

/* Chronic diseases by age band (<40, 40-64, 65-74, 75+), percent; where each is followed. */
static const struct {
	const char *dx;
	unsigned char pct[4];
	char sex;       /* 'm', 'f' or 0 */
	char where;     /* 'p' primary, 'h' hospital if any, 'o' orthopedics, 'd' dermatology, 'e' ophthalmology */
	const char *meds[3]; /* alternatives; the first drawn is prescribed */
} chronic[] = {
	{"hypertension", {3, 25, 45, 60}, 0, 'p', {"amlodipine", "candesartan", "nifedipine"}},
	{"diabetes", {1, 10, 17, 20}, 0, 'p', {"glimepiride", "pioglitazone", NULL}},
	{"dyslipidemia", {4, 22, 30, 28}, 0, 'p', {"pravastatin", "atorvastatin", NULL}},
	{"hyperuricemia", {5, 12, 12, 10}, 'm', 'p', {"allopurinol", NULL, NULL}},
	{"reflux_esophagitis", {4, 8, 10, 12}, 0, 'p', {"lansoprazole", "vonoprazan", "famotidine"}},
	{"insomnia", {2, 5, 10, 15}, 0, 'p', {"zolpidem", NULL, NULL}},
	{"iron_deficiency_anemia", {5, 5, 3, 4}, 'f', 'p', {"ferrous", NULL, NULL}},
	{"ckd", {0, 3, 10, 22}, 0, 'h', {NULL, NULL, NULL}},
	{"heart_failure", {0, 1, 4, 12}, 0, 'h', {"carvedilol", NULL, NULL}},
	{"angina", {0, 2, 5, 7}, 0, 'h', {NULL, NULL, NULL}},
	{"alzheimer", {0, 0, 3, 15}, 0, 'h', {"donepezil", NULL, NULL}},
	{"osteoporosis", {0, 4, 20, 35}, 'f', 'o', {"alfacalcidol", NULL, NULL}},
	{"knee_oa", {0, 5, 15, 25}, 0, 'o', {NULL, NULL, NULL}},
	{"bph", {0, 5, 15, 20}, 'm', 'p', {NULL, NULL, NULL}},
	{"cataract", {0, 5, 35, 55}, 0, 'e', {NULL, NULL, NULL}},
	{"atopic_dermatitis", {25, 10, 3, 2}, 0, 'd', {"fexofenadine", NULL, NULL}},
};

static int site_for(const struct hist *h, char where)
{
	switch (where) {
	case 'h':
		return h->hospital >= 0 ? h->hospital : h->primary;
	case 'o':
		return h->ortho >= 0 ? h->ortho : -1;
	case 'd':
		return h->derm;
	case 'e':
		return h->eye;
	default:
		return h->primary;
	}
}

static void draw_conditions(struct hist *h)
{
	unsigned age = h->p->age;
	size_t band = age < 40 ? 0 : age < 65 ? 1 : age < 75 ? 2 : 3;
	bool dm = false;
	for (size_t i = 0; i < sizeof chronic / sizeof chronic[0] && h->n_conds < MAX_CONDITIONS; i++) {
		unsigned pct = chronic[i].pct[band];
		if (age < 20 && strcmp(chronic[i].dx, "atopic_dermatitis") != 0)
			continue;
		if (chronic[i].sex && chronic[i].sex != (h->p->male ? 'm' : 'f'))
			pct /= 5;
		if (strcmp(chronic[i].dx, "ckd") == 0 && dm)
			pct += 15;
		if (strcmp(chronic[i].dx, "alzheimer") == 0 && age >= 85)
			pct += 12;
		int s = site_for(h, chronic[i].where);
		if (s < 0 && chronic[i].where == 'o' && strcmp(chronic[i].dx, "osteoporosis") == 0)
			s = h->primary;
		if (s < 0 || !chance(h->r, pct))
			continue;
		struct cond *c = &h->conds[h->n_conds];
		c->dx = codes_diagnoses_find(chronic[i].dx);
		c->site = s;
		c->fresh = chance(h->r, 35);
		unsigned alts = 0;
		while (alts < 3 && chronic[i].meds[alts])
			alts++;
		c->meds[0] = alts ? chronic[i].meds[below(h->r, alts)] : NULL;
		c->meds[1] = NULL;
		if (strcmp(chronic[i].dx, "hypertension") == 0 && age >= 70 && chance(h->r, 30))
			c->meds[1] = strcmp(c->meds[0], "candesartan") == 0 ? "amlodipine" : "candesartan";
		if (strcmp(chronic[i].dx, "heart_failure") == 0)
			c->meds[1] = "torasemide";
		dm |= strcmp(chronic[i].dx, "diabetes") == 0;
		h->n_conds++;
	}
}

static bool has_dx(const struct hist *h, const char *key, int site)
{
	for (size_t i = 0; i < h->n_conds; i++)
		if (strcmp(h->conds[i].dx->key, key) == 0 && (site < 0 || h->conds[i].site == site))
			return true;
	return false;
}

static void init_trends(struct hist *h)
{
	init_labs(h);
	h->dm = has_dx(h, "diabetes", -1);
	h->dl = has_dx(h, "dyslipidemia", -1);
	h->ckd = has_dx(h, "ckd", -1);
	h->hf = has_dx(h, "heart_failure", -1);
	h->hu = has_dx(h, "hyperuricemia", -1);
	h->anemia = has_dx(h, "iron_deficiency_anemia", -1);
	h->a1c_lo = uniform(h->r, 6.6, 7.4);
	h->a1c_hi = h->a1c_lo + uniform(h->r, 1.4, 2.6);
	h->ldl_lo = uniform(h->r, 95, 125);
	h->ldl_hi = uniform(h->r, 160, 195);
	h->ua_lo = uniform(h->r, 5.6, 6.4);
	h->ua_hi = uniform(h->r, 8.2, 9.4);
	h->hb_lo = uniform(h->r, 9.0, 10.4);
	h->egfr0 = uniform(h->r, 47, 58);
	h->egfr_slope = -uniform(h->r, 3.0, 5.5) - (h->dm ? 2.0 : 0);
	h->egfr_day0 = h->p->today - 3 * 365;
	h->bnp_base = uniform(h->r, 110, 420);
	h->sbp_hi = uniform(h->r, 150, 168);
	/* Long-treated conditions sit at their treated level from the start. */
	h->dm_start = h->dl_start = h->hu_start = h->an_start = -1000000;
}

static bool allergic_to(const struct hist *h, const char *med)
{
	for (size_t i = 0; i < h->n_allergies; i++)
		if (strcmp(h->allergies[i]->key, med) == 0)
			return true;
	return false;
}

/* The lab panel of a follow-up visit at site s. */
static size_t panel_keys(const struct hist *h, int s, const char **keys, bool blood_count)
{
	size_t n = 0;
	static const char *const base[] = {"alt", "cre", "egfr"};
	for (size_t i = 0; i < 3; i++)
		keys[n++] = base[i];
	if (has_dx(h, "ckd", s) || has_dx(h, "heart_failure", s) || has_dx(h, "hypertension", s))
		keys[n++] = "k";
	if (has_dx(h, "diabetes", s)) {
		keys[n++] = "hba1c";
		keys[n++] = "glucose";
	}
	if (has_dx(h, "dyslipidemia", s)) {
		keys[n++] = "ldl";
		keys[n++] = "hdl";
		keys[n++] = "tg";
	}
	if (has_dx(h, "hyperuricemia", s))
		keys[n++] = "ua";
	if (has_dx(h, "ckd", s))
		keys[n++] = "bun";
	if (has_dx(h, "heart_failure", s)) {
		keys[n++] = "bnp";
		keys[n++] = "na";
	}
	if (blood_count || has_dx(h, "iron_deficiency_anemia", s) || has_dx(h, "ckd", s))
		keys[n++] = "hb";
	if (blood_count)
		keys[n++] = "wbc";
	return n;
}

static double blood_pressure(struct hist *h, int64_t day, int64_t start, bool hypertensive, double *dbp)
{
	double sbp = hypertensive ? treated(h->sbp_hi, 131, start, day, 60) : 118 + 0.25 * h->p->age;
	sbp += gauss(h->r, 7);
	*dbp = sbp * 0.6 + gauss(h->r, 4);
	return sbp;
}

/* Imaging done when a chronic condition is first seen at site s. */
static enum rk_status first_visit_imaging(struct hist *h, int s, const char *enc, int64_t day)
{
	enum rk_status rc = RK_OK;
	if (has_dx(h, "alzheimer", s))
		rc = put_imaging(h, s, enc, "MR", day, "頭部MRI",
				 "両側海馬の萎縮を認める。明らかな新規梗塞巣なし。アルツハイマー型認知症に矛盾しない所見。");
	if (rc == RK_OK && has_dx(h, "heart_failure", s))
		rc = put_imaging(h, s, enc, "US", day, "心臓超音波検査",
				 "左室駆出率 約40%。左室壁運動のびまん性低下。中等度の僧帽弁逆流。");
	if (rc == RK_OK && has_dx(h, "angina", s))
		rc = put_imaging(h, s, enc, "CT", day, "冠動脈CT", "左前下行枝近位部に50〜75%の狭窄を認める。石灰化は軽度。");
	if (rc == RK_OK && has_dx(h, "knee_oa", s))
		rc = put_imaging(h, s, enc, "CR", day, "膝関節X線（両側２方向）",
				 "両膝関節の内側関節裂隙の狭小化と骨棘形成を認める（K-L分類 grade 2〜3）。");
	return rc;
}

/* Follow-up of the chronic conditions managed at site s: visits, vital signs, labs, prescriptions. */
static enum rk_status chronic_series(struct hist *h, int s)
{
	size_t idx[MAX_CONDITIONS], n = 0;
	for (size_t i = 0; i < h->n_conds; i++)
		if (h->conds[i].site == s)
			idx[n++] = i;
	if (!n)
		return RK_OK;
	const struct demo_site *site = &h->p->sites[s];
	bool hosp = is_kind(site, "hospital");
	bool internal = hosp || strcmp(site->specialty, "internal") == 0;
	/* Long-term prescriptions of 4, 8 or 12 weeks set the rhythm of the visits. */
	unsigned draw = below(h->r, 100);
	unsigned interval = hosp ? (has_dx(h, "heart_failure", s) ? 56 : 84)
			  : internal ? (draw < 25 ? 28 : draw < 70 ? 56 : 84) : 56;
	if (strcmp(site->specialty, "ophthalmology") == 0)
		interval = 84;
	/* Labs about every three months: every third, second or single visit. */
	unsigned lab_every = interval == 28 ? 3 : interval == 56 ? 2 : 1;
	int64_t today = h->p->today, first = today - 365 - below(h->r, 366);
	bool fresh_ht = false;
	for (size_t i = 0; i < n; i++) {
		struct cond *c = &h->conds[idx[i]];
		if (!c->fresh)
			continue;
		const char *k = c->dx->key;
		if (strcmp(k, "diabetes") == 0)
			h->dm_start = first;
		else if (strcmp(k, "dyslipidemia") == 0)
			h->dl_start = first;
		else if (strcmp(k, "hyperuricemia") == 0)
			h->hu_start = first;
		else if (strcmp(k, "iron_deficiency_anemia") == 0)
			h->an_start = first;
		else if (strcmp(k, "hypertension") == 0)
			fresh_ht = true;
	}
	bool hypertensive = has_dx(h, "hypertension", s);
	enum rk_status rc = RK_OK;
	for (unsigned k = 0; rc == RK_OK; k++) {
		int64_t day = first + (int64_t)k * interval + below(h->r, 4);
		if (day >= today)
			break;
		bool last = day + interval >= today;
		unsigned minute = 9 * 60 + below(h->r, 7 * 60);
		char enc[64];
		rc = put_encounter(h, s, "AMB", day, minute, 0, k == 0 ? "定期受診" : NULL, enc);
		for (size_t i = 0; i < n && k == 0 && rc == RK_OK; i++) {
			struct cond *c = &h->conds[idx[i]];
			int64_t onset = c->fresh ? first : first - 200 - below(h->r, 365 * 8);
			rc = put_condition(h, s, c->dx, onset, first, -1, NULL, c->id);
		}
		if (rc == RK_OK && k == 0)
			rc = first_visit_imaging(h, s, enc, day);
		if (rc == RK_OK && internal && (hypertensive || k % 3 == 0)) {
			double dbp, sbp = blood_pressure(h, day, fresh_ht ? first : -1000000, hypertensive, &dbp);
			rc = put_bp(h, s, enc, day, minute + 5, sbp, dbp, json_pack("[o]", doctor_ref(h, s)));
		}
		bool labs = internal ? k % lab_every == 0 : has_dx(h, "osteoporosis", s) && k % 3 == 0;
		if (rc == RK_OK && labs) {
			const char *keys[24];
			size_t nk = internal ? panel_keys(h, s, keys, hosp) : 0;
			if (!internal) {
				keys[nk++] = "ca";
				keys[nk++] = "alp";
				keys[nk++] = "cre";
				keys[nk++] = "egfr";
			}
			rc = put_panel(h, s, enc, day, keys, nk, 0);
		}
		for (size_t i = 0; i < n && rc == RK_OK; i++)
			for (size_t j = 0; j < 2 && rc == RK_OK; j++) {
				const char *mk = h->conds[idx[i]].meds[j];
				if (!mk)
					continue;
				const struct codes_medicine *m = codes_medicines_find(mk);
				unsigned days = m->days && m->days < interval ? m->days : interval;
				struct rx x = {m, days, "OHO", h->conds[idx[i]].id, last};
				rc = put_oral_rx(h, s, enc, &x, day, minute + 15);
			}
	}
	return rc;
}

/* Acute illnesses seen as outpatients, by the kind of facility. */
static const struct acute {
	const char *dx;
	const char *where;  /* specialties that see it */
	unsigned weight;
	const char *reason; /* 主訴 */
	const char *meds[2];
	unsigned days_to_heal;
	double fever;       /* body temperature, 0 = not measured */
} acutes[] = {
	{"upper_respiratory_infection", "internal general pediatrics", 40, "咽頭痛・鼻汁", {"carbocisteine", "dextromethorphan"}, 7, 37.6},
	{"acute_bronchitis", "internal general pediatrics", 20, "咳嗽・喀痰", {"clarithromycin", "carbocisteine"}, 14, 37.9},
	{"influenza", "internal general pediatrics", 15, "発熱・関節痛", {"oseltamivir", NULL}, 7, 38.9},
	{"covid19", "internal general pediatrics", 10, "発熱・咽頭痛", {"dextromethorphan", NULL}, 10, 38.2},
	{"gastritis", "internal general", 10, "心窩部痛", {"famotidine", NULL}, 21, 0},
	{"colitis", "internal general pediatrics", 5, "下痢・腹痛", {"clostridium", NULL}, 7, 37.4},
	{"lumbago", "orthopedics", 60, "腰痛", {"eperisone", NULL}, 30, 0},
	{"distal_radius_fracture", "orthopedics", 40, "転倒後の手関節痛", {NULL, NULL}, 60, 0},
	{"herpes_zoster", "dermatology", 45, "片側性の疼痛を伴う皮疹", {"valaciclovir", NULL}, 21, 0},
	{"urticaria", "dermatology", 55, "膨疹・そう痒", {"fexofenadine", NULL}, 14, 0},
	{"cataract", "ophthalmology", 100, "視力低下・かすみ目", {NULL, NULL}, 0, 0},
};

static enum rk_status acute_episode(struct hist *h, int s)
{
	const struct demo_site *site = &h->p->sites[s];
	const char *spec = is_kind(site, "hospital") ? "general" : site->specialty;
	unsigned total = 0;
	for (size_t i = 0; i < sizeof acutes / sizeof acutes[0]; i++)
		if (strstr(acutes[i].where, spec))
			total += acutes[i].weight;
	if (!total)
		return RK_OK;
	unsigned x = below(h->r, total);
	const struct acute *a = &acutes[0];
	for (size_t i = 0; i < sizeof acutes / sizeof acutes[0]; i++)
		if (strstr(acutes[i].where, spec)) {
			if (x < acutes[i].weight) {
				a = &acutes[i];
				break;
			}
			x -= acutes[i].weight;
		}
	if (strcmp(a->dx, "gastritis") == 0 && h->p->age < 15)
		a = &acutes[0];
	int64_t day = h->p->today - 8 - below(h->r, 1000);
	unsigned minute = 9 * 60 + below(h->r, 8 * 60);
	char enc[64], cond[64];
	enum rk_status rc = put_encounter(h, s, "AMB", day, minute, 0, a->reason, enc);
	if (rc == RK_OK && a->fever > 0)
		rc = put_vital(h, s, enc, "temp", day, minute + 3, round_to(a->fever + gauss(h->r, 0.3), 1),
			       json_pack("[o]", doctor_ref(h, s)));
	if (rc == RK_OK && strcmp(a->dx, "acute_bronchitis") == 0)
		rc = put_vital(h, s, enc, "spo2", day, minute + 4, 95 + below(h->r, 4), json_pack("[o]", doctor_ref(h, s)));
	const struct codes_diagnosis *dx = codes_diagnoses_find(a->dx);
	int64_t healed = a->days_to_heal ? day + a->days_to_heal : -1;
	if (healed >= h->p->today)
		healed = -1;
	if (rc == RK_OK)
		rc = put_condition(h, s, dx, day - 1 - below(h->r, 3), day, healed, enc, cond);
	if (rc == RK_OK && is_kind(site, "hospital") && a->fever > 0) {
		static const char *const keys[] = {"wbc", "crp", "ast", "alt", "cre", "egfr"};
		rc = put_panel(h, s, enc, day, keys, 6, 0.25);
	}
	if (rc == RK_OK && strcmp(a->dx, "lumbago") == 0)
		rc = put_imaging(h, s, enc, "CR", day, "腰椎X線（２方向）", "腰椎に軽度の変形性変化。椎体骨折なし。すべりなし。");
	if (rc == RK_OK && strcmp(a->dx, "distal_radius_fracture") == 0) {
		rc = put_imaging(h, s, enc, "CR", day, "手関節X線（２方向）", "橈骨遠位端骨折。背側転位は軽度。関節内骨折なし。");
		if (rc == RK_OK)
			rc = put_procedure(h, s, enc, "ギプス固定（前腕）", "前腕・手関節", day, cond);
	}
	for (size_t i = 0; i < 2 && rc == RK_OK && h->p->age >= 15; i++) {
		const char *mk = a->meds[i];
		if (!mk)
			continue;
		if (allergic_to(h, mk))
			mk = strcmp(mk, "clarithromycin") == 0 ? "cefcapene" : "clarithromycin";
		if (allergic_to(h, mk))
			continue;
		const struct codes_medicine *m = codes_medicines_find(mk);
		struct rx order = {m, m->days ? m->days : 7, "OHO", cond, false};
		rc = put_oral_rx(h, s, enc, &order, day, minute + 15);
	}
	return rc;
}

/* A letter (診療情報提供書) from site s to site t about the person. */
static void referral_letter(struct hist *h, struct buf *b, int s, int t, int64_t day, const char *purpose,
			    const char *diagnosis, const char *history)
{
	char date[32];
	fmt_date_ja(date, day);
	buf_printf(b, "診療情報提供書\n\n%s\n%s 御中\n\n紹介元: %s\n\n患者氏名: %s 様（%s生、%s）\n\n", date,
		   h->p->sites[t].name, h->p->sites[s].name, h->p->name, h->p->birth, h->p->male ? "男性" : "女性");
	buf_printf(b, "傷病名: %s\n\n紹介目的: %s\n\n既往歴・経過:\n%s\n\n", diagnosis, purpose, history);
	buf_puts(b, "現在の治療:\n");
	bool any = false;
	for (size_t i = 0; i < h->n_conds; i++) {
		const struct cond *c = &h->conds[i];
		if (c->site != s)
			continue;
		buf_printf(b, "・%s", c->dx->ja);
		for (size_t j = 0; j < 2; j++)
			if (c->meds[j])
				buf_printf(b, " %s", codes_medicines_find(c->meds[j])->name);
		buf_puts(b, "\n");
		any = true;
	}
	if (!any)
		buf_puts(b, "・なし\n");
	buf_puts(b, "\nアレルギー: ");
	for (size_t i = 0; i < h->n_allergies; i++)
		buf_printf(b, "%s%s（%s）", i ? "、" : "", h->allergies[i]->ja, h->allergies[i]->reaction);
	buf_printf(b, "%s\n\nご高診のほど、よろしくお願い申し上げます。\n", h->n_allergies ? "" : "なし");
}

static const struct admission {
	const char *dx;
	unsigned min_age;
	const char *reason, *imaging_modality, *imaging, *finding, *procedure, *body;
	const char *injections[2];
	unsigned per_day[2];
	unsigned min_days, max_days;
	const char *discharge_meds[2];
	const char *course;
} admissions[] = {
	{"pneumonia", 60, "発熱・呼吸困難", "CT", "胸部CT", "右下葉に浸潤影と気管支透亮像を認める。胸水少量。", NULL, NULL,
	 {"ceftriaxone", "saline"}, {1, 1}, 8, 14, {"carbocisteine", NULL},
	 "セフトリアキソン点滴にて解熱し、炎症反応は改善した。酸素投与は第４病日に終了した。"},
	{"appendicitis", 10, "右下腹部痛・発熱", "CT", "腹部造影CT", "虫垂の腫大（径12mm）と周囲脂肪織濃度上昇を認める。膿瘍形成なし。",
	 "腹腔鏡下虫垂切除術", "虫垂", {"cefmetazole", "lactated_ringer"}, {2, 1}, 4, 7, {NULL, NULL},
	 "入院当日に腹腔鏡下虫垂切除術を施行。術後経過は良好で、食事摂取も問題なし。"},
	{"femoral_neck_fracture", 75, "転倒後の股関節痛・歩行不能", "CR", "股関節X線（２方向）",
	 "大腿骨頚部骨折（Garden分類 stage III）。", "人工骨頭挿入術（股関節）", "股関節", {"cefmetazole", "tranexamic"}, {2, 1}, 18,
	 28, {"alfacalcidol", "eperisone"},
	 "第２病日に人工骨頭挿入術を施行。術後翌日よりリハビリテーションを開始し、杖歩行が可能となった。"},
	{"heart_failure", 65, "呼吸困難・下腿浮腫", "CR", "胸部X線", "心拡大（CTR 58%）。両側肺うっ血と少量の胸水を認める。", NULL, NULL,
	 {"saline", NULL}, {1, 0}, 10, 18, {"carvedilol", "torasemide"},
	 "利尿薬の調整と塩分制限により体重は３kg減少し、浮腫と呼吸困難は改善した。"},
};

static enum rk_status admission(struct hist *h)
{
	int s = h->hospital;
	unsigned age = h->p->age;
	const struct admission *a = NULL;
	for (int tries = 0; tries < 6 && !a; tries++) {
		const struct admission *c = &admissions[below(h->r, sizeof admissions / sizeof admissions[0])];
		if (age >= c->min_age && (strcmp(c->dx, "heart_failure") != 0 || h->hf))
			a = c;
	}
	if (!a)
		return RK_OK;
	unsigned los = a->min_days + below(h->r, a->max_days - a->min_days + 1);
	int64_t day = h->p->today - los - 10 - below(h->r, 640);
	int64_t out = day + los;
	enum rk_status rc = RK_OK;
	char penc[64], enc[64], cond[64], comp[64];
	const struct codes_diagnosis *dx = codes_diagnoses_find(a->dx);
	bool referred = h->primary >= 0 && h->primary != s && strcmp(a->dx, "femoral_neck_fracture") != 0;
	struct buf b;
	buf_init(&b, 16 << 10);
	if (referred) { /* seen first at the clinic, which writes a referral letter */
		int p = h->primary;
		rc = put_encounter(h, p, "AMB", day, 9 * 60 + below(h->r, 60), 0, a->reason, penc);
		if (rc == RK_OK) {
			char hist[256];
			snprintf(hist, sizeof hist, "%sにて本日受診。%sを疑います。", a->reason, dx->ja);
			referral_letter(h, &b, p, s, day, "精査・入院加療のお願い", dx->ja, hist);
			rc = put_document(h, p, "referral", penc, day, "診療情報提供書", "入院加療の依頼", buf_cstr(&b), NULL);
		}
	}
	unsigned minute = (referred ? 13 : 10) * 60 + below(h->r, 120);
	if (rc == RK_OK)
		rc = put_encounter(h, s, "IMP", day, minute, los, a->reason, enc);
	if (rc == RK_OK)
		rc = put_condition(h, s, dx, day, day, strcmp(a->dx, "heart_failure") == 0 ? -1 : out, enc, cond);
	json_t *nurse = NULL;
	if (rc == RK_OK) {
		const struct demo_site *site = &h->p->sites[s];
		nurse = json_pack("[o]", prac_ref(h, s, site->nurse_first + below(h->r, site->nurses ? site->nurses : 1)));
		double dbp, sbp = blood_pressure(h, day, -1000000, has_dx(h, "hypertension", -1), &dbp);
		rc = put_bp(h, s, enc, day, minute + 10, sbp + 8, dbp, json_incref(nurse));
		if (rc == RK_OK)
			rc = put_vital(h, s, enc, "temp", day, minute + 10,
				       round_to(strcmp(a->dx, "pneumonia") == 0 || strcmp(a->dx, "appendicitis") == 0 ? 38.4 + gauss(h->r, 0.3) : 36.8 + gauss(h->r, 0.2), 1),
				       json_incref(nurse));
		if (rc == RK_OK)
			rc = put_vital(h, s, enc, "spo2", day, minute + 10,
				       strcmp(a->dx, "pneumonia") == 0 || strcmp(a->dx, "heart_failure") == 0 ? 89 + below(h->r, 4) : 97 + below(h->r, 3),
				       json_incref(nurse));
	}
	json_decref(nurse);
	static const char *const keys[] = {"wbc", "hb", "plt", "crp", "ast", "alt", "ld", "bun", "cre", "egfr", "na", "k"};
	double infl = strcmp(a->dx, "femoral_neck_fracture") == 0 ? 0.15 : strcmp(a->dx, "heart_failure") == 0 ? 0.1 : 0.8;
	if (rc == RK_OK)
		rc = put_panel(h, s, enc, day, keys, sizeof keys / sizeof keys[0], infl);
	if (rc == RK_OK)
		rc = put_imaging(h, s, enc, a->imaging_modality, day, a->imaging, a->finding);
	if (rc == RK_OK && a->procedure)
		rc = put_procedure(h, s, enc, a->procedure, a->body, day + (strcmp(a->dx, "appendicitis") == 0 ? 0 : 1), cond);
	for (size_t i = 0; i < 2 && rc == RK_OK; i++) {
		if (!a->injections[i])
			continue;
		unsigned days = strcmp(a->injections[i], "tranexamic") == 0 ? 1 : los > 8 ? los - 4 : 3;
		rc = put_injection(h, s, enc, a->injections[i], day + (strcmp(a->injections[i], "tranexamic") == 0), days,
				   a->per_day[i], cond);
	}
	if (rc == RK_OK)
		rc = put_panel(h, s, enc, out - 1, keys, sizeof keys / sizeof keys[0], infl * 0.08);
	char plan[512];
	snprintf(plan, sizeof plan, "%u日間の入院ののち自宅退院。%s", los,
		 referred ? "今後はかかりつけ医での外来通院を継続する。" : "当院外来で経過観察する。");
	for (size_t i = 0; i < 2 && rc == RK_OK; i++) {
		if (!a->discharge_meds[i] || allergic_to(h, a->discharge_meds[i]))
			continue;
		const struct codes_medicine *m = codes_medicines_find(a->discharge_meds[i]);
		struct rx x = {m, 14, "DCG", cond, false};
		rc = put_oral_rx(h, s, enc, &x, out, 10 * 60);
	}
	char diag[256];
	snprintf(diag, sizeof diag, "%s（%s）", dx->ja, dx->icd10);
	if (rc == RK_OK)
		rc = put_composition(h, s, enc, out, diag, a->course, plan, cond, comp);
	if (rc == RK_OK) {
		char in[32], outd[32];
		fmt_date_ja(in, day);
		fmt_date_ja(outd, out);
		buf_reset(&b);
		buf_printf(&b, "退院時サマリー\n\n%s\n患者氏名: %s 様（%s生、%s）\n入院期間: %s 〜 %s（%u日間）\n\n",
			   h->p->sites[s].name, h->p->name, h->p->birth, h->p->male ? "男性" : "女性", in, outd, los);
		buf_printf(&b, "主訴: %s\n入院時診断: %s\n\n画像所見（%s）: %s\n\n", a->reason, diag, a->imaging, a->finding);
		if (a->procedure)
			buf_printf(&b, "手術: %s\n\n", a->procedure);
		buf_printf(&b, "入院後経過:\n%s\n\n退院時方針:\n%s\n", a->course, plan);
		rc = put_document(h, s, "discharge_summary", enc, out, "退院時サマリー", dx->ja, buf_cstr(&b), comp);
	}
	if (rc == RK_OK && referred) { /* and the hospital writes back to the clinic */
		buf_reset(&b);
		char hist[512];
		snprintf(hist, sizeof hist, "%s\n%u日間の入院加療ののち退院されました。", a->course, los);
		referral_letter(h, &b, s, h->primary, out, "退院後の外来診療のお願い", diag, hist);
		rc = put_document(h, s, "referral", enc, out, "診療情報提供書（退院報告）", "かかりつけ医への退院報告", buf_cstr(&b), NULL);
	}
	buf_free(&b);
	return rc;
}

/* Visits of the home-nursing station (訪問看護): vital signs every four weeks. */
static enum rk_status home_nursing(struct hist *h)
{
	int s = h->homecare;
	const struct demo_site *site = &h->p->sites[s];
	int64_t day = h->p->today - 168 - below(h->r, 168);
	enum rk_status rc = RK_OK;
	for (; day < h->p->today && rc == RK_OK; day += 28) {
		unsigned minute = 10 * 60 + below(h->r, 6 * 60);
		char enc[64];
		rc = put_encounter(h, s, "HH", day, minute, 0, NULL, enc);
		json_t *nurse = json_pack("[o]", prac_ref(h, s, site->vnurse_first + below(h->r, site->vnurses ? site->vnurses : 1)));
		double dbp, sbp = blood_pressure(h, day, -1000000, has_dx(h, "hypertension", -1), &dbp);
		if (rc == RK_OK)
			rc = put_bp(h, s, enc, day, minute + 5, sbp, dbp, json_incref(nurse));
		if (rc == RK_OK)
			rc = put_vital(h, s, enc, "spo2", day, minute + 6, 94 + below(h->r, 5), json_incref(nurse));
		if (rc == RK_OK && (day / 28) % 2 == 0)
			rc = put_vital(h, s, enc, "temp", day, minute + 7, round_to(36.4 + gauss(h->r, 0.25), 1), json_incref(nurse));
		json_decref(nurse);
	}
	return rc;
}

/* A health check-up (特定健康診査 from 40, else a general one) with its measurements and labs. */
static enum rk_status checkup(struct hist *h, int s)
{
	int64_t day = h->p->today - 20 - below(h->r, 330);
	unsigned minute = 9 * 60 + below(h->r, 120);
	char enc[64];
	bool tokutei = h->p->age >= 40;
	enum rk_status rc = put_encounter(h, s, "AMB", day, minute, 0, tokutei ? "特定健康診査" : "健康診断", enc);
	double height = h->p->male ? 171 - 0.08 * h->p->age : 158 - 0.08 * h->p->age;
	if (h->p->age < 18)
		height = 80 + 5.5 * h->p->age;
	height = round_to(height + gauss(h->r, 5), 1);
	double bmi = h->p->age < 18 ? 17 + gauss(h->r, 1.5) : 22.5 + gauss(h->r, 2.5);
	if (rc == RK_OK)
		rc = put_vital(h, s, enc, "height", day, minute + 5, height, json_pack("[o]", doctor_ref(h, s)));
	if (rc == RK_OK)
		rc = put_vital(h, s, enc, "weight", day, minute + 5, round_to(bmi * height * height / 10000, 1),
			       json_pack("[o]", doctor_ref(h, s)));
	double dbp, sbp = blood_pressure(h, day, -1000000, false, &dbp);
	if (rc == RK_OK && h->p->age >= 15)
		rc = put_bp(h, s, enc, day, minute + 8, sbp, dbp, json_pack("[o]", doctor_ref(h, s)));
	static const char *const keys[] = {"ast", "alt", "ggt", "ldl", "hdl", "tg", "hba1c", "cre", "egfr", "hb"};
	if (rc == RK_OK && h->p->age >= 18)
		rc = put_panel(h, s, enc, day, keys, sizeof keys / sizeof keys[0], 0);
	return rc;
}

static void draw_allergies(struct hist *h)
{
	if (!chance(h->r, h->p->age < 15 ? 15 : 11))
		return;
	size_t n = chance(h->r, 20) ? 2 : 1;
	for (size_t k = 0; k < n; k++) {
		const struct codes_allergen *a = &codes_allergens[below(h->r, (unsigned)codes_allergens_len)];
		if (k && a == h->allergies[0])
			continue;
		h->allergies[h->n_allergies++] = a;
	}
}

enum rk_status demo_clinical_person(struct demo_clinical *c, const struct demo_person *p)
{
	struct hist h;
	memset(&h, 0, sizeof h);
	h.c = c;
	h.p = p;
	h.r = c->rng;
	classify_sites(&h);
	draw_conditions(&h);
	for (size_t i = 0; i < p->n && i < 4; i++) {
		size_t k = 0;
		for (size_t j = 0; j < h.n_conds; j++)
			if (h.conds[j].site == (int)i)
				c->conditions[i][k++] = h.conds[j].dx->key;
		c->conditions[i][k] = NULL;
	}
	draw_allergies(&h);
	init_trends(&h);
	int64_t before = c->records;
	enum rk_status rc = RK_OK;
	/* Allergies are recorded where the person is usually seen. */
	int home = h.primary >= 0 ? h.primary : -1;
	for (size_t i = 0; i < p->n && home < 0; i++)
		if (is_kind(&p->sites[i], "clinic"))
			home = (int)i;
	for (size_t i = 0; i < h.n_allergies && home >= 0 && rc == RK_OK; i++)
		rc = put_allergy(&h, home, h.allergies[i], p->today - 30 - below(h.r, 1500));
	for (size_t s = 0; s < p->n && rc == RK_OK; s++)
		rc = chronic_series(&h, (int)s);
	/* Acute illnesses: children often, adults now and then, at any medical facility. */
	for (size_t s = 0; s < p->n && rc == RK_OK; s++) {
		const struct demo_site *site = &p->sites[s];
		if (!is_kind(site, "hospital") && !is_kind(site, "clinic"))
			continue;
		bool specialty = is_kind(site, "clinic") && strcmp(site->specialty, "internal") != 0;
		unsigned n = strcmp(site->specialty, "pediatrics") == 0 ? 1 + below(h.r, 3)
			   : specialty ? 1 + below(h.r, 2) : (chance(h.r, 55) ? 1 + below(h.r, 2) : 0);
		if (strcmp(site->specialty, "ophthalmology") == 0 && has_dx(&h, "cataract", (int)s))
			n = 0;
		for (unsigned k = 0; k < n && rc == RK_OK; k++)
			rc = acute_episode(&h, (int)s);
	}
	if (rc == RK_OK && h.hospital >= 0) {
		unsigned pct = p->age < 40 ? 6 : p->age < 65 ? 10 : p->age < 80 ? 20 : 30;
		if (chance(h.r, pct))
			rc = admission(&h);
	}
	if (rc == RK_OK && h.homecare >= 0 && is_kind(&p->sites[h.homecare], "home_nursing"))
		rc = home_nursing(&h);
	/* Nobody is without a record: someone never ill came for a check-up. */
	if (rc == RK_OK && c->records == before) {
		int s = h.primary;
		for (size_t i = 0; i < p->n && s < 0; i++)
			if (is_kind(&p->sites[i], "clinic") || is_kind(&p->sites[i], "hospital"))
				s = (int)i;
		if (s >= 0)
			rc = checkup(&h, s);
	}
	if (rc == RK_OK && p->age >= 65 && h.primary >= 0 && chance(h.r, 60)) {
		int64_t d1 = time_days_from_civil(2021, 6, 1) + below(h.r, 30);
		rc = put_immunization(&h, h.primary, d1, 1);
		if (rc == RK_OK)
			rc = put_immunization(&h, h.primary, d1 + 21 + below(h.r, 3), 2);
	}
	return rc;
}
