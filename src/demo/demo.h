/* demo.h — the synthetic demo region: facilities of every kind, their staff,
 * and people with Japanese names in kanji and kana, birth dates and
 * addresses, registered at one or more facilities and linked to one regional
 * ID, each with a clinical history across those facilities (demo_clinical.h).
 * Deterministic for a seed (ids, names, links; only timestamps differ).
 * Everything is written through the FHIR resource service, in one
 * transaction; then the hospitals' records arrive the way a real hospital's
 * do: each hospital's SS-MIX2 storage is generated (ssmix2_gen.h) for the
 * people registered there and imported (ssmix2.h) through the ingest
 * pipeline. Synthetic only: no real person is in it. */
#ifndef RENKEI_DEMO_DEMO_H
#define RENKEI_DEMO_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "core/progress.h"
#include "store/store.h"

/* Every demo account has this password and this TOTP secret (RFC 4648 base32),
 * so that a new user can log in at once (README lists the accounts). */
#define DEMO_PASSWORD    "Renkei-Demo-2026"
#define DEMO_TOTP_SECRET "RENKEIDEMOSHAREDTOTPSECRETABCDEF"

struct demo_stats {
	int accounts;
	int consents;
	int care_teams;
	int facilities;
	int staff;
	int people;
	int registrations;
	int linked_people; /* people registered at more than one facility */
	int64_t records;   /* clinical records (visits, diagnoses, prescriptions, results, documents ...) */
	/* the hospitals' SS-MIX2 storages */
	int64_t ssmix2_patients, ssmix2_files, ssmix2_stored, ssmix2_superseded, ssmix2_deleted, ssmix2_quarantined;
	int64_t ssmix2_resources;
	int64_t elapsed_ms;
};

struct demo_options {
	uint64_t seed;
	int64_t people;
	bool history; /* also each person's clinical records (false: people, registrations and consents only) */
	const char *ssmix2_dir;    /* keep the hospitals' SS-MIX2 storages in <dir>/<facility code>
				 * (must not exist yet); NULL: a temporary directory under
				 * $TMPDIR, removed afterwards */
	struct progress *progress; /* phases reported here (may be NULL): people, then each
				    * hospital's SS-MIX2 import */
};

/* Build the region into s, which must hold no facility yet (RK_CONFLICT
 * otherwise). When the first transaction fails nothing is written; the
 * SS-MIX2 import that follows commits in batches (a failure there leaves the
 * region without some hospital records). A quarantined SS-MIX2 file is a
 * failure (RK_INTERNAL): the demo's own data must all be taken. */
enum rk_status demo_build(struct store *s, const struct config *cfg, const struct demo_options *o,
			  struct demo_stats *stats, struct rk_err *err);

#endif
