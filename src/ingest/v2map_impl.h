/* v2map_impl.h — internal to ingest/v2map: the mapping context and the value
 * helpers (v2map.c) that the order and result mappers (v2map_orders.c) share.
 * Not a public API: only v2map*.c include it. */
#ifndef RENKEI_INGEST_V2MAP_IMPL_H
#define RENKEI_INGEST_V2MAP_IMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "ingest/v2map.h"
#include "ingest/v2map_tables.h"

#define RESOURCE_ID_SYSTEM      "http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier"
#define OBS_CATEGORY_SYSTEM     "http://terminology.hl7.org/CodeSystem/observation-category"
#define INTERPRETATION_SYSTEM   "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
#define ACT_CODE_SYSTEM         "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define DIAG_SERVICE_SYSTEM     "http://terminology.hl7.org/CodeSystem/v2-0074"
#define PARTICIPATION_SYSTEM    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
#define IDENTIFIER_TYPE_SYSTEM  "http://terminology.hl7.org/CodeSystem/v2-0203"
#define COND_CLINICAL_SYSTEM    "http://terminology.hl7.org/CodeSystem/condition-clinical"
#define COND_VER_SYSTEM         "http://terminology.hl7.org/CodeSystem/condition-ver-status"
#define COND_CATEGORY_SYSTEM    "http://terminology.hl7.org/CodeSystem/condition-category"
#define ALLERGY_CLINICAL_SYSTEM "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
#define ALLERGY_VER_SYSTEM      "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
#define DISCHARGE_SYSTEM        "http://terminology.hl7.org/CodeSystem/v2-0112"
#define JST_MINUTES             540 /* HL7 times without a zone are Japan time */
/* JLAC10 材料コード (3 digits, SPM-4 "023^血清^JC10"): not the 17-digit analyte
 * code of JP Core's JLAC10 system, and JP Core names none for it. */
#define JLAC10_MATERIAL_SYSTEM "urn:renkei:CodeSystem:jlac10-material"
/* The 5-character JLAC10 分析物コード alone ("9A110^標準１２誘導心電図^JC10", as
 * SS-MIX2's own examples send 生理検査): JP Core names no system for it. */
#define JLAC10_ANALYTE_SYSTEM "urn:renkei:CodeSystem:jlac10-analyte"
/* JP Core Coverage: 被保険者証の記号 and 番号 are extensions (…InsuredPersonSymbol,
 * …InsuredPersonNumber); the insurer is the payor, by its 保険者番号. */
#define JP_COVERAGE_EXT_PREFIX     "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_"
#define SUBSCRIBER_RELATION_SYSTEM "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
/* JP Core MedicationRequest: the period of use (TQ1-7/8) and the number of
 * days (TQ1-6) of a dosage (Rp number and order in it: fhir/jpcore.h). */
#define JP_PERIOD_OF_USE_EXT                                        \
	"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/" \
	"JP_MedicationRequest_DosageInstruction_PeriodOfUse"
#define JP_USAGE_DURATION_EXT                                       \
	"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/" \
	"JP_MedicationRequest_DosageInstruction_UsageDuration"

/* One message being mapped. */
struct mc {
	const struct hl7_msg *m;
	const struct v2map_input *in;
	struct arena *a;
	struct rk_err *err;
	const struct v2map_kind *kind;
	struct str fac, pid, date, order;
	const char *pref;  /* "Patient/<facility>-<PID>" */
	const char *base;  /* "<facility>-<PID>.<date>.<type>.<order>" */
	const char *hbase; /* "<facility>-<PID>.h<16 hex>": ids when base is too long or not id-safe */
	struct v2map_resource *res;
	size_t n, cap;
	const char *warn[8];
	size_t nwarn, nwarn_more;
	const char **specimen; /* Specimen id of each SPM, by segment index (v2m_map_specimens) */
};

/* One coded value: code, display text, HL7 coding-system name. */
struct cwe {
	struct str code, text, sys;
};

enum tsk { TS_DATE, TS_DATETIME, TS_INSTANT };

enum codemode {
	CODE_STRICT, /* a code of the wrong shape fails the message */
	CODE_LOOSE,  /* ... is dropped (its text kept) with a warning */
	CODE_KEEP,   /* ... is kept as sent, under the sender's system name, with a warning */
};

enum fconv { F_STR, F_DATE, F_DATETIME, F_INSTANT };

/* One simple element: segment field (component; 0 = whole) → JSON path
 * ("reaction[0].description": "[0]" makes or takes the first array item). */
struct fmap {
	int field, comp;
	enum fconv conv;
	const char *path;
};

/* Apply a field map (an array) to one segment. */
#define MAP(s, map, res) v2m_apply_map(c, s, map, sizeof map / sizeof map[0], res)

/* Record the failure (first wins) and return st. */
enum rk_status v2m_fail(struct mc *c, enum rk_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add a warning for the result (at most 8 kept). */
void v2m_warn(struct mc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

size_t v2m_seg_index(const struct mc *c, const struct hl7_segment *s);
/* Unescaped, trimmed text of a part of a field (empty for a NULL segment). */
struct str v2m_T(struct mc *c, const struct hl7_segment *s, int f, int rep, int comp, int sub);
const char *v2m_cstr(struct mc *c, struct str s);
json_t *v2m_jstr(struct str s);
void v2m_put(json_t *o, const char *key, json_t *v);
void v2m_push(json_t *arr, json_t *v);
void v2m_put_nonempty(json_t *o, const char *key, json_t *v);
const struct hl7_segment *v2m_next_in_group(struct mc *c, size_t i, const char *name, const char *stops);
const struct hl7_segment *v2m_prev_seg(struct mc *c, size_t i, const char *name);
/* The next segment named `name` at or after *i (left at its index), noting in
 * *orc each ORC passed on the way: the order it belongs to. NULL at the end. */
const struct hl7_segment *v2m_next_under_orc(struct mc *c, size_t *i, const char *name, const struct hl7_segment **orc);

enum rk_status v2m_ts(struct mc *c, struct str v, enum tsk k, const char *where, json_t **out);
struct cwe v2m_cwe_at(struct mc *c, const struct hl7_segment *s, int f, int rep, int k);
struct cwe v2m_cwe_sub(struct mc *c, const struct hl7_segment *s, int f, int rep, int comp);
enum rk_status v2m_cc_of(struct mc *c, const struct cwe *v, size_t n, enum codemode mode, const char *where,
			 json_t **out);
enum rk_status v2m_cc_field(struct mc *c, const struct hl7_segment *s, int f, int rep, enum codemode mode,
			    const char *where, json_t **out);
bool v2m_cc_has(const json_t *cc, const char *sys1, const char *sys2);
/* A drug code (RXE-2, RXC-2, RXA-5) kept as sent: HOT7/9/13, YJ, 一般名 with
 * their JP Core systems, a local or unknown system with a warning. Fails only
 * when neither code nor name is there ("<where>: medicine missing"). */
enum rk_status v2m_drug(struct mc *c, const struct hl7_segment *s, int f, const char *where, json_t **out);
json_t *v2m_coding(const char *system, const char *code, const char *display);
json_t *v2m_cc1(const char *system, const char *code, const char *display);
/* The one way a number of a message (OBX-5, RXE-3/10/19/23, RXC-3, RXA-6,
 * TQ1-6, OBX-7 limits) becomes a JSON value: every numeric value goes
 * through v2m_number(), which keeps a decimal's digits as sent (core/json.h). */
bool v2m_number(struct mc *c, struct str s, json_t **out);
enum rk_status v2m_qty(struct mc *c, struct str value, const struct cwe *unit, const char *where, json_t **out);
enum rk_status v2m_qty_or_text(struct mc *c, struct str value, const struct cwe *unit, const char *where, json_t **out,
			       const char **text);
enum rk_status v2m_duration(struct mc *c, const struct hl7_segment *s, int f, const char *where, json_t **out);
json_t *v2m_person_ref(struct mc *c, const struct hl7_segment *s, int f);
json_t *v2m_placer_identifier(struct mc *c, struct str placer);
json_t *v2m_order_identifier(struct mc *c, const struct hl7_segment *orc);
enum rk_status v2m_apply_map(struct mc *c, const struct hl7_segment *s, const struct fmap *map, size_t n, json_t *res);

json_t *v2m_new_res(struct mc *c, const char *type, const char *patient_element);
const char *v2m_add_res(struct mc *c, const char *type, const struct hl7_segment *s, int suffix, json_t *body);
json_t *v2m_ref_to(struct mc *c, const char *type, const char *id);
enum rk_status v2m_map_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
			   const struct hl7_segment *spm, const char *category, enum codemode mode, const char **id);

/* SPM → Specimen, one per SPM of a laboratory message, before what refers to
 * them; v2m_specimen_ref() is the reference to the Specimen of an SPM. */
enum rk_status v2m_map_specimens(struct mc *c);
json_t *v2m_specimen_ref(struct mc *c, const struct hl7_segment *spm);

/* Add body under an id of its own: "<facility>-<PID>.<key>" (the hashed
 * form when that is too long or not id-safe); marked shared. Takes body. */
const char *v2m_add_res_keyed(struct mc *c, const char *type, const char *key, json_t *body);

/* PID → Patient (v2map_adt.c): the message's patient, before anything refers to it. */
enum rk_status v2m_map_patient(struct mc *c, const struct hl7_segment *pid, json_t **out);

/* The mappers of v2map_adt.c and v2map_problems.c. */
enum rk_status v2m_map_adt00(struct mc *c);
enum rk_status v2m_map_encounter(struct mc *c);
enum rk_status v2m_map_allergies(struct mc *c);
enum rk_status v2m_map_conditions(struct mc *c);

/* The mappers of v2map_orders.c. */
enum rk_status v2m_map_med_orders(struct mc *c);
enum rk_status v2m_map_med_admins(struct mc *c);
enum rk_status v2m_map_results(struct mc *c);
enum rk_status v2m_map_orders(struct mc *c);
enum rk_status v2m_map_studies(struct mc *c);
enum rk_status v2m_map_diet(struct mc *c);

#endif
