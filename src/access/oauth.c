/* oauth.c — OAuth2 client credentials (RFC 6749 §4.4) for facility systems:
 * clients with a secret of 256 random bits (stored as its SHA-256) and a list
 * of SMART v1 system scopes; short-lived bearer tokens "rk_<id>_<secret>" of
 * which only SHA-256(secret) is stored; revocation (RFC 7009); the operator's
 * list, disable and enable. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "access/auth.h"

static void sha256_hex(const char *in, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)in, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* One scope "system/<Type|*>.<read|write|*>". */
static bool scope_parse(struct str sc, struct str *type, struct str *access)
{
	if (!str_starts_with(sc, "system/"))
		return false;
	struct str rest = {sc.ptr + 7, sc.len - 7};
	if (!str_cut(rest, '.', type, access) || !type->len)
		return false;
	return str_eq_c(*access, "read") || str_eq_c(*access, "write") || str_eq_c(*access, "*");
}

bool scope_valid(const char *scopes)
{
	struct str rest = str_c(scopes), sc, type, access;
	bool any = false;
	while (str_next(&rest, ' ', &sc)) {
		if (!sc.len)
			continue;
		if (!scope_parse(sc, &type, &access))
			return false;
		any = true;
	}
	return any;
}

bool scope_allows(const char *scopes, const char *type, bool write)
{
	struct str rest = str_c(scopes), sc, t, access;
	while (str_next(&rest, ' ', &sc)) {
		if (!scope_parse(sc, &t, &access))
			continue;
		bool type_ok = str_eq_c(t, "*") || str_eq_c(t, type);
		bool access_ok = str_eq_c(access, "*") || str_eq_c(access, write ? "write" : "read");
		if (type_ok && access_ok)
			return true;
	}
	return false;
}

/* Is every scope of want covered by have? */
static bool scopes_within(const char *want, const char *have)
{
	struct str rest = str_c(want), sc, t, access;
	while (str_next(&rest, ' ', &sc)) {
		if (!sc.len)
			continue;
		if (!scope_parse(sc, &t, &access))
			return false;
		char type[72];
		str_copy(type, sizeof type, t);
		bool r = str_eq_c(access, "write") ? false : true, w = !str_eq_c(access, "read");
		if (str_eq_c(t, "*")) {
			/* the all-types scope is only within have when have has it itself */
			struct str hrest = str_c(have), hsc, ht, ha;
			bool found = false;
			while (str_next(&hrest, ' ', &hsc))
				if (scope_parse(hsc, &ht, &ha) && str_eq_c(ht, "*") &&
				    (str_eq_c(ha, "*") || str_eq(ha, access)))
					found = true;
			if (!found)
				return false;
			continue;
		}
		if ((r && !scope_allows(have, type, false)) || (w && !scope_allows(have, type, true)))
			return false;
	}
	return true;
}

enum rk_status oauth_client_create(struct store *s, const char *facility, const char *name, const char *scopes,
				   char *client_id_out, size_t id_cap, char *secret_out, size_t secret_cap, int64_t now,
				   struct rk_err *err)
{
	if (!scope_valid(scopes))
		return rk_fail_code(err, RK_INVALID, "invalid_scope",
				    "scopes must be system/<Type or *>.<read, write or *>, separated by spaces");
	unsigned char raw[16];
	randombytes_buf(raw, sizeof raw);
	char id[40], secret[64], hash[65];
	snprintf(id, sizeof id, "c-");
	sodium_bin2hex(id + 2, sizeof id - 2, raw, 12);
	unsigned char sraw[32];
	randombytes_buf(sraw, sizeof sraw);
	sodium_bin2base64(secret, sizeof secret, sraw, sizeof sraw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	/* The secret is 256 random bits: SHA-256 suffices, and the token endpoint
	 * stays cheap (no Argon2 per request). */
	sha256_hex(secret, strlen(secret), hash);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO oauth_client (client_id, facility_code, name, secret_hash, scopes, disabled, created_at)"
		" VALUES (?, ?, ?, ?, ?, 0, ?)",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	store_bind_text(st, 2, str_c(facility));
	store_bind_text(st, 3, str_c(name));
	store_bind_text(st, 4, str_c(hash));
	store_bind_text(st, 5, str_c(scopes));
	store_bind_i64(st, 6, now);
	rc = store_run(st, err);
	store_done(st);
	if (rc == RK_OK) {
		snprintf(client_id_out, id_cap, "%s", id);
		snprintf(secret_out, secret_cap, "%s", secret);
	}
	return rc;
}

enum rk_status oauth_issue(struct store *s, const struct config *cfg, const char *client_id, const char *secret,
			   const char *requested_scope, int64_t now, struct oauth_token_out *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT secret_hash, scopes, disabled FROM oauth_client WHERE client_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(client_id ? client_id : ""));
	bool row = false;
	rc = store_step(st, &row, err);
	char hash[65] = "", have[512] = "", got[65];
	bool disabled = true;
	if (rc == RK_OK && row) {
		str_copy(hash, sizeof hash, store_col_text(st, 0));
		str_copy(have, sizeof have, store_col_text(st, 1));
		disabled = store_col_i64(st, 2) != 0;
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	sha256_hex(secret ? secret : "", secret ? strlen(secret) : 0, got);
	if (!row || disabled || sodium_memcmp(hash, got, 64) != 0)
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_client", "client authentication failed");
	const char *scope = requested_scope && *requested_scope ? requested_scope : have;
	if (!scope_valid(scope) || !scopes_within(scope, have))
		return rk_fail_code(err, RK_INVALID, "invalid_scope",
				    "the requested scope is not granted to this client");
	unsigned char raw[16], sraw[32];
	randombytes_buf(raw, sizeof raw);
	randombytes_buf(sraw, sizeof sraw);
	char id[33], sec[48], sec_hash[65];
	sodium_bin2hex(id, sizeof id, raw, sizeof raw);
	sodium_bin2base64(sec, sizeof sec, sraw, sizeof sraw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sha256_hex(sec, strlen(sec), sec_hash);
	rc = store_prepare(
		s,
		"INSERT INTO oauth_token (token_id, secret_hash, client_id, scopes, issued_at, expires_at, revoked_at)"
		" VALUES (?, ?, ?, ?, ?, ?, 0)",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	store_bind_text(st, 2, str_c(sec_hash));
	store_bind_text(st, 3, str_c(client_id));
	store_bind_text(st, 4, str_c(scope));
	store_bind_i64(st, 5, now);
	store_bind_i64(st, 6, now + cfg->token_lifetime_s * 1000);
	rc = store_run(st, err);
	store_done(st);
	if (rc != RK_OK)
		return rc;
	snprintf(out->token, sizeof out->token, "rk_%s_%s", id, sec);
	out->expires_in = cfg->token_lifetime_s;
	snprintf(out->scope, sizeof out->scope, "%s", scope);
	return RK_OK;
}

enum rk_status oauth_revoke(struct store *s, const char *token, int64_t now, struct rk_err *err)
{
	struct str t = str_c(token), rest, id, secret;
	if (!str_starts_with(t, "rk_"))
		return RK_OK;
	rest = (struct str){t.ptr + 3, t.len - 3};
	if (!str_cut(rest, '_', &id, &secret) || id.len != 32)
		return RK_OK;
	char sec_hash[65];
	sha256_hex(secret.ptr, secret.len, sec_hash);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "UPDATE oauth_token SET revoked_at = ? WHERE token_id = ? AND secret_hash = ? AND revoked_at = 0",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, id);
	store_bind_text(st, 3, str_c(sec_hash));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status oauth_client_list(struct store *s, const char *facility, int64_t now, oauth_client_fn fn, void *ctx,
				 struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT c.client_id, c.facility_code, c.name, c.scopes, c.disabled, c.created_at,"
		" (SELECT COUNT(*) FROM oauth_token t WHERE t.client_id = c.client_id AND t.revoked_at = 0 AND t.expires_at > ?)"
		" FROM oauth_client c WHERE c.facility_code = ? OR CAST(? AS TEXT) = '' ORDER BY c.facility_code, c.client_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, str_c(facility ? facility : ""));
	store_bind_text(st, 3, str_c(facility ? facility : ""));
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct oauth_client_info c;
		memset(&c, 0, sizeof c);
		str_copy(c.client_id, sizeof c.client_id, store_col_text(st, 0));
		str_copy(c.facility, sizeof c.facility, store_col_text(st, 1));
		str_copy(c.name, sizeof c.name, store_col_text(st, 2));
		str_copy(c.scopes, sizeof c.scopes, store_col_text(st, 3));
		c.disabled = store_col_i64(st, 4) != 0;
		c.created_at = store_col_i64(st, 5);
		c.live_tokens = store_col_i64(st, 6);
		if ((rc = fn(ctx, &c)) != RK_OK)
			break;
	}
	store_done(st);
	return rc;
}

enum rk_status oauth_client_set_disabled(struct store *s, const char *client_id, bool disabled, int64_t now,
					 int64_t *revoked, struct rk_err *err)
{
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	struct store_stmt *st;
	int64_t changed = 0, gone = 0;
	if ((rc = store_prepare(s, "UPDATE oauth_client SET disabled = ? WHERE client_id = ?", &st, err)) != RK_OK)
		goto out_rollback;
	store_bind_i64(st, 1, disabled);
	store_bind_text(st, 2, str_c(client_id));
	rc = store_run(st, err);
	changed = rc == RK_OK ? store_changes(st) : 0;
	store_done(st);
	if (rc == RK_OK && changed != 1)
		rc = RK_NOT_FOUND;
	if (rc != RK_OK)
		goto out_rollback;
	if (disabled) {
		rc = store_prepare(s,
				   "UPDATE oauth_token SET revoked_at = ? WHERE client_id = ? AND revoked_at = 0"
				   " AND expires_at > ?",
				   &st, err);
		if (rc != RK_OK)
			goto out_rollback;
		store_bind_i64(st, 1, now);
		store_bind_text(st, 2, str_c(client_id));
		store_bind_i64(st, 3, now);
		rc = store_run(st, err);
		gone = rc == RK_OK ? store_changes(st) : 0;
		store_done(st);
		if (rc != RK_OK)
			goto out_rollback;
	}
	if ((rc = store_commit(s, err)) == RK_OK && revoked)
		*revoked = gone;
	return rc;
out_rollback:
	store_rollback(s);
	return rc;
}
