// summary.test.mjs — the emergency summary (Patient/$summary, IPS): the
// document Bundle's Composition and sections with their LOINC codes, the
// national 救急用サマリー's windows (a dispense of 40 days ago in, a
// prescription of 100 days ago out, the latest lab value of each code,
// operations of 5 years, dialysis whenever), anaphylaxis first; a caller
// without consent gets what a missing patient gets; under a break-the-glass
// episode the summary appears; a refused patient shows only the refusal; the
// A4 PDF's text; the shared SS-MIX2 sample's summary; the 救急医療情報シート's QR
// code (decoded with zbarimg) carries an opaque link and no clinical data,
// resolves after login, and reports itself stale when the content changes;
// disaster mode opens the summary categories until it ends; a facility's
// sheets print as one PDF, on the API and the command line; the
// region kit (renkei kit region) decrypts in node's WebCrypto with the
// algorithm its HTML uses, and a wrong passphrase fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, startServer, get, post, http, outcome, patient, totp, cleanupStore, DEMO_PASSWORD, DEMO_SECRET } from './harness.mjs';

const S_FAC = '2011000011'; // 信州れんけい総合病院: registers and records
const F_FAC = '2011000029'; // あずみの中央病院: its staff break the glass
const SAMPLE = path.resolve(ROOT, '../shared/testdata/ssmix2-sample/sampleData');
const ICD10 = 'http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full';
const HOT9 = 'urn:oid:1.2.392.200119.4.403.1';
const JLAC10 = 'urn:oid:1.2.392.200119.4.504';
const cc = (system, code, display) => ({ coding: [{ system, code, display }], text: display });
const ref = (type, id) => ({ reference: `${type}/${id}` });
const DAY = 86400000;
const ago = (days) => new Date(Date.now() - days * DAY).toISOString().slice(0, 10);
const active = (kind) => cc(`http://terminology.hl7.org/CodeSystem/${kind}-clinical`, 'active', 'active');

let SRV, SD, DA, CDR, NF, work;
const P = {};

async function create(who, body) {
  const r = await post(who, `/fhir/${body.resourceType}`, body);
  assert.equal(r.status, 201, `${body.resourceType}: ${r.text}`);
  return r.json;
}

async function pdf(who, url) {
  const r = await fetch(`${who.origin}${url}`, { headers: { Cookie: who.headers.Cookie } });
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.equal(r.status, 200, bytes.toString());
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  return bytes;
}
const pdfText = (bytes) => execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: bytes }).toString();
const squash = (s) => s.replace(/\s+/g, '');

const section = (bundle, loinc) => bundle.entry[0].resource.section.find((s) => s.code.coding[0].code === loinc);
function lines(bundle, loinc) {
  const s = section(bundle, loinc);
  if (!s || !s.entry) return [];
  const byRef = new Map(bundle.entry.map((e) => [`${e.resource.resourceType}/${e.resource.id}`, e.resource]));
  return s.entry.map((e) => byRef.get(e.reference));
}
const names = (rs) => rs.map((r) => r.code?.text || r.medicationCodeableConcept?.text || r.code?.coding?.[0]?.display);

before(async () => {
  SRV = await startServer();
  SD = await SRV.login('dr.renkei');
  DA = await SRV.login('dr.azumino');
  CDR = await SRV.login('dr.yamabiko');
  NF = await SRV.newStaff('ns.summary', F_FAC, 'nurse');
  work = mkdtempSync(path.join(tmpdir(), 'renkei-summary-'));
  let r = await post(SD, '/fhir/Patient', patient(S_FAC, 'SUM1', { family: '救急', given: '花子', familyKana: 'キュウキュウ', givenKana: 'ハナコ', gender: 'female' }));
  assert.equal(r.status, 201, r.text);
  P.one = r.json.id;
  r = await post(SD, '/fhir/Patient', patient(S_FAC, 'SUM2', { family: '拒否', familyKana: 'キョヒ' }));
  assert.equal(r.status, 201, r.text);
  P.refused = r.json.id;
  const p = ref('Patient', P.one);
  await create(SD, { resourceType: 'AllergyIntolerance', clinicalStatus: active('allergyintolerance'), type: 'allergy',
    category: ['food'], criticality: 'low', code: { text: '卵' }, patient: p, recordedDate: ago(20) });
  await create(SD, { resourceType: 'AllergyIntolerance', clinicalStatus: active('allergyintolerance'), type: 'allergy',
    category: ['medication'], criticality: 'high', code: cc(HOT9, '100795402', 'ペニシリン系抗菌薬'), patient: p, recordedDate: ago(900),
    reaction: [{ manifestation: [cc('http://snomed.info/sct', '39579001', 'アナフィラキシー')], severity: 'severe' }] });
  await create(SD, { resourceType: 'Condition', clinicalStatus: active('condition'), code: cc(ICD10, 'I10', '本態性高血圧症'), subject: p, onsetDateTime: ago(2000),
    verificationStatus: cc('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'provisional', 'provisional') });
  await create(SD, { resourceType: 'Condition', clinicalStatus: active('condition'), code: cc(ICD10, 'B181', 'Ｂ型慢性肝炎'), subject: p, onsetDateTime: ago(3000) });
  await create(SD, { resourceType: 'Condition', clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'resolved', 'resolved'),
    code: cc(ICD10, 'J189', '肺炎'), subject: p, onsetDateTime: ago(400), abatementDateTime: ago(380) });
  await create(SD, { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: cc(HOT9, '100000101', 'ワルファリンカリウム錠１ｍｇ'),
    subject: p, authoredOn: ago(100), dosageInstruction: [{ text: '1日1回 朝食後' }] });
  await create(SD, { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: cc(HOT9, '100000102', 'メトホルミン塩酸塩錠２５０ｍｇ'),
    subject: p, authoredOn: ago(60), dosageInstruction: [{ text: '1回1錠 1日2回 朝夕食後' }] });
  await create(SD, { resourceType: 'MedicationDispense', status: 'completed', medicationCodeableConcept: cc(HOT9, '100000103', 'アムロジピン錠５ｍｇ'),
    subject: p, whenHandedOver: `${ago(40)}T10:00:00+09:00`, quantity: { value: 28, unit: '錠' } });
  await create(SD, { resourceType: 'MedicationDispense', status: 'completed', medicationCodeableConcept: cc(HOT9, '100000104', 'ロキソプロフェン錠６０ｍｇ'),
    subject: p, whenHandedOver: `${ago(50)}T10:00:00+09:00`, quantity: { value: 10, unit: '錠' } });
  for (const [v, d] of [[7.9, 200], [7.1, 30]]) {
    await create(SD, { resourceType: 'Observation', status: 'final', code: cc(JLAC10, '3D046000001920402', 'HbA1c'), subject: p,
      effectiveDateTime: `${ago(d)}T09:00:00+09:00`, valueQuantity: { value: v, unit: '%', system: 'http://unitsofmeasure.org', code: '%' } });
  }
  await create(SD, { resourceType: 'Observation', status: 'final', subject: p, effectiveDateTime: `${ago(2)}T09:00:00+09:00`,
    category: [cc('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'バイタル')],
    code: cc('http://loinc.org', '8480-6', '収縮期血圧'), valueQuantity: { value: 138, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } });
  await create(SD, { resourceType: 'Procedure', status: 'completed', code: { text: '胃切除術' }, subject: p, performedDateTime: ago(3 * 365) });
  await create(SD, { resourceType: 'Procedure', status: 'completed', code: { text: '虫垂切除術' }, subject: p, performedDateTime: ago(7 * 365) });
  await create(SD, { resourceType: 'Procedure', status: 'in-progress', code: { text: '血液透析（週3回）' }, subject: p, performedPeriod: { start: ago(8 * 365) } });
  await create(SD, { resourceType: 'Procedure', status: 'completed', code: { text: 'ペースメーカー植込術' }, subject: p, performedDateTime: ago(6 * 365) });
  // the refused patient: a record, and a refusal covering every facility
  await create(SD, { resourceType: 'Condition', clinicalStatus: active('condition'), code: cc(ICD10, 'E119', '２型糖尿病'), subject: ref('Patient', P.refused) });
  await create(SD, { resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'refusal' }] }],
    patient: ref('Patient', P.refused), dateTime: ago(10), provision: { type: 'deny', actor: [
      { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: `Organization/org-${F_FAC}` } }] },
    sourceAttachment: { contentType: 'application/pdf', title: '拒否書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') } });
});

after(async () => {
  await SRV.checkAudit();
  assert.equal(await SRV.stop(), 0);
  cleanupStore(SRV.store);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the document Bundle: Composition 60591-5, the IPS sections, windows and order', async () => {
  const t0 = performance.now();
  const r = await get(SD, `/fhir/Patient/${P.one}/$summary`);
  const ms = performance.now() - t0;
  assert.equal(r.status, 200, r.text);
  assert.ok(ms < 1000, `answered in ${ms} ms`);
  const b = r.json;
  assert.equal(b.resourceType, 'Bundle');
  assert.equal(b.type, 'document');
  const comp = b.entry[0].resource;
  assert.equal(comp.resourceType, 'Composition');
  assert.equal(comp.type.coding[0].code, '60591-5');
  assert.equal(comp.subject.reference, `Patient/${P.one}`);
  assert.equal(b.entry[1].resource.resourceType, 'Patient');
  const codes = comp.section.map((s) => s.code.coding[0].code);
  for (const c of ['48765-2', '11450-4', '10160-0', '30954-2', '47519-4', '46264-8'])
    assert.ok(codes.includes(c), `section ${c} in ${codes}`);
  // allergies: anaphylaxis first
  assert.deepEqual(names(lines(b, '48765-2')), ['ペニシリン系抗菌薬', '卵']);
  assert.match(section(b, '48765-2').text.div, /アナフィラキシー/);
  // problems: the infection first, the resolved one absent
  assert.deepEqual(names(lines(b, '11450-4')), ['Ｂ型慢性肝炎', '本態性高血圧症']);
  assert.match(section(b, '11450-4').text.div, /本態性高血圧症<\/td><td>疑い/);
  // medicines: dispensed within 45 days, prescribed within 90
  const meds = names(lines(b, '10160-0'));
  assert.ok(meds.includes('アムロジピン錠５ｍｇ'), `40-day-old dispense present: ${meds}`);
  assert.ok(meds.includes('メトホルミン塩酸塩錠２５０ｍｇ'), `60-day-old prescription present: ${meds}`);
  assert.ok(!meds.includes('ワルファリンカリウム錠１ｍｇ'), `100-day-old prescription absent: ${meds}`);
  assert.ok(!meds.includes('ロキソプロフェン錠６０ｍｇ'), `50-day-old dispense absent: ${meds}`);
  // results: the latest value of each lab test (not the vital signs)
  const labs = lines(b, '30954-2');
  assert.equal(labs.length, 1, JSON.stringify(names(labs)));
  assert.equal(labs[0].valueQuantity.value, 7.1);
  // procedures: 5 years, dialysis whenever; the pacemaker is a device
  const procs = names(lines(b, '47519-4'));
  assert.ok(procs.includes('胃切除術') && procs.includes('血液透析（週3回）'), procs.join());
  assert.ok(!procs.includes('虫垂切除術') && !procs.includes('ペースメーカー植込術'), procs.join());
  assert.deepEqual(names(lines(b, '46264-8')), ['ペースメーカー植込術']);
  // each line names its source facility and date
  assert.match(section(b, '10160-0').text.div, /信州れんけい総合病院/);
  assert.ok(section(b, '10160-0').text.div.includes(ago(40)));
  const line = section(b, '10160-0').entry.find((e) => e.display === 'アムロジピン錠５ｍｇ');
  const ext = Object.fromEntries(line.extension[0].extension.map((x) => [x.url, x.valueString || x.valueDate]));
  assert.deepEqual([ext.facility, ext.facilityCode, ext.date], ['信州れんけい総合病院', S_FAC, ago(40)]);
  assert.equal(section(b, '48765-2').entry[0].extension[0].extension.find((x) => x.url === 'flag').valueString, 'アナフィラキシー');
  // the read is audited, naming the records
  const audit = await get(await SRV.login('operator'), '/fhir/AuditEvent?agent=dr.renkei&event=summary&_count=100');
  assert.equal(audit.status, 200, audit.text);
  assert.ok((audit.json.entry || []).some((e) => (e.resource.entity || []).some((x) => x.what?.reference?.startsWith('MedicationDispense/'))),
    'the $summary read names the records it served');
});

test('the CapabilityStatement names the operation', async () => {
  const cap = await get(SRV, '/fhir/metadata');
  const pat = cap.json.rest[0].resource.find((r) => r.type === 'Patient');
  assert.ok(pat.operation.some((o) => o.name === 'summary' && o.definition.endsWith('/ips/OperationDefinition/summary')));
});

test('an empty required section carries emptyReason; bad parameters are refused', async () => {
  const r = await get(SD, `/fhir/Patient/${P.refused}/$summary`); // own facility: sees the diagnosis, no allergy
  assert.equal(r.status, 200, r.text);
  const a = section(r.json, '48765-2');
  assert.equal(a.emptyReason.coding[0].code, 'unavailable');
  assert.equal(a.entry, undefined);
  outcome(await get(SD, `/fhir/Patient/${P.one}/$summary?foo=1`), 400);
  outcome(await get(SD, `/fhir/Patient/${P.one}/$summary?_format=xml`), 406);
  outcome(await get(SD, `/api/summary/${P.one}/pdf?x=1`), 400);
  outcome(await get(SD, '/api/summary/sheet/not-a-token'), 404);
});

test('without consent: what a missing patient gets; under break-the-glass: the summary', async () => {
  const hidden = await get(CDR, `/fhir/Patient/${P.one}/$summary`);
  const ghost = await get(CDR, '/fhir/Patient/no-such-patient/$summary');
  outcome(hidden, 404);
  outcome(ghost, 404);
  assert.equal(JSON.stringify(hidden.json).replace(P.one, 'X'), JSON.stringify(ghost.json).replace('no-such-patient', 'X'));
  outcome(await get(DA, `/fhir/Patient/${P.one}/$summary`), 404);
  const re = await post(DA, '/api/reauth', { password: DEMO_PASSWORD, code: totp(DEMO_SECRET, Date.now() + 30000) });
  assert.equal(re.status, 200, re.text);
  const ep = await post(DA, '/api/emergency', { patient: `Patient/${P.one}`, reason_code: 'unconscious', reason_text: '意識障害で搬送' });
  assert.equal(ep.status, 201, ep.text);
  const r = await get(DA, `/fhir/Patient/${P.one}/$summary`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(names(lines(r.json, '48765-2')), ['ペニシリン系抗菌薬', '卵']);
});

test('a refused patient: an emergency user sees only the refusal', async () => {
  const before = await get(NF, `/fhir/Patient/${P.refused}/$summary`);
  outcome(before, 404); // no episode: as missing
  const ep = await post(NF, '/api/emergency', { patient: `Patient/${P.refused}`, reason_code: 'unconscious', reason_text: '意識障害',
    password: NF.password, code: totp(NF.secret, Date.now() + 30000) });
  assert.equal(ep.status, 201, ep.text);
  const r = await get(NF, `/fhir/Patient/${P.refused}/$summary`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.meta.tag[0].code, 'refused');
  assert.equal(r.json.entry.length, 1, 'the Composition only: no Patient, no record');
  const comp = r.json.entry[0].resource;
  for (const s of comp.section) {
    assert.equal(s.emptyReason.coding[0].code, 'withheld');
    assert.equal(s.entry, undefined);
  }
  assert.ok(!JSON.stringify(r.json).includes('糖尿病'), 'no clinical content');
  assert.ok(!JSON.stringify(r.json).includes('キョヒ'), 'not even the name');
  const text = squash(pdfText(await pdf(NF, `/api/summary/${P.refused}/pdf`)));
  assert.ok(text.includes('本人の拒否により表示できません') && !text.includes('糖尿病'), text);
});

test('the A4 PDF: one page with the allergies, diagnoses and medicines, their facility and 作成日時', async () => {
  const bytes = await pdf(SD, `/fhir/Patient/${P.one}/$summary?_format=pdf`);
  const info = execFileSync('pdfinfo', ['-'], { input: bytes }).toString();
  assert.match(info, /Pages:\s+1\b/);
  const text = squash(pdfText(bytes));
  for (const w of ['救急用サマリー', '作成日時', '救急花子', 'ペニシリン系抗菌薬', 'アナフィラキシー', 'Ｂ型慢性肝炎', '本態性高血圧症',
    'アムロジピン錠５ｍｇ', 'メトホルミン塩酸塩錠２５０ｍｇ', '信州れんけい総合病院', ago(40)])
    assert.ok(text.includes(squash(w)), `${w} in the PDF`);
  assert.ok(!text.includes('ワルファリン'));
});

test('the 救急医療情報シート: the QR code carries an opaque link, resolves after login, goes stale', async () => {
  const bytes = await pdf(SD, `/api/summary/${P.one}/sheet`);
  const text = squash(pdfText(bytes));
  assert.ok(text.includes('救急医療情報シート') && text.includes('作成日') && text.includes('ペニシリン系抗菌薬'), text);
  const file = path.join(work, 'sheet.pdf');
  writeFileSync(file, bytes);
  execFileSync('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', file, path.join(work, 'sheet')]);
  const png = ['sheet-1.png', 'sheet-01.png'].map((f) => path.join(work, f)).find(existsSync);
  const url = execFileSync('zbarimg', ['-q', '--raw', png]).toString().trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/summary\.html\?sheet=[0-9a-z]{26}$/);
  for (const w of [P.one, 'SUM1', '救急', 'キュウキュウ', 'ペニシリン']) assert.ok(!url.includes(w), `${w} not in the QR`);
  const token = url.split('sheet=')[1];
  // after login the token names the patient; for others it is not there
  const mine = await get(SD, `/api/summary/sheet/${token}`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.patient, `Patient/${P.one}`);
  outcome(await get(CDR, `/api/summary/sheet/${token}`), 404); // a clinic doctor: no consent, no break-the-glass
  outcome(await get(SD, '/api/summary/sheet/0000000000000000000000000a'), 404);
  const unauth = await fetch(`${SRV.origin}/api/summary/sheet/${token}`);
  assert.equal(unauth.status, 401);
  // the sheet of a deleted registration is as unknown as any other
  const gone = await post(SD, '/fhir/Patient', patient(S_FAC, 'SUM3', { family: '削除', familyKana: 'サクジョ' }));
  assert.equal(gone.status, 201, gone.text);
  await pdf(SD, `/api/summary/${gone.json.id}/sheet`);
  const goneToken = (await get(SD, `/api/summary/${gone.json.id}/sheet-status`)).json.token;
  assert.match(goneToken, /^[0-9a-z]{26}$/);
  const del = await http(SD, 'DELETE', `/fhir/Patient/${gone.json.id}`);
  assert.ok(del.status === 200 || del.status === 204, del.text);
  const g = await get(SD, `/api/summary/sheet/${goneToken}`);
  outcome(g, 404);
  assert.ok(!g.text.includes(gone.json.id) && /this sheet is not known/.test(g.text), g.text);
  // fresh after printing; stale once the content changes
  let st = await get(SD, `/api/summary/${P.one}/sheet-status`);
  assert.equal(st.json.stale, false, st.text);
  await create(SD, { resourceType: 'Condition', clinicalStatus: active('condition'), code: cc(ICD10, 'I489', '心房細動'), subject: ref('Patient', P.one) });
  st = await get(SD, `/api/summary/${P.one}/sheet-status`);
  assert.equal(st.json.stale, true, st.text);
  await pdf(SD, `/api/summary/${P.one}/sheet`);
  st = await get(SD, `/api/summary/${P.one}/sheet-status`);
  assert.equal(st.json.stale, false, 'printed again');
});

test('a facility prints its patients\' sheets as one PDF, and only its own', async () => {
  const bytes = await pdf(SD, `/api/summary/sheets?facility=${S_FAC}`);
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', ['-'], { input: bytes }).toString())[1]);
  assert.ok(pages >= 2, `${pages} pages`);
  const text = squash(pdfText(bytes));
  assert.ok(text.includes('救急花子'));
  const none = await get(SD, `/api/summary/sheets?facility=${S_FAC}&only=stale`);
  outcome(none, 404); // every sheet was printed just now
  assert.match(none.json.issue[0].diagnostics, /no stale sheet/);
  outcome(await get(SD, `/api/summary/sheets?facility=${S_FAC}&only=old`), 400);
  outcome(await get(SD, `/api/summary/sheets?facility=${F_FAC}`), 403);
  outcome(await get(SD, '/api/summary/sheets'), 400);
});

test('renkei kit sheets and kit region: one PDF, and an encrypted HTML kit that WebCrypto opens', async () => {
  const sheets = path.join(work, 'kit-sheets.pdf');
  let r = await SRV.cli(['kit', 'sheets', '--facility', S_FAC, '--out', sheets]);
  assert.equal(r.code, 0, r.stderr);
  const text = squash(pdfText(readFileSync(sheets)));
  assert.ok(text.includes('救急医療情報シート') && text.includes('救急花子') && text.includes('ペニシリン系抗菌薬'));
  // only the sheets whose summary changed since they were printed
  r = await SRV.cli(['kit', 'sheets', '--facility', S_FAC, '--out', sheets, '--only', 'stale']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /every printed sheet is current/);
  await create(SD, { resourceType: 'AllergyIntolerance', clinicalStatus: active('allergyintolerance'), type: 'allergy',
    category: ['environment'], code: { text: 'ラテックス' }, patient: ref('Patient', P.one), recordedDate: ago(1) });
  r = await SRV.cli(['kit', 'sheets', '--facility', S_FAC, '--out', sheets, '--only', 'stale']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: 1 sheets of/);
  const again = squash(pdfText(readFileSync(sheets)));
  assert.ok(again.includes('救急花子') && again.includes('ラテックス'), again);
  const pass = path.join(work, 'pass.txt'), kit = path.join(work, 'kit.html');
  writeFileSync(pass, 'sho-rt\n');
  r = await SRV.cli(['kit', 'region', '--facility', S_FAC, '--out', kit, '--passphrase-file', pass]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /at least 12 characters/);
  assert.ok(!existsSync(kit), 'nothing written');
  writeFileSync(pass, 'あずさ川の桜 2026 spring\n');
  r = await SRV.cli(['kit', 'region', '--facility', S_FAC, '--out', kit, '--passphrase-file', pass]);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(kit, 'utf8');
  for (const w of ['救急花子', 'ペニシリン', 'キュウキュウ', P.one]) assert.ok(!html.includes(w), `${w} not in clear`);
  const K = JSON.parse(/<script type="application\/json" id="kit">([^<]*)<\/script>/.exec(html)[1]);
  assert.deepEqual([K.kdf, K.cipher, K.facility], ['PBKDF2-SHA256', 'AES-256-GCM', S_FAC]);
  assert.ok(K.iterations >= 600000);
  assert.ok(html.includes("crypto.subtle.deriveKey({ name: 'PBKDF2'") && html.includes("name: 'AES-GCM'"), 'the HTML decrypts with the same algorithm');
  const { subtle } = globalThis.crypto;
  const open = async (passphrase) => {
    const base = await subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey']);
    const key = await subtle.deriveKey({ name: 'PBKDF2', salt: Buffer.from(K.salt, 'base64'), iterations: K.iterations, hash: 'SHA-256' },
      base, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: Buffer.from(K.iv, 'base64'), additionalData: new TextEncoder().encode(K.aad), tagLength: 128 },
      key, Buffer.from(K.ciphertext, 'base64'));
    return JSON.parse(new TextDecoder().decode(plain));
  };
  const data = await open('あずさ川の桜 2026 spring');
  const one = data.patients.find((p) => p.patient.id === P.one);
  assert.ok(one, 'the facility\'s patient is in the kit');
  assert.equal(one.patient.name, '救急 花子');
  const allergy = one.sections.find((x) => x.code === '48765-2');
  assert.deepEqual([allergy.lines[0].text, allergy.lines[0].flag], ['ペニシリン系抗菌薬', 'アナフィラキシー']);
  assert.ok(!data.patients.some((p) => p.patient.id === P.refused && p.sections.some((x) => x.lines.length && x.code === '11450-4' && JSON.stringify(x).includes('拒否'))));
  await assert.rejects(open('あずさ川の桜 2026 sprinG'), 'a wrong passphrase does not open it');
});

// The sample's only problem list (PPR-01) names another patient in PID-3 and
// is quarantined by the import (ssmix2_import.test.mjs): 9999013 has no
// diagnosis to show, and its required section says so (emptyReason). Its
// prescriptions are of 2011: outside the windows, the newest day's are shown
// flagged 最終処方（期間外）.
test('the shared SS-MIX2 sample: its allergies, prescriptions and labs', { skip: !existsSync(SAMPLE) && 'no ../shared/testdata' }, async () => {
  const imp = await SRV.cli(['import', 'ssmix2', SAMPLE, '--facility', S_FAC]);
  assert.equal(imp.code, 0, imp.stderr);
  const r = await get(SD, `/fhir/Patient/${S_FAC}-9999013/$summary`);
  assert.equal(r.status, 200, r.text);
  for (const c of ['48765-2', '10160-0', '30954-2'])
    assert.ok(lines(r.json, c).length > 0, `section ${c} is filled: ${JSON.stringify(section(r.json, c))}`);
  assert.equal(section(r.json, '11450-4').emptyReason.coding[0].code, 'unavailable');
  assert.match(section(r.json, '10160-0').text.div, /最終処方（期間外）/);
  const text = squash(pdfText(await pdf(SD, `/api/summary/${S_FAC}-9999013/pdf`)));
  for (const c of ['48765-2', '10160-0', '30954-2']) {
    const first = lines(r.json, c)[0];
    const name = first.code?.text || first.code?.coding?.[0]?.display || first.medicationCodeableConcept?.text || first.medicationCodeableConcept?.coding?.[0]?.display;
    assert.ok(name && text.includes(squash(name)), `${c}: ${name} in the PDF`);
  }
});

test('disaster mode for the viewer\'s area: the summary categories, until it ends', async () => {
  const OP = await SRV.login('operator');
  outcome(await get(NF, `/fhir/Patient/${P.one}/$summary`), 404); // あずみの中央病院's nurse: no consent, no episode for P.one
  const d = await post(OP, '/api/disaster', { municipalities: ['202207'], hours: 1, note: '訓練' });
  assert.equal(d.status, 201, d.text);
  const r = await get(NF, `/fhir/Patient/${P.one}/$summary`);
  assert.equal(r.status, 200, r.text);
  assert.equal(names(lines(r.json, '48765-2'))[0], 'ペニシリン系抗菌薬');
  assert.ok(names(lines(r.json, '10160-0')).includes('アムロジピン錠５ｍｇ'));
  assert.equal(section(r.json, '47519-4'), undefined, 'procedures are clinical records: not opened by disaster mode');
  const end = await post(OP, `/api/disaster/${d.json.declaration}/end`);
  assert.equal(end.status, 204, end.text);
  outcome(await get(NF, `/fhir/Patient/${P.one}/$summary`), 404);
});
