/* err.c — recording failures in struct rk_err, and the one out-of-memory exit. */
#include "core/err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rk_err_clear(struct rk_err *err)
{
	err->status = RK_OK;
	err->msg[0] = '\0';
	err->where[0] = '\0';
	err->code[0] = '\0';
}

/* A message cut by its buffer never ends inside a UTF-8 character (a
 * Japanese message would then be invalid text in the audit log). */
static void trim_utf8_tail(char *s)
{
	size_t n = strlen(s), i = n, cont = 0;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && cont < 3) {
		i--;
		cont++;
	}
	if (i == 0)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
	if (lead >= 0x80 && cont < need)
		s[i - 1] = '\0';
}

static enum rk_status err_vset(struct rk_err *err, enum rk_status st, const char *where, const char *fmt, va_list ap)
{
	if (!err || err->status != RK_OK)
		return st;
	err->status = st;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	trim_utf8_tail(err->msg);
	if (where) {
		snprintf(err->where, sizeof err->where, "%s", where);
		trim_utf8_tail(err->where);
	} else {
		err->where[0] = '\0';
	}
	return st;
}

enum rk_status rk_fail(struct rk_err *err, enum rk_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, st, NULL, fmt, ap);
	va_end(ap);
	return st;
}

enum rk_status rk_fail_at(struct rk_err *err, enum rk_status st, const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, st, where, fmt, ap);
	va_end(ap);
	return st;
}

enum rk_status rk_fail_code(struct rk_err *err, enum rk_status st, const char *code, const char *fmt, ...)
{
	bool first = err && err->status == RK_OK;
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, st, NULL, fmt, ap);
	va_end(ap);
	if (first)
		snprintf(err->code, sizeof err->code, "%s", code);
	return st;
}

_Noreturn void rk_oom(void)
{
	static const char msg[] = "renkei: out of memory, aborting\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	abort();
}
