/* demo_forms.h — internal to the demo generator: the care team's forms of a
 * person with a team (collab/forms.h): the care manager's face sheet in two
 * versions, and a few months of visit records — the visiting nurse's with
 * vital signs that vary as they do (and their Observations), the helper's —
 * each with its summary post on the timeline. A handful of writes a person. */
#ifndef RENKEI_DEMO_DEMO_FORMS_H
#define RENKEI_DEMO_DEMO_FORMS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rand.h"

/* Writes res (stolen) as type/id, the record of the facility code. */
typedef enum rk_status (*demo_forms_put_fn)(void *arg, const char *type, const char *id, json_t *res,
					    const char *facility);

struct demo_forms_member {
	const char *code, *kind, *name; /* facility code, kind (home_nursing, ...), name */
	const char *patient;            /* the person's registration there (a member's records are about it) */
};

/* The forms of the person regional whose team has these members (each
 * writes about the person's registration at its own facility), dated in the months before today (days since 1970). The
 * number of records written is added to *written. */
enum rk_status demo_forms_put(struct rng *r, int64_t today, const char *regional,
			      const struct demo_forms_member *members, size_t n, demo_forms_put_fn put, void *arg,
			      unsigned *written);

#endif
