/* query_impl.h — what the files of query/ share and nobody else sees: the
 * visible set (candidates decided in batches after one access_prefetch per
 * batch, kept in the order the store gave them), the page arithmetic, and
 * the entry of query_include.c (_include/_revinclude of a page). */
#ifndef RENKEI_QUERY_QUERY_IMPL_H
#define RENKEI_QUERY_QUERY_IMPL_H

#include "query/query.h"

#define QUERY_CANDIDATE_BATCH 256

/* Candidates that the principal may see, in the store's order. */
struct visible_set {
	const struct query_ctx *q;
	const char *type; /* the candidates' type (visible_key); visible_typed_key brings its own */
	int64_t pend_rid[QUERY_CANDIDATE_BATCH];
	struct str pend_type[QUERY_CANDIDATE_BATCH], pend_source[QUERY_CANDIDATE_BATCH],
		pend_patient[QUERY_CANDIDATE_BATCH];
	size_t n_pend;
	int64_t *rids;
	struct access_decision *decisions;
	const char **regionals;
	size_t n, cap;
	struct rk_err *err;
};

/* A fresh set in q's arena (too big for the stack); NULL when out of memory. */
struct visible_set *visible_set_new(const struct query_ctx *q, const char *type, struct rk_err *err);
/* store_key_fn and store_typed_key_fn: queue one candidate (decided in batches). */
enum rk_status visible_key(void *vctx, int64_t rid, struct str source, struct str patient_id);
enum rk_status visible_typed_key(void *vctx, int64_t rid, struct str type, struct str source, struct str patient_id);
/* Decide what is still queued. */
enum rk_status visible_flush(struct visible_set *v);

/* Read the bodies of set's rows [from, upto) (type NULL: of any type) and
 * hand each to row as a QUERY_MATCH, served first. n_rows counts them. */
enum rk_status visible_page_rows(const struct query_ctx *q, const char *type, const struct visible_set *set,
				 size_t from, size_t upto, query_row_fn row, void *row_arg, size_t *n_rows,
				 struct rk_err *err);

/* The page of n visible rows at offset/count: [*from, *upto), and out's
 * offsets, total (when counted) and has_more. */
void query_page_window(struct query_page *out, int64_t offset, int64_t count, size_t n, bool counted, size_t *from,
		       size_t *upto);
/* next/prev offsets from offset, count, total and has_more (as the Bundle's links). */
void query_page_links(struct query_page *out);

/* The ids of a page's matches, copied into arena; at most cap (the page size). */
struct query_ids {
	struct str *ids;
	size_t n, cap;
	struct arena *arena;
};

/* Keep id when there is room; RK_TOO_LARGE when the arena is exhausted. */
enum rk_status query_ids_add(struct query_ids *ids, struct str id);

/* Add what fs's _include and _revinclude name for the page's matches (ids,
 * of def's type), each through the access check like any other record, each
 * at most once and never one of the matches: a hidden one is simply not
 * there. Rows are QUERY_INCLUDE; *n_included counts them. */
enum rk_status query_includes(const struct query_ctx *q, const struct fhir_resource_def *def,
			      const struct fhir_search *fs, const struct query_ids *ids, query_row_fn row,
			      void *row_arg, size_t *n_included, struct rk_err *err);

static inline void query_served(const struct query_ctx *q, struct str type, struct str id, int64_t version,
				const struct access_decision *d, const char *regional)
{
	if (q->served)
		q->served(q->served_arg, type, id, version, d, regional);
}

#endif
