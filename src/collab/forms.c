/* forms.c — the care team's forms (see forms.h). */
#include "collab/forms.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "fhir/clinical.h"

#define MIN_VALUE_EXT "http://hl7.org/fhir/StructureDefinition/minValue"
#define MAX_VALUE_EXT "http://hl7.org/fhir/StructureDefinition/maxValue"
#define UNIT_EXT      "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
#define MAX_FORMS     16
#define FUTURE_SLACK  (5 * 60 * 1000) /* a tablet's clock may run a few minutes ahead */
#define MAX_VISIT_MS  (24 * 3600 * 1000)

static json_t *forms[MAX_FORMS];
static size_t n_forms;
static pthread_once_t forms_once = PTHREAD_ONCE_INIT;

static void load(void)
{
	for (unsigned i = 0; i < forms_sources_len && n_forms < MAX_FORMS; i++) {
		struct rk_err err;
		rk_err_clear(&err);
		json_t *q =
			rk_json_parse((struct str){(const char *)forms_sources[i].text, forms_sources[i].len}, &err);
		if (!q || !json_is_object(q)) {
			log_event(LOG_ERROR, "forms.bad_questionnaire", "file", forms_sources[i].name, "error", err.msg,
				  NULL);
			json_decref(q);
			continue;
		}
		forms[n_forms++] = q;
	}
}

size_t forms_questionnaire_count(void)
{
	pthread_once(&forms_once, load);
	return n_forms;
}

const json_t *forms_questionnaire_at(size_t i)
{
	pthread_once(&forms_once, load);
	return i < n_forms ? forms[i] : NULL;
}

const json_t *forms_questionnaire_by_id(struct str id)
{
	pthread_once(&forms_once, load);
	for (size_t i = 0; i < n_forms; i++)
		if (str_eq(rk_json_strv(json_object_get(forms[i], "id")), id))
			return forms[i];
	return NULL;
}

const json_t *forms_questionnaire_by_url(struct str url)
{
	pthread_once(&forms_once, load);
	struct str base = url, version = STR_NULL;
	str_cut(url, '|', &base, &version);
	for (size_t i = 0; i < n_forms; i++)
		if (str_eq(rk_json_strv(json_object_get(forms[i], "url")), base) &&
		    (!version.len || str_eq(rk_json_strv(json_object_get(forms[i], "version")), version)))
			return forms[i];
	return NULL;
}

/* ---- the check ---- */

struct check {
	const json_t *q;
	const char *title;
	bool completed;
	struct rk_err *err;
	char where[256];
};

static const char *jtext(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && !rk_json_is_decimal(v) ? json_string_value(v) : "";
}

/* The item of q (anywhere) with link_id, and its parent item (NULL: top). */
static const json_t *find_item(const json_t *items, const char *link_id, const json_t *parent,
			       const json_t **parent_out)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jtext(it, "linkId"), link_id) == 0) {
			*parent_out = parent;
			return it;
		}
		const json_t *found = find_item(json_object_get(it, "item"), link_id, it, parent_out);
		if (found)
			return found;
	}
	return NULL;
}

/* Does the item (a group) hold a required item? */
static bool needs(const json_t *it)
{
	if (json_is_true(json_object_get(it, "required")))
		return true;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(it, "item"), i, c) if (needs(c)) return true;
	return false;
}

static enum rk_status fail(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum rk_status fail(struct check *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rk_fail_at(c->err, RK_INVALID, c->where, "%s: %s", c->where, msg);
}

static bool ext_number(const json_t *it, const char *url, double *out)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(it, "extension"), i, x)
	{
		if (strcmp(jtext(x, "url"), url) != 0)
			continue;
		const char *key;
		json_t *v;
		json_object_foreach(x, key,
				    v) if (strncmp(key, "value", 5) == 0 && rk_json_number_value(v, out)) return true;
	}
	return false;
}

/* The one value[x] of an answer: its key and value. */
static const char *answer_value(const json_t *ans, const json_t **v)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)ans, key, val) if (strncmp(key, "value", 5) == 0)
	{
		*v = val;
		return key;
	}
	*v = NULL;
	return NULL;
}

static const char *expected_key(const char *type)
{
	static const struct {
		const char *type, *key;
	} keys[] = {
		{"boolean", "valueBoolean"},   {"decimal", "valueDecimal"},       {"integer", "valueInteger"},
		{"date", "valueDate"},         {"dateTime", "valueDateTime"},     {"time", "valueTime"},
		{"string", "valueString"},     {"text", "valueString"},           {"url", "valueUri"},
		{"choice", "valueCoding"},     {"attachment", "valueAttachment"}, {"reference", "valueReference"},
		{"quantity", "valueQuantity"},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].type, type) == 0)
			return keys[i].key;
	return NULL;
}

static const char *type_ja(const char *type)
{
	static const struct {
		const char *type, *ja;
	} names[] = {
		{"boolean", "はい/いいえ"},
		{"decimal", "数値"},
		{"integer", "整数"},
		{"date", "日付"},
		{"dateTime", "日時"},
		{"time", "時刻"},
		{"string", "文字列"},
		{"text", "文章"},
		{"url", "URL"},
		{"choice", "選択肢"},
		{"attachment", "添付ファイル"},
		{"reference", "参照"},
		{"quantity", "数量"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i].type, type) == 0)
			return names[i].ja;
	return type;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static enum rk_status check_answer(struct check *c, const json_t *it, const json_t *ans)
{
	const char *link = jtext(it, "linkId"), *label = jtext(it, "text"), *type = jtext(it, "type");
	const json_t *v;
	const char *key = answer_value(ans, &v);
	const char *want = expected_key(type);
	if (json_array_size(json_object_get(ans, "item")))
		return fail(c, "項目 '%s'（%s）の回答に下位の項目は置けません (an answer of this form holds no items)",
			    link, label);
	if (!key)
		return fail(c, "項目 '%s'（%s）の回答に値がありません (answer.value[x] is missing)", link, label);
	if (!want)
		return fail(c, "項目 '%s'（%s）は回答する項目ではありません (a %s item takes no answer)", link, label,
			    type);
	if (strcmp(key, want) != 0 && !(strcmp(type, "decimal") == 0 && strcmp(key, "valueInteger") == 0))
		return fail(c, "項目 '%s'（%s）の回答は%sです: %s ではなく %s で答えてください (answer type)", link,
			    label, type_ja(type), key, want);
	if (strcmp(want, "valueString") == 0) {
		size_t n = utf8_chars(json_string_value(v));
		json_t *ml = json_object_get(it, "maxLength");
		if (json_is_integer(ml) && (json_int_t)n > json_integer_value(ml))
			return fail(c, "項目 '%s'（%s）は %lld 文字までです（%zu 文字）(too long)", link, label,
				    (long long)json_integer_value(ml), n);
		if (!n)
			return fail(c, "項目 '%s'（%s）が空です: 答えないときは項目ごと省いてください (empty answer)",
				    link, label);
	} else if (strcmp(want, "valueInteger") == 0 || strcmp(want, "valueDecimal") == 0) {
		double x, lo, hi;
		if (!rk_json_number_value(v, &x))
			return fail(c, "項目 '%s'（%s）は数値で答えてください (a number)", link, label);
		bool has_lo = ext_number(it, MIN_VALUE_EXT, &lo), has_hi = ext_number(it, MAX_VALUE_EXT, &hi);
		if ((has_lo && x < lo) || (has_hi && x > hi)) {
			char buf[24];
			struct str t = rk_json_number_lexeme(v, buf);
			return fail(c, "項目 '%s'（%s）の値 %.*s は範囲外です（%g〜%g）(out of range)", link, label,
				    STR_FMT(t), has_lo ? lo : 0, has_hi ? hi : 0);
		}
	} else if (strcmp(want, "valueCoding") == 0) {
		const char *code = jtext(v, "code");
		size_t i;
		json_t *opt;
		json_array_foreach(json_object_get(it, "answerOption"), i, opt)
		{
			const json_t *oc = json_object_get(opt, "valueCoding");
			if (oc && strcmp(jtext(oc, "code"), code) == 0 &&
			    strcmp(jtext(oc, "system"), jtext(v, "system")) == 0)
				return RK_OK;
		}
		return fail(c, "項目 '%s'（%s）の選択肢にコード '%.40s' はありません (not an answerOption)", link,
			    label, code);
	} else if (strcmp(want, "valueAttachment") == 0) {
		if (!jtext(v, "url")[0])
			return fail(c, "項目 '%s'（%s）の添付ファイルには url が必要です (attachment.url)", link,
				    label);
	}
	return RK_OK;
}

static enum rk_status check_items(struct check *c, const json_t *qparent, const json_t *items);

static enum rk_status check_item(struct check *c, const json_t *qparent, const json_t *qi)
{
	const char *link = jtext(qi, "linkId");
	if (!link[0])
		return fail(c, "linkId がありません (item.linkId is required)");
	const json_t *siblings = qparent ? json_object_get(qparent, "item") : json_object_get(c->q, "item");
	const json_t *it = NULL, *parent = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(siblings, i, s) if (strcmp(jtext(s, "linkId"), link) == 0) it = s;
	if (!it) {
		if (find_item(json_object_get(c->q, "item"), link, NULL, &parent))
			return fail(c, "項目 '%.64s' はここに置けません: 「%s」の下の項目です (wrong place)", link,
				    parent ? jtext(parent, "text") : c->title);
		return fail(c, "項目 '%.64s' は「%s」にない項目です (unknown linkId)", link, c->title);
	}
	const char *type = jtext(it, "type");
	const json_t *answers = json_object_get(qi, "answer");
	size_t len = strlen(c->where);
	enum rk_status rc = RK_OK;
	if (strcmp(type, "group") == 0 || strcmp(type, "display") == 0) {
		if (json_array_size(answers))
			return fail(c, "項目 '%s'（%s）は見出しで、回答は置けません (a group takes no answer)", link,
				    jtext(it, "text"));
		if (strcmp(type, "display") == 0)
			return RK_OK;
		snprintf(c->where + len, sizeof c->where - len, ".item");
		rc = check_items(c, it, json_object_get(qi, "item"));
		c->where[len] = '\0';
		return rc;
	}
	if (json_array_size(json_object_get(qi, "item")))
		return fail(c, "項目 '%s'（%s）の下に項目は置けません (only a group holds items)", link,
			    jtext(it, "text"));
	if (!json_array_size(answers))
		return fail(c, "項目 '%s'（%s）に回答がありません: 答えないときは項目ごと省いてください (no answer)",
			    link, jtext(it, "text"));
	if (json_array_size(answers) > 1 && !json_is_true(json_object_get(it, "repeats")))
		return fail(c, "項目 '%s'（%s）の回答は一つです (the item does not repeat)", link, jtext(it, "text"));
	json_t *ans;
	json_array_foreach(answers, i, ans)
	{
		snprintf(c->where + len, sizeof c->where - len, ".answer[%zu]", i);
		if ((rc = check_answer(c, it, ans)) != RK_OK)
			return rc;
	}
	c->where[len] = '\0';
	return RK_OK;
}

static enum rk_status check_items(struct check *c, const json_t *qparent, const json_t *items)
{
	size_t len = strlen(c->where), i;
	json_t *qi;
	json_array_foreach(items, i, qi)
	{
		snprintf(c->where + len, sizeof c->where - len, "[%zu]", i);
		enum rk_status rc = check_item(c, qparent, qi);
		if (rc != RK_OK)
			return rc;
		/* a linkId once at a level, unless it repeats */
		for (size_t k = 0; k < i; k++)
			if (strcmp(jtext(json_array_get(items, k), "linkId"), jtext(qi, "linkId")) == 0) {
				const json_t *p;
				const json_t *it =
					find_item(json_object_get(c->q, "item"), jtext(qi, "linkId"), NULL, &p);
				if (!json_is_true(json_object_get(it, "repeats")))
					return fail(c, "項目 '%s'（%s）が二度あります (linkId repeated)",
						    jtext(qi, "linkId"), jtext(it, "text"));
			}
	}
	c->where[len] = '\0';
	if (!c->completed)
		return RK_OK;
	const json_t *qitems = qparent ? json_object_get(qparent, "item") : json_object_get(c->q, "item");
	json_t *need;
	json_array_foreach(qitems, i, need)
	{
		if (!needs(need))
			continue;
		bool found = false;
		size_t k;
		json_t *x;
		json_array_foreach(items, k, x) found = found || strcmp(jtext(x, "linkId"), jtext(need, "linkId")) == 0;
		if (!found)
			return fail(c, "必須の項目 '%s'（%s）がありません (required item missing)",
				    jtext(need, "linkId"), jtext(need, "text"));
	}
	return RK_OK;
}

static int64_t answer_ms(const json_t *qr, const char *link)
{
	const json_t *v = json_object_get(json_array_get(forms_answers(qr, link), 0), "valueDateTime");
	struct time_range tr;
	if (json_is_string(v) && time_parse_fhir(rk_json_strv(v), TIME_DATETIME, &tr))
		return tr.lo;
	return 0;
}

static double answer_num(const json_t *qr, const char *link, bool *has)
{
	const json_t *a = json_array_get(forms_answers(qr, link), 0);
	const json_t *v;
	double x = 0;
	*has = answer_value(a, &v) && rk_json_number_value(v, &x);
	return x;
}

/* What the visit record's form cannot say by itself. */
static enum rk_status check_visit(struct check *c, const json_t *qr, int64_t now)
{
	snprintf(c->where, sizeof c->where, "QuestionnaireResponse.item");
	int64_t start = answer_ms(qr, "start"), end = answer_ms(qr, "end");
	if (start && start > now + FUTURE_SLACK)
		return fail(
			c, "訪問開始（start）が未来の時刻です: これからの訪問は記録できません (a visit in the future)");
	if (end && end > now + FUTURE_SLACK)
		return fail(c, "訪問終了（end）が未来の時刻です (the visit's end is in the future)");
	if (start && end && end < start)
		return fail(c, "訪問終了（end）が訪問開始（start）より前です (the end is before the start)");
	if (start && end && end - start > MAX_VISIT_MS)
		return fail(c, "訪問が24時間を超えています: 開始と終了を確かめてください (longer than a day)");
	bool hs, hd;
	double sbp = answer_num(qr, "sbp", &hs), dbp = answer_num(qr, "dbp", &hd);
	if (hs != hd)
		return fail(c, "血圧は収縮期（sbp）と拡張期（dbp）の両方を記録してください (both blood pressures)");
	if (hs && dbp >= sbp)
		return fail(c, "血圧の拡張期（dbp）%g が収縮期（sbp）%g 以上です (diastolic not below systolic)", dbp,
			    sbp);
	return RK_OK;
}

enum rk_status forms_check(const json_t *qr, int64_t now, struct rk_err *err)
{
	struct check c = {.err = err};
	snprintf(c.where, sizeof c.where, "QuestionnaireResponse.questionnaire");
	struct str url = rk_json_strv(json_object_get(qr, "questionnaire"));
	c.q = forms_questionnaire_by_url(url);
	if (!c.q)
		return fail(&c,
			    "質問票 '%.*s' は renkei にありません (unknown Questionnaire; see GET /fhir/Questionnaire)",
			    (int)(url.len > 100 ? 100 : url.len), url.ptr ? url.ptr : "");
	c.title = jtext(c.q, "title");
	const char *status = jtext(qr, "status");
	if (strcmp(status, "entered-in-error") == 0)
		return RK_OK; /* withdrawn: kept as it was */
	c.completed = strcmp(status, "completed") == 0 || strcmp(status, "amended") == 0;
	snprintf(c.where, sizeof c.where, "QuestionnaireResponse.item");
	enum rk_status rc = check_items(&c, NULL, json_object_get(qr, "item"));
	if (rc == RK_OK && strcmp(jtext(c.q, "url"), FORMS_VISIT_URL) == 0)
		rc = check_visit(&c, qr, now);
	return rc;
}

enum rk_status forms_questionnaire_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	(void)ctx;
	(void)w;
	return rk_fail(err, RK_FORBIDDEN,
		       "Questionnaire は renkei が定める様式で、API からは変更できません (the forms renkei ships are "
		       "read-only; see data/questionnaires)");
}

enum rk_status forms_response_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err)
{
	enum rk_status rc = forms_check(w->res, ctx->now, err);
	return rc == RK_OK ? clinical_prepare(ctx, w, err) : rc;
}

bool forms_vital_from_response(const json_t *obs)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(obs, "derivedFrom"), i,
			   r) if (str_starts_with(rk_json_strv(json_object_get(r, "reference")),
						  "QuestionnaireResponse/")) return true;
	return false;
}

/* ---- reading a response ---- */

static const json_t *find_answers(const json_t *items, const char *link_id)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jtext(it, "linkId"), link_id) == 0)
			return json_object_get(it, "answer");
		const json_t *a = find_answers(json_object_get(it, "item"), link_id);
		if (a)
			return a;
	}
	return NULL;
}

const json_t *forms_answers(const json_t *qr, const char *link_id)
{
	return find_answers(json_object_get(qr, "item"), link_id);
}

const char *forms_value_text(const json_t *answer, struct arena *a)
{
	const json_t *v;
	const char *key = answer_value(answer, &v);
	if (!key)
		return "";
	if (json_is_boolean(v))
		return json_is_true(v) ? "はい" : "いいえ";
	char buf[24];
	struct str num = rk_json_number_lexeme(v, buf);
	if (num.len)
		return arena_strndup(a, num.ptr, num.len);
	if (json_is_string(v))
		return json_string_value(v);
	if (strcmp(key, "valueCoding") == 0)
		return jtext(v, "display")[0] ? jtext(v, "display") : jtext(v, "code");
	if (strcmp(key, "valueAttachment") == 0)
		return jtext(v, "title")[0] ? jtext(v, "title") : jtext(v, "url");
	if (strcmp(key, "valueReference") == 0)
		return jtext(v, "display")[0] ? jtext(v, "display") : jtext(v, "reference");
	return "";
}

/* A choice's display as the form gives it (the answer may carry only its code). */
static const char *option_display(const json_t *it, const json_t *answer)
{
	const json_t *c = json_object_get(answer, "valueCoding");
	size_t i;
	json_t *opt;
	json_array_foreach(json_object_get(it, "answerOption"), i, opt)
	{
		const json_t *oc = json_object_get(opt, "valueCoding");
		if (c && strcmp(jtext(oc, "code"), jtext(c, "code")) == 0 && jtext(oc, "display")[0])
			return jtext(oc, "display");
	}
	return NULL;
}

static json_t *answers_text(const json_t *it, const json_t *answers, struct arena *a)
{
	if (!json_array_size(answers))
		return json_null();
	struct buf b;
	buf_init(&b, 1u << 16);
	size_t i;
	json_t *ans;
	json_array_foreach(answers, i, ans)
	{
		if (i)
			buf_puts(&b, "、");
		const char *d = option_display(it, ans);
		buf_puts(&b, d ? d : forms_value_text(ans, a));
	}
	json_t *s = json_stringn(buf_str(&b).ptr ? buf_str(&b).ptr : "", buf_str(&b).len);
	buf_free(&b);
	return s ? s : json_null();
}

static void diff_items(const json_t *qitems, const char *section, const json_t *from, const json_t *to, struct arena *a,
		       json_t *out)
{
	size_t i;
	json_t *it;
	json_array_foreach(qitems, i, it)
	{
		const char *link = jtext(it, "linkId");
		if (strcmp(jtext(it, "type"), "group") == 0) {
			diff_items(json_object_get(it, "item"), section ? section : jtext(it, "text"), from, to, a,
				   out);
			continue;
		}
		json_t *x = answers_text(it, from ? forms_answers(from, link) : NULL, a);
		json_t *y = answers_text(it, to ? forms_answers(to, link) : NULL, a);
		if (json_equal(x, y)) {
			json_decref(x);
			json_decref(y);
			continue;
		}
		json_array_append_new(out,
				      json_pack("{s:s, s:s, s:s, s:o, s:o}", "linkId", link, "text", jtext(it, "text"),
						"section", section ? section : "", "from", x, "to", y));
	}
}

json_t *forms_diff(const json_t *q, const json_t *from, const json_t *to, struct arena *a)
{
	json_t *out = json_array();
	diff_items(json_object_get(q, "item"), NULL, from, to, a, out);
	return out;
}

/* ---- vital signs as Observations ---- */

#define VITAL_CATEGORY "http://terminology.hl7.org/CodeSystem/observation-category"
#define LOINC          "http://loinc.org"
#define UCUM           "http://unitsofmeasure.org"
#define BP_PANEL       "85354-9"

const char *forms_vital_suffix(size_t k)
{
	if (k >= forms_vitals_len || strcmp(forms_vitals[k].link_id, "dbp") == 0)
		return NULL;
	return strcmp(forms_vitals[k].link_id, "sbp") == 0 ? "bp" : forms_vitals[k].link_id;
}

static json_t *quantity(const json_t *qr, const struct forms_vital *fv)
{
	const json_t *a = json_array_get(forms_answers(qr, fv->link_id), 0);
	const json_t *v = json_object_get(a, fv->integer ? "valueInteger" : "valueDecimal");
	if (!v)
		return NULL;
	return json_pack("{s:O, s:s, s:s, s:s}", "value", v, "unit", fv->unit, "system", UCUM, "code", fv->ucum);
}

static json_t *coded(const char *code, const char *display, const char *text)
{
	return json_pack("{s:[{s:s, s:s, s:s}], s:s}", "coding", "system", LOINC, "code", code, "display", display,
			 "text", text);
}

json_t *forms_vital_observation(const json_t *qr, size_t k, const char *qr_ref, const char *subject,
				const json_t *performer)
{
	if (!forms_vital_suffix(k))
		return NULL;
	const struct forms_vital *fv = &forms_vitals[k];
	bool bp = strcmp(fv->link_id, "sbp") == 0;
	json_t *val = quantity(qr, fv);
	const json_t *start = json_object_get(json_array_get(forms_answers(qr, "start"), 0), "valueDateTime");
	if (!val || !start) {
		json_decref(val);
		return NULL;
	}
	json_t *obs = json_pack(
		"{s:s, s:s, s:[{s:[{s:s, s:s, s:s}], s:s}], s:o, s:{s:s}, s:O, s:[{s:s}]}", "resourceType",
		"Observation", "status", "final", "category", "coding", "system", VITAL_CATEGORY, "code", "vital-signs",
		"display", "Vital Signs", "text", "バイタルサイン", "code",
		bp ? coded(BP_PANEL, "Blood pressure panel", "血圧") : coded(fv->loinc, fv->display, fv->label),
		"subject", "reference", subject, "effectiveDateTime", start, "derivedFrom", "reference", qr_ref);
	if (strcmp(fv->link_id, "spo2") == 0) /* the vital-signs profile's code first, then the pulse oximeter's */
		json_array_insert_new(json_object_get(json_object_get(obs, "code"), "coding"), 0,
				      json_pack("{s:s, s:s, s:s}", "system", LOINC, "code", "2708-6", "display",
						"Oxygen saturation in Arterial blood"));
	if (performer)
		json_object_set_new(obs, "performer", json_pack("[O]", performer));
	if (!bp) {
		json_object_set_new(obs, "valueQuantity", val);
		return obs;
	}
	const struct forms_vital *dia = &forms_vitals[k + 1];
	json_t *dval = quantity(qr, dia);
	json_object_set_new(obs, "component",
			    json_pack("[{s:o, s:o}, {s:o, s:o}]", "code", coded(fv->loinc, fv->display, "収縮期血圧"),
				      "valueQuantity", val, "code", coded(dia->loinc, dia->display, "拡張期血圧"),
				      "valueQuantity", dval ? dval : json_object()));
	return obs;
}

/* ---- the visit record ---- */

const struct forms_vital forms_vitals[] = {
	{"temp", "8310-5", "Body temperature", "Cel", "℃", "体温", false},
	{"sbp", "8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg", "血圧（収縮期）", true},
	{"dbp", "8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg", "血圧（拡張期）", true},
	{"pulse", "8867-4", "Heart rate", "/min", "回/分", "脈拍", true},
	{"spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", "SpO2", true},
	{"resp", "9279-1", "Respiratory rate", "/min", "回/分", "呼吸数", true},
	{"weight", "29463-7", "Body weight", "kg", "kg", "体重", false},
};
const size_t forms_vitals_len = sizeof forms_vitals / sizeof forms_vitals[0];

static const char *num_text(const json_t *qr, const char *link, struct arena *a)
{
	const json_t *ans = json_array_get(forms_answers(qr, link), 0);
	return ans ? forms_value_text(ans, a) : NULL;
}

/* "HH:MM" of a dateTime answer as written (the writer's local time). */
static void hhmm(const json_t *qr, const char *link, char out[6])
{
	const json_t *v = json_object_get(json_array_get(forms_answers(qr, link), 0), "valueDateTime");
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	bool ok = strlen(s) >= 16 && s[13] == ':';
	for (int i = 11; ok && i < 16; i++)
		ok = i == 13 || (s[i] >= '0' && s[i] <= '9');
	snprintf(out, 6, "%.5s", ok ? s + 11 : "--:--");
}

const char *forms_visit_summary(const json_t *qr, struct arena *a)
{
	struct buf b;
	buf_init(&b, 1u << 14);
	const json_t *kind = json_object_get(json_array_get(forms_answers(qr, "kind"), 0), "valueCoding");
	char from[6], to[6];
	hhmm(qr, "start", from);
	hhmm(qr, "end", to);
	buf_printf(&b, "%s %s–%s", kind ? jtext(kind, "display") : "訪問", from, to);
	const char *t = num_text(qr, "temp", a), *s = num_text(qr, "sbp", a), *d = num_text(qr, "dbp", a),
		   *p = num_text(qr, "pulse", a), *o = num_text(qr, "spo2", a), *r = num_text(qr, "resp", a),
		   *w = num_text(qr, "weight", a);
	if (t)
		buf_printf(&b, " 体温%s℃", t);
	if (s && d)
		buf_printf(&b, " 血圧%s/%s", s, d);
	if (p)
		buf_printf(&b, " 脈拍%s", p);
	if (o)
		buf_printf(&b, " SpO2 %s%%", o);
	if (r)
		buf_printf(&b, " 呼吸数%s", r);
	if (w)
		buf_printf(&b, " 体重%skg", w);
	const json_t *notes = json_array_get(forms_answers(qr, "notes"), 0);
	if (notes) {
		const char *n = forms_value_text(notes, a);
		size_t cut = 0, chars = 0;
		while (n[cut] && n[cut] != '\n' && chars < 60) {
			cut++;
			while ((n[cut] & 0xC0) == 0x80)
				cut++;
			chars++;
		}
		buf_printf(&b, "\n%.*s%s", (int)cut, n, n[cut] ? "…" : "");
	}
	const char *out = arena_strndup(a, buf_str(&b).ptr ? buf_str(&b).ptr : "", buf_str(&b).len);
	buf_free(&b);
	return out ? out : "";
}
