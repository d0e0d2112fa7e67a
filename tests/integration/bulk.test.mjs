// bulk.test.mjs — bulk in and out (issue 13, item 6): FHIR Bulk Data $export
// of a small demo region (kick-off, status polling, manifest, ndjson files,
// cancellation; who may export what; the files are the starter's only), and
// `renkei import ndjson` of that export into an empty region: the same
// resources by type and content (ids and references aside), nothing new the
// second time, a malformed line quarantined while the rest goes in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, http, get, cleanupStore, LOCAL_SYSTEM, REGION_SYSTEM } from './harness.mjs';

const F = '2011000011'; // 信州れんけい総合病院: a hospital of the demo region with SS-MIX2 records
const G = '2011100018'; // やまびこ内科クリニック: another facility
const ASYNC = { headers: { Prefer: 'respond-async' } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let SRV, TGT, SYS, SYS2, GSYS, DOC, OP, BULK_DIR, TGT_DIR;

before(async () => {
  const sets = (n) => [`bulk.dir=${mkdtempSync(path.join(tmpdir(), `renkei-bulk-${n}-`))}/exports`];
  const src = sets('src');
  BULK_DIR = src[0].slice('bulk.dir='.length);
  SRV = await startServer({ demo: 3, seed: 12, sets: src }); // a seed whose people include consents F's system may not write
  TGT_DIR = sets('tgt');
  // the same region's facilities and staff, no one registered; its exports expire after 6 s
  TGT = await startServer({ demo: 0, sets: [...TGT_DIR, 'bulk.expiry=6s'] });
  TGT_DIR = TGT_DIR[0].slice('bulk.dir='.length);
  SYS = await SRV.system(F, 'system/*.read');
  SYS2 = await SRV.system(F, 'system/Patient.read'); // another client of the same facility, a narrower scope
  GSYS = await SRV.system(G, 'system/*.read');
  DOC = await SRV.login('dr.renkei');
  OP = await SRV.login('operator');
});

after(async () => {
  for (const s of [SRV, TGT]) {
    if (!s) continue;
    await s.checkAudit();
    assert.equal(await s.stop(), 0);
    cleanupStore(s.store);
  }
});

const rel = (srv, url) => url.replace(srv.fhirBase, '/fhir');

/** Kick off, poll until done; returns {status URL, manifest, progress seen}. */
async function exportOf(srv, who, kick) {
  const k = await http(who, 'GET', kick, ASYNC);
  assert.equal(k.status, 202, `${kick}: ${k.text}`);
  const loc = k.headers.get('content-location');
  assert.match(loc, /\/fhir\/\$export-status\/[0-9a-z]+$/);
  const progress = [];
  for (let i = 0; i < 200; i++) {
    const s = await get(who, rel(srv, loc));
    if (s.status === 202) {
      assert.ok(s.headers.get('x-progress'), 'X-Progress while running');
      assert.ok(Number(s.headers.get('retry-after')) > 0, 'Retry-After while running');
      progress.push(s.headers.get('x-progress'));
      await sleep(50);
      continue;
    }
    assert.equal(s.status, 200, s.text);
    assert.ok(s.headers.get('expires'), 'the files expire');
    return { loc, manifest: s.json, progress };
  }
  throw new Error('the export did not finish');
}

/** Every file of a manifest: {type: [resources]}. */
async function filesOf(srv, who, manifest) {
  const by = {};
  for (const o of manifest.output) {
    const r = await get(who, rel(srv, o.url));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /ndjson/);
    const lines = r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(lines.length, o.count, `${o.url}: count`);
    for (const x of lines) assert.equal(x.resourceType, o.type);
    (by[o.type] ||= []).push(...lines);
  }
  return by;
}

/** A resource's content with ids, references, meta and registration identifiers aside
 * (and the recorder stamp renkei puts on a consent: who recorded it here, the import). */
function content(x) {
  const strip = (v) => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o = {};
      for (const [k, w] of Object.entries(v)) {
        if (k === 'id' || k === 'meta' || k === 'reference' || k === 'fullUrl') continue;
        if (k === 'extension' && Array.isArray(w))
          o[k] = strip(w.filter((e) => e.url !== 'urn:renkei:extension:recorded-by'));
        else if (k === 'identifier' && Array.isArray(w))
          o[k] = strip(w.filter((i) => i.system !== REGION_SYSTEM && !String(i.system || '').startsWith(LOCAL_SYSTEM(''))));
        else o[k] = strip(w);
      }
      return o;
    }
    return v;
  };
  return JSON.stringify(strip(x));
}
const contents = (by) => Object.fromEntries(Object.entries(by).map(([t, xs]) => [t, xs.map(content).sort()]));

let exported; // {type: [resources]} of F's group in SRV

test('kick-off: Prefer respond-async, parameters, and who may export what', async () => {
  const no = await get(SYS, `/fhir/Group/${F}/$export`);
  assert.equal(no.status, 400);
  assert.match(no.text, /respond-async/);
  for (const [q, what] of [['_typeFilter=Observation%3Fcode%3Dx', '_typeFilter'], ['patient=Patient/x', 'patient'],
    ['_outputFormat=text%2Fcsv', 'text/csv'], ['_type=Foo', 'Foo'], ['_since=2026-01-01', '_since'],
    ['_type=Organization', 'directory']]) {
    const r = await http(SYS, 'GET', `/fhir/Group/${F}/$export?${q}`, ASYNC);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.equal(r.json.resourceType, 'OperationOutcome');
    assert.ok(r.text.includes(what), `${q}: ${r.text}`);
  }
  // the whole region: the operator's only
  for (const [who, p] of [[DOC, '/fhir/$export'], [DOC, '/fhir/Patient/$export'], [SYS, '/fhir/$export'], [SYS, '/fhir/Patient/$export']]) {
    const r = await http(who, 'GET', p, ASYNC);
    assert.equal(r.status, 403, `${p}: ${r.text}`);
    assert.match(r.text, /operator/);
  }
  // a group: its facility's system (or the operator); staff and other facilities' systems are refused
  const d = await http(DOC, 'GET', `/fhir/Group/${F}/$export`, ASYNC);
  assert.equal(d.status, 403, d.text);
  const g = await http(GSYS, 'GET', `/fhir/Group/${F}/$export`, ASYNC);
  assert.equal(g.status, 403, g.text);
  assert.match(g.text, /own facility/);
  const unknown = await http(OP, 'GET', '/fhir/Group/2099999999/$export', ASYNC);
  assert.equal(unknown.status, 404, unknown.text);
  // a system whose scope does not cover a type asked for
  const ns = await http(SYS2, 'GET', `/fhir/Group/${F}/$export?_type=Observation`, ASYNC);
  assert.equal(ns.status, 403, ns.text);
});

test('group export: status polling, manifest, ndjson files through the access check, the starter\'s only', async () => {
  const { loc, manifest } = await exportOf(SRV, SYS, `/fhir/Group/${F}/$export?_outputFormat=application%2Ffhir%2Bndjson`);
  assert.equal(manifest.requiresAccessToken, true);
  assert.match(manifest.request, new RegExp(`/fhir/Group/${F}/\\$export`));
  assert.ok(manifest.transactionTime);
  assert.deepEqual(manifest.error, []);
  exported = await filesOf(SRV, SYS, manifest);
  for (const t of ['Patient', 'Encounter', 'Observation', 'MedicationRequest', 'Condition'])
    assert.ok(exported[t]?.length > 0, `the export has ${t}: ${Object.keys(exported)}`);
  assert.equal(exported.Organization, undefined, 'a group export holds patient data, not the directory');
  // every record is one F's system may read: F's own, or opened by consent
  const visible = await get(SYS, '/fhir/Observation?_count=1000&_summary=count');
  assert.ok(exported.Observation.length <= visible.json.total, 'no more than a search of the same principal shows');
  // the files and the status are the starter's only: the same answer as an unknown export
  const other = await get(SYS2, rel(SRV, loc));
  const unknown = await get(SYS2, '/fhir/$export-status/00000000000000000000000000');
  assert.equal(other.status, 404);
  assert.equal(other.json.issue[0].diagnostics.replace(/\S+ is not/, 'X is not'), unknown.json.issue[0].diagnostics.replace(/\S+ is not/, 'X is not'));
  for (const who of [SYS2, DOC, OP]) {
    const r = await get(who, rel(SRV, manifest.output[0].url));
    assert.equal(r.status, 404, `${who.account || who.clientId}: ${r.status}`);
  }
  const bad = await get(SYS, rel(SRV, manifest.output[0].url).replace(/[^/]+$/, '..%2F..%2Fetc'));
  assert.equal(bad.status, 404);
  // _type and _since narrow it
  const { manifest: m2 } = await exportOf(SRV, SYS, `/fhir/Group/${F}/$export?_type=Patient,Condition`);
  assert.deepEqual(m2.output.map((o) => o.type).sort(), ['Condition', 'Patient']);
  const { manifest: m3 } = await exportOf(SRV, SYS, `/fhir/Group/${F}/$export?_since=2999-01-01T00:00:00Z`);
  assert.deepEqual(m3.output, []);
});

test('the operator\'s export of the region holds only what the operator may see', async () => {
  const { manifest } = await exportOf(SRV, OP, '/fhir/$export');
  const by = await filesOf(SRV, OP, manifest);
  assert.ok(by.Patient?.length >= 3, 'demographics');
  assert.ok(by.Organization?.length > 0, 'a system export has the directory');
  for (const t of ['Observation', 'Condition', 'MedicationRequest', 'Encounter'])
    assert.equal(by[t], undefined, `the operator sees no ${t}`);
  const pl = await exportOf(SRV, OP, '/fhir/Patient/$export?_type=Patient');
  assert.deepEqual(pl.manifest.output.map((o) => o.type), ['Patient']);
});

test('cancel: DELETE the status URL; the export and its files are gone', async () => {
  const k = await http(SYS, 'GET', `/fhir/Group/${F}/$export`, ASYNC);
  assert.equal(k.status, 202);
  const loc = rel(SRV, k.headers.get('content-location'));
  const not = await http(SYS2, 'DELETE', loc);
  assert.equal(not.status, 404, 'another principal cannot cancel it');
  const d = await http(SYS, 'DELETE', loc);
  assert.equal(d.status, 202, d.text);
  assert.equal((await get(SYS, loc)).status, 404);
  assert.equal((await http(SYS, 'DELETE', loc)).status, 404, 'cancelled once');
  const id = loc.split('/').pop();
  const dir = `${BULK_DIR}/${id}`;
  for (let i = 0; i < 100 && existsSync(dir); i++) await sleep(50);
  assert.equal(existsSync(dir), false, 'its files are deleted');
});

test('import ndjson into an empty region: the same resources; again: nothing new; a bad line quarantined', async () => {
  assert.ok(exported, 'the group export ran');
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-ndjson-'));
  const written = {}; // file → the lines as written
  for (const [t, xs] of Object.entries(exported)) written[`${t}.ndjson`] = xs.map((x) => JSON.stringify(x));
  // a broken line amid good ones: quarantined, the rest imported
  written['Observation.ndjson'].splice(1, 0, '{"resourceType":"Observation", "status": ');
  for (const [f, lines] of Object.entries(written))
    writeFileSync(path.join(dir, f), lines.join(f === 'Observation.ndjson' ? '\r\n' : '\n') + '\n');
  const r1 = await TGT.cli(['import', 'ndjson', dir, '--facility', F]);
  assert.equal(r1.code, 0, r1.stderr + r1.stdout);
  assert.match(r1.stderr, /import/, 'a progress report');
  const errs = await TGT.cli(['ingest', 'errors']);
  // Quarantined: the broken line, and what the write decision refuses F's
  // system exactly as it would over the API — a consent another facility
  // owns (it discloses that facility's records), seen by F under that consent.
  const refused = [];
  for (const l of errs.stdout.split('\n').filter((x) => x.includes('\tndjson\t'))) {
    const [, , , fac, loc, reason] = l.split('\t');
    assert.equal(fac, F);
    if (loc === 'Observation.ndjson:2') {
      assert.match(reason, /not a FHIR resource in JSON/);
      continue;
    }
    const [file, n] = loc.split(':');
    assert.equal(file, 'Consent.ndjson', `${loc}: ${reason}`);
    assert.match(reason, /may not create Consent\/.*only the facility that owns this record may write it/, reason);
    refused.push(JSON.parse(written[file][Number(n) - 1]).id);
  }
  assert.ok(refused.length > 0, 'the region has a consent of another facility for the import to refuse');
  const expected = { ...exported, Consent: exported.Consent.filter((c) => !refused.includes(c.id)) };
  if (!expected.Consent.length) delete expected.Consent;
  const total = Object.values(exported).reduce((n, xs) => n + xs.length, 0);
  const stored = total - refused.length;
  assert.match(r1.stdout, new RegExp(`${total + 1} resources: ${stored} stored, 0 unchanged, ${refused.length + 1} quarantined`), r1.stdout + errs.stdout);

  // exported again from the new region: the same resources by type and content
  const tsys = await TGT.system(F, 'system/*.read');
  const { loc, manifest } = await exportOf(TGT, tsys, `/fhir/Group/${F}/$export`);
  const back = await filesOf(TGT, tsys, manifest);
  assert.deepEqual(Object.keys(back).sort(), Object.keys(expected).sort());
  for (const t of Object.keys(expected))
    assert.equal(back[t].length, expected[t].length, `${t}: count`);
  assert.deepEqual(contents(back), contents(expected));
  // references point at the new ids; registrations carry the facility's local ID
  const pids = new Set(back.Patient.map((p) => p.id));
  for (const o of back.Observation) assert.ok(pids.has(o.subject.reference.split('/')[1]), o.subject.reference);
  for (const p of back.Patient) {
    assert.ok(p.id.startsWith(`${F}-`), p.id);
    assert.equal(p.identifier.filter((i) => i.system === LOCAL_SYSTEM(F)).length, 1);
  }
  // F's own registrations keep their local IDs; another facility's (the same
  // person registered there) get a local ID derived from theirs, which could
  // collide with one of F's
  const locals = (xs) => xs.map((p) => p.identifier.find((i) => i.system === LOCAL_SYSTEM(F))?.value).filter(Boolean).sort();
  const own = locals(exported.Patient);
  assert.ok(own.length > 0);
  const got = locals(back.Patient);
  assert.deepEqual(got.filter((v) => !/^H[0-9a-f]{19}$/.test(v)), own);
  assert.equal(got.length, exported.Patient.length);
  // again: nothing new (while the export above runs towards its expiry)
  const again = await TGT.cli(['import', 'ndjson', dir, '--facility', F]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`0 stored, ${stored} unchanged, ${refused.length + 1} quarantined`), again.stdout);
  const errs2 = await TGT.cli(['ingest', 'errors']);
  assert.equal(errs2.stdout.split('\n').filter((l) => l.includes('\tndjson\t')).length, refused.length + 1, 'a line quarantined again is the same entry');
  // a quarantined line is tried again by importing its folder again, not by replay
  const qid = errs2.stdout.split('\n').find((l) => l.includes('\tndjson\t')).split('\t')[0];
  const rp = await TGT.cli(['ingest', 'replay', qid]);
  assert.equal(rp.code, 1);
  assert.match(rp.stderr, /renkei import ndjson/);
  assert.equal((await TGT.cli(['ingest', 'errors'])).stdout, errs2.stdout, 'the replay changed nothing');

  // past bulk.expiry the export and its files are deleted (the runner's purge, the scheduler's job)
  const exportDir = `${TGT_DIR}/${loc.split('/').pop()}`;
  assert.ok(existsSync(exportDir));
  for (let i = 0; i < 300 && existsSync(exportDir); i++) await sleep(50);
  assert.equal(existsSync(exportDir), false, 'expired files are deleted');
  assert.equal((await get(tsys, rel(TGT, loc))).status, 404, 'an expired export is gone');
  // each line stored is audited with its patient; each export's end names the patients exported
  const rows = (await TGT.cli(['audit', 'list'])).stdout.split('\n').map((l) => l.split('\t'));
  const lines = rows.filter((f) => (f[10] || '').startsWith('NDJSON ') && f[5] === '0');
  assert.equal(lines.length, stored, 'one entry per line stored');
  for (const f of lines) assert.match(f[9], /^\["\d{13}"\]$/, `the patient of ${f[10]}: ${f[9]}`);
  const ends = (await SRV.cli(['audit', 'list'])).stdout.split('\n').map((l) => l.split('\t')).filter((f) => f[3] === 'bulk-export-complete');
  assert.ok(ends.length >= 4, 'each export\'s completion is audited');
  const people = [...new Set(exported.Patient.map((p) => p.identifier.find((i) => i.system === REGION_SYSTEM).value))].sort();
  assert.ok(ends.some((f) => JSON.stringify(JSON.parse(f[9]).sort()) === JSON.stringify(people)),
    `the group export's end names its people ${people}: ${ends.map((f) => f[9])}`);
  assert.ok(readdirSync(dir).length > 0);
});
