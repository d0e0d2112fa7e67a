/* fuzz_json_patch.c — JSON Patch (RFC 6902, api/json_patch.c: FHIR's PATCH)
 * on any bytes. The input is a document and a patch, split at the first NUL
 * byte, each parsed as a request body is (rk_json_parse). Whatever the patch
 * says, applying it never crashes, an error always has a message, and the
 * document stays an object that dumps and parses again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_patch.h"
#include "core/buf.h"
#include "core/json.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json_patch: invariant broken: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *base = (const char *)data, *nul = memchr(base, '\0', size);
	if (!nul)
		return 0;
	struct rk_err err;
	rk_err_clear(&err);
	json_t *doc = rk_json_parse((struct str){base, (size_t)(nul - base)}, &err);
	rk_err_clear(&err);
	json_t *patch = rk_json_parse((struct str){nul + 1, size - (size_t)(nul - base) - 1}, &err);
	if (doc && patch && json_is_object(doc)) {
		rk_err_clear(&err);
		enum rk_status st = json_patch_apply(doc, patch, &err);
		check(st == RK_OK || err.msg[0] != '\0', "a failure without a message");
		check(json_is_object(doc), "the document is no longer an object");
		struct buf b;
		buf_init(&b, 64u << 20);
		check(rk_json_dump(doc, &b) == RK_OK, "the patched document does not dump");
		rk_err_clear(&err);
		json_t *again = rk_json_parse(buf_str(&b), &err);
		check(again != NULL, "the patched document does not parse again");
		json_decref(again);
		buf_free(&b);
	}
	json_decref(doc);
	json_decref(patch);
	return 0;
}
