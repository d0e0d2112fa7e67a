/* str.c — slice helpers. */
#include "core/str.h"

#include <string.h>

struct str str_c(const char *s)
{
	return s ? (struct str){s, strlen(s)} : (struct str){"", 0};
}

bool str_eq(struct str a, struct str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool str_eq_c(struct str a, const char *b)
{
	return str_eq(a, str_c(b));
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool str_eq_nocase(struct str a, const char *b)
{
	size_t n = strlen(b);
	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a.ptr[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

bool str_starts_with(struct str s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

bool str_ends_with(struct str s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

bool str_cut(struct str s, char sep, struct str *before, struct str *after)
{
	const char *p = s.len ? memchr(s.ptr, sep, s.len) : NULL;
	if (!p) {
		*before = s;
		*after = (struct str){s.ptr ? s.ptr + s.len : "", 0};
		return false;
	}
	*before = (struct str){s.ptr, (size_t)(p - s.ptr)};
	*after = (struct str){p + 1, s.len - (size_t)(p - s.ptr) - 1};
	return true;
}

bool str_next(struct str *s, char sep, struct str *field)
{
	if (!s->ptr)
		return false;
	struct str rest;
	if (str_cut(*s, sep, field, &rest)) {
		*s = rest;
	} else {
		*s = (struct str){NULL, 0};
	}
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

struct str str_trim(struct str s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

bool str_contains(struct str s, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (size_t i = 0; i + n <= s.len; i++)
		if (memcmp(s.ptr + i, needle, n) == 0)
			return true;
	return false;
}

long str_index(struct str s, char c)
{
	const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
	return p ? (long)(p - s.ptr) : -1;
}

bool str_to_i64(struct str s, int64_t min, int64_t max, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (s.len && s.ptr[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == s.len || s.len - i > 19)
		return false;
	uint64_t v = 0;
	for (; i < s.len; i++) {
		char c = s.ptr[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (uint64_t)(c - '0');
	}
	/* 19 digits fit in uint64_t; now range-check in signed space. */
	if (!neg && v > (uint64_t)INT64_MAX)
		return false;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return false;
	int64_t r = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	if (r < min || r > max)
		return false;
	*out = r;
	return true;
}

int str_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool str_is_digits(struct str s)
{
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
	return true;
}

size_t str_utf8_prefix(struct str s)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0, n = s.len;
	while (i < n) {
		unsigned c = p[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (n - i <= need)
			return i;
		for (size_t k = 1; k <= need; k++) {
			unsigned cc = p[i + k];
			if ((cc & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (cc & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return i;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return i;
		i += need + 1;
	}
	return n;
}

bool str_is_utf8(struct str s)
{
	return str_utf8_prefix(s) == s.len;
}

uint32_t str_utf8_next(struct str s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s.ptr + *i;
	uint32_t c = p[0];
	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c < 0xE0) {
		*i += 2;
		return ((c & 0x1F) << 6) | (p[1] & 0x3F);
	}
	if (c < 0xF0) {
		*i += 3;
		return ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	}
	*i += 4;
	return ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

uint64_t str_hash(struct str s)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 1099511628211ULL;
	return h;
}

bool str_copy(char *dst, size_t cap, struct str s)
{
	if (cap == 0)
		return false;
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = '\0';
	return n == s.len;
}
