/* timeline.c — collab_post, the facts of the team's posts (see timeline.h). */
#include "fhir/timeline.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"

static struct str ref_at(const json_t *o, const char *key)
{
	const json_t *r = json_object_get(o, key);
	if (json_is_array(r))
		r = json_array_get(r, 0);
	r = json_object_get(r, "reference");
	return json_is_string(r) ? rk_json_strv(r) : STR_LIT("");
}

static int64_t ms_of(const json_t *v, int64_t fallback)
{
	struct time_range tr;
	if (json_is_string(v) && time_parse_fhir(rk_json_strv(v), TIME_DATETIME, &tr))
		return tr.lo;
	return fallback;
}

static int64_t reply_by(const json_t *body)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(body, "extension"), i, x)
	{
		const json_t *url = json_object_get(x, "url");
		if (json_is_string(url) && strcmp(json_string_value(url), TIMELINE_REPLY_BY_EXT) == 0)
			return ms_of(json_object_get(x, "valueDateTime"), 0);
	}
	return 0;
}

/* The recipients a post names, ' '-separated: references as written
 * ("Practitioner/p1") and names without one ("@訪問看護"), spaces dropped. */
static bool mentions_of(const json_t *body, struct buf *out)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(body, "recipient"), i, r)
	{
		const json_t *v = json_object_get(r, "reference");
		if (!json_is_string(v))
			v = json_object_get(r, "display");
		if (!json_is_string(v) || !json_string_length(v))
			continue;
		if (out->len && buf_putc(out, ' ') != RK_OK)
			return false;
		for (const char *p = json_string_value(v); *p; p++)
			if (*p != ' ' && *p != '\t' && buf_putc(out, *p) != RK_OK)
				return false;
	}
	return buf_putc(out, '\0') == RK_OK;
}

static enum rk_status put_row(struct store *s, struct str id, struct str patient, struct str source, const json_t *body,
			      int64_t updated, struct rk_err *err)
{
	struct buf m;
	buf_init(&m, 64 * 1024);
	if (!mentions_of(body, &m)) {
		buf_free(&m);
		return rk_fail(err, RK_TOO_LARGE, "the post names too many recipients");
	}
	struct str reply = ref_at(body, "inResponseTo");
	struct str reply_id = STR_LIT("");
	if (reply.len > 14 && memcmp(reply.ptr, "Communication/", 14) == 0)
		reply_id = (struct str){reply.ptr + 14, reply.len - 14};
	const json_t *status = json_object_get(body, "status");
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "INSERT INTO collab_post (comm_id, patient_id, source_facility, sender, reply_to, "
			      "status, sent, reply_by, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			      &st, err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, id);
		store_bind_text(st, 2, patient);
		store_bind_text(st, 3, source);
		store_bind_text(st, 4, ref_at(body, "sender"));
		store_bind_text(st, 5, reply_id);
		store_bind_text(st, 6, json_is_string(status) ? rk_json_strv(status) : STR_LIT(""));
		store_bind_i64(st, 7, ms_of(json_object_get(body, "sent"), updated));
		store_bind_i64(st, 8, reply_by(body));
		store_bind_text(st, 9, str_c(m.data ? m.data : ""));
		rc = store_run(st, err);
		store_done(st);
	}
	buf_free(&m);
	return rc;
}

static enum rk_status drop_row(struct store *s, struct str id, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "DELETE FROM collab_post WHERE comm_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, id);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status timeline_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	enum rk_status rc = drop_row(ctx->store, w->id, err);
	if (rc != RK_OK)
		return rc;
	return put_row(ctx->store, w->id, w->patient_id, w->source_facility, w->res, ctx->now, err);
}

enum rk_status timeline_after_delete(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	return drop_row(ctx->store, w->id, err);
}

static const char *dup(struct arena *a, struct str v)
{
	return arena_strndup(a, v.ptr ? v.ptr : "", v.len);
}

enum rk_status timeline_backfill(struct store *s, struct arena *a, int64_t *added, struct rk_err *err)
{
	*added = 0;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT r.id, r.patient_id, r.source_facility, r.last_updated, r.body FROM resource r "
			      "WHERE r.type = 'Communication' AND r.deleted = 0 AND NOT EXISTS "
			      "(SELECT 1 FROM collab_post p WHERE p.comm_id = r.id) ORDER BY r.rid",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	/* read first, then write: one statement open at a time on the connection */
	struct item {
		const char *id, *patient, *source;
		int64_t updated;
		json_t *body;
	} *items = NULL;
	size_t n = 0, cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct item *ni = realloc(items, nc * sizeof *ni);
			if (!ni) {
				ok = false;
				break;
			}
			items = ni;
			cap = nc;
		}
		struct str body = store_col_text(st, 4);
		struct item *it = &items[n++];
		*it = (struct item){
			.id = dup(a, store_col_text(st, 0)),
			.patient = dup(a, store_col_text(st, 1)),
			.source = dup(a, store_col_text(st, 2)),
			.updated = store_col_i64(st, 3),
			.body = json_loadb(body.ptr ? body.ptr : "", body.len, 0, NULL),
		};
		if (!it->id || !it->patient || !it->source)
			ok = false;
	}
	store_done(st);
	if (rc == RK_OK && !ok)
		rc = rk_fail(err, RK_TOO_LARGE, "out of memory");
	if (rc == RK_OK && n)
		rc = store_begin(s, err);
	if (rc == RK_OK && n) {
		for (size_t i = 0; i < n && rc == RK_OK; i++)
			if (items[i].body)
				rc = put_row(s, str_c(items[i].id), str_c(items[i].patient), str_c(items[i].source),
					     items[i].body, items[i].updated, err);
		if (rc == RK_OK)
			rc = store_commit(s, err);
		else
			store_rollback(s);
		if (rc == RK_OK)
			*added = (int64_t)n;
	}
	for (size_t i = 0; i < n; i++)
		json_decref(items[i].body);
	free(items);
	return rc;
}
