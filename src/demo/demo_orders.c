/* demo_orders.c — the demo's 指示書・計画書・報告書 (see demo_orders.h). */
#include "demo/demo_orders.h"

#include <stdio.h>
#include <string.h>

#include "collab/orders.h"
#include "core/str.h"
#include "core/time.h"

static void day_text(int64_t days, char out[11])
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* One document from a form, its author the facility (by name), dated date,
 * and its summary post; both the facility's records. */
static enum rk_status put_doc(void *g, demo_orders_put_fn put, const struct demo_orders_site *s, const char *regional,
			      const char *suffix, json_t *form, int64_t date_days, int *count)
{
	struct orders_form f;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = orders_check(form, &f, &err);
	if (rc != RK_OK) {
		json_decref(form);
		return rc;
	}
	char author[160];
	snprintf(author, sizeof author, "%s", s->author_name && s->author_name[0] ? s->author_name : s->name);
	json_t *c = orders_build(&f, s->patient_id, "", author, 0);
	json_decref(form);
	if (!c)
		return RK_INTERNAL;
	char day[11], date[40], id[96];
	day_text(date_days, day);
	snprintf(date, sizeof date, "%sT10:00:00+09:00", day);
	json_object_set_new(c, "date", json_string(date));
	/* a demo account of the facility (who may then sign it), else the facility without a person */
	json_object_set_new(c, "author",
			    s->author && s->author[0]
				    ? json_pack("[{s:s, s:s}]", "reference", s->author, "display", author)
				    : json_pack("[{s:s}]", "display", author));
	struct orders_doc d;
	char text[600];
	orders_parse(c, &d);
	orders_summary(&d, false, text, sizeof text);
	snprintf(id, sizeof id, "doc-%s-%s", regional, suffix);
	char subject[96], about[128];
	snprintf(subject, sizeof subject, "Patient/%s", s->patient_id);
	snprintf(about, sizeof about, "Composition/%s", id);
	if ((rc = put(g, "Composition", id, c, s->code)) != RK_OK)
		return rc;
	json_t *post =
		json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:{s:s}, s:[{s:s}], s:[{s:s}]}", "resourceType",
			  "Communication", "status", "completed", "category", "text",
			  orders_kind_info(f.kind)->category, "subject", "reference", subject, "sent", date, "sender",
			  "display", author, "payload", "contentString", text, "about", "reference", about);
	snprintf(id, sizeof id, "post-%s-%s", regional, suffix);
	if ((rc = put(g, "Communication", id, post, s->code)) == RK_OK)
		*count += 2;
	return rc;
}

enum rk_status demo_orders_team(void *g, demo_orders_put_fn put, uint64_t seed, const char *regional,
				const struct demo_orders_site *sites, size_t n, int64_t today, int *count)
{
	*count = 0;
	/* draws of their own, from the seed and the person: the rest of the region stays as it was */
	struct rng own, *rng = &own;
	rng_seed(rng, seed ^ str_hash(str_c(regional)));
	const struct demo_orders_site *doc = NULL, *vn = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(sites[i].kind, "home_nursing") == 0 && !vn)
			vn = &sites[i];
		if ((strcmp(sites[i].kind, "clinic") == 0 || strcmp(sites[i].kind, "hospital") == 0) &&
		    (!doc || strcmp(doc->kind, "hospital") == 0))
			doc = &sites[i]; /* the primary doctor: a clinic before a hospital */
	}
	if (!doc || !vn)
		return RK_OK;
	/* the 指示書: six months; a third end within the next two weeks */
	int64_t start = rng_chance(rng, 1, 3) ? today - 170 - (int64_t)rng_below(rng, 10)
					      : today - (int64_t)rng_below(rng, 150);
	int64_t y;
	unsigned m, d;
	time_civil_from_days(start, &y, &m, &d);
	int64_t ey = y + (m + 6 - 1) / 12;
	unsigned em = (m + 6 - 1) % 12 + 1, last = time_days_in_month(ey, em);
	int64_t end = time_days_from_civil(ey, em, d > last ? last : d) - (d > last ? 0 : 1);
	char s0[11], s1[11];
	day_text(start, s0);
	day_text(end, s1);
	static const char *const dx[] = {"慢性心不全", "脳梗塞後遺症", "2型糖尿病", "パーキンソン病",
					 "慢性閉塞性肺疾患"};
	static const char *const care[] = {"要介護2", "要介護3", "要介護4"};
	const char *diag = dx[rng_below(rng, 5)];
	json_t *order = json_pack(
		"{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}", "kind", "vn-order",
		"start", s0, "end", s1, "fields", "diagnosis", diag, "condition", "状態は安定。定期的な観察が必要。",
		"medication", "処方内容は診療情報提供書のとおり", "adlBedridden", rng_chance(rng, 1, 2) ? "A2" : "B1",
		"adlDementia", rng_chance(rng, 1, 2) ? "Ⅰ" : "Ⅱa", "careLevel", care[rng_below(rng, 3)], "instrLife",
		"服薬管理、バイタルサインの観察、転倒予防の指導", "emergency", doc->name, "absence",
		"当院外来へ連絡してください", "clinic", doc->name, "doctor",
		doc->author_name && doc->author_name[0] ? doc->author_name : "主治医", "station", vn->name);
	enum rk_status rc = put_doc(g, put, doc, regional, "order", order, start, count);
	/* the station's plan, and last month's report */
	json_t *plan = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "kind", "vn-plan", "fields", "goal",
				 "在宅での療養生活を続けられるよう、病状の悪化を防ぐ", "problems",
				 "服薬の飲み忘れ → お薬カレンダーの活用と訪問時の確認\n"
				 "下肢筋力の低下 → 自宅での運動の指導",
				 "author", "担当看護師", "station", vn->name);
	if (rc == RK_OK)
		rc = put_doc(g, put, vn, regional, "plan", plan, start + 3 < today ? start + 3 : today, count);
	else
		json_decref(plan);
	time_civil_from_days(today, &y, &m, &d);
	int64_t py = m == 1 ? y - 1 : y;
	unsigned pm = m == 1 ? 12 : m - 1, pl = time_days_in_month(py, pm);
	char r0[11], r1[11];
	day_text(time_days_from_civil(py, pm, 1), r0);
	day_text(time_days_from_civil(py, pm, pl), r1);
	json_t *visits = json_array();
	for (unsigned w = 0; w < 4; w++)
		json_array_append_new(visits, json_integer(1 + (json_int_t)(w * 7 + rng_below(rng, 7)) % pl));
	json_t *report =
		json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:s, s:s, s:s, s:s}}", "kind", "vn-report", "start", r0, "end",
			  r1, "visits", visits, "fields", "progress", "大きな変化なく経過しています。", "care",
			  "バイタルサインの測定、服薬確認、療養指導", "family", "家族の協力を得て在宅療養を継続中",
			  "author", "担当看護師", "station", vn->name);
	if (rc == RK_OK)
		rc = put_doc(g, put, vn, regional, "report", report, today - (int64_t)d + 1, count);
	else
		json_decref(report);
	return rc;
}
