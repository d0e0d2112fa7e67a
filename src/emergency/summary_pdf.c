/* summary_pdf.c — the emergency summary and the 救急医療情報シート as A4 PDF
 * pages (see summary_pdf.h). */
#include "emergency/summary_pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "emergency/summary_ips.h"

#define PAGE_W      595.276 /* A4 in points */
#define PAGE_H      841.890
#define MARGIN      34.0
#define FONT        "Noto Sans CJK JP"
#define QR_BOX      118.0
#define JP_NAME_EXT "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

struct pg {
	cairo_t *cr;
	PangoLayout *lay;
	double y;
};

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_append(closure, data, len) == RK_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void font(struct pg *p, double size, bool bold)
{
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, FONT);
	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->lay, fd);
	pango_font_description_free(fd);
}

static double text_at(struct pg *p, const char *text, double x, double y, double w)
{
	pango_layout_set_width(p->lay, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(p->lay, text ? text : "", -1);
	int pw, ph;
	pango_layout_get_size(p->lay, &pw, &ph);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->lay);
	return (double)ph / PANGO_SCALE;
}

static const char *name_of(const json_t *pt, const char *repr)
{
	size_t i, j;
	const json_t *n, *e;
	json_array_foreach(json_object_get(pt, "name"), i, n)
	{
		json_array_foreach(json_object_get(n, "extension"), j, e)
		{
			const char *url = json_string_value(json_object_get(e, "url"));
			const char *code = json_string_value(json_object_get(e, "valueCode"));
			if (url && code && strcmp(url, JP_NAME_EXT) == 0 && strcmp(code, repr) == 0)
				return json_string_value(json_object_get(n, "text"));
		}
	}
	return NULL;
}

void summary_patient_text(const struct summary *s, const char **name, const char **kana, const char **birth,
			  const char **sex)
{
	const json_t *pt = s->patient;
	*name = name_of(pt, "IDE");
	*kana = name_of(pt, "SYL");
	if (!*name) {
		const json_t *n = json_array_get(json_object_get(pt, "name"), 0);
		*name = json_string_value(json_object_get(n, "text"));
		if (!*name) {
			const char *fam = json_string_value(json_object_get(n, "family"));
			const char *giv = json_string_value(json_array_get(json_object_get(n, "given"), 0));
			*name = fam ? arena_printf(s->arena, "%s %s", fam, giv ? giv : "") : "";
		}
	}
	if (!*kana || *kana == *name)
		*kana = "";
	*birth = json_string_value(json_object_get(pt, "birthDate"));
	if (!*birth)
		*birth = "";
	const char *g = json_string_value(json_object_get(pt, "gender"));
	*sex = !g ? "" : strcmp(g, "male") == 0 ? "男" : strcmp(g, "female") == 0 ? "女" : "その他";
}

/* The QR code of url, top right, in a box of QR_BOX points. */
static void draw_qr(struct pg *p, const char *url, double x, double y)
{
	QRcode *qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return;
	double quiet = 4, cell = QR_BOX / (qr->width + 2 * quiet);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_rectangle(p->cr, x, y, QR_BOX, QR_BOX);
	cairo_fill(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width; c++)
			if (qr->data[r * qr->width + c] & 1)
				cairo_rectangle(p->cr, x + (c + quiet) * cell, y + (r + quiet) * cell, cell, cell);
	cairo_fill(p->cr);
	QRcode_free(qr);
}

static void hline(struct pg *p, double y, double grey)
{
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN, y);
	cairo_line_to(p->cr, PAGE_W - MARGIN, y);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void page(struct pg *p, const struct summary_page *sp)
{
	const struct summary *s = sp->s;
	char made[RK_TIME_RFC3339_LEN], line[512];
	time_format_rfc3339(s->generated + 9LL * 3600 * 1000, made);
	made[16] = '\0'; /* YYYY-MM-DDTHH:MM in Japan */
	made[10] = ' ';
	p->y = MARGIN;
	double full = PAGE_W - 2 * MARGIN, head_w = sp->qr_url ? full - QR_BOX - 10 : full;
	font(p, 16, true);
	p->y += text_at(p, sp->qr_url ? "救急医療情報シート" : "救急用サマリー", MARGIN, p->y, head_w) + 4;
	font(p, 9, false);
	snprintf(line, sizeof line, "%s：%s（日本時間）", sp->qr_url ? "作成日" : "作成日時", made);
	p->y += text_at(p, line, MARGIN, p->y, head_w) + 4;
	if (s->refused) {
		font(p, 12, true);
		p->y += text_at(p, "本人の拒否により表示できません。本人が情報提供を拒否しています。", MARGIN, p->y,
				head_w);
		return;
	}
	const char *name, *kana, *birth, *sex;
	summary_patient_text(s, &name, &kana, &birth, &sex);
	font(p, 13, true);
	snprintf(line, sizeof line, "%s%s%s%s", name, kana[0] ? "（" : "", kana, kana[0] ? "）" : "");
	p->y += text_at(p, line, MARGIN, p->y, head_w) + 2;
	font(p, 9.5, false);
	snprintf(line, sizeof line, "生年月日 %s　性別 %s　地域ID %s", birth, sex, s->regional);
	p->y += text_at(p, line, MARGIN, p->y, head_w) + 4;
	if (sp->qr_url) {
		draw_qr(p, sp->qr_url, PAGE_W - MARGIN - QR_BOX, MARGIN);
		font(p, 7.5, false);
		double h =
			text_at(p,
				"救急隊・救急医の方へ：QRコードを読み取りログインすると最新の救急用サマリーが開きます。"
				"QRコードに医療情報は含まれません。",
				MARGIN, p->y, head_w);
		p->y += h + 4;
		if (p->y < MARGIN + QR_BOX + 4)
			p->y = MARGIN + QR_BOX + 4;
	}
	hline(p, p->y, 0);
	p->y += 4;
	double bottom = PAGE_H - MARGIN - 14;
	for (int sec = 0; sec < SUMMARY_SECTION_COUNT_; sec++) {
		const struct summary_section_info *info = summary_section_info((enum summary_section)sec);
		size_t n = 0;
		for (size_t i = 0; i < s->n_items; i++)
			n += s->items[i].section == (enum summary_section)sec;
		if (!n && !info->required)
			continue;
		if (p->y + 28 > bottom)
			break;
		font(p, 10.5, true);
		cairo_set_source_rgb(p->cr, 0.1, 0.2, 0.45);
		p->y += text_at(p, info->title_ja, MARGIN, p->y, full) + 1;
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		font(p, 8.5, false);
		if (!n) {
			p->y += text_at(p, "　情報なし", MARGIN, p->y, full) + 3;
			continue;
		}
		size_t shown = 0;
		for (size_t i = 0; i < s->n_items; i++) {
			const struct summary_item *it = &s->items[i];
			if (it->section != (enum summary_section)sec)
				continue;
			if (p->y + 12 > bottom) {
				snprintf(line, sizeof line, "　ほか %zu 件（画面で確認）", n - shown);
				p->y += text_at(p, line, MARGIN, p->y, full);
				break;
			}
			char date[RK_TIME_RFC3339_LEN];
			summary_date_text(it->date, date);
			const char *flag = summary_flag_text(it->flags);
			snprintf(line, sizeof line, "%s%s%s%s%s%s", flag[0] ? "【" : "", flag, flag[0] ? "】" : "",
				 it->text, it->detail[0] ? "　" : "", it->detail);
			bool hot = it->flags & (SUMMARY_FLAG_ANAPHYLAXIS | SUMMARY_FLAG_HIGH);
			if (hot)
				cairo_set_source_rgb(p->cr, 0.75, 0, 0);
			font(p, 8.5, hot);
			double h = text_at(p, line, MARGIN + 8, p->y, full * 0.64);
			cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
			font(p, 7.5, false);
			snprintf(line, sizeof line, "%s　%s", it->facility_name[0] ? it->facility_name : it->facility,
				 date);
			double h2 = text_at(p, line, MARGIN + 8 + full * 0.66, p->y + 1, full * 0.34 - 8);
			cairo_set_source_rgb(p->cr, 0, 0, 0);
			p->y += (h > h2 ? h : h2) + 1;
			shown++;
		}
		p->y += 3;
	}
	font(p, 7, false);
	cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
	snprintf(line, sizeof line, "renkei 地域医療連携ネットワーク　作成 %s　各行: 情報元の施設と日付", made);
	text_at(p, line, MARGIN, PAGE_H - MARGIN - 8, full);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

struct summary_pdf_writer {
	cairo_surface_t *surf;
	PangoFontMap *fm;
	PangoContext *pc;
	struct pg p;
	struct buf *out;
};

enum rk_status summary_pdf_open(struct summary_pdf_writer **wp, const char *title, struct buf *out, struct rk_err *err)
{
	*wp = NULL;
	struct summary_pdf_writer *w = calloc(1, sizeof *w);
	if (!w)
		return rk_fail(err, RK_TOO_LARGE, "PDF: out of memory");
	w->out = out;
	w->surf = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	if (cairo_surface_status(w->surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(w->surf);
		free(w);
		return rk_fail(err, RK_INTERNAL, "PDF: the surface could not be made");
	}
	cairo_pdf_surface_set_metadata(w->surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(w->surf, CAIRO_PDF_METADATA_CREATOR, "renkei");
	w->p.cr = cairo_create(w->surf);
	/* a font map of this render's own (see collab/pdf.c) */
	w->fm = pango_cairo_font_map_new();
	w->pc = pango_font_map_create_context(w->fm);
	pango_cairo_update_context(w->p.cr, w->pc);
	w->p.lay = pango_layout_new(w->pc);
	*wp = w;
	return RK_OK;
}

void summary_pdf_page(struct summary_pdf_writer *w, const struct summary_page *sp)
{
	page(&w->p, sp);
	cairo_show_page(w->p.cr);
}

enum rk_status summary_pdf_close(struct summary_pdf_writer *w, struct rk_err *err)
{
	if (!w)
		return RK_OK;
	g_object_unref(w->p.lay);
	g_object_unref(w->pc);
	g_object_unref(w->fm);
	cairo_destroy(w->p.cr);
	cairo_surface_finish(w->surf);
	cairo_status_t st = cairo_surface_status(w->surf);
	cairo_surface_destroy(w->surf);
	bool overflow = w->out->overflow;
	free(w);
	if (st != CAIRO_STATUS_SUCCESS || overflow)
		return rk_fail(err, RK_TOO_LARGE, "PDF: %s", overflow ? "too large" : cairo_status_to_string(st));
	return RK_OK;
}

enum rk_status summary_pdf(const struct summary_page *pages, size_t n, struct buf *out, struct rk_err *err)
{
	struct summary_pdf_writer *w;
	enum rk_status st =
		summary_pdf_open(&w, n && pages[0].qr_url ? "救急医療情報シート" : "救急用サマリー", out, err);
	if (st != RK_OK)
		return st;
	for (size_t i = 0; i < n; i++)
		summary_pdf_page(w, &pages[i]);
	return summary_pdf_close(w, err);
}
