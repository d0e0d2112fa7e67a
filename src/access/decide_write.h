/* decide_write.h — THE write decision, beside the read decision (decide.h):
 * may this principal create, change or delete this record, given the stored
 * version and the new one? One pure function, no I/O; its table (who owns
 * each kind of record, which roles write it, what only the operator changes)
 * is data, printed in docs/ACCESS.md by `renkei access table`. Every write —
 * REST, Bundles, MLLP and SS-MIX2 ingest, the command line — is decided here
 * (access/enforce.c gathers the facts). Thread-safe. */
#ifndef RENKEI_ACCESS_DECIDE_WRITE_H
#define RENKEI_ACCESS_DECIDE_WRITE_H

#include <stdio.h>

#include "access/decide.h"
#include "core/status.h"
#include "model/write.h"

enum write_reason {
	WR_PERMIT,
	WR_ROLE,           /* the role never writes this kind of record */
	WR_NOT_OWNER,      /* another facility owns the record (stored or new) */
	WR_NOT_REGISTERED, /* the patient is not registered at the writing (or owning) facility */
	WR_OPERATOR_ONLY,  /* only the network operator does this (a facility's kind, area, taking part; links) */
	WR_KIND_CHANGE,    /* a record cannot become another kind (a refusal a consent) */
	WR_PATIENT_CHANGE, /* a record cannot move to another patient */
	WR_OWNER_CHANGE,   /* a record cannot move to another facility */
	WR_NEEDS_FORM,     /* withdrawing or changing a refusal in force needs the patient's signed form */
	WR_REGIONAL_ID,    /* a registration cannot name a regional ID: links are the operator's review */
	WR_DELETE_REFUSAL, /* a refusal is withdrawn (with the form), never deleted, but by the operator */
	WR_COUNT_
};

struct write_decision {
	bool permit;
	enum write_reason reason;
};

/* The decision for one write. stored: the current version (NULL on create);
 * fresh: the version being written (NULL on delete); both are described by
 * the caller from the stored row and the new body. p: the patient's facts
 * (the facilities where the person is registered); NULL for records without
 * a patient. The caller has already treated a stored version the principal
 * may not read as missing. */
struct write_decision access_decide_write(const struct access_principal *who, enum write_action act,
					  const struct access_patient *p, const struct write_record *stored,
					  const struct write_record *fresh);

/* May the role write records of this kind in any case (the early check,
 * before anything is read)? cat: the category, for clinical records. */
bool access_role_writes(enum role r, enum write_kind k, enum record_category cat);

const char *write_reason_code(enum write_reason r);      /* "not_owner" */
const char *write_reason_text(enum write_reason r);      /* an English sentence for the OperationOutcome */
enum rk_status write_reason_status(enum write_reason r); /* RK_FORBIDDEN or RK_INVALID */

/* Write the write table as Markdown (docs/ACCESS.md). */
void access_write_write_table(FILE *f);

#endif
