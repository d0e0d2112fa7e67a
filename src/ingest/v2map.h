/* v2map.h — HL7 v2.5 (SS-MIX2) messages → FHIR R4 JP Core resources, following
 * JAMI's SS-MIX2→FHIR mapping guide. Table-driven: one row per SS-MIX2 data type
 * (ADT-00, ADT-12, ..., OMP-01, OML-11, OMG-xx, OMD) naming the accepted
 * message types and the segment mapper; one field map per segment.
 * Pure: no I/O, no store; the ingest pipeline stores what this returns.
 * Thread-safe. */
#ifndef RENKEI_INGEST_V2MAP_H
#define RENKEI_INGEST_V2MAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "hl7/hl7.h"

struct v2map_input {
	struct str facility_code; /* the sending facility's 10-digit code (source facility) */
	struct str data_type;     /* SS-MIX2 data type from the file name ("OMP-01"); empty: infer from the message */
	struct str patient_id;    /* local PID from the storage folder / file name (PID-3 must be the same,
				     else RK_INVALID "PID-3 patient X does not match the storage folder Y");
				     empty: PID-3.1 */
	struct str date;          /* file name's 診療日 (YYYYMMDD or "-"); empty: from the message */
	struct str order_no;      /* file name's オーダ番号 (or "-"); empty: from ORC-2 / MSH-10 */
	struct str
		meta_source; /* meta.source of every resource, e.g. "ssmix2:<relative path>" or "mllp:<sender>#<MSH-10>" */
};

struct v2map_resource {
	const char *type; /* "Patient", "Encounter", "MedicationRequest", ... */
	struct str id;    /* stable logical id, see v2map_message */
	json_t *body;     /* owned by the result; complete resource incl. id and meta.source */
	bool shared;      /* one Encounter per visit or admission, written by several messages:
			     merged with the stored one, deleted only with the last of them */
};

struct v2map_result {
	struct str data_type;   /* given or inferred SS-MIX2 data type */
	struct str patient_id;  /* local PID used */
	struct str patient_ref; /* logical id of the Patient registration: "<facility>-<PID>" */
	struct str doc_key;     /* "<facility>-<PID>.<date>.<type>.<order>": groups what one file / order produced */
	bool patient_authoritative; /* ADT-00 / demographics message: the Patient replaces the stored one */
	bool cancel;     /* the message withdraws the order (ORC-1 CA/DC/OC...): delete doc_key's resources */
	json_t *patient; /* Patient from PID (always present; owned) */
	struct v2map_resource *res; /* clinical resources, in reference order (Encounter before what refers to it) */
	size_t n;
	const char *warnings
		[8]; /* e.g. "RXE-2: drug code '99012' of the local system '99YKZ' is not HOT, YJ or 一般名; kept as sent" */
	size_t nwarn;
	size_t nwarn_more; /* warnings past the eighth, counted only */
};

/* Map one parsed message. Ids: the Patient is "<facility>-<PID>"; an
 * Encounter is "<facility>-<PID>.enc-v<PV1-19>" when the visit number is sent,
 * else "<facility>-<PID>.enc-a<PV1-44 to the minute>" when the admission time
 * is (admission, transfer and discharge messages update the one Encounter);
 * every other resource is "<facility>-<PID>.<date>.<type>.<order>.<seq>" ("-" for absent
 * parts, seq = segment/repetition position), replaced by a 64-bit hash form
 * "<facility>-<PID>.h<16 hex>.<seq>" when longer than 64 characters; the same
 * input always yields the same ids (idempotent re-import). References between
 * the resources use these ids; the subject is Patient/<patient_ref>.
 * Fails with RK_INVALID / RK_UNPROCESSABLE and a message naming the segment and
 * field (e.g. "RXE-2: medicine missing", "unknown message type ZZZ^Z99",
 * "PID-3 missing") — the caller quarantines the message with that reason.
 * On failure nothing is allocated for the caller. v2map_free releases bodies. */
enum rk_status v2map_message(const struct hl7_msg *m, const struct v2map_input *in, struct arena *a,
			     struct v2map_result *out, struct rk_err *err);
void v2map_free(struct v2map_result *r);

/* The patient ID of PID-3 (the repetition typed PI, else the first; empty
 * when there is none), for checks that do not map the message. */
struct str v2map_pid3(const struct hl7_msg *m, struct arena *a);

/* The SS-MIX2 data types this module maps, for `renkei import` summaries and docs. */
size_t v2map_data_types(const char *const **out);

#endif
