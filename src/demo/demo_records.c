/* demo_records.c — the records of a demo person's clinical history
 * (demo_records.h): JSON builders for each record kind, written through the
 * generator's put function, and a small model of lab trends. The plan of a
 * life that calls them is demo_clinical.c. */
#include "demo/demo_records.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"
#include "model/codes.h"

#define OBS_CATEGORY_SYSTEM   "http://terminology.hl7.org/CodeSystem/observation-category"
#define INTERPRETATION_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
#define ACT_CODE_SYSTEM       "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define DIAG_SERVICE_SYSTEM   "http://terminology.hl7.org/CodeSystem/v2-0074"
#define RESOURCE_ID_SYSTEM    "http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier"

/* ---- seeded draws ---- */

double demo_uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

/* Approximately normal (sum of uniforms). */
double demo_gauss(struct rng *r, double sd)
{
	double s = 0;
	for (int i = 0; i < 4; i++)
		s += demo_uniform(r, -1, 1);
	return s * sd * 0.866;
}

unsigned demo_below(struct rng *r, unsigned n)
{
	return (unsigned)rng_below(r, n);
}

bool demo_chance(struct rng *r, unsigned percent)
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
	json_array_foreach(json_object_get(res, "section"), i, sec) json_object_del(sec, "entry");
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
void demo_fmt_date_ja(char out[32], int64_t day)
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

json_t *demo_prac_ref(const struct hist *h, int s, unsigned number)
{
	char id[48];
	snprintf(id, sizeof id, "prac-%s-%03u", h->p->sites[s].code, number);
	return ref("Practitioner", id);
}

json_t *demo_doctor_ref(const struct hist *h, int s)
{
	return demo_prac_ref(h, s, h->doctor[s]);
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

/* A measured value with the digits its report prints (HbA1c 7.0 %, not 7 %):
 * a decimal kept as written (core/json.h), or a whole number. */
static json_t *measured(double v, unsigned decimals)
{
	if (decimals == 0)
		return num(round(v));
	char text[40];
	int n = snprintf(text, sizeof text, "%.*f", (int)decimals, v);
	json_t *d = n > 0 && (size_t)n < sizeof text ? rk_json_decimal((struct str){text, (size_t)n}) : NULL;
	return d ? d : num(v);
}

static json_t *measured_qty(double v, unsigned decimals, const char *unit, const char *code)
{
	return json_pack("{s:o, s:s, s:s, s:s}", "value", measured(v, decimals), "unit", unit, "system",
			 CODES_UCUM_SYSTEM, "code", code);
}

static json_t *qty(double v, const char *unit, const char *system, const char *code)
{
	return json_pack("{s:o, s:s, s:s, s:s}", "value", num(v), "unit", unit, "system", system, "code", code);
}

static json_t *days_qty(unsigned days)
{
	return qty(days, "日", CODES_UCUM_SYSTEM, "d");
}

double demo_round_to(double v, unsigned decimals)
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
double demo_treated(double hi, double lo, int64_t start, int64_t day, double tau)
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
	double noise = demo_gauss(h->r, lab->spread), v;
	size_t i = lab_index(lab);
	double base = lab->typical + (i < 64 ? h->offset[i] : 0);
	if (strcmp(k, "hba1c") == 0)
		v = h->dm ? demo_treated(h->a1c_hi, h->a1c_lo, h->dm_start, day, 100) + demo_gauss(h->r, 0.15)
			  : base + noise;
	else if (strcmp(k, "glucose") == 0)
		v = h->dm ? 28.7 * demo_treated(h->a1c_hi, h->a1c_lo, h->dm_start, day, 100) - 46.7 +
				    demo_gauss(h->r, 14)
			  : base + noise;
	else if (strcmp(k, "ldl") == 0)
		v = h->dl ? demo_treated(h->ldl_hi, h->ldl_lo, h->dl_start, day, 45) + demo_gauss(h->r, 8)
			  : base + noise;
	else if (strcmp(k, "ua") == 0)
		v = h->hu ? demo_treated(h->ua_hi, h->ua_lo, h->hu_start, day, 60) + demo_gauss(h->r, 0.3)
			  : base + noise - (male ? 0 : 1.0);
	else if (strcmp(k, "egfr") == 0)
		v = egfr_at(h, day) * (1 - 0.25 * inflammation) + demo_gauss(h->r, 1.5);
	else if (strcmp(k, "cre") == 0) {
		double e = egfr_at(h, day) * (1 - 0.25 * inflammation) + demo_gauss(h->r, 2.0);
		double f = 194.0 * pow((double)(h->p->age < 18 ? 18 : h->p->age), -0.287) * (male ? 1.0 : 0.739);
		v = pow(e / f, -1.0 / 1.094);
	} else if (strcmp(k, "bun") == 0)
		v = base + (h->ckd ? 9 : 0) + 8 * inflammation + noise;
	else if (strcmp(k, "k") == 0)
		v = base + (h->ckd ? 0.55 : 0) + noise;
	else if (strcmp(k, "bnp") == 0)
		v = h->hf ? h->bnp_base * (1 + 1.5 * inflammation) * demo_uniform(h->r, 0.75, 1.3)
			  : base + noise + 0.3 * h->p->age / 10;
	else if (strcmp(k, "hb") == 0) {
		double t = male ? 15.0 : 13.2;
		if (h->anemia)
			t = demo_treated(h->hb_lo, 12.6, h->an_start, day, 50);
		v = t - (h->p->age > 70 ? 0.8 : 0) - 0.8 * inflammation + h->offset[i] + demo_gauss(h->r, 0.35);
	} else if (strcmp(k, "ht") == 0)
		v = (male ? 44.5 : 39.5) + h->offset[i] + noise;
	else if (strcmp(k, "rbc") == 0)
		v = (male ? 495 : 430) + noise;
	else if (strcmp(k, "crp") == 0)
		v = inflammation > 0 ? 14 * inflammation * demo_uniform(h->r, 0.7, 1.2) : fabs(base + noise);
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
	return demo_round_to(v, lab->decimals);
}

void demo_init_labs(struct hist *h)
{
	for (size_t i = 0; i < codes_labs_len && i < 64; i++)
		h->offset[i] = demo_gauss(h->r, codes_labs[i].spread * 0.7);
	h->dm_start = h->dl_start = h->hu_start = h->an_start = INT64_MAX;
}

/* ---- records ---- */

enum rk_status demo_put_encounter(struct hist *h, int s, const char *cls, int64_t day, unsigned minute,
				  unsigned length_days, const char *reason, char id[64])
{
	static const struct {
		const char *code, *display, *ja;
	} classes[] = {{"AMB", "ambulatory", "外来"},
		       {"IMP", "inpatient encounter", "入院"},
		       {"HH", "home health", "訪問看護"}};
	size_t c = 0;
	while (c < 2 && strcmp(classes[c].code, cls) != 0)
		c++;
	char start[32], end[32];
	fmt_dt(start, day, minute);
	fmt_dt(end, day + length_days, length_days ? 10 * 60 : minute + 20);
	json_t *e = json_pack(
		"{s:s, s:s, s:o, s:[o], s:o, s:[{s:o}], s:{s:s, s:s}, s:o}", "resourceType", "Encounter", "status",
		"finished", "class", coding(ACT_CODE_SYSTEM, classes[c].code, classes[c].display), "type",
		text_cc(classes[c].ja), "subject", patient_ref(h, s), "participant", "individual",
		strcmp(cls, "HH") == 0 ? demo_prac_ref(h, s, h->p->sites[s].vnurse_first) : demo_doctor_ref(h, s),
		"period", "start", start, "end", end, "serviceProvider", org_ref(h, s));
	if (e && reason)
		json_object_set_new(e, "reasonCode", json_pack("[o]", text_cc(reason)));
	/* A follow-up visit and a home-nursing visit carry the short note the
	 * clinician wrote (the narrative, "additional" to the coded data); chosen
	 * by the day, so that the random draws stay those of the records. */
	static const char *const follow_up[] = {"経過良好。処方継続。", "自覚症状なし。生活指導を継続。",
						"体調変わりなし。次回採血予定。", "服薬良好。食事・運動療法を継続。"};
	static const char *const home[] = {"バイタル安定。服薬確認。", "訪問時変わりなし。清潔ケア実施。",
					   "食欲良好。家族へ服薬管理を指導。"};
	const char *note = c == 0 && !reason ? follow_up[(uint64_t)day % 4] : c == 2 ? home[(uint64_t)day % 3] : NULL;
	if (e && note) {
		char div[256];
		snprintf(div, sizeof div, "<div xmlns=\"http://www.w3.org/1999/xhtml\">%s</div>", note);
		json_object_set_new(e, "text", json_pack("{s:s, s:s}", "status", "additional", "div", div));
	}
	if (e && strcmp(cls, "IMP") == 0)
		json_object_set_new(e, "hospitalization",
				    json_pack("{s:o, s:o}", "admitSource", text_cc("外来から入院"),
					      "dischargeDisposition", text_cc("自宅退院")));
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
enum rk_status demo_put_condition(struct hist *h, int s, const struct codes_diagnosis *dx, int64_t onset,
				  int64_t recorded, int64_t abated, const char *encounter, char id[64])
{
	char on[16], rec[16], ab[16];
	fmt_date(on, onset);
	fmt_date(rec, recorded);
	bool active = abated < 0;
	json_t *c = json_pack(
		"{s:s, s:o, s:o, s:[o], s:o, s:o, s:s, s:s, s:o}", "resourceType", "Condition", "clinicalStatus",
		cc("http://terminology.hl7.org/CodeSystem/condition-clinical", active ? "active" : "resolved", NULL),
		"verificationStatus",
		cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", NULL), "category",
		cc("http://terminology.hl7.org/CodeSystem/condition-category",
		   encounter ? "encounter-diagnosis" : "problem-list-item", NULL),
		"code", diagnosis_cc(dx), "subject", patient_ref(h, s), "onsetDateTime", on, "recordedDate", rec,
		"recorder", demo_doctor_ref(h, s));
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
	json_t *range = json_pack("{s:o}", "low", measured_qty(low, lab->decimals, lab->unit, lab->ucum));
	if (high >= 0)
		json_object_set_new(range, "high", measured_qty(high, lab->decimals, lab->unit, lab->ucum));
	json_t *o = json_pack(
		"{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:s, s:[o], s:o, s:o, s:[o]}", "resourceType", "Observation",
		"status", "final", "category", cc(OBS_CATEGORY_SYSTEM, "laboratory", "Laboratory"), "code",
		cc_text(CODES_JLAC10_SYSTEM, lab->jlac10, lab->ja, lab->ja), "subject", patient_ref(h, s), "encounter",
		ref("Encounter", encounter), "effectiveDateTime", when, "issued", issued, "performer", org_ref(h, s),
		"valueQuantity", measured_qty(v, lab->decimals, lab->unit, lab->ucum), "interpretation",
		interpretation(v, low, high), "referenceRange", range);
	new_id(h, id, "obs", s);
	return put(h, "Observation", id, o);
}

/* A lab panel: its results, then the report that groups them. */
enum rk_status demo_put_panel(struct hist *h, int s, const char *encounter, int64_t day, const char *const *keys,
			      size_t n, double inflammation)
{
	json_t *results = json_array();
	unsigned minute = 9 * 60 + demo_below(h->r, 120);
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
	json_t *r =
		json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:s, s:[o], s:o}", "resourceType", "DiagnosticReport",
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
	return measured_qty(value, v->decimals, v->unit, v->ucum);
}

static json_t *vital_base(struct hist *h, int s, const char *encounter, const char *key, int64_t day, unsigned minute,
			  json_t *performer)
{
	char when[32];
	fmt_dt(when, day, minute);
	return json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:o}", "resourceType", "Observation", "status", "final",
			 "category", cc(OBS_CATEGORY_SYSTEM, "vital-signs", "Vital Signs"), "code", vital_code(key),
			 "subject", patient_ref(h, s), "encounter", ref("Encounter", encounter), "effectiveDateTime",
			 when, "performer", performer);
}

enum rk_status demo_put_bp(struct hist *h, int s, const char *encounter, int64_t day, unsigned minute, double sbp,
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

enum rk_status demo_put_vital(struct hist *h, int s, const char *encounter, const char *key, int64_t day,
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
			 "repeat", "boundsDuration", days_qty(days), "code",
			 cc(CODES_JAMI_USAGE_SYSTEM, u->code, u->ja), "route", cc(CODES_ROUTE_SYSTEM, "PO", "口"),
			 "method", cc(CODES_JAMI_DETAIL_USAGE_SYSTEM, "10", "経口"), "doseAndRate", "type",
			 cc(CODES_STRENGTH_TYPE_SYSTEM, "1", "製剤量"), "doseQuantity",
			 qty(m->dose, m->unit_ja, CODES_MERIT9_UNIT_SYSTEM, m->unit), "rateRatio", "numerator",
			 qty(m->dose * u->per_day, m->unit_ja, CODES_MERIT9_UNIT_SYSTEM, m->unit), "denominator",
			 qty(1, "日", CODES_UCUM_SYSTEM, "d"));
}

/* A pharmacy's dispensing of a prescription of site s (identified by its number). */
static enum rk_status put_dispense(struct hist *h, int s, const struct rx *x, const char *rx_number, int64_t day)
{
	int ph = h->pharmacy;
	const struct demo_site *site = &h->p->sites[ph];
	unsigned minute = 11 * 60 + demo_below(h->r, 300);
	char prepared[32], handed[32], display[160], id[64];
	fmt_dt(prepared, day, minute);
	fmt_dt(handed, day, minute + 10);
	snprintf(display, sizeof display, "%s 発行の処方箋", h->p->sites[s].name);
	double total = x->med->dose * codes_usages_find(x->med->usage)->per_day * x->days;
	json_t *d = json_pack(
		"{s:s, s:s, s:o, s:o, s:[{s:o}], s:[{s:{s:s, s:s}, s:s}], s:o, s:o, s:s, s:s, s:[o]}", "resourceType",
		"MedicationDispense", "status", "completed", "medicationCodeableConcept", medication_cc(x->med),
		"subject", patient_ref(h, ph), "performer", "actor",
		demo_prac_ref(h, ph,
			      site->pharmacist_first + demo_below(h->r, site->pharmacists ? site->pharmacists : 1)),
		"authorizingPrescription", "identifier", "system", RESOURCE_ID_SYSTEM, "value", rx_number, "display",
		display, "quantity", qty(total, x->med->unit_ja, CODES_MERIT9_UNIT_SYSTEM, x->med->unit), "daysSupply",
		days_qty(x->days), "whenPrepared", prepared, "whenHandedOver", handed, "dosageInstruction",
		oral_dosage(x->med, x->days));
	new_id(h, id, "mdp", ph);
	return put(h, "MedicationDispense", id, d);
}

/* An oral prescription; dispensed at the person's pharmacy when it is outside the hospital (院外処方). */
enum rk_status demo_put_oral_rx(struct hist *h, int s, const char *encounter, const struct rx *x, int64_t day,
				unsigned minute)
{
	char authored[32], id[64], number[96];
	fmt_dt(authored, day, minute);
	new_id(h, id, "mrx", s);
	snprintf(number, sizeof number, "%s-%s", h->p->sites[s].code, id);
	const char *cat_ja = strcmp(x->category, "DCG") == 0 ? "退院処方" : "院外処方";
	double total = x->med->dose * codes_usages_find(x->med->usage)->per_day * x->days;
	json_t *m = json_pack(
		"{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:o, s:[o], s:{s:o, s:o}}",
		"resourceType", "MedicationRequest", "identifier", "system", CODES_RP_NUMBER_SYSTEM, "value", "1",
		"system", RESOURCE_ID_SYSTEM, "value", number, "status", x->active ? "active" : "completed", "intent",
		"order", "category", cc(CODES_MERIT9_CATEGORY_SYSTEM, x->category, cat_ja), "medicationCodeableConcept",
		medication_cc(x->med), "subject", patient_ref(h, s), "encounter", ref("Encounter", encounter),
		"authoredOn", authored, "requester", demo_doctor_ref(h, s), "dosageInstruction",
		oral_dosage(x->med, x->days), "dispenseRequest", "quantity",
		qty(total, x->med->unit_ja, CODES_MERIT9_UNIT_SYSTEM, x->med->unit), "expectedSupplyDuration",
		days_qty(x->days));
	if (m && x->condition)
		json_object_set_new(m, "reasonReference", json_pack("[o]", ref("Condition", x->condition)));
	enum rk_status rc = put(h, "MedicationRequest", id, m);
	if (rc == RK_OK && h->pharmacy >= 0 &&
	    !h->p->sites[s].external) /* SS-MIX2 prescriptions are not dispensed here */
		rc = put_dispense(h, s, x, number, day);
	return rc;
}

/* An injection order during an admission and its administrations (per_day a day for days days). */
enum rk_status demo_put_injection(struct hist *h, int s, const char *encounter, const char *medkey, int64_t day,
				  unsigned days, unsigned per_day, const char *condition)
{
	const struct codes_medicine *m = codes_medicines_find(medkey);
	char start[32], end[32], authored[32], id[64], text[160];
	fmt_dt(authored, day, 10 * 60);
	fmt_dt(start, day, 11 * 60);
	fmt_dt(end, day + days - 1, 20 * 60);
	bool drip = strcmp(m->unit, "ML") == 0 || strcmp(m->unit, "G") == 0;
	snprintf(text, sizeof text, "%s １回%.0f%s １日%u回 %u日間", drip ? "点滴静注" : "静脈注射", m->dose,
		 m->unit_ja, per_day, days);
	json_t *dose = qty(m->dose, m->unit_ja, CODES_MERIT9_UNIT_SYSTEM, m->unit);
	char number[96];
	new_id(h, id, "mrx", s);
	snprintf(number, sizeof number, "%s-%s", h->p->sites[s].code, id);
	json_t *mr = json_pack(
		"{s:s, s:[{s:s, s:s}], s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:o, s:[{s:s, s:{s:{s:{s:s, s:s}, s:i, s:i, s:s}}, s:o, s:o, s:[{s:o, s:O}]}]}",
		"resourceType", "MedicationRequest", "identifier", "system", RESOURCE_ID_SYSTEM, "value", number,
		"status", "completed", "intent", "order", "category",
		cc(CODES_MERIT9_CATEGORY_SYSTEM, "IHP", "入院処方"), "medicationCodeableConcept", medication_cc(m),
		"subject", patient_ref(h, s), "encounter", ref("Encounter", encounter), "authoredOn", authored,
		"requester", demo_doctor_ref(h, s), "dosageInstruction", "text", text, "timing", "repeat",
		"boundsPeriod", "start", start, "end", end, "frequency", (int)per_day, "period", 1, "periodUnit", "d",
		"route", cc(CODES_ROUTE_SYSTEM, "IV", "静脈内"), "method",
		drip ? cc(CODES_JAMI_BASIC_USAGE_SYSTEM, "3", "注射")
		     : cc(CODES_JAMI_DETAIL_USAGE_SYSTEM, "30", "静脈注射"),
		"doseAndRate", "type", cc(CODES_STRENGTH_TYPE_SYSTEM, "1", "製剤量"), "doseQuantity", dose);
	if (mr && condition)
		json_object_set_new(mr, "reasonReference", json_pack("[o]", ref("Condition", condition)));
	enum rk_status rc = put(h, "MedicationRequest", id, mr);
	const struct demo_site *site = &h->p->sites[s];
	for (unsigned d = 0; d < days && rc == RK_OK; d++)
		for (unsigned k = 0; k < per_day && rc == RK_OK; k++) {
			char when[32], aid[64];
			fmt_dt(when, day + d, (k ? 21 : 11) * 60 + demo_below(h->r, 30));
			json_t *a = json_pack(
				"{s:s, s:s, s:o, s:o, s:o, s:s, s:[{s:o}], s:o, s:{s:s, s:o, s:O}}", "resourceType",
				"MedicationAdministration", "status", "completed", "medicationCodeableConcept",
				medication_cc(m), "subject", patient_ref(h, s), "context", ref("Encounter", encounter),
				"effectiveDateTime", when, "performer", "actor",
				demo_prac_ref(h, s,
					      site->nurse_first + demo_below(h->r, site->nurses ? site->nurses : 1)),
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
	snprintf(out, 64, "2.25.%u%017llu%017llu", 1 + demo_below(h->r, 9),
		 (unsigned long long)(rng_next(h->r) % 100000000000000000ULL),
		 (unsigned long long)(rng_next(h->r) % 100000000000000000ULL));
}

/* An imaging study and its radiology report. */
enum rk_status demo_put_imaging(struct hist *h, int s, const char *encounter, const char *modality, int64_t day,
				const char *what, const char *conclusion)
{
	const struct codes_modality *mod = codes_modalities_find(modality);
	char started[32], issued[32], id[64], uid[64], suid[64], study[80];
	fmt_dt(started, day, 14 * 60 + demo_below(h->r, 120));
	fmt_dt(issued, day + (strcmp(modality, "CR") == 0 ? 0 : 1), 17 * 60);
	dicom_uid(h, uid);
	dicom_uid(h, suid);
	snprintf(study, sizeof study, "urn:oid:%s", uid);
	unsigned images = strcmp(modality, "CR") == 0   ? 2
			  : strcmp(modality, "US") == 0 ? 24
							: 60 + demo_below(h->r, 240);
	json_t *img = json_pack(
		"{s:s, s:[{s:s, s:s}], s:s, s:[o], s:o, s:o, s:s, s:i, s:i, s:[o], s:o, s:s, s:[{s:s, s:i, s:o, s:s, s:i, s:s}]}",
		"resourceType", "ImagingStudy", "identifier", "system", "urn:dicom:uid", "value", study, "status",
		"available", "modality", coding(CODES_DICOM_SYSTEM, mod->code, NULL), "subject", patient_ref(h, s),
		"encounter", ref("Encounter", encounter), "started", started, "numberOfSeries", 1, "numberOfInstances",
		(int)images, "procedureCode", text_cc(what), "referrer", demo_doctor_ref(h, s), "description", what,
		"series", "uid", suid, "number", 1, "modality", coding(CODES_DICOM_SYSTEM, mod->code, NULL),
		"description", what, "numberOfInstances", (int)images, "started", started);
	new_id(h, id, "img", s);
	enum rk_status rc = put(h, "ImagingStudy", id, img);
	if (rc != RK_OK)
		return rc;
	json_t *code =
		json_pack("{s:[o, o], s:s}", "coding", coding(CODES_DOCUMENT_SYSTEM, mod->report_code, mod->report_ja),
			  coding(CODES_LOINC_SYSTEM, mod->report_code, NULL), "text", mod->report_ja);
	json_t *r = json_pack("{s:s, s:s, s:[o], s:o, s:o, s:o, s:s, s:s, s:[o], s:[o], s:[o], s:s}", "resourceType",
			      "DiagnosticReport", "status", "final", "category",
			      cc(DIAG_SERVICE_SYSTEM, "RAD", "Radiology"), "code", code, "subject", patient_ref(h, s),
			      "encounter", ref("Encounter", encounter), "effectiveDateTime", started, "issued", issued,
			      "performer", org_ref(h, s), "resultsInterpreter", demo_doctor_ref(h, s), "imagingStudy",
			      ref("ImagingStudy", id), "conclusion", conclusion);
	char rid[64];
	new_id(h, rid, "dxr", s);
	return put(h, "DiagnosticReport", rid, r);
}

/* A document: the DocumentReference, then its content as a Binary (plain UTF-8 text). */
enum rk_status demo_put_document(struct hist *h, int s, const char *kind, const char *encounter, int64_t day,
				 const char *title, const char *description, const char *text, const char *composition)
{
	const struct codes_document *doc = codes_documents_find(kind);
	char date[32], id[64], bin[64], url[80];
	fmt_dt(date, day, 16 * 60 + demo_below(h->r, 90));
	new_id(h, id, "doc", s);
	new_id(h, bin, "bin", s);
	snprintf(url, sizeof url, "Binary/%s", bin);
	size_t len = strlen(text);
	json_t *dr = json_pack(
		"{s:s, s:s, s:s, s:{s:[o, o], s:s}, s:o, s:s, s:[o, o], s:o, s:s, s:[{s:{s:s, s:s, s:s, s:I, s:s, s:s}}]}",
		"resourceType", "DocumentReference", "status", "current", "docStatus", "final", "type", "coding",
		coding(CODES_DOCUMENT_SYSTEM, doc->code, doc->ja), coding(CODES_LOINC_SYSTEM, doc->code, NULL), "text",
		title, "subject", patient_ref(h, s), "date", date, "author", demo_doctor_ref(h, s), org_ref(h, s),
		"custodian", org_ref(h, s), "description", description, "content", "attachment", "contentType",
		"text/plain; charset=utf-8", "language", "ja", "url", url, "size", (json_int_t)len, "title", title,
		"creation", date);
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
	json_t *b =
		json_pack("{s:s, s:s, s:o, s:s}", "resourceType", "Binary", "contentType", "text/plain; charset=utf-8",
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
enum rk_status demo_put_composition(struct hist *h, int s, const char *encounter, int64_t day, const char *diagnosis,
				    const char *course, const char *plan, const char *condition, char id[64])
{
	char date[32];
	fmt_dt(date, day, 15 * 60);
	json_t *sections = json_pack(
		"[o, o, o]",
		section("入院時診断", diagnosis, condition ? json_pack("[o]", ref("Condition", condition)) : NULL),
		section("入院後経過", course, NULL), section("退院時方針", plan, NULL));
	json_t *c = json_pack(
		"{s:s, s:s, s:o, s:o, s:o, s:s, s:[o], s:s, s:o, s:o}", "resourceType", "Composition", "status",
		"final", "type", cc_text(CODES_LOINC_SYSTEM, "18842-5", "Discharge summary", "退院時サマリー"),
		"subject", patient_ref(h, s), "encounter", ref("Encounter", encounter), "date", date, "author",
		demo_doctor_ref(h, s), "title", "退院時サマリー", "custodian", org_ref(h, s), "section", sections);
	new_id(h, id, "comp", s);
	return put(h, "Composition", id, c);
}

enum rk_status demo_put_procedure(struct hist *h, int s, const char *encounter, const char *what, const char *body,
				  int64_t day, const char *condition)
{
	char when[32], id[64];
	fmt_dt(when, day, 13 * 60 + demo_below(h->r, 180));
	json_t *p = json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:[{s:o}], s:[o], s:[o], s:o}", "resourceType",
			      "Procedure", "status", "completed", "code", text_cc(what), "subject", patient_ref(h, s),
			      "encounter", ref("Encounter", encounter), "performedDateTime", when, "performer", "actor",
			      demo_doctor_ref(h, s), "reasonReference", ref("Condition", condition), "bodySite",
			      text_cc(body), "outcome", text_cc("合併症なく終了"));
	new_id(h, id, "proc", s);
	return put(h, "Procedure", id, p);
}

enum rk_status demo_put_allergy(struct hist *h, int s, const struct codes_allergen *a, int64_t recorded)
{
	char rec[16], id[64];
	fmt_date(rec, recorded);
	bool drug = strcmp(a->category, "medication") == 0;
	json_t *al = json_pack(
		"{s:s, s:o, s:o, s:s, s:[s], s:s, s:o, s:o, s:s, s:o, s:[{s:[o], s:s}]}", "resourceType",
		"AllergyIntolerance", "clinicalStatus",
		cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
		"verificationStatus",
		cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"),
		"type", "allergy", "category", a->category, "criticality", a->high ? "high" : "low", "code",
		cc_text(a->system, a->code, a->ja, a->ja), "patient", patient_ref(h, s), "recordedDate", rec,
		"recorder", demo_doctor_ref(h, s), "reaction", "manifestation", text_cc(a->reaction), "severity",
		a->high ? "severe" : "mild");
	if (al && drug)
		json_object_set_new(
			al, "note",
			json_pack("[{s:s}]", "text",
				  a->high ? "薬剤禁忌。同系統の薬剤も避けること。" : "再投与は避けること。"));
	new_id(h, id, "alg", s);
	return put(h, "AllergyIntolerance", id, al);
}

enum rk_status demo_put_immunization(struct hist *h, int s, int64_t day, unsigned dose_number)
{
	const struct codes_vaccine *v = &codes_vaccines[0];
	const struct codes_diagnosis *target = codes_diagnoses_find(v->disease);
	char when[32], lot[16], id[64];
	fmt_dt(when, day, 14 * 60 + demo_below(h->r, 180));
	snprintf(lot, sizeof lot, "FF%04u", demo_below(h->r, 10000));
	json_t *im = json_pack("{s:s, s:s, s:o, s:o, s:s, s:b, s:s, s:o, s:o, s:[{s:o}], s:[{s:[o], s:i}]}",
			       "resourceType", "Immunization", "status", "completed", "vaccineCode",
			       cc_text(CODES_HOT9_SYSTEM, v->hot9, v->name, v->name), "patient", patient_ref(h, s),
			       "occurrenceDateTime", when, "primarySource", 1, "lotNumber", lot, "site",
			       cc(CODES_JAMI_SITE_SYSTEM, "74L", "左上腕"), "doseQuantity",
			       qty(0.3, "mL", CODES_UCUM_SYSTEM, "mL"), "performer", "actor", org_ref(h, s),
			       "protocolApplied", "targetDisease", diagnosis_cc(target), "doseNumberPositiveInt",
			       (int)dose_number);
	new_id(h, id, "imm", s);
	return put(h, "Immunization", id, im);
}
