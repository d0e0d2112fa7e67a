/* attach.h — what a post of the care team's timeline may carry, checked and
 * cleaned before it is stored: photos (JPEG, PNG), PDFs and short videos
 * (MP4/QuickTime). The declared type must be what the bytes are; images lose
 * their metadata (EXIF with the place a photo was taken, XMP, IPTC, comments,
 * PNG text chunks) — all but a camera photo's Orientation, kept alone so that
 * it shows the right way up — and get a JPEG thumbnail drawn as it is seen; a video that records where it
 * was taken, or is longer than ATTACH_MAX_VIDEO_S, is refused; HEIC/HEIF/AVIF
 * is refused with a message that says how to send it instead. Pure (no I/O);
 * thread-safe. */
#ifndef RENKEI_COLLAB_ATTACH_H
#define RENKEI_COLLAB_ATTACH_H

#include <stddef.h>

#include "core/err.h"

#define ATTACH_MAX_IMAGE   (10u << 20) /* bytes of a photo as sent */
#define ATTACH_MAX_PDF     (10u << 20)
#define ATTACH_MAX_VIDEO   (20u << 20)         /* also bounded by http.max_body */
#define ATTACH_MAX_VIDEO_S 60                  /* seconds of a short video */
#define ATTACH_MAX_PIXELS  (50u * 1000 * 1000) /* decoding a larger image is refused (decompression bombs) */
#define ATTACH_THUMB_PX    320                 /* the thumbnail's longer side */

struct attach_result {
	const char *content_type; /* canonical: image/jpeg, image/png, application/pdf, video/mp4, video/quicktime */
	unsigned char *data;      /* the bytes to store (metadata removed); malloc'd */
	size_t len;
	unsigned char *thumb; /* JPEG thumbnail of an image; malloc'd; NULL for documents and videos */
	size_t thumb_len;
	int width, height; /* of an image as it is seen (after its Orientation); 0 otherwise */
};

/* Check bytes declared as content_type (parameters such as "; charset" are
 * ignored) and clean them into *out. RK_INVALID (or RK_TOO_LARGE,
 * RK_UNSUPPORTED_TYPE) with a message in Japanese and English that says what
 * is wrong; on failure nothing is allocated. */
enum rk_status attach_check(const char *content_type, const unsigned char *bytes, size_t n, struct attach_result *out,
			    struct rk_err *err);
void attach_result_free(struct attach_result *r);

#endif
