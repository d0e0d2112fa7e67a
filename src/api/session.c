/* session.c — login, TOTP, password change, re-authentication, logout, and
 * the OAuth2 endpoints. The session cookie is HttpOnly, Secure and
 * SameSite=Strict; the CSRF token travels in the JSON body of the session and
 * must come back in X-CSRF-Token on every state-changing request. */
#include "api/session.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "collab/collab.h"
#include "core/json.h"
#include "core/time.h"

static void body_free(void *v)
{
	json_decref(v);
}

struct json_t *api_own_json(struct api_request *rq, struct json_t *v)
{
	if (!v)
		return NULL;
	if (arena_on_free(rq->arena, body_free, v) != 0) {
		json_decref(v);
		api_reply_fail(rq, RK_TOO_LARGE, "the request needs more memory than a request may use");
		return NULL;
	}
	return v;
}

struct json_t *api_json_body(struct api_request *rq)
{
	struct str ct = api_header(rq, "Content-Type"), mime, rest;
	str_cut(ct, ';', &mime, &rest);
	mime = str_trim(mime);
	if (!str_eq_nocase(mime, "application/json") && !str_eq_nocase(mime, "application/fhir+json")) {
		api_reply_fail(rq, RK_UNSUPPORTED_TYPE, "send application/json");
		return NULL;
	}
	struct rk_err err;
	rk_err_clear(&err);
	json_t *v = rk_json_parse(rq->body, &err);
	if (!v) {
		api_reply_error(rq, RK_INVALID, &err);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		api_reply_fail(rq, RK_INVALID, "the body must be a JSON object");
		return NULL;
	}
	return api_own_json(rq, v); /* no handler frees it on each of its returns */
}

const char *api_json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static enum rk_status join_audit(void *arg, struct rk_err *err)
{
	struct api_request *rq = arg;
	return rq->join_audit ? rq->join_audit(rq, err) : RK_OK;
}

/* The password-checking steps' final writes join the request's audit
 * transaction (auth.h: struct auth_hook). */
static struct auth_hook audit_hook(struct api_request *rq)
{
	return (struct auth_hook){join_audit, rq};
}

static void set_cookie(struct api_request *rq, const char *token, bool clear)
{
	char c[256];
	if (clear)
		snprintf(c, sizeof c, "%s=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0", AUTH_COOKIE);
	else
		snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; Secure; SameSite=Strict", AUTH_COOKIE, token);
	api_set_header(rq, "Set-Cookie", c);
}

/* The session as JSON: stage, CSRF token, who. */
static void reply_session(struct api_request *rq, int status, const struct principal *who, enum session_stage stage,
			  const char *csrf)
{
	const struct role_info *ri = role_info(who->role);
	json_t *o =
		json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:I, s:I}", "stage",
			  session_stage_code(stage), "csrf", csrf, "account", "id", who->account, "name", who->name,
			  "role", ri->code, "role_ja", ri->ja, "role_en", ri->en, "facility", who->facility,
			  "facility_name", who->facility_name, "facility_kind", who->facility_kind, "idle_timeout_ms",
			  (json_int_t)rq->env->cfg->session_idle_ms, "expires_at", (json_int_t)who->expires_at);
	/* the account's Practitioner: what a post of the care team's timeline names as its sender */
	const char *practitioner = "";
	struct rk_err perr;
	rk_err_clear(&perr);
	if (rq->store && who->kind == PRINCIPAL_STAFF)
		collab_practitioner_of(rq->store, who->account, rq->arena, &practitioner, &perr);
	json_object_set_new(json_object_get(o, "account"), "practitioner",
			    practitioner[0] ? json_string(practitioner) : json_null());
	struct buf b;
	buf_init(&b, 1 << 16);
	rk_json_dump(o, &b);
	api_reply_json(rq, status, buf_str(&b));
	rq->content_type = "application/json";
	buf_free(&b);
	json_decref(o);
}

/* After a login step, reload the session to describe it. */
static void reply_after_step(struct api_request *rq, const char *token, enum session_stage stage)
{
	struct principal who;
	struct rk_err err;
	rk_err_clear(&err);
	char cookie[AUTH_TOKEN_MAX + 32];
	snprintf(cookie, sizeof cookie, "%s=%s", AUTH_COOKIE, token);
	if (auth_authenticate(rq->store, rq->env->cfg, STR_NULL, str_c(cookie), rq->now, &who, &err) != RK_OK)
		return api_reply_error(rq, err.status, &err);
	reply_session(rq, 200, &who, stage, who.csrf);
}

void api_login(struct api_request *rq)
{
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	const char *account = api_json_str(body, "account");
	rq->audit.account_hint = arena_strdup(rq->arena, account);
	if (!rq->store)
		return api_reply_fail(rq, RK_BUSY, "the database is unreachable; try again shortly");
	struct auth_step step;
	struct rk_err err;
	rk_err_clear(&err);
	struct auth_hook hook = audit_hook(rq);
	enum rk_status st = auth_login(rq->store, rq->env->cfg, account, api_json_str(body, "password"),
				       rq->client_addr, rq->now, &hook, &step, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	set_cookie(rq, step.token, false);
	reply_after_step(rq, step.token, step.stage);
}

void api_session_get(struct api_request *rq)
{
	reply_session(rq, 200, &rq->who, rq->who.stage, rq->who.csrf);
}

void api_logout(struct api_request *rq)
{
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = auth_logout(rq->store, &rq->who, rq->now, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	rq->status = 204;
	rq->content_type = NULL;
	set_cookie(rq, "", true);
}

/* Re-describe the (same) session after a step that changed its stage. */
static void reply_stage(struct api_request *rq, enum session_stage stage)
{
	struct principal who = rq->who;
	who.stage = stage;
	reply_session(rq, 200, &who, stage, who.csrf);
}

void api_login_totp(struct api_request *rq)
{
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct auth_step step;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = auth_totp(rq->store, rq->env->cfg, &rq->who, api_json_str(body, "code"), rq->client_addr,
				      rq->now, &step, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	reply_stage(rq, step.stage);
}

void api_totp_enroll(struct api_request *rq)
{
	char secret[64], uri[512];
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = auth_totp_enroll(rq->store, &rq->who, secret, sizeof secret, uri, sizeof uri, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i}", "secret", secret, "uri", uri, "algorithm", "SHA1", "digits",
			      6, "period", 30);
	struct buf b;
	buf_init(&b, 4096);
	rk_json_dump(o, &b);
	api_reply_json(rq, 200, buf_str(&b));
	rq->content_type = "application/json";
	buf_free(&b);
	json_decref(o);
}

void api_totp_confirm(struct api_request *rq)
{
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct auth_step step;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = auth_totp_confirm(rq->store, rq->env->cfg, &rq->who, api_json_str(body, "code"),
					      rq->client_addr, rq->now, &step, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	reply_stage(rq, step.stage);
}

void api_password(struct api_request *rq)
{
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct auth_step step;
	struct rk_err err;
	rk_err_clear(&err);
	struct auth_hook hook = audit_hook(rq);
	enum rk_status st =
		auth_password_change(rq->store, rq->env->cfg, &rq->who, api_json_str(body, "current"),
				     api_json_str(body, "new"), rq->client_addr, rq->now, &hook, &step, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	reply_stage(rq, step.stage);
}

void api_reauth(struct api_request *rq)
{
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct auth_hook hook = audit_hook(rq);
	enum rk_status st = auth_reauth(rq->store, rq->env->cfg, &rq->who, api_json_str(body, "password"),
					api_json_str(body, "code"), rq->client_addr, rq->now, &hook, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	reply_stage(rq, STAGE_OK);
}

/* ---- OAuth2 --------------------------------------------------------------- */

/* RFC 6749 error response. */
static void oauth_error(struct api_request *rq, int status, const char *code, const char *text)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "error_description", text);
	struct buf b;
	buf_init(&b, 4096);
	rk_json_dump(o, &b);
	api_reply_json(rq, status, buf_str(&b));
	rq->content_type = "application/json";
	rq->outcome = status == 401 ? RK_UNAUTHORIZED : RK_INVALID;
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "%s: %s", code, text);
	if (status == 401)
		api_set_header(rq, "WWW-Authenticate", "Basic realm=\"renkei\"");
	buf_free(&b);
	json_decref(o);
}

/* Client credentials from HTTP Basic (preferred) or the form. */
static void client_credentials(struct api_request *rq, const struct str_pair *form, size_t n, char *id, size_t id_cap,
			       char *secret, size_t secret_cap)
{
	id[0] = secret[0] = '\0';
	struct str auth = str_trim(api_header(rq, "Authorization"));
	if (auth.len > 6 && str_eq_nocase((struct str){auth.ptr, 6}, "Basic ")) {
		unsigned char dec[512];
		size_t dlen = 0;
		struct str b64 = str_trim((struct str){auth.ptr + 6, auth.len - 6});
		if (sodium_base642bin(dec, sizeof dec - 1, b64.ptr, b64.len, NULL, &dlen, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0) {
			struct str both = {(const char *)dec, dlen}, u, p;
			if (str_cut(both, ':', &u, &p)) {
				str_copy(id, id_cap, u);
				str_copy(secret, secret_cap, p);
			}
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (str_eq_c(form[i].key, "client_id"))
			str_copy(id, id_cap, form[i].value);
		else if (str_eq_c(form[i].key, "client_secret"))
			str_copy(secret, secret_cap, form[i].value);
	}
}

static bool form_body(struct api_request *rq, struct str_pair **form, size_t *n)
{
	struct str ct = api_header(rq, "Content-Type"), mime, rest;
	str_cut(ct, ';', &mime, &rest);
	if (!str_eq_nocase(str_trim(mime), "application/x-www-form-urlencoded")) {
		oauth_error(rq, 400, "invalid_request", "send application/x-www-form-urlencoded");
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	if (api_parse_form(rq->arena, rq->body, form, n, &err) != RK_OK) {
		oauth_error(rq, 400, "invalid_request", err.msg);
		return false;
	}
	return true;
}

void api_oauth_token(struct api_request *rq)
{
	struct str_pair *form;
	size_t n;
	if (!form_body(rq, &form, &n))
		return;
	char id[128], secret[256], scope[512] = "";
	client_credentials(rq, form, n, id, sizeof id, secret, sizeof secret);
	rq->audit.account_hint = arena_strdup(rq->arena, id);
	bool grant_ok = false;
	for (size_t i = 0; i < n; i++) {
		if (str_eq_c(form[i].key, "grant_type"))
			grant_ok = str_eq_c(form[i].value, "client_credentials");
		else if (str_eq_c(form[i].key, "scope"))
			str_copy(scope, sizeof scope, form[i].value);
	}
	if (!grant_ok)
		return oauth_error(rq, 400, "unsupported_grant_type",
				   "only grant_type=client_credentials is supported");
	if (!rq->store)
		return oauth_error(rq, 503, "temporarily_unavailable", "the database is unreachable");
	struct oauth_token_out tok;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = oauth_issue(rq->store, rq->env->cfg, id, secret, scope, rq->now, &tok, &err);
	if (st == RK_UNAUTHORIZED)
		return oauth_error(rq, 401, "invalid_client", err.msg);
	if (st == RK_INVALID)
		return oauth_error(rq, 400, "invalid_scope", err.msg);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "access_token", tok.token, "token_type", "Bearer", "expires_in",
			      (json_int_t)tok.expires_in, "scope", tok.scope);
	struct buf b;
	buf_init(&b, 4096);
	rk_json_dump(o, &b);
	api_reply_json(rq, 200, buf_str(&b));
	rq->content_type = "application/json";
	api_set_header(rq, "Pragma", "no-cache");
	buf_free(&b);
	json_decref(o);
}

/* RFC 7009 asks for client authentication; renkei lets whoever holds a token
 * revoke it (revoking only ever removes access). */
void api_oauth_revoke(struct api_request *rq)
{
	struct str_pair *form;
	size_t n;
	if (!form_body(rq, &form, &n))
		return;
	char token[AUTH_TOKEN_MAX + 1] = "";
	for (size_t i = 0; i < n; i++)
		if (str_eq_c(form[i].key, "token"))
			str_copy(token, sizeof token, form[i].value);
	struct rk_err err;
	rk_err_clear(&err);
	if (!rq->store)
		return oauth_error(rq, 503, "temporarily_unavailable", "the database is unreachable");
	enum rk_status st = oauth_revoke(rq->store, token, rq->now, &err);
	if (st != RK_OK)
		return api_reply_error(rq, st, &err);
	rq->status = 200; /* RFC 7009: also for an unknown token */
	rq->content_type = NULL;
	buf_reset(&rq->out);
}
