/* test_fhir_bundle.c — fhir/bundle.c: transaction and batch Bundles become
 * entries and a processing order, urn:uuid references resolve to the ids
 * written, and what cannot run gets a specific error naming its entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/json.h"
#include "fhir/bundle.h"

struct parsed {
	struct arena a;
	json_t *doc;
	struct fhir_bundle b;
	struct rk_err err;
	enum rk_status st;
};

static void parse(struct parsed *p, const char *json, size_t max)
{
	arena_init(&p->a, 1 << 20);
	rk_err_clear(&p->err);
	p->doc = json_loads(json, 0, NULL);
	assert_non_null(p->doc);
	p->st = fhir_bundle_parse(p->doc, max, &p->a, &p->b, &p->err);
}

static void done(struct parsed *p)
{
	json_decref(p->doc);
	arena_free(&p->a);
}

#define OBS(subject, extra)                                                                                                      \
	"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"" subject \
	"\"}" extra "}"

static void test_transaction_order_and_resolution(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p,
	      "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
	      "{\"request\":{\"method\":\"GET\",\"url\":\"Observation?patient=p1\"}},"
	      "{\"fullUrl\":\"urn:uuid:o\",\"resource\":" OBS(
		      "urn:uuid:p",
		      ",\"encounter\":{\"reference\":\"urn:uuid:e\"}") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
								       "{\"fullUrl\":\"urn:uuid:e\",\"resource\":{\"resourceType\":\"Encounter\",\"subject\":{\"reference\":\"urn:uuid:p\"}},"
								       "\"request\":{\"method\":\"POST\",\"url\":\"Encounter\"}},"
								       "{\"request\":{\"method\":\"DELETE\",\"url\":\"Condition/c1\",\"ifMatch\":\"W/\\\"3\\\"\"}},"
								       "{\"fullUrl\":\"urn:uuid:p\",\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}"
								       "]}",
	      1000);
	assert_int_equal(p.st, RK_OK);
	assert_int_equal(p.b.type, FHIR_BUNDLE_TRANSACTION);
	assert_int_equal(p.b.n, 5);
	/* DELETE, then Patient before Encounter before Observation, then GET */
	size_t want[] = {3, 4, 2, 1, 0};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(p.b.order[i], want[i]);
	assert_int_equal(p.b.entries[3].if_match, 3);
	assert_true(p.b.entries[0].search);
	assert_true(str_eq_c(p.b.entries[0].query, "patient=p1"));
	/* written: ids assigned; the Observation's references become Type/id */
	p.b.entries[4].id = str_c("pid");
	p.b.entries[2].id = str_c("eid");
	assert_int_equal(fhir_bundle_resolve(&p.b, &p.b.entries[1], &p.a, &p.err), RK_OK);
	json_t *obs = p.b.entries[1].resource;
	assert_string_equal(json_string_value(json_object_get(json_object_get(obs, "subject"), "reference")),
			    "Patient/pid");
	assert_string_equal(json_string_value(json_object_get(json_object_get(obs, "encounter"), "reference")),
			    "Encounter/eid");
	done(&p);
}

static void test_put_target_is_a_dependency(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p,
	      "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
	      "{\"resource\":" OBS(
		      "Patient/p9",
		      "") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
			  "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p9\"},\"request\":{\"method\":\"PUT\",\"url\":\"Patient/p9\"}}"
			  "]}",
	      1000);
	assert_int_equal(p.st, RK_OK);
	assert_int_equal(p.b.order[0], 1);
	assert_int_equal(p.b.order[1], 0);
	done(&p);
}

static void expect_error(const char *json, size_t max, enum rk_status st, const char *msg)
{
	struct parsed p;
	parse(&p, json, max);
	assert_int_equal(p.st, st);
	if (!strstr(p.err.msg, msg))
		fail_msg("'%s' does not contain '%s'", p.err.msg, msg);
	done(&p);
}

static void test_bundle_errors(void **state)
{
	(void)state;
	expect_error("{\"resourceType\":\"Patient\"}", 10, RK_INVALID, "not Patient");
	expect_error("[]", 10, RK_INVALID, "takes a Bundle");
	expect_error("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", 10, RK_INVALID, "transaction or a batch");
	expect_error("{\"resourceType\":\"Bundle\"}", 10, RK_INVALID, "Bundle.type is required");
	expect_error("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{},{},{}]}", 2, RK_TOO_LARGE,
		     "3 entries; at most 2");
	expect_error(
		"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":{\"resourceType\":\"Bundle\"}}]}",
		10, RK_INVALID, "Bundle.entry[0]: a Bundle inside a Bundle");
	expect_error("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
		     "{\"fullUrl\":\"urn:uuid:a\",\"request\":{\"method\":\"GET\",\"url\":\"Patient/1\"}},"
		     "{\"fullUrl\":\"urn:uuid:a\",\"request\":{\"method\":\"GET\",\"url\":\"Patient/2\"}}]}",
		     10, RK_INVALID, "Bundle.entry[1]: fullUrl 'urn:uuid:a' is also the fullUrl of Bundle.entry[0]");
	expect_error("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		     "{\"resource\":" OBS("urn:uuid:nobody",
					  "") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
		     10, RK_INVALID, "Bundle.entry[0]: reference 'urn:uuid:nobody' is not the fullUrl of any entry");
	expect_error(
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		"{\"fullUrl\":\"urn:uuid:a\",\"resource\":" OBS(
			"urn:uuid:b", "") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
					  "{\"fullUrl\":\"urn:uuid:b\",\"resource\":" OBS(
						  "urn:uuid:a",
						  "") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
		10, RK_INVALID, "circle");
	expect_error("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		     "{\"fullUrl\":\"urn:uuid:a\",\"resource\":" OBS(
			     "urn:uuid:a", "") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
		     10, RK_INVALID, "names the entry itself");
	expect_error(
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		"{\"request\":{\"method\":\"PUT\",\"url\":\"Observation/x\"},\"resource\":{\"resourceType\":\"Observation\"}},"
		"{\"request\":{\"method\":\"DELETE\",\"url\":\"Observation/x\"}}]}",
		10, RK_INVALID, "Bundle.entry[1]: Observation/x is also written by Bundle.entry[0]");
}

/* Each malformed entry of a transaction fails it with a specific message. */
static void test_entry_errors(void **state)
{
	(void)state;
	static const struct {
		const char *entry, *msg;
		enum rk_status st;
	} cases[] = {
		{"1", "an entry must be an object", RK_INVALID},
		{"{}", "request (method and url) is required", RK_INVALID},
		{"{\"request\":{\"url\":\"Patient\"}}", "request.method is required", RK_INVALID},
		{"{\"request\":{\"method\":\"PATCH\",\"url\":\"Patient/1\"}}", "'PATCH' is not supported", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\"}}", "request.url is required", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"\"}}", "request.url is empty", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"http://x/fhir/Patient/1\"}}", "relative to the FHIR base",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Foo/1\"}}", "not a FHIR R4 resource type", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Basic/1\"}}", "not served", RK_NOT_FOUND},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/a b\"}}", "not a valid resource id", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1/$everything\"}}", "request.url of a GET",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1/_history/x\"}}", "request.url of a GET",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1/_history/2/3/4\"}}", "too many parts",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1?x=y\"}}", "a query goes with a search",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"POST\",\"url\":\"Patient/1\"},\"resource\":{\"resourceType\":\"Patient\"}}",
		 "the type alone", RK_INVALID},
		{"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}", "a POST needs the resource", RK_INVALID},
		{"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\"},\"resource\":{\"resourceType\":\"Observation\"}}",
		 "resourceType must be Patient", RK_INVALID},
		{"{\"request\":{\"method\":\"PUT\",\"url\":\"Patient/1?identifier=x\"},\"resource\":{\"resourceType\":\"Patient\"}}",
		 "conditional PUT is Type?search", RK_INVALID},
		{"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient?\"}}", "conditional DELETE is Type?search",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient\"}}", "Type/id", RK_INVALID},
		{"{\"request\":{\"method\":\"PUT\",\"url\":\"Patient/1\",\"ifNoneExist\":\"x=1\"},\"resource\":{\"resourceType\":\"Patient\"}}",
		 "ifNoneExist goes with POST", RK_INVALID},
		{"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":\"\"},\"resource\":{\"resourceType\":\"Patient\"}}",
		 "ifNoneExist must be a search query", RK_INVALID},
		{"{\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":5},\"resource\":{\"resourceType\":\"Patient\"}}",
		 "ifNoneExist must be a search query", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1\",\"ifNoneMatch\":\"x\"}}", "ifNoneMatch",
		 RK_INVALID},
		{"{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/1\",\"ifMatch\":\"W/\\\"x\\\"\"}}",
		 "version ETag", RK_INVALID},
		{"{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1\",\"ifMatch\":\"1\"}}",
		 "goes with PUT or DELETE", RK_INVALID},
		{"{\"fullUrl\":5,\"request\":{\"method\":\"GET\",\"url\":\"Patient/1\"}}", "fullUrl must be",
		 RK_INVALID},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char json[1024];
		snprintf(json, sizeof json, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[%s]}",
			 cases[i].entry);
		struct parsed p;
		parse(&p, json, 10);
		assert_int_equal(p.st, cases[i].st);
		if (!strstr(p.err.msg, cases[i].msg) || strncmp(p.err.msg, "Bundle.entry[0]: ", 17) != 0)
			fail_msg("case %zu: '%s' does not name the entry and say '%s'", i, p.err.msg, cases[i].msg);
		done(&p);
		/* in a batch the same entry is set aside with the same reason */
		snprintf(json, sizeof json, "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[%s]}",
			 cases[i].entry);
		parse(&p, json, 10);
		assert_int_equal(p.st, RK_OK);
		assert_non_null(p.b.entries[0].err);
		assert_int_equal(p.b.entries[0].err->status, cases[i].st);
		done(&p);
	}
}

static void test_batch_entries_are_independent(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p,
	      "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
	      "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/1/_history/2\"}},"
	      "{\"fullUrl\":\"urn:uuid:p\",\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
	      "{\"resource\":" OBS("urn:uuid:p", "") ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
						     "{\"request\":{\"method\":\"GET\",\"url\":\"Observation\"}}"
						     "]}",
	      10);
	assert_int_equal(p.st, RK_OK);
	assert_null(p.b.entries[0].err);
	assert_true(str_eq_c(p.b.entries[0].version, "2"));
	assert_true(str_eq_c(p.b.entries[0].id, "1"));
	assert_null(p.b.entries[1].err);
	assert_non_null(p.b.entries[2].err);
	assert_non_null(strstr(p.b.entries[2].err->msg, "transaction only"));
	assert_true(p.b.entries[3].search);
	assert_int_equal(p.b.entries[3].query.len, 0);
	/* set-aside entries first (they answer at once), then POST, then GET */
	size_t want[] = {2, 1, 0, 3};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(p.b.order[i], want[i]);
	done(&p);
}

static void test_empty(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}", 10);
	assert_int_equal(p.st, RK_OK);
	assert_int_equal(p.b.n, 0);
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transaction_order_and_resolution),
		cmocka_unit_test(test_put_target_is_a_dependency),
		cmocka_unit_test(test_bundle_errors),
		cmocka_unit_test(test_entry_errors),
		cmocka_unit_test(test_batch_entries_are_independent),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
