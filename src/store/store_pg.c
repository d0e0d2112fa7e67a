/* store_pg.c — the PostgreSQL backend over libpq: named prepared statements
 * executed with text parameters, results read whole (pages are bounded by
 * _count), SQLSTATEs mapped to rk_status (the server's text only in the log),
 * reconnect after a lost connection.
 * Durability: the server runs with fsync=on and synchronous_commit=on. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "store/store_impl.h"

struct pg_store {
	struct store base;
	PGconn *conn;
	unsigned next_name;
	unsigned generation; /* bumped at every reconnect: older statements are gone */
	bool session_set;    /* the session settings hold on this connection */
};

struct pg_stmt {
	struct store_stmt base;
	char name[24];
	unsigned generation;
	int nparams;
	char **values;
	int *lengths;
	PGresult *res;
	int row, nrows;
};

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* "relation already exists, skipping" and the like */
}

static PGconn *conn_of(struct store *s)
{
	return ((struct pg_store *)s)->conn;
}

/* What a SQLSTATE means for the caller (store_impl.h). */
static enum store_failure pg_failure(PGconn *conn, const char *state)
{
	/* A broken connection first: after the server went away, libpq answers
	 * without a result, or with whatever error the server sent as it left. */
	if (PQstatus(conn) != CONNECTION_OK || !state)
		return PQstatus(conn) != CONNECTION_OK ? STORE_FAIL_LOST : STORE_FAIL_OTHER;
	if (strcmp(state, "23505") == 0)
		return STORE_FAIL_CONFLICT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
	    strcmp(state, "53300") == 0)
		return STORE_FAIL_BUSY;
	if (strcmp(state, "57014") == 0)
		return STORE_FAIL_TIMEOUT;
	/* 08: connection exception; 57P01-03: administrator/crash shutdown, cannot connect now */
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0)
		return STORE_FAIL_LOST;
	if (strncmp(state, "53", 2) == 0)
		return STORE_FAIL_FULL;
	if (strncmp(state, "58", 2) == 0)
		return STORE_FAIL_IO;
	return STORE_FAIL_OTHER;
}

/* Map a failed result (res may be NULL) to a status; the server's message
 * goes to the log only. Only the primary message and the constraint name are
 * logged, never DETAIL: it can quote a whole row, patient data included. */
static enum rk_status pg_status(struct store *s, PGresult *res, struct rk_err *err, const char *what)
{
	PGconn *conn = ((struct pg_store *)s)->conn;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	char detail[320];
	snprintf(detail, sizeof detail, "%s%s%s%s", primary ? primary : PQerrorMessage(conn),
		 constraint ? " (constraint " : "", constraint ? constraint : "", constraint ? ")" : "");
	size_t n = strlen(detail);
	while (n && (detail[n - 1] == '\n' || detail[n - 1] == ' '))
		detail[--n] = '\0';
	enum store_failure f = pg_failure(conn, state);
	if (f == STORE_FAIL_LOST && strcmp(what, "commit") == 0)
		f = STORE_FAIL_LOST_COMMIT; /* the COMMIT may have reached the server before the connection went */
	return store_fail(s, f, what, state, detail, err);
}

static enum rk_status pg_prepare(struct store *s, const char *sql, struct store_stmt **out, struct rk_err *err)
{
	struct pg_store *ps = (struct pg_store *)s;
	struct pg_stmt *st = calloc(1, sizeof *st);
	if (!st)
		rk_oom();
	snprintf(st->name, sizeof st->name, "rk%u", ++ps->next_name);
	st->generation = ps->generation;
	PGresult *res = PQprepare(ps->conn, st->name, sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum rk_status rc = pg_status(s, res, err, "prepare");
		PQclear(res);
		free(st);
		return rc;
	}
	PQclear(res);
	res = PQdescribePrepared(ps->conn, st->name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		enum rk_status rc = pg_status(s, res, err, "describe");
		PQclear(res);
		free(st);
		return rc;
	}
	st->nparams = PQnparams(res);
	PQclear(res);
	if (st->nparams) {
		st->values = calloc((size_t)st->nparams, sizeof *st->values);
		st->lengths = calloc((size_t)st->nparams, sizeof *st->lengths);
		if (!st->values || !st->lengths)
			rk_oom();
	}
	st->row = -1;
	*out = &st->base;
	return RK_OK;
}

static void set_param(struct pg_stmt *st, int i, const char *p, size_t n)
{
	if (i < 1 || i > st->nparams)
		return;
	free(st->values[i - 1]);
	st->values[i - 1] = NULL;
	if (!p)
		return;
	char *copy = malloc(n + 1);
	if (!copy)
		rk_oom();
	memcpy(copy, p, n);
	copy[n] = '\0';
	st->values[i - 1] = copy;
	st->lengths[i - 1] = (int)n;
}

static void pg_bind_text(struct store_stmt *st, int i, struct str v)
{
	set_param((struct pg_stmt *)st, i, v.ptr, v.len);
}

static void pg_bind_i64(struct store_stmt *st, int i, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	set_param((struct pg_stmt *)st, i, tmp, (size_t)n);
}

static enum rk_status pg_step(struct store_stmt *base, bool *row, struct rk_err *err)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	*row = false;
	if (!st->res) {
		PGconn *conn = conn_of(base->store);
		st->res = PQexecPrepared(conn, st->name, st->nparams, (const char *const *)st->values, st->lengths,
					 NULL, 0);
		ExecStatusType es = PQresultStatus(st->res);
		if (es == PGRES_TUPLES_OK) {
			st->nrows = PQntuples(st->res);
			st->row = -1;
		} else if (es == PGRES_COMMAND_OK) {
			st->nrows = 0;
			st->row = -1;
			base->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
		} else {
			enum rk_status rc = pg_status(base->store, st->res, err, "query");
			PQclear(st->res);
			st->res = NULL;
			return rc;
		}
	}
	if (st->row + 1 < st->nrows) {
		st->row++;
		*row = true;
	} else if (PQresultStatus(st->res) == PGRES_TUPLES_OK) {
		base->changes = st->nrows;
	}
	return RK_OK;
}

static struct str pg_col_text(struct store_stmt *base, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	if (!st->res || st->row < 0 || col >= PQnfields(st->res))
		return (struct str){"", 0};
	return (struct str){PQgetvalue(st->res, st->row, col), (size_t)PQgetlength(st->res, st->row, col)};
}

static int64_t pg_col_i64(struct store_stmt *base, int col)
{
	struct str v = pg_col_text(base, col);
	return v.len ? strtoll(v.ptr, NULL, 10) : 0;
}

static bool pg_col_null(struct store_stmt *base, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	return !st->res || st->row < 0 || PQgetisnull(st->res, st->row, col);
}

static void pg_reset(struct store_stmt *base)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrows = 0;
	for (int i = 0; i < st->nparams; i++) {
		free(st->values[i]);
		st->values[i] = NULL;
	}
}

static void pg_finalize(struct store_stmt *base)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	struct pg_store *ps = (struct pg_store *)base->store;
	pg_reset(base);
	if (ps && st->generation == ps->generation && PQstatus(ps->conn) == CONNECTION_OK &&
	    PQtransactionStatus(ps->conn) != PQTRANS_INERROR) {
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
		PQclear(PQexec(ps->conn, sql));
	}
	free(st->values);
	free(st->lengths);
	free(st);
}

static enum rk_status pg_exec(struct store *s, const char *sql, struct rk_err *err)
{
	if (PQstatus(conn_of(s)) != CONNECTION_OK && strcmp(sql, "ROLLBACK") == 0)
		return RK_OK; /* the server rolled back when the connection went */
	PGresult *res = PQexec(conn_of(s), sql);
	ExecStatusType es = PQresultStatus(res);
	enum rk_status rc = RK_OK;
	if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
		rc = pg_status(s, res, err, strcmp(sql, "COMMIT") == 0 ? "commit" : "exec");
	PQclear(res);
	return rc;
}

static enum rk_status pg_session_setup(struct store *s, struct rk_err *err)
{
	char setup[320];
	snprintf(setup, sizeof setup,
		 "SET client_encoding TO 'UTF8'; SET TIME ZONE 'UTC'; SET synchronous_commit TO on;"
		 " SET lock_timeout TO %d%s",
		 s->busy_timeout_ms, s->read_only ? "; SET default_transaction_read_only TO on" : "");
	enum rk_status rc = pg_exec(s, setup, err);
	((struct pg_store *)s)->session_set = rc == RK_OK;
	return rc;
}

/* A connection the server dropped (restart, pg_terminate_backend, network)
 * is re-opened on the next use outside a transaction; the statements
 * prepared on the old one are gone with it. */
static enum rk_status pg_ensure(struct store *s, struct rk_err *err)
{
	struct pg_store *ps = (struct pg_store *)s;
	if (PQstatus(ps->conn) == CONNECTION_OK)
		return ps->session_set || s->in_tx ? RK_OK : pg_session_setup(s, err); /* a reconnect's setup failed */
	if (s->in_tx) /* logged when the statement that found it gone failed */
		return store_fail(s, STORE_FAIL_LOST, "transaction", NULL, NULL, err);
	PQreset(ps->conn);
	if (PQstatus(ps->conn) != CONNECTION_OK)
		return pg_status(s, NULL, err, "reconnect");
	PQsetNoticeProcessor(ps->conn, quiet_notices, NULL);
	ps->session_set = false;
	ps->generation++;
	store_cache_drop(s);
	log_event(LOG_INFO, "store.reconnected", "backend", "postgresql", NULL);
	return pg_session_setup(s, err);
}

static void pg_close(struct store *s)
{
	PQfinish(conn_of(s));
	free(s);
}

static const struct store_ops pg_ops = {
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_i64 = pg_bind_i64,
	.step = pg_step,
	.col_text = pg_col_text,
	.col_i64 = pg_col_i64,
	.col_null = pg_col_null,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.exec = pg_exec,
	.begin_sql = "BEGIN",
	.ensure = pg_ensure,
	.close = pg_close,
};

enum rk_status store_pg_open(const char *url, const struct store_options *opt, struct store **out, struct rk_err *err)
{
	PGconn *conn = PQconnectdb(url);
	if (!conn)
		rk_oom();
	if (PQstatus(conn) != CONNECTION_OK) {
		char msg[RK_ERR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(conn));
		size_t n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
		PQfinish(conn);
		return rk_fail(err, RK_DB, "cannot connect to PostgreSQL: %s", msg);
	}
	PQsetNoticeProcessor(conn, quiet_notices, NULL);
	struct pg_store *s = calloc(1, sizeof *s);
	if (!s)
		rk_oom();
	s->conn = conn;
	s->base.ops = &pg_ops;
	s->base.backend = STORE_POSTGRES;
	s->base.busy_timeout_ms = opt->busy_timeout_ms;
	s->base.read_only = opt->read_only;
	enum rk_status rc = pg_session_setup(&s->base, err);
	if (rc != RK_OK) {
		pg_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return RK_OK;
}
