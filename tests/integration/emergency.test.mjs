// emergency.test.mjs — break-the-glass and what follows it: one
// re-authentication opens exactly one episode (also when several requests
// race for it); the review is the disclosing side's (a facility administrator
// where the patient is registered, other than the accessing facility) or the
// operator's, never the accessing facility's own; the patient's access report
// is complete for the operator and shows facility staff only their own
// facility's accesses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, get, post, outcome, patient, totp, cleanupStore, DEMO_PASSWORD, DEMO_SECRET, REGION_SYSTEM } from './harness.mjs';

const S_FAC = '2011000011'; // 信州れんけい総合病院: where the patients are registered
const F_FAC = '2011000029'; // あずみの中央病院: whose staff break the glass
const O_FAC = '2011100018'; // やまびこ内科クリニック: neither
let SRV, SD, DA, NF, OP, ADMIN_S, ADMIN_F, ADMIN_O;
const P = {}; // name → { id, rid }
const episodes = {};

const rid = (r) => r.json.identifier.find((x) => x.system === REGION_SYSTEM).value;
const start = (who, p, extra = {}) => post(who, '/api/emergency',
  { patient: `Patient/${p.id}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送、本人確認不可', ...extra });

before(async () => {
  SRV = await startServer();
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
