/* summary_pdf.h — the emergency summary on one A4 page, and the
 * 救急医療情報シート (one page per patient with a QR code, emergency/sheet.h),
 * drawn with cairo and pango in the Noto CJK fonts (text is set as plain
 * text, never as markup). The summary page: the title, the patient (氏名,
 * カナ, 生年月日, 性別, 地域ID), 作成日時, then the sections in a clinician's
 * order, each line with its source facility and date; what does not fit
 * ends in "ほか N 件（画面で確認）". */
#ifndef RENKEI_EMERGENCY_SUMMARY_PDF_H
#define RENKEI_EMERGENCY_SUMMARY_PDF_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"
#include "emergency/summary.h"

/* One page of a PDF: the summary, and for a 救急医療情報シート the URL its
 * QR code carries (NULL: the plain summary page) and whether the sheet says
 * it was regenerated because the content changed. */
struct summary_page {
	const struct summary *s;
	const char *qr_url;
};

/* The pages into out as one PDF. */
enum rk_status summary_pdf(const struct summary_page *pages, size_t n, struct buf *out, struct rk_err *err);

/* The same a page at a time (a facility's thousands of sheets, each summary
 * gone once drawn): open, a page per summary, close (always; it reports
 * whether the PDF is whole). */
struct summary_pdf_writer;
enum rk_status summary_pdf_open(struct summary_pdf_writer **w, const char *title, struct buf *out, struct rk_err *err);
void summary_pdf_page(struct summary_pdf_writer *w, const struct summary_page *p);
enum rk_status summary_pdf_close(struct summary_pdf_writer *w, struct rk_err *err);

/* The patient's name (kanji), kana, birth date and sex as display text
 * (arena strings; "" when absent). */
void summary_patient_text(const struct summary *s, const char **name, const char **kana, const char **birth,
			  const char **sex);

#endif
