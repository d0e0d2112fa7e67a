/* test_fhir_linking.c — unit tests for the pure part of fhir/linking.h: the
 * match features of a Patient (the SYL kana name preferred, folded across
 * katakana / hiragana / half-width kana / spaces; birth date; postal digits;
 * address key) and the score of two registrations (each field's weight, a
 * contradicting sex, the threshold), plus the consent scope rule of
 * access/decide.h that a merge relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "access/decide.h"
#include "fhir/jpcore.h"
#include "fhir/linking.h"

static json_t *patient(const char *kanji, const char *kana_family, const char *kana_given, const char *birth,
		       const char *gender, const char *postal, const char *addr)
{
	json_t *p = json_pack("{s:s, s:[{s:[{s:s, s:s}], s:s, s:[s]}, {s:[{s:s, s:s}], s:s, s:[s]}]}", "resourceType",
			      "Patient", "name", "extension", "url", JP_NAME_REPRESENTATION_EXT, "valueCode", "IDE",
			      "family", kanji, "given", "花子", "extension", "url", JP_NAME_REPRESENTATION_EXT,
			      "valueCode", "SYL", "family", kana_family, "given", kana_given);
	assert_non_null(p);
	if (birth)
		json_object_set_new(p, "birthDate", json_string(birth));
	if (gender)
		json_object_set_new(p, "gender", json_string(gender));
	if (postal || addr) {
		json_t *a = json_object();
		if (postal)
			json_object_set_new(a, "postalCode", json_string(postal));
		if (addr)
			json_object_set_new(a, "text", json_string(addr));
		json_object_set_new(p, "address", json_pack("[o]", a));
	}
	return p;
}

static void features(json_t *p, struct linking_features *f)
{
	linking_features(p, f);
	json_decref(p);
}

static void test_kana_forms_share_a_key(void **state)
{
	(void)state;
	struct linking_features a, b, c, d;
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "female", NULL, NULL), &a);
	features(patient("湯浅", "ゆあさ", "はなこ", "1948-07-15", "female", NULL, NULL), &b);
	features(patient("湯浅", "ﾕｱｻ ", " ﾊﾅｺ", "1948-07-15", "female", NULL, NULL), &c);
	features(patient("湯浅", "ユアサ　", "ハナコ", "1948-07-15", "female", NULL, NULL), &d);
	assert_string_equal(a.key, "ユアサハナコ|1948-07-15");
	assert_string_equal(a.key, b.key);
	assert_string_equal(a.key, c.key);
	assert_string_equal(a.key, d.key);
	/* dakuten composed from half-width: ｼﾞﾛｳ = ジロウ */
	features(patient("山田", "ﾔﾏﾀﾞ", "ｼﾞﾛｳ", "1950-01-02", NULL, NULL, NULL), &a);
	assert_string_equal(a.key, "ヤマダジロウ|1950-01-02");
}

static void test_missing_fields_give_no_key(void **state)
{
	(void)state;
	struct linking_features f;
	features(patient("湯浅", "ユアサ", "ハナコ", NULL, "female", NULL, NULL), &f);
	assert_string_equal(f.key, "");
	json_t *p = json_pack("{s:s, s:s}", "resourceType", "Patient", "birthDate", "1948-07-15");
	features(p, &f);
	assert_string_equal(f.key, "");
	/* no SYL name: the first name is used */
	p = json_pack("{s:[{s:s, s:[s]}], s:s}", "name", "family", "やまだ", "given", "たろう", "birthDate", "1950");
	features(p, &f);
	assert_string_equal(f.key, "ヤマダタロウ|1950");
}

static void test_address_features(void **state)
{
	(void)state;
	struct linking_features f;
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "female", "390-0811",
			 "長野県松本市中央１丁目 2番3号"),
		 &f);
	assert_string_equal(f.postal, "3900811");
	assert_string_equal(f.address, "長野県松本市中央1丁目2番3号");
}

static void test_scores(void **state)
{
	(void)state;
	struct linking_features a, b;
	char why[128];
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "female", "3900811", "長野県松本市中央1-2-3"), &a);
	features(patient("湯浅", "ゆあさ", "はなこ", "1948-07-15", "female", "390-0811", NULL), &b);
	assert_int_equal(linking_score(&a, &b, why, sizeof why), 100);
	assert_string_equal(why, "name,birthDate,gender,postalCode");
	/* address text when the postal codes are missing */
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", NULL, NULL, "長野県松本市中央１－２－３"), &a);
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "female", NULL, "長野県 松本市 中央１－２－３"), &b);
	assert_int_equal(linking_score(&a, &b, why, sizeof why), 85);
	assert_string_equal(why, "name,birthDate,address");
	/* name and birth date alone reach the threshold */
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", NULL, NULL, NULL), &a);
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "unknown", "1000001", NULL), &b);
	assert_int_equal(linking_score(&a, &b, why, sizeof why), LINKING_THRESHOLD);
	/* a different sex contradicts */
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "male", "3900811", NULL), &a);
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "female", "3900811", NULL), &b);
	assert_true(linking_score(&a, &b, why, sizeof why) < LINKING_THRESHOLD);
	/* another birth date: no birthDate points (and in practice another key) */
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-16", "female", "3900811", NULL), &a);
	features(patient("湯浅", "ユアサ", "ハナコ", "1948-07-15", "female", "3900811", NULL), &b);
	assert_int_equal(linking_score(&a, &b, why, sizeof why), 70);
	assert_string_equal(why, "name,gender,postalCode");
	assert_string_not_equal(a.key, b.key);
	/* a tiny reasons buffer is left empty, never overrun */
	char small[4];
	assert_int_equal(linking_score(&b, &b, small, sizeof small), 100);
	assert_string_equal(small, "");
}

/* decide.h: a consent given under a merged-away ID covers its own scope only. */
static void test_scoped_consent(void **state)
{
	(void)state;
	const char *S = "2011000011", *F = "2011000029", *O = "2011100018";
	const char *reg[] = {S, F};
	const char *scope_f[] = {F};
	struct consent_fact star = {.id = "c1",
				    .kind = CONSENT_INDIVIDUAL,
				    .active = true,
				    .start = 0,
				    .end = INT64_MAX,
				    .source_facility = S,
				    .viewer_facility = "*"};
	struct access_patient p = {
		.regional_id = "1", .registered = reg, .n_registered = 2, .consents = &star, .n_consents = 1};
	struct access_principal at_f = {.role = ROLE_DOCTOR, .facility = F, .account = "dr"};
	assert_true(access_decide(&at_f, &p, S, CAT_CONDITION, NULL, 1000).permit);
	star.scoped = true; /* given under F's old ID: S is not in its scope */
	star.scope = scope_f;
	star.n_scope = 1;
	assert_false(access_decide(&at_f, &p, S, CAT_CONDITION, NULL, 1000).permit);
	/* within scope it still holds: F → S */
	struct consent_fact fs = star;
	fs.source_facility = F;
	fs.viewer_facility = S;
	p.consents = &fs;
	struct access_principal at_s = {.role = ROLE_DOCTOR, .facility = S, .account = "dr"};
	assert_true(access_decide(&at_s, &p, F, CAT_CONDITION, NULL, 1000).permit);
	/* "*" reaches only the scope's facilities */
	fs.viewer_facility = "*";
	assert_false(access_decide(&at_s, &p, F, CAT_CONDITION, NULL, 1000).permit);
	/* a refusal is never scoped: it follows the whole person */
	struct consent_fact refusal = {.id = "r",
				       .kind = CONSENT_REFUSAL,
				       .active = true,
				       .start = 0,
				       .end = INT64_MAX,
				       .source_facility = "",
				       .viewer_facility = "*",
				       .scoped = true,
				       .scope = scope_f,
				       .n_scope = 1};
	struct consent_fact both[] = {refusal,
				      {.id = "c2",
				       .kind = CONSENT_INDIVIDUAL,
				       .active = true,
				       .start = 0,
				       .end = INT64_MAX,
				       .source_facility = S,
				       .viewer_facility = O}};
	p.consents = both;
	p.n_consents = 2;
	struct access_principal at_o = {.role = ROLE_DOCTOR, .facility = O, .account = "dr"};
	assert_int_equal(access_decide(&at_o, &p, S, CAT_CONDITION, NULL, 1000).reason, REASON_REFUSED);
	/* comprehensive consent and care team: scoped memberships open only their scope */
	struct consent_fact comp = {.id = "k",
				    .kind = CONSENT_COMPREHENSIVE,
				    .active = true,
				    .start = 0,
				    .end = INT64_MAX,
				    .source_facility = "",
				    .viewer_facility = "*"};
	struct team_fact team = {.facility = O, .account = "", .active = true, .start = 0, .end = INT64_MAX};
	p.consents = &comp;
	p.n_consents = 1;
	p.team = &team;
	p.n_team = 1;
	assert_true(access_decide(&at_o, &p, S, CAT_CONDITION, NULL, 1000).permit);
	team.scoped = true;
	team.scope = scope_f;
	team.n_scope = 1;
	assert_false(access_decide(&at_o, &p, S, CAT_CONDITION, NULL, 1000).permit);
	assert_true(access_decide(&at_o, &p, F, CAT_CONDITION, NULL, 1000).permit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kana_forms_share_a_key), cmocka_unit_test(test_missing_fields_give_no_key),
		cmocka_unit_test(test_address_features),       cmocka_unit_test(test_scores),
		cmocka_unit_test(test_scoped_consent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
