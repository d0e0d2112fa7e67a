// harness.mjs — start the real `renkei serve` on 127.0.0.1 with a temporary
// database (SQLite file, or a fresh PostgreSQL database in the cluster that
// scripts/pg-test-cluster started), talk to it over HTTP, and check every
// resource it returns against the official FHIR R4 JSON schema.
//   RENKEI_BIN       the binary under test (required)
//   RENKEI_PG_DIR    when set, use PostgreSQL from that test cluster
import { spawn, execFileSync } from 'node:child_process';
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

/**
 * Start a server. sets: extra `key=value` config overrides.
 * demo: number of demo people to generate first (0: empty region).
 */
export async function startServer({ sets = [], demo = 0, store = null, seed = 7 } = {}) {
  const url = store || freshStore();
  const base = ['--set', `store.url=${url}`, '--set', 'http.listen=127.0.0.1:0', '--set', `web.root=${path.join(ROOT, 'web')}`];
  for (const s of sets) base.push('--set', s);
  if (demo > 0) {
    const r = await run(['demo', '--patients', String(demo), '--seed', String(seed), ...base]);
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
    port,
    proc,
    get log() { return log; },
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

/** HTTP request to the server: returns {status, headers, text, json}. Every JSON FHIR body is schema-checked. */
export async function http(server, method, pathAndQuery, { body, headers = {}, raw = false } = {}) {
  const h = { ...headers };
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    payload = JSON.stringify(body);
    if (!h['Content-Type']) h['Content-Type'] = 'application/fhir+json';
  }
  const res = await fetch(server.origin + pathAndQuery, { method, headers: h, body: payload });
  const text = await res.text();
  let json = null;
  const ct = res.headers.get('content-type') || '';
  if (ct.includes('json') && text.length) {
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
