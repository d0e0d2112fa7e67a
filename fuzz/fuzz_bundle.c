/* fuzz_bundle.c — request body bytes → rk_json_parse → fhir_bundle_parse (the
 * transaction/batch entry parser, reference graph and processing order), then
 * the run a transaction makes: in the planned order every write's urn:uuid
 * references must resolve to entries already written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "fhir/bundle.h"

#define FUZZ_ARENA_LIMIT (16u << 20)
#define FUZZ_MAX_ENTRIES 64

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_bundle: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rk_err err;
	rk_err_clear(&err);
	json_t *doc = rk_json_parse((struct str){(const char *)data, size}, &err);
	if (!doc)
		return 0;
	struct arena a;
	arena_init(&a, FUZZ_ARENA_LIMIT);
	struct fhir_bundle b;
	rk_err_clear(&err);
	enum rk_status st = fhir_bundle_parse(doc, FUZZ_MAX_ENTRIES, &a, &b, &err);
	if (st != RK_OK) {
		check(err.msg[0] != '\0', "a refused Bundle without a message");
		goto out;
	}
	check(b.n <= FUZZ_MAX_ENTRIES, "more entries than the limit");
	/* the order is a permutation of the entries */
	char seen[FUZZ_MAX_ENTRIES] = {0};
	for (size_t k = 0; k < b.n; k++) {
		check(b.order[k] < b.n && !seen[b.order[k]], "the order is not a permutation");
		seen[b.order[k]] = 1;
	}
	for (size_t k = 0; k < b.n; k++) {
		struct fhir_bundle_entry *e = &b.entries[b.order[k]];
		if (e->err) {
			check(e->err->status != RK_OK && e->err->msg[0], "a set-aside entry without a reason");
			continue;
		}
		check(e->def != NULL, "a runnable entry without a type");
		if (e->method == FHIR_BM_POST || e->method == FHIR_BM_PUT) {
			check(e->resource != NULL, "a write without its resource");
			rk_err_clear(&err);
			st = fhir_bundle_resolve(&b, e, &a, &err);
			if (b.type == FHIR_BUNDLE_TRANSACTION)
				check(st == RK_OK, "a transaction write references an entry not yet written");
			if (e->method == FHIR_BM_POST) {
				char id[32];
				snprintf(id, sizeof id, "id%zu", e->index);
				e->id = arena_str(&a, str_c(id));
			}
		} else if (e->method != FHIR_BM_GET || !e->search) {
			check(e->id.len > 0, "a read or delete without an id");
		}
	}
out:
	arena_free(&a);
	json_decref(doc);
	return 0;
}
