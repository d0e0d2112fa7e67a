/* test_collab_sign.c — the test signer of collab/sign.h: a signature made
 * over a document's canonical form verifies; one byte changed in the
 * document, in the signature or in the key id does not; a key made from
 * another seed does not verify it; the key id names the public key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "collab/sign.h"

static const char DOC[] = "renkei-document-v1\nComposition/x/_history/1\n{\"title\":\"訪問看護指示書\"}";

static void sign_and_verify(void **state)
{
	(void)state;
	unsigned char seed[32] = {1, 2, 3};
	struct sign_test_key key;
	struct signer s;
	sign_test_init(&s, &key, seed);
	assert_string_equal(s.name, "test-ed25519");
	assert_non_null(strstr(s.label_ja, "テスト鍵"));
	assert_int_equal(strncmp(key.key_id, "test-ed25519:", 13), 0);
	assert_int_equal(strlen(key.key_id), 13 + 16);
	struct sign_signature sig;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(s.sign(&s, (const unsigned char *)DOC, sizeof DOC - 1, &sig, &err), RK_OK);
	assert_int_equal(sig.len, 64);
	assert_string_equal(sig.key_id, key.key_id);
	bool ok = false;
	assert_int_equal(s.verify(&s, (const unsigned char *)DOC, sizeof DOC - 1, &sig, &ok, &err), RK_OK);
	assert_true(ok);

	/* the document changed by one byte */
	char changed[sizeof DOC];
	memcpy(changed, DOC, sizeof DOC);
	changed[sizeof DOC - 3] ^= 1;
	assert_int_equal(s.verify(&s, (const unsigned char *)changed, sizeof DOC - 1, &sig, &ok, &err), RK_OK);
	assert_false(ok);
	/* the signature changed */
	struct sign_signature bad = sig;
	bad.sig[10] ^= 0x40;
	assert_int_equal(s.verify(&s, (const unsigned char *)DOC, sizeof DOC - 1, &bad, &ok, &err), RK_OK);
	assert_false(ok);
	/* another key id, a truncated signature */
	bad = sig;
	bad.key_id[13] = bad.key_id[13] == '0' ? '1' : '0';
	assert_int_equal(s.verify(&s, (const unsigned char *)DOC, sizeof DOC - 1, &bad, &ok, &err), RK_OK);
	assert_false(ok);
	bad = sig;
	bad.len = 63;
	assert_int_equal(s.verify(&s, (const unsigned char *)DOC, sizeof DOC - 1, &bad, &ok, &err), RK_OK);
	assert_false(ok);

	/* another key (same id text forced) does not verify it */
	unsigned char seed2[32] = {9};
	struct sign_test_key key2;
	struct signer s2;
	sign_test_init(&s2, &key2, seed2);
	assert_string_not_equal(key2.key_id, key.key_id);
	memcpy(key2.key_id, key.key_id, sizeof key.key_id);
	assert_int_equal(s2.verify(&s2, (const unsigned char *)DOC, sizeof DOC - 1, &sig, &ok, &err), RK_OK);
	assert_false(ok);
}

static void states(void **state)
{
	(void)state;
	assert_string_equal(sign_state_code(SIGN_VERIFIED), "verified");
	assert_string_equal(sign_state_ja(SIGN_VERIFIED), "署名: 検証済み");
	assert_string_equal(sign_state_ja(SIGN_CHANGED), "署名後に変更あり");
	assert_string_equal(sign_state_ja(SIGN_NONE), "署名なし");
	assert_string_equal(sign_state_code((enum sign_state)99), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_and_verify),
		cmocka_unit_test(states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
