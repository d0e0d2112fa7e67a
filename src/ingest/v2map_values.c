/* v2map_values.c — the value helpers of ingest/v2map (v2map_impl.h): HL7
 * timestamps, numbers, coded values and their JP Core systems, drugs,
 * quantities and durations, and the per-segment field maps (v2m_apply_map). */
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
