/* test_ingest_ssmix2_gen.c — unit tests for ingest/ssmix2_gen.h: a generated
 * storage is walked file by file (the 7 name fields agree with the folders,
 * the content decodes from ISO-2022-JP and parses, MSH-9 is the data type's
 * message type, PID-3 is the folder's patient), every data type and condition
 * flag occurs, the same seed gives the same bytes and another seed others,
 * lab values of a diabetic trend down, bad persons and options are refused,
 * and MSH-9 agrees with the shared SS-MIX2 sample where present. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/str.h"
#include "hl7/hl7.h"
#include "demo/ssmix2_gen.h"

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
	static char p[4][600];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
	return p[k];
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	size_t got = fread(b, 1, (size_t)n, f);
	fclose(f);
	b[got] = '\0';
	*len = got;
	return b;
}

/* MSH-9 of each SS-MIX2 data type (標準化ストレージ構成の説明と構築ガイドライン 表1-1). */
static const char *const msg_types[][2] = {
	{"ADT-00", "ADT^A08^ADT_A01"}, {"ADT-12", "ADT^A04^ADT_A01"}, {"ADT-21", "ADT^A14^ADT_A05"},
	{"ADT-22", "ADT^A01^ADT_A01"}, {"ADT-31", "ADT^A21^ADT_A21"}, {"ADT-32", "ADT^A22^ADT_A21"},
	{"ADT-42", "ADT^A02^ADT_A02"}, {"ADT-52", "ADT^A03^ADT_A03"}, {"ADT-61", "ADT^A60^ADT_A60"},
	{"PPR-01", "PPR^ZD1^PPR_ZD1"}, {"OMD", "OMD^O03^OMD_O03"},    {"OMP-01", "RDE^O11^RDE_O11"},
	{"OMP-02", "RDE^O11^RDE_O11"}, {"OMP-11", "RAS^O17^RAS_O17"}, {"OMP-12", "RAS^O17^RAS_O17"},
	{"OML-11", "OUL^R22^OUL_R22"}, {"OMG-01", "OMG^O19^OMG_O19"}, {"OMG-03", "OMG^O19^OMG_O19"},
	{"OMG-11", "OMI^Z23^OMI_Z23"}, {"OMG-13", "ORU^R01^ORU_R01"},
};
#define N_TYPES (sizeof msg_types / sizeof msg_types[0])

static const char *msg_type_of(const char *dt)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcmp(msg_types[i][0], dt) == 0)
			return msg_types[i][1];
	return NULL;
}

static bool digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ---- walking a storage ---- */

struct walk {
	size_t rootlen;
	int files, seen[N_TYPES], flags[3];
	int ends[3];                                        /* files ending segments with CR, LF, CR LF */
	int hot13, local, suspected, nk1, in1, below_limit; /* what real storages carry */
	struct arena arena;
	char failure[512];
};
static struct walk W;

static void fail_walk(const char *path, const char *why)
{
	if (!W.failure[0])
		snprintf(W.failure, sizeof W.failure, "%s: %s", path, why);
}

static int check_file(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag != FTW_F)
		return 0;
	W.files++;
	/* relative: a/b/PID/date/type/name */
	char rel[512];
	snprintf(rel, sizeof rel, "%s", path + W.rootlen + 1);
	char *part[7];
	int np = 0;
	for (char *p = rel, *save = NULL; np < 7 && (p = strtok_r(np ? NULL : p, "/", &save));)
		part[np++] = p;
	if (np != 6)
		return fail_walk(path, "not at depth 6"), 0;
	char name[256];
	snprintf(name, sizeof name, "%s", part[5]);
	char *fld[8];
	int nf = 0;
	for (char *p = name, *save = NULL; nf < 8 && (p = strtok_r(nf ? NULL : p, "_", &save));)
		fld[nf++] = p;
	if (nf != 7)
		return fail_walk(path, "file name has not 7 fields"), 0;
	const char *pid = fld[0];
	if (strcmp(pid, part[2]) != 0 || strncmp(pid, part[0], 3) != 0 || strlen(part[0]) != 3 ||
	    strncmp(pid + 3, part[1], 3) != 0 || strlen(part[1]) != 3)
		return fail_walk(path, "patient ID disagrees with the folders"), 0;
	if (strcmp(fld[1], part[3]) != 0 || (strcmp(fld[1], "-") != 0 && !digits(fld[1], 8)))
		return fail_walk(path, "date disagrees with its folder or is no date"), 0;
	if (strcmp(fld[2], part[4]) != 0)
		return fail_walk(path, "data type disagrees with its folder"), 0;
	if (!digits(fld[3], 15) || !digits(fld[4], 17))
		return fail_walk(path, "order number or timestamp malformed"), 0;
	if (strcmp(fld[5], "-") != 0 && !digits(fld[5], 2))
		return fail_walk(path, "department malformed"), 0;
	if (strlen(fld[6]) != 1 || fld[6][0] < '0' || fld[6][0] > '2')
		return fail_walk(path, "condition flag not 0/1/2"), 0;
	W.flags[fld[6][0] - '0']++;
	const char *want = msg_type_of(fld[2]);
	if (!want)
		return fail_walk(path, "unknown data type"), 0;
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcmp(msg_types[i][0], fld[2]) == 0)
			W.seen[i]++;
	size_t len;
	char *text = slurp(path, &len);
	if (!text)
		return fail_walk(path, "unreadable"), 0;
	/* segments end with CR, or (patients whose ID ends in 3) LF, or (in 7) CR LF */
	char last = pid[strlen(pid) - 1];
	int style = last == '3' ? 1 : last == '7' ? 2 : 0;
	bool cr = memchr(text, '\r', len) != NULL, lf = memchr(text, '\n', len) != NULL;
	if (len < 2 || memchr(text, 0x80, len) || (style == 0 && (lf || text[len - 1] != '\r')) ||
	    (style == 1 && (cr || text[len - 1] != '\n')) ||
	    (style == 2 && (!lf || text[len - 2] != '\r' || text[len - 1] != '\n')))
		fail_walk(path, "not 7-bit ISO-2022-JP with the patient's segment ends");
	W.ends[style]++;
	if (style == 2)
		for (size_t i = 0; i < len; i++)
			if ((text[i] == '\r') != (i + 1 < len && text[i + 1] == '\n'))
				fail_walk(path, "a CR without its LF, or the other way round");
	W.hot13 += strstr(text, "^HOT13^") != NULL;
	W.local += strstr(text, "^99YKZ^") != NULL;
	W.suspected += strstr(text, "|P^") != NULL && strstr(text, "PRB|") != NULL;
	W.nk1 += strstr(text, "NK1|") != NULL;
	W.in1 += strstr(text, "IN1|") != NULL;
	W.below_limit += strstr(text, "|ST|") != NULL && strstr(text, "|<0.03|") != NULL;
	struct hl7_msg m;
	struct rk_err err;
	rk_err_clear(&err);
	arena_reset(&W.arena);
	if (hl7_parse((struct str){text, len}, &W.arena, &m, &err) != RK_OK) {
		char why[400];
		snprintf(why, sizeof why, "does not parse: %s", err.msg);
		fail_walk(path, why);
	} else {
		char type[64];
		snprintf(type, sizeof type, "%.*s^%.*s^%.*s", STR_FMT(m.msg_type), STR_FMT(m.event),
			 STR_FMT(m.structure));
		if (strcmp(type, want) != 0)
			fail_walk(path, "MSH-9 is not the data type's message type");
		if (m.charset != HL7_ISO2022JP)
			fail_walk(path, "MSH-18 does not name ISO-2022-JP");
		if (strncmp(m.timestamp.ptr, fld[4], 14) != 0)
			fail_walk(path, "MSH-7 differs from the file name's timestamp");
		const struct hl7_segment *pidseg = hl7_seg(&m, "PID", 0);
		struct str p3 = pidseg ? hl7_get(&m, pidseg, 3, 0, 1, 0) : STR_NULL;
		if (!str_eq_c(p3, pid))
			fail_walk(path, "PID-3 is not the folder's patient");
		struct str fam = pidseg ? hl7_text(&m, pidseg, 5, 1, 1, 0, &W.arena) : STR_NULL;
		if (!fam.len || (unsigned char)fam.ptr[0] < 0xE3)
			fail_walk(path, "PID-5 has no katakana reading");
	}
	free(text);
	return 0;
}

static void walk(const char *root)
{
	arena_free(&W.arena);
	memset(&W, 0, sizeof W);
	arena_init(&W.arena, 64u << 20);
	W.rootlen = strlen(root);
	assert_int_equal(nftw(root, check_file, 32, FTW_PHYS), 0);
	if (W.failure[0])
		fail_msg("%s", W.failure);
}

static void gen(const char *dir, int64_t patients, uint64_t seed, struct ssmix2_gen_stats *st)
{
	rm_rf(dir);
	struct ssmix2_gen_options o = {.out = dir, .facility = "2011000011", .seed = seed, .patients = patients};
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status rc = ssmix2_gen_storage(&o, st, &err);
	if (rc != RK_OK)
		fail_msg("ssmix2_gen_storage: %s", err.msg);
}

static void test_storage_layout_and_messages(void **state)
{
	(void)state;
	struct ssmix2_gen_stats st;
	const char *dir = tmp_path("ssmix2_gen_a");
	gen(dir, 60, 11, &st);
	assert_int_equal(st.patients, 60);
	walk(dir);
	assert_int_equal(W.files, st.files);
	for (size_t i = 0; i < N_TYPES; i++)
		if (!W.seen[i])
			fail_msg("no %s file among %d", msg_types[i][0], W.files);
	assert_true(W.flags[1] > 0);
	assert_int_equal(W.flags[2], st.superseded);
	assert_int_equal(W.flags[0], st.deleted);
	assert_true(st.superseded > 0 && st.deleted > 0);
	/* what real storages carry: every line-end style, HOT13 and local drug
	 * codes, suspected diagnoses, contacts, insurance, results below the limit */
	assert_true(W.ends[0] > 0 && W.ends[1] > 0 && W.ends[2] > 0);
	assert_true(W.hot13 > 0 && W.local > 0 && W.suspected > 0);
	assert_true(W.nk1 > 0 && W.in1 > 0 && W.below_limit > 0);
}

/* ---- determinism ---- */

struct cmp {
	size_t rootlen;
	const char *other;
	int same, differ;
};
static struct cmp C;

static int compare_file(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag != FTW_F)
		return 0;
	char other[700];
	snprintf(other, sizeof other, "%s%s", C.other, path + C.rootlen);
	size_t la, lb;
	char *a = slurp(path, &la), *b = slurp(other, &lb);
	if (a && b && la == lb && memcmp(a, b, la) == 0)
		C.same++;
	else
		C.differ++;
	free(a);
	free(b);
	return 0;
}

static void compare(const char *a, const char *b)
{
	memset(&C, 0, sizeof C);
	C.rootlen = strlen(a);
	C.other = b;
	nftw(a, compare_file, 32, FTW_PHYS);
}

static void test_same_seed_same_bytes(void **state)
{
	(void)state;
	struct ssmix2_gen_stats s1, s2, s3;
	gen(tmp_path("ssmix2_gen_b1"), 15, 99, &s1);
	gen(tmp_path("ssmix2_gen_b2"), 15, 99, &s2);
	gen(tmp_path("ssmix2_gen_b3"), 15, 100, &s3);
	assert_int_equal(s1.files, s2.files);
	assert_int_equal(s1.bytes, s2.bytes);
	compare(tmp_path("ssmix2_gen_b1"), tmp_path("ssmix2_gen_b2"));
	assert_int_equal(C.differ, 0);
	assert_int_equal(C.same, s1.files);
	compare(tmp_path("ssmix2_gen_b1"), tmp_path("ssmix2_gen_b3"));
	assert_true(C.differ > 0);
}

/* ---- the library API (for the demo) ---- */

static int hba1c_first = -1, hba1c_last = -1;
static char oml_first[700], oml_last[700];

static int find_oml(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag != FTW_F || !strstr(path, "/OML-11/") || path[strlen(path) - 1] != '1')
		return 0;
	const char *name = strrchr(path, '/') + 1;
	if (!oml_first[0] || strcmp(name, strrchr(oml_first, '/') + 1) < 0)
		snprintf(oml_first, sizeof oml_first, "%s", path);
	if (!oml_last[0] || strcmp(name, strrchr(oml_last, '/') + 1) > 0)
		snprintf(oml_last, sizeof oml_last, "%s", path);
	return 0;
}

/* HbA1c (JLAC10 3D046000001906202) of an OUL file, in tenths of a percent. */
static int hba1c_of(const char *path)
{
	size_t len;
	char *text = slurp(path, &len);
	assert_non_null(text);
	struct arena a;
	arena_init(&a, 1u << 20);
	struct hl7_msg m;
	struct rk_err err;
	int v = -1;
	if (hl7_parse((struct str){text, len}, &a, &m, &err) == RK_OK)
		for (size_t i = 0; i < hl7_seg_count(&m, "OBX"); i++) {
			const struct hl7_segment *s = hl7_seg(&m, "OBX", i);
			if (str_eq_c(hl7_get(&m, s, 3, 0, 1, 0), "3D046000001906202")) {
				struct str x = hl7_get(&m, s, 5, 0, 0, 0);
				char t[16];
				str_copy(t, sizeof t, x);
				v = (int)(strtod(t, NULL) * 10 + 0.5);
			}
		}
	arena_free(&a);
	free(text);
	return v;
}

static void test_patient_api(void **state)
{
	(void)state;
	const char *dir = tmp_path("ssmix2_gen_c");
	rm_rf(dir);
	struct ssmix2_gen_config cfg = {.out = dir,
					.facility = {.code = "2011100018", .name = "やまびこ内科クリニック"}};
	struct ssmix2_gen *g = NULL;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(ssmix2_gen_open(&cfg, &g, &err), RK_OK);
	static const char *const conds[] = {"diabetes", "hypertension", NULL};
	struct ssmix2_person p = {.pid = "000123",
				  .family = "山田",
				  .given = "花子",
				  .family_kana = "ヤマダ",
				  .given_kana = "ハナコ",
				  .birth = "19550401",
				  .sex = 'F',
				  .postal = "390-0811",
				  .address = "長野県松本市中央1丁目2番3号",
				  .phone = "0263-00-0000",
				  .conditions = conds};
	if (ssmix2_gen_patient(g, &p, 42, &err) != RK_OK)
		fail_msg("%s", err.msg);
	struct ssmix2_gen_stats st;
	ssmix2_gen_stats(g, &st);
	assert_int_equal(st.patients, 1);
	assert_true(st.files > 20);

	struct ssmix2_person bad = p;
	bad.pid = "12";
	assert_int_equal(ssmix2_gen_patient(g, &bad, 1, &err), RK_INVALID);
	bad = p;
	bad.pid = "0001/../x";
	assert_int_equal(ssmix2_gen_patient(g, &bad, 1, &err), RK_INVALID);
	bad = p;
	bad.sex = 'X';
	assert_int_equal(ssmix2_gen_patient(g, &bad, 1, &err), RK_INVALID);
	bad = p;
	bad.birth = "19550231";
	assert_int_equal(ssmix2_gen_patient(g, &bad, 1, &err), RK_INVALID);
	bad = p;
	bad.family = "𠮷田"; /* 𠮷 has no JIS X 0208 form and no 代替文字 in the table */
	rk_err_clear(&err);
	assert_int_equal(ssmix2_gen_patient(g, &bad, 1, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "JIS X 0208"));
	struct ssmix2_person variant = p; /* 髙 is written as its 代替文字 高, as a hospital system does */
	variant.pid = "000124";
	variant.family = "髙橋";
	rk_err_clear(&err);
	if (ssmix2_gen_patient(g, &variant, 7, &err) != RK_OK)
		fail_msg("%s", err.msg);
	static const char *const unknown[] = {"scurvy", NULL};
	bad = p;
	bad.conditions = unknown;
	assert_int_equal(ssmix2_gen_patient(g, &bad, 1, &err), RK_INVALID);
	ssmix2_gen_close(g);

	walk(dir);
	oml_first[0] = oml_last[0] = '\0';
	nftw(dir, find_oml, 32, FTW_PHYS);
	assert_true(oml_first[0] && oml_last[0]);
	hba1c_first = hba1c_of(oml_first);
	hba1c_last = hba1c_of(oml_last);
	assert_true(hba1c_first > 0 && hba1c_last > 0);
	assert_true(hba1c_first > hba1c_last); /* treatment works */

	struct ssmix2_gen_config bad_cfg = {.out = dir, .facility = {.code = "12345"}};
	assert_int_equal(ssmix2_gen_open(&bad_cfg, &g, &err), RK_INVALID);
	assert_null(g);
}

static void test_options(void **state)
{
	(void)state;
	struct ssmix2_gen_options o;
	struct rk_err err;
	assert_int_equal(ssmix2_gen_parse_options(NULL, NULL, NULL, "/x", &o, &err), RK_OK);
	assert_int_equal(o.patients, 100);
	assert_int_equal(o.seed, 1);
	assert_string_equal(o.facility, "2011000011");
	assert_int_equal(ssmix2_gen_parse_options("250", "7", "1310000019", "/x", &o, &err), RK_OK);
	assert_int_equal(o.patients, 250);
	assert_int_equal(o.seed, 7);
	const char *bad[][4] = {{"0", NULL, NULL, "/x"},       {"abc", NULL, NULL, "/x"},
				{"1000001", NULL, NULL, "/x"}, {"-3", NULL, NULL, "/x"},
				{NULL, "-1", NULL, "/x"},      {NULL, "x1", NULL, "/x"},
				{NULL, NULL, "123", "/x"},     {NULL, NULL, "20110000AB", "/x"},
				{NULL, NULL, NULL, NULL},      {NULL, NULL, NULL, ""}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rk_err_clear(&err);
		assert_int_equal(ssmix2_gen_parse_options(bad[i][0], bad[i][1], bad[i][2], bad[i][3], &o, &err),
				 RK_INVALID);
		assert_true(err.msg[0] != '\0');
	}
	/* a storage is never written into a directory that holds something */
	const char *dir = tmp_path("ssmix2_gen_d");
	rm_rf(dir);
	mkdir(dir, 0755);
	FILE *f = fopen(tmp_path("ssmix2_gen_d/keep"), "w");
	assert_non_null(f);
	fclose(f);
	struct ssmix2_gen_options o2 = {.out = dir, .facility = "2011000011", .seed = 1, .patients = 1};
	struct ssmix2_gen_stats st;
	rk_err_clear(&err);
	assert_int_equal(ssmix2_gen_storage(&o2, &st, &err), RK_CONFLICT);
	assert_non_null(strstr(err.msg, "not empty"));
}

/* The sample's MSH-9 per data type agrees with the table the generator follows. */
static int sample_file(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag != FTW_F || strstr(path, "README") || strstr(path, "LICENSE"))
		return 0;
	const char *name = strrchr(path, '/') + 1;
	char dt[16] = "";
	const char *u1 = strchr(name, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL,
		   *u3 = u2 ? strchr(u2 + 1, '_') : NULL;
	if (!u3 || (size_t)(u3 - u2 - 1) >= sizeof dt)
		return 0;
	memcpy(dt, u2 + 1, (size_t)(u3 - u2 - 1));
	char folder[32];
	snprintf(folder, sizeof folder, "/%s/", dt);
	const char *want = msg_type_of(dt);
	if (!want || !strstr(path, folder)) /* the sample's misplaced file, or a type not generated */
		return 0;
	size_t len;
	char *text = slurp(path, &len);
	struct hl7_msg m;
	struct rk_err err;
	arena_reset(&W.arena);
	if (text && hl7_parse((struct str){text, len}, &W.arena, &m, &err) == RK_OK) {
		char type[64];
		snprintf(type, sizeof type, "%.*s^%.*s^%.*s", STR_FMT(m.msg_type), STR_FMT(m.event),
			 STR_FMT(m.structure));
		if (strcmp(type, want) != 0)
			fail_walk(path, "sample MSH-9 differs from the generator's table");
		W.files++;
	}
	free(text);
	return 0;
}

static void test_matches_sample(void **state)
{
	(void)state;
	const char *sample = "../shared/testdata/ssmix2-sample/sampleData";
	char path[600];
	const char *roots[] = {sample, "../../../shared/testdata/ssmix2-sample/sampleData",
			       "/work/shared/testdata/ssmix2-sample/sampleData"};
	struct stat st;
	size_t i = 0;
	for (; i < 3; i++)
		if (stat(roots[i], &st) == 0)
			break;
	if (i == 3)
		skip();
	snprintf(path, sizeof path, "%s", roots[i]);
	arena_free(&W.arena);
	memset(&W, 0, sizeof W);
	arena_init(&W.arena, 16u << 20);
	nftw(path, sample_file, 32, FTW_PHYS);
	if (W.failure[0])
		fail_msg("%s", W.failure);
	assert_true(W.files >= 15);
}

int main(void)
{
	const char *t = getenv("RENKEI_TEST_TMP");
	snprintf(tmpdir, sizeof tmpdir, "%s", t && *t ? t : "/tmp");
	mkdir(tmpdir, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storage_layout_and_messages),
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_patient_api),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_matches_sample),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	arena_free(&W.arena);
	return rc;
}
