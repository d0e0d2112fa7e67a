/* checkpoint.h — the audit chain's anchor outside the database: a small file,
 * signed with the audit key, naming the chain's end (sequence number and
 * hash) at some moment. Whoever can write the database but not this file
 * cannot roll the chain back behind it: `renkei audit verify` and the start of
 * every audit writer compare the database with it. Pure file I/O; no state. */
#ifndef RENKEI_AUDIT_CHECKPOINT_H
#define RENKEI_AUDIT_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"

#define AUDIT_CHECKPOINT_KEY_BYTES 32

struct audit_checkpoint {
	char log_id[33];     /* whose: audit_key_check.log_id (one key may serve several logs) */
	int64_t seq;         /* the last entry it covers (0: the empty log) */
	char hash[65];       /* that entry's chain value ("" for seq 0) */
	int64_t recorded_at; /* that entry's time, ms */
	int64_t written_at;  /* when the checkpoint was taken, ms */
};

/* The file for a configuration: audit.checkpoint_file, else beside the key
 * file (its name without ".key", plus ".checkpoint"). */
void checkpoint_path(const struct config *cfg, const char *key_path, char *out, size_t cap);

/* Read and check path. *found = false (RK_OK) when there is no file; RK_INVALID
 * when the file exists but is malformed or not signed by key (altered, or
 * another key's); RK_IO when it cannot be read. */
enum rk_status checkpoint_read(const char *path, const unsigned char key[AUDIT_CHECKPOINT_KEY_BYTES],
			       struct audit_checkpoint *out, bool *found, struct rk_err *err);

/* Replace path with cp, signed: a new file (mode 0600) in the same directory,
 * fsync'ed, renamed over the old one, the directory fsync'ed. Never leaves a
 * half-written file. RK_IO on failure (the old file is then untouched). */
enum rk_status checkpoint_write(const char *path, const unsigned char key[AUDIT_CHECKPOINT_KEY_BYTES],
				const struct audit_checkpoint *cp, struct rk_err *err);

#endif
