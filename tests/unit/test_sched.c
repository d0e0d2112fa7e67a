/* test_sched.c — unit tests for the scheduler (sched/sched.h) against a real
 * SQLite file, with the clock passed in: the claim (two connections on one
 * file claiming one job: exactly one wins, also when they race; not again
 * before the period; a crashed holder's lease runs out), the record of a run,
 * and each job: expired episodes and declarations closed once and audited
 * once, sessions ended and deleted, old tokens and failed logins deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>

#include "core/limits.h"
#include "sched/sched.h"

static char tmpdir[512];
static int db_counter;

struct fixture {
	char url[640], key[640];
	struct config cfg;
	struct store *a, *b;
	struct audit_log *log;
	struct sched_env env;
};

static struct store *open_store(const char *url)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct store_options opt = {.busy_timeout_ms = 10000};
	struct store *s = NULL;
	assert_int_equal(store_open(url, &opt, &s, &err), RK_OK);
	assert_int_equal(store_migrate(s, &err), RK_OK);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char path[600];
	snprintf(path, sizeof path, "%s/sched-%ld-%d.db", tmpdir, (long)getpid(), db_counter++);
	unlink(path);
	snprintf(f->url, sizeof f->url, "store.url=sqlite:%s", path);
	snprintf(f->key, sizeof f->key, "audit.key_file=%s.key", path);
	unlink(f->key + strlen("audit.key_file="));
	config_defaults(&f->cfg);
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(config_set(&f->cfg, f->url, &err), RK_OK);
	assert_int_equal(config_set(&f->cfg, f->key, &err), RK_OK);
	assert_int_equal(config_set(&f->cfg, "sched.tick=10s", &err), RK_OK);
	f->a = open_store(f->cfg.store_url);
	f->b = open_store(f->cfg.store_url);
	assert_int_equal(audit_open(&f->cfg, &f->log, &err), RK_OK);
	f->env = (struct sched_env){.store = f->a, .cfg = &f->cfg, .audit = f->log};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	audit_close(f->log);
	store_close(f->a);
	store_close(f->b);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static void exec(struct store *s, const char *sql)
{
	struct rk_err err;
	rk_err_clear(&err);
	if (store_exec(s, sql, &err) != RK_OK)
		fail_msg("%s: %s", sql, err.msg);
}

static int64_t scalar(struct store *s, const char *sql)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct store_stmt *st;
	assert_int_equal(store_prepare(s, sql, &st, &err), RK_OK);
	bool row = false;
	assert_int_equal(store_step(st, &row, &err), RK_OK);
	assert_true(row);
	int64_t v = store_col_i64(st, 0);
	store_done(st);
	return v;
}

/* ---- the claim ---------------------------------------------------------------- */

static void test_claim_one_wins(void **state)
{
	struct fixture *f = *state;
	struct rk_err err;
	rk_err_clear(&err);
	bool a = false, b = false;
	const int64_t now = 1000000, period = 60000;
	assert_int_equal(sched_claim(f->a, "job", "A", period, now, false, &a, &err), RK_OK);
	assert_int_equal(sched_claim(f->b, "job", "B", period, now, false, &b, &err), RK_OK);
	assert_true(a);
	assert_false(b);
	/* held: not even forced */
	assert_int_equal(sched_claim(f->b, "job", "B", period, now + 1, true, &b, &err), RK_OK);
	assert_false(b);
	assert_int_equal(sched_finish(f->a, "job", "A", now, now + 5, 5, RK_OK, "did it", &err), RK_OK);
	/* free, but not due before the period has passed (forced: yes) */
	assert_int_equal(sched_claim(f->b, "job", "B", period, now + period - 1, false, &b, &err), RK_OK);
	assert_false(b);
	assert_int_equal(sched_claim(f->b, "job", "B", period, now + period, false, &b, &err), RK_OK);
	assert_true(b);
	struct sched_state st;
	assert_int_equal(sched_state_get(f->a, "job", &st, &err), RK_OK);
	assert_true(st.known);
	assert_string_equal(st.holder, "B");
	assert_int_equal(st.last_start, now + period);
	assert_string_equal(st.last_status, "ok");
	assert_string_equal(st.last_message, "did it");
	assert_int_equal(st.runs, 1);
}

static void test_crashed_holder_lease_runs_out(void **state)
{
	struct fixture *f = *state;
	struct rk_err err;
	rk_err_clear(&err);
	bool a = false, b = false;
	const int64_t now = 5000000, period = 1000;
	assert_int_equal(sched_claim(f->a, "job", "A", period, now, false, &a, &err), RK_OK);
	assert_true(a); /* ...and A crashes without finishing */
	assert_int_equal(sched_claim(f->b, "job", "B", period, now + RK_SCHED_LEASE_MS - 1, false, &b, &err), RK_OK);
	assert_false(b);
	assert_int_equal(sched_claim(f->b, "job", "B", period, now + RK_SCHED_LEASE_MS, false, &b, &err), RK_OK);
	assert_true(b);
	/* A comes back: its run is not recorded over B's */
	assert_int_equal(sched_finish(f->a, "job", "A", now, now + 1, 1, RK_OK, "late", &err), RK_CONFLICT);
	assert_int_equal(sched_finish(f->b, "job", "B", now + RK_SCHED_LEASE_MS, now + RK_SCHED_LEASE_MS + 1, 1, RK_OK,
				      "mine", &err),
			 RK_OK);
	struct sched_state st;
	assert_int_equal(sched_state_get(f->a, "job", &st, &err), RK_OK);
	assert_string_equal(st.last_message, "mine");
	assert_string_equal(st.holder, "");
}

struct racer {
	struct store *s;
	const char *holder;
	int64_t now;
	pthread_barrier_t *go;
	bool won;
	enum rk_status rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct rk_err err;
	rk_err_clear(&err);
	pthread_barrier_wait(r->go);
	r->rc = sched_claim(r->s, "raced", r->holder, 1000, r->now, false, &r->won, &err);
	return NULL;
}

static void test_claim_race(void **state)
{
	struct fixture *f = *state;
	pthread_barrier_t go;
	for (int round = 0; round < 20; round++) {
		int64_t now = 10000000 + (int64_t)round * 1000;
		pthread_barrier_init(&go, NULL, 2);
		struct racer r[2] = {{f->a, "A", now, &go, false, RK_OK}, {f->b, "B", now, &go, false, RK_OK}};
		pthread_t t[2];
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, race, &r[i]);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		assert_int_equal(r[0].rc, RK_OK);
		assert_int_equal(r[1].rc, RK_OK);
		assert_int_equal((int)r[0].won + (int)r[1].won, 1);
		struct rk_err err;
		rk_err_clear(&err);
		const char *h = r[0].won ? "A" : "B";
		assert_int_equal(sched_finish(f->a, "raced", h, now, now, 0, RK_OK, "", &err), RK_OK);
	}
}

static void test_run_records(void **state)
{
	struct fixture *f = *state;
	struct rk_err err;
	rk_err_clear(&err);
	const struct sched_job *j = sched_job_find("token-purge");
	assert_non_null(j);
	assert_null(sched_job_find("no-such-job"));
	bool ran = false;
	struct sched_result res;
	assert_int_equal(sched_run(&f->env, j, "A", 7200000, false, &ran, &res, &err), RK_OK);
	assert_true(ran);
	assert_int_equal(sched_run(&f->env, j, "A", 7200001, false, &ran, &res, &err), RK_OK);
	assert_false(ran); /* hourly */
	struct sched_state st;
	assert_int_equal(sched_state_get(f->b, "token-purge", &st, &err), RK_OK);
	assert_string_equal(st.last_status, "ok");
	assert_string_equal(st.last_message, "0 token(s) deleted");
	assert_int_equal(st.runs, 1);
	/* forced while another server holds it: a conflict naming the holder */
	bool won = false;
	assert_int_equal(sched_claim(f->b, "disaster-close", "server-b", 10000, 9000000, false, &won, &err), RK_OK);
	assert_true(won);
	assert_int_equal(sched_run(&f->env, sched_job_find("disaster-close"), "A", 9000001, true, &ran, &res, &err),
			 RK_CONFLICT);
	assert_false(ran);
	assert_non_null(strstr(err.msg, "server-b"));
	/* the expiry jobs' period is the tick */
	assert_int_equal(sched_job_period(sched_job_find("emergency-expire"), &f->cfg), 10000);
}

/* ---- the jobs ------------------------------------------------------------------ */

static void test_emergency_expire(void **state)
{
	struct fixture *f = *state;
	exec(f->a,
	     "INSERT INTO emergency_episode VALUES"
	     " ('E1', 'dr.a', '2011000029', 'R0001', 'unconscious', 'x', 100, 1000, 0, 'pending', 9, '', 0, ''),"
	     " ('E2', 'dr.a', '2011000029', 'R0002', 'unconscious', 'x', 100, 9000, 0, 'pending', 9, '', 0, ''),"
	     " ('E3', 'dr.b', '2011000029', 'R0003', 'unconscious', 'x', 100, 1000, 500, 'pending', 9, '', 0, ''),"
	     " ('E4', 'dr.b', '2011000029', 'R0004', 'unconscious', 'x', 100, 5000, 0, 'pending', 9, '', 0, '')");
	struct rk_err err;
	rk_err_clear(&err);
	struct sched_result res;
	assert_int_equal(sched_emergency_expire(&f->env, 5000, &res, &err), RK_OK);
	assert_int_equal(res.count, 2); /* E1 and E4 (time up exactly now) */
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM emergency_episode WHERE episode_id = 'E1'"), 1000);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM emergency_episode WHERE episode_id = 'E4'"), 5000);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM emergency_episode WHERE episode_id = 'E2'"), 0);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM emergency_episode WHERE episode_id = 'E3'"), 500);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM audit_entry WHERE event = 'emergency-expired'"), 2);
	assert_int_equal(
		scalar(f->b, "SELECT COUNT(*) FROM audit_entry WHERE event = 'emergency-expired' AND grant_ref = 'E1'"
			     " AND grant_kind = 'emergency' AND facility_code = '2011000029'"
			     " AND patients = '[\"R0001\"]' AND account_id = 'scheduler'"),
		1);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM audit_patient WHERE regional_id = 'R0004'"), 1);
	/* again, and from the other connection: nothing more */
	struct sched_env other = f->env;
	other.store = f->b;
	assert_int_equal(sched_emergency_expire(&other, 6000, &res, &err), RK_OK);
	assert_int_equal(res.count, 0);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM audit_entry WHERE event = 'emergency-expired'"), 2);
	/* later, E2's time is up too */
	assert_int_equal(sched_emergency_expire(&f->env, 9000, &res, &err), RK_OK);
	assert_int_equal(res.count, 1);
	assert_string_equal(res.message, "1 episode(s) closed");
}

static void test_emergency_expire_batches(void **state)
{
	struct fixture *f = *state;
	char sql[256];
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(store_begin(f->a, &err), RK_OK);
	for (int i = 0; i < RK_SCHED_BATCH + 3; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO emergency_episode VALUES ('B%04d', 'dr.a', '2011000029', 'R%04d',"
			 " 'other', 'x', 100, %d, 0, 'pending', 9, '', 0, '')",
			 i, i, 1000 + i);
		exec(f->a, sql);
	}
	assert_int_equal(store_commit(f->a, &err), RK_OK);
	struct sched_result res;
	assert_int_equal(sched_emergency_expire(&f->env, 1000000, &res, &err), RK_OK);
	assert_int_equal(res.count, RK_SCHED_BATCH + 3);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM emergency_episode WHERE ended_at = 0"), 0);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM audit_entry WHERE event = 'emergency-expired'"),
			 RK_SCHED_BATCH + 3);
}

static void test_disaster_close(void **state)
{
	struct fixture *f = *state;
	exec(f->a,
	     "INSERT INTO disaster_declaration (declaration_id, area, declared_by, note, started_at, ends_at, ended_at) VALUES ('D1', '長野県', 'operator', '訓練', 0, 3600, 0),"
	     " ('D2', '長野県松本市', 'operator', '', 0, 999999, 0), ('D3', '長野県', 'operator', '', 0, 3600, 10)");
	struct rk_err err;
	rk_err_clear(&err);
	struct sched_result res;
	assert_int_equal(sched_disaster_close(&f->env, 4000, &res, &err), RK_OK);
	assert_int_equal(res.count, 1);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM disaster_declaration WHERE declaration_id = 'D1'"), 3600);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM disaster_declaration WHERE declaration_id = 'D2'"), 0);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM disaster_declaration WHERE declaration_id = 'D3'"), 10);
	assert_int_equal(scalar(f->b,
				"SELECT COUNT(*) FROM audit_entry WHERE event = 'disaster-closed' AND grant_ref = 'D1'"
				" AND grant_kind = 'disaster' AND patients = '[]'"),
			 1);
	assert_int_equal(sched_disaster_close(&f->env, 5000, &res, &err), RK_OK);
	assert_int_equal(res.count, 0);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM audit_entry WHERE event = 'disaster-closed'"), 1);
}

static void test_session_purge(void **state)
{
	struct fixture *f = *state;
	/* idle limit 15 min, retention 90 days by default; now = 100 days */
	const int64_t day = 86400000, now = 100 * day, idle = f->cfg.session_idle_ms;
	char sql[1400];
	snprintf(
		sql, sizeof sql,
		"INSERT INTO web_session (token_hash, account_id, stage, csrf_token, created_at, last_seen, expires_at,"
		" authenticated_at, reauth_at, client_addr, ended_at) VALUES"
		" ('live', 'a', 'ok', 'c', %lld, %lld, %lld, 0, 0, '', 0),"
		" ('idle', 'a', 'ok', 'c', %lld, %lld, %lld, 0, 0, '', 0),"
		" ('absolute', 'a', 'ok', 'c', %lld, %lld, %lld, 0, 0, '', 0),"
		" ('old', 'a', 'ok', 'c', 0, 0, 1, 0, 0, '', %lld),"
		" ('recent', 'a', 'ok', 'c', 0, 0, 1, 0, 0, '', %lld)",
		(long long)(now - 1000), (long long)(now - 1000), (long long)(now + day), (long long)(now - day),
		(long long)(now - idle - 5), (long long)(now + day), (long long)(now - day), (long long)(now - 60000),
		(long long)(now - 30000), (long long)(now - 91 * day), (long long)(now - 89 * day));
	exec(f->a, sql);
	struct rk_err err;
	rk_err_clear(&err);
	struct sched_result res;
	assert_int_equal(sched_session_purge(&f->env, now, &res, &err), RK_OK);
	assert_string_equal(res.message, "2 session(s) ended, 1 deleted");
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM web_session WHERE token_hash = 'live'"), 0);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM web_session WHERE token_hash = 'idle'"), now - 5);
	assert_int_equal(scalar(f->b, "SELECT ended_at FROM web_session WHERE token_hash = 'absolute'"), now - 30000);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM web_session WHERE token_hash = 'old'"), 0);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM web_session"), 4);
}

static void test_token_and_login_failure_purge(void **state)
{
	struct fixture *f = *state;
	const int64_t day = 86400000, now = 200 * day;
	char sql[1000];
	snprintf(
		sql, sizeof sql,
		"INSERT INTO oauth_token VALUES ('old', 'h', 'c', 's', 0, %lld, 0), ('revoked', 'h', 'c', 's', 0, %lld, %lld),"
		" ('expired', 'h', 'c', 's', 0, %lld, 0), ('live', 'h', 'c', 's', 0, %lld, 0);"
		"INSERT INTO login_failure VALUES ('x', '*', 3, 0, %lld), ('y', '*', 3, 0, %lld), ('z', '*', 60, %lld, %lld)",
		(long long)(now - 91 * day), (long long)(now - 95 * day), (long long)(now - 96 * day),
		(long long)(now - day), (long long)(now + 60000), (long long)(now - 2 * day),
		(long long)(now - 3600000), (long long)(now + 3600000), (long long)(now - 2 * day));
	exec(f->a, sql);
	struct rk_err err;
	rk_err_clear(&err);
	struct sched_result res;
	assert_int_equal(sched_token_purge(&f->env, now, &res, &err), RK_OK);
	assert_int_equal(res.count, 2);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM oauth_token WHERE token_id IN ('expired', 'live')"), 2);
	assert_int_equal(sched_login_failure_purge(&f->env, now, &res, &err), RK_OK);
	assert_int_equal(res.count, 1); /* x: a day without failure; y: recent; z: still locked */
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM login_failure WHERE login_id = 'x'"), 0);
	assert_int_equal(scalar(f->b, "SELECT COUNT(*) FROM login_failure"), 2);
}

int main(void)
{
	const char *t = getenv("RENKEI_TEST_TMP");
	snprintf(tmpdir, sizeof tmpdir, "%s", t && *t ? t : "/tmp");
	mkdir(tmpdir, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_one_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crashed_holder_lease_runs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_expire_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disaster_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_purge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_and_login_failure_purge, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
