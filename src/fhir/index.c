/* index.c — walk each search parameter's path through the resource (using the
 * element tables to know each step's datatype) and emit index entries. */
#include "fhir/index.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/textnorm.h"
#include "core/time.h"
#include "fhir/jpcore.h"

struct ix {
	const struct fhir_resource_def *def;
	const struct fhir_search_param *sp;
	struct arena *a;
	struct store_index_entry *items;
	size_t n, cap;
	struct rk_err *err;
};

static enum rk_status emit(struct ix *x, struct store_index_entry e)
{
	if (x->n == x->cap) {
		if (x->cap >= RK_MAX_INDEX_VALUES)
			return rk_fail(x->err, RK_TOO_LARGE, "resource has more than %d searchable values",
				       RK_MAX_INDEX_VALUES);
		size_t cap = x->cap ? x->cap * 2 : 32;
		struct store_index_entry *n = arena_alloc(x->a, cap * sizeof *n);
		if (!n)
			return rk_fail(x->err, RK_TOO_LARGE, "out of request memory while indexing");
		if (x->n)
			memcpy(n, x->items, x->n * sizeof *n);
		x->items = n;
		x->cap = cap;
	}
	e.param = x->sp->name;
	x->items[x->n++] = e;
	return RK_OK;
}

static struct str jstr(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? rk_json_strv(v) : STR_NULL;
}

static enum rk_status emit_token(struct ix *x, struct str system, struct str code)
{
	if (!code.len)
		return RK_OK;
	/* a JP Core system sent by its OID is indexed under its URI (search maps the query alike) */
	system = system.ptr ? jp_system_canonical(system) : STR_LIT("");
	return emit(x, (struct store_index_entry){.kind = IDX_TOKEN, .a = system, .b = code});
}

static enum rk_status emit_string(struct ix *x, struct str raw)
{
	if (!raw.len)
		return RK_OK;
	struct buf key;
	buf_init(&key, RK_MAX_STRING_BYTES);
	enum rk_status rc = textnorm_search_key(raw, &key);
	if (rc != RK_OK) {
		buf_free(&key);
		return rk_fail(x->err, rc, "cannot index a string of %s", x->sp->name);
	}
	struct str k = arena_str(x->a, buf_str(&key));
	buf_free(&key);
	if (!k.ptr)
		return rk_fail(x->err, RK_TOO_LARGE, "out of request memory while indexing");
	if (!k.len)
		return RK_OK;
	return emit(x, (struct store_index_entry){.kind = IDX_STRING, .a = k, .b = raw});
}

static enum rk_status emit_date(struct ix *x, struct str v, enum time_kind kind, bool lo_open, bool hi_open)
{
	struct time_range r;
	if (!time_parse_fhir(v, kind, &r))
		return RK_OK; /* validated before; a non-date leaf is not indexed */
	return emit(x, (struct store_index_entry){.kind = IDX_DATE,
						  .lo = lo_open ? RK_TIME_MIN_MS : r.lo,
						  .hi = hi_open ? RK_TIME_MAX_MS : r.hi});
}

static bool filter_ok(const struct ix *x, const json_t *obj)
{
	if (!x->sp->filter)
		return true;
	struct str key, want;
	str_cut(str_c(x->sp->filter), '=', &key, &want);
	char k[32];
	str_copy(k, sizeof k, key);
	return str_eq(jstr(obj, k), want);
}

/* Emit what a leaf value of datatype `type` contributes to the parameter. */
static enum rk_status leaf(struct ix *x, const char *type, const json_t *v)
{
	enum rk_status rc = RK_OK;
	switch (x->sp->type) {
	case SP_TOKEN:
		if (json_is_boolean(v))
			return emit_token(x, STR_NULL, json_is_true(v) ? STR_LIT("true") : STR_LIT("false"));
		if (json_is_string(v))
			return emit_token(x, STR_NULL, rk_json_strv(v));
		if (!json_is_object(v) || !filter_ok(x, v))
			return RK_OK;
		if (strcmp(type, "Identifier") == 0)
			return emit_token(x, jstr(v, "system"), jstr(v, "value"));
		if (strcmp(type, "ContactPoint") == 0)
			return emit_token(x, STR_NULL, jstr(v, "value"));
		if (strcmp(type, "Coding") == 0)
			return emit_token(x, jstr(v, "system"), jstr(v, "code"));
		if (strcmp(type, "CodeableConcept") == 0) {
			size_t i;
			json_t *c;
			json_array_foreach(json_object_get(v, "coding"), i, c)
			{
				rc = emit_token(x, jstr(c, "system"), jstr(c, "code"));
				if (rc != RK_OK)
					return rc;
			}
		}
		return RK_OK;
	case SP_STRING:
		if (json_is_string(v))
			return emit_string(x, rk_json_strv(v));
		if (!json_is_object(v))
			return RK_OK;
		if (strcmp(type, "HumanName") == 0) {
			static const char *const parts[] = {"family", "text"};
			static const char *const lists[] = {"given", "prefix", "suffix"};
			for (size_t i = 0; i < 2 && rc == RK_OK; i++)
				rc = emit_string(x, jstr(v, parts[i]));
			for (size_t i = 0; i < 3 && rc == RK_OK; i++) {
				size_t k;
				json_t *g;
				json_array_foreach(json_object_get(v, lists[i]), k,
						   g) if (rc == RK_OK && json_is_string(g)) rc =
					emit_string(x, rk_json_strv(g));
			}
			/* family + given together, so "山田太郎" and "ヤマダタロウ" match. */
			struct str fam = jstr(v, "family");
			json_t *g0 = json_array_get(json_object_get(v, "given"), 0);
			if (rc == RK_OK && fam.len && json_is_string(g0)) {
				char *both = arena_printf(x->a, "%.*s%s", STR_FMT(fam), json_string_value(g0));
				if (!both)
					return rk_fail(x->err, RK_TOO_LARGE, "out of request memory while indexing");
				rc = emit_string(x, str_c(both));
			}
			return rc;
		}
		if (strcmp(type, "Address") == 0) {
			static const char *const parts[] = {"text",  "city",       "district",
							    "state", "postalCode", "country"};
			for (size_t i = 0; i < 6 && rc == RK_OK; i++)
				rc = emit_string(x, jstr(v, parts[i]));
			size_t k;
			json_t *l;
			json_array_foreach(json_object_get(v, "line"), k, l) if (rc == RK_OK && json_is_string(l)) rc =
				emit_string(x, rk_json_strv(l));
			return rc;
		}
		return RK_OK;
	case SP_DATE:
		if (json_is_string(v))
			return emit_date(x, rk_json_strv(v), strcmp(type, "date") == 0 ? TIME_DATE : TIME_DATETIME,
					 false, false);
		if (json_is_object(v) && strcmp(type, "Period") == 0) {
			struct str s = jstr(v, "start"), e = jstr(v, "end");
			struct time_range a = {RK_TIME_MIN_MS, RK_TIME_MIN_MS, TP_DAY},
					  b = {RK_TIME_MAX_MS, RK_TIME_MAX_MS, TP_DAY};
			if (s.len && !time_parse_fhir(s, TIME_DATETIME, &a))
				return RK_OK;
			if (e.len && !time_parse_fhir(e, TIME_DATETIME, &b))
				return RK_OK;
			return emit(x, (struct store_index_entry){.kind = IDX_DATE, .lo = a.lo, .hi = b.hi});
		}
		return RK_OK;
	case SP_REFERENCE: {
		struct str ref = jstr(v, "reference"), t, id, rest;
		if (!ref.len || str_starts_with(ref, "http://") || str_starts_with(ref, "https://"))
			return RK_OK;
		if (!str_cut(ref, '/', &t, &rest))
			return RK_OK;
		str_cut(rest, '/', &id, &rest);
		if (x->sp->filter && str_starts_with(str_c(x->sp->filter), "target=") &&
		    !str_eq_c(t, x->sp->filter + 7))
			return RK_OK; /* "patient" indexes only the Patient references of "subject" */
		return emit(x, (struct store_index_entry){.kind = IDX_REFERENCE, .a = t, .b = id});
	}
	}
	return RK_OK;
}

/* Follow path (dotted) from value v of datatype type. */
static enum rk_status walk(struct ix *x, const char *type, const json_t *v, const char *path)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item)
		{
			enum rk_status rc = walk(x, type, item, path);
			if (rc != RK_OK)
				return rc;
		}
		return RK_OK;
	}
	if (!*path)
		return leaf(x, type, v);
	if (!json_is_object(v))
		return RK_OK;
	const char *dot = strchr(path, '.');
	size_t seg = dot ? (size_t)(dot - path) : strlen(path);
	const char *next = dot ? dot + 1 : "";
	char base[64];
	str_copy(base, sizeof base, str_c(type));
	char *paren = strchr(base, '(');
	if (paren)
		*paren = '\0';
	const struct fhir_typedef *td = fhir_typedef_find(base);
	if (!td)
		return RK_OK;
	for (size_t i = 0; i < td->n_elems; i++) {
		const struct fhir_elem *e = &td->elems[i];
		const char *bracket = strstr(e->name, "[x]");
		size_t nl = bracket ? (size_t)(bracket - e->name) : strlen(e->name);
		if (nl != seg || strncmp(e->name, path, seg) != 0)
			continue;
		if (!bracket)
			return walk(x, e->type, json_object_get(v, e->name), next);
		/* choice: find the member present, e.g. effectiveDateTime */
		struct str rest = str_c(e->type), t;
		while (str_next(&rest, '|', &t)) {
			char key[96], tname[64];
			str_copy(tname, sizeof tname, t);
			/* path segment + type with a capital: effective + dateTime → effectiveDateTime */
			if (seg + 1 >= sizeof key)
				continue;
			memcpy(key, path, seg);
			str_copy(key + seg, sizeof key - seg, str_c(tname));
			if (key[seg] >= 'a' && key[seg] <= 'z')
				key[seg] = (char)(key[seg] - 'a' + 'A');
			json_t *m = json_object_get(v, key);
			if (m)
				return walk(x, tname, m, next);
		}
		return RK_OK;
	}
	return RK_OK;
}

enum rk_status fhir_index_extract(const struct fhir_resource_def *def, const json_t *res, struct arena *a,
				  struct store_index_entry **out, size_t *n_out, struct rk_err *err)
{
	struct ix x = {.def = def, .a = a, .err = err};
	for (size_t i = 0; i < def->n_params; i++) {
		x.sp = &def->params[i];
		enum rk_status rc = walk(&x, def->name, res, x.sp->path);
		if (rc != RK_OK)
			return rc;
	}
	*out = x.items;
	*n_out = x.n;
	return RK_OK;
}
