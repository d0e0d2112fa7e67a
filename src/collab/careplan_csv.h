/* careplan_csv.h — the ケアプランデータ連携 CSV files of a care plan
 * (居宅サービス計画書 第1表, 第2表, and 第3表 週間サービス計画表): their
 * columns (one table of data, cp_tables[], docs/CAREPLAN_CSV.md), the
 * national specification's file conventions (Shift_JIS (MS932), comma,
 * CR LF), reading a file into a plan and writing a plan's table back, and the
 * checks of every value (dates in 西暦 YYYYMMDD, weekdays, times, codes,
 * lengths, characters MS932 can carry). A refused file names its line and
 * column in Japanese. Pure: no store; thread-safe (iconv per call). */
#ifndef RENKEI_COLLAB_CAREPLAN_CSV_H
#define RENKEI_COLLAB_CAREPLAN_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

enum cp_table { CP_T1, CP_T2, CP_T3, CP_TABLES };

enum cp_kind {
	CP_TEXT,     /* free text, at most max characters */
	CP_DIGITS,   /* ASCII digits, at most max */
	CP_DATE,     /* 西暦 YYYYMMDD, a real day between 2000-01-01 and 2099-12-31 */
	CP_CODE,     /* one of codes ("1|2|3") */
	CP_WEEKDAYS, /* 曜日: some of 月火水木金土日, in that order, each once */
	CP_TIME,     /* HHMM, 0000 to 2400 */
};

struct cp_column {
	const char *key;   /* the plan's JSON key and the FHIR sub-extension url */
	const char *ja;    /* 項目名 */
	enum cp_kind kind; /* how a value is checked */
	unsigned max;      /* characters (CP_TEXT, CP_DIGITS) */
	const char *codes; /* CP_CODE: the allowed values, '|'-separated ("" allowed when it starts with '|') */
	bool assumed;      /* not confirmed by the specification text found (docs/CAREPLAN_CSV.md) */
};

struct cp_table_def {
	const char *name_ja; /* "居宅サービス計画書（1）" */
	const char *prefix;  /* the file name's first part ("CPLAN1") */
	const struct cp_column *cols;
	size_t n;
};

#define CP_MAX_COLS 32
#define CP_MAX_ROWS 500           /* rows of 第2表 or 第3表 in one plan */
#define CP_MAX_FILE (1024 * 1024) /* bytes of one CSV file */
extern const struct cp_table_def cp_tables[CP_TABLES];

/* Column index of key in table t, or -1. */
int cp_column_index(enum cp_table t, const char *key);

/* One row of a table: values by column (never NULL; "" when empty), UTF-8. */
struct cp_row {
	const char *v[CP_MAX_COLS];
};

enum cp_quoting { CP_QUOTE_ALL, CP_QUOTE_MINIMAL };

/* A care plan as its three tables. */
struct cp_plan {
	struct cp_row t1;
	bool has_t1;
	struct cp_row *rows[CP_TABLES]; /* [CP_T2], [CP_T3] */
	size_t n[CP_TABLES];
	enum cp_quoting quoting; /* how the files it came from quoted (export repeats it) */
};

/* The table a file name names (its prefix before '_', case-insensitive, or
 * "…1表…"-free forms are not guessed); false when none. */
bool cp_table_of_name(const char *name, enum cp_table *out);

/* Read one CSV file of table t (Shift_JIS (MS932) bytes) into plan (t1, or
 * appended rows of t2/t3). Refuses, naming the file, line and column: a
 * UTF-8 file or a BOM, bytes MS932 cannot read, a line not ended by CR LF,
 * a wrong number of columns, a bad quote, a value its column refuses, an
 * oversized file or too many rows; 第1表 has exactly one row. Nothing is
 * added to plan on failure. file names the file in messages. */
enum rk_status cp_read(enum cp_table t, const char *file, const unsigned char *data, size_t len, struct arena *a,
		       struct cp_plan *plan, struct rk_err *err);

/* Check every value of the plan as cp_read does (for a plan from the UI):
 * each column's form, dates in order, 第3表's times, MS932 coverage. */
enum rk_status cp_check(const struct cp_plan *plan, struct rk_err *err);

/* Check one value of a column; the message names where ("第2表 3行目 7列目（課題）"). */
enum rk_status cp_check_value(const struct cp_column *c, const char *where, const char *v, struct rk_err *err);

/* Write table t of the plan as the CSV file (Shift_JIS (MS932), CR LF,
 * plan->quoting) into out. */
enum rk_status cp_write(const struct cp_plan *plan, enum cp_table t, struct buf *out, struct rk_err *err);

/* The file name the specification's convention gives table t:
 * PREFIX_YYYYMM_FROM_TO_YYYYMMDDHHMMSS.CSV (from/to: 10-digit 事業所番号,
 * "0000000000" when unknown). */
char *cp_file_name(enum cp_table t, const char *yyyymm, const char *from, const char *to, const char *stamp,
		   struct arena *a);

/* s copied into buf (size bytes) whole or cut at a character boundary
 * ("…" added when cut): for naming a value in a message. Returns buf. */
const char *cp_clip(char *buf, size_t size, const char *s);

/* The number of week-grid blocks of 第3表 (service rows × weekdays). */
size_t cp_week_blocks(const struct cp_plan *plan);

#endif
