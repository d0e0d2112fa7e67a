/* store.c — backend-independent parts of the store: opening by URL, the
 * per-connection statement cache (LRU), transactions (nested levels are
 * savepoints) and migrations, and what a database failure tells the client
 * (store_fail). */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/time.h"
#include "store/migrations.h"
#include "store/store_impl.h"

enum rk_status store_open(const char *url, const struct store_options *opt, struct store **out, struct rk_err *err)
{
	struct store_options defaults = {.busy_timeout_ms = 5000};
	if (!opt)
		opt = &defaults;
	if (strncmp(url, "sqlite:", 7) == 0)
		return store_sqlite_open(url + 7, opt, out, err);
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return store_pg_open(url, opt, out, err);
	return rk_fail(err, RK_INVALID, "store URL must start with sqlite: or postgresql://");
}

void store_cache_drop(struct store *s)
{
	for (size_t i = 0; i < s->n_cache; i++) {
		struct store_stmt *st = s->cache[i];
		if (st->in_use) {
			st->cached = false; /* its store_done finalises it */
			continue;
		}
		free(st->sql);
		s->ops->finalize(st);
	}
	s->n_cache = 0;
}

/* Per failure kind: status, the reason code clients get in
 * OperationOutcome.issue.details, the message, and the log level of the
 * detail. The messages say what happened and what to do, in the client's
 * terms; nothing in them comes from the database. */
static const struct {
	enum rk_status status;
	const char *code;
	const char *msg;
	enum log_level level;
} failures[] = {
	[STORE_FAIL_CONFLICT] = {RK_CONFLICT, "db_conflict",
				 "another request wrote the same record at the same time; read it again and retry",
				 LOG_INFO},
	[STORE_FAIL_BUSY] = {RK_BUSY, "db_busy", "the database is busy; try again shortly", LOG_WARN},
	[STORE_FAIL_LOST] = {RK_BUSY, "db_unreachable", "the database is unreachable; try again shortly", LOG_WARN},
	[STORE_FAIL_LOST_COMMIT] =
		{RK_BUSY, "db_unreachable",
		 "the database became unreachable while the change was being committed; it may or may "
		 "not have been stored: read it back before trying again",
		 LOG_WARN},
	[STORE_FAIL_TIMEOUT] = {RK_TIMEOUT, "db_timeout", "the database did not answer in time; try again shortly",
				LOG_WARN},
	[STORE_FAIL_FULL] = {RK_IO, "db_full", "the database has run out of space or memory; nothing was changed",
			     LOG_ERROR},
	[STORE_FAIL_IO] = {RK_IO, "db_io", "the database could not read or write its storage; nothing was changed",
			   LOG_ERROR},
	[STORE_FAIL_OTHER] = {RK_DB, "db_error", "internal database error; the server log has the details", LOG_ERROR},
};

enum rk_status store_fail(const struct store *s, enum store_failure f, const char *what, const char *code,
			  const char *detail, struct rk_err *err)
{
	/* Logged even when err already holds an earlier failure: this is the
	 * only place the library's text is kept. No detail: a consequence of a
	 * failure logged already (a statement after the connection was lost). */
	if (detail)
		log_event(failures[f].level, "store.error", "backend",
			  s->backend == STORE_SQLITE ? "sqlite" : "postgresql", "op", what, "reason", failures[f].code,
			  "code", code && *code ? code : NULL, "detail", detail, NULL);
	return rk_fail_code(err, failures[f].status, failures[f].code, "%s", failures[f].msg);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->in_tx) {
		s->tx_depth = 1; /* every level: the connection is going */
		store_rollback(s);
	}
	store_cache_drop(s);
	s->ops->close(s);
}

enum store_backend store_backend_of(const struct store *s)
{
	return s->backend;
}

enum rk_status store_in_recovery(struct store *s, bool *out, struct rk_err *err)
{
	*out = false;
	if (s->backend != STORE_POSTGRES)
		return RK_OK;
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		*out = store_col_i64(st, 0) == 1;
	store_done(st);
	return rc;
}

/* A transaction lost underneath its levels: SQLite rolled it back by itself
 * (disk full, I/O error) or PostgreSQL's connection was reset. Until the
 * outermost level ends, nothing may run, or it would run in autocommit mode
 * and stay. */
static enum rk_status tx_lost(struct store *s, struct rk_err *err)
{
	(void)s;
	return rk_fail(err, RK_DB, "the database ended the transaction (nothing of it was kept)");
}

/* Called before a statement: RK_DB (err set) when the open transaction is
 * lost, including when ensure() had to reconnect in the middle of one. */
static enum rk_status tx_usable(struct store *s, bool was_in_tx, struct rk_err *err)
{
	if (was_in_tx && !s->in_tx) { /* reconnected: the levels above still think they are inside */
		s->in_tx = true;
		s->tx_broken = true;
	}
	return s->in_tx && s->tx_broken ? tx_lost(s, err) : RK_OK;
}

/* Make room for one more cached statement by finalising the least recently
 * used idle one; false when every cached statement is in use. */
static bool cache_evict(struct store *s)
{
	size_t victim = s->n_cache;
	for (size_t i = 0; i < s->n_cache; i++)
		if (!s->cache[i]->in_use &&
		    (victim == s->n_cache || s->cache[i]->last_use < s->cache[victim]->last_use))
			victim = i;
	if (victim == s->n_cache)
		return false;
	struct store_stmt *st = s->cache[victim];
	free(st->sql);
	s->ops->finalize(st);
	s->cache[victim] = s->cache[--s->n_cache];
	return true;
}

/* Does sql only read (so that it may run before store_begin_lazy's levels
 * are opened)? Anything but a plain SELECT counts as a write. */
static bool only_reads(const char *sql)
{
	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0;
}

/* Open the levels store_begin_lazy left pending (none: nothing to do). */
static enum rk_status open_pending(struct store *s, struct rk_err *err)
{
	int n = s->tx_pending;
	s->tx_pending = 0;
	for (int i = 0; i < n; i++) {
		enum rk_status st = store_begin(s, err);
		if (st != RK_OK) {
			while (i-- > 0)
				store_rollback(s);
			return st;
		}
	}
	return RK_OK;
}

enum rk_status store_prepare(struct store *s, const char *sql, struct store_stmt **out, struct rk_err *err)
{
	if (s->tx_pending && !only_reads(sql)) {
		enum rk_status st = open_pending(s, err);
		if (st != RK_OK)
			return st;
	}
	bool was_in_tx = s->in_tx;
	enum rk_status rc = s->ops->ensure(s, err);
	if (rc != RK_OK)
		return rc;
	if (tx_usable(s, was_in_tx, err) != RK_OK)
		return RK_DB;
	uint64_t h = str_hash(str_c(sql));
	for (size_t i = 0; i < s->n_cache; i++) {
		struct store_stmt *st = s->cache[i];
		if (st->hash == h && !st->in_use && strcmp(st->sql, sql) == 0) {
			st->in_use = true;
			st->last_use = ++s->clock;
			st->changes = 0;
			*out = st;
			return RK_OK;
		}
	}
	struct buf b;
	buf_init(&b, RK_MAX_SQL * 2);
	rc = store_dialect(s->backend, sql, &b, NULL);
	if (rc != RK_OK) {
		buf_free(&b);
		return rk_fail(err, rc, "SQL statement too long");
	}
	struct store_stmt *st = NULL;
	rc = s->ops->prepare(s, buf_cstr(&b), &st, err);
	buf_free(&b);
	if (rc != RK_OK)
		return rc;
	st->store = s;
	st->sql = strdup(sql);
	if (!st->sql)
		rk_oom();
	st->hash = h;
	st->in_use = true;
	st->last_use = ++s->clock;
	st->changes = 0;
	st->cached = s->n_cache < RK_MAX_STMT_CACHE || cache_evict(s);
	if (st->cached)
		s->cache[s->n_cache++] = st;
	*out = st;
	return RK_OK;
}

void store_bind_text(struct store_stmt *st, int i, struct str v)
{
	st->store->ops->bind_text(st, i, v);
}

void store_bind_text_ref(struct store_stmt *st, int i, struct str v)
{
	if (st->store->ops->bind_text_ref)
		st->store->ops->bind_text_ref(st, i, v);
	else
		st->store->ops->bind_text(st, i, v);
}

void store_bind_i64(struct store_stmt *st, int i, int64_t v)
{
	st->store->ops->bind_i64(st, i, v);
}

enum rk_status store_step(struct store_stmt *st, bool *row, struct rk_err *err)
{
	return st->store->ops->step(st, row, err);
}

struct str store_col_text(struct store_stmt *st, int col)
{
	return st->store->ops->col_text(st, col);
}

int64_t store_col_i64(struct store_stmt *st, int col)
{
	return st->store->ops->col_i64(st, col);
}

bool store_col_null(struct store_stmt *st, int col)
{
	return st->store->ops->col_null(st, col);
}

int64_t store_changes(struct store_stmt *st)
{
	return st->changes;
}

enum rk_status store_run(struct store_stmt *st, struct rk_err *err)
{
	bool row = true;
	enum rk_status rc = RK_OK;
	while (rc == RK_OK && row)
		rc = store_step(st, &row, err);
	return rc;
}

void store_done(struct store_stmt *st)
{
	if (!st)
		return;
	struct store *s = st->store;
	s->ops->reset(st);
	st->in_use = false;
	if (!st->cached) {
		free(st->sql);
		s->ops->finalize(st);
	}
}

enum rk_status store_exec(struct store *s, const char *sql, struct rk_err *err)
{
	if (s->tx_pending && !only_reads(sql)) {
		enum rk_status st = open_pending(s, err);
		if (st != RK_OK)
			return st;
	}
	bool was_in_tx = s->in_tx;
	enum rk_status rc = s->ops->ensure(s, err);
	if (rc != RK_OK)
		return rc;
	if (tx_usable(s, was_in_tx, err) != RK_OK)
		return RK_DB;
	return s->ops->exec(s, sql, err);
}

static enum rk_status savepoint_sql(struct store *s, const char *verb, int level, struct rk_err *err)
{
	char sql[64];
	snprintf(sql, sizeof sql, "%s rk_tx%d", verb, level);
	return s->ops->exec(s, sql, err);
}

bool store_in_tx(const struct store *s)
{
	return s->in_tx && !s->tx_broken;
}

enum rk_status store_begin(struct store *s, struct rk_err *err)
{
	if (s->tx_pending) {
		enum rk_status st = open_pending(s, err);
		if (st != RK_OK)
			return st;
	}
	if (!s->in_tx) {
		s->tx_depth = 0;
		s->tx_broken = false;
		enum rk_status st = store_exec(s, s->ops->begin_sql, err);
		if (st == RK_OK) {
			s->in_tx = true;
			s->tx_depth = 1;
		}
		return st;
	}
	if (s->tx_broken)
		return tx_lost(s, err);
	if (s->tx_depth >= RK_MAX_TX_DEPTH)
		return rk_fail(err, RK_INTERNAL, "transactions nested deeper than %d", RK_MAX_TX_DEPTH);
	enum rk_status st = savepoint_sql(s, "SAVEPOINT", s->tx_depth, err);
	if (st == RK_OK)
		s->tx_depth++;
	return st;
}

enum rk_status store_begin_lazy(struct store *s, struct rk_err *err)
{
	if (s->backend != STORE_SQLITE || s->in_tx)
		return store_begin(s, err);
	s->tx_pending++;
	return RK_OK;
}

bool store_cancel_pending(struct store *s)
{
	bool any = s->tx_pending > 0;
	s->tx_pending = 0;
	return any;
}

enum rk_status store_commit(struct store *s, struct rk_err *err)
{
	if (s->tx_pending) { /* (only while !in_tx) nothing was written under it */
		s->tx_pending--;
		return RK_OK;
	}
	if (!s->in_tx)
		return rk_fail(err, RK_INTERNAL, "commit without a transaction");
	if (s->tx_broken) {
		store_rollback(s);
		return tx_lost(s, err);
	}
	if (s->tx_depth > 1) {
		enum rk_status st = savepoint_sql(s, "RELEASE SAVEPOINT", s->tx_depth - 1, err);
		if (st != RK_OK) {
			store_rollback(s); /* this level only, as a failed COMMIT undoes everything */
			return st;
		}
		s->tx_depth--;
		return RK_OK;
	}
	enum rk_status st = s->ops->exec(s, "COMMIT", err);
	if (st != RK_OK) {
		store_rollback(s);
		return st;
	}
	s->in_tx = false;
	s->tx_depth = 0;
	return RK_OK;
}

void store_rollback(struct store *s)
{
	if (s->tx_pending) {
		s->tx_pending--;
		return;
	}
	if (!s->in_tx)
		return;
	struct rk_err ignored;
	rk_err_clear(&ignored);
	if (s->tx_depth > 1) {
		s->tx_depth--;
		if (s->tx_broken)
			return;
		/* PostgreSQL allows ROLLBACK TO in an aborted transaction: the outer
		 * levels are usable again afterwards. */
		if (savepoint_sql(s, "ROLLBACK TO SAVEPOINT", s->tx_depth, &ignored) != RK_OK ||
		    savepoint_sql(s, "RELEASE SAVEPOINT", s->tx_depth, &ignored) != RK_OK)
			s->tx_broken = true;
		return;
	}
	s->ops->exec(s, "ROLLBACK", &ignored);
	s->in_tx = false;
	s->tx_broken = false;
	s->tx_depth = 0;
}

enum rk_status store_optimize(struct store *s, struct rk_err *err)
{
	return store_exec(s, s->backend == STORE_SQLITE ? "PRAGMA analysis_limit=1000; ANALYZE" : "ANALYZE", err);
}

enum rk_status store_schema_version(struct store *s, int *out, struct rk_err *err)
{
	struct store_stmt *st;
	enum rk_status rc = store_prepare(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migration", &st, err);
	if (rc != RK_OK)
		return rc;
	bool row = false;
	rc = store_step(st, &row, err);
	if (rc == RK_OK && row)
		*out = (int)store_col_i64(st, 0);
	store_done(st);
	return rc;
}

enum rk_status store_schema_check(struct store *s, struct rk_err *err)
{
	int have = 0, newest = store_migrations_len ? store_migrations[store_migrations_len - 1].version : 0;
	enum rk_status rc = store_schema_version(s, &have, err);
	if (rc == RK_OK && have != newest)
		rc = rk_fail(err, RK_DB,
			     "database schema version %d, this renkei's %d: %s (a read-only server cannot migrate)",
			     have, newest, have < newest ? "migrate the primary first" : "upgrade renkei");
	return rc;
}

enum rk_status store_migrate(struct store *s, struct rk_err *err)
{
	enum rk_status rc = store_exec(s,
				       "CREATE TABLE IF NOT EXISTS schema_migration ("
				       " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
				       err);
	if (rc != RK_OK)
		return rc;
	rc = store_begin(s, err);
	if (rc != RK_OK)
		return rc;
	if (s->backend == STORE_POSTGRES) {
		/* Serialise concurrent starters; released at commit. */
		rc = store_exec(s, "SELECT pg_advisory_xact_lock(726101)", err);
		if (rc != RK_OK)
			goto out_rollback;
	}
	int have = 0;
	rc = store_schema_version(s, &have, err);
	if (rc != RK_OK)
		goto out_rollback;
	int newest = store_migrations_len ? store_migrations[store_migrations_len - 1].version : 0;
	if (have > newest) {
		rc = rk_fail(err, RK_DB, "database schema version %d is newer than this renkei (%d); upgrade renkei",
			     have, newest);
		goto out_rollback;
	}
	for (unsigned i = 0; i < store_migrations_len; i++) {
		const struct store_migration *m = &store_migrations[i];
		if (m->version <= have)
			continue;
		struct buf sql;
		buf_init(&sql, 1u << 20);
		rc = store_dialect(s->backend, m->sql, &sql, NULL);
		if (rc == RK_OK)
			rc = s->ops->exec(s, buf_cstr(&sql), err);
		buf_free(&sql);
		if (rc != RK_OK) {
			rk_fail(err, rc, "migration %s failed", m->name);
			goto out_rollback;
		}
		struct store_stmt *st;
		rc = store_prepare(s, "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)", &st,
				   err);
		if (rc != RK_OK)
			goto out_rollback;
		store_bind_i64(st, 1, m->version);
		store_bind_text(st, 2, str_c(m->name));
		store_bind_i64(st, 3, time_now_ms());
		bool row;
		rc = store_step(st, &row, err);
		store_done(st);
		if (rc != RK_OK)
			goto out_rollback;
	}
	return store_commit(s, err);
out_rollback:
	store_rollback(s);
	return rc;
}
