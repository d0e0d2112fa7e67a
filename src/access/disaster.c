/* disaster.c — disaster mode's declared areas and its daily report (see disaster.h). */
#include "access/disaster.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/limits.h"
#include "core/time.h"

#define JST_MS       (9LL * 3600000)
#define DAY_MS       86400000LL
#define REPORT_LIMIT 1000000 /* rows of one day's report */

static const char *const prefectures[48] = {
	"",         "北海道", "青森県", "岩手県", "宮城県",   "秋田県", "山形県",   "福島県", "茨城県", "栃木県",
	"群馬県",   "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",   "石川県", "福井県", "山梨県",
	"長野県",   "岐阜県", "静岡県", "愛知県", "三重県",   "滋賀県", "京都府",   "大阪府", "兵庫県", "奈良県",
	"和歌山県", "鳥取県", "島根県", "岡山県", "広島県",   "山口県", "徳島県",   "香川県", "愛媛県", "高知県",
	"福岡県",   "佐賀県", "長崎県", "熊本県", "大分県",   "宮崎県", "鹿児島県", "沖縄県"};

const char *disaster_prefecture_name(int pref)
{
	return pref >= 1 && pref <= 47 ? prefectures[pref] : "";
}

void disaster_jst_day(int64_t ms, int64_t *from, int64_t *to, char date[11])
{
	int64_t day = (ms + JST_MS) / DAY_MS - ((ms + JST_MS) % DAY_MS < 0);
	*from = day * DAY_MS - JST_MS;
	*to = *from + DAY_MS;
	int64_t y;
	unsigned m, d;
	time_civil_from_days(day, &y, &m, &d);
	char buf[40];
	snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)(y % 10000), m % 100, d % 100);
	str_copy(date, 11, str_c(buf));
}

/* The area of a facility whose own municipality (its first code) is code. */
static enum rk_status municipality_name(struct store *s, struct str code, char *out, size_t cap, struct rk_err *err)
{
	out[0] = '\0';
	char like[MUNICIPALITY_CODE_LEN + 4];
	snprintf(like, sizeof like, " %.*s %%", (int)code.len, code.ptr);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "SELECT area FROM facility WHERE area_codes LIKE ? AND area <> '' ORDER BY facility_code LIMIT 1",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(like));
	bool row = false;
	if ((rc = store_step(st, &row, err)) == RK_OK && row)
		str_copy(out, cap, store_col_text(st, 0));
	store_done(st);
	return rc;
}

enum rk_status disaster_codes_parse(struct store *s, const json_t *codes, char list[MUNICIPALITY_LIST_CAP], char *names,
				    size_t names_cap, struct rk_err *err)
{
	list[0] = '\0';
	names[0] = '\0';
	if (!json_is_array(codes) || json_array_size(codes) == 0)
		return rk_fail_code(err, RK_INVALID, "municipalities",
				    "municipalities must list the 全国地方公共団体コード of the area, e.g. [\"202029\"]"
				    " (a municipality) or [\"200000\"] (a whole prefecture)");
	if (json_array_size(codes) > MUNICIPALITY_MAX_CODES)
		return rk_fail_code(err, RK_INVALID, "municipalities", "at most %d municipalities per declaration",
				    MUNICIPALITY_MAX_CODES);
	size_t i;
	json_t *c;
	size_t used = 0;
	json_array_foreach(codes, i, c)
	{
		const char *v = json_string_value(c);
		struct str code = str_c(v ? v : "");
		if (!municipality_code_valid(code))
			return rk_fail_code(
				err, RK_INVALID, "municipalities",
				"'%.*s' is not a 全国地方公共団体コード (6 digits, the last its check digit)",
				(int)(code.len > 20 ? 20 : code.len), code.ptr);
		municipality_list_add(list, MUNICIPALITY_LIST_CAP, code);
		char name[RK_MAX_DISPLAY_NAME];
		if (municipality_is_prefecture(code)) {
			str_copy(name, sizeof name, str_c(disaster_prefecture_name((v[0] - '0') * 10 + (v[1] - '0'))));
		} else {
			enum rk_status rc = municipality_name(s, code, name, sizeof name, err);
			if (rc != RK_OK)
				return rc;
		}
		int w = snprintf(names + used, names_cap - used, "%s%s(%s)", used ? "、" : "", name[0] ? name : "", v);
		if (w > 0 && (size_t)w < names_cap - used)
			used += (size_t)w;
	}
	return RK_OK;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(struct buf *b, struct str v, bool last)
{
	bool quote = false;
	for (size_t i = 0; i < v.len; i++)
		quote |= v.ptr[i] == ',' || v.ptr[i] == '"' || v.ptr[i] == '\n' || v.ptr[i] == '\r';
	if (quote) {
		buf_putc(b, '"');
		for (size_t i = 0; i < v.len; i++) {
			if (v.ptr[i] == '"')
				buf_putc(b, '"');
			buf_putc(b, v.ptr[i]);
		}
		buf_putc(b, '"');
	} else {
		buf_put_str(b, v);
	}
	buf_puts(b, last ? "\r\n" : ",");
}

enum rk_status disaster_report_csv(struct store *s, const char *id, const char *facility, int64_t from, int64_t to,
				   struct buf *out, int64_t *n, struct rk_err *err)
{
	*n = 0;
	char like[RK_MAX_ACCOUNT_ID + 32];
	snprintf(like, sizeof like, "%%\"grant_ref\":\"%s\"%%", id);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT seq, recorded_at, account_id, role, facility_code, event, action, outcome, patients, entities, query"
		" FROM audit_entry WHERE recorded_at >= ? AND recorded_at < ? AND ((grant_kind = 'disaster'"
		" AND grant_ref = ?) OR (grant_kind = 'mixed' AND entities LIKE ?)) AND (? = '' OR facility_code = ?)"
		" ORDER BY seq LIMIT ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, from);
	store_bind_i64(st, 2, to);
	store_bind_text(st, 3, str_c(id));
	store_bind_text(st, 4, str_c(like));
	store_bind_text(st, 5, str_c(facility ? facility : ""));
	store_bind_text(st, 6, str_c(facility ? facility : ""));
	store_bind_i64(st, 7, REPORT_LIMIT);
	buf_puts(out, "audit_seq,recorded_at,account,role,facility,event,action,outcome,patients,entities,request\r\n");
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		char seq[24], at[RK_TIME_RFC3339_LEN], outcome[8];
		snprintf(seq, sizeof seq, "%lld", (long long)store_col_i64(st, 0));
		time_format_rfc3339(store_col_i64(st, 1), at);
		snprintf(outcome, sizeof outcome, "%lld", (long long)store_col_i64(st, 7));
		csv_field(out, str_c(seq), false);
		csv_field(out, str_c(at), false);
		for (int c = 2; c <= 6; c++)
			csv_field(out, store_col_text(st, c), false);
		csv_field(out, str_c(outcome), false);
		for (int c = 8; c <= 10; c++)
			csv_field(out, store_col_text(st, c), c == 10);
		(*n)++;
		if (out->overflow) {
			rc = rk_fail(err, RK_TOO_LARGE, "the day's report is larger than a report may be");
			break;
		}
	}
	store_done(st);
	return rc;
}

/* The report directory (disaster.report_dir; empty: beside the SQLite
 * database, <db>.disaster, or var/disaster for PostgreSQL). */
static void report_dir(const struct config *cfg, char *out, size_t cap)
{
	if (cfg->disaster_report_dir && cfg->disaster_report_dir[0])
		snprintf(out, cap, "%s", cfg->disaster_report_dir);
	else if (strncmp(cfg->store_url, "sqlite:", 7) == 0)
		snprintf(out, cap, "%s.disaster", cfg->store_url + 7);
	else
		snprintf(out, cap, "var/disaster");
}

/* Write data to path, created new (O_EXCL: an existing report is kept). */
static enum rk_status write_new(const char *path, const struct buf *data, bool *written, struct rk_err *err)
{
	*written = false;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno == EEXIST ? RK_OK : rk_fail(err, RK_IO, "cannot create %s: %s", path, strerror(errno));
	size_t off = 0;
	while (off < data->len) {
		ssize_t w = write(fd, data->data + off, data->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(path);
			return rk_fail(err, RK_IO, "cannot write %s: %s", path, strerror(e));
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		unlink(path);
		return rk_fail(err, RK_IO, "cannot write %s", path);
	}
	*written = true;
	return RK_OK;
}

#define REPORT_BATCH 64

enum rk_status disaster_report_run(const struct sched_env *env, int64_t now, struct sched_result *res,
				   struct rk_err *err)
{
	int64_t from, to;
	char date[11];
	disaster_jst_day(now - DAY_MS, &from, &to, date);
	/* declarations that covered part of yesterday, with their extensions */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		env->store,
		"SELECT d.declaration_id, d.area FROM disaster_declaration d WHERE d.started_at < ? AND"
		" (CASE WHEN d.ended_at = 0 THEN d.ends_at ELSE d.ended_at END > ? OR EXISTS (SELECT 1 FROM"
		" disaster_extension x WHERE x.declaration_id = d.declaration_id AND x.ends_at > ?))"
		" ORDER BY d.started_at LIMIT ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, to);
	store_bind_i64(st, 2, from);
	store_bind_i64(st, 3, from);
	store_bind_i64(st, 4, REPORT_BATCH);
	char ids[REPORT_BATCH][RK_MAX_ACCOUNT_ID], areas[REPORT_BATCH][256];
	size_t n = 0;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row && n < REPORT_BATCH) {
		str_copy(ids[n], sizeof ids[n], store_col_text(st, 0));
		str_copy(areas[n], sizeof areas[n], store_col_text(st, 1));
		n++;
	}
	store_done(st);
	if (rc != RK_OK)
		return rc;
	char dir[RK_MAX_PATH];
	report_dir(env->cfg, dir, sizeof dir);
	if (n && mkdir(dir, 0750) != 0 && errno != EEXIST)
		return rk_fail(err, RK_IO, "cannot create the disaster report directory %s: %s", dir, strerror(errno));
	int64_t files = 0, rows_total = 0;
	for (size_t i = 0; i < n && rc == RK_OK; i++) {
		struct buf csv;
		buf_init(&csv, RK_MAX_RESPONSE);
		int64_t rows = 0;
		rc = disaster_report_csv(env->store, ids[i], NULL, from, to, &csv, &rows, err);
		char path[RK_MAX_PATH + 64];
		snprintf(path, sizeof path, "%s/disaster-%s-%.4s%.2s%.2s.csv", dir, ids[i], date, date + 5, date + 8);
		bool written = false;
		if (rc == RK_OK)
			rc = write_new(path, &csv, &written, err);
		buf_free(&csv);
		if (rc != RK_OK || !written)
			continue;
		char detail[700];
		snprintf(detail, sizeof detail,
			 "disaster mode %s (%.200s): %s report, %lld access(es), written to %.300s", ids[i], areas[i],
			 date, (long long)rows, path);
		struct audit_event ev = {.event = "disaster-reported",
					 .action = 'E',
					 .account = "scheduler",
					 .role = "system",
					 .facility = "",
					 .purpose = "HOPERAT",
					 .grant_kind = "disaster",
					 .grant_ref = ids[i],
					 .patients = "[]",
					 .entities = "[]",
					 .query = "scheduler job disaster-report",
					 .detail = detail};
		if ((rc = store_begin(env->store, err)) == RK_OK) {
			rc = audit_append(env->audit, env->store, &ev, NULL, err);
			if (rc == RK_OK)
				rc = store_commit(env->store, err);
			else
				store_rollback(env->store);
		}
		if (rc != RK_OK)
			unlink(path); /* written again at the next run, with its entry */
		files += rc == RK_OK;
		rows_total += rc == RK_OK ? rows : 0;
	}
	res->count = files;
	snprintf(res->message, sizeof res->message, "%lld report(s) of %s written (%lld access(es))", (long long)files,
		 date, (long long)rows_total);
	return rc;
}
