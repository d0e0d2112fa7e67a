/* bundle.c — transaction and batch Bundles: entry requests, urn:uuid
 * references between entries, and the processing order (FHIR R4 http.html
 * "Transaction Processing Rules"). */
#include "fhir/bundle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "fhir/validate.h"

static const char *const method_names[] = {
	[FHIR_BM_DELETE] = "DELETE", [FHIR_BM_POST] = "POST", [FHIR_BM_PUT] = "PUT", [FHIR_BM_GET] = "GET"};

/* A fullUrl that names an entry only within this Bundle. */
static bool local_name(struct str s)
{
	return str_starts_with(s, "urn:uuid:") || str_starts_with(s, "urn:oid:");
}

static int clip(struct str s)
{
	return (int)(s.len > 80 ? 80 : s.len);
}

/* request.ifMatch: W/"3", "3" or 3 → 3; false when malformed. */
static bool parse_if_match(struct str v, int64_t *out)
{
	v = str_trim(v);
	if (str_starts_with(v, "W/")) {
		v.ptr += 2;
		v.len -= 2;
	}
	if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"') {
		v.ptr++;
		v.len -= 2;
	}
	return str_to_i64(v, 1, INT64_MAX, out);
}

/* The served type a URL segment names, or an error saying why not. */
static enum rk_status url_type(struct str t, const struct fhir_resource_def **def, struct rk_err *err)
{
	if ((*def = fhir_resource_find(t.ptr, t.len)))
		return RK_OK;
	if (str_eq_c(t, "Bundle"))
		return rk_fail(err, RK_INVALID, "request.url names Bundle: Bundles inside a Bundle are not taken");
	if (fhir_is_r4_resource_name(t.ptr, t.len))
		return rk_fail(err, RK_NOT_FOUND, "resource type %.*s is not served by renkei (see /fhir/metadata)",
			       STR_FMT(t));
	return rk_fail(err, RK_INVALID, "request.url: '%.*s' is not a FHIR R4 resource type", clip(t), t.ptr);
}

/* request.url → type, id, _history/vid, query, as the method allows. */
static enum rk_status parse_url(struct fhir_bundle_entry *e, struct str url, struct rk_err *err)
{
	if (!url.len)
		return rk_fail(err, RK_INVALID, "request.url is empty");
	if (str_starts_with(url, "http:") || str_starts_with(url, "https:") || url.ptr[0] == '/')
		return rk_fail(err, RK_INVALID,
			       "request.url '%.*s' must be relative to the FHIR base (Patient, Patient/123)", clip(url),
			       url.ptr);
	struct str path, query = STR_NULL;
	bool has_query = str_cut(url, '?', &path, &query);
	struct str seg[5], rest = path;
	size_t n = 0;
	while (n < 5 && str_next(&rest, '/', &seg[n]))
		n++;
	if (n == 5 || rest.len)
		return rk_fail(err, RK_INVALID, "request.url '%.*s' has too many parts", clip(url), url.ptr);
	enum rk_status rc = url_type(seg[0], &e->def, err);
	if (rc != RK_OK)
		return rc;
	if (n >= 2 && !fhir_id_valid(seg[1]))
		return rk_fail(err, RK_INVALID, "request.url: '%.*s' is not a valid resource id", clip(seg[1]),
			       seg[1].ptr);
	const char *m = method_names[e->method];
	switch (e->method) {
	case FHIR_BM_POST:
		if (n != 1 || has_query)
			return rk_fail(err, RK_INVALID, "request.url of a POST is the type alone ('%s'), not '%.*s'",
				       e->def->name, clip(url), url.ptr);
		return RK_OK;
	case FHIR_BM_PUT:
	case FHIR_BM_DELETE:
		if (has_query) { /* conditional update or delete: the API runs the query (a search) */
			if (n != 1 || !query.len)
				return rk_fail(err, RK_INVALID,
					       "request.url of a conditional %s is Type?search, not '%.*s'", m,
					       clip(url), url.ptr);
			e->query = query;
			e->conditional = true;
			return RK_OK;
		}
		if (n != 2)
			return rk_fail(err, RK_INVALID, "request.url of a %s is Type/id, not '%.*s'", m, clip(url),
				       url.ptr);
		e->id = seg[1];
		return RK_OK;
	case FHIR_BM_GET:
		if (n == 1) {
			e->search = true;
			e->query = query;
			return RK_OK;
		}
		if (has_query && n != 1)
			return rk_fail(err, RK_INVALID,
				       "request.url '%.*s': a query goes with a search (Type?params) only", clip(url),
				       url.ptr);
		if (n == 2 || (n == 4 && str_eq_c(seg[2], "_history") && str_is_digits(seg[3]) && seg[3].len <= 18)) {
			e->id = seg[1];
			if (n == 4)
				e->version = seg[3];
			return RK_OK;
		}
		return rk_fail(err, RK_INVALID,
			       "request.url of a GET is Type?params, Type/id or Type/id/_history/vid, not '%.*s'",
			       clip(url), url.ptr);
	}
	return rk_fail(err, RK_INVALID, "request.method is not supported");
}

/* One entry's request and resource; err says why it cannot run. */
static enum rk_status parse_entry(json_t *ent, struct fhir_bundle_entry *e, struct rk_err *err)
{
	if (!json_is_object(ent))
		return rk_fail(err, RK_INVALID, "an entry must be an object");
	json_t *fu = json_object_get(ent, "fullUrl");
	if (fu && (!json_is_string(fu) || !json_string_length(fu)))
		return rk_fail(err, RK_INVALID, "fullUrl must be a non-empty string");
	if (fu)
		e->full_url = rk_json_strv(fu);
	json_t *rq = json_object_get(ent, "request");
	if (!json_is_object(rq))
		return rk_fail(err, RK_INVALID, "request (method and url) is required in a transaction or batch");
	struct str method, url, v;
	if (!rk_json_str(rq, "method", &method))
		return rk_fail(err, RK_INVALID, "request.method is required (GET, POST, PUT or DELETE)");
	bool known = false;
	for (int m = 0; m < 4; m++)
		if (str_eq_c(method, method_names[m])) {
			e->method = (enum fhir_bundle_method)m;
			known = true;
		}
	if (!known)
		return rk_fail(err, RK_INVALID, "request.method '%.*s' is not supported (GET, POST, PUT, DELETE)",
			       clip(method), method.ptr);
	if (!rk_json_str(rq, "url", &url))
		return rk_fail(err, RK_INVALID, "request.url is required");
	static const char *const unsupported[] = {"ifNoneMatch", "ifModifiedSince"};
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
		if (json_object_get(rq, unsupported[i]))
			return rk_fail(err, RK_INVALID, "request.%s (a conditional interaction) is not supported",
				       unsupported[i]);
	if (rk_json_str(rq, "ifMatch", &v)) {
		if (e->method != FHIR_BM_PUT && e->method != FHIR_BM_DELETE)
			return rk_fail(err, RK_INVALID, "request.ifMatch goes with PUT or DELETE");
		if (!parse_if_match(v, &e->if_match))
			return rk_fail(err, RK_INVALID, "request.ifMatch must be a version ETag such as W/\"3\"");
	} else if (json_object_get(rq, "ifMatch")) {
		return rk_fail(err, RK_INVALID, "request.ifMatch must be a string such as W/\"3\"");
	}
	enum rk_status rc = parse_url(e, url, err);
	if (rc != RK_OK)
		return rc;
	/* Conditional create: the query is parsed and run by the API (a search). */
	if (json_object_get(rq, "ifNoneExist")) {
		if (e->method != FHIR_BM_POST)
			return rk_fail(err, RK_INVALID, "request.ifNoneExist goes with POST (a conditional create)");
		if (!rk_json_str(rq, "ifNoneExist", &e->if_none_exist) || !e->if_none_exist.len)
			return rk_fail(err, RK_INVALID,
				       "request.ifNoneExist must be a search query such as identifier=system|value");
	}
	if (e->method == FHIR_BM_POST || e->method == FHIR_BM_PUT) {
		json_t *res = json_object_get(ent, "resource");
		if (!json_is_object(res))
			return rk_fail(err, RK_INVALID, "a %s needs the resource", method_names[e->method]);
		struct str rt;
		if (!rk_json_str(res, "resourceType", &rt) || !str_eq_c(rt, e->def->name))
			return rk_fail(err, RK_INVALID, "resource.resourceType must be %s, the type of request.url",
				       e->def->name);
		e->resource = res;
	}
	return RK_OK;
}

/* ---- references ------------------------------------------------------------ */

typedef enum rk_status (*ref_fn)(void *ctx, json_t *ref, struct rk_err *err);

/* Every Reference.reference string inside v. */
static enum rk_status walk_refs(json_t *v, int depth, ref_fn fn, void *ctx, struct rk_err *err)
{
	if (depth > RK_MAX_JSON_DEPTH)
		return rk_fail(err, RK_INVALID, "the resource nests deeper than %d levels", RK_MAX_JSON_DEPTH);
	enum rk_status rc = RK_OK;
	if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item)
		{
			if ((rc = walk_refs(item, depth + 1, fn, ctx, err)) != RK_OK)
				return rc;
		}
		return RK_OK;
	}
	if (!json_is_object(v))
		return RK_OK;
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val)
	{
		if (strcmp(key, "reference") == 0 && json_is_string(val))
			rc = fn(ctx, val, err);
		else
			rc = walk_refs(val, depth + 1, fn, ctx, err);
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

static int str_cmp(struct str a, struct str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
	return c ? c : (a.len > b.len) - (a.len < b.len);
}

static int url_cmp(const void *x, const void *y)
{
	const struct fhir_bundle_url *a = x, *b = y;
	int c = str_cmp(a->url, b->url);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* The entry whose fullUrl is s; NULL when none. A Bundle may carry a
 * thousand entries and every reference is looked up: binary search. */
static struct fhir_bundle_entry *by_full_url(const struct fhir_bundle *b, struct str s)
{
	size_t lo = 0, hi = b->n_urls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = str_cmp(b->urls[mid].url, s);
		if (c == 0)
			return &b->entries[b->urls[mid].index];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool writes(const struct fhir_bundle_entry *e)
{
	return !e->err && (e->method == FHIR_BM_POST || e->method == FHIR_BM_PUT);
}

struct deps_ctx {
	struct fhir_bundle *b;
	struct fhir_bundle_entry *e;
	struct arena *a;
	size_t cap;
	size_t *mark;       /* mark[j] = 1 + the entry that last added j as a dependency */
	const size_t *puts; /* the PUT entries (their Type/id can be referenced) */
	size_t n_puts;
};

static enum rk_status add_dep(struct deps_ctx *d, size_t j)
{
	struct fhir_bundle_entry *e = d->e;
	if (d->mark[j] == e->index + 1)
		return RK_OK;
	d->mark[j] = e->index + 1;
	if (e->n_deps == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4;
		size_t *more = arena_alloc(d->a, cap * sizeof *more);
		if (!more)
			return RK_TOO_LARGE;
		if (e->n_deps)
			memcpy(more, e->deps, e->n_deps * sizeof *more);
		e->deps = more;
		d->cap = cap;
	}
	e->deps[e->n_deps++] = j;
	return RK_OK;
}

/* A transaction entry's reference: to an entry's urn (must exist and write
 * a resource) or to the Type/id an entry PUTs — both make a dependency. */
static enum rk_status dep_of(void *vctx, json_t *ref, struct rk_err *err)
{
	struct deps_ctx *d = vctx;
	struct str r = rk_json_strv(ref);
	if (local_name(r)) {
		struct fhir_bundle_entry *t = by_full_url(d->b, r);
		if (!t)
			return rk_fail(err, RK_INVALID,
				       "reference '%.*s' is not the fullUrl of any entry of this Bundle", clip(r),
				       r.ptr);
		if (t == d->e)
			return rk_fail(err, RK_INVALID, "reference '%.*s' names the entry itself", clip(r), r.ptr);
		if (!writes(t))
			return rk_fail(err, RK_INVALID,
				       "reference '%.*s' names Bundle.entry[%zu], which writes no resource", clip(r),
				       r.ptr, t->index);
		return add_dep(d, t->index) == RK_OK ? RK_OK : rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	struct str type, id, rest;
	if (!str_cut(r, '/', &type, &rest) || str_cut(rest, '/', &id, &rest))
		return RK_OK;
	for (size_t k = 0; k < d->n_puts; k++) {
		struct fhir_bundle_entry *t = &d->b->entries[d->puts[k]];
		if (t != d->e && str_eq_c(type, t->def->name) && str_eq(id, t->id))
			return add_dep(d, t->index) == RK_OK ? RK_OK
							     : rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	return RK_OK;
}

/* A batch entry may not lean on another: its urn references stay unresolved. */
static enum rk_status no_local_refs(void *vctx, json_t *ref, struct rk_err *err)
{
	(void)vctx;
	struct str r = rk_json_strv(ref);
	if (local_name(r))
		return rk_fail(
			err, RK_INVALID,
			"reference '%.*s': references between entries are resolved in a transaction only; a batch's "
			"entries are independent",
			clip(r), r.ptr);
	return RK_OK;
}

/* ---- the Bundle ------------------------------------------------------------ */

/* "Bundle.entry[i]: " before the entry's message; the location follows. */
static enum rk_status entry_fail(struct rk_err *err, size_t i, const struct rk_err *inner)
{
	enum rk_status st = inner->status != RK_OK ? inner->status : RK_INVALID;
	char where[RK_ERR_WHERE_MAX];
	snprintf(where, sizeof where, "Bundle.entry[%zu]", i);
	enum rk_status rc = rk_fail_at(err, st, where, "Bundle.entry[%zu]: %s", i, inner->msg);
	if (err && inner->code[0])
		snprintf(err->code, sizeof err->code, "%s", inner->code);
	return rc;
}

/* Set a batch entry aside with its reason. */
static enum rk_status set_aside(struct fhir_bundle_entry *e, struct arena *a, const struct rk_err *why,
				struct rk_err *err)
{
	if (!(e->err = arena_alloc(a, sizeof *e->err)))
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	*e->err = *why;
	if (e->err->status == RK_OK)
		e->err->status = RK_INVALID;
	return RK_OK;
}

/* An entry that can't run: the whole transaction fails, a batch goes on. */
static enum rk_status entry_problem(struct fhir_bundle *b, struct fhir_bundle_entry *e, struct arena *a,
				    const struct rk_err *why, struct rk_err *err)
{
	if (b->type == FHIR_BUNDLE_TRANSACTION)
		return entry_fail(err, e->index, why);
	return set_aside(e, a, why, err);
}

/* Sort the fullUrls for lookups; two entries with one fullUrl are refused. */
static enum rk_status index_urls(struct fhir_bundle *b, struct arena *a, struct rk_err *err)
{
	if (!(b->urls = arena_calloc(a, b->n ? b->n : 1, sizeof *b->urls)))
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	for (size_t i = 0; i < b->n; i++)
		if (b->entries[i].full_url.len)
			b->urls[b->n_urls++] = (struct fhir_bundle_url){b->entries[i].full_url, i};
	if (b->n_urls > 1)
		qsort(b->urls, b->n_urls, sizeof *b->urls, url_cmp);
	size_t first = SIZE_MAX, dup = SIZE_MAX; /* the lowest later entry repeating an earlier fullUrl */
	for (size_t k = 1; k < b->n_urls; k++)
		if (str_eq(b->urls[k].url, b->urls[k - 1].url) && b->urls[k].index < dup) {
			dup = b->urls[k].index;
			for (first = k - 1; first > 0 && str_eq(b->urls[first - 1].url, b->urls[k].url); first--)
				;
			first = b->urls[first].index;
		}
	if (dup != SIZE_MAX)
		return rk_fail_at(
			err, RK_INVALID, "Bundle.entry.fullUrl",
			"Bundle.entry[%zu]: fullUrl '%.*s' is also the fullUrl of Bundle.entry[%zu]; each entry "
			"needs its own",
			dup, clip(b->entries[dup].full_url), b->entries[dup].full_url.ptr, first);
	return RK_OK;
}

static enum rk_status check_unique(const struct fhir_bundle *b, struct rk_err *err)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct fhir_bundle_entry *e = &b->entries[i];
		for (size_t j = 0; j < i; j++) {
			const struct fhir_bundle_entry *o = &b->entries[j];
			if (b->type == FHIR_BUNDLE_TRANSACTION && !e->err && !o->err && e->id.len && o->id.len &&
			    e->method != FHIR_BM_GET && o->method != FHIR_BM_GET && e->method != FHIR_BM_POST &&
			    o->method != FHIR_BM_POST && e->def == o->def && str_eq(e->id, o->id))
				return rk_fail_at(
					err, RK_INVALID, "Bundle.entry",
					"Bundle.entry[%zu]: %s/%.*s is also written by Bundle.entry[%zu]; a transaction "
					"changes a resource once",
					i, e->def->name, STR_FMT(e->id), j);
		}
	}
	return RK_OK;
}

/* DELETE, then writes (a transaction's after the entries they reference;
 * POST before PUT otherwise), then GET; Bundle order within each. */
static enum rk_status plan(struct fhir_bundle *b, struct arena *a, struct rk_err *err)
{
	bool *placed = arena_calloc(a, b->n ? b->n : 1, sizeof *placed);
	if (!(b->order = arena_calloc(a, b->n ? b->n : 1, sizeof *b->order)) || !placed)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	size_t k = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->entries[i].method == FHIR_BM_DELETE || b->entries[i].err) {
			b->order[k++] = i;
			placed[i] = true;
		}
	for (;;) {
		bool progress = false, left = false;
		for (int m = FHIR_BM_POST; m <= FHIR_BM_PUT; m++)
			for (size_t i = 0; i < b->n; i++) {
				struct fhir_bundle_entry *e = &b->entries[i];
				if (placed[i] || (int)e->method != m)
					continue;
				bool ready = true;
				for (size_t d = 0; d < e->n_deps && ready; d++)
					ready = placed[e->deps[d]];
				if (!ready) {
					left = true;
					continue;
				}
				b->order[k++] = i;
				placed[i] = progress = true;
				m = FHIR_BM_POST - 1; /* start over: POSTs first again */
				break;
			}
		if (!left && !progress)
			break;
		if (!progress) {
			for (size_t i = 0; i < b->n; i++) {
				struct fhir_bundle_entry *e = &b->entries[i];
				if (placed[i] || e->method == FHIR_BM_GET)
					continue;
				size_t other = i;
				for (size_t d = 0; d < e->n_deps; d++)
					if (!placed[e->deps[d]])
						other = e->deps[d];
				return rk_fail_at(
					err, RK_INVALID, "Bundle.entry",
					"Bundle.entry[%zu]: its references and those of Bundle.entry[%zu] go round in a "
					"circle; renkei checks every reference when the resource is written, so write "
					"one of them first and add the reference with a later update",
					i, other);
			}
			break;
		}
	}
	for (size_t i = 0; i < b->n; i++)
		if (!placed[i])
			b->order[k++] = i;
	return RK_OK;
}

enum rk_status fhir_bundle_parse(json_t *doc, size_t max_entries, struct arena *a, struct fhir_bundle *out,
				 struct rk_err *err)
{
	struct str rt, type;
	if (!json_is_object(doc) || !rk_json_str(doc, "resourceType", &rt))
		return rk_fail(err, RK_INVALID, "POST /fhir takes a Bundle (resourceType \"Bundle\")");
	if (!str_eq_c(rt, "Bundle"))
		return rk_fail(err, RK_INVALID,
			       "POST /fhir takes a Bundle, not %.*s; to create one resource POST it to /fhir/%.*s",
			       clip(rt), rt.ptr, clip(rt), rt.ptr);
	if (!rk_json_str(doc, "type", &type))
		return rk_fail_at(err, RK_INVALID, "Bundle.type", "Bundle.type is required (transaction or batch)");
	struct fhir_bundle b = {0};
	if (str_eq_c(type, "transaction"))
		b.type = FHIR_BUNDLE_TRANSACTION;
	else if (str_eq_c(type, "batch"))
		b.type = FHIR_BUNDLE_BATCH;
	else
		return rk_fail_at(err, RK_INVALID, "Bundle.type",
				  "Bundle.type is '%.*s'; POST /fhir takes a transaction or a batch", clip(type),
				  type.ptr);
	json_t *entries = json_object_get(doc, "entry");
	if (entries && !json_is_array(entries))
		return rk_fail_at(err, RK_INVALID, "Bundle.entry", "Bundle.entry must be an array");
	b.n = json_array_size(entries);
	if (b.n > max_entries)
		return rk_fail_at(
			err, RK_TOO_LARGE, "Bundle.entry",
			"the Bundle has %zu entries; at most %zu are taken in one request (RK_MAX_BUNDLE_ENTRIES); "
			"split it",
			b.n, max_entries);
	if (!(b.entries = arena_calloc(a, b.n ? b.n : 1, sizeof *b.entries)))
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < b.n && rc == RK_OK; i++) {
		struct fhir_bundle_entry *e = &b.entries[i];
		e->index = i;
		json_t *ent = json_array_get(entries, i);
		struct str inner;
		json_t *res = json_object_get(ent, "resource");
		if (json_is_object(res) && rk_json_str(res, "resourceType", &inner) && str_eq_c(inner, "Bundle"))
			return rk_fail_at(
				err, RK_INVALID, "Bundle.entry.resource",
				"Bundle.entry[%zu]: a Bundle inside a Bundle is not taken; send each Bundle by itself",
				i);
		struct rk_err why;
		rk_err_clear(&why);
		if (parse_entry(ent, e, &why) != RK_OK)
			rc = entry_problem(&b, e, a, &why, err);
	}
	if (rc == RK_OK)
		rc = index_urls(&b, a, err);
	if (rc == RK_OK)
		rc = check_unique(&b, err);
	size_t *mark = arena_calloc(a, b.n ? b.n : 1, sizeof *mark),
	       *puts = arena_calloc(a, b.n ? b.n : 1, sizeof *puts);
	size_t n_puts = 0;
	if (!mark || !puts)
		rc = rk_fail(err, RK_TOO_LARGE, "out of request memory");
	for (size_t i = 0; i < b.n && rc == RK_OK; i++)
		if (b.entries[i].method == FHIR_BM_PUT && writes(&b.entries[i]))
			puts[n_puts++] = i;
	for (size_t i = 0; i < b.n && rc == RK_OK; i++) {
		struct fhir_bundle_entry *e = &b.entries[i];
		if (!writes(e))
			continue;
		struct rk_err why;
		rk_err_clear(&why);
		struct deps_ctx d = {.b = &b, .e = e, .a = a, .mark = mark, .puts = puts, .n_puts = n_puts};
		enum rk_status wr = b.type == FHIR_BUNDLE_TRANSACTION
					    ? walk_refs(e->resource, 0, dep_of, &d, &why)
					    : walk_refs(e->resource, 0, no_local_refs, NULL, &why);
		if (wr != RK_OK)
			rc = entry_problem(&b, e, a, &why, err);
	}
	if (rc == RK_OK)
		rc = plan(&b, a, err);
	if (rc == RK_OK)
		*out = b;
	return rc;
}

struct resolve_ctx {
	const struct fhir_bundle *b;
	struct arena *a;
};

static enum rk_status resolve_one(void *vctx, json_t *ref, struct rk_err *err)
{
	struct resolve_ctx *rc = vctx;
	struct str r = rk_json_strv(ref);
	if (!local_name(r))
		return RK_OK;
	const struct fhir_bundle_entry *t = by_full_url(rc->b, r);
	if (!t || !t->def || !t->id.len)
		return rk_fail(err, RK_INVALID, "reference '%.*s' names no entry written before this one", clip(r),
			       r.ptr);
	char buf[RK_MAX_TYPE_LEN + RK_MAX_ID_LEN + 2];
	snprintf(buf, sizeof buf, "%s/%.*s", t->def->name, STR_FMT(t->id));
	if (json_string_set(ref, buf) != 0)
		return rk_fail(err, RK_TOO_LARGE, "out of memory");
	return RK_OK;
}

enum rk_status fhir_bundle_resolve(const struct fhir_bundle *b, struct fhir_bundle_entry *e, struct arena *a,
				   struct rk_err *err)
{
	if (!e->resource)
		return RK_OK;
	struct resolve_ctx rc = {.b = b, .a = a};
	return walk_refs(e->resource, 0, resolve_one, &rc, err);
}
