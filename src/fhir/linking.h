/* linking.h — patient linking (issue 5 §6, MISSION "Patient identity"): the
 * match key of every registration, candidate pairs of regional IDs found when
 * a new person is registered (never merged automatically), and the audited
 * review: merge (every registration of one regional ID relinked to another,
 * with exactly what moved recorded), unmerge (exactly that undone) and reject.
 * Called inside the Patient write transaction (linking_registered) and by the
 * operator's API and command line. */
#ifndef RENKEI_FHIR_LINKING_H
#define RENKEI_FHIR_LINKING_H

#include <jansson.h>

#include "core/limits.h"
#include "core/rand.h"
#include "fhir/resource.h"
#include "model/regional_id.h"

/* A pair scoring at least this becomes a candidate: the kana name and the
 * birth date agree (70) and nothing contradicts them (a different sex does). */
#define LINKING_THRESHOLD 70

/* What matching compares of a registration. Strings are NUL-terminated. */
struct linking_features {
	char key[RK_MAX_MATCH_KEY]; /* search key of the kana name, '|', birthDate ("" when either is missing) */
	char gender[16];
	char postal[16];                /* digits of the postal code */
	char address[RK_MAX_MATCH_KEY]; /* search key of the address text */
};

/* The features of a Patient: the name marked SYL (カナ) in JP Core's
 * iso21090-EN-representation, else the first name; family + given. Pure. */
void linking_features(const json_t *patient, struct linking_features *out);
/* Score 0..100 of two registrations with equal keys (name 40, birth date 30,
 * sex +15 / -40 when different, postal code or address +15); reasons gets
 * the agreeing fields, comma-separated. Pure. */
int linking_score(const struct linking_features *a, const struct linking_features *b, char *reasons, size_t cap);

/* The Patient write hook (after the link is stored): keep the registration's
 * match key and identity row; when it created a new regional ID, queue a
 * candidate for every other regional ID with a look-alike registration. */
enum rk_status linking_registered(struct fhir_ctx *ctx, const struct fhir_write *w, struct rk_err *err);

/* ---- review ---------------------------------------------------------------- */

struct linking_candidate {
	struct str id, regional_a, regional_b, patient_a, patient_b, reasons, status, decided_by, note, merge_id;
	int64_t score, created_at, decided_at;
};
typedef enum rk_status (*linking_candidate_fn)(void *arg, const struct linking_candidate *c);
/* Candidates of a status (NULL or "": every status), newest first. */
enum rk_status linking_candidates(struct store *s, const char *status, int64_t count, int64_t offset,
				  linking_candidate_fn fn, void *arg, struct rk_err *err);

/* A decision. merge: candidate_id, or from and into (regional IDs); with a
 * candidate, into may choose which of its two IDs survives (default: the
 * older, regional_a). unmerge: patient_id, a registration of the merged
 * person (the most recent merge that moved it is undone). */
struct linking_request {
	const char *candidate_id, *from, *into, *patient_id;
	const char *account; /* who decides */
	const char *reason;  /* why (required for merge and unmerge) */
};

struct linking_outcome {
	char merge_id[RAND_ID_LEN + 1];
	char candidate_id[RAND_ID_LEN + 1];
	char from[REGIONAL_ID_LEN + 1], into[REGIONAL_ID_LEN + 1];
	struct str *patients; /* registrations relinked (arena) */
	int64_t *versions;    /* their new Patient versions (0: deleted registration, not rewritten) */
	size_t n;
};

/* Each runs in its own transaction (ctx->batch must be false): everything or
 * nothing. RK_NOT_FOUND (unknown candidate, ID or registration), RK_CONFLICT
 * (already decided, already merged, a merged-away ID), RK_INVALID (an ID into
 * itself, no reason). */
enum rk_status linking_merge(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			     struct rk_err *err);
enum rk_status linking_unmerge(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			       struct rk_err *err);
enum rk_status linking_reject(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			      struct rk_err *err);

/* The regional ID that regional was merged into, followed to the survivor
 * (regional itself when current). RK_NOT_FOUND when it does not exist. */
enum rk_status linking_current(struct store *s, struct str regional, char out[REGIONAL_ID_LEN + 1], struct rk_err *err);

#endif
