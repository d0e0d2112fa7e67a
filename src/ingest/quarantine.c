/* quarantine.c — the operator's view of the ingest quarantine (table
 * ingest_error): pages of entries, one entry with its bytes, and the message's
 * text for display. Writes (quarantining, replays) live in pipeline.c. */
#include "ingest/quarantine.h"

#include <sodium.h>
#include <string.h>

#include "core/limits.h"
#include "hl7/hl7.h"

static void entry_of(struct store_stmt *st, struct quarantine_entry *q)
{
	*q = (struct quarantine_entry){
		.e =
			{
				.id = store_col_i64(st, 0),
				.at = store_col_i64(st, 1),
				.origin = store_col_text(st, 2),
				.facility_code = store_col_text(st, 3),
				.location = store_col_text(st, 4),
				.reason = store_col_text(st, 5),
				.resolved_at = store_col_null(st, 6) ? 0 : store_col_i64(st, 6),
			},
		.tries = store_col_i64(st, 7),
	};
}

#define COLUMNS "id, at, origin, facility_code, location, reason, resolved_at, tries"

enum rk_status quarantine_list(struct store *s, bool include_resolved, int64_t count, int64_t offset, quarantine_fn fn,
			       void *arg, int64_t *total, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      include_resolved ? "SELECT count(*) FROM ingest_error"
					       : "SELECT count(*) FROM ingest_error WHERE resolved_at IS NULL",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	int64_t n = row ? store_col_i64(st, 0) : 0;
	store_done(st);
	if (rc != RK_OK)
		return rc;
	rc = store_prepare(s,
			   include_resolved
				   ? "SELECT " COLUMNS " FROM ingest_error ORDER BY id LIMIT ? OFFSET ?"
				   : "SELECT " COLUMNS
				     " FROM ingest_error WHERE resolved_at IS NULL ORDER BY id LIMIT ? OFFSET ?",
			   &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, count);
	store_bind_i64(st, 2, offset);
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct quarantine_entry q;
		entry_of(st, &q);
		if ((rc = fn(arg, &q, err)) != RK_OK)
			break;
	}
	store_done(st);
	if (rc == RK_OK)
		*total = n;
	return rc;
}

static struct str copy(struct arena *a, struct str v, bool *ok)
{
	char *p = arena_strndup(a, v.ptr ? v.ptr : "", v.len);
	if (!p)
		*ok = false;
	return (struct str){p, p ? v.len : 0};
}

struct each_error {
	ingest_error_fn fn;
	void *arg;
};

static enum rk_status each_error(void *arg, const struct quarantine_entry *q, struct rk_err *err)
{
	struct each_error *x = arg;
	return x->fn(x->arg, &q->e, err);
}

enum rk_status ingest_errors(struct store *s, bool include_resolved, ingest_error_fn fn, void *arg, struct rk_err *err)
{
	struct each_error x = {fn, arg};
	int64_t total;
	return quarantine_list(s, include_resolved, INT64_MAX, 0, each_error, &x, &total, err);
}

enum rk_status ingest_warnings(struct store *s, struct str facility, int64_t limit, ingest_warning_fn fn, void *arg,
			       struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      "SELECT received_at, origin, facility_code, msg_key, warnings FROM ingest_message "
			      "WHERE warnings <> '' AND (? = '' OR facility_code = ?) "
			      "ORDER BY received_at DESC, msg_key LIMIT ?",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, facility);
	store_bind_text(st, 2, facility);
	store_bind_i64(st, 3, limit);
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		struct ingest_warning w = {
			.at = store_col_i64(st, 0),
			.origin = store_col_text(st, 1),
			.facility_code = store_col_text(st, 2),
			.location = store_col_text(st, 3),
			.warnings = store_col_text(st, 4),
		};
		if ((rc = fn(arg, &w, err)) != RK_OK)
			break;
	}
	store_done(st);
	return rc;
}

enum rk_status quarantine_get(struct store *s, int64_t id, struct arena *a, struct quarantine_entry *out,
			      struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT " COLUMNS ", bytes FROM ingest_error WHERE id = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, id);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = rk_fail(err, RK_NOT_FOUND, "no quarantined message %lld", (long long)id);
	if (rc != RK_OK)
		goto out;
	struct quarantine_entry q;
	entry_of(st, &q);
	bool ok = true;
	q.e.origin = copy(a, q.e.origin, &ok);
	q.e.facility_code = copy(a, q.e.facility_code, &ok);
	q.e.location = copy(a, q.e.location, &ok);
	q.e.reason = copy(a, q.e.reason, &ok);
	struct str b64 = store_col_text(st, 8);
	unsigned char *bytes = arena_alloc(a, b64.len + 1);
	if (!ok || !bytes) {
		rc = rk_fail(err, RK_TOO_LARGE, "quarantined message %lld is too large to show", (long long)id);
		goto out;
	}
	size_t n = 0;
	if (b64.len && sodium_base642bin(bytes, b64.len + 1, b64.ptr, b64.len, NULL, &n, NULL,
					 sodium_base64_VARIANT_ORIGINAL) != 0) {
		rc = rk_fail(err, RK_INTERNAL, "quarantined message %lld: stored bytes are not base64", (long long)id);
		goto out;
	}
	q.bytes = (struct str){(const char *)bytes, n};
	*out = q;
out:
	store_done(st);
	return rc;
}

/* Copy at most RK_MAX_QUARANTINE_TEXT bytes of UTF-8 text, segment
 * terminators (CR, CRLF) as line feeds, cut at a character boundary. */
static struct str display_copy(struct str in, struct arena *a, bool *truncated)
{
	size_t cap = in.len < RK_MAX_QUARANTINE_TEXT ? in.len : RK_MAX_QUARANTINE_TEXT;
	char *p = arena_alloc(a, cap + 1);
	if (!p) {
		*truncated = in.len > 0;
		return STR_LIT("");
	}
	size_t o = 0, i = 0;
	for (; i < in.len && o < cap; i++) {
		char c = in.ptr[i];
		if (c == '\r') {
			if (i + 1 < in.len && in.ptr[i + 1] == '\n')
				i++;
			c = '\n';
		} else if (c == 0x1c) { /* a trailing MLLP end block kept by the sender */
			continue;
		}
		p[o++] = c;
	}
	struct str out = {p, o};
	out.len = str_utf8_prefix(out); /* never half a character */
	*truncated = i < in.len || out.len < o;
	return out;
}

void quarantine_text(struct str bytes, struct arena *a, struct quarantine_text *out)
{
	*out = (struct quarantine_text){.text = STR_LIT("")};
	struct hl7_msg m;
	struct rk_err err;
	rk_err_clear(&err);
	if (bytes.len && hl7_parse(bytes, a, &m, &err) == RK_OK) {
		out->parsed = true;
		out->text = display_copy(m.text, a, &out->truncated);
		out->sending_facility = m.sending_facility;
		const struct hl7_segment *pid = hl7_seg(&m, "PID", 0);
		if (pid)
			out->patient_local = hl7_text(&m, pid, 3, 0, 1, 0, a);
		return;
	}
	if (!bytes.len) {
		out->note = "the message is empty (nothing was read)";
		return;
	}
	if (str_is_utf8(bytes)) {
		out->text = display_copy(bytes, a, &out->truncated);
		out->note = arena_printf(a, "not a readable HL7 v2 message (%s); shown as received", err.msg);
		if (!out->note)
			out->note = "not a readable HL7 v2 message; shown as received";
		return;
	}
	out->note = arena_printf(a, "not readable text: %zu bytes that are neither an HL7 v2 message nor UTF-8 (%s)",
				 bytes.len, err.msg);
	if (!out->note)
		out->note = "not readable text";
}
