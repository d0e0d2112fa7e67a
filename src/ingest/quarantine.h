/* quarantine.h — reading the ingest quarantine for the operator's screen: a
 * page of entries (with their tries, without their bytes), one entry with the
 * message as received, and its text for display (HL7 v2 decoded to UTF-8, or
 * a note saying why it is not readable). Replays stay in pipeline.h
 * (ingest_replay). Read-only; thread-compatible (the caller's connection). */
#ifndef RENKEI_INGEST_QUARANTINE_H
#define RENKEI_INGEST_QUARANTINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "ingest/pipeline.h"
#include "store/store.h"

struct quarantine_entry {
	struct ingest_error e; /* id, at, origin, facility_code, location, reason, resolved_at */
	int64_t tries;         /* times it was received or replayed and still failed */
	struct str bytes;      /* quarantine_get only: the message as received (arena); empty in lists */
};

typedef enum rk_status (*quarantine_fn)(void *arg, const struct quarantine_entry *q, struct rk_err *err);

/* A page of the quarantine, oldest first: open entries, or all when
 * include_resolved. *total receives how many there are in all (for paging).
 * Slices passed to fn live until fn returns. RK_DB on a store failure, or
 * what fn returned. */
enum rk_status quarantine_list(struct store *s, bool include_resolved, int64_t count, int64_t offset, quarantine_fn fn,
			       void *arg, int64_t *total, struct rk_err *err);

/* Every open (or every) quarantined message, oldest first, on s (for the
 * command line: `renkei ingest errors`, `ingest replay --all`). */
typedef enum rk_status (*ingest_error_fn)(void *arg, const struct ingest_error *e, struct rk_err *err);
enum rk_status ingest_errors(struct store *s, bool include_resolved, ingest_error_fn fn, void *arg, struct rk_err *err);

/* The messages and files stored with mapping warnings (what was kept but not
 * mapped fully), newest first, of one facility or all (facility empty), at
 * most limit: `renkei ingest warnings`. warnings holds one per line. */
struct ingest_warning {
	int64_t at; /* ms */
	struct str origin, facility_code, location, warnings;
};
typedef enum rk_status (*ingest_warning_fn)(void *arg, const struct ingest_warning *w, struct rk_err *err);
enum rk_status ingest_warnings(struct store *s, struct str facility, int64_t limit, ingest_warning_fn fn, void *arg,
			       struct rk_err *err);

/* One entry with its bytes (decoded from the stored base64 into a). RK_NOT_FOUND
 * for an unknown id, RK_INTERNAL when the stored bytes are not base64,
 * RK_TOO_LARGE past a's bound. *out is written only on success. */
enum rk_status quarantine_get(struct store *s, int64_t id, struct arena *a, struct quarantine_entry *out,
			      struct rk_err *err);

/* The text of a quarantined message for display, at most RK_MAX_QUARANTINE_TEXT
 * bytes of valid UTF-8 (segments on their own lines). When it parses as HL7 v2
 * (ISO-2022-JP decoded), *text is the decoded message and *parsed is true, and
 * *sending_facility / *patient_local receive MSH-4.1 and PID-3.1 (slices, maybe
 * empty). Otherwise, when the bytes are UTF-8 text, *text is that text and
 * *note says why it did not parse; when they are not text, *text is empty and
 * *note says so. *truncated tells that the text was cut. Never fails; all
 * results live in a. */
struct quarantine_text {
	struct str text;
	bool parsed, truncated;
	const char *note; /* NULL when parsed */
	struct str sending_facility, patient_local;
};
void quarantine_text(struct str bytes, struct arena *a, struct quarantine_text *out);

#endif
