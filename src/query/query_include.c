/* query_include.c — _include and _revinclude: the records a search page's
 * matches reference, and the records that reference them, each decided by
 * the access check like any other (a hidden one is not there). Included
 * records are never followed further. */
#include "query/query.h"

#include "core/limits.h"
#include "query/query_impl.h"

enum rk_status query_ids_add(struct query_ids *ids, struct str id)
{
	if (ids->n >= ids->cap)
		return RK_OK;
	if (!(ids->ids[ids->n++] = arena_str(ids->arena, id)).ptr)
		return RK_TOO_LARGE;
	return RK_OK;
}

struct included {
	const struct query_ctx *q;
	struct rk_err *err;
	query_row_fn row;
	void *row_arg;
	size_t *n_included;
	const struct query_ids *page;
	const char **seen_type; /* matches and resources already in the page */
	struct str *seen_id;
	size_t n_seen, cap_seen;
	struct str *want_type, *want_id; /* _include targets, gathered before they are read */
	size_t n_want;
	const struct visible_set *set; /* _revinclude: decisions by position */
	size_t next;
};

static bool seen(const struct included *in, struct str type, struct str id)
{
	for (size_t i = 0; i < in->n_seen; i++)
		if (str_eq_c(type, in->seen_type[i]) && str_eq(id, in->seen_id[i]))
			return true;
	return false;
}

static enum rk_status add_seen(struct included *in, const char *type, struct str id)
{
	if (in->n_seen == in->cap_seen)
		return rk_fail(in->err, RK_INVALID,
			       "more than %d resources to include; lower _count or ask for fewer includes",
			       RK_MAX_INCLUDED);
	in->seen_type[in->n_seen] = type;
	in->seen_id[in->n_seen] = arena_str(in->q->arena, id);
	if (!in->seen_id[in->n_seen].ptr)
		return rk_fail(in->err, RK_TOO_LARGE, "out of request memory");
	in->n_seen++;
	return RK_OK;
}

static enum rk_status emit(struct included *in, const struct store_resource *r, const struct access_decision *d,
			   const char *regional)
{
	struct query_row qr = {.r = r, .mode = QUERY_INCLUDE, .decision = d, .regional = regional};
	(*in->n_included)++;
	return in->row(in->row_arg, &qr);
}

static enum rk_status want_target(void *vctx, struct str type, struct str id)
{
	struct included *in = vctx;
	if (in->n_want == RK_MAX_INCLUDED)
		return rk_fail(in->err, RK_INVALID, "more than %d resources to include; lower _count", RK_MAX_INCLUDED);
	in->want_type[in->n_want] = arena_str(in->q->arena, type);
	in->want_id[in->n_want] = arena_str(in->q->arena, id);
	if (!in->want_type[in->n_want].ptr || !in->want_id[in->n_want].ptr)
		return rk_fail(in->err, RK_TOO_LARGE, "out of request memory");
	in->n_want++;
	return RK_OK;
}

static enum rk_status include_forward(struct included *in, const char *type, const struct fhir_include *inc)
{
	in->n_want = 0;
	enum rk_status rc =
		store_refs_from(in->q->store, type, in->page->ids, in->page->n, inc->param, want_target, in, in->err);
	for (size_t i = 0; i < in->n_want && rc == RK_OK; i++) {
		struct str t = in->want_type[i], id = in->want_id[i];
		const struct fhir_resource_def *def = fhir_resource_find(t.ptr, t.len);
		if (!def || (inc->target && !str_eq_c(t, inc->target)) || seen(in, t, id))
			continue; /* not served here (kept as written), not asked for, or already in the page */
		struct store_resource r;
		rc = store_resource_read(in->q->store, def->name, id, in->q->arena, &r, in->err);
		if (rc == RK_NOT_FOUND || (rc == RK_OK && r.deleted)) {
			rc = RK_OK;
			continue;
		}
		struct access_decision d = {0};
		const char *regional = "";
		if (rc == RK_OK)
			rc = access_check(in->q->access, r.type, r.source_facility, r.patient_id, &d, &regional,
					  in->err);
		if (rc != RK_OK || !d.permit)
			continue;
		query_served(in->q, r.type, r.id, r.version, &d, regional);
		if ((rc = add_seen(in, def->name, id)) == RK_OK)
			rc = emit(in, &r, &d, regional);
	}
	return rc;
}

static enum rk_status included_row(void *vctx, const struct store_resource *r)
{
	struct included *in = vctx;
	size_t i = in->next++;
	const struct fhir_resource_def *def = fhir_resource_find(r->type.ptr, r->type.len);
	if (!def || seen(in, r->type, r->id))
		return RK_OK;
	const struct access_decision *d = &in->set->decisions[i];
	const char *regional = in->set->regionals[i];
	query_served(in->q, r->type, r->id, r->version, d, regional);
	enum rk_status rc = add_seen(in, def->name, r->id);
	return rc == RK_OK ? emit(in, r, d, regional) : rc;
}

static enum rk_status include_reverse(struct included *in, const char *type, const struct fhir_include *inc)
{
	struct visible_set *set = visible_set_new(in->q, NULL, in->err);
	if (!set)
		return RK_TOO_LARGE;
	enum rk_status rc = store_refs_to(in->q->store, inc->type, inc->param, type, in->page->ids, in->page->n,
					  RK_MAX_CANDIDATES, visible_typed_key, set, in->err);
	if (rc == RK_OK && set->n_pend)
		rc = visible_flush(set);
	if (rc == RK_OK && set->n > RK_MAX_INCLUDED)
		rc = rk_fail(in->err, RK_INVALID, "more than %d resources to include; lower _count", RK_MAX_INCLUDED);
	in->set = set;
	in->next = 0;
	if (rc == RK_OK && set->n)
		rc = store_resources_by_rid(in->q->store, NULL, set->rids, set->n, included_row, in, in->err);
	return rc;
}

enum rk_status query_includes(const struct query_ctx *q, const struct fhir_resource_def *def,
			      const struct fhir_search *fs, const struct query_ids *ids, query_row_fn row,
			      void *row_arg, size_t *n_included, struct rk_err *err)
{
	struct included in = {.q = q,
			      .err = err,
			      .row = row,
			      .row_arg = row_arg,
			      .n_included = n_included,
			      .page = ids,
			      .cap_seen = RK_MAX_INCLUDED + ids->n};
	in.seen_type = arena_calloc(q->arena, in.cap_seen, sizeof *in.seen_type);
	in.seen_id = arena_calloc(q->arena, in.cap_seen, sizeof *in.seen_id);
	in.want_type = arena_calloc(q->arena, RK_MAX_INCLUDED, sizeof *in.want_type);
	in.want_id = arena_calloc(q->arena, RK_MAX_INCLUDED, sizeof *in.want_id);
	if (!in.seen_type || !in.seen_id || !in.want_type || !in.want_id)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < ids->n && rc == RK_OK; i++)
		rc = add_seen(&in, def->name, ids->ids[i]);
	for (size_t i = 0; i < fs->n_includes && rc == RK_OK; i++)
		rc = fs->includes[i].rev ? include_reverse(&in, def->name, &fs->includes[i])
					 : include_forward(&in, def->name, &fs->includes[i]);
	return rc;
}
