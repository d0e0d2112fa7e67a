-- 0010_jpcore_uris.sql — JP Core v1.1.x names its Japanese code and identifier
-- systems by URI (http://medis.or.jp/CodeSystem/master-HOT9, ...), where
-- renkei wrote OIDs before. Records keep the system as they were sent; the
-- search index keeps the URI for either form (fhir/index.c, fhir/jpcore.c),
-- so index rows written under the OIDs move to the URIs here.
UPDATE idx_token SET system = 'http://medis.or.jp/CodeSystem/master-HOT9' WHERE system = 'urn:oid:1.2.392.200119.4.403.1';
UPDATE idx_token SET system = 'http://medis.or.jp/CodeSystem/master-HOT7' WHERE system = 'urn:oid:1.2.392.200119.4.403.2';
UPDATE idx_token SET system = 'http://medis.or.jp/CodeSystem/master-HOT13' WHERE system = 'urn:oid:1.2.392.200119.4.402.1';
UPDATE idx_token SET system = 'http://capstandard.jp/iyaku.info/CodeSystem/YJ-code' WHERE system = 'urn:oid:1.2.392.100495.20.1.73';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationGeneralOrderCode' WHERE system IN ('urn:oid:1.2.392.100495.20.1.81', 'urn:oid:1.2.392.100495.20.2.81');
UPDATE idx_token SET system = 'http://medis.or.jp/CodeSystem/master-JLAC10-17digits' WHERE system = 'urn:oid:1.2.392.200119.4.504';
UPDATE idx_token SET system = 'http://medis.or.jp/CodeSystem/master-disease-exCode' WHERE system = 'urn:oid:1.2.392.200119.4.101.6';
UPDATE idx_token SET system = 'http://medis.or.jp/CodeSystem/master-disease-keyNumber' WHERE system = 'urn:oid:1.2.392.200119.4.101.2';
UPDATE idx_token SET system = 'http://jami.jp/CodeSystem/MedicationUsage' WHERE system IN ('urn:oid:1.2.392.200250.2.2.20', 'urn:oid:1.2.392.200250.2.2.20.20');
UPDATE idx_token SET system = 'http://jami.jp/CodeSystem/MedicationMethodBasicUsage' WHERE system = 'urn:oid:1.2.392.200250.2.2.20.30';
UPDATE idx_token SET system = 'http://jami.jp/CodeSystem/MedicationMethodDetailUsage' WHERE system = 'urn:oid:1.2.392.200250.2.2.20.40';
UPDATE idx_token SET system = 'http://jami.jp/CodeSystem/MedicationBodySiteExternal' WHERE system = 'urn:oid:1.2.392.200250.2.2.20.32';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationUnitMERIT9Code' WHERE system = 'urn:oid:1.2.392.100495.20.2.101';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationIngredientStrengthStrengthType' WHERE system = 'urn:oid:1.2.392.100495.20.2.22';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/IdSystem/Medication-RPGroupNumber' WHERE system = 'urn:oid:1.2.392.100495.20.3.81';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/IdSystem/MedicationAdministrationIndex' WHERE system = 'urn:oid:1.2.392.100495.20.3.82';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber' WHERE system = 'urn:oid:1.2.392.100495.20.3.61';
UPDATE idx_token SET system = 'http://jpfhir.jp/fhir/core/mhlw/IdSystem/medicalRegistrationNumber' WHERE system = 'urn:oid:1.2.392.100495.20.3.31';
