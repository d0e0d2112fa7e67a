// bad_input.test.mjs — hostile and malformed input: every case gets a 4xx
// OperationOutcome that says what is wrong, the server keeps serving, and
// nothing is stored (the system history and the Patient count are compared
// before and after every case).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startServer, get, post, put, http, outcome, organization, patient, cleanupStore, run, writeTemp, ROOT, LOCAL_SYSTEM,
  REGION_SYSTEM,
} from './harness.mjs';

let S, A, OP;
const HOSP = '2011000011';
let webRoot;

before(async () => {
  // A web root of our own with a symlink that points out of it.
  webRoot = mkdtempSync(path.join(tmpdir(), 'renkei-web-'));
  copyFileSync(path.join(ROOT, 'web/index.html'), path.join(webRoot, 'index.html'));
  mkdirSync(path.join(webRoot, 'sub'));
  writeFileSync(path.join(webRoot, 'sub', 'ok.txt'), 'fine');
  symlinkSync('/etc/passwd', path.join(webRoot, 'escape.txt'));
  symlinkSync('/etc', path.join(webRoot, 'etcdir'));
  S = await startServer({ sets: ['http.max_body=64K', 'http.max_header=16K', 'http.timeout=2s', `web.root=${webRoot}`] });
  A = await S.login('dr.renkei');
  OP = await S.login('operator');
  await post(A, '/fhir/Patient', patient(HOSP, 'EXISTING'));
});

after(async () => {
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

async function snapshot() {
  const h = await get(OP, '/fhir/_history?_count=1');
  const p = await get(OP, '/fhir/Patient?_summary=count');
  return `${h.json.total}/${p.json.total}`;
}

/** Send a bad request (as the hospital's doctor unless opts.as); assert status,
 * message pattern, and that nothing changed. */
async function refused(method, url, opts, status, pattern) {
  const before = await snapshot();
  const res = await http(opts.as || A, method, url, opts);
  const msg = outcome(res, status);
  if (pattern) assert.match(msg, pattern, `${method} ${url}`);
  assert.equal(await snapshot(), before, `${method} ${url} changed stored data`);
  return msg;
}

const fhirJson = { 'Content-Type': 'application/fhir+json' };

test('malformed and hostile JSON', async () => {
  await refused('POST', '/fhir/Patient', { body: '{"resourceType": "Patient",', headers: fhirJson }, 400, /malformed JSON at line 1/);
  await refused('POST', '/fhir/Patient', { body: '', headers: fhirJson }, 400, /empty/);
  await refused('POST', '/fhir/Patient', { body: '[1,2,3]', headers: fhirJson }, 400, /JSON object/);
  await refused('POST', '/fhir/Patient', { body: '{"resourceType":"Patient","resourceType":"Patient"}', headers: fhirJson }, 400, /duplicate/);
  await refused('POST', '/fhir/Patient', { body: '{"resourceType":"Patient","gender":"ma\\u0000le"}', headers: fhirJson }, 400, /malformed JSON/);
  await refused('POST', '/fhir/Patient', { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: fhirJson }, 400, /UTF-8/);
  await refused('POST', '/fhir/Patient', { body: '['.repeat(100000) + ']'.repeat(100000), headers: fhirJson }, 413, /larger than the limit/);
  await refused('POST', '/fhir/Patient', { body: '['.repeat(30000) + ']'.repeat(30000), headers: fhirJson }, 400, /depth/);
  await refused('POST', '/fhir/Patient', { body: '{"resourceType":"Patient","a":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2001), headers: fhirJson }, 400, /depth|malformed|unknown/);
  await refused('POST', '/fhir/Patient', { body: '{"resourceType":"Patient","multipleBirthInteger":99999999999999999999999}', headers: fhirJson }, 400, /multipleBirthInteger: expected a whole number/);
  await refused('POST', '/fhir/Patient', { body: '{"resourceType":"Patient","multipleBirthInteger":1e400}', headers: fhirJson }, 400, /number '1e400' at line 1, column 50 is beyond the range of a double/);
});

test('wrong resource types, unknown elements, wrong value types', async () => {
  const p = patient(HOSP, 'BAD1');
  await refused('POST', '/fhir/Patient', { body: { ...p, resourceType: 'Observation' } }, 400, /resourceType is 'Observation'/);
  await refused('POST', '/fhir/Patient', { body: { ...p, resourceType: undefined } }, 400, /resourceType is missing/);
  await refused('POST', '/fhir/Foo', { body: { resourceType: 'Foo' } }, 404, /not a FHIR R4 resource type/);
  await refused('POST', '/fhir/Substance', { body: { resourceType: 'Substance' } }, 404, /not served/);
  await refused('POST', '/fhir/Patient', { body: { ...p, favouriteColour: 'blue' } }, 400, /unknown element 'favouriteColour'/);
  await refused('POST', '/fhir/Patient', { body: { ...p, name: 'Yamada' } }, 400, /Patient\.name: expected a JSON array/);
  await refused('POST', '/fhir/Patient', { body: { ...p, active: 'yes' } }, 400, /Patient\.active: expected true or false/);
  await refused('POST', '/fhir/Patient', { body: { ...p, name: [] } }, 400, /empty arrays/);
  await refused('POST', '/fhir/Patient', { body: { ...p, name: [{ family: '' }] } }, 400, /Patient\.name\[0\]\.family: empty strings/);
  await refused('POST', '/fhir/Patient', { body: { ...p, contained: [{ resourceType: 'Organization' }] } }, 400, /contained/);
  await refused('POST', '/fhir/Patient', { body: { ...p, deceasedBoolean: true, deceasedDateTime: '2020-01-01' } }, 400, /only one type of deceased/);
  await refused('POST', '/fhir/Patient', { body: { ...p, extension: [{ url: 'urn:x' }] } }, 400, /either a value\[x\] or nested extensions/);
  const res = await post(A, '/fhir/Patient', { ...p, name: [{ given: ['太郎', 42] }] });
  assert.deepEqual(res.json.issue[0].expression, ['Patient.name[0].given[1]'], 'the location is given as FHIRPath');
});

test('invalid dates and codes', async () => {
  const p = patient(HOSP, 'BAD2');
  await refused('POST', '/fhir/Patient', { body: { ...p, birthDate: '1980-02-30' } }, 400, /not a valid FHIR date/);
  await refused('POST', '/fhir/Patient', { body: { ...p, birthDate: '1980-13-01' } }, 400, /not a valid FHIR date/);
  await refused('POST', '/fhir/Patient', { body: { ...p, birthDate: '1981-02-29' } }, 400, /not a valid FHIR date/);
  await refused('POST', '/fhir/Patient', { body: { ...p, birthDate: '昭和55年' } }, 400, /not a valid FHIR date/);
  await refused('POST', '/fhir/Patient', { body: { ...p, deceasedDateTime: '2020-01-01T10:00:00' } }, 400, /time zone/);
  await refused('POST', '/fhir/Patient', { body: { ...p, gender: 'M' } }, 400, /'M' is not one of male\|female\|other\|unknown/);
  await refused('POST', '/fhir/Patient', { body: { ...p, telecom: [{ system: 'pigeon', value: '1' }] } }, 400, /not one of phone/);
  await refused('POST', '/fhir/Patient', { body: { ...p, telecom: [{ system: 'phone', value: '1', use: ' home' }] } }, 400, /not a valid code/);
  await refused('POST', '/fhir/Patient', { body: { ...p, address: [{ period: { start: '2020-01-01', end: '2019-01-01' } }] } }, 400, /Period\.start is after/);
});

test('JP Core identifiers and the regional ID', async () => {
  const p = patient(HOSP, 'X');
  await refused('POST', '/fhir/Patient', { body: { ...p, identifier: [] } }, 400, /empty arrays/);
  await refused('POST', '/fhir/Patient', { body: { ...p, identifier: [{ system: 'urn:other', value: '1' }] } }, 400, /exactly one local patient ID/);
  await refused('POST', '/fhir/Patient', { body: patient('9999999999', 'X') }, 400, /not a participating facility/);
  await refused('POST', '/fhir/Patient', { body: { ...p, identifier: [{ system: 'urn:oid:1.2.392.100495.20.3.51.1123', value: '1' }] } }, 400, /10-digit facility code/);
  await refused('POST', '/fhir/Patient', { body: patient(HOSP, 'EXISTING') }, 409, /already registered as Patient\//);
  await refused('POST', '/fhir/Patient', { body: patient(HOSP, 'NEW1', { regional: '1234567890123' }) }, 400, /check digit/);
  // a registration never names a regional ID (links are the operator's review),
  // and says so in the same words whether the ID exists or not
  const known = (await post(A, '/fhir/Patient', patient(HOSP, 'RID-SRC'))).json.identifier.find((i) => i.system === REGION_SYSTEM).value;
  const named = await post(A, '/fhir/Patient', patient(HOSP, 'NEW1', { regional: known }), { raw: true });
  const unknown = await post(A, '/fhir/Patient', patient(HOSP, 'NEW1', { regional: '1234567890128' }), { raw: true });
  assert.match(outcome(named, 400), /cannot name a regional patient ID/);
  assert.equal(named.text.replace(/Patient\/[0-9a-z]+/, 'Patient/-'), unknown.text.replace(/Patient\/[0-9a-z]+/, 'Patient/-'));
  await refused('POST', '/fhir/Organization', { body: organization('12345', 'x'), as: OP }, 400, /must be 10 digits/);
  await refused('POST', '/fhir/Patient', { body: { ...p, managingOrganization: { reference: 'Organization/nope' } } }, 400, /does not exist/);
  await refused('POST', '/fhir/Patient', { body: { ...p, managingOrganization: { reference: 'Patient/x' } } }, 400, /not allowed here/);
  await refused('POST', '/fhir/Patient', { body: { ...p, managingOrganization: { reference: 'urn:uuid:0d3bcbb6-3d0c-4c4b-8b2a-7f4d5e3c2b1a' } } }, 400, /transaction Bundle/);
});

test('ids, versions and conflicts', async () => {
  const p = patient(HOSP, 'IDS');
  await refused('PUT', '/fhir/Patient/a%2Fb', { body: { ...p, id: 'a/b' } }, 404, /no such API route/);
  await refused('PUT', '/fhir/Patient/a%00b', { body: { ...p, id: 'a' } }, 400, /not a valid resource id/);
  await refused('PUT', '/fhir/Patient/%E5%B1%B1', { body: { ...p, id: '山' } }, 400, /not a valid resource id/);
  await refused('PUT', '/fhir/Patient/' + 'x'.repeat(65), { body: { ...p, id: 'x'.repeat(65) } }, 400, /not a valid resource id/);
  await refused('PUT', '/fhir/Patient/abc', { body: { ...p, id: 'abd' } }, 400, /differs from the id in the URL/);
  await refused('PUT', '/fhir/Patient/abc', { body: p }, 400, /must carry the resource id/);
  await refused('PUT', '/fhir/Patient/abc', { body: { ...p, id: 'abc' }, headers: { 'If-Match': 'W/"1"' } }, 412, /does not exist/);
  await refused('PUT', '/fhir/Patient/abc', { body: { ...p, id: 'abc' }, headers: { 'If-Match': 'banana' } }, 400, /If-Match/);
  const r = await get(A, '/fhir/Patient/..%2F..%2Fetc%2Fpasswd');
  assert.ok(r.status === 404 && r.json.resourceType === 'OperationOutcome');
  assert.equal((await get(A, '/fhir/Patient/%00')).status, 404);
  // The same version updated twice concurrently: exactly one wins.
  const c = await post(A, '/fhir/Patient', patient(HOSP, 'RACE'));
  const body = { ...c.json, gender: 'female' };
  const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() =>
    put(A, `/fhir/Patient/${c.json.id}`, body, { headers: { 'If-Match': 'W/"1"' } })));
  const codes = results.map((x) => x.status).sort();
  assert.equal(codes.filter((x) => x === 200).length, 1, `one update wins: ${codes}`);
  assert.ok(codes.filter((x) => x !== 200).every((x) => x === 412 || x === 409 || x === 503), `the others are refused: ${codes}`);
});

test('narratives that would run in another client are refused, and nothing is stored', async () => {
  const xhtml = (body) => `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>`;
  const withText = (localId, div) => ({ ...patient(HOSP, localId), text: { status: 'generated', div } });
  const msg = await refused('POST', '/fhir/Patient', { body: withText('NAR1', xhtml('<p>山田 太郎</p><script>alert(1)</script>')) },
    400, /^Patient\.text\.div: element <script> is not allowed/);
  assert.doesNotMatch(msg, /libxml|xmlParse/);
  await refused('POST', '/fhir/Patient', { body: withText('NAR2', xhtml('<img src="x.png" onload="alert(1)"/>')) },
    400, /^Patient\.text\.div: event attribute 'onload' on <img>/);
  await refused('POST', '/fhir/Patient', { body: withText('NAR3', xhtml('<a href="javascript:alert(1)">x</a>')) },
    400, /URL scheme 'javascript:'/);
  await refused('POST', '/fhir/Patient', { body: withText('NAR4', xhtml('<iframe src="https://evil.example/"></iframe>')) },
    400, /element <iframe> is not allowed/);
  await refused('POST', '/fhir/Patient', {
    body: withText('NAR5', '<!DOCTYPE div [<!ENTITY x SYSTEM "file:///etc/passwd">]><div xmlns="http://www.w3.org/1999/xhtml">&x;</div>'),
  }, 400, /a DOCTYPE is not allowed/);
  await refused('POST', '/fhir/Patient', { body: withText('NAR6', xhtml('<p>x</div>')) }, 400, /not well-formed XHTML \(line 1/);
  await refused('POST', '/fhir/Patient', { body: withText('NAR7', '<div>x</div>') }, 400, /XHTML namespace/);
  await refused('POST', '/fhir/Patient', { body: withText('NAR8', xhtml(' ')) }, 400, /no content/);
  const r = await http(A, 'POST', '/fhir/Patient', { body: withText('NAR9', xhtml('<p>x</p><script>1</script>')) });
  assert.deepEqual(r.json.issue[0].expression, ['Patient.text.div']);
  // An update and a transaction Bundle take the same check.
  const c = await post(A, '/fhir/Patient', withText('NAR10', xhtml('<p>山田 <b>太郎</b></p>')));
  assert.equal(c.status, 201, c.text);
  await refused('PUT', `/fhir/Patient/${c.json.id}`, { body: { ...c.json, text: { status: 'generated', div: xhtml('<form><input/></form>') } } },
    400, /element <form> is not allowed/);
  await refused('POST', '/fhir', {
    body: { resourceType: 'Bundle', type: 'transaction', entry: [{
      fullUrl: 'urn:uuid:5b0f4a43-1d7e-4a8e-9a43-1f0e1f6f7a01',
      resource: withText('NAR11', xhtml('<p onclick="alert(1)">x</p>')), request: { method: 'POST', url: 'Patient' } }] },
  }, 400, /Patient\.text\.div: event attribute 'onclick'/);
  const stored = await get(A, `/fhir/Patient/${c.json.id}`);
  assert.equal(stored.json.meta.versionId, '1', 'the refused update left the stored version alone');
});

test('content types, methods, sizes', async () => {
  const p = patient(HOSP, 'CT');
  await refused('POST', '/fhir/Patient', { body: JSON.stringify(p), headers: { 'Content-Type': 'application/xml' } }, 415, /not supported/);
  await refused('POST', '/fhir/Patient', { body: JSON.stringify(p), headers: { 'Content-Type': '' } }, 415);
  await refused('POST', '/fhir/Patient', { body: { ...p, text: { status: 'generated', div: '<div>' + 'あ'.repeat(30000) + '</div>' } } }, 413, /larger than the limit/);
  const m = await refused('PATCH', '/fhir/Patient', {}, 405, /not allowed/);
  assert.ok(m);
  const allow = await http(A, 'PATCH', '/fhir/Patient');
  assert.match(allow.headers.get('allow'), /GET/);
  await refused('PATCH', '/fhir/Patient/x', { body: [{ op: 'remove', path: '/gender' }] }, 415, /json-patch\+json/);
  await refused('GET', '/fhir/Patient?_format=xml', {}, 406, /JSON only/);
  await refused('POST', '/fhir/metadata', { body: {} }, 404);
  await refused('DELETE', '/nothing/here', {}, 404);
});

test('search parameters', async () => {
  await refused('GET', '/fhir/Patient?colour=blue', {}, 400, /unknown search parameter 'colour'/);
  await refused('GET', '/fhir/Patient?_count=100000', {}, 400, /above the maximum/);
  await refused('GET', '/fhir/Patient?_count=-1', {}, 400, /_count/);
  await refused('GET', '/fhir/Patient?_offset=99999999', {}, 400, /_offset/);
  await refused('GET', '/fhir/Patient?birthdate=1980-02-30', {}, 400, /is not a date/);
  await refused('GET', '/fhir/Patient?birthdate=xx1980', {}, 400, /unknown prefix/);
  await refused('GET', '/fhir/Patient?name:sounds=x', {}, 400, /modifier ':sounds'/);
  await refused('GET', '/fhir/Patient?organization.name=x', {}, 400, /chained/);
  await refused('GET', '/fhir/Patient?_has:Observation:patient:code=1', {}, 400, /not supported/);
  await refused('GET', '/fhir/Patient?_include:iterate=Patient:organization', {}, 400, /not supported/);
  await refused('GET', '/fhir/Patient?name=', {}, 400, /empty value/);
  await refused('GET', '/fhir/Patient?gender:missing=maybe', {}, 400, /true or false/);
  await refused('GET', '/fhir/Patient?_sort=colour', {}, 400, /not a sortable/);
  await refused('GET', '/fhir/Patient?name=' + 'a'.repeat(300), {}, 400, /longer than/);
  await refused('GET', '/fhir/Patient?' + Array.from({ length: 70 }, (_, i) => `gender=male`).join('&'), {}, 400, /too many|more than/);
  await refused('GET', '/fhir/Patient/_history?_since=yesterday', {}, 400, /instant/);
  // _count, _offset and _since outside a search: one parser each (api/params.c), the same words everywhere
  await refused('GET', '/fhir/Patient/_history?_count=0', {}, 400, /^_count must be 1\.\.1000$/);
  await refused('GET', '/fhir/Patient/_history?_offset=-1', {}, 400, /^_offset must be 0\.\.1000000$/);
  await refused('GET', '/fhir/Patient/x/$everything?_count=x', {}, 400, /^_count must be 0\.\.\d+$/);
  await refused('GET', '/fhir/Patient/x/$everything?_offset=x', {}, 400, /^_offset must be 0\.\.1000000$/);
  await refused('GET', '/fhir/Patient/x/$everything?_since=2026-01-01', {}, 400, /^_since must be an instant \(YYYY-MM-DDThh:mm:ss\+zz:zz\), not '2026-01-01'$/);
  await refused('GET', '/fhir/_history?_since=yesterday', {}, 400, /^_since must be an instant .*, not 'yesterday'$/);
  // lenient handling ignores what it does not know
  const lenient = await get(A, '/fhir/Patient?colour=blue', { headers: { Prefer: 'handling=lenient' } });
  assert.equal(lenient.status, 200);
  // SQL metacharacters are data, never SQL
  for (const v of ["' OR 1=1 --", '"; DROP TABLE resource; --', '%', '_', '\\', "山田'--"]) {
    const r = await get(A, `/fhir/Patient?name=${encodeURIComponent(v)}&identifier=${encodeURIComponent(v)}`);
    assert.equal(r.status, 200, v);
    assert.equal(r.json.total, 0, `no match for ${v}`);
  }
  assert.equal((await get(A, '/fhir/Patient?_summary=count')).json.total >= 1, true, 'the table is still there');
});

test('static files never leave the web root', async () => {
  assert.equal((await get(S, '/sub/ok.txt')).text, 'fine');
  for (const p of ['/escape.txt', '/etcdir/passwd', '/../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/sub/../../etc/passwd',
    '/.hidden', '/sub/%2e%2e/%2e%2e/etc/passwd', '/%00', '/sub/..%5c..%5cetc%5cpasswd']) {
    // fetch normalises dot segments itself, so send the raw request line.
    const res = await rawRequest(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(res, /^HTTP\/1\.1 404/, `${p} → ${res.split('\r\n')[0]}`);
    assert.doesNotMatch(res, /root:/);
  }
});

function rawRequest(text, { waitClose = true } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(S.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('error', reject);
    sock.on('close', () => resolve(data));
    sock.write(text);
    if (!waitClose) setTimeout(() => { sock.destroy(); resolve(data); }, 500);
  });
}

test('oversized headers, slow and idle clients', async () => {
  const big = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\nConnection: close\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 (431|413|400)/, 'a huge header is refused');
  // 1,000 idle connections: the server still answers, and drops them after http.timeout
  const idle = [];
  for (let i = 0; i < 1000; i++) {
    idle.push(await new Promise((resolve) => {
      const s = net.connect(S.port, '127.0.0.1', () => resolve(s));
      s.on('error', () => {});
    }));
  }
  // (fresh sockets: a pooled keep-alive connection may itself have timed out)
  const h = await rawRequest('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(h, /^HTTP\/1\.1 200/, 'answers while 1,000 connections idle');
  // a client that sends half a request line and stops
  const slow = net.connect(S.port, '127.0.0.1');
  slow.write('GET /fhir/meta');
  const closedAt = await Promise.race([
    Promise.all(idle.slice(0, 50).map((s) => new Promise((r) => s.on('close', r)))).then(() => 'closed'),
    new Promise((r) => setTimeout(() => r('still open'), 6000)),
  ]);
  assert.equal(closedAt, 'closed', 'idle connections are closed after the time-out');
  await new Promise((r) => (slow.destroyed ? r() : slow.on('close', r)));
  for (const s of idle) s.destroy();
  assert.match(await rawRequest('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200/);
});

test('configuration refuses unsafe and unknown settings', async () => {
  await new Promise((r) => setTimeout(r, 2500)); // let pooled keep-alive connections time out first
  // an unknown login ID and a wrong password are answered alike
  const nobody = await http(S, 'POST', '/api/session', { body: { account: 'nobody.here', password: 'x' } });
  const wrong = await http(S, 'POST', '/api/session', { body: { account: 'ns.renkei', password: 'wrong password' } });
  assert.equal(nobody.status, 401);
  assert.equal(wrong.status, 401);
  assert.equal(nobody.json.issue[0].diagnostics, wrong.json.issue[0].diagnostics);
  const open = await run(['serve', '--set', 'http.listen=0.0.0.0:0', '--set', 'store.url=sqlite:/nonexistent/x.db']);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /refusing to listen on non-loopback address 0\.0\.0\.0 without TLS/);
  const conf = writeTemp('renkei.conf', '# test\nhttp.listen = 127.0.0.1:0\nhttp.theads = 4\n');
  const unknown = await run(['config', 'check', '-c', conf]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /renkei\.conf:3: unknown option 'http\.theads'/);
  const bounds = await run(['config', 'check', '--set', 'http.threads=100000']);
  assert.match(bounds.stderr, /outside the allowed range 1\.\.256/);
  const nodb = await run(['serve', '--set', 'http.listen=127.0.0.1:0', '--set', 'store.url=sqlite:/nonexistent/dir/x.db']);
  assert.equal(nodb.code, 1);
  assert.match(nodb.stderr, /cannot open SQLite database/);
});

test('the server is still healthy and the data intact after all of it', async () => {
  const r = await get(A, `/fhir/Patient?identifier=${encodeURIComponent(`${LOCAL_SYSTEM(HOSP)}|EXISTING`)}`);
  assert.equal(r.json.total, 1);
  assert.equal((await get(S, '/healthz')).json.status, 'ok');
});
