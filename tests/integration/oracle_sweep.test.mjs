// oracle_sweep.test.mjs — for every route and method the server has (read
// from src/api/routes.c, so a new route fails this test until it is covered
// here), a record the caller may not see and a record that does not exist get
// the same answer: status, body and headers, request ids and dates aside.
// Ids are named in the path, in a query, in a form body, in references of a
// resource (scalar, array, absolute URL to this server), in If-None-Exist, in
// Bundle entries, and in JSON bodies of /api. Routes that name no record say
// why; lists (history, queues) are checked never to show the hidden record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, http, get, post, patient, cleanupStore, totp, DEMO_PASSWORD, DEMO_SECRET, ROOT, LOCAL_SYSTEM, REGION_SYSTEM } from './harness.mjs';

const S = '2011000011';  // 信州れんけい総合病院: holds the hidden records
const C = '2011100018';  // やまびこ内科クリニック: the caller's facility
const O = '2011000029';  // あずみの中央病院: a hospital whose doctor breaks the glass
const enc = encodeURIComponent;

let SRV, SD, CDOC, CADMIN, ODOC, OP, CSYS;
const H = {};   // hidden: what S holds that C may not see
const M = {};   // missing: ids of the same length that nobody has
const MINE = {}; // C's own patient and record

/** An id like id that does not exist (same length, another last character). */
const missingOf = (id) => id.replace(/.$/, (x) => (x === 'z' ? 'y' : 'z'));

/** A valid regional patient ID (13 digits, Luhn check digit) that no one has. */
function unusedRegionalId(seed) {
  const d = `9${String(seed).padStart(11, '0')}`;
  let sum = 0;
  for (let i = d.length - 1, k = 0; i >= 0; i--, k++) {
    let v = Number(d[i]);
    if (k % 2 === 0) { v *= 2; if (v > 9) v -= 9; }
    sum += v;
  }
  return `${d}${(10 - (sum % 10)) % 10}`;
}

const obs = (pid, extra = {}) => ({ resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${pid}` },
  code: { coding: [{ system: 'urn:oid:1.2.392.200119.4.504', code: '3D046000001920402' }] }, effectiveDateTime: '2026-03-01',
  valueQuantity: { value: 6.1, unit: '%' }, ...extra });

before(async () => {
  SRV = await startServer({ sets: ['auth.token_lifetime=1h', 'auth.session_idle=1h'] });
  SD = await SRV.login('dr.renkei');
  CDOC = await SRV.login('dr.yamabiko');
  ODOC = await SRV.login('dr.azumino');
  OP = await SRV.login('operator');
  CADMIN = await SRV.newStaff('admin.sweep', C, 'facility_admin');
  CSYS = await SRV.system(C, 'system/*.read');
  const created = (r, what) => { assert.equal(r.status, 201, `${what}: ${r.text.slice(0, 300)}`); return r.json; };
  const p = created(await post(SD, '/fhir/Patient', patient(S, 'SW-HIDDEN', { family: '秘匿', familyKana: 'ヒトク', birthDate: '1950-01-01' })), 'S registers');
  H.patient = p.id;
  H.local = 'SW-HIDDEN';
  H.rid = p.identifier.find((x) => x.system === REGION_SYSTEM).value;
  H.obs = created(await post(SD, '/fhir/Observation', obs(p.id)), 'S records').id;
  H.consent = created(await post(SD, '/fhir/Consent', {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'comprehensive' }] }],
    patient: { reference: `Patient/${p.id}` }, dateTime: '2026-01-05', provision: { type: 'permit' },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') },
  }), 'S records a comprehensive consent').id;
  H.comm = created(await post(SD, '/fhir/Communication', { resourceType: 'Communication', status: 'completed',
    subject: { reference: `Patient/${p.id}` }, sent: '2026-03-01T09:00:00+09:00', payload: [{ contentString: '退院前カンファレンスの件' }] }),
  'S posts on the care team\'s timeline').id;
  H.doc = created(await post(SD, '/fhir/Composition', { resourceType: 'Composition', status: 'final',
    type: { coding: [{ system: 'urn:renkei:CodeSystem:collab-document', code: 'vn-order', display: '訪問看護指示書' }] },
    subject: { reference: `Patient/${p.id}` }, date: '2026-03-01T09:00:00+09:00', author: [{ display: '秘匿 医師' }], title: '訪問看護指示書',
    event: [{ period: { start: '2026-03-01', end: '2026-05-31' } }] }), 'S writes a 訪問看護指示書').id;
  {
    const r = await http(SD, 'POST', `/api/collab/attachments?patient=Patient/${p.id}`, { body: '%PDF-1.4\n%%EOF\n', headers: { 'Content-Type': 'application/pdf' } });
    assert.equal(r.status, 201, `S uploads an attachment: ${r.text}`);
    H.attachment = r.json.url.split('/').pop();
  }
  {
    const r = await http(SD, 'PUT', `/api/collab/facesheet?patient=Patient/${p.id}`, { body: { item: [
      { linkId: '1', item: [{ linkId: '1.1', answer: [{ valueDate: '2026-03-01' }] }] },
      { linkId: '9', item: [{ linkId: '9.1', answer: [{ valueCoding: { code: '1' } }] }] }] } });
    assert.equal(r.status, 201, `S writes the face sheet: ${r.text}`);
    H.form = r.json.id;
  }
  // O's doctor breaks the glass for the person (O is a hospital): an episode C may neither end nor review
  const re = await post(ODOC, '/api/reauth', { password: DEMO_PASSWORD, code: totp(DEMO_SECRET, Date.now() + 30000) });
  assert.equal(re.status < 300, true, `re-authentication: ${re.status} ${re.text.slice(0, 200)}`);
  const btg = await post(ODOC, '/api/emergency', { patient: `Patient/${p.id}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送' });
  assert.ok(btg.status === 200 || btg.status === 201, `break the glass: ${btg.status} ${btg.text.slice(0, 200)}`);
  H.episode = btg.json.episode;
  assert.ok(H.episode, `the episode's id: ${btg.text}`);
  // the operator's bulk export of the region: its status, files and cancellation are the operator's
  const ex = await http(OP, 'GET', '/fhir/$export?_type=Patient', { headers: { Prefer: 'respond-async' } });
  assert.equal(ex.status, 202, `the operator's export: ${ex.text}`);
  H.export = ex.headers.get('content-location').split('/').pop();
  // S prints the person's 救急医療情報シート: the token of its QR code names the hidden patient
  assert.equal((await http(SD, 'GET', `/api/summary/${p.id}/sheet`)).status, 200, 'S prints the sheet');
  H.sheet = (await get(SD, `/api/summary/${p.id}/sheet-status`)).json.token;
  assert.ok(H.sheet, 'the sheet\'s token');
  for (const k of ['patient', 'obs', 'consent', 'episode', 'export', 'comm', 'attachment', 'form', 'doc', 'sheet']) M[k] = missingOf(H[k]);
  M.local = 'SW-HIDDEZ';
  M.rid = unusedRegionalId(4711);
  assert.equal(M.rid.length, H.rid.length);
  const mine = created(await post(CDOC, '/fhir/Patient', patient(C, 'SW-MINE', { family: '自院', familyKana: 'ジイン', birthDate: '1960-02-02' })), 'C registers');
  MINE.patient = mine.id;
  MINE.obs = created(await post(CDOC, '/fhir/Observation', obs(mine.id)), 'C records').id;
  // the premise: C sees none of it
  for (const p of [`/fhir/Patient/${H.patient}`, `/fhir/Observation/${H.obs}`, `/fhir/Consent/${H.consent}`])
    assert.equal((await get(CDOC, p)).status, 404, `${p} is hidden from C`);
});

after(async () => {
  await SRV.checkAudit();
  assert.equal(await SRV.stop(), 0);
  cleanupStore(SRV.store);
});

/* ---- comparing answers ---------------------------------------------------- */

const PER_REQUEST_HEADERS = ['date', 'x-request-id', 'last-modified'];
const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g;

/** The answer with its per-request parts masked: ids of the pair, request id, times, ids the server assigned. */
function masked(r, from, assigned) {
  let text = r.text, heads = JSON.stringify([...r.headers.entries()].filter(([k]) => !PER_REQUEST_HEADERS.includes(k)));
  const rid = r.headers.get('x-request-id');
  const mask = (t) => {
    if (rid) t = t.split(rid).join('<request>');
    for (const [i, v] of from.entries()) t = t.split(v).join(`<id${i}>`);
    t = t.replace(TIME, '<time>').replace(/"resourceType":"Bundle","id":"[0-9a-z]{26}"/g, '"resourceType":"Bundle","id":"<bundle>"');
    if (assigned) t = t.replace(/\b[0-9a-z]{26}\b/g, '<assigned>');
    return t;
  };
  return { status: r.status, text: mask(text), heads: mask(heads) };
}

const KEYS = ['patient', 'obs', 'consent', 'episode', 'local', 'rid', 'export', 'comm', 'attachment', 'form', 'doc', 'sheet'];
const problems = [];
const covered = new Set();

/**
 * One route, one way of naming the record: make(ids) gives [method, path,
 * options] for ids = H (the hidden records) or M (the missing ones).
 * assigned: the answers carry ids the server assigns (a create goes on).
 */
async function same(route, label, make, { who = CDOC, assigned = false } = {}) {
  covered.add(route);
  const [m1, p1, o1] = make(H), [m2, p2, o2] = make(M);
  const a = await http(who, m1, p1, o1), b = await http(who, m2, p2, o2);
  const ma = masked(a, KEYS.map((k) => H[k]), assigned), mb = masked(b, KEYS.map((k) => M[k]), assigned);
  if (ma.status !== mb.status || ma.text !== mb.text || ma.heads !== mb.heads)
    problems.push(`${route} — ${label}: the hidden record is answered unlike a missing one\n    hidden  ${ma.status} ${ma.text.slice(0, 500)}\n            ${ma.heads}\n    missing ${mb.status} ${mb.text.slice(0, 500)}\n            ${mb.heads}`);
  return [a, b];
}

/** A list the caller may read never shows the hidden records. */
async function neverShows(route, label, pathAndQuery, who = CDOC) {
  covered.add(route);
  const r = await get(who, pathAndQuery);
  for (const k of ['patient', 'obs', 'consent', 'rid', 'local', 'comm', 'attachment', 'form', 'doc'])
    if (r.text.includes(H[k])) problems.push(`${route} — ${label}: the answer (${r.status}) names the hidden ${k} ${H[k]}`);
}

/* Routes that name no record of anyone's: nothing to hide. */
const NO_RECORD = {
  'GET /healthz': 'liveness: names no record',
  'GET /fhir/metadata': 'the CapabilityStatement: names no record',
  'POST /api/session': 'login: an account, not a record (accounts are the auth tests\' business)',
  'GET /api/session': 'the caller\'s own session',
  'GET /api/collab/events': 'a stream naming only the people of the caller\'s own teams (collab.test: an outsider hears nothing)',
  'DELETE /api/session': 'the caller\'s own session',
  'POST /api/session/totp': 'the caller\'s own login',
  'POST /api/totp/enroll': 'the caller\'s own account',
  'POST /api/totp/confirm': 'the caller\'s own account',
  'POST /api/password': 'the caller\'s own account',
  'POST /api/reauth': 'the caller\'s own account',
  'POST /oauth2/token': 'a client\'s credentials',
  'POST /oauth2/revoke': 'a bearer token',
  'GET /fhir/Questionnaire': 'the forms renkei ships: no patient\'s record',
  'GET /fhir/Questionnaire/{id}': 'a form renkei ships: no patient\'s record',
  'GET /fhir/$export': 'a kick-off of the whole region names no record (the operator\'s only; what it exports passes the access check: bulk.test.mjs)',
  'GET /fhir/Patient/$export': 'a kick-off of every patient names no record (the operator\'s only; bulk.test.mjs)',
};

const fhirJson = { headers: { 'Content-Type': 'application/fhir+json' } };
const withBody = (body, extra = {}) => ({ body, ...extra });

test('every route: a hidden record and a missing one get the same answer', async () => {
  const P = (x) => x.patient, OB = (x) => x.obs;
  /* ---- FHIR REST by id ---- */
  for (const [type, k] of [['Patient', 'patient'], ['Observation', 'obs'], ['Consent', 'consent']]) {
    await same('GET /fhir/{type}/{id}', `${type} read`, (x) => ['GET', `/fhir/${type}/${x[k]}`]);
    await same('GET /fhir/{type}/{id}/_history', `${type} history`, (x) => ['GET', `/fhir/${type}/${x[k]}/_history`]);
    await same('GET /fhir/{type}/{id}/_history/{vid}', `${type} vread`, (x) => ['GET', `/fhir/${type}/${x[k]}/_history/1`]);
    await same('DELETE /fhir/{type}/{id}', `${type} delete`, (x) => ['DELETE', `/fhir/${type}/${x[k]}`]);
  }
  await same('PUT /fhir/{type}/{id}', 'update of the record', (x) => ['PUT', `/fhir/Observation/${x.obs}`, withBody({ ...obs(MINE.patient), id: x.obs })]);
  await same('PUT /fhir/{type}/{id}', 'update of the record naming its patient', (x) => ['PUT', `/fhir/Observation/${x.obs}`, withBody({ ...obs(x.patient), id: x.obs })]);
  await same('PUT /fhir/{type}/{id}', 'update with If-Match', (x) => ['PUT', `/fhir/Observation/${x.obs}`, withBody({ ...obs(MINE.patient), id: x.obs }, { headers: { 'If-Match': 'W/"1"' } })]);
  await same('PUT /fhir/{type}/{id}', 'create in C\'s id space naming the patient', (x) => ['PUT', `/fhir/Observation/${C}-sweep-1`, withBody({ ...obs(x.patient), id: `${C}-sweep-1` })]);
  /* ---- issue 13: conditional reads and updates, PATCH, subsets ---- */
  const jsonPatch = (ops, headers = {}) => ({ body: JSON.stringify(ops), headers: { 'Content-Type': 'application/json-patch+json', ...headers } });
  await same('GET /fhir/{type}/{id}', 'read with If-None-Match', (x) => ['GET', `/fhir/Observation/${x.obs}`, { headers: { 'If-None-Match': 'W/"1"' } }]);
  await same('GET /fhir/{type}/{id}', 'read with If-Modified-Since', (x) => ['GET', `/fhir/Observation/${x.obs}`, { headers: { 'If-Modified-Since': 'Mon, 07 Dec 2099 09:00:00 GMT' } }]);
  await same('GET /fhir/{type}/{id}', 'read with _elements', (x) => ['GET', `/fhir/Observation/${x.obs}?_elements=status`]);
  await same('GET /fhir/{type}/{id}/_history/{vid}', 'vread with _summary', (x) => ['GET', `/fhir/Observation/${x.obs}/_history/1?_summary=true`]);
  await same('PATCH /fhir/{type}/{id}', 'JSON Patch of the record', (x) => ['PATCH', `/fhir/Observation/${x.obs}`, jsonPatch([{ op: 'replace', path: '/status', value: 'amended' }])]);
  await same('PATCH /fhir/{type}/{id}', 'JSON Patch with If-Match', (x) => ['PATCH', `/fhir/Observation/${x.obs}`, jsonPatch([{ op: 'replace', path: '/status', value: 'amended' }], { 'If-Match': 'W/"1"' })]);
  await same('PATCH /fhir/{type}/{id}', 'JSON Patch moving it to my patient', (x) => ['PATCH', `/fhir/Observation/${x.obs}`, jsonPatch([{ op: 'replace', path: '/subject/reference', value: `Patient/${MINE.patient}` }])]);
  await same('PATCH /fhir/{type}/{id}', 'JSON Patch of the patient', (x) => ['PATCH', `/fhir/Patient/${x.patient}`, jsonPatch([{ op: 'test', path: '/birthDate', value: '1950-01-01' }])]);
  await same('PUT /fhir/{type}', 'conditional update by _id', (x) => ['PUT', `/fhir/Observation?_id=${x.obs}`, withBody(obs(MINE.patient))], { assigned: true });
  await same('PUT /fhir/{type}', 'conditional update naming the record\'s id', (x) => ['PUT', `/fhir/Observation?_id=${x.obs}`, withBody({ ...obs(MINE.patient), id: x.obs })]);
  await same('PUT /fhir/{type}', 'conditional update by the patient', (x) => ['PUT', `/fhir/Observation?subject=Patient/${x.patient}`, withBody(obs(MINE.patient))], { assigned: true });
  await same('PUT /fhir/{type}', 'conditional update with If-Match', (x) => ['PUT', `/fhir/Observation?_id=${x.obs}`, withBody(obs(MINE.patient), { headers: { 'If-Match': 'W/"1"' } })]);
  await same('PUT /fhir/{type}', 'conditional update of the patient by its local ID', (x) => ['PUT', `/fhir/Patient?identifier=${enc(`${LOCAL_SYSTEM(S)}|${x.local}`)}`,
    withBody(patient(C, 'SW-MINE', { family: '自院', familyKana: 'ジイン', birthDate: '1960-02-02' }))]); // no match: a create, of a local ID C has
  await same('DELETE /fhir/{type}', 'conditional delete by _id', (x) => ['DELETE', `/fhir/Observation?_id=${x.obs}`]);
  await same('DELETE /fhir/{type}', 'conditional delete by the patient', (x) => ['DELETE', `/fhir/Observation?subject=Patient/${x.patient}`]);
  await same('DELETE /fhir/{type}', 'conditional delete of the patient by its regional ID', (x) => ['DELETE', `/fhir/Patient?identifier=${enc(`${REGION_SYSTEM}|${x.rid}`)}`]);
  await same('GET /fhir/Patient/{id}/$everything', '$everything', (x) => ['GET', `/fhir/Patient/${x.patient}/$everything`]);
  await same('GET /fhir/Patient/{id}/$everything', '$everything with _count', (x) => ['GET', `/fhir/Patient/${x.patient}/$everything?_count=1`]);
  await same('GET /fhir/Patient/{id}/$access-report', '$access-report', (x) => ['GET', `/fhir/Patient/${x.patient}/$access-report`]);
  await same('GET /fhir/Patient/{id}/$access-report', '$access-report (facility admin)', (x) => ['GET', `/fhir/Patient/${x.patient}/$access-report`], { who: CADMIN });

  /* ---- search: ids in the query, includes, limits ---- */
  const searches = [
    ['Patient', (x) => `_id=${x.patient}`],
    ['Patient', (x) => `identifier=${enc(`${LOCAL_SYSTEM(S)}|${x.local}`)}`],
    ['Patient', (x) => `identifier=${enc(`${REGION_SYSTEM}|${x.rid}`)}`],
    ['Observation', (x) => `_id=${x.obs}`],
    ['Observation', (x) => `subject=Patient/${x.patient}`],
    ['Observation', (x) => `subject=${enc(`${SRV.fhirBase}/Patient/${x.patient}`)}`],
    ['Observation', (x) => `patient=${x.patient}`],
    ['Observation', (x) => `_id=${x.obs},${MINE.obs}&_count=1`],
    ['Observation', (x) => `_id=${x.obs},${MINE.obs}&_summary=count`],
    ['Observation', (x) => `_id=${x.obs},${MINE.obs}&_total=accurate&_count=1&_include=Observation:subject`],
    ['Observation', (x) => `_id=${x.obs}&_include=Observation:subject`],
    ['Patient', (x) => `_id=${x.patient},${MINE.patient}&_revinclude=Observation:subject`],
    ['Consent', (x) => `patient=Patient/${x.patient}`],
    ['Consent', (x) => `_id=${x.consent}`],
    ['Observation', (x) => `_id=${x.obs},${MINE.obs}&_elements=status`],
    ['Observation', (x) => `subject=Patient/${x.patient}&_summary=true`],
  ];
  for (const [type, q] of searches) {
    await same('GET /fhir/{type}', `${type}?${q(H)}`, (x) => ['GET', `/fhir/${type}?${q(x)}`]);
    await same('POST /fhir/{type}/_search', `${type}/_search ${q(H)}`, (x) => ['POST', `/fhir/${type}/_search`,
      { body: q(x), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }]);
  }
  await same('GET /fhir/{type}', 'more ids than a query takes', (x) => ['GET', `/fhir/Observation?_id=${x.obs},${Array.from({ length: 120 }, (_, i) => `${MINE.obs.slice(0, 20)}x${i}`).join(',')}`]);

  /* ---- create: references in the body ---- */
  await same('POST /fhir/{type}', 'a scalar reference', (x) => ['POST', '/fhir/Observation', withBody(obs(x.patient))]);
  await same('POST /fhir/{type}', 'an absolute URL to this server', (x) => ['POST', '/fhir/Observation',
    withBody({ ...obs(MINE.patient), subject: { reference: `${SRV.fhirBase}/Patient/${x.patient}` } })]);
  await same('POST /fhir/{type}', 'an array of references', (x) => ['POST', '/fhir/Observation',
    withBody(obs(MINE.patient, { hasMember: [{ reference: `Observation/${MINE.obs}` }, { reference: `Observation/${x.obs}` }] }))]);
  await same('POST /fhir/{type}', 'an array of references, absolute', (x) => ['POST', '/fhir/Observation',
    withBody(obs(MINE.patient, { derivedFrom: [{ reference: `${SRV.fhirBase}/Observation/${x.obs}` }] }))]);
  await same('POST /fhir/{type}', 'a consent for the patient', (x) => ['POST', '/fhir/Consent', withBody({
    resourceType: 'Consent', status: 'active', scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'comprehensive' }] }], patient: { reference: `Patient/${x.patient}` },
    dateTime: '2026-01-05', provision: { type: 'permit' } })]);
  await same('POST /fhir/{type}', 'a registration naming the regional ID', (x) => ['POST', '/fhir/Patient',
    withBody(patient(C, 'SW-CLAIM', { family: '詐称', familyKana: 'サショウ', birthDate: '1955-05-05', regional: x.rid }))], { assigned: true });
  await same('POST /fhir/{type}', 'If-None-Exist naming the record', (x) => ['POST', '/fhir/Observation',
    withBody(obs(MINE.patient), { headers: { 'If-None-Exist': `_id=${x.obs}` } })], { assigned: true });
  await same('POST /fhir/{type}', 'If-None-Exist by the patient', (x) => ['POST', '/fhir/Observation',
    withBody(obs(MINE.patient), { headers: { 'If-None-Exist': `subject=Patient/${x.patient}` } })], { assigned: true });

  /* ---- lists: never show it ---- */
  await neverShows('GET /fhir/{type}/_history', 'type history', '/fhir/Observation/_history');
  await neverShows('GET /fhir/{type}/_history', 'type history of Patient', '/fhir/Patient/_history?_count=100');
  await neverShows('GET /fhir/_history', 'system history', '/fhir/_history?_count=100');

  /* ---- PIX ---- */
  await same('GET /fhir/Patient/$ihe-pix', 'by local ID', (x) => ['GET', `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${LOCAL_SYSTEM(S)}|${x.local}`)}`]);
  await same('GET /fhir/Patient/$ihe-pix', 'by regional ID', (x) => ['GET', `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${REGION_SYSTEM}|${x.rid}`)}`]);
  await same('GET /fhir/Patient/$ihe-pix', 'by regional ID, target C', (x) => ['GET', `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${REGION_SYSTEM}|${x.rid}`)}&targetSystem=${enc(LOCAL_SYSTEM(C))}`]);

  /* ---- Bundles ---- */
  const entries = (x) => [
    { request: { method: 'GET', url: `Patient/${x.patient}` } },
    { request: { method: 'GET', url: `Observation/${x.obs}/_history` } },
    { request: { method: 'GET', url: `Observation/${x.obs}/_history/1` } },
    { request: { method: 'GET', url: `Observation?subject=Patient/${x.patient}` } },
    { request: { method: 'GET', url: `Patient/${x.patient}/$everything` } },
    { resource: { ...obs(MINE.patient), id: x.obs }, request: { method: 'PUT', url: `Observation/${x.obs}` } },
    { request: { method: 'DELETE', url: `Consent/${x.consent}` } },
    { resource: obs(x.patient), request: { method: 'POST', url: 'Observation' } },
    { resource: obs(MINE.patient, { hasMember: [{ reference: `${SRV.fhirBase}/Observation/${x.obs}` }] }), request: { method: 'POST', url: 'Observation' } },
    { resource: obs(MINE.patient), request: { method: 'POST', url: 'Observation', ifNoneExist: `_id=${x.obs}` } },
    { request: { method: 'DELETE', url: `Observation?_id=${x.obs}` } },
    { request: { method: 'DELETE', url: `Patient?identifier=${enc(`${LOCAL_SYSTEM(S)}|${x.local}`)}` } },
    { resource: obs(MINE.patient), request: { method: 'PUT', url: `Observation?subject=Patient/${x.patient}` } },
  ];
  await same('POST /fhir', 'batch', (x) => ['POST', '/fhir', withBody({ resourceType: 'Bundle', type: 'batch', entry: entries(x) })], { assigned: true });
  for (const [i, e] of entries(H).entries())
    await same('POST /fhir', `transaction of entry ${i} (${e.request.method} ${e.request.url})`, (x) => ['POST', '/fhir',
      withBody({ resourceType: 'Bundle', type: 'transaction', entry: [entries(x)[i]] })], { assigned: true });

  /* ---- audit (not the caller's to read) ---- */
  await same('GET /fhir/AuditEvent', 'by entity', (x) => ['GET', `/fhir/AuditEvent?entity=Patient/${x.patient}`]);
  await same('GET /fhir/AuditEvent', 'by entity (facility admin)', (x) => ['GET', `/fhir/AuditEvent?entity=Patient/${x.patient}`], { who: CADMIN });
  await same('GET /fhir/AuditEvent/{id}', 'by id', (x) => ['GET', `/fhir/AuditEvent/${x.obs}`]);

  /* ---- emergencies, disasters ---- */
  await same('POST /api/emergency', 'a clinic breaks the glass', (x) => ['POST', '/api/emergency', withBody({ patient: `Patient/${x.patient}`, reason_code: 'unconscious', reason_text: '救急搬送' })]);
  await same('POST /api/emergency/{id}/end', 'another\'s episode', (x) => ['POST', `/api/emergency/${x.episode}/end`]);
  await same('POST /api/emergency/{id}/review', 'an episode of another facility\'s patient', (x) => ['POST', `/api/emergency/${x.episode}/review`,
    withBody({ status: 'inappropriate', note: '確認' })], { who: CADMIN });
  await neverShows('GET /api/emergency', 'my episodes', '/api/emergency');
  await neverShows('GET /api/emergency/review', 'episodes to review', '/api/emergency/review', CADMIN);
  await same('POST /api/disaster', 'declared by a doctor', (x) => ['POST', '/api/disaster', withBody({ municipalities: ['200000'], reason: `patient ${x.patient}` })]);
  await neverShows('GET /api/disaster', 'declarations', '/api/disaster');
  await same('POST /api/disaster/{id}/end', 'by a doctor', (x) => ['POST', `/api/disaster/${x.episode}/end`]);
  await same('POST /api/disaster/{id}/extend', 'by a doctor', (x) => ['POST', `/api/disaster/${x.episode}/extend`, withBody({ facility: '2011000011', hours: 2 })]);
  await same('GET /api/disaster/{id}/report', 'by a doctor', (x) => ['GET', `/api/disaster/${x.episode}/report`]);
  await same('POST /api/emergency/search', 'a clinic searches by a local ID', (x) => ['POST', '/api/emergency/search', withBody({ facility: '2011000011', local_id: x.patient })]);

  /* ---- bulk export: a facility's group, another's export ---- */
  const async = { headers: { Prefer: 'respond-async' } };
  for (const [who, label] of [[CDOC, 'a doctor'], [CSYS, 'C\'s facility system']])
    await same('GET /fhir/Group/{id}/$export', `S's group by ${label}`, (x) => ['GET', `/fhir/Group/${x === H ? S : '2011000098'}/$export`, async], { who });
  await same('GET /fhir/$export-status/{id}', 'another\'s export', (x) => ['GET', `/fhir/$export-status/${x.export}`]);
  await same('GET /fhir/$export-status/{id}', 'another\'s export (a facility system)', (x) => ['GET', `/fhir/$export-status/${x.export}`], { who: CSYS });
  await same('DELETE /fhir/$export-status/{id}', 'cancel another\'s export', (x) => ['DELETE', `/fhir/$export-status/${x.export}`]);
  await same('GET /fhir/$export-file/{id}/{file}', 'a file of another\'s export', (x) => ['GET', `/fhir/$export-file/${x.export}/Patient.1.ndjson`], { who: CSYS });

  /* ---- 多職種連携: posts of a team the caller is not on ---- */
  await same('GET /api/collab/receipts/{id}', 'receipts of a post', (x) => ['GET', `/api/collab/receipts/${x.comm}`]);
  await same('POST /api/collab/read', 'marking a post read', (x) => ['POST', '/api/collab/read', withBody({ communication: [x.comm] })]);
  await neverShows('GET /api/collab/patients', 'my teams\' patients', '/api/collab/patients');
  await same('GET /api/collab/members', 'a patient\'s team', (x) => ['GET', `/api/collab/members?patient=Patient/${x.patient}`]);
  await same('POST /api/collab/attachments', 'an upload for the patient', (x) => ['POST', `/api/collab/attachments?patient=Patient/${x.patient}`,
    { body: '%PDF-1.4\n%%EOF\n', headers: { 'Content-Type': 'application/pdf' } }]);
  await same('GET /api/collab/attachments/{id}', 'an attachment of S\'s', (x) => ['GET', `/api/collab/attachments/${x.attachment}`]);
  await neverShows('GET /api/collab/inbox', 'my inbox', '/api/collab/inbox');
  await same('GET /api/collab/timeline', 'a patient\'s timeline', (x) => ['GET', `/api/collab/timeline?patient=Patient/${x.patient}`]);
  await same('GET /api/collab/careplan', 'a patient\'s care plan', (x) => ['GET', `/api/collab/careplan?patient=Patient/${x.patient}`]);
  await same('POST /api/collab/careplan', 'saving a plan for the patient', (x) => ['POST', `/api/collab/careplan?patient=Patient/${x.patient}`,
    withBody({ plan: { t1: { created: '20261101' } } })]);
  await same('POST /api/collab/careplan/import', 'importing CSV for the patient', (x) => ['POST', `/api/collab/careplan/import?patient=Patient/${x.patient}`,
    withBody({ files: [{ name: 'CPLAN1_202611_0000000000_0000000000_20261101000000.CSV', data: Buffer.from('"1"\r\n').toString('base64') }] })]);
  await same('GET /api/collab/careplan/export', 'exporting the patient\'s plan', (x) => ['GET', `/api/collab/careplan/export?patient=Patient/${x.patient}&table=1`]);
  /* the team's forms: フェースシート and 訪問記録 */
  const visit = { kind: 'nurse', start: '2026-03-01T10:00:00+09:00', end: '2026-03-01T10:30:00+09:00', vitals: { temp: 36.5 } };
  await same('GET /api/collab/facesheet', 'a patient\'s face sheet', (x) => ['GET', `/api/collab/facesheet?patient=Patient/${x.patient}`]);
  await same('PUT /api/collab/facesheet', 'writing a patient\'s face sheet', (x) => ['PUT', `/api/collab/facesheet?patient=Patient/${x.patient}`, withBody({ item: [] })]);
  await same('GET /api/collab/forms/{id}/diff', 'changes of S\'s face sheet', (x) => ['GET', `/api/collab/forms/${x.form}/diff`]);
  await same('GET /api/collab/visits', 'a patient\'s visits', (x) => ['GET', `/api/collab/visits?patient=Patient/${x.patient}`]);
  await same('POST /api/collab/visits', 'a visit record for the patient', (x) => ['POST', `/api/collab/visits?patient=Patient/${x.patient}`, withBody(visit)]);
  await same('PUT /api/collab/visits/{id}', 'editing S\'s record as a visit', (x) => ['PUT', `/api/collab/visits/${x.form}`, withBody(visit)]);
  await same('DELETE /api/collab/visits/{id}', 'withdrawing S\'s record as a visit', (x) => ['DELETE', `/api/collab/visits/${x.form}`]);
  for (const [k, label] of [['form', 'QuestionnaireResponse read']])
    await same('GET /fhir/{type}/{id}', label, (x) => ['GET', `/fhir/QuestionnaireResponse/${x[k]}`]);
  /* 指示書・計画書・報告書 of a team the caller is not on */
  const order = { kind: 'vn-order', start: '2026-03-01', end: '2026-05-31', fields: { diagnosis: 'x', clinic: 'c', doctor: 'd', station: 's' } };
  await same('GET /api/collab/documents', 'a patient\'s documents', (x) => ['GET', `/api/collab/documents?patient=Patient/${x.patient}`]);
  await same('POST /api/collab/documents', 'a document for the patient', (x) => ['POST', `/api/collab/documents?patient=Patient/${x.patient}`, withBody(order)]);
  await same('GET /api/collab/documents/{id}', 'S\'s document', (x) => ['GET', `/api/collab/documents/${x.doc}`]);
  await same('PUT /api/collab/documents/{id}', 'a new version of S\'s document', (x) => ['PUT', `/api/collab/documents/${x.doc}`, withBody(order)]);
  await same('GET /api/collab/documents/{id}/pdf', 'the PDF of S\'s document', (x) => ['GET', `/api/collab/documents/${x.doc}/pdf`]);
  await same('POST /api/collab/documents/{id}/sign', 'signing S\'s document', (x) => ['POST', `/api/collab/documents/${x.doc}/sign`, withBody({})]);
  /* ---- the emergency summary and the 救急医療情報シート (issue 15) ---- */
  await same('GET /fhir/Patient/{id}/$summary', '$summary', (x) => ['GET', `/fhir/Patient/${x.patient}/$summary`]);
  await same('GET /fhir/Patient/{id}/$summary', '$summary as PDF', (x) => ['GET', `/fhir/Patient/${x.patient}/$summary?_format=pdf`]);
  await same('GET /api/summary/{id}/pdf', 'the summary\'s page', (x) => ['GET', `/api/summary/${x.patient}/pdf`]);
  await same('GET /api/summary/{id}/sheet', 'printing the sheet', (x) => ['GET', `/api/summary/${x.patient}/sheet`]);
  await same('GET /api/summary/{id}/sheet-status', 'the sheet\'s status', (x) => ['GET', `/api/summary/${x.patient}/sheet-status`]);
  await same('GET /api/summary/sheet/{token}', 'the QR link of S\'s sheet', (x) => ['GET', `/api/summary/sheet/${x.sheet}`]);
  await neverShows('GET /api/summary/sheets', 'C\'s own sheets', `/api/summary/sheets?facility=${C}`);

  /* ---- linking and the quarantine: the operator's ---- */
  await neverShows('GET /api/patient-match', 'the queue', '/api/patient-match');
  await same('POST /api/patient-match/{id}/merge', 'by a doctor', (x) => ['POST', `/api/patient-match/${x.episode}/merge`, withBody({ reason: 'x' })]);
  await same('POST /api/patient-match/{id}/reject', 'by a doctor', (x) => ['POST', `/api/patient-match/${x.episode}/reject`, withBody({ reason: 'x' })]);
  await same('POST /api/patient-link/merge', 'by a doctor', (x) => ['POST', '/api/patient-link/merge', withBody({ from: x.rid, into: x.rid, reason: 'x' })]);
  await same('POST /api/patient-link/{id}/unmerge', 'by a doctor', (x) => ['POST', `/api/patient-link/${x.patient}/unmerge`, withBody({ reason: 'x' })]);
  await neverShows('GET /api/ingest/errors', 'the quarantine', '/api/ingest/errors');
  await same('GET /api/ingest/errors/{id}', 'by a doctor', (x) => ['GET', `/api/ingest/errors/${x.episode}`]);
  await same('POST /api/ingest/errors/{id}/replay', 'by a doctor', (x) => ['POST', `/api/ingest/errors/${x.episode}/replay`, withBody({})]);

  assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.join('\n')}`);
});

test('the sweep covers every route of src/api/routes.c, and names no route the server lacks', () => {
  const src = readFileSync(path.join(ROOT, 'src/api/routes.c'), 'utf8');
  const routes = [...src.matchAll(/^\s*\{"(GET|POST|PUT|DELETE|PATCH|HEAD)",\s*"([^"]+)"/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.ok(routes.length > 40, `routes read from routes.c: ${routes.length}`);
  const known = new Set([...covered, ...Object.keys(NO_RECORD)]);
  assert.deepEqual(routes.filter((r) => !known.has(r)), [], 'routes the sweep does not cover');
  assert.deepEqual([...known].filter((r) => !routes.includes(r)), [], 'routes the sweep names that the server does not have');
});
