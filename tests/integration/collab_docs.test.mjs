// collab_docs.test.mjs — the care team's documents (多職種連携): 訪問看護指示書,
// 特別訪問看護指示書, 訪問リハビリ指示書 (the doctor's), 訪問看護計画書 and 報告書
// (the station's) as FHIR Composition through /api/collab/documents: each
// kind round-trips; saving one posts its summary to the timeline, which the
// whole team sees; the printable PDF carries the Japanese fields (read back
// with pdftotext); the author signs a version (verified), a later version
// shows 署名後に変更あり; the reminder job posts once 14 days and once 3 days
// before a 指示書 ends; bad input is refused with a Japanese message and
// nothing stored; a facility outside the team and a member who left get
// exactly the answer a missing document gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, get, post, put, patient, cleanupStore, REGION_SYSTEM } from './harness.mjs';

const HOSP = '2011000011';    // 信州れんけい総合病院 (dr.renkei): the primary doctor
const CARE = '2070400017';    // こもれび居宅介護支援事業所 (cm.komorebi)
const NURSING = '2061300019'; // ひだまり訪問看護ステーション (vn.hidamari)
const org = (code) => ({ reference: `Organization/org-${code}` });
const PART = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
let SRV, DR, VN, CM, OUT;
const P = {};

const day = (offset) => new Date(Date.now() + 9 * 3600000 + offset * 86400000).toISOString().slice(0, 10);
const rid = (r) => r.json.identifier.find((x) => x.system === REGION_SYSTEM).value;

function consent(pid, kind, source, viewer) {
  const actor = [];
  if (source) actor.push({ role: { coding: [{ system: PART, code: 'CST' }] }, reference: org(source) });
  if (viewer) actor.push({ role: { coding: [{ system: PART, code: 'IRCP' }] }, reference: org(viewer) });
  return {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: kind }] }],
    patient: { reference: `Patient/${pid}` }, dateTime: '2026-01-05',
    provision: { type: 'permit', ...(actor.length ? { actor } : {}) },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') },
  };
}

const ORDER_FIELDS = {
  diagnosis: '慢性心不全、2型糖尿病', condition: '下肢浮腫あり。内服で安定。', medication: 'フロセミド 20mg 1日1回 朝食後',
  adlBedridden: 'B1', adlDementia: 'Ⅱa', careLevel: '要介護3', pressureUlcer: 'DESIGN-R d2', devices: '在宅酸素療法',
  instrLife: '塩分制限と体重測定', instrUlcer: '仙骨部の洗浄と保護', emergency: '信州れんけい総合病院 0263-00-0000',
  absence: '当直医に連絡', clinic: '信州れんけい総合病院', doctor: '連携 一郎', station: 'ひだまり訪問看護ステーション',
};

const pdfTimes = [];
async function pdfText(client, id) {
  const t0 = performance.now();
  const r = await fetch(`${client.origin}/api/collab/documents/${id}/pdf`, { headers: { Cookie: client.headers.Cookie } });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const bytes = Buffer.from(await r.arrayBuffer());
  pdfTimes.push([Math.round(performance.now() - t0), bytes.length]);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: bytes }).toString();
}
const squash = (s) => s.replace(/\s+/g, '');

async function timeline(client, pid) {
  const r = await get(client, `/fhir/Communication?subject=Patient/${pid}&_count=100`);
  assert.equal(r.status, 200, r.text);
  return (r.json.entry || []).map((e) => e.resource.payload[0].contentString);
}

before(async () => {
  SRV = await startServer();
  DR = await SRV.login('dr.renkei');
  VN = await SRV.login('vn.hidamari');
  CM = await SRV.login('cm.komorebi');
  OUT = await SRV.login('dr.yamabiko');
  for (const [name, family, kana] of [['team', '文書', 'ブンショ'], ['left', '退任', 'タイニン']]) {
    const h = await post(DR, '/fhir/Patient', patient(HOSP, `D-${name}`, { family, familyKana: kana }));
    assert.equal(h.status, 201, h.text);
    const n = await post(VN, '/fhir/Patient', patient(NURSING, `N-${name}`, { family, familyKana: kana }));
    assert.equal(n.status, 201, n.text);
    await SRV.link(rid(h), rid(n));
    P[name] = { hosp: h.json.id, nurs: n.json.id, rid: rid(h) };
    // 包括同意 with the team, and each facility's 個別同意 to disclose its documents to the other
    for (const [who, c] of [[DR, consent(h.json.id, 'comprehensive')], [DR, consent(h.json.id, 'individual', HOSP, NURSING)],
      [VN, consent(n.json.id, 'individual', NURSING, HOSP)]]) {
      const r = await post(who, '/fhir/Consent', c);
      assert.equal(r.status, 201, r.text);
    }
    const members = [{ member: org(HOSP) }, { member: org(CARE) }, { member: org(NURSING) }];
    const team = { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${h.json.id}` },
      managingOrganization: [org(HOSP)], participant: members };
    const t = await post(DR, '/fhir/CareTeam', team);
    assert.equal(t.status, 201, t.text);
    P[name].team = t.json;
  }
});
after(async () => {
  console.log(`PDF responses (ms, bytes; not asserted): ${pdfTimes.map(([ms, n]) => `${ms} ms ${n} B`).join(', ')}`);
  await SRV.checkAudit();
  const code = await SRV.stop();
  if (code !== 0) console.log(SRV.log.slice(-4000)); // a sanitizer's report
  assert.equal(code, 0, 'the server ends cleanly (under ASan: no leak)');
  cleanupStore(SRV.store);
});

test('each kind round-trips, posts its summary to the timeline, and prints as a PDF with its Japanese fields', async () => {
  const pid = P.team.hosp;
  const order = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, { kind: 'vn-order', start: day(0), end: day(150), fields: ORDER_FIELDS });
  assert.equal(order.status, 201, order.text);
  assert.equal(order.json.summary, `訪問看護指示書（指示期間 ${day(0)}〜${day(150)}）を発行しました`);
  // the whole team sees the post, the care manager included (who may not open the document)
  for (const who of [VN, CM]) assert.ok((await timeline(who, pid)).includes(order.json.summary), 'the summary is on the timeline');
  assert.equal((await get(CM, `/api/collab/documents?patient=Patient/${pid}`)).status, 403, 'ケアマネ: not the documents (文書)');

  const special = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, { kind: 'vn-special', start: day(0), end: day(13),
    fields: { condition: '急性増悪', reason: '点滴のため毎日の訪問が必要', drip: '生理食塩水 500mL 1日1回', clinic: '信州れんけい総合病院', doctor: '連携 一郎', station: 'ひだまり訪問看護ステーション' } });
  assert.equal(special.status, 201, special.text);
  const rehab = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, { kind: 'rehab-order', start: day(0), end: day(90),
    fields: { diagnosis: '脳梗塞後遺症', rehab: '歩行訓練と関節可動域訓練', clinic: '信州れんけい総合病院', doctor: '連携 一郎', station: 'ひだまり訪問看護ステーション' } });
  assert.equal(rehab.status, 201, rehab.text);
  const plan = await post(VN, `/api/collab/documents?patient=Patient/${P.team.nurs}`, { kind: 'vn-plan',
    fields: { goal: '在宅療養を継続し、心不全の増悪を防ぐ', problems: `${day(0)} 体重増加 → 毎日の体重測定と塩分指導`, supplies: 'ガーゼ 10枚', author: '訪問 花子（看護師）', station: 'ひだまり訪問看護ステーション' } });
  assert.equal(plan.status, 201, plan.text);
  const month = day(0).slice(0, 7), last = new Date(Date.UTC(+month.slice(0, 4), +month.slice(5, 7), 0)).getUTCDate();
  const report = await post(VN, `/api/collab/documents?patient=Patient/${P.team.nurs}`, { kind: 'vn-report', start: `${month}-01`, end: `${month}-${last}`,
    visits: [1, 8, 15], fields: { progress: '浮腫は軽減傾向', care: '体重・バイタル測定、服薬確認', family: '妻が介護', author: '訪問 花子（看護師）', station: 'ひだまり訪問看護ステーション' } });
  assert.equal(report.status, 201, report.text);
  assert.equal(report.json.summary, `訪問看護報告書（${month}、訪問 3 回）を作成しました`);

  // the doctor and the nurse each see all five, with kind and period
  for (const who of [DR, VN]) {
    const l = await get(who, `/api/collab/documents?patient=Patient/${pid}`);
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.json.documents.map((d) => d.kind).sort(), ['rehab-order', 'vn-order', 'vn-plan', 'vn-report', 'vn-special']);
    const sp = l.json.documents.find((d) => d.kind === 'vn-special');
    assert.deepEqual([sp.start, sp.end, sp.daysLeft, sp.expiring, sp.signature.state], [day(0), day(13), 13, true, 'none']);
  }
  // every field round-trips as written
  const one = await get(VN, `/api/collab/documents/${order.json.id}`);
  assert.equal(one.status, 200, one.text);
  assert.deepEqual(Object.fromEntries(one.json.fields.map((f) => [f.key, f.text])), ORDER_FIELDS);
  assert.equal(one.json.fields.find((f) => f.key === 'diagnosis').ja, '主たる傷病名');
  const rep = await get(DR, `/api/collab/documents/${report.json.id}`);
  assert.deepEqual(rep.json.visits, [1, 8, 15]);
  // and so does every other kind, read by the other side
  for (const [who, doc, sent] of [[VN, special, '点滴のため毎日の訪問が必要'], [VN, rehab, '歩行訓練と関節可動域訓練'], [DR, plan, '在宅療養を継続し、心不全の増悪を防ぐ'], [DR, report, '浮腫は軽減傾向']]) {
    const r = await get(who, `/api/collab/documents/${doc.json.id}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.fields.some((f) => f.text === sent), `${r.json.kind}: ${JSON.stringify(r.json.fields)}`);
    assert.equal(r.json.version, 1);
  }
  // a Composition under FHIR, typed by the renkei code system, the writer's facility's record
  const fhir = await get(VN, `/fhir/Composition/${order.json.id}`);
  assert.equal(fhir.status, 200, fhir.text);
  assert.equal(fhir.json.type.coding[0].code, 'vn-order');
  assert.deepEqual(fhir.json.event[0].period, { start: day(0), end: day(150) });

  // the PDF: the 様式's labels and what was written, in Japanese
  const text = squash(await pdfText(VN, order.json.id));
  for (const s of ['訪問看護指示書', '主たる傷病名', '慢性心不全、2型糖尿病', '投与中の薬剤の用量・用法', 'フロセミド20mg', '褥瘡の深さ',
    '緊急時の連絡先', '不在時の対応', '宛先（訪問看護ステーション）', 'ひだまり訪問看護ステーション', `指示期間${day(0)}〜${day(150)}`, '文書太郎', '署名なし'])
    assert.ok(text.includes(squash(s)), `the PDF has ${s}: ${text.slice(0, 400)}`);
  const rtext = squash(await pdfText(DR, report.json.id));
  for (const s of ['訪問看護報告書', '病状の経過', '浮腫は軽減傾向', '看護・リハビリテーションの内容', '家庭での介護の状況', '訪問日'])
    assert.ok(rtext.includes(s), `the report's PDF has ${s}`);
  P.order = order.json.id;
});

test('the author signs a version: 検証済み; a later version shows 署名後に変更あり', async () => {
  const id = P.order;
  let r = await post(VN, `/api/collab/documents/${id}/sign`, {});
  assert.equal(r.status, 403, 'not the author');
  assert.match(r.json.issue[0].diagnostics, /作成者/);
  r = await post(DR, `/api/collab/documents/${id}/sign`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'verified');
  assert.match(r.json.label, /テスト鍵/);
  r = await post(DR, `/api/collab/documents/${id}/sign`, {});
  assert.equal(r.status, 409, 'already signed at this version');
  assert.match(r.json.issue[0].diagnostics, /すでに署名/);
  let d = await get(VN, `/api/collab/documents/${id}`);
  assert.deepEqual([d.json.signature.state, d.json.signature.ja, d.json.signature.account], ['verified', '署名: 検証済み', 'dr.renkei']);
  assert.ok(squash(await pdfText(VN, id)).includes('署名:検証済み'));
  // a new version (the doctor changes the medication): the signature no longer covers it
  const up = await put(DR, `/api/collab/documents/${id}`, { kind: 'vn-order', version: d.json.version, start: day(0), end: day(150),
    fields: { ...ORDER_FIELDS, medication: 'フロセミド 40mg 1日1回 朝食後' } });
  assert.equal(up.status, 200, up.text);
  assert.match(up.json.summary, /を更新しました$/);
  d = await get(VN, `/api/collab/documents/${id}`);
  assert.deepEqual([d.json.version, d.json.signature.state, d.json.signature.ja], [2, 'changed', '署名後に変更あり']);
  assert.ok(squash(await pdfText(DR, id)).includes('署名後に変更あり'));
  // a stale version is refused, nothing stored
  r = await put(DR, `/api/collab/documents/${id}`, { kind: 'vn-order', version: 1, start: day(0), end: day(150), fields: ORDER_FIELDS });
  assert.equal(r.status, 412, r.text);
  // signed again: verified at version 2
  assert.equal((await post(DR, `/api/collab/documents/${id}/sign`, {})).status, 200);
  assert.equal((await get(VN, `/api/collab/documents/${id}`)).json.signature.state, 'verified');
  // the nurse cannot change the doctor's 指示書 (role), nor through FHIR (another facility's record)
  r = await put(VN, `/api/collab/documents/${id}`, { kind: 'vn-order', start: day(0), end: day(150), fields: ORDER_FIELDS });
  assert.equal(r.status, 403, r.text);
  const cur = (await get(VN, `/fhir/Composition/${id}`)).json;
  r = await put(VN, `/fhir/Composition/${id}`, { ...cur, title: '改ざん' });
  assert.equal(r.status, 403, r.text);
  // a change made behind the API (through FHIR by its owner) also shows as changed
  r = await put(DR, `/fhir/Composition/${id}`, { ...cur, title: '訪問看護指示書（修正）' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await get(VN, `/api/collab/documents/${id}`)).json.signature.state, 'changed');
});

test('the reminder job posts once 14 days and once 3 days before a 指示書 ends', async () => {
  const pid = P.team.hosp;
  const o = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, { kind: 'vn-order', start: day(-170), end: day(10), fields: ORDER_FIELDS });
  assert.equal(o.status, 201, o.text);
  // the reminders of this document (the special order of the first test, 13 days left, gets its own)
  const reminders = async () => (await timeline(VN, pid)).filter((t) => t.startsWith('【指示期間の終了まで') && t.includes(`指示期間 ${day(-170)}`));
  const run = async () => {
    const r = await SRV.cli(['jobs', 'run', 'collab-order-remind']);
    assert.equal(r.code, 0, r.stderr);
  };
  const before = (await reminders()).length;
  const audited = async () => (await SRV.cli(['audit', 'list'])).stdout.split('\n').filter((x) => x.split('\t')[3] === 'document-reminder').length;
  const a0 = await audited();
  await run();
  const a1 = await audited();
  assert.ok(a1 > a0, 'the reminder is audited');
  let now = await reminders();
  assert.equal(now.length, before + 1, JSON.stringify(now));
  assert.ok(now.some((t) => t.includes('あと10日') && t.includes('信州れんけい総合病院') && t.includes('ひだまり訪問看護ステーション')), JSON.stringify(now));
  await run();
  assert.equal((await reminders()).length, before + 1, 'once per threshold');
  assert.equal(await audited(), a1);
  // the doctor shortens the period (a new version): the 3-day reminder, once
  const cur = await get(DR, `/api/collab/documents/${o.json.id}`);
  const up = await put(DR, `/api/collab/documents/${o.json.id}`, { kind: 'vn-order', version: cur.json.version, start: day(-170), end: day(2), fields: ORDER_FIELDS });
  assert.equal(up.status, 200, up.text);
  await run();
  await run();
  now = await reminders();
  assert.equal(now.length, before + 2, JSON.stringify(now));
  assert.ok(now.some((t) => t.includes('あと2日')));
  // the list shows the badge
  const l = await get(VN, `/api/collab/documents?patient=Patient/${pid}`);
  const row = l.json.documents.find((d) => d.id === o.json.id);
  assert.deepEqual([row.daysLeft, row.expiring], [2, true]);
  assert.equal(await audited(), a1 + 1, 'each post audited, once');
});

test('bad input: a clear Japanese message, nothing stored', async () => {
  const pid = P.team.hosp;
  const count = async () => (await get(DR, `/api/collab/documents?patient=Patient/${pid}`)).json.documents.length;
  const posts = async () => (await timeline(DR, pid)).length;
  const [n0, p0] = [await count(), await posts()];
  const cases = [
    [{ kind: 'vn-order', start: day(10), end: day(0), fields: ORDER_FIELDS }, 400, /終了日.*開始日.*より前です/],
    [{ kind: 'vn-special', start: day(0), end: day(14), fields: { condition: 'x', reason: 'y', clinic: 'c', doctor: 'd', station: 's' } }, 400, /14日まで/],
    [{ kind: 'vn-order', start: '2026-12-01', end: '2027-06-01', fields: ORDER_FIELDS }, 400, /6か月まで/],
    [{ kind: 'vn-order', start: day(0), end: day(30), fields: { ...ORDER_FIELDS, condition: 'あ'.repeat(700) } }, 400, /長すぎます/],
    [{ kind: 'vn-order', start: day(0), end: day(30), fields: { ...ORDER_FIELDS, diagnosis: '' } }, 400, /主たる傷病名.*入力してください/],
    [{ kind: 'vn-order', start: day(0), end: day(30), fields: { ...ORDER_FIELDS, nope: 'x' } }, 400, /この項目はありません/],
    [{ kind: 'vn-order', start: '2026-02-30', end: day(30), fields: ORDER_FIELDS }, 400, /開始日/],
    [{ kind: 'letter', fields: {} }, 400, /文書の種類/],
    [{ kind: 'vn-plan', fields: { goal: 'g', problems: 'p', author: 'a', station: 's' } }, 403, /訪問看護師/], // a doctor does not write the station's plan
  ];
  for (const [body, status, re] of cases) {
    const r = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.match(r.json.issue[0].diagnostics, re);
  }
  // 2026-12-01 → 2027-05-31 is six months exactly: accepted
  const six = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, { kind: 'vn-order', start: '2026-12-01', end: '2027-05-31', fields: ORDER_FIELDS });
  assert.equal(six.status, 201, six.text);
  assert.deepEqual([await count(), await posts()], [n0 + 1, p0 + 1], 'only the valid one stored, with its one post');
  // script in a field: kept as text; escaped in the narrative; plain text in the PDF
  const xss = '<script>alert("x")</script>&<b>';
  const s = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, { kind: 'vn-order', start: day(0), end: day(30), fields: { ...ORDER_FIELDS, notes: xss } });
  assert.equal(s.status, 201, s.text);
  const back = await get(VN, `/api/collab/documents/${s.json.id}`);
  assert.equal(back.json.fields.find((f) => f.key === 'notes').text, xss);
  const comp = await get(VN, `/fhir/Composition/${s.json.id}`);
  const sec = comp.json.section.find((x) => x.code.coding[0].code === 'notes');
  assert.ok(!sec.text.div.includes('<script') && sec.text.div.includes('&lt;script&gt;'), sec.text.div);
  assert.ok((await pdfText(VN, s.json.id)).includes('<script>alert("x")</script>'), 'plain text in the PDF');
  // not JSON, not an object
  let r = await post(DR, `/api/collab/documents?patient=Patient/${pid}`, [1]);
  assert.equal(r.status, 400);
  r = await post(DR, '/api/collab/documents?patient=Observation/x', { kind: 'vn-order' });
  assert.equal(r.status, 400);
});

test('outside the team, or after leaving it: a document is as missing as a missing one', async () => {
  // the doctor writes for the person whose team the station has left
  const leftTeam = P.left.team;
  const gone = await post(DR, `/api/collab/documents?patient=Patient/${P.left.hosp}`, { kind: 'vn-order', start: day(0), end: day(30), fields: ORDER_FIELDS });
  assert.equal(gone.status, 201, gone.text);
  // the station leaves: its member period ends yesterday (the lead changes the team)
  const members = [{ member: org(HOSP) }, { member: org(CARE) }, { member: org(NURSING), period: { start: '2025-01-01', end: day(-2) } }];
  const t = await put(DR, `/fhir/CareTeam/${leftTeam.id}`, { ...leftTeam, participant: members });
  assert.equal(t.status, 200, t.text);
  const mine = P.order, missing = 'no-such-document';
  for (const [who, id] of [[OUT, mine], [OUT, gone.json.id], [VN, gone.json.id]]) {
    for (const suffix of ['', '/pdf']) {
      const a = await get(who, `/api/collab/documents/${id}${suffix}`), b = await get(who, `/api/collab/documents/${missing}${suffix}`);
      assert.deepEqual([a.status, a.text.replace(id, 'X')], [b.status, b.text.replace(missing, 'X')]);
      assert.equal(a.status, 404);
    }
    const s = await post(who, `/api/collab/documents/${id}/sign`, {}), m = await post(who, `/api/collab/documents/${missing}/sign`, {});
    assert.deepEqual([s.status, s.text.replace(id, 'X')], [m.status, m.text.replace(missing, 'X')]);
  }
  // nor the person's list, nor a new document for them (the station after leaving; the outsider)
  for (const [who, pid] of [[VN, P.left.nurs], [OUT, P.team.hosp]]) {
    const a = await get(who, `/api/collab/documents?patient=Patient/${pid}`), b = await get(who, '/api/collab/documents?patient=Patient/nobody');
    assert.deepEqual([a.status, a.text.replace(pid, 'X')], [b.status, b.text.replace('nobody', 'X')]);
    assert.equal(a.status, 404);
  }
  const n = await post(VN, `/api/collab/documents?patient=Patient/${P.left.nurs}`, { kind: 'vn-plan', fields: { goal: 'g', problems: 'p', author: 'a', station: 's' } });
  assert.equal(n.status, 404, n.text);
  assert.equal((await get(OUT, `/fhir/Composition/${mine}`)).status, 404);
  // the care manager's role does not read documents at all
  assert.equal((await get(CM, `/api/collab/documents/${mine}`)).status, 403);
});
