/* index.h — extraction of search-index values from a resource, driven by the
 * search parameters of types.h: tokens (Identifier, Coding, CodeableConcept,
 * code, boolean, ContactPoint), strings (with the Japanese search key of
 * core/textnorm.h), dates as [lo, hi) ranges, references. Thread-safe. */
#ifndef RENKEI_FHIR_INDEX_H
#define RENKEI_FHIR_INDEX_H

#include <jansson.h>

#include "core/arena.h"
#include "core/err.h"
#include "fhir/types.h"
#include "store/store.h"

/* Entries point into res and into a. RK_TOO_LARGE past RK_MAX_INDEX_VALUES
 * or when a runs out; RK_INVALID for a string that is not valid UTF-8. */
enum rk_status fhir_index_extract(const struct fhir_resource_def *def, const json_t *res, struct arena *a,
				  struct store_index_entry **out, size_t *n_out, struct rk_err *err);

#endif
