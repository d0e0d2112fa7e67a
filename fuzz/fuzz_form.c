/* fuzz_form.c — an application/x-www-form-urlencoded body (POST _search) →
 * api_parse_form with a request arena. On success: at most
 * RK_MAX_QUERY_PARAMS pairs, each decoded key and value NUL-terminated and no
 * longer than the whole body. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/limits.h"

#define FUZZ_ARENA_LIMIT (16u << 20)

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_form: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a, FUZZ_ARENA_LIMIT);
	struct str_pair *pairs = NULL;
	size_t n = 0;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = api_parse_form(&a, (struct str){(const char *)data, size}, &pairs, &n, &err);
	if (st == RK_OK) {
		check(n <= RK_MAX_QUERY_PARAMS, "more form pairs than RK_MAX_QUERY_PARAMS");
		check(n == 0 || pairs != NULL, "pairs missing");
		for (size_t i = 0; i < n; i++) {
			const struct str *kv[2] = {&pairs[i].key, &pairs[i].value};
			for (int j = 0; j < 2; j++) {
				check(kv[j]->ptr != NULL, "decoded part is NULL");
				check(kv[j]->len <= size, "decoded part longer than the body");
				check(kv[j]->ptr[kv[j]->len] == '\0', "decoded part is not NUL-terminated");
			}
		}
	} else {
		check(err.msg[0] != '\0', "form failure without a message");
	}
	arena_free(&a);
	return 0;
}
