/* registry.h — the hooks that tie FHIR resources to the operational registry:
 * a Patient is one facility's registration of a person, linked to a regional
 * patient ID (PIX-style); an Organization with a facility code is a
 * participating facility. Called by resource.c inside the write transaction. */
#ifndef RENKEI_FHIR_REGISTRY_H
#define RENKEI_FHIR_REGISTRY_H

#include "fhir/resource.h"
#include "model/municipality.h"

enum rk_status registry_patient_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
/* The 409 of a create whose local ID another registration holds. */
enum rk_status registry_patient_conflict(const struct fhir_write *w, struct str existing, struct rk_err *err);
enum rk_status registry_patient_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status registry_organization_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status registry_organization_after(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status registry_practitioner_prepare(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
enum rk_status registry_organization_deleted(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);

/* The facility's municipality (on Organization.address, valueCode) and the
 * municipalities it also serves in a disaster (on Organization, repeated). */
#define REGISTRY_MUNICIPALITY_EXT "urn:renkei:StructureDefinition:municipality-code"
#define REGISTRY_SERVES_EXT       "urn:renkei:StructureDefinition:serves-municipality"

/* What an Organization body says of the facility it is: its facility code
 * (empty: an organisation outside the network), kind (urn:renkei:CodeSystem:
 * facility-kind, "other" when absent), area (prefecture + city of its first
 * address, in a; NULL when out of memory) and whether it takes part. The
 * slices point into org. A code that is not 10 digits is still returned (the
 * prepare hook refuses it). */
struct registry_org_facts {
	struct str code, kind;
	const char *area;
	/* 全国地方公共団体コード (model/municipality.h) of the first address's
	 * REGISTRY_MUNICIPALITY_EXT, then each Organization-level
	 * REGISTRY_SERVES_EXT, as a code list; bad_area is the first code that is
	 * not valid (empty when all are) */
	char area_codes[MUNICIPALITY_LIST_CAP];
	struct str bad_area;
	bool active;
	int n_codes;
};
void registry_org_facts(const json_t *org, struct arena *a, struct registry_org_facts *out);

/* The facility code in a local patient ID system ("urn:oid:...51.1" + 10
 * digits); false for any other system. */
bool registry_local_system(struct str system, struct str *facility_code);
/* A facility-code identifier system (医療機関コード or 介護保険事業所番号). */
bool registry_facility_system(struct str system);

#endif
