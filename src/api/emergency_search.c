/* emergency_search.c — finding a patient who cannot speak: by regional ID, by
 * a facility's local patient ID, or by the 4情報 (name or kana, birth date,
 * sex, optionally the address). It is for those who may break the glass, and
 * for the clinicians of a facility in disaster mode; it answers close matches
 * only (name, birth date and sex all agree, and the address when given), at
 * most EMERGENCY_SEARCH_MAX people, never a browsable list: a query that
 * matches more is refused as too vague. Each search is audited with the people
 * it returned. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "access/decide.h"
#include "access/enforce.h"
#include "api/access_api.h"
#include "api/session.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/textnorm.h"
#include "core/time.h"
#include "model/regional_id.h"

#define EMERGENCY_SEARCH_MAX  3   /* people one search may return */
#define EMERGENCY_SEARCH_ROWS 500 /* registrations born on one day that are compared */
#define KEY_CAP               512

struct match {
	char regional[REGIONAL_ID_LEN + 1];
	char patient[72]; /* a FHIR id is at most 64 characters */
	json_t *shown;    /* what the clinician compares with the person in front of them */
};

struct found {
	struct match m[EMERGENCY_SEARCH_MAX + 1];
	size_t n;
	bool too_many;
};

static void key_of(struct str text, char *out)
{
	out[0] = '\0';
	struct buf b;
	buf_init(&b, KEY_CAP - 1);
	if (text.len && textnorm_search_key(text, &b) == RK_OK && !b.overflow)
		str_copy(out, KEY_CAP, buf_str(&b));
	buf_free(&b);
}

static struct str js(const json_t *o, const char *k)
{
	return rk_json_strv(json_object_get(o, k));
}

/* Whether one of the Patient's names (kanji or kana; family + given, or text) has key. */
static bool name_matches(const json_t *patient, const char *key, const char **kanji, const char **kana)
{
	bool hit = false;
	size_t i;
	json_t *n;
	json_array_foreach(json_object_get(patient, "name"), i, n)
	{
		char whole[KEY_CAP], text[KEY_CAP];
		struct buf raw;
		buf_init(&raw, KEY_CAP);
		buf_put_str(&raw, js(n, "family"));
		size_t k;
		json_t *g;
		json_array_foreach(json_object_get(n, "given"), k, g) buf_put_str(&raw, rk_json_strv(g));
		key_of(raw.overflow ? STR_NULL : buf_str(&raw), whole);
		buf_free(&raw);
		key_of(js(n, "text"), text);
		hit |= (whole[0] && strcmp(whole, key) == 0) || (text[0] && strcmp(text, key) == 0);
		/* the kana form is the one marked SYL (JP Core), the other the kanji */
		const json_t *ext = json_array_get(json_object_get(n, "extension"), 0);
		const char *text_raw = json_string_value(json_object_get(n, "text"));
		if (ext && str_eq_c(js(ext, "valueCode"), "SYL"))
			*kana = text_raw ? text_raw : *kana;
		else if (!*kanji)
			*kanji = text_raw;
	}
	return hit;
}

static bool address_matches(const json_t *patient, const char *key, const char **shown)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(patient, "address"), i, a)
	{
		const char *text = json_string_value(json_object_get(a, "text"));
		if (!*shown)
			*shown = text;
		char k[KEY_CAP];
		key_of(js(a, "text"), k);
		if (k[0] && (strstr(k, key) || strstr(key, k)))
			return true;
		/* the postal code, digits only */
		char postal[16] = "";
		size_t n = 0;
		struct str p = js(a, "postalCode");
		for (size_t c = 0; c < p.len && n < sizeof postal - 1; c++)
			if (p.ptr[c] >= '0' && p.ptr[c] <= '9')
				postal[n++] = p.ptr[c];
		postal[n] = '\0';
		if (n == 7 && strstr(key, postal))
			return true;
	}
	return false;
}

static void add_match(struct found *f, struct str regional, struct str patient, json_t *shown)
{
	for (size_t i = 0; i < f->n; i++)
		if (str_eq_c(regional, f->m[i].regional)) {
			json_decref(shown);
			return;
		}
	if (f->n == EMERGENCY_SEARCH_MAX) {
		f->too_many = true;
		json_decref(shown);
		return;
	}
	struct match *m = &f->m[f->n++];
	str_copy(m->regional, sizeof m->regional, regional);
	str_copy(m->patient, sizeof m->patient, patient);
	m->shown = shown;
}

static const char *str_or(const char *s)
{
	return s ? s : "";
}

static json_t *shown_of(const json_t *patient, const char *kanji, const char *kana, const char *address)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", kanji ? kanji : "", "kana", kana ? kana : "",
			 "birth_date", str_or(json_string_value(json_object_get(patient, "birthDate"))), "sex",
			 str_or(json_string_value(json_object_get(patient, "gender"))), "address",
			 address ? address : "");
}

/* The registrations of one regional ID, or of one facility's local ID. */
static enum rk_status by_link(struct api_request *rq, const char *sql, const char *a, const char *b, struct found *f,
			      struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(rq->store, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(a));
	if (b)
		store_bind_text(st, 2, str_c(b));
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		json_t *p = json_loadb(store_col_text(st, 1).ptr, store_col_text(st, 1).len, 0, NULL);
		const char *kanji = NULL, *kana = NULL, *addr = NULL;
		name_matches(p, "", &kanji, &kana);
		address_matches(p, "", &addr);
		add_match(f, store_col_text(st, 2), store_col_text(st, 0), shown_of(p, kanji, kana, addr));
		json_decref(p);
	}
	store_done(st);
	return rc;
}

static enum rk_status by_four(struct api_request *rq, const struct time_range *birth, const char *sex,
			      const char *name_key, const char *addr_key, struct found *f, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		rq->store,
		"SELECT r.id, r.body, l.regional_id FROM idx_date d JOIN resource r ON r.rid = d.rid"
		" JOIN patient_link l ON l.patient_id = r.id WHERE d.type = 'Patient' AND d.param = 'birthdate'"
		" AND d.lo = ? AND d.hi = ? AND r.type = 'Patient' AND r.deleted = 0 ORDER BY l.regional_id LIMIT ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, birth->lo);
	store_bind_i64(st, 2, birth->hi);
	store_bind_i64(st, 3, EMERGENCY_SEARCH_ROWS);
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		json_t *p = json_loadb(store_col_text(st, 1).ptr, store_col_text(st, 1).len, 0, NULL);
		const char *kanji = NULL, *kana = NULL, *addr = NULL;
		const char *g = json_string_value(json_object_get(p, "gender"));
		bool ok = p && g && strcmp(g, sex) == 0 && name_matches(p, name_key, &kanji, &kana);
		bool addr_ok = address_matches(p, addr_key[0] ? addr_key : "\x01", &addr);
		if (ok && (!addr_key[0] || addr_ok))
			add_match(f, store_col_text(st, 2), store_col_text(st, 0), shown_of(p, kanji, kana, addr));
		json_decref(p);
	}
	store_done(st);
	return rc;
}

/* Who may search: those who may break the glass, and the clinicians of a
 * facility disaster mode covers now. */
static bool may_search(struct api_request *rq, const char **disaster, struct rk_err *err, enum rk_status *rc)
{
	*disaster = NULL;
	*rc = RK_OK;
	if (rq->who.kind != PRINCIPAL_STAFF) {
		*rc = rk_fail(err, RK_FORBIDDEN, "only a logged-in member of staff can do this");
		return false;
	}
	if (access_emergency_eligible(rq->who.role, rq->who.facility_kind))
		return true;
	enum role r = rq->who.role;
	bool clinician = r == ROLE_DOCTOR || r == ROLE_DENTIST || r == ROLE_NURSE || r == ROLE_VISITING_NURSE ||
			 r == ROLE_PHARMACIST;
	if (clinician && (*rc = access_disaster_of(api_access(rq), disaster, err)) != RK_OK)
		return false;
	if (clinician && *disaster)
		return true;
	*rc = rk_fail_code(err, RK_FORBIDDEN, "not_eligible",
			   "finding a patient without consent is for physicians and nurses of participating hospitals,"
			   " and for the clinicians of facilities in disaster mode");
	return false;
}

void api_emergency_search(struct api_request *rq)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *disaster = NULL;
	enum rk_status rc;
	if (!may_search(rq, &disaster, &err, &rc))
		return api_reply_error(rq, rc, &err);
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	const char *regional = api_json_str(body, "regional_id"), *local = api_json_str(body, "local_id"),
		   *facility = api_json_str(body, "facility"), *name = api_json_str(body, "name"),
		   *birth = api_json_str(body, "birth_date"), *sex = api_json_str(body, "sex"),
		   *address = api_json_str(body, "address");
	struct found f = {0};
	const char *how = "";
	if (regional[0]) {
		if (!regional_id_valid(str_c(regional)))
			return api_reply_fail(
				rq, RK_INVALID,
				"regional_id must be the 13-digit 地域共通患者ID (its last digit a check digit)");
		how = "regional ID";
		rc = by_link(
			rq,
			"SELECT r.id, r.body, l.regional_id FROM patient_link l JOIN resource r ON r.type = 'Patient'"
			" AND r.id = l.patient_id AND r.deleted = 0 WHERE l.regional_id = ? ORDER BY l.linked_at",
			regional, NULL, &f, &err);
	} else if (local[0] || facility[0]) {
		if (strlen(facility) != 10 || !str_is_digits(str_c(facility)) || !local[0] || strlen(local) > 64)
			return api_reply_fail(rq, RK_INVALID,
					      "a local patient ID needs facility (its 10-digit code) and local_id");
		how = "local ID";
		rc = by_link(
			rq,
			"SELECT r.id, r.body, l.regional_id FROM patient_link l JOIN resource r ON r.type = 'Patient'"
			" AND r.id = l.patient_id AND r.deleted = 0 WHERE l.facility_code = ? AND l.local_id = ?",
			facility, local, &f, &err);
	} else {
		struct time_range b;
		char name_key[KEY_CAP], addr_key[KEY_CAP];
		key_of(str_c(name), name_key);
		key_of(str_c(address), addr_key);
		if (!birth[0] || !sex[0] || !name[0])
			return api_reply_fail(
				rq, RK_INVALID,
				"too vague: the 4情報 search needs the name (kanji or kana), the birth date and the sex;"
				" the address narrows it further");
		if (strlen(name) > 200 || strlen(address) > 400 || !name_key[0] || (address[0] && !addr_key[0]))
			return api_reply_fail(rq, RK_INVALID, "name or address is too long or not text");
		if (!time_parse_fhir(str_c(birth), TIME_DATE, &b) || b.prec != TP_DAY || b.lo > rq->now)
			return api_reply_fail(rq, RK_INVALID, "birth_date must be a past date, YYYY-MM-DD");
		if (strcmp(sex, "male") != 0 && strcmp(sex, "female") != 0)
			return api_reply_fail(rq, RK_INVALID, "sex must be male or female");
		how = "4情報";
		rc = by_four(rq, &b, sex, name_key, addr_key, &f, &err);
	}
	if (rc == RK_OK && f.too_many)
		rc = rk_fail_code(&err, RK_UNPROCESSABLE, "too_vague",
				  "more than %d people match: add the address (or the other name form) to narrow it",
				  EMERGENCY_SEARCH_MAX);
	json_t *arr = json_array();
	for (size_t i = 0; i < f.n; i++) {
		if (rc == RK_OK) {
			json_object_set_new(f.m[i].shown, "regional_id", json_string(f.m[i].regional));
			json_object_set_new(f.m[i].shown, "patient",
					    json_string(arena_printf(rq->arena, "Patient/%s", f.m[i].patient)));
			json_array_append(arr, f.m[i].shown);
			api_audit_patient(rq, arena_strdup(rq->arena, f.m[i].regional));
		}
		json_decref(f.m[i].shown);
	}
	rq->audit.purpose = "ETREAT";
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "emergency search by %s%s%s: %zu match(es)%s", how,
		 disaster ? " under disaster mode " : "", disaster ? disaster : "", rc == RK_OK ? f.n : 0,
		 rc == RK_OK ? "" : ", refused as too vague");
	if (rc != RK_OK) {
		json_decref(arr);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200, json_pack("{s:o, s:b}", "matches", arr, "disaster", disaster != NULL));
}
