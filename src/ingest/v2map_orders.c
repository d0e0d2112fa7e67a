/* v2map_orders.c — the order and result mappers of ingest/v2map (see
 * v2map.c for the context and value helpers): OMP-01/02 → MedicationRequest,
 * OMP-11/12 → MedicationAdministration, OML-11 / OMG-13 → Observation +
 * DiagnosticReport, OML-01 / OMG-01..03 → ServiceRequest, SPM → Specimen, OMG-11/12 →
 * ImagingStudy, OMD → NutritionOrder. */
#include <string.h>

#include "fhir/jpcore.h"
#include "ingest/v2map_impl.h"
#include "ingest/v2map_tables.h"
#include "model/codes.h"

/* ---- OMP-01 / OMP-02: MedicationRequest ---- */

/* ORC-1/ORC-5 → MedicationRequest.status (cancelling controls never get here). */
static const char *order_status(struct mc *c, const struct hl7_segment *orc)
{
	struct str ctl = v2m_T(c, orc, 1, 0, 1, 0), st = v2m_T(c, orc, 5, 0, 1, 0);
	return str_eq_c(ctl, "CM") || str_eq_c(st, "CM") ? "completed" : "active";
}

/* Identifiers of a prescription line (JP Core MedicationRequest): the Rp
 * number (ORC-4, as sent), the order within the Rp (1, 2, ... as the lines of
 * one Rp come in the message) and the placer order number (ORC-2). */
static json_t *order_ids(struct mc *c, const struct hl7_segment *orc, int in_rp)
{
	json_t *ids = json_array();
	struct str rp = v2m_T(c, orc, 4, 0, 1, 0);
	if (rp.len) {
		v2m_push(ids, json_pack("{s:s, s:o}", "system", CODES_RP_NUMBER_SYSTEM, "value", v2m_jstr(rp)));
		if (in_rp > 0)
			v2m_push(ids, json_pack("{s:s, s:s}", "system", JP_ORDER_IN_RP_SYSTEM, "value",
						arena_printf(c->a, "%d", in_rp)));
	}
	v2m_push(ids, v2m_order_identifier(c, orc));
	return ids;
}

static const struct fmap orc_rx_map[] = {
	{9, 1, F_DATETIME, "authoredOn"},
};
static const struct fmap tq1_rx_map[] = {
	{7, 1, F_DATETIME, "boundsPeriod.start"},
	{8, 1, F_DATETIME, "boundsPeriod.end"},
};

/* JAMI 用法 16 digits: the first two are the 用法詳細区分 (10 経口, 30 静脈注射). */
static json_t *usage_method(struct mc *c, const struct cwe *usage)
{
	if (!str_eq_c(usage->sys, "JAMISDP01") || usage->code.len != 16 || !str_is_digits(usage->code))
		return NULL;
	return v2m_cc1(CODES_JAMI_DETAIL_USAGE_SYSTEM, arena_printf(c->a, "%.2s", usage->code.ptr), NULL);
}

/* The dosage of an RXE (JAMI's SS-MIX2→FHIR mapping, JP Core MedicationRequest):
 * text and timing.code from TQ1-3 (JAMI 用法) or RXE-7, days (TQ1-6) as
 * timing.repeat.boundsDuration and the UsageDuration extension, the period of
 * use (TQ1-7/8) as the PeriodOfUse extension (and the bounds when no days are
 * given), method from the 用法 code, route (RXR-1), dose (RXE-3/5 or RXC-3/4),
 * daily dose (RXE-19), rate (RXE-23/24). */
static enum rk_status dosage(struct mc *c, const struct hl7_segment *rxe, const struct hl7_segment *tq1,
			     const struct hl7_segment *rxr, const struct hl7_segment *rxc, json_t **out)
{
	json_t *d = json_object(), *v = NULL, *exts = json_array();
	enum rk_status rc;
	struct cwe usage = v2m_cwe_sub(c, tq1, 3, 0, 1);
	struct str instr = v2m_T(c, rxe, 7, 0, 2, 0);
	v2m_put(d, "extension", exts);
	v2m_put(d, "text", v2m_jstr(usage.text.len ? usage.text : instr));
	json_t *timing = json_object(), *period = json_object();
	v2m_put(d, "timing", timing);
	if ((rc = v2m_cc_of(c, &usage, 1, CODE_LOOSE, "TQ1-3", &v)) != RK_OK)
		goto fail;
	v2m_put(timing, "code", v);
	if ((rc = MAP(tq1, tq1_rx_map, period)) != RK_OK) {
		json_decref(period);
		goto fail;
	}
	json_t *start = json_object_get(json_object_get(period, "boundsPeriod"), "start");
	if (start)
		v2m_push(exts, json_pack("{s:s, s:{s:O}}", "url", JP_PERIOD_OF_USE_EXT, "valuePeriod", "start", start));
	if ((rc = v2m_duration(c, tq1, 6, "TQ1-6", &v)) != RK_OK) {
		json_decref(period);
		goto fail;
	}
	if (v) {
		v2m_push(exts, json_pack("{s:s, s:O}", "url", JP_USAGE_DURATION_EXT, "valueDuration", v));
		v2m_put(timing, "repeat", json_pack("{s:o}", "boundsDuration", v));
		json_decref(period);
	} else {
		v2m_put_nonempty(timing, "repeat", period);
	}
	v2m_put(d, "method", usage_method(c, &usage));
	struct cwe route = v2m_cwe_at(c, rxr, 1, 0, 1);
	if ((rc = v2m_cc_of(c, &route, 1, CODE_LOOSE, "RXR-1", &v)) != RK_OK)
		goto fail;
	v2m_put(d, "route", v);
	json_t *dr = json_object();
	v2m_put(dr, "type", v2m_cc1(CODES_STRENGTH_TYPE_SYSTEM, "1", "製剤量"));
	struct cwe unit = rxc ? v2m_cwe_at(c, rxc, 4, 0, 1) : v2m_cwe_at(c, rxe, 5, 0, 1);
	const char *dose_text; /* "適量": a dose in words joins the dosage's text */
	rc = v2m_qty_or_text(c, rxc ? v2m_T(c, rxc, 3, 0, 1, 0) : v2m_T(c, rxe, 3, 0, 1, 0), &unit,
			     rxc ? "RXC-3" : "RXE-3", &v, &dose_text);
	v2m_put(dr, "doseQuantity", v);
	if (rc == RK_OK && dose_text) {
		const char *t = json_string_value(json_object_get(d, "text"));
		v2m_put(d, "text", json_string(t ? arena_printf(c->a, "%s %s", dose_text, t) : dose_text));
	}
	if (rc == RK_OK && !rxc) { /* RXE-19: total daily dose "3^TAB&錠&MR9P" */
		struct cwe du = v2m_cwe_sub(c, rxe, 19, 0, 2);
		if ((rc = v2m_qty(c, v2m_T(c, rxe, 19, 0, 1, 0), &du, "RXE-19", &v)) == RK_OK && v)
			v2m_put(dr, "rateRatio",
				json_pack("{s:o, s:{s:i, s:s, s:s, s:s}}", "numerator", v, "denominator", "value", 1,
					  "unit", "日", "system", CODES_UCUM_SYSTEM, "code", "d"));
	}
	if (rc == RK_OK && !json_object_get(dr, "rateRatio")) { /* RXE-23/24: rate of a drip */
		struct cwe ru = v2m_cwe_at(c, rxe, 24, 0, 1);
		if ((rc = v2m_qty(c, v2m_T(c, rxe, 23, 0, 1, 0), &ru, "RXE-23", &v)) == RK_OK)
			v2m_put(dr, "rateQuantity", v);
	}
	v2m_put(d, "doseAndRate", json_pack("[o]", dr));
	if (rc != RK_OK)
		goto fail;
	if (!json_array_size(exts))
		json_object_del(d, "extension");
	if (!json_object_size(timing))
		json_object_del(d, "timing");
	*out = d;
	return RK_OK;
fail:
	json_decref(d);
	return rc;
}

/* One MedicationRequest of an RXE (oral) or of one RXC of it (injection). */
static enum rk_status map_rx(struct mc *c, const struct hl7_segment *orc, const struct hl7_segment *rxe,
			     const struct hl7_segment *rxc, int in_rp)
{
	size_t i = v2m_seg_index(c, rxe);
	const struct hl7_segment *tq1 = v2m_next_in_group(c, i, "TQ1", "ORC RXE"),
				 *rxr = v2m_next_in_group(c, i, "RXR", "ORC RXE");
	const char *where = rxc ? "RXC-2" : "RXE-2";
	json_t *med;
	enum rk_status rc = v2m_drug(c, rxc ? rxc : rxe, 2, where, &med);
	if (rc != RK_OK)
		return rc;
	json_t *m = v2m_new_res(c, "MedicationRequest", NULL), *v;
	v2m_put_nonempty(m, "identifier", order_ids(c, orc, in_rp));
	v2m_put(m, "status", json_string(order_status(c, orc)));
	v2m_put(m, "intent", json_string("order"));
	json_t *cats = json_array();
	v2m_push(cats, c->kind->injection ? v2m_cc1(CODES_JAMI_BASIC_USAGE_SYSTEM, "3", "注射")
					  : v2m_cc1(CODES_JAMI_BASIC_USAGE_SYSTEM, "1", "内服"));
	for (int r = 0; r < hl7_reps(c->m, rxe, 21) && r < 4; r++) { /* RXE-21: 処方区分 (MERIT-9) */
		struct cwe k = v2m_cwe_at(c, rxe, 21, r, 1);
		if (str_eq_c(k.sys, "MR9P") && k.code.len)
			v2m_push(cats, v2m_cc1(CODES_MERIT9_CATEGORY_SYSTEM, v2m_cstr(c, k.code), v2m_cstr(c, k.text)));
		else if ((rc = v2m_cc_of(c, &k, 1, CODE_LOOSE, "RXE-21", &v)) == RK_OK)
			v2m_push(cats, v);
	}
	v2m_put(m, "category", cats);
	v2m_put(m, "medicationCodeableConcept", med);
	v2m_put(m, "subject", json_pack("{s:s}", "reference", c->pref));
	if (rc != RK_OK || (rc = MAP(orc, orc_rx_map, m)) != RK_OK)
		goto fail;
	v2m_put(m, "requester", v2m_person_ref(c, orc, 12));
	v2m_put(m, "recorder", v2m_person_ref(c, orc, 10));
	if (c->kind->injection)
		v2m_put(m, "groupIdentifier", v2m_order_identifier(c, orc));
	if ((rc = dosage(c, rxe, tq1, rxr, rxc, &v)) != RK_OK)
		goto fail;
	v2m_put(m, "dosageInstruction", json_pack("[o]", v));
	if (!rxc) { /* RXE-10/11: quantity to dispense; TQ1-6: for how many days */
		json_t *dq, *days;
		struct cwe du = v2m_cwe_at(c, rxe, 11, 0, 1);
		if ((rc = v2m_qty(c, v2m_T(c, rxe, 10, 0, 1, 0), &du, "RXE-10", &dq)) != RK_OK)
			goto fail;
		if ((rc = v2m_duration(c, tq1, 6, "TQ1-6", &days)) != RK_OK) {
			json_decref(dq);
			goto fail;
		}
		json_t *disp = json_object();
		v2m_put(disp, "quantity", dq);
		v2m_put(disp, "expectedSupplyDuration", days);
		v2m_put_nonempty(m, "dispenseRequest", disp);
	}
	return v2m_add_res(c, "MedicationRequest", rxc ? rxc : rxe, 0, m)
		       ? RK_OK
		       : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
fail:
	json_decref(m);
	return rc;
}

enum rk_status v2m_map_med_orders(struct mc *c)
{
	const struct hl7_segment *orc = NULL;
	size_t found = 0;
	const struct hl7_segment *s;
	struct str rp = STR_NULL; /* the Rp of the lines counted in in_rp */
	int in_rp = 0;
	for (size_t i = 0; (s = v2m_next_under_orc(c, &i, "RXE", &orc)); i++) {
		if (!orc)
			return v2m_fail(c, RK_INVALID, "RXE without ORC");
		found++;
		struct str this_rp = v2m_T(c, orc, 4, 0, 1, 0);
		if (!str_eq(this_rp, rp) || !in_rp)
			in_rp = 0;
		rp = this_rp;
		enum rk_status rc = RK_OK;
		size_t nrxc = 0;
		if (c->kind->injection) /* one request per component (RXC) of the mixture */
			for (size_t k = i + 1; k < c->m->nseg && rc == RK_OK; k++) {
				const struct hl7_segment *x = &c->m->segs[k];
				if (str_eq_c(x->name, "ORC") || str_eq_c(x->name, "RXE"))
					break;
				if (str_eq_c(x->name, "RXC")) {
					nrxc++;
					rc = map_rx(c, orc, s, x, ++in_rp);
				}
			}
		if (rc == RK_OK && !nrxc)
			rc = map_rx(c, orc, s, NULL, ++in_rp);
		if (rc != RK_OK)
			return rc;
	}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "RXE missing: no prescription in the message");
}

/* ---- OMP-11 / OMP-12: MedicationAdministration per RXA ---- */

static enum rk_status map_rxa(struct mc *c, const struct hl7_segment *orc, const struct hl7_segment *s)
{
	const struct hl7_segment *rxr = v2m_next_in_group(c, v2m_seg_index(c, s), "RXR", "ORC");
	json_t *med;
	enum rk_status rc = v2m_drug(c, s, 5, "RXA-5", &med);
	if (rc != RK_OK)
		return rc;
	json_t *a = v2m_new_res(c, "MedicationAdministration", NULL), *start = NULL, *end = NULL, *v;
	const struct v2map_code *st = v2map_code_find(v2map_admin_status, v2m_T(c, s, 20, 0, 1, 0));
	v2m_put(a, "status", json_string(st ? st->to : "completed"));
	v2m_put(a, "medicationCodeableConcept", med);
	v2m_put(a, "subject", json_pack("{s:s}", "reference", c->pref));
	if ((rc = v2m_ts(c, v2m_T(c, s, 3, 0, 1, 0), TS_DATETIME, "RXA-3", &start)) != RK_OK)
		goto fail;
	if ((rc = v2m_ts(c, v2m_T(c, s, 4, 0, 1, 0), TS_DATETIME, "RXA-4", &end)) != RK_OK) {
		json_decref(start);
		goto fail;
	}
	if (!start) {
		json_decref(end);
		rc = v2m_fail(c, RK_INVALID, "RXA-3: administration time missing");
		goto fail;
	}
	if (end && !json_equal(start, end))
		v2m_put(a, "effectivePeriod", json_pack("{s:o, s:o}", "start", start, "end", end));
	else {
		v2m_put(a, "effectiveDateTime", start);
		json_decref(end);
	}
	json_t *who = v2m_person_ref(c, s, 10);
	if (who)
		v2m_put(a, "performer", json_pack("[{s:o}]", "actor", who));
	json_t *req = v2m_order_identifier(c, orc);
	if (req)
		v2m_put(a, "request", json_pack("{s:o}", "identifier", req));
	struct str note = v2m_T(c, s, 9, 0, 2, 0);
	if (note.len)
		v2m_put(a, "note", json_pack("[{s:o}]", "text", v2m_jstr(note)));
	json_t *dose = json_object();
	v2m_put(dose, "text", v2m_jstr(v2m_T(c, s, 12, 0, 0, 0)));
	struct cwe route = v2m_cwe_at(c, rxr, 1, 0, 1), unit = v2m_cwe_at(c, s, 7, 0, 1);
	if ((rc = v2m_cc_of(c, &route, 1, CODE_LOOSE, "RXR-1", &v)) != RK_OK) {
		json_decref(dose);
		goto fail;
	}
	v2m_put(dose, "route", v);
	if ((rc = v2m_qty(c, v2m_T(c, s, 6, 0, 1, 0), &unit, "RXA-6", &v)) != RK_OK) {
		json_decref(dose);
		goto fail;
	}
	v2m_put(dose, "dose", v);
	v2m_put_nonempty(a, "dosage", dose);
	return v2m_add_res(c, "MedicationAdministration", s, 0, a) ? RK_OK
								   : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
fail:
	json_decref(a);
	return rc;
}

enum rk_status v2m_map_med_admins(struct mc *c)
{
	const struct hl7_segment *orc = NULL;
	size_t found = 0;
	const struct hl7_segment *s;
	for (size_t i = 0; (s = v2m_next_under_orc(c, &i, "RXA", &orc)); i++) {
		found++;
		enum rk_status rc = map_rxa(c, orc, s);
		if (rc != RK_OK)
			return rc;
	}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "RXA missing: no administration in the message");
}

/* ---- SPM → Specimen (OML-01, OML-11) ---- */

static const struct fmap spm_map[] = {
	{17, 1, F_DATETIME, "collection.collectedDateTime"},
	{18, 1, F_DATETIME, "receivedTime"},
};

enum rk_status v2m_map_specimens(struct mc *c)
{
	c->specimen = arena_calloc(c->a, c->m->nseg + 1, sizeof *c->specimen);
	if (!c->specimen)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	for (size_t i = 0; i < c->m->nseg; i++) {
		const struct hl7_segment *spm = &c->m->segs[i];
		if (!str_eq_c(spm->name, "SPM"))
			continue;
		/* SPM-4: the material, a JLAC10 材料コード (primary) and a local one (alternate) */
		struct cwe v[2] = {v2m_cwe_at(c, spm, 4, 0, 1), v2m_cwe_at(c, spm, 4, 0, 4)};
		json_t *type = NULL;
		enum rk_status rc = RK_OK;
		for (int k = 0; k < 2 && rc == RK_OK; k++)
			if (str_eq_c(v[k].sys, "JC10") && v[k].code.len == 3 && str_is_digits(v[k].code)) {
				json_t *cd = v2m_coding(JLAC10_MATERIAL_SYSTEM, v2m_cstr(c, v[k].code),
							v[k].text.len ? v2m_cstr(c, v[k].text) : NULL);
				if (!type)
					type = json_pack("{s:[]}", "coding");
				v2m_push(json_object_get(type, "coding"), cd);
				if (v[k].text.len && !json_object_get(type, "text"))
					v2m_put(type, "text", v2m_jstr(v[k].text));
				v[k].code = STR_NULL;
			}
		json_t *more;
		if ((rc = v2m_cc_of(c, v, 2, CODE_LOOSE, "SPM-4", &more)) != RK_OK) {
			json_decref(type);
			return rc;
		}
		if (more && type) { /* the local coding beside the JLAC10 one */
			size_t k;
			json_t *o;
			json_array_foreach(json_object_get(more, "coding"), k, o)
			{
				v2m_push(json_object_get(type, "coding"), json_incref(o));
			}
			json_decref(more);
		} else if (more) {
			type = more;
		}
		json_t *sp = v2m_new_res(c, "Specimen", "subject");
		struct str placer = v2m_T(c, spm, 2, 0, 1, 0), filler = v2m_T(c, spm, 2, 0, 2, 0);
		json_t *ids = json_array();
		if (placer.len)
			v2m_push(ids, json_pack("{s:o}", "value", v2m_jstr(placer)));
		v2m_put_nonempty(sp, "identifier", ids);
		if (filler.len)
			v2m_put(sp, "accessionIdentifier", json_pack("{s:o}", "value", v2m_jstr(filler)));
		v2m_put(sp, "status", json_string("available"));
		v2m_put(sp, "type", type);
		if ((rc = MAP(spm, spm_map, sp)) != RK_OK) {
			json_decref(sp);
			return rc;
		}
		const char *id = v2m_add_res(c, "Specimen", spm, 0, sp);
		if (!id)
			return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
		c->specimen[i] = id;
	}
	return RK_OK;
}

json_t *v2m_specimen_ref(struct mc *c, const struct hl7_segment *spm)
{
	const char *id = spm && c->specimen ? c->specimen[v2m_seg_index(c, spm)] : NULL;
	if (!id)
		return NULL;
	json_t *r = v2m_ref_to(c, "Specimen", id);
	v2m_put(r, "display", v2m_jstr(v2m_T(c, spm, 4, 0, 2, 0)));
	return r;
}

/* ---- OML-11 / OMG-13: Observations and the DiagnosticReport of each OBR ---- */

static const struct fmap obr_report_map[] = {
	{7, 1, F_DATETIME, "effectiveDateTime"},
	{22, 1, F_INSTANT, "issued"},
};

enum rk_status v2m_map_results(struct mc *c)
{
	bool lab = c->kind->mapper == V2M_LAB_RESULT;
	size_t found = 0;
	enum rk_status src = lab ? v2m_map_specimens(c) : RK_OK;
	if (src != RK_OK)
		return src;
	for (size_t i = 0; i < c->m->nseg; i++) {
		const struct hl7_segment *obr = &c->m->segs[i];
		if (!str_eq_c(obr->name, "OBR"))
			continue;
		const struct hl7_segment *spm = v2m_prev_seg(c, i, "SPM");
		json_t *results = json_array();
		enum rk_status rc = RK_OK;
		for (size_t k = i + 1; k < c->m->nseg && rc == RK_OK; k++) {
			const struct hl7_segment *s = &c->m->segs[k];
			if (str_eq_c(s->name, "OBR") || str_eq_c(s->name, "SPM"))
				break;
			if (!str_eq_c(s->name, "OBX"))
				continue;
			const char *id;
			rc = v2m_map_obx(c, s, obr, lab ? spm : NULL, lab ? "laboratory" : "procedure",
					 lab ? CODE_KEEP : CODE_LOOSE, &id);
			if (rc == RK_OK && id)
				v2m_push(results, v2m_ref_to(c, "Observation", id));
		}
		if (rc != RK_OK) {
			json_decref(results);
			return rc;
		}
		json_t *code;
		if ((rc = v2m_cc_field(c, obr, 4, 0, CODE_LOOSE, "OBR-4", &code)) != RK_OK) {
			json_decref(results);
			return rc;
		}
		if (lab) { /* the SS-MIX2 document code of a lab report */
			const struct codes_document *doc = codes_documents_find("lab_report");
			if (!code)
				code = json_object();
			json_t *cds = json_object_get(code, "coding");
			if (!cds)
				json_object_set_new(code, "coding", cds = json_array());
			json_array_insert_new(cds, 0, v2m_coding(CODES_DOCUMENT_SYSTEM, doc->code, doc->ja));
		}
		if (!code) {
			json_decref(results);
			return v2m_fail(c, RK_INVALID, "OBR-4: examination code missing");
		}
		json_t *r = v2m_new_res(c, "DiagnosticReport", NULL);
		struct str placer = v2m_T(c, obr, 2, 0, 1, 0), filler = v2m_T(c, obr, 3, 0, 1, 0);
		json_t *ids = json_array();
		v2m_push(ids, v2m_placer_identifier(c, placer));
		if (filler.len)
			v2m_push(ids, json_pack("{s:o}", "value", v2m_jstr(filler)));
		v2m_put_nonempty(r, "identifier", ids);
		const struct v2map_code *st = v2map_code_find(v2map_report_status, v2m_T(c, obr, 25, 0, 1, 0));
		v2m_put(r, "status", json_string(st ? st->to : "final"));
		v2m_put(r, "category",
			json_pack("[o]", lab ? v2m_cc1(DIAG_SERVICE_SYSTEM, "LAB", "Laboratory")
					     : json_pack("{s:[o], s:s}", "coding",
							 v2m_coding(DIAG_SERVICE_SYSTEM, "OTH", "Other"), "text",
							 c->kind->category)));
		v2m_put(r, "code", code);
		v2m_put(r, "subject", json_pack("{s:s}", "reference", c->pref));
		if ((rc = MAP(obr, obr_report_map, r)) != RK_OK) {
			json_decref(r);
			json_decref(results);
			return rc;
		}
		v2m_put_nonempty(r, "result", results);
		if (!v2m_add_res(c, "DiagnosticReport", obr, 0, r))
			return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
		found++;
	}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "OBR missing: no results in the message");
}

/* ---- OML-01 / OMG-01..03: ServiceRequest per ORC/OBR ---- */

static const struct fmap orc_order_map[] = {
	{9, 1, F_DATETIME, "authoredOn"},
};
static const struct fmap obr_order_map[] = {
	{7, 1, F_DATETIME, "occurrenceDateTime"},
};

static enum rk_status map_order(struct mc *c, const struct hl7_segment *orc, const struct hl7_segment *obr,
				const char **ids, const char **numbers, size_t nmapped)
{
	size_t i = v2m_seg_index(c, obr);
	json_t *code;
	enum rk_status rc = v2m_cc_field(c, obr, 4, 0, CODE_LOOSE, "OBR-4", &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "OBR-4: examination code missing");
	json_t *r = v2m_new_res(c, "ServiceRequest", NULL);
	v2m_put_nonempty(r, "identifier", json_pack("[o*]", v2m_order_identifier(c, orc)));
	/* ORC-8: the parent order of a child (CH); a reference when it is in this message */
	struct str parent = v2m_T(c, orc, 8, 0, 1, 0);
	if (!parent.len)
		parent = v2m_T(c, obr, 29, 0, 1, 0);
	if (parent.len) {
		json_t *b = NULL;
		for (size_t k = 0; k < nmapped && !b; k++)
			if (str_eq_c(parent, numbers[k]))
				b = v2m_ref_to(c, "ServiceRequest", ids[k]);
		if (!b)
			b = json_pack("{s:o*}", "identifier", v2m_placer_identifier(c, parent));
		v2m_put(r, "basedOn", json_pack("[o]", b));
	}
	v2m_put(r, "status", json_string(order_status(c, orc)));
	v2m_put(r, "intent", json_string("order"));
	v2m_put(r, "category", json_pack("[{s:s}]", "text", c->kind->category));
	const struct hl7_segment *tq1 = v2m_next_in_group(c, v2m_seg_index(c, orc), "TQ1", "OBR ORC");
	const struct v2map_code *pr = v2map_code_find(v2map_priority, v2m_T(c, tq1, 9, 0, 1, 0));
	v2m_put(r, "priority", pr ? json_string(pr->to) : NULL);
	v2m_put(r, "code", code);
	/* OBX of an order: requested items (no value) or clinical information (a value) */
	json_t *details = json_array(), *notes = json_array(), *v;
	for (size_t k = i + 1; k < c->m->nseg && rc == RK_OK; k++) {
		const struct hl7_segment *s = &c->m->segs[k];
		if (str_eq_c(s->name, "ORC") || str_eq_c(s->name, "OBR") || str_eq_c(s->name, "SPM"))
			break;
		if (!str_eq_c(s->name, "OBX"))
			continue;
		struct str value = v2m_T(c, s, 5, 0, 0, 0), what = v2m_T(c, s, 3, 0, 2, 0),
			   vtext = v2m_T(c, s, 5, 0, 2, 0);
		if (!value.len) {
			if ((rc = v2m_cc_field(c, s, 3, 0, CODE_LOOSE, "OBX-3", &v)) == RK_OK)
				v2m_push(details, v);
		} else {
			struct str shown = str_eq_c(v2m_T(c, s, 2, 0, 1, 0), "CWE") && vtext.len ? vtext : value;
			const char *t =
				arena_printf(c->a, "%.*s%s%.*s", STR_FMT(what), what.len ? ": " : "", STR_FMT(shown));
			if (t)
				v2m_push(notes, json_pack("{s:s}", "text", t));
		}
	}
	v2m_put_nonempty(r, "orderDetail", details);
	v2m_put(r, "subject", json_pack("{s:s}", "reference", c->pref));
	if (rc == RK_OK)
		rc = MAP(obr, obr_order_map, r);
	if (rc == RK_OK)
		rc = MAP(orc, orc_order_map, r);
	if (rc != RK_OK) {
		json_decref(notes);
		json_decref(r);
		return rc;
	}
	v2m_put(r, "requester", v2m_person_ref(c, orc, 12));
	const struct hl7_segment *spm = v2m_prev_seg(c, i, "SPM");
	json_t *spref = c->kind->mapper == V2M_LAB_ORDER ? v2m_specimen_ref(c, spm) : NULL;
	if (spref)
		v2m_put(r, "specimen", json_pack("[o]", spref));
	v2m_put_nonempty(r, "note", notes);
	const char *id = v2m_add_res(c, "ServiceRequest", obr, 0, r);
	if (!id)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	ids[nmapped] = id;
	numbers[nmapped] = v2m_cstr(c, v2m_T(c, orc, 2, 0, 1, 0));
	return RK_OK;
}

enum rk_status v2m_map_orders(struct mc *c)
{
	if (c->kind->mapper == V2M_LAB_ORDER) {
		enum rk_status rc = v2m_map_specimens(c);
		if (rc != RK_OK)
			return rc;
	}
	const char **ids = arena_calloc(c->a, c->m->nseg + 1, sizeof *ids);
	const char **numbers = arena_calloc(c->a, c->m->nseg + 1, sizeof *numbers);
	if (!ids || !numbers)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	size_t n = 0;
	const struct hl7_segment *orc = NULL;
	const struct hl7_segment *s;
	for (size_t i = 0; (s = v2m_next_under_orc(c, &i, "OBR", &orc)); i++) {
		if (!orc)
			return v2m_fail(c, RK_INVALID, "OBR without ORC");
		/* SS-MIX2 sends the order (NW) and its parent (PA) with the same number: keep one */
		struct str number = v2m_T(c, orc, 2, 0, 1, 0);
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = str_eq_c(number, numbers[k]) && number.len;
		if (seen)
			continue;
		enum rk_status rc = map_order(c, orc, s, ids, numbers, n);
		if (rc != RK_OK)
			return rc;
		n++;
	}
	return n ? RK_OK : v2m_fail(c, RK_INVALID, "OBR missing: no order in the message");
}

/* ---- OMG-11 / OMG-12: ImagingStudy per study instance UID (IPC-3) ---- */

static bool dicom_uid_ok(struct str u)
{
	if (!u.len || u.len > 64)
		return false;
	for (size_t i = 0; i < u.len; i++)
		if (!((u.ptr[i] >= '0' && u.ptr[i] <= '9') || u.ptr[i] == '.'))
			return false;
	return u.ptr[0] != '.' && u.ptr[u.len - 1] != '.';
}

enum rk_status v2m_map_studies(struct mc *c)
{
	const char **uids = arena_calloc(c->a, c->m->nseg + 1, sizeof *uids);
	if (!uids)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	size_t n = 0;
	for (size_t i = 0; i < c->m->nseg; i++) {
		const struct hl7_segment *ipc = &c->m->segs[i];
		if (!str_eq_c(ipc->name, "IPC"))
			continue;
		struct str uid = v2m_T(c, ipc, 3, 0, 1, 0);
		if (!dicom_uid_ok(uid))
			return v2m_fail(c, RK_INVALID, "IPC-3: '%.*s' is not a DICOM study instance UID",
					(int)(uid.len > 70 ? 70 : uid.len), uid.ptr);
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = str_eq_c(uid, uids[k]);
		if (seen)
			continue;
		uids[n++] = v2m_cstr(c, uid);
		const struct hl7_segment *obr = v2m_prev_seg(c, i, "OBR"), *orc = v2m_prev_seg(c, i, "ORC");
		json_t *img = v2m_new_res(c, "ImagingStudy", NULL), *v;
		json_t *ids = json_array();
		v2m_push(ids, json_pack("{s:s, s:s}", "system", "urn:dicom:uid", "value",
					arena_printf(c->a, "urn:oid:%s", uids[n - 1])));
		struct str acsn = v2m_T(c, ipc, 1, 0, 1, 0);
		if (acsn.len)
			v2m_push(ids, json_pack("{s:o, s:o}", "type",
						v2m_cc1(IDENTIFIER_TYPE_SYSTEM, "ACSN", "Accession ID"), "value",
						v2m_jstr(acsn)));
		v2m_put(img, "identifier", ids);
		v2m_put(img, "status", json_string("available"));
		struct str mod = v2m_T(c, ipc, 5, 0, 1, 0);
		if (mod.len)
			v2m_put(img, "modality",
				json_pack("[o]", v2m_coding(CODES_DICOM_SYSTEM, v2m_cstr(c, mod), NULL)));
		v2m_put(img, "subject", json_pack("{s:s}", "reference", c->pref));
		enum rk_status rc = v2m_ts(c, v2m_T(c, obr, 7, 0, 1, 0), TS_DATETIME, "OBR-7", &v);
		if (rc == RK_OK && !v)
			rc = v2m_ts(c, v2m_T(c, orc, 9, 0, 1, 0), TS_DATETIME, "ORC-9", &v);
		v2m_put(img, "started", v);
		json_t *based = v2m_order_identifier(c, orc);
		if (based)
			v2m_put(img, "basedOn", json_pack("[{s:o}]", "identifier", based));
		if (rc == RK_OK && (rc = v2m_cc_field(c, obr, 4, 0, CODE_LOOSE, "OBR-4", &v)) == RK_OK && v) {
			v2m_put(img, "description", json_incref(json_object_get(v, "text")));
			v2m_put(img, "procedureCode", json_pack("[o]", v));
		}
		if (rc != RK_OK) {
			json_decref(img);
			return rc;
		}
		if (!v2m_add_res(c, "ImagingStudy", ipc, 0, img))
			return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	}
	return n ? RK_OK : v2m_fail(c, RK_INVALID, "IPC missing: no imaging study in the message");
}

/* ---- OMD: NutritionOrder per ODS ---- */

static const struct fmap orc_diet_map[] = {
	{9, 1, F_DATETIME, "dateTime"},
};
static const struct fmap tq1_diet_map[] = {
	{7, 1, F_DATETIME, "oralDiet.schedule[0].repeat.boundsPeriod.start"},
	{8, 1, F_DATETIME, "oralDiet.schedule[0].repeat.boundsPeriod.end"},
};

enum rk_status v2m_map_diet(struct mc *c)
{
	const struct hl7_segment *orc = NULL;
	size_t found = 0;
	const struct hl7_segment *s;
	for (size_t i = 0; (s = v2m_next_under_orc(c, &i, "ODS", &orc)); i++) {
		if (!orc)
			return v2m_fail(c, RK_INVALID, "ODS without ORC");
		const struct hl7_segment *tq1 = v2m_next_in_group(c, v2m_seg_index(c, orc), "TQ1", "ODS ORC");
		struct str kind = v2m_T(c, s, 1, 0, 1, 0), text = v2m_T(c, s, 4, 0, 0, 0);
		json_t *diet;
		enum rk_status rc = v2m_cc_field(c, s, 3, 0, CODE_LOOSE, "ODS-3", &diet);
		if (rc != RK_OK)
			return rc;
		if (!diet && !text.len)
			return v2m_fail(c, RK_INVALID, "ODS-3: diet missing");
		json_t *o = v2m_new_res(c, "NutritionOrder", "patient");
		v2m_put_nonempty(o, "identifier", json_pack("[o*]", v2m_order_identifier(c, orc)));
		v2m_put(o, "status", json_string(order_status(c, orc)));
		v2m_put(o, "intent", json_string("order"));
		if ((rc = MAP(orc, orc_diet_map, o)) != RK_OK || (rc = MAP(tq1, tq1_diet_map, o)) != RK_OK) {
			json_decref(diet);
			json_decref(o);
			return rc;
		}
		if (!json_object_get(o, "dateTime")) {
			json_t *when;
			if ((rc = v2m_ts(c, c->m->timestamp, TS_DATETIME, "MSH-7", &when)) != RK_OK || !when) {
				json_decref(diet);
				json_decref(o);
				return rc != RK_OK ? rc : v2m_fail(c, RK_INVALID, "ORC-9: order date/time missing");
			}
			v2m_put(o, "dateTime", when);
		}
		v2m_put(o, "orderer", v2m_person_ref(c, orc, 12));
		if (str_eq_c(kind, "S")) { /* a supplement */
			json_decref(diet);
			v2m_put(o, "supplement", json_pack("[{s:o}]", "productName", v2m_jstr(text)));
		} else {
			json_t *oral = json_object_get(o, "oralDiet");
			if (!oral)
				json_object_set_new(o, "oralDiet", oral = json_object());
			if (diet)
				v2m_put(oral, "type", json_pack("[o]", diet));
			struct cwe freq = v2m_cwe_sub(c, tq1, 3, 0, 1);
			json_t *fc;
			if ((rc = v2m_cc_of(c, &freq, 1, CODE_LOOSE, "TQ1-3", &fc)) == RK_OK && fc) {
				json_t *sch = json_object_get(oral, "schedule");
				if (!sch)
					json_object_set_new(oral, "schedule", sch = json_pack("[{}]"));
				v2m_put(json_array_get(sch, 0), "code", fc);
			}
			v2m_put(oral, "instruction", v2m_jstr(text));
		}
		if (!v2m_add_res(c, "NutritionOrder", s, 0, o))
			return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
		found++;
	}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "ODS missing: no diet order in the message");
}
