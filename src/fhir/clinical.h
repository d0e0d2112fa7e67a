/* clinical.h — the write hook of the clinical resource types (Encounter,
 * Condition, Observation, ... , DocumentReference, Binary, Composition): every
 * such record belongs to one patient registration and comes from that
 * registration's facility (DESIGN §4: source facility and patient drive
 * consent). Called by resource.c inside the write transaction. */
#ifndef RENKEI_FHIR_CLINICAL_H
#define RENKEI_FHIR_CLINICAL_H

#include "fhir/resource.h"

/* Derive the record's patient (the registration named by subject/patient;
 * for Binary, the record named by securityContext) and its source facility
 * (that registration's facility); refuse references to another patient's
 * records. A writer of another facility is answered exactly as if the
 * patient did not exist: a write reveals nothing the writer may not read. */
enum rk_status clinical_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);

/* The element that names the patient of a clinical type ("subject",
 * "patient", "securityContext" for Binary), or NULL for other types. */
const char *clinical_patient_element(const char *type);

#endif
