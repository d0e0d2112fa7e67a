// jpcore_bundle.test.mjs — a JP Core transaction Bundle, as a hospital's
// system sends one about its own facility (a patient, the insurance card with
// its payer contained, a visit, a suspected diagnosis, a drug allergy, a blood
// specimen and its HbA1c, a prescription with JP Core's dosage extensions and
// identifiers, under JP Core's code systems), is accepted whole; every
// resource reads back equal in content to what was sent, references resolved,
// decimals with the digits they were written with. Written as raw JSON text:
// JavaScript would drop a decimal's trailing zeros itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, get, post, cleanupStore, BACKEND, LOCAL_SYSTEM, REGION_SYSTEM } from './harness.mjs';

const HOSP = '2011000011';
let S, SYS, DR;

before(async () => {
  S = await startServer();
  SYS = await S.system(HOSP, 'system/*.*');
  DR = await S.login('dr.renkei');
});

after(async () => {
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

const u = () => `urn:uuid:${randomUUID()}`;
const ids = { patient: u(), coverage: u(), encounter: u(), condition: u(), allergy: u(), specimen: u(), observation: u(), request: u(), compound: u() };

// The resources as the hospital's system writes them (references by urn:uuid).
const resources = () => {
  const pat = `{"reference":"${ids.patient}"}`;
  return {
    patient: `{"resourceType":"Patient","meta":{"profile":["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient"]},` +
      `"identifier":[{"system":"${LOCAL_SYSTEM(HOSP)}","value":"00012345"}],` +
      `"name":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation","valueCode":"IDE"}],` +
      `"use":"official","text":"東京 太郎","family":"東京","given":["太郎"]},` +
      `{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation","valueCode":"SYL"}],` +
      `"use":"official","text":"トウキョウ タロウ","family":"トウキョウ","given":["タロウ"]}],` +
      `"telecom":[{"system":"phone","value":"03-4444-5555","use":"home"}],"gender":"male","birthDate":"1949-03-01",` +
      `"address":[{"use":"home","text":"東京都文京区本駒込2-28-16","line":["本駒込2-28-16"],"city":"文京区","state":"東京都","postalCode":"113-0021","country":"JP"}]}`,
    coverage: `{"resourceType":"Coverage","meta":{"profile":["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Coverage"]},` +
      `"contained":[{"resourceType":"Organization","id":"payer","identifier":[{"system":"urn:oid:1.2.392.100495.20.3.61","value":"06139999"}],` +
      `"type":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/organization-type","code":"pay","display":"Payer"}]}],"name":"あじさい健康保険組合"}],` +
      `"extension":[{"url":"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSymbol","valueString":"あいう"},` +
      `{"url":"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber","valueString":"１８７"},` +
      `{"url":"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSubNumber","valueString":"05"}],` +
      `"status":"active","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PUBLICPOL"}]},` +
      `"subscriberId":"あいう:１８７","beneficiary":${pat},"dependent":"05","payor":[{"reference":"#payer"}]}`,
    encounter: `{"resourceType":"Encounter","status":"finished",` +
      `"class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB","display":"ambulatory"},` +
      `"subject":${pat},"period":{"start":"2026-04-01T09:00:00+09:00","end":"2026-04-01T09:30:00+09:00"}}`,
    condition: `{"resourceType":"Condition",` +
      `"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},` +
      `"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"provisional"}]},` +
      `"code":{"coding":[{"system":"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full","code":"E119","display":"2型糖尿病"}],"text":"2型糖尿病の疑い"},` +
      `"subject":${pat},"encounter":{"reference":"${ids.encounter}"},"recordedDate":"2026-04-01"}`,
    allergy: `{"resourceType":"AllergyIntolerance",` +
      `"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},` +
      `"type":"allergy","category":["medication"],"criticality":"high",` +
      `"code":{"coding":[{"system":"http://jpfhir.jp/fhir/core/CodeSystem/JP_JfagyMedicationAllergen_CS","code":"1061000","display":"ペニシリン系抗生物質"}],"text":"ペニシリン"},` +
      `"patient":${pat},"recordedDate":"2026-04-01",` +
      `"reaction":[{"manifestation":[{"text":"アナフィラキシーショック"}],"severity":"severe"}]}`,
    specimen: `{"resourceType":"Specimen","meta":{"profile":["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Specimen_Common"]},` +
      `"accessionIdentifier":{"system":"urn:oid:1.2.392.100495.20.3.999","value":"X352357"},"status":"available",` +
      `"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0487","code":"BLD","display":"Whole blood"}]},` +
      `"subject":${pat},"receivedTime":"2026-04-01T09:05:00+09:00",` +
      `"container":[{"description":"採血管","capacity":{"value":2.0,"unit":"mL"},"specimenQuantity":{"value":1.50,"unit":"mL"}}]}`,
    observation: `{"resourceType":"Observation","meta":{"profile":["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Observation_LabResult"]},"status":"final",` +
      `"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],` +
      `"code":{"coding":[{"system":"http://medis.or.jp/CodeSystem/master-JLAC10-17digits","code":"3D046000001906202","display":"HbA1c"}]},` +
      `"subject":${pat},"encounter":{"reference":"${ids.encounter}"},"effectiveDateTime":"2026-04-01T09:10:00+09:00",` +
      `"valueQuantity":{"value":7.0,"unit":"%","system":"http://unitsofmeasure.org","code":"%"},` +
      `"specimen":{"reference":"${ids.specimen}"},` +
      `"referenceRange":[{"low":{"value":4.60,"unit":"%"},"high":{"value":6.20,"unit":"%"}}]}`,
    request: `{"resourceType":"MedicationRequest","meta":{"profile":["http://jpfhir.jp/fhir/core/StructureDefinition/JP_MedicationRequest"]},` +
      `"identifier":[{"system":"http://jpfhir.jp/fhir/core/mhlw/IdSystem/Medication-RPGroupNumber","value":"1"},` +
      `{"system":"http://jpfhir.jp/fhir/core/mhlw/IdSystem/MedicationAdministrationIndex","value":"1"}],` +
      `"status":"active","intent":"order",` +
      `"medicationCodeableConcept":{"coding":[{"system":"http://medis.or.jp/CodeSystem/master-HOT9","code":"103835401","display":"ムコダイン錠２５０ｍｇ"}]},` +
      `"subject":${pat},"encounter":{"reference":"${ids.encounter}"},"authoredOn":"2026-04-01T09:25:00+09:00",` +
      `"dosageInstruction":[{"extension":[{"url":"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_MedicationDosage_PeriodOfUse","valuePeriod":{"start":"2026-04-01"}},` +
      `{"url":"http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_MedicationDosage_UsageDuration","valueDuration":{"value":7,"unit":"日","system":"http://unitsofmeasure.org","code":"d"}}],` +
      `"text":"内服・経口・１日３回朝昼夕食後","timing":{"code":{"coding":[{"system":"http://jami.jp/CodeSystem/MedicationUsage","code":"1013044400000000","display":"内服・経口・１日３回朝昼夕食後"}]}},` +
      `"route":{"coding":[{"system":"http://jpfhir.jp/fhir/core/CodeSystem/route-codes","code":"PO","display":"口"}]},` +
      `"doseAndRate":[{"type":{"coding":[{"system":"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationIngredientStrengthStrengthType","code":"1","display":"製剤量"}]},` +
      `"doseQuantity":{"value":1,"unit":"錠","system":"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationUnitMERIT9Code","code":"TAB"},` +
      `"rateRatio":{"numerator":{"value":3,"unit":"錠","system":"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationUnitMERIT9Code","code":"TAB"},` +
      `"denominator":{"value":1,"unit":"日","system":"http://unitsofmeasure.org","code":"d"}}}]}],` +
      `"dispenseRequest":{"quantity":{"value":21,"unit":"錠","system":"http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationUnitMERIT9Code","code":"TAB"},` +
      `"expectedSupplyDuration":{"value":7,"unit":"日","system":"http://unitsofmeasure.org","code":"d"}}}`,
    // a hospital's own preparation (院内製剤): the Medication is contained in the prescription that names it
    compound: `{"resourceType":"MedicationRequest","contained":[{"resourceType":"Medication","id":"med1",` +
      `"code":{"coding":[{"system":"urn:oid:1.2.392.100495.20.3.99.12011000011","code":"IN-0042","display":"院内製剤 亜鉛華軟膏"}],"text":"院内製剤 亜鉛華軟膏"},` +
      `"form":{"text":"軟膏"},"ingredient":[{"itemCodeableConcept":{"text":"酸化亜鉛"},"strength":{"numerator":{"value":20.0,"unit":"g"},"denominator":{"value":100,"unit":"g"}}}]}],` +
      `"status":"active","intent":"order","medicationReference":{"reference":"#med1"},` +
      `"subject":${pat},"authoredOn":"2026-04-01T09:26:00+09:00","dosageInstruction":[{"text":"1日2回 患部に塗布"}]}`,
  };
};

// Strip what the server adds (id, meta.versionId/lastUpdated/source, the
// regional patient ID it assigns to a new registration) and compare the rest.
function content(r) {
  const { id, meta, ...rest } = r;
  if (rest.identifier) rest.identifier = rest.identifier.filter((i) => i.system !== REGION_SYSTEM);
  return { ...rest, meta: meta?.profile ? { profile: meta.profile } : undefined };
}

test(`a JP Core transaction Bundle from the hospital's own system is accepted whole (${BACKEND})`, async () => {
  const res = resources();
  const order = ['patient', 'coverage', 'encounter', 'condition', 'allergy', 'specimen', 'observation', 'request', 'compound'];
  const entry = order.map((k) => {
    const type = JSON.parse(res[k]).resourceType;
    return `{"fullUrl":"${ids[k]}","resource":${res[k]},"request":{"method":"POST","url":"${type}"}}`;
  });
  const text = `{"resourceType":"Bundle","type":"transaction","entry":[${entry.join(',')}]}`;
  const r = await post(SYS, '/fhir', text, { headers: { 'Content-Type': 'application/fhir+json' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'transaction-response');
  const at = {};
  r.json.entry.forEach((e, i) => {
    assert.match(e.response.status, /^201/, `${order[i]}: ${JSON.stringify(e.response)}`);
    at[ids[order[i]]] = e.response.location.replace(/\/_history\/.*$/, '');
  });
  // each reads back equal in content, the urn:uuid references resolved to the ids given
  const resolve = (t) => t.replace(/urn:uuid:[0-9a-f-]{36}/g, (m) => at[m]);
  for (const k of order) {
    const back = await get(SYS, `/fhir/${at[ids[k]]}`);
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(content(back.json), content(JSON.parse(resolve(res[k]))), k);
  }
  // the digits as written, on read and on search, for the system and for a doctor of the hospital
  const obs = await get(SYS, `/fhir/${at[ids.observation]}`);
  assert.match(obs.text, /"value":7\.0,"unit":"%"/);
  assert.match(obs.text, /"low":\{"value":4\.60,/);
  const spec = await get(DR, `/fhir/Specimen?patient=${at[ids.patient]}`);
  assert.equal(spec.status, 200, spec.text);
  assert.match(spec.text, /"specimenQuantity":\{"value":1\.50,/);
  const cov = await get(DR, `/fhir/Coverage?beneficiary=${at[ids.patient]}`);
  assert.equal(cov.status, 200, cov.text);
  assert.equal(cov.json.entry?.length, 1, cov.text);
  assert.equal(cov.json.entry[0].resource.contained[0].name, 'あじさい健康保険組合');
  const compound = await get(DR, `/fhir/${at[ids.compound]}`);
  assert.match(compound.text, /"numerator":\{"value":20\.0,"unit":"g"\}/);
});

test('contained resources that name nothing, refer out of the patient, or are records of their own are refused', async () => {
  const r0 = await post(SYS, '/fhir/Patient', JSON.parse(resources().patient.replace('00012345', '00012346')));
  assert.equal(r0.status, 201, r0.text);
  const base = (contained, med = '{"reference":"#med1"}') => ({ resourceType: 'MedicationRequest', contained,
    status: 'active', intent: 'order', medicationReference: JSON.parse(med), subject: { reference: `Patient/${r0.json.id}` } });
  const med = { resourceType: 'Medication', id: 'med1', code: { text: '院内製剤' } };
  const bad = [
    [base([med, { resourceType: 'Medication', id: 'med2', code: { text: '未使用' } }]), /med2|referenced/],
    [base([{ ...med, contained: [med] }]), /dom-2/],
    [base([{ resourceType: 'Patient', id: 'med1' }]), /cannot be contained/],
    [base([{ ...med, meta: { versionId: '1' } }]), /dom-4/],
    [base([med], '{"reference":"#nothing"}'), /names no contained resource/],
    [base([{ resourceType: 'Observation', id: 'med1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/2011100018-K1' } }]), /Patient|patient|not known/],
  ];
  for (const [body, why] of bad) {
    const r = await post(SYS, '/fhir/MedicationRequest', body);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, why);
  }
});
