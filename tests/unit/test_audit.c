/* test_audit.c — unit tests for the audit chain (audit/audit.h) on a SQLite
 * file: entries appended inside the caller's transaction are durable with its
 * commit and gone with its rollback, never outside one; the writer thread and
 * several threads appending in their own transactions share one chain that
 * verifies, with times that never go back (even when the head's time is
 * ahead of the clock); the keyed head and the checkpoint file catch a
 * rewritten head, a rolled-back head and an altered checkpoint; another key
 * is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <pthread.h>

#include "audit/audit.h"
#include "audit/checkpoint.h"
#include "config/config.h"
#include "core/time.h"
#include "store/store.h"

static char dir[512], db[600];
static struct config cfg;
static struct rk_err E;
#define ERR (rk_err_clear(&E), &E)

#define OK(expr)                                                                     \
	do {                                                                         \
		enum rk_status st_ = (expr);                                         \
		if (st_ != RK_OK)                                                    \
			fail_msg("%s -> %s: %s", #expr, rk_status_name(st_), E.msg); \
	} while (0)

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("RENKEI_TEST_TMP");
	mkdir(tmp && *tmp ? tmp : "/tmp", 0700);
	snprintf(dir, sizeof dir, "%s/audit-unit-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0 || mkdir(dir, 0700) != 0)
		return -1;
	snprintf(db, sizeof db, "%s/r.db", dir);
	config_defaults(&cfg);
	char set[700];
	snprintf(set, sizeof set, "store.url=sqlite:%s", db);
	struct rk_err err;
	rk_err_clear(&err);
	if (config_set(&cfg, set, &err) != RK_OK || config_finish(&cfg, &err) != RK_OK)
		return -1;
	struct store *s = NULL;
	if (store_open(cfg.store_url, NULL, &s, &err) != RK_OK || store_migrate(s, &err) != RK_OK)
		return -1;
	store_close(s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct store *open_store(void)
{
	struct store *s = NULL;
	OK(store_open(cfg.store_url, NULL, &s, ERR));
	return s;
}

static int64_t scalar(struct store *s, const char *sql)
{
	struct store_stmt *st;
	OK(store_prepare(s, sql, &st, ERR));
	bool row = false;
	OK(store_step(st, &row, ERR));
	int64_t v = row ? store_col_i64(st, 0) : -1;
	store_done(st);
	return v;
}

static struct audit_verify_report verify(struct store *s)
{
	struct audit_verify_report rep;
	OK(audit_verify_config(&cfg, s, &rep, ERR));
	return rep;
}

static const struct audit_event EV = {.event = "create", .action = 'C', .account = "unit", .query = "POST /fhir/x"};

static void test_append_commits_with_the_transaction(void **state)
{
	(void)state;
	struct audit_log *log = NULL;
	OK(audit_open(&cfg, &log, ERR));
	struct store *s = open_store();
	int64_t seq = 0;
	assert_int_equal(audit_append(log, s, &EV, &seq, ERR), RK_INTERNAL); /* never on its own */
	OK(store_begin(s, ERR));
	OK(audit_append(log, s, &EV, &seq, ERR));
	assert_int_equal(seq, 1);
	store_rollback(s);
	assert_int_equal(scalar(s, "SELECT COUNT(*) FROM audit_entry"), 0);
	OK(store_begin(s, ERR));
	OK(store_begin(s, ERR)); /* a nested level, as the pipeline's inside a request */
	struct audit_event two[2] = {EV, EV};
	two[1].event = "update";
	OK(audit_append_many(log, s, two, 2, &seq, ERR));
	assert_int_equal(seq, 1);
	OK(store_commit(s, ERR));
	OK(audit_append(log, s, &EV, &seq, ERR));
	assert_int_equal(seq, 3);
	OK(store_commit(s, ERR));
	OK(audit_write(log, &EV, &seq, ERR)); /* the writer thread continues the same chain */
	assert_int_equal(seq, 4);
	audit_close(log);
	struct audit_verify_report rep = verify(s);
	assert_false(rep.tampered);
	assert_int_equal(rep.entries, 4);
	assert_int_equal(rep.checkpoint, 4); /* written when the log closed */
	store_close(s);
}

struct worker_arg {
	struct audit_log *log;
	int n;
};

static void *appender(void *p)
{
	struct worker_arg *a = p;
	struct store *s = NULL;
	struct rk_err err;
	rk_err_clear(&err);
	struct store_options opt = {.busy_timeout_ms = 20000};
	if (store_open(cfg.store_url, &opt, &s, &err) != RK_OK)
		return "open";
	for (int i = 0; i < a->n; i++) {
		if (store_begin(s, &err) != RK_OK || audit_append(a->log, s, &EV, NULL, &err) != RK_OK ||
		    store_commit(s, &err) != RK_OK) {
			store_close(s);
			return "append";
		}
		if (audit_write(a->log, &EV, NULL, &err) != RK_OK) {
			store_close(s);
			return "write";
		}
	}
	store_close(s);
	return NULL;
}

static void test_threads_share_one_chain_forward_in_time(void **state)
{
	(void)state;
	struct audit_log *log = NULL;
	OK(audit_open(&cfg, &log, ERR));
	struct store *s = open_store();
	/* the head's time ahead of this clock (another server's, or a stepped
	 * clock): new entries take the head's time, never an earlier one */
	OK(audit_write(log, &EV, NULL, ERR));
	int64_t ahead = time_now_ms() + 3600 * 1000;
	unsigned char key[AUDIT_KEY_BYTES];
	char key_path[700], log_id[33], hash[65], mac[65], sql[400];
	audit_key_path(&cfg, key_path, sizeof key_path);
	OK(audit_key_load(key_path, false, key, ERR));
	struct store_stmt *st;
	OK(store_prepare(s, "SELECT k.log_id, h.hash FROM audit_key_check k, audit_head h", &st, ERR));
	bool row = false;
	OK(store_step(st, &row, ERR));
	assert_true(row);
	str_copy(log_id, sizeof log_id, store_col_text(st, 0));
	str_copy(hash, sizeof hash, store_col_text(st, 1));
	store_done(st);
	audit_head_mac(key, log_id, 1, hash, ahead, mac);
	snprintf(sql, sizeof sql, "UPDATE audit_head SET recorded_at = %lld, mac = '%s'", (long long)ahead, mac);
	OK(store_exec(s, sql, ERR));
	pthread_t t[4];
	struct worker_arg a = {.log = log, .n = 25};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, appender, &a), 0);
	for (int i = 0; i < 4; i++) {
		void *r = NULL;
		pthread_join(t[i], &r);
		assert_null(r);
	}
	audit_close(log);
	assert_int_equal(scalar(s, "SELECT COUNT(*) FROM audit_entry"), 201);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_entry WHERE seq > 1 AND recorded_at < %lld",
		 (long long)ahead);
	assert_int_equal(scalar(s, sql), 0);
	assert_int_equal(scalar(s, "SELECT COUNT(*) FROM audit_entry a JOIN audit_entry b ON b.seq = a.seq + 1"
				   " WHERE b.recorded_at < a.recorded_at"),
			 0);
	struct audit_verify_report rep = verify(s);
	assert_false(rep.tampered);
	assert_int_equal(rep.entries, 201);
	store_close(s);
}

static void test_head_and_checkpoint_tampering(void **state)
{
	(void)state;
	struct audit_log *log = NULL;
	OK(audit_open(&cfg, &log, ERR));
	for (int i = 0; i < 6; i++)
		OK(audit_write(log, &EV, NULL, ERR));
	audit_close(log); /* checkpoint: entry 6 */
	struct store *s = open_store();
	char old_head[400];
	{
		struct store_stmt *st;
		OK(store_prepare(s, "SELECT seq, hash, recorded_at, mac FROM audit_head", &st, ERR));
		bool row;
		OK(store_step(st, &row, ERR));
		snprintf(old_head, sizeof old_head,
			 "UPDATE audit_head SET seq = %lld, hash = '%.*s', recorded_at = %lld, mac = '%.*s'",
			 (long long)store_col_i64(st, 0), STR_FMT(store_col_text(st, 1)),
			 (long long)store_col_i64(st, 2), STR_FMT(store_col_text(st, 3)));
		store_done(st);
	}
	OK(audit_open(&cfg, &log, ERR));
	for (int i = 0; i < 4; i++)
		OK(audit_write(log, &EV, NULL, ERR));
	audit_close(log); /* checkpoint: entry 10 */

	/* the tail removed, the head pointed at the new last entry: its HMAC */
	OK(store_exec(
		s,
		"BEGIN; CREATE TABLE saved AS SELECT * FROM audit_entry; CREATE TABLE saved_head AS SELECT * FROM audit_head;"
		"DELETE FROM audit_entry WHERE seq > 8;"
		"UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_entry WHERE seq = 8); COMMIT",
		ERR));
	struct audit_verify_report rep = verify(s);
	assert_true(rep.tampered);
	assert_int_equal(rep.first_bad, 8);
	assert_non_null(strstr(rep.problem, "rewritten outside renkei"));
	assert_int_equal(audit_open(&cfg, &log, ERR), RK_CONFLICT); /* nothing is appended to it */
	assert_non_null(strstr(E.msg, "HMAC does not match"));

	/* the tail removed, an older valid head restored: the checkpoint */
	OK(store_exec(s, "DELETE FROM audit_entry WHERE seq > 6", ERR));
	OK(store_exec(s, old_head, ERR));
	rep = verify(s);
	assert_true(rep.tampered);
	assert_int_equal(rep.first_bad, 7);
	assert_non_null(strstr(rep.problem, "names entry 10: entries 7 to 10 were removed"));
	assert_int_equal(audit_open(&cfg, &log, ERR), RK_CONFLICT);
	assert_non_null(strstr(E.msg, "checkpoint"));

	/* restored: intact again; then the checkpoint file altered */
	OK(store_exec(s,
		      "BEGIN; DELETE FROM audit_entry; INSERT INTO audit_entry SELECT * FROM saved;"
		      "DELETE FROM audit_head; INSERT INTO audit_head SELECT * FROM saved_head; COMMIT",
		      ERR));
	rep = verify(s);
	assert_false(rep.tampered);
	assert_int_equal(rep.checkpoint, 10);
	char cp[700];
	snprintf(cp, sizeof cp, "%s.audit.checkpoint", db);
	FILE *f = fopen(cp, "r+");
	assert_non_null(f);
	char line[512];
	assert_non_null(fgets(line, sizeof line, f));
	char *seq = strstr(line, " 10 "); /* claim another end */
	assert_non_null(seq);
	seq[2] = '9';
	rewind(f);
	fputs(line, f);
	fclose(f);
	rep = verify(s);
	assert_true(rep.tampered);
	assert_non_null(strstr(rep.problem, "not signed by the audit key"));
	store_close(s);
}

static void test_another_key_is_refused(void **state)
{
	(void)state;
	struct audit_log *log = NULL;
	OK(audit_open(&cfg, &log, ERR));
	OK(audit_write(log, &EV, NULL, ERR));
	audit_close(log);
	char other[700], set[760];
	snprintf(other, sizeof other, "%s/other.key", dir);
	FILE *f = fopen(other, "w");
	assert_non_null(f);
	for (int i = 0; i < AUDIT_KEY_BYTES; i++)
		fputc(i * 7 + 1, f);
	fclose(f);
	snprintf(set, sizeof set, "audit.key_file=%s", other);
	OK(config_set(&cfg, set, ERR));
	assert_int_equal(audit_open(&cfg, &log, ERR), RK_INVALID);
	assert_non_null(strstr(E.msg, "is not the key this audit log was created with"));
	struct store *s = open_store();
	struct audit_verify_report rep;
	assert_int_equal(audit_verify_config(&cfg, s, &rep, ERR), RK_INVALID);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_commits_with_the_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_one_chain_forward_in_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_and_checkpoint_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_another_key_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
