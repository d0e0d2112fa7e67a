/* owner.h — a version of a resource as the write decision sees it
 * (model/write.h): what kind of record it is, which facility owns it and
 * which patient it is about. Used on both sides of every write: the stored
 * version (from its row and body) and the version being written (after the
 * type's prepare hook has set its source facility and patient). */
#ifndef RENKEI_FHIR_OWNER_H
#define RENKEI_FHIR_OWNER_H

#include <jansson.h>

#include "fhir/resource.h"
#include "model/write.h"

/* Describe res (a resource of def) whose source facility (owner) and patient
 * (Patient id, empty when none) are given. Strings are copied into
 * ctx->arena. RK_TOO_LARGE when out of request memory, store errors when the
 * patient's regional ID cannot be read. */
enum rk_status fhir_owner_describe(struct fhir_ctx *ctx, const struct fhir_resource_def *def, const json_t *res,
				   struct str source_facility, struct str patient_id, struct write_record *out,
				   struct rk_err *err);

/* The stored version r of def (its body parsed here). */
enum rk_status fhir_owner_describe_stored(struct fhir_ctx *ctx, const struct fhir_resource_def *def,
					  const struct store_resource *r, struct write_record *out, struct rk_err *err);

/* The kind of record def is for an early check, before any body is read:
 * Consent counts as an individual consent, Organization as a facility. */
enum write_kind fhir_owner_kind_of_type(const struct fhir_resource_def *def);

#endif
