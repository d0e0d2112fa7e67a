/* fuzz_linking.c — linking_features on any JSON a Patient could carry, and
 * linking_score of the result against itself and a fixed registration.
 * Invariants: every feature string is NUL-terminated within its array, the
 * key has at most one '|' before the birth date, a registration scores 70..100
 * against itself when it has a key, and every score is within 0..100. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/linking.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_linking: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *p = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (!p)
		return 0;
	struct linking_features f, g;
	linking_features(p, &f);
	json_decref(p);
	check(memchr(f.key, 0, sizeof f.key) != NULL, "key terminated");
	check(memchr(f.gender, 0, sizeof f.gender) != NULL, "gender terminated");
	check(memchr(f.postal, 0, sizeof f.postal) != NULL, "postal terminated");
	check(memchr(f.address, 0, sizeof f.address) != NULL, "address terminated");
	for (const char *c = f.postal; *c; c++)
		check(*c >= '0' && *c <= '9', "postal digits only");
	char why[128];
	int self = linking_score(&f, &f, why, sizeof why);
	check(self >= 0 && self <= 100, "self score in range");
	if (f.key[0])
		check(self >= LINKING_THRESHOLD, "a registration matches itself");
	json_t *fixed = json_pack("{s:[{s:s, s:[s]}], s:s, s:s}", "name", "family", "ユアサ", "given", "ハナコ",
				  "birthDate", "1948-07-15", "gender", "female");
	linking_features(fixed, &g);
	json_decref(fixed);
	int other = linking_score(&f, &g, why, sizeof why);
	check(other >= 0 && other <= 100, "score in range");
	check(linking_score(&g, &f, NULL, 0) == other, "score is symmetric");
	return 0;
}
