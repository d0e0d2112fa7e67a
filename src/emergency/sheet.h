/* sheet.h — the 救急医療情報シート: a printed page per patient (the summary's
 * essentials, 作成日, a QR code) kept on the fridge or in the 救急医療情報キット.
 * The QR code carries only an opaque random token in a URL of the server's
 * summary screen (…/summary.html?sheet=TOKEN): no name, no ID, no clinical
 * data. The token is resolved to the patient after login, through the
 * caller's access decision like any read. Each print stores the summary's
 * content hash and time (table emergency_sheet, migration 0019), so the
 * sheet reports itself stale when the summary has changed since. */
#ifndef RENKEI_EMERGENCY_SHEET_H
#define RENKEI_EMERGENCY_SHEET_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define SHEET_TOKEN_LEN 26

struct sheet_state {
	char token[SHEET_TOKEN_LEN + 1];
	char content_hash[65]; /* "" never printed */
	int64_t generated_at;  /* ms; 0 never printed */
};

/* The sheet's row of a registration: an existing one, or a new token
 * (stored; never printed) when it has none. */
enum rk_status sheet_get(struct store *s, struct str patient_id, struct sheet_state *out, struct rk_err *err);
/* Record a print of the content with hash at now. */
enum rk_status sheet_printed(struct store *s, struct str patient_id, const char *hash, int64_t now, struct rk_err *err);
/* The registration of a token; RK_NOT_FOUND "this sheet is not known". */
enum rk_status sheet_resolve(struct store *s, struct str token, struct arena *a, struct str *patient_id,
			     struct rk_err *err);
/* Is the printed sheet stale for the current content hash? (never printed: yes) */
bool sheet_stale(const struct sheet_state *st, const char *hash);
/* The URL of the QR code: the origin of fhir_base (its "/fhir" removed) +
 * "/summary.html?sheet=" + token (arena). */
const char *sheet_url(struct arena *a, const char *fhir_base, const char *token);
/* The Patient registrations of a facility, by local ID: those after the
 * local ID *after ("" from the first; it is set to the last one listed, at
 * most 127 bytes), skipping offset, at most count (≤ SHEET_BATCH_MAX), each
 * into fn. An index range (facility_code, local_id): the whole facility is
 * walked by `after`, never by growing offsets. */
#define SHEET_BATCH_MAX 200
typedef enum rk_status (*sheet_patient_fn)(void *arg, struct str patient_id);
enum rk_status sheet_facility_patients(struct store *s, struct str facility, char after[128], int64_t offset,
				       int64_t count, sheet_patient_fn fn, void *arg, size_t *n_listed,
				       struct rk_err *err);
/* Is t a well-formed token (26 lower-case base32 characters)? */
bool sheet_token_ok(struct str t);

#endif
