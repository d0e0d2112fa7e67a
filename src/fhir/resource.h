/* resource.h — the FHIR resource service: create, update (also as create),
 * delete, read and vread of the served types, with validation, reference
 * checks, version history, search indexing and the type's registry hooks, all
 * in one transaction. Used by the HTTP API and by internal writers (demo,
 * import). One fhir_ctx per request/thread. */
#ifndef RENKEI_FHIR_RESOURCE_H
#define RENKEI_FHIR_RESOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/rand.h"
#include "fhir/types.h"
#include "model/write.h"
#include "store/store.h"

struct fhir_write;

/* The writer's side of every write that is not internal (a request, a
 * message from a facility, the command line): what it may know and what it
 * may write. The write decision itself is access/decide_write.c; these are
 * the callbacks through which the caller applies it. */
struct fhir_guard {
	/* May the writer know of this stored record (a version being replaced or
	 * deleted, or a referenced record)? One it may not see is treated exactly
	 * as one that does not exist: the same answers and the same messages. */
	enum rk_status (*visible)(void *arg, const struct store_resource *r, bool *ok, struct rk_err *err);
	/* May this write happen? Called once both sides are known:
	 * stored describes the current version (update, delete; else NULL),
	 * fresh the new one (create, update; else NULL). */
	enum rk_status (*authorize)(void *arg, enum write_action act, const char *type, struct str id,
				    const struct write_record *stored, const struct write_record *fresh,
				    struct rk_err *err);
	/* May the writer create a record of this type under this client-chosen
	 * id (update as create)? Called before anything else of the body is
	 * looked at, for an id that does not exist — or that the writer may not
	 * see. */
	enum rk_status (*create_id)(void *arg, const char *type, struct str id, struct rk_err *err);
};

struct fhir_ctx {
	struct store *store;
	struct arena *arena;
	const struct config *cfg;
	int64_t now;                /* ms; taken once per request */
	struct rng *rng;            /* when set, new regional IDs come from it (demo determinism) */
	bool trusted;               /* internal writer: may name a new regional ID */
	bool batch;                 /* the caller holds the transaction (demo, transaction Bundles):
			    * writes neither begin nor commit, and a failure leaves the
			    * rollback to the caller */
	const char *actor_facility; /* who writes: facility code and account ("" for internal writers) */
	const char *actor_account;
	const struct fhir_guard *guard; /* NULL: an internal writer (demo, merges), no checks */
	void *guard_arg;
};

/* A write being prepared; the hooks of types.h read and fill it. */
struct fhir_write {
	const struct fhir_resource_def *def;
	json_t *res; /* the resource as sent (hooks may amend it) */
	struct str id;
	int64_t version;                   /* the version being written */
	const struct store_resource *prev; /* current stored version, or NULL */
	struct str source_facility;        /* set by prepare hooks */
	struct str patient_id;
	/* For the write decision (fhir/owner.c): both sides of the write. */
	bool has_stored;
	struct write_record stored, fresh;
	/* Patient registry scratch (fhir/registry.c) */
	struct str facility_code, local_id, regional_id;
	bool new_regional;
	bool names_regional; /* the body names a regional ID it is not linked to */
	/* the local ID is already another registration's: answered (409) only
	 * after the write decision, so that a writer of another facility learns
	 * from the decision what it learns for an ID nobody holds */
	struct str registered_as;
	/* Consent / CareTeam scratch */
	const char *regional;
	void *scratch;
	/* Organization registry scratch */
	bool is_facility;
	struct str facility_kind, facility_name, facility_area, facility_area_codes;
	bool facility_active;
};

struct fhir_result {
	struct str id;
	int64_t version;
	int64_t last_updated;
	struct str body; /* stored JSON (empty after delete) */
	bool created;
};

/* POST: a new resource with a server-assigned id. res is borrowed. */
enum rk_status fhir_create(struct fhir_ctx *ctx, const struct fhir_resource_def *def, json_t *res,
			   struct fhir_result *out, struct rk_err *err);
/* PUT: update id, or create it when it does not exist (out->created).
 * if_match > 0 requires the current version to be if_match (RK_PRECONDITION). */
enum rk_status fhir_update(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id, json_t *res,
			   int64_t if_match, struct fhir_result *out, struct rk_err *err);
/* DELETE: a new, deleted version. Deleting a missing or deleted resource succeeds (idempotent). */
enum rk_status fhir_delete(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id,
			   struct fhir_result *out, struct rk_err *err);
/* Current version: RK_NOT_FOUND, RK_GONE (deleted; out still describes it). */
enum rk_status fhir_read(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id,
			 struct store_resource *out, struct rk_err *err);
/* A version: RK_NOT_FOUND, RK_GONE (that version is a deletion). */
enum rk_status fhir_vread(struct fhir_ctx *ctx, const struct fhir_resource_def *def, struct str id, int64_t version,
			  struct store_resource *out, struct rk_err *err);

#endif
