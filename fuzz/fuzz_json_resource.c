/* fuzz_json_resource.c — request body bytes → rk_json_parse → for every served
 * resource type: fhir_validate and fhir_index_extract (the write path's parse,
 * check and index steps), plus the storage dump, which must parse back.
 * Index extraction runs on unvalidated resources too, as a harder test than
 * the server gives it (there validation comes first). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/str.h"
#include "fhir/index.h"
#include "fhir/types.h"
#include "fhir/validate.h"

#define FUZZ_ARENA_LIMIT (64u << 20)

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json_resource: invariant broken: %s\n", what);
		abort();
	}
}

static void check_index(const struct store_index_entry *ix, size_t n)
{
	check(n <= RK_MAX_INDEX_VALUES, "index entries above RK_MAX_INDEX_VALUES");
	for (size_t i = 0; i < n; i++) {
		check(ix[i].param != NULL, "index entry without a parameter name");
		if (ix[i].kind == IDX_STRING) {
			check(ix[i].a.len > 0, "empty string search key indexed");
			check(str_is_utf8(ix[i].a), "string search key is not valid UTF-8");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rk_err err;
	rk_err_clear(&err);
	json_t *res = rk_json_parse((struct str){(const char *)data, size}, &err);
	if (!res) {
		check(err.status != RK_OK && err.msg[0], "parse failure without a message");
		return 0;
	}

	for (size_t i = 0; i < fhir_resources_len; i++) {
		const struct fhir_resource_def *def = fhir_resources[i];
		rk_err_clear(&err);
		enum rk_status vs = fhir_validate(def, res, NULL, NULL, &err);
		check(vs == RK_OK || err.msg[0], "validation failure without a message");

		struct arena a;
		arena_init(&a, FUZZ_ARENA_LIMIT);
		struct store_index_entry *ix = NULL;
		size_t n = 0;
		rk_err_clear(&err);
		if (fhir_index_extract(def, res, &a, &ix, &n, &err) == RK_OK)
			check_index(ix, n);
		arena_free(&a);
	}

	/* What is stored is rk_json_dump's text; it must read back. */
	struct buf b;
	buf_init(&b, RK_MAX_BODY * 2u);
	if (rk_json_dump(res, &b) == RK_OK) {
		rk_err_clear(&err);
		json_t *again = rk_json_parse(buf_str(&b), &err);
		if (!again)
			fprintf(stderr, "dump does not parse back: %s\n", err.msg);
		check(again != NULL, "rk_json_dump output does not parse back");
		json_decref(again);
	}
	buf_free(&b);
	json_decref(res);
	return 0;
}
