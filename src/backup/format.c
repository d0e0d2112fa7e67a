/* format.c — the backup file format (header, encrypted stream) and the
 * retention rule: pure functions over bytes and callbacks, no files. */
#include "backup/backup.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/time.h"

#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SSHDR  crypto_secretstream_xchacha20poly1305_HEADERBYTES

_Static_assert(BACKUP_KEY_BYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES, "the backup key is a stream key");

void backup_key_id(const unsigned char key[BACKUP_KEY_BYTES], char out[BACKUP_KEY_ID_LEN])
{
	static const unsigned char label[] = "renkei backup key id";
	unsigned char id[8];
	crypto_generichash(id, sizeof id, label, sizeof label - 1, key, BACKUP_KEY_BYTES);
	sodium_bin2hex(out, BACKUP_KEY_ID_LEN, id, sizeof id);
}

/* ---- header ------------------------------------------------------------------ */

enum rk_status backup_header_encode(const struct backup_header *h, unsigned char *out, size_t cap, size_t *n,
				    struct rk_err *err)
{
	char text[BACKUP_MAX_HEADER + 1];
	int len = snprintf(text, sizeof text,
			   "backend=%s\npayload=%s\ncreated=%lld\nschema=%lld\naudit_seq=%lld\naudit_hash=%s\n"
			   "key_id=%s\nrenkei=%s\n",
			   h->backend, h->payload, (long long)h->created_ms, (long long)h->schema,
			   (long long)h->audit_seq, h->audit_hash, h->key_id, h->renkei);
	if (len < 0 || (size_t)len > BACKUP_MAX_HEADER || cap < BACKUP_PREFIX + (size_t)len)
		return rk_fail(err, RK_INTERNAL, "backup header too long");
	memcpy(out, BACKUP_MAGIC, 8);
	out[8] = (unsigned char)(BACKUP_FORMAT >> 8);
	out[9] = (unsigned char)(BACKUP_FORMAT & 0xff);
	out[10] = (unsigned char)((unsigned)len >> 8);
	out[11] = (unsigned char)((unsigned)len & 0xff);
	memcpy(out + BACKUP_PREFIX, text, (size_t)len);
	*n = BACKUP_PREFIX + (size_t)len;
	return RK_OK;
}

/* Copy a value into a fixed field: printable ASCII only, and it must fit. */
static bool field_text(struct str v, char *out, size_t cap)
{
	if (v.len == 0 || v.len >= cap)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if ((unsigned char)v.ptr[i] < 0x21 || (unsigned char)v.ptr[i] > 0x7e)
			return false;
	memcpy(out, v.ptr, v.len);
	out[v.len] = '\0';
	return true;
}

static bool is_hex(const char *s, size_t want)
{
	size_t n = strlen(s);
	if (want && n != want)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

enum rk_status backup_header_parse(const unsigned char *data, size_t len, struct backup_header *h, size_t *used,
				   struct rk_err *err)
{
	memset(h, 0, sizeof *h);
	if (len < BACKUP_PREFIX || memcmp(data, BACKUP_MAGIC, 8) != 0)
		return rk_fail(err, RK_INVALID, "not a renkei backup file (no RENKEIBK at its start)");
	unsigned version = (unsigned)data[8] << 8 | data[9];
	size_t hlen = (size_t)data[10] << 8 | data[11];
	if (version != BACKUP_FORMAT)
		return rk_fail(err, RK_INVALID, "backup format version %u; this renkei reads version %d", version,
			       BACKUP_FORMAT);
	if (hlen == 0 || hlen > BACKUP_MAX_HEADER)
		return rk_fail(err, RK_INVALID, "the backup header's length (%zu bytes) is out of range", hlen);
	if (len < BACKUP_PREFIX + hlen)
		return rk_fail(err, RK_INVALID, "the file ends inside its header: truncated");
	struct str rest = {(const char *)data + BACKUP_PREFIX, hlen}, line;
	enum {
		F_BACKEND = 1,
		F_PAYLOAD = 2,
		F_CREATED = 4,
		F_SCHEMA = 8,
		F_SEQ = 16,
		F_HASH = 32,
		F_KEY = 64,
		F_VER = 128
	};
	unsigned seen = 0;
	if (hlen == 0 || rest.ptr[hlen - 1] != '\n')
		return rk_fail(err, RK_INVALID, "the backup header does not end with a line end");
	while (str_next(&rest, '\n', &line)) {
		if (line.len == 0)
			continue;
		const char *eq = memchr(line.ptr, '=', line.len);
		if (!eq)
			return rk_fail(err, RK_INVALID, "backup header line without '=': %.*s",
				       (int)(line.len > 60 ? 60 : line.len), line.ptr);
		struct str k = {line.ptr, (size_t)(eq - line.ptr)}, v = {eq + 1, line.len - k.len - 1};
		unsigned bit = 0;
		bool ok = true;
		if (str_eq_c(k, "backend")) {
			bit = F_BACKEND;
			ok = field_text(v, h->backend, sizeof h->backend) &&
			     (strcmp(h->backend, "sqlite") == 0 || strcmp(h->backend, "postgresql") == 0);
		} else if (str_eq_c(k, "payload")) {
			bit = F_PAYLOAD;
			ok = field_text(v, h->payload, sizeof h->payload);
		} else if (str_eq_c(k, "created")) {
			bit = F_CREATED;
			ok = str_to_i64(v, 0, INT64_MAX / 2, &h->created_ms);
		} else if (str_eq_c(k, "schema")) {
			bit = F_SCHEMA;
			ok = str_to_i64(v, 0, 1000000, &h->schema);
		} else if (str_eq_c(k, "audit_seq")) {
			bit = F_SEQ;
			ok = str_to_i64(v, 0, INT64_MAX / 2, &h->audit_seq);
		} else if (str_eq_c(k, "audit_hash")) {
			bit = F_HASH;
			ok = v.len == 0 ||
			     (field_text(v, h->audit_hash, sizeof h->audit_hash) && is_hex(h->audit_hash, 64));
		} else if (str_eq_c(k, "key_id")) {
			bit = F_KEY;
			ok = field_text(v, h->key_id, sizeof h->key_id) && is_hex(h->key_id, BACKUP_KEY_ID_LEN - 1);
		} else if (str_eq_c(k, "renkei")) {
			bit = F_VER;
			ok = field_text(v, h->renkei, sizeof h->renkei);
		} else {
			continue; /* a later version's field: the MAC covers it all the same */
		}
		if (seen & bit)
			return rk_fail(err, RK_INVALID, "backup header field %.*s repeated", (int)k.len, k.ptr);
		if (!ok)
			return rk_fail(err, RK_INVALID, "backup header field %.*s is malformed", (int)k.len, k.ptr);
		seen |= bit;
	}
	if (seen != 255)
		return rk_fail(err, RK_INVALID, "the backup header lacks fields (it has %u of 8)",
			       (unsigned)__builtin_popcount(seen));
	*used = BACKUP_PREFIX + hlen;
	return RK_OK;
}

/* ---- the stream ---------------------------------------------------------------- */

/* Read until cap bytes or the end; -1 on a read error. */
static ssize_t read_full(backup_read_fn in, void *ctx, unsigned char *buf, size_t cap)
{
	size_t got = 0;
	while (got < cap) {
		ssize_t r = in(ctx, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

enum rk_status backup_encrypt(const struct backup_header *h, const unsigned char key[BACKUP_KEY_BYTES],
			      backup_read_fn in, void *in_ctx, backup_write_fn out, void *out_ctx, int64_t *bytes,
			      struct rk_err *err)
{
	unsigned char ad[BACKUP_PREFIX + BACKUP_MAX_HEADER];
	size_t ad_len = 0;
	enum rk_status rc = backup_header_encode(h, ad, sizeof ad, &ad_len, err);
	if (rc != RK_OK)
		return rc;
	crypto_secretstream_xchacha20poly1305_state state;
	unsigned char sh[SSHDR];
	crypto_secretstream_xchacha20poly1305_init_push(&state, sh, key);
	if ((rc = out(out_ctx, ad, ad_len, err)) != RK_OK || (rc = out(out_ctx, sh, sizeof sh, err)) != RK_OK)
		return rc;
	unsigned char *plain[2] = {malloc(BACKUP_CHUNK), malloc(BACKUP_CHUNK)};
	unsigned char *cipher = malloc(BACKUP_CHUNK + ABYTES);
	if (!plain[0] || !plain[1] || !cipher)
		rk_oom();
	*bytes = 0;
	ssize_t cur = read_full(in, in_ctx, plain[0], BACKUP_CHUNK);
	int which = 0;
	while (rc == RK_OK) {
		if (cur < 0) {
			rc = rk_fail(err, RK_IO, "reading the snapshot: %s", strerror(errno));
			break;
		}
		/* a full chunk is final only when nothing follows it */
		ssize_t next = 0;
		if (cur == BACKUP_CHUNK)
			next = read_full(in, in_ctx, plain[!which], BACKUP_CHUNK);
		bool final = next == 0;
		unsigned long long clen = 0;
		crypto_secretstream_xchacha20poly1305_push(&state, cipher, &clen, plain[which], (unsigned long long)cur,
							   ad, ad_len,
							   final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
								 : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
		*bytes += cur;
		rc = out(out_ctx, cipher, (size_t)clen, err);
		if (final)
			break;
		which = !which;
		cur = next;
	}
	sodium_memzero(plain[0], BACKUP_CHUNK);
	sodium_memzero(plain[1], BACKUP_CHUNK);
	sodium_memzero(&state, sizeof state);
	free(plain[0]);
	free(plain[1]);
	free(cipher);
	return rc;
}

enum rk_status backup_decrypt(const unsigned char key[BACKUP_KEY_BYTES], backup_read_fn in, void *in_ctx,
			      struct backup_header *h, backup_write_fn out, void *out_ctx, int64_t *bytes,
			      struct rk_err *err)
{
	*bytes = 0;
	unsigned char ad[BACKUP_PREFIX + BACKUP_MAX_HEADER];
	ssize_t got = read_full(in, in_ctx, ad, BACKUP_PREFIX);
	if (got < 0)
		return rk_fail(err, RK_IO, "reading the backup file: %s", strerror(errno));
	if ((size_t)got < BACKUP_PREFIX || memcmp(ad, BACKUP_MAGIC, 8) != 0)
		return rk_fail(err, RK_INVALID, "not a renkei backup file (no RENKEIBK at its start)");
	size_t hlen = (size_t)ad[10] << 8 | ad[11];
	if (hlen > BACKUP_MAX_HEADER)
		return rk_fail(err, RK_INVALID, "the backup header's length (%zu bytes) is out of range", hlen);
	got = read_full(in, in_ctx, ad + BACKUP_PREFIX, hlen);
	if (got < 0)
		return rk_fail(err, RK_IO, "reading the backup file: %s", strerror(errno));
	size_t used = 0;
	enum rk_status rc = backup_header_parse(ad, BACKUP_PREFIX + (size_t)got, h, &used, err);
	if (rc != RK_OK)
		return rc;
	char mine[BACKUP_KEY_ID_LEN];
	backup_key_id(key, mine);
	if (strcmp(mine, h->key_id) != 0)
		return rk_fail_code(err, RK_INVALID, "wrong_key",
				    "this backup was made with another key (key id %s; backup.key_file is key %s): "
				    "nothing was decrypted",
				    h->key_id, mine);
	unsigned char sh[SSHDR];
	if (read_full(in, in_ctx, sh, sizeof sh) != (ssize_t)sizeof sh)
		return rk_fail_code(err, RK_INVALID, "truncated", "the file ends before its first chunk: truncated");
	crypto_secretstream_xchacha20poly1305_state state;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&state, sh, key) != 0)
		return rk_fail_code(err, RK_INVALID, "tampered", "the stream header is damaged");
	unsigned char *cipher = malloc(BACKUP_CHUNK + ABYTES);
	unsigned char *plain = malloc(BACKUP_CHUNK);
	if (!cipher || !plain)
		rk_oom();
	int64_t chunk = 0;
	for (;;) {
		ssize_t n = read_full(in, in_ctx, cipher, BACKUP_CHUNK + ABYTES);
		if (n < 0) {
			rc = rk_fail(err, RK_IO, "reading the backup file: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			rc = rk_fail_code(err, RK_INVALID, "truncated",
					  "the file ends after chunk %lld without the final tag: truncated (incomplete "
					  "copy?)",
					  (long long)chunk);
			break;
		}
		unsigned long long plen = 0;
		unsigned char tag = 0;
		if ((size_t)n < ABYTES ||
		    crypto_secretstream_xchacha20poly1305_pull(&state, plain, &plen, &tag, cipher,
							       (unsigned long long)n, ad, used) != 0) {
			if ((size_t)n < BACKUP_CHUNK + ABYTES)
				rc = rk_fail_code(
					err, RK_INVALID, "truncated",
					"the last chunk (%lld) does not authenticate: the file is truncated or "
					"was altered",
					(long long)chunk);
			else
				rc = rk_fail_code(
					err, RK_INVALID, "tampered",
					"chunk %lld does not authenticate (MAC): the file was altered, or its "
					"header was",
					(long long)chunk);
			break;
		}
		chunk++;
		if ((rc = out(out_ctx, plain, (size_t)plen, err)) != RK_OK)
			break;
		*bytes += (int64_t)plen;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			unsigned char extra;
			ssize_t more = read_full(in, in_ctx, &extra, 1);
			if (more != 0)
				rc = rk_fail_code(err, RK_INVALID, "tampered",
						  "bytes follow the final tag: the file was altered");
			break;
		}
		if ((size_t)n < BACKUP_CHUNK + ABYTES) {
			rc = rk_fail_code(err, RK_INVALID, "truncated",
					  "a short chunk without the final tag: truncated");
			break;
		}
	}
	sodium_memzero(plain, BACKUP_CHUNK);
	sodium_memzero(&state, sizeof state);
	free(cipher);
	free(plain);
	return rc;
}

/* ---- generations ------------------------------------------------------------------ */

void backup_file_name(int64_t ms, char *out, size_t cap)
{
	int64_t days = ms >= 0 ? ms / 86400000 : 0, rem = ms >= 0 ? ms % 86400000 : 0, y;
	unsigned m, d;
	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, cap, BACKUP_NAME_PREFIX "%04lld%02u%02u-%02lld%02lld%02lld-%03lldZ" BACKUP_SUFFIX, (long long)y,
		 m, d, (long long)(rem / 3600000), (long long)(rem / 60000 % 60), (long long)(rem / 1000 % 60),
		 (long long)(rem % 1000));
}

/* n digits at p as a number (false: not digits). */
static bool digits(const char *p, int n, int64_t *out)
{
	int64_t v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

bool backup_name_time(const char *name, int64_t *ms)
{
	/* renkei-YYYYMMDD-HHMMSS-mmmZ.rkbk */
	const size_t pre = sizeof BACKUP_NAME_PREFIX - 1;
	if (strlen(name) != pre + 8 + 1 + 6 + 1 + 4 + sizeof BACKUP_SUFFIX - 1 ||
	    strncmp(name, BACKUP_NAME_PREFIX, pre) != 0)
		return false;
	const char *p = name + pre;
	int64_t y, mo, d, hh, mi, ss, mm;
	if (!digits(p, 4, &y) || !digits(p + 4, 2, &mo) || !digits(p + 6, 2, &d) || p[8] != '-' ||
	    !digits(p + 9, 2, &hh) || !digits(p + 11, 2, &mi) || !digits(p + 13, 2, &ss) || p[15] != '-' ||
	    !digits(p + 16, 3, &mm) || p[19] != 'Z' || strcmp(p + 20, BACKUP_SUFFIX) != 0)
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, (unsigned)mo) || hh > 23 || mi > 59 ||
	    ss > 59)
		return false;
	*ms = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 + hh * 3600000 + mi * 60000 + ss * 1000 +
	      mm;
	return true;
}

#define JST_MS (9 * 3600000LL)

static int64_t jst_day(int64_t ms)
{
	int64_t t = ms + JST_MS;
	return t >= 0 ? t / 86400000 : (t - 86399999) / 86400000;
}

static int64_t jst_month(int64_t ms)
{
	int64_t y;
	unsigned m, d;
	time_civil_from_days(jst_day(ms), &y, &m, &d);
	return y * 12 + (int64_t)m - 1;
}

void backup_retain(const int64_t *times, size_t n, int64_t now, const struct backup_rule *rule, bool *keep)
{
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	if (!order)
		rk_oom();
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		keep[i] = false;
	}
	/* newest first (insertion sort: a directory holds tens to hundreds) */
	for (size_t i = 1; i < n; i++) {
		size_t v = order[i], j = i;
		while (j > 0 && times[order[j - 1]] < times[v]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	int64_t today = jst_day(now), this_month = jst_month(now), last_day = INT64_MIN, last_month = INT64_MIN;
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		if ((int64_t)k < rule->keep_last)
			keep[i] = true;
		if (times[i] > now) /* from the future (a clock set wrong): only the newest N keep it */
			continue;
		int64_t d = jst_day(times[i]), m = jst_month(times[i]);
		if (d != last_day && today - d < rule->keep_daily)
			keep[i] = true;
		if (m != last_month && this_month - m < rule->keep_monthly)
			keep[i] = true;
		last_day = d;
		last_month = m;
	}
	free(order);
}
