/* query.h — the consent-filtered query engine: every read of patient data
 * that answers more than one record — a search with paging, totals and
 * _include/_revinclude, a conditional create's match, Patient/$everything,
 * history, and the PIX cross-reference — decided record by record by the
 * request's access context (access/enforce.h), so that rows, totals and
 * paging only ever count what the principal may see.
 *
 * The contract is plain data: the inputs are a store connection, the
 * request's struct access_ctx, an arena, the resource definition and an
 * already parsed struct fhir_search / ids / since / count / offset; the
 * outputs are the visible page's rows (through a row callback, each with the
 * access decision that let it through and the patient's regional ID), the
 * total, the included rows and the next/previous offsets. Each record served
 * is also reported through the context's `served` callback, at the moment it
 * is decided to be served, so the caller can name it in its audit entry.
 * Nothing here knows HTTP, a request or how a Bundle is rendered. A search
 * runs in two passes: every candidate (row id, source facility, patient)
 * from the index tables through the decision, then the bodies of the
 * visible page only. Thread-compatible: one query_ctx per request. */
#ifndef RENKEI_QUERY_QUERY_H
#define RENKEI_QUERY_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "access/enforce.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "fhir/search.h"
#include "fhir/types.h"
#include "store/store.h"

/* A served record for the audit entry: its type, id and version (0: the
 * registration as such, PIX), the decision that allowed it and the patient's
 * regional ID ("" none; NULL not looked up). */
typedef void (*query_served_fn)(void *arg, struct str type, struct str id, int64_t version,
				const struct access_decision *d, const char *regional);

struct query_ctx {
	struct store *store;
	struct access_ctx *access; /* the request's enforcement point */
	struct arena *arena;       /* the request's: rows and copies live here */
	/* A facility system's token scopes (auth.h scope_allows): history and
	 * $everything keep only the types they cover. NULL: staff, no limit. */
	const char *scopes;
	query_served_fn served; /* may be NULL */
	void *served_arg;
};

enum query_mode { QUERY_MATCH, QUERY_INCLUDE };

/* One row of a page, valid during the row callback only (the body points
 * into the store's statement): copy what outlives it. */
struct query_row {
	const struct store_resource *r;
	enum query_mode mode;
	/* the decision that let it through; NULL for the directory (types of no
	 * record category, which any principal reads and nobody audits) */
	const struct access_decision *decision;
	const char *regional; /* "" when the record has no patient */
};
/* A row of the page, in order (matches first, then included records). A
 * status other than RK_OK stops the query and is returned by it. */
typedef enum rk_status (*query_row_fn)(void *arg, const struct query_row *row);

struct query_page {
	int64_t offset, count; /* as asked */
	int64_t total;         /* visible matches; -1 when not counted (search without _total) */
	bool has_more;         /* a further page of visible matches exists */
	int64_t next_offset;   /* -1: no next page */
	int64_t prev_offset;   /* -1: this is the first page */
	size_t n_rows;         /* matches on this page */
	size_t n_included;     /* _include/_revinclude records after them */
};

/* Search def with fs (fhir_search_parse): the visible page of matches at
 * fs->q.offset / fs->q.count, then what its _include and _revinclude name,
 * each through the access check (a hidden record is simply not there;
 * includes are never followed further). The directory (category none) is
 * searched unrestricted. fs->q.count is restored before returning. */
enum rk_status query_search(const struct query_ctx *q, const struct fhir_resource_def *def, struct fhir_search *fs,
			    query_row_fn row, void *row_arg, struct query_page *out, struct rk_err *err);

/* A conditional create's match: how many records of def matching fs the
 * principal may see (*n; none read, none served), and when exactly one, that
 * record in *one (read and served like a search row). fs is used up (its
 * includes, offset and count are overwritten). */
enum rk_status query_match(const struct query_ctx *q, const struct fhir_resource_def *def, struct fhir_search *fs,
			   int64_t *n, struct store_resource *one, struct rk_err *err);

/* Patient/{id}/$everything. */
struct query_everything {
	struct str patient_id;
	const char *const *types; /* the record types asked for (_type); NULL: every type of the patient's record */
	size_t n_types;
	int64_t since; /* ms; INT64_MIN: everything */
	int64_t count, offset;
};
/* The patient (RK_NOT_FOUND "Patient/{id} is not known" when missing,
 * deleted or hidden), then every record of every registration of the same
 * person (its regional ID's links) that the principal may see, in one list
 * paged by count/offset; the total is always counted. */
enum rk_status query_everything(const struct query_ctx *q, const struct query_everything *in, query_row_fn row,
				void *row_arg, struct query_page *out, struct rk_err *err);

/* History of one record (type and id), of a type (id empty) or of the whole
 * server (type NULL). */
struct query_history {
	const char *type;
	struct str id;
	int64_t since; /* ms; INT64_MIN: all */
	int64_t count, offset;
};
/* The versions the principal may see, newest first, paged; the total is
 * always counted. One record's history with no visible version is
 * RK_NOT_FOUND ("{type}/{id} is not known"). Rows are QUERY_MATCH. */
enum rk_status query_history(const struct query_ctx *q, const struct query_history *in, query_row_fn row, void *row_arg,
			     struct query_page *out, struct rk_err *err);

/* PIX: the registrations of one person. */
struct query_pix_link {
	struct str facility_code, local_id, patient_id;
};
struct query_pix {
	struct str regional;          /* the person's current regional ID */
	struct query_pix_link *links; /* the registrations the principal may know about, in the store's order */
	size_t n_links;
};
/* Resolve system|value — the region's identifier system (region_system; a
 * regional ID merged away answers with its survivor) or a facility's local
 * patient ID system — and list the person's visible registrations (each one
 * served as Patient/{id} version 0). RK_NOT_FOUND when the identifier is not
 * known or the principal may not know of it; RK_INVALID for a system that is
 * neither. */
enum rk_status query_pix(const struct query_ctx *q, const char *region_system, struct str system, struct str value,
			 struct query_pix *out, struct rk_err *err);

#endif
