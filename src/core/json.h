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

/* Parse a request body (or a stored one): UTF-8, one JSON value, no
 * duplicate keys, no NUL characters. Returns a new reference, or NULL with err
 * set (RK_INVALID: "malformed JSON at line 3, column 14: ...").
 *
 * Numbers keep their lexical form. A number with a fraction or an exponent, or
 * an integer beyond a 64-bit integer, becomes a
 * *decimal*: FHIR gives trailing zeros meaning (7.0 % is not 7 %, 1.00 is not
 * 1.0), and jansson's reals cannot hold them. A decimal is a jansson string
 * whose first character is U+FDD0 (a Unicode noncharacter) followed by the
 * number's text exactly as written; rk_json_dump writes it back as that
 * number. A string in the input that begins with U+FDD0 is refused, so a
 * decimal can only come from a number. Whole numbers that fit stay integers. */
json_t *rk_json_parse(struct str text, struct rk_err *err);

/* Decimals (see rk_json_parse). */
#define RK_JSON_DECIMAL_MARK     "\xEF\xB7\x90" /* U+FDD0 in UTF-8 */
#define RK_JSON_DECIMAL_MARK_LEN 3
#define RK_JSON_MAX_DECIMAL_LEN  64 /* a number's text: FHIR's 18 digits, a sign, a point, an exponent */
/* True when s is a JSON number's text (RFC 8259 grammar), at most RK_JSON_MAX_DECIMAL_LEN bytes. */
bool rk_json_number_text(struct str s);
/* A new decimal from a number's text; NULL when the text is not a JSON number. */
json_t *rk_json_decimal(struct str text);
bool rk_json_is_decimal(const json_t *v);
/* The text of a decimal or of an integer (integers: written into buf of at
 * least 24 bytes); an empty slice for anything else. */
struct str rk_json_number_lexeme(const json_t *v, char buf[24]);
/* Any number (integer, real or decimal) as a double; false for anything else
 * or for a decimal out of a double's range. */
bool rk_json_number_value(const json_t *v, double *out);
/* Significant digits of a number's text ("0.0070" has 2, "100" has 3). */
int rk_json_significant_digits(struct str text);

/* Deepest nesting of arrays/objects in v (stops counting at limit + 1). */
int rk_json_depth(const json_t *v, int limit);

/* Member as a slice of the string value; false when absent, not a string, or a decimal. */
bool rk_json_str(const json_t *obj, const char *key, struct str *out);
/* Slice of a string value (not a copy: valid while v lives). */
struct str rk_json_strv(const json_t *v);

/* Compact serialisation used for storage and responses (key order kept,
 * reals with 15 significant digits so 0.1 stays 0.1). Appends to b. */
enum rk_status rk_json_dump(const json_t *v, struct buf *b);

#endif
