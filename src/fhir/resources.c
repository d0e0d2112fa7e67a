/* resources.c — the resource types renkei serves, their search parameters
 * (FHIR R4 / JP Core names and paths) and their registry hooks: the one table
 * to read to know what the FHIR API offers. */
#include <string.h>

#include "collab/forms.h"
#include "fhir/clinical.h"
#include "fhir/consent.h"
#include "fhir/jpcore.h"
#include "fhir/registry.h"
#include "fhir/timeline.h"
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
	{"general-practitioner", SP_REFERENCE, "generalPractitioner", NULL,
	 "かかりつけ医 (Practitioner or Organization)"},
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
	{"category", SP_TOKEN, "category", NULL,
	 "individual | comprehensive | refusal (urn:renkei:CodeSystem:consent-kind)"},
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

/* ---- clinical resources: the parameters clinicians' systems use (R4 names) ---- */

#define P_PATIENT(path)                                                                               \
	{                                                                                             \
		"patient", SP_REFERENCE, path, "target=Patient", "The patient (Patient registration)" \
	}
#define P_SUBJECT                                                                 \
	{                                                                         \
		"subject", SP_REFERENCE, "subject", NULL, "The subject (Patient)" \
	}
#define P_IDENTIFIER                                                                             \
	{                                                                                        \
		"identifier", SP_TOKEN, "identifier", NULL, "Business identifier (system|value)" \
	}
#define P_ENCOUNTER(path)                                                          \
	{                                                                          \
		"encounter", SP_REFERENCE, path, NULL, "The encounter (Encounter)" \
	}

static const struct fhir_search_param encounter_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"status", SP_TOKEN, "status", NULL, "planned | in-progress | finished | cancelled | ..."},
	{"class", SP_TOKEN, "class", NULL, "外来 AMB | 入院 IMP | 救急 EMER | 在宅 HH (v3 ActCode)"},
	{"type", SP_TOKEN, "type", NULL, "Kind of encounter"},
	{"date", SP_DATE, "period", NULL, "When the encounter took place"},
	{"participant", SP_REFERENCE, "participant.individual", NULL, "Staff taking part"},
	{"service-provider", SP_REFERENCE, "serviceProvider", NULL, "The facility (Organization)"},
	{"reason-code", SP_TOKEN, "reasonCode", NULL, "Reason for the encounter"},
	{"diagnosis", SP_REFERENCE, "diagnosis.condition", NULL, "Diagnosis of the encounter (Condition)"},
	{"part-of", SP_REFERENCE, "partOf", NULL, "Encounter this is part of"},
};

static const struct fhir_search_param condition_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"code", SP_TOKEN, "code", NULL, "病名: MEDIS 病名交換用コード or ICD-10 (system|code)"},
	{"category", SP_TOKEN, "category", NULL, "problem-list-item | encounter-diagnosis"},
	{"clinical-status", SP_TOKEN, "clinicalStatus", NULL,
	 "active | recurrence | relapse | inactive | remission | resolved"},
	{"verification-status", SP_TOKEN, "verificationStatus", NULL,
	 "unconfirmed (疑い) | provisional | confirmed | refuted | ..."},
	{"severity", SP_TOKEN, "severity", NULL, "Severity"},
	{"onset-date", SP_DATE, "onset", NULL, "When the condition began"},
	{"abatement-date", SP_DATE, "abatement", NULL, "When it resolved"},
	{"recorded-date", SP_DATE, "recordedDate", NULL, "When it was recorded"},
};

static const struct fhir_search_param allergy_params[] = {
	P_IDENTIFIER,
	P_PATIENT("patient"),
	{"code", SP_TOKEN, "code", NULL, "Substance (medicine, food, ...)"},
	{"clinical-status", SP_TOKEN, "clinicalStatus", NULL, "active | inactive | resolved"},
	{"verification-status", SP_TOKEN, "verificationStatus", NULL,
	 "unconfirmed | confirmed | refuted | entered-in-error"},
	{"type", SP_TOKEN, "type", NULL, "allergy | intolerance"},
	{"category", SP_TOKEN, "category", NULL, "food | medication | environment | biologic"},
	{"criticality", SP_TOKEN, "criticality", NULL, "low | high (薬剤禁忌) | unable-to-assess"},
	{"date", SP_DATE, "recordedDate", NULL, "When it was recorded"},
	{"onset", SP_DATE, "reaction.onset", NULL, "When a reaction began"},
};

static const struct fhir_search_param procedure_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"status", SP_TOKEN, "status", NULL, "preparation | in-progress | completed | ..."},
	{"code", SP_TOKEN, "code", NULL, "Procedure code"},
	{"category", SP_TOKEN, "category", NULL, "Kind of procedure"},
	{"date", SP_DATE, "performed", NULL, "When it was performed"},
	{"performer", SP_REFERENCE, "performer.actor", NULL, "Who performed it"},
	{"based-on", SP_REFERENCE, "basedOn", NULL, "Order it fulfils"},
};

static const struct fhir_search_param medreq_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"status", SP_TOKEN, "status", NULL, "active | completed | stopped | cancelled | ..."},
	{"intent", SP_TOKEN, "intent", NULL, "order | plan | ..."},
	{"category", SP_TOKEN, "category", NULL, "内服・外用 / 注射 (inpatient, outpatient, ...)"},
	{"code", SP_TOKEN, "medication", NULL, "Medicine: HOT9 / YJ code (system|code)"},
	{"medication", SP_REFERENCE, "medication", NULL, "Medication resource"},
	{"authoredon", SP_DATE, "authoredOn", NULL, "When it was prescribed"},
	{"date", SP_DATE, "dosageInstruction.timing.repeat.bounds", NULL, "Period of administration"},
	{"requester", SP_REFERENCE, "requester", NULL, "Prescriber"},
	{"priority", SP_TOKEN, "priority", NULL, "routine | urgent | asap | stat"},
};

static const struct fhir_search_param medadmin_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"context", SP_REFERENCE, "context", NULL, "Encounter"},
	{"status", SP_TOKEN, "status", NULL, "in-progress | completed | not-done | ..."},
	{"code", SP_TOKEN, "medication", NULL, "Medicine: HOT9 / YJ code"},
	{"effective-time", SP_DATE, "effective", NULL, "When it was given"},
	{"request", SP_REFERENCE, "request", NULL, "The order (MedicationRequest)"},
	{"performer", SP_REFERENCE, "performer.actor", NULL, "Who gave it"},
};

static const struct fhir_search_param meddisp_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"context", SP_REFERENCE, "context", NULL, "Encounter"},
	{"status", SP_TOKEN, "status", NULL, "preparation | completed | ..."},
	{"code", SP_TOKEN, "medication", NULL, "Medicine: HOT9 / YJ code"},
	{"whenhandedover", SP_DATE, "whenHandedOver", NULL, "When it was handed over"},
	{"whenprepared", SP_DATE, "whenPrepared", NULL, "When it was prepared"},
	{"prescription", SP_REFERENCE, "authorizingPrescription", NULL, "The prescription (MedicationRequest)"},
	{"performer", SP_REFERENCE, "performer.actor", NULL, "Pharmacist or pharmacy"},
};

static const struct fhir_search_param immunization_params[] = {
	P_IDENTIFIER,
	P_PATIENT("patient"),
	{"status", SP_TOKEN, "status", NULL, "completed | entered-in-error | not-done"},
	{"vaccine-code", SP_TOKEN, "vaccineCode", NULL, "Vaccine"},
	{"date", SP_DATE, "occurrence", NULL, "When it was given"},
	{"lot-number", SP_STRING, "lotNumber", NULL, "Lot number"},
	{"performer", SP_REFERENCE, "performer.actor", NULL, "Who gave it"},
};

static const struct fhir_search_param observation_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"status", SP_TOKEN, "status", NULL, "registered | preliminary | final | amended | ..."},
	{"category", SP_TOKEN, "category", NULL, "laboratory | vital-signs | ..."},
	{"code", SP_TOKEN, "code", NULL, "What was measured: JLAC10 (system|code), LOINC"},
	{"date", SP_DATE, "effective", NULL, "When it was measured"},
	{"based-on", SP_REFERENCE, "basedOn", NULL, "The order"},
	{"has-member", SP_REFERENCE, "hasMember", NULL, "Member observations"},
	{"derived-from", SP_REFERENCE, "derivedFrom", NULL, "Source observations"},
	{"performer", SP_REFERENCE, "performer", NULL, "Who measured it"},
	{"value-concept", SP_TOKEN, "value", NULL, "Coded value"},
	{"interpretation", SP_TOKEN, "interpretation", NULL, "H | L | HH | LL | N | A ... (abnormal flags)"},
};

static const struct fhir_search_param report_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"status", SP_TOKEN, "status", NULL, "registered | partial | final | ..."},
	{"category", SP_TOKEN, "category", NULL, "LAB | RAD | ..."},
	{"code", SP_TOKEN, "code", NULL, "Kind of report"},
	{"date", SP_DATE, "effective", NULL, "Clinically relevant time"},
	{"issued", SP_DATE, "issued", NULL, "When it was issued"},
	{"result", SP_REFERENCE, "result", NULL, "A result (Observation)"},
	{"performer", SP_REFERENCE, "performer", NULL, "Who is responsible"},
	{"based-on", SP_REFERENCE, "basedOn", NULL, "The order"},
	{"conclusion", SP_TOKEN, "conclusionCode", NULL, "Coded conclusion"},
};

static const struct fhir_search_param imaging_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"status", SP_TOKEN, "status", NULL, "registered | available | cancelled | ..."},
	{"modality", SP_TOKEN, "series.modality", NULL, "CT | MR | CR | US | ... (DICOM)"},
	{"started", SP_DATE, "started", NULL, "When the study started"},
	{"bodysite", SP_TOKEN, "series.bodySite", NULL, "Body part"},
	{"basedon", SP_REFERENCE, "basedOn", NULL, "The order"},
	{"referrer", SP_REFERENCE, "referrer", NULL, "Who asked for it"},
};

static const struct fhir_search_param servicereq_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"code", SP_TOKEN, "code", NULL, "What is ordered: JLAC10 test, imaging procedure (system|code)"},
	{"category", SP_TOKEN, "category", NULL, "Kind of order: laboratory | imaging | ..."},
	{"authored", SP_DATE, "authoredOn", NULL, "When the order was placed"},
	{"status", SP_TOKEN, "status", NULL, "draft | active | on-hold | revoked | completed | ..."},
	{"intent", SP_TOKEN, "intent", NULL, "proposal | plan | order | ..."},
	{"requisition", SP_TOKEN, "requisition", NULL,
	 "Order number shared by the orders of one requisition (system|value)"},
	{"occurrence", SP_DATE, "occurrence", NULL, "When the service is to happen"},
	{"requester", SP_REFERENCE, "requester", NULL, "Who ordered it"},
	{"priority", SP_TOKEN, "priority", NULL, "routine | urgent | asap | stat"},
};

static const struct fhir_search_param nutrition_params[] = {
	P_IDENTIFIER,
	P_PATIENT("patient"),
	P_ENCOUNTER("encounter"),
	{"datetime", SP_DATE, "dateTime", NULL, "When the diet order was placed"},
	{"status", SP_TOKEN, "status", NULL, "draft | active | on-hold | revoked | completed | ..."},
	{"oraldiet", SP_TOKEN, "oralDiet.type", NULL, "Kind of diet (常食, 治療食, ...)"},
	{"provider", SP_REFERENCE, "orderer", NULL, "Who ordered it"},
};

static const struct fhir_search_param coverage_params[] = {
	P_IDENTIFIER,
	P_PATIENT("beneficiary"),
	{"beneficiary", SP_REFERENCE, "beneficiary", NULL, "The insured patient"},
	{"status", SP_TOKEN, "status", NULL, "active | cancelled | draft | entered-in-error"},
	{"type", SP_TOKEN, "type", NULL, "Kind of insurance (医療保険の種別: 国民健康保険, 協会けんぽ, ...)"},
	{"payor", SP_REFERENCE, "payor", NULL, "The insurer (保険者)"},
	{"subscriber", SP_REFERENCE, "subscriber", NULL, "The insured person (被保険者)"},
	{"class-value", SP_STRING, "class.value", NULL, "記号・番号 and other class values"},
};

/* Communication: the care team's timeline (多職種連携). */
static const struct fhir_search_param communication_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"sent", SP_DATE, "sent", NULL, "When it was posted"},
	{"received", SP_DATE, "received", NULL, "When it was received"},
	{"sender", SP_REFERENCE, "sender", NULL, "Who posted it (Practitioner)"},
	{"recipient", SP_REFERENCE, "recipient", NULL, "Whom it names (Practitioner, Organization, CareTeam)"},
	{"status", SP_TOKEN, "status", NULL, "completed | entered-in-error (withdrawn) | ..."},
	{"category", SP_TOKEN, "category", NULL, "Kind of post (連絡, 訪問記録, 報告, ...)"},
	{"priority", SP_TOKEN, "priority", NULL, "routine | urgent | asap | stat"},
	{"part-of", SP_REFERENCE, "partOf", NULL, "What it is part of"},
	{"in-response-to", SP_REFERENCE, "inResponseTo", NULL, "The post it replies to (threads)"},
	{"based-on", SP_REFERENCE, "basedOn", NULL, "What it fulfils"},
};

/* RelatedPerson: the person's family and other contacts, listed by the care team. */
static const struct fhir_search_param relatedperson_params[] = {
	P_IDENTIFIER,
	P_PATIENT("patient"),
	{"name", SP_STRING, "name", NULL, "A part of the contact's name (kanji or kana)"},
	{"relationship", SP_TOKEN, "relationship", NULL, "続柄 or role (長女, キーパーソン, 緊急連絡先, ...)"},
	{"active", SP_TOKEN, "active", NULL, "Whether the contact is still one"},
	{"telecom", SP_TOKEN, "telecom", NULL, "A phone number or address of the contact"},
};

/* CarePlan and Goal: the team's care plan (ケアプラン, collab/careplan.h). */
static const struct fhir_search_param careplan_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"status", SP_TOKEN, "status", NULL, "draft | active | revoked | completed | entered-in-error | ..."},
	{"intent", SP_TOKEN, "intent", NULL, "proposal | plan | order | option"},
	{"category", SP_TOKEN, "category", NULL, "Kind of plan (居宅サービス計画)"},
	{"date", SP_DATE, "period", NULL, "Time period the plan covers"},
	{"goal", SP_REFERENCE, "goal", NULL, "Its goals (長期目標・短期目標)"},
	{"replaces", SP_REFERENCE, "replaces", NULL, "The plan this one replaces"},
};

static const struct fhir_search_param goal_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"lifecycle-status", SP_TOKEN, "lifecycleStatus", NULL, "proposed | active | completed | cancelled | ..."},
	{"category", SP_TOKEN, "category", NULL, "長期目標 | 短期目標 (urn:renkei:CodeSystem:careplan-goal-term)"},
	{"start-date", SP_DATE, "start", NULL, "When the goal starts"},
	{"target-date", SP_DATE, "target.due", NULL, "When the goal is due"},
};

/* Questionnaire: the forms renkei ships, read-only (collab/forms.h). */
static const struct fhir_search_param questionnaire_params[] = {
	{"url", SP_TOKEN, "url", NULL, "Canonical URL of the form"},
	{"name", SP_STRING, "name", NULL, "Name of the form"},
	{"title", SP_STRING, "title", NULL, "Title (フェースシート, 訪問記録, ...)"},
	{"status", SP_TOKEN, "status", NULL, "draft | active | retired | unknown"},
};

/* QuestionnaireResponse: a filled form of the care team (face sheet, visit record). */
static const struct fhir_search_param qresponse_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"questionnaire", SP_TOKEN, "questionnaire", NULL, "The form (its canonical URL)"},
	{"status", SP_TOKEN, "status", NULL, "in-progress | completed | amended | entered-in-error | stopped"},
	{"authored", SP_DATE, "authored", NULL, "When it was written"},
	{"author", SP_REFERENCE, "author", NULL, "Who wrote it (Practitioner)"},
	{"encounter", SP_REFERENCE, "encounter", NULL, "The encounter"},
};

static const struct fhir_search_param specimen_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"type", SP_TOKEN, "type", NULL, "Kind of specimen (血清, 尿, ...: JLAC10 material)"},
	{"collected", SP_DATE, "collection.collected", NULL, "When it was collected"},
	{"accession", SP_TOKEN, "accessionIdentifier", NULL, "Accession number of the laboratory"},
	{"status", SP_TOKEN, "status", NULL, "available | unavailable | unsatisfactory | entered-in-error"},
};

static const struct fhir_search_param docref_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	{"encounter", SP_REFERENCE, "context.encounter", NULL, "The encounter"},
	{"status", SP_TOKEN, "status", NULL, "current | superseded | entered-in-error"},
	{"type", SP_TOKEN, "type", NULL, "Kind of document (診療情報提供書, 退院時サマリー, ...)"},
	{"category", SP_TOKEN, "category", NULL, "Category of document"},
	{"date", SP_DATE, "date", NULL, "When the reference was created"},
	{"period", SP_DATE, "context.period", NULL, "Time of service documented"},
	{"author", SP_REFERENCE, "author", NULL, "Who wrote it"},
	{"custodian", SP_REFERENCE, "custodian", NULL, "Organization that keeps it"},
	{"description", SP_STRING, "description", NULL, "Description"},
	{"contenttype", SP_TOKEN, "content.attachment.contentType", NULL, "MIME type of the content"},
};

static const struct fhir_search_param binary_params[] = {
	{"security-context", SP_REFERENCE, "securityContext", NULL, "The record this is the content of"},
};

static const struct fhir_search_param composition_params[] = {
	P_IDENTIFIER,
	P_PATIENT("subject"),
	P_SUBJECT,
	P_ENCOUNTER("encounter"),
	{"status", SP_TOKEN, "status", NULL, "preliminary | final | amended | entered-in-error"},
	{"type", SP_TOKEN, "type", NULL, "Kind of document"},
	{"category", SP_TOKEN, "category", NULL, "Category of document"},
	{"date", SP_DATE, "date", NULL, "When it was written"},
	{"author", SP_REFERENCE, "author", NULL, "Who wrote it"},
	{"title", SP_STRING, "title", NULL, "Title"},
	{"entry", SP_REFERENCE, "section.entry", NULL, "A record in a section"},
};

#define N(a) (sizeof a / sizeof a[0])

static const struct fhir_resource_def patient = {
	"Patient",
	&fhir_Patient,
	patient_params,
	N(patient_params),
	JP_PROFILE_PATIENT,
	registry_patient_prepare,
	registry_patient_after,
	NULL,
};
static const struct fhir_resource_def organization = {
	"Organization",
	&fhir_Organization,
	organization_params,
	N(organization_params),
	JP_PROFILE_ORGANIZATION,
	registry_organization_prepare,
	registry_organization_after,
	registry_organization_deleted,
};
static const struct fhir_resource_def practitioner = {
	"Practitioner",
	&fhir_Practitioner,
	practitioner_params,
	N(practitioner_params),
	JP_PROFILE_PRACTITIONER,
	registry_practitioner_prepare,
	NULL,
	NULL,
};
static const struct fhir_resource_def consent = {
	"Consent",
	&fhir_Consent,
	consent_params,
	N(consent_params),
	"http://hl7.org/fhir/StructureDefinition/Consent",
	consent_prepare,
	consent_after,
	consent_after_delete,
};
static const struct fhir_resource_def careteam = {
	"CareTeam",
	&fhir_CareTeam,
	careteam_params,
	N(careteam_params),
	"http://hl7.org/fhir/StructureDefinition/CareTeam",
	careteam_prepare,
	careteam_after,
	careteam_after_delete,
};

static const struct fhir_resource_def questionnaire = {
	"Questionnaire",
	&fhir_Questionnaire,
	questionnaire_params,
	N(questionnaire_params),
	"http://hl7.org/fhir/StructureDefinition/Questionnaire",
	forms_questionnaire_prepare,
	NULL,
	NULL,
};
static const struct fhir_resource_def qresponse = {
	"QuestionnaireResponse",
	&fhir_QuestionnaireResponse,
	qresponse_params,
	N(qresponse_params),
	"http://hl7.org/fhir/StructureDefinition/QuestionnaireResponse",
	forms_response_prepare,
	NULL,
	NULL,
};

#define CLINICAL(var, name, params, profile)                                                       \
	static const struct fhir_resource_def var = {name,    &fhir_##var,      params, N(params), \
						     profile, clinical_prepare, NULL,   NULL}
#define JPC(x) "http://jpfhir.jp/fhir/core/StructureDefinition/" x
#define R4(x)  "http://hl7.org/fhir/StructureDefinition/" x
CLINICAL(Encounter, "Encounter", encounter_params, JPC("JP_Encounter"));
CLINICAL(Condition, "Condition", condition_params, JPC("JP_Condition"));
CLINICAL(AllergyIntolerance, "AllergyIntolerance", allergy_params, JPC("JP_AllergyIntolerance"));
CLINICAL(Procedure, "Procedure", procedure_params, JPC("JP_Procedure"));
CLINICAL(MedicationRequest, "MedicationRequest", medreq_params, JPC("JP_MedicationRequest"));
CLINICAL(MedicationAdministration, "MedicationAdministration", medadmin_params, JPC("JP_MedicationAdministration"));
CLINICAL(MedicationDispense, "MedicationDispense", meddisp_params, JPC("JP_MedicationDispense"));
CLINICAL(Immunization, "Immunization", immunization_params, JPC("JP_Immunization"));
CLINICAL(Observation, "Observation", observation_params, JPC("JP_Observation_LabResult"));
CLINICAL(DiagnosticReport, "DiagnosticReport", report_params, JPC("JP_DiagnosticReport_LabResult"));
CLINICAL(ImagingStudy, "ImagingStudy", imaging_params, JPC("JP_ImagingStudy_Radiology"));
CLINICAL(ServiceRequest, "ServiceRequest", servicereq_params, R4("ServiceRequest"));
CLINICAL(NutritionOrder, "NutritionOrder", nutrition_params, R4("NutritionOrder"));
CLINICAL(DocumentReference, "DocumentReference", docref_params, R4("DocumentReference"));
CLINICAL(Binary, "Binary", binary_params, R4("Binary"));
CLINICAL(Composition, "Composition", composition_params, R4("Composition"));
CLINICAL(Coverage, "Coverage", coverage_params, JPC("JP_Coverage"));
CLINICAL(Specimen, "Specimen", specimen_params, JPC("JP_Specimen"));
/* a post's facts for the counts of 担当患者一覧 and the inbox: fhir/timeline.c */
static const struct fhir_resource_def Communication = {
	"Communication",     &fhir_Communication, communication_params, N(communication_params),
	R4("Communication"), clinical_prepare,    timeline_after,       timeline_after_delete,
};

CLINICAL(RelatedPerson, "RelatedPerson", relatedperson_params, R4("RelatedPerson"));
CLINICAL(CarePlan, "CarePlan", careplan_params, R4("CarePlan"));
CLINICAL(Goal, "Goal", goal_params, R4("Goal"));

const struct fhir_resource_def *const fhir_resources[] = {
	&patient,
	&organization,
	&practitioner,
	&consent,
	&careteam,
	&Encounter,
	&Condition,
	&AllergyIntolerance,
	&Procedure,
	&MedicationRequest,
	&MedicationAdministration,
	&MedicationDispense,
	&Immunization,
	&Observation,
	&DiagnosticReport,
	&ImagingStudy,
	&ServiceRequest,
	&NutritionOrder,
	&DocumentReference,
	&Binary,
	&Composition,
	&Coverage,
	&Specimen,
	&Communication,
	&RelatedPerson,
	&CarePlan,
	&Goal,
	&questionnaire,
	&qresponse,
};
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
