/* status.c — tables generated from status.def. */
#include "core/status.h"

static const struct {
	const char *name;
	int http;
	const char *issue;
	const char *text;
} status_table[] = {
#define RK_STATUS(name, http, issue, text) {#name, http, issue, text},
#include "core/status.def"
#undef RK_STATUS
};

static int status_valid(enum rk_status st)
{
	return (unsigned)st < (unsigned)RK_STATUS_COUNT_;
}

const char *rk_status_name(enum rk_status st)
{
	return status_valid(st) ? status_table[st].name : "?";
}

int rk_status_http(enum rk_status st)
{
	return status_valid(st) ? status_table[st].http : 500;
}

const char *rk_status_issue_code(enum rk_status st)
{
	return status_valid(st) ? status_table[st].issue : "exception";
}

const char *rk_status_text(enum rk_status st)
{
	return status_valid(st) ? status_table[st].text : "unknown status";
}
