/* search.c — parameter parsing per search type (token, string, date,
 * reference, _id, _lastUpdated) and the result controls (_count, _offset,
 * _sort, _total, _summary, _format). */
#include "fhir/search.h"

#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/textnorm.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/validate.h"

struct parse {
	const struct fhir_resource_def *def;
	const struct fhir_search_opts *o;
	struct arena *a;
	struct rk_err *err;
	struct store_cond *conds;
	size_t n_conds;
	struct store_sort *sorts;
	size_t n_sorts;
	struct buf canon;
};

static enum rk_status oom(struct parse *p)
{
	return rk_fail(p->err, RK_TOO_LARGE, "search needs more memory than a request may use");
}

/* Split v at unescaped sep; false when there is none. */
static bool cut_unescaped(struct str v, char sep, struct str *before, struct str *after)
{
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] == '\\') {
			i++;
			continue;
		}
		if (v.ptr[i] == sep) {
			*before = (struct str){v.ptr, i};
			*after = (struct str){v.ptr + i + 1, v.len - i - 1};
			return true;
		}
	}
	*before = v;
	*after = (struct str){v.ptr + v.len, 0};
	return false;
}

/* Remove FHIR search escapes (\, \| \$ \\). */
static struct str unescape(struct parse *p, struct str v)
{
	if (str_index(v, '\\') < 0)
		return v;
	char *o = arena_alloc(p->a, v.len + 1);
	if (!o)
		return STR_NULL;
	size_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] == '\\' && i + 1 < v.len)
			i++;
		o[n++] = v.ptr[i];
	}
	o[n] = '\0';
	return (struct str){o, n};
}

static enum rk_status bad_value(struct parse *p, struct str key, struct str v, const char *why)
{
	return rk_fail_at(p->err, RK_INVALID, "query", "search parameter '%.*s': value '%.*s' %s", STR_FMT(key),
			  (int)(v.len > 80 ? 80 : v.len), v.ptr, why);
}

static enum rk_status parse_token(struct parse *p, struct str key, struct str v, struct store_value *out)
{
	struct str sys, code;
	if (cut_unescaped(v, '|', &sys, &code)) {
		out->has_system = true;
		out->system = unescape(p, sys);
		if (out->system.ptr) /* a JP Core system by its OID finds what was indexed under its URI */
			out->system = jp_system_canonical(out->system);
		out->code = unescape(p, code);
		if (!out->code.len && !out->system.len)
			return bad_value(p, key, v, "has neither a system nor a code");
		/* "system|" matches every code of that system (FHIR token search) */
	} else {
		out->code = unescape(p, v);
	}
	if ((!out->code.ptr) || (out->has_system && !out->system.ptr))
		return oom(p);
	return RK_OK;
}

static enum rk_status parse_string(struct parse *p, struct str key, enum store_modifier mod, struct str v,
				   struct store_value *out)
{
	struct str raw = unescape(p, v);
	if (!raw.ptr)
		return oom(p);
	if (mod == MOD_EXACT) {
		out->code = raw;
		return RK_OK;
	}
	struct buf k;
	buf_init(&k, RK_MAX_SEARCH_VALUE * 4);
	enum rk_status rc = textnorm_search_key(raw, &k);
	if (rc == RK_OK && k.len == 0)
		rc = RK_INVALID;
	if (rc != RK_OK) {
		buf_free(&k);
		return bad_value(p, key, v, "has no searchable characters");
	}
	if (mod == MOD_CONTAINS) {
		struct buf like;
		buf_init(&like, RK_MAX_SEARCH_VALUE * 8);
		buf_putc(&like, '%');
		for (size_t i = 0; i < k.len; i++) {
			char c = k.data[i];
			if (c == '%' || c == '_' || c == '\\')
				buf_putc(&like, '\\');
			buf_putc(&like, c);
		}
		buf_putc(&like, '%');
		out->code = arena_str(p->a, buf_str(&like));
		buf_free(&like);
	} else {
		out->code = arena_str(p->a, buf_str(&k));
		struct buf up;
		buf_init(&up, RK_MAX_SEARCH_VALUE * 4 + 8);
		if (textnorm_prefix_upper(buf_str(&k), &up) != RK_OK) {
			rc = bad_value(p, key, v, "ends in the noncharacter U+10FFFF");
		} else {
			out->upper = arena_str(p->a, buf_str(&up));
			if (!out->upper.ptr)
				rc = oom(p);
		}
		buf_free(&up);
	}
	buf_free(&k);
	if (!out->code.ptr)
		return oom(p);
	return rc;
}

static const struct {
	const char *text;
	enum store_prefix prefix;
} prefixes[] = {
	{"eq", PFX_EQ}, {"ne", PFX_NE}, {"gt", PFX_GT}, {"lt", PFX_LT}, {"ge", PFX_GE},
	{"le", PFX_LE}, {"sa", PFX_SA}, {"eb", PFX_EB}, {"ap", PFX_AP},
};

static enum rk_status parse_date(struct parse *p, struct str key, struct str v, struct store_value *out)
{
	struct str d = v;
	out->prefix = PFX_EQ;
	if (v.len >= 2 && v.ptr[0] >= 'a' && v.ptr[0] <= 'z') {
		bool found = false;
		for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
			if (v.ptr[0] == prefixes[i].text[0] && v.ptr[1] == prefixes[i].text[1]) {
				out->prefix = prefixes[i].prefix;
				found = true;
			}
		}
		if (!found)
			return bad_value(p, key, v, "has an unknown prefix (use eq, ne, gt, lt, ge, le, sa, eb or ap)");
		d = (struct str){v.ptr + 2, v.len - 2};
	}
	struct time_range r;
	if (!time_parse_fhir(d, TIME_SEARCH, &r))
		return bad_value(p, key, v, "is not a date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss][zone])");
	out->lo = r.lo;
	out->hi = r.hi;
	if (out->prefix == PFX_AP) {
		/* FHIR suggests 10% of the distance to now; at least a day either side. */
		int64_t gap = (p->o->now > r.lo ? p->o->now - r.lo : r.lo - p->o->now) / 10;
		if (gap < 86400000)
			gap = 86400000;
		out->lo -= gap;
		out->hi += gap;
	}
	return RK_OK;
}

static enum rk_status parse_reference(struct parse *p, struct str key, struct str type_mod, struct str v,
				      struct store_value *out)
{
	struct str t = STR_NULL, id = v, rest;
	if (str_starts_with(v, "http://") || str_starts_with(v, "https://")) {
		/* Absolute: take the last two segments as Type/id. */
		long last = -1, prev = -1;
		for (size_t i = 0; i < v.len; i++)
			if (v.ptr[i] == '/') {
				prev = last;
				last = (long)i;
			}
		if (prev < 0)
			return bad_value(p, key, v, "is not a reference (Type/id)");
		t = (struct str){v.ptr + prev + 1, (size_t)(last - prev - 1)};
		id = (struct str){v.ptr + last + 1, v.len - (size_t)last - 1};
	} else if (str_cut(v, '/', &t, &rest)) {
		id = rest;
	} else {
		t = STR_NULL;
	}
	if (type_mod.len) {
		if (t.len && !str_eq(t, type_mod))
			return bad_value(p, key, v, "names another type than the :Type modifier");
		t = type_mod;
	}
	/* A parameter that only ever points at one type ("patient") takes a bare id. */
	const struct fhir_search_param *sp = fhir_search_param_find(p->def, key.ptr, key.len);
	if (sp && sp->filter && str_starts_with(str_c(sp->filter), "target=")) {
		struct str target = str_c(sp->filter + 7);
		if (t.len && !str_eq(t, target))
			return bad_value(p, key, v, "must name a Patient (Patient/<id> or <id>)");
		t = target;
	}
	if (t.len && !fhir_is_r4_resource_name(t.ptr, t.len))
		return bad_value(p, key, v, "names an unknown resource type");
	if (!fhir_id_valid(id))
		return bad_value(p, key, v, "has an invalid id");
	out->system = t;
	out->code = id;
	return RK_OK;
}

/* Split a parameter's value into OR-ed values and parse each. */
static enum rk_status parse_values(struct parse *p, struct str key, struct store_cond *c, struct str type_mod,
				   struct str value)
{
	struct store_value *vals = arena_calloc(p->a, RK_MAX_PARAM_VALUES, sizeof *vals);
	if (!vals)
		return oom(p);
	size_t n = 0;
	struct str rest = value, one;
	bool more = true;
	while (more) {
		more = cut_unescaped(rest, ',', &one, &rest);
		if (n == RK_MAX_PARAM_VALUES)
			return rk_fail_at(p->err, RK_INVALID, "query",
					  "search parameter '%.*s' has more than %d values", STR_FMT(key),
					  RK_MAX_PARAM_VALUES);
		if (!one.len)
			return bad_value(p, key, value, "has an empty value");
		struct store_value *v = &vals[n++];
		enum rk_status rc = RK_OK;
		switch (c->kind) {
		case COND_TOKEN: rc = parse_token(p, key, one, v); break;
		case COND_STRING: rc = parse_string(p, key, c->modifier, one, v); break;
		case COND_DATE:
		case COND_LAST_UPDATED: rc = parse_date(p, key, one, v); break;
		case COND_REFERENCE: rc = parse_reference(p, key, type_mod, one, v); break;
		case COND_ID:
			v->code = one;
			if (!fhir_id_valid(one))
				rc = bad_value(p, key, one, "is not a valid id");
			break;
		}
		if (rc != RK_OK)
			return rc;
	}
	c->values = vals;
	c->n_values = n;
	return RK_OK;
}

static void canon_add(struct parse *p, struct str key, struct str value)
{
	if (p->canon.len)
		buf_putc(&p->canon, '&');
	buf_put_urlenc(&p->canon, key);
	buf_putc(&p->canon, '=');
	buf_put_urlenc(&p->canon, value);
}

static enum store_cond_kind kind_of(enum fhir_sp_type t)
{
	switch (t) {
	case SP_TOKEN: return COND_TOKEN;
	case SP_STRING: return COND_STRING;
	case SP_DATE: return COND_DATE;
	case SP_REFERENCE: return COND_REFERENCE;
	}
	return COND_TOKEN;
}

static enum rk_status parse_sort(struct parse *p, struct str value)
{
	struct str rest = value, one;
	while (str_next(&rest, ',', &one)) {
		bool desc = false;
		if (one.len && one.ptr[0] == '-') {
			desc = true;
			one.ptr++;
			one.len--;
		}
		struct store_sort s = {.desc = desc};
		const struct fhir_search_param *sp;
		if (str_eq_c(one, "_id")) {
			s.kind = COND_ID;
			s.param = "_id";
		} else if (str_eq_c(one, "_lastUpdated")) {
			s.kind = COND_LAST_UPDATED;
			s.param = "_lastUpdated";
		} else if ((sp = fhir_search_param_find(p->def, one.ptr, one.len)) && sp->type != SP_REFERENCE) {
			s.kind = kind_of(sp->type);
			s.param = sp->name;
		} else {
			return rk_fail_at(p->err, RK_INVALID, "_sort",
					  "_sort: '%.*s' is not a sortable parameter of %s", STR_FMT(one),
					  p->def->name);
		}
		if (p->n_sorts == 4)
			return rk_fail_at(p->err, RK_INVALID, "_sort", "_sort: at most 4 sort keys");
		p->sorts[p->n_sorts++] = s;
	}
	return RK_OK;
}

/* _include / _revinclude: Type:param[:target], the param a reference
 * parameter of Type, and the link between Type and the searched type. */
static enum rk_status parse_include(struct parse *p, const struct fhir_resource_def *def, struct fhir_search *out,
				    struct str name, struct str mod, struct str value)
{
	bool rev = str_eq_c(name, "_revinclude");
	if (mod.len && str_eq_c(mod, "iterate"))
		return rk_fail_at(
			p->err, RK_INVALID, "query",
			"%.*s:iterate is not supported: included resources are not followed further (no include loops)",
			STR_FMT(name));
	if (mod.len)
		return rk_fail_at(p->err, RK_INVALID, "query", "modifier ':%.*s' is not supported for %.*s",
				  STR_FMT(mod), STR_FMT(name));
	if (out->n_includes == FHIR_MAX_INCLUDES)
		return rk_fail_at(p->err, RK_INVALID, "query", "at most %d _include and _revinclude parameters",
				  FHIR_MAX_INCLUDES);
	struct str type, param, target = STR_NULL, rest;
	if (!str_cut(value, ':', &type, &rest) || !type.len)
		return bad_value(p, name, value,
				 "must be Type:parameter (e.g. MedicationRequest:requester); '*' is not supported");
	if (!str_cut(rest, ':', &param, &target))
		param = rest;
	const struct fhir_resource_def *src = fhir_resource_find(type.ptr, type.len);
	if (!src)
		return bad_value(p, name, value, "names a resource type this server does not serve");
	if (!rev && src != def)
		return bad_value(p, name, value, "must name the searched type");
	const struct fhir_search_param *sp = fhir_search_param_find(src, param.ptr, param.len);
	if (!sp || sp->type != SP_REFERENCE)
		return bad_value(p, name, value, "does not name a reference parameter of that type");
	if (target.len && !fhir_resource_find(target.ptr, target.len))
		return bad_value(p, name, value, "names a target type this server does not serve");
	if (rev && target.len && !str_eq_c(target, def->name))
		return bad_value(p, name, value, "must point at the searched type");
	struct fhir_include *inc = &out->includes[out->n_includes++];
	inc->rev = rev;
	inc->type = src->name;
	inc->param = sp->name;
	inc->target = target.len ? fhir_resource_find(target.ptr, target.len)->name : NULL;
	return RK_OK;
}

/* Result controls; *handled is false for anything else. */
static enum rk_status parse_control(struct parse *p, struct fhir_search *out, struct str key, struct str value,
				    bool *handled)
{
	*handled = true;
	int64_t n;
	if (str_eq_c(key, "_count")) {
		if (!str_to_i64(value, 0, INT64_MAX, &n))
			return rk_fail_at(p->err, RK_INVALID, "_count", "_count must be a whole number, not '%.*s'",
					  STR_FMT(value));
		if (n > p->o->max_count)
			return rk_fail_at(p->err, RK_INVALID, "_count",
					  "_count %lld is above the maximum of %lld; page through the results instead",
					  (long long)n, (long long)p->o->max_count);
		out->q.count = n;
		return RK_OK;
	}
	if (str_eq_c(key, "_offset")) {
		if (!str_to_i64(value, 0, RK_MAX_OFFSET, &n))
			return rk_fail_at(p->err, RK_INVALID, "_offset", "_offset must be a whole number from 0 to %d",
					  RK_MAX_OFFSET);
		out->q.offset = n;
		return RK_OK;
	}
	if (str_eq_c(key, "_sort"))
		return parse_sort(p, value);
	if (str_eq_c(key, "_total")) {
		if (str_eq_c(value, "none"))
			out->q.want_total = false;
		else if (str_eq_c(value, "accurate") || str_eq_c(value, "estimate"))
			out->q.want_total = true;
		else
			return rk_fail_at(p->err, RK_INVALID, "_total", "_total must be none, estimate or accurate");
		return RK_OK;
	}
	if (str_eq_c(key, "_summary")) {
		if (str_eq_c(value, "count")) {
			out->summary_count = true;
			out->q.want_total = true;
		} else if (!str_eq_c(value, "false")) {
			return rk_fail_at(p->err, RK_INVALID, "_summary", "_summary supports count and false");
		}
		return RK_OK;
	}
	if (str_eq_c(key, "_format")) {
		if (!str_eq_c(value, "json") && !str_eq_c(value, "application/json") &&
		    !str_eq_c(value, "application/fhir+json"))
			return rk_fail(p->err, RK_NOT_ACCEPTABLE,
				       "_format '%.*s' is not supported; renkei speaks JSON only", STR_FMT(value));
		return RK_OK;
	}
	if (str_eq_c(key, "_pretty"))
		return RK_OK;
	*handled = false;
	return RK_OK;
}

enum rk_status fhir_search_parse(const struct fhir_resource_def *def, const struct str_pair *params, size_t n,
				 const struct fhir_search_opts *o, struct arena *a, struct fhir_search *out,
				 struct rk_err *err)
{
	struct parse p = {.def = def, .o = o, .a = a, .err = err};
	if (n > RK_MAX_QUERY_PARAMS)
		return rk_fail_at(err, RK_INVALID, "query", "more than %d search parameters", RK_MAX_QUERY_PARAMS);
	p.conds = arena_calloc(a, n ? n : 1, sizeof *p.conds);
	p.sorts = arena_calloc(a, 4, sizeof *p.sorts);
	if (!p.conds || !p.sorts)
		return oom(&p);
	memset(out, 0, sizeof *out);
	out->q.type = def->name;
	out->q.count = o->default_count;
	out->q.want_total = true;
	buf_init(&p.canon, RK_MAX_URL);
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < n && rc == RK_OK; i++) {
		struct str key = params[i].key, value = params[i].value;
		if (!str_is_utf8(key) || !str_is_utf8(value)) {
			rc = rk_fail_at(err, RK_INVALID, "query", "search parameters must be valid UTF-8");
			break;
		}
		if (value.len > RK_MAX_SEARCH_VALUE) {
			rc = rk_fail_at(err, RK_INVALID, "query", "search parameter '%.*s' is longer than %d bytes",
					STR_FMT(key), RK_MAX_SEARCH_VALUE);
			break;
		}
		bool handled;
		rc = parse_control(&p, out, key, value, &handled);
		if (rc != RK_OK || handled)
			continue;
		struct str name, mod;
		bool has_mod = str_cut(key, ':', &name, &mod);
		if (str_index(name, '.') >= 0) {
			rc = rk_fail_at(err, RK_INVALID, "query", "chained search ('%.*s') is not supported",
					STR_FMT(key));
			break;
		}
		if (str_eq_c(name, "_include") || str_eq_c(name, "_revinclude")) {
			rc = parse_include(&p, def, out, name, has_mod ? mod : STR_NULL, value);
			if (rc != RK_OK)
				break;
			canon_add(&p, key, value);
			continue;
		}
		if (str_starts_with(key, "_has") || str_eq_c(name, "_elements") || str_eq_c(name, "_contained") ||
		    str_eq_c(name, "_containedType") || str_eq_c(name, "_text") || str_eq_c(name, "_content") ||
		    str_eq_c(name, "_list") || str_eq_c(name, "_query") || str_eq_c(name, "_filter") ||
		    str_eq_c(name, "_tag") || str_eq_c(name, "_profile") || str_eq_c(name, "_security") ||
		    str_eq_c(name, "_source")) {
			rc = rk_fail_at(err, RK_INVALID, "query",
					"search parameter '%.*s' is not supported by this server", STR_FMT(name));
			break;
		}
		struct store_cond c = {.modifier = MOD_NONE};
		const struct fhir_search_param *sp = NULL;
		if (str_eq_c(name, "_id")) {
			c.kind = COND_ID;
			c.param = "_id";
		} else if (str_eq_c(name, "_lastUpdated")) {
			c.kind = COND_LAST_UPDATED;
			c.param = "_lastUpdated";
		} else if ((sp = fhir_search_param_find(def, name.ptr, name.len))) {
			c.kind = kind_of(sp->type);
			c.param = sp->name;
		} else if (o->lenient) {
			continue;
		} else {
			rc = rk_fail_at(
				err, RK_INVALID, "query",
				"unknown search parameter '%.*s' for %s (see /fhir/metadata for the supported ones)",
				STR_FMT(name), def->name);
			break;
		}
		struct str type_mod = STR_NULL;
		if (has_mod) {
			if (str_eq_c(mod, "missing")) {
				c.modifier = MOD_MISSING;
			} else if (str_eq_c(mod, "exact") && c.kind == COND_STRING) {
				c.modifier = MOD_EXACT;
			} else if (str_eq_c(mod, "contains") && c.kind == COND_STRING) {
				c.modifier = MOD_CONTAINS;
			} else if (str_eq_c(mod, "not") && (c.kind == COND_TOKEN || c.kind == COND_ID)) {
				c.modifier = MOD_NOT;
			} else if (c.kind == COND_REFERENCE && fhir_is_r4_resource_name(mod.ptr, mod.len)) {
				type_mod = mod;
			} else {
				rc = rk_fail_at(err, RK_INVALID, "query",
						"modifier ':%.*s' is not supported for parameter '%.*s'", STR_FMT(mod),
						STR_FMT(name));
				break;
			}
			if (c.modifier == MOD_MISSING && (c.kind == COND_ID || c.kind == COND_LAST_UPDATED)) {
				rc = rk_fail_at(err, RK_INVALID, "query", "':missing' does not apply to %.*s",
						STR_FMT(name));
				break;
			}
		}
		if (c.modifier == MOD_MISSING) {
			if (str_eq_c(value, "true"))
				c.missing = true;
			else if (!str_eq_c(value, "false")) {
				rc = bad_value(&p, key, value, "must be true or false for :missing");
				break;
			}
		} else {
			rc = parse_values(&p, key, &c, type_mod, value);
			if (rc != RK_OK)
				break;
		}
		p.conds[p.n_conds++] = c;
		canon_add(&p, key, value);
	}
	if (rc == RK_OK) {
		for (size_t i = 0; i < p.n_sorts; i++) {
			/* re-emit _sort in canonical form */
			if (i == 0) {
				if (p.canon.len)
					buf_putc(&p.canon, '&');
				buf_puts(&p.canon, "_sort=");
			} else {
				buf_puts(&p.canon, "%2C");
			}
			if (p.sorts[i].desc)
				buf_putc(&p.canon, '-');
			buf_puts(&p.canon, p.sorts[i].param);
		}
		if (!out->q.want_total && !out->summary_count)
			buf_puts(&p.canon, p.canon.len ? "&_total=none" : "_total=none");
		if (out->summary_count) {
			buf_puts(&p.canon, p.canon.len ? "&_summary=count" : "_summary=count");
			out->q.count = 0;
		} else {
			if (p.canon.len)
				buf_putc(&p.canon, '&');
			buf_printf(&p.canon, "_count=%lld", (long long)out->q.count);
		}
		if (p.canon.overflow)
			rc = rk_fail_at(err, RK_INVALID, "query", "search URL is too long");
		out->canonical = arena_strndup(a, buf_cstr(&p.canon), p.canon.len);
		if (!out->canonical && rc == RK_OK)
			rc = oom(&p);
	}
	buf_free(&p.canon);
	out->q.conds = p.conds;
	out->q.n_conds = p.n_conds;
	out->q.sort = p.sorts;
	out->q.n_sort = p.n_sorts;
	return rc;
}
