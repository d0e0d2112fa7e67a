/* test_model_municipality.c — unit tests for model/municipality.h: the check
 * digit of 全国地方公共団体コード (known codes of 総務省's list, every single-digit
 * typo of one), prefecture codes, coverage of a municipality by itself and by
 * its prefecture, and the code lists of facilities and declarations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/municipality.h"

static bool valid(const char *s)
{
	return municipality_code_valid(str_c(s));
}

static void test_known_codes(void **state)
{
	(void)state;
	/* 長野県, 松本市, 塩尻市, 安曇野市, 大町市, 北海道, 千代田区, 沖縄県 */
	const char *good[] = {"200000", "202029", "202151", "202207", "202118", "010006", "131016", "470007"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(valid(good[i]));
	assert_false(valid(""));
	assert_false(valid("20202"));   /* the 5-digit form without its check digit */
	assert_false(valid("2020290")); /* too long */
	assert_false(valid("20202a"));  /* not digits */
	assert_false(valid("000000"));  /* no prefecture 00 */
	assert_false(valid("480001"));  /* no prefecture 48 */
	assert_false(valid("202020"));  /* wrong check digit */
}

static void test_single_digit_typos(void **state)
{
	(void)state;
	char code[] = "202029";
	for (int pos = 0; pos < 6; pos++)
		for (char d = '0'; d <= '9'; d++) {
			char was = code[pos];
			if (d == was)
				continue;
			code[pos] = d;
			/* a typo in the first five digits changes the weighted sum by
			 * 1..9 times a weight of 2..6, never a multiple of 11 */
			assert_false(valid(code));
			code[pos] = was;
		}
}

static void test_coverage(void **state)
{
	(void)state;
	assert_true(municipality_is_prefecture(str_c("200000")));
	assert_false(municipality_is_prefecture(str_c("202029")));
	assert_true(municipality_code_covers(str_c("202029"), str_c("202029")));
	assert_true(municipality_code_covers(str_c("200000"), str_c("202207")));
	assert_false(municipality_code_covers(str_c("202029"), str_c("202207")));
	assert_false(municipality_code_covers(str_c("130001"), str_c("202029")));
	assert_false(
		municipality_code_covers(str_c("202029"), str_c("200000"))); /* a town does not cover its prefecture */
	assert_true(municipality_list_covers(" 202118 202029 ", " 202207 202029 "));
	assert_false(municipality_list_covers(" 202118 ", " 202207 202029 "));
	assert_false(municipality_list_covers("", " 202029 "));
	assert_false(municipality_list_covers(" 202029 ", ""));
	assert_false(municipality_list_covers(" 20202 ", " 20202 ")); /* invalid codes cover nothing */
}

static void test_list_add(void **state)
{
	(void)state;
	char list[MUNICIPALITY_LIST_CAP] = "";
	assert_true(municipality_list_add(list, sizeof list, str_c("202029")));
	assert_true(municipality_list_add(list, sizeof list, str_c("202207")));
	assert_true(municipality_list_add(list, sizeof list, str_c("202029"))); /* already there */
	assert_string_equal(list, " 202029 202207 ");
	assert_false(municipality_list_add(list, sizeof list, str_c("202020")));
	assert_string_equal(list, " 202029 202207 ");
	char small[10] = "";
	assert_true(municipality_list_add(small, sizeof small, str_c("202029")));
	assert_false(municipality_list_add(small, sizeof small, str_c("202207"))); /* full */
	assert_string_equal(small, " 202029 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_codes),
		cmocka_unit_test(test_single_digit_typos),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_list_add),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
