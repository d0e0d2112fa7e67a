/* sheet.c — the 救急医療情報シート's token and print state (see sheet.h). */
#include "emergency/sheet.h"

#include <stdio.h>
#include <string.h>

#include "core/rand.h"

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

bool sheet_token_ok(struct str t)
{
	if (t.len != SHEET_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < t.len; i++)
		if (!t.ptr[i] || !strchr(alphabet, t.ptr[i]))
			return false;
	return true;
}

static enum rk_status read_row(struct store *s, struct str patient_id, struct sheet_state *out, bool *found,
			       struct rk_err *err)
{
	struct store_stmt *q;
	enum rk_status st = store_prepare(
		s, "SELECT token, content_hash, generated_at FROM emergency_sheet WHERE patient_id = ?", &q, err);
	if (st != RK_OK)
		return st;
	store_bind_text(q, 1, patient_id);
	*found = false;
	if ((st = store_step(q, found, err)) == RK_OK && *found) {
		struct str t = store_col_text(q, 0), h = store_col_text(q, 1);
		snprintf(out->token, sizeof out->token, "%.*s", STR_FMT(t));
		snprintf(out->content_hash, sizeof out->content_hash, "%.*s", STR_FMT(h));
		out->generated_at = store_col_i64(q, 2);
	}
	store_done(q);
	return st;
}

enum rk_status sheet_get(struct store *s, struct str patient_id, struct sheet_state *out, struct rk_err *err)
{
	*out = (struct sheet_state){0};
	bool found;
	enum rk_status st = read_row(s, patient_id, out, &found, err);
	if (st != RK_OK || found)
		return st;
	unsigned char raw[SHEET_TOKEN_LEN];
	rand_bytes(raw, sizeof raw);
	for (size_t i = 0; i < SHEET_TOKEN_LEN; i++)
		out->token[i] = alphabet[raw[i] & 31];
	out->token[SHEET_TOKEN_LEN] = '\0';
	struct store_stmt *q;
	if ((st = store_prepare(s,
				"INSERT INTO emergency_sheet (patient_id, token, content_hash, generated_at) "
				"VALUES (?, ?, '', 0) ON CONFLICT (patient_id) DO NOTHING",
				&q, err)) != RK_OK)
		return st;
	store_bind_text(q, 1, patient_id);
	store_bind_text(q, 2, str_c(out->token));
	st = store_run(q, err);
	store_done(q);
	if (st != RK_OK)
		return st;
	return read_row(s, patient_id, out, &found, err); /* a concurrent first print wins */
}

enum rk_status sheet_printed(struct store *s, struct str patient_id, const char *hash, int64_t now, struct rk_err *err)
{
	struct store_stmt *q;
	enum rk_status st = store_prepare(
		s, "UPDATE emergency_sheet SET content_hash = ?, generated_at = ? WHERE patient_id = ?", &q, err);
	if (st != RK_OK)
		return st;
	store_bind_text(q, 1, str_c(hash));
	store_bind_i64(q, 2, now);
	store_bind_text(q, 3, patient_id);
	st = store_run(q, err);
	store_done(q);
	return st;
}

enum rk_status sheet_resolve(struct store *s, struct str token, struct arena *a, struct str *patient_id,
			     struct rk_err *err)
{
	if (!sheet_token_ok(token))
		return rk_fail(err, RK_NOT_FOUND, "this sheet is not known");
	struct store_stmt *q;
	enum rk_status st = store_prepare(s, "SELECT patient_id FROM emergency_sheet WHERE token = ?", &q, err);
	if (st != RK_OK)
		return st;
	store_bind_text(q, 1, token);
	bool row = false;
	if ((st = store_step(q, &row, err)) == RK_OK && row)
		*patient_id = arena_str(a, store_col_text(q, 0));
	store_done(q);
	if (st == RK_OK && !row)
		st = rk_fail(err, RK_NOT_FOUND, "this sheet is not known");
	return st;
}

bool sheet_stale(const struct sheet_state *st, const char *hash)
{
	return !st->content_hash[0] || strcmp(st->content_hash, hash) != 0;
}

const char *sheet_url(struct arena *a, const char *fhir_base, const char *token)
{
	size_t n = strlen(fhir_base);
	if (n >= 5 && strcmp(fhir_base + n - 5, "/fhir") == 0)
		n -= 5;
	return arena_printf(a, "%.*s/summary.html?sheet=%s", (int)n, fhir_base, token);
}

enum rk_status sheet_facility_patients(struct store *s, struct str facility, char after[128], int64_t offset,
				       int64_t count, sheet_patient_fn fn, void *arg, size_t *n_listed,
				       struct rk_err *err)
{
	*n_listed = 0;
	if (count > SHEET_BATCH_MAX)
		count = SHEET_BATCH_MAX;
	struct store_stmt *q;
	enum rk_status st = store_prepare(s,
					  "SELECT patient_id, local_id FROM patient_link WHERE facility_code = ? "
					  "AND local_id > ? ORDER BY local_id LIMIT ? OFFSET ?",
					  &q, err);
	if (st != RK_OK)
		return st;
	store_bind_text(q, 1, facility);
	store_bind_text(q, 2, str_c(after));
	store_bind_i64(q, 3, count);
	store_bind_i64(q, 4, offset);
	/* the ids first: the callback runs its own statements */
	struct str ids[SHEET_BATCH_MAX];
	char buf[SHEET_BATCH_MAX][72];
	size_t n = 0;
	bool row = false;
	while ((st = store_step(q, &row, err)) == RK_OK && row && n < SHEET_BATCH_MAX) {
		struct str v = store_col_text(q, 0), local = store_col_text(q, 1);
		snprintf(buf[n], sizeof buf[n], "%.*s", STR_FMT(v));
		ids[n] = str_c(buf[n]);
		snprintf(after, 128, "%.*s", STR_FMT(local));
		n++;
	}
	store_done(q);
	*n_listed = n;
	for (size_t i = 0; i < n && st == RK_OK; i++)
		st = fn(arg, ids[i]);
	return st;
}
