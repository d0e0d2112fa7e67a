/* log.c — logfmt / JSON-lines writer. */
#include "core/log.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/time.h"

static enum log_level log_min = LOG_INFO;
static bool log_json = false;

void log_setup(enum log_level min, bool json)
{
	log_min = min;
	log_json = json;
}

bool log_level_parse(const char *s, enum log_level *out)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

bool log_enabled(enum log_level lv)
{
	return lv >= log_min;
}

static bool logfmt_needs_quote(const char *v)
{
	if (!*v)
		return true;
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\')
			return true;
	return false;
}

static void put_field(struct buf *b, const char *k, const char *v)
{
	if (log_json) {
		buf_putc(b, ',');
		buf_put_json_str(b, str_c(k));
		buf_putc(b, ':');
		buf_put_json_str(b, str_c(v));
		return;
	}
	buf_putc(b, ' ');
	buf_puts(b, k);
	buf_putc(b, '=');
	if (logfmt_needs_quote(v))
		buf_put_json_str(b, str_c(v)); /* JSON escaping is valid logfmt quoting */
	else
		buf_puts(b, v);
}

void log_event(enum log_level lv, const char *event, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if (lv < log_min)
		return;
	char ts[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(time_now_ms(), ts);
	struct buf b;
	buf_init(&b, 16384);
	if (log_json) {
		buf_puts(&b, "{\"ts\":\"");
		buf_puts(&b, ts);
		buf_puts(&b, "\"");
	} else {
		buf_puts(&b, "ts=");
		buf_puts(&b, ts);
	}
	put_field(&b, "level", names[lv]);
	put_field(&b, "event", event);
	va_list ap;
	va_start(ap, event);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		if (v)
			put_field(&b, k, v);
	}
	va_end(ap);
	if (b.overflow) {
		buf_reset(&b);
		buf_puts(&b, log_json ? "{\"event\":\"log.truncated\"" : "event=log.truncated");
	}
	buf_puts(&b, log_json ? "}\n" : "\n");
	ssize_t w = write(STDERR_FILENO, b.data, b.len);
	(void)w;
	buf_free(&b);
}
