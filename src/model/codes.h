/* codes.h — small lists of the Japanese clinical code systems renkei writes
 * (JP Core v1.1.x systems): medicines (HOT9 + YJ), lab analytes (JLAC10),
 * diagnoses (MEDIS 病名交換用コード + ICD-10), allergens (J-FAGY, YJ), JAMI
 * 標準用法, MERIT-9 units, imaging modalities and document kinds. Data, not
 * logic: the demo generator and the SS-MIX2 generator read the same rows.
 * Every code is a real published code; where its source was found is noted in
 * codes.c. Read-only; thread-safe. */
#ifndef RENKEI_MODEL_CODES_H
#define RENKEI_MODEL_CODES_H

#include <stdbool.h>
#include <stddef.h>

/* ---- code systems (JP Core v1.1.x URIs, see codes.c for the sources; the
 * OIDs SS-MIX2 uses for the same systems are in fhir/jpcore.c) ---- */
#define CODES_HOT9_SYSTEM          "http://medis.or.jp/CodeSystem/master-HOT9"           /* 医薬品 HOT9 */
#define CODES_YJ_SYSTEM            "http://capstandard.jp/iyaku.info/CodeSystem/YJ-code" /* 個別医薬品コード (YJ) */
#define CODES_JLAC10_SYSTEM        "http://medis.or.jp/CodeSystem/master-JLAC10-17digits" /* 臨床検査項目 JLAC10 */
#define CODES_MEDIS_DISEASE_SYSTEM "http://medis.or.jp/CodeSystem/master-disease-exCode" /* MEDIS 病名交換用コード */
#define CODES_ICD10_SYSTEM         "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full" /* ICD-10 (2013), no dot */
#define CODES_JAMI_USAGE_SYSTEM    "http://jami.jp/CodeSystem/MedicationUsage" /* JAMI 標準用法 16 桁 */
#define CODES_JAMI_BASIC_USAGE_SYSTEM \
	"http://jami.jp/CodeSystem/MedicationMethodBasicUsage" /* 基本用法区分: 1 内服, 3 注射 */
#define CODES_JAMI_DETAIL_USAGE_SYSTEM \
	"http://jami.jp/CodeSystem/MedicationMethodDetailUsage" /* 用法詳細区分: 10 経口, 30 静脈注射 */
#define CODES_MERIT9_UNIT_SYSTEM \
	"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationUnitMERIT9Code" /* MERIT-9 医薬品単位 */
#define CODES_MERIT9_CATEGORY_SYSTEM "http://jpfhir.jp/fhir/core/CodeSystem/JP_MedicationCategoryMERIT9_CS"
#define CODES_STRENGTH_TYPE_SYSTEM \
	"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationIngredientStrengthStrengthType" /* 力価区分: 1 製剤量 */
#define CODES_ROUTE_SYSTEM "http://jpfhir.jp/fhir/core/CodeSystem/route-codes"                /* HL7 v2 table 0162 */
#define CODES_JAMI_SITE_SYSTEM \
	"http://jami.jp/CodeSystem/MedicationBodySiteExternal" /* JAMI 外用部位コード: 74L 左上腕 */
#define CODES_RP_NUMBER_SYSTEM   "http://jpfhir.jp/fhir/core/mhlw/IdSystem/Medication-RPGroupNumber" /* 処方の RP 番号 */
#define CODES_JFAGY_FOOD_SYSTEM  "http://jpfhir.jp/fhir/core/CodeSystem/JP_JfagyFoodAllergen_CS"
#define CODES_JFAGY_OTHER_SYSTEM "http://jpfhir.jp/fhir/core/CodeSystem/JP_JfagyNonFoodNonMedicationAllergen_CS"
#define CODES_DOCUMENT_SYSTEM    "http://jpfhir.jp/fhir/core/CodeSystem/JP_DocumentCodes_CS" /* SS-MIX2 標準文書コード */
#define CODES_LOINC_SYSTEM       "http://loinc.org"
#define CODES_DICOM_SYSTEM       "http://dicom.nema.org/resources/ontology/DCM"
#define CODES_UCUM_SYSTEM        "http://unitsofmeasure.org"

enum codes_route { CODES_ORAL, CODES_INJECTION };

/* JAMI 標準用法 (16-digit code) of an oral prescription. */
struct codes_usage {
	const char *key;  /* "morning" */
	const char *code; /* "1011000400000000" */
	const char *ja;   /* "内服・経口・１日１回朝食後" */
	unsigned per_day; /* doses a day */
};

/* A medicine product: one HOT9 (販売名 level) with its YJ code. */
struct codes_medicine {
	const char *key;      /* stable key for generators: "amlodipine" */
	const char *hot9;     /* 9 digits */
	const char *yj;       /* 12 characters */
	const char *name;     /* 販売名 as in the NHI price list: "ノルバスク錠５ｍｇ" */
	const char *generic;  /* 一般名 (成分名): "アムロジピンベシル酸塩" */
	const char *strength; /* 規格単位: "５ｍｇ１錠" */
	enum codes_route route;
	double dose;         /* usual single dose, in unit */
	const char *unit;    /* MERIT-9 unit code: TAB, CAP, AMP, ML, G */
	const char *unit_ja; /* 錠, カプセル, アンプル, mL, g */
	const char *usage;   /* key of the usual codes_usage (oral); NULL for injections */
	unsigned days;       /* usual days of one prescription; 0 = long-term (set by the visit interval) */
};

/* A laboratory analyte with its JCCLS common reference interval. */
struct codes_lab {
	const char *key;                     /* "hba1c" */
	const char *jlac10;                  /* 17 characters */
	const char *ja;                      /* "HbA1c(NGSP)" */
	const char *unit;                    /* as printed on a Japanese report: "mg/dL" */
	const char *ucum;                    /* UCUM code: "mg/dL" */
	double low_m, high_m, low_f, high_f; /* reference interval; high < 0: no upper limit */
	double typical;                      /* a typical healthy adult value */
	double spread;                       /* visit-to-visit variation (one standard deviation) */
	unsigned decimals;                   /* digits after the point on the report */
};

/* A diagnosis: MEDIS 病名交換用コード (NULL where none was confirmed) and ICD-10. */
struct codes_diagnosis {
	const char *key;   /* "hypertension" */
	const char *medis; /* 4 characters, or NULL */
	const char *icd10; /* ICD-10 without the dot: "E119" */
	const char *ja;    /* 標準病名: "２型糖尿病" */
	bool chronic;
};

/* An allergen; medication allergens are coded by YJ code of a product. */
struct codes_allergen {
	const char *key;
	const char *system;
	const char *code;
	const char *ja;
	const char *category; /* food | medication | environment */
	bool high;            /* usually criticality high (薬剤禁忌, anaphylaxis) */
	const char *reaction; /* a typical reaction, Japanese */
};

/* An imaging modality (DICOM) with the SS-MIX2 document code of its report. */
struct codes_modality {
	const char *code;        /* "CT" */
	const char *ja;          /* "CT" */
	const char *report_code; /* SS-MIX2 標準文書コード (LOINC): "18747-6" */
	const char *report_ja;   /* "CT検査報告書" */
};

/* A document kind: SS-MIX2 標準文書コード, which are LOINC codes. */
struct codes_document {
	const char *key;  /* "referral" */
	const char *code; /* "57133-1" */
	const char *ja;   /* "診療情報提供書" */
};

/* A vaccine (HOT9) with the disease it protects against (a codes_diagnoses key). */
struct codes_vaccine {
	const char *key;
	const char *hot9;
	const char *name;
	const char *disease;
};

/* A vital sign (LOINC, as in the FHIR R4 vital-signs profiles). */
struct codes_vital {
	const char *key;
	const char *loinc;
	const char *display; /* LOINC display */
	const char *ja;
	const char *unit;
	const char *ucum;
	unsigned decimals; /* digits after the point as measured: 36.0 ℃, 62.5 kg, 120 mmHg */
};

#define CODES_TABLE(type, name)          \
	extern const struct type name[]; \
	extern const size_t name##_len;  \
	const struct type *name##_find(const char *key) /* NULL when absent */

CODES_TABLE(codes_usage, codes_usages);
CODES_TABLE(codes_medicine, codes_medicines);
CODES_TABLE(codes_lab, codes_labs);
CODES_TABLE(codes_diagnosis, codes_diagnoses);
CODES_TABLE(codes_allergen, codes_allergens);
CODES_TABLE(codes_modality, codes_modalities); /* key: the DICOM code */
CODES_TABLE(codes_document, codes_documents);
CODES_TABLE(codes_vital, codes_vitals);
CODES_TABLE(codes_vaccine, codes_vaccines);

#undef CODES_TABLE

/* The reference interval of a lab for a sex: *high < 0 means none. */
void codes_lab_range(const struct codes_lab *lab, bool male, double *low, double *high);

#endif
