// collab_forms.test.mjs — the care team's forms: the Questionnaires renkei
// ships (read-only), the face sheet (フェースシート, the 23 課題分析標準項目) with
// its versions and their differences (変更点), and the visit record (訪問記録):
// one request stores the QuestionnaireResponse, its vital signs as
// Observations and the summary post of the timeline — or, on bad input,
// nothing at all. A care worker's vitals stay in the record the whole team
// reads. Outside the team, or after leaving it, a person is as missing as a
// missing one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, http, get, post, put, patient, outcome, cleanupStore } from './harness.mjs';

const HOSP = '2011000011';    // 信州れんけい総合病院: registers the patients, leads the teams
const CARE = '2070400017';    // こもれび居宅介護支援事業所 (cm.komorebi)
const NURSING = '2061300019'; // ひだまり訪問看護ステーション (vn.hidamari)
const HELPER = '2070400025';  // やまなみヘルパーステーション (hh.yamanami)
const org = (code) => ({ reference: `Organization/org-${code}` });
const FACESHEET = 'urn:renkei:Questionnaire:facesheet', VISIT = 'urn:renkei:Questionnaire:visit';
// a 48×32 synthetic JPEG (a gradient), as in collab.test
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAgADADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDhktvap0tvatBLb2qdLb2r05VzmoYkoJbe1Tpbe1aCW3tU6W3tWEq569DEmelt7VYS29q0Etvap0tvaueVc9ehiSilt7VYS29qvpbe1WEtvauaVc/MqGJM9Lb2qdLb2rQS29qnS29q55Vz16GJKCW3tU6W3tWglt7VOlt7VhKuevQxJ//Z', 'base64');
let SRV, DR, CM, VN, HH, OUT;
const P = {};

function consent(pid) {
  return {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'comprehensive' }] }],
    patient: { reference: `Patient/${pid}` }, dateTime: '2026-01-05', provision: { type: 'permit' },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') },
  };
}

const ago = (min) => new Date(Date.now() - min * 60000).toISOString();
const visit = (extra = {}) => ({ kind: 'nurse', start: ago(60), end: ago(15),
  vitals: { temp: 36.8, sbp: 128, dbp: 76, pulse: 72, spo2: 97, resp: 16 }, notes: '褥瘡の処置。経過良好。', ...extra });
const coding = (code, display) => ({ valueCoding: { code, display } });
const facesheet = (reason = '1', adl = '2') => [
  { linkId: '1', item: [{ linkId: '1.1', answer: [{ valueDate: '2026-11-01' }] }, { linkId: '1.2', answer: [coding('2', '電話')] }] },
  { linkId: '8', item: [{ linkId: '8.1', answer: [coding('5', '要介護2')] }] },
  { linkId: '9', item: [{ linkId: '9.1', answer: [coding(reason)] }] },
  { linkId: '11', item: [{ linkId: '11.2', answer: [coding(adl)] }] },
  { linkId: '23', item: [{ linkId: '23.1', answer: [{ valueString: '独居。近所の長女が週2回訪問。' }] }] },
];

before(async () => {
  SRV = await startServer();
  DR = await SRV.login('dr.renkei');
  CM = await SRV.login('cm.komorebi');
  VN = await SRV.login('vn.hidamari');
  HH = await SRV.login('hh.yamanami');
  OUT = await SRV.login('dr.yamabiko');
  for (const name of ['team', 'left']) {
    const p = await post(DR, '/fhir/Patient', patient(HOSP, `F-${name}`, { family: name === 'team' ? '様式' : '退任', familyKana: 'ヨウシキ' }));
    assert.equal(p.status, 201, p.text);
    P[name] = p.json.id;
    assert.equal((await post(DR, '/fhir/Consent', consent(p.json.id))).status, 201);
    const members = [{ member: org(HOSP) }, { member: org(CARE) }, { member: org(NURSING) }, { member: org(HELPER) }];
    // 'left': the nursing station left the team yesterday
    if (name === 'left') members[2].period = { start: '2025-01-01', end: new Date(Date.now() - 86400000).toISOString().slice(0, 10) };
    const t = await post(DR, '/fhir/CareTeam', { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${p.json.id}` },
      managingOrganization: [org(HOSP)], participant: members });
    assert.equal(t.status, 201, t.text);
  }
});
after(async () => {
  await SRV.checkAudit();
  assert.equal(await SRV.stop(), 0, 'the server ends cleanly (and, sanitized, without a report)');
  cleanupStore(SRV.store);
});

test('the forms renkei ships are served read-only', async () => {
  const q = await get(VN, '/fhir/Questionnaire/renkei-facesheet');
  assert.equal(q.status, 200, q.text);
  const groups = q.json.item.map((i) => i.text);
  assert.equal(groups.length, 23, 'the 23 課題分析標準項目');
  assert.equal(groups[0], '基本情報（受付、利用者等基本情報）');
  assert.equal(groups[8], '今回のアセスメントの理由');
  assert.equal(groups[22], 'その他留意すべき事項・状況');
  const s = await get(VN, `/fhir/Questionnaire?url=${encodeURIComponent(VISIT)}`);
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.entry.map((e) => e.resource.id), ['renkei-visit']);
  const codes = JSON.stringify(s.json.entry[0].resource);
  for (const loinc of ['8310-5', '8480-6', '8462-4', '8867-4', '59408-5', '9279-1', '29463-7']) assert.ok(codes.includes(loinc), loinc);
  assert.equal((await get(VN, '/fhir/Questionnaire/nope')).status, 404);
  const w = await put(DR, '/fhir/Questionnaire/renkei-visit', s.json.entry[0].resource);
  assert.equal(w.status, 403, w.text);
});

test('face sheet: created, versioned, one per person, with its 変更点', async () => {
  let r = await put(CM, `/api/collab/facesheet?patient=Patient/${P.team}`, { item: facesheet('1', '2') });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  r = await get(VN, `/api/collab/facesheet?patient=Patient/${P.team}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.current.id, id);
  assert.equal(r.json.current.questionnaire, FACESHEET);
  assert.equal(r.json.versions.length, 1);
  // the care manager edits: the reason and the transfer change, the rest stays
  r = await put(CM, `/api/collab/facesheet?patient=Patient/${P.team}`, { item: facesheet('3', '3'), version: 1 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.id, r.json.version], [id, 2], 'a new version of the same face sheet');
  // a stale edit is refused
  r = await put(CM, `/api/collab/facesheet?patient=Patient/${P.team}`, { item: facesheet('3', '4'), version: 1 });
  assert.equal(r.status, 409, r.text);
  r = await get(VN, `/api/collab/forms/${id}/diff?from=1&to=2`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.changes.map((c) => [c.linkId, c.from, c.to]), [['9.1', '初回', '区分変更'], ['11.2', '見守り', '一部介助']]);
  assert.equal(r.json.changes[0].section, '今回のアセスメントの理由');
  const hist = await get(CM, `/fhir/QuestionnaireResponse/${id}/_history`);
  assert.equal(hist.json.entry.length, 2);
  const found = await get(VN, `/fhir/QuestionnaireResponse?subject=Patient/${P.team}&questionnaire=${encodeURIComponent(FACESHEET)}`);
  assert.equal(found.json.entry.length, 1, 'one current face sheet');

  // bad input: each refused with the linkId named, nothing stored
  const bad = [
    [[{ linkId: '1', item: [{ linkId: '1.9', answer: [{ valueString: 'x' }] }] }], /'1\.9'.*ない項目/],
    [[...facesheet(), { linkId: '10', item: [{ linkId: '10.4', answer: [{ valueString: '160' }] }] }], /'10\.4'.*数値/],
    [[...facesheet(), { linkId: '10', item: [{ linkId: '10.5', answer: [{ valueDecimal: 400 }] }] }], /'10\.5'.*範囲外/],
    [facesheet('99'), /'9\.1'.*選択肢/],
    [facesheet().filter((g) => g.linkId !== '9'), /必須の項目 '9'/],
    [[{ linkId: '1.1', answer: [{ valueDate: '2026-11-01' }] }], /'1\.1'.*ここに置けません/],
  ];
  for (const [items, msg] of bad) {
    r = await put(CM, `/api/collab/facesheet?patient=Patient/${P.team}`, { item: items });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error?.message || r.text, msg);
  }
  // the FHIR API checks the same
  const o = await post(CM, '/fhir/QuestionnaireResponse', { resourceType: 'QuestionnaireResponse', questionnaire: FACESHEET,
    status: 'completed', subject: { reference: `Patient/${P.team}` }, item: [{ linkId: 'zz', answer: [{ valueString: 'x' }] }] });
  assert.match(outcome(o, 400), /'zz'/);
  assert.equal((await get(CM, `/fhir/QuestionnaireResponse/${id}`)).json.meta.versionId, '2');
});

async function counts(client, pid) {
  const qr = await get(client, `/fhir/QuestionnaireResponse?subject=Patient/${pid}&questionnaire=${encodeURIComponent(VISIT)}&_summary=count`);
  const co = await get(client, `/fhir/Communication?subject=Patient/${pid}&_summary=count`);
  const ob = await get(DR, `/fhir/Observation?subject=Patient/${pid}&category=vital-signs&_summary=count`);
  return [qr.json.total, co.json.total, ob.json.total];
}

test('visit record: the response, its vitals and the timeline post in one go; bad input stores none', async () => {
  const before = await counts(CM, P.team);
  let r = await post(VN, `/api/collab/visits?patient=Patient/${P.team}`, visit({ notes: '<script>alert(1)</script> 経過良好' }));
  assert.equal(r.status, 201, r.text);
  const id = r.json.id.split('/')[1];
  assert.equal(r.json.observations.length, 5, 'temperature, blood pressure (one panel), pulse, SpO2, respiration');
  assert.match(r.json.summary, /^訪問看護 \d\d:\d\d–\d\d:\d\d 体温36.8℃ 血圧128\/76 脈拍72 SpO2 97% 呼吸数16/);
  assert.deepEqual(await counts(CM, P.team), [before[0] + 1, before[1] + 1, before[2] + 5]);
  // the post: category 訪問記録, the summary, a link to the record
  const post1 = await get(CM, `/fhir/${r.json.communication}`);
  assert.equal(post1.status, 200, post1.text);
  assert.equal(post1.json.category[0].text, '訪問記録');
  assert.equal(post1.json.payload[1].contentReference.reference, `QuestionnaireResponse/${id}`);
  // the vital signs: LOINC and UCUM, derived from the record, owned by the station
  const bp = await get(DR, `/fhir/Observation/${id}-bp`);
  assert.equal(bp.status, 200, bp.text);
  assert.equal(bp.json.code.coding[0].code, '85354-9');
  assert.deepEqual(bp.json.component.map((c) => [c.code.coding[0].code, c.valueQuantity.value, c.valueQuantity.code]),
    [['8480-6', 128, 'mm[Hg]'], ['8462-4', 76, 'mm[Hg]']]);
  assert.equal(bp.json.derivedFrom[0].reference, `QuestionnaireResponse/${id}`);
  const temp = await get(DR, `/fhir/Observation/${id}-temp`);
  assert.deepEqual([temp.json.valueQuantity.value, temp.json.valueQuantity.code], [36.8, 'Cel']);
  assert.ok(id.startsWith(`${NURSING}-`), 'the station owns the record');
  // the care manager (no laboratory data) sees the vitals in the visit list; the script is kept as text
  let list = await get(CM, `/api/collab/visits?patient=Patient/${P.team}`);
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.visits[0].vitals.sbp, 128);
  assert.equal(list.json.visits[0].notes, '<script>alert(1)</script> 経過良好');
  assert.equal((await get(CM, `/fhir/Observation/${id}-bp`)).status, 404, 'not the laboratory data for a care manager');
  // 担当患者一覧 shows the latest visit
  const mine = (await get(CM, '/api/collab/patients')).json.patients.find((p) => p.registrations.includes(`Patient/${P.team}`));
  assert.ok(mine.latestVisit && Math.abs(Date.parse(mine.latestVisit) - Date.now()) < 600000, JSON.stringify(mine));

  // editing keeps the history and updates the vitals
  r = await put(VN, `/api/collab/visits/${id}`, visit({ vitals: { temp: 37.2, pulse: 80 } }));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.version, 2);
  const t2 = await get(DR, `/fhir/Observation/${id}-temp`);
  assert.deepEqual([t2.json.valueQuantity.value, t2.json.meta.versionId], [37.2, '2']);
  assert.equal((await get(DR, `/fhir/Observation/${id}-bp`)).status, 410, 'a vital no longer recorded is withdrawn');
  assert.equal((await get(CM, `/fhir/QuestionnaireResponse/${id}/_history`)).json.entry.length, 2);
  // another facility cannot edit the station's record
  assert.equal((await put(CM, `/api/collab/visits/${id}`, visit())).status, 403);

  // bad input: a clear message, nothing stored
  const mid = await counts(CM, P.team);
  const bad = [
    [visit({ vitals: { temp: 45 } }), /'temp'（体温）.*範囲外/],
    [visit({ vitals: { sbp: 400, dbp: 80 } }), /'sbp'.*範囲外/],
    [visit({ vitals: { sbp: 120 } }), /両方/],
    [visit({ vitals: { temp: '高め' } }), /体温は数値/],
    [visit({ vitals: { glucose: 120 } }), /'glucose'/],
    [visit({ start: ago(10), end: ago(40) }), /訪問終了.*より前/],
    [visit({ start: new Date(Date.now() + 86400000).toISOString(), end: new Date(Date.now() + 90000000).toISOString() }), /未来/],
    [visit({ kind: 'surgeon' }), /'kind'.*選択肢/],
    [visit({ start: 'yesterday' }), /start/],
    [visit({ photos: [{ url: '/api/collab/attachments/nope' }] }), /写真/],
  ];
  for (const [body, msg] of bad) {
    r = await post(VN, `/api/collab/visits?patient=Patient/${P.team}`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.match(r.json.error?.message || r.text, msg);
  }
  assert.deepEqual(await counts(CM, P.team), mid, 'nothing half-stored');

  // a photo taken on the visit: the team reads it through the post that names it
  const up = await fetch(`${VN.origin}/api/collab/attachments?patient=Patient/${P.team}&title=wound.jpg`, {
    method: 'POST', body: JPEG, headers: { ...VN.headers, 'Content-Type': 'image/jpeg' } });
  assert.equal(up.status, 201);
  const photo = await up.json();
  r = await post(VN, `/api/collab/visits?patient=Patient/${P.team}`, visit({ start: ago(200), end: ago(170), photos: [{ url: photo.url, title: '創部' }] }));
  assert.equal(r.status, 201, r.text);
  const withPhoto = await get(CM, `/fhir/${r.json.communication}`);
  assert.equal(withPhoto.json.payload[2].contentAttachment.url, photo.url);
  const img = await fetch(`${CM.origin}${photo.url}`, { headers: { Cookie: CM.headers.Cookie } });
  assert.equal(img.status, 200, 'the care manager opens the photo of the visit');
  // a colleague at the station edits the record: its photo stays, though she did not upload it
  const VN2 = await SRV.newStaff('vn.hidamari2', NURSING, 'visiting_nurse', '訪問 次郎');
  const edited = await put(VN2, `/api/collab/visits/${r.json.id.split('/')[1]}`, visit({ start: ago(200), end: ago(165), photos: [{ url: photo.url, title: '創部' }] }));
  assert.equal(edited.status, 200, edited.text);
  // withdrawn: the record (every version kept), its vital signs and its post, in one go
  const pv = r.json.id.split('/')[1];
  assert.equal((await http(CM, 'DELETE', `/api/collab/visits/${pv}`)).status, 403, 'only the station withdraws its record');
  const w = await http(VN2, 'DELETE', `/api/collab/visits/${pv}`);
  assert.equal(w.status, 200, w.text);
  assert.equal((await get(DR, `/fhir/Observation/${pv}-temp`)).status, 410);
  assert.equal((await get(CM, `/fhir/Communication/${pv}-post`)).json.status, 'entered-in-error');
  assert.equal((await get(CM, `/fhir/QuestionnaireResponse/${pv}`)).json.status, 'entered-in-error');
  assert.ok(!(await get(CM, `/api/collab/visits?patient=Patient/${P.team}`)).json.visits.some((v) => v.id === pv));
  assert.equal((await http(VN2, 'DELETE', `/api/collab/visits/${pv}`)).status, 404, 'a withdrawn record is gone');
  assert.equal((await put(VN2, `/api/collab/visits/${pv}`, visit())).status, 404);
  // another person's photo is refused
  r = await post(VN, `/api/collab/visits?patient=Patient/${P.left}`, visit({ photos: [{ url: photo.url }] }));
  assert.equal(r.status, 404, 'the nurse left that team: the person is not there');
  r = await post(CM, `/api/collab/visits?patient=Patient/${P.team}`, visit({ kind: 'helper', photos: [{ url: photo.url }] }));
  assert.equal(r.status, 400, 'only the uploader names the photo');

  // searchable on the FHIR API: by the person, the form, the author, the status, the time written
  const vnP = (await get(VN, '/api/session')).json.account.practitioner;
  const q = (query) => get(CM, `/fhir/QuestionnaireResponse?subject=Patient/${P.team}&${query}&_summary=count`);
  const visits = (await q(`questionnaire=${encodeURIComponent(VISIT)}`)).json.total;
  assert.ok(visits >= 2, `visits: ${visits}`);
  assert.equal((await q(`questionnaire=${encodeURIComponent(VISIT)}&author=Practitioner/${vnP}`)).json.total, visits - 1,
    'hers: all but the one her colleague edited last');
  assert.equal((await q(`questionnaire=${encodeURIComponent(VISIT)}&status=entered-in-error`)).json.total, 1);
  assert.equal((await q(`questionnaire=${encodeURIComponent(VISIT)}&authored=lt2020-01-01`)).json.total, 0);
  assert.equal((await q(`authored=ge${new Date(Date.now() - 86400000).toISOString().slice(0, 10)}`)).json.total, visits + 1);

  // searchable: by kind, newest first
  r = await post(VN, `/api/collab/visits?patient=Patient/${P.team}`, visit({ start: ago(300), end: ago(280) }));
  assert.equal(r.status, 201, r.text);
  list = await get(CM, `/api/collab/visits?patient=Patient/${P.team}&kind=nurse`);
  assert.deepEqual(list.json.visits.map((v) => v.id), [id, r.json.id.split('/')[1]], 'the newer visit first');
  list = await get(CM, `/api/collab/visits?patient=Patient/${P.team}&kind=helper`);
  assert.deepEqual(list.json.visits, []);
});

test("a care worker's vitals stay in the visit record, which the whole team reads", async () => {
  const r = await post(HH, `/api/collab/visits?patient=Patient/${P.team}`, visit({ kind: 'helper', start: ago(30), end: ago(5),
    vitals: { temp: 36.4, sbp: 118, dbp: 70 }, notes: '入浴介助。' }));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.observations, [], 'a 介護職 writes no laboratory data: the vitals stay in the record');
  for (const who of [CM, VN, DR]) {
    const list = await get(who, `/api/collab/visits?patient=Patient/${P.team}`);
    assert.equal(list.status, 200, list.text);
    const v = list.json.visits[0];
    assert.deepEqual([v.kind, v.kindJa, v.vitals.temp, v.vitals.sbp], ['helper', '訪問介護', 36.4, 118]);
  }
  const helperOnly = await get(CM, `/api/collab/visits?patient=Patient/${P.team}&kind=helper`);
  assert.equal(helperOnly.json.visits.length, 1);
});

test('outside the team or after leaving it, a person is as missing as a missing one', async () => {
  const same = (a, b, id) => assert.deepEqual([a.status, a.text.replaceAll(id, 'X')], [b.status, b.text.replaceAll('no-such', 'X')]);
  for (const [who, pid] of [[OUT, P.team], [VN, P.left]]) {
    same(await get(who, `/api/collab/visits?patient=Patient/${pid}`), await get(who, '/api/collab/visits?patient=Patient/no-such'), pid);
    same(await get(who, `/api/collab/facesheet?patient=Patient/${pid}`), await get(who, '/api/collab/facesheet?patient=Patient/no-such'), pid);
    same(await post(who, `/api/collab/visits?patient=Patient/${pid}`, visit()), await post(who, '/api/collab/visits?patient=Patient/no-such', visit()), pid);
    assert.equal((await post(who, `/api/collab/visits?patient=Patient/${pid}`, visit())).status, 404);
  }
  const fs = await get(CM, `/api/collab/facesheet?patient=Patient/${P.team}`);
  const id = fs.json.current.id;
  const a = await get(OUT, `/api/collab/forms/${id}/diff`), b = await get(OUT, '/api/collab/forms/no-such/diff');
  assert.deepEqual([a.status, a.text.replaceAll(id, 'X')], [b.status, b.text.replaceAll('no-such', 'X')]);
});
