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
	char *sql;      /* portable text: the cache key */
	uint64_t hash;
	uint64_t last_use;
	bool cached;    /* owned by the cache (else finalised at store_done) */
	bool in_use;
	int64_t changes;
};

struct store_ops {
	/* Compile portable SQL (dialect already applied by the caller). */
	enum rk_status (*prepare)(struct store *s, const char *sql, struct store_stmt **out, struct rk_err *err);
	void (*bind_text)(struct store_stmt *st, int i, struct str v);
	void (*bind_text_ref)(struct store_stmt *st, int i, struct str v); /* NULL: bind_text */
	void (*bind_i64)(struct store_stmt *st, int i, int64_t v);
	void (*bind_null)(struct store_stmt *st, int i);
	enum rk_status (*step)(struct store_stmt *st, bool *row, struct rk_err *err);
	struct str (*col_text)(struct store_stmt *st, int col);
	int64_t (*col_i64)(struct store_stmt *st, int col);
	bool (*col_null)(struct store_stmt *st, int col);
	void (*reset)(struct store_stmt *st);
	void (*finalize)(struct store_stmt *st);
	enum rk_status (*exec)(struct store *s, const char *sql, struct rk_err *err);
	const char *begin_sql;
	/* Return false if the connection is unusable; may try to reconnect. */
	bool (*ensure)(struct store *s);
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
	int busy_timeout_ms;
};

/* Backend constructors (store_sqlite.c, store_pg.c). */
enum rk_status store_sqlite_open(const char *path, const struct store_options *opt, struct store **out,
				 struct rk_err *err);
enum rk_status store_pg_open(const char *url, const struct store_options *opt, struct store **out,
			     struct rk_err *err);

/* Forget every cached statement (after a reconnect). */
void store_cache_drop(struct store *s);

/* dialect.c: rewrite portable SQL for a backend into out. `?` become $1..$n
 * for PostgreSQL (outside quotes); @ID@, @CTEXT@, @NOINDEX@ become the backend's forms. */
enum rk_status store_dialect(enum store_backend b, const char *sql, struct buf *out, int *n_params);

#endif
