/* datatypes.c — FHIR R4 datatypes and the backbone elements of the served
 * resources, transcribed from the R4 specification (hl7.org/fhir/R4). Only
 * what renkei serves; an element not listed here is rejected as unknown. */
#include <string.h>

#include "fhir/types.h"

#define T(name, ...)                                                                                    \
	static const struct fhir_elem name##_elems[] = {__VA_ARGS__};                                    \
	static const struct fhir_typedef name = {#name, name##_elems,                                    \
						 sizeof name##_elems / sizeof name##_elems[0], false}
#define R(var, label, ...)                                                                              \
	static const struct fhir_elem var##_elems[] = {__VA_ARGS__};                                     \
	const struct fhir_typedef var = {label, var##_elems, sizeof var##_elems / sizeof var##_elems[0], true}
#define B(var, label, ...)                                                                              \
	static const struct fhir_elem var##_elems[] = {__VA_ARGS__};                                     \
	static const struct fhir_typedef var = {label, var##_elems, sizeof var##_elems / sizeof var##_elems[0], true}

/* {name, type, min, many, codes} */
#define E(n, t) {n, t, 0, false, NULL}
#define E1(n, t) {n, t, 1, false, NULL}
#define EM(n, t) {n, t, 0, true, NULL}
#define EC(n, codes) {n, "code", 0, false, codes}
#define EC1(n, codes) {n, "code", 1, false, codes}

#define EXT_VALUE_TYPES                                                                                    \
	"base64Binary|boolean|canonical|code|date|dateTime|decimal|id|instant|integer|markdown|oid|"     \
	"positiveInt|string|time|unsignedInt|uri|url|uuid|Address|Age|Annotation|Attachment|"            \
	"CodeableConcept|Coding|ContactPoint|Duration|HumanName|Identifier|Period|Quantity|Range|Ratio|"  \
	"Reference|Timing"

T(Extension, E1("url", "uri"), E("value[x]", EXT_VALUE_TYPES));
T(Period, E("start", "dateTime"), E("end", "dateTime"));
T(Coding, E("system", "uri"), E("version", "string"), E("code", "code"), E("display", "string"),
  E("userSelected", "boolean"));
T(CodeableConcept, EM("coding", "Coding"), E("text", "string"));
T(Identifier, EC("use", "usual|official|temp|secondary|old"), E("type", "CodeableConcept"), E("system", "uri"),
  E("value", "string"), E("period", "Period"), E("assigner", "Reference(Organization)"));
T(HumanName, EC("use", "usual|official|temp|nickname|anonymous|old|maiden"), E("text", "string"),
  E("family", "string"), EM("given", "string"), EM("prefix", "string"), EM("suffix", "string"),
  E("period", "Period"));
T(ContactPoint, EC("system", "phone|fax|email|pager|url|sms|other"), E("value", "string"),
  EC("use", "home|work|temp|old|mobile"), E("rank", "positiveInt"), E("period", "Period"));
T(Address, EC("use", "home|work|temp|old|billing"), EC("type", "postal|physical|both"), E("text", "string"),
  EM("line", "string"), E("city", "string"), E("district", "string"), E("state", "string"),
  E("postalCode", "string"), E("country", "string"), E("period", "Period"));
T(Reference, E("reference", "string"), E("type", "uri"), E("identifier", "Identifier"), E("display", "string"));
T(Attachment, E("contentType", "code"), E("language", "code"), E("data", "base64Binary"), E("url", "url"),
  E("size", "unsignedInt"), E("hash", "base64Binary"), E("title", "string"), E("creation", "dateTime"));
T(Quantity, E("value", "decimal"), EC("comparator", "<|<=|>=|>"), E("unit", "string"), E("system", "uri"),
  E("code", "code"));
T(Range, E("low", "Quantity"), E("high", "Quantity"));
T(Ratio, E("numerator", "Quantity"), E("denominator", "Quantity"));
T(Annotation, E("author[x]", "Reference|string"), E("time", "dateTime"), E1("text", "markdown"));
B(TimingRepeat, "Timing.repeat", E("bounds[x]", "Duration|Range|Period"), E("count", "positiveInt"),
  E("countMax", "positiveInt"), E("duration", "decimal"), E("durationMax", "decimal"),
  EC("durationUnit", "s|min|h|d|wk|mo|a"), E("frequency", "positiveInt"), E("frequencyMax", "positiveInt"),
  E("period", "decimal"), E("periodMax", "decimal"), EC("periodUnit", "s|min|h|d|wk|mo|a"),
  {"dayOfWeek", "code", 0, true, "mon|tue|wed|thu|fri|sat|sun"}, EM("timeOfDay", "time"), EM("when", "code"),
  E("offset", "unsignedInt"));
B(Timing, "Timing", EM("event", "dateTime"), E("repeat", "Timing.repeat"), E("code", "CodeableConcept"));
T(Meta, E("versionId", "id"), E("lastUpdated", "instant"), E("source", "uri"), EM("profile", "canonical"),
  EM("security", "Coding"), EM("tag", "Coding"));
T(Narrative, EC1("status", "generated|extensions|additional|empty"), E1("div", "xhtml"));
/* Age and Duration are Quantity-shaped. */
static const struct fhir_typedef Age = {"Age", Quantity_elems, sizeof Quantity_elems / sizeof Quantity_elems[0], false};
static const struct fhir_typedef Duration = {"Duration", Quantity_elems,
					     sizeof Quantity_elems / sizeof Quantity_elems[0], false};

/* ---- resources and their backbone elements ---- */

B(PatientContact, "Patient.contact", EM("relationship", "CodeableConcept"), E("name", "HumanName"),
  EM("telecom", "ContactPoint"), E("address", "Address"), EC("gender", "male|female|other|unknown"),
  E("organization", "Reference(Organization)"), E("period", "Period"));
B(PatientCommunication, "Patient.communication", E1("language", "CodeableConcept"), E("preferred", "boolean"));
B(PatientLink, "Patient.link", E1("other", "Reference(Patient|RelatedPerson)"),
  EC1("type", "replaced-by|replaces|refer|seealso"));
R(fhir_Patient, "Patient", EM("identifier", "Identifier"), E("active", "boolean"), EM("name", "HumanName"),
  EM("telecom", "ContactPoint"), EC("gender", "male|female|other|unknown"), E("birthDate", "date"),
  E("deceased[x]", "boolean|dateTime"), EM("address", "Address"), E("maritalStatus", "CodeableConcept"),
  E("multipleBirth[x]", "boolean|integer"), EM("photo", "Attachment"), EM("contact", "Patient.contact"),
  EM("communication", "Patient.communication"),
  EM("generalPractitioner", "Reference(Organization|Practitioner|PractitionerRole)"),
  E("managingOrganization", "Reference(Organization)"), EM("link", "Patient.link"));

B(OrganizationContact, "Organization.contact", E("purpose", "CodeableConcept"), E("name", "HumanName"),
  EM("telecom", "ContactPoint"), E("address", "Address"));
R(fhir_Organization, "Organization", EM("identifier", "Identifier"), E("active", "boolean"),
  EM("type", "CodeableConcept"), E("name", "string"), EM("alias", "string"), EM("telecom", "ContactPoint"),
  EM("address", "Address"), E("partOf", "Reference(Organization)"), EM("contact", "Organization.contact"),
  EM("endpoint", "Reference(Endpoint)"));

B(PractitionerQualification, "Practitioner.qualification", EM("identifier", "Identifier"),
  E1("code", "CodeableConcept"), E("period", "Period"), E("issuer", "Reference(Organization)"));
R(fhir_Practitioner, "Practitioner", EM("identifier", "Identifier"), E("active", "boolean"), EM("name", "HumanName"),
  EM("telecom", "ContactPoint"), EM("address", "Address"), EC("gender", "male|female|other|unknown"),
  E("birthDate", "date"), EM("photo", "Attachment"), EM("qualification", "Practitioner.qualification"),
  EM("communication", "CodeableConcept"));

B(ConsentPolicy, "Consent.policy", E("authority", "uri"), E("uri", "uri"));
B(ConsentVerification, "Consent.verification", E1("verified", "boolean"), E("verifiedWith", "Reference(Patient|RelatedPerson)"),
  E("verificationDate", "dateTime"));
B(ConsentActor, "Consent.provision.actor", E1("role", "CodeableConcept"),
  E1("reference", "Reference(Device|Group|CareTeam|Organization|Patient|Practitioner|RelatedPerson|PractitionerRole)"));
B(ConsentData, "Consent.provision.data", EC1("meaning", "instance|related|dependents|authoredby"), E1("reference", "Reference(Resource)"));
B(ConsentProvision, "Consent.provision", EC("type", "deny|permit"), E("period", "Period"),
  EM("actor", "Consent.provision.actor"), EM("action", "CodeableConcept"), EM("securityLabel", "Coding"),
  EM("purpose", "Coding"), EM("class", "Coding"), EM("code", "CodeableConcept"), E("dataPeriod", "Period"),
  EM("data", "Consent.provision.data"), EM("provision", "Consent.provision"));
R(fhir_Consent, "Consent", EM("identifier", "Identifier"),
  EC1("status", "draft|proposed|active|rejected|inactive|entered-in-error"), E1("scope", "CodeableConcept"),
  {"category", "CodeableConcept", 1, true, NULL}, E("patient", "Reference(Patient)"), E("dateTime", "dateTime"),
  EM("performer", "Reference(Organization|Patient|Practitioner|RelatedPerson|PractitionerRole)"),
  EM("organization", "Reference(Organization)"), E("source[x]", "Attachment|Reference"),
  EM("policy", "Consent.policy"), E("policyRule", "CodeableConcept"), EM("verification", "Consent.verification"),
  E("provision", "Consent.provision"));

B(CareTeamParticipant, "CareTeam.participant", EM("role", "CodeableConcept"),
  E("member", "Reference(Practitioner|PractitionerRole|RelatedPerson|Patient|Organization|CareTeam)"),
  E("onBehalfOf", "Reference(Organization)"), E("period", "Period"));
R(fhir_CareTeam, "CareTeam", EM("identifier", "Identifier"),
  EC("status", "proposed|active|suspended|inactive|entered-in-error"), EM("category", "CodeableConcept"),
  E("name", "string"), E("subject", "Reference(Patient|Group)"), E("encounter", "Reference(Encounter)"),
  E("period", "Period"), EM("participant", "CareTeam.participant"), EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition)"), EM("managingOrganization", "Reference(Organization)"),
  EM("telecom", "ContactPoint"), EM("note", "Annotation"));

static const struct fhir_typedef *const typedefs[] = {
	&ConsentPolicy, &ConsentVerification, &ConsentActor, &ConsentData, &ConsentProvision, &fhir_Consent,
	&CareTeamParticipant, &fhir_CareTeam,
	&Extension, &Period, &Coding, &CodeableConcept, &Identifier, &HumanName, &ContactPoint, &Address,
	&Reference, &Attachment, &Quantity, &Range, &Ratio, &Annotation, &TimingRepeat, &Timing, &Meta,
	&Narrative, &Age, &Duration, &PatientContact, &PatientCommunication, &PatientLink, &fhir_Patient,
	&OrganizationContact, &fhir_Organization, &PractitionerQualification, &fhir_Practitioner,
};

const struct fhir_typedef *fhir_typedef_find(const char *name)
{
	for (size_t i = 0; i < sizeof typedefs / sizeof typedefs[0]; i++)
		if (strcmp(typedefs[i]->name, name) == 0)
			return typedefs[i];
	return NULL;
}

bool fhir_is_primitive(const char *type)
{
	static const char *const prims[] = {
		"base64Binary", "boolean", "canonical", "code", "date", "dateTime", "decimal", "id", "instant",
		"integer", "markdown", "oid", "positiveInt", "string", "time", "unsignedInt", "uri", "url",
		"uuid", "xhtml",
	};
	for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
		if (strcmp(prims[i], type) == 0)
			return true;
	return false;
}

/* FHIR R4 (4.0.1) resource type names, sorted. */
static const char *const r4_names[] = {
	"Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
	"AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct", "BodyStructure",
	"Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry", "ChargeItem",
	"ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression", "CodeSystem", "Communication",
	"CommunicationRequest", "CompartmentDefinition", "Composition", "ConceptMap", "Condition", "Consent",
	"Contract", "Coverage", "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue",
	"Device", "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement", "DiagnosticReport",
	"DocumentManifest", "DocumentReference", "EffectEvidenceSynthesis", "Encounter", "Endpoint",
	"EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare", "EventDefinition", "Evidence",
	"EvidenceVariable", "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag", "Goal",
	"GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy", "Immunization",
	"ImmunizationEvaluation", "ImmunizationRecommendation", "ImplementationGuide", "InsurancePlan",
	"Invoice", "Library", "Linkage", "List", "Location", "Measure", "MeasureReport", "Media", "Medication",
	"MedicationAdministration", "MedicationDispense", "MedicationKnowledge", "MedicationRequest",
	"MedicationStatement", "MedicinalProduct", "MedicinalProductAuthorization",
	"MedicinalProductContraindication", "MedicinalProductIndication", "MedicinalProductIngredient",
	"MedicinalProductInteraction", "MedicinalProductManufactured", "MedicinalProductPackaged",
	"MedicinalProductPharmaceutical", "MedicinalProductUndesirableEffect", "MessageDefinition",
	"MessageHeader", "MolecularSequence", "NamingSystem", "NutritionOrder", "Observation",
	"ObservationDefinition", "OperationDefinition", "OperationOutcome", "Organization",
	"OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation", "Person",
	"PlanDefinition", "Practitioner", "PractitionerRole", "Procedure", "Provenance", "Questionnaire",
	"QuestionnaireResponse", "RelatedPerson", "RequestGroup", "ResearchDefinition",
	"ResearchElementDefinition", "ResearchStudy", "ResearchSubject", "RiskAssessment", "RiskEvidenceSynthesis",
	"Schedule", "SearchParameter", "ServiceRequest", "Slot", "Specimen", "SpecimenDefinition",
	"StructureDefinition", "StructureMap", "Subscription", "Substance", "SubstanceNucleicAcid",
	"SubstancePolymer", "SubstanceProtein", "SubstanceReferenceInformation", "SubstanceSourceMaterial",
	"SubstanceSpecification", "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities",
	"TestReport", "TestScript", "ValueSet", "VerificationResult", "VisionPrescription",
};

bool fhir_is_r4_resource_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof r4_names / sizeof r4_names[0]; i++)
		if (strlen(r4_names[i]) == len && memcmp(r4_names[i], name, len) == 0)
			return true;
	return false;
}

