/* fuzz_textnorm.c — textnorm_search_key and textnorm_prefix_upper on the input.
 * Invariants: the key is valid UTF-8 and a fixed point (key(key(x)) == key(x)),
 * it holds no ASCII capitals and none of the spaces the header says are
 * removed; the prefix upper bound sorts above the key (memcmp order) and
 * starts with all but the key's last code point. Invalid UTF-8 is refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/textnorm.h"

#define FUZZ_BUF_MAX (1u << 20)

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_textnorm: invariant broken: %s\n", what);
		abort();
	}
}

static int cmp_bytes(struct str a, struct str b)
{
	size_t m = a.len < b.len ? a.len : b.len;
	int c = m ? memcmp(a.ptr, b.ptr, m) : 0;
	if (c)
		return c;
	return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* Start of the last code point of valid, non-empty UTF-8. */
static size_t last_cp_start(struct str s)
{
	size_t i = s.len - 1;
	while (i > 0 && ((unsigned char)s.ptr[i] & 0xC0) == 0x80)
		i--;
	return i;
}

static void check_upper(struct str prefix)
{
	struct buf up;
	buf_init(&up, FUZZ_BUF_MAX);
	enum rk_status st = textnorm_prefix_upper(prefix, &up);
	if (prefix.len == 0 || !str_is_utf8(prefix)) {
		check(st == RK_INVALID, "prefix_upper accepted an empty or invalid prefix");
	} else if (st == RK_OK) {
		struct str u = buf_str(&up);
		check(str_is_utf8(u), "prefix_upper output is not valid UTF-8");
		check(cmp_bytes(u, prefix) > 0, "prefix_upper output does not sort above the prefix");
		size_t keep = last_cp_start(prefix);
		check(u.len > keep && memcmp(u.ptr, prefix.ptr, keep) == 0,
		      "prefix_upper changed the leading code points");
	} else {
		/* Only a prefix ending in U+10FFFF has no upper bound. */
		size_t i = last_cp_start(prefix);
		check(st == RK_INVALID && prefix.len - i == 4 && memcmp(prefix.ptr + i, "\xF4\x8F\xBF\xBF", 4) == 0,
		      "prefix_upper failed on a valid prefix");
	}
	buf_free(&up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str in = {(const char *)data, size};
	struct buf k1, k2;
	buf_init(&k1, FUZZ_BUF_MAX);
	buf_init(&k2, FUZZ_BUF_MAX);
	enum rk_status st = textnorm_search_key(in, &k1);
	if (!str_is_utf8(in)) {
		check(st == RK_INVALID, "search key of invalid UTF-8 accepted");
		goto out;
	}
	check(st == RK_OK, "search key failed on valid UTF-8 within the buffer ceiling");
	struct str key = buf_str(&k1);
	check(str_is_utf8(key), "search key is not valid UTF-8");
	for (size_t i = 0; i < key.len; i++) {
		char c = key.ptr[i];
		check(!(c >= 'A' && c <= 'Z'), "search key holds an ASCII capital");
		check(c != ' ' && c != '\t' && c != '\r' && c != '\n', "search key holds ASCII white space");
	}
	check(textnorm_search_key(key, &k2) == RK_OK, "search key of a search key failed");
	check(cmp_bytes(buf_str(&k2), key) == 0, "search key is not idempotent");
	check_upper(key);
	check_upper(in);
out:
	buf_free(&k1);
	buf_free(&k2);
	return 0;
}
