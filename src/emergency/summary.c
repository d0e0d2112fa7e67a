/* summary.c — gather and select the emergency summary (see summary.h). */
#include "emergency/summary.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/time.h"
#include "fhir/resource.h"

#define DAY_MS            (24LL * 60 * 60 * 1000)
#define SUMMARY_MAX_ITEMS 4000
#define SUMMARY_MAX_ROWS  20000

static const struct summary_section_info sections[SUMMARY_SECTION_COUNT_] = {
	[SUMMARY_ALLERGIES] = {"48765-2", "Allergies and Intolerances", "アレルギー・薬剤禁忌", true},
	[SUMMARY_PROBLEMS] = {"11450-4", "Problem List", "感染症・病名", true},
	[SUMMARY_MEDICATIONS] = {"10160-0", "Medication Summary", "服薬中の薬", true},
	[SUMMARY_RESULTS] = {"30954-2", "Results", "最近の検査結果", false},
	[SUMMARY_PROCEDURES] = {"47519-4", "History of Procedures", "手術・処置・透析", false},
	[SUMMARY_DEVICES] = {"46264-8", "Medical Devices", "医療機器", false},
	[SUMMARY_ADVANCE] = {"42348-3", "Advance Directives", "事前指示・ACP", false},
	[SUMMARY_FUNCTIONAL] = {"47420-5", "Functional Status", "要介護度", false},
	[SUMMARY_CARETEAM] = {"85847-2", "Care Team", "ケアチーム・連絡先", false},
};

const struct summary_section_info *summary_section_info(enum summary_section s)
{
	return (unsigned)s < SUMMARY_SECTION_COUNT_ ? &sections[s] : &sections[0];
}

/* ---- pure selection logic ------------------------------------------------ */

bool summary_medication_current(const char *type, int64_t when, int64_t now)
{
	if (!type || when == INT64_MIN || when > now + DAY_MS)
		return false;
	int64_t days = strcmp(type, "MedicationDispense") == 0 || strcmp(type, "MedicationAdministration") == 0
			       ? SUMMARY_DISPENSE_DAYS
			       : SUMMARY_PRESCRIBE_DAYS;
	return now - when <= days * DAY_MS;
}

bool summary_procedure_recent(int64_t when, int64_t now, bool dialysis)
{
	if (dialysis)
		return true;
	return when != INT64_MIN && now - when <= SUMMARY_PROCEDURE_DAYS * DAY_MS;
}

int summary_rank(const struct summary_item *it)
{
	if (it->flags & SUMMARY_FLAG_ANAPHYLAXIS)
		return 0;
	if (it->flags & (SUMMARY_FLAG_HIGH | SUMMARY_FLAG_INFECTION | SUMMARY_FLAG_DIALYSIS))
		return 1;
	if (it->flags & SUMMARY_FLAG_OLD)
		return 3;
	return 2;
}

static int item_cmp(const void *va, const void *vb)
{
	const struct summary_item *a = va, *b = vb;
	if (a->section != b->section)
		return a->section < b->section ? -1 : 1;
	int ra = summary_rank(a), rb = summary_rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->date != b->date)
		return a->date > b->date ? -1 : 1; /* newest first */
	int c = strcmp(a->text ? a->text : "", b->text ? b->text : "");
	return c ? c : strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

void summary_sort(struct summary_item *items, size_t n)
{
	if (n > 1)
		qsort(items, n, sizeof *items, item_cmp);
}

static bool has_any(const char *text, const char *const *words)
{
	if (!text)
		return false;
	for (size_t i = 0; words[i]; i++)
		if (strstr(text, words[i]))
			return true;
	return false;
}

bool summary_is_infection(const char *icd10, const char *text)
{
	static const char *const words[] = {"感染", "ウイルス", "ウイルス", "肝炎", "結核", "MRSA",
					    "HIV",  "梅毒",     "HBs",      "HCV",  NULL};
	if (icd10 && (icd10[0] == 'A' || icd10[0] == 'B') && icd10[1] >= '0' && icd10[1] <= '9')
		return true;
	return has_any(text, words);
}

bool summary_is_dialysis(const char *text)
{
	static const char *const words[] = {"透析", "dialysis", "Dialysis", NULL};
	return has_any(text, words);
}

bool summary_is_device(const char *icd10, const char *text)
{
	static const char *const words[] = {
		"ペースメーカ", "植込",       "植え込",    "除細動器",  "ステント", "人工弁",
		"人工関節",     "シャント",   "ストーマ",  "胃ろう",    "胃瘻",     "カテーテル留置",
		"在宅酸素",     "人工呼吸器", "pacemaker", "Pacemaker", NULL};
	if (icd10 && icd10[0] == 'Z' &&
	    (strncmp(icd10 + 1, "95", 2) == 0 || strncmp(icd10 + 1, "96", 2) == 0 || strncmp(icd10 + 1, "45", 2) == 0))
		return true;
	return has_any(text, words);
}

static bool cc_mentions(const json_t *cc, const char *code, const char *word)
{
	if (!cc)
		return false;
	const char *t = json_string_value(json_object_get(cc, "text"));
	if (t && word && strstr(t, word))
		return true;
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c)
	{
		const char *v = json_string_value(json_object_get(c, "code"));
		const char *d = json_string_value(json_object_get(c, "display"));
		if ((v && code && strcmp(v, code) == 0) || (d && word && strstr(d, word)) ||
		    (d && strstr(d, "naphyla")))
			return true;
	}
	return false;
}

unsigned summary_allergy_flags(const json_t *allergy)
{
	unsigned f = 0;
	const char *crit = json_string_value(json_object_get(allergy, "criticality"));
	if (crit && strcmp(crit, "high") == 0)
		f |= SUMMARY_FLAG_HIGH;
	size_t i, j;
	const json_t *r, *m;
	json_array_foreach(json_object_get(allergy, "reaction"), i, r)
	{
		const char *sev = json_string_value(json_object_get(r, "severity"));
		if (sev && strcmp(sev, "severe") == 0)
			f |= SUMMARY_FLAG_HIGH;
		const char *desc = json_string_value(json_object_get(r, "description"));
		if (desc && (strstr(desc, "アナフィラキシー") || strstr(desc, "naphyla")))
			f |= SUMMARY_FLAG_ANAPHYLAXIS;
		json_array_foreach(json_object_get(r, "manifestation"), j, m)
		{
			/* SNOMED CT 39579001 Anaphylaxis */
			if (cc_mentions(m, "39579001", "アナフィラキシー"))
				f |= SUMMARY_FLAG_ANAPHYLAXIS;
		}
	}
	return f;
}

/* ---- reading a record ---------------------------------------------------- */

static const char *cc_text(const json_t *cc)
{
	const char *t = json_string_value(json_object_get(cc, "text"));
	if (t && t[0])
		return t;
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c)
	{
		const char *d = json_string_value(json_object_get(c, "display"));
		if (d && d[0])
			return d;
	}
	json_array_foreach(json_object_get(cc, "coding"), i, c)
	{
		const char *v = json_string_value(json_object_get(c, "code"));
		if (v && v[0])
			return v;
	}
	return NULL;
}

/* The first code of a coding whose system contains sys (NULL: any). */
static const char *cc_code(const json_t *cc, const char *sys)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c)
	{
		const char *s = json_string_value(json_object_get(c, "system"));
		const char *v = json_string_value(json_object_get(c, "code"));
		if (v && (!sys || (s && strstr(s, sys))))
			return v;
	}
	return NULL;
}

static int64_t date_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_object(v)) /* a Period */
		v = json_object_get(v, "start");
	struct time_range tr;
	if (json_is_string(v) && time_parse_fhir(rk_json_strv(v), TIME_DATETIME, &tr))
		return tr.lo;
	return INT64_MIN;
}

static int64_t first_date(const json_t *o, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++) {
		int64_t d = date_of(o, keys[i]);
		if (d != INT64_MIN)
			return d;
	}
	return INT64_MIN;
}

static bool status_is(const json_t *o, const char *key, const char *const *bad)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_is_string(v) ? json_string_value(v) : cc_code(v, NULL);
	if (!s)
		return false;
	for (size_t i = 0; bad[i]; i++)
		if (strcmp(s, bad[i]) == 0)
			return true;
	return false;
}

struct gather {
	struct summary *s;
	int64_t now;
	size_t n_rows;
	enum rk_status st;
	struct rk_err *err;
};

static struct summary_item *add(struct gather *g, enum summary_section sec, const char *type, const char *id,
				const char *text, const char *detail, const char *facility, int64_t date, json_t *res)
{
	struct summary *s = g->s;
	if (s->n_items == s->cap) {
		if (s->cap >= SUMMARY_MAX_ITEMS)
			return NULL;
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct summary_item *n = arena_calloc(s->arena, cap, sizeof *n);
		if (!n)
			return NULL;
		if (s->n_items)
			memcpy(n, s->items, s->n_items * sizeof *n);
		s->items = n;
		s->cap = cap;
	}
	struct summary_item *it = &s->items[s->n_items++];
	*it = (struct summary_item){.section = sec,
				    .type = arena_strdup(s->arena, type),
				    .id = arena_strdup(s->arena, id ? id : ""),
				    .text = arena_strdup(s->arena, text && text[0] ? text : "（名称なし）"),
				    .detail = arena_strdup(s->arena, detail ? detail : ""),
				    .facility = arena_strdup(s->arena, facility ? facility : ""),
				    .facility_name = "",
				    .date = date,
				    .resource = json_incref(res)};
	return it;
}

/* The same thing again (an allergen, a medicine, a test, by its text): one
 * line, the one that says most (summary_item_better), so that years of
 * monthly prescriptions and lab results never fill the item list. */
static void add_unique(struct gather *g, enum summary_section sec, const char *type, const char *id, const char *text,
		       const char *detail, const char *facility, int64_t date, unsigned flags, json_t *res)
{
	struct summary *s = g->s;
	const char *t = text && text[0] ? text : "（名称なし）";
	struct summary_item cand = {.section = sec, .date = date, .flags = flags};
	for (size_t i = 0; i < s->n_items; i++) {
		struct summary_item *it = &s->items[i];
		if (it->section != sec || strcmp(it->text, t) != 0)
			continue;
		if (!summary_item_better(&cand, it))
			return;
		json_decref(it->resource);
		*it = (struct summary_item){.section = sec,
					    .type = arena_strdup(s->arena, type),
					    .id = arena_strdup(s->arena, id ? id : ""),
					    .text = it->text,
					    .detail = arena_strdup(s->arena, detail ? detail : ""),
					    .facility = arena_strdup(s->arena, facility ? facility : ""),
					    .facility_name = "",
					    .date = date,
					    .flags = flags,
					    .resource = json_incref(res)};
		return;
	}
	struct summary_item *it = add(g, sec, type, id, text, detail, facility, date, res);
	if (it)
		it->flags = flags;
}

static const char *value_text(struct arena *a, const json_t *o)
{
	const json_t *q = json_object_get(o, "valueQuantity");
	if (q) {
		char nb[24];
		struct str num = rk_json_number_lexeme(json_object_get(q, "value"), nb);
		const char *unit = json_string_value(json_object_get(q, "unit"));
		if (!unit)
			unit = json_string_value(json_object_get(q, "code"));
		const char *cmp = json_string_value(json_object_get(q, "comparator"));
		return arena_printf(a, "%s%.*s %s", cmp ? cmp : "", STR_FMT(num), unit ? unit : "");
	}
	const char *v = json_string_value(json_object_get(o, "valueString"));
	if (v)
		return v;
	v = cc_text(json_object_get(o, "valueCodeableConcept"));
	if (v)
		return v;
	return "";
}

static const char *dosage_text(const json_t *o)
{
	const json_t *d = json_object_get(o, "dosageInstruction");
	if (!d)
		d = json_object_get(o, "dosage");
	if (json_is_array(d))
		d = json_array_get(d, 0);
	const char *t = json_string_value(json_object_get(d, "text"));
	return t ? t : "";
}

/* The answer of item 8.1 (要介護状態区分) of a face sheet, or NULL. */
static const char *care_level(const json_t *items)
{
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *link = json_string_value(json_object_get(it, "linkId"));
		if (link && strcmp(link, "8.1") == 0) {
			const json_t *ans = json_array_get(json_object_get(it, "answer"), 0);
			const char *v = json_string_value(json_object_get(ans, "valueString"));
			if (!v)
				v = cc_text(json_object_get(ans, "valueCoding")) ? NULL : NULL;
			if (!v) {
				const json_t *c = json_object_get(ans, "valueCoding");
				v = json_string_value(json_object_get(c, "display"));
				if (!v)
					v = json_string_value(json_object_get(c, "code"));
			}
			return v;
		}
		const char *deep = care_level(json_object_get(it, "item"));
		if (deep)
			return deep;
	}
	return NULL;
}

static void classify(struct gather *g, const char *type, const char *id, const char *fac, json_t *r)
{
	int64_t now = g->now;
	struct arena *a = g->s->arena;
	static const char *const bad_clinical[] = {"inactive",         "resolved", "remission",
						   "entered-in-error", "refuted",  NULL};
	if (strcmp(type, "AllergyIntolerance") == 0) {
		if (status_is(r, "clinicalStatus", bad_clinical) || status_is(r, "verificationStatus", bad_clinical))
			return;
		const char *reaction = "";
		const json_t *re = json_array_get(json_object_get(r, "reaction"), 0);
		if (re) {
			const char *m = cc_text(json_array_get(json_object_get(re, "manifestation"), 0));
			const char *desc = json_string_value(json_object_get(re, "description"));
			reaction = m ? m : desc ? desc : "";
		}
		static const char *const k[] = {"recordedDate", "onsetDateTime", NULL};
		add_unique(g, SUMMARY_ALLERGIES, type, id, cc_text(json_object_get(r, "code")), reaction, fac,
			   first_date(r, k), summary_allergy_flags(r), r);
	} else if (strcmp(type, "Condition") == 0) {
		if (status_is(r, "clinicalStatus", bad_clinical) || status_is(r, "verificationStatus", bad_clinical))
			return;
		const json_t *code = json_object_get(r, "code");
		const char *text = cc_text(code), *icd = cc_code(code, "icd"), *any = cc_code(code, NULL);
		if (!icd && any && any[0] >= 'A' && any[0] <= 'Z')
			icd = any;
		static const char *const k[] = {"onsetDateTime", "recordedDate", "onsetPeriod", NULL};
		int64_t when = first_date(r, k);
		bool dev = summary_is_device(icd, text), dia = summary_is_dialysis(text);
		static const char *const suspected[] = {"provisional", "unconfirmed", "differential", NULL};
		const char *detail = status_is(r, "verificationStatus", suspected) ? "疑い" : "";
		struct summary_item *it = add(g, SUMMARY_PROBLEMS, type, id, text, detail, fac, when, r);
		if (it)
			it->flags = (summary_is_infection(icd, text) ? SUMMARY_FLAG_INFECTION : 0) |
				    (dia ? SUMMARY_FLAG_DIALYSIS : 0);
		if (dev)
			add(g, SUMMARY_DEVICES, type, id, text, "", fac, when, r);
	} else if (strncmp(type, "Medication", 10) == 0) {
		static const char *const bad[] = {"entered-in-error", "cancelled", "stopped",
						  "not-taken",        "declined",  NULL};
		if (status_is(r, "status", bad))
			return;
		static const char *const kd[] = {"whenHandedOver", "whenPrepared", NULL};
		static const char *const kr[] = {"authoredOn", NULL};
		static const char *const ks[] = {"effectiveDateTime", "effectivePeriod", "dateAsserted", NULL};
		const char *const *keys = strcmp(type, "MedicationDispense") == 0  ? kd
					  : strcmp(type, "MedicationRequest") == 0 ? kr
										   : ks;
		int64_t when = first_date(r, keys);
		/* an old one is kept (flagged) until we know whether any is current */
		add_unique(g, SUMMARY_MEDICATIONS, type, id, cc_text(json_object_get(r, "medicationCodeableConcept")),
			   dosage_text(r), fac, when,
			   summary_medication_current(type, when, now) ? 0 : SUMMARY_FLAG_OLD, r);
	} else if (strcmp(type, "Observation") == 0) {
		static const char *const bad[] = {"entered-in-error", "cancelled", NULL};
		if (status_is(r, "status", bad))
			return;
		if (!summary_is_lab(json_object_get(r, "category")))
			return; /* vital signs, ECG measurements: not the core labs */
		const char *v = value_text(a, r);
		if (!v[0])
			return; /* a panel header without a value */
		static const char *const k[] = {"effectiveDateTime", "effectivePeriod", "issued", NULL};
		add_unique(g, SUMMARY_RESULTS, type, id, cc_text(json_object_get(r, "code")), v, fac, first_date(r, k),
			   0, r);
	} else if (strcmp(type, "Procedure") == 0) {
		static const char *const bad[] = {"entered-in-error", "not-done", NULL};
		if (status_is(r, "status", bad))
			return;
		const json_t *code = json_object_get(r, "code");
		const char *text = cc_text(code);
		static const char *const k[] = {"performedDateTime", "performedPeriod", NULL};
		int64_t when = first_date(r, k);
		bool dia = summary_is_dialysis(text);
		if (summary_is_device(cc_code(code, "icd"), text))
			add(g, SUMMARY_DEVICES, type, id, text, "", fac, when, r);
		if (!summary_procedure_recent(when, now, dia))
			return;
		struct summary_item *it = add(g, SUMMARY_PROCEDURES, type, id, text, "", fac, when, r);
		if (it && dia)
			it->flags |= SUMMARY_FLAG_DIALYSIS;
	} else if (strcmp(type, "DocumentReference") == 0 || strcmp(type, "Composition") == 0) {
		const json_t *t = json_object_get(r, "type");
		if (!cc_mentions(t, "42348-3", "事前指示") && !cc_mentions(t, "75320-2", "ACP") &&
		    !cc_mentions(t, NULL, "人生会議"))
			return;
		static const char *const k[] = {"date", NULL};
		const char *title = json_string_value(json_object_get(r, "title"));
		if (!title)
			title = json_string_value(json_object_get(r, "description"));
		add(g, SUMMARY_ADVANCE, type, id, cc_text(t), title ? title : "", fac, first_date(r, k), r);
	} else if (strcmp(type, "QuestionnaireResponse") == 0) {
		const char *level = care_level(json_object_get(r, "item"));
		if (!level || !level[0])
			return;
		static const char *const k[] = {"authored", NULL};
		add(g, SUMMARY_FUNCTIONAL, type, id, arena_printf(a, "要介護度: %s", level), "", fac, first_date(r, k),
		    r);
	} else if (strcmp(type, "CareTeam") == 0) {
		static const char *const bad[] = {"inactive", "entered-in-error", NULL};
		if (status_is(r, "status", bad))
			return;
		size_t i;
		const json_t *p;
		static const char *const k[] = {"period", NULL};
		json_array_foreach(json_object_get(r, "participant"), i, p)
		{
			const json_t *m = json_object_get(p, "member");
			const char *name = json_string_value(json_object_get(m, "display"));
			const char *ref = json_string_value(json_object_get(m, "reference"));
			const char *role = cc_text(json_array_get(json_object_get(p, "role"), 0));
			struct summary_item *it = add(g, SUMMARY_CARETEAM, type, id, name ? name : ref,
						      role ? role : "", fac, first_date(r, k), r);
			if (it && ref)
				it->detail = arena_printf(a, "%s\x1f%s", role ? role : "", ref); /* resolved below */
		}
	}
}

static enum rk_status on_row(void *vg, const struct query_row *row)
{
	struct gather *g = vg;
	if (++g->n_rows > SUMMARY_MAX_ROWS)
		return RK_OK;
	struct rk_err perr;
	json_t *r = rk_json_parse(row->r->body, &perr);
	if (!r)
		return RK_OK; /* a stored body always parses; never fail the summary on one */
	char type[64], id[128], fac[32];
	snprintf(type, sizeof type, "%.*s", STR_FMT(row->r->type));
	snprintf(id, sizeof id, "%.*s", STR_FMT(row->r->id));
	snprintf(fac, sizeof fac, "%.*s", STR_FMT(row->r->source_facility));
	classify(g, type, id, fac, r);
	json_decref(r);
	return RK_OK;
}

bool summary_is_lab(const json_t *categories)
{
	if (!json_array_size(categories))
		return true;
	size_t i;
	const json_t *c;
	json_array_foreach(categories, i, c)
	{
		const char *code = cc_code(c, NULL);
		if (code && strcmp(code, "laboratory") == 0)
			return true;
	}
	return false;
}

bool summary_item_better(const struct summary_item *a, const struct summary_item *b)
{
	int ra = summary_rank(a), rb = summary_rank(b);
	if (ra != rb)
		return ra < rb;
	return a->date >= b->date;
}

/* Keep one line per text (a medicine, an allergen, a test): the one that
 * says most (anaphylaxis over a plain entry), then the newest. */
static void keep_newest(struct summary *s, enum summary_section sec)
{
	for (size_t i = 0; i < s->n_items; i++) {
		struct summary_item *a = &s->items[i];
		if (a->section != sec)
			continue;
		for (size_t j = i + 1; j < s->n_items; j++) {
			struct summary_item *b = &s->items[j];
			if (b->section != sec || strcmp(a->text, b->text) != 0)
				continue;
			/* the lesser one leaves the section */
			struct summary_item *old = summary_item_better(a, b) ? b : a;
			old->section = SUMMARY_SECTION_COUNT_;
			if (old == a)
				break;
		}
	}
}

/* Medicines: the current ones; when none is current, the newest day's. */
static void select_medications(struct summary *s)
{
	bool any_current = false;
	int64_t newest = INT64_MIN;
	for (size_t i = 0; i < s->n_items; i++) {
		struct summary_item *it = &s->items[i];
		if (it->section != SUMMARY_MEDICATIONS)
			continue;
		any_current |= !(it->flags & SUMMARY_FLAG_OLD);
		if (it->date > newest)
			newest = it->date;
	}
	for (size_t i = 0; i < s->n_items; i++) {
		struct summary_item *it = &s->items[i];
		if (it->section != SUMMARY_MEDICATIONS || !(it->flags & SUMMARY_FLAG_OLD))
			continue;
		if (any_current || newest == INT64_MIN || it->date / DAY_MS != newest / DAY_MS)
			it->section = SUMMARY_SECTION_COUNT_;
	}
	keep_newest(s, SUMMARY_MEDICATIONS);
}

bool summary_result_recent(int64_t when, int64_t newest)
{
	return when != INT64_MIN && newest - when <= SUMMARY_RESULT_DAYS * DAY_MS;
}

/* Results: those within SUMMARY_RESULT_DAYS of the newest (a patient last
 * tested years ago still shows that day's values). */
static void select_recent_results(struct summary *s)
{
	int64_t newest = INT64_MIN;
	for (size_t i = 0; i < s->n_items; i++)
		if (s->items[i].section == SUMMARY_RESULTS && s->items[i].date > newest)
			newest = s->items[i].date;
	for (size_t i = 0; i < s->n_items; i++)
		if (s->items[i].section == SUMMARY_RESULTS && !summary_result_recent(s->items[i].date, newest))
			s->items[i].section = SUMMARY_SECTION_COUNT_;
}

/* Only the newest 要介護度. */
static void select_functional(struct summary *s)
{
	struct summary_item *best = NULL;
	for (size_t i = 0; i < s->n_items; i++) {
		struct summary_item *it = &s->items[i];
		if (it->section != SUMMARY_FUNCTIONAL)
			continue;
		if (!best || it->date > best->date) {
			if (best)
				best->section = SUMMARY_SECTION_COUNT_;
			best = it;
		} else
			it->section = SUMMARY_SECTION_COUNT_;
	}
}

static const char *org_phone(const struct query_ctx *q, const char *ref)
{
	if (!ref || strncmp(ref, "Organization/", 13) != 0)
		return "";
	struct fhir_ctx fc = {.store = q->store, .arena = q->arena};
	struct store_resource r;
	struct rk_err e;
	if (fhir_read(&fc, fhir_resource_find("Organization", 12), str_c(ref + 13), &r, &e) != RK_OK)
		return "";
	json_t *o = rk_json_parse(r.body, &e);
	const char *out = "";
	size_t i;
	const json_t *t;
	json_array_foreach(json_object_get(o, "telecom"), i, t)
	{
		const char *sys = json_string_value(json_object_get(t, "system"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (v && sys && strcmp(sys, "phone") == 0) {
			out = arena_strdup(q->arena, v);
			break;
		}
	}
	json_decref(o);
	return out ? out : "";
}

/* Facility names of the lines, and the care team's phone numbers. */
static void resolve_names(const struct query_ctx *q, struct summary *s)
{
	for (size_t i = 0; i < s->n_items; i++) {
		struct summary_item *it = &s->items[i];
		if (it->section == SUMMARY_SECTION_COUNT_)
			continue;
		if (it->facility[0]) {
			const char *name = NULL;
			for (size_t j = 0; j < i && !name; j++)
				if (strcmp(s->items[j].facility, it->facility) == 0 && s->items[j].facility_name[0])
					name = s->items[j].facility_name;
			if (!name) {
				struct store_facility f;
				struct rk_err e;
				if (store_facility_get(q->store, str_c(it->facility), q->arena, &f, &e) == RK_OK)
					name = arena_str(q->arena, f.name).ptr;
			}
			it->facility_name = name ? name : "";
		}
		if (it->section == SUMMARY_CARETEAM) {
			const char *sep = strchr(it->detail, '\x1f');
			if (sep) {
				const char *role = arena_strndup(q->arena, it->detail, (size_t)(sep - it->detail));
				const char *phone = org_phone(q, sep + 1);
				it->detail = phone[0] ? arena_printf(q->arena, "%s　TEL %s", role, phone) : role;
			}
		}
	}
}

static void drop_dropped(struct summary *s)
{
	size_t w = 0;
	for (size_t i = 0; i < s->n_items; i++) {
		if (s->items[i].section == SUMMARY_SECTION_COUNT_) {
			json_decref(s->items[i].resource);
			continue;
		}
		s->items[w++] = s->items[i];
	}
	s->n_items = w;
}

void summary_free(struct summary *s)
{
	for (size_t i = 0; i < s->n_items; i++)
		json_decref(s->items[i].resource);
	json_decref(s->patient);
	s->patient = NULL;
	s->n_items = 0;
}

static const char *const summary_types[] = {
	"AllergyIntolerance",       "Condition",   "MedicationRequest", "MedicationDispense", "MedicationStatement",
	"MedicationAdministration", "Observation", "Procedure",         "DocumentReference",  "Composition",
	"QuestionnaireResponse",    "CareTeam",
};

/* The caller is denied the patient by a refusal and holds an episode for the
 * person (or disaster mode): the refusal's existence is theirs to know. */
static bool refused_for_emergency(const struct query_ctx *q, struct str patient_id, struct summary *out)
{
	struct fhir_ctx fc = {.store = q->store, .arena = q->arena};
	struct store_resource pr;
	struct rk_err e;
	struct access_decision d = {0};
	const char *regional = "";
	if (fhir_read(&fc, fhir_resource_find("Patient", 7), patient_id, &pr, &e) != RK_OK ||
	    access_check(q->access, pr.type, pr.source_facility, pr.patient_id, &d, &regional, &e) != RK_OK)
		return false;
	if (d.permit || d.reason != REASON_REFUSED || !regional || !regional[0])
		return false;
	bool em = q->access->disaster_id != NULL;
	for (size_t i = 0; i < q->access->n_episodes && !em; i++)
		em = q->access->episode_patients[i] && strcmp(q->access->episode_patients[i], regional) == 0;
	if (!em)
		return false;
	out->refused = true;
	out->regional = arena_strdup(q->arena, regional);
	return true;
}

enum rk_status summary_gather(const struct query_ctx *q, struct str patient_id, int64_t now, struct summary *out,
			      struct rk_err *err)
{
	*out = (struct summary){.arena = q->arena, .generated = now, .regional = ""};
	out->patient_id = arena_str(q->arena, patient_id).ptr;
	if (!out->patient_id)
		return rk_fail(err, RK_TOO_LARGE, "out of request memory");
	struct gather g = {.s = out, .now = now, .err = err};
	struct query_everything in = {.patient_id = patient_id,
				      .types = summary_types,
				      .n_types = sizeof summary_types / sizeof summary_types[0],
				      .since = INT64_MIN,
				      .count = SUMMARY_MAX_ROWS,
				      .offset = 0};
	struct query_page page;
	enum rk_status st = query_everything(q, &in, on_row, &g, &page, err);
	if (st == RK_NOT_FOUND && refused_for_emergency(q, patient_id, out)) {
		rk_err_clear(err);
		return RK_OK;
	}
	if (st != RK_OK) {
		summary_free(out);
		return st;
	}
	/* The patient itself (visible: query_everything checked it). */
	struct fhir_ctx fc = {.store = q->store, .arena = q->arena};
	struct store_resource pr;
	if ((st = fhir_read(&fc, fhir_resource_find("Patient", 7), patient_id, &pr, err)) != RK_OK) {
		summary_free(out);
		return st;
	}
	out->patient = rk_json_parse(pr.body, err);
	const char *regional = "";
	struct access_decision d;
	if (access_check(q->access, pr.type, pr.source_facility, pr.patient_id, &d, &regional, err) == RK_OK &&
	    regional)
		out->regional = arena_strdup(q->arena, regional);
	select_medications(out);
	keep_newest(out, SUMMARY_ALLERGIES);
	keep_newest(out, SUMMARY_RESULTS);
	select_recent_results(out);
	select_functional(out);
	drop_dropped(out);
	resolve_names(q, out);
	summary_sort(out->items, out->n_items);
	return RK_OK;
}

static void hash_put(crypto_hash_sha256_state *h, const char *v)
{
	if (!v)
		v = "";
	crypto_hash_sha256_update(h, (const unsigned char *)v, strlen(v) + 1);
}

void summary_content_hash(const struct summary *s, char out[65])
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
#define PUT(x) hash_put(&h, (x))
	PUT(s->refused ? "refused" : "summary");
	PUT(s->regional);
	if (s->patient) {
		char *pj = json_dumps(s->patient, JSON_COMPACT | JSON_SORT_KEYS);
		PUT(pj);
		free(pj);
	}
	for (size_t i = 0; i < s->n_items; i++) {
		const struct summary_item *it = &s->items[i];
		char sec[8], date[24];
		snprintf(sec, sizeof sec, "%d", (int)it->section);
		snprintf(date, sizeof date, "%lld", (long long)it->date);
		PUT(sec);
		PUT(it->type);
		PUT(it->id);
		PUT(it->text);
		PUT(it->detail);
		PUT(it->facility);
		PUT(date);
	}
#undef PUT
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(out, 65, d, sizeof d);
}
