/* linking.c — patient linking: match keys and candidates in the Patient write
 * transaction, and the operator's merge, unmerge and reject, each in one
 * transaction that also rewrites the moved registrations' Patient resources
 * (their regional identifier), so search, PIX and $everything agree. */
#include "fhir/linking.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/textnorm.h"
#include "fhir/jpcore.h"
#include "fhir/validate.h"

/* ---- features and score (pure) ------------------------------------------- */

static struct str jstr(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? rk_json_strv(v) : STR_NULL;
}

static bool syllabic(const json_t *name)
{
	size_t i;
	json_t *ext;
	json_array_foreach(json_object_get(name, "extension"), i,
			   ext) if (str_eq_c(jstr(ext, "url"), JP_NAME_REPRESENTATION_EXT) &&
				    str_eq_c(jstr(ext, "valueCode"), "SYL")) return true;
	return false;
}

/* The search key of text into out (cap bytes with the NUL); "" when it cannot be made. */
static void norm_into(struct str text, char *out, size_t cap)
{
	out[0] = '\0';
	struct buf b;
	buf_init(&b, cap - 1);
	if (text.len && textnorm_search_key(text, &b) == RK_OK && !b.overflow)
		str_copy(out, cap, buf_str(&b));
	buf_free(&b);
}

static void name_key(const json_t *name, char *out, size_t cap)
{
	struct buf raw;
	buf_init(&raw, RK_MAX_MATCH_KEY);
	buf_put_str(&raw, jstr(name, "family"));
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(name, "given"), i, g) if (json_is_string(g))
		buf_put_str(&raw, rk_json_strv(g));
	if (!raw.len)
		buf_put_str(&raw, jstr(name, "text"));
	norm_into(raw.overflow ? STR_NULL : buf_str(&raw), out, cap);
	buf_free(&raw);
}

void linking_features(const json_t *patient, struct linking_features *out)
{
	memset(out, 0, sizeof *out);
	json_t *names = json_object_get(patient, "name"), *name = NULL, *n;
	size_t i;
	json_array_foreach(names, i, n) if (!name && syllabic(n)) name = n;
	if (!name)
		name = json_array_get(names, 0);
	char nk[RK_MAX_MATCH_KEY];
	nk[0] = '\0';
	if (json_is_object(name))
		name_key(name, nk, sizeof nk);
	struct str birth = jstr(patient, "birthDate");
	size_t nl = strlen(nk);
	if (nl && birth.len && birth.len < 40 && nl + 1 + birth.len < sizeof out->key) {
		memcpy(out->key, nk, nl);
		out->key[nl] = '|';
		memcpy(out->key + nl + 1, birth.ptr, birth.len);
		out->key[nl + 1 + birth.len] = '\0';
	}
	str_copy(out->gender, sizeof out->gender, jstr(patient, "gender"));
	json_t *addr = json_array_get(json_object_get(patient, "address"), 0);
	struct str postal = jstr(addr, "postalCode");
	size_t k = 0;
	for (size_t j = 0; j < postal.len && k + 1 < sizeof out->postal; j++)
		if (postal.ptr[j] >= '0' && postal.ptr[j] <= '9')
			out->postal[k++] = postal.ptr[j];
	out->postal[k] = '\0';
	struct str text = jstr(addr, "text");
	if (text.len) {
		norm_into(text, out->address, sizeof out->address);
	} else if (addr) {
		struct buf raw;
		buf_init(&raw, RK_MAX_MATCH_KEY);
		buf_put_str(&raw, jstr(addr, "state"));
		buf_put_str(&raw, jstr(addr, "city"));
		json_t *line;
		json_array_foreach(json_object_get(addr, "line"), i, line) if (json_is_string(line))
			buf_put_str(&raw, rk_json_strv(line));
		norm_into(raw.overflow ? STR_NULL : buf_str(&raw), out->address, sizeof out->address);
		buf_free(&raw);
	}
}

static bool known_sex(const char *g)
{
	return g[0] && strcmp(g, "unknown") != 0;
}

int linking_score(const struct linking_features *a, const struct linking_features *b, char *reasons, size_t cap)
{
	int score = 0;
	struct buf r;
	buf_init(&r, cap ? cap - 1 : 0);
	const char *bar_a = strrchr(a->key, '|'), *bar_b = strrchr(b->key, '|');
	if (bar_a && bar_b && bar_a - a->key == bar_b - b->key &&
	    strncmp(a->key, b->key, (size_t)(bar_a - a->key)) == 0) {
		score += 40;
		buf_puts(&r, "name");
	}
	if (bar_a && bar_b && strcmp(bar_a, bar_b) == 0) {
		score += 30;
		buf_puts(&r, r.len ? ",birthDate" : "birthDate");
	}
	if (known_sex(a->gender) && known_sex(b->gender)) {
		if (strcmp(a->gender, b->gender) == 0) {
			score += 15;
			buf_puts(&r, r.len ? ",gender" : "gender");
		} else {
			score -= 40;
		}
	}
	if (a->postal[0] && strcmp(a->postal, b->postal) == 0) {
		score += 15;
		buf_puts(&r, r.len ? ",postalCode" : "postalCode");
	} else if (a->address[0] && strcmp(a->address, b->address) == 0) {
		score += 15;
		buf_puts(&r, r.len ? ",address" : "address");
	}
	if (cap) {
		reasons[0] = '\0';
		if (!r.overflow)
			str_copy(reasons, cap, buf_str(&r));
	}
	buf_free(&r);
	return score < 0 ? 0 : score;
}

/* ---- SQL helpers ------------------------------------------------------------ */

/* Prepare sql and bind args by kinds: 's' const char *, 'S' struct str, 'i' int64_t. */
static enum rk_status prep(struct store *s, const char *sql, struct store_stmt **st, struct rk_err *err,
			   const char *kinds, va_list ap)
{
	enum rk_status rc = store_prepare(s, sql, st, err);
	if (rc != RK_OK)
		return rc;
	for (int i = 0; kinds[i]; i++) {
		if (kinds[i] == 's') {
			const char *v = va_arg(ap, const char *);
			store_bind_text(*st, i + 1, str_c(v ? v : ""));
		} else if (kinds[i] == 'S') {
			store_bind_text(*st, i + 1, va_arg(ap, struct str));
		} else {
			store_bind_i64(*st, i + 1, va_arg(ap, int64_t));
		}
	}
	return RK_OK;
}

/* Run a statement; *changed (may be NULL) gets the rows it changed. */
static enum rk_status run(struct store *s, int64_t *changed, struct rk_err *err, const char *sql, const char *kinds,
			  ...)
{
	va_list ap;
	va_start(ap, kinds);
	struct store_stmt *st;
	enum rk_status rc = prep(s, sql, &st, err, kinds, ap);
	va_end(ap);
	if (rc != RK_OK)
		return rc;
	rc = store_run(st, err);
	if (changed)
		*changed = store_changes(st);
	store_done(st);
	return rc;
}

/* ---- the write hook ----------------------------------------------------------- */

struct lookalike {
	struct str patient, regional;
	struct linking_features f;
};

enum rk_status linking_registered(struct fhir_ctx *ctx, const struct fhir_write *w, struct rk_err *err)
{
	struct linking_features *f = arena_alloc(ctx->arena, sizeof *f);
	if (!f)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	linking_features(w->res, f);
	enum rk_status rc = run(
		ctx->store, NULL, err,
		"INSERT INTO patient_match_key (patient_id, match_key, gender, postal, address) VALUES (?, ?, ?, ?, ?)"
		" ON CONFLICT (patient_id) DO UPDATE SET match_key = excluded.match_key, gender = excluded.gender,"
		" postal = excluded.postal, address = excluded.address",
		"Sssss", w->id, f->key, f->gender, f->postal, f->address);
	if (rc == RK_OK)
		rc = run(ctx->store, NULL, err,
			 "INSERT INTO patient_identity (patient_id, regional_id, since) VALUES (?, ?, 0)"
			 " ON CONFLICT (patient_id, regional_id) DO NOTHING",
			 "SS", w->id, w->regional_id);
	if (rc != RK_OK || !w->new_regional || !f->key[0])
		return rc;

	/* Look-alikes: one index range of the key, bounded. */
	struct store_stmt *st;
	rc = store_prepare(
		ctx->store,
		"SELECT k.patient_id, k.gender, k.postal, k.address, l.regional_id FROM patient_match_key k"
		" JOIN patient_link l ON l.patient_id = k.patient_id WHERE k.match_key = ? AND k.patient_id <> ?"
		" ORDER BY k.patient_id LIMIT ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(f->key));
	store_bind_text(st, 2, w->id);
	store_bind_i64(st, 3, RK_MAX_MATCH_ROWS);
	/* grown as rows come: most new people have no look-alike at all */
	struct lookalike *rows = NULL;
	size_t n = 0, cap = 0;
	bool row = false, oom = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && n < RK_MAX_MATCH_ROWS) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct lookalike *more = arena_alloc(ctx->arena, ncap * sizeof *more);
			if (!more) {
				oom = true;
				break;
			}
			if (n)
				memcpy(more, rows, n * sizeof *rows);
			rows = more;
			cap = ncap;
		}
		struct lookalike *l = &rows[n];
		memset(&l->f, 0, sizeof l->f);
		str_copy(l->f.key, sizeof l->f.key, str_c(f->key));
		str_copy(l->f.gender, sizeof l->f.gender, store_col_text(st, 1));
		str_copy(l->f.postal, sizeof l->f.postal, store_col_text(st, 2));
		str_copy(l->f.address, sizeof l->f.address, store_col_text(st, 3));
		l->patient = arena_str(ctx->arena, store_col_text(st, 0));
		l->regional = arena_str(ctx->arena, store_col_text(st, 4));
		if (l->patient.ptr && l->regional.ptr)
			n++;
	}
	store_done(st);
	if (oom)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	if (rc != RK_OK)
		return rc;
	/* The best-scoring registration of each other regional ID. */
	for (size_t i = 0; i < n && rc == RK_OK; i++) {
		if (str_eq(rows[i].regional, w->regional_id))
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = str_eq(rows[k].regional, rows[i].regional);
		if (seen)
			continue;
		int best = -1;
		size_t at = i;
		char reasons[128], best_reasons[128] = "";
		for (size_t k = i; k < n; k++) {
			if (!str_eq(rows[k].regional, rows[i].regional))
				continue;
			int sc = linking_score(f, &rows[k].f, reasons, sizeof reasons);
			if (sc > best) {
				best = sc;
				at = k;
				memcpy(best_reasons, reasons, sizeof reasons);
			}
		}
		if (best < LINKING_THRESHOLD)
			continue;
		char id[RAND_ID_LEN + 1];
		rand_id(id);
		rc = run(
			ctx->store, NULL, err,
			"INSERT INTO patient_match (candidate_id, regional_a, regional_b, patient_a, patient_b, score, reasons,"
			" status, created_at, decided_by, decided_at, note, merge_id)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, '', 0, '', '') ON CONFLICT (regional_a, regional_b) DO NOTHING",
			"sSSSSisi", id, rows[at].regional, w->regional_id, rows[at].patient, w->id, (int64_t)best,
			best_reasons, ctx->now);
	}
	return rc;
}

/* ---- review --------------------------------------------------------------- */

#define CANDIDATE_COLS                                                                                                \
	"candidate_id, regional_a, regional_b, patient_a, patient_b, score, reasons, status, created_at, decided_by," \
	" decided_at, note, merge_id"

static void candidate_row(struct store_stmt *st, struct linking_candidate *c)
{
	c->id = store_col_text(st, 0);
	c->regional_a = store_col_text(st, 1);
	c->regional_b = store_col_text(st, 2);
	c->patient_a = store_col_text(st, 3);
	c->patient_b = store_col_text(st, 4);
	c->score = store_col_i64(st, 5);
	c->reasons = store_col_text(st, 6);
	c->status = store_col_text(st, 7);
	c->created_at = store_col_i64(st, 8);
	c->decided_by = store_col_text(st, 9);
	c->decided_at = store_col_i64(st, 10);
	c->note = store_col_text(st, 11);
	c->merge_id = store_col_text(st, 12);
}

enum rk_status linking_candidates(struct store *s, const char *status, int64_t count, int64_t offset,
				  linking_candidate_fn fn, void *arg, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT " CANDIDATE_COLS " FROM patient_match WHERE (status = ? OR CAST(? AS TEXT) = '')"
			      " ORDER BY created_at DESC, candidate_id LIMIT ? OFFSET ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(status ? status : ""));
	store_bind_text(st, 2, str_c(status ? status : ""));
	store_bind_i64(st, 3, count);
	store_bind_i64(st, 4, offset);
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct linking_candidate c;
		candidate_row(st, &c);
		if ((rc = fn(arg, &c)) != RK_OK)
			break;
	}
	store_done(st);
	return rc;
}

enum rk_status linking_current(struct store *s, struct str regional, char out[REGIONAL_ID_LEN + 1], struct rk_err *err)
{
	char cur[REGIONAL_ID_LEN + 1];
	if (!str_copy(cur, sizeof cur, regional) || !regional_id_valid(regional))
		return RK_NOT_FOUND;
	for (int hop = 0; hop < RK_MAX_MERGE_DEPTH; hop++) {
		struct store_stmt *st;
		enum rk_status rc =
			store_prepare(s, "SELECT merged_into FROM regional_patient WHERE regional_id = ?", &st, err);
		if (rc != RK_OK)
			return rc;
		store_bind_text(st, 1, str_c(cur));
		bool row = false;
		rc = store_step(st, &row, err);
		bool current = row && store_col_null(st, 0);
		char next[REGIONAL_ID_LEN + 1] = "";
		if (rc == RK_OK && row && !current)
			str_copy(next, sizeof next, store_col_text(st, 0));
		store_done(st);
		if (rc != RK_OK)
			return rc;
		if (!row)
			return RK_NOT_FOUND;
		if (current) {
			memcpy(out, cur, sizeof cur);
			return RK_OK;
		}
		memcpy(cur, next, sizeof cur);
	}
	return rk_fail(err, RK_CONFLICT, "regional ID %.*s: merges nest deeper than %d", STR_FMT(regional),
		       RK_MAX_MERGE_DEPTH);
}

/* The regional ID must exist and not have been merged away. */
static enum rk_status check_current(struct fhir_ctx *ctx, const char *id, const char *what, struct rk_err *err)
{
	if (!regional_id_valid(str_c(id)))
		return rk_fail(err, RK_INVALID,
			       "%s '%.40s' is not a regional patient ID (13 digits with a check digit)", what, id);
	char cur[REGIONAL_ID_LEN + 1];
	enum rk_status rc = linking_current(ctx->store, str_c(id), cur, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail(err, RK_NOT_FOUND, "regional patient ID %s (%s) does not exist", id, what);
	if (rc != RK_OK)
		return rc;
	if (strcmp(cur, id) != 0)
		return rk_fail(err, RK_CONFLICT,
			       "regional patient ID %s (%s) was already merged into %s; only current IDs can be merged "
			       "(merging into or from a merged-away ID would make a chain or a cycle)",
			       id, what, cur);
	return RK_OK;
}

/* Rewrite the regional identifier of a registration's Patient resource (a new
 * version through the write path, in the caller's transaction). */
static enum rk_status rewrite_patient(struct fhir_ctx *ctx, struct str id, const char *regional, int64_t *version,
				      struct rk_err *err)
{
	*version = 0;
	const struct fhir_resource_def *def = fhir_resource_find("Patient", 7);
	struct store_resource cur;
	/* Locked (PostgreSQL) from this read to the commit: a registration changed
	 * meanwhile cannot lose that change to the merge's rewrite. */
	enum rk_status rc = store_resource_read_for_write(ctx->store, "Patient", id, ctx->arena, &cur, err);
	if (rc == RK_NOT_FOUND || (rc == RK_OK && cur.deleted))
		return RK_OK; /* a deleted registration keeps its link, and its last version says what it was */
	if (rc != RK_OK)
		return rc;
	json_t *res = rk_json_parse(cur.body, err);
	if (!res)
		return rk_fail(err, RK_INTERNAL, "Patient/%.*s: stored body does not parse", STR_FMT(id));
	json_t *ids = json_object_get(res, "identifier"), *ident;
	size_t i;
	bool done = false;
	json_array_foreach(ids, i, ident) if (str_eq_c(jstr(ident, "system"), ctx->cfg->region_id_system))
	{
		json_object_set_new(ident, "value", json_string(regional));
		done = true;
	}
	if (!done && json_is_array(ids))
		json_array_append_new(ids,
				      json_pack("{s:s, s:s}", "system", ctx->cfg->region_id_system, "value", regional));
	struct fhir_ctx bctx = *ctx;
	bctx.batch = true;
	bctx.trusted = true;
	bctx.guard = NULL; /* part of a link change, decided once for the whole (in_tx) */
	struct fhir_result out;
	rc = fhir_update(&bctx, def, id, res, 0, &out, err);
	json_decref(res);
	if (rc == RK_OK)
		*version = out.version;
	return rc;
}

static enum rk_status member_ids(struct fhir_ctx *ctx, const char *sql, const char *key, struct linking_outcome *out,
				 struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(ctx->store, sql, &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(key));
	out->patients = arena_alloc(ctx->arena, RK_MAX_MERGE_MEMBERS * sizeof *out->patients);
	out->versions = arena_calloc(ctx->arena, RK_MAX_MERGE_MEMBERS, sizeof *out->versions);
	out->n = 0;
	bool row = false;
	while (out->patients && out->versions && (rc = store_step(st, &row, err)) == RK_OK && row) {
		if (out->n == RK_MAX_MERGE_MEMBERS) {
			rc = rk_fail(err, RK_TOO_LARGE, "more than %d registrations to move", RK_MAX_MERGE_MEMBERS);
			break;
		}
		out->patients[out->n] = arena_str(ctx->arena, store_col_text(st, 0));
		if (!out->patients[out->n++].ptr)
			rc = rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	store_done(st);
	if (!out->patients || !out->versions)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	return rc;
}

static enum rk_status need_reason(const struct linking_request *rq, const char *what, struct rk_err *err)
{
	size_t n = rq->reason ? strlen(rq->reason) : 0;
	if (n < 4)
		return rk_fail(err, RK_INVALID, "say why in reason (the audit log keeps it): %s", what);
	if (n > 1000 || !str_is_utf8(str_c(rq->reason)))
		return rk_fail(err, RK_INVALID, "reason must be UTF-8 text of at most 1,000 bytes");
	return RK_OK;
}

/* Load a candidate; RK_CONFLICT unless it is pending. */
static enum rk_status pending_candidate(struct fhir_ctx *ctx, const char *id, char a[REGIONAL_ID_LEN + 1],
					char b[REGIONAL_ID_LEN + 1], struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		ctx->store, "SELECT " CANDIDATE_COLS " FROM patient_match WHERE candidate_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	bool row = false;
	rc = store_step(st, &row, err);
	char status[16] = "";
	if (rc == RK_OK && row) {
		struct linking_candidate c;
		candidate_row(st, &c);
		str_copy(a, REGIONAL_ID_LEN + 1, c.regional_a);
		str_copy(b, REGIONAL_ID_LEN + 1, c.regional_b);
		str_copy(status, sizeof status, c.status);
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!row)
		return rk_fail(err, RK_NOT_FOUND, "no patient-match candidate '%.40s'", id);
	if (strcmp(status, "pending") != 0)
		return rk_fail(err, RK_CONFLICT, "candidate %s was already decided (%s)", id, status);
	return RK_OK;
}

static enum rk_status do_merge(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			       struct rk_err *err)
{
	enum rk_status rc = need_reason(rq, "why these are the same person", err);
	if (rc != RK_OK)
		return rc;
	if (rq->candidate_id && rq->candidate_id[0]) {
		char a[REGIONAL_ID_LEN + 1] = "", b[REGIONAL_ID_LEN + 1] = "";
		if ((rc = pending_candidate(ctx, rq->candidate_id, a, b, err)) != RK_OK)
			return rc;
		str_copy(out->candidate_id, sizeof out->candidate_id, str_c(rq->candidate_id));
		bool into_b = rq->into && rq->into[0] && strcmp(rq->into, b) == 0;
		if (rq->into && rq->into[0] && !into_b && strcmp(rq->into, a) != 0)
			return rk_fail(err, RK_INVALID, "into must be one of the candidate's regional IDs (%s or %s)",
				       a, b);
		memcpy(out->into, into_b ? b : a, sizeof out->into);
		memcpy(out->from, into_b ? a : b, sizeof out->from);
	} else {
		if (!rq->from || !rq->from[0] || !rq->into || !rq->into[0])
			return rk_fail(err, RK_INVALID,
				       "name a candidate, or the regional IDs from (merged away) and into (surviving)");
		str_copy(out->from, sizeof out->from, str_c(rq->from));
		str_copy(out->into, sizeof out->into, str_c(rq->into));
		if (strlen(rq->from) > REGIONAL_ID_LEN || strlen(rq->into) > REGIONAL_ID_LEN)
			return rk_fail(err, RK_INVALID, "regional patient IDs are 13 digits");
	}
	if (strcmp(out->from, out->into) == 0)
		return rk_fail(err, RK_INVALID, "cannot merge regional patient ID %s into itself", out->from);
	if ((rc = check_current(ctx, out->from, "from", err)) != RK_OK ||
	    (rc = check_current(ctx, out->into, "into", err)) != RK_OK)
		return rc;
	rand_id(out->merge_id);
	if ((rc = member_ids(ctx, "SELECT patient_id FROM patient_link WHERE regional_id = ? ORDER BY patient_id",
			     out->from, out, err)) != RK_OK)
		return rc;
	rc = run(ctx->store, NULL, err, "UPDATE patient_link SET regional_id = ? WHERE regional_id = ?", "ss",
		 out->into, out->from);
	for (size_t i = 0; i < out->n && rc == RK_OK; i++) {
		rc = run(ctx->store, NULL, err, "INSERT INTO patient_merge_member (merge_id, patient_id) VALUES (?, ?)",
			 "sS", out->merge_id, out->patients[i]);
		if (rc == RK_OK)
			rc = run(ctx->store, NULL, err,
				 "INSERT INTO patient_identity (patient_id, regional_id, since) VALUES (?, ?, ?)"
				 " ON CONFLICT (patient_id, regional_id) DO NOTHING",
				 "Ssi", out->patients[i], out->into, ctx->now);
	}
	if (rc == RK_OK)
		rc = run(ctx->store, NULL, err, "UPDATE regional_patient SET merged_into = ? WHERE regional_id = ?",
			 "ss", out->into, out->from);
	if (rc == RK_OK)
		rc = run(
			ctx->store, NULL, err,
			"INSERT INTO patient_merge (merge_id, from_regional, into_regional, candidate_id, merged_by, merged_at,"
			" reason, unmerged_by, unmerged_at, unmerge_reason) VALUES (?, ?, ?, ?, ?, ?, ?, '', 0, '')",
			"sssssis", out->merge_id, out->from, out->into, out->candidate_id, rq->account, ctx->now,
			rq->reason);
	if (rc == RK_OK && out->candidate_id[0])
		rc = run(
			ctx->store, NULL, err,
			"UPDATE patient_match SET status = 'merged', decided_by = ?, decided_at = ?, note = ?, merge_id = ?"
			" WHERE candidate_id = ?",
			"sisss", rq->account, ctx->now, rq->reason, out->merge_id, out->candidate_id);
	for (size_t i = 0; i < out->n && rc == RK_OK; i++)
		rc = rewrite_patient(ctx, out->patients[i], out->into, &out->versions[i], err);
	return rc;
}

static enum rk_status do_unmerge(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
				 struct rk_err *err)
{
	enum rk_status rc = need_reason(rq, "why the merge was wrong", err);
	if (rc != RK_OK)
		return rc;
	struct str pid = str_c(rq->patient_id ? rq->patient_id : "");
	if (!fhir_id_valid(pid))
		return rk_fail(err, RK_INVALID, "give the id of a Patient registration of the merged person");
	struct store_patient_link link;
	rc = store_link_by_patient(ctx->store, pid, ctx->arena, &link, err);
	if (rc == RK_NOT_FOUND)
		return rk_fail(err, RK_NOT_FOUND, "Patient/%.*s is not a registration", STR_FMT(pid));
	if (rc != RK_OK)
		return rc;
	/* The merge in force that moved this registration into its present ID. */
	struct store_stmt *st;
	rc = store_prepare(
		ctx->store,
		"SELECT m.merge_id, m.from_regional, m.into_regional, m.candidate_id FROM patient_merge m"
		" JOIN patient_merge_member mm ON mm.merge_id = m.merge_id WHERE mm.patient_id = ? AND m.unmerged_at = 0"
		" AND m.into_regional = ? ORDER BY m.merged_at DESC, m.merge_id LIMIT 1",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, pid);
	store_bind_text(st, 2, link.regional_id);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row) {
		str_copy(out->merge_id, sizeof out->merge_id, store_col_text(st, 0));
		str_copy(out->from, sizeof out->from, store_col_text(st, 1));
		str_copy(out->into, sizeof out->into, store_col_text(st, 2));
		str_copy(out->candidate_id, sizeof out->candidate_id, store_col_text(st, 3));
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!row)
		return rk_fail(
			err, RK_CONFLICT,
			"Patient/%.*s was not moved by a merge in force: nothing to unmerge (give a registration of the "
			"merged-away regional ID)",
			STR_FMT(pid));
	if ((rc = check_current(ctx, out->into, "into", err)) != RK_OK)
		return rc;
	if ((rc = member_ids(ctx, "SELECT patient_id FROM patient_merge_member WHERE merge_id = ? ORDER BY patient_id",
			     out->merge_id, out, err)) != RK_OK)
		return rc;
	for (size_t i = 0; i < out->n && rc == RK_OK; i++) {
		int64_t changed = 0;
		rc = run(ctx->store, &changed, err,
			 "UPDATE patient_link SET regional_id = ? WHERE patient_id = ? AND regional_id = ?", "sSs",
			 out->from, out->patients[i], out->into);
		if (rc == RK_OK && changed != 1)
			rc = rk_fail(err, RK_CONFLICT, "Patient/%.*s is no longer linked to %s; cannot unmerge exactly",
				     STR_FMT(out->patients[i]), out->into);
		if (rc == RK_OK)
			rc = run(ctx->store, NULL, err,
				 "DELETE FROM patient_identity WHERE patient_id = ? AND regional_id = ?", "Ss",
				 out->patients[i], out->into);
	}
	/* Consents and care teams recorded during the merge for the moved registrations go with them. */
	if (rc == RK_OK)
		rc = run(
			ctx->store, NULL, err,
			"UPDATE consent_fact SET regional_id = ? WHERE regional_id = ? AND consent_id IN (SELECT r.id FROM resource r"
			" JOIN patient_merge_member mm ON mm.patient_id = r.patient_id WHERE r.type = 'Consent' AND mm.merge_id = ?)",
			"sss", out->from, out->into, out->merge_id);
	if (rc == RK_OK)
		rc = run(
			ctx->store, NULL, err,
			"UPDATE care_team_member SET regional_id = ? WHERE regional_id = ? AND careteam_id IN (SELECT r.id FROM resource r"
			" JOIN patient_merge_member mm ON mm.patient_id = r.patient_id WHERE r.type = 'CareTeam' AND mm.merge_id = ?)",
			"sss", out->from, out->into, out->merge_id);
	if (rc == RK_OK)
		rc = run(ctx->store, NULL, err, "UPDATE regional_patient SET merged_into = NULL WHERE regional_id = ?",
			 "s", out->from);
	if (rc == RK_OK)
		rc = run(
			ctx->store, NULL, err,
			"UPDATE patient_merge SET unmerged_by = ?, unmerged_at = ?, unmerge_reason = ? WHERE merge_id = ?",
			"siss", rq->account, ctx->now, rq->reason, out->merge_id);
	if (rc == RK_OK)
		rc = run(
			ctx->store, NULL, err,
			"UPDATE patient_match SET status = 'unmerged', decided_by = ?, decided_at = ?, note = ? WHERE merge_id = ?",
			"siss", rq->account, ctx->now, rq->reason, out->merge_id);
	for (size_t i = 0; i < out->n && rc == RK_OK; i++)
		rc = rewrite_patient(ctx, out->patients[i], out->from, &out->versions[i], err);
	return rc;
}

static enum rk_status do_reject(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
				struct rk_err *err)
{
	if (!rq->candidate_id || !rq->candidate_id[0])
		return rk_fail(err, RK_INVALID, "name the candidate to reject");
	enum rk_status rc = pending_candidate(ctx, rq->candidate_id, out->into, out->from, err);
	if (rc != RK_OK)
		return rc;
	str_copy(out->candidate_id, sizeof out->candidate_id, str_c(rq->candidate_id));
	return run(
		ctx->store, NULL, err,
		"UPDATE patient_match SET status = 'rejected', decided_by = ?, decided_at = ?, note = ? WHERE candidate_id = ?",
		"siss", rq->account, ctx->now, rq->reason ? rq->reason : "", rq->candidate_id);
}

typedef enum rk_status (*decision_fn)(struct fhir_ctx *, const struct linking_request *, struct linking_outcome *,
				      struct rk_err *);

static enum rk_status in_tx(decision_fn fn, struct fhir_ctx *ctx, const struct linking_request *rq,
			    struct linking_outcome *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (ctx->batch)
		return rk_fail(err, RK_INTERNAL, "patient linking decisions hold their own transaction");
	/* Linking registrations is the operator's (the write decision, WK_LINK). */
	static const struct write_record link = {.kind = WK_LINK,
						 .owner = "",
						 .regional_id = "",
						 .attachment = "",
						 .facility_kind = "",
						 .facility_area = ""};
	if (ctx->guard && ctx->guard->authorize) {
		enum rk_status arc = ctx->guard->authorize(ctx->guard_arg, WRITE_UPDATE, "link", STR_LIT("regional-id"),
							   &link, &link, err);
		if (arc != RK_OK)
			return arc;
	}
	enum rk_status rc = store_begin(ctx->store, err);
	if (rc != RK_OK)
		return rc;
	rc = fn(ctx, rq, out, err);
	if (rc == RK_OK)
		return store_commit(ctx->store, err);
	store_rollback(ctx->store);
	return rc;
}

enum rk_status linking_merge(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			     struct rk_err *err)
{
	return in_tx(do_merge, ctx, rq, out, err);
}

enum rk_status linking_unmerge(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			       struct rk_err *err)
{
	return in_tx(do_unmerge, ctx, rq, out, err);
}

enum rk_status linking_reject(struct fhir_ctx *ctx, const struct linking_request *rq, struct linking_outcome *out,
			      struct rk_err *err)
{
	return in_tx(do_reject, ctx, rq, out, err);
}
