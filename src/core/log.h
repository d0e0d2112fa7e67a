/* log.h — structured logging: one line per event, logfmt or JSON, to stderr.
 *   ts=2026-11-24T07:17:02.123Z level=info event=http.request method=GET ...
 * Each line is written with a single write(2), so lines from worker threads
 * never interleave. Lower layers do not log (DESIGN §6.4); api/, http/ and
 * main do, and store/ logs the database's own message of a failure, which
 * must not travel up to a client (store_fail). Thread-safe. */
#ifndef RENKEI_CORE_LOG_H
#define RENKEI_CORE_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the threshold and format (json = true for JSON lines). Call before threads start. */
void log_setup(enum log_level min, bool json);
/* Parse "debug"|"info"|"warn"|"error"; returns false on anything else. */
bool log_level_parse(const char *s, enum log_level *out);
bool log_enabled(enum log_level lv);

/* Log an event with fields given as key/value string pairs ending in NULL:
 *   log_event(LOG_INFO, "http.request", "method", "GET", "path", p, NULL);
 * Values are quoted/escaped as needed; a NULL value is skipped. */
void log_event(enum log_level lv, const char *event, ...) __attribute__((sentinel));

#endif
