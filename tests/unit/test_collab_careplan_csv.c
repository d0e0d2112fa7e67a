/* test_collab_careplan_csv.c — the ケアプランデータ連携 CSV (collab/careplan_csv.h)
 * and the plan as FHIR (collab/careplan.h): files read and written back byte
 * for byte in both quoting styles; each malformed file refused with its line
 * and column; each column's values accepted or refused by a table of cases;
 * the week grid's blocks; a plan through its transaction Bundle and back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab/careplan.h"
#include "collab/careplan_csv.h"

/* UTF-8 text as Shift_JIS (MS932) bytes, in a static buffer. */
static const unsigned char *sjis(const char *utf8, size_t *len)
{
	static char out[1 << 16];
	iconv_t cd = iconv_open("CP932", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	char *ip = (char *)utf8, *op = out;
	size_t il = strlen(utf8), ol = sizeof out;
	assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	*len = (size_t)(op - out);
	return (const unsigned char *)out;
}

#define HEAD3 "\"202304\",\"201012\",\"0000012345\",\"20261101\","

static void test_round_trip(void **state)
{
	(void)state;
	static const struct {
		enum cp_table t;
		const char *text;
		enum cp_quoting q;
	} cases[] = {
		{CP_T3, HEAD3 "\"1\",\"月木\",\"1000\",\"1100\",\"入浴介助\",\"訪問介護\",\"やまなみ\"\r\n",
		 CP_QUOTE_ALL},
		{CP_T3,
		 HEAD3 "\"1\",\"月水金\",\"0900\",\"0930\",\"服薬 \"\"確認\"\", 声かけ\",\"訪問介護\",\"\"\r\n" HEAD3
		       "\"2\",\"\",\"0700\",\"0800\",\"起床\r\n朝食\",\"\",\"\"\r\n" HEAD3
		       "\"3\",\"\",\"\",\"\",\"福祉用具貸与（歩行器）～\",\"\",\"\"\r\n",
		 CP_QUOTE_ALL},
		{CP_T3, "202304,201012,0000012345,20261101,1,土日,1300,1330,\"散歩, 見守り\",,\r\n", CP_QUOTE_MINIMAL},
		{CP_T2,
		 "202304,201012,0000012345,20261101,20261101,1,入浴したい,1,入浴できる,浴槽をまたげる,R8～R9,,1,入浴介助,1,"
		 "訪問介護,2070500015,やまなみ,週2回,,,\r\n",
		 CP_QUOTE_MINIMAL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct arena a;
		arena_init(&a, 1 << 20);
		struct cp_plan plan = {.quoting = CP_QUOTE_ALL};
		struct rk_err err;
		rk_err_clear(&err);
		size_t len;
		const unsigned char *in = sjis(cases[i].text, &len);
		enum rk_status rc = cp_read(cases[i].t, "t.CSV", in, len, &a, &plan, &err);
		if (rc != RK_OK)
			fail_msg("case %zu: %s", i, err.msg);
		assert_int_equal(plan.quoting, cases[i].q);
		struct buf out;
		buf_init(&out, 1 << 20);
		assert_int_equal(cp_write(&plan, cases[i].t, &out, &err), RK_OK);
		if (out.len != len || memcmp(out.data, in, len) != 0)
			fail_msg("case %zu: written back differently (%zu bytes, read %zu)", i, out.len, len);
		buf_free(&out);
		arena_reset(&a);
	}
}

static void test_bad_files(void **state)
{
	(void)state;
	static const struct {
		enum cp_table t;
		const char *text; /* UTF-8, converted to Shift_JIS unless raw */
		bool raw;
		const char *message;
	} cases[] = {
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"1100\",\"入浴\",\"\",\"\"\r\n", true, "UTF-8 で書かれています"},
		{CP_T3, "\xEF\xBB\xBF" HEAD3 "\"1\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n", true, "BOM"},
		{CP_T3, HEAD3 "\"1\",\"\x8c\",\"1000\",\"1100\",\"x\",\"\",\"\"\r\n", true,
		 "t.CSV: 1行目 6列目（曜日）: Shift_JIS (MS932) として読めない"},
		{CP_T3, HEAD3 "\"1\",\"\xff\xff\",\"1000\",\"1100\",\"x\",\"\",\"\"\r\n", true, "として読めない"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"1100\",\"x\",\"\"\r\n", false, "1行目: 列が 10 個あります"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"1100\",\"x\",\"\",\"\",\"\"\r\n", false, "列が 12 個"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"1100\",\"x\",\"\",\"\"\n", false, "改行は CR LF"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"1100\",\"x\",\"\",\"\"\r", false, "改行は CR LF"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"1100\",\"x,\"\",\"\"\r\n", false,
		 "引用符（\"）が閉じていません"},
		{CP_T3, HEAD3 "\"1\",\"月\"x,\"1000\",\"1100\",\"x\",\"\",\"\"\r\n", false, "閉じた引用符の後に文字"},
		{CP_T3, HEAD3 "\"1\",月\"火,\"1000\",\"1100\",\"x\",\"\",\"\"\r\n", false, "引用符で囲まれていない値"},
		{CP_T3, HEAD3 "\"1\",\"火月\",\"1000\",\"1100\",\"x\",\"\",\"\"\r\n", false,
		 "1行目 6列目（曜日）: 曜日は"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1000\",\"0900\",\"x\",\"\",\"\"\r\n", false, "終了時刻 0900 が開始時刻"},
		{CP_T3, HEAD3 "\"1\",\"月\",\"1060\",\"1100\",\"x\",\"\",\"\"\r\n", false,
		 "7列目（開始時刻）: 時刻は HHMM"},
		{CP_T3, HEAD3 "\"1\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n", false, "区分 1）には曜日と開始・終了時刻"},
		{CP_T3, HEAD3 "\"4\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n", false, "5列目（区分）: 「4」は使えません"},
		{CP_T3, "\"202304\",\"201012\",\"0000012345\",\"R081101\",\"3\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n",
		 false, "4列目（作成年月日）: 日付は西暦の YYYYMMDD"},
		{CP_T3, "\"202304\",\"201012\",\"0000012345\",\"2026/11/01\",\"3\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n",
		 false, "日付は西暦"},
		{CP_T3, "\"202304\",\"201012\",\"0000012345\",\"21000101\",\"3\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n",
		 false, "範囲外"},
		{CP_T3, "\"202304\",\"201012\",\"0000012345\",\"20270229\",\"3\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n",
		 false, "20270229 は存在しない日付"},
		{CP_T3, "\"202304\",\"ABC\",\"0000012345\",\"20261101\",\"3\",\"\",\"\",\"\",\"x\",\"\",\"\"\r\n",
		 false, "2列目（保険者番号）: 半角数字"},
		{CP_T3, "", false, "ファイルが空です"},
		{CP_T3,
		 HEAD3 "\"3\",\"\",\"\",\"\",\"a\x01"
		       "b\",\"\",\"\"\r\n",
		 false, "9列目（内容）: 制御文字（0x01）"},
		{CP_T3, "\r\n", false, "列が 1 個"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct arena a;
		arena_init(&a, 1 << 20);
		struct cp_plan plan = {.quoting = CP_QUOTE_ALL};
		struct rk_err err;
		rk_err_clear(&err);
		size_t len = strlen(cases[i].text);
		const unsigned char *in = (const unsigned char *)cases[i].text;
		if (!cases[i].raw && len)
			in = sjis(cases[i].text, &len);
		enum rk_status rc = cp_read(cases[i].t, "t.CSV", in, len, &a, &plan, &err);
		if (rc == RK_OK)
			fail_msg("case %zu: accepted", i);
		if (!strstr(err.msg, cases[i].message))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, cases[i].message);
		assert_int_equal(plan.n[cases[i].t], 0); /* nothing half-read */
		arena_reset(&a);
	}
	/* a NUL byte inside a value (C strings would cut it) */
	{
		static const char nul[] = HEAD3 "\"3\",\"\",\"\",\"\",\"a\0b\",\"\",\"\"\r\n";
		struct arena a0;
		arena_init(&a0, 1 << 20);
		struct cp_plan p0 = {0};
		struct rk_err e0;
		rk_err_clear(&e0);
		assert_int_equal(cp_read(CP_T3, "t.CSV", (const unsigned char *)nul, sizeof nul - 1, &a0, &p0, &e0),
				 RK_INVALID);
		assert_non_null(strstr(e0.msg, "9列目（内容）: 制御文字（0x00）"));
		arena_reset(&a0);
	}
	/* 第1表 is one row; a file too large is refused before it is read */
	struct arena a;
	arena_init(&a, 4 << 20);
	struct cp_plan plan = {0};
	struct rk_err err;
	rk_err_clear(&err);
	char *big = calloc(1, CP_MAX_FILE + 2);
	memset(big, 'A', CP_MAX_FILE + 1);
	assert_int_equal(cp_read(CP_T1, "big.CSV", (unsigned char *)big, CP_MAX_FILE + 1, &a, &plan, &err),
			 RK_TOO_LARGE);
	assert_non_null(strstr(err.msg, "ファイルが大きすぎます"));
	free(big);
	arena_reset(&a);
}

static void test_values(void **state)
{
	(void)state;
	static const struct {
		enum cp_table t;
		const char *key, *value;
		bool ok;
	} cases[] = {
		{CP_T1, "created", "20261101", true},
		{CP_T1, "created", "20000101", true},
		{CP_T1, "created", "19991231", false},
		{CP_T1, "created", "20261301", false},
		{CP_T1, "created", "20240229", true},
		{CP_T1, "created", "20230229", false},
		{CP_T1, "created", "H310430", false},
		{CP_T1, "created", "２０２６１１０１", false},
		{CP_T1, "created", "", true},
		{CP_T1, "planKind", "3", true},
		{CP_T1, "planKind", "4", false},
		{CP_T1, "careLevel", "5", true},
		{CP_T1, "careLevel", "要介護2", false},
		{CP_T1, "officeCode", "2070400017", true},
		{CP_T1, "officeCode", "20704000171", false},
		{CP_T1, "policy", "髙橋さんと﨑山さん", true},
		{CP_T1, "policy", "𠮷野家", false},
		{CP_T1, "policy", "😀", false},
		{CP_T3, "days", "月火水木金土日", true},
		{CP_T3, "days", "日", true},
		{CP_T3, "days", "月月", false},
		{CP_T3, "days", "Mon", false},
		{CP_T3, "days", "月曜", false},
		{CP_T3, "start", "0000", true},
		{CP_T3, "start", "2400", true},
		{CP_T3, "start", "2401", false},
		{CP_T3, "start", "9:00", false},
		{CP_T3, "start", "0960", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rk_err err;
		rk_err_clear(&err);
		int k = cp_column_index(cases[i].t, cases[i].key);
		assert_true(k >= 0);
		enum rk_status rc = cp_check_value(&cp_tables[cases[i].t].cols[k], "x", cases[i].value, &err);
		if ((rc == RK_OK) != cases[i].ok)
			fail_msg("case %zu (%s=%s): %s", i, cases[i].key, cases[i].value,
				 rc == RK_OK ? "accepted" : err.msg);
	}
}

static void test_clip_and_names(void **state)
{
	(void)state;
	char buf[8];
	assert_string_equal(cp_clip(buf, sizeof buf, "abc"), "abc");
	assert_string_equal(cp_clip(buf, sizeof buf, "あいうえ"), "\xE3\x81\x82\xE2\x80\xA6"); /* あ… */
	enum cp_table t;
	assert_true(cp_table_of_name("dir/cplan2_202611_1_2_3.csv", &t) && t == CP_T2);
	assert_false(cp_table_of_name("CPLAN9_x.CSV", &t));
	assert_false(cp_table_of_name("CPLAN1x.CSV", &t));
	struct arena a;
	arena_init(&a, 1 << 16);
	assert_string_equal(cp_file_name(CP_T1, "202611", "2070400017", NULL, "20261101090000", &a),
			    "CPLAN1_202611_2070400017_0000000000_20261101090000.CSV");
	arena_reset(&a);
}

/* A plan from the UI's JSON, through the transaction Bundle's CarePlan, back. */
static void test_fhir_round_trip(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	json_t *j = json_loads(
		"{\"t1\": {\"created\": \"20261101\", \"policy\": \"方針\", \"certFrom\": \"20261001\"},"
		" \"t2\": [{\"needNo\": \"1\", \"need\": \"入浴\", \"goalNo\": \"1\", \"longGoal\": \"L\", \"shortGoal\": \"S\","
		"  \"serviceNo\": \"1\", \"service\": \"入浴介助\"},"
		" {\"needNo\": \"1\", \"need\": \"入浴\", \"goalNo\": \"1\", \"longGoal\": \"L\", \"shortGoal\": \"S\","
		"  \"serviceNo\": \"2\", \"service\": \"観察\"}],"
		" \"t3\": [{\"kind\": \"1\", \"days\": \"月水\", \"start\": \"0900\", \"end\": \"1000\", \"content\": \"入浴\"}],"
		" \"quoting\": \"minimal\"}",
		0, NULL);
	assert_non_null(j);
	struct cp_plan plan;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(careplan_from_json(j, &a, &plan, &err), RK_OK);
	assert_int_equal(cp_check(&plan, &err), RK_OK);
	assert_int_equal(cp_week_blocks(&plan), 2);
	json_t *none = json_array();
	json_t *b = careplan_bundle(&plan, "Patient/p1", NULL, NULL, none, NULL, "ケアマネ",
				    "2026-11-01T09:00:00+09:00", "s");
	json_t *entries = json_object_get(b, "entry");
	assert_int_equal(json_array_size(entries), 4); /* a long goal, a short goal, the plan, the post */
	json_t *cp = json_object_get(json_array_get(entries, 2), "resource");
	assert_string_equal(json_string_value(json_object_get(cp, "resourceType")), "CarePlan");
	assert_int_equal(json_array_size(json_object_get(cp, "goal")), 2);
	assert_int_equal(json_array_size(json_object_get(cp, "activity")), 3);
	struct cp_plan back;
	assert_int_equal(careplan_from_fhir(cp, &a, &back, &err), RK_OK);
	json_t *again = careplan_to_json(&back), *first = careplan_to_json(&plan);
	assert_true(json_equal(again, first));
	json_decref(again);
	json_decref(first);
	json_decref(b);
	json_decref(none);
	/* unknown keys and values that are not text are refused */
	json_t *bad = json_loads("{\"t1\": {\"created\": 20261101}}", 0, NULL);
	rk_err_clear(&err);
	assert_int_equal(careplan_from_json(bad, &a, &plan, &err), RK_INVALID);
	json_decref(bad);
	bad = json_loads("{\"t1\": {}, \"t4\": []}", 0, NULL);
	rk_err_clear(&err);
	assert_int_equal(careplan_from_json(bad, &a, &plan, &err), RK_INVALID);
	json_decref(bad);
	json_decref(j);
	arena_reset(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_values),          cmocka_unit_test(test_clip_and_names),
		cmocka_unit_test(test_fhir_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
