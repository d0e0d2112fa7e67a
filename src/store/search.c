/* search.c — turns a struct store_query into one SQL statement over the
 * resource table and the index tables, and reads history. Values are always
 * bound, never spliced into the SQL text; parameter names and kinds come from
 * the caller's tables, not from the request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#include "core/limits.h"
#include "store/store.h"
#include "store/store_impl.h"

struct param {
	bool is_int;
	int64_t i;
	struct str s;
};

struct sqlb {
	struct buf sql;
	struct param params[RK_MAX_SQL_PARAMS];
	int n;
	bool overflow;
};

static void sql_put(struct sqlb *q, const char *s)
{
	buf_puts(&q->sql, s);
}

static void bind_s(struct sqlb *q, struct str s)
{
	if (q->n >= RK_MAX_SQL_PARAMS) {
		q->overflow = true;
		return;
	}
	q->params[q->n++] = (struct param){.is_int = false, .s = s};
	buf_putc(&q->sql, '?');
}

static void bind_i(struct sqlb *q, int64_t v)
{
	if (q->n >= RK_MAX_SQL_PARAMS) {
		q->overflow = true;
		return;
	}
	q->params[q->n++] = (struct param){.is_int = true, .i = v};
	buf_putc(&q->sql, '?');
}

/* Date comparison of an indexed range [lo, hi) with the value's range. */
static void date_pred(struct sqlb *q, const struct store_value *v, const char *lo, const char *hi)
{
	char tmp[160];
	switch (v->prefix) {
	case PFX_EQ: /* the value's range contains the target's */
		snprintf(tmp, sizeof tmp, "(%s >= ", lo);
		sql_put(q, tmp);
		bind_i(q, v->lo);
		snprintf(tmp, sizeof tmp, " AND %s <= ", hi);
		sql_put(q, tmp);
		bind_i(q, v->hi);
		sql_put(q, ")");
		break;
	case PFX_NE:
		snprintf(tmp, sizeof tmp, "(%s < ", lo);
		sql_put(q, tmp);
		bind_i(q, v->lo);
		snprintf(tmp, sizeof tmp, " OR %s > ", hi);
		sql_put(q, tmp);
		bind_i(q, v->hi);
		sql_put(q, ")");
		break;
	case PFX_GT:
		snprintf(tmp, sizeof tmp, "%s > ", hi);
		sql_put(q, tmp);
		bind_i(q, v->hi);
		break;
	case PFX_LT:
		snprintf(tmp, sizeof tmp, "%s < ", lo);
		sql_put(q, tmp);
		bind_i(q, v->lo);
		break;
	case PFX_GE:
		snprintf(tmp, sizeof tmp, "%s > ", hi);
		sql_put(q, tmp);
		bind_i(q, v->lo);
		break;
	case PFX_LE:
		snprintf(tmp, sizeof tmp, "%s < ", lo);
		sql_put(q, tmp);
		bind_i(q, v->hi);
		break;
	case PFX_SA:
		snprintf(tmp, sizeof tmp, "%s >= ", lo);
		sql_put(q, tmp);
		bind_i(q, v->hi);
		break;
	case PFX_EB:
		snprintf(tmp, sizeof tmp, "%s <= ", hi);
		sql_put(q, tmp);
		bind_i(q, v->lo);
		break;
	case PFX_AP: /* overlaps the (already widened) value range */
		snprintf(tmp, sizeof tmp, "(%s < ", lo);
		sql_put(q, tmp);
		bind_i(q, v->hi);
		snprintf(tmp, sizeof tmp, " AND %s > ", hi);
		sql_put(q, tmp);
		bind_i(q, v->lo);
		sql_put(q, ")");
		break;
	}
}

static void value_pred(struct sqlb *q, const struct store_cond *c, const struct store_value *v)
{
	switch (c->kind) {
	case COND_TOKEN:
		if (v->has_system && !v->code.len) { /* "system|": any code of the system */
			sql_put(q, "system = ");
			bind_s(q, v->system);
			break;
		}
		sql_put(q, "(code = ");
		bind_s(q, v->code);
		if (v->has_system) {
			sql_put(q, " AND system = ");
			bind_s(q, v->system);
		}
		sql_put(q, ")");
		break;
	case COND_STRING:
		if (c->modifier == MOD_EXACT) {
			sql_put(q, "raw = ");
			bind_s(q, v->code);
		} else if (c->modifier == MOD_CONTAINS) {
			sql_put(q, "value LIKE ");
			bind_s(q, v->code); /* caller escaped %, _ and \ and added the wildcards */
			sql_put(q, " ESCAPE '\\'");
		} else {
			sql_put(q, "(value >= ");
			bind_s(q, v->code);
			sql_put(q, " AND value < ");
			bind_s(q, v->upper);
			sql_put(q, ")");
		}
		break;
	case COND_DATE: date_pred(q, v, "lo", "hi"); break;
	case COND_REFERENCE:
		sql_put(q, "(target_id = ");
		bind_s(q, v->code);
		if (v->system.len) {
			sql_put(q, " AND target_type = ");
			bind_s(q, v->system);
		}
		sql_put(q, ")");
		break;
	case COND_ID:
		sql_put(q, "r.id = ");
		bind_s(q, v->code);
		break;
	case COND_LAST_UPDATED: date_pred(q, v, "r.last_updated", "(r.last_updated + 1)"); break;
	}
}

static const char *index_table(enum store_cond_kind k)
{
	switch (k) {
	case COND_TOKEN: return "idx_token";
	case COND_STRING: return "idx_string";
	case COND_DATE: return "idx_date";
	case COND_REFERENCE: return "idx_reference";
	default: return NULL;
	}
}

static void cond_pred(struct sqlb *q, const char *type, const struct store_cond *c)
{
	if (c->kind == COND_ID || c->kind == COND_LAST_UPDATED) {
		sql_put(q, c->modifier == MOD_NOT ? " AND NOT (" : " AND (");
		for (size_t i = 0; i < c->n_values; i++) {
			if (i)
				sql_put(q, " OR ");
			value_pred(q, c, &c->values[i]);
		}
		sql_put(q, ")");
		return;
	}
	const char *table = index_table(c->kind);
	char tmp[160];
	if (c->modifier == MOD_MISSING) {
		snprintf(tmp, sizeof tmp, " AND %sEXISTS (SELECT 1 FROM %s x WHERE x.rid = r.rid AND x.param = ",
			 c->missing ? "NOT " : "", table);
		sql_put(q, tmp);
		bind_s(q, str_c(c->param));
		sql_put(q, ")");
		return;
	}
	snprintf(tmp, sizeof tmp,
		 " AND r.rid %sIN (SELECT rid FROM %s WHERE type = ", c->modifier == MOD_NOT ? "NOT " : "", table);
	sql_put(q, tmp);
	bind_s(q, str_c(type));
	sql_put(q, " AND param = ");
	bind_s(q, str_c(c->param));
	sql_put(q, " AND (");
	for (size_t i = 0; i < c->n_values; i++) {
		if (i)
			sql_put(q, " OR ");
		value_pred(q, c, &c->values[i]);
	}
	sql_put(q, "))");
}

static void where_clause(struct sqlb *q, const struct store_query *sq)
{
	/* With an index condition, the matching rids are few: look them up by
	 * rid instead of scanning every resource of the type. */
	bool indexed = false;
	for (size_t i = 0; i < sq->n_conds; i++)
		if (index_table(sq->conds[i].kind) && sq->conds[i].modifier != MOD_NOT &&
		    sq->conds[i].modifier != MOD_MISSING)
			indexed = true;
	sql_put(q, indexed ? " FROM resource r WHERE @NOINDEX@r.type = " : " FROM resource r WHERE r.type = ");
	bind_s(q, str_c(sq->type));
	sql_put(q, " AND r.deleted = 0");
	for (size_t i = 0; i < sq->n_conds; i++)
		cond_pred(q, sq->type, &sq->conds[i]);
}

static void order_clause(struct sqlb *q, const struct store_query *sq)
{
	sql_put(q, " ORDER BY ");
	for (size_t i = 0; i < sq->n_sort; i++) {
		const struct store_sort *s = &sq->sort[i];
		const char *dir = s->desc ? " DESC" : "";
		char tmp[200];
		switch (s->kind) {
		case COND_ID:
			snprintf(tmp, sizeof tmp, "r.id%s, ", dir);
			sql_put(q, tmp);
			break;
		case COND_LAST_UPDATED:
			snprintf(tmp, sizeof tmp, "r.last_updated%s, ", dir);
			sql_put(q, tmp);
			break;
		default: {
			const char *col = s->kind == COND_DATE     ? (s->desc ? "MAX(hi)" : "MIN(lo)")
					  : s->kind == COND_STRING ? (s->desc ? "MAX(value)" : "MIN(value)")
								   : (s->desc ? "MAX(code)" : "MIN(code)");
			/* (x IS NULL) first: resources without the value sort last on both backends */
			for (int pass = 0; pass < 2; pass++) {
				snprintf(tmp, sizeof tmp,
					 "(SELECT %s FROM %s x WHERE x.rid = r.rid AND x.param = ", col,
					 index_table(s->kind));
				sql_put(q, tmp);
				bind_s(q, str_c(s->param));
				sql_put(q, pass == 0 ? ") IS NULL, " : ")");
				if (pass == 1) {
					sql_put(q, dir);
					sql_put(q, ", ");
				}
			}
		}
		}
	}
	sql_put(q, "r.rid");
}

static enum rk_status run_query(struct store *s, struct sqlb *q, struct store_stmt **out, struct rk_err *err)
{
	if (q->overflow || q->sql.overflow)
		return rk_fail(err, RK_TOO_LARGE, "search is too complex (more than %d values)", RK_MAX_SQL_PARAMS);
	enum rk_status rc = store_prepare(s, buf_cstr(&q->sql), out, err);
	if (rc != RK_OK)
		return rc;
	for (int i = 0; i < q->n; i++) {
		if (q->params[i].is_int)
			store_bind_i64(*out, i + 1, q->params[i].i);
		else
			store_bind_text(*out, i + 1, q->params[i].s);
	}
	return RK_OK;
}

static void row_view(struct store_stmt *st, const char *type, struct store_resource *r)
{
	r->type = str_c(type);
	r->id = store_col_text(st, 0);
	r->version = store_col_i64(st, 1);
	r->last_updated = store_col_i64(st, 2);
	r->deleted = store_col_i64(st, 3) != 0;
	r->source_facility = store_col_text(st, 4);
	r->patient_id = store_col_text(st, 5);
	r->body = store_col_text(st, 6);
}

static enum rk_status stream_rows(struct store_stmt *st, const char *type, store_row_fn fn, void *ctx,
				  struct rk_err *err)
{
	enum rk_status rc;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct store_resource r;
		row_view(st, type ? type : NULL, &r);
		if (!type)
			r.type = store_col_text(st, 7);
		rc = fn(ctx, &r);
		if (rc != RK_OK)
			break;
	}
	return rc;
}

static struct sqlb *sqlb_new(void)
{
	struct sqlb *q = calloc(1, sizeof *q);
	if (!q)
		rk_oom();
	buf_init(&q->sql, RK_MAX_SQL);
	return q;
}

static void sqlb_free(struct sqlb *q)
{
	buf_free(&q->sql);
	free(q);
}

enum rk_status store_search(struct store *s, const struct store_query *sq, store_row_fn fn, void *ctx, int64_t *total,
			    struct rk_err *err)
{
	enum rk_status rc = RK_OK;
	struct store_stmt *st = NULL;
	if (total)
		*total = -1;
	if (sq->want_total) {
		struct sqlb *q = sqlb_new();
		sql_put(q, "SELECT COUNT(*)");
		where_clause(q, sq);
		rc = run_query(s, q, &st, err);
		if (rc == RK_OK) {
			bool row = false;
			rc = store_step(st, &row, err);
			if (rc == RK_OK && row && total)
				*total = store_col_i64(st, 0);
			store_done(st);
		}
		sqlb_free(q);
		if (rc != RK_OK)
			return rc;
	}
	if (sq->count <= 0)
		return RK_OK;
	struct sqlb *q = sqlb_new();
	sql_put(q, "SELECT r.id, r.version, r.last_updated, r.deleted, r.source_facility, r.patient_id, r.body");
	where_clause(q, sq);
	order_clause(q, sq);
	sql_put(q, " LIMIT ");
	bind_i(q, sq->count);
	sql_put(q, " OFFSET ");
	bind_i(q, sq->offset);
	rc = run_query(s, q, &st, err);
	if (rc == RK_OK) {
		rc = stream_rows(st, sq->type, fn, ctx, err);
		store_done(st);
	}
	sqlb_free(q);
	return rc;
}

enum rk_status store_search_keys(struct store *s, const struct store_query *sq, int64_t max, store_key_fn fn, void *ctx,
				 struct rk_err *err)
{
	struct sqlb *q = sqlb_new();
	struct store_stmt *st = NULL;
	sql_put(q, "SELECT r.rid, r.source_facility, r.patient_id");
	where_clause(q, sq);
	order_clause(q, sq);
	sql_put(q, " LIMIT ");
	bind_i(q, max + 1);
	enum rk_status rc = run_query(s, q, &st, err);
	if (rc == RK_OK) {
		bool row = false;
		int64_t n = 0;
		while ((rc = store_step(st, &row, err)) == RK_OK && row) {
			if (++n > max) {
				rc = rk_fail(err, RK_TOO_LARGE, "the search matches more than %lld records; narrow it",
					     (long long)max);
				break;
			}
			rc = fn(ctx, store_col_i64(st, 0), store_col_text(st, 1), store_col_text(st, 2));
			if (rc != RK_OK)
				break;
		}
		store_done(st);
	}
	sqlb_free(q);
	return rc;
}

enum rk_status store_resources_by_rid(struct store *s, const char *type, const int64_t *rids, size_t n, store_row_fn fn,
				      void *ctx, struct rk_err *err)
{
	/* One statement per row keeps the order and reuses one cached statement. */
	for (size_t i = 0; i < n; i++) {
		struct store_stmt *st;
		enum rk_status rc = store_prepare(
			s,
			"SELECT id, version, last_updated, deleted, source_facility, patient_id, body, type FROM resource"
			" WHERE rid = ?",
			&st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_i64(st, 1, rids[i]);
		bool row = false;
		rc = store_step(st, &row, err);
		if (rc == RK_OK && row) {
			struct store_resource r;
			row_view(st, type, &r);
			if (!type)
				r.type = store_col_text(st, 7);
			rc = fn(ctx, &r);
		}
		store_done(st);
		if (rc != RK_OK)
			return rc;
	}
	return RK_OK;
}

/* The union of current and superseded versions matching hq (selecting cols). */
static void history_inner(struct sqlb *q, const struct store_history_query *hq, const char *cols)
{
	for (int part = 0; part < 2; part++) {
		if (part)
			sql_put(q, " UNION ALL ");
		sql_put(q, "SELECT ");
		sql_put(q, cols);
		sql_put(q, part ? " FROM resource_history WHERE 1 = 1" : " FROM resource WHERE 1 = 1");
		if (hq->type) {
			sql_put(q, " AND type = ");
			bind_s(q, str_c(hq->type));
		}
		if (hq->id.len) {
			sql_put(q, " AND id = ");
			bind_s(q, hq->id);
		}
		if (hq->since != INT64_MIN) {
			sql_put(q, " AND last_updated >= ");
			bind_i(q, hq->since);
		}
	}
}

static enum rk_status history_page(struct store *s, const struct store_history_query *hq, const char *cols,
				   int64_t limit, int64_t offset, store_row_fn fn, void *ctx, struct rk_err *err)
{
	struct sqlb *q = sqlb_new();
	struct store_stmt *st = NULL;
	sql_put(q, "SELECT * FROM (");
	history_inner(q, hq, cols);
	sql_put(q, ") h ORDER BY last_updated DESC, version DESC, id LIMIT ");
	bind_i(q, limit);
	sql_put(q, " OFFSET ");
	bind_i(q, offset);
	enum rk_status rc = run_query(s, q, &st, err);
	if (rc == RK_OK) {
		rc = stream_rows(st, NULL, fn, ctx, err);
		store_done(st);
	}
	sqlb_free(q);
	return rc;
}

static const char history_cols[] = "id, version, last_updated, deleted, source_facility, patient_id, body, type";

enum rk_status store_history(struct store *s, const struct store_history_query *hq, store_row_fn fn, void *ctx,
			     int64_t *total, struct rk_err *err)
{
	enum rk_status rc = RK_OK;
	if (total) {
		struct sqlb *q = sqlb_new();
		struct store_stmt *st = NULL;
		sql_put(q, "SELECT COUNT(*) FROM (");
		history_inner(q, hq, history_cols);
		sql_put(q, ") h");
		rc = run_query(s, q, &st, err);
		if (rc == RK_OK) {
			bool row = false;
			rc = store_step(st, &row, err);
			*total = row ? store_col_i64(st, 0) : 0;
			store_done(st);
		}
		sqlb_free(q);
	}
	if (rc == RK_OK && hq->count > 0)
		rc = history_page(s, hq, history_cols, hq->count, hq->offset, fn, ctx, err);
	return rc;
}

struct bounded {
	store_row_fn fn;
	void *ctx;
	int64_t n, max;
	struct rk_err *err;
};

static enum rk_status bounded_row(void *ctx, const struct store_resource *r)
{
	struct bounded *b = ctx;
	if (++b->n > b->max)
		return rk_fail(b->err, RK_TOO_LARGE, "the history holds more than %lld versions; narrow it with _since",
			       (long long)b->max);
	return b->fn(b->ctx, r);
}

enum rk_status store_history_keys(struct store *s, const struct store_history_query *hq, int64_t max, store_row_fn fn,
				  void *ctx, struct rk_err *err)
{
	struct bounded b = {fn, ctx, 0, max, err};
	return history_page(s, hq, "id, version, last_updated, deleted, source_facility, patient_id, '' AS body, type",
			    max + 1, 0, bounded_row, &b, err);
}

/* " (?, ?, ...)" binding each of ids. */
static void bind_list(struct sqlb *q, const struct str *ids, size_t n)
{
	sql_put(q, " (");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sql_put(q, ", ");
		bind_s(q, ids[i]);
	}
	sql_put(q, ")");
}

/* Stream (rid, type, source facility, patient) rows to fn; RK_TOO_LARGE past max. */
static enum rk_status stream_keys(struct store_stmt *st, int64_t max, const char *what, store_typed_key_fn fn,
				  void *ctx, struct rk_err *err)
{
	enum rk_status rc;
	bool row = false;
	int64_t k = 0;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (++k > max)
			return rk_fail(err, RK_TOO_LARGE, "%s", what);
		rc = fn(ctx, store_col_i64(st, 0), store_col_text(st, 1), store_col_text(st, 2), store_col_text(st, 3));
		if (rc != RK_OK)
			return rc;
	}
	return rc;
}

enum rk_status store_patient_keys(struct store *s, const struct store_patient_query *pq, int64_t max,
				  store_typed_key_fn fn, void *ctx, struct rk_err *err)
{
	if (!pq->n_patients)
		return RK_OK;
	struct sqlb *q = sqlb_new();
	struct store_stmt *st = NULL;
	sql_put(q, "SELECT rid, type, source_facility, patient_id FROM resource WHERE deleted = 0 AND patient_id IN");
	bind_list(q, pq->patients, pq->n_patients);
	if (pq->n_types) {
		sql_put(q, " AND type IN (");
		for (size_t i = 0; i < pq->n_types; i++) {
			if (i)
				sql_put(q, ", ");
			bind_s(q, str_c(pq->types[i]));
		}
		sql_put(q, ")");
	}
	if (pq->since > INT64_MIN) {
		sql_put(q, " AND last_updated >= ");
		bind_i(q, pq->since);
	}
	sql_put(q, " ORDER BY rid LIMIT ");
	bind_i(q, max + 1);
	enum rk_status rc = run_query(s, q, &st, err);
	if (rc == RK_OK) {
		rc = stream_keys(st, max,
				 "the patient has too many records for one request; narrow with _type or _since", fn,
				 ctx, err);
		store_done(st);
	}
	sqlb_free(q);
	return rc;
}

enum rk_status store_refs_from(struct store *s, const char *type, const struct str *ids, size_t n, const char *param,
			       store_ref_fn fn, void *ctx, struct rk_err *err)
{
	if (!n)
		return RK_OK;
	struct sqlb *q = sqlb_new();
	struct store_stmt *st = NULL;
	sql_put(q, "SELECT DISTINCT i.target_type, i.target_id FROM idx_reference i JOIN resource r ON r.rid = i.rid"
		   " WHERE r.type = ");
	bind_s(q, str_c(type));
	sql_put(q, " AND i.param = ");
	bind_s(q, str_c(param));
	sql_put(q, " AND r.id IN");
	bind_list(q, ids, n);
	sql_put(q, " ORDER BY i.target_type, i.target_id");
	enum rk_status rc = run_query(s, q, &st, err);
	if (rc == RK_OK) {
		bool row = false;
		while ((rc = store_step(st, &row, err)) == RK_OK && row)
			if ((rc = fn(ctx, store_col_text(st, 0), store_col_text(st, 1))) != RK_OK)
				break;
		store_done(st);
	}
	sqlb_free(q);
	return rc;
}

enum rk_status store_refs_to(struct store *s, const char *type, const char *param, const char *target_type,
			     const struct str *ids, size_t n, int64_t max, store_typed_key_fn fn, void *ctx,
			     struct rk_err *err)
{
	if (!n)
		return RK_OK;
	struct sqlb *q = sqlb_new();
	struct store_stmt *st = NULL;
	sql_put(q, "SELECT rid, type, source_facility, patient_id FROM resource WHERE deleted = 0 AND rid IN"
		   " (SELECT rid FROM idx_reference WHERE type = ");
	bind_s(q, str_c(type));
	sql_put(q, " AND param = ");
	bind_s(q, str_c(param));
	sql_put(q, " AND target_type = ");
	bind_s(q, str_c(target_type));
	sql_put(q, " AND target_id IN");
	bind_list(q, ids, n);
	sql_put(q, ") ORDER BY rid LIMIT ");
	bind_i(q, max + 1);
	enum rk_status rc = run_query(s, q, &st, err);
	if (rc == RK_OK) {
		rc = stream_keys(st, max, "too many resources to include; lower _count", fn, ctx, err);
		store_done(st);
	}
	sqlb_free(q);
	return rc;
}
