// emergency.test.mjs — break-the-glass and what follows it: one
// re-authentication opens exactly one episode (also when several requests
// race for it); the review is the disclosing side's (a facility administrator
// where the patient is registered, other than the accessing facility) or the
// operator's, never the accessing facility's own; the patient's access report
// is complete for the operator and shows facility staff only their own
// facility's accesses. Finding a patient who cannot speak (regional ID,
// local ID, the 4情報: close matches only, too vague refused) is for those who
// may break the glass and for clinicians in disaster mode; disaster mode is
// declared by 全国地方公共団体コード, refused after its end, extended for one
// facility, ended early with its extensions, and its accesses reported (the
// API's CSV of the day, and the daily job's file).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, get, post, http, outcome, patient, totp, cleanupStore, sqlOn, DEMO_PASSWORD, DEMO_SECRET, REGION_SYSTEM } from './harness.mjs';

const S_FAC = '2011000011'; // 信州れんけい総合病院: where the patients are registered
const F_FAC = '2011000029'; // あずみの中央病院: whose staff break the glass
const O_FAC = '2011100018'; // やまびこ内科クリニック: neither (松本市 202029)
const K_FAC = '2011100042'; // 桔梗ヶ原眼科 (塩尻市 202151)
const H_FAC = '2011100034'; // ほたか小児科医院 (安曇野市 202207)
const REPORTS = mkdtempSync(path.join(tmpdir(), 'renkei-disaster-'));
let SRV, SD, DA, NF, OP, ADMIN_S, ADMIN_F, ADMIN_O;
const P = {}; // name → { id, rid }
const episodes = {};

const rid = (r) => r.json.identifier.find((x) => x.system === REGION_SYSTEM).value;
const start = (who, p, extra = {}) => post(who, '/api/emergency',
  { patient: `Patient/${p.id}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送、本人確認不可', ...extra });

before(async () => {
  SRV = await startServer({ sets: [`disaster.report_dir=${REPORTS}`] });
  SD = await SRV.login('dr.renkei');
  DA = await SRV.login('dr.azumino');
  OP = await SRV.login('operator');
  ADMIN_S = await SRV.login('admin.renkei');
  NF = await SRV.newStaff('ns.azumino', F_FAC, 'nurse');
  ADMIN_F = await SRV.newStaff('admin.azumino', F_FAC, 'facility_admin');
  ADMIN_O = await SRV.newStaff('admin.yamabiko', O_FAC, 'facility_admin');
  // P1: registered at S only; P2: at S and, merged by the operator, at F too
  let r = await post(SD, '/fhir/Patient', patient(S_FAC, 'E1', { family: '救急一', familyKana: 'キュウキュウイチ' }));
  assert.equal(r.status, 201, r.text);
  P.one = { id: r.json.id, rid: rid(r) };
  r = await post(SD, '/fhir/Patient', patient(S_FAC, 'E2', { family: '救急二', familyKana: 'キュウキュウニ', birthDate: '1961-02-03' }));
  assert.equal(r.status, 201, r.text);
  P.two = { id: r.json.id, rid: rid(r) };
  r = await post(DA, '/fhir/Patient', patient(F_FAC, 'A2', { family: '救急二', familyKana: 'キュウキュウニ', birthDate: '1961-02-03' }));
  assert.equal(r.status, 201, r.text);
  P.twoAtF = { id: r.json.id };
  const m = await SRV.cli(['patient', 'merge', '--from', rid(r), '--into', P.two.rid, '--reason', '同一人物（保険証で確認）']);
  assert.equal(m.code, 0, m.stderr);
  // F's doctor and nurse break the glass, one patient each (the logins used
  // this step's code: re-authenticate with the next one), and look
  const re = await post(DA, '/api/reauth', { password: DEMO_PASSWORD, code: totp(DEMO_SECRET, Date.now() + 30000) });
  assert.equal(re.status, 200, re.text);
  r = await start(DA, P.two);
  assert.equal(r.status, 201, r.text);
  episodes.two = r.json.episode;
  r = await start(NF, P.one, { password: NF.password, code: totp(NF.secret, Date.now() + 30000) });
  assert.equal(r.status, 201, r.text);
  episodes.one = r.json.episode;
  assert.equal((await get(NF, `/fhir/Patient/${P.one.id}`)).status, 200);
  assert.equal((await get(SD, `/fhir/Patient/${P.one.id}`)).status, 200);
  assert.equal((await get(DA, `/fhir/Patient/${P.twoAtF.id}`)).status, 200);
});

after(async () => {
  await SRV.checkAudit();
  assert.equal(await SRV.stop(), 0);
  cleanupStore(SRV.store);
  rmSync(REPORTS, { recursive: true, force: true });
});

test('one re-authentication opens exactly one episode', async () => {
  const N2 = await SRV.newStaff('ns.azumino2', F_FAC, 'nurse'), N3 = await SRV.newStaff('ns.azumino3', F_FAC, 'nurse');
  const re = await post(N2, '/api/reauth', { password: N2.password, code: totp(N2.secret, Date.now() + 30000) });
  assert.equal(re.status, 200, re.text);
  const raced = await Promise.all([0, 1, 2, 3].map(() => start(N2, P.one)));
  const opened = raced.filter((r) => r.status === 201);
  assert.equal(opened.length, 1, `one episode of four racing requests: ${raced.map((r) => r.status)}`);
  for (const r of raced.filter((x) => x.status !== 201)) {
    outcome(r, 403);
    assert.equal(r.json.issue[0].details.coding[0].code, 'reauth_required');
  }
  const again = await start(N2, P.two);
  outcome(again, 403);
  assert.equal(again.json.issue[0].details.coding[0].code, 'reauth_required', 'the next episode needs its own');
  // password and code in the request itself: one episode too
  const inline = await start(N3, P.one, { password: N3.password, code: totp(N3.secret, Date.now() + 30000) });
  assert.equal(inline.status, 201, inline.text);
  const next = await start(N3, P.two);
  outcome(next, 403);
  assert.equal(next.json.issue[0].details.coding[0].code, 'reauth_required');
  assert.equal((await get(N3, `/fhir/Patient/${P.one.id}`)).status, 200, 'the episode opens the record');
  assert.equal((await get(N3, `/fhir/Patient/${P.two.id}`)).status, 404, 'the refused one opens nothing');
});

test('the disclosing side reviews an episode, never the accessing facility itself', async () => {
  const queue = async (who) => {
    const r = await get(who, '/api/emergency/review');
    assert.equal(r.status, 200, r.text);
    return r.json.episodes.map((e) => e.episode);
  };
  for (const e of [episodes.one, episodes.two]) {
    assert.ok((await queue(ADMIN_S)).includes(e), 'the administrator of the facility that holds the record sees it');
    assert.ok((await queue(OP)).includes(e), 'the operator sees it');
    assert.ok(!(await queue(ADMIN_F)).includes(e), 'the accessing facility does not review its own staff (P2 is its patient too)');
    assert.ok(!(await queue(ADMIN_O)).includes(e), 'a facility without the patient has nothing to review');
  }
  const review = (who, e) => post(who, `/api/emergency/${e}/review`, { status: 'appropriate', note: '救急外来で確認済み' });
  outcome(await review(ADMIN_F, episodes.two), 404);
  outcome(await review(ADMIN_F, episodes.one), 404);
  outcome(await review(ADMIN_O, episodes.one), 404);
  assert.equal((await review(ADMIN_S, episodes.one)).status, 204);
  assert.equal((await review(OP, episodes.two)).status, 204);
  const r = await get(ADMIN_S, '/api/emergency/review');
  const two = r.json.episodes.find((e) => e.episode === episodes.two);
  assert.equal(two.review_status, 'appropriate');
  assert.equal(two.reviewed_by, 'operator');
});

test('the access report: complete for the operator, own facility only for its staff', async () => {
  const who = (report) => report.json.entry.map((e) => e.resource.agent[0].who?.display || '');
  const report = async (client, id) => {
    const r = await get(client, `/fhir/Patient/${id}/$access-report`);
    assert.equal(r.status, 200, r.text);
    return r;
  };
  const full = who(await report(OP, P.one.id));
  assert.ok(full.some((d) => d === `ns.azumino @ ${F_FAC}`), 'the operator sees the other facility\'s look');
  assert.ok(full.some((d) => d === `dr.renkei @ ${S_FAC}`));
  const atS = who(await report(SD, P.one.id));
  assert.ok(atS.length > 0 && atS.every((d) => d.endsWith(`@ ${S_FAC}`)), `S's staff see only S's accesses: ${[...new Set(atS)]}`);
  assert.ok(atS.includes(`dr.renkei @ ${S_FAC}`));
  // P2 is registered at both: each facility sees its own side only
  const twoAtF = who(await report(DA, P.twoAtF.id));
  assert.ok(twoAtF.length > 0 && twoAtF.every((d) => d.endsWith(`@ ${F_FAC}`)), `F sees only F's accesses: ${[...new Set(twoAtF)]}`);
  const twoAtS = who(await report(ADMIN_S, P.two.id));
  assert.ok(twoAtS.every((d) => d.endsWith(`@ ${S_FAC}`)), `S sees only S's accesses: ${[...new Set(twoAtS)]}`);
  const twoFull = who(await report(OP, P.two.id));
  assert.ok(twoFull.includes(`dr.azumino @ ${F_FAC}`) && twoFull.includes(`dr.renkei @ ${S_FAC}`));
  // a facility where the patient is not registered gets nothing
  outcome(await get(ADMIN_O, `/fhir/Patient/${P.one.id}/$access-report`), 404);
});

test('finding a patient who cannot speak: by ID or the 4情報, close matches only, for those who may break the glass', async () => {
  const find = (who, body) => post(who, '/api/emergency/search', body);
  // the 4情報: name in kanji or kana (spaces and kana forms do not matter), birth date and sex
  let r = await find(DA, { name: '救急二 太郎', birth_date: '1961-02-03', sex: 'male' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.matches.map((m) => m.regional_id), [P.two.rid], 'the two registrations of one person are one match');
  assert.equal(r.json.matches[0].kana, 'キュウキュウニ タロウ');
  r = await find(DA, { name: 'きゅうきゅうに たろう', birth_date: '1961-02-03', sex: 'male' });
  assert.deepEqual(r.json.matches.map((m) => m.regional_id), [P.two.rid], 'hiragana finds the katakana name');
  for (const miss of [{ birth_date: '1961-02-04', sex: 'male' }, { birth_date: '1961-02-03', sex: 'female' }]) {
    r = await find(DA, { name: '救急二 太郎', ...miss });
    assert.deepEqual(r.json.matches, [], `a different ${miss.sex === 'female' ? 'sex' : 'birth date'} is no match`);
  }
  r = await find(DA, { name: '救急二', birth_date: '1961-02-03', sex: 'male' });
  assert.deepEqual(r.json.matches, [], 'the family name alone is not a close match');
  // too vague: a missing item, and a query that matches more than three people
  outcome(await find(DA, { name: '救急二 太郎', birth_date: '1961-02-03' }), 400);
  outcome(await find(DA, { name: '救急二 太郎', sex: 'male' }), 400);
  outcome(await find(DA, {}), 400);
  for (let i = 0; i < 4; i++) {
    const p = patient(S_FAC, `SAME${i}`, { family: '同姓', given: '同名', familyKana: 'ドウセイ', givenKana: 'ドウメイ', birthDate: '1970-07-07' });
    p.address = [{ text: `長野県松本市中央${i + 1}丁目1番1号`, city: '松本市', state: '長野県', postalCode: '390-0811' }];
    assert.equal((await post(SD, '/fhir/Patient', p)).status, 201);
  }
  r = await find(DA, { name: '同姓同名', birth_date: '1970-07-07', sex: 'male' });
  outcome(r, 422);
  assert.equal(r.json.issue[0].details.coding[0].code, 'too_vague');
  r = await find(DA, { name: '同姓同名', birth_date: '1970-07-07', sex: 'male', address: '松本市中央3丁目' });
  assert.equal(r.json.matches.length, 1, 'the address narrows it to one');
  assert.equal(r.json.matches[0].address, '長野県松本市中央3丁目1番1号');
  // a regional ID (with its check digit) and a facility's patient ID
  r = await find(DA, { regional_id: P.one.rid });
  assert.deepEqual(r.json.matches.map((m) => m.patient), [`Patient/${P.one.id}`]);
  outcome(await find(DA, { regional_id: `${P.one.rid.slice(0, 12)}${(Number(P.one.rid[12]) + 1) % 10}` }), 400);
  r = await find(DA, { facility: S_FAC, local_id: 'E1' });
  assert.deepEqual(r.json.matches.map((m) => m.regional_id), [P.one.rid]);
  r = await find(DA, { facility: S_FAC, local_id: 'NOPE' });
  assert.deepEqual(r.json.matches, []);
  // who may search: not a clinic, not a clerk, not a care manager (outside disaster mode)
  const clinic = await SRV.newStaff('dr.yamabiko.em', O_FAC, 'doctor');
  const clerk = await SRV.newStaff('clerk.azumino.em', F_FAC, 'clerk');
  for (const who of [clinic, clerk, ADMIN_F]) {
    const x = await find(who, { regional_id: P.one.rid });
    outcome(x, 403);
    assert.equal(x.json.issue[0].details.coding[0].code, 'not_eligible');
  }
  // each search is audited with the people it returned, as emergency treatment
  const audit = await get(OP, `/fhir/AuditEvent?subtype=emergency-search&patient=${P.two.rid}&_count=5`);
  assert.ok(audit.json.total >= 2, audit.text);
});

test('disaster mode: declared by municipality code, refused after its end, extended for one facility, reported', async () => {
  const DK = await SRV.newStaff('dr.kikyo', K_FAC, 'doctor');         // 塩尻市: in the declared area
  const DH = await SRV.newStaff('dr.hotaka', H_FAC, 'doctor');        // 安曇野市: outside it
  const ADMIN_K = await SRV.newStaff('admin.kikyo', K_FAC, 'facility_admin');
  // bad declarations: not the operator, a wrong check digit, no end, an end in the past
  outcome(await post(DA, '/api/disaster', { municipalities: ['202151'], hours: 2 }), 403);
  let r = await post(OP, '/api/disaster', { municipalities: ['202150'], hours: 2 });
  outcome(r, 400);
  assert.match(r.json.issue[0].diagnostics, /202150/);
  outcome(await post(OP, '/api/disaster', { municipalities: [], hours: 2 }), 400);
  outcome(await post(OP, '/api/disaster', { municipalities: ['202151'] }), 400);
  outcome(await post(OP, '/api/disaster', { municipalities: ['202151'], ends: '2020-01-01T00:00:00+09:00' }), 400);
  outcome(await post(OP, '/api/disaster', { municipalities: ['202151'], hours: 24 * 31 }), 400);
  // before: the 塩尻 clinic sees nothing of P1 and may not search
  assert.equal((await get(DK, `/fhir/Patient/${P.one.id}`)).status, 404);
  outcome(await post(DK, '/api/emergency/search', { regional_id: P.one.rid }), 403);
  const d = await post(OP, '/api/disaster', { municipalities: ['202151'], hours: 2, note: '訓練: 塩尻市 震度6強' });
  assert.equal(d.status, 201, d.text);
  assert.equal(d.json.municipalities, ' 202151 ');
  assert.match(d.json.area, /塩尻市/);
  const id = d.json.declaration;
  // active: the 塩尻 clinic's doctor finds P1 and reads the emergency summary's records; 安曇野's does not
  r = await post(DK, '/api/emergency/search', { regional_id: P.one.rid });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.disaster, true);
  assert.equal((await get(DK, `/fhir/Patient/${P.one.id}`)).status, 200);
  assert.equal((await get(DH, `/fhir/Patient/${P.one.id}`)).status, 404);
  const list = await get(DK, '/api/disaster');
  assert.equal(list.json.declarations.find((x) => x.declaration === id).covers_me, true);
  assert.equal((await get(DH, '/api/disaster')).json.declarations.find((x) => x.declaration === id).covers_me, false);
  // after its end time (the clock passing it, before the scheduler has closed it): refused
  sqlOn(SRV.store, `UPDATE disaster_declaration SET ends_at = ${Date.now() - 1000} WHERE declaration_id = '${id}'`);
  assert.equal((await get(DK, `/fhir/Patient/${P.one.id}`)).status, 404, 'refused after the end time');
  outcome(await post(DK, '/api/emergency/search', { regional_id: P.one.rid }), 403);
  // extended for the 塩尻 clinic only; a facility outside the area cannot be extended
  r = await post(OP, `/api/disaster/${id}/extend`, { facility: H_FAC, hours: 6 });
  outcome(r, 400);
  outcome(await post(DA, `/api/disaster/${id}/extend`, { facility: K_FAC, hours: 6 }), 403);
  outcome(await post(OP, '/api/disaster/nosuchdeclaration/extend', { facility: K_FAC, hours: 6 }), 404);
  r = await post(OP, `/api/disaster/${id}/extend`, { facility: K_FAC, hours: 6, note: '診療継続' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await get(DK, `/fhir/Patient/${P.one.id}`)).status, 200, 'the extension keeps it open for that facility');
  const other = await SRV.newStaff('ph.azusa', '2041200020', 'pharmacist'); // 塩尻市 too, not extended
  assert.equal((await get(other, `/fhir/Patient/${P.one.id}`)).status, 404);
  // the report of the day: the operator sees every access, a facility administrator its own staff's
  r = await http(OP, 'GET', `/api/disaster/${id}/report`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /text\/csv/);
  const rows = r.text.trim().split('\r\n');
  assert.match(rows[0], /^audit_seq,recorded_at,account,role,facility,event/);
  assert.ok(rows.some((x) => x.includes('dr.kikyo') && x.includes(P.one.rid) && x.includes(',read,')), r.text);
  assert.ok(!rows.some((x) => x.includes('dr.hotaka')), 'a refused look is not an access under disaster mode');
  r = await http(ADMIN_K, 'GET', `/api/disaster/${id}/report`);
  assert.equal(r.status, 200);
  outcome(await http(DK, 'GET', `/api/disaster/${id}/report`), 403);
  outcome(await http(OP, 'GET', `/api/disaster/${id}/report?date=2026-13-01`), 400);
  // ended early by the operator: its extensions end too
  assert.equal((await http(OP, 'POST', `/api/disaster/${id}/end`)).status, 204);
  assert.equal((await get(DK, `/fhir/Patient/${P.one.id}`)).status, 404);
  outcome(await http(OP, 'POST', `/api/disaster/${id}/end`), 404);
  outcome(await post(OP, `/api/disaster/${id}/extend`, { facility: K_FAC, hours: 6 }), 409);
  // declaration, extension and closing are audited
  for (const ev of ['disaster-declare', 'disaster-extend', 'disaster-end']) {
    const a = await get(OP, `/fhir/AuditEvent?subtype=${ev}&agent=operator&outcome=0&_count=1`);
    assert.ok(a.json.total >= 1, `${ev} audited`);
  }
  // the daily job writes yesterday's report of a declaration that covered it, once, audited
  sqlOn(SRV.store, `UPDATE disaster_declaration SET started_at = ${Date.now() - 2 * 86400000} WHERE declaration_id = '${id}'`);
  for (let i = 0; i < 2; i++) {
    const job = await SRV.cli(['jobs', 'run', 'disaster-report']);
    assert.equal(job.code, 0, job.stderr);
  }
  const files = readdirSync(REPORTS).filter((f) => f.startsWith(`disaster-${id}-`));
  assert.equal(files.length, 1, `one file: ${files}`);
  assert.match(readFileSync(path.join(REPORTS, files[0]), 'utf8'), /^audit_seq,recorded_at,/);
  const jobAudit = await get(OP, '/fhir/AuditEvent?subtype=disaster-reported&_count=5');
  assert.equal(jobAudit.json.total, 1, 'one entry for the one file written');
});
