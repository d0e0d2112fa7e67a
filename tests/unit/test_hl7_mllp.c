/* test_hl7_mllp.c — unit tests for hl7/mllp.h: a stream of frames split at
 * every byte position and fed byte by byte gives the same frames; merged
 * frames, whitespace between frames, empty frames; errors for oversized
 * frames, bytes outside a frame, a VT inside a frame, FS without CR; the
 * unfinished-frame flag; a callback's failure; mllp_wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "hl7/mllp.h"

struct got {
	char frames[8][256];
	size_t lens[8];
	int n;
	int fail_at; /* callback fails on this frame (-1: never) */
};

static enum rk_status on_frame(void *arg, struct str frame, struct rk_err *err)
{
	struct got *g = arg;
	if (g->n == g->fail_at)
		return rk_fail(err, RK_DB, "store failed");
	assert_true(g->n < 8);
	assert_true(frame.len < 256);
	if (frame.len)
		memcpy(g->frames[g->n], frame.ptr, frame.len);
	g->lens[g->n++] = frame.len;
	return RK_OK;
}

static const char *M1 = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|1||X\r";
static const char *M2 = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|2|P|2.5\rPID|1||Y\r";

static void expect_frames(struct got *g)
{
	assert_int_equal(g->n, 3);
	assert_int_equal(g->lens[0], strlen(M1));
	assert_memory_equal(g->frames[0], M1, g->lens[0]);
	assert_int_equal(g->lens[1], 0);
	assert_int_equal(g->lens[2], strlen(M2));
	assert_memory_equal(g->frames[2], M2, g->lens[2]);
}

static size_t stream(char *s)
{
	/* frame, whitespace, an empty frame, merged with the next frame */
	size_t n = 0;
	s[n++] = MLLP_VT;
	memcpy(s + n, M1, strlen(M1));
	n += strlen(M1);
	memcpy(s + n, "\x1c\r\r\n \t\x0b\x1c\r\x0b", 10);
	n += 10;
	memcpy(s + n, M2, strlen(M2));
	n += strlen(M2);
	memcpy(s + n, "\x1c\r", 2);
	return n + 2;
}

static void test_split_everywhere(void **state)
{
	(void)state;
	char s[512];
	size_t n = stream(s);
	for (size_t cut = 0; cut <= n; cut++) {
		struct mllp_decoder d;
		mllp_init(&d, 0);
		struct got g = {.fail_at = -1};
		struct rk_err err;
		rk_err_clear(&err);
		assert_int_equal(mllp_feed(&d, s, cut, on_frame, &g, &err), RK_OK);
		assert_int_equal(mllp_feed(&d, s + cut, n - cut, on_frame, &g, &err), RK_OK);
		expect_frames(&g);
		assert_false(mllp_in_frame(&d));
		mllp_free(&d);
	}
	/* one byte at a time; the in-frame flag follows the stream */
	struct mllp_decoder d;
	mllp_init(&d, 0);
	struct got g = {.fail_at = -1};
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(mllp_feed(&d, s + i, 1, on_frame, &g, NULL), RK_OK);
		if (i == 0 || i == strlen(M1))
			assert_true(mllp_in_frame(&d));
		if (i == strlen(M1) + 2)
			assert_false(mllp_in_frame(&d));
	}
	expect_frames(&g);
	mllp_free(&d);
	/* every pair of cuts (three reads) */
	for (size_t a = 0; a <= n; a += 3)
		for (size_t b = a; b <= n; b += 5) {
			mllp_init(&d, 0);
			struct got g3 = {.fail_at = -1};
			assert_int_equal(mllp_feed(&d, s, a, on_frame, &g3, NULL), RK_OK);
			assert_int_equal(mllp_feed(&d, s + a, b - a, on_frame, &g3, NULL), RK_OK);
			assert_int_equal(mllp_feed(&d, s + b, n - b, on_frame, &g3, NULL), RK_OK);
			expect_frames(&g3);
			mllp_free(&d);
		}
}

static void test_errors(void **state)
{
	(void)state;
	struct {
		const char *in;
		enum rk_status st;
		const char *why;
	} bad[] = {
		{"MSH|^~\\&|A\r", RK_INVALID, "outside an MLLP frame"},
		{"\x0bMSH\x1c\rgarbage", RK_INVALID, "byte 0x67 at stream offset 6"},
		{"\x0bMSH\x0bPID", RK_INVALID, "VT 0x0B inside"},
		{"\x0bMSH\x1cX", RK_INVALID, "not followed by CR"},
		{"\x0bMSH\x1c\x1c\r", RK_INVALID, "not followed by CR"},
		{"\x1c\r", RK_INVALID, "outside"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct mllp_decoder d;
		mllp_init(&d, 0);
		struct got g = {.fail_at = -1};
		struct rk_err err;
		rk_err_clear(&err);
		enum rk_status st = mllp_feed(&d, bad[i].in, strlen(bad[i].in), on_frame, &g, &err);
		if (st != bad[i].st || !strstr(err.msg, bad[i].why))
			fail_msg("case %zu: %s '%s', want '%s'", i, rk_status_name(st), err.msg, bad[i].why);
		/* refused until reset */
		rk_err_clear(&err);
		assert_int_equal(mllp_feed(&d, "\x0b", 1, on_frame, &g, &err), RK_INVALID);
		assert_non_null(strstr(err.msg, "reset"));
		mllp_reset(&d);
		assert_int_equal(mllp_feed(&d, "\x0bX\x1c\r", 4, on_frame, &g, NULL), RK_OK);
		mllp_free(&d);
	}
	/* FS split from a wrong byte */
	struct mllp_decoder d;
	mllp_init(&d, 0);
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(mllp_feed(&d, "\x0bMSH\x1c", 5, on_frame, &(struct got){.fail_at = -1}, &err), RK_OK);
	assert_true(mllp_in_frame(&d));
	assert_int_equal(mllp_feed(&d, "\n", 1, on_frame, NULL, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "not followed by CR"));
	mllp_free(&d);
}

static void test_oversized(void **state)
{
	(void)state;
	struct mllp_decoder d;
	mllp_init(&d, 16);
	struct got g = {.fail_at = -1};
	struct rk_err err;
	/* exactly 16 bytes is fine, in one read and across reads */
	assert_int_equal(mllp_feed(&d,
				   "\x0b"
				   "0123456789abcdef\x1c\r",
				   19, on_frame, &g, NULL),
			 RK_OK);
	assert_int_equal(mllp_feed(&d,
				   "\x0b"
				   "01234567",
				   9, on_frame, &g, NULL),
			 RK_OK);
	assert_int_equal(mllp_feed(&d, "89abcdef", 8, on_frame, &g, NULL), RK_OK);
	assert_int_equal(mllp_feed(&d, "\x1c\r", 2, on_frame, &g, NULL), RK_OK);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.lens[1], 16);
	/* 17 bytes fails, whether or not its end has arrived */
	rk_err_clear(&err);
	assert_int_equal(mllp_feed(&d,
				   "\x0b"
				   "0123456789abcdefg",
				   18, on_frame, &g, &err),
			 RK_TOO_LARGE);
	assert_non_null(strstr(err.msg, "longer than 16 bytes"));
	mllp_reset(&d);
	rk_err_clear(&err);
	assert_int_equal(mllp_feed(&d,
				   "\x0b"
				   "0123456789",
				   11, on_frame, &g, &err),
			 RK_OK);
	assert_int_equal(mllp_feed(&d, "abcdefg\x1c\r", 9, on_frame, &g, &err), RK_TOO_LARGE);
	mllp_free(&d);

	/* the default bound is RK_MAX_HL7_MESSAGE; a larger request is capped */
	mllp_init(&d, (size_t)RK_MAX_HL7_MESSAGE * 4);
	assert_int_equal(d.max_frame, RK_MAX_HL7_MESSAGE);
	size_t big = RK_MAX_HL7_MESSAGE + 2;
	char *s = malloc(big);
	s[0] = MLLP_VT;
	memset(s + 1, 'A', big - 1);
	rk_err_clear(&err);
	size_t off = 0;
	enum rk_status st = RK_OK;
	while (off < big && st == RK_OK) { /* 64 KB reads, as a socket would give */
		size_t k = big - off < 65536 ? big - off : 65536;
		st = mllp_feed(&d, s + off, k, on_frame, &g, &err);
		off += k;
	}
	assert_int_equal(st, RK_TOO_LARGE);
	free(s);
	mllp_free(&d);
}

static void test_unfinished_and_callback(void **state)
{
	(void)state;
	struct mllp_decoder d;
	mllp_init(&d, 0);
	struct got g = {.fail_at = 1};
	struct rk_err err;
	rk_err_clear(&err);
	assert_false(mllp_in_frame(&d));
	assert_int_equal(mllp_feed(&d, "\r\n", 2, on_frame, &g, &err), RK_OK);
	assert_false(mllp_in_frame(&d));
	assert_int_equal(mllp_feed(&d, "\x0bMSH|", 5, on_frame, &g, &err), RK_OK);
	assert_true(mllp_in_frame(&d)); /* a listener would time this client out */
	mllp_reset(&d);
	assert_false(mllp_in_frame(&d));
	/* the callback's failure stops the feed and is returned */
	assert_int_equal(mllp_feed(&d,
				   "\x0b"
				   "a\x1c\r\x0b"
				   "b\x1c\r\x0b"
				   "c\x1c\r",
				   12, on_frame, &g, &err),
			 RK_DB);
	assert_string_equal(err.msg, "store failed");
	assert_int_equal(g.n, 1);
	mllp_free(&d);
}

static void test_wrap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1024);
	assert_int_equal(mllp_wrap(str_c("MSA|AA|1\r"), &b, NULL), RK_OK);
	assert_memory_equal(b.data, "\x0bMSA|AA|1\r\x1c\r", b.len);
	/* the wrapped frame decodes back */
	struct mllp_decoder d;
	mllp_init(&d, 0);
	struct got g = {.fail_at = -1};
	assert_int_equal(mllp_feed(&d, b.data, b.len, on_frame, &g, NULL), RK_OK);
	assert_int_equal(g.n, 1);
	assert_memory_equal(g.frames[0], "MSA|AA|1\r", 9);
	mllp_free(&d);
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(mllp_wrap(str_c("a\x1c"), &b, &err), RK_INVALID);
	assert_int_equal(mllp_wrap(str_c("a\x0b"), &b, &err), RK_INVALID);
	buf_free(&b);
	buf_init(&b, 4);
	assert_int_equal(mllp_wrap(str_c("MSA|AA"), &b, NULL), RK_TOO_LARGE);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_unfinished_and_callback),
		cmocka_unit_test(test_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
