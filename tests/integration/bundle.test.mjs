// bundle.test.mjs — FHIR transaction and batch Bundles at POST /fhir, pushed
// by facility systems with bearer tokens: urn:uuid references resolved to the
// ids assigned in the same transaction, all or nothing, batch entries each on
// their own, ifMatch, the entry limit, Bundles that are refused as a whole,
// reads inside a batch under the access rules, writes into another facility's
// registration refused, one audit entry per request naming what was written.
// Every response (and every resource in it) passes the FHIR R4 JSON schema
// (harness).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, get, post, outcome, patient, cleanupStore, BACKEND, LOCAL_SYSTEM } from './harness.mjs';

const HOSP = '2011000011', CLINIC = '2011100018';
const JLAC10 = 'urn:oid:1.2.392.200119.4.504';
const ID_SYSTEM = 'urn:oid:1.2.392.100495.20.3.99';
const cc = (system, code, display) => ({ coding: [{ system, code, display }] });
const uuid = () => `urn:uuid:${randomUUID()}`;
const bundle = (type, entry) => ({ resourceType: 'Bundle', type, entry });
const postEntry = (fullUrl, resource) => ({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });

let S, SYS, CSYS, OP, OBSWRITER;
let P, ENC, OBS; // written by the first transaction

function encounter(subject, id) {
  return { resourceType: 'Encounter', identifier: [{ system: ID_SYSTEM, value: id }], status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: '外来' },
    subject: { reference: subject }, period: { start: '2026-04-01T09:00:00+09:00', end: '2026-04-01T09:30:00+09:00' } };
}

function lab(subject, id, extra = {}) {
  return { resourceType: 'Observation', identifier: [{ system: ID_SYSTEM, value: id }], status: 'final',
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', '検体検査')],
    code: cc(JLAC10, '3D046000001920402', 'HbA1c'), subject: { reference: subject },
    effectiveDateTime: '2026-04-01T09:10:00+09:00', valueQuantity: { value: 6.9, unit: '%' }, ...extra };
}

const total = async (who, query) => {
  const r = await get(who, `/fhir/${query}${query.includes('?') ? '&' : '?'}_summary=count`);
  assert.equal(r.status, 200, r.text);
  return r.json.total;
};

before(async () => {
  S = await startServer();
  SYS = await S.system(HOSP, 'system/*.*');
  CSYS = await S.system(CLINIC, 'system/*.*');
  OBSWRITER = await S.system(HOSP, 'system/Observation.write system/*.read');
  OP = await S.login('operator');
});

after(async () => {
  assert.ok((await S.checkAudit()) > 10, 'every request left one audit entry');
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

test(`transaction: Patient, Encounter, Observation linked by urn:uuid (${BACKEND})`, async () => {
  const cap = await get(S, '/fhir/metadata');
  const codes = cap.json.rest[0].interaction.map((i) => i.code);
  assert.ok(codes.includes('transaction') && codes.includes('batch'), 'the CapabilityStatement lists transaction and batch');
  const pU = uuid(), eU = uuid(), oU = uuid();
  // in reverse order on purpose: the server writes what is referenced first
  const r = await post(SYS, '/fhir', bundle('transaction', [
    postEntry(oU, lab(pU, 'TX-O1', { encounter: { reference: eU } })),
    postEntry(eU, encounter(pU, 'TX-E1')),
    postEntry(pU, patient(HOSP, 'TX1', { family: '束', familyKana: 'タバ' })),
  ]));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'transaction-response');
  assert.equal(r.json.entry.length, 3);
  for (const e of r.json.entry) {
    assert.equal(e.response.status, '201 Created');
    assert.match(e.response.location, /^(Patient|Encounter|Observation)\/[A-Za-z0-9.-]+\/_history\/1$/);
    assert.equal(e.response.etag, 'W/"1"');
    assert.ok(e.response.lastModified);
    assert.ok(e.fullUrl.endsWith(`${e.resource.resourceType}/${e.resource.id}`));
  }
  const [o, en, p] = r.json.entry.map((e) => e.resource);
  assert.deepEqual([o.resourceType, en.resourceType, p.resourceType], ['Observation', 'Encounter', 'Patient']);
  assert.equal(o.subject.reference, `Patient/${p.id}`);
  assert.equal(o.encounter.reference, `Encounter/${en.id}`);
  assert.equal(en.subject.reference, `Patient/${p.id}`);
  [P, ENC, OBS] = [p.id, en.id, o.id];
  const read = await get(SYS, `/fhir/Observation/${OBS}`);
  assert.equal(read.status, 200);
  assert.equal(read.json.subject.reference, `Patient/${P}`);
  assert.equal(await total(SYS, `Observation?patient=${P}`), 1);
  assert.equal(await total(SYS, `Encounter?patient=${P}`), 1);
});

test('transaction: all or nothing — a failing 5th entry leaves nothing stored', async () => {
  const pU = uuid(), eU = uuid();
  const r = await post(SYS, '/fhir', bundle('transaction', [
    postEntry(pU, patient(HOSP, 'TX-FAIL', { family: '失敗', familyKana: 'シッパイ' })),
    postEntry(eU, encounter(pU, 'TXF-E')),
    postEntry(uuid(), { resourceType: 'Condition', identifier: [{ system: ID_SYSTEM, value: 'TXF-C' }], subject: { reference: pU },
      code: cc('http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full', 'E119', '２型糖尿病') }),
    postEntry(uuid(), lab(pU, 'TXF-O1', { encounter: { reference: eU } })),
    postEntry(uuid(), lab(pU, 'TXF-O2', { status: 'not-a-status' })),
  ]));
  const msg = outcome(r, 400);
  assert.match(msg, /^Bundle\.entry\[4\]: /, msg);
  assert.match(msg, /status/);
  assert.ok(r.json.issue[0].expression[0].startsWith('Bundle.entry[4]'), JSON.stringify(r.json.issue[0]));
  assert.equal(await total(SYS, `Patient?identifier=${LOCAL_SYSTEM(HOSP)}|TX-FAIL`), 0);
  for (const [type, id] of [['Encounter', 'TXF-E'], ['Condition', 'TXF-C'], ['Observation', 'TXF-O1']])
    assert.equal(await total(SYS, `${type}?identifier=${ID_SYSTEM}|${id}`), 0, `${type} ${id} was not stored`);
});

test('transaction: PUT with ifMatch, DELETE, and GET after the writes', async () => {
  const cur = (await get(SYS, `/fhir/Observation/${OBS}`)).json;
  const updated = { ...cur, valueQuantity: { value: 7.2, unit: '%' } };
  delete updated.meta;
  const oU = uuid();
  const r = await post(SYS, '/fhir', bundle('transaction', [
    { request: { method: 'GET', url: `Observation?patient=${P}` } },
    { fullUrl: `${S.fhirBase}/Observation/${OBS}`, resource: updated, request: { method: 'PUT', url: `Observation/${OBS}`, ifMatch: 'W/"1"' } },
    postEntry(oU, lab(`Patient/${P}`, 'TX-O2')),
  ]));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.entry.map((e) => e.response.status), ['200 OK', '200 OK', '201 Created']);
  // deleting what is not there is answered as a read of it would be, and fails the transaction
  const none = await post(SYS, '/fhir', bundle('transaction', [{ request: { method: 'DELETE', url: 'Observation/no-such-one' } }]));
  assert.match(outcome(none, 404), /^Bundle\.entry\[0\]: Observation\/no-such-one is not known/);
  assert.equal(r.json.entry[1].response.etag, 'W/"2"');
  assert.equal(r.json.entry[1].resource.valueQuantity.value, 7.2);
  // the GET ran after the writes: it sees both Observations
  assert.equal(r.json.entry[0].resource.type, 'searchset');
  assert.equal(r.json.entry[0].resource.entry.length, 2);
  const newId = r.json.entry[2].resource.id;
  // a stale ifMatch fails the whole transaction, the DELETE in it included
  const stale = await post(SYS, '/fhir', bundle('transaction', [
    { request: { method: 'DELETE', url: `Observation/${newId}` } },
    { resource: updated, request: { method: 'PUT', url: `Observation/${OBS}`, ifMatch: 'W/"1"' } },
  ]));
  assert.match(outcome(stale, 412), /^Bundle\.entry\[1\]: .*version/);
  assert.equal((await get(SYS, `/fhir/Observation/${newId}`)).status, 200, 'the DELETE was rolled back');
  const del = await post(SYS, '/fhir', bundle('transaction', [{ request: { method: 'DELETE', url: `Observation/${newId}`, ifMatch: 'W/"1"' } }]));
  assert.equal(del.status, 200, del.text);
  assert.equal(del.json.entry[0].response.etag, 'W/"2"');
  assert.equal((await get(SYS, `/fhir/Observation/${newId}`)).status, 410);
});

test('batch: each entry on its own, with its status or OperationOutcome', async () => {
  const r = await post(SYS, '/fhir', bundle('batch', [
    postEntry(undefined, lab(`Patient/${P}`, 'B-O1')),                                  // 0 ok
    postEntry(undefined, lab(`Patient/${P}`, 'B-O2', { status: 'bogus' })),             // 1 invalid code
    { request: { method: 'GET', url: `Patient/${P}` } },                                // 2 ok
    { request: { method: 'GET', url: 'Patient/no-such-patient' } },                     // 3 404
    { request: { method: 'GET', url: `Observation?patient=${P}&code=${JLAC10}|3D046000001920402` } }, // 4 search
    { resource: { resourceType: 'Foo' }, request: { method: 'POST', url: 'Foo' } },     // 5 unknown type
    { resource: { resourceType: 'Basic' }, request: { method: 'POST', url: 'Basic' } }, // 6 not served
    { request: { method: 'PATCH', url: `Observation/${OBS}` } },                         // 7 unsupported method
    { resource: { ...lab(`Patient/${P}`, 'B-O3'), id: 'b-o3' }, request: { method: 'PUT', url: 'Observation/b-o3', ifMatch: 'W/"4"' } }, // 8 412
    postEntry(undefined, lab(uuid(), 'B-O4')),                                          // 9 urn in a batch
  ]));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'batch-response');
  const codes = r.json.entry.map((e) => Number(e.response.status.slice(0, 3)));
  assert.deepEqual(codes, [201, 400, 200, 404, 200, 400, 404, 400, 412, 400]);
  for (const i of [1, 3, 5, 6, 7, 8, 9]) {
    const oo = r.json.entry[i].response.outcome;
    assert.equal(oo?.resourceType, 'OperationOutcome', `entry ${i} has an outcome`);
    assert.ok(oo.issue[0].diagnostics.length > 10);
  }
  assert.match(r.json.entry[5].response.outcome.issue[0].diagnostics, /not a FHIR R4 resource type/);
  assert.match(r.json.entry[6].response.outcome.issue[0].diagnostics, /not served/);
  assert.match(r.json.entry[9].response.outcome.issue[0].diagnostics, /transaction only/);
  assert.equal(r.json.entry[2].resource.id, P);
  assert.equal(r.json.entry[2].response.etag, 'W/"1"');
  assert.equal(r.json.entry[4].resource.type, 'searchset');
  assert.equal(await total(SYS, `Observation?identifier=${ID_SYSTEM}|B-O1`), 1, 'the good entry was stored');
  assert.equal(await total(SYS, `Observation?identifier=${ID_SYSTEM}|B-O2`), 0);
});

test('refused as a whole: wrong Bundle type, nested Bundle, duplicate fullUrl, undefined urn:uuid, cycles, limits', async () => {
  for (const type of ['collection', 'document', 'searchset', 'transaction-response']) {
    const r = await post(SYS, '/fhir', bundle(type, []));
    assert.match(outcome(r, 400), /transaction or a batch/);
  }
  assert.match(outcome(await post(SYS, '/fhir', patient(HOSP, 'X1')), 400), /takes a Bundle/);
  assert.match(outcome(await post(SYS, '/fhir', { resourceType: 'Bundle', type: 'batch', entry: {} }), 400), /array/);
  for (const type of ['transaction', 'batch']) {
    const nested = await post(SYS, '/fhir', bundle(type, [
      postEntry(uuid(), lab(`Patient/${P}`, 'N-1')),
      { fullUrl: uuid(), resource: bundle('transaction', []), request: { method: 'POST', url: 'Bundle' } },
    ]));
    assert.match(outcome(nested, 400), /^Bundle\.entry\[1\]: a Bundle inside a Bundle/);
  }
  const dup = uuid();
  const d = await post(SYS, '/fhir', bundle('transaction', [postEntry(dup, lab(`Patient/${P}`, 'D-1')), postEntry(dup, lab(`Patient/${P}`, 'D-2'))]));
  assert.match(outcome(d, 400), /^Bundle\.entry\[1\]: fullUrl .* also the fullUrl of Bundle\.entry\[0\]/);
  const undef = await post(SYS, '/fhir', bundle('transaction', [postEntry(uuid(), lab(`Patient/${P}`, 'U-1')), postEntry(uuid(), lab(uuid(), 'U-2'))]));
  assert.match(outcome(undef, 400), /^Bundle\.entry\[1\]: reference 'urn:uuid:[0-9a-f-]+' is not the fullUrl of any entry/);
  const aU = uuid(), bU = uuid();
  const cycle = await post(SYS, '/fhir', bundle('transaction', [
    postEntry(aU, { ...lab(`Patient/${P}`, 'CY-1'), hasMember: [{ reference: bU }] }),
    postEntry(bU, { ...lab(`Patient/${P}`, 'CY-2'), hasMember: [{ reference: aU }] }),
  ]));
  assert.match(outcome(cycle, 400), /circle/);
  const twice = await post(SYS, '/fhir', bundle('transaction', [
    { request: { method: 'DELETE', url: `Observation/${OBS}` } }, { request: { method: 'DELETE', url: `Observation/${OBS}` } }]));
  assert.match(outcome(twice, 400), /also written by Bundle\.entry\[0\]/);
  const conditional = await post(SYS, '/fhir', bundle('transaction', [
    { resource: lab(`Patient/${P}`, 'C-1'), request: { method: 'PUT', url: 'Observation/C-1', ifNoneExist: 'identifier=x|y' } }]));
  assert.match(outcome(conditional, 400), /^Bundle\.entry\[0\]: request\.ifNoneExist goes with POST/);
  // the entry limit (RK_MAX_BUNDLE_ENTRIES)
  const many = Array.from({ length: 1001 }, () => ({ request: { method: 'GET', url: `Patient/${P}` } }));
  for (const type of ['transaction', 'batch'])
    assert.match(outcome(await post(SYS, '/fhir', bundle(type, many)), 413), /1001 entries; at most 1000/);
  assert.equal(await total(SYS, `Observation?patient=${P}&identifier=${ID_SYSTEM}|N-1,${ID_SYSTEM}|D-1,${ID_SYSTEM}|U-1,${ID_SYSTEM}|CY-1`), 0,
    'nothing of a refused Bundle was stored');
  // not JSON, not FHIR JSON
  outcome(await post(SYS, '/fhir', '{"resourceType":', { headers: { 'Content-Type': 'application/fhir+json' } }), 400);
  outcome(await post(SYS, '/fhir', 'x', { headers: { 'Content-Type': 'text/plain' } }), 415);
});

test('conditional update and delete in a transaction and a batch (request.url Type?search)', async () => {
  const q = `identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|B-COND-1`)}`;
  const pUrl = uuid();
  // no match: a create; an Observation of the same transaction refers to it by its fullUrl
  const first = await post(SYS, '/fhir', bundle('transaction', [
    { fullUrl: pUrl, resource: patient(HOSP, 'B-COND-1', { family: '条件', familyKana: 'ジョウケン' }), request: { method: 'PUT', url: `Patient?${q}` } },
    postEntry(uuid(), lab(pUrl, 'B-COND-LAB-1')),
  ]));
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.entry[0].response.status, '201 Created');
  const pid = first.json.entry[0].resource.id;
  assert.equal(first.json.entry[1].resource.subject.reference, `Patient/${pid}`);
  // one match: an update of it, ifMatch honoured
  const second = await post(SYS, '/fhir', bundle('transaction', [
    { resource: patient(HOSP, 'B-COND-1', { family: '条件', familyKana: 'ジョウケン', birthDate: '1960-01-01' }), request: { method: 'PUT', url: `Patient?${q}`, ifMatch: 'W/"1"' } },
  ]));
  assert.equal(second.status, 200, second.text);
  assert.equal(second.json.entry[0].response.status, '200 OK');
  assert.equal(second.json.entry[0].resource.id, pid);
  assert.equal(second.json.entry[0].resource.birthDate, '1960-01-01');
  // several matches: 412, the whole transaction refused
  const labQ = `subject=Patient/${pid}`;
  assert.equal((await post(SYS, '/fhir/Observation', lab(`Patient/${pid}`, 'B-COND-LAB-2'))).status, 201);
  const several = await post(SYS, '/fhir', bundle('transaction', [
    postEntry(uuid(), lab(`Patient/${pid}`, 'B-COND-LAB-3')),
    { request: { method: 'DELETE', url: `Observation?${labQ}` } },
  ]));
  assert.match(outcome(several, 412), /^Bundle\.entry\[1\]: the conditional delete matches 2/);
  assert.equal(await total(SYS, `Observation?${labQ}`), 2, 'nothing of the refused transaction stored');
  // a batch: each conditional entry on its own
  const batch = await post(SYS, '/fhir', bundle('batch', [
    { request: { method: 'DELETE', url: `Observation?identifier=${encodeURIComponent(`${ID_SYSTEM}|B-COND-LAB-1`)}` } },
    { request: { method: 'DELETE', url: `Observation?identifier=${encodeURIComponent(`${ID_SYSTEM}|B-NOTHING`)}` } },
    { resource: { ...patient(HOSP, 'B-COND-1'), id: 'other' }, request: { method: 'PUT', url: `Patient?${q}` } },
    { resource: { ...patient(HOSP, 'B-COND-9'), id: pid }, request: { method: 'PUT', url: `Patient?identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|B-COND-9`)}` } },
  ]));
  assert.equal(batch.status, 200, batch.text);
  assert.deepEqual(batch.json.entry.map((e) => e.response.status.slice(0, 3)), ['204', '404', '400', '409']);
  assert.equal(await total(SYS, `Observation?${labQ}`), 1);
  // the Bundle's Prefer holds for it, not for its GET entries as if they were sent alone
  const minimal = await post(SYS, '/fhir', bundle('batch', [{ request: { method: 'GET', url: `Patient/${pid}` } },
    { request: { method: 'GET', url: `Patient?${q}&colour=blue` } }]), { headers: { Prefer: 'return=minimal, handling=lenient' } });
  assert.equal(minimal.status, 200, minimal.text);
  assert.deepEqual(minimal.json.entry.map((e) => e.response.status.slice(0, 3)), ['200', '200']);
  assert.match(outcome(await post(SYS, '/fhir', bundle('batch', []), { headers: { Prefer: 'respond-async' } }), 400), /respond-async/);
  assert.match(outcome(await post(SYS, '/fhir', bundle('batch', []), { headers: { 'If-None-Match': 'W/"1"' } }), 400), /If-None-Match/);
  // what the clinic's system may not see does not match: a conditional delete of it is 404
  const hidden = await post(CSYS, '/fhir', bundle('batch', [{ request: { method: 'DELETE', url: `Patient?${q}` } }]));
  assert.equal(hidden.json.entry[0].response.status.slice(0, 3), '404');
  assert.equal(await total(SYS, `Patient?${q}`), 1);
});

test('a GET in a batch obeys the access rules: without consent another facility\'s record is not there', async () => {
  const r = await post(CSYS, '/fhir', bundle('batch', [
    { request: { method: 'GET', url: `Observation/${OBS}` } },
    { request: { method: 'GET', url: 'Observation/no-such-observation' } },
    { request: { method: 'GET', url: `Observation?patient=${P}` } },
    { request: { method: 'GET', url: `Patient/${P}/_history/1` } },
  ]));
  assert.equal(r.status, 200, r.text);
  const [hidden, missing, search, vread] = r.json.entry;
  assert.equal(hidden.response.status, missing.response.status, 'denied looks like missing');
  assert.equal(hidden.response.status, '404 Not Found');
  assert.equal(hidden.resource, undefined);
  assert.ok(!JSON.stringify(hidden).includes('HbA1c'));
  assert.equal(search.resource.total ?? (search.resource.entry || []).length, 0);
  assert.ok(!(search.resource.entry || []).length);
  assert.equal(vread.response.status, '404 Not Found');
  // the hospital's own system reads the same records
  const own = await post(SYS, '/fhir', bundle('batch', [{ request: { method: 'GET', url: `Observation/${OBS}` } },
    { request: { method: 'GET', url: `Patient/${P}/_history/1` } }]));
  assert.deepEqual(own.json.entry.map((e) => e.response.status), ['200 OK', '200 OK']);
  // in a transaction the denied read fails the whole request, like a missing one
  const tx = await post(CSYS, '/fhir', bundle('transaction', [{ request: { method: 'GET', url: `Observation/${OBS}` } }]));
  assert.match(outcome(tx, 404), /^Bundle\.entry\[0\]: Observation\/.* is not known/);
});

test('writes into another facility\'s registration are refused, and scopes hold per entry', async () => {
  const before = await total(SYS, `Observation?patient=${P}`);
  const tx = await post(CSYS, '/fhir', bundle('transaction', [postEntry(uuid(), lab(`Patient/${P}`, 'X-1'))]));
  const msg = outcome(tx, 400);
  assert.match(msg, /^Bundle\.entry\[0\]: .*does not exist/, 'answered like a reference to nothing');
  const batch = await post(CSYS, '/fhir', bundle('batch', [
    postEntry(undefined, lab(`Patient/${P}`, 'X-2')),
    { request: { method: 'DELETE', url: `Observation/${OBS}` } },
    { resource: { ...lab(`Patient/${P}`, 'X-3'), id: OBS }, request: { method: 'PUT', url: `Observation/${OBS}` } },
  ]));
  assert.equal(batch.status, 200);
  // the hospital's Observation is not there for the clinic: deleting it and
  // updating it (update as create under an id that is not the clinic's) are 404 alike
  assert.deepEqual(batch.json.entry.map((e) => e.response.status.slice(0, 3)), ['400', '404', '404']);
  assert.equal(await total(SYS, `Observation?patient=${P}`), before, 'nothing was written');
  assert.equal((await get(SYS, `/fhir/Observation/${OBS}`)).json.meta.versionId, '2', 'the hospital\'s record is unchanged');
  // a token for Observation writes only: a Patient in the transaction is refused, nothing stored
  const pU = uuid();
  const scoped = await post(OBSWRITER, '/fhir', bundle('transaction', [
    postEntry(uuid(), lab(pU, 'S-1')), postEntry(pU, patient(HOSP, 'SCOPE1'))]));
  assert.match(outcome(scoped, 403), /^Bundle\.entry\[1\]: the token's scope/);
  assert.equal(await total(SYS, `Patient?identifier=${LOCAL_SYSTEM(HOSP)}|SCOPE1`), 0);
  // staff sessions use the same route (with their CSRF token)
  const DR = await S.login('dr.renkei');
  const staff = await post(DR, '/fhir', bundle('batch', [postEntry(undefined, lab(`Patient/${P}`, 'STAFF-1'))]));
  assert.equal(staff.json.entry[0].response.status, '201 Created');
});

test('transaction: orders — a lab ServiceRequest with its result, and a diet NutritionOrder', async () => {
  const srU = uuid();
  const r = await post(SYS, '/fhir', bundle('transaction', [
    postEntry(uuid(), lab(`Patient/${P}`, 'ORD-O1', { basedOn: [{ reference: srU }] })),
    postEntry(srU, { resourceType: 'ServiceRequest', status: 'completed', intent: 'order',
      requisition: { system: ID_SYSTEM, value: 'REQ-1' }, category: [cc('http://snomed.info/sct', '108252007', '検体検査')],
      code: cc(JLAC10, '3D046000001920402', 'HbA1c'), subject: { reference: `Patient/${P}` }, encounter: { reference: `Encounter/${ENC}` },
      authoredOn: '2026-04-01T09:05:00+09:00' }),
    postEntry(uuid(), { resourceType: 'NutritionOrder', status: 'active', intent: 'order', patient: { reference: `Patient/${P}` },
      encounter: { reference: `Encounter/${ENC}` }, dateTime: '2026-04-01T10:00:00+09:00',
      oralDiet: { type: [cc('urn:oid:1.2.392.200250.2.2.99', 'DM1600', '糖尿病食 1600kcal')],
        schedule: [{ repeat: { frequency: 3, period: 1, periodUnit: 'd' } }],
        nutrient: [{ modifier: { text: 'エネルギー' }, amount: { value: 1600, unit: 'kcal' } }], instruction: '間食なし' } }),
  ]));
  assert.equal(r.status, 200, r.text);
  const [obs, sr, diet] = r.json.entry.map((e) => e.resource);
  assert.equal(obs.basedOn[0].reference, `ServiceRequest/${sr.id}`);
  assert.equal(await total(SYS, `ServiceRequest?patient=${P}&requisition=${ID_SYSTEM}|REQ-1`), 1);
  assert.equal(await total(SYS, `Observation?based-on=ServiceRequest/${sr.id}`), 1);
  assert.equal(await total(SYS, `NutritionOrder?patient=${P}&status=active`), 1);
  assert.equal((await get(SYS, `/fhir/NutritionOrder/${diet.id}`)).json.oralDiet.nutrient[0].amount.value, 1600);
  // another facility without consent sees none of it
  assert.equal(await total(CSYS, `ServiceRequest?patient=${P}`), 0);
  assert.equal((await get(CSYS, `/fhir/NutritionOrder/${diet.id}`)).status, 404);
});

test('each Bundle leaves one audit entry with what it wrote and read', async () => {
  const pU = uuid();
  const r = await post(SYS, '/fhir', bundle('transaction', [postEntry(pU, patient(HOSP, 'AUD1')), postEntry(uuid(), lab(pU, 'AUD-O'))]));
  assert.equal(r.status, 200, r.text);
  const refs = r.json.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}/_history/1`);
  const txs = await get(OP, '/fhir/AuditEvent?event=transaction&_count=100');
  assert.equal(txs.status, 200, txs.text);
  const mine = txs.json.entry.map((e) => e.resource).find((a) => refs.every((ref) => (a.entity || []).some((x) => x.what?.reference === ref)));
  assert.ok(mine, 'the transaction\'s audit entry names both written resources');
  assert.equal(mine.subtype[0].code, 'transaction');
  assert.ok(mine.entity.some((x) => x.what?.identifier?.system === 'urn:renkei:regional-patient-id'), 'and the patient');
  const batches = await get(OP, '/fhir/AuditEvent?event=batch&_count=100');
  assert.ok(batches.json.total >= 3);
  // the denied read of the clinic's batch is not in its entry; failed transactions are outcome 4
  const failed = await get(OP, '/fhir/AuditEvent?event=transaction&outcome=4&_count=100');
  assert.ok(failed.json.total >= 5, `failed transactions are audited (${failed.json.total})`);
});

test('the body limit (http.max_body) holds for Bundles: 413 before anything is parsed', async () => {
  const small = await startServer({ sets: ['http.max_body=64K'] });
  try {
    const sys = await small.system(HOSP, 'system/*.*');
    const entries = Array.from({ length: 200 }, (_, i) => postEntry(uuid(), patient(HOSP, `BIG${i}`, { family: '大量' })));
    const r = await post(sys, '/fhir', bundle('transaction', entries));
    assert.match(outcome(r, 413), /larger than the limit/);
    assert.equal(await total(sys, `Patient?family=大量`), 0);
  } finally {
    assert.equal(await small.stop(), 0);
    cleanupStore(small.store);
  }
});
