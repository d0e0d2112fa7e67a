/* test_collab_forms.c — the care team's forms (collab/forms.h): the
 * Questionnaires renkei ships are loaded (the face sheet's 23 課題分析標準項目,
 * the visit record's vitals with LOINC codes); a response is checked against
 * its form, every kind of mistake refused with a Japanese message naming the
 * linkId; the differences between two versions name the items that changed;
 * a visit record's summary line and its vital signs as Observations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "collab/forms.h"
#include "core/json.h"
#include "core/time.h"

#define NOW 1796000000000LL /* 2026-11-30, ms */

static json_t *parse(const char *text)
{
	struct rk_err err;
	rk_err_clear(&err);
	json_t *v = rk_json_parse(str_c(text), &err);
	assert_non_null(v);
	return v;
}

/* forms_check of text; the message, or "" when it passes. */
static const char *check(const char *text, char *msg, size_t cap)
{
	json_t *qr = parse(text);
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = forms_check(qr, NOW, &err);
	snprintf(msg, cap, "%s", rc == RK_OK ? "" : err.msg);
	if (rc != RK_OK)
		assert_int_equal(rc, RK_INVALID);
	json_decref(qr);
	return msg;
}

static void test_questionnaires_loaded(void **state)
{
	(void)state;
	assert_true(forms_questionnaire_count() >= 2);
	const json_t *fs = forms_questionnaire_by_url(str_c(FORMS_FACESHEET_URL));
	assert_non_null(fs);
	assert_ptr_equal(forms_questionnaire_by_id(str_c("renkei-facesheet")), fs);
	assert_ptr_equal(forms_questionnaire_by_url(str_c(FORMS_FACESHEET_URL "|2023")), fs);
	assert_null(forms_questionnaire_by_url(str_c(FORMS_FACESHEET_URL "|1999")));
	json_t *items = json_object_get(fs, "item");
	assert_int_equal(json_array_size(items), 23);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 14), "text")), "生活リズム");
	const json_t *visit = forms_questionnaire_by_id(str_c("renkei-visit"));
	assert_non_null(visit);
	char *text = json_dumps(visit, 0);
	for (size_t k = 0; k < forms_vitals_len; k++)
		assert_non_null(strstr(text, forms_vitals[k].loinc));
	free(text);
}

#define FS_HEAD                                                                                \
	"{\"resourceType\":\"QuestionnaireResponse\",\"questionnaire\":\"" FORMS_FACESHEET_URL \
	"\",\"status\":\"completed\","
#define REQUIRED                                                                                          \
	"{\"linkId\":\"1\",\"item\":[{\"linkId\":\"1.1\",\"answer\":[{\"valueDate\":\"2026-11-01\"}]}]}," \
	"{\"linkId\":\"9\",\"item\":[{\"linkId\":\"9.1\",\"answer\":[{\"valueCoding\":{\"code\":\"1\"}}]}]}"

static void test_facesheet_checked(void **state)
{
	(void)state;
	char m[512];
	assert_string_equal(check(FS_HEAD "\"item\":[" REQUIRED "]}", m, sizeof m), "");
	/* a draft may leave out what is required */
	assert_string_equal(check("{\"questionnaire\":\"" FORMS_FACESHEET_URL
				  "\",\"status\":\"in-progress\",\"item\":[]}",
				  m, sizeof m),
			    "");
	static const struct {
		const char *items, *want;
	} bad[] = {
		{REQUIRED ",{\"linkId\":\"99\",\"answer\":[{\"valueString\":\"x\"}]}", "'99'"},
		{REQUIRED ",{\"linkId\":\"10.4\",\"answer\":[{\"valueDecimal\":160}]}", "ここに置けません"},
		{REQUIRED
		 ",{\"linkId\":\"10\",\"item\":[{\"linkId\":\"10.4\",\"answer\":[{\"valueString\":\"160\"}]}]}",
		 "'10.4'"},
		{REQUIRED ",{\"linkId\":\"10\",\"item\":[{\"linkId\":\"10.5\",\"answer\":[{\"valueDecimal\":400.5}]}]}",
		 "範囲外"},
		{REQUIRED
		 ",{\"linkId\":\"8\",\"item\":[{\"linkId\":\"8.1\",\"answer\":[{\"valueCoding\":{\"code\":\"42\"}}]}]}",
		 "選択肢"},
		{REQUIRED
		 ",{\"linkId\":\"8\",\"item\":[{\"linkId\":\"8.1\",\"answer\":[{\"valueCoding\":{\"code\":\"1\"}},"
		 "{\"valueCoding\":{\"code\":\"2\"}}]}]}",
		 "回答は一つ"},
		{REQUIRED ",{\"linkId\":\"9\",\"answer\":[{\"valueString\":\"x\"}]}", "見出し"},
		{REQUIRED ",{\"linkId\":\"23\",\"item\":[{\"linkId\":\"23.1\",\"answer\":[{\"valueString\":\"\"}]}]}",
		 "空"},
		{REQUIRED ",{\"linkId\":\"23\",\"item\":[{\"linkId\":\"23.1\"}]}", "回答がありません"},
		{"{\"linkId\":\"1\",\"item\":[{\"linkId\":\"1.1\",\"answer\":[{\"valueDate\":\"2026-11-01\"}]}]}",
		 "必須の項目 '9'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[2048];
		snprintf(text, sizeof text, FS_HEAD "\"item\":[%s]}", bad[i].items);
		const char *got = check(text, m, sizeof m);
		if (!strstr(got, bad[i].want))
			fail_msg("case %zu: wanted '%s' in '%s'", i, bad[i].want, got);
	}
	/* a form renkei does not have */
	assert_non_null(strstr(check("{\"questionnaire\":\"urn:x\",\"status\":\"completed\"}", m, sizeof m), "urn:x"));
	/* a long text past maxLength */
	char text[8192], long_text[6200] = "";
	for (size_t i = 0; i < 2001; i++)
		memcpy(long_text + 3 * i, "あ", 4); /* 3 bytes and the NUL, which the next overwrites */
	snprintf(text, sizeof text,
		 FS_HEAD "\"item\":[" REQUIRED
			 ",{\"linkId\":\"2\",\"item\":[{\"linkId\":\"2.1\",\"answer\":[{\"valueString\":\"%s\"}]}]}]}",
		 long_text);
	assert_non_null(strstr(check(text, m, sizeof m), "2000 文字まで"));
}

static void visit_text(char *out, size_t cap, const char *start, const char *end, const char *vitals)
{
	snprintf(out, cap,
		 "{\"questionnaire\":\"" FORMS_VISIT_URL "\",\"status\":\"completed\",\"item\":["
		 "{\"linkId\":\"kind\",\"answer\":[{\"valueCoding\":{\"code\":\"nurse\",\"display\":\"訪問看護\"}}]},"
		 "{\"linkId\":\"start\",\"answer\":[{\"valueDateTime\":\"%s\"}]},"
		 "{\"linkId\":\"end\",\"answer\":[{\"valueDateTime\":\"%s\"}]},"
		 "{\"linkId\":\"vitals\",\"item\":[%s]},"
		 "{\"linkId\":\"notes\",\"answer\":[{\"valueString\":\"<script>x</script>\\n二行目\"}]}]}",
		 start, end, vitals);
}

#define VITALS                                                                                                              \
	"{\"linkId\":\"temp\",\"answer\":[{\"valueDecimal\":36.8}]},"                                                       \
	"{\"linkId\":\"sbp\",\"answer\":[{\"valueInteger\":128}]},{\"linkId\":\"dbp\",\"answer\":[{\"valueInteger\":76}]}," \
	"{\"linkId\":\"spo2\",\"answer\":[{\"valueInteger\":97}]}"

static void test_visit_checked_and_summarised(void **state)
{
	(void)state;
	char text[4096], m[512];
	visit_text(text, sizeof text, "2026-11-29T10:00:00+09:00", "2026-11-29T10:45:00+09:00", VITALS);
	assert_string_equal(check(text, m, sizeof m), "");
	json_t *qr = parse(text);
	struct arena a;
	arena_init(&a, 1u << 16);
	assert_string_equal(forms_visit_summary(qr, &a),
			    "訪問看護 10:00–10:45 体温36.8℃ 血圧128/76 SpO2 97%\n<script>x</script>…");
	/* the vitals as Observations: the panel for the blood pressure, none for what was not taken */
	int made = 0;
	for (size_t k = 0; k < forms_vitals_len; k++) {
		json_t *o = forms_vital_observation(qr, k, "QuestionnaireResponse/x", "Patient/p", NULL);
		if (!o)
			continue;
		made++;
		const char *suffix = forms_vital_suffix(k);
		const char *code = json_string_value(json_object_get(
			json_array_get(json_object_get(json_object_get(o, "code"), "coding"), 0), "code"));
		if (strcmp(suffix, "bp") == 0) {
			assert_string_equal(code, "85354-9");
			assert_int_equal(json_array_size(json_object_get(o, "component")), 2);
		} else if (strcmp(suffix, "spo2") == 0) {
			assert_string_equal(code, "2708-6"); /* the vital-signs profile's, then 59408-5 */
			assert_int_equal(json_array_size(json_object_get(json_object_get(o, "code"), "coding")), 2);
		} else if (strcmp(suffix, "temp") == 0) {
			assert_string_equal(code, "8310-5");
			assert_string_equal(
				json_string_value(json_object_get(json_object_get(o, "valueQuantity"), "code")), "Cel");
		}
		assert_string_equal(json_string_value(json_object_get(
					    json_array_get(json_object_get(o, "derivedFrom"), 0), "reference")),
				    "QuestionnaireResponse/x");
		assert_true(forms_vital_from_response(o));
		json_decref(o);
	}
	assert_int_equal(made, 3); /* temperature, blood pressure, SpO2 */
	arena_free(&a);
	json_decref(qr);

	static const struct {
		const char *start, *end, *vitals, *want;
	} bad[] = {
		{"2026-11-29T10:00:00+09:00", "2026-11-29T09:00:00+09:00", VITALS, "より前"},
		{"2026-12-29T10:00:00+09:00", "2026-12-29T11:00:00+09:00", VITALS, "未来"},
		{"2026-11-27T10:00:00+09:00", "2026-11-29T11:00:00+09:00", VITALS, "24時間"},
		{"2026-11-29T10:00:00+09:00", "2026-11-29T10:45:00+09:00",
		 "{\"linkId\":\"temp\",\"answer\":[{\"valueDecimal\":45}]}", "'temp'（体温）の値 45 は範囲外"},
		{"2026-11-29T10:00:00+09:00", "2026-11-29T10:45:00+09:00",
		 "{\"linkId\":\"sbp\",\"answer\":[{\"valueInteger\":400}]},{\"linkId\":\"dbp\",\"answer\":[{\"valueInteger\":80}]}",
		 "'sbp'"},
		{"2026-11-29T10:00:00+09:00", "2026-11-29T10:45:00+09:00",
		 "{\"linkId\":\"sbp\",\"answer\":[{\"valueInteger\":120}]}", "両方"},
		{"2026-11-29T10:00:00+09:00", "2026-11-29T10:45:00+09:00",
		 "{\"linkId\":\"sbp\",\"answer\":[{\"valueInteger\":70}]},{\"linkId\":\"dbp\",\"answer\":[{\"valueInteger\":90}]}",
		 "拡張期"},
		{"2026-11-29T10:00:00+09:00", "2026-11-29T10:45:00+09:00",
		 "{\"linkId\":\"pulse\",\"answer\":[{\"valueDecimal\":72.5}]}", "'pulse'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		visit_text(text, sizeof text, bad[i].start, bad[i].end, bad[i].vitals);
		const char *got = check(text, m, sizeof m);
		if (!strstr(got, bad[i].want))
			fail_msg("case %zu: wanted '%s' in '%s'", i, bad[i].want, got);
	}
}

static void test_diff(void **state)
{
	(void)state;
	const json_t *q = forms_questionnaire_by_url(str_c(FORMS_FACESHEET_URL));
	json_t *a = parse(
		FS_HEAD
		"\"item\":[" REQUIRED
		",{\"linkId\":\"23\",\"item\":[{\"linkId\":\"23.1\",\"answer\":[{\"valueString\":\"なし\"}]}]}]}");
	json_t *b = parse(
		FS_HEAD
		"\"item\":["
		"{\"linkId\":\"1\",\"item\":[{\"linkId\":\"1.1\",\"answer\":[{\"valueDate\":\"2026-11-01\"}]}]},"
		"{\"linkId\":\"9\",\"item\":[{\"linkId\":\"9.1\",\"answer\":[{\"valueCoding\":{\"code\":\"5\"}}]}]},"
		"{\"linkId\":\"17\",\"item\":[{\"linkId\":\"17.2\",\"answer\":[{\"valueBoolean\":true}]}]}]}");
	struct arena ar;
	arena_init(&ar, 1u << 16);
	json_t *d = forms_diff(q, a, b, &ar);
	char *text = json_dumps(d, JSON_COMPACT);
	assert_string_equal(
		text,
		"[{\"linkId\":\"9.1\",\"text\":\"理由\",\"section\":\"今回のアセスメントの理由\",\"from\":\"初回\","
		"\"to\":\"退院・退所\"},{\"linkId\":\"17.2\",\"text\":\"褥瘡あり\",\"section\":"
		"\"清潔の保持に関する状況\",\"from\":null,\"to\":\"はい\"},{\"linkId\":\"23.1\",\"text\":"
		"\"その他留意すべき事項・状況\",\"section\":\"その他留意すべき事項・状況\",\"from\":\"なし\",\"to\":null}]");
	free(text);
	json_decref(d);
	/* from nothing: everything answered is new */
	d = forms_diff(q, NULL, a, &ar);
	assert_int_equal(json_array_size(d), 3);
	json_decref(d);
	arena_free(&ar);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_questionnaires_loaded),
		cmocka_unit_test(test_facesheet_checked),
		cmocka_unit_test(test_visit_checked_and_summarised),
		cmocka_unit_test(test_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
