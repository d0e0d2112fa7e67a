/* datatypes.c — FHIR R4 datatypes and the backbone elements of the served
 * resources, transcribed from the R4 specification (hl7.org/fhir/R4). Only
 * what renkei serves; an element not listed here is rejected as unknown. */
#include <pthread.h>
#include <string.h>

#include "fhir/types.h"

#define T(name, ...)                                                                                                \
	static const struct fhir_elem name##_elems[] = {__VA_ARGS__};                                               \
	static const struct fhir_typedef name = {#name, name##_elems, sizeof name##_elems / sizeof name##_elems[0], \
						 false}
#define R(var, label, ...)                                           \
	static const struct fhir_elem var##_elems[] = {__VA_ARGS__}; \
	const struct fhir_typedef var = {label, var##_elems, sizeof var##_elems / sizeof var##_elems[0], true}
#define B(var, label, ...)                                           \
	static const struct fhir_elem var##_elems[] = {__VA_ARGS__}; \
	static const struct fhir_typedef var = {label, var##_elems, sizeof var##_elems / sizeof var##_elems[0], true}

/* {name, type, min, many, codes} */
#define E(n, t)                      \
	{                            \
		n, t, 0, false, NULL \
	}
#define E1(n, t)                     \
	{                            \
		n, t, 1, false, NULL \
	}
#define EM(n, t)                    \
	{                           \
		n, t, 0, true, NULL \
	}
#define EC(n, codes)                       \
	{                                  \
		n, "code", 0, false, codes \
	}
#define EC1(n, codes)                      \
	{                                  \
		n, "code", 1, false, codes \
	}

#define EXT_VALUE_TYPES                                                                                  \
	"base64Binary|boolean|canonical|code|date|dateTime|decimal|id|instant|integer|markdown|oid|"     \
	"positiveInt|string|time|unsignedInt|uri|url|uuid|Address|Age|Annotation|Attachment|"            \
	"CodeableConcept|Coding|ContactPoint|Duration|HumanName|Identifier|Period|Quantity|Range|Ratio|" \
	"Reference|Timing"

T(Extension, E1("url", "uri"), E("value[x]", EXT_VALUE_TYPES));
T(Period, E("start", "dateTime"), E("end", "dateTime"));
T(Coding, E("system", "uri"), E("version", "string"), E("code", "code"), E("display", "string"),
  E("userSelected", "boolean"));
T(CodeableConcept, EM("coding", "Coding"), E("text", "string"));
T(Identifier, EC("use", "usual|official|temp|secondary|old"), E("type", "CodeableConcept"), E("system", "uri"),
  E("value", "string"), E("period", "Period"), E("assigner", "Reference(Organization)"));
T(HumanName, EC("use", "usual|official|temp|nickname|anonymous|old|maiden"), E("text", "string"), E("family", "string"),
  EM("given", "string"), EM("prefix", "string"), EM("suffix", "string"), E("period", "Period"));
T(ContactPoint, EC("system", "phone|fax|email|pager|url|sms|other"), E("value", "string"),
  EC("use", "home|work|temp|old|mobile"), E("rank", "positiveInt"), E("period", "Period"));
T(Address, EC("use", "home|work|temp|old|billing"), EC("type", "postal|physical|both"), E("text", "string"),
  EM("line", "string"), E("city", "string"), E("district", "string"), E("state", "string"), E("postalCode", "string"),
  E("country", "string"), E("period", "Period"));
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
B(ConsentVerification, "Consent.verification", E1("verified", "boolean"),
  E("verifiedWith", "Reference(Patient|RelatedPerson)"), E("verificationDate", "dateTime"));
B(ConsentActor, "Consent.provision.actor", E1("role", "CodeableConcept"),
  E1("reference", "Reference(Device|Group|CareTeam|Organization|Patient|Practitioner|RelatedPerson|PractitionerRole)"));
B(ConsentData, "Consent.provision.data", EC1("meaning", "instance|related|dependents|authoredby"),
  E1("reference", "Reference(Resource)"));
B(ConsentProvision, "Consent.provision", EC("type", "deny|permit"), E("period", "Period"),
  EM("actor", "Consent.provision.actor"), EM("action", "CodeableConcept"), EM("securityLabel", "Coding"),
  EM("purpose", "Coding"), EM("class", "Coding"), EM("code", "CodeableConcept"), E("dataPeriod", "Period"),
  EM("data", "Consent.provision.data"), EM("provision", "Consent.provision"));
R(fhir_Consent, "Consent", EM("identifier", "Identifier"),
  EC1("status", "draft|proposed|active|rejected|inactive|entered-in-error"), E1("scope", "CodeableConcept"),
  {"category", "CodeableConcept", 1, true, NULL}, E("patient", "Reference(Patient)"), E("dateTime", "dateTime"),
  EM("performer", "Reference(Organization|Patient|Practitioner|RelatedPerson|PractitionerRole)"),
  EM("organization", "Reference(Organization)"), E("source[x]", "Attachment|Reference"), EM("policy", "Consent.policy"),
  E("policyRule", "CodeableConcept"), EM("verification", "Consent.verification"), E("provision", "Consent.provision"));

B(CareTeamParticipant, "CareTeam.participant", EM("role", "CodeableConcept"),
  E("member", "Reference(Practitioner|PractitionerRole|RelatedPerson|Patient|Organization|CareTeam)"),
  E("onBehalfOf", "Reference(Organization)"), E("period", "Period"));
R(fhir_CareTeam, "CareTeam", EM("identifier", "Identifier"),
  EC("status", "proposed|active|suspended|inactive|entered-in-error"), EM("category", "CodeableConcept"),
  E("name", "string"), E("subject", "Reference(Patient|Group)"), E("encounter", "Reference(Encounter)"),
  E("period", "Period"), EM("participant", "CareTeam.participant"), EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition)"), EM("managingOrganization", "Reference(Organization)"),
  EM("telecom", "ContactPoint"), EM("note", "Annotation"));

/* ---- clinical resources (issue 4) ---- */

#define EM1(n, t)                   \
	{                           \
		n, t, 1, true, NULL \
	}
#define OBS_VALUE  "Quantity|CodeableConcept|string|boolean|integer|Range|Ratio|time|dateTime|Period"
#define ONSET      "dateTime|Age|Period|Range|string"
#define ANY_PERSON "Reference(Practitioner|PractitionerRole|Patient|RelatedPerson)"

B(DosageDoseAndRate, "Dosage.doseAndRate", E("type", "CodeableConcept"), E("dose[x]", "Range|Quantity"),
  E("rate[x]", "Ratio|Range|Quantity"));
B(Dosage, "Dosage", E("sequence", "integer"), E("text", "string"), EM("additionalInstruction", "CodeableConcept"),
  E("patientInstruction", "string"), E("timing", "Timing"), E("asNeeded[x]", "boolean|CodeableConcept"),
  E("site", "CodeableConcept"), E("route", "CodeableConcept"), E("method", "CodeableConcept"),
  EM("doseAndRate", "Dosage.doseAndRate"), E("maxDosePerPeriod", "Ratio"), E("maxDosePerAdministration", "Quantity"),
  E("maxDosePerLifetime", "Quantity"));

B(EncounterStatusHistory, "Encounter.statusHistory",
  EC1("status", "planned|arrived|triaged|in-progress|onleave|finished|cancelled|entered-in-error|unknown"),
  E1("period", "Period"));
B(EncounterClassHistory, "Encounter.classHistory", E1("class", "Coding"), E1("period", "Period"));
B(EncounterParticipant, "Encounter.participant", EM("type", "CodeableConcept"), E("period", "Period"),
  E("individual", "Reference(Practitioner|PractitionerRole|RelatedPerson)"));
B(EncounterDiagnosis, "Encounter.diagnosis", E1("condition", "Reference(Condition|Procedure)"),
  E("use", "CodeableConcept"), E("rank", "positiveInt"));
B(EncounterHospitalization, "Encounter.hospitalization", E("preAdmissionIdentifier", "Identifier"),
  E("origin", "Reference(Location|Organization)"), E("admitSource", "CodeableConcept"),
  E("reAdmission", "CodeableConcept"), EM("dietPreference", "CodeableConcept"),
  EM("specialCourtesy", "CodeableConcept"), EM("specialArrangement", "CodeableConcept"),
  E("destination", "Reference(Location|Organization)"), E("dischargeDisposition", "CodeableConcept"));
B(EncounterLocation, "Encounter.location", E1("location", "Reference(Location)"),
  EC("status", "planned|active|reserved|completed"), E("physicalType", "CodeableConcept"), E("period", "Period"));
R(fhir_Encounter, "Encounter", EM("identifier", "Identifier"),
  EC1("status", "planned|arrived|triaged|in-progress|onleave|finished|cancelled|entered-in-error|unknown"),
  EM("statusHistory", "Encounter.statusHistory"), E1("class", "Coding"), EM("classHistory", "Encounter.classHistory"),
  EM("type", "CodeableConcept"), E("serviceType", "CodeableConcept"), E("priority", "CodeableConcept"),
  E("subject", "Reference(Patient|Group)"), EM("episodeOfCare", "Reference(EpisodeOfCare)"),
  EM("basedOn", "Reference(ServiceRequest)"), EM("participant", "Encounter.participant"),
  EM("appointment", "Reference(Appointment)"), E("period", "Period"), E("length", "Duration"),
  EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition|Procedure|Observation|ImmunizationRecommendation)"),
  EM("diagnosis", "Encounter.diagnosis"), EM("account", "Reference(Account)"),
  E("hospitalization", "Encounter.hospitalization"), EM("location", "Encounter.location"),
  E("serviceProvider", "Reference(Organization)"), E("partOf", "Reference(Encounter)"));

B(ConditionStage, "Condition.stage", E("summary", "CodeableConcept"),
  EM("assessment", "Reference(ClinicalImpression|DiagnosticReport|Observation)"), E("type", "CodeableConcept"));
B(ConditionEvidence, "Condition.evidence", EM("code", "CodeableConcept"), EM("detail", "Reference"));
R(fhir_Condition, "Condition", EM("identifier", "Identifier"), E("clinicalStatus", "CodeableConcept"),
  E("verificationStatus", "CodeableConcept"), EM("category", "CodeableConcept"), E("severity", "CodeableConcept"),
  E("code", "CodeableConcept"), EM("bodySite", "CodeableConcept"), E1("subject", "Reference(Patient|Group)"),
  E("encounter", "Reference(Encounter)"), E("onset[x]", ONSET), E("abatement[x]", ONSET), E("recordedDate", "dateTime"),
  E("recorder", ANY_PERSON), E("asserter", ANY_PERSON), EM("stage", "Condition.stage"),
  EM("evidence", "Condition.evidence"), EM("note", "Annotation"));

B(AllergyReaction, "AllergyIntolerance.reaction", E("substance", "CodeableConcept"),
  EM1("manifestation", "CodeableConcept"), E("description", "string"), E("onset", "dateTime"),
  EC("severity", "mild|moderate|severe"), E("exposureRoute", "CodeableConcept"), EM("note", "Annotation"));
R(fhir_AllergyIntolerance, "AllergyIntolerance", EM("identifier", "Identifier"), E("clinicalStatus", "CodeableConcept"),
  E("verificationStatus", "CodeableConcept"), EC("type", "allergy|intolerance"),
  {"category", "code", 0, true, "food|medication|environment|biologic"}, EC("criticality", "low|high|unable-to-assess"),
  E("code", "CodeableConcept"), E1("patient", "Reference(Patient)"), E("encounter", "Reference(Encounter)"),
  E("onset[x]", ONSET), E("recordedDate", "dateTime"), E("recorder", ANY_PERSON), E("asserter", ANY_PERSON),
  E("lastOccurrence", "dateTime"), EM("note", "Annotation"), EM("reaction", "AllergyIntolerance.reaction"));

B(ProcedurePerformer, "Procedure.performer", E("function", "CodeableConcept"),
  E1("actor", "Reference(Practitioner|PractitionerRole|Organization|Patient|RelatedPerson|Device)"),
  E("onBehalfOf", "Reference(Organization)"));
B(ProcedureFocalDevice, "Procedure.focalDevice", E("action", "CodeableConcept"),
  E1("manipulated", "Reference(Device)"));
R(fhir_Procedure, "Procedure", EM("identifier", "Identifier"), EM("instantiatesCanonical", "canonical"),
  EM("instantiatesUri", "uri"), EM("basedOn", "Reference(CarePlan|ServiceRequest)"),
  EM("partOf", "Reference(Procedure|Observation|MedicationAdministration)"),
  EC1("status", "preparation|in-progress|not-done|on-hold|stopped|completed|entered-in-error|unknown"),
  E("statusReason", "CodeableConcept"), E("category", "CodeableConcept"), E("code", "CodeableConcept"),
  E1("subject", "Reference(Patient|Group)"), E("encounter", "Reference(Encounter)"),
  E("performed[x]", "dateTime|Period|string|Age|Range"), E("recorder", ANY_PERSON), E("asserter", ANY_PERSON),
  EM("performer", "Procedure.performer"), E("location", "Reference(Location)"), EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition|Observation|Procedure|DiagnosticReport|DocumentReference)"),
  EM("bodySite", "CodeableConcept"), E("outcome", "CodeableConcept"),
  EM("report", "Reference(DiagnosticReport|DocumentReference|Composition)"), EM("complication", "CodeableConcept"),
  EM("complicationDetail", "Reference(Condition)"), EM("followUp", "CodeableConcept"), EM("note", "Annotation"),
  EM("focalDevice", "Procedure.focalDevice"), EM("usedReference", "Reference(Device|Medication|Substance)"),
  EM("usedCode", "CodeableConcept"));

B(MedReqInitialFill, "MedicationRequest.dispenseRequest.initialFill", E("quantity", "Quantity"),
  E("duration", "Duration"));
B(MedReqDispense, "MedicationRequest.dispenseRequest",
  E("initialFill", "MedicationRequest.dispenseRequest.initialFill"), E("dispenseInterval", "Duration"),
  E("validityPeriod", "Period"), E("numberOfRepeatsAllowed", "unsignedInt"), E("quantity", "Quantity"),
  E("expectedSupplyDuration", "Duration"), E("performer", "Reference(Organization)"));
B(MedReqSubstitution, "MedicationRequest.substitution", E1("allowed[x]", "boolean|CodeableConcept"),
  E("reason", "CodeableConcept"));
R(fhir_MedicationRequest, "MedicationRequest", EM("identifier", "Identifier"),
  EC1("status", "active|on-hold|cancelled|completed|entered-in-error|stopped|draft|unknown"),
  E("statusReason", "CodeableConcept"),
  EC1("intent", "proposal|plan|order|original-order|reflex-order|filler-order|instance-order|option"),
  EM("category", "CodeableConcept"), EC("priority", "routine|urgent|asap|stat"), E("doNotPerform", "boolean"),
  E("reported[x]", "boolean|Reference"), E1("medication[x]", "CodeableConcept|Reference"),
  E1("subject", "Reference(Patient|Group)"), E("encounter", "Reference(Encounter)"),
  EM("supportingInformation", "Reference"), E("authoredOn", "dateTime"),
  E("requester", "Reference(Practitioner|PractitionerRole|Organization|Patient|RelatedPerson|Device)"),
  E("performer", "Reference(Practitioner|PractitionerRole|Organization|Patient|Device|RelatedPerson|CareTeam)"),
  E("performerType", "CodeableConcept"), E("recorder", "Reference(Practitioner|PractitionerRole)"),
  EM("reasonCode", "CodeableConcept"), EM("reasonReference", "Reference(Condition|Observation)"),
  EM("instantiatesCanonical", "canonical"), EM("instantiatesUri", "uri"),
  EM("basedOn", "Reference(CarePlan|MedicationRequest|ServiceRequest|ImmunizationRecommendation)"),
  E("groupIdentifier", "Identifier"), E("courseOfTherapyType", "CodeableConcept"),
  EM("insurance", "Reference(Coverage|ClaimResponse)"), EM("note", "Annotation"), EM("dosageInstruction", "Dosage"),
  E("dispenseRequest", "MedicationRequest.dispenseRequest"), E("substitution", "MedicationRequest.substitution"),
  E("priorPrescription", "Reference(MedicationRequest)"), EM("detectedIssue", "Reference(DetectedIssue)"),
  EM("eventHistory", "Reference(Provenance)"));

B(MedAdminPerformer, "MedicationAdministration.performer", E("function", "CodeableConcept"),
  E1("actor", "Reference(Practitioner|PractitionerRole|Patient|RelatedPerson|Device)"));
B(MedAdminDosage, "MedicationAdministration.dosage", E("text", "string"), E("site", "CodeableConcept"),
  E("route", "CodeableConcept"), E("method", "CodeableConcept"), E("dose", "Quantity"), E("rate[x]", "Ratio|Quantity"));
R(fhir_MedicationAdministration, "MedicationAdministration", EM("identifier", "Identifier"), EM("instantiates", "uri"),
  EM("partOf", "Reference(MedicationAdministration|Procedure)"),
  EC1("status", "in-progress|not-done|on-hold|completed|entered-in-error|stopped|unknown"),
  EM("statusReason", "CodeableConcept"), E("category", "CodeableConcept"),
  E1("medication[x]", "CodeableConcept|Reference"), E1("subject", "Reference(Patient|Group)"),
  E("context", "Reference(Encounter|EpisodeOfCare)"), EM("supportingInformation", "Reference"),
  E1("effective[x]", "dateTime|Period"), EM("performer", "MedicationAdministration.performer"),
  EM("reasonCode", "CodeableConcept"), EM("reasonReference", "Reference(Condition|Observation|DiagnosticReport)"),
  E("request", "Reference(MedicationRequest)"), EM("device", "Reference(Device)"), EM("note", "Annotation"),
  E("dosage", "MedicationAdministration.dosage"), EM("eventHistory", "Reference(Provenance)"));

B(MedDispPerformer, "MedicationDispense.performer", E("function", "CodeableConcept"),
  E1("actor", "Reference(Practitioner|PractitionerRole|Organization|Patient|Device|RelatedPerson)"));
B(MedDispSubstitution, "MedicationDispense.substitution", E1("wasSubstituted", "boolean"), E("type", "CodeableConcept"),
  EM("reason", "CodeableConcept"), EM("responsibleParty", "Reference(Practitioner|PractitionerRole)"));
R(fhir_MedicationDispense, "MedicationDispense", EM("identifier", "Identifier"), EM("partOf", "Reference(Procedure)"),
  EC1("status", "preparation|in-progress|cancelled|on-hold|completed|entered-in-error|stopped|declined|unknown"),
  E("statusReason[x]", "CodeableConcept|Reference"), E("category", "CodeableConcept"),
  E1("medication[x]", "CodeableConcept|Reference"), E("subject", "Reference(Patient|Group)"),
  E("context", "Reference(Encounter|EpisodeOfCare)"), EM("supportingInformation", "Reference"),
  EM("performer", "MedicationDispense.performer"), E("location", "Reference(Location)"),
  EM("authorizingPrescription", "Reference(MedicationRequest)"), E("type", "CodeableConcept"),
  E("quantity", "Quantity"), E("daysSupply", "Quantity"), E("whenPrepared", "dateTime"),
  E("whenHandedOver", "dateTime"), E("destination", "Reference(Location)"),
  EM("receiver", "Reference(Patient|Practitioner)"), EM("note", "Annotation"), EM("dosageInstruction", "Dosage"),
  E("substitution", "MedicationDispense.substitution"), EM("detectedIssue", "Reference(DetectedIssue)"),
  EM("eventHistory", "Reference(Provenance)"));

B(ImmPerformer, "Immunization.performer", E("function", "CodeableConcept"),
  E1("actor", "Reference(Practitioner|PractitionerRole|Organization)"));
B(ImmEducation, "Immunization.education", E("documentType", "string"), E("reference", "uri"),
  E("publicationDate", "dateTime"), E("presentationDate", "dateTime"));
B(ImmReaction, "Immunization.reaction", E("date", "dateTime"), E("detail", "Reference(Observation)"),
  E("reported", "boolean"));
B(ImmProtocol, "Immunization.protocolApplied", E("series", "string"), E("authority", "Reference(Organization)"),
  EM("targetDisease", "CodeableConcept"), E1("doseNumber[x]", "positiveInt|string"),
  E("seriesDoses[x]", "positiveInt|string"));
R(fhir_Immunization, "Immunization", EM("identifier", "Identifier"),
  EC1("status", "completed|entered-in-error|not-done"), E("statusReason", "CodeableConcept"),
  E1("vaccineCode", "CodeableConcept"), E1("patient", "Reference(Patient)"), E("encounter", "Reference(Encounter)"),
  E1("occurrence[x]", "dateTime|string"), E("recorded", "dateTime"), E("primarySource", "boolean"),
  E("reportOrigin", "CodeableConcept"), E("location", "Reference(Location)"),
  E("manufacturer", "Reference(Organization)"), E("lotNumber", "string"), E("expirationDate", "date"),
  E("site", "CodeableConcept"), E("route", "CodeableConcept"), E("doseQuantity", "Quantity"),
  EM("performer", "Immunization.performer"), EM("note", "Annotation"), EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition|Observation|DiagnosticReport)"), E("isSubpotent", "boolean"),
  EM("subpotentReason", "CodeableConcept"), EM("education", "Immunization.education"),
  EM("programEligibility", "CodeableConcept"), E("fundingSource", "CodeableConcept"),
  EM("reaction", "Immunization.reaction"), EM("protocolApplied", "Immunization.protocolApplied"));

B(ObsReferenceRange, "Observation.referenceRange", E("low", "Quantity"), E("high", "Quantity"),
  E("type", "CodeableConcept"), EM("appliesTo", "CodeableConcept"), E("age", "Range"), E("text", "string"));
B(ObsComponent, "Observation.component", E1("code", "CodeableConcept"), E("value[x]", OBS_VALUE),
  E("dataAbsentReason", "CodeableConcept"), EM("interpretation", "CodeableConcept"),
  EM("referenceRange", "Observation.referenceRange"));
R(fhir_Observation, "Observation", EM("identifier", "Identifier"),
  EM("basedOn",
     "Reference(CarePlan|DeviceRequest|ImmunizationRecommendation|MedicationRequest|NutritionOrder|ServiceRequest)"),
  EM("partOf",
     "Reference(MedicationAdministration|MedicationDispense|MedicationStatement|Procedure|Immunization|ImagingStudy)"),
  EC1("status", "registered|preliminary|final|amended|corrected|cancelled|entered-in-error|unknown"),
  EM("category", "CodeableConcept"), E1("code", "CodeableConcept"),
  E("subject", "Reference(Patient|Group|Device|Location)"), EM("focus", "Reference"),
  E("encounter", "Reference(Encounter)"), E("effective[x]", "dateTime|Period|Timing|instant"), E("issued", "instant"),
  EM("performer", "Reference(Practitioner|PractitionerRole|Organization|CareTeam|Patient|RelatedPerson)"),
  E("value[x]", OBS_VALUE), E("dataAbsentReason", "CodeableConcept"), EM("interpretation", "CodeableConcept"),
  EM("note", "Annotation"), E("bodySite", "CodeableConcept"), E("method", "CodeableConcept"),
  E("specimen", "Reference(Specimen)"), E("device", "Reference(Device|DeviceMetric)"),
  EM("referenceRange", "Observation.referenceRange"),
  EM("hasMember", "Reference(Observation|QuestionnaireResponse|MolecularSequence)"),
  EM("derivedFrom",
     "Reference(DocumentReference|ImagingStudy|Media|QuestionnaireResponse|Observation|MolecularSequence)"),
  EM("component", "Observation.component"));

B(DiagReportMedia, "DiagnosticReport.media", E("comment", "string"), E1("link", "Reference(Media)"));
R(fhir_DiagnosticReport, "DiagnosticReport", EM("identifier", "Identifier"),
  EM("basedOn", "Reference(CarePlan|ImmunizationRecommendation|MedicationRequest|NutritionOrder|ServiceRequest)"),
  EC1("status", "registered|partial|preliminary|final|amended|corrected|appended|cancelled|entered-in-error|unknown"),
  EM("category", "CodeableConcept"), E1("code", "CodeableConcept"),
  E("subject", "Reference(Patient|Group|Device|Location)"), E("encounter", "Reference(Encounter)"),
  E("effective[x]", "dateTime|Period"), E("issued", "instant"),
  EM("performer", "Reference(Practitioner|PractitionerRole|Organization|CareTeam)"),
  EM("resultsInterpreter", "Reference(Practitioner|PractitionerRole|Organization|CareTeam)"),
  EM("specimen", "Reference(Specimen)"), EM("result", "Reference(Observation)"),
  EM("imagingStudy", "Reference(ImagingStudy)"), EM("media", "DiagnosticReport.media"), E("conclusion", "string"),
  EM("conclusionCode", "CodeableConcept"), EM("presentedForm", "Attachment"));

B(ImgSeriesPerformer, "ImagingStudy.series.performer", E("function", "CodeableConcept"),
  E1("actor", "Reference(Practitioner|PractitionerRole|Organization|CareTeam|Patient|Device|RelatedPerson)"));
B(ImgInstance, "ImagingStudy.series.instance", E1("uid", "id"), E1("sopClass", "Coding"), E("number", "unsignedInt"),
  E("title", "string"));
B(ImgSeries, "ImagingStudy.series", E1("uid", "id"), E("number", "unsignedInt"), E1("modality", "Coding"),
  E("description", "string"), E("numberOfInstances", "unsignedInt"), EM("endpoint", "Reference(Endpoint)"),
  E("bodySite", "Coding"), E("laterality", "Coding"), EM("specimen", "Reference(Specimen)"), E("started", "dateTime"),
  EM("performer", "ImagingStudy.series.performer"), EM("instance", "ImagingStudy.series.instance"));
R(fhir_ImagingStudy, "ImagingStudy", EM("identifier", "Identifier"),
  EC1("status", "registered|available|cancelled|entered-in-error|unknown"), EM("modality", "Coding"),
  E1("subject", "Reference(Patient|Device|Group)"), E("encounter", "Reference(Encounter)"), E("started", "dateTime"),
  EM("basedOn", "Reference(CarePlan|ServiceRequest|Appointment|AppointmentResponse|Task)"),
  E("referrer", "Reference(Practitioner|PractitionerRole)"),
  EM("interpreter", "Reference(Practitioner|PractitionerRole)"), EM("endpoint", "Reference(Endpoint)"),
  E("numberOfSeries", "unsignedInt"), E("numberOfInstances", "unsignedInt"),
  E("procedureReference", "Reference(Procedure)"), EM("procedureCode", "CodeableConcept"),
  E("location", "Reference(Location)"), EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition|Observation|Media|DiagnosticReport|DocumentReference)"),
  EM("note", "Annotation"), E("description", "string"), EM("series", "ImagingStudy.series"));

/* Orders: lab and imaging (OMG, OML), diet (OMD). */
#define REQUEST_STATUS "draft|active|on-hold|revoked|completed|entered-in-error|unknown"
#define REQUEST_INTENT "proposal|plan|directive|order|original-order|reflex-order|filler-order|instance-order|option"
R(fhir_ServiceRequest, "ServiceRequest", EM("identifier", "Identifier"), EM("instantiatesCanonical", "canonical"),
  EM("instantiatesUri", "uri"), EM("basedOn", "Reference(CarePlan|ServiceRequest|MedicationRequest)"),
  EM("replaces", "Reference(ServiceRequest)"), E("requisition", "Identifier"), EC1("status", REQUEST_STATUS),
  EC1("intent", REQUEST_INTENT), EM("category", "CodeableConcept"), EC("priority", "routine|urgent|asap|stat"),
  E("doNotPerform", "boolean"), E("code", "CodeableConcept"), EM("orderDetail", "CodeableConcept"),
  E("quantity[x]", "Quantity|Ratio|Range"), E1("subject", "Reference(Patient|Group|Location|Device)"),
  E("encounter", "Reference(Encounter)"), E("occurrence[x]", "dateTime|Period|Timing"),
  E("asNeeded[x]", "boolean|CodeableConcept"), E("authoredOn", "dateTime"),
  E("requester", "Reference(Practitioner|PractitionerRole|Organization|Patient|RelatedPerson|Device)"),
  E("performerType", "CodeableConcept"),
  EM("performer",
     "Reference(Practitioner|PractitionerRole|Organization|CareTeam|HealthcareService|Patient|Device|RelatedPerson)"),
  EM("locationCode", "CodeableConcept"), EM("locationReference", "Reference(Location)"),
  EM("reasonCode", "CodeableConcept"),
  EM("reasonReference", "Reference(Condition|Observation|DiagnosticReport|DocumentReference)"),
  EM("insurance", "Reference(Coverage|ClaimResponse)"), EM("supportingInfo", "Reference"),
  EM("specimen", "Reference(Specimen)"), EM("bodySite", "CodeableConcept"), EM("note", "Annotation"),
  E("patientInstruction", "string"), EM("relevantHistory", "Reference(Provenance)"));

B(NutOralNutrient, "NutritionOrder.oralDiet.nutrient", E("modifier", "CodeableConcept"), E("amount", "Quantity"));
B(NutOralTexture, "NutritionOrder.oralDiet.texture", E("modifier", "CodeableConcept"),
  E("foodType", "CodeableConcept"));
B(NutOralDiet, "NutritionOrder.oralDiet", EM("type", "CodeableConcept"), EM("schedule", "Timing"),
  EM("nutrient", "NutritionOrder.oralDiet.nutrient"), EM("texture", "NutritionOrder.oralDiet.texture"),
  EM("fluidConsistencyType", "CodeableConcept"), E("instruction", "string"));
B(NutSupplement, "NutritionOrder.supplement", E("type", "CodeableConcept"), E("productName", "string"),
  EM("schedule", "Timing"), E("quantity", "Quantity"), E("instruction", "string"));
B(NutEnteralAdmin, "NutritionOrder.enteralFormula.administration", E("schedule", "Timing"), E("quantity", "Quantity"),
  E("rate[x]", "Quantity|Ratio"));
B(NutEnteral, "NutritionOrder.enteralFormula", E("baseFormulaType", "CodeableConcept"),
  E("baseFormulaProductName", "string"), E("additiveType", "CodeableConcept"), E("additiveProductName", "string"),
  E("caloricDensity", "Quantity"), E("routeofAdministration", "CodeableConcept"),
  EM("administration", "NutritionOrder.enteralFormula.administration"), E("maxVolumeToDeliver", "Quantity"),
  E("administrationInstruction", "string"));
R(fhir_NutritionOrder, "NutritionOrder", EM("identifier", "Identifier"), EM("instantiatesCanonical", "canonical"),
  EM("instantiatesUri", "uri"), EM("instantiates", "uri"), EC1("status", REQUEST_STATUS), EC1("intent", REQUEST_INTENT),
  E1("patient", "Reference(Patient)"), E("encounter", "Reference(Encounter)"), E1("dateTime", "dateTime"),
  E("orderer", "Reference(Practitioner|PractitionerRole)"), EM("allergyIntolerance", "Reference(AllergyIntolerance)"),
  EM("foodPreferenceModifier", "CodeableConcept"), EM("excludeFoodModifier", "CodeableConcept"),
  E("oralDiet", "NutritionOrder.oralDiet"), EM("supplement", "NutritionOrder.supplement"),
  E("enteralFormula", "NutritionOrder.enteralFormula"), EM("note", "Annotation"));

/* Coverage (JP Core JP_Coverage): 医療保険 of the patient (beneficiary). */
B(CovClass, "Coverage.class", E1("type", "CodeableConcept"), E1("value", "string"), E("name", "string"));
B(CovCostException, "Coverage.costToBeneficiary.exception", E1("type", "CodeableConcept"), E("period", "Period"));
B(CovCost, "Coverage.costToBeneficiary", E("type", "CodeableConcept"), E("value[x]", "Quantity|Money"),
  EM("exception", "Coverage.costToBeneficiary.exception"));
R(fhir_Coverage, "Coverage", EM("identifier", "Identifier"), EC1("status", "active|cancelled|draft|entered-in-error"),
  E("type", "CodeableConcept"), E("policyHolder", "Reference(Patient|RelatedPerson|Organization)"),
  E("subscriber", "Reference(Patient|RelatedPerson)"), E("subscriberId", "string"),
  E1("beneficiary", "Reference(Patient)"), E("dependent", "string"), E("relationship", "CodeableConcept"),
  E("period", "Period"), EM1("payor", "Reference(Organization|Patient|RelatedPerson)"), EM("class", "Coverage.class"),
  E("order", "positiveInt"), E("network", "string"), EM("costToBeneficiary", "Coverage.costToBeneficiary"),
  E("subrogation", "boolean"), EM("contract", "Reference(Contract)"));

/* Medication (JP Core JP_Medication): only ever contained in the record that
 * names it (a prescription of a compounded or local drug); not served. */
B(MedIngredient, "Medication.ingredient", E1("item[x]", "CodeableConcept|Reference"), E("isActive", "boolean"),
  E("strength", "Ratio"));
B(MedBatch, "Medication.batch", E("lotNumber", "string"), E("expirationDate", "dateTime"));
R(fhir_Medication, "Medication", EM("identifier", "Identifier"), E("code", "CodeableConcept"),
  EC("status", "active|inactive|entered-in-error"), E("manufacturer", "Reference(Organization)"),
  E("form", "CodeableConcept"), E("amount", "Ratio"), EM("ingredient", "Medication.ingredient"),
  E("batch", "Medication.batch"));

/* Specimen (JP Core JP_Specimen): 検体 of a laboratory order. */
B(SpecCollection, "Specimen.collection", E("collector", "Reference(Practitioner|PractitionerRole)"),
  E("collected[x]", "dateTime|Period"), E("duration", "Duration"), E("quantity", "Quantity"),
  E("method", "CodeableConcept"), E("bodySite", "CodeableConcept"), E("fastingStatus[x]", "CodeableConcept|Duration"));
B(SpecProcessing, "Specimen.processing", E("description", "string"), E("procedure", "CodeableConcept"),
  EM("additive", "Reference(Substance)"), E("time[x]", "dateTime|Period"));
B(SpecContainer, "Specimen.container", EM("identifier", "Identifier"), E("description", "string"),
  E("type", "CodeableConcept"), E("capacity", "Quantity"), E("specimenQuantity", "Quantity"),
  E("additive[x]", "CodeableConcept|Reference(Substance)"));
R(fhir_Specimen, "Specimen", EM("identifier", "Identifier"), E("accessionIdentifier", "Identifier"),
  EC("status", "available|unavailable|unsatisfactory|entered-in-error"), E("type", "CodeableConcept"),
  E("subject", "Reference(Patient|Group|Device|Substance|Location)"), E("receivedTime", "dateTime"),
  EM("parent", "Reference(Specimen)"), EM("request", "Reference(ServiceRequest)"),
  E("collection", "Specimen.collection"), EM("processing", "Specimen.processing"),
  EM("container", "Specimen.container"), EM("condition", "CodeableConcept"), EM("note", "Annotation"));

/* Communication (FHIR R4): a post on the care team's timeline of a patient
 * (多職種連携) — text, attachments, a reply to another post, mentions as
 * recipients; edits are new versions, a withdrawn post is entered-in-error. */
B(CommPayload, "Communication.payload", E1("content[x]", "string|Attachment|Reference"));
R(fhir_Communication, "Communication", EM("identifier", "Identifier"), EM("instantiatesCanonical", "canonical"),
  EM("instantiatesUri", "uri"), EM("basedOn", "Reference"), EM("partOf", "Reference"),
  EM("inResponseTo", "Reference(Communication)"),
  EC1("status", "preparation|in-progress|not-done|on-hold|stopped|completed|entered-in-error|unknown"),
  E("statusReason", "CodeableConcept"), EM("category", "CodeableConcept"), EC("priority", "routine|urgent|asap|stat"),
  EM("medium", "CodeableConcept"), E("subject", "Reference(Patient|Group)"), E("topic", "CodeableConcept"),
  EM("about", "Reference"), E("encounter", "Reference(Encounter)"), E("sent", "dateTime"), E("received", "dateTime"),
  EM("recipient", "Reference(Device|Organization|Patient|Practitioner|PractitionerRole|RelatedPerson|Group|CareTeam|"
		  "HealthcareService)"),
  E("sender", "Reference(Device|Organization|Patient|Practitioner|PractitionerRole|RelatedPerson|HealthcareService)"),
  EM("reasonCode", "CodeableConcept"), EM("reasonReference", "Reference"), EM("payload", "Communication.payload"),
  EM("note", "Annotation"));

/* RelatedPerson (FHIR R4): a family member or another contact of the person,
 * listed by the care team (家族・連絡先: 続柄, 電話, キーパーソン). */
B(RelatedPersonCommunication, "RelatedPerson.communication", E1("language", "CodeableConcept"),
  E("preferred", "boolean"));
R(fhir_RelatedPerson, "RelatedPerson", EM("identifier", "Identifier"), E("active", "boolean"),
  E1("patient", "Reference(Patient)"), EM("relationship", "CodeableConcept"), EM("name", "HumanName"),
  EM("telecom", "ContactPoint"), EC("gender", "male|female|other|unknown"), E("birthDate", "date"),
  EM("address", "Address"), EM("photo", "Attachment"), E("period", "Period"),
  EM("communication", "RelatedPerson.communication"));
/* CarePlan and Goal (FHIR R4): the team's care plan (ケアプラン 第1表・第2表・
 * 第3表, collab/careplan.h) and its long- and short-term goals. */
B(CarePlanDetail, "CarePlan.activity.detail",
  EC("kind", "Appointment|CommunicationRequest|DeviceRequest|MedicationRequest|NutritionOrder|Task|ServiceRequest|"
	     "VisionPrescription"),
  EM("instantiatesCanonical", "canonical"), EM("instantiatesUri", "uri"), E("code", "CodeableConcept"),
  EM("reasonCode", "CodeableConcept"), EM("reasonReference", "Reference"), EM("goal", "Reference(Goal)"),
  EC1("status", "not-started|scheduled|in-progress|on-hold|completed|cancelled|stopped|unknown|entered-in-error"),
  E("statusReason", "CodeableConcept"), E("doNotPerform", "boolean"), E("scheduled[x]", "Timing|Period|string"),
  E("location", "Reference(Location)"), EM("performer", "Reference"), E("product[x]", "CodeableConcept|Reference"),
  E("dailyAmount", "Quantity"), E("quantity", "Quantity"), E("description", "string"));
B(CarePlanActivity, "CarePlan.activity", EM("outcomeCodeableConcept", "CodeableConcept"),
  EM("outcomeReference", "Reference"), EM("progress", "Annotation"), E("reference", "Reference"),
  E("detail", "CarePlan.activity.detail"));
R(fhir_CarePlan, "CarePlan", EM("identifier", "Identifier"), EM("instantiatesCanonical", "canonical"),
  EM("instantiatesUri", "uri"), EM("basedOn", "Reference(CarePlan)"), EM("replaces", "Reference(CarePlan)"),
  EM("partOf", "Reference(CarePlan)"), EC1("status", "draft|active|on-hold|revoked|completed|entered-in-error|unknown"),
  EC1("intent", "proposal|plan|order|option"), EM("category", "CodeableConcept"), E("title", "string"),
  E("description", "string"), {"subject", "Reference(Patient|Group)", 1, false, NULL},
  E("encounter", "Reference(Encounter)"), E("period", "Period"), E("created", "dateTime"), E("author", "Reference"),
  EM("contributor", "Reference"), EM("careTeam", "Reference(CareTeam)"), EM("addresses", "Reference(Condition)"),
  EM("supportingInfo", "Reference"), EM("goal", "Reference(Goal)"), EM("activity", "CarePlan.activity"),
  EM("note", "Annotation"));
B(GoalTarget, "Goal.target", E("measure", "CodeableConcept"),
  E("detail[x]", "Quantity|Range|CodeableConcept|string|boolean|integer|Ratio"), E("due[x]", "date|Duration"));
R(fhir_Goal, "Goal", EM("identifier", "Identifier"),
  EC1("lifecycleStatus", "proposed|planned|accepted|active|on-hold|completed|cancelled|entered-in-error|rejected"),
  E("achievementStatus", "CodeableConcept"), EM("category", "CodeableConcept"), E("priority", "CodeableConcept"),
  E1("description", "CodeableConcept"), {"subject", "Reference(Patient|Group|Organization)", 1, false, NULL},
  E("start[x]", "date|CodeableConcept"), EM("target", "Goal.target"), E("statusDate", "date"),
  E("statusReason", "string"), E("expressedBy", "Reference"), EM("addresses", "Reference"), EM("note", "Annotation"),
  EM("outcomeCode", "CodeableConcept"), EM("outcomeReference", "Reference(Observation)"));
/* Questionnaire (FHIR R4): a form renkei ships (data/questionnaires: the face
 * sheet, the visit record), served read-only; QuestionnaireResponse: a filled
 * form about a patient (多職種連携), checked against its Questionnaire. */
B(QAnswerOption, "Questionnaire.item.answerOption", E1("value[x]", "integer|date|time|string|Coding|Reference"),
  E("initialSelected", "boolean"));
B(QEnableWhen, "Questionnaire.item.enableWhen", E1("question", "string"), EC1("operator", "exists|=|!=|>|<|>=|<="),
  E1("answer[x]", "boolean|decimal|integer|date|dateTime|time|string|Coding|Quantity|Reference"));
B(QInitial, "Questionnaire.item.initial",
  E1("value[x]", "boolean|decimal|integer|date|dateTime|time|string|uri|Attachment|Coding|Quantity|Reference"));
B(QItem, "Questionnaire.item", E1("linkId", "string"), E("definition", "uri"), EM("code", "Coding"),
  E("prefix", "string"), E("text", "string"),
  EC1("type", "group|display|boolean|decimal|integer|date|dateTime|time|string|text|url|choice|open-choice|"
	      "attachment|reference|quantity"),
  EM("enableWhen", "Questionnaire.item.enableWhen"), EC("enableBehavior", "all|any"), E("required", "boolean"),
  E("repeats", "boolean"), E("readOnly", "boolean"), E("maxLength", "integer"), E("answerValueSet", "canonical"),
  EM("answerOption", "Questionnaire.item.answerOption"), EM("initial", "Questionnaire.item.initial"),
  EM("item", "Questionnaire.item"));
R(fhir_Questionnaire, "Questionnaire", E("url", "uri"), EM("identifier", "Identifier"), E("version", "string"),
  E("name", "string"), E("title", "string"), EM("derivedFrom", "canonical"),
  EC1("status", "draft|active|retired|unknown"), E("experimental", "boolean"), EM("subjectType", "code"),
  E("date", "dateTime"), E("publisher", "string"), E("description", "markdown"), E("purpose", "markdown"),
  E("approvalDate", "date"), E("lastReviewDate", "date"), E("effectivePeriod", "Period"), EM("code", "Coding"),
  EM("item", "Questionnaire.item"));
B(QRAnswer, "QuestionnaireResponse.item.answer",
  E1("value[x]", "boolean|decimal|integer|date|dateTime|time|string|uri|Attachment|Coding|Quantity|Reference"),
  EM("item", "QuestionnaireResponse.item"));
B(QRItem, "QuestionnaireResponse.item", E1("linkId", "string"), E("definition", "uri"), E("text", "string"),
  EM("answer", "QuestionnaireResponse.item.answer"), EM("item", "QuestionnaireResponse.item"));
R(fhir_QuestionnaireResponse, "QuestionnaireResponse", E("identifier", "Identifier"),
  EM("basedOn", "Reference(CarePlan|ServiceRequest)"), EM("partOf", "Reference(Observation|Procedure)"),
  E1("questionnaire", "canonical"), EC1("status", "in-progress|completed|amended|entered-in-error|stopped"),
  E("subject", "Reference(Patient)"), E("encounter", "Reference(Encounter)"), E("authored", "dateTime"),
  E("author", "Reference(Device|Practitioner|PractitionerRole|Patient|RelatedPerson|Organization)"),
  E("source", "Reference(Patient|Practitioner|PractitionerRole|RelatedPerson)"),
  EM("item", "QuestionnaireResponse.item"));

B(DocRefRelatesTo, "DocumentReference.relatesTo", EC1("code", "replaces|transforms|signs|appends"),
  E1("target", "Reference(DocumentReference)"));
B(DocRefContent, "DocumentReference.content", E1("attachment", "Attachment"), E("format", "Coding"));
B(DocRefContext, "DocumentReference.context", EM("encounter", "Reference(Encounter|EpisodeOfCare)"),
  EM("event", "CodeableConcept"), E("period", "Period"), E("facilityType", "CodeableConcept"),
  E("practiceSetting", "CodeableConcept"), E("sourcePatientInfo", "Reference(Patient)"), EM("related", "Reference"));
R(fhir_DocumentReference, "DocumentReference", E("masterIdentifier", "Identifier"), EM("identifier", "Identifier"),
  EC1("status", "current|superseded|entered-in-error"), EC("docStatus", "preliminary|final|amended|entered-in-error"),
  E("type", "CodeableConcept"), EM("category", "CodeableConcept"),
  E("subject", "Reference(Patient|Practitioner|Group|Device)"), E("date", "instant"),
  EM("author", "Reference(Practitioner|PractitionerRole|Organization|Device|Patient|RelatedPerson)"),
  E("authenticator", "Reference(Practitioner|PractitionerRole|Organization)"),
  E("custodian", "Reference(Organization)"), EM("relatesTo", "DocumentReference.relatesTo"), E("description", "string"),
  EM("securityLabel", "CodeableConcept"), EM1("content", "DocumentReference.content"),
  E("context", "DocumentReference.context"));

R(fhir_Binary, "Binary", EC1("contentType", NULL), E("securityContext", "Reference"), E("data", "base64Binary"));

B(CompAttester, "Composition.attester", EC1("mode", "personal|professional|legal|official"), E("time", "dateTime"),
  E("party", "Reference(Patient|RelatedPerson|Practitioner|PractitionerRole|Organization)"));
B(CompRelatesTo, "Composition.relatesTo", EC1("code", "replaces|transforms|signs|appends"),
  E1("target[x]", "Identifier|Reference"));
B(CompEvent, "Composition.event", EM("code", "CodeableConcept"), E("period", "Period"), EM("detail", "Reference"));
B(CompSection, "Composition.section", E("title", "string"), E("code", "CodeableConcept"),
  EM("author", "Reference(Practitioner|PractitionerRole|Device|Patient|RelatedPerson|Organization)"),
  E("focus", "Reference"), E("text", "Narrative"), EC("mode", "working|snapshot|changes"),
  E("orderedBy", "CodeableConcept"), EM("entry", "Reference"), E("emptyReason", "CodeableConcept"),
  EM("section", "Composition.section"));
R(fhir_Composition, "Composition", E("identifier", "Identifier"),
  EC1("status", "preliminary|final|amended|entered-in-error"), E1("type", "CodeableConcept"),
  EM("category", "CodeableConcept"), E("subject", "Reference"), E("encounter", "Reference(Encounter)"),
  E1("date", "dateTime"),
  EM1("author", "Reference(Practitioner|PractitionerRole|Device|Patient|RelatedPerson|Organization)"),
  E1("title", "string"), E("confidentiality", "code"), EM("attester", "Composition.attester"),
  E("custodian", "Reference(Organization)"), EM("relatesTo", "Composition.relatesTo"), EM("event", "Composition.event"),
  EM("section", "Composition.section"));

static const struct fhir_typedef *const typedefs[] = {
	&ConsentPolicy,
	&ConsentVerification,
	&ConsentActor,
	&ConsentData,
	&ConsentProvision,
	&fhir_Consent,
	&CareTeamParticipant,
	&fhir_CareTeam,
	&Extension,
	&Period,
	&Coding,
	&CodeableConcept,
	&Identifier,
	&HumanName,
	&ContactPoint,
	&Address,
	&Reference,
	&Attachment,
	&Quantity,
	&Range,
	&Ratio,
	&Annotation,
	&TimingRepeat,
	&Timing,
	&Meta,
	&Narrative,
	&Age,
	&Duration,
	&PatientContact,
	&PatientCommunication,
	&PatientLink,
	&fhir_Patient,
	&OrganizationContact,
	&fhir_Organization,
	&PractitionerQualification,
	&fhir_Practitioner,
	&DosageDoseAndRate,
	&Dosage,
	&EncounterStatusHistory,
	&EncounterClassHistory,
	&EncounterParticipant,
	&EncounterDiagnosis,
	&EncounterHospitalization,
	&EncounterLocation,
	&fhir_Encounter,
	&ConditionStage,
	&ConditionEvidence,
	&fhir_Condition,
	&AllergyReaction,
	&fhir_AllergyIntolerance,
	&ProcedurePerformer,
	&ProcedureFocalDevice,
	&fhir_Procedure,
	&MedReqInitialFill,
	&MedReqDispense,
	&MedReqSubstitution,
	&fhir_MedicationRequest,
	&MedAdminPerformer,
	&MedAdminDosage,
	&fhir_MedicationAdministration,
	&MedDispPerformer,
	&MedDispSubstitution,
	&fhir_MedicationDispense,
	&ImmPerformer,
	&ImmEducation,
	&ImmReaction,
	&ImmProtocol,
	&fhir_Immunization,
	&ObsReferenceRange,
	&ObsComponent,
	&fhir_Observation,
	&DiagReportMedia,
	&fhir_DiagnosticReport,
	&ImgSeriesPerformer,
	&ImgInstance,
	&ImgSeries,
	&fhir_ImagingStudy,
	&fhir_ServiceRequest,
	&NutOralNutrient,
	&NutOralTexture,
	&NutOralDiet,
	&NutSupplement,
	&NutEnteralAdmin,
	&NutEnteral,
	&fhir_NutritionOrder,
	&CovClass,
	&CovCostException,
	&CovCost,
	&fhir_Coverage,
	&MedIngredient,
	&MedBatch,
	&fhir_Medication,
	&SpecCollection,
	&SpecProcessing,
	&SpecContainer,
	&fhir_Specimen,
	&CommPayload,
	&fhir_Communication,
	&RelatedPersonCommunication,
	&fhir_RelatedPerson,
	&CarePlanDetail,
	&CarePlanActivity,
	&fhir_CarePlan,
	&GoalTarget,
	&fhir_Goal,
	&QAnswerOption,
	&QEnableWhen,
	&QInitial,
	&QItem,
	&fhir_Questionnaire,
	&QRAnswer,
	&QRItem,
	&fhir_QuestionnaireResponse,
	&DocRefRelatesTo,
	&DocRefContent,
	&DocRefContext,
	&fhir_DocumentReference,
	&fhir_Binary,
	&CompAttester,
	&CompRelatesTo,
	&CompEvent,
	&CompSection,
	&fhir_Composition,
};

/* Looked up for every complex value of every write: a hash of the names,
 * built once. */
#define TD_SLOTS 512
_Static_assert(sizeof typedefs / sizeof typedefs[0] < TD_SLOTS / 2, "the typedef hash needs room");
static const struct fhir_typedef *td_slots[TD_SLOTS];
static pthread_once_t td_once = PTHREAD_ONCE_INIT;

static unsigned td_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % TD_SLOTS;
}

static void td_index(void)
{
	for (size_t i = 0; i < sizeof typedefs / sizeof typedefs[0]; i++) {
		unsigned h = td_hash(typedefs[i]->name);
		while (td_slots[h])
			h = (h + 1) % TD_SLOTS;
		td_slots[h] = typedefs[i];
	}
}

const struct fhir_typedef *fhir_typedef_find(const char *name)
{
	pthread_once(&td_once, td_index);
	for (unsigned h = td_hash(name); td_slots[h]; h = (h + 1) % TD_SLOTS)
		if (strcmp(td_slots[h]->name, name) == 0)
			return td_slots[h];
	return NULL;
}

bool fhir_is_primitive(const char *type)
{
	static const char *const prims[] = {
		"base64Binary", "boolean",     "canonical", "code",     "date", "dateTime",    "decimal",
		"id",           "instant",     "integer",   "markdown", "oid",  "positiveInt", "string",
		"time",         "unsignedInt", "uri",       "url",      "uuid", "xhtml",
	};
	/* Runs for every element of every write: complex types (capitalised)
	 * are answered at once, primitives compared from their first letter. */
	if (!(type[0] >= 'a' && type[0] <= 'z'))
		return false;
	for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
		if (prims[i][0] == type[0] && strcmp(prims[i], type) == 0)
			return true;
	return false;
}

/* FHIR R4 (4.0.1) resource type names, sorted. */
static const char *const r4_names[] = {
	"Account",
	"ActivityDefinition",
	"AdverseEvent",
	"AllergyIntolerance",
	"Appointment",
	"AppointmentResponse",
	"AuditEvent",
	"Basic",
	"Binary",
	"BiologicallyDerivedProduct",
	"BodyStructure",
	"Bundle",
	"CapabilityStatement",
	"CarePlan",
	"CareTeam",
	"CatalogEntry",
	"ChargeItem",
	"ChargeItemDefinition",
	"Claim",
	"ClaimResponse",
	"ClinicalImpression",
	"CodeSystem",
	"Communication",
	"CommunicationRequest",
	"CompartmentDefinition",
	"Composition",
	"ConceptMap",
	"Condition",
	"Consent",
	"Contract",
	"Coverage",
	"CoverageEligibilityRequest",
	"CoverageEligibilityResponse",
	"DetectedIssue",
	"Device",
	"DeviceDefinition",
	"DeviceMetric",
	"DeviceRequest",
	"DeviceUseStatement",
	"DiagnosticReport",
	"DocumentManifest",
	"DocumentReference",
	"EffectEvidenceSynthesis",
	"Encounter",
	"Endpoint",
	"EnrollmentRequest",
	"EnrollmentResponse",
	"EpisodeOfCare",
	"EventDefinition",
	"Evidence",
	"EvidenceVariable",
	"ExampleScenario",
	"ExplanationOfBenefit",
	"FamilyMemberHistory",
	"Flag",
	"Goal",
	"GraphDefinition",
	"Group",
	"GuidanceResponse",
	"HealthcareService",
	"ImagingStudy",
	"Immunization",
	"ImmunizationEvaluation",
	"ImmunizationRecommendation",
	"ImplementationGuide",
	"InsurancePlan",
	"Invoice",
	"Library",
	"Linkage",
	"List",
	"Location",
	"Measure",
	"MeasureReport",
	"Media",
	"Medication",
	"MedicationAdministration",
	"MedicationDispense",
	"MedicationKnowledge",
	"MedicationRequest",
	"MedicationStatement",
	"MedicinalProduct",
	"MedicinalProductAuthorization",
	"MedicinalProductContraindication",
	"MedicinalProductIndication",
	"MedicinalProductIngredient",
	"MedicinalProductInteraction",
	"MedicinalProductManufactured",
	"MedicinalProductPackaged",
	"MedicinalProductPharmaceutical",
	"MedicinalProductUndesirableEffect",
	"MessageDefinition",
	"MessageHeader",
	"MolecularSequence",
	"NamingSystem",
	"NutritionOrder",
	"Observation",
	"ObservationDefinition",
	"OperationDefinition",
	"OperationOutcome",
	"Organization",
	"OrganizationAffiliation",
	"Parameters",
	"Patient",
	"PaymentNotice",
	"PaymentReconciliation",
	"Person",
	"PlanDefinition",
	"Practitioner",
	"PractitionerRole",
	"Procedure",
	"Provenance",
	"Questionnaire",
	"QuestionnaireResponse",
	"RelatedPerson",
	"RequestGroup",
	"ResearchDefinition",
	"ResearchElementDefinition",
	"ResearchStudy",
	"ResearchSubject",
	"RiskAssessment",
	"RiskEvidenceSynthesis",
	"Schedule",
	"SearchParameter",
	"ServiceRequest",
	"Slot",
	"Specimen",
	"SpecimenDefinition",
	"StructureDefinition",
	"StructureMap",
	"Subscription",
	"Substance",
	"SubstanceNucleicAcid",
	"SubstancePolymer",
	"SubstanceProtein",
	"SubstanceReferenceInformation",
	"SubstanceSourceMaterial",
	"SubstanceSpecification",
	"SupplyDelivery",
	"SupplyRequest",
	"Task",
	"TerminologyCapabilities",
	"TestReport",
	"TestScript",
	"ValueSet",
	"VerificationResult",
	"VisionPrescription",
};

bool fhir_is_r4_resource_name(const char *name, size_t len)
{
	/* binary search: the table is sorted (strcmp order) */
	if (memchr(name, '\0', len))
		return false;
	size_t lo = 0, hi = sizeof r4_names / sizeof r4_names[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(r4_names[mid], name, len);
		if (c == 0)
			c = r4_names[mid][len] ? 1 : 0; /* the table's name is longer */
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
