// SS-MIX2 standardized storage import: the shared real-format sample (when
// ../shared/testdata exists), the layout checks, quarantine with reasons,
// incremental re-import, deletes, paths that leave the storage, and replay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, startServer, get, assertSchema } from './harness.mjs';

const HOSP = '2011000011';
const SAMPLE = path.resolve(ROOT, '../shared/testdata/ssmix2-sample/sampleData');
const PATIENT = `${HOSP}-9999013`;
let server, sys, work;

before(async () => {
  server = await startServer();
  sys = await server.system(HOSP, 'system/*.*');
  work = mkdtempSync(path.join(tmpdir(), 'renkei-ssmix2-'));
});
after(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function importDir(dir, facility = HOSP) {
  const r = await server.cli(['import', 'ssmix2', dir, '--facility', facility]);
  const m = /(\d+) files: (\d+) stored, (\d+) deleted, (\d+) unchanged, (\d+) superseded, (\d+) quarantined; (\d+) resources/.exec(r.stdout);
  assert.ok(m, `import summary missing: ${r.stdout}${r.stderr}`);
  const [files, stored, deleted, unchanged, superseded, quarantined, resources] = m.slice(1).map(Number);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, files, stored, deleted, unchanged, superseded, quarantined, resources };
}

async function errors() {
  const r = await server.cli(['ingest', 'errors']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').slice(1).filter(Boolean).map((l) => {
    const [id, at, origin, facility, location, reason] = l.split('\t');
    return { id: Number(id), at, origin, facility, location, reason };
  });
}

async function search(type, query) {
  const r = await get(sys, `/fhir/${type}?${query}&_count=200`);
  assert.equal(r.status, 200, r.text);
  assertSchema(r.json, `${type}?${query}`);
  return (r.json.entry || []).map((e) => e.resource);
}

const codes = (res, system) => res.flatMap((x) => (x.code?.coding || x.medicationCodeableConcept?.coding || [])
  .filter((c) => !system || c.system.includes(system)).map((c) => c.code));

// The sample's files of folder 9999013 whose PID-3 names another patient.
const OTHER_PATIENT = {
  '-/ADT-61/': '12345678', '-/PPR-01/': '1234567890', '20111013/OMD/': '1234567890',
  '20111220/OMG-01/': '12345678', '20111220/OMG-02/': '10345678', '20111220/OMG-03/': '12345678',
  '20111220/OMG-11/': '3330000333', '20111220/OMG-12/': '10345678', '20111220/OMG-13/': '12345678',
  '20111220/OML-11/': '0001000052',
};

test('the shared SS-MIX2 sample imports, or is quarantined with the right reason', { skip: !existsSync(SAMPLE) && 'no ../shared/testdata' }, async () => {
  const dir = path.join(work, 'sample');
  cpSync(SAMPLE, dir, { recursive: true });
  const r = await importDir(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.files, 22);
  // 9 files of patient 9999013 are stored. Nothing is stored under the wrong
  // patient: 10 files of its folder name other patients in PID-3, and of
  // folder 0000001 the two messages (an order and its deletion) are patient
  // 9999013's; the 2-byte file is named for another folder.
  assert.equal(r.stored, 9, r.stdout);
  assert.equal(r.deleted, 0, r.stdout);
  assert.equal(r.quarantined, 13, r.stdout);

  const errs = await errors();
  const broken = errs.find((e) => e.location.startsWith('000/000/0000001/20000401/ADT-31/'));
  assert.ok(broken, JSON.stringify(errs));
  assert.match(broken.reason, /patient 9999013 but the file is in folder 000\/000\/0000001/);
  assert.match(broken.reason, /and its 2 bytes are not an HL7 message/, 'the broken file is said to be broken');
  for (const e of errs.filter((x) => x.location.startsWith('000/000/0000001/20000401/OMP-11/')))
    assert.match(e.reason, /^PID-3 patient 9999013 does not match the storage folder 0000001/, e.location);
  for (const [where, other] of Object.entries(OTHER_PATIENT)) {
    const e = errs.find((x) => x.location.startsWith(`999/901/9999013/${where}`));
    assert.ok(e, `${where} quarantined`);
    assert.equal(e.reason, `PID-3 patient ${other} does not match the storage folder 9999013`);
  }

  // Patient 9999013 as registered from ADT-00.
  const p = await get(sys, `/fhir/Patient/${PATIENT}`);
  assert.equal(p.status, 200, p.text);
  assertSchema(p.json);
  assert.equal(p.json.birthDate, '1948-04-05');
  assert.equal(p.json.gender, 'male');
  assert.ok(JSON.stringify(p.json.name).includes('患者') && JSON.stringify(p.json.name).includes('カンジャ'));
  assert.ok(p.json.meta.source.startsWith(`ssmix2:${HOSP}/999/901/9999013/-/ADT-00/`), p.json.meta.source);
  assert.equal(p.json.managingOrganization?.reference, `Organization/org-${HOSP}`, 'ADT-00 keeps the hospital as the manager');

  // Allergy of ADT-00 (AL1); ADT-61's are another patient's.
  const allergies = await search('AllergyIntolerance', `patient=${PATIENT}`);
  const text = JSON.stringify(allergies);
  assert.ok(text.includes('ペニシリン'), text);
  assert.ok(!text.includes('スギ'), 'ADT-61 (PID-3 12345678) is not stored under 9999013');
  assert.deepEqual(await search('Condition', `patient=${PATIENT}`), [], 'PPR-01 (PID-3 1234567890) is not stored');

  // Insurance (IN1 → Coverage) and the contact (NK1) of ADT-00.
  const cov = await search('Coverage', `patient=${PATIENT}`);
  assert.equal(cov.length, 1, JSON.stringify(cov));
  assert.equal(cov[0].payor[0].identifier.value, '67999991');
  assert.equal(cov[0].type.text, '国民健康保険退職者');
  assert.equal(cov[0].period.start, '2009-12-01');
  assert.equal(p.json.contact[0].organization.display, '鹿ノ門商事株式会社');

  // Lab order (OML-01): ServiceRequests with their Specimens (SPM).
  const specs = await search('Specimen', `patient=${PATIENT}`);
  assert.deepEqual(specs.map((x) => x.type.text).sort(), ['血清', '血漿'].sort());
  const orders = await search('ServiceRequest', `patient=${PATIENT}`);
  assert.ok(orders.some((o) => o.code.coding.some((c) => c.code === 'E002') && o.specimen?.[0].reference?.startsWith('Specimen/')), JSON.stringify(orders));
  // Coverage and Specimen are the patient's records: another facility without consent sees neither.
  const clinic = await server.system('2011100018', 'system/*.*');
  assert.equal((await get(clinic, `/fhir/Coverage/${cov[0].id}`)).status, 404);
  assert.equal((await get(clinic, `/fhir/Specimen/${specs[0].id}`)).status, 404);
  const none = await get(clinic, `/fhir/Coverage?patient=${PATIENT}`);
  assert.equal(none.status === 200 ? (none.json.entry || []).length : 0, 0, none.text);

  // Prescriptions: OMP-01 oral (HOT9) with dose, 用法, days, total, Rp; OMP-02 injections.
  const meds = await search('MedicationRequest', `patient=${PATIENT}`);
  const medText = JSON.stringify(meds);
  for (const hot of ['620007329', '620002559']) assert.ok(medText.includes(hot), `injection HOT9 ${hot}`);
  const line = (hot) => meds.find((m) => m.medicationCodeableConcept.coding.some((c) => c.code === hot));
  const rx = (hot) => {
    const m = line(hot);
    assert.ok(m, `oral HOT9 ${hot}`);
    const d = m.dosageInstruction[0];
    return {
      dose: `${d.doseAndRate[0].doseQuantity.value} ${d.doseAndRate[0].doseQuantity.unit}`,
      usage: `${d.timing.code.coding[0].code} ${d.text}`,
      days: m.dispenseRequest.expectedSupplyDuration.value,
      total: m.dispenseRequest.quantity.value,
      start: d.extension.find((x) => x.url.endsWith('_PeriodOfUse')).valuePeriod.start,
      rp: m.identifier.map((i) => i.value).slice(0, 2).join('-'),
    };
  };
  assert.deepEqual(rx('108665201'), { dose: '1 錠', usage: '1013044400000000 内服・経口・１日３回朝昼夕食後', days: 5, total: 15, start: '2011-07-01T00:00:00+09:00', rp: '1-1' });
  assert.deepEqual(rx('110626901'), { dose: '2 錠', usage: '1013044400000000 内服・経口・１日３回朝昼夕食後', days: 5, total: 30, start: '2011-07-01T00:00:00+09:00', rp: '1-2' });
  assert.deepEqual(rx('100607002'), { dose: '50 ミリグラム', usage: '1012040400000000 内服・経口・１日２回朝夕食後', days: 14, total: 1400, start: '2011-07-01T00:00:00+09:00', rp: '2-1' });
  const drip = line('620007329');
  assert.equal(drip.dosageInstruction[0].route.coding[0].code, 'IV');
  assert.equal(drip.dosageInstruction[0].doseAndRate[0].rateQuantity.value, 102);

  // Everything of the patient passes the FHIR R4 schema and names its source.
  const all = await get(sys, `/fhir/Patient/${PATIENT}/$everything?_count=1000`);
  assert.equal(all.status, 200, all.text);
  assertSchema(all.json);
  for (const e of all.json.entry) assert.ok(e.resource.meta.source.startsWith('ssmix2:'), e.fullUrl);

  // The access log has one entry per file: who imported it, which patient,
  // which resources it wrote or deleted, or why it was refused.
  const log = await server.cli(['audit', 'list']);
  assert.equal(log.code, 0, log.stderr);
  const entries = log.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'))
    .filter((f) => f[3] === 'ingest');
  assert.equal(entries.length, 22, 'one audit entry per file');
  const byAction = (a) => entries.filter((f) => f[4] === a);
  assert.equal(byAction('C').length, 9);
  assert.equal(entries.filter((f) => f[5] === '4').length, 13, 'the refused files, as minor failures');
  for (const f of byAction('C')) {
    assert.match(f[6], /^ssmix2-import:/, 'the account is the import');
    assert.equal(f[7], HOSP);
    assert.match(f[10], /^SS-MIX2 /);
  }
  assert.ok(entries.some((f) => /"\d{13}"/.test(f[9])), 'the regional patient is named');
  const verify = await server.cli(['audit', 'verify']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);

  // Run again: nothing new, nothing written.
  const again = await importDir(dir);
  assert.equal(again.stored, 0, again.stdout);
  assert.equal(again.unchanged, 22, again.stdout);
  assert.equal(again.resources, 0);
});

// A small storage written by the test: one patient, a current and a
// superseded version of an order, then a deletion.
const MSH = (type, id) => `MSH|^~\\&|HIS|SEND|GW|RCV|20240401100000||${type}|${id}|P|2.5`;
const PID = (pid) => `PID|0001||${pid}^^^^PI||試験^花子^^^^^L^I~シケン^ハナコ^^^^^L^P||19600101|F`;
function lab(pid, value) {
  return [MSH('OUL^R22^OUL_R22', 'L' + value), PID(pid), 'PV1|0001|O',
    'SPM|1|S1||023^血清^JC10|||||||||||||20240401090000',
    'OBR|1|ORD1|S1|E001^血液学的検査^99O03|||20240401|20240401',
    'ORC|SC|ORD1|S1||CM',
    `OBX|1|NM|3D010000001926101^グルコース^JC10||${value}|mg/dL^mg/dL^99XYZ|70-109|${value > 109 ? 'H' : 'N'}|||F|||20240401090000`,
  ].join('\r') + '\r';
}
function place(root, pid, date, type, name, content) {
  const d = path.join(root, pid.slice(0, 3), pid.slice(3, 6), pid, date, type);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, name), content);
  return path.join(d, name);
}

test('updates, superseded versions and deletes of a document; incremental import', async () => {
  const root = path.join(work, 'orders');
  const pid = '1000001';
  const p = `${HOSP}-${pid}`;
  place(root, pid, '20240401', 'OML-11', `${pid}_20240401_OML-11_ORD1_20240401100000000_01_2`, lab(pid, 130));
  place(root, pid, '20240401', 'OML-11', `${pid}_20240401_OML-11_ORD1_20240401110000000_01_1`, lab(pid, 98));
  let r = await importDir(root);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stored, 1, r.stdout);
  assert.equal(r.superseded, 1, r.stdout);
  let obs = await search('Observation', `patient=${p}&code=3D010000001926101`);
  assert.equal(obs.length, 1);
  assert.equal(obs[0].valueQuantity.value, 98, 'the current version, not the superseded one');
  // The registration made from the lab file's PID belongs to the hospital.
  const reg = await get(sys, `/fhir/Patient/${p}`);
  assert.equal(reg.json.managingOrganization?.reference, `Organization/org-${HOSP}`, reg.text);
  const managed = await search('Patient', `organization=Organization/org-${HOSP}&identifier=${pid}`);
  assert.deepEqual(managed.map((x) => x.id), [p]);

  // A corrected result arrives as a newer current file; only it is read.
  place(root, pid, '20240401', 'OML-11', `${pid}_20240401_OML-11_ORD1_20240401120000000_01_1`, lab(pid, 101));
  r = await importDir(root);
  assert.equal(r.stored, 1, r.stdout);
  assert.equal(r.unchanged, 2, r.stdout);
  obs = await search('Observation', `patient=${p}&code=3D010000001926101`);
  assert.equal(obs.length, 1);
  assert.equal(obs[0].valueQuantity.value, 101);

  // The order is deleted (condition flag 0): its results go.
  place(root, pid, '20240401', 'OML-11', `${pid}_20240401_OML-11_ORD1_20240401130000000_01_0`, lab(pid, 101));
  r = await importDir(root);
  assert.equal(r.deleted, 1, r.stdout);
  obs = await search('Observation', `patient=${p}&code=3D010000001926101`);
  assert.equal(obs.length, 0, 'deleted with its order');
  assert.equal((await search('DiagnosticReport', `patient=${p}`)).length, 0);
});

const PV1 = (fields) => 'PV1' + Array.from({ length: 45 }, (_, i) => fields[i + 1] ?? '').join('|').replace(/^/, '|').replace(/\|+$/, '');
const ADT = (type, id, evn, pv1) => [MSH(type, id), `EVN||${evn}`, PID('3000003'), pv1].join('\r') + '\r';

test('one Encounter per admission, updated by transfer and discharge; outpatient visits are dated', async () => {
  const root = path.join(work, 'stay');
  const pid = '3000003';
  const p = `${HOSP}-${pid}`;
  const name = (date, type, ts) => `${pid}_${date}_${type}_999999999999999_${ts}000_01_1`;
  place(root, pid, '20240401', 'ADT-22', name('20240401', 'ADT-22', '20240401100000'),
    ADT('ADT^A01^ADT_A01', 'A1', '20240401100000', PV1({ 1: '0001', 2: 'I', 3: '3W^305^2^^^N', 7: 'D001^信州^一郎', 10: '01', 19: 'V77', 44: '202404011000' })));
  place(root, pid, '20240405', 'ADT-42', name('20240405', 'ADT-42', '20240405100000'),
    ADT('ADT^A02^ADT_A02', 'A2', '20240405100000', PV1({ 1: '0001', 2: 'I', 3: '4E^401^1^^^N', 6: '3W^305^2^^^N', 7: 'D001^信州^一郎', 10: '01', 19: 'V77' })));
  place(root, pid, '20240410', 'ADT-52', name('20240410', 'ADT-52', '20240410100000'),
    ADT('ADT^A03^ADT_A03', 'A3', '20240410100000', PV1({ 1: '0001', 2: 'I', 3: '4E^401^1^^^N', 7: 'D001^信州^一郎', 10: '01', 19: 'V77', 45: '202404101000' })));
  place(root, pid, '20240420', 'ADT-12', name('20240420', 'ADT-12', '20240420091500'),
    ADT('ADT^A04^ADT_A01', 'A4', '20240420091500', PV1({ 1: '0001', 2: 'O', 3: '01^^^^^C' })));
  const r = await importDir(root);
  assert.equal(r.stored, 4, r.stdout);
  assert.equal(r.quarantined, 0, r.stdout);
  const encs = await search('Encounter', `patient=${p}`);
  assert.equal(encs.length, 2, JSON.stringify(encs));
  const stay = encs.find((e) => e.class.code === 'IMP');
  assert.equal(stay.id, `${p}.enc-vV77`);
  assert.equal(stay.status, 'finished');
  assert.equal(stay.period.start, '2024-04-01T10:00:00+09:00');
  assert.equal(stay.period.end, '2024-04-10T10:00:00+09:00');
  assert.equal(stay.type[0].text, '入院実施');
  const wards = stay.location.map((l) => `${l.location.display} ${l.status}`);
  assert.ok(wards.some((w) => w.includes('305') && w.endsWith('completed')), wards.join());
  assert.ok(wards.some((w) => w.includes('401')), wards.join());
  const visit = encs.find((e) => e.class.code === 'AMB');
  assert.equal(visit.period.start, '2024-04-20T09:15:00+09:00', 'an outpatient visit is dated by its event');

  // The transfer's file deleted (condition flag 0): the stay stays, for its other messages.
  place(root, pid, '20240405', 'ADT-42', `${pid}_20240405_ADT-42_999999999999999_20240406100000000_01_0`,
    ADT('ADT^A02^ADT_A02', 'A2', '20240405100000', PV1({ 1: '0001', 2: 'I', 3: '4E^401^1^^^N', 6: '3W^305^2^^^N', 19: 'V77' })));
  const del = await importDir(root);
  assert.equal(del.deleted, 1, del.stdout);
  const after = await get(sys, `/fhir/Encounter/${p}.enc-vV77`);
  assert.equal(after.status, 200, after.text);
});

test('bad files are quarantined with a clear reason; nothing of them is stored', async () => {
  const root = path.join(work, 'bad');
  const pid = '2000002';
  // name disagrees with its folder (date), a truncated message, a file outside
  // the layout, a name without the 7 fields, garbage, an unknown message type
  place(root, pid, '20240402', 'OML-11', `${pid}_20240401_OML-11_ORD2_20240401100000000_01_1`, lab(pid, 99));
  place(root, pid, '20240403', 'OML-11', `${pid}_20240403_OML-11_ORD3_20240403100000000_01_1`, lab(pid, 99).slice(0, 60));
  place(root, pid, '20240404', 'OML-11', 'README', 'not a message');
  place(root, pid, '20240405', 'OML-11', `${pid}_20240405_OML-11_ORD5_20240405100000000_01_1`, '\x00\x01garbage');
  place(root, pid, '20240406', 'ZZZ-99', `${pid}_20240406_ZZZ-99_ORD6_20240406100000000_01_1`,
    [MSH('ZZZ^Z99', 'Z1'), PID(pid)].join('\r') + '\r');
  mkdirSync(path.join(root, 'stray'), { recursive: true });
  writeFileSync(path.join(root, 'stray', 'file'), 'x');
  // a symbolic link that leaves the storage
  const outside = path.join(work, 'outside.hl7');
  writeFileSync(outside, lab(pid, 99));
  const d = path.join(root, pid.slice(0, 3), pid.slice(3, 6), pid, '20240407', 'OML-11');
  mkdirSync(d, { recursive: true });
  symlinkSync(outside, path.join(d, `${pid}_20240407_OML-11_ORD7_20240407100000000_01_1`));
  symlinkSync('../../../../../..', path.join(d, 'up'));
  // another patient's lab file, placed and renamed under this patient
  place(root, pid, '20240408', 'OML-11', `${pid}_20240408_OML-11_ORD8_20240408100000000_01_1`, lab('1000009', 99));

  const before = (await errors()).length;
  const r = await importDir(root);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stored, 0, r.stdout);
  assert.equal(r.quarantined, r.files, r.stdout);
  const errs = (await errors()).slice(before);
  const why = (frag) => errs.find((e) => e.location.includes(frag))?.reason || '(none)';
  assert.match(why('ORD2'), /date 20240401 but the file is in folder 20240402/);
  assert.match(why('ORD3'), /\S/);
  assert.match(why('README'), /7 SS-MIX2 fields/);
  assert.match(why('ORD5'), /MSH|NUL|UTF-8/);
  assert.match(why('ORD6'), /ZZZ|message type|data type/i);
  assert.match(why('stray'), /outside the layout/);
  assert.match(why('ORD7'), /leaves the storage/);
  assert.match(why('/up'), /leaves the storage|other than a file/);
  assert.equal(why('ORD8'), `PID-3 patient 1000009 does not match the storage folder ${pid}`);
  assert.equal((await search('Observation', `patient=${HOSP}-1000009`)).length, 0);
  assert.equal((await search('Observation', `patient=${HOSP}-${pid}`)).length, 0);

  // Unchanged quarantined files are not tried again by the next import...
  const again = await importDir(root);
  assert.equal(again.quarantined, 0, again.stdout);
  // ...but by replay, which keeps them quarantined while the cause remains.
  const id = errs.find((e) => e.location.includes('ORD2')).id;
  const rep = await server.cli(['ingest', 'replay', String(id)]);
  assert.equal(rep.code, 1, rep.stdout);
  assert.match(rep.stdout, /still quarantined/);
  assert.equal((await errors()).filter((e) => e.location.includes('ORD2')).length, 1, 'one row, not two');
});

test('a quarantined file corrected in place is taken by the next import', async () => {
  const root = path.join(work, 'replay');
  const pid = '3000003';
  const file = place(root, pid, '20240410', 'OML-11', `${pid}_20240410_OML-11_ORD9_20240410100000000_01_1`,
    lab(pid, 99).replace('|||F|||20240401090000', '|||F|||20241399090000'));
  const r = await importDir(root);
  assert.equal(r.quarantined, 1, r.stdout);
  const e = (await errors()).find((x) => x.location.includes('ORD9'));
  assert.match(e.reason, /OBX-14/);
  // The sender corrects the file in place; the next import takes the new content.
  writeFileSync(file, lab(pid, 99));
  const fixed = await importDir(root);
  assert.equal(fixed.stored, 1, fixed.stdout);
  assert.equal((await search('Observation', `patient=${HOSP}-${pid}`)).length, 1);
  assert.ok(readFileSync(file).length > 0);
});

// What a file sends where the mapping wants something else (a word for a
// number, a drug code of an unknown system) is kept, and the file is stored;
// every such warning is listed by `renkei ingest warnings`, not only the first.
test('a file kept with warnings is stored, and each warning is listed', async () => {
  const root = path.join(work, 'warned');
  const pid = '3000004';
  const rel = `${pid.slice(0, 3)}/${pid.slice(3, 6)}/${pid}/20240411/OML-11/${pid}_20240411_OML-11_ORDW_20240411100000000_01_1`;
  place(root, pid, '20240411', 'OML-11', path.basename(rel), lab(pid, 99)
    .replace('JC10||99|', 'JC10||溶血|')
    .replace(/\r$/, '\rOBX|2|NM|3D045000001926101^グルコース２^JC10||検体不足|mg/dL^mg/dL^99XYZ|||||F|||20240401090000\r'));
  const r = await importDir(root);
  assert.equal(r.stored, 1, r.stdout);
  assert.match(r.stdout, /1 files were stored with warnings .*`renkei ingest warnings --facility \d{10}`/);
  const o = await search('Observation', `patient=${HOSP}-${pid}`);
  assert.deepEqual(o.map((x) => x.valueString).sort(), ['検体不足 mg/dL', '溶血 mg/dL']);
  const w = await server.cli(['ingest', 'warnings', '--facility', HOSP]);
  assert.equal(w.code, 0, w.stderr);
  const mine = w.stdout.split('\n').map((l) => l.split('\t')).filter((f) => f[3] === rel);
  assert.deepEqual(mine.map((f) => f[4]), ["OBX-5 (NM): '溶血' is not a number; kept as text",
    "OBX-5 (NM): '検体不足' is not a number; kept as text"]);
  assert.equal((await server.cli(['ingest', 'warnings', '--limit', '0'])).code, 2);
});

test('import refuses an unknown facility and a missing directory', async () => {
  let r = await server.cli(['import', 'ssmix2', work, '--facility', '9999999999']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not a participating facility/);
  r = await server.cli(['import', 'ssmix2', path.join(work, 'nope'), '--facility', HOSP]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not a directory/);
  r = await server.cli(['import', 'ssmix2']);
  assert.equal(r.code, 2);
});

// `renkei gen ssmix2` writes what real storages contain (HOT13 and local drug
// codes, 疑い diagnoses, IN1, NK1, text results with units, CR, LF or CR LF
// segment ends); every such field survives import and reads back. The ids
// follow from the file (see v2map.h), so each field is read where it must be.
test('generate → import → read back: every field of a generated storage survives', async () => {
  const dir = path.join(work, 'generated');
  const g = await server.cli(['gen', 'ssmix2', '--patients', '6', '--seed', '1', '--facility', HOSP, dir]);
  assert.equal(g.code, 0, g.stderr);
  const r = await importDir(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.quarantined, 0, `nothing valid is quarantined: ${JSON.stringify(await errors())}`);

  const files = readdirSync(dir, { recursive: true }).filter((f) => f.split('/').length === 6).map((rel) => {
    const [pid, date, type, order, , , flag] = path.basename(rel).split('_');
    const text = new TextDecoder('iso-2022-jp').decode(readFileSync(path.join(dir, rel)));
    return { rel, pid, date, type, order, flag, text, segs: text.split(/\r\n|\r|\n/).filter(Boolean) };
  });
  const cancelled = new Set(files.filter((f) => f.flag === '0').map((f) => `${f.pid}_${f.date}_${f.type}_${f.order}`));
  const current = files.filter((f) => f.flag === '1' && !cancelled.has(`${f.pid}_${f.date}_${f.type}_${f.order}`));
  const ends = new Set(files.map((f) => (f.text.includes('\r\n') ? 'CRLF' : f.text.includes('\r') ? 'CR' : 'LF')));
  assert.deepEqual([...ends].sort(), ['CR', 'CRLF', 'LF'], 'the storage has every kind of segment end');
  const field = (seg, n) => seg.split('|')[n] ?? '';
  const read = async (type, id) => {
    const x = await get(sys, `/fhir/${type}/${id}`);
    assert.equal(x.status, 200, `${type}/${id}: ${x.text}`);
    return x.json;
  };
  const seen = { HOT9: 0, HOT13: 0, '99YKZ': 0, provisional: 0, coverage: 0, contact: 0, below: 0 };
  const SYSTEMS = { HOT9: 'http://medis.or.jp/CodeSystem/master-HOT9', HOT13: 'http://medis.or.jp/CodeSystem/master-HOT13', '99YKZ': `urn:renkei:CodeSystem:v2-local:${HOSP}:99YKZ` };
  for (const f of current) {
    const id = (i) => `${HOSP}-${f.pid}.${f.date}.${f.type}.${f.order}.${i}`;
    for (const [i, s] of f.segs.entries()) {
      if (f.type === 'OMP-01' && s.startsWith('RXE|')) {
        const [code, , system] = field(s, 2).split('^');
        const m = await read('MedicationRequest', id(i));
        const c = m.medicationCodeableConcept.coding[0];
        assert.deepEqual([c.system, c.code], [SYSTEMS[system], code], `${f.rel} RXE-2`);
        seen[system]++;
        const d = m.dosageInstruction[0];
        assert.equal(d.doseAndRate[0].doseQuantity.value, Number(field(s, 3)), `${f.rel} dose`);
        const tq1 = f.segs[i + 1];
        assert.equal(m.dispenseRequest.expectedSupplyDuration.value, Number(field(tq1, 6).split('^')[0]), `${f.rel} days`);
        assert.equal(d.timing.code.coding[0].code, field(tq1, 3).split('&')[0], `${f.rel} 用法`);
        assert.ok(d.extension.some((x) => x.url.endsWith('_PeriodOfUse')), `${f.rel} start`);
      }
      if (f.type === 'PPR-01' && s.startsWith('PRB|') && field(s, 13).startsWith('P^')) {
        const c = await read('Condition', id(i));
        assert.equal(c.verificationStatus.coding[0].code, 'provisional', `${f.rel} 疑い`);
        seen.provisional++;
      }
      if (f.type === 'ADT-00' && s.startsWith('IN1|')) {
        const c = await read('Coverage', id(i));
        assert.equal(c.payor[0].identifier.value, field(s, 3));
        assert.equal(c.subscriberId, field(s, 11));
        seen.coverage++;
      }
      if (f.type === 'ADT-00' && s.startsWith('NK1|')) {
        const p = await read('Patient', `${HOSP}-${f.pid}`);
        assert.ok(p.contact.some((c) => c.telecom?.[0].value === field(s, 5).split('^')[11]), `${f.rel} NK1`);
        seen.contact++;
      }
      if (f.type === 'OML-11' && s.startsWith('OBX|') && field(s, 2) === 'ST') {
        const o = await read('Observation', id(i));
        assert.deepEqual([o.valueQuantity.comparator, o.valueQuantity.value, o.valueQuantity.unit], ['<', 0.03, 'mg/dL'], f.rel);
        seen.below++;
      }
    }
  }
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `the storage has ${k}: ${JSON.stringify(seen)}`);
  // A generated storage is mapped whole: nothing is kept with a warning.
  assert.doesNotMatch(r.stdout, /stored with warnings/);
});
