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
    'Binary', 'Composition', 'Coverage', 'Specimen']);
  const pat = r.json.rest[0].resource[0];
  const params = pat.searchParam.map((p) => p.name);
  for (const p of ['_id', '_lastUpdated', 'identifier', 'name', 'family', 'given', 'birthdate', 'gender'])
    assert.ok(params.includes(p), `Patient search parameter ${p} is advertised`);
  assert.ok(pat.interaction.some((i) => i.code === 'vread'));
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
