/* json.c — strict jansson parsing and compact dumping. */
#include "core/json.h"

#include <stdio.h>
#include <string.h>

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
	json_error_t je;
	json_t *v = json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		rk_fail(err, RK_INVALID, "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	return v;
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
	if (!json_is_string(v))
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
	case JSON_STRING: dump_string(json_string_value(v), json_string_length(v), b); break;
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
