// audit.test.mjs — the audit log: auditors search it by any field and period
// as FHIR AuditEvent (IHE BALP shape); a facility administrator sees only its
// own staff's entries, clinicians none; `renkei audit verify` passes on an
// intact log and names every kind of tampering: a changed, deleted, inserted
// or reordered entry, and a truncated end; a request whose entry cannot be
// written is refused with 503 and serves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, get, post, outcome, patient, cleanupStore, BACKEND, ROOT } from './harness.mjs';
import path from 'node:path';

let S, A, OP, ADMIN;
const HOSP = '2011000011';

before(async () => {
  S = await startServer();
  A = await S.login('dr.renkei');
  OP = await S.login('operator');
  ADMIN = await S.login('admin.renkei');
  for (let i = 0; i < 5; i++) await post(A, '/fhir/Patient', patient(HOSP, `AUD${i}`));
  await get(A, '/fhir/Patient?_count=3');
  await get(await S.login('dr.yamabiko'), '/fhir/Patient?_summary=count');
});

after(async () => {
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

/** Run SQL against the server's database behind its back (the tamperer). */
function sql(statement) {
  if (S.store.startsWith('sqlite:')) {
    return execFileSync('sqlite3', [S.store.slice(7), statement]).toString();
  }
  const [, db, query] = /^postgresql:\/\/\/([^?]+)\?(.*)$/.exec(S.store);
  const q = new URLSearchParams(query);
  const host = q.get('host'), port = q.get('port');
  const args = ['-h', host, '-p', port, '-U', 'renkei', '-d', db, '-At', '-c', statement];
  return execFileSync('psql', args, { env: { ...process.env, PGUSER: 'renkei' } }).toString();
}

async function verify() {
  const r = await S.cli(['audit', 'verify']);
  return { code: r.code, text: r.stdout + r.stderr };
}

test('auditors search by any field; AuditEvent in the BALP shape', async () => {
  const all = await get(OP, '/fhir/AuditEvent?_count=100');
  assert.equal(all.status, 200);
  assert.ok(all.json.total >= 10);
  const creates = await get(OP, '/fhir/AuditEvent?agent=dr.renkei&event=create');
  assert.equal(creates.json.total, 5);
  const ev = creates.json.entry[creates.json.entry.length - 1].resource; // the oldest: AUD0, which the search returned
  assert.equal(ev.type.code, 'rest');
  assert.equal(ev.subtype[0].code, 'create');
  assert.equal(ev.action, 'C');
  assert.equal(ev.outcome, '0');
  assert.equal(ev.agent[0].who.identifier.value, 'dr.renkei');
  assert.equal(ev.agent[0].requestor, true);
  assert.ok(ev.entity.some((e) => e.what?.reference?.startsWith('Patient/')));
  assert.ok(ev.entity.some((e) => e.what?.identifier?.system === 'urn:renkei:regional-patient-id'));
  const rid = ev.entity.find((e) => e.what?.identifier).what.identifier.value;
  const byPatient = await get(OP, `/fhir/AuditEvent?patient=${rid}`);
  assert.ok(byPatient.json.total >= 2, 'the create and the search that returned the patient');
  const logins = await get(OP, '/fhir/AuditEvent?event=login');
  assert.ok(logins.json.entry.every((e) => e.resource.type.code === '110114'));
  const today = new Date().toISOString().slice(0, 10);
  assert.ok((await get(OP, `/fhir/AuditEvent?date=ge${today}&action=E`)).json.total > 0, 'searches are executions (E)');
  assert.equal((await get(OP, '/fhir/AuditEvent?date=lt2000-01-01')).json.total, 0);
  const one = await get(OP, `/fhir/AuditEvent/${ev.id}`);
  assert.equal(one.json.id, ev.id);
  outcome(await get(OP, '/fhir/AuditEvent?colour=red'), 400);
  // a facility administrator sees its own staff only; clinicians nothing
  const mine = await get(ADMIN, '/fhir/AuditEvent?_count=1000');
  assert.ok(mine.json.entry.every((e) => e.resource.agent[0].who?.display?.endsWith(HOSP)));
  assert.equal((await get(ADMIN, '/fhir/AuditEvent?agent=dr.yamabiko')).json.total, 0);
  outcome(await get(A, '/fhir/AuditEvent'), 403);
});

test('audit verify passes on the intact log', async () => {
  await S.checkAudit();
  const clean = await verify();
  assert.equal(clean.code, 0, clean.text);
  assert.match(clean.text, /audit chain intact: \d+ entries/);
});

test('changed, deleted, inserted, reordered and truncated entries are named', async () => {
  // each case on a fresh log of its own
  const cases = [
    ['changed', (m) => sql(`UPDATE audit_entry SET account_id = 'someone.else' WHERE seq = ${m}`), /entry \d+ was changed/],
    ['deleted', (m) => sql(`DELETE FROM audit_entry WHERE seq = ${m}`), /entries? \d+( to \d+)? (are|is) missing|missing \(deleted\)/],
    ['inserted', (m) => sql(`INSERT INTO audit_entry SELECT seq + 1000000, recorded_at, request_id, event, action, outcome, account_id, role, facility_code, session_ref, client_addr, purpose, grant_kind, grant_ref, patients, entities, query, detail, prev_hash, hash FROM audit_entry WHERE seq = ${m}; UPDATE audit_head SET seq = seq`), /not covered|does not follow|chain head|appears twice|missing/],
    ['reordered', (m) => sql(`UPDATE audit_entry SET seq = -1 WHERE seq = ${m}; UPDATE audit_entry SET seq = ${m} WHERE seq = ${m + 1}; UPDATE audit_entry SET seq = ${m + 1} WHERE seq = -1`), /does not follow|was changed/],
    ['truncated', (m) => sql(`DELETE FROM audit_entry WHERE seq >= ${m}`), /chain head names entry/],
  ];
  for (const [name, tamper, pattern] of cases) {
    const T = await startServer();
    try {
      const doc = await T.login('dr.renkei');
      for (let i = 0; i < 4; i++) await get(doc, '/fhir/Patient?_summary=count');
      await T.stop(); // the tamperer works on a quiet database
      const before = await T.cli(['audit', 'verify']);
      assert.equal(before.code, 0, `${name}: intact before: ${before.stdout}`);
      const saved = S;
      S = T;
      const m = Math.floor(Number(sql('SELECT MAX(seq) FROM audit_entry').trim()) / 2);
      tamper(m);
      const v = await verify();
      S = saved;
      assert.equal(v.code, 3, `${name}: verify must fail: ${v.text}`);
      assert.match(v.text, pattern, `${name}: ${v.text}`);
      assert.match(v.text, /BROKEN at entry \d+/);
    } finally {
      cleanupStore(T.store);
    }
  }
});

test('a request whose audit entry cannot be written fails and serves nothing', async () => {
  const T = await startServer();
  const saved = S;
  try {
    const doc = await T.login('dr.renkei');
    const made = await post(doc, '/fhir/Patient', patient(HOSP, 'AUDFAIL', { family: '監査' }));
    assert.equal(made.status, 201);
    S = T;
    // the disk "fills up" behind the server's back: every audit insert fails
    if (BACKEND === 'sqlite') {
      sql("CREATE TRIGGER audit_fail BEFORE INSERT ON audit_entry BEGIN SELECT RAISE(ABORT, 'test: no space left'); END;");
    } else {
      sql("CREATE FUNCTION audit_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'test: no space left'; END $$ LANGUAGE plpgsql;" +
        ' CREATE TRIGGER audit_fail BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_fail();');
    }
    const before = Number(sql('SELECT COUNT(*) FROM audit_entry').trim());
    for (const p of [`/fhir/Patient/${made.json.id}`, '/fhir/Patient?family=監査', '/fhir/Patient?_summary=count']) {
      const r = await get(doc, p);
      outcome(r, 503);
      assert.ok(!r.text.includes('監査') && !r.text.includes(made.json.id), `${p}: nothing of the record is served`);
    }
    assert.equal(Number(sql('SELECT COUNT(*) FROM audit_entry').trim()), before);
    // the disk has room again: the same requests are served and audited
    sql(BACKEND === 'sqlite' ? 'DROP TRIGGER audit_fail' : 'DROP TRIGGER audit_fail ON audit_entry; DROP FUNCTION audit_fail()');
    const again = await get(doc, `/fhir/Patient/${made.json.id}`);
    assert.equal(again.status, 200);
    assert.equal(Number(sql('SELECT COUNT(*) FROM audit_entry').trim()), before + 1);
    assert.equal(await T.stop(), 0);
    assert.equal((await T.cli(['audit', 'verify'])).code, 0, 'the chain is intact: failed batches left no trace');
  } finally {
    S = saved;
    cleanupStore(T.store);
  }
});
