/* regional_id.c — generation and checking of regional patient IDs. */
#include "model/regional_id.h"

/* Luhn check digit for the digits d[0..n). */
static int luhn_digit(const char *d, int n)
{
	int sum = 0;
	for (int i = n - 1, k = 0; i >= 0; i--, k++) {
		int v = d[i] - '0';
		if (k % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return (10 - sum % 10) % 10;
}

void regional_id_new(struct rng *rng, char out[REGIONAL_ID_LEN + 1])
{
	struct rng own;
	if (!rng) {
		uint64_t seed[4];
		rand_bytes(seed, sizeof seed);
		for (int i = 0; i < 4; i++)
			own.s[i] = seed[i] | (i == 0); /* never the all-zero state */
		rng = &own;
	}
	out[0] = (char)('1' + rng_below(rng, 9));
	for (int i = 1; i < REGIONAL_ID_LEN - 1; i++)
		out[i] = (char)('0' + rng_below(rng, 10));
	out[REGIONAL_ID_LEN - 1] = (char)('0' + luhn_digit(out, REGIONAL_ID_LEN - 1));
	out[REGIONAL_ID_LEN] = '\0';
}

bool regional_id_valid(struct str id)
{
	if (id.len != REGIONAL_ID_LEN || !str_is_digits(id) || id.ptr[0] == '0')
		return false;
	return luhn_digit(id.ptr, REGIONAL_ID_LEN - 1) == id.ptr[REGIONAL_ID_LEN - 1] - '0';
}
