/* demo_forms.c — the care team's forms of the demo region (see demo_forms.h). */
#include "demo/demo_forms.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collab/forms.h"
#include "core/json.h"
#include "core/time.h"

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)rng_below(r, n);
}

/* "YYYY-MM-DDTHH:MM:00+09:00" of a minute since 1970 (Japan's local time). */
static void stamp(int64_t minute, char out[40])
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(minute / 1440, &y, &m, &d);
	snprintf(out, 40, "%04lld-%02u-%02uT%02u:%02u:00+09:00", (long long)y, m, d, (unsigned)(minute % 1440 / 60),
		 (unsigned)(minute % 60));
}

static json_t *code(const char *c)
{
	return json_pack("{s:{s:s}}", "valueCoding", "code", c);
}

static json_t *text(const char *s)
{
	return json_pack("{s:s}", "valueString", s);
}

/* A group of items: pairs of (linkId, answer) until NULL. */
static json_t *group(const char *link, ...)
{
	json_t *items = json_array();
	va_list ap;
	va_start(ap, link);
	for (const char *l; (l = va_arg(ap, const char *));) {
		json_t *ans = va_arg(ap, json_t *);
		json_array_append_new(items, json_pack("{s:s, s:[o]}", "linkId", l, "answer", ans));
	}
	va_end(ap);
	return json_pack("{s:s, s:o}", "linkId", link, "item", items);
}

static json_t *facesheet(struct rng *r, int64_t today, const char *subject, const char *author, bool revised)
{
	static const char *const lives[] = {"長女夫婦と同居。日中は独居。", "夫と二人暮らし。夫も要支援1。",
					    "独居。近所に次男が住み、週末に訪問。"};
	static const char *const wishes[] = {"住み慣れた家で暮らし続けたい。",
					     "自分で歩いてトイレに行けるようになりたい。", "畑仕事を続けたい。"};
	unsigned who = below(r, 3), level = 4 + below(r, 3);
	char accepted[16], lvl[4], adl[4];
	int64_t y;
	unsigned m, d;
	time_civil_from_days(today - 90 - below(r, 20), &y, &m, &d);
	snprintf(accepted, sizeof accepted, "%04lld-%02u-%02u", (long long)y, m, d);
	snprintf(lvl, sizeof lvl, "%u", level);
	snprintf(adl, sizeof adl, "%u", revised ? 3 : 2);
	json_t *items = json_pack(
		"[o, o, o, o, o, o, o, o, o, o, o]",
		group("1", "1.1", json_pack("{s:s}", "valueDate", accepted), "1.2", code(below(r, 2) ? "2" : "3"),
		      NULL),
		group("2", "2.2", text(lives[who]), NULL), group("3", "3.1", text("後期高齢者医療"), NULL),
		group("5", "5.1", code(revised ? "4" : "3"), NULL),
		group("6", "6.1", code(below(r, 2) ? "2" : "3"), NULL),
		group("7", "7.1", text(wishes[below(r, 3)]), NULL), group("8", "8.1", code(lvl), NULL),
		group("9", "9.1", code(revised ? "5" : "1"), NULL),
		group("11", "11.2", code(adl), "11.3", code("3"), NULL), group("21", "21.1", text(lives[who]), NULL),
		group("23", "23.1",
		      text(revised ? "退院後、転倒に注意。夜間のトイレ歩行に見守りが必要。" : "特記事項なし。"), NULL));
	return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:s}, s:o}", "resourceType", "QuestionnaireResponse",
			 "questionnaire", FORMS_FACESHEET_URL, "status", revised ? "amended" : "completed", "subject",
			 "reference", subject, "author", "display", author, "item", items);
}

struct visit_plan {
	const char *kind, *display, *role_ja;
	int64_t minute;   /* start */
	unsigned minutes; /* length */
	bool vitals_all;  /* the nurse: every sign; the helper: temperature and blood pressure */
};

static json_t *visit_qr(struct rng *r, const struct visit_plan *v, const char *subject, const char *author,
			const int base[3])
{
	static const char *const nurse_notes[] = {"褥瘡（仙骨部）の処置。発赤は縮小傾向。", "服薬確認。飲み忘れなし。",
						  "下肢の浮腫軽度。水分摂取を促した。", "排便コントロール良好。"};
	static const char *const helper_notes[] = {"入浴介助。皮膚の異常なし。", "調理と掃除。食欲あり。",
						   "買物代行。本人と献立を相談。"};
	char start[40], end[40], t[16];
	stamp(v->minute, start);
	stamp(v->minute + v->minutes, end);
	json_t *vit = json_array();
	/* temperature 36.0–37.3 ℃, as a decimal of one place */
	snprintf(t, sizeof t, "36.%u", below(r, 10));
	if (below(r, 8) == 0)
		snprintf(t, sizeof t, "37.%u", below(r, 4));
	json_array_append_new(vit, json_pack("{s:s, s:[{s:o}]}", "linkId", "temp", "answer", "valueDecimal",
					     rk_json_decimal(str_c(t))));
	int sbp = base[0] + (int)below(r, 21) - 10, dbp = base[1] + (int)below(r, 11) - 5;
	json_array_append_new(vit, json_pack("{s:s, s:[{s:i}]}", "linkId", "sbp", "answer", "valueInteger", sbp));
	json_array_append_new(vit, json_pack("{s:s, s:[{s:i}]}", "linkId", "dbp", "answer", "valueInteger", dbp));
	if (v->vitals_all) {
		json_array_append_new(vit, json_pack("{s:s, s:[{s:i}]}", "linkId", "pulse", "answer", "valueInteger",
						     base[2] + (int)below(r, 13) - 6));
		json_array_append_new(vit, json_pack("{s:s, s:[{s:i}]}", "linkId", "spo2", "answer", "valueInteger",
						     95 + (int)below(r, 4)));
		json_array_append_new(vit, json_pack("{s:s, s:[{s:i}]}", "linkId", "resp", "answer", "valueInteger",
						     14 + (int)below(r, 6)));
	}
	const char *note = v->vitals_all ? nurse_notes[below(r, 4)] : helper_notes[below(r, 3)];
	json_t *items =
		json_pack("[{s:s, s:[{s:{s:s, s:s}}]}, {s:s, s:[{s:s}]}, {s:s, s:[{s:s}]}, {s:s, s:o}, "
			  "{s:s, s:[{s:s}]}]",
			  "linkId", "kind", "answer", "valueCoding", "code", v->kind, "display", v->display, "linkId",
			  "start", "answer", "valueDateTime", start, "linkId", "end", "answer", "valueDateTime", end,
			  "linkId", "vitals", "item", vit, "linkId", "notes", "answer", "valueString", note);
	return json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:{s:s}, s:o}", "resourceType", "QuestionnaireResponse",
			 "questionnaire", FORMS_VISIT_URL, "status", "completed", "subject", "reference", subject,
			 "authored", end, "author", "display", author, "item", items);
}

enum rk_status demo_forms_put(struct rng *r, int64_t today, const char *regional,
			      const struct demo_forms_member *members, size_t n, demo_forms_put_fn put, void *arg,
			      unsigned *written)
{
	const struct demo_forms_member *cm = NULL, *vn = NULL, *hh = NULL;
	for (size_t k = 0; k < n; k++) {
		if (!cm && strcmp(members[k].kind, "care_management") == 0)
			cm = &members[k];
		if (!vn && strcmp(members[k].kind, "home_nursing") == 0)
			vn = &members[k];
		if (!hh && strcmp(members[k].kind, "care_service") == 0)
			hh = &members[k];
	}
	char subject[96], id[96], author[200];
	enum rk_status rc = RK_OK;
	if (cm) { /* the face sheet, written at the first assessment and revised after a stay in hospital */
		snprintf(subject, sizeof subject, "Patient/%.47s", cm->patient);
		snprintf(id, sizeof id, "facesheet-%s", regional);
		snprintf(author, sizeof author, "%s（ケアマネジャー）", cm->name);
		struct rng keep = *r;
		for (int v = 0; v < 2 && rc == RK_OK; v++) {
			struct rng same = keep; /* the same person's facts in both versions, but what changed */
			rc = put(arg, "QuestionnaireResponse", id, facesheet(&same, today, subject, author, v == 1),
				 cm->code);
			*written += rc == RK_OK;
		}
		rng_next(r);
	}
	int base[3] = {118 + (int)below(r, 25), 68 + (int)below(r, 12), 64 + (int)below(r, 18)};
	struct visit_plan plan[5];
	size_t np = 0;
	for (int i = 0; vn && i < 3; i++) /* the nurse every three weeks or so, mornings */
		plan[np++] = (struct visit_plan){
			"nurse",
			"訪問看護",
			"訪問看護師",
			(today - 75 + i * 24 + (int64_t)below(r, 5)) * 1440 + 9 * 60 + (int64_t)below(r, 150),
			40 + below(r, 21),
			true};
	for (int i = 0; hh && i < 2; i++) /* the helper, afternoons */
		plan[np++] = (struct visit_plan){
			"helper",
			"訪問介護",
			"介護職",
			(today - 30 + i * 18 + (int64_t)below(r, 4)) * 1440 + 13 * 60 + (int64_t)below(r, 120),
			60,
			false};
	for (size_t i = 0; i < np && rc == RK_OK; i++) {
		const struct demo_forms_member *f = strcmp(plan[i].kind, "nurse") == 0 ? vn : hh;
		snprintf(author, sizeof author, "%s（%s）", f->name, plan[i].role_ja);
		snprintf(subject, sizeof subject, "Patient/%.47s", f->patient);
		snprintf(id, sizeof id, "visit-%s-%zu", regional, i);
		json_t *qr = visit_qr(r, &plan[i], subject, author, base);
		json_t *who = json_pack("{s:s}", "display", author);
		char ref[128], oid[128], sent[40];
		snprintf(ref, sizeof ref, "QuestionnaireResponse/%s", id);
		rc = put(arg, "QuestionnaireResponse", id, json_incref(qr), f->code);
		*written += rc == RK_OK;
		/* the nurse's vital signs are laboratory data too; the helper's stay in the record (docs/ACCESS.md) */
		for (size_t k = 0; plan[i].vitals_all && k < forms_vitals_len && rc == RK_OK; k++) {
			json_t *obs = forms_vital_observation(qr, k, ref, subject, who);
			if (!obs)
				continue;
			snprintf(oid, sizeof oid, "%s-%s", id, forms_vital_suffix(k));
			rc = put(arg, "Observation", oid, obs, f->code);
			*written += rc == RK_OK;
		}
		struct arena a;
		arena_init(&a, 1u << 14);
		stamp(plan[i].minute + plan[i].minutes + 5, sent);
		json_t *post = json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:O, s:[{s:s}, {s:{s:s, s:s}}]}",
					 "resourceType", "Communication", "status", "completed", "category", "text",
					 "訪問記録", "subject", "reference", subject, "sent", sent, "sender", who,
					 "payload", "contentString", forms_visit_summary(qr, &a), "contentReference",
					 "reference", ref, "display", "訪問記録");
		arena_free(&a);
		snprintf(oid, sizeof oid, "%s-post", id);
		if (rc == RK_OK)
			rc = put(arg, "Communication", oid, post, f->code);
		else
			json_decref(post);
		*written += rc == RK_OK;
		json_decref(who);
		json_decref(qr);
	}
	return rc;
}
