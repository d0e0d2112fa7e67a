/* docs_api.c — the care team's documents over HTTP (see docs_api.h). */
#include "api/docs_api.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fhir_rest.h"
#include "api/session.h"
#include "collab/collab.h"
#include "collab/orders.h"
#include "collab/pdf.h"
#include "collab/sign.h"
#include "core/limits.h"
#include "core/time.h"
#include "fhir/resource.h"
#include "fhir/validate.h"
#include "model/category.h"

#define NOT_KNOWN "%s/%.*s は見つかりません (is not known)"

static int clip(struct str s)
{
	return (int)(s.len > 64 ? 64 : s.len);
}

/* Staff whose role reads the documents; else the reply is set. */
static bool docs_staff(struct api_request *rq)
{
	if (!rq->store) {
		api_reply_fail(rq, RK_BUSY,
			       "データベースに接続できません。しばらくしてからもう一度 (the database is unreachable)");
		return false;
	}
	if (rq->who.kind != PRINCIPAL_STAFF) {
		api_reply_fail(rq, RK_FORBIDDEN, "ログインした職員だけが使えます (staff only)");
		return false;
	}
	if (!access_role_allows(rq->who.role, CAT_DOCUMENT) || !access_role_allows(rq->who.role, CAT_COLLAB)) {
		api_reply_fail(rq, RK_FORBIDDEN,
			       "%sは指示書・計画書・報告書を閲覧できません (documents are not open to this role)",
			       role_info(rq->who.role)->ja);
		return false;
	}
	return true;
}

/* Is the principal a current member of one of the person's teams? */
static enum rk_status on_team(struct api_request *rq, const char *regional, bool *out, struct rk_err *err)
{
	*out = false;
	struct collab_team_patient *teams;
	size_t n;
	enum rk_status rc =
		collab_my_patients(rq->store, rq->who.facility, rq->who.account, rq->now, rq->arena, &teams, &n, err);
	for (size_t i = 0; rc == RK_OK && i < n && !*out; i++)
		*out = strcmp(teams[i].regional_id, regional) == 0;
	return rc;
}

/* The person of ?patient=Patient/<id> when the principal may see that
 * registration and is on the person's team now; else the reply (a missing
 * patient's) is set. */
static bool team_patient(struct api_request *rq, const char **regional)
{
	struct str ref = STR_NULL;
	for (size_t i = 0; i < rq->n_params; i++)
		if (str_eq_c(rq->params[i].key, "patient"))
			ref = rq->params[i].value;
	struct str id = str_starts_with(ref, "Patient/") ? (struct str){ref.ptr + 8, ref.len - 8} : ref;
	if (!id.len || !fhir_id_valid(id)) {
		api_reply_fail(rq, RK_INVALID, "patient: 対象の患者を Patient/<id> で指定してください");
		return false;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_resource r;
	struct access_decision d = {0};
	bool member = false;
	*regional = "";
	enum rk_status rc = store_resource_head(rq->store, "Patient", id, rq->arena, &r, &err);
	if (rc == RK_OK && !r.deleted)
		rc = access_check(api_access(rq), STR_LIT("Patient"), r.source_facility, id, &d, regional, &err);
	if (rc == RK_OK && d.permit && (*regional)[0])
		rc = on_team(rq, *regional, &member, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	if (!d.permit || !member) {
		api_reply_fail(rq, RK_NOT_FOUND, NOT_KNOWN, "Patient", clip(id), id.ptr);
		return false;
	}
	return true;
}

struct doc {
	struct store_resource r;
	json_t *body; /* owned by the request */
	struct orders_doc d;
	const char *regional;
	struct access_decision dec;
};

/* Composition/id when it is one of the team's documents the principal may
 * see (the access decision, and a current member of the person's team);
 * else the reply (a missing one's) is set. Audited as read. */
static bool visible_doc(struct api_request *rq, struct str id, struct doc *out)
{
	memset(out, 0, sizeof *out);
	out->regional = "";
	struct rk_err err;
	rk_err_clear(&err);
	if (!fhir_id_valid(id)) {
		api_reply_fail(rq, RK_INVALID, "'%.*s' は文書の id ではありません (not a valid id)", clip(id), id.ptr);
		return false;
	}
	enum rk_status rc = store_resource_read(rq->store, "Composition", id, rq->arena, &out->r, &err);
	bool member = false;
	if (rc == RK_OK && !out->r.deleted)
		rc = access_check(api_access(rq), STR_LIT("Composition"), out->r.source_facility, out->r.patient_id,
				  &out->dec, &out->regional, &err);
	if (rc == RK_OK && out->dec.permit) {
		out->body = api_own_json(rq, json_loadb(out->r.body.ptr, out->r.body.len, 0, NULL));
		if (out->body && orders_parse(out->body, &out->d) && out->regional[0])
			rc = on_team(rq, out->regional, &member, &err);
	}
	if (rc != RK_OK && rc != RK_NOT_FOUND) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	if (!member) {
		api_reply_fail(rq, RK_NOT_FOUND, NOT_KNOWN, "Composition", clip(id), id.ptr);
		return false;
	}
	api_audit_entity(rq, STR_LIT("Composition"), id, out->r.version, &out->dec, out->regional);
	return true;
}

static json_t *ms_json(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char t[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(ms, t);
	return json_string(t);
}

/* Days from today (Japan) to date; INT64_MIN when there is no date. */
static int64_t days_left(const char *date, int64_t now)
{
	int64_t y;
	unsigned m, d;
	if (strlen(date) != 10 || !orders_date(date, &y, &m, &d))
		return INT64_MIN;
	return time_days_from_civil(y, m, d) - (now + 9 * 3600000LL) / 86400000LL;
}

/* The signature's state now; the test signer when a key exists. */
static enum rk_status sig_state(struct api_request *rq, const struct doc *x, struct orders_sig *sig,
				enum sign_state *st, struct rk_err *err)
{
	*st = SIGN_NONE;
	char id[72];
	str_copy(id, sizeof id, x->r.id);
	enum rk_status rc = orders_sig_latest(rq->store, id, rq->arena, sig, err);
	if (rc != RK_OK || !sig->found)
		return rc;
	struct signer s;
	struct sign_test_key key;
	rc = sign_test_load(rq->store, rq->now, false, &s, &key, err);
	if (rc == RK_NOT_FOUND) {
		*st = SIGN_INVALID;
		return RK_OK;
	}
	if (rc != RK_OK)
		return rc;
	rc = orders_sig_state(&s, x->body, id, x->r.version, sig, st, err);
	sodium_memzero(&key, sizeof key);
	return rc;
}

static json_t *doc_json(struct api_request *rq, const struct doc *x, const struct orders_sig *sig, enum sign_state st,
			bool fields)
{
	const struct orders_kind_info *k = orders_kind_info(x->d.kind);
	int64_t left = days_left(x->d.end, rq->now);
	bool ordered = k->is_order && strcmp(x->d.status, "final") == 0;
	json_t *o = json_pack("{s:s%, s:I, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s%, s:s%}", "id", x->r.id.ptr,
			      x->r.id.len, "version", (json_int_t)x->r.version, "kind", k->code, "kindJa", k->ja,
			      "category", k->category, "order", k->is_order, "title", x->d.title, "status", x->d.status,
			      "date", x->d.date, "author", x->d.author, "source", x->r.source_facility.ptr,
			      x->r.source_facility.len, "patient", x->r.patient_id.ptr, x->r.patient_id.len);
	json_object_set_new(o, "authorDisplay", json_string(x->d.author_display));
	json_object_set_new(o, "start", x->d.start[0] ? json_string(x->d.start) : json_null());
	json_object_set_new(o, "end", x->d.end[0] ? json_string(x->d.end) : json_null());
	json_object_set_new(o, "daysLeft", ordered && left != INT64_MIN ? json_integer(left) : json_null());
	json_object_set_new(o, "expiring", json_boolean(ordered && left != INT64_MIN && left >= 0 && left <= 14));
	json_object_set_new(o, "expired", json_boolean(ordered && left != INT64_MIN && left < 0));
	json_t *s = json_pack("{s:s, s:s}", "state", sign_state_code(st), "ja", sign_state_ja(st));
	if (sig->found) {
		json_object_set_new(s, "version", json_integer(sig->version));
		json_object_set_new(s, "account", json_string(sig->account));
		json_object_set_new(s, "signer", json_string(sig->signer));
		json_object_set_new(s, "keyId", json_string(sig->key_id));
		json_object_set_new(s, "signedAt", ms_json(sig->signed_at));
		json_object_set_new(s, "label", json_string("テスト鍵（法的な電子署名ではありません）"));
	}
	json_object_set_new(o, "signature", s);
	if (fields) {
		json_t *list = json_array();
		for (size_t i = 0; i < x->d.n_values; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "key", x->d.values[i].key, "ja",
							      x->d.values[i].ja, "text", x->d.values[i].text));
		json_object_set_new(o, "fields", list);
		json_t *v = json_array();
		for (size_t i = 0; i < x->d.n_visits; i++)
			json_array_append_new(v, json_integer(x->d.visits[i]));
		json_object_set_new(o, "visits", v);
	}
	return o;
}

void api_docs_list(struct api_request *rq)
{
	const char *regional;
	if (!docs_staff(rq) || !team_patient(rq, &regional))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct orders_row *rows;
	size_t n;
	enum rk_status rc = orders_list(rq->store, regional, rq->arena, &rows, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct doc x = {.regional = regional};
		rc = access_check(api_access(rq), STR_LIT("Composition"), str_c(rows[i].source),
				  str_c(rows[i].patient_id), &x.dec, NULL, &err);
		if (rc != RK_OK)
			break;
		x.body = api_own_json(rq, json_loads(rows[i].body, 0, NULL));
		if (!x.dec.permit || !x.body || !orders_parse(x.body, &x.d))
			continue;
		x.r.id = str_c(rows[i].id);
		x.r.version = rows[i].version;
		x.r.source_facility = str_c(rows[i].source);
		x.r.patient_id = str_c(rows[i].patient_id);
		struct orders_sig sig;
		enum sign_state st;
		if ((rc = sig_state(rq, &x, &sig, &st, &err)) != RK_OK)
			break;
		api_audit_entity(rq, STR_LIT("Composition"), x.r.id, x.r.version, &x.dec, regional);
		json_array_append_new(list, doc_json(rq, &x, &sig, st, false));
	}
	if (rc != RK_OK) {
		json_decref(list);
		return api_reply_error(rq, rc, &err);
	}
	api_audit_patient(rq, regional);
	/* the forms: each kind's fields, and whether the caller's role writes it */
	json_t *kinds = json_array();
	for (int k = 0; k < ORDERS_KIND_COUNT_; k++) {
		const struct orders_kind_info *ki = orders_kind_info((enum orders_kind)k);
		bool writes = ki->is_order ? rq->who.role == ROLE_DOCTOR
					   : rq->who.role == ROLE_VISITING_NURSE || rq->who.role == ROLE_NURSE;
		json_t *fields = json_array();
		for (size_t i = 0; i < ki->n_fields; i++)
			json_array_append_new(fields, json_pack("{s:s, s:s, s:I, s:b}", "key", ki->fields[i].key, "ja",
								ki->fields[i].ja, "max", (json_int_t)ki->fields[i].max,
								"required", ki->fields[i].required));
		json_array_append_new(kinds, json_pack("{s:s, s:s, s:b, s:b, s:b, s:o}", "code", ki->code, "ja", ki->ja,
						       "order", ki->is_order, "report", k == ORDERS_VN_REPORT,
						       "writable", writes, "fields", fields));
	}
	api_reply_obj(rq, 200, json_pack("{s:s, s:o, s:o}", "regionalId", regional, "documents", list, "kinds", kinds));
}

void api_docs_read(struct api_request *rq)
{
	struct doc x;
	if (!docs_staff(rq) || !visible_doc(rq, rq->args[0], &x))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct orders_sig sig;
	enum sign_state st;
	enum rk_status rc = sig_state(rq, &x, &sig, &st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	api_reply_obj(rq, 200, doc_json(rq, &x, &sig, st, true));
}

/* May the principal's role write this kind? (a 指示書: a doctor; the
 * station's 計画書・報告書: a nurse) Else the reply is set. */
static bool may_write_kind(struct api_request *rq, enum orders_kind k)
{
	const struct orders_kind_info *ki = orders_kind_info(k);
	bool ok = ki->is_order ? rq->who.role == ROLE_DOCTOR
			       : rq->who.role == ROLE_VISITING_NURSE || rq->who.role == ROLE_NURSE;
	if (!ok)
		api_reply_fail(rq, RK_FORBIDDEN, "%sを作成できるのは%sです（%sは作成できません）", ki->ja,
			       ki->is_order ? "医師" : "訪問看護師・看護師", role_info(rq->who.role)->ja);
	return ok;
}

/* The author reference and display of the principal. */
static enum rk_status author_of(struct api_request *rq, const char **ref, struct rk_err *err)
{
	const char *pr = "";
	enum rk_status rc = collab_practitioner_of(rq->store, rq->who.account, rq->arena, &pr, err);
	if (rc != RK_OK)
		return rc;
	*ref = pr[0] ? arena_printf(rq->arena, "Practitioner/%s", pr) : "";
	return *ref ? RK_OK : rk_fail(err, RK_TOO_LARGE, "out of request memory");
}

/* Store the document (create when id is empty, else update from version)
 * and its post on the timeline, in one transaction; reply. */
static void save(struct api_request *rq, const struct orders_form *f, const char *patient_id, const char *regional,
		 struct str id, int64_t if_match)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *author = "";
	enum rk_status rc = author_of(rq, &author, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (!author[0])
		return api_reply_fail(
			rq, RK_FORBIDDEN,
			"このアカウントには職員の記録（Practitioner）がないため、文書の作成者になれません");
	json_t *comp = api_own_json(rq, orders_build(f, patient_id, author, rq->who.name, rq->now));
	if (!comp)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	struct fhir_ctx ctx = api_fhir_ctx(rq);
	ctx.batch = true;
	const struct fhir_resource_def *cdef = fhir_resource_find("Composition", 11);
	const struct fhir_resource_def *mdef = fhir_resource_find("Communication", 13);
	if (!api_fhir_may_write_type(rq, cdef, &err) || !api_fhir_may_write_type(rq, mdef, &err))
		return api_reply_error(rq, err.status, &err);
	struct fhir_result res = {0}, post = {0};
	if ((rc = store_begin(rq->store, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (id.len) {
		json_object_set_new(comp, "id", json_stringn(id.ptr, id.len));
		rc = fhir_update(&ctx, cdef, id, comp, if_match, &res, &err);
	} else {
		rc = fhir_create(&ctx, cdef, comp, &res, &err);
	}
	struct orders_doc d;
	char text[600] = "";
	if (rc == RK_OK) {
		orders_parse(comp, &d);
		orders_summary(&d, id.len > 0, text, sizeof text);
		json_t *c = api_own_json(
			rq, json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:{s:s, s:s}, s:[{s:s}], s:[{s:s}]}",
				      "resourceType", "Communication", "status", "completed", "category", "text",
				      orders_kind_info(f->kind)->category, "subject", "reference",
				      arena_printf(rq->arena, "Patient/%s", patient_id), "sent",
				      json_string_value(json_object_get(comp, "date")), "sender", "reference", author,
				      "display", rq->who.name, "payload", "contentString", text, "about", "reference",
				      arena_printf(rq->arena, "Composition/%.*s", STR_FMT(res.id))));
		rc = c ? fhir_create(&ctx, mdef, c, &post, &err) : rk_fail(&err, RK_TOO_LARGE, "out of request memory");
	}
	if (rc == RK_OK)
		rc = store_commit(rq->store, &err);
	else
		store_rollback(rq->store);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	struct access_decision own = {.permit = true, .grant = GRANT_OWN};
	api_audit_entity(rq, STR_LIT("Composition"), res.id, res.version, &own, regional);
	api_audit_entity(rq, STR_LIT("Communication"), post.id, post.version, &own, regional);
	api_set_header(rq, "Location", arena_printf(rq->arena, "/api/collab/documents/%.*s", STR_FMT(res.id)));
	api_reply_obj(rq, id.len ? 200 : 201,
		      json_pack("{s:s%, s:I, s:s, s:s%}", "id", res.id.ptr, res.id.len, "version",
				(json_int_t)res.version, "summary", text, "communication", post.id.ptr, post.id.len));
}

/* The person's registration at the principal's own facility (documents are
 * written to the writer's own record of the person); else the reply is set. */
static bool own_registration(struct api_request *rq, const char *regional, const char **patient_id)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct collab_registration *regs;
	size_t n;
	enum rk_status rc = collab_registrations(rq->store, regional, rq->arena, &regs, &n, &err);
	if (rc != RK_OK) {
		api_reply_error(rq, rc, &err);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(regs[i].facility, rq->who.facility) == 0) {
			*patient_id = regs[i].patient_id;
			return true;
		}
	api_reply_fail(rq, RK_UNPROCESSABLE,
		       "この患者さんは%sに登録されていません。文書は自施設の患者登録に対して作成します "
		       "(register the person at your facility first)",
		       rq->who.facility_name);
	return false;
}

void api_docs_create(struct api_request *rq)
{
	const char *regional, *pid = "";
	if (!docs_staff(rq) || !team_patient(rq, &regional))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct orders_form f;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = orders_check(body, &f, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (!may_write_kind(rq, f.kind) || !own_registration(rq, regional, &pid))
		return;
	save(rq, &f, pid, regional, STR_NULL, 0);
}

void api_docs_update(struct api_request *rq)
{
	struct doc x;
	if (!docs_staff(rq) || !visible_doc(rq, rq->args[0], &x))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct orders_form f;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = orders_check(body, &f, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (f.kind != x.d.kind)
		return api_reply_fail(rq, RK_INVALID, "kind: 文書の種類は変えられません（%s）",
				      orders_kind_info(x.d.kind)->ja);
	if (!may_write_kind(rq, f.kind))
		return;
	json_t *v = json_object_get(body, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) != x.r.version))
		return api_reply_fail(rq, RK_PRECONDITION,
				      "この文書は他の人が更新しました（今は第%lld版）。読み込み直してください",
				      (long long)x.r.version);
	char pid[72];
	str_copy(pid, sizeof pid, x.r.patient_id);
	save(rq, &f, pid, x.regional, x.r.id, x.r.version);
}

static void hex_sha256(const unsigned char *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	sodium_bin2hex(out, 65, md, len > 32 ? 32 : len);
}

void api_docs_sign(struct api_request *rq)
{
	struct doc x;
	if (!docs_staff(rq) || !visible_doc(rq, rq->args[0], &x))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	const char *me = "";
	enum rk_status rc = author_of(rq, &me, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (!me[0] || strcmp(me, x.d.author) != 0)
		return api_reply_fail(rq, RK_FORBIDDEN, "署名できるのはこの文書の作成者（%s）だけです",
				      x.d.author_display[0] ? x.d.author_display : x.d.author);
	if (strcmp(x.d.status, "final") != 0)
		return api_reply_fail(rq, RK_UNPROCESSABLE, "取り消された文書には署名できません");
	struct signer s;
	struct sign_test_key key;
	char id[72], digest[65];
	str_copy(id, sizeof id, x.r.id);
	struct buf canon;
	buf_init(&canon, RK_MAX_BODY);
	struct sign_signature sig = {0};
	rc = sign_test_load(rq->store, rq->now, true, &s, &key, &err);
	if (rc == RK_OK)
		rc = orders_canonical(x.body, id, &canon, &err);
	if (rc == RK_OK)
		rc = s.sign(&s, (const unsigned char *)canon.data, canon.len, &sig, &err);
	if (rc == RK_OK) {
		hex_sha256((const unsigned char *)canon.data, canon.len, digest);
		rc = orders_sig_put(rq->store, id, x.r.version, rq->who.account, rq->who.facility, s.name, digest, &sig,
				    rq->now, &err);
	}
	buf_free(&canon);
	sodium_memzero(&key, sizeof key);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "signed Composition/%s/_history/%lld with %s (%s)", id,
		 (long long)x.r.version, s.name, sig.key_id);
	api_reply_obj(rq, 200,
		      json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "id", id, "version", (json_int_t)x.r.version, "state",
				sign_state_code(SIGN_VERIFIED), "ja", sign_state_ja(SIGN_VERIFIED), "keyId", sig.key_id,
				"label", s.label_ja));
}

/* The name and birth date of the document's patient (for the PDF). */
static const char *patient_line(struct api_request *rq, struct str patient_id)
{
	struct store_resource r;
	struct rk_err err;
	rk_err_clear(&err);
	if (store_resource_read(rq->store, "Patient", patient_id, rq->arena, &r, &err) != RK_OK)
		return "";
	json_t *p = api_own_json(rq, json_loadb(r.body.ptr, r.body.len, 0, NULL));
	const char *name = "", *kana = "";
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(p, "name"), i, n)
	{
		const char *t = json_string_value(json_object_get(n, "text"));
		bool kana_name = false;
		size_t j;
		json_t *x;
		json_array_foreach(json_object_get(n, "extension"), j, x)
		{
			const char *c = json_string_value(json_object_get(x, "valueCode"));
			kana_name |= c && strcmp(c, "SYL") == 0;
		}
		if (t && kana_name && !kana[0])
			kana = t;
		else if (t && !kana_name && !name[0])
			name = t;
	}
	const char *birth = json_string_value(json_object_get(p, "birthDate"));
	return arena_printf(rq->arena, "%s%s%s%s%s", name, kana[0] ? "（" : "", kana, kana[0] ? "）" : "",
			    birth ? arena_printf(rq->arena, "　生年月日 %s", birth) : "");
}

void api_docs_pdf(struct api_request *rq)
{
	struct doc x;
	if (!docs_staff(rq) || !visible_doc(rq, rq->args[0], &x))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct orders_sig sig;
	enum sign_state st;
	enum rk_status rc = sig_state(rq, &x, &sig, &st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	const struct orders_kind_info *k = orders_kind_info(x.d.kind);
	struct pdf_row rows[64];
	size_t n = 0;
	/* every field of the 様式 in its order, blank ones as empty boxes, as on paper */
	for (size_t f = 0; f < k->n_fields && n < 64; f++) {
		const char *text = "";
		for (size_t i = 0; i < x.d.n_values; i++)
			if (strcmp(x.d.values[i].key, k->fields[f].key) == 0)
				text = x.d.values[i].text;
		rows[n++] = (struct pdf_row){k->fields[f].ja, text};
	}
	char updated[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(x.r.last_updated, updated);
	struct pdf_doc pd = {
		.title = k->ja,
		.subtitle = patient_line(rq, x.r.patient_id),
		.period = k->is_order && x.d.start[0] ? arena_printf(rq->arena, "指示期間 %s 〜 %s", x.d.start, x.d.end)
						      : "",
		.rows = rows,
		.n_rows = n,
		.signature = sig.found ? arena_printf(rq->arena, "%s（%s、%s 署名、第%lld版）", sign_state_ja(st),
						      "テスト鍵・法的な電子署名ではありません", sig.account,
						      (long long)sig.version)
				       : sign_state_ja(st),
		.footer = arena_printf(rq->arena, "renkei Composition/%.*s 第%lld版 %.10s", STR_FMT(x.r.id),
				       (long long)x.r.version, updated),
	};
	if (x.d.kind == ORDERS_VN_REPORT && x.d.start[0]) {
		int64_t y;
		unsigned m, dd;
		if (orders_date(x.d.start, &y, &m, &dd)) {
			pd.year = y;
			pd.month = m;
			pd.visits = x.d.visits;
			pd.n_visits = x.d.n_visits;
		}
	}
	buf_reset(&rq->out);
	if ((rc = pdf_render(&pd, &rq->out, &err)) != RK_OK)
		return api_reply_error(rq, rc, &err);
	rq->status = 200;
	rq->content_type = "application/pdf";
	api_set_header(rq, "Content-Disposition", "inline");
}
