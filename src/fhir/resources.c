/* resources.c — the resource types renkei serves, their search parameters
 * (FHIR R4 / JP Core names and paths) and their registry hooks: the one table
 * to read to know what the FHIR API offers. */
#include <string.h>

#include "fhir/consent.h"
#include "fhir/jpcore.h"
#include "fhir/registry.h"
#include "fhir/types.h"

/* {name, type, path, filter, doc} */
static const struct fhir_search_param patient_params[] = {
	{"identifier", SP_TOKEN, "identifier", NULL, "Local patient ID (system|value) or regional patient ID"},
	{"name", SP_STRING, "name", NULL, "Any part of the name, kanji or kana (starts with; :exact, :contains)"},
	{"family", SP_STRING, "name.family", NULL, "Family name, kanji or kana"},
	{"given", SP_STRING, "name.given", NULL, "Given name, kanji or kana"},
	{"birthdate", SP_DATE, "birthDate", NULL, "Date of birth (eq, ne, gt, lt, ge, le, sa, eb, ap)"},
	{"gender", SP_TOKEN, "gender", NULL, "male | female | other | unknown"},
	{"active", SP_TOKEN, "active", NULL, "Whether the registration is active"},
	{"address", SP_STRING, "address", NULL, "Any part of the address"},
	{"address-postalcode", SP_STRING, "address.postalCode", NULL, "Postal code"},
	{"address-city", SP_STRING, "address.city", NULL, "City"},
	{"address-state", SP_STRING, "address.state", NULL, "Prefecture"},
	{"telecom", SP_TOKEN, "telecom", NULL, "Any contact point value"},
	{"phone", SP_TOKEN, "telecom", "system=phone", "Telephone number"},
	{"email", SP_TOKEN, "telecom", "system=email", "E-mail address"},
	{"organization", SP_REFERENCE, "managingOrganization", NULL, "Facility that registered the patient"},
	{"general-practitioner", SP_REFERENCE, "generalPractitioner", NULL, "かかりつけ医 (Practitioner or Organization)"},
	{"link", SP_REFERENCE, "link.other", NULL, "Linked Patient"},
};

static const struct fhir_search_param organization_params[] = {
	{"identifier", SP_TOKEN, "identifier", NULL, "Facility code (医療機関コード) or other identifier"},
	{"name", SP_STRING, "name", NULL, "Name (starts with; :exact, :contains)"},
	{"type", SP_TOKEN, "type", NULL, "Kind of facility (urn:renkei:CodeSystem:facility-kind)"},
	{"active", SP_TOKEN, "active", NULL, "Whether the facility participates"},
	{"address", SP_STRING, "address", NULL, "Any part of the address"},
	{"address-city", SP_STRING, "address.city", NULL, "City"},
	{"address-postalcode", SP_STRING, "address.postalCode", NULL, "Postal code"},
	{"partof", SP_REFERENCE, "partOf", NULL, "Parent organisation"},
	{"phone", SP_TOKEN, "telecom", "system=phone", "Telephone number"},
};

static const struct fhir_search_param practitioner_params[] = {
	{"identifier", SP_TOKEN, "identifier", NULL, "Staff ID or registration number"},
	{"name", SP_STRING, "name", NULL, "Any part of the name, kanji or kana"},
	{"family", SP_STRING, "name.family", NULL, "Family name"},
	{"given", SP_STRING, "name.given", NULL, "Given name"},
	{"gender", SP_TOKEN, "gender", NULL, "male | female | other | unknown"},
	{"active", SP_TOKEN, "active", NULL, "Whether the record is active"},
	{"telecom", SP_TOKEN, "telecom", NULL, "Any contact point value"},
	{"phone", SP_TOKEN, "telecom", "system=phone", "Telephone number"},
	{"email", SP_TOKEN, "telecom", "system=email", "E-mail address"},
	{"address", SP_STRING, "address", NULL, "Any part of the address"},
	{"communication", SP_TOKEN, "communication", NULL, "Language"},
};

static const struct fhir_search_param consent_params[] = {
	{"patient", SP_REFERENCE, "patient", NULL, "The patient's registration (Patient)"},
	{"status", SP_TOKEN, "status", NULL, "active (in force) | inactive (withdrawn) | ..."},
	{"category", SP_TOKEN, "category", NULL, "individual | comprehensive | refusal (urn:renkei:CodeSystem:consent-kind)"},
	{"date", SP_DATE, "dateTime", NULL, "When the consent was given"},
	{"period", SP_DATE, "provision.period", NULL, "Validity period"},
	{"actor", SP_REFERENCE, "provision.actor.reference", NULL, "Disclosing or viewing facility"},
	{"organization", SP_REFERENCE, "organization", NULL, "Facility that recorded it"},
};

static const struct fhir_search_param careteam_params[] = {
	{"patient", SP_REFERENCE, "subject", NULL, "The patient (Patient)"},
	{"subject", SP_REFERENCE, "subject", NULL, "The patient"},
	{"status", SP_TOKEN, "status", NULL, "proposed | active | suspended | inactive"},
	{"category", SP_TOKEN, "category", NULL, "Kind of team"},
	{"participant", SP_REFERENCE, "participant.member", NULL, "A member (Organization or Practitioner)"},
	{"date", SP_DATE, "period", NULL, "When the team is in place"},
};

#define N(a) (sizeof a / sizeof a[0])

static const struct fhir_resource_def patient = {
	"Patient", &fhir_Patient, patient_params, N(patient_params), JP_PROFILE_PATIENT,
	registry_patient_prepare, registry_patient_after, NULL,
};
static const struct fhir_resource_def organization = {
	"Organization", &fhir_Organization, organization_params, N(organization_params), JP_PROFILE_ORGANIZATION,
	registry_organization_prepare, registry_organization_after, registry_organization_deleted,
};
static const struct fhir_resource_def practitioner = {
	"Practitioner", &fhir_Practitioner, practitioner_params, N(practitioner_params), JP_PROFILE_PRACTITIONER,
	registry_practitioner_prepare, NULL, NULL,
};
static const struct fhir_resource_def consent = {
	"Consent", &fhir_Consent, consent_params, N(consent_params), "http://hl7.org/fhir/StructureDefinition/Consent",
	consent_prepare, consent_after, consent_after_delete,
};
static const struct fhir_resource_def careteam = {
	"CareTeam", &fhir_CareTeam, careteam_params, N(careteam_params), "http://hl7.org/fhir/StructureDefinition/CareTeam",
	careteam_prepare, careteam_after, careteam_after_delete,
};

const struct fhir_resource_def *const fhir_resources[] = {&patient, &organization, &practitioner, &consent, &careteam};
const size_t fhir_resources_len = N(fhir_resources);

const struct fhir_resource_def *fhir_resource_find(const char *name, size_t len)
{
	for (size_t i = 0; i < fhir_resources_len; i++)
		if (strlen(fhir_resources[i]->name) == len && memcmp(fhir_resources[i]->name, name, len) == 0)
			return fhir_resources[i];
	return NULL;
}

const struct fhir_search_param *fhir_search_param_find(const struct fhir_resource_def *def, const char *name,
						       size_t len)
{
	for (size_t i = 0; i < def->n_params; i++)
		if (strlen(def->params[i].name) == len && memcmp(def->params[i].name, name, len) == 0)
			return &def->params[i];
	return NULL;
}
