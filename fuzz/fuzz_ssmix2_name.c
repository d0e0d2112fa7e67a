/* fuzz_ssmix2_name.c — ssmix2_parse_name on any bytes. What ingest/ssmix2.c
 * guarantees on success: seven fields that lie inside the input, joined by
 * '_' in order, each within its shape (the PID and order number only of
 * characters a folder name and a FHIR id may hold, a 17-digit timestamp, a
 * condition flag 0/1/2), so the pipeline can build paths and ids from them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ssmix2.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ssmix2_name: invariant broken: %s\n", what);
		abort();
	}
}

static void inside(struct str in, struct str f)
{
	check(f.ptr >= in.ptr && f.ptr + f.len <= in.ptr + in.len, "field outside the input");
	for (size_t i = 0; i < f.len; i++)
		check(f.ptr[i] != '_' && f.ptr[i] != '/' && f.ptr[i] != '\0', "separator, slash or NUL inside a field");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str in = {(const char *)data, size};
	struct ssmix2_name n;
	struct rk_err err;
	rk_err_clear(&err);
	if (ssmix2_parse_name(in, &n, &err) != RK_OK) {
		check(err.msg[0] != '\0', "failure without a message");
		return 0;
	}
	struct str f[] = {n.patient_id, n.date, n.data_type, n.order_no, n.timestamp, n.department};
	for (size_t i = 0; i < 6; i++) {
		inside(in, f[i]);
		check(f[i].len > 0, "empty field");
	}
	for (size_t i = 0; i + 1 < 6; i++)
		check(f[i].ptr + f[i].len + 1 == f[i + 1].ptr, "fields not consecutive");
	check(n.timestamp.len == 17 && str_is_digits(n.timestamp), "timestamp not 17 digits");
	check(n.condition == '0' || n.condition == '1' || n.condition == '2', "condition flag");
	check(!str_eq_c(n.patient_id, "..") && !str_eq_c(n.patient_id, "."), "patient ID is a path step");
	return 0;
}
