/* test_access_password.c — unit tests for access/password.h: the Argon2id
 * round trip, wrong passwords, malformed and over-costly hashes, rehash
 * decisions, and every reason of the policy with Japanese names in the
 * context. Argon2 at the INTERACTIVE cost runs only three times (slow under
 * ASan); other hashes are made at the minimum cost or written by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "access/password.h"

static const char passphrase[] = "correct horse battery staple";

static void test_hash_roundtrip(void **state)
{
	(void)state;
	char hash[PASSWORD_HASH_MAX];
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(password_hash(passphrase, hash, &err), RK_OK);
	assert_non_null(memchr(hash, '\0', sizeof hash));
	assert_true(strncmp(hash, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
	assert_true(password_verify(hash, passphrase));
	assert_false(password_verify(hash, "correct horse battery stapler"));
	assert_false(password_needs_rehash(hash));
}

static void test_hash_too_long(void **state)
{
	(void)state;
	char pw[PASSWORD_MAX_BYTES + 2];
	memset(pw, 'a', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	char hash[PASSWORD_HASH_MAX] = "untouched";
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(password_hash(pw, hash, &err), RK_INVALID);
	assert_int_equal(err.status, RK_INVALID);
	assert_non_null(strstr(err.msg, "longer than 128 bytes"));
	assert_string_equal(hash, "untouched");
	rk_err_clear(&err);
	assert_int_equal(password_hash(NULL, hash, &err), RK_INVALID);
	/* Over-long passwords never verify (no Argon2 run: the hash is made up). */
	assert_false(password_verify("$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g", pw));
}

static void test_verify_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"x",
		"$argon2i$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",   /* Argon2i, not id */
		"$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", /* bcrypt */
		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0",              /* no hash */
		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$",
		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g$",
		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNh bHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=99999999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$t=2,m=65536,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		/* Well-formed but costlier than the SENSITIVE preset: 4 GiB, 100 passes. */
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
		"$argon2id$v=19$m=65536,t=100,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (password_verify(bad[i], passphrase))
			fail_msg("hash \"%s\" verified", bad[i]);
	assert_false(password_verify(NULL, passphrase));
	assert_false(password_verify("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g", NULL));
	/* Not NUL-terminated within PASSWORD_HASH_MAX. */
	char unterminated[PASSWORD_HASH_MAX + 8];
	memset(unterminated, 'a', sizeof unterminated - 1);
	unterminated[sizeof unterminated - 1] = '\0';
	assert_false(password_verify(unterminated, passphrase));
	assert_true(password_needs_rehash(unterminated));
}

static void test_needs_rehash(void **state)
{
	(void)state;
	/* A real hash at the minimum cost: verifies, and wants a rehash. */
	assert_true(sodium_init() >= 0);
	char weak[crypto_pwhash_argon2id_STRBYTES];
	assert_int_equal(crypto_pwhash_argon2id_str(weak, "secret", 6, crypto_pwhash_argon2id_OPSLIMIT_MIN,
						    crypto_pwhash_argon2id_MEMLIMIT_MIN),
			 0);
	assert_true(password_verify(weak, "secret"));
	assert_false(password_verify(weak, "Secret"));
	assert_true(password_needs_rehash(weak));

	/* Parameters only: salt and hash are made up. */
	assert_false(password_needs_rehash("$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g"));
	assert_false(password_needs_rehash("$argon2id$v=19$m=262144,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g"));
	assert_true(password_needs_rehash("$argon2id$v=19$m=32768,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g"));
	assert_true(password_needs_rehash("$argon2id$v=19$m=65536,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g"));
	assert_true(password_needs_rehash("$argon2id$v=16$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g"));
	assert_true(password_needs_rehash("$argon2i$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2g"));
	assert_true(password_needs_rehash("garbage"));
	assert_true(password_needs_rehash(NULL));
}

/* ---- policy ---- */

static const char *const yamada_names[] = {"山田", "太郎", "yamada", "taro"};

static struct password_context yamada(bool mfa)
{
	return (struct password_context){
		.account_id = "ytaro01",
		.names = yamada_names,
		.n_names = sizeof yamada_names / sizeof yamada_names[0],
		.birth_date = "1985-04-12",
		.mfa = mfa,
	};
}

static void expect_reason(const char *pw, const struct password_context *ctx, const char *want)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *reason = NULL;
	enum rk_status st = password_policy_check(pw, ctx, &reason, &err);
	if (st != RK_INVALID || !reason || strcmp(reason, want) != 0)
		fail_msg("\"%s\": status %s, reason %s, expected %s", pw, rk_status_name(st),
			 reason ? reason : "(none)", want);
	assert_int_equal(err.status, RK_INVALID);
	assert_true(err.msg[0] != '\0');
	assert_string_equal(err.where, "password");
}

static void expect_ok(const char *pw, const struct password_context *ctx)
{
	struct rk_err err;
	rk_err_clear(&err);
	const char *reason = "untouched";
	enum rk_status st = password_policy_check(pw, ctx, &reason, &err);
	if (st != RK_OK)
		fail_msg("\"%s\" refused: %s (%s)", pw, reason, err.msg);
	assert_string_equal(reason, "untouched");
	assert_int_equal(err.status, RK_OK);
}

static void test_policy_passphrase(void **state)
{
	(void)state;
	struct password_context with = yamada(true), without = yamada(false);
	expect_ok(passphrase, &with);
	expect_ok(passphrase, &without);
	expect_ok(passphrase, NULL);
	expect_ok("Zq9!xLmW", &with);
	/* Japanese in a password: every non-ASCII character is a symbol. */
	expect_ok("春はあけぼの、やうやう白く7", &without);
}

static void test_policy_length(void **state)
{
	(void)state;
	struct password_context with = yamada(true), without = yamada(false);
	expect_reason("Zq9!xLm", &with, "too_short");
	expect_reason("", &with, "too_short");
	expect_reason(NULL, &with, "too_short");
	/* The 13-character rule without two-factor login. */
	expect_reason("Zq9!xLmWvB7#", &without, "too_short");
	expect_ok("Zq9!xLmWvB7#k", &without);
	expect_ok("Zq9!xLmWvB7#", &with);
	/* Characters are code points: 8 kanji/kana of 3 bytes each are 8 characters. */
	expect_reason("Zq9!山川海", &with, "too_short");
	expect_ok("Zq9!山川海空", &with);

	/* At most 128 bytes. */
	char pw[PASSWORD_MAX_BYTES + 2];
	for (size_t i = 0; i < PASSWORD_MAX_BYTES; i++)
		pw[i] = "Zq9!xLmW"[i % 8];
	pw[PASSWORD_MAX_BYTES] = '\0';
	expect_ok(pw, &without);
	pw[PASSWORD_MAX_BYTES] = 'Z';
	pw[PASSWORD_MAX_BYTES + 1] = '\0';
	expect_reason(pw, &without, "too_long");
	char kanji[43 * 3 + 1] = "";
	for (int i = 0; i < 43; i++)
		memcpy(kanji + 3 * i, "\xe5\xb1\xb1", 4); /* 山, 129 bytes in all */
	expect_reason(kanji, &with, "too_long");
}

static void test_policy_encoding(void **state)
{
	(void)state;
	struct password_context with = yamada(true);
	expect_reason("Zq9!xLmW\xff", &with, "encoding");
	expect_reason("Zq9!xLmW\xe5\xb1", &with, "encoding"); /* truncated 山 */
	expect_reason("Zq9!\xc0\xafxLmW", &with, "encoding"); /* overlong '/' */
	expect_reason("Zq9!\txLmWv", &with, "encoding");
	expect_reason("Zq9!xLmWv\n", &with, "encoding");
	expect_reason("Zq9!\x7fxLmWv", &with, "encoding");
	expect_reason("Zq9!\xc2\x85xLmWv", &with, "encoding"); /* U+0085, a C1 control */
}

static void test_policy_classes(void **state)
{
	(void)state;
	struct password_context with = yamada(true), without = yamada(false);
	expect_reason("xkqmvbzt", &with, "classes");
	expect_reason("xkqmvbz7", &with, "classes");
	expect_reason("やまのぼりがすきです", &with, "classes"); /* all symbols */
	expect_reason("xkqmvbztwnrpl", &without, "classes");
	expect_ok("xkqmvbztwnrp7", &without);
	/* With two-factor login, 13+ characters of 2 classes are enough too. */
	expect_ok("xkqmvbztwnrp7", &with);
	expect_ok("Xkqm-vbz", &with);
}

static void test_policy_common(void **state)
{
	(void)state;
	struct password_context with = yamada(true), without = yamada(false);
	expect_reason("Password123!", &with, "common");
	expect_reason("P@ssw0rd", &with, "common");
	expect_reason("Sunshine!!", &with, "common");
	expect_reason("Iloveyou2024!", &without, "common");
	expect_reason("pass word 12345", &without, "common"); /* spaces do not hide it */
	expect_reason("Pａｓｓｗｏｒｄ12!", &with, "common"); /* nor full-width letters */
	expect_reason("QWERTY123456!", &without, "common");
}

static void test_policy_personal(void **state)
{
	(void)state;
	struct password_context with = yamada(true), without = yamada(false);
	expect_reason("Zq9!Ytaro01x", &with, "contains_id");
	expect_reason("Yamada2024!x", &with, "contains_name");
	expect_reason("Zq9!TaroLm#x", &with, "contains_name");
	expect_reason("Zq9!山田Lm#", &with, "contains_name");
	expect_reason("Zq9#太郎Lm!x", &with, "contains_name");
	expect_reason("xLm#yamada-7Wq", &without, "contains_name");

	/* Kana: hiragana in the password, katakana in the name, which has a space. */
	static const char *const kana[] = {"ヤマダ タロウ"};
	struct password_context k = {.names = kana, .n_names = 1, .mfa = true};
	expect_reason("Zq9!やまだLm#", &k, "contains_name");
	expect_reason("Zq9!たろうLm#", &k, "contains_name");
	/* Short parts are not checked: a 2-letter ID, a 1-kanji name. */
	static const char *const mori[] = {"森", "Li"};
	struct password_context short_parts = {.account_id = "ab", .names = mori, .n_names = 2, .mfa = true};
	expect_ok("Zq9!森LiabxW", &short_parts);
	/* NULL entries and a NULL list are skipped. */
	static const char *const holes[] = {NULL, "taro"};
	struct password_context h = {.names = holes, .n_names = 2, .mfa = true};
	expect_reason("Zq9!TaroLm#x", &h, "contains_name");
	struct password_context none = {.names = NULL, .n_names = 3, .mfa = true};
	expect_ok("Zq9!TaroLm#x", &none);
}

static void test_policy_birthdate(void **state)
{
	(void)state;
	struct password_context with = yamada(true);
	expect_reason("Zq9!19850412x", &with, "contains_birthdate");
	expect_reason("Zq9!x850412Lm", &with, "contains_birthdate");
	expect_reason("Zq9!x0412LmWv", &with, "contains_birthdate");
	expect_reason("Zq9!x1204LmWv", &with, "contains_birthdate");
	expect_reason("Zq9!1985-04-12", &with, "contains_birthdate");
	expect_reason("Zq9!1985/04/12", &with, "contains_birthdate");
	expect_reason("Zq9!１９８５０４１２x", &with, "contains_birthdate"); /* full-width digits */
	expect_ok("Zq9!1985xLmWv", &with);
	/* A malformed birth date is ignored. */
	struct password_context odd = with;
	odd.birth_date = "1985-4-12";
	expect_ok("Zq9!x0412LmWv", &odd);
	odd.birth_date = "1985-13-12";
	expect_ok("Zq9!x1312LmWv", &odd);
}

static void test_policy_runs(void **state)
{
	(void)state;
	struct password_context with = yamada(true);
	expect_reason("Zq9!xLmmmmWv", &with, "repetition");
	expect_reason("Zq9!xLmMmMWv", &with, "repetition");
	expect_reason("Zq9!山山山山Lm", &with, "repetition");
	expect_reason("Zq9!x7777LmW", &with, "repetition");
	expect_ok("Zq9!xLmmmWv7", &with);

	expect_reason("Zq9!abcdLmWv", &with, "sequence");
	expect_reason("Zq9!4321LmWv", &with, "sequence");
	expect_reason("Zq9!QWERLmWv", &with, "sequence");
	expect_reason("Zq9!LmWvrewq", &with, "sequence");
	expect_reason("Zq9!7890LmWv", &with, "sequence");
	expect_reason("Zq9!ZXCVLmWv", &with, "sequence");
	expect_reason("Zq9!1qazLmWv", &with, "sequence");
	expect_reason("Zq9!LmWv!@#$", &with, "sequence");
	expect_ok("Zq9!abcLmWv", &with);
	expect_ok("Zq9!123LmWv", &with);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_roundtrip),    cmocka_unit_test(test_hash_too_long),
		cmocka_unit_test(test_verify_malformed),  cmocka_unit_test(test_needs_rehash),
		cmocka_unit_test(test_policy_passphrase), cmocka_unit_test(test_policy_length),
		cmocka_unit_test(test_policy_encoding),   cmocka_unit_test(test_policy_classes),
		cmocka_unit_test(test_policy_common),     cmocka_unit_test(test_policy_personal),
		cmocka_unit_test(test_policy_birthdate),  cmocka_unit_test(test_policy_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
