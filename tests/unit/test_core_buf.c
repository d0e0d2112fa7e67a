/* test_core_buf.c — unit tests for core/buf.h: the hard ceiling and its
 * sticky overflow flag, JSON string escaping (control bytes, quotes, empty and
 * NULL-pointer input), URL percent-encoding, buf_steal ownership, and
 * buf_printf output longer than its 256-byte stack buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_empty(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_str(&b).len, 0);
	assert_non_null(buf_str(&b).ptr);
	assert_false(b.overflow);
	/* Empty appends are fine and leave a terminated buffer. */
	assert_int_equal(buf_append(&b, "", 0), RK_OK);
	assert_int_equal(buf_puts(&b, ""), RK_OK);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
	buf_free(&b); /* twice is harmless */
}

static void test_append_and_terminate(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_puts(&b, "abc"), RK_OK);
	assert_int_equal(buf_putc(&b, '-'), RK_OK);
	assert_int_equal(buf_put_str(&b, STR_LIT("xyz")), RK_OK);
	assert_int_equal(buf_put_i64(&b, INT64_MIN), RK_OK);
	assert_int_equal(buf_putc(&b, ' '), RK_OK);
	assert_int_equal(buf_put_i64(&b, INT64_MAX), RK_OK);
	assert_string_equal(buf_cstr(&b), "abc-xyz-9223372036854775808 9223372036854775807");
	assert_int_equal(b.len, strlen(buf_cstr(&b)));
	/* Binary content with NUL bytes is kept by length. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, "a\0b", 3), RK_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b\0", 4);
	/* Growth across many reallocations keeps the content. */
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), RK_OK);
	assert_int_equal(b.len, 10000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	assert_int_equal(b.data[10000], '\0');
	buf_free(&b);
}

static void test_ceiling(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "0123456789"), RK_OK); /* exactly the ceiling */
	assert_int_equal(b.len, 10);
	assert_false(b.overflow);
	assert_true(b.cap <= 11); /* never more than max + 1 */
	assert_int_equal(buf_putc(&b, 'x'), RK_TOO_LARGE);
	assert_true(b.overflow);
	assert_string_equal(buf_cstr(&b), "0123456789"); /* refused append changed nothing */
	buf_free(&b);

	/* A single append larger than the ceiling. */
	buf_init(&b, 4);
	assert_int_equal(buf_puts(&b, "12345"), RK_TOO_LARGE);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);

	/* A huge length must not wrap around the ceiling check. */
	buf_init(&b, 16);
	assert_int_equal(buf_puts(&b, "abc"), RK_OK);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), RK_TOO_LARGE);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX - 2), RK_TOO_LARGE);
	assert_int_equal(b.len, 3);
	buf_free(&b);

	/* Ceiling 0: nothing fits, but the buffer still reads as "". */
	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'a'), RK_TOO_LARGE);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void test_sticky_overflow(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "abcdef"), RK_OK);
	assert_int_equal(buf_puts(&b, "ghijk"), RK_TOO_LARGE);
	/* Even appends that would fit are refused once overflowed. */
	assert_int_equal(buf_putc(&b, 'g'), RK_TOO_LARGE);
	assert_int_equal(buf_append(&b, "", 0), RK_TOO_LARGE);
	assert_int_equal(buf_printf(&b, "%d", 1), RK_TOO_LARGE);
	assert_int_equal(buf_put_i64(&b, 1), RK_TOO_LARGE);
	assert_int_equal(buf_put_json_str(&b, STR_LIT("")), RK_TOO_LARGE);
	assert_true(b.overflow);
	assert_string_equal(buf_cstr(&b), "abcdef");
	/* Reset clears the flag and the content. */
	buf_reset(&b);
	assert_false(b.overflow);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_puts(&b, "12345678"), RK_OK);
	assert_string_equal(buf_cstr(&b), "12345678");
	buf_free(&b);
}

static void check_json(const char *in, size_t n, const char *want)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(buf_put_json_str(&b, (struct str){in, n}), RK_OK);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void test_json_str(void **state)
{
	(void)state;
	check_json("", 0, "\"\"");
	check_json(NULL, 0, "\"\"");
	check_json("plain", 5, "\"plain\"");
	check_json("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	check_json("\n\r\t", 3, "\"\\n\\r\\t\"");
	check_json("\b\f", 2, "\"\\u0008\\u000c\"");
	check_json("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	check_json("a\0b", 3, "\"a\\u0000b\"");
	check_json("\x7f", 1, "\"\x7f\""); /* DEL needs no escape */
	check_json("山田 \"花子\"", strlen("山田 \"花子\""), "\"山田 \\\"花子\\\"\"");
	check_json("\"", 1, "\"\\\"\"");
	check_json("x\n", 2, "\"x\\n\"");
	check_json("\ny", 2, "\"\\ny\"");

	/* Every control byte is escaped, nothing below 0x20 is left raw. */
	char all[32];
	for (int i = 0; i < 32; i++)
		all[i] = (char)i;
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(buf_put_json_str(&b, (struct str){all, sizeof all}), RK_OK);
	for (size_t i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] >= 0x20);
	buf_free(&b);

	/* Appends after existing content. */
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "{\"k\":"), RK_OK);
	assert_int_equal(buf_put_json_str(&b, STR_LIT("v")), RK_OK);
	assert_string_equal(buf_cstr(&b), "{\"k\":\"v\"");
	buf_free(&b);

	/* The ceiling applies to the escaped form. */
	buf_init(&b, 8);
	assert_int_equal(buf_put_json_str(&b, STR_LIT("\x01")), RK_OK); /* 8 bytes: "\u0001" */
	assert_int_equal(b.len, 8);
	buf_free(&b);
	buf_init(&b, 7);
	assert_int_equal(buf_put_json_str(&b, STR_LIT("\x01")), RK_TOO_LARGE);
	assert_true(b.overflow);
	buf_free(&b);
	buf_init(&b, 8);
	assert_int_equal(buf_put_json_str(&b, STR_LIT("\x01\x01")), RK_TOO_LARGE);
	assert_true(b.overflow);
	buf_free(&b);
}

static void check_url(const char *in, const char *want)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(buf_put_urlenc(&b, str_c(in)), RK_OK);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void test_urlenc(void **state)
{
	(void)state;
	check_url("", "");
	check_url("AZaz09-._~", "AZaz09-._~");
	check_url("a b", "a%20b");
	check_url("a+b&c=d/e?f#g%h", "a%2Bb%26c%3Dd%2Fe%3Ff%23g%25h");
	check_url("山", "%E5%B1%B1");
	check_url("\x7f\x01", "%7F%01");
	check_url("\xff", "%FF");

	struct buf b;
	buf_init(&b, 16);
	assert_int_equal(buf_put_urlenc(&b, STR_NULL), RK_OK);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);

	/* Over the ceiling: refused and sticky. */
	buf_init(&b, 5);
	assert_int_equal(buf_put_urlenc(&b, STR_LIT("  ")), RK_TOO_LARGE);
	assert_true(b.overflow);
	buf_free(&b);
}

static void test_steal(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "owned"), RK_OK);
	size_t len = 0;
	char *p = buf_steal(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_string_equal(p, "owned");
	/* The buffer is empty and usable again; the max is kept. */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_puts(&b, "again"), RK_OK);
	assert_string_equal(buf_cstr(&b), "again");
	assert_int_equal(b.max, 100);
	free(p);

	/* Stealing an empty buffer still gives a freeable "". */
	buf_free(&b);
	p = buf_steal(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);

	/* len may be NULL; the overflow flag is cleared. */
	buf_init(&b, 2);
	assert_int_equal(buf_puts(&b, "abc"), RK_TOO_LARGE);
	p = buf_steal(&b, NULL);
	assert_string_equal(p, "");
	assert_false(b.overflow);
	free(p);
	buf_free(&b);
}

static void test_printf(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(buf_printf(&b, "%s=%d;", "a", 1), RK_OK);
	assert_string_equal(buf_cstr(&b), "a=1;");

	/* Longer than the 256-byte stack buffer. */
	char big[1000];
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('A' + i % 26);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]%d", big, 42), RK_OK);
	assert_int_equal(b.len, 4 + 1 + 999 + 1 + 2);
	assert_memory_equal(b.data, "a=1;[", 5);
	assert_memory_equal(b.data + 5, big, 999);
	assert_string_equal(b.data + 5 + 999, "]42");
	assert_int_equal(strlen(buf_cstr(&b)), b.len);

	/* Boundary: exactly 255, 256 and 257 bytes of output. */
	for (int n = 255; n <= 257; n++) {
		buf_reset(&b);
		assert_int_equal(buf_printf(&b, "%.*s", n, big), RK_OK);
		assert_int_equal(b.len, (size_t)n);
		assert_memory_equal(b.data, big, (size_t)n);
		assert_int_equal(b.data[n], '\0');
	}

	/* A long printf can still be appended to afterwards. */
	assert_int_equal(buf_puts(&b, "!"), RK_OK);
	assert_int_equal(b.len, 258);
	assert_int_equal(b.data[257], '!');
	buf_free(&b);

	/* A long printf past the ceiling is refused and sticky. */
	buf_init(&b, 300);
	assert_int_equal(buf_printf(&b, "%s", big), RK_TOO_LARGE);
	assert_true(b.overflow);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_init(&b, 300);
	assert_int_equal(buf_printf(&b, "%.300s", big), RK_OK);
	assert_int_equal(b.len, 300);
	assert_int_equal(buf_printf(&b, "%s", ""), RK_OK);
	assert_int_equal(buf_printf(&b, "x"), RK_TOO_LARGE);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),    cmocka_unit_test(test_append_and_terminate),
		cmocka_unit_test(test_ceiling),  cmocka_unit_test(test_sticky_overflow),
		cmocka_unit_test(test_json_str), cmocka_unit_test(test_urlenc),
		cmocka_unit_test(test_steal),    cmocka_unit_test(test_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
