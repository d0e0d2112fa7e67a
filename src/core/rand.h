/* rand.h — randomness: kernel random bytes for identifiers and secrets, and a
 * small seeded generator (xoshiro256**) for deterministic synthetic data.
 * rand_bytes/rand_id are thread-safe; a struct rng belongs to one thread. */
#ifndef RENKEI_CORE_RAND_H
#define RENKEI_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

#define RAND_ID_LEN 26 /* characters in a rand_id, without the NUL */

/* Fill p with n bytes from getrandom(2); aborts if the kernel cannot supply them. */
void rand_bytes(void *p, size_t n);

/* A new resource id: 48-bit millisecond time then 80 random bits, Crockford
 * base32 in lower case (sorts by creation time, index-friendly; a valid FHIR id). */
void rand_id(char out[RAND_ID_LEN + 1]);

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n) (n > 0), without modulo bias. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* True with probability num/den. */
int rng_chance(struct rng *r, unsigned num, unsigned den);

#endif
