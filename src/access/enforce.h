/* enforce.h — the one enforcement point: gathers, for a request, the facts
 * the decision needs (the patient's registrations, consents and care team;
 * the principal's emergency episodes and any disaster declaration for its
 * area) from the store, caches them for the request, and calls
 * access_decide(). Every read path goes through access_check(). One
 * struct access_ctx per request; not shared between threads. */
#ifndef RENKEI_ACCESS_ENFORCE_H
#define RENKEI_ACCESS_ENFORCE_H

#include "access/decide.h"
#include "access/decide_write.h"
#include "access/principal.h"
#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

struct access_cache;

struct access_ctx {
	struct store *store;
	struct arena *arena;
	const struct principal *who;
	struct access_principal ap;
	int64_t now;
	bool principal_loaded;
	const char *disaster_id;       /* active declaration covering the principal's area */
	const char **episode_ids;      /* the principal's active break-the-glass episodes ... */
	const char **episode_patients; /* ... and their regional IDs */
	size_t n_episodes;
	struct access_cache *cache;
	/* What the permitted writes of consents and care teams changed, with
	 * the signed form's fingerprint, for the request's audit entry (taken
	 * and emptied by access_take_write_notes). */
	char write_notes[RK_ERR_MSG_MAX];
};

void access_ctx_init(struct access_ctx *ax, struct store *s, struct arena *a, const struct principal *who, int64_t now);

/* Decide for a stored record: its type, source facility and patient (the
 * Patient resource id; empty for data without a patient). *regional_out
 * (may be NULL) gets the patient's regional ID ("" when none). Non-patient
 * types (the directory) are permitted to any authenticated principal. */
enum rk_status access_check(struct access_ctx *ax, struct str type, struct str source, struct str patient_id,
			    struct access_decision *out, const char **regional_out, struct rk_err *err);

/* The write decision (access/decide_write.h) for the principal: the facts
 * of the patient of fresh (else of stored) are loaded, then decided. stored
 * is NULL on a create, fresh NULL on a delete. */
enum rk_status access_check_write(struct access_ctx *ax, enum write_action act, const struct write_record *stored,
				  const struct write_record *fresh, struct write_decision *out, struct rk_err *err);

/* The write side of the enforcement point, as the callbacks of fhir's
 * struct fhir_guard (fhir/resource.h); arg is the request's struct
 * access_ctx. visible: may the principal know of a stored record (a version
 * it replaces or deletes, a record it references)? — the read decision, and
 * a facility system's read scope. authorize: the write decision, failing
 * with RK_FORBIDDEN or RK_INVALID and a message that says why. create_id:
 * records of patients are created under a client-chosen id (update as
 * create) only when the id begins with the writer's facility code and a
 * hyphen ("1310000001-…"), so that such an id can never name another
 * facility's record: RK_NOT_FOUND otherwise, worded like a read of a missing
 * record. The directory (Organization, Practitioner) takes any id. */
enum rk_status access_guard_visible(void *ax, const struct store_resource *r, bool *ok, struct rk_err *err);
enum rk_status access_guard_authorize(void *ax, enum write_action act, const char *type, struct str id,
				      const struct write_record *stored, const struct write_record *fresh,
				      struct rk_err *err);
/* Append the notes of the permitted consent and care-team writes since
 * the last call to dst (size n, "; " between), and empty them. */
void access_take_write_notes(struct access_ctx *ax, char *dst, size_t n);
enum rk_status access_guard_create_id(void *ax, const char *type, struct str id, struct rk_err *err);

/* The facts of a patient by regional ID (registrations, consents, care team). */
enum rk_status access_patient(struct access_ctx *ax, const char *regional_id, const struct access_patient **out,
			      struct rk_err *err);
/* The regional ID of a Patient resource id ("" when it has none). */
enum rk_status access_regional_of(struct access_ctx *ax, struct str patient_id, const char **out, struct rk_err *err);

/* Load the regional IDs and the facts of many patients at once (a few
 * statements per few hundred patients instead of several per patient), so
 * that the access_check calls that follow find them cached. A search's
 * candidate pass calls it; the answer of access_check is the same without. */
enum rk_status access_prefetch(struct access_ctx *ax, const struct str *patient_ids, size_t n, struct rk_err *err);
/* Forget cached facts (after this request changed consents or episodes). */
void access_ctx_reset(struct access_ctx *ax);
/* The disaster declaration covering the principal now (its facility's
 * municipality, one it serves, or an extension for it), or *id = NULL. */
enum rk_status access_disaster_of(struct access_ctx *ax, const char **id, struct rk_err *err);

#endif
