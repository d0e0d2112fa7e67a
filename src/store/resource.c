/* resource.c — resources with version history: current row in `resource`,
 * superseded versions in `resource_history`, search index rows replaced on
 * every write. Callers hold the transaction (store_begin/commit). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "store/store_impl.h"

#define RESOURCE_COLS "id, version, last_updated, deleted, source_facility, patient_id, body"

/* Copy the columns of RESOURCE_COLS (starting at col 0) into out. */
static enum rk_status row_copy(struct store_stmt *st, const char *type, struct arena *a, struct store_resource *out,
			       struct rk_err *err)
{
	struct store_resource r;
	r.type = arena_str(a, str_c(type));
	r.id = arena_str(a, store_col_text(st, 0));
	r.version = store_col_i64(st, 1);
	r.last_updated = store_col_i64(st, 2);
	r.deleted = store_col_i64(st, 3) != 0;
	r.source_facility = arena_str(a, store_col_text(st, 4));
	r.patient_id = arena_str(a, store_col_text(st, 5));
	r.body = arena_str(a, store_col_text(st, 6));
	if (!r.type.ptr || !r.id.ptr || !r.source_facility.ptr || !r.patient_id.ptr || !r.body.ptr)
		return rk_fail(err, RK_TOO_LARGE, "resource is larger than this request may hold in memory");
	*out = r;
	return RK_OK;
}

static enum rk_status resource_current(struct store *s, const char *sql, const char *type, struct str id,
				       struct arena *a, struct store_resource *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(type));
	store_bind_text(st, 2, id);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = RK_NOT_FOUND;
	if (rc == RK_OK)
		rc = row_copy(st, type, a, out, err);
	store_done(st);
	return rc;
}

enum rk_status store_resource_read(struct store *s, const char *type, struct str id, struct arena *a,
				   struct store_resource *out, struct rk_err *err)
{
	return resource_current(s, "SELECT " RESOURCE_COLS " FROM resource WHERE type = ? AND id = ?", type, id, a, out,
				err);
}

enum rk_status store_resource_head(struct store *s, const char *type, struct str id, struct arena *a,
				   struct store_resource *out, struct rk_err *err)
{
	return resource_current(
		s,
		"SELECT id, version, last_updated, deleted, source_facility, patient_id, '' FROM resource "
		"WHERE type = ? AND id = ?",
		type, id, a, out, err);
}

/* 32-bit FNV-1a of "type/id": the advisory lock key of a resource that has
 * no row yet. Two ids sharing a key only wait for each other. */
static int64_t lock_key(const char *type, struct str id)
{
	uint32_t h = 2166136261u;
	for (const char *p = type; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (size_t i = 0; i < id.len; i++)
		h = (h ^ (unsigned char)id.ptr[i]) * 16777619u;
	return (int64_t)(int32_t)h;
}

enum rk_status store_resource_read_for_write(struct store *s, const char *type, struct str id, struct arena *a,
					     struct store_resource *out, struct rk_err *err)
{
	static const char sql[] = "SELECT " RESOURCE_COLS " FROM resource WHERE type = ? AND id = ?@FORUPDATE@";
	if (!s->in_tx)
		return rk_fail(err, RK_INTERNAL, "store_resource_read_for_write outside a transaction");
	enum rk_status rc = resource_current(s, sql, type, id, a, out, err);
	if (rc != RK_NOT_FOUND || s->backend != STORE_POSTGRES)
		return rc;
	/* No row to lock: lock the name (two-key advisory locks, a key space of
	 * their own: class 726102 = resources), then look again, since a
	 * creator we waited for has committed its row by now. */
	struct store_stmt *st;
	rc = store_prepare(s, "SELECT pg_advisory_xact_lock(726102, ?::integer)", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, lock_key(type, id));
	rc = store_run(st, err);
	store_done(st);
	if (rc != RK_OK)
		return rc;
	return resource_current(s, sql, type, id, a, out, err);
}

enum rk_status store_resource_vread(struct store *s, const char *type, struct str id, int64_t version, struct arena *a,
				    struct store_resource *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT " RESOURCE_COLS " FROM resource WHERE type = ? AND id = ? AND version = ?"
		" UNION ALL "
		"SELECT " RESOURCE_COLS " FROM resource_history WHERE type = ? AND id = ? AND version = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(type));
	store_bind_text(st, 2, id);
	store_bind_i64(st, 3, version);
	store_bind_text(st, 4, str_c(type));
	store_bind_text(st, 5, id);
	store_bind_i64(st, 6, version);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = RK_NOT_FOUND;
	if (rc == RK_OK)
		rc = row_copy(st, type, a, out, err);
	store_done(st);
	return rc;
}

static enum rk_status index_delete(struct store *s, int64_t rid, struct rk_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM idx_token WHERE rid = ?",
		"DELETE FROM idx_string WHERE rid = ?",
		"DELETE FROM idx_date WHERE rid = ?",
		"DELETE FROM idx_reference WHERE rid = ?",
	};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		struct store_stmt *st;
		enum rk_status rc = store_prepare(s, sql[i], &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_i64(st, 1, rid);
		rc = store_run(st, err);
		store_done(st);
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

static enum rk_status index_insert(struct store *s, int64_t rid, const struct store_write *w, struct rk_err *err)
{
	static const char *const sql[] = {
		[IDX_TOKEN] = "INSERT INTO idx_token (rid, type, param, system, code) VALUES (?, ?, ?, ?, ?)",
		[IDX_STRING] = "INSERT INTO idx_string (rid, type, param, value, raw) VALUES (?, ?, ?, ?, ?)",
		[IDX_DATE] = "INSERT INTO idx_date (rid, type, param, lo, hi) VALUES (?, ?, ?, ?, ?)",
		[IDX_REFERENCE] =
			"INSERT INTO idx_reference (rid, type, param, target_type, target_id) VALUES (?, ?, ?, ?, ?)",
	};
	for (size_t i = 0; i < w->n_index; i++) {
		const struct store_index_entry *e = &w->index[i];
		struct store_stmt *st;
		enum rk_status rc = store_prepare(s, sql[e->kind], &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_i64(st, 1, rid);
		store_bind_text_ref(st, 2, str_c(w->type));
		store_bind_text_ref(st, 3, str_c(e->param));
		if (e->kind == IDX_DATE) {
			store_bind_i64(st, 4, e->lo);
			store_bind_i64(st, 5, e->hi);
		} else {
			store_bind_text_ref(st, 4, e->a.ptr ? e->a : STR_LIT(""));
			store_bind_text_ref(st, 5, e->b.ptr ? e->b : STR_LIT(""));
		}
		rc = store_run(st, err);
		store_done(st);
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* Replace the store's generic conflict message with one naming the
 * resource (rk_fail keeps the first message; this one is more specific). */
static void reword_conflict(struct rk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reword_conflict(struct rk_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	rk_err_clear(err);
	err->status = RK_CONFLICT;
	snprintf(err->code, sizeof err->code, "version_conflict");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

static struct str or_null(struct str v)
{
	return v.len ? v : STR_NULL;
}

static enum rk_status resource_insert(struct store *s, const struct store_write *w, int64_t *rid, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO resource (type, id, version, deleted, last_updated, source_facility, patient_id, body)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING rid",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text_ref(st, 1, str_c(w->type));
	store_bind_text_ref(st, 2, w->id);
	store_bind_i64(st, 3, w->version);
	store_bind_i64(st, 4, w->deleted);
	store_bind_i64(st, 5, w->last_updated);
	store_bind_text_ref(st, 6, or_null(w->source_facility));
	store_bind_text_ref(st, 7, or_null(w->patient_id));
	store_bind_text_ref(st, 8, w->body.ptr ? w->body : STR_LIT(""));
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row) {
		*rid = store_col_i64(st, 0);
		rc = store_run(st, err);
	} else if (rc == RK_OK) {
		rc = rk_fail(err, RK_DB, "insert returned no row id");
	}
	store_done(st);
	if (rc == RK_CONFLICT) /* the store's generic words, made specific */
		reword_conflict(err, "%s/%.*s was created by another request meanwhile", w->type, STR_FMT(w->id));
	return rc;
}

static enum rk_status resource_supersede(struct store *s, const struct store_write *w, int64_t *rid, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT rid, version FROM resource WHERE type = ? AND id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text_ref(st, 1, str_c(w->type));
	store_bind_text_ref(st, 2, w->id);
	bool row = false;
	rc = store_step(st, &row, err);
	int64_t current = 0;
	if (rc == RK_OK && row) {
		*rid = store_col_i64(st, 0);
		current = store_col_i64(st, 1);
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!row)
		return rk_fail(err, RK_NOT_FOUND, "%s/%.*s does not exist", w->type, STR_FMT(w->id));
	if (current != w->version - 1)
		return rk_fail_code(err, RK_CONFLICT, "version_conflict",
				    "%s/%.*s was changed by another request meanwhile (now version %lld)", w->type,
				    STR_FMT(w->id), (long long)current);

	rc = store_prepare(
		s,
		"INSERT INTO resource_history (rid, type, id, version, deleted, last_updated, source_facility, patient_id, body)"
		" SELECT rid, type, id, version, deleted, last_updated, source_facility, patient_id, body"
		" FROM resource WHERE rid = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, *rid);
	rc = store_run(st, err);
	store_done(st);
	if (rc == RK_CONFLICT) /* that version is in the history already: another writer superseded it */
		reword_conflict(err, "%s/%.*s was changed by another request meanwhile", w->type, STR_FMT(w->id));
	if (rc != RK_OK)
		return rc;

	rc = store_prepare(s,
			   "UPDATE resource SET version = ?, deleted = ?, last_updated = ?, source_facility = ?,"
			   " patient_id = ?, body = ? WHERE rid = ? AND version = ?",
			   &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, w->version);
	store_bind_i64(st, 2, w->deleted);
	store_bind_i64(st, 3, w->last_updated);
	store_bind_text_ref(st, 4, or_null(w->source_facility));
	store_bind_text_ref(st, 5, or_null(w->patient_id));
	store_bind_text_ref(st, 6, w->body.ptr ? w->body : STR_LIT(""));
	store_bind_i64(st, 7, *rid);
	store_bind_i64(st, 8, w->version - 1);
	rc = store_run(st, err);
	int64_t changed = store_changes(st);
	store_done(st);
	if (rc == RK_OK && changed != 1)
		rc = rk_fail_code(err, RK_CONFLICT, "version_conflict",
				  "%s/%.*s was changed by another request meanwhile", w->type, STR_FMT(w->id));
	if (rc == RK_OK)
		rc = index_delete(s, *rid, err);
	return rc;
}

enum rk_status store_resource_write(struct store *s, const struct store_write *w, struct rk_err *err)
{
	if (!s->in_tx)
		return rk_fail(err, RK_INTERNAL, "store_resource_write outside a transaction");
	if (w->version < 1)
		return rk_fail(err, RK_INTERNAL, "version must be at least 1");
	int64_t rid = 0;
	enum rk_status rc = w->version == 1 ? resource_insert(s, w, &rid, err) : resource_supersede(s, w, &rid, err);
	if (rc == RK_OK && !w->deleted)
		rc = index_insert(s, rid, w, err);
	return rc;
}
