/* fuzz_v2map.c — hl7_parse + v2map_message on the input, once with the data
 * type inferred (MLLP) and once for each data type named by the first input
 * byte (SS-MIX2 file). What must hold: no crash, no leak; on success every
 * resource has an id of at most 64 FHIR id characters equal to its body's id,
 * meta.source, and the body serialises; on failure the error has a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/validate.h"
#include "hl7/hl7.h"
#include "ingest/v2map.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_v2map: invariant broken: %s\n", what);
		abort();
	}
}

static void map_once(const struct hl7_msg *m, struct arena *a, const char *dt)
{
	struct v2map_input in = {
		.facility_code = str_c("2011000011"), .data_type = str_c(dt), .meta_source = str_c("fuzz:input")};
	struct v2map_result r;
	struct rk_err err;
	rk_err_clear(&err);
	if (v2map_message(m, &in, a, &r, &err) != RK_OK) {
		check(err.msg[0] != '\0', "failure without a message");
		return;
	}
	check(r.patient != NULL, "no Patient");
	for (size_t i = 0; i < r.n; i++) {
		check(r.res[i].id.len <= 64 && fhir_id_valid(r.res[i].id), "id not a FHIR id");
		const char *body_id = json_string_value(json_object_get(r.res[i].body, "id"));
		check(body_id && str_eq_c(r.res[i].id, body_id), "id differs from the body's");
		check(json_object_get(json_object_get(r.res[i].body, "meta"), "source") != NULL, "no meta.source");
		char *s = json_dumps(r.res[i].body, JSON_COMPACT);
		check(s != NULL, "body does not serialise");
		free(s);
	}
	v2map_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *types;
	size_t ntypes = v2map_data_types(&types);
	struct arena a;
	arena_init(&a, 64u << 20);
	struct hl7_msg m;
	struct rk_err err;
	rk_err_clear(&err);
	if (hl7_parse((struct str){(const char *)data, size}, &a, &m, &err) == RK_OK) {
		map_once(&m, &a, "");
		map_once(&m, &a, size ? types[data[size - 1] % ntypes] : types[0]);
	}
	arena_free(&a);
	return 0;
}
