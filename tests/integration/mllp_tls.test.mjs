// mllp_tls.test.mjs — MLLP over TLS with client certificates (mllp.tls_client_ca).
// backends: sqlite (TLS does not depend on the store)
// The listener starts on a non-loopback address (0.0.0.0; the clients connect
// through 127.0.0.1) only with TLS and a client CA; messages over TLS, cut and
// merged across records, and more pipelined than may be in flight, are
// answered AA in order and stored as from the facility the client certificate
// names (its CN); no certificate, a certificate of another CA, or one whose CN
// is not a facility code is refused at the handshake and nothing is stored; a
// certificate of facility B sending a message whose MSH-4 names facility A
// gets AR with the reason (quarantined); TLS 1.1 and plain MLLP on the TLS
// port are refused; a handshake that does not finish within mllp.idle_timeout
// is closed; SIGTERM drains over TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, run, cleanupStore, freshStore } from './harness.mjs';
import { MllpClient, mllpPort, frame, oul, bySource as bySourceOf } from './mllp_client.mjs';

const HOSP = '2011000011', CLINIC = '2011100018';
const dir = mkdtempSync(path.join(tmpdir(), 'renkei-mllp-tls-'));

/** A throw-away PKI: a CA, the server's certificate, client certificates. */
function openssl(args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
function makeCa(name) {
  const key = path.join(dir, `${name}.key`), cert = path.join(dir, `${name}.pem`);
  openssl(['req', '-utf8', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
    '-out', cert, '-days', '2', '-subj', `/O=renkei test/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { key, cert, name };
}
function issue(ca, name, subject, ext) {
  const key = path.join(dir, `${name}.key`), csr = path.join(dir, `${name}.csr`), cert = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  writeFileSync(extFile, `${ext}\n`);
  openssl(['req', '-utf8', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr,
    '-subj', subject]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2',
    '-extfile', extFile]);
  return { key: readFileSync(key), cert: readFileSync(cert), keyFile: key, certFile: cert };
}
const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth';
const ca = makeCa('region-mllp-ca');
const otherCa = makeCa('some-other-ca');
const server = issue(ca, 'server', '/O=renkei test/CN=127.0.0.1',
  'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
const hosp = issue(ca, 'hosp', `/O=試験病院/OU=HIS/CN=${HOSP}`, CLIENT_EXT);
const clinic = issue(ca, 'clinic', `/O=試験診療所/CN=${CLINIC}`, CLIENT_EXT);
const foreign = issue(otherCa, 'foreign', `/O=somewhere/CN=${HOSP}`, CLIENT_EXT);
const noCode = issue(ca, 'nocode', '/O=試験病院/CN=his.hospital.example.jp', CLIENT_EXT);
const CA_PEM = readFileSync(ca.cert);

const keyDir = mkdtempSync(path.join(tmpdir(), 'renkei-mllp-tls-key-'));
const TLS_SETS = ['mllp.listen=0.0.0.0:0', `mllp.tls_client_ca=${ca.cert}`, `mllp.tls_cert=${server.certFile}`,
  `mllp.tls_key=${server.keyFile}`, `mllp.senders=HIS123^SEND=${HOSP}`, 'mllp.max_message=16K',
  `audit.key_file=${keyDir}/audit.key`];

let S, PORT, SYS;
const stores = [];

/** An MLLP client over TLS to 127.0.0.1 (resolves once the client's side of the handshake is done). */
function tlsConnect(port, { cert, key, minVersion, maxVersion } = {}) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: CA_PEM, cert, key, minVersion, maxVersion });
    sock.once('secureConnect', () => resolve(new MllpClient(sock)));
    sock.once('error', reject);
  });
}

/** Try to deliver one message; null when no ACK came back (refused at the handshake). */
async function attempt(port, opts, msg) {
  let c;
  try {
    c = await tlsConnect(port, opts);
  } catch {
    return null; // the handshake failed on the client's side already
  }
  await c.send(frame(msg)).catch(() => {});
  const a = await c.ack(5000).catch(() => null);
  c.close();
  return a;
}

/** The resources stored from one message (by its MSH-10). */
async function storedFor(controlId, sys = SYS) {
  const res = [];
  for (const type of ['Observation', 'DiagnosticReport', 'Specimen', 'ServiceRequest']) {
    const m = await bySourceOf(sys, type).catch(() => new Map());
    for (const [src, list] of m) if (src.endsWith(`|${controlId}`)) res.push(...list);
  }
  return res;
}

async function quarantined(srv) {
  const r = await srv.cli(['ingest', 'errors']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

before(async () => {
  S = await startServer({ sets: TLS_SETS });
  stores.push(S.store);
  PORT = mllpPort(S);
  SYS = await S.system(HOSP, 'system/*.read');
});

after(async () => {
  if (S) await S.stop();
  for (const s of stores) cleanupStore(s);
  rmSync(dir, { recursive: true, force: true });
  rmSync(keyDir, { recursive: true, force: true });
});

let serial = 0;
const nextId = (p = 'L') => `${p}${process.pid % 10000}${String(++serial).padStart(6, '0')}`;
const order = () => String(2e14 + serial * 7).padStart(15, '0');

test('the listener is on 0.0.0.0 with TLS; messages cut and merged across TLS records are answered AA in order and stored', async () => {
  assert.match(S.log, /event=mllp\.listening host=0\.0\.0\.0/);
  const c = await tlsConnect(PORT, hosp);
  assert.ok(['TLSv1.2', 'TLSv1.3'].includes(c.sock.getProtocol()), c.sock.getProtocol());
  const msgs = [];
  for (let i = 0; i < 5; i++) {
    const controlId = nextId();
    msgs.push({ controlId, bytes: frame(oul({ controlId, order: order(), pid: `61000${i}`, tp: `7.${i}` })) });
  }
  // cut inside the VT, in the middle and inside FS CR: each piece its own TLS record
  const b0 = msgs[0].bytes;
  await c.send(b0, { cuts: [1, Math.floor(b0.length / 2), b0.length - 1] });
  let a = await c.ack();
  assert.equal(a.code, 'AA', a.raw);
  assert.equal(a.controlId, msgs[0].controlId);
  // three in one record, then two cut across their boundary
  await c.send(Buffer.concat([msgs[1].bytes, msgs[2].bytes]));
  const both = Buffer.concat([msgs[3].bytes, msgs[4].bytes]);
  await c.send(both, { cuts: [7, msgs[3].bytes.length - 1, msgs[3].bytes.length + 1] });
  for (let i = 1; i < 5; i++) {
    a = await c.ack();
    assert.equal(a.code, 'AA', `message ${i}: ${a.raw}`);
    assert.equal(a.controlId, msgs[i].controlId, 'ACKs come back in order');
  }
  // MSH-4 that names no facility at all: the certificate says who sends
  const local = nextId('N');
  a = await c.request(oul({ controlId: local, order: order(), app: 'LABSYS', facility: 'LOCALLAB', pid: '6100099' }));
  assert.equal(a.code, 'AA', a.raw);
  c.close();
  // acknowledged means committed: readable at once, as the hospital's own records
  for (const id of [...msgs.map((m) => m.controlId), local]) {
    const res = await storedFor(id);
    assert.ok(res.some((r) => r.resourceType === 'Observation'), `message ${id} stored: ${res.length} resources`);
  }
  assert.match(S.log, new RegExp(`event=mllp\\.tls_client .*facility=${HOSP}`));
});

test('more pipelined messages than may be in flight over TLS are all answered, in order', async () => {
  // 100 messages in one write: the listener stops reading at 64 unanswered
  // and reads the rest (from the socket, or from inside the TLS session) once
  // answers come back
  const c = await tlsConnect(PORT, hosp);
  const ids = [], frames = [];
  for (let i = 0; i < 100; i++) {
    const id = nextId('F');
    ids.push(id);
    frames.push(frame(oul({ controlId: id, order: order(), pid: '6150001' })));
  }
  await c.send(Buffer.concat(frames));
  for (const id of ids) {
    const a = await c.ack(20000);
    assert.equal(a.code, 'AA', a.raw);
    assert.equal(a.controlId, id, 'in order');
  }
  c.close();
  assert.ok((await storedFor(ids[99])).length > 0);
});

test('no client certificate, one from another CA, or one whose CN is no facility code: refused at the handshake, nothing stored', async () => {
  const cases = [['none', {}], ['other CA', foreign], ['CN not a facility code', noCode]];
  for (const [label, opts] of cases) {
    const id = nextId('R');
    const a = await attempt(PORT, { cert: opts.cert, key: opts.key }, oul({ controlId: id, order: order(), pid: '6200001' }));
    assert.equal(a, null, `${label}: no ACK (${a && a.raw})`);
    assert.equal((await storedFor(id)).length, 0, `${label}: nothing stored`);
    assert.doesNotMatch(await quarantined(S), new RegExp(id), `${label}: nothing quarantined`);
  }
  // the operator sees who was refused and why
  assert.match(S.log, /level=warn event=mllp\.tls_refused peer=127\.0\.0\.1:\d+ error="no valid client certificate/);
  assert.match(S.log, /event=mllp\.tls_refused .*error="client certificate refused: .*issuer is unknown/);
  assert.match(S.log, /event=mllp\.tls_refused .*CN 'his\.hospital\.example\.jp' is not a 10-digit facility code/);
});

test('a certificate of one facility sending as another gets AR naming both; the message is quarantined, not stored', async () => {
  const c = await tlsConnect(PORT, clinic);
  // MSH-3^MSH-4 HIS123^SEND is the hospital through mllp.senders
  const viaMap = nextId('X');
  let a = await c.request(oul({ controlId: viaMap, order: order(), pid: '6300001' }));
  assert.equal(a.code, 'AR', a.raw);
  assert.match(a.text, new RegExp(`certificate names facility ${CLINIC}.*${HOSP}`));
  // MSH-4 is the hospital's code itself
  const direct = nextId('X');
  a = await c.request(oul({ controlId: direct, order: order(), app: 'ANY', facility: HOSP, pid: '6300002' }));
  assert.equal(a.code, 'AR', a.raw);
  assert.match(a.text, /not covered by its client certificate/);
  // its own code in MSH-4 is fine
  const own = nextId('C');
  a = await c.request(oul({ controlId: own, order: order(), app: 'ANY', facility: CLINIC, pid: '6300003' }));
  assert.equal(a.code, 'AA', a.raw);
  c.close();
  for (const id of [viaMap, direct]) assert.equal((await storedFor(id)).length, 0, `${id} not stored as the hospital's`);
  const clinicSys = await S.system(CLINIC, 'system/*.read');
  assert.ok((await storedFor(own, clinicSys)).length > 0, 'stored as the clinic\'s');
  const q = await quarantined(S);
  assert.match(q, /not covered by its client certificate/);
  // the access log names the certificate each message came with, and the
  // refused ones by their sender and control ID
  const log = await S.cli(['audit', 'list']);
  const entries = log.stdout.split('\n').map((l) => l.split('\t')).filter((f) => f[3] === 'ingest');
  for (const id of [viaMap, direct, own]) {
    const e = entries.find((f) => (f[10] || '').endsWith(`|${id}`));
    assert.ok(e, `an audit entry for ${id}`);
    assert.match(e[6], new RegExp(`^mllp-tls:CN=${CLINIC}.* serial=[0-9a-f]+$`), e.join(' | '));
  }
});

test('TLS 1.1 and plain MLLP on the TLS port are refused; nothing is stored', async () => {
  const id = nextId('V');
  await assert.rejects(tlsConnect(PORT, { ...hosp, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }));
  const plain = await MllpClient.connect(PORT);
  const pid = nextId('P');
  await plain.send(frame(oul({ controlId: pid, order: order(), pid: '6400001' }))).catch(() => {});
  await assert.rejects(plain.ack(5000), /connection closed/);
  for (const x of [id, pid]) assert.equal((await storedFor(x)).length, 0);
  // and the listener goes on
  const c = await tlsConnect(PORT, hosp);
  const ok = nextId('V');
  assert.equal((await c.request(oul({ controlId: ok, order: order(), pid: '6400002' }))).code, 'AA');
  c.close();
});

test('a handshake not finished within mllp.idle_timeout is closed, silent or trickling; others keep working', async () => {
  const T = await startServer({ sets: [...TLS_SETS, 'mllp.idle_timeout=2s'] });
  stores.push(T.store);
  try {
    const port = mllpPort(T);
    const t0 = Date.now();
    const closedAt = (sock) => new Promise((r) => { sock.on('close', () => r(Date.now() - t0)); sock.on('error', () => {}); });
    const silent = net.connect(port, '127.0.0.1');
    const trickle = net.connect(port, '127.0.0.1');
    const silentClosed = closedAt(silent), trickleClosed = closedAt(trickle);
    // the start of a ClientHello record (handshake, TLS 1.0 record version, 512 bytes), a byte at a time
    const hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0];
    let k = 0;
    const timer = setInterval(() => { if (k < hello.length && !trickle.destroyed) trickle.write(Buffer.from([hello[k++]])); }, 200);
    // meanwhile a real sender works
    const c = await tlsConnect(port, hosp);
    const id = nextId('I');
    assert.equal((await c.request(oul({ controlId: id, order: order(), pid: '6500001' }))).code, 'AA');
    const [ms1, ms2] = await Promise.all([silentClosed, trickleClosed]);
    clearInterval(timer);
    for (const ms of [ms1, ms2]) assert.ok(ms >= 1800 && ms < 6000, `closed after ${ms} ms`);
    c.close();
  } finally {
    await T.stop();
  }
});

test('SIGTERM drains over TLS: what was received is stored and acknowledged in order', async () => {
  const T = await startServer({ sets: TLS_SETS });
  stores.push(T.store);
  const port = mllpPort(T);
  const c = await tlsConnect(port, hosp);
  const first = nextId('S');
  assert.equal((await c.request(oul({ controlId: first, order: order(), pid: '6600001' }))).code, 'AA');
  const ids = [];
  const frames = [];
  for (let i = 0; i < 30; i++) {
    const id = nextId('S');
    ids.push(id);
    frames.push(frame(oul({ controlId: id, order: order(), pid: '6600002' })));
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
  const R = await startServer({ store: T.store, region: false, sets: TLS_SETS });
  try {
    const sys = await R.system(HOSP, 'system/*.read');
    for (const id of [first, ...acked]) assert.ok((await storedFor(id, sys)).length > 0, `${id} acknowledged and stored`);
  } finally {
    await R.stop();
  }
});

test('a non-loopback mllp.listen needs TLS and a client CA, and the refusal says what to set', async () => {
  let r = await run(['config', 'check', '--set', 'mllp.listen=0.0.0.0:2575']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /mllp\.listen.*no TLS.*set mllp\.tls_client_ca.*mllp\.tls_cert.*mllp\.tls_key/);
  r = await run(['config', 'check', '--set', 'mllp.listen=0.0.0.0:2575', '--set', `mllp.tls_client_ca=${ca.cert}`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /mllp\.tls_client_ca needs .*set mllp\.tls_cert and mllp\.tls_key \(or tls\.cert and tls\.key\)/);
  r = await run(['config', 'check', '--set', 'mllp.listen=0.0.0.0:2575', '--set', `mllp.tls_cert=${server.certFile}`,
    '--set', `mllp.tls_key=${server.keyFile}`]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /mllp\.tls_cert\/mllp\.tls_key need mllp\.tls_client_ca/);
  // with the HTTPS listener's certificate as default
  r = await run(['config', 'check', '--set', 'mllp.listen=0.0.0.0:2575', '--set', `mllp.tls_client_ca=${ca.cert}`,
    '--set', `tls.cert=${server.certFile}`, '--set', `tls.key=${server.keyFile}`]);
  assert.equal(r.code, 0, r.stderr);
  // a CA file without a certificate: serve refuses to start, naming the option
  const empty = path.join(dir, 'empty.pem');
  writeFileSync(empty, '');
  const store = freshStore('mllp-tls-ca');
  stores.push(store);
  await assert.rejects(startServer({ store, sets: [...TLS_SETS.filter((x) => !x.startsWith('mllp.tls_client_ca=')),
    `mllp.tls_client_ca=${empty}`] }), /mllp\.tls_client_ca/);
});
