/* json_patch.c — JSON Patch (RFC 6902), json_patch.h. */
#include "api/json_patch.h"

#include <string.h>

#include "core/json.h"
#include "core/str.h"

#define MAX_TOKEN 256

struct op {
	size_t index; /* 1-based, for messages */
	const char *name, *path;
	struct rk_err *err;
};

/* RFC 6902 "test": numbers are equal when their values are (1e3 and 1000;
 * a decimal keeps its text, core/json.h, so json_equal alone would say no);
 * arrays and objects compare member by member. */
static bool same_value(const json_t *a, const json_t *b)
{
	double x, y;
	bool an = rk_json_number_value(a, &x), bn = rk_json_number_value(b, &y);
	if (an || bn)
		return an && bn && x == y;
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!same_value(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a) && json_is_object(b)) {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v)
		{
			if (!same_value(v, json_object_get(b, k)))
				return false;
		}
		return true;
	}
	return json_equal(a, b);
}

static enum rk_status fail(const struct op *o, enum rk_status st, const char *what)
{
	return rk_fail_at(o->err, st, "patch", "operation %zu (%s %.120s): %s", o->index, o->name, o->path, what);
}

/* The next reference token of pointer *p (after its '/'), unescaped into tok;
 * false at the end. -1 in *bad for a malformed pointer. */
static bool next_token(const char **p, char tok[MAX_TOKEN], int *bad)
{
	if (!**p)
		return false;
	if (**p != '/') {
		*bad = 1;
		return false;
	}
	(*p)++;
	size_t n = 0;
	while (**p && **p != '/') {
		char c = **p;
		if (c == '~') {
			char e = (*p)[1];
			if (e != '0' && e != '1') {
				*bad = 1;
				return false;
			}
			c = e == '0' ? '~' : '/';
			(*p)++;
		}
		if (n + 1 >= MAX_TOKEN) {
			*bad = 1;
			return false;
		}
		tok[n++] = c;
		(*p)++;
	}
	tok[n] = '\0';
	return true;
}

/* An array index token: digits without a leading zero; -1 otherwise. */
static long long array_index(const char *tok)
{
	size_t n = strlen(tok);
	if (!n || n > 9 || (n > 1 && tok[0] == '0'))
		return -1;
	long long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
		v = v * 10 + (tok[i] - '0');
	}
	return v;
}

/* Resolve pointer to its parent container and last token. RK_OK, or an error
 * naming what is missing. The root itself ("") is refused. */
static enum rk_status resolve(const struct op *o, json_t *doc, const char *pointer, json_t **parent,
			      char last[MAX_TOKEN])
{
	if (!*pointer)
		return fail(o, RK_INVALID, "the whole resource cannot be patched at once; use PUT");
	const char *p = pointer;
	int bad = 0;
	json_t *cur = doc;
	char tok[MAX_TOKEN];
	if (!next_token(&p, tok, &bad))
		return fail(o, RK_INVALID, "not a JSON Pointer");
	while (*p) {
		json_t *next = NULL;
		if (json_is_object(cur)) {
			next = json_object_get(cur, tok);
		} else if (json_is_array(cur)) {
			long long i = array_index(tok);
			if (i >= 0)
				next = json_array_get(cur, (size_t)i);
		}
		if (!next)
			return fail(o, RK_INVALID, "the path does not exist");
		cur = next;
		if (!next_token(&p, tok, &bad))
			break;
	}
	if (bad)
		return fail(o, RK_INVALID, "not a JSON Pointer");
	if (!json_is_object(cur) && !json_is_array(cur))
		return fail(o, RK_INVALID, "the path does not exist");
	*parent = cur;
	memcpy(last, tok, MAX_TOKEN);
	return RK_OK;
}

static json_t *get_at(json_t *parent, const char *tok)
{
	if (json_is_object(parent))
		return json_object_get(parent, tok);
	long long i = array_index(tok);
	return i >= 0 ? json_array_get(parent, (size_t)i) : NULL;
}

/* add: takes a reference to value. */
static enum rk_status add_at(const struct op *o, json_t *doc, const char *path, json_t *value)
{
	json_t *parent;
	char tok[MAX_TOKEN];
	enum rk_status st = resolve(o, doc, path, &parent, tok);
	if (st != RK_OK) {
		json_decref(value);
		return st;
	}
	if (json_is_object(parent)) {
		json_object_set_new(parent, tok, value);
		return RK_OK;
	}
	if (strcmp(tok, "-") == 0) {
		json_array_append_new(parent, value);
		return RK_OK;
	}
	long long i = array_index(tok);
	if (i < 0 || (size_t)i > json_array_size(parent)) {
		json_decref(value);
		return fail(o, RK_INVALID, "the array index is out of range");
	}
	json_array_insert_new(parent, (size_t)i, value);
	return RK_OK;
}

/* remove; *removed (when not NULL) gets a reference to what was there. */
static enum rk_status remove_at(const struct op *o, json_t *doc, const char *path, json_t **removed)
{
	json_t *parent;
	char tok[MAX_TOKEN];
	enum rk_status st = resolve(o, doc, path, &parent, tok);
	if (st != RK_OK)
		return st;
	json_t *v = get_at(parent, tok);
	if (!v)
		return fail(o, RK_INVALID, "the path does not exist");
	if (removed)
		*removed = json_incref(v);
	if (json_is_object(parent))
		json_object_del(parent, tok);
	else
		json_array_remove(parent, (size_t)array_index(tok));
	return RK_OK;
}

static json_t *value_at(json_t *doc, const char *pointer)
{
	if (!*pointer)
		return doc;
	const char *p = pointer;
	int bad = 0;
	char tok[MAX_TOKEN];
	json_t *cur = doc;
	while (cur && next_token(&p, tok, &bad))
		cur = (json_is_object(cur) || json_is_array(cur)) ? get_at(cur, tok) : NULL;
	return bad ? NULL : cur;
}

static enum rk_status apply_one(json_t *doc, const json_t *item, size_t index, struct rk_err *err)
{
	struct op o = {.index = index, .name = "?", .path = "", .err = err};
	if (!json_is_object(item))
		return fail(&o, RK_INVALID, "an operation is a JSON object with op and path");
	const char *name = json_string_value(json_object_get(item, "op"));
	const char *path = json_string_value(json_object_get(item, "path"));
	if (name)
		o.name = name;
	if (!name || !path)
		return fail(&o, RK_INVALID, "op and path are required strings");
	o.path = path;
	json_t *value = json_object_get(item, "value");
	const char *from = json_string_value(json_object_get(item, "from"));
	bool needs_value = !strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test");
	bool needs_from = !strcmp(name, "move") || !strcmp(name, "copy");
	if (needs_value && !value)
		return fail(&o, RK_INVALID, "value is required");
	if (needs_from && !from)
		return fail(&o, RK_INVALID, "from is required (a string)");
	if (!strcmp(name, "add"))
		return add_at(&o, doc, path, json_deep_copy(value));
	if (!strcmp(name, "remove"))
		return remove_at(&o, doc, path, NULL);
	if (!strcmp(name, "replace")) {
		enum rk_status st = remove_at(&o, doc, path, NULL);
		return st == RK_OK ? add_at(&o, doc, path, json_deep_copy(value)) : st;
	}
	if (!strcmp(name, "test")) {
		json_t *cur = value_at(doc, path);
		if (!cur)
			return fail(&o, RK_INVALID, "the path does not exist");
		return same_value(cur, value) ? RK_OK : fail(&o, RK_UNPROCESSABLE, "the test failed");
	}
	if (!strcmp(name, "copy") || !strcmp(name, "move")) {
		bool move = name[0] == 'm';
		size_t fl = strlen(from);
		if (move && strncmp(path, from, fl) == 0 && path[fl] == '/')
			return fail(&o, RK_INVALID, "a value cannot move into itself");
		json_t *v = NULL;
		if (move) {
			enum rk_status st = remove_at(&o, doc, from, &v);
			if (st != RK_OK)
				return st;
		} else {
			json_t *src = value_at(doc, from);
			if (!src || src == doc)
				return fail(&o, RK_INVALID, "from does not exist");
			v = json_deep_copy(src);
		}
		return add_at(&o, doc, path, v);
	}
	return fail(&o, RK_INVALID, "op must be add, remove, replace, move, copy or test");
}

enum rk_status json_patch_apply(json_t *doc, const json_t *patch, struct rk_err *err)
{
	if (!json_is_array(patch))
		return rk_fail_at(err, RK_INVALID, "patch", "a JSON Patch is a JSON array of operations");
	if (json_array_size(patch) > JSON_PATCH_MAX_OPS)
		return rk_fail_at(err, RK_INVALID, "patch", "a JSON Patch may have at most %d operations",
				  JSON_PATCH_MAX_OPS);
	size_t i;
	json_t *item;
	json_array_foreach(patch, i, item)
	{
		enum rk_status st = apply_one(doc, item, i + 1, err);
		if (st != RK_OK)
			return st;
	}
	return RK_OK;
}
