/* test_http_router.c — http/router.c over the real route table: literal
 * routes win over captures, captures are whole segments, a known path with
 * another method is 405 with the allowed methods, anything else is no route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/fhir_rest.h"
#include "http/router.h"

static enum router_result match(const char *method, const char *path, const struct api_route **r, struct str *args,
				char *allow)
{
	return router_match(method, str_c(path), r, args, allow, 64);
}

static void test_routes(void **state)
{
	(void)state;
	const struct api_route *r;
	struct str args[API_MAX_ARGS];
	char allow[64];
	assert_int_equal(match("GET", "/fhir/metadata", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_metadata);
	assert_int_equal(match("GET", "/fhir/Patient/$ihe-pix", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_pix);
	assert_int_equal(match("GET", "/fhir/Patient", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_search);
	assert_true(str_eq_c(args[0], "Patient"));
	assert_int_equal(match("GET", "/fhir/Patient/abc/_history/3", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_vread);
	assert_true(str_eq_c(args[1], "abc"));
	assert_true(str_eq_c(args[2], "3"));
	assert_int_equal(match("PUT", "/fhir/Patient/abc", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_update);
	assert_int_equal(match("POST", "/fhir/Patient/_search", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_search_post);
	/* A trailing slash on a FHIR URL is the same URL. */
	assert_int_equal(match("GET", "/fhir/Patient/", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_search);
	assert_true(str_eq_c(args[0], "Patient"));
	assert_int_equal(match("GET", "/fhir/Patient/abc/", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_read);
	assert_true(str_eq_c(args[1], "abc"));
	assert_int_equal(match("GET", "/fhir/metadata/", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_metadata);
	assert_int_equal(match("PATCH", "/fhir/Patient/abc", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_patch);
	assert_int_equal(match("PUT", "/fhir/Patient", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_update_conditional);
	assert_int_equal(match("DELETE", "/fhir/Patient", &r, args, allow), ROUTER_MATCH);
	assert_ptr_equal(r->handler, api_fhir_delete_conditional);
}

static void test_no_route_and_bad_method(void **state)
{
	(void)state;
	const struct api_route *r;
	struct str args[API_MAX_ARGS];
	char allow[64];
	assert_int_equal(match("GET", "/fhir/Patient/a/b/c/d", &r, args, allow), ROUTER_NO_ROUTE);
	assert_int_equal(match("GET", "/fhir/Patient/x//", &r, args, allow), ROUTER_NO_ROUTE); /* empty capture */
	assert_int_equal(match("GET", "/fhir//x", &r, args, allow), ROUTER_NO_ROUTE);
	assert_int_equal(match("GET", "/index.html", &r, args, allow), ROUTER_NO_ROUTE);
	assert_int_equal(match("GET", "", &r, args, allow), ROUTER_NO_ROUTE);
	assert_int_equal(match("POST", "/fhir/Patient/x", &r, args, allow), ROUTER_BAD_METHOD);
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "PUT"));
	assert_non_null(strstr(allow, "DELETE"));
	assert_int_equal(match("DELETE", "/healthz", &r, args, allow), ROUTER_BAD_METHOD);
	assert_string_equal(allow, "GET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_no_route_and_bad_method),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
