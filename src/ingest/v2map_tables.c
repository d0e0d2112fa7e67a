/* v2map_tables.c — the tables of the SS-MIX2 → FHIR mapping (v2map_tables.h):
 * data types and their message types, ADT events, coding systems, and the
 * HL7 value tables. Sources: SS-MIX2 標準化ストレージ 仕様書 (data types and
 * message types), JAMI "SS-MIX2 to FHIR" mapping guide (ConceptMaps of HL7
 * tables 0001, 0003, 0004, 0127, 0128, 0201, 0465), JP Core v1.1 (systems). */
#include "ingest/v2map_tables.h"

#include <string.h>

#include "fhir/jpcore.h"
#include "model/codes.h"

/* {data type, accepted MSH-9, mapper, no_date, injection, category, doc} */
const struct v2map_kind v2map_kinds[] = {
	{"ADT-00", "ADT^A08 ADT^A28 ADT^A31", V2M_PATIENT, true, false, NULL, "患者基本情報"},
	{"ADT-12", "ADT^A04 ADT^A11", V2M_ENCOUNTER, false, false, NULL, "外来診察受付"},
	{"ADT-21", "ADT^A14 ADT^A27", V2M_ENCOUNTER, false, false, NULL, "入院予定"},
	{"ADT-22", "ADT^A01 ADT^A11", V2M_ENCOUNTER, false, false, NULL, "入院実施"},
	{"ADT-31", "ADT^A21 ADT^A52", V2M_ENCOUNTER, false, false, NULL, "外出泊実施"},
	{"ADT-32", "ADT^A22 ADT^A53", V2M_ENCOUNTER, false, false, NULL, "外出泊帰院実施"},
	{"ADT-41", "ADT^A15 ADT^A26", V2M_ENCOUNTER, false, false, NULL, "転科・転棟予定"},
	{"ADT-42", "ADT^A02 ADT^A12", V2M_ENCOUNTER, false, false, NULL, "転科・転棟実施"},
	{"ADT-51", "ADT^A16 ADT^A25", V2M_ENCOUNTER, false, false, NULL, "退院予定"},
	{"ADT-52", "ADT^A03 ADT^A13", V2M_ENCOUNTER, false, false, NULL, "退院実施"},
	{"ADT-61", "ADT^A60", V2M_ALLERGY, true, false, NULL, "アレルギー情報"},
	{"PPR-01", "PPR^ZD1 PPR^PC1 PPR^PC2 PPR^PC3", V2M_CONDITION, true, false, NULL, "病名（歴）情報"},
	{"OMP-01", "RDE^O11", V2M_MED_ORDER, false, false, NULL, "処方オーダ"},
	{"OMP-02", "RDE^O11", V2M_MED_ORDER, false, true, NULL, "注射オーダ"},
	{"OMP-11", "RAS^O17", V2M_MED_ADMIN, false, false, NULL, "処方実施通知"},
	{"OMP-12", "RAS^O17", V2M_MED_ADMIN, false, true, NULL, "注射実施"},
	{"OML-01", "OML^O33", V2M_LAB_ORDER, false, false, "検体検査", "検体検査オーダ"},
	{"OML-11", "OUL^R22", V2M_LAB_RESULT, false, false, "検体検査", "検体検査結果"},
	{"OMG-01", "OMG^O19", V2M_EXAM_ORDER, false, false, "放射線検査", "放射線検査オーダ"},
	{"OMG-02", "OMG^O19", V2M_EXAM_ORDER, false, false, "内視鏡検査", "内視鏡検査オーダ"},
	{"OMG-03", "OMG^O19", V2M_EXAM_ORDER, false, false, "生理検査", "生理検査オーダ"},
	{"OMG-11", "OMI^Z23", V2M_EXAM_DONE, false, false, "放射線検査", "放射線検査実施"},
	{"OMG-12", "OMI^Z23", V2M_EXAM_DONE, false, false, "内視鏡検査", "内視鏡検査実施"},
	{"OMG-13", "ORU^R01", V2M_EXAM_RESULT, false, false, "生理検査", "生理検査結果"},
	{"OMD", "OMD^O03", V2M_DIET, false, false, NULL, "食事オーダ"},
};
const size_t v2map_kinds_len = sizeof v2map_kinds / sizeof v2map_kinds[0];

const char *const v2map_kind_names[] = {
	"ADT-00", "ADT-12", "ADT-21", "ADT-22", "ADT-31", "ADT-32", "ADT-41", "ADT-42", "ADT-51",
	"ADT-52", "ADT-61", "PPR-01", "OMP-01", "OMP-02", "OMP-11", "OMP-12", "OML-01", "OML-11",
	"OMG-01", "OMG-02", "OMG-03", "OMG-11", "OMG-12", "OMG-13", "OMD",
};
_Static_assert(sizeof v2map_kind_names / sizeof v2map_kind_names[0] == sizeof v2map_kinds / sizeof v2map_kinds[0],
	       "one name per data type");

const struct v2map_kind *v2map_kind_find(struct str data_type)
{
	for (size_t i = 0; i < v2map_kinds_len; i++)
		if (str_eq_c(data_type, v2map_kinds[i].data_type))
			return &v2map_kinds[i];
	return NULL;
}

/* JAMI ConceptMaps v2-0003 → EncounterStatus / EncounterLocationStatus. */
static const struct v2map_event events[] = {
	{"A04", "arrived", "active", "外来受付"},
	{"A14", "planned", "planned", "入院予定"},
	{"A27", "cancelled", NULL, "入院予定の取消"},
	{"A01", "arrived", "active", "入院実施"},
	{"A11", "cancelled", NULL, "入院実施の取消"},
	{"A21", "onleave", "reserved", "外出泊実施"},
	{"A52", "in-progress", "active", "外出泊実施の取消"},
	{"A22", "in-progress", "active", "外出泊帰院実施"},
	{"A53", "onleave", "reserved", "外出泊帰院実施の取消"},
	{"A15", "in-progress", "planned", "転科・転棟予定"},
	{"A26", "in-progress", "active", "転科・転棟予定の取消"},
	{"A02", "in-progress", "active", "転科・転棟実施"},
	{"A12", "in-progress", "active", "転科・転棟実施の取消"},
	{"A16", "in-progress", "active", "退院予定"},
	{"A25", "in-progress", "active", "退院予定の取消"},
	{"A03", "finished", "completed", "退院実施"},
	{"A13", "in-progress", "active", "退院実施の取消"},
};

const struct v2map_event *v2map_event_find(struct str event)
{
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		if (str_eq_c(event, events[i].event))
			return &events[i];
	return NULL;
}

/* Coding systems (CWE-3) named by SS-MIX2 and their JP Core URIs. Names not
 * listed become urn:renkei:CodeSystem:v2:<name> (local "99..." tables are the
 * facility's own, see v2map.c). MDCDX2 is resolved in v2map.c (交換用コード
 * vs 病名管理番号), and so is plain "HOT" (HOT7, HOT9 or HOT13 by length). */
static const struct v2map_system systems[] = {
	{"HOT9", JP_HOT9_SYSTEM, "HOT9"},
	{"HOT7", JP_HOT7_SYSTEM, "HOT7"},
	{"HOT13", JP_HOT13_SYSTEM, "HOT13"},
	{"YJ", JP_YJ_SYSTEM, "YJ"},
	/* 一般名処方マスタ (厚労省): no SS-MIX2 table names it; renkei takes these two */
	{"IPPAN", JP_GENERIC_NAME_SYSTEM, "一般名"},
	{"MHLWGN", JP_GENERIC_NAME_SYSTEM, "一般名"},
	{"JC10", JP_JLAC10_SYSTEM, "JLAC10"},
	{"I10", JP_ICD10_SYSTEM, "ICD-10"},
	{"JAMISDP01", CODES_JAMI_USAGE_SYSTEM, "JAMI 標準用法"},
	{"MR9P", CODES_MERIT9_UNIT_SYSTEM, "MERIT-9 単位"},
	{"ISO+", CODES_UCUM_SYSTEM, "UCUM"},
	{"HL70162", CODES_ROUTE_SYSTEM, "投与経路"},
	{"DCM", CODES_DICOM_SYSTEM, "DICOM"},
	{"LN", CODES_LOINC_SYSTEM, "LOINC"},
};

const struct v2map_system *v2map_system_find(struct str v2name)
{
	for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++)
		if (str_eq_c(v2name, systems[i].v2))
			return &systems[i];
	return NULL;
}

const struct v2map_code *v2map_code_find(const struct v2map_code *t, struct str s)
{
	for (; t->from; t++)
		if (str_eq_c(s, t->from))
			return t;
	return NULL;
}

const struct v2map_code v2map_gender[] = {
	{"M", "male", NULL},    {"F", "female", NULL},  {"O", "other", NULL}, {"A", "other", NULL},
	{"U", "unknown", NULL}, {"N", "unknown", NULL}, {NULL, NULL, NULL},
};

const struct v2map_code v2map_patient_class[] = {
	{"I", "IMP", "inpatient encounter"},
	{"O", "AMB", "ambulatory"},
	{"E", "EMER", "emergency"},
	{"P", "PRENC", "pre-admission"},
	{"R", "AMB", "ambulatory"},          /* recurring patient: a series of visits */
	{"B", "IMP", "inpatient encounter"}, /* obstetrics: a stay for a delivery */
	{NULL, NULL, NULL},
};

/* HL7 0127 (JAHIS: DA 薬剤, FA 食物, EA 環境, LA 花粉, AA 動物, PA 植物, MA その他). */
const struct v2map_code v2map_allergy_cat[] = {
	{"DA", "medication", "薬剤アレルギー"},
	{"FA", "food", "食物アレルギー"},
	{"EA", "environment", "環境アレルギー"},
	{"LA", "environment", "花粉アレルギー"},
	{"AA", "environment", "動物アレルギー"},
	{"PA", "environment", "植物アレルギー"},
	{NULL, NULL, NULL},
};

const struct v2map_code v2map_severity[] = {
	{"SV", "severe", "重度"},
	{"MO", "moderate", "中等度"},
	{"MI", "mild", "軽度"},
	{NULL, NULL, NULL},
};

/* HL7 0078 abnormal flags → v3-ObservationInterpretation. */
const struct v2map_code v2map_interpretation[] = {
	{"H", "H", "High"},
	{"L", "L", "Low"},
	{"HH", "HH", "Critical high"},
	{"LL", "LL", "Critical low"},
	{"N", "N", "Normal"},
	{"A", "A", "Abnormal"},
	{"AA", "AA", "Critical abnormal"},
	{">", "H", "High"},
	{"<", "L", "Low"},
	{"U", "U", "Significant change up"},
	{"D", "D", "Significant change down"},
	{NULL, NULL, NULL},
};

const struct v2map_code v2map_obs_status[] = {
	{"F", "final", NULL},
	{"C", "corrected", NULL},
	{"P", "preliminary", NULL},
	{"R", "preliminary", NULL},
	{"I", "registered", NULL},
	{"O", "registered", NULL},
	{"S", "preliminary", NULL},
	{"X", "cancelled", NULL},
	{"D", "entered-in-error", NULL},
	{"W", "entered-in-error", NULL},
	{NULL, NULL, NULL},
};

const struct v2map_code v2map_report_status[] = {
	{"F", "final", NULL},      {"C", "corrected", NULL},  {"P", "preliminary", NULL}, {"R", "preliminary", NULL},
	{"I", "registered", NULL}, {"O", "registered", NULL}, {"S", "partial", NULL},     {"A", "partial", NULL},
	{"X", "cancelled", NULL},  {NULL, NULL, NULL},
};

/* HL7 0322 completion status. */
const struct v2map_code v2map_admin_status[] = {
	{"CP", "completed", NULL}, {"PA", "in-progress", NULL}, {"NA", "not-done", NULL},
	{"RE", "not-done", NULL},  {NULL, NULL, NULL},
};

const struct v2map_code v2map_telecom_use[] = {
	{"PRN", "home", NULL}, {"ORN", "home", NULL}, {"VHN", "home", NULL},
	{"WPN", "work", NULL}, {"ASN", "temp", NULL}, {NULL, NULL, NULL},
};

/* HL7 0465 name/address representation: I 漢字, P カナ, A ローマ字. */
const struct v2map_code v2map_name_rep[] = {
	{"I", "IDE", NULL},
	{"P", "SYL", NULL},
	{"A", "ABC", NULL},
	{NULL, NULL, NULL},
};

const struct v2map_code v2map_priority[] = {
	{"R", "routine", NULL}, {"S", "stat", NULL},   {"A", "asap", NULL},
	{"P", "routine", NULL}, {"T", "urgent", NULL}, {NULL, NULL, NULL},
};

/* HL7 0241 patient outcome → clinical status. */
const struct v2map_code v2map_outcome[] = {
	{"F", "resolved", "回復"}, {"R", "active", "回復中"},       {"N", "active", "回復せず"},
	{"W", "active", "悪化"},   {"S", "inactive", "後遺症あり"}, {"D", "active", "死亡"},
	{NULL, NULL, NULL},
};

bool v2map_control_cancels(struct str control)
{
	static const char *const cancels[] = {"CA", "DC", "OC", "OD", "CR", "DR"};
	for (size_t i = 0; i < sizeof cancels / sizeof cancels[0]; i++)
		if (str_eq_c(control, cancels[i]))
			return true;
	return false;
}
