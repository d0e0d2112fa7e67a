/* test_core_textnorm.c — unit tests for core/textnorm.h: the search key folds
 * hiragana, half-width kana (with (han)dakuten composition), combining marks,
 * full-width ASCII, spaces and middle dots, small kana and name-kanji variants;
 * invalid UTF-8 is refused; textnorm_prefix_upper gives the exclusive upper
 * bound of a prefix range, checked exhaustively and against made-up names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/textnorm.h"

/* The key of s as a NUL-terminated string in a static buffer. */
static const char *key_of(const char *s)
{
	static char out[1024];
	struct buf b;
	buf_init(&b, 4096);
	enum rk_status st = textnorm_search_key(str_c(s), &b);
	if (st != RK_OK)
		fail_msg("textnorm_search_key(\"%s\") failed with %s", s, rk_status_name(st));
	assert_true(b.len < sizeof out);
	memcpy(out, buf_cstr(&b), b.len + 1);
	buf_free(&b);
	return out;
}

#define EXPECT_KEY(in, want) assert_string_equal(key_of(in), want)

static size_t utf8_enc(uint32_t c, char *t)
{
	if (c < 0x80) {
		t[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		t[0] = (char)(0xC0 | (c >> 6));
		t[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		t[0] = (char)(0xE0 | (c >> 12));
		t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		t[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	t[0] = (char)(0xF0 | (c >> 18));
	t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	t[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	t[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* memcmp order of byte strings of different lengths (a proper prefix sorts first). */
static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static void test_kana_scripts(void **state)
{
	(void)state;
	/* hiragana → katakana */
	EXPECT_KEY("やまだ", "ヤマダ");
	EXPECT_KEY("ヤマダ", "ヤマダ");
	EXPECT_KEY("さとう はなこ", "サトウハナコ");
	EXPECT_KEY("ぁあゔゝゞ", "アアヴヽヾ");
	/* half-width katakana → full width, with dakuten / handakuten composed */
	EXPECT_KEY("ﾔﾏﾀﾞ", "ヤマダ");
	EXPECT_KEY("ｶﾞ", "ガ");
	EXPECT_KEY("ﾊﾟ", "パ");
	EXPECT_KEY("ｳﾞ", "ヴ");
	EXPECT_KEY("ﾎﾟﾎﾞﾎ", "ポボホ");
	EXPECT_KEY("ﾂﾞﾃﾞﾄﾞ", "ヅデド");
	EXPECT_KEY("ﾜﾞｦﾞ", "\xE3\x83\xB7\xE3\x83\xBA"); /* ヷヺ */
	EXPECT_KEY("ｦﾝｰ", "ヲンー");
	EXPECT_KEY("ｺｰﾋｰ", "コーヒー");
	/* combining U+3099 / U+309A and the spacing forms U+309B / U+309C */
	EXPECT_KEY("か\xE3\x82\x99", "ガ");
	EXPECT_KEY("カ\xE3\x82\x99", "ガ");
	EXPECT_KEY("は\xE3\x82\x9A", "パ");
	EXPECT_KEY("ウ\xE3\x82\x99", "ヴ");
	EXPECT_KEY("カ゛ハ゜", "ガパ");
	EXPECT_KEY("す\xE3\x82\x99き", "ズキ");
	/* all spellings of one name give one key */
	const char *forms[] = {"ヤマダ タロウ", "やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマタ\xE3\x82\x99　タロウ",
			       "やまだ・たろう"};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		EXPECT_KEY(forms[i], "ヤマダタロウ");
}

static void test_small_kana(void **state)
{
	(void)state;
	/* Legacy systems wrote large kana for small ones: both give one key. */
	char a[256];
	snprintf(a, sizeof a, "%s", key_of("キョウコ"));
	EXPECT_KEY("キヨウコ", a);
	EXPECT_KEY("きょうこ", a);
	EXPECT_KEY("ｷｮｳｺ", a);
	EXPECT_KEY("キョウコ", "キヨウコ");
	EXPECT_KEY("ハットリ", "ハツトリ");
	EXPECT_KEY("ｼﾞｮｰｼﾞ", "ジヨージ");
	EXPECT_KEY("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ");
	EXPECT_KEY("ぁぃぅぇぉっゃゅょゎゕゖ", "アイウエオツヤユヨワカケ");
	EXPECT_KEY("ｧｨｩｪｫｯｬｭｮ", "アイウエオツヤユヨ");
}

static void test_ascii_and_spaces(void **state)
{
	(void)state;
	EXPECT_KEY("Tanaka Yuki", "tanakayuki");
	EXPECT_KEY("ＴＡＮＡＫＡ　Ｙｕｋｉ", "tanakayuki");
	EXPECT_KEY("ＡＢＣ１２３！～", "abc123!~");
	EXPECT_KEY("\xEF\xBC\x81\xEF\xBD\x9E", "!~"); /* U+FF01, U+FF5E: the ends of the range */
	EXPECT_KEY("O'Brien-Smith", "o'brien-smith");
	/* spaces, tabs, line breaks, ideographic space and middle dots vanish */
	EXPECT_KEY("山田 太郎", "山田太郎");
	EXPECT_KEY("山田　太郎", "山田太郎");
	EXPECT_KEY(" \t山田\r\n太郎\xE3\x80\x80", "山田太郎");
	EXPECT_KEY("ジョン・スミス", "ジヨンスミス");
	EXPECT_KEY("ｼﾞｮﾝ･ｽﾐｽ", "ジヨンスミス");
	EXPECT_KEY("John\xC2\xB7Smith", "johnsmith");
	EXPECT_KEY("", "");
	EXPECT_KEY("   　", "");
}

static void test_kanji_variants(void **state)
{
	(void)state;
	EXPECT_KEY("髙橋", "高橋");
	EXPECT_KEY("高橋", "高橋");
	EXPECT_KEY("齋藤", "斎藤");
	EXPECT_KEY("渡邊", "渡辺");
	EXPECT_KEY("渡邉", "渡辺");
	EXPECT_KEY("山\xEF\xA8\x91", "山崎"); /* U+FA11 﨑 */
	EXPECT_KEY("濱田", "浜田");
	EXPECT_KEY("澤村", "沢村");
	EXPECT_KEY("髙橋　ひろし", "高橋ヒロシ");
	/* 斉 and 斎 are different names and stay different */
	char saito[64];
	snprintf(saito, sizeof saito, "%s", key_of("齊藤"));
	assert_string_not_equal(saito, key_of("齋藤"));
	/* unrelated kanji and other scripts pass unchanged */
	EXPECT_KEY("鈴木一郎", "鈴木一郎");
	EXPECT_KEY("𠮷野", "𠮷野"); /* U+20BB7, outside the BMP */
	EXPECT_KEY("Ωé", "Ωé");
}

static void test_invalid(void **state)
{
	(void)state;
	const struct str bad[] = {
		{"\xFF", 1},         {"\xC0\x80", 2},         {"a\0b", 3},        {"\xE3\x81", 2},
		{"\xED\xA0\x80", 3}, {"\xF4\x90\x80\x80", 4}, {"やまだ\x80", 10},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf b;
		buf_init(&b, 1024);
		assert_int_equal(textnorm_search_key(bad[i], &b), RK_INVALID);
		assert_int_equal(b.len, 0); /* nothing half-written */
		buf_free(&b);
	}
}

static void test_ceiling(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(textnorm_search_key(str_c("やまだたろう"), &b), RK_TOO_LARGE);
	assert_true(b.overflow);
	buf_free(&b);
	buf_init(&b, 9);
	assert_int_equal(textnorm_search_key(str_c("やまだ"), &b), RK_OK);
	assert_string_equal(buf_cstr(&b), "ヤマダ");
	buf_free(&b);
	/* The key is appended after existing content. */
	buf_init(&b, 64);
	buf_puts(&b, "k:");
	assert_int_equal(textnorm_search_key(str_c("ﾀﾞ"), &b), RK_OK);
	assert_string_equal(buf_cstr(&b), "k:ダ");
	buf_free(&b);
}

static void expect_upper(const char *in, size_t in_len, const char *want, size_t want_len)
{
	struct buf b;
	buf_init(&b, 1024);
	assert_int_equal(textnorm_prefix_upper((struct str){in, in_len}, &b), RK_OK);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.data, want, want_len);
	buf_free(&b);
}

#define UPPER(in, want) expect_upper(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void test_prefix_upper_examples(void **state)
{
	(void)state;
	UPPER("a", "b");
	UPPER("abc", "abd");
	UPPER("tanaka", "tanakb");
	UPPER("z", "{");
	UPPER("\x7F", "\xC2\x80");                     /* U+007F → U+0080 */
	UPPER("x\xDF\xBF", "x\xE0\xA0\x80");           /* U+07FF → U+0800 */
	UPPER("カ", "ガ");                             /* U+30AB → U+30AC */
	UPPER("ヤマダ", "ヤマチ");                     /* U+30C0 → U+30C1 */
	UPPER("山田", "山由");                         /* U+7530 → U+7531 */
	UPPER("\xED\x9F\xBF", "\xEE\x80\x80");         /* U+D7FF → U+E000, skipping surrogates */
	UPPER("\xEF\xBF\xBF", "\xF0\x90\x80\x80");     /* U+FFFF → U+10000 */
	UPPER("\xF4\x8F\xBF\xBE", "\xF4\x8F\xBF\xBF"); /* U+10FFFE → U+10FFFF */

	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(textnorm_prefix_upper(str_c(""), &b), RK_INVALID);
	assert_int_equal(textnorm_prefix_upper(STR_NULL, &b), RK_INVALID);
	assert_int_equal(textnorm_prefix_upper(str_c("\xF4\x8F\xBF\xBF"), &b), RK_INVALID);
	assert_int_equal(textnorm_prefix_upper(str_c("a\xF4\x8F\xBF\xBF"), &b), RK_INVALID);
	assert_int_equal(textnorm_prefix_upper(str_c("a\xFF"), &b), RK_INVALID);
	assert_int_equal(textnorm_prefix_upper(str_c("\xE3\x82"), &b), RK_INVALID);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* For every code point c (all scalar values below U+10FFFF): upper("a"+c) is
 * "a" followed by the next scalar value, which sorts after every string
 * starting with "a"+c and no later than any string starting with "a"+next. */
static void test_prefix_upper_every_code_point(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64);
	char p[16], ext[16], nx[8];
	for (uint32_t c = 1; c < 0x10FFFF; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		p[0] = 'a';
		size_t pn = 1 + utf8_enc(c, p + 1);
		uint32_t next = c + 1 == 0xD800 ? 0xE000 : c + 1;
		size_t nn = utf8_enc(next, nx);
		buf_reset(&b);
		assert_int_equal(textnorm_prefix_upper((struct str){p, pn}, &b), RK_OK);
		if (b.len != 1 + nn || b.data[0] != 'a' || memcmp(b.data + 1, nx, nn) != 0)
			fail_msg("upper of U+%04X is not U+%04X", (unsigned)c, (unsigned)next);
		/* p itself and p extended by the largest code point sort below. */
		assert_true(bytes_cmp(p, pn, b.data, b.len) < 0);
		memcpy(ext, p, pn);
		memcpy(ext + pn, "\xF4\x8F\xBF\xBF\xF4\x8F\xBF\xBF", 8);
		assert_true(bytes_cmp(ext, pn + 8, b.data, b.len) < 0);
	}
	buf_free(&b);
}

/* Made-up names in the spellings a registration desk might use. */
static const char *const names[] = {
	"山田 太郎",         "やまだ たろう",     "ヤマダ タロウ",
	"ﾔﾏﾀﾞ ﾀﾛｳ",          "髙橋 京子",         "たかはし きょうこ",
	"タカハシ キヨウコ", "ﾀｶﾊｼ ｷｮｳｺ",         "齋藤 一郎",
	"さいとう いちろう", "渡邊 健",           "わたなべ けん",
	"ワタナベ ケン",     "佐藤 花子",         "さとう はなこ",
	"鈴木 ひろし",       "すずき ひろし",     "ｽｽﾞｷ ﾋﾛｼ",
	"服部 翔太",         "はっとり しょうた", "ハットリ ショウタ",
	"小林 ゆうこ",       "こばやし ゆうこ",   "ジョン・スミス",
	"ｼﾞｮﾝ･ｽﾐｽ",          "Tanaka Yuki",       "ＴＡＮＡＫＡ　Ｙｕｋｉ",
	"中村 ぱんだ",       "ﾅｶﾑﾗ ﾊﾟﾝﾀﾞ",        "伊藤 ヴィオラ",
	"ｲﾄｳ ｳﾞｨｵﾗ",         "山﨑 まさみ",       "濱田 まりこ",
	"𠮷田 じろう",       "きょうこ",          "キョウコ",
	"キヨウコ",          "長谷川 ちひろ",     "ハセガワ チヒロ",
	"Ｏ'Ｂｒｉｅｎ",
};

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Byte offsets of the code-point boundaries of s (including 0 and len). */
static size_t boundaries(const char *s, size_t *at, size_t cap)
{
	size_t n = 0, len = strlen(s);
	for (size_t i = 0; i <= len && n < cap; i++)
		if (i == len || ((unsigned char)s[i] & 0xC0) != 0x80)
			at[n++] = i;
	return n;
}

/* A cut just before a voicing mark splits a kana from its dakuten: "ｶ" then
 * "ﾞ" is ガ, a different letter from カ, so the key of the prefix is not a
 * prefix of the key by design. Such cuts are not prefixes a user types. */
static bool before_voicing_mark(const char *s)
{
	return strncmp(s, "\xE3\x82\x99", 3) == 0 || strncmp(s, "\xE3\x82\x9A", 3) == 0 ||
	       strncmp(s, "\xE3\x82\x9B", 3) == 0 || strncmp(s, "\xE3\x82\x9C", 3) == 0 ||
	       strncmp(s, "\xEF\xBE\x9E", 3) == 0 || strncmp(s, "\xEF\xBE\x9F", 3) == 0;
}

static void test_prefix_property(void **state)
{
	(void)state;
	uint64_t x = 0x2545F4914F6CDD1DULL;
	const size_t n_names = sizeof names / sizeof names[0];
	struct buf kp, kps, up;
	buf_init(&kp, 4096);
	buf_init(&kps, 4096);
	buf_init(&up, 4096);
	int checked = 0;
	for (int iter = 0; iter < 5000; iter++) {
		const char *name = names[rnd(&x) % n_names];
		size_t at[64];
		size_t nb = boundaries(name, at, 64);
		size_t cut = at[1 + rnd(&x) % (nb - 1)]; /* non-empty prefix */
		size_t end = at[rnd(&x) % nb];           /* extension ends here ... */
		if (end < cut)
			end = cut;
		if (before_voicing_mark(name + cut))
			continue;
		char ps[512];
		size_t psn = end;
		memcpy(ps, name, end);
		if (rnd(&x) % 3 == 0) { /* ... optionally followed by another whole name */
			const char *more = names[rnd(&x) % n_names];
			memcpy(ps + psn, more, strlen(more));
			psn += strlen(more);
		}
		buf_reset(&kp);
		buf_reset(&kps);
		buf_reset(&up);
		assert_int_equal(textnorm_search_key((struct str){name, cut}, &kp), RK_OK);
		assert_int_equal(textnorm_search_key((struct str){ps, psn}, &kps), RK_OK);
		if (kp.len == 0)
			continue; /* a prefix of spaces only: nothing to search for */
		assert_int_equal(textnorm_prefix_upper(buf_str(&kp), &up), RK_OK);
		if (bytes_cmp(kp.data, kp.len, kps.data, kps.len) > 0 ||
		    bytes_cmp(kps.data, kps.len, up.data, up.len) >= 0)
			fail_msg("prefix \"%.*s\" of \"%.*s\": key(p)=\"%s\" key(p+s)=\"%s\" upper=\"%s\"", (int)cut,
				 name, (int)psn, ps, kp.data, kps.data, up.data);
		checked++;
	}
	assert_true(checked > 3000);
	buf_free(&kp);
	buf_free(&kps);
	buf_free(&up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kana_scripts),
		cmocka_unit_test(test_small_kana),
		cmocka_unit_test(test_ascii_and_spaces),
		cmocka_unit_test(test_kanji_variants),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_prefix_upper_examples),
		cmocka_unit_test(test_prefix_upper_every_code_point),
		cmocka_unit_test(test_prefix_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
