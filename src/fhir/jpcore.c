/* jpcore.c — shapes of the Japanese code systems renkei checks on write. */
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

bool jp_code_shape_ok(struct str system, struct str code, const char **what)
{
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
