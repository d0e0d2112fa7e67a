/* forms_api.h — the care team's forms over HTTP (collab/forms.h).
 *
 * GET /fhir/Questionnaire[?url=&_id=&name=], GET /fhir/Questionnaire/{id}:
 * the forms renkei ships, read-only, to anyone logged in.
 *
 * GET /api/collab/facesheet?patient=Patient/{id}: the person's current face
 * sheet (フェースシート) and its versions; PUT the same with {item, status,
 * version}: a new version of it (the first one creates it), one current face
 * sheet per person.
 *
 * GET /api/collab/forms/{id}/diff?from=N&to=M: what changed between two
 * versions of a QuestionnaireResponse (変更点).
 *
 * GET /api/collab/visits?patient=Patient/{id}[&kind=nurse]: the person's
 * visit records (訪問記録), newest first; POST /api/collab/visits?patient=…
 * and PUT /api/collab/visits/{id} with {kind, start, end, vitals, notes,
 * photos}: one transaction Bundle run through the bundle executor (so the
 * write decision and the audit apply to each record): the
 * QuestionnaireResponse, its vital signs as Observations (derivedFrom it;
 * only for a writer whose role writes the vital signs: docs/ACCESS.md) and
 * the summary post of the timeline (Communication, category 訪問記録). All or
 * nothing.
 *
 * Staff whose role reads the collaboration data; what the caller may not see
 * gets the answer a missing record gets. */
#ifndef RENKEI_API_FORMS_API_H
#define RENKEI_API_FORMS_API_H

#include "api/api.h"

void api_questionnaire_read(struct api_request *rq);
void api_questionnaire_search(struct api_request *rq);
void api_collab_facesheet_get(struct api_request *rq);
void api_collab_facesheet_put(struct api_request *rq);
void api_collab_form_diff(struct api_request *rq);
void api_collab_visits_list(struct api_request *rq);
void api_collab_visit_create(struct api_request *rq);
void api_collab_visit_update(struct api_request *rq);
/* DELETE /api/collab/visits/{id}: withdraw a visit record (entered-in-error,
 * every version kept), its vital signs and its post, in one transaction. */
void api_collab_visit_withdraw(struct api_request *rq);

#endif
