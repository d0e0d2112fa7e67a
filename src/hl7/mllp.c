/* mllp.c — MLLP frame decoder and encoder (see mllp.h). A frame that arrives
 * whole in one read is handed to the callback as a slice of that read (no
 * copy); only frames split across reads are gathered in the decoder's buffer. */
#include "hl7/mllp.h"

#include <string.h>

#include "core/limits.h"

void mllp_init(struct mllp_decoder *d, size_t max_frame)
{
	if (max_frame == 0 || max_frame > RK_MAX_HL7_MESSAGE)
		max_frame = RK_MAX_HL7_MESSAGE;
	d->max_frame = max_frame;
	d->state = MLLP_OUTSIDE;
	d->offset = 0;
	buf_init(&d->frame, max_frame);
}

bool mllp_in_frame(const struct mllp_decoder *d)
{
	return d->state == MLLP_IN_FRAME || d->state == MLLP_GOT_FS;
}

void mllp_reset(struct mllp_decoder *d)
{
	d->state = MLLP_OUTSIDE;
	d->offset = 0;
	buf_reset(&d->frame);
}

void mllp_free(struct mllp_decoder *d)
{
	buf_free(&d->frame);
	d->state = MLLP_OUTSIDE;
}

static enum rk_status fail(struct mllp_decoder *d, struct rk_err *err, enum rk_status st, const char *what,
			   unsigned char c)
{
	d->state = MLLP_FAILED;
	buf_reset(&d->frame);
	if (st == RK_TOO_LARGE)
		return rk_fail(err, st, "MLLP frame longer than %zu bytes (stream offset %llu)", d->max_frame,
			       (unsigned long long)d->offset);
	return rk_fail(err, st, "%s: byte 0x%02X at stream offset %llu", what, c, (unsigned long long)d->offset);
}

/* Hand over the gathered frame plus tail [p, p+k). */
static enum rk_status deliver(struct mllp_decoder *d, const char *p, size_t k, mllp_frame_fn fn, void *arg,
			      struct rk_err *err)
{
	struct str frame = {p, k};
	if (d->frame.len > 0) {
		buf_append(&d->frame, p, k); /* fits: checked against max_frame before */
		frame = buf_str(&d->frame);
	}
	d->state = MLLP_OUTSIDE;
	enum rk_status st = fn ? fn(arg, frame, err) : RK_OK;
	buf_reset(&d->frame);
	return st;
}

enum rk_status mllp_feed(struct mllp_decoder *d, const char *p, size_t n, mllp_frame_fn fn, void *arg,
			 struct rk_err *err)
{
	if (d->state == MLLP_FAILED)
		return rk_fail(err, RK_INVALID, "MLLP stream already failed; the decoder must be reset");
	const char *end = p + n;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (d->state == MLLP_OUTSIDE) {
			if (c == MLLP_VT) {
				d->state = MLLP_IN_FRAME;
				buf_reset(&d->frame);
			} else if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
				return fail(d, err, RK_INVALID,
					    "data outside an MLLP frame (a frame starts with VT 0x0B)", c);
			}
			p++;
			d->offset++;
			continue;
		}
		if (d->state == MLLP_GOT_FS) {
			if (c != MLLP_CR)
				return fail(d, err, RK_INVALID, "MLLP end block FS 0x1C not followed by CR", c);
			p++;
			d->offset++;
			enum rk_status st = deliver(d, p, 0, fn, arg, err);
			if (st != RK_OK)
				return st;
			continue;
		}
		/* In a frame: the content runs to the next FS; a VT before it is an error. */
		const char *fs = memchr(p, MLLP_FS, (size_t)(end - p));
		const char *stop = fs ? fs : end;
		const char *vt = memchr(p, MLLP_VT, (size_t)(stop - p));
		if (vt)
			stop = vt;
		size_t k = (size_t)(stop - p);
		if (d->frame.len + k > d->max_frame) {
			d->offset += d->max_frame > d->frame.len ? d->max_frame - d->frame.len : 0;
			return fail(d, err, RK_TOO_LARGE, NULL, 0);
		}
		if (vt) {
			d->offset += k;
			return fail(d, err, RK_INVALID,
				    "VT 0x0B inside an MLLP frame (a new frame before FS CR ended "
				    "the last one)",
				    MLLP_VT);
		}
		if (!fs) {
			buf_append(&d->frame, p, k);
			d->offset += k;
			p = end;
			continue;
		}
		d->offset += k + 1;
		if (fs + 1 == end) { /* the CR comes in the next read */
			buf_append(&d->frame, p, k);
			d->state = MLLP_GOT_FS;
			p = end;
			continue;
		}
		if ((unsigned char)fs[1] != MLLP_CR)
			return fail(d, err, RK_INVALID, "MLLP end block FS 0x1C not followed by CR",
				    (unsigned char)fs[1]);
		d->offset++;
		enum rk_status st = deliver(d, p, k, fn, arg, err);
		if (st != RK_OK)
			return st;
		p = fs + 2;
	}
	return RK_OK;
}

enum rk_status mllp_wrap(struct str msg, struct buf *out, struct rk_err *err)
{
	if (msg.len > 0 && (memchr(msg.ptr, MLLP_VT, msg.len) || memchr(msg.ptr, MLLP_FS, msg.len)))
		return rk_fail(err, RK_INVALID, "a message framed for MLLP may not contain VT 0x0B or FS 0x1C");
	buf_putc(out, MLLP_VT);
	buf_put_str(out, msg);
	buf_putc(out, MLLP_FS);
	buf_putc(out, MLLP_CR);
	if (out->overflow)
		return rk_fail(err, RK_TOO_LARGE, "MLLP frame does not fit in the output buffer");
	return RK_OK;
}
