/* test_ingest_quarantine.c — unit tests for quarantine_text (ingest/quarantine.h):
 * an HL7 v2 message in UTF-8 and in ISO-2022-JP shown as lines of UTF-8 text
 * with its MSH-4 and PID-3, a text that is not HL7 shown with a note, bytes
 * that are not text described and never returned, an empty message, and a
 * long message cut at RK_MAX_QUARANTINE_TEXT on a character boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/limits.h"
#include "hl7/hl7.h"
#include "ingest/quarantine.h"

#define MSG                                                                                        \
	"MSH|^~\\&|HIS|2011000011|GW|RCV|20240401100000||OUL^R22^OUL_R22|Q1|P|2.5\r"               \
	"PID|0001||7000001^^^^PI||試験^花子^^^^^L^I~シケン^ハナコ^^^^^L^P||19600101|F\r" \
	"OBX|1|NM|3A010000002327101^総蛋白^JC10||7x2|g/dL\r"

static void test_utf8_message(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct quarantine_text qt;
	quarantine_text(str_c(MSG), &a, &qt);
	assert_true(qt.parsed);
	assert_false(qt.truncated);
	assert_null(qt.note);
	assert_true(str_eq_c(qt.sending_facility, "2011000011"));
	assert_true(str_eq_c(qt.patient_local, "7000001"));
	assert_true(str_is_utf8(qt.text));
	assert_null(memchr(qt.text.ptr, '\r', qt.text.len));
	assert_non_null(strstr(arena_strndup(&a, qt.text.ptr, qt.text.len), "\nPID|0001||7000001"));
	arena_free(&a);
}

static void test_iso2022jp_message(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	const char *utf8 = "MSH|^~\\&|HIS|2011000011|GW|RCV|20240401100000||OUL^R22^OUL_R22|Q1|P|2.5||||||~ISO IR87\r"
			   "PID|0001||7000002^^^^PI||運用^試子^^^^^L^I~ウンヨウ^タメコ^^^^^L^P||19600101|F\r";
	struct buf jis;
	buf_init(&jis, 1 << 16);
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(hl7_to_iso2022jp(str_c(utf8), &jis, &err), RK_OK);
	assert_null(strstr(buf_cstr(&jis), "運用"));
	struct quarantine_text qt;
	quarantine_text(buf_str(&jis), &a, &qt);
	assert_true(qt.parsed);
	char *text = arena_strndup(&a, qt.text.ptr, qt.text.len);
	assert_non_null(strstr(text, "運用^試子"));
	assert_non_null(strstr(text, "ウンヨウ^タメコ"));
	assert_true(str_eq_c(qt.patient_local, "7000002"));
	buf_free(&jis);
	arena_free(&a);
}

static void test_not_hl7(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct quarantine_text qt;
	quarantine_text(str_c("これはHL7ではありません\r\n2行目"), &a, &qt);
	assert_false(qt.parsed);
	assert_non_null(qt.note);
	assert_non_null(strstr(qt.note, "not a readable HL7 v2 message"));
	assert_true(str_eq_c(qt.text, "これはHL7ではありません\n2行目"));

	static const char bin[] = {0x00, 0x01, (char)0xff, (char)0xfe, (char)0x80, 0x1b, 0x24, 0x42, 0x67};
	quarantine_text((struct str){bin, sizeof bin}, &a, &qt);
	assert_false(qt.parsed);
	assert_int_equal(qt.text.len, 0);
	assert_non_null(strstr(qt.note, "not readable text: 9 bytes"));

	quarantine_text(STR_LIT(""), &a, &qt);
	assert_false(qt.parsed);
	assert_int_equal(qt.text.len, 0);
	assert_non_null(strstr(qt.note, "empty"));
	arena_free(&a);
}

static void test_truncated_on_a_character(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 16u << 20);
	/* "x" then 3-byte characters: the bound falls inside one of them */
	size_t n = 1 + 3 * (RK_MAX_QUARANTINE_TEXT / 3 + 10);
	char *big = malloc(n);
	assert_non_null(big);
	big[0] = 'x';
	for (size_t i = 1; i + 2 < n; i += 3)
		memcpy(big + i, "あ", 3);
	struct quarantine_text qt;
	quarantine_text((struct str){big, n}, &a, &qt);
	assert_false(qt.parsed);
	assert_true(qt.truncated);
	assert_true(qt.text.len <= RK_MAX_QUARANTINE_TEXT);
	assert_true(qt.text.len > RK_MAX_QUARANTINE_TEXT - 3);
	assert_true(str_is_utf8(qt.text));
	free(big);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_message),
		cmocka_unit_test(test_iso2022jp_message),
		cmocka_unit_test(test_not_hl7),
		cmocka_unit_test(test_truncated_on_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
