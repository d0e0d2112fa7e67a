// audit_write.test.mjs — a write and its audit entry commit together or not
// at all: with audit inserts failing in the database (a trigger, while the
// server runs), a create, an update-as-create, a transaction Bundle, a DELETE
// and an SS-MIX2 import answer 503 / fail and store nothing that read, search
// or history could find; once the fault is gone the same writes succeed and their
// entries name them. A login (which commits its own steps) hands out no
// session when its entry fails, and its failure stays counted. And every
// request, routed or not, leaves an entry, but the documented exceptions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, get, post, put, http, outcome, patient, cleanupStore, sqlOn, failAuditInserts, LOCAL_SYSTEM, DEMO_PASSWORD }
  from './harness.mjs';

const HOSP = '2011000011';
let S, DOC, SYS, work;
const sql = (q) => sqlOn(S.store, q);
const count = (q) => Number(sql(q).trim());

before(async () => {
  S = await startServer();
  DOC = await S.login('dr.renkei');
  SYS = await S.system(HOSP, 'system/*.*');
  work = mkdtempSync(path.join(tmpdir(), 'renkei-audit-write-'));
});

after(async () => {
  assert.equal(await S.stop(), 0);
  const v = await S.cli(['audit', 'verify']);
  assert.equal(v.code, 0, `the chain is intact after the faults: ${v.stdout}${v.stderr}`);
  cleanupStore(S.store);
  rmSync(work, { recursive: true, force: true });
});

/** The 503s since request from: the fault refused their own entries too (checkAudit leaves them out). */
function unaudited(from) {
  for (let i = S.requests.length - 1; i >= from; i--) if (S.requests[i].status === 503) S.requests.splice(i, 1);
}

/** Everything the FHIR API says about a Patient of the hospital with this local ID. */
async function traces(localId, id = null) {
  const found = [];
  const byId = await get(DOC, `/fhir/Patient?identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|${localId}`)}`);
  assert.equal(byId.status, 200, byId.text);
  found.push(...(byId.json.entry || []).map((e) => `search ${e.resource.id}`));
  const hist = await get(DOC, '/fhir/Patient/_history?_count=1000');
  assert.equal(hist.status, 200, hist.text);
  for (const e of hist.json.entry || []) {
    if (JSON.stringify(e.resource || {}).includes(localId)) found.push(`history ${e.resource.id}`);
  }
  if (id) {
    const read = await get(DOC, `/fhir/Patient/${id}`);
    if (read.status !== 404) found.push(`read ${read.status}`);
    const vread = await get(DOC, `/fhir/Patient/${id}/_history/1`);
    if (vread.status !== 404) found.push(`vread ${vread.status}`);
    const ih = await get(DOC, `/fhir/Patient/${id}/_history`);
    if (ih.status === 200 && ih.json.total) found.push(`instance history ${ih.json.total}`);
  }
  return found;
}

test('a write whose audit entry cannot be written answers 503 and stores nothing; without the fault it succeeds, named by its entry', async () => {
  const kept = await post(DOC, '/fhir/Patient', patient(HOSP, 'ATOMD', { family: '削除' }));
  assert.equal(kept.status, 201, kept.text);
  const entries = count('SELECT COUNT(*) FROM audit_entry');
  const from = S.requests.length;
  const restore = failAuditInserts(S.store, ['create', 'update', 'transaction', 'delete']);
  try {
    const created = await post(DOC, '/fhir/Patient', patient(HOSP, 'ATOM1', { family: '原子' }));
    const why = outcome(created, 503);
    assert.match(why, /audit/i, 'the outcome says the audit entry failed');
    assert.match(why, /nothing .*stored/i, 'and that nothing was stored');
    outcome(await put(DOC, `/fhir/Patient/${HOSP}-atom-2`, { ...patient(HOSP, 'ATOM2'), id: `${HOSP}-atom-2` }), 503);
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ fullUrl: 'urn:uuid:0b0e6a7c-5a0f-4c1e-9d71-3c1f6c1a0001', resource: patient(HOSP, 'ATOM3'),
        request: { method: 'POST', url: 'Patient' } }],
    };
    outcome(await post(DOC, '/fhir', bundle), 503);
    outcome(await http(DOC, 'DELETE', `/fhir/Patient/${kept.json.id}`), 503);
    assert.deepEqual(await traces('ATOM1'), [], 'the refused create left nothing');
    assert.deepEqual(await traces('ATOM2', `${HOSP}-atom-2`), [], 'the refused update-as-create left nothing');
    assert.deepEqual(await traces('ATOM3'), [], 'the refused transaction left nothing');
    const still = await get(DOC, `/fhir/Patient/${kept.json.id}`);
    assert.equal(still.status, 200, 'the refused DELETE deleted nothing');
    const kh = await get(DOC, `/fhir/Patient/${kept.json.id}/_history`);
    assert.equal(kh.json.total, 1, 'and left no deleted version in its history');
    assert.equal(count("SELECT COUNT(*) FROM resource WHERE type = 'Patient' AND (body LIKE '%ATOM1%' OR body LIKE '%ATOM2%' OR body LIKE '%ATOM3%')"), 0);
    assert.equal(count("SELECT COUNT(*) FROM audit_entry WHERE event IN ('create', 'update', 'transaction', 'delete')" +
      ` AND entities NOT LIKE '%Patient/${kept.json.id}/_history/1%'`), 0,
      'and no entry claims them');
    // reads go on being served and audited meanwhile
    assert.equal((await get(DOC, '/fhir/Patient?_summary=count')).status, 200);
    assert.ok(count('SELECT COUNT(*) FROM audit_entry') > entries, 'the reads were audited');
  } finally {
    restore();
    unaudited(from);
  }
  const ok = await post(DOC, '/fhir/Patient', patient(HOSP, 'ATOM1', { family: '原子' }));
  assert.equal(ok.status, 201, ok.text);
  const mine = sql(`SELECT event, outcome, entities FROM audit_entry WHERE entities LIKE '%Patient/${ok.json.id}/%' ORDER BY seq`)
    .trim().split('\n');
  assert.equal(mine.length, 1, `one entry names the new Patient: ${mine}`);
  assert.match(mine[0], new RegExp(`^create\\|0\\|.*Patient/${ok.json.id}/_history/1`));
  assert.equal((await put(DOC, `/fhir/Patient/${HOSP}-atom-2`, { ...patient(HOSP, 'ATOM2'), id: `${HOSP}-atom-2` })).status, 201);
  assert.equal((await get(DOC, `/fhir/Patient/${HOSP}-atom-2`)).status, 200);
  const del = await http(DOC, 'DELETE', `/fhir/Patient/${kept.json.id}`);
  assert.ok(del.status === 200 || del.status === 204, del.text);
  assert.equal((await get(DOC, `/fhir/Patient/${kept.json.id}`)).status, 410);
  assert.match(sql(`SELECT event FROM audit_entry WHERE entities LIKE '%Patient/${kept.json.id}/_history/2%'`), /^delete$/m,
    'the DELETE\'s entry names the deleted version');
});

const FAILED = "SELECT COALESCE(MAX(failed_count), 0) FROM login_failure WHERE login_id = 'ns.renkei' AND client_addr = '*'";

const SESSIONS = "SELECT COUNT(*) FROM web_session WHERE account_id = 'ns.renkei'";

test('a login whose audit entry cannot be written answers 503 and stores no session; a wrong password stays counted', async () => {
  // A login counts the attempt in a commit of its own (before the slow
  // password check, which must not hold the write lock); once the password
  // is right, the new session and the entry commit together or not at all.
  const before = count(FAILED);
  const r = await http(S, 'POST', '/api/session', { body: { account: 'ns.renkei', password: 'wrong-password-1' }, raw: true });
  assert.equal(r.status, 401, r.text);
  assert.equal(count(FAILED), before + 1);
  const from = S.requests.length;
  const restore = failAuditInserts(S.store, ['login']);
  try {
    const r2 = await http(S, 'POST', '/api/session', { body: { account: 'ns.renkei', password: 'wrong-password-2' }, raw: true });
    assert.equal(r2.status, 503, r2.text);
    assert.equal(count(FAILED), before + 2, 'a guess is never free: counted though its entry failed');
    const sessions = count(SESSIONS);
    const right = await http(S, 'POST', '/api/session', { body: { account: 'ns.renkei', password: DEMO_PASSWORD }, raw: true });
    assert.equal(right.status, 503, right.text);
    assert.equal(right.headers.get('set-cookie'), null, 'no session is handed out unaudited');
    assert.doesNotMatch(right.text, /csrf|session/i);
    assert.equal(count(SESSIONS), sessions, 'and none is stored');
  } finally {
    restore();
    unaudited(from);
  }
});

test('a bulk export whose kick-off cannot be audited answers 503 and is never queued', async () => {
  // the kick-off is a GET that changes something: it runs in the request's
  // transaction (ROUTE_GET_WRITES), so the export row commits with its entry or not at all
  const OP = await S.login('operator');
  const rows = () => count('SELECT COUNT(*) FROM bulk_export');
  const before = rows();
  const from = S.requests.length;
  const restore = failAuditInserts(S.store, ['bulk-export']);
  try {
    const r = await http(OP, 'GET', '/fhir/$export?_type=Organization', { headers: { Prefer: 'respond-async' }, raw: true });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.headers.get('content-location'), null);
    assert.equal(rows(), before, 'no export is queued unaudited');
  } finally {
    restore();
    unaudited(from);
  }
  const ok = await http(OP, 'GET', '/fhir/$export?_type=Organization', { headers: { Prefer: 'respond-async' }, raw: true });
  assert.equal(ok.status, 202, ok.text);
  assert.equal(rows(), before + 1);
});

test('a password change whose audit entry cannot be written answers 503 and changes nothing', async () => {
  const C = await S.login('ns.renkei');
  const from = S.requests.length;
  const restore = failAuditInserts(S.store, ['password-change']);
  try {
    const r = await post(C, '/api/password', { current: DEMO_PASSWORD, new: 'Atomic-Change-2026' });
    assert.equal(r.status, 503, r.text);
  } finally {
    restore();
    unaudited(from);
  }
  const again = await S.login('ns.renkei'); // the old password still opens the account
  assert.equal(again.session.stage, 'ok');
  const ok = await post(C, '/api/password', { current: DEMO_PASSWORD, new: 'Atomic-Change-2026' });
  assert.equal(ok.status, 200, ok.text);
  assert.match(sql("SELECT event FROM audit_entry WHERE account_id = 'ns.renkei' ORDER BY seq DESC LIMIT 1"), /^password-change$/m);
});

test('an SS-MIX2 import whose audit entries cannot be written stores nothing', async () => {
  const dir = path.join(work, 'storage');
  const gen = await S.cli(['gen', 'ssmix2', '--patients', '1', '--seed', '5', '--facility', HOSP, dir]);
  assert.equal(gen.code, 0, gen.stderr);
  const restore = failAuditInserts(S.store, ['ingest']);
  let r;
  try {
    r = await S.cli(['import', 'ssmix2', dir, '--facility', HOSP]);
  } finally {
    restore();
  }
  assert.notEqual(r.code, 0, `the import fails: ${r.stdout}`);
  assert.equal(count('SELECT COUNT(*) FROM ingest_message'), 0, 'no message is recorded as ingested');
  assert.equal(count("SELECT COUNT(*) FROM resource WHERE type <> 'Patient' AND source_facility = '2011000011' AND body LIKE '%ssmix2:%'"), 0,
    'no record of it is stored');
  const again = await S.cli(['import', 'ssmix2', dir, '--facility', HOSP]);
  assert.equal(again.code, 0, again.stderr);
  const stored = count('SELECT COUNT(*) FROM ingest_message');
  assert.ok(stored > 0);
  assert.equal(count("SELECT COUNT(*) FROM audit_entry WHERE event = 'ingest'"), stored, 'one entry per message, with it');
});

test('every request leaves an audit entry, routed or not, but the documented exceptions', async () => {
  const probes = [
    ['POST', '/nope', 404], ['GET', '/no-such-file.html', 404], ['PUT', '/index.html', 404], ['OPTIONS', '/', 404],
    ['DELETE', '/healthz', 405], ['PATCH', '/fhir/Patient', 405], ['GET', '/fhir/NoSuchType', 404],
  ];
  for (const [method, p, status] of probes) {
    const r = await http(DOC, method, p);
    assert.equal(r.status, status, `${method} ${p}: ${r.text.slice(0, 200)}`);
  }
  for (const [method, p] of [['GET', '/'], ['GET', '/index.html'], ['HEAD', '/index.html'], ['GET', '/healthz'],
    ['HEAD', '/healthz'], ['GET', '/fhir/metadata'], ['GET', '/api/session']]) {
    const r = await http(DOC, method, p);
    assert.equal(r.status, 200, `${method} ${p}`);
  }
  await S.checkAudit(); // each audited request exactly one entry with its outcome; the others none
  const list = (await S.cli(['audit', 'list'])).stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
  const nope = list.find((f) => f[10]?.startsWith('POST /nope'));
  assert.ok(nope, 'POST /nope is in the log');
  assert.equal(nope[3], 'no-route');
  assert.equal(nope[5], '4');
  assert.ok(list.some((f) => f[3] === 'bad-method' && f[10]?.startsWith('DELETE /healthz')));
});
