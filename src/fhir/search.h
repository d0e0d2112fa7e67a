/* search.h — FHIR search request parsing: query parameters → a validated
 * struct store_query, with specific errors for unknown parameters, bad
 * modifiers, malformed values and limits; and the canonical query string used
 * in paging links. Pure; thread-safe. */
#ifndef RENKEI_FHIR_SEARCH_H
#define RENKEI_FHIR_SEARCH_H

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "fhir/types.h"
#include "store/store.h"

struct fhir_search_opts {
	int64_t default_count;
	int64_t max_count;
	bool lenient; /* Prefer: handling=lenient — ignore unknown parameters */
	int64_t now;  /* for the `ap` prefix */
};

struct fhir_search {
	struct store_query q;
	bool summary_count; /* _summary=count: only the total */
	const char *canonical; /* normalised query without _offset, URL-encoded (arena) */
};

/* Parse params (decoded key/value pairs). Strings point into params or a. */
enum rk_status fhir_search_parse(const struct fhir_resource_def *def, const struct str_pair *params, size_t n,
				 const struct fhir_search_opts *o, struct arena *a, struct fhir_search *out,
				 struct rk_err *err);

#endif
