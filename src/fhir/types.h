/* types.h — the FHIR R4 structure renkei understands, as data: datatypes and
 * resources (element name, type, cardinality, required codes), the supported
 * resource types with their search parameters and hooks. validate.c, index.c,
 * search.c and capability.c all read these tables; adding a resource type is
 * adding rows here. Read-only; thread-safe. */
#ifndef RENKEI_FHIR_TYPES_H
#define RENKEI_FHIR_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct fhir_elem {
	const char *name;  /* JSON name; a choice element is written "value[x]" */
	const char *type;  /* "string", "HumanName", "Reference(Organization|Practitioner)",
			    * for a choice "boolean|dateTime"; a backbone names its typedef "Patient.contact" */
	unsigned char min; /* 0 or 1 */
	bool many;         /* max = * (a JSON array) */
	const char *codes; /* required binding for a code: "male|female|other|unknown" */
};

struct fhir_typedef {
	const char *name;
	const struct fhir_elem *elems;
	size_t n_elems;
	bool backbone; /* BackboneElement: also allows modifierExtension */
};

enum fhir_sp_type { SP_TOKEN, SP_STRING, SP_DATE, SP_REFERENCE };

struct fhir_search_param {
	const char *name; /* "birthdate" */
	enum fhir_sp_type type;
	const char *path;   /* element path below the resource: "name.family" */
	const char *filter; /* optional "system=phone" on the leaf object */
	const char *doc;    /* one line for the CapabilityStatement */
};

struct fhir_ctx;
struct fhir_write;

/* A resource type served by renkei. */
struct fhir_resource_def {
	const char *name;
	const struct fhir_typedef *def;
	const struct fhir_search_param *params;
	size_t n_params;
	const char *profile; /* JP Core profile the type follows, for the CapabilityStatement */
	/* Checks beyond structure, and derivation of source facility / patient;
	 * may rewrite the resource (e.g. add the regional ID). Runs inside the
	 * write transaction, before the resource is stored. May be NULL. */
	enum rk_status (*prepare)(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
	/* Operational tables updated in the same transaction, after the store. */
	enum rk_status (*after_write)(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
	/* The same when the resource is deleted (w->prev is the last version). */
	enum rk_status (*after_delete)(struct fhir_ctx *ctx, struct fhir_write *w, struct rk_err *err);
};

/* Structure of the served resource types (datatypes.c). */
extern const struct fhir_typedef fhir_Patient, fhir_Organization, fhir_Practitioner, fhir_Consent, fhir_CareTeam;
extern const struct fhir_typedef fhir_Encounter, fhir_Condition, fhir_AllergyIntolerance, fhir_Procedure,
	fhir_MedicationRequest, fhir_MedicationAdministration, fhir_MedicationDispense, fhir_Immunization,
	fhir_Observation, fhir_DiagnosticReport, fhir_ImagingStudy, fhir_ServiceRequest, fhir_NutritionOrder,
	fhir_DocumentReference, fhir_Binary, fhir_Composition, fhir_Coverage, fhir_Specimen, fhir_Communication,
	fhir_RelatedPerson, fhir_Medication; /* contained only (validate.c), not served */
/* The care plan (collab/careplan.h). */
extern const struct fhir_typedef fhir_CarePlan, fhir_Goal;
extern const struct fhir_typedef fhir_Questionnaire, fhir_QuestionnaireResponse; /* forms (collab/forms.h) */

/* Datatype or backbone definition by name; NULL when unknown. */
const struct fhir_typedef *fhir_typedef_find(const char *name);
/* Primitive datatype names ("string", "date", ...) are recognised by this. */
bool fhir_is_primitive(const char *type);
/* Supported resource type by name (exact, case-sensitive); NULL when not served. */
const struct fhir_resource_def *fhir_resource_find(const char *name, size_t len);
/* All supported resource types, in CapabilityStatement order. */
extern const struct fhir_resource_def *const fhir_resources[];
extern const size_t fhir_resources_len;
/* Every resource type name of FHIR R4 (to tell "unknown type" from "not served"). */
bool fhir_is_r4_resource_name(const char *name, size_t len);
/* Search parameter of a resource type (not the common _id/_lastUpdated). */
const struct fhir_search_param *fhir_search_param_find(const struct fhir_resource_def *def, const char *name,
						       size_t len);

#endif
