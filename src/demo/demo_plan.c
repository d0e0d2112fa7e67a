/* demo_plan.c — a care plan for the demo's care teams (see demo_plan.h). */
#include "demo/demo_plan.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "collab/careplan.h"
#include "core/time.h"

struct member {
	char code[16], kind[24], name[96];
};

/* The facilities of the person's care teams (at most 8). */
static enum rk_status members_of(struct fhir_ctx *ctx, const char *regional, struct member *m, size_t *n,
				 struct rk_err *err)
{
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(ctx->store,
			      "SELECT DISTINCT f.facility_code, f.kind, f.name FROM care_team_member m "
			      "JOIN facility f ON f.facility_code = m.facility_code WHERE m.regional_id = ? "
			      "AND m.active = 1 ORDER BY f.facility_code",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional));
	bool row = false;
	while (*n < 8 && (rc = store_step(st, &row, err)) == RK_OK && row) {
		str_copy(m[*n].code, sizeof m[*n].code, store_col_text(st, 0));
		str_copy(m[*n].kind, sizeof m[*n].kind, store_col_text(st, 1));
		str_copy(m[*n].name, sizeof m[*n].name, store_col_text(st, 2));
		(*n)++;
	}
	store_done(st);
	return rc;
}

static const struct member *of_kind(const struct member *m, size_t n, const char *kind)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].kind, kind) == 0)
			return &m[i];
	return NULL;
}

/* Replace every "reference" naming a urn of urls[i] by refs[i]. */
static void rewrite(json_t *v, char urls[][64], char refs[][96], size_t n)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) rewrite(x, urls, refs, n);
		return;
	}
	if (!json_is_object(v))
		return;
	const char *key;
	json_t *x;
	json_object_foreach(v, key, x)
	{
		if (strcmp(key, "reference") == 0 && json_is_string(x)) {
			for (size_t i = 0; i < n; i++)
				if (strcmp(json_string_value(x), urls[i]) == 0)
					json_string_set(x, refs[i]);
		} else {
			rewrite(x, urls, refs, n);
		}
	}
}

static void ymd(int64_t days, char out[9])
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, 9, "%04u%02u%02u", (unsigned)(y % 10000), m % 100, d % 100);
}

#define ROW(table, r, key, val) (r)->v[cp_column_index(table, key)] = (val)

enum rk_status demo_plan_put(struct fhir_ctx *ctx, const char *patient, const char *regional, int64_t today,
			     struct rk_err *err)
{
	struct member m[8];
	size_t n;
	enum rk_status rc = members_of(ctx, regional, m, &n, err);
	const struct member *office = rc == RK_OK ? of_kind(m, n, "care_management") : NULL;
	if (!office)
		return rc;
	const struct member *nursing = of_kind(m, n, "home_nursing"), *helper = of_kind(m, n, "care_service");
	unsigned variant = 0;
	for (const char *p = regional; *p; p++)
		variant = variant * 31 + (unsigned char)*p;
	char created[9], first[9], cert_from[9], cert_to[9], cert_date[9];
	ymd(today - 20 - variant % 40, created);
	ymd(today - 400 - variant % 300, first);
	ymd(today - 60 - variant % 30, cert_from);
	ymd(today - 75 - variant % 30, cert_date);
	ymd(today - 60 - variant % 30 + 364, cert_to);
	char level[2] = {(char)('1' + variant % 4), 0};
	char long_period[40], short_period[40];
	snprintf(long_period, sizeof long_period, "%s～%s", created, cert_to);
	char short_end[9];
	ymd(today - 20 - variant % 40 + 180, short_end);
	snprintf(short_period, sizeof short_period, "%s～%s", created, short_end);

	struct cp_plan plan = {.has_t1 = true, .quoting = CP_QUOTE_ALL};
	for (size_t k = 0; k < CP_MAX_COLS; k++)
		plan.t1.v[k] = "";
	struct cp_row *t1 = &plan.t1;
	ROW(CP_T1, t1, "csvVersion", "202304");
	ROW(CP_T1, t1, "created", created);
	ROW(CP_T1, t1, "planDate", created);
	ROW(CP_T1, t1, "firstDate", first);
	ROW(CP_T1, t1, "planKind", "3");
	ROW(CP_T1, t1, "certStatus", "1");
	ROW(CP_T1, t1, "certDate", cert_date);
	ROW(CP_T1, t1, "certFrom", cert_from);
	ROW(CP_T1, t1, "certTo", cert_to);
	ROW(CP_T1, t1, "careLevel", level);
	ROW(CP_T1, t1, "office", office->name);
	ROW(CP_T1, t1, "officeCode", office->code);
	ROW(CP_T1, t1, "assessment",
	    variant % 2 ? "本人：住み慣れた家で暮らし続けたい。家族：転倒が心配なので見守りを増やしたい。"
			: "本人：お風呂に自分の家で入りたい。家族：仕事を続けながら介護したい。");
	ROW(CP_T1, t1, "reviewOpinion", "なし");
	ROW(CP_T1, t1, "policy",
	    "転倒を防ぎ、自宅での入浴と服薬を続けられるよう、チームで支えます。緊急時は家族と主治医に連絡します。");

	struct cp_row t2[4], t3[5];
	memset(t2, 0, sizeof t2);
	memset(t3, 0, sizeof t3);
	static const char *const t2_rows[][6] = {
		/* needNo, need, longGoal, shortGoal, serviceNo, service */
		{"1", "自宅の浴槽で安全に入浴したい", "週2回、自宅で入浴できる", "介助を受けて浴槽をまたげる", "1",
		 "入浴介助・皮膚の観察"},
		{"1", "自宅の浴槽で安全に入浴したい", "週2回、自宅で入浴できる", "介助を受けて浴槽をまたげる", "2",
		 "バイタル測定・服薬確認"},
		{"2", "転ばずに家の中を歩きたい", "屋内を一人で安全に歩ける", "手すりを使って移動できる", "1",
		 "歩行訓練・住環境の助言"},
	};
	const char *kinds[] = {"訪問介護", "訪問看護", "訪問看護"};
	const struct member *by[] = {helper, nursing, nursing};
	size_t n2 = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!by[i])
			continue;
		struct cp_row *r = &t2[n2++];
		for (size_t k = 0; k < CP_MAX_COLS; k++)
			r->v[k] = "";
		ROW(CP_T2, r, "csvVersion", "202304");
		ROW(CP_T2, r, "created", created);
		ROW(CP_T2, r, "planDate", created);
		ROW(CP_T2, r, "needNo", t2_rows[i][0]);
		ROW(CP_T2, r, "need", t2_rows[i][1]);
		ROW(CP_T2, r, "goalNo", "1");
		ROW(CP_T2, r, "longGoal", t2_rows[i][2]);
		ROW(CP_T2, r, "shortGoal", t2_rows[i][3]);
		ROW(CP_T2, r, "longPeriod", long_period);
		ROW(CP_T2, r, "shortPeriod", short_period);
		ROW(CP_T2, r, "serviceNo", t2_rows[i][4]);
		ROW(CP_T2, r, "service", t2_rows[i][5]);
		ROW(CP_T2, r, "insured", "1");
		ROW(CP_T2, r, "serviceKind", kinds[i]);
		ROW(CP_T2, r, "providerCode", by[i]->code);
		ROW(CP_T2, r, "provider", by[i]->name);
		ROW(CP_T2, r, "frequency", i == 0 ? "週2回" : "週1回");
		ROW(CP_T2, r, "duration", short_period);
	}
	static const char *const t3_rows[][5] = {
		/* kind, days, start, end, content */
		{"1", "月木", "1000", "1100", "入浴介助"},   {"1", "水", "1400", "1500", "訪問看護"},
		{"2", "", "0700", "0800", "起床・朝食"},     {"2", "", "2100", "2130", "就寝"},
		{"3", "", "", "", "福祉用具貸与（手すり）"},
	};
	const struct member *t3_by[] = {helper, nursing, NULL, NULL, NULL};
	size_t n3 = 0;
	for (size_t i = 0; i < 5; i++) {
		if (i < 2 && !t3_by[i])
			continue;
		struct cp_row *r = &t3[n3++];
		for (size_t k = 0; k < CP_MAX_COLS; k++)
			r->v[k] = "";
		ROW(CP_T3, r, "csvVersion", "202304");
		ROW(CP_T3, r, "created", created);
		ROW(CP_T3, r, "kind", t3_rows[i][0]);
		ROW(CP_T3, r, "days", t3_rows[i][1]);
		ROW(CP_T3, r, "start", t3_rows[i][2]);
		ROW(CP_T3, r, "end", t3_rows[i][3]);
		ROW(CP_T3, r, "content", t3_rows[i][4]);
		ROW(CP_T3, r, "serviceKind", i == 0 ? "訪問介護" : i == 1 ? "訪問看護" : "");
		ROW(CP_T3, r, "provider", t3_by[i] ? t3_by[i]->name : "");
	}
	plan.rows[CP_T2] = t2;
	plan.n[CP_T2] = n2;
	plan.rows[CP_T3] = t3;
	plan.n[CP_T3] = n3;
	if ((rc = cp_check(&plan, err)) != RK_OK)
		return rc;

	char subject[96], sent[40], display[160];
	snprintf(subject, sizeof subject, "Patient/%.80s", patient);
	snprintf(sent, sizeof sent, "%.4s-%.2s-%.2sT17:30:00+09:00", created, created + 4, created + 6);
	snprintf(display, sizeof display, "%s（ケアマネジャー）", office->name);
	json_t *none = json_array();
	char summary[128];
	snprintf(summary, sizeof summary, "ケアプランを作成しました（第2表 %zu件、週間 %zu コマ）", n2,
		 cp_week_blocks(&plan));
	json_t *b = careplan_bundle(&plan, subject, NULL, NULL, none, NULL, display, sent, summary);
	json_decref(none);
	if (!b)
		return rk_fail(err, RK_TOO_LARGE, "demo: out of memory building a care plan");
	json_t *entries = json_object_get(b, "entry");
	size_t ne = json_array_size(entries);
	char urls[16][64], refs[16][96], ids[16][96], types[16][24];
	if (ne > 16) {
		json_decref(b);
		return rk_fail(err, RK_INTERNAL, "demo: a care plan of %zu entries", ne);
	}
	size_t goals = 0;
	for (size_t i = 0; i < ne; i++) {
		json_t *e = json_array_get(entries, i);
		const char *type = json_string_value(json_object_get(json_object_get(e, "resource"), "resourceType"));
		snprintf(urls[i], sizeof urls[i], "%s", json_string_value(json_object_get(e, "fullUrl")));
		snprintf(types[i], sizeof types[i], "%s", type ? type : "");
		if (type && strcmp(type, "Goal") == 0)
			snprintf(ids[i], sizeof ids[i], "cpgoal-%.40s-%zu", regional, ++goals);
		else if (type && strcmp(type, "CarePlan") == 0)
			snprintf(ids[i], sizeof ids[i], "careplan-%.40s", regional);
		else
			snprintf(ids[i], sizeof ids[i], "post-%.40s-plan", regional);
		snprintf(refs[i], sizeof refs[i], "%s/%s", types[i], ids[i]);
	}
	const char *actor = ctx->actor_facility;
	ctx->actor_facility = office->code; /* the plan is the care management office's record */
	for (size_t i = 0; i < ne && rc == RK_OK; i++) {
		json_t *res = json_object_get(json_array_get(entries, i), "resource");
		rewrite(res, urls, refs, ne);
		json_object_set_new(res, "id", json_string(ids[i]));
		struct fhir_result out;
		rc = fhir_update(ctx, fhir_resource_find(types[i], strlen(types[i])), str_c(ids[i]), res, 0, &out, err);
		arena_reset(ctx->arena);
	}
	ctx->actor_facility = actor;
	json_decref(b);
	return rc;
}
