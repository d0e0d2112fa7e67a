/* store.h — the one storage API, over SQLite (embedded, default) and
 * PostgreSQL (scale). A struct store is one connection, used by one thread at
 * a time (each HTTP worker owns one). Nothing above store/ writes SQL for
 * resources; operational tables get small typed functions here too.
 *
 * Errors: RK_NOT_FOUND (no such row; err is left unset so the caller can say
 * what is missing in its own words), RK_CONFLICT (unique key or concurrent
 * version change), RK_BUSY (lock wait timed out, or the database is
 * unreachable; retry), RK_TIMEOUT, RK_IO, RK_DB (anything else). The message
 * in err is always fit for a client: the backend's own text (constraint and
 * table names, row ids, sockets) is written to the server log instead
 * (event store.error), and err->code says which kind of failure it was
 * (db_conflict, db_busy, db_unreachable, db_timeout, db_full, db_io, db_error). */
#ifndef RENKEI_STORE_STORE_H
#define RENKEI_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

struct store;
struct store_stmt;

enum store_backend { STORE_SQLITE, STORE_POSTGRES };

struct store_options {
	int busy_timeout_ms; /* SQLite lock wait / PostgreSQL lock_timeout */
	int64_t cache_bytes; /* SQLite page cache of this connection (0: SQLite's default) */
	bool read_only;      /* a standby's connection: the database refuses every write on it (PostgreSQL
			      * default_transaction_read_only, SQLite query_only), so nothing slips through */
};

/* ---- connection ---------------------------------------------------------- */

/* Open "sqlite:PATH" or "postgresql://..." (libpq URI). The SQLite file is
 * created if missing (its directory must exist) and set to WAL with
 * synchronous=FULL. On failure *out is untouched and err says why. */
enum rk_status store_open(const char *url, const struct store_options *opt, struct store **out, struct rk_err *err);
/* Finalise cached statements and close; NULL is ignored. */
void store_close(struct store *s);
enum store_backend store_backend_of(const struct store *s);
/* Is the database a standby that accepts no writes at all (PostgreSQL:
 * pg_is_in_recovery(), a hot standby replaying its primary's WAL)? SQLite:
 * always false. */
enum rk_status store_in_recovery(struct store *s, bool *out, struct rk_err *err);

/* Apply the embedded migrations not yet applied, in one transaction (several
 * processes may race: one applies, the others wait and find nothing to do).
 * Fails if the database is newer than this binary. */
enum rk_status store_migrate(struct store *s, struct rk_err *err);
/* Without writing anything (a read-only standby): RK_OK when every
 * embedded migration is applied, RK_DB saying which side to upgrade when not. */
enum rk_status store_schema_check(struct store *s, struct rk_err *err);
/* Highest applied migration (0 for an empty database). */
enum rk_status store_schema_version(struct store *s, int *out, struct rk_err *err);

/* Refresh the planner's statistics after a bulk load (SQLite: ANALYZE with a
 * row sample; PostgreSQL: ANALYZE). Outside a transaction. */
enum rk_status store_optimize(struct store *s, struct rk_err *err);

/* ---- transactions -------------------------------------------------------- */

/* Begin a write transaction (SQLite: BEGIN IMMEDIATE, so the write lock is
 * taken up front). Commit is durable when it returns RK_OK; a failed commit
 * has rolled its level back. Rollback never fails (a broken connection is
 * reset on next use).
 *
 * Levels nest: store_begin inside an open transaction is a SAVEPOINT,
 * store_commit of that level a RELEASE (its writes become the outer level's,
 * durable only with the outermost commit), store_rollback a ROLLBACK TO and
 * RELEASE of the innermost level only, which leaves the outer levels usable
 * (on PostgreSQL too, after a failed statement). Code that holds a
 * transaction of its own therefore works unchanged inside a caller's: the
 * HTTP server wraps each state-changing request in one, so that the write
 * and its audit entry commit together. If the database ends the transaction
 * underneath (SQLite after a full disk, a lost PostgreSQL connection), every
 * statement fails with RK_DB until the outermost level is ended. */
enum rk_status store_begin(struct store *s, struct rk_err *err);
enum rk_status store_commit(struct store *s, struct rk_err *err);
void store_rollback(struct store *s);
/* True inside a usable transaction (at any level). */
bool store_in_tx(const struct store *s);
/* A level like store_begin's, but on SQLite opened only when first needed:
 * at the first store_begin or the first statement that is not a SELECT
 * (then every pending level opens, the outermost with BEGIN IMMEDIATE). Until
 * then reads run on their own, as outside a transaction, and SQLite's write
 * lock is not held — a request that reads a while before it writes (a
 * login's password check) does not keep every other writer waiting.
 * PostgreSQL, or inside an open transaction: store_begin. A pending level's
 * commit or rollback just drops it. */
enum rk_status store_begin_lazy(struct store *s, struct rk_err *err);
/* Drop the levels store_begin_lazy left unopened; true when there were any
 * (then nothing was written under them). */
bool store_cancel_pending(struct store *s);

/* ---- statements (portable SQL, `?` placeholders) -------------------------- */

/* A prepared statement for sql, cached per connection by its text. Bind with
 * 1-based indexes, step, read 0-based columns, then store_done(). */
enum rk_status store_prepare(struct store *s, const char *sql, struct store_stmt **out, struct rk_err *err);
/* v.ptr == NULL binds SQL NULL. The value is copied. */
void store_bind_text(struct store_stmt *st, int i, struct str v);
/* The same without the copy: v must stay valid and unchanged until
 * store_done(st). For the write path's many index values (SQLite copies each
 * bound text otherwise: measured, 1.6% of the instructions of an SS-MIX2 import). */
void store_bind_text_ref(struct store_stmt *st, int i, struct str v);
void store_bind_i64(struct store_stmt *st, int i, int64_t v);
/* *row = true when a row is available; false when the statement is finished. */
enum rk_status store_step(struct store_stmt *st, bool *row, struct rk_err *err);
/* Column values of the current row; text is valid until the next step/done. */
struct str store_col_text(struct store_stmt *st, int col);
int64_t store_col_i64(struct store_stmt *st, int col);
bool store_col_null(struct store_stmt *st, int col);
/* Rows changed by the last INSERT/UPDATE/DELETE stepped on this statement. */
int64_t store_changes(struct store_stmt *st);
/* Step to completion, ignoring rows (INSERT/UPDATE/DELETE). */
enum rk_status store_run(struct store_stmt *st, struct rk_err *err);
/* Reset and unbind; the statement goes back to the cache. Always call it. */
void store_done(struct store_stmt *st);
/* Run SQL without parameters or results (may hold several statements). */
enum rk_status store_exec(struct store *s, const char *sql, struct rk_err *err);

/* ---- resources --------------------------------------------------------- */

struct store_resource {
	struct str type, id;
	int64_t version;
	int64_t last_updated; /* ms since the epoch */
	bool deleted;
	struct str source_facility; /* empty when not set */
	struct str patient_id;      /* empty when not set */
	struct str body;            /* stored JSON; empty for a deletion */
};

enum store_index_kind { IDX_TOKEN, IDX_STRING, IDX_DATE, IDX_REFERENCE };

/* One extracted search-index value of a resource. */
struct store_index_entry {
	enum store_index_kind kind;
	const char *param;
	struct str a;   /* token: system ('' if none); string: search key; reference: target type */
	struct str b;   /* token: code; string: raw value; reference: target id */
	int64_t lo, hi; /* date range [lo, hi) */
};

struct store_write {
	const char *type;
	struct str id;
	int64_t version; /* the new version: 1 for a first write */
	int64_t last_updated;
	bool deleted;
	struct str source_facility, patient_id;
	struct str body;
	const struct store_index_entry *index;
	size_t n_index;
};

/* Current version of type/id (a deleted one has deleted = true, body empty).
 * Strings are copied into a. RK_NOT_FOUND if it never existed. */
enum rk_status store_resource_read(struct store *s, const char *type, struct str id, struct arena *a,
				   struct store_resource *out, struct rk_err *err);
/* The same without the body (out->body is empty): for existence, deletion,
 * owner and facility checks, which run for every reference of every write. */
enum rk_status store_resource_head(struct store *s, const char *type, struct str id, struct arena *a,
				   struct store_resource *out, struct rk_err *err);
/* The current version for a write of type/id, inside the caller's
 * transaction: the resource stays locked until the transaction ends, so a
 * concurrent writer of the same resource waits and then reads this one's
 * result instead of racing it. SQLite: BEGIN IMMEDIATE already serialises
 * writers. PostgreSQL: the row FOR UPDATE; when there is none yet, a
 * transaction advisory lock on type/id, then the row again, so two creates of
 * one new id take turns. RK_NOT_FOUND if it does not exist (the lock is held
 * all the same). */
enum rk_status store_resource_read_for_write(struct store *s, const char *type, struct str id, struct arena *a,
					     struct store_resource *out, struct rk_err *err);
/* A given version. RK_NOT_FOUND if that version does not exist. */
enum rk_status store_resource_vread(struct store *s, const char *type, struct str id, int64_t version, struct arena *a,
				    struct store_resource *out, struct rk_err *err);
/* Write a new version inside the caller's transaction. w->version == 1
 * inserts (RK_CONFLICT if type/id exists); otherwise the current version must
 * be w->version - 1 (RK_CONFLICT if another writer got there first); the old
 * version moves to history and the index is replaced. Both conflicts carry
 * err->code "version_conflict" and a message naming the resource. */
enum rk_status store_resource_write(struct store *s, const struct store_write *w, struct rk_err *err);

/* ---- search ---------------------------------------------------------------- */

enum store_cond_kind { COND_TOKEN, COND_STRING, COND_DATE, COND_REFERENCE, COND_ID, COND_LAST_UPDATED };
enum store_modifier { MOD_NONE, MOD_EXACT, MOD_CONTAINS, MOD_NOT, MOD_MISSING };
enum store_prefix { PFX_EQ, PFX_NE, PFX_GT, PFX_LT, PFX_GE, PFX_LE, PFX_SA, PFX_EB, PFX_AP };

struct store_value {
	enum store_prefix prefix;
	bool has_system;   /* token: "system|code" or "|code" given */
	struct str system; /* token system, or reference target type (may be empty) */
	struct str code;   /* token code, string key/raw, reference id, _id */
	struct str upper;  /* string: exclusive upper bound of the prefix range */
	int64_t lo, hi;    /* date */
};

struct store_cond {
	const char *param;
	enum store_cond_kind kind;
	enum store_modifier modifier;
	bool missing;                     /* MOD_MISSING: true = must be absent */
	const struct store_value *values; /* OR-ed */
	size_t n_values;
};

struct store_sort {
	const char *param;
	enum store_cond_kind kind; /* COND_DATE, COND_STRING, COND_ID, COND_LAST_UPDATED, COND_TOKEN */
	bool desc;
};

struct store_query {
	const char *type;
	const struct store_cond *conds; /* AND-ed */
	size_t n_conds;
	const struct store_sort *sort;
	size_t n_sort;
	int64_t count; /* rows wanted (0: only the total) */
	int64_t offset;
	bool want_total;
};

/* Called for each row; return non-OK to stop (that status is returned). The
 * row's strings are valid only during the call. */
typedef enum rk_status (*store_row_fn)(void *ctx, const struct store_resource *r);

/* Rows of q in order (rid order unless sorted), count/offset applied; *total
 * gets the number of matches when q->want_total (else -1). */
enum rk_status store_search(struct store *s, const struct store_query *q, store_row_fn fn, void *ctx, int64_t *total,
			    struct rk_err *err);

/* Search candidates for an access filter: every match of q (count and
 * offset ignored) in q's order, as (rid, source facility, patient id).
 * RK_TOO_LARGE past max rows ("narrow the search"). */
typedef enum rk_status (*store_key_fn)(void *ctx, int64_t rid, struct str source_facility, struct str patient_id);
enum rk_status store_search_keys(struct store *s, const struct store_query *q, int64_t max, store_key_fn fn, void *ctx,
				 struct rk_err *err);
/* Every current (not deleted) resource of the given Patient registrations,
 * optionally of some types only and updated at or after since (INT64_MIN:
 * any), in storage order; RK_TOO_LARGE past max. For $everything. */
struct store_patient_query {
	const struct str *patients;
	size_t n_patients;
	const char *const *types; /* n_types == 0: every type */
	size_t n_types;
	int64_t since;
};
typedef enum rk_status (*store_typed_key_fn)(void *ctx, int64_t rid, struct str type, struct str source_facility,
					     struct str patient_id);
enum rk_status store_patient_keys(struct store *s, const struct store_patient_query *q, int64_t max,
				  store_typed_key_fn fn, void *ctx, struct rk_err *err);
/* _include: the distinct (target type, id) that the reference parameter
 * param of the current resources type/ids points at. */
typedef enum rk_status (*store_ref_fn)(void *ctx, struct str target_type, struct str target_id);
enum rk_status store_refs_from(struct store *s, const char *type, const struct str *ids, size_t n, const char *param,
			       store_ref_fn fn, void *ctx, struct rk_err *err);
/* _revinclude: the current resources of type whose reference parameter param
 * points at target_type/ids (RK_TOO_LARGE past max). */
enum rk_status store_refs_to(struct store *s, const char *type, const char *param, const char *target_type,
			     const struct str *ids, size_t n, int64_t max, store_typed_key_fn fn, void *ctx,
			     struct rk_err *err);
/* The current rows of the given rids, passed to fn in the order given (type
 * NULL: rows of any type, each with its own). */
enum rk_status store_resources_by_rid(struct store *s, const char *type, const int64_t *rids, size_t n, store_row_fn fn,
				      void *ctx, struct rk_err *err);

struct store_history_query {
	const char *type; /* NULL: every type */
	struct str id;    /* empty: every resource of type */
	int64_t since;    /* versions updated at or after (INT64_MIN: all) */
	int64_t count, offset;
};

/* Versions newest first (including the current one and deletions). */
enum rk_status store_history(struct store *s, const struct store_history_query *q, store_row_fn fn, void *ctx,
			     int64_t *total, struct rk_err *err);
/* Every version of q (count/offset ignored), newest first, without bodies
 * (r->body is empty); RK_TOO_LARGE past max rows. */
enum rk_status store_history_keys(struct store *s, const struct store_history_query *q, int64_t max, store_row_fn fn,
				  void *ctx, struct rk_err *err);

/* ---- registry: facilities and regional patient identity ------------------ */

struct store_facility {
	struct str facility_code, org_id, kind, name, area;
	struct str area_codes; /* its municipality and those it serves (model/municipality.h) */
	bool active;
};

/* Insert or replace the facility row of an Organization (keyed by org_id);
 * RK_CONFLICT when its code belongs to another Organization. */
enum rk_status store_facility_put(struct store *s, const struct store_facility *f, struct rk_err *err);
enum rk_status store_facility_get(struct store *s, struct str facility_code, struct arena *a,
				  struct store_facility *out, struct rk_err *err);
/* The facility code of an Organization id; RK_NOT_FOUND when it is no facility. */
enum rk_status store_facility_of_org(struct store *s, struct str org_id, char code[16], struct rk_err *err);
/* Mark the facility of an Organization inactive (its Organization was deleted). */
enum rk_status store_facility_deactivate(struct store *s, struct str org_id, struct rk_err *err);
typedef enum rk_status (*store_facility_fn)(void *ctx, const struct store_facility *f);
enum rk_status store_facility_list(struct store *s, store_facility_fn fn, void *ctx, struct rk_err *err);

struct store_patient_link {
	struct str patient_id, facility_code, local_id, regional_id;
	int64_t linked_at;
};

/* New regional ID row; RK_CONFLICT if it exists. */
enum rk_status store_regional_create(struct store *s, struct str regional_id, int64_t now, struct rk_err *err);
/* RK_OK when the regional ID exists (and was not merged away), else RK_NOT_FOUND. */
enum rk_status store_regional_exists(struct store *s, struct str regional_id, struct rk_err *err);
/* Insert or update the link of a Patient resource. RK_CONFLICT when the
 * (facility, local id) pair belongs to another Patient resource. */
enum rk_status store_link_put(struct store *s, const struct store_patient_link *l, struct rk_err *err);
enum rk_status store_link_by_local(struct store *s, struct str facility_code, struct str local_id, struct arena *a,
				   struct store_patient_link *out, struct rk_err *err);
enum rk_status store_link_by_patient(struct store *s, struct str patient_id, struct arena *a,
				     struct store_patient_link *out, struct rk_err *err);
typedef enum rk_status (*store_link_fn)(void *ctx, const struct store_patient_link *l);
/* Every facility registration of a regional ID, ordered by facility code. */
enum rk_status store_links_by_regional(struct store *s, struct str regional_id, store_link_fn fn, void *ctx,
				       struct rk_err *err);

#endif
