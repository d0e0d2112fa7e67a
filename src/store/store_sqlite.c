/* store_sqlite.c — the embedded backend: one sqlite3 connection per store, WAL
 * with synchronous=FULL (a commit is on disk when it returns), a busy timeout
 * for writers, prepared statements marked persistent. SQLite's messages go to
 * the log, not to the caller (store_fail). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_impl.h"

struct sqlite_store {
	struct store base;
	sqlite3 *db;
};

struct sqlite_stmt {
	struct store_stmt base;
	sqlite3_stmt *st;
};

static sqlite3 *db_of(struct store *s)
{
	return ((struct sqlite_store *)s)->db;
}

static sqlite3_stmt *st_of(struct store_stmt *st)
{
	return ((struct sqlite_stmt *)st)->st;
}

/* Map a result code to a status; SQLite's message (which names tables,
 * columns and constraints) goes to the log only. */
static enum rk_status sqlite_status(struct store *s, int rc, struct rk_err *err, const char *what)
{
	int primary = rc & 0xff;
	enum store_failure f = STORE_FAIL_OTHER;
	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		f = STORE_FAIL_BUSY;
	else if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		f = STORE_FAIL_CONFLICT;
	else if (primary == SQLITE_FULL || primary == SQLITE_NOMEM)
		f = STORE_FAIL_FULL;
	else if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY)
		f = STORE_FAIL_IO;
	char code[16];
	snprintf(code, sizeof code, "%d", rc);
	return store_fail(s, f, what, code, sqlite3_errmsg(db_of(s)), err);
}

static enum rk_status lite_prepare(struct store *s, const char *sql, struct store_stmt **out, struct rk_err *err)
{
	sqlite3_stmt *raw = NULL;
	int rc = sqlite3_prepare_v3(db_of(s), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, NULL);
	if (rc != SQLITE_OK)
		return sqlite_status(s, rc, err, "prepare");
	struct sqlite_stmt *st = calloc(1, sizeof *st);
	if (!st)
		rk_oom();
	st->st = raw;
	*out = &st->base;
	return RK_OK;
}

static void lite_bind_text(struct store_stmt *st, int i, struct str v)
{
	if (!v.ptr)
		sqlite3_bind_null(st_of(st), i);
	else
		sqlite3_bind_text(st_of(st), i, v.len ? v.ptr : "", (int)v.len, SQLITE_TRANSIENT);
}

/* Not copied: the caller keeps v until store_done, which resets and clears
 * the bindings before the memory can go. */
static void lite_bind_text_ref(struct store_stmt *st, int i, struct str v)
{
	if (!v.ptr)
		sqlite3_bind_null(st_of(st), i);
	else
		sqlite3_bind_text(st_of(st), i, v.len ? v.ptr : "", (int)v.len, SQLITE_STATIC);
}

static void lite_bind_i64(struct store_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st_of(st), i, v);
}

static enum rk_status lite_step(struct store_stmt *st, bool *row, struct rk_err *err)
{
	int rc = sqlite3_step(st_of(st));
	if (rc == SQLITE_ROW) {
		*row = true;
		return RK_OK;
	}
	*row = false;
	if (rc == SQLITE_DONE) {
		st->changes = sqlite3_changes64(db_of(st->store));
		return RK_OK;
	}
	return sqlite_status(st->store, sqlite3_extended_errcode(db_of(st->store)), err, "query");
}

static struct str lite_col_text(struct store_stmt *st, int col)
{
	const unsigned char *p = sqlite3_column_text(st_of(st), col);
	if (!p)
		return (struct str){"", 0};
	return (struct str){(const char *)p, (size_t)sqlite3_column_bytes(st_of(st), col)};
}

static int64_t lite_col_i64(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(st_of(st), col);
}

static bool lite_col_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(st_of(st), col) == SQLITE_NULL;
}

static void lite_reset(struct store_stmt *st)
{
	sqlite3_reset(st_of(st));
	sqlite3_clear_bindings(st_of(st));
}

static void lite_finalize(struct store_stmt *st)
{
	sqlite3_finalize(st_of(st));
	free(st);
}

static enum rk_status lite_exec(struct store *s, const char *sql, struct rk_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db_of(s), sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		return RK_OK;
	enum rk_status st = sqlite_status(s, sqlite3_extended_errcode(db_of(s)), err, "exec");
	sqlite3_free(msg);
	return st;
}

static enum rk_status lite_ensure(struct store *s, struct rk_err *err)
{
	(void)s;
	(void)err;
	return RK_OK; /* a file does not hang up */
}

static void lite_close(struct store *s)
{
	sqlite3_close_v2(db_of(s));
	free(s);
}

static const struct store_ops sqlite_ops = {
	.prepare = lite_prepare,
	.bind_text = lite_bind_text,
	.bind_text_ref = lite_bind_text_ref,
	.bind_i64 = lite_bind_i64,
	.step = lite_step,
	.col_text = lite_col_text,
	.col_i64 = lite_col_i64,
	.col_null = lite_col_null,
	.reset = lite_reset,
	.finalize = lite_finalize,
	.exec = lite_exec,
	.begin_sql = "BEGIN IMMEDIATE",
	.ensure = lite_ensure,
	.close = lite_close,
};

/* Before SQLite's first use: no global memory statistics, whose mutex every
 * allocation of every connection would otherwise take (measured: a tenth of
 * the CPU of a search under load went to that lock). */
static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum rk_status store_sqlite_open(const char *path, const struct store_options *opt, struct store **out,
				 struct rk_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_configure);
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		enum rk_status st = rk_fail(err, RK_IO, "cannot open SQLite database '%s': %s", path,
					    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close_v2(db);
		return st;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, opt->busy_timeout_ms);
	sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, RK_MAX_SQL_PARAMS);
	if (opt->cache_bytes > 0) {
		/* A big write transaction whose pages do not fit spills them to the
		 * WAL and reads them back (measured: a third of a bulk load). */
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%lld", (long long)(opt->cache_bytes / 1024));
		sqlite3_exec(db, pragma, NULL, NULL, NULL);
	}
	/* WAL: readers never block the writer; FULL: fsync at every commit so an
	 * acknowledged write survives power loss (SECURITY.md, durability). */
	static const char pragmas[] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
	char *msg = NULL;
	rc = sqlite3_exec(db, pragmas, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		enum rk_status st = rk_fail(err, RK_IO, "cannot configure SQLite database '%s': %s", path,
					    msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close_v2(db);
		return st;
	}
	if (opt->read_only && sqlite3_exec(db, "PRAGMA query_only = ON", NULL, NULL, NULL) != SQLITE_OK) {
		enum rk_status st =
			rk_fail(err, RK_IO, "cannot make SQLite database '%s' read-only: %s", path, sqlite3_errmsg(db));
		sqlite3_close_v2(db);
		return st;
	}
	struct sqlite_store *s = calloc(1, sizeof *s);
	if (!s)
		rk_oom();
	s->db = db;
	s->base.ops = &sqlite_ops;
	s->base.backend = STORE_SQLITE;
	s->base.busy_timeout_ms = opt->busy_timeout_ms;
	s->base.read_only = opt->read_only;
	*out = &s->base;
	return RK_OK;
}
