/* pipeline.h — the one ingest pipeline every path goes through (SS-MIX2 files,
 * HL7 v2 over MLLP, replays from quarantine): parse → map (v2map) → link to the
 * regional patient → store, durably and idempotently, a batch of messages per
 * transaction (group commit). A message that cannot be parsed, mapped or
 * stored is quarantined with its reason, in the same transaction, and nothing
 * of it is half-applied (each message runs inside its own savepoint).
 * One struct ingest per thread; it owns no connection (the caller's store). */
#ifndef RENKEI_INGEST_PIPELINE_H
#define RENKEI_INGEST_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* Where a message came from; decides idempotency keys and meta.source. */
enum ingest_origin {
	INGEST_SSMIX2, /* a file of an SS-MIX2 storage: key = its path relative to the storage root */
	INGEST_MLLP,   /* an HL7 v2 message over MLLP: key = MSH-3^MSH-4 + MSH-10 */
	INGEST_REPLAY, /* a quarantined message tried again */
};

struct ingest_msg {
	enum ingest_origin origin;
	struct str bytes;         /* the raw message as received (ISO-2022-JP or UTF-8) */
	struct str facility_code; /* the source facility (SS-MIX2: --facility; MLLP: the listener's mapping) */
	struct str peer;          /* MLLP: "127.0.0.1:40000" for the log; SS-MIX2: the storage root */
	/* SS-MIX2 only: the relative path and the 7 file-name fields */
	struct str path;
	struct str patient_id, date, data_type, order_no, timestamp, department;
	char condition; /* '1' current, '2' superseded, '0' deleted */
	/* Set by the caller when it already knows the message cannot be taken (a
	 * file whose name disagrees with its folder, a file too large to read):
	 * it is quarantined with this reason, unparsed. */
	const char *refuse;
	/* Optional: the hex SHA-256 of bytes when the caller already has it
	 * (from ingest_seen), so it is not computed twice. */
	const char *digest;
	/* MLLP over TLS: the subject and serial of the client certificate the
	 * message came with (its audit entry names it); empty otherwise. */
	struct str certificate;
};

enum ingest_outcome {
	INGEST_STORED,      /* new or changed: resources written */
	INGEST_DELETED,     /* a deletion (condition 0 / order cancel) applied */
	INGEST_DUPLICATE,   /* the same message (MLLP sender + MSH-10, or the same file bytes) was already stored */
	INGEST_SKIPPED,     /* SS-MIX2 superseded file (condition 2): history only, nothing to store */
	INGEST_QUARANTINED, /* kept with its reason; see `renkei ingest errors` */
};

struct ingest_report {
	enum ingest_outcome outcome;
	int resources;         /* resources written or deleted */
	int64_t quarantine_id; /* INGEST_QUARANTINED */
	bool rejected;         /* quarantined because the message could not even be parsed (ACK AR, not AE) */
	char reason[512];      /* why it was quarantined, or the first mapping warning */
	int warnings;          /* mapping warnings of a stored message (each kept: `renkei ingest warnings`) */
	/* For the ACK: the parsed MSH fields when the message parsed */
	char control_id[200], sending_app[200], sending_facility[200], receiving_app[200], receiving_facility[200],
		event[8];
};

struct ingest;

/* A pipeline over the caller's open store. RK_DB on failure. */
enum rk_status ingest_open(struct store *s, const struct config *cfg, struct ingest **out, struct rk_err *err);
void ingest_close(struct ingest *ing);
/* Write an audit entry per message from now on (SECURITY.md, access log),
 * appended in the batch's own transaction: ingest_batch's commit makes the
 * messages and their entries durable together, or neither. actor names who runs SS-MIX2 imports and replays ("ssmix2-import:<OS
 * user>"); an MLLP message's account is its sender. */
struct audit_log;
void ingest_set_audit(struct ingest *ing, struct audit_log *log, const char *actor);

/* Ingest n messages in one durable transaction. reports[i] describes msgs[i].
 * Returns RK_OK when the transaction committed (every report is then final and
 * durable: STORED/DELETED/DUPLICATE/SKIPPED/QUARANTINED); any other status means
 * the commit failed and nothing of the batch is stored (the caller must not
 * acknowledge any of it). Thread-compatible: one ingest per thread. */
enum rk_status ingest_batch(struct ingest *ing, const struct ingest_msg *msgs, size_t n, struct ingest_report *reports,
			    struct rk_err *err);

/* Has this SS-MIX2 file (relative path + content digest) already been ingested
 * unchanged? Lets the importer skip files without re-reading them twice.
 * digest receives the hex SHA-256 of bytes (for ingest_msg.digest). */
enum rk_status ingest_seen(struct ingest *ing, struct str facility_code, struct str path, struct str bytes,
			   char digest[65], bool *seen, struct rk_err *err);

/* Quarantine */
struct ingest_error {
	int64_t id;
	int64_t at;        /* ms */
	struct str origin; /* "ssmix2", "mllp", "fhir" */
	struct str facility_code;
	struct str location; /* relative path, or sender + MSH-10, or peer */
	struct str reason;
	int64_t resolved_at; /* 0 while open */
};
/* Listing it: ingest_errors in ingest/quarantine.h. */
/* Try quarantined message id again (after a fix to renkei or its code lists):
 * on success it is marked resolved; otherwise its reason is updated. */
enum rk_status ingest_replay(struct ingest *ing, int64_t id, struct ingest_report *report, struct rk_err *err);

const char *ingest_outcome_name(enum ingest_outcome o);

#endif
