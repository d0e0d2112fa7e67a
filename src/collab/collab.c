/* collab.c — the care team's workspace: whose teams, the posts of a timeline
 * and their receipts (see collab.h). Reads what fhir/ wrote (resource,
 * care_team_member, patient_link) and writes only collab_read. */
#include "collab/collab.h"

#include <string.h>

#include "access/decide.h"
#include "core/limits.h"
#include "model/category.h"
#include "model/role.h"

static const char *dup(struct arena *a, struct str v, bool *ok)
{
	char *p = arena_strndup(a, v.ptr ? v.ptr : "", v.len);
	if (!p)
		*ok = false;
	return p ? p : "";
}

static enum rk_status oom(struct rk_err *err)
{
	return rk_fail(err, RK_TOO_LARGE, "out of request memory");
}

/* Grow *v (of *cap elements of size sz) to hold one more. */
static bool grow(struct arena *a, void **v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = arena_alloc(a, ncap * sz);
	if (!nv)
		return false;
	if (n)
		memcpy(nv, *v, n * sz);
	*v = nv;
	*cap = ncap;
	return true;
}

enum rk_status collab_my_patients(struct store *s, const char *facility, const char *account, int64_t now,
				  struct arena *a, struct collab_team_patient **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT regional_id, careteam_id, min(period_start) FROM care_team_member WHERE facility_code = ? AND "
		"(account_id = '' OR account_id = ?) AND active = 1 AND period_start <= ? AND ? < period_end "
		"GROUP BY regional_id, careteam_id ORDER BY regional_id, careteam_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(facility));
	store_bind_text(st, 2, str_c(account));
	store_bind_i64(st, 3, now);
	store_bind_i64(st, 4, now);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct str regional = store_col_text(st, 0);
		if (*n && strcmp((*out)[*n - 1].regional_id, regional.ptr ? regional.ptr : "") == 0)
			continue; /* one row per person, whichever of its teams */
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_team_patient){
			.regional_id = dup(a, regional, &ok),
			.careteam_id = dup(a, store_col_text(st, 1), &ok),
			.joined = store_col_i64(st, 2),
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_on_team(struct store *s, const char *facility, const char *account, const char *regional_id,
			      int64_t now, bool *out, struct rk_err *err)
{
	*out = false;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT 1 FROM care_team_member WHERE regional_id = ? AND facility_code = ? AND "
			      "(account_id = '' OR account_id = ?) AND active = 1 AND period_start <= ? AND "
			      "? < period_end LIMIT 1",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional_id));
	store_bind_text(st, 2, str_c(facility));
	store_bind_text(st, 3, str_c(account));
	store_bind_i64(st, 4, now);
	store_bind_i64(st, 5, now);
	rc = store_step(st, out, err);
	store_done(st);
	return rc;
}

/* Whom no post names as its sender: a "me" for a principal without a Practitioner. */
static const char *me_or_nobody(const char *me)
{
	return me && me[0] ? me : "\x01";
}

enum rk_status collab_counts(struct store *s, const char *regional_id, const char *account, const char *me, int64_t now,
			     struct arena *a, struct collab_count **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT p.source_facility, p.patient_id, "
		"sum(CASE WHEN p.sender <> ? AND NOT EXISTS (SELECT 1 FROM collab_read c WHERE c.account_id = ? "
		"AND c.comm_id = p.comm_id) THEN 1 ELSE 0 END), "
		"sum(CASE WHEN p.sender <> ? AND p.reply_by > 0 AND p.reply_by < ? AND NOT EXISTS (SELECT 1 FROM "
		"collab_post q WHERE q.reply_to = p.comm_id AND q.status <> 'entered-in-error') THEN 1 ELSE 0 END), "
		"max(p.sent) FROM patient_link l JOIN collab_post p ON p.patient_id = l.patient_id "
		"WHERE l.regional_id = ? AND p.status <> 'entered-in-error' "
		"GROUP BY p.source_facility, p.patient_id ORDER BY p.source_facility, p.patient_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(me_or_nobody(me)));
	store_bind_text(st, 2, str_c(account));
	store_bind_text(st, 3, str_c(me_or_nobody(me)));
	store_bind_i64(st, 4, now);
	store_bind_text(st, 5, str_c(regional_id));
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_count){
			.source = dup(a, store_col_text(st, 0), &ok),
			.patient_id = dup(a, store_col_text(st, 1), &ok),
			.unread = store_col_i64(st, 2),
			.overdue = store_col_i64(st, 3),
			.latest = store_col_i64(st, 4),
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_inbox(struct store *s, const char *facility, const char *account, const char *me, int64_t now,
			    int64_t since, size_t limit, struct arena *a, struct collab_inbox_row **out, size_t *n,
			    struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT p.comm_id, p.source_facility, p.patient_id, l.regional_id, p.sender, p.reply_to, "
		"coalesce((SELECT o.sender FROM collab_post o WHERE o.comm_id = p.reply_to), ''), p.mentions, p.sent, "
		"p.reply_by, (SELECT count(*) FROM collab_read c WHERE c.account_id = ? AND c.comm_id = p.comm_id), "
		"(SELECT count(*) FROM collab_post q WHERE q.reply_to = p.comm_id AND q.status <> 'entered-in-error') "
		"FROM collab_post p JOIN patient_link l ON l.patient_id = p.patient_id "
		"WHERE l.regional_id IN (SELECT m.regional_id FROM care_team_member m WHERE m.facility_code = ? "
		"AND (m.account_id = '' OR m.account_id = ?) AND m.active = 1 AND m.period_start <= ? "
		"AND ? < m.period_end) AND p.sender <> ? AND p.status <> 'entered-in-error' "
		"AND (p.mentions <> '' OR p.reply_by > 0 OR p.reply_to <> '') AND p.sent >= ? "
		"ORDER BY p.sent DESC, p.comm_id LIMIT ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(account));
	store_bind_text(st, 2, str_c(facility));
	store_bind_text(st, 3, str_c(account));
	store_bind_i64(st, 4, now);
	store_bind_i64(st, 5, now);
	store_bind_text(st, 6, str_c(me_or_nobody(me)));
	store_bind_i64(st, 7, since);
	store_bind_i64(st, 8, (int64_t)limit);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_inbox_row){
			.comm_id = dup(a, store_col_text(st, 0), &ok),
			.source = dup(a, store_col_text(st, 1), &ok),
			.patient_id = dup(a, store_col_text(st, 2), &ok),
			.regional_id = dup(a, store_col_text(st, 3), &ok),
			.sender = dup(a, store_col_text(st, 4), &ok),
			.reply_to = dup(a, store_col_text(st, 5), &ok),
			.parent_sender = dup(a, store_col_text(st, 6), &ok),
			.mentions = dup(a, store_col_text(st, 7), &ok),
			.sent = store_col_i64(st, 8),
			.reply_by = store_col_i64(st, 9),
			.read = store_col_i64(st, 10) > 0,
			.answered = store_col_i64(st, 11) > 0,
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

/* Does text (without spaces) begin with word (spaces skipped)? */
static bool begins_with(const char *text, const char *word, size_t wlen)
{
	if (!text || !wlen)
		return false;
	size_t i = 0;
	for (const char *p = text; *p && i < wlen; p++) {
		if (*p == ' ')
			continue;
		if (*p != word[i])
			return false;
		i++;
	}
	return i == wlen;
}

bool collab_names_me(const char *mentions, const char *me, const char *org, const char *name, const char *role_ja,
		     const char *facility_name)
{
	const char *p = mentions ? mentions : "";
	while (*p) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			if ((me && me[0] && strlen(me) == len && memcmp(p, me, len) == 0) ||
			    (org && org[0] && len > 13 && memcmp(p, "Organization/", 13) == 0 &&
			     strlen(org) == len - 13 && memcmp(p + 13, org, len - 13) == 0))
				return true;
			if (p[0] == '@' && len > 1 &&
			    (begins_with(name, p + 1, len - 1) || begins_with(role_ja, p + 1, len - 1) ||
			     begins_with(facility_name, p + 1, len - 1)))
				return true;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	return false;
}

enum rk_status collab_facility_org(struct store *s, const char *facility, struct arena *a, const char **out,
				   struct rk_err *err)
{
	*out = "";
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT org_id FROM facility WHERE facility_code = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(facility));
	bool row = false, ok = true;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row && !store_col_null(st, 0))
		*out = dup(a, store_col_text(st, 0), &ok);
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_timeline(struct store *s, const char *regional_id, int64_t before_ms, const char *before_id,
			       size_t limit, struct arena *a, struct collab_timeline_row **out, size_t *n,
			       struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		/* the page's keys first (the facts' index, no body read), then their bodies */
		"SELECT k.comm_id, k.source_facility, k.patient_id, k.sent, r.version, r.body FROM (SELECT p.comm_id, "
		"p.source_facility, p.patient_id, p.sent FROM patient_link l JOIN collab_post p ON p.patient_id = "
		"l.patient_id WHERE l.regional_id = ? AND (p.sent, p.comm_id) < (?, ?) ORDER BY "
		"p.sent DESC, p.comm_id DESC LIMIT ?) k JOIN resource r ON r.type = 'Communication' AND r.id = "
		"k.comm_id ORDER BY k.sent DESC, k.comm_id DESC",
		&st, err);
	if (rc != RK_OK)
		return rc;
	if (before_ms <= 0) /* the newest page: before anything */
		before_ms = INT64_MAX;
	store_bind_text(st, 1, str_c(regional_id));
	store_bind_i64(st, 2, before_ms);
	store_bind_text(st, 3, str_c(before_id));
	store_bind_i64(st, 4, (int64_t)limit);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		struct collab_timeline_row *t = &(*out)[(*n)++];
		*t = (struct collab_timeline_row){
			.id = dup(a, store_col_text(st, 0), &ok),
			.source = dup(a, store_col_text(st, 1), &ok),
			.patient_id = dup(a, store_col_text(st, 2), &ok),
			.sent = store_col_i64(st, 3),
			.version = store_col_i64(st, 4),
			.body = arena_str(a, store_col_text(st, 5)),
		};
		if (!t->body.ptr)
			ok = false;
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_contacts(struct store *s, const char *regional_id, struct arena *a, struct collab_contact **out,
			       size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT r.id, r.source_facility, r.patient_id, r.body, r.version FROM patient_link l "
			      "JOIN resource r ON r.patient_id = l.patient_id WHERE l.regional_id = ? AND "
			      "r.type = 'RelatedPerson' AND r.deleted = 0 ORDER BY r.rid LIMIT ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional_id));
	store_bind_i64(st, 2, RK_MAX_COLLAB_CONTACTS);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		struct collab_contact *c = &(*out)[(*n)++];
		*c = (struct collab_contact){
			.id = dup(a, store_col_text(st, 0), &ok),
			.source = dup(a, store_col_text(st, 1), &ok),
			.patient_id = dup(a, store_col_text(st, 2), &ok),
			.body = arena_str(a, store_col_text(st, 3)),
			.version = store_col_i64(st, 4),
		};
		if (!c->body.ptr)
			ok = false;
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_latest_visits(struct store *s, const char *regional_id, const char *form_url, struct arena *a,
				    struct collab_visit_group **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT r.source_facility, r.patient_id, max(d.lo) FROM patient_link l JOIN resource r ON "
		"r.patient_id = l.patient_id AND r.type = 'QuestionnaireResponse' AND r.deleted = 0 JOIN idx_token q ON "
		"q.rid = r.rid AND q.type = 'QuestionnaireResponse' AND q.param = 'questionnaire' AND q.code = ? JOIN "
		"idx_date d ON d.rid = r.rid AND d.type = 'QuestionnaireResponse' AND d.param = 'authored' WHERE "
		"l.regional_id = ? AND NOT EXISTS (SELECT 1 FROM idx_token x WHERE x.rid = r.rid AND x.type = "
		"'QuestionnaireResponse' AND x.param = 'status' AND x.code = 'entered-in-error') GROUP BY "
		"r.source_facility, r.patient_id ORDER BY r.source_facility, r.patient_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(form_url));
	store_bind_text(st, 2, str_c(regional_id));
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_visit_group){
			.source = dup(a, store_col_text(st, 0), &ok),
			.patient_id = dup(a, store_col_text(st, 1), &ok),
			.latest = store_col_i64(st, 2),
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_mark_read(struct store *s, const char *account, struct str comm_id, struct str patient_id,
				int64_t now, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
					  "INSERT INTO collab_read (account_id, comm_id, patient_id, read_at) "
					  "VALUES (?, ?, ?, ?) ON CONFLICT (account_id, comm_id) DO NOTHING",
					  &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(account));
	store_bind_text(st, 2, comm_id);
	store_bind_text(st, 3, patient_id);
	store_bind_i64(st, 4, now);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status collab_readers(struct store *s, const char *regional_id, struct str comm_id, int64_t now,
			      struct arena *a, struct collab_reader **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT DISTINCT a.account_id, a.display_name, a.role, a.facility_code, coalesce(f.name, ''), "
		"coalesce((SELECT c.read_at FROM collab_read c WHERE c.account_id = a.account_id AND c.comm_id = ?), 0) "
		"FROM care_team_member m JOIN account a ON a.facility_code = m.facility_code "
		"AND (m.account_id = '' OR m.account_id = a.account_id) "
		"LEFT JOIN facility f ON f.facility_code = a.facility_code "
		"WHERE m.regional_id = ? AND m.active = 1 AND m.period_start <= ? AND ? < m.period_end "
		"AND a.disabled = 0 ORDER BY a.facility_code, a.role, a.account_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, comm_id);
	store_bind_text(st, 2, str_c(regional_id));
	store_bind_i64(st, 3, now);
	store_bind_i64(st, 4, now);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		enum role role;
		if (!role_parse(store_col_text(st, 2), &role) || !access_role_allows(role, CAT_COLLAB))
			continue; /* a clerk of a member facility is not a reader of the timeline */
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_reader){
			.account = dup(a, store_col_text(st, 0), &ok),
			.name = dup(a, store_col_text(st, 1), &ok),
			.role = role_info(role)->code,
			.facility = dup(a, store_col_text(st, 3), &ok),
			.facility_name = dup(a, store_col_text(st, 4), &ok),
			.read_at = store_col_i64(st, 5),
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_members(struct store *s, const char *regional_id, struct arena *a, struct collab_member **out,
			      size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT m.careteam_id, m.facility_code, coalesce(f.name, ''), coalesce(f.kind, ''), m.account_id, "
		"coalesce(a.display_name, ''), coalesce(a.role, ''), m.period_start, m.period_end, m.active, "
		"CASE WHEN r.source_facility = m.facility_code THEN 1 ELSE 0 END "
		"FROM care_team_member m LEFT JOIN facility f ON f.facility_code = m.facility_code "
		"LEFT JOIN account a ON a.account_id = m.account_id AND m.account_id <> '' "
		"LEFT JOIN resource r ON r.type = 'CareTeam' AND r.id = m.careteam_id "
		"WHERE m.regional_id = ? ORDER BY m.careteam_id, m.seq",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional_id));
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_member){
			.careteam_id = dup(a, store_col_text(st, 0), &ok),
			.facility = dup(a, store_col_text(st, 1), &ok),
			.facility_name = dup(a, store_col_text(st, 2), &ok),
			.facility_kind = dup(a, store_col_text(st, 3), &ok),
			.account = dup(a, store_col_text(st, 4), &ok),
			.name = dup(a, store_col_text(st, 5), &ok),
			.role = dup(a, store_col_text(st, 6), &ok),
			.start = store_col_i64(st, 7),
			.end = store_col_i64(st, 8),
			.active = store_col_i64(st, 9) != 0,
			.lead = store_col_i64(st, 10) != 0,
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_registrations(struct store *s, const char *regional_id, struct arena *a,
				    struct collab_registration **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT patient_id, facility_code FROM patient_link WHERE regional_id = ? ORDER BY linked_at, patient_id",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional_id));
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_registration){dup(a, store_col_text(st, 0), &ok),
							      dup(a, store_col_text(st, 1), &ok)};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_attachment_put(struct store *s, const struct collab_attachment *a, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
					  "INSERT INTO collab_attachment (id, regional_id, account_id, facility_code, "
					  "content_type, title, size, sha1, bytes, thumb, created_at) "
					  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					  &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(a->id));
	store_bind_text(st, 2, str_c(a->regional_id));
	store_bind_text(st, 3, str_c(a->account));
	store_bind_text(st, 4, str_c(a->facility));
	store_bind_text(st, 5, str_c(a->content_type));
	store_bind_text(st, 6, str_c(a->title));
	store_bind_i64(st, 7, a->size);
	store_bind_text(st, 8, str_c(a->sha1));
	store_bind_text(st, 9, a->bytes);
	store_bind_text(st, 10, a->thumb);
	store_bind_i64(st, 11, a->created_at);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

enum rk_status collab_attachment_get(struct store *s, struct str id, bool with_bytes, struct arena *a,
				     struct collab_attachment *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		with_bytes ? "SELECT id, regional_id, account_id, facility_code, content_type, title, size, sha1, "
			     "created_at, bytes, thumb FROM collab_attachment WHERE id = ?"
			   : "SELECT id, regional_id, account_id, facility_code, content_type, title, size, sha1, "
			     "created_at, '', '' FROM collab_attachment WHERE id = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, id);
	bool row = false, ok = true;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = rk_fail(err, RK_NOT_FOUND, "no such attachment");
	if (rc == RK_OK) {
		*out = (struct collab_attachment){
			.id = dup(a, store_col_text(st, 0), &ok),
			.regional_id = dup(a, store_col_text(st, 1), &ok),
			.account = dup(a, store_col_text(st, 2), &ok),
			.facility = dup(a, store_col_text(st, 3), &ok),
			.content_type = dup(a, store_col_text(st, 4), &ok),
			.title = dup(a, store_col_text(st, 5), &ok),
			.size = store_col_i64(st, 6),
			.sha1 = dup(a, store_col_text(st, 7), &ok),
			.created_at = store_col_i64(st, 8),
		};
		out->bytes = str_c(dup(a, store_col_text(st, 9), &ok));
		out->thumb = str_c(dup(a, store_col_text(st, 10), &ok));
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_attachment_records(struct store *s, const char *regional_id, const char *url, struct arena *a,
					 struct collab_record **out, size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT r.type, r.id, r.source_facility, r.patient_id, r.version FROM patient_link l "
			      "JOIN resource r ON r.patient_id = l.patient_id WHERE l.regional_id = ? AND "
			      "r.deleted = 0 AND r.body LIKE '%' || ? || '%' ORDER BY r.rid LIMIT ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional_id));
	store_bind_text(st, 2, str_c(url));
	store_bind_i64(st, 3, RK_MAX_COLLAB_NAMING);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (!grow(a, (void **)out, &cap, *n, sizeof **out)) {
			ok = false;
			break;
		}
		(*out)[(*n)++] = (struct collab_record){
			.type = dup(a, store_col_text(st, 0), &ok),
			.id = dup(a, store_col_text(st, 1), &ok),
			.source = dup(a, store_col_text(st, 2), &ok),
			.patient_id = dup(a, store_col_text(st, 3), &ok),
			.version = store_col_i64(st, 4),
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}

enum rk_status collab_practitioner_of(struct store *s, const char *account, struct arena *a, const char **out,
				      struct rk_err *err)
{
	*out = "";
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT practitioner_id FROM account WHERE account_id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(account));
	bool row = false, ok = true;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		*out = dup(a, store_col_text(st, 0), &ok);
	store_done(st);
	return rc == RK_OK && !ok ? oom(err) : rc;
}
