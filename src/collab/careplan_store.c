/* careplan_store.c — stored care plans (see careplan_store.h). */
#include "collab/careplan_store.h"

#include <string.h>

enum rk_status careplan_list(struct store *s, const char *regional, struct arena *a, struct careplan_stored **out,
			     size_t *n, struct rk_err *err)
{
	*n = 0;
	*out = arena_calloc(a, CAREPLAN_MAX_LISTED, sizeof **out);
	if (!*out)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT r.id, r.source_facility, r.patient_id, r.version, r.last_updated, r.body "
			      "FROM patient_link l JOIN resource r ON r.patient_id = l.patient_id "
			      "WHERE l.regional_id = ? AND r.type = 'CarePlan' AND r.deleted = 0 "
			      "ORDER BY r.last_updated DESC, r.id LIMIT 50",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional));
	bool row = false;
	while (*n < CAREPLAN_MAX_LISTED && (rc = store_step(st, &row, err)) == RK_OK && row) {
		struct careplan_stored *c = &(*out)[*n];
		struct str v[4] = {store_col_text(st, 0), store_col_text(st, 1), store_col_text(st, 2),
				   store_col_text(st, 5)};
		c->id = arena_strndup(a, v[0].ptr, v[0].len);
		c->facility = arena_strndup(a, v[1].ptr, v[1].len);
		c->patient = arena_strndup(a, v[2].ptr, v[2].len);
		c->body = arena_strndup(a, v[3].ptr, v[3].len);
		c->version = store_col_i64(st, 3);
		c->last_updated = store_col_i64(st, 4);
		if (!c->id || !c->facility || !c->patient || !c->body) {
			rc = rk_fail(err, RK_TOO_LARGE, "out of request memory");
			break;
		}
		(*n)++;
	}
	store_done(st);
	return rc;
}

/* Replace every "reference" equal to from by to. */
static void rewrite(json_t *v, const char *from, const char *to)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) rewrite(x, from, to);
	} else if (json_is_object(v)) {
		const char *key;
		json_t *x;
		json_object_foreach(v, key, x)
		{
			if (strcmp(key, "reference") == 0 && json_is_string(x) &&
			    strcmp(json_string_value(x), from) == 0)
				json_string_set(x, to);
			else
				rewrite(x, from, to);
		}
	}
}

enum rk_status careplan_write(struct fhir_ctx *ctx, json_t *doc, const char **plan_id, struct rk_err *err)
{
	*plan_id = "";
	json_t *entries = json_object_get(doc, "entry");
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		json_t *req = json_object_get(e, "request"), *res = json_object_get(e, "resource");
		const char *method = json_string_value(json_object_get(req, "method"));
		const char *url = json_string_value(json_object_get(req, "url"));
		if (!method || !url)
			return rk_fail(err, RK_INTERNAL, "careplan: entry %zu has no request", i);
		struct str type, id = STR_NULL;
		if (!str_cut(str_c(url), '/', &type, &id))
			type = str_c(url);
		const struct fhir_resource_def *def = fhir_resource_find(type.ptr, type.len);
		if (!def)
			return rk_fail(err, RK_INTERNAL, "careplan: entry %zu names no served type", i);
		struct fhir_result out;
		enum rk_status rc;
		if (strcmp(method, "DELETE") == 0)
			rc = fhir_delete(ctx, def, id, &out, err);
		else if (strcmp(method, "PUT") == 0)
			rc = fhir_update(ctx, def, id, res, 0, &out, err);
		else
			rc = fhir_create(ctx, def, res, &out, err);
		if (rc != RK_OK)
			return rc;
		const char *full = json_string_value(json_object_get(e, "fullUrl"));
		if (res && full) {
			char *ref = arena_printf(ctx->arena, "%s/%.*s", def->name, STR_FMT(out.id));
			if (!ref)
				return rk_fail(err, RK_TOO_LARGE, "out of memory");
			rewrite(entries, full, ref);
			if (strcmp(def->name, "CarePlan") == 0)
				*plan_id = ref + 9;
		}
	}
	return RK_OK;
}
