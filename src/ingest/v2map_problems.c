/* v2map_problems.c — PPR-01 → Condition for ingest/v2map: one Condition
 * per PRB (with its ZPR), its MEDIS / ICD-10 codes, onset and abatement, and
 * its verification. */
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

/* ---- PPR-01: Condition per PRB (with its ZPR) ---- */

static const struct fmap prb_map[] = {
	{4, 1, F_STR, "identifier[0].value"},
	{7, 1, F_DATETIME, "recordedDate"},
	{9, 1, F_DATETIME, "abatementDateTime"},
	{16, 1, F_DATETIME, "onsetDateTime"},
};

/* PRB-13 (確からしさ, HL7 0389 / JAHIS): 疑い is provisional, 確定 confirmed,
 * 否定 refuted, 鑑別 differential (JAMI's SS-MIX2→FHIR mapping); a diagnosis
 * without PRB-13 whose text (PRB-17) says 疑い is provisional too. */
static const char *verification(struct mc *c, const struct hl7_segment *prb)
{
	static const struct {
		const char *code, *word, *status;
	} rows[] = {
		{"P", "疑", "provisional"}, {"S", NULL, "provisional"},    {"C", "確定", "confirmed"},
		{"R", "否定", "refuted"},   {"D", "鑑別", "differential"},
	};
	struct str code = v2m_T(c, prb, 13, 0, 1, 0), text = v2m_T(c, prb, 13, 0, 2, 0);
	if (!text.len && code.len && !str_is_digits(code) && code.len > 2)
		text = code; /* PRB-13 as plain text: "疑い" */
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if ((code.len && str_eq_c(code, rows[i].code)) ||
		    (rows[i].word && text.len && str_contains(text, rows[i].word)))
			return rows[i].status;
	struct str as_written = v2m_T(c, prb, 17, 0, 0, 0);
	if (!code.len && !text.len && str_contains(as_written, "疑い"))
		return "provisional";
	return "confirmed";
}

static enum rk_status map_condition(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *orc)
{
	const struct hl7_segment *zpr = v2m_next_in_group(c, v2m_seg_index(c, s), "ZPR", "PRB ORC");
	/* MEDIS: 病名交換用コード (ZPR-5, or PRB-3 when 4 characters), 病名管理番号 (8 digits); ICD-10 (PRB-10) */
	struct cwe v[4] = {v2m_cwe_at(c, zpr, 5, 0, 1), v2m_cwe_at(c, s, 3, 0, 1), v2m_cwe_at(c, s, 10, 0, 1)};
	struct str text = v2m_T(c, s, 17, 0, 0, 0);
	size_t n = 3;
	if (v[1].code.len && str_eq_c(v[1].sys, "MDCDX2") && v[1].code.len != 4 &&
	    !(v[1].code.len == 8 && str_is_digits(v[1].code))) {
		v2m_warn(c, "PRB-3: MDCDX2 code '%.*s' is neither a 病名交換用コード nor a 病名管理番号; kept as text",
			 (int)(v[1].code.len > 16 ? 16 : v[1].code.len), v[1].code.ptr);
		v[1].code = STR_NULL;
	}
	if (text.len) /* PRB-17 is the diagnosis as written (with its modifiers) */
		v[3] = (struct cwe){STR_NULL, text, STR_NULL}, n = 4;
	json_t *code;
	enum rk_status rc = v2m_cc_of(c, v, n, CODE_KEEP, "PRB-3", &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "PRB-3: diagnosis missing");
	if (text.len)
		json_object_set_new(code, "text", v2m_jstr(text));
	json_t *d = v2m_new_res(c, "Condition", NULL);
	if ((rc = MAP(s, prb_map, d)) != RK_OK) {
		json_decref(d);
		json_decref(code);
		return rc;
	}
	bool deleted = str_eq_c(v2m_T(c, s, 1, 0, 1, 0), "DE");
	if (!deleted) {
		const struct v2map_code *oc = v2map_code_find(v2map_outcome, v2m_T(c, s, 14, 0, 1, 0));
		const char *cs = json_object_get(d, "abatementDateTime") ? "resolved" : oc ? oc->to : "active";
		v2m_put(d, "clinicalStatus", v2m_cc1(COND_CLINICAL_SYSTEM, cs, NULL));
	}
	v2m_put(d, "verificationStatus",
		v2m_cc1(COND_VER_SYSTEM, deleted ? "entered-in-error" : verification(c, s), NULL));
	json_t *cats = json_pack("[o]", v2m_cc1(COND_CATEGORY_SYSTEM, "problem-list-item", "Problem List Item"));
	json_t *rank; /* PRB-18: 主診断 / 副診断 (JHSD0007) */
	if ((rc = v2m_cc_field(c, s, 18, 0, CODE_LOOSE, "PRB-18", &rank)) != RK_OK) {
		json_decref(cats);
		json_decref(d);
		json_decref(code);
		return rc;
	}
	v2m_push(cats, rank);
	v2m_put(d, "category", cats);
	v2m_put(d, "code", code);
	v2m_put(d, "subject", json_pack("{s:s}", "reference", c->pref));
	v2m_put(d, "recorder", v2m_person_ref(c, orc, 12));
	return v2m_add_res(c, "Condition", s, 0, d) ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

enum rk_status v2m_map_conditions(struct mc *c)
{
	const struct hl7_segment *orc = hl7_seg(c->m, "ORC", 0);
	size_t found = 0;
	for (size_t i = 0; i < c->m->nseg; i++)
		if (str_eq_c(c->m->segs[i].name, "PRB")) {
			found++;
			enum rk_status rc = map_condition(c, &c->m->segs[i], orc);
			if (rc != RK_OK)
				return rc;
		}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "PRB missing: no diagnosis in the message");
}
