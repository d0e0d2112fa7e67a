/* bundle.h — a FHIR R4 `transaction` or `batch` Bundle taken apart: each
 * entry's request (method, type, id, version, search query, ifMatch,
 * ifNoneExist), its
 * resource, the entries' urn:uuid fullUrls and the references between
 * entries, and the order in which the entries run (DELETE, POST, PUT, GET;
 * a transaction's writes also after the entries they reference). Pure: no
 * store, no HTTP; api/fhir_bundle.c runs the plan. Thread-safe (no state). */
#ifndef RENKEI_FHIR_BUNDLE_H
#define RENKEI_FHIR_BUNDLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "fhir/types.h"

enum fhir_bundle_type { FHIR_BUNDLE_BATCH, FHIR_BUNDLE_TRANSACTION };
enum fhir_bundle_method { FHIR_BM_DELETE, FHIR_BM_POST, FHIR_BM_PUT, FHIR_BM_GET }; /* processing order */

struct fhir_bundle_entry {
	size_t index; /* position in Bundle.entry */
	enum fhir_bundle_method method;
	const struct fhir_resource_def *def; /* the served type request.url names */
	struct str id;                       /* PUT, DELETE, GET read: from request.url; POST: once written */
	struct str version;                  /* GET Type/id/_history/vid: the vid text (empty otherwise) */
	struct str query;                    /* GET Type?query: the query text (search when `search`) */
	bool search;
	bool conditional;         /* PUT or DELETE Type?query: the record is the one the query matches */
	int64_t if_match;         /* request.ifMatch as a version; 0 when absent */
	struct str if_none_exist; /* POST: request.ifNoneExist, a search query (ptr NULL when absent) */
	struct str full_url;      /* as sent ("urn:uuid:..." resolves within a transaction) */
	json_t *resource;         /* POST, PUT: borrowed from the Bundle document */
	size_t *deps;             /* transaction: entries this one's references name */
	size_t n_deps;
	/* A batch entry that cannot run: why (status RK_OK for a runnable entry).
	 * In a transaction the parse fails instead. */
	struct rk_err *err;
};

/* An entry's fullUrl, for lookups by reference. */
struct fhir_bundle_url {
	struct str url;
	size_t index;
};

struct fhir_bundle {
	enum fhir_bundle_type type;
	struct fhir_bundle_entry *entries; /* in Bundle order */
	size_t n;
	size_t *order;                /* indexes of entries in processing order */
	struct fhir_bundle_url *urls; /* the entries' fullUrls, sorted (binary search) */
	size_t n_urls;
};

/* Take a Bundle document apart. Fails (400, or 413 past max_entries) for
 * what makes the whole request wrong: not a Bundle, a type other than
 * transaction/batch, too many entries, duplicate fullUrls, a nested Bundle;
 * for a transaction also any entry that cannot run, a reference to a
 * urn:uuid no entry has, two entries touching one resource, or references
 * between entries that go round in a circle. Messages name the entry
 * ("Bundle.entry[3]: ..."). A batch entry that cannot run gets its own err
 * and the rest go on. doc stays owned by the caller and must outlive out;
 * everything else is in the arena. */
enum rk_status fhir_bundle_parse(json_t *doc, size_t max_entries, struct arena *a, struct fhir_bundle *out,
				 struct rk_err *err);

/* Rewrite the entry's references to urn:uuid fullUrls of other entries into
 * "Type/id" of those entries (which must have been written: their id set).
 * RK_INVALID when one is not (a caller bug: the order prevents it). */
enum rk_status fhir_bundle_resolve(const struct fhir_bundle *b, struct fhir_bundle_entry *e, struct arena *a,
				   struct rk_err *err);

#endif
