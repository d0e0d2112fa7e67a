/* jpcore.c — shapes of the Japanese code systems renkei checks on write, and
 * the OIDs by which SS-MIX2 and earlier JP Core versions name JP Core's
 * code and identifier systems. */
#include "fhir/jpcore.h"

#include <string.h>

static const struct {
	const char *system;
	size_t min, max;
	bool digits_only;
	bool icd10; /* a letter, then digits and letters */
	const char *what;
} shapes[] = {
	{JP_HOT9_SYSTEM, 9, 9, true, false, "9 digits (HOT9)"},
	{JP_HOT7_SYSTEM, 7, 7, true, false, "7 digits (HOT7)"},
	{JP_HOT13_SYSTEM, 13, 13, true, false, "13 digits (HOT13)"},
	{JP_YJ_SYSTEM, 12, 12, false, false, "12 digits and capital letters (YJ)"},
	{JP_GENERIC_NAME_SYSTEM, 12, 12, false, false, "12 digits and capital letters (一般名処方マスタ)"},
	{JP_JLAC10_SYSTEM, 17, 17, false, false, "17 digits and capital letters (JLAC10)"},
	{JP_MEDIS_DISEASE_SYSTEM, 4, 4, false, false, "4 digits and capital letters (MEDIS 病名交換用コード)"},
	{JP_ICD10_SYSTEM, 3, 5, false, true, "a capital letter and 2 to 4 digits or letters, without a dot (ICD-10)"},
};

/* {OID, JP Core URI}: the OIDs are those aliases-jpcore.fsh of JP Core v1.1.x
 * gives beside each URI, plus the 16-digit JAMI 用法 table's SS-MIX2 OID. */
static const struct {
	const char *oid, *uri;
} aliases[] = {
	{"urn:oid:1.2.392.200119.4.403.1", JP_HOT9_SYSTEM},
	{"urn:oid:1.2.392.200119.4.403.2", JP_HOT7_SYSTEM},
	{"urn:oid:1.2.392.200119.4.402.1", JP_HOT13_SYSTEM},
	{"urn:oid:1.2.392.100495.20.1.73", JP_YJ_SYSTEM},
	{"urn:oid:1.2.392.100495.20.1.81", JP_GENERIC_NAME_SYSTEM},
	{"urn:oid:1.2.392.100495.20.2.81", JP_GENERIC_NAME_SYSTEM},
	{"urn:oid:1.2.392.200119.4.504", JP_JLAC10_SYSTEM},
	{"urn:oid:1.2.392.200119.4.101.6", JP_MEDIS_DISEASE_SYSTEM},
	{"urn:oid:1.2.392.200119.4.101.2", JP_MEDIS_MGMT_SYSTEM},
	{"urn:oid:1.2.392.200250.2.2.20", CODES_JAMI_USAGE_SYSTEM},
	{"urn:oid:1.2.392.200250.2.2.20.20", CODES_JAMI_USAGE_SYSTEM},
	{"urn:oid:1.2.392.200250.2.2.20.30", CODES_JAMI_BASIC_USAGE_SYSTEM},
	{"urn:oid:1.2.392.200250.2.2.20.40", CODES_JAMI_DETAIL_USAGE_SYSTEM},
	{"urn:oid:1.2.392.200250.2.2.20.32", CODES_JAMI_SITE_SYSTEM},
	{"urn:oid:1.2.392.100495.20.2.101", CODES_MERIT9_UNIT_SYSTEM},
	{"urn:oid:1.2.392.100495.20.2.22", CODES_STRENGTH_TYPE_SYSTEM},
	{"urn:oid:1.2.392.100495.20.3.81", JP_RP_NUMBER_SYSTEM},
	{"urn:oid:1.2.392.100495.20.3.82", JP_ORDER_IN_RP_SYSTEM},
	{"urn:oid:1.2.392.100495.20.3.61", JP_INSURER_NUMBER_SYSTEM},
	{"urn:oid:1.2.392.100495.20.3.31", JP_MEDICAL_REGISTRATION_SYSTEM},
};

const char *jp_system_uri(struct str system)
{
	if (!str_starts_with(system, "urn:oid:1.2.392."))
		return NULL;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (str_eq_c(system, aliases[i].oid))
			return aliases[i].uri;
	return NULL;
}

struct str jp_system_canonical(struct str system)
{
	const char *uri = jp_system_uri(system);
	return uri ? str_c(uri) : system;
}

bool jp_code_shape_ok(struct str system, struct str code, const char **what)
{
	system = jp_system_canonical(system);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		if (!str_eq_c(system, shapes[i].system))
			continue;
		*what = shapes[i].what;
		if (code.len < shapes[i].min || code.len > shapes[i].max)
			return false;
		for (size_t k = 0; k < code.len; k++) {
			char c = code.ptr[k];
			bool digit = c >= '0' && c <= '9', upper = c >= 'A' && c <= 'Z';
			if (shapes[i].digits_only ? !digit : !(digit || upper))
				return false;
			if (shapes[i].icd10 && k == 0 && !upper)
				return false;
			if (shapes[i].icd10 && (k == 1 || k == 2) && !digit)
				return false;
		}
		return true;
	}
	return true;
}
