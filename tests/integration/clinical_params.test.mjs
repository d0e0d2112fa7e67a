// clinical_params.test.mjs — every search parameter of every clinical type,
// one by one: a record carrying a value for each parameter is found by it,
// and not found by a value it does not carry. The list of parameters comes
// from the CapabilityStatement, so a parameter added without a case here
// fails this test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, get, post, patient, cleanupStore, BACKEND } from './harness.mjs';

const HOSP = '2011000011';
const JLAC10 = 'urn:oid:1.2.392.200119.4.504', HOT9 = 'urn:oid:1.2.392.200119.4.403.1';
const ICD10 = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full', MEDIS = 'urn:oid:1.2.392.200119.4.101.6';
const cc = (system, code) => ({ coding: [{ system, code }] });
const ref = (x) => ({ reference: x });
const ID = (v) => ({ system: 'urn:oid:1.2.392.100495.20.3.99', value: v });
const ORG = `Organization/org-${HOSP}`;

let S, DR, P, PRAC;
const made = {}; // type → id

/**
 * For each type: the record (built from what exists so far) and, per search
 * parameter, a value that matches it and one that does not.
 */
const CASES = [
  ['Encounter', (c) => ({ resourceType: 'Encounter', identifier: [ID('E-1')], status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' }, type: [cc('urn:x:enc-type', 'admission')],
    subject: ref(`Patient/${c.P}`), period: { start: '2025-05-01T10:00:00+09:00', end: '2025-05-10T10:00:00+09:00' },
    participant: [{ individual: ref(`Practitioner/${c.PRAC}`) }], serviceProvider: ref(ORG), reasonCode: [cc('urn:x:reason', 'fever')],
    partOf: ref(`Encounter/${c.Encounter0}`) }), {
    'status': ['finished', 'planned'], 'class': ['IMP', 'AMB'], 'type': ['urn:x:enc-type|admission', 'urn:x:enc-type|visit'],
    'date': ['2025-05', 'lt2025-01-01'], 'participant': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'],
    'service-provider': [ORG, 'Organization/nowhere'], 'reason-code': ['fever', 'cough'],
    'diagnosis': null, // set after the Condition exists: see below
    'part-of': ['Encounter/{Encounter0}', 'Encounter/other'] }],
  ['ServiceRequest', (c) => ({ resourceType: 'ServiceRequest', identifier: [ID('SR-1')],
    requisition: { system: 'urn:oid:1.2.392.100495.20.3.99.9', value: 'REQ-77' }, status: 'active', intent: 'order', priority: 'urgent',
    category: [cc('http://snomed.info/sct', '108252007')], code: cc(JLAC10, '3D046000001920402'), subject: ref(`Patient/${c.P}`),
    encounter: ref(`Encounter/${c.Encounter}`), occurrenceDateTime: '2025-05-04T09:00:00+09:00', authoredOn: '2025-05-02T16:00:00+09:00',
    requester: ref(`Practitioner/${c.PRAC}`) }), {
    'code': [`${JLAC10}|3D046000001920402`, `${JLAC10}|3C015000002327101`], 'category': ['108252007', '363679005'],
    'authored': ['2025-05-02', 'ge2025-06'], 'status': ['active', 'completed'], 'intent': ['order', 'plan'],
    'requisition': ['urn:oid:1.2.392.100495.20.3.99.9|REQ-77', 'urn:oid:1.2.392.100495.20.3.99.9|REQ-78'],
    'occurrence': ['2025-05-04', 'lt2025-05-01'], 'requester': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'],
    'priority': ['urgent', 'routine'], 'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['Condition', (c) => ({ resourceType: 'Condition', identifier: [ID('C-1')],
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
    category: [cc('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis')],
    severity: cc('http://snomed.info/sct', '24484000'), code: { coding: [{ system: ICD10, code: 'J209' }, { system: MEDIS, code: 'TQ7A' }] },
    subject: ref(`Patient/${c.P}`), encounter: ref(`Encounter/${c.Encounter}`), onsetDateTime: '2025-04-28',
    abatementDateTime: '2025-05-09', recordedDate: '2025-05-01' }), {
    'code': [`${MEDIS}|TQ7A`, `${ICD10}|E119`], 'category': ['encounter-diagnosis', 'problem-list-item'],
    'clinical-status': ['active', 'resolved'], 'verification-status': ['confirmed', 'refuted'], 'severity': ['24484000', '6736007'],
    'onset-date': ['2025-04', 'ge2026'], 'abatement-date': ['le2025-05-09', '2024'], 'recorded-date': ['2025-05-01', '2025-05-02'],
    'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['AllergyIntolerance', (c) => ({ resourceType: 'AllergyIntolerance', identifier: [ID('A-1')],
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active'),
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed'),
    type: 'allergy', category: ['medication'], criticality: 'high', code: cc(HOT9, '100795402'), patient: ref(`Patient/${c.P}`),
    recordedDate: '2020-03-03', reaction: [{ manifestation: [cc('http://snomed.info/sct', '39579001')], onset: '2020-03-01' }] }), {
    'code': [`${HOT9}|100795402`, `${HOT9}|999999999`], 'clinical-status': ['active', 'inactive'],
    'verification-status': ['confirmed', 'unconfirmed'], 'type': ['allergy', 'intolerance'], 'category': ['medication', 'food'],
    'criticality': ['high', 'low'], 'date': ['2020-03-03', '2021'], 'onset': ['2020-03', '2019'] }],
  ['Procedure', (c) => ({ resourceType: 'Procedure', identifier: [ID('PR-1')], basedOn: [ref(`ServiceRequest/${c.ServiceRequest}`)], status: 'completed',
    category: cc('http://snomed.info/sct', '387713003'), code: cc('urn:x:proc', 'ct-chest'), subject: ref(`Patient/${c.P}`),
    encounter: ref(`Encounter/${c.Encounter}`), performedDateTime: '2025-05-02T14:00:00+09:00',
    performer: [{ actor: ref(`Practitioner/${c.PRAC}`) }] }), {
    'status': ['completed', 'in-progress'], 'code': ['urn:x:proc|ct-chest', 'urn:x:proc|mri'], 'category': ['387713003', '103693007'],
    'date': ['2025-05-02', 'gt2025-06'], 'performer': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'],
    'based-on': ['ServiceRequest/{ServiceRequest}', 'ServiceRequest/sr-2'], 'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['MedicationRequest', (c) => ({ resourceType: 'MedicationRequest', identifier: [ID('MR-1')], status: 'active', intent: 'order',
    category: [cc('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'outpatient')], priority: 'routine',
    medicationCodeableConcept: cc(HOT9, '103835401'), subject: ref(`Patient/${c.P}`), encounter: ref(`Encounter/${c.Encounter}`),
    authoredOn: '2025-05-10', requester: ref(`Practitioner/${c.PRAC}`),
    dosageInstruction: [{ timing: { repeat: { boundsPeriod: { start: '2025-05-10', end: '2025-08-10' } } } }] }), {
    'status': ['active', 'stopped'], 'intent': ['order', 'plan'], 'category': ['outpatient', 'inpatient'],
    'code': [`${HOT9}|103835401`, `${HOT9}|100795402`], 'medication': null, 'authoredon': ['2025-05-10', 'lt2025'],
    'date': ['le2025-06-01', 'ge2026'], 'requester': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'], 'priority': ['routine', 'stat'],
    'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['MedicationRequest#ref', (c) => ({ resourceType: 'MedicationRequest', status: 'active', intent: 'order',
    medicationReference: ref('Medication/med-1'), subject: ref(`Patient/${c.P}`) }), {
    'medication': ['Medication/med-1', 'Medication/med-2'] }],
  ['MedicationAdministration', (c) => ({ resourceType: 'MedicationAdministration', identifier: [ID('MA-1')], status: 'completed',
    medicationCodeableConcept: cc(HOT9, '107983601'), subject: ref(`Patient/${c.P}`), context: ref(`Encounter/${c.Encounter}`),
    effectiveDateTime: '2025-05-02T15:00:00+09:00', request: ref(`MedicationRequest/${c.MedicationRequest}`),
    performer: [{ actor: ref(`Practitioner/${c.PRAC}`) }] }), {
    'context': ['Encounter/{Encounter}', 'Encounter/other'], 'status': ['completed', 'not-done'],
    'code': [`${HOT9}|107983601`, `${HOT9}|103835401`], 'effective-time': ['2025-05-02', '2025-05-03'],
    'request': ['MedicationRequest/{MedicationRequest}', 'MedicationRequest/other'],
    'performer': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'] }],
  ['MedicationDispense', (c) => ({ resourceType: 'MedicationDispense', identifier: [ID('MD-1')], status: 'completed',
    medicationCodeableConcept: cc(HOT9, '103835401'), subject: ref(`Patient/${c.P}`), context: ref(`Encounter/${c.Encounter}`),
    authorizingPrescription: [ref(`MedicationRequest/${c.MedicationRequest}`)], whenPrepared: '2025-05-10T10:00:00+09:00',
    whenHandedOver: '2025-05-10T11:00:00+09:00', performer: [{ actor: ref(`Practitioner/${c.PRAC}`) }] }), {
    'context': ['Encounter/{Encounter}', 'Encounter/other'], 'status': ['completed', 'cancelled'],
    'code': [`${HOT9}|103835401`, `${HOT9}|107983601`], 'whenhandedover': ['2025-05-10', '2025-05-11'],
    'whenprepared': ['ge2025-05-10T09:00:00+09:00', 'lt2025-05-10'],
    'prescription': ['MedicationRequest/{MedicationRequest}', 'MedicationRequest/other'],
    'performer': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'] }],
  ['Immunization', (c) => ({ resourceType: 'Immunization', identifier: [ID('IM-1')], status: 'completed',
    vaccineCode: cc('urn:x:vaccine', 'influenza'), patient: ref(`Patient/${c.P}`), occurrenceDateTime: '2024-10-20', lotNumber: 'LOT-42',
    performer: [{ actor: ref(`Practitioner/${c.PRAC}`) }] }), {
    'status': ['completed', 'not-done'], 'vaccine-code': ['urn:x:vaccine|influenza', 'urn:x:vaccine|covid'], 'date': ['2024-10', '2023'],
    'lot-number': ['LOT-4', 'LOT-5'], 'performer': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'] }],
  ['Observation', (c) => ({ resourceType: 'Observation', identifier: [ID('O-0')], status: 'final', code: cc(JLAC10, '3D046000001920402'),
    subject: ref(`Patient/${c.P}`), effectiveDateTime: '2025-05-03T09:00:00+09:00', valueQuantity: { value: 7.1, unit: '%' } }), {}],
  ['Observation#main', (c) => ({ resourceType: 'Observation', identifier: [ID('O-1')], basedOn: [ref(`ServiceRequest/${c.ServiceRequest}`)], status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory')], code: cc(JLAC10, '3C015000002327101'),
    subject: ref(`Patient/${c.P}`), encounter: ref(`Encounter/${c.Encounter}`), effectiveDateTime: '2025-05-03T09:00:00+09:00',
    performer: [ref(ORG)], valueCodeableConcept: cc('urn:x:result', 'positive'),
    interpretation: [cc('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', 'H')],
    hasMember: [ref(`Observation/${c.Observation}`)], derivedFrom: [ref(`Observation/${c.Observation}`)] }), {
    'status': ['final', 'preliminary'], 'category': ['laboratory', 'vital-signs'], 'code': [`${JLAC10}|3C015000002327101`, `${JLAC10}|3D046000001920402`],
    'date': ['2025-05-03', '2025-05-04'], 'based-on': ['ServiceRequest/{ServiceRequest}', 'ServiceRequest/sr-9'],
    'has-member': ['Observation/{Observation}', 'Observation/other'], 'derived-from': ['Observation/{Observation}', 'Observation/other'],
    'performer': [ORG, 'Organization/nowhere'], 'value-concept': ['positive', 'negative'], 'interpretation': ['H', 'L'],
    'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['DiagnosticReport', (c) => ({ resourceType: 'DiagnosticReport', identifier: [ID('DR-1')], basedOn: [ref(`ServiceRequest/${c.ServiceRequest}`)], status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB')], code: cc(JLAC10, '3D046000001920402'),
    subject: ref(`Patient/${c.P}`), encounter: ref(`Encounter/${c.Encounter}`), effectiveDateTime: '2025-05-03T09:00:00+09:00',
    issued: '2025-05-03T12:00:00+09:00', performer: [ref(ORG)], result: [ref(`Observation/${c.Observation}`)],
    conclusionCode: [cc('urn:x:conclusion', 'diabetic')] }), {
    'status': ['final', 'partial'], 'category': ['LAB', 'RAD'], 'code': [`${JLAC10}|3D046000001920402`, `${JLAC10}|3C015000002327101`],
    'date': ['2025-05-03', '2025-05-02'], 'issued': ['ge2025-05-03T11:00:00+09:00', 'lt2025-05-03'], 'result': ['Observation/{Observation}', 'Observation/other'],
    'performer': [ORG, 'Organization/nowhere'], 'based-on': ['ServiceRequest/{ServiceRequest}', 'ServiceRequest/sr-9'],
    'conclusion': ['diabetic', 'normal'], 'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['ImagingStudy', (c) => ({ resourceType: 'ImagingStudy', identifier: [ID('IS-1')], status: 'available', subject: ref(`Patient/${c.P}`),
    encounter: ref(`Encounter/${c.Encounter}`), started: '2025-05-02T14:00:00+09:00', basedOn: [ref(`ServiceRequest/${c.ServiceRequest}`)],
    referrer: ref(`Practitioner/${c.PRAC}`),
    series: [{ uid: '1.2.392.200036.9116.2.6.1.48', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
      bodySite: { system: 'http://snomed.info/sct', code: '51185008' } }] }), {
    'status': ['available', 'cancelled'], 'modality': ['CT', 'MR'], 'started': ['2025-05-02', 'lt2025-05-01'],
    'bodysite': ['51185008', '12738006'], 'basedon': ['ServiceRequest/{ServiceRequest}', 'ServiceRequest/sr-9'],
    'referrer': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'], 'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['NutritionOrder', (c) => ({ resourceType: 'NutritionOrder', identifier: [ID('NO-1')], status: 'active', intent: 'order',
    patient: ref(`Patient/${c.P}`), encounter: ref(`Encounter/${c.Encounter}`), dateTime: '2025-05-01T12:00:00+09:00',
    orderer: ref(`Practitioner/${c.PRAC}`),
    oralDiet: { type: [cc('urn:x:diet', 'diabetic-1600')], instruction: 'エネルギー 1600 kcal' } }), {
    'datetime': ['2025-05-01', '2025-05-02'], 'status': ['active', 'revoked'], 'oraldiet': ['urn:x:diet|diabetic-1600', 'urn:x:diet|regular'],
    'provider': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'], 'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  ['DocumentReference', (c) => ({ resourceType: 'DocumentReference', identifier: [ID('DOC-1')], status: 'current',
    type: cc('http://loinc.org', '18842-5'), category: [cc('urn:x:doc-cat', 'summary')], subject: ref(`Patient/${c.P}`),
    date: '2025-05-10T12:00:00+09:00', author: [ref(`Practitioner/${c.PRAC}`)], custodian: ref(ORG), description: '退院時サマリー（肺炎）',
    content: [{ attachment: { contentType: 'text/plain', url: 'Binary/doc-1' } }],
    context: { encounter: [ref(`Encounter/${c.Encounter}`)], period: { start: '2025-05-01', end: '2025-05-10' } } }), {
    'encounter': ['Encounter/{Encounter}', 'Encounter/other'], 'status': ['current', 'superseded'],
    'type': ['http://loinc.org|18842-5', 'http://loinc.org|11488-4'], 'category': ['summary', 'referral'],
    'date': ['2025-05-10', '2025-05-11'], 'period': ['2025-05', '2025-06'], 'author': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'],
    'custodian': [ORG, 'Organization/nowhere'], 'description': ['退院時', '紹介状'], 'contenttype': ['text/plain', 'application/pdf'] }],
  ['Binary', (c) => ({ resourceType: 'Binary', contentType: 'text/plain', securityContext: ref(`DocumentReference/${c.DocumentReference}`),
    data: Buffer.from('退院時サマリー').toString('base64') }), {
    'security-context': ['DocumentReference/{DocumentReference}', 'DocumentReference/other'] }],
  ['Composition', (c) => ({ resourceType: 'Composition', identifier: ID('CO-1'), status: 'final', type: cc('http://loinc.org', '18842-5'),
    category: [cc('urn:x:doc-cat', 'summary')], subject: ref(`Patient/${c.P}`), encounter: ref(`Encounter/${c.Encounter}`),
    date: '2025-05-10T12:00:00+09:00', author: [ref(`Practitioner/${c.PRAC}`)], title: '退院時サマリー',
    section: [{ title: '経過', entry: [ref(`Condition/${c.Condition}`)] }] }), {
    'status': ['final', 'preliminary'], 'type': ['http://loinc.org|18842-5', 'http://loinc.org|11488-4'], 'category': ['summary', 'referral'],
    'date': ['2025-05-10', '2025-05-11'], 'author': [`Practitioner/${'PRAC'}`, 'Practitioner/nobody'], 'title': ['退院', '紹介'],
    'entry': ['Condition/{Condition}', 'Condition/other'], 'encounter': ['Encounter/{Encounter}', 'Encounter/other'] }],
  // the care plan (ケアプラン) and its goals
  ['Goal', (c) => ({ resourceType: 'Goal', identifier: [ID('G-1')], lifecycleStatus: 'active',
    category: [cc('urn:renkei:CodeSystem:careplan-goal-term', 'long-term')], description: { text: '近所を歩ける' },
    subject: ref(`Patient/${c.P}`), startDate: '2026-04-01', target: [{ dueDate: '2026-10-01' }] }), {
    'lifecycle-status': ['active', 'cancelled'],
    'category': ['urn:renkei:CodeSystem:careplan-goal-term|long-term', 'urn:renkei:CodeSystem:careplan-goal-term|short-term'],
    'start-date': ['2026-04-01', '2025-04-01'], 'target-date': ['2026-10-01', '2025-10-01'] }],
  ['CarePlan', (c) => ({ resourceType: 'CarePlan', identifier: [ID('CP-0')], status: 'revoked', intent: 'plan', subject: ref(`Patient/${c.P}`) }), {}],
  ['CarePlan#new', (c) => ({ resourceType: 'CarePlan', identifier: [ID('CP-1')], status: 'active', intent: 'plan',
    category: [cc('urn:renkei:CodeSystem:careplan-kind', 'kyotaku')], subject: ref(`Patient/${c.P}`),
    period: { start: '2026-04-01', end: '2026-09-30' }, goal: [ref(`Goal/${c.Goal}`)], replaces: [ref(`CarePlan/${c.CarePlan}`)] }), {
    'status': ['active', 'draft'], 'intent': ['plan', 'proposal'],
    'category': ['urn:renkei:CodeSystem:careplan-kind|kyotaku', 'urn:renkei:CodeSystem:careplan-kind|other'],
    'date': ['ge2026-06', 'lt2026-01'], 'goal': ['Goal/{Goal}', 'Goal/other'], 'replaces': ['CarePlan/{CarePlan}', 'CarePlan/other'] }],
];
// every type also answers identifier, patient and subject (when it has them) — added per type below
const COMMON = {
  identifier: (t) => [`urn:oid:1.2.392.100495.20.3.99|${t.id}`, 'urn:oid:1.2.392.100495.20.3.99|none'],
  patient: () => ['{P}', 'Patient/other'],
  subject: () => ['Patient/{P}', 'Patient/other'],
};

before(async () => {
  S = await startServer();
  DR = await S.login('dr.renkei');
  P = (await post(DR, '/fhir/Patient', patient(HOSP, 'SP1'))).json.id;
  PRAC = (await get(DR, `/fhir/Practitioner?identifier=urn:oid:1.2.392.100495.20.3.41.1${HOSP}|&_count=1`)).json.entry[0].resource.id;
  const ctx = { P, PRAC };
  const e0 = await post(DR, '/fhir/Encounter', { resourceType: 'Encounter', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: ref(`Patient/${P}`) });
  ctx.Encounter0 = e0.json.id;
  for (const [key, build] of CASES) {
    const body = build(ctx);
    const r = await post(DR, `/fhir/${body.resourceType}`, body);
    assert.equal(r.status, 201, `${key}: ${r.text}`);
    made[key] = r.json.id;
    if (!key.includes('#')) ctx[body.resourceType] = r.json.id;
  }
  // an Encounter whose diagnosis is the Condition, for the `diagnosis` parameter
  const e2 = await post(DR, '/fhir/Encounter', { resourceType: 'Encounter', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: ref(`Patient/${P}`),
    diagnosis: [{ condition: ref(`Condition/${ctx.Condition}`) }] });
  made['Encounter#diagnosis'] = e2.json.id;
  Object.assign(made, { P, PRAC, ...Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, v])) });
});

after(async () => {
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

test(`every search parameter of every clinical type finds its record, and only with its value (${BACKEND})`, async () => {
  const cap = await get(S, '/fhir/metadata');
  const fill = (v) => v.replace(/\{(\w+)\}/g, (_, k) => made[k]).replace('Practitioner/PRAC', `Practitioner/${PRAC}`);
  let checked = 0;
  for (const res of cap.json.rest[0].resource) {
    const cases = CASES.filter(([k]) => k.split('#')[0] === res.type);
    if (!cases.length) continue; // Patient, Organization, ... are tested in fhir_api
    for (const sp of res.searchParam) {
      if (sp.name.startsWith('_')) continue;
      let key = cases[0][0], pair = cases[0][2][sp.name];
      for (const [k, , table] of cases) if (table[sp.name]) { key = k; pair = table[sp.name]; }
      if (sp.name === 'diagnosis') { key = 'Encounter#diagnosis'; pair = ['Condition/{Condition}', 'Condition/other']; }
      if (!pair && COMMON[sp.name]) pair = COMMON[sp.name]({ id: (cases[0][1]({}).identifier?.[0] || cases[0][1]({}).identifier || {}).value });
      assert.ok(pair, `${res.type}.${sp.name} has a case in this test`);
      const id = made[key];
      const [yes, no] = pair.map(fill);
      const hit = await get(DR, `/fhir/${res.type}?${sp.name}=${encodeURIComponent(yes)}&_count=100`);
      assert.equal(hit.status, 200, `${res.type}?${sp.name}=${yes}: ${hit.text}`);
      assert.ok((hit.json.entry || []).some((e) => e.resource.id === id), `${res.type}?${sp.name}=${yes} finds ${key}`);
      const miss = await get(DR, `/fhir/${res.type}?${sp.name}=${encodeURIComponent(no)}&_count=100`);
      assert.equal(miss.status, 200, `${res.type}?${sp.name}=${no}: ${miss.text}`);
      assert.ok(!(miss.json.entry || []).some((e) => e.resource.id === id), `${res.type}?${sp.name}=${no} does not find ${key}`);
      checked++;
    }
  }
  assert.ok(checked >= 120, `${checked} parameters checked`);
});
