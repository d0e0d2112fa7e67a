/* audit.c — the HMAC chain and its keyed head, appending (the writer thread's
 * group commit, and appends inside a caller's transaction), the key file and
 * its check value, checkpoints, and verification. */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/checkpoint.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/time.h"

_Static_assert(AUDIT_KEY_BYTES == AUDIT_CHECKPOINT_KEY_BYTES, "one key signs the chain and its checkpoints");

/* An entry on its way into the chain: the event and what chaining gives it. */
struct chained {
	const struct audit_event *ev;
	int64_t seq, at;
	char action[2], prev[65], hash[65];
};

struct pending {
	struct pending *next;
	struct audit_event ev; /* strings owned */
	int64_t seq;           /* set by the writer */
	enum rk_status status;
	char msg[RK_ERR_MSG_MAX];
	bool done;
	pthread_cond_t cv;      /* its own: the writer wakes exactly the waiters of a batch */
	audit_done_fn callback; /* asynchronous: called instead of waking a waiter */
	void *callback_arg;
};

struct audit_log {
	const struct config *cfg;
	unsigned char key[AUDIT_KEY_BYTES];
	char checkpoint_path[RK_MAX_PATH];
	char log_id[33];     /* audit_key_check.log_id */
	struct store *store; /* the writer thread's */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work; /* on CLOCK_MONOTONIC: the writer also wakes for checkpoints */
	struct pending *head, *tail;
	bool stopping;
	bool checkpoint_wanted;        /* enough entries since the last checkpoint */
	atomic_llong since_checkpoint; /* entries appended by this process since then (rolled back ones too) */
	atomic_llong high_seq;         /* the highest committed head this process has seen: it never goes back */
};

/* ---- the chain ---------------------------------------------------------- */

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* The text fields as a table: their offsets in struct audit_event and their
 * columns, in AUDIT_TEXT_FIELDS' order. */
#define FIELD_OFFSET(m, c) offsetof(struct audit_event, m),
#define FIELD_COLUMN(m, c) ", " #c
static const size_t text_offset[] = {AUDIT_TEXT_FIELDS(FIELD_OFFSET)};
#define N_TEXT (sizeof text_offset / sizeof text_offset[0])
/* ", request_id, event, account_id, ..." */
#define TEXT_COLUMNS AUDIT_TEXT_FIELDS(FIELD_COLUMN)

static const char **text_field(struct audit_event *ev, size_t i)
{
	return (const char **)((char *)ev + text_offset[i]);
}

static const char *text_of(const struct audit_event *ev, size_t i)
{
	return *(const char *const *)((const char *)ev + text_offset[i]);
}

static void canonical(struct buf *b, int64_t seq, int64_t recorded_at, const struct audit_event *ev)
{
	const char *fields[N_TEXT];
	for (size_t i = 0; i < N_TEXT; i++)
		fields[i] = text_of(ev, i);
	buf_printf(b, "[%lld,%lld,\"%c\",%d", (long long)seq, (long long)recorded_at, ev->action ? ev->action : 'E',
		   ev->outcome);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		buf_putc(b, ',');
		buf_put_json_str(b, str_c(nz(fields[i])));
	}
	buf_putc(b, ']');
}

void audit_chain_hash(const unsigned char key[AUDIT_KEY_BYTES], const char *prev_hash, int64_t seq, int64_t recorded_at,
		      const struct audit_event *ev, char out[65])
{
	struct buf b;
	buf_init(&b, 1u << 24);
	buf_puts(&b, nz(prev_hash));
	buf_putc(&b, '\n');
	canonical(&b, seq, recorded_at, ev);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)buf_cstr(&b), b.len, key);
	sodium_bin2hex(out, 65, mac, sizeof mac);
	buf_free(&b);
}

void audit_head_mac(const unsigned char key[AUDIT_KEY_BYTES], const char *log_id, int64_t seq, const char *hash,
		    int64_t recorded_at, char out[65])
{
	char msg[200];
	int len = snprintf(msg, sizeof msg, "renkei audit head\n%.32s\n%lld\n%.64s\n%lld", nz(log_id), (long long)seq,
			   nz(hash), (long long)recorded_at);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)len, key);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

/* What audit_key_check holds: proves which key wrote the log without revealing it. */
static void key_check_value(const unsigned char key[AUDIT_KEY_BYTES], char out[65])
{
	static const char label[] = "renkei audit key check v1";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)label, sizeof label - 1, key);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

static bool hex_eq(struct str stored, const char want[65])
{
	return stored.len == 64 && sodium_memcmp(stored.ptr, want, 64) == 0;
}

/* ---- the key -------------------------------------------------------------- */

void audit_key_path(const struct config *cfg, char *out, size_t cap)
{
	if (cfg->audit_key_file[0])
		snprintf(out, cap, "%s", cfg->audit_key_file);
	else if (strncmp(cfg->store_url, "sqlite:", 7) == 0)
		snprintf(out, cap, "%s.audit.key", cfg->store_url + 7);
	else
		snprintf(out, cap, "var/audit.key");
}

enum rk_status audit_key_load(const char *path, bool create, unsigned char key[AUDIT_KEY_BYTES], struct rk_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		unsigned char fresh[AUDIT_KEY_BYTES];
		randombytes_buf(fresh, sizeof fresh);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			ssize_t w = write(fd, fresh, sizeof fresh);
			int sync_rc = fsync(fd);
			close(fd);
			if (w != (ssize_t)sizeof fresh || sync_rc != 0) {
				unlink(path);
				return rk_fail(err, RK_IO, "cannot write the audit key %s", path);
			}
		} else if (errno != EEXIST) {
			return rk_fail(err, RK_IO,
				       "cannot create the audit key %s: %s (set audit.key_file to a writable place)",
				       path, strerror(errno));
		}
		fd = open(path, O_RDONLY | O_CLOEXEC); /* ours, or a concurrent starter's */
	}
	if (fd < 0)
		return rk_fail(err, RK_IO, "cannot read the audit key %s: %s", path, strerror(errno));
	ssize_t n = read(fd, key, AUDIT_KEY_BYTES);
	close(fd);
	if (n != AUDIT_KEY_BYTES)
		return rk_fail(err, RK_IO, "the audit key %s is not %d bytes", path, AUDIT_KEY_BYTES);
	return RK_OK;
}

/* ---- the head ------------------------------------------------------------ */

struct head {
	int64_t seq, at;
	char hash[65], mac[65];
};

/* The head row; for_update locks it until the transaction ends. */
static enum rk_status head_read(struct store *s, bool for_update, struct head *h, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc =
		store_prepare(s,
			      for_update ? "SELECT seq, hash, recorded_at, mac FROM audit_head WHERE id = 1@FORUPDATE@"
					 : "SELECT seq, hash, recorded_at, mac FROM audit_head WHERE id = 1",
			      &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = rk_fail(err, RK_DB, "the audit chain head is missing");
	if (rc == RK_OK) {
		memset(h, 0, sizeof *h);
		h->seq = store_col_i64(st, 0);
		str_copy(h->hash, sizeof h->hash, store_col_text(st, 1));
		h->at = store_col_i64(st, 2);
		str_copy(h->mac, sizeof h->mac, store_col_text(st, 3));
	}
	store_done(st);
	return rc;
}

static bool head_mac_ok(const unsigned char key[AUDIT_KEY_BYTES], const char *log_id, const struct head *h)
{
	char want[65];
	audit_head_mac(key, log_id, h->seq, h->hash, h->at, want);
	return hex_eq(str_c(h->mac), want);
}

static void high_seq_raise(struct audit_log *log, int64_t seq)
{
	long long cur = atomic_load(&log->high_seq);
	while (cur < seq && !atomic_compare_exchange_weak(&log->high_seq, &cur, seq))
		;
}

/* Before anything is chained to it: the head is renkei's own (its HMAC), and
 * not behind a head this process saw committed (entries removed while it ran).
 * Appending to an altered head would make the alteration verify. */
static enum rk_status head_check(struct audit_log *log, const struct head *h, struct rk_err *err)
{
	if (!head_mac_ok(log->key, log->log_id, h))
		return rk_fail(
			err, RK_DB,
			"the audit chain head (entry %lld) was changed outside renkei: its HMAC does not match; nothing "
			"more is appended until `renkei audit verify` has been run and the cause found",
			(long long)h->seq);
	long long high = atomic_load(&log->high_seq);
	if (h->seq < high)
		return rk_fail(
			err, RK_DB,
			"the audit chain went back from entry %lld to entry %lld while renkei ran (entries removed and "
			"an older head restored); nothing more is appended until `renkei audit verify` has been run",
			high, (long long)h->seq);
	return RK_OK;
}

static enum rk_status head_write(struct audit_log *log, struct store *s, int64_t seq, const char *hash, int64_t at,
				 struct rk_err *err)
{
	char mac[65];
	audit_head_mac(log->key, log->log_id, seq, hash, at, mac);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s, "UPDATE audit_head SET seq = ?, hash = ?, recorded_at = ?, mac = ? WHERE id = 1", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, seq);
	store_bind_text(st, 2, str_c(hash));
	store_bind_i64(st, 3, at);
	store_bind_text(st, 4, str_c(mac));
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* Multi-row INSERTs: on PostgreSQL every statement is a round trip, and a
 * batch of 32 entries one row at a time cost more than its fsync. */
#define ENTRY_COLS (6 + (int)N_TEXT) /* seq, recorded_at, action, outcome, prev_hash, hash, then the texts */
/* An entry read back in the same order: columns 0-5 fixed, then the texts. */
#define ENTRY_SELECT "SELECT seq, recorded_at, action, outcome, prev_hash, hash" TEXT_COLUMNS " FROM audit_entry"

/* The entry of st's row (ENTRY_SELECT): its text columns copied into texts
 * (reset here; ev, prev and hash point into it until its next use). */
static void entry_of_row(struct store_stmt *st, struct buf *texts, struct audit_event *ev, const char **prev,
			 const char **hash)
{
	size_t offs[6 + N_TEXT];
	buf_reset(texts);
	for (int c = 2; c < ENTRY_COLS; c++) {
		if (c == 3)
			continue; /* outcome: a number */
		offs[c] = texts->len;
		buf_put_str(texts, store_col_text(st, c));
		buf_putc(texts, '\0');
	}
	const char *f = buf_cstr(texts);
	*ev = (struct audit_event){.action = f[offs[2]], .outcome = (int)store_col_i64(st, 3)};
	for (size_t i = 0; i < N_TEXT; i++)
		*text_field(ev, i) = f + offs[6 + i];
	*prev = f + offs[4];
	*hash = f + offs[5];
}
#define ENTRY_ROWS   (RK_MAX_SQL_PARAMS / ENTRY_COLS)
#define PATIENT_ROWS (RK_MAX_SQL_PARAMS / 2)

/* "INSERT ... VALUES (?, ...), (?, ...)" with rows tuples of cols. */
static void insert_sql(struct buf *sql, const char *head, int rows, int cols, const char *tail)
{
	buf_reset(sql);
	buf_puts(sql, head);
	for (int r = 0; r < rows; r++) {
		buf_puts(sql, r ? ", (" : " (");
		for (int c = 0; c < cols; c++)
			buf_puts(sql, c ? ", ?" : "?");
		buf_putc(sql, ')');
	}
	buf_puts(sql, tail);
}

static enum rk_status insert_entries(struct store *s, const struct chained *rows, int n, struct buf *sql,
				     struct rk_err *err)
{
	insert_sql(sql,
		   "INSERT INTO audit_entry (seq, recorded_at, action, outcome, prev_hash, hash" TEXT_COLUMNS
		   ") VALUES",
		   n, ENTRY_COLS, "");
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, buf_cstr(sql), &st, err);
	if (rc != RK_OK)
		return rc;
	for (int r = 0; r < n; r++) {
		const struct chained *c = &rows[r];
		const struct audit_event *ev = c->ev;
		int base = r * ENTRY_COLS;
		store_bind_i64(st, base + 1, c->seq);
		store_bind_i64(st, base + 2, c->at);
		store_bind_text(st, base + 3, str_c(nz(c->action)));
		store_bind_i64(st, base + 4, ev->outcome);
		store_bind_text(st, base + 5, str_c(nz(c->prev)));
		store_bind_text(st, base + 6, str_c(nz(c->hash)));
		for (size_t i = 0; i < N_TEXT; i++)
			store_bind_text(st, base + 7 + (int)i, str_c(nz(text_of(ev, i))));
	}
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

static enum rk_status insert_patients(struct store *s, const char **ids, const int64_t *seqs, int n, struct buf *sql,
				      struct rk_err *err)
{
	insert_sql(sql, "INSERT INTO audit_patient (regional_id, seq) VALUES", n, 2,
		   " ON CONFLICT DO NOTHING"); /* the same patient twice in one entry */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, buf_cstr(sql), &st, err);
	if (rc != RK_OK)
		return rc;
	for (int r = 0; r < n; r++) {
		store_bind_text(st, 2 * r + 1, str_c(ids[r]));
		store_bind_i64(st, 2 * r + 2, seqs[r]);
	}
	rc = store_run(st, err);
	store_done(st);
	return rc;
}

/* The rows of a chained batch, ENTRY_ROWS and PATIENT_ROWS at a time. */
static enum rk_status insert_rows(struct store *s, const struct chained *rows, size_t count, struct rk_err *err)
{
	struct buf sql;
	buf_init(&sql, 64 * 1024);
	enum rk_status rc = RK_OK;
	for (size_t i = 0; i < count && rc == RK_OK; i += ENTRY_ROWS)
		rc = insert_entries(s, rows + i, (int)(count - i < ENTRY_ROWS ? count - i : ENTRY_ROWS), &sql, err);
	char *ids[PATIENT_ROWS]; /* copies: the parsed arrays are freed entry by entry */
	int64_t seqs[PATIENT_ROWS];
	int n = 0;
	for (size_t r = 0; r < count && rc == RK_OK; r++) {
		json_t *arr = json_loads(nz(rows[r].ev->patients), 0, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
		{
			if (!json_is_string(v))
				continue;
			if (!(ids[n] = strdup(json_string_value(v))))
				rk_oom();
			seqs[n++] = rows[r].seq;
			if (n == PATIENT_ROWS) {
				rc = insert_patients(s, (const char **)ids, seqs, n, &sql, err);
				while (n)
					free(ids[--n]);
				if (rc != RK_OK)
					break;
			}
		}
		json_decref(arr);
	}
	if (rc == RK_OK && n)
		rc = insert_patients(s, (const char **)ids, seqs, n, &sql, err);
	while (n)
		free(ids[--n]);
	buf_free(&sql);
	return rc;
}

/* Chain rows to the head and write them, inside the caller's transaction on
 * s. The head row is the one point every appender (this process's writer and
 * request threads, other processes) passes in turn: its lock is held to the
 * end of the transaction, and each entry's time is at least the head's, so
 * the log's order and its times agree whatever the clocks of the appenders. */
static enum rk_status chain_append(struct audit_log *log, struct store *s, struct chained *rows, size_t n,
				   struct rk_err *err)
{
	if (!store_in_tx(s))
		return rk_fail(err, RK_INTERNAL, "audit entries are appended inside a transaction");
	struct head h;
	enum rk_status rc = head_read(s, true, &h, err);
	if (rc == RK_OK)
		rc = head_check(log, &h, err);
	if (rc != RK_OK)
		return rc;
	int64_t now = time_now_ms();
	if (now < h.at)
		now = h.at; /* never backwards, even if a clock is stepped or another process's runs ahead */
	char prev[65];
	memcpy(prev, h.hash, sizeof prev);
	for (size_t i = 0; i < n; i++) {
		struct chained *c = &rows[i];
		c->seq = ++h.seq;
		c->at = now;
		c->action[0] = c->ev->action ? c->ev->action : 'E';
		c->action[1] = '\0';
		memcpy(c->prev, prev, sizeof prev);
		audit_chain_hash(log->key, prev, c->seq, now, c->ev, c->hash);
		memcpy(prev, c->hash, sizeof prev);
	}
	if ((rc = insert_rows(s, rows, n, err)) != RK_OK)
		return rc;
	return head_write(log, s, h.seq, prev, now, err);
}

static void checkpoint_count(struct audit_log *log, size_t n)
{
	long long before = atomic_fetch_add(&log->since_checkpoint, (long long)n);
	if (before < log->cfg->audit_checkpoint_entries &&
	    before + (long long)n >= log->cfg->audit_checkpoint_entries) {
		pthread_mutex_lock(&log->mu);
		log->checkpoint_wanted = true;
		pthread_cond_signal(&log->work);
		pthread_mutex_unlock(&log->mu);
	}
}

enum rk_status audit_append_many(struct audit_log *log, struct store *s, const struct audit_event *evs, size_t n,
				 int64_t *first_seq, struct rk_err *err)
{
	if (!n)
		return RK_OK;
	struct chained *rows = calloc(n, sizeof *rows);
	if (!rows)
		rk_oom();
	for (size_t i = 0; i < n; i++)
		rows[i].ev = &evs[i];
	enum rk_status rc = chain_append(log, s, rows, n, err);
	if (rc == RK_OK && first_seq)
		*first_seq = rows[0].seq;
	free(rows);
	if (rc == RK_OK)
		checkpoint_count(log, n);
	return rc;
}

enum rk_status audit_append(struct audit_log *log, struct store *s, const struct audit_event *ev, int64_t *seq,
			    struct rk_err *err)
{
	/* patients and entities: "[]" when not given, as the writer thread does */
	struct audit_event e = *ev;
	if (!e.patients || !*e.patients)
		e.patients = "[]";
	if (!e.entities || !*e.entities)
		e.entities = "[]";
	return audit_append_many(log, s, &e, 1, seq, err);
}

/* The writer thread's batch, in a transaction of its own. */
static enum rk_status write_batch(struct audit_log *log, struct pending *batch, size_t n, struct rk_err *err)
{
	struct chained *rows = calloc(n, sizeof *rows);
	if (!rows)
		rk_oom();
	size_t i = 0;
	for (struct pending *p = batch; p; p = p->next)
		rows[i++].ev = &p->ev;
	struct store *s = log->store;
	enum rk_status rc = store_begin(s, err);
	if (rc == RK_OK) {
		rc = chain_append(log, s, rows, n, err);
		if (rc == RK_OK)
			rc = store_commit(s, err);
		else
			store_rollback(s);
	}
	if (rc == RK_OK) {
		i = 0;
		for (struct pending *p = batch; p; p = p->next)
			p->seq = rows[i++].seq;
		high_seq_raise(log, rows[n - 1].seq); /* committed */
	}
	free(rows);
	return rc;
}

/* ---- checkpoints ---------------------------------------------------------- */

/* The chain value of entry seq (RK_NOT_FOUND when there is none). */
static enum rk_status entry_hash(struct store *s, int64_t seq, char out[65], struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT hash FROM audit_entry WHERE seq = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, seq);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = RK_NOT_FOUND;
	if (rc == RK_OK)
		str_copy(out, 65, store_col_text(st, 0));
	store_done(st);
	return rc;
}

/* Does the chain of s (whose head is h) still hold what cp says? RK_OK, or
 * RK_CONFLICT with a message naming what differs. */
static enum rk_status checkpoint_agrees(struct store *s, const struct head *h, const struct audit_checkpoint *cp,
					const char *path, struct rk_err *err)
{
	char when[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(cp->written_at, when);
	if (h->seq < cp->seq)
		return rk_fail(
			err, RK_CONFLICT,
			"the audit log ends at entry %lld, but the checkpoint %s (taken %s) names entry %lld: entries "
			"were removed and an older chain head restored",
			(long long)h->seq, path, when, (long long)cp->seq);
	if (cp->seq == 0)
		return RK_OK;
	char hash[65] = "";
	enum rk_status rc =
		h->seq == cp->seq ? (memcpy(hash, h->hash, sizeof hash), RK_OK) : entry_hash(s, cp->seq, hash, err);
	if (rc == RK_NOT_FOUND || (rc == RK_OK && strcmp(hash, cp->hash) != 0))
		return rk_fail(
			err, RK_CONFLICT,
			"entry %lld is not the entry the checkpoint %s (taken %s) names: the log was rewritten from there",
			(long long)cp->seq, path, when);
	return rc;
}

/* On the writer thread: anchor the committed head in the checkpoint file,
 * unless the file already holds it — or holds something the database no
 * longer agrees with, which is kept as evidence (and logged) rather than
 * overwritten. */
static void take_checkpoint(struct audit_log *log)
{
	struct rk_err err;
	rk_err_clear(&err);
	struct head h;
	struct audit_checkpoint old;
	bool found = false;
	enum rk_status rc = head_read(log->store, false, &h, &err);
	if (rc == RK_OK && !head_mac_ok(log->key, log->log_id, &h))
		rc = rk_fail(&err, RK_DB, "the audit chain head (entry %lld) was changed outside renkei",
			     (long long)h.seq);
	if (rc == RK_OK)
		rc = checkpoint_read(log->checkpoint_path, log->key, &old, &found, &err);
	if (rc == RK_OK && found && strcmp(old.log_id, log->log_id) != 0) {
		/* another log's under the same key (give each database its own key) */
		log_event(LOG_WARN, "audit.checkpoint_replaced", "path", log->checkpoint_path, "other_log", old.log_id,
			  NULL);
		found = false;
	}
	if (rc == RK_OK && found && old.seq == h.seq && strcmp(old.hash, h.hash) == 0)
		return; /* nothing new */
	if (rc == RK_OK && found)
		rc = checkpoint_agrees(log->store, &h, &old, log->checkpoint_path, &err);
	if (rc == RK_OK) {
		high_seq_raise(log, h.seq);
		struct audit_checkpoint cp = {.seq = h.seq, .recorded_at = h.at, .written_at = time_now_ms()};
		memcpy(cp.hash, h.hash, sizeof cp.hash);
		memcpy(cp.log_id, log->log_id, sizeof cp.log_id);
		atomic_store(&log->since_checkpoint, 0);
		if (checkpoint_write(log->checkpoint_path, log->key, &cp, &err) != RK_OK)
			log_event(LOG_WARN, "audit.checkpoint_failed", "error", err.msg, NULL);
		return;
	}
	log_event(rc == RK_CONFLICT || rc == RK_INVALID ? LOG_ERROR : LOG_WARN, "audit.checkpoint_refused", "error",
		  err.msg, NULL);
}

/* ---- the writer thread ---------------------------------------------------- */

static void pending_free(struct pending *p)
{
	for (size_t i = 0; i < N_TEXT; i++)
		free((char *)text_of(&p->ev, i));
	pthread_cond_destroy(&p->cv);
	free(p);
}

static void deliver(struct audit_log *log, struct pending *batch, enum rk_status rc, const char *msg)
{
	for (struct pending *p = batch, *next; p; p = next) {
		next = p->next; /* p belongs to its waiter once done is set */
		if (p->callback) {
			p->callback(p->callback_arg, rc, msg);
			pending_free(p);
			continue;
		}
		pthread_mutex_lock(&log->mu);
		p->status = rc;
		snprintf(p->msg, sizeof p->msg, "%s", msg);
		p->done = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&log->mu);
	}
}

static void *writer(void *arg)
{
	struct audit_log *log = arg;
	int64_t interval = log->cfg->audit_checkpoint_interval_ms;
	int64_t next_checkpoint = time_mono_ms() + interval;
	pthread_mutex_lock(&log->mu);
	for (;;) {
		while (!log->head && !log->stopping && !log->checkpoint_wanted && time_mono_ms() < next_checkpoint) {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			int64_t wait = next_checkpoint - time_mono_ms();
			until.tv_sec += (time_t)(wait / 1000);
			until.tv_nsec += (long)(wait % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&log->work, &log->mu, &until);
		}
		bool stop = !log->head && log->stopping;
		struct pending *batch = log->head;
		log->head = log->tail = NULL;
		bool checkpoint = stop || log->checkpoint_wanted || time_mono_ms() >= next_checkpoint;
		log->checkpoint_wanted = false;
		pthread_mutex_unlock(&log->mu);

		if (batch) {
			size_t n = 0;
			for (struct pending *p = batch; p; p = p->next)
				n++;
			struct rk_err err;
			rk_err_clear(&err);
			enum rk_status rc = write_batch(log, batch, n, &err);
			if (rc != RK_OK)
				log_event(LOG_ERROR, "audit.write_failed", "error", err.msg, NULL);
			deliver(log, batch, rc, err.msg);
			if (rc == RK_OK)
				checkpoint_count(log, n);
		}
		if (checkpoint) {
			take_checkpoint(log);
			next_checkpoint = time_mono_ms() + interval;
		}
		pthread_mutex_lock(&log->mu);
		if (stop)
			break;
	}
	pthread_mutex_unlock(&log->mu);
	return NULL;
}

static char *dup_or_empty(const char *s)
{
	char *d = strdup(nz(s));
	if (!d)
		rk_oom();
	return d;
}

static struct pending *pending_new(const struct audit_event *ev)
{
	struct pending *p = calloc(1, sizeof *p);
	if (!p)
		rk_oom();
	p->ev = (struct audit_event){.action = ev->action, .outcome = ev->outcome};
	for (size_t i = 0; i < N_TEXT; i++)
		*text_field(&p->ev, i) = dup_or_empty(text_of(ev, i));
	/* the JSON arrays are never empty text */
	if (!*p->ev.patients) {
		free((char *)p->ev.patients);
		p->ev.patients = dup_or_empty("[]");
	}
	if (!*p->ev.entities) {
		free((char *)p->ev.entities);
		p->ev.entities = dup_or_empty("[]");
	}
	pthread_cond_init(&p->cv, NULL);
	return p;
}

/* Queue p; false when the log is shutting down. Called with log->mu held. */
static bool enqueue(struct audit_log *log, struct pending *p)
{
	if (log->stopping)
		return false;
	if (log->tail)
		log->tail->next = p;
	else
		log->head = p;
	log->tail = p;
	pthread_cond_signal(&log->work);
	return true;
}

enum rk_status audit_submit(struct audit_log *log, const struct audit_event *ev, audit_done_fn done, void *arg)
{
	struct pending *p = pending_new(ev);
	p->callback = done;
	p->callback_arg = arg;
	pthread_mutex_lock(&log->mu);
	bool queued = enqueue(log, p);
	pthread_mutex_unlock(&log->mu);
	if (!queued) {
		pending_free(p);
		return RK_BUSY;
	}
	return RK_OK;
}

enum rk_status audit_write(struct audit_log *log, const struct audit_event *ev, int64_t *seq_out, struct rk_err *err)
{
	struct pending *p = pending_new(ev);
	pthread_mutex_lock(&log->mu);
	if (!enqueue(log, p)) {
		pthread_mutex_unlock(&log->mu);
		pending_free(p);
		return rk_fail(err, RK_BUSY, "the audit log is shutting down");
	}
	while (!p->done)
		pthread_cond_wait(&p->cv, &log->mu);
	pthread_mutex_unlock(&log->mu);
	enum rk_status rc = p->status;
	if (rc != RK_OK)
		rk_fail(err, rc, "the audit entry could not be written (%s); nothing was served", p->msg);
	else if (seq_out)
		*seq_out = p->seq;
	pending_free(p);
	return rc;
}

/* ---- opening: the key, its check value, the head, the checkpoint ---------- */

/* Does key prove itself against a log written before migration 0007 (no
 * check value, no head HMAC)? Against the last entry's chain value, which
 * must also be the head's. */
static enum rk_status key_fits_log(struct store *s, const unsigned char key[AUDIT_KEY_BYTES], const struct head *h,
				   struct rk_err *err)
{
	if (h->seq == 0)
		return RK_OK;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, ENTRY_SELECT " WHERE seq = ?", &st, err);
	if (rc != RK_OK)
		return rc;
	store_bind_i64(st, 1, h->seq);
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && !row)
		rc = rk_fail(err, RK_CONFLICT,
			     "the audit chain head names entry %lld, which does not exist; run `renkei "
			     "audit verify`",
			     (long long)h->seq);
	if (rc == RK_OK) {
		struct buf texts;
		buf_init(&texts, 1u << 26);
		struct audit_event ev;
		const char *prev, *hash;
		entry_of_row(st, &texts, &ev, &prev, &hash);
		char want[65];
		audit_chain_hash(key, prev, h->seq, store_col_i64(st, 1), &ev, want);
		if (strcmp(want, hash) != 0)
			rc = rk_fail(err, RK_INVALID, "the audit key does not match this audit log's entries");
		else if (strcmp(hash, h->hash) != 0)
			rc = rk_fail(err, RK_CONFLICT,
				     "the audit chain head disagrees with entry %lld; run `renkei audit "
				     "verify`",
				     (long long)h->seq);
		buf_free(&texts);
	}
	store_done(st);
	return rc;
}

/* The key check row: *found, and the log's id. */
static enum rk_status key_check_read(struct store *s, bool *found, char check[65], char log_id[33], struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT check_value, log_id FROM audit_key_check WHERE id = 1", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	*found = rc == RK_OK && row;
	if (*found) {
		str_copy(check, 65, store_col_text(st, 0));
		str_copy(log_id, 33, store_col_text(st, 1));
	}
	store_done(st);
	return rc;
}

/* In one transaction, under the head's lock (concurrent starters take turns):
 * the key check value — stored with a new log id when the log has none yet,
 * compared otherwise — and the head's HMAC; *created when this call stored
 * the check value. */
static enum rk_status establish(struct audit_log *log, const char *key_path, bool have_checkpoint, struct head *h,
				bool *created, struct rk_err *err)
{
	struct store *s = log->store;
	char check[65], stored[65] = "";
	key_check_value(log->key, check);
	*created = false;
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	if ((rc = head_read(s, true, h, err)) != RK_OK ||
	    (rc = key_check_read(s, &row, stored, log->log_id, err)) != RK_OK)
		goto out;
	if (row && !hex_eq(str_c(stored), check)) {
		rc = rk_fail(
			err, RK_INVALID,
			"the audit key %s is not the key this audit log was created with (its check value differs): "
			"every renkei process on one database must use the same audit.key_file",
			key_path);
		goto out;
	}
	if (!row && h->mac[0]) {
		rc = rk_fail(err, RK_CONFLICT,
			     "the audit key check was removed from the database (the chain head is keyed); "
			     "run `renkei audit verify`");
		goto out;
	}
	if (!row) {
		/* A new log, or one written before migration 0007: the key proves
		 * itself against the last entry, and the head is keyed now (trust on
		 * first use). Not when a checkpoint exists: keyed renkei ran here,
		 * so the check value and the head's HMAC were removed. */
		if (have_checkpoint && h->seq > 0) {
			rc = rk_fail(err, RK_CONFLICT,
				     "the audit key check and the chain head's HMAC were removed from the "
				     "database; run `renkei audit verify`");
			goto out;
		}
		if ((rc = key_fits_log(s, log->key, h, err)) != RK_OK)
			goto out;
		unsigned char id[16];
		randombytes_buf(id, sizeof id);
		sodium_bin2hex(log->log_id, sizeof log->log_id, id, sizeof id);
		struct store_stmt *st;
		if ((rc = store_prepare(
			     s, "INSERT INTO audit_key_check (id, check_value, log_id, created_at) VALUES (1, ?, ?, ?)",
			     &st, err)) != RK_OK)
			goto out;
		store_bind_text(st, 1, str_c(check));
		store_bind_text(st, 2, str_c(log->log_id));
		store_bind_i64(st, 3, time_now_ms());
		rc = store_run(st, err);
		store_done(st);
		if (rc != RK_OK || (rc = head_write(log, s, h->seq, h->hash, h->at, err)) != RK_OK)
			goto out;
		audit_head_mac(log->key, log->log_id, h->seq, h->hash, h->at, h->mac);
		*created = true;
	}
	if (!head_mac_ok(log->key, log->log_id, h)) {
		rc = rk_fail(
			err, RK_CONFLICT,
			"the audit chain head (entry %lld) was changed outside renkei: its HMAC does not match; run "
			"`renkei audit verify`",
			(long long)h->seq);
		goto out;
	}
	return store_commit(s, err);
out:
	store_rollback(s);
	return rc;
}

static enum rk_status count_entries(struct store *s, int64_t *n, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT seq FROM audit_head WHERE id = 1", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	*n = row ? store_col_i64(st, 0) : 0;
	store_done(st);
	return rc;
}

/* Add to the message a callee set (rk_fail keeps the first one). */
static enum rk_status err_more(struct rk_err *err, const char *more)
{
	if (!err)
		return RK_IO;
	size_t n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, "%s", more);
	return err->status;
}

/* The key, its check value, the head and the checkpoint, before any entry. */
static enum rk_status open_checks(struct audit_log *log, struct rk_err *err)
{
	int64_t n = 0;
	enum rk_status rc = count_entries(log->store, &n, err);
	if (rc != RK_OK)
		return rc;
	char path[RK_MAX_PATH];
	audit_key_path(log->cfg, path, sizeof path);
	rc = audit_key_load(path, n == 0, log->key, err);
	if (rc != RK_OK)
		return n > 0 ? err_more(err, " (the audit log holds entries: its key is needed)") : rc;
	checkpoint_path(log->cfg, path, log->checkpoint_path, sizeof log->checkpoint_path);
	struct audit_checkpoint cp;
	bool found = false, created = false;
	struct head h;
	if ((rc = checkpoint_read(log->checkpoint_path, log->key, &cp, &found, err)) != RK_OK)
		return err_more(err, "; run `renkei audit verify`");
	if ((rc = establish(log, path, found, &h, &created, err)) != RK_OK)
		return rc;
	if (found && strcmp(cp.log_id, log->log_id) != 0)
		found = false; /* another log's, under the same key: replaced by this one's (take_checkpoint) */
	if (found && (rc = checkpoint_agrees(log->store, &h, &cp, log->checkpoint_path, err)) != RK_OK)
		return err_more(err,
				". Run `renkei audit verify`; after restoring an older database on purpose, move the "
				"checkpoint aside (keep it) and start again");
	high_seq_raise(log, h.seq);
	if (created || !found) /* anchor it from the first moment */
		take_checkpoint(log);
	return RK_OK;
}

enum rk_status audit_open(const struct config *cfg, struct audit_log **out, struct rk_err *err)
{
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	struct audit_log *log = calloc(1, sizeof *log);
	if (!log)
		rk_oom();
	log->cfg = cfg;
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms,
				    .cache_bytes = cfg->store_cache};
	enum rk_status rc = store_open(cfg->store_url, &opt, &log->store, err);
	if (rc == RK_OK)
		rc = open_checks(log, err);
	if (rc != RK_OK) {
		store_close(log->store);
		sodium_memzero(log->key, sizeof log->key);
		free(log);
		return rc;
	}
	pthread_mutex_init(&log->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&log->work, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&log->thread, NULL, writer, log) != 0) {
		store_close(log->store);
		pthread_mutex_destroy(&log->mu);
		pthread_cond_destroy(&log->work);
		free(log);
		return rk_fail(err, RK_INTERNAL, "cannot start the audit writer thread");
	}
	*out = log;
	return RK_OK;
}

void audit_close(struct audit_log *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->mu);
	log->stopping = true;
	pthread_cond_signal(&log->work);
	pthread_mutex_unlock(&log->mu);
	pthread_join(log->thread, NULL); /* its last turn takes a checkpoint */
	store_close(log->store);
	pthread_mutex_destroy(&log->mu);
	pthread_cond_destroy(&log->work);
	sodium_memzero(log->key, sizeof log->key);
	free(log);
}

/* ---- verification ------------------------------------------------------- */

static void tampered(struct audit_verify_report *rep, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tampered(struct audit_verify_report *rep, int64_t seq, const char *fmt, ...)
{
	if (rep->tampered)
		return; /* the first problem is the one named */
	rep->tampered = true;
	rep->first_bad = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
	va_end(ap);
}

static enum rk_status verify_patients(struct store *s, struct audit_verify_report *rep, struct rk_err *err)
{
	/* Every index row must name an entry that lists that patient. */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(
		s,
		"SELECT p.seq, p.regional_id, e.patients FROM audit_patient p LEFT JOIN audit_entry e ON e.seq = p.seq"
		" ORDER BY p.seq",
		&st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		char needle[96];
		snprintf(needle, sizeof needle, "\"%.*s\"", STR_FMT(store_col_text(st, 1)));
		if (!str_contains(store_col_text(st, 2), needle)) {
			tampered(rep, store_col_i64(st, 0),
				 "the patient index names patient %.*s for entry %lld, which does not list it",
				 STR_FMT(store_col_text(st, 1)), (long long)store_col_i64(st, 0));
			break;
		}
	}
	store_done(st);
	return rc;
}

/* The key check value, when the log has one: a wrong key is not tampering. */
static enum rk_status verify_key(struct store *s, const unsigned char key[AUDIT_KEY_BYTES], bool *have, char log_id[33],
				 struct rk_err *err)
{
	char check[65], stored[65] = "";
	key_check_value(key, check);
	enum rk_status rc = key_check_read(s, have, stored, log_id, err);
	if (rc == RK_OK && *have && !hex_eq(str_c(stored), check))
		rc = rk_fail(err, RK_INVALID,
			     "this audit key is not the key the audit log was created with (its check value "
			     "differs); use the audit.key_file of the servers that write it");
	return rc;
}

/* Walk the entries in order: sequence, links, HMACs, and the checkpoint's
 * entry on the way. *last_seq and last_hash get where the chain ends. */
static enum rk_status verify_entries(struct store *s, const unsigned char key[AUDIT_KEY_BYTES],
				     const struct audit_checkpoint *cp, const char *cp_path,
				     struct audit_verify_report *rep, int64_t *last_seq, char last_hash[65],
				     struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, ENTRY_SELECT " ORDER BY seq", &st, err);
	if (rc != RK_OK)
		return rc;
	char prev[65] = "";
	int64_t expect = 1;
	bool row = false;
	struct buf fields;
	buf_init(&fields, 1u << 26);
	while (!rep->tampered && (rc = store_step(st, &row, err)) == RK_OK && row) {
		int64_t seq = store_col_i64(st, 0);
		struct audit_event ev;
		const char *stored_prev, *stored_hash;
		entry_of_row(st, &fields, &ev, &stored_prev, &stored_hash);
		char want[65];
		audit_chain_hash(key, prev, seq, store_col_i64(st, 1), &ev, want);
		if (seq > expect)
			tampered(rep, expect, "entries %lld to %lld are missing (deleted)", (long long)expect,
				 (long long)seq - 1);
		else if (seq < expect)
			tampered(rep, seq, "entry %lld appears twice", (long long)seq);
		else if (strcmp(stored_prev, prev) != 0)
			tampered(rep, seq,
				 "entry %lld does not follow entry %lld (inserted, reordered or a predecessor deleted)",
				 (long long)seq, (long long)seq - 1);
		else if (strcmp(stored_hash, want) != 0)
			tampered(rep, seq, "entry %lld was changed (its HMAC does not match)", (long long)seq);
		else if (cp && seq == cp->seq && strcmp(stored_hash, cp->hash) != 0)
			tampered(
				rep, seq,
				"entry %lld is not the entry the checkpoint %s names: the log was rewritten from there",
				(long long)seq, cp_path);
		memcpy(prev, stored_hash, sizeof prev);
		prev[64] = '\0';
		expect = seq + 1;
		rep->entries++;
	}
	store_done(st);
	buf_free(&fields);
	*last_seq = expect - 1;
	memcpy(last_hash, prev, 65);
	return rc;
}

static enum rk_status verify_db(struct store *s, const unsigned char key[AUDIT_KEY_BYTES],
				const struct audit_checkpoint *cp, const char *cp_path, struct audit_verify_report *rep,
				struct rk_err *err)
{
	bool have_check = false;
	char log_id[33] = "";
	enum rk_status rc = verify_key(s, key, &have_check, log_id, err);
	if (rc != RK_OK)
		return rc;
	if (cp && (!have_check || strcmp(cp->log_id, log_id) != 0)) {
		snprintf(
			rep->note, sizeof rep->note,
			"the checkpoint file %.200s belongs to another audit log kept under the same key (give each database "
			"its own audit.key_file): it was not used",
			cp_path);
		cp = NULL;
	}
	int64_t last = 0;
	char last_hash[65] = "";
	if ((rc = verify_entries(s, key, cp, cp_path, rep, &last, last_hash, err)) != RK_OK || rep->tampered)
		return rc;
	struct head h;
	if ((rc = head_read(s, false, &h, err)) != RK_OK)
		return rc;
	if (h.seq != last || strcmp(h.hash, last_hash) != 0)
		tampered(
			rep, h.seq > last ? last + 1 : last,
			"the chain head names entry %lld but the log ends at entry %lld (entries deleted or appended outside "
			"renkei)",
			(long long)h.seq, (long long)last);
	else if (!have_check && !h.mac[0] && h.seq > 0)
		tampered(
			rep, h.seq,
			"the chain head carries no HMAC: written before renkei keyed it (start renkei once to key a head "
			"that agrees with the last entry, then verify again), or its HMAC and the key check were removed");
	else if (!have_check && h.seq > 0)
		tampered(rep, h.seq, "the audit key check was removed from the database (the chain head is keyed)");
	else if (have_check && !head_mac_ok(key, log_id, &h))
		tampered(
			rep, h.seq,
			"the chain head (entry %lld) was rewritten outside renkei: its HMAC does not match (newer entries "
			"removed and the head moved back?)",
			(long long)h.seq);
	else if (cp && h.seq < cp->seq) {
		char when[RK_TIME_RFC3339_LEN];
		time_format_rfc3339(cp->written_at, when);
		tampered(
			rep, h.seq + 1,
			"the log ends at entry %lld, but the checkpoint %s (taken %s) names entry %lld: entries %lld to %lld "
			"were removed and an older chain head restored",
			(long long)h.seq, cp_path, when, (long long)cp->seq, (long long)h.seq + 1, (long long)cp->seq);
	}
	if (!rep->tampered && cp)
		rep->checkpoint = cp->seq;
	if (!rep->tampered)
		rc = verify_patients(s, rep, err);
	return rc;
}

/* One consistent view of the log while servers append to it: a read
 * transaction (SQLite: a deferred BEGIN takes its snapshot at the first read,
 * without the write lock; PostgreSQL: repeatable read). */
static enum rk_status verify_snapshot(struct store *s, const unsigned char key[AUDIT_KEY_BYTES],
				      const struct audit_checkpoint *cp, const char *cp_path,
				      struct audit_verify_report *rep, struct rk_err *err)
{
	enum rk_status rc = store_exec(
		s, store_backend_of(s) == STORE_POSTGRES ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
		err);
	if (rc != RK_OK)
		return rc;
	rc = verify_db(s, key, cp, cp_path, rep, err);
	struct rk_err ignored;
	rk_err_clear(&ignored);
	store_exec(s, "COMMIT", &ignored);
	return rc;
}

enum rk_status audit_verify(struct store *s, const unsigned char key[AUDIT_KEY_BYTES], struct audit_verify_report *rep,
			    struct rk_err *err)
{
	memset(rep, 0, sizeof *rep);
	rep->checkpoint = -1;
	return verify_snapshot(s, key, NULL, NULL, rep, err);
}

enum rk_status audit_verify_config(const struct config *cfg, struct store *s, struct audit_verify_report *rep,
				   struct rk_err *err)
{
	memset(rep, 0, sizeof *rep);
	rep->checkpoint = -1;
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	char key_path[RK_MAX_PATH], cp_path[RK_MAX_PATH];
	unsigned char key[AUDIT_KEY_BYTES];
	audit_key_path(cfg, key_path, sizeof key_path);
	enum rk_status rc = audit_key_load(key_path, false, key, err);
	if (rc != RK_OK)
		return rc;
	checkpoint_path(cfg, key_path, cp_path, sizeof cp_path);
	/* The checkpoint first: it is never newer than the committed log a
	 * snapshot taken after it sees. */
	struct audit_checkpoint cp;
	bool found = false;
	struct rk_err cp_err;
	rk_err_clear(&cp_err);
	rc = checkpoint_read(cp_path, key, &cp, &found, &cp_err);
	if (rc == RK_IO) {
		sodium_memzero(key, sizeof key);
		return rk_fail(err, rc, "%s", cp_err.msg);
	}
	rc = verify_snapshot(s, key, rc == RK_OK && found ? &cp : NULL, cp_path, rep, err);
	sodium_memzero(key, sizeof key);
	if (rc != RK_OK)
		return rc;
	if (found && cp_err.status != RK_OK)
		tampered(rep, 0, "%s", cp_err.msg);
	else if (!found)
		snprintf(
			rep->note, sizeof rep->note,
			"no checkpoint file %.200s: removing the newest entries and restoring an older, validly keyed chain "
			"head cannot be detected without it",
			cp_path);
	return RK_OK;
}
