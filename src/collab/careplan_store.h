/* careplan_store.h — the stored care plans of a person (collab/careplan.h):
 * listing them, and writing a save's transaction Bundle entry by entry for a
 * trusted writer that holds the store transaction (the command line). The
 * HTTP API runs the same Bundle through the FHIR bundle executor instead
 * (api_fhir_run_transaction). Nothing here decides access: callers check
 * each plan (access_check) or are the operator. Thread-compatible. */
#ifndef RENKEI_COLLAB_CAREPLAN_STORE_H
#define RENKEI_COLLAB_CAREPLAN_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "fhir/resource.h"
#include "store/store.h"

#define CAREPLAN_MAX_LISTED 50

struct careplan_stored {
	const char *id, *facility, *patient, *body;
	int64_t version, last_updated;
};

/* The CarePlans (any kind, not deleted) about any registration of the person,
 * newest first, at most CAREPLAN_MAX_LISTED. */
enum rk_status careplan_list(struct store *s, const char *regional, struct arena *a, struct careplan_stored **out,
			     size_t *n, struct rk_err *err);

/* Write a Bundle of careplan_bundle() through ctx (the caller holds the
 * transaction: ctx->batch), entry by entry in order, the urn:uuid references
 * rewritten to the ids the writes got. *plan_id: the CarePlan's id (arena). */
enum rk_status careplan_write(struct fhir_ctx *ctx, json_t *doc, const char **plan_id, struct rk_err *err);

#endif
