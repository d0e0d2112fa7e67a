/* test_fhir_rest_parts.c — the pure parts of issue 13's FHIR REST work:
 * JSON Patch (RFC 6902: the RFC's own operations, pointer escapes, failures
 * naming the operation), and the validator's contained resources (R4 dom-2
 * to dom-5, "#id" references) and base64Binary with whitespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/json_patch.h"
#include "core/json.h"
#include "fhir/types.h"
#include "fhir/validate.h"

static json_t *js(const char *text) /* as the server parses a body: decimals keep their text */
{
	struct rk_err e;
	rk_err_clear(&e);
	json_t *j = rk_json_parse(str_c(text), &e);
	if (!j)
		fail_msg("bad JSON in the test: %s (%s)", text, e.msg);
	return j;
}

/* doc patched by patch equals want (NULL: the patch fails with st, its message containing msg). */
static void patched(const char *doc, const char *patch, const char *want, enum rk_status st, const char *msg)
{
	json_t *d = js(doc), *p = js(patch);
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status got = json_patch_apply(d, p, &err);
	if (want) {
		if (got != RK_OK)
			fail_msg("%s on %s failed: %s", patch, doc, err.msg);
		json_t *w = js(want);
		if (!json_equal(d, w)) {
			char *s = json_dumps(d, JSON_COMPACT);
			fail_msg("%s on %s gave %s, not %s", patch, doc, s, want);
		}
		json_decref(w);
	} else {
		assert_int_equal(got, st);
		if (!strstr(err.msg, msg))
			fail_msg("%s: message '%s' does not say '%s'", patch, err.msg, msg);
	}
	json_decref(d);
	json_decref(p);
}

static void test_json_patch(void **state)
{
	(void)state;
	/* "test" compares numbers by value, whatever their text (7.0 is 7, 1e3 is 1000) */
	patched("{\"v\":7.0,\"w\":[1e3]}",
		"[{\"op\":\"test\",\"path\":\"/v\",\"value\":7},"
		"{\"op\":\"test\",\"path\":\"/w\",\"value\":[1000]}]",
		"{\"v\":7.0,\"w\":[1e3]}", RK_OK, NULL);
	patched("{\"v\":7.0}", "[{\"op\":\"test\",\"path\":\"/v\",\"value\":7.01}]", NULL, RK_UNPROCESSABLE,
		"the test failed");
	/* RFC 6902 appendix A */
	patched("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
		"{\"baz\":\"qux\",\"foo\":\"bar\"}", RK_OK, NULL);
	patched("{\"foo\":[\"bar\",\"baz\"]}", "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
		"{\"foo\":[\"bar\",\"qux\",\"baz\"]}", RK_OK, NULL);
	patched("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}",
		RK_OK, NULL);
	patched("{\"foo\":[\"bar\",\"qux\",\"baz\"]}", "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
		"{\"foo\":[\"bar\",\"baz\"]}", RK_OK, NULL);
	patched("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
		"{\"baz\":\"boo\",\"foo\":\"bar\"}", RK_OK, NULL);
	patched("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
		"[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
		"{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}", RK_OK, NULL);
	patched("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
		"[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
		"{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", RK_OK, NULL);
	patched("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
		"[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
		"{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", RK_OK, NULL);
	patched("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL, RK_UNPROCESSABLE,
		"operation 1 (test /baz): the test failed");
	patched("{\"foo\":[\"bar\"]}", "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
		"{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", RK_OK, NULL);
	patched("{\"a/b\":1,\"m~n\":2}",
		"[{\"op\":\"replace\",\"path\":\"/a~1b\",\"value\":3},{\"op\":\"copy\",\"from\":\"/m~0n\",\"path\":\"/c\"}]",
		"{\"a/b\":3,\"m~n\":2,\"c\":2}", RK_OK, NULL);
	/* failures, each naming its operation */
	patched("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL, RK_INVALID,
		"operation 1 (add /baz/bat): the path does not exist");
	patched("{\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/x\"}]", NULL, RK_INVALID, "does not exist");
	patched("{\"foo\":[1]}", "[{\"op\":\"add\",\"path\":\"/foo/5\",\"value\":2}]", NULL, RK_INVALID,
		"out of range");
	patched("{\"foo\":[1]}", "[{\"op\":\"remove\",\"path\":\"/foo/01\"}]", NULL, RK_INVALID, "does not exist");
	patched("{\"foo\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{}}]", NULL, RK_INVALID, "use PUT");
	patched("{\"foo\":1}", "[{\"op\":\"replace\",\"path\":\"foo\",\"value\":2}]", NULL, RK_INVALID,
		"not a JSON Pointer");
	patched("{\"foo\":1}", "[{\"op\":\"replace\",\"path\":\"/~2\",\"value\":2}]", NULL, RK_INVALID,
		"not a JSON Pointer");
	patched("{\"foo\":{\"a\":1}}", "[{\"op\":\"move\",\"from\":\"/foo\",\"path\":\"/foo/b\"}]", NULL, RK_INVALID,
		"into itself");
	patched("{\"foo\":1}", "[{\"op\":\"add\",\"path\":\"/x\"}]", NULL, RK_INVALID, "value is required");
	patched("{\"foo\":1}", "[{\"op\":\"copy\",\"path\":\"/x\"}]", NULL, RK_INVALID, "from is required");
	patched("{\"foo\":1}", "[{\"op\":\"frobnicate\",\"path\":\"/x\"}]", NULL, RK_INVALID, "op must be");
	patched("{\"foo\":1}", "[1]", NULL, RK_INVALID, "operation 1");
	patched("{\"foo\":1}", "{\"op\":\"remove\",\"path\":\"/foo\"}", NULL, RK_INVALID, "JSON array");
	patched("{\"foo\":1}", "[{\"op\":\"remove\",\"path\":\"/foo\"},{\"op\":\"remove\",\"path\":\"/foo\"}]", NULL,
		RK_INVALID, "operation 2 (remove /foo)");
}

static enum rk_status check(const char *type, const char *text, struct rk_err *err)
{
	const struct fhir_resource_def *def = fhir_resource_find(type, strlen(type));
	assert_non_null(def);
	json_t *res = js(text);
	rk_err_clear(err);
	enum rk_status st = fhir_validate(def, res, NULL, NULL, err);
	json_decref(res);
	return st;
}

static void accepted(const char *type, const char *text)
{
	struct rk_err err;
	if (check(type, text, &err) != RK_OK)
		fail_msg("refused: %s\n%s", err.msg, text);
}

static void refused(const char *type, const char *text, const char *msg)
{
	struct rk_err err;
	assert_int_equal(check(type, text, &err), RK_INVALID);
	if (!strstr(err.msg, msg))
		fail_msg("message '%s' does not say '%s'", err.msg, msg);
}

#define OBS(extra)                                                                              \
	"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"HbA1c\"}," \
	"\"subject\":{\"reference\":\"Patient/p1\"}" extra "}"
#define PRAC(id) "{\"resourceType\":\"Practitioner\",\"id\":\"" id "\",\"name\":[{\"family\":\"検査\"}]}"

static void test_contained(void **state)
{
	(void)state;
	accepted("Observation", OBS(",\"contained\":[" PRAC("pr1") "],\"performer\":[{\"reference\":\"#pr1\"}]"));
	/* the reference may come before contained in the object */
	accepted("Observation", "{\"resourceType\":\"Observation\",\"performer\":[{\"reference\":\"#pr1\"}],"
				"\"status\":\"final\",\"code\":{\"text\":\"x\"},\"contained\":[" PRAC("pr1") "]}");
	/* referenced from another contained resource, or referring to the container */
	accepted("Observation",
		 OBS(",\"contained\":[" PRAC(
			 "pr1") ",{\"resourceType\":\"Organization\",\"id\":\"o1\","
				"\"name\":\"x\",\"partOf\":{\"reference\":\"#\"}}],\"performer\":[{\"reference\":"
				"\"#pr1\"}]"));
	refused("Observation", OBS(",\"contained\":[" PRAC("pr1") "]"), "referenced by nothing");
	refused("Observation", OBS(",\"contained\":[" PRAC("pr1") "],\"performer\":[{\"reference\":\"#pr2\"}]"),
		"names no contained resource");
	refused("Observation", OBS(",\"performer\":[{\"reference\":\"#\"}]"), "only allowed inside a contained");
	refused("Observation", OBS(",\"contained\":[]"), "non-empty array");
	refused("Observation", OBS(",\"contained\":[{\"resourceType\":\"Practitioner\"}]"), "needs an id");
	refused("Observation", OBS(",\"contained\":[{\"id\":\"x\"}],\"performer\":[{\"reference\":\"#x\"}]"),
		"needs its resourceType");
	refused("Observation",
		OBS(",\"contained\":[" PRAC("pr1") "," PRAC("pr1") "],\"performer\":[{\"reference\":\"#pr1\"}]"),
		"two contained resources");
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Substance\",\"id\":\"m\"}],\"focus\":[{"
		    "\"reference\":\"#m\"}]"),
		"does not serve");
	/* a Medication is not served, but is what real prescriptions contain */
	accepted("Observation", OBS(",\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"m\",\"code\":{"
				    "\"text\":\"院内製剤\"}}],\"focus\":[{\"reference\":\"#m\"}]"));
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"m\",\"colour\":\"red\"}],"
		    "\"focus\":[{\"reference\":\"#m\"}]"),
		"colour");
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Consent\",\"id\":\"c\"}],\"focus\":[{"
		    "\"reference\":\"#c\"}]"),
		"Consent cannot be contained");
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Organization\",\"id\":\"o\",\"contained\":[" PRAC(
			"p") "]}],\"performer\":[{\"reference\":\"#o\"}]"),
		"dom-2");
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Practitioner\",\"id\":\"p\",\"meta\":{"
		    "\"lastUpdated\":\"2026-01-01T00:00:00Z\"}}],\"performer\":[{\"reference\":\"#p\"}]"),
		"dom-4");
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Practitioner\",\"id\":\"p\",\"meta\":{"
		    "\"security\":[{\"code\":\"R\"}]}}],\"performer\":[{\"reference\":\"#p\"}]"),
		"dom-5");
	refused("Observation",
		OBS(",\"contained\":[{\"resourceType\":\"Practitioner\",\"id\":\"p\",\"gender\":\"x\"}],"
		    "\"performer\":[{\"reference\":\"#p\"}]"),
		"gender");
	struct rk_err err;
	check("Observation",
	      OBS(",\"contained\":[{\"resourceType\":\"Practitioner\",\"id\":\"p\",\"gender\":\"x\"}],"
		  "\"performer\":[{\"reference\":\"#p\"}]"),
	      &err);
	assert_string_equal(err.where, "Observation.contained[0].gender");
}

static void test_base64(void **state)
{
	(void)state;
	accepted(
		"Binary",
		"{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"SGVs\\r\\nbG8g\\n d29y bGQ=\"}");
	accepted("Binary", "{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"SGVsbG8=\\n\"}");
	accepted("Binary", "{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"SGVs\\tbG8=\"}");
	refused("Binary", "{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"SGVsbG8=x\"}",
		"base64");
	refused("Binary", "{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"SGVsbG8\"}",
		"base64");
	refused("Binary", "{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"SGV*bG8=\"}",
		"base64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_patch),
		cmocka_unit_test(test_contained),
		cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
