/* test_hl7.c — unit tests for hl7/hl7.h: separators (default and unusual),
 * fields/repetitions/components/sub-components with MSH numbering, escapes,
 * ISO-2022-JP decoding and encoding round trips, bad input (each with its own
 * reason), bounds, ACKs, and every file of the shared SS-MIX2 sample (skipped
 * when ../shared/testdata is absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>

#include "core/limits.h"
#include "hl7/hl7.h"

/* ../shared/testdata beside the repository (RENKEI_TESTDATA overrides). */
static const char *sample_dir(void)
{
	static char dir[4096];
	const char *env = getenv("RENKEI_TESTDATA");
	if (env && *env) {
		snprintf(dir, sizeof dir, "%s/ssmix2-sample/sampleData", env);
		return dir;
	}
	snprintf(dir, sizeof dir, "%s", __FILE__); /* <repo>/tests/unit/test_hl7.c */
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return "../shared/testdata/ssmix2-sample/sampleData";
		*slash = '\0';
	}
	size_t n = strlen(dir);
	snprintf(dir + n, sizeof dir - n, "/../shared/testdata/ssmix2-sample/sampleData");
	return dir;
}

struct fx {
	struct arena a;
	struct hl7_msg m;
	struct rk_err err;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	arena_init(&f->a, 256u << 20);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	free(f);
	return 0;
}

static enum rk_status parse(struct fx *f, const char *s)
{
	rk_err_clear(&f->err);
	return hl7_parse(str_c(s), &f->a, &f->m, &f->err);
}

static enum rk_status parse_n(struct fx *f, const char *s, size_t n)
{
	rk_err_clear(&f->err);
	return hl7_parse((struct str){s, n}, &f->a, &f->m, &f->err);
}

#define EXPECT_STR(got, want)                                                                                \
	do {                                                                                                 \
		struct str g_ = (got);                                                                       \
		if (!str_eq_c(g_, want))                                                                     \
			fail_msg("got '%.*s', want '%s' (line %d)", (int)g_.len, g_.ptr ? g_.ptr : "", want, \
				 __LINE__);                                                                  \
	} while (0)

#define EXPECT_FAIL(f, call, st, needle)                                                                    \
	do {                                                                                                \
		enum rk_status s_ = (call);                                                                 \
		if (s_ != (st))                                                                             \
			fail_msg("status %s, want %s (%s) line %d", rk_status_name(s_), rk_status_name(st), \
				 (f)->err.msg, __LINE__);                                                   \
		if (!strstr((f)->err.msg, needle))                                                          \
			fail_msg("message '%s' lacks '%s' (line %d)", (f)->err.msg, needle, __LINE__);      \
	} while (0)

static const char *ADT = "MSH|^~\\&|HIS|HOSP|RENKEI|REGION|20240401093000||ADT^A08^ADT_A01|CTRL-1|P|2.5\r"
			 "EVN|A08|20240401093000\r"
			 "PID|1||12345^^^^PI~98765^^^^MR||YAMADA^TARO^^^^^L^A~KANA^^^^^^L^P||19800101|M|||"
			 "^^^^100-0001^JPN^H^Tokyo&Chiyoda\r"
			 "OBX|1|ST|NOTE||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\r"
			 "OBX|2|NM|WT||60.5|kg\r";

static void test_basic_fields(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, ADT), RK_OK);
	assert_int_equal(f->m.nseg, 5);
	assert_int_equal(f->m.charset, HL7_ASCII);
	assert_int_equal(f->m.seps.field, '|');
	assert_int_equal(f->m.seps.comp, '^');
	assert_int_equal(f->m.seps.rep, '~');
	assert_int_equal(f->m.seps.esc, '\\');
	assert_int_equal(f->m.seps.sub, '&');
	EXPECT_STR(f->m.msg_type, "ADT");
	EXPECT_STR(f->m.event, "A08");
	EXPECT_STR(f->m.structure, "ADT_A01");
	EXPECT_STR(f->m.control_id, "CTRL-1");
	EXPECT_STR(f->m.sending_app, "HIS");
	EXPECT_STR(f->m.sending_facility, "HOSP");
	EXPECT_STR(f->m.timestamp, "20240401093000");
	EXPECT_STR(f->m.version, "2.5");

	const struct hl7_segment *msh = hl7_seg(&f->m, "MSH", 0);
	assert_ptr_equal(msh, &f->m.segs[0]);
	EXPECT_STR(msh->name, "MSH");
	/* MSH numbering: field 1 is the separator, field 2 the encoding characters */
	EXPECT_STR(hl7_get(&f->m, msh, 1, 0, 0, 0), "|");
	EXPECT_STR(hl7_get(&f->m, msh, 2, 0, 0, 0), "^~\\&");
	EXPECT_STR(hl7_get(&f->m, msh, 2, 0, 1, 0), "^~\\&");
	EXPECT_STR(hl7_get(&f->m, msh, 2, 0, 2, 0), "");
	EXPECT_STR(hl7_get(&f->m, msh, 3, 0, 0, 0), "HIS");
	EXPECT_STR(hl7_get(&f->m, msh, 9, 0, 0, 0), "ADT^A08^ADT_A01");
	EXPECT_STR(hl7_get(&f->m, msh, 12, 0, 0, 0), "2.5");
	EXPECT_STR(hl7_get(&f->m, msh, 13, 0, 0, 0), "");
	assert_int_equal(hl7_reps(&f->m, msh, 1), 1);
	assert_int_equal(hl7_reps(&f->m, msh, 2), 1);

	const struct hl7_segment *pid = hl7_seg(&f->m, "PID", 0);
	assert_non_null(pid);
	EXPECT_STR(pid->name, "PID");
	EXPECT_STR(hl7_get(&f->m, pid, 1, 0, 0, 0), "1");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 0, 1, 0), "12345");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 0, 5, 0), "PI");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 1, 1, 0), "98765");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 1, 0, 0), "98765^^^^MR");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 2, 1, 0), "");
	assert_int_equal(hl7_reps(&f->m, pid, 3), 2);
	assert_int_equal(hl7_reps(&f->m, pid, 2), 0);
	assert_int_equal(hl7_reps(&f->m, pid, 99), 0);
	EXPECT_STR(hl7_get(&f->m, pid, 5, 1, 1, 0), "KANA");
	EXPECT_STR(hl7_get(&f->m, pid, 11, 0, 8, 0), "Tokyo&Chiyoda");
	EXPECT_STR(hl7_get(&f->m, pid, 11, 0, 8, 1), "Tokyo");
	EXPECT_STR(hl7_get(&f->m, pid, 11, 0, 8, 2), "Chiyoda");
	EXPECT_STR(hl7_get(&f->m, pid, 11, 0, 8, 3), "");
	EXPECT_STR(hl7_get(&f->m, pid, 8, 0, 0, 0), "M");
	EXPECT_STR(hl7_get(&f->m, pid, 8, 0, 1, 1), "M");
	EXPECT_STR(hl7_get(&f->m, pid, 40, 0, 0, 0), "");
	EXPECT_STR(hl7_get(&f->m, pid, 0, 0, 0, 0), "");
	EXPECT_STR(hl7_get(&f->m, pid, -1, 0, 0, 0), "");
	EXPECT_STR(hl7_get(&f->m, pid, 3, -1, 0, 0), "");
	EXPECT_STR(hl7_get(&f->m, NULL, 3, 0, 0, 0), "");

	assert_int_equal(hl7_seg_count(&f->m, "OBX"), 2);
	assert_int_equal(hl7_seg_count(&f->m, "ZZZ"), 0);
	assert_null(hl7_seg(&f->m, "OBX", 2));
	const struct hl7_segment *obx2 = hl7_seg(&f->m, "OBX", 1);
	EXPECT_STR(hl7_get(&f->m, obx2, 5, 0, 0, 0), "60.5");
	EXPECT_STR(obx2->text, "OBX|2|NM|WT||60.5|kg");

	const struct hl7_segment *obx1 = hl7_seg(&f->m, "OBX", 0);
	EXPECT_STR(hl7_get(&f->m, obx1, 5, 0, 0, 0), "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f");
	EXPECT_STR(hl7_text(&f->m, obx1, 5, 0, 0, 0, &f->a), "a|b^c&d~e\\f");
}

static void test_terminators(void **state)
{
	struct fx *f = *state;
	const char *lf = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\nPID|1||X\n\n";
	assert_int_equal(parse(f, lf), RK_OK);
	assert_int_equal(f->m.nseg, 2);
	EXPECT_STR(hl7_get(&f->m, hl7_seg(&f->m, "PID", 0), 3, 0, 0, 0), "X");
	const char *crlf = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\r\nPID|1||X\r\nPV1|1|O\r\n";
	assert_int_equal(parse(f, crlf), RK_OK);
	assert_int_equal(f->m.nseg, 3);
	EXPECT_STR(f->m.segs[1].text, "PID|1||X");
	/* no final terminator, a trailing FS as SS-MIX2 files keep it */
	assert_int_equal(parse(f, "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|1\r\x1c"), RK_OK);
	assert_int_equal(f->m.nseg, 2);
	assert_int_equal(parse(f, "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|1"), RK_OK);
	assert_int_equal(f->m.nseg, 2);
	/* MSH alone, segment without fields */
	assert_int_equal(parse(f, "MSH|^~\\&\rZAB\r"), RK_OK);
	assert_int_equal(f->m.nseg, 2);
	EXPECT_STR(hl7_get(&f->m, &f->m.segs[1], 1, 0, 0, 0), "");
	EXPECT_STR(f->m.msg_type, "");
	/* a bare MSH line later (as in the sample listing segment names) is kept */
	assert_int_equal(parse(f, "MSH|^~\\&|A\rPID|1\rMSH\r"), RK_OK);
	assert_int_equal(hl7_seg_count(&f->m, "MSH"), 2);
	/* UTF-8 with a byte order mark */
	assert_int_equal(
		parse(f, "\xEF\xBB\xBFMSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||UNICODE UTF-8\rPID|1||||山田^太郎\r"),
		RK_OK);
	assert_int_equal(f->m.charset, HL7_UTF8);
	EXPECT_STR(hl7_get(&f->m, hl7_seg(&f->m, "PID", 0), 5, 0, 1, 0), "山田");
}

static void test_other_separators(void **state)
{
	struct fx *f = *state;
	const char *msg = "MSH#*@!%#APP#FAC###20240101##ORU*R01*ORU_R01#ID#P#2.5\r"
			  "PID#1##A*B%C@D*E##N!F!#\r"
			  "OBX#1#ST#X##x|y^z~w\\v&u!F!#\r";
	assert_int_equal(parse(f, msg), RK_OK);
	assert_int_equal(f->m.seps.field, '#');
	assert_int_equal(f->m.seps.comp, '*');
	assert_int_equal(f->m.seps.rep, '@');
	assert_int_equal(f->m.seps.esc, '!');
	assert_int_equal(f->m.seps.sub, '%');
	EXPECT_STR(f->m.msg_type, "ORU");
	EXPECT_STR(f->m.event, "R01");
	EXPECT_STR(f->m.control_id, "ID");
	const struct hl7_segment *msh = &f->m.segs[0];
	EXPECT_STR(hl7_get(&f->m, msh, 1, 0, 0, 0), "#");
	EXPECT_STR(hl7_get(&f->m, msh, 2, 0, 0, 0), "*@!%");
	const struct hl7_segment *pid = hl7_seg(&f->m, "PID", 0);
	EXPECT_STR(hl7_get(&f->m, pid, 3, 0, 2, 1), "B");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 0, 2, 2), "C");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 1, 1, 0), "D");
	EXPECT_STR(hl7_get(&f->m, pid, 3, 1, 2, 0), "E");
	assert_int_equal(hl7_reps(&f->m, pid, 3), 2);
	EXPECT_STR(hl7_text(&f->m, pid, 5, 0, 0, 0, &f->a), "N#");
	/* the default separators are plain text here */
	EXPECT_STR(hl7_text(&f->m, hl7_seg(&f->m, "OBX", 0), 5, 0, 0, 0, &f->a), "x|y^z~w\\v&u#");

	/* escape with the same unusual separators round-trips */
	struct buf b;
	buf_init(&b, 1024);
	assert_int_equal(hl7_escape(&f->m.seps, str_c("a#b*c@d!e%f|g"), &b, NULL), RK_OK);
	assert_string_equal(buf_cstr(&b), "a!F!b!S!c!R!d!E!e!T!f|g");
	struct str u;
	assert_int_equal(hl7_unescape(&f->m, buf_str(&b), &f->a, &u, &f->err), RK_OK);
	EXPECT_STR(u, "a#b*c@d!e%f|g");
	buf_free(&b);

	/* v2.7 truncation character: a fifth encoding character */
	assert_int_equal(parse(f, "MSH|^~\\&#|A|B|C|D|20240101||ADT^A01|1|P|2.7\r"), RK_OK);
	EXPECT_STR(f->m.sending_app, "A");
	EXPECT_STR(f->m.msg_type, "ADT");
}

static void test_escapes(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, ADT), RK_OK);
	struct str u;
	struct {
		const char *in, *out;
	} ok[] = {
		{"plain", "plain"},
		{"\\F\\\\S\\\\T\\\\R\\\\E\\", "|^&~\\"},
		{"line1\\.br\\line2", "line1\nline2"},
		{"\\X41\\\\X4243\\", "ABC"},
		{"\\XE5B1B1\\\\XE794B0\\", "山田"},
		{"\\H\\bold\\N\\", "bold"},
		{"\\.sp\\x\\.in+4\\", "x"},
		{"a\\C2442\\b\\M284A20\\c\\Zlocal\\d", "abcd"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		rk_err_clear(&f->err);
		if (hl7_unescape(&f->m, str_c(ok[i].in), &f->a, &u, &f->err) != RK_OK)
			fail_msg("unescape '%s': %s", ok[i].in, f->err.msg);
		EXPECT_STR(u, ok[i].out);
	}
	/* no escape: the slice itself */
	struct str raw = str_c("no escapes here");
	assert_int_equal(hl7_unescape(&f->m, raw, &f->a, &u, &f->err), RK_OK);
	assert_ptr_equal(u.ptr, raw.ptr);

	struct {
		const char *in, *why;
	} bad[] = {
		{"abc\\F", "unterminated"}, {"a\\\\b", "empty"},   {"\\Q\\", "unknown"},
		{"\\FF\\", "unknown"},      {"\\X4\\", "unknown"}, {"\\XZZ\\", "unknown"},
		{"\\XFF\\", "UTF-8"},       {"\\X00\\", "UTF-8"},  {"C:\\path\\x", "unknown"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rk_err_clear(&f->err);
		EXPECT_FAIL(f, hl7_unescape(&f->m, str_c(bad[i].in), &f->a, &u, &f->err), RK_INVALID, bad[i].why);
	}
	/* hl7_text gives the raw slice back on a malformed escape */
	assert_int_equal(parse(f, "MSH|^~\\&|A\rOBX|1|ST|X||C:\\path\\x\r"), RK_OK);
	EXPECT_STR(hl7_text(&f->m, hl7_seg(&f->m, "OBX", 0), 5, 0, 0, 0, &f->a), "C:\\path\\x");

	/* hl7_escape: separators, line breaks, control bytes */
	struct buf b;
	buf_init(&b, 1024);
	assert_int_equal(hl7_escape(NULL, str_c("a|b^c~d\\e&f\r\ng\nh\ri\tj\x01k"), &b, NULL), RK_OK);
	assert_string_equal(buf_cstr(&b), "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\.br\\g\\.br\\h\\.br\\i\tj\\X01\\k");
	assert_int_equal(hl7_unescape(&f->m, buf_str(&b), &f->a, &u, &f->err), RK_OK);
	EXPECT_STR(u, "a|b^c~d\\e&f\ng\nh\ni\tj\x01k");
	buf_free(&b);
	buf_init(&b, 4);
	rk_err_clear(&f->err);
	EXPECT_FAIL(f, hl7_escape(NULL, str_c("too long for four"), &b, &f->err), RK_TOO_LARGE, "does not fit");
	buf_free(&b);
}

/* ---- bad input ---- */

static void test_bad_input(void **state)
{
	struct fx *f = *state;
	struct {
		const char *in;
		const char *why;
	} bad[] = {
		{"PID|1||X\r", "does not start with an MSH"},
		{"\x0bMSH|^~\\&|A\r\x1c\r", "MLLP start block"},
		{"MSH|^~\\", "too short"},
		{"MSH|^~\\|A|B\r", "MSH-2"},
		{"MSH|^^\\&|A\r", "appears twice"},
		{"MSH|^~\\A|B\r", "MSH-2"},
		{"MSHA^~\\&|B\r", "MSH-1"},
		{"MSH ^~\\&|B\r", "MSH-1"},
		{"MSH|^~\\&^|A\r", "MSH-2"},
		{"MSH|^~\\&xy|A\r", "MSH-2"},
		{"MSH|^~\\&|A\rpid|1\r", "bad segment name"},
		{"MSH|^~\\&|A\rPI|1\r", "bad segment name"},
		{"MSH|^~\\&|A\rPIDX|1\r", "bad segment name"},
		{"MSH|^~\\&|A\r1ID|1\r", "bad segment name"},
		{"MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\r", "second MSH"},
		{"MSH|^~\\&|A\rPID|\xff\xfe\r", "invalid UTF-8 at offset"},
		{"MSH|^~\\&|A\rPID|\xe5\xb1\r", "invalid UTF-8"},
		{"MSH|^~\\&|A\rPID|\xc0\xaf\r", "invalid UTF-8"},
		{"MSH|^~\\&|A\rPID|\xed\xa0\x80\r", "invalid UTF-8"},
		{"MSH|^~\\&|A||||||||||||||UNICODE UTF-8\rPID|\x1b$B;3ED\x1b(B\r", "does not declare ISO IR87"},
		{"\xfb\xfc", "does not start with an MSH"},
		{"MSH|^~\\&|A\rPID|1\x1c|2\r", "MLLP framing byte 0x1C at offset 16"},
		{"MSH|^~\\&|A\rPID|\x0b\r", "MLLP framing byte 0x0B"},
		{"", "empty"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rk_err_clear(&f->err);
		enum rk_status st = parse(f, bad[i].in);
		if (st != RK_INVALID || !strstr(f->err.msg, bad[i].why))
			fail_msg("case %zu: %s '%s', want '%s'", i, rk_status_name(st), f->err.msg, bad[i].why);
	}
	/* NUL byte */
	static const char nul[] = "MSH|^~\\&|A\rPID|1\0|2\r";
	EXPECT_FAIL(f, parse_n(f, nul, sizeof nul - 1), RK_INVALID, "NUL byte at offset 16");
	static const char jnul[] = "MSH|^~\\&|A||||||||||||||~ISO IR87\rPID|1\0|2\r";
	EXPECT_FAIL(f, parse_n(f, jnul, sizeof jnul - 1), RK_INVALID, "NUL");
	/* *out untouched on failure */
	struct hl7_msg keep = {.nseg = 77};
	rk_err_clear(&f->err);
	assert_int_equal(hl7_parse(str_c("nope"), &f->a, &keep, &f->err), RK_INVALID);
	assert_int_equal(keep.nseg, 77);
}

static void test_iso2022jp_bad(void **state)
{
	struct fx *f = *state;
#define JMSH "MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||~ISO IR87||ISO 2022-1994\r"
	struct {
		const char *in, *why;
	} bad[] = {
		{JMSH "PID|1||||\x1b$Z;3ED\x1b(B\r", "broken ISO-2022-JP escape sequence"},
		{JMSH "PID|1||||\x1b(Z;3ED\r", "broken ISO-2022-JP escape sequence"},
		{JMSH "PID|1||||\x1b", "broken ISO-2022-JP escape sequence"},
		{JMSH "PID|1||||\x1b$B;3E\x1b(B\r", "two bytes"},
		{JMSH "PID|1||||\x1b$B;3E", "two bytes"},
		{JMSH "PID|1||||\x1b$B;3 D\x1b(B\r", "two bytes"},
		{JMSH "PID|1||||\x8e\xb1\r", "7-bit"},
		{JMSH "PID|1||||\x93\xfa\x96\x7b\r", "7-bit"}, /* Shift_JIS */
		{JMSH "PID|1||||\x1b(I\x7e\x1b(B\r", "katakana"},
		{JMSH "PID|1||||\x1b$B)!\x1b(B\r", "no Unicode mapping"}, /* row 9 is unassigned */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rk_err_clear(&f->err);
		enum rk_status st = parse(f, bad[i].in);
		if (st != RK_INVALID || !strstr(f->err.msg, bad[i].why))
			fail_msg("case %zu: %s '%s', want '%s'", i, rk_status_name(st), f->err.msg, bad[i].why);
	}
}

static void test_iso2022jp_decode(void **state)
{
	struct fx *f = *state;
	/* 山田^太郎 with separators inside JIS bytes ('|' 0x7C, '^' 0x5E, '~' 0x7E,
	 * '&' 0x26, '\\' 0x5C would all collide if split before decoding). */
	const char *msg =
		JMSH "PID|1||||\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B~\x1b$B%d%^%@\x1b(B||\x1b$B!|!^!~!&!\\\x1b(B\r"
		     "NTE|1||\x1b$B-!-_\x1b(B\x1b(I\x31\x1b(B\x1b$(D\x30\x21\x1b(B \x1b(J\\x\x1b(B\r"
		     "NTE|2||\x1b$B%+\r" /* ESC ( B forgotten before CR */
		     "NTE|3||ok\r";
	assert_int_equal(parse(f, msg), RK_OK);
	assert_int_equal(f->m.charset, HL7_ISO2022JP);
	assert_int_equal(f->m.nseg, 5);
	const struct hl7_segment *pid = hl7_seg(&f->m, "PID", 0);
	EXPECT_STR(hl7_get(&f->m, pid, 5, 0, 1, 0), "山田");
	EXPECT_STR(hl7_get(&f->m, pid, 5, 0, 2, 0), "太郎");
	EXPECT_STR(hl7_get(&f->m, pid, 5, 1, 1, 0), "ヤマダ");
	EXPECT_STR(hl7_get(&f->m, pid, 7, 0, 0, 0), "●±◇・＋");
	/* NEC row 13, half-width kana, JIS X 0212, JIS-Roman read as ASCII */
	const struct hl7_segment *nte = hl7_seg(&f->m, "NTE", 0);
	EXPECT_STR(hl7_get(&f->m, nte, 3, 0, 0, 0), "①㍻ｱ丂 \\x");
	EXPECT_STR(hl7_get(&f->m, hl7_seg(&f->m, "NTE", 1), 3, 0, 0, 0), "カ");
	EXPECT_STR(hl7_get(&f->m, hl7_seg(&f->m, "NTE", 2), 3, 0, 0, 0), "ok");
	EXPECT_STR(f->m.msg_type, "ADT");

	/* each declaration form found in SS-MIX2 storage */
	const char *forms[] = {
		"MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||~ISO IR87\rPID|1||||\x1b$B;3ED\x1b(B\r",
		"MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||~ISOIR87\rPID|1||||\x1b$B;3ED\x1b(B\r",
		"MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||ISO IR87\rPID|1||||\x1b$B;3ED\x1b(B\r",
		"MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||iso ir87\rPID|1||||\x1b$B;3ED\x1b(B\r",
		"MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||||ISO2022-1994\rPID|1||||\x1b$B;3ED\x1b(B\r",
		"MSH|^~\\&|A||||||ADT^A08|1|P|2.5|\x1b$B|^~&\x1b(B|||||~ISO IR87||ISO 2022-1994\rPID|1||||\x1b$B;3ED\x1b(B\r",
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (parse(f, forms[i]) != RK_OK)
			fail_msg("form %zu: %s", i, f->err.msg);
		assert_int_equal(f->m.charset, HL7_ISO2022JP);
		EXPECT_STR(hl7_get(&f->m, hl7_seg(&f->m, "PID", 0), 5, 0, 0, 0), "山田");
		EXPECT_STR(f->m.version, "2.5");
	}
}

/* UTF-8 → ISO-2022-JP → hl7_parse gives the same text back. */
static void test_iso2022jp_roundtrip(void **state)
{
	struct fx *f = *state;
	const char *names[] = {
		"山田^太郎~ヤマダ^タロウ",
		"髙橋",
		"渡邉^美智子",
		"斎藤^一二三",
		"ＡＢＣ１２３０９",
		"カ゛ヴァ・ィーヶ",
		"ぁぃぅぇぉっゃゅょゎ",
		"静岡県静岡市登呂１－３－５",
		"①②⑳㎎㍻№",
		"―‐／＼｜",
		"鷗外",
		"",
		"ASCII only",
		"混在mix１2３",
	};
	/* 髙 (IBM extension) and 鷗 (JIS X 0212) have no JIS X 0208 form */
	const bool encodable[] = {true, false, true, true, true, true, true, true, true, true, false, true, true, true};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct buf msg;
		buf_init(&msg, 1 << 16);
		buf_puts(&msg, JMSH "PID|1||||");
		rk_err_clear(&f->err);
		enum rk_status st = hl7_to_iso2022jp(str_c(names[i]), &msg, &f->err);
		if (!encodable[i]) {
			assert_int_equal(st, RK_INVALID);
			assert_non_null(strstr(f->err.msg, "no JIS X 0208 form"));
			buf_free(&msg);
			continue;
		}
		if (st != RK_OK)
			fail_msg("encode '%s': %s", names[i], f->err.msg);
		for (size_t k = 0; k < msg.len; k++)
			assert_true((unsigned char)msg.data[k] < 0x80);
		buf_puts(&msg, "\r");
		if (parse_n(f, msg.data, msg.len) != RK_OK)
			fail_msg("parse back '%s': %s", names[i], f->err.msg);
		struct str back = hl7_get(&f->m, hl7_seg(&f->m, "PID", 0), 5, 0, 0, 0);
		/* hl7_get gives repetition 0; compare the whole field */
		back = (struct str){back.ptr, strlen(names[i])};
		if (strlen(names[i]) > 0)
			EXPECT_STR(back, names[i]);
		buf_free(&msg);
	}
	/* the escape sequences are exactly ISO-2022-JP's */
	struct buf b;
	buf_init(&b, 256);
	assert_int_equal(hl7_to_iso2022jp(str_c("A山田B"), &b, NULL), RK_OK);
	assert_memory_equal(b.data, "A\x1b$B;3ED\x1b(BB", b.len);
	buf_reset(&b);
	assert_int_equal(hl7_to_iso2022jp(str_c("山"), &b, NULL), RK_OK);
	assert_memory_equal(b.data, "\x1b$B;3\x1b(B", b.len);
	/* refused: half-width kana, yen sign onto backslash, emoji, invalid UTF-8 */
	const char *refuse[] = {"ｱｲｳ", "¥100", "😀", "\xff", "\xe5\xb1"};
	for (size_t i = 0; i < 5; i++) {
		rk_err_clear(&f->err);
		assert_int_equal(hl7_to_iso2022jp(str_c(refuse[i]), &b, &f->err), RK_INVALID);
	}
	buf_free(&b);
	buf_init(&b, 4);
	assert_int_equal(hl7_to_iso2022jp(str_c("山田太郎"), &b, NULL), RK_TOO_LARGE);
	buf_free(&b);
}

/* ---- bounds ---- */

static void test_bounds(void **state)
{
	struct fx *f = *state;
	/* a 10 MB segment: over the message bound */
	size_t big = 10u << 20;
	char *s = malloc(big + 64);
	int h = snprintf(s, 64, "MSH|^~\\&|A\rOBX|1|ED|X||");
	memset(s + h, 'A', big);
	EXPECT_FAIL(f, parse_n(f, s, (size_t)h + big), RK_TOO_LARGE, "exceeds the 8388608-byte bound");
	/* a segment over RK_MAX_HL7_SEGMENT inside a message under the message bound */
	size_t seg = RK_MAX_HL7_SEGMENT + 10;
	EXPECT_FAIL(f, parse_n(f, s, (size_t)h + seg), RK_TOO_LARGE, "HL7 segment 2 (OBX)");
	/* exactly at the segment bound is fine */
	assert_int_equal(parse_n(f, s, RK_MAX_HL7_SEGMENT + 11), RK_OK);
	free(s);

	/* too many segments */
	size_t nseg = RK_MAX_HL7_SEGMENTS;
	s = malloc(16 + (nseg + 1) * 4);
	memcpy(s, "MSH|^~\\&\r", 9);
	size_t n = 9;
	for (size_t i = 1; i < nseg; i++) {
		memcpy(s + n, "NTE\r", 4);
		n += 4;
	}
	assert_int_equal(parse_n(f, s, n), RK_OK); /* exactly RK_MAX_HL7_SEGMENTS */
	assert_int_equal(f->m.nseg, RK_MAX_HL7_SEGMENTS);
	memcpy(s + n, "NTE\r", 4);
	EXPECT_FAIL(f, parse_n(f, s, n + 4), RK_TOO_LARGE, "more than 50000 segments");
	/* blank lines do not count */
	memcpy(s + n, "\r\r\r\r", 4);
	assert_int_equal(parse_n(f, s, n + 4), RK_OK);
	free(s);

	/* an arena that cannot hold the index */
	struct arena small;
	arena_init(&small, 256);
	struct hl7_msg m;
	rk_err_clear(&f->err);
	assert_int_equal(hl7_parse(str_c(ADT), &small, &m, &f->err), RK_TOO_LARGE);
	arena_free(&small);
}

/* ---- ACK ---- */

static void test_ack(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, ADT), RK_OK);
	struct hl7_msg orig = f->m;
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(hl7_ack(&orig, HL7_AA, NULL, "ACK-1", "20240401093001", &b, NULL), RK_OK);
	assert_string_equal(buf_cstr(&b), "MSH|^~\\&|RENKEI|REGION|HIS|HOSP|20240401093001||ACK^A08^ACK|ACK-1|P|2.5\r"
					  "MSA|AA|CTRL-1\r");
	struct arena a2;
	arena_init(&a2, 1 << 20);
	struct hl7_msg ack;
	assert_int_equal(hl7_parse(buf_str(&b), &a2, &ack, NULL), RK_OK);
	EXPECT_STR(ack.msg_type, "ACK");
	EXPECT_STR(ack.event, "A08");
	EXPECT_STR(ack.control_id, "ACK-1");
	EXPECT_STR(ack.sending_app, "RENKEI");
	EXPECT_STR(hl7_get(&ack, hl7_seg(&ack, "MSA", 0), 2, 0, 0, 0), "CTRL-1");
	assert_int_equal(ack.charset, HL7_ASCII);

	/* AE with a reason holding separators and Japanese text */
	buf_reset(&b);
	assert_int_equal(hl7_ack(&orig, HL7_AE, "PID-3 が空です|^~\\&\r2行目", "ACK-2", "20240401093002", &b, NULL),
			 RK_OK);
	arena_reset(&a2);
	rk_err_clear(&f->err);
	assert_int_equal(hl7_parse(buf_str(&b), &a2, &ack, &f->err), RK_OK);
	assert_int_equal(ack.charset, HL7_UTF8);
	EXPECT_STR(hl7_get(&ack, &ack.segs[0], 18, 0, 0, 0), "UNICODE UTF-8");
	const struct hl7_segment *msa = hl7_seg(&ack, "MSA", 0), *er = hl7_seg(&ack, "ERR", 0);
	EXPECT_STR(hl7_get(&ack, msa, 1, 0, 0, 0), "AE");
	EXPECT_STR(hl7_text(&ack, msa, 3, 0, 0, 0, &a2), "PID-3 が空です|^~\\&\n2行目");
	assert_non_null(er);
	EXPECT_STR(hl7_text(&ack, er, 8, 0, 0, 0, &a2), "PID-3 が空です|^~\\&\n2行目");
	EXPECT_STR(hl7_get(&ack, er, 3, 0, 1, 0), "207");
	EXPECT_STR(hl7_get(&ack, er, 4, 0, 0, 0), "E");
	assert_int_equal(ack.nseg, 3);

	/* AR without a message: default separators, empty MSA-2 */
	buf_reset(&b);
	assert_int_equal(hl7_ack(NULL, HL7_AR, "not HL7", "ACK-3", "20240401093003", &b, NULL), RK_OK);
	arena_reset(&a2);
	assert_int_equal(hl7_parse(buf_str(&b), &a2, &ack, NULL), RK_OK);
	EXPECT_STR(hl7_get(&ack, hl7_seg(&ack, "MSA", 0), 1, 0, 0, 0), "AR");
	EXPECT_STR(hl7_get(&ack, hl7_seg(&ack, "MSA", 0), 2, 0, 0, 0), "");
	EXPECT_STR(hl7_get(&ack, hl7_seg(&ack, "ERR", 0), 3, 0, 1, 0), "200");
	EXPECT_STR(ack.msg_type, "ACK");

	/* ACK of a message with unusual separators uses them */
	assert_int_equal(parse(f, "MSH#*@!%#APP#FAC#ME#US#20240101##ORU*R01#ID#T#2.4\r"), RK_OK);
	buf_reset(&b);
	assert_int_equal(hl7_ack(&f->m, HL7_AE, "x#y", "C", "20240101000000", &b, NULL), RK_OK);
	assert_string_equal(buf_cstr(&b), "MSH#*@!%#ME#US#APP#FAC#20240101000000##ACK*R01*ACK#C#T#2.4\r"
					  "MSA#AE#ID#x!F!y\r"
					  "ERR###207*Application internal error*HL70357#E####x!F!y\r");

	/* ACK of an ISO-2022-JP message is UTF-8 and says so */
	assert_int_equal(parse(f, JMSH "PID|1||||\x1b$B;3ED\x1b(B\r"), RK_OK);
	buf_reset(&b);
	assert_int_equal(hl7_ack(&f->m, HL7_AA, NULL, "C", "20240101000000", &b, NULL), RK_OK);
	assert_non_null(strstr(buf_cstr(&b), "|UNICODE UTF-8\r"));

	/* a reason cut inside a character is cut before it: the ACK stays UTF-8 */
	buf_reset(&b);
	assert_int_equal(hl7_ack(&orig, HL7_AE, "理由\xe7\x94", "C", "20240101000000", &b, NULL), RK_OK);
	arena_reset(&a2);
	assert_int_equal(hl7_parse(buf_str(&b), &a2, &ack, NULL), RK_OK);
	EXPECT_STR(hl7_get(&ack, hl7_seg(&ack, "ERR", 0), 8, 0, 0, 0), "理由");

	/* output bound */
	buf_free(&b);
	buf_init(&b, 16);
	rk_err_clear(&f->err);
	EXPECT_FAIL(f, hl7_ack(&orig, HL7_AA, NULL, "C", "20240101000000", &b, &f->err), RK_TOO_LARGE, "ACK");
	buf_free(&b);
	arena_free(&a2);
}

/* ---- the shared SS-MIX2 sample ---- */

struct walk {
	struct fx *f;
	int parsed, rejected;
};

static void check_sample(struct walk *w, const char *path)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	static char data[1 << 20];
	size_t n = fread(data, 1, sizeof data, fp);
	fclose(fp);
	struct fx *f = w->f;
	enum rk_status st = parse_n(f, data, n);
	if (n == 2) { /* the known broken file */
		assert_int_equal(st, RK_INVALID);
		assert_non_null(strstr(f->err.msg, "does not start with an MSH"));
		w->rejected++;
		return;
	}
	if (st != RK_OK)
		fail_msg("%s: %s", path, f->err.msg);
	w->parsed++;
	assert_int_equal(f->m.charset, HL7_ISO2022JP);
	EXPECT_STR(f->m.version, "2.5");
	assert_true(f->m.msg_type.len == 3);
	assert_true(f->m.control_id.len > 0);
	const struct hl7_segment *pid = hl7_seg(&f->m, "PID", 0);
	assert_non_null(pid);
	assert_true(str_is_digits(hl7_get(&f->m, pid, 3, 0, 1, 0)));
	/* the name is Japanese in the first repetition, katakana in the second (ISO IR87) */
	struct str family = hl7_text(&f->m, pid, 5, 0, 1, 0, &f->a);
	struct str kana = hl7_text(&f->m, pid, 5, 1, 1, 0, &f->a);
	assert_true(family.len >= 3 && (unsigned char)family.ptr[0] >= 0xE3);
	assert_true(kana.len >= 3 && str_is_utf8(kana));
	/* every field of every segment reads and unescapes */
	for (size_t i = 0; i < f->m.nseg; i++) {
		const struct hl7_segment *s = &f->m.segs[i];
		for (int fld = 1; fld < 60; fld++)
			for (int r = 0; r < hl7_reps(&f->m, s, fld); r++)
				assert_true(str_is_utf8(hl7_text(&f->m, s, fld, r, 0, 0, &f->a)));
	}
	/* and an ACK parses back */
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(hl7_ack(&f->m, HL7_AA, NULL, "A1", "20240101000000", &b, NULL), RK_OK);
	struct arena a2;
	arena_init(&a2, 1 << 20);
	struct hl7_msg ack;
	assert_int_equal(hl7_parse(buf_str(&b), &a2, &ack, NULL), RK_OK);
	assert_true(str_eq(hl7_get(&ack, hl7_seg(&ack, "MSA", 0), 2, 0, 0, 0), f->m.control_id));
	arena_free(&a2);
	buf_free(&b);
}

static void walk_dir(struct walk *w, const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode))
			walk_dir(w, path);
		else
			check_sample(w, path);
	}
	closedir(d);
}

static void test_ssmix2_sample(void **state)
{
	struct stat st;
	const char *dir = sample_dir();
	if (stat(dir, &st) != 0) {
		print_message("[  SKIPPED ] %s absent\n", dir);
		skip();
	}
	struct walk w = {.f = *state};
	walk_dir(&w, dir);
	print_message("SS-MIX2 sample: %d parsed, %d rejected\n", w.parsed, w.rejected);
	assert_int_equal(w.rejected, 1);
	assert_true(w.parsed >= 21);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_separators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iso2022jp_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iso2022jp_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iso2022jp_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssmix2_sample, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
