/* demo_records.h — internal to the demo generator: the person whose clinical
 * history demo_clinical.c plans (struct hist), and the builders in
 * demo_records.c that write each kind of record as a FHIR R4 resource with JP
 * Core codes, plus the small model of lab trends and the seeded draws. */
#ifndef RENKEI_DEMO_DEMO_RECORDS_H
#define RENKEI_DEMO_DEMO_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/rand.h"
#include "demo/demo_clinical.h"
#include "model/codes.h"

#define MAX_CONDITIONS DEMO_MAX_CONDITIONS
#define MAX_MEDS       24 /* medicines of one person */

struct cond {
	const struct codes_diagnosis *dx;
	int site;            /* index in p->sites */
	bool fresh;          /* diagnosed at the first visit of the history (treatment starts then) */
	const char *meds[2]; /* codes_medicines keys prescribed for it, or NULL */
	char id[64];         /* Condition id once written */
};

struct hist {
	struct demo_clinical *c;
	const struct demo_person *p;
	struct rng *r;
	unsigned seq;
	int primary, hospital, ortho, derm, eye, peds, pharmacy, homecare;
	struct cond conds[MAX_CONDITIONS];
	size_t n_conds;
	const struct codes_allergen *allergies[2];
	size_t n_allergies;
	unsigned doctor[4]; /* the person's doctor at each site */
	/* lab trend model */
	double offset[64];
	int64_t dm_start, dl_start, hu_start, an_start; /* day treatment starts (INT64_MAX: never) */
	double a1c_hi, a1c_lo, ldl_hi, ldl_lo, ua_hi, ua_lo, hb_lo;
	double egfr0, egfr_slope, bnp_base, sbp_hi;
	int64_t egfr_day0;
	bool dm, dl, ckd, hf, hu, anemia;
};

struct rx {
	const struct codes_medicine *med;
	unsigned days;
	const char *category;  /* MERIT-9 処方区分: OHO 院外処方, DCG 退院処方 */
	const char *condition; /* Condition id or NULL */
	bool active;
};

/* Seeded draws: uniform in [lo, hi), approximately normal, below n, true with percent. */
double demo_uniform(struct rng *r, double lo, double hi);
double demo_gauss(struct rng *r, double sd);
unsigned demo_below(struct rng *r, unsigned n);
bool demo_chance(struct rng *r, unsigned percent);

/* Dates and references */
void demo_fmt_date_ja(char out[32], int64_t day);
json_t *demo_prac_ref(const struct hist *h, int s, unsigned number);
json_t *demo_doctor_ref(const struct hist *h, int s);

/* The lab trend model */
double demo_round_to(double v, unsigned decimals);
double demo_treated(double hi, double lo, int64_t start, int64_t day, double tau);
void demo_init_labs(struct hist *h);

/* The records; each returns the write's status. */
enum rk_status demo_put_encounter(struct hist *h, int s, const char *cls, int64_t day, unsigned minute,
				  unsigned length_days, const char *reason, char id[64]);
enum rk_status demo_put_condition(struct hist *h, int s, const struct codes_diagnosis *dx, int64_t onset,
				  int64_t recorded, int64_t abated, const char *encounter, char id[64]);
enum rk_status demo_put_panel(struct hist *h, int s, const char *encounter, int64_t day, const char *const *keys,
			      size_t n, double inflammation);
enum rk_status demo_put_bp(struct hist *h, int s, const char *encounter, int64_t day, unsigned minute, double sbp,
			   double dbp, json_t *performer);
enum rk_status demo_put_vital(struct hist *h, int s, const char *encounter, const char *key, int64_t day,
			      unsigned minute, double value, json_t *performer);
enum rk_status demo_put_oral_rx(struct hist *h, int s, const char *encounter, const struct rx *x, int64_t day,
				unsigned minute);
enum rk_status demo_put_injection(struct hist *h, int s, const char *encounter, const char *medkey, int64_t day,
				  unsigned days, unsigned per_day, const char *condition);
enum rk_status demo_put_imaging(struct hist *h, int s, const char *encounter, const char *modality, int64_t day,
				const char *what, const char *conclusion);
enum rk_status demo_put_document(struct hist *h, int s, const char *kind, const char *encounter, int64_t day,
				 const char *title, const char *description, const char *text, const char *composition);
enum rk_status demo_put_composition(struct hist *h, int s, const char *encounter, int64_t day, const char *diagnosis,
				    const char *course, const char *plan, const char *condition, char id[64]);
enum rk_status demo_put_procedure(struct hist *h, int s, const char *encounter, const char *what, const char *body,
				  int64_t day, const char *condition);
enum rk_status demo_put_allergy(struct hist *h, int s, const struct codes_allergen *a, int64_t recorded);
enum rk_status demo_put_immunization(struct hist *h, int s, int64_t day, unsigned dose_number);

#endif
