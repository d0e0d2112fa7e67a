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

/* _include=Type:param[:target] (rev = false; Type is the searched type) or
 * _revinclude=Type:param[:target] (rev = true; records of Type whose param
 * points at a match). No :iterate: an include never follows an include. */
struct fhir_include {
	bool rev;
	const char *type, *param, *target; /* target NULL: any */
};
#define FHIR_MAX_INCLUDES 8

struct fhir_search {
	struct store_query q;
	struct fhir_include includes[FHIR_MAX_INCLUDES];
	size_t n_includes;
	bool summary_count;    /* _summary=count: only the total */
	const char *canonical; /* normalised query without _offset, URL-encoded (arena) */
};

/* Parse params (decoded key/value pairs). Strings point into params or a. */
enum rk_status fhir_search_parse(const struct fhir_resource_def *def, const struct str_pair *params, size_t n,
				 const struct fhir_search_opts *o, struct arena *a, struct fhir_search *out,
				 struct rk_err *err);

#endif
