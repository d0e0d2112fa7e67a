// write_races.test.mjs — concurrent writers of one resource and a database
// that goes away: version races are 412 (with If-Match) or are serialised
// (without), a lost PostgreSQL connection is a 503 saying so and the server
// recovers, and no response ever carries the database's own words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import {
  startServer, get, post, put, outcome, patient, cleanupStore, BACKEND,
} from './harness.mjs';

const HOSP = '2011000011';
const ROUNDS = 12;
// What the database says about itself: none of it may reach a client.
const SQL_WORDS = /constraint|duplicate key|violates|relation|\bPQ[a-zA-Z]|sqlite|SQLSTATE|pg_|libpq|unique|\(rid|terminat|server closed|socket/i;

let S, A;

before(async () => {
  S = await startServer({ sets: ['http.threads=4'] });
  A = await S.login('dr.renkei');
});

after(async () => {
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

function clean(res, what) {
  assert.doesNotMatch(res.text, SQL_WORDS, `${what}: the response speaks of the database: ${res.text.slice(0, 300)}`);
}

test(`two PUTs with the same If-Match: one wins, the other is 412 (${BACKEND})`, async () => {
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'RACE-IFM'));
  assert.equal(c.status, 201);
  let current = c.json;
  for (let round = 0; round < ROUNDS; round++) {
    const v = current.meta.versionId;
    const bodies = ['male', 'female'].map((gender) => ({ ...current, gender }));
    const res = await Promise.all(bodies.map((b) =>
      put(A, `/fhir/Patient/${current.id}`, b, { headers: { 'If-Match': `W/"${v}"` } })));
    const codes = res.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 412], `round ${round}: ${res.map((r) => r.text.slice(0, 200)).join(' | ')}`);
    for (const r of res) clean(r, `round ${round}`);
    const lost = res.find((r) => r.status === 412);
    assert.match(outcome(lost, 412), /changed by another request meanwhile/);
    current = res.find((r) => r.status === 200).json;
    assert.equal(current.meta.versionId, String(Number(v) + 1));
  }
  const now = await get(A, `/fhir/Patient/${current.id}`);
  assert.equal(now.json.meta.versionId, String(ROUNDS + 1), 'one version per round');
});

test(`two PUTs without If-Match both succeed, one after the other (${BACKEND})`, async () => {
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'RACE-FREE'));
  let version = 1;
  for (let round = 0; round < ROUNDS; round++) {
    const res = await Promise.all(['male', 'female'].map((gender) =>
      put(A, `/fhir/Patient/${c.json.id}`, { ...c.json, gender })));
    for (const r of res) {
      clean(r, `round ${round}`);
      assert.equal(r.status, 200, `round ${round}: ${r.text.slice(0, 300)}`);
    }
    const versions = res.map((r) => Number(r.json.meta.versionId)).sort((a, b) => a - b);
    assert.deepEqual(versions, [version + 1, version + 2], `round ${round}: each write got its own version`);
    version += 2;
  }
  const h = await get(A, `/fhir/Patient/${c.json.id}/_history?_count=100`);
  assert.equal(h.json.total, 1 + 2 * ROUNDS, 'every write is in the history');
});

test(`two PUTs creating one new id: one creates, the other updates (${BACKEND})`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const id = `${HOSP}-race-new-${round}`; // an id of its own: the facility code first
    const res = await Promise.all(['male', 'female'].map((gender) =>
      put(A, `/fhir/Patient/${id}`, { ...patient(HOSP, `RACE-NEW-${round}`), id, gender })));
    for (const r of res) clean(r, `round ${round}`);
    const codes = res.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 201], `round ${round}: ${res.map((r) => r.text.slice(0, 200)).join(' | ')}`);
    const versions = res.map((r) => Number(r.json.meta.versionId)).sort();
    assert.deepEqual(versions, [1, 2]);
  }
});

test(`a version conflict on a transaction Bundle entry is clean too (${BACKEND})`, async () => {
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'RACE-BUNDLE'));
  const entry = (gender) => ({
    resourceType: 'Bundle', type: 'transaction',
    entry: [{ resource: { ...c.json, gender }, request: { method: 'PUT', url: `Patient/${c.json.id}`, ifMatch: 'W/"1"' } }],
  });
  const res = await Promise.all(['male', 'female'].map((g) => post(A, '/fhir', entry(g))));
  for (const r of res) clean(r, 'bundle');
  assert.deepEqual(res.map((r) => r.status).sort(), [200, 412]);
});

// ---- a PostgreSQL connection that goes away -------------------------------

/** psql of the test cluster (scripts/pg-test-cluster), for the store URL. */
function psql(url, sql) {
  const bins = readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin/psql`).filter(existsSync);
  const bin = bins.sort().pop() || 'psql';
  return execFileSync(bin, ['-X', '-q', '-t', '-A', '-d', url, '-c', sql]).toString();
}

const KILL = 'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity'
  + ' WHERE datname = current_database() AND pid <> pg_backend_pid()';
const UNREACHABLE = /the database is unreachable; try again shortly|became unreachable while the change was being committed/;

test('a lost PostgreSQL connection is a 503 with a clean message, and the server recovers',
  { skip: BACKEND !== 'postgresql' && 'PostgreSQL only (a SQLite file does not hang up)' }, async () => {
    const T = await startServer({ sets: ['http.threads=2'] });
    try {
      const D = await T.login('dr.renkei');
      const c = await post(D, '/fhir/Patient', patient(HOSP, 'LOST-1'));
      assert.equal(c.status, 201);
      for (let round = 0; round < 3; round++) {
        // Every connection renkei holds (two workers, the audit writer) is cut.
        assert.ok(Number(psql(T.store, KILL)) >= 1, 'renkei held connections to cut');
        const first = await put(D, `/fhir/Patient/${c.json.id}`, { ...c.json, gender: 'female' });
        clean(first, 'first request after the cut');
        assert.match(outcome(first, 503), UNREACHABLE);
        assert.equal(first.json.issue[0].code, 'transient');
        // Each request may meet one more dead connection (another worker's);
        // each such is a 503 too, never a 500, and then renkei is back.
        let ok = null;
        for (let i = 0; i < 8 && !ok; i++) {
          const r = await get(D, `/fhir/Patient/${c.json.id}`);
          clean(r, 'request after the cut');
          if (r.status === 200) ok = r;
          else assert.match(outcome(r, 503), UNREACHABLE);
        }
        assert.ok(ok, 'the server reconnected');
        for (let i = 0; i < 6; i++) assert.equal((await get(D, `/fhir/Patient/${c.json.id}`)).status, 200);
        const w = await put(D, `/fhir/Patient/${c.json.id}`, { ...c.json, gender: 'other' });
        assert.equal(w.status, 200, w.text);
      }
      // libpq's own words are in the server log, and only there.
      assert.match(T.log, /event=store\.error .*reason=db_unreachable/);
      assert.match(T.log, /event=store\.error [^\n]*detail="[^"\n]*(terminating connection|server closed the connection)/);
      assert.match(T.log, /event=store\.reconnected/);
    } finally {
      await T.stop();
      cleanupStore(T.store);
    }
  });
