/* orders.c — the care team's documents (see orders.h). */
#include "collab/orders.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/time.h"
#include "fhir/resource.h"
#include "fhir/types.h"

#define F(k, ja, max, req)      \
	{                       \
		k, ja, max, req \
	}
#define CLINIC_FIELDS                                                                  \
	F("clinic", "医療機関名", 200, true), F("clinicAddress", "住所", 300, false),  \
		F("clinicPhone", "電話", 40, false), F("clinicFax", "FAX", 40, false), \
		F("doctor", "医師氏名", 100, true)

/* 訪問看護指示書・在宅患者訪問点滴注射指示書 (別紙様式16) */
static const struct orders_field vn_order[] = {
	F("dripPeriod", "点滴注射指示期間", 100, false),
	F("diagnosis", "主たる傷病名", 500, true),
	F("condition", "病状・治療状態", ORDERS_MAX_FIELD, false),
	F("medication", "投与中の薬剤の用量・用法", ORDERS_MAX_FIELD, false),
	F("adlBedridden", "日常生活自立度（寝たきり度）", 40, false),
	F("adlDementia", "日常生活自立度（認知症の状況）", 40, false),
	F("careLevel", "要介護認定の状況", 100, false),
	F("pressureUlcer", "褥瘡の深さ", 100, false),
	F("devices", "装着・使用医療機器等", 500, false),
	F("instrLife", "留意事項及び指示事項 Ⅰ 療養生活指導上の留意事項", ORDERS_MAX_FIELD, false),
	F("instrRehab", "Ⅱ 1. リハビリテーション", ORDERS_MAX_FIELD, false),
	F("instrUlcer", "Ⅱ 2. 褥瘡の処置等", ORDERS_MAX_FIELD, false),
	F("instrDevices", "Ⅱ 3. 装着・使用医療機器等の操作援助・管理", ORDERS_MAX_FIELD, false),
	F("instrOther", "Ⅱ 4. その他", ORDERS_MAX_FIELD, false),
	F("drip", "在宅患者訪問点滴注射に関する指示（投与薬剤・投与量・投与方法等）", ORDERS_MAX_FIELD, false),
	F("emergency", "緊急時の連絡先", 300, false),
	F("absence", "不在時の対応", 300, false),
	F("notes", "特記すべき留意事項", ORDERS_MAX_FIELD, false),
	F("otherStation", "他の訪問看護ステーションへの指示", 500, false),
	F("suction", "たんの吸引等実施のための訪問介護事業所への指示", 500, false),
	CLINIC_FIELDS,
	F("station", "宛先（訪問看護ステーション）", 200, true),
};

/* 特別訪問看護指示書 */
static const struct orders_field vn_special[] = {
	F("condition", "病状・主訴", ORDERS_MAX_FIELD, true),
	F("reason", "一時的に訪問看護が頻回に必要な理由", ORDERS_MAX_FIELD, true),
	F("instructions", "留意事項及び指示事項", ORDERS_MAX_FIELD, false),
	F("drip", "点滴注射指示内容（投与薬剤・投与量・投与方法等）", ORDERS_MAX_FIELD, false),
	F("emergency", "緊急時の連絡先等", 300, false),
	CLINIC_FIELDS,
	F("station", "宛先（訪問看護ステーション）", 200, true),
};

/* 訪問リハビリテーション（訪問看護ステーションの理学療法士等による訪問を含む）の指示 */
static const struct orders_field rehab_order[] = {
	F("diagnosis", "主たる傷病名", 500, true),
	F("condition", "病状・治療状態", ORDERS_MAX_FIELD, false),
	F("medication", "投与中の薬剤の用量・用法", ORDERS_MAX_FIELD, false),
	F("adlBedridden", "日常生活自立度（寝たきり度）", 40, false),
	F("adlDementia", "日常生活自立度（認知症の状況）", 40, false),
	F("careLevel", "要介護認定の状況", 100, false),
	F("goal", "リハビリテーションの目標", ORDERS_MAX_FIELD, false),
	F("rehab", "リハビリテーションの指示内容", ORDERS_MAX_FIELD, true),
	F("risk", "リスク管理・禁忌事項", ORDERS_MAX_FIELD, false),
	F("emergency", "緊急時の連絡先", 300, false),
	F("notes", "特記すべき留意事項", ORDERS_MAX_FIELD, false),
	CLINIC_FIELDS,
	F("station", "宛先（訪問看護ステーション・事業所）", 200, true),
};

/* 訪問看護計画書 (別紙様式1; 患者氏名・生年月日 come from the registration) */
static const struct orders_field vn_plan[] = {
	F("careLevel", "要介護認定の状況", 100, false),
	F("goal", "看護・リハビリテーションの目標", ORDERS_MAX_FIELD, true),
	F("problems", "年月日・問題点・解決策・評価", ORDERS_MAX_FIELD, true),
	F("supplyCare", "衛生材料等が必要な処置の有無・処置の内容", 500, false),
	F("supplies", "衛生材料（種類・サイズ）等", 500, false),
	F("supplyAmount", "必要量", 200, false),
	F("notes", "備考", ORDERS_MAX_FIELD, false),
	F("author", "作成者", 100, true),
	F("station", "事業所名", 200, true),
	F("doctor", "主治医", 200, false),
};

/* 訪問看護報告書 (別紙様式2; 訪問日 is the month calendar, visits) */
static const struct orders_field vn_report[] = {
	F("careLevel", "要介護認定の状況", 100, false),
	F("progress", "病状の経過", ORDERS_MAX_FIELD, true),
	F("care", "看護・リハビリテーションの内容", ORDERS_MAX_FIELD, true),
	F("family", "家庭での介護の状況", ORDERS_MAX_FIELD, false),
	F("supplyUse", "衛生材料等の使用量及び使用状況（交換状況）", 500, false),
	F("supplyChange", "衛生材料等の種類・量の変更", 500, false),
	F("info", "情報提供（提供先と内容）", 500, false),
	F("notes", "特記すべき事項", ORDERS_MAX_FIELD, false),
	F("author", "作成者", 100, true),
	F("station", "事業所名", 200, true),
	F("doctor", "主治医", 200, false),
};
#undef F

#define N(a) (sizeof a / sizeof a[0])
static const struct orders_kind_info kinds[ORDERS_KIND_COUNT_] = {
	[ORDERS_VN_ORDER] = {"vn-order", "訪問看護指示書", "指示書", true, vn_order, N(vn_order)},
	[ORDERS_VN_SPECIAL] = {"vn-special", "特別訪問看護指示書", "指示書", true, vn_special, N(vn_special)},
	[ORDERS_REHAB_ORDER] = {"rehab-order", "訪問リハビリテーション指示書", "指示書", true, rehab_order,
				N(rehab_order)},
	[ORDERS_VN_PLAN] = {"vn-plan", "訪問看護計画書", "計画書", false, vn_plan, N(vn_plan)},
	[ORDERS_VN_REPORT] = {"vn-report", "訪問看護報告書", "報告書", false, vn_report, N(vn_report)},
};

const struct orders_kind_info *orders_kind_info(enum orders_kind k)
{
	return (unsigned)k < ORDERS_KIND_COUNT_ ? &kinds[k] : &kinds[0];
}

bool orders_kind_parse(const char *code, enum orders_kind *out)
{
	for (int k = 0; code && k < ORDERS_KIND_COUNT_; k++)
		if (strcmp(kinds[k].code, code) == 0) {
			*out = (enum orders_kind)k;
			return true;
		}
	return false;
}

/* ---- the form ---- */

bool orders_date(const char *s, int64_t *y, unsigned *m, unsigned *d)
{
	struct time_range tr;
	int64_t yy, mm, dd = 1;
	size_t n = strlen(s);
	if ((n != 10 && n != 7) || !time_parse_fhir(str_c(s), TIME_DATE, &tr) ||
	    !str_to_i64((struct str){s, 4}, 1, 9999, &yy) || !str_to_i64((struct str){s + 5, 2}, 1, 12, &mm) ||
	    (n == 10 && !str_to_i64((struct str){s + 8, 2}, 1, 31, &dd)))
		return false;
	*y = yy;
	*m = (unsigned)mm;
	*d = (unsigned)dd;
	return true;
}

/* Days since the epoch of "YYYY-MM-DD"; false when it is not one. */
static bool day_of(const char *s, int64_t *days, int64_t *y, unsigned *m, unsigned *d)
{
	if (strlen(s) != 10 || !orders_date(s, y, m, d))
		return false;
	*days = time_days_from_civil(*y, *m, *d);
	return true;
}

/* The last day a period starting on y-m-d may end: six calendar months
 * later, less a day (2026-12-01 → 2027-05-31), or the last day of that
 * month when it is shorter (2026-08-31 → 2027-02-28). */
static int64_t six_months_end(int64_t y, unsigned m, unsigned d)
{
	int64_t ny = y + (m + 6 - 1) / 12;
	unsigned nm = (m + 6 - 1) % 12 + 1, last = time_days_in_month(ny, nm);
	return time_days_from_civil(ny, nm, d > last ? last : d) - (d > last ? 0 : 1);
}

static bool plain_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
			return false;
	return true;
}

enum rk_status orders_check(const json_t *in, struct orders_form *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(in))
		return rk_fail(err, RK_INVALID,
			       "文書の内容が JSON のオブジェクトではありません (the body: a JSON object)");
	const char *kind = json_string_value(json_object_get(in, "kind"));
	if (!orders_kind_parse(kind, &out->kind))
		return rk_fail_at(
			err, RK_INVALID, "kind",
			"kind: 文書の種類が不明です（vn-order, vn-special, rehab-order, vn-plan, vn-report）");
	const struct orders_kind_info *k = &kinds[out->kind];
	const json_t *fields = json_object_get(in, "fields");
	if (fields && !json_is_object(fields))
		return rk_fail_at(err, RK_INVALID, "fields", "fields: 項目は {項目名: 文字列} で送ってください");
	out->fields = fields;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)fields, key, v)
	{
		const struct orders_field *f = NULL;
		for (size_t i = 0; i < k->n_fields && !f; i++)
			if (strcmp(k->fields[i].key, key) == 0)
				f = &k->fields[i];
		char where[80];
		snprintf(where, sizeof where, "fields.%.60s", key);
		if (!f)
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: %sにこの項目はありません (not a field of this form)", where, k->ja);
		if (!json_is_string(v))
			return rk_fail_at(err, RK_INVALID, where, "%s（%s）: 文字列で入力してください", where, f->ja);
		const char *s = json_string_value(v);
		if (strlen(s) > f->max)
			return rk_fail_at(err, RK_INVALID, where,
					  "%s: 「%s」が長すぎます（%zu バイトまで、%zu バイトあります）", where, f->ja,
					  f->max, strlen(s));
		if (!plain_text(s))
			return rk_fail_at(err, RK_INVALID, where, "%s: 「%s」に制御文字は使えません", where, f->ja);
	}
	for (size_t i = 0; i < k->n_fields; i++) {
		const char *s = json_string_value(json_object_get(fields, k->fields[i].key));
		if (k->fields[i].required && (!s || !str_trim(str_c(s)).len))
			return rk_fail_at(err, RK_INVALID, k->fields[i].key,
					  "「%s」を入力してください (%s is required)", k->fields[i].ja,
					  k->fields[i].key);
	}
	const char *start = json_string_value(json_object_get(in, "start"));
	const char *end = json_string_value(json_object_get(in, "end"));
	int64_t sd = 0, ed = 0, y, y2;
	unsigned m, d, m2, d2;
	if (k->is_order || out->kind == ORDERS_VN_REPORT) {
		const char *what = k->is_order ? "指示期間" : "報告の月";
		if (!start || !day_of(start, &sd, &y, &m, &d))
			return rk_fail_at(err, RK_INVALID, "start", "start: %sの開始日を YYYY-MM-DD で入力してください",
					  what);
		if (!end || !day_of(end, &ed, &y2, &m2, &d2))
			return rk_fail_at(err, RK_INVALID, "end", "end: %sの終了日を YYYY-MM-DD で入力してください",
					  what);
		if (ed < sd)
			return rk_fail_at(err, RK_INVALID, "end",
					  "%sの終了日（%s）が開始日（%s）より前です (the period ends before it starts)",
					  what, end, start);
		if (out->kind == ORDERS_VN_SPECIAL && ed - sd + 1 > ORDERS_MAX_SPECIAL)
			return rk_fail_at(err, RK_INVALID, "end",
					  "特別訪問看護指示書の指示期間は14日までです（%s〜%s は %lld 日）", start, end,
					  (long long)(ed - sd + 1));
		if (k->is_order && ed > six_months_end(y, m, d))
			return rk_fail_at(err, RK_INVALID, "end",
					  "指示書の指示期間は6か月までです（%s からは最長で %s の前日まで）", start,
					  "6か月後");
		if (out->kind == ORDERS_VN_REPORT && (y != y2 || m != m2 || d != 1 || d2 != time_days_in_month(y, m)))
			return rk_fail_at(err, RK_INVALID, "start",
					  "報告書は1か月ごとです: start は月の初日、end はその月の末日にしてください");
		snprintf(out->start, sizeof out->start, "%s", start);
		snprintf(out->end, sizeof out->end, "%s", end);
	} else if (start || end) {
		return rk_fail_at(err, RK_INVALID, "start", "%sには期間がありません (no period on this form)", k->ja);
	}
	const json_t *visits = json_object_get(in, "visits");
	if (visits && out->kind != ORDERS_VN_REPORT)
		return rk_fail_at(err, RK_INVALID, "visits", "visits: 訪問日は報告書にだけ記入します");
	if (visits && (!json_is_array(visits) || json_array_size(visits) > 31))
		return rk_fail_at(err, RK_INVALID, "visits", "visits: 訪問日は日の数字（1〜31）の一覧です");
	size_t i;
	json_array_foreach((json_t *)visits, i, v)
	{
		json_int_t day = json_is_integer(v) ? json_integer_value(v) : 0;
		if (day < 1 || day > (json_int_t)time_days_in_month(y, m))
			return rk_fail_at(err, RK_INVALID, "visits", "visits[%zu]: %lld 日はその月にありません", i,
					  (long long)day);
		for (size_t j = 0; j < out->n_visits; j++)
			if (out->visits[j] == (int)day)
				return rk_fail_at(err, RK_INVALID, "visits", "visits[%zu]: %lld 日が重複しています", i,
						  (long long)day);
		out->visits[out->n_visits++] = (int)day;
	}
	return RK_OK;
}

/* Text as an XHTML div, escaped; line breaks kept. */
static json_t *div_of(const char *label, const char *text)
{
	struct buf b;
	buf_init(&b, 64 * 1024);
	buf_puts(&b, "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>");
	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = pass ? text : label; *p; p++) {
			switch (*p) {
			case '<': buf_puts(&b, "&lt;"); break;
			case '>': buf_puts(&b, "&gt;"); break;
			case '&': buf_puts(&b, "&amp;"); break;
			case '"': buf_puts(&b, "&quot;"); break;
			case '\n': buf_puts(&b, pass ? "<br/>" : " "); break;
			case '\r': break;
			default: buf_putc(&b, *p);
			}
		}
		buf_puts(&b, pass ? "</p></div>" : "</b><br/>");
	}
	json_t *o = json_pack("{s:s, s:s}", "status", "generated", "div", buf_cstr(&b));
	buf_free(&b);
	return o;
}

static json_t *section(const char *key, const char *ja, const char *text)
{
	return json_pack("{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o, s:[{s:s, s:s}]}", "title", ja, "code", "coding", "system",
			 ORDERS_FIELD_SYSTEM, "code", key, "display", ja, "text", div_of(ja, text), "extension", "url",
			 ORDERS_VALUE_EXT, "valueString", text);
}

json_t *orders_build(const struct orders_form *f, const char *patient_id, const char *author,
		     const char *author_display, int64_t now)
{
	const struct orders_kind_info *k = &kinds[f->kind];
	char date[RK_TIME_RFC3339_LEN], subject[96];
	time_format_rfc3339(now, date);
	snprintf(subject, sizeof subject, "Patient/%s", patient_id);
	json_t *c = json_pack("{s:s, s:s, s:{s:[{s:s, s:s, s:s}], s:s}, s:[{s:[{s:s, s:s}]}], s:{s:s}, s:s, "
			      "s:[{s:s, s:s}], s:s, s:[]}",
			      "resourceType", "Composition", "status", "final", "type", "coding", "system",
			      ORDERS_TYPE_SYSTEM, "code", k->code, "display", k->ja, "text", k->ja, "category",
			      "coding", "system", ORDERS_TYPE_SYSTEM, "code", k->is_order ? "order" : "nursing",
			      "subject", "reference", subject, "date", date, "author", "reference", author, "display",
			      author_display && author_display[0] ? author_display : author, "title", k->ja, "section");
	if (!c)
		return NULL;
	if (f->start[0])
		json_object_set_new(c, "event",
				    json_pack("[{s:{s:s, s:s}}]", "period", "start", f->start, "end", f->end));
	json_t *secs = json_object_get(c, "section");
	if (f->kind == ORDERS_VN_REPORT) {
		char days[31 * 4] = "";
		size_t len = 0;
		for (size_t i = 0; i < f->n_visits; i++)
			len += (size_t)snprintf(days + len, sizeof days - len, "%s%d", i ? "," : "", f->visits[i]);
		json_array_append_new(secs, section("visits", "訪問日", days));
	}
	for (size_t i = 0; i < k->n_fields; i++) {
		const char *s = json_string_value(json_object_get(f->fields, k->fields[i].key));
		if (s && s[0])
			json_array_append_new(secs, section(k->fields[i].key, k->fields[i].ja, s));
	}
	return c;
}

/* ---- reading ---- */

static const char *coding_code(const json_t *cc, const char *system)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c)
	{
		const char *s = json_string_value(json_object_get(c, "system"));
		if (s && strcmp(s, system) == 0)
			return json_string_value(json_object_get(c, "code"));
	}
	return NULL;
}

static const char *sv(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

bool orders_parse(const json_t *body, struct orders_doc *out)
{
	memset(out, 0, sizeof *out);
	if (!orders_kind_parse(coding_code(json_object_get(body, "type"), ORDERS_TYPE_SYSTEM), &out->kind))
		return false;
	const struct orders_kind_info *k = &kinds[out->kind];
	out->title = sv(body, "title");
	out->status = sv(body, "status");
	out->date = sv(body, "date");
	const json_t *a = json_array_get(json_object_get(body, "author"), 0);
	out->author = sv(a, "reference");
	out->author_display = sv(a, "display");
	const json_t *p = json_object_get(json_array_get(json_object_get(body, "event"), 0), "period");
	snprintf(out->start, sizeof out->start, "%.10s", sv(p, "start"));
	snprintf(out->end, sizeof out->end, "%.10s", sv(p, "end"));
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(body, "section"), i, s)
	{
		const char *key = coding_code(json_object_get(s, "code"), ORDERS_FIELD_SYSTEM);
		const char *text = NULL;
		size_t j;
		json_t *x;
		json_array_foreach(json_object_get(s, "extension"), j, x)
		{
			if (strcmp(sv(x, "url"), ORDERS_VALUE_EXT) == 0)
				text = json_string_value(json_object_get(x, "valueString"));
		}
		if (!key || !text)
			continue;
		if (strcmp(key, "visits") == 0) {
			const char *q = text;
			while (*q && out->n_visits < 31) {
				char *e;
				long d = strtol(q, &e, 10);
				if (e == q)
					break;
				if (d >= 1 && d <= 31)
					out->visits[out->n_visits++] = (int)d;
				q = *e == ',' ? e + 1 : e;
			}
			continue;
		}
		const char *ja = sv(s, "title");
		for (size_t f = 0; f < k->n_fields; f++)
			if (strcmp(k->fields[f].key, key) == 0)
				ja = k->fields[f].ja;
		if (out->n_values < sizeof out->values / sizeof out->values[0])
			out->values[out->n_values++] = (struct orders_value){key, ja, text};
	}
	return true;
}

enum rk_status orders_canonical(const json_t *body, const char *id, struct buf *out, struct rk_err *err)
{
	json_t *c = json_deep_copy(body);
	if (!c)
		return rk_fail(err, RK_TOO_LARGE, "out of memory");
	json_object_del(c, "meta");
	json_object_del(c, "text");
	char *s = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(c);
	if (!s)
		return rk_fail(err, RK_TOO_LARGE, "out of memory");
	enum rk_status rc = buf_printf(out, "renkei-document-v1\nComposition/%s\n%s", id, s);
	free(s);
	return rc == RK_OK ? RK_OK : rk_fail(err, rc, "the document is too large to sign");
}

void orders_summary(const struct orders_doc *d, bool updated, char *out, size_t cap)
{
	const struct orders_kind_info *k = &kinds[d->kind];
	const char *verb = k->is_order ? (updated ? "を更新しました" : "を発行しました")
				       : (updated ? "を更新しました" : "を作成しました");
	if (k->is_order)
		snprintf(out, cap, "%s（指示期間 %s〜%s）%s", k->ja, d->start, d->end, verb);
	else if (d->kind == ORDERS_VN_REPORT)
		snprintf(out, cap, "%s（%.7s、訪問 %zu 回）%s", k->ja, d->start, d->n_visits, verb);
	else
		snprintf(out, cap, "%s%s", k->ja, verb);
}

/* ---- the store ---- */

static const char *dup(struct arena *a, struct str v, bool *ok)
{
	char *p = arena_strndup(a, v.ptr ? v.ptr : "", v.len);
	if (!p)
		*ok = false;
	return p ? p : "";
}

enum rk_status orders_list(struct store *s, const char *regional_id, struct arena *a, struct orders_row **out,
			   size_t *n, struct rk_err *err)
{
	*out = NULL;
	*n = 0;
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT r.id, r.source_facility, r.patient_id, r.version, r.last_updated, r.body "
			      "FROM patient_link l JOIN resource r ON r.patient_id = l.patient_id "
			      "WHERE l.regional_id = ? AND r.type = 'Composition' AND r.deleted = 0 "
			      "AND r.body LIKE ? ORDER BY r.last_updated DESC, r.id LIMIT ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(regional_id));
	store_bind_text(st, 2, STR_LIT("%" ORDERS_TYPE_SYSTEM "\"%"));
	store_bind_i64(st, 3, RK_MAX_COLLAB_DOCUMENTS);
	size_t cap = 0;
	bool row = false, ok = true;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && ok) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct orders_row *nv = arena_alloc(a, ncap * sizeof *nv);
			if (!nv) {
				ok = false;
				break;
			}
			if (*n)
				memcpy(nv, *out, *n * sizeof *nv);
			*out = nv;
			cap = ncap;
		}
		(*out)[(*n)++] = (struct orders_row){
			.id = dup(a, store_col_text(st, 0), &ok),
			.source = dup(a, store_col_text(st, 1), &ok),
			.patient_id = dup(a, store_col_text(st, 2), &ok),
			.version = store_col_i64(st, 3),
			.last_updated = store_col_i64(st, 4),
			.body = dup(a, store_col_text(st, 5), &ok),
		};
	}
	store_done(st);
	return rc == RK_OK && !ok ? rk_fail(err, RK_TOO_LARGE, "out of request memory") : rc;
}

enum rk_status orders_sig_latest(struct store *s, const char *id, struct arena *a, struct orders_sig *out,
				 struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT version, account_id, facility_code, signer, key_id, digest, signature, "
			      "signed_at FROM collab_signature WHERE composition_id = ? "
			      "ORDER BY version DESC LIMIT 1",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	bool row = false, ok = true;
	if ((rc = store_step(st, &row, err)) == RK_OK && row) {
		out->found = true;
		out->version = store_col_i64(st, 0);
		out->account = dup(a, store_col_text(st, 1), &ok);
		out->facility = dup(a, store_col_text(st, 2), &ok);
		out->signer = dup(a, store_col_text(st, 3), &ok);
		out->key_id = dup(a, store_col_text(st, 4), &ok);
		out->digest = dup(a, store_col_text(st, 5), &ok);
		struct str b64 = store_col_text(st, 6);
		if (sodium_base642bin(out->sig.sig, sizeof out->sig.sig, b64.ptr ? b64.ptr : "", b64.len, NULL,
				      &out->sig.len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			out->sig.len = 0;
		snprintf(out->sig.key_id, sizeof out->sig.key_id, "%s", out->key_id);
		out->signed_at = store_col_i64(st, 7);
	}
	store_done(st);
	return rc == RK_OK && !ok ? rk_fail(err, RK_TOO_LARGE, "out of request memory") : rc;
}

enum rk_status orders_sig_put(struct store *s, const char *id, int64_t version, const char *account,
			      const char *facility, const char *signer, const char *digest,
			      const struct sign_signature *sig, int64_t now, struct rk_err *err)
{
	char b64[sodium_base64_ENCODED_LEN(SIGN_MAX_SIG, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, sig->sig, sig->len, sodium_base64_VARIANT_ORIGINAL);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"INSERT INTO collab_signature (composition_id, version, account_id, facility_code, signer, "
		"key_id, digest, signature, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (composition_id, version) DO NOTHING",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	store_bind_i64(st, 2, version);
	store_bind_text(st, 3, str_c(account));
	store_bind_text(st, 4, str_c(facility));
	store_bind_text(st, 5, str_c(signer));
	store_bind_text(st, 6, str_c(sig->key_id));
	store_bind_text(st, 7, str_c(digest));
	store_bind_text(st, 8, str_c(b64));
	store_bind_i64(st, 9, now);
	rc = store_run(st, err);
	bool added = rc == RK_OK && store_changes(st) == 1;
	store_done(st);
	if (rc == RK_OK && !added)
		return rk_fail(err, RK_CONFLICT,
			       "この版（第%lld版）はすでに署名されています (already signed at this version)",
			       (long long)version);
	return rc;
}

enum rk_status orders_sig_state(const struct signer *signer, const json_t *body, const char *id, int64_t version,
				const struct orders_sig *sig, enum sign_state *out, struct rk_err *err)
{
	*out = SIGN_NONE;
	if (!sig->found)
		return RK_OK;
	if (sig->version != version) {
		*out = SIGN_CHANGED;
		return RK_OK;
	}
	struct buf b;
	buf_init(&b, RK_MAX_BODY);
	enum rk_status rc = orders_canonical(body, id, &b, err);
	bool ok = false;
	if (rc == RK_OK)
		rc = signer->verify(signer, (const unsigned char *)b.data, b.len, &sig->sig, &ok, err);
	buf_free(&b);
	if (rc == RK_OK)
		*out = ok ? SIGN_VERIFIED : SIGN_INVALID;
	return rc;
}

/* ---- the reminder job ---- */

static const int thresholds[] = {14, 3}; /* days before the end, largest first */

/* Already posted: the thresholds of this version. */
static enum rk_status posted(struct store *s, const char *id, int64_t version, int days, bool *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
					  "SELECT 1 FROM collab_reminder WHERE composition_id = ? AND version = ? "
					  "AND days_before = ?",
					  &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	store_bind_i64(st, 2, version);
	store_bind_i64(st, 3, days);
	rc = store_step(st, out, err);
	store_done(st);
	return rc;
}

static enum rk_status mark(struct store *s, const char *id, int64_t version, int days, const char *comm, int64_t now,
			   struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
					  "INSERT INTO collab_reminder (composition_id, version, days_before, "
					  "communication, posted_at) VALUES (?, ?, ?, ?, ?)",
					  &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(id));
	store_bind_i64(st, 2, version);
	store_bind_i64(st, 3, days);
	store_bind_text(st, 4, str_c(comm));
	store_bind_i64(st, 5, now);
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static const char *value_of(const struct orders_doc *d, const char *key)
{
	for (size_t i = 0; i < d->n_values; i++)
		if (strcmp(d->values[i].key, key) == 0)
			return d->values[i].text;
	return "";
}

struct remind_row {
	char id[72], source[32], patient[72];
	int64_t version;
	char *body;
};

/* Post one reminder for row (its doc d, days left) and mark thresholds
 * from..to; with its audit entry, in one transaction. */
static enum rk_status remind_one(const struct sched_env *env, int64_t now, const struct remind_row *r,
				 const struct orders_doc *d, int64_t left, size_t upto, bool *done, struct rk_err *err)
{
	*done = false;
	const struct orders_kind_info *k = &kinds[d->kind];
	struct store_facility fac = {0};
	struct arena ar;
	arena_init(&ar, 4 * 1024 * 1024);
	enum rk_status rc = store_facility_get(env->store, str_c(r->source), &ar, &fac, err);
	const char *issuer = rc == RK_OK && fac.name.len ? arena_strndup(&ar, fac.name.ptr, fac.name.len) : r->source;
	if (rc == RK_NOT_FOUND)
		rc = RK_OK;
	char text[1200], subject[96];
	snprintf(text, sizeof text,
		 "【指示期間の終了まであと%lld日】%s（指示期間 %s〜%s）は %s に終わります。"
		 "発行: %s（%s）、宛先: %s。次の指示書の手配をお願いします。",
		 (long long)left, k->ja, d->start, d->end, d->end, issuer, value_of(d, "doctor"),
		 value_of(d, "station"));
	snprintf(subject, sizeof subject, "Patient/%s", r->patient);
	char sent[RK_TIME_RFC3339_LEN], about[96];
	time_format_rfc3339(now, sent);
	snprintf(about, sizeof about, "Composition/%s", r->id);
	json_t *c = json_pack("{s:s, s:s, s:[{s:s}], s:{s:s}, s:s, s:{s:s}, s:[{s:s}], s:[{s:s}]}", "resourceType",
			      "Communication", "status", "completed", "category", "text", k->category, "subject",
			      "reference", subject, "sent", sent, "sender", "display", "renkei（指示期間のお知らせ）",
			      "payload", "contentString", text, "about", "reference", about);
	struct fhir_ctx ctx = {.store = env->store,
			       .arena = &ar,
			       .cfg = env->cfg,
			       .now = now,
			       .batch = true,
			       .actor_facility = r->source, /* the issuing facility's post, on the team's timeline */
			       .actor_account = "scheduler"};
	struct fhir_result res = {0};
	if (rc == RK_OK && !c)
		rc = rk_fail(err, RK_TOO_LARGE, "out of memory");
	if (rc == RK_OK && (rc = store_begin(env->store, err)) == RK_OK) {
		bool again = false;
		rc = posted(env->store, r->id, r->version, thresholds[upto], &again, err);
		if (rc == RK_OK && !again)
			rc = fhir_create(&ctx, fhir_resource_find("Communication", 13), c, &res, err);
		char comm[96] = "", detail[1400], patients[160] = "[]", entities[300];
		snprintf(comm, sizeof comm, "%.*s", STR_FMT(res.id));
		for (size_t t = 0; rc == RK_OK && !again && t <= upto; t++) {
			bool had = false;
			rc = posted(env->store, r->id, r->version, thresholds[t], &had, err);
			if (rc == RK_OK && !had)
				rc = mark(env->store, r->id, r->version, thresholds[t], comm, now, err);
		}
		struct store_patient_link link;
		if (rc == RK_OK && !again &&
		    store_link_by_patient(env->store, str_c(r->patient), &ar, &link, NULL) == RK_OK)
			snprintf(patients, sizeof patients, "[\"%.*s\"]", STR_FMT(link.regional_id));
		snprintf(entities, sizeof entities, "[{\"ref\":\"Communication/%s/_history/1\"}]", comm);
		snprintf(detail, sizeof detail, "reminder %d days before the end of Composition/%s/_history/%lld: %s",
			 thresholds[upto], r->id, (long long)r->version, text);
		struct audit_event ev = {.event = "document-reminder",
					 .action = 'C',
					 .account = "scheduler",
					 .role = "system",
					 .facility = r->source,
					 .purpose = "HOPERAT",
					 .patients = patients,
					 .entities = entities,
					 .query = "scheduler job collab-order-remind",
					 .detail = detail};
		if (rc == RK_OK && !again && env->audit)
			rc = audit_append(env->audit, env->store, &ev, NULL, err);
		if (rc == RK_OK)
			rc = store_commit(env->store, err);
		else
			store_rollback(env->store);
		*done = rc == RK_OK && !again;
	}
	json_decref(c);
	arena_reset(&ar);
	return rc;
}

enum rk_status orders_remind(const struct sched_env *env, int64_t now, struct sched_result *res, struct rk_err *err)
{
	/* today in Japan: a period's dates are Japanese calendar days */
	int64_t today = (now + 9 * 3600000LL) / 86400000LL;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(env->store,
					  "SELECT id, version, source_facility, patient_id, body FROM resource "
					  "WHERE type = 'Composition' AND deleted = 0 AND body LIKE ? ORDER BY id",
					  &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, STR_LIT("%" ORDERS_TYPE_SYSTEM "\"%")); /* the kind is checked below */
	struct remind_row *rows = NULL;
	size_t n = 0, cap = 0;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct remind_row *nv = realloc(rows, ncap * sizeof *nv);
			if (!nv) {
				rc = rk_fail(err, RK_INTERNAL, "out of memory");
				break;
			}
			rows = nv;
			cap = ncap;
		}
		struct remind_row *r = &rows[n];
		memset(r, 0, sizeof *r);
		str_copy(r->id, sizeof r->id, store_col_text(st, 0));
		r->version = store_col_i64(st, 1);
		str_copy(r->source, sizeof r->source, store_col_text(st, 2));
		str_copy(r->patient, sizeof r->patient, store_col_text(st, 3));
		struct str b = store_col_text(st, 4);
		r->body = strndup(b.ptr ? b.ptr : "", b.len);
		if (!r->body) {
			rc = rk_fail(err, RK_INTERNAL, "out of memory");
			break;
		}
		n++;
	}
	store_done(st);
	int64_t count = 0;
	for (size_t i = 0; rc == RK_OK && i < n; i++) {
		json_t *body = json_loads(rows[i].body, 0, NULL);
		struct orders_doc d;
		int64_t sd, ed, y;
		unsigned m, dd;
		if (body && orders_parse(body, &d) && kinds[d.kind].is_order && strcmp(d.status, "final") == 0 &&
		    day_of(d.end, &ed, &y, &m, &dd) && day_of(d.start, &sd, &y, &m, &dd)) {
			int64_t left = ed - today;
			/* the smallest threshold reached and not yet posted: one post covers the larger ones */
			size_t upto = sizeof thresholds / sizeof thresholds[0];
			for (size_t t = 0; t < sizeof thresholds / sizeof thresholds[0]; t++)
				if (left >= 0 && left <= thresholds[t])
					upto = t;
			bool had = true;
			if (upto < sizeof thresholds / sizeof thresholds[0])
				rc = posted(env->store, rows[i].id, rows[i].version, thresholds[upto], &had, err);
			if (rc == RK_OK && !had) {
				bool done = false;
				rc = remind_one(env, now, &rows[i], &d, left, upto, &done, err);
				count += done;
			}
		}
		json_decref(body);
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].body);
	free(rows);
	res->count = count;
	snprintf(res->message, sizeof res->message, "%lld reminder(s) posted%s", (long long)count,
		 rc == RK_OK ? "" : ", then stopped");
	return rc;
}
