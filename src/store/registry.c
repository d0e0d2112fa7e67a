/* registry.c — facilities and the regional patient identity (PIX-style
 * links): small typed accessors over the operational tables. */
#include "store/store.h"
#include "store/store_impl.h"

enum rk_status store_facility_put(struct store *s, const struct store_facility *f, struct rk_err *err)
{
	struct store_stmt *st;
	/* A code moving to another Organization would silently re-home a
	 * facility's patients: refuse it. */
	enum rk_status rc = store_prepare(s, "SELECT org_id FROM facility WHERE facility_code = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, f->facility_code);
	bool row = false;
	rc = store_step(st, &row, err);
	bool taken = rc == RK_OK && row && !str_eq(store_col_text(st, 0), f->org_id);
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (taken)
		return rk_fail(err, RK_CONFLICT, "facility code %.*s belongs to another Organization",
			       STR_FMT(f->facility_code));
	rc = store_prepare(s, "DELETE FROM facility WHERE org_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, f->org_id);
	rc = store_run(st, err);
	store_done(st);
	if (rc != RK_OK)
		return rc;
	rc = store_prepare(s,
			   "INSERT INTO facility (facility_code, org_id, kind, name, area, active, area_codes)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?)",
			   &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, f->facility_code);
	store_bind_text(st, 2, f->org_id);
	store_bind_text(st, 3, f->kind);
	store_bind_text(st, 4, f->name);
	store_bind_text(st, 5, f->area.ptr ? f->area : STR_LIT(""));
	store_bind_i64(st, 6, f->active);
	store_bind_text(st, 7, f->area_codes.ptr ? f->area_codes : STR_LIT(""));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static enum rk_status facility_row(struct store_stmt *st, struct arena *a, struct store_facility *out,
				   struct rk_err *err)
{
	struct store_facility f;
	f.facility_code = arena_str(a, store_col_text(st, 0));
	f.org_id = arena_str(a, store_col_text(st, 1));
	f.kind = arena_str(a, store_col_text(st, 2));
	f.name = arena_str(a, store_col_text(st, 3));
	f.area = arena_str(a, store_col_text(st, 4));
	f.active = store_col_i64(st, 5) != 0;
	f.area_codes = arena_str(a, store_col_text(st, 6));
	if (!f.facility_code.ptr || !f.org_id.ptr || !f.kind.ptr || !f.name.ptr || !f.area.ptr || !f.area_codes.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	*out = f;
	return RK_OK;
}

#define FACILITY_COLS "facility_code, org_id, kind, name, area, active, area_codes"

enum rk_status store_facility_get(struct store *s, struct str facility_code, struct arena *a,
				  struct store_facility *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s, "SELECT " FACILITY_COLS " FROM facility WHERE facility_code = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, facility_code);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = RK_NOT_FOUND; /* the caller says what that means */
	if (rc == RK_OK)
		rc = facility_row(st, a, out, err);
	store_done(st);
	return rc;
}

enum rk_status store_facility_of_org(struct store *s, struct str org_id, char code[16], struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT facility_code FROM facility WHERE org_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, org_id);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		str_copy(code, 16, store_col_text(st, 0));
	store_done(st);
	return rc == RK_OK && !row ? RK_NOT_FOUND : rc;
}

enum rk_status store_facility_deactivate(struct store *s, struct str org_id, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "UPDATE facility SET active = 0 WHERE org_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, org_id);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status store_facility_list(struct store *s, store_facility_fn fn, void *ctx, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT " FACILITY_COLS " FROM facility ORDER BY facility_code", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct store_facility f = {
			.facility_code = store_col_text(st, 0),
			.org_id = store_col_text(st, 1),
			.kind = store_col_text(st, 2),
			.name = store_col_text(st, 3),
			.area = store_col_text(st, 4),
			.active = store_col_i64(st, 5) != 0,
			.area_codes = store_col_text(st, 6),
		};
		rc = fn(ctx, &f);
		if (rc != RK_OK)
			break;
	}
	store_done(st);
	return rc;
}

enum rk_status store_regional_create(struct store *s, struct str regional_id, int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s, "INSERT INTO regional_patient (regional_id, created_at) VALUES (?, ?)", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, regional_id);
	store_bind_i64(st, 2, now);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status store_regional_exists(struct store *s, struct str regional_id, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT 1 FROM regional_patient WHERE regional_id = ? AND merged_into IS NULL", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, regional_id);
	bool row = false;
	rc = store_step(st, &row, err);
	store_done(st);
	if (rc == RK_OK && !row)
		rc = RK_NOT_FOUND;
	return rc;
}

enum rk_status store_link_put(struct store *s, const struct store_patient_link *l, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO patient_link (patient_id, facility_code, local_id, regional_id, linked_at)"
		" VALUES (?, ?, ?, ?, ?) ON CONFLICT (patient_id) DO UPDATE SET facility_code = excluded.facility_code,"
		" local_id = excluded.local_id, regional_id = excluded.regional_id, linked_at = excluded.linked_at",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, l->patient_id);
	store_bind_text(st, 2, l->facility_code);
	store_bind_text(st, 3, l->local_id);
	store_bind_text(st, 4, l->regional_id);
	store_bind_i64(st, 5, l->linked_at);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

#define LINK_COLS "patient_id, facility_code, local_id, regional_id, linked_at"

static enum rk_status link_one(struct store_stmt *st, struct arena *a, struct store_patient_link *out,
			       struct rk_err *err)
{
	bool row = false;
	enum rk_status rc = store_step(st, &row, err);
	if (rc != RK_OK)
		return rc;
	if (!row)
		return RK_NOT_FOUND;
	out->patient_id = arena_str(a, store_col_text(st, 0));
	out->facility_code = arena_str(a, store_col_text(st, 1));
	out->local_id = arena_str(a, store_col_text(st, 2));
	out->regional_id = arena_str(a, store_col_text(st, 3));
	out->linked_at = store_col_i64(st, 4);
	if (!out->patient_id.ptr || !out->facility_code.ptr || !out->local_id.ptr || !out->regional_id.ptr)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	return RK_OK;
}

enum rk_status store_link_by_local(struct store *s, struct str facility_code, struct str local_id, struct arena *a,
				   struct store_patient_link *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT " LINK_COLS " FROM patient_link WHERE facility_code = ? AND local_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, facility_code);
	store_bind_text(st, 2, local_id);
	rc = link_one(st, a, out, err);
	store_done(st);
	return rc;
}

enum rk_status store_link_by_patient(struct store *s, struct str patient_id, struct arena *a,
				     struct store_patient_link *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT " LINK_COLS " FROM patient_link WHERE patient_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, patient_id);
	rc = link_one(st, a, out, err);
	store_done(st);
	return rc;
}

enum rk_status store_links_by_regional(struct store *s, struct str regional_id, store_link_fn fn, void *ctx,
				       struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT " LINK_COLS " FROM patient_link WHERE regional_id = ? ORDER BY facility_code, local_id", &st,
		err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, regional_id);
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct store_patient_link l = {
			.patient_id = store_col_text(st, 0),
			.facility_code = store_col_text(st, 1),
			.local_id = store_col_text(st, 2),
			.regional_id = store_col_text(st, 3),
			.linked_at = store_col_i64(st, 4),
		};
		rc = fn(ctx, &l);
		if (rc != RK_OK)
			break;
	}
	store_done(st);
	return rc;
}
