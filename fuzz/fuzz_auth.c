/* fuzz_auth.c — the parsers of authentication input: base32 TOTP secrets,
 * one-time codes, OAuth2 scope lists and the password policy. The input's
 * first byte chooses the parser; the rest is the text. Invariants: a code
 * accepted for a step equals totp_code for that step; accepted scopes are
 * well-formed; the policy never accepts a password over the length limit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/auth.h"
#include "access/password.h"
#include "access/totp.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_auth: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0: {
		unsigned char key[128];
		size_t n = 0;
		if (totp_base32_decode(text, key, sizeof key, &n))
			check(n <= sizeof key, "decoded more than the buffer");
		break;
	}
	case 1: {
		static const char secret[] = "RENKEIDEMOSHAREDTOTPSECRETABCDEF";
		int64_t step = 0;
		int64_t now = 1795550000;
		if (totp_verify(secret, text, now, 1, 0, &step)) {
			unsigned char key[64];
			size_t n = 0;
			check(totp_base32_decode(secret, key, sizeof key, &n), "demo secret decodes");
			char want[8];
			snprintf(want, sizeof want, "%06u", totp_code(key, n, step));
			check(strcmp(want, text) == 0, "accepted code equals the step's code");
			check(step >= now / 30 - 1 && step <= now / 30 + 1, "step within the window");
		}
		break;
	}
	case 2:
		if (scope_valid(text))
			check(strncmp(text, "system/", 7) == 0 || text[0] == ' ',
			      "a valid scope list starts with system/");
		scope_allows(text, "Patient", false);
		scope_allows(text, "Patient", true);
		break;
	case 3: {
		const char *names[] = {"山田", "太郎", "yamada"};
		struct password_context pc = {.account_id = "dr.yamada",
					      .names = names,
					      .n_names = 3,
					      .birth_date = "1970-04-01",
					      .mfa = (size & 1) != 0};
		const char *reason = NULL;
		struct rk_err err;
		rk_err_clear(&err);
		if (password_policy_check(text, &pc, &reason, &err) == RK_OK)
			check(strlen(text) <= PASSWORD_MAX_BYTES, "accepted a password over the limit");
		else
			check(reason != NULL, "a refusal names its reason");
		break;
	}
	}
	free(text);
	return 0;
}
