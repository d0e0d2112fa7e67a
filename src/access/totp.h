/* totp.h — time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second
 * steps, 6 digits), the second factor of staff logins, as authenticator apps
 * implement them: secrets in RFC 4648 base32, enrolment by an otpauth:// URI
 * (shown as a QR code), verification with a small clock window and replay
 * protection. All functions are thread-safe and keep no state. */
#ifndef RENKEI_ACCESS_TOTP_H
#define RENKEI_ACCESS_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES   20       /* 160 bits, as RFC 4226 recommends */
#define TOTP_SECRET_B32_LEN 32       /* base32 characters for TOTP_SECRET_BYTES, no padding */
#define TOTP_KEY_MIN_BYTES  16       /* RFC 4226 R6: a shared secret MUST have 128 bits or more */
#define TOTP_KEY_MAX_BYTES  64       /* one HMAC-SHA1 block; secrets here are 20 bytes */
#define TOTP_MAX_WINDOW     10       /* steps either side totp_verify may be asked to accept */
#define TOTP_CODE_ERROR     1000000u /* totp_code when libcrypto fails: never a 6-digit code */

/* A new random 160-bit secret (getrandom), RFC 4648 base32 in upper case
 * without padding, NUL-terminated. Cannot fail (rand_bytes aborts if the
 * kernel has no randomness). Thread-safe. */
void totp_secret_new(char out[TOTP_SECRET_B32_LEN + 1]);

/* Decode RFC 4648 base32 (A-Z, 2-7; case-insensitive; '=' and ' ' ignored
 * wherever they are) into out[0..cap). Returns false, with *n_out untouched,
 * for any other character, a length that no byte string encodes (1, 3 or 6
 * characters over a multiple of 8), non-zero unused trailing bits, or more
 * than cap bytes; out may then hold partial output. "" decodes to 0 bytes.
 * Thread-safe (pure). */
bool totp_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *n_out);

/* The 6-digit code (0..999999) for key and time step (unix seconds / 30):
 * HMAC-SHA1 of the step as 8 big-endian bytes, dynamic truncation, mod 10^6.
 * Returns TOTP_CODE_ERROR if libcrypto fails (then nothing can match).
 * key is only read. Thread-safe. */
unsigned totp_code(const unsigned char *key, size_t key_len, int64_t step);

/* Verify code, exactly 6 ASCII digits and nothing else, for the base32 secret
 * at unix time now_s: the steps floor(now_s / 30) - window .. + window are
 * tried, but only steps greater than last_step count (a code is used once;
 * pass -1 for an account that has never used one). If several steps match,
 * the latest one is taken. On success returns true and *step_out (if
 * step_out is non-NULL) is the matched step, which the caller must store as
 * the new last_step — atomically, with a conditional update (... WHERE
 * last_step < matched), or two concurrent logins could use the same code.
 * Returns false, *step_out untouched, for a wrong, reused or malformed code, a
 * window outside 0..TOTP_MAX_WINDOW, or a secret that is not base32 or
 * decodes to fewer than TOTP_KEY_MIN_BYTES or more than TOTP_KEY_MAX_BYTES.
 * The code is compared in constant time; callers still limit attempts (a
 * window of 1 accepts 3 codes in 10^6). Thread-safe. */
bool totp_verify(const char *secret_b32, const char *code, int64_t now_s, int window, int64_t last_step,
		 int64_t *step_out);

/* Write the enrolment URI into out (cap bytes, NUL included):
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded (UTF-8 bytes as %XX, RFC 3986
 * unreserved characters kept, space as %20). Returns false when it does not
 * fit, when issuer or account is empty, not valid UTF-8 or contains ':'
 * (the label separator, which apps do not accept inside either part), or when
 * secret_b32 is not unpadded upper-case base32; out then holds "" (if cap >
 * 0). Thread-safe (pure). */
bool totp_uri(char *out, size_t cap, const char *issuer, const char *account, const char *secret_b32);

#endif
