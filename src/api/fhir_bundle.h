/* fhir_bundle.h — POST /fhir: FHIR transaction and batch Bundles. Every entry
 * passes the checks of the single interaction (scope, write authorization,
 * the access decision for reads) and lands in the request's one audit entry. */
#ifndef RENKEI_API_FHIR_BUNDLE_H
#define RENKEI_API_FHIR_BUNDLE_H

#include "api/api.h"

/* A transaction runs in one store transaction and answers with a
 * transaction-response, or fails as a whole with the first failing entry's
 * status and an OperationOutcome naming it (Bundle.entry[i]); nothing of it
 * is stored then. A batch runs each entry by itself and answers 200 with a
 * batch-response carrying each entry's status or OperationOutcome. */
void api_fhir_bundle(struct api_request *rq);

#endif
