/* summary.h — the emergency summary (救急用サマリー, IPS Patient/$summary):
 * what an emergency physician needs when the patient cannot speak, gathered
 * from every registration of the person through the consent-filtered query
 * engine (query/query.h: each record decided and served for the audit entry
 * like $everything), selected by the national 救急用サマリー's items and
 * look-back windows, and ordered as a clinician reads it (anaphylaxis first).
 *
 * Sections and what fills them:
 *   allergies      AllergyIntolerance not inactive/resolved/refuted, one
 *                  line per allergen; the anaphylaxis ones first, then high
 *                  criticality
 *   problems       Condition active (no clinicalStatus counts as active; a
 *                  provisional one says 疑い);
 *                  infections (ICD-10 A00–B99, or the text says 感染/ウイルス)
 *                  are flagged and listed first
 *   medications    MedicationDispense handed over within 45 days,
 *                  MedicationRequest/Statement authored within 90; when none
 *                  is current, the newest day's prescriptions, flagged old
 *   results        Observation of category laboratory (or none): the
 *                  latest value of each test, those within 180 days of
 *                  the newest result
 *   procedures     Procedure within 5 years; dialysis (透析) whenever
 *   devices        Procedure/Condition naming an implanted or attached
 *                  device (ペースメーカ, 植込, ICD Z95, ストーマ, 胃ろう, …)
 *   advance        DocumentReference/Composition typed 事前指示/ACP (LOINC
 *                  42348-3 or 75320-2)
 *   functional     要介護度: item 8.1 of the newest フェースシート
 *   careteam       CareTeam members with the facility's phone number
 * Each line keeps its source facility (code and name) and its date.
 *
 * Pure functions (window and ordering) are exposed for the unit tests. */
#ifndef RENKEI_EMERGENCY_SUMMARY_H
#define RENKEI_EMERGENCY_SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "query/query.h"

enum summary_section {
	SUMMARY_ALLERGIES,
	SUMMARY_PROBLEMS,
	SUMMARY_MEDICATIONS,
	SUMMARY_RESULTS,
	SUMMARY_PROCEDURES,
	SUMMARY_DEVICES,
	SUMMARY_ADVANCE,
	SUMMARY_FUNCTIONAL,
	SUMMARY_CARETEAM,
	SUMMARY_SECTION_COUNT_
};

struct summary_section_info {
	const char *loinc, *title_en, *title_ja;
	bool required; /* IPS: an empty one carries emptyReason */
};
const struct summary_section_info *summary_section_info(enum summary_section s);

#define SUMMARY_FLAG_ANAPHYLAXIS 1u
#define SUMMARY_FLAG_HIGH        2u /* criticality high */
#define SUMMARY_FLAG_INFECTION   4u
#define SUMMARY_FLAG_DIALYSIS    8u
#define SUMMARY_FLAG_OLD         16u /* a medicine outside the windows: the last known */

struct summary_item {
	enum summary_section section;
	const char *type, *id; /* the record (type/id); for the care team the CareTeam */
	const char *text; /* what it is: 「ペニシリン」「高血圧症」「アムロジピン 5mg 1日1回」 */
	const char *detail;   /* reaction, value with unit, phone, ... ("" none) */
	const char *facility; /* source facility code ("" none) */
	const char *facility_name;
	int64_t date; /* ms; INT64_MIN unknown */
	unsigned flags;
	json_t *resource; /* the record as stored (owned by the summary) */
};

struct summary {
	json_t *patient;        /* the Patient resource (owned) */
	const char *patient_id; /* as asked */
	const char *regional;   /* the person's regional ID ("" none) */
	int64_t generated;      /* ms */
	/* A refusal hides everything from an emergency user (docs/ACCESS.md
	 * rule 4): then no patient, no item, only this. */
	bool refused;
	struct summary_item *items;
	size_t n_items, cap;
	struct arena *arena;
};

/* Gather the summary of Patient/{patient_id} for the query context's
 * principal at now. RK_NOT_FOUND "Patient/{id} is not known" when missing or
 * hidden — exactly what a missing patient gets — except for a caller with an
 * active emergency episode for the person (or disaster mode) whom the
 * patient's refusal denies: then RK_OK with out->refused and nothing else.
 * summary_free releases the JSON held. */
enum rk_status summary_gather(const struct query_ctx *q, struct str patient_id, int64_t now, struct summary *out,
			      struct rk_err *err);
void summary_free(struct summary *s);

/* A hash of the content (every line's record, version-independent text and
 * date, and the patient's demographics) as 64 hex digits + NUL: what the
 * 救急医療情報シート compares to know it is stale. */
void summary_content_hash(const struct summary *s, char out[65]);

/* ---- pure selection logic (unit-tested) ---- */
#define SUMMARY_DISPENSE_DAYS  45
#define SUMMARY_PRESCRIBE_DAYS 90
#define SUMMARY_PROCEDURE_DAYS (5 * 365 + 1)

/* Is a medicine record of type (MedicationDispense, MedicationRequest,
 * MedicationStatement, MedicationAdministration) dated when current at now? */
bool summary_medication_current(const char *type, int64_t when, int64_t now);
/* Is a procedure dated when recent enough (5 years), or dialysis at all? */
bool summary_procedure_recent(int64_t when, int64_t now, bool dialysis);
/* Order key within a section: lower first (anaphylaxis, high, infection). */
int summary_rank(const struct summary_item *it);
/* Sort the items: by section, rank, then newest first. */
void summary_sort(struct summary_item *items, size_t n);
/* Does the text name an infection / dialysis / a device? (Japanese and English words, ICD-10 codes) */
bool summary_is_infection(const char *icd10, const char *text);
bool summary_is_dialysis(const char *text);
bool summary_is_device(const char *icd10, const char *text);
/* Is an Observation with these categories a lab result (laboratory, or no
 * category at all)? */
bool summary_is_lab(const json_t *categories);
/* A result dated when is recent: within SUMMARY_RESULT_DAYS of the newest. */
#define SUMMARY_RESULT_DAYS 180
bool summary_result_recent(int64_t when, int64_t newest);
/* Of two lines of the same thing, is a the one to keep? (lower rank, then newer) */
bool summary_item_better(const struct summary_item *a, const struct summary_item *b);
/* AllergyIntolerance → flags (anaphylaxis in a reaction, criticality high). */
unsigned summary_allergy_flags(const json_t *allergy);

#endif
