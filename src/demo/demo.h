/* demo.h — the synthetic demo region: facilities of every kind, their staff,
 * and people with Japanese names in kanji and kana, birth dates and
 * addresses, registered at one or more facilities and linked to one regional
 * ID, each with a clinical history across those facilities (demo_clinical.h).
 * Dated relative to a day ("today", --today): every date of the region
 * (births, visits, prescriptions, results, consents) is counted back from
 * it, so that a person on long-term therapy has current medicines on that
 * day. Deterministic for a seed and a day (ids, names, links, dates; only
 * timestamps such as meta.lastUpdated differ).
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
	int posts; /* posts on the care teams' timelines (Communication) */
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
	int64_t today; /* the demo's day, days since 1970-01-01 (0: today's date in Japan);
			* the records end the day before */
	bool history;  /* also each person's clinical records (false: people, registrations and consents only) */
	const char *ssmix2_dir;    /* keep the hospitals' SS-MIX2 storages in <dir>/<facility code>
				 * (must not exist yet); NULL: a temporary directory under
				 * $TMPDIR, removed afterwards */
	struct progress *progress; /* phases reported here (may be NULL): people, then each
				    * hospital's SS-MIX2 import */
};

/* Today's date in Japan (UTC+9), days since 1970-01-01: the default demo day. */
int64_t demo_today(void);

/* Parse a demo day "YYYY-MM-DD" (a real calendar date from 1900 to 2999) into
 * days since 1970-01-01. False when it is not one. */
bool demo_parse_day(const char *s, int64_t *days);

/* Build the region into s, which must hold no facility yet (RK_CONFLICT
 * otherwise). When the first transaction fails nothing is written; the
 * SS-MIX2 import that follows commits in batches (a failure there leaves the
 * region without some hospital records). A quarantined SS-MIX2 file is a
 * failure (RK_INTERNAL): the demo's own data must all be taken. */
enum rk_status demo_build(struct store *s, const struct config *cfg, const struct demo_options *o,
			  struct demo_stats *stats, struct rk_err *err);

#endif
