/* validate.h — structural validation of a FHIR R4 resource against the
 * tables of types.h: JSON types, cardinality, required elements, required
 * code bindings, primitive formats (dates, ids, codes...), unknown elements,
 * reference targets. The first problem found is reported with its location
 * ("Patient.name[0].given[1]") in err->where. Pure; thread-safe. */
#ifndef RENKEI_FHIR_VALIDATE_H
#define RENKEI_FHIR_VALIDATE_H

#include <jansson.h>

#include "core/err.h"
#include "core/str.h"
#include "fhir/types.h"

/* Called for each relative reference "Type/id" found; return non-OK to fail
 * validation (err set by the callback). */
typedef enum rk_status (*fhir_ref_fn)(void *ctx, struct str type, struct str id, const char *where, struct rk_err *err);

/* RK_OK, or RK_INVALID with a specific message. on_ref may be NULL. */
enum rk_status fhir_validate(const struct fhir_resource_def *def, const json_t *res, fhir_ref_fn on_ref, void *ref_ctx,
			     struct rk_err *err);

/* FHIR id: [A-Za-z0-9\-\.]{1,64}. */
bool fhir_id_valid(struct str id);
/* FHIR code: no leading/trailing whitespace, single inner spaces, not empty. */
bool fhir_code_valid(struct str code);

#endif
