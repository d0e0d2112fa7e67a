/* account.c — the account table. */
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

#define ACCOUNT_COLS                                                                                              \
	"account_id, facility_code, role, licensed, display_name, practitioner_id, password_hash, must_change,"    \
	" totp_secret, totp_enrolled, totp_last_step, failed_count, locked_until, disabled"

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
	a->failed_count = store_col_i64(st, 11);
	a->locked_until = store_col_i64(st, 12);
	a->disabled = store_col_i64(st, 13) != 0;
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

static void bind_mutable(struct store_stmt *st, int first, const struct account *a, int64_t now)
{
	store_bind_text(st, first, str_c(a->facility));
	store_bind_text(st, first + 1, str_c(role_info(a->role)->code));
	store_bind_i64(st, first + 2, a->licensed);
	store_bind_text(st, first + 3, str_c(a->name));
	store_bind_text(st, first + 4, str_c(a->practitioner_id));
	store_bind_text(st, first + 5, str_c(a->password_hash));
	store_bind_i64(st, first + 6, a->must_change);
	store_bind_text(st, first + 7, str_c(a->totp_secret));
	store_bind_i64(st, first + 8, a->totp_enrolled);
	store_bind_i64(st, first + 9, a->totp_last_step);
	store_bind_i64(st, first + 10, a->failed_count);
	store_bind_i64(st, first + 11, a->locked_until);
	store_bind_i64(st, first + 12, a->disabled);
	store_bind_i64(st, first + 13, now);
}

enum rk_status account_insert(struct store *s, const struct account *a, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
		"INSERT INTO account (facility_code, role, licensed, display_name, practitioner_id, password_hash,"
		" must_change, totp_secret, totp_enrolled, totp_last_step, failed_count, locked_until, disabled,"
		" updated_at, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, err);
	if (rc != RK_OK)
		return rc;
	bind_mutable(st, 1, a, now);
	store_bind_text(st, 15, str_c(a->id));
	store_bind_i64(st, 16, now);
	bool row;
	rc = store_step(st, &row, err);
	store_done(st);
	return rc;
}

enum rk_status account_update(struct store *s, const struct account *a, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
		"UPDATE account SET facility_code = ?, role = ?, licensed = ?, display_name = ?, practitioner_id = ?,"
		" password_hash = ?, must_change = ?, totp_secret = ?, totp_enrolled = ?, totp_last_step = ?,"
		" failed_count = ?, locked_until = ?, disabled = ?, updated_at = ? WHERE account_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	bind_mutable(st, 1, a, now);
	store_bind_text(st, 15, str_c(a->id));
	bool row;
	rc = store_step(st, &row, err);
	int64_t changed = store_changes(st);
	store_done(st);
	if (rc == RK_OK && changed != 1)
		rc = RK_NOT_FOUND;
	return rc;
}

enum rk_status account_list(struct store *s, const char *facility, account_fn fn, void *ctx, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
		"SELECT " ACCOUNT_COLS " FROM account WHERE facility_code = ? OR CAST(? AS TEXT) = '' ORDER BY account_id", &st, err);
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
