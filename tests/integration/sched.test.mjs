// sched.test.mjs — the scheduler (sched/) in a running server: a
// break-the-glass episode whose time is up and a disaster declaration at its
// end are closed and audited by the server itself, without any request; with
// two servers on one database each is closed and audited exactly once.
// `renkei jobs` lists the jobs and their last runs; `renkei jobs run NAME`
// runs one now and is audited. Waits poll until the work is done: nothing
// here asserts how long it took.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, startPair, get, post, patient, totp, cleanupStore, DEMO_PASSWORD, DEMO_SECRET, REGION_SYSTEM } from './harness.mjs';

const S_FAC = '2011000011'; // 信州れんけい総合病院: where the patients are registered
const F_FAC = '2011000029'; // あずみの中央病院: whose staff break the glass
const SETS = ['sched.tick=200ms', 'emergency.duration=2s'];
const servers = [];

after(async () => {
  for (const s of servers) assert.equal(await s.stop(), 0);
  for (const s of servers) cleanupStore(s.store);
});

const rid = (r) => r.json.identifier.find((x) => x.system === REGION_SYSTEM).value;

/** SQL against the server's database behind its back: a declaration made to end soon. */
function sql(store, statement) {
  if (store.startsWith('sqlite:')) return execFileSync('sqlite3', ['-cmd', '.timeout 5000', store.slice(7), statement]).toString();
  const [, db, query] = /^postgresql:\/\/\/([^?]+)\?(.*)$/.exec(store);
  const q = new URLSearchParams(query);
  const args = ['-h', q.get('host'), '-p', q.get('port'), '-U', 'renkei', '-d', db, '-At', '-c', statement];
  return execFileSync('psql', args, { env: { ...process.env, PGUSER: 'renkei' } }).toString();
}

/** Poll until check() returns a truthy value (or give up after a long while, naming what). */
async function until(what, check) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The audit entries, as `renkei audit list` prints them. */
async function auditEntries(srv) {
  const r = await srv.cli(['audit', 'list']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const f = line.split('\t');
    return { seq: Number(f[0]), request: f[2], event: f[3], account: f[6], facility: f[7], grant: f[8], patients: f[9], query: f[10] };
  });
}

/** `renkei jobs`: name → { status, runs, line }. */
async function jobs(srv) {
  const r = await srv.cli(['jobs']);
  assert.equal(r.code, 0, r.stderr);
  const out = {};
  for (const line of r.stdout.split('\n').slice(1).filter(Boolean)) {
    const f = line.split(/\s+/);
    out[f[0]] = { period: f[1], status: f[3], runs: Number(f[5]), line };
  }
  return out;
}

/** A patient registered at S (by its doctor), and a break-the-glass episode on it by who. */
async function episodeFor(srvS, who, local) {
  const SD = await srvS.login('dr.renkei');
  const p = await post(SD, '/fhir/Patient', patient(S_FAC, local, { family: `期限${local}`, familyKana: 'キゲン' }));
  assert.equal(p.status, 201, p.text);
  const r = await post(who, '/api/emergency', { patient: `Patient/${p.json.id}`, reason_code: 'unconscious',
    reason_text: '意識障害で救急搬送、本人確認不可', password: who.password || DEMO_PASSWORD,
    code: totp(who.secret || DEMO_SECRET, Date.now() + 30000) });
  assert.equal(r.status, 201, r.text);
  return { episode: r.json.episode, rid: rid(p), patientId: p.json.id };
}

/** A disaster declaration, then made to end a second from now. */
async function declarationEndingSoon(srv, code) {
  const OP = await srv.login('operator');
  const d = await post(OP, '/api/disaster', { municipalities: [code], hours: 1, note: '訓練' });
  assert.equal(d.status, 201, d.text);
  sql(srv.store, `UPDATE disaster_declaration SET ends_at = ${Date.now() + 1000} WHERE declaration_id = '${d.json.declaration}'`);
  return d.json.declaration;
}

test('a server closes an expired episode and an ended declaration by itself, audited', async () => {
  const SRV = await startServer({ sets: SETS });
  servers.push(SRV);
  const before = await jobs(SRV);
  assert.deepEqual(Object.keys(before).sort(), ['backup', 'bulk-export-purge', 'collab-attachment-purge', 'collab-digest', 'collab-order-remind',
    'disaster-close', 'disaster-report', 'emergency-expire', 'login-failure-purge', 'session-purge', 'token-purge']);
  assert.equal(before['emergency-expire'].period, '200ms');
  assert.equal(before['session-purge'].period, '1h');

  const DA = await SRV.login('dr.azumino');
  const ep = await episodeFor(SRV, DA, 'T1');
  const decl = await declarationEndingSoon(SRV, '202207');

  const closed = await until('the scheduler to close and audit both', async () => {
    const entries = await auditEntries(SRV);
    const e = entries.filter((x) => x.event === 'emergency-expired' && x.patients === `["${ep.rid}"]`);
    const d = entries.filter((x) => x.event === 'disaster-closed');
    return e.length && d.length ? { e, d } : null;
  });
  assert.equal(closed.e.length, 1);
  assert.equal(closed.d.length, 1);
  assert.equal(closed.e[0].account, 'scheduler');
  assert.equal(closed.e[0].facility, F_FAC);
  assert.equal(closed.e[0].grant, 'emergency');
  assert.equal(closed.e[0].request, '');
  assert.equal(closed.d[0].grant, 'disaster');

  // the rows say so: the episode ended (at its time limit), the declaration is gone from the list
  const OP = await SRV.login('operator');
  const review = await get(OP, '/api/emergency/review');
  const row = review.json.episodes.find((e) => e.episode === ep.episode);
  assert.equal(row.ended, true);
  assert.equal(sql(SRV.store, `SELECT ended_at = expires_at FROM emergency_episode WHERE episode_id = '${ep.episode}'`).trim()
    .replace('t', '1'), '1');
  assert.equal(sql(SRV.store, `SELECT COUNT(*) FROM disaster_declaration WHERE declaration_id = '${decl}' AND ended_at = ends_at`).trim(), '1');
  assert.ok(!(await get(OP, '/api/disaster')).json.declarations.some((x) => x.declaration === decl));
  assert.ok(!(await get(DA, '/api/emergency')).json.episodes.some((e) => e.episode === ep.episode));
  assert.equal((await get(DA, `/fhir/Patient/${ep.patientId}`)).status, 404, 'the ended episode opens nothing');

  // renkei jobs shows the runs; renkei jobs run runs one now, audited
  const after1 = await jobs(SRV);
  for (const j of Object.values(after1)) assert.equal(j.status, 'ok', `every job ran without a failure: ${j.line}`);
  assert.ok(after1['emergency-expire'].runs >= 1);
  assert.ok(after1['session-purge'].runs >= 1, 'the hourly jobs ran once at start');
  const run = await SRV.cli(['jobs', 'run', 'token-purge']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^token-purge: \d+ token\(s\) deleted/);
  assert.equal((await jobs(SRV))['token-purge'].runs, after1['token-purge'].runs + 1);
  assert.ok((await auditEntries(SRV)).some((x) => x.event === 'job-run'), 'jobs run is audited');
  const bad = await SRV.cli(['jobs', 'run', 'no-such-job']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no job called no-such-job/);
  await SRV.checkAudit();
});

test('two servers on one database close and audit each expiry exactly once', async () => {
  const [A, B] = await startPair({ sets: SETS });
  servers.push(A, B);
  const DA = await A.login('dr.azumino');
  const NB = await B.newStaff('ns.sched', F_FAC, 'nurse');
  const eps = [await episodeFor(A, DA, 'P1'), await episodeFor(A, NB, 'P2')];
  const decls = [await declarationEndingSoon(A, '202029'), await declarationEndingSoon(A, '202118')];

  await until('both episodes and both declarations closed', async () => {
    const entries = await auditEntries(A);
    return eps.every((ep) => entries.some((x) => x.event === 'emergency-expired' && x.patients === `["${ep.rid}"]`)) &&
      entries.filter((x) => x.event === 'disaster-closed').length >= 2;
  });
  // let both servers tick several more times over the closed rows
  const runs = (await jobs(A))['emergency-expire'].runs;
  await until('more ticks of emergency-expire', async () => (await jobs(B))['emergency-expire'].runs >= runs + 6);

  const entries = await auditEntries(A);
  for (const ep of eps)
    assert.equal(entries.filter((x) => x.event === 'emergency-expired' && x.patients === `["${ep.rid}"]`).length, 1,
      `episode ${ep.episode} closed and audited once`);
  assert.equal(entries.filter((x) => x.event === 'disaster-closed').length, 2, 'each declaration closed and audited once');
  for (const d of decls)
    assert.equal(sql(A.store, `SELECT COUNT(*) FROM disaster_declaration WHERE declaration_id = '${d}' AND ended_at <> 0`).trim(), '1');
  const verify = await B.cli(['audit', 'verify']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});
