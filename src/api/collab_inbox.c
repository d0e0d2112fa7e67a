/* collab_inbox.c — 受信箱, the inbox of a member of the care teams (what of
 * its teams' posts names it, answers it or asks for a reply), and a person's
 * timeline a page at a time (see collab_api.h). Every post passes the access
 * check; every post and person shown is audited. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/collab_api.h"
#include "api/collab_impl.h"
#include "api/params.h"
#include "collab/collab.h"
#include "core/json.h"
#include "core/limits.h"
#include "fhir/validate.h"
#include "core/time.h"

#define INBOX_DEFAULT   50
#define INBOX_MAX       200
#define INBOX_SCAN      5                                /* rows read per item kept: most posts name nobody */
#define INBOX_LOOK_BACK ((int64_t)30 * 24 * 3600 * 1000) /* ms: a month, unless _since says */
#define EXCERPT_CHARS   120

/* The first EXCERPT_CHARS characters of the post's text ("" when none). */
static const char *excerpt(struct api_request *rq, const json_t *c)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(c, "payload"), i, p)
	{
		const char *t = json_string_value(json_object_get(p, "contentString"));
		if (!t)
			continue;
		size_t n = 0, chars = 0;
		while (t[n] && chars < EXCERPT_CHARS) {
			n++;
			while ((t[n] & 0xC0) == 0x80)
				n++;
			chars++;
		}
		const char *s = arena_strndup(rq->arena, t, n);
		return s ? s : "";
	}
	return "";
}

struct person {
	const char *regional, *patient, *name, *kana;
};

/* The person's name as the principal may see it (NULL: it may see none of
 * the registrations now), from a small cache of the request. */
static const struct person *person_of(struct api_request *rq, const char *regional, struct person *cache, size_t *n,
				      size_t cap, struct rk_err *err, enum rk_status *rc)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(cache[i].regional, regional) == 0)
			return cache[i].patient ? &cache[i] : NULL;
	const char *pid = NULL;
	json_t *body = NULL, *regs = json_array();
	*rc = visible_registrations(rq, regional, &pid, &body, regs, err);
	json_decref(regs);
	if (*rc != RK_OK || *n == cap)
		return NULL;
	struct person *p = &cache[(*n)++];
	*p = (struct person){.regional = regional};
	if (body) {
		names_of(body, &p->name, &p->kana);
		p->patient = arena_printf(rq->arena, "Patient/%s", pid);
		api_audit_patient(rq, regional);
	}
	return p->patient ? p : NULL;
}

void api_collab_inbox(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	int64_t limit = INBOX_DEFAULT, since = rq->now - INBOX_LOOK_BACK;
	for (size_t i = 0; i < rq->n_params; i++) {
		if (str_eq_c(rq->params[i].key, "_count")) {
			if (!api_param_count(rq, rq->params[i].value, 1, INBOX_MAX, &limit))
				return;
		} else if (str_eq_c(rq->params[i].key, "_since")) {
			if (!api_param_since(rq, rq->params[i].value, &since))
				return;
		} else {
			return api_reply_fail(
				rq, RK_INVALID, "unknown parameter %.*s (the inbox takes _count and _since)",
				(int)(rq->params[i].key.len > 40 ? 40 : rq->params[i].key.len), rq->params[i].key.ptr);
		}
	}
	struct rk_err err;
	rk_err_clear(&err);
	const char *practitioner = "", *org = "", *me = "";
	struct collab_inbox_row *rows = NULL;
	size_t n = 0;
	enum rk_status rc = collab_practitioner_of(rq->store, rq->who.account, rq->arena, &practitioner, &err);
	if (rc == RK_OK)
		rc = collab_facility_org(rq->store, rq->who.facility, rq->arena, &org, &err);
	if (rc == RK_OK && practitioner[0] && !(me = arena_printf(rq->arena, "Practitioner/%s", practitioner)))
		rc = rk_fail(&err, RK_TOO_LARGE, "out of request memory");
	if (rc == RK_OK)
		rc = collab_inbox(rq->store, rq->who.facility, rq->who.account, me, rq->now, since,
				  (size_t)limit * INBOX_SCAN, rq->arena, &rows, &n, &err);
	if (rc != RK_OK)
		return api_reply_error(rq, rc, &err);
	const char *role_ja = role_info(rq->who.role)->ja;
	struct person *people = arena_calloc(rq->arena, n + 1, sizeof *people);
	if (!people)
		return api_reply_fail(rq, RK_TOO_LARGE, "out of request memory");
	size_t n_people = 0;
	json_t *items = json_array();
	int64_t unread = 0;
	for (size_t i = 0; i < n && json_array_size(items) < (size_t)limit; i++) {
		const struct collab_inbox_row *r = &rows[i];
		bool reply = me[0] && strcmp(r->parent_sender, me) == 0;
		bool named = collab_names_me(r->mentions, me, org, rq->who.name, role_ja, rq->who.facility_name);
		bool asks = r->reply_by > 0 && (named || !r->mentions[0]);
		if (!reply && !named && !asks)
			continue;
		struct access_decision d;
		if ((rc = access_check(api_access(rq), STR_LIT("Communication"), str_c(r->source), str_c(r->patient_id),
				       &d, NULL, &err)) != RK_OK)
			break;
		if (!d.permit)
			continue;
		const struct person *p = person_of(rq, r->regional_id, people, &n_people, n, &err, &rc);
		if (rc != RK_OK)
			break;
		if (!p)
			continue;
		struct store_resource res;
		rc = store_resource_read(rq->store, "Communication", str_c(r->comm_id), rq->arena, &res, &err);
		if (rc == RK_NOT_FOUND) {
			rc = RK_OK;
			continue;
		}
		if (rc != RK_OK)
			break;
		json_t *c = json_loadb(res.body.ptr, res.body.len, 0, NULL);
		api_audit_entity(rq, STR_LIT("Communication"), str_c(r->comm_id), res.version, &d, r->regional_id);
		json_t *kinds = json_array();
		if (named)
			json_array_append_new(kinds, json_string("mention"));
		if (reply)
			json_array_append_new(kinds, json_string("reply"));
		if (asks)
			json_array_append_new(kinds, json_string("reply-requested"));
		const char *sender = json_string_value(json_object_get(json_object_get(c, "sender"), "display"));
		json_array_append_new(items,
				      json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:b, s:b, s:o, s:s}",
						"id", r->comm_id, "patient", p->patient, "regionalId", r->regional_id,
						"name", jstr_or_null(p->name), "kana", jstr_or_null(p->kana), "kinds",
						kinds, "sent", ms_json(r->sent), "read", r->read, "due",
						ms_json(r->reply_by), "answered", r->answered, "overdue",
						r->reply_by > 0 && r->reply_by < rq->now && !r->answered, "sender",
						jstr_or_null(sender), "text", c ? excerpt(rq, c) : ""));
		json_decref(c);
		unread += !r->read;
	}
	if (rc != RK_OK) {
		json_decref(items);
		return api_reply_error(rq, rc, &err);
	}
	api_reply_obj(rq, 200, json_pack("{s:o, s:I}", "items", items, "unread", (json_int_t)unread));
}

/* ---- the timeline, a page at a time ------------------------------------------ */

#define TIMELINE_DEFAULT 100
#define TIMELINE_MAX     200
#define TIMELINE_ROUNDS  8 /* reads of a page's size to fill a page past posts the principal may not see */

/* before=<ms>.<id>: the cursor a page's "next" gives. */
static bool parse_cursor(struct str v, int64_t *ms, const char **id, struct arena *a)
{
	struct str left, right;
	if (!str_cut(v, '.', &left, &right) || !str_to_i64(left, 1, INT64_MAX, ms) || !fhir_id_valid(right))
		return false;
	*id = arena_strndup(a, right.ptr, right.len);
	return *id != NULL;
}

void api_collab_timeline(struct api_request *rq)
{
	if (!collab_staff(rq))
		return;
	struct str ref = STR_NULL;
	int64_t limit = TIMELINE_DEFAULT, before_ms = 0;
	const char *before_id = "";
	for (size_t i = 0; i < rq->n_params; i++) {
		struct str k = rq->params[i].key, v = rq->params[i].value;
		if (str_eq_c(k, "patient")) {
			ref = v;
		} else if (str_eq_c(k, "_count")) {
			if (!api_param_count(rq, v, 1, TIMELINE_MAX, &limit))
				return;
		} else if (str_eq_c(k, "before")) {
			if (!parse_cursor(v, &before_ms, &before_id, rq->arena))
				return api_reply_fail(rq, RK_INVALID,
						      "before: the cursor a page's \"next\" gives (<ms>.<id>)");
		} else {
			return api_reply_fail(rq, RK_INVALID,
					      "unknown parameter %.*s (the timeline takes patient, _count and before)",
					      (int)(k.len > 40 ? 40 : k.len), k.ptr);
		}
	}
	struct str id = str_starts_with(ref, "Patient/") ? (struct str){ref.ptr + 8, ref.len - 8} : ref;
	if (!id.len || !fhir_id_valid(id))
		return api_reply_fail(rq, RK_INVALID, "patient: Patient/<id> of the person whose timeline to show");
	struct rk_err err;
	rk_err_clear(&err);
	/* the person must be one the principal may see now, else it is not there */
	const char *regional = "";
	struct store_resource pr;
	struct access_decision d = {0};
	enum rk_status rc = store_resource_head(rq->store, "Patient", id, rq->arena, &pr, &err);
	if (rc == RK_OK && !pr.deleted)
		rc = access_check(api_access(rq), STR_LIT("Patient"), pr.source_facility, id, &d, &regional, &err);
	if (rc != RK_OK && rc != RK_NOT_FOUND)
		return api_reply_error(rq, rc, &err);
	if (!d.permit || !regional[0])
		return api_reply_fail(rq, RK_NOT_FOUND, "Patient/%.*s is not known", (int)(id.len > 64 ? 64 : id.len),
				      id.ptr);
	struct buf out;
	buf_init(&out, RK_MAX_RESPONSE);
	rc = buf_puts(&out, "{\"posts\":[") == RK_OK ? RK_OK : RK_TOO_LARGE;
	int64_t shown = 0, last_ms = 0;
	const char *last_id = NULL;
	bool more = false;
	for (int round = 0; rc == RK_OK && round < TIMELINE_ROUNDS && shown < limit; round++) {
		struct collab_timeline_row *rows;
		size_t n;
		if ((rc = collab_timeline(rq->store, regional, before_ms, before_id, (size_t)limit, rq->arena, &rows,
					  &n, &err)) != RK_OK)
			break;
		for (size_t i = 0; rc == RK_OK && i < n && shown < limit; i++) {
			before_ms = rows[i].sent;
			before_id = rows[i].id;
			if ((rc = access_check(api_access(rq), STR_LIT("Communication"), str_c(rows[i].source),
					       str_c(rows[i].patient_id), &d, NULL, &err)) != RK_OK)
				break;
			if (!d.permit)
				continue;
			api_audit_entity(rq, STR_LIT("Communication"), str_c(rows[i].id), rows[i].version, &d,
					 regional);
			if ((shown && buf_putc(&out, ',') != RK_OK) || buf_put_str(&out, rows[i].body) != RK_OK)
				rc = rk_fail(&err, RK_TOO_LARGE,
					     "the page is larger than %u bytes; ask for fewer (_count)",
					     (unsigned)RK_MAX_RESPONSE);
			shown++;
			last_ms = rows[i].sent;
			last_id = rows[i].id;
		}
		more = n == (size_t)limit;
		if (!more)
			break;
	}
	if (rc == RK_OK) {
		char next[128] = "null";
		if (more && last_id)
			snprintf(next, sizeof next, "\"%lld.%s\"", (long long)last_ms, last_id);
		if (buf_printf(&out, "],\"next\":%s}", next) != RK_OK)
			rc = rk_fail(&err, RK_TOO_LARGE, "the page is too large; ask for fewer (_count)");
	}
	if (rc != RK_OK) {
		buf_free(&out);
		return api_reply_error(rq, rc, &err);
	}
	api_audit_patient(rq, regional);
	api_reply_json(rq, 200, buf_str(&out));
	rq->content_type = "application/json";
	buf_free(&out);
}
