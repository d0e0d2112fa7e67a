/* render.c — hand-written JSON for the hot paths (reads and searches stream
 * stored bodies; nothing is parsed and re-serialised). */
#include "fhir/render.h"

#include <stdio.h>
#include <string.h>

#include "core/rand.h"
#include "core/time.h"

enum rk_status fhir_render_outcome(struct buf *b, enum rk_status st, const struct rk_err *err)
{
	const char *msg = err && err->msg[0] ? err->msg : rk_status_text(st);
	buf_puts(b, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"");
	buf_puts(b, rk_status_http(st) >= 500 ? "fatal" : "error");
	buf_puts(b, "\",\"code\":\"");
	buf_puts(b, rk_status_issue_code(st));
	buf_puts(b, "\",");
	if (err && err->code[0]) { /* a machine-readable reason for UIs and clients */
		buf_puts(b, "\"details\":{\"coding\":[{\"system\":\"urn:renkei:error\",\"code\":");
		buf_put_json_str(b, str_c(err->code));
		buf_puts(b, "}]},");
	}
	buf_puts(b, "\"diagnostics\":");
	buf_put_json_str(b, str_c(msg));
	/* A location that reads as FHIRPath (Patient.name[0]) goes to expression. */
	if (err && err->where[0] >= 'A' && err->where[0] <= 'Z') {
		buf_puts(b, ",\"expression\":[");
		buf_put_json_str(b, str_c(err->where));
		buf_putc(b, ']');
	}
	return buf_puts(b, "}]}");
}

enum rk_status fhir_render_info(struct buf *b, const char *text)
{
	buf_puts(b, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"information\","
		    "\"code\":\"informational\",\"diagnostics\":");
	buf_put_json_str(b, str_c(text));
	return buf_puts(b, "}]}");
}

static void full_url(struct buf *b, const char *base_url, const struct store_resource *r)
{
	buf_puts(b, "\"fullUrl\":");
	buf_putc(b, '"');
	buf_puts(b, base_url);
	buf_putc(b, '/');
	buf_put_str(b, r->type); /* type names and ids are [A-Za-z0-9-.]: no escaping needed */
	buf_putc(b, '/');
	buf_put_str(b, r->id);
	buf_putc(b, '"');
}

static enum rk_status search_entry(struct buf *b, const char *base_url, const struct store_resource *r, bool first,
				   const char *mode)
{
	buf_puts(b, first ? "{" : ",{");
	full_url(b, base_url, r);
	buf_puts(b, ",\"resource\":");
	buf_put_str(b, r->body);
	return buf_printf(b, ",\"search\":{\"mode\":\"%s\"}}", mode);
}

enum rk_status fhir_render_search_entry(struct buf *b, const char *base_url, const struct store_resource *r, bool first)
{
	return search_entry(b, base_url, r, first, "match");
}

enum rk_status fhir_render_include_entry(struct buf *b, const char *base_url, const struct store_resource *r,
					 bool first)
{
	return search_entry(b, base_url, r, first, "include");
}

void fhir_http_date(int64_t ms, char out[32])
{
	static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t secs = ms / 1000;
	int64_t days_since = secs / 86400;
	int64_t rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days_since--;
	}
	int64_t y;
	unsigned m, d;
	time_civil_from_days(days_since, &y, &m, &d);
	int wd = (int)(((days_since % 7) + 7) % 7);
	snprintf(out, 32, "%s, %02u %s %04lld %02d:%02d:%02d GMT", days[wd], d, months[m - 1], (long long)y,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

enum rk_status fhir_render_history_entry(struct buf *b, const char *base_url, const struct store_resource *r,
					 bool first)
{
	buf_puts(b, first ? "{" : ",{");
	full_url(b, base_url, r);
	if (!r->deleted) {
		buf_puts(b, ",\"resource\":");
		buf_put_str(b, r->body);
	}
	const char *method = r->deleted ? "DELETE" : r->version == 1 ? "POST" : "PUT";
	const char *status = r->deleted ? "204 No Content" : r->version == 1 ? "201 Created" : "200 OK";
	buf_printf(b, ",\"request\":{\"method\":\"%s\",\"url\":\"%.*s", method, STR_FMT(r->type));
	if (r->version > 1 || r->deleted)
		buf_printf(b, "/%.*s", STR_FMT(r->id));
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(r->last_updated, ts);
	buf_printf(b, "\"},\"response\":{\"status\":\"%s\",\"etag\":\"W/\\\"%lld\\\"\",\"lastModified\":\"%s\"}}",
		   status, (long long)r->version, ts);
	return b->overflow ? RK_TOO_LARGE : RK_OK;
}

static void link(struct buf *b, const char *rel, const char *base_url, const struct fhir_page *pg, int64_t offset,
		 bool *first)
{
	buf_puts(b, *first ? "{" : ",{");
	*first = false;
	buf_printf(b, "\"relation\":\"%s\",\"url\":", rel);
	struct buf u;
	buf_init(&u, 16384);
	buf_printf(&u, "%s/%s", base_url, pg->self_path);
	bool q = false;
	if (pg->query && pg->query[0]) {
		buf_putc(&u, '?');
		buf_puts(&u, pg->query);
		q = true;
	}
	if (offset > 0)
		buf_printf(&u, "%s_offset=%lld", q ? "&" : "?", (long long)offset);
	buf_put_json_str(b, buf_str(&u));
	buf_free(&u);
	buf_putc(b, '}');
}

enum rk_status fhir_render_bundle(struct buf *b, const char *base_url, const struct fhir_page *pg, struct str entries,
				  int64_t now)
{
	char id[RAND_ID_LEN + 1], ts[RK_TIME_RFC3339_LEN];
	rand_id(id);
	time_format_rfc3339(now, ts);
	buf_printf(b, "{\"resourceType\":\"Bundle\",\"id\":\"%s\",\"meta\":{\"lastUpdated\":\"%s\"},\"type\":\"%s\"",
		   id, ts, pg->kind);
	if (pg->total >= 0)
		buf_printf(b, ",\"total\":%lld", (long long)pg->total);
	buf_puts(b, ",\"link\":[");
	bool first = true;
	link(b, "self", base_url, pg, pg->offset, &first);
	if (pg->count > 0) {
		link(b, "first", base_url, pg, 0, &first);
		if (pg->offset > 0) {
			int64_t prev = pg->offset - pg->count;
			link(b, "previous", base_url, pg, prev > 0 ? prev : 0, &first);
		}
		bool more = pg->total >= 0 ? pg->offset + pg->count < pg->total : pg->has_more;
		if (more)
			link(b, "next", base_url, pg, pg->offset + pg->count, &first);
		if (pg->total > 0) {
			int64_t last = (pg->total - 1) / pg->count * pg->count;
			link(b, "last", base_url, pg, last, &first);
		}
	}
	buf_putc(b, ']');
	if (entries.len) {
		buf_puts(b, ",\"entry\":[");
		buf_put_str(b, entries);
		buf_putc(b, ']');
	}
	return buf_putc(b, '}');
}
