/* fuzz_hl7.c — hl7_parse on the input, then every field, repetition,
 * component and sub-component read with hl7_get and hl7_text, and ACKs built.
 * Invariants: every slice lies inside the message text; unescaped text is
 * UTF-8; escape then unescape gives CR-free text back; each ACK parses back,
 * echoes MSH-10 in MSA-2 and can be MLLP-framed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "hl7/hl7.h"
#include "hl7/mllp.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_hl7: invariant broken: %s\n", what);
		abort();
	}
}

static int inside(const struct hl7_msg *m, struct str s)
{
	if (s.len == 0)
		return 1;
	return s.ptr >= m->text.ptr && s.ptr + s.len <= m->text.ptr + m->text.len;
}

static size_t count(struct str s, char c)
{
	size_t n = 0;
	for (size_t i = 0; i < s.len; i++)
		n += s.ptr[i] == c;
	return n;
}

static void roundtrip(const struct hl7_msg *m, struct str t, struct arena *a)
{
	if (memchr(t.ptr ? t.ptr : "", '\r', t.len))
		return;
	struct buf b;
	buf_init(&b, 1 << 20);
	check(hl7_escape(&m->seps, t, &b, NULL) == RK_OK, "escape");
	struct str u;
	check(hl7_unescape(m, buf_str(&b), a, &u, NULL) == RK_OK, "unescape of escaped text");
	check(str_eq(u, t), "escape/unescape round trip");
	buf_free(&b);
}

static void walk(const struct hl7_msg *m, struct arena *a)
{
	for (size_t i = 0; i < m->nseg; i++) {
		const struct hl7_segment *s = &m->segs[i];
		check(inside(m, s->text) && s->name.len == 3, "segment slice");
		int nf = (int)count(s->text, m->seps.field) + 1;
		if (nf > 200)
			nf = 200;
		for (int f = 1; f <= nf + 1; f++) {
			int nr = hl7_reps(m, s, f);
			check(nr >= 0, "reps");
			for (int r = 0; r <= (nr < 20 ? nr : 20); r++) {
				struct str rep = hl7_get(m, s, f, r, 0, 0);
				check(inside(m, rep), "repetition slice");
				int nc = (int)count(rep, m->seps.comp) + 1;
				for (int c = 1; c <= (nc < 30 ? nc : 30); c++) {
					struct str comp = hl7_get(m, s, f, r, c, 0);
					check(inside(m, comp), "component slice");
					int ns = (int)count(comp, m->seps.sub) + 1;
					for (int k = 1; k <= (ns < 10 ? ns : 10); k++)
						check(inside(m, hl7_get(m, s, f, r, c, k)), "sub-component slice");
					struct str t = hl7_text(m, s, f, r, c, 0, a);
					check(str_is_utf8(t), "text is UTF-8");
					roundtrip(m, t, a);
				}
			}
		}
	}
	check(hl7_seg(m, "MSH", 0) == &m->segs[0], "MSH first");
	check(hl7_seg_count(m, "MSH") >= 1, "MSH count");
}

static void ack(const struct hl7_msg *m, enum hl7_ack_code code, struct str reason)
{
	char why[256];
	size_t n = reason.len < sizeof why - 1 ? reason.len : sizeof why - 1;
	memcpy(why, reason.ptr ? reason.ptr : "", n);
	why[n] = '\0';
	struct buf b;
	buf_init(&b, 1 << 22);
	check(hl7_ack(m, code, why, "ACK1", "20240101000000", &b, NULL) == RK_OK, "ack built");
	struct arena a;
	arena_init(&a, 64u << 20);
	struct hl7_msg back;
	struct rk_err err;
	rk_err_clear(&err);
	if (hl7_parse(buf_str(&b), &a, &back, &err) != RK_OK) {
		fprintf(stderr, "ack: %s\n", err.msg);
		check(0, "ack parses back");
	}
	const struct hl7_segment *msa = hl7_seg(&back, "MSA", 0);
	check(msa != NULL, "MSA present");
	if (m)
		check(str_eq(hl7_get(&back, msa, 2, 0, 0, 0), m->control_id), "MSA-2 echoes MSH-10");
	check(str_eq_c(back.msg_type, "ACK"), "MSH-9 ACK");
	struct buf w;
	buf_init(&w, 1 << 23);
	check(mllp_wrap(buf_str(&b), &w, NULL) == RK_OK, "ack can be framed");
	buf_free(&w);
	arena_free(&a);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a, 64u << 20);
	struct hl7_msg m;
	struct rk_err err;
	rk_err_clear(&err);
	struct str in = {(const char *)data, size};
	if (hl7_parse(in, &a, &m, &err) == RK_OK) {
		check(m.nseg >= 1 && str_eq_c(m.segs[0].name, "MSH"), "first segment is MSH");
		check(str_is_utf8(m.text), "text is UTF-8");
		walk(&m, &a);
		ack(&m, HL7_AA, STR_NULL);
		ack(&m, HL7_AE, m.text.len > 40 ? (struct str){m.text.ptr + 20, 20} : m.text);
	} else {
		check(err.msg[0] != '\0', "failure has a message");
		ack(NULL, HL7_AR, STR_LIT("could not parse"));
	}
	/* the encoder on arbitrary text: it refuses, or gives 7-bit output that
	 * decodes to text which encodes to the same bytes (〜 and ～ share a code) */
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "MSH|^~\\&|A||||||ADT^A08|1|P|2.5||||||~ISO IR87\rNTE|1||");
	size_t head = b.len;
	struct str t = {size ? (const char *)data : "", size > 4096 ? 4096 : size};
	bool plain = true;
	for (size_t i = 0; i < t.len; i++)
		if (t.ptr[i] == '\r' || t.ptr[i] == '\n' || t.ptr[i] == 0x0B || t.ptr[i] == 0x1C || t.ptr[i] == 0x1B)
			plain = false;
	if (plain && hl7_to_iso2022jp(t, &b, NULL) == RK_OK) {
		for (size_t i = head; i < b.len; i++)
			check((unsigned char)b.data[i] < 0x80, "ISO-2022-JP is 7-bit");
		arena_reset(&a);
		rk_err_clear(&err);
		if (hl7_parse(buf_str(&b), &a, &m, &err) != RK_OK) {
			fprintf(stderr, "encoded text: %s\n", err.msg);
			check(0, "encoded text parses");
		}
		check(m.nseg == 2, "two segments");
		struct str dec = {m.segs[1].text.ptr + 7, m.segs[1].text.len - 7};
		struct buf again;
		buf_init(&again, 1 << 20);
		check(hl7_to_iso2022jp(dec, &again, NULL) == RK_OK, "decoded text encodes");
		check(again.len == b.len - head && !memcmp(again.data, b.data + head, again.len),
		      "encode(decode(encode(t))) == encode(t)");
		buf_free(&again);
	}
	buf_free(&b);
	arena_free(&a);
	return 0;
}
