// fixture.mjs — the clinical record the UI tests click through, written over
// the FHIR API by the facilities' own systems: one person (連携 花子) registered
// at the general hospital, at あずみの中央病院 (the viewer's facility) and at a
// clinic. The hospital consents to disclose to あずみの; the clinic does not.
// Dates are relative to today, so "current medicines" stay current.
import assert from 'node:assert/strict';
import { post, put, patient } from '../integration/harness.mjs';

export const HOSP = '2011000011';   // 信州れんけい総合病院: disclosed to AZUMINO under consent
export const AZUMINO = '2011000029'; // あずみの中央病院: the viewer's own facility
export const CLINIC = '2011100018'; // やまびこ内科クリニック: no consent for AZUMINO
export const NAMES = { [HOSP]: '信州れんけい総合病院', [AZUMINO]: 'あずみの中央病院', [CLINIC]: 'やまびこ内科クリニック' };

const JLAC10 = 'urn:oid:1.2.392.200119.4.504';
const HOT9 = 'urn:oid:1.2.392.200119.4.403.1';
const ICD10 = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full'; // JP Core, no dot
const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
const cc = (system, code, display) => ({ coding: [{ system, code, display }], text: display });
const ref = (type, id) => ({ reference: `${type}/${id}` });
const org = (code) => ({ reference: `Organization/org-${code}` });

/** YYYY-MM-DD, `days` from today. */
export function day(days) {
  return new Date(Date.now() + days * 86400e3 + 9 * 3600e3).toISOString().slice(0, 10);
}
const at = (days, time = '09:00') => `${day(days)}T${time}:00+09:00`;

function lab(subject, code, name, value, unit, low, high, when) {
  const n = Number(String(value).replaceAll('@', ''));
  const flag = n > high ? 'H' : n < low ? 'L' : 'N';
  return {
    resourceType: 'Observation', status: 'final', category: [cc(OBS, 'laboratory', '検体検査')],
    code: cc(JLAC10, code, name), subject: ref('Patient', subject), effectiveDateTime: when,
    valueQuantity: { value, ...(unit && { unit, system: 'http://unitsofmeasure.org', code: unit }) },
    interpretation: [cc('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', flag, flag)],
    referenceRange: [{ low: { value: low, ...(unit && { unit }) }, high: { value: high, ...(unit && { unit }) } }],
  };
}

function rx(subject, code, name, text, authored, start, end, status = 'active', category = '院外処方', fac = null, { dose, days, total } = {}) {
  return {
    resourceType: 'MedicationRequest', status, intent: 'order',
    category: [cc('http://terminology.hl7.org/CodeSystem/medicationrequest-category', category === '注射' ? 'inpatient' : 'outpatient', category)],
    medicationCodeableConcept: cc(HOT9, code, name), subject: ref('Patient', subject), authoredOn: authored,
    ...(fac && { requester: org(fac) }),
    dosageInstruction: [{ text, timing: { repeat: { boundsPeriod: { start, end } } },
      ...(dose && { doseAndRate: [{ doseQuantity: { value: dose[0], unit: dose[1] } }] }) }],
    ...((days || total) && { dispenseRequest: { ...(days && { expectedSupplyDuration: { value: days, unit: '日', system: 'http://unitsofmeasure.org', code: 'd' } }),
      ...(total && { quantity: { value: total[0], unit: total[1] } }) } }),
  };
}

/** The hospital's record (visible to AZUMINO under consent). Returns resource bodies; the Binary is separate. */
export function hospitalRecords(P) {
  return [
    { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: '入院' },
      subject: ref('Patient', P), period: { start: at(-200, '10:00'), end: at(-190, '11:00') }, serviceProvider: org(HOSP) },
    { resourceType: 'Condition', clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'active'),
      code: { coding: [{ system: ICD10, code: 'E119', display: '２型糖尿病' }], text: '２型糖尿病' },
      subject: ref('Patient', P), onsetDateTime: '2019-05-01', recordedDate: day(-200) },
    { resourceType: 'Condition', clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'resolved', 'resolved'),
      code: cc(ICD10, 'J189', '肺炎'), subject: ref('Patient', P), onsetDateTime: day(-201), abatementDateTime: day(-190) },
    { resourceType: 'AllergyIntolerance', clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'active'),
      type: 'allergy', category: ['medication'], criticality: 'high', code: cc(HOT9, '100795402', 'ペニシリン系抗菌薬'),
      patient: ref('Patient', P), recordedDate: '2020-03-03',
      reaction: [{ manifestation: [cc('http://snomed.info/sct', '39579001', 'アナフィラキシー')], severity: 'severe' }] },
    { resourceType: 'AllergyIntolerance', clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'active'),
      type: 'allergy', category: ['food'], criticality: 'low', code: cc('urn:oid:1.2.392.200119.4.901', 'J7F1', '鶏卵'),
      patient: ref('Patient', P), recordedDate: '2021-07-01', reaction: [{ manifestation: [cc('http://snomed.info/sct', '126485001', '蕁麻疹')] }] },
    rx(P, '103835401', 'メトホルミン塩酸塩錠２５０ｍｇ', '1回1錠 1日2回 朝夕食後', day(-20), day(-20), day(69), 'active', '院外処方', HOSP,
      { dose: [1, '錠'], days: 90, total: [180, '錠'] }),
    rx(P, '107983601', 'セフトリアキソンナトリウム静注用１ｇ', '1日1回 点滴静注', day(-200), day(-200), day(-193), 'completed', '注射'),
    ...[[8.9, -300], [8.1, -200], [7.4, -110], [6.8, -20]].map(([v, d]) => lab(P, '3D046000001920402', 'HbA1c(NGSP)', v, '%', 4.6, 6.2, at(d))),
    ...[[52, -200], [49, -110], [47, -20]].map(([v, d]) => lab(P, '3C035000002327201', 'eGFR', v, 'mL/min/1.73m2', 60, 120, at(d))),
    { resourceType: 'ImagingStudy', status: 'available', subject: ref('Patient', P), started: at(-199, '14:00'),
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }], numberOfSeries: 1, numberOfInstances: 120,
      series: [{ uid: '1.2.392.200036.9116.2.6.1.48.1214834839.1.2', number: 1, modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
        description: '胸部単純CT', numberOfInstances: 120, bodySite: { system: 'http://snomed.info/sct', code: '51185008', display: '胸部' } }] },
  ];
}

/** The viewer's own facility's visit five days ago, with a note (its reason and narrative). */
export const VISIT_NOTE = '血圧やや高め。減塩指導。';
export function azuminoVisit(P) {
  return { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: '外来' },
    subject: ref('Patient', P), period: { start: at(-5, '10:00'), end: at(-5, '10:20') }, reasonCode: [{ text: '高血圧・糖尿病の定期受診' }],
    text: { status: 'additional', div: `<div xmlns="http://www.w3.org/1999/xhtml">${VISIT_NOTE}</div>` } };
}

/**
 * The records of that visit (E: its Encounter id). Decimals written as the
 * hospital's system wrote them ("7.0", "1.00"): the bodies are sent as text.
 */
export function azuminoRecords(P, E) {
  const enc = { encounter: ref('Encounter', E) };
  const vital = (code, display, extra) => ({ resourceType: 'Observation', status: 'final', category: [cc(OBS, 'vital-signs', 'バイタル')],
    code: { coding: [{ system: 'http://loinc.org', code, display }], text: display }, subject: ref('Patient', P), effectiveDateTime: at(-5, '10:05'), ...enc, ...extra });
  const mmHg = (v) => ({ value: v, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });
  return [
    { ...rx(P, '114921301', 'アムロジピン錠５ｍｇ', '1日1回 朝食後', day(-5), day(-5), day(24), 'active', '院外処方', AZUMINO, { dose: [1, '錠'], days: 30 }), ...enc },
    { ...lab(P, '3D046000001920402', 'HbA1c(NGSP)', '@7.0@', '%', 4.6, 6.2, at(-5, '10:10')), ...enc, interpretation: [cc('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'H', 'H')] },
    { ...lab(P, '2B030000002227101', 'PT-INR', '@1.00@', '', 0.85, 1.15, at(-5, '10:10')), ...enc, interpretation: [cc('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'N', 'N')] },
    { ...lab(P, '2A010000001930101', '白血球数', 8.3, '10^3/μL', 3.3, 8.6, at(-5, '10:10')), ...enc },
    vital('85354-9', '血圧', { component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: '収縮期血圧' }], text: '収縮期血圧' }, valueQuantity: mmHg(136) },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: '拡張期血圧' }], text: '拡張期血圧' }, valueQuantity: mmHg(75) }] }),
  ];
}

/** A body as JSON text in which "@7.0@" stands for the number 7.0, written as is. */
export function exactJSON(body) {
  return JSON.stringify(body).replace(/"@(-?\d+(?:\.\d+)?)@"/g, '$1');
}

/** The clinic's record: nothing of it may reach a viewer at AZUMINO. */
export const CLINIC_SECRETS = ['やまびこ内科クリニック', '逆流性食道炎', 'ランソプラゾール', 'LDLコレステロール', '紹介状の秘密本文', 'K77XYZ', CLINIC];
export function clinicRecords(P) {
  return [
    { resourceType: 'Condition', clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'active'),
      code: cc(ICD10, 'K210', '逆流性食道炎'), subject: ref('Patient', P), onsetDateTime: day(-60) },
    rx(P, '112298501', 'ランソプラゾールＯＤ錠１５ｍｇ', '1回1錠 1日1回 朝食前', day(-30), day(-30), day(60), 'active', '院外処方', CLINIC),
    ...[[162, -60], [141, -30]].map(([v, d]) => lab(P, '3F077000002327101', 'LDLコレステロール', v, 'mg/dL', 70, 139, at(d))),
  ];
}

const text = (s) => Buffer.from(s).toString('base64');

/** A document with its content in a Binary, written by `who` for registration P. */
async function documentWithBinary(who, P, fac, binId, typeText, title, body, days) {
  const doc = await post(who, '/fhir/DocumentReference', { resourceType: 'DocumentReference', status: 'current',
    type: cc('http://loinc.org', typeText === '退院時サマリー' ? '18842-5' : '57133-1', typeText), subject: ref('Patient', P), date: at(days, '12:00'),
    author: [org(fac)], custodian: org(fac), description: title,
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', url: `Binary/${binId}`, title } }] });
  assert.equal(doc.status, 201, doc.text);
  const bin = await put(who, `/fhir/Binary/${binId}`, { resourceType: 'Binary', id: binId, contentType: 'text/plain; charset=utf-8',
    securityContext: ref('DocumentReference', doc.json.id), data: text(body) });
  assert.ok(bin.status === 201 || bin.status === 200, bin.text);
}

export const SUMMARY_TEXT = '退院時サマリー：肺炎にて入院。セフトリアキソンで軽快し退院。ペニシリン系抗菌薬は禁忌。';

async function createAll(who, list) {
  for (const body of list) {
    const r = await post(who, `/fhir/${body.resourceType}`, exactJSON(body), { headers: { 'Content-Type': 'application/fhir+json' } });
    assert.equal(r.status, 201, `${body.resourceType}: ${r.text}`);
  }
}

function consent(patientId, source, viewer) {
  const role = (code) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }] });
  return {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'individual' }] }],
    patient: { reference: `Patient/${patientId}` }, dateTime: day(-250),
    provision: { type: 'permit', actor: [{ role: role('CST'), reference: org(source) }, { role: role('IRCP'), reference: org(viewer) }] },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書（スキャン）', data: text('%PDF-1.4 synthetic') },
  };
}

/**
 * Write the person and their records. systems: { [facility code]: client with
 * system/*.* }; recorder: a logged-in staff member of HOSP who records the
 * consent. Returns the Patient ids and the regional ID.
 */
export async function writeFixture(systems, recorder) {
  const person = { family: '連携', given: '花子', familyKana: 'レンケイ', givenKana: 'ハナコ', gender: 'female', birthDate: '1948-06-15' };
  const rid = (p) => p.identifier.find((i) => i.system === 'urn:renkei:regional-patient-id').value;
  const reg = async (code, local) => {
    const r = await post(systems[code], '/fhir/Patient', patient(code, local, person));
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  // three facilities register the person; the operator links the registrations
  const h = await reg(HOSP, 'H0012345');
  const regional = rid(h);
  const a = await reg(AZUMINO, 'A-3321');
  const c = await reg(CLINIC, 'K77XYZ');
  await recorder.server.link(regional, rid(a), rid(c));
  await createAll(systems[HOSP], hospitalRecords(h.id));
  await documentWithBinary(systems[HOSP], h.id, HOSP, `${HOSP}-ui-summary-1`, '退院時サマリー', '退院時サマリー（肺炎）', SUMMARY_TEXT, -190);
  const visit = await post(systems[AZUMINO], '/fhir/Encounter', azuminoVisit(a.id));
  assert.equal(visit.status, 201, visit.text);
  await createAll(systems[AZUMINO], azuminoRecords(a.id, visit.json.id));
  // another person at あずみの, whose local ID the hospital's system pads with zeros
  const other = await post(systems[AZUMINO], '/fhir/Patient', patient(AZUMINO, '0000123',
    { family: '和暦', given: '次郎', familyKana: 'ワレキ', givenKana: 'ジロウ', gender: 'male', birthDate: '1949-03-01' }));
  assert.equal(other.status, 201, other.text);
  await createAll(systems[CLINIC], clinicRecords(c.id));
  await documentWithBinary(systems[CLINIC], c.id, CLINIC, `${CLINIC}-ui-letter-1`, '診療情報提供書', '診療情報提供書', '紹介状の秘密本文：逆流性食道炎', -30);
  const cons = await post(recorder, '/fhir/Consent', consent(h.id, HOSP, AZUMINO));
  assert.equal(cons.status, 201, cons.text);
  return { hospital: h.id, azumino: a.id, clinic: c.id, regional, padded: other.json.id };
}
