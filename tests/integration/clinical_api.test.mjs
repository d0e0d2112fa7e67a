// clinical_api.test.mjs — the clinical record over the FHIR API: every
// clinical resource type is written by the facility that holds the patient's
// registration, read back, and found by the search parameters clinicians'
// systems use (patient/subject, code system|code, category, date with
// prefixes, status, clinical-status, encounter, _lastUpdated, _sort, paging,
// _summary=count). Another facility sees a record only under the patient's
// consent; references across patients and writes to another facility's
// registration are refused exactly like references to nothing. Every
// resource returned passes the FHIR R4 JSON schema (harness).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, get, post, put, http, outcome, patient, cleanupStore, BACKEND } from './harness.mjs';

const HOSP = '2011000011', CLINIC = '2011100018', PHARM = '2041200012';
const org = (code) => ({ reference: `Organization/org-${code}` });
// Written here by the OIDs SS-MIX2 and older JP Core name them by; renkei's own
// records use JP Core v1.1's URIs, and a search by either finds both.
const JLAC10 = 'urn:oid:1.2.392.200119.4.504';
const JLAC10_URI = 'http://medis.or.jp/CodeSystem/master-JLAC10-17digits';
const HOT9 = 'urn:oid:1.2.392.200119.4.403.1';
const MEDIS = 'urn:oid:1.2.392.200119.4.101.6';
const ICD10 = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full';
const cc = (system, code, display) => ({ coding: [{ system, code, display }], text: display });
const ref = (type, id) => ({ reference: `${type}/${id}` });

let S, DR, CDR, PH, CLERK, OP;
let P, P2, PC, PPH; // registrations: P and P2 at the hospital (two people), PC at the clinic, PPH at the pharmacy
const made = {};    // type → [ids] written at the hospital for P

async function create(who, body) {
  const r = await post(who, `/fhir/${body.resourceType}`, body);
  assert.equal(r.status, 201, `${body.resourceType}: ${r.text}`);
  (made[body.resourceType] ||= []).push(r.json.id);
  return r.json;
}

function lab(subject, code, name, value, unit, low, high, when, extra = {}) {
  const flag = value > high ? 'H' : value < low ? 'L' : 'N';
  return {
    resourceType: 'Observation', status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', '検体検査')],
    code: cc(JLAC10, code, name), subject: ref('Patient', subject), effectiveDateTime: when,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    interpretation: [cc('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', flag, flag)],
    referenceRange: [{ low: { value: low, unit }, high: { value: high, unit } }],
    ...extra,
  };
}

before(async () => {
  S = await startServer();
  DR = await S.login('dr.renkei');
  CDR = await S.login('dr.yamabiko');
  PH = await S.login('ph.midori');
  CLERK = await S.login('clerk.yamabiko');
  OP = await S.login('operator');
  const reg = async (who, code, local, opts) => {
    const r = await post(who, '/fhir/Patient', patient(code, local, opts));
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  const p = await reg(DR, HOSP, 'C1', { family: '臨床', given: '花子', familyKana: 'リンショウ', givenKana: 'ハナコ', gender: 'female' });
  P = p.id;
  const regional = p.identifier.find((i) => i.system === 'urn:renkei:regional-patient-id').value;
  P2 = (await reg(DR, HOSP, 'C2', { family: '別人', familyKana: 'ベツジン' })).id;
  // the clinic and the pharmacy register the same person; the operator links them
  const pc = await reg(CLERK, CLINIC, 'K1', { family: '臨床', given: '花子', familyKana: 'リンショウ', givenKana: 'ハナコ', gender: 'female' });
  const pph = await reg(PH, PHARM, 'Y1', { family: '臨床', given: '花子', familyKana: 'リンショウ', givenKana: 'ハナコ', gender: 'female' });
  const rid = (x) => x.identifier.find((i) => i.system === 'urn:renkei:regional-patient-id').value;
  await S.link(regional, rid(pc), rid(pph));
  PC = pc.id;
  PPH = pph.id;

  // the hospital's record of P: one of every clinical type
  const enc = await create(DR, { resourceType: 'Encounter', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: '入院' },
    subject: ref('Patient', P), period: { start: '2025-11-02T10:00:00+09:00', end: '2025-11-12T11:00:00+09:00' },
    serviceProvider: org(HOSP) });
  await create(DR, { resourceType: 'Encounter', status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: '外来' },
    subject: ref('Patient', P), period: { start: '2026-02-10T09:00:00+09:00', end: '2026-02-10T09:30:00+09:00' } });
  await create(DR, { resourceType: 'Condition',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'active'),
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'confirmed'),
    category: [cc('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis', '入院時診断')],
    code: cc(ICD10, 'E119', '２型糖尿病'),
    subject: ref('Patient', P), encounter: ref('Encounter', enc.id), onsetDateTime: '2019-05-01', recordedDate: '2025-11-02' });
  await create(DR, { resourceType: 'Condition',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'resolved', 'resolved'),
    code: { coding: [{ system: MEDIS, code: 'TQ7A', display: '急性気管支炎' }, { system: ICD10, code: 'J209', display: '急性気管支炎' }], text: '急性気管支炎' },
    subject: ref('Patient', P), onsetDateTime: '2025-11-01', abatementDateTime: '2025-11-12' });
  await create(DR, { resourceType: 'AllergyIntolerance',
    clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'active'),
    type: 'allergy', category: ['medication'], criticality: 'high',
    code: cc(HOT9, '100795402', 'ペニシリン系抗菌薬'), patient: ref('Patient', P), recordedDate: '2020-03-03',
    reaction: [{ manifestation: [cc('http://snomed.info/sct', '39579001', 'アナフィラキシー')], severity: 'severe' }] });
  await create(DR, { resourceType: 'Procedure', status: 'completed', code: cc('http://jpfhir.jp/fhir/core/CodeSystem/JP_ProcedureCodesMedical_CS', '160000410', '胸部CT'),
    subject: ref('Patient', P), encounter: ref('Encounter', enc.id), performedDateTime: '2025-11-03T14:00:00+09:00' });
  const rx = await create(DR, { resourceType: 'MedicationRequest', status: 'active', intent: 'order',
    category: [cc('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'outpatient', '院外処方')],
    medicationCodeableConcept: cc(HOT9, '103835401', 'メトホルミン塩酸塩錠２５０ｍｇ'),
    subject: ref('Patient', P), authoredOn: '2026-02-10', requester: org(HOSP),
    dosageInstruction: [{ text: '1回1錠 1日2回 朝夕食後',
      timing: { repeat: { boundsPeriod: { start: '2026-02-10', end: '2026-05-10' } }, code: cc('urn:oid:1.2.392.200250.2.2.20.20', '1022000000000000', '1日2回朝夕食後') },
      route: cc('http://jpfhir.jp/fhir/core/CodeSystem/JP_MedicationRouteHL70162_CS', 'PO', '口') ,
      doseAndRate: [{ doseQuantity: { value: 1, unit: '錠', system: 'urn:oid:1.2.392.100495.20.2.101', code: 'TAB' } }] }] });
  const inj = await create(DR, { resourceType: 'MedicationRequest', status: 'completed', intent: 'order',
    category: [cc('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'inpatient', '注射')],
    medicationCodeableConcept: cc(HOT9, '107983601', 'セフトリアキソンナトリウム静注用１ｇ'),
    subject: ref('Patient', P), encounter: ref('Encounter', enc.id), authoredOn: '2025-11-02' });
  await create(DR, { resourceType: 'MedicationAdministration', status: 'completed',
    medicationCodeableConcept: cc(HOT9, '107983601', 'セフトリアキソンナトリウム静注用１ｇ'),
    subject: ref('Patient', P), context: ref('Encounter', enc.id), effectiveDateTime: '2025-11-02T15:00:00+09:00',
    request: ref('MedicationRequest', inj.id) });
  await create(DR, { resourceType: 'Immunization', status: 'completed', vaccineCode: cc('urn:oid:1.2.392.200119.4.403.1', '640453060', 'インフルエンザＨＡワクチン'),
    patient: ref('Patient', P), occurrenceDateTime: '2025-10-20' });
  const obs = [];
  for (const [i, [v, when]] of [[8.9, '2025-08-01'], [8.1, '2025-11-01'], [7.4, '2026-01-10'], [6.8, '2026-03-15']].entries()) {
    obs.push(await create(DR, lab(P, '3D046000001920402', 'HbA1c(NGSP)', v, '%', 4.6, 6.2, `${when}T09:00:00+09:00`,
      i === 1 ? { encounter: ref('Encounter', enc.id) } : {})));
  }
  await create(DR, { resourceType: 'Observation', status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'バイタル')],
    code: cc('http://loinc.org', '8480-6', '収縮期血圧'), subject: ref('Patient', P), effectiveDateTime: '2026-02-10T09:05:00+09:00',
    valueQuantity: { value: 138, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } });
  await create(DR, { resourceType: 'DiagnosticReport', status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', '検体検査')], code: cc(JLAC10, '3D046000001920402', 'HbA1c'),
    subject: ref('Patient', P), effectiveDateTime: '2026-03-15T09:00:00+09:00', result: [ref('Observation', obs[3].id)] });
  await create(DR, { resourceType: 'ImagingStudy', status: 'available', subject: ref('Patient', P), started: '2025-11-03T14:00:00+09:00',
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }], numberOfSeries: 1, numberOfInstances: 120,
    series: [{ uid: '1.2.392.200036.9116.2.6.1.48.1214834839.1.2', number: 1, modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
      description: '胸部単純', numberOfInstances: 120, bodySite: { system: 'http://snomed.info/sct', code: '51185008', display: '胸部' } }] });
  const doc = await create(DR, { resourceType: 'DocumentReference', status: 'current',
    type: cc('http://loinc.org', '18842-5', '退院時サマリー'), subject: ref('Patient', P), date: '2025-11-12T12:00:00+09:00',
    author: [org(HOSP)], custodian: org(HOSP), description: '肺炎で入院、抗菌薬で軽快',
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', url: 'Binary/2011000011-summary-c1', title: '退院時サマリー' } }],
    context: { encounter: [ref('Encounter', enc.id)] } });
  const bin = await put(DR, '/fhir/Binary/2011000011-summary-c1', { resourceType: 'Binary', id: '2011000011-summary-c1', contentType: 'text/plain; charset=utf-8',
    securityContext: ref('DocumentReference', doc.id), data: Buffer.from('退院時サマリー：肺炎。セフトリアキソンで軽快。').toString('base64') });
  assert.equal(bin.status, 201, bin.text);
  (made.Binary ||= []).push('2011000011-summary-c1');
  await create(DR, { resourceType: 'Composition', status: 'final', type: cc('http://loinc.org', '18842-5', '退院時サマリー'),
    subject: ref('Patient', P), encounter: ref('Encounter', enc.id), date: '2025-11-12T12:00:00+09:00', author: [org(HOSP)], title: '退院時サマリー',
    section: [{ title: '退院時処方', entry: [ref('MedicationRequest', rx.id)] }] });
  // the pharmacy dispenses to its own registration of the same person
  const disp = await post(PH, '/fhir/MedicationDispense', { resourceType: 'MedicationDispense', status: 'completed',
    medicationCodeableConcept: cc(HOT9, '103835401', 'メトホルミン塩酸塩錠２５０ｍｇ'), subject: ref('Patient', PPH),
    whenHandedOver: '2026-02-10T11:00:00+09:00', quantity: { value: 56, unit: '錠' } });
  assert.equal(disp.status, 201, disp.text);
});

after(async () => {
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

test(`every clinical type is served and listed in the CapabilityStatement (${BACKEND})`, async () => {
  const cap = await get(S, '/fhir/metadata');
  const types = cap.json.rest[0].resource.map((x) => x.type);
  for (const t of Object.keys(made)) assert.ok(types.includes(t), `${t} in the CapabilityStatement`);
  for (const [type, ids] of Object.entries(made)) {
    for (const id of ids) {
      const r = await get(DR, `/fhir/${type}/${id}`, { headers: { Accept: 'application/fhir+json' } });
      assert.equal(r.status, 200, `${type}/${id}: ${r.text}`);
      assert.equal(r.json.resourceType, type);
    }
  }
});

test('a Binary opens as its own content, sandboxed; as FHIR JSON when asked', async () => {
  const raw = await get(DR, '/fhir/Binary/2011000011-summary-c1', { headers: { Accept: 'text/html,*/*' } });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(raw.text, '退院時サマリー：肺炎。セフトリアキソンで軽快。');
  assert.match(raw.headers.get('content-security-policy'), /sandbox/);
  assert.equal(raw.headers.get('x-content-type-options'), 'nosniff');
  const fhir = await get(DR, '/fhir/Binary/2011000011-summary-c1?_format=json');
  assert.equal(fhir.json.resourceType, 'Binary');
  // another facility without consent: the same 404 as for nothing
  outcome(await get(CDR, '/fhir/Binary/2011000011-summary-c1'), 404);
  outcome(await get(CDR, '/fhir/Binary/no-such-binary'), 404);
});

test('search by patient, code, category, date, status and more', async () => {
  const count = async (q) => {
    const r = await get(DR, `/fhir/${q}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r.json.total;
  };
  assert.equal(await count(`Observation?patient=${P}`), 5);
  assert.equal(await count(`Observation?subject=Patient/${P}`), 5);
  assert.equal(await count(`Observation?patient=${P}&code=${JLAC10}|3D046000001920402`), 4);
  assert.equal(await count(`Observation?patient=${P}&code=3D046000001920402`), 4);
  assert.equal(await count(`Observation?patient=${P}&code=${JLAC10_URI}|3D046000001920402`), 4, 'the OID and the URI are one system');
  assert.equal(await count(`Observation?patient=${P}&code=http://loinc.org|3D046000001920402`), 0, 'code is system|code');
  assert.equal(await count(`Observation?patient=${P}&category=vital-signs`), 1);
  assert.equal(await count(`Observation?patient=${P}&category=laboratory&date=ge2026-01-01`), 2);
  assert.equal(await count(`Observation?patient=${P}&date=lt2025-09`), 1);
  assert.equal(await count(`Observation?patient=${P}&interpretation=H`), 4);
  assert.equal(await count(`Condition?patient=${P}&clinical-status=active`), 1);
  assert.equal(await count(`Condition?patient=${P}&code=${ICD10}|E119`), 1);
  assert.equal(await count(`Condition?patient=${P}&code=${MEDIS}|TQ7A`), 1);
  assert.equal(await count(`Condition?patient=${P}&code=${ICD10}|J209,${ICD10}|E119`), 2);
  const enc = made.Encounter[0];
  assert.equal(await count(`Condition?encounter=Encounter/${enc}`), 1);
  assert.equal(await count(`Observation?encounter=${enc}`), 1);
  assert.equal(await count(`Encounter?patient=${P}&class=IMP`), 1);
  assert.equal(await count(`Encounter?patient=${P}&date=2026-02-10`), 1);
  assert.equal(await count(`AllergyIntolerance?patient=${P}&criticality=high`), 1);
  assert.equal(await count(`MedicationRequest?patient=${P}&status=active`), 1);
  assert.equal(await count(`MedicationRequest?patient=${P}&category=inpatient`), 1);
  assert.equal(await count(`MedicationRequest?patient=${P}&code=${HOT9}|103835401`), 1);
  assert.equal(await count(`MedicationRequest?patient=${P}&authoredon=ge2026-01-01`), 1);
  assert.equal(await count(`MedicationAdministration?patient=${P}&effective-time=2025-11-02`), 1);
  assert.equal(await count(`Immunization?patient=${P}&date=2025`), 1);
  assert.equal(await count(`DiagnosticReport?patient=${P}&result=Observation/${made.Observation[3]}`), 1);
  assert.equal(await count(`ImagingStudy?patient=${P}&modality=CT`), 1);
  assert.equal(await count(`DocumentReference?patient=${P}&type=http://loinc.org|18842-5`), 1);
  assert.equal(await count(`Composition?patient=${P}&title=退院`), 1);
  assert.equal(await count(`Procedure?patient=${P}&date=ge2025-11-03&date=lt2025-11-04`), 1);
  assert.equal(await count(`Observation?patient=${P}&_lastUpdated=ge2020-01-01`), 5);
  assert.equal(await count(`Observation?patient=${P2}`), 0, 'another person of the same facility has none');
  // sort and page through the HbA1c series
  const page1 = await get(DR, `/fhir/Observation?patient=${P}&code=3D046000001920402&_sort=-date&_count=3`);
  assert.deepEqual(page1.json.entry.map((e) => e.resource.valueQuantity.value), [6.8, 7.4, 8.1]);
  const next = page1.json.link.find((l) => l.relation === 'next');
  assert.ok(next, 'a next link');
  const page2 = await get(DR, next.url.slice(next.url.indexOf('/fhir/')));
  assert.deepEqual(page2.json.entry.map((e) => e.resource.valueQuantity.value), [8.9]);
  const c = await get(DR, `/fhir/Observation?patient=${P}&_summary=count`);
  assert.equal(c.json.total, 5);
  assert.equal(c.json.entry, undefined);
});

test('another facility sees a record only under the patient\'s consent', async () => {
  const types = ['Condition', 'Observation', 'MedicationRequest', 'AllergyIntolerance', 'DocumentReference', 'Binary', 'ImagingStudy'];
  const seen = async (who) => {
    let n = 0;
    for (const t of types) for (const id of made[t]) if ((await get(who, `/fhir/${t}/${id}`)).status === 200) n++;
    const s = await get(who, `/fhir/Observation?patient=${P}`);
    return { reads: n, searched: s.json.total, body: s.text };
  };
  const before = await seen(CDR);
  assert.deepEqual([before.reads, before.searched], [0, 0], 'no consent: nothing');
  for (const t of types) {
    const r = await get(CDR, `/fhir/${t}/${made[t][0]}`);
    outcome(r, 404);
    const ghost = await get(CDR, `/fhir/${t}/no-such-${t.toLowerCase()}`);
    assert.equal(r.status, ghost.status, `${t}: denied looks like missing`);
  }
  // the hospital records the patient's individual consent: hospital → clinic
  const consent = await post(DR, '/fhir/Consent', {
    resourceType: 'Consent', status: 'active',
    scope: cc('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy', 'privacy'),
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'individual' }] }],
    patient: ref('Patient', P), dateTime: '2026-03-01',
    provision: { type: 'permit', actor: [
      { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' }] }, reference: org(HOSP) },
      { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: org(CLINIC) }] },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') },
  });
  assert.equal(consent.status, 201, consent.text);
  const granted = await seen(CDR);
  const total = types.reduce((n, t) => n + made[t].length, 0);
  assert.deepEqual([granted.reads, granted.searched], [total, 5], 'consent: everything of the hospital');
  const clerk = await seen(CLERK);
  assert.deepEqual([clerk.reads, clerk.searched], [0, 0], 'a clerk never sees clinical data (role table)');
  // withdrawn: gone at the next request
  const w = await put(DR, `/fhir/Consent/${consent.json.id}`, { ...consent.json, status: 'inactive' });
  assert.equal(w.status, 200, w.text);
  // each change of a consent is audited with the signed form it carries
  const trail = await get(OP, '/fhir/AuditEvent?agent=dr.renkei&_count=100');
  const notes = trail.json.entry.map((e) => e.resource.outcomeDesc || '');
  const form = /signed form sha256:[0-9a-f]{16}/;
  assert.ok(notes.some((d) => d.startsWith(`individual consent Consent/${consent.json.id} create, in force`) && form.test(d)), notes.join('\n'));
  assert.ok(notes.some((d) => d.startsWith(`individual consent Consent/${consent.json.id} update, withdrawn`) && form.test(d)), notes.join('\n'));
  const after = await seen(CDR);
  assert.deepEqual([after.reads, after.searched], [0, 0]);
  assert.ok(!after.body.includes('HbA1c'));
});

test('bad input: invalid codes and dates, references across patients, another facility\'s registration', async () => {
  const base = lab(P, '3D046000001920402', 'HbA1c', 7.0, '%', 4.6, 6.2, '2026-03-20T09:00:00+09:00');
  const bad = async (who, body, status, pattern) => {
    const r = await post(who, `/fhir/${body.resourceType}`, body);
    outcome(r, status);
    if (pattern) assert.match(r.json.issue[0].diagnostics, pattern, r.text);
    return r;
  };
  await bad(DR, { ...base, status: 'done' }, 400, /not one of/);
  await bad(DR, { ...base, code: cc(JLAC10, '3D046', 'HbA1c') }, 400, /not 17 digits and capital letters \(JLAC10\)/);
  await bad(DR, { resourceType: 'Condition', subject: ref('Patient', P), code: cc(ICD10, 'E11.9', '２型糖尿病') }, 400, /without a dot/);
  await bad(DR, { resourceType: 'Condition', subject: ref('Patient', P), code: cc(MEDIS, '20057237', '２型糖尿病') }, 400, /MEDIS/);
  await bad(DR, { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: ref('Patient', P),
    medicationCodeableConcept: cc(HOT9, '10383540A', 'メトホルミン') }, 400, /9 digits \(HOT9\)/);
  await bad(DR, { ...base, effectiveDateTime: '2026-02-30T09:00:00+09:00' }, 400);
  await bad(DR, { ...base, effectiveDateTime: 'yesterday' }, 400);
  await bad(DR, { ...base, subject: undefined }, 400, /must name the patient/);
  await bad(DR, { ...base, valueQuantity: { value: 'seven' } }, 400);
  await bad(DR, { ...base, code: undefined }, 400);
  // a DiagnosticReport of P2 citing P's result: refused like a reference to nothing
  const cross = await bad(DR, { resourceType: 'DiagnosticReport', status: 'final', code: cc(JLAC10, '3D046000001920402', 'HbA1c'),
    subject: ref('Patient', P2), result: [ref('Observation', made.Observation[0])] }, 400, /does not exist/);
  const nothing = await bad(DR, { resourceType: 'DiagnosticReport', status: 'final', code: cc(JLAC10, '3D046000001920402', 'HbA1c'),
    subject: ref('Patient', P2), result: [ref('Observation', 'no-such-observation')] }, 400, /does not exist/);
  assert.equal(cross.json.issue[0].code, nothing.json.issue[0].code);
  // the clinic writing into the hospital's registration: as if it did not exist
  const foreign = await bad(CDR, { ...base }, 400, /does not exist/);
  const missing = await bad(CDR, { ...base, subject: ref('Patient', 'no-such-patient') }, 400, /does not exist/);
  assert.equal(foreign.json.issue[0].diagnostics.replace(P, 'X'), missing.json.issue[0].diagnostics.replace('no-such-patient', 'X'));
  // a Binary's security context must be a record of a patient
  await bad(DR, { resourceType: 'Binary', contentType: 'text/plain', securityContext: org(HOSP), data: 'AAAA' }, 400);
  // the clinic's own registration is fine; the record's source is the clinic
  const own = await post(CDR, '/fhir/Observation', { ...base, subject: ref('Patient', PC) });
  assert.equal(own.status, 201, own.text);
  const moved = await put(CDR, `/fhir/Observation/${own.json.id}`, { ...own.json, subject: ref('Patient', P) });
  outcome(moved, 400);
  // searches
  for (const q of ['Observation?patient=Encounter/x', 'Observation?date=2026-13-01', 'Observation?code=', 'Observation?bogus=1',
    'Observation?_count=100000', 'Observation?_include=Observation:bogus', 'Observation?_include:iterate=DiagnosticReport:result',
    `Condition?clinical-status=active&_sort=bogus`]) {
    const r = await get(DR, `/fhir/${q}`);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.json.resourceType, 'OperationOutcome', q);
  }
});

test('$everything: the regional record of a person, as far as the user may see it', async () => {
  const ever = async (who, id, q = '') => {
    const r = await get(who, `/fhir/Patient/${id}/$everything${q}`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const consents = (await get(DR, `/fhir/Consent?patient=${P}`)).json.total; // recorded by the previous test
  const hospitalTotal = 1 + consents + Object.values(made).reduce((n, ids) => n + ids.length, 0);
  const all = await ever(DR, P, '?_count=200');
  assert.equal(all.total, hospitalTotal, 'the hospital sees its registration and all its records of the person');
  assert.equal(all.entry.length, hospitalTotal);
  const types = new Set(all.entry.map((e) => e.resource.resourceType));
  for (const t of ['Patient', 'Encounter', 'Condition', 'AllergyIntolerance', 'Observation', 'MedicationRequest', 'DocumentReference', 'Binary'])
    assert.ok(types.has(t), t);
  assert.ok(!all.entry.some((e) => e.resource.resourceType === 'MedicationDispense'), 'not the pharmacy\'s dispense (no consent)');
  // the pharmacy, from its own registration: its dispense only, until the patient consents
  const ph = await ever(PH, PPH);
  assert.deepEqual([...new Set(ph.entry.map((e) => e.resource.resourceType))].sort(), ['Consent', 'MedicationDispense', 'Patient'],
    'its dispense, its registration, and the consent records (staff of a facility the patient is registered with manage them)');
  const c = await post(DR, '/fhir/Consent', {
    resourceType: 'Consent', status: 'active',
    scope: cc('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy', 'privacy'),
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'individual' }] }],
    patient: ref('Patient', P), dateTime: '2026-03-01',
    provision: { type: 'permit', actor: [
      { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' }] }, reference: org(HOSP) }] },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') },
  });
  assert.equal(c.status, 201, c.text);
  const ph2 = await ever(PH, PPH, '?_type=Observation,MedicationDispense,Patient&_count=100');
  const sources = new Set(ph2.entry.filter((e) => e.resource.resourceType === 'Observation').map((e) => e.resource.subject.reference));
  assert.deepEqual([...sources], [`Patient/${P}`], 'the hospital\'s observations, from its registration');
  assert.equal(ph2.entry.filter((e) => e.resource.resourceType === 'Observation').length, 5);
  assert.equal(ph2.entry.filter((e) => e.resource.resourceType === 'Patient').length, 2, 'both registrations the pharmacy may see');
  // the clinic (no consent to it: the consent names every facility the patient is registered with, and the clinic is one)
  const clinic = await ever(CDR, PC, '?_type=Condition');
  assert.equal(clinic.total, 2);
  // paging and _since
  const p1 = await ever(DR, P, '?_type=Observation&_count=2');
  assert.equal(p1.total, 5);
  assert.equal(p1.entry.length, 2);
  const next = p1.link.find((l) => l.relation === 'next');
  const p2 = await get(DR, next.url.slice(next.url.indexOf('/fhir/')));
  assert.equal(p2.json.entry.length, 2);
  assert.ok(!p2.json.entry.some((e) => p1.entry.some((f) => f.resource.id === e.resource.id)));
  assert.equal((await ever(DR, P, '?_since=2099-01-01T00:00:00Z')).total, 0);
  // refused: unknown parameters, non-record types, and persons the user may not know
  for (const q of ['?_type=Organization', '?foo=1', '?_since=2026', '?_count=-1']) outcome(await get(DR, `/fhir/Patient/${P}/$everything${q}`), 400);
  const hidden = await get(CLERK, `/fhir/Patient/${P2}/$everything`);
  const nobody = await get(CLERK, '/fhir/Patient/no-such-patient/$everything');
  outcome(hidden, 404);
  outcome(nobody, 404);
  // withdraw again so later tests start from no consent
  assert.equal((await put(DR, `/fhir/Consent/${c.json.id}`, { ...c.json, status: 'inactive' })).status, 200);
});

test('_include and _revinclude for the common references, each through the access check', async () => {
  const modes = (b) => b.entry.map((e) => `${e.search.mode}:${e.resource.resourceType}`).sort();
  let r = await get(DR, `/fhir/DiagnosticReport?patient=${P}&_include=DiagnosticReport:result`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(modes(r.json), ['include:Observation', 'match:DiagnosticReport']);
  assert.equal(r.json.total, 1, 'total counts matches only');
  r = await get(DR, `/fhir/MedicationAdministration?patient=${P}&_include=MedicationAdministration:request&_include=MedicationAdministration:patient`);
  assert.deepEqual(modes(r.json), ['include:MedicationRequest', 'include:Patient', 'match:MedicationAdministration']);
  r = await get(DR, `/fhir/Observation?patient=${P}&code=3D046000001920402&_revinclude=DiagnosticReport:result`);
  assert.deepEqual(modes(r.json), ['include:DiagnosticReport', ...Array(4).fill('match:Observation')]);
  r = await get(DR, `/fhir/Patient?_id=${P}&_revinclude=Observation:patient&_revinclude=Condition:patient&_revinclude=AllergyIntolerance:patient`);
  assert.deepEqual(modes(r.json), [...Array(1).fill('include:AllergyIntolerance'), ...Array(2).fill('include:Condition'),
    ...Array(5).fill('include:Observation'), 'match:Patient']);
  // the same include by someone who sees the patient but not the records: only the patient
  const clerkOwn = await get(CLERK, `/fhir/Patient?_id=${PC}&_revinclude=Observation:patient`);
  assert.deepEqual(modes(clerkOwn.json), ['match:Patient'], 'a clerk sees the registration, never the lab results');
  const own = await get(CDR, `/fhir/Patient?_id=${PC}&_revinclude=Observation:patient`);
  assert.deepEqual(modes(own.json), ['include:Observation', 'match:Patient'], 'the clinic doctor sees its own observation');
  // includes are not followed further, and malformed ones are refused
  for (const q of ['Observation?_include=Observation:bogus', 'Observation?_include=*', 'Observation?_include=Condition:patient',
    'Observation?_revinclude=DiagnosticReport:result:Encounter', 'Observation?_include:iterate=Observation:patient',
    'Observation?_revinclude:iterate=DiagnosticReport:result', 'Observation?_include=Observation']) {
    const b = await get(DR, `/fhir/${q}`);
    assert.equal(b.status, 400, `${q}: ${b.text}`);
    assert.equal(b.json.resourceType, 'OperationOutcome');
  }
});

test('decimals keep the digits they were written with, on every output; absurd ones are refused', async () => {
  // FHIR: 7.0 % is not 7 %, and 1.00 mg/dL says more than 1 mg/dL. Raw JSON
  // text, since JavaScript's JSON.stringify would drop the zeros itself.
  const body = (value, low = '4.60', extra = '') => `{"resourceType":"Observation","status":"final",` +
    `"code":{"coding":[{"system":"${JLAC10}","code":"3D046000001906202","display":"HbA1c"}]},` +
    `"subject":{"reference":"Patient/${P}"},"effectiveDateTime":"2026-03-01T09:00:00+09:00",` +
    `"valueQuantity":{"value":${value},"unit":"%","system":"http://unitsofmeasure.org","code":"%"},` +
    `"referenceRange":[{"low":{"value":${low},"unit":"%"},"high":{"value":6.20,"unit":"%"}}]${extra}}`;
  const h = { 'Content-Type': 'application/fhir+json' };
  for (const [value, low] of [['7.0', '4.60'], ['1.00', '0.0070'], ['-0.50', '1e3'], ['7', '6.02E+2']]) {
    const r = await post(DR, '/fhir/Observation', body(value, low), { headers: h });
    assert.equal(r.status, 201, r.text);
    assert.match(r.text, new RegExp(`"value":${value.replace('+', '\\+')},"unit":"%"`));
    assert.match(r.text, new RegExp(`"low":\\{"value":${low.replace('+', '\\+')},`));
    assert.match(r.text, /"high":\{"value":6\.20,/);
    const back = await get(DR, `/fhir/Observation/${r.json.id}`);
    assert.match(back.text, new RegExp(`"value":${value.replace('+', '\\+')},"unit":"%"`));
    const found = await get(DR, `/fhir/Observation?_id=${r.json.id}`);
    assert.match(found.text, /"high":\{"value":6\.20,/);
    (made.Observation ||= []).push(r.json.id);
  }
  // refused, each with its own reason, and nothing stored
  const before = (await get(DR, `/fhir/Observation?subject=Patient/${P}&_summary=count`)).json.total;
  const bad = [
    ['123456789012345678901234567890', /more than 18 digits/],
    ['1.5e400', /beyond the range of a double/],
    ['1e-400', /too small to be told from zero/],
    ['"7.0"', /expected a number/],
  ];
  for (const [value, why] of bad) {
    const r = await post(DR, '/fhir/Observation', body(value), { headers: h });
    outcome(r, 400);
    assert.match(r.text, why, value);
  }
  // a string cannot pose as a number: U+FDD0 is renkei's mark for a decimal
  for (const text of ['\\ufdd07.0', '\uFDD07.0']) {
    const r = await post(DR, '/fhir/Observation', body('7.0', '4.60', `,"note":[{"text":"${text}"}]`), { headers: h });
    outcome(r, 400);
    assert.match(r.text, /U\+FDD0/);
  }
  // a number where a string belongs is refused as before
  const r = await post(DR, '/fhir/Observation', body('7.0', '4.60', ',"note":[{"text":1.50}]'), { headers: h });
  outcome(r, 400);
  assert.match(r.text, /expected a JSON string/);
  assert.equal((await get(DR, `/fhir/Observation?subject=Patient/${P}&_summary=count`)).json.total, before);
});
