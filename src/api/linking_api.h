/* linking_api.h — the operator's review of patient-match candidates: list,
 * merge, reject, and unmerge of a registration (fhir/linking.h). */
#ifndef RENKEI_API_LINKING_API_H
#define RENKEI_API_LINKING_API_H

#include "api/api.h"

void api_match_list(struct api_request *rq);
void api_match_merge(struct api_request *rq);
void api_match_reject(struct api_request *rq);
void api_link_merge(struct api_request *rq);
void api_link_unmerge(struct api_request *rq);

#endif
