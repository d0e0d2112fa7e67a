/* regional_id.h — the regional patient ID (地域共通患者ID): 13 digits, the last
 * a Luhn check digit so a mistyped ID from a paper form is caught at once.
 * Pure; thread-safe except that rng belongs to its caller. */
#ifndef RENKEI_MODEL_REGIONAL_ID_H
#define RENKEI_MODEL_REGIONAL_ID_H

#include <stdbool.h>

#include "core/rand.h"
#include "core/str.h"

#define REGIONAL_ID_LEN 13

/* A new ID from rng (deterministic) or, when rng is NULL, from the kernel. */
void regional_id_new(struct rng *rng, char out[REGIONAL_ID_LEN + 1]);
/* 13 digits, no leading zero, correct check digit. */
bool regional_id_valid(struct str id);

#endif
