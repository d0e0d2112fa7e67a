/* totp.c — RFC 6238 TOTP over RFC 4226 HOTP. HMAC-SHA1 comes from OpenSSL
 * libcrypto (libsodium has no HMAC-SHA1); randomness from core/rand. Key
 * material on the stack is wiped before returning. */
#include "access/totp.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/rand.h"
#include "core/str.h"

#define TOTP_PERIOD  30       /* seconds per step (RFC 6238 default; what apps assume) */
#define TOTP_MODULUS 1000000u /* 10^6: six digits */

_Static_assert(TOTP_SECRET_BYTES * 8 == TOTP_SECRET_B32_LEN * 5, "secret must encode without padding");
_Static_assert(TOTP_SECRET_BYTES >= TOTP_KEY_MIN_BYTES, "new secrets must pass totp_verify");

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

void totp_secret_new(char out[TOTP_SECRET_B32_LEN + 1])
{
	unsigned char raw[TOTP_SECRET_BYTES];
	rand_bytes(raw, sizeof raw);
	/* 160 bits = 32 groups of 5 bits, most significant first. */
	for (size_t k = 0; k < TOTP_SECRET_B32_LEN; k++) {
		unsigned v = 0;
		for (size_t j = 0; j < 5; j++) {
			size_t bit = k * 5 + j;
			v = (v << 1) | ((raw[bit / 8] >> (7 - bit % 8)) & 1u);
		}
		out[k] = b32_alphabet[v];
	}
	out[TOTP_SECRET_B32_LEN] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
}

bool totp_base32_decode(const char *in, unsigned char *out, size_t cap, size_t *n_out)
{
	if (!in || (!out && cap))
		return false;
	unsigned acc = 0; /* the bits not yet written, at most 12 */
	int bits = 0;
	size_t n = 0, chars = 0;
	for (const char *p = in; *p; p++) {
		if (*p == '=' || *p == ' ')
			continue;
		int v = b32_value(*p);
		if (v < 0)
			return false;
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		chars++;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return false;
			out[n++] = (unsigned char)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}
	/* 1, 3 or 6 characters past a multiple of 8 encode no whole byte count;
	 * the unused bits of the last character must be zero (RFC 4648 §3.5). */
	size_t tail = chars % 8;
	if (tail == 1 || tail == 3 || tail == 6 || acc != 0)
		return false;
	*n_out = n;
	return true;
}

unsigned totp_code(const unsigned char *key, size_t key_len, int64_t step)
{
	static const unsigned char empty_key[1] = {0};
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	uint64_t counter = (uint64_t)step;
	for (int i = 0; i < 8; i++)
		msg[i] = (unsigned char)(counter >> (56 - 8 * i));
	if (key_len > INT_MAX)
		return TOTP_CODE_ERROR;
	if (!HMAC(EVP_sha1(), key_len ? key : empty_key, (int)key_len, msg, sizeof msg, mac, &mac_len) || mac_len != 20)
		return TOTP_CODE_ERROR;
	/* RFC 4226 §5.3 dynamic truncation: 31 bits at the offset in the low nibble of the last byte. */
	unsigned off = mac[19] & 0x0Fu;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7F) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	OPENSSL_cleanse(mac, sizeof mac);
	return bin % TOTP_MODULUS;
}

static bool is_six_digits(const char *code)
{
	for (int i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return code[6] == '\0';
}

/* floor(a / b) for b > 0, also for negative a. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

bool totp_verify(const char *secret_b32, const char *code, int64_t now_s, int window, int64_t last_step,
		 int64_t *step_out)
{
	if (!secret_b32 || !code || window < 0 || window > TOTP_MAX_WINDOW || !is_six_digits(code))
		return false;
	unsigned char key[TOTP_KEY_MAX_BYTES];
	size_t key_len = 0;
	if (!totp_base32_decode(secret_b32, key, sizeof key, &key_len) || key_len < TOTP_KEY_MIN_BYTES) {
		OPENSSL_cleanse(key, sizeof key);
		return false;
	}
	int64_t now_step = floor_div(now_s, TOTP_PERIOD);
	bool found = false;
	int64_t matched = 0;
	/* Every step in the window is computed and compared, match or not, so the
	 * time taken does not depend on which step (if any) matched. */
	for (int64_t d = -window; d <= window; d++) {
		int64_t step = now_step + d;
		unsigned c = totp_code(key, key_len, step);
		char digits[6];
		for (int i = 5; i >= 0; i--) {
			digits[i] = (char)('0' + c % 10);
			c /= 10;
		}
		bool equal = CRYPTO_memcmp(digits, code, 6) == 0 && c == 0; /* c != 0: TOTP_CODE_ERROR */
		if (equal && step > last_step) {
			found = true;
			matched = step; /* ascending: the latest matching step wins */
		}
	}
	OPENSSL_cleanse(key, sizeof key);
	if (found && step_out)
		*step_out = matched;
	return found;
}

/* A bounded writer into a caller's buffer. */
struct out {
	char *p;
	size_t cap, len;
	bool ok;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (!o->ok || n >= o->cap - o->len) { /* keep room for the NUL */
		o->ok = false;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_c(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Percent-encode s (RFC 3986: unreserved characters kept, all else %XX). */
static void put_enc(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~') {
			put(o, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			put(o, e, 3);
		}
	}
}

static bool label_part_ok(const char *s)
{
	return s && *s && str_is_utf8(str_c(s)) && !strchr(s, ':');
}

static bool secret_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '2' && *s <= '7')))
			return false;
	return true;
}

bool totp_uri(char *out, size_t cap, const char *issuer, const char *account, const char *secret_b32)
{
	if (!out || cap == 0)
		return false;
	out[0] = '\0';
	if (!label_part_ok(issuer) || !label_part_ok(account) || !secret_ok(secret_b32))
		return false;
	struct out o = {out, cap, 0, true};
	put_c(&o, "otpauth://totp/");
	put_enc(&o, issuer);
	put_c(&o, ":");
	put_enc(&o, account);
	put_c(&o, "?secret=");
	put_c(&o, secret_b32);
	put_c(&o, "&issuer=");
	put_enc(&o, issuer);
	put_c(&o, "&algorithm=SHA1&digits=6&period=30");
	if (!o.ok) {
		out[0] = '\0';
		return false;
	}
	out[o.len] = '\0';
	return true;
}
