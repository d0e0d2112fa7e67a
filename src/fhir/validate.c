/* validate.c — a table-driven walk over the resource JSON. */
#include "fhir/validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/narrative.h"

#define MAX_CONTAINED 32

struct vctx {
	fhir_ref_fn on_ref;
	void *ref_ctx;
	struct rk_err *err;
	int depth;
	/* contained resources (R4 dom-2..dom-5): their ids, whether each is
	 * referenced ("#id") or refers to its container ("#"), and whether the
	 * walk is inside one */
	const char *contained_ids[MAX_CONTAINED];
	bool contained_used[MAX_CONTAINED];
	size_t n_contained;
	int in_contained; /* index + 1 of the contained resource being checked; 0 outside */
};

/* A path under construction: "Patient.name[0].given". */
struct path {
	char buf[256];
	size_t len;
};

/* Append ".name" (fmt ".%s") or "[idx]" to the location. Runs for every
 * value of every write, so it copies instead of formatting. */
static size_t path_push(struct path *p, const char *fmt, const char *a, long idx)
{
	size_t old = p->len, room = sizeof p->buf - p->len - 1;
	char tmp[24];
	const char *add;
	size_t n;
	if (idx >= 0) {
		char digits[24];
		size_t nd = 0;
		do
			digits[nd++] = (char)('0' + idx % 10);
		while ((idx /= 10) > 0);
		n = 0;
		tmp[n++] = '[';
		while (nd)
			tmp[n++] = digits[--nd];
		tmp[n++] = ']';
		add = tmp;
	} else if (strcmp(fmt, ".%s") == 0) {
		if (room) {
			p->buf[p->len++] = '.';
			room--;
		}
		add = a;
		n = strlen(a);
	} else {
		n = (size_t)snprintf(tmp, sizeof tmp, fmt, a);
		add = tmp;
	}
	if (n > room)
		n = room;
	memcpy(p->buf + p->len, add, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return old;
}

static void path_pop(struct path *p, size_t old)
{
	p->len = old;
	p->buf[old] = '\0';
}

static enum rk_status bad(struct vctx *v, const struct path *p, const char *fmt, const char *a)
{
	char msg[RK_ERR_MSG_MAX];
	snprintf(msg, sizeof msg, fmt, a);
	return rk_fail_at(v->err, RK_INVALID, p->buf, "%s: %s", p->buf, msg);
}

bool fhir_id_valid(struct str id)
{
	if (id.len < 1 || id.len > RK_MAX_ID_LEN)
		return false;
	for (size_t i = 0; i < id.len; i++) {
		char c = id.ptr[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool fhir_code_valid(struct str c)
{
	if (c.len == 0 || is_ws(c.ptr[0]) || is_ws(c.ptr[c.len - 1]))
		return false;
	for (size_t i = 0; i < c.len; i++) {
		if (c.ptr[i] == '\t' || c.ptr[i] == '\r' || c.ptr[i] == '\n')
			return false;
		if (c.ptr[i] == ' ' && c.ptr[i + 1] == ' ')
			return false;
	}
	return true;
}

static bool no_ws(struct str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (is_ws(s.ptr[i]))
			return false;
	return s.len > 0;
}

static bool base64_valid(struct str s)
{
	size_t n = 0, pad = 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (c == '=') {
			pad++;
			n++;
			continue;
		}
		if (is_ws(c))
			continue; /* R4 allows whitespace and line breaks in base64Binary */
		if (pad)
			return false;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')
			n++;
		else
			return false;
	}
	return n % 4 == 0 && pad <= 2;
}

static bool time_valid(struct str s)
{
	/* hh:mm:ss(.f+)? */
	if (s.len < 8 || s.ptr[2] != ':' || s.ptr[5] != ':')
		return false;
	int64_t h, m, sec;
	if (!str_to_i64((struct str){s.ptr, 2}, 0, 23, &h) || !str_to_i64((struct str){s.ptr + 3, 2}, 0, 59, &m) ||
	    !str_to_i64((struct str){s.ptr + 6, 2}, 0, 60, &sec))
		return false;
	if (s.len == 8)
		return true;
	return s.ptr[8] == '.' && s.len > 9 && str_is_digits((struct str){s.ptr + 9, s.len - 9});
}

static bool oid_valid(struct str s)
{
	if (!str_starts_with(s, "urn:oid:"))
		return false;
	struct str rest = {s.ptr + 8, s.len - 8}, part;
	int parts = 0;
	while (str_next(&rest, '.', &part)) {
		if (!str_is_digits(part) || (part.len > 1 && part.ptr[0] == '0'))
			return false;
		parts++;
	}
	return parts >= 2 && (s.ptr[8] >= '0' && s.ptr[8] <= '2');
}

/* Check a primitive value's JSON type and lexical form. */
static enum rk_status check_primitive(struct vctx *v, const struct path *p, const char *type, const json_t *j,
				      const char *codes)
{
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(j) ? RK_OK : bad(v, p, "expected true or false%s", "");
	if (strcmp(type, "integer") == 0 || strcmp(type, "positiveInt") == 0 || strcmp(type, "unsignedInt") == 0) {
		if (!json_is_integer(j))
			return bad(v, p, "expected a whole number (%s)", type);
		json_int_t n = json_integer_value(j);
		json_int_t min = type[0] == 'p' ? 1 : type[0] == 'u' ? 0 : -2147483648LL;
		if (n < min || n > 2147483647LL)
			return bad(v, p, "number out of range for %s", type);
		return RK_OK;
	}
	if (strcmp(type, "decimal") == 0) {
		/* Kept as written (core/json.h): 7.0 stays 7.0. XML Schema's decimal,
		 * which FHIR's limits follow, asks for 18 digits; more is refused
		 * rather than silently rounded, and so is an exponent beyond a double. */
		char lex[24];
		struct str t = rk_json_number_lexeme(j, lex);
		double d;
		if (!json_is_number(j) && !t.len)
			return bad(v, p, "expected a number%s", "");
		if (!rk_json_number_value(j, &d))
			return bad(v, p, "number '%.64s' is beyond the range of a decimal", t.len ? t.ptr : "");
		if (t.len && rk_json_significant_digits(t) > 18)
			return bad(v, p, "number '%.64s' has more than 18 digits", t.ptr);
		return RK_OK;
	}
	if (!json_is_string(j) || rk_json_is_decimal(j))
		return bad(v, p, "expected a JSON string (%s)", type);
	struct str s = {json_string_value(j), json_string_length(j)};
	if (s.len == 0)
		return bad(v, p, "empty strings are not allowed in FHIR%s", "");
	if (s.len > RK_MAX_STRING_BYTES && strcmp(type, "base64Binary") != 0)
		return bad(v, p, "string longer than the %s-byte limit", "1048576");
	struct time_range tr;
	if (strcmp(type, "date") == 0)
		return time_parse_fhir(s, TIME_DATE, &tr)
			       ? RK_OK
			       : bad(v, p, "'%s' is not a valid FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)",
				     json_string_value(j));
	if (strcmp(type, "dateTime") == 0)
		return time_parse_fhir(s, TIME_DATETIME, &tr)
			       ? RK_OK
			       : bad(v, p,
				     "'%s' is not a valid FHIR dateTime (a date, or YYYY-MM-DDThh:mm:ss with a time zone)",
				     json_string_value(j));
	if (strcmp(type, "instant") == 0)
		return time_parse_fhir(s, TIME_INSTANT, &tr)
			       ? RK_OK
			       : bad(v, p,
				     "'%s' is not a valid FHIR instant (YYYY-MM-DDThh:mm:ss[.sss] with a time zone)",
				     json_string_value(j));
	if (strcmp(type, "time") == 0)
		return time_valid(s) ? RK_OK : bad(v, p, "'%s' is not a valid time (hh:mm:ss)", json_string_value(j));
	if (strcmp(type, "code") == 0) {
		if (!fhir_code_valid(s))
			return bad(v, p, "'%s' is not a valid code (no leading, trailing or double spaces)",
				   json_string_value(j));
		if (codes) {
			struct str rest = str_c(codes), c;
			while (str_next(&rest, '|', &c))
				if (str_eq(c, s))
					return RK_OK;
			char msg[RK_ERR_MSG_MAX];
			snprintf(msg, sizeof msg, "'%.100s' is not one of %s", json_string_value(j), codes);
			return bad(v, p, "%s", msg);
		}
		return RK_OK;
	}
	if (strcmp(type, "id") == 0)
		return fhir_id_valid(s)
			       ? RK_OK
			       : bad(v, p, "'%s' is not a valid id ([A-Za-z0-9-.]{1,64})", json_string_value(j));
	if (strcmp(type, "uri") == 0 || strcmp(type, "url") == 0 || strcmp(type, "canonical") == 0)
		return no_ws(s) ? RK_OK : bad(v, p, "a %s must not contain whitespace", type);
	if (strcmp(type, "oid") == 0)
		return oid_valid(s) ? RK_OK : bad(v, p, "'%s' is not an OID (urn:oid:1.2.3...)", json_string_value(j));
	if (strcmp(type, "uuid") == 0)
		return (str_starts_with(s, "urn:uuid:") && s.len == 45)
			       ? RK_OK
			       : bad(v, p, "'%s' is not urn:uuid:<uuid>", json_string_value(j));
	if (strcmp(type, "base64Binary") == 0)
		return base64_valid(s) ? RK_OK : bad(v, p, "not valid base64%s", "");
	if (strcmp(type, "xhtml") == 0) /* Narrative.div: what other clients' browsers would render */
		return fhir_narrative_check(s, p->buf, v->err);
	return RK_OK; /* string, markdown */
}

static enum rk_status check_complex(struct vctx *v, struct path *p, const struct fhir_typedef *td, const json_t *obj,
				    bool is_resource);

/* "Reference(Organization|Practitioner)" → base "Reference", targets "Organization|Practitioner". */
static const char *split_type(const char *type, char *base, size_t cap)
{
	const char *paren = strchr(type, '(');
	size_t n = paren ? (size_t)(paren - type) : strlen(type);
	if (n >= cap)
		n = cap - 1;
	memcpy(base, type, n);
	base[n] = '\0';
	return paren ? paren + 1 : NULL;
}

static bool target_allowed(const char *targets, struct str type)
{
	if (!targets)
		return true;
	struct str rest = str_c(targets), t;
	if (rest.len && rest.ptr[rest.len - 1] == ')')
		rest.len--;
	while (str_next(&rest, '|', &t))
		if (str_eq(t, type) || str_eq_c(t, "Resource"))
			return true;
	return false;
}

static enum rk_status check_reference(struct vctx *v, struct path *p, const json_t *obj, const char *targets)
{
	struct str ref;
	json_t *j = json_object_get(obj, "reference");
	if (!json_is_string(j))
		return RK_OK; /* identifier- or display-only references are allowed */
	ref = (struct str){json_string_value(j), json_string_length(j)};
	if (str_starts_with(ref, "#")) {
		if (ref.len == 1) { /* the container itself, from a contained resource */
			if (!v->in_contained)
				return bad(
					v, p,
					"reference '#' (the containing resource) is only allowed inside a contained resource%s",
					"");
			v->contained_used[v->in_contained - 1] = true;
			return RK_OK;
		}
		for (size_t i = 0; i < v->n_contained; i++)
			if (str_eq_c((struct str){ref.ptr + 1, ref.len - 1}, v->contained_ids[i])) {
				v->contained_used[i] = true;
				return RK_OK;
			}
		return bad(v, p, "reference '%s' names no contained resource of this resource", json_string_value(j));
	}
	if (str_starts_with(ref, "urn:uuid:") || str_starts_with(ref, "urn:oid:"))
		return bad(v, p, "'%s' can only be resolved inside a transaction Bundle", json_string_value(j));
	if (str_starts_with(ref, "http://") || str_starts_with(ref, "https://"))
		return RK_OK; /* external reference: kept as written */
	struct str type, rest, id;
	if (!str_cut(ref, '/', &type, &rest))
		return bad(v, p, "reference '%s' is not of the form Type/id", json_string_value(j));
	str_cut(rest, '/', &id, &rest);
	if (rest.len && !str_starts_with(rest, "_history/"))
		return bad(v, p, "reference '%s' is not of the form Type/id", json_string_value(j));
	if (!fhir_is_r4_resource_name(type.ptr, type.len))
		return bad(v, p, "reference '%s' names an unknown resource type", json_string_value(j));
	if (!fhir_id_valid(id))
		return bad(v, p, "reference '%s' has an invalid id", json_string_value(j));
	if (!target_allowed(targets, type)) {
		char msg[RK_ERR_MSG_MAX];
		snprintf(msg, sizeof msg, "reference to %.*s is not allowed here (allowed: %.*s)", STR_FMT(type),
			 (int)(strlen(targets) - 1), targets);
		return bad(v, p, "%s", msg);
	}
	json_t *t = json_object_get(obj, "type");
	if (json_is_string(t) && !str_eq(rk_json_strv(t), type))
		return bad(v, p, "Reference.type does not match the type in '%s'", json_string_value(j));
	if (v->on_ref)
		return v->on_ref(v->ref_ctx, type, id, p->buf, v->err);
	return RK_OK;
}

/* One value of element type `type` (a single type, not a choice list). */
static enum rk_status check_value(struct vctx *v, struct path *p, const char *type, const json_t *j, const char *codes)
{
	char base[64];
	const char *targets = split_type(type, base, sizeof base);
	if (fhir_is_primitive(base))
		return check_primitive(v, p, base, j, codes);
	const struct fhir_typedef *td = fhir_typedef_find(base);
	if (!td)
		return bad(v, p, "internal: no definition for type %s", base);
	if (!json_is_object(j))
		return bad(v, p, "expected a JSON object (%s)", base);
	if (++v->depth > RK_MAX_JSON_DEPTH) {
		v->depth--;
		return bad(v, p, "nested too deeply (more than %s levels)", "64");
	}
	enum rk_status rc = check_complex(v, p, td, j, false);
	if (rc == RK_OK && strcmp(base, "Coding") == 0) {
		json_t *sys = json_object_get(j, "system"), *code = json_object_get(j, "code");
		const char *what = "";
		if (json_is_string(sys) && json_is_string(code) &&
		    !jp_code_shape_ok(rk_json_strv(sys), rk_json_strv(code), &what)) {
			char msg[RK_ERR_MSG_MAX];
			snprintf(msg, sizeof msg, "code '%.40s' is not %s", json_string_value(code), what);
			rc = bad(v, p, "%s", msg);
		}
	}
	if (rc == RK_OK && strcmp(base, "Reference") == 0)
		rc = check_reference(v, p, j, targets);
	if (rc == RK_OK && strcmp(base, "Period") == 0) {
		json_t *s = json_object_get(j, "start"), *e = json_object_get(j, "end");
		struct time_range a, b;
		if (json_is_string(s) && json_is_string(e) && time_parse_fhir(rk_json_strv(s), TIME_DATETIME, &a) &&
		    time_parse_fhir(rk_json_strv(e), TIME_DATETIME, &b) && a.lo >= b.hi)
			rc = bad(v, p, "Period.start is after Period.end%s", "");
	}
	v->depth--;
	return rc;
}

/* A JSON member `key` and its element definition. For a choice element the
 * chosen type is written into chosen. */
static const struct fhir_elem *find_elem(const struct fhir_typedef *td, const char *key, char *chosen, size_t cap)
{
	for (size_t i = 0; i < td->n_elems; i++) {
		const struct fhir_elem *e = &td->elems[i];
		if (e->name[0] != key[0])
			continue; /* most elements differ at once: no string work for them */
		size_t nl = strlen(e->name);
		const char *bracket = nl > 3 && memcmp(e->name + nl - 3, "[x]", 3) == 0 ? e->name + nl - 3 : NULL;
		if (!bracket) {
			if (strcmp(e->name, key) == 0) {
				str_copy(chosen, cap, str_c(e->type));
				return e;
			}
			continue;
		}
		size_t bl = (size_t)(bracket - e->name);
		if (strncmp(key, e->name, bl) != 0 || !key[bl])
			continue;
		const char *suffix = key + bl;
		/* valueDateTime → dateTime (primitive), valueCodeableConcept → CodeableConcept */
		char prim[64];
		str_copy(prim, sizeof prim, str_c(suffix));
		if (prim[0] >= 'A' && prim[0] <= 'Z')
			prim[0] = (char)(prim[0] - 'A' + 'a');
		const char *want = fhir_is_primitive(prim) ? prim : suffix;
		struct str rest = str_c(e->type), t;
		while (str_next(&rest, '|', &t)) {
			if (str_eq_c(t, want)) {
				str_copy(chosen, cap, str_c(want));
				return e;
			}
		}
	}
	return NULL;
}

static bool elem_is_primitive(const struct fhir_elem *e, const char *chosen)
{
	char base[64];
	split_type(chosen ? chosen : e->type, base, sizeof base);
	return fhir_is_primitive(base);
}

/* `_name`: the id/extension of a primitive element (an object, or an array
 * parallel to the primitive array with null for no extension). */
static enum rk_status check_primitive_ext(struct vctx *v, struct path *p, const struct fhir_elem *e, const json_t *j)
{
	static const struct fhir_elem element_elems[] = {{"id", "string", 0, false, NULL},
							 {"extension", "Extension", 0, true, NULL}};
	static const struct fhir_typedef element = {"Element", element_elems, 2, false};
	if (e->many) {
		if (!json_is_array(j))
			return bad(v, p, "expected an array of primitive extensions%s", "");
		size_t i;
		json_t *item;
		json_array_foreach(j, i, item)
		{
			if (json_is_null(item))
				continue;
			size_t old = path_push(p, "", NULL, (long)i);
			enum rk_status rc = json_is_object(item) ? check_complex(v, p, &element, item, false)
								 : bad(v, p, "expected an object or null%s", "");
			path_pop(p, old);
			if (rc != RK_OK)
				return rc;
		}
		return RK_OK;
	}
	if (!json_is_object(j))
		return bad(v, p, "expected an object%s", "");
	return check_complex(v, p, &element, j, false);
}

static enum rk_status check_member(struct vctx *v, struct path *p, const struct fhir_elem *e, const char *chosen,
				   const json_t *j)
{
	if (e->many) {
		if (!json_is_array(j))
			return bad(v, p, "expected a JSON array (this element repeats)%s", "");
		if (json_array_size(j) == 0)
			return bad(v, p, "empty arrays are not allowed in FHIR%s", "");
		size_t i;
		json_t *item;
		json_array_foreach(j, i, item)
		{
			size_t old = path_push(p, "", NULL, (long)i);
			enum rk_status rc = json_is_null(item) ? bad(v, p, "null is not allowed here%s", "")
							       : check_value(v, p, chosen, item, e->codes);
			path_pop(p, old);
			if (rc != RK_OK)
				return rc;
		}
		return RK_OK;
	}
	if (json_is_array(j))
		return bad(v, p, "expected a single value, not an array%s", "");
	if (json_is_null(j))
		return bad(v, p, "null is not allowed here%s", "");
	return check_value(v, p, chosen, j, e->codes);
}

static enum rk_status check_complex(struct vctx *v, struct path *p, const struct fhir_typedef *td, const json_t *obj,
				    bool is_resource);

/* Types whose records decide who may see what, or who the patient is: never
 * contained, always records of their own. */
static bool never_contained(const char *type)
{
	return strcmp(type, "Patient") == 0 || strcmp(type, "Consent") == 0 || strcmp(type, "CareTeam") == 0 ||
	       strcmp(type, "Binary") == 0;
}

/* contained: resources of served types without their own identity (R4
 * dom-2: no nested contained; dom-4: no versionId or lastUpdated; dom-5: no
 * security labels), each with an id. Their ids were collected before the
 * walk (collect_contained); whether each is referenced is checked after it. */
static enum rk_status check_contained(struct vctx *v, struct path *p, const json_t *j)
{
	if (v->in_contained)
		return bad(v, p, "a contained resource cannot contain resources (dom-2)%s", "");
	if (!json_is_array(j) || json_array_size(j) == 0)
		return bad(v, p, "contained is a non-empty array of resources%s", "");
	size_t i;
	json_t *item;
	json_array_foreach(j, i, item)
	{
		size_t old = path_push(p, "", NULL, (long)i);
		enum rk_status rc = RK_OK;
		const char *rt = json_string_value(json_object_get(item, "resourceType"));
		const struct fhir_resource_def *def = rt ? fhir_resource_find(rt, strlen(rt)) : NULL;
		/* not served on its own, but what real messages contain: a Medication
		 * (a compounded or local drug) inside the record that names it */
		const struct fhir_typedef *td = def                                   ? def->def
						: rt && strcmp(rt, "Medication") == 0 ? &fhir_Medication
										      : NULL;
		json_t *meta = json_object_get(item, "meta");
		if (!json_is_object(item))
			rc = bad(v, p, "a contained resource is a JSON object%s", "");
		else if (!rt)
			rc = bad(v, p, "a contained resource needs its resourceType%s", "");
		else if (!td)
			rc = bad(v, p, "contained %s: renkei does not serve this resource type (see /fhir/metadata)",
				 rt);
		else if (never_contained(td->name))
			rc = bad(v, p, "a %s cannot be contained; send it as a resource of its own", td->name);
		else if (!json_is_string(json_object_get(item, "id")))
			rc = bad(v, p, "a contained resource needs an id, referenced as '#id' from its container%s",
				 "");
		else if (json_is_object(meta) &&
			 (json_object_get(meta, "versionId") || json_object_get(meta, "lastUpdated")))
			rc = bad(v, p, "a contained resource has no meta.versionId or meta.lastUpdated (dom-4)%s", "");
		else if (json_is_object(meta) && json_object_get(meta, "security"))
			rc = bad(v, p, "a contained resource has no meta.security (dom-5)%s", "");
		if (rc == RK_OK) {
			v->in_contained = (int)i + 1;
			rc = check_complex(v, p, td, item, true);
			v->in_contained = 0;
		}
		path_pop(p, old);
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* The ids of res's contained resources, before the walk that meets "#id"
 * references (they may come before contained). */
static enum rk_status collect_contained(struct vctx *v, const json_t *res)
{
	json_t *c = json_object_get(res, "contained");
	if (!json_is_array(c))
		return RK_OK;
	if (json_array_size(c) > MAX_CONTAINED)
		return rk_fail_at(v->err, RK_INVALID, "contained", "at most %d contained resources", MAX_CONTAINED);
	size_t i;
	json_t *item;
	json_array_foreach(c, i, item)
	{
		const char *id = json_string_value(json_object_get(item, "id"));
		if (!id)
			continue; /* refused by the walk */
		if (!fhir_id_valid(str_c(id)))
			return rk_fail_at(v->err, RK_INVALID, "contained", "contained[%zu].id '%.64s' is not a FHIR id",
					  i, id);
		for (size_t k = 0; k < v->n_contained; k++)
			if (strcmp(v->contained_ids[k], id) == 0)
				return rk_fail_at(v->err, RK_INVALID, "contained",
						  "two contained resources have the id '%.64s'", id);
		v->contained_ids[v->n_contained++] = id;
	}
	return RK_OK;
}

static enum rk_status check_common(struct vctx *v, struct path *p, const char *key, const json_t *j, bool is_resource,
				   bool backbone, bool *handled)
{
	*handled = true;
	static const struct fhir_elem ext = {"extension", "Extension", 0, true, NULL};
	if (strcmp(key, "extension") == 0 || (strcmp(key, "modifierExtension") == 0 && (backbone || is_resource)))
		return check_member(v, p, &ext, "Extension", j);
	if (strcmp(key, "id") == 0) {
		static const struct fhir_elem id_res = {"id", "id", 0, false, NULL};
		static const struct fhir_elem id_elem = {"id", "string", 0, false, NULL};
		return check_member(v, p, is_resource ? &id_res : &id_elem, is_resource ? "id" : "string", j);
	}
	if (!is_resource) {
		*handled = false;
		return RK_OK;
	}
	static const struct fhir_elem res_elems[] = {
		{"meta", "Meta", 0, false, NULL},
		{"implicitRules", "uri", 0, false, NULL},
		{"language", "code", 0, false, NULL},
		{"text", "Narrative", 0, false, NULL},
	};
	if (strcmp(key, "resourceType") == 0)
		return RK_OK;
	if (strcmp(key, "contained") == 0)
		return check_contained(v, p, j);
	for (size_t i = 0; i < sizeof res_elems / sizeof res_elems[0]; i++)
		if (strcmp(key, res_elems[i].name) == 0)
			return check_member(v, p, &res_elems[i], res_elems[i].type, j);
	*handled = false;
	return RK_OK;
}

static enum rk_status check_complex(struct vctx *v, struct path *p, const struct fhir_typedef *td, const json_t *obj,
				    bool is_resource)
{
	if (json_object_size(obj) == 0)
		return bad(v, p, "empty objects are not allowed in FHIR%s", "");
	const char *key;
	json_t *val;
	const struct fhir_elem *choice_seen[8];
	size_t n_choice = 0;
	json_object_foreach((json_t *)obj, key, val)
	{
		size_t old = path_push(p, ".%s", key, -1);
		bool handled;
		enum rk_status rc = check_common(v, p, key, val, is_resource, td->backbone, &handled);
		if (!handled) {
			char chosen[256]; /* the longest element type: a Reference with many targets */
			bool ext = key[0] == '_';
			const struct fhir_elem *e = find_elem(td, ext ? key + 1 : key, chosen, sizeof chosen);
			if (!e) {
				rc = bad(v, p, "unknown element '%s'", key);
			} else if (ext) {
				rc = elem_is_primitive(e, chosen)
					     ? check_primitive_ext(v, p, e, val)
					     : bad(v, p, "'%s' is not a primitive element", key + 1);
			} else {
				if (strstr(e->name, "[x]")) {
					for (size_t k = 0; k < n_choice; k++)
						if (choice_seen[k] == e)
							rc = bad(v, p, "only one type of %s may be given", e->name);
					if (n_choice < 8)
						choice_seen[n_choice++] = e;
				}
				if (rc == RK_OK)
					rc = check_member(v, p, e, chosen, val);
			}
		}
		path_pop(p, old);
		if (rc != RK_OK)
			return rc;
	}
	for (size_t i = 0; i < td->n_elems; i++) {
		const struct fhir_elem *e = &td->elems[i];
		if (!e->min)
			continue;
		bool present = false;
		const char *bracket = strstr(e->name, "[x]");
		if (bracket) {
			json_object_foreach((json_t *)obj, key,
					    val) if (strncmp(key, e->name, (size_t)(bracket - e->name)) == 0) present =
				true;
		} else {
			char ext[80];
			ext[0] = '_';
			str_copy(ext + 1, sizeof ext - 1, str_c(e->name));
			present = json_object_get(obj, e->name) || json_object_get(obj, ext);
		}
		if (!present)
			return bad(v, p, "required element '%s' is missing", e->name);
	}
	if (strcmp(td->name, "Extension") == 0) {
		bool has_value = false;
		json_object_foreach((json_t *)obj, key, val) if (strncmp(key, "value", 5) == 0) has_value = true;
		bool has_ext = json_object_get(obj, "extension") != NULL;
		if (has_value == has_ext)
			return bad(v, p, "an extension has either a value[x] or nested extensions, not %s",
				   has_value ? "both" : "neither");
	}
	return RK_OK;
}

enum rk_status fhir_validate(const struct fhir_resource_def *def, const json_t *res, fhir_ref_fn on_ref, void *ref_ctx,
			     struct rk_err *err)
{
	struct vctx v = {.on_ref = on_ref, .ref_ctx = ref_ctx, .err = err};
	struct path p = {.len = 0};
	snprintf(p.buf, sizeof p.buf, "%s", def->name);
	p.len = strlen(p.buf);
	if (!json_is_object(res))
		return rk_fail(err, RK_INVALID, "a FHIR resource must be a JSON object");
	json_t *rt = json_object_get(res, "resourceType");
	if (!json_is_string(rt))
		return rk_fail_at(err, RK_INVALID, "resourceType", "resourceType is missing");
	if (strcmp(json_string_value(rt), def->name) != 0)
		return rk_fail_at(err, RK_INVALID, "resourceType", "resourceType is '%.64s' but this endpoint takes %s",
				  json_string_value(rt), def->name);
	if (rk_json_depth(res, RK_MAX_JSON_DEPTH) > RK_MAX_JSON_DEPTH)
		return rk_fail(err, RK_INVALID, "resource nests deeper than the maximum depth of %d levels",
			       RK_MAX_JSON_DEPTH);
	enum rk_status rc = collect_contained(&v, res);
	if (rc == RK_OK)
		rc = check_complex(&v, &p, def->def, res, true);
	for (size_t i = 0; rc == RK_OK && i < v.n_contained; i++)
		if (!v.contained_used[i])
			rc = rk_fail_at(err, RK_INVALID, "contained",
					"contained resource '%.64s' is referenced by nothing ('#%.64s'; dom-3)",
					v.contained_ids[i], v.contained_ids[i]);
	return rc;
}
