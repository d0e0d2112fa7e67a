/* str.h — string slices: a pointer and a length into someone else's bytes.
 * Parsers return slices into their input instead of copies. A slice is not
 * NUL-terminated unless documented. Pure functions; thread-safe. */
#ifndef RENKEI_CORE_STR_H
#define RENKEI_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct str {
	const char *ptr;
	size_t len;
};

/* A decoded key=value pair (query parameters, headers). */
struct str_pair {
	struct str key;
	struct str value;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})
#define STR_NULL   ((struct str){NULL, 0})
#define STR_FMT(s) (int)(s).len, (s).ptr /* for printf("%.*s") */

/* Slice of a C string (NULL gives the empty slice). */
struct str str_c(const char *s);
bool str_eq(struct str a, struct str b);
bool str_eq_c(struct str a, const char *b);
/* ASCII case-insensitive equality. */
bool str_eq_nocase(struct str a, const char *b);
bool str_starts_with(struct str s, const char *prefix);
bool str_ends_with(struct str s, const char *suffix);
/* Split at the first sep: before/after get the parts (sep excluded). Returns
 * false (and before = s, after = empty) when sep is absent. */
bool str_cut(struct str s, char sep, struct str *before, struct str *after);
/* Next field of s separated by sep: returns false when s is exhausted. */
bool str_next(struct str *s, char sep, struct str *field);
/* Without leading and trailing ASCII whitespace. */
struct str str_trim(struct str s);
/* True when needle occurs in s. */
bool str_contains(struct str s, const char *needle);
/* Index of c in s, or -1. */
long str_index(struct str s, char c);
/* Decimal integer in [min, max] with optional leading '-'; no spaces, no '+'.
 * Returns false on anything else (out is untouched). */
bool str_to_i64(struct str s, int64_t min, int64_t max, int64_t *out);
/* Value of a hexadecimal digit, or -1. */
int str_hexval(char c);
/* Whole slice is digits 0-9 (and not empty). */
bool str_is_digits(struct str s);
/* Valid UTF-8 without NUL bytes and without overlongs or surrogates. */
bool str_is_utf8(struct str s);
/* Length of the longest prefix of s that is valid UTF-8 without NUL bytes
 * (s.len when all of it is). */
size_t str_utf8_prefix(struct str s);
/* Decode the code point at *i of s, which is valid UTF-8 (str_is_utf8),
 * and advance *i past it. The one decoder of the tree. */
uint32_t str_utf8_next(struct str s, size_t *i);
/* A 64-bit FNV-1a-style hash of the bytes, for hash tables and stable seeds,
 * never for security (that is libsodium's); the one such hash of the tree.
 * Its offset basis is 1469598103934665603, one digit short of FNV's
 * published one: the demo region's generated people are seeded from it, so
 * it stays (a change would change every demo region). */
uint64_t str_hash(struct str s);
/* Copy into a fixed buffer, always NUL-terminated; returns false if truncated. */
bool str_copy(char *dst, size_t cap, struct str s);

#endif
