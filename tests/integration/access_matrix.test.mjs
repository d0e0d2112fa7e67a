// access_matrix.test.mjs — who sees what, generated over every role × consent
// state × emergency state × access path. For each case the test computes the
// expected visibility from the rules of DESIGN §5 (an oracle written here,
// independent of access/decide.c), then asserts it record by record on every
// path, and that a denied record leaks nothing: not its content, not its
// count, not its existence (the same answer as a record that does not exist).
// Each patient also has one clinical record of every category at S (and a
// post on the care team's timeline, which 包括同意 alone opens); the
// oracle (role table × the grant each state and phase opens) says which
// categories $everything, reads and counts must show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, http, get, post, put, outcome, patient, cleanupStore, totp, LOCAL_SYSTEM, DEMO_PASSWORD, DEMO_SECRET } from './harness.mjs';

const S_FAC = '2011000011';  // the disclosing facility (信州れんけい総合病院)
const F_FAC = '2011000029';  // the viewing facility (あずみの中央病院, 長野県安曇野市)
const O_FAC = '2011100018';  // another facility (やまびこ内科クリニック)
const org = (code) => ({ reference: `Organization/org-${code}` });

let SRV, SD, FCLERK, OP, SOCIAL;
const principals = {};  // role → client at F (operator: the network office)
const cases = [];       // one patient per consent state

const CONSENT_STATES = ['none', 'ind_F', 'ind_other', 'ind_all_reg', 'ind_all_unreg', 'comp_member', 'comp_nomember',
  'refused', 'withdrawn', 'expired'];
const PHASES = ['none', 'disaster', 'emergency', 'emergency_ended'];
const ELIGIBLE = new Set(['doctor', 'nurse']); // of a hospital (F is one)

/** The oracle: may a principal of this role at F see the demographics S holds? */
function expectVisible(role, state, phase) {
  if (role === 'operator') return true;           // the operator manages identities and consents
  if (state === 'refused') return false;          // a refusal holds even in an emergency
  if (['ind_F', 'ind_all_reg', 'comp_member'].includes(state)) return true;
  if (phase === 'disaster' && role !== 'system') return true;   // the emergency summary includes demographics
  if (phase === 'emergency' && ELIGIBLE.has(role)) return true; // break-the-glass opens the clinical record
  return false;
}

/* The clinical record S holds for each case: one record of each category. */
const CATEGORY_OF = { Condition: 'condition', Observation: 'lab', MedicationRequest: 'medication', AllergyIntolerance: 'allergy',
  Encounter: 'clinical', ImagingStudy: 'imaging', DocumentReference: 'document', Communication: 'collab' };
const ROLE_SEES = { // the role table of docs/ACCESS.md, written out again here
  doctor: 'all', dentist: 'all', nurse: 'all', system: 'all',
  pharmacist: ['allergy', 'condition', 'medication', 'lab', 'document', 'collab'],
  visiting_nurse: ['allergy', 'condition', 'medication', 'lab', 'clinical', 'document', 'collab'],
  therapist: ['allergy', 'condition', 'medication', 'lab', 'clinical', 'imaging', 'collab'],
  care_manager: ['allergy', 'condition', 'medication', 'collab'],
  care_worker: ['allergy', 'collab'], social_worker: ['allergy', 'collab'], // 介護職・相談員: no clinical record
  clerk: [], facility_admin: [], operator: [],
};
const FULL = ['allergy', 'condition', 'medication', 'lab', 'clinical', 'imaging', 'document'];
const EVERY = [...FULL, 'collab']; // the care team's posts (多職種連携) are opened by 包括同意 alone
const SUMMARY = ['allergy', 'condition', 'medication', 'lab'];

/** The oracle for clinical records: which categories of S's record may the principal see? */
function expectCategories(role, state, phase) {
  if (!expectVisible(role, state, phase) || state === 'refused') return [];
  const opened = new Set();
  if (['ind_F', 'ind_all_reg'].includes(state)) FULL.forEach((x) => opened.add(x));
  if (state === 'comp_member') [...SUMMARY, 'document', 'collab'].forEach((x) => opened.add(x)); // the team's documents too
  if (phase === 'disaster' && role !== 'system') SUMMARY.forEach((x) => opened.add(x));
  if (phase === 'emergency' && ELIGIBLE.has(role)) FULL.forEach((x) => opened.add(x));
  const allowed = ROLE_SEES[role] === 'all' ? EVERY : ROLE_SEES[role];
  return [...opened].filter((x) => allowed.includes(x)).sort();
}

function clinicalRecords(pid) {
  const subject = { reference: `Patient/${pid}` };
  const code = (system, c) => ({ coding: [{ system, code: c }] });
  return [
    { resourceType: 'Condition', subject, code: code('http://hl7.org/fhir/sid/icd-10', 'I10') },
    { resourceType: 'Observation', status: 'final', subject, code: code('urn:oid:1.2.392.200119.4.504', '3D046000001920402'),
      effectiveDateTime: '2026-03-01', valueQuantity: { value: 7.1, unit: '%' } },
    { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject,
      medicationCodeableConcept: code('urn:oid:1.2.392.200119.4.403.1', '103835401') },
    { resourceType: 'AllergyIntolerance', patient: subject, criticality: 'high', code: code('urn:oid:1.2.392.200119.4.403.1', '100795402') },
    { resourceType: 'Encounter', status: 'finished', subject, class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } },
    { resourceType: 'ImagingStudy', status: 'available', subject },
    { resourceType: 'DocumentReference', status: 'current', subject, content: [{ attachment: { contentType: 'text/plain', title: '診療情報提供書' } }] },
    { resourceType: 'Communication', status: 'completed', subject, sent: '2026-03-01T10:00:00+09:00', payload: [{ contentString: '退院後の訪問の予定です' }] },
  ];
}

/** May the principal see the patient's Consent records (recorded at S)? */
function expectConsentVisible(role, state) {
  return role === 'operator' || state === 'ind_all_reg'; // staff of a facility where the patient is registered
}

function consent(patientId, kind, { source, viewer, start, end } = {}) {
  const actor = [];
  if (source) actor.push({ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' }] }, reference: org(source) });
  if (viewer) actor.push({ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: org(viewer) });
  const c = {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: kind }] }],
    patient: { reference: `Patient/${patientId}` }, dateTime: '2026-01-05',
    provision: { type: kind === 'refusal' ? 'deny' : 'permit' },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書（スキャン）', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') },
  };
  if (actor.length) c.provision.actor = actor;
  if (start || end) c.provision.period = { ...(start && { start }), ...(end && { end }) };
  return c;
}

before(async () => {
  SRV = await startServer();
  SD = await SRV.login('dr.renkei');                 // a doctor of S, who registers and records
  OP = await SRV.login('operator');
  principals.doctor = await SRV.login('dr.azumino');
  principals.therapist = await SRV.login('pt.azumino');
  for (const role of ['dentist', 'pharmacist', 'nurse', 'visiting_nurse', 'care_manager', 'care_worker',
    'clerk', 'facility_admin'])
    principals[role] = await SRV.newStaff(`${role.replace('_', '')}.f`, F_FAC, role);
  // 相談員 reads exactly what 介護職 reads (the role table): the matrix runs 介護職, the test of both below 相談員 too
  SOCIAL = await SRV.newStaff('socialworker.f', F_FAC, 'social_worker');
  principals.operator = OP;
  principals.system = await SRV.system(F_FAC, 'system/*.read');
  FCLERK = principals.clerk;
  for (const [i, state] of CONSENT_STATES.entries()) {
    const family = `試験${'一二三四五六七八九十'[i]}郎`; // a family name no other patient has
    const kana = `シケン${'アイウエオカキクケコ'[i]}`;
    const p = await post(SD, '/fhir/Patient', patient(S_FAC, `M${i}`, { family, familyKana: kana }));
    assert.equal(p.status, 201, p.text);
    const rid = p.json.identifier.find((x) => x.system === 'urn:renkei:regional-patient-id').value;
    const c = { state, id: p.json.id, local: `M${i}`, family, rid, consents: 0, records: {} };
    for (const body of clinicalRecords(p.json.id)) {
      const r = await post(SD, `/fhir/${body.resourceType}`, body);
      assert.equal(r.status, 201, r.text);
      c.records[body.resourceType] = r.json.id;
    }
    const rec = async (body) => { const r = await post(SD, '/fhir/Consent', body); assert.equal(r.status, 201, r.text); c.consents++; return r; };
    if (state === 'ind_F') {
      const r = await rec(consent(c.id, 'individual', { source: S_FAC, viewer: F_FAC }));
      const by = r.json.extension.find((e) => e.url === 'urn:renkei:extension:recorded-by');
      assert.equal(by.valueIdentifier.value, `dr.renkei@${S_FAC}`, 'the consent says who recorded it, and where');
      assert.equal(r.json.sourceAttachment.title, '同意書（スキャン）', 'the scanned form is kept');
    }
    if (state === 'ind_other') await rec(consent(c.id, 'individual', { source: S_FAC, viewer: O_FAC }));
    if (state === 'ind_all_reg') {
      // F registers the person too; the operator links the two registrations
      // (a registration never names a regional ID itself), then S records
      // the consent for the person as it now is.
      const f = await post(FCLERK, '/fhir/Patient', patient(F_FAC, `F${i}`, { family, familyKana: kana }));
      assert.equal(f.status, 201, f.text);
      await SRV.link(rid, f.json.identifier.find((x) => x.system === 'urn:renkei:regional-patient-id').value);
    }
    if (state === 'ind_all_reg' || state === 'ind_all_unreg') await rec(consent(c.id, 'individual', { source: S_FAC }));
    if (state === 'comp_member' || state === 'comp_nomember') {
      await rec(consent(c.id, 'comprehensive'));
      const team = { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${c.id}` },
        participant: [{ member: org(state === 'comp_member' ? F_FAC : O_FAC) }, { member: org(S_FAC) }] };
      assert.equal((await post(SD, '/fhir/CareTeam', team)).status, 201);
    }
    if (state === 'refused') {
      await rec(consent(c.id, 'individual', { source: S_FAC, viewer: F_FAC }));
      await rec(consent(c.id, 'refusal'));
    }
    if (state === 'withdrawn') {
      const r = await rec(consent(c.id, 'individual', { source: S_FAC, viewer: F_FAC }));
      const w = await put(SD, `/fhir/Consent/${r.json.id}`, { ...r.json, status: 'inactive' });
      assert.equal(w.status, 200, w.text);
    }
    if (state === 'expired') await rec(consent(c.id, 'individual', { source: S_FAC, viewer: F_FAC, start: '2020-01-01', end: '2021-03-31' }));
    cases.push(c);
  }
});

after(async () => {
  await SRV.checkAudit();
  assert.equal(await SRV.stop(), 0);
  cleanupStore(SRV.store);
});

const enc = encodeURIComponent;

/** Check every access path for one principal and one case. Returns the number of assertions made. */
async function checkPaths(role, c, phase) {
  // one re-authentication opens one episode: in the emergency phases each
  // patient's episode is another account's of the same role at F
  const who = (phase === 'emergency' || phase === 'emergency_ended') && c.btg?.[role] ? c.btg[role] : principals[role];
  const want = expectVisible(role, c.state, phase);
  const label = `${role} / ${c.state} / ${phase}`;
  const read = await get(who, `/fhir/Patient/${c.id}`);
  if (want) {
    assert.equal(read.status, 200, `${label}: read should be allowed: ${read.text.slice(0, 200)}`);
  } else {
    assert.equal(read.status, 404, `${label}: read should look like a missing record, got ${read.status}`);
    const missing = await get(who, `/fhir/Patient/${c.id.replace(/.$/, (x) => (x === 'z' ? 'y' : 'z'))}`);
    assert.equal(read.json.issue[0].diagnostics.replace(c.id, 'X'),
      missing.json.issue[0].diagnostics.replace(/Patient\/\S+/, 'Patient/X'), `${label}: denied and missing answer alike`);
  }
  const vread = await get(who, `/fhir/Patient/${c.id}/_history/1`);
  assert.equal(vread.status, want ? 200 : 404, `${label}: vread`);
  const hist = await get(who, `/fhir/Patient/${c.id}/_history`);
  assert.equal(hist.status, want ? 200 : 404, `${label}: history`);
  const byId = await get(who, `/fhir/Patient?identifier=${enc(`${LOCAL_SYSTEM(S_FAC)}|${c.local}`)}`);
  assert.equal(byId.json.total, want ? 1 : 0, `${label}: search by identifier`);
  assert.equal((byId.json.entry || []).length, want ? 1 : 0, `${label}: search entries`);
  // counting by name: S's record, plus F's own registration in the ind_all_reg case (F's own data)
  const ownAtF = c.state === 'ind_all_reg' && role !== 'operator' ? 1 : 0;
  const opExtra = c.state === 'ind_all_reg' && role === 'operator' ? 1 : 0;
  const byName = await get(who, `/fhir/Patient?family=${enc(c.family)}&_summary=count`);
  assert.equal(byName.json.total, (want ? 1 : 0) + ownAtF + opExtra, `${label}: count by name`);
  const pix = await get(who, `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${LOCAL_SYSTEM(S_FAC)}|${c.local}`)}`);
  assert.equal(pix.status, want ? 200 : 404, `${label}: PIX`);
  const consents = await get(who, `/fhir/Consent?patient=${enc(`Patient/${c.id}`)}&_summary=count`);
  assert.equal(consents.json.total, expectConsentVisible(role, c.state) ? c.consents : 0, `${label}: consents`);
  // the clinical record: $everything shows exactly the categories the role and the grant open
  const cats = expectCategories(role, c.state, phase);
  const ever = await get(who, `/fhir/Patient/${c.id}/$everything?_type=${Object.keys(CATEGORY_OF).join(',')}&_count=50`);
  assert.equal(ever.status, want ? 200 : 404, `${label}: $everything`);
  const seen = (ever.json.entry || []).map((e) => CATEGORY_OF[e.resource.resourceType]).sort();
  assert.deepEqual(seen, cats, `${label}: clinical categories`);
  assert.equal(ever.json.total ?? 0, cats.length, `${label}: $everything total`);
  const lab = await get(who, `/fhir/Observation/${c.records.Observation}`);
  assert.equal(lab.status, cats.includes('lab') ? 200 : 404, `${label}: lab result read`);
  const labs = await get(who, `/fhir/Observation?patient=${c.id}&_summary=count`);
  assert.equal(labs.json.total, cats.includes('lab') ? 1 : 0, `${label}: lab result count`);
  return 14;
}

async function checkAll(phase) {
  let n = 0;
  for (const role of Object.keys(principals))
    for (const c of cases) n += await checkPaths(role, c, phase);
  return n;
}

test('no emergency: consent decides', async () => {
  assert.ok(await checkAll('none') >= 990);
});

test('介護職 and 相談員 on the care team under 包括同意: the allergies, and no clinical record, as if it did not exist', async () => {
  const c = cases.find((x) => x.state === 'comp_member');
  const missingOf = (id) => id.replace(/.$/, (x) => (x === 'z' ? 'y' : 'z'));
  const masked = (r, id) => JSON.stringify({ status: r.status, body: r.text.split(id).join('<id>'),
    headers: [...r.headers.entries()].filter(([k]) => !['date', 'x-request-id'].includes(k)) });
  for (const role of ['care_worker', 'social_worker']) {
    const who = role === 'social_worker' ? SOCIAL : principals[role];
    const allergy = await get(who, `/fhir/AllergyIntolerance/${c.records.AllergyIntolerance}`);
    assert.equal(allergy.status, 200, `${role}: ${allergy.text}`);
    assert.equal(allergy.json.criticality, 'high', `${role}: the allergy as S recorded it`);
    const allergies = await get(who, `/fhir/AllergyIntolerance?patient=${c.id}`);
    assert.deepEqual(allergies.json.entry.map((e) => e.resource.id), [c.records.AllergyIntolerance]);
    for (const type of ['Condition', 'Observation', 'MedicationRequest', 'Encounter', 'DocumentReference']) {
      const id = c.records[type];
      const hidden = await get(who, `/fhir/${type}/${id}`), missing = await get(who, `/fhir/${type}/${missingOf(id)}`);
      assert.equal(hidden.status, 404, `${role}: ${type} is not its to see`);
      assert.equal(masked(hidden, id), masked(missing, missingOf(id)), `${role}: ${type} answered as a missing record`);
      const search = await get(who, `/fhir/${type}?patient=${c.id}&_summary=count`);
      assert.equal(search.json.total, 0, `${role}: ${type} counted`);
    }
    // the doctor of the same facility, on the same team, sees the summary: the role makes the difference
    assert.equal((await get(principals.doctor, `/fhir/Condition/${c.records.Condition}`)).status, 200);
  }
  // the team's forms are collaboration data: S's face sheet and visit record, vitals and all, are theirs to read
  const fs = await put(SD, `/api/collab/facesheet?patient=Patient/${c.id}`, { item: [
    { linkId: '1', item: [{ linkId: '1.1', answer: [{ valueDate: '2026-03-01' }] }] },
    { linkId: '9', item: [{ linkId: '9.1', answer: [{ valueCoding: { code: '1' } }] }] }] });
  assert.equal(fs.status, 201, fs.text);
  const start = new Date(Date.now() - 3600000).toISOString(), end = new Date(Date.now() - 1800000).toISOString();
  const v = await post(SD, `/api/collab/visits?patient=Patient/${c.id}`, { kind: 'nurse', start, end, vitals: { temp: 36.6, pulse: 68 } });
  assert.equal(v.status, 201, v.text);
  for (const role of ['care_worker', 'social_worker', 'care_manager']) {
    const who = role === 'social_worker' ? SOCIAL : principals[role];
    assert.equal((await get(who, `/fhir/QuestionnaireResponse/${fs.json.id}`)).status, 200, `${role}: the face sheet`);
    const visits = await get(who, `/api/collab/visits?patient=Patient/${c.id}`);
    assert.equal(visits.status, 200, `${role}: ${visits.text}`);
    assert.deepEqual(visits.json.visits.map((x) => x.vitals), [{ temp: 36.6, pulse: 68 }], `${role}: the vitals in the record`);
    const hidden = await get(who, `/fhir/${v.json.observations[0]}`);
    assert.equal(hidden.status, 404, `${role}: the extracted vital sign is laboratory data`);
  }
  assert.equal((await get(principals.doctor, `/fhir/${v.json.observations[0]}`)).status, 200, 'the doctor sees it with the lab data');
  // the case keeps one record of each category for the phases that follow
  for (const o of [...v.json.observations, v.json.communication]) assert.ok((await http(SD, 'DELETE', `/fhir/${o}`)).status < 300);
});

test('disaster mode declared for the viewing facility\'s area opens the emergency summary', async () => {
  const d = await post(OP, '/api/disaster', { municipalities: ['202207'], hours: 1, note: '訓練' });
  assert.equal(d.status, 201, d.text);
  assert.equal((await post(principals.doctor, '/api/disaster', { municipalities: ['200000'], hours: 1 })).status, 403, 'only the operator declares');
  await checkAll('disaster');
  assert.equal((await http(OP, 'POST', `/api/disaster/${d.json.declaration}/end`)).status, 204);
});

test('break-the-glass: eligible roles only, fresh re-authentication, one patient and one episode at a time', async () => {
  for (const [role, who] of Object.entries(principals)) {
    if (role === 'system') continue;
    const first = await post(who, '/api/emergency', { patient: `Patient/${cases[0].id}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送' });
    if (!ELIGIBLE.has(role)) {
      assert.equal(first.status, 403, `${role} may not break the glass`);
      continue;
    }
    assert.equal(first.status, 403, `${role}: re-authentication first`);
    assert.equal(first.json.issue[0].details.coding[0].code, 'reauth_required');
    const secret = who.secret || DEMO_SECRET, password = who.password || DEMO_PASSWORD;
    // the login used this step's code: the next step's (within the window of one step)
    const re = await post(who, '/api/reauth', { password, code: totp(secret, Date.now() + 30000) });
    assert.equal(re.status, 200, re.text);
    const bad = await post(who, '/api/emergency', { patient: `Patient/${cases[0].id}`, reason_code: 'curious', reason_text: 'x' });
    outcome(bad, 400);
    const open = async (by, c) => {
      const e = await post(by, '/api/emergency', { patient: `Patient/${c.id}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送、本人確認不可' });
      assert.equal(e.status, 201, e.text);
      c[`episode_${role}`] = e.json.episode;
    };
    await open(who, cases[0]);
    const second = await post(who, '/api/emergency', { patient: `Patient/${cases[1].id}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送' });
    assert.equal(second.json.issue[0].details.coding[0].code, 'reauth_required', `${role}: one re-authentication, one episode`);
    // the other patients: a colleague of the same role each (a new one-time
    // code every 30 s would make one person take minutes)
    for (const c of cases.slice(1)) {
      const by = await SRV.newStaff(`${role}.btg${cases.indexOf(c)}`, F_FAC, role);
      const r = await post(by, '/api/reauth', { password: by.password, code: totp(by.secret, Date.now() + 30000) });
      assert.equal(r.status, 200, r.text);
      await open(by, c);
      c.btg = { ...c.btg, [role]: by };
    }
  }
  await checkAll('emergency');
  // the episodes are in the review queue of S's privacy officer, with a deadline
  const admin = await SRV.login('admin.renkei');
  const queue = await get(admin, '/api/emergency/review');
  assert.equal(queue.status, 200);
  assert.ok(queue.json.episodes.length >= 2 * cases.length, 'every episode opened S\'s records and is to be reviewed');
  assert.ok(queue.json.episodes.every((e) => e.review_status === 'pending' && e.review_due > e.started));
  const r = await post(admin, `/api/emergency/${queue.json.episodes[0].episode}/review`, { status: 'appropriate', note: '救急外来で確認済み' });
  assert.equal(r.status, 204);
  assert.equal((await get(principals.clerk, '/api/emergency/review')).status, 403);
});

test('ended episodes open nothing more; the patient\'s access report lists every look', async () => {
  for (const role of ELIGIBLE)
    for (const c of cases)
      assert.equal((await http(c.btg?.[role] || principals[role], 'POST', `/api/emergency/${c[`episode_${role}`]}/end`)).status, 204);
  await checkAll('emergency_ended');
  // the access report of the patient who had no consent: the operator prints
  // it in full; S's staff see S's own accesses; F may not have it
  const c = cases[0];
  const atS = await get(SD, `/fhir/Patient/${c.id}/$access-report`);
  assert.equal(atS.status, 200, atS.text);
  assert.ok(atS.json.entry.every((e) => e.resource.agent[0].who.display.endsWith(`@ ${S_FAC}`)), 'S sees its own facility\'s accesses only');
  const report = await get(OP, `/fhir/Patient/${c.id}/$access-report`);
  assert.equal(report.status, 200, report.text);
  const events = report.json.entry.map((e) => e.resource);
  const accounts = new Set(events.map((e) => e.agent[0].who?.identifier?.value));
  assert.ok(accounts.has('dr.azumino') && accounts.has('operator'), 'who looked is listed');
  const btg = events.filter((e) => e.subtype?.[0]?.code === '110127');
  assert.ok(btg.length >= 2, 'break-the-glass episodes are shown to the patient');
  assert.ok(btg.every((e) => e.purposeOfEvent[0].coding[0].code === 'ETREAT'));
  const viaEmergency = events.filter((e) => (e.agent[0].policy || []).some((p) => p.startsWith('urn:renkei:grant:emergency')));
  assert.ok(viaEmergency.length > 0, 'looks under an emergency grant say so');
  assert.equal((await get(principals.doctor, `/fhir/Patient/${c.id}/$access-report`)).status, 404);
});
