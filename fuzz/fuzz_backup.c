/* fuzz_backup.c — a backup file (`renkei backup verify`, `renkei restore`) →
 * backup_header_parse, then backup_decrypt under a fixed key. A header that
 * parses lies inside the input and survives encode → parse unchanged; a
 * decryption that succeeds hands on no more bytes than the input held and
 * exactly the count it reports; nothing crashes or reads out of bounds. The
 * seed corpus holds valid files under the fixed key (key bytes all 0x42). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "backup/backup.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_backup: invariant broken: %s\n", what);
		abort();
	}
}

struct src {
	const uint8_t *data;
	size_t size, pos;
};

static ssize_t src_read(void *ctx, void *buf, size_t cap)
{
	struct src *s = ctx;
	size_t n = s->size - s->pos < cap ? s->size - s->pos : cap;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static enum rk_status sink(void *ctx, const void *buf, size_t len, struct rk_err *err)
{
	(void)buf;
	(void)err;
	*(int64_t *)ctx += (int64_t)len;
	return RK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		check(sodium_init() >= 0, "libsodium initialises");
		ready = 1;
	}
	struct backup_header h, again;
	struct rk_err err;
	rk_err_clear(&err);
	size_t used = 0;
	if (backup_header_parse(data, size, &h, &used, &err) == RK_OK) {
		check(used <= size, "a header longer than the input");
		unsigned char buf[BACKUP_PREFIX + BACKUP_MAX_HEADER];
		size_t n = 0, used2 = 0;
		rk_err_clear(&err);
		check(backup_header_encode(&h, buf, sizeof buf, &n, &err) == RK_OK, "a parsed header encodes");
		check(backup_header_parse(buf, n, &again, &used2, &err) == RK_OK && used2 == n, "re-encoded parses");
		check(strcmp(h.backend, again.backend) == 0 && strcmp(h.payload, again.payload) == 0 &&
			      h.created_ms == again.created_ms && h.schema == again.schema &&
			      h.audit_seq == again.audit_seq && strcmp(h.audit_hash, again.audit_hash) == 0 &&
			      strcmp(h.key_id, again.key_id) == 0 && strcmp(h.renkei, again.renkei) == 0,
		      "encode → parse changes the header");
	} else {
		check(err.msg[0] != '\0', "a refusal without a reason");
	}
	unsigned char key[BACKUP_KEY_BYTES];
	memset(key, 0x42, sizeof key);
	struct src in = {data, size, 0};
	int64_t got = 0, bytes = 0;
	rk_err_clear(&err);
	enum rk_status rc = backup_decrypt(key, src_read, &in, &h, sink, &got, &bytes, &err);
	check(got == bytes, "the reported size is not what was handed on");
	check(bytes <= (int64_t)size, "more plaintext than input");
	check(rc == RK_OK || err.msg[0] != '\0', "a refusal without a reason");
	return 0;
}
