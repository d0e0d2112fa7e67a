/* careplan_csv.c — the ケアプランデータ連携 CSV files (see careplan_csv.h).
 * The column tables below are the one place the layout is written down;
 * docs/CAREPLAN_CSV.md says where each came from and which are assumed. */
#include "collab/careplan_csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/time.h"

/* ---- the layout (data) ---- */

#define TXT(k, ja, max, asm)                   \
	{                                      \
		k, ja, CP_TEXT, max, NULL, asm \
	}
#define DIG(k, ja, max, asm)                     \
	{                                        \
		k, ja, CP_DIGITS, max, NULL, asm \
	}
#define DATE(k, ja, asm)                     \
	{                                    \
		k, ja, CP_DATE, 8, NULL, asm \
	}
#define CODE(k, ja, set, asm)               \
	{                                   \
		k, ja, CP_CODE, 1, set, asm \
	}
#define COMMON(created_ja)                                                                      \
	TXT("csvVersion", "CSVバージョン", 10, true), DIG("insurerNo", "保険者番号", 8, false), \
		TXT("insuredNo", "被保険者番号", 10, false), DATE("created", created_ja, false)

/* 居宅サービス計画1表: columns 1–14 as the specification lists them; 15–28
 * in the order of the 様式 (assumed). */
static const struct cp_column t1_cols[] = {
	COMMON("作成年月日"),
	TXT("userPostal", "利用者郵便番号", 8, false),
	TXT("userAddress1", "利用者住所1", 100, false),
	TXT("userAddress2", "利用者住所2", 100, false),
	TXT("author", "居宅サービス計画作成者氏名", 50, false),
	TXT("office", "介護支援事業者名", 100, false),
	TXT("officePostal", "介護支援事業者郵便番号", 8, false),
	TXT("officeAddress1", "介護支援事業者住所1", 100, false),
	TXT("officeAddress2", "介護支援事業者住所2", 100, false),
	DIG("officeCode", "介護支援事業者コード", 10, false),
	DATE("planDate", "居宅サービス計画作成(変更)日", false),
	DATE("firstDate", "初回居宅サービス計画作成日", true),
	CODE("planKind", "初回・紹介・継続", "|1|2|3", true),
	CODE("certStatus", "認定済・申請中", "|1|2", true),
	DATE("certDate", "認定日", true),
	DATE("certFrom", "認定の有効期間（開始）", true),
	DATE("certTo", "認定の有効期間（終了）", true),
	CODE("careLevel", "要介護状態区分", "|1|2|3|4|5", true),
	TXT("assessment", "利用者及び家族の生活に対する意向を踏まえた課題分析の結果", 2000, true),
	TXT("reviewOpinion", "介護認定審査会の意見及びサービスの種類の指定", 1000, true),
	TXT("policy", "総合的な援助の方針", 2000, true),
	CODE("livingReason", "生活援助中心型の算定理由", "|1|2|3", true),
	TXT("livingReasonOther", "生活援助中心型の算定理由（その他）", 200, true),
	TXT("updaterCode", "更新業者コード", 10, true),
	TXT("identifier", "識別子", 50, true),
};

/* 居宅サービス計画2表: the specification's 22 columns (their forms assumed). */
static const struct cp_column t2_cols[] = {
	COMMON("居宅計画書作成年月日"),
	DATE("planDate", "居宅サービス計画作成(変更)日", false),
	DIG("needNo", "課題NO", 3, false),
	TXT("need", "課題", 1000, false),
	DIG("goalNo", "援助目標NO", 3, false),
	TXT("longGoal", "長期目標", 1000, false),
	TXT("shortGoal", "短期目標", 1000, false),
	TXT("longPeriod", "長期期間", 50, false),
	TXT("shortPeriod", "短期期間", 50, false),
	DIG("serviceNo", "援助内容NO", 3, false),
	TXT("service", "サービス内容", 1000, false),
	CODE("insured", "保険対象区分", "|0|1", true),
	TXT("serviceKind", "サービス種別", 50, false),
	DIG("providerCode", "サービス事業者コード", 10, false),
	TXT("provider", "サービス事業所名", 100, false),
	TXT("frequency", "頻度", 50, false),
	TXT("duration", "実施期間", 50, false),
	TXT("updaterCode", "更新業者コード", 10, false),
	TXT("identifier", "識別子", 50, false),
};

/* 週間サービス計画表 (第3表): not part of the national specification; renkei's
 * own layout in the same conventions (all assumed). */
static const struct cp_column t3_cols[] = {
	COMMON("作成年月日"),
	CODE("kind", "区分", "1|2|3", true), /* 1 サービス, 2 主な日常生活上の活動, 3 週単位以外のサービス */
	{"days", "曜日", CP_WEEKDAYS, 7, NULL, true},
	{"start", "開始時刻", CP_TIME, 4, NULL, true},
	{"end", "終了時刻", CP_TIME, 4, NULL, true},
	TXT("content", "内容", 200, true),
	TXT("serviceKind", "サービス種別", 50, true),
	TXT("provider", "事業所名", 100, true),
};

#define N(a) (sizeof a / sizeof a[0])
_Static_assert(N(t1_cols) <= CP_MAX_COLS && N(t2_cols) <= CP_MAX_COLS && N(t3_cols) <= CP_MAX_COLS,
	       "a table wider than CP_MAX_COLS");

const struct cp_table_def cp_tables[CP_TABLES] = {
	[CP_T1] = {"第1表 居宅サービス計画書（1）", "CPLAN1", t1_cols, N(t1_cols)},
	[CP_T2] = {"第2表 居宅サービス計画書（2）", "CPLAN2", t2_cols, N(t2_cols)},
	[CP_T3] = {"第3表 週間サービス計画表", "CPLAN3", t3_cols, N(t3_cols)},
};

int cp_column_index(enum cp_table t, const char *key)
{
	for (size_t i = 0; i < cp_tables[t].n; i++)
		if (strcmp(cp_tables[t].cols[i].key, key) == 0)
			return (int)i;
	return -1;
}

bool cp_table_of_name(const char *name, enum cp_table *out)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	for (int t = 0; t < CP_TABLES; t++) {
		size_t pl = strlen(cp_tables[t].prefix);
		if (strncasecmp(base, cp_tables[t].prefix, pl) == 0 && (base[pl] == '_' || base[pl] == '.')) {
			*out = (enum cp_table)t;
			return true;
		}
	}
	return false;
}

/* ---- values ---- */

const char *cp_clip(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (n < size) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	size_t cut = size > 4 ? size - 4 : 0; /* room for "…" */
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(buf, s, cut);
	memcpy(buf + cut, size > 4 ? "\xE2\x80\xA6" : "", size > 4 ? 4 : 1);
	return buf;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static const char *const weekdays[7] = {"月", "火", "水", "木", "金", "土", "日"};

/* The weekdays of v as a mask (bit 0 Monday); -1 when v is not such a list. */
static int weekday_mask(const char *v)
{
	int mask = 0, last = -1;
	while (*v) {
		int d = -1;
		for (int k = 0; k < 7 && d < 0; k++)
			if (strncmp(v, weekdays[k], 3) == 0)
				d = k;
		if (d <= last)
			return -1; /* unknown, repeated or out of order */
		mask |= 1 << d;
		last = d;
		v += 3;
	}
	return mask;
}

static int minutes_of(const char *v)
{
	return (v[0] - '0') * 600 + (v[1] - '0') * 60 + (v[2] - '0') * 10 + (v[3] - '0');
}

/* Is v (UTF-8) something MS932 can carry? */
static bool ms932_ok(const char *v)
{
	bool ascii = true;
	for (const char *p = v; *p && ascii; p++)
		ascii = (unsigned char)*p < 0x80;
	if (ascii)
		return true;
	iconv_t cd = iconv_open("CP932", "UTF-8");
	if (cd == (iconv_t)-1)
		return false;
	char out[256];
	char *ip = (char *)v;
	size_t il = strlen(v);
	bool ok = true;
	while (il && ok) {
		char *op = out;
		size_t ol = sizeof out;
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG)
			ok = false;
	}
	iconv_close(cd);
	return ok;
}

enum rk_status cp_check_value(const struct cp_column *c, const char *where, const char *v, struct rk_err *err)
{
	size_t n = strlen(v);
	char shown[48];
	cp_clip(shown, sizeof shown, v);
	if (!n)
		return RK_OK;
	if (!str_is_utf8(str_c(v)))
		return rk_fail_at(err, RK_INVALID, where, "%s: 文字コードが正しくありません", where);
	for (const char *p = v; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\r' && *p != '\n' && *p != '\t') || *p == 0x7F)
			return rk_fail_at(err, RK_INVALID, where, "%s: 制御文字（0x%02X）は使えません", where,
					  (unsigned)(unsigned char)*p);
	switch (c->kind) {
	case CP_TEXT:
		if (utf8_chars(v) > c->max)
			return rk_fail_at(err, RK_INVALID, where, "%s: %zu 文字あります（%u 文字まで）", where,
					  utf8_chars(v), c->max);
		if (!ms932_ok(v))
			return rk_fail_at(
				err, RK_INVALID, where,
				"%s: Shift_JIS (MS932) で表せない文字があります（外字・環境依存文字は使えません）",
				where);
		return RK_OK;
	case CP_DIGITS:
		if (!all_digits(v) || n > c->max)
			return rk_fail_at(err, RK_INVALID, where, "%s: 半角数字 %u 桁までで書いてください（「%s」）",
					  where, c->max, shown);
		return RK_OK;
	case CP_CODE: {
		char set[64];
		snprintf(set, sizeof set, "|%s|", c->codes);
		char probe[16];
		if (n < 8 && strchr(v, '|') == NULL) {
			snprintf(probe, sizeof probe, "|%s|", v);
			if (strstr(set, probe))
				return RK_OK;
		}
		return rk_fail_at(err, RK_INVALID, where, "%s: 「%s」は使えません（%s のいずれか）", where, shown,
				  c->codes[0] == '|' ? c->codes + 1 : c->codes);
	}
	case CP_DATE: {
		if (n != 8 || !all_digits(v))
			return rk_fail_at(
				err, RK_INVALID, where,
				"%s: 日付は西暦の YYYYMMDD（半角数字 8 桁）で書いてください。和暦や区切り文字は"
				"使えません（「%s」）",
				where, shown);
		int y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
		unsigned m = (unsigned)((v[4] - '0') * 10 + (v[5] - '0')),
			 d = (unsigned)((v[6] - '0') * 10 + (v[7] - '0'));
		if (y < 2000 || y > 2099)
			return rk_fail_at(err, RK_INVALID, where, "%s: 日付 %s は範囲外です（2000年〜2099年）", where,
					  v);
		int64_t y2;
		unsigned m2 = 0, d2 = 0;
		if (m >= 1 && m <= 12 && d >= 1 && d <= 31)
			time_civil_from_days(time_days_from_civil(y, m, d), &y2, &m2, &d2);
		if (m < 1 || m > 12 || d < 1 || d > 31 || m2 != m || d2 != d)
			return rk_fail_at(err, RK_INVALID, where, "%s: %s は存在しない日付です", where, v);
		return RK_OK;
	}
	case CP_WEEKDAYS:
		if (weekday_mask(v) <= 0)
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: 曜日は 月火水木金土日 の文字を週の順に 1 回ずつ並べてください（「%s」）",
					  where, shown);
		return RK_OK;
	case CP_TIME:
		if (n != 4 || !all_digits(v) || minutes_of(v) > 24 * 60 || (v[2] - '0') > 5)
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: 時刻は HHMM（半角数字 4 桁、0000〜2400）で書いてください（「%s」）",
					  where, shown);
		return RK_OK;
	}
	return RK_OK;
}

/* Checks across the columns of one row; where names the row. */
static enum rk_status check_row(enum cp_table t, const struct cp_row *r, const char *where, struct rk_err *err)
{
	const struct cp_column *c = cp_tables[t].cols;
#define V(k) r->v[cp_column_index(t, k)]
	if (t == CP_T1) {
		if (!V("created")[0])
			return rk_fail_at(err, RK_INVALID, where, "%s: 作成年月日がありません", where);
		if (V("certFrom")[0] && V("certTo")[0] && strcmp(V("certFrom"), V("certTo")) > 0)
			return rk_fail_at(err, RK_INVALID, where, "%s: 認定の有効期間の終了 %s が開始 %s より前です",
					  where, V("certTo"), V("certFrom"));
	} else if (t == CP_T2) {
		static const char *const need[] = {"needNo", "goalNo", "serviceNo", "service"};
		for (size_t i = 0; i < N(need); i++)
			if (!V(need[i])[0])
				return rk_fail_at(err, RK_INVALID, where, "%s: %s がありません", where,
						  c[cp_column_index(t, need[i])].ja);
	} else {
		const char *start = V("start"), *end = V("end");
		if (!start[0] != !end[0])
			return rk_fail_at(err, RK_INVALID, where, "%s: 開始時刻と終了時刻は両方書いてください", where);
		if (start[0] && minutes_of(start) >= minutes_of(end))
			return rk_fail_at(err, RK_INVALID, where, "%s: 終了時刻 %s が開始時刻 %s より前です", where,
					  end, start);
		if (strcmp(V("kind"), "1") == 0 && (!V("days")[0] || !start[0]))
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: 週間のサービス（区分 1）には曜日と開始・終了時刻が要ります", where);
		if (!V("content")[0])
			return rk_fail_at(err, RK_INVALID, where, "%s: 内容がありません", where);
	}
#undef V
	return RK_OK;
}

enum rk_status cp_check(const struct cp_plan *plan, struct rk_err *err)
{
	char where[256];
	for (int t = 0; t < CP_TABLES; t++) {
		size_t rows = t == CP_T1 ? plan->has_t1 : plan->n[t];
		if (rows > CP_MAX_ROWS)
			return rk_fail(err, RK_INVALID, "%s: %zu 行あります（%d 行まで）", cp_tables[t].name_ja, rows,
				       CP_MAX_ROWS);
		for (size_t i = 0; i < rows; i++) {
			const struct cp_row *r = t == CP_T1 ? &plan->t1 : &plan->rows[t][i];
			for (size_t k = 0; k < cp_tables[t].n; k++) {
				snprintf(where, sizeof where, "%s %zu件目（%s）", cp_tables[t].name_ja, i + 1,
					 cp_tables[t].cols[k].ja);
				enum rk_status rc = cp_check_value(&cp_tables[t].cols[k], where, r->v[k], err);
				if (rc != RK_OK)
					return rc;
			}
			snprintf(where, sizeof where, "%s %zu件目", cp_tables[t].name_ja, i + 1);
			enum rk_status rc = check_row((enum cp_table)t, r, where, err);
			if (rc != RK_OK)
				return rc;
		}
	}
	if (!plan->has_t1)
		return rk_fail(err, RK_INVALID, "第1表がありません");
	/* one person's plan: the rows of 第2表 and 第3表 name the 第1表's insured person */
	static const char *const keys[] = {"insurerNo", "insuredNo"};
	for (int t = CP_T2; t < CP_TABLES; t++)
		for (size_t i = 0; i < plan->n[t]; i++)
			for (size_t k = 0; k < 2; k++) {
				const char *mine = plan->t1.v[cp_column_index(CP_T1, keys[k])];
				const char *theirs = plan->rows[t][i].v[cp_column_index((enum cp_table)t, keys[k])];
				if (mine[0] && theirs[0] && strcmp(mine, theirs) != 0)
					return rk_fail(
						err, RK_INVALID,
						"%s %zu件目: %s %s が第1表の %s と違います。1 人分の計画を取り込んで"
						"ください",
						cp_tables[t].name_ja, i + 1,
						cp_tables[t].cols[cp_column_index((enum cp_table)t, keys[k])].ja,
						theirs, mine);
			}
	return RK_OK;
}

/* ---- reading ---- */

struct field {
	const char *p; /* raw bytes (quotes removed, "" unescaped into scratch) */
	size_t len;
	bool quoted;
};

static enum rk_status sjis_to_utf8(iconv_t cd, const char *p, size_t len, struct arena *a, const char **out)
{
	size_t cap = len * 3 / 2 + 4;
	char *o = arena_alloc(a, cap);
	if (!o)
		return RK_TOO_LARGE;
	char *ip = (char *)p, *op = o;
	size_t il = len, ol = cap - 1;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		return RK_INVALID;
	if (memchr(o, '\0', (size_t)(op - o)))
		return RK_INVALID; /* a NUL byte: not text */
	*op = '\0';
	*out = o;
	return RK_OK;
}

enum rk_status cp_read(enum cp_table t, const char *file, const unsigned char *data, size_t len, struct arena *a,
		       struct cp_plan *plan, struct rk_err *err)
{
	const struct cp_table_def *td = &cp_tables[t];
	char fname[72];
	cp_clip(fname, sizeof fname, file && file[0] ? file : td->prefix);
	if (len > CP_MAX_FILE)
		return rk_fail(err, RK_TOO_LARGE, "%s: ファイルが大きすぎます（%zu バイト、上限 %d バイト）", fname,
			       len, CP_MAX_FILE);
	if (!len)
		return rk_fail(err, RK_INVALID, "%s: ファイルが空です", fname);
	bool high = false;
	for (size_t i = 0; i < len && !high; i++)
		high = data[i] >= 0x80;
	if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
		return rk_fail(err, RK_INVALID,
			       "%s: UTF-8 の BOM があります。ケアプランデータ連携の CSV は Shift_JIS (MS932) で保存して"
			       "ください",
			       fname);
	if (high && str_is_utf8((struct str){(const char *)data, len}))
		return rk_fail(err, RK_INVALID,
			       "%s: このファイルは UTF-8 で書かれています。ケアプランデータ連携の CSV は Shift_JIS "
			       "(MS932) で保存してください",
			       fname);
	iconv_t cd = iconv_open("UTF-8", "CP932");
	if (cd == (iconv_t)-1)
		return rk_fail(err, RK_INTERNAL, "iconv cannot convert CP932 to UTF-8");
	struct cp_row *rows = NULL;
	size_t n = 0, cap = 0;
	bool all_quoted = true;
	enum rk_status rc = RK_OK;
	char *scratch = arena_alloc(a, len + 1); /* unquoted field bytes */
	size_t sp = 0, i = 0, line = 1;
	if (!scratch) {
		iconv_close(cd);
		return rk_fail(err, RK_TOO_LARGE, "out of memory reading %s", fname);
	}
	while (i < len && rc == RK_OK) {
		size_t rec_line = line;
		struct field f[CP_MAX_COLS + 1];
		size_t nf = 0;
		bool end = false;
		while (!end && rc == RK_OK) {
			struct field cur = {scratch + sp, 0, false};
			if (i < len && data[i] == '"') {
				cur.quoted = true;
				i++;
				for (;;) {
					if (i >= len) {
						rc = rk_fail(err, RK_INVALID,
							     "%s: %zu行目 %zu列目: 引用符（\"）が閉じていません", fname,
							     rec_line, nf + 1);
						break;
					}
					if (data[i] == '"') {
						if (i + 1 < len && data[i + 1] == '"') {
							scratch[sp++] = '"';
							i += 2;
							continue;
						}
						i++;
						break;
					}
					if (data[i] == '\n')
						line++;
					scratch[sp++] = (char)data[i++];
				}
				if (rc == RK_OK && i < len && data[i] != ',' && data[i] != '\r' && data[i] != '\n')
					rc = rk_fail(err, RK_INVALID,
						     "%s: %zu行目 %zu列目: 閉じた引用符の後に文字があります", fname,
						     line, nf + 1);
			} else {
				while (i < len && data[i] != ',' && data[i] != '\r' && data[i] != '\n') {
					if (data[i] == '"') {
						rc = rk_fail(
							err, RK_INVALID,
							"%s: %zu行目 %zu列目: 引用符で囲まれていない値に引用符（\"）があります",
							fname, line, nf + 1);
						break;
					}
					scratch[sp++] = (char)data[i++];
				}
			}
			if (rc != RK_OK)
				break;
			cur.len = (size_t)(scratch + sp - cur.p);
			all_quoted &= cur.quoted;
			if (nf <= CP_MAX_COLS)
				f[nf] = cur;
			nf++;
			if (i >= len) {
				end = true;
			} else if (data[i] == ',') {
				i++;
			} else if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n') {
				i += 2;
				line++;
				end = true;
			} else {
				rc = rk_fail(
					err, RK_INVALID,
					"%s: %zu行目: 改行は CR LF にしてください（CR だけ、LF だけの改行は使えません）",
					fname, line);
			}
		}
		if (rc != RK_OK)
			break;
		if (nf != td->n) {
			rc = rk_fail(err, RK_INVALID, "%s: %zu行目: 列が %zu 個あります（%s は %zu 列）", fname,
				     rec_line, nf, td->name_ja, td->n);
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct cp_row *nr = arena_alloc(a, nc * sizeof *nr);
			if (!nr) {
				rc = rk_fail(err, RK_TOO_LARGE, "out of memory reading %s", fname);
				break;
			}
			if (n)
				memcpy(nr, rows, n * sizeof *nr);
			rows = nr;
			cap = nc;
		}
		if (n >= (t == CP_T1 ? 1 : CP_MAX_ROWS)) {
			rc = t == CP_T1
				     ? rk_fail(err, RK_INVALID, "%s: %zu行目: 第1表は 1 人の利用者につき 1 行です",
					       fname, rec_line)
				     : rk_fail(err, RK_INVALID, "%s: 行が多すぎます（%d 行まで）", fname, CP_MAX_ROWS);
			break;
		}
		struct cp_row *r = &rows[n];
		for (size_t k = 0; k < td->n && rc == RK_OK; k++) {
			char where[200];
			snprintf(where, sizeof where, "%s: %zu行目 %zu列目（%s）", fname, rec_line, k + 1,
				 td->cols[k].ja);
			enum rk_status st = sjis_to_utf8(cd, f[k].p, f[k].len, a, &r->v[k]);
			if (memchr(f[k].p, '\0', f[k].len))
				rc = rk_fail_at(err, RK_INVALID, where, "%s: 制御文字（0x00）は使えません", where);
			else if (st == RK_INVALID)
				rc = rk_fail_at(
					err, RK_INVALID, where,
					"%s: Shift_JIS (MS932) として読めない文字があります（文字コードが違うか、"
					"文字が途中で切れています）",
					where);
			else if (st != RK_OK)
				rc = rk_fail(err, st, "out of memory reading %s", fname);
			else
				rc = cp_check_value(&td->cols[k], where, r->v[k], err);
		}
		if (rc == RK_OK) {
			char where[128];
			snprintf(where, sizeof where, "%s: %zu行目", fname, rec_line);
			rc = check_row(t, r, where, err);
		}
		n++;
	}
	iconv_close(cd);
	if (rc != RK_OK)
		return rc;
	if (!n)
		return rk_fail(err, RK_INVALID, "%s: 行がありません", fname);
	if (t == CP_T1) {
		if (plan->has_t1)
			return rk_fail(err, RK_INVALID, "%s: 第1表が 2 つあります", fname);
		plan->t1 = rows[0];
		plan->has_t1 = true;
	} else {
		size_t total = plan->n[t] + n;
		if (total > CP_MAX_ROWS)
			return rk_fail(err, RK_INVALID, "%s: 行が多すぎます（%d 行まで）", fname, CP_MAX_ROWS);
		struct cp_row *all = arena_alloc(a, total * sizeof *all);
		if (!all)
			return rk_fail(err, RK_TOO_LARGE, "out of memory reading %s", fname);
		if (plan->n[t])
			memcpy(all, plan->rows[t], plan->n[t] * sizeof *all);
		memcpy(all + plan->n[t], rows, n * sizeof *all);
		plan->rows[t] = all;
		plan->n[t] = total;
	}
	if (!all_quoted)
		plan->quoting = CP_QUOTE_MINIMAL;
	return RK_OK;
}

/* ---- writing ---- */

static enum rk_status put_field(iconv_t cd, const char *v, enum cp_quoting q, struct buf *out, const char *where,
				struct rk_err *err)
{
	bool quote = q == CP_QUOTE_ALL || strpbrk(v, ",\"\r\n") != NULL;
	enum rk_status rc = quote ? buf_putc(out, '"') : RK_OK;
	for (const char *p = v; *p && rc == RK_OK;) {
		if (*p == '"') {
			rc = buf_puts(out, "\"\"");
			p++;
			continue;
		}
		const char *run = p;
		while (*p && *p != '"')
			p++;
		char tmp[512];
		char *ip = (char *)run;
		size_t il = (size_t)(p - run);
		iconv(cd, NULL, NULL, NULL, NULL);
		while (il && rc == RK_OK) {
			char *op = tmp;
			size_t ol = sizeof tmp;
			size_t r = iconv(cd, &ip, &il, &op, &ol);
			if (r == (size_t)-1 && errno != E2BIG)
				return rk_fail_at(err, RK_INVALID, where,
						  "%s: Shift_JIS (MS932) で表せない文字があります", where);
			rc = buf_append(out, tmp, (size_t)(op - tmp));
		}
	}
	if (rc == RK_OK && quote)
		rc = buf_putc(out, '"');
	return rc == RK_OK ? RK_OK : rk_fail(err, rc, "the CSV is too large");
}

enum rk_status cp_write(const struct cp_plan *plan, enum cp_table t, struct buf *out, struct rk_err *err)
{
	const struct cp_table_def *td = &cp_tables[t];
	iconv_t cd = iconv_open("CP932", "UTF-8");
	if (cd == (iconv_t)-1)
		return rk_fail(err, RK_INTERNAL, "iconv cannot convert UTF-8 to CP932");
	size_t rows = t == CP_T1 ? plan->has_t1 : plan->n[t];
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < rows && rc == RK_OK; i++) {
		const struct cp_row *r = t == CP_T1 ? &plan->t1 : &plan->rows[t][i];
		for (size_t k = 0; k < td->n && rc == RK_OK; k++) {
			char where[256];
			snprintf(where, sizeof where, "%s %zu件目（%s）", td->name_ja, i + 1, td->cols[k].ja);
			if (k && (rc = buf_putc(out, ',')) != RK_OK)
				rc = rk_fail(err, rc, "the CSV is too large");
			else
				rc = put_field(cd, r->v[k] ? r->v[k] : "", plan->quoting, out, where, err);
		}
		if (rc == RK_OK && (rc = buf_puts(out, "\r\n")) != RK_OK)
			rc = rk_fail(err, rc, "the CSV is too large");
	}
	iconv_close(cd);
	return rc;
}

char *cp_file_name(enum cp_table t, const char *yyyymm, const char *from, const char *to, const char *stamp,
		   struct arena *a)
{
	return arena_printf(a, "%s_%.6s_%.10s_%.10s_%.14s.CSV", cp_tables[t].prefix, yyyymm,
			    from && from[0] ? from : "0000000000", to && to[0] ? to : "0000000000", stamp);
}

size_t cp_week_blocks(const struct cp_plan *plan)
{
	size_t blocks = 0;
	int kind = cp_column_index(CP_T3, "kind"), days = cp_column_index(CP_T3, "days");
	for (size_t i = 0; i < plan->n[CP_T3]; i++) {
		const struct cp_row *r = &plan->rows[CP_T3][i];
		if (strcmp(r->v[kind], "1") != 0)
			continue;
		int m = weekday_mask(r->v[days]);
		for (int d = 0; d < 7 && m > 0; d++)
			blocks += (size_t)((m >> d) & 1);
	}
	return blocks;
}
