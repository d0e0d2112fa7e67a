/* v2map.c — HL7 v2.5 (SS-MIX2) messages → FHIR R4 JP Core resources
 * (ingest/v2map.h). The data type's row in v2map_tables.c names the accepted
 * message types and the mapper; simple elements are mapped by per-segment
 * field maps (struct fmap rows, applied by v2m_apply_map), the structure
 * (groups, references, codes) by one small function per mapper. Here: the
 * value helpers, ids, Patient, ADT, PPR and the entry point; the order and
 * result mappers are in v2map_orders.c. */
#include "ingest/v2map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/validate.h"
#include "ingest/v2map_impl.h"
#include "ingest/v2map_tables.h"
#include "model/codes.h"

/* ---- the mapping context ---- */

enum rk_status v2m_fail(struct mc *c, enum rk_status st, const char *fmt, ...)
{
	char msg[RK_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rk_fail(c->err, st, "%s", msg);
}

void v2m_warn(struct mc *c, const char *fmt, ...)
{
	if (c->nwarn >= sizeof c->warn / sizeof c->warn[0]) {
		c->nwarn_more++;
		return;
	}
	char msg[RK_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *w = arena_strdup(c->a, msg);
	if (w)
		c->warn[c->nwarn++] = w;
}

size_t v2m_seg_index(const struct mc *c, const struct hl7_segment *s)
{
	return (size_t)(s - c->m->segs);
}

const struct hl7_segment *v2m_next_under_orc(struct mc *c, size_t *i, const char *name, const struct hl7_segment **orc)
{
	for (; *i < c->m->nseg; (*i)++) {
		const struct hl7_segment *s = &c->m->segs[*i];
		if (str_eq_c(s->name, "ORC"))
			*orc = s;
		if (str_eq_c(s->name, name))
			return s;
	}
	return NULL;
}

/* Unescaped, trimmed text of a part of a field. */
struct str v2m_T(struct mc *c, const struct hl7_segment *s, int f, int rep, int comp, int sub)
{
	if (!s)
		return STR_NULL;
	return str_trim(hl7_text(c->m, s, f, rep, comp, sub, c->a));
}

const char *v2m_cstr(struct mc *c, struct str s)
{
	char *p = arena_strndup(c->a, s.ptr ? s.ptr : "", s.len);
	return p ? p : "";
}

json_t *v2m_jstr(struct str s)
{
	return s.len ? json_stringn(s.ptr, s.len) : NULL;
}

/* Set key only when v is not NULL (jansson's set_new ignores NULL, but says so with -1). */
void v2m_put(json_t *o, const char *key, json_t *v)
{
	if (o && v)
		json_object_set_new(o, key, v);
}

void v2m_push(json_t *arr, json_t *v)
{
	if (arr && v)
		json_array_append_new(arr, v);
}

/* Empty arrays and objects are not valid FHIR: drop them. */
void v2m_put_nonempty(json_t *o, const char *key, json_t *v)
{
	if (v && ((json_is_array(v) && json_array_size(v) == 0) || (json_is_object(v) && json_object_size(v) == 0))) {
		json_decref(v);
		return;
	}
	v2m_put(o, key, v);
}

/* The i-th segment's next segment named `name` before any of `stops` (space-separated), or NULL. */
const struct hl7_segment *v2m_next_in_group(struct mc *c, size_t i, const char *name, const char *stops)
{
	for (size_t k = i + 1; k < c->m->nseg; k++) {
		const struct hl7_segment *s = &c->m->segs[k];
		if (str_eq_c(s->name, name))
			return s;
		char nm[4];
		str_copy(nm, sizeof nm, s->name);
		if (strstr(stops, nm))
			return NULL;
	}
	return NULL;
}

/* The last segment named `name` before index i, or NULL. */
const struct hl7_segment *v2m_prev_seg(struct mc *c, size_t i, const char *name)
{
	for (size_t k = i; k-- > 0;)
		if (str_eq_c(c->m->segs[k].name, name))
			return &c->m->segs[k];
	return NULL;
}

/* ---- values: timestamps, numbers, codes, quantities ---- */

/* HL7 TS → FHIR date / dateTime / instant. Empty: *out = NULL. Times without
 * a zone are Japan time (+09:00); an instant needs at least the hour. */
enum rk_status v2m_ts(struct mc *c, struct str v, enum tsk k, const char *where, json_t **out)
{
	*out = NULL;
	if (!v.len)
		return RK_OK;
	struct time_range r;
	if (!time_parse_hl7(v, JST_MINUTES, &r))
		return v2m_fail(c, RK_INVALID, "%s: '%.*s' is not an HL7 date/time (YYYY[MM[DD[HHMM[SS[.S]]]]][+ZZZZ])",
				where, (int)(v.len > 40 ? 40 : v.len), v.ptr);
	size_t n = 0;
	while (n < v.len && v.ptr[n] >= '0' && v.ptr[n] <= '9')
		n++;
	const char *p = v.ptr;
	char buf[64];
	if (k == TS_DATE || n <= 8) {
		if (k == TS_INSTANT)
			return RK_OK;
		if (n >= 8)
			snprintf(buf, sizeof buf, "%.4s-%.2s-%.2s", p, p + 4, p + 6);
		else if (n >= 6)
			snprintf(buf, sizeof buf, "%.4s-%.2s", p, p + 4);
		else
			snprintf(buf, sizeof buf, "%.4s", p);
		*out = json_string(buf);
		return RK_OK;
	}
	char frac[16] = "";
	char zone[8] = "+09:00";
	size_t i = n;
	if (i < v.len && v.ptr[i] == '.') {
		size_t f = i + 1;
		while (f < v.len && v.ptr[f] >= '0' && v.ptr[f] <= '9')
			f++;
		if (n >= 14 && f - i > 1)
			snprintf(frac, sizeof frac, "%.*s", (int)(f - i > 10 ? 10 : f - i), v.ptr + i);
		i = f;
	}
	if (i + 5 <= v.len && (v.ptr[i] == '+' || v.ptr[i] == '-'))
		snprintf(zone, sizeof zone, "%c%.2s:%.2s", v.ptr[i], v.ptr + i + 1, v.ptr + i + 3);
	snprintf(buf, sizeof buf, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s%s", p, p + 4, p + 6, p + 8, n >= 12 ? p + 10 : "00",
		 n >= 14 ? p + 12 : "00", frac, zone);
	*out = json_string(buf);
	return RK_OK;
}

/* HL7 NM text ("-1.25", "+07.0", ".5", "15") → a JSON integer, or a decimal
 * that keeps the digits as sent (7.0 stays 7.0: core/json.h); false otherwise.
 * NM allows a leading '+', leading zeros and a bare fraction, which JSON does
 * not: they are normalised, the significant digits never touched. */
bool v2m_number(struct mc *c, struct str s, json_t **out)
{
	(void)c;
	size_t i = 0, digits = 0;
	bool point = false, neg = false;
	if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+'))
		neg = s.ptr[i++] == '-';
	size_t start = i;
	for (; i < s.len; i++) {
		if (s.ptr[i] >= '0' && s.ptr[i] <= '9')
			digits++;
		else if (s.ptr[i] == '.' && !point)
			point = true;
		else
			return false;
	}
	if (!digits || s.len > 32)
		return false;
	struct str body = {s.ptr + start, s.len - start};
	while (body.len > 1 && body.ptr[0] == '0' && body.ptr[1] != '.') /* "007.5" → "7.5" */
		body = (struct str){body.ptr + 1, body.len - 1};
	if (body.len && body.ptr[body.len - 1] == '.') /* "7." → "7" */
		body.len--;
	int64_t iv;
	if (!memchr(body.ptr, '.', body.len) && str_to_i64(body, 0, 1000000000000LL, &iv)) {
		*out = json_integer(neg ? -iv : iv);
		return true;
	}
	char text[40];
	int n = snprintf(text, sizeof text, "%s%s%.*s", neg ? "-" : "", body.ptr[0] == '.' ? "0" : "", (int)body.len,
			 body.ptr);
	*out = n > 0 && (size_t)n < sizeof text ? rk_json_decimal((struct str){text, (size_t)n}) : NULL;
	return *out != NULL;
}

struct cwe v2m_cwe_at(struct mc *c, const struct hl7_segment *s, int f, int rep, int k)
{
	return (struct cwe){v2m_T(c, s, f, rep, k, 0), v2m_T(c, s, f, rep, k + 1, 0), v2m_T(c, s, f, rep, k + 2, 0)};
}

/* A CWE held as sub-components of one component (TQ1-3.1, RXE-19.2). */
struct cwe v2m_cwe_sub(struct mc *c, const struct hl7_segment *s, int f, int rep, int comp)
{
	return (struct cwe){v2m_T(c, s, f, rep, comp, 1), v2m_T(c, s, f, rep, comp, 2), v2m_T(c, s, f, rep, comp, 3)};
}

static bool uri_safe(struct str s)
{
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.ptr[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '-' ||
		      ch == '.' || ch == '_' || ch == '+'))
			return false;
	}
	return s.len > 0;
}

/* FHIR system of an HL7 coding-system name; the code may be rewritten (ICD-10
 * without its dot; MEDIS by length). NULL: no system (the coding keeps code
 * and display only). */
static const char *system_of(struct mc *c, struct str sys, struct str *code, const char **what)
{
	*what = NULL;
	if (!sys.len || !uri_safe(sys))
		return NULL;
	if (str_eq_c(sys, "MDCDX2")) {
		*what = "MEDIS 病名";
		return code->len == 8 && str_is_digits(*code) ? JP_MEDIS_MGMT_SYSTEM : JP_MEDIS_DISEASE_SYSTEM;
	}
	if (str_eq_c(sys, "I10")) {
		char *d = arena_alloc(c->a, code->len + 1);
		if (d) {
			size_t n = 0;
			for (size_t i = 0; i < code->len; i++)
				if (code->ptr[i] != '.')
					d[n++] = code->ptr[i];
			*code = (struct str){d, n};
		}
	}
	if (str_eq_c(sys, "JFAGY")) { /* J-FAGY: J9F... food allergens, the others non-food */
		*what = "J-FAGY";
		return str_starts_with(*code, "J9F") ? CODES_JFAGY_FOOD_SYSTEM : CODES_JFAGY_OTHER_SYSTEM;
	}
	if (str_eq_c(sys, "JC10")) { /* "9A100&IMP": the analyte, then a suffix as a sub-component */
		struct str analyte, suffix;
		if (str_cut(*code, '&', &analyte, &suffix))
			*code = analyte;
		if (code->len == 5) {
			*what = "JLAC10 分析物";
			return JLAC10_ANALYTE_SYSTEM;
		}
	}
	if (str_eq_c(sys, "HOT")) { /* HOT without its length: 7, 9 or 13 digits */
		*what = code->len == 13 ? "HOT13" : code->len == 7 ? "HOT7" : "HOT9";
		return code->len == 13 ? JP_HOT13_SYSTEM : code->len == 7 ? JP_HOT7_SYSTEM : JP_HOT9_SYSTEM;
	}
	const struct v2map_system *t = v2map_system_find(sys);
	if (t) {
		*what = t->what;
		return t->uri;
	}
	if (sys.len == 7 && str_starts_with(sys, "HL7") && str_is_digits((struct str){sys.ptr + 3, 4}))
		return arena_printf(c->a, "http://terminology.hl7.org/CodeSystem/v2-%.4s", sys.ptr + 3);
	/* 99xxx: a table of the sending facility's own */
	if (str_starts_with(sys, "99"))
		return arena_printf(c->a, "urn:renkei:CodeSystem:v2-local:%.*s:%.*s", STR_FMT(c->fac), STR_FMT(sys));
	return arena_printf(c->a, "urn:renkei:CodeSystem:v2:%.*s", STR_FMT(sys));
}

/* Append the coding of v to codings (dropping it per mode); set *text when v has one. */
static enum rk_status add_coding(struct mc *c, const struct cwe *v, enum codemode mode, const char *where,
				 json_t *codings, struct str *text)
{
	if (v->text.len && !text->len)
		*text = v->text;
	if (!v->code.len)
		return RK_OK;
	struct str code = v->code;
	const char *what;
	const char *sys = system_of(c, v->sys, &code, &what);
	const char *shape;
	if (sys && !jp_code_shape_ok(str_c(sys), code, &shape) && mode == CODE_KEEP) {
		v2m_warn(c, "%s: %s code '%.*s' is not %s; kept under the sender's system name", where,
			 what ? what : "", (int)(code.len > 40 ? 40 : code.len), code.ptr, shape);
		sys = arena_printf(c->a, "urn:renkei:CodeSystem:v2:%.*s", STR_FMT(v->sys));
	} else if (sys && !jp_code_shape_ok(str_c(sys), code, &shape)) {
		if (mode == CODE_STRICT)
			return v2m_fail(c, RK_INVALID, "%s: %s code '%.*s' is not %s", where, what ? what : "",
					(int)(code.len > 40 ? 40 : code.len), code.ptr, shape);
		v2m_warn(c, "%s: %s code '%.*s' is not %s; kept as text", where, what ? what : "",
			 (int)(code.len > 40 ? 40 : code.len), code.ptr, shape);
		if (!text->len)
			*text = code;
		return RK_OK;
	}
	json_t *cd = json_object();
	v2m_put(cd, "system", sys ? json_string(sys) : NULL);
	v2m_put(cd, "code", v2m_jstr(code));
	v2m_put(cd, "display", v2m_jstr(v->text));
	/* the same code twice (primary and alternate) is kept once */
	size_t i;
	json_t *o;
	json_array_foreach(codings, i, o)
	{
		if (json_equal(json_object_get(o, "system"), json_object_get(cd, "system")) &&
		    json_equal(json_object_get(o, "code"), json_object_get(cd, "code"))) {
			json_decref(cd);
			return RK_OK;
		}
	}
	v2m_push(codings, cd);
	return RK_OK;
}

/* CodeableConcept of n coded values; *out NULL when all are empty. */
enum rk_status v2m_cc_of(struct mc *c, const struct cwe *v, size_t n, enum codemode mode, const char *where,
			 json_t **out)
{
	*out = NULL;
	json_t *codings = json_array();
	struct str text = STR_NULL;
	for (size_t i = 0; i < n; i++) {
		enum rk_status rc = add_coding(c, &v[i], mode, where, codings, &text);
		if (rc != RK_OK) {
			json_decref(codings);
			return rc;
		}
	}
	if (!json_array_size(codings) && !text.len) {
		json_decref(codings);
		return RK_OK;
	}
	json_t *cc = json_object();
	v2m_put_nonempty(cc, "coding", codings);
	v2m_put(cc, "text", v2m_jstr(text));
	*out = cc;
	return RK_OK;
}

/* CodeableConcept of a CWE field: primary (components 1-3) and alternate (4-6). */
enum rk_status v2m_cc_field(struct mc *c, const struct hl7_segment *s, int f, int rep, enum codemode mode,
			    const char *where, json_t **out)
{
	struct cwe v[2] = {v2m_cwe_at(c, s, f, rep, 1), v2m_cwe_at(c, s, f, rep, 4)};
	return v2m_cc_of(c, v, 2, mode, where, out);
}

/* Does the CodeableConcept carry a coding of one of the systems? */
bool v2m_cc_has(const json_t *cc, const char *sys1, const char *sys2)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(cc, "coding"), i, o)
	{
		const char *s = json_string_value(json_object_get(o, "system"));
		if (s && ((sys1 && strcmp(s, sys1) == 0) || (sys2 && strcmp(s, sys2) == 0)))
			return true;
	}
	return false;
}

static bool drug_system(const char *s)
{
	static const char *const jp[] = {JP_HOT9_SYSTEM, JP_HOT13_SYSTEM, JP_HOT7_SYSTEM, JP_YJ_SYSTEM,
					 JP_GENERIC_NAME_SYSTEM};
	for (size_t i = 0; s && i < sizeof jp / sizeof jp[0]; i++)
		if (strcmp(s, jp[i]) == 0)
			return true;
	return false;
}

enum rk_status v2m_drug(struct mc *c, const struct hl7_segment *s, int f, const char *where, json_t **out)
{
	struct cwe v[2] = {v2m_cwe_at(c, s, f, 0, 1), v2m_cwe_at(c, s, f, 0, 4)};
	enum rk_status rc = v2m_cc_of(c, v, 2, CODE_KEEP, where, out);
	if (rc != RK_OK)
		return rc;
	if (!*out)
		return v2m_fail(c, RK_INVALID, "%s: medicine missing", where);
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(*out, "coding"), i, o)
	{
		if (drug_system(json_string_value(json_object_get(o, "system"))))
			return RK_OK;
	}
	for (size_t k = 0; k < 2; k++)
		if (v[k].code.len) {
			bool local = str_starts_with(v[k].sys, "99");
			v2m_warn(c, "%s: drug code '%.*s' of %s '%.*s' is not HOT, YJ or 一般名; kept as sent", where,
				 (int)(v[k].code.len > 20 ? 20 : v[k].code.len), v[k].code.ptr,
				 local ? "the local system" : "the code system",
				 (int)(v[k].sys.len > 16 ? 16 : v[k].sys.len), v[k].sys.ptr ? v[k].sys.ptr : "");
			break;
		}
	return RK_OK;
}

json_t *v2m_coding(const char *system, const char *code, const char *display)
{
	return json_pack("{s:s, s:s, s:s*}", "system", system, "code", code, "display", display);
}

json_t *v2m_cc1(const char *system, const char *code, const char *display)
{
	return json_pack("{s:[o]}", "coding", v2m_coding(system, code, display));
}

/* A Quantity: value text and a unit CWE (MERIT-9 and UCUM units keep system
 * and code; others are text). NULL when the value is empty. */
enum rk_status v2m_qty(struct mc *c, struct str value, const struct cwe *unit, const char *where, json_t **out)
{
	*out = NULL;
	if (!value.len)
		return RK_OK;
	json_t *v;
	if (!v2m_number(c, value, &v))
		return v2m_fail(c, RK_INVALID, "%s: '%.*s' is not a number", where,
				(int)(value.len > 40 ? 40 : value.len), value.ptr);
	json_t *q = json_object();
	v2m_put(q, "value", v);
	if (unit && unit->code.len) {
		v2m_put(q, "unit", v2m_jstr(unit->text.len ? unit->text : unit->code));
		if (str_eq_c(unit->sys, "MR9P")) {
			v2m_put(q, "system", json_string(CODES_MERIT9_UNIT_SYSTEM));
			v2m_put(q, "code", v2m_jstr(unit->code));
		} else if (str_eq_c(unit->sys, "ISO+")) {
			v2m_put(q, "system", json_string(CODES_UCUM_SYSTEM));
			v2m_put(q, "code", v2m_jstr(unit->code));
		}
	} else if (unit && unit->text.len) {
		v2m_put(q, "unit", v2m_jstr(unit->text));
	}
	*out = q;
	return RK_OK;
}

/* A value senders also write in words (RXE-3 "適量", OBX-5 of type NM "陰性"):
 * a number is v2m_qty()'s Quantity; anything else is kept, not refused, as
 * *text ("適量 g": the value and the unit's text) with a warning that names
 * the field, and *out is NULL. */
enum rk_status v2m_qty_or_text(struct mc *c, struct str value, const struct cwe *unit, const char *where, json_t **out,
			       const char **text)
{
	*out = NULL;
	*text = NULL;
	json_t *v;
	if (!value.len)
		return RK_OK;
	if (v2m_number(c, value, &v)) {
		json_decref(v);
		return v2m_qty(c, value, unit, where, out);
	}
	struct str u = unit ? (unit->text.len ? unit->text : unit->code) : STR_NULL;
	v2m_warn(c, "%s: '%.*s' is not a number; kept as text", where, (int)(value.len > 40 ? 40 : value.len),
		 value.ptr);
	*text = u.len ? arena_printf(c->a, "%.*s %.*s", STR_FMT(value), STR_FMT(u))
		      : arena_printf(c->a, "%.*s", STR_FMT(value));
	return *text ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

/* A duration CQ "5^d" (TQ1-6): days keep UCUM d. */
enum rk_status v2m_duration(struct mc *c, const struct hl7_segment *s, int f, const char *where, json_t **out)
{
	struct str value = v2m_T(c, s, f, 0, 1, 0), unit = v2m_T(c, s, f, 0, 2, 1);
	if (!unit.len)
		unit = v2m_T(c, s, f, 0, 2, 0);
	struct cwe u = {unit, STR_NULL, STR_LIT("ISO+")};
	if (str_eq_c(unit, "d") || str_eq_c(unit, "D"))
		u = (struct cwe){STR_LIT("d"), str_c("日"), STR_LIT("ISO+")};
	return v2m_qty(c, value, &u, where, out);
}

/* Display-only reference to a person named by an XCN (id^family^given...). */
json_t *v2m_person_ref(struct mc *c, const struct hl7_segment *s, int f)
{
	struct str fam = v2m_T(c, s, f, 0, 2, 0), given = v2m_T(c, s, f, 0, 3, 0);
	if (!fam.len && !given.len)
		return NULL;
	const char *name =
		arena_printf(c->a, "%.*s%s%.*s", STR_FMT(fam), fam.len && given.len ? " " : "", STR_FMT(given));
	return name ? json_pack("{s:s}", "display", name) : NULL;
}

/* Identifier of an order number: "<facility>-<number>", as the demo writes its orders. */
json_t *v2m_placer_identifier(struct mc *c, struct str placer)
{
	if (!placer.len)
		return NULL;
	const char *v = arena_printf(c->a, "%.*s-%.*s", STR_FMT(c->fac), STR_FMT(placer));
	return v ? json_pack("{s:s, s:s}", "system", RESOURCE_ID_SYSTEM, "value", v) : NULL;
}

/* The placer order number of an ORC (ORC-2), as an identifier. */
json_t *v2m_order_identifier(struct mc *c, const struct hl7_segment *orc)
{
	return v2m_placer_identifier(c, v2m_T(c, orc, 2, 0, 1, 0));
}

/* ---- field maps ---- */

static json_t *path_parent(json_t *o, const char *path, char leaf[64])
{
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)len, p);
		bool arr = len > 3 && strcmp(key + len - 3, "[0]") == 0;
		if (arr)
			key[len - 3] = '\0';
		if (!dot && !arr) {
			snprintf(leaf, 64, "%s", key);
			return o;
		}
		json_t *next = json_object_get(o, key);
		if (arr) {
			if (!json_is_array(next)) {
				next = json_array();
				json_object_set_new(o, key, next);
			}
			if (!json_array_size(next))
				json_array_append_new(next, json_object());
			next = json_array_get(next, 0);
		} else if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(o, key, next);
		}
		o = next;
		if (!dot) { /* "x[0]" as the leaf: not supported */
			snprintf(leaf, 64, "%s", "");
			return NULL;
		}
		p = dot + 1;
	}
}

/* Apply a field map to one segment: absent fields are skipped; a date that
 * does not parse fails with "SEG-n: ...". */
enum rk_status v2m_apply_map(struct mc *c, const struct hl7_segment *s, const struct fmap *map, size_t n, json_t *res)
{
	if (!s)
		return RK_OK;
	char seg[4];
	str_copy(seg, sizeof seg, s->name);
	for (size_t i = 0; i < n; i++) {
		struct str v = v2m_T(c, s, map[i].field, 0, map[i].comp ? map[i].comp : 1, 0);
		if (!map[i].comp && map[i].conv == F_STR)
			v = v2m_T(c, s, map[i].field, 0, 0, 0);
		if (!v.len)
			continue;
		char where[16];
		snprintf(where, sizeof where, "%s-%d", seg, map[i].field);
		json_t *val = NULL;
		if (map[i].conv == F_STR) {
			val = v2m_jstr(v);
		} else {
			enum tsk k = map[i].conv == F_DATE      ? TS_DATE
				     : map[i].conv == F_INSTANT ? TS_INSTANT
								: TS_DATETIME;
			enum rk_status rc = v2m_ts(c, v, k, where, &val);
			if (rc != RK_OK)
				return rc;
		}
		char leaf[64];
		json_t *parent = path_parent(res, map[i].path, leaf);
		if (parent && leaf[0])
			v2m_put(parent, leaf, val);
		else
			json_decref(val);
	}
	return RK_OK;
}

/* ---- resources and ids ---- */

static bool id_safe(const char *s)
{
	return fhir_id_valid(str_c(s));
}

/* A new resource of `type`: its body with resourceType, subject/patient and meta.source. */
json_t *v2m_new_res(struct mc *c, const char *type, const char *patient_element)
{
	json_t *r = json_pack("{s:s}", "resourceType", type);
	if (c->in->meta_source.len)
		v2m_put(r, "meta", json_pack("{s:o}", "source", v2m_jstr(c->in->meta_source)));
	if (patient_element)
		v2m_put(r, patient_element, json_pack("{s:s}", "reference", c->pref));
	return r;
}

/* Add body as the resource of segment s (seq = its index, suffix for a second
 * resource of the same segment); takes body. Returns the id (arena). */
const char *v2m_add_res(struct mc *c, const char *type, const struct hl7_segment *s, int suffix, json_t *body)
{
	if (!body || c->n >= c->cap) {
		json_decref(body);
		return NULL;
	}
	char seq[32];
	size_t at = s ? v2m_seg_index(c, s) : 0;
	if (suffix)
		snprintf(seq, sizeof seq, "%zu-%d", at, suffix);
	else
		snprintf(seq, sizeof seq, "%zu", at);
	const char *id = arena_printf(c->a, "%s.%s", c->base, seq);
	if (id && (strlen(id) > RK_MAX_ID_LEN || !id_safe(id)))
		id = arena_printf(c->a, "%s.%s", c->hbase, seq);
	if (!id) {
		json_decref(body);
		return NULL;
	}
	json_object_set_new(body, "id", json_string(id));
	/* resourceType, id, meta first, as renkei stores them */
	c->res[c->n++] = (struct v2map_resource){.type = type, .id = str_c(id), .body = body};
	return id;
}

/* Add body under an id of its own: "<facility>-<PID>.<key>" (the hashed
 * form when that is too long or not id-safe); marked shared. Takes body. */
static const char *add_res_keyed(struct mc *c, const char *type, const char *key, json_t *body)
{
	if (!body || c->n >= c->cap) {
		json_decref(body);
		return NULL;
	}
	const char *id = arena_printf(c->a, "%.*s-%.*s.%s", STR_FMT(c->fac), STR_FMT(c->pid), key);
	if (id && (strlen(id) > RK_MAX_ID_LEN || !id_safe(id)))
		id = arena_printf(c->a, "%.*s-%.*s.h%016llx", STR_FMT(c->fac), STR_FMT(c->pid),
				  (unsigned long long)str_hash(str_c(id)));
	if (!id) {
		json_decref(body);
		return NULL;
	}
	json_object_set_new(body, "id", json_string(id));
	c->res[c->n++] = (struct v2map_resource){.type = type, .id = str_c(id), .body = body, .shared = true};
	return id;
}

json_t *v2m_ref_to(struct mc *c, const char *type, const char *id)
{
	const char *r = arena_printf(c->a, "%s/%s", type, id);
	return r ? json_pack("{s:s}", "reference", r) : NULL;
}

/* ---- Patient (PID) ---- */

/* PID-5 repetitions: kanji (I) and kana (P) names with the JP Core representation extension. */
static json_t *names(struct mc *c, const struct hl7_segment *pid, int f)
{
	json_t *arr = json_array();
	int n = hl7_reps(c->m, pid, f);
	for (int r = 0; r < n && r < 8; r++) {
		struct str fam = v2m_T(c, pid, f, r, 1, 0), given = v2m_T(c, pid, f, r, 2, 0);
		if (!fam.len && !given.len)
			continue;
		json_t *nm = json_object();
		const struct v2map_code *rep = v2map_code_find(v2map_name_rep, v2m_T(c, pid, f, r, 8, 0));
		if (rep)
			v2m_put(nm, "extension",
				json_pack("[{s:s, s:s}]", "url", JP_NAME_REPRESENTATION_EXT, "valueCode", rep->to));
		struct str type = v2m_T(c, pid, f, r, 7, 0);
		v2m_put(nm, "use", json_string(!type.len || str_eq_c(type, "L") ? "official" : "usual"));
		const char *text =
			arena_printf(c->a, "%.*s%s%.*s", STR_FMT(fam), fam.len && given.len ? " " : "", STR_FMT(given));
		v2m_put(nm, "text", text ? json_string(text) : NULL);
		v2m_put(nm, "family", v2m_jstr(fam));
		if (given.len)
			v2m_put(nm, "given", json_pack("[o]", v2m_jstr(given)));
		v2m_push(arr, nm);
	}
	return arr;
}

/* PID-11 XAD: SS-MIX2 writes the whole address in component 8 (other designation). */
static json_t *addresses(struct mc *c, const struct hl7_segment *pid, int f)
{
	json_t *arr = json_array();
	int n = hl7_reps(c->m, pid, f);
	for (int r = 0; r < n && r < 8; r++) {
		struct str street = v2m_T(c, pid, f, r, 1, 0), other = v2m_T(c, pid, f, r, 2, 0),
			   city = v2m_T(c, pid, f, r, 3, 0), state = v2m_T(c, pid, f, r, 4, 0),
			   zip = v2m_T(c, pid, f, r, 5, 0), country = v2m_T(c, pid, f, r, 6, 0),
			   type = v2m_T(c, pid, f, r, 7, 0), text = v2m_T(c, pid, f, r, 8, 0);
		if (!street.len && !city.len && !state.len && !zip.len && !text.len)
			continue;
		json_t *a = json_object();
		if (str_eq_c(type, "H"))
			v2m_put(a, "use", json_string("home"));
		else if (str_eq_c(type, "B") || str_eq_c(type, "O"))
			v2m_put(a, "use", json_string("work"));
		v2m_put(a, "text", v2m_jstr(text));
		json_t *lines = json_array();
		v2m_push(lines, v2m_jstr(street));
		v2m_push(lines, v2m_jstr(other));
		v2m_put_nonempty(a, "line", lines);
		v2m_put(a, "city", v2m_jstr(city));
		v2m_put(a, "state", v2m_jstr(state));
		v2m_put(a, "postalCode", v2m_jstr(zip));
		v2m_put(a, "country", str_eq_c(country, "JPN") ? json_string("JP") : v2m_jstr(country));
		v2m_push(arr, a);
	}
	return arr;
}

/* PID-13 (home) and PID-14 (work) XTN: the number is component 12 (or 1). */
static void telecoms(struct mc *c, const struct hl7_segment *pid, int f, const char *default_use, json_t *arr)
{
	int n = hl7_reps(c->m, pid, f);
	for (int r = 0; r < n && r < 8; r++) {
		struct str number = v2m_T(c, pid, f, r, 12, 0), equip = v2m_T(c, pid, f, r, 3, 0),
			   email = v2m_T(c, pid, f, r, 4, 0);
		if (!number.len)
			number = v2m_T(c, pid, f, r, 1, 0);
		const char *system = "phone";
		if (str_eq_c(equip, "Internet") || str_eq_c(equip, "X.400")) {
			system = "email";
			number = email.len ? email : number;
		} else if (str_eq_c(equip, "FX")) {
			system = "fax";
		}
		if (!number.len)
			continue;
		const struct v2map_code *use = v2map_code_find(v2map_telecom_use, v2m_T(c, pid, f, r, 2, 0));
		const char *u = str_eq_c(equip, "CP") ? "mobile" : use ? use->to : default_use;
		json_t *t = json_pack("{s:s}", "system", system);
		v2m_put(t, "value", v2m_jstr(number));
		v2m_put(t, "use", u ? json_string(u) : NULL);
		v2m_push(arr, t);
	}
}

/* NK1 → Patient.contact: relationship (NK1-3), name (NK1-2), address (NK1-4),
 * telephones (NK1-5 home, NK1-6 work), organization (NK1-13). */
static enum rk_status contacts(struct mc *c, json_t *p)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < hl7_seg_count(c->m, "NK1"); i++) {
		const struct hl7_segment *nk1 = hl7_seg(c->m, "NK1", i);
		json_t *ct = json_object(), *rel;
		enum rk_status rc = v2m_cc_field(c, nk1, 3, 0, CODE_LOOSE, "NK1-3", &rel);
		if (rc != RK_OK) {
			json_decref(ct);
			json_decref(arr);
			return rc;
		}
		if (rel)
			v2m_put(ct, "relationship", json_pack("[o]", rel));
		json_t *nm = names(c, nk1, 2);
		v2m_put(ct, "name", json_incref(json_array_get(nm, 0)));
		json_decref(nm);
		json_t *tel = json_array();
		telecoms(c, nk1, 5, "home", tel);
		telecoms(c, nk1, 6, "work", tel);
		v2m_put_nonempty(ct, "telecom", tel);
		json_t *ad = addresses(c, nk1, 4);
		v2m_put(ct, "address", json_incref(json_array_get(ad, 0)));
		json_decref(ad);
		struct str org = v2m_T(c, nk1, 13, 0, 1, 0);
		if (org.len)
			v2m_put(ct, "organization", json_pack("{s:o}", "display", v2m_jstr(org)));
		if (json_object_size(ct) && (json_object_get(ct, "name") || json_object_get(ct, "telecom") ||
					     json_object_get(ct, "address") || json_object_get(ct, "organization")))
			v2m_push(arr, ct);
		else
			json_decref(ct);
	}
	v2m_put_nonempty(p, "contact", arr);
	return RK_OK;
}

static enum rk_status map_patient_resource(struct mc *c, const struct hl7_segment *pid, json_t **out)
{
	json_t *p = json_pack("{s:s, s:{s:[s]}}", "resourceType", "Patient", "meta", "profile", JP_PROFILE_PATIENT);
	if (c->in->meta_source.len)
		v2m_put(json_object_get(p, "meta"), "source", v2m_jstr(c->in->meta_source));
	const char *pid_id = arena_printf(c->a, "%.*s-%.*s", STR_FMT(c->fac), STR_FMT(c->pid));
	const char *sys = arena_printf(c->a, "%s%.*s", JP_LOCAL_PATIENT_SYSTEM_PREFIX, STR_FMT(c->fac));
	if (!pid_id || !sys) {
		json_decref(p);
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	}
	v2m_put(p, "id", json_string(pid_id));
	v2m_put(p, "identifier", json_pack("[{s:s, s:o}]", "system", sys, "value", v2m_jstr(c->pid)));
	v2m_put_nonempty(p, "name", names(c, pid, 5));
	json_t *tel = json_array();
	telecoms(c, pid, 13, "home", tel);
	telecoms(c, pid, 14, "work", tel);
	v2m_put_nonempty(p, "telecom", tel);
	struct str sex = v2m_T(c, pid, 8, 0, 1, 0);
	const struct v2map_code *g = v2map_code_find(v2map_gender, sex);
	if (g)
		v2m_put(p, "gender", json_string(g->to));
	else if (sex.len)
		v2m_warn(c, "PID-8: unknown sex '%.*s'; left out", (int)(sex.len > 8 ? 8 : sex.len), sex.ptr);
	json_t *birth;
	enum rk_status rc = v2m_ts(c, v2m_T(c, pid, 7, 0, 1, 0), TS_DATE, "PID-7", &birth);
	if (rc != RK_OK) {
		json_decref(p);
		return rc;
	}
	v2m_put(p, "birthDate", birth);
	v2m_put_nonempty(p, "address", addresses(c, pid, 11));
	if ((rc = contacts(c, p)) != RK_OK) {
		json_decref(p);
		return rc;
	}
	*out = p;
	return RK_OK;
}

/* ---- allergies (ADT-61 IAM, ADT-00 AL1) ---- */

static const struct fmap iam_map[] = {
	{13, 1, F_DATETIME, "recordedDate"},
};
static const struct fmap al1_map[] = {
	{6, 1, F_DATETIME, "recordedDate"},
};

static enum rk_status map_allergy(struct mc *c, const struct hl7_segment *s)
{
	bool iam = str_eq_c(s->name, "IAM");
	const char *where = iam ? "IAM-3" : "AL1-3";
	json_t *code;
	enum rk_status rc = v2m_cc_field(c, s, 3, 0, CODE_LOOSE, where, &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "%s: allergen missing", where);
	json_t *a = v2m_new_res(c, "AllergyIntolerance", "patient");
	bool deleted = iam && str_eq_c(v2m_T(c, s, 6, 0, 1, 0), "D");
	if (!deleted)
		v2m_put(a, "clinicalStatus", v2m_cc1(ALLERGY_CLINICAL_SYSTEM, "active", "Active"));
	v2m_put(a, "verificationStatus",
		deleted ? v2m_cc1(ALLERGY_VER_SYSTEM, "entered-in-error", "Entered in Error")
			: v2m_cc1(ALLERGY_VER_SYSTEM, "confirmed", "Confirmed"));
	v2m_put(a, "type", json_string("allergy"));
	const struct v2map_code *cat = v2map_code_find(v2map_allergy_cat, v2m_T(c, s, 2, 0, 1, 0));
	if (cat)
		v2m_put(a, "category", json_pack("[s]", cat->to));
	v2m_put(a, "code", code);
	if (iam) {
		json_t *onset;
		if ((rc = v2m_ts(c, v2m_T(c, s, 11, 0, 1, 0), TS_DATETIME, "IAM-11", &onset)) != RK_OK) {
			json_decref(a);
			return rc;
		}
		v2m_put(a, "onsetDateTime", onset);
		if (!onset)
			v2m_put(a, "onsetString", v2m_jstr(v2m_T(c, s, 12, 0, 0, 0)));
	}
	if ((rc = iam ? MAP(s, iam_map, a) : MAP(s, al1_map, a)) != RK_OK) {
		json_decref(a);
		return rc;
	}
	/* reaction: severity (0128) and the reaction as text; criticality: an
	 * anaphylaxis or a severe reaction is high, a milder one low */
	const struct v2map_code *sev = v2map_code_find(v2map_severity, v2m_T(c, s, 4, 0, 1, 0));
	struct str reaction = v2m_T(c, s, 5, 0, 0, 0);
	bool anaphylaxis = str_contains(reaction, "アナフィラキシー") || str_contains(reaction, "anaphyla") ||
			   str_contains(v2m_T(c, s, 4, 0, 2, 0), "アナフィラキシー");
	if (anaphylaxis)
		sev = v2map_code_find(v2map_severity, STR_LIT("SV"));
	if (sev)
		v2m_put(a, "criticality", json_string(strcmp(sev->to, "severe") == 0 ? "high" : "low"));
	if (sev || reaction.len) {
		json_t *r = json_object();
		v2m_put(r, "manifestation",
			json_pack("[{s:o}]", "text",
				  reaction.len ? v2m_jstr(reaction) : json_string("アレルギー反応情報なし")));
		v2m_put(r, "description", v2m_jstr(reaction));
		v2m_put(r, "severity", sev ? json_string(sev->to) : NULL);
		v2m_put(a, "reaction", json_pack("[o]", r));
	}
	return v2m_add_res(c, "AllergyIntolerance", s, 0, a) ? RK_OK
							     : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

/* ---- observations (ADT-00 OBX body measurements, OML-11 / OMG-13 results) ---- */

/* Is s a number v2m_qty() accepts? (Checked first: a failing v2m_qty() would record an error.) */
static bool is_num(struct mc *c, struct str s)
{
	json_t *v;
	if (!v2m_number(c, s, &v))
		return false;
	json_decref(v);
	return true;
}

/* OBX-7 "1.2-2.0", "<0.5", ">=10", or text. */
static json_t *reference_range(struct mc *c, struct str range, const struct cwe *unit)
{
	if (!range.len)
		return NULL;
	json_t *rr = json_object(), *lo = NULL, *hi = NULL;
	struct str a = STR_NULL, b = STR_NULL;
	for (size_t i = 1; i < range.len; i++)
		if (range.ptr[i] == '-' && range.ptr[i - 1] != 'e' && range.ptr[i - 1] != 'E') {
			a = str_trim((struct str){range.ptr, i});
			b = str_trim((struct str){range.ptr + i + 1, range.len - i - 1});
			break;
		}
	if (a.len && b.len && is_num(c, a) && is_num(c, b)) {
		v2m_qty(c, a, unit, "", &lo);
		v2m_qty(c, b, unit, "", &hi);
	} else if (range.ptr[0] == '<' || range.ptr[0] == '>') {
		size_t k = range.len > 1 && range.ptr[1] == '=' ? 2 : 1;
		struct str v = str_trim((struct str){range.ptr + k, range.len - k});
		if (is_num(c, v))
			v2m_qty(c, v, unit, "", range.ptr[0] == '<' ? &hi : &lo);
	}
	if ((a.len && b.len && (!lo || !hi)) || (!lo && !hi)) {
		json_decref(lo);
		json_decref(hi);
		lo = hi = NULL;
	}
	v2m_put(rr, "low", lo);
	v2m_put(rr, "high", hi);
	if (!lo && !hi)
		v2m_put(rr, "text", v2m_jstr(range));
	return rr;
}

/* A result given as a bound: "<0.03" (NM, ST, TX) or SN "<^0.03" → a
 * Quantity with its comparator and the OBX-6 unit. *out NULL otherwise. */
static enum rk_status comparator_qty(struct mc *c, const struct hl7_segment *s, struct str vt, struct str value,
				     const struct cwe *unit, json_t **out)
{
	*out = NULL;
	struct str cmp = STR_NULL, num = STR_NULL;
	if (str_eq_c(vt, "SN")) {
		cmp = v2m_T(c, s, 5, 0, 1, 0);
		num = v2m_T(c, s, 5, 0, 2, 0);
		if (v2m_T(c, s, 5, 0, 3, 0).len) /* a range or ratio: kept as text */
			return RK_OK;
	} else if (str_eq_c(vt, "NM") || str_eq_c(vt, "ST") || str_eq_c(vt, "TX")) {
		size_t k = 0;
		while (k < value.len && k < 2 && (value.ptr[k] == '<' || value.ptr[k] == '>' || value.ptr[k] == '='))
			k++;
		cmp = (struct str){value.ptr, k};
		num = str_trim((struct str){value.ptr + k, value.len - k});
	}
	static const char *const ok[] = {"<", "<=", ">", ">="};
	bool known = false;
	for (size_t i = 0; i < 4; i++)
		known |= str_eq_c(cmp, ok[i]);
	if (str_eq_c(vt, "SN") && !cmp.len && is_num(c, num))
		return v2m_qty(c, num, unit, "OBX-5", out);
	if (!known || !is_num(c, num))
		return RK_OK;
	enum rk_status rc = v2m_qty(c, num, unit, "OBX-5", out);
	if (rc == RK_OK && *out)
		json_object_set_new(*out, "comparator", json_stringn(cmp.ptr, cmp.len));
	return rc;
}

static const struct fmap obx_map[] = {
	{14, 1, F_DATETIME, "effectiveDateTime"},
};

/* Blood pressure: a systolic (LOINC 8480-6, or named 収縮期/最高血圧) and a
 * diastolic (8462-4, 拡張期/最低血圧) OBX of one group with the same OBX-4
 * are one Observation (LOINC 85354-9) with two components, as FHIR's vital
 * signs profile has it. */
static bool bp_part(struct mc *c, const struct hl7_segment *s, bool systolic)
{
	struct str code = v2m_T(c, s, 3, 0, 1, 0), alt = v2m_T(c, s, 3, 0, 4, 0), text = v2m_T(c, s, 3, 0, 2, 0);
	const char *loinc = systolic ? "8480-6" : "8462-4";
	if (str_eq_c(code, loinc) || str_eq_c(alt, loinc))
		return true;
	return systolic ? str_contains(text, "収縮期血圧") || str_contains(text, "最高血圧")
			: str_contains(text, "拡張期血圧") || str_contains(text, "最低血圧");
}

/* The other half of a blood pressure OBX within its group (before the next
 * OBR, ORC, SPM), or NULL. */
static const struct hl7_segment *bp_partner(struct mc *c, const struct hl7_segment *s, bool want_systolic)
{
	size_t i = v2m_seg_index(c, s);
	struct str sub = v2m_T(c, s, 4, 0, 0, 0);
	if (want_systolic) {
		for (size_t k = i; k-- > 0;) {
			const struct hl7_segment *x = &c->m->segs[k];
			if (!str_eq_c(x->name, "OBX"))
				break;
			if (bp_part(c, x, true) && str_eq(v2m_T(c, x, 4, 0, 0, 0), sub))
				return x;
		}
		return NULL;
	}
	for (size_t k = i + 1; k < c->m->nseg; k++) {
		const struct hl7_segment *x = &c->m->segs[k];
		if (!str_eq_c(x->name, "OBX"))
			break;
		if (bp_part(c, x, false) && str_eq(v2m_T(c, x, 4, 0, 0, 0), sub))
			return x;
	}
	return NULL;
}

/* A component of a blood pressure: the code and value of one OBX. */
static enum rk_status bp_component(struct mc *c, const struct hl7_segment *s, enum codemode mode, json_t **out)
{
	*out = NULL;
	json_t *code, *q;
	enum rk_status rc = v2m_cc_field(c, s, 3, 0, mode, "OBX-3", &code);
	if (rc != RK_OK)
		return rc;
	struct cwe unit = v2m_cwe_at(c, s, 6, 0, 1);
	if ((rc = v2m_qty(c, v2m_T(c, s, 5, 0, 0, 0), &unit, "OBX-5", &q)) != RK_OK) {
		json_decref(code);
		return rc;
	}
	*out = json_pack("{s:o}", "code", code ? code : json_pack("{s:s}", "text", "血圧"));
	v2m_put(*out, "valueQuantity", q);
	return RK_OK;
}

static enum rk_status map_one_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
				  const struct hl7_segment *spm, const char *category, enum codemode mode,
				  const char **id);

enum rk_status v2m_map_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
			   const struct hl7_segment *spm, const char *category, enum codemode mode, const char **id)
{
	*id = NULL;
	if (bp_part(c, s, false) && bp_partner(c, s, true))
		return RK_OK; /* the diastolic half: a component of the systolic's Observation */
	const struct hl7_segment *dia = bp_part(c, s, true) ? bp_partner(c, s, false) : NULL;
	if (!dia)
		return map_one_obx(c, s, obr, spm, category, mode, id);
	json_t *sys, *di;
	enum rk_status rc = bp_component(c, s, mode, &sys);
	if (rc != RK_OK)
		return rc;
	if ((rc = bp_component(c, dia, mode, &di)) != RK_OK) {
		json_decref(sys);
		return rc;
	}
	if ((rc = map_one_obx(c, s, obr, spm, "vital-signs", mode, id)) != RK_OK) {
		json_decref(sys);
		json_decref(di);
		return rc;
	}
	json_t *o = c->res[c->n - 1].body;
	json_object_del(o, "valueQuantity");
	json_object_del(o, "referenceRange");
	v2m_put(o, "code",
		json_pack("{s:[o], s:s}", "coding", v2m_coding(CODES_LOINC_SYSTEM, "85354-9", "Blood pressure panel"),
			  "text", "血圧"));
	v2m_put(o, "component", json_pack("[o, o]", sys, di));
	return RK_OK;
}

/* One OBX → Observation. obr: its request (effective time fallback), spm: its specimen. */
static enum rk_status map_one_obx(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *obr,
				  const struct hl7_segment *spm, const char *category, enum codemode mode,
				  const char **id)
{
	*id = NULL;
	json_t *code;
	enum rk_status rc = v2m_cc_field(c, s, 3, 0, mode, "OBX-3", &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "OBX-3: observation code missing");
	json_t *o = v2m_new_res(c, "Observation", NULL);
	const struct v2map_code *st = v2map_code_find(v2map_obs_status, v2m_T(c, s, 11, 0, 1, 0));
	v2m_put(o, "status", json_string(st ? st->to : "final"));
	const char *cat_display = strcmp(category, "vital-signs") == 0  ? "Vital Signs"
				  : strcmp(category, "laboratory") == 0 ? "Laboratory"
				  : strcmp(category, "procedure") == 0  ? "Procedure"
									: "Exam";
	v2m_put(o, "category", json_pack("[o]", v2m_cc1(OBS_CATEGORY_SYSTEM, category, cat_display)));
	v2m_put(o, "code", code);
	v2m_put(o, "subject", json_pack("{s:s}", "reference", c->pref));
	if ((rc = MAP(s, obx_map, o)) != RK_OK)
		goto fail;
	if (!json_object_get(o, "effectiveDateTime") && obr) {
		json_t *eff;
		if ((rc = v2m_ts(c, v2m_T(c, obr, 7, 0, 1, 0), TS_DATETIME, "OBR-7", &eff)) != RK_OK)
			goto fail;
		v2m_put(o, "effectiveDateTime", eff);
	}
	if (obr) {
		json_t *issued;
		if ((rc = v2m_ts(c, v2m_T(c, obr, 22, 0, 1, 0), TS_INSTANT, "OBR-22", &issued)) != RK_OK)
			goto fail;
		v2m_put(o, "issued", issued);
	}
	/* value by OBX-2 */
	struct str vt = v2m_T(c, s, 2, 0, 1, 0), value = v2m_T(c, s, 5, 0, 0, 0);
	struct cwe unit = v2m_cwe_at(c, s, 6, 0, 1);
	json_t *cq = NULL;
	if (value.len && (rc = comparator_qty(c, s, vt, value, &unit, &cq)) != RK_OK)
		goto fail;
	if (cq) {
		v2m_put(o, "valueQuantity", cq);
	} else if (value.len) {
		if (str_eq_c(vt, "NM")) { /* a word where a number belongs ("陰性", "溶血") is kept as text */
			json_t *q;
			const char *text;
			if ((rc = v2m_qty_or_text(c, value, &unit, "OBX-5 (NM)", &q, &text)) != RK_OK)
				goto fail;
			if (q)
				v2m_put(o, "valueQuantity", q);
			else
				v2m_put(o, "valueString", json_string(text));
		} else if (str_eq_c(vt, "CWE") || str_eq_c(vt, "CE") || str_eq_c(vt, "CNE")) {
			json_t *v;
			if ((rc = v2m_cc_field(c, s, 5, 0, CODE_LOOSE, "OBX-5", &v)) != RK_OK)
				goto fail;
			v2m_put(o, "valueCodeableConcept", v);
		} else if (str_eq_c(vt, "TS") || str_eq_c(vt, "DT")) {
			json_t *v;
			if ((rc = v2m_ts(c, v2m_T(c, s, 5, 0, 1, 0), TS_DATETIME, "OBX-5", &v)) != RK_OK)
				goto fail;
			v2m_put(o, "valueDateTime", v);
		} else if (str_eq_c(vt, "XCN")) {
			json_t *p = v2m_person_ref(c, s, 5);
			v2m_put(o, "valueString", json_incref(json_object_get(p, "display")));
			json_decref(p);
		} else {
			v2m_put(o, "valueString", v2m_jstr(value));
		}
	}
	json_t *interp = json_array();
	for (int r = 0; r < hl7_reps(c->m, s, 8) && r < 4; r++) {
		struct str f = v2m_T(c, s, 8, r, 1, 0);
		const struct v2map_code *k = v2map_code_find(v2map_interpretation, f);
		if (k)
			v2m_push(interp, v2m_cc1(INTERPRETATION_SYSTEM, k->to, k->display));
		else if (f.len)
			v2m_warn(c, "OBX-8: unknown abnormal flag '%.*s'; left out", (int)(f.len > 8 ? 8 : f.len),
				 f.ptr);
	}
	v2m_put_nonempty(o, "interpretation", interp);
	json_t *rr = reference_range(c, v2m_T(c, s, 7, 0, 0, 0), &unit);
	if (rr)
		v2m_put(o, "referenceRange", json_pack("[o]", rr));
	if (spm)
		v2m_put(o, "specimen", v2m_specimen_ref(c, spm));
	*id = v2m_add_res(c, "Observation", s, 0, o);
	return *id ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
fail:
	json_decref(o);
	return rc;
}

/* ---- IN1 → Coverage (JP Core JP_Coverage) ---- */

static const struct fmap in1_map[] = {
	{12, 1, F_DATE, "period.start"},
	{13, 1, F_DATE, "period.end"},
};

/* IN1-17 (HL7 0063, the insured's relationship to the patient) → subscriber-relationship. */
static const struct v2map_code relation[] = {
	{"SEL", "self", "Self"},     {"SPO", "spouse", "Spouse"},
	{"CHD", "child", "Child"},   {"PAR", "parent", "Parent"},
	{"EME", "other", "Other"},   {"FTH", "parent", "Parent"},
	{"MTH", "parent", "Parent"}, {"DOM", "common", "Common Law Spouse"},
	{NULL, NULL, NULL},
};

/* One IN1: the kind of insurance (IN1-2), the insurer (IN1-3 保険者番号, IN1-4
 * name), 記号 and 番号 of the insured's card (IN1-10, IN1-11, as JAHIS carries
 * them), the period (IN1-12/13) and the insured's relationship (IN1-17). */
static enum rk_status map_coverage(struct mc *c, const struct hl7_segment *s)
{
	json_t *type;
	enum rk_status rc = v2m_cc_field(c, s, 2, 0, CODE_LOOSE, "IN1-2", &type);
	if (rc != RK_OK)
		return rc;
	struct str insurer = v2m_T(c, s, 3, 0, 1, 0), name = v2m_T(c, s, 4, 0, 1, 0);
	if (!insurer.len && !name.len && !type) {
		v2m_warn(c, "IN1-3: insurer missing; the insurance is left out");
		return RK_OK;
	}
	json_t *cv = v2m_new_res(c, "Coverage", NULL);
	struct str symbol = v2m_T(c, s, 10, 0, 1, 0), number = v2m_T(c, s, 11, 0, 1, 0);
	json_t *ext = json_array();
	if (symbol.len)
		v2m_push(ext, json_pack("{s:s, s:o}", "url", JP_COVERAGE_EXT_PREFIX "InsuredPersonSymbol",
					"valueString", v2m_jstr(symbol)));
	if (number.len)
		v2m_push(ext, json_pack("{s:s, s:o}", "url", JP_COVERAGE_EXT_PREFIX "InsuredPersonNumber",
					"valueString", v2m_jstr(number)));
	v2m_put_nonempty(cv, "extension", ext);
	v2m_put(cv, "status", json_string("active"));
	v2m_put(cv, "type", type);
	const struct v2map_code *rel = v2map_code_find(relation, v2m_T(c, s, 17, 0, 1, 0));
	if (rel && strcmp(rel->to, "self") == 0)
		v2m_put(cv, "subscriber", json_pack("{s:s}", "reference", c->pref));
	v2m_put(cv, "subscriberId", v2m_jstr(number));
	v2m_put(cv, "beneficiary", json_pack("{s:s}", "reference", c->pref));
	if (rel)
		v2m_put(cv, "relationship", v2m_cc1(SUBSCRIBER_RELATION_SYSTEM, rel->to, rel->display));
	if ((rc = MAP(s, in1_map, cv)) != RK_OK) {
		json_decref(cv);
		return rc;
	}
	json_t *payor = json_object();
	if (insurer.len)
		v2m_put(payor, "identifier",
			json_pack("{s:s, s:o}", "system", JP_INSURER_NUMBER_SYSTEM, "value", v2m_jstr(insurer)));
	struct str shown = name.len ? name : v2m_T(c, s, 2, 0, 2, 0);
	v2m_put(payor, "display", v2m_jstr(shown.len ? shown : insurer));
	v2m_put(cv, "payor", json_pack("[o]", payor));
	return v2m_add_res(c, "Coverage", s, 0, cv) ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

/* ---- ADT-00: Patient, AL1 allergies, OBX body measurements and blood type ---- */

static enum rk_status map_adt00(struct mc *c)
{
	for (size_t i = 0; i < c->m->nseg; i++) {
		const struct hl7_segment *s = &c->m->segs[i];
		enum rk_status rc = RK_OK;
		const char *id;
		if (str_eq_c(s->name, "AL1")) {
			rc = map_allergy(c, s);
		} else if (str_eq_c(s->name, "IN1")) {
			rc = map_coverage(c, s);
		} else if (str_eq_c(s->name, "OBX")) {
			/* JLAC10 9N... are 身長/体重 (vital signs, JAMI guide); others (血液型) laboratory */
			struct str code = v2m_T(c, s, 3, 0, 1, 0);
			const char *cat = str_starts_with(code, "9N") ? "vital-signs" : "laboratory";
			rc = v2m_map_obx(c, s, NULL, NULL, cat, CODE_KEEP, &id);
			if (rc == RK_OK && id && !json_object_get(c->res[c->n - 1].body, "effectiveDateTime")) {
				json_t *eff;
				rc = v2m_ts(c, v2m_T(c, hl7_seg(c->m, "EVN", 0), 2, 0, 1, 0), TS_DATETIME, "EVN-2",
					    &eff);
				v2m_put(c->res[c->n - 1].body, "effectiveDateTime", eff);
			}
		}
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* ---- ADT-12 .. ADT-52: Encounter ---- */

static json_t *location(struct mc *c, const struct hl7_segment *pv1, int f)
{
	struct str ward = v2m_T(c, pv1, f, 0, 1, 0), room = v2m_T(c, pv1, f, 0, 2, 0), bed = v2m_T(c, pv1, f, 0, 3, 0);
	if (!ward.len && !room.len && !bed.len)
		return NULL;
	const char *d = arena_printf(c->a, "%s%.*s%s%.*s%s%.*s", ward.len ? "病棟 " : "", STR_FMT(ward),
				     room.len ? " 病室 " : "", STR_FMT(room), bed.len ? " ベッド " : "", STR_FMT(bed));
	return d ? json_pack("{s:{s:s}}", "location", "display", d) : NULL;
}

static json_t *participant(struct mc *c, const struct hl7_segment *pv1, int f, const char *type, const char *display)
{
	json_t *who = v2m_person_ref(c, pv1, f);
	if (!who)
		return NULL;
	return json_pack("{s:[o], s:o}", "type", v2m_cc1(PARTICIPATION_SYSTEM, type, display), "individual", who);
}

static const struct fmap pv1_map[] = {
	{44, 1, F_DATETIME, "period.start"},
	{45, 1, F_DATETIME, "period.end"},
};
/* ADT-21 / ADT-51: planned admission and discharge (PV2-8, PV2-9). */
static const struct fmap pv2_map[] = {
	{8, 1, F_DATETIME, "period.start"},
	{9, 1, F_DATETIME, "period.end"},
};

/* Without PV1-44/45 the message's event is when: EVN-6 (occurred), EVN-2
 * (recorded) or MSH-7. A visit, an admission (or its plan) starts then; a
 * discharge ends then. So every Encounter has a date to sort by. */
static enum rk_status event_period(struct mc *c, json_t *e)
{
	const struct hl7_segment *evn = hl7_seg(c->m, "EVN", 0);
	struct str when = v2m_T(c, evn, 6, 0, 1, 0);
	const char *where = "EVN-6";
	if (!when.len)
		when = v2m_T(c, evn, 2, 0, 1, 0), where = "EVN-2";
	if (!when.len)
		when = c->m->timestamp, where = "MSH-7";
	struct str ev = c->m->event;
	bool starts = str_eq_c(ev, "A04") || str_eq_c(ev, "A01") || str_eq_c(ev, "A14");
	bool ends = str_eq_c(ev, "A03");
	json_t *period = json_object_get(e, "period");
	if ((!starts || json_object_get(period, "start")) && (!ends || json_object_get(period, "end")))
		return RK_OK;
	json_t *t;
	enum rk_status rc = v2m_ts(c, when, TS_DATETIME, where, &t);
	if (rc != RK_OK || !t)
		return rc;
	if (!period)
		json_object_set_new(e, "period", period = json_object());
	v2m_put(period, starts ? "start" : "end", t);
	return RK_OK;
}

static enum rk_status map_encounter(struct mc *c)
{
	const struct hl7_segment *pv1 = hl7_seg(c->m, "PV1", 0);
	if (!pv1)
		return v2m_fail(c, RK_INVALID, "PV1 missing");
	const struct v2map_event *ev = v2map_event_find(c->m->event);
	if (!ev)
		return v2m_fail(c, RK_UNPROCESSABLE, "MSH-9: ADT event '%.*s' is not mapped", STR_FMT(c->m->event));
	struct str pc = v2m_T(c, pv1, 2, 0, 1, 0);
	const struct v2map_code *cls = v2map_code_find(v2map_patient_class, pc);
	/* A class HL7 0004 has but FHIR's ActCode does not (C commercial, N not
	 * applicable, U unknown), a local one or none: the visit is kept, its
	 * class said to be unknown, with a warning; it is not a reason to lose it. */
	static const struct v2map_code unknown_class = {"", "UNK", "unknown"};
	if (!cls) {
		if (pc.len)
			v2m_warn(
				c,
				"PV1-2: patient class '%.*s' has no FHIR equivalent; the visit is kept with class unknown",
				(int)(pc.len > 8 ? 8 : pc.len), pc.ptr);
		else
			v2m_warn(c, "PV1-2: patient class missing; the visit is kept with class unknown");
		cls = &unknown_class;
	}
	json_t *e = v2m_new_res(c, "Encounter", "subject");
	struct str visit = v2m_T(c, pv1, 19, 0, 1, 0);
	if (visit.len)
		v2m_put(e, "identifier", json_pack("[{s:o}]", "value", v2m_jstr(visit)));
	v2m_put(e, "status", json_string(ev->status));
	v2m_put(e, "class",
		v2m_coding(cls == &unknown_class ? "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
						 : ACT_CODE_SYSTEM,
			   cls->to, cls->display));
	v2m_put(e, "type", json_pack("[{s:s}]", "text", c->kind->doc));
	enum rk_status rc = MAP(pv1, pv1_map, e);
	if (rc == RK_OK && (str_eq_c(c->m->event, "A14") || str_eq_c(c->m->event, "A16")))
		rc = MAP(hl7_seg(c->m, "PV2", 0), pv2_map, e);
	if (rc != RK_OK)
		goto fail;
	json_t *parts = json_array();
	v2m_push(parts, participant(c, pv1, 7, "ATND", "attender"));
	v2m_push(parts, participant(c, pv1, 17, "ADM", "admitter"));
	v2m_put_nonempty(e, "participant", parts);
	/* where the patient is (PV1-3) and, on a transfer, was (PV1-6); EVN-6 is when */
	json_t *when;
	if ((rc = v2m_ts(c, v2m_T(c, hl7_seg(c->m, "EVN", 0), 6, 0, 1, 0), TS_DATETIME, "EVN-6", &when)) != RK_OK)
		goto fail;
	json_t *locs = json_array(), *now = location(c, pv1, 3), *before = location(c, pv1, 6);
	if (now) {
		v2m_put(now, "status", ev->loc_status ? json_string(ev->loc_status) : NULL);
		json_t *start =
			when ? json_incref(when) : json_incref(json_object_get(json_object_get(e, "period"), "start"));
		if (start)
			v2m_put(now, "period", json_pack("{s:o}", "start", start));
		v2m_push(locs, now);
	}
	if (before && str_eq_c(c->m->event, "A02")) {
		v2m_put(before, "status", json_string("completed"));
		if (when)
			v2m_put(before, "period", json_pack("{s:O}", "end", when));
		v2m_push(locs, before);
	} else {
		json_decref(before);
	}
	json_decref(when);
	v2m_put_nonempty(e, "location", locs);
	struct str disp = v2m_T(c, pv1, 36, 0, 1, 0);
	if (disp.len)
		v2m_put(e, "hospitalization",
			json_pack("{s:{s:[{s:s, s:o}]}}", "dischargeDisposition", "coding", "system", DISCHARGE_SYSTEM,
				  "code", v2m_jstr(disp)));
	if ((rc = event_period(c, e)) != RK_OK)
		goto fail;
	/* one Encounter per visit (PV1-19) or admission (PV1-44) */
	struct str adm = v2m_T(c, pv1, 44, 0, 1, 0);
	const char *key = NULL;
	if (visit.len)
		key = arena_printf(c->a, "enc-v%.*s", STR_FMT(visit));
	else if (adm.len >= 12 && str_is_digits((struct str){adm.ptr, 12}))
		key = arena_printf(c->a, "enc-a%.12s", adm.ptr);
	if (key)
		return add_res_keyed(c, "Encounter", key, e) ? RK_OK
							     : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	return v2m_add_res(c, "Encounter", pv1, 0, e) ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
fail:
	json_decref(e);
	return rc;
}

/* ---- PPR-01: Condition per PRB (with its ZPR) ---- */

static const struct fmap prb_map[] = {
	{4, 1, F_STR, "identifier[0].value"},
	{7, 1, F_DATETIME, "recordedDate"},
	{9, 1, F_DATETIME, "abatementDateTime"},
	{16, 1, F_DATETIME, "onsetDateTime"},
};

/* PRB-13 (確からしさ, HL7 0389 / JAHIS): 疑い is provisional, 確定 confirmed,
 * 否定 refuted, 鑑別 differential (JAMI's SS-MIX2→FHIR mapping); a diagnosis
 * without PRB-13 whose text (PRB-17) says 疑い is provisional too. */
static const char *verification(struct mc *c, const struct hl7_segment *prb)
{
	static const struct {
		const char *code, *word, *status;
	} rows[] = {
		{"P", "疑", "provisional"}, {"S", NULL, "provisional"},    {"C", "確定", "confirmed"},
		{"R", "否定", "refuted"},   {"D", "鑑別", "differential"},
	};
	struct str code = v2m_T(c, prb, 13, 0, 1, 0), text = v2m_T(c, prb, 13, 0, 2, 0);
	if (!text.len && code.len && !str_is_digits(code) && code.len > 2)
		text = code; /* PRB-13 as plain text: "疑い" */
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if ((code.len && str_eq_c(code, rows[i].code)) ||
		    (rows[i].word && text.len && str_contains(text, rows[i].word)))
			return rows[i].status;
	struct str as_written = v2m_T(c, prb, 17, 0, 0, 0);
	if (!code.len && !text.len && str_contains(as_written, "疑い"))
		return "provisional";
	return "confirmed";
}

static enum rk_status map_condition(struct mc *c, const struct hl7_segment *s, const struct hl7_segment *orc)
{
	const struct hl7_segment *zpr = v2m_next_in_group(c, v2m_seg_index(c, s), "ZPR", "PRB ORC");
	/* MEDIS: 病名交換用コード (ZPR-5, or PRB-3 when 4 characters), 病名管理番号 (8 digits); ICD-10 (PRB-10) */
	struct cwe v[4] = {v2m_cwe_at(c, zpr, 5, 0, 1), v2m_cwe_at(c, s, 3, 0, 1), v2m_cwe_at(c, s, 10, 0, 1)};
	struct str text = v2m_T(c, s, 17, 0, 0, 0);
	size_t n = 3;
	if (v[1].code.len && str_eq_c(v[1].sys, "MDCDX2") && v[1].code.len != 4 &&
	    !(v[1].code.len == 8 && str_is_digits(v[1].code))) {
		v2m_warn(c, "PRB-3: MDCDX2 code '%.*s' is neither a 病名交換用コード nor a 病名管理番号; kept as text",
			 (int)(v[1].code.len > 16 ? 16 : v[1].code.len), v[1].code.ptr);
		v[1].code = STR_NULL;
	}
	if (text.len) /* PRB-17 is the diagnosis as written (with its modifiers) */
		v[3] = (struct cwe){STR_NULL, text, STR_NULL}, n = 4;
	json_t *code;
	enum rk_status rc = v2m_cc_of(c, v, n, CODE_KEEP, "PRB-3", &code);
	if (rc != RK_OK)
		return rc;
	if (!code)
		return v2m_fail(c, RK_INVALID, "PRB-3: diagnosis missing");
	if (text.len)
		json_object_set_new(code, "text", v2m_jstr(text));
	json_t *d = v2m_new_res(c, "Condition", NULL);
	if ((rc = MAP(s, prb_map, d)) != RK_OK) {
		json_decref(d);
		json_decref(code);
		return rc;
	}
	bool deleted = str_eq_c(v2m_T(c, s, 1, 0, 1, 0), "DE");
	if (!deleted) {
		const struct v2map_code *oc = v2map_code_find(v2map_outcome, v2m_T(c, s, 14, 0, 1, 0));
		const char *cs = json_object_get(d, "abatementDateTime") ? "resolved" : oc ? oc->to : "active";
		v2m_put(d, "clinicalStatus", v2m_cc1(COND_CLINICAL_SYSTEM, cs, NULL));
	}
	v2m_put(d, "verificationStatus",
		v2m_cc1(COND_VER_SYSTEM, deleted ? "entered-in-error" : verification(c, s), NULL));
	json_t *cats = json_pack("[o]", v2m_cc1(COND_CATEGORY_SYSTEM, "problem-list-item", "Problem List Item"));
	json_t *rank; /* PRB-18: 主診断 / 副診断 (JHSD0007) */
	if ((rc = v2m_cc_field(c, s, 18, 0, CODE_LOOSE, "PRB-18", &rank)) != RK_OK) {
		json_decref(cats);
		json_decref(d);
		json_decref(code);
		return rc;
	}
	v2m_push(cats, rank);
	v2m_put(d, "category", cats);
	v2m_put(d, "code", code);
	v2m_put(d, "subject", json_pack("{s:s}", "reference", c->pref));
	v2m_put(d, "recorder", v2m_person_ref(c, orc, 12));
	return v2m_add_res(c, "Condition", s, 0, d) ? RK_OK : v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
}

/* ---- dispatch ---- */

static enum rk_status map_allergies(struct mc *c)
{
	size_t found = 0;
	for (size_t i = 0; i < c->m->nseg; i++)
		if (str_eq_c(c->m->segs[i].name, "IAM")) {
			found++;
			enum rk_status rc = map_allergy(c, &c->m->segs[i]);
			if (rc != RK_OK)
				return rc;
		}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "IAM missing: no allergy in the message");
}

static enum rk_status map_conditions(struct mc *c)
{
	const struct hl7_segment *orc = hl7_seg(c->m, "ORC", 0);
	size_t found = 0;
	for (size_t i = 0; i < c->m->nseg; i++)
		if (str_eq_c(c->m->segs[i].name, "PRB")) {
			found++;
			enum rk_status rc = map_condition(c, &c->m->segs[i], orc);
			if (rc != RK_OK)
				return rc;
		}
	return found ? RK_OK : v2m_fail(c, RK_INVALID, "PRB missing: no diagnosis in the message");
}

static enum rk_status (*const mappers[])(struct mc *) = {
	[V2M_PATIENT] = map_adt00,         [V2M_ENCOUNTER] = map_encounter,      [V2M_ALLERGY] = map_allergies,
	[V2M_CONDITION] = map_conditions,  [V2M_MED_ORDER] = v2m_map_med_orders, [V2M_MED_ADMIN] = v2m_map_med_admins,
	[V2M_LAB_ORDER] = v2m_map_orders,  [V2M_LAB_RESULT] = v2m_map_results,   [V2M_EXAM_ORDER] = v2m_map_orders,
	[V2M_EXAM_DONE] = v2m_map_studies, [V2M_EXAM_RESULT] = v2m_map_results,  [V2M_DIET] = v2m_map_diet,
};

/* Does the data type accept MSH-9? */
static bool accepts(const struct v2map_kind *k, struct str type, struct str event)
{
	const char *p = k->msg_types;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *caret = memchr(p, '^', len);
		if (caret && str_eq((struct str){p, (size_t)(caret - p)}, type) &&
		    str_eq((struct str){caret + 1, len - (size_t)(caret - p) - 1}, event))
			return true;
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

static bool injection_route(struct str r)
{
	static const char *const routes[] = {"IV", "IM", "SC", "ID", "IA", "IT", "IVP", "IO", "IS"};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (str_eq_c(r, routes[i]))
			return true;
	return false;
}

/* The data type of a message without a file name (MLLP): the only row that
 * accepts MSH-9, or the one its content points to. NULL when none. */
static const struct v2map_kind *infer(struct mc *c)
{
	const struct v2map_kind *first = NULL;
	size_t n = 0;
	for (size_t i = 0; i < v2map_kinds_len; i++)
		if (accepts(&v2map_kinds[i], c->m->msg_type, c->m->event)) {
			if (!first)
				first = &v2map_kinds[i];
			n++;
		}
	if (n <= 1)
		return first;
	const char *dt = NULL;
	struct str type = c->m->msg_type;
	if (str_eq_c(type, "ADT")) { /* A11: cancels an outpatient visit or an admission */
		dt = str_eq_c(v2m_T(c, hl7_seg(c->m, "PV1", 0), 2, 0, 1, 0), "O") ? "ADT-12" : "ADT-22";
	} else if (str_eq_c(type, "RDE") || str_eq_c(type, "RAS")) {
		bool inj = hl7_seg(c->m, "RXC", 0) || injection_route(v2m_T(c, hl7_seg(c->m, "RXR", 0), 1, 0, 1, 0));
		dt = str_eq_c(type, "RDE") ? (inj ? "OMP-02" : "OMP-01") : (inj ? "OMP-12" : "OMP-11");
	} else if (str_eq_c(type, "OMG") || str_eq_c(type, "OMI")) {
		struct str sys = v2m_T(c, hl7_seg(c->m, "OBR", 0), 4, 0, 3, 0);
		bool endo = str_eq_c(sys, "LENDO") || str_eq_c(v2m_T(c, hl7_seg(c->m, "IPC", 0), 5, 0, 1, 0), "ES");
		if (str_eq_c(type, "OMI"))
			dt = endo ? "OMG-12" : "OMG-11";
		else
			dt = str_eq_c(sys, "JJ1017") ? "OMG-01" : endo ? "OMG-02" : "OMG-03";
	}
	return dt ? v2map_kind_find(str_c(dt)) : first;
}

/* ---- the message ---- */

/* The 診療日 of a message without a file name: ORC-9, EVN-2 or MSH-7's day
 * (*where names the field, for the error when it is not a date). */
static struct str message_date(struct mc *c, const char **where)
{
	static const char *const names[] = {"ORC-9", "EVN-2", "MSH-7"};
	struct str cand[3] = {v2m_T(c, hl7_seg(c->m, "ORC", 0), 9, 0, 1, 0),
			      v2m_T(c, hl7_seg(c->m, "EVN", 0), 2, 0, 1, 0), c->m->timestamp};
	for (size_t i = 0; i < 3; i++)
		if (cand[i].len) {
			*where = names[i];
			return cand[i].len >= 8 && str_is_digits((struct str){cand[i].ptr, 8})
				       ? (struct str){cand[i].ptr, 8}
				       : cand[i];
		}
	*where = "date";
	return STR_LIT("-");
}

static bool pid_ok(struct str pid)
{
	if (!pid.len || pid.len > RK_MAX_LOCAL_PID_LEN)
		return false;
	for (size_t i = 0; i < pid.len; i++) {
		char ch = pid.ptr[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '-'))
			return false;
	}
	return true;
}

/* PID-3: the repetition typed PI (patient internal ID), else the first. */
struct str v2map_pid3(const struct hl7_msg *m, struct arena *a)
{
	const struct hl7_segment *pid = hl7_seg(m, "PID", 0);
	if (!pid)
		return STR_NULL;
	struct str pid3 = str_trim(hl7_text(m, pid, 3, 0, 1, 0, a));
	for (int r = 0; r < hl7_reps(m, pid, 3) && r < 8; r++)
		if (str_eq_c(str_trim(hl7_text(m, pid, 3, r, 5, 0, a)), "PI")) {
			pid3 = str_trim(hl7_text(m, pid, 3, r, 1, 0, a));
			break;
		}
	return pid3;
}

/* Who, when, which order: the parts of every id. */
static enum rk_status identify(struct mc *c)
{
	const struct v2map_input *in = c->in;
	if (in->facility_code.len != 10 || !str_is_digits(in->facility_code))
		return v2m_fail(c, RK_INVALID, "facility code '%.*s' is not 10 digits",
				(int)(in->facility_code.len > 20 ? 20 : in->facility_code.len),
				in->facility_code.ptr ? in->facility_code.ptr : "");
	c->fac = in->facility_code;
	if (in->data_type.len) {
		c->kind = v2map_kind_find(in->data_type);
		if (!c->kind)
			return v2m_fail(c, RK_UNPROCESSABLE, "data type '%.*s' is not mapped",
					(int)(in->data_type.len > 16 ? 16 : in->data_type.len), in->data_type.ptr);
	} else {
		c->kind = infer(c);
	}
	if (!c->kind || !accepts(c->kind, c->m->msg_type, c->m->event))
		return v2m_fail(c, RK_UNPROCESSABLE, "unknown message type %.*s^%.*s%s%s",
				(int)(c->m->msg_type.len > 8 ? 8 : c->m->msg_type.len),
				c->m->msg_type.ptr ? c->m->msg_type.ptr : "",
				(int)(c->m->event.len > 8 ? 8 : c->m->event.len),
				c->m->event.ptr ? c->m->event.ptr : "", c->kind ? " for data type " : "",
				c->kind ? c->kind->data_type : "");
	const struct hl7_segment *pid = hl7_seg(c->m, "PID", 0);
	if (!pid)
		return v2m_fail(c, RK_INVALID, "PID missing");
	struct str pid3 = v2map_pid3(c->m, c->a);
	c->pid = in->patient_id.len ? in->patient_id : pid3;
	if (!c->pid.len)
		return v2m_fail(c, RK_INVALID, "PID-3 missing");
	if (!pid_ok(c->pid))
		return v2m_fail(c, RK_INVALID, "%s: patient ID '%.*s' must be 1 to %d characters A-Z a-z 0-9 -",
				in->patient_id.len ? "patient ID" : "PID-3", (int)(c->pid.len > 32 ? 32 : c->pid.len),
				c->pid.ptr, RK_MAX_LOCAL_PID_LEN);
	/* SS-MIX2: the patient of the message is the patient of its folder and
	 * file name (ssmix2.c checked those two agree), or the file is not stored */
	if (in->patient_id.len && pid3.len && !str_eq(pid3, in->patient_id))
		return v2m_fail(c, RK_INVALID, "PID-3 patient %.*s does not match the storage folder %.*s",
				(int)(pid3.len > 32 ? 32 : pid3.len), pid3.ptr,
				(int)(in->patient_id.len > 32 ? 32 : in->patient_id.len), in->patient_id.ptr);
	const char *dwhere = "date";
	c->date = in->date.len ? in->date : c->kind->no_date ? STR_LIT("-") : message_date(c, &dwhere);
	struct time_range r;
	if (!str_eq_c(c->date, "-") && (c->date.len != 8 || !str_is_digits(c->date) || !time_parse_hl7(c->date, 0, &r)))
		return in->date.len ? v2m_fail(c, RK_INVALID, "date '%.*s' is not YYYYMMDD or -",
					       (int)(c->date.len > 16 ? 16 : c->date.len), c->date.ptr)
				    : v2m_fail(c, RK_INVALID, "%s: '%.*s' is not an HL7 date/time", dwhere,
					       (int)(c->date.len > 40 ? 40 : c->date.len), c->date.ptr);
	c->order = in->order_no;
	if (!c->order.len)
		c->order = v2m_T(c, hl7_seg(c->m, "ORC", 0), 2, 0, 1, 0);
	if (!c->order.len)
		c->order = c->m->control_id;
	if (!c->order.len)
		c->order = STR_LIT("-");
	c->pref = arena_printf(c->a, "Patient/%.*s-%.*s", STR_FMT(c->fac), STR_FMT(c->pid));
	c->base = arena_printf(c->a, "%.*s-%.*s.%.*s.%s.%.*s", STR_FMT(c->fac), STR_FMT(c->pid), STR_FMT(c->date),
			       c->kind->data_type, STR_FMT(c->order));
	if (!c->pref || !c->base)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	c->hbase = arena_printf(c->a, "%.*s-%.*s.h%016llx", STR_FMT(c->fac), STR_FMT(c->pid),
				(unsigned long long)str_hash(str_c(c->base)));
	c->cap = c->m->nseg + 1;
	c->res = arena_calloc(c->a, c->cap, sizeof *c->res);
	if (!c->hbase || !c->res)
		return v2m_fail(c, RK_TOO_LARGE, "out of mapping memory");
	return RK_OK;
}

static void free_resources(struct v2map_resource *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(res[i].body);
}

enum rk_status v2map_message(const struct hl7_msg *m, const struct v2map_input *in, struct arena *a,
			     struct v2map_result *out, struct rk_err *err)
{
	struct mc c = {.m = m, .in = in, .a = a, .err = err};
	enum rk_status rc = identify(&c);
	if (rc != RK_OK)
		return rc;
	json_t *patient = NULL;
	if ((rc = map_patient_resource(&c, hl7_seg(m, "PID", 0), &patient)) != RK_OK)
		return rc;
	/* An order withdrawn (ORC-1 CA, DC, ...): the caller deletes what doc_key produced. */
	bool cancel = false;
	for (size_t i = 0; i < hl7_seg_count(m, "ORC"); i++)
		cancel |= v2map_control_cancels(v2m_T(&c, hl7_seg(m, "ORC", i), 1, 0, 1, 0));
	if (!cancel && (rc = mappers[c.kind->mapper](&c)) != RK_OK) {
		free_resources(c.res, c.n);
		json_decref(patient);
		return rc;
	}
	*out = (struct v2map_result){
		.data_type = str_c(c.kind->data_type),
		.patient_id = arena_str(a, c.pid),
		.patient_ref = str_c(c.pref + strlen("Patient/")),
		.doc_key = str_c(c.base),
		.patient_authoritative = c.kind->mapper == V2M_PATIENT,
		.cancel = cancel,
		.patient = patient,
		.res = c.res,
		.n = c.n,
		.nwarn = c.nwarn,
		.nwarn_more = c.nwarn_more,
	};
	memcpy(out->warnings, c.warn, sizeof c.warn);
	return RK_OK;
}

void v2map_free(struct v2map_result *r)
{
	if (!r)
		return;
	free_resources(r->res, r->n);
	json_decref(r->patient);
	r->patient = NULL;
	r->res = NULL;
	r->n = 0;
}

size_t v2map_data_types(const char *const **out)
{
	*out = v2map_kind_names;
	return v2map_kinds_len;
}
