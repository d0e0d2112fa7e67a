/* query.c — the visible set, paging and the search itself (two passes: every
 * candidate through the access decision, then the visible page's bodies),
 * and the conditional create's match built on it. _include/_revinclude are
 * query_include.c; $everything, history and PIX their own files. */
#include "query/query.h"

#include <string.h>

#include "core/limits.h"
#include "query/query_impl.h"

struct visible_set *visible_set_new(const struct query_ctx *q, const char *type, struct rk_err *err)
{
	struct visible_set *set = arena_calloc(q->arena, 1, sizeof *set);
	if (!set) {
		rk_fail(err, RK_TOO_LARGE, "%s", "out of request memory");
		return NULL;
	}
	set->q = q;
	set->type = type;
	set->err = err;
	return set;
}

static enum rk_status visible_push(struct visible_set *v, int64_t rid, const struct access_decision *d,
				   const char *regional)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		struct arena *a = v->q->arena;
		int64_t *r = arena_alloc(a, cap * sizeof *r);
		struct access_decision *dd = arena_alloc(a, cap * sizeof *dd);
		const char **rg = arena_alloc(a, cap * sizeof *rg);
		if (!r || !dd || !rg)
			return rk_fail(v->err, RK_TOO_LARGE, "the search matches too much to check; narrow it");
		if (v->n) {
			memcpy(r, v->rids, v->n * sizeof *r);
			memcpy(dd, v->decisions, v->n * sizeof *dd);
			memcpy(rg, v->regionals, v->n * sizeof *rg);
		}
		v->rids = r;
		v->decisions = dd;
		v->regionals = rg;
		v->cap = cap;
	}
	v->rids[v->n] = rid;
	v->decisions[v->n] = *d;
	v->regionals[v->n] = regional;
	v->n++;
	return RK_OK;
}

enum rk_status visible_flush(struct visible_set *v)
{
	struct access_ctx *ax = v->q->access;
	enum rk_status rc = access_prefetch(ax, v->pend_patient, v->n_pend, v->err);
	for (size_t i = 0; i < v->n_pend && rc == RK_OK; i++) {
		struct access_decision d;
		const char *regional = "";
		rc = access_check(ax, v->pend_type[i], v->pend_source[i], v->pend_patient[i], &d, &regional, v->err);
		if (rc == RK_OK && d.permit)
			rc = visible_push(v, v->pend_rid[i], &d, regional);
	}
	v->n_pend = 0;
	return rc;
}

/* A candidate of any type ($everything, _revinclude); the type is copied like the rest. */
enum rk_status visible_typed_key(void *vctx, int64_t rid, struct str type, struct str source, struct str patient_id)
{
	struct visible_set *v = vctx;
	struct arena *a = v->q->arena;
	char *t = arena_strndup(a, type.ptr ? type.ptr : "", type.len);
	char *src = arena_strndup(a, source.ptr ? source.ptr : "", source.len);
	char *pid = arena_strndup(a, patient_id.ptr ? patient_id.ptr : "", patient_id.len);
	if (!t || !src || !pid)
		return rk_fail(v->err, RK_TOO_LARGE,
			       "the record is too large to check; narrow it with _type or _since");
	v->pend_rid[v->n_pend] = rid;
	v->pend_type[v->n_pend] = (struct str){t, type.len};
	v->pend_source[v->n_pend] = (struct str){src, source.len};
	v->pend_patient[v->n_pend] = (struct str){pid, patient_id.len};
	if (++v->n_pend == QUERY_CANDIDATE_BATCH)
		return visible_flush(v);
	return RK_OK;
}

enum rk_status visible_key(void *vctx, int64_t rid, struct str source, struct str patient_id)
{
	struct visible_set *v = vctx;
	struct arena *a = v->q->arena;
	char *src = arena_strndup(a, source.ptr ? source.ptr : "", source.len);
	char *pid = arena_strndup(a, patient_id.ptr ? patient_id.ptr : "", patient_id.len);
	if (!src || !pid)
		return rk_fail(v->err, RK_TOO_LARGE, "the search matches too much to check; narrow it");
	v->pend_type[v->n_pend] = str_c(v->type);
	v->pend_rid[v->n_pend] = rid;
	v->pend_source[v->n_pend] = (struct str){src, source.len};
	v->pend_patient[v->n_pend] = (struct str){pid, patient_id.len};
	if (++v->n_pend == QUERY_CANDIDATE_BATCH)
		return visible_flush(v);
	return RK_OK;
}

struct visible_page {
	const struct query_ctx *q;
	const struct visible_set *set;
	size_t next;
	query_row_fn row;
	void *row_arg;
	size_t *n_rows;
};

static enum rk_status visible_row(void *vctx, const struct store_resource *r)
{
	struct visible_page *vp = vctx;
	size_t i = vp->next++;
	const struct access_decision *d = &vp->set->decisions[i];
	const char *regional = vp->set->regionals[i];
	query_served(vp->q, r->type, r->id, r->version, d, regional);
	struct query_row qr = {.r = r, .mode = QUERY_MATCH, .decision = d, .regional = regional};
	(*vp->n_rows)++;
	return vp->row(vp->row_arg, &qr);
}

enum rk_status visible_page_rows(const struct query_ctx *q, const char *type, const struct visible_set *set,
				 size_t from, size_t upto, query_row_fn row, void *row_arg, size_t *n_rows,
				 struct rk_err *err)
{
	if (upto <= from)
		return RK_OK; /* nothing visible on this page (set->rids may be NULL) */
	struct visible_page vp = {.q = q, .set = set, .next = from, .row = row, .row_arg = row_arg, .n_rows = n_rows};
	return store_resources_by_rid(q->store, type, set->rids + from, upto - from, visible_row, &vp, err);
}

void query_page_window(struct query_page *out, int64_t offset, int64_t count, size_t n, bool counted, size_t *from,
		       size_t *upto)
{
	*from = (size_t)offset < n ? (size_t)offset : n;
	*upto = *from + (size_t)count < n ? *from + (size_t)count : n;
	out->offset = offset;
	out->count = count;
	out->total = counted ? (int64_t)n : -1;
	out->has_more = *upto < n;
}

void query_page_links(struct query_page *out)
{
	out->next_offset = out->prev_offset = -1;
	if (out->count <= 0)
		return;
	if (out->offset > 0)
		out->prev_offset = out->offset > out->count ? out->offset - out->count : 0;
	bool more = out->total >= 0 ? out->offset + out->count < out->total : out->has_more;
	if (more)
		out->next_offset = out->offset + out->count;
}

/* The directory (no record category): unrestricted, straight from the
 * store; one row beyond the page tells whether a next page exists. */
struct directory_page {
	struct query_page *out;
	int64_t limit;
	query_row_fn row;
	void *row_arg;
	struct query_ids *ids;
};

static enum rk_status directory_row(void *vctx, const struct store_resource *r)
{
	struct directory_page *dp = vctx;
	if ((int64_t)dp->out->n_rows == dp->limit) {
		dp->out->has_more = true;
		return RK_OK;
	}
	struct query_row qr = {.r = r, .mode = QUERY_MATCH, .decision = NULL, .regional = ""};
	enum rk_status st = dp->row(dp->row_arg, &qr);
	dp->out->n_rows++;
	if (dp->ids && query_ids_add(dp->ids, r->id) != RK_OK)
		return rk_fail(NULL, RK_TOO_LARGE, "out of request memory");
	return st;
}

/* The page's match ids, gathered for _include/_revinclude. */
struct match_rows {
	query_row_fn row;
	void *row_arg;
	struct query_ids *ids;
};

static enum rk_status match_row(void *vctx, const struct query_row *qr)
{
	struct match_rows *m = vctx;
	enum rk_status st = m->row(m->row_arg, qr);
	if (m->ids && query_ids_add(m->ids, qr->r->id) != RK_OK)
		return rk_fail(NULL, RK_TOO_LARGE, "out of request memory");
	return st;
}

/* The matches of the page, without includes. ids (may be NULL) gathers their ids. */
static enum rk_status search_page(const struct query_ctx *q, const struct fhir_resource_def *def,
				  struct fhir_search *fs, query_row_fn row, void *row_arg, struct query_ids *ids,
				  struct query_page *out, struct rk_err *err)
{
	*out = (struct query_page){.offset = fs->q.offset, .count = fs->q.count, .total = -1};
	if (category_of_type(def->name, strlen(def->name)) == CAT_NONE) {
		int64_t want = fs->q.count;
		if (!fs->q.want_total && want > 0)
			fs->q.count = want + 1; /* one extra row tells whether a next page exists */
		struct directory_page dp = {.out = out, .limit = want, .row = row, .row_arg = row_arg, .ids = ids};
		int64_t total = -1;
		enum rk_status rc = store_search(q->store, &fs->q, directory_row, &dp, &total, err);
		fs->q.count = want;
		out->total = total;
		return rc;
	}
	struct visible_set *set = visible_set_new(q, def->name, err);
	if (!set)
		return RK_TOO_LARGE;
	enum rk_status rc = store_search_keys(q->store, &fs->q, RK_MAX_CANDIDATES, visible_key, set, err);
	if (rc == RK_OK && set->n_pend)
		rc = visible_flush(set);
	if (rc != RK_OK)
		return rc;
	size_t from, upto;
	query_page_window(out, fs->q.offset, fs->q.count, set->n, fs->q.want_total, &from, &upto);
	struct match_rows m = {.row = row, .row_arg = row_arg, .ids = ids};
	return visible_page_rows(q, def->name, set, from, upto, match_row, &m, &out->n_rows, err);
}

enum rk_status query_search(const struct query_ctx *q, const struct fhir_resource_def *def, struct fhir_search *fs,
			    query_row_fn row, void *row_arg, struct query_page *out, struct rk_err *err)
{
	struct query_ids ids = {0};
	if (fs->n_includes && fs->q.count > 0) {
		ids.cap = (size_t)fs->q.count;
		ids.arena = q->arena;
		if (!(ids.ids = arena_calloc(q->arena, ids.cap, sizeof *ids.ids)))
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	enum rk_status st = search_page(q, def, fs, row, row_arg, ids.ids ? &ids : NULL, out, err);
	if (st == RK_OK && fs->n_includes && ids.n)
		st = query_includes(q, def, fs, &ids, row, row_arg, &out->n_included, err);
	query_page_links(out);
	return st;
}

static enum rk_status ignore_row(void *arg, const struct query_row *row)
{
	(void)arg;
	(void)row;
	return RK_OK;
}

enum rk_status query_match(const struct query_ctx *q, const struct fhir_resource_def *def, struct fhir_search *fs,
			   int64_t *n, struct store_resource *one, struct rk_err *err)
{
	*n = 0;
	/* First how many the principal may see (nothing read, nothing served),
	 * then the one, read like any search row. */
	struct str id = STR_NULL;
	struct query_ids ids = {.ids = &id, .cap = 1, .arena = q->arena};
	fs->n_includes = 0;
	fs->q.offset = 0;
	fs->q.count = 0;
	fs->q.want_total = true;
	struct query_page pg;
	enum rk_status st = search_page(q, def, fs, ignore_row, NULL, &ids, &pg, err);
	int64_t total = pg.total;
	if (st == RK_OK && total == 1) {
		fs->q.count = 1;
		st = search_page(q, def, fs, ignore_row, NULL, &ids, &pg, err);
		if (st == RK_OK && ids.n == 1)
			st = store_resource_read(q->store, def->name, id, q->arena, one, err);
		else if (st == RK_OK)
			total = 0; /* gone between the two looks: none */
	}
	if (st == RK_OK)
		*n = total;
	return st;
}
