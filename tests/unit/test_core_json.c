/* test_core_json.c — unit tests for core/json.h: rk_json_parse refuses empty
 * bodies, invalid UTF-8, NUL characters, duplicate keys, absurd nesting, numbers
 * that do not fit and trailing garbage, naming the line and column; rk_json_depth
 * counts nesting within its limit; rk_json_dump keeps key order and 0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"

/* Parse text (by length); expect failure with RK_INVALID and a message. */
static void reject(const char *text, size_t len)
{
	struct rk_err err;
	rk_err_clear(&err);
	json_t *v = rk_json_parse((struct str){text, len}, &err);
	if (v) {
		json_decref(v);
		fail_msg("accepted invalid JSON: %.*s", (int)(len > 80 ? 80 : len), text);
	}
	assert_int_equal(err.status, RK_INVALID);
	assert_true(strlen(err.msg) > 0);
}

#define REJECT(lit) reject(lit, sizeof(lit) - 1)

static json_t *accept(const char *text)
{
	struct rk_err err;
	rk_err_clear(&err);
	json_t *v = rk_json_parse(str_c(text), &err);
	if (!v)
		fail_msg("refused valid JSON %s: %s", text, err.msg);
	assert_int_equal(err.status, RK_OK);
	return v;
}

static void test_parse_valid(void **state)
{
	(void)state;
	json_t *v = accept("{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"山田 太郎\"}],\"active\":true}");
	assert_true(json_is_object(v));
	struct str s;
	assert_true(rk_json_str(v, "resourceType", &s));
	assert_true(str_eq_c(s, "Patient"));
	assert_false(rk_json_str(v, "active", &s)); /* not a string */
	assert_false(rk_json_str(v, "missing", &s));
	json_t *name = json_array_get(json_object_get(v, "name"), 0);
	assert_true(rk_json_str(name, "text", &s));
	assert_true(str_eq_c(s, "山田 太郎"));
	json_decref(v);

	/* Whitespace around the value is fine; so are large but representable numbers. */
	v = accept(" \n\t{\"n\": 9223372036854775807, \"m\": -9223372036854775808, \"r\": 1.5e308} \r\n");
	assert_true(json_integer_value(json_object_get(v, "n")) == INT64_MAX);
	assert_true(json_integer_value(json_object_get(v, "m")) == INT64_MIN);
	json_decref(v);
	v = accept("[]");
	json_decref(v);
	/* Escapes other than \u0000 are fine, including a surrogate pair. */
	v = accept("{\"s\":\"a\\u0001b\\ud83d\\ude00\\n\"}");
	assert_true(rk_json_str(v, "s", &s));
	assert_int_equal(s.len, 1 + 1 + 1 + 4 + 1);
	json_decref(v);
}

static void test_parse_empty(void **state)
{
	(void)state;
	struct rk_err err;
	rk_err_clear(&err);
	assert_null(rk_json_parse(STR_NULL, &err));
	assert_int_equal(err.status, RK_INVALID);
	assert_non_null(strstr(err.msg, "empty"));
	rk_err_clear(&err);
	assert_null(rk_json_parse(str_c(""), &err));
	assert_int_equal(err.status, RK_INVALID);
	REJECT(" ");
	REJECT("\n\n");
	/* err may be NULL */
	assert_null(rk_json_parse(str_c(""), NULL));
	assert_null(rk_json_parse(str_c("{"), NULL));
}

static void test_parse_utf8_and_nul(void **state)
{
	(void)state;
	REJECT("{\"a\":\"\xff\"}");
	REJECT("{\"a\":\"\xC0\x80\"}");     /* overlong NUL */
	REJECT("{\"a\":\"\xED\xA0\x80\"}"); /* encoded surrogate */
	REJECT("{\"a\":\"\xE3\x81\"}");     /* truncated sequence */
	REJECT("{\"\xff\":1}");             /* in a key */
	REJECT("{\"a\":\"x\\u0000y\"}");    /* NUL via escape */
	REJECT("{\"a\\u0000\":1}");         /* NUL in a key */
	REJECT("{\"a\":\"x\0y\"}");         /* raw NUL byte */
	REJECT("{\"a\":1}\0");              /* NUL after the value */
	REJECT("{\"a\":\"\\ud800\"}");      /* lone surrogate escape */
	REJECT("{\"a\":\"\\udc00x\"}");
}

static void test_parse_duplicates(void **state)
{
	(void)state;
	REJECT("{\"a\":1,\"a\":2}");
	REJECT("{\"a\":1,\"b\":2,\"a\":1}");
	REJECT("{\"x\":{\"id\":\"1\",\"id\":\"2\"}}");
	REJECT("[{\"k\":[]},{\"k\":1,\"k\":1}]");
	/* Same key in different objects is fine. */
	json_t *v = accept("[{\"k\":1},{\"k\":2},{\"k\":{\"k\":3}}]");
	json_decref(v);
}

static char *nested(size_t depth, char open, char close, const char *inner)
{
	size_t il = strlen(inner), n = 0;
	size_t per_open = open == '{' ? 5 : 1; /* {"a": */
	char *s = malloc(depth * (per_open + 1) + il + 1);
	assert_non_null(s);
	for (size_t i = 0; i < depth; i++) {
		if (open == '{') {
			memcpy(s + n, "{\"a\":", 5);
			n += 5;
		} else {
			s[n++] = open;
		}
	}
	memcpy(s + n, inner, il);
	n += il;
	for (size_t i = 0; i < depth; i++)
		s[n++] = close;
	s[n] = '\0';
	return s;
}

static void test_parse_deep_nesting(void **state)
{
	(void)state;
	/* 100,000 levels must be refused cleanly, not overflow the stack. */
	char *s = nested(100000, '[', ']', "1");
	reject(s, strlen(s));
	free(s);
	s = nested(100000, '{', '}', "1");
	reject(s, strlen(s));
	free(s);
	/* Unclosed deep nesting too. */
	s = malloc(100001);
	assert_non_null(s);
	memset(s, '[', 100000);
	s[100000] = '\0';
	reject(s, 100000);
	free(s);
	/* Moderate nesting parses, and rk_json_depth sees it. */
	s = nested(100, '[', ']', "1");
	json_t *v = accept(s);
	assert_int_equal(rk_json_depth(v, 1000), 100);
	json_decref(v);
	free(s);
}

static void test_parse_numbers(void **state)
{
	(void)state;
	/* Beyond a double: refused at parse, naming the number and where. */
	REJECT("{\"n\":1e400}");
	REJECT("{\"n\":-1e400}");
	REJECT("{\"n\":1.5e309}");
	REJECT("[1E999]");
	REJECT("[1e-400]");
	REJECT("[1.00000000000000000000000000000000000000000000000000000000000000001]"); /* > 64 characters */
	struct rk_err err;
	rk_err_clear(&err);
	assert_null(rk_json_parse(str_c("{\n  \"a\": \"山田\", \"n\": 2.5e999}"), &err));
	assert_string_equal(err.msg, "number '2.5e999' at line 2, column 19 is beyond the range of a double");
	/* Not JSON numbers at all */
	REJECT("{\"n\":NaN}");
	REJECT("{\"n\":Infinity}");
	REJECT("{\"n\":0x10}");
	REJECT("{\"n\":01}");
	REJECT("{\"n\":+1}");
	REJECT("{\"n\":.5}");
	REJECT("{\"n\":1.}");
	REJECT("{\"n\":1.5.5}");
	REJECT("{\"n\":-}");
	REJECT("{\"n\":1e}");
}

static char *dump(const json_t *v);

/* Decimals keep the text they were written with (core/json.h). */
static void test_decimals(void **state)
{
	(void)state;
	json_t *v = accept("{\"a\":7.0,\"b\":1.00,\"c\":-0.50,\"d\":1e3,\"e\":6.02E+23,\"f\":7,\"g\":0,"
			   "\"h\":123456789012345678901234567890,\"i\":[0.1,2.50],\"s\":\"7.0\"}");
	char *out = dump(v);
	assert_string_equal(out, "{\"a\":7.0,\"b\":1.00,\"c\":-0.50,\"d\":1e3,\"e\":6.02E+23,\"f\":7,\"g\":0,"
				 "\"h\":123456789012345678901234567890,\"i\":[0.1,2.50],\"s\":\"7.0\"}");
	free(out);
	assert_true(rk_json_is_decimal(json_object_get(v, "a")));
	assert_false(rk_json_is_decimal(json_object_get(v, "f"))); /* a whole number stays an integer */
	assert_true(json_is_integer(json_object_get(v, "f")));
	assert_false(rk_json_is_decimal(json_object_get(v, "s"))); /* a string stays a string */
	struct str s;
	assert_false(rk_json_str(v, "a", &s)); /* a decimal is not a string to its readers */
	assert_true(rk_json_str(v, "s", &s));
	char lex[24];
	struct str t = rk_json_number_lexeme(json_object_get(v, "b"), lex);
	assert_true(str_eq_c(t, "1.00"));
	t = rk_json_number_lexeme(json_object_get(v, "f"), lex);
	assert_true(str_eq_c(t, "7"));
	t = rk_json_number_lexeme(json_object_get(v, "s"), lex);
	assert_int_equal(t.len, 0);
	double d = 0;
	assert_true(rk_json_number_value(json_object_get(v, "c"), &d));
	assert_true(d == -0.5);
	assert_true(rk_json_number_value(json_object_get(v, "e"), &d));
	assert_true(d > 6.01e23 && d < 6.03e23);
	assert_true(rk_json_number_value(json_object_get(v, "f"), &d));
	assert_true(d == 7);
	assert_false(rk_json_number_value(json_object_get(v, "s"), &d));
	assert_int_equal(rk_json_significant_digits(str_c("0.0070")), 2);
	assert_int_equal(rk_json_significant_digits(str_c("100")), 3);
	assert_int_equal(rk_json_significant_digits(str_c("-1.00e5")), 3);
	assert_int_equal(rk_json_significant_digits(str_c("123456789012345678901234567890")), 30);
	/* A copy keeps them; so does a value built in code. */
	json_t *copy = json_deep_copy(v);
	char *again = dump(copy);
	out = dump(v);
	assert_string_equal(again, out);
	free(again);
	free(out);
	json_decref(copy);
	json_decref(v);
	v = json_pack("{s:o}", "value", rk_json_decimal(str_c("36.60")));
	out = dump(v);
	assert_string_equal(out, "{\"value\":36.60}");
	free(out);
	json_decref(v);
	assert_null(rk_json_decimal(str_c("1.2.3")));
	assert_null(rk_json_decimal(str_c("07")));
	assert_null(rk_json_decimal(str_c("")));
	assert_null(rk_json_decimal(str_c("1\"}")));
	/* Numbers inside strings, and strings with escaped quotes, are left alone. */
	v = accept("{\"t\":\"a \\\" 1.50 \\\\\",\"n\":[1.50]}");
	out = dump(v);
	assert_string_equal(out, "{\"t\":\"a \\\" 1.50 \\\\\",\"n\":[1.50]}");
	free(out);
	json_decref(v);
	/* A syntax error after a decimal is reported where it is in what was sent. */
	struct rk_err err;
	rk_err_clear(&err);
	assert_null(rk_json_parse(str_c("{\"a\":1.50,\"b\":x}"), &err));
	assert_non_null(strstr(err.msg, "line 1, column 15")); /* rewritten, it would be 20 */
	/* A string may not pose as a decimal: the mark is refused in any spelling. */
	REJECT("{\"a\":\"\xEF\xB7\x90"
	       "1\"}");
	REJECT("{\"a\":\"\\ufdd01\"}");
	REJECT("{\"a\":\"\\uFDD0\\\"}]\"}");
	REJECT("{\"\\uFdD0k\":1}");
	json_t *fake = json_string("\xEF\xB7\x90\"}"); /* built in code: not a number's text, so dumped as a string */
	v = json_pack("[o]", fake);
	out = dump(v);
	assert_string_equal(out, "[\"\xEF\xB7\x90\\\"}\"]");
	free(out);
	json_decref(v);
}

static void test_parse_trailing_and_syntax(void **state)
{
	(void)state;
	REJECT("{} x");
	REJECT("{}{}");
	REJECT("[1] ]");
	REJECT("{\"a\":1},");
	REJECT("{\"a\":1,}");
	REJECT("[1,2,]");
	REJECT("{'a':1}");
	REJECT("{a:1}");
	REJECT("{\"a\":1");
	REJECT("{\"a\" 1}");
	REJECT("[\"unterminated]");
	REJECT("{\"a\":\"tab\there\"}"); /* raw control character in a string */
	REJECT("{\"a\":1} // comment");
	REJECT("\xEF\xBB\xBF{}"); /* byte order mark */
}

static void test_parse_location(void **state)
{
	(void)state;
	struct rk_err err;
	rk_err_clear(&err);
	const char *text = "{\n  \"a\": 1,\n  \"b\": ?\n}";
	assert_null(rk_json_parse(str_c(text), &err));
	assert_int_equal(err.status, RK_INVALID);
	const char *at = strstr(err.msg, "line 3, column ");
	if (!at)
		fail_msg("no \"line 3, column M\" in: %s", err.msg);
	long col = strtol(at + strlen("line 3, column "), NULL, 10);
	assert_true(col >= 7 && col <= 9); /* the '?' is the 8th character of line 3 */

	rk_err_clear(&err);
	assert_null(rk_json_parse(str_c("{\"a\":1,\"a\":2}"), &err));
	assert_non_null(strstr(err.msg, "line 1, column "));

	rk_err_clear(&err);
	assert_null(rk_json_parse(str_c("[1,\n2,\n3,\n4] x"), &err));
	assert_non_null(strstr(err.msg, "line 4, column "));

	/* The first failure is kept. */
	rk_err_clear(&err);
	assert_null(rk_json_parse(str_c("{"), &err));
	char first[RK_ERR_MSG_MAX];
	memcpy(first, err.msg, sizeof first);
	assert_null(rk_json_parse(str_c(""), &err));
	assert_string_equal(err.msg, first);
}

/* Depth of the JSON text under limit; the value is freed before any assertion
 * so a failing check leaks nothing. */
static int depth_of(const char *text, int limit)
{
	json_t *v = accept(text);
	int d = rk_json_depth(v, limit);
	json_decref(v);
	return d;
}

static void test_depth(void **state)
{
	(void)state;
	const char *mixed = "{\"a\":[1,{\"b\":{}}],\"c\":\"x\"}";
	assert_int_equal(depth_of(mixed, 64), 4);
	assert_int_equal(depth_of(mixed, 4), 4);

	json_t *scalar = json_integer(7);
	int d0 = rk_json_depth(scalar, 64), d1 = rk_json_depth(scalar, 0);
	json_decref(scalar);
	assert_int_equal(d0, 0);
	assert_int_equal(d1, 0);

	assert_int_equal(depth_of("[]", 64), 1);
	assert_int_equal(depth_of("[]", 0), 1);
	assert_int_equal(depth_of("[[1]]", 64), 2);
	assert_int_equal(depth_of("[[1]]", 2), 2);

	/* Deeper than the limit: the count stops at limit + 1 (header contract), so
	 * `depth > limit` detects it without walking the whole value. */
	char *s = nested(50, '[', ']', "\"leaf\"");
	json_t *v = accept(s);
	free(s);
	int got[52];
	for (int limit = 0; limit <= 51; limit++)
		got[limit] = rk_json_depth(v, limit);
	json_decref(v);
	for (int limit = 0; limit <= 51; limit++) {
		int want = limit < 50 ? limit + 1 : 50;
		if (got[limit] != want)
			fail_msg("rk_json_depth(50 nested arrays around a string, limit %d) = %d, want %d", limit,
				 got[limit], want);
	}

	assert_int_equal(depth_of("[[1]]", 1), 2); /* depth 2 = limit + 1 exactly */
	assert_int_equal(depth_of("[[1]]", 0), 1);
	assert_int_equal(depth_of("[[[]]]", 1), 2);
	assert_int_equal(depth_of("{\"a\":{\"b\":{\"c\":1}}}", 1), 2);
}

static char *dump(const json_t *v)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(rk_json_dump(v, &b), RK_OK);
	return buf_steal(&b, NULL);
}

static void test_dump(void **state)
{
	(void)state;
	json_t *v = accept("{\"z\":1,\"resourceType\":\"Observation\",\"a\":{\"y\":0.1,\"b\":[2.5,null,true,false]},"
			   "\"m\":\"山田\"}");
	char *out = dump(v);
	assert_string_equal(out,
			    "{\"z\":1,\"resourceType\":\"Observation\",\"a\":{\"y\":0.1,\"b\":[2.5,null,true,false]},"
			    "\"m\":\"山田\"}");
	free(out);
	json_decref(v);

	/* Reals: 0.1 stays 0.1; 15 significant digits hide binary noise. */
	v = json_pack("[f,f,f,f]", 0.1, 0.1 + 0.2, 36.6, 1.0 / 3);
	out = dump(v);
	assert_string_equal(out, "[0.1,0.3,36.6,0.333333333333333]");
	free(out);
	json_decref(v);
	v = accept("{\"valueQuantity\":{\"value\":0.1,\"unit\":\"mg\"}}");
	out = dump(v);
	assert_string_equal(out, "{\"valueQuantity\":{\"value\":0.1,\"unit\":\"mg\"}}");
	free(out);
	json_decref(v);

	/* Keys built in code keep insertion order too. */
	v = json_object();
	json_object_set_new(v, "id", json_string("x"));
	json_object_set_new(v, "meta", json_object());
	json_object_set_new(v, "active", json_true());
	out = dump(v);
	assert_string_equal(out, "{\"id\":\"x\",\"meta\":{},\"active\":true}");
	free(out);

	/* Appends; a small ceiling is RK_TOO_LARGE. */
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(rk_json_dump(v, &b), RK_TOO_LARGE);
	assert_true(b.overflow);
	buf_free(&b);
	buf_init(&b, 100);
	buf_puts(&b, "x=");
	assert_int_equal(rk_json_dump(v, &b), RK_OK);
	assert_string_equal(buf_cstr(&b), "x={\"id\":\"x\",\"meta\":{},\"active\":true}");
	buf_free(&b);
	json_decref(v);

	/* Control characters are escaped in the output. */
	v = json_pack("{s:s}", "t", "a\nb\x01");
	out = dump(v);
	assert_string_equal(out, "{\"t\":\"a\\nb\\u0001\"}");
	free(out);
	json_decref(v);
}

/* rk_json_dump writes its own output (no jansson loop check): it must be
 * byte for byte what jansson's compact dump with 15-digit reals writes. */
static void same_as_jansson(json_t *v)
{
	char *want = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
	assert_non_null(want);
	char *got = dump(v);
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_decref(v);
}

static void test_dump_same_as_jansson(void **state)
{
	(void)state;
	char ctl[40];
	for (int i = 1; i < 32; i++)
		ctl[i - 1] = (char)i;
	memcpy(ctl + 31, "\"\\/\x7f", 5);
	ctl[36] = '\0';
	same_as_jansson(json_pack("{s:s,s:s,s:o}", "ctl", ctl, "ja", "山田 太郎\u00e9\xf0\x9f\x98\x80", "nul",
				  json_stringn("a\0b", 3)));
	same_as_jansson(json_pack("[I,I,I,i]", (json_int_t)INT64_MAX, (json_int_t)INT64_MIN, (json_int_t)0, -7));
	same_as_jansson(json_pack("[f,f,f,f,f,f,f,f,f]", 1.0, -0.0, 1e300, 1e-7, 123456789012345678.0, 0.1 + 0.2,
				  -2.5e-300, 100.0, 1.5e15));
	same_as_jansson(json_pack("{s:{},s:[],s:[{}],s:{s:[[]]},s:b,s:n}", "e", "a", "ao", "oa", "x", "t", 1, "n"));
	same_as_jansson(accept("{\"resourceType\":\"Observation\",\"id\":\"o-1\",\"meta\":{\"versionId\":\"2\"},"
			       "\"code\":{\"coding\":[{\"system\":\"urn:oid:1.2\",\"code\":\"3D045\",\"display\":"
			       "\"HbA1c\\t(NGSP)\"}]},\"valueQuantity\":{\"value\":7,\"unit\":\"%\"},"
			       "\"k\\\"ey\\n\":[1,2,\"\\u0001\"]}"));
	/* Neither an object nor an array: refused, as jansson does. */
	json_t *v = json_string("x");
	struct buf b;
	buf_init(&b, 100);
	assert_int_equal(rk_json_dump(v, &b), RK_INTERNAL);
	buf_free(&b);
	json_decref(v);
}

static void test_strv(void **state)
{
	(void)state;
	json_t *v = json_stringn("a\0b", 3);
	assert_non_null(v);
	struct str s = rk_json_strv(v);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.ptr, "a\0b", 3);
	json_decref(v);
	/* Not a string: an empty slice. */
	v = json_integer(1);
	s = rk_json_strv(v);
	assert_int_equal(s.len, 0);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_utf8_and_nul),
		cmocka_unit_test(test_parse_duplicates),
		cmocka_unit_test(test_parse_deep_nesting),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_parse_trailing_and_syntax),
		cmocka_unit_test(test_parse_location),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_dump_same_as_jansson),
		cmocka_unit_test(test_strv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
