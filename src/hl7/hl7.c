/* hl7.c — HL7 v2.5 messages: the parser (separators from MSH, one segment index
 * in the arena, fields as slices), ISO-2022-JP decoding, escapes, the ACK
 * builder and the UTF-8 → ISO-2022-JP encoder of the SS-MIX2 generator.
 * ISO-2022-JP is taken apart here (escape sequences, 7-bit pairs) and the
 * characters are mapped by glibc iconv through EUC-JP-MS (CP50221-compatible:
 * NEC row 13 such as ① ㎎, which hospital systems send under ESC $ B). */
#include "hl7/hl7.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

#define ESC 0x1B
#define FS  0x1C

/* iconv's name for the JIS character mapping (JIS X 0208 + NEC row 13 + JIS X 0212). */
#define EUC_CHARSET "EUCJP-MS"

static struct str str_empty(void)
{
	return (struct str){"", 0};
}

static bool is_sep_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7F)
		return false;
	return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/* ---- ISO-2022-JP → EUC-JP → UTF-8 ---- */

enum jis_mode { JIS_ASCII, JIS_KANJI, JIS_KANA, JIS_0212 };

/* Length of the escape sequence at p (ESC included) and the mode it selects,
 * or 0 when it is not one ISO-2022-JP allows. */
static size_t jis_escape(const unsigned char *p, size_t rem, enum jis_mode *mode)
{
	if (rem >= 3 && p[1] == '(' && (p[2] == 'B' || p[2] == 'J')) {
		*mode = JIS_ASCII; /* JIS X 0201 Roman is read as ASCII, as CP50221 does */
		return 3;
	}
	if (rem >= 3 && p[1] == '(' && p[2] == 'I') {
		*mode = JIS_KANA;
		return 3;
	}
	if (rem >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@')) {
		*mode = JIS_KANJI;
		return 3;
	}
	if (rem >= 4 && p[1] == '$' && p[2] == '(' && (p[3] == 'B' || p[3] == '@')) {
		*mode = JIS_KANJI;
		return 4;
	}
	if (rem >= 4 && p[1] == '$' && p[2] == '(' && p[3] == 'D') {
		*mode = JIS_0212;
		return 4;
	}
	return 0;
}

/* ISO-2022-JP → EUC-JP bytes (at most 2 bytes out per byte in). CR and LF end
 * a multibyte run (some senders omit ESC ( B before the segment end). */
static enum rk_status jis_to_euc(struct str in, unsigned char *out, size_t *outlen, struct rk_err *err)
{
	const unsigned char *p = (const unsigned char *)in.ptr;
	size_t n = in.len, i = 0, o = 0;
	enum jis_mode mode = JIS_ASCII;
	while (i < n) {
		unsigned c = p[i];
		if (c == ESC) {
			size_t k = jis_escape(p + i, n - i, &mode);
			if (k == 0)
				return rk_fail(
					err, RK_INVALID,
					"broken ISO-2022-JP escape sequence at byte %zu (ESC followed by 0x%02X)", i,
					i + 1 < n ? p[i + 1] : 0);
			i += k;
			continue;
		}
		if (c == '\r' || c == '\n') {
			mode = JIS_ASCII;
			out[o++] = (unsigned char)c;
			i++;
			continue;
		}
		if (c == 0)
			return rk_fail(err, RK_INVALID, "NUL byte at offset %zu", i);
		if (c >= 0x80)
			return rk_fail(err, RK_INVALID,
				       "byte 0x%02X at offset %zu in an ISO-2022-JP message (MSH-18 ISO IR87 is 7-bit; "
				       "Shift_JIS or EUC-JP is not accepted)",
				       c, i);
		switch (mode) {
		case JIS_ASCII:
			out[o++] = (unsigned char)c;
			i++;
			break;
		case JIS_KANA:
			if (c < 0x21 || c > 0x5F)
				return rk_fail(err, RK_INVALID,
					       "byte 0x%02X at offset %zu is not a JIS X 0201 katakana", c, i);
			out[o++] = 0x8E;
			out[o++] = (unsigned char)(c | 0x80);
			i++;
			break;
		case JIS_KANJI:
		case JIS_0212:
			if (c < 0x21 || c > 0x7E || i + 1 >= n || p[i + 1] < 0x21 || p[i + 1] > 0x7E)
				return rk_fail(
					err, RK_INVALID,
					"broken ISO-2022-JP text at offset %zu: a JIS X 0208 character is two bytes "
					"0x21-0x7E (missing ESC ( B?)",
					i);
			if (mode == JIS_0212)
				out[o++] = 0x8F;
			out[o++] = (unsigned char)(c | 0x80);
			out[o++] = (unsigned char)(p[i + 1] | 0x80);
			i += 2;
			break;
		}
	}
	*outlen = o;
	return RK_OK;
}

/* Decode an ISO-2022-JP message into one UTF-8 copy in the arena. */
static enum rk_status iso2022jp_decode(struct str in, struct arena *a, struct str *out, struct rk_err *err)
{
	enum rk_status st = RK_OK;
	iconv_t cd = (iconv_t)-1;
	unsigned char *euc = malloc(in.len * 2 + 1);
	if (!euc)
		rk_oom();
	size_t elen = 0;
	st = jis_to_euc(in, euc, &elen, err);
	if (st != RK_OK)
		goto out_euc;
	/* EUC-JP-MS to UTF-8 grows at most 3/2 (2 → 3 bytes; 3-byte JIS X 0212 → 3). */
	size_t cap = elen + elen / 2 + 16;
	char *u = arena_alloc(a, cap);
	if (!u) {
		st = rk_fail(err, RK_TOO_LARGE,
			     "no memory left in the request arena to decode the ISO-2022-JP message");
		goto out_euc;
	}
	cd = iconv_open("UTF-8", EUC_CHARSET);
	if (cd == (iconv_t)-1) {
		st = rk_fail(err, RK_INTERNAL, "iconv cannot convert %s to UTF-8", EUC_CHARSET);
		goto out_euc;
	}
	char *ip = (char *)euc, *op = u;
	size_t il = elen, ol = cap;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		if (errno == E2BIG) {
			st = rk_fail(err, RK_INTERNAL, "ISO-2022-JP decoding outgrew its buffer");
		} else {
			unsigned char b1 = (unsigned char)ip[0], b2 = il > 1 ? (unsigned char)ip[1] : 0;
			if (b1 == 0x8F && il > 2) {
				b1 = (unsigned char)ip[1];
				b2 = (unsigned char)ip[2];
			}
			st = rk_fail(
				err, RK_INVALID,
				"ISO-2022-JP character at JIS row %u cell %u has no Unicode mapping (unassigned code)",
				(unsigned)(b1 & 0x7F) - 0x20, (unsigned)(b2 & 0x7F) - 0x20);
		}
		goto out_cd;
	}
	*out = (struct str){u, (size_t)(op - u)};
	u[op - u] = '\0'; /* cap has room: the text is at most 1.5 * elen */
out_cd:
	iconv_close(cd);
out_euc:
	free(euc);
	return st;
}

/* ---- UTF-8 check with the offending offset ---- */

/* Offset of the first byte that breaks UTF-8 (or is NUL), or SIZE_MAX. */
static size_t utf8_bad_offset(const unsigned char *p, size_t n)
{
	size_t ok = str_utf8_prefix((struct str){(const char *)p, n});
	return ok == n ? SIZE_MAX : ok;
}

/* ---- MSH before decoding ---- */

/* Raw MSH field n (n >= 2) of the undecoded input: separators inside an
 * ISO-2022-JP multibyte run are not separators. */
static struct str raw_msh_field(struct str in, char fsep, int n)
{
	const unsigned char *p = (const unsigned char *)in.ptr;
	bool multi = false;
	int field = 2;
	size_t start = 4, i;
	for (i = 4; i < in.len; i++) {
		unsigned char c = p[i];
		if (c == '\r' || c == '\n')
			break;
		if (c == ESC && i + 1 < in.len) {
			multi = p[i + 1] == '$' || (p[i + 1] == '(' && i + 2 < in.len && p[i + 2] == 'I');
			continue;
		}
		if (c == (unsigned char)fsep && !multi) {
			if (field == n)
				return (struct str){in.ptr + start, i - start};
			field++;
			start = i + 1;
		}
	}
	if (field == n)
		return (struct str){in.ptr + start, i - start};
	return str_empty();
}

/* Does s (without spaces, any case) equal want? */
static bool eq_nospace(struct str s, const char *want)
{
	size_t w = 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (c == ' ' || c == '_')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (want[w] == '\0' || want[w] != c)
			return false;
		w++;
	}
	return want[w] == '\0';
}

/* MSH-18 (any repetition) names JIS X 0208/0212/0201 in ISO 2022 form, or
 * MSH-20 names ISO 2022-1994. */
static bool declares_iso2022jp(struct str msh18, struct str msh20, char rep)
{
	struct str r, rest = msh18;
	while (str_next(&rest, rep, &r)) {
		if (eq_nospace(r, "ISOIR87") || eq_nospace(r, "ISOIR159") || eq_nospace(r, "ISOIR13"))
			return true;
	}
	return eq_nospace(msh20, "ISO2022-1994");
}

/* ---- the parser ---- */

static bool seg_name_ok(struct str s, char fsep)
{
	if (s.len < 3 || (s.len > 3 && s.ptr[3] != fsep))
		return false;
	for (int i = 0; i < 3; i++) {
		char c = s.ptr[i];
		if (!((c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static enum rk_status check_seps(struct str in, struct hl7_seps *seps, struct rk_err *err)
{
	const unsigned char *p = (const unsigned char *)in.ptr;
	if (in.len < 8)
		return rk_fail(err, RK_INVALID, "MSH segment too short to hold the field separator and MSH-2");
	unsigned char f = p[3], enc[4] = {p[4], p[5], p[6], p[7]};
	if (!is_sep_char(f))
		return rk_fail(err, RK_INVALID,
			       "bad field separator (MSH-1) 0x%02X: it must be a printable "
			       "character that is not a letter, digit or space",
			       f);
	for (int i = 0; i < 4; i++) {
		if (!is_sep_char(enc[i]) || enc[i] == f)
			return rk_fail(err, RK_INVALID,
				       "bad encoding characters (MSH-2): character %d (0x%02X) is "
				       "not a separator distinct from MSH-1",
				       i + 1, enc[i]);
		for (int j = 0; j < i; j++)
			if (enc[i] == enc[j])
				return rk_fail(err, RK_INVALID, "bad encoding characters (MSH-2): '%c' appears twice",
					       enc[i]);
	}
	/* MSH-2 is four characters; v2.7 adds a fifth, the truncation character. */
	size_t k = 8;
	if (k < in.len && p[k] != f && p[k] != '\r' && p[k] != '\n') {
		unsigned char t = p[k];
		bool dup = t == f || memchr(enc, t, 4) != NULL;
		if (!is_sep_char(t) || dup || (k + 1 < in.len && p[k + 1] != f && p[k + 1] != '\r' && p[k + 1] != '\n'))
			return rk_fail(err, RK_INVALID,
				       "bad encoding characters (MSH-2): expected four distinct separators "
				       "then the field separator '%c'",
				       f);
	}
	*seps = (struct hl7_seps){
		.field = (char)f, .comp = (char)enc[0], .rep = (char)enc[1], .esc = (char)enc[2], .sub = (char)enc[3]};
	return RK_OK;
}

/* One pass over the text: terminators counted (CRLF once), field separators
 * counted, NUL, ESC, VT/FS noticed, UTF-8 checked. Eight printable ASCII
 * bytes at a time on the common path. */
struct scan {
	size_t nterm, nfsep;
	bool any_lf;
	bool high;
	size_t nul_at, esc_at, frame_at; /* first NUL, ESC, VT or FS */
	size_t bad_utf8;                 /* first byte breaking UTF-8 */
};

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define LOW7  0x7F7F7F7F7F7F7F7Full

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t rem)
{
	unsigned c = p[0];
	if (c >= 0xE1 && c <= 0xEC && rem >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
		return 3; /* most kana and kanji: no overlong or surrogate possible */
	size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (len == 0 || len > rem)
		return 0;
	return utf8_bad_offset(p, len) == SIZE_MAX ? len : 0;
}

static void scan_text(struct str t, char fsep, struct scan *sc)
{
	const unsigned char *p = (const unsigned char *)t.ptr;
	size_t n = t.len, i = 0, nterm = 0, nf = 0;
	*sc = (struct scan){.nul_at = SIZE_MAX, .esc_at = SIZE_MAX, .frame_at = SIZE_MAX, .bad_utf8 = SIZE_MAX};
	const uint64_t fmask = ONES * (unsigned char)fsep;
	while (i < n) {
		if (i + 8 <= n) {
			uint64_t x;
			memcpy(&x, p + i, 8);
			if ((((x - 0x2020202020202020ull) | x) & HIGHS) == 0) {
				uint64_t y = x ^ fmask;
				/* 0x80 in each byte equal to the separator; their count by one
				 * multiply (no popcount instruction is assumed) */
				uint64_t eq = ~((((y & LOW7) + LOW7) | y)) & HIGHS;
				nf += (size_t)(((eq >> 7) * ONES) >> 56);
				i += 8;
				continue;
			}
		}
		unsigned c = p[i];
		if (c >= 0x80) {
			sc->high = true;
			size_t k = utf8_seq(p + i, n - i);
			if (k == 0) {
				if (sc->bad_utf8 == SIZE_MAX)
					sc->bad_utf8 = i;
				k = 1;
			}
			i += k;
			continue;
		}
		if (c >= 0x20) {
			nf += c == (unsigned char)fsep;
		} else if (c == '\r') {
			nterm++;
		} else if (c == '\n') {
			sc->any_lf = true;
			if (i == 0 || p[i - 1] != '\r')
				nterm++;
		} else if (c == 0) {
			if (sc->nul_at == SIZE_MAX)
				sc->nul_at = i;
		} else if (c == ESC) {
			if (sc->esc_at == SIZE_MAX)
				sc->esc_at = i;
		} else if (c == 0x0B || c == FS) {
			if (sc->frame_at == SIZE_MAX)
				sc->frame_at = i;
		}
		i++;
	}
	sc->nterm = nterm;
	sc->nfsep = nf;
}

/* The end of the segment starting at p: the next CR or LF, or end. */
static const char *seg_end(const char *p, const char *end, bool any_lf)
{
	if (!any_lf) {
		const char *q = memchr(p, '\r', (size_t)(end - p));
		return q ? q : end;
	}
	while (p < end && *p != '\r' && *p != '\n')
		p++;
	return p;
}

static enum rk_status split_segments(struct str t, const struct scan *sc, char fsep, struct arena *a,
				     struct hl7_segment **segs_out, size_t *nseg_out, struct rk_err *err)
{
	size_t cap = sc->nterm + 1;
	if (cap > RK_MAX_HL7_SEGMENTS)
		cap = RK_MAX_HL7_SEGMENTS;
	struct hl7_segment *segs = arena_alloc(a, cap * sizeof *segs);
	uint32_t *fs = arena_alloc(a, (sc->nfsep + 1) * sizeof *fs);
	if (!segs || !fs)
		return rk_fail(err, RK_TOO_LARGE, "no memory left in the request arena for %zu HL7 segments", cap);
	size_t nfs = 0;
	size_t n = 0;
	const char *p = t.ptr, *end = t.ptr + t.len;
	while (p < end) {
		const char *e = seg_end(p, end, sc->any_lf);
		struct str s = {p, (size_t)(e - p)};
		p = e;
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
		if (s.len == 0)
			continue; /* blank line */
		if (n == cap)
			return rk_fail(err, RK_TOO_LARGE, "HL7 message has more than %u segments",
				       (unsigned)RK_MAX_HL7_SEGMENTS);
		if (s.len > RK_MAX_HL7_SEGMENT)
			return rk_fail(err, RK_TOO_LARGE, "HL7 segment %zu (%.3s) is %zu bytes, over the %u-byte bound",
				       n + 1, s.ptr, s.len, (unsigned)RK_MAX_HL7_SEGMENT);
		if (!seg_name_ok(s, fsep)) {
			size_t show = s.len < 8 ? s.len : 8;
			for (size_t i = 0; i < show; i++)
				if ((unsigned char)s.ptr[i] < 0x20 || (unsigned char)s.ptr[i] >= 0x7F)
					show = i;
			return rk_fail(
				err, RK_INVALID,
				"bad segment name at segment %zu ('%.*s'): three capital letters or digits, then "
				"the field separator",
				n + 1, (int)show, s.ptr);
		}
		/* A later header with fields is a second message; a bare "MSH" (as in
		 * a sample that lists segment names) carries nothing and is kept. */
		if (n > 0 && s.len > 3 && memcmp(s.ptr, "MSH", 3) == 0)
			return rk_fail(err, RK_INVALID,
				       "a second MSH segment (segment %zu): one message at a time, "
				       "batches are not accepted",
				       n + 1);
		segs[n].name = (struct str){s.ptr, 3};
		segs[n].text = s;
		size_t first = nfs;
		for (size_t k = 0; k < s.len; k++) { /* fields are short: a loop beats memchr calls */
			if (s.ptr[k] != fsep)
				continue;
			if (nfs == sc->nfsep) /* the scan counted every one; never past the array */
				return rk_fail(err, RK_INTERNAL, "HL7 field index miscounted");
			fs[nfs++] = (uint32_t)k;
		}
		segs[n].fsep = fs + first;
		segs[n].nfsep = nfs - first;
		n++;
	}
	*segs_out = segs;
	*nseg_out = n;
	return RK_OK;
}

enum rk_status hl7_parse(struct str input, struct arena *a, struct hl7_msg *out, struct rk_err *err)
{
	struct hl7_msg m = {0};
	enum rk_status st;
	if (input.len > RK_MAX_HL7_MESSAGE)
		return rk_fail(err, RK_TOO_LARGE, "HL7 message of %zu bytes exceeds the %u-byte bound", input.len,
			       (unsigned)RK_MAX_HL7_MESSAGE);
	if (input.len == 0 || !input.ptr)
		return rk_fail(err, RK_INVALID, "empty HL7 message");
	/* A trailing FS (the MLLP end block, kept by some SS-MIX2 stores) and
	 * trailing terminators are not segments. */
	while (input.len > 0 &&
	       (input.ptr[input.len - 1] == FS || input.ptr[input.len - 1] == '\r' || input.ptr[input.len - 1] == '\n'))
		input.len--;
	if (input.len >= 3 && memcmp(input.ptr, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
		input.ptr += 3;
		input.len -= 3;
	}
	if (input.len > 0 && input.ptr[0] == 0x0B)
		return rk_fail(err, RK_INVALID, "HL7 message starts with an MLLP start block (0x0B): unwrap the frame");
	if (input.len < 3 || memcmp(input.ptr, "MSH", 3) != 0)
		return rk_fail(err, RK_INVALID, "not an HL7 v2 message: it does not start with an MSH segment");
	st = check_seps(input, &m.seps, err);
	if (st != RK_OK)
		return st;

	struct str text = input;
	struct str msh18 = raw_msh_field(input, m.seps.field, 18), msh20 = raw_msh_field(input, m.seps.field, 20);
	if (declares_iso2022jp(msh18, msh20, m.seps.rep)) {
		st = iso2022jp_decode(input, a, &text, err);
		if (st != RK_OK)
			return st;
		m.charset = HL7_ISO2022JP;
	}

	struct scan sc;
	scan_text(text, m.seps.field, &sc);
	if (sc.nul_at != SIZE_MAX)
		return rk_fail(err, RK_INVALID, "NUL byte at offset %zu of the HL7 message", sc.nul_at);
	if (sc.frame_at != SIZE_MAX)
		return rk_fail(err, RK_INVALID, "MLLP framing byte 0x%02X at offset %zu inside the HL7 message",
			       (unsigned char)text.ptr[sc.frame_at], sc.frame_at);
	if (sc.esc_at != SIZE_MAX)
		return rk_fail(err, RK_INVALID,
			       "ISO-2022-JP escape (ESC) at offset %zu but MSH-18 '%.*s' does not "
			       "declare ISO IR87",
			       sc.esc_at, (int)(msh18.len > 40 ? 40 : msh18.len), msh18.ptr);
	if (m.charset != HL7_ISO2022JP) {
		m.charset = HL7_ASCII;
		if (sc.high) {
			size_t bad = sc.bad_utf8;
			if (bad != SIZE_MAX)
				return rk_fail(err, RK_INVALID,
					       "invalid UTF-8 at offset %zu (byte 0x%02X); MSH-18 '%.*s' "
					       "is read as UTF-8 (only ISO IR87 / ISO 2022-1994 is decoded)",
					       bad, (unsigned char)text.ptr[bad],
					       (int)(msh18.len > 40 ? 40 : msh18.len), msh18.ptr);
			m.charset = HL7_UTF8;
		}
	}

	st = split_segments(text, &sc, m.seps.field, a, &m.segs, &m.nseg, err);
	if (st != RK_OK)
		return st;
	m.text = text;
	const struct hl7_segment *msh = &m.segs[0];
	m.msg_type = hl7_get(&m, msh, 9, 0, 1, 0);
	m.event = hl7_get(&m, msh, 9, 0, 2, 0);
	m.structure = hl7_get(&m, msh, 9, 0, 3, 0);
	m.control_id = hl7_get(&m, msh, 10, 0, 0, 0);
	m.sending_app = hl7_get(&m, msh, 3, 0, 1, 0);
	m.sending_facility = hl7_get(&m, msh, 4, 0, 1, 0);
	m.timestamp = hl7_get(&m, msh, 7, 0, 1, 0);
	m.version = hl7_get(&m, msh, 12, 0, 1, 0);
	*out = m;
	return RK_OK;
}

/* ---- access ---- */

static bool name_is(const struct hl7_segment *s, const char *name)
{
	return s->name.len == 3 && name[0] == s->name.ptr[0] && name[1] == s->name.ptr[1] &&
	       name[2] == s->name.ptr[2] && name[3] == '\0';
}

const struct hl7_segment *hl7_seg(const struct hl7_msg *m, const char *name, size_t i)
{
	if (!m || !name)
		return NULL;
	for (size_t k = 0; k < m->nseg; k++)
		if (name_is(&m->segs[k], name) && i-- == 0)
			return &m->segs[k];
	return NULL;
}

size_t hl7_seg_count(const struct hl7_msg *m, const char *name)
{
	size_t n = 0;
	if (!m || !name)
		return 0;
	for (size_t k = 0; k < m->nseg; k++)
		n += name_is(&m->segs[k], name);
	return n;
}

/* Piece i (0-based) of s split at sep; empty when absent. Pieces are short:
 * a plain loop beats memchr calls here. */
static struct str piece(struct str s, char sep, int i)
{
	if (s.len == 0)
		return str_empty();
	const char *p = s.ptr, *end = s.ptr + s.len;
	for (; i > 0; i--) {
		while (p < end && *p != sep)
			p++;
		if (p == end)
			return str_empty();
		p++;
	}
	const char *q = p;
	while (q < end && *q != sep)
		q++;
	return (struct str){p, (size_t)(q - p)};
}

/* Piece i (0-based) of s split at sep, where s ends at its first `stop`. */
static struct str piece_before(struct str s, char sep, char stop, int i)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	if (s.len == 0)
		return str_empty();
	for (; i > 0; i--) {
		while (p < end && *p != sep && *p != stop)
			p++;
		if (p == end || *p == stop)
			return str_empty();
		p++;
	}
	const char *q = p;
	while (q < end && *q != sep && *q != stop)
		q++;
	return (struct str){p, (size_t)(q - p)};
}

/* Piece i of the segment split at the field separator, from the index. */
static struct str seg_piece(const struct hl7_msg *m, const struct hl7_segment *s, int i)
{
	if (!s->fsep)
		return piece(s->text, m->seps.field, i);
	if ((size_t)i > s->nfsep)
		return str_empty();
	size_t start = i == 0 ? 0 : s->fsep[i - 1] + 1;
	size_t end = (size_t)i < s->nfsep ? s->fsep[i] : s->text.len;
	return (struct str){s->text.ptr + start, end - start};
}

/* The whole field (all repetitions); for MSH-1 and MSH-2 the literal text. */
static struct str field_of(const struct hl7_msg *m, const struct hl7_segment *s, int field, bool *literal)
{
	*literal = false;
	if (name_is(s, "MSH")) {
		if (field == 1) {
			*literal = true;
			return s->text.len > 3 ? (struct str){s->text.ptr + 3, 1} : str_empty();
		}
		*literal = field == 2;
		return seg_piece(m, s, field - 1);
	}
	return seg_piece(m, s, field);
}

struct str hl7_get(const struct hl7_msg *m, const struct hl7_segment *s, int field, int rep, int comp, int sub)
{
	if (!m || !s || field < 1 || rep < 0 || comp < 0 || sub < 0)
		return str_empty();
	bool literal;
	struct str f = field_of(m, s, field, &literal);
	if (literal)
		return rep == 0 && comp <= 1 && sub <= 1 ? f : str_empty();
	struct str c;
	if (rep == 0 && comp > 0) {
		/* the first repetition ends at the first repetition separator: find the
		 * component and that end in one scan (the common case, PID-5.1) */
		c = piece_before(f, m->seps.comp, m->seps.rep, comp - 1);
	} else {
		struct str r = piece(f, m->seps.rep, rep);
		if (comp == 0)
			return sub <= 1 ? r : str_empty();
		c = piece(r, m->seps.comp, comp - 1);
	}
	if (sub == 0)
		return c;
	return piece(c, m->seps.sub, sub - 1);
}

int hl7_reps(const struct hl7_msg *m, const struct hl7_segment *s, int field)
{
	if (!m || !s || field < 1)
		return 0;
	bool literal;
	struct str f = field_of(m, s, field, &literal);
	if (f.len == 0)
		return 0;
	if (literal)
		return 1;
	int n = 1;
	for (size_t i = 0; i < f.len; i++)
		n += f.ptr[i] == m->seps.rep;
	return n;
}

/* ---- escapes ---- */

static const struct hl7_seps default_seps = {'|', '^', '~', '\\', '&'};

static bool all_hex(struct str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (str_hexval(s.ptr[i]) < 0)
			return false;
	return true;
}

enum rk_status hl7_unescape(const struct hl7_msg *m, struct str raw, struct arena *a, struct str *out,
			    struct rk_err *err)
{
	const struct hl7_seps *sp = m ? &m->seps : &default_seps;
	char e = sp->esc;
	if (raw.len == 0 || !memchr(raw.ptr, e, raw.len)) {
		*out = raw;
		return RK_OK;
	}
	char *o = arena_alloc(a, raw.len + 1); /* every escape is longer than what it stands for */
	if (!o)
		return rk_fail(err, RK_TOO_LARGE, "no memory left in the request arena to unescape an HL7 field");
	size_t n = 0;
	bool hex = false;
	const char *p = raw.ptr, *end = raw.ptr + raw.len;
	while (p < end) {
		const char *q = memchr(p, e, (size_t)(end - p));
		if (!q) {
			memcpy(o + n, p, (size_t)(end - p));
			n += (size_t)(end - p);
			break;
		}
		memcpy(o + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		const char *c = memchr(q + 1, e, (size_t)(end - q - 1));
		if (!c)
			return rk_fail(err, RK_INVALID, "unterminated HL7 escape sequence at offset %zu",
				       (size_t)(q - raw.ptr));
		struct str body = {q + 1, (size_t)(c - q - 1)};
		p = c + 1;
		if (body.len == 0)
			return rk_fail(err, RK_INVALID, "empty HL7 escape sequence at offset %zu",
				       (size_t)(q - raw.ptr));
		char k = body.ptr[0];
		struct str arg = {body.ptr + 1, body.len - 1};
		if (body.len == 1 && (k == 'F' || k == 'S' || k == 'T' || k == 'R' || k == 'E')) {
			o[n++] = k == 'F'   ? sp->field
				 : k == 'S' ? sp->comp
				 : k == 'T' ? sp->sub
				 : k == 'R' ? sp->rep
					    : e;
		} else if (k == 'X' && arg.len >= 2 && arg.len % 2 == 0 && all_hex(arg)) {
			for (size_t i = 0; i < arg.len; i += 2)
				o[n++] = (char)(str_hexval(arg.ptr[i]) << 4 | str_hexval(arg.ptr[i + 1]));
			hex = true;
		} else if (k == '.' && str_eq_c(arg, "br")) {
			o[n++] = '\n';
		} else if ((k == '.' && arg.len >= 2 && arg.ptr[0] >= 'a' && arg.ptr[0] <= 'z') ||
			   ((k == 'H' || k == 'N') && arg.len == 0) || (k == 'C' && arg.len == 4 && all_hex(arg)) ||
			   (k == 'M' && (arg.len == 4 || arg.len == 6) && all_hex(arg)) || k == 'Z') {
			/* formatting, highlighting, character-set switches and local escapes: dropped */
		} else {
			return rk_fail(err, RK_INVALID, "unknown HL7 escape sequence at offset %zu",
				       (size_t)(q - raw.ptr));
		}
	}
	o[n] = '\0';
	if (hex && utf8_bad_offset((const unsigned char *)o, n) != SIZE_MAX)
		return rk_fail(err, RK_INVALID, "HL7 \\X..\\ escape does not form UTF-8 text");
	*out = (struct str){o, n};
	return RK_OK;
}

struct str hl7_text(const struct hl7_msg *m, const struct hl7_segment *s, int field, int rep, int comp, int sub,
		    struct arena *a)
{
	struct str raw = hl7_get(m, s, field, rep, comp, sub), u;
	if (!a || hl7_unescape(m, raw, a, &u, NULL) != RK_OK)
		return raw;
	return u;
}

enum rk_status hl7_escape(const struct hl7_seps *seps, struct str text, struct buf *out, struct rk_err *err)
{
	const struct hl7_seps *sp = seps ? seps : &default_seps;
	const unsigned char *p = (const unsigned char *)text.ptr;
	size_t run = 0;
	for (size_t i = 0; i < text.len; i++) {
		unsigned char c = p[i];
		char code = 0;
		if (c == (unsigned char)sp->field)
			code = 'F';
		else if (c == (unsigned char)sp->comp)
			code = 'S';
		else if (c == (unsigned char)sp->sub)
			code = 'T';
		else if (c == (unsigned char)sp->rep)
			code = 'R';
		else if (c == (unsigned char)sp->esc)
			code = 'E';
		else if (c >= 0x20 || c == '\t')
			continue;
		buf_append(out, text.ptr + run, i - run);
		run = i + 1;
		char e = sp->esc;
		if (code) {
			char t[3] = {e, code, e};
			buf_append(out, t, 3);
		} else if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < text.len && p[i + 1] == '\n')
				run = ++i + 1; /* CRLF is one line break */
			char t[5] = {e, '.', 'b', 'r', e};
			buf_append(out, t, 5);
		} else {
			static const char hexd[] = "0123456789ABCDEF";
			char t[5] = {e, 'X', hexd[c >> 4], hexd[c & 15], e};
			buf_append(out, t, 5);
		}
	}
	buf_append(out, text.ptr + run, text.len - run);
	if (out->overflow)
		return rk_fail(err, RK_TOO_LARGE, "HL7 text does not fit in the output buffer");
	return RK_OK;
}

/* ---- ACK ---- */

static bool is_ascii(struct str s)
{
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.ptr[i] >= 0x80)
			return false;
	return true;
}

enum rk_status hl7_ack(const struct hl7_msg *m, enum hl7_ack_code code, const char *reason, const char *control_id,
		       const char *now, struct buf *out, struct rk_err *err)
{
	const struct hl7_seps *sp = m ? &m->seps : &default_seps;
	const struct hl7_segment *msh = m && m->nseg > 0 ? &m->segs[0] : NULL;
	const char *codes[] = {"AA", "AE", "AR"};
	const char *c = (unsigned)code <= HL7_AR ? codes[code] : "AE";
	struct str why = str_c(reason), cid = str_c(control_id), ts = str_c(now);
	/* the ACK stays UTF-8 whatever the caller passes: text is cut at a broken byte */
	struct str *texts[3] = {&why, &cid, &ts};
	for (int i = 0; i < 3; i++) {
		size_t bad = utf8_bad_offset((const unsigned char *)texts[i]->ptr, texts[i]->len);
		if (bad != SIZE_MAX)
			texts[i]->len = bad;
	}
	bool utf8 = (m && m->charset != HL7_ASCII) || !is_ascii(why) || !is_ascii(cid);
	char f = sp->field;
	char fs[2] = {f, 0};

	/* MSH: the receiver of m sends the ACK to m's sender. */
	buf_puts(out, "MSH");
	buf_putc(out, f);
	char enc[4] = {sp->comp, sp->rep, sp->esc, sp->sub};
	buf_append(out, enc, 4);
	for (int i = 0; i < 4; i++) { /* MSH-3..6 = m's MSH-5, 6, 3, 4 */
		static const int from[4] = {5, 6, 3, 4};
		buf_putc(out, f);
		if (msh)
			buf_put_str(out, hl7_get(m, msh, from[i], 0, 0, 0));
	}
	buf_putc(out, f);
	hl7_escape(sp, ts, out, NULL);
	buf_puts(out, fs);
	buf_putc(out, f); /* MSH-9 */
	buf_puts(out, "ACK");
	buf_putc(out, sp->comp);
	if (m)
		buf_put_str(out, m->event);
	buf_putc(out, sp->comp);
	buf_puts(out, "ACK");
	buf_putc(out, f);
	hl7_escape(sp, cid, out, NULL);
	buf_putc(out, f); /* MSH-11: m's processing id, else production */
	struct str pid = msh ? hl7_get(m, msh, 11, 0, 1, 0) : str_empty();
	if (pid.len == 0 || pid.len > 3)
		pid = STR_LIT("P");
	buf_put_str(out, pid);
	buf_putc(out, f);
	struct str ver = m ? m->version : str_empty();
	if (ver.len == 0 || ver.len > 8 || !is_ascii(ver))
		ver = STR_LIT("2.5");
	buf_put_str(out, ver);
	if (utf8) {
		for (int i = 13; i <= 18; i++)
			buf_putc(out, f);
		buf_puts(out, "UNICODE UTF-8");
	}
	buf_putc(out, '\r');

	/* MSA: the code and m's control id; MSA-3 (text) for receivers that still read it. */
	buf_puts(out, "MSA");
	buf_putc(out, f);
	buf_puts(out, c);
	buf_putc(out, f);
	if (m)
		buf_put_str(out, m->control_id);
	if (code != HL7_AA && why.len > 0) {
		buf_putc(out, f);
		hl7_escape(sp, why, out, NULL);
	}
	buf_putc(out, '\r');

	if (code != HL7_AA) {
		/* ERR-3 HL7 error code (table 0357), ERR-4 severity, ERR-8 user message. */
		buf_puts(out, "ERR");
		buf_putc(out, f);
		buf_putc(out, f);
		buf_putc(out, f);
		buf_puts(out, code == HL7_AR ? "200" : "207");
		buf_putc(out, sp->comp);
		buf_puts(out, code == HL7_AR ? "Unsupported message type" : "Application internal error");
		buf_putc(out, sp->comp);
		buf_puts(out, "HL70357");
		buf_putc(out, f);
		buf_putc(out, 'E');
		for (int i = 5; i <= 8; i++)
			buf_putc(out, f);
		hl7_escape(sp, why, out, NULL);
		buf_putc(out, '\r');
	}
	if (out->overflow)
		return rk_fail(err, RK_TOO_LARGE, "HL7 ACK does not fit in the output buffer");
	return RK_OK;
}

/* ---- UTF-8 → ISO-2022-JP ---- */

enum rk_status hl7_to_iso2022jp(struct str utf8, struct buf *out, struct rk_err *err)
{
	enum rk_status st = RK_OK;
	const unsigned char *p = (const unsigned char *)utf8.ptr;
	size_t bad = utf8_bad_offset(p, utf8.len);
	if (bad != SIZE_MAX)
		return rk_fail(err, RK_INVALID, "text for ISO-2022-JP is not UTF-8 (offset %zu)", bad);
	iconv_t cd = iconv_open(EUC_CHARSET, "UTF-8");
	if (cd == (iconv_t)-1)
		return rk_fail(err, RK_INTERNAL, "iconv cannot convert UTF-8 to %s", EUC_CHARSET);
	bool kanji = false;
	size_t i = 0;
	while (i < utf8.len) {
		if (p[i] < 0x80) {
			size_t j = i;
			while (j < utf8.len && p[j] < 0x80)
				j++;
			if (kanji)
				buf_append(out, "\x1B(B", 3);
			kanji = false;
			buf_append(out, p + i, j - i);
			i = j;
			continue;
		}
		size_t next = i;
		uint32_t cp = str_utf8_next(utf8, &next);
		size_t n = next - i;
		unsigned char e[8];
		char *ip = (char *)(p + i), *op = (char *)e;
		size_t il = n, ol = sizeof e;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		size_t got = sizeof e - ol;
		/* JIS X 0208 (and NEC row 13) only: no half-width kana (0x8E), no JIS X
		 * 0212 (0x8F), no user-defined rows 85-94, no ¥ or ‾ mapped onto ASCII. */
		if (r == (size_t)-1 || got != 2 || e[0] < 0xA1 || e[0] > 0xF4 || e[1] < 0xA1 || e[1] > 0xFE) {
			st = rk_fail(err, RK_INVALID, "U+%04X at offset %zu has no JIS X 0208 form (ISO-2022-JP)",
				     (unsigned)cp, i);
			goto out_cd;
		}
		if (!kanji)
			buf_append(out, "\x1B$B", 3);
		kanji = true;
		char pair[2] = {(char)(e[0] & 0x7F), (char)(e[1] & 0x7F)};
		buf_append(out, pair, 2);
		i += n;
	}
	if (kanji)
		buf_append(out, "\x1B(B", 3);
	if (out->overflow)
		st = rk_fail(err, RK_TOO_LARGE, "ISO-2022-JP text does not fit in the output buffer");
out_cd:
	iconv_close(cd);
	return st;
}
