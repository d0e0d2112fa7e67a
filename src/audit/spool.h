/* spool.h — a read-only standby's audit spool (docs/STANDBY.md). A hot
 * standby's database takes no writes, yet every read must leave a durable
 * audit entry before anything is served. So the standby keeps its own audit
 * log: an ordinary renkei audit chain (same HMAC-SHA-256 chaining, keyed
 * head, signed checkpoint, same key as the primary's) in a local SQLite file,
 * <standby.spool_dir>/audit-spool.db. After failback, `renkei audit
 * import-spool` verifies that chain and appends its entries, in order, to the
 * primary's chain — each one saying which spool entry it was and when it was
 * recorded there — with an entry naming the range it imported, so that an
 * import run again (or after a failure) appends nothing twice. The
 * break-the-glass episodes the standby started (their `emergency-start`
 * entries) become episodes of the primary, pending review, in the same
 * transaction. */
#ifndef RENKEI_AUDIT_SPOOL_H
#define RENKEI_AUDIT_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "core/limits.h"

#define AUDIT_SPOOL_DB         "audit-spool.db"
#define AUDIT_SPOOL_CHECKPOINT "audit-spool.checkpoint"
#define AUDIT_SPOOL_EVENT      "audit-spool-import" /* the entry naming an imported range */

/* The configuration the spool's audit log is opened with: cfg's, but its
 * store the spool file and its checkpoint beside it. The strings live here. */
struct audit_spool {
	struct config cfg; /* a shallow copy: never config_free it */
	char dir[RK_MAX_PATH];
	char url[RK_MAX_PATH + 32];
	char key[RK_MAX_PATH];
	char checkpoint[RK_MAX_PATH + 32];
};

/* The spool directory of cfg: dir when given, else standby.spool_dir, else
 * var/standby-spool. */
void audit_spool_dir(const struct config *cfg, const char *dir, char *out, size_t cap);
/* Fill sp for the spool in dir (NULL: audit_spool_dir). create: make the
 * directory (0700) and the spool database (migrated) when missing — the
 * standby's start; else RK_NOT_FOUND when there is no spool there. The audit
 * key (cfg's audit.key_file) must exist: a spool under another key could not
 * be imported. */
enum rk_status audit_spool_prepare(const struct config *cfg, const char *dir, bool create, struct audit_spool *sp,
				   struct rk_err *err);

struct audit_spool_import_report {
	char log_id[40];   /* the spool's own log id */
	int64_t spooled;   /* entries in the spool */
	int64_t before;    /* of them, imported by an earlier run */
	int64_t imported;  /* appended by this run */
	int64_t first_seq; /* the primary's sequence numbers this run used (0 when none) */
	int64_t last_seq;
	int64_t episodes; /* break-the-glass episodes the standby started, now the primary's (for review) */
};

/* `renkei audit import-spool`: verify the spool's chain (RK_INVALID with
 * where it is broken: then nothing is imported), refuse a database that is
 * still a standby, and append every spool entry not yet imported to cfg's
 * (the primary's) chain in transactions of up to 1,000 entries, each with
 * its range entry. */
enum rk_status audit_spool_import(const struct config *cfg, const char *dir, struct audit_spool_import_report *rep,
				  struct rk_err *err);

#endif
