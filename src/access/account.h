/* account.h — staff accounts (one per person): rows of the account table,
 * read and written through the store's statement API. Used by login, the CLI
 * and the demo. Every change is one targeted statement that touches only the
 * fields it means to change, conditional on the state it was decided on, so
 * that concurrent logins, operator commands and servers never undo each
 * other's changes. Not thread-safe per store (a store belongs to one thread). */
#ifndef RENKEI_ACCESS_ACCOUNT_H
#define RENKEI_ACCESS_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "access/password.h"
#include "core/err.h"
#include "core/limits.h"
#include "model/role.h"
#include "store/store.h"

struct account {
	char id[RK_MAX_ACCOUNT_ID];
	char facility[RK_MAX_FACILITY_CODE];
	enum role role;
	bool licensed;
	char name[RK_MAX_DISPLAY_NAME];
	char practitioner_id[RK_MAX_ACCOUNT_ID];
	char password_hash[PASSWORD_HASH_MAX];
	bool must_change;
	char totp_secret[48];
	bool totp_enrolled;
	int64_t totp_last_step;
	bool disabled;
};

/* Login IDs: 3-64 of [a-z0-9._-], starting with a letter or digit. */
bool account_id_valid(const char *id);
/* RK_NOT_FOUND when there is no such account. */
enum rk_status account_get(struct store *s, const char *id, struct account *out, struct rk_err *err);
/* New account; RK_CONFLICT if the id exists. */
enum rk_status account_insert(struct store *s, const struct account *a, int64_t now, struct rk_err *err);

/* Disable or enable: only the disabled flag changes. RK_NOT_FOUND if there
 * is no such account. Disabling does not end sessions by itself (see
 * account_end_sessions). */
enum rk_status account_set_disabled(struct store *s, const char *id, bool disabled, int64_t now, struct rk_err *err);
/* The operator's reset: a new password hash to be changed at the next login,
 * and the TOTP device to be enrolled again. RK_NOT_FOUND if no such account. */
enum rk_status account_reset(struct store *s, const char *id, const char *new_hash, int64_t now, struct rk_err *err);
/* A password change by its owner: new_hash replaces old_hash (the hash the
 * current password was checked against) and the forced change is done.
 * RK_CONFLICT, with a message, when the stored hash is no longer old_hash (a
 * reset or another change came first): nothing is written. */
enum rk_status account_change_password(struct store *s, const char *id, const char *old_hash, const char *new_hash,
				       int64_t now, struct rk_err *err);
/* Start (or restart) a TOTP enrolment with a new secret, only while the
 * account has no enrolled device. RK_CONFLICT when it has one by now. */
enum rk_status account_totp_begin(struct store *s, const char *id, const char *secret, struct rk_err *err);
/* Claim TOTP step `step` of `secret` (replay protection): succeeds for one
 * caller only, while the account still has that secret and its last used
 * step is older; enrol (true) also marks the device enrolled, only if it was
 * not. *claimed says whether this caller won; RK_OK either way unless the
 * database fails. */
enum rk_status account_totp_claim(struct store *s, const char *id, const char *secret, int64_t step, bool enrol,
				  bool *claimed, struct rk_err *err);
/* End the account's live sessions, all but keep_hash (the SHA-256 hex of a
 * session token; NULL or "": all). *ended (may be NULL) gets how many. */
enum rk_status account_end_sessions(struct store *s, const char *id, const char *keep_hash, int64_t now, int64_t *ended,
				    struct rk_err *err);

/* Does any account have this enrolled TOTP secret? (The demo's accounts
 * share one; nothing else ever does, so it tells a demo database.) */
enum rk_status account_totp_secret_used(struct store *s, const char *secret, bool *used, struct rk_err *err);

typedef enum rk_status (*account_fn)(void *ctx, const struct account *a);
/* Every account of a facility ("" = all), ordered by id. */
enum rk_status account_list(struct store *s, const char *facility, account_fn fn, void *ctx, struct rk_err *err);

#endif
