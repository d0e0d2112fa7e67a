/* test_access_lockout.c — unit tests for the lockout back-off of access/auth.h
 * (auth_lockout_ms): nothing below the threshold, the base lock at it,
 * doubling with each further failure, capped at the maximum, and no overflow
 * however many failures are counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access/auth.h"

static struct config cfg_of(int64_t base, int64_t max)
{
	struct config c;
	memset(&c, 0, sizeof c);
	c.lockout_base_ms = base;
	c.lockout_max_ms = max;
	return c;
}

static void test_below_and_at_threshold(void **state)
{
	(void)state;
	struct config c = cfg_of(60000, 3600000);
	for (int64_t n = 0; n < 5; n++)
		assert_int_equal(auth_lockout_ms(&c, n, 5), 0);
	assert_int_equal(auth_lockout_ms(&c, 5, 5), 60000);
	assert_int_equal(auth_lockout_ms(&c, 1, 1), 60000);
}

static void test_doubling_and_cap(void **state)
{
	(void)state;
	struct config c = cfg_of(60000, 3600000);
	assert_int_equal(auth_lockout_ms(&c, 6, 5), 120000);
	assert_int_equal(auth_lockout_ms(&c, 7, 5), 240000);
	assert_int_equal(auth_lockout_ms(&c, 10, 5), 1920000);
	assert_int_equal(auth_lockout_ms(&c, 11, 5), 3600000); /* 3,840,000 capped */
	assert_int_equal(auth_lockout_ms(&c, 1000000, 5), 3600000);
	assert_int_equal(auth_lockout_ms(&c, INT64_MAX, 5), 3600000);
	/* a maximum below the base: the maximum */
	struct config d = cfg_of(60000, 1000);
	assert_int_equal(auth_lockout_ms(&d, 5, 5), 1000);
}

static void test_id_threshold(void **state)
{
	(void)state;
	/* the ID-wide count has its own, higher threshold and the same back-off */
	struct config c = cfg_of(1000, 8000);
	assert_int_equal(auth_lockout_ms(&c, 49, 50), 0);
	assert_int_equal(auth_lockout_ms(&c, 50, 50), 1000);
	assert_int_equal(auth_lockout_ms(&c, 52, 50), 4000);
	assert_int_equal(auth_lockout_ms(&c, 54, 50), 8000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_and_at_threshold),
		cmocka_unit_test(test_doubling_and_cap),
		cmocka_unit_test(test_id_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
