/* store_impl.h — what the SQLite and PostgreSQL backends implement, and the
 * statement cache they share. Internal to store/. */
#ifndef RENKEI_STORE_IMPL_H
#define RENKEI_STORE_IMPL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/limits.h"
#include "store/store.h"

struct store_stmt {
	struct store *store;
	char *sql; /* portable text: the cache key */
	uint64_t hash;
	uint64_t last_use;
	bool cached; /* owned by the cache (else finalised at store_done) */
	bool in_use;
	int64_t changes;
};

struct store_ops {
	/* Compile portable SQL (dialect already applied by the caller). */
	enum rk_status (*prepare)(struct store *s, const char *sql, struct store_stmt **out, struct rk_err *err);
	void (*bind_text)(struct store_stmt *st, int i, struct str v);
	void (*bind_text_ref)(struct store_stmt *st, int i, struct str v); /* NULL: bind_text */
	void (*bind_i64)(struct store_stmt *st, int i, int64_t v);
	enum rk_status (*step)(struct store_stmt *st, bool *row, struct rk_err *err);
	struct str (*col_text)(struct store_stmt *st, int col);
	int64_t (*col_i64)(struct store_stmt *st, int col);
	bool (*col_null)(struct store_stmt *st, int col);
	void (*reset)(struct store_stmt *st);
	void (*finalize)(struct store_stmt *st);
	enum rk_status (*exec)(struct store *s, const char *sql, struct rk_err *err);
	const char *begin_sql;
	/* RK_OK when the connection is usable. A lost connection is re-opened
	 * only outside a transaction (inside one, everything until the rollback
	 * must fail, or later statements would run outside it). */
	enum rk_status (*ensure)(struct store *s, struct rk_err *err);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	enum store_backend backend;
	struct store_stmt *cache[RK_MAX_STMT_CACHE];
	size_t n_cache;
	uint64_t clock;
	bool in_tx;     /* a transaction is open (the outermost level) */
	int tx_depth;   /* levels open while in_tx: 1 = BEGIN, each more a SAVEPOINT */
	bool tx_broken; /* the database ended it under the levels: nothing may run until the outermost ends */
	int tx_pending; /* levels store_begin_lazy asked for that SQLite has not opened yet (only while !in_tx) */
	int busy_timeout_ms;
	bool read_only; /* store_options.read_only: the session refuses every write */
};

/* Backend constructors (store_sqlite.c, store_pg.c). */
enum rk_status store_sqlite_open(const char *path, const struct store_options *opt, struct store **out,
				 struct rk_err *err);
enum rk_status store_pg_open(const char *url, const struct store_options *opt, struct store **out, struct rk_err *err);

/* Forget every cached statement (after a reconnect). Statements still in
 * use are finalised by their store_done. */
void store_cache_drop(struct store *s);

/* What a database failure means for the caller; store_fail turns it into a
 * status and a message fit for a client (an OperationOutcome, the audit
 * entry), while the library's own text — which names constraints, tables,
 * row ids, sockets — goes only to the server log, once, here. */
enum store_failure {
	STORE_FAIL_CONFLICT,    /* unique key: another writer got there first (RK_CONFLICT, 409) */
	STORE_FAIL_BUSY,        /* lock wait timed out, serialisation failure, deadlock (RK_BUSY, 503) */
	STORE_FAIL_LOST,        /* the connection is gone or the server is shutting down (RK_BUSY, 503) */
	STORE_FAIL_LOST_COMMIT, /* ... while a COMMIT was under way: it may have been applied (RK_BUSY, 503) */
	STORE_FAIL_TIMEOUT,     /* a statement ran out of time (RK_TIMEOUT, 503) */
	STORE_FAIL_FULL,        /* disk full, out of memory on the server (RK_IO, 500) */
	STORE_FAIL_IO,          /* the database could not read or write its files (RK_IO, 500) */
	STORE_FAIL_OTHER,       /* anything else, a bug or a damaged database (RK_DB, 500) */
};
/* what: the operation ("query", "commit"); code: SQLSTATE or SQLite's
 * extended result code (may be NULL); detail: the library's message, logged
 * at the failure's level (NULL: nothing is logged, for the consequences of a
 * failure logged already). */
enum rk_status store_fail(const struct store *s, enum store_failure f, const char *what, const char *code,
			  const char *detail, struct rk_err *err);

/* dialect.c: rewrite portable SQL for a backend into out. `?` become $1..$n
 * for PostgreSQL (outside quotes); @ID@, @CTEXT@, @NOINDEX@ become the backend's forms. */
enum rk_status store_dialect(enum store_backend b, const char *sql, struct buf *out, int *n_params);

#endif
