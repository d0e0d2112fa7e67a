/* test_backup.c — unit tests for backup/ (backup.h): the file format (header
 * round trip and every malformed header, encryption round trip at chunk
 * boundaries, a flipped bit anywhere refused, every truncation refused, bytes
 * after the final tag refused, another key named), the retention rule with
 * the clock passed in (last N, daily, monthly, Japan's day boundary), file
 * names, and a real SQLite snapshot taken while another connection writes:
 * one consistent state, restorable only into a new file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "backup/backup.h"
#include "core/time.h"

struct mem {
	unsigned char *data;
	size_t len, pos, cap;
};

static ssize_t mem_read(void *ctx, void *buf, size_t cap)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
	if (n > 1000)
		n = n / 2 + 1; /* short reads, as from a pipe */
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static enum rk_status mem_write(void *ctx, const void *buf, size_t len, struct rk_err *err)
{
	(void)err;
	struct mem *m = ctx;
	if (len == 0)
		return RK_OK;
	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->data = realloc(m->data, m->cap);
	}
	memcpy(m->data + m->len, buf, len);
	m->len += len;
	return RK_OK;
}

static void header_of(struct backup_header *h, const unsigned char key[BACKUP_KEY_BYTES])
{
	memset(h, 0, sizeof *h);
	snprintf(h->backend, sizeof h->backend, "sqlite");
	snprintf(h->payload, sizeof h->payload, "sqlite3-database");
	h->created_ms = 1765000000123;
	h->schema = 17;
	h->audit_seq = 42;
	memset(h->audit_hash, 'a', 64);
	backup_key_id(key, h->key_id);
	snprintf(h->renkei, sizeof h->renkei, "0.1.0");
}

/* Encrypt n pseudo-random bytes; *plain gets them. */
static struct mem encrypt_n(const unsigned char key[BACKUP_KEY_BYTES], size_t n, unsigned char **plain)
{
	struct backup_header h;
	header_of(&h, key);
	*plain = malloc(n ? n : 1);
	randombytes_buf(*plain, n);
	struct mem in = {.data = *plain, .len = n}, out = {0};
	struct rk_err err;
	rk_err_clear(&err);
	int64_t bytes = 0;
	assert_int_equal(backup_encrypt(&h, key, mem_read, &in, mem_write, &out, &bytes, &err), RK_OK);
	assert_int_equal(bytes, (int64_t)n);
	return out;
}

static enum rk_status decrypt_mem(const unsigned char key[BACKUP_KEY_BYTES], const unsigned char *data, size_t len,
				  struct mem *plain, struct rk_err *err)
{
	struct mem in = {.data = (unsigned char *)data, .len = len};
	struct backup_header h;
	int64_t bytes = 0;
	rk_err_clear(err);
	return backup_decrypt(key, mem_read, &in, &h, mem_write, plain, &bytes, err);
}

static void test_round_trip_sizes(void **state)
{
	(void)state;
	unsigned char key[BACKUP_KEY_BYTES];
	randombytes_buf(key, sizeof key);
	const size_t sizes[] = {0, 1, BACKUP_CHUNK - 1, BACKUP_CHUNK, BACKUP_CHUNK + 1, 3 * BACKUP_CHUNK, 200000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *plain;
		struct mem f = encrypt_n(key, sizes[i], &plain);
		struct mem out = {0};
		struct rk_err err;
		assert_int_equal(decrypt_mem(key, f.data, f.len, &out, &err), RK_OK);
		assert_int_equal(out.len, sizes[i]);
		assert_true(sizes[i] == 0 || memcmp(out.data, plain, sizes[i]) == 0);
		free(out.data);
		free(f.data);
		free(plain);
	}
}

static void test_tamper_truncate_key(void **state)
{
	(void)state;
	unsigned char key[BACKUP_KEY_BYTES], other[BACKUP_KEY_BYTES];
	randombytes_buf(key, sizeof key);
	randombytes_buf(other, sizeof other);
	unsigned char *plain;
	struct mem f = encrypt_n(key, 2 * BACKUP_CHUNK + 100, &plain);
	struct rk_err err;
	/* a flipped bit anywhere (sampled every 997 bytes, and every header byte) */
	for (size_t i = 0; i < f.len; i += i < 400 ? 1 : 997) {
		f.data[i] ^= 0x10;
		struct mem out = {0};
		assert_int_not_equal(decrypt_mem(key, f.data, f.len, &out, &err), RK_OK);
		free(out.data);
		f.data[i] ^= 0x10;
	}
	/* every cut: refused, and truncation named when the cut is in the stream */
	for (size_t cut = 0; cut < f.len; cut += cut < 400 ? 7 : 1499) {
		struct mem out = {0};
		assert_int_equal(decrypt_mem(key, f.data, cut, &out, &err), RK_INVALID);
		free(out.data);
	}
	struct mem out = {0};
	size_t at_boundary = f.len - (100 + 17); /* the two full chunks, without the final one */
	assert_int_equal(decrypt_mem(key, f.data, at_boundary, &out, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "without the final tag"));
	free(out.data);
	/* bytes after the final tag */
	struct mem longer = {0};
	mem_write(&longer, f.data, f.len, &err);
	mem_write(&longer, "x", 1, &err);
	out = (struct mem){0};
	assert_int_equal(decrypt_mem(key, longer.data, longer.len, &out, &err), RK_INVALID); /* the last chunk's MAC */
	free(out.data);
	free(longer.data);
	unsigned char *plain2;
	struct mem whole = encrypt_n(key, 2 * BACKUP_CHUNK, &plain2); /* its final chunk is a full one */
	mem_write(&whole, "x", 1, &err);
	out = (struct mem){0};
	assert_int_equal(decrypt_mem(key, whole.data, whole.len, &out, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "follow the final tag"));
	free(out.data);
	free(whole.data);
	free(plain2);
	/* another key: named, nothing decrypted */
	out = (struct mem){0};
	assert_int_equal(decrypt_mem(other, f.data, f.len, &out, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "another key"));
	assert_int_equal(out.len, 0);
	free(out.data);
	/* the untouched file still decrypts */
	out = (struct mem){0};
	assert_int_equal(decrypt_mem(key, f.data, f.len, &out, &err), RK_OK);
	free(out.data);
	free(f.data);
	free(plain);
}

static void test_header_parse(void **state)
{
	(void)state;
	unsigned char key[BACKUP_KEY_BYTES] = {1};
	struct backup_header h, p;
	header_of(&h, key);
	unsigned char buf[BACKUP_PREFIX + BACKUP_MAX_HEADER];
	size_t n = 0, used = 0;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(backup_header_encode(&h, buf, sizeof buf, &n, &err), RK_OK);
	assert_int_equal(backup_header_parse(buf, n, &p, &used, &err), RK_OK);
	assert_int_equal(used, n);
	assert_string_equal(p.backend, "sqlite");
	assert_int_equal(p.audit_seq, 42);
	assert_int_equal(p.created_ms, h.created_ms);
	assert_string_equal(p.key_id, h.key_id);
	/* malformed: each refused with a reason */
	struct {
		const char *text;
		const char *why;
	} bad[] = {
		{"backend=oracle\n", "malformed"},    {"backend=sqlite\nbackend=sqlite\n", "repeated"},
		{"backend=sqlite\n", "lacks fields"}, {"no equals sign\n", "without '='"},
		{"backend=sqlite", "line end"},       {"created=-5\n", "malformed"},
		{"key_id=XYZ\n", "malformed"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = strlen(bad[i].text);
		memcpy(buf + BACKUP_PREFIX, bad[i].text, len);
		buf[10] = (unsigned char)(len >> 8);
		buf[11] = (unsigned char)(len & 0xff);
		rk_err_clear(&err);
		assert_int_equal(backup_header_parse(buf, BACKUP_PREFIX + len, &p, &used, &err), RK_INVALID);
		assert_non_null(strstr(err.msg, bad[i].why));
	}
	rk_err_clear(&err);
	assert_int_equal(backup_header_parse((const unsigned char *)"SQLite format 3", 15, &p, &used, &err),
			 RK_INVALID);
	assert_non_null(strstr(err.msg, "not a renkei backup"));
	memcpy(buf, BACKUP_MAGIC, 8);
	buf[9] = 2;
	rk_err_clear(&err);
	assert_int_equal(backup_header_parse(buf, sizeof buf, &p, &used, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "format version 2"));
}

static void test_names(void **state)
{
	(void)state;
	char name[96];
	int64_t ms = 0, t = time_days_from_civil(2026, 12, 8) * 86400000 + 3723004; /* 01:02:03.004 */
	backup_file_name(t, name, sizeof name);
	assert_string_equal(name, "renkei-20261208-010203-004Z.rkbk");
	assert_true(backup_name_time(name, &ms));
	assert_int_equal(ms, t);
	assert_false(backup_name_time("renkei-20261308-010203-004Z.rkbk", &ms));
	assert_false(backup_name_time("renkei-20261208-010203-004Z.rkbk.part", &ms));
	assert_false(backup_name_time(".renkei-20261208-010203-004Z.rkbk.part", &ms));
	assert_false(backup_name_time("notes.txt", &ms));
}

static void test_retention(void **state)
{
	(void)state;
	const int64_t H = 3600000, D = 24 * H;
	/* now: 2026-12-08 12:00 JST (03:00 UTC) */
	int64_t now = time_days_from_civil(2026, 12, 8) * D + 3 * H;
	int64_t t[] = {
		now - H,      /* 0 today */
		now - 2 * H,  /* 1 today */
		now - 3 * H,  /* 2 today, 09:00 JST */
		now - 4 * H,  /* 3 today 08:00 JST = yesterday 23:00 UTC: still today in Japan */
		now - 13 * H, /* 4 yesterday 23:00 JST */
		now - 14 * H, /* 5 yesterday */
		now - 3 * D,  /* 6 3 days ago */
		time_days_from_civil(2026, 11, 20) * D,          /* 7 November */
		time_days_from_civil(2026, 11, 2) * D,           /* 8 November, older */
		time_days_from_civil(2026, 9, 15) * D,           /* 9 September */
		time_days_from_civil(2025, 12, 31) * D + 20 * H, /* 10 2026-01-01 05:00 JST: January in Japan */
		now + D,                                         /* 11 from the future: only keep_last can keep it */
	};
	size_t n = sizeof t / sizeof t[0];
	bool keep[12];
	struct backup_rule only_last = {2, 0, 0};
	backup_retain(t, n, now, &only_last, keep);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(keep[i], i == 11 || i == 0);
	struct backup_rule daily = {1, 2, 0};
	backup_retain(t, n, now, &daily, keep);
	const bool want_daily[] = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
	for (size_t i = 0; i < n; i++)
		assert_int_equal(keep[i], want_daily[i]);
	struct backup_rule monthly = {1, 0, 4};
	backup_retain(t, n, now, &monthly, keep);
	/* December (0), November (7), October: none, September (9); January is 11 months back */
	const bool want_monthly[] = {1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1};
	for (size_t i = 0; i < n; i++)
		assert_int_equal(keep[i], want_monthly[i]);
	struct backup_rule year = {1, 0, 12};
	backup_retain(t, n, now, &year, keep);
	assert_true(keep[10]);
	backup_retain(NULL, 0, now, &year, keep); /* nothing to keep */
}

/* ---- a real snapshot while another connection writes ----------------------------- */

static char tmpdir[512];
static volatile int writing, committed;

/* Each transaction inserts a pair (x, -x): any consistent state sums to 0 with an even count. */
static void *writer(void *arg)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open((const char *)arg, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	for (int i = 1; writing; i++) {
		char sql[160];
		snprintf(sql, sizeof sql,
			 "BEGIN IMMEDIATE; INSERT INTO pairs VALUES (%d); INSERT INTO pairs VALUES (%d); COMMIT;", i,
			 -i);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		__atomic_add_fetch(&committed, 1, __ATOMIC_SEQ_CST);
	}
	sqlite3_close(db);
	return NULL;
}

static int64_t one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_sqlite_snapshot_under_writes(void **state)
{
	(void)state;
	char db[600], bk[600], kf[600], set[700], restored[700];
	snprintf(db, sizeof db, "%s/src.db", tmpdir);
	snprintf(bk, sizeof bk, "%s/generations", tmpdir);
	snprintf(kf, sizeof kf, "%s/backup.key", tmpdir);
	mkdir(bk, 0700);
	struct config cfg;
	config_defaults(&cfg);
	struct rk_err err;
	rk_err_clear(&err);
	snprintf(set, sizeof set, "store.url=sqlite:%s", db);
	assert_int_equal(config_set(&cfg, set, &err), RK_OK);
	snprintf(set, sizeof set, "backup.key_file=%s", kf);
	assert_int_equal(config_set(&cfg, set, &err), RK_OK);
	snprintf(set, sizeof set, "backup.dir=%s", bk);
	assert_int_equal(config_set(&cfg, set, &err), RK_OK);
	snprintf(set, sizeof set, "audit.key_file=%s/audit.key", tmpdir);
	assert_int_equal(config_set(&cfg, set, &err), RK_OK);
	/* the store's schema (so the header has an audit head), plus a table of pairs with bulk */
	struct store *s = NULL;
	struct store_options opt = {.busy_timeout_ms = 10000};
	assert_int_equal(store_open(cfg.store_url, &opt, &s, &err), RK_OK);
	assert_int_equal(store_migrate(s, &err), RK_OK);
	assert_int_equal(store_exec(s,
				    "CREATE TABLE pairs (v INTEGER); CREATE TABLE bulk (b BLOB);"
				    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)"
				    " INSERT INTO bulk SELECT randomblob(1000) FROM n",
				    &err),
			 RK_OK);
	store_close(s);
	char id[BACKUP_KEY_ID_LEN];
	assert_int_equal(backup_keygen(&cfg, id, &err), RK_OK);
	assert_int_not_equal(backup_keygen(&cfg, id, &err), RK_OK); /* never over a key */
	writing = 1;
	pthread_t th;
	pthread_create(&th, NULL, writer, db);
	while (__atomic_load_n(&committed, __ATOMIC_SEQ_CST) < 5)
		usleep(1000);
	struct backup_result r;
	rk_err_clear(&err);
	assert_int_equal(backup_create(&cfg, NULL, &r, &err), RK_OK);
	int after = __atomic_load_n(&committed, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&committed, __ATOMIC_SEQ_CST) < after + 3)
		usleep(1000);
	writing = 0;
	pthread_join(th, NULL);
	struct stat st;
	assert_int_equal(stat(r.path, &st), 0);
	assert_int_equal(st.st_mode & 0222, 0);
	/* restore: a new file only */
	snprintf(restored, sizeof restored, "sqlite:%s/restored.db", tmpdir);
	struct backup_check k;
	rk_err_clear(&err);
	assert_int_equal(backup_restore(&cfg, r.path, restored, &k, &err), RK_OK);
	sqlite3 *rd;
	assert_int_equal(sqlite3_open(restored + 7, &rd), SQLITE_OK);
	int64_t count = one(rd, "SELECT COUNT(*) FROM pairs"), sum = one(rd, "SELECT COALESCE(SUM(v), 0) FROM pairs");
	assert_int_equal(one(rd, "SELECT COUNT(*) FROM bulk"), 6000);
	sqlite3_close(rd);
	assert_true(count > 0);
	assert_int_equal(count % 2, 0);
	assert_int_equal(sum, 0);
	rk_err_clear(&err);
	assert_int_equal(backup_restore(&cfg, r.path, restored, &k, &err), RK_CONFLICT);
	assert_non_null(strstr(err.msg, "nothing was written"));
	/* verify: sound */
	rk_err_clear(&err);
	assert_int_equal(backup_verify(&cfg, r.path, &k, &err), RK_OK);
	assert_true(k.restored_checked);
	config_free(&cfg);
}

int main(void)
{
	assert_true(sodium_init() >= 0);
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/renkei-test-backup-XXXXXX", t && t[0] ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_sizes), cmocka_unit_test(test_tamper_truncate_key),
		cmocka_unit_test(test_header_parse),     cmocka_unit_test(test_names),
		cmocka_unit_test(test_retention),        cmocka_unit_test(test_sqlite_snapshot_under_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
