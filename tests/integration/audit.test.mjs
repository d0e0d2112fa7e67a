// audit.test.mjs — the audit log: auditors search it by any field and period
// as FHIR AuditEvent (IHE BALP shape); a facility administrator sees only its
// own staff's entries, clinicians none; `renkei audit verify` passes on an
// intact log and names every kind of tampering: a changed, deleted, inserted
// or reordered entry, a truncated end, a truncated end with the chain head
// rewritten to match, and a head rolled back to an older, validly keyed one
// (caught by the checkpoint file); a server or a check with another audit key
// refuses; a request whose entry cannot be written is refused with 503 and
// serves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer, get, post, outcome, patient, cleanupStore, run, BACKEND, ROOT } from './harness.mjs';
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

/** Remove the entries after m and point the chain head at entry m, as one with the database's rights could. */
function truncateAndRewriteHead(m) {
  sql(`DELETE FROM audit_patient WHERE seq > ${m}; DELETE FROM audit_entry WHERE seq > ${m};` +
    ` UPDATE audit_head SET seq = ${m}, hash = (SELECT hash FROM audit_entry WHERE seq = ${m})`);
}

/** The checkpoint file of a server started by the harness (beside its audit key). */
function checkpointOf(server) {
  return server.keyFile.replace(/\.key$/, '.checkpoint');
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
    // the tail removed and the head rewritten to the new last entry: only its HMAC tells
    ['truncated, head rewritten', (m) => truncateAndRewriteHead(m), /chain head \(entry \d+\) was rewritten outside renkei/],
    ['truncated, head rewritten, no checkpoint', (m, t) => {
      rmSync(checkpointOf(t));
      truncateAndRewriteHead(m);
    }, /chain head \(entry \d+\) was rewritten outside renkei/],
    ['key check removed', () => sql('DELETE FROM audit_key_check'), /key check was removed/],
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
      tamper(m, T);
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

test('a chain rolled back to an older, validly keyed head is caught by the checkpoint file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-rollback-'));
  const sets = [`audit.key_file=${dir}/audit.key`];
  const T = await startServer({ sets });
  const saved = S;
  try {
    const doc = await T.login('dr.renkei');
    for (let i = 0; i < 3; i++) await get(doc, '/fhir/Patient?_summary=count');
    assert.equal(await T.stop(), 0);
    S = T;
    const old = sql('SELECT seq, hash, recorded_at, mac FROM audit_head').trim().split('|'); // a valid head, kept aside
    const T2 = await startServer({ store: T.store, region: false, sets });
    const doc2 = await T2.login('dr.yamabiko'); // another account: a TOTP code is accepted once
    for (let i = 0; i < 3; i++) await get(doc2, '/fhir/Patient?_summary=count');
    assert.equal(await T2.stop(), 0); // its last checkpoint names the newer end
    assert.equal((await verify()).code, 0);
    const [seq, hash, at, mac] = old;
    sql(`DELETE FROM audit_patient WHERE seq > ${seq}; DELETE FROM audit_entry WHERE seq > ${seq};` +
      ` UPDATE audit_head SET seq = ${seq}, hash = '${hash}', recorded_at = ${at}, mac = '${mac}'`);
    const v = await verify();
    assert.equal(v.code, 3, v.text);
    assert.match(v.text, /BROKEN at entry \d+: the log ends at entry \d+, but the checkpoint .* names entry \d+: entries \d+ to \d+ were removed and an older chain head restored/);
    // a server refuses to start on it (and so to write past it)
    await assert.rejects(startServer({ store: T.store, region: false, sets }),
      /the audit log ends at entry \d+, but the checkpoint .* names entry \d+/);
    // without the checkpoint the rolled-back log is consistent: the documented limit, said by verify
    renameSync(`${dir}/audit.checkpoint`, `${dir}/audit.checkpoint.kept`);
    const blind = await verify();
    assert.equal(blind.code, 0, blind.text);
    assert.match(blind.text, /note: no checkpoint file/);
  } finally {
    S = saved;
    cleanupStore(T.store);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('servers and checks with another audit key refuse; the same key is shared', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-keys-'));
  writeFileSync(`${dir}/other.key`, randomBytes(32), { mode: 0o600 });
  const T = await startServer({ sets: [`audit.key_file=${dir}/audit.key`] });
  const saved = S;
  let T3 = null;
  try {
    const doc = await T.login('dr.renkei');
    assert.equal((await get(doc, '/fhir/Patient?_summary=count')).status, 200);
    // a second server on the same database with another key refuses to start, while the first runs
    await assert.rejects(startServer({ store: T.store, region: false, sets: [`audit.key_file=${dir}/other.key`] }),
      /the audit key .*other\.key is not the key this audit log was created with/);
    // one with the same key starts beside it and appends to the same chain
    T3 = await startServer({ store: T.store, region: false, sets: [`audit.key_file=${dir}/audit.key`] });
    const doc3 = await T3.login('dr.azumino'); // another account: a TOTP code is accepted once
    assert.equal((await get(doc3, '/fhir/Patient?_summary=count')).status, 200);
    assert.equal((await get(doc, '/fhir/Patient?_summary=count')).status, 200);
    assert.equal(await T3.stop(), 0);
    assert.equal(await T.stop(), 0);
    S = T;
    const ok = await verify();
    assert.equal(ok.code, 0, ok.text);
    const other = await run(['audit', 'verify', '--set', `store.url=${T.store}`, '--set', `audit.key_file=${dir}/other.key`]);
    assert.equal(other.code, 1, other.stdout + other.stderr);
    assert.match(other.stderr, /this audit key is not the key the audit log was created with/);
  } finally {
    S = saved;
    await T3?.stop();
    await T.stop();
    cleanupStore(T.store);
    rmSync(dir, { recursive: true, force: true });
  }
});
