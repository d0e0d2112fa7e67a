/* params.h — the query parameters and route ids that several handlers take
 * (_count, _offset, _since, a date with a prefix, a FHIR id), each parsed
 * one way and refused in the same words: each helper answers the
 * OperationOutcome itself and returns false, so a handler just returns. */
#ifndef RENKEI_API_PARAMS_H
#define RENKEI_API_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"

/* _count: a whole number lo..hi; 400 "_count must be lo..hi" otherwise. */
bool api_param_count(struct api_request *rq, struct str v, int64_t lo, int64_t hi, int64_t *out);
/* _offset: 0..RK_MAX_OFFSET; 400 otherwise. */
bool api_param_offset(struct api_request *rq, struct str v, int64_t *out);
/* _since: a FHIR instant (seconds and a time zone) → ms; 400 otherwise. */
bool api_param_since(struct api_request *rq, struct str v, int64_t *out);
/* A date search value with an optional prefix ge, gt, le or lt (any
 * dateTime precision, UTC when no zone): narrows [*lo, *hi] (ms); 400
 * otherwise. */
bool api_param_date(struct api_request *rq, struct str v, int64_t *lo, int64_t *hi);
/* The {id} of type in a route: a FHIR id, else 404 "{type}/{id} is not
 * known" (what a read of a missing record says). */
bool api_param_id(struct api_request *rq, const char *type, struct str id);

#endif
