/* forms.h — the care team's forms: the Questionnaires renkei ships
 * (data/questionnaires, embedded at build time: the face sheet with the 23
 * 課題分析標準項目 and the visit record), the check of a QuestionnaireResponse
 * against its Questionnaire on every write, the differences between two
 * versions of a response, and what a visit record says (its vital signs as
 * LOINC/UCUM, its one-line summary for the timeline). Pure but for the
 * prepare hooks (which run inside the resource service's write). The
 * Questionnaires are parsed once and shared read-only: thread-safe. */
#ifndef RENKEI_COLLAB_FORMS_H
#define RENKEI_COLLAB_FORMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "fhir/resource.h"

#define FORMS_FACESHEET_URL "urn:renkei:Questionnaire:facesheet"
#define FORMS_VISIT_URL     "urn:renkei:Questionnaire:visit"

/* One embedded file of data/questionnaires (gen/questionnaires_gen.c). */
struct forms_source {
	const char *name;
	const unsigned char *text;
	size_t len;
};
extern const struct forms_source forms_sources[];
extern const unsigned forms_sources_len;

/* The Questionnaires (borrowed, never freed); NULL when there is none. By
 * id, by canonical URL ("url" or "url|version"), or by position. */
const json_t *forms_questionnaire_by_id(struct str id);
const json_t *forms_questionnaire_by_url(struct str url);
const json_t *forms_questionnaire_at(size_t i);
size_t forms_questionnaire_count(void);

/* Check a QuestionnaireResponse against its Questionnaire: the form known,
 * each linkId in its place, one answer unless the item repeats, the answer's
 * type the item's, a choice among the answerOptions, lengths and limits
 * (minValue/maxValue), the required items of a completed response, and the
 * visit record's times (the end after the start, none in the future of now,
 * ms). RK_INVALID with a Japanese message naming the linkId. */
enum rk_status forms_check(const json_t *qr, int64_t now, struct rk_err *err);

/* The resource service's hooks (fhir/resources.c): a Questionnaire is
 * renkei's and not written through the API; a QuestionnaireResponse is
 * checked (forms_check) and then owned like the team's other records
 * (clinical_prepare). */
enum rk_status forms_questionnaire_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status forms_response_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);

/* Is obs a vital sign taken from a visit record (derivedFrom a
 * QuestionnaireResponse)? Such an Observation is owned by its writer's
 * facility, like the record it comes from (fhir/clinical.c). */
bool forms_vital_from_response(const json_t *obs);

/* The answers to linkId anywhere in qr (an array, borrowed), or NULL. */
const json_t *forms_answers(const json_t *qr, const char *link_id);

/* An answer's value as text: a choice's display, はい/いいえ, a number
 * as written, an attachment's title. Allocated in a. */
const char *forms_value_text(const json_t *answer, struct arena *a);

/* The items whose answers differ between two versions of a response to q:
 * [{linkId, text, section, from, to}] (from/to: the answers as text, null
 * when absent), in the form's order. A new reference. */
json_t *forms_diff(const json_t *q, const json_t *from, const json_t *to, struct arena *a);

/* The vital signs of the visit record's form, in its order. */
struct forms_vital {
	const char *link_id, *loinc, *display, *ucum, *unit, *label;
	bool integer;
};
extern const struct forms_vital forms_vitals[];
extern const size_t forms_vitals_len;

/* The Observation of vital sign k of a visit record (the vital-signs
 * category, LOINC and UCUM; systolic and diastolic together as the blood
 * pressure panel), derivedFrom qr_ref, performed by performer (may be NULL),
 * when the record has it; else NULL. Its id is the record's with "-" and
 * forms_vital_suffix(k), which is NULL for a sign kept in another's
 * Observation (the diastolic). New references. */
const char *forms_vital_suffix(size_t k);
json_t *forms_vital_observation(const json_t *qr, size_t k, const char *qr_ref, const char *subject,
				const json_t *performer);

/* The timeline's line for a visit record: "訪問看護 10:00–10:45 体温36.8℃
 * 血圧128/76 …". Allocated in a. */
const char *forms_visit_summary(const json_t *qr, struct arena *a);

#endif
