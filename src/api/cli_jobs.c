/* cli_jobs.c — the operators' view of the scheduler (sched/): `renkei jobs`
 * lists every job with its period, last run, the status of its last finished
 * run and when it is next due ("running" while a server holds it);
 * `renkei jobs run NAME` runs one now under the same claim the servers use
 * (so it never runs beside a server's run of it), and is audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/cli.h"
#include "audit/audit.h"
#include "core/limits.h"
#include "core/time.h"
#include "sched/sched.h"
#include "store/store.h"

/* A period as the configuration writes it: 30s, 1h, 250ms. */
static void period_text(int64_t ms, char *out, size_t cap)
{
	if (ms % 3600000 == 0)
		snprintf(out, cap, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(out, cap, "%lldmin", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(out, cap, "%llds", (long long)(ms / 1000));
	else
		snprintf(out, cap, "%lldms", (long long)ms);
}

static int jobs_list(struct store *s, const struct config *cfg)
{
	size_t n = 0;
	const struct sched_job *jobs = sched_jobs(&n);
	int64_t now = time_now_ms();
	printf("%-20s %-7s %-25s %-7s %-25s %-6s %s\n", "job", "period", "last run", "status", "next due", "runs",
	       "last result");
	for (size_t i = 0; i < n; i++) {
		struct sched_state st;
		struct rk_err err;
		rk_err_clear(&err);
		if (sched_state_get(s, jobs[i].name, &st, &err) != RK_OK) {
			fprintf(stderr, "renkei: jobs: %s\n", err.msg);
			return 1;
		}
		int64_t period = sched_job_period(&jobs[i], cfg);
		char p[32], last[RK_TIME_RFC3339_LEN] = "never", next[RK_TIME_RFC3339_LEN + 16] = "now";
		period_text(period, p, sizeof p);
		if (st.known && st.last_start)
			time_format_rfc3339(st.last_start, last);
		const char *status = !st.known || !st.last_status[0] ? "-" : st.last_status;
		int64_t due = st.known && st.last_start ? st.last_start + period : 0;
		if (st.known && st.holder[0] && st.lease_until > now)
			snprintf(next, sizeof next, "running");
		else if (due > now)
			time_format_rfc3339(due, next);
		printf("%-20s %-7s %-25s %-7s %-25s %-6lld %s\n", jobs[i].name, p, last, status, next,
		       (long long)st.runs, st.known && st.last_message[0] ? st.last_message : jobs[i].description);
	}
	return 0;
}

static int jobs_run(struct store *s, const struct config *cfg, const char *name)
{
	const struct sched_job *j = name ? sched_job_find(name) : NULL;
	if (!j) {
		fprintf(stderr, "renkei: jobs run NAME: %s%s (see `renkei jobs`)\n",
			name ? "no job called " : "name a job", name ? name : "");
		return 2;
	}
	struct rk_err err;
	rk_err_clear(&err);
	struct audit_log *log = NULL;
	if (audit_open(cfg, &log, &err) != RK_OK) {
		fprintf(stderr, "renkei: audit log: %s\n", err.msg);
		return 1;
	}
	char holder[SCHED_HOLDER_LEN];
	sched_holder_id(holder);
	struct sched_env env = {.store = s, .cfg = cfg, .audit = log};
	struct sched_result res;
	bool ran = false;
	enum rk_status rc = sched_run(&env, j, holder, time_now_ms(), true, &ran, &res, &err);
	audit_close(log);
	char detail[RK_MAX_AUDIT_DETAIL];
	if (rc == RK_OK) {
		printf("%s: %s\n", j->name, res.message);
		snprintf(detail, sizeof detail, "job %s run: %s", j->name, res.message);
	} else {
		fprintf(stderr, "renkei: jobs run %s: %s\n", j->name, err.msg);
		snprintf(detail, sizeof detail, "job %s %s: %s", j->name, ran ? "failed" : "not run", err.msg);
	}
	int arc = cli_audit(cfg, "job-run", detail);
	return rc != RK_OK ? 1 : arc;
}

int cli_jobs_list(struct cli_call *c)
{
	return jobs_list(c->store, c->cfg);
}

int cli_jobs_run(struct cli_call *c)
{
	return jobs_run(c->store, c->cfg, c->a->n_pos > 1 ? c->a->pos[1] : NULL);
}
