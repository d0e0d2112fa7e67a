/* buf.h — a growable byte buffer with a hard ceiling (curl's dynbuf idea).
 * Appends past the ceiling fail with RK_TOO_LARGE and mark the buffer as
 * overflowed (sticky), so a long chain of appends can be checked once at the
 * end. Always NUL-terminated after the content. Heap memory, owned by the
 * buffer until buf_free or buf_steal. Not thread-safe. */
#ifndef RENKEI_CORE_BUF_H
#define RENKEI_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "core/str.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;    /* ceiling for len */
	bool overflow; /* an append was refused */
};

void buf_init(struct buf *b, size_t max);
enum rk_status buf_append(struct buf *b, const void *p, size_t n);
enum rk_status buf_putc(struct buf *b, char c);
enum rk_status buf_puts(struct buf *b, const char *s);
enum rk_status buf_put_str(struct buf *b, struct str s);
enum rk_status buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum rk_status buf_put_i64(struct buf *b, int64_t v);
/* Append s as a JSON string literal, quotes included, escaping as RFC 8259 asks. */
enum rk_status buf_put_json_str(struct buf *b, struct str s);
/* Append s percent-encoded for a URL query component (RFC 3986 unreserved kept). */
enum rk_status buf_put_urlenc(struct buf *b, struct str s);
/* The content, NUL-terminated ("" for an empty buffer). */
const char *buf_cstr(const struct buf *b);
struct str buf_str(const struct buf *b);
/* Forget the content, keep the memory. */
void buf_reset(struct buf *b);
/* Hand the malloc'd content to the caller (who frees it); the buffer is emptied. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
