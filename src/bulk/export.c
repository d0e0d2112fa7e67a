/* export.c — FHIR Bulk Data $export: the kick-off's parameters and rule, the
 * bulk_export row, status, manifest, files, cancellation and the purge. The
 * runner (runner.c) does the work. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/auth.h"
#include "bulk/bulk.h"
#include "bulk/bulk_impl.h"
#include "core/limits.h"
#include "core/rand.h"
#include "core/time.h"
#include "fhir/types.h"
#include "model/category.h"

void bulk_dir(const struct config *cfg, char *out, size_t cap)
{
	if (cfg->bulk_dir && cfg->bulk_dir[0])
		snprintf(out, cap, "%s", cfg->bulk_dir);
	else if (strncmp(cfg->store_url, "sqlite:", 7) == 0)
		snprintf(out, cap, "%s.bulk", cfg->store_url + 7);
	else
		snprintf(out, cap, "var/bulk");
}

static bool type_of_level(enum bulk_level level, const char *type)
{
	return level == BULK_SYSTEM || category_of_type(type, strlen(type)) != CAT_NONE;
}

static bool has_type(const struct bulk_request *r, const char *t)
{
	for (size_t i = 0; i < r->n_types; i++)
		if (strcmp(r->types[i], t) == 0)
			return true;
	return false;
}

static bool output_format_ok(struct str v)
{
	return str_eq_c(v, "application/fhir+ndjson") || str_eq_c(v, "application/ndjson") || str_eq_c(v, "ndjson");
}

enum rk_status bulk_export_parse(enum bulk_level level, struct str group, const struct str_pair *params, size_t n,
				 struct bulk_request *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	out->level = level;
	out->since = -1;
	if (level == BULK_GROUP && !str_copy(out->group, sizeof out->group, group))
		return rk_fail(err, RK_NOT_FOUND, "Group/%.*s is not known", (int)(group.len > 64 ? 64 : group.len),
			       group.ptr);
	bool since_seen = false;
	for (size_t i = 0; i < n; i++) {
		struct str k = params[i].key, v = params[i].value;
		if (str_eq_c(k, "_type")) {
			struct str rest = v, t;
			while (str_next(&rest, ',', &t)) {
				t = str_trim(t);
				const struct fhir_resource_def *def = fhir_resource_find(t.ptr, t.len);
				if (!def)
					return rk_fail_at(
						err, RK_INVALID, "_type",
						"'%.*s' is not a resource type renkei serves (see /fhir/metadata)",
						(int)(t.len > 64 ? 64 : t.len), t.ptr);
				if (!type_of_level(level, def->name))
					return rk_fail_at(err, RK_INVALID, "_type",
							  "%s is the directory, not patient data: it is exported by a "
							  "system-level export (/fhir/$export) only",
							  def->name);
				if (has_type(out, def->name))
					continue;
				if (out->n_types == BULK_MAX_TYPES)
					return rk_fail_at(err, RK_INVALID, "_type", "too many types");
				out->types[out->n_types++] = def->name;
				out->types_given = true;
			}
		} else if (str_eq_c(k, "_since")) {
			struct time_range tr;
			if (since_seen)
				return rk_fail_at(err, RK_INVALID, "_since", "_since is given twice");
			since_seen = true;
			if (!time_parse_fhir(v, TIME_INSTANT, &tr))
				return rk_fail_at(err, RK_INVALID, "_since",
						  "_since must be a FHIR instant with seconds and a time zone "
						  "(2026-01-01T00:00:00+09:00), not '%.*s'",
						  (int)(v.len > 64 ? 64 : v.len), v.ptr);
			out->since = tr.lo;
		} else if (str_eq_c(k, "_outputFormat")) {
			if (!output_format_ok(v))
				return rk_fail_at(err, RK_INVALID, "_outputFormat",
						  "_outputFormat '%.*s' is not supported: renkei writes "
						  "application/fhir+ndjson (also accepted: application/ndjson, ndjson)",
						  (int)(v.len > 64 ? 64 : v.len), v.ptr);
		} else {
			return rk_fail_at(err, RK_INVALID, "query",
					  "$export parameter '%.*s' is not supported (renkei takes _type, _since and "
					  "_outputFormat)",
					  (int)(k.len > 64 ? 64 : k.len), k.ptr);
		}
	}
	if (!out->n_types)
		for (size_t i = 0; i < fhir_resources_len && out->n_types < BULK_MAX_TYPES; i++)
			if (type_of_level(level, fhir_resources[i]->name))
				out->types[out->n_types++] = fhir_resources[i]->name;
	return RK_OK;
}

enum rk_status bulk_export_may(const struct principal *who, struct bulk_request *r, struct rk_err *err)
{
	bool is_op = who->kind == PRINCIPAL_STAFF && who->role == ROLE_OPERATOR;
	if (r->level != BULK_GROUP && !is_op)
		return rk_fail_code(
			err, RK_FORBIDDEN, "bulk_region",
			"%s (%s) may not export the whole region: a system or patient-level $export is the "
			"network operator's (運用管理者) only; a facility system exports its own facility's "
			"patients with /fhir/Group/{facility code}/$export",
			who->account, role_info(who->role)->code);
	if (is_op)
		return RK_OK;
	if (who->kind != PRINCIPAL_SYSTEM)
		return rk_fail_code(err, RK_FORBIDDEN, "bulk_role",
				    "%s (%s) may not start a bulk export: $export is for facility systems (OAuth2 "
				    "client credentials, system/*.read) and the network operator",
				    who->account, role_info(who->role)->code);
	if (strcmp(who->facility, r->group) != 0)
		return rk_fail_code(err, RK_FORBIDDEN, "bulk_facility",
				    "the facility system %s of %s exports its own facility's patients only "
				    "(Group/%s/$export)",
				    who->account, who->facility, who->facility);
	size_t k = 0;
	for (size_t i = 0; i < r->n_types; i++) {
		if (scope_allows(who->scopes, r->types[i], false))
			r->types[k++] = r->types[i];
		else if (r->types_given)
			return rk_fail_code(err, RK_FORBIDDEN, "insufficient_scope",
					    "the token's scope (%s) does not cover reading %s", who->scopes,
					    r->types[i]);
	}
	if (k == 0)
		return rk_fail_code(err, RK_FORBIDDEN, "insufficient_scope",
				    "the token's scope (%s) covers reading no type of the export", who->scopes);
	r->n_types = k;
	return RK_OK;
}

/* The principal as stored with the export (the runner runs as it). */
static char *principal_json(const struct principal *who)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s}", "kind", (int)who->kind, "account",
			      who->account, "name", who->name, "role", role_info(who->role)->code, "licensed",
			      who->licensed, "facility", who->facility, "facility_kind", who->facility_kind, "area",
			      who->area, "area_codes", who->area_codes, "scopes", who->scopes);
	if (!o)
		rk_oom();
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		rk_oom();
	return s;
}

bool bulk_principal_parse(struct str js, struct principal *who)
{
	memset(who, 0, sizeof *who);
	json_t *o = json_loadb(js.ptr, js.len, 0, NULL);
	if (!o)
		return false;
	const char *role = json_string_value(json_object_get(o, "role"));
	who->kind = (enum principal_kind)json_integer_value(json_object_get(o, "kind"));
	bool ok = role && (who->kind == PRINCIPAL_SYSTEM ? (who->role = ROLE_SYSTEM, true)
							 : role_parse(str_c(role), &who->role));
	str_copy(who->account, sizeof who->account, str_c(json_string_value(json_object_get(o, "account"))));
	str_copy(who->name, sizeof who->name, str_c(json_string_value(json_object_get(o, "name"))));
	who->licensed = json_is_true(json_object_get(o, "licensed"));
	str_copy(who->facility, sizeof who->facility, str_c(json_string_value(json_object_get(o, "facility"))));
	str_copy(who->facility_kind, sizeof who->facility_kind,
		 str_c(json_string_value(json_object_get(o, "facility_kind"))));
	str_copy(who->area, sizeof who->area, str_c(json_string_value(json_object_get(o, "area"))));
	str_copy(who->area_codes, sizeof who->area_codes, str_c(json_string_value(json_object_get(o, "area_codes"))));
	str_copy(who->scopes, sizeof who->scopes, str_c(json_string_value(json_object_get(o, "scopes"))));
	snprintf(who->session_ref, sizeof who->session_ref, "bulk-export");
	who->stage = STAGE_OK;
	json_decref(o);
	return ok && (who->kind == PRINCIPAL_STAFF || who->kind == PRINCIPAL_SYSTEM);
}

/* A key of the owner: staff and systems never share an account name space. */
void bulk_owner_key(const struct principal *who, char *out, size_t cap)
{
	snprintf(out, cap, "%s:%s", who->kind == PRINCIPAL_SYSTEM ? "system" : "staff", who->account);
}

enum rk_status bulk_export_start(struct store *s, const struct principal *who, const struct bulk_request *r,
				 const char *request_url, int64_t now, char id_out[BULK_ID_LEN + 1], struct rk_err *err)
{
	rand_id(id_out);
	char types[BULK_MAX_TYPES * 32] = "", owner[RK_MAX_ACCOUNT_ID + 16];
	for (size_t i = 0; i < r->n_types; i++) {
		if (i)
			strncat(types, ",", sizeof types - strlen(types) - 1);
		strncat(types, r->types[i], sizeof types - strlen(types) - 1);
	}
	bulk_owner_key(who, owner, sizeof owner);
	char *pj = principal_json(who);
	static const char *const levels[] = {"system", "patient", "group"};
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO bulk_export (id, account, principal, level, group_id, types, since, request_url, status, "
		"holder, progress, outputs, error, created_at, finished_at, expires_at) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', '', 'queued', '[]', '', ?, 0, 0)",
		&st, err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, str_c(id_out));
		store_bind_text(st, 2, str_c(owner));
		store_bind_text(st, 3, str_c(pj));
		store_bind_text(st, 4, str_c(levels[r->level]));
		store_bind_text(st, 5, str_c(r->group));
		store_bind_text(st, 6, str_c(types));
		store_bind_i64(st, 7, r->since);
		store_bind_text(st, 8, str_c(request_url));
		store_bind_i64(st, 9, now);
		rc = store_run(st, err);
		store_done(st);
	}
	free(pj);
	if (rc == RK_OK)
		bulk_runner_wake();
	return rc;
}

enum rk_status bulk_export_get(struct store *s, struct str id, const char *account, struct arena *a,
			       struct bulk_state *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT id, account, status, progress, outputs, error, request_url, created_at, "
			      "finished_at, expires_at FROM bulk_export WHERE id = ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, id);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row) {
		struct str *f[] = {&out->id,      &out->account, &out->status,     &out->progress,
				   &out->outputs, &out->error,   &out->request_url};
		for (int i = 0; i < 7; i++)
			*f[i] = arena_str(a, store_col_text(st, i));
		out->created_at = store_col_i64(st, 7);
		out->finished_at = store_col_i64(st, 8);
		out->expires_at = store_col_i64(st, 9);
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	bool expired = out->expires_at > 0 && out->expires_at <= time_now_ms();
	if (!row || !str_eq_c(out->account, account) || str_eq_c(out->status, "cancelled") || expired)
		return rk_fail(err, RK_NOT_FOUND, "export %.*s is not known (or was cancelled, or has expired)",
			       (int)(id.len > 64 ? 64 : id.len), id.ptr);
	if (!out->id.ptr || !out->outputs.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	return RK_OK;
}

enum rk_status bulk_export_cancel(struct store *s, const struct config *cfg, struct str id, const char *account,
				  int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "UPDATE bulk_export SET status = 'cancelled', expires_at = ? WHERE id = ? AND "
			      "account = ? AND status <> 'cancelled'",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, id);
	store_bind_text(st, 3, str_c(account));
	rc = store_run(st, err);
	bool changed = rc == RK_OK && store_changes(st) == 1;
	store_done(st);
	if (rc == RK_OK && !changed)
		return rk_fail(err, RK_NOT_FOUND, "export %.*s is not known (or was cancelled, or has expired)",
			       (int)(id.len > 64 ? 64 : id.len), id.ptr);
	if (rc == RK_OK) { /* ids are the runner's own: letters and digits */
		char one[BULK_ID_LEN + 8];
		if (str_copy(one, sizeof one, id) && !strchr(one, '/') && one[0] != '.')
			bulk_remove_files(cfg, one);
	}
	return rc;
}

enum rk_status bulk_export_manifest(const struct bulk_state *st, const char *base, struct arena *a, struct str *out,
				    struct rk_err *err)
{
	json_t *outs = json_loadb(st->outputs.ptr, st->outputs.len, 0, NULL);
	if (!json_is_array(outs)) {
		json_decref(outs);
		return rk_fail(err, RK_INTERNAL, "the export's list of files is damaged");
	}
	char when[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(st->created_at, when);
	json_t *output = json_array(), *m = json_object();
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o)
	{
		const char *file = json_string_value(json_object_get(o, "file"));
		char url[1024];
		snprintf(url, sizeof url, "%s/$export-file/%.*s/%s", base, STR_FMT(st->id), file ? file : "");
		json_array_append_new(output, json_pack("{s:O, s:s, s:O}", "type", json_object_get(o, "type"), "url",
							url, "count", json_object_get(o, "count")));
	}
	json_decref(outs);
	json_object_set_new(m, "transactionTime", json_string(when));
	json_object_set_new(m, "request", json_stringn(st->request_url.ptr, st->request_url.len));
	json_object_set_new(m, "requiresAccessToken", json_true());
	json_object_set_new(m, "output", output);
	json_object_set_new(m, "error", json_array());
	char *txt = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	if (!txt)
		rk_oom();
	*out = arena_str(a, str_c(txt));
	free(txt);
	return out->ptr ? RK_OK : rk_fail(err, RK_TOO_LARGE, "out of request memory");
}

static bool file_name_ok(struct str f)
{
	if (!f.len || f.len > 96 || f.ptr[0] == '.')
		return false;
	for (size_t i = 0; i < f.len; i++) {
		char c = f.ptr[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'))
			return false;
	}
	return true;
}

enum rk_status bulk_export_file(const struct config *cfg, const struct bulk_state *st, struct str file, struct arena *a,
				struct str *out, int64_t *resources, struct rk_err *err)
{
	*resources = 0;
	bool listed = false;
	json_t *outs = file_name_ok(file) && str_eq_c(st->status, "done")
			       ? json_loadb(st->outputs.ptr, st->outputs.len, 0, NULL)
			       : NULL;
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o)
	{
		if (str_eq_c(file, json_string_value(json_object_get(o, "file")) ?: "")) {
			listed = true;
			*resources = json_integer_value(json_object_get(o, "count"));
		}
	}
	json_decref(outs);
	if (!listed)
		return rk_fail(err, RK_NOT_FOUND, "file %.*s of export %.*s is not known",
			       (int)(file.len > 96 ? 96 : file.len), file.ptr, STR_FMT(st->id));
	char dir[RK_MAX_PATH], path[RK_MAX_PATH + 256];
	bulk_dir(cfg, dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%.*s/%.*s", dir, STR_FMT(st->id), STR_FMT(file));
	FILE *f = fopen(path, "rb");
	if (!f)
		return rk_fail(err, RK_NOT_FOUND, "file %.*s of export %.*s is gone (expired)", STR_FMT(file),
			       STR_FMT(st->id));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 || (uint64_t)sb.st_size > RK_MAX_RESPONSE / 2) {
		fclose(f);
		return rk_fail(err, RK_TOO_LARGE, "file %.*s is too large to serve", STR_FMT(file));
	}
	char *buf = arena_alloc(a, (size_t)sb.st_size + 1);
	if (!buf) {
		fclose(f);
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	size_t got = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	if (got != (size_t)sb.st_size)
		return rk_fail(err, RK_IO, "cannot read file %.*s of export %.*s", STR_FMT(file), STR_FMT(st->id));
	buf[got] = '\0';
	*out = (struct str){buf, got};
	return RK_OK;
}

/* Delete dir/id and what it holds (files the runner wrote: no subfolders). */
void bulk_remove_files(const struct config *cfg, const char *id)
{
	char dir[RK_MAX_PATH], path[RK_MAX_PATH + 256];
	bulk_dir(cfg, dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s", dir, id);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char f[RK_MAX_PATH + 512];
		snprintf(f, sizeof f, "%s/%s", path, e->d_name);
		unlink(f);
	}
	closedir(d);
	rmdir(path);
}

enum rk_status bulk_export_purge(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err)
{
	res->count = 0;
	snprintf(res->message, sizeof res->message, "no export expired");
	for (;;) {
		char ids[64][BULK_ID_LEN + 8];
		size_t n = 0;
		struct store_stmt *st;
		enum rk_status rc =
			store_prepare(env->store,
				      "SELECT id FROM bulk_export WHERE (expires_at > 0 AND expires_at <= ? "
				      "AND status <> 'running') OR (finished_at = 0 AND created_at <= ?) "
				      "ORDER BY created_at LIMIT 64",
				      &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_i64(st, 1, now);
		/* one that never finished within bulk.expiry: its server stopped
		 * (or it runs far too long), and it is given up */
		store_bind_i64(st, 2, now - env->cfg->bulk_expiry_ms);
		bool row = false;
		while ((rc = store_step(st, &row, err)) == RK_OK && row && n < 64)
			str_copy(ids[n++], sizeof ids[0], store_col_text(st, 0));
		store_done(st);
		if (rc != RK_OK)
			return rc;
		if (!n)
			break;
		for (size_t i = 0; i < n; i++) { /* the row first: once its files are gone, so is it */
			if ((rc = store_prepare(env->store, "DELETE FROM bulk_export WHERE id = ?", &st, err)) != RK_OK)
				return rc;
			store_bind_text(st, 1, str_c(ids[i]));
			rc = store_run(st, err);
			store_done(st);
			if (rc != RK_OK)
				return rc;
			bulk_remove_files(env->cfg, ids[i]);
			res->count++;
		}
	}
	if (res->count)
		snprintf(res->message, sizeof res->message, "%lld exports deleted with their files",
			 (long long)res->count);
	return RK_OK;
}
