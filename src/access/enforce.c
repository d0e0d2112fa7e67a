/* enforce.c — loading and caching the facts of the access decision. */
#include "access/enforce.h"

#include <string.h>


#define CACHE_SLOTS 1024 /* patients per request; beyond it facts are reloaded */

struct patient_slot {
	const char *patient_id; /* key */
	const char *regional;
};

struct facts_slot {
	const char *regional; /* key */
	struct access_patient facts;
};

struct access_cache {
	struct patient_slot patients[CACHE_SLOTS];
	struct facts_slot facts[CACHE_SLOTS];
};

static uint64_t hash(struct str s)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 1099511628211ULL;
	return h;
}

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
	enum rk_status rc = store_prepare(ax->store,
		"SELECT episode_id, regional_id FROM emergency_episode WHERE account_id = ? AND started_at <= ?"
		" AND expires_at > ? AND ended_at = 0", &st, err);
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
	ax->disaster_id = NULL;
	rc = store_prepare(ax->store,
		"SELECT declaration_id, area FROM disaster_declaration WHERE started_at <= ? AND ends_at > ? AND ended_at = 0",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, ax->now);
	store_bind_i64(st, 2, ax->now);
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		/* A declaration for "長野県" covers "長野県松本市": the area is a prefix. */
		struct str area = store_col_text(st, 1);
		if (area.len && strncmp(ax->who->area, area.ptr, area.len) == 0)
			ax->disaster_id = dup(ax, store_col_text(st, 0));
	}
	store_done(st);
	ax->principal_loaded = rc == RK_OK;
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
	size_t i = hash(patient_id) % CACHE_SLOTS;
	struct patient_slot *slot = &c->patients[i];
	if (slot->patient_id && str_eq_c(patient_id, slot->patient_id)) {
		*out = slot->regional;
		return RK_OK;
	}
	struct store_stmt *st;
	enum rk_status rc = store_prepare(ax->store, "SELECT regional_id FROM patient_link WHERE patient_id = ?", &st, err);
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

static enum rk_status load_facts(struct access_ctx *ax, const char *regional, struct access_patient *p,
				 struct rk_err *err)
{
	memset(p, 0, sizeof *p);
	p->regional_id = regional;
	struct store_stmt *st;
	bool row = false;
	/* registrations */
	enum rk_status rc = store_prepare(ax->store, "SELECT facility_code FROM patient_link WHERE regional_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional));
	size_t cap = 16;
	const char **reg = arena_alloc(ax->arena, cap * sizeof *reg);
	while (reg && (rc = store_step(st, &row, err)) == RK_OK && row) {
		if (p->n_registered == cap) {
			const char **more = arena_alloc(ax->arena, cap * 2 * sizeof *reg);
			if (!more) {
				reg = NULL;
				break;
			}
			memcpy(more, reg, cap * sizeof *reg);
			reg = more;
			cap *= 2;
		}
		reg[p->n_registered++] = dup(ax, store_col_text(st, 0));
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!reg)
		return oom(err);
	p->registered = reg;
	/* consents */
	rc = store_prepare(ax->store,
		"SELECT consent_id, kind, status, source_facility, viewer_facility, period_start, period_end"
		" FROM consent_fact WHERE regional_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional));
	cap = 16;
	struct consent_fact *cf = arena_alloc(ax->arena, cap * sizeof *cf);
	while (cf && (rc = store_step(st, &row, err)) == RK_OK && row) {
		if (p->n_consents == cap) {
			struct consent_fact *more = arena_alloc(ax->arena, cap * 2 * sizeof *cf);
			if (!more) {
				cf = NULL;
				break;
			}
			memcpy(more, cf, cap * sizeof *cf);
			cf = more;
			cap *= 2;
		}
		struct consent_fact *f = &cf[p->n_consents++];
		struct str kind = store_col_text(st, 1);
		f->id = dup(ax, store_col_text(st, 0));
		f->kind = str_eq_c(kind, "individual")      ? CONSENT_INDIVIDUAL
			  : str_eq_c(kind, "comprehensive") ? CONSENT_COMPREHENSIVE
							    : CONSENT_REFUSAL;
		f->active = str_eq_c(store_col_text(st, 2), "active");
		f->source_facility = dup(ax, store_col_text(st, 3));
		f->viewer_facility = dup(ax, store_col_text(st, 4));
		f->start = store_col_i64(st, 5);
		f->end = store_col_i64(st, 6);
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!cf)
		return oom(err);
	p->consents = cf;
	/* care team */
	rc = store_prepare(ax->store,
		"SELECT facility_code, account_id, active, period_start, period_end FROM care_team_member WHERE regional_id = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional));
	cap = 16;
	struct team_fact *tf = arena_alloc(ax->arena, cap * sizeof *tf);
	while (tf && (rc = store_step(st, &row, err)) == RK_OK && row) {
		if (p->n_team == cap) {
			struct team_fact *more = arena_alloc(ax->arena, cap * 2 * sizeof *tf);
			if (!more) {
				tf = NULL;
				break;
			}
			memcpy(more, tf, cap * sizeof *tf);
			tf = more;
			cap *= 2;
		}
		struct team_fact *t = &tf[p->n_team++];
		t->facility = dup(ax, store_col_text(st, 0));
		t->account = dup(ax, store_col_text(st, 1));
		t->active = store_col_i64(st, 2) != 0;
		t->start = store_col_i64(st, 3);
		t->end = store_col_i64(st, 4);
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	if (!tf)
		return oom(err);
	p->team = tf;
	return RK_OK;
}

enum rk_status access_patient(struct access_ctx *ax, const char *regional_id, const struct access_patient **out,
			      struct rk_err *err)
{
	struct access_cache *c = cache_of(ax);
	if (!c)
		return oom(err);
	size_t i = hash(str_c(regional_id)) % CACHE_SLOTS;
	struct facts_slot *slot = &c->facts[i];
	if (!slot->regional || strcmp(slot->regional, regional_id) != 0) {
		struct access_patient p;
		enum rk_status rc = load_facts(ax, regional_id, &p, err);
		if (rc != RK_OK)
			return rc;
		slot->regional = p.regional_id;
		slot->facts = p;
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
