/* backup.h — encrypted, consistent backups of the store and their restore
 * (issue 15; docs/OPERATIONS.md is the runbook).
 *
 * A backup file is one snapshot, encrypted with libsodium's
 * crypto_secretstream_xchacha20poly1305 under a 32-byte key kept apart from
 * the backups (backup.key_file, made by `renkei backup keygen`):
 *
 *   "RENKEIBK"  u16 format version (1)  u16 header length   (big-endian)
 *   header: lines key=value\n (backend, payload, created, schema, audit head…)
 *   24-byte secretstream header
 *   chunks: each BACKUP_CHUNK bytes of payload + 17 bytes, the last shorter
 *   and tagged FINAL
 *
 * The first 12 bytes and the header are the associated data of every chunk:
 * a changed header byte fails the MAC like a changed payload byte; a file cut
 * short lacks the FINAL tag; bytes after it are refused. Nothing is trusted
 * before its chunk's MAC is checked.
 *
 * SQLite: the online backup API (sqlite3_backup_step in steps) under one read
 * transaction of the source, so the copy is one consistent snapshot while
 * `renkei serve` writes (WAL: writers go on). PostgreSQL: pg_dump in custom
 * format under a snapshot exported from a REPEATABLE READ transaction, in
 * which the audit head recorded in the header is read too. */
#ifndef RENKEI_BACKUP_BACKUP_H
#define RENKEI_BACKUP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit/audit.h"
#include "config/config.h"
#include "core/err.h"
#include "sched/sched.h"

#define BACKUP_MAGIC       "RENKEIBK"
#define BACKUP_FORMAT      1
#define BACKUP_PREFIX      12   /* magic, version, header length */
#define BACKUP_MAX_HEADER  4096 /* bytes of the header text */
#define BACKUP_CHUNK       65536
#define BACKUP_KEY_BYTES   32
#define BACKUP_KEY_ID_LEN  17 /* 16 hex digits and NUL */
#define BACKUP_SUFFIX      ".rkbk"
#define BACKUP_NAME_PREFIX "renkei-"

/* What the header says (every field is required when parsing). */
struct backup_header {
	char backend[16]; /* sqlite | postgresql */
	char payload[32]; /* sqlite3-database | pg_dump-custom */
	int64_t created_ms;
	int64_t schema;    /* highest applied migration */
	int64_t audit_seq; /* the audit chain's end in the snapshot */
	char audit_hash[65];
	char key_id[BACKUP_KEY_ID_LEN]; /* which key (not the key): a wrong key is named, not guessed */
	char renkei[32];                /* the version that wrote it */
};

/* ---- the format (format.c): pure, no files --------------------------------- */

/* Encode the prefix and header into out (cap >= BACKUP_PREFIX + BACKUP_MAX_HEADER);
 * *n gets its length. */
enum rk_status backup_header_encode(const struct backup_header *h, unsigned char *out, size_t cap, size_t *n,
				    struct rk_err *err);
/* Parse a prefix and header from the first len bytes of data. *used gets the
 * bytes they take. RK_INVALID with what is wrong (not a backup file, another
 * format version, a missing or malformed field, data shorter than the header
 * says). The header is not yet authenticated: the first chunk's MAC does that. */
enum rk_status backup_header_parse(const unsigned char *data, size_t len, struct backup_header *h, size_t *used,
				   struct rk_err *err);
/* The key's id: 8 bytes of a keyed BLAKE2b hash of it, in hex. */
void backup_key_id(const unsigned char key[BACKUP_KEY_BYTES], char out[BACKUP_KEY_ID_LEN]);

/* A source of bytes: returns the bytes read (0 at the end), -1 on error (errno). */
typedef ssize_t (*backup_read_fn)(void *ctx, void *buf, size_t cap);
/* A sink: RK_OK when all len bytes were taken. */
typedef enum rk_status (*backup_write_fn)(void *ctx, const void *buf, size_t len, struct rk_err *err);

/* Encrypt: header, then everything read from in, to out. *bytes gets the payload's size. */
enum rk_status backup_encrypt(const struct backup_header *h, const unsigned char key[BACKUP_KEY_BYTES],
			      backup_read_fn in, void *in_ctx, backup_write_fn out, void *out_ctx, int64_t *bytes,
			      struct rk_err *err);
/* Decrypt a whole file read from in: the header into *h, the payload to out
 * (which sees only authenticated bytes; on a failure what it got must be
 * thrown away). RK_INVALID for a wrong key, a failed MAC (tampered), a
 * missing final tag (truncated) or bytes after it, each said plainly. */
enum rk_status backup_decrypt(const unsigned char key[BACKUP_KEY_BYTES], backup_read_fn in, void *in_ctx,
			      struct backup_header *h, backup_write_fn out, void *out_ctx, int64_t *bytes,
			      struct rk_err *err);

/* ---- retention (format.c): which generations to keep ------------------------- */

struct backup_rule {
	int64_t keep_last;    /* the newest N */
	int64_t keep_daily;   /* plus the newest of each of the last D days (Japan time) */
	int64_t keep_monthly; /* plus the newest of each of the last M months */
};
/* keep[i] for each of the n creation times (any order) as of now. */
void backup_retain(const int64_t *times, size_t n, int64_t now, const struct backup_rule *rule, bool *keep);
/* "renkei-YYYYMMDD-HHMMSS-mmmZ.rkbk" for ms, and back (false: not such a name). */
void backup_file_name(int64_t ms, char *out, size_t cap);
bool backup_name_time(const char *name, int64_t *ms);

/* ---- the operations (backup.c) ----------------------------------------------- */

/* Load the key of backup.key_file (RK_INVALID when unset, RK_IO/RK_INVALID
 * when unreadable, of another size, or readable by others). */
enum rk_status backup_key_load(const struct config *cfg, unsigned char key[BACKUP_KEY_BYTES], struct rk_err *err);
/* Create backup.key_file (mode 0600, never over an existing file). */
enum rk_status backup_keygen(const struct config *cfg, char *key_id, struct rk_err *err);

struct backup_result {
	char path[4096];
	struct backup_header header;
	int64_t payload_bytes, file_bytes, ms;
	char hook[256]; /* what backup.command said ("" when none ran) */
};
/* A snapshot of cfg's store into dir (NULL: backup.dir), as a new file named
 * by its time, read-only; then backup.command with it, when set. */
enum rk_status backup_create(const struct config *cfg, const char *dir, struct backup_result *res, struct rk_err *err);

struct backup_check {
	struct backup_header header;
	int64_t payload_bytes;
	bool restored_checked; /* a trial restore was made and checked */
	bool audit_checked;    /* the audit chain was verified (the key was at hand) */
	struct audit_verify_report audit;
	char note[512]; /* what was not checked, and why */
};
/* Decrypt path, check MAC and final tag; SQLite: restore into a private
 * temporary file, PRAGMA integrity_check, the audit chain (audit key of
 * cfg) and its head against the header. PostgreSQL: pg_restore --list of
 * the archive, then a scratch database on cfg's server (created, restored
 * into, its audit chain checked, dropped; a note when that cannot be done).
 * RK_INVALID with the reason when the file is not sound. */
enum rk_status backup_verify(const struct config *cfg, const char *path, struct backup_check *out, struct rk_err *err);
/* Restore path into target (a store URL): a SQLite file that does not exist,
 * or an empty PostgreSQL database; never over anything. The file is
 * decrypted and checked completely before the target is touched. */
enum rk_status backup_restore(const struct config *cfg, const char *path, const char *target, struct backup_check *out,
			      struct rk_err *err);

struct backup_generation {
	char name[96];
	int64_t created_ms;
	int64_t bytes;
	bool keep;
};
/* The generations in dir (NULL: backup.dir) newest first, with keep set by
 * the configured rule; *out is malloc'ed (free it). */
enum rk_status backup_list(const struct config *cfg, const char *dir, struct backup_generation **out, size_t *n,
			   struct rk_err *err);
/* Remove the generations the rule does not keep (none when dry_run);
 * *removed counts them. A removal refused by permissions is a
 * failure named in err (the directory is append-only for this user). */
enum rk_status backup_prune(const struct config *cfg, const char *dir, bool dry_run, int64_t *removed,
			    struct rk_err *err);

/* The scheduler's `backup` job (every backup.interval; off while backup.dir
 * is unset): backup_create, audited (event backup, one entry per run). */
enum rk_status backup_job_run(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err);

#endif
