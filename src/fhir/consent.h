/* consent.h — Consent and CareTeam resources as the source of the consent
 * and care-team facts the access decision reads (access/decide.h): each
 * write extracts its facts in the same transaction, a deletion removes them,
 * and withdrawal (status inactive) holds from the next request on. */
#ifndef RENKEI_FHIR_CONSENT_H
#define RENKEI_FHIR_CONSENT_H

#include "fhir/resource.h"

enum rk_status consent_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status consent_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status consent_after_delete(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status careteam_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status careteam_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status careteam_after_delete(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);

#endif
