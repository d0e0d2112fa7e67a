/* pdf.h — the printable PDF of a care team's document (collab/orders.h),
 * laid out like the official 様式: A4, the title, a box per field with its
 * label, the 訪問日 of a report as a month calendar, and the signature's
 * verification. Rendered with cairo and pango (Japanese line breaking) in
 * the Noto CJK fonts; text is set as plain text, never as markup. */
#ifndef RENKEI_COLLAB_PDF_H
#define RENKEI_COLLAB_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct pdf_row {
	const char *label, *text;
};

struct pdf_doc {
	const char *title;    /* 訪問看護指示書 */
	const char *subtitle; /* the patient: 氏名, 生年月日 */
	const char *period;   /* "指示期間 2026-12-01 〜 2027-05-31" or "" */
	const struct pdf_row *rows;
	size_t n_rows;
	/* a month calendar of visit days (a report) when month > 0 */
	int64_t year;
	unsigned month;
	const int *visits;
	size_t n_visits;
	const char *signature; /* "署名: 検証済み（…）" */
	const char *footer;    /* "renkei で作成 2026-12-07 …" */
};

/* The PDF into out. */
enum rk_status pdf_render(const struct pdf_doc *d, struct buf *out, struct rk_err *err);

#endif
