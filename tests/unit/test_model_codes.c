/* test_model_codes.c — unit tests for model/codes.h: every code has the shape
 * of its system (HOT9 9 digits, YJ 12 characters, JLAC10 17, JAMI 用法 16,
 * ICD-10 without the dot, MEDIS 交換用コード 4, J-FAGY 12, LOINC n-n), no code
 * or key appears twice, cross-references between the tables resolve, and the
 * lists are as long as the demo generator needs. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/codes.h"

static bool all(const char *s, size_t len, int (*cls)(int))
{
	if (!s || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!cls((unsigned char)s[i]))
			return false;
	return true;
}

static int upper_or_digit(int c)
{
	return isdigit(c) || isupper(c);
}

/* YJ: 7 digits, a dosage-form letter, 4 digits ("2171022F2025"). */
static bool yj_shape(const char *s)
{
	return s && strlen(s) == 12 && all(s, 12, upper_or_digit) && isupper((unsigned char)s[7]) &&
	       all(s + 8, 4, isdigit) && isdigit((unsigned char)s[0]);
}

/* LOINC: digits, '-', one check digit. */
static bool loinc_shape(const char *s)
{
	const char *dash = strchr(s, '-');
	return dash && dash - s >= 3 && dash - s <= 6 && strlen(dash) == 2 && isdigit((unsigned char)dash[1]) &&
	       strspn(s, "0123456789") == (size_t)(dash - s);
}

static void test_medicines(void **state)
{
	(void)state;
	assert_true(codes_medicines_len >= 30);
	size_t oral = 0, injection = 0;
	for (size_t i = 0; i < codes_medicines_len; i++) {
		const struct codes_medicine *m = &codes_medicines[i];
		if (!all(m->hot9, 9, isdigit))
			fail_msg("%s: HOT9 '%s' is not 9 digits", m->key, m->hot9);
		if (!yj_shape(m->yj))
			fail_msg("%s: YJ '%s' has not the shape of a YJ code", m->key, m->yj);
		assert_true(m->name[0] && m->generic[0] && m->strength[0]);
		assert_true(m->dose > 0);
		assert_non_null(strstr(" TAB CAP AMP ML G ", m->unit));
		if (m->route == CODES_ORAL) {
			oral++;
			assert_non_null(m->usage);
			if (!codes_usages_find(m->usage))
				fail_msg("%s: unknown usage %s", m->key, m->usage);
		} else {
			injection++;
			assert_null(m->usage);
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(codes_medicines[j].hot9, m->hot9) == 0 ||
			    strcmp(codes_medicines[j].yj, m->yj) == 0 || strcmp(codes_medicines[j].key, m->key) == 0)
				fail_msg("%s and %s share a code or key", codes_medicines[j].key, m->key);
		}
		assert_ptr_equal(codes_medicines_find(m->key), m);
	}
	assert_true(oral >= 20);
	assert_true(injection >= 5);
	assert_null(codes_medicines_find("no-such-medicine"));
}

static void test_usages(void **state)
{
	(void)state;
	assert_true(codes_usages_len >= 5);
	for (size_t i = 0; i < codes_usages_len; i++) {
		const struct codes_usage *u = &codes_usages[i];
		if (!all(u->code, 16, isdigit))
			fail_msg("%s: JAMI usage code '%s' is not 16 digits", u->key, u->code);
		assert_true(u->per_day >= 1 && u->per_day <= 4);
		assert_true(strncmp(u->ja, "内服・経口・", strlen("内服・経口・")) == 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(codes_usages[j].code, u->code);
	}
}

static void test_labs(void **state)
{
	(void)state;
	assert_true(codes_labs_len >= 25);
	for (size_t i = 0; i < codes_labs_len; i++) {
		const struct codes_lab *l = &codes_labs[i];
		if (!all(l->jlac10, 17, upper_or_digit) || !isdigit((unsigned char)l->jlac10[0]))
			fail_msg("%s: JLAC10 '%s' is not 17 characters", l->key, l->jlac10);
		assert_true(l->ja[0] && l->unit[0] && l->ucum[0]);
		assert_true(l->decimals <= 2);
		for (int male = 0; male < 2; male++) {
			double lo, hi;
			codes_lab_range(l, male, &lo, &hi);
			assert_true(lo >= 0);
			if (hi >= 0 && !(lo < hi))
				fail_msg("%s: reference interval %g-%g", l->key, lo, hi);
			if (l->typical < lo || (hi >= 0 && l->typical > hi))
				fail_msg("%s: typical value %g outside %g-%g", l->key, l->typical, lo, hi);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(codes_labs[j].jlac10, l->jlac10) == 0 || strcmp(codes_labs[j].key, l->key) == 0)
				fail_msg("%s and %s share a code or key", codes_labs[j].key, l->key);
	}
	double lo, hi;
	codes_lab_range(codes_labs_find("cre"), true, &lo, &hi);
	assert_true(lo == 0.65 && hi == 1.07);
	codes_lab_range(codes_labs_find("cre"), false, &lo, &hi);
	assert_true(lo == 0.46 && hi == 0.79);
	assert_string_equal(codes_labs_find("hba1c")->jlac10, "3D046000001906202");
}

static void test_diagnoses(void **state)
{
	(void)state;
	assert_true(codes_diagnoses_len >= 30);
	size_t medis = 0;
	for (size_t i = 0; i < codes_diagnoses_len; i++) {
		const struct codes_diagnosis *d = &codes_diagnoses[i];
		size_t n = strlen(d->icd10);
		if (n < 3 || n > 4 || !isupper((unsigned char)d->icd10[0]) || !all(d->icd10 + 1, n - 1, isdigit))
			fail_msg("%s: ICD-10 '%s' is not a letter and 2-3 digits (no dot)", d->key, d->icd10);
		if (d->medis) {
			medis++;
			if (!all(d->medis, 4, upper_or_digit))
				fail_msg("%s: MEDIS code '%s' is not 4 characters", d->key, d->medis);
		}
		assert_true(d->ja[0] != '\0');
		for (size_t j = 0; j < i; j++) {
			if (strcmp(codes_diagnoses[j].key, d->key) == 0 ||
			    strcmp(codes_diagnoses[j].icd10, d->icd10) == 0)
				fail_msg("%s and %s share a key or ICD-10 code", codes_diagnoses[j].key, d->key);
			if (d->medis && codes_diagnoses[j].medis && strcmp(codes_diagnoses[j].medis, d->medis) == 0)
				fail_msg("%s and %s share a MEDIS code", codes_diagnoses[j].key, d->key);
		}
	}
	assert_true(medis >= 5);
}

static void test_allergens(void **state)
{
	(void)state;
	assert_true(codes_allergens_len >= 10);
	size_t food = 0, drug = 0, high = 0;
	for (size_t i = 0; i < codes_allergens_len; i++) {
		const struct codes_allergen *a = &codes_allergens[i];
		assert_non_null(strstr(" food medication environment ", a->category));
		if (strcmp(a->system, CODES_YJ_SYSTEM) == 0) {
			drug++;
			assert_true(yj_shape(a->code));
			/* a drug allergen is one of the listed medicines, so the generator can avoid it */
			const struct codes_medicine *m = codes_medicines_find(a->key);
			assert_non_null(m);
			assert_string_equal(m->yj, a->code);
		} else {
			assert_true(strcmp(a->system, CODES_JFAGY_FOOD_SYSTEM) == 0 ||
				    strcmp(a->system, CODES_JFAGY_OTHER_SYSTEM) == 0);
			assert_true(all(a->code, 12, upper_or_digit));
			assert_true(strncmp(a->code, "J9F", 3) == 0 || strncmp(a->code, "J9N", 3) == 0);
			food += strcmp(a->category, "food") == 0;
		}
		high += a->high;
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(codes_allergens[j].code, a->code);
	}
	assert_true(food >= 5 && drug >= 2 && high >= 3);
}

static void test_small_tables(void **state)
{
	(void)state;
	for (size_t i = 0; i < codes_modalities_len; i++) {
		assert_true(loinc_shape(codes_modalities[i].report_code));
		assert_ptr_equal(codes_modalities_find(codes_modalities[i].code), &codes_modalities[i]);
	}
	assert_non_null(codes_modalities_find("CT"));
	assert_non_null(codes_modalities_find("MR"));
	assert_non_null(codes_modalities_find("CR"));
	for (size_t i = 0; i < codes_documents_len; i++)
		assert_true(loinc_shape(codes_documents[i].code));
	assert_string_equal(codes_documents_find("referral")->code, "57133-1");
	assert_string_equal(codes_documents_find("discharge_summary")->code, "18842-5");
	for (size_t i = 0; i < codes_vitals_len; i++)
		assert_true(loinc_shape(codes_vitals[i].loinc));
	for (size_t i = 0; i < codes_vaccines_len; i++) {
		assert_true(all(codes_vaccines[i].hot9, 9, isdigit));
		assert_non_null(codes_diagnoses_find(codes_vaccines[i].disease));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_medicines), cmocka_unit_test(test_usages),    cmocka_unit_test(test_labs),
		cmocka_unit_test(test_diagnoses), cmocka_unit_test(test_allergens), cmocka_unit_test(test_small_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
