/* json.h — jansson helpers: strict bounded parsing with a specific message,
 * typed member access, and canonical serialisation for storage.
 * Thread-safe (jansson values are not shared between threads). */
#ifndef RENKEI_CORE_JSON_H
#define RENKEI_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

/* Parse a request body: UTF-8, one JSON value, no duplicate keys, no NUL
 * characters, numbers that fit. Returns a new reference, or NULL with err set
 * (RK_INVALID: "malformed JSON at line 3, column 14: ..."). */
json_t *rk_json_parse(struct str text, struct rk_err *err);

/* Deepest nesting of arrays/objects in v (stops counting at limit + 1). */
int rk_json_depth(const json_t *v, int limit);

/* Member as a slice of the string value; false when absent or not a string. */
bool rk_json_str(const json_t *obj, const char *key, struct str *out);
/* Slice of a string value (not a copy: valid while v lives). */
struct str rk_json_strv(const json_t *v);

/* Compact serialisation used for storage and responses (key order kept,
 * reals with 15 significant digits so 0.1 stays 0.1). Appends to b. */
enum rk_status rk_json_dump(const json_t *v, struct buf *b);

#endif
