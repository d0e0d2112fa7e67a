/* summary_ips.c — the emergency summary as an IPS-shaped document Bundle:
 * the Composition (LOINC 60591-5) first, then the Patient, then every record
 * a section names. Each section has a narrative table (what, detail, source
 * facility, date); an empty section, or every section of a refused patient,
 * carries emptyReason. */
#include "emergency/summary_ips.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"

#define LOINC       "http://loinc.org"
#define EMPTY_SYS   "http://terminology.hl7.org/CodeSystem/list-empty-reason"
#define RENKEI_TAGS "urn:renkei:summary"

static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, *s);
		}
	}
}

void summary_date_text(int64_t ms, char out[RK_TIME_RFC3339_LEN])
{
	if (ms == INT64_MIN)
		snprintf(out, RK_TIME_RFC3339_LEN, "%s", "日付不明");
	else
		time_format_date(ms + 9LL * 3600 * 1000, out); /* the date in Japan */
}

const char *summary_flag_text(unsigned flags)
{
	if (flags & SUMMARY_FLAG_ANAPHYLAXIS)
		return "アナフィラキシー";
	if (flags & SUMMARY_FLAG_INFECTION)
		return "感染症";
	if (flags & SUMMARY_FLAG_DIALYSIS)
		return "透析";
	if (flags & SUMMARY_FLAG_OLD)
		return "最終処方（期間外）";
	if (flags & SUMMARY_FLAG_HIGH)
		return "重篤";
	return "";
}

static json_t *cc(const char *system, const char *code, const char *display)
{
	return json_pack("{s:[{s:s, s:s, s:s}], s:s}", "coding", "system", system, "code", code, "display", display,
			 "text", display);
}

static json_t *section_text(const struct summary *s, enum summary_section sec, size_t *n)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "<div xmlns=\"http://www.w3.org/1999/xhtml\"><table><thead><tr><th>内容</th><th>詳細</th>"
		     "<th>情報元</th><th>日付</th></tr></thead><tbody>");
	*n = 0;
	for (size_t i = 0; i < s->n_items; i++) {
		const struct summary_item *it = &s->items[i];
		if (it->section != sec)
			continue;
		(*n)++;
		char date[RK_TIME_RFC3339_LEN];
		summary_date_text(it->date, date);
		const char *flag = summary_flag_text(it->flags);
		buf_puts(&b, "<tr><td>");
		if (flag[0]) {
			buf_puts(&b, "<b>【");
			esc(&b, flag);
			buf_puts(&b, "】</b>");
		}
		esc(&b, it->text);
		buf_puts(&b, "</td><td>");
		esc(&b, it->detail);
		buf_puts(&b, "</td><td>");
		esc(&b, it->facility_name[0] ? it->facility_name : it->facility);
		buf_puts(&b, "</td><td>");
		esc(&b, date);
		buf_puts(&b, "</td></tr>");
	}
	buf_puts(&b, "</tbody></table></div>");
	json_t *t = json_pack("{s:s, s:s}", "status", "generated", "div", buf_cstr(&b));
	buf_free(&b);
	return t;
}

static void sub(json_t *ext, const char *url, const char *kind, const char *v)
{
	if (v && v[0])
		json_array_append_new(ext, json_pack("{s:s, s:s}", "url", url, kind, v));
}

/* A section's Reference to a line's record: display is what it is; the
 * extension SUMMARY_LINE_EXT carries its detail, source facility (name and
 * code), date in Japan and highlight, for the screen. */
static json_t *line_ref(const struct summary_item *it, const char *ref)
{
	json_t *ext = json_array();
	char date[RK_TIME_RFC3339_LEN];
	sub(ext, "detail", "valueString", it->detail);
	sub(ext, "facility", "valueString", it->facility_name);
	sub(ext, "facilityCode", "valueString", it->facility);
	if (it->date != INT64_MIN) {
		summary_date_text(it->date, date);
		sub(ext, "date", "valueDate", date);
	}
	sub(ext, "flag", "valueString", summary_flag_text(it->flags));
	return json_pack("{s:s, s:s, s:[{s:s, s:o}]}", "reference", ref, "display", it->text, "extension", "url",
			 SUMMARY_LINE_EXT, "extension", ext);
}

static bool listed(json_t *entries, const char *full)
{
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		const char *u = json_string_value(json_object_get(e, "fullUrl"));
		if (u && strcmp(u, full) == 0)
			return true;
	}
	return false;
}

json_t *summary_ips_bundle(const struct summary *s, const char *base)
{
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(s->generated, ts);
	char hash[65];
	summary_content_hash(s, hash);
	char uuid[40];
	/* A stable document identifier per content: the same summary, the same id. */
	snprintf(uuid, sizeof uuid, "%.8s-%.4s-%.4s-%.4s-%.12s", hash, hash + 8, hash + 12, hash + 16, hash + 20);
	char patient_ref[200];
	snprintf(patient_ref, sizeof patient_ref, "Patient/%s", s->patient_id);
	json_t *comp = json_pack(
		"{s:s, s:s, s:o, s:{s:s}, s:s, s:[{s:s}], s:s, s:s, s:s}", "resourceType", "Composition", "status",
		"final", "type", cc(LOINC, "60591-5", "Patient summary Document"), "subject", "reference", patient_ref,
		"date", ts, "author", "display", "renkei 地域医療連携ネットワーク", "title",
		s->refused ? "救急用サマリー（本人の拒否により非開示）" : "救急用サマリー (Patient Summary)",
		"confidentiality", "R", "language", "ja");
	json_object_set_new(comp, "id", json_string(uuid));
	json_t *sections = json_array();
	json_t *entries = json_array();
	char full[512];
	snprintf(full, sizeof full, "%s/Composition/%s", base, uuid);
	json_array_append_new(entries, json_pack("{s:s, s:o}", "fullUrl", full, "resource", comp));
	if (s->patient) {
		snprintf(full, sizeof full, "%s/%s", base, patient_ref);
		json_array_append_new(entries, json_pack("{s:s, s:O}", "fullUrl", full, "resource", s->patient));
	}
	for (int sec = 0; sec < SUMMARY_SECTION_COUNT_; sec++) {
		const struct summary_section_info *info = summary_section_info((enum summary_section)sec);
		size_t n = 0;
		json_t *text = s->refused ? NULL : section_text(s, (enum summary_section)sec, &n);
		if (!n && !info->required && !s->refused) {
			json_decref(text);
			continue;
		}
		json_t *so = json_pack("{s:s, s:o}", "title", info->title_ja, "code",
				       cc(LOINC, info->loinc, info->title_en));
		if (!n) {
			json_decref(text);
			const char *why = s->refused ? "withheld" : "unavailable";
			const char *div =
				s->refused
					? "<div xmlns=\"http://www.w3.org/1999/xhtml\">本人の拒否により表示できません"
					  "（本人が情報提供を拒否しています）</div>"
					: "<div xmlns=\"http://www.w3.org/1999/xhtml\">情報なし</div>";
			json_object_set_new(so, "text", json_pack("{s:s, s:s}", "status", "generated", "div", div));
			json_object_set_new(so, "emptyReason",
					    cc(EMPTY_SYS, why, s->refused ? "Information Withheld" : "Unavailable"));
			json_array_append_new(sections, so);
			continue;
		}
		json_object_set_new(so, "text", text);
		json_t *refs = json_array();
		for (size_t i = 0; i < s->n_items; i++) {
			const struct summary_item *it = &s->items[i];
			if (it->section != (enum summary_section)sec)
				continue;
			char ref[256];
			snprintf(ref, sizeof ref, "%s/%s", it->type, it->id);
			/* one reference per line (the care team's members share their
			 * CareTeam), with what the line shows */
			json_array_append_new(refs, line_ref(it, ref));
			snprintf(full, sizeof full, "%s/%s", base, ref);
			if (!listed(entries, full) && it->resource)
				json_array_append_new(
					entries, json_pack("{s:s, s:O}", "fullUrl", full, "resource", it->resource));
		}
		json_object_set_new(so, "entry", refs);
		json_array_append_new(sections, so);
	}
	json_object_set_new(comp, "section", sections);
	json_t *bundle = json_pack("{s:s, s:{s:s}, s:s, s:s, s:o}", "resourceType", "Bundle", "identifier", "system",
				   "urn:ietf:rfc:3986", "type", "document", "timestamp", ts, "entry", entries);
	char idv[64];
	snprintf(idv, sizeof idv, "urn:uuid:%s", uuid);
	json_object_set_new(json_object_get(bundle, "identifier"), "value", json_string(idv));
	json_object_set_new(bundle, "meta",
			    json_pack("{s:[{s:s, s:s, s:s}]}", "tag", "system", RENKEI_TAGS, "code",
				      s->refused ? "refused" : "summary", "display",
				      s->refused ? "本人の拒否: 内容は表示されません" : "救急用サマリー"));
	return bundle;
}
