/* fhir_rest.h — handlers of the FHIR REST API (/fhir): metadata, CRUD,
 * history, search, and the PIX cross-reference operation. Thin: each parses
 * the request, calls fhir/, and renders. */
#ifndef RENKEI_API_FHIR_REST_H
#define RENKEI_API_FHIR_REST_H

#include <jansson.h>

#include "api/api.h"
#include "fhir/resource.h"

void api_fhir_metadata(struct api_request *rq);
void api_fhir_read(struct api_request *rq);
void api_fhir_vread(struct api_request *rq);
void api_fhir_create(struct api_request *rq);
void api_fhir_update(struct api_request *rq);
void api_fhir_delete(struct api_request *rq);
/* PUT /fhir/{type}?search and DELETE /fhir/{type}?search (conditional
 * update and delete, R4 http.html#cond-update, #cdelete). */
void api_fhir_update_conditional(struct api_request *rq);
void api_fhir_delete_conditional(struct api_request *rq);
/* PATCH /fhir/{type}/{id} with a JSON Patch (application/json-patch+json). */
void api_fhir_patch(struct api_request *rq);
void api_fhir_search(struct api_request *rq);
void api_fhir_search_post(struct api_request *rq);
void api_fhir_history_instance(struct api_request *rq);
void api_fhir_history_type(struct api_request *rq);
void api_fhir_history_system(struct api_request *rq);
void api_fhir_pix(struct api_request *rq);
void api_fhir_everything(struct api_request *rq);
void api_healthz(struct api_request *rq);

/* Shared with the Bundle handler (api/fhir_bundle.c), so an entry of a
 * transaction or batch passes exactly the checks of the single interaction. */

/* The conditional headers and Prefer values an interaction implements;
 * api_fhir_headers_ok answers 400 for any other that the request carries
 * (never ignored) and returns false. */
enum {
	API_FHIR_IF_MATCH = 1 << 0,
	API_FHIR_IF_NONE_MATCH = 1 << 1,
	API_FHIR_IF_MODIFIED_SINCE = 1 << 2,
	API_FHIR_IF_NONE_EXIST = 1 << 3,
	API_FHIR_PREFER_RETURN = 1 << 4,   /* return=minimal|representation|OperationOutcome */
	API_FHIR_PREFER_HANDLING = 1 << 5, /* handling=strict|lenient */
};
bool api_fhir_headers_ok(struct api_request *rq, unsigned allow);

/* The resource service's context for this request: the principal's facility
 * and account, and the request's write guard (access/enforce.h: what the
 * principal may see, the write decision, the ids it may take). */
struct fhir_ctx api_fhir_ctx(struct api_request *rq);
/* May the principal's role write records of this type at all (checked before
 * anything is read)? false with a 403 in err otherwise. */
bool api_fhir_may_write_type(struct api_request *rq, const struct fhir_resource_def *def, struct rk_err *err);
/* Do a facility system's scopes cover reading/writing type? false with a 403
 * in err otherwise (staff sessions: always true). */
bool api_fhir_scope(struct api_request *rq, const char *type, bool write, struct rk_err *err);
/* Is this stored record visible to the principal? Records the access in the
 * audit entry when it is. A denied record answers exactly like a missing one. */
enum rk_status api_fhir_visible(struct api_request *rq, const struct store_resource *r, bool *ok, struct rk_err *err);
/* The request body as JSON (FHIR JSON Content-Type), the request's (freed with its
 * arena, never by the caller); NULL after replying 400/413/415. */
json_t *api_fhir_parse_body(struct api_request *rq);
/* Conditional create (If-None-Exist, Bundle request.ifNoneExist): how many
 * records of def that match query (search parameters, URL-encoded as in a
 * query string) the principal may see — through the same consent-filtered
 * search as GET /fhir/{type}, so hidden records never count — and, when
 * exactly one, that record in *one (read and audited like a search row).
 * RK_INVALID (or the search parser's status) for a malformed query or one
 * without search parameters. */
enum rk_status api_fhir_match(struct api_request *rq, const struct fhir_resource_def *def, struct str query, int64_t *n,
			      struct store_resource *one, struct rk_err *err);
/* The same for parameters already parsed; what names the request in
 * messages ("If-None-Exist", "the conditional update"). */
enum rk_status api_fhir_match_params(struct api_request *rq, const struct fhir_resource_def *def, const char *what,
				     const struct str_pair *params, size_t n_params, int64_t *n,
				     struct store_resource *one, struct rk_err *err);
/* A conditional update that matched nothing names id in its resource: RK_OK
 * when no record id exists that the principal may see (the update creates
 * it), RK_CONFLICT when one does — it did not match the query (R5's
 * clarification of R4). A record the principal may not see is not there. */
enum rk_status api_fhir_exists_unmatched(struct api_request *rq, const struct fhir_resource_def *def, struct str id,
					 struct rk_err *err);
/* The written version in the request's audit entry (with its patient). */
void api_fhir_audit_written(struct api_request *rq, const char *type, const struct fhir_result *out);

#endif
