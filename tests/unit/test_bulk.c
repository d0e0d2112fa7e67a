/* test_bulk.c — unit tests for the pure parts of bulk/bulk.h: the $export
 * kick-off's parameters (_type, _since, _outputFormat; anything else
 * refused, naming it), the rule of who may export what (the operator the
 * region, a facility system its own Group within its scopes, nobody else),
 * and the ndjson line splitter (LF, CRLF, blank lines, no final newline). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bulk/bulk.h"

#define F "2011000011"

static struct str_pair P(const char *k, const char *v) {
	return (struct str_pair){str_c(k), str_c(v)};
}

static enum rk_status
parse(enum bulk_level lv, const struct str_pair *p, size_t n, struct bulk_request *r, struct rk_err *err)
{
	rk_err_clear(err);
	return bulk_export_parse(lv, str_c(lv == BULK_GROUP ? F : ""), p, n, r, err);
}

static bool has(const struct bulk_request *r, const char *t)
{
	for (size_t i = 0; i < r->n_types; i++)
		if (strcmp(r->types[i], t) == 0)
			return true;
	return false;
}

static void test_parse_defaults(void **state)
{
	(void)state;
	struct bulk_request r;
	struct rk_err err;
	assert_int_equal(parse(BULK_SYSTEM, NULL, 0, &r, &err), RK_OK);
	assert_true(has(&r, "Patient") && has(&r, "Observation") && has(&r, "Organization"));
	assert_int_equal(r.since, -1);
	assert_false(r.types_given);
	assert_int_equal(parse(BULK_GROUP, NULL, 0, &r, &err), RK_OK);
	assert_string_equal(r.group, F);
	assert_true(has(&r, "Patient") && has(&r, "Observation"));
	assert_false(has(&r, "Organization") || has(&r, "Practitioner")); /* the directory: system exports only */
}

static void test_parse_params(void **state)
{
	(void)state;
	struct bulk_request r;
	struct rk_err err;
	struct str_pair ok[] = {P("_type", "Observation, Patient"), P("_type", "Patient,Condition"),
				P("_since", "2026-01-01T00:00:00+09:00"),
				P("_outputFormat", "application/fhir+ndjson")};
	assert_int_equal(parse(BULK_PATIENT, ok, 4, &r, &err), RK_OK);
	assert_int_equal(r.n_types, 3); /* each type once, in the order asked */
	assert_string_equal(r.types[0], "Observation");
	assert_string_equal(r.types[1], "Patient");
	assert_string_equal(r.types[2], "Condition");
	assert_true(r.types_given);
	assert_int_equal(r.since, INT64_C(1767193200000));
	static const char *const formats[] = {"application/ndjson", "ndjson"};
	for (size_t i = 0; i < 2; i++) {
		struct str_pair f[] = {P("_outputFormat", formats[i])};
		assert_int_equal(parse(BULK_SYSTEM, f, 1, &r, &err), RK_OK);
	}
	struct {
		struct str_pair p;
		const char *says;
	} bad[] = {
		{P("_typeFilter", "Observation?code=x"), "_typeFilter"},
		{P("patient", "Patient/1"), "'patient' is not supported"},
		{P("includeAssociatedData", "LatestProvenanceResources"), "includeAssociatedData"},
		{P("_type", "Foo"), "'Foo' is not a resource type"},
		{P("_type", "Organization"), "directory"},
		{P("_since", "2026-01-01"), "instant"},
		{P("_outputFormat", "text/csv"), "text/csv"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(parse(BULK_GROUP, &bad[i].p, 1, &r, &err), RK_INVALID);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("%s: '%s' does not say '%s'", bad[i].p.key.ptr, err.msg, bad[i].says);
	}
	struct str_pair twice[] = {P("_since", "2026-01-01T00:00:00Z"), P("_since", "2026-01-02T00:00:00Z")};
	assert_int_equal(parse(BULK_SYSTEM, twice, 2, &r, &err), RK_INVALID);
}

static struct principal who(enum principal_kind kind, enum role role, const char *facility, const char *scopes)
{
	struct principal p;
	memset(&p, 0, sizeof p);
	p.kind = kind;
	p.role = role;
	p.stage = STAGE_OK;
	snprintf(p.account, sizeof p.account, "someone");
	snprintf(p.facility, sizeof p.facility, "%s", facility);
	snprintf(p.scopes, sizeof p.scopes, "%s", scopes);
	return p;
}

static enum rk_status may(struct principal p, enum bulk_level lv, const struct str_pair *params, size_t n,
			  struct bulk_request *r, struct rk_err *err)
{
	assert_int_equal(parse(lv, params, n, r, err), RK_OK);
	rk_err_clear(err);
	return bulk_export_may(&p, r, err);
}

static void test_who_may(void **state)
{
	(void)state;
	struct bulk_request r;
	struct rk_err err;
	struct principal op = who(PRINCIPAL_STAFF, ROLE_OPERATOR, "0000000000", "");
	struct principal doc = who(PRINCIPAL_STAFF, ROLE_DOCTOR, F, "");
	struct principal sys = who(PRINCIPAL_SYSTEM, ROLE_SYSTEM, F, "system/*.read");
	struct principal other = who(PRINCIPAL_SYSTEM, ROLE_SYSTEM, "2011100018", "system/*.*");
	struct principal narrow = who(PRINCIPAL_SYSTEM, ROLE_SYSTEM, F, "system/Patient.read system/Condition.read");
	/* the region: the operator's only */
	for (enum bulk_level lv = BULK_SYSTEM; lv <= BULK_PATIENT; lv++) {
		assert_int_equal(may(op, lv, NULL, 0, &r, &err), RK_OK);
		assert_int_equal(may(doc, lv, NULL, 0, &r, &err), RK_FORBIDDEN);
		assert_string_equal(err.code, "bulk_region");
		assert_int_equal(may(sys, lv, NULL, 0, &r, &err), RK_FORBIDDEN);
		assert_string_equal(err.code, "bulk_region");
	}
	/* a group: its facility's system, the operator */
	assert_int_equal(may(op, BULK_GROUP, NULL, 0, &r, &err), RK_OK);
	assert_int_equal(may(sys, BULK_GROUP, NULL, 0, &r, &err), RK_OK);
	assert_int_equal(may(doc, BULK_GROUP, NULL, 0, &r, &err), RK_FORBIDDEN);
	assert_string_equal(err.code, "bulk_role");
	assert_int_equal(may(other, BULK_GROUP, NULL, 0, &r, &err), RK_FORBIDDEN);
	assert_string_equal(err.code, "bulk_facility");
	/* the scopes: without _type the types they cover; a _type beyond them refused */
	assert_int_equal(may(narrow, BULK_GROUP, NULL, 0, &r, &err), RK_OK);
	assert_int_equal(r.n_types, 2);
	assert_true(has(&r, "Patient") && has(&r, "Condition"));
	struct str_pair obs[] = {P("_type", "Patient,Observation")};
	assert_int_equal(may(narrow, BULK_GROUP, obs, 1, &r, &err), RK_FORBIDDEN);
	assert_string_equal(err.code, "insufficient_scope");
	struct principal none = who(PRINCIPAL_SYSTEM, ROLE_SYSTEM, F, "system/Organization.read");
	assert_int_equal(may(none, BULK_GROUP, NULL, 0, &r, &err), RK_FORBIDDEN);
}

static void test_ndjson_lines(void **state)
{
	(void)state;
	const char *in = "{\"a\":1}\r\n\n   \n{\"b\":2}\r\r\n\t\n{\"c\":3}";
	struct str rest = str_c(in), line;
	int64_t no = 0;
	const char *want[] = {"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"};
	const int64_t at[] = {1, 4, 6};
	for (int i = 0; i < 3; i++) {
		assert_true(bulk_ndjson_next(&rest, &line, &no));
		assert_int_equal(line.len, strlen(want[i]));
		assert_memory_equal(line.ptr, want[i], line.len);
		assert_int_equal(no, at[i]);
	}
	assert_false(bulk_ndjson_next(&rest, &line, &no));
	rest = str_c("\n\n \r\n");
	no = 0;
	assert_false(bulk_ndjson_next(&rest, &line, &no));
	assert_int_equal(no, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_defaults),
		cmocka_unit_test(test_parse_params),
		cmocka_unit_test(test_who_may),
		cmocka_unit_test(test_ndjson_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
