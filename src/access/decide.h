/* decide.h — THE access decision (DESIGN §5): may this principal read this
 * record of this patient, given the consents, the care team and the
 * emergency state? One pure function, no I/O: every read path (read, vread,
 * history, search, PIX, UI, exports) gathers the facts and calls it, and a
 * denied record is treated as if it did not exist. The role × category and
 * grant × category tables are data, printed in docs/ACCESS.md by
 * `renkei access table`. Thread-safe. */
#ifndef RENKEI_ACCESS_DECIDE_H
#define RENKEI_ACCESS_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/category.h"
#include "model/role.h"

enum consent_kind { CONSENT_INDIVIDUAL, CONSENT_COMPREHENSIVE, CONSENT_REFUSAL };

/* One consent of the patient (any status; decide checks status and period). */
struct consent_fact {
	const char *id;
	enum consent_kind kind;
	bool active;                 /* false once withdrawn */
	int64_t start, end;          /* [start, end) ms */
	const char *source_facility; /* disclosing facility; "" = any (refusal only) */
	const char *viewer_facility; /* viewing facility; "*" = every facility the patient is registered with
				      * (for a refusal: every facility) */
	/* After a merge (docs/ACCESS.md "Merged patients"): a consent given under
	 * one of the merged regional IDs speaks only for the registrations that
	 * ID had when it was given. scoped = true: it covers records whose source
	 * is one of scope's facilities, and "*" means those facilities only.
	 * Refusals are never scoped: they follow the whole person. */
	bool scoped;
	const char *const *scope;
	size_t n_scope;
};

/* One care-team membership of the patient. */
struct team_fact {
	const char *facility;
	const char *account; /* "" = every member of staff of the facility */
	bool active;
	int64_t start, end;
	bool scoped; /* as for consent_fact: the membership opens only records from scope's facilities */
	const char *const *scope;
	size_t n_scope;
};

/* Who asks. */
struct access_principal {
	enum role role;
	const char *facility; /* facility code */
	const char *account;  /* account or client id */
};

/* What is known about the patient, for one request. */
struct access_patient {
	const char *regional_id;
	const char *const *registered; /* facility codes where the person is registered */
	size_t n_registered;
	const struct consent_fact *consents;
	size_t n_consents;
	const struct team_fact *team;
	size_t n_team;
};

/* Emergency state of the principal for this patient. */
struct access_emergency {
	const char *episode_id;  /* an active break-the-glass episode for this patient, or NULL */
	const char *disaster_id; /* a disaster declaration covering the principal's area, or NULL */
};

enum access_grant {
	GRANT_NONE,
	GRANT_OWN,           /* F = S: the facility's own data */
	GRANT_INDIVIDUAL,    /* 個別同意 */
	GRANT_COMPREHENSIVE, /* 包括同意 + care-team membership */
	GRANT_EMERGENCY,     /* break-the-glass episode */
	GRANT_DISASTER,      /* 災害モード */
	GRANT_REGISTERED,    /* consent records: staff of a facility the patient is registered with */
	GRANT_OPERATOR,      /* the network operator: demographics and consents, to manage them */
	GRANT_COUNT_
};

enum access_reason {
	REASON_PERMIT,
	REASON_ROLE,     /* the role never sees this category */
	REASON_NO_GRANT, /* no consent, membership or emergency covers it */
	REASON_REFUSED,  /* the patient refused sharing */
	REASON_COUNT_
};

struct access_decision {
	bool permit;
	enum access_grant grant; /* the grant that permits (GRANT_NONE when denied) */
	const char *grant_ref;   /* consent or episode id, or NULL */
	enum access_reason reason;
};

/* The decision for one record: of patient p, from source_facility, of category cat. */
struct access_decision access_decide(const struct access_principal *who, const struct access_patient *p,
				     const char *source_facility, enum record_category cat,
				     const struct access_emergency *em, int64_t now);

/* May the role ever see the category (the role × category table)? */
bool access_role_allows(enum role r, enum record_category cat);
/* Does the grant cover the category (the grant × category table)? */
bool access_grant_covers(enum access_grant g, enum record_category cat);
/* Roles that may start a break-the-glass episode, at which kinds of facility. */
bool access_emergency_eligible(enum role r, const char *facility_kind);

const char *access_grant_code(enum access_grant g);   /* "individual" */
const char *access_reason_code(enum access_reason r); /* "refused" */

/* Write the tables as Markdown (docs/ACCESS.md). */
void access_write_tables(FILE *f);

#endif
