/* careplan_api.h — the care team's care plan (ケアプラン) over HTTP
 * (collab/careplan.h, collab/careplan_csv.h):
 *   GET  /api/collab/careplan?patient=Patient/{id}         the current plan
 *   POST /api/collab/careplan?patient=Patient/{id}         save a plan (JSON)
 *   POST /api/collab/careplan/import?patient=Patient/{id}  save from CSV files
 *        ({"files": [{"name": "CPLAN1_….CSV", "data": base64}, …]})
 *   GET  /api/collab/careplan/export?patient=Patient/{id}&table=1|2|3
 *        one CSV file (Shift_JIS), named by the specification's convention
 * Staff whose role reads the collaboration data and who may read the
 * person's (a current member of the team under 包括同意); saving is the care
 * manager's, and the plan is the writer's facility's record (the
 * 居宅介護支援事業所). A save is one transaction Bundle (the plan, its goals,
 * the summary post on the timeline) through the write decision and the
 * audit; a refusal stores nothing. */
#ifndef RENKEI_API_CAREPLAN_API_H
#define RENKEI_API_CAREPLAN_API_H

#include "api/api.h"

void api_careplan_get(struct api_request *rq);
void api_careplan_save(struct api_request *rq);
void api_careplan_import(struct api_request *rq);
void api_careplan_export(struct api_request *rq);

#endif
