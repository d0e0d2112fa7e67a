// fhir_api.test.mjs — the FHIR R4 API end to end over HTTP: CapabilityStatement,
// create/read/vread/update/delete/history, search with every supported
// parameter kind, paging, regional patient identity (PIX), and the demo region.
// Every FHIR resource the server returns is checked against the R4 JSON schema.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, get, post, put, http, outcome, organization, patient, cleanupStore,
  LOCAL_SYSTEM, REGION_SYSTEM, FACILITY_SYSTEM, BACKEND, schemaValidations,
} from './harness.mjs';

// The demo region's facilities and accounts, without patients: the hospital's
// doctor (A) and the clinic's doctor (C) register patients; the operator (OP),
// who may see every patient's demographics, searches across facilities.
let S, A, C, OP;
const HOSP = '2011000011', CLINIC = '2011100018';

before(async () => {
  S = await startServer();
  A = await S.login('dr.renkei');
  C = await S.login('dr.yamabiko');
  OP = await S.login('operator');
});

after(async () => {
  assert.ok((await S.checkAudit()) > 50, 'every request left one audit entry');
  assert.equal(await S.stop(), 0, 'the server stops cleanly on SIGTERM');
  cleanupStore(S.store);
  assert.ok(schemaValidations() > 20, 'responses were schema-checked');
});

test(`CapabilityStatement lists what is implemented (${BACKEND})`, async () => {
  const r = await get(S, '/fhir/metadata');
  assert.equal(r.status, 200);
  assert.equal(r.json.resourceType, 'CapabilityStatement');
  assert.equal(r.json.fhirVersion, '4.0.1');
  const types = r.json.rest[0].resource.map((x) => x.type);
  assert.deepEqual(types, ['Patient', 'Organization', 'Practitioner', 'Consent', 'CareTeam', 'Encounter', 'Condition',
    'AllergyIntolerance', 'Procedure', 'MedicationRequest', 'MedicationAdministration', 'MedicationDispense',
    'Immunization', 'Observation', 'DiagnosticReport', 'ImagingStudy', 'ServiceRequest', 'NutritionOrder', 'DocumentReference',
    'Binary', 'Composition', 'Coverage', 'Specimen', 'Communication', 'RelatedPerson', 'CarePlan', 'Goal', 'Questionnaire',
    'QuestionnaireResponse']);
  const pat = r.json.rest[0].resource[0];
  const params = pat.searchParam.map((p) => p.name);
  for (const p of ['_id', '_lastUpdated', 'identifier', 'name', 'family', 'given', 'birthdate', 'gender'])
    assert.ok(params.includes(p), `Patient search parameter ${p} is advertised`);
  assert.ok(pat.interaction.some((i) => i.code === 'vread'));
  for (const code of ['patch', 'update', 'delete', 'create', 'search-type'])
    assert.ok(pat.interaction.some((i) => i.code === code), `interaction ${code}`);
  assert.equal(pat.conditionalCreate, true);
  assert.equal(pat.conditionalUpdate, true);
  assert.equal(pat.conditionalDelete, 'single');
  assert.equal(pat.conditionalRead, 'full-support');
  assert.match(pat.documentation, /_summary/);
  assert.match(pat.documentation, /_elements/);
  assert.deepEqual(r.json.patchFormat, ['application/json-patch+json']);
  assert.equal(pat.operation[0].name, 'ihe-pix');
});

test('create, read, vread, update with If-Match, history', async () => {
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'H0001'));
  assert.equal(c.status, 201);
  const id = c.json.id;
  assert.match(id, /^[0-9a-z]{26}$/);
  assert.equal(c.headers.get('etag'), 'W/"1"');
  assert.match(c.headers.get('location'), new RegExp(`/fhir/Patient/${id}/_history/1$`));
  assert.ok(c.headers.get('last-modified').endsWith('GMT'));
  const regional = c.json.identifier.find((i) => i.system === REGION_SYSTEM);
  assert.match(regional.value, /^[1-9][0-9]{12}$/, 'a regional patient ID is assigned');

  const r = await get(A, `/fhir/Patient/${id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.meta.versionId, '1');
  assert.equal(r.json.name[0].family, '山田');
  assert.equal(r.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
  assert.equal(r.headers.get('cache-control'), 'no-store');

  const changed = { ...r.json, birthDate: '1950-04-02' };
  const stale = await put(A, `/fhir/Patient/${id}`, changed, { headers: { 'If-Match': 'W/"7"' } });
  assert.match(outcome(stale, 412), /current version is 1/);
  const u = await put(A, `/fhir/Patient/${id}`, changed, { headers: { 'If-Match': 'W/"1"' } });
  assert.equal(u.status, 200);
  assert.equal(u.json.meta.versionId, '2');
  assert.equal(u.json.birthDate, '1950-04-02');

  const v1 = await get(A, `/fhir/Patient/${id}/_history/1`);
  assert.equal(v1.json.birthDate, '1950-04-01');
  const v2 = await get(A, `/fhir/Patient/${id}/_history/2`);
  assert.equal(v2.json.birthDate, '1950-04-02');
  outcome(await get(A, `/fhir/Patient/${id}/_history/3`), 404);
  outcome(await get(A, `/fhir/Patient/${id}/_history/x`), 404);

  const h = await get(A, `/fhir/Patient/${id}/_history`);
  assert.equal(h.json.type, 'history');
  assert.equal(h.json.total, 2);
  assert.deepEqual(h.json.entry.map((e) => e.resource.meta.versionId), ['2', '1']);
  assert.equal(h.json.entry[0].request.method, 'PUT');
  assert.equal(h.json.entry[1].request.method, 'POST');
  assert.equal(h.json.entry[0].response.etag, 'W/"2"');

  const th = await get(A, '/fhir/Patient/_history?_count=1');
  assert.equal(th.json.entry.length, 1);
  assert.ok(th.json.link.some((l) => l.relation === 'next'));
  const sh = await get(A, '/fhir/_history?_count=50');
  assert.ok(sh.json.total >= 4, 'system history includes the Organizations');
});

test('update as create with a client id; delete; read after delete is 410', async () => {
  const body = { ...patient(HOSP, 'H0002', { family: '佐藤', familyKana: 'サトウ', given: '花子', givenKana: 'ハナコ', gender: 'female' }), id: `${HOSP}-sato-h0002` };
  const c = await put(A, `/fhir/Patient/${HOSP}-sato-h0002`, body);
  assert.equal(c.status, 201);
  const d = await http(A, 'DELETE', `/fhir/Patient/${HOSP}-sato-h0002`);
  assert.equal(d.status, 200);
  assert.equal(d.headers.get('etag'), 'W/"2"');
  assert.match(outcome(await get(A, `/fhir/Patient/${HOSP}-sato-h0002`), 410), /deleted/);
  outcome(await get(A, `/fhir/Patient/${HOSP}-sato-h0002/_history/2`), 410);
  assert.equal((await get(A, `/fhir/Patient/${HOSP}-sato-h0002/_history/1`)).status, 200);
  const again = await http(A, 'DELETE', `/fhir/Patient/${HOSP}-sato-h0002`);
  assert.equal(again.status, 200, 'delete is idempotent');
  const h = await get(A, `/fhir/Patient/${HOSP}-sato-h0002/_history`);
  assert.equal(h.json.total, 2);
  assert.equal(h.json.entry[0].request.method, 'DELETE');
  assert.equal(h.json.entry[0].resource, undefined);
  const s = await get(A, '/fhir/Patient?identifier=H0002');
  assert.equal(s.json.total, 0, 'a deleted resource is not found');
  // re-creating the deleted resource continues its history
  const re = await put(A, `/fhir/Patient/${HOSP}-sato-h0002`, body);
  assert.equal(re.status, 201);
  assert.equal(re.json.meta.versionId, '3');
  // an id of its own choosing begins with the facility's code: any other is
  // not one the facility may take (so it can never name another's record)
  const other = await put(A, '/fhir/Patient/sato-h0004', { ...patient(HOSP, 'H0004'), id: 'sato-h0004' });
  assert.match(outcome(other, 404), /begin the id with your facility code/);
  const clinicId = await put(A, '/fhir/Patient/2011100018-x', { ...patient(HOSP, 'H0004'), id: '2011100018-x' });
  assert.equal(outcome(clinicId, 404).replace('2011100018-x', ''), outcome(other, 404).replace('sato-h0004', ''));
  // the directory (not patient data) takes any id
  assert.equal((await put(OP, '/fhir/Organization/any-id-1', { ...organization('1310009999', '試験医院'), id: 'any-id-1' })).status, 201);
});

test('Prefer: return=minimal and return=OperationOutcome', async () => {
  const m = await post(A, '/fhir/Patient', patient(HOSP, 'H0003'), { headers: { Prefer: 'return=minimal' } });
  assert.equal(m.status, 201);
  assert.equal(m.text, '');
  assert.ok(m.headers.get('location'));
  const o = await post(A, '/fhir/Patient', patient(HOSP, 'H0004'), { headers: { Prefer: 'return=OperationOutcome' } });
  assert.equal(o.status, 201);
  assert.equal(o.json.resourceType, 'OperationOutcome');
});

test('regional identity: two facilities, one person; PIX cross-reference', async () => {
  const a = await post(A, '/fhir/Patient', patient(HOSP, 'H1001', { family: '鈴木', familyKana: 'スズキ', given: '一郎', givenKana: 'イチロウ' }));
  const rid = a.json.identifier.find((i) => i.system === REGION_SYSTEM).value;
  // the clinic may not link its registration by naming the person's regional ID ...
  const named = await post(C, '/fhir/Patient', patient(CLINIC, 'C0042', { family: '鈴木', familyKana: 'スズキ', given: '一郎', givenKana: 'イチロウ', regional: rid }));
  assert.match(outcome(named, 400), /cannot name a regional patient ID/);
  // ... it registers the person, and the operator links the two registrations
  const b0 = await post(C, '/fhir/Patient', patient(CLINIC, 'C0042', { family: '鈴木', familyKana: 'スズキ', given: '一郎', givenKana: 'イチロウ' }));
  assert.equal(b0.status, 201);
  assert.notEqual(a.json.id, b0.json.id);
  await S.link(rid, b0.json.identifier.find((i) => i.system === REGION_SYSTEM).value);
  const b = await get(C, `/fhir/Patient/${b0.json.id}`);
  assert.equal(b.json.identifier.find((i) => i.system === REGION_SYSTEM).value, rid);
  // both registrations resolve to one regional patient
  const byRegional = await get(OP, `/fhir/Patient?identifier=${encodeURIComponent(`${REGION_SYSTEM}|${rid}`)}`);
  assert.equal(byRegional.json.total, 2);
  // PIX from the clinic's local ID
  const pix = await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`${LOCAL_SYSTEM(CLINIC)}|C0042`)}`);
  assert.equal(pix.status, 200);
  assert.equal(pix.json.resourceType, 'Parameters');
  const ids = pix.json.parameter.filter((p) => p.name === 'targetIdentifier').map((p) => `${p.valueIdentifier.system}|${p.valueIdentifier.value}`);
  assert.ok(ids.includes(`${REGION_SYSTEM}|${rid}`));
  assert.ok(ids.includes(`${LOCAL_SYSTEM(HOSP)}|H1001`));
  assert.ok(ids.includes(`${LOCAL_SYSTEM(CLINIC)}|C0042`));
  const refs = pix.json.parameter.filter((p) => p.name === 'targetId').map((p) => p.valueReference.reference);
  assert.deepEqual(refs.sort(), [`Patient/${a.json.id}`, `Patient/${b.json.id}`].sort());
  // targetSystem filter, lookup by regional ID
  const only = await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`${REGION_SYSTEM}|${rid}`)}&targetSystem=${encodeURIComponent(LOCAL_SYSTEM(HOSP))}`);
  const only_ids = only.json.parameter.filter((p) => p.name === 'targetIdentifier');
  assert.equal(only_ids.length, 1);
  assert.equal(only_ids[0].valueIdentifier.value, 'H1001');
  outcome(await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`${LOCAL_SYSTEM(CLINIC)}|NOPE`)}`), 404);
  outcome(await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent('urn:other|1')}`), 400);
  outcome(await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${encodeURIComponent(`${REGION_SYSTEM}|${rid}`)}&targetSystem=urn:other`), 403);
  // the regional ID cannot be changed by an update (that would be a merge)
  const other = await post(C, '/fhir/Patient', patient(CLINIC, 'C0043'));
  const otherRid = other.json.identifier.find((i) => i.system === REGION_SYSTEM).value;
  const moved = structuredClone(b.json);
  moved.identifier.find((i) => i.system === REGION_SYSTEM).value = otherRid;
  assert.match(outcome(await put(C, `/fhir/Patient/${b.json.id}`, moved), 409), /merge/);
  // an update that omits the regional ID keeps it
  const kept = structuredClone(b.json);
  kept.identifier = kept.identifier.filter((i) => i.system !== REGION_SYSTEM);
  const ku = await put(C, `/fhir/Patient/${b.json.id}`, kept);
  assert.equal(ku.status, 200);
  assert.equal(ku.json.identifier.find((i) => i.system === REGION_SYSTEM).value, rid);
});

test('search: names in kanji, katakana, hiragana, half-width kana; modifiers', async () => {
  await post(A, '/fhir/Patient', patient(HOSP, 'H2001', { family: '高橋', familyKana: 'タカハシ', given: '美智子', givenKana: 'ミチコ', gender: 'female', birthDate: '1944-11-03' }));
  await post(C, '/fhir/Patient', patient(CLINIC, 'C2002', { family: '髙橋', familyKana: 'タカハシ', given: '健', givenKana: 'ケン', birthDate: '1975-06-15' }));
  const n = async (q) => (await get(OP, `/fhir/Patient?${q}`)).json.total;
  assert.equal(await n(`name=${encodeURIComponent('高橋')}`), 2, '高橋 finds 髙橋 too');
  assert.equal(await n(`family=${encodeURIComponent('たかはし')}`), 2, 'hiragana finds katakana');
  assert.equal(await n(`name=${encodeURIComponent('ﾀｶﾊｼ ﾐﾁｺ')}`), 1, 'half-width kana with the full name');
  assert.equal(await n(`name=${encodeURIComponent('高橋美智子')}`), 1, 'family and given together');
  assert.equal(await n(`given=${encodeURIComponent('ミチ')}`), 1, 'starts-with');
  assert.equal(await n(`name:contains=${encodeURIComponent('智')}`), 1);
  assert.equal(await n(`family:exact=${encodeURIComponent('髙橋')}`), 1);
  assert.equal(await n(`family:exact=${encodeURIComponent('たかはし')}`), 0);
  assert.equal(await n(`name=${encodeURIComponent('高橋')}&gender=female`), 1);
  assert.equal(await n(`name=${encodeURIComponent('高橋')}&gender:not=female`), 1);
  assert.equal(await n(`name=${encodeURIComponent('高橋,鈴木')}`), 4, 'comma means OR');
  assert.equal(await n(`identifier=${encodeURIComponent(`${LOCAL_SYSTEM(CLINIC)}|C2002`)}`), 1);
  assert.equal(await n(`identifier=C2002`), 1);
  assert.equal(await n(`identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|C2002`)}`), 0);
  assert.equal(await n(`identifier=${encodeURIComponent(`${LOCAL_SYSTEM(CLINIC)}|`)}&family=${encodeURIComponent('髙橋')}`), 1,
    '"system|" finds every patient of the clinic');
});

test('search: birthdate prefixes, _lastUpdated, _id, _sort, _count paging', async () => {
  const n = async (q) => (await get(OP, `/fhir/Patient?family=${encodeURIComponent('高橋')}&${q}`)).json.total;
  assert.equal(await n('birthdate=1944'), 1);
  assert.equal(await n('birthdate=1944-11'), 1);
  assert.equal(await n('birthdate=eq1944-11-03'), 1);
  assert.equal(await n('birthdate=ne1944-11-03'), 1);
  assert.equal(await n('birthdate=ge1975-06-15'), 1);
  assert.equal(await n('birthdate=gt1975-06-15'), 0);
  assert.equal(await n('birthdate=lt1960'), 1);
  assert.equal(await n('birthdate=le1975-06-15'), 2);
  assert.equal(await n('birthdate=ge1940&birthdate=lt1980'), 2);
  assert.equal(await n('birthdate=sa1950'), 1);
  assert.equal(await n('birthdate=eb1950'), 1);
  assert.equal(await n('birthdate=ap1975-06-10'), 1);
  assert.equal(await n('_lastUpdated=gt2000-01-01'), 2);
  assert.equal(await n('_lastUpdated=lt2000-01-01'), 0);
  const all = await get(OP, `/fhir/Patient?family=${encodeURIComponent('高橋')}&_sort=-birthdate`);
  assert.deepEqual(all.json.entry.map((e) => e.resource.birthDate), ['1975-06-15', '1944-11-03']);
  const asc = await get(OP, `/fhir/Patient?family=${encodeURIComponent('高橋')}&_sort=birthdate`);
  assert.deepEqual(asc.json.entry.map((e) => e.resource.birthDate), ['1944-11-03', '1975-06-15']);
  const id = all.json.entry[0].resource.id;
  assert.equal((await get(OP, `/fhir/Patient?_id=${id}`)).json.total, 1);

  // paging: follow next links until the end, every id seen once
  let url = '/fhir/Patient?_count=3&_sort=_id';
  const seen = new Set();
  let total = null;
  for (let i = 0; url && i < 50; i++) {
    const page = await get(OP, url);
    total ??= page.json.total;
    for (const e of page.json.entry || []) {
      assert.ok(!seen.has(e.resource.id), 'no resource twice across pages');
      seen.add(e.resource.id);
      assert.equal(e.search.mode, 'match');
      assert.equal(e.fullUrl, `${S.fhirBase}/Patient/${e.resource.id}`);
    }
    const next = page.json.link.find((l) => l.relation === 'next');
    url = next ? next.url.slice(S.origin.length) : null;
  }
  assert.equal(seen.size, total);
  const none = await get(OP, '/fhir/Patient?_count=2&_total=none');
  assert.equal(none.json.total, undefined);
  assert.ok(none.json.link.some((l) => l.relation === 'next'), 'next page known without a total');
  const cnt = await get(OP, '/fhir/Patient?_summary=count');
  assert.equal(cnt.json.total, total);
  assert.equal(cnt.json.entry, undefined);
  // POST _search takes the same parameters as a form
  const ps = await http(OP, 'POST', '/fhir/Patient/_search', {
    body: `family=${encodeURIComponent('高橋')}&birthdate=lt1960`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(ps.json.total, 1);
});

test('Organization and Practitioner: facility codes, search, references', async () => {
  const o = await get(A, `/fhir/Organization?identifier=${encodeURIComponent(`${FACILITY_SYSTEM}|${HOSP}`)}`);
  assert.equal(o.json.total, 1);
  assert.equal((await get(A, '/fhir/Organization?type=hospital')).json.total, 2);
  assert.equal((await get(A, `/fhir/Organization?name=${encodeURIComponent('やまびこ')}`)).json.total, 1);
  const pr = {
    resourceType: 'Practitioner',
    identifier: [{ system: `urn:oid:1.2.392.100495.20.3.41.1${HOSP}`, value: 'S0901' }],
    name: [{ text: '大阪 一郎', family: '大阪', given: ['一郎'] }, { text: 'オオサカ イチロウ', family: 'オオサカ', given: ['イチロウ'] }],
    gender: 'male',
    qualification: [{ code: { text: '医師' }, issuer: { reference: `Organization/org-${HOSP}` } }],
  };
  const c = await post(OP, '/fhir/Practitioner', pr);
  assert.equal(c.status, 201);
  assert.equal((await get(A, `/fhir/Practitioner?family=${encodeURIComponent('おおさか')}`)).json.total, 1);
  assert.equal((await get(A, `/fhir/Practitioner?name=${encodeURIComponent('大阪一郎')}`)).json.total, 1);
  // a reference to a resource that does not exist is refused
  const bad = structuredClone(pr);
  bad.qualification[0].issuer.reference = 'Organization/nowhere';
  assert.match(outcome(await post(OP, '/fhir/Practitioner', bad), 400), /Organization\/nowhere does not exist/);
  // the staff directory is the operator's (and facility administrators') to write
  assert.match(outcome(await post(A, '/fhir/Practitioner', pr), 403), /does not write Practitioner/);
  // Patient.managingOrganization reference search
  const p = patient(HOSP, 'H3001');
  p.managingOrganization = { reference: `Organization/org-${HOSP}` };
  await post(A, '/fhir/Patient', p);
  assert.equal((await get(A, `/fhir/Patient?organization=Organization/org-${HOSP}`)).json.total, 1);
  assert.equal((await get(A, `/fhir/Patient?organization=org-${HOSP}`)).json.total, 1);
  assert.equal((await get(A, `/fhir/Patient?organization=${encodeURIComponent(`${S.fhirBase}/Organization/org-${HOSP}`)}`)).json.total, 1);
  // a facility code cannot be taken by a second Organization
  assert.match(outcome(await post(OP, '/fhir/Organization', organization(HOSP, '別の病院')), 409), /already registered/);
  // a facility's data is its own to write: the clinic cannot register a patient at the hospital
  assert.match(outcome(await post(C, '/fhir/Patient', patient(HOSP, 'H3002')), 403), /may not create Patient\/.*only the facility that owns/);
});

test('health check and static files', async () => {
  const h = await get(S, '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
  const index = await get(S, '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  assert.match(index.text, /医療情報連携ネットワーク/);
  assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
  const login = await get(S, '/login.html');
  assert.equal(login.status, 200);
  for (const label of ['ログインID', 'パスワード', 'ワンタイムコード']) assert.ok(login.text.includes(label), label);
  assert.equal((await get(S, '/login.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
});

/* ---- FHIR R4 as integrators expect it (issue 13) ------------------------- */

const obsOf = (pid, extra = {}) => ({ resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${pid}` },
  code: { coding: [{ system: 'urn:oid:1.2.392.200119.4.504', code: '3D046000001920402' }] }, effectiveDateTime: '2026-03-01',
  valueQuantity: { value: 6.1, unit: '%' }, ...extra });
const SUBSETTED = (r) => (r.meta?.tag || []).some((t) => t.code === 'SUBSETTED' && t.system === 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue');

test('the base URL with a trailing slash; what the server does not implement is refused, never ignored', async () => {
  const p = await post(A, '/fhir/Patient/', patient(HOSP, 'H0101', { family: '末尾', familyKana: 'マツビ' }));
  assert.equal(p.status, 201, p.text);
  const batch = await post(A, '/fhir/', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${p.json.id}` } }] });
  assert.equal(batch.status, 200, batch.text);
  assert.equal(batch.json.entry[0].response.status, '200 OK');
  assert.equal((await get(A, `/fhir/Patient/${p.json.id}/`)).json.id, p.json.id);
  assert.equal((await get(A, '/fhir/Patient/?identifier=H0101')).json.total, 1);
  assert.equal((await get(A, '/fhir/metadata/')).json.resourceType, 'CapabilityStatement');
  // parameters, Prefer values and conditional headers nobody implements
  assert.match(outcome(await get(A, `/fhir/Patient/${p.json.id}?_colour=blue`), 400), /_colour/);
  assert.match(outcome(await get(A, `/fhir/Patient/${p.json.id}?name=x`), 400), /not supported/);
  assert.match(outcome(await get(A, `/fhir/Patient/${p.json.id}?_format=xml`), 406), /JSON only/);
  assert.equal((await get(A, `/fhir/Patient/${p.json.id}?_format=json&_pretty=true`)).status, 200);
  assert.match(outcome(await put(A, `/fhir/Patient/${p.json.id}?_format=application/fhir%2Bxml`, p.json), 406), /JSON only/);
  assert.match(outcome(await get(A, '/fhir/Patient?_colour=blue'), 400), /_colour/);
  assert.match(outcome(await get(A, '/fhir/Patient?_has:Observation:subject:code=x'), 400), /_has/);
  assert.match(outcome(await post(A, '/fhir/Patient', patient(HOSP, 'H0102'), { headers: { Prefer: 'respond-async' } }), 400), /respond-async/);
  assert.match(outcome(await get(A, '/fhir/Patient?identifier=H0101', { headers: { Prefer: 'return=minimal' } }), 400), /Prefer/);
  assert.match(outcome(await put(A, `/fhir/Patient/${p.json.id}`, p.json, { headers: { 'If-None-Match': '*' } }), 400), /If-None-Match/);
  assert.match(outcome(await get(A, `/fhir/Patient/${p.json.id}`, { headers: { 'If-Unmodified-Since': 'Mon, 07 Dec 2026 09:00:00 GMT' } }), 400), /If-Unmodified-Since/);
  assert.match(outcome(await post(A, '/fhir/Patient', patient(HOSP, 'H0102'), { headers: { 'If-Match': 'W/"1"' } }), 400), /If-Match/);
  assert.match(outcome(await get(A, '/fhir/Patient?identifier=H0101', { headers: { 'If-None-Exist': 'identifier=H0101' } }), 400), /If-None-Exist/);
  assert.match(outcome(await get(OP, '/fhir/AuditEvent?_count=1', { headers: { 'If-None-Match': '*' } }), 400), /If-None-Match/);
  assert.match(outcome(await get(A, `/fhir/Patient/${p.json.id}/$everything`, { headers: { Prefer: 'return=minimal' } }), 400), /Prefer/);
  assert.match(outcome(await get(A, `/fhir/Patient/${p.json.id}/_history`, { headers: { 'If-Modified-Since': 'Mon, 07 Dec 2026 09:00:00 GMT' } }), 400), /If-Modified-Since/);
  assert.match(outcome(await post(A, '/fhir?_pretty=true&x=1', { resourceType: 'Bundle', type: 'batch' }), 400), /'x'/);
  assert.equal((await get(A, '/fhir/Patient?identifier=H0102')).json.total, 0, 'nothing was created by the refused requests');
  // If-None-Exist (issue 11): the second POST returns the first, in REST and in a Bundle
  const q = `identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|H0101`)}`;
  const again = await post(A, '/fhir/Patient', patient(HOSP, 'H0101', { family: '末尾', familyKana: 'マツビ' }), { headers: { 'If-None-Exist': q } });
  assert.equal(again.status, 200);
  assert.equal(again.json.id, p.json.id);
  const tx = await post(A, '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient(HOSP, 'H0101'), request: { method: 'POST', url: 'Patient', ifNoneExist: q } }] });
  assert.equal(tx.status, 200, tx.text);
  assert.match(tx.json.entry[0].response.location, new RegExp(`Patient/${p.json.id}/`));
  assert.equal((await get(A, '/fhir/Patient?identifier=H0101')).json.total, 1, 'one record, however often it was sent');
});

test('_summary and _elements on read and search, marked SUBSETTED', async () => {
  const body = { ...patient(HOSP, 'H0110', { family: '要約', familyKana: 'ヨウヤク' }),
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">要約 太郎</div>' },
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'ja' }] } }] };
  const c = await post(A, '/fhir/Patient', body);
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  const keys = (r) => Object.keys(r).sort();
  const full = await get(A, `/fhir/Patient/${id}`);
  assert.ok(full.json.text && full.json.communication && !SUBSETTED(full.json));
  const text = await get(A, `/fhir/Patient/${id}?_summary=text`);
  assert.deepEqual(keys(text.json), ['id', 'meta', 'resourceType', 'text']);
  assert.ok(SUBSETTED(text.json));
  assert.equal(text.json.meta.versionId, '1');
  const data = await get(A, `/fhir/Patient/${id}?_summary=data`);
  assert.equal(data.json.text, undefined);
  assert.deepEqual(data.json.communication, body.communication);
  assert.ok(SUBSETTED(data.json));
  const sum = await get(A, `/fhir/Patient/${id}?_summary=true`);
  assert.equal(sum.json.text, undefined);
  assert.equal(sum.json.communication, undefined, 'communication is not a summary element');
  assert.equal(sum.json.birthDate, '1950-04-01');
  assert.ok(sum.json.name && sum.json.identifier && SUBSETTED(sum.json));
  const no = await get(A, `/fhir/Patient/${id}?_summary=false`);
  assert.deepEqual(no.json, full.json);
  const el = await get(A, `/fhir/Patient/${id}?_elements=birthDate,gender`);
  assert.deepEqual(keys(el.json), ['birthDate', 'gender', 'id', 'meta', 'resourceType']);
  assert.ok(SUBSETTED(el.json));
  const vr = await get(A, `/fhir/Patient/${id}/_history/1?_elements=name`);
  assert.deepEqual(keys(vr.json), ['id', 'meta', 'name', 'resourceType']);
  // an Observation keeps its mandatory elements (status, code) whatever is asked
  const o = await post(A, '/fhir/Observation', obsOf(id, { note: [{ text: 'メモ' }] }));
  assert.equal(o.status, 201, o.text);
  const oe = await get(A, `/fhir/Observation/${o.json.id}?_elements=valueQuantity`);
  assert.deepEqual(keys(oe.json), ['code', 'id', 'meta', 'resourceType', 'status', 'valueQuantity']);
  const os = await get(A, `/fhir/Observation/${o.json.id}?_summary=true`);
  assert.equal(os.json.note, undefined);
  assert.deepEqual(os.json.valueQuantity, { value: 6.1, unit: '%' });
  const oev = await get(A, `/fhir/Observation/${o.json.id}?_elements=value`);
  assert.deepEqual(oev.json.valueQuantity, { value: 6.1, unit: '%' }, 'a choice element by its name without the type');
  // search: the matches subsetted, the page links keep asking for it
  const s = await get(A, '/fhir/Patient?identifier=H0110&_elements=gender');
  assert.equal(s.json.total, 1);
  assert.deepEqual(keys(s.json.entry[0].resource), ['gender', 'id', 'meta', 'resourceType']);
  assert.ok(SUBSETTED(s.json.entry[0].resource));
  assert.match(s.json.link[0].url, /_elements=gender/);
  const st = await get(A, '/fhir/Patient?identifier=H0110&_summary=text');
  assert.deepEqual(keys(st.json.entry[0].resource), ['id', 'meta', 'resourceType', 'text']);
  const sc = await get(A, '/fhir/Patient?identifier=H0110&_summary=count');
  assert.equal(sc.json.total, 1);
  assert.equal(sc.json.entry, undefined);
  const sp = await post(A, '/fhir/Patient/_search', 'identifier=H0110&_summary=data', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(sp.json.entry[0].resource.text, undefined);
  assert.ok(sp.json.entry[0].resource.communication);
  // the stored record is untouched
  assert.deepEqual((await get(A, `/fhir/Patient/${id}`)).json, full.json);
  // bad values
  assert.match(outcome(await get(A, `/fhir/Patient/${id}?_summary=yes`), 400), /_summary/);
  assert.match(outcome(await get(A, `/fhir/Patient/${id}?_summary=count`), 400), /_summary/);
  assert.match(outcome(await get(A, `/fhir/Patient/${id}?_elements=colour`), 400), /colour/);
  assert.match(outcome(await get(A, `/fhir/Patient/${id}?_elements=name&_summary=true`), 400), /combined/);
  assert.match(outcome(await get(A, '/fhir/Patient?_elements=name.family'), 400), /name\.family/);
});

test('If-None-Match and If-Modified-Since on read: 304 while the copy is current', async () => {
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'H0120', { family: '条件', familyKana: 'ジョウケン' }));
  const id = c.json.id;
  const r = await get(A, `/fhir/Patient/${id}`);
  const nm = await get(A, `/fhir/Patient/${id}`, { headers: { 'If-None-Match': r.headers.get('etag') } });
  assert.equal(nm.status, 304);
  assert.equal(nm.text, '');
  assert.equal(nm.headers.get('etag'), 'W/"1"');
  assert.equal((await get(A, `/fhir/Patient/${id}`, { headers: { 'If-None-Match': 'W/"9", W/"1"' } })).status, 304);
  assert.equal((await get(A, `/fhir/Patient/${id}`, { headers: { 'If-None-Match': 'W/"9"' } })).status, 200);
  const ms = await get(A, `/fhir/Patient/${id}`, { headers: { 'If-Modified-Since': r.headers.get('last-modified') } });
  assert.equal(ms.status, 304);
  const earlier = new Date(Date.parse(r.headers.get('last-modified')) - 3600e3).toUTCString();
  assert.equal((await get(A, `/fhir/Patient/${id}`, { headers: { 'If-Modified-Since': earlier } })).status, 200);
  assert.match(outcome(await get(A, `/fhir/Patient/${id}`, { headers: { 'If-Modified-Since': 'yesterday' } }), 400), /HTTP date/);
  assert.match(outcome(await get(A, `/fhir/Patient/${id}`, { headers: { 'If-None-Match': 'banana' } }), 400), /If-None-Match/);
  // after a change the old ETag no longer matches
  assert.equal((await put(A, `/fhir/Patient/${id}`, { ...r.json, birthDate: '1950-04-03' })).status, 200);
  const after = await get(A, `/fhir/Patient/${id}`, { headers: { 'If-None-Match': 'W/"1"' } });
  assert.equal(after.status, 200);
  assert.equal(after.json.birthDate, '1950-04-03');
  // what the caller may not see is not there: 404, never 304
  outcome(await get(C, `/fhir/Patient/${id}`, { headers: { 'If-None-Match': 'W/"2"' } }), 404);
});

test('conditional update and delete: none creates (or 404), one acts, several are 412', async () => {
  const q = (local) => `identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|${local}`)}`;
  const body = patient(HOSP, 'H0130', { family: '条件更新', familyKana: 'ジョウケンコウシン' });
  const c = await put(A, `/fhir/Patient?${q('H0130')}`, body);
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  const u = await put(A, `/fhir/Patient?${q('H0130')}`, { ...body, birthDate: '1951-01-01' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.id, id);
  assert.equal(u.json.meta.versionId, '2');
  assert.equal(u.headers.get('etag'), 'W/"2"');
  assert.match(outcome(await put(A, `/fhir/Patient?${q('H0130')}`, { ...body, id: 'other-id' }), 400), /not the id/);
  // no match, but the id it names exists: 409, nothing written
  const named = await put(A, `/fhir/Patient?${q('H0139')}`, { ...patient(HOSP, 'H0139'), id });
  assert.match(outcome(named, 409), /does not match the conditional update/);
  assert.equal((await get(A, `/fhir/Patient/${id}`)).json.meta.versionId, '2');
  outcome(await put(A, `/fhir/Patient?${q('H0130')}`, body, { headers: { 'If-Match': 'W/"1"' } }), 412);
  assert.equal((await put(A, `/fhir/Patient?${q('H0130')}`, { ...body, id, birthDate: '1951-01-02' }, { headers: { 'If-Match': 'W/"2"' } })).status, 200);
  // several matches
  for (const local of ['H0131', 'H0132'])
    assert.equal((await post(A, '/fhir/Patient', patient(HOSP, local, { family: '重複', familyKana: 'チョウフク' }))).status, 201);
  assert.match(outcome(await put(A, '/fhir/Patient?family=重複', patient(HOSP, 'H0133')), 412), /matches 2/);
  assert.match(outcome(await http(A, 'DELETE', '/fhir/Patient?family=重複'), 412), /matches 2/);
  assert.match(outcome(await put(A, '/fhir/Patient', body), 400), /search parameters/);
  assert.match(outcome(await put(A, '/fhir/Patient?colour=blue', body), 400), /colour/);
  assert.match(outcome(await http(A, 'DELETE', '/fhir/Patient?_count=1'), 400), /search parameters/);
  // delete: one → deleted; none → 404
  outcome(await http(A, 'DELETE', `/fhir/Patient?${q('H0130')}`, { headers: { 'If-Match': 'W/"1"' } }), 412);
  const d = await http(A, 'DELETE', `/fhir/Patient?${q('H0130')}`);
  assert.equal(d.status, 200, d.text);
  outcome(await get(A, `/fhir/Patient/${id}`), 410);
  assert.match(outcome(await http(A, 'DELETE', `/fhir/Patient?${q('H0130')}`), 404), /no Patient matches/);
  // what the clinic may not see does not match: its update is a create of its
  // own record, its delete a 404
  const other = await put(C, `/fhir/Patient?${q('H0131')}`, patient(CLINIC, 'C0131'));
  assert.equal(other.status, 201, other.text);
  assert.deepEqual(other.json.identifier[0], { system: LOCAL_SYSTEM(CLINIC), value: 'C0131' });
  outcome(await http(C, 'DELETE', `/fhir/Patient?${q('H0131')}`), 404);
  assert.equal((await get(A, `/fhir/Patient?${q('H0131')}`)).json.total, 1, 'the hospital\'s record is untouched');
  // the plain DELETE takes If-Match too
  const x = (await get(A, `/fhir/Patient?${q('H0132')}`)).json.entry[0].resource;
  outcome(await http(A, 'DELETE', `/fhir/Patient/${x.id}`, { headers: { 'If-Match': 'W/"5"' } }), 412);
  assert.equal((await http(A, 'DELETE', `/fhir/Patient/${x.id}`, { headers: { 'If-Match': 'W/"1"' } })).status, 200);
});

test('PATCH with JSON Patch: If-Match, the write decision, nothing stored when refused', async () => {
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'H0140', { family: '部分', familyKana: 'ブブン' }));
  const id = c.json.id;
  const jp = { 'Content-Type': 'application/json-patch+json' };
  const patch = (who, ops, headers = {}, path = `/fhir/Patient/${id}`) => http(who, 'PATCH', path, { body: JSON.stringify(ops), headers: { ...jp, ...headers } });
  const p = await patch(A, [{ op: 'replace', path: '/birthDate', value: '1950-05-05' }, { op: 'add', path: '/name/0/given/-', value: '次郎' }], { 'If-Match': 'W/"1"' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.birthDate, '1950-05-05');
  assert.deepEqual(p.json.name[0].given, ['太郎', '次郎']);
  assert.equal(p.json.meta.versionId, '2');
  assert.equal(p.headers.get('etag'), 'W/"2"');
  const r = await get(A, `/fhir/Patient/${id}`);
  assert.equal(r.json.birthDate, '1950-05-05');
  // refused, and nothing stored
  const refusals = [
    [[{ op: 'replace', path: '/birthDate', value: '1950-06-06' }], { 'If-Match': 'W/"1"' }, 412, /current version is 2/],
    [[{ op: 'replace', path: '/id', value: 'other' }], {}, 400, /id/],
    [[{ op: 'remove', path: '/id' }], {}, 400, /id/],
    [[{ op: 'replace', path: '/resourceType', value: 'Practitioner' }], {}, 400, /resourceType/],
    [[{ op: 'replace', path: '/gender', value: 'banana' }], {}, 400, /gender/],
    [[{ op: 'add', path: '/colour', value: 'blue' }], {}, 400, /colour/],
    [[{ op: 'remove', path: '/photo' }], {}, 400, /does not exist/],
    [[{ op: 'test', path: '/birthDate', value: '1900-01-01' }, { op: 'replace', path: '/gender', value: 'female' }], {}, 422, /test failed/],
    [[{ op: 'jump', path: '/gender' }], {}, 400, /op must be/],
    [{ op: 'replace', path: '/gender', value: 'female' }, {}, 400, /array/],
    [[{ op: 'replace', path: '/identifier/0/system', value: LOCAL_SYSTEM(CLINIC) }], {}, 400, /cannot change/],
    [[{ op: 'replace', path: '/identifier/0/value', value: 'H0149' }], {}, 400, /cannot change/],
  ];
  for (const [ops, headers, status, re] of refusals)
    assert.match(outcome(await patch(A, ops, headers), status), re, JSON.stringify(ops));
  assert.match(outcome(await http(A, 'PATCH', `/fhir/Patient/${id}`, { body: [{ op: 'remove', path: '/gender' }] }), 415), /json-patch/);
  assert.match(outcome(await http(A, 'PATCH', `/fhir/Patient/${id}`, { body: '[', headers: jp }), 400), /.{10}/);
  const still = await get(A, `/fhir/Patient/${id}`);
  assert.deepEqual(still.json, r.json, 'nothing was stored by the refused patches');
  // a record cannot move to another patient
  const other = await post(A, '/fhir/Patient', patient(HOSP, 'H0141'));
  const o = await post(A, '/fhir/Observation', obsOf(id));
  assert.equal(o.status, 201, o.text);
  const moved = await patch(A, [{ op: 'replace', path: '/subject/reference', value: `Patient/${other.json.id}` }], {}, `/fhir/Observation/${o.json.id}`);
  assert.ok(moved.status === 400 || moved.status === 403, moved.text);
  outcome(moved, moved.status);
  assert.equal((await get(A, `/fhir/Observation/${o.json.id}`)).json.subject.reference, `Patient/${id}`);
  // the clinic may not see it: 404, as for a record that does not exist
  const hidden = await patch(C, [{ op: 'replace', path: '/status', value: 'amended' }], {}, `/fhir/Observation/${o.json.id}`);
  const missing = await patch(C, [{ op: 'replace', path: '/status', value: 'amended' }], {}, `/fhir/Observation/${o.json.id.replace(/.$/, (x) => (x === 'z' ? 'y' : 'z'))}`);
  assert.equal(hidden.status, 404);
  assert.equal(missing.status, 404);
  const ok = await patch(A, [{ op: 'replace', path: '/status', value: 'amended' }], { Prefer: 'return=minimal' }, `/fhir/Observation/${o.json.id}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.text, '');
  assert.equal(ok.headers.get('etag'), 'W/"2"');
  // deleted: gone
  assert.equal((await http(A, 'DELETE', `/fhir/Observation/${o.json.id}`)).status, 200);
  outcome(await patch(A, [{ op: 'replace', path: '/status', value: 'final' }], {}, `/fhir/Observation/${o.json.id}`), 410);
});

test('contained resources and base64 with line breaks, as R4 allows them; refused clearly otherwise', async () => {
  const pt = (await post(A, '/fhir/Patient', patient(HOSP, 'H0150', { family: '内包', familyKana: 'ナイホウ' }))).json;
  const other = (await post(A, '/fhir/Patient', patient(HOSP, 'H0151'))).json;
  const prac = { resourceType: 'Practitioner', id: 'pr1', name: [{ family: '検査', given: ['技師'] }] };
  const withContained = obsOf(pt.id, { contained: [prac], performer: [{ reference: '#pr1' }] });
  const c = await post(A, '/fhir/Observation', withContained);
  assert.equal(c.status, 201, c.text);
  const r = await get(A, `/fhir/Observation/${c.json.id}`);
  assert.deepEqual(r.json.contained, [prac], 'read back as sent');
  assert.deepEqual(r.json.performer, [{ reference: '#pr1' }]);
  // a contained resource may refer to its container, or to another contained one
  const chain = obsOf(pt.id, { contained: [{ ...prac, id: 'pr2' }, { resourceType: 'Organization', id: 'org1', name: '検査センター' }],
    performer: [{ reference: '#pr2' }, { reference: '#org1' }] });
  assert.equal((await post(A, '/fhir/Observation', chain)).status, 201);
  // base64Binary with line breaks and spaces (valid R4): stored as sent, decoded as one
  const text = 'れんけい base64 with line breaks, as MIME writes it';
  const b64 = Buffer.from(text).toString('base64');
  const wrapped = `${b64.slice(0, 20)}\r\n${b64.slice(20, 40)}\n ${b64.slice(40)}`;
  const doc = await post(A, '/fhir/DocumentReference', { resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${pt.id}` },
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: wrapped } }] });
  assert.equal(doc.status, 201, doc.text);
  assert.equal((await get(A, `/fhir/DocumentReference/${doc.json.id}`)).json.content[0].attachment.data, wrapped);
  const bin = await post(A, '/fhir/Binary', { resourceType: 'Binary', contentType: 'text/plain; charset=utf-8',
    securityContext: { reference: `DocumentReference/${doc.json.id}` }, data: wrapped });
  assert.equal(bin.status, 201, bin.text);
  const raw = await http(A, 'GET', `/fhir/Binary/${bin.json.id}`, { headers: { Accept: 'text/plain' } });
  assert.equal(raw.text, text);
  // refused, each with its reason, nothing stored
  const before = (await get(A, `/fhir/Observation?subject=Patient/${pt.id}&_summary=count`)).json.total;
  const refusals = [
    [obsOf(pt.id, { contained: [prac] }), /referenced by nothing/],
    [obsOf(pt.id, { contained: [prac], performer: [{ reference: '#pr9' }] }), /names no contained/],
    [obsOf(pt.id, { performer: [{ reference: '#' }] }), /only allowed inside a contained/],
    [obsOf(pt.id, { contained: [{ ...prac, id: undefined }], performer: [{ reference: '#pr1' }] }), /needs an id/],
    [obsOf(pt.id, { contained: [prac, prac], performer: [{ reference: '#pr1' }] }), /two contained/],
    [obsOf(pt.id, { contained: [{ ...patient(HOSP, 'H0159'), id: 'p1' }], performer: [{ reference: '#p1' }] }), /Patient cannot be contained/],
    [obsOf(pt.id, { contained: [{ resourceType: 'Substance', id: 'm1' }], focus: [{ reference: '#m1' }] }), /does not serve/], // a contained Medication is accepted (jpcore_bundle)
    [obsOf(pt.id, { contained: [{ ...prac, contained: [{ ...prac, id: 'x' }] }], performer: [{ reference: '#pr1' }] }), /dom-2/],
    [obsOf(pt.id, { contained: [{ ...prac, meta: { versionId: '1' } }], performer: [{ reference: '#pr1' }] }), /dom-4/],
    [obsOf(pt.id, { contained: [{ ...prac, gender: 'banana' }], performer: [{ reference: '#pr1' }] }), /gender/],
    [obsOf(pt.id, { contained: [{ ...obsOf(other.id), id: 'o1' }], hasMember: [{ reference: '#o1' }] }), /does not exist/],
    [obsOf(pt.id, { contained: [{ ...obsOf(pt.id), id: 'o1', subject: { reference: `Patient/${other.id}` } }], derivedFrom: [{ reference: '#o1' }] }), /does not exist/],
  ];
  for (const [body, re] of refusals)
    assert.match(outcome(await post(A, '/fhir/Observation', body), 400), re, JSON.stringify(body.contained || body.performer));
  assert.match(outcome(await post(A, '/fhir/DocumentReference', { resourceType: 'DocumentReference', status: 'current', subject: { reference: `Patient/${pt.id}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'SGVs\nbG8=x' } }] }), 400), /base64/);
  assert.equal((await get(A, `/fhir/Observation?subject=Patient/${pt.id}&_summary=count`)).json.total, before, 'nothing stored');
});

test('registering another facility\'s local ID answers the same whether a registration holds it or not', async () => {
  // a clinic that guesses the hospital's local IDs learns nothing about who is registered there
  const held = await post(A, '/fhir/Patient', patient(HOSP, 'ORACLE-1'));
  assert.equal(held.status, 201, held.text);
  const CSYS = await S.system(CLINIC, 'system/*.*');
  for (const who of [C, CSYS]) {
    const answers = [];
    for (const local of ['ORACLE-1', 'ORACLE-2']) {
      const r = await post(who, '/fhir/Patient', patient(HOSP, local));
      answers.push([r.status, r.text.replace(/Patient\/[0-9a-z]+/g, 'Patient/ID')]);
    }
    assert.equal(answers[0][0], 403, answers[0][1]);
    assert.deepEqual(answers[0], answers[1]);
    assert.doesNotMatch(answers[0][1], new RegExp(held.json.id));
  }
  // the hospital itself is told the ID is taken, and by which registration
  const again = await post(A, '/fhir/Patient', patient(HOSP, 'ORACLE-1'));
  assert.equal(again.status, 409, again.text);
  assert.match(again.text, new RegExp(`already registered as Patient/${held.json.id}`));
});
