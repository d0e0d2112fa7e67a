/* auth.h — authentication: who a request comes from (session cookie or
 * bearer token), the login flow (password → TOTP or its enrolment → forced
 * password change), lockout with back-off, fresh re-authentication, logout;
 * and OAuth2 client credentials for facility systems. Everything that matters
 * lives in the database, so several servers can share it. One store per
 * thread. */
#ifndef RENKEI_ACCESS_AUTH_H
#define RENKEI_ACCESS_AUTH_H

#include "access/principal.h"
#include "config/config.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "store/store.h"

#define AUTH_COOKIE    "renkei_session"
#define AUTH_TOKEN_MAX 128

/* From the Authorization and Cookie headers. RK_UNAUTHORIZED with a specific
 * message (no credentials, unknown/altered token, expired, revoked, session
 * ended, idle or absolute time-out, account disabled). A session's last-use
 * time is refreshed at most once a minute. */
enum rk_status auth_authenticate(struct store *s, const struct config *cfg, struct str authorization, struct str cookie,
				 int64_t now, struct principal *out, struct rk_err *err);

/* Result of a login step: the session token (for Set-Cookie, only when a new
 * session was made) and the next stage. */
struct auth_step {
	char token[AUTH_TOKEN_MAX];
	enum session_stage stage;
	int64_t locked_until; /* set with RK_FORBIDDEN "locked" */
};

/* A password-checking step (login, password change, re-authentication)
 * counts the attempt in a commit of its own, then checks the password (a
 * slow hash) holding no lock. Once the password is right and just before
 * the step's final writes (the new session, password or re-authentication),
 * it calls hook->before_final (hook may be NULL): there the caller opens the
 * transaction that those writes share with its audit entry, so that they
 * commit together or not at all. A failure of the hook ends the step with
 * its error. */
struct auth_hook {
	enum rk_status (*before_final)(void *arg, struct rk_err *err);
	void *arg;
};

/* Failed logins are counted per login ID and client address (an IPv6 /64)
 * and per login ID over all addresses, for IDs with and without an account
 * alike; password changes, re-authentications and one-time codes count too.
 * The ID is locked for an address after cfg->lockout_threshold failures from
 * it, and for everyone after cfg->lockout_id_threshold failures from all
 * addresses; each lock lasts auth_lockout_ms. While locked, nothing is
 * checked: the answer is RK_FORBIDDEN with code "locked", the same for every
 * ID. A completed login (password and one-time code) clears both counts. All
 * functions below are safe with several servers on one database. */

/* How long the failures-th failure locks, given its threshold: 0 below it,
 * cfg->lockout_base_ms at it, doubling with each further failure, at most
 * cfg->lockout_max_ms. Pure. */
int64_t auth_lockout_ms(const struct config *cfg, int64_t failures, int64_t threshold);

/* Forget every failed login of the ID (from every address): the operator's
 * unlock (`renkei user unlock`, `user reset`). Inside a transaction, call it
 * before changing the account row (logins lock their counts, then the
 * account: the same order keeps PostgreSQL free of deadlocks). */
enum rk_status auth_unlock(struct store *s, const char *login_id, struct rk_err *err);

/* Password check; on success a new session at its first stage. Unknown,
 * disabled account and wrong password fail alike (RK_UNAUTHORIZED
 * "invalid_credentials", one Argon2 check each); locked: see above. */
enum rk_status auth_login(struct store *s, const struct config *cfg, const char *account, const char *password,
			  const char *client_addr, int64_t now, const struct auth_hook *hook, struct auth_step *out,
			  struct rk_err *err);
/* The one-time code of the session's account (stage totp). Wrong codes count
 * as failures; a code is accepted once (replay → refused), also when sent
 * concurrently to several servers. */
enum rk_status auth_totp(struct store *s, const struct config *cfg, const struct principal *who, const char *code,
			 const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err);
/* Stage enroll_totp: a new secret (kept until confirmed) and its otpauth URI.
 * RK_CONFLICT if the account has an enrolled device by now. */
enum rk_status auth_totp_enroll(struct store *s, const struct principal *who, char *secret, size_t secret_cap,
				char *uri, size_t uri_cap, struct rk_err *err);
enum rk_status auth_totp_confirm(struct store *s, const struct config *cfg, const struct principal *who,
				 const char *code, const char *client_addr, int64_t now, struct auth_step *out,
				 struct rk_err *err);
/* Change the password (stage change_password, or any time with the current
 * one, which is locked and counted like a login). Policy failures:
 * RK_INVALID, code = the policy reason. The account's other sessions end;
 * this one stays. RK_CONFLICT when the password was reset or changed
 * meanwhile. */
enum rk_status auth_password_change(struct store *s, const struct config *cfg, const struct principal *who,
				    const char *current, const char *fresh, const char *client_addr, int64_t now,
				    const struct auth_hook *hook, struct auth_step *out, struct rk_err *err);
/* Explicit re-authentication (password and TOTP) of a logged-in session;
 * break-the-glass needs one within auth.reauth, and uses it up. */
enum rk_status auth_reauth(struct store *s, const struct config *cfg, const struct principal *who, const char *password,
			   const char *code, const char *client_addr, int64_t now, const struct auth_hook *hook,
			   struct rk_err *err);
/* Use up the session's re-authentication, if it is fresh (within
 * cfg->reauth_ms): one re-authentication opens one break-the-glass episode.
 * Of concurrent callers one succeeds. RK_FORBIDDEN "reauth_required"
 * otherwise. Run it in the transaction that records the episode. */
enum rk_status auth_reauth_consume(struct store *s, const struct config *cfg, const struct principal *who, int64_t now,
				   struct rk_err *err);
enum rk_status auth_logout(struct store *s, const struct principal *who, int64_t now, struct rk_err *err);

/* ---- OAuth2 client credentials ---- */

/* A new client of a facility; secret_out gets the secret, shown once. */
enum rk_status oauth_client_create(struct store *s, const char *facility, const char *name, const char *scopes,
				   char *client_id_out, size_t id_cap, char *secret_out, size_t secret_cap, int64_t now,
				   struct rk_err *err);
struct oauth_token_out {
	char token[AUTH_TOKEN_MAX];
	int64_t expires_in; /* seconds */
	char scope[RK_MAX_SCOPES];
};
/* client_credentials grant. RK_UNAUTHORIZED (code invalid_client) for a bad
 * client or secret; RK_INVALID (code invalid_scope) for a scope the client
 * may not have. requested_scope NULL/"" = everything the client has. */
enum rk_status oauth_issue(struct store *s, const struct config *cfg, const char *client_id, const char *secret,
			   const char *requested_scope, int64_t now, struct oauth_token_out *out, struct rk_err *err);
/* RFC 7009: revoking an unknown token succeeds too. */
enum rk_status oauth_revoke(struct store *s, const char *token, int64_t now, struct rk_err *err);

struct oauth_client_info {
	char client_id[40];
	char facility[RK_MAX_FACILITY_CODE];
	char name[RK_MAX_DISPLAY_NAME];
	char scopes[RK_MAX_SCOPES];
	bool disabled;
	int64_t created_at;
	int64_t live_tokens; /* issued, not revoked, not expired */
};
typedef enum rk_status (*oauth_client_fn)(void *ctx, const struct oauth_client_info *c);
/* Every client of a facility ("" = all), ordered by facility and id. */
enum rk_status oauth_client_list(struct store *s, const char *facility, int64_t now, oauth_client_fn fn, void *ctx,
				 struct rk_err *err);
/* Disable (its live tokens are revoked in the same transaction, so they stop
 * working at once and stay dead if it is enabled again) or enable a client.
 * RK_NOT_FOUND for an unknown client; *revoked (may be NULL) gets the number
 * of tokens revoked. */
enum rk_status oauth_client_set_disabled(struct store *s, const char *client_id, bool disabled, int64_t now,
					 int64_t *revoked, struct rk_err *err);

/* Do space-separated SMART v1 system scopes ("system/Patient.read system/Observation.write", or all types with an asterisk)
 * cover reading (write = false) or writing a resource type? */
bool scope_allows(const char *scopes, const char *type, bool write);
/* Is every scope in want well-formed (system/<Type|*>.<read|write|*>)? */
bool scope_valid(const char *scopes);

#endif
