/* test_core_str.c — unit tests for core/str.h: integer parsing bounds and
 * overflow (INT64_MIN included), str_cut / str_next field splitting with empty
 * fields, str_trim, the strict UTF-8 check (overlongs, surrogates, NUL,
 * truncated sequences, the U+10FFFF limit), str_contains and str_copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/str.h"

/* A slice of an explicit byte array (may contain NUL). */
#define BYTES(...) \
	((struct str){(const char *)(const unsigned char[]){__VA_ARGS__}, sizeof((const unsigned char[]){__VA_ARGS__})})

static bool i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return str_to_i64(str_c(s), min, max, out);
}

static void test_to_i64_valid(void **state)
{
	(void)state;
	int64_t v = 0;
	assert_true(i64("0", INT64_MIN, INT64_MAX, &v));
	assert_int_equal(v, 0);
	assert_true(i64("-0", INT64_MIN, INT64_MAX, &v));
	assert_int_equal(v, 0);
	assert_true(i64("42", 0, 100, &v));
	assert_int_equal(v, 42);
	assert_true(i64("-17", -20, 0, &v));
	assert_int_equal(v, -17);
	assert_true(i64("007", 0, 10, &v));
	assert_int_equal(v, 7);
	assert_true(i64("9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MAX);
	assert_true(i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MIN);
	assert_true(i64("-9223372036854775807", INT64_MIN, INT64_MAX, &v));
	assert_true(v == INT64_MIN + 1);
}

static void test_to_i64_bounds(void **state)
{
	(void)state;
	int64_t v = 12345;
	/* Inclusive bounds. */
	assert_true(i64("10", 10, 20, &v));
	assert_int_equal(v, 10);
	assert_true(i64("20", 10, 20, &v));
	assert_int_equal(v, 20);
	v = 12345;
	assert_false(i64("9", 10, 20, &v));
	assert_false(i64("21", 10, 20, &v));
	assert_false(i64("-1", 0, 20, &v));
	assert_false(i64("-9223372036854775808", INT64_MIN + 1, INT64_MAX, &v));
	assert_false(i64("9223372036854775807", INT64_MIN, INT64_MAX - 1, &v));
	/* out is untouched on failure */
	assert_int_equal(v, 12345);
}

static void test_to_i64_overflow(void **state)
{
	(void)state;
	int64_t v = 777;
	assert_false(i64("9223372036854775808", INT64_MIN, INT64_MAX, &v));
	assert_false(i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v));
	assert_false(i64("9999999999999999999", INT64_MIN, INT64_MAX, &v)); /* 19 digits, > INT64_MAX */
	assert_false(i64("-9999999999999999999", INT64_MIN, INT64_MAX, &v));
	assert_false(i64("18446744073709551615", INT64_MIN, INT64_MAX, &v)); /* UINT64_MAX */
	assert_false(i64("18446744073709551616", INT64_MIN, INT64_MAX, &v)); /* wraps to 0 if unchecked */
	assert_false(i64("100000000000000000000000", INT64_MIN, INT64_MAX, &v));
	assert_int_equal(v, 777);
}

static void test_to_i64_syntax(void **state)
{
	(void)state;
	int64_t v = 5;
	const char *bad[] = {"", "-", "+1", " 1", "1 ", "1a", "a1", "--1", "1-", "1.0", "1e3", "0x10", "١"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(i64(bad[i], INT64_MIN, INT64_MAX, &v));
	assert_false(str_to_i64(STR_NULL, INT64_MIN, INT64_MAX, &v));
	/* An embedded NUL is not a digit. */
	assert_false(str_to_i64(BYTES('1', 0, '2'), INT64_MIN, INT64_MAX, &v));
	/* Only the slice counts, not what follows it. */
	assert_true(str_to_i64((struct str){"123456", 3}, 0, 1000, &v));
	assert_int_equal(v, 123);
}

static void test_cut(void **state)
{
	(void)state;
	struct str a, b;
	assert_true(str_cut(str_c("key=value"), '=', &a, &b));
	assert_true(str_eq_c(a, "key"));
	assert_true(str_eq_c(b, "value"));

	/* Only the first separator splits. */
	assert_true(str_cut(str_c("a=b=c"), '=', &a, &b));
	assert_true(str_eq_c(a, "a"));
	assert_true(str_eq_c(b, "b=c"));

	/* Separator at either end gives empty parts. */
	assert_true(str_cut(str_c("=x"), '=', &a, &b));
	assert_int_equal(a.len, 0);
	assert_true(str_eq_c(b, "x"));
	assert_true(str_cut(str_c("x="), '=', &a, &b));
	assert_true(str_eq_c(a, "x"));
	assert_int_equal(b.len, 0);
	assert_non_null(b.ptr);

	/* Absent separator: before = s, after = empty. */
	assert_false(str_cut(str_c("plain"), '=', &a, &b));
	assert_true(str_eq_c(a, "plain"));
	assert_int_equal(b.len, 0);
	assert_non_null(b.ptr);
	assert_false(str_cut(str_c(""), '=', &a, &b));
	assert_int_equal(a.len, 0);
	assert_int_equal(b.len, 0);
	assert_false(str_cut(STR_NULL, '=', &a, &b));
	assert_int_equal(a.len, 0);
	assert_int_equal(b.len, 0);

	/* The separator beyond the slice does not count. */
	assert_false(str_cut((struct str){"ab=c", 2}, '=', &a, &b));
	assert_true(str_eq_c(a, "ab"));
}

/* Splits s at sep and joins the fields with '/' for easy comparison. */
static void fields_of(const char *s, char sep, char *out, size_t cap, int *count)
{
	struct str rest = str_c(s), f;
	size_t n = 0;
	*count = 0;
	out[0] = '\0';
	while (str_next(&rest, sep, &f)) {
		assert_true(n + f.len + 2 < cap);
		if (*count)
			out[n++] = '/';
		memcpy(out + n, f.ptr, f.len);
		n += f.len;
		out[n] = '\0';
		(*count)++;
		assert_true(*count < 100); /* no endless loop */
	}
}

static void test_next(void **state)
{
	(void)state;
	char joined[128];
	int n;
	fields_of("a,b,c", ',', joined, sizeof joined, &n);
	assert_int_equal(n, 3);
	assert_string_equal(joined, "a/b/c");

	fields_of("a,,b", ',', joined, sizeof joined, &n);
	assert_int_equal(n, 3);
	assert_string_equal(joined, "a//b");

	fields_of(",a,", ',', joined, sizeof joined, &n);
	assert_int_equal(n, 3);
	assert_string_equal(joined, "/a/");

	fields_of(",,", ',', joined, sizeof joined, &n);
	assert_int_equal(n, 3);
	assert_string_equal(joined, "//");

	fields_of("single", ',', joined, sizeof joined, &n);
	assert_int_equal(n, 1);
	assert_string_equal(joined, "single");

	/* An empty (non-NULL) string is one empty field; STR_NULL has none. */
	fields_of("", ',', joined, sizeof joined, &n);
	assert_int_equal(n, 1);
	assert_string_equal(joined, "");

	struct str rest = STR_NULL, f;
	assert_false(str_next(&rest, ',', &f));

	/* Exhausted after the last field, and stays exhausted. */
	rest = str_c("x");
	assert_true(str_next(&rest, ',', &f));
	assert_true(str_eq_c(f, "x"));
	assert_false(str_next(&rest, ',', &f));
	assert_false(str_next(&rest, ',', &f));
}

static void test_trim(void **state)
{
	(void)state;
	assert_true(str_eq_c(str_trim(str_c("  a b \t\r\n")), "a b"));
	assert_true(str_eq_c(str_trim(str_c("\v\fx\f\v")), "x"));
	assert_true(str_eq_c(str_trim(str_c("none")), "none"));
	assert_int_equal(str_trim(str_c("   \t\n")).len, 0);
	assert_int_equal(str_trim(str_c("")).len, 0);
	assert_int_equal(str_trim(STR_NULL).len, 0);
	/* Only ASCII whitespace: the ideographic space U+3000 stays. */
	assert_true(str_eq_c(str_trim(str_c("\xE3\x80\x80"
					    "a")),
			     "\xE3\x80\x80"
			     "a"));
	/* NUL is not whitespace. */
	struct str t = str_trim(BYTES(' ', 0, ' '));
	assert_int_equal(t.len, 1);
	assert_int_equal(t.ptr[0], 0);
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(str_is_utf8(str_c("")));
	assert_true(str_is_utf8(STR_NULL));
	assert_true(str_is_utf8(str_c("plain ASCII ~\x7F")));
	assert_true(str_is_utf8(str_c("山田 花子 やまだ ﾊﾅｺ")));
	assert_true(str_is_utf8(BYTES(0xC2, 0x80)));             /* U+0080 */
	assert_true(str_is_utf8(BYTES(0xDF, 0xBF)));             /* U+07FF */
	assert_true(str_is_utf8(BYTES(0xE0, 0xA0, 0x80)));       /* U+0800 */
	assert_true(str_is_utf8(BYTES(0xED, 0x9F, 0xBF)));       /* U+D7FF */
	assert_true(str_is_utf8(BYTES(0xEE, 0x80, 0x80)));       /* U+E000 */
	assert_true(str_is_utf8(BYTES(0xEF, 0xBF, 0xBF)));       /* U+FFFF */
	assert_true(str_is_utf8(BYTES(0xF0, 0x90, 0x80, 0x80))); /* U+10000 */
	assert_true(str_is_utf8(BYTES(0xF0, 0xA0, 0xAE, 0x9F))); /* U+20B9F 𠮟 */
	assert_true(str_is_utf8(BYTES(0xF4, 0x8F, 0xBF, 0xBF))); /* U+10FFFF */
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	/* NUL anywhere */
	assert_false(str_is_utf8(BYTES(0)));
	assert_false(str_is_utf8(BYTES('a', 0, 'b')));
	/* overlongs */
	assert_false(str_is_utf8(BYTES(0xC0, 0x80))); /* NUL, overlong */
	assert_false(str_is_utf8(BYTES(0xC0, 0xAF))); /* '/' */
	assert_false(str_is_utf8(BYTES(0xC1, 0xBF)));
	assert_false(str_is_utf8(BYTES(0xE0, 0x80, 0xAF)));
	assert_false(str_is_utf8(BYTES(0xE0, 0x9F, 0xBF))); /* U+07FF in 3 bytes */
	assert_false(str_is_utf8(BYTES(0xF0, 0x80, 0x80, 0xAF)));
	assert_false(str_is_utf8(BYTES(0xF0, 0x8F, 0xBF, 0xBF))); /* U+FFFF in 4 bytes */
	/* surrogates */
	assert_false(str_is_utf8(BYTES(0xED, 0xA0, 0x80)));                   /* U+D800 */
	assert_false(str_is_utf8(BYTES(0xED, 0xBF, 0xBF)));                   /* U+DFFF */
	assert_false(str_is_utf8(BYTES(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80))); /* CESU-8 pair */
	/* beyond U+10FFFF */
	assert_false(str_is_utf8(BYTES(0xF4, 0x90, 0x80, 0x80))); /* U+110000 */
	assert_false(str_is_utf8(BYTES(0xF5, 0x80, 0x80, 0x80)));
	assert_false(str_is_utf8(BYTES(0xF7, 0xBF, 0xBF, 0xBF)));
	assert_false(str_is_utf8(BYTES(0xF8, 0x88, 0x80, 0x80, 0x80)));
	assert_false(str_is_utf8(BYTES(0xFC, 0x84, 0x80, 0x80, 0x80, 0x80)));
	assert_false(str_is_utf8(BYTES(0xFE)));
	assert_false(str_is_utf8(BYTES(0xFF)));
	/* lone or misplaced continuation bytes */
	assert_false(str_is_utf8(BYTES(0x80)));
	assert_false(str_is_utf8(BYTES(0xBF)));
	assert_false(str_is_utf8(BYTES('a', 0x80, 'b')));
	assert_false(str_is_utf8(BYTES(0xC3, 0xA9, 0xA9)));
	/* a lead byte followed by a non-continuation */
	assert_false(str_is_utf8(BYTES(0xC3, 'a')));
	assert_false(str_is_utf8(BYTES(0xE3, 0x81, 'a')));
	assert_false(str_is_utf8(BYTES(0xF0, 0x9F, 0x98, 0xC3, 0xA9)));
}

static void test_utf8_truncated(void **state)
{
	(void)state;
	assert_false(str_is_utf8(BYTES(0xC3)));
	assert_false(str_is_utf8(BYTES('a', 0xE3)));
	assert_false(str_is_utf8(BYTES(0xE3, 0x81)));
	assert_false(str_is_utf8(BYTES(0xF0)));
	assert_false(str_is_utf8(BYTES(0xF0, 0x9F)));
	assert_false(str_is_utf8(BYTES(0xF0, 0x9F, 0x98)));
	/* A valid sequence cut by the slice length (bytes beyond it are not read). */
	const char *ka = "\xE3\x81\x8B"; /* か */
	assert_true(str_is_utf8((struct str){ka, 3}));
	assert_false(str_is_utf8((struct str){ka, 2}));
	assert_false(str_is_utf8((struct str){ka, 1}));
	const char *emoji = "x\xF0\x9F\x98\x80"; /* x😀 */
	assert_true(str_is_utf8((struct str){emoji, 5}));
	for (size_t n = 2; n < 5; n++)
		assert_false(str_is_utf8((struct str){emoji, n}));
}

static void test_contains(void **state)
{
	(void)state;
	assert_true(str_contains(str_c("hello world"), "world"));
	assert_true(str_contains(str_c("hello world"), "hello"));
	assert_true(str_contains(str_c("hello world"), "o w"));
	assert_true(str_contains(str_c("hello"), "hello"));
	assert_false(str_contains(str_c("hello"), "hello!"));
	assert_false(str_contains(str_c("hello"), "Hello"));
	assert_false(str_contains(str_c(""), "a"));
	assert_true(str_contains(str_c(""), ""));
	assert_true(str_contains(str_c("abc"), ""));
	assert_true(str_contains(STR_NULL, ""));
	assert_false(str_contains(STR_NULL, "a"));
	assert_true(str_contains(str_c("山田花子"), "花子"));
	/* The slice bounds the search. */
	assert_false(str_contains((struct str){"abcdef", 4}, "def"));
	assert_true(str_contains((struct str){"abcdef", 4}, "bcd"));
}

static void test_copy(void **state)
{
	(void)state;
	char dst[8];
	memset(dst, 'X', sizeof dst);
	assert_true(str_copy(dst, sizeof dst, str_c("abc")));
	assert_string_equal(dst, "abc");

	/* Exactly fits: 7 bytes + NUL. */
	assert_true(str_copy(dst, sizeof dst, str_c("1234567")));
	assert_string_equal(dst, "1234567");

	/* One too many: truncated, still terminated. */
	memset(dst, 'X', sizeof dst);
	assert_false(str_copy(dst, sizeof dst, str_c("12345678")));
	assert_string_equal(dst, "1234567");
	assert_false(str_copy(dst, sizeof dst, str_c("a much longer string than eight")));
	assert_int_equal(dst[7], '\0');
	assert_memory_equal(dst, "a much ", 7);

	/* Empty and NULL input give "". */
	assert_true(str_copy(dst, sizeof dst, str_c("")));
	assert_string_equal(dst, "");
	assert_true(str_copy(dst, sizeof dst, STR_NULL));
	assert_string_equal(dst, "");

	/* cap 1: only the terminator fits. */
	assert_true(str_copy(dst, 1, STR_NULL));
	assert_false(str_copy(dst, 1, str_c("a")));
	assert_int_equal(dst[0], '\0');

	/* cap 0 writes nothing. */
	dst[0] = 'Q';
	assert_false(str_copy(dst, 0, str_c("a")));
	assert_int_equal(dst[0], 'Q');
}

static void test_misc(void **state)
{
	(void)state;
	assert_true(str_eq(str_c("abc"), STR_LIT("abc")));
	assert_false(str_eq(str_c("abc"), str_c("abd")));
	assert_true(str_eq(STR_NULL, str_c("")));
	assert_true(str_eq_nocase(str_c("Content-Type"), "content-type"));
	assert_false(str_eq_nocase(str_c("Content-Typ"), "content-type"));
	assert_true(str_starts_with(str_c("Patient/123"), "Patient/"));
	assert_false(str_starts_with(str_c("Pat"), "Patient/"));
	assert_true(str_ends_with(str_c("file.json"), ".json"));
	assert_false(str_ends_with(str_c("json"), ".json"));
	assert_int_equal(str_index(str_c("a=b"), '='), 1);
	assert_int_equal(str_index(str_c("ab"), '='), -1);
	assert_int_equal(str_index(STR_NULL, '='), -1);
	assert_true(str_is_digits(str_c("0123456789")));
	assert_false(str_is_digits(str_c("")));
	assert_false(str_is_digits(str_c("12a")));
	assert_false(str_is_digits(str_c("-1")));
}

/* The one decoder: every length of sequence, in a row. */
static void test_utf8_next(void **state)
{
	(void)state;
	struct str s = str_c("a\xC3\xA9\xE3\x81\x82\xF0\x9F\x98\x80z"); /* a é あ 😀 z */
	size_t i = 0;
	assert_int_equal(str_utf8_next(s, &i), 'a');
	assert_int_equal(str_utf8_next(s, &i), 0xE9);
	assert_int_equal(str_utf8_next(s, &i), 0x3042);
	assert_int_equal(str_utf8_next(s, &i), 0x1F600);
	assert_int_equal(i, 10);
	assert_int_equal(str_utf8_next(s, &i), 'z');
	assert_int_equal(i, s.len);
}

/* FNV-1a's steps with the tree's historical offset basis (see str.h): the
 * demo's seeds depend on these exact values. */
static void test_hash(void **state)
{
	(void)state;
	assert_true(str_hash(str_c("")) == 0x14650fb0739d0383ULL);
	assert_true(str_hash(str_c("a")) == 0x44bd8ad473cd9906ULL);
	assert_true(str_hash(str_c("foobar")) == 0x88fad7c0a8ff07f2ULL);
	assert_true(str_hash((struct str){"ab", 1}) == str_hash(str_c("a")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_i64_valid),
		cmocka_unit_test(test_to_i64_bounds),
		cmocka_unit_test(test_to_i64_overflow),
		cmocka_unit_test(test_to_i64_syntax),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
