/* account.h — staff accounts (one per person) and facility-system clients:
 * rows of the account / oauth_client tables, read and written through the
 * store's statement API. Used by login, the CLI and the demo. Not thread-safe
 * per store (a store belongs to one thread). */
#ifndef RENKEI_ACCESS_ACCOUNT_H
#define RENKEI_ACCESS_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "access/password.h"
#include "core/err.h"
#include "model/role.h"
#include "store/store.h"

struct account {
	char id[72];
	char facility[16];
	enum role role;
	bool licensed;
	char name[160];
	char practitioner_id[72];
	char password_hash[PASSWORD_HASH_MAX];
	bool must_change;
	char totp_secret[48];
	bool totp_enrolled;
	int64_t totp_last_step;
	int64_t failed_count;
	int64_t locked_until;
	bool disabled;
};

/* Login IDs: 3-64 of [a-z0-9._-], starting with a letter or digit. */
bool account_id_valid(const char *id);
/* RK_NOT_FOUND when there is no such account. */
enum rk_status account_get(struct store *s, const char *id, struct account *out, struct rk_err *err);
/* New account; RK_CONFLICT if the id exists. */
enum rk_status account_insert(struct store *s, const struct account *a, int64_t now, struct rk_err *err);
/* Write back every mutable field of a (password, TOTP, lockout, flags). */
enum rk_status account_update(struct store *s, const struct account *a, int64_t now, struct rk_err *err);

typedef enum rk_status (*account_fn)(void *ctx, const struct account *a);
/* Every account of a facility ("" = all), ordered by id. */
enum rk_status account_list(struct store *s, const char *facility, account_fn fn, void *ctx, struct rk_err *err);

#endif
