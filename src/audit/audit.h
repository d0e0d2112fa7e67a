/* audit.h — the audit log (監査ログ): append-only, each entry chained to the
 * previous one with HMAC-SHA-256 under a key kept outside the database, so
 * that no entry can be changed, deleted, inserted or reordered without
 * `renkei audit verify` naming it. Entries are written by one writer thread
 * per process with group commit (many entries, one transaction, one fsync);
 * audit_write returns only when its entry is durable, and fails when it could
 * not be written — the caller then serves nothing. Thread-safe. */
#ifndef RENKEI_AUDIT_AUDIT_H
#define RENKEI_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "store/store.h"

#define AUDIT_KEY_BYTES 32

/* One entry, as the caller describes it. Strings are copied; NULL means "". */
struct audit_event {
	const char *request_id; /* the HTTP request's X-Request-Id */
	const char *event;      /* read, vread, search, history, create, update, delete, pix, login, ... */
	char action;            /* 'C' 'R' 'U' 'D' 'E' */
	int outcome;            /* 0 success, 4 minor failure (refused), 8 serious, 12 major */
	const char *account, *role, *facility, *session_ref, *client_addr;
	const char *purpose;    /* TREAT, ETREAT, HOPERAT, ... */
	const char *grant_kind, *grant_ref;
	const char *patients;   /* JSON array of regional IDs ("[]" when none) */
	const char *entities;   /* JSON array of {"ref":"Type/id/_history/v","grant":...} ("[]" when none) */
	const char *query;      /* "GET /fhir/Patient?name=..." */
	const char *detail;     /* outcome text */
};

struct audit_log;

/* Start the writer for the configured store (its own connection) with the key
 * of audit.key_file (created, mode 0600, when the log is empty and the file
 * is missing; its absence with a non-empty log is an error). */
enum rk_status audit_open(const struct config *cfg, struct audit_log **out, struct rk_err *err);
/* Called on the writer thread once an entry is committed (status RK_OK) or
 * could not be (another status, with a message). Must not block. */
typedef void (*audit_done_fn)(void *arg, enum rk_status status, const char *message);
/* Queue ev without waiting; done(arg, ...) tells when it is durable. This is
 * how the HTTP server waits for the audit without holding a worker thread.
 * RK_BUSY when the log is shutting down (done is then not called). */
enum rk_status audit_submit(struct audit_log *log, const struct audit_event *ev, audit_done_fn done, void *arg);
/* Append ev and wait until it is committed. RK_IO/RK_DB/RK_BUSY when it could
 * not be made durable. *seq_out (may be NULL) gets its sequence number. */
enum rk_status audit_write(struct audit_log *log, const struct audit_event *ev, int64_t *seq_out, struct rk_err *err);
/* Stop the writer after the queued entries are written; NULL is ignored. */
void audit_close(struct audit_log *log);

/* The key file for a configuration ("<sqlite db>.audit.key" by default). */
void audit_key_path(const struct config *cfg, char *out, size_t cap);
/* Load the key (create it when create is true and it does not exist). */
enum rk_status audit_key_load(const char *path, bool create, unsigned char key[AUDIT_KEY_BYTES], struct rk_err *err);

struct audit_verify_report {
	int64_t entries;     /* entries checked */
	int64_t first_bad;   /* sequence number of the first problem, 0 when none */
	char problem[256];   /* what is wrong there */
};

/* Check the whole chain: sequence, previous-hash links, HMACs, the head, and
 * the patient index. RK_OK with first_bad = 0 when intact; RK_OK with
 * first_bad set when tampered; other statuses when the check could not run. */
enum rk_status audit_verify(struct store *s, const unsigned char key[AUDIT_KEY_BYTES], struct audit_verify_report *rep,
			    struct rk_err *err);

/* The chain value of an entry (hex): HMAC-SHA-256(key, prev_hash "\n" canonical fields). */
void audit_chain_hash(const unsigned char key[AUDIT_KEY_BYTES], const char *prev_hash, int64_t seq, int64_t recorded_at,
		      const struct audit_event *ev, char out[65]);

#endif
