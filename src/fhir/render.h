/* render.h — FHIR JSON written straight into a buffer: OperationOutcome,
 * search and history Bundles (stored resource bodies are copied in as they
 * are, never re-serialised), HTTP dates. Appending functions return the
 * buffer's status (RK_TOO_LARGE past its ceiling). Thread-safe. */
#ifndef RENKEI_FHIR_RENDER_H
#define RENKEI_FHIR_RENDER_H

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

/* OperationOutcome for a failure (status st, message and location from err). */
enum rk_status fhir_render_outcome(struct buf *b, enum rk_status st, const struct rk_err *err);
/* OperationOutcome with one informational issue. */
enum rk_status fhir_render_info(struct buf *b, const char *text);

/* A search entry: {"fullUrl":..,"resource":<body>,"search":{"mode":"match"}} (comma-led when not first). */
enum rk_status fhir_render_search_entry(struct buf *b, const char *base_url, const struct store_resource *r,
					bool first);
/* The same for a resource included by _include/_revinclude (search.mode include). */
enum rk_status fhir_render_include_entry(struct buf *b, const char *base_url, const struct store_resource *r,
					 bool first);
/* A history entry with request/response parts. */
enum rk_status fhir_render_history_entry(struct buf *b, const char *base_url, const struct store_resource *r,
					 bool first);

struct fhir_page {
	const char *kind;      /* "searchset" | "history" */
	const char *self_path; /* "Patient" or "Patient/123/_history" (relative to base) */
	const char *query;     /* canonical query without _offset ("" for none) */
	int64_t offset, count;
	int64_t total; /* -1 when not counted */
	bool has_more; /* a further page exists (when total is unknown) */
};

/* The whole Bundle around already rendered entries. */
enum rk_status fhir_render_bundle(struct buf *b, const char *base_url, const struct fhir_page *pg, struct str entries,
				  int64_t now);

/* RFC 7231 IMF-fixdate ("Tue, 24 Nov 2026 07:17:02 GMT") of ms, into out[32]. */
void fhir_http_date(int64_t ms, char out[32]);

#endif
