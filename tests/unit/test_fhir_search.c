/* test_fhir_search.c — fhir/search.c: query parameters become a store query,
 * or a specific error; the canonical query used in paging links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fhir/jpcore.h"
#include "fhir/search.h"

static const struct fhir_search_opts opts = {.default_count = 20, .max_count = 100, .now = 1700000000000};

struct parsed {
	struct arena a;
	struct fhir_search fs;
	struct rk_err err;
	enum rk_status st;
};

/* Parse "k=v&k=v" (no URL decoding) for Patient. */
static void parse(struct parsed *p, const char *query)
{
	static char buf[4096];
	struct str_pair pairs[80];
	size_t n = 0;
	snprintf(buf, sizeof buf, "%s", query);
	struct str rest = str_c(buf), field;
	while (*query && str_next(&rest, '&', &field) && n < 80) {
		str_cut(field, '=', &pairs[n].key, &pairs[n].value);
		n++;
	}
	arena_init(&p->a, 1 << 20);
	rk_err_clear(&p->err);
	const struct fhir_resource_def *def = fhir_resource_find("Patient", 7);
	p->st = fhir_search_parse(def, pairs, n, &opts, &p->a, &p->fs, &p->err);
}

static void test_defaults(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "");
	assert_int_equal(p.st, RK_OK);
	assert_int_equal(p.fs.q.count, 20);
	assert_true(p.fs.q.want_total);
	assert_int_equal(p.fs.q.n_conds, 0);
	assert_string_equal(p.fs.canonical, "_count=20");
	arena_free(&p.a);
}

static void test_kinds_and_modifiers(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "name=やまだ&gender:not=male&birthdate=ge1980-01&identifier=urn:x|42&organization=Organization/o1"
		  "&family:exact=山田&given:contains=太&_id=a,b&_lastUpdated=lt2026&address:missing=true");
	assert_int_equal(p.st, RK_OK);
	assert_int_equal(p.fs.q.n_conds, 10);
	const struct store_cond *c = p.fs.q.conds;
	assert_int_equal(c[0].kind, COND_STRING);
	assert_true(str_eq_c(c[0].values[0].code, "ヤマダ")); /* the search key, not the text */
	assert_true(str_eq_c(c[0].values[0].upper, "ヤマチ"));
	assert_int_equal(c[1].modifier, MOD_NOT);
	assert_int_equal(c[2].kind, COND_DATE);
	assert_int_equal(c[2].values[0].prefix, PFX_GE);
	assert_true(c[3].values[0].has_system);
	assert_true(str_eq_c(c[3].values[0].system, "urn:x"));
	assert_true(str_eq_c(c[3].values[0].code, "42"));
	assert_true(str_eq_c(c[4].values[0].system, "Organization"));
	assert_true(str_eq_c(c[4].values[0].code, "o1"));
	assert_int_equal(c[5].modifier, MOD_EXACT);
	assert_true(str_eq_c(c[5].values[0].code, "山田"));
	assert_true(str_eq_c(c[6].values[0].code, "%太%"));
	assert_int_equal(c[7].n_values, 2);
	assert_int_equal(c[8].kind, COND_LAST_UPDATED);
	assert_int_equal(c[9].modifier, MOD_MISSING);
	assert_true(c[9].missing);
	arena_free(&p.a);
}

static void test_escapes(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "identifier=a\\|b|c\\,d,e&given:contains=50%_x");
	assert_int_equal(p.st, RK_OK);
	const struct store_cond *c = p.fs.q.conds;
	assert_int_equal(c[0].n_values, 2);
	assert_true(str_eq_c(c[0].values[0].system, "a|b"));
	assert_true(str_eq_c(c[0].values[0].code, "c,d"));
	assert_true(str_eq_c(c[0].values[1].code, "e"));
	assert_true(str_eq_c(c[1].values[0].code, "%50\\%\\_x%")); /* LIKE metacharacters escaped */
	arena_free(&p.a);
}

/* A JP Core system named by its OID searches under its JP Core URI, as the
 * index keeps it (fhir/index.c); other systems stay as written. */
static void test_jpcore_oid_alias(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "identifier=urn:oid:1.2.392.200119.4.504|3D046000001920402,urn:oid:1.2.392.100495.20.3.51.1|7"
		  "&identifier=urn:oid:1.2.392.100495.20.1.73|");
	assert_int_equal(p.st, RK_OK);
	const struct store_cond *c = p.fs.q.conds;
	assert_true(str_eq_c(c[0].values[0].system, JP_JLAC10_SYSTEM));
	assert_true(str_eq_c(c[0].values[1].system, "urn:oid:1.2.392.100495.20.3.51.1"));
	assert_true(str_eq_c(c[1].values[0].system, "http://capstandard.jp/iyaku.info/CodeSystem/YJ-code"));
	assert_null(jp_system_uri(str_c("urn:oid:1.2.392.200119.4.504.9")));
	const char *what = NULL;
	assert_false(jp_code_shape_ok(str_c("urn:oid:1.2.392.200119.4.403.1"), str_c("12345"), &what));
	assert_string_equal(what, "9 digits (HOT9)");
	assert_true(jp_code_shape_ok(str_c(JP_HOT9_SYSTEM), str_c("103835401"), &what));
	arena_free(&p.a);
}

static void test_controls_and_canonical(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "name=a b&_count=5&_offset=10&_sort=-birthdate,_id&_total=none");
	assert_int_equal(p.st, RK_OK);
	assert_int_equal(p.fs.q.count, 5);
	assert_int_equal(p.fs.q.offset, 10);
	assert_false(p.fs.q.want_total);
	assert_int_equal(p.fs.q.n_sort, 2);
	assert_true(p.fs.q.sort[0].desc);
	assert_int_equal(p.fs.q.sort[0].kind, COND_DATE);
	assert_string_equal(p.fs.canonical, "name=a%20b&_sort=-birthdate%2C_id&_total=none&_count=5");
	arena_free(&p.a);
	parse(&p, "_summary=count&gender=female");
	assert_int_equal(p.st, RK_OK);
	assert_true(p.fs.summary_count);
	assert_int_equal(p.fs.q.count, 0);
	arena_free(&p.a);
}

static void expect_error(const char *query, enum rk_status st, const char *fragment)
{
	struct parsed p;
	parse(&p, query);
	if (p.st != st || !strstr(p.err.msg, fragment))
		fail_msg("%s: got %s '%s', want %s containing '%s'", query, rk_status_name(p.st), p.err.msg,
			 rk_status_name(st), fragment);
	arena_free(&p.a);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("colour=blue", RK_INVALID, "unknown search parameter 'colour'");
	expect_error("_count=101", RK_INVALID, "above the maximum of 100");
	expect_error("_count=x", RK_INVALID, "whole number");
	expect_error("_offset=-1", RK_INVALID, "_offset");
	expect_error("birthdate=2020-13", RK_INVALID, "is not a date");
	expect_error("birthdate=zz2020", RK_INVALID, "unknown prefix");
	expect_error("name:below=x", RK_INVALID, "modifier ':below'");
	expect_error("gender:exact=x", RK_INVALID, "modifier ':exact'");
	expect_error("organization.name=x", RK_INVALID, "chained");
	expect_error("_include:iterate=Patient:organization", RK_INVALID, "not supported");
	expect_error("_include=Patient:bogus", RK_INVALID, "reference parameter");
	expect_error("_include=Observation:patient", RK_INVALID, "searched type");
	expect_error("_include=*", RK_INVALID, "Type:parameter");
	expect_error("_revinclude=Observation:patient:Encounter", RK_INVALID, "searched type");
	expect_error("_has:Observation:patient:code=x", RK_INVALID, "not supported");
	expect_error("name=", RK_INVALID, "empty value");
	expect_error("name=a,,b", RK_INVALID, "empty value");
	expect_error("name= ", RK_INVALID, "no searchable characters");
	expect_error("identifier=|", RK_INVALID, "neither a system nor a code");
	expect_error("name=\xF4\x8F\xBF\xBF", RK_INVALID, "U+10FFFF");
	expect_error("_id=a/b", RK_INVALID, "not a valid id");
	expect_error("organization=Foo/1", RK_INVALID, "unknown resource type");
	expect_error("organization:Patient=Organization/1", RK_INVALID, "another type");
	expect_error("_sort=organization", RK_INVALID, "not a sortable");
	expect_error("_total=maybe", RK_INVALID, "_total");
	expect_error("_summary=true", RK_INVALID, "_summary");
	expect_error("_format=xml", RK_NOT_ACCEPTABLE, "JSON only");
	expect_error("gender:missing=perhaps", RK_INVALID, "true or false");
	expect_error("_lastUpdated:missing=true", RK_INVALID, "does not apply");
}

static void test_lenient(void **state)
{
	(void)state;
	struct str_pair pairs[2] = {{STR_LIT("colour"), STR_LIT("blue")}, {STR_LIT("gender"), STR_LIT("male")}};
	struct fhir_search_opts o = opts;
	o.lenient = true;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct fhir_search fs;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(fhir_search_parse(fhir_resource_find("Patient", 7), pairs, 2, &o, &a, &fs, &err), RK_OK);
	assert_int_equal(fs.q.n_conds, 1);
	arena_free(&a);
}

static void test_too_many_values(void **state)
{
	(void)state;
	char q[2048] = "gender=";
	size_t n = strlen(q);
	for (int i = 0; i < 101; i++)
		n += (size_t)snprintf(q + n, sizeof q - n, "%sx", i ? "," : "");
	expect_error(q, RK_INVALID, "more than 100 values");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),        cmocka_unit_test(test_kinds_and_modifiers),
		cmocka_unit_test(test_escapes),         cmocka_unit_test(test_controls_and_canonical),
		cmocka_unit_test(test_errors),          cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_too_many_values), cmocka_unit_test(test_jpcore_oid_alias),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
