/* careplan.c — the care plan as FHIR and as the UI's JSON (see careplan.h). */
#include "collab/careplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const table_json[CP_TABLES] = {"t1", "t2", "t3"};
static const char *const table_ext[CP_TABLES] = {CAREPLAN_EXT "table1", CAREPLAN_EXT "table2", CAREPLAN_EXT "table3"};

static int col(enum cp_table t, const char *key)
{
	return cp_column_index(t, key);
}

static enum rk_status row_from_json(enum cp_table t, const json_t *o, const char *where, struct arena *a,
				    struct cp_row *r, struct rk_err *err)
{
	for (size_t k = 0; k < cp_tables[t].n; k++)
		r->v[k] = "";
	if (!json_is_object(o))
		return rk_fail_at(err, RK_INVALID, where,
				  "%s: 表の項目を並べたオブジェクトにしてください (an object of the table's columns)",
				  where);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
	{
		char shown[48];
		cp_clip(shown, sizeof shown, key);
		int k = col(t, key);
		if (k < 0)
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: 「%s」は%sの項目ではありません ('%s' is not a column)", where, shown,
					  cp_tables[t].name_ja, shown);
		if (!json_is_string(v))
			return rk_fail_at(err, RK_INVALID, where, "%s.%s: 値は文字列にしてください (a string)", where,
					  shown);
		r->v[k] = arena_strdup(a, json_string_value(v));
		if (!r->v[k])
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	return RK_OK;
}

enum rk_status careplan_from_json(const json_t *j, struct arena *a, struct cp_plan *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(j))
		return rk_fail(err, RK_INVALID,
			       "plan: t1・t2・t3 を持つオブジェクトにしてください (an object with t1, t2 and t3)");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)j, key, v)
	{
		char shown[48];
		if (strcmp(key, "t1") && strcmp(key, "t2") && strcmp(key, "t3") && strcmp(key, "quoting"))
			return rk_fail_at(err, RK_INVALID, cp_clip(shown, sizeof shown, key),
					  "「%s」はケアプランの項目ではありません (t1, t2, t3, quoting)", shown);
	}
	json_t *q = json_object_get(j, "quoting");
	out->quoting = q && json_is_string(q) && strcmp(json_string_value(q), "minimal") == 0 ? CP_QUOTE_MINIMAL
											      : CP_QUOTE_ALL;
	enum rk_status rc = row_from_json(CP_T1, json_object_get(j, "t1"), "t1", a, &out->t1, err);
	if (rc != RK_OK)
		return rc;
	out->has_t1 = true;
	for (int t = CP_T2; t < CP_TABLES; t++) {
		json_t *list = json_object_get(j, table_json[t]);
		if (!list)
			continue;
		if (!json_is_array(list))
			return rk_fail_at(err, RK_INVALID, table_json[t],
					  "%s: 行の一覧（配列）にしてください (a list of rows)", table_json[t]);
		size_t n = json_array_size(list);
		if (n > CP_MAX_ROWS)
			return rk_fail(err, RK_INVALID, "%s: %zu 行あります（%d 行まで）", cp_tables[t].name_ja, n,
				       CP_MAX_ROWS);
		out->rows[t] = arena_calloc(a, n ? n : 1, sizeof *out->rows[t]);
		if (!out->rows[t])
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
		for (size_t i = 0; i < n; i++) {
			char where[32];
			snprintf(where, sizeof where, "%s[%zu]", table_json[t], i);
			if ((rc = row_from_json((enum cp_table)t, json_array_get(list, i), where, a, &out->rows[t][i],
						err)) != RK_OK)
				return rc;
		}
		out->n[t] = n;
	}
	return RK_OK;
}

static json_t *row_json(enum cp_table t, const struct cp_row *r)
{
	json_t *o = json_object();
	for (size_t k = 0; k < cp_tables[t].n; k++)
		json_object_set_new(o, cp_tables[t].cols[k].key, json_string(r->v[k] ? r->v[k] : ""));
	return o;
}

json_t *careplan_to_json(const struct cp_plan *p)
{
	json_t *o = json_pack("{s:o, s:s}", "t1", row_json(CP_T1, &p->t1), "quoting",
			      p->quoting == CP_QUOTE_MINIMAL ? "minimal" : "all");
	for (int t = CP_T2; t < CP_TABLES; t++) {
		json_t *list = json_array();
		for (size_t i = 0; i < p->n[t]; i++)
			json_array_append_new(list, row_json((enum cp_table)t, &p->rows[t][i]));
		json_object_set_new(o, table_json[t], list);
	}
	return o;
}

/* {url: table_ext[t], extension: [{url: key, valueString: v}…]} of the non-empty values. */
static json_t *row_ext(enum cp_table t, const struct cp_row *r)
{
	json_t *subs = json_array();
	for (size_t k = 0; k < cp_tables[t].n; k++)
		if (r->v[k] && r->v[k][0])
			json_array_append_new(
				subs, json_pack("{s:s, s:s}", "url", cp_tables[t].cols[k].key, "valueString", r->v[k]));
	return json_pack("{s:s, s:o}", "url", table_ext[t], "extension", subs);
}

/* The row of table t in the extension list exts (none: false). */
static enum rk_status row_from_ext(enum cp_table t, const json_t *exts, struct arena *a, struct cp_row *r, bool *found,
				   struct rk_err *err)
{
	*found = false;
	size_t i;
	json_t *e;
	json_array_foreach(exts, i, e)
	{
		if (!json_is_string(json_object_get(e, "url")) ||
		    strcmp(json_string_value(json_object_get(e, "url")), table_ext[t]) != 0)
			continue;
		*found = true;
		for (size_t k = 0; k < cp_tables[t].n; k++)
			r->v[k] = "";
		size_t j;
		json_t *s;
		json_array_foreach(json_object_get(e, "extension"), j, s)
		{
			const char *key = json_string_value(json_object_get(s, "url"));
			const char *v = json_string_value(json_object_get(s, "valueString"));
			int k = key ? col(t, key) : -1;
			if (k < 0 || !v) {
				char shown[48];
				return rk_fail(err, RK_INVALID, "the stored plan has an unknown column '%s' in %s",
					       cp_clip(shown, sizeof shown, key ? key : "?"), cp_tables[t].name_ja);
			}
			if (!(r->v[k] = arena_strdup(a, v)))
				return rk_fail(err, RK_TOO_LARGE, "out of request memory");
		}
		return RK_OK;
	}
	return RK_OK;
}

bool careplan_is_kyotaku(const json_t *careplan)
{
	size_t i, k;
	json_t *c, *cd;
	json_array_foreach(json_object_get(careplan, "category"), i, c)
	{
		json_array_foreach(json_object_get(c, "coding"), k, cd)
		{
			const char *s = json_string_value(json_object_get(cd, "system"));
			if (s && strcmp(s, CAREPLAN_KIND_SYSTEM) == 0)
				return true;
		}
	}
	return false;
}

enum rk_status careplan_from_fhir(const json_t *careplan, struct arena *a, struct cp_plan *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	out->quoting = CP_QUOTE_ALL;
	const json_t *exts = json_object_get(careplan, "extension");
	bool found;
	enum rk_status rc = row_from_ext(CP_T1, exts, a, &out->t1, &found, err);
	if (rc != RK_OK)
		return rc;
	if (!found)
		return rk_fail(err, RK_INVALID, "this CarePlan carries no 第1表 (%s)", table_ext[CP_T1]);
	out->has_t1 = true;
	size_t i;
	json_t *e;
	json_array_foreach(exts, i, e)
	{
		const char *url = json_string_value(json_object_get(e, "url"));
		const char *q = json_string_value(json_object_get(e, "valueCode"));
		if (url && q && strcmp(url, CAREPLAN_EXT "csv-quoting") == 0 && strcmp(q, "minimal") == 0)
			out->quoting = CP_QUOTE_MINIMAL;
	}
	json_t *acts = json_object_get(careplan, "activity");
	size_t n = json_array_size(acts);
	for (int t = CP_T2; t < CP_TABLES; t++) {
		out->rows[t] = arena_calloc(a, n ? n : 1, sizeof *out->rows[t]);
		if (!out->rows[t])
			return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	}
	json_array_foreach(acts, i, e)
	{
		for (int t = CP_T2; t < CP_TABLES; t++) {
			struct cp_row *r = &out->rows[t][out->n[t]];
			if ((rc = row_from_ext((enum cp_table)t, json_object_get(e, "extension"), a, r, &found, err)) !=
			    RK_OK)
				return rc;
			out->n[t] += found;
		}
	}
	return RK_OK;
}

json_t *careplan_goal_refs(const json_t *careplan)
{
	json_t *out = json_array();
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(careplan, "goal"), i, g)
	{
		const char *ref = json_string_value(json_object_get(g, "reference"));
		if (ref && strncmp(ref, "Goal/", 5) == 0)
			json_array_append_new(out, json_string(ref));
	}
	return out;
}

/* "2026-04-01" of "20260401" (NULL when empty). */
static json_t *fhir_date(const char *v)
{
	if (!v || strlen(v) != 8)
		return NULL;
	return json_sprintf("%.4s-%.2s-%.2s", v, v + 4, v + 6);
}

static void set_if(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
}

static json_t *ext_string(const char *url, const char *v)
{
	return json_pack("{s:s, s:s}", "url", url, "valueString", v);
}

static json_t *goal_json(const char *patient, bool long_term, const char *text, const char *need, const char *period,
			 const char *long_ref)
{
	json_t *g = json_pack("{s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:{s:s}, s:{s:s}}", "resourceType", "Goal",
			      "lifecycleStatus", "active", "category", "coding", "system", CAREPLAN_GOAL_SYSTEM, "code",
			      long_term ? "long-term" : "short-term", "display", long_term ? "長期目標" : "短期目標",
			      "description", "text", text, "subject", "reference", patient);
	json_t *ext = json_array();
	if (need && need[0])
		json_array_append_new(ext, ext_string(CAREPLAN_EXT "need", need));
	if (period && period[0])
		json_array_append_new(ext, ext_string(CAREPLAN_EXT "period", period));
	if (long_ref)
		json_array_append_new(ext, json_pack("{s:s, s:{s:s}}", "url", CAREPLAN_EXT "long-term-goal",
						     "valueReference", "reference", long_ref));
	if (json_array_size(ext))
		json_object_set_new(g, "extension", ext);
	else
		json_decref(ext);
	return g;
}

static const char *const fhir_days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const ja_days[7] = {"月", "火", "水", "木", "金", "土", "日"};

static json_t *week_timing(const struct cp_row *r)
{
	const char *days = r->v[col(CP_T3, "days")], *start = r->v[col(CP_T3, "start")], *end = r->v[col(CP_T3, "end")];
	json_t *rep = json_object();
	json_t *dow = json_array();
	for (int d = 0; d < 7; d++)
		if (strstr(days, ja_days[d]))
			json_array_append_new(dow, json_string(fhir_days[d]));
	if (json_array_size(dow))
		json_object_set_new(rep, "dayOfWeek", dow);
	else
		json_decref(dow);
	if (strlen(start) == 4 && strlen(end) == 4) {
		int s = (start[0] - '0') * 600 + (start[1] - '0') * 60 + (start[2] - '0') * 10 + (start[3] - '0');
		int e = (end[0] - '0') * 600 + (end[1] - '0') * 60 + (end[2] - '0') * 10 + (end[3] - '0');
		if (s < 24 * 60) /* a time of day (24:00 is not one) */
			json_object_set_new(rep, "timeOfDay",
					    json_pack("[o]", json_sprintf("%.2s:%.2s:00", start, start + 2)));
		json_object_set_new(rep, "duration", json_integer(e - s));
		json_object_set_new(rep, "durationUnit", json_string("min"));
	}
	if (!json_object_size(rep)) {
		json_decref(rep);
		return NULL;
	}
	return json_pack("{s:o}", "repeat", rep);
}

char *careplan_summary(const struct cp_plan *p, bool first, struct arena *a)
{
	return arena_printf(a, "ケアプランを%sしました（第2表 %zu件、週間 %zu コマ）", first ? "作成" : "更新",
			    p->n[CP_T2], cp_week_blocks(p));
}

json_t *careplan_bundle(const struct cp_plan *p, const char *patient, const char *existing_id, const char *replaces,
			const json_t *old_goals, const char *sender, const char *sender_display, const char *now,
			const char *summary)
{
	json_t *entries = json_array();
	unsigned uuid = 0;
	char plan_url[64];
	snprintf(plan_url, sizeof plan_url, "urn:uuid:00000000-0000-4000-8000-%012u", uuid++);
	const struct cp_row *t1 = &p->t1;
	json_t *cp = json_pack("{s:s, s:s, s:s, s:[{s:[{s:s, s:s, s:s}]}], s:s, s:{s:s}}", "resourceType", "CarePlan",
			       "status", "active", "intent", "plan", "category", "coding", "system",
			       CAREPLAN_KIND_SYSTEM, "code", "kyotaku", "display", "居宅サービス計画", "title",
			       "居宅サービス計画書", "subject", "reference", patient);
	if (existing_id)
		json_object_set_new(cp, "id", json_string(existing_id));
	if (replaces)
		json_object_set_new(cp, "replaces", json_pack("[{s:s}]", "reference", replaces));
	const char *policy = t1->v[col(CP_T1, "policy")];
	if (policy[0])
		json_object_set_new(cp, "description", json_string(policy));
	set_if(cp, "created", fhir_date(t1->v[col(CP_T1, "created")]));
	json_t *from = fhir_date(t1->v[col(CP_T1, "certFrom")]), *to = fhir_date(t1->v[col(CP_T1, "certTo")]);
	if (from || to) {
		json_t *period = json_object();
		set_if(period, "start", from);
		set_if(period, "end", to);
		json_object_set_new(cp, "period", period);
	}
	if (sender)
		json_object_set_new(cp, "author", json_pack("{s:s}", "reference", sender));
	json_t *ext = json_array();
	json_array_append_new(ext, row_ext(CP_T1, t1));
	json_array_append_new(ext, json_pack("{s:s, s:s}", "url", CAREPLAN_EXT "csv-quoting", "valueCode",
					     p->quoting == CP_QUOTE_MINIMAL ? "minimal" : "all"));
	json_object_set_new(cp, "extension", ext);

	/* the goals of 第2表: a long one per 課題 and 長期目標, a short one per 援助目標 */
	json_t *goal_refs = json_array(), *acts = json_array();
	size_t *long_key = NULL, *short_key = NULL;
	char(*long_url)[64] = NULL, (*short_url)[64] = NULL;
	size_t n2 = p->n[CP_T2], nl = 0, ns = 0;
	if (n2) {
		long_key = calloc(n2, sizeof *long_key);
		short_key = calloc(n2, sizeof *short_key);
		long_url = calloc(n2, sizeof *long_url);
		short_url = calloc(n2, sizeof *short_url);
		if (!long_key || !short_key || !long_url || !short_url) {
			free(long_key);
			free(short_key);
			free(long_url);
			free(short_url);
			json_decref(goal_refs);
			json_decref(acts);
			json_decref(cp);
			json_decref(entries);
			return NULL; /* never a plan with rows left out */
		}
	}
	for (size_t i = 0; i < n2; i++) {
		const struct cp_row *r = &p->rows[CP_T2][i];
		const char *need = r->v[col(CP_T2, "need")], *lg = r->v[col(CP_T2, "longGoal")],
			   *lp = r->v[col(CP_T2, "longPeriod")], *sg = r->v[col(CP_T2, "shortGoal")],
			   *spd = r->v[col(CP_T2, "shortPeriod")];
		const char *lurl = NULL, *surl = NULL;
		if (lg[0]) {
			for (size_t k = 0; k < nl && !lurl; k++) {
				const struct cp_row *o = &p->rows[CP_T2][long_key[k]];
				if (strcmp(o->v[col(CP_T2, "needNo")], r->v[col(CP_T2, "needNo")]) == 0 &&
				    strcmp(o->v[col(CP_T2, "longGoal")], lg) == 0 &&
				    strcmp(o->v[col(CP_T2, "longPeriod")], lp) == 0)
					lurl = long_url[k];
			}
			if (!lurl) {
				long_key[nl] = i;
				snprintf(long_url[nl], sizeof long_url[nl], "urn:uuid:00000000-0000-4000-8000-%012u",
					 uuid++);
				lurl = long_url[nl++];
				json_array_append_new(entries,
						      json_pack("{s:s, s:o, s:{s:s, s:s}}", "fullUrl", lurl, "resource",
								goal_json(patient, true, lg, need, lp, NULL), "request",
								"method", "POST", "url", "Goal"));
				json_array_append_new(goal_refs, json_pack("{s:s}", "reference", lurl));
			}
		}
		if (sg[0]) {
			for (size_t k = 0; k < ns && !surl; k++) {
				const struct cp_row *o = &p->rows[CP_T2][short_key[k]];
				if (strcmp(o->v[col(CP_T2, "needNo")], r->v[col(CP_T2, "needNo")]) == 0 &&
				    strcmp(o->v[col(CP_T2, "goalNo")], r->v[col(CP_T2, "goalNo")]) == 0 &&
				    strcmp(o->v[col(CP_T2, "shortGoal")], sg) == 0 &&
				    strcmp(o->v[col(CP_T2, "shortPeriod")], spd) == 0)
					surl = short_url[k];
			}
			if (!surl) {
				short_key[ns] = i;
				snprintf(short_url[ns], sizeof short_url[ns], "urn:uuid:00000000-0000-4000-8000-%012u",
					 uuid++);
				surl = short_url[ns++];
				json_array_append_new(entries,
						      json_pack("{s:s, s:o, s:{s:s, s:s}}", "fullUrl", surl, "resource",
								goal_json(patient, false, sg, need, spd, lurl),
								"request", "method", "POST", "url", "Goal"));
				json_array_append_new(goal_refs, json_pack("{s:s}", "reference", surl));
			}
		}
		json_t *detail = json_pack("{s:s}", "status", "scheduled");
		const char *svc = r->v[col(CP_T2, "service")], *kind = r->v[col(CP_T2, "serviceKind")],
			   *freq = r->v[col(CP_T2, "frequency")], *prov = r->v[col(CP_T2, "provider")],
			   *pcode = r->v[col(CP_T2, "providerCode")];
		if (kind[0])
			json_object_set_new(detail, "code", json_pack("{s:s}", "text", kind));
		json_t *gl = json_array();
		if (surl)
			json_array_append_new(gl, json_pack("{s:s}", "reference", surl));
		if (lurl)
			json_array_append_new(gl, json_pack("{s:s}", "reference", lurl));
		if (json_array_size(gl))
			json_object_set_new(detail, "goal", gl);
		else
			json_decref(gl);
		if (freq[0])
			json_object_set_new(detail, "scheduledString", json_string(freq));
		if (prov[0] || pcode[0]) {
			json_t *perf = json_object();
			if (prov[0])
				json_object_set_new(perf, "display", json_string(prov));
			if (pcode[0])
				json_object_set_new(
					perf, "identifier",
					json_pack("{s:s, s:s}", "system", CAREPLAN_PROVIDER_SYS, "value", pcode));
			json_object_set_new(detail, "performer", json_pack("[o]", perf));
		}
		if (svc[0])
			json_object_set_new(detail, "description", json_string(svc));
		json_array_append_new(acts,
				      json_pack("{s:[o], s:o}", "extension", row_ext(CP_T2, r), "detail", detail));
	}
	free(long_key);
	free(short_key);
	free(long_url);
	free(short_url);
	for (size_t i = 0; i < p->n[CP_T3]; i++) {
		const struct cp_row *r = &p->rows[CP_T3][i];
		static const char *const kinds[] = {"", "サービス", "主な日常生活上の活動", "週単位以外のサービス"};
		const char *k = r->v[col(CP_T3, "kind")], *kind = r->v[col(CP_T3, "serviceKind")];
		int ki = k[0] >= '1' && k[0] <= '3' ? k[0] - '0' : 0;
		json_t *detail =
			json_pack("{s:s, s:{s:s}}", "status", "scheduled", "code", "text", kind[0] ? kind : kinds[ki]);
		set_if(detail, "scheduledTiming", week_timing(r));
		const char *prov = r->v[col(CP_T3, "provider")], *content = r->v[col(CP_T3, "content")];
		if (prov[0])
			json_object_set_new(detail, "performer", json_pack("[{s:s}]", "display", prov));
		if (content[0])
			json_object_set_new(detail, "description", json_string(content));
		json_array_append_new(acts,
				      json_pack("{s:[o], s:o}", "extension", row_ext(CP_T3, r), "detail", detail));
	}
	if (json_array_size(goal_refs))
		json_object_set_new(cp, "goal", goal_refs);
	else
		json_decref(goal_refs);
	if (json_array_size(acts))
		json_object_set_new(cp, "activity", acts);
	else
		json_decref(acts);
	json_t *req = existing_id ? json_pack("{s:s, s:s}", "method", "PUT", "url", "")
				  : json_pack("{s:s, s:s}", "method", "POST", "url", "CarePlan");
	if (existing_id)
		json_object_set_new(req, "url", json_sprintf("CarePlan/%s", existing_id));
	json_array_append_new(entries,
			      json_pack("{s:s, s:o, s:o}", "fullUrl", plan_url, "resource", cp, "request", req));
	size_t i;
	json_t *g;
	json_array_foreach((json_t *)old_goals, i, g) json_array_append_new(
		entries, json_pack("{s:{s:s, s:s}}", "request", "method", "DELETE", "url", json_string_value(g)));
	/* the summary on the timeline */
	json_t *post =
		json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:[{s:s}], s:[{s:s}]}", "resourceType", "Communication",
			  "status", "completed", "category", "text", CAREPLAN_POST_CATEGORY, "subject", "reference",
			  patient, "sent", now, "about", "reference", plan_url, "payload", "contentString", summary);
	if (sender || sender_display) {
		json_t *s = json_object();
		if (sender)
			json_object_set_new(s, "reference", json_string(sender));
		if (sender_display)
			json_object_set_new(s, "display", json_string(sender_display));
		json_object_set_new(post, "sender", s);
	}
	json_array_append_new(entries, json_pack("{s:s, s:o, s:{s:s, s:s}}", "fullUrl",
						 "urn:uuid:00000000-0000-4000-8000-999999999999", "resource", post,
						 "request", "method", "POST", "url", "Communication"));
	return json_pack("{s:s, s:s, s:o}", "resourceType", "Bundle", "type", "transaction", "entry", entries);
}
