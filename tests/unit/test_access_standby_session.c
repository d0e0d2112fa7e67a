/* test_access_standby_session.c — unit tests for access/standby_session.h, a
 * read-only standby's memory: sessions put, replaced and evicted (an ended
 * one first, else the least recently used), failure counts per ID and
 * address and their clearing, one-time codes used once (newer than the
 * stored step and every step accepted), episodes active only in their time
 * and only for their account, and a re-authentication used up once. The
 * module's state is the process's: each test uses names of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "access/standby_session.h"

static struct standby_session session(const char *hash, const char *account, int64_t last_seen)
{
	struct standby_session s = {.stage = STAGE_OK, .created_at = 1, .last_seen = last_seen, .expires_at = 1000000};
	snprintf(s.hash, sizeof s.hash, "%s", hash);
	snprintf(s.account, sizeof s.account, "%s", account);
	return s;
}

static void test_enable(void **state)
{
	(void)state;
	standby_sessions_enable();
	assert_true(standby_sessions_on());
}

static void test_sessions(void **state)
{
	(void)state;
	struct standby_session got;
	assert_false(standby_session_get("nope", &got));
	struct standby_session s = session("h-one", "dr.one", 10);
	standby_session_put(&s);
	assert_true(standby_session_get("h-one", &got));
	assert_string_equal(got.account, "dr.one");
	assert_int_equal(got.last_seen, 10);
	s.last_seen = 20;
	s.stage = STAGE_TOTP;
	standby_session_put(&s); /* replaced, not added */
	assert_true(standby_session_get("h-one", &got));
	assert_int_equal(got.last_seen, 20);
	assert_int_equal(got.stage, STAGE_TOTP);
}

static void test_eviction(void **state)
{
	(void)state;
	char hash[65];
	/* fill the table: test_sessions left one ("h-one") */
	for (int i = 0; i < STANDBY_MAX_SESSIONS - 1; i++) {
		snprintf(hash, sizeof hash, "fill-%d", i);
		struct standby_session s = session(hash, "dr.fill", 1000 + i);
		standby_session_put(&s);
	}
	struct standby_session got;
	/* no ended one: the least recently used goes ("h-one", last seen at 20) */
	struct standby_session s = session("h-new", "dr.new", 5000);
	standby_session_put(&s);
	assert_true(standby_session_get("h-new", &got));
	assert_false(standby_session_get("h-one", &got));
	/* an ended one goes before an older live one */
	assert_true(standby_session_get("fill-100", &got));
	got.ended = true;
	standby_session_put(&got);
	s = session("h-newer", "dr.new", 6000);
	standby_session_put(&s);
	assert_false(standby_session_get("fill-100", &got));
	assert_true(standby_session_get("fill-0", &got)); /* older, but live */
	assert_true(standby_session_get("h-newer", &got));
}

static void test_failures(void **state)
{
	(void)state;
	struct standby_failures f;
	standby_failures_get("nurse.a", "192.0.2.1", &f);
	assert_int_equal(f.count, 0);
	standby_failures_put("nurse.a", "192.0.2.1", &(struct standby_failures){3, 500, 400});
	standby_failures_put("nurse.a", "*", &(struct standby_failures){4, 0, 400});
	standby_failures_put("nurse.b", "*", &(struct standby_failures){1, 0, 300});
	standby_failures_get("nurse.a", "192.0.2.1", &f);
	assert_int_equal(f.count, 3);
	assert_int_equal(f.locked_until, 500);
	standby_failures_get("nurse.a", "192.0.2.2", &f); /* another address: its own count */
	assert_int_equal(f.count, 0);
	standby_failures_clear("nurse.a");
	standby_failures_get("nurse.a", "192.0.2.1", &f);
	assert_int_equal(f.count, 0);
	standby_failures_get("nurse.a", "*", &f);
	assert_int_equal(f.count, 0);
	standby_failures_get("nurse.b", "*", &f); /* another ID: untouched */
	assert_int_equal(f.count, 1);
}

static void test_totp_once(void **state)
{
	(void)state;
	assert_false(standby_totp_claim("dr.totp", 100, 100)); /* the stored step itself: used on the primary */
	assert_true(standby_totp_claim("dr.totp", 101, 100));
	assert_false(standby_totp_claim("dr.totp", 101, 100)); /* replay */
	assert_false(standby_totp_claim("dr.totp", 100, 99));  /* older than one accepted here */
	assert_true(standby_totp_claim("dr.totp", 102, 100));
	assert_true(standby_totp_claim("dr.other", 101, 100)); /* per account */
}

static void test_episodes(void **state)
{
	(void)state;
	struct standby_episode e = {
		.id = "ep1", .account = "dr.ep", .regional = "R1", .started_at = 100, .expires_at = 200};
	standby_episode_add(&e);
	struct standby_episode e2 = {
		.id = "ep2", .account = "dr.ep2", .regional = "R2", .started_at = 100, .expires_at = 300};
	standby_episode_add(&e2);
	struct standby_episode out[4];
	assert_int_equal(standby_episodes_of("dr.ep", 150, out, 4), 1);
	assert_string_equal(out[0].id, "ep1");
	assert_string_equal(out[0].regional, "R1");
	assert_int_equal(standby_episodes_of("dr.ep", 99, out, 4), 0);  /* not yet */
	assert_int_equal(standby_episodes_of("dr.ep", 200, out, 4), 0); /* over */
	assert_int_equal(standby_episodes_of("dr.nobody", 150, out, 4), 0);
	assert_int_equal(standby_episodes_of("dr.ep2", 250, out, 4), 1);
}

static void test_reauth_once(void **state)
{
	(void)state;
	assert_false(standby_reauth_consume("h-missing", 1000, 300));
	struct standby_session s = session("h-reauth", "dr.re", 900);
	standby_session_put(&s);
	assert_false(standby_reauth_consume("h-reauth", 1000, 300)); /* never re-authenticated */
	s.reauth_at = 800;
	standby_session_put(&s);
	assert_true(standby_reauth_consume("h-reauth", 1000, 300));
	assert_false(standby_reauth_consume("h-reauth", 1000, 300)); /* used up */
	s.reauth_at = 600;
	standby_session_put(&s);
	assert_false(standby_reauth_consume("h-reauth", 1000, 300)); /* too old */
	s.reauth_at = 900;
	s.ended = true;
	standby_session_put(&s);
	assert_false(standby_reauth_consume("h-reauth", 1000, 300)); /* the session ended */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enable),      cmocka_unit_test(test_sessions),  cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_failures),    cmocka_unit_test(test_totp_once), cmocka_unit_test(test_episodes),
		cmocka_unit_test(test_reauth_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
