// harness.mjs — start the real `renkei serve` on 127.0.0.1 with a temporary
// database (SQLite file, or a fresh PostgreSQL database in the cluster that
// scripts/pg-test-cluster started), talk to it over HTTP, and check every
// resource it returns against the official FHIR R4 JSON schema.
//   RENKEI_BIN       the binary under test (required)
//   RENKEI_PG_DIR    when set, use PostgreSQL from that test cluster
import { spawn, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import Validator from '@asymmetrik/fhir-json-schema-validator';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.RENKEI_BIN;
if (!BIN) throw new Error('RENKEI_BIN must name the renkei binary under test');
const PG_DIR = process.env.RENKEI_PG_DIR || '';
export const BACKEND = PG_DIR ? 'postgresql' : 'sqlite';

let dbCounter = 0;

/** A fresh, empty store URL for one server. */
export function freshStore(label = 'it') {
  if (PG_DIR) {
    const name = `it_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${dbCounter++}`;
    return execFileSync(path.join(ROOT, 'scripts/pg-test-cluster'), ['newdb', PG_DIR, name]).toString().trim();
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-it-'));
  return `sqlite:${dir}/renkei.db`;
}

/** Run a renkei subcommand to completion; returns {code, stdout, stderr}. */
export function run(args, opts = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { cwd: opts.cwd || ROOT, env: { ...process.env, ...(opts.env || {}) } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export const DEMO_PASSWORD = 'Renkei-Demo-2026';
export const DEMO_SECRET = 'RENKEIDEMOSHAREDTOTPSECRETABCDEF';

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code of a base32 secret at time t (ms). */
export function totp(secret, t = Date.now()) {
  const step = Math.floor(t / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const n = ((h[o] & 127) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1000000).padStart(6, '0');
}

/**
 * Requests that leave an audit entry: every request, routed or not (probes of
 * paths and methods that do not exist too), but the health check, metadata,
 * GET /api/session, and a static file of the web UI that is served (200):
 * public bytes, the same for everyone, no patient data (docs/ACCESS.md).
 */
export function audited(method, path, status) {
  const p = path.split('?')[0].replace(/^(\/fhir\/.+)\/$/, '$1'); // a trailing slash is the same URL
  const read = method === 'GET' || method === 'HEAD';
  if ((p === '/healthz' || p === '/fhir/metadata') && read) return false;
  if (p === '/api/session' && method === 'GET') return false;
  const api = p === '/fhir' || p.startsWith('/fhir/') || p.startsWith('/api/') || p.startsWith('/oauth2/');
  return api || !read || status !== 200;
}

/**
 * Start a server. sets: extra `key=value` config overrides. demo: people of
 * the demo region to generate first (0: the region's facilities, staff and
 * accounts without patients); region: false for a database with nothing;
 * demoArgs: more options of `renkei demo` (e.g. --no-history).
 */
export async function startServer({ sets = [], demo = 0, region = true, store = null, seed = 7, demoArgs = [] } = {}) {
  const url = store || freshStore();
  if (url.startsWith('postgresql:') && !sets.some((x) => x.startsWith('audit.key_file='))) {
    // each PostgreSQL test database gets its own audit key, beside nothing else
    const keyDir = mkdtempSync(path.join(tmpdir(), 'renkei-key-'));
    sets = [...sets, `audit.key_file=${keyDir}/audit.key`];
  }
  const base = ['--set', `store.url=${url}`, '--set', 'http.listen=127.0.0.1:0', '--set', `web.root=${path.join(ROOT, 'web')}`];
  for (const s of sets) base.push('--set', s);
  if (region) {
    const r = await run(['demo', '--patients', String(demo), '--seed', String(seed), ...demoArgs, ...base]);
    assert.equal(r.code, 0, `renkei demo failed: ${r.stderr}`);
  }
  const proc = spawn(BIN, ['serve', ...base], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    proc.stderr.on('data', (d) => {
      log += d;
      const m = /event=http\.listening .*port=(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  const server = {
    origin,
    fhirBase: `${origin}/fhir`,
    store: url,
    /** The audit key file (the checkpoint file is beside it: <name without .key>.checkpoint). */
    keyFile: (sets.find((x) => x.startsWith('audit.key_file=')) || '').slice('audit.key_file='.length) ||
      (url.startsWith('sqlite:') ? `${url.slice(7)}.audit.key` : ''),
    port,
    proc,
    headers: {},
    requests: [],
    sessions: new Map(),
    get log() { return log; },
    /** Run a renkei command against this server's store. */
    cli(args) {
      return run([...args, '--set', `store.url=${url}`, ...sets.flatMap((x) => ['--set', x])]);
    },
    /**
     * Link registrations of one person as the network does: the operator
     * merges their regional IDs (registrations never name one themselves).
     * Every regional ID of `from` is merged into `into`.
     */
    async link(into, ...from) {
      for (const f of from) {
        if (f === into) continue;
        const r = await server.cli(['patient', 'merge', '--from', f, '--into', into, '--reason', 'test: the same person']);
        assert.equal(r.code, 0, `merge ${f} into ${into}: ${r.stderr}`);
      }
    },
    /** Log in (password, then TOTP) once per account; returns a client carrying the session. */
    async login(account, { password = DEMO_PASSWORD, secret = DEMO_SECRET } = {}) {
      if (server.sessions.has(account)) return server.sessions.get(account);
      const r1 = await http(server, 'POST', '/api/session', { body: { account, password }, raw: true });
      assert.equal(r1.status, 200, `login ${account}: ${r1.text}`);
      const cookie = r1.headers.get('set-cookie').split(';')[0];
      let client = { origin, fhirBase: server.fhirBase, port, server, account, headers: { Cookie: cookie, 'X-CSRF-Token': r1.json.csrf }, session: r1.json };
      if (r1.json.stage === 'totp') {
        const r2 = await http(client, 'POST', '/api/session/totp', { body: { code: totp(secret) }, raw: true });
        assert.equal(r2.status, 200, `totp ${account}: ${r2.text}`);
        client.session = r2.json;
      }
      assert.equal(client.session.stage, 'ok', `login of ${account} is not complete: ${client.session.stage}`);
      server.sessions.set(account, client);
      return client;
    },
    /**
     * A new account made with the operator's command line, logged in for the
     * first time: TOTP enrolment, then the forced password change.
     */
    async newStaff(id, facility, role, name = '試験 太郎') {
      const initial = 'Initial-Pass-2026', final = `Final-${role}-Pass-2026`;
      const r = await server.cli(['user', 'add', id, '--facility', facility, '--role', role, '--name', name, '--password', initial]);
      assert.equal(r.code, 0, r.stderr);
      const r1 = await http(server, 'POST', '/api/session', { body: { account: id, password: initial }, raw: true });
      assert.equal(r1.status, 200, r1.text);
      const client = { origin, fhirBase: server.fhirBase, port, server, account: id,
        headers: { Cookie: r1.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': r1.json.csrf } };
      assert.equal(r1.json.stage, 'enroll_totp');
      const en = await http(client, 'POST', '/api/totp/enroll', { raw: true });
      const ok = await http(client, 'POST', '/api/totp/confirm', { body: { code: totp(en.json.secret) }, raw: true });
      assert.equal(ok.json.stage, 'change_password', ok.text);
      const pw = await http(client, 'POST', '/api/password', { body: { current: initial, new: final }, raw: true });
      assert.equal(pw.json.stage, 'ok', pw.text);
      client.secret = en.json.secret;
      client.password = final;
      server.sessions.set(id, client);
      return client;
    },
    /** A facility system: a new OAuth2 client and a bearer token for it. */
    async system(facility, scopes) {
      const r = await server.cli(['client', 'add', '--facility', facility, '--name', 'test system', '--scopes', scopes]);
      assert.equal(r.code, 0, r.stderr);
      const id = /client_id=(\S+)/.exec(r.stdout)[1], secret = /client_secret=(\S+)/.exec(r.stdout)[1];
      const tok = await http(server, 'POST', '/oauth2/token', {
        body: `grant_type=client_credentials&client_id=${id}&client_secret=${secret}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, raw: true,
      });
      assert.equal(tok.status, 200, tok.text);
      return { origin, fhirBase: server.fhirBase, port, server, clientId: id, clientSecret: secret, token: tok.json.access_token,
        headers: { Authorization: `Bearer ${tok.json.access_token}` } };
    },
    /**
     * Every audited request made through http() left exactly one durable
     * audit entry with its request id and outcome, no other request left one,
     * and the chain verifies.
     */
    async checkAudit() {
      const list = await server.cli(['audit', 'list']);
      assert.equal(list.code, 0, list.stderr);
      const byId = new Map();
      for (const line of list.stdout.split('\n').filter(Boolean)) {
        const f = line.split('\t');
        const e = { seq: Number(f[0]), request: f[2], event: f[3], outcome: Number(f[5]) };
        if (!byId.has(e.request)) byId.set(e.request, []);
        byId.get(e.request).push(e);
      }
      for (const r of server.requests) {
        const entries = byId.get(r.id) || [];
        if (!r.audited) {
          assert.equal(entries.length, 0, `${r.method} ${r.path} is not audited but left an entry`);
          continue;
        }
        assert.equal(entries.length, 1, `${r.method} ${r.path} (${r.status}) left ${entries.length} audit entries`);
        const want = r.status < 400 ? 0 : r.status < 500 ? 4 : 8;
        assert.equal(entries[0].outcome, want, `${r.method} ${r.path}: audit outcome ${entries[0].outcome}, status ${r.status}`);
      }
      const verify = await server.cli(['audit', 'verify']);
      assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
      return server.requests.filter((r) => r.audited).length;
    },
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const code = await new Promise((r) => proc.on('exit', (c, sig) => r(c ?? sig)));
      return code;
    },
  };
  return server;
}

// The package ships the official schema of FHIR 4.0.0; 4.0.1 (the R4 technical
// correction renkei implements) only added "4.0.1" to the FHIRVersion enum.
// Add exactly that value wherever the enum occurs, and nothing else.
const schema = structuredClone(createRequire(import.meta.url)('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'));
(function addFhirVersion(node) {
  if (Array.isArray(node)) return node.forEach(addFhirVersion);
  if (node && typeof node === 'object') {
    if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && !node.enum.includes('4.0.1')) node.enum.push('4.0.1');
    Object.values(node).forEach(addFhirVersion);
  }
})(schema);
// FHIR's string regex `[ \r\n\t\S]+` is XML Schema's, where \s is only
// space, tab, CR and LF; JavaScript's \s also matches U+3000 (全角スペース),
// which Japanese text (SS-MIX2 findings such as "洞調律　正常心電図") is full of
// and FHIR allows. Accept exactly that character too.
(function allowIdeographicSpace(node) {
  if (Array.isArray(node)) return node.forEach(allowIdeographicSpace);
  if (node && typeof node === 'object') {
    if (node.pattern === '^[ \\r\\n\\t\\S]+$') node.pattern = '^[ \\r\\n\\t\\S\\u3000]+$';
    Object.values(node).forEach(allowIdeographicSpace);
  }
})(schema);
const validator = new Validator(schema);
let validatedCount = 0;

/** Assert that a FHIR resource (or Bundle and everything in it) passes the R4 JSON schema. */
export function assertSchema(resource, where = '') {
  const errors = validator.validate(resource);
  if (errors.length) {
    const brief = errors.filter((e) => e.keyword !== 'oneOf').slice(0, 5)
      .map((e) => (typeof e === 'string' ? e : `${e.dataPath} ${e.message} ${JSON.stringify(e.params).slice(0, 200)}`));
    assert.fail(`${where} ${resource.resourceType} fails the FHIR R4 schema: ${brief.join('; ')}`);
  }
  validatedCount++;
}
export const schemaValidations = () => validatedCount;

/**
 * HTTP request to the server, as the target (a server: anonymous; a client
 * from login()/system(): with its credentials). Returns {status, headers,
 * text, json}. Every JSON FHIR body is schema-checked; every request is
 * remembered for the audit check.
 */
export async function http(target, method, pathAndQuery, { body, headers = {}, raw = false } = {}) {
  const server = target.server || target;
  const id = randomUUID();
  const h = { ...(target.headers || {}), 'X-Request-Id': id, ...headers };
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    payload = JSON.stringify(body);
    if (!h['Content-Type']) h['Content-Type'] = 'application/fhir+json';
  }
  let res;
  try {
    res = await fetch(server.origin + pathAndQuery, { method, headers: h, body: payload });
  } catch (e) {
    // the server died: show what it said (sanitizer reports end up here)
    const tail = (server.log || '').split('\n').slice(-80).join('\n');
    throw new Error(`${method} ${pathAndQuery}: ${e.cause?.message || e.message}\n--- server log ---\n${tail}`);
  }
  const text = await res.text();
  server.requests?.push({ id, method, path: pathAndQuery, status: res.status, audited: audited(method, pathAndQuery, res.status) });
  let json = null;
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('json') && !ct.includes('ndjson') && text.length) {
    json = JSON.parse(text);
    if (!raw && json.resourceType) assertSchema(json, `${method} ${pathAndQuery.slice(0, 80)}`);
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const get = (s, p, o) => http(s, 'GET', p, o);
export const post = (s, p, body, o = {}) => http(s, 'POST', p, { ...o, body });
export const put = (s, p, body, o = {}) => http(s, 'PUT', p, { ...o, body });

/** The OperationOutcome diagnostics of a failed response, asserting its shape and status. */
export function outcome(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.equal(res.json?.resourceType, 'OperationOutcome', `expected an OperationOutcome: ${res.text.slice(0, 200)}`);
  const issue = res.json.issue[0];
  assert.ok(issue.diagnostics && issue.diagnostics.length > 10, 'the outcome says what is wrong');
  return issue.diagnostics;
}

export const LOCAL_SYSTEM = (code) => `urn:oid:1.2.392.100495.20.3.51.1${code}`;
export const FACILITY_SYSTEM = 'http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no';
export const REGION_SYSTEM = 'urn:renkei:regional-patient-id';

export function organization(code, name, kind = 'clinic') {
  return {
    resourceType: 'Organization',
    identifier: [{ system: FACILITY_SYSTEM, value: code }],
    active: true,
    type: [{ coding: [{ system: 'urn:renkei:CodeSystem:facility-kind', code: kind }] }],
    name,
    address: [{ state: '長野県', city: '松本市', text: '長野県松本市中央1-1-1' }],
  };
}

export function patient(code, localId, { family = '山田', given = '太郎', familyKana = 'ヤマダ', givenKana = 'タロウ',
  birthDate = '1950-04-01', gender = 'male', regional = null } = {}) {
  const identifier = [{ system: LOCAL_SYSTEM(code), value: localId }];
  if (regional) identifier.push({ system: REGION_SYSTEM, value: regional });
  const rep = (code) => [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation', valueCode: code }];
  return {
    resourceType: 'Patient',
    identifier,
    name: [
      { extension: rep('IDE'), use: 'official', text: `${family} ${given}`, family, given: [given] },
      { extension: rep('SYL'), use: 'official', text: `${familyKana} ${givenKana}`, family: familyKana, given: [givenKana] },
    ],
    gender,
    birthDate,
  };
}

/** Remove a temporary SQLite directory (no-op for PostgreSQL). */
export function cleanupStore(url) {
  if (url.startsWith('sqlite:')) rmSync(path.dirname(url.slice(7)), { recursive: true, force: true });
}

export function writeTemp(name, content) {
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-it-'));
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Run SQL against a store behind the server's back (sqlite3 or psql); returns the output text. */
export function sqlOn(storeUrl, statement) {
  if (storeUrl.startsWith('sqlite:')) return execFileSync('sqlite3', [storeUrl.slice(7), statement]).toString();
  const [, db, query] = /^postgresql:\/\/\/([^?]+)\?(.*)$/.exec(storeUrl);
  const q = new URLSearchParams(query);
  const args = ['-h', q.get('host'), '-p', q.get('port'), '-U', 'renkei', '-d', db, '-At', '-c', statement];
  return execFileSync('psql', args, { env: { ...process.env, PGUSER: 'renkei' } }).toString();
}

/** A trigger that makes every audit_entry insert whose event is in events fail (a real fault in the database). */
export function failAuditInserts(storeUrl, events, name = 'audit_fail') {
  const list = events.map((e) => `'${e}'`).join(', ');
  if (storeUrl.startsWith('sqlite:')) {
    sqlOn(storeUrl, `CREATE TRIGGER ${name} BEFORE INSERT ON audit_entry WHEN NEW.event IN (${list}) BEGIN SELECT RAISE(ABORT, 'test: audit insert refused'); END;`);
  } else {
    sqlOn(storeUrl, `CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'test: audit insert refused'; END $$ LANGUAGE plpgsql;` +
      ` CREATE TRIGGER ${name} BEFORE INSERT ON audit_entry FOR EACH ROW WHEN (NEW.event IN (${list})) EXECUTE FUNCTION ${name}();`);
  }
  return () => sqlOn(storeUrl, storeUrl.startsWith('sqlite:') ? `DROP TRIGGER ${name}` : `DROP TRIGGER ${name} ON audit_entry; DROP FUNCTION ${name}()`);
}

// ---- appended: two servers on one database, requests from other loopback addresses ----
import { request as nodeRequest } from 'node:http';

/**
 * Two `renkei serve` processes on one database (SQLite file or PostgreSQL
 * database), as a region runs several servers: the first builds the demo
 * region (demo people), both share the configuration and the audit key.
 */
export async function startPair({ sets = [], demo = 0 } = {}) {
  if (PG_DIR && !sets.some((x) => x.startsWith('audit.key_file='))) {
    const keyDir = mkdtempSync(path.join(tmpdir(), 'renkei-key-'));
    sets = [...sets, `audit.key_file=${keyDir}/audit.key`];
  }
  const a = await startServer({ sets, demo });
  const b = await startServer({ sets, store: a.store, region: false });
  return [a, b];
}

/**
 * Like http(), but from another loopback address (127.0.0.0/8 all reaches
 * the server on 127.0.0.1), so the server sees another client address.
 * Returns {status, headers (a Map-like get()), text, json}.
 */
export function httpFrom(target, localAddress, method, pathAndQuery, { body, headers = {} } = {}) {
  const server = target.server || target;
  const id = randomUUID();
  const h = { ...(target.headers || {}), 'X-Request-Id': id, ...headers };
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!h['Content-Type']) h['Content-Type'] = 'application/json';
    h['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = nodeRequest({ host: '127.0.0.1', port: server.port, localAddress, method, path: pathAndQuery, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        server.requests?.push({ id, method, path: pathAndQuery, status: res.statusCode, audited: audited(method, pathAndQuery, res.statusCode) });
        const ct = res.headers['content-type'] || '';
        const json = ct.includes('json') && text.length ? JSON.parse(text) : null;
        resolve({ status: res.statusCode, headers: { get: (k) => res.headers[k.toLowerCase()] ?? null }, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
