// ops_api.test.mjs — the operator's ingest quarantine over HTTP
// (/api/ingest/errors…): only the network operator may list, read or replay;
// an SS-MIX2 file in ISO-2022-JP that cannot be mapped is listed with its
// reason and read back as decoded Japanese text, and its replay keeps it
// quarantined while the cause remains; an MLLP message from a sender that was
// not yet a facility is stored by a replay once the facility is registered;
// bad ids and parameters get OperationOutcomes; one audit entry per request,
// naming the patient when the message names one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, get, post, http, outcome, cleanupStore } from './harness.mjs';
import { MllpClient, mllpPort, oul, toIso2022jp } from './mllp_client.mjs';

const HOSP = '2011000011';
const NEWFAC = '2099999992';
let S, OP, DR, SYS, work;

before(async () => {
  S = await startServer({ sets: ['mllp.listen=127.0.0.1:0'] });
  OP = await S.login('operator');
  DR = await S.login('dr.renkei');
  SYS = await S.system(HOSP, 'system/*.*');
  work = mkdtempSync(path.join(tmpdir(), 'renkei-ops-'));
});

after(async () => {
  // a clean exit: under ASan a leak or a sanitizer report makes it non-zero
  if (S) assert.equal(await S.stop(), 0, S.log.split('\n').slice(-60).join('\n'));
  if (S) cleanupStore(S.store);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Place one SS-MIX2 file (bytes) under root at its standard place. */
function place(root, pid, date, type, name, bytes) {
  const d = path.join(root, pid.slice(0, 3), pid.slice(3, 6), pid, date, type);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, name), bytes);
  return path.join(d, name);
}

const list = async (q = '') => {
  const r = await get(OP, `/api/ingest/errors${q}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
};

const auditRows = async () => {
  const r = await S.cli(['audit', 'list']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
};

test('anyone but the operator gets 403 on every route, and nothing of the quarantine', async () => {
  for (const who of [DR, SYS]) {
    for (const [method, p] of [['GET', '/api/ingest/errors'], ['GET', '/api/ingest/errors?status=all'],
      ['GET', '/api/ingest/errors/1'], ['POST', '/api/ingest/errors/1/replay']]) {
      const r = await http(who, method, p, method === 'POST' ? { body: {}, headers: { 'Content-Type': 'application/json' } } : {});
      const why = outcome(r, 403);
      assert.match(why, /operator|運用管理者/, why);
      assert.ok(!('entries' in (r.json || {})));
    }
  }
  // no login at all
  assert.equal((await get(S, '/api/ingest/errors')).status, 401);
});

let ssmixId, mllpId, pid = '7000001';

test('an SS-MIX2 file that cannot be mapped is listed, read as decoded Japanese text, and stays quarantined on replay', async () => {
  const root = path.join(work, 'storage');
  // a result time that is no time (13th month): the file cannot be mapped
  const msg = oul({ controlId: 'Q1', pid, order: 'ORDQ1', charset: 'jis', family: '運用', given: '試子',
    familyKana: 'ウンヨウ', givenKana: 'タメコ' }).replace('||||F|||202603150900', '||||F|||202613150900');
  const bytes = toIso2022jp(msg);
  assert.ok(!bytes.includes(Buffer.from('総蛋白')), 'the file is ISO-2022-JP, not UTF-8');
  place(root, pid, '20260315', 'OML-11', `${pid}_20260315_OML-11_ORDQ1_20260315103059000_01_1`, bytes);
  const r = await S.cli(['import', 'ssmix2', root, '--facility', HOSP]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 quarantined/, r.stdout);

  const l = await list();
  assert.equal(l.status, 'open');
  const e = l.entries.find((x) => x.location.includes('ORDQ1'));
  assert.ok(e, JSON.stringify(l));
  ssmixId = e.id;
  assert.equal(e.origin, 'ssmix2');
  assert.equal(e.facility, HOSP);
  assert.match(e.reason, /OBX/);
  assert.equal(e.tries, 1);
  assert.equal(e.resolved_at, null);
  assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  assert.deepEqual(Object.keys(e).sort(), ['at', 'facility', 'id', 'location', 'origin', 'reason', 'resolved_at', 'tries']);
  assert.ok(!JSON.stringify(l).includes('MSH'), 'no message bytes in the list');

  const d = await get(OP, `/api/ingest/errors/${ssmixId}`);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.hl7, true);
  assert.equal(d.json.note, null);
  assert.equal(d.json.truncated, false);
  assert.equal(d.json.size, bytes.length);
  assert.match(d.json.text, /^MSH\|/);
  assert.ok(d.json.text.includes('運用^試子') && d.json.text.includes('ウンヨウ^タメコ') && d.json.text.includes('総蛋白'),
    d.json.text.slice(0, 400));
  assert.ok(d.json.text.includes('\nPID|'), 'one segment per line');
  assert.equal(d.json.patient_local_id, pid);

  const rep = await post(OP, `/api/ingest/errors/${ssmixId}/replay`, { note: 'after the code-list update' });
  assert.equal(rep.status, 200, rep.text);
  assert.equal(rep.json.outcome, 'quarantined');
  assert.equal(rep.json.resolved, false);
  assert.match(rep.json.reason, /OBX/);
  assert.equal(rep.json.entry.tries, 2);
  assert.equal(rep.json.entry.resolved_at, null);
  assert.equal((await list()).entries.filter((x) => x.location.includes('ORDQ1')).length, 1, 'one row, not two');
});

test('a message that is not text is described, never sent as raw bytes', async () => {
  const root = path.join(work, 'garbage');
  place(root, '7000002', '20260316', 'OML-11', '7000002_20260316_OML-11_ORDG_20260316100000000_01_1',
    Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0x1b, 0x24, 0x42, 0x67]));
  const r = await S.cli(['import', 'ssmix2', root, '--facility', HOSP]);
  assert.equal(r.code, 0, r.stderr);
  const e = (await list()).entries.find((x) => x.location.includes('ORDG'));
  assert.ok(e);
  const d = await get(OP, `/api/ingest/errors/${e.id}`);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.hl7, false);
  assert.equal(d.json.text, '');
  assert.match(d.json.note, /not readable text/);
  assert.equal(d.json.size, 9);
});

test('an MLLP message from a sender registered afterwards is stored by a replay over HTTP', async () => {
  const c = await MllpClient.connect(mllpPort(S));
  const msg = oul({ controlId: 'OPSMLLP1', app: 'NEWHIS', facility: NEWFAC, pid: '7100001', order: '710000000000001',
    family: '連携', given: '再子', familyKana: 'レンケイ', givenKana: 'サイコ' });
  const a = await c.request(msg);
  c.close();
  assert.equal(a.code, 'AR', a.raw);
  const e = (await list()).entries.find((x) => x.location.includes('OPSMLLP1'));
  assert.ok(e, 'quarantined');
  mllpId = e.id;
  assert.equal(e.origin, 'mllp');
  assert.match(e.reason, /NEWHIS|registered|mllp\.senders/);

  // still unknown: the replay answers 200 with the reason it is kept
  let rep = await post(OP, `/api/ingest/errors/${mllpId}/replay`, undefined);
  assert.equal(rep.status, 200, rep.text);
  assert.equal(rep.json.outcome, 'quarantined');
  assert.equal(rep.json.resolved, false);

  const f = await S.cli(['facility', 'add', NEWFAC, '--name', '運用試験クリニック', '--kind', 'clinic']);
  assert.equal(f.code, 0, f.stderr);
  rep = await post(OP, `/api/ingest/errors/${mllpId}/replay`, {});
  assert.equal(rep.status, 200, rep.text);
  assert.equal(rep.json.outcome, 'stored', rep.text);
  assert.equal(rep.json.resolved, true);
  assert.ok(rep.json.resources > 0);
  assert.ok(rep.json.entry.resolved_at, 'resolved now');

  assert.ok(!(await list()).entries.some((x) => x.id === mllpId), 'no longer open');
  const all = await list('?status=all');
  assert.equal(all.status, 'all');
  assert.ok(all.entries.find((x) => x.id === mllpId).resolved_at);
  assert.ok(all.total >= 3);

  // a resolved entry is not replayed twice
  const again = await post(OP, `/api/ingest/errors/${mllpId}/replay`, {});
  assert.match(outcome(again, 409), /already stored/);

  // what the replay stored is there for the new facility
  const sys = await S.system(NEWFAC, 'system/*.read');
  const p = await get(sys, '/fhir/Patient?identifier=7100001');
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.entry?.length, 1, p.text);
});

test('paging: _count and _offset', async () => {
  const all = await list('?status=all');
  const one = await list('?status=all&_count=1&_offset=1');
  assert.equal(one.entries.length, 1);
  assert.equal(one.entries[0].id, all.entries[1].id);
  assert.equal(one.total, all.total);
  assert.equal((await list(`?status=all&_offset=${all.total}`)).entries.length, 0);
});

test('bad ids and parameters get OperationOutcomes', async () => {
  for (const q of ['?status=closed', '?status=', '?_count=0', '?_count=100000', '?_count=abc', '?_offset=-1',
    '?_offset=1e3', '?foo=bar', '?_sort=id']) {
    const why = outcome(await get(OP, `/api/ingest/errors${q}`), 400);
    assert.ok(why.length > 10, q);
  }
  for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999999', '%00', 'x'.repeat(300)]) {
    outcome(await get(OP, `/api/ingest/errors/${id}`), 400);
    outcome(await post(OP, `/api/ingest/errors/${id}/replay`, {}), 400);
  }
  assert.match(outcome(await get(OP, '/api/ingest/errors/987654'), 404), /987654/);
  assert.match(outcome(await post(OP, '/api/ingest/errors/987654/replay', {}), 404), /987654/);
  outcome(await get(OP, `/api/ingest/errors/${ssmixId}?x=1`), 400);
  outcome(await post(OP, `/api/ingest/errors/${ssmixId}/replay?x=1`, {}), 400);
  // a body that is not a JSON object
  outcome(await http(OP, 'POST', `/api/ingest/errors/${ssmixId}/replay`, { body: '[1,2]', headers: { 'Content-Type': 'application/json' } }), 400);
  outcome(await http(OP, 'POST', `/api/ingest/errors/${ssmixId}/replay`, { body: '{"note":', headers: { 'Content-Type': 'application/json' } }), 400);
  outcome(await http(OP, 'POST', `/api/ingest/errors/${ssmixId}/replay`, { body: 'note=x', headers: { 'Content-Type': 'text/plain' } }), 415);
  // the CSRF token is required for a replay
  const noCsrf = { ...OP, headers: { Cookie: OP.headers.Cookie } };
  outcome(await http(noCsrf, 'POST', `/api/ingest/errors/${ssmixId}/replay`, { body: {} }), 403);
  // the server is fine
  assert.equal((await get(S, '/healthz')).status, 200);
});

test('one audit entry per request; reads and replays name the patient', async () => {
  await S.checkAudit();
  const rows = await auditRows();
  const ok = (event) => rows.filter((f) => f[3] === event && f[5] === '0');
  assert.ok(ok('ingest-errors').length >= 5);
  assert.ok(ok('ingest-errors').every((f) => f[6] === 'operator'));
  const reads = ok('ingest-error-read');
  assert.ok(reads.length >= 2);
  const replays = ok('ingest-replay');
  assert.ok(replays.length >= 3);
  // the replay that stored the MLLP message names the new registration's regional ID
  const ofMllp = replays.filter((f) => f[10] === `POST /api/ingest/errors/${mllpId}/replay`);
  assert.equal(ofMllp.length, 2, 'still unknown, then stored');
  assert.ok(ofMllp.some((f) => /^\["\d+"\]$/.test(f[9])), `patients of the replays: ${ofMllp.map((f) => f[9])}`);
  const reg = await get(await S.system(NEWFAC, 'system/*.read'), '/fhir/Patient?identifier=7100001');
  const regional = reg.json.entry[0].resource.identifier.find((i) => i.system === 'urn:renkei:regional-patient-id').value;
  assert.ok(ofMllp.some((f) => f[9] === `["${regional}"]`), 'the regional ID of the registration the replay made');
  assert.ok(rows.some((f) => f[3] === 'ingest-errors' && f[5] === '4'), 'refusals are audited too');
  // the pipeline's own entry for the replayed message (event ingest) names who replayed it
  assert.ok(rows.some((f) => f[3] === 'ingest' && f[6] === 'ingest-replay:operator'), 'the ingest entry of the replay');
});
