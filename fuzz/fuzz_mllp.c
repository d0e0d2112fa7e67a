/* fuzz_mllp.c — the MLLP decoder fed the input whole and in chunk sizes
 * derived from the input's first bytes. Invariant: the frames delivered and
 * the final status do not depend on how the stream was cut; frames respect
 * the bound and hold no VT or FS; wrapping a frame and decoding it gives it back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "hl7/mllp.h"

#define MAX_FRAME 4096

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_mllp: invariant broken: %s\n", what);
		abort();
	}
}

/* Frames as length-prefixed records. */
static enum rk_status collect(void *arg, struct str frame, struct rk_err *err)
{
	(void)err;
	struct buf *b = arg;
	check(frame.len <= MAX_FRAME, "frame within bound");
	check(!frame.len || (!memchr(frame.ptr, 0x0B, frame.len) && !memchr(frame.ptr, 0x1C, frame.len)),
	      "no framing bytes in a frame");
	uint32_t n = (uint32_t)frame.len;
	buf_append(b, &n, sizeof n);
	buf_append(b, frame.ptr, frame.len);
	return RK_OK;
}

static enum rk_status run(const uint8_t *data, size_t size, uint32_t seed, struct buf *frames, bool *in_frame)
{
	struct mllp_decoder d;
	mllp_init(&d, MAX_FRAME);
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = RK_OK;
	size_t off = 0;
	while (off < size && st == RK_OK) {
		size_t k = size - off;
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 64;
			if (k > size - off)
				k = size - off;
		}
		st = mllp_feed(&d, (const char *)data + off, k, collect, frames, &err);
		if (st != RK_OK)
			check(err.msg[0] != '\0', "failure has a message");
		off += k;
	}
	*in_frame = mllp_in_frame(&d);
	mllp_free(&d);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 1;
	for (size_t i = 0; i < size && i < 4; i++)
		seed = seed * 31 + data[i];
	seed |= 1;
	struct buf whole, chunked;
	buf_init(&whole, 1 << 24);
	buf_init(&chunked, 1 << 24);
	bool f1, f2;
	enum rk_status s1 = run(data, size, 0, &whole, &f1);
	enum rk_status s2 = run(data, size, seed, &chunked, &f2);
	check(s1 == s2, "same status whole and chunked");
	check(whole.len == chunked.len && (!whole.len || !memcmp(whole.data, chunked.data, whole.len)),
	      "same frames whole and chunked");
	if (s1 == RK_OK)
		check(f1 == f2, "same in-frame state");

	/* wrap each delivered frame again and decode it */
	size_t off = 0;
	while (off + 4 <= whole.len) {
		uint32_t n;
		memcpy(&n, whole.data + off, 4);
		struct str fr = {whole.data + off + 4, n};
		struct buf w, again;
		buf_init(&w, MAX_FRAME + 3);
		buf_init(&again, 1 << 20);
		check(mllp_wrap(fr, &w, NULL) == RK_OK, "wrap a frame");
		bool f;
		check(run((const uint8_t *)w.data, w.len, 0, &again, &f) == RK_OK && !f, "wrapped frame decodes");
		check(again.len == n + 4 && !memcmp(again.data + 4, fr.ptr, n), "wrapped frame comes back");
		buf_free(&w);
		buf_free(&again);
		off += 4 + n;
	}
	buf_free(&whole);
	buf_free(&chunked);
	return 0;
}
