/* enforce.c — loading and caching the facts of the access decision. */
#include "access/enforce.h"

#include <string.h>

#include "access/auth.h"
#include "access/standby_session.h"
#include "core/buf.h"
#include "core/limits.h"

#define CACHE_SLOTS 1024 /* patients per request; beyond it facts are reloaded */

struct patient_slot {
	const char *patient_id; /* key */
	const char *regional;
};

/* A merged person's registration under one of its regional IDs (patient_identity). */
struct ident_row {
	const char *ident;
	int64_t since;
	const char *facility;
};

struct facts_slot {
	const char *regional; /* key */
	struct access_patient facts;
	size_t cap_reg, cap_cons, cap_team; /* allocated lengths of facts' arrays, while loading */
	struct ident_row *idents;           /* only for a person with merged regional IDs */
	size_t n_idents, cap_idents;
};

struct access_cache {
	struct patient_slot patients[CACHE_SLOTS];
	struct facts_slot facts[CACHE_SLOTS];
};

void access_ctx_init(struct access_ctx *ax, struct store *s, struct arena *a, const struct principal *who, int64_t now)
{
	memset(ax, 0, sizeof *ax);
	ax->store = s;
	ax->arena = a;
	ax->who = who;
	ax->now = now;
	ax->ap = (struct access_principal){.role = who->role, .facility = who->facility, .account = who->account};
}

void access_ctx_reset(struct access_ctx *ax)
{
	ax->principal_loaded = false;
	ax->cache = NULL; /* the arena keeps the old one until the request ends */
}

static enum rk_status oom(struct rk_err *err)
{
	return rk_fail(err, RK_TOO_LARGE, "access check needs more memory than a request may use");
}

static const char *dup(struct access_ctx *ax, struct str s)
{
	return arena_strndup(ax->arena, s.ptr ? s.ptr : "", s.len);
}

/* The principal's active episodes and any disaster declaration for its area. */
static enum rk_status load_principal(struct access_ctx *ax, struct rk_err *err)
{
	if (ax->principal_loaded)
		return RK_OK;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		ax->store,
		"SELECT episode_id, regional_id FROM emergency_episode WHERE account_id = ? AND started_at <= ?"
		" AND expires_at > ? AND ended_at = 0",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(ax->who->account));
	store_bind_i64(st, 2, ax->now);
	store_bind_i64(st, 3, ax->now);
	size_t cap = 8;
	ax->episode_ids = arena_alloc(ax->arena, cap * sizeof(char *));
	ax->episode_patients = arena_alloc(ax->arena, cap * sizeof(char *));
	ax->n_episodes = 0;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && ax->episode_ids && ax->episode_patients) {
		if (ax->n_episodes == cap) { /* an emergency room may hold many episodes at once */
			const char **ids = arena_alloc(ax->arena, cap * 2 * sizeof(char *));
			const char **pts = arena_alloc(ax->arena, cap * 2 * sizeof(char *));
			if (ids && pts) {
				memcpy(ids, ax->episode_ids, cap * sizeof(char *));
				memcpy(pts, ax->episode_patients, cap * sizeof(char *));
			}
			ax->episode_ids = ids;
			ax->episode_patients = pts;
			cap *= 2;
			if (!ids || !pts)
				break;
		}
		ax->episode_ids[ax->n_episodes] = dup(ax, store_col_text(st, 0));
		ax->episode_patients[ax->n_episodes] = dup(ax, store_col_text(st, 1));
		ax->n_episodes++;
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!ax->episode_ids || !ax->episode_patients)
		return oom(err);
	if (standby_sessions_on()) { /* a read-only standby's own episodes (docs/STANDBY.md) */
		struct standby_episode local[16];
		size_t n = standby_episodes_of(ax->who->account, ax->now, local, 16);
		const char **ids = n ? arena_alloc(ax->arena, (ax->n_episodes + n) * sizeof(char *)) : NULL;
		const char **pts = n ? arena_alloc(ax->arena, (ax->n_episodes + n) * sizeof(char *)) : NULL;
		if (n && (!ids || !pts))
			return oom(err);
		if (n) {
			memcpy(ids, ax->episode_ids, ax->n_episodes * sizeof(char *));
			memcpy(pts, ax->episode_patients, ax->n_episodes * sizeof(char *));
			for (size_t i = 0; i < n; i++) {
				ids[ax->n_episodes + i] = dup(ax, str_c(local[i].id));
				pts[ax->n_episodes + i] = dup(ax, str_c(local[i].regional));
			}
			ax->episode_ids = ids;
			ax->episode_patients = pts;
			ax->n_episodes += n;
		}
	}
	ax->disaster_id = NULL;
	/* One statement per request: the declarations in force, and those closed
	 * at their end that were extended for this facility (never one the
	 * operator ended early). */
	rc = store_prepare(
		ax->store,
		"SELECT d.declaration_id, d.area, d.area_codes, CASE WHEN d.ended_at = 0 AND d.ends_at > ? THEN 1 ELSE 0 END"
		" FROM disaster_declaration d WHERE d.started_at <= ? AND ((d.ended_at = 0 AND d.ends_at > ?)"
		" OR (d.ended_by = '' AND EXISTS (SELECT 1 FROM disaster_extension x WHERE"
		" x.declaration_id = d.declaration_id AND x.facility_code = ? AND x.ends_at > ?)))",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, ax->now);
	store_bind_i64(st, 2, ax->now);
	store_bind_i64(st, 3, ax->now);
	store_bind_text(st, 4, str_c(ax->who->facility));
	store_bind_i64(st, 5, ax->now);
	while ((rc = store_step(st, &row, err)) == RK_OK && row && !ax->disaster_id) {
		/* Declared by 全国地方公共団体コード: the facility's municipality or one
		 * it serves. A declaration made before codes named its area by
		 * prefecture and city, and "長野県" covers "長野県松本市". An
		 * extension covers the facility it was made for. */
		struct str area = store_col_text(st, 1), codes = store_col_text(st, 2);
		char declared[MUNICIPALITY_LIST_CAP];
		str_copy(declared, sizeof declared, codes);
		bool in_force = store_col_i64(st, 3) != 0;
		if (!in_force || (codes.len ? municipality_list_covers(declared, ax->who->area_codes)
					    : area.len && strncmp(ax->who->area, area.ptr, area.len) == 0))
			ax->disaster_id = dup(ax, store_col_text(st, 0));
	}
	store_done(st);
	ax->principal_loaded = rc == RK_OK;
	return rc;
}

enum rk_status access_disaster_of(struct access_ctx *ax, const char **id, struct rk_err *err)
{
	enum rk_status rc = load_principal(ax, err);
	*id = rc == RK_OK ? ax->disaster_id : NULL;
	return rc;
}

static struct access_cache *cache_of(struct access_ctx *ax)
{
	if (!ax->cache)
		ax->cache = arena_calloc(ax->arena, 1, sizeof *ax->cache);
	return ax->cache;
}

enum rk_status access_regional_of(struct access_ctx *ax, struct str patient_id, const char **out, struct rk_err *err)
{
	*out = "";
	if (!patient_id.len)
		return RK_OK;
	struct access_cache *c = cache_of(ax);
	if (!c)
		return oom(err);
	size_t i = str_hash(patient_id) % CACHE_SLOTS;
	struct patient_slot *slot = &c->patients[i];
	if (slot->patient_id && str_eq_c(patient_id, slot->patient_id)) {
		*out = slot->regional;
		return RK_OK;
	}
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(ax->store, "SELECT regional_id FROM patient_link WHERE patient_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, patient_id);
	bool row = false;
	rc = store_step(st, &row, err);
	const char *regional = row ? dup(ax, store_col_text(st, 0)) : "";
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!regional)
		return oom(err);
	slot->patient_id = dup(ax, patient_id); /* replaces a colliding entry */
	slot->regional = regional;
	*out = regional;
	return RK_OK;
}

static enum rk_status prefetch_facts(struct access_ctx *ax, const char **regionals, size_t n, struct buf *sql,
				     struct rk_err *err);

enum rk_status access_patient(struct access_ctx *ax, const char *regional_id, const struct access_patient **out,
			      struct rk_err *err)
{
	struct access_cache *c = cache_of(ax);
	if (!c)
		return oom(err);
	size_t i = str_hash(str_c(regional_id)) % CACHE_SLOTS;
	struct facts_slot *slot = &c->facts[i];
	if (!slot->regional || strcmp(slot->regional, regional_id) != 0) {
		const char *r = dup(ax, str_c(regional_id));
		if (!r)
			return oom(err);
		struct buf sql;
		buf_init(&sql, 1024);
		enum rk_status rc = prefetch_facts(ax, &r, 1, &sql, err);
		buf_free(&sql);
		if (rc != RK_OK)
			return rc;
	}
	*out = &slot->facts;
	return RK_OK;
}

enum rk_status access_check(struct access_ctx *ax, struct str type, struct str source, struct str patient_id,
			    struct access_decision *out, const char **regional_out, struct rk_err *err)
{
	if (regional_out)
		*regional_out = "";
	enum record_category cat = category_of_type(type.ptr, type.len);
	if (cat == CAT_NONE) {
		*out = (struct access_decision){true, GRANT_NONE, NULL, REASON_PERMIT};
		return RK_OK;
	}
	const char *regional = "";
	enum rk_status rc = access_regional_of(ax, patient_id, &regional, err);
	if (rc != RK_OK)
		return rc;
	if (regional_out)
		*regional_out = regional;
	char src[32];
	str_copy(src, sizeof src, source);
	/* Own data needs no patient facts (and a refusal never hides a facility's own records). */
	if (!access_role_allows(ax->who->role, cat) || strcmp(src, ax->who->facility) == 0) {
		static const struct access_patient none = {0};
		*out = access_decide(&ax->ap, &none, src, cat, NULL, ax->now);
		return RK_OK;
	}
	if ((rc = load_principal(ax, err)) != RK_OK)
		return rc;
	static const struct access_patient unknown = {.regional_id = ""};
	const struct access_patient *p = &unknown;
	if (regional[0] && (rc = access_patient(ax, regional, &p, err)) != RK_OK)
		return rc;
	struct access_emergency em = {.disaster_id = ax->disaster_id};
	for (size_t i = 0; i < ax->n_episodes; i++)
		if (regional[0] && strcmp(ax->episode_patients[i], regional) == 0)
			em.episode_id = ax->episode_ids[i];
	*out = access_decide(&ax->ap, p, src, cat, &em, ax->now);
	return RK_OK;
}

enum rk_status access_check_write(struct access_ctx *ax, enum write_action act, const struct write_record *stored,
				  const struct write_record *fresh, struct write_decision *out, struct rk_err *err)
{
	const char *regional = fresh && fresh->regional_id && fresh->regional_id[0] ? fresh->regional_id
			       : stored && stored->regional_id                      ? stored->regional_id
										    : "";
	const struct access_patient *p = NULL;
	if (regional[0]) {
		enum rk_status rc = access_patient(ax, regional, &p, err);
		if (rc != RK_OK)
			return rc;
	}
	*out = access_decide_write(&ax->ap, act, p, stored, fresh);
	return RK_OK;
}

enum rk_status access_guard_visible(void *arg, const struct store_resource *r, bool *ok, struct rk_err *err)
{
	struct access_ctx *ax = arg;
	*ok = false;
	if (ax->who->kind == PRINCIPAL_SYSTEM) {
		char type[RK_MAX_TYPE_LEN + 1];
		str_copy(type, sizeof type, r->type);
		if (!scope_allows(ax->who->scopes, type, false))
			return RK_OK;
	}
	struct access_decision d;
	enum rk_status rc = access_check(ax, r->type, r->source_facility, r->patient_id, &d, NULL, err);
	if (rc == RK_OK)
		*ok = d.permit;
	return rc;
}

/* A consent's or care team's permitted change, for the audit entry: what
 * it is, what became of it and the signed form it carries ("no form"). */
static void note_write(struct access_ctx *ax, enum write_action act, const char *type, struct str id,
		       const struct write_record *stored, const struct write_record *fresh)
{
	const struct write_record *rec = fresh ? fresh : stored;
	bool consent = rec->kind == WK_CONSENT || rec->kind == WK_COMPREHENSIVE || rec->kind == WK_REFUSAL;
	if (!consent && rec->kind != WK_CARE_TEAM)
		return;
	size_t used = strlen(ax->write_notes);
	if (used + 2 >= sizeof ax->write_notes)
		return; /* full: the entry's entities still name every record */
	const char *state = !consent ? "" : !fresh ? ", deleted" : fresh->active ? ", in force" : ", withdrawn";
	const char *form = consent && rec->attachment && rec->attachment[0] ? rec->attachment : NULL;
	snprintf(ax->write_notes + used, sizeof ax->write_notes - used, "%s%s %s/%.*s %s%s%s%.16s", used ? "; " : "",
		 write_kind_en(rec->kind), type, STR_FMT(id), write_action_code(act), state,
		 !consent ? ""
		 : form   ? ", signed form sha256:"
			  : ", no signed form",
		 form ? form : "");
}

void access_take_write_notes(struct access_ctx *ax, char *dst, size_t n)
{
	if (!ax->write_notes[0] || !n)
		return;
	size_t used = strnlen(dst, n - 1);
	snprintf(dst + used, n - used, "%s%s", used ? "; " : "", ax->write_notes);
	ax->write_notes[0] = '\0';
}

enum rk_status access_guard_authorize(void *arg, enum write_action act, const char *type, struct str id,
				      const struct write_record *stored, const struct write_record *fresh,
				      struct rk_err *err)
{
	struct access_ctx *ax = arg;
	struct write_decision d;
	enum rk_status rc = access_check_write(ax, act, stored, fresh, &d, err);
	if (rc == RK_OK && d.permit)
		note_write(ax, act, type, id, stored, fresh);
	if (rc != RK_OK || d.permit)
		return rc;
	const struct write_record *rec = stored ? stored : fresh;
	bool op = d.reason == WR_NOT_OWNER && access_role_writes(ROLE_OPERATOR, rec->kind, rec->cat);
	return rk_fail_code(err, write_reason_status(d.reason), write_reason_code(d.reason),
			    "%s (%s) of facility %s may not %s %s/%.*s (%s of %s): %s%s", ax->who->account,
			    role_info(ax->who->role)->code, ax->who->facility[0] ? ax->who->facility : "-",
			    write_action_code(act), type, STR_FMT(id), write_kind_en(rec->kind),
			    rec->owner && rec->owner[0] ? rec->owner : "no facility", write_reason_text(d.reason),
			    op ? " (or the network operator)" : "");
}

enum rk_status access_guard_create_id(void *arg, const char *type, struct str id, struct rk_err *err)
{
	struct access_ctx *ax = arg;
	if (category_of_type(type, strlen(type)) == CAT_NONE)
		return RK_OK;
	size_t fl = strlen(ax->who->facility);
	if (fl && id.len > fl + 1 && memcmp(id.ptr, ax->who->facility, fl) == 0 && id.ptr[fl] == '-')
		return RK_OK;
	return rk_fail(
		err, RK_NOT_FOUND,
		"%s/%.*s is not known; to create a record under an id of your own, begin the id with your facility "
		"code and a hyphen (%s-...), or create it with POST",
		type, STR_FMT(id), fl ? ax->who->facility : "<facility code>");
}

/* ---- prefetch: the facts of many patients in a few statements ---------- */

/* Append one element of size sz to *arr (n used, *cap allocated), in the arena. */
static void *grow(struct access_ctx *ax, void *arr, size_t n, size_t *cap, size_t sz)
{
	if (arr && n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 4;
	void *more = arena_alloc(ax->arena, ncap * sz);
	if (more && n)
		memcpy(more, arr, n * sz);
	*cap = ncap;
	return more;
}

/* "<head> IN (?, ?, ...)<tail>" with n placeholders. */
static void in_sql(struct buf *b, const char *head, size_t n, const char *tail)
{
	buf_reset(b);
	buf_puts(b, head);
	buf_puts(b, " IN (");
	for (size_t i = 0; i < n; i++)
		buf_puts(b, i ? ", ?" : "?");
	buf_putc(b, ')');
	buf_puts(b, tail);
}

/* The cached slot for regional, if its key is regional (a colliding one may
 * have taken it: its rows are then skipped and loaded again on demand). */
static struct facts_slot *facts_slot_of(struct access_cache *c, struct str regional)
{
	struct facts_slot *slot = &c->facts[str_hash(regional) % CACHE_SLOTS];
	return slot->regional && str_eq_c(regional, slot->regional) ? slot : NULL;
}

/* The slot of a fact recorded under regional ID ident: the person itself, or
 * the merged person one of whose registrations has ident among its IDs. */
static struct facts_slot *owner_of(struct access_cache *c, struct str ident, const char **merged, size_t n_merged)
{
	struct facts_slot *slot = facts_slot_of(c, ident);
	if (slot)
		return slot;
	for (size_t i = 0; i < n_merged; i++) {
		struct facts_slot *m = facts_slot_of(c, str_c(merged[i]));
		for (size_t k = 0; m && k < m->n_idents; k++)
			if (str_eq_c(ident, m->idents[k].ident))
				return m;
	}
	return NULL;
}

/* The scope of a fact of a merged person recorded under ident at time t: the
 * facilities of the registrations that belonged to ident at t. */
static enum rk_status scope_of(struct access_ctx *ax, const struct facts_slot *slot, struct str ident, int64_t t,
			       bool *scoped, const char *const **scope, size_t *n_scope)
{
	*scoped = false;
	if (!slot->n_idents)
		return RK_OK;
	const char **list = arena_alloc(ax->arena, slot->n_idents * sizeof *list);
	if (!list)
		return RK_TOO_LARGE;
	size_t n = 0;
	for (size_t k = 0; k < slot->n_idents; k++)
		if (str_eq_c(ident, slot->idents[k].ident) && slot->idents[k].since <= t)
			list[n++] = slot->idents[k].facility;
	*scoped = true;
	*scope = list;
	*n_scope = n;
	return RK_OK;
}

/* Persons of the batch with merged regional IDs, and the rows of their registrations' IDs. */
static enum rk_status load_idents(struct access_ctx *ax, struct access_cache *c, const char **regionals, size_t n,
				  struct buf *sql, const char ***merged, size_t *n_merged, const char ***extra,
				  size_t *n_extra, struct rk_err *err)
{
	*n_merged = *n_extra = 0;
	*merged = *extra = NULL;
	in_sql(sql,
	       "SELECT DISTINCT l.regional_id FROM patient_link l JOIN patient_identity i ON i.patient_id = l.patient_id"
	       " WHERE (i.regional_id <> l.regional_id OR i.since <> 0) AND l.regional_id",
	       n, "");
	struct store_stmt *st;
	enum rk_status rc = store_prepare(ax->store, buf_cstr(sql), &st, err);
	if (rc != RK_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		store_bind_text(st, (int)i + 1, str_c(regionals[i]));
	const char **m = arena_alloc(ax->arena, n * sizeof *m);
	bool row = false;
	while (m && (rc = store_step(st, &row, err)) == RK_OK && row)
		if (*n_merged < n)
			m[(*n_merged)++] = dup(ax, store_col_text(st, 0));
	store_done(st);
	if (!m)
		return oom(err);
	if (rc != RK_OK || !*n_merged)
		return rc;
	*merged = m;
	in_sql(sql,
	       "SELECT l.regional_id, i.regional_id, i.since, l.facility_code FROM patient_link l JOIN patient_identity i"
	       " ON i.patient_id = l.patient_id WHERE l.regional_id",
	       *n_merged, " ORDER BY l.regional_id, i.regional_id");
	if ((rc = store_prepare(ax->store, buf_cstr(sql), &st, err)) != RK_OK)
		return rc;
	for (size_t i = 0; i < *n_merged; i++)
		store_bind_text(st, (int)i + 1, str_c(m[i]));
	size_t cap_extra = 0;
	const char **ex = NULL;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct facts_slot *slot = facts_slot_of(c, store_col_text(st, 0));
		if (!slot)
			continue;
		struct ident_row *ir = grow(ax, slot->idents, slot->n_idents, &slot->cap_idents, sizeof *ir);
		if (!ir)
			break;
		slot->idents = ir;
		struct ident_row *r = &ir[slot->n_idents++];
		r->ident = dup(ax, store_col_text(st, 1));
		r->since = store_col_i64(st, 2);
		r->facility = dup(ax, store_col_text(st, 3));
		/* an ID other than the batch's persons: its facts are loaded too */
		if (r->ident && !facts_slot_of(c, str_c(r->ident))) {
			bool seen = false;
			for (size_t k = 0; k < *n_extra && !seen; k++)
				seen = strcmp(ex[k], r->ident) == 0;
			if (!seen) {
				ex = grow(ax, (void *)ex, *n_extra, &cap_extra, sizeof *ex);
				if (!ex)
					break;
				ex[(*n_extra)++] = r->ident;
			}
		}
	}
	store_done(st);
	if (rc == RK_OK && row)
		return oom(err);
	if (rc == RK_OK && *n_extra > RK_MAX_SQL_PARAMS)
		return rk_fail(err, RK_TOO_LARGE, "too many merged regional IDs for one access check");
	*extra = ex;
	return rc;
}

static enum rk_status prefetch_facts(struct access_ctx *ax, const char **regionals, size_t n, struct buf *sql,
				     struct rk_err *err)
{
	struct access_cache *c = cache_of(ax);
	if (!c)
		return oom(err);
	for (size_t i = 0; i < n; i++) {
		struct facts_slot *slot = &c->facts[str_hash(str_c(regionals[i])) % CACHE_SLOTS];
		*slot = (struct facts_slot){.regional = regionals[i], .facts = {.regional_id = regionals[i]}};
	}
	static const char *const queries[] = {
		"SELECT regional_id, facility_code FROM patient_link WHERE regional_id",
		"SELECT regional_id, consent_id, kind, status, source_facility, viewer_facility, period_start, period_end,"
		" recorded_at FROM consent_fact WHERE regional_id",
		"SELECT regional_id, facility_code, account_id, active, period_start, period_end, recorded_at FROM care_team_member"
		" WHERE regional_id",
	};
	const char **merged = NULL, **extra = NULL;
	size_t n_merged = 0, n_extra = 0;
	enum rk_status rc = load_idents(ax, c, regionals, n, sql, &merged, &n_merged, &extra, &n_extra, err);
	/* q 0..2 over the batch's persons; 3, 4: consents and care team of their merged IDs */
	for (int q = 0; q < 5 && rc == RK_OK; q++) {
		const char **keys = q < 3 ? regionals : extra;
		size_t n_keys = q < 3 ? n : n_extra;
		if (!n_keys)
			continue;
		int kind = q < 3 ? q : q - 2;
		in_sql(sql, queries[kind], n_keys, "");
		struct store_stmt *st;
		rc = store_prepare(ax->store, buf_cstr(sql), &st, err);
		if (rc != RK_OK)
			break;
		for (size_t i = 0; i < n_keys; i++)
			store_bind_text(st, (int)i + 1, str_c(keys[i]));
		bool row = false;
		while ((rc = store_step(st, &row, err)) == RK_OK && row) {
			struct str ident = store_col_text(st, 0);
			struct facts_slot *slot = owner_of(c, ident, merged, n_merged);
			if (!slot)
				continue;
			struct access_patient *p = &slot->facts;
			if (kind == 0) {
				const char **reg =
					grow(ax, (void *)p->registered, p->n_registered, &slot->cap_reg, sizeof *reg);
				if (!reg)
					break;
				reg[p->n_registered++] = dup(ax, store_col_text(st, 1));
				p->registered = reg;
			} else if (kind == 1) {
				struct consent_fact *cf =
					grow(ax, (void *)p->consents, p->n_consents, &slot->cap_cons, sizeof *cf);
				if (!cf)
					break;
				struct consent_fact *f = &cf[p->n_consents++];
				struct str kind_code = store_col_text(st, 2);
				*f = (struct consent_fact){0};
				f->id = dup(ax, store_col_text(st, 1));
				f->kind = str_eq_c(kind_code, "individual")      ? CONSENT_INDIVIDUAL
					  : str_eq_c(kind_code, "comprehensive") ? CONSENT_COMPREHENSIVE
										 : CONSENT_REFUSAL;
				f->active = str_eq_c(store_col_text(st, 3), "active");
				f->source_facility = dup(ax, store_col_text(st, 4));
				f->viewer_facility = dup(ax, store_col_text(st, 5));
				f->start = store_col_i64(st, 6);
				f->end = store_col_i64(st, 7);
				p->consents = cf;
				if (scope_of(ax, slot, ident, store_col_i64(st, 8), &f->scoped, &f->scope,
					     &f->n_scope) != RK_OK) {
					row = true;
					break;
				}
			} else {
				struct team_fact *tf =
					grow(ax, (void *)p->team, p->n_team, &slot->cap_team, sizeof *tf);
				if (!tf)
					break;
				struct team_fact *t = &tf[p->n_team++];
				*t = (struct team_fact){0};
				t->facility = dup(ax, store_col_text(st, 1));
				t->account = dup(ax, store_col_text(st, 2));
				t->active = store_col_i64(st, 3) != 0;
				t->start = store_col_i64(st, 4);
				t->end = store_col_i64(st, 5);
				p->team = tf;
				if (scope_of(ax, slot, ident, store_col_i64(st, 6), &t->scoped, &t->scope,
					     &t->n_scope) != RK_OK) {
					row = true;
					break;
				}
			}
		}
		store_done(st);
		if (rc == RK_OK && row)
			rc = oom(err); /* left the loop on an allocation failure */
	}
	if (rc != RK_OK) {
		/* half-loaded facts must not be mistaken for complete ones */
		for (size_t i = 0; i < n; i++) {
			struct facts_slot *slot = facts_slot_of(c, str_c(regionals[i]));
			if (slot)
				slot->regional = NULL;
		}
	}
	return rc;
}

enum rk_status access_prefetch(struct access_ctx *ax, const struct str *patient_ids, size_t n, struct rk_err *err)
{
	struct access_cache *c = cache_of(ax);
	if (!c)
		return oom(err);
	/* Bounded so that one batch fits the cache with few collisions. */
	enum { BATCH = CACHE_SLOTS / 4 < RK_MAX_SQL_PARAMS ? CACHE_SLOTS / 4 : RK_MAX_SQL_PARAMS };
	struct buf sql;
	buf_init(&sql, 16 * BATCH + 256);
	enum rk_status rc = RK_OK;
	for (size_t from = 0; from < n && rc == RK_OK; from += BATCH) {
		size_t upto = n - from < BATCH ? n : from + BATCH;
		/* regional IDs of the Patient ids not cached yet */
		struct str want[BATCH];
		size_t n_want = 0;
		for (size_t i = from; i < upto; i++) {
			struct patient_slot *slot = &c->patients[str_hash(patient_ids[i]) % CACHE_SLOTS];
			if (!patient_ids[i].len || (slot->patient_id && str_eq_c(patient_ids[i], slot->patient_id)))
				continue;
			slot->patient_id = dup(ax, patient_ids[i]);
			slot->regional = ""; /* none, unless the link says otherwise */
			if (!slot->patient_id)
				rc = oom(err);
			want[n_want++] = patient_ids[i];
		}
		if (rc == RK_OK && n_want) {
			in_sql(&sql, "SELECT patient_id, regional_id FROM patient_link WHERE patient_id", n_want, "");
			struct store_stmt *st;
			rc = store_prepare(ax->store, buf_cstr(&sql), &st, err);
			if (rc == RK_OK) {
				for (size_t i = 0; i < n_want; i++)
					store_bind_text(st, (int)i + 1, want[i]);
				bool row;
				while ((rc = store_step(st, &row, err)) == RK_OK && row) {
					struct str pid = store_col_text(st, 0);
					struct patient_slot *slot = &c->patients[str_hash(pid) % CACHE_SLOTS];
					if (slot->patient_id && str_eq_c(pid, slot->patient_id))
						slot->regional = dup(ax, store_col_text(st, 1));
				}
				store_done(st);
			}
			if (rc != RK_OK) /* forget the guesses of "no link" */
				for (size_t i = 0; i < n_want; i++)
					c->patients[str_hash(want[i]) % CACHE_SLOTS].patient_id = NULL;
		}
		/* facts of the regional IDs not cached yet, each once */
		const char *regs[BATCH];
		size_t n_regs = 0;
		for (size_t i = from; i < upto && rc == RK_OK; i++) {
			const char *regional = "";
			if ((rc = access_regional_of(ax, patient_ids[i], &regional, err)) != RK_OK || !regional[0])
				continue;
			struct facts_slot *slot = &c->facts[str_hash(str_c(regional)) % CACHE_SLOTS];
			if (slot->regional && strcmp(slot->regional, regional) == 0)
				continue; /* cached, or already in this batch */
			*slot = (struct facts_slot){.regional = regional, .facts = {.regional_id = regional}};
			regs[n_regs++] = regional;
		}
		if (rc == RK_OK && n_regs)
			rc = prefetch_facts(ax, regs, n_regs, &sql, err);
	}
	buf_free(&sql);
	return rc;
}
