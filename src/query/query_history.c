/* query_history.c — the history of a record, a type or the whole server:
 * every version's key through the access decision (and a facility system's
 * scope), then the bodies of the visible page only, so the total and paging
 * count only the versions the principal may see. */
#include "query/query.h"

#include <string.h>

#include "access/auth.h"
#include "core/limits.h"
#include "query/query_impl.h"

/* The versions of a history the principal may see. */
struct history_item {
	const char *type, *id;
	int64_t version;
	struct access_decision decision;
	const char *regional;
};

struct history_set {
	const struct query_ctx *q;
	struct history_item *items;
	size_t n, cap;
	struct rk_err *err;
};

static enum rk_status history_key(void *vctx, const struct store_resource *r)
{
	struct history_set *hs = vctx;
	if (!fhir_resource_find(r->type.ptr, r->type.len))
		return RK_OK;
	struct access_decision d;
	const char *regional = "";
	enum rk_status rc =
		access_check(hs->q->access, r->type, r->source_facility, r->patient_id, &d, &regional, hs->err);
	if (rc != RK_OK || !d.permit)
		return rc;
	if (hs->q->scopes) {
		char type[RK_MAX_TYPE_LEN + 1];
		str_copy(type, sizeof type, r->type);
		if (!scope_allows(hs->q->scopes, type, false))
			return RK_OK;
	}
	struct arena *a = hs->q->arena;
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 64;
		struct history_item *more = arena_alloc(a, cap * sizeof *more);
		if (!more)
			return rk_fail(hs->err, RK_TOO_LARGE,
				       "the history is too long to check; narrow it with _since");
		if (hs->n)
			memcpy(more, hs->items, hs->n * sizeof *more);
		hs->items = more;
		hs->cap = cap;
	}
	struct history_item *it = &hs->items[hs->n++];
	it->type = arena_strndup(a, r->type.ptr, r->type.len);
	it->id = arena_strndup(a, r->id.ptr, r->id.len);
	it->version = r->version;
	it->decision = d;
	it->regional = regional;
	if (!it->type || !it->id)
		return rk_fail(hs->err, RK_TOO_LARGE, "the history is too long to check; narrow it with _since");
	return RK_OK;
}

enum rk_status query_history(const struct query_ctx *q, const struct query_history *in, query_row_fn row, void *row_arg,
			     struct query_page *out, struct rk_err *err)
{
	*out = (struct query_page){.offset = in->offset, .count = in->count, .total = -1};
	struct store_history_query sq = {.type = in->type, .id = in->id, .since = in->since};
	struct history_set hs = {.q = q, .err = err};
	enum rk_status st = store_history_keys(q->store, &sq, RK_MAX_CANDIDATES, history_key, &hs, err);
	if (st == RK_OK && in->id.len && hs.n == 0)
		st = rk_fail(err, RK_NOT_FOUND, "%s/%.*s is not known", in->type, STR_FMT(in->id));
	size_t from, upto;
	query_page_window(out, in->offset, in->count, hs.n, true, &from, &upto);
	query_page_links(out);
	for (size_t i = from; st == RK_OK && i < upto; i++) {
		struct history_item *it = &hs.items[i];
		struct store_resource r;
		st = store_resource_vread(q->store, it->type, str_c(it->id), it->version, q->arena, &r, err);
		if (st != RK_OK)
			break;
		query_served(q, r.type, r.id, r.version, &it->decision, it->regional);
		struct query_row qr = {
			.r = &r, .mode = QUERY_MATCH, .decision = &it->decision, .regional = it->regional};
		out->n_rows++;
		st = row(row_arg, &qr);
	}
	return st;
}
