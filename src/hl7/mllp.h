/* mllp.h — MLLP framing (HL7 v2 over TCP): <VT 0x0B> message <FS 0x1C><CR 0x0D>.
 * A pure decoder, no sockets: feed it whatever read() returned (frames split
 * or merged across reads) and it calls back once per complete frame. Frames
 * are bounded (max_frame, at most RK_MAX_HL7_MESSAGE). One decoder per
 * connection; not thread-safe. */
#ifndef RENKEI_HL7_MLLP_H
#define RENKEI_HL7_MLLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define MLLP_VT 0x0B
#define MLLP_FS 0x1C
#define MLLP_CR 0x0D

enum mllp_state { MLLP_OUTSIDE, MLLP_IN_FRAME, MLLP_GOT_FS, MLLP_FAILED };

struct mllp_decoder {
	struct buf frame; /* the frame being gathered when it spans reads */
	size_t max_frame; /* bound on one frame's content */
	enum mllp_state state;
	uint64_t offset; /* bytes fed so far, for error messages */
};

/* Start a decoder; max_frame is capped at RK_MAX_HL7_MESSAGE (0 means that). */
void mllp_init(struct mllp_decoder *d, size_t max_frame);

/* Called with each complete frame's content (without VT, FS, CR). The slice
 * lives until the callback returns. A status other than RK_OK stops mllp_feed,
 * which returns it (bytes after that frame are not consumed). */
typedef enum rk_status (*mllp_frame_fn)(void *arg, struct str frame, struct rk_err *err);

/* Feed n bytes. Between frames only whitespace (CR, LF, space, tab) may
 * appear. Fails with RK_INVALID for another byte outside a frame, a VT inside
 * a frame, or an FS not followed by CR; RK_TOO_LARGE for a frame longer than
 * max_frame. After a failure the decoder refuses input until mllp_reset (the
 * listener should answer with an AR/AE if it can and close the connection). */
enum rk_status mllp_feed(struct mllp_decoder *d, const char *p, size_t n, mllp_frame_fn fn, void *arg,
			 struct rk_err *err);

/* True between a frame's VT and its FS CR: a listener times out a client that
 * leaves a frame unfinished. */
bool mllp_in_frame(const struct mllp_decoder *d);

/* Forget any partial frame and error; keep the memory. */
void mllp_reset(struct mllp_decoder *d);
void mllp_free(struct mllp_decoder *d);

/* Append VT msg FS CR to out. RK_INVALID when msg holds VT or FS,
 * RK_TOO_LARGE when out's bound is reached. */
enum rk_status mllp_wrap(struct str msg, struct buf *out, struct rk_err *err);

#endif
