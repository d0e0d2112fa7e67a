/* fuzz_search.c — query bytes split raw (no URL decoding) into key=value pairs
 * on '&' and '=' → fhir_search_parse for Patient, strict and lenient. Checks
 * what the parser promises on success: _count within the maximum, no more
 * conditions than pairs, bounded values, date ranges not empty, string
 * prefix ranges ordered, and a canonical query that is URL-encoded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/str.h"
#include "fhir/search.h"
#include "fhir/types.h"

#define FUZZ_ARENA_LIMIT (16u << 20)
#define FUZZ_MAX_COUNT   100
#define FUZZ_NOW         1767225600000LL /* 2026-01-01T00:00:00Z */

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_search: invariant broken: %s\n", what);
		abort();
	}
}

static bool canonical_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~' || c == '%' || c == '&' || c == '=';
}

static void check_result(const struct fhir_search *s, size_t n_pairs)
{
	check(s->q.count >= 0 && s->q.count <= FUZZ_MAX_COUNT, "q.count outside 0..max_count");
	check(s->q.offset >= 0 && s->q.offset <= RK_MAX_OFFSET, "q.offset outside 0..RK_MAX_OFFSET");
	check(s->q.n_conds <= n_pairs, "more conditions than parameters");
	check(s->q.n_sort <= 4, "more than 4 sort keys");
	check(!s->summary_count || s->q.count == 0, "_summary=count with rows wanted");
	check(s->canonical != NULL, "no canonical query on success");
	for (const char *c = s->canonical; *c; c++)
		check(canonical_char(*c), "canonical query is not URL-encoded");
	for (size_t i = 0; i < s->q.n_conds; i++) {
		const struct store_cond *c = &s->q.conds[i];
		check(c->param != NULL, "condition without a parameter name");
		if (c->modifier == MOD_MISSING)
			continue;
		check(c->n_values >= 1 && c->n_values <= RK_MAX_PARAM_VALUES, "condition value count out of bounds");
		for (size_t k = 0; k < c->n_values; k++) {
			const struct store_value *v = &c->values[k];
			if (c->kind == COND_DATE || c->kind == COND_LAST_UPDATED)
				check(v->lo < v->hi, "empty date range");
			else
				check(v->code.ptr != NULL, "condition value without code");
			if (c->kind == COND_STRING && c->modifier == MOD_NONE) {
				check(v->code.len > 0 && str_is_utf8(v->code), "string key empty or not UTF-8");
				/* The upper bound is empty only when the key ends in U+10FFFF. */
				if (v->upper.len) {
					size_t m = v->code.len < v->upper.len ? v->code.len : v->upper.len;
					int cmp = memcmp(v->upper.ptr, v->code.ptr, m);
					check(cmp > 0 || (cmp == 0 && v->upper.len > v->code.len),
					      "string prefix upper bound not above the key");
				}
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t n_pairs = 1;
	for (size_t i = 0; i < size; i++)
		n_pairs += p[i] == '&';
	struct str_pair *pairs = calloc(n_pairs, sizeof *pairs);
	if (!pairs)
		abort();
	struct str rest = {p, size}, field;
	size_t n = 0;
	/* Empty fields ("a&&b", a trailing '&') stay: they are pairs with empty keys. */
	while (n < n_pairs && str_next(&rest, '&', &field)) {
		str_cut(field, '=', &pairs[n].key, &pairs[n].value);
		n++;
	}

	const struct fhir_resource_def *def = fhir_resource_find("Patient", 7);
	check(def != NULL, "Patient is not served");
	for (int lenient = 0; lenient <= 1; lenient++) {
		struct fhir_search_opts o = {
			.default_count = 20, .max_count = FUZZ_MAX_COUNT, .lenient = lenient, .now = FUZZ_NOW};
		struct arena a;
		arena_init(&a, FUZZ_ARENA_LIMIT);
		struct fhir_search s;
		struct rk_err err;
		rk_err_clear(&err);
		enum rk_status rc = fhir_search_parse(def, pairs, n, &o, &a, &s, &err);
		if (rc == RK_OK)
			check_result(&s, n);
		else
			check(err.msg[0] != '\0', "search failure without a message");
		arena_free(&a);
	}
	free(pairs);
	return 0;
}
