/* municipality.c — 全国地方公共団体コード: check digit, prefecture, coverage. */
#include "model/municipality.h"

#include <string.h>

bool municipality_code_valid(struct str code)
{
	if (code.len != MUNICIPALITY_CODE_LEN || !str_is_digits(code))
		return false;
	int pref = (code.ptr[0] - '0') * 10 + (code.ptr[1] - '0');
	if (pref < 1 || pref > 47)
		return false;
	static const int w[5] = {6, 5, 4, 3, 2};
	int sum = 0;
	for (int i = 0; i < 5; i++)
		sum += (code.ptr[i] - '0') * w[i];
	return (11 - sum % 11) % 10 == code.ptr[5] - '0';
}

bool municipality_is_prefecture(struct str code)
{
	return municipality_code_valid(code) && memcmp(code.ptr + 2, "000", 3) == 0;
}

bool municipality_code_covers(struct str declared, struct str facility)
{
	if (!municipality_code_valid(declared) || !municipality_code_valid(facility))
		return false;
	if (municipality_is_prefecture(declared))
		return memcmp(declared.ptr, facility.ptr, 2) == 0;
	return memcmp(declared.ptr, facility.ptr, MUNICIPALITY_CODE_LEN) == 0;
}

/* The next space-separated word of *rest. */
static bool next_code(struct str *rest, struct str *out)
{
	while (rest->len && rest->ptr[0] == ' ') {
		rest->ptr++;
		rest->len--;
	}
	if (!rest->len)
		return false;
	size_t n = 0;
	while (n < rest->len && rest->ptr[n] != ' ')
		n++;
	*out = (struct str){rest->ptr, n};
	rest->ptr += n;
	rest->len -= n;
	return true;
}

bool municipality_list_covers(const char *declared, const char *facility)
{
	struct str d = str_c(declared ? declared : ""), code;
	while (next_code(&d, &code)) {
		struct str f = str_c(facility ? facility : ""), fc;
		while (next_code(&f, &fc))
			if (municipality_code_covers(code, fc))
				return true;
	}
	return false;
}

bool municipality_list_add(char *list, size_t cap, struct str code)
{
	if (!municipality_code_valid(code))
		return false;
	size_t len = strlen(list);
	if (!len) {
		if (cap < 2)
			return false;
		list[0] = ' ';
		list[1] = '\0';
		len = 1;
	}
	struct str rest = str_c(list), have;
	int n = 0;
	while (next_code(&rest, &have)) {
		if (str_eq(have, code))
			return true;
		n++;
	}
	if (n >= MUNICIPALITY_MAX_CODES || len + MUNICIPALITY_CODE_LEN + 2 > cap)
		return false;
	memcpy(list + len, code.ptr, MUNICIPALITY_CODE_LEN);
	list[len + MUNICIPALITY_CODE_LEN] = ' ';
	list[len + MUNICIPALITY_CODE_LEN + 1] = '\0';
	return true;
}
