/* password.h — staff passwords (SECURITY.md, Authentication): Argon2id hashes
 * for storage, constant-time verification, and the password policy (length
 * and character classes depending on two-factor login, no common passwords,
 * no login ID, name or birth date, no runs or keyboard sequences).
 * All functions are thread-safe; none keeps state between calls. */
#ifndef RENKEI_ACCESS_PASSWORD_H
#define RENKEI_ACCESS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define PASSWORD_HASH_MAX  128 /* >= crypto_pwhash_STRBYTES (checked in password.c) */
#define PASSWORD_MAX_BYTES 128 /* longer passwords are refused (bounded Argon2 input) */

/* Hash password for storage: an Argon2id string ("$argon2id$v=19$m=65536,t=2,
 * p=1$salt$hash") with a fresh random salt, NUL-terminated in out.
 *
 * Parameters are libsodium's INTERACTIVE preset (64 MiB, 2 passes): a login
 * waits for one hash, so it must stay well under a second on a modest server,
 * and every concurrent login holds 64 MiB while it runs; MODERATE (256 MiB)
 * and SENSITIVE (1 GiB, seconds) would turn a burst of logins into memory
 * exhaustion. INTERACTIVE is still above the OWASP minimum for Argon2id
 * (19 MiB, 2 passes). Callers should bound how many hashes run at once.
 *
 * Returns RK_INVALID when password is NULL or longer than PASSWORD_MAX_BYTES,
 * RK_INTERNAL when libsodium fails (out of memory). out is written only on
 * success. The policy is not checked here: see password_policy_check. */
enum rk_status password_hash(const char *password, char out[PASSWORD_HASH_MAX], struct rk_err *err);

/* True when password matches hash (a string from password_hash). The
 * comparison is constant-time (libsodium). False for a NULL argument, a
 * password longer than PASSWORD_MAX_BYTES, or a malformed hash: anything but
 * an Argon2id string, or one whose cost exceeds libsodium's SENSITIVE preset
 * (so that a tampered record cannot make a login allocate without bound).
 * To give unknown accounts the same timing, callers verify against a dummy
 * hash from password_hash when the account does not exist. */
bool password_verify(const char *hash, const char *password);

/* True when hash was made with weaker parameters than password_hash uses now
 * (less memory, fewer passes, an older Argon2 version), uses another lane
 * count than libsodium's 1, or is not a well-formed Argon2id string at all: after a successful password_verify,
 * the caller then stores a fresh password_hash of the same password. A hash
 * with stronger parameters is left alone (false). */
bool password_needs_rehash(const char *hash);

struct password_context {
	const char *account_id;   /* login ID */
	const char *const *names; /* the person's names: kanji, kana and romaji parts (may be NULL) */
	size_t n_names;
	const char *birth_date; /* "YYYY-MM-DD" or NULL */
	bool mfa;               /* two-factor login is on for this account */
};

/* The password policy of SECURITY.md. Refused, with the reason code:
 *   "too_long"           more than PASSWORD_MAX_BYTES bytes;
 *   "encoding"           not valid UTF-8, or a control character (C0, DEL, C1);
 *   "too_short"          fewer than 8 characters (code points) with two-factor
 *                        login, fewer than 13 without;
 *   "classes"            too few of the classes lower case, upper case, digit,
 *                        symbol (every non-ASCII character counts as a symbol):
 *                        with two-factor login, 8+ characters of 3 classes or
 *                        13+ characters of 2; without, 13+ characters of 2;
 *   "common"             one of the most common passwords of public breach
 *                        lists, also with trailing digits/symbols removed
 *                        ("Password123!"), ignoring case and full/half width;
 *   "contains_id"        contains the login ID (if it has 3+ characters);
 *   "contains_name"      contains a name part of 3+ characters, or of 2+ when
 *                        written in kanji or kana (山田; any non-Latin script);
 *                        ignoring case, width and hiragana/katakana; names are
 *                        also split at spaces and at ・;
 *   "contains_birthdate" contains the birth date as YYYYMMDD, YYMMDD, MMDD,
 *                        DDMM, YYYY-MM-DD or YYYY/MM/DD;
 *   "repetition"         the same character 4 or more times in a row ("aaaa");
 *   "sequence"           4+ characters of the alphabet, the digits or a
 *                        keyboard row or column, either way ("abcd", "4321",
 *                        "qwer").
 * Checks run in that order and the first failing one is reported. ctx may be
 * NULL (no ID, names or birth date; no two-factor login); a birth_date not of
 * the form YYYY-MM-DD is ignored (it comes from stored demographics, not from
 * the user).
 *
 * Returns RK_OK when accepted. On refusal returns RK_INVALID, err->msg says
 * why in English (never echoing the password, ID or names, since it may be
 * logged), err->where is "password", and *reason (when reason is non-NULL)
 * gets the code above, a static string; *reason is untouched on success.
 * RK_INTERNAL only if an internal bound is broken (cannot happen for input
 * within PASSWORD_MAX_BYTES). */
enum rk_status password_policy_check(const char *password, const struct password_context *ctx, const char **reason,
				     struct rk_err *err);

#endif
