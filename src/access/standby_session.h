/* standby_session.h — what a read-only standby (docs/STANDBY.md) keeps in
 * its own memory because the database it serves from accepts no writes: the
 * sessions of staff who log in on it, the failed logins counted against each
 * login ID and address, and the one-time codes used (so that a code is still
 * accepted once). access/auth.c uses it instead of the web_session and
 * login_failure tables while standby_sessions_on(); nothing else does. It
 * lives and dies with the process: a restarted standby asks everyone to log
 * in again, and its counts start afresh (a restart is an operator's act, and
 * the lock-out's thresholds are per process then). Thread-safe. */
#ifndef RENKEI_ACCESS_STANDBY_SESSION_H
#define RENKEI_ACCESS_STANDBY_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "access/principal.h"
#include "core/limits.h"

/* Sessions held at once; a login beyond it ends the least recently used. */
#define STANDBY_MAX_SESSIONS 4096

/* Switch auth.c to the in-memory tables (once, before the server starts). */
void standby_sessions_enable(void);
bool standby_sessions_on(void);

struct standby_session {
	char hash[65]; /* SHA-256 of the cookie's token (hex) */
	char account[RK_MAX_ACCOUNT_ID];
	enum session_stage stage;
	char csrf[48];
	int64_t created_at, last_seen, expires_at, authenticated_at, reauth_at;
	bool ended;
};

/* A copy of the session with this hash; false when there is none. */
bool standby_session_get(const char *hash, struct standby_session *out);
/* Insert or replace (by hash). */
void standby_session_put(const struct standby_session *s);

/* Failed logins of (login ID, address); addr "*" is the ID over all addresses. */
struct standby_failures {
	int64_t count, locked_until, last;
};
void standby_failures_get(const char *login_id, const char *addr, struct standby_failures *out);
void standby_failures_put(const char *login_id, const char *addr, const struct standby_failures *f);
/* Forget every count of the ID (a completed login). */
void standby_failures_clear(const char *login_id);

/* Claim TOTP time step `step` of an account whose stored last step is
 * db_last: true (and remembered) when it is newer than both that and every
 * step this process accepted for the account, so each code works once. */
bool standby_totp_claim(const char *account, int64_t step, int64_t db_last);

/* Break-the-glass episodes started on the standby: active ones are kept here
 * for the access check (access/enforce.c), their durable record is their
 * audit entry in the spool (`emergency-start`), from which `renkei audit
 * import-spool` makes them episodes of the primary, for review. */
#define STANDBY_MAX_EPISODES 4096
struct standby_episode {
	char id[40];
	char account[RK_MAX_ACCOUNT_ID];
	char regional[40];
	int64_t started_at, expires_at;
};
void standby_episode_add(const struct standby_episode *e);
/* The account's episodes active at now, up to max, into out; the count. */
size_t standby_episodes_of(const char *account, int64_t now, struct standby_episode *out, size_t max);
/* Use up the session's fresh re-authentication (within fresh_ms of now):
 * true for one caller per re-authentication. */
bool standby_reauth_consume(const char *hash, int64_t now, int64_t fresh_ms);

#endif
