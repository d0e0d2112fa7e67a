/* pdf.c — a document as PDF with cairo + pango (see pdf.h). */
#include "collab/pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"

#define PAGE_W  595.276 /* A4 in points */
#define PAGE_H  841.890
#define MARGIN  42.0
#define LABEL_W 150.0
#define PAD     5.0
#define FONT    "Noto Sans CJK JP"

struct page {
	cairo_t *cr;
	PangoLayout *lay;
	double y;
	int number;
};

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return buf_append(closure, data, len) == RK_OK ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void font(struct page *p, double size, bool bold)
{
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, FONT);
	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(p->lay, fd);
	pango_font_description_free(fd);
}

/* Set text in a box of width w; its height. */
static double measure(struct page *p, const char *text, double w)
{
	pango_layout_set_width(p->lay, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(p->lay, text, -1);
	int pw, ph;
	pango_layout_get_size(p->lay, &pw, &ph);
	return (double)ph / PANGO_SCALE;
}

static void show_at(struct page *p, double x, double y)
{
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->lay);
}

static void footer(struct page *p, const char *text)
{
	font(p, 7.5, false);
	char line[300];
	snprintf(line, sizeof line, "%s　%d", text ? text : "", p->number);
	measure(p, line, PAGE_W - 2 * MARGIN);
	pango_layout_set_alignment(p->lay, PANGO_ALIGN_CENTER);
	cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
	show_at(p, MARGIN, PAGE_H - MARGIN + 12);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	pango_layout_set_alignment(p->lay, PANGO_ALIGN_LEFT);
}

static void new_page(struct page *p, const char *foot)
{
	footer(p, foot);
	cairo_show_page(p->cr);
	p->number++;
	p->y = MARGIN;
}

/* A labelled box: label at the left on grey, the text at the right. */
static void box(struct page *p, const char *label, const char *text, const char *foot)
{
	double tw = PAGE_W - 2 * MARGIN - LABEL_W - 2 * PAD;
	font(p, 8.5, true);
	double lh = measure(p, label, LABEL_W - 2 * PAD);
	font(p, 10, false);
	double th = measure(p, text && text[0] ? text : " ", tw);
	double h = (lh > th ? lh : th) + 2 * PAD;
	if (h < 22)
		h = 22;
	if (p->y + h > PAGE_H - MARGIN)
		new_page(p, foot);
	cairo_set_line_width(p->cr, 0.6);
	cairo_rectangle(p->cr, MARGIN, p->y, LABEL_W, h);
	cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
	cairo_fill_preserve(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_stroke(p->cr);
	cairo_rectangle(p->cr, MARGIN + LABEL_W, p->y, PAGE_W - 2 * MARGIN - LABEL_W, h);
	cairo_stroke(p->cr);
	font(p, 8.5, true);
	measure(p, label, LABEL_W - 2 * PAD);
	show_at(p, MARGIN + PAD, p->y + PAD);
	font(p, 10, false);
	measure(p, text && text[0] ? text : " ", tw);
	show_at(p, MARGIN + LABEL_W + PAD, p->y + PAD);
	p->y += h;
}

/* The month's calendar with the visit days marked (○). */
static void calendar(struct page *p, const struct pdf_doc *d, const char *foot)
{
	unsigned days = time_days_in_month(d->year, d->month);
	int64_t first = time_days_from_civil(d->year, d->month, 1);
	int wd0 = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
	int weeks = (wd0 + (int)days + 6) / 7;
	double cw = (PAGE_W - 2 * MARGIN - LABEL_W) / 7, ch = 24, h = ch * (weeks + 1);
	if (p->y + h > PAGE_H - MARGIN)
		new_page(p, foot);
	cairo_set_line_width(p->cr, 0.6);
	cairo_rectangle(p->cr, MARGIN, p->y, LABEL_W, h);
	cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
	cairo_fill_preserve(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_stroke(p->cr);
	char label[80];
	snprintf(label, sizeof label, "訪問日（%lld年%u月）\n○ 訪問した日", (long long)d->year, d->month);
	font(p, 8.5, true);
	measure(p, label, LABEL_W - 2 * PAD);
	show_at(p, MARGIN + PAD, p->y + PAD);
	static const char *const wd[] = {"日", "月", "火", "水", "木", "金", "土"};
	double x0 = MARGIN + LABEL_W;
	font(p, 9, false);
	for (int c = 0; c < 7; c++) {
		cairo_rectangle(p->cr, x0 + c * cw, p->y, cw, ch);
		cairo_stroke(p->cr);
		measure(p, wd[c], cw);
		pango_layout_set_alignment(p->lay, PANGO_ALIGN_CENTER);
		show_at(p, x0 + c * cw, p->y + 5);
	}
	for (int i = 0; i < weeks * 7; i++) {
		double x = x0 + (i % 7) * cw, y = p->y + ch * (1 + i / 7);
		cairo_rectangle(p->cr, x, y, cw, ch);
		cairo_stroke(p->cr);
		int day = i - wd0 + 1;
		if (day < 1 || day > (int)days)
			continue;
		bool visited = false;
		for (size_t v = 0; v < d->n_visits; v++)
			visited |= d->visits[v] == day;
		if (visited) {
			cairo_arc(p->cr, x + cw / 2, y + ch / 2, ch / 2 - 3, 0, 2 * G_PI);
			cairo_stroke(p->cr);
		}
		char num[16];
		snprintf(num, sizeof num, "%d", day);
		measure(p, num, cw);
		pango_layout_set_alignment(p->lay, PANGO_ALIGN_CENTER);
		show_at(p, x, y + 5);
	}
	pango_layout_set_alignment(p->lay, PANGO_ALIGN_LEFT);
	p->y += h;
}

enum rk_status pdf_render(const struct pdf_doc *d, struct buf *out, struct rk_err *err)
{
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return rk_fail(err, RK_INTERNAL, "PDF: the surface could not be made");
	}
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "renkei");
	struct page p = {.cr = cairo_create(s), .y = MARGIN, .number = 1};
	/* a font map of this render's own, released with it: the default one is
	 * per thread and lives as long as the HTTP worker */
	PangoFontMap *fm = pango_cairo_font_map_new();
	PangoContext *pc = pango_font_map_create_context(fm);
	pango_cairo_update_context(p.cr, pc);
	p.lay = pango_layout_new(pc);
	/* the title, centred */
	font(&p, 17, true);
	measure(&p, d->title, PAGE_W - 2 * MARGIN);
	pango_layout_set_alignment(p.lay, PANGO_ALIGN_CENTER);
	show_at(&p, MARGIN, p.y);
	p.y += 34;
	pango_layout_set_alignment(p.lay, PANGO_ALIGN_LEFT);
	font(&p, 10, false);
	if (d->period && d->period[0]) {
		p.y += measure(&p, d->period, PAGE_W - 2 * MARGIN);
		pango_layout_set_alignment(p.lay, PANGO_ALIGN_RIGHT);
		show_at(&p, MARGIN, p.y - 14);
		pango_layout_set_alignment(p.lay, PANGO_ALIGN_LEFT);
		p.y += 4;
	}
	if (d->subtitle && d->subtitle[0])
		box(&p, "患者氏名", d->subtitle, d->footer);
	if (d->month)
		calendar(&p, d, d->footer);
	for (size_t i = 0; i < d->n_rows; i++)
		box(&p, d->rows[i].label, d->rows[i].text, d->footer);
	if (d->signature && d->signature[0]) {
		p.y += 10;
		box(&p, "電子署名", d->signature, d->footer);
	}
	footer(&p, d->footer);
	cairo_show_page(p.cr);
	g_object_unref(p.lay);
	g_object_unref(pc);
	g_object_unref(fm);
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	cairo_status_t st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS || out->overflow)
		return rk_fail(err, RK_TOO_LARGE, "PDF: %s", out->overflow ? "too large" : cairo_status_to_string(st));
	return RK_OK;
}
