// standby.test.mjs — `renkei serve` as a read-only standby (docs/STANDBY.md)
// on a database a normal server wrote: staff log in (password and TOTP, the
// session in the standby's memory) and read the record with the full access
// check; every write route answers 503 read_only with Retry-After and
// changes nothing in the database; break-the-glass works, the episode kept in
// memory; every request is audited in the standby's
// spool, which `renkei audit import-spool` appends to the primary's chain
// (once, however often it runs) and which makes the standby's episode one of
// the primary's, for review, after which `audit verify` passes; a
// tampered spool is refused. A real streaming replica is scripts/failover-drill
// (`make drill`): too slow for make check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, http, get, post, outcome, patient, totp, sqlOn, run, cleanupStore, DEMO_PASSWORD, DEMO_SECRET } from './harness.mjs';

const S_FAC = '2011000011'; // 信州れんけい総合病院
let PRIMARY, STANDBY, SPOOL, DR, AZ, PAT;
const spoolUrl = () => `sqlite:${SPOOL}/audit-spool.db`;

/** What the database holds, row counts of the tables a write would touch. */
function fingerprint(store) {
  const tables = ['resource', 'resource_history', 'web_session', 'login_failure', 'audit_entry', 'emergency_episode',
    'disaster_declaration', 'oauth_token', 'collab_read', 'sched_job', 'bulk_export', 'ingest_message'];
  const cols = tables.map((t) => `(SELECT COUNT(*) FROM ${t})`).join(', ');
  return `${tables.join(' ')} head: ` + sqlOn(store, `SELECT ${cols}, (SELECT seq FROM audit_head)`).trim();
}

/** Log in on the standby with the one-time code of the step at now + offset. */
async function login(server, account, offset = 0) {
  const r1 = await http(server, 'POST', '/api/session', { body: { account, password: DEMO_PASSWORD }, raw: true });
  assert.equal(r1.status, 200, `login ${account}: ${r1.text}`);
  assert.equal(r1.json.stage, 'totp');
  const client = { origin: server.origin, fhirBase: server.fhirBase, port: server.port, server, account,
    headers: { Cookie: r1.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': r1.json.csrf } };
  const r2 = await http(client, 'POST', '/api/session/totp', { body: { code: totp(DEMO_SECRET, Date.now() + offset) }, raw: true });
  assert.equal(r2.status, 200, `totp ${account}: ${r2.text}`);
  assert.equal(r2.json.stage, 'ok');
  return client;
}

let BEFORE;
before(async () => {
  PRIMARY = await startServer({ sets: ['mllp.listen=127.0.0.1:0'] });
  const w = await PRIMARY.login('dr.renkei');
  const r = await post(w, '/fhir/Patient', patient(S_FAC, 'SB1', { family: '待機', familyKana: 'タイキ' }));
  assert.equal(r.status, 201, r.text);
  PAT = r.json.id;
  assert.equal(await PRIMARY.stop(), 0);
  SPOOL = mkdtempSync(path.join(tmpdir(), 'renkei-spool-'));
  BEFORE = fingerprint(PRIMARY.store);
  STANDBY = await startServer({ store: PRIMARY.store, region: false,
    sets: [`audit.key_file=${PRIMARY.keyFile}`, 'standby.mode=on', `standby.spool_dir=${SPOOL}`, 'mllp.listen=127.0.0.1:0'] });
  // dr.renkei used this step's code on the primary: the next one here
  DR = await login(STANDBY, 'dr.renkei', 30000);
});

after(async () => {
  await STANDBY?.stop();
  cleanupStore(PRIMARY.store);
  rmSync(SPOOL, { recursive: true, force: true });
});

test('the standby says it is read-only, runs no scheduler, MLLP listener or bulk runner', async () => {
  assert.match(STANDBY.log, /event=standby\.read_only/);
  assert.match(STANDBY.log, /event=http\.listening .*mode=read-only/);
  assert.match(STANDBY.log, /event=standby\.mllp_off/);
  assert.doesNotMatch(STANDBY.log, /event=mllp\.listening/);
  const h = await get(STANDBY, '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.mode, 'read-only'); // for a load balancer that sends writes elsewhere
});

test('logins work (password and TOTP, kept in memory) and the record is read with the full access check', async () => {
  const s = await get(DR, '/api/session');
  assert.equal(s.status, 200);
  assert.equal(s.json.account.id, 'dr.renkei');
  const r = await get(DR, `/fhir/Patient/${PAT}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name[0].family, '待機');
  const e = await get(DR, `/fhir/Patient/${PAT}/$everything`);
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.resourceType, 'Bundle');
  const q = await post(DR, '/fhir/Patient/_search', 'family=待機', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json.total, 1);
  // a member of another facility without consent sees what a missing record gets
  const other = AZ = await login(STANDBY, 'dr.azumino');
  const hidden = await get(other, `/fhir/Patient/${PAT}`);
  assert.equal(hidden.status, 404);
  const missing = await get(other, '/fhir/Patient/no-such-patient');
  assert.equal(missing.status, 404);
  // wrong password and wrong code: refused, counted in memory
  const bad = await http(STANDBY, 'POST', '/api/session', { body: { account: 'dr.renkei', password: 'wrong-password-1' }, raw: true });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.issue[0].code, 'login');
  const r1 = await http(STANDBY, 'POST', '/api/session', { body: { account: 'ns.renkei', password: DEMO_PASSWORD }, raw: true });
  assert.equal(r1.status, 200, r1.text);
  const half = { server: STANDBY, headers: { Cookie: r1.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': r1.json.csrf } };
  const wrongCode = await http(half, 'POST', '/api/session/totp', { body: { code: '000000' }, raw: true });
  assert.equal(wrongCode.status, 401);
  assert.equal((await get(half, `/fhir/Patient/${PAT}`)).status, 401); // the login is not finished
});

test('every write is refused with 503 read_only and Retry-After, and nothing changes', async () => {
  const body = patient(S_FAC, 'SB2');
  const writes = [
    ['POST', '/fhir/Patient', body],
    ['PUT', `/fhir/Patient/${PAT}`, { ...body, id: PAT }],
    ['PATCH', `/fhir/Patient/${PAT}`, [{ op: 'replace', path: '/gender', value: 'female' }]],
    ['DELETE', `/fhir/Patient/${PAT}`],
    ['DELETE', '/fhir/Patient?identifier=x|y'],
    ['POST', '/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [] }],
    ['POST', '/api/emergency/x/end'],
    ['POST', '/api/password', { current: DEMO_PASSWORD, new: 'Another-Pass-2026-x' }],
    ['POST', '/api/totp/enroll'],
    ['POST', '/api/disaster', { municipalities: ['202029'], reason: 'test' }],
    ['POST', '/api/collab/read', { posts: [] }],
    ['POST', '/api/collab/visits', {}],
    ['POST', '/api/ingest/errors/1/replay', {}],
    ['GET', '/fhir/$export'],
  ];
  for (const [method, p, b] of writes) {
    const r = await http(DR, method, p, { body: b, raw: true });
    assert.equal(r.status, 503, `${method} ${p}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.headers.get('retry-after'), '300', `${method} ${p}`);
    const d = outcome(r, 503);
    assert.match(d, /読み取り専用の待機系/, `${method} ${p}`);
  }
  // public and unauthenticated writes too (the token endpoint)
  const tok = await http(STANDBY, 'POST', '/oauth2/token', { body: 'grant_type=client_credentials&client_id=x&client_secret=y',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, raw: true });
  assert.equal(tok.status, 503);
  // a stranger's write is a 401 as anywhere
  assert.equal((await http(STANDBY, 'POST', '/fhir/Patient', { body, raw: true })).status, 401);
  assert.equal(fingerprint(PRIMARY.store), BEFORE, 'the database did not change');
  assert.equal((await get(DR, `/fhir/Patient/${PAT}`)).json.meta.versionId, '1');
});

test('break-the-glass on the standby: re-authenticated, one episode per re-authentication, kept in memory', async () => {
  assert.equal((await get(AZ, `/fhir/Patient/${PAT}`)).status, 404);
  const body = { patient: `Patient/${PAT}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送、本人確認不可' };
  const noReauth = await post(AZ, '/api/emergency', body);
  assert.equal(noReauth.status, 403, noReauth.text);
  const wrong = await post(AZ, '/api/emergency', { ...body, password: DEMO_PASSWORD, code: '000000' });
  assert.equal(wrong.status, 401, wrong.text);
  // dr.azumino logged in here with this step's code: the next one
  const r = await post(AZ, '/api/emergency', { ...body, password: DEMO_PASSWORD, code: totp(DEMO_SECRET, Date.now() + 30000) });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.episode);
  assert.equal((await get(AZ, `/fhir/Patient/${PAT}`)).status, 200);
  assert.equal((await get(AZ, `/fhir/Patient/${PAT}/$everything`)).status, 200);
  const again = await post(AZ, '/api/emergency', body); // the re-authentication is used up
  assert.equal(again.status, 403, again.text);
  assert.equal(fingerprint(PRIMARY.store), BEFORE, 'the episode is in memory and in the spool, not the database');
});

test('logout ends the standby session', async () => {
  const c = await login(STANDBY, 'dr.yamabiko');
  assert.equal((await http(c, 'DELETE', '/api/session')).status, 204);
  const after = await get(c, '/api/session');
  assert.equal(after.status, 401);
});

test('every request is audited in the spool; import-spool appends it to the primary once; audit verify passes', async () => {
  // the spool holds exactly one entry per audited request, with its outcome
  const rows = sqlOn(spoolUrl(), 'SELECT request_id, event, outcome FROM audit_entry ORDER BY seq').trim().split('\n');
  const byId = new Map(rows.map((l) => l.split('|')).map(([id, event, o]) => [id, { event, outcome: Number(o) }]));
  assert.equal(byId.size, rows.length, 'one entry per request');
  let audited = 0;
  for (const r of STANDBY.requests.filter((x) => x.audited)) {
    const e = byId.get(r.id);
    assert.ok(e, `${r.method} ${r.path} (${r.status}) has no spool entry`);
    assert.equal(e.outcome, r.status < 400 ? 0 : r.status < 500 ? 4 : 8, `${r.method} ${r.path}`);
    audited++;
  }
  assert.ok(audited >= 25, `${audited} audited requests`);
  assert.ok([...byId.values()].some((e) => e.event === 'read'));
  assert.ok([...byId.values()].some((e) => e.event === 'standby-refused'));
  assert.equal(fingerprint(PRIMARY.store), BEFORE, 'the database is untouched by the standby');

  // a tampered copy of the spool is refused, and nothing is imported
  const copy = mkdtempSync(path.join(tmpdir(), 'renkei-spool-bad-'));
  await STANDBY.stop(); // the spool's last checkpoint is written at stop
  cpSync(SPOOL, copy, { recursive: true });
  sqlOn(`sqlite:${copy}/audit-spool.db`, "UPDATE audit_entry SET detail = 'changed' WHERE seq = 3");
  const bad = await PRIMARY.cli(['audit', 'import-spool', copy]);
  assert.equal(bad.code, 3, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /spool's chain is broken \(entry 3/);
  rmSync(copy, { recursive: true, force: true });
  assert.equal(fingerprint(PRIMARY.store), BEFORE);

  const imp = await PRIMARY.cli(['audit', 'import-spool', SPOOL]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, new RegExp(`${rows.length} entries, ${rows.length} imported now`));
  assert.match(imp.stdout, /; 1 break-the-glass episodes for review/);
  // the standby's episode is now the primary's, pending the disclosing facility's review
  const ep = sqlOn(PRIMARY.store, "SELECT account_id, facility_code, reason_code, review_status FROM emergency_episode").trim();
  assert.equal(ep, 'dr.azumino|2011000029|unconscious|pending');
  const again = await PRIMARY.cli(['audit', 'import-spool', SPOOL]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /all imported before; nothing to do/);
  const verify = await PRIMARY.cli(['audit', 'verify']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  // each standby request is in the primary's chain exactly once, saying where it was recorded
  const list = await PRIMARY.cli(['audit', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const count = new Map();
  for (const line of list.stdout.split('\n').filter(Boolean)) {
    const id = line.split('\t')[2];
    count.set(id, (count.get(id) || 0) + 1);
  }
  for (const id of byId.keys()) assert.equal(count.get(id), 1, `request ${id} in the primary's chain`);
  const detail = sqlOn(PRIMARY.store, `SELECT detail FROM audit_entry WHERE request_id = '${rows[0].split('|')[0]}'`);
  assert.match(detail, /\[standby spool [0-9a-f]+ #1, recorded \d{4}-\d\d-\d\dT/);
});

test('a standby without the audit key does not start', async () => {
  const r = await run(['serve', '--set', `store.url=${PRIMARY.store}`, '--set', 'http.listen=127.0.0.1:0', '--set', 'standby.mode=on',
    '--set', `standby.spool_dir=${SPOOL}-nokey`, '--set', `audit.key_file=${SPOOL}-nokey/none.key`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /needs the primary's audit key/);
});
