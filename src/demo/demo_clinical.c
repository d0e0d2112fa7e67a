/* demo_clinical.c — the clinical history of a demo person (demo_clinical.h):
 * the plan of a life (chronic follow-up at a clinic and a hospital, acute
 * episodes, admissions, pharmacy dispensing, home nursing visits), written
 * through the record builders of demo_records.c. */
#include "demo/demo_clinical.h"
#include "demo/demo_records.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/time.h"
#include "model/codes.h"

/* ---- the plan of a life ---- */

static bool is_kind(const struct demo_site *s, const char *kind)
{
	return strcmp(s->kind, kind) == 0;
}

static void classify_sites(struct hist *h)
{
	h->primary = h->hospital = h->ortho = h->derm = h->eye = h->peds = h->pharmacy = h->homecare = -1;
	for (size_t i = 0; i < h->p->n; i++) {
		const struct demo_site *s = &h->p->sites[i];
		int k = (int)i;
		if (is_kind(s, "hospital") && h->hospital < 0)
			h->hospital = k;
		else if (is_kind(s, "pharmacy") && h->pharmacy < 0)
			h->pharmacy = k;
		else if (is_kind(s, "home_nursing"))
			h->homecare = k;
		else if (is_kind(s, "clinic")) {
			if (strcmp(s->specialty, "internal") == 0 && h->primary < 0)
				h->primary = k;
			else if (strcmp(s->specialty, "orthopedics") == 0)
				h->ortho = k;
			else if (strcmp(s->specialty, "dermatology") == 0)
				h->derm = k;
			else if (strcmp(s->specialty, "ophthalmology") == 0)
				h->eye = k;
			else if (strcmp(s->specialty, "pediatrics") == 0)
				h->peds = k;
		}
		unsigned docs = s->doctors ? s->doctors : 1;
		h->doctor[i] = s->doctor_first + demo_below(h->r, docs);
	}
	if (h->primary < 0)
		h->primary = h->hospital;
}

/* Chronic diseases by age band (<40, 40-64, 65-74, 75+), percent; where each is followed. */
static const struct {
	const char *dx;
	unsigned char pct[4];
	char sex;            /* 'm', 'f' or 0 */
	char where;          /* 'p' primary, 'h' hospital if any, 'o' orthopedics, 'd' dermatology, 'e' ophthalmology */
	const char *meds[3]; /* alternatives; the first drawn is prescribed */
} chronic[] = {
	{"hypertension", {3, 25, 45, 60}, 0, 'p', {"amlodipine", "candesartan", "nifedipine"}},
	{"diabetes", {1, 10, 17, 20}, 0, 'p', {"glimepiride", "pioglitazone", NULL}},
	{"dyslipidemia", {4, 22, 30, 28}, 0, 'p', {"pravastatin", "atorvastatin", NULL}},
	{"hyperuricemia", {5, 12, 12, 10}, 'm', 'p', {"allopurinol", NULL, NULL}},
	{"reflux_esophagitis", {4, 8, 10, 12}, 0, 'p', {"lansoprazole", "vonoprazan", "famotidine"}},
	{"insomnia", {2, 5, 10, 15}, 0, 'p', {"zolpidem", NULL, NULL}},
	{"iron_deficiency_anemia", {5, 5, 3, 4}, 'f', 'p', {"ferrous", NULL, NULL}},
	{"ckd", {0, 3, 10, 22}, 0, 'h', {NULL, NULL, NULL}},
	{"heart_failure", {0, 1, 4, 12}, 0, 'h', {"carvedilol", NULL, NULL}},
	{"angina", {0, 2, 5, 7}, 0, 'h', {NULL, NULL, NULL}},
	{"alzheimer", {0, 0, 3, 15}, 0, 'h', {"donepezil", NULL, NULL}},
	{"osteoporosis", {0, 4, 20, 35}, 'f', 'o', {"alfacalcidol", NULL, NULL}},
	{"knee_oa", {0, 5, 15, 25}, 0, 'o', {NULL, NULL, NULL}},
	{"bph", {0, 5, 15, 20}, 'm', 'p', {NULL, NULL, NULL}},
	{"cataract", {0, 5, 35, 55}, 0, 'e', {NULL, NULL, NULL}},
	{"atopic_dermatitis", {25, 10, 3, 2}, 0, 'd', {"fexofenadine", NULL, NULL}},
};

static int site_for(const struct hist *h, char where)
{
	switch (where) {
	case 'h': return h->hospital >= 0 ? h->hospital : h->primary;
	case 'o': return h->ortho >= 0 ? h->ortho : -1;
	case 'd': return h->derm;
	case 'e': return h->eye;
	default: return h->primary;
	}
}

static void draw_conditions(struct hist *h)
{
	unsigned age = h->p->age;
	size_t band = age < 40 ? 0 : age < 65 ? 1 : age < 75 ? 2 : 3;
	bool dm = false;
	for (size_t i = 0; i < sizeof chronic / sizeof chronic[0] && h->n_conds < MAX_CONDITIONS; i++) {
		unsigned pct = chronic[i].pct[band];
		if (age < 20 && strcmp(chronic[i].dx, "atopic_dermatitis") != 0)
			continue;
		if (chronic[i].sex && chronic[i].sex != (h->p->male ? 'm' : 'f'))
			pct /= 5;
		if (strcmp(chronic[i].dx, "ckd") == 0 && dm)
			pct += 15;
		if (strcmp(chronic[i].dx, "alzheimer") == 0 && age >= 85)
			pct += 12;
		int s = site_for(h, chronic[i].where);
		if (s < 0 && chronic[i].where == 'o' && strcmp(chronic[i].dx, "osteoporosis") == 0)
			s = h->primary;
		if (s < 0 || !demo_chance(h->r, pct))
			continue;
		struct cond *c = &h->conds[h->n_conds];
		c->dx = codes_diagnoses_find(chronic[i].dx);
		c->site = s;
		c->fresh = demo_chance(h->r, 35);
		unsigned alts = 0;
		while (alts < 3 && chronic[i].meds[alts])
			alts++;
		c->meds[0] = alts ? chronic[i].meds[demo_below(h->r, alts)] : NULL;
		c->meds[1] = NULL;
		if (strcmp(chronic[i].dx, "hypertension") == 0 && age >= 70 && demo_chance(h->r, 30))
			c->meds[1] = strcmp(c->meds[0], "candesartan") == 0 ? "amlodipine" : "candesartan";
		if (strcmp(chronic[i].dx, "heart_failure") == 0)
			c->meds[1] = "torasemide";
		dm |= strcmp(chronic[i].dx, "diabetes") == 0;
		h->n_conds++;
	}
}

static bool has_dx(const struct hist *h, const char *key, int site)
{
	for (size_t i = 0; i < h->n_conds; i++)
		if (strcmp(h->conds[i].dx->key, key) == 0 && (site < 0 || h->conds[i].site == site))
			return true;
	return false;
}

static void init_trends(struct hist *h)
{
	demo_init_labs(h);
	h->dm = has_dx(h, "diabetes", -1);
	h->dl = has_dx(h, "dyslipidemia", -1);
	h->ckd = has_dx(h, "ckd", -1);
	h->hf = has_dx(h, "heart_failure", -1);
	h->hu = has_dx(h, "hyperuricemia", -1);
	h->anemia = has_dx(h, "iron_deficiency_anemia", -1);
	h->a1c_lo = demo_uniform(h->r, 6.6, 7.4);
	h->a1c_hi = h->a1c_lo + demo_uniform(h->r, 1.4, 2.6);
	h->ldl_lo = demo_uniform(h->r, 95, 125);
	h->ldl_hi = demo_uniform(h->r, 160, 195);
	h->ua_lo = demo_uniform(h->r, 5.6, 6.4);
	h->ua_hi = demo_uniform(h->r, 8.2, 9.4);
	h->hb_lo = demo_uniform(h->r, 9.0, 10.4);
	h->egfr0 = demo_uniform(h->r, 47, 58);
	h->egfr_slope = -demo_uniform(h->r, 3.0, 5.5) - (h->dm ? 2.0 : 0);
	h->egfr_day0 = h->p->today - 3 * 365;
	h->bnp_base = demo_uniform(h->r, 110, 420);
	h->sbp_hi = demo_uniform(h->r, 150, 168);
	/* Long-demo_treated conditions sit at their demo_treated level from the start. */
	h->dm_start = h->dl_start = h->hu_start = h->an_start = -1000000;
}

static bool allergic_to(const struct hist *h, const char *med)
{
	for (size_t i = 0; i < h->n_allergies; i++)
		if (strcmp(h->allergies[i]->key, med) == 0)
			return true;
	return false;
}

/* The lab panel of a follow-up visit at site s. */
static size_t panel_keys(const struct hist *h, int s, const char **keys, bool blood_count)
{
	size_t n = 0;
	static const char *const base[] = {"alt", "cre", "egfr"};
	for (size_t i = 0; i < 3; i++)
		keys[n++] = base[i];
	if (has_dx(h, "ckd", s) || has_dx(h, "heart_failure", s) || has_dx(h, "hypertension", s))
		keys[n++] = "k";
	if (has_dx(h, "diabetes", s)) {
		keys[n++] = "hba1c";
		keys[n++] = "glucose";
	}
	if (has_dx(h, "dyslipidemia", s)) {
		keys[n++] = "ldl";
		keys[n++] = "hdl";
		keys[n++] = "tg";
	}
	if (has_dx(h, "hyperuricemia", s))
		keys[n++] = "ua";
	if (has_dx(h, "ckd", s))
		keys[n++] = "bun";
	if (has_dx(h, "heart_failure", s)) {
		keys[n++] = "bnp";
		keys[n++] = "na";
	}
	if (blood_count || has_dx(h, "iron_deficiency_anemia", s) || has_dx(h, "ckd", s))
		keys[n++] = "hb";
	if (blood_count)
		keys[n++] = "wbc";
	return n;
}

static double blood_pressure(struct hist *h, int64_t day, int64_t start, bool hypertensive, double *dbp)
{
	double sbp = hypertensive ? demo_treated(h->sbp_hi, 131, start, day, 60) : 118 + 0.25 * h->p->age;
	sbp += demo_gauss(h->r, 7);
	*dbp = sbp * 0.6 + demo_gauss(h->r, 4);
	return sbp;
}

/* Imaging done when a chronic condition is first seen at site s. */
static enum rk_status first_visit_imaging(struct hist *h, int s, const char *enc, int64_t day)
{
	enum rk_status rc = RK_OK;
	if (has_dx(h, "alzheimer", s))
		rc = demo_put_imaging(
			h, s, enc, "MR", day, "頭部MRI",
			"両側海馬の萎縮を認める。明らかな新規梗塞巣なし。アルツハイマー型認知症に矛盾しない所見。");
	if (rc == RK_OK && has_dx(h, "heart_failure", s))
		rc = demo_put_imaging(h, s, enc, "US", day, "心臓超音波検査",
				      "左室駆出率 約40%。左室壁運動のびまん性低下。中等度の僧帽弁逆流。");
	if (rc == RK_OK && has_dx(h, "angina", s))
		rc = demo_put_imaging(h, s, enc, "CT", day, "冠動脈CT",
				      "左前下行枝近位部に50〜75%の狭窄を認める。石灰化は軽度。");
	if (rc == RK_OK && has_dx(h, "knee_oa", s))
		rc = demo_put_imaging(h, s, enc, "CR", day, "膝関節X線（両側２方向）",
				      "両膝関節の内側関節裂隙の狭小化と骨棘形成を認める（K-L分類 grade 2〜3）。");
	return rc;
}

/* Follow-up of the chronic conditions managed at site s: visits, vital signs, labs, prescriptions. */
static enum rk_status chronic_series(struct hist *h, int s)
{
	size_t idx[MAX_CONDITIONS], n = 0;
	for (size_t i = 0; i < h->n_conds; i++)
		if (h->conds[i].site == s)
			idx[n++] = i;
	if (!n)
		return RK_OK;
	const struct demo_site *site = &h->p->sites[s];
	bool hosp = is_kind(site, "hospital");
	bool internal = hosp || strcmp(site->specialty, "internal") == 0;
	/* Long-term prescriptions of 4, 8 or 12 weeks set the rhythm of the visits. */
	unsigned draw = demo_below(h->r, 100);
	unsigned interval = hosp       ? (has_dx(h, "heart_failure", s) ? 56 : 84)
			    : internal ? (draw < 25   ? 28
					  : draw < 70 ? 56
						      : 84)
				       : 56;
	if (strcmp(site->specialty, "ophthalmology") == 0)
		interval = 84;
	/* Labs about every three months: every third, second or single visit. */
	unsigned lab_every = interval == 28 ? 3 : interval == 56 ? 2 : 1;
	int64_t today = h->p->today, first = today - 365 - demo_below(h->r, 366);
	bool fresh_ht = false;
	for (size_t i = 0; i < n; i++) {
		struct cond *c = &h->conds[idx[i]];
		if (!c->fresh)
			continue;
		const char *k = c->dx->key;
		if (strcmp(k, "diabetes") == 0)
			h->dm_start = first;
		else if (strcmp(k, "dyslipidemia") == 0)
			h->dl_start = first;
		else if (strcmp(k, "hyperuricemia") == 0)
			h->hu_start = first;
		else if (strcmp(k, "iron_deficiency_anemia") == 0)
			h->an_start = first;
		else if (strcmp(k, "hypertension") == 0)
			fresh_ht = true;
	}
	bool hypertensive = has_dx(h, "hypertension", s);
	enum rk_status rc = RK_OK;
	for (unsigned k = 0; rc == RK_OK; k++) {
		int64_t day = first + (int64_t)k * interval + demo_below(h->r, 4);
		if (day >= today)
			break;
		bool last = day + interval >= today;
		unsigned minute = 9 * 60 + demo_below(h->r, 7 * 60);
		char enc[64];
		rc = demo_put_encounter(h, s, "AMB", day, minute, 0, k == 0 ? "定期受診" : NULL, enc);
		for (size_t i = 0; i < n && k == 0 && rc == RK_OK; i++) {
			struct cond *c = &h->conds[idx[i]];
			int64_t onset = c->fresh ? first : first - 200 - demo_below(h->r, 365 * 8);
			rc = demo_put_condition(h, s, c->dx, onset, first, -1, NULL, c->id);
		}
		if (rc == RK_OK && k == 0)
			rc = first_visit_imaging(h, s, enc, day);
		if (rc == RK_OK && internal && (hypertensive || k % 3 == 0)) {
			double dbp, sbp = blood_pressure(h, day, fresh_ht ? first : -1000000, hypertensive, &dbp);
			rc = demo_put_bp(h, s, enc, day, minute + 5, sbp, dbp, json_pack("[o]", demo_doctor_ref(h, s)));
		}
		bool labs = internal ? k % lab_every == 0 : has_dx(h, "osteoporosis", s) && k % 3 == 0;
		if (rc == RK_OK && labs) {
			const char *keys[24];
			size_t nk = internal ? panel_keys(h, s, keys, hosp) : 0;
			if (!internal) {
				keys[nk++] = "ca";
				keys[nk++] = "alp";
				keys[nk++] = "cre";
				keys[nk++] = "egfr";
			}
			rc = demo_put_panel(h, s, enc, day, keys, nk, 0);
		}
		for (size_t i = 0; i < n && rc == RK_OK; i++)
			for (size_t j = 0; j < 2 && rc == RK_OK; j++) {
				const char *mk = h->conds[idx[i]].meds[j];
				if (!mk)
					continue;
				const struct codes_medicine *m = codes_medicines_find(mk);
				unsigned days = m->days && m->days < interval ? m->days : interval;
				struct rx x = {m, days, "OHO", h->conds[idx[i]].id, last};
				rc = demo_put_oral_rx(h, s, enc, &x, day, minute + 15);
			}
	}
	return rc;
}

/* Acute illnesses seen as outpatients, by the kind of facility. */
static const struct acute {
	const char *dx;
	const char *where; /* specialties that see it */
	unsigned weight;
	const char *reason; /* 主訴 */
	const char *meds[2];
	unsigned days_to_heal;
	double fever; /* body temperature, 0 = not measured */
} acutes[] = {
	{"upper_respiratory_infection",
	 "internal general pediatrics",
	 40,
	 "咽頭痛・鼻汁",
	 {"carbocisteine", "dextromethorphan"},
	 7,
	 37.6},
	{"acute_bronchitis",
	 "internal general pediatrics",
	 20,
	 "咳嗽・喀痰",
	 {"clarithromycin", "carbocisteine"},
	 14,
	 37.9},
	{"influenza", "internal general pediatrics", 15, "発熱・関節痛", {"oseltamivir", NULL}, 7, 38.9},
	{"covid19", "internal general pediatrics", 10, "発熱・咽頭痛", {"dextromethorphan", NULL}, 10, 38.2},
	{"gastritis", "internal general", 10, "心窩部痛", {"famotidine", NULL}, 21, 0},
	{"colitis", "internal general pediatrics", 5, "下痢・腹痛", {"clostridium", NULL}, 7, 37.4},
	{"lumbago", "orthopedics", 60, "腰痛", {"eperisone", NULL}, 30, 0},
	{"distal_radius_fracture", "orthopedics", 40, "転倒後の手関節痛", {NULL, NULL}, 60, 0},
	{"herpes_zoster", "dermatology", 45, "片側性の疼痛を伴う皮疹", {"valaciclovir", NULL}, 21, 0},
	{"urticaria", "dermatology", 55, "膨疹・そう痒", {"fexofenadine", NULL}, 14, 0},
	{"cataract", "ophthalmology", 100, "視力低下・かすみ目", {NULL, NULL}, 0, 0},
};

static enum rk_status acute_episode(struct hist *h, int s)
{
	const struct demo_site *site = &h->p->sites[s];
	const char *spec = is_kind(site, "hospital") ? "general" : site->specialty;
	unsigned total = 0;
	for (size_t i = 0; i < sizeof acutes / sizeof acutes[0]; i++)
		if (strstr(acutes[i].where, spec))
			total += acutes[i].weight;
	if (!total)
		return RK_OK;
	unsigned x = demo_below(h->r, total);
	const struct acute *a = &acutes[0];
	for (size_t i = 0; i < sizeof acutes / sizeof acutes[0]; i++)
		if (strstr(acutes[i].where, spec)) {
			if (x < acutes[i].weight) {
				a = &acutes[i];
				break;
			}
			x -= acutes[i].weight;
		}
	if (strcmp(a->dx, "gastritis") == 0 && h->p->age < 15)
		a = &acutes[0];
	int64_t day = h->p->today - 8 - demo_below(h->r, 1000);
	unsigned minute = 9 * 60 + demo_below(h->r, 8 * 60);
	char enc[64], cond[64];
	enum rk_status rc = demo_put_encounter(h, s, "AMB", day, minute, 0, a->reason, enc);
	if (rc == RK_OK && a->fever > 0)
		rc = demo_put_vital(h, s, enc, "temp", day, minute + 3,
				    demo_round_to(a->fever + demo_gauss(h->r, 0.3), 1),
				    json_pack("[o]", demo_doctor_ref(h, s)));
	if (rc == RK_OK && strcmp(a->dx, "acute_bronchitis") == 0)
		rc = demo_put_vital(h, s, enc, "spo2", day, minute + 4, 95 + demo_below(h->r, 4),
				    json_pack("[o]", demo_doctor_ref(h, s)));
	const struct codes_diagnosis *dx = codes_diagnoses_find(a->dx);
	int64_t healed = a->days_to_heal ? day + a->days_to_heal : -1;
	if (healed >= h->p->today)
		healed = -1;
	if (rc == RK_OK)
		rc = demo_put_condition(h, s, dx, day - 1 - demo_below(h->r, 3), day, healed, enc, cond);
	if (rc == RK_OK && is_kind(site, "hospital") && a->fever > 0) {
		static const char *const keys[] = {"wbc", "crp", "ast", "alt", "cre", "egfr"};
		rc = demo_put_panel(h, s, enc, day, keys, 6, 0.25);
	}
	if (rc == RK_OK && strcmp(a->dx, "lumbago") == 0)
		rc = demo_put_imaging(h, s, enc, "CR", day, "腰椎X線（２方向）",
				      "腰椎に軽度の変形性変化。椎体骨折なし。すべりなし。");
	if (rc == RK_OK && strcmp(a->dx, "distal_radius_fracture") == 0) {
		rc = demo_put_imaging(h, s, enc, "CR", day, "手関節X線（２方向）",
				      "橈骨遠位端骨折。背側転位は軽度。関節内骨折なし。");
		if (rc == RK_OK)
			rc = demo_put_procedure(h, s, enc, "ギプス固定（前腕）", "前腕・手関節", day, cond);
	}
	for (size_t i = 0; i < 2 && rc == RK_OK && h->p->age >= 15; i++) {
		const char *mk = a->meds[i];
		if (!mk)
			continue;
		if (allergic_to(h, mk))
			mk = strcmp(mk, "clarithromycin") == 0 ? "cefcapene" : "clarithromycin";
		if (allergic_to(h, mk))
			continue;
		const struct codes_medicine *m = codes_medicines_find(mk);
		struct rx order = {m, m->days ? m->days : 7, "OHO", cond, false};
		rc = demo_put_oral_rx(h, s, enc, &order, day, minute + 15);
	}
	return rc;
}

/* A letter (診療情報提供書) from site s to site t about the person. */
static void referral_letter(struct hist *h, struct buf *b, int s, int t, int64_t day, const char *purpose,
			    const char *diagnosis, const char *history)
{
	char date[32];
	demo_fmt_date_ja(date, day);
	buf_printf(b, "診療情報提供書\n\n%s\n%s 御中\n\n紹介元: %s\n\n患者氏名: %s 様（%s生、%s）\n\n", date,
		   h->p->sites[t].name, h->p->sites[s].name, h->p->name, h->p->birth, h->p->male ? "男性" : "女性");
	buf_printf(b, "傷病名: %s\n\n紹介目的: %s\n\n既往歴・経過:\n%s\n\n", diagnosis, purpose, history);
	buf_puts(b, "現在の治療:\n");
	bool any = false;
	for (size_t i = 0; i < h->n_conds; i++) {
		const struct cond *c = &h->conds[i];
		if (c->site != s)
			continue;
		buf_printf(b, "・%s", c->dx->ja);
		for (size_t j = 0; j < 2; j++)
			if (c->meds[j])
				buf_printf(b, " %s", codes_medicines_find(c->meds[j])->name);
		buf_puts(b, "\n");
		any = true;
	}
	if (!any)
		buf_puts(b, "・なし\n");
	buf_puts(b, "\nアレルギー: ");
	for (size_t i = 0; i < h->n_allergies; i++)
		buf_printf(b, "%s%s（%s）", i ? "、" : "", h->allergies[i]->ja, h->allergies[i]->reaction);
	buf_printf(b, "%s\n\nご高診のほど、よろしくお願い申し上げます。\n", h->n_allergies ? "" : "なし");
}

static const struct admission {
	const char *dx;
	unsigned min_age;
	const char *reason, *imaging_modality, *imaging, *finding, *procedure, *body;
	const char *injections[2];
	unsigned per_day[2];
	unsigned min_days, max_days;
	const char *discharge_meds[2];
	const char *course;
} admissions[] = {
	{"pneumonia",
	 60,
	 "発熱・呼吸困難",
	 "CT",
	 "胸部CT",
	 "右下葉に浸潤影と気管支透亮像を認める。胸水少量。",
	 NULL,
	 NULL,
	 {"ceftriaxone", "saline"},
	 {1, 1},
	 8,
	 14,
	 {"carbocisteine", NULL},
	 "セフトリアキソン点滴にて解熱し、炎症反応は改善した。酸素投与は第４病日に終了した。"},
	{"appendicitis",
	 10,
	 "右下腹部痛・発熱",
	 "CT",
	 "腹部造影CT",
	 "虫垂の腫大（径12mm）と周囲脂肪織濃度上昇を認める。膿瘍形成なし。",
	 "腹腔鏡下虫垂切除術",
	 "虫垂",
	 {"cefmetazole", "lactated_ringer"},
	 {2, 1},
	 4,
	 7,
	 {NULL, NULL},
	 "入院当日に腹腔鏡下虫垂切除術を施行。術後経過は良好で、食事摂取も問題なし。"},
	{"femoral_neck_fracture",
	 75,
	 "転倒後の股関節痛・歩行不能",
	 "CR",
	 "股関節X線（２方向）",
	 "大腿骨頚部骨折（Garden分類 stage III）。",
	 "人工骨頭挿入術（股関節）",
	 "股関節",
	 {"cefmetazole", "tranexamic"},
	 {2, 1},
	 18,
	 28,
	 {"alfacalcidol", "eperisone"},
	 "第２病日に人工骨頭挿入術を施行。術後翌日よりリハビリテーションを開始し、杖歩行が可能となった。"},
	{"heart_failure",
	 65,
	 "呼吸困難・下腿浮腫",
	 "CR",
	 "胸部X線",
	 "心拡大（CTR 58%）。両側肺うっ血と少量の胸水を認める。",
	 NULL,
	 NULL,
	 {"saline", NULL},
	 {1, 0},
	 10,
	 18,
	 {"carvedilol", "torasemide"},
	 "利尿薬の調整と塩分制限により体重は３kg減少し、浮腫と呼吸困難は改善した。"},
};

static enum rk_status admission(struct hist *h)
{
	int s = h->hospital;
	unsigned age = h->p->age;
	const struct admission *a = NULL;
	for (int tries = 0; tries < 6 && !a; tries++) {
		const struct admission *c = &admissions[demo_below(h->r, sizeof admissions / sizeof admissions[0])];
		if (age >= c->min_age && (strcmp(c->dx, "heart_failure") != 0 || h->hf))
			a = c;
	}
	if (!a)
		return RK_OK;
	unsigned los = a->min_days + demo_below(h->r, a->max_days - a->min_days + 1);
	int64_t day = h->p->today - los - 10 - demo_below(h->r, 640);
	int64_t out = day + los;
	enum rk_status rc = RK_OK;
	char penc[64], enc[64], cond[64], comp[64];
	const struct codes_diagnosis *dx = codes_diagnoses_find(a->dx);
	bool referred = h->primary >= 0 && h->primary != s && strcmp(a->dx, "femoral_neck_fracture") != 0;
	struct buf b;
	buf_init(&b, 16 << 10);
	if (referred) { /* seen first at the clinic, which writes a referral letter */
		int p = h->primary;
		rc = demo_put_encounter(h, p, "AMB", day, 9 * 60 + demo_below(h->r, 60), 0, a->reason, penc);
		if (rc == RK_OK) {
			char hist[256];
			snprintf(hist, sizeof hist, "%sにて本日受診。%sを疑います。", a->reason, dx->ja);
			referral_letter(h, &b, p, s, day, "精査・入院加療のお願い", dx->ja, hist);
			rc = demo_put_document(h, p, "referral", penc, day, "診療情報提供書", "入院加療の依頼",
					       buf_cstr(&b), NULL);
		}
	}
	unsigned minute = (referred ? 13 : 10) * 60 + demo_below(h->r, 120);
	if (rc == RK_OK)
		rc = demo_put_encounter(h, s, "IMP", day, minute, los, a->reason, enc);
	if (rc == RK_OK)
		rc = demo_put_condition(h, s, dx, day, day, strcmp(a->dx, "heart_failure") == 0 ? -1 : out, enc, cond);
	json_t *nurse = NULL;
	if (rc == RK_OK) {
		const struct demo_site *site = &h->p->sites[s];
		nurse = json_pack(
			"[o]",
			demo_prac_ref(h, s, site->nurse_first + demo_below(h->r, site->nurses ? site->nurses : 1)));
		double dbp, sbp = blood_pressure(h, day, -1000000, has_dx(h, "hypertension", -1), &dbp);
		rc = demo_put_bp(h, s, enc, day, minute + 10, sbp + 8, dbp, json_incref(nurse));
		if (rc == RK_OK)
			rc = demo_put_vital(
				h, s, enc, "temp", day, minute + 10,
				demo_round_to(strcmp(a->dx, "pneumonia") == 0 || strcmp(a->dx, "appendicitis") == 0
						      ? 38.4 + demo_gauss(h->r, 0.3)
						      : 36.8 + demo_gauss(h->r, 0.2),
					      1),
				json_incref(nurse));
		if (rc == RK_OK)
			rc = demo_put_vital(h, s, enc, "spo2", day, minute + 10,
					    strcmp(a->dx, "pneumonia") == 0 || strcmp(a->dx, "heart_failure") == 0
						    ? 89 + demo_below(h->r, 4)
						    : 97 + demo_below(h->r, 3),
					    json_incref(nurse));
	}
	json_decref(nurse);
	static const char *const keys[] = {"wbc", "hb",  "plt", "crp",  "ast", "alt",
					   "ld",  "bun", "cre", "egfr", "na",  "k"};
	double infl = strcmp(a->dx, "femoral_neck_fracture") == 0 ? 0.15
		      : strcmp(a->dx, "heart_failure") == 0       ? 0.1
								  : 0.8;
	if (rc == RK_OK)
		rc = demo_put_panel(h, s, enc, day, keys, sizeof keys / sizeof keys[0], infl);
	if (rc == RK_OK)
		rc = demo_put_imaging(h, s, enc, a->imaging_modality, day, a->imaging, a->finding);
	if (rc == RK_OK && a->procedure)
		rc = demo_put_procedure(h, s, enc, a->procedure, a->body,
					day + (strcmp(a->dx, "appendicitis") == 0 ? 0 : 1), cond);
	for (size_t i = 0; i < 2 && rc == RK_OK; i++) {
		if (!a->injections[i])
			continue;
		unsigned days = strcmp(a->injections[i], "tranexamic") == 0 ? 1 : los > 8 ? los - 4 : 3;
		rc = demo_put_injection(h, s, enc, a->injections[i],
					day + (strcmp(a->injections[i], "tranexamic") == 0), days, a->per_day[i], cond);
	}
	if (rc == RK_OK)
		rc = demo_put_panel(h, s, enc, out - 1, keys, sizeof keys / sizeof keys[0], infl * 0.08);
	char plan[512];
	snprintf(plan, sizeof plan, "%u日間の入院ののち自宅退院。%s", los,
		 referred ? "今後はかかりつけ医での外来通院を継続する。" : "当院外来で経過観察する。");
	for (size_t i = 0; i < 2 && rc == RK_OK; i++) {
		if (!a->discharge_meds[i] || allergic_to(h, a->discharge_meds[i]))
			continue;
		const struct codes_medicine *m = codes_medicines_find(a->discharge_meds[i]);
		struct rx x = {m, 14, "DCG", cond, false};
		rc = demo_put_oral_rx(h, s, enc, &x, out, 10 * 60);
	}
	char diag[256];
	snprintf(diag, sizeof diag, "%s（%s）", dx->ja, dx->icd10);
	if (rc == RK_OK)
		rc = demo_put_composition(h, s, enc, out, diag, a->course, plan, cond, comp);
	if (rc == RK_OK) {
		char in[32], outd[32];
		demo_fmt_date_ja(in, day);
		demo_fmt_date_ja(outd, out);
		buf_reset(&b);
		buf_printf(&b, "退院時サマリー\n\n%s\n患者氏名: %s 様（%s生、%s）\n入院期間: %s 〜 %s（%u日間）\n\n",
			   h->p->sites[s].name, h->p->name, h->p->birth, h->p->male ? "男性" : "女性", in, outd, los);
		buf_printf(&b, "主訴: %s\n入院時診断: %s\n\n画像所見（%s）: %s\n\n", a->reason, diag, a->imaging,
			   a->finding);
		if (a->procedure)
			buf_printf(&b, "手術: %s\n\n", a->procedure);
		buf_printf(&b, "入院後経過:\n%s\n\n退院時方針:\n%s\n", a->course, plan);
		rc = demo_put_document(h, s, "discharge_summary", enc, out, "退院時サマリー", dx->ja, buf_cstr(&b),
				       comp);
	}
	if (rc == RK_OK && referred) { /* and the hospital writes back to the clinic */
		buf_reset(&b);
		char hist[512];
		snprintf(hist, sizeof hist, "%s\n%u日間の入院加療ののち退院されました。", a->course, los);
		referral_letter(h, &b, s, h->primary, out, "退院後の外来診療のお願い", diag, hist);
		rc = demo_put_document(h, s, "referral", enc, out, "診療情報提供書（退院報告）",
				       "かかりつけ医への退院報告", buf_cstr(&b), NULL);
	}
	buf_free(&b);
	return rc;
}

/* Visits of the home-nursing station (訪問看護): vital signs every four weeks. */
static enum rk_status home_nursing(struct hist *h)
{
	int s = h->homecare;
	const struct demo_site *site = &h->p->sites[s];
	int64_t day = h->p->today - 168 - demo_below(h->r, 168);
	enum rk_status rc = RK_OK;
	for (; day < h->p->today && rc == RK_OK; day += 28) {
		unsigned minute = 10 * 60 + demo_below(h->r, 6 * 60);
		char enc[64];
		rc = demo_put_encounter(h, s, "HH", day, minute, 0, NULL, enc);
		json_t *nurse = json_pack(
			"[o]",
			demo_prac_ref(h, s, site->vnurse_first + demo_below(h->r, site->vnurses ? site->vnurses : 1)));
		double dbp, sbp = blood_pressure(h, day, -1000000, has_dx(h, "hypertension", -1), &dbp);
		if (rc == RK_OK)
			rc = demo_put_bp(h, s, enc, day, minute + 5, sbp, dbp, json_incref(nurse));
		if (rc == RK_OK)
			rc = demo_put_vital(h, s, enc, "spo2", day, minute + 6, 94 + demo_below(h->r, 5),
					    json_incref(nurse));
		if (rc == RK_OK && (day / 28) % 2 == 0)
			rc = demo_put_vital(h, s, enc, "temp", day, minute + 7,
					    demo_round_to(36.4 + demo_gauss(h->r, 0.25), 1), json_incref(nurse));
		json_decref(nurse);
	}
	return rc;
}

/* A health check-up (特定健康診査 from 40, else a general one) with its measurements and labs. */
static enum rk_status checkup(struct hist *h, int s)
{
	int64_t day = h->p->today - 20 - demo_below(h->r, 330);
	unsigned minute = 9 * 60 + demo_below(h->r, 120);
	char enc[64];
	bool tokutei = h->p->age >= 40;
	enum rk_status rc = demo_put_encounter(h, s, "AMB", day, minute, 0, tokutei ? "特定健康診査" : "健康診断", enc);
	double height = h->p->male ? 171 - 0.08 * h->p->age : 158 - 0.08 * h->p->age;
	if (h->p->age < 18)
		height = 80 + 5.5 * h->p->age;
	height = demo_round_to(height + demo_gauss(h->r, 5), 1);
	double bmi = h->p->age < 18 ? 17 + demo_gauss(h->r, 1.5) : 22.5 + demo_gauss(h->r, 2.5);
	if (rc == RK_OK)
		rc = demo_put_vital(h, s, enc, "height", day, minute + 5, height,
				    json_pack("[o]", demo_doctor_ref(h, s)));
	if (rc == RK_OK)
		rc = demo_put_vital(h, s, enc, "weight", day, minute + 5,
				    demo_round_to(bmi * height * height / 10000, 1),
				    json_pack("[o]", demo_doctor_ref(h, s)));
	double dbp, sbp = blood_pressure(h, day, -1000000, false, &dbp);
	if (rc == RK_OK && h->p->age >= 15)
		rc = demo_put_bp(h, s, enc, day, minute + 8, sbp, dbp, json_pack("[o]", demo_doctor_ref(h, s)));
	static const char *const keys[] = {"ast", "alt", "ggt", "ldl", "hdl", "tg", "hba1c", "cre", "egfr", "hb"};
	if (rc == RK_OK && h->p->age >= 18)
		rc = demo_put_panel(h, s, enc, day, keys, sizeof keys / sizeof keys[0], 0);
	return rc;
}

static void draw_allergies(struct hist *h)
{
	if (!demo_chance(h->r, h->p->age < 15 ? 15 : 11))
		return;
	size_t n = demo_chance(h->r, 20) ? 2 : 1;
	for (size_t k = 0; k < n; k++) {
		const struct codes_allergen *a = &codes_allergens[demo_below(h->r, (unsigned)codes_allergens_len)];
		if (k && a == h->allergies[0])
			continue;
		h->allergies[h->n_allergies++] = a;
	}
}

enum rk_status demo_clinical_person(struct demo_clinical *c, const struct demo_person *p)
{
	struct hist h;
	memset(&h, 0, sizeof h);
	h.c = c;
	h.p = p;
	h.r = c->rng;
	classify_sites(&h);
	draw_conditions(&h);
	for (size_t i = 0; i < p->n && i < 4; i++) {
		size_t k = 0;
		for (size_t j = 0; j < h.n_conds; j++)
			if (h.conds[j].site == (int)i)
				c->conditions[i][k++] = h.conds[j].dx->key;
		c->conditions[i][k] = NULL;
	}
	draw_allergies(&h);
	init_trends(&h);
	int64_t before = c->records;
	enum rk_status rc = RK_OK;
	/* Allergies are recorded where the person is usually seen. */
	int home = h.primary >= 0 ? h.primary : -1;
	for (size_t i = 0; i < p->n && home < 0; i++)
		if (is_kind(&p->sites[i], "clinic"))
			home = (int)i;
	for (size_t i = 0; i < h.n_allergies && home >= 0 && rc == RK_OK; i++)
		rc = demo_put_allergy(&h, home, h.allergies[i], p->today - 30 - demo_below(h.r, 1500));
	for (size_t s = 0; s < p->n && rc == RK_OK; s++)
		rc = chronic_series(&h, (int)s);
	/* Acute illnesses: children often, adults now and then, at any medical facility. */
	for (size_t s = 0; s < p->n && rc == RK_OK; s++) {
		const struct demo_site *site = &p->sites[s];
		if (!is_kind(site, "hospital") && !is_kind(site, "clinic"))
			continue;
		bool specialty = is_kind(site, "clinic") && strcmp(site->specialty, "internal") != 0;
		unsigned n = strcmp(site->specialty, "pediatrics") == 0 ? 1 + demo_below(h.r, 3)
			     : specialty                                ? 1 + demo_below(h.r, 2)
					 : (demo_chance(h.r, 55) ? 1 + demo_below(h.r, 2) : 0);
		if (strcmp(site->specialty, "ophthalmology") == 0 && has_dx(&h, "cataract", (int)s))
			n = 0;
		for (unsigned k = 0; k < n && rc == RK_OK; k++)
			rc = acute_episode(&h, (int)s);
	}
	if (rc == RK_OK && h.hospital >= 0) {
		unsigned pct = p->age < 40 ? 6 : p->age < 65 ? 10 : p->age < 80 ? 20 : 30;
		if (demo_chance(h.r, pct))
			rc = admission(&h);
	}
	if (rc == RK_OK && h.homecare >= 0 && is_kind(&p->sites[h.homecare], "home_nursing"))
		rc = home_nursing(&h);
	/* Nobody is without a record: someone never ill came for a check-up. */
	if (rc == RK_OK && c->records == before) {
		int s = h.primary;
		for (size_t i = 0; i < p->n && s < 0; i++)
			if (is_kind(&p->sites[i], "clinic") || is_kind(&p->sites[i], "hospital"))
				s = (int)i;
		if (s >= 0)
			rc = checkup(&h, s);
	}
	if (rc == RK_OK && p->age >= 65 && h.primary >= 0 && demo_chance(h.r, 60)) {
		/* the first course of a vaccination campaign about five years before the demo's day */
		int64_t d1 = p->today - 1765 + demo_below(h.r, 30);
		rc = demo_put_immunization(&h, h.primary, d1, 1);
		if (rc == RK_OK)
			rc = demo_put_immunization(&h, h.primary, d1 + 21 + demo_below(h.r, 3), 2);
	}
	return rc;
}
