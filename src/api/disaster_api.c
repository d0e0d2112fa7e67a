/* disaster_api.c — disaster mode (災害モード) for the operator: declare it for
 * municipalities by 全国地方公共団体コード, list, extend for one facility, end
 * early, and read the report of the accesses made under it (access/disaster.h). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "access/disaster.h"
#include "api/access_api.h"
#include "api/session.h"
#include "core/limits.h"
#include "core/rand.h"
#include "core/time.h"

static bool operator_only(struct api_request *rq, const char *what)
{
	if (rq->who.kind == PRINCIPAL_STAFF && rq->who.role == ROLE_OPERATOR)
		return true;
	api_reply_fail(rq, RK_FORBIDDEN, "%s is the network operator's (運用管理者) task", what);
	return false;
}

/* A time given as RFC 3339 (starts, ends) or as hours from a base. */
static bool time_field(struct api_request *rq, const json_t *body, const char *key, const char *hours_key, int64_t base,
		       int64_t *out)
{
	const json_t *v = json_object_get(body, key);
	if (v) {
		struct time_range r;
		const char *s = json_string_value(v);
		if (!s || !time_parse_fhir(str_c(s), TIME_DATETIME, &r) || r.prec < TP_MINUTE) {
			api_reply_fail(rq, RK_INVALID,
				       "%s must be a date and time with its zone, e.g. 2026-12-08T09:00:00+09:00", key);
			return false;
		}
		*out = r.lo;
		return true;
	}
	const json_t *h = hours_key ? json_object_get(body, hours_key) : NULL;
	if (h) {
		json_int_t hours = json_integer_value(h);
		if (!json_is_integer(h) || hours < 1 || hours > DISASTER_MAX_MS / 3600000) {
			api_reply_fail(rq, RK_INVALID, "%s must be a whole number of hours, 1..%lld", hours_key,
				       (long long)(DISASTER_MAX_MS / 3600000));
			return false;
		}
		*out = base + (int64_t)hours * 3600000;
		return true;
	}
	*out = 0;
	return true;
}

void api_disaster_declare(struct api_request *rq)
{
	if (!operator_only(rq, "declaring disaster mode"))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	char codes[MUNICIPALITY_LIST_CAP], names[1024];
	enum rk_status rc = disaster_codes_parse(rq->store, json_object_get(body, "municipalities"), codes, names,
						 sizeof names, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	const char *note = api_json_str(body, "note");
	if (strlen(note) > 1000 || !str_is_utf8(str_c(note)))
		return api_reply_fail(rq, RK_INVALID, "note is longer than 1,000 bytes or not UTF-8");
	int64_t starts = 0, ends = 0;
	if (!time_field(rq, body, "starts", NULL, rq->now, &starts))
		return;
	if (!starts)
		starts = rq->now;
	if (!time_field(rq, body, "ends", "hours", starts, &ends))
		return;
	if (!ends)
		return api_reply_fail(rq, RK_INVALID, "give the end: ends (a date and time) or hours");
	if (starts < rq->now - 300000)
		return api_reply_fail(rq, RK_INVALID,
				      "starts lies in the past: a declaration cannot open access backwards");
	if (ends <= starts || ends - starts > DISASTER_MAX_MS)
		return api_reply_fail(rq, RK_INVALID, "ends must come after starts, at most 30 days later");
	if (ends <= rq->now)
		return api_reply_fail(rq, RK_INVALID, "ends lies in the past");
	char id[RAND_ID_LEN + 1];
	rand_id(id);
	struct store_stmt *st;
	rc = store_prepare(
		rq->store,
		"INSERT INTO disaster_declaration (declaration_id, area, declared_by, note, started_at, ends_at,"
		" ended_at, area_codes, ended_by) VALUES (?, ?, ?, ?, ?, ?, 0, ?, '')",
		&st, &err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, str_c(id));
		store_bind_text(st, 2, str_c(names));
		store_bind_text(st, 3, str_c(rq->who.account));
		store_bind_text(st, 4, str_c(note));
		store_bind_i64(st, 5, starts);
		store_bind_i64(st, 6, ends);
		store_bind_text(st, 7, str_c(codes));
		rc = store_run(st, &err);
		store_done(st);
	}
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	char a[RK_TIME_RFC3339_LEN], b[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(starts, a);
	time_format_rfc3339(ends, b);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "disaster mode %s declared for %.200s from %s to %s", id,
		 names, a, b);
	rq->audit.grant_ref = arena_strdup(rq->arena, id);
	api_reply_obj(rq, 201,
		      json_pack("{s:s, s:s, s:s, s:s, s:s}", "declaration", id, "area", names, "municipalities", codes,
				"starts", a, "ends", b));
}

/* The extensions of a declaration, as a JSON array. */
static json_t *extensions(struct api_request *rq, const char *id, enum rk_status *rc, struct rk_err *err)
{
	json_t *arr = json_array();
	struct store_stmt *st;
	*rc = store_prepare(rq->store,
			    "SELECT x.facility_code, COALESCE(f.name, ''), x.ends_at, x.extended_by, x.note FROM"
			    " disaster_extension x LEFT JOIN facility f ON f.facility_code = x.facility_code"
			    " WHERE x.declaration_id = ? ORDER BY x.facility_code",
			    &st, err);
	if (*rc != RK_OK)
		return arr;
	store_bind_text(st, 1, str_c(id));
	bool row = false;
	while ((*rc = store_step(st, &row, err)) == RK_OK && row) {
		char at[RK_TIME_RFC3339_LEN], c[5][1100];
		time_format_rfc3339(store_col_i64(st, 2), at);
		for (int i = 0; i < 5; i++)
			str_copy(c[i], sizeof c[i], store_col_text(st, i));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "facility", c[0], "name", c[1],
						     "ends", at, "extended_by", c[3], "note", c[4], "active",
						     store_col_i64(st, 2) > rq->now));
	}
	store_done(st);
	return arr;
}

void api_disaster_list(struct api_request *rq)
{
	if (rq->who.kind != PRINCIPAL_STAFF)
		return api_reply_fail(rq, RK_FORBIDDEN, "only a logged-in member of staff can do this");
	/* ?all=true: the operator's history (the last 90 days) as well */
	bool all = false;
	for (size_t i = 0; i < rq->n_params; i++) {
		if (str_eq_c(rq->params[i].key, "all") && str_eq_c(rq->params[i].value, "true"))
			all = rq->who.role == ROLE_OPERATOR;
		else if (!str_eq_c(rq->params[i].key, "all"))
			return api_reply_fail(rq, RK_INVALID, "unknown parameter (all=true)");
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		rq->store,
		"SELECT declaration_id, area, declared_by, note, started_at, ends_at, ended_at, area_codes, ended_by"
		" FROM disaster_declaration d WHERE (ended_at = 0 AND ends_at > ?) OR EXISTS (SELECT 1 FROM"
		" disaster_extension x WHERE x.declaration_id = d.declaration_id AND x.ends_at > ? AND d.ended_by = '')"
		" OR (? = 1 AND started_at > ?) ORDER BY started_at DESC LIMIT 200",
		&st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	store_bind_i64(st, 1, rq->now);
	store_bind_i64(st, 2, rq->now);
	store_bind_i64(st, 3, all);
	store_bind_i64(st, 4, rq->now - 90LL * 86400000);
	json_t *arr = json_array();
	bool row = false;
	while ((rc = store_step(st, &row, &err)) == RK_OK && row) {
		char a[RK_TIME_RFC3339_LEN], b[RK_TIME_RFC3339_LEN], c[9][1100];
		int64_t started = store_col_i64(st, 4), ends = store_col_i64(st, 5), ended = store_col_i64(st, 6);
		time_format_rfc3339(started, a);
		time_format_rfc3339(ends, b);
		for (int i = 0; i < 9; i++)
			str_copy(c[i], sizeof c[i], store_col_text(st, i));
		const char *state = ended && c[8][0]           ? "ended"  /* by the operator */
				    : ended || ends <= rq->now ? "closed" /* at its end */
				    : started > rq->now        ? "scheduled"
							       : "active";
		bool mine = c[7][0] ? municipality_list_covers(c[7], rq->who.area_codes)
				    : c[1][0] && strncmp(rq->who.area, c[1], strlen(c[1])) == 0;
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "declaration", c[0],
						"area", c[1], "municipalities", c[7], "declared_by", c[2], "note", c[3],
						"starts", a, "ends", b, "state", state, "covers_me", mine));
	}
	store_done(st);
	/* each one's extensions (a second pass: one statement at a time) */
	size_t i;
	json_t *d;
	json_array_foreach(arr, i, d)
	{
		if (rc != RK_OK)
			break;
		json_t *x = extensions(rq, json_string_value(json_object_get(d, "declaration")), &rc, &err);
		size_t k;
		json_t *e;
		json_array_foreach(
			x, k, e) if (json_is_true(json_object_get(e, "active")) &&
				     strcmp(json_string_value(json_object_get(e, "facility")), rq->who.facility) == 0)
			json_object_set(d, "covers_me", json_true());
		json_object_set_new(d, "extensions", x);
	}
	if (rc != RK_OK) {
		json_decref(arr);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200, json_pack("{s:o}", "declarations", arr));
}

void api_disaster_end(struct api_request *rq)
{
	if (!operator_only(rq, "ending disaster mode"))
		return;
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	/* ends it and its extensions: an extension needs a declaration not ended early */
	enum rk_status rc =
		store_prepare(rq->store,
			      "UPDATE disaster_declaration SET ended_at = ?, ended_by = ? WHERE declaration_id = ?"
			      " AND ((ended_at = 0 AND ends_at > ?) OR (ended_by = '' AND EXISTS (SELECT 1 FROM"
			      " disaster_extension x WHERE x.declaration_id = disaster_declaration.declaration_id"
			      " AND x.ends_at > ?)))",
			      &st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	store_bind_i64(st, 1, rq->now);
	store_bind_text(st, 2, str_c(rq->who.account));
	store_bind_text(st, 3, rq->args[0]);
	store_bind_i64(st, 4, rq->now);
	store_bind_i64(st, 5, rq->now);
	rc = store_run(st, &err);
	int64_t changed = store_changes(st);
	store_done(st);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (changed != 1)
		return api_reply_fail(rq, RK_NOT_FOUND, "no active declaration with that id");
	rq->audit.grant_ref = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "disaster mode %.*s ended early, with its extensions",
		 (int)(rq->args[0].len > 64 ? 64 : rq->args[0].len), rq->args[0].ptr);
	rq->status = 204;
	rq->content_type = NULL;
}

void api_disaster_extend(struct api_request *rq)
{
	if (!operator_only(rq, "extending disaster mode"))
		return;
	json_t *body = api_json_body(rq);
	if (!body)
		return;
	struct rk_err err;
	rk_err_clear(&err);
	const char *facility = api_json_str(body, "facility"), *note = api_json_str(body, "note");
	if (strlen(note) > 1000 || !str_is_utf8(str_c(note)))
		return api_reply_fail(rq, RK_INVALID, "note is longer than 1,000 bytes or not UTF-8");
	/* the declaration, not ended early, and the facility it covers */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		rq->store,
		"SELECT d.area_codes, d.ends_at, d.ended_by, f.area_codes, f.name FROM disaster_declaration d,"
		" facility f WHERE d.declaration_id = ? AND f.facility_code = ?",
		&st, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	store_bind_text(st, 1, rq->args[0]);
	store_bind_text(st, 2, str_c(facility));
	bool row = false;
	char declared[MUNICIPALITY_LIST_CAP] = "", covers[MUNICIPALITY_LIST_CAP] = "", ended_by[RK_MAX_ACCOUNT_ID] = "",
	     name[RK_MAX_DISPLAY_NAME] = "";
	int64_t ends = 0;
	if ((rc = store_step(st, &row, &err)) == RK_OK && row) {
		str_copy(declared, sizeof declared, store_col_text(st, 0));
		ends = store_col_i64(st, 1);
		str_copy(ended_by, sizeof ended_by, store_col_text(st, 2));
		str_copy(covers, sizeof covers, store_col_text(st, 3));
		str_copy(name, sizeof name, store_col_text(st, 4));
	}
	store_done(st);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	if (!row)
		return api_reply_fail(rq, RK_NOT_FOUND, "no declaration with that id, or no facility %.10s", facility);
	if (ended_by[0])
		return api_reply_fail(rq, RK_CONFLICT, "this declaration was ended early by %s: declare a new one",
				      ended_by);
	if (!municipality_list_covers(declared, covers))
		return api_reply_fail(rq, RK_INVALID,
				      "facility %.10s is neither in nor serving the declared area: an extension keeps"
				      " disaster mode only where it was declared",
				      facility);
	int64_t until = 0;
	if (!time_field(rq, body, "ends", "hours", ends > rq->now ? ends : rq->now, &until))
		return;
	if (until <= ends || until <= rq->now)
		return api_reply_fail(rq, RK_INVALID,
				      "an extension must end after the declaration's end and after now");
	if (until - (ends > rq->now ? ends : rq->now) > DISASTER_MAX_MS)
		return api_reply_fail(rq, RK_INVALID, "an extension lasts at most 30 days");
	rc = store_prepare(
		rq->store,
		"INSERT INTO disaster_extension (declaration_id, facility_code, ends_at, extended_by, extended_at,"
		" note) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (declaration_id, facility_code) DO UPDATE SET"
		" ends_at = excluded.ends_at, extended_by = excluded.extended_by,"
		" extended_at = excluded.extended_at, note = excluded.note",
		&st, &err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, rq->args[0]);
		store_bind_text(st, 2, str_c(facility));
		store_bind_i64(st, 3, until);
		store_bind_text(st, 4, str_c(rq->who.account));
		store_bind_i64(st, 5, rq->now);
		store_bind_text(st, 6, str_c(note));
		rc = store_run(st, &err);
		store_done(st);
	}
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	char at[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(until, at);
	rq->audit.grant_ref = arena_strndup(rq->arena, rq->args[0].ptr, rq->args[0].len);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "disaster mode %.*s extended for %s (%s) until %s",
		 (int)(rq->args[0].len > 64 ? 64 : rq->args[0].len), rq->args[0].ptr, facility, name, at);
	api_reply_obj(rq, 200,
		      json_pack("{s:s%, s:s, s:s, s:s}", "declaration", rq->args[0].ptr, rq->args[0].len, "facility",
				facility, "name", name, "ends", at));
}

void api_disaster_report(struct api_request *rq)
{
	/* the operator's, or a facility administrator's for its own staff's accesses */
	if (rq->who.kind != PRINCIPAL_STAFF || (rq->who.role != ROLE_OPERATOR && rq->who.role != ROLE_FACILITY_ADMIN))
		return api_reply_fail(rq, RK_FORBIDDEN,
				      "the disaster report is for the operator and facility administrators");
	int64_t from, to;
	char date[11];
	disaster_jst_day(rq->now, &from, &to, date);
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		struct time_range r;
		if (!str_eq_c(k, "date"))
			return api_reply_fail(rq, RK_INVALID,
					      "unknown parameter (date=YYYY-MM-DD, a day in Japan time)");
		if (!time_parse_fhir(v, TIME_DATE, &r) || r.prec != TP_DAY)
			return api_reply_fail(rq, RK_INVALID, "date must be YYYY-MM-DD");
		disaster_jst_day(r.lo, &from, &to, date); /* r.lo is 00:00 UTC, within that JST day */
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(rq->store, "SELECT 1 FROM disaster_declaration WHERE declaration_id = ?", &st, &err);
	bool row = false;
	if (rc == RK_OK) {
		store_bind_text(st, 1, rq->args[0]);
		rc = store_step(st, &row, &err);
		store_done(st);
	}
	if (rc == RK_OK && !row)
		rc = rk_fail(&err, RK_NOT_FOUND, "no declaration with that id");
	int64_t n = 0;
	char id[RK_MAX_ACCOUNT_ID];
	str_copy(id, sizeof id, rq->args[0]);
	buf_reset(&rq->out);
	if (rc == RK_OK)
		rc = disaster_report_csv(rq->store, id, rq->who.role == ROLE_OPERATOR ? NULL : rq->who.facility, from,
					 to, &rq->out, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	rq->audit.grant_ref = arena_strdup(rq->arena, id);
	snprintf(rq->audit.detail, sizeof rq->audit.detail, "disaster report %s of %s: %lld access(es)", id, date,
		 (long long)n);
	rq->status = 200;
	rq->content_type = "text/csv; charset=utf-8";
}
