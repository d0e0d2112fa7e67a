/* subset.h — _summary and _elements (FHIR R4 search.html#summary,
 * #elements) on read and search: which top-level elements of a resource are
 * served, and the SUBSETTED tag on a resource served in part. Stored
 * resources are never changed; only the copy in the response is. */
#ifndef RENKEI_API_SUBSET_H
#define RENKEI_API_SUBSET_H

#include <stdbool.h>

#include "api/api.h"
#include "fhir/types.h"

enum api_subset_mode {
	SUBSET_NONE,     /* the whole resource (_summary=false, or nothing asked) */
	SUBSET_SUMMARY,  /* _summary=true: the R4 summary elements */
	SUBSET_TEXT,     /* _summary=text: text, id, meta and the mandatory elements */
	SUBSET_DATA,     /* _summary=data: everything but text */
	SUBSET_ELEMENTS, /* _elements=a,b: those, id, meta and the mandatory elements */
};

struct api_subset {
	enum api_subset_mode mode;
	struct str names[32]; /* _elements */
	size_t n_names;
	const char *query; /* the parameter as it goes into a search's self link ("_elements=a%2Cb"), or NULL */
};

/* Takes _summary (true|text|data|false, and count when `search`) and
 * _elements out of params: *rest gets the other parameters (arena), *out the
 * subset. _summary=count stays in *rest for the search parser. false after
 * replying 400 (an unknown _summary value, an element the type does not
 * have, both parameters at once). */
bool api_subset_parse(struct api_request *rq, const struct fhir_resource_def *def, const struct str_pair *params,
		      size_t n, bool search, struct api_subset *out, struct str_pair **rest, size_t *n_rest);

/* The resource JSON `body` as the subset serves it, tagged SUBSETTED
 * (arena text); body itself for SUBSET_NONE. */
enum rk_status api_subset_apply(const struct api_subset *s, const struct fhir_resource_def *def, struct str body,
				struct arena *a, struct str *out, struct rk_err *err);

#endif
