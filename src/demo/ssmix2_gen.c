/* ssmix2_gen.c — the synthetic SS-MIX2 storage generator (ssmix2_gen.h): the
 * generator, each patient's story and `renkei gen ssmix2`. A story is planned
 * first (chronic conditions, follow-up visits, acute episodes, an admission, a
 * move), then written in day order by ssmix2_gen_msg.c, one file per message. */
#include "demo/ssmix2_gen.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/str.h"
#include "core/time.h"
#include "demo/ssmix2_gen_impl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the story's vocabulary ---- */

static const struct chronic chronics[] = {
	{"hypertension", "amlodipine", "candesartan", 30, 35},
	{"diabetes", "glimepiride", "pioglitazone", 16, 35},
	{"dyslipidemia", "atorvastatin", "pravastatin", 18, 30},
	{"ckd", "alfacalcidol", NULL, 6, 55},
	{"hyperuricemia", "allopurinol", NULL, 7, 30},
	{"reflux_esophagitis", "lansoprazole", NULL, 7, 30},
	{"insomnia", "zolpidem", NULL, 5, 30},
	{"osteoporosis", "alfacalcidol", NULL, 6, 60},
	{"heart_failure", "carvedilol", "torasemide", 4, 65},
	{"alzheimer", "donepezil", NULL, 3, 70},
};

static const struct acute acutes[] = {
	{"upper_respiratory_infection", "carbocisteine", "dextromethorphan", D_INTERNAL},
	{"acute_bronchitis", "clarithromycin", "carbocisteine", D_INTERNAL},
	{"influenza", "oseltamivir", NULL, D_INTERNAL},
	{"herpes_zoster", "valaciclovir", NULL, D_DERMA},
	{"gastritis", "famotidine", NULL, D_INTERNAL},
	{"urticaria", "fexofenadine", NULL, D_DERMA},
	{"lumbago", "eperisone", NULL, D_ORTHO},
};

static const struct image images[] = {
	{"1000000000000000", "Ｘ線単純撮影", "10000002000102000000010000000000", "胸部.Ｘ線単純撮影.立位正面(A→P)",
	 "CR"},
	{"99A000000000000", "経皮的超音波検査", "99A00002500000000000000000000000", "腹部.経皮的超音波検査", "US"},
	{"1000000000000000", "Ｘ線単純撮影", "10000004000102000000010000000000", "股関節.Ｘ線単純撮影.正面(A→P)", "CR"},
};
static const struct admit admits[] = {
	{"pneumonia", "saline", "ceftriaxone", D_INTERNAL, "4E", 7, 14, 40, 0, true},
	{"appendicitis", "lactated_ringer", "cefmetazole", D_SURGERY, "5W", 5, 8, 10, 1, true},
	{"femoral_neck_fracture", "lactated_ringer", "cefmetazole", D_ORTHO, "6W", 14, 28, 65, 2, false},
};

static const char *const condition_keys[] = {
	"hypertension", "diabetes",      "dyslipidemia", "ckd", "hyperuricemia", "reflux_esophagitis", "insomnia",
	"osteoporosis", "heart_failure", "alzheimer",    NULL};

const char *const *ssmix2_gen_conditions(void)
{
	return condition_keys;
}

/* ---- the generator ---- */

static char *dup_or(const char *s, const char *dflt)
{
	const char *v = s && *s ? s : dflt;
	char *p = strdup(v ? v : "");
	if (!p)
		rk_oom();
	return p;
}

enum rk_status ssmix2_gen_open(const struct ssmix2_gen_config *cfg, struct ssmix2_gen **out, struct rk_err *err)
{
	*out = NULL;
	const char *code = cfg->facility.code;
	if (!code || strlen(code) != 10 || !str_is_digits(str_c(code)))
		return rk_fail(err, RK_INVALID, "facility code must be 10 digits, not '%s'", code ? code : "");
	if (!cfg->out || !*cfg->out || strlen(cfg->out) > PATH_CAP - 200)
		return rk_fail(err, RK_INVALID, "output directory missing or too long");
	if (cfg->years > 10)
		return rk_fail(err, RK_INVALID, "years of history must be 1..10, not %u", cfg->years);
	struct ssmix2_gen *g = calloc(1, sizeof *g);
	if (!g)
		rk_oom();
	g->rootlen = strlen(cfg->out);
	memcpy(g->root, cfg->out, g->rootlen + 1);
	while (g->rootlen > 1 && g->root[g->rootlen - 1] == '/')
		g->root[--g->rootlen] = '\0';
	memcpy(g->fac_code, code, 11);
	g->fac_name = dup_or(cfg->facility.name, code);
	g->fac_postal = dup_or(cfg->facility.postal, "");
	g->fac_address = dup_or(cfg->facility.address, "");
	g->fac_phone = dup_or(cfg->facility.phone, "");
	g->end_day = cfg->end_day ? cfg->end_day : time_days_from_civil(2026, 3, 31);
	g->years = cfg->years ? cfg->years : 2;
	g->seps = (struct hl7_seps){'|', '^', '~', '\\', '&'};
	buf_init(&g->msg, MSG_MAX);
	buf_init(&g->enc, MSG_MAX * 2);
	buf_init(&g->tmp, MSG_MAX);
	g->started_ms = time_mono_ms();
	char tmp[PATH_CAP];
	memcpy(tmp, g->root, g->rootlen + 1);
	enum rk_status st = ssmix2_mkdirs(tmp, 0, err);
	if (st != RK_OK) {
		ssmix2_gen_close(g);
		return st;
	}
	*out = g;
	return RK_OK;
}

void ssmix2_gen_close(struct ssmix2_gen *g)
{
	if (!g)
		return;
	buf_free(&g->msg);
	buf_free(&g->enc);
	buf_free(&g->tmp);
	free(g->fac_name);
	free(g->fac_postal);
	free(g->fac_address);
	free(g->fac_phone);
	free(g);
}

void ssmix2_gen_stats(const struct ssmix2_gen *g, struct ssmix2_gen_stats *out)
{
	*out = g->st;
	out->seconds = (double)(time_mono_ms() - g->started_ms) / 1000.0;
}

/* ---- names ---- */

static const struct demo_name *pick_name(struct rng *r, const struct demo_name *tbl, const uint16_t *ok, size_t nok)
{
	uint64_t total = 0;
	for (size_t i = 0; i < nok; i++)
		total += tbl[ok[i]].weight;
	uint64_t x = rng_below(r, total ? total : 1);
	for (size_t i = 0; i < nok; i++) {
		if (x < tbl[ok[i]].weight)
			return &tbl[ok[i]];
		x -= tbl[ok[i]].weight;
	}
	return &tbl[ok[nok - 1]];
}

/* Names whose characters all have a JIS X 0208 form (髙 and the like do not). */
struct name_pool {
	uint16_t fam[1024], male[1024], female[1024];
	size_t nfam, nmale, nfemale;
};

static void pool_fill(uint16_t *out, size_t *n, const struct demo_name *t, size_t len, struct buf *scratch)
{
	*n = 0;
	for (size_t i = 0; i < len && *n < 1024; i++)
		if (ssmix2_jis_ok(scratch, t[i].kanji) && ssmix2_jis_ok(scratch, t[i].kana))
			out[(*n)++] = (uint16_t)i;
}

static struct name_pool *pool_get(struct ssmix2_gen *g)
{
	static struct name_pool pool; /* filled once, read-only afterwards */
	static bool ready;
	if (!ready) {
		pool_fill(pool.fam, &pool.nfam, demo_family_names, demo_family_names_len, &g->enc);
		pool_fill(pool.male, &pool.nmale, demo_given_male, demo_given_male_len, &g->enc);
		pool_fill(pool.female, &pool.nfemale, demo_given_female, demo_given_female_len, &g->enc);
		ready = true;
	}
	return &pool;
}

/* ---- the story -------------------------------------------------------------- */

/* Add a diagnosis known from `onset` (resolved: 0 = ongoing). */
static void add_dx(struct pt *t, const char *key, int64_t onset, int64_t resolved, int dept)
{
	const struct codes_diagnosis *d = codes_diagnoses_find(key);
	if (!d || t->ndx == MAX_DX)
		return;
	t->dx[t->ndx++] = (struct dx){d, onset, resolved, dept, (uint32_t)(100000 + t->ndx * 7 + rng_below(&t->r, 7))};
}

static void add_med(struct pt *t, const char *key)
{
	const struct codes_medicine *m = key ? codes_medicines_find(key) : NULL;
	if (!m || t->nmeds == MAX_MEDS)
		return;
	for (size_t i = 0; i < t->nmeds; i++)
		if (t->meds[i] == m)
			return;
	t->meds[t->nmeds++] = m;
}

/* OMP-01 of the chronic medicines for `days`, sometimes re-sent with a change
 * (the first file kept as flag 2) or followed by a cancelled extra order (flag 0). */
static enum rk_status chronic_rx(struct pt *t, int64_t day, unsigned days)
{
	struct rx rx[MAX_MEDS];
	for (size_t i = 0; i < t->nmeds; i++)
		rx[i] = (struct rx){t->meds[i], t->meds[i]->dose, days};
	char order[16];
	ssmix2_order_no(t, day, order);
	int64_t ms = ssmix2_stamp(t, day, 10);
	enum rk_status st;
	if (rng_chance(&t->r, 1, 16)) { /* the doctor changed the prescription after sending it */
		st = ssmix2_msg_omp01(t, ms, order, rx, t->nmeds, D_INTERNAL, NULL, "NW", SSMIX2_FLAG_SUPERSEDED);
		if (st != RK_OK)
			return st;
		rx[t->nmeds - 1].dose *= 2;
		ms = ssmix2_stamp(t, day, 10);
		st = ssmix2_msg_omp01(t, ms, order, rx, t->nmeds, D_INTERNAL, NULL, "XO", SSMIX2_FLAG_CURRENT);
	} else {
		st = ssmix2_msg_omp01(t, ms, order, rx, t->nmeds, D_INTERNAL, NULL, "NW", SSMIX2_FLAG_CURRENT);
	}
	if (st != RK_OK || !rng_chance(&t->r, 1, 30))
		return st;
	/* an extra order entered by mistake and cancelled: the order and its cancellation, both flag 0 */
	ssmix2_order_no(t, day, order);
	struct rx extra = {codes_medicines_find("mecobalamin"), 1, days};
	ms = ssmix2_stamp(t, day, 10);
	st = ssmix2_msg_omp01(t, ms, order, &extra, 1, D_INTERNAL, NULL, "NW", SSMIX2_FLAG_DELETED);
	if (st != RK_OK)
		return st;
	ms = ssmix2_stamp(t, day, 10);
	return ssmix2_msg_omp01(t, ms, order, &extra, 1, D_INTERNAL, NULL, "CA", SSMIX2_FLAG_DELETED);
}

static enum rk_status ppr_version(struct pt *t, int64_t day, char flag)
{
	return ssmix2_msg_ppr01(t, ssmix2_stamp(t, day, 12), flag);
}

static enum rk_status acute_episode(struct pt *t, int64_t day, const struct acute *a)
{
	enum rk_status st = ssmix2_msg_adt12(t, ssmix2_stamp(t, day, 9), a->dept);
	if (st != RK_OK)
		return st;
	struct rx rx[2];
	size_t n = 0;
	const char *keys[2] = {a->med1, a->med2};
	for (int i = 0; i < 2; i++) {
		const struct codes_medicine *m = keys[i] ? codes_medicines_find(keys[i]) : NULL;
		if (m)
			rx[n++] = (struct rx){m, m->dose, m->days ? m->days : 5};
	}
	char order[16];
	ssmix2_order_no(t, day, order);
	if (n && (st = ssmix2_msg_omp01(t, ssmix2_stamp(t, day, 10), order, rx, n, a->dept, NULL, "NW",
					SSMIX2_FLAG_CURRENT)) != RK_OK)
		return st;
	if (strcmp(a->dx, "acute_bronchitis") == 0 &&
	    (st = ssmix2_msg_oml11(t, day, a->dept, NULL, 0.3, false)) != RK_OK)
		return st;
	return ppr_version(t, day, SSMIX2_FLAG_SUPERSEDED);
}

static enum rk_status admission(struct pt *t, struct stay *s)
{
	enum rk_status st = RK_OK;
	int dept = s->a->dept;
	snprintf(s->room, sizeof s->room, "%c%02u", s->a->ward[0], 1 + (unsigned)rng_below(&t->r, 20));
	snprintf(s->bed, sizeof s->bed, "%u", 1 + (unsigned)rng_below(&t->r, 4));
	char inj[16], oral[16];
	ssmix2_order_no(t, s->day, inj);
	memcpy(s->visit, inj, sizeof s->visit);
	ssmix2_order_no(t, s->day, oral);
	unsigned drip_days = s->days < 5 ? (unsigned)s->days : 5;
	int64_t admit_ms = 0;
	int64_t transfer = rng_chance(&t->r, 1, 4) ? 2 + (int64_t)rng_below(&t->r, 2) : -1;
	int64_t out = s->days >= 10 && rng_chance(&t->r, 3, 10) ? s->days - 4 : -1;
	int diet = strcmp(s->a->dx, "appendicitis") == 0                                             ? 3
		   : ssmix2_has_chronic(t, "diabetes")                                               ? 1
		   : ssmix2_has_chronic(t, "hypertension") || ssmix2_has_chronic(t, "heart_failure") ? 2
												     : 0;
	if (rng_chance(&t->r, 2, 5) &&
	    (st = ssmix2_msg_adt_stay(t, "ADT-21", "ADT^A14^ADT_A05", ssmix2_stamp(t, s->day - 1, 15), s,
				      (s->day) * DAY_MS + 36000000LL, 0, NULL)) != RK_OK)
		return st;
	for (int64_t k = 0; k <= s->days && st == RK_OK; k++) {
		int64_t day = s->day + k;
		if (k == 0) {
			admit_ms = ssmix2_stamp(t, day, 10);
			s->admit_ms = admit_ms;
			if ((st = ssmix2_msg_adt_stay(t, "ADT-22", "ADT^A01^ADT_A01", admit_ms, s, admit_ms, 0,
						      NULL)) != RK_OK ||
			    (st = ppr_version(t, day, SSMIX2_FLAG_SUPERSEDED)) != RK_OK ||
			    (st = ssmix2_msg_oml11(t, day, dept, s, s->a->infection ? 1.0 : 0.1, false)) != RK_OK ||
			    (st = ssmix2_msg_imaging(t, day, dept, s, &images[s->a->image])) != RK_OK ||
			    (st = ssmix2_msg_omd(t, day, s, diet)) != RK_OK ||
			    (st = ssmix2_msg_omp02(t, ssmix2_stamp(t, day, 11), inj, s, drip_days)) != RK_OK)
				return st;
			if (t->age >= 60 && (st = ssmix2_msg_ecg(t, day, dept, s)) != RK_OK)
				return st;
			if (t->nmeds) {
				struct rx rx[MAX_MEDS];
				for (size_t i = 0; i < t->nmeds; i++)
					rx[i] = (struct rx){t->meds[i], t->meds[i]->dose, 7};
				if ((st = ssmix2_msg_omp01(t, ssmix2_stamp(t, day, 11), oral, rx, t->nmeds, dept, s,
							   "NW", SSMIX2_FLAG_CURRENT)) != RK_OK)
					return st;
			}
			continue;
		}
		if (k <= (int64_t)drip_days &&
		    (st = ssmix2_msg_ras(t, true, day - 1 + 1, inj, s, (unsigned)k)) != RK_OK)
			return st;
		if (t->nmeds && k <= 3 && (st = ssmix2_msg_ras(t, false, day, oral, s, 1)) != RK_OK)
			return st;
		if (k == transfer) {
			char prior[8];
			memcpy(prior, s->room, sizeof prior);
			snprintf(s->room, sizeof s->room, "%c%02u", s->a->ward[0], 21 + (unsigned)rng_below(&t->r, 10));
			st = ssmix2_msg_adt_stay(t, "ADT-42", "ADT^A02^ADT_A02", ssmix2_stamp(t, day, 14), s, admit_ms,
						 0, prior);
		}
		if (st == RK_OK && k == 3 && s->days > 4)
			st = ssmix2_msg_oml11(t, day, dept, s, s->a->infection ? 0.5 : 0.05, rng_chance(&t->r, 1, 10));
		if (st == RK_OK && k == out)
			st = ssmix2_msg_adt_stay(t, "ADT-31", "ADT^A21^ADT_A21", ssmix2_stamp(t, day, 13), s, admit_ms,
						 0, NULL);
		if (st == RK_OK && out > 0 && k == out + 1)
			st = ssmix2_msg_adt_stay(t, "ADT-32", "ADT^A22^ADT_A21", ssmix2_stamp(t, day, 16), s, admit_ms,
						 0, NULL);
		if (st == RK_OK && k == s->days - 1 && s->days > 5)
			st = ssmix2_msg_oml11(t, day, dept, s, s->a->infection ? 0.1 : 0, false);
		if (st == RK_OK && k == s->days) {
			int64_t ms = ssmix2_stamp(t, day, 10);
			st = ssmix2_msg_adt_stay(t, "ADT-52", "ADT^A03^ADT_A03", ms, s, admit_ms, ms, NULL);
		}
	}
	return st;
}

static enum rk_status check_person(struct ssmix2_gen *g, const struct ssmix2_person *p, struct rk_err *err)
{
	size_t n = p->pid ? strlen(p->pid) : 0;
	if (n < 6 || n > 15)
		return rk_fail(err, RK_INVALID, "patient ID must have 6..15 characters, not '%s'",
			       p->pid ? p->pid : "");
	for (size_t i = 0; i < n; i++)
		if (!((p->pid[i] >= '0' && p->pid[i] <= '9') || (p->pid[i] >= 'A' && p->pid[i] <= 'Z') ||
		      (p->pid[i] >= 'a' && p->pid[i] <= 'z')))
			return rk_fail(err, RK_INVALID, "patient ID '%s' may hold only letters and digits", p->pid);
	int64_t y;
	struct str b = str_c(p->birth);
	if (b.len != 8 || !str_is_digits(b) || !str_to_i64((struct str){b.ptr, 4}, 1880, 2100, &y))
		return rk_fail(err, RK_INVALID, "birth date of %s must be YYYYMMDD", p->pid);
	unsigned m = (unsigned)((b.ptr[4] - '0') * 10 + b.ptr[5] - '0'),
		 d = (unsigned)((b.ptr[6] - '0') * 10 + b.ptr[7] - '0');
	if (m < 1 || m > 12 || d < 1 || d > time_days_in_month(y, m))
		return rk_fail(err, RK_INVALID, "birth date %s of %s is no date", p->birth, p->pid);
	if (p->sex != 'M' && p->sex != 'F')
		return rk_fail(err, RK_INVALID, "sex of %s must be M or F", p->pid);
	const char *texts[] = {p->family, p->given, p->family_kana, p->given_kana};
	for (size_t i = 0; i < N(texts); i++)
		if (!texts[i] || !*texts[i])
			return rk_fail(err, RK_INVALID, "name of %s incomplete (kanji and kana, family and given)",
				       p->pid);
	const char *all[] = {p->family, p->given, p->family_kana, p->given_kana, p->address, p->postal, p->phone};
	for (size_t i = 0; i < N(all); i++)
		if (all[i] && !ssmix2_jis_ok(&g->enc, all[i]))
			return rk_fail(err, RK_INVALID, "'%s' of patient %s has a character outside JIS X 0208", all[i],
				       p->pid);
	return RK_OK;
}

enum { EV_VISIT, EV_ACUTE, EV_ADMIT, EV_MOVE, EV_FINAL };
struct ev {
	int64_t day;
	int kind, idx;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->kind - y->kind;
}

/* A hospital system writes a name's 異体字 that JIS X 0208 lacks as its
 * standard form (代替文字: 髙 → 高, 﨑 → 崎, …) in an ISO-2022-JP message. */
static void jis_substitute(const char *in, char *out, size_t n)
{
	static const char *const pairs[][2] = {{"髙", "高"}, {"﨑", "崎"}, {"德", "徳"}, {"瀨", "瀬"},
					       {"栁", "柳"}, {"濵", "浜"}, {"曻", "昇"}};
	size_t o = 0;
	while (*in && o + 4 < n) {
		bool done = false;
		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0] && !done; i++) {
			size_t k = strlen(pairs[i][0]);
			if (strncmp(in, pairs[i][0], k) == 0) {
				size_t m = strlen(pairs[i][1]);
				memcpy(out + o, pairs[i][1], m);
				o += m;
				in += k;
				done = true;
			}
		}
		if (!done)
			out[o++] = *in++;
	}
	out[o] = '\0';
}

enum rk_status ssmix2_gen_patient(struct ssmix2_gen *g, const struct ssmix2_person *person, uint64_t seed,
				  struct rk_err *err)
{
	char family[128], given[128];
	struct ssmix2_person q = *person;
	if (q.family) {
		jis_substitute(q.family, family, sizeof family);
		q.family = family;
	}
	if (q.given) {
		jis_substitute(q.given, given, sizeof given);
		q.given = given;
	}
	const struct ssmix2_person *p = &q;
	enum rk_status st = check_person(g, p, err);
	if (st != RK_OK)
		return st;
	struct pt *t = calloc(1, sizeof *t);
	if (!t)
		rk_oom();
	t->g = g;
	t->p = p;
	t->err = err;
	rng_seed(&t->r, seed ^ str_hash(str_c(p->pid)));
	t->male = p->sex == 'M';
	int64_t by =
		(p->birth[0] - '0') * 1000 + (p->birth[1] - '0') * 100 + (p->birth[2] - '0') * 10 + p->birth[3] - '0';
	int64_t bday = time_days_from_civil(by, (unsigned)((p->birth[4] - '0') * 10 + p->birth[5] - '0'),
					    (unsigned)((p->birth[6] - '0') * 10 + p->birth[7] - '0'));
	t->end = g->end_day;
	t->begin = t->end - 365 * (int64_t)g->years;
	t->age = (int)((t->end - bday) / 365);
	if (t->age < 0)
		t->age = 0;
	struct name_pool *pool = pool_get(g);
	t->doc_fam = pick_name(&t->r, demo_family_names, pool->fam, pool->nfam);
	t->doc_given = pick_name(&t->r, demo_given_male, pool->male, pool->nmale);
	t->nurse_fam = pick_name(&t->r, demo_family_names, pool->fam, pool->nfam);
	t->nurse_given = pick_name(&t->r, demo_given_female, pool->female, pool->nfemale);
	snprintf(t->doc_id, sizeof t->doc_id, "D%04u", (unsigned)rng_below(&t->r, 40));
	snprintf(t->nurse_id, sizeof t->nurse_id, "N%04u", (unsigned)rng_below(&t->r, 120));

	/* chronic conditions: given, or drawn by age */
	if (p->conditions) {
		for (size_t i = 0; p->conditions[i]; i++) {
			const struct chronic *c = NULL;
			for (size_t k = 0; k < N(chronics); k++)
				if (strcmp(chronics[k].dx, p->conditions[i]) == 0)
					c = &chronics[k];
			if (!c) {
				st = rk_fail(err, RK_INVALID, "unknown condition '%s' (see ssmix2_gen_conditions)",
					     p->conditions[i]);
				goto out;
			}
			if (t->nchr < N(t->chr) && !ssmix2_has_chronic(t, c->dx))
				t->chr[t->nchr++] = c;
		}
	} else {
		unsigned pct = t->age < 30 ? 8 : t->age < 50 ? 35 : t->age < 65 ? 60 : 85;
		if (rng_below(&t->r, 100) < pct) {
			size_t want = 1 + (size_t)rng_below(&t->r, t->age >= 60 ? 3 : 2);
			for (size_t tries = 0; tries < 20 && t->nchr < want; tries++) {
				uint64_t total = 0;
				for (size_t k = 0; k < N(chronics); k++)
					total += (unsigned)t->age >= chronics[k].min_age ? chronics[k].weight : 0;
				if (!total)
					break;
				uint64_t x = rng_below(&t->r, total);
				for (size_t k = 0; k < N(chronics); k++) {
					unsigned w = (unsigned)t->age >= chronics[k].min_age ? chronics[k].weight : 0;
					if (x < w) {
						if (!ssmix2_has_chronic(t, chronics[k].dx))
							t->chr[t->nchr++] = &chronics[k];
						break;
					}
					x -= w;
				}
			}
		}
	}
	for (size_t i = 0; i < t->nchr; i++) {
		add_med(t, t->chr[i]->med1);
		if (t->chr[i]->med2 && rng_chance(&t->r, 2, 5))
			add_med(t, t->chr[i]->med2);
	}

	/* the plan: follow-up visits, acute episodes, an admission, a move */
	struct ev ev[MAX_VISITS + 16];
	size_t nev = 0;
	t->first_visit = t->begin + (int64_t)rng_below(&t->r, 90);
	int64_t first_contact = t->end;
	if (t->nchr) {
		for (int64_t d = t->first_visit; d <= t->end && nev < MAX_VISITS;) {
			ev[nev++] = (struct ev){d, EV_VISIT, 0};
			static const unsigned gaps[] = {28, 28, 35, 42, 56};
			d += gaps[rng_below(&t->r, N(gaps))];
		}
		first_contact = t->first_visit;
		for (size_t i = 0; i < t->nchr; i++)
			add_dx(t, t->chr[i]->dx, t->first_visit, 0, D_INTERNAL);
	}
	struct stay stay = {0};
	unsigned adm_pct = t->age < 50 ? 5 : t->age < 65 ? 10 : 16;
	if (rng_below(&t->r, 100) < adm_pct) {
		const struct admit *cand[N(admits)];
		size_t nc = 0;
		for (size_t k = 0; k < N(admits); k++)
			if ((unsigned)t->age >= admits[k].min_age)
				cand[nc++] = &admits[k];
		if (nc) {
			stay.a = cand[rng_below(&t->r, nc)];
			stay.days =
				stay.a->min_days + (int64_t)rng_below(&t->r, stay.a->max_days - stay.a->min_days + 1);
			stay.day = t->begin + 30 +
				   (int64_t)rng_below(&t->r, (uint64_t)(t->end - t->begin - 60 - stay.days));
			ev[nev++] = (struct ev){stay.day, EV_ADMIT, 0};
			add_dx(t, stay.a->dx, stay.day, stay.day + stay.days + 14, stay.a->dept);
		}
	}
	size_t nacute = t->nchr ? (size_t)rng_below(&t->r, 3) : 1 + (size_t)rng_below(&t->r, 3);
	for (size_t i = 0; i < nacute; i++) {
		int64_t d = t->begin + (int64_t)rng_below(&t->r, (uint64_t)(t->end - t->begin - 20));
		if (stay.a && d >= stay.day - 1 && d <= stay.day + stay.days + 1)
			continue;
		const struct acute *a = &acutes[rng_below(&t->r, N(acutes))];
		ev[nev++] = (struct ev){d, EV_ACUTE, (int)(a - acutes)};
		add_dx(t, a->dx, d, d + 7 + (int64_t)rng_below(&t->r, 14), a->dept);
	}
	int64_t last_dx = 0;
	for (size_t i = 0; i < nev; i++)
		if (ev[i].day < first_contact)
			first_contact = ev[i].day;
	for (size_t i = 0; i < t->ndx; i++) {
		int64_t d = t->dx[i].resolved ? t->dx[i].resolved : t->dx[i].onset;
		if (d > last_dx)
			last_dx = d;
	}
	int64_t final_day = last_dx + 1 > t->end ? t->end : last_dx + 1;
	if (final_day < first_contact)
		final_day = first_contact;
	ev[nev++] = (struct ev){final_day, EV_FINAL, 0};
	bool moved = rng_chance(&t->r, 1, 10) && t->end - first_contact > 60;
	if (moved)
		ev[nev++] = (struct ev){first_contact + 30 +
						(int64_t)rng_below(&t->r, (uint64_t)(t->end - first_contact - 59)),
					EV_MOVE, 0};
	qsort(ev, nev, sizeof ev[0], ev_cmp);
	ssmix2_lab_baseline(t);

	/* allergies (20%) */
	const struct codes_allergen *all[2];
	size_t nall = rng_chance(&t->r, 1, 5) ? 1 + (size_t)rng_below(&t->r, 2) : 0;
	for (size_t i = 0; i < nall; i++) {
		all[i] = &codes_allergens[rng_below(&t->r, codes_allergens_len)];
		if (i && all[i] == all[0])
			nall = 1;
	}

	/* registration: ADT-00 (the first version with the former address when they moved) and allergies */
	char old_addr[160] = "";
	const char *old_postal = p->postal;
	if (moved) {
		const struct demo_town *tw = &demo_towns[rng_below(&t->r, demo_towns_len)];
		snprintf(old_addr, sizeof old_addr, "%s%s%s%u番地%u", tw->prefecture, tw->city, tw->town,
			 1 + (unsigned)rng_below(&t->r, 30), 1 + (unsigned)rng_below(&t->r, 20));
		old_postal = tw->postal;
	}
	st = ssmix2_msg_adt00(t, ssmix2_stamp(t, first_contact, 8), moved ? old_postal : p->postal,
			      moved ? old_addr : p->address, moved ? SSMIX2_FLAG_SUPERSEDED : SSMIX2_FLAG_CURRENT, all,
			      nall);
	if (st == RK_OK && nall)
		st = ssmix2_msg_adt61(t, ssmix2_stamp(t, first_contact, 8), all, nall);

	int64_t last_ecg = -1000;
	size_t nvisit = 0;
	for (size_t i = 0; i < nev && st == RK_OK; i++) {
		const struct ev *e = &ev[i];
		switch (e->kind) {
		case EV_VISIT: {
			if (stay.a && e->day >= stay.day - 1 && e->day <= stay.day + stay.days)
				break;
			int64_t next = i + 1 < nev ? e->day + 28 : e->day + 28;
			for (size_t k = i + 1; k < nev; k++)
				if (ev[k].kind == EV_VISIT) {
					next = ev[k].day;
					break;
				}
			if ((st = ssmix2_msg_adt12(t, ssmix2_stamp(t, e->day, 9), D_INTERNAL)) != RK_OK)
				break;
			if (t->nmeds && (st = chronic_rx(t, e->day, (unsigned)(next - e->day))) != RK_OK)
				break;
			if ((nvisit % 2 == 0 || ssmix2_has_chronic(t, "diabetes")) &&
			    (st = ssmix2_msg_oml11(t, e->day, D_INTERNAL, NULL, 0, rng_chance(&t->r, 1, 30))) != RK_OK)
				break;
			if ((ssmix2_has_chronic(t, "hypertension") || ssmix2_has_chronic(t, "heart_failure")) &&
			    e->day - last_ecg >= 365) {
				last_ecg = e->day;
				if ((st = ssmix2_msg_ecg(t, e->day, D_INTERNAL, NULL)) != RK_OK)
					break;
			}
			if (nvisit++ == 0)
				st = ppr_version(t, e->day, SSMIX2_FLAG_SUPERSEDED);
			break;
		}
		case EV_ACUTE: st = acute_episode(t, e->day, &acutes[e->idx]); break;
		case EV_ADMIT: st = admission(t, &stay); break;
		case EV_MOVE:
			st = ssmix2_msg_adt00(t, ssmix2_stamp(t, e->day, 8), p->postal, p->address, SSMIX2_FLAG_CURRENT,
					      all, nall);
			break;
		case EV_FINAL:
			if (t->ndx)
				st = ppr_version(t, e->day, SSMIX2_FLAG_CURRENT);
			break;
		}
	}
	if (st == RK_OK)
		g->st.patients++;
out:
	free(t);
	return st;
}

/* ---- renkei gen ssmix2 ---------------------------------------------------------- */

enum rk_status ssmix2_gen_parse_options(const char *patients, const char *seed, const char *facility, const char *out,
					struct ssmix2_gen_options *o, struct rk_err *err)
{
	memset(o, 0, sizeof *o);
	o->patients = 100;
	o->seed = 1;
	o->facility = "2011000011";
	int64_t v;
	if (patients && !str_to_i64(str_c(patients), 1, RK_MAX_SSMIX2_GEN_PATIENTS, &v))
		return rk_fail(err, RK_INVALID, "--patients wants 1..%d, not '%s'", RK_MAX_SSMIX2_GEN_PATIENTS,
			       patients);
	if (patients)
		o->patients = v;
	if (seed && !str_to_i64(str_c(seed), 0, INT64_MAX, &v))
		return rk_fail(err, RK_INVALID, "--seed wants a non-negative number, not '%s'", seed);
	if (seed)
		o->seed = (uint64_t)v;
	if (facility && (strlen(facility) != 10 || !str_is_digits(str_c(facility))))
		return rk_fail(err, RK_INVALID, "--facility wants a 10-digit 医療機関コード, not '%s'", facility);
	if (facility)
		o->facility = facility;
	if (!out || !*out)
		return rk_fail(err, RK_INVALID, "the output directory is missing (renkei gen ssmix2 [options] OUT)");
	o->out = out;
	return RK_OK;
}

/* OUT must be absent or an empty directory: a storage is never mixed with an older one. */
static enum rk_status check_out(const char *out, struct rk_err *err)
{
	DIR *d = opendir(out);
	if (!d) {
		if (errno == ENOENT)
			return RK_OK;
		return rk_fail(err, RK_IO, "cannot open %s: %s", out, strerror(errno));
	}
	struct dirent *e;
	bool empty = true;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	closedir(d);
	return empty ? RK_OK : rk_fail(err, RK_CONFLICT, "%s is not empty; give a new or empty directory", out);
}

enum rk_status ssmix2_gen_storage(const struct ssmix2_gen_options *o, struct ssmix2_gen_stats *stats,
				  struct rk_err *err)
{
	memset(stats, 0, sizeof *stats);
	if (o->patients < 1 || o->patients > RK_MAX_SSMIX2_GEN_PATIENTS)
		return rk_fail(err, RK_INVALID, "patients must be 1..%d", RK_MAX_SSMIX2_GEN_PATIENTS);
	enum rk_status st = check_out(o->out, err);
	if (st != RK_OK)
		return st;
	struct ssmix2_gen_config cfg = {
		.out = o->out,
		.facility = {.code = o->facility,
			     .name = "れんけい総合病院",
			     .postal = "390-0811",
			     .address = "長野県松本市中央1丁目1番1号",
			     .phone = "0263-31-0001"},
	};
	struct ssmix2_gen *g = NULL;
	if ((st = ssmix2_gen_open(&cfg, &g, err)) != RK_OK)
		return st;
	struct name_pool *pool = pool_get(g);
	const uint64_t span = 9000000000ULL, step = 1000003ULL; /* step is prime to span: PIDs never repeat */
	uint64_t off = o->seed % span;
	for (int64_t i = 0; i < o->patients && st == RK_OK; i++) {
		struct rng r;
		rng_seed(&r, o->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)i);
		char pid[16], birth[9], addr[160], phone[24];
		snprintf(pid, sizeof pid, "%llu",
			 (unsigned long long)(1000000000ULL + ((uint64_t)i * step + off) % span));
		bool male = rng_chance(&r, 1, 2);
		unsigned age = (unsigned)(rng_chance(&r, 1, 5) ? rng_below(&r, 30) : 30 + rng_below(&r, 66));
		ssmix2_fmt_day(g->end_day - 365 * (int64_t)age - (int64_t)rng_below(&r, 365), birth);
		const struct demo_name *fam = pick_name(&r, demo_family_names, pool->fam, pool->nfam);
		const struct demo_name *giv = male ? pick_name(&r, demo_given_male, pool->male, pool->nmale)
						   : pick_name(&r, demo_given_female, pool->female, pool->nfemale);
		const struct demo_town *tw = &demo_towns[rng_below(&r, demo_towns_len)];
		if (tw->max_chome)
			snprintf(addr, sizeof addr, "%s%s%s%u丁目%u番%u号", tw->prefecture, tw->city, tw->town,
				 1 + (unsigned)rng_below(&r, tw->max_chome), 1 + (unsigned)rng_below(&r, 20),
				 1 + (unsigned)rng_below(&r, 30));
		else
			snprintf(addr, sizeof addr, "%s%s%s%u番地%u", tw->prefecture, tw->city, tw->town,
				 1 + (unsigned)rng_below(&r, 2000), 1 + (unsigned)rng_below(&r, 9));
		if (rng_chance(&r, 1, 2))
			snprintf(phone, sizeof phone, "0263-%02u-%04u", 20 + (unsigned)rng_below(&r, 80),
				 (unsigned)rng_below(&r, 10000));
		else
			snprintf(phone, sizeof phone, "090-%04u-%04u", (unsigned)rng_below(&r, 10000),
				 (unsigned)rng_below(&r, 10000));
		struct ssmix2_person p = {.pid = pid,
					  .family = fam->kanji,
					  .given = giv->kanji,
					  .family_kana = fam->kana,
					  .given_kana = giv->kana,
					  .birth = birth,
					  .sex = male ? 'M' : 'F',
					  .postal = tw->postal,
					  .address = addr,
					  .phone = phone};
		st = ssmix2_gen_patient(g, &p, rng_next(&r), err);
	}
	ssmix2_gen_stats(g, stats);
	ssmix2_gen_close(g);
	return st;
}
