/* fhir_rest.h — handlers of the FHIR REST API (/fhir): metadata, CRUD,
 * history, search, and the PIX cross-reference operation. Thin: each parses
 * the request, calls fhir/, and renders. */
#ifndef RENKEI_API_FHIR_REST_H
#define RENKEI_API_FHIR_REST_H

#include "api/api.h"

void api_fhir_metadata(struct api_request *rq);
void api_fhir_read(struct api_request *rq);
void api_fhir_vread(struct api_request *rq);
void api_fhir_create(struct api_request *rq);
void api_fhir_update(struct api_request *rq);
void api_fhir_delete(struct api_request *rq);
void api_fhir_search(struct api_request *rq);
void api_fhir_search_post(struct api_request *rq);
void api_fhir_history_instance(struct api_request *rq);
void api_fhir_history_type(struct api_request *rq);
void api_fhir_history_system(struct api_request *rq);
void api_fhir_pix(struct api_request *rq);
void api_fhir_everything(struct api_request *rq);
void api_healthz(struct api_request *rq);

#endif
