/* sign.h — the signature of the care team's documents (指示書, 計画書, 報告書):
 * a pluggable signer and verifier over the canonical form of one version of
 * a document (collab/orders.h: orders_canonical).
 *
 * A signer is a struct of function pointers. The one shipped now is a TEST
 * KEY (テスト鍵): Ed25519 (libsodium) with a key generated for the region
 * and kept in its database (collab_sign_key) — it proves the version was not
 * changed after the doctor pressed 署名, and is NOT a legal electronic
 * signature.
 *
 * The place for HPKI (保健医療福祉分野の公開鍵基盤): a signer whose sign()
 * opens a PKCS#11 session on the doctor's HPKI card (C_Initialize,
 * C_OpenSession, C_Login with the card's PIN entered at the client,
 * C_FindObjects for the signing key, C_SignInit/C_Sign with
 * CKM_SHA256_RSA_PKCS), returns the signature and, as key_id, the
 * certificate (its issuer and serial; the certificate itself travels with
 * the signature), and whose verify() checks the signature against the
 * certificate and the certificate's chain to the HPKI root and its
 * revocation (CRL/OCSP) at the time of signing. Nothing above this header
 * changes: the API stores what sign() returns and shows what verify() says. */
#ifndef RENKEI_COLLAB_SIGN_H
#define RENKEI_COLLAB_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define SIGN_MAX_SIG    512 /* bytes of a signature (RSA-4096 fits) */
#define SIGN_MAX_KEY_ID 128 /* bytes of a key or certificate id, NUL included */

struct sign_signature {
	unsigned char sig[SIGN_MAX_SIG];
	size_t len;
	char key_id[SIGN_MAX_KEY_ID];
};

struct signer {
	const char *name;     /* "test-ed25519" */
	const char *label_ja; /* shown beside the result: "テスト鍵（法的な電子署名ではありません）" */
	/* Sign msg (the canonical form of a document version). */
	enum rk_status (*sign)(const struct signer *s, const unsigned char *msg, size_t len, struct sign_signature *out,
			       struct rk_err *err);
	/* Does sig sign msg under the key it names? *ok false for a wrong
	 * signature or an unknown key (not an error). */
	enum rk_status (*verify)(const struct signer *s, const unsigned char *msg, size_t len,
				 const struct sign_signature *sig, bool *ok, struct rk_err *err);
	void *state;
};

/* The test signer over a 32-byte seed (its key id names the public key). */
struct sign_test_key {
	unsigned char pk[32], sk[64];
	char key_id[SIGN_MAX_KEY_ID];
};
void sign_test_init(struct signer *s, struct sign_test_key *key, const unsigned char seed[32]);

/* The region's test key: the one in the database; when there is none,
 * made (random) and kept if create (call within a transaction), else
 * RK_NOT_FOUND. */
enum rk_status sign_test_load(struct store *st, int64_t now, bool create, struct signer *s, struct sign_test_key *key,
			      struct rk_err *err);

/* What a document's signature says now (shown in the UI and the PDF). */
enum sign_state {
	SIGN_NONE,     /* 署名なし */
	SIGN_VERIFIED, /* 署名: 検証済み — this version, signature valid */
	SIGN_CHANGED,  /* 署名後に変更あり — an earlier version was signed */
	SIGN_INVALID,  /* 署名が一致しません — the stored signature does not verify */
};
const char *sign_state_code(enum sign_state st); /* "none", "verified", "changed", "invalid" */
const char *sign_state_ja(enum sign_state st);

#endif
