/* demo_clinical.h — internal to the demo generator (demo.c): the clinical
 * history of one demo person across the facilities they are registered at —
 * visits, diagnoses, prescriptions and dispensings, injections, lab series,
 * vital signs, allergies, immunizations, admissions with procedures, images,
 * reports and documents — written as FHIR R4 resources with JP Core codes
 * (model/codes.h). Every record references the registration (Patient) at the
 * facility that produced it. Deterministic for the generator's seed.
 * A site marked external (a hospital: its records come from its SS-MIX2
 * storage, demo.c) gets only what SS-MIX2 does not carry — documents,
 * procedures, immunizations — without references to its visits or diagnoses. */
#ifndef RENKEI_DEMO_DEMO_CLINICAL_H
#define RENKEI_DEMO_DEMO_CLINICAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rand.h"

/* One registration of the person: a facility and its Patient resource. */
struct demo_site {
	const char *code;      /* 10-digit facility code */
	const char *kind;      /* hospital | clinic | pharmacy | home_nursing | care_management */
	const char *specialty; /* general | internal | orthopedics | pediatrics | ophthalmology | dermatology | "" */
	const char *name;
	char patient[48]; /* id of the Patient resource (the registration) */
	bool external;    /* its visits, diagnoses, orders and results are written elsewhere (SS-MIX2) */
	/* Practitioner numbers of the facility's staff (prac-<code>-NNN), first and count per role. */
	unsigned doctor_first, doctors, nurse_first, nurses, pharmacist_first, pharmacists, vnurse_first, vnurses;
};

struct demo_person {
	unsigned age;
	bool male;
	const char *name;  /* kanji, "姓 名" */
	const char *birth; /* YYYY-MM-DD */
	int64_t today;     /* days since 1970-01-01 of the demo's day (--today) */
	size_t n;
	struct demo_site sites[4];
};

/* Writes one resource with the given id (takes the reference to res, also on failure). */
typedef enum rk_status (*demo_put_fn)(void *arg, const char *type, const char *id, json_t *res);

#define DEMO_MAX_CONDITIONS 16 /* chronic conditions of one person */

struct demo_clinical {
	demo_put_fn put;
	void *arg;
	struct rng *rng;
	int64_t records; /* resources written so far */
	struct rk_err *err;
	/* Out: the chronic conditions (model/codes.h diagnosis keys) followed at
	 * each site of the last person, NULL-terminated. */
	const char *conditions[4][DEMO_MAX_CONDITIONS + 1];
};

/* Write the person's history. Fails with the first write's error. */
enum rk_status demo_clinical_person(struct demo_clinical *c, const struct demo_person *p);

#endif
