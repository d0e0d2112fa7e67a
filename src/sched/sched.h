/* sched.h — work that runs on a clock: one scheduler thread per `renkei serve`
 * runs the jobs of sched/jobs.c (each a function, a period and a description),
 * and every job's lease and last run are kept in the database (sched_job), so
 * several servers on one database run each job once per period between them.
 *
 * The claim: in one transaction, a compare-and-set UPDATE of the job's row
 * takes the lease (holder, lease_until) only when the lease is free or has run
 * out and the job is due (last_start + period <= now). No process-local lock:
 * a second server's UPDATE changes no row. A holder that crashes leaves its
 * lease to run out (RK_SCHED_LEASE_MS); then another server runs the job.
 *
 * Jobs are functions of (env, now): they take the time as an argument, so a
 * test runs one against a real database with the clock where it wants it.
 * What a job changes on someone's behalf (an episode closed, a declaration
 * ended) is audited through env->audit, one entry per change. */
#ifndef RENKEI_SCHED_SCHED_H
#define RENKEI_SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "config/config.h"
#include "core/err.h"
#include "store/store.h"

#define SCHED_MESSAGE_LEN 256 /* bytes of a run's message, NUL included */
#define SCHED_HOLDER_LEN  128 /* bytes of a holder id "host:pid:random", NUL included */

/* What a job works with: a connection of its own (one thread at a time), the
 * configuration, and the audit log of this process. */
struct sched_env {
	struct store *store;
	const struct config *cfg;
	struct audit_log *audit;
};

/* What a run did: the number of rows it changed and one line for the operator. */
struct sched_result {
	int64_t count;
	char message[SCHED_MESSAGE_LEN];
};

/* A job: does its work as of now; RK_OK or a status with err set. Safe to
 * run again at any time (it changes only what is still due), and on several
 * servers at once (each change is itself a compare-and-set), though the claim
 * keeps that from happening. */
typedef enum rk_status (*sched_job_fn)(const struct sched_env *env, int64_t now, struct sched_result *res,
				       struct rk_err *err);

struct sched_job {
	const char *name;        /* lower-case-with-dashes, the key of its sched_job row */
	int64_t period_ms;       /* 0: every tick (sched.tick) */
	const char *description; /* one line for `renkei jobs` */
	sched_job_fn run;
};

/* ---- the job table (jobs.c) ----------------------------------------------- */

/* Every job, in the order a tick runs them. */
const struct sched_job *sched_jobs(size_t *n);
/* The job called name, or NULL. */
const struct sched_job *sched_job_find(const char *name);
/* Its period under cfg (a period of 0 is sched.tick). */
int64_t sched_job_period(const struct sched_job *j, const struct config *cfg);

/* The jobs themselves. Each works in batches until nothing due is left. */
/* Break-the-glass episodes whose time is up (expires_at <= now, not ended):
 * ended_at set to expires_at, one `emergency-expired` audit entry each. */
enum rk_status sched_emergency_expire(const struct sched_env *env, int64_t now, struct sched_result *res,
				      struct rk_err *err);
/* Disaster declarations past their end (ends_at <= now, not ended): ended_at
 * set to ends_at, one `disaster-closed` audit entry each. */
enum rk_status sched_disaster_close(const struct sched_env *env, int64_t now, struct sched_result *res,
				    struct rk_err *err);
/* Sessions past their absolute or idle time-out are ended (as a request
 * would end them), and sessions ended more than sched.session_retention ago
 * are deleted. */
enum rk_status sched_session_purge(const struct sched_env *env, int64_t now, struct sched_result *res,
				   struct rk_err *err);
/* OAuth2 tokens expired (or revoked) more than sched.token_retention ago are deleted. */
enum rk_status sched_token_purge(const struct sched_env *env, int64_t now, struct sched_result *res,
				 struct rk_err *err);
/* Failed-login counters of a day without failure (and not locked) are deleted. */
enum rk_status sched_login_failure_purge(const struct sched_env *env, int64_t now, struct sched_result *res,
					 struct rk_err *err);

/* ---- claims and runs (sched.c) -------------------------------------------- */

/* A holder id for this process: "host:pid:random". */
void sched_holder_id(char out[SCHED_HOLDER_LEN]);

/* Claim job name for holder as of now, in a transaction of its own: *won is
 * true when this call took the lease (until now + RK_SCHED_LEASE_MS). Not won
 * when another holder's lease is still running, or (unless force) when the
 * job's last start is less than period ago. The job's row is created the
 * first time. */
enum rk_status sched_claim(struct store *s, const char *name, const char *holder, int64_t period, int64_t now,
			   bool force, bool *won, struct rk_err *err);
/* Record the end of holder's run (started at started, ended at now, status
 * and message) and free the lease. RK_CONFLICT when holder no longer held it
 * (its lease ran out and was taken): the run is then not recorded. */
enum rk_status sched_finish(struct store *s, const char *name, const char *holder, int64_t started, int64_t now,
			    int64_t duration_ms, enum rk_status status, const char *message, struct rk_err *err);

/* Claim, run, record: *ran tells whether this call ran the job (false: not
 * due, or held by another server — with force, held by another is
 * RK_CONFLICT with a message naming the holder). Returns the job's status
 * when it ran. */
enum rk_status sched_run(const struct sched_env *env, const struct sched_job *j, const char *holder, int64_t now,
			 bool force, bool *ran, struct sched_result *res, struct rk_err *err);

/* A job's row as stored (known false when it never was claimed). */
struct sched_state {
	bool known;
	char holder[SCHED_HOLDER_LEN];
	int64_t lease_until, last_start, last_end, last_duration, runs;
	char last_status[16];
	char last_message[SCHED_MESSAGE_LEN];
};
enum rk_status sched_state_get(struct store *s, const char *name, struct sched_state *out, struct rk_err *err);

/* ---- the thread (sched.c) --------------------------------------------------- */

struct sched;

/* Start the scheduler thread of `renkei serve` (nothing when sched.enabled is
 * false: *out is NULL). It opens its own store connection (again after a
 * failure, at the next tick), runs every due job at once and then every
 * sched.tick, and audits through audit (which must outlive it). */
enum rk_status sched_start(const struct config *cfg, struct audit_log *audit, struct sched **out, struct rk_err *err);
/* Wake the thread, let the job that is running finish, join; NULL is ignored. */
void sched_stop(struct sched *s);

#endif
