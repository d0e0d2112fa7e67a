/* cli.c — operator commands. Each opens the store, does one thing, prints
 * what it did (secrets only once), and exits non-zero with a clear message on
 * failure. Changes made here are audited like the API's. */
#include "api/cli.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "access/account.h"
#include "access/auth.h"
#include "access/decide.h"
#include "access/enforce.h"
#include "access/password.h"
#include "access/totp.h"
#include "audit/audit.h"
#include "audit/query.h"
#include "core/arena.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/jpcore.h"
#include "fhir/linking.h"
#include "fhir/registry.h"
#include "fhir/resource.h"
#include "demo/demo.h"
#include "store/store.h"

const char *cli_opt(const struct cli_args *a, const char *key)
{
	for (int i = 0; i < a->n_opts; i++)
		if (strcmp(a->keys[i], key) == 0)
			return a->values[i];
	return NULL;
}

bool cli_is_flag(const char *key)
{
	return strcmp(key, "licensed") == 0 || strcmp(key, "no-totp") == 0 || strcmp(key, "no-history") == 0 ||
	       strcmp(key, "all") == 0;
}

struct store *cli_open_store(const struct config *cfg)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms,
				    .cache_bytes = cfg->store_cache};
	struct store *s = NULL;
	if (store_open(cfg->store_url, &opt, &s, &err) != RK_OK || store_migrate(s, &err) != RK_OK) {
		fprintf(stderr, "renkei: database: %s\n", err.msg);
		store_close(s);
		return NULL;
	}
	return s;
}

static int audit_cli_patients(const struct config *cfg, const char *event, const char *detail, const char *patients);

/* An audit entry for an operator command (the operator is the OS user). */
int cli_audit(const struct config *cfg, const char *event, const char *detail)
{
	return audit_cli_patients(cfg, event, detail, NULL);
}

/* The same, naming the regional IDs it touched (a JSON array). */
static int audit_cli_patients(const struct config *cfg, const char *event, const char *detail, const char *patients)
{
	struct audit_log *log = NULL;
	struct rk_err err;
	rk_err_clear(&err);
	if (audit_open(cfg, &log, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		return 1;
	}
	const char *user = getenv("USER");
	struct audit_event ev = {.event = event,
				 .action = 'E',
				 .account = user ? user : "cli",
				 .role = "cli",
				 .purpose = "HOPERAT",
				 .query = "renkei command line",
				 .detail = detail,
				 .patients = patients};
	enum rk_status rc = audit_write(log, &ev, NULL, &err);
	audit_close(log);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: audit: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* A random initial password that meets the policy (shown once). */
static void initial_password(char *out, size_t cap)
{
	static const char *const parts[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789",
					    "-_+=#%"};
	size_t n = 16 < cap - 1 ? 16 : cap - 1;
	for (size_t i = 0; i < n; i++) {
		const char *set = parts[i % 4];
		out[i] = set[randombytes_uniform((uint32_t)strlen(set))];
	}
	out[n] = '\0';
}

int cli_user_add(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *id = a->n_pos > 1 ? a->pos[1] : NULL, *facility = cli_opt(a, "facility"),
		   *role = cli_opt(a, "role"), *name = cli_opt(a, "name"), *pw = cli_opt(a, "password");
	struct account acc = {0};
	if (!id || !account_id_valid(id)) {
		fputs("renkei: user add: give a login ID of 3-64 characters [a-z0-9._-]\n", stderr);
		return 2;
	}
	if (!facility || !role || !name || !*name) {
		fputs("renkei: user add: --facility, --role and --name are required\n", stderr);
		return 2;
	}
	if (!role_parse(str_c(role), &acc.role)) {
		fprintf(stderr, "renkei: user add: unknown role '%s'\n", role);
		return 2;
	}
	struct arena ar;
	arena_init(&ar, 1 << 20);
	struct store_facility fac;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = store_facility_get(s, str_c(facility), &ar, &fac, &err);
	arena_free(&ar);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: user add: facility %s is not registered\n", facility);
		return 1;
	}
	snprintf(acc.id, sizeof acc.id, "%s", id);
	snprintf(acc.facility, sizeof acc.facility, "%s", facility);
	snprintf(acc.name, sizeof acc.name, "%s", name);
	acc.licensed = cli_opt(a, "licensed") != NULL;
	acc.must_change = true;
	char generated[32];
	if (!pw) {
		initial_password(generated, sizeof generated);
		pw = generated;
	}
	if ((rc = password_hash(pw, acc.password_hash, &err)) == RK_OK)
		rc = account_insert(s, &acc, time_now_ms(), &err);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: user add: %s\n", rc == RK_CONFLICT ? "that login ID exists" : err.msg);
		return 1;
	}
	printf("account %s (%s, %s) created; initial password: %s\n", id, role_info(acc.role)->ja, facility, pw);
	printf("the password must be changed and a TOTP device enrolled at first login\n");
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "account %s created (%s at %s)", id, role, facility);
	return cli_audit(cfg, "account-create", detail);
}

/* user disable|enable|unlock|reset: each changes only what it says, so a
 * login failing meanwhile (on any server) cannot undo it. */
int cli_user_change(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *what = a->pos[0];
	const char *id = a->n_pos > 1 ? a->pos[1] : NULL;
	struct account acc;
	struct rk_err err;
	rk_err_clear(&err);
	if (!id || account_get(s, id, &acc, &err) != RK_OK) {
		fprintf(stderr, "renkei: user %s: no such account\n", what);
		return 1;
	}
	int64_t now = time_now_ms(), ended = 0;
	char pw[64] = "", hash[PASSWORD_HASH_MAX];
	bool reset = strcmp(what, "reset") == 0, disable = strcmp(what, "disable") == 0;
	if (reset) { /* new initial password, unlocked, TOTP to enrol again */
		const char *given = cli_opt(a, "password");
		if (given)
			snprintf(pw, sizeof pw, "%s", given);
		else
			initial_password(pw, sizeof pw);
		if (password_hash(pw, hash, &err) != RK_OK) {
			fprintf(stderr, "renkei: user reset: %s\n", err.msg);
			return 1;
		}
	}
	/* A disable or a reset ends the account's sessions in the same transaction:
	 * whoever holds one may be the reason for it. */
	enum rk_status rc = store_begin(s, &err);
	if (rc == RK_OK) {
		if (reset || strcmp(what, "unlock") == 0)
			rc = auth_unlock(s, id, &err);
		if (rc == RK_OK && reset)
			rc = account_reset(s, id, hash, now, &err);
		else if (rc == RK_OK && strcmp(what, "unlock") != 0)
			rc = account_set_disabled(s, id, disable, now, &err);
		if (rc == RK_OK && (reset || disable))
			rc = account_end_sessions(s, id, NULL, now, &ended, &err);
		if (rc == RK_OK)
			rc = store_commit(s, &err);
		else
			store_rollback(s);
	}
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: user %s: %s\n", what, rc == RK_NOT_FOUND ? "no such account" : err.msg);
		return 1;
	}
	if (pw[0])
		printf("account %s reset; initial password: %s (to be changed at login; TOTP to be enrolled again)\n",
		       id, pw);
	else if (strcmp(what, "unlock") == 0)
		printf("account %s unlocked (failed logins forgotten, from every address)\n", id);
	else
		printf("account %s %sd\n", id, what);
	if (ended)
		printf("%lld session%s ended\n", (long long)ended, ended == 1 ? "" : "s");
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "account %s %s", id, what);
	return cli_audit(cfg, "account-change", detail);
}

static enum rk_status print_account(void *ctx, const struct account *a)
{
	(void)ctx;
	printf("%-24s %-10s %-16s %-4s %-8s %s\n", a->id, a->facility, role_info(a->role)->code,
	       a->totp_enrolled ? "totp" : "-", a->disabled ? "disabled" : "active", a->name);
	return RK_OK;
}

/* The command line acts as the network operator (運用管理者): its writes go
 * through the same write decision as the operator's requests. */
static const struct fhir_guard operator_guard = {
	.visible = access_guard_visible,
	.authorize = access_guard_authorize,
	.create_id = access_guard_create_id,
};

static void cli_operator(struct fhir_ctx *ctx, struct principal *who, struct access_ctx *ax)
{
	const char *user = getenv("USER");
	memset(who, 0, sizeof *who);
	who->kind = PRINCIPAL_STAFF;
	who->role = ROLE_OPERATOR;
	who->stage = STAGE_OK;
	snprintf(who->account, sizeof who->account, "cli:%s", user ? user : "operator");
	access_ctx_init(ax, ctx->store, ctx->arena, who, ctx->now);
	ctx->actor_facility = "";
	ctx->actor_account = who->account;
	ctx->guard = &operator_guard;
	ctx->guard_arg = ax;
}

int cli_facility_add(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *code = a->n_pos > 1 ? a->pos[1] : NULL, *name = cli_opt(a, "name"), *kind = cli_opt(a, "kind");
	enum facility_kind k;
	if (!code || !name || !kind || !facility_kind_parse(str_c(kind), &k)) {
		fputs("renkei: facility add CODE --name NAME --kind hospital|clinic|pharmacy|home_nursing|care_management|"
		      "care_service|community_support|other\n",
		      stderr);
		return 2;
	}
	const char *state = cli_opt(a, "state"), *city = cli_opt(a, "city");
	/* care offices are numbered by 介護保険事業所番号, the others by 医療機関コード */
	bool care = k == FACILITY_CARE_MANAGEMENT || k == FACILITY_CARE_SERVICE || k == FACILITY_COMMUNITY_SUPPORT;
	json_t *org =
		json_pack("{s:s, s:[{s:s, s:s}], s:b, s:[{s:[{s:s, s:s, s:s}]}], s:s}", "resourceType", "Organization",
			  "identifier", "system", care ? RK_CARE_OFFICE_CODE_SYSTEM : JP_FACILITY_CODE_SYSTEM, "value",
			  code, "active", 1, "type", "coding", "system", RK_FACILITY_KIND_SYSTEM, "code", kind,
			  "display", facility_kind_info(k)->ja, "name", name);
	const char *muni = cli_opt(a, "municipality"), *serves = cli_opt(a, "serves");
	if (state || city || muni) {
		json_t *addr = json_pack("{s:s, s:s}", "state", state ? state : "", "city", city ? city : "");
		if (muni)
			json_object_set_new(
				addr, "extension",
				json_pack("[{s:s, s:s}]", "url", REGISTRY_MUNICIPALITY_EXT, "valueCode", muni));
		json_object_set_new(org, "address", json_pack("[o]", addr));
	}
	/* --serves 202207,202151: the municipalities it also serves in a disaster */
	for (struct str rest = str_c(serves ? serves : ""), one; rest.len;) {
		if (!str_cut(rest, ',', &one, &rest)) {
			one = rest;
			rest = STR_LIT("");
		}
		json_t *ext = json_object_get(org, "extension");
		if (!ext)
			json_object_set_new(org, "extension", ext = json_array());
		json_array_append_new(
			ext, json_pack("{s:s, s:s%}", "url", REGISTRY_SERVES_EXT, "valueCode", one.ptr, one.len));
	}
	char id[32];
	snprintf(id, sizeof id, "org-%s", code);
	json_object_set_new(org, "id", json_string(id));
	struct arena ar;
	arena_init(&ar, RK_MAX_REQUEST_MEM);
	struct fhir_ctx ctx = {.store = s, .arena = &ar, .cfg = cfg, .now = time_now_ms(), .trusted = true};
	struct principal who;
	struct access_ctx ax;
	cli_operator(&ctx, &who, &ax);
	struct fhir_result out;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = fhir_update(&ctx, fhir_resource_find("Organization", 12), str_c(id), org, 0, &out, &err);
	json_decref(org);
	arena_free(&ar);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: facility add: %s\n", err.msg);
		return 1;
	}
	printf("facility %s (%s, %s) registered as Organization/%s\n", code, name, facility_kind_info(k)->ja, id);
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "facility %s registered", code);
	return cli_audit(cfg, "facility-add", detail);
}

static enum rk_status print_facility(void *ctx, const struct store_facility *f)
{
	(void)ctx;
	printf("%.*s  %-18.*s %-8s %.*s (%.*s%s%.*s)\n", STR_FMT(f->facility_code), STR_FMT(f->kind),
	       f->active ? "active" : "inactive", STR_FMT(f->name), STR_FMT(f->area), f->area_codes.len > 2 ? ";" : "",
	       (int)(f->area_codes.len > 2 ? f->area_codes.len - 1 : 0), f->area_codes.ptr);
	return RK_OK;
}

int cli_client_add(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *facility = cli_opt(a, "facility"), *name = cli_opt(a, "name"), *scopes = cli_opt(a, "scopes");
	if (!facility || !name || !scopes) {
		fputs("renkei: client add --facility CODE --name NAME --scopes \"system/Patient.read ...\"\n", stderr);
		return 2;
	}
	struct arena ar;
	arena_init(&ar, 1 << 20);
	struct store_facility fac;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = store_facility_get(s, str_c(facility), &ar, &fac, &err);
	arena_free(&ar);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: client add: facility %s is not registered\n", facility);
		return 1;
	}
	char id[64], secret[128];
	rc = oauth_client_create(s, facility, name, scopes, id, sizeof id, secret, sizeof secret, time_now_ms(), &err);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: client add: %s\n", err.msg);
		return 1;
	}
	printf("client_id=%s\nclient_secret=%s\n(the secret is shown only now)\n", id, secret);
	char detail[RK_MAX_AUDIT_DETAIL];
	snprintf(detail, sizeof detail, "client %s for %s with %s", id, facility, scopes);
	return cli_audit(cfg, "client-add", detail);
}

static enum rk_status print_client(void *ctx, const struct oauth_client_info *c)
{
	(void)ctx;
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(c->created_at, ts);
	printf("%s\t%s\t%s\t%lld live token%s\t%s\t%s\t%s\n", c->client_id, c->facility,
	       c->disabled ? "disabled" : "active", (long long)c->live_tokens, c->live_tokens == 1 ? "" : "s", ts,
	       c->scopes, c->name);
	return RK_OK;
}

/* client disable|enable CLIENT_ID: disabling also revokes the client's live tokens. */
int cli_client_change(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *what = a->pos[0];
	const char *id = a->n_pos > 1 ? a->pos[1] : NULL;
	if (!id) {
		fprintf(stderr, "renkei: client %s CLIENT_ID (see renkei client list)\n", what);
		return 2;
	}
	bool disable = strcmp(what, "disable") == 0;
	struct rk_err err;
	rk_err_clear(&err);
	int64_t revoked = 0;
	enum rk_status rc = oauth_client_set_disabled(s, id, disable, time_now_ms(), &revoked, &err);
	if (rc != RK_OK) {
		fprintf(stderr, "renkei: client %s: %s\n", what, rc == RK_NOT_FOUND ? "no such client" : err.msg);
		return 1;
	}
	if (disable)
		printf("client %s disabled; %lld live token%s revoked\n", id, (long long)revoked,
		       revoked == 1 ? "" : "s");
	else
		printf("client %s enabled (tokens revoked before stay revoked; it requests new ones)\n", id);
	char detail[RK_MAX_AUDIT_DETAIL];
	if (disable)
		snprintf(detail, sizeof detail, "client %s disabled, %lld live tokens revoked", id, (long long)revoked);
	else
		snprintf(detail, sizeof detail, "client %s enabled", id);
	return cli_audit(cfg, disable ? "client-disable" : "client-enable", detail);
}

/* totp code [SECRET]: the current one-time code of a base32 secret; without
 * one, of the demo accounts' shared secret, and only for a database that
 * `renkei demo` built (its accounts are the only ones that have it): anywhere
 * else staff's codes come from their own authenticator apps. */
int cli_totp_code(struct cli_call *c)
{
	const struct config *cfg = c->cfg;
	const char *secret = c->a->n_pos > 1 ? c->a->pos[1] : NULL;
	if (!secret) {
		if (sodium_init() < 0)
			return 1;
		struct store *s = cli_open_store(cfg);
		if (!s)
			return 1;
		struct rk_err err;
		rk_err_clear(&err);
		bool demo = false;
		enum rk_status rc = account_totp_secret_used(s, DEMO_TOTP_SECRET, &demo, &err);
		store_close(s);
		if (rc != RK_OK) {
			fprintf(stderr, "renkei: totp code: %s\n", err.msg);
			return 1;
		}
		if (!demo) {
			fputs("renkei: totp code: this database was not built by `renkei demo`, so no account has the demo's "
			      "shared TOTP secret; staff read their codes from their own authenticator app (to compute the "
			      "code of a secret you hold: renkei totp code SECRET)\n",
			      stderr);
			return 1;
		}
		secret = DEMO_TOTP_SECRET;
	}
	unsigned char key[64];
	size_t n = 0;
	if (!totp_base32_decode(secret, key, sizeof key, &n)) {
		fputs("renkei: totp code: the secret is not base32\n", stderr);
		return 2;
	}
	printf("%06u\n", totp_code(key, n, time_now_ms() / 1000 / 30));
	sodium_memzero(key, sizeof key);
	return 0;
}

static enum rk_status print_audit_row(void *ctx, const struct audit_row *r)
{
	(void)ctx;
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(r->recorded_at, ts);
	printf("%lld\t%s\t%.*s\t%.*s\t%.*s\t%d\t%.*s\t%.*s\t%.*s\t%.*s\t%.*s\n", (long long)r->seq, ts,
	       STR_FMT(r->request_id), STR_FMT(r->event), STR_FMT(r->action), r->outcome, STR_FMT(r->account),
	       STR_FMT(r->facility), STR_FMT(r->grant_kind), STR_FMT(r->patients), STR_FMT(r->query));
	return RK_OK;
}

static enum rk_status print_candidate(void *arg, const struct linking_candidate *c)
{
	(void)arg;
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(c->created_at, ts);
	printf("%.*s\t%s\t%.*s\t%lld\t%.*s (Patient/%.*s)\t%.*s (Patient/%.*s)\t%.*s\n", STR_FMT(c->id), ts,
	       STR_FMT(c->status), (long long)c->score, STR_FMT(c->regional_a), STR_FMT(c->patient_a),
	       STR_FMT(c->regional_b), STR_FMT(c->patient_b), STR_FMT(c->reasons));
	return RK_OK;
}

/* renkei patient candidates|merge|reject|unmerge: the operator's patient linking. */
int cli_patient(struct cli_call *c)
{
	struct store *s = c->store;
	const struct config *cfg = c->cfg;
	const struct cli_args *a = c->a;
	const char *sub = a->pos[0], *arg = a->n_pos > 1 ? a->pos[1] : NULL;
	struct rk_err err;
	rk_err_clear(&err);
	if (strcmp(sub, "candidates") == 0) {
		const char *status = cli_opt(a, "status") ? cli_opt(a, "status") : "pending";
		if (strcmp(status, "all") == 0)
			status = "";
		if (linking_candidates(s, status, RK_MAX_OFFSET, 0, print_candidate, NULL, &err) != RK_OK) {
			fprintf(stderr, "renkei: patient candidates: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	const char *user = getenv("USER");
	char account[80];
	snprintf(account, sizeof account, "cli:%s", user ? user : "operator");
	struct linking_request lr = {.account = account,
				     .reason = cli_opt(a, "reason"),
				     .from = cli_opt(a, "from"),
				     .into = cli_opt(a, "into")};
	enum rk_status (*fn)(struct fhir_ctx *, const struct linking_request *, struct linking_outcome *,
			     struct rk_err *);
	if (strcmp(sub, "merge") == 0) {
		lr.candidate_id = arg;
		fn = linking_merge;
	} else if (strcmp(sub, "reject") == 0) {
		lr.candidate_id = arg;
		fn = linking_reject;
	} else if (strcmp(sub, "unmerge") == 0) {
		lr.patient_id = arg;
		fn = linking_unmerge;
	} else {
		fprintf(stderr, "renkei: patient: no subcommand '%s'\n", sub);
		return 2;
	}
	struct arena ar;
	arena_init(&ar, RK_MAX_REQUEST_MEM);
	struct fhir_ctx ctx = {.store = s, .arena = &ar, .cfg = cfg, .now = time_now_ms(), .trusted = true};
	struct principal who;
	struct access_ctx ax;
	cli_operator(&ctx, &who, &ax);
	struct linking_outcome out;
	enum rk_status rc = fn(&ctx, &lr, &out, &err);
	char detail[RK_MAX_AUDIT_DETAIL], patients[64];
	snprintf(detail, sizeof detail,
		 "patient %s%s%.200s: %s into %s (candidate %s, merge %s, %zu registrations): %.1000s", sub,
		 rc == RK_OK ? "" : " refused: ", rc == RK_OK ? "" : err.msg, out.from[0] ? out.from : "-",
		 out.into[0] ? out.into : "-", out.candidate_id[0] ? out.candidate_id : "-",
		 out.merge_id[0] ? out.merge_id : "-", out.n, lr.reason ? lr.reason : "");
	snprintf(patients, sizeof patients, out.from[0] && out.into[0] ? "[\"%s\",\"%s\"]" : "[]", out.from, out.into);
	if (rc == RK_OK) {
		printf("%s: %s into %s", sub, out.from, out.into);
		if (out.merge_id[0])
			printf(" (merge %s)", out.merge_id);
		printf("\n");
		for (size_t i = 0; i < out.n; i++)
			printf("  Patient/%.*s version %lld\n", STR_FMT(out.patients[i]), (long long)out.versions[i]);
	} else {
		fprintf(stderr, "renkei: patient %s: %s\n", sub, err.msg);
	}
	arena_free(&ar);
	int arc = audit_cli_patients(cfg,
				     rc == RK_OK ? (strcmp(sub, "unmerge") == 0 ? "patient-unmerge"
						    : strcmp(sub, "merge") == 0 ? "patient-merge"
										: "patient-match-reject")
						 : "patient-link-refused",
				     detail, patients);
	return rc != RK_OK ? (rc == RK_INVALID ? 2 : 1) : arc;
}

int cli_user_list(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *facility = cli_opt(c->a, "facility");
	if (account_list(c->store, facility ? facility : "", print_account, NULL, &err) != RK_OK) {
		fprintf(stderr, "renkei: user list: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int cli_facility_list(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	if (store_facility_list(c->store, print_facility, NULL, &err) != RK_OK) {
		fprintf(stderr, "renkei: facility list: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int cli_client_list(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *facility = cli_opt(c->a, "facility");
	if (oauth_client_list(c->store, facility ? facility : "", time_now_ms(), print_client, NULL, &err) != RK_OK) {
		fprintf(stderr, "renkei: client list: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* seq, time, request id, event, action, outcome, account, facility, grant, patients, query (newest first) */
int cli_audit_list(struct cli_call *c)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct audit_filter f = {.from = RK_TIME_MIN_MS, .to = RK_TIME_MAX_MS, .outcome = -1, .count = RK_MAX_OFFSET};
	if (audit_search(c->store, &f, print_audit_row, NULL, NULL, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit list: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* read: who may see what; write: who may write what; both by default */
int cli_access_table(struct cli_call *c)
{
	const char *which = c->a->n_pos > 1 ? c->a->pos[1] : "";
	if (which[0] && strcmp(which, "read") != 0 && strcmp(which, "write") != 0) {
		fprintf(stderr, "renkei: access table: '%s' is neither read nor write\n", which);
		return 2;
	}
	if (strcmp(which, "write") != 0)
		access_write_tables(stdout);
	if (!which[0])
		fputc('\n', stdout);
	if (strcmp(which, "read") != 0)
		access_write_write_table(stdout);
	return 0;
}

/* ---- the table's machinery --------------------------------------------- */

const struct cli_command *cli_find(const struct cli_command *t, size_t n, const char *name, const char *sub,
				   bool *known)
{
	const struct cli_command *bare = NULL;
	*known = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) != 0)
			continue;
		*known = true;
		if (t[i].sub && strcmp(t[i].sub, sub) == 0)
			return &t[i];
		if (!t[i].sub && !sub[0])
			bare = &t[i];
	}
	return bare;
}

void cli_print_usage(FILE *f, const struct cli_command *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (name && strcmp(t[i].name, name) != 0)
			continue;
		char head[160];
		snprintf(head, sizeof head, "%s%s%s%s%s", t[i].name, t[i].sub ? " " : "", t[i].sub ? t[i].sub : "",
			 t[i].synopsis[0] ? " " : "", t[i].synopsis);
		/* the help beside a short head, under a long one */
		if (strlen(head) < 34)
			fprintf(f, "  %-34s %s\n", head, t[i].help);
		else
			fprintf(f, "  %s\n  %-34s %s\n", head, "", t[i].help);
	}
}

int cli_call_row(const struct cli_command *row, const struct cli_args *a, struct config *cfg)
{
	struct cli_call c = {.a = a, .cfg = cfg};
	if (row->flags & CLI_STORE) {
		if (sodium_init() < 0) {
			fputs("renkei: libsodium cannot start\n", stderr);
			return 1;
		}
		if (!(c.store = cli_open_store(cfg)))
			return 1;
	}
	int rc = row->run(&c);
	store_close(c.store);
	return rc;
}
