/* audit.c — the audit writer thread (group commit), the HMAC chain, the key
 * file, and verification. */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/time.h"

struct pending {
	struct pending *next;
	struct audit_event ev; /* strings owned */
	int64_t seq, at; /* set by the writer, with the chain: */
	char action[2], prev[65], hash[65];
	enum rk_status status;
	char msg[RK_ERR_MSG_MAX];
	bool done;
	pthread_cond_t cv; /* its own: the writer wakes exactly the waiters of a batch */
	audit_done_fn callback; /* asynchronous: called instead of waking a waiter */
	void *callback_arg;
};

struct audit_log {
	const struct config *cfg;
	unsigned char key[AUDIT_KEY_BYTES];
	struct store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct pending *head, *tail;
	bool stopping;
	int64_t last_time;
};

/* ---- the chain ---------------------------------------------------------- */

static const char *nz(const char *s)
{
	return s ? s : "";
}

static void canonical(struct buf *b, int64_t seq, int64_t recorded_at, const struct audit_event *ev)
{
	const char *fields[] = {ev->request_id, ev->event, ev->account, ev->role, ev->facility, ev->session_ref, ev->client_addr,
				ev->purpose, ev->grant_kind, ev->grant_ref, ev->patients, ev->entities, ev->query,
				ev->detail};
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
			return rk_fail(err, RK_IO, "cannot create the audit key %s: %s (set audit.key_file to a writable place)",
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

/* ---- writing ------------------------------------------------------------ */

/* Multi-row INSERTs: on PostgreSQL every statement is a round trip, and a
 * batch of 32 entries one row at a time cost more than its fsync. */
#define ENTRY_COLS 20
#define ENTRY_ROWS (RK_MAX_SQL_PARAMS / ENTRY_COLS)
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

static enum rk_status insert_entries(struct store *s, struct pending **ps, int n, struct buf *sql, struct rk_err *err)
{
	insert_sql(sql,
		   "INSERT INTO audit_entry (seq, recorded_at, event, action, outcome, account_id, role, facility_code,"
		   " session_ref, client_addr, purpose, grant_kind, grant_ref, patients, entities, query, detail,"
		   " prev_hash, hash, request_id) VALUES",
		   n, ENTRY_COLS, "");
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, buf_cstr(sql), &st, err);
	if (rc != RK_OK)
		return rc;
	for (int r = 0; r < n; r++) {
		const struct pending *p = ps[r];
		const struct audit_event *ev = &p->ev;
		int base = r * ENTRY_COLS;
		const char *text[] = {ev->event, p->action, NULL, ev->account, ev->role, ev->facility, ev->session_ref,
				      ev->client_addr, ev->purpose, ev->grant_kind, ev->grant_ref, ev->patients, ev->entities,
				      ev->query, ev->detail, p->prev, p->hash};
		store_bind_i64(st, base + 1, p->seq);
		store_bind_i64(st, base + 2, p->at);
		for (int i = 0; i < 17; i++) {
			if (i == 2)
				store_bind_i64(st, base + 5, ev->outcome);
			else
				store_bind_text(st, base + 3 + i, str_c(nz(text[i])));
		}
		store_bind_text(st, base + 20, str_c(nz(ev->request_id)));
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

/* The entries of a chained batch, ENTRY_ROWS and PATIENT_ROWS at a time. */
static enum rk_status insert_batch(struct store *s, struct pending *batch, struct rk_err *err)
{
	struct buf sql;
	buf_init(&sql, 64 * 1024);
	struct pending *rows[ENTRY_ROWS];
	int n = 0;
	enum rk_status rc = RK_OK;
	for (struct pending *p = batch; p && rc == RK_OK; p = p->next) {
		rows[n++] = p;
		if (n == ENTRY_ROWS || !p->next) {
			rc = insert_entries(s, rows, n, &sql, err);
			n = 0;
		}
	}
	char *ids[PATIENT_ROWS]; /* copies: the parsed arrays are freed entry by entry */
	int64_t seqs[PATIENT_ROWS];
	n = 0;
	for (struct pending *p = batch; p && rc == RK_OK; p = p->next) {
		json_t *arr = json_loads(nz(p->ev.patients), 0, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
		{
			if (!json_is_string(v))
				continue;
			if (!(ids[n] = strdup(json_string_value(v))))
				rk_oom();
			seqs[n++] = p->seq;
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

/* Write a batch in one transaction. */
static enum rk_status write_batch(struct audit_log *log, struct pending *batch, struct rk_err *err)
{
	struct store *s = log->store;
	enum rk_status rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(s, "SELECT seq, hash FROM audit_head WHERE id = 1@FORUPDATE@", &st, err);
	if (rc != RK_OK)
		goto out_rollback;
	bool row = false;
	rc = store_step(st, &row, err);
	int64_t seq = 0;
	char prev[65] = "";
	if (rc == RK_OK && row) {
		seq = store_col_i64(st, 0);
		str_copy(prev, sizeof prev, store_col_text(st, 1));
	}
	store_done(st);
	if (rc != RK_OK)
		goto out_rollback;
	if (!row) {
		rc = rk_fail(err, RK_DB, "the audit chain head is missing");
		goto out_rollback;
	}
	for (struct pending *p = batch; p; p = p->next) {
		int64_t now = time_now_ms();
		if (now < log->last_time)
			now = log->last_time; /* never backwards, even if the clock is stepped */
		log->last_time = now;
		p->seq = ++seq;
		p->at = now;
		p->action[0] = p->ev.action ? p->ev.action : 'E';
		memcpy(p->prev, prev, sizeof prev);
		audit_chain_hash(log->key, prev, p->seq, now, &p->ev, p->hash);
		memcpy(prev, p->hash, sizeof prev);
	}
	if ((rc = insert_batch(s, batch, err)) != RK_OK)
		goto out_rollback;
	rc = store_prepare(s, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", &st, err);
	if (rc != RK_OK)
		goto out_rollback;
	store_bind_i64(st, 1, seq);
	store_bind_text(st, 2, str_c(prev));
	rc = store_run(st, err);
	store_done(st);
	if (rc != RK_OK)
		goto out_rollback;
	return store_commit(s, err);
out_rollback:
	store_rollback(s);
	return rc;
}

static void pending_free(struct pending *p)
{
	free((char *)p->ev.request_id);
	free((char *)p->ev.event);
	free((char *)p->ev.account);
	free((char *)p->ev.role);
	free((char *)p->ev.facility);
	free((char *)p->ev.session_ref);
	free((char *)p->ev.client_addr);
	free((char *)p->ev.purpose);
	free((char *)p->ev.grant_kind);
	free((char *)p->ev.grant_ref);
	free((char *)p->ev.patients);
	free((char *)p->ev.entities);
	free((char *)p->ev.query);
	free((char *)p->ev.detail);
	pthread_cond_destroy(&p->cv);
	free(p);
}

static void *writer(void *arg)
{
	struct audit_log *log = arg;
	pthread_mutex_lock(&log->mu);
	for (;;) {
		while (!log->head && !log->stopping)
			pthread_cond_wait(&log->work, &log->mu);
		if (!log->head && log->stopping)
			break;
		struct pending *batch = log->head;
		log->head = log->tail = NULL;
		pthread_mutex_unlock(&log->mu);

		struct rk_err err;
		rk_err_clear(&err);
		enum rk_status rc = write_batch(log, batch, &err);
		if (rc != RK_OK)
			log_event(LOG_ERROR, "audit.write_failed", "error", err.msg, NULL);

		for (struct pending *p = batch, *next; p; p = next) {
			next = p->next; /* p belongs to its waiter once done is set */
			if (p->callback) {
				p->callback(p->callback_arg, rc, err.msg);
				pending_free(p);
				continue;
			}
			pthread_mutex_lock(&log->mu);
			p->status = rc;
			snprintf(p->msg, sizeof p->msg, "%s", err.msg);
			p->done = true;
			pthread_cond_signal(&p->cv);
			pthread_mutex_unlock(&log->mu);
		}
		pthread_mutex_lock(&log->mu);
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
	p->ev = (struct audit_event){
		.request_id = dup_or_empty(ev->request_id), .event = dup_or_empty(ev->event), .action = ev->action,
		.outcome = ev->outcome,
		.account = dup_or_empty(ev->account), .role = dup_or_empty(ev->role),
		.facility = dup_or_empty(ev->facility), .session_ref = dup_or_empty(ev->session_ref),
		.client_addr = dup_or_empty(ev->client_addr), .purpose = dup_or_empty(ev->purpose),
		.grant_kind = dup_or_empty(ev->grant_kind), .grant_ref = dup_or_empty(ev->grant_ref),
		.patients = dup_or_empty(ev->patients && *ev->patients ? ev->patients : "[]"),
		.entities = dup_or_empty(ev->entities && *ev->entities ? ev->entities : "[]"),
		.query = dup_or_empty(ev->query), .detail = dup_or_empty(ev->detail),
	};
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

enum rk_status audit_open(const struct config *cfg, struct audit_log **out, struct rk_err *err)
{
	if (sodium_init() < 0)
		return rk_fail(err, RK_INTERNAL, "libsodium could not be initialised");
	struct audit_log *log = calloc(1, sizeof *log);
	if (!log)
		rk_oom();
	log->cfg = cfg;
	struct store_options opt = {.busy_timeout_ms = (int)cfg->store_busy_timeout_ms, .cache_bytes = cfg->store_cache};
	enum rk_status rc = store_open(cfg->store_url, &opt, &log->store, err);
	int64_t n = 0;
	if (rc == RK_OK)
		rc = count_entries(log->store, &n, err);
	char path[1024];
	audit_key_path(cfg, path, sizeof path);
	if (rc == RK_OK) {
		rc = audit_key_load(path, n == 0, log->key, err);
		if (rc != RK_OK && n > 0)
			rk_fail(err, rc, "the audit log holds %lld entries but its key %s cannot be read", (long long)n, path);
	}
	if (rc != RK_OK) {
		store_close(log->store);
		free(log);
		return rc;
	}
	pthread_mutex_init(&log->mu, NULL);
	pthread_cond_init(&log->work, NULL);
	if (pthread_create(&log->thread, NULL, writer, log) != 0) {
		store_close(log->store);
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
	pthread_join(log->thread, NULL);
	store_close(log->store);
	pthread_mutex_destroy(&log->mu);
	pthread_cond_destroy(&log->work);
	sodium_memzero(log->key, sizeof log->key);
	free(log);
}

/* ---- verification ------------------------------------------------------- */

static enum rk_status verify_patients(struct store *s, struct audit_verify_report *rep, struct rk_err *err)
{
	/* Every index row must name an entry that lists that patient. */
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
		"SELECT p.seq, p.regional_id, e.patients FROM audit_patient p LEFT JOIN audit_entry e ON e.seq = p.seq"
		" ORDER BY p.seq", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	while ((rc = store_step(st, &row, err)) == RK_OK && row) {
		char needle[96];
		snprintf(needle, sizeof needle, "\"%.*s\"", STR_FMT(store_col_text(st, 1)));
		if (!str_contains(store_col_text(st, 2), needle)) {
			rep->first_bad = store_col_i64(st, 0);
			snprintf(rep->problem, sizeof rep->problem,
				 "the patient index names patient %.*s for entry %lld, which does not list it",
				 STR_FMT(store_col_text(st, 1)), (long long)rep->first_bad);
			break;
		}
	}
	store_done(st);
	return rc;
}

enum rk_status audit_verify(struct store *s, const unsigned char key[AUDIT_KEY_BYTES], struct audit_verify_report *rep,
			    struct rk_err *err)
{
	memset(rep, 0, sizeof *rep);
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s,
		"SELECT seq, recorded_at, event, action, outcome, account_id, role, facility_code, session_ref,"
		" client_addr, purpose, grant_kind, grant_ref, patients, entities, query, detail, prev_hash, hash,"
		" request_id FROM audit_entry ORDER BY seq", &st, err);
	if (rc != RK_OK)
		return rc;
	char prev[65] = "";
	int64_t expect = 1;
	bool row = false;
	struct buf fields;
	buf_init(&fields, 1u << 26);
	while (!rep->first_bad && (rc = store_step(st, &row, err)) == RK_OK && row) {
		int64_t seq = store_col_i64(st, 0);
		/* Copy the text columns: the event points into them while hashing. */
		buf_reset(&fields);
		size_t offs[20];
		for (int c = 2; c < 20; c++) {
			offs[c] = fields.len;
			buf_put_str(&fields, store_col_text(st, c));
			buf_putc(&fields, '\0');
		}
		const char *f = buf_cstr(&fields);
		struct audit_event ev = {
			.request_id = f + offs[19],
			.event = f + offs[2], .action = f[offs[3]], .outcome = (int)store_col_i64(st, 4),
			.account = f + offs[5], .role = f + offs[6], .facility = f + offs[7], .session_ref = f + offs[8],
			.client_addr = f + offs[9], .purpose = f + offs[10], .grant_kind = f + offs[11],
			.grant_ref = f + offs[12], .patients = f + offs[13], .entities = f + offs[14], .query = f + offs[15],
			.detail = f + offs[16],
		};
		const char *stored_prev = f + offs[17], *stored_hash = f + offs[18];
		char want[65];
		audit_chain_hash(key, prev, seq, store_col_i64(st, 1), &ev, want);
		if (seq > expect) {
			rep->first_bad = expect;
			snprintf(rep->problem, sizeof rep->problem, "entries %lld to %lld are missing (deleted)",
				 (long long)expect, (long long)seq - 1);
		} else if (seq < expect) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof rep->problem, "entry %lld appears twice", (long long)seq);
		} else if (strcmp(stored_prev, prev) != 0) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof rep->problem,
				 "entry %lld does not follow entry %lld (inserted, reordered or a predecessor deleted)",
				 (long long)seq, (long long)seq - 1);
		} else if (strcmp(stored_hash, want) != 0) {
			rep->first_bad = seq;
			snprintf(rep->problem, sizeof rep->problem, "entry %lld was changed (its HMAC does not match)",
				 (long long)seq);
		}
		memcpy(prev, stored_hash, sizeof prev);
		prev[64] = '\0';
		expect = seq + 1;
		rep->entries++;
	}
	store_done(st);
	buf_free(&fields);
	if (rc != RK_OK || rep->first_bad)
		return rc;
	rc = store_prepare(s, "SELECT seq, hash FROM audit_head WHERE id = 1", &st, err);
	if (rc != RK_OK)
		return rc;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row && (store_col_i64(st, 0) != expect - 1 || !str_eq_c(store_col_text(st, 1), prev))) {
		rep->first_bad = store_col_i64(st, 0) > expect - 1 ? expect : expect - 1;
		snprintf(rep->problem, sizeof rep->problem,
			 "the chain head names entry %lld but the log ends at entry %lld (entries deleted or appended outside renkei)",
			 (long long)store_col_i64(st, 0), (long long)expect - 1);
	}
	store_done(st);
	if (rc == RK_OK && !rep->first_bad)
		rc = verify_patients(s, rep, err);
	return rc;
}
