/* ssmix2_gen.h — synthetic SS-MIX2 標準化ストレージ: one facility's folders
 * (PID[0:3]/PID[3:6]/PID/<date|->/<data type>/<7-field file name>) of HL7 v2.5
 * messages in ISO-2022-JP, with a clinical story per patient (visits,
 * admissions, diagnoses, prescriptions, injections and their administrations,
 * lab results that trend, imaging and ECG, diet orders, allergies), including
 * re-sent orders (the earlier file kept with condition flag 2) and cancelled
 * ones (flag 0). Deterministic for a seed. Synthetic data only.
 * Not thread-safe per generator; separate generators are independent. */
#ifndef RENKEI_DEMO_SSMIX2_GEN_H
#define RENKEI_DEMO_SSMIX2_GEN_H

#include <stdint.h>

#include "core/err.h"

/* SS-MIX2 file names: 7 fields joined by '_' (the storage's key). */
#define SSMIX2_ORDER_NONE      "999999999999999" /* オーダNo of data that is no order (ADT, PPR-01, ADT-61) */
#define SSMIX2_FLAG_DELETED    '0'               /* コンディションフラグ: the order was cancelled */
#define SSMIX2_FLAG_CURRENT    '1'               /* the current version */
#define SSMIX2_FLAG_SUPERSEDED '2'               /* an earlier version, replaced by a later 発生日時 */

/* A patient as the hospital knows them. Strings are UTF-8 and must be
 * representable in JIS X 0208 (RK_INVALID otherwise). */
struct ssmix2_person {
	const char *pid;    /* local patient ID: 6..15 characters [0-9A-Za-z] */
	const char *family; /* 漢字 */
	const char *given;
	const char *family_kana; /* 全角カタカナ */
	const char *given_kana;
	const char *birth;   /* YYYYMMDD */
	char sex;            /* 'M' or 'F' */
	const char *postal;  /* "390-0811"; may be NULL */
	const char *address; /* "長野県松本市中央1丁目2番3号"; may be NULL */
	const char *phone;   /* may be NULL */
	/* Chronic conditions (codes_diagnoses keys the generator knows, see
	 * ssmix2_gen_conditions), NULL-terminated; NULL: drawn from the seed by age. */
	const char *const *conditions;
};

struct ssmix2_facility {
	const char *code;    /* 10-digit 医療機関コード (MSH-4) */
	const char *name;    /* 施設名 (ORC-21); NULL: "<code>" */
	const char *postal;  /* may be NULL */
	const char *address; /* may be NULL */
	const char *phone;   /* may be NULL */
};

struct ssmix2_gen_config {
	const char *out; /* storage root; created when absent */
	struct ssmix2_facility facility;
	int64_t end_day; /* last day of history, days since 1970-01-01; 0: 2026-03-31 */
	unsigned years;  /* years of history before end_day (1..10); 0: 2 */
};

struct ssmix2_gen_stats {
	int64_t patients;
	int64_t files;
	int64_t bytes;      /* file contents written */
	int64_t superseded; /* files with condition flag 2 */
	int64_t deleted;    /* files with condition flag 0 */
	double seconds;
};

struct ssmix2_gen;

/* A generator writing into cfg->out (strings are copied). RK_INVALID for a
 * bad facility code or window, RK_IO when the root cannot be created. */
enum rk_status ssmix2_gen_open(const struct ssmix2_gen_config *cfg, struct ssmix2_gen **out, struct rk_err *err);

/* Write one patient's folder: ADT-00 and everything of their history, each
 * file written once. `seed` drives the story (same person + seed = same bytes).
 * RK_INVALID for a bad person (PID shape, date, sex, text outside JIS X 0208,
 * unknown condition), RK_IO on a write failure (naming the path). */
enum rk_status ssmix2_gen_patient(struct ssmix2_gen *g, const struct ssmix2_person *p, uint64_t seed,
				  struct rk_err *err);

/* Totals so far (seconds: since open). */
void ssmix2_gen_stats(const struct ssmix2_gen *g, struct ssmix2_gen_stats *out);
void ssmix2_gen_close(struct ssmix2_gen *g);

/* The chronic conditions ssmix2_person.conditions may name, NULL-terminated. */
const char *const *ssmix2_gen_conditions(void);

/* `renkei gen ssmix2`: N synthetic people (names, addresses from
 * model/demo_data) with PIDs spread over the folders, into an absent or empty
 * directory (RK_CONFLICT otherwise). */
struct ssmix2_gen_options {
	const char *out;
	const char *facility; /* default "2011000011" */
	uint64_t seed;
	int64_t patients;
};

/* Check the command's arguments (strings as given; patients/seed/facility may
 * be NULL for the defaults: 100 patients, seed 1). RK_INVALID with a message
 * naming the option. */
enum rk_status ssmix2_gen_parse_options(const char *patients, const char *seed, const char *facility, const char *out,
					struct ssmix2_gen_options *o, struct rk_err *err);
enum rk_status ssmix2_gen_storage(const struct ssmix2_gen_options *o, struct ssmix2_gen_stats *st, struct rk_err *err);

#endif
