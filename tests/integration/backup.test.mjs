// backup.test.mjs — `renkei backup` while the server serves and a load
// generator writes through the API; `renkei restore` into an empty target
// (a new SQLite file, a new PostgreSQL database); the restored database's
// audit chain verifies and every write acknowledged before the backup began
// is in it. A tampered byte, a truncated file, a wrong key and a non-empty
// target are each refused with a clear message and nothing written. The
// retention rule keeps what it says; the scheduler's backup job is audited.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, freshStore, post, patient, cleanupStore, sqlOn, run, BACKEND } from './harness.mjs';

const S_FAC = '2011000011';
const DIR = mkdtempSync(path.join(tmpdir(), 'renkei-backup-'));
const BK = path.join(DIR, 'generations');
mkdirSync(BK);
const SETS = [`backup.dir=${BK}`, `backup.key_file=${DIR}/backup.key`];
const servers = [], stores = [];

after(async () => {
  for (const s of servers) assert.equal(await s.stop(), 0);
  for (const s of stores) cleanupStore(s);
});

const count = (store, sql) => Number(sqlOn(store, sql).trim());
const patientIds = (store) => new Set(sqlOn(store, "SELECT id FROM resource WHERE type = 'Patient'").split('\n').filter(Boolean));
/** A store's content as a fingerprint (the SQLite file's bytes; PostgreSQL's resource rows). */
const fingerprint = (store) => store.startsWith('sqlite:')
  ? createHash('sha256').update(readFileSync(store.slice(7))).digest('hex')
  : sqlOn(store, 'SELECT COUNT(*), COALESCE(MAX(rid), 0) FROM resource');
/** A command on the server's configuration with settings changed (later --set wins). */
const cliWith = (srv, args, over) => run([...args, '--set', `store.url=${srv.store}`, '--set', `audit.key_file=${srv.keyFile}`,
  ...[...SETS, ...over].flatMap((x) => ['--set', x])]);

test('backup while writing, restore into an empty target, refusals, retention, the job', async () => {
  // the key first (it needs no database), so that the server's first tick makes a generation
  let r = await run(['backup', 'keygen', '--set', `backup.key_file=${DIR}/backup.key`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(`${DIR}/backup.key`).mode & 0o777, 0o600);
  r = await run(['backup', 'keygen', '--set', `backup.key_file=${DIR}/backup.key`]);
  assert.equal(r.code, 1, 'a key is never replaced');
  assert.match(r.stderr, /never replaced/);
  const srv = await startServer({ demo: 40, demoArgs: ['--no-history'], sets: SETS });
  servers.push(srv);
  stores.push(srv.store);
  const gens = () => readdirSync(BK).filter((x) => x.endsWith('.rkbk')).length;
  for (let i = 0; gens() < 1 && i < 300; i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(gens(), 1, 'the server\'s scheduler made a backup by itself at its start (backup.dir is set)');

  // the load generator: patients registered one after another, each acknowledged with 201
  const SD = await srv.login('dr.renkei');
  const acked = [];
  let stop = false, n = 0;
  const load = (async () => {
    while (!stop) {
      const p = await post(SD, '/fhir/Patient', patient(S_FAC, `BK${n++}`, { family: `控${n}`, familyKana: 'ヒカエ' }));
      assert.equal(p.status, 201, p.text);
      acked.push(p.json.id);
    }
  })();
  while (acked.length < 10) await new Promise((res) => setTimeout(res, 20));
  const before = [...acked];
  r = await srv.cli(['backup']);
  const during = acked.length;
  while (acked.length < during + 5) await new Promise((res) => setTimeout(res, 20));
  stop = true;
  await load;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(during > before.length, 'the load generator wrote while the backup ran');
  const file = /^backup (\S+):/.exec(r.stdout)[1];
  assert.ok(existsSync(file));
  assert.equal(statSync(file).mode & 0o222, 0, 'a finished backup is read-only');
  assert.ok(!readFileSync(file).includes(Buffer.from('SQLite format')), 'no plaintext database in the file');

  r = await srv.cli(['backup', 'verify', file]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /is sound/);
  // a trial restore (SQLite: a private file; PostgreSQL: a scratch database, dropped again), then the chain
  assert.match(r.stdout, BACKEND === 'sqlite' ? /integrity_check ok[\s\S]*audit chain intact/ : /pg_restore done[\s\S]*audit chain intact/);

  // restore into an empty target; the chain verifies; every acknowledged write is there
  const target = freshStore('restored');
  stores.push(target);
  r = await srv.cli(['restore', '--from', file, '--to', target]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /audit chain intact/);
  // the restored database: the original audit key, a checkpoint file of its own
  const v = await cliWith(srv, ['audit', 'verify'], [`store.url=${target}`, `audit.checkpoint_file=${DIR}/restored.checkpoint`]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /audit chain intact: \d+ entries/);
  const restored = patientIds(target);
  for (const id of before) assert.ok(restored.has(id), `Patient/${id}, acknowledged before the backup, is restored`);
  const entries = Number(/intact: (\d+) entries/.exec(v.stdout)[1]);
  assert.ok(entries >= before.length, 'the writes\' audit entries are in the restored chain');
  assert.ok(count(target, "SELECT COUNT(*) FROM resource WHERE type = 'Patient'") < count(srv.store, "SELECT COUNT(*) FROM resource WHERE type = 'Patient'"),
    'the writes after the snapshot are not in it');

  // restore onto a non-empty target: refused, the target untouched
  const fp = fingerprint(target);
  r = await srv.cli(['restore', '--from', file, '--to', target]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /not empty|exists/);
  assert.match(r.stderr, /nothing was written/);
  assert.equal(fingerprint(target), fp);

  // a tampered byte, a truncated file, a wrong key: refused, nothing restored
  const bytes = readFileSync(file);
  const tampered = path.join(DIR, 'tampered.rkbk'), truncated = path.join(DIR, 'truncated.rkbk');
  const t = Buffer.from(bytes);
  t[Math.floor(t.length / 2)] ^= 0x01;
  writeFileSync(tampered, t);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const header = Buffer.from(bytes);
  header[20] ^= 0x01; // inside the header text: the associated data
  const headerFile = path.join(DIR, 'header.rkbk');
  writeFileSync(headerFile, header);
  const empty = freshStore('refused'); // one empty target for every refusal: it stays empty
  stores.push(empty);
  for (const [f, why] of [[tampered, /does not authenticate \(MAC\)/], [truncated, /truncated/], [headerFile, /does not authenticate|malformed|not a renkei backup/]]) {
    r = await srv.cli(['backup', 'verify', f]);
    assert.equal(r.code, 3, `${f}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, why);
    r = await srv.cli(['restore', '--from', f, '--to', empty]);
    assert.equal(r.code, 3, `${f}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, why);
    if (empty.startsWith('sqlite:')) {
      assert.ok(!existsSync(empty.slice(7)), 'no database file was written');
      assert.deepEqual(readdirSync(path.dirname(empty.slice(7))), [], 'no temporary file is left');
    } else {
      assert.equal(count(empty, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"), 0, 'the database stays empty');
    }
  }
  const other = path.join(DIR, 'other.key');
  r = await cliWith(srv, ['backup', 'keygen'], [`backup.key_file=${other}`]);
  assert.equal(r.code, 0, r.stderr);
  r = await cliWith(srv, ['backup', 'verify', file], [`backup.key_file=${other}`]);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /made with another key/);

  // the scheduler's job, run now: one generation more; the server's run and this one audited
  const had = gens();
  assert.equal(had, 2);
  r = await srv.cli(['jobs', 'run', 'backup']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(gens(), had + 1);
  const list = await srv.cli(['audit', 'list']);
  const events = list.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
  assert.ok(events.some((f) => f[3] === 'backup' && f[6] === 'scheduler'), 'the job is audited');
  assert.ok(events.some((f) => f[3] === 'backup' && f[6] !== 'scheduler'), 'the command is audited');
  for (const e of ['backup-verify', 'restore']) assert.ok(events.some((f) => f[3] === e), `${e} is audited`);
  await srv.checkAudit();

  // retention: the newest 2, plus the newest of each of the last 3 days
  const R = path.join(DIR, 'retention');
  mkdirSync(R);
  const now = Date.now(), day = 86400000;
  const name = (ms) => `renkei-${new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-')}`.replace(/Z$/, 'Z.rkbk');
  const ages = { a: 1000, b: 2000, c: 3000, d: day + 1000, e: day + 2000, f: 2 * day, g: 5 * day, h: 40 * day, i: 400 * day };
  for (const ms of Object.values(ages)) writeFileSync(path.join(R, name(now - ms)), '');
  writeFileSync(path.join(R, 'notes.txt'), 'not a backup: never touched');
  const rule = ['--dir', R, '--set', 'backup.keep_last=2', '--set', 'backup.keep_daily=3', '--set', 'backup.keep_monthly=0'];
  r = await srv.cli(['backup', 'list', ...rule]);
  assert.equal(r.code, 0, r.stderr);
  const marks = Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.split('\t')[0], l.split('\t')[2]]));
  const want = { a: 'keep', b: 'keep', c: 'prune', d: 'keep', e: 'prune', f: 'keep', g: 'prune', h: 'prune', i: 'prune' };
  for (const [k, w] of Object.entries(want)) assert.equal(marks[name(now - ages[k])], w, `${k}: ${r.stdout}`);
  r = await srv.cli(['backup', 'prune', ...rule]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^5 backup\(s\) removed/);
  const left = readdirSync(R).sort();
  assert.deepEqual(left, [...['a', 'b', 'd', 'f'].map((k) => name(now - ages[k])), 'notes.txt'].sort());
});
