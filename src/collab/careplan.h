/* careplan.h — the care team's care plan (ケアプラン: 第1表, 第2表, 第3表) as
 * FHIR: one CarePlan (第1表 in its elements and a renkei extension, each
 * 第2表 援助内容 and each 第3表 row an activity) and its Goals (長期目標 and
 * 短期目標, the short one naming its long one). The CSV columns of every row
 * travel in extensions under CAREPLAN_EXT, so the plan reads back exactly as
 * written and its CSV export is byte-equal to an imported file
 * (careplan_csv.h). Also the plan as the JSON of the web UI, and the
 * transaction Bundle a save runs (the plan, its goals, the old goals deleted,
 * a summary post on the timeline). Pure: no store, no HTTP. */
#ifndef RENKEI_COLLAB_CAREPLAN_H
#define RENKEI_COLLAB_CAREPLAN_H

#include <jansson.h>

#include "collab/careplan_csv.h"
#include "core/arena.h"
#include "core/err.h"

#define CAREPLAN_EXT           "urn:renkei:StructureDefinition:careplan-"
#define CAREPLAN_KIND_SYSTEM   "urn:renkei:CodeSystem:careplan-kind"
#define CAREPLAN_GOAL_SYSTEM   "urn:renkei:CodeSystem:careplan-goal-term"
#define CAREPLAN_PROVIDER_SYS  "urn:renkei:NamingSystem:kaigo-jigyosho-no"
#define CAREPLAN_POST_CATEGORY "ケアプラン"

/* The plan from the UI's JSON: {"t1": {key: "value"}, "t2": [{…}], "t3": [{…}],
 * "quoting": "all"|"minimal"}; keys are the columns' (cp_tables). Unknown
 * keys and values that are not strings are refused. Not yet checked
 * (cp_check). */
enum rk_status careplan_from_json(const json_t *j, struct arena *a, struct cp_plan *out, struct rk_err *err);
/* The plan as that JSON (new reference). */
json_t *careplan_to_json(const struct cp_plan *p);

/* The plan back from its stored CarePlan. RK_INVALID when it is not a plan
 * written this way. */
enum rk_status careplan_from_fhir(const json_t *careplan, struct arena *a, struct cp_plan *out, struct rk_err *err);

/* What saving writes, as a FHIR transaction Bundle (new reference):
 * - the Goals of 第2表 (POST, urn:uuid fullUrls);
 * - the CarePlan: PUT existing_id (a new version of the writer's plan) or,
 *   when existing_id is NULL, POST, naming replaces ("CarePlan/<id>" of
 *   another facility's current plan, or NULL);
 * - DELETE of each "Goal/<id>" in old_goals (the previous version's);
 * - the summary Communication (category ケアプラン) about the plan.
 * patient: "Patient/<id>"; sender: "Practitioner/<id>" or NULL; sender_display
 * the author as shown on the timeline; now: RFC 3339; summary: the post's text.
 * NULL when out of memory. */
json_t *careplan_bundle(const struct cp_plan *p, const char *patient, const char *existing_id, const char *replaces,
			const json_t *old_goals, const char *sender, const char *sender_display, const char *now,
			const char *summary);

/* The timeline's summary of a save ("ケアプランを更新しました（第2表 3件、週間 12 コマ）"). */
char *careplan_summary(const struct cp_plan *p, bool first, struct arena *a);

/* The "Goal/<id>" references of a stored CarePlan (new array). */
json_t *careplan_goal_refs(const json_t *careplan);

/* Is this CarePlan one of these plans (category careplan-kind)? */
bool careplan_is_kyotaku(const json_t *careplan);

#endif
