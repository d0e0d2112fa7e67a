/* fhir_bundle.h — POST /fhir: FHIR transaction and batch Bundles. Every entry
 * passes the checks of the single interaction (scope, write authorization,
 * the access decision for reads) and lands in the request's one audit entry. */
#ifndef RENKEI_API_FHIR_BUNDLE_H
#define RENKEI_API_FHIR_BUNDLE_H

#include <jansson.h>

#include "api/api.h"
#include "fhir/resource.h"

/* A transaction runs in one store transaction and answers with a
 * transaction-response, or fails as a whole with the first failing entry's
 * status and an OperationOutcome naming it (Bundle.entry[i]); nothing of it
 * is stored then. A batch runs each entry by itself and answers 200 with a
 * batch-response carrying each entry's status or OperationOutcome. */
void api_fhir_bundle(struct api_request *rq);

/* A transaction Bundle the server builds itself (a visit record with its
 * vital signs and its post), run as POST /fhir runs one — each entry through
 * the scope, the write decision and the request's audit entry, all or
 * nothing — without replying. On success out[i] (room for max entries) is
 * entry i's result; on failure nothing is stored, *failed is the failing
 * entry's index and err its reason as the entry gave it. */
enum rk_status api_fhir_transaction_run(struct api_request *rq, json_t *doc, struct fhir_result *out, size_t max,
					size_t *failed, struct rk_err *err);

#endif
