/* category.c — categories and the type → category table. */
#include "model/category.h"

#include <string.h>

static const struct category_info cats[CAT_COUNT_] = {
	[CAT_DEMOGRAPHICS] = {"demographics", "患者基本情報", "Demographics"},
	[CAT_ALLERGY] = {"allergy", "アレルギー・薬剤禁忌", "Allergies and contraindications"},
	[CAT_CONDITION] = {"condition", "病名", "Diagnoses"},
	[CAT_MEDICATION] = {"medication", "処方・注射", "Prescriptions and injections"},
	[CAT_LAB] = {"lab", "検査結果", "Laboratory results"},
	[CAT_CLINICAL] = {"clinical", "診療記録", "Clinical records"},
	[CAT_IMAGING] = {"imaging", "画像", "Images"},
	[CAT_DOCUMENT] = {"document", "文書", "Documents"},
	[CAT_COLLAB] = {"collab", "多職種連携", "Care-team collaboration"},
	[CAT_CONSENT] = {"consent", "同意・ケアチーム", "Consent and care team"},
};

const struct category_info *category_info(enum record_category c)
{
	return (unsigned)c < CAT_COUNT_ ? &cats[c] : &cats[CAT_DEMOGRAPHICS];
}

static const struct {
	const char *type;
	enum record_category cat;
} types[] = {
	{"Patient", CAT_DEMOGRAPHICS},
	{"Consent", CAT_CONSENT},
	{"CareTeam", CAT_CONSENT},
	{"AllergyIntolerance", CAT_ALLERGY},
	{"Condition", CAT_CONDITION},
	{"MedicationRequest", CAT_MEDICATION},
	{"MedicationAdministration", CAT_MEDICATION},
	{"MedicationDispense", CAT_MEDICATION},
	{"MedicationStatement", CAT_MEDICATION},
	{"Observation", CAT_LAB},
	{"DiagnosticReport", CAT_LAB},
	{"Encounter", CAT_CLINICAL},
	{"Procedure", CAT_CLINICAL},
	{"Immunization", CAT_CLINICAL},
	{"ServiceRequest", CAT_CLINICAL},
	{"NutritionOrder", CAT_CLINICAL},
	{"Coverage", CAT_CLINICAL}, /* the patient's insurance: as protected as any record of the patient */
	{"Specimen", CAT_LAB},
	{"ImagingStudy", CAT_IMAGING},
	{"DocumentReference", CAT_DOCUMENT},
	{"Composition", CAT_DOCUMENT},
	{"Binary", CAT_DOCUMENT},
	{"Communication", CAT_COLLAB},
	{"CarePlan", CAT_COLLAB},
	{"RelatedPerson", CAT_COLLAB}, /* 家族・連絡先, listed by the care team */
	{"Goal", CAT_COLLAB},
	{"QuestionnaireResponse", CAT_COLLAB}, /* a filled form of the team: face sheet, visit record */
	{"Questionnaire", CAT_NONE},           /* a form renkei ships (data/questionnaires) */
	{"Organization", CAT_NONE},
	{"Practitioner", CAT_NONE},
	{"PractitionerRole", CAT_NONE},
};

enum record_category category_of_type(const char *type, size_t len)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i].type) == len && memcmp(types[i].type, type, len) == 0)
			return types[i].cat;
	return CAT_CLINICAL; /* an unlisted patient type is treated as clinical data: never less protected */
}
