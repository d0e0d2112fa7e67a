/* textnorm.c — code-point rewriting for search keys. Tables, not Unicode
 * libraries: the folding wanted here is narrow and Japanese-specific. */
#include "core/textnorm.h"

#include <stdint.h>

static enum rk_status utf8_put(struct buf *b, uint32_t c)
{
	char t[4];
	size_t n;
	if (c < 0x80) {
		t[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		t[0] = (char)(0xC0 | (c >> 6));
		t[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		t[0] = (char)(0xE0 | (c >> 12));
		t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		t[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		t[0] = (char)(0xF0 | (c >> 18));
		t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		t[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	return buf_append(b, t, n);
}

/* Half-width katakana U+FF66..U+FF9D to full width. */
static const uint16_t halfwidth_kana[] = {
	0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, /* FF66-FF6F */
	0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, /* FF70-FF79 */
	0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, /* FF7A-FF83 */
	0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8, /* FF84-FF8D */
	0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, /* FF8E-FF97 */
	0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,                                 /* FF98-FF9D */
};

/* Name kanji written in an old or variant form, folded to the usual form. */
static const struct {
	uint32_t from, to;
} kanji_variants[] = {
	{0x9AD9, 0x9AD8}, /* 髙 → 高 */
	{0xFA11, 0x5D0E}, /* 﨑 → 崎 */
	{0x5D5C, 0x5D0E}, /* 嵜 → 崎 */
	{0x9089, 0x8FBA}, /* 邉 → 辺 */
	{0x908A, 0x8FBA}, /* 邊 → 辺 */
	{0x9F4B, 0x658E}, /* 齋 → 斎 */
	{0x9F4A, 0x6589}, /* 齊 → 斉 */
	{0x6FF1, 0x6D5C}, /* 濱 → 浜 */
	{0x6FA4, 0x6CA2}, /* 澤 → 沢 */
	{0x6AFB, 0x685C}, /* 櫻 → 桜 */
	{0x5EE3, 0x5E83}, /* 廣 → 広 */
	{0x570B, 0x56FD}, /* 國 → 国 */
	{0x842C, 0x4E07}, /* 萬 → 万 */
	{0x5BE6, 0x5B9F}, /* 實 → 実 */
	{0x60E0, 0x6075}, /* 惠 → 恵 */
	{0x5FB7, 0x5FB3}, /* 德 → 徳 */
	{0x771E, 0x771F}, /* 眞 → 真 */
	{0x69C7, 0x69D9}, /* 槇 → 槙 */
	{0x5F4C, 0x5F25}, /* 彌 → 弥 */
	{0x7027, 0x6EDD}, /* 瀧 → 滝 */
	{0x9F8D, 0x7ADC}, /* 龍 → 竜 */
	{0x4E9E, 0x4E9C}, /* 亞 → 亜 */
	{0x6EFF, 0x6E80}, /* 滿 → 満 */
	{0x767C, 0x767A}, /* 發 → 発 */
	{0x4F86, 0x6765}, /* 來 → 来 */
	{0x5D8B, 0x5CF6}, /* 嶋 → 島 */
	{0x5D8C, 0x5CF6}, /* 嶌 → 島 */
	{0x85EA, 0x85AE}, /* 藪 → 薮 */
	{0x7C60, 0x7BED}, /* 籠 → 篭 */
	{0x51A8, 0x5BCC}, /* 冨 → 富 */
	{0x6DFA, 0x6D45}, /* 淺 → 浅 */
	{0x689D, 0x6761}, /* 條 → 条 */
	{0x58FD, 0x5BFF}, /* 壽 → 寿 */
	{0x69AE, 0x6804}, /* 榮 → 栄 */
	{0x975C, 0x9759}, /* 靜 → 静 */
	{0x90A8, 0x6751}, /* 邨 → 村 */
	{0x5CEF, 0x5CF0}, /* 峯 → 峰 */
	{0xFA10, 0x585A}, /* 塚 (compatibility ideograph) → 塚 */
};

static uint32_t fold_kanji(uint32_t c)
{
	for (size_t k = 0; k < sizeof kanji_variants / sizeof kanji_variants[0]; k++)
		if (kanji_variants[k].from == c)
			return kanji_variants[k].to;
	return c;
}

/* Small katakana to large: ァィゥェォ ッ ャュョ ヮ ヵヶ. */
static uint32_t fold_small_kana(uint32_t c)
{
	switch (c) {
	case 0x30A1:
	case 0x30A3:
	case 0x30A5:
	case 0x30A7:
	case 0x30A9:
	case 0x30C3:
	case 0x30E3:
	case 0x30E5:
	case 0x30E7:
	case 0x30EE: return c + 1;
	case 0x30F5: return 0x30AB; /* ヵ → カ */
	case 0x30F6: return 0x30B1; /* ヶ → ケ */
	}
	return c;
}

/* Compose a voicing mark with the preceding katakana, or return 0. */
static uint32_t compose_voicing(uint32_t base, int semi)
{
	if (semi)
		return (base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0) ? base + 2 : 0;
	if ((base >= 0x30AB && base <= 0x30C1 && (base - 0x30AB) % 2 == 0) || base == 0x30C4 || base == 0x30C6 ||
	    base == 0x30C8 || (base >= 0x30CF && base <= 0x30DB && (base - 0x30CF) % 3 == 0))
		return base + 1;
	if (base == 0x30A6)
		return 0x30F4; /* ヴ */
	if (base == 0x30EF || base == 0x30F2)
		return base + 8; /* ヷ ヺ */
	return 0;
}

enum rk_status textnorm_search_key(struct str in, struct buf *out)
{
	if (!str_is_utf8(in))
		return RK_INVALID;
	size_t i = 0;
	uint32_t pending = 0; /* last katakana, held back in case a voicing mark follows */
	enum rk_status st = RK_OK;
	while (i < in.len && st == RK_OK) {
		uint32_t c = str_utf8_next(in, &i);
		int voicing = -1; /* 0 dakuten, 1 handakuten */
		if (c == 0x3099 || c == 0x309B || c == 0xFF9E)
			voicing = 0;
		else if (c == 0x309A || c == 0x309C || c == 0xFF9F)
			voicing = 1;
		if (voicing >= 0) {
			uint32_t composed = pending ? compose_voicing(pending, voicing) : 0;
			if (composed) {
				pending = composed;
				continue;
			}
			continue; /* a stray mark carries no searchable meaning */
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 || c == 0x30FB || c == 0xFF65 ||
		    c == 0x00B7)
			continue;
		if (c >= 0xFF01 && c <= 0xFF5E)
			c -= 0xFEE0;
		else if (c >= 0xFF66 && c <= 0xFF9D)
			c = halfwidth_kana[c - 0xFF66];
		else if ((c >= 0x3041 && c <= 0x3096) || c == 0x309D || c == 0x309E)
			c += 0x60;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		c = fold_kanji(c);
		if (pending)
			st = utf8_put(out, fold_small_kana(pending));
		pending = 0;
		if (c >= 0x30A1 && c <= 0x30FA) {
			pending = c;
			continue;
		}
		if (st == RK_OK)
			st = utf8_put(out, c);
	}
	if (pending && st == RK_OK)
		st = utf8_put(out, fold_small_kana(pending));
	return st;
}

enum rk_status textnorm_prefix_upper(struct str prefix, struct buf *out)
{
	if (prefix.len == 0 || !str_is_utf8(prefix))
		return RK_INVALID;
	/* Find the start of the last code point. */
	size_t last = prefix.len - 1;
	while (last > 0 && (((unsigned char)prefix.ptr[last]) & 0xC0) == 0x80)
		last--;
	size_t i = last;
	uint32_t c = str_utf8_next(prefix, &i);
	if (c >= 0x10FFFF)
		return RK_INVALID;
	c++;
	if (c == 0xD800)
		c = 0xE000; /* skip surrogates */
	enum rk_status st = buf_append(out, prefix.ptr, last);
	if (st == RK_OK)
		st = utf8_put(out, c);
	return st;
}
