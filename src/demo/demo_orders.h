/* demo_orders.h — internal to the demo generator: the care team's documents
 * (collab/orders.h) of a person whose team includes a 訪問看護ステーション: the
 * primary doctor's 訪問看護指示書 (some ending within two weeks, so the
 * reminders and the 期限間近 badge show), the station's 訪問看護計画書 and last
 * month's 訪問看護報告書, each with its summary on the team's timeline. A few
 * records per such person, written through the caller's put. */
#ifndef RENKEI_DEMO_DEMO_ORDERS_H
#define RENKEI_DEMO_DEMO_ORDERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rand.h"

/* A member facility of the person's team and the person's registration there. */
struct demo_orders_site {
	const char *code, *kind, *name, *patient_id;
	const char *author, *author_name; /* "Practitioner/<id>" of a demo account there, or "" (the facility writes) */
};

/* Write res (owned) as type/id, the record of facility (its owner). */
typedef enum rk_status (*demo_orders_put_fn)(void *g, const char *type, const char *id, json_t *res,
					     const char *facility);

/* The documents of the person, drawn from seed and the regional ID (nothing when the team has no station or no
 * doctor's facility); *count gets how many records were written. */
enum rk_status demo_orders_team(void *g, demo_orders_put_fn put, uint64_t seed, const char *regional,
				const struct demo_orders_site *sites, size_t n, int64_t today, int *count);

#endif
