/* ssmix2_gen_msg.c — the SS-MIX2 generator's messages: segments written field
 * by field into one UTF-8 buffer (text escaped with hl7_escape), one builder
 * per data type with the segment shapes of the SS-MIX2 標準化ストレージ仕様書
 * examples (the shared sample) and MSH-9 as in its table 1-1, lab values that
 * trend, and the file of each message: converted once with hl7_to_iso2022jp,
 * written with one write(2), its folders made on the first ENOENT. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"
#include "core/time.h"
#include "demo/ssmix2_gen_impl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct dept {
	const char *code, *ja;
} depts[] = {{"01", "内科"}, {"10", "外科"}, {"11", "整形外科"}, {"13", "皮膚科"}};
/* Diet orders (local codes, 99XY3 as in the sample). */
static const char *const diets[][2] = {
	{"001", "常食"}, {"011", "エネルギー調整食１６００ｋｃａｌ"}, {"021", "減塩食（塩分６ｇ）"}, {"003", "全粥食"}};

/* Lab panels: hematology (E001) and chemistry (E002) as in the sample's 99O03 codes. */
static const char *const panel_hema[] = {"wbc", "rbc", "hb", "ht", "plt"};
static const char *const panel_chem[] = {"tp",  "alb", "ast", "alt",  "ld",      "alp",   "ggt", "ck",
					 "bun", "cre", "ua",  "egfr", "glucose", "hba1c", "tc",  "tg",
					 "hdl", "ldl", "na",  "k",    "cl",      "ca",    "crp", "bnp"};

enum rk_status ssmix2_mkdirs(char *path, size_t from, struct rk_err *err)
{
	for (size_t i = from; path[i]; i++) {
		if (path[i] != '/' || i == 0)
			continue;
		path[i] = '\0';
		int rc = mkdir(path, 0755);
		int e = errno;
		path[i] = '/';
		if (rc != 0 && e != EEXIST)
			return rk_fail(err, RK_IO, "cannot create %.*s: %s", (int)i, path, strerror(e));
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return rk_fail(err, RK_IO, "cannot create %s: %s", path, strerror(errno));
	return RK_OK;
}

/* ---- segment writing ----------------------------------------------------- */

static void raw(struct ssmix2_gen *g, const char *s)
{
	buf_puts(&g->msg, s);
}

static void seg(struct ssmix2_gen *g, const char *name)
{
	buf_puts(&g->msg, name);
	g->field = name[0] == 'M' && name[1] == 'S' && name[2] == 'H' ? 1 : 0;
}

static void end(struct ssmix2_gen *g)
{
	buf_putc(&g->msg, '\r');
}

/* Move to field n of the current segment. */
static void fld(struct ssmix2_gen *g, int n)
{
	while (g->field < n) {
		buf_putc(&g->msg, '|');
		g->field++;
	}
}

/* Field n with fixed (already valid) content. */
static void fr(struct ssmix2_gen *g, int n, const char *s)
{
	fld(g, n);
	raw(g, s);
}

/* Text into a field: U+FF0D (full-width hyphen-minus) and U+FF5E (full-width
 * tilde) have no JIS X 0208 form; a Japanese system writes − and 〜. Then escape. */
static void esc(struct ssmix2_gen *g, const char *s)
{
	if (!s)
		return;
	const char *p = s;
	bool plain = true;
	for (; *p; p++)
		if ((unsigned char)*p == 0xEF) {
			plain = false;
			break;
		}
	struct str text = str_c(s);
	if (!plain) {
		buf_reset(&g->tmp);
		for (p = s; *p; p++) {
			const unsigned char *u = (const unsigned char *)p;
			if (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x8D) {
				buf_puts(&g->tmp, "\xE2\x88\x92");
				p += 2;
			} else if (u[0] == 0xEF && u[1] == 0xBD && u[2] == 0x9E) {
				buf_puts(&g->tmp, "\xE3\x80\x9C");
				p += 2;
			} else {
				buf_putc(&g->tmp, *p);
			}
		}
		text = buf_str(&g->tmp);
	}
	hl7_escape(&g->seps, text, &g->msg, NULL);
}

static void fe(struct ssmix2_gen *g, int n, const char *s)
{
	fld(g, n);
	esc(g, s);
}

static void num(struct ssmix2_gen *g, double v, unsigned decimals)
{
	char t[48];
	snprintf(t, sizeof t, "%.*f", (int)decimals, v);
	raw(g, t);
}

static void fnum(struct ssmix2_gen *g, int n, double v, unsigned decimals)
{
	fld(g, n);
	num(g, v, decimals);
}

static void fint(struct ssmix2_gen *g, int n, long long v)
{
	char t[24];
	snprintf(t, sizeof t, "%lld", v);
	fr(g, n, t);
}

/* ---- time ---------------------------------------------------------------- */

#define DAY_MS 86400000LL

/* YYYYMMDD of a day number. */
void ssmix2_fmt_day(int64_t day, char out[9])
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, 9, "%04u%02u%02u", (unsigned)y % 10000, m % 100, d % 100);
}

/* A local timestamp (ms since 1970-01-01 00:00 JST) in the given shape:
 * 17 = file name's 発生日時 YYYYMMDDHHMMSSfff, 14 = YYYYMMDDHHMMSS, 12 = ..HHMM,
 * 18 = MSH-7 YYYYMMDDHHMMSS.fff */
static void fmt_ts(int64_t ms, int shape, char out[24])
{
	char day[9];
	ssmix2_fmt_day(ms / DAY_MS, day);
	long rem = (long)(ms % DAY_MS);
	int hh = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), ss = (int)(rem / 1000 % 60),
	    fff = (int)(rem % 1000);
	if (shape == 17)
		snprintf(out, 24, "%s%02d%02d%02d%03d", day, hh, mi, ss, fff);
	else if (shape == 18)
		snprintf(out, 24, "%s%02d%02d%02d.%03d", day, hh, mi, ss, fff);
	else if (shape == 12)
		snprintf(out, 24, "%s%02d%02d", day, hh, mi);
	else
		snprintf(out, 24, "%s%02d%02d%02d", day, hh, mi, ss);
}

static void fts(struct ssmix2_gen *g, int n, int64_t ms, int shape)
{
	char t[24];
	fmt_ts(ms, shape, t);
	fr(g, n, t);
}

double ssmix2_unit(struct pt *t)
{
	return (double)(rng_next(&t->r) >> 11) / 9007199254740992.0;
}

/* Roughly normal, mean 0, sd 1 (Irwin–Hall of 4). */
double ssmix2_gauss(struct pt *t)
{
	return (ssmix2_unit(t) + ssmix2_unit(t) + ssmix2_unit(t) + ssmix2_unit(t) - 2.0) * 1.7320508;
}

bool ssmix2_has_chronic(const struct pt *t, const char *dx)
{
	for (size_t i = 0; i < t->nchr; i++)
		if (strcmp(t->chr[i]->dx, dx) == 0)
			return true;
	return false;
}

bool ssmix2_jis_ok(struct buf *scratch, const char *s)
{
	buf_reset(scratch);
	struct rk_err e;
	return hl7_to_iso2022jp(str_c(s), scratch, &e) == RK_OK;
}

/* ---- files ---------------------------------------------------------------- */

/* Write the message in g->msg as OUT/PID[0:3]/PID[3:6]/PID/<date>/<type>/<name>. */
/* Make folder `key` under the patient's folder (path holds the full file path;
 * prefix is the length of "root/PID[0:3]/PID[3:6]/PID/") unless made before. */
static enum rk_status make_dir(struct pt *t, char *path, size_t prefix, size_t keylen)
{
	const char *key = path + prefix;
	for (size_t i = 0; i < t->nmade; i++)
		if (strlen(t->made[i]) == keylen && memcmp(t->made[i], key, keylen) == 0)
			return RK_OK;
	char c = path[prefix + keylen];
	path[prefix + keylen] = '\0';
	int rc = mkdir(path, 0755), e = errno;
	enum rk_status st = RK_OK;
	if (rc != 0 && e == ENOENT)
		st = ssmix2_mkdirs(path, t->g->rootlen, t->err);
	else if (rc != 0 && e != EEXIST)
		st = rk_fail(t->err, RK_IO, "cannot create %s: %s", path, strerror(e));
	path[prefix + keylen] = c;
	if (st == RK_OK && t->nmade < MAX_MADE && keylen < sizeof t->made[0]) {
		memcpy(t->made[t->nmade], key, keylen);
		t->made[t->nmade++][keylen] = '\0';
	}
	return st;
}

static enum rk_status emit(struct pt *t, const char *date, const char *type, const char *order, int64_t ms,
			   const char *dept, char flag)
{
	struct ssmix2_gen *g = t->g;
	if (g->msg.overflow)
		return rk_fail(t->err, RK_TOO_LARGE, "generated %s message too large", type);
	buf_reset(&g->enc);
	enum rk_status st = hl7_to_iso2022jp(buf_str(&g->msg), &g->enc, t->err);
	if (st != RK_OK)
		return st;
	const char *pid = t->p->pid;
	/* Segments end with CR as HL7 has it; some systems write LF or CR LF, and
	 * so do the storages of every patient whose ID ends in 3 (LF) or 7 (CR LF). */
	char last = pid[strlen(pid) - 1];
	if (last == '3' || last == '7') {
		buf_reset(&g->tmp);
		for (size_t i = 0; i < g->enc.len; i++) {
			if (g->enc.data[i] != '\r')
				buf_putc(&g->tmp, g->enc.data[i]);
			else if (last == '3')
				buf_putc(&g->tmp, '\n');
			else
				buf_puts(&g->tmp, "\r\n");
		}
		buf_reset(&g->enc);
		buf_append(&g->enc, g->tmp.data, g->tmp.len);
	}
	char ts[24];
	fmt_ts(ms, 17, ts);
	int n = snprintf(g->path, sizeof g->path, "%s/%.3s/%.3s/%s/%s/%s/%s_%s_%s_%s_%s_%s_%c", g->root, pid, pid + 3,
			 pid, date, type, pid, date, type, order, ts, dept, flag);
	if (n < 0 || (size_t)n >= sizeof g->path)
		return rk_fail(t->err, RK_INVALID, "path too long under %s", g->root);
	size_t prefix = g->rootlen + 9 + strlen(pid) + 1, dlen = strlen(date), tlen = strlen(type);
	if ((st = make_dir(t, g->path, g->rootlen + 9, strlen(pid))) != RK_OK ||
	    (st = make_dir(t, g->path, prefix, dlen)) != RK_OK ||
	    (st = make_dir(t, g->path, prefix, dlen + 1 + tlen)) != RK_OK)
		return st;
	int fd = open(g->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		char *slash = strrchr(g->path, '/');
		*slash = '\0';
		st = ssmix2_mkdirs(g->path, g->rootlen, t->err);
		*slash = '/';
		if (st != RK_OK)
			return st;
		fd = open(g->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return rk_fail(t->err, RK_IO, "cannot create %s: %s", g->path, strerror(errno));
	const char *p = g->enc.data;
	size_t left = g->enc.len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			return rk_fail(t->err, RK_IO, "cannot write %s: %s", g->path, strerror(e));
		}
		p += w;
		left -= (size_t)w;
	}
	if (close(fd) != 0)
		return rk_fail(t->err, RK_IO, "cannot write %s: %s", g->path, strerror(errno));
	g->st.files++;
	g->st.bytes += (int64_t)g->enc.len;
	if (flag == SSMIX2_FLAG_SUPERSEDED)
		g->st.superseded++;
	else if (flag == SSMIX2_FLAG_DELETED)
		g->st.deleted++;
	return RK_OK;
}

/* A new timestamp on `day` at about `hour`, after every earlier one of this patient. */
int64_t ssmix2_stamp(struct pt *t, int64_t day, int hour)
{
	int64_t ms = day * DAY_MS + (int64_t)hour * 3600000 + (int64_t)rng_below(&t->r, 3000000);
	if (ms <= t->last_ms)
		ms = t->last_ms + 1000 + (int64_t)rng_below(&t->r, 60000);
	t->last_ms = ms;
	return ms;
}

void ssmix2_order_no(struct pt *t, int64_t day, char out[16])
{
	char d[9];
	ssmix2_fmt_day(day, d);
	snprintf(out, 16, "%s%07u", d, ++t->seq % 10000000u);
}

/* ---- common segments ------------------------------------------------------ */

static void msh(struct pt *t, int64_t ms, const char *type)
{
	struct ssmix2_gen *g = t->g;
	buf_reset(&g->msg);
	seg(g, "MSH");
	raw(g, "|^~\\&|HIS|");
	raw(g, g->fac_code);
	raw(g, "|GW|RCV");
	g->field = 6;
	fts(g, 7, ms, 18);
	fr(g, 9, type);
	char ctl[24];
	snprintf(ctl, sizeof ctl, "%s%05u", t->p->pid, ++t->ctl % 100000u);
	fr(g, 10, ctl);
	fr(g, 11, "P");
	fr(g, 12, "2.5");
	fr(g, 18, "~ISO IR87");
	fr(g, 20, "ISO2022-1994");
	fr(g, 21, "SS-MIX2_1.20^SS-MIX2^1.2.392.200250.2.1.100.1.2.120^ISO");
	end(g);
}

static void evn(struct pt *t, int64_t ms, int64_t occurred)
{
	struct ssmix2_gen *g = t->g;
	seg(g, "EVN");
	fts(g, 2, ms, 12);
	if (occurred)
		fts(g, 6, occurred, 12);
	end(g);
}

static void xcn(struct ssmix2_gen *g, const char *id, const struct demo_name *fam, const struct demo_name *given)
{
	raw(g, id);
	raw(g, "^");
	esc(g, fam->kanji);
	raw(g, "^");
	esc(g, given->kanji);
	raw(g, "^^^^^^^L^^^^^I");
}

static void doctor(struct pt *t, int n)
{
	fld(t->g, n);
	xcn(t->g, t->doc_id, t->doc_fam, t->doc_given);
}

/* PID: ID, kanji and kana names, birth date, sex; full (address, phones, last
 * update) for ADT-00 and orders as in the sample. */
static void pid_seg(struct pt *t, bool full, const char *postal, const char *address, int64_t updated)
{
	struct ssmix2_gen *g = t->g;
	const struct ssmix2_person *p = t->p;
	seg(g, "PID");
	fr(g, 1, "0001");
	fr(g, 3, p->pid);
	raw(g, "^^^^PI");
	fe(g, 5, p->family);
	raw(g, "^");
	esc(g, p->given);
	raw(g, "^^^^^L^I~");
	esc(g, p->family_kana);
	raw(g, "^");
	esc(g, p->given_kana);
	raw(g, "^^^^^L^P");
	fr(g, 7, p->birth);
	fr(g, 8, p->sex == 'M' ? "M" : "F");
	if (full) {
		if (address && *address) {
			fr(g, 11, "^^^^");
			esc(g, postal);
			raw(g, "^JPN^H^");
			esc(g, address);
		}
		if (p->phone && *p->phone) {
			fr(g, 13, "^PRN^PH^^^^^^^^^");
			esc(g, p->phone);
		}
		if (updated)
			fts(g, 33, updated, 14);
	}
	end(g);
}

static void pv1_out(struct pt *t, int dept)
{
	struct ssmix2_gen *g = t->g;
	seg(g, "PV1");
	fr(g, 1, "0001");
	fr(g, 2, "O");
	fr(g, 3, depts[dept].code);
	raw(g, "^^^^^C");
	doctor(t, 7);
	fr(g, 10, depts[dept].code);
	end(g);
}

static void location(struct ssmix2_gen *g, const struct stay *s)
{
	esc(g, s->a->ward);
	raw(g, "^");
	raw(g, s->room);
	raw(g, "^");
	raw(g, s->bed);
	raw(g, "^^^N");
}

static void pv1_stay(struct pt *t, const struct stay *s, int64_t admit_ms, int64_t discharge_ms, const char *prior_room)
{
	struct ssmix2_gen *g = t->g;
	seg(g, "PV1");
	fr(g, 1, "0001");
	fr(g, 2, "I");
	fld(g, 3);
	location(g, s);
	if (prior_room) { /* PV1-6 prior location (A02) */
		fld(g, 6);
		esc(g, s->a->ward);
		raw(g, "^");
		raw(g, prior_room);
		raw(g, "^1^^^N");
	}
	doctor(t, 7);
	fr(g, 10, depts[s->a->dept].code);
	doctor(t, 17);
	fr(g, 19, s->visit);
	if (admit_ms)
		fts(g, 44, admit_ms, 12);
	if (discharge_ms)
		fts(g, 45, discharge_ms, 12);
	end(g);
}

static void pv1_in(struct pt *t, const struct stay *s)
{
	pv1_stay(t, s, s->admit_ms ? s->admit_ms : s->day * DAY_MS + 10 * 3600000LL, 0, NULL);
}

/* ORC of an order: control, numbers, when, who, where, facility, kind. */
struct orc_args {
	const char *control, *order, *filler, *group, *status, *parent;
	int64_t ms;
	int dept;
	const struct stay *s;
};

static void orc(struct pt *t, const struct orc_args *a)
{
	struct ssmix2_gen *g = t->g;
	seg(g, "ORC");
	fr(g, 1, a->control);
	fr(g, 2, a->order);
	if (a->filler)
		fr(g, 3, a->filler);
	if (a->group)
		fr(g, 4, a->group);
	if (a->status)
		fr(g, 5, a->status);
	if (a->parent)
		fr(g, 8, a->parent);
	fts(g, 9, a->ms, 14);
	fld(g, 10);
	xcn(g, t->nurse_id, t->nurse_fam, t->nurse_given);
	doctor(t, 12);
	fld(g, 13);
	if (a->s) {
		location(g, a->s);
	} else {
		raw(g, depts[a->dept].code);
		raw(g, "^^^^^C");
	}
	fr(g, 17, depts[a->dept].code);
	raw(g, "^");
	raw(g, depts[a->dept].ja);
	raw(g, "^99XY1");
	fe(g, 21, g->fac_name);
	if (*g->fac_address) {
		fr(g, 22, "^^^^");
		esc(g, g->fac_postal);
		raw(g, "^JPN^^");
		esc(g, g->fac_address);
	}
	if (*g->fac_phone) {
		fr(g, 23, "^^^^^^^^^^^");
		esc(g, g->fac_phone);
	}
	fr(g, 29, a->s ? "I^入院患者オーダ^HL70482" : "O^外来患者オーダ^HL70482");
	end(g);
}

/* ---- lab values ------------------------------------------------------------ */

static size_t lab_index(const char *key)
{
	const struct codes_lab *l = codes_labs_find(key);
	return l ? (size_t)(l - codes_labs) : 0;
}

/* Japanese eGFR (JSN 2009) from creatinine, and back. */
static double egfr_of(double cre, int age, bool male)
{
	return 194.0 * pow(cre, -1.094) * pow(age < 18 ? 18 : age, -0.287) * (male ? 1.0 : 0.739);
}

static double cre_of(double egfr, int age, bool male)
{
	return pow(194.0 * pow(age < 18 ? 18 : age, -0.287) * (male ? 1.0 : 0.739) / egfr, 1.0 / 1.094);
}

/* A value on `day`: the person's usual value, conditions that move it (falling
 * after treatment began at first_visit), an infection's acute phase, noise. */
static double lab_value(struct pt *t, const struct codes_lab *l, int64_t day, double inflammation)
{
	size_t i = (size_t)(l - codes_labs);
	double months = (double)(day - t->first_visit) / 30.0;
	double fall = exp(-months / 4.0); /* treatment effect: two thirds in 4 months */
	double v = t->base[i] + ssmix2_gauss(t) * l->spread * 0.5;
	const char *k = l->key;
	if (strcmp(k, "hba1c") == 0 && ssmix2_has_chronic(t, "diabetes"))
		v = 6.7 + (t->base[i] - 6.7) * fall + ssmix2_gauss(t) * 0.15;
	else if (strcmp(k, "glucose") == 0 && ssmix2_has_chronic(t, "diabetes"))
		v = 28.7 * (6.7 + (t->base[lab_index("hba1c")] - 6.7) * fall) - 46.7 + ssmix2_gauss(t) * 12;
	else if (strcmp(k, "ldl") == 0 && ssmix2_has_chronic(t, "dyslipidemia"))
		v = 118 + (t->base[i] - 118) * fall + ssmix2_gauss(t) * 8;
	else if (strcmp(k, "ua") == 0 && ssmix2_has_chronic(t, "hyperuricemia"))
		v = 6.0 + (t->base[i] - 6.0) * fall + ssmix2_gauss(t) * 0.3;
	else if (strcmp(k, "bnp") == 0 && ssmix2_has_chronic(t, "heart_failure"))
		v = 110 + (t->base[i] - 110) * fall + ssmix2_gauss(t) * 15;
	else if (strcmp(k, "egfr") == 0 || strcmp(k, "cre") == 0) {
		double egfr = t->base[lab_index("egfr")];
		if (ssmix2_has_chronic(t, "ckd"))
			egfr -= months * 0.25; /* about 3 mL/min/1.73m2 a year */
		egfr += ssmix2_gauss(t) * 2.0;
		if (egfr < 8)
			egfr = 8;
		v = strcmp(k, "egfr") == 0 ? egfr : cre_of(egfr, t->age, t->male);
	} else if (strcmp(k, "crp") == 0)
		v += inflammation * (8 + ssmix2_unit(t) * 7);
	else if (strcmp(k, "wbc") == 0)
		v += inflammation * (5 + ssmix2_unit(t) * 5);
	else if (strcmp(k, "tc") == 0)
		v = t->base[lab_index("ldl")] * (ssmix2_has_chronic(t, "dyslipidemia") ? (118 + 57 * fall) / 175 : 1) +
		    t->base[lab_index("hdl")] + t->base[lab_index("tg")] / 5 + ssmix2_gauss(t) * 6;
	if (v < 0)
		v = l->decimals ? pow(10, -(double)l->decimals) : 1;
	return v;
}

void ssmix2_lab_baseline(struct pt *t)
{
	for (size_t i = 0; i < codes_labs_len && i < N(t->base); i++) {
		const struct codes_lab *l = &codes_labs[i];
		double v = l->typical + ssmix2_gauss(t) * l->spread;
		if (strcmp(l->key, "hb") == 0 || strcmp(l->key, "rbc") == 0 || strcmp(l->key, "ht") == 0)
			v *= t->male ? 1.04 : 0.92;
		t->base[i] = v < 0 ? l->typical : v;
	}
	double cre = (t->male ? 0.85 : 0.63) + ssmix2_gauss(t) * 0.07;
	t->base[lab_index("egfr")] = egfr_of(cre, t->age, t->male);
	if (ssmix2_has_chronic(t, "ckd"))
		t->base[lab_index("egfr")] = 44 + ssmix2_unit(t) * 14;
	if (ssmix2_has_chronic(t, "diabetes"))
		t->base[lab_index("hba1c")] = 7.6 + ssmix2_unit(t) * 1.8;
	if (ssmix2_has_chronic(t, "dyslipidemia"))
		t->base[lab_index("ldl")] = 165 + ssmix2_unit(t) * 35;
	if (ssmix2_has_chronic(t, "hyperuricemia"))
		t->base[lab_index("ua")] = 8.2 + ssmix2_unit(t) * 1.3;
	if (ssmix2_has_chronic(t, "heart_failure"))
		t->base[lab_index("bnp")] = 220 + ssmix2_unit(t) * 250;
}

/* RXE-2 as real storages write it: mostly HOT9; some lines HOT13 (HOT9 and
 * a 4-digit 物流 part), some the hospital's own code (a 99xxx table) — each
 * with the HOT9 as the alternate coding, as an order system that knows both
 * sends them. `pick` chooses, without drawing from the story's generator. */
static void drug_code(struct ssmix2_gen *g, const struct codes_medicine *m, unsigned pick)
{
	switch (pick % 10) {
	case 0:
	case 5:
		raw(g, m->hot9);
		raw(g, "0101^");
		esc(g, m->name);
		raw(g, "^HOT13^");
		break;
	case 3:
		raw(g, "Y");
		raw(g, m->hot9 + 3);
		raw(g, "^");
		esc(g, m->name);
		raw(g, "^99YKZ^");
		break;
	default: break;
	}
	raw(g, m->hot9);
	raw(g, "^");
	esc(g, m->name);
	raw(g, "^HOT9");
}

/* ---- data types ------------------------------------------------------------- */

/* ADT-00 (ADT^A08): demographics, height/weight/blood type, drug allergies, insurance. */
enum rk_status ssmix2_msg_adt00(struct pt *t, int64_t ms, const char *postal, const char *address, char flag,
				const struct codes_allergen *const *allergies, size_t nall)
{
	struct ssmix2_gen *g = t->g;
	msh(t, ms, "ADT^A08^ADT_A01");
	evn(t, ms - 120000, 0);
	pid_seg(t, true, postal, address, ms - 60000);
	pv1_out(t, D_INTERNAL);
	double h = t->male ? 167 + ssmix2_gauss(t) * 6 : 154 + ssmix2_gauss(t) * 5.5;
	double w = (t->male ? 22.8 : 21.5) * (h / 100) * (h / 100) + ssmix2_gauss(t) * 6;
	seg(g, "OBX");
	fr(g, 1, "1");
	fr(g, 2, "NM");
	fr(g, 3, "9N001000000000001^身長^JC10");
	fnum(g, 5, h, 1);
	fr(g, 6, "cm^cm^ISO+");
	fr(g, 11, "F");
	end(g);
	seg(g, "OBX");
	fr(g, 1, "2");
	fr(g, 2, "NM");
	fr(g, 3, "9N006000000000001^体重^JC10");
	fnum(g, 5, w, 1);
	fr(g, 6, "kg^kg^ISO+");
	fr(g, 11, "F");
	end(g);
	static const char *const abo[] = {"A", "A", "A", "A", "O", "O", "O", "B", "B", "AB"};
	seg(g, "OBX");
	fr(g, 1, "3");
	fr(g, 2, "CWE");
	fr(g, 3, "5H010000009199911^血液型-ABO式^JC10");
	const char *bt = abo[(t->p->pid[strlen(t->p->pid) - 1] - '0' + 10) % 10];
	fld(g, 5);
	raw(g, bt);
	raw(g, "^");
	raw(g, bt);
	raw(g, "^JSHR002");
	fr(g, 11, "F");
	end(g);
	int k = 0;
	for (size_t i = 0; i < nall; i++) {
		const struct codes_allergen *a = allergies[i];
		if (strcmp(a->category, "medication") != 0)
			continue;
		const struct codes_medicine *m = codes_medicines_find(a->key);
		seg(g, "AL1");
		fint(g, 1, ++k);
		fr(g, 2, "DA^薬剤アレルギー^HL70127");
		fld(g, 3);
		if (m) {
			raw(g, m->hot9);
			raw(g, "^");
			esc(g, m->name);
			raw(g, "^HOT9");
		} else {
			raw(g, "^");
			esc(g, a->ja);
		}
		fr(g, 4, a->high ? "SV^重症^HL70128" : "MO^中等症^HL70128");
		fe(g, 5, a->reaction);
		end(g);
	}
	/* the next of kin: a spouse, or for the young a parent, on the family's phone */
	const char *pid = t->p->pid;
	size_t plen = strlen(pid);
	seg(g, "NK1");
	fr(g, 1, "1");
	fld(g, 2);
	esc(g, t->p->family);
	raw(g, "^");
	esc(g, t->nurse_given->kanji);
	raw(g, "^^^^^L^I");
	fr(g, 3, t->age >= 30 ? "SPO^配偶者^HL70063" : "PAR^親^HL70063");
	char tel[40];
	snprintf(tel, sizeof tel, "^PRN^PH^^^^^^^^^090-%.4s-%.4s", plen >= 8 ? pid + plen - 8 : "0000",
		 plen >= 4 ? pid + plen - 4 : "0000");
	fr(g, 5, tel);
	end(g);
	seg(g, "IN1");
	fr(g, 1, "1");
	if (t->age >= 75) {
		fr(g, 2, "39^後期高齢者医療^JHSD0001");
		fr(g, 3, "39202004");
		fe(g, 4, "長野県後期高齢者医療広域連合");
	} else {
		fr(g, 2, "01^全国健康保険協会管掌健康保険^JHSD0001");
		fr(g, 3, "01200017");
		fe(g, 4, "全国健康保険協会長野支部");
	}
	fe(g, 10, t->age >= 75 ? "" : "長松");
	fr(g, 11, pid);
	char since[9];
	ssmix2_fmt_day(t->begin - 400, since);
	fr(g, 12, since);
	fr(g, 17, "SEL^本人^HL70063");
	end(g);
	return emit(t, "-", "ADT-00", SSMIX2_ORDER_NONE, ms, "-", flag);
}

/* ADT-12 (ADT^A04): an outpatient visit. */
enum rk_status ssmix2_msg_adt12(struct pt *t, int64_t ms, int dept)
{
	msh(t, ms, "ADT^A04^ADT_A01");
	evn(t, ms, ms - 60000);
	pid_seg(t, false, NULL, NULL, 0);
	pv1_out(t, dept);
	char d[9];
	ssmix2_fmt_day(ms / DAY_MS, d);
	return emit(t, d, "ADT-12", SSMIX2_ORDER_NONE, ms, depts[dept].code, SSMIX2_FLAG_CURRENT);
}

/* Inpatient ADT events: ADT-21 A14, ADT-22 A01, ADT-31 A21, ADT-32 A22, ADT-42 A02, ADT-52 A03. */
enum rk_status ssmix2_msg_adt_stay(struct pt *t, const char *type, const char *msg9, int64_t ms, const struct stay *s,
				   int64_t admit_ms, int64_t discharge_ms, const char *prior_room)
{
	msh(t, ms, msg9);
	evn(t, ms, ms - 300000);
	pid_seg(t, false, NULL, NULL, 0);
	pv1_stay(t, s, admit_ms, discharge_ms, prior_room);
	char d[9];
	ssmix2_fmt_day(ms / DAY_MS, d);
	return emit(t, d, type, SSMIX2_ORDER_NONE, ms, depts[s->a->dept].code, SSMIX2_FLAG_CURRENT);
}

/* ADT-61 (ADT^A60): allergies as IAM segments. */
enum rk_status ssmix2_msg_adt61(struct pt *t, int64_t ms, const struct codes_allergen *const *all, size_t n)
{
	struct ssmix2_gen *g = t->g;
	msh(t, ms, "ADT^A60^ADT_A60");
	evn(t, ms, 0);
	pid_seg(t, false, NULL, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		const struct codes_allergen *a = all[i];
		seg(g, "IAM");
		fint(g, 1, (long long)i + 1);
		if (strcmp(a->category, "medication") == 0)
			fr(g, 2, "DA^薬剤アレルギー^HL70127");
		else if (strcmp(a->category, "food") == 0)
			fr(g, 2, "FA^食物アレルギー^HL70127");
		else
			fr(g, 2, "EA^環境アレルギー^HL70127");
		fld(g, 3);
		const struct codes_medicine *m =
			strcmp(a->category, "medication") == 0 ? codes_medicines_find(a->key) : NULL;
		raw(g, m ? m->hot9 : a->code);
		raw(g, "^");
		esc(g, m ? m->name : a->ja);
		raw(g, m ? "^HOT9" : "^JFAGY");
		fr(g, 4, a->high ? "SV^重症^HL70128" : (i % 2 ? "MI^軽症^HL70128" : "MO^中等症^HL70128"));
		fe(g, 5, a->reaction);
		fr(g, 6, "A^追加^HL70323");
		char onset[9];
		ssmix2_fmt_day(t->begin - 365 * (int64_t)(1 + rng_below(&t->r, 20)), onset);
		onset[6] = '\0';
		fr(g, 11, onset);
		end(g);
	}
	return emit(t, "-", "ADT-61", SSMIX2_ORDER_NONE, ms, "-", SSMIX2_FLAG_CURRENT);
}

/* PPR-01 (PPR^ZD1): every diagnosis known at `ms`, ongoing or resolved. */
enum rk_status ssmix2_msg_ppr01(struct pt *t, int64_t ms, char flag)
{
	struct ssmix2_gen *g = t->g;
	msh(t, ms, "PPR^ZD1^PPR_ZD1");
	pid_seg(t, false, NULL, NULL, 0);
	int64_t day = ms / DAY_MS;
	for (size_t i = 0; i < t->ndx; i++) {
		const struct dx *x = &t->dx[i];
		if (x->onset > day)
			continue;
		char id[16], on[9], res[9];
		snprintf(id, sizeof id, "%015u", x->id);
		ssmix2_fmt_day(x->onset, on);
		seg(g, "PRB");
		fr(g, 1, "AD");
		fr(g, 2, on);
		fld(g, 3); /* MEDIS 病名交換用コード where known, ICD-10 as well (or alone) */
		if (x->d->medis) {
			raw(g, x->d->medis);
			raw(g, "^");
			esc(g, x->d->ja);
			raw(g, "^MDCDX2^");
		}
		raw(g, x->d->icd10);
		raw(g, "^");
		esc(g, x->d->ja);
		raw(g, "^I10");
		fr(g, 4, id);
		fr(g, 7, on);
		bool resolved = x->resolved && x->resolved <= day;
		if (resolved) {
			ssmix2_fmt_day(x->resolved, res);
			fr(g, 9, res);
		}
		fr(g, 10, x->d->icd10);
		raw(g, "^^I10");
		/* an acute diagnosis is now and then recorded as suspected (疑い, PRB-13) */
		bool suspected = i > 0 && x->resolved && x->id % 3 == 0;
		if (suspected)
			fr(g, 13, "P^疑い^99DXS");
		if (resolved) {
			fr(g, 14, "F^治癒^HL70241");
			fr(g, 15, res);
		}
		fr(g, 16, on);
		fe(g, 17, x->d->ja);
		if (suspected)
			raw(g, "の疑い");
		fr(g, 18, i == 0 ? "1^主診断^JHSD0007" : "2^副診断^JHSD0007");
		end(g);
		if (x->d->medis) {
			seg(g, "ZPR");
			fld(g, 2);
			raw(g, x->d->medis);
			raw(g, "^");
			esc(g, x->d->ja);
			raw(g, "^MDCDX2");
			end(g);
		}
		orc(t,
		    &(struct orc_args){
			    .control = "NW", .order = id, .ms = x->onset * DAY_MS + 10 * 3600000LL, .dept = x->dept});
	}
	return emit(t, "-", "PPR-01", SSMIX2_ORDER_NONE, ms, depts[D_INTERNAL].code, flag);
}

/* OMP-01 (RDE^O11): one prescription order, one Rp (ORC/RXE/TQ1/RXR) per medicine. */
enum rk_status ssmix2_msg_omp01(struct pt *t, int64_t ms, const char *order, const struct rx *rx, size_t n, int dept,
				const struct stay *s, const char *control, char flag)
{
	struct ssmix2_gen *g = t->g;
	msh(t, ms, "RDE^O11^RDE_O11");
	pid_seg(t, true, t->p->postal, t->p->address, 0);
	if (s)
		pv1_in(t, s);
	else
		pv1_out(t, dept);
	for (size_t i = 0; i < n; i++) {
		const struct codes_medicine *m = rx[i].m;
		const struct codes_usage *u = codes_usages_find(m->usage ? m->usage : "morning");
		char grp[24];
		snprintf(grp, sizeof grp, "%zu", i + 1);
		orc(t,
		    &(struct orc_args){
			    .control = control, .order = order, .group = grp, .ms = ms - 600000, .dept = dept, .s = s});
		seg(g, "RXE");
		fld(g, 2);
		drug_code(g, m, (unsigned)(ms / 60000 + i));
		fnum(g, 3, rx[i].dose, rx[i].dose == floor(rx[i].dose) ? 0 : 1);
		fld(g, 5);
		raw(g, m->unit);
		raw(g, "^");
		esc(g, m->unit_ja);
		raw(g, "^MR9P");
		fnum(g, 10, rx[i].dose * u->per_day * rx[i].days, 0);
		fld(g, 11);
		raw(g, m->unit);
		raw(g, "^");
		esc(g, m->unit_ja);
		raw(g, "^MR9P");
		fr(g, 15, order);
		fld(g, 19);
		num(g, rx[i].dose * u->per_day, rx[i].dose == floor(rx[i].dose) ? 0 : 1);
		raw(g, "^");
		raw(g, m->unit);
		raw(g, "&");
		esc(g, m->unit_ja);
		raw(g, "&MR9P");
		fr(g, 21, s ? "IHP^入院処方^MR9P~FTP^定時処方^99I01" : "OHP^外来処方^MR9P~OHO^院外処方^MR9P");
		end(g);
		seg(g, "TQ1");
		fr(g, 1, "1");
		fr(g, 3, u->code);
		raw(g, "&");
		esc(g, u->ja);
		raw(g, "&JAMISDP01");
		fint(g, 6, rx[i].days);
		raw(g, "^d");
		char start[24];
		fmt_ts(ms + DAY_MS, 12, start);
		start[10] = '\0';
		fr(g, 7, start);
		end(g);
		seg(g, "RXR");
		fr(g, 1, "PO^口^HL70162");
		end(g);
	}
	char d[9];
	ssmix2_fmt_day(ms / DAY_MS, d);
	return emit(t, d, "OMP-01", order, ms, depts[dept].code, flag);
}

/* OMP-02 (RDE^O11): the drip of an admission, one group per day (base + additive as RXC). */
enum rk_status ssmix2_msg_omp02(struct pt *t, int64_t ms, const char *order, const struct stay *s, unsigned ndays)
{
	struct ssmix2_gen *g = t->g;
	const struct codes_medicine *base = codes_medicines_find(s->a->base);
	const struct codes_medicine *add = codes_medicines_find(s->a->additive);
	msh(t, ms, "RDE^O11^RDE_O11");
	pid_seg(t, true, t->p->postal, t->p->address, 0);
	pv1_in(t, s);
	for (unsigned i = 0; i < ndays; i++) {
		char grp[32];
		snprintf(grp, sizeof grp, "%s_01_%03u", order, (i + 1) % 1000);
		orc(t, &(struct orc_args){.control = "NW",
					  .order = order,
					  .group = grp,
					  .ms = ms - 900000,
					  .dept = s->a->dept,
					  .s = s});
		seg(g, "RXE");
		fr(g, 2, "00^一般^99I02");
		fnum(g, 3, base->dose, 0);
		fr(g, 5, "ML^ミリリットル^MR9P");
		fr(g, 6, "INJ^注射剤^MR9P");
		fr(g, 7, "^２時間で点滴静注^99IC6");
		fr(g, 15, order);
		fr(g, 21, "IHP^入院処方^MR9P~FTP^定時処方^99I01");
		fr(g, 23, "250");
		fr(g, 24, "ml/hr^ミリリットル／時間^ISO+");
		end(g);
		seg(g, "TQ1");
		fr(g, 1, "1");
		int64_t start = (s->day + i) * DAY_MS + 9 * 3600000LL;
		fts(g, 7, start, 12);
		fts(g, 8, start + 2 * 3600000LL, 12);
		end(g);
		seg(g, "RXR");
		fr(g, 1, "IV^静脈内^HL70162");
		fr(g, 3, "IVP^点滴ポンプ^HL70164");
		end(g);
		const struct codes_medicine *parts[2] = {base, add};
		for (int k = 0; k < 2; k++) {
			seg(g, "RXC");
			fr(g, 1, k ? "A" : "B");
			fld(g, 2);
			raw(g, parts[k]->hot9);
			raw(g, "^");
			esc(g, parts[k]->name);
			raw(g, "^HOT9");
			fr(g, 3, "1");
			fld(g, 4);
			raw(g, k ? parts[k]->unit : "HON");
			raw(g, "^");
			esc(g, k ? parts[k]->unit_ja : "本");
			raw(g, "^MR9P");
			end(g);
		}
	}
	char d[9];
	ssmix2_fmt_day(ms / DAY_MS, d);
	return emit(t, d, "OMP-02", order, ms, depts[s->a->dept].code, SSMIX2_FLAG_CURRENT);
}

/* OMP-11 / OMP-12 (RAS^O17): what was given on a day (oral: the chronic medicines; injection: the drip). */
enum rk_status ssmix2_msg_ras(struct pt *t, bool injection, int64_t day, const char *order, const struct stay *s,
			      unsigned group)
{
	struct ssmix2_gen *g = t->g;
	int64_t start = day * DAY_MS + (injection ? 9 : 8) * 3600000LL + (int64_t)rng_below(&t->r, 600000);
	int64_t done = start + (injection ? 2 * 3600000LL : 60000);
	int64_t ms = done + 600000 + (int64_t)rng_below(&t->r, 1200000);
	if (ms <= t->last_ms)
		ms = t->last_ms + 1000;
	t->last_ms = ms;
	msh(t, ms, "RAS^O17^RAS_O17");
	pid_seg(t, false, NULL, NULL, 0);
	pv1_in(t, s);
	char grp[32];
	snprintf(grp, sizeof grp, "%s_01_%03u", order, group % 1000);
	orc(t, &(struct orc_args){.control = "NW",
				  .order = order,
				  .group = injection ? grp : "1",
				  .ms = ms,
				  .dept = s->a->dept,
				  .s = s});
	const struct codes_medicine *list[MAX_MEDS + 2];
	size_t n = 0;
	if (injection) {
		list[n++] = codes_medicines_find(s->a->base);
		list[n++] = codes_medicines_find(s->a->additive);
	} else {
		for (size_t i = 0; i < t->nmeds; i++)
			list[n++] = t->meds[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct codes_medicine *m = list[i];
		seg(g, "RXA");
		fr(g, 1, "0");
		fr(g, 2, "1");
		fts(g, 3, start, 14);
		fts(g, 4, done, 14);
		fld(g, 5);
		raw(g, m->hot9);
		raw(g, "^");
		esc(g, m->name);
		raw(g, "^HOT9");
		fr(g, 6, "1");
		fld(g, 7);
		bool bag = injection && i == 0;
		raw(g, bag ? "HON" : m->unit);
		raw(g, "^");
		esc(g, bag ? "本" : m->unit_ja);
		raw(g, "^MR9P");
		fld(g, 10);
		xcn(g, t->nurse_id, t->nurse_fam, t->nurse_given);
		fld(g, 11);
		location(g, s);
		if (injection)
			fr(g, 12, "250ml/hr");
		fr(g, 20, "CP");
		fts(g, 22, ms, 14);
		end(g);
	}
	seg(g, "RXR");
	fr(g, 1, injection ? "IV^静脈内^HL70162" : "PO^口^HL70162");
	if (injection)
		fr(g, 3, "IVP^点滴ポンプ^HL70164");
	end(g);
	char d[9];
	ssmix2_fmt_day(day, d);
	return emit(t, d, injection ? "OMP-12" : "OMP-11", order, ms, depts[s->a->dept].code, SSMIX2_FLAG_CURRENT);
}

/* OML-11 (OUL^R22): hematology and chemistry results of one draw. `corrected`
 * re-sends with one value changed (OBX-11 C) after a first version (flag 2). */
enum rk_status ssmix2_msg_oml11(struct pt *t, int64_t day, int dept, const struct stay *s, double inflammation,
				bool correct)
{
	struct ssmix2_gen *g = t->g;
	char order[16], spec[16];
	ssmix2_order_no(t, day, order);
	snprintf(spec, sizeof spec, "%s", order);
	spec[0] = '9';
	int64_t drawn = ssmix2_stamp(t, day, 9);
	int64_t ms = drawn + 3600000LL + (int64_t)rng_below(&t->r, 3600000);
	t->last_ms = ms;
	double vals[N(panel_hema) + N(panel_chem)];
	const struct codes_lab *labs[N(vals)];
	size_t nv = 0;
	for (size_t p = 0; p < 2; p++) {
		const char *const *keys = p ? panel_chem : panel_hema;
		size_t nk = p ? N(panel_chem) : N(panel_hema);
		for (size_t i = 0; i < nk; i++) {
			const struct codes_lab *l = codes_labs_find(keys[i]);
			if (!l || (strcmp(l->key, "hba1c") == 0 && !ssmix2_has_chronic(t, "diabetes")) ||
			    (strcmp(l->key, "bnp") == 0 && !ssmix2_has_chronic(t, "heart_failure")))
				continue;
			labs[nv] = l;
			vals[nv++] = lab_value(t, l, day, inflammation);
		}
	}
	size_t fix = nv ? (size_t)rng_below(&t->r, nv) : 0;
	for (int version = correct ? 0 : 1; version < 2; version++) {
		int64_t at = version == 1 && correct ? ms + 2 * 3600000LL : ms;
		if (at > t->last_ms)
			t->last_ms = at;
		msh(t, at, "OUL^R22^OUL_R22");
		pid_seg(t, true, t->p->postal, t->p->address, 0);
		if (s)
			pv1_in(t, s);
		else
			pv1_out(t, dept);
		size_t k = 0;
		for (int p = 0; p < 2; p++) {
			seg(g, "SPM");
			fint(g, 1, p + 1);
			fr(g, 2, spec);
			fr(g, 4, p ? "023^血清^JC10" : "019^全血^JC10");
			fts(g, 17, drawn, 12);
			end(g);
			seg(g, "OBR");
			fint(g, 1, p + 1);
			fr(g, 2, order);
			fr(g, 3, spec);
			fr(g, 4, p ? "E002^生化学的検査^99O03" : "E001^血液学的検査^99O03");
			fts(g, 7, drawn, 12);
			doctor(t, 16);
			fts(g, 22, at, 14);
			fr(g, 25, version == 1 && correct ? "C" : "F");
			end(g);
			orc(t, &(struct orc_args){.control = "SC",
						  .order = order,
						  .filler = spec,
						  .status = "CM",
						  .ms = at,
						  .dept = s ? s->a->dept : dept,
						  .s = s});
			int seq = 0;
			size_t stop = p ? nv : N(panel_hema);
			for (; k < stop && k < nv; k++) {
				const struct codes_lab *l = labs[k];
				double v = vals[k];
				bool changed = version == 1 && correct && k == fix;
				if (changed)
					v *= 1.08;
				double lo, hi;
				codes_lab_range(l, t->male, &lo, &hi);
				double shown = round(v * pow(10, l->decimals)) / pow(10, l->decimals);
				/* below the limit of detection: a text result, "<0.03", with its unit */
				bool below = strcmp(l->key, "crp") == 0 && shown < 0.03;
				seg(g, "OBX");
				fint(g, 1, ++seq);
				fr(g, 2, below ? "ST" : "NM");
				fld(g, 3);
				raw(g, l->jlac10);
				raw(g, "^");
				esc(g, l->ja);
				raw(g, "^JC10");
				if (below)
					fr(g, 5, "<0.03");
				else
					fnum(g, 5, shown, l->decimals);
				fld(g, 6);
				esc(g, l->ucum);
				raw(g, "^");
				esc(g, l->unit);
				raw(g, "^UCUM");
				fld(g, 7);
				if (hi >= 0) {
					num(g, lo, l->decimals);
					raw(g, "-");
					num(g, hi, l->decimals);
				} else {
					raw(g, ">=");
					num(g, lo, l->decimals);
				}
				if (hi >= 0 && shown > hi)
					fr(g, 8, "H");
				else if (shown < lo)
					fr(g, 8, "L");
				fr(g, 11, changed ? "C" : "F");
				fts(g, 14, drawn, 12);
				end(g);
			}
		}
		char d[9];
		ssmix2_fmt_day(day, d);
		const char *dc = s ? depts[s->a->dept].code : depts[dept].code;
		enum rk_status st = emit(t, d, "OML-11", order, at, dc,
					 correct && version == 0 ? SSMIX2_FLAG_SUPERSEDED : SSMIX2_FLAG_CURRENT);
		if (st != RK_OK)
			return st;
	}
	return RK_OK;
}

/* OMG-01 (OMG^O19) then OMG-11 (OMI^Z23): an imaging order and its execution with the study's IPC. */
enum rk_status ssmix2_msg_imaging(struct pt *t, int64_t day, int dept, const struct stay *s, const struct image *im)
{
	struct ssmix2_gen *g = t->g;
	char order[16], child[16], d[9];
	ssmix2_order_no(t, day, order);
	snprintf(child, sizeof child, "%s", order);
	child[14] = (char)(child[14] == '9' ? '0' : child[14] + 1);
	ssmix2_fmt_day(day, d);
	const char *dc = depts[s ? s->a->dept : dept].code;
	for (int exec = 0; exec < 2; exec++) {
		int64_t ms = ssmix2_stamp(t, day, exec ? 13 : 10);
		msh(t, ms, exec ? "OMI^Z23^OMI_Z23" : "OMG^O19^OMG_O19");
		pid_seg(t, true, t->p->postal, t->p->address, 0);
		if (s)
			pv1_in(t, s);
		else
			pv1_out(t, dept);
		for (int part = 0; part < 2; part++) {
			orc(t, &(struct orc_args){.control = part ? "CH" : "NW",
						  .order = part ? child : order,
						  .parent = part ? order : NULL,
						  .ms = ms - 1800000,
						  .dept = s ? s->a->dept : dept,
						  .s = s});
			seg(g, "TQ1");
			fr(g, 1, "1");
			fr(g, 9, "R^^HL70485");
			end(g);
			seg(g, "OBR");
			fr(g, 2, part ? child : order);
			fld(g, 4);
			raw(g, part ? im->code : im->order_code);
			raw(g, "^");
			esc(g, part ? im->ja : im->order_ja);
			raw(g, "^JJ1017");
			if (exec)
				fr(g, 7, d);
			doctor(t, 16);
			if (exec) {
				fts(g, 22, ms, 14);
				fr(g, 25, "F");
			}
			if (part)
				fr(g, 29, order);
			end(g);
			if (exec) {
				char uid[64];
				snprintf(uid, sizeof uid, "1.2.392.200036.9999.%s.%s", g->fac_code, order);
				seg(g, "IPC");
				fr(g, 1, "A");
				raw(g, order);
				fr(g, 2, "P");
				raw(g, order + 8);
				fr(g, 3, uid);
				fr(g, 5, im->modality);
				raw(g, "^^DCM");
				end(g);
			}
		}
		enum rk_status st = emit(t, d, exec ? "OMG-11" : "OMG-01", order, ms, dc, SSMIX2_FLAG_CURRENT);
		if (st != RK_OK)
			return st;
	}
	return RK_OK;
}

/* OMG-03 (OMG^O19) then OMG-13 (ORU^R01): a 12-lead ECG and its measurements. */
enum rk_status ssmix2_msg_ecg(struct pt *t, int64_t day, int dept, const struct stay *s)
{
	struct ssmix2_gen *g = t->g;
	char order[16], d[9];
	ssmix2_order_no(t, day, order);
	ssmix2_fmt_day(day, d);
	int dp = s ? s->a->dept : dept;
	int64_t ms = ssmix2_stamp(t, day, 10);
	msh(t, ms, "OMG^O19^OMG_O19");
	pid_seg(t, true, t->p->postal, t->p->address, 0);
	if (s)
		pv1_in(t, s);
	else
		pv1_out(t, dept);
	orc(t, &(struct orc_args){.control = "NW", .order = order, .ms = ms - 600000, .dept = dp, .s = s});
	seg(g, "TQ1");
	fr(g, 1, "1");
	fr(g, 2, "1");
	fr(g, 9, "R^^HL70485");
	end(g);
	seg(g, "OBR");
	fr(g, 1, "1");
	fr(g, 2, order);
	fr(g, 4, "9A110^標準１２誘導心電図^JC10");
	doctor(t, 16);
	end(g);
	enum rk_status st = emit(t, d, "OMG-03", order, ms, depts[dp].code, SSMIX2_FLAG_CURRENT);
	if (st != RK_OK)
		return st;
	ms = ssmix2_stamp(t, day, 15);
	msh(t, ms, "ORU^R01^ORU_R01");
	pid_seg(t, false, NULL, NULL, 0);
	if (s)
		pv1_in(t, s);
	else
		pv1_out(t, dept);
	seg(g, "OBR");
	fr(g, 1, "1");
	fr(g, 2, order);
	fr(g, 4, "9A110^標準１２誘導心電図^JC10");
	fts(g, 7, ms - 3600000, 12);
	doctor(t, 16);
	fts(g, 22, ms, 14);
	fr(g, 25, "F");
	end(g);
	int hr = 60 + (int)(ssmix2_unit(t) * 30);
	static const char *const findings[] = {"正常範囲", "洞調律　正常心電図", "洞性徐脈", "左室肥大の疑い",
					       "非特異的ＳＴ−Ｔ変化"};
	const char *f = findings[ssmix2_has_chronic(t, "hypertension") ? 3 - (int)rng_below(&t->r, 2)
								       : (int)rng_below(&t->r, N(findings))];
	struct {
		const char *code, *unit;
		double v;
	} m[] = {{"32769^心拍数^99MFR", "bpm", hr},
		 {"32770^PQ 時間^99MFR", "msec", 140 + ssmix2_unit(t) * 50},
		 {"58240^QRS 幅^99MFR", "msec", 84 + ssmix2_unit(t) * 20},
		 {"56008^QT 時間^99MFR", "msec", 380 + ssmix2_unit(t) * 40},
		 {"32774^QRS 軸^99MFR", "degree", -10 + ssmix2_unit(t) * 80}};
	seg(g, "OBX");
	fr(g, 1, "1");
	fr(g, 2, "TX");
	fr(g, 3, "9A100&IMP^心電図所見^JC10");
	fr(g, 4, "1");
	fe(g, 5, f);
	fr(g, 11, "F");
	end(g);
	for (size_t i = 0; i < N(m); i++) {
		seg(g, "OBX");
		fint(g, 1, (long long)i + 2);
		fr(g, 2, "NM");
		fr(g, 3, m[i].code);
		fr(g, 4, "2");
		fnum(g, 5, m[i].v, 0);
		fr(g, 6, m[i].unit);
		fr(g, 11, "F");
		end(g);
	}
	return emit(t, d, "OMG-13", order, ms, depts[dp].code, SSMIX2_FLAG_CURRENT);
}

/* OMD (OMD^O03): the diet of an admission. */
enum rk_status ssmix2_msg_omd(struct pt *t, int64_t day, const struct stay *s, int diet)
{
	struct ssmix2_gen *g = t->g;
	char order[16], d[9];
	ssmix2_order_no(t, day, order);
	ssmix2_fmt_day(day, d);
	int64_t ms = ssmix2_stamp(t, day, 11);
	msh(t, ms, "OMD^O03^OMD_O03");
	pid_seg(t, false, NULL, NULL, 0);
	pv1_in(t, s);
	orc(t, &(struct orc_args){.control = "NW", .order = order, .ms = ms, .dept = s->a->dept, .s = s});
	seg(g, "TQ1");
	fr(g, 1, "1");
	fr(g, 3, "TID&１日３回&HL70335");
	fts(g, 7, (day + 1) * DAY_MS + 7 * 3600000LL, 12);
	fr(g, 9, "R^ルーチン^HL70485");
	end(g);
	seg(g, "ODS");
	fr(g, 1, "D");
	fld(g, 3);
	raw(g, diets[diet][0]);
	raw(g, "^");
	esc(g, diets[diet][1]);
	raw(g, "^99XY3");
	if (diet == 2)
		fe(g, 4, "塩分控えめ");
	end(g);
	return emit(t, d, "OMD", order, ms, depts[s->a->dept].code, SSMIX2_FLAG_CURRENT);
}
