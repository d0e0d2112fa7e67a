/* query.h — reading the audit log back: search by any field and period,
 * rendered as FHIR AuditEvent resources (IHE BALP shape: REST interactions,
 * logins, break-the-glass as DCM 110113/110127). Used by the auditors' API
 * and the patient access report. One store per thread. */
#ifndef RENKEI_AUDIT_QUERY_H
#define RENKEI_AUDIT_QUERY_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

struct audit_filter {
	int64_t from, to;    /* recorded_at in [from, to) */
	const char *account; /* NULL = any */
	const char *facility;
	const char *patient; /* regional ID */
	const char *event;
	const char *action; /* "R", "C", ... */
	int outcome;        /* -1 = any */
	const char *grant;  /* grant kind */
	int64_t seq;        /* one entry; 0 = any */
	int64_t count, offset;
};

struct audit_row {
	int64_t seq, recorded_at;
	struct str request_id, event, action, account, role, facility, session_ref, client_addr, purpose, grant_kind,
		grant_ref, patients, entities, query, detail;
	int outcome;
};

typedef enum rk_status (*audit_row_fn)(void *ctx, const struct audit_row *r);

/* Matching entries, newest first; *total gets the count. */
enum rk_status audit_search(struct store *s, const struct audit_filter *f, audit_row_fn fn, void *ctx, int64_t *total,
			    struct rk_err *err);

/* One entry as a FHIR AuditEvent. region_system is the identifier system of
 * regional patient IDs; site the network's name. */
enum rk_status audit_render(struct buf *b, const struct audit_row *r, const char *region_system, const char *site);

#endif
