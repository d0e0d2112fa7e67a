/* status.h — enum rk_status generated from status.def, with its HTTP mapping.
 * Every fallible function in renkei returns one of these. Thread-safe (pure). */
#ifndef RENKEI_CORE_STATUS_H
#define RENKEI_CORE_STATUS_H

enum rk_status {
#define RK_STATUS(name, http, issue, text) RK_##name,
#include "core/status.def"
#undef RK_STATUS
	RK_STATUS_COUNT_
};

/* "NOT_FOUND" for RK_NOT_FOUND; "?" for an out-of-range value. */
const char *rk_status_name(enum rk_status st);
/* 404 for RK_NOT_FOUND; 500 for an out-of-range value. */
int rk_status_http(enum rk_status st);
/* FHIR IssueType code ("not-found") for OperationOutcome.issue.code. */
const char *rk_status_issue_code(enum rk_status st);
/* A short English phrase ("not found"). */
const char *rk_status_text(enum rk_status st);

#endif
