/* test_fhir_types.c — unit tests for the type-name lookups of fhir/types.h
 * that run for every element of every write: fhir_is_r4_resource_name (a
 * binary search by length-bounded name) and fhir_is_primitive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fhir/types.h"

static bool r4(const char *name)
{
	return fhir_is_r4_resource_name(name, strlen(name));
}

static void test_r4_names(void **state)
{
	(void)state;
	/* first, last and some in between of the sorted table */
	assert_true(r4("Account"));
	assert_true(r4("VisionPrescription"));
	assert_true(r4("Patient"));
	assert_true(r4("Observation"));
	assert_true(r4("ObservationDefinition"));
	assert_true(r4("Bundle"));
	assert_true(r4("ServiceRequest"));
	/* prefixes, extensions, case and empty names are not names */
	assert_false(r4("Patien"));
	assert_false(r4("Patients"));
	assert_false(r4("patient"));
	assert_false(r4(""));
	assert_false(r4("A"));
	assert_false(r4("Zzz"));
	assert_false(r4("AAAA"));
	/* by length: a prefix of a longer buffer, and an embedded NUL */
	assert_true(fhir_is_r4_resource_name("PatientXYZ", 7));
	assert_false(fhir_is_r4_resource_name("Patient\0XY", 10));
	assert_false(fhir_is_r4_resource_name("Account", 0));
}

static void test_primitives(void **state)
{
	(void)state;
	static const char *const prims[] = {
		"base64Binary", "boolean",     "canonical", "code",     "date", "dateTime",    "decimal",
		"id",           "instant",     "integer",   "markdown", "oid",  "positiveInt", "string",
		"time",         "unsignedInt", "uri",       "url",      "uuid", "xhtml",
	};
	for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
		assert_true(fhir_is_primitive(prims[i]));
	assert_false(fhir_is_primitive("String"));
	assert_false(fhir_is_primitive("Quantity"));
	assert_false(fhir_is_primitive("CodeableConcept"));
	assert_false(fhir_is_primitive("dat"));
	assert_false(fhir_is_primitive("dateTimes"));
	assert_false(fhir_is_primitive(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r4_names),
		cmocka_unit_test(test_primitives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
