/* rand.c — getrandom(2) wrapper, time-ordered ids, xoshiro256** (Blackman &
 * Vigna, public domain algorithm) seeded by splitmix64. */
#include "core/rand.h"

#include <errno.h>
#include <sys/random.h>

#include "core/err.h"
#include "core/time.h"

void rand_bytes(void *p, size_t n)
{
	unsigned char *b = p;
	while (n) {
		ssize_t got = getrandom(b, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rk_oom(); /* no entropy: nothing safe to do but stop */
		}
		b += got;
		n -= (size_t)got;
	}
}

void rand_id(char out[RAND_ID_LEN + 1])
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	unsigned char raw[16];
	uint64_t ms = (uint64_t)time_now_ms();
	for (int i = 0; i < 6; i++)
		raw[i] = (unsigned char)(ms >> (40 - 8 * i));
	rand_bytes(raw + 6, 10);
	/* 128 bits -> 26 base32 digits (the top digit holds 3 bits). */
	int bit = 0;
	for (int k = 0; k < RAND_ID_LEN; k++) {
		int width = k == 0 ? 3 : 5;
		unsigned v = 0;
		for (int j = 0; j < width; j++, bit++)
			v = (v << 1) | ((raw[bit / 8] >> (7 - bit % 8)) & 1u);
		out[k] = alphabet[v];
	}
	out[RAND_ID_LEN] = '\0';
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do {
		x = rng_next(r);
	} while (x >= limit);
	return x % n;
}

int rng_chance(struct rng *r, unsigned num, unsigned den)
{
	return rng_below(r, den) < num;
}
