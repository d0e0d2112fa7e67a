/* test_access_totp.c — unit tests for access/totp.h: the RFC 6238 Appendix B
 * SHA-1 vectors (last 6 of the 8 digits), RFC 4648 base32 vectors and
 * garbage, new secrets, verification with its window and replay protection,
 * malformed codes and secrets, and the otpauth:// URI with Japanese text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access/totp.h"

/* RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" in base32. */
static const char rfc_secret[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
static const unsigned char rfc_key[] = "12345678901234567890";

static void test_rfc6238_vectors(void **state)
{
	(void)state;
	static const struct {
		int64_t time;
		const char *code8; /* as printed in the RFC */
	} v[] = {
		{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		unsigned want = 0;
		for (const char *p = v[i].code8 + 2; *p; p++)
			want = want * 10 + (unsigned)(*p - '0');
		assert_int_equal(totp_code(rfc_key, 20, v[i].time / 30), want);
		/* And through totp_verify with the base32 secret, window 0. */
		int64_t step = -1;
		assert_true(totp_verify(rfc_secret, v[i].code8 + 2, v[i].time, 0, -1, &step));
		assert_true(step == v[i].time / 30);
	}
}

static void decode_ok(const char *in, const char *want)
{
	unsigned char out[64];
	size_t n = 999;
	if (!totp_base32_decode(in, out, sizeof out, &n))
		fail_msg("base32 \"%s\" refused", in);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
}

static void decode_bad(const char *in)
{
	unsigned char out[64];
	size_t n = 999;
	if (totp_base32_decode(in, out, sizeof out, &n))
		fail_msg("base32 \"%s\" accepted", in);
	assert_int_equal(n, 999); /* untouched */
}

static void test_base32_rfc4648(void **state)
{
	(void)state;
	decode_ok("", "");
	decode_ok("MY======", "f");
	decode_ok("MZXQ====", "fo");
	decode_ok("MZXW6===", "foo");
	decode_ok("MZXW6YQ=", "foob");
	decode_ok("MZXW6YTB", "fooba");
	decode_ok("MZXW6YTBOI======", "foobar");
	/* Without padding, lower case, grouped with spaces. */
	decode_ok("MZXW6YTBOI", "foobar");
	decode_ok("mzxw6ytboi", "foobar");
	decode_ok("mzxw 6ytb oi", "foobar");
	decode_ok(rfc_secret, "12345678901234567890");
}

static void test_base32_garbage(void **state)
{
	(void)state;
	decode_bad("MZXW6YT1"); /* '1' is not in the alphabet */
	decode_bad("MZXW6YT8"); /* nor '8' */
	decode_bad("MZXW6YTB!");
	decode_bad("MZXW-6YTB");
	decode_bad("MZ\tXW");
	decode_bad("MZ\xc3\xa9"); /* non-ASCII */
	decode_bad("M");          /* 5 bits: no whole byte */
	decode_bad("MZX");        /* 15 bits */
	decode_bad("MZXW6Y");     /* 30 bits */
	decode_bad("MZ");         /* "f" with a non-zero unused bit (MY is canonical) */
	decode_bad("MZXW6YTBOJ"); /* "foobar" with non-zero unused bits */

	/* Overflow of the output buffer. */
	unsigned char out[6];
	size_t n = 999;
	assert_false(totp_base32_decode("MZXW6YTBOI", out, 5, &n));
	assert_int_equal(n, 999);
	assert_true(totp_base32_decode("MZXW6YTBOI", out, 6, &n));
	assert_int_equal(n, 6);
	assert_false(totp_base32_decode("MY", NULL, 0, &n));
	assert_true(totp_base32_decode("", NULL, 0, &n));
	assert_int_equal(n, 0);
	assert_false(totp_base32_decode(NULL, out, sizeof out, &n));
}

static void test_secret_new(void **state)
{
	(void)state;
	char a[TOTP_SECRET_B32_LEN + 1], b[TOTP_SECRET_B32_LEN + 1];
	memset(a, 'x', sizeof a);
	totp_secret_new(a);
	totp_secret_new(b);
	assert_int_equal(strlen(a), TOTP_SECRET_B32_LEN);
	for (size_t i = 0; i < TOTP_SECRET_B32_LEN; i++)
		assert_true((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '2' && a[i] <= '7'));
	assert_string_not_equal(a, b);
	unsigned char key[64];
	size_t n = 0;
	assert_true(totp_base32_decode(a, key, sizeof key, &n));
	assert_int_equal(n, TOTP_SECRET_BYTES);
	/* A new secret works end to end. */
	unsigned c = totp_code(key, n, 1000);
	char code[7];
	for (int i = 5; i >= 0; i--, c /= 10)
		code[i] = (char)('0' + c % 10);
	code[6] = '\0';
	int64_t step = 0;
	assert_true(totp_verify(a, code, 1000 * 30 + 7, 1, -1, &step));
	assert_true(step == 1000);
}

static void test_window(void **state)
{
	(void)state;
	int64_t step = -1;
	/* "287082" is the code of step 1 (unix 30..59). */
	assert_true(totp_verify(rfc_secret, "287082", 30, 0, -1, &step));
	assert_true(step == 1);
	/* One step late (step 2): only with a window. */
	assert_false(totp_verify(rfc_secret, "287082", 60, 0, -1, &step));
	step = -1;
	assert_true(totp_verify(rfc_secret, "287082", 89, 1, -1, &step));
	assert_true(step == 1);
	/* One step early (step 0, a fast clock on the phone). */
	step = -1;
	assert_true(totp_verify(rfc_secret, "287082", 29, 1, -1, &step));
	assert_true(step == 1);
	/* Two steps late: outside a window of 1, inside a window of 2. */
	assert_false(totp_verify(rfc_secret, "287082", 90, 1, -1, &step));
	assert_true(totp_verify(rfc_secret, "287082", 90, 2, -1, &step));
	/* Window bounds. */
	assert_false(totp_verify(rfc_secret, "287082", 59, -1, -1, &step));
	assert_false(totp_verify(rfc_secret, "287082", 59, TOTP_MAX_WINDOW + 1, -1, &step));
	assert_true(totp_verify(rfc_secret, "287082", 59, TOTP_MAX_WINDOW, -1, NULL));
	/* A wrong code. */
	assert_false(totp_verify(rfc_secret, "287083", 59, 1, -1, &step));
	assert_false(totp_verify(rfc_secret, "000000", 59, 1, -1, &step));
}

static void test_replay(void **state)
{
	(void)state;
	/* 1111111109 is step 37037036 ("081804"), 1111111111 step 37037037 ("050471"). */
	const int64_t now = 1111111111;
	int64_t last = -1, step = 0;
	assert_true(totp_verify(rfc_secret, "081804", now, 1, last, &step));
	assert_true(step == 37037036);
	last = step;
	/* The same code again: refused, also within the window. */
	step = 0;
	assert_false(totp_verify(rfc_secret, "081804", now, 1, last, &step));
	assert_true(step == 0);
	/* The next step's code is still good... */
	assert_true(totp_verify(rfc_secret, "050471", now, 1, last, &step));
	assert_true(step == 37037037);
	last = step;
	/* ...and after it, neither older code is. */
	assert_false(totp_verify(rfc_secret, "050471", now, 1, last, &step));
	assert_false(totp_verify(rfc_secret, "081804", now, 1, last, &step));
}

static void test_malformed_codes(void **state)
{
	(void)state;
	int64_t step = 42;
	static const char *const bad[] = {
		"12345",   "1234567", "12a456",       "", " 287082", "287082 ",
		"287 082", "+287082", "２８７０８２", /* full-width digits */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (totp_verify(rfc_secret, bad[i], 59, 1, -1, &step))
			fail_msg("code \"%s\" accepted", bad[i]);
	assert_false(totp_verify(rfc_secret, NULL, 59, 1, -1, &step));
	assert_true(step == 42);
}

static void test_bad_secrets(void **state)
{
	(void)state;
	int64_t step = 0;
	assert_false(totp_verify(NULL, "287082", 59, 1, -1, &step));
	assert_false(totp_verify("", "287082", 59, 1, -1, &step));
	assert_false(totp_verify("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ!", "287082", 59, 1, -1, &step));
	assert_false(totp_verify("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", "287082", 59, 1, -1, &step));
	/* A key below 128 bits is refused even with its own correct code. */
	unsigned c = totp_code((const unsigned char *)"foobar", 6, 1);
	assert_int_equal(c, 449542);
	assert_false(totp_verify("MZXW6YTBOI", "449542", 59, 1, -1, &step));
	/* A key above TOTP_KEY_MAX_BYTES (128 base32 characters: 80 bytes). */
	char big[129];
	memset(big, 'A', 128);
	big[128] = '\0';
	assert_false(totp_verify(big, "000000", 59, 1, -1, &step));
}

static void test_uri(void **state)
{
	(void)state;
	char out[512];
	assert_true(totp_uri(out, sizeof out, "renkei", "taro.yamada@example.jp", "JBSWY3DPEHPK3PXP"));
	assert_string_equal(out, "otpauth://totp/renkei:taro.yamada%40example.jp?secret=JBSWY3DPEHPK3PXP"
				 "&issuer=renkei&algorithm=SHA1&digits=6&period=30");
	assert_true(totp_uri(out, sizeof out, "岡山 連携ネット", "山田 太郎", rfc_secret));
	assert_string_equal(out, "otpauth://totp/%E5%B2%A1%E5%B1%B1%20%E9%80%A3%E6%90%BA%E3%83%8D%E3%83%83%E3%83%88:"
				 "%E5%B1%B1%E7%94%B0%20%E5%A4%AA%E9%83%8E?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
				 "&issuer=%E5%B2%A1%E5%B1%B1%20%E9%80%A3%E6%90%BA%E3%83%8D%E3%83%83%E3%83%88"
				 "&algorithm=SHA1&digits=6&period=30");
	/* Fits exactly, or not at all. */
	assert_true(totp_uri(out, sizeof out, "renkei", "taro", "JBSWY3DPEHPK3PXP"));
	size_t need = strlen(out) + 1;
	char tight[128];
	assert_true(need <= sizeof tight);
	assert_true(totp_uri(tight, need, "renkei", "taro", "JBSWY3DPEHPK3PXP"));
	assert_string_equal(tight, out);
	assert_false(totp_uri(tight, need - 1, "renkei", "taro", "JBSWY3DPEHPK3PXP"));
	assert_string_equal(tight, "");
	assert_false(totp_uri(tight, 1, "renkei", "taro", "JBSWY3DPEHPK3PXP"));
	assert_false(totp_uri(tight, 0, "renkei", "taro", "JBSWY3DPEHPK3PXP"));
	/* Refused parts. */
	assert_false(totp_uri(out, sizeof out, "ren:kei", "taro", "JBSWY3DPEHPK3PXP"));
	assert_false(totp_uri(out, sizeof out, "renkei", "ta:ro", "JBSWY3DPEHPK3PXP"));
	assert_false(totp_uri(out, sizeof out, "", "taro", "JBSWY3DPEHPK3PXP"));
	assert_false(totp_uri(out, sizeof out, "renkei", "", "JBSWY3DPEHPK3PXP"));
	assert_false(totp_uri(out, sizeof out, "renkei", "\xff", "JBSWY3DPEHPK3PXP"));
	assert_false(totp_uri(out, sizeof out, "renkei", "taro", "JBSWY3DPEHPK3PXP===="));
	assert_false(totp_uri(out, sizeof out, "renkei", "taro", "jbswy3dpehpk3pxp"));
	assert_false(totp_uri(out, sizeof out, "renkei", "taro", "JBSWY3DP&x=1"));
	assert_false(totp_uri(out, sizeof out, "renkei", "taro", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_base32_rfc4648),
		cmocka_unit_test(test_base32_garbage),
		cmocka_unit_test(test_secret_new),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_malformed_codes),
		cmocka_unit_test(test_bad_secrets),
		cmocka_unit_test(test_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
