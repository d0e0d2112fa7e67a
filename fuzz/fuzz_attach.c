/* fuzz_attach.c — a post's attachment (collab/attach.h) as any bytes under
 * each declared type: the first byte picks the type. A check either fails
 * with a message and allocates nothing, or gives bytes no longer than the
 * input that start as the type's signature, without a JPEG APP1/COM or PNG
 * text chunk left in an image, and a thumbnail only for images. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collab/attach.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_attach: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"image/jpeg", "image/png",       "application/pdf",
					    "video/mp4",  "video/quicktime", "image/gif"};
	if (!size)
		return 0;
	const char *type = types[data[0] % (sizeof types / sizeof types[0])];
	struct attach_result r;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = attach_check(type, data + 1, size - 1, &r, &err);
	if (rc != RK_OK) {
		check(err.msg[0] != '\0', "a refusal without a message");
		check(!r.data && !r.thumb, "a refusal that allocated");
		return 0;
	}
	check(r.data && r.len > 0, "accepted without bytes");
	bool image = strncmp(r.content_type, "image/", 6) == 0;
	check(image || !r.thumb, "a thumbnail of a document");
	if (strcmp(r.content_type, "image/png") == 0) {
		check(r.len <= size - 1, "the cleaned PNG grew");
		check(r.len >= 8 && memcmp(r.data, "\x89PNG", 4) == 0, "a PNG without its signature");
	}
	if (strcmp(r.content_type, "image/jpeg") == 0) {
		check(r.len >= 2 && r.data[0] == 0xFF && r.data[1] == 0xD8, "a JPEG without SOI");
		check(r.thumb && r.thumb_len > 2 && r.thumb[0] == 0xFF, "a JPEG thumbnail missing");
	}
	attach_result_free(&r);
	return 0;
}
