/* auth.c — sessions and the login flow. The cookie carries 32 random bytes;
 * the database keeps only their SHA-256, so a copy of the database opens no
 * session. Failed logins are counted per login ID and client address, and per
 * login ID, for unknown IDs as for accounts (see "counting failures" below and
 * docs/ACCESS.md "Login and sessions"). */
#include "access/auth.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/password.h"
#include "access/standby_session.h"
#include "access/totp.h"
#include "core/limits.h"

const char *session_stage_code(enum session_stage s)
{
	static const char *const codes[] = {"none", "totp", "enroll_totp", "change_password", "ok"};
	return (unsigned)s <= STAGE_OK ? codes[s] : "none";
}

static enum session_stage stage_parse(struct str s)
{
	for (int i = STAGE_TOTP; i <= STAGE_OK; i++)
		if (str_eq_c(s, session_stage_code((enum session_stage)i)))
			return (enum session_stage)i;
	return STAGE_NONE;
}

static void sha256_hex(struct str in, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)in.ptr, in.len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* n random bytes as unpadded base64url into out (cap >= 4n/3 + 2). */
static void random_token(char *out, size_t cap, size_t n)
{
	unsigned char raw[48];
	randombytes_buf(raw, n);
	sodium_bin2base64(out, cap, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The value of cookie `name` in a Cookie header. */
static struct str cookie_value(struct str header, const char *name)
{
	struct str rest = header, part;
	size_t nl = strlen(name);
	while (str_next(&rest, ';', &part)) {
		part = str_trim(part);
		if (part.len > nl && part.ptr[nl] == '=' && memcmp(part.ptr, name, nl) == 0)
			return (struct str){part.ptr + nl + 1, part.len - nl - 1};
	}
	return STR_NULL;
}

/* A read-only standby's sessions (the end of this file). */
static enum rk_status sb_authenticate(struct store *s, const struct config *cfg, struct str token, int64_t now,
				      struct principal *p, struct rk_err *err);
static enum rk_status sb_login(struct store *s, const struct config *cfg, const char *account, const char *password,
			       const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err);
static enum rk_status sb_totp(struct store *s, const struct config *cfg, const struct principal *who, const char *code,
			      const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err);
static enum rk_status sb_logout(const struct principal *who, int64_t now, struct rk_err *err);
static enum rk_status sb_reauth(struct store *s, const struct config *cfg, const struct principal *who,
				const char *password, const char *code, const char *client_addr, int64_t now,
				struct rk_err *err);

/* ---- authenticating a request --------------------------------------------- */

static enum rk_status end_session(struct store *s, const char *hash, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s, "UPDATE web_session SET ended_at = ? WHERE token_hash = ? AND ended_at = 0", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, str_c(hash));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static enum rk_status by_session(struct store *s, const struct config *cfg, struct str token, int64_t now,
				 struct principal *p, struct rk_err *err)
{
	char hash[65];
	sha256_hex(token, hash);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT s.account_id, s.stage, s.csrf_token, s.last_seen, s.expires_at, s.authenticated_at, s.ended_at,"
		" a.role, a.display_name, a.facility_code, a.disabled, f.kind, f.area, f.name, s.reauth_at, f.area_codes"
		" FROM web_session s JOIN account a ON a.account_id = s.account_id"
		" LEFT JOIN facility f ON f.facility_code = a.facility_code WHERE s.token_hash = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(hash));
	bool row = false;
	rc = store_step(st, &row, err);
	int64_t last_seen = 0, ended = 0, disabled = 0;
	if (rc == RK_OK && row) {
		p->kind = PRINCIPAL_STAFF;
		str_copy(p->account, sizeof p->account, store_col_text(st, 0));
		p->stage = stage_parse(store_col_text(st, 1));
		str_copy(p->csrf, sizeof p->csrf, store_col_text(st, 2));
		last_seen = store_col_i64(st, 3);
		p->expires_at = store_col_i64(st, 4);
		p->authenticated_at = store_col_i64(st, 5);
		ended = store_col_i64(st, 6);
		if (!role_parse(store_col_text(st, 7), &p->role))
			p->role = ROLE_CLERK;
		str_copy(p->name, sizeof p->name, store_col_text(st, 8));
		str_copy(p->facility, sizeof p->facility, store_col_text(st, 9));
		disabled = store_col_i64(st, 10);
		str_copy(p->facility_kind, sizeof p->facility_kind, store_col_text(st, 11));
		str_copy(p->area, sizeof p->area, store_col_text(st, 12));
		str_copy(p->facility_name, sizeof p->facility_name, store_col_text(st, 13));
		p->reauth_at = store_col_i64(st, 14);
		str_copy(p->area_codes, sizeof p->area_codes, store_col_text(st, 15));
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!row)
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_unknown", "the session is not known; log in again");
	if (ended)
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_ended", "the session has ended; log in again");
	if (disabled) {
		end_session(s, hash, now, NULL);
		return rk_fail_code(err, RK_UNAUTHORIZED, "account_disabled", "the account is disabled");
	}
	if (now >= p->expires_at) {
		end_session(s, hash, now, NULL);
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_expired",
				    "the session reached its time limit of %lld hours; log in again",
				    (long long)(cfg->session_absolute_ms / 3600000));
	}
	if (now - last_seen >= cfg->session_idle_ms) {
		end_session(s, hash, now, NULL);
		bool minutes = cfg->session_idle_ms >= 60000;
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_idle",
				    "the session ended after %lld %s without use; log in again",
				    (long long)(cfg->session_idle_ms / (minutes ? 60000 : 1000)),
				    minutes ? "minutes" : "seconds");
	}
	snprintf(p->session_ref, sizeof p->session_ref, "s:%.16s", hash);
	snprintf(p->session_hash, sizeof p->session_hash, "%s", hash);
	/* Keep the idle clock without a write per request: refresh at most twice a
	 * minute, and well within the idle time-out. */
	int64_t refresh = cfg->session_idle_ms / 4 < 30000 ? cfg->session_idle_ms / 4 : 30000;
	if (now - last_seen >= refresh) {
		rc = store_prepare(s, "UPDATE web_session SET last_seen = ? WHERE token_hash = ?", &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_i64(st, 1, now);
		store_bind_text(st, 2, str_c(hash));
		rc = store_run(st, err);
		store_done(st);
	}
	return rc;
}

static enum rk_status by_token(struct store *s, struct str token, int64_t now, struct principal *p, struct rk_err *err)
{
	/* rk_<32 hex id>_<secret> */
	struct str rest, id, secret;
	if (!str_starts_with(token, "rk_") || token.len > AUTH_TOKEN_MAX)
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_token", "the bearer token is not a renkei token");
	rest = (struct str){token.ptr + 3, token.len - 3};
	if (!str_cut(rest, '_', &id, &secret) || id.len != 32 || !secret.len)
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_token", "the bearer token is malformed");
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT t.secret_hash, t.client_id, t.scopes, t.expires_at, t.revoked_at, c.disabled, c.facility_code,"
		" c.name, f.kind, f.area, f.name, f.area_codes FROM oauth_token t JOIN oauth_client c ON c.client_id = t.client_id"
		" LEFT JOIN facility f ON f.facility_code = c.facility_code WHERE t.token_id = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, id);
	bool row = false;
	rc = store_step(st, &row, err);
	char want[65] = "", got[65];
	int64_t expires = 0, revoked = 0, disabled = 0;
	if (rc == RK_OK && row) {
		str_copy(want, sizeof want, store_col_text(st, 0));
		str_copy(p->account, sizeof p->account, store_col_text(st, 1));
		str_copy(p->scopes, sizeof p->scopes, store_col_text(st, 2));
		expires = store_col_i64(st, 3);
		revoked = store_col_i64(st, 4);
		disabled = store_col_i64(st, 5);
		str_copy(p->facility, sizeof p->facility, store_col_text(st, 6));
		str_copy(p->name, sizeof p->name, store_col_text(st, 7));
		str_copy(p->facility_kind, sizeof p->facility_kind, store_col_text(st, 8));
		str_copy(p->area, sizeof p->area, store_col_text(st, 9));
		str_copy(p->facility_name, sizeof p->facility_name, store_col_text(st, 10));
		str_copy(p->area_codes, sizeof p->area_codes, store_col_text(st, 11));
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	sha256_hex(secret, got);
	/* Compare even when the id is unknown, so both cases take the same time. */
	bool match = sodium_memcmp(want, got, 64) == 0 && row;
	if (!match)
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_token",
				    "the bearer token is not valid (unknown or altered)");
	if (revoked)
		return rk_fail_code(err, RK_UNAUTHORIZED, "token_revoked", "the bearer token was revoked");
	if (now >= expires)
		return rk_fail_code(err, RK_UNAUTHORIZED, "token_expired",
				    "the bearer token has expired; request a new one");
	if (disabled)
		return rk_fail_code(err, RK_UNAUTHORIZED, "client_disabled", "the client of this token is disabled");
	p->kind = PRINCIPAL_SYSTEM;
	p->role = ROLE_SYSTEM;
	p->stage = STAGE_OK;
	p->expires_at = expires;
	snprintf(p->session_ref, sizeof p->session_ref, "t:%.16s", id.ptr); /* id is 32 hex digits */
	return RK_OK;
}

enum rk_status auth_authenticate(struct store *s, const struct config *cfg, struct str authorization, struct str cookie,
				 int64_t now, struct principal *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	authorization = str_trim(authorization);
	if (authorization.len) {
		if (authorization.len > 7 && str_eq_nocase((struct str){authorization.ptr, 7}, "Bearer "))
			return by_token(s, str_trim((struct str){authorization.ptr + 7, authorization.len - 7}), now,
					out, err);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_token", "only Bearer authorization is accepted");
	}
	struct str token = cookie_value(cookie, AUTH_COOKIE);
	if (token.len && token.len < AUTH_TOKEN_MAX)
		return standby_sessions_on() ? sb_authenticate(s, cfg, token, now, out, err)
					     : by_session(s, cfg, token, now, out, err);
	return rk_fail_code(err, RK_UNAUTHORIZED, "no_credentials",
			    "authentication required: log in, or send a bearer token (Authorization: Bearer ...)");
}

/* ---- counting failures ------------------------------------------------------
 * Failures are counted per login ID and client address (G_ADDR) and per login
 * ID over every address (G_ID, client_addr '*'), in login_failure rows that
 * exist for unknown IDs exactly as for accounts, so neither the answers nor
 * their timing tell which IDs exist. An address that fails
 * auth.lockout_threshold times is locked out of that ID (back-off doubling up
 * to auth.lockout_max); other addresses, the owner's among them, are not. The
 * ID as a whole locks only after auth.lockout_id_threshold failures from all
 * addresses together (a guesser spread over many addresses).
 *
 * A password attempt claims its failure before the (slow) Argon2 check, in a
 * transaction that holds both rows: while an address or ID is locked nothing
 * is checked, and of any number of concurrent attempts (on any number of
 * servers) exactly the threshold's worth get their password checked. A right
 * password gives the claim back; a completed login (password and one-time
 * code) clears both counts. */

enum { G_ID, G_ADDR };

struct guard {
	const char *id;
	char addr[64]; /* IPv4 address or IPv6 /64 prefix */
	int64_t count[2], until[2], last[2];
	bool set_lock[2]; /* this attempt's failure started the lock */
};

/* The client address as counted: an IPv6 address by its /64 (one host
 * usually owns a whole /64), an IPv4-mapped one as IPv4. */
static void guard_init(struct guard *g, const char *id, const char *client_addr)
{
	memset(g, 0, sizeof *g);
	g->id = id;
	const char *a = client_addr ? client_addr : "";
	unsigned char v6[16];
	if (strchr(a, ':') && inet_pton(AF_INET6, a, v6) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(v6, mapped, sizeof mapped) == 0) {
			inet_ntop(AF_INET, v6 + 12, g->addr, sizeof g->addr);
			return;
		}
		memset(v6 + 8, 0, 8);
		char text[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, v6, text, sizeof text);
		snprintf(g->addr, sizeof g->addr, "%s/64", text);
		return;
	}
	snprintf(g->addr, sizeof g->addr, "%s", a);
}

static const char *guard_key(const struct guard *g, int k)
{
	return k == G_ID ? "*" : g->addr;
}

/* Inside a transaction: make both rows exist and lock them (the ID's first, always,
 * so two attempts never wait for each other crosswise), forgetting counts of a
 * day without failure. */
static enum rk_status guard_load(struct store *s, struct guard *g, int64_t now, struct rk_err *err)
{
	for (int k = G_ID; k <= G_ADDR; k++) {
		struct store_stmt *st;
		enum rk_status rc = store_prepare(
			s,
			"INSERT INTO login_failure (login_id, client_addr, failed_count, locked_until, last_failure)"
			" VALUES (?, ?, 0, 0, ?) ON CONFLICT (login_id, client_addr) DO NOTHING",
			&st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_text(st, 1, str_c(g->id));
		store_bind_text(st, 2, str_c(guard_key(g, k)));
		store_bind_i64(st, 3, now);
		rc = store_run(st, err);
		store_done(st);
		if (rc != RK_OK)
			return rc;
		rc = store_prepare(s,
				   "SELECT failed_count, locked_until, last_failure FROM login_failure"
				   " WHERE login_id = ? AND client_addr = ?@FORUPDATE@",
				   &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_text(st, 1, str_c(g->id));
		store_bind_text(st, 2, str_c(guard_key(g, k)));
		bool row = false;
		rc = store_step(st, &row, err);
		if (rc == RK_OK && row) {
			g->count[k] = store_col_i64(st, 0);
			g->until[k] = store_col_i64(st, 1);
			g->last[k] = store_col_i64(st, 2);
			if (g->last[k] < now - RK_LOGIN_FAILURE_MEMORY_MS && g->until[k] <= now)
				g->count[k] = g->until[k] = 0;
		}
		store_done(st);
		if (rc != RK_OK)
			return rc;
		if (!row)
			return rk_fail(err, RK_INTERNAL, "the failed-login count vanished inside its transaction");
	}
	return RK_OK;
}

static enum rk_status guard_save(struct store *s, const struct guard *g, struct rk_err *err)
{
	for (int k = G_ID; k <= G_ADDR; k++) {
		struct store_stmt *st;
		enum rk_status rc =
			store_prepare(s,
				      "UPDATE login_failure SET failed_count = ?, locked_until = ?, last_failure = ?"
				      " WHERE login_id = ? AND client_addr = ?",
				      &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_i64(st, 1, g->count[k]);
		store_bind_i64(st, 2, g->until[k]);
		store_bind_i64(st, 3, g->last[k]);
		store_bind_text(st, 4, str_c(g->id));
		store_bind_text(st, 5, str_c(guard_key(g, k)));
		rc = store_run(st, err);
		store_done(st);
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

int64_t auth_lockout_ms(const struct config *cfg, int64_t failures, int64_t threshold)
{
	if (failures < threshold)
		return 0;
	int64_t lock = cfg->lockout_base_ms;
	for (int64_t i = threshold; i < failures && lock < cfg->lockout_max_ms; i++)
		lock *= 2;
	return lock < cfg->lockout_max_ms ? lock : cfg->lockout_max_ms;
}

/* Count one failure on both rows; a count at or past its threshold (re)starts the lock. */
static void guard_fail(struct guard *g, const struct config *cfg, int64_t now)
{
	const int64_t threshold[2] = {cfg->lockout_id_threshold, cfg->lockout_threshold};
	for (int k = G_ID; k <= G_ADDR; k++) {
		g->count[k]++;
		g->last[k] = now;
		int64_t lock = auth_lockout_ms(cfg, g->count[k], threshold[k]);
		g->set_lock[k] = lock > 0;
		if (lock > 0)
			g->until[k] = now + lock;
	}
}

static bool guard_locked(const struct guard *g, int64_t now)
{
	return g->until[G_ID] > now || g->until[G_ADDR] > now;
}

static enum rk_status locked(const struct guard *g, int64_t now, int64_t *until_out, struct rk_err *err)
{
	bool by_addr = g->until[G_ADDR] > now;
	int64_t until = g->until[G_ADDR] > g->until[G_ID] ? g->until[G_ADDR] : g->until[G_ID];
	if (until_out)
		*until_out = until;
	long long secs = (long long)((until - now + 999) / 1000);
	if (by_addr)
		return rk_fail_code(
			err, RK_FORBIDDEN, "locked",
			"this login ID is locked for your address after repeated failures; try again in %lld seconds",
			secs);
	return rk_fail_code(err, RK_FORBIDDEN, "locked",
			    "this login ID is locked after repeated failures from several addresses; try again in %lld"
			    " seconds",
			    secs);
}

/* Now and then (one claim in 64), rows of a day without failure go. Outside
 * any transaction, and a failure here changes nothing that matters; on
 * PostgreSQL a purge meeting a login of such a forgotten ID may deadlock with
 * it, and then one of them (the purge, or that one login: 503, try again) is
 * cancelled. */
static void guard_purge(struct store *s, int64_t now)
{
	if (randombytes_uniform(64) != 0)
		return;
	struct store_stmt *st;
	if (store_prepare(s, "DELETE FROM login_failure WHERE last_failure < ? AND locked_until < ?", &st, NULL) !=
	    RK_OK)
		return;
	store_bind_i64(st, 1, now - RK_LOGIN_FAILURE_MEMORY_MS);
	store_bind_i64(st, 2, now);
	store_run(st, NULL);
	store_done(st);
}

/* Before checking a password: RK_FORBIDDEN ("locked") while the ID is locked
 * for this address or everywhere; otherwise the failure is counted now. */
static enum rk_status guard_claim(struct store *s, const struct config *cfg, struct guard *g, int64_t now,
				  int64_t *until_out, struct rk_err *err)
{
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	if ((rc = guard_load(s, g, now, err)) != RK_OK)
		goto out_rollback;
	if (guard_locked(g, now)) {
		store_rollback(s);
		return locked(g, now, until_out, err);
	}
	guard_fail(g, cfg, now);
	if ((rc = guard_save(s, g, err)) != RK_OK)
		goto out_rollback;
	rc = store_commit(s, err);
	guard_purge(s, now);
	return rc;
out_rollback:
	store_rollback(s);
	return rc;
}

/* After a claim whose password was right: take its failure back (and its lock,
 * if it started one: every attempt since was refused unchecked). */
static enum rk_status guard_release(struct store *s, struct guard *claim, int64_t now, struct rk_err *err)
{
	struct guard g = *claim;
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	if ((rc = guard_load(s, &g, now, err)) != RK_OK)
		goto out_rollback;
	for (int k = G_ID; k <= G_ADDR; k++) {
		if (g.count[k] > 0)
			g.count[k]--;
		if (claim->set_lock[k])
			g.until[k] = 0;
	}
	if ((rc = guard_save(s, &g, err)) != RK_OK)
		goto out_rollback;
	return store_commit(s, err);
out_rollback:
	store_rollback(s);
	return rc;
}

/* A completed login from this address: both counts start again. The rows
 * must be locked (guard_load) by this transaction: a DELETE of its own would
 * lock them in its scan's order, not the ID's row first. */
static enum rk_status guard_clear_locked(struct store *s, const struct guard *g, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "DELETE FROM login_failure WHERE login_id = ? AND (client_addr = ? OR client_addr = '*')", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(g->id));
	store_bind_text(st, 2, str_c(g->addr));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static enum rk_status guard_clear(struct store *s, struct guard *g, int64_t now, struct rk_err *err)
{
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	if ((rc = guard_load(s, g, now, err)) == RK_OK && (rc = guard_clear_locked(s, g, err)) == RK_OK)
		return store_commit(s, err);
	store_rollback(s);
	return rc;
}

/* The answer to a wrong password after its claim: "locked" when this very
 * failure started a lock (as the attempt that reaches the threshold always
 * did), else the caller's own words. */
static enum rk_status wrong(const struct guard *g, int64_t now, int64_t *until_out, struct rk_err *err,
			    const char *code, const char *msg)
{
	if (g->set_lock[G_ID] || g->set_lock[G_ADDR])
		return locked(g, now, until_out, err);
	return rk_fail_code(err, RK_UNAUTHORIZED, code, "%s", msg);
}

/* ---- the login flow ------------------------------------------------------ */

static bool totp_on(const struct config *cfg, const struct account *a)
{
	return cfg->totp_required || role_info(a->role)->admin;
}

/* What comes after a successful step, given what the account still lacks. */
static enum session_stage next_stage(const struct config *cfg, const struct account *a, bool totp_done)
{
	if (totp_on(cfg, a) && !a->totp_enrolled)
		return STAGE_ENROLL_TOTP;
	if (totp_on(cfg, a) && !totp_done)
		return STAGE_TOTP;
	if (a->must_change)
		return STAGE_CHANGE_PASSWORD;
	return STAGE_OK;
}

static enum rk_status set_stage(struct store *s, const char *hash, enum session_stage stage, bool authenticated,
				int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"UPDATE web_session SET stage = ?, authenticated_at = CASE WHEN ? = 1 THEN ? ELSE authenticated_at END,"
		" last_seen = ? WHERE token_hash = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(session_stage_code(stage)));
	store_bind_i64(st, 2, authenticated);
	store_bind_i64(st, 3, now);
	store_bind_i64(st, 4, now);
	store_bind_text(st, 5, str_c(hash));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	char pw[32];
	random_token(pw, sizeof pw, 16);
	password_hash(pw, dummy_hash, NULL);
}

/* The stored hash of a usable account, or a dummy with the same cost, so an
 * unknown or disabled account takes the time a real check takes. */
static const char *hash_to_check(const struct account *a, bool usable)
{
	if (usable)
		return a->password_hash;
	pthread_once(&dummy_once, make_dummy_hash);
	return dummy_hash;
}

static enum rk_status new_session(struct store *s, const struct config *cfg, const char *account,
				  enum session_stage stage, const char *client_addr, int64_t now, struct auth_step *out,
				  struct rk_err *err)
{
	char csrf[48], hash[65];
	random_token(out->token, sizeof out->token, 32);
	random_token(csrf, sizeof csrf, 24);
	sha256_hex(str_c(out->token), hash);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO web_session (token_hash, account_id, stage, csrf_token, created_at, last_seen, expires_at,"
		" authenticated_at, client_addr, ended_at, reauth_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(hash));
	store_bind_text(st, 2, str_c(account));
	store_bind_text(st, 3, str_c(session_stage_code(stage)));
	store_bind_text(st, 4, str_c(csrf));
	store_bind_i64(st, 5, now);
	store_bind_i64(st, 6, now);
	store_bind_i64(st, 7, now + cfg->session_absolute_ms);
	store_bind_i64(st, 8, stage == STAGE_TOTP ? 0 : now);
	store_bind_text(st, 9, str_c(client_addr ? client_addr : ""));
	rc = store_run(st, err);
	store_done(st);
	out->stage = stage;
	return rc;
}

static enum rk_status before_final(const struct auth_hook *hook, struct rk_err *err)
{
	return hook && hook->before_final ? hook->before_final(hook->arg, err) : RK_OK;
}

enum rk_status auth_login(struct store *s, const struct config *cfg, const char *account, const char *password,
			  const char *client_addr, int64_t now, const struct auth_hook *hook, struct auth_step *out,
			  struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (standby_sessions_on())
		return sb_login(s, cfg, account, password, client_addr, now, out, err);
	struct account a;
	if (!account_id_valid(account)) { /* no account can have this ID: nothing to count */
		password_verify(hash_to_check(NULL, false), password);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_credentials", "wrong login ID or password");
	}
	struct guard g;
	guard_init(&g, account, client_addr);
	enum rk_status rc = guard_claim(s, cfg, &g, now, &out->locked_until, err);
	if (rc != RK_OK)
		return rc;
	rc = account_get(s, account, &a, err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	bool usable = rc == RK_OK && !a.disabled;
	bool right = password_verify(hash_to_check(&a, usable), password) && usable;
	if (!right)
		return wrong(&g, now, &out->locked_until, err, "invalid_credentials", "wrong login ID or password");
	enum session_stage stage = next_stage(cfg, &a, false);
	if ((rc = before_final(hook, err)) != RK_OK)
		return rc;
	/* Past the password with a one-time code still to come: the attempt is
	 * not yet a success, only no longer a failure. */
	rc = stage == STAGE_TOTP ? guard_release(s, &g, now, err) : guard_clear(s, &g, now, err);
	if (rc != RK_OK)
		return rc;
	return new_session(s, cfg, a.id, stage, client_addr, now, out, err);
}

/* Load the session's account and check it is at the expected stage. */
static enum rk_status session_account(struct store *s, const struct principal *who, enum session_stage want,
				      struct account *a, struct rk_err *err)
{
	if (who->kind != PRINCIPAL_STAFF)
		return rk_fail(err, RK_FORBIDDEN, "only a logged-in member of staff can do this");
	if (want != STAGE_NONE && who->stage != want)
		return rk_fail_code(err, RK_CONFLICT, "wrong_stage", "the session is at stage '%s', not '%s'",
				    session_stage_code(who->stage), session_stage_code(want));
	enum rk_status rc = account_get(s, who->account, a, err);
	return rc == RK_NOT_FOUND ? rk_fail(err, RK_UNAUTHORIZED, "the account no longer exists") : rc;
}

/* The password of a logged-in session's account (password change,
 * re-authentication): locked and counted like a login. */
static enum rk_status check_password(struct store *s, const struct config *cfg, const struct account *a,
				     const char *password, const char *client_addr, int64_t now, const char *wrong_msg,
				     struct rk_err *err)
{
	struct guard g;
	guard_init(&g, a->id, client_addr);
	enum rk_status rc = guard_claim(s, cfg, &g, now, NULL, err);
	if (rc != RK_OK)
		return rc;
	if (!password_verify(a->password_hash, password ? password : ""))
		return wrong(&g, now, NULL, err, "invalid_credentials", wrong_msg);
	return guard_release(s, &g, now, err);
}

/* The one-time code of the session's account, in one transaction with the
 * failure count: refused unchecked while locked; a right code claims its step
 * (once: of concurrent submissions of one code one wins) and, enrol = true,
 * completes the enrolment; the login is then complete and both counts clear.
 * A wrong or used code counts as a failure. *a gets the account as it is now. */
static enum rk_status check_code(struct store *s, const struct config *cfg, struct account *a, const char *code,
				 const char *client_addr, bool enrol, int64_t now, struct rk_err *err)
{
	struct guard g;
	guard_init(&g, a->id, client_addr);
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	if ((rc = guard_load(s, &g, now, err)) != RK_OK)
		goto out_rollback;
	if (guard_locked(&g, now)) {
		store_rollback(s);
		return locked(&g, now, NULL, err);
	}
	if ((rc = account_get(s, a->id, a, err)) != RK_OK) {
		rc = rc == RK_NOT_FOUND ? rk_fail(err, RK_UNAUTHORIZED, "the account no longer exists") : rc;
		goto out_rollback;
	}
	int64_t step = 0;
	bool claimed = false;
	if (totp_verify(a->totp_secret, code ? code : "", now / 1000, 1, a->totp_last_step, &step) &&
	    (rc = account_totp_claim(s, a->id, a->totp_secret, step, enrol, &claimed, err)) != RK_OK)
		goto out_rollback;
	if (claimed) {
		a->totp_last_step = step;
		a->totp_enrolled = true;
		if ((rc = guard_clear_locked(s, &g, err)) != RK_OK)
			goto out_rollback;
		return store_commit(s, err);
	}
	guard_fail(&g, cfg, now);
	if ((rc = guard_save(s, &g, err)) != RK_OK)
		goto out_rollback;
	if ((rc = store_commit(s, err)) != RK_OK)
		return rc;
	return wrong(&g, now, NULL, err, "invalid_code", "the one-time code is wrong, expired or already used");
out_rollback:
	store_rollback(s);
	return rc;
}

enum rk_status auth_totp(struct store *s, const struct config *cfg, const struct principal *who, const char *code,
			 const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (standby_sessions_on())
		return sb_totp(s, cfg, who, code, client_addr, now, out, err);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_TOTP, &a, err);
	if (rc == RK_OK)
		rc = check_code(s, cfg, &a, code, client_addr, false, now, err);
	if (rc != RK_OK)
		return rc;
	out->stage = next_stage(cfg, &a, true);
	return set_stage(s, who->session_hash, out->stage, true, now, err);
}

enum rk_status auth_totp_enroll(struct store *s, const struct principal *who, char *secret, size_t secret_cap,
				char *uri, size_t uri_cap, struct rk_err *err)
{
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_ENROLL_TOTP, &a, err);
	if (rc != RK_OK)
		return rc;
	char fresh[TOTP_SECRET_B32_LEN + 1];
	totp_secret_new(fresh);
	if ((rc = account_totp_begin(s, a.id, fresh, err)) != RK_OK)
		return rc;
	snprintf(secret, secret_cap, "%s", fresh);
	if (!totp_uri(uri, uri_cap, "renkei", a.id, fresh))
		return rk_fail(err, RK_INTERNAL, "the enrolment URI does not fit");
	return RK_OK;
}

enum rk_status auth_totp_confirm(struct store *s, const struct config *cfg, const struct principal *who,
				 const char *code, const char *client_addr, int64_t now, struct auth_step *out,
				 struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_ENROLL_TOTP, &a, err);
	if (rc != RK_OK)
		return rc;
	if (!a.totp_secret[0])
		return rk_fail_code(err, RK_CONFLICT, "no_enrolment", "start the enrolment first");
	if ((rc = check_code(s, cfg, &a, code, client_addr, true, now, err)) != RK_OK)
		return rc;
	out->stage = next_stage(cfg, &a, true);
	return set_stage(s, who->session_hash, out->stage, true, now, err);
}

enum rk_status auth_password_change(struct store *s, const struct config *cfg, const struct principal *who,
				    const char *current, const char *fresh, const char *client_addr, int64_t now,
				    const struct auth_hook *hook, struct auth_step *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_NONE, &a, err);
	if (rc != RK_OK)
		return rc;
	if (who->stage != STAGE_OK && who->stage != STAGE_CHANGE_PASSWORD)
		return rk_fail_code(err, RK_CONFLICT, "wrong_stage", "finish the login first");
	rc = check_password(s, cfg, &a, current, client_addr, now, "the current password is wrong", err);
	if (rc != RK_OK)
		return rc;
	if (current && fresh && strcmp(current, fresh) == 0)
		return rk_fail_code(err, RK_INVALID, "unchanged", "the new password must differ from the current one");
	const char *names[2] = {a.name, NULL};
	struct password_context pc = {.account_id = a.id, .names = names, .n_names = 1, .mfa = totp_on(cfg, &a)};
	const char *reason = NULL;
	struct rk_err perr;
	rk_err_clear(&perr);
	if (password_policy_check(fresh ? fresh : "", &pc, &reason, &perr) != RK_OK)
		return rk_fail_code(err, RK_INVALID, reason ? reason : "policy", "%s", perr.msg);
	char new_hash[PASSWORD_HASH_MAX];
	if ((rc = password_hash(fresh, new_hash, err)) != RK_OK)
		return rc;
	if ((rc = before_final(hook, err)) != RK_OK)
		return rc;
	/* The new password and the end of the account's other sessions (someone
	 * who knew the old one may hold them) commit together. */
	if ((rc = store_begin(s, err)) != RK_OK)
		return rc;
	rc = account_change_password(s, a.id, a.password_hash, new_hash, now, err);
	if (rc == RK_OK)
		rc = account_end_sessions(s, a.id, who->session_hash, now, NULL, err);
	if (rc == RK_OK)
		rc = set_stage(s, who->session_hash, STAGE_OK, false, now, err);
	if (rc != RK_OK) {
		store_rollback(s);
		return rc;
	}
	out->stage = STAGE_OK;
	return store_commit(s, err);
}

enum rk_status auth_reauth(struct store *s, const struct config *cfg, const struct principal *who, const char *password,
			   const char *code, const char *client_addr, int64_t now, const struct auth_hook *hook,
			   struct rk_err *err)
{
	if (standby_sessions_on())
		return sb_reauth(s, cfg, who, password, code, client_addr, now, err);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_OK, &a, err);
	if (rc != RK_OK)
		return rc;
	rc = check_password(s, cfg, &a, password, client_addr, now, "re-authentication failed: wrong password", err);
	if (rc != RK_OK)
		return rc;
	if (!a.totp_enrolled)
		return rk_fail_code(err, RK_FORBIDDEN, "totp_required",
				    "re-authentication needs a TOTP device; enrol one first");
	if ((rc = check_code(s, cfg, &a, code, client_addr, false, now, err)) != RK_OK)
		return rc;
	if ((rc = before_final(hook, err)) != RK_OK)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(s, "UPDATE web_session SET reauth_at = ?, last_seen = ? WHERE token_hash = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_i64(st, 2, now);
	store_bind_text(st, 3, str_c(who->session_hash));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status auth_reauth_consume(struct store *s, const struct config *cfg, const struct principal *who, int64_t now,
				   struct rk_err *err)
{
	if (who->kind != PRINCIPAL_STAFF)
		return rk_fail(err, RK_FORBIDDEN, "only a logged-in member of staff can do this");
	if (standby_sessions_on())
		return standby_reauth_consume(who->session_hash, now, cfg->reauth_ms)
			       ? RK_OK
			       : rk_fail_code(err, RK_FORBIDDEN, "reauth_required",
					      "break-the-glass needs a fresh re-authentication (each one opens one "
					      "episode): send password and code, or POST /api/reauth first");
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "UPDATE web_session SET reauth_at = 0 WHERE token_hash = ? AND reauth_at > 0 AND reauth_at >= ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(who->session_hash));
	store_bind_i64(st, 2, now - cfg->reauth_ms);
	rc = store_run(st, err);
	int64_t used = rc == RK_OK ? store_changes(st) : 0;
	store_done(st);
	if (rc == RK_OK && used != 1)
		return rk_fail_code(
			err, RK_FORBIDDEN, "reauth_required",
			"break-the-glass needs a fresh re-authentication (each one opens one episode): send "
			"password and code, or POST /api/reauth first");
	return rc;
}

enum rk_status auth_logout(struct store *s, const struct principal *who, int64_t now, struct rk_err *err)
{
	if (who->kind != PRINCIPAL_STAFF)
		return rk_fail(err, RK_INVALID, "there is no session to end");
	if (standby_sessions_on())
		return sb_logout(who, now, err);
	return end_session(s, who->session_hash, now, err);
}

enum rk_status auth_unlock(struct store *s, const char *login_id, struct rk_err *err)
{
	/* The ID's row first, as every login locks them (PostgreSQL: no deadlock
	 * with a login of the ID in flight). */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT failed_count FROM login_failure WHERE login_id = ? AND client_addr = '*'@FORUPDATE@", &st,
		err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(login_id));
	rc = store_run(st, err);
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if ((rc = store_prepare(s, "DELETE FROM login_failure WHERE login_id = ?", &st, err)) != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(login_id));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* ---- a read-only standby (docs/STANDBY.md) ----------------------------------
 * The database accepts no writes, so the session, the failure counts and the
 * used one-time codes live in this process (access/standby_session.h); the
 * accounts, their password hashes and TOTP secrets, and the facilities are
 * read from the database as everywhere. Only the password and the one-time
 * code are possible here: an account that must first enrol TOTP or change
 * its password is told to do so on the primary. */

static void sb_guard_load(struct guard *g)
{
	for (int k = G_ID; k <= G_ADDR; k++) {
		struct standby_failures f;
		standby_failures_get(g->id, guard_key(g, k), &f);
		g->count[k] = f.count;
		g->until[k] = f.locked_until;
		g->last[k] = f.last;
	}
}

static void sb_guard_save(const struct guard *g)
{
	for (int k = G_ID; k <= G_ADDR; k++)
		standby_failures_put(g->id, guard_key(g, k),
				     &(struct standby_failures){g->count[k], g->until[k], g->last[k]});
}

static enum rk_status sb_wrong(struct guard *g, const struct config *cfg, int64_t now, int64_t *until_out,
			       struct rk_err *err, const char *code, const char *msg)
{
	guard_fail(g, cfg, now);
	sb_guard_save(g);
	return wrong(g, now, until_out, err, code, msg);
}

static enum rk_status sb_authenticate(struct store *s, const struct config *cfg, struct str token, int64_t now,
				      struct principal *p, struct rk_err *err)
{
	char hash[65];
	sha256_hex(token, hash);
	struct standby_session ss;
	if (!standby_session_get(hash, &ss))
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_unknown", "the session is not known; log in again");
	if (ss.ended)
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_ended", "the session has ended; log in again");
	struct account a;
	enum rk_status rc = account_get(s, ss.account, &a, err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	if (rc == RK_NOT_FOUND || a.disabled) {
		ss.ended = true;
		standby_session_put(&ss);
		return rk_fail_code(err, RK_UNAUTHORIZED, "account_disabled", "the account is disabled");
	}
	if (now >= ss.expires_at || now - ss.last_seen >= cfg->session_idle_ms) {
		bool idle = now < ss.expires_at;
		ss.ended = true;
		standby_session_put(&ss);
		if (!idle)
			return rk_fail_code(err, RK_UNAUTHORIZED, "session_expired",
					    "the session reached its time limit of %lld hours; log in again",
					    (long long)(cfg->session_absolute_ms / 3600000));
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_idle",
				    "the session ended after %lld seconds without use; log in again",
				    (long long)(cfg->session_idle_ms / 1000));
	}
	p->kind = PRINCIPAL_STAFF;
	snprintf(p->account, sizeof p->account, "%s", a.id);
	p->stage = ss.stage;
	snprintf(p->csrf, sizeof p->csrf, "%s", ss.csrf);
	p->expires_at = ss.expires_at;
	p->authenticated_at = ss.authenticated_at;
	p->reauth_at = ss.reauth_at;
	p->role = a.role;
	snprintf(p->name, sizeof p->name, "%s", a.name);
	snprintf(p->facility, sizeof p->facility, "%s", a.facility);
	struct arena fa;
	arena_init(&fa, 1u << 16);
	struct store_facility f;
	rc = store_facility_get(s, str_c(a.facility), &fa, &f, err);
	if (rc == RK_OK) {
		str_copy(p->facility_kind, sizeof p->facility_kind, f.kind);
		str_copy(p->area, sizeof p->area, f.area);
		str_copy(p->facility_name, sizeof p->facility_name, f.name);
	}
	arena_free(&fa);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	snprintf(p->session_ref, sizeof p->session_ref, "s:%.16s", hash);
	snprintf(p->session_hash, sizeof p->session_hash, "%s", hash);
	ss.last_seen = now;
	standby_session_put(&ss);
	return RK_OK;
}

static enum rk_status sb_login(struct store *s, const struct config *cfg, const char *account, const char *password,
			       const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err)
{
	if (!account_id_valid(account)) {
		password_verify(hash_to_check(NULL, false), password);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_credentials", "wrong login ID or password");
	}
	struct guard g;
	guard_init(&g, account, client_addr);
	sb_guard_load(&g);
	if (guard_locked(&g, now))
		return locked(&g, now, &out->locked_until, err);
	struct account a;
	enum rk_status rc = account_get(s, account, &a, err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return rc;
	bool usable = rc == RK_OK && !a.disabled;
	bool right = password_verify(hash_to_check(&a, usable), password) && usable;
	if (!right)
		return sb_wrong(&g, cfg, now, &out->locked_until, err, "invalid_credentials",
				"wrong login ID or password");
	enum session_stage stage = next_stage(cfg, &a, false);
	if (stage == STAGE_ENROLL_TOTP || a.must_change)
		return rk_fail_code(
			err, RK_FORBIDDEN, "standby_read_only",
			"このサーバーは読み取り専用の待機系です: this account must first %s, which only the primary "
			"can store; log in there once it is back",
			stage == STAGE_ENROLL_TOTP ? "enrol a TOTP device" : "change its initial password");
	if (stage == STAGE_OK)
		standby_failures_clear(account);
	struct standby_session ss = {.stage = stage, .created_at = now, .last_seen = now};
	snprintf(ss.account, sizeof ss.account, "%s", a.id);
	random_token(out->token, sizeof out->token, 32);
	random_token(ss.csrf, sizeof ss.csrf, 24);
	sha256_hex(str_c(out->token), ss.hash);
	ss.expires_at = now + cfg->session_absolute_ms;
	ss.authenticated_at = stage == STAGE_TOTP ? 0 : now;
	standby_session_put(&ss);
	out->stage = stage;
	return RK_OK;
}

static enum rk_status sb_totp(struct store *s, const struct config *cfg, const struct principal *who, const char *code,
			      const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err)
{
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_TOTP, &a, err);
	if (rc != RK_OK)
		return rc;
	struct guard g;
	guard_init(&g, a.id, client_addr);
	sb_guard_load(&g);
	if (guard_locked(&g, now))
		return locked(&g, now, NULL, err);
	int64_t step = 0;
	if (!totp_verify(a.totp_secret, code ? code : "", now / 1000, 1, a.totp_last_step, &step) ||
	    !standby_totp_claim(a.id, step, a.totp_last_step))
		return sb_wrong(&g, cfg, now, NULL, err, "invalid_code",
				"the one-time code is wrong, expired or already used");
	standby_failures_clear(a.id);
	struct standby_session ss;
	if (!standby_session_get(who->session_hash, &ss))
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_unknown", "the session is not known; log in again");
	ss.stage = next_stage(cfg, &a, true);
	ss.authenticated_at = now;
	ss.last_seen = now;
	standby_session_put(&ss);
	out->stage = ss.stage;
	return RK_OK;
}

static enum rk_status sb_logout(const struct principal *who, int64_t now, struct rk_err *err)
{
	struct standby_session ss;
	if (!standby_session_get(who->session_hash, &ss))
		return rk_fail(err, RK_INVALID, "there is no session to end");
	ss.ended = true;
	ss.last_seen = now;
	standby_session_put(&ss);
	return RK_OK;
}

static enum rk_status sb_reauth(struct store *s, const struct config *cfg, const struct principal *who,
				const char *password, const char *code, const char *client_addr, int64_t now,
				struct rk_err *err)
{
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_OK, &a, err);
	if (rc != RK_OK)
		return rc;
	struct guard g;
	guard_init(&g, a.id, client_addr);
	sb_guard_load(&g);
	if (guard_locked(&g, now))
		return locked(&g, now, NULL, err);
	if (!password_verify(a.password_hash, password ? password : ""))
		return sb_wrong(&g, cfg, now, NULL, err, "invalid_credentials",
				"re-authentication failed: wrong password");
	if (!a.totp_enrolled)
		return rk_fail_code(err, RK_FORBIDDEN, "totp_required",
				    "re-authentication needs a TOTP device; enrol one first");
	int64_t step = 0;
	if (!totp_verify(a.totp_secret, code ? code : "", now / 1000, 1, a.totp_last_step, &step) ||
	    !standby_totp_claim(a.id, step, a.totp_last_step))
		return sb_wrong(&g, cfg, now, NULL, err, "invalid_code",
				"the one-time code is wrong, expired or already used");
	standby_failures_clear(a.id);
	struct standby_session ss;
	if (!standby_session_get(who->session_hash, &ss))
		return rk_fail_code(err, RK_UNAUTHORIZED, "session_unknown", "the session is not known; log in again");
	ss.reauth_at = now;
	ss.last_seen = now;
	standby_session_put(&ss);
	return RK_OK;
}
