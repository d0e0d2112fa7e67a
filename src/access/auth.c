/* auth.c — sessions and the login flow. The cookie carries 32 random bytes;
 * the database keeps only their SHA-256, so a copy of the database opens no
 * session. Lockout: after auth.lockout_threshold failures the account locks
 * for auth.lockout_base, doubling with every further failure up to
 * auth.lockout_max; a success resets the count. */
#include "access/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/password.h"
#include "access/totp.h"

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

/* ---- authenticating a request --------------------------------------------- */

static enum rk_status end_session(struct store *s, const char *hash, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "UPDATE web_session SET ended_at = ? WHERE token_hash = ? AND ended_at = 0", &st, err);
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
	enum rk_status rc = store_prepare(s,
		"SELECT s.account_id, s.stage, s.csrf_token, s.last_seen, s.expires_at, s.authenticated_at, s.ended_at,"
		" a.role, a.display_name, a.facility_code, a.disabled, f.kind, f.area, f.name, s.reauth_at"
		" FROM web_session s JOIN account a ON a.account_id = s.account_id"
		" LEFT JOIN facility f ON f.facility_code = a.facility_code WHERE s.token_hash = ?", &st, err);
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
				    (long long)(cfg->session_idle_ms / (minutes ? 60000 : 1000)), minutes ? "minutes" : "seconds");
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
	enum rk_status rc = store_prepare(s,
		"SELECT t.secret_hash, t.client_id, t.scopes, t.expires_at, t.revoked_at, c.disabled, c.facility_code,"
		" c.name, f.kind, f.area, f.name FROM oauth_token t JOIN oauth_client c ON c.client_id = t.client_id"
		" LEFT JOIN facility f ON f.facility_code = c.facility_code WHERE t.token_id = ?", &st, err);
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
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	sha256_hex(secret, got);
	/* Compare even when the id is unknown, so both cases take the same time. */
	bool match = sodium_memcmp(want, got, 64) == 0 && row;
	if (!match)
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_token", "the bearer token is not valid (unknown or altered)");
	if (revoked)
		return rk_fail_code(err, RK_UNAUTHORIZED, "token_revoked", "the bearer token was revoked");
	if (now >= expires)
		return rk_fail_code(err, RK_UNAUTHORIZED, "token_expired", "the bearer token has expired; request a new one");
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
			return by_token(s, str_trim((struct str){authorization.ptr + 7, authorization.len - 7}), now, out, err);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_token", "only Bearer authorization is accepted");
	}
	struct str token = cookie_value(cookie, AUTH_COOKIE);
	if (token.len && token.len < AUTH_TOKEN_MAX)
		return by_session(s, cfg, token, now, out, err);
	return rk_fail_code(err, RK_UNAUTHORIZED, "no_credentials",
			    "authentication required: log in, or send a bearer token (Authorization: Bearer ...)");
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
	enum rk_status rc = store_prepare(s,
		"UPDATE web_session SET stage = ?, authenticated_at = CASE WHEN ? = 1 THEN ? ELSE authenticated_at END,"
		" last_seen = ? WHERE token_hash = ?", &st, err);
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

/* Count a failure; lock with back-off past the threshold. */
static void note_failure(struct store *s, const struct config *cfg, struct account *a, int64_t now)
{
	a->failed_count++;
	if (a->failed_count >= cfg->lockout_threshold) {
		int64_t lock = cfg->lockout_base_ms;
		for (int64_t i = cfg->lockout_threshold; i < a->failed_count && lock < cfg->lockout_max_ms; i++)
			lock *= 2;
		if (lock > cfg->lockout_max_ms)
			lock = cfg->lockout_max_ms;
		a->locked_until = now + lock;
	}
	account_update(s, a, now, NULL);
}

static enum rk_status locked(const struct account *a, int64_t now, struct auth_step *out, struct rk_err *err)
{
	out->locked_until = a->locked_until;
	return rk_fail_code(err, RK_FORBIDDEN, "locked",
			    "the account is locked after repeated failures; try again in %lld seconds",
			    (long long)((a->locked_until - now + 999) / 1000));
}

static char dummy_hash[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	char pw[32];
	random_token(pw, sizeof pw, 16);
	password_hash(pw, dummy_hash, NULL);
}

enum rk_status auth_login(struct store *s, const struct config *cfg, const char *account, const char *password,
			  const char *client_addr, int64_t now, struct auth_step *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct account a;
	enum rk_status rc = account_id_valid(account) ? account_get(s, account, &a, err) : RK_NOT_FOUND;
	if (rc == RK_NOT_FOUND) {
		/* Spend the same time as a real check so unknown IDs cannot be told apart. */
		pthread_once(&dummy_once, make_dummy_hash);
		password_verify(dummy_hash, password);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_credentials", "wrong login ID or password");
	}
	if (rc != RK_OK)
		return rc;
	if (a.locked_until > now)
		return locked(&a, now, out, err);
	if (a.disabled || !password_verify(a.password_hash, password)) {
		if (!a.disabled)
			note_failure(s, cfg, &a, now);
		if (a.locked_until > now)
			return locked(&a, now, out, err);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_credentials", "wrong login ID or password");
	}
	enum session_stage stage = next_stage(cfg, &a, false);
	if (stage != STAGE_TOTP && a.failed_count) { /* fully past the password: reset the count */
		a.failed_count = 0;
		a.locked_until = 0;
		if ((rc = account_update(s, &a, now, err)) != RK_OK)
			return rc;
	}
	char csrf[48], hash[65];
	random_token(out->token, sizeof out->token, 32);
	random_token(csrf, sizeof csrf, 24);
	sha256_hex(str_c(out->token), hash);
	struct store_stmt *st;
	rc = store_prepare(s,
		"INSERT INTO web_session (token_hash, account_id, stage, csrf_token, created_at, last_seen, expires_at,"
		" authenticated_at, client_addr, ended_at, reauth_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(hash));
	store_bind_text(st, 2, str_c(a.id));
	store_bind_text(st, 3, str_c(session_stage_code(stage)));
	store_bind_text(st, 4, str_c(csrf));
	store_bind_i64(st, 5, now);
	store_bind_i64(st, 6, now);
	store_bind_i64(st, 7, now + cfg->session_absolute_ms);
	store_bind_i64(st, 8, stage == STAGE_TOTP ? 0 : now);
	store_bind_text(st, 9, str_c(client_addr));
	rc = store_run(st, err);
	store_done(st);
	out->stage = stage;
	return rc;
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

static enum rk_status check_code(struct store *s, const struct config *cfg, struct account *a, const char *code,
				 int64_t now, struct rk_err *err)
{
	if (a->locked_until > now)
		return rk_fail_code(err, RK_FORBIDDEN, "locked", "the account is locked; try again in %lld seconds",
				    (long long)((a->locked_until - now + 999) / 1000));
	int64_t step;
	if (!totp_verify(a->totp_secret, code ? code : "", now / 1000, 1, a->totp_last_step, &step)) {
		note_failure(s, cfg, a, now);
		if (a->locked_until > now)
			return rk_fail_code(err, RK_FORBIDDEN, "locked", "the account is locked after repeated failures");
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_code",
				    "the one-time code is wrong, expired or already used");
	}
	/* Claim the step atomically: of two logins racing with one code, one wins. */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
		"UPDATE account SET totp_last_step = ? WHERE account_id = ? AND totp_last_step < ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, step);
	store_bind_text(st, 2, str_c(a->id));
	store_bind_i64(st, 3, step);
	rc = store_run(st, err);
	int64_t claimed = store_changes(st);
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (claimed != 1)
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_code", "the one-time code is wrong, expired or already used");
	a->totp_last_step = step;
	a->failed_count = 0;
	a->locked_until = 0;
	return account_update(s, a, now, err);
}

enum rk_status auth_totp(struct store *s, const struct config *cfg, const struct principal *who, const char *code,
			 int64_t now, struct auth_step *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_TOTP, &a, err);
	if (rc == RK_OK)
		rc = check_code(s, cfg, &a, code, now, err);
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
	snprintf(a.totp_secret, sizeof a.totp_secret, "%s", fresh);
	a.totp_enrolled = false;
	a.totp_last_step = 0;
	rc = account_update(s, &a, 0, err);
	if (rc != RK_OK)
		return rc;
	snprintf(secret, secret_cap, "%s", fresh);
	if (!totp_uri(uri, uri_cap, "renkei", a.id, fresh))
		return rk_fail(err, RK_INTERNAL, "the enrolment URI does not fit");
	return RK_OK;
}

enum rk_status auth_totp_confirm(struct store *s, const struct config *cfg, const struct principal *who,
				 const char *code, int64_t now, struct auth_step *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_ENROLL_TOTP, &a, err);
	if (rc != RK_OK)
		return rc;
	if (!a.totp_secret[0])
		return rk_fail_code(err, RK_CONFLICT, "no_enrolment", "start the enrolment first");
	rc = check_code(s, cfg, &a, code, now, err);
	if (rc != RK_OK)
		return rc;
	a.totp_enrolled = true;
	if ((rc = account_update(s, &a, now, err)) != RK_OK)
		return rc;
	out->stage = next_stage(cfg, &a, true);
	return set_stage(s, who->session_hash, out->stage, true, now, err);
}

enum rk_status auth_password_change(struct store *s, const struct config *cfg, const struct principal *who,
				    const char *current, const char *fresh, int64_t now, struct auth_step *out,
				    struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_NONE, &a, err);
	if (rc != RK_OK)
		return rc;
	if (who->stage != STAGE_OK && who->stage != STAGE_CHANGE_PASSWORD)
		return rk_fail_code(err, RK_CONFLICT, "wrong_stage", "finish the login first");
	if (!password_verify(a.password_hash, current ? current : "")) {
		note_failure(s, cfg, &a, now);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_credentials", "the current password is wrong");
	}
	if (current && fresh && strcmp(current, fresh) == 0)
		return rk_fail_code(err, RK_INVALID, "unchanged", "the new password must differ from the current one");
	const char *names[2] = {a.name, NULL};
	struct password_context pc = {.account_id = a.id, .names = names, .n_names = 1, .mfa = totp_on(cfg, &a)};
	const char *reason = NULL;
	struct rk_err perr;
	rk_err_clear(&perr);
	if (password_policy_check(fresh ? fresh : "", &pc, &reason, &perr) != RK_OK)
		return rk_fail_code(err, RK_INVALID, reason ? reason : "policy", "%s", perr.msg);
	if ((rc = password_hash(fresh, a.password_hash, err)) != RK_OK)
		return rc;
	a.must_change = false;
	if ((rc = account_update(s, &a, now, err)) != RK_OK)
		return rc;
	out->stage = STAGE_OK;
	return set_stage(s, who->session_hash, STAGE_OK, false, now, err);
}

enum rk_status auth_reauth(struct store *s, const struct config *cfg, const struct principal *who, const char *password,
			   const char *code, int64_t now, struct rk_err *err)
{
	struct account a;
	enum rk_status rc = session_account(s, who, STAGE_OK, &a, err);
	if (rc != RK_OK)
		return rc;
	if (a.locked_until > now)
		return rk_fail_code(err, RK_FORBIDDEN, "locked", "the account is locked");
	if (!password_verify(a.password_hash, password ? password : "")) {
		note_failure(s, cfg, &a, now);
		return rk_fail_code(err, RK_UNAUTHORIZED, "invalid_credentials", "re-authentication failed: wrong password");
	}
	if (!a.totp_enrolled)
		return rk_fail_code(err, RK_FORBIDDEN, "totp_required", "re-authentication needs a TOTP device; enrol one first");
	if ((rc = check_code(s, cfg, &a, code, now, err)) != RK_OK)
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

enum rk_status auth_logout(struct store *s, const struct principal *who, int64_t now, struct rk_err *err)
{
	if (who->kind != PRINCIPAL_STAFF)
		return rk_fail(err, RK_INVALID, "there is no session to end");
	return end_session(s, who->session_hash, now, err);
}
