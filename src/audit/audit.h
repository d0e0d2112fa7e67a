/* audit.h — the audit log (監査ログ): append-only, each entry chained to the
 * previous one with HMAC-SHA-256 under a key kept outside the database, so
 * that no entry can be changed, deleted, inserted or reordered without
 * `renkei audit verify` naming it. The chain's end (audit_head) carries an
 * HMAC too, and a signed checkpoint file outside the database anchors it, so
 * that removing the newest entries is caught as well. Entries come two ways:
 * a writer thread per process with group commit (many entries, one
 * transaction, one fsync) for reads, whose audit_write/audit_submit report
 * when the entry is durable; and audit_append inside the caller's own
 * transaction for writes, so that a change and its entry commit together or
 * not at all. Both chain under the head row's lock. Thread-safe. */
#ifndef RENKEI_AUDIT_AUDIT_H
#define RENKEI_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "store/store.h"

#define AUDIT_KEY_BYTES 32

/* One entry, as the caller describes it. Strings are copied; NULL means "". */
/* The text fields of an entry, once: X(member of struct audit_event, column
 * of audit_entry), in the order the chain's hash takes them. Everything that
 * lists them (the canonical form, the INSERT, the reads that verify, the
 * writer's copies) expands this list. */
#define AUDIT_TEXT_FIELDS(X)        \
	X(request_id, request_id)   \
	X(event, event)             \
	X(account, account_id)      \
	X(role, role)               \
	X(facility, facility_code)  \
	X(session_ref, session_ref) \
	X(client_addr, client_addr) \
	X(purpose, purpose)         \
	X(grant_kind, grant_kind)   \
	X(grant_ref, grant_ref)     \
	X(patients, patients)       \
	X(entities, entities)       \
	X(query, query)             \
	X(detail, detail)

struct audit_event {
	const char *request_id; /* the HTTP request's X-Request-Id */
	const char *event;      /* read, vread, search, history, create, update, delete, pix, login, ... */
	char action;            /* 'C' 'R' 'U' 'D' 'E' */
	int outcome;            /* 0 success, 4 minor failure (refused), 8 serious, 12 major */
	const char *account, *role, *facility, *session_ref, *client_addr;
	const char *purpose; /* TREAT, ETREAT, HOPERAT, ... */
	const char *grant_kind, *grant_ref;
	const char *patients; /* JSON array of regional IDs ("[]" when none) */
	const char *entities; /* JSON array of {"ref":"Type/id/_history/v","grant":...} ("[]" when none) */
	const char *query;    /* "GET /fhir/Patient?name=..." */
	const char *detail;   /* outcome text */
};

struct audit_log;

/* Start the writer for the configured store (its own connection) with the key
 * of audit.key_file (created, mode 0600, when the log is empty and the file
 * is missing; its absence with a non-empty log is an error). Refuses (with a
 * message saying what to do) when the key is not the one the log was created
 * with (its check value in audit_key_check, stored when the log is created),
 * when the chain head's HMAC does not match, or when the head is behind the
 * checkpoint file or disagrees with it. */
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
/* Append ev inside the caller's open transaction on s — the one that holds
 * the change ev describes: chained under the head row's lock (FOR UPDATE on
 * PostgreSQL; SQLite's write lock is already held), durable with the
 * caller's commit, gone with its rollback. RK_INTERNAL outside a
 * transaction; RK_DB when it cannot be written or the chain head was altered
 * (the caller must then roll back and serve nothing). *seq (may be NULL)
 * gets its sequence number. Any thread, with its own store. */
enum rk_status audit_append(struct audit_log *log, struct store *s, const struct audit_event *ev, int64_t *seq,
			    struct rk_err *err);
/* The same for n entries, chained in order with one head update (an ingest
 * batch); *first_seq (may be NULL) gets the first one's sequence number. */
enum rk_status audit_append_many(struct audit_log *log, struct store *s, const struct audit_event *evs, size_t n,
				 int64_t *first_seq, struct rk_err *err);
/* Stop the writer after the queued entries are written and write a last
 * checkpoint; NULL is ignored. */
void audit_close(struct audit_log *log);

/* The key file for a configuration ("<sqlite db>.audit.key" by default). */
void audit_key_path(const struct config *cfg, char *out, size_t cap);
/* Load the key (create it when create is true and it does not exist). */
enum rk_status audit_key_load(const char *path, bool create, unsigned char key[AUDIT_KEY_BYTES], struct rk_err *err);

struct audit_verify_report {
	int64_t entries;    /* entries checked */
	bool tampered;      /* something is wrong (problem says what) */
	int64_t first_bad;  /* sequence number of the first problem, 0 when none or not an entry's */
	char problem[512];  /* what is wrong there */
	int64_t checkpoint; /* the entry the checkpoint file names (-1: no checkpoint was checked) */
	char note[512];     /* a limit of this check, e.g. no checkpoint file */
};

/* Check the whole chain in one consistent snapshot of the database:
 * sequence, previous-hash links, HMACs, the head and its HMAC, and the
 * patient index. RK_OK with tampered = false when intact; RK_OK with tampered
 * set (and first_bad where an entry can be named) when not; RK_INVALID when
 * key is not the log's key (its check value); other statuses when the check
 * could not run. */
enum rk_status audit_verify(struct store *s, const unsigned char key[AUDIT_KEY_BYTES], struct audit_verify_report *rep,
			    struct rk_err *err);
/* `renkei audit verify`: the key of cfg, audit_verify, and the chain against
 * the checkpoint file (a head behind it — entries removed and an older head
 * restored — or an entry that differs from it). Read-only. */
enum rk_status audit_verify_config(const struct config *cfg, struct store *s, struct audit_verify_report *rep,
				   struct rk_err *err);

/* The chain value of an entry (hex): HMAC-SHA-256(key, prev_hash "\n" canonical fields). */
void audit_chain_hash(const unsigned char key[AUDIT_KEY_BYTES], const char *prev_hash, int64_t seq, int64_t recorded_at,
		      const struct audit_event *ev, char out[65]);
/* The head's HMAC (hex): HMAC-SHA-256(key, "renkei audit head\n" log_id "\n" seq "\n" hash "\n"
 * recorded_at); log_id is the log's (audit_key_check.log_id). */
void audit_head_mac(const unsigned char key[AUDIT_KEY_BYTES], const char *log_id, int64_t seq, const char *hash,
		    int64_t recorded_at, char out[65]);

#endif
