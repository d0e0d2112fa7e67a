// emergency.test.mjs — 緊急時閲覧 and 災害モード in real Chromium. An emergency
// physician of another hospital, with no consent, finds an unconscious patient
// by the 4情報 (a vague query is refused; the close match is one card), breaks
// the glass with a coded reason and a fresh password and one-time code, and
// lands on the emergency summary with the red banner (reason, minutes left),
// which follows her to the patient's page. The disclosing hospital's
// administrator finds the episode in the review screen and records it as
// appropriate; the patient's access report names the physician. The operator
// declares disaster mode for a municipality by its code, sees it active and
// ends it. The hospital's region kit, a single HTML file, opens in an offline
// browser with its passphrase (a wrong one refused) and shows the patient's
// allergy. Screenshots go to tests/ui/artifacts/.
// backends: sqlite (the emergency and disaster paths run on both backends in integration/emergency)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, post, patient, totp, cleanupStore, BACKEND, DEMO_PASSWORD, DEMO_SECRET } from '../integration/harness.mjs';
import { launch, newPage, login, shot, timed, printTimings } from './browser.mjs';

const S_FAC = '2011000011'; // 信州れんけい総合病院: where the patient is registered (admin.renkei)
let S, browser, page, pid, rid;

before(async () => {
  S = await startServer();
  // written by the hospital's system (an API login would spend the one-time codes the browser needs)
  const hosp = await S.system(S_FAC, 'system/*.*');
  const p = await post(hosp, '/fhir/Patient', { ...patient(S_FAC, 'UI-EM1', { family: '意識', given: '不明子', familyKana: 'イシキ',
    givenKana: 'フメイコ', gender: 'female', birthDate: '1948-09-10' }),
  address: [{ use: 'home', text: '長野県松本市城東2丁目5番8号', city: '松本市', state: '長野県', postalCode: '390-0807' }] });
  assert.equal(p.status, 201, p.text);
  pid = p.json.id;
  rid = p.json.identifier.find((x) => x.system === 'urn:renkei:regional-patient-id').value;
  const a = await post(hosp, '/fhir/AllergyIntolerance', { resourceType: 'AllergyIntolerance', patient: { reference: `Patient/${pid}` },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    criticality: 'high', code: { text: 'ペニシリン系抗菌薬' }, reaction: [{ manifestation: [{ text: 'アナフィラキシー' }], severity: 'severe' }] });
  assert.equal(a.status, 201, a.text);
  browser = await launch();
  page = await newPage(browser);
});

after(async () => {
  printTimings(`emergency access (${BACKEND})`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

test('an emergency physician without consent finds the patient by the 4情報 and breaks the glass', async () => {
  await timed('login (password + one-time code)', () => login(page, S.origin, 'dr.azumino'));
  await page.click('#emergency-link');
  await page.waitForSelector('#em-find:not([hidden])');
  // too vague: no sex
  await page.fill('#f-name', 'イシキ フメイコ');
  await page.fill('#f-birth', '1948-09-10');
  await page.click('#f-go');
  await page.waitForSelector('#f-result.message');
  assert.match(await page.textContent('#f-result'), /4情報/);
  await page.selectOption('#f-sex', 'female');
  await timed('4情報 search', async () => {
    await page.click('#f-go');
    await page.waitForSelector(`.em-match[data-regional="${rid}"]`);
  });
  assert.equal(await page.locator('.em-match').count(), 1, 'one close match, never a list');
  assert.match(await page.textContent('.em-match'), /城東2丁目/);
  await page.click(`[data-start="${rid}"]`);
  await page.waitForSelector('#em-start:not([hidden])');
  await page.selectOption('#s-reason', 'unconscious');
  await page.fill('#s-text', '路上で倒れ意識レベルJCS 200、救急搬送');
  await page.fill('#s-password', DEMO_PASSWORD);
  await page.fill('#s-code', totp(DEMO_SECRET, Date.now() + 30000)); // the next step: the login used this one
  await timed('break the glass → the emergency summary', async () => {
    await page.click('#s-go');
    await page.waitForURL(/\/summary\.html\?patient=/);
    await page.waitForSelector('#emergency-banner:not([hidden]) .em-row');
  });
  const banner = await page.textContent('#emergency-banner');
  assert.match(banner, /緊急時閲覧中/);
  assert.match(banner, /意識障害/);
  assert.match(banner, /残り \d+ 分/);
  await page.waitForSelector('text=ペニシリン');
  await shot(page, 'emergency-summary');
  // the banner follows her to the record
  await page.goto(`${S.origin}/patient.html?id=${pid}`);
  await page.waitForSelector('#emergency-banner:not([hidden]) .em-row');
  await shot(page, 'emergency-banner-patient');
});

test('the disclosing hospital reviews the episode', async () => {
  const admin = await newPage(browser);
  await login(admin, S.origin, 'admin.renkei');
  await admin.goto(`${S.origin}/emergency.html`);
  await admin.waitForSelector('#em-review:not([hidden]) #r-table tbody tr');
  const row = admin.locator('#r-table tbody tr').filter({ hasText: rid });
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /dr\.azumino/);
  assert.match(await row.textContent(), /意識障害/);
  await row.locator('.r-note').fill('救急外来で本人確認済み');
  await row.locator('[data-review="appropriate"]').click();
  await admin.waitForSelector('#r-table tbody tr[data-status="appropriate"]');
  await shot(admin, 'emergency-review');
  await admin.close();
});

test('the physician ends the episode early from the banner', async () => {
  await page.click('#emergency-banner [data-end]');
  await page.waitForSelector('#emergency-banner', { state: 'hidden' });
  await page.goto(`${S.origin}/patient.html?id=${pid}`);
  await page.waitForSelector('#view-message');
  assert.equal(await page.locator('#emergency-banner .em-row').count(), 0);
});

test('the access report names the physician; the operator declares disaster mode by municipality code and ends it', async () => {
  const op = await newPage(browser);
  await login(op, S.origin, 'operator');
  // the patient's access report names the physician who broke the glass
  // (read in the operator's browser session: an API login now would spend its one-time code)
  const report = await op.evaluate(async (id) => (await fetch(`/fhir/Patient/${id}/$access-report`)).json(), pid);
  assert.ok(report.entry.some((e) => e.resource.agent[0].who?.display === 'dr.azumino @ 2011000029'), 'the access report names her');
  await op.goto(`${S.origin}/emergency.html`);
  await op.waitForSelector('#em-disaster:not([hidden])');
  await op.fill('#d-codes', '202150');
  await op.click('#d-go');
  await op.waitForSelector('#d-result.message');
  assert.match(await op.textContent('#d-result'), /202150/, 'a wrong check digit is named');
  await op.fill('#d-codes', '202151');
  await op.fill('#d-note', '訓練: 塩尻市 震度6強');
  await op.click('#d-go');
  await op.waitForSelector('.em-disaster[data-state="active"]');
  assert.match(await op.textContent('.em-disaster[data-state="active"] h3'), /塩尻市/);
  await shot(op, 'disaster-declared');
  op.on('dialog', (d) => d.accept());
  await op.click('.em-disaster[data-state="active"] [data-end]');
  await op.waitForSelector('.em-disaster[data-state="ended"]');
  await op.close();
});

test('the region kit opens in a browser without renkei, with its passphrase', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-kit-'));
  try {
    const pass = path.join(dir, 'pass'), kit = path.join(dir, 'kit.html');
    writeFileSync(pass, 'kit-passphrase-kept-apart-2026\n', { mode: 0o600 });
    const r = await S.cli(['kit', 'region', '--facility', S_FAC, '--out', kit, '--passphrase-file', pass]);
    assert.equal(r.code, 0, r.stderr);
    const offline = await newPage(browser);
    await offline.context().setOffline(true); // no network at all: the file alone
    await offline.goto(`file://${kit}`);
    await offline.fill('#pass', 'not-the-passphrase');
    await offline.click('#form button[type=submit]');
    await offline.waitForSelector('#error:has-text("パスフレーズが違います")');
    await offline.fill('#pass', 'kit-passphrase-kept-apart-2026');
    await timed('region kit: decrypt in the browser', async () => {
      await offline.click('#form button[type=submit]');
      await offline.waitForSelector('body[data-ready=true]');
    });
    await offline.fill('#q', 'イシキ');
    await offline.click('#list button');
    await offline.waitForSelector('#view:not([hidden])');
    const view = await offline.textContent('#view');
    assert.match(view, /意識 不明子/);
    assert.match(view, /ペニシリン系抗菌薬/);
    await shot(offline, 'region-kit');
    await offline.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
