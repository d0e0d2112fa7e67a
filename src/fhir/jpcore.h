/* jpcore.h — identifier systems, extensions and code systems of JP Core (and
 * the few renkei defines itself), in one place. */
#ifndef RENKEI_FHIR_JPCORE_H
#define RENKEI_FHIR_JPCORE_H

#include "model/codes.h"

/* Local patient ID: this prefix followed by the 10-digit facility code. */
#define JP_LOCAL_PATIENT_SYSTEM_PREFIX "urn:oid:1.2.392.100495.20.3.51.1"
/* 10-digit 医療機関コード of a medical institution, pharmacy or home-nursing station. */
#define JP_FACILITY_CODE_SYSTEM "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no"
/* 10-digit 介護保険事業所番号 of a care office (居宅介護支援事業所 and the like);
 * JP Core names none, so renkei defines one. */
#define RK_CARE_OFFICE_CODE_SYSTEM "urn:renkei:IdSystem:care-office-no"
/* Name representation: valueCode IDE (漢字), SYL (カナ), ABC (ローマ字). */
#define JP_NAME_REPRESENTATION_EXT "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
#define JP_PROFILE_PATIENT         "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient"
#define JP_PROFILE_ORGANIZATION    "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Organization"
#define JP_PROFILE_PRACTITIONER    "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Practitioner"
/* Kind of participating facility (病院, 診療所, 薬局, ...): renkei's code system. */
#define RK_FACILITY_KIND_SYSTEM "urn:renkei:CodeSystem:facility-kind"
/* Kind of consent (個別同意 / 包括同意 / 拒否): renkei's code system on Consent.category. */
#define RK_CONSENT_KIND_SYSTEM "urn:renkei:CodeSystem:consent-kind"
/* Consent.provision.actor roles: the disclosing (custodian) and the viewing facility. */
#define V3_PARTICIPATION_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
#define CONSENT_ROLE_SOURCE     "CST"
#define CONSENT_ROLE_VIEWER     "IRCP"
/* Staff ID within a facility: this prefix followed by the facility code (JP Core). */
#define JP_STAFF_ID_SYSTEM_PREFIX "urn:oid:1.2.392.100495.20.3.41.1"
/* 医籍登録番号 (medical registration number). */
#define JP_MEDICAL_REGISTRATION_SYSTEM "http://jpfhir.jp/fhir/core/mhlw/IdSystem/medicalRegistrationNumber"

/* Japanese code systems, by their JP Core v1.1.x URIs. SS-MIX2 storages and
 * older JP Core versions name the same systems by OID; jp_system_uri() maps
 * those to the URI, and the search index and the shape check take both. */
#define JP_HOT9_SYSTEM          CODES_HOT9_SYSTEM                           /* 医薬品 HOT9: 9 digits */
#define JP_HOT7_SYSTEM          "http://medis.or.jp/CodeSystem/master-HOT7" /* 医薬品処方用番号 HOT7: 7 digits */
#define JP_HOT13_SYSTEM         "http://medis.or.jp/CodeSystem/master-HOT13" /* 医薬品基準番号 HOT13: 13 digits */
#define JP_YJ_SYSTEM            CODES_YJ_SYSTEM                              /* 個別医薬品コード (YJ): 12 */
#define JP_GENERIC_NAME_SYSTEM  "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationGeneralOrderCode" /* 一般名: 12 */
#define JP_JLAC10_SYSTEM        CODES_JLAC10_SYSTEM        /* 臨床検査 JLAC10: 17 */
#define JP_MEDIS_DISEASE_SYSTEM CODES_MEDIS_DISEASE_SYSTEM /* MEDIS 病名交換用コード: 4 */
#define JP_MEDIS_MGMT_SYSTEM    "http://medis.or.jp/CodeSystem/master-disease-keyNumber" /* MEDIS 病名管理番号: 8 */
#define JP_ICD10_SYSTEM         CODES_ICD10_SYSTEM                                       /* no dot: E119 */
/* JP Core identifier systems that are fixed values in its profiles. */
#define JP_RP_NUMBER_SYSTEM      CODES_RP_NUMBER_SYSTEM
#define JP_ORDER_IN_RP_SYSTEM    "http://jpfhir.jp/fhir/core/mhlw/IdSystem/MedicationAdministrationIndex"
#define JP_INSURER_NUMBER_SYSTEM "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber"

#include <stdbool.h>

#include "core/str.h"

/* Does code have the shape its code system prescribes? True for systems
 * without a known shape. *what (when false) names the expected shape. */
bool jp_code_shape_ok(struct str system, struct str code, const char **what);

/* The JP Core URI of a code or identifier system that system names by its
 * OID ("urn:oid:1.2.392.200119.4.504" → the JLAC10 URI), else NULL. */
const char *jp_system_uri(struct str system);

/* system itself, or its JP Core URI when it is an OID alias of one. */
struct str jp_system_canonical(struct str system);

#endif
