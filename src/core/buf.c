/* buf.c — bounded growable buffer. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->overflow = false;
}

static enum rk_status buf_reserve(struct buf *b, size_t extra)
{
	if (b->overflow || extra > b->max || b->len > b->max - extra) {
		b->overflow = true;
		return RK_TOO_LARGE;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return RK_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (!p)
		rk_oom();
	b->data = p;
	b->cap = cap;
	return RK_OK;
}

enum rk_status buf_append(struct buf *b, const void *p, size_t n)
{
	enum rk_status st = buf_reserve(b, n);
	if (st != RK_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return RK_OK;
}

enum rk_status buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

enum rk_status buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum rk_status buf_put_str(struct buf *b, struct str s)
{
	return buf_append(b, s.ptr, s.len);
}

enum rk_status buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RK_INTERNAL;
	if ((size_t)n < sizeof small)
		return buf_append(b, small, (size_t)n);
	enum rk_status st = buf_reserve(b, (size_t)n);
	if (st != RK_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return RK_OK;
}

enum rk_status buf_put_i64(struct buf *b, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	return buf_append(b, tmp, (size_t)n);
}

enum rk_status buf_put_json_str(struct buf *b, struct str s)
{
	static const char hex[] = "0123456789abcdef";
	enum rk_status st = buf_putc(b, '"');
	size_t run = 0; /* start of the pending run of bytes that need no escape */
	for (size_t i = 0; i < s.len && st == RK_OK; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		st = buf_append(b, s.ptr + run, i - run);
		run = i + 1;
		if (st != RK_OK)
			break;
		switch (c) {
		case '"': st = buf_append(b, "\\\"", 2); break;
		case '\\': st = buf_append(b, "\\\\", 2); break;
		case '\n': st = buf_append(b, "\\n", 2); break;
		case '\r': st = buf_append(b, "\\r", 2); break;
		case '\t': st = buf_append(b, "\\t", 2); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			st = buf_append(b, e, 6);
		}
		}
	}
	if (st == RK_OK && s.len > run)
		st = buf_append(b, s.ptr + run, s.len - run);
	if (st == RK_OK)
		st = buf_putc(b, '"');
	return st;
}

enum rk_status buf_put_urlenc(struct buf *b, struct str s)
{
	static const char hex[] = "0123456789ABCDEF";
	enum rk_status st = RK_OK;
	for (size_t i = 0; i < s.len && st == RK_OK; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			st = buf_putc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			st = buf_append(b, e, 3);
		}
	}
	return st;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}

struct str buf_str(const struct buf *b)
{
	return (struct str){buf_cstr(b), b->len};
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = false;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *p = b->data;
	if (!p) {
		p = malloc(1);
		if (!p)
			rk_oom();
		p[0] = '\0';
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	b->overflow = false;
	return p;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->overflow = false;
}
