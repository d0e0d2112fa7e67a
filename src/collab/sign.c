/* sign.c — the test signer (Ed25519, libsodium) of collab/sign.h. */
#include "collab/sign.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"

static enum rk_status test_sign(const struct signer *s, const unsigned char *msg, size_t len,
				struct sign_signature *out, struct rk_err *err)
{
	const struct sign_test_key *k = s->state;
	unsigned long long n = 0;
	if (crypto_sign_detached(out->sig, &n, msg, len, k->sk) != 0)
		return rk_fail(err, RK_INTERNAL, "the test key could not sign");
	out->len = (size_t)n;
	snprintf(out->key_id, sizeof out->key_id, "%s", k->key_id);
	return RK_OK;
}

static enum rk_status test_verify(const struct signer *s, const unsigned char *msg, size_t len,
				  const struct sign_signature *sig, bool *ok, struct rk_err *err)
{
	(void)err;
	const struct sign_test_key *k = s->state;
	*ok = strcmp(sig->key_id, k->key_id) == 0 && sig->len == crypto_sign_BYTES &&
	      crypto_sign_verify_detached(sig->sig, msg, len, k->pk) == 0;
	return RK_OK;
}

void sign_test_init(struct signer *s, struct sign_test_key *key, const unsigned char seed[32])
{
	crypto_sign_seed_keypair(key->pk, key->sk, seed);
	char hex[17];
	sodium_bin2hex(hex, sizeof hex, key->pk, 8);
	snprintf(key->key_id, sizeof key->key_id, "test-ed25519:%s", hex);
	*s = (struct signer){.name = "test-ed25519",
			     .label_ja = "テスト鍵（法的な電子署名ではありません）",
			     .sign = test_sign,
			     .verify = test_verify,
			     .state = key};
}

enum rk_status sign_test_load(struct store *st, int64_t now, bool create, struct signer *s, struct sign_test_key *key,
			      struct rk_err *err)
{
	unsigned char seed[32];
	struct store_stmt *q;
	enum rk_status rc =
		store_prepare(st, "SELECT secret FROM collab_sign_key ORDER BY created_at, key_id LIMIT 1", &q, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(q, &row, err);
	bool have = false;
	if (rc == RK_OK && row) {
		struct str b64 = store_col_text(q, 0);
		size_t n = 0;
		have = sodium_base642bin(seed, sizeof seed, b64.ptr, b64.len, NULL, &n, NULL,
					 sodium_base64_VARIANT_ORIGINAL) == 0 &&
		       n == sizeof seed;
		if (!have)
			rc = rk_fail(err, RK_INTERNAL,
				     "collab_sign_key: the stored test key is not 32 bytes of base64");
	}
	store_done(q);
	if (rc != RK_OK)
		return rc;
	if (!have && !create)
		return RK_NOT_FOUND;
	if (!have) {
		randombytes_buf(seed, sizeof seed);
		sign_test_init(s, key, seed);
		char sb[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
		char pb[sizeof sb];
		sodium_bin2base64(sb, sizeof sb, seed, sizeof seed, sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(pb, sizeof pb, key->pk, sizeof key->pk, sodium_base64_VARIANT_ORIGINAL);
		if ((rc = store_prepare(st,
					"INSERT INTO collab_sign_key (key_id, public_key, secret, created_at) "
					"VALUES (?, ?, ?, ?)",
					&q, err)) != RK_OK)
			return rc;
		store_bind_text(q, 1, str_c(key->key_id));
		store_bind_text(q, 2, str_c(pb));
		store_bind_text(q, 3, str_c(sb));
		store_bind_i64(q, 4, now);
		rc = store_run(q, err);
		store_done(q);
		sodium_memzero(seed, sizeof seed);
		return rc;
	}
	sign_test_init(s, key, seed);
	sodium_memzero(seed, sizeof seed);
	return RK_OK;
}

const char *sign_state_code(enum sign_state st)
{
	static const char *const c[] = {"none", "verified", "changed", "invalid"};
	return (unsigned)st < 4 ? c[st] : "none";
}

const char *sign_state_ja(enum sign_state st)
{
	static const char *const c[] = {"署名なし", "署名: 検証済み", "署名後に変更あり", "署名が一致しません"};
	return (unsigned)st < 4 ? c[st] : c[0];
}
