/* test_model_regional_id.c — unit tests for model/regional_id.h: generated
 * IDs are valid and deterministic for a seeded rng; the Luhn check digit catches
 * every single-digit typo and every adjacent transposition except 0↔9 (a known
 * Luhn blind spot); leading zeros, wrong lengths and non-digits are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/regional_id.h"

static bool valid_c(const char *s)
{
	return regional_id_valid(str_c(s));
}

static void test_generated_valid(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 20240401);
	for (int i = 0; i < 10000; i++) {
		char id[REGIONAL_ID_LEN + 1];
		memset(id, 'X', sizeof id);
		regional_id_new(&r, id);
		assert_int_equal(strlen(id), REGIONAL_ID_LEN);
		assert_true(str_is_digits(str_c(id)));
		assert_true(id[0] != '0');
		if (!valid_c(id))
			fail_msg("generated id %s is not valid", id);
	}
	/* From the kernel (rng NULL): still valid. */
	for (int i = 0; i < 100; i++) {
		char id[REGIONAL_ID_LEN + 1];
		regional_id_new(NULL, id);
		assert_int_equal(strlen(id), REGIONAL_ID_LEN);
		assert_true(valid_c(id));
	}
}

static void test_deterministic(void **state)
{
	(void)state;
	struct rng a, b, c;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	int differ = 0;
	for (int i = 0; i < 100; i++) {
		char ia[REGIONAL_ID_LEN + 1], ib[REGIONAL_ID_LEN + 1], ic[REGIONAL_ID_LEN + 1];
		regional_id_new(&a, ia);
		regional_id_new(&b, ib);
		regional_id_new(&c, ic);
		assert_string_equal(ia, ib);
		differ += strcmp(ia, ic) != 0;
	}
	assert_true(differ > 90); /* another seed, another sequence */

	/* The first digit spreads over 1..9 and later digits over 0..9. */
	struct rng r;
	rng_seed(&r, 7);
	int first[10] = {0}, other[10] = {0};
	for (int i = 0; i < 5000; i++) {
		char id[REGIONAL_ID_LEN + 1];
		regional_id_new(&r, id);
		first[id[0] - '0']++;
		for (int k = 1; k < REGIONAL_ID_LEN - 1; k++)
			other[id[k] - '0']++;
	}
	assert_int_equal(first[0], 0);
	for (int d = 1; d <= 9; d++)
		assert_true(first[d] > 0);
	for (int d = 0; d <= 9; d++)
		assert_true(other[d] > 0);
}

static void test_known_values(void **state)
{
	(void)state;
	/* Check digits computed by hand with the standard Luhn algorithm. */
	assert_true(valid_c("1000000000009"));
	assert_true(valid_c("1234567890128"));
	assert_true(valid_c("9999999999992"));
	assert_false(valid_c("1234567890120"));
	assert_false(valid_c("1234567890129"));
}

static void test_single_digit_typos(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 1);
	for (int n = 0; n < 500; n++) {
		char id[REGIONAL_ID_LEN + 1];
		regional_id_new(&r, id);
		for (int pos = 0; pos < REGIONAL_ID_LEN; pos++) {
			char orig = id[pos];
			for (char d = '0'; d <= '9'; d++) {
				if (d == orig)
					continue;
				id[pos] = d;
				if (valid_c(id))
					fail_msg("typo at position %d not detected: %s", pos, id);
				id[pos] = orig;
			}
		}
		assert_true(valid_c(id));
	}
}

/* Luhn detects every adjacent transposition of distinct digits except 09 ↔ 90:
 * 0 and 9 contribute the same whether doubled or not (0→0, 9→18→9), so
 * swapping them leaves the checksum unchanged. The test asserts exactly that
 * (such a swap stays valid unless it makes the first digit 0, which the
 * leading-zero rule refuses). */
static void test_adjacent_transpositions(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 2);
	int blind_spots = 0;
	for (int n = 0; n < 2000; n++) {
		char id[REGIONAL_ID_LEN + 1];
		regional_id_new(&r, id);
		for (int pos = 0; pos + 1 < REGIONAL_ID_LEN; pos++) {
			char a = id[pos], b = id[pos + 1];
			if (a == b)
				continue;
			id[pos] = b;
			id[pos + 1] = a;
			bool nine_zero = (a == '0' && b == '9') || (a == '9' && b == '0');
			if (nine_zero && !(pos == 0 && b == '0')) {
				assert_true(valid_c(id)); /* the known Luhn miss */
				blind_spots++;
			} else if (valid_c(id)) {
				fail_msg("transposition at %d..%d not detected: %s", pos, pos + 1, id);
			}
			id[pos] = a;
			id[pos + 1] = b;
		}
	}
	assert_true(blind_spots > 0); /* the 0/9 case was actually exercised */

	/* A fixed example of the blind spot, and of a detected swap. */
	assert_true(valid_c("1090000000000"));
	assert_true(valid_c("1900000000000")); /* 09 -> 90 at positions 1..2: still valid */
	assert_true(valid_c("1234567890128"));
	assert_true(valid_c("1234567809128"));  /* 90 -> 09 at positions 8..9: undetected */
	assert_false(valid_c("2134567890128")); /* 12 -> 21: detected */
}

static void test_malformed(void **state)
{
	(void)state;
	/* leading zero, even with a correct Luhn digit */
	assert_false(valid_c("0000000000000"));
	assert_false(valid_c("0123456789031"));
	/* wrong lengths, built from a valid id */
	char id[REGIONAL_ID_LEN + 2];
	struct rng r;
	rng_seed(&r, 3);
	regional_id_new(&r, id);
	assert_true(regional_id_valid((struct str){id, REGIONAL_ID_LEN}));
	for (size_t len = 0; len < REGIONAL_ID_LEN; len++)
		assert_false(regional_id_valid((struct str){id, len}));
	id[REGIONAL_ID_LEN] = '0';
	id[REGIONAL_ID_LEN + 1] = '\0';
	assert_false(regional_id_valid((struct str){id, REGIONAL_ID_LEN + 1}));
	assert_false(valid_c("12345678901234567890"));
	assert_false(regional_id_valid(STR_NULL));
	assert_false(valid_c(""));
	/* non-digits */
	assert_false(valid_c("123456789012a"));
	assert_false(valid_c(" 123456789012"));
	assert_false(valid_c("1234567890128 "));
	assert_false(valid_c("-234567890128"));
	assert_false(valid_c("１234567890128")); /* full-width digit */
	assert_false(valid_c("123456789012\x08"));
	/* ':' is '0' + 10: must not pass as a "digit" with value 10 */
	assert_false(valid_c("123456789012:"));
	assert_true(regional_id_valid((struct str){"1234567890128", 13}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_valid),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_single_digit_typos),
		cmocka_unit_test(test_adjacent_transpositions),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
