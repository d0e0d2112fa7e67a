// collab_plan.test.mjs — ケアプラン: 第1表・第2表・第3表 as FHIR CarePlan and
// Goal, saved by the care manager in one transaction with a summary post on
// the timeline, versioned by the FHIR history; the ケアプランデータ連携 CSV
// (Shift_JIS, CR LF) imported and exported byte-equal; each malformed file
// refused with a Japanese message naming its line and column, nothing
// stored; a facility outside the team, and members who left it, get the
// answer a missing patient gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, get, post, patient, cleanupStore, ROOT as ROOT_DIR } from './harness.mjs';

const HOSP = '2011000011';   // 信州れんけい総合病院: registers the patients
const CARE = '2070400017';   // こもれび居宅介護支援事業所 (cm.komorebi)
const NURSING = '2061300019'; // ひだまり訪問看護ステーション (vn.hidamari)
const org = (code) => ({ reference: `Organization/org-${code}` });
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'careplan');
const FILES = Object.fromEntries(readdirSync(DIR).filter((f) => /^CPLAN\d_/.test(f)).map((f) => [f.slice(0, 6), { name: f, bytes: readFileSync(path.join(DIR, f)) }]));
const yesterday = () => new Date(Date.now() - 86400000).toISOString().slice(0, 10);

let SRV, DR, CM, VN, OUT;
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

const file = (name, bytes) => ({ name, data: Buffer.from(bytes).toString('base64') });
const importFiles = (who, pid, files) => post(who, `/api/collab/careplan/import?patient=Patient/${pid}`, { files }, { headers: { 'Content-Type': 'application/json' } });
const save = (who, pid, plan) => post(who, `/api/collab/careplan?patient=Patient/${pid}`, { plan }, { headers: { 'Content-Type': 'application/json' } });
async function exportTable(who, pid, table) {
  const r = await fetch(`${who.origin}/api/collab/careplan/export?patient=Patient/${pid}&table=${table}`, { headers: { Cookie: who.headers.Cookie } });
  return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), bytes: Buffer.from(await r.arrayBuffer()) };
}
const posts = async (who, pid) => ({ entry: ((await get(who, `/fhir/Communication?subject=Patient/${pid}`)).json.entry || []).filter((e) => e.resource.category?.[0]?.text === 'ケアプラン') });
const countPlans = async (pid) => (await get(DR, `/fhir/CarePlan?subject=Patient/${pid}&_summary=count`)).json.total;

before(async () => {
  SRV = await startServer();
  DR = await SRV.login('dr.renkei');
  CM = await SRV.login('cm.komorebi');
  VN = await SRV.login('vn.hidamari');
  OUT = await SRV.login('dr.yamabiko');
  for (const [name, family, kana] of [['plan', '計画', 'ケイカク'], ['csv', '連携', 'レンケイ'], ['cli', '端末', 'タンマツ'], ['bad', '不正', 'フセイ'], ['vnleft', '看護退任', 'カンゴタイニン'], ['cmleft', '居宅退任', 'キョタクタイニン']]) {
    const p = await post(DR, '/fhir/Patient', patient(HOSP, `CP-${name}`, { family, familyKana: kana }));
    assert.equal(p.status, 201, p.text);
    P[name] = { id: p.json.id };
    assert.equal((await post(DR, '/fhir/Consent', consent(p.json.id))).status, 201);
    const members = [{ member: org(HOSP) }, { member: org(CARE) }, { member: org(NURSING) }];
    if (name === 'vnleft') members[2].period = { start: '2025-01-01', end: yesterday() };
    if (name === 'cmleft') members[1].period = { start: '2025-01-01', end: yesterday() };
    const t = await post(DR, '/fhir/CareTeam', { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${p.json.id}` },
      managingOrganization: [org(HOSP)], participant: members });
    assert.equal(t.status, 201, t.text);
  }
});
after(async () => { await SRV?.stop(); cleanupStore(SRV?.store); });

const PLAN = {
  t1: { created: '20261101', planDate: '20261101', firstDate: '20250401', planKind: '3', certStatus: '1', certDate: '20260915',
    certFrom: '20261001', certTo: '20270930', careLevel: '2', author: '介護 花子', office: 'こもれび居宅介護支援事業所', officeCode: CARE,
    assessment: '本人：家で暮らし続けたい。', reviewOpinion: 'なし', policy: '転倒を防ぎ、入浴と外出を続けられるよう支えます。' },
  t2: [
    { needNo: '1', need: '自宅で入浴したい', goalNo: '1', longGoal: '自宅で入浴できる', shortGoal: '浴槽をまたげる', longPeriod: '20261101～20270930',
      shortPeriod: '20261101～20270331', serviceNo: '1', service: '入浴介助', insured: '1', serviceKind: '訪問介護', provider: 'やまなみヘルパーステーション', frequency: '週2回' },
    { needNo: '1', need: '自宅で入浴したい', goalNo: '1', longGoal: '自宅で入浴できる', shortGoal: '浴槽をまたげる', longPeriod: '20261101～20270930',
      shortPeriod: '20261101～20270331', serviceNo: '2', service: '皮膚の観察', insured: '1', serviceKind: '訪問看護', provider: 'ひだまり訪問看護ステーション', frequency: '週1回' },
    { needNo: '2', need: '歩きたい', goalNo: '1', longGoal: '近所を歩ける', shortGoal: '屋内を歩ける', serviceNo: '1', service: '歩行器の貸与', insured: '1', serviceKind: '福祉用具貸与' },
  ],
  t3: [
    { kind: '1', days: '月木', start: '1000', end: '1100', content: '入浴介助', serviceKind: '訪問介護' },
    { kind: '1', days: '月水金', start: '1400', end: '1500', content: '訪問看護', serviceKind: '訪問看護' },
    { kind: '1', days: '火水木金土日', start: '0900', end: '0915', content: '服薬確認', serviceKind: '訪問介護' },
    { kind: '2', days: '', start: '0700', end: '0800', content: '起床・朝食' },
    { kind: '3', content: '福祉用具貸与（歩行器）' },
  ],
};

test('a plan round-trips: 第1-3表 → CarePlan, Goals and activities → read back; a new version replaces it', async () => {
  const pid = P.plan.id;
  const empty = await get(CM, `/api/collab/careplan?patient=Patient/${pid}`);
  assert.equal(empty.status, 200, empty.text);
  assert.equal(empty.json.careplan, null);
  assert.equal(empty.json.mayEdit, true);

  const r = await save(CM, pid, PLAN);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.summary, 'ケアプランを作成しました（第2表 3件、週間 11 コマ）');
  const back = await get(CM, `/api/collab/careplan?patient=Patient/${pid}`);
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.careplan, r.json.careplan);
  for (const [k, v] of Object.entries(PLAN.t1)) assert.equal(back.json.plan.t1[k], v, `t1.${k}`);
  for (const t of ['t2', 't3']) {
    assert.equal(back.json.plan[t].length, PLAN[t].length);
    PLAN[t].forEach((row, i) => { for (const [k, v] of Object.entries(row)) assert.equal(back.json.plan[t][i][k], v, `${t}[${i}].${k}`); });
  }
  // as FHIR: the CarePlan with its goals (long and short, the short naming its long) and activities
  const cp = await get(VN, `/fhir/${r.json.careplan}`);
  assert.equal(cp.status, 200, cp.text);
  assert.equal(cp.json.status, 'active');
  assert.equal(cp.json.description, PLAN.t1.policy);
  assert.deepEqual(cp.json.period, { start: '2026-10-01', end: '2027-09-30' });
  assert.equal(cp.json.activity.length, 8);
  assert.deepEqual(cp.json.activity[3].detail.scheduledTiming.repeat, { dayOfWeek: ['mon', 'thu'], timeOfDay: ['10:00:00'], duration: 60, durationUnit: 'min' });
  assert.equal(cp.json.goal.length, 4);
  const goals = await Promise.all(cp.json.goal.map((g) => get(VN, `/fhir/${g.reference}`)));
  assert.deepEqual(goals.map((g) => g.json.category[0].coding[0].code), ['long-term', 'short-term', 'long-term', 'short-term']);
  assert.equal(goals[1].json.extension.find((e) => e.url.endsWith('long-term-goal')).valueReference.reference, cp.json.goal[0].reference);
  assert.equal(goals[0].json.description.text, '自宅で入浴できる');
  // found by their search parameters
  const ids = (b) => (b.json.entry || []).map((e) => e.resource.id);
  const plainId = r.json.careplan.split('/')[1];
  assert.deepEqual(ids(await get(VN, `/fhir/CarePlan?subject=Patient/${pid}&category=urn:renkei:CodeSystem:careplan-kind|kyotaku`)), [plainId]);
  assert.deepEqual(ids(await get(VN, `/fhir/CarePlan?patient=Patient/${pid}&goal=${cp.json.goal[1].reference}`)), [plainId]);
  assert.deepEqual(ids(await get(VN, `/fhir/CarePlan?patient=Patient/${pid}&date=ge2027-01-01`)), [plainId]);
  assert.deepEqual(ids(await get(VN, `/fhir/CarePlan?patient=Patient/${pid}&date=lt2026-01-01`)), []);
  assert.equal((await get(VN, `/fhir/Goal?patient=Patient/${pid}&category=urn:renkei:CodeSystem:careplan-goal-term|long-term`)).json.entry.length, 2);
  assert.equal((await get(VN, `/fhir/Goal?patient=Patient/${pid}&lifecycle-status=active`)).json.entry.length, 4);
  // the summary on the timeline, the care manager's post
  const tl = await posts(VN, pid);
  assert.equal(tl.entry.length, 1);
  assert.equal(tl.entry[0].resource.payload[0].contentString, r.json.summary);
  assert.equal(tl.entry[0].resource.about[0].reference, r.json.careplan);

  // a new version: the same CarePlan, version 2, the old goals gone, the history kept
  const v2 = structuredClone(PLAN);
  v2.t2 = v2.t2.slice(0, 1);
  v2.t1.planDate = '20261201';
  const r2 = await save(CM, pid, v2);
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.careplan, r.json.careplan);
  assert.equal(r2.json.version, 2);
  assert.match(r2.json.summary, /^ケアプランを更新しました（第2表 1件、週間 11 コマ）$/);
  const hist = await get(CM, `/fhir/${r.json.careplan}/_history`);
  assert.equal(hist.json.entry.length, 2);
  assert.equal((await get(VN, `/fhir/${cp.json.goal[3].reference}`)).status, 410);
  assert.equal((await get(CM, `/api/collab/careplan?patient=Patient/${pid}`)).json.plan.t1.planDate, '20261201');
  // the first version is still readable through the plan's history
  const first = await get(VN, `/api/collab/careplan?patient=Patient/${pid}&version=1`);
  assert.equal(first.status, 200, first.text);
  assert.deepEqual([first.json.version, first.json.latestVersion, first.json.plan.t2.length, first.json.mayEdit], [1, 2, 3, false]);
  assert.deepEqual(first.json.versions.map((v) => v.version), [2, 1]);
  assert.equal((await get(VN, `/api/collab/careplan?patient=Patient/${pid}&version=3`)).status, 400);
  assert.equal((await posts(VN, pid)).entry.length, 2);

  // a CarePlan written some other way through /fhir is not taken for the plan
  const raw = await post(CM, '/fhir/CarePlan', { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${pid}` },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:careplan-kind', code: 'kyotaku' }] }] });
  assert.equal(raw.status, 201, raw.text);
  const still = await get(CM, `/api/collab/careplan?patient=Patient/${pid}`);
  assert.equal(still.status, 200, still.text);
  assert.equal(still.json.careplan, r.json.careplan);

  // others read, only the care manager writes
  const nurse = await get(VN, `/api/collab/careplan?patient=Patient/${pid}`);
  assert.equal(nurse.status, 200);
  assert.equal(nurse.json.mayEdit, false);
  const refused = await save(VN, pid, PLAN);
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.json.issue[0].diagnostics, /ケアマネジャー/);
  assert.equal((await get(CM, `/fhir/${r.json.careplan}`)).json.meta.versionId, '2');
});

test('the ケアプランデータ連携 CSV: import, then export byte-equal (Shift_JIS, CR LF)', async () => {
  const pid = P.csv.id;
  const r = await importFiles(CM, pid, [FILES.CPLAN1, FILES.CPLAN2, FILES.CPLAN3].map((f) => file(f.name, f.bytes)));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.summary, 'ケアプランを作成しました（第2表 4件、週間 6 コマ）');
  for (const [t, f] of [[1, FILES.CPLAN1], [2, FILES.CPLAN2], [3, FILES.CPLAN3]]) {
    const e = await exportTable(VN, pid, t);
    assert.equal(e.status, 200);
    assert.equal(e.type, 'text/csv; charset=Shift_JIS');
    assert.match(e.disposition, new RegExp(`^attachment; filename="CPLAN${t}_202611_${CARE}_0000000000_\\d{14}\\.CSV"$`));
    assert.ok(e.bytes.equals(f.bytes), `第${t}表: the export is byte-equal to the imported file\n${e.bytes.toString('hex').slice(0, 200)}\n${f.bytes.toString('hex').slice(0, 200)}`);
  }
  // the text as read: a multi-line value, 全角 tilde and all
  const back = await get(VN, `/api/collab/careplan?patient=Patient/${pid}`);
  assert.equal(back.json.plan.t1.policy, '転倒を防ぎ、自宅での入浴と外出を続けられるよう、訪問看護・通所介護・福祉用具で支えます。\r\n緊急時は長女と主治医に連絡します。');
  assert.equal(back.json.plan.t2[0].longPeriod, '20261101～20270930');
  // a plan made in the UI exports in the same layout and reads back the same
  const e1 = await exportTable(CM, P.plan.id, 1);
  assert.equal(e1.status, 200);
  assert.ok(e1.bytes.toString('latin1').endsWith('\r\n'));
  assert.equal(new TextDecoder('shift_jis').decode(e1.bytes).split(',')[3], '"20261101"');
});

test('a malformed CSV is refused with its line and column, and nothing is stored', async () => {
  const pid = P.bad.id;
  const t1 = FILES.CPLAN1.bytes, t2 = FILES.CPLAN2.bytes, t3 = FILES.CPLAN3.bytes;
  const utf8 = Buffer.from(new TextDecoder('shift_jis').decode(t1), 'utf8');
  const swap = (buf, from, to) => Buffer.from(buf.toString('latin1').replace(from, to), 'latin1');
  // a value that ends inside a character: the first byte of a Shift_JIS pair, its second byte gone
  const broken = swap(t1, '1-2"', '1-2\x92"');
  const cases = [
    ['UTF-8 where Shift_JIS is required', [file(FILES.CPLAN1.name, utf8)], 400, /UTF-8 で書かれています.*Shift_JIS/],
    ['a UTF-8 BOM', [file(FILES.CPLAN1.name, Buffer.concat([Buffer.from([0xEF, 0xBB, 0xBF]), t1]))], 400, /BOM/],
    ['a broken multibyte character', [file(FILES.CPLAN1.name, broken)], 400, /1行目 6列目（利用者住所1）: Shift_JIS \(MS932\) として読めない/],
    ['a wrong number of columns', [file(FILES.CPLAN1.name, t1), file(FILES.CPLAN2.name, swap(t2, '"20261101","1",', '"20261101",'))], 400, /1行目: 列が 21 個あります（第2表 居宅サービス計画書（2） は 22 列）/],
    ['a date out of range', [file(FILES.CPLAN1.name, swap(t1, '"20250401"', '"19990401"'))], 400, /1行目 15列目（初回居宅サービス計画作成日）: 日付 19990401 は範囲外/],
    ['a date in 和暦', [file(FILES.CPLAN1.name, swap(t1, '"20260915"', '"R080915"'))], 400, /1行目 18列目（認定日）: 日付は西暦の YYYYMMDD/],
    ['a day that does not exist', [file(FILES.CPLAN1.name, swap(t1, '"20261001"', '"20260931"'))], 400, /19列目.*20260931 は存在しない日付/],
    ['weekdays that do not parse', [file(FILES.CPLAN1.name, t1), file(FILES.CPLAN3.name, swap(t3, '"1","\x8c\x8e\x96\xd8"', '"1","\x96\xd8\x8c\x8e"'))], 400, /1行目 6列目（曜日）: 曜日は 月火水木金土日/],
    ['a time that does not parse', [file(FILES.CPLAN1.name, t1), file(FILES.CPLAN3.name, swap(t3, '"0930"', '"2530"'))], 400, /2行目 7列目（開始時刻）: 時刻は HHMM/],
    ['an end before the start', [file(FILES.CPLAN1.name, t1), file(FILES.CPLAN3.name, swap(t3, '"1600"', '"0900"'))], 400, /2行目: 終了時刻 0900 が開始時刻 0930 より前/],
    ['another person\'s rows', [file(FILES.CPLAN1.name, t1), file(FILES.CPLAN2.name, swap(t2, '"0000012345"', '"0000099999"'))], 400, /第2表 居宅サービス計画書（2） 1件目: 被保険者番号 0000099999 が第1表の 0000012345 と違います/],
    ['LF line endings', [file(FILES.CPLAN1.name, swap(t2, /\r\n/g, '\n'))], 400, /改行は CR LF/],
    ['an unknown file', [file('plan.csv', t1)], 400, /どの表のファイルか分かりません/],
    ['no 第1表', [file(FILES.CPLAN2.name, t2)], 400, /第1表（CPLAN1_）のファイルがありません/],
    ['an oversized file', [file(FILES.CPLAN1.name, Buffer.alloc(1024 * 1024 + 1, 0x41))], 413, /ファイルが大きすぎます/],
  ];
  const before = (await posts(CM, pid)).entry?.length ?? 0;
  for (const [what, files, status, msg] of cases) {
    const r = await importFiles(CM, pid, files);
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.equal(r.json.resourceType, 'OperationOutcome', what);
    assert.match(r.json.issue[0].diagnostics, msg, what);
  }
  // a plan from the UI with the same faults
  for (const [what, change, msg] of [
    ['a date in the wrong form', (p) => { p.t1.created = '2026-11-01'; }, /作成年月日.*西暦の YYYYMMDD/],
    ['a time grid that does not parse', (p) => { p.t3[0].days = '月曜'; }, /第3表 週間サービス計画表 1件目（曜日）/],
    ['a character Shift_JIS lacks', (p) => { p.t1.policy = '𠮷野家の近くを歩く'; }, /総合的な援助の方針.*Shift_JIS \(MS932\) で表せない/],
    ['an unknown column', (p) => { p.t2[0].colour = '赤'; }, /「colour」は第2表 居宅サービス計画書（2）の項目ではありません/],
  ]) {
    const plan = structuredClone(PLAN);
    change(plan);
    const r = await save(CM, pid, plan);
    if (r.status !== 400) console.log(SRV.log.split('\n').filter((l) => /error|audit/.test(l)).slice(-10).join('\n'));
    assert.equal(r.status, 400, `${what}: ${r.text}`);
    assert.match(r.json.issue[0].diagnostics, msg, what);
  }
  assert.equal(await countPlans(pid), 0, 'no plan was stored');
  assert.equal((await get(DR, `/fhir/Goal?subject=Patient/${pid}&_summary=count`)).json.total, 0, 'no goal was stored');
  assert.equal((await posts(CM, pid)).entry?.length ?? 0, before, 'nothing was posted');
});

test('outside the team, or after leaving it: the plan is as missing as a missing patient', async () => {
  const r = await importFiles(CM, P.vnleft.id, [FILES.CPLAN1, FILES.CPLAN2].map((f) => file(f.name, f.bytes)));
  assert.equal(r.status, 201, r.text);
  const plan = r.json.careplan;
  const missing = 'no-such-patient';
  const same = async (who, pid, label) => {
    for (const [m, p, body] of [
      ['GET', `/api/collab/careplan?patient=Patient/${pid}`],
      ['GET', `/api/collab/careplan/export?patient=Patient/${pid}&table=1`],
      ['POST', `/api/collab/careplan?patient=Patient/${pid}`, { plan: PLAN }],
      ['POST', `/api/collab/careplan/import?patient=Patient/${pid}`, { files: [file(FILES.CPLAN1.name, FILES.CPLAN1.bytes)] }],
    ]) {
      const opts = { headers: { 'Content-Type': 'application/json' } };
      const a = m === 'GET' ? await get(who, p, opts) : await post(who, p, body, opts);
      const q = p.replace(pid, missing);
      const b = m === 'GET' ? await get(who, q, opts) : await post(who, q, body, opts);
      assert.equal(a.status, 404, `${label} ${m} ${p}: ${a.text}`);
      assert.deepEqual([a.status, a.text.replaceAll(pid, 'X')], [b.status, b.text.replaceAll(missing, 'X')], `${label} ${m} ${p}`);
    }
  };
  await same(OUT, P.vnleft.id, 'a facility on no team');
  await same(VN, P.vnleft.id, 'the nurse who left the team');
  await same(CM, P.cmleft.id, 'the care manager who left the team');
  for (const who of [OUT, VN]) assert.equal((await get(who, `/fhir/${plan}`)).status, 404);
  assert.equal((await get(CM, `/fhir/${plan}`)).status, 200, 'the writer still reads its plan');
  assert.equal(await countPlans(P.cmleft.id), 0, 'the care manager who left stored nothing');
});

test('the command line: renkei careplan check, import and export', async () => {
  const paths = ['CPLAN1', 'CPLAN2', 'CPLAN3'].map((k) => path.join(DIR, FILES[k].name));
  const ok = await SRV.cli(['careplan', 'check', ...paths]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /第2表 4 行, 第3表 5 行 \(週間 6 コマ\): 読めます/);
  const bad = await SRV.cli(['careplan', 'check', path.join(ROOT_DIR, 'tests/integration/collab_plan.test.mjs')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /どの表のファイルか分かりません/);
  // only a facility on the person's team; then the plan is the API's too, and exports byte-equal
  const outside = await SRV.cli(['careplan', 'import', '--patient', P.cli.id, '--facility', '2011100018', ...paths]);
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /not a current member of the person's care team/);
  const r = await SRV.cli(['careplan', 'import', '--patient', P.cli.id, '--facility', CARE, ...paths]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^CarePlan\/\S+: ケアプランを作成しました（第2表 4件、週間 6 コマ）/);
  const back = await get(VN, `/api/collab/careplan?patient=Patient/${P.cli.id}`);
  assert.equal(back.json.facility, CARE);
  const e = await exportTable(VN, P.cli.id, 3);
  assert.ok(e.bytes.equals(FILES.CPLAN3.bytes));
  const out = await SRV.cli(['careplan', 'export', '--patient', P.cli.id, '--table', '1']);
  assert.equal(out.code, 0, out.stderr);
  assert.ok(Buffer.from(out.stdout, 'latin1').length > 0);
  // another member's plan replaces it: a new CarePlan naming the old one, the old one kept
  const other = await SRV.cli(['careplan', 'import', '--patient', P.cli.id, '--facility', NURSING, paths[0]]);
  assert.equal(other.code, 0, other.stderr);
  const now = await get(VN, `/api/collab/careplan?patient=Patient/${P.cli.id}`);
  assert.equal(now.json.facility, NURSING);
  assert.notEqual(now.json.careplan, back.json.careplan);
  assert.equal((await get(VN, `/fhir/${now.json.careplan}`)).json.replaces[0].reference, back.json.careplan);
  assert.equal((await get(VN, `/fhir/${back.json.careplan}`)).status, 200, 'the replaced plan stays readable');
});
