/* test_emergency_summary.c — the emergency summary's pure selection logic
 * (emergency/summary.h): the medicine windows (dispensed 45 days,
 * prescribed 90) at their edges, operations of 5 years and dialysis
 * whenever, anaphylaxis and criticality read from an AllergyIntolerance,
 * infections, dialysis and devices named by code or text, the order within a
 * section (anaphylaxis, then high/infection, then newest first), the content
 * hash, and the sheet's token and URL (emergency/sheet.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "emergency/sheet.h"
#include "emergency/summary.h"
#include "emergency/summary_ips.h"

#define DAY (24LL * 60 * 60 * 1000)
static const int64_t NOW = 1796688000000LL; /* 2026-12-08T00:00:00Z */

static void medicine_windows(void **state)
{
	(void)state;
	assert_true(summary_medication_current("MedicationDispense", NOW - 40 * DAY, NOW));
	assert_true(summary_medication_current("MedicationDispense", NOW - 45 * DAY, NOW));
	assert_false(summary_medication_current("MedicationDispense", NOW - 46 * DAY, NOW));
	assert_true(summary_medication_current("MedicationAdministration", NOW - 45 * DAY, NOW));
	assert_true(summary_medication_current("MedicationRequest", NOW - 60 * DAY, NOW));
	assert_true(summary_medication_current("MedicationRequest", NOW - 90 * DAY, NOW));
	assert_false(summary_medication_current("MedicationRequest", NOW - 91 * DAY, NOW));
	assert_false(summary_medication_current("MedicationRequest", NOW - 100 * DAY, NOW));
	assert_true(summary_medication_current("MedicationStatement", NOW - 89 * DAY, NOW));
	/* no date, or one far in the future: not current */
	assert_false(summary_medication_current("MedicationRequest", INT64_MIN, NOW));
	assert_false(summary_medication_current("MedicationRequest", NOW + 30 * DAY, NOW));
	assert_false(summary_medication_current(NULL, NOW, NOW));
}

static void procedure_window(void **state)
{
	(void)state;
	assert_true(summary_procedure_recent(NOW - 3 * 365 * DAY, NOW, false));
	assert_true(summary_procedure_recent(NOW - 5 * 365 * DAY, NOW, false));
	assert_false(summary_procedure_recent(NOW - 6 * 365 * DAY, NOW, false));
	assert_false(summary_procedure_recent(INT64_MIN, NOW, false));
	assert_true(summary_procedure_recent(NOW - 20 * 365 * DAY, NOW, true)); /* dialysis: whenever */
	assert_true(summary_procedure_recent(INT64_MIN, NOW, true));
}

static void allergy_flags(void **state)
{
	(void)state;
	json_t *a = json_loads("{\"criticality\":\"high\",\"reaction\":[{\"manifestation\":[{\"coding\":[{\"system\":"
			       "\"http://snomed.info/sct\",\"code\":\"39579001\"}]}]}]}",
			       0, NULL);
	assert_int_equal(summary_allergy_flags(a), SUMMARY_FLAG_ANAPHYLAXIS | SUMMARY_FLAG_HIGH);
	json_decref(a);
	a = json_loads("{\"reaction\":[{\"manifestation\":[{\"text\":\"アナフィラキシーショック\"}]}]}", 0, NULL);
	assert_int_equal(summary_allergy_flags(a), SUMMARY_FLAG_ANAPHYLAXIS);
	json_decref(a);
	a = json_loads("{\"reaction\":[{\"severity\":\"severe\",\"description\":\"蕁麻疹\"}]}", 0, NULL);
	assert_int_equal(summary_allergy_flags(a), SUMMARY_FLAG_HIGH);
	json_decref(a);
	a = json_loads("{\"criticality\":\"low\"}", 0, NULL);
	assert_int_equal(summary_allergy_flags(a), 0);
	json_decref(a);
}

static void results_and_duplicates(void **state)
{
	(void)state;
	json_t *c = json_loads("[{\"coding\":[{\"code\":\"laboratory\"}]}]", 0, NULL);
	assert_true(summary_is_lab(c));
	json_decref(c);
	c = json_loads("[{\"coding\":[{\"code\":\"vital-signs\"}]}]", 0, NULL);
	assert_false(summary_is_lab(c));
	json_decref(c);
	assert_true(summary_is_lab(NULL));
	assert_true(summary_result_recent(NOW - 180 * DAY, NOW));
	assert_false(summary_result_recent(NOW - 181 * DAY, NOW));
	assert_false(summary_result_recent(INT64_MIN, NOW));
	/* the same allergen twice: the anaphylaxis one stays even when older */
	struct summary_item old = {.date = NOW - 900 * DAY, .flags = SUMMARY_FLAG_ANAPHYLAXIS};
	struct summary_item plain = {.date = NOW - DAY};
	assert_true(summary_item_better(&old, &plain));
	assert_false(summary_item_better(&plain, &old));
	struct summary_item newer = {.date = NOW};
	assert_true(summary_item_better(&newer, &plain));
}

static void words(void **state)
{
	(void)state;
	assert_true(summary_is_infection("B181", "Ｂ型慢性肝炎"));
	assert_true(summary_is_infection("A150", NULL));
	assert_true(summary_is_infection(NULL, "MRSA保菌"));
	assert_false(summary_is_infection("I10", "本態性高血圧症"));
	assert_false(summary_is_infection("Bx", NULL));
	assert_true(summary_is_dialysis("血液透析（週3回）"));
	assert_true(summary_is_dialysis("peritoneal dialysis"));
	assert_false(summary_is_dialysis("胃切除術"));
	assert_true(summary_is_device(NULL, "ペースメーカー植込術"));
	assert_true(summary_is_device("Z950", "心臓ペースメーカ装着"));
	assert_true(summary_is_device(NULL, "胃ろう造設"));
	assert_false(summary_is_device("I10", "本態性高血圧症"));
}

static void order(void **state)
{
	(void)state;
	struct summary_item it[] = {
		{.section = SUMMARY_PROBLEMS, .text = "高血圧", .id = "1", .date = NOW - 10 * DAY},
		{.section = SUMMARY_ALLERGIES, .text = "卵", .id = "2", .date = NOW - DAY},
		{.section = SUMMARY_PROBLEMS,
		 .text = "B型肝炎",
		 .id = "3",
		 .date = NOW - 900 * DAY,
		 .flags = SUMMARY_FLAG_INFECTION},
		{.section = SUMMARY_ALLERGIES,
		 .text = "ペニシリン",
		 .id = "4",
		 .date = NOW - 900 * DAY,
		 .flags = SUMMARY_FLAG_ANAPHYLAXIS | SUMMARY_FLAG_HIGH},
		{.section = SUMMARY_ALLERGIES,
		 .text = "造影剤",
		 .id = "5",
		 .date = NOW - 400 * DAY,
		 .flags = SUMMARY_FLAG_HIGH},
		{.section = SUMMARY_PROBLEMS, .text = "糖尿病", .id = "6", .date = NOW - 5 * DAY},
	};
	summary_sort(it, sizeof it / sizeof it[0]);
	const char *want[] = {"ペニシリン", "造影剤", "卵", "B型肝炎", "糖尿病", "高血圧"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_string_equal(it[i].text, want[i]);
	assert_int_equal(summary_rank(&it[0]), 0);
	assert_int_equal(summary_rank(&(struct summary_item){.flags = SUMMARY_FLAG_OLD}), 3);
	assert_string_equal(summary_flag_text(SUMMARY_FLAG_ANAPHYLAXIS | SUMMARY_FLAG_HIGH), "アナフィラキシー");
	assert_string_equal(summary_flag_text(SUMMARY_FLAG_OLD), "最終処方（期間外）");
	char d[RK_TIME_RFC3339_LEN];
	summary_date_text(NOW - 1, d); /* 2026-12-07T23:59:59.999Z is the 8th in Japan */
	assert_string_equal(d, "2026-12-08");
	summary_date_text(INT64_MIN, d);
	assert_string_equal(d, "日付不明");
}

static void content_hash(void **state)
{
	(void)state;
	struct summary_item it = {.section = SUMMARY_ALLERGIES,
				  .type = "AllergyIntolerance",
				  .id = "a",
				  .text = "卵",
				  .detail = "",
				  .facility = "2011000011",
				  .date = NOW};
	struct summary s = {.items = &it, .n_items = 1, .regional = "1", .patient_id = "p"};
	char h1[65], h2[65];
	summary_content_hash(&s, h1);
	assert_int_equal(strlen(h1), 64);
	s.generated = NOW + DAY; /* the time of making is not content */
	summary_content_hash(&s, h2);
	assert_string_equal(h1, h2);
	it.text = "牛乳";
	summary_content_hash(&s, h2);
	assert_string_not_equal(h1, h2);
	it.text = "卵";
	s.refused = true;
	summary_content_hash(&s, h2);
	assert_string_not_equal(h1, h2);
}

static void sheet_link(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 16);
	assert_string_equal(sheet_url(&a, "https://renkei.example.jp/fhir", "0123456789abcdefghjkmnpqrs"),
			    "https://renkei.example.jp/summary.html?sheet=0123456789abcdefghjkmnpqrs");
	assert_string_equal(sheet_url(&a, "http://127.0.0.1:8080", "t"), "http://127.0.0.1:8080/summary.html?sheet=t");
	assert_true(sheet_token_ok(str_c("0123456789abcdefghjkmnpqrs")));
	assert_false(sheet_token_ok(str_c("0123456789abcdefghjkmnpqr")));   /* 25 */
	assert_false(sheet_token_ok(str_c("0123456789abcdefghjkmnpqrI")));  /* upper case */
	assert_false(sheet_token_ok(str_c("0123456789abcdefghjkmnpqr/")));  /* not base32 */
	assert_false(sheet_token_ok(str_c("0123456789abcdefghjkmnpqrsu"))); /* 27 */
	struct sheet_state st = {0};
	assert_true(sheet_stale(&st, "ab"));
	snprintf(st.content_hash, sizeof st.content_hash, "ab");
	assert_false(sheet_stale(&st, "ab"));
	assert_true(sheet_stale(&st, "cd"));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(medicine_windows),
		cmocka_unit_test(procedure_window),
		cmocka_unit_test(allergy_flags),
		cmocka_unit_test(results_and_duplicates),
		cmocka_unit_test(words),
		cmocka_unit_test(order),
		cmocka_unit_test(content_hash),
		cmocka_unit_test(sheet_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
