/* disaster.h — disaster mode (災害モード): what a declaration names and the
 * daily report of every access made under it.
 *
 * An operator declares disaster mode for municipalities or prefectures by
 * 全国地方公共団体コード (model/municipality.h), from a start to an end; it
 * covers the facilities whose municipality, or one they serve, it names
 * (access/enforce.c), until it closes itself at its end (the scheduler's
 * disaster-close) or the operator ends it early. The operator may extend it
 * for one facility past its end. The report is read from the audit log:
 * every entry whose grant is this declaration. */
#ifndef RENKEI_ACCESS_DISASTER_H
#define RENKEI_ACCESS_DISASTER_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "model/municipality.h"
#include "sched/sched.h"
#include "store/store.h"

/* The longest a declaration or an extension lasts (30 days). */
#define DISASTER_MAX_MS (30LL * 86400000)

/* A JSON array of codes → a code list (list) and its display ("長野県松本市,
 * 202207"), naming each code by the region's facilities' areas where one is
 * that municipality, a prefecture by its name. RK_INVALID naming the bad
 * code, an empty array, or more than MUNICIPALITY_MAX_CODES. */
enum rk_status disaster_codes_parse(struct store *s, const json_t *codes, char list[MUNICIPALITY_LIST_CAP], char *names,
				    size_t names_cap, struct rk_err *err);

/* The name of a prefecture's number (1..47), "" otherwise. Pure. */
const char *disaster_prefecture_name(int pref);

/* The JST calendar day [from, to) holding ms, and its "2026-12-08". Pure. */
void disaster_jst_day(int64_t ms, int64_t *from, int64_t *to, char date[11]);

/* Every access under declaration id in [from, to) (only facility's when not
 * NULL), oldest first, as CSV with a header row (UTF-8, CR LF); *n the rows. */
enum rk_status disaster_report_csv(struct store *s, const char *id, const char *facility, int64_t from, int64_t to,
				   struct buf *out, int64_t *n, struct rk_err *err);

/* The scheduler's disaster-report job: for each declaration that covered
 * part of yesterday (JST), its report into disaster.report_dir as
 * disaster-<id>-<YYYYMMDD>.csv (not rewritten when there), one audit entry
 * per file written. */
enum rk_status disaster_report_run(const struct sched_env *env, int64_t now, struct sched_result *res,
				   struct rk_err *err);

#endif
