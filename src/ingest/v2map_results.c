/* v2map_results.c — OBX → Observation for ingest/v2map: numbers with their
 * units and comparators, reference ranges, words where a number belongs (kept
 * as text with a warning), blood pressure pairs as one Observation with two
 * components; ADT-00 body measurements and OML-11 / OMG-13 results alike. */
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

/* ---- observations (ADT-00 OBX body measurements, OML-11 / OMG-13 results) ---- */

/* Is s a number v2m_qty() accepts? (Checked first: a failing v2m_qty() would record an error.) */
static bool is_num(struct mc *c, struct str s)
{
	json_t *v;
	if (!v2m_number(c, s, &v))
		return false;
	json_decref(v);
	return true;
}

/* OBX-7 "1.2-2.0", "<0.5", ">=10", or text. */
static json_t *reference_range(struct mc *c, struct str range, const struct cwe *unit)
{
	if (!range.len)
		return NULL;
	json_t *rr = json_object(), *lo = NULL, *hi = NULL;
	struct str a = STR_NULL, b = STR_NULL;
	for (size_t i = 1; i < range.len; i++)
		if (range.ptr[i] == '-' && range.ptr[i - 1] != 'e' && range.ptr[i - 1] != 'E') {
			a = str_trim((struct str){range.ptr, i});
			b = str_trim((struct str){range.ptr + i + 1, range.len - i - 1});
			break;
		}
	if (a.len && b.len && is_num(c, a) && is_num(c, b)) {
		v2m_qty(c, a, unit, "", &lo);
		v2m_qty(c, b, unit, "", &hi);
	} else if (range.ptr[0] == '<' || range.ptr[0] == '>') {
		size_t k = range.len > 1 && range.ptr[1] == '=' ? 2 : 1;
		struct str v = str_trim((struct str){range.ptr + k, range.len - k});
		if (is_num(c, v))
			v2m_qty(c, v, unit, "", range.ptr[0] == '<' ? &hi : &lo);
	}
	if ((a.len && b.len && (!lo || !hi)) || (!lo && !hi)) {
		json_decref(lo);
		json_decref(hi);
		lo = hi = NULL;
	}
	v2m_put(rr, "low", lo);
	v2m_put(rr, "high", hi);
	if (!lo && !hi)
		v2m_put(rr, "text", v2m_jstr(range));
	return rr;
}

/* A result given as a bound: "<0.03" (NM, ST, TX) or SN "<^0.03" → a
 * Quantity with its comparator and the OBX-6 unit. *out NULL otherwise. */
static enum rk_status comparator_qty(struct mc *c, const struct hl7_segment *s, struct str vt, struct str value,
				     const struct cwe *unit, json_t **out)
{
	*out = NULL;
	struct str cmp = STR_NULL, num = STR_NULL;
	if (str_eq_c(vt, "SN")) {
		cmp = v2m_T(c, s, 5, 0, 1, 0);
		num = v2m_T(c, s, 5, 0, 2, 0);
		if (v2m_T(c, s, 5, 0, 3, 0).len) /* a range or ratio: kept as text */
			return RK_OK;
	} else if (str_eq_c(vt, "NM") || str_eq_c(vt, "ST") || str_eq_c(vt, "TX")) {
		size_t k = 0;
		while (k < value.len && k < 2 && (value.ptr[k] == '<' || value.ptr[k] == '>' || value.ptr[k] == '='))
			k++;
		cmp = (struct str){value.ptr, k};
		num = str_trim((struct str){value.ptr + k, value.len - k});
	}
	static const char *const ok[] = {"<", "<=", ">", ">="};
	bool known = false;
	for (size_t i = 0; i < 4; i++)
		known |= str_eq_c(cmp, ok[i]);
	if (str_eq_c(vt, "SN") && !cmp.len && is_num(c, num))
		return v2m_qty(c, num, unit, "OBX-5", out);
	if (!known || !is_num(c, num))
		return RK_OK;
	enum rk_status rc = v2m_qty(c, num, unit, "OBX-5", out);
	if (rc == RK_OK && *out)
		json_object_set_new(*out, "comparator", json_stringn(cmp.ptr, cmp.len));
	return rc;
}

static const struct fmap obx_map[] = {
	{14, 1, F_DATETIME, "effectiveDateTime"},
};

/* Blood pressure: a systolic (LOINC 8480-6, or named 収縮期/最高血圧) and a
 * diastolic (8462-4, 拡張期/最低血圧) OBX of one group with the same OBX-4
 * are one Observation (LOINC 85354-9) with two components, as FHIR's vital
 * signs profile has it. */
static bool bp_part(struct mc *c, const struct hl7_segment *s, bool systolic)
{
	struct str code = v2m_T(c, s, 3, 0, 1, 0), alt = v2m_T(c, s, 3, 0, 4, 0), text = v2m_T(c, s, 3, 0, 2, 0);
	const char *loinc = systolic ? "8480-6" : "8462-4";
	if (str_eq_c(code, loinc) || str_eq_c(alt, loinc))
		return true;
	return systolic ? str_contains(text, "収縮期血圧") || str_contains(text, "最高血圧")
			: str_contains(text, "拡張期血圧") || str_contains(text, "最低血圧");
}

/* The other half of a blood pressure OBX within its group (before the next
 * OBR, ORC, SPM), or NULL. */
static const struct hl7_segment *bp_partner(struct mc *c, const struct hl7_segment *s, bool want_systolic)
{
	size_t i = v2m_seg_index(c, s);
	struct str sub = v2m_T(c, s, 4, 0, 0, 0);
	if (want_systolic) {
		for (size_t k = i; k-- > 0;) {
			const struct hl7_segment *x = &c->m->segs[k];
			if (!str_eq_c(x->name, "OBX"))
				break;
			if (bp_part(c, x, true) && str_eq(v2m_T(c, x, 4, 0, 0, 0), sub))
				return x;
		}
		return NULL;
	}
	for (size_t k = i + 1; k < c->m->nseg; k++) {
		const struct hl7_segment *x = &c->m->segs[k];
		if (!str_eq_c(x->name, "OBX"))
			break;
		if (bp_part(c, x, false) && str_eq(v2m_T(c, x, 4, 0, 0, 0), sub))
			return x;
	}
	return NULL;
}

/* A component of a blood pressure: the code and value of one OBX. */
static enum rk_status bp_component(struct mc *c, const struct hl7_segment *s, enum codemode mode, json_t **out)
{
	*out = NULL;
	json_t *code, *q;
	enum rk_status rc = v2m_cc_field(c, s, 3, 0, mode, "OBX-3", &code);
	if (rc != RK_OK)
		return rc;
	struct cwe unit = v2m_cwe_at(c, s, 6, 0, 1);
	if ((rc = v2m_qty(c, v2m_T(c, s, 5, 0, 0, 0), &unit, "OBX-5", &q)) != RK_OK) {
		json_decref(code);
		return rc;
	}
	*out = json_pack("{s:o}", "code", code ? code : json_pack("{s:s}", "text", "血圧"));
	v2m_put(*out, "valueQuantity", q);
	return RK_OK;
}

static enum rk_status map_one_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
				  const struct hl7_segment *spm, const char *category, enum codemode mode,
				  const char **id);

enum rk_status v2m_map_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
			   const struct hl7_segment *spm, const char *category, enum codemode mode, const char **id)
{
	*id = NULL;
	if (bp_part(c, s, false) && bp_partner(c, s, true))
		return RK_OK; /* the diastolic half: a component of the systolic's Observation */
	const struct hl7_segment *dia = bp_part(c, s, true) ? bp_partner(c, s, false) : NULL;
	if (!dia)
		return map_one_obx(c, s, obr, spm, category, mode, id);
	json_t *sys, *di;
	enum rk_status rc = bp_component(c, s, mode, &sys);
	if (rc != RK_OK)
		return rc;
	if ((rc = bp_component(c, dia, mode, &di)) != RK_OK) {
		json_decref(sys);
		return rc;
	}
	if ((rc = map_one_obx(c, s, obr, spm, "vital-signs", mode, id)) != RK_OK) {
		json_decref(sys);
		json_decref(di);
		return rc;
	}
	json_t *o = c->res[c->n - 1].body;
	json_object_del(o, "valueQuantity");
	json_object_del(o, "referenceRange");
	v2m_put(o, "code",
		json_pack("{s:[o], s:s}", "coding", v2m_coding(CODES_LOINC_SYSTEM, "85354-9", "Blood pressure panel"),
			  "text", "血圧"));
	v2m_put(o, "component", json_pack("[o, o]", sys, di));
	return RK_OK;
}

/* One OBX → Observation. obr: its request (effective time fallback), spm: its specimen. */
static enum rk_status map_one_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
				  const struct hl7_segment *spm, const char *category, enum codemode mode,
				  const char **id)
{
	*id = NULL;
	json_t *code;
	enum rk_status rc = v2m_cc_field(c, s, 3, 0, mode, "OBX-3", &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "OBX-3: observation code missing");
	json_t *o = v2m_new_res(c, "Observation", NULL);
	const struct v2map_code *st = v2map_code_find(v2map_obs_status, v2m_T(c, s, 11, 0, 1, 0));
	v2m_put(o, "status", json_string(st ? st->to : "final"));
	const char *cat_display = strcmp(category, "vital-signs") == 0  ? "Vital Signs"
				  : strcmp(category, "laboratory") == 0 ? "Laboratory"
				  : strcmp(category, "procedure") == 0  ? "Procedure"
									: "Exam";
	v2m_put(o, "category", json_pack("[o]", v2m_cc1(OBS_CATEGORY_SYSTEM, category, cat_display)));
	v2m_put(o, "code", code);
	v2m_put(o, "subject", json_pack("{s:s}", "reference", c->pref));
	if ((rc = MAP(s, obx_map, o)) != RK_OK)
		goto fail;
	if (!json_object_get(o, "effectiveDateTime") && obr) {
		json_t *eff;
		if ((rc = v2m_ts(c, v2m_T(c, obr, 7, 0, 1, 0), TS_DATETIME, "OBR-7", &eff)) != RK_OK)
			goto fail;
		v2m_put(o, "effectiveDateTime", eff);
	}
	if (obr) {
		json_t *issued;
		if ((rc = v2m_ts(c, v2m_T(c, obr, 22, 0, 1, 0), TS_INSTANT, "OBR-22", &issued)) != RK_OK)
			goto fail;
		v2m_put(o, "issued", issued);
	}
	/* value by OBX-2 */
	struct str vt = v2m_T(c, s, 2, 0, 1, 0), value = v2m_T(c, s, 5, 0, 0, 0);
	struct cwe unit = v2m_cwe_at(c, s, 6, 0, 1);
	json_t *cq = NULL;
	if (value.len && (rc = comparator_qty(c, s, vt, value, &unit, &cq)) != RK_OK)
		goto fail;
	if (cq) {
		v2m_put(o, "valueQuantity", cq);
	} else if (value.len) {
		if (str_eq_c(vt, "NM")) { /* a word where a number belongs ("陰性", "溶血") is kept as text */
			json_t *q;
			const char *text;
			if ((rc = v2m_qty_or_text(c, value, &unit, "OBX-5 (NM)", &q, &text)) != RK_OK)
				goto fail;
			if (q)
				v2m_put(o, "valueQuantity", q);
			else
				v2m_put(o, "valueString", json_string(text));
		} else if (str_eq_c(vt, "CWE") || str_eq_c(vt, "CE") || str_eq_c(vt, "CNE")) {
			json_t *v;
			if ((rc = v2m_cc_field(c, s, 5, 0, CODE_LOOSE, "OBX-5", &v)) != RK_OK)
				goto fail;
			v2m_put(o, "valueCodeableConcept", v);
		} else if (str_eq_c(vt, "TS") || str_eq_c(vt, "DT")) {
			json_t *v;
			if ((rc = v2m_ts(c, v2m_T(c, s, 5, 0, 1, 0), TS_DATETIME, "OBX-5", &v)) != RK_OK)
				goto fail;
			v2m_put(o, "valueDateTime", v);
		} else if (str_eq_c(vt, "XCN")) {
			json_t *p = v2m_person_ref(c, s, 5);
			v2m_put(o, "valueString", json_incref(json_object_get(p, "display")));
			json_decref(p);
		} else {
			v2m_put(o, "valueString", v2m_jstr(value));
		}
	}
	json_t *interp = json_array();
	for (int r = 0; r < hl7_reps(c->m, s, 8) && r < 4; r++) {
		struct str f = v2m_T(c, s, 8, r, 1, 0);
		const struct v2map_code *k = v2map_code_find(v2map_interpretation, f);
		if (k)
			v2m_push(interp, v2m_cc1(INTERPRETATION_SYSTEM, k->to, k->display));
		else if (f.len)
			v2m_warn(c, "OBX-8: unknown abnormal flag '%.*s'; left out", (int)(f.len > 8 ? 8 : f.len),
				 f.ptr);
	}
	v2m_put_nonempty(o, "interpretation", interp);
	json_t *rr = reference_range(c, v2m_T(c, s, 7, 0, 0, 0), &unit);
	if (rr)
		v2m_put(o, "referenceRange", json_pack("[o]", rr));
	if (spm)
		v2m_put(o, "specimen", v2m_specimen_ref(c, spm));
	*id = v2m_add_res(c, "Observation", s, 0, o);
	return *id ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
fail:
	json_decref(o);
	return rc;
}
