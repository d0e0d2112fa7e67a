/* sched.c — the scheduler thread and the claim that keeps several servers on
 * one database from running a job twice: a compare-and-set UPDATE of the
 * job's lease in a transaction (never a lock in this process), the run, and
 * the record of the run in the same row. The thread sleeps on a condition
 * variable, so `renkei serve` stops at once between runs. */
#include "sched/sched.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/time.h"

void sched_holder_id(char out[SCHED_HOLDER_LEN])
{
	char host[64] = "";
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	char r[RAND_ID_LEN + 1];
	rand_id(r);
	snprintf(out, SCHED_HOLDER_LEN, "%s:%ld:%.8s", host, (long)getpid(), r);
}

/* ---- the claim ------------------------------------------------------------- */

enum rk_status sched_claim(struct store *s, const char *name, const char *holder, int64_t period, int64_t now,
			   bool force, bool *won, struct rk_err *err)
{
	*won = false;
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(
		s,
		"INSERT INTO sched_job (name, holder, lease_until, last_start, last_end, last_status, last_message,"
		" last_duration, runs) VALUES (?, '', 0, 0, 0, '', '', 0, 0) ON CONFLICT (name) DO NOTHING",
		&st, err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, str_c(name));
		rc = store_run(st, err);
		store_done(st);
	}
	/* The compare-and-set: the row changes only when its lease is free (or
	 * ran out) and the job is due. On PostgreSQL a concurrent claim waits for
	 * this row lock and then finds the lease taken; on SQLite BEGIN IMMEDIATE
	 * already made the claims take turns. */
	if (rc == RK_OK)
		rc = store_prepare(
			s,
			"UPDATE sched_job SET holder = ?, lease_until = ?, last_start = ? WHERE name = ? AND lease_until <= ?"
			" AND (? = 1 OR last_start <= ?)",
			&st, err);
	if (rc == RK_OK) {
		store_bind_text(st, 1, str_c(holder));
		store_bind_i64(st, 2, now + RK_SCHED_LEASE_MS);
		store_bind_i64(st, 3, now);
		store_bind_text(st, 4, str_c(name));
		store_bind_i64(st, 5, now);
		store_bind_i64(st, 6, force ? 1 : 0);
		store_bind_i64(st, 7, now - period);
		rc = store_run(st, err);
		*won = rc == RK_OK && store_changes(st) == 1;
		store_done(st);
	}
	if (rc == RK_OK)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	if (rc != RK_OK)
		*won = false;
	return rc;
}

enum rk_status sched_finish(struct store *s, const char *name, const char *holder, int64_t started, int64_t now,
			    int64_t duration_ms, enum rk_status status, const char *message, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"UPDATE sched_job SET holder = '', lease_until = 0, last_end = ?, last_status = ?, last_message = ?,"
		" last_duration = ?, runs = runs + 1 WHERE name = ? AND holder = ? AND last_start = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, now);
	store_bind_text(st, 2, str_c(status == RK_OK ? "ok" : "failed"));
	store_bind_text(st, 3, str_c(message));
	store_bind_i64(st, 4, duration_ms);
	store_bind_text(st, 5, str_c(name));
	store_bind_text(st, 6, str_c(holder));
	store_bind_i64(st, 7, started);
	rc = store_run(st, err);
	int64_t changed = rc == RK_OK ? store_changes(st) : 0;
	store_done(st);
	if (rc == RK_OK && changed != 1)
		rc = rk_fail(err, RK_CONFLICT,
			     "job %s: the lease ran out during the run and was taken by another server", name);
	return rc;
}

enum rk_status sched_state_get(struct store *s, const char *name, struct sched_state *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT holder, lease_until, last_start, last_end, last_duration, runs, last_status, last_message"
		" FROM sched_job WHERE name = ?",
		&st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_text(st, 1, str_c(name));
	bool row = false;
	if ((rc = store_step(st, &row, err)) == RK_OK && row) {
		out->known = true;
		str_copy(out->holder, sizeof out->holder, store_col_text(st, 0));
		out->lease_until = store_col_i64(st, 1);
		out->last_start = store_col_i64(st, 2);
		out->last_end = store_col_i64(st, 3);
		out->last_duration = store_col_i64(st, 4);
		out->runs = store_col_i64(st, 5);
		str_copy(out->last_status, sizeof out->last_status, store_col_text(st, 6));
		str_copy(out->last_message, sizeof out->last_message, store_col_text(st, 7));
	}
	store_done(st);
	return rc;
}

enum rk_status sched_run(const struct sched_env *env, const struct sched_job *j, const char *holder, int64_t now,
			 bool force, bool *ran, struct sched_result *res, struct rk_err *err)
{
	*ran = false;
	memset(res, 0, sizeof *res);
	int64_t period = sched_job_period(j, env->cfg);
	if (!force) {
		/* A read first: most ticks find most jobs not due, and a claim is a
		 * write transaction (on SQLite, the database's write lock). */
		struct sched_state cur;
		enum rk_status rc = sched_state_get(env->store, j->name, &cur, err);
		if (rc != RK_OK)
			return rc;
		if (cur.known && (cur.lease_until > now || cur.last_start > now - period))
			return RK_OK;
	}
	bool won = false;
	enum rk_status rc = sched_claim(env->store, j->name, holder, period, now, force, &won, err);
	if (rc != RK_OK)
		return rc;
	if (!won) {
		if (!force)
			return RK_OK;
		struct sched_state cur;
		if (sched_state_get(env->store, j->name, &cur, err) != RK_OK)
			return err->status;
		char until[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(cur.lease_until, until);
		return rk_fail(err, RK_CONFLICT, "job %s is running on %s (its lease lasts until %s)", j->name,
			       cur.holder, until);
	}
	*ran = true;
	int64_t t0 = time_mono_ms();
	struct rk_err job_err;
	rk_err_clear(&job_err);
	enum rk_status job_rc = j->run(env, now, res, &job_err);
	int64_t took = time_mono_ms() - t0;
	char message[SCHED_MESSAGE_LEN + sizeof job_err.msg + 2];
	if (job_rc == RK_OK)
		snprintf(message, sizeof message, "%s", res->message);
	else
		snprintf(message, sizeof message, "%s: %s", res->message, job_err.msg);
	/* The end is recorded on the job's clock (now + duration), so a test's
	 * clock stays consistent with itself. */
	struct rk_err fin_err;
	rk_err_clear(&fin_err);
	enum rk_status fin =
		sched_finish(env->store, j->name, holder, now, now + took, took, job_rc, message, &fin_err);
	if (job_rc != RK_OK) {
		*err = job_err;
		return job_rc;
	}
	if (fin != RK_OK) {
		*err = fin_err;
		return fin;
	}
	return RK_OK;
}

/* ---- the thread ------------------------------------------------------------- */

struct sched {
	const struct config *cfg;
	struct audit_log *audit;
	char holder[SCHED_HOLDER_LEN];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake; /* signalled by sched_stop */
	bool stopping;
};

/* One tick: every due job, in table order. A failure is logged and the job
 * tried again when due (its lease is freed with the failure recorded). */
static void tick(struct sched *sc, struct store **store)
{
	struct rk_err err;
	rk_err_clear(&err);
	if (!*store) {
		struct store_options opt = {.busy_timeout_ms = (int)sc->cfg->store_busy_timeout_ms};
		if (store_open(sc->cfg->store_url, &opt, store, &err) != RK_OK) {
			log_event(LOG_WARN, "sched.store_unavailable", "error", err.msg, NULL);
			return;
		}
	}
	struct sched_env env = {.store = *store, .cfg = sc->cfg, .audit = sc->audit};
	size_t n = 0;
	const struct sched_job *jobs = sched_jobs(&n);
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&sc->mu);
		bool stop = sc->stopping;
		pthread_mutex_unlock(&sc->mu);
		if (stop)
			return;
		bool ran = false;
		struct sched_result res;
		rk_err_clear(&err);
		enum rk_status rc = sched_run(&env, &jobs[i], sc->holder, time_now_ms(), false, &ran, &res, &err);
		if (rc != RK_OK)
			log_event(LOG_WARN, "sched.job_failed", "job", jobs[i].name, "error", err.msg, NULL);
		else if (ran && res.count > 0)
			log_event(LOG_INFO, "sched.job", "job", jobs[i].name, "result", res.message, NULL);
	}
}

static void *sched_main(void *arg)
{
	struct sched *sc = arg;
	struct store *store = NULL;
	pthread_mutex_lock(&sc->mu);
	while (!sc->stopping) {
		pthread_mutex_unlock(&sc->mu);
		tick(sc, &store);
		pthread_mutex_lock(&sc->mu);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		int64_t ns = until.tv_nsec + (sc->cfg->sched_tick_ms % 1000) * 1000000;
		until.tv_sec += (time_t)(sc->cfg->sched_tick_ms / 1000 + ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		while (!sc->stopping && pthread_cond_timedwait(&sc->wake, &sc->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&sc->mu);
	store_close(store);
	return NULL;
}

enum rk_status sched_start(const struct config *cfg, struct audit_log *audit, struct sched **out, struct rk_err *err)
{
	*out = NULL;
	if (!cfg->sched_enabled)
		return RK_OK;
	struct sched *sc = calloc(1, sizeof *sc);
	if (!sc)
		return rk_fail(err, RK_INTERNAL, "out of memory starting the scheduler");
	sc->cfg = cfg;
	sc->audit = audit;
	sched_holder_id(sc->holder);
	pthread_mutex_init(&sc->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* a wall-clock step neither stalls nor races the ticks */
	pthread_cond_init(&sc->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&sc->thread, NULL, sched_main, sc) != 0) {
		pthread_cond_destroy(&sc->wake);
		pthread_mutex_destroy(&sc->mu);
		free(sc);
		return rk_fail(err, RK_INTERNAL, "cannot start the scheduler thread");
	}
	log_event(LOG_INFO, "sched.started", "holder", sc->holder, NULL);
	*out = sc;
	return RK_OK;
}

void sched_stop(struct sched *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->stopping = true;
	pthread_cond_signal(&sc->wake);
	pthread_mutex_unlock(&sc->mu);
	pthread_join(sc->thread, NULL);
	pthread_cond_destroy(&sc->wake);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}
