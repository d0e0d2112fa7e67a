/* account.c — the account table. Reads return a copy; each write is one
 * statement on the fields it changes, conditional where a stale copy could
 * otherwise undo a concurrent change (a reset, a disable, a used TOTP step). */
#include "access/account.h"

#include <string.h>

bool account_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n < 3 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

#define ACCOUNT_COLS                                                                                            \
	"account_id, facility_code, role, licensed, display_name, practitioner_id, password_hash, must_change," \
	" totp_secret, totp_enrolled, totp_last_step, disabled"

static void row_to_account(struct store_stmt *st, struct account *a)
{
	memset(a, 0, sizeof *a);
	str_copy(a->id, sizeof a->id, store_col_text(st, 0));
	str_copy(a->facility, sizeof a->facility, store_col_text(st, 1));
	if (!role_parse(store_col_text(st, 2), &a->role))
		a->role = ROLE_CLERK; /* an unknown role gets the least access */
	a->licensed = store_col_i64(st, 3) != 0;
	str_copy(a->name, sizeof a->name, store_col_text(st, 4));
	str_copy(a->practitioner_id, sizeof a->practitioner_id, store_col_text(st, 5));
	str_copy(a->password_hash, sizeof a->password_hash, store_col_text(st, 6));
	a->must_change = store_col_i64(st, 7) != 0;
	str_copy(a->totp_secret, sizeof a->totp_secret, store_col_text(st, 8));
	a->totp_enrolled = store_col_i64(st, 9) != 0;
	a->totp_last_step = store_col_i64(st, 10);
	a->disabled = store_col_i64(st, 11) != 0;
}

enum rk_status account_get(struct store *s, const char *id, struct account *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT " ACCOUNT_COLS " FROM account WHERE account_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		row_to_account(st, out);
	store_done(st);
	return rc == RK_OK && !row ? RK_NOT_FOUND : rc;
}

enum rk_status account_insert(struct store *s, const struct account *a, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO account (account_id, facility_code, role, licensed, display_name, practitioner_id, password_hash,"
		" must_change, totp_secret, totp_enrolled, totp_last_step, disabled, created_at, updated_at)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(a->id));
	store_bind_text(st, 2, str_c(a->facility));
	store_bind_text(st, 3, str_c(role_info(a->role)->code));
	store_bind_i64(st, 4, a->licensed);
	store_bind_text(st, 5, str_c(a->name));
	store_bind_text(st, 6, str_c(a->practitioner_id));
	store_bind_text(st, 7, str_c(a->password_hash));
	store_bind_i64(st, 8, a->must_change);
	store_bind_text(st, 9, str_c(a->totp_secret));
	store_bind_i64(st, 10, a->totp_enrolled);
	store_bind_i64(st, 11, a->totp_last_step);
	store_bind_i64(st, 12, a->disabled);
	store_bind_i64(st, 13, now);
	store_bind_i64(st, 14, now);
	bool row;
	rc = store_step(st, &row, err);
	store_done(st);
	return rc;
}

/* Run a prepared UPDATE; *changed gets the rows it changed. */
static enum rk_status run_changes(struct store_stmt *st, int64_t *changed, struct rk_err *err)
{
	enum rk_status rc = store_run(st, err);
	*changed = rc == RK_OK ? store_changes(st) : 0;
	store_done(st);
	return rc;
}

enum rk_status account_set_disabled(struct store *s, const char *id, bool disabled, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s, "UPDATE account SET disabled = ?, updated_at = ? WHERE account_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, disabled);
	store_bind_i64(st, 2, now);
	store_bind_text(st, 3, str_c(id));
	int64_t changed;
	rc = run_changes(st, &changed, err);
	return rc == RK_OK && changed != 1 ? RK_NOT_FOUND : rc;
}

enum rk_status account_reset(struct store *s, const char *id, const char *new_hash, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"UPDATE account SET password_hash = ?, must_change = 1, totp_secret = '', totp_enrolled = 0,"
		" totp_last_step = 0, updated_at = ? WHERE account_id = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(new_hash));
	store_bind_i64(st, 2, now);
	store_bind_text(st, 3, str_c(id));
	int64_t changed;
	rc = run_changes(st, &changed, err);
	return rc == RK_OK && changed != 1 ? RK_NOT_FOUND : rc;
}

enum rk_status account_change_password(struct store *s, const char *id, const char *old_hash, const char *new_hash,
				       int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
					  "UPDATE account SET password_hash = ?, must_change = 0, updated_at = ?"
					  " WHERE account_id = ? AND password_hash = ?",
					  &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(new_hash));
	store_bind_i64(st, 2, now);
	store_bind_text(st, 3, str_c(id));
	store_bind_text(st, 4, str_c(old_hash));
	int64_t changed;
	rc = run_changes(st, &changed, err);
	if (rc == RK_OK && changed != 1)
		return rk_fail_code(err, RK_CONFLICT, "password_changed",
				    "the password was changed or reset meanwhile; nothing was changed");
	return rc;
}

enum rk_status account_totp_begin(struct store *s, const char *id, const char *secret, struct rk_err *err)
{
	/* The used-step mark starts again with the secret: no code of an earlier
	 * secret matches the new one. */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "UPDATE account SET totp_secret = ?, totp_last_step = 0 WHERE account_id = ? AND totp_enrolled = 0",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(secret));
	store_bind_text(st, 2, str_c(id));
	int64_t changed;
	rc = run_changes(st, &changed, err);
	if (rc == RK_OK && changed != 1)
		return rk_fail_code(err, RK_CONFLICT, "already_enrolled", "the account has a TOTP device by now");
	return rc;
}

enum rk_status account_totp_claim(struct store *s, const char *id, const char *secret, int64_t step, bool enrol,
				  bool *claimed, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		enrol ? "UPDATE account SET totp_last_step = ?, totp_enrolled = 1"
			" WHERE account_id = ? AND totp_secret = ? AND totp_last_step < ? AND totp_enrolled = 0"
		      : "UPDATE account SET totp_last_step = ?"
			" WHERE account_id = ? AND totp_secret = ? AND totp_last_step < ? AND totp_enrolled = 1",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, step);
	store_bind_text(st, 2, str_c(id));
	store_bind_text(st, 3, str_c(secret));
	store_bind_i64(st, 4, step);
	int64_t changed;
	rc = run_changes(st, &changed, err);
	*claimed = rc == RK_OK && changed == 1;
	return rc;
}

enum rk_status account_end_sessions(struct store *s, const char *id, const char *keep_hash, int64_t now, int64_t *ended,
				    struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "UPDATE web_session SET ended_at = ? WHERE account_id = ? AND ended_at = 0 AND token_hash <> ?", &st,
		err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, str_c(id));
	store_bind_text(st, 3, str_c(keep_hash ? keep_hash : ""));
	int64_t changed;
	rc = run_changes(st, &changed, err);
	if (rc == RK_OK && ended)
		*ended = changed;
	return rc;
}

enum rk_status account_list(struct store *s, const char *facility, account_fn fn, void *ctx, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT " ACCOUNT_COLS
			      " FROM account WHERE facility_code = ? OR CAST(? AS TEXT) = '' ORDER BY account_id",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(facility));
	store_bind_text(st, 2, str_c(facility));
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct account a;
		row_to_account(st, &a);
		rc = fn(ctx, &a);
		if (rc != RK_OK)
			break;
	}
	store_done(st);
	return rc;
}

enum rk_status account_totp_secret_used(struct store *s, const char *secret, bool *used, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s, "SELECT 1 FROM account WHERE totp_secret = ? AND totp_enrolled = 1 LIMIT 1", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(secret));
	bool row = false;
	rc = store_step(st, &row, err);
	store_done(st);
	if (rc == RK_OK)
		*used = row;
	return rc;
}
