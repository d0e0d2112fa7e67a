// ops.test.mjs — the network operator's screen (運用管理) in real Chromium:
// the operator logs in with the one-time code, follows the 運用管理 link, sees
// the quarantined MLLP messages with their reasons, reads one as Japanese
// text, replays one that still fails (「まだ取り込めません」) and, once its
// sender is registered, successfully (「取り込みました」); reviews a linking
// candidate with both registrations side by side, merges it with a note and
// undoes the merge; switches to English. A doctor sees no 運用管理 link, and
// /ops.html shows them a message and requests nothing of the quarantine.
// Screenshots go to tests/ui/artifacts/.
// backends: sqlite (the quarantine and linking paths run on both backends in integration/mllp and patient_match)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, post, patient, cleanupStore, BACKEND } from '../integration/harness.mjs';
import { MllpClient, mllpPort, oul } from '../integration/mllp_client.mjs';
import { launch, newPage, login, shot, timed, printTimings, everythingOnPage } from './browser.mjs';

const S_FAC = '2011000011';  // 信州れんけい総合病院 (dr.renkei)
const F_FAC = '2011000029';  // あずみの中央病院 (dr.azumino)
const NEWFAC = '2099999993';
let S, browser, page;

before(async () => {
  S = await startServer({ sets: ['mllp.listen=127.0.0.1:0'] });
  // the quarantine: a sender that is not a facility yet, and a message type nobody maps
  const c = await MllpClient.connect(mllpPort(S));
  let a = await c.request(oul({ controlId: 'UIOPS1', app: 'NEWHIS', facility: NEWFAC, pid: '8100001', order: '810000000000001',
    family: '画面', given: '試子', familyKana: 'ガメン', givenKana: 'タメコ' }));
  assert.equal(a.code, 'AR', a.raw);
  a = await c.request(oul({ controlId: 'UIOPS2', app: 'HIS', facility: S_FAC, pid: '8100002', order: '810000000000002' })
    .replace('OUL^R22^OUL_R22', 'ZZZ^Z99^ZZZ_Z99'));
  assert.equal(a.code, 'AE', a.raw);
  c.close();
  // a linking candidate: the same synthetic person registered at two hospitals
  const home = { use: 'home', text: '長野県松本市中央１丁目２番３号', postalCode: '390-0811', city: '松本市', state: '長野県' };
  // (written by the hospitals' systems: an API login would spend the one-time
  // code the browser logins below need within the same 30 s)
  for (const [fac, local, kana] of [[S_FAC, 'UI-S1', 'ナヨセ'], [F_FAC, 'UI-F1', 'なよせ']]) {
    const r = await post(await S.system(fac, 'system/*.*'), '/fhir/Patient',
      { ...patient(fac, local, { family: '名寄', given: '候子', familyKana: kana, givenKana: 'コウコ', gender: 'female', birthDate: '1951-02-03' }), address: [home] });
    assert.equal(r.status, 201, r.text);
  }
  browser = await launch();
  page = await newPage(browser);
});

after(async () => {
  printTimings(`operator screen (${BACKEND})`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

const rows = () => page.$$eval('#q-table tbody tr', (els) => els.map((e) => ({ id: e.dataset.id, text: e.innerText })));
async function replayRow(match) {
  const n = Number(await page.getAttribute('body', 'data-replays') || 0);
  const id = (await rows()).find((r) => match.test(r.text)).id;
  await page.click(`#q-table tr[data-id="${id}"] button.q-replay`);
  await page.waitForSelector(`body[data-replays="${n + 1}"]`);
  return page.textContent('#q-result');
}

test('the operator logs in, follows 運用管理 and sees the quarantine with its reasons', async () => {
  await timed('login (password + one-time code)', () => login(page, S.origin, 'operator'));
  assert.equal(await page.textContent('#ops-link'), '運用管理');
  await timed('運用管理: quarantine and candidates shown', async () => {
    await page.click('#ops-link');
    await page.waitForURL('**/ops.html');
    await page.waitForSelector('body[data-ready=true]');
  });
  assert.equal(await page.textContent('#quarantine h1'), '取込エラー');
  const r = await rows();
  assert.equal(r.length, 2, JSON.stringify(r));
  const unknown = r.find((x) => /UIOPS1/.test(x.text)), zzz = r.find((x) => /UIOPS2/.test(x.text));
  assert.match(unknown.text, /未登録の送信元/);
  assert.match(unknown.text, /registered|mllp\.senders/);
  assert.match(zzz.text, /信州れんけい総合病院/, 'the facility by its name');
  assert.match(zzz.text, /ZZZ|Z99|type/i);
  await shot(page, 'ops-01-quarantine');

  // the message as text, Japanese decoded
  await page.click(`#q-table tr[data-id="${unknown.id}"] button.q-show`);
  await page.waitForSelector('#q-detail:not([hidden])');
  const text = await page.textContent('#q-detail-text');
  assert.match(text, /^MSH\|/);
  assert.ok(text.includes('画面^試子') && text.includes('ガメン^タメコ'), text.slice(0, 300));
  await shot(page, 'ops-02-detail');
  await page.click('#q-detail-close');
});

test('a replay before the fix says why; after the sender is registered it is stored', async () => {
  let said = await replayRow(/UIOPS1/);
  assert.match(said, /まだ取り込めません: .*(registered|mllp\.senders)/);
  const r = await S.cli(['facility', 'add', NEWFAC, '--name', '画面試験クリニック', '--kind', 'clinic']);
  assert.equal(r.code, 0, r.stderr);
  said = await replayRow(/UIOPS1/);
  assert.match(said, /取り込みました（[1-9]\d*件のデータ）/);
  assert.equal((await rows()).filter((x) => /UIOPS1/.test(x.text)).length, 0, 'no longer open');
  await shot(page, 'ops-03-replayed');
  // resolved entries too
  await page.check('#q-resolved');
  await page.waitForFunction(() => document.querySelectorAll('#q-table tbody tr').length === 2);
  assert.match((await rows()).find((x) => /UIOPS1/.test(x.text)).text, /解決済み/);
  await page.uncheck('#q-resolved');
  await page.waitForFunction(() => document.querySelectorAll('#q-table tbody tr').length === 1);
  // すべて再取込: the unmappable message stays
  const n = Number(await page.getAttribute('body', 'data-replays') || 0);
  await page.click('#q-replay-all');
  await page.waitForSelector(`body[data-replays="${n + 1}"]`);
  assert.match(await page.textContent('#q-result'), /0件を取り込みました。1件はまだ取り込めません。/);
});

test('a linking candidate: both registrations side by side, merged with a note, then unmerged', async () => {
  const card = '#m-pending .candidate';
  await page.waitForSelector(card);
  assert.equal(await page.$$eval(card, (els) => els.length), 1);
  const row = (key) => page.$$eval(`${card} tr[data-row="${key}"] td`, (tds) => tds.map((td) => td.innerText));
  assert.deepEqual(await row('m-name'), ['名寄 候子', '名寄 候子']);
  assert.deepEqual(await row('m-kana'), ['ナヨセ コウコ', 'なよせ コウコ']);
  assert.deepEqual(await row('m-birth'), ['1951/02/03', '1951/02/03']);
  assert.deepEqual(await row('m-sex'), ['女性', '女性']);
  assert.ok((await row('m-address')).every((a) => a.includes('〒390-0811')));
  assert.deepEqual((await row('m-facility')).sort(), ['あずみの中央病院', '信州れんけい総合病院'].sort());
  assert.deepEqual((await row('m-local')).sort(), ['UI-F1', 'UI-S1']);
  assert.match(await page.textContent(card), /一致度 100/);
  assert.match(await page.textContent(card), /カナ氏名・生年月日・性別・郵便番号/);
  await shot(page, 'ops-04-candidate');

  // a decision needs a note
  await page.click(`${card} button.merge`);
  assert.match(await page.textContent(`${card} .confirm`), /同一人物として統合します/);
  await page.click(`${card} .confirm button.ok`);
  assert.match(await page.textContent(`${card} .confirm .message`), /判断の根拠を入力してください/);
  const n = Number(await page.getAttribute('body', 'data-decisions') || 0);
  await page.fill(`${card} .confirm textarea`, '保険証と生年月日で同一人物と確認');
  await page.click(`${card} .confirm button.ok`);
  await page.waitForSelector(`body[data-decisions="${n + 1}"]`);
  assert.match(await page.textContent('#m-result'), /統合しました/);
  assert.equal(await page.$$eval(card, (els) => els.length), 0);
  assert.equal(await page.$$eval('#m-merged .candidate', (els) => els.length), 1);
  assert.match(await page.textContent('#m-merged .candidate'), /保険証と生年月日で同一人物と確認/);
  await shot(page, 'ops-05-merged');

  await page.click('#m-merged .candidate button.unmerge');
  await page.fill('#m-merged .candidate .confirm textarea', '別の保険証番号と判明');
  await page.click('#m-merged .candidate .confirm button.ok');
  await page.waitForSelector(`body[data-decisions="${n + 2}"]`);
  assert.match(await page.textContent('#m-result'), /統合を取り消しました/);
  assert.equal(await page.$$eval('#m-merged .candidate', (els) => els.length), 0);
});

test('English through the language switch', async () => {
  await page.click('#lang');
  assert.equal(await page.textContent('#quarantine h1'), 'Ingest errors (quarantine)');
  assert.equal(await page.textContent('#q-replay-all'), 'Replay all');
  assert.equal(await page.textContent('#linking h1'), 'Patient linking candidates');
  assert.equal(await page.textContent('#ops-link'), 'Operations');
  assert.match(await page.textContent('#who'), /\(Network operator, /, 'the role by its English name');
  assert.match(await page.textContent('#q-table tbody'), /Replay/);
  await shot(page, 'ops-06-english');
  await page.click('#lang');
  assert.equal(await page.textContent('#quarantine h1'), '取込エラー');
  assert.match(await page.textContent('#who'), /（運用管理者・/);
  assert.deepEqual(page.errors, []);
});

test('a doctor has no 運用管理 link, and /ops.html shows them no data', async () => {
  const dr = await newPage(browser);
  const asked = [];
  dr.on('request', (r) => asked.push(new URL(r.url()).pathname));
  await login(dr, S.origin, 'dr.renkei');
  assert.equal(await dr.$('#ops-link'), null);
  await dr.goto(`${S.origin}/ops.html`);
  await dr.waitForSelector('body[data-ready=true]');
  assert.match(await dr.textContent('#ops-message'), /運用管理者.*専用/);
  assert.equal(await dr.isVisible('#quarantine'), false);
  assert.equal(await dr.isVisible('#linking'), false);
  const all = await everythingOnPage(dr);
  for (const s of ['UIOPS', '画面', '候子', 'ZZZ', '810000']) assert.ok(!all.includes(s), `${s} is not on the doctor's page`);
  assert.ok(!asked.some((p) => p.startsWith('/api/ingest') || p.startsWith('/api/patient-match')), asked.join(' '));
  await shot(dr, 'ops-07-doctor');
  assert.deepEqual(dr.errors, []);
  await dr.context().close();
});
