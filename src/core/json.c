/* json.c — strict jansson parsing and compact dumping. */
#include "core/json.h"

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
		rk_fail(err, RK_INVALID, "malformed JSON at line %d, column %d: %s", je.line, je.column,
			je.text);
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

static int dump_cb(const char *p, size_t n, void *data)
{
	return buf_append(data, p, n) == RK_OK ? 0 : -1;
}

enum rk_status rk_json_dump(const json_t *v, struct buf *b)
{
	if (json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_REAL_PRECISION(15)) != 0)
		return b->overflow ? RK_TOO_LARGE : RK_INTERNAL;
	return RK_OK;
}
