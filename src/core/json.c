/* json.c — strict jansson parsing and compact dumping. */
#include "core/json.h"

#include "core/limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the JSON number at p (RFC 8259: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?),
 * 0 when p does not start one. *plain: a whole number that fits an int64. */
static size_t number_len(const char *p, size_t n, bool *plain)
{
	size_t i = 0, digits = 0;
	*plain = true;
	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0') {
		i++;
		digits = 1;
	} else if (i < n && p[i] >= '1' && p[i] <= '9') {
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			digits++;
		}
	} else {
		return 0;
	}
	if (digits > 19 ||
	    (digits == 19 &&
	     memcmp(p + (p[0] == '-'), p[0] == '-' ? "9223372036854775808" : "9223372036854775807", 19) > 0))
		*plain = false; /* beyond a 64-bit integer */
	if (i < n && p[i] == '.') {
		size_t f = ++i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == f)
			return 0;
		*plain = false;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		size_t e = i;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i == e)
			return 0;
		*plain = false;
	}
	return i;
}

bool rk_json_number_text(struct str s)
{
	bool plain;
	return s.len > 0 && s.len <= RK_JSON_MAX_DECIMAL_LEN && number_len(s.ptr, s.len, &plain) == s.len;
}

static bool starts_with_mark(const char *p, size_t n)
{
	return n >= RK_JSON_DECIMAL_MARK_LEN && memcmp(p, RK_JSON_DECIMAL_MARK, RK_JSON_DECIMAL_MARK_LEN) == 0;
}

/* The escaped form of the mark: \ufdd0 in any case. */
static bool starts_with_escaped_mark(const char *p, size_t n)
{
	return n >= 6 && p[0] == '\\' && p[1] == 'u' && (p[2] == 'f' || p[2] == 'F') && (p[3] == 'd' || p[3] == 'D') &&
	       (p[4] == 'd' || p[4] == 'D') && p[5] == '0';
}

/* A decimal token at text[at..at+len) that a double can hold (FHIR's values
 * are compared and charted as doubles); else err names where it is. */
static bool decimal_in_range(struct str text, size_t at, size_t len, struct rk_err *err)
{
	int line = 1, col = 1;
	const char *why = NULL;
	char z[RK_JSON_MAX_DECIMAL_LEN + 1];
	if (len > RK_JSON_MAX_DECIMAL_LEN) {
		why = "is longer than 64 characters";
	} else {
		memcpy(z, text.ptr + at, len);
		z[len] = '\0';
		errno = 0;
		double d = strtod(z, NULL);
		if (!isfinite(d) || (errno == ERANGE && (d > 1 || d < -1)))
			why = "is beyond the range of a double";
		else if (errno == ERANGE && d == 0)
			why = "is too small to be told from zero";
	}
	if (!why)
		return true;
	for (size_t i = 0; i < at; i++) {
		if (text.ptr[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)text.ptr[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	rk_fail(err, RK_INVALID, "number '%.*s' at line %d, column %d %s", (int)(len > 24 ? 24 : len), text.ptr + at,
		line, col, why);
	return false;
}

/* Rewrite every decimal number of text into a marked string (see json.h).
 * Returns the rewritten text in *out (malloc'd; NULL when nothing needed
 * rewriting) or false with err set when a string begins with U+FDD0. Text
 * that is not well-formed JSON is left for jansson to report. */
static bool mark_decimals(struct str text, char **out, size_t *out_len, struct rk_err *err)
{
	*out = NULL;
	struct buf b;
	bool rewriting = false;
	size_t copied = 0; /* text before this offset is already in b */
	const char *p = text.ptr;
	size_t n = text.len;
	for (size_t i = 0; i < n;) {
		char c = p[i];
		if (c == '"') {
			size_t start = i + 1;
			if (starts_with_mark(p + start, n - start) || starts_with_escaped_mark(p + start, n - start)) {
				if (rewriting)
					buf_free(&b);
				rk_fail(err, RK_INVALID,
					"a JSON string begins with U+FDD0, a Unicode noncharacter that is not accepted");
				return false;
			}
			for (i = start; i < n && p[i] != '"'; i++)
				if (p[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			bool plain;
			size_t len = number_len(p + i, n - i, &plain);
			if (len == 0) {
				i++;
				continue;
			}
			if (!plain && !decimal_in_range(text, i, len, err)) {
				if (rewriting)
					buf_free(&b);
				return false;
			}
			if (!plain) {
				if (!rewriting) {
					buf_init(&b, RK_MAX_REQUEST_MEM);
					rewriting = true;
				}
				buf_append(&b, p + copied, i - copied);
				buf_putc(&b, '"');
				buf_append(&b, RK_JSON_DECIMAL_MARK, RK_JSON_DECIMAL_MARK_LEN);
				buf_append(&b, p + i, len);
				buf_putc(&b, '"');
				copied = i + len;
			}
			i += len;
			continue;
		}
		i++;
	}
	if (!rewriting)
		return true;
	buf_append(&b, p + copied, n - copied);
	if (b.overflow) {
		buf_free(&b);
		rk_fail(err, RK_TOO_LARGE, "request body is too large to parse");
		return false;
	}
	*out = buf_steal(&b, out_len);
	return true;
}

json_t *rk_json_parse(struct str text, struct rk_err *err)
{
	if (text.len == 0) {
		rk_fail(err, RK_INVALID, "request body is empty; a JSON resource was expected");
		return NULL;
	}
	if (!str_is_utf8(text)) {
		rk_fail(err, RK_INVALID, "request body is not valid UTF-8 (or contains a NUL byte)");
		return NULL;
	}
	char *marked = NULL;
	size_t marked_len = 0;
	if (!mark_decimals(text, &marked, &marked_len, err))
		return NULL;
	json_error_t je;
	json_t *v = marked ? json_loadb(marked, marked_len, JSON_REJECT_DUPLICATES, &je)
			   : json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &je);
	free(marked);
	if (!v && marked) /* positions in the rewritten text are off: report the original's */
		json_decref(json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &je));
	if (!v) {
		rk_fail(err, RK_INVALID, "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	return v;
}

json_t *rk_json_decimal(struct str text)
{
	if (!rk_json_number_text(text))
		return NULL;
	char tmp[RK_JSON_DECIMAL_MARK_LEN + RK_JSON_MAX_DECIMAL_LEN];
	memcpy(tmp, RK_JSON_DECIMAL_MARK, RK_JSON_DECIMAL_MARK_LEN);
	memcpy(tmp + RK_JSON_DECIMAL_MARK_LEN, text.ptr, text.len);
	return json_stringn(tmp, RK_JSON_DECIMAL_MARK_LEN + text.len);
}

/* The number text of a decimal, or an empty slice. */
static struct str decimal_text(const json_t *v)
{
	if (!json_is_string(v))
		return (struct str){0};
	const char *p = json_string_value(v);
	size_t n = json_string_length(v);
	if (!starts_with_mark(p, n))
		return (struct str){0};
	struct str t = {p + RK_JSON_DECIMAL_MARK_LEN, n - RK_JSON_DECIMAL_MARK_LEN};
	return rk_json_number_text(t) ? t : (struct str){0};
}

bool rk_json_is_decimal(const json_t *v)
{
	return decimal_text(v).len > 0;
}

struct str rk_json_number_lexeme(const json_t *v, char buf[24])
{
	if (json_is_integer(v)) {
		int n = snprintf(buf, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return (struct str){buf, (size_t)n};
	}
	return decimal_text(v);
}

bool rk_json_number_value(const json_t *v, double *out)
{
	if (json_is_integer(v) || json_is_real(v)) {
		*out = json_number_value(v);
		return true;
	}
	struct str t = decimal_text(v);
	if (!t.len)
		return false;
	char z[RK_JSON_MAX_DECIMAL_LEN + 1];
	memcpy(z, t.ptr, t.len);
	z[t.len] = '\0';
	errno = 0;
	double d = strtod(z, NULL);
	if (errno == ERANGE || !isfinite(d))
		return false;
	*out = d;
	return true;
}

int rk_json_significant_digits(struct str text)
{
	int digits = 0;
	bool leading = true;
	for (size_t i = 0; i < text.len; i++) {
		char c = text.ptr[i];
		if (c == 'e' || c == 'E')
			break;
		if (c < '0' || c > '9')
			continue;
		if (leading && c == '0')
			continue;
		leading = false;
		digits++;
	}
	return digits ? digits : 1;
}

int rk_json_depth(const json_t *v, int limit)
{
	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (limit <= 0)
		return 1; /* a container below the limit: counting stops here at limit + 1 */
	int deepest = 0;
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c)
		{
			int d = rk_json_depth(c, limit - 1);
			if (d > deepest)
				deepest = d;
			if (deepest >= limit)
				break;
		}
	} else {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
		{
			int d = rk_json_depth(c, limit - 1);
			if (d > deepest)
				deepest = d;
			if (deepest >= limit)
				break;
		}
	}
	return deepest + 1;
}

bool rk_json_str(const json_t *obj, const char *key, struct str *out)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v) || rk_json_is_decimal(v))
		return false;
	*out = rk_json_strv(v);
	return true;
}

struct str rk_json_strv(const json_t *v)
{
	return (struct str){json_string_value(v), json_string_length(v)};
}

/* The dump below writes what json_dump_callback(JSON_COMPACT |
 * JSON_REAL_PRECISION(15)) writes, byte for byte, without jansson's
 * per-container loop check (a "%p" snprintf and a hash table insert for every
 * object and array: measured, a sixth of the CPU of an SS-MIX2 import). A
 * json_t tree cannot hold a loop that reaches here: every tree dumped is built
 * by parsing or by copying. */
#define DUMP_MAX_DEPTH 2048 /* jansson's own parser limit; validated bodies are far shallower */

static void dump_string(const char *p, size_t n, struct buf *b)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_putc(b, '"');
	size_t run = 0; /* bytes copied as they are, pending */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		buf_append(b, p + i - run, run);
		run = 0;
		char esc[6] = {'\\', 0};
		size_t el = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			el = 6;
		}
		buf_append(b, esc, el);
	}
	buf_append(b, p + n - run, run);
	buf_putc(b, '"');
}

static int dump_cb(const char *p, size_t n, void *data)
{
	return buf_append(data, p, n) == RK_OK ? 0 : -1;
}

static enum rk_status dump_value(const json_t *v, struct buf *b, int depth)
{
	if (depth > DUMP_MAX_DEPTH)
		return RK_INTERNAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		buf_putc(b, '{');
		const char *key;
		json_t *val;
		bool first = true;
		json_object_foreach((json_t *)v, key, val)
		{
			if (!first)
				buf_putc(b, ',');
			first = false;
			dump_string(key, strlen(key), b);
			buf_putc(b, ':');
			enum rk_status rc = dump_value(val, b, depth + 1);
			if (rc != RK_OK)
				return rc;
		}
		buf_putc(b, '}');
		break;
	}
	case JSON_ARRAY: {
		buf_putc(b, '[');
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item)
		{
			if (i)
				buf_putc(b, ',');
			enum rk_status rc = dump_value(item, b, depth + 1);
			if (rc != RK_OK)
				return rc;
		}
		buf_putc(b, ']');
		break;
	}
	case JSON_STRING: {
		struct str t = decimal_text(v);
		if (t.len)
			buf_append(b, t.ptr, t.len); /* a decimal, as it was written */
		else
			dump_string(json_string_value(v), json_string_length(v), b);
		break;
	}
	case JSON_INTEGER: {
		char num[24];
		int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		buf_append(b, num, (size_t)n);
		break;
	}
	case JSON_REAL: /* rare: jansson's own formatting (precision, ".0", exponent) */
		if (json_dump_callback(v, dump_cb, b, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15)) != 0)
			return b->overflow ? RK_TOO_LARGE : RK_INTERNAL;
		break;
	case JSON_TRUE: buf_append(b, "true", 4); break;
	case JSON_FALSE: buf_append(b, "false", 5); break;
	case JSON_NULL: buf_append(b, "null", 4); break;
	}
	return b->overflow ? RK_TOO_LARGE : RK_OK;
}

enum rk_status rk_json_dump(const json_t *v, struct buf *b)
{
	if (!v || (!json_is_object(v) && !json_is_array(v)))
		return RK_INTERNAL; /* as jansson without JSON_ENCODE_ANY */
	return dump_value(v, b, 0);
}
