/* json_patch.h — JSON Patch (RFC 6902) with JSON Pointers (RFC 6901) on a
 * jansson document, for FHIR's PATCH interaction. Pure; thread-safe. */
#ifndef RENKEI_API_JSON_PATCH_H
#define RENKEI_API_JSON_PATCH_H

#include <jansson.h>

#include "core/err.h"

#define JSON_PATCH_MAX_OPS 1000

/* Apply patch (an array of operations: add, remove, replace, move, copy,
 * test) to doc in place, in order. RK_INVALID for a malformed patch or a
 * path that does not exist, RK_UNPROCESSABLE for a failed test; the
 * message names the operation ("operation 2 (replace /name/0/family): ...").
 * On failure doc may be partly changed: the caller patches a copy. The
 * document's root cannot be replaced or removed. */
enum rk_status json_patch_apply(json_t *doc, const json_t *patch, struct rk_err *err);

#endif
