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

/* A transaction Bundle the server built itself (api/careplan_api.c: a care
 * plan, its goals and its post): every entry runs as in POST /fhir — the
 * write decision, the resource service's checks — inside the request's
 * transaction, all or nothing; the written versions go into the request's
 * audit entry. On success, results[i] is what entry i (Bundle order) wrote
 * (empty for a DELETE's body). On failure, err names the entry and nothing is
 * written. doc stays the caller's. */
enum rk_status api_fhir_run_transaction(struct api_request *rq, json_t *doc, struct fhir_result **results, size_t *n,
					struct rk_err *err);

#endif
