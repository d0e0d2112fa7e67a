/* bulk.h — bulk in and out of the region.
 *
 * Out: FHIR Bulk Data Access v2 `$export` at three levels — system
 * (`/fhir/$export`), every patient (`/fhir/Patient/$export`) and a group
 * (`/fhir/Group/{facility code}/$export`: the people registered at that
 * facility). A kick-off is checked (parameters, who may export what:
 * docs/ACCESS.md, "Bulk export") and stored as a row of bulk_export; the
 * export then runs on a thread of its own (the runner), as the principal who
 * started it: every record goes through the consent-filtered query engine
 * (query/query.h), exactly as a search of that principal would, and is
 * written as one line of an ndjson file of its type under bulk.dir. Its
 * start is the kick-off request's audit entry; its completion (or failure)
 * is an entry of its own naming every patient exported; each file fetched
 * and a cancellation are their requests' entries. Files and rows are deleted
 * bulk.expiry after the end (the scheduler's bulk-export-purge job).
 *
 * In: `renkei import ndjson DIR --facility CODE` reads every *.ndjson file of
 * DIR (one resource per line) and writes it as the facility's system would
 * (the write decision of access/, the fhir/ write path), in batches of one
 * transaction with their audit entries, each line in a savepoint: a line that
 * cannot be stored is quarantined (ingest_error, origin "ndjson") with its
 * reason and the rest goes on. Ids are deterministic ("<facility>-" + a hash
 * of the facility and the foreign type/id), references between the imported
 * resources are rewritten to them, a Patient's foreign identifier becomes the
 * facility's local patient ID, and a line already imported unchanged is not
 * stored again (ingest_message, origin "ndjson").
 *
 * Thread-compatible: each call works on the caller's store connection; the
 * runner opens its own. */
#ifndef RENKEI_BULK_BULK_H
#define RENKEI_BULK_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/principal.h"
#include "audit/audit.h"
#include "config/config.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "sched/sched.h"
#include "store/store.h"

/* ---- ndjson (ndjson.c, pure, fuzzed: fuzz_ndjson) ---------------------------- */

/* The next line of *rest (without its LF and the CRs before it), skipping blank
 * lines; *lineno counts lines (1-based, blank ones too). false at the end. */
bool bulk_ndjson_next(struct str *rest, struct str *line, int64_t *lineno);

/* ---- export: the kick-off ----------------------------------------------------- */

enum bulk_level { BULK_SYSTEM, BULK_PATIENT, BULK_GROUP };

#define BULK_MAX_TYPES 32
#define BULK_ID_LEN    26

struct bulk_request {
	enum bulk_level level;
	char group[RK_MAX_FACILITY_CODE];  /* BULK_GROUP: the facility code */
	const char *types[BULK_MAX_TYPES]; /* the types to export, in order */
	size_t n_types;
	bool types_given; /* _type was given (else every type of the level) */
	int64_t since;    /* ms; -1: everything */
};

/* The kick-off's query parameters: _type (comma-separated, repeatable),
 * _since (a FHIR instant), _outputFormat (application/fhir+ndjson,
 * application/ndjson, ndjson). Any other parameter, a type that is not
 * served or not of the level (the directory is in system exports only), a
 * second _since: RK_INVALID naming it. Types default to every type of the
 * level. */
enum rk_status bulk_export_parse(enum bulk_level level, struct str group, const struct str_pair *params, size_t n,
				 struct bulk_request *out, struct rk_err *err);

/* Who may export what (docs/ACCESS.md, "Bulk export"): a system or patient
 * level export is the network operator's only; a group, a facility system of
 * that facility (or the operator). A facility system's export keeps the
 * types its scopes let it read (RK_FORBIDDEN when _type names another, or
 * none is left). RK_FORBIDDEN with code bulk_region / bulk_role /
 * bulk_facility and a message saying the rule. May narrow r->types. */
enum rk_status bulk_export_may(const struct principal *who, struct bulk_request *r, struct rk_err *err);

/* Store the kick-off (status queued) and wake the runner: id_out gets the
 * export's id. request_url is the kick-off URL as received. */
enum rk_status bulk_export_start(struct store *s, const struct principal *who, const struct bulk_request *r,
				 const char *request_url, int64_t now, char id_out[BULK_ID_LEN + 1],
				 struct rk_err *err);

/* ---- export: status, files, cancellation -------------------------------------- */

/* Whose an export is: "staff:<account>" or "system:<client id>" (the
 * account argument below). */
void bulk_owner_key(const struct principal *who, char *out, size_t cap);

struct bulk_state {
	struct str id, account, status, progress, outputs, error, request_url;
	int64_t created_at, finished_at, expires_at;
};
/* The export id as account sees it: RK_NOT_FOUND when unknown, expired or
 * another account's (the same answer). Strings in a. */
enum rk_status bulk_export_get(struct store *s, struct str id, const char *account, struct arena *a,
			       struct bulk_state *out, struct rk_err *err);
/* Cancel (status cancelled, due for deletion now) and delete its files; an
 * export running stops at its next type and deletes what it wrote; the purge
 * deletes the row. RK_NOT_FOUND as above, or when already cancelled. */
enum rk_status bulk_export_cancel(struct store *s, const struct config *cfg, struct str id, const char *account,
				  int64_t now, struct rk_err *err);
/* The manifest of a finished export (JSON, in a), its files named under
 * base ("{fhir base}/$export-file/{id}/{file}"). */
enum rk_status bulk_export_manifest(const struct bulk_state *st, const char *base, struct arena *a, struct str *out,
				    struct rk_err *err);
/* The bytes of one file of a finished export whose outputs name it (file
 * names are the runner's own: "Type.N.ndjson"); *resources its line count.
 * RK_NOT_FOUND otherwise. */
enum rk_status bulk_export_file(const struct config *cfg, const struct bulk_state *st, struct str file, struct arena *a,
				struct str *out, int64_t *resources, struct rk_err *err);

/* The directory of the export files (bulk.dir or its default). */
void bulk_dir(const struct config *cfg, char *out, size_t cap);

/* ---- export: the runner --------------------------------------------------------- */

struct bulk_runner;
/* Start the runner thread of `renkei serve`: it takes queued exports (a
 * compare-and-set on the row, so one server runs each), runs them and
 * records their end; audit must outlive it. */
enum rk_status bulk_runner_start(const struct config *cfg, struct audit_log *audit, struct bulk_runner **out,
				 struct rk_err *err);
/* Let the export running stop at its next type, join; NULL is ignored. */
void bulk_runner_stop(struct bulk_runner *r);
/* Run one export now on s (the runner's step; tests). */
enum rk_status bulk_export_run(struct store *s, const struct config *cfg, struct audit_log *audit, struct str id,
			       struct rk_err *err);

/* The scheduler's job: files and rows of exports past expires_at deleted
 * (cancelled ones at once), and of exports that did not finish within
 * bulk.expiry of their start (their server stopped). */
enum rk_status bulk_export_purge(const struct sched_env *env, int64_t now, struct sched_result *res,
				 struct rk_err *err);

/* ---- import ------------------------------------------------------------------------- */

struct bulk_import_stats {
	int64_t files, lines, done; /* lines in all files; lines handled so far */
	int64_t stored, unchanged, quarantined;
	int64_t bytes, elapsed_ms;
};
typedef void (*bulk_progress_fn)(void *arg, const struct bulk_import_stats *st);

/* Import DIR's *.ndjson files for facility (see above). actor names who
 * runs it in the audit entries ("ndjson-import:<OS user>"). RK_OK unless the
 * store failed (a batch is then rolled back and the import stops); lines
 * that could not be stored are counted as quarantined. */
enum rk_status bulk_import_ndjson(struct store *s, const struct config *cfg, const char *dir, struct str facility,
				  struct audit_log *log, const char *actor, bulk_progress_fn progress,
				  void *progress_arg, struct bulk_import_stats *st, struct rk_err *err);

#endif
