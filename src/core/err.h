/* err.h — struct rk_err: the message that travels with a failing rk_status.
 * Set once, where the failure happens (the first rk_fail wins); callers higher
 * up may only read it. Not shared between threads. */
#ifndef RENKEI_CORE_ERR_H
#define RENKEI_CORE_ERR_H

#include "core/status.h"

#define RK_ERR_MSG_MAX   384
#define RK_ERR_WHERE_MAX 128

struct rk_err {
	enum rk_status status;
	char msg[RK_ERR_MSG_MAX];     /* human-readable, specific */
	char where[RK_ERR_WHERE_MAX]; /* optional location: FHIRPath, file:line, parameter */
	char code[32];                /* optional machine-readable reason ("locked", "too_short") */
};

/* Zero the error (status RK_OK, empty strings). */
void rk_err_clear(struct rk_err *err);

/* Record a failure unless one is already recorded; returns st so callers can
 * write `return rk_fail(err, RK_INVALID, "...")`. err may be NULL. */
enum rk_status rk_fail(struct rk_err *err, enum rk_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like rk_fail, also naming where (an element path, parameter or file:line). */
enum rk_status rk_fail_at(struct rk_err *err, enum rk_status st, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Like rk_fail, with a machine-readable reason code (for UIs and clients). */
enum rk_status rk_fail_code(struct rk_err *err, enum rk_status st, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Real out-of-memory: log and abort. Never returns. (DESIGN §6.8) */
_Noreturn void rk_oom(void);

#endif
