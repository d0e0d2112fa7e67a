// mllp.test.mjs — the HL7 v2 MLLP listener of `renkei serve`: frames cut at
// arbitrary byte positions and several frames in one write are all answered
// AA, in order, and stored (read back through the FHIR API); UTF-8 and
// ISO-2022-JP; a resent MSH-10 is answered AA and stored once; garbage is
// answered AR, an unmappable message AE, an unknown sender AR, each with its
// reason and kept in quarantine; an unfinished frame is closed after
// mllp.idle_timeout while others keep working; 1,000 idle connections do not
// slow a sender; an oversized frame is refused; SIGTERM drains.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, get, run, cleanupStore } from './harness.mjs';
import { MllpClient, mllpPort, frame, oul, toIso2022jp, VT, bySource as bySourceOf, rng } from './mllp_client.mjs';

const HOSP = '2011000011', CLINIC = '2011100018';
const SENDERS = `mllp.senders=HIS123^SEND=${HOSP}`;
const keyDir = mkdtempSync(path.join(tmpdir(), 'renkei-mllp-key-'));
const BASE_SETS = ['mllp.listen=127.0.0.1:0', SENDERS, 'mllp.max_message=16K', 'mllp.max_connections=2000',
  `audit.key_file=${keyDir}/audit.key`];

let S, PORT, SYS;
const stores = [];

// Cut positions reproducible by seed (rng: mulberry32).
const SEED = Number(process.env.MLLP_SEED || Date.now() % 1e9);
const rand = rng(SEED);
console.log(`# MLLP_SEED=${SEED}`);

/** Every resource of `type` the hospital's system can read, by meta.source. */
const bySource = (type, sys = SYS) => bySourceOf(sys, type);

/** The resources stored from one message (by its MSH-10), of every clinical type the mapping makes. */
async function storedFor(controlId, sys = SYS) {
  const res = [];
  for (const type of ['Observation', 'DiagnosticReport', 'Specimen', 'ServiceRequest']) {
    const m = await bySource(type, sys).catch(() => new Map());
    for (const [src, list] of m) if (src.endsWith(`|${controlId}`)) res.push(...list);
  }
  return res;
}

/** The quarantine as text: `renkei ingest errors`. */
async function quarantined(server) {
  const r = await server.cli(['ingest', 'errors']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

before(async () => {
  S = await startServer({ sets: BASE_SETS });
  stores.push(S.store);
  PORT = mllpPort(S);
  SYS = await S.system(HOSP, 'system/*.read');
});

after(async () => {
  if (S) await S.stop();
  for (const s of stores) cleanupStore(s);
});

let serial = 0;
const nextId = (p = 'T') => `${p}${process.pid % 10000}${String(++serial).padStart(6, '0')}`;
const order = () => String(1e14 + serial * 7 + (SEED % 1000)).padStart(15, '0');

test('frames cut at arbitrary bytes and several frames in one write are all acknowledged AA in order and stored', async () => {
  const c = await MllpClient.connect(PORT);
  const msgs = [];
  for (let i = 0; i < 6; i++) {
    const controlId = nextId();
    msgs.push({ controlId, bytes: frame(oul({ controlId, order: order(), pid: `20000${i}`, tp: `7.${i}` })) });
  }
  // 1: cut at three random places, including possibly inside the start byte and the FS CR trailer
  const b0 = msgs[0].bytes;
  const cuts = [1, Math.floor(rand() * b0.length), b0.length - 1];
  await c.send(b0, { cuts });
  let a = await c.ack();
  assert.equal(a.code, 'AA', a.raw);
  assert.equal(a.controlId, msgs[0].controlId);
  // 2..4 in one write
  await c.send(Buffer.concat([msgs[1].bytes, msgs[2].bytes, msgs[3].bytes]));
  // 5 and 6 together, cut once inside 5 and once across the 5|6 boundary
  const both = Buffer.concat([msgs[4].bytes, msgs[5].bytes]);
  const cut1 = 1 + Math.floor(rand() * (msgs[4].bytes.length - 2));
  await c.send(both, { cuts: [cut1, msgs[4].bytes.length - 1, msgs[4].bytes.length + 1] });
  for (let i = 1; i < 6; i++) {
    a = await c.ack();
    assert.equal(a.code, 'AA', `message ${i}: ${a.raw}`);
    assert.equal(a.controlId, msgs[i].controlId, 'ACKs come back in order');
    assert.equal(a.msh[8]?.split('^')[0], 'ACK');
  }
  c.close();
  for (const m of msgs) {
    const res = await storedFor(m.controlId);
    assert.ok(res.some((r) => r.resourceType === 'Observation'), `message ${m.controlId} stored: ${res.length} resources`);
  }
});

test('ISO-2022-JP and UTF-8 messages are stored with their Japanese text', async () => {
  const c = await MllpClient.connect(PORT);
  const jis = nextId('J');
  const jisText = oul({ controlId: jis, order: order(), pid: '3000001', charset: 'jis', family: '蓮池', given: '春子' });
  const jisBytes = toIso2022jp(jisText);
  assert.ok(jisBytes.includes(Buffer.from([0x1b, 0x24, 0x42])), 'the message really is ISO-2022-JP (ESC $ B)');
  const cutsJ = [Math.floor(rand() * jisBytes.length)];
  await c.send(frame(jisBytes), { cuts: cutsJ }); // the cut may land inside an escape sequence
  let a = await c.ack();
  assert.equal(a.code, 'AA', a.raw);
  const utf = nextId('U');
  a = await c.request(oul({ controlId: utf, order: order(), pid: '3000002' }));
  assert.equal(a.code, 'AA', a.raw);
  c.close();
  for (const id of [jis, utf]) {
    const obs = (await storedFor(id)).filter((r) => r.resourceType === 'Observation');
    assert.ok(obs.length >= 2, `${id}: ${obs.length} Observations`);
    const text = JSON.stringify(obs);
    assert.ok(text.includes('総蛋白') && text.includes('アルブミン'), `${id}: Japanese names decoded: ${text.slice(0, 300)}`);
  }
});

test('a resent message (same sender and MSH-10) is acknowledged AA again and stored once', async () => {
  const c = await MllpClient.connect(PORT);
  const id = nextId('D');
  const msg = oul({ controlId: id, order: order(), pid: '4000001' });
  let a = await c.request(msg);
  assert.equal(a.code, 'AA', a.raw);
  const first = await storedFor(id);
  assert.ok(first.length > 0);
  a = await c.request(msg);
  assert.equal(a.code, 'AA', a.raw);
  assert.equal(a.controlId, id);
  // and over a new connection, pipelined twice in one write
  const c2 = await MllpClient.connect(PORT);
  await c2.send(Buffer.concat([frame(msg), frame(msg)]));
  assert.equal((await c2.ack()).code, 'AA');
  assert.equal((await c2.ack()).code, 'AA');
  c.close();
  c2.close();
  const again = await storedFor(id);
  assert.equal(again.length, first.length, 'no resource added');
  for (const r of again) assert.equal(r.meta.versionId, '1', `${r.resourceType}/${r.id} written once`);
  // the access log: the first one created the records, each resend is logged as such
  const log = await S.cli(['audit', 'list']);
  const mine = log.stdout.split('\n').map((l) => l.split('\t'))
    .filter((f) => f[3] === 'ingest' && (f[10] || '').endsWith(`|${id}`));
  assert.equal(mine.length, 4, 'one entry per message received');
  const created = mine.filter((f) => f[4] === 'C');
  assert.equal(created.length, 1, 'created once');
  assert.equal(created[0][6], 'mllp:HIS123^SEND');
  assert.equal(created[0][7], HOSP);
});

test('garbage is answered AR with a reason, an unmappable message AE, an unknown sender AR; all kept in quarantine', async () => {
  const c = await MllpClient.connect(PORT);
  let a = await c.request('this is not an HL7 message\r');
  assert.equal(a.code, 'AR', a.raw);
  assert.ok(a.text.length > 5, `AR says why: ${a.raw}`);
  a = await c.request(Buffer.from([0x00, 0xff, 0xfe, 0x41]));
  assert.equal(a.code, 'AR', a.raw);

  const unmappable = nextId('Z');
  const zmsg = oul({ controlId: unmappable, order: order(), pid: '5000001' }).replace('OUL^R22^OUL_R22', 'ZZZ^Z99^ZZZ_Z99');
  a = await c.request(zmsg);
  assert.equal(a.code, 'AE', a.raw);
  assert.equal(a.controlId, unmappable);
  assert.ok(/ZZZ|Z99|type/i.test(a.text), `AE names the message type: ${a.text}`);

  const stranger = nextId('X');
  a = await c.request(oul({ controlId: stranger, order: order(), app: 'OTHER', facility: 'NOWHERE', pid: '5000002' }));
  assert.equal(a.code, 'AR', a.raw);
  assert.ok(/OTHER.*NOWHERE/.test(a.text) && /mllp\.senders/.test(a.text), `AR names the sender: ${a.text}`);

  // MSH-4 that is a registered facility code needs no mllp.senders entry
  const direct = nextId('C');
  a = await c.request(oul({ controlId: direct, order: order(), app: 'ANYAPP', facility: CLINIC, pid: '5000003' }));
  assert.equal(a.code, 'AA', a.raw);
  // ... and one that is ten digits but no facility is unknown
  a = await c.request(oul({ controlId: nextId('C'), order: order(), app: 'ANYAPP', facility: '9999999999', pid: '5000004' }));
  assert.equal(a.code, 'AR', a.raw);
  assert.ok(/registered/.test(a.text), a.text);

  // the connection and the server are fine
  const ok = nextId();
  a = await c.request(oul({ controlId: ok, order: order(), pid: '5000005' }));
  assert.equal(a.code, 'AA', a.raw);
  c.close();
  assert.equal((await get(S, '/healthz')).status, 200);

  // quarantine: `renkei ingest errors` lists them
  const listed = await quarantined(S);
  assert.ok(listed.includes(unmappable), `the unmappable message is quarantined:\n${listed}`);
  assert.ok(listed.includes(stranger), `the unknown sender's message is quarantined:\n${listed}`);
  assert.equal((await storedFor(unmappable)).length, 0, 'nothing of an unmappable message is stored');
  assert.equal((await storedFor(stranger)).length, 0);
});

test('a message of a sender that is not yet a facility is stored by `renkei ingest replay` once it is one', async () => {
  const c = await MllpClient.connect(PORT);
  const early = nextId('E'), code = '2099999991';
  const msg = oul({ controlId: early, order: order(), app: 'NEWHIS', facility: code, pid: '5000009' });
  let a = await c.request(msg);
  assert.equal(a.code, 'AR', a.raw);
  const row = (await quarantined(S)).split('\n').find((l) => l.includes(`|${early}`));
  assert.ok(row, 'quarantined');
  const id = row.split('\t')[0];
  // the operator registers the facility, then replays what it sent before
  let r = await S.cli(['facility', 'add', code, '--name', '新規参加クリニック', '--kind', 'clinic']);
  assert.equal(r.code, 0, r.stderr);
  r = await S.cli(['ingest', 'replay', id]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^${id}\tstored\t[1-9]`, 'm'));
  assert.ok(!(await quarantined(S)).split('\n').some((l) => l.startsWith(`${id}\t`)), 'resolved, no longer listed');
  r = await S.cli(['ingest', 'replay', id]);
  assert.notEqual(r.code, 0, 'a resolved message is not replayed twice');
  // the sender resends the same message: acknowledged, stored once
  a = await c.request(msg);
  assert.equal(a.code, 'AA', a.raw);
  c.close();
  const sys = await S.system(code, 'system/*.read');
  const stored = await storedFor(early, sys);
  assert.ok(stored.length > 0, 'stored from the replay');
  for (const res of stored) assert.equal(res.meta.versionId, '1', 'stored once');
});

test('an oversized frame is answered AR and its connection closed; the server goes on', async () => {
  const c = await MllpClient.connect(PORT);
  const big = oul({ controlId: nextId('B'), order: order(), pid: '6000001' }).replace('PV1|0001|O', `PV1|0001|O|${'x'.repeat(20000)}`);
  await c.send(frame(big)).catch(() => {}); // the server may close while we write
  const a = await c.ack().catch((e) => ({ code: 'closed', raw: e.message }));
  console.log(`# oversized frame: ${a.code} ${a.text || a.raw}`);
  if (a.code !== 'closed') {
    assert.equal(a.code, 'AR', a.raw);
    assert.ok(/max_message|large/i.test(a.text), a.text);
  }
  await c.closedPromise;
  const d = await MllpClient.connect(PORT);
  const ok = await d.request(oul({ controlId: nextId(), order: order(), pid: '6000002' }));
  assert.equal(ok.code, 'AA', ok.raw);
  d.close();
});

test('1,000 idle connections do not slow down a sender', async () => {
  const idle = [];
  for (let i = 0; i < 1000; i += 100) {
    idle.push(...(await Promise.all(Array.from({ length: 100 }, () => MllpClient.connect(PORT)))));
  }
  // half of them start a frame and stop
  for (let i = 0; i < idle.length; i += 2) idle[i].sock.write(Buffer.from([VT, 0x4d, 0x53]));
  const c = await MllpClient.connect(PORT);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const a = await c.request(oul({ controlId: nextId('I'), order: order(), pid: `700000${i}` }), { timeoutMs: 5000 });
    times.push(Date.now() - t0);
    assert.equal(a.code, 'AA', a.raw);
  }
  c.close();
  assert.ok(idle.every((x) => !x.closed), 'the idle connections are still open');
  for (const x of idle) x.close();
  const worst = Math.max(...times);
  console.log(`# ACK times with 1,000 idle connections: ${times.join(', ')} ms`);
  assert.ok(worst < 3000, `an ACK took ${worst} ms`);
});

test('an unfinished frame is closed after mllp.idle_timeout while other clients keep working', async () => {
  const T = await startServer({ sets: [...BASE_SETS, 'mllp.idle_timeout=2s'] });
  stores.push(T.store);
  try {
    const port = mllpPort(T);
    const stuck = await MllpClient.connect(port);
    const half = frame(oul({ controlId: nextId('H'), order: order(), pid: '8000001' }));
    await stuck.send(half.subarray(0, half.length - 40));
    const silent = await MllpClient.connect(port);
    // a frame trickled in a byte at a time is never idle, and still must end in time
    const trickle = await MllpClient.connect(port);
    let tb = 0;
    const timer = setInterval(() => { if (!trickle.closed) trickle.sock.write(half.subarray(tb, ++tb)); }, 250);
    const t0 = Date.now();
    const busy = await MllpClient.connect(port);
    let acked = 0;
    while (!stuck.closed && Date.now() - t0 < 6000) {
      const a = await busy.request(oul({ controlId: nextId('K'), order: order(), pid: '8000002' }));
      assert.equal(a.code, 'AA', a.raw);
      acked++;
      await new Promise((r) => setTimeout(r, 300));
    }
    const waited = Date.now() - t0;
    assert.ok(stuck.closed, 'the unfinished frame was closed');
    assert.ok(waited >= 1500 && waited < 5000, `closed after ${waited} ms`);
    assert.equal(stuck.acks.length, 0, 'an unfinished frame is never acknowledged');
    await silent.closedPromise; // a silent connection goes the same way
    await trickle.closedPromise;
    clearInterval(timer);
    const trickled = Date.now() - t0;
    assert.ok(trickled < 5000, `the trickling frame was closed after ${trickled} ms`);
    assert.ok(!busy.closed, 'the busy client is kept');
    assert.ok(acked >= 4, `${acked} messages acknowledged meanwhile`);
    busy.close();
  } finally {
    await T.stop();
  }
});

test('SIGTERM drains: what was received is stored and acknowledged, the rest is not half-stored', async () => {
  const T = await startServer({ sets: BASE_SETS });
  stores.push(T.store);
  const port = mllpPort(T);
  const c = await MllpClient.connect(port);
  const first = nextId('S');
  assert.equal((await c.request(oul({ controlId: first, order: order(), pid: '9000001' }))).code, 'AA');
  const ids = [];
  const frames = [];
  for (let i = 0; i < 30; i++) {
    const id = nextId('S');
    ids.push(id);
    frames.push(frame(oul({ controlId: id, order: order(), pid: '9000002' })));
  }
  await c.send(Buffer.concat(frames));
  await new Promise((r) => setTimeout(r, 20));
  T.proc.kill('SIGTERM');
  const acked = [];
  for (;;) {
    const a = await c.ack(10000).catch(() => null);
    if (!a) break;
    assert.equal(a.code, 'AA', a.raw);
    acked.push(a.controlId);
  }
  const code = await new Promise((r) => (T.proc.exitCode !== null ? r(T.proc.exitCode) : T.proc.on('exit', (c2) => r(c2))));
  assert.equal(code, 0, T.log.split('\n').slice(-20).join('\n'));
  assert.deepEqual(acked, ids.slice(0, acked.length), 'ACKs in order');
  console.log(`# ${acked.length} of 30 pipelined messages were read before SIGTERM and acknowledged`);
  // restart on the same store: every acknowledged message is there
  const R = await startServer({ store: T.store, region: false, sets: BASE_SETS });
  try {
    const sys = await R.system(HOSP, 'system/*.read');
    for (const id of [first, ...acked]) assert.ok((await storedFor(id, sys)).length > 0, `${id} acknowledged and stored`);
  } finally {
    await R.stop();
  }
});

test('the MLLP port is refused on a non-loopback address', async () => {
  const r = await run(['config', 'check', '--set', 'mllp.listen=0.0.0.0:2575']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /mllp\.listen.*no TLS/);
});

test('the README\'s example: scripts/mllp-send sends docs/examples/oul-r22.hl7 and gets AA; the results are stored', async () => {
  const { execFile } = await import('node:child_process');
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const out = await new Promise((resolve) => {
    execFile(path.join(root, 'scripts', 'mllp-send'), [path.join(root, 'docs', 'examples', 'oul-r22.hl7'), `127.0.0.1:${PORT}`],
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.match(out.stdout, /^MSA\|AA\|EXAMPLE0001$/m);
  const stored = await storedFor('EXAMPLE0001');
  assert.deepEqual(stored.filter((r) => r.resourceType === 'Observation').map((r) => r.valueQuantity.value).sort(), [4.4, 7.2]);
});
