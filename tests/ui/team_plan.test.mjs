// team_plan.test.mjs — the ケアプラン tab on a tablet held upright (768×1024),
// in real Chromium: the care manager opens the person's team page, creates a
// plan (第1表 form, a 第2表 row, a 第3表 service on two weekdays), saves it
// and sees it as the form, the table and the week grid with one block a
// weekday; the summary is posted on the timeline; she then imports the
// ケアプランデータ連携 CSV files, and the plan becomes its second version. A
// refused file shows the server's Japanese message. The page never scrolls
// sideways. Screenshots go to tests/ui/artifacts/.
// backends: sqlite (the plan's store paths run on both backends in integration/collab_plan)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, post, patient, cleanupStore, ROOT, BACKEND } from '../integration/harness.mjs';
import { launch, newPage, login, shot, timed, printTimings } from './browser.mjs';

const HOSP = '2011000011', CARE = '2070400017', NURSING = '2061300019';
const org = (code) => ({ reference: `Organization/org-${code}` });
const DIR = path.join(ROOT, 'tests/integration/careplan');
let S, browser, page;

before(async () => {
  S = await startServer();
  const hosp = await S.system(HOSP, 'system/*.*');
  const p = await post(hosp, '/fhir/Patient', patient(HOSP, 'UI-PLAN1', { family: '計画', given: '花子', familyKana: 'ケイカク', givenKana: 'ハナコ', gender: 'female', birthDate: '1938-05-06' }));
  assert.equal(p.status, 201, p.text);
  const pid = p.json.id;
  const c = await post(hosp, '/fhir/Consent', { resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'comprehensive' }] }],
    patient: { reference: `Patient/${pid}` }, dateTime: '2026-01-05', provision: { type: 'permit' },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') } });
  assert.equal(c.status, 201, c.text);
  const t = await post(hosp, '/fhir/CareTeam', { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${pid}` },
    managingOrganization: [org(HOSP)], participant: [{ member: org(HOSP) }, { member: org(CARE) }, { member: org(NURSING) }] });
  assert.equal(t.status, 201, t.text);
  browser = await launch();
  page = await newPage(browser, { width: 768, height: 1024, isMobile: true, hasTouch: true });
});

after(async () => {
  printTimings(`care plan tab (${BACKEND})`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('the care manager writes the plan, sees the week grid, imports the CSV files', async () => {
  await timed('login (password + one-time code)', () => login(page, S.origin, 'cm.komorebi'));
  await page.click('#team-link');
  await page.waitForSelector('body[data-ready=true]');
  await page.click('#mine li.mine-row:first-child a.patient-link');
  await page.waitForSelector('body[data-ready=true]');
  await timed('ケアプラン tab shown', async () => {
    await page.click('#tab-plan');
    await page.waitForSelector('#plan-edit');
  });
  assert.equal(await page.textContent('#tab-plan'), 'ケアプラン');
  assert.match(await page.textContent('#panel-plan'), /ケアプランはまだありません/);
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
  await page.click('#plan-edit');
  await page.fill('.plan-form label:has-text("総合的な援助の方針") textarea', '転倒を防ぎ、自宅での入浴を続けます。');
  await page.dispatchEvent('.plan-form label:has-text("総合的な援助の方針") textarea', 'change');
  await page.click('text=行を追加 >> nth=0');
  const t2 = '.plan-t2.editing tbody tr:first-child';
  for (const [i, v] of [[0, '自宅で入浴したい'], [1, '自宅で入浴できる'], [3, '浴槽をまたげる'], [5, '入浴介助'], [7, '訪問介護']]) {
    const el = `${t2} td:nth-child(${i + 1}) :is(input, textarea)`;
    await page.fill(el, v);
    await page.dispatchEvent(el, 'change');
  }
  await page.click('text=行を追加 >> nth=1');
  const row = '.plan-t3-row:first-child';
  for (const d of ['月', '木']) await page.check(`${row} .days label:has-text("${d}") input`);
  for (const [n, v] of [[0, '10:00'], [1, '11:00']]) {
    const el = `${row} input[type=time] >> nth=${n}`;
    await page.fill(el, v);
    await page.dispatchEvent(el, 'change');
  }
  await page.fill(`${row} input[type=text] >> nth=0`, '入浴介助');
  await page.dispatchEvent(`${row} input[type=text] >> nth=0`, 'change');
  assert.ok(await noSideways(), 'the form fits 768 px');
  await shot(page, 'plan-01-editing');
  await timed('plan saved and shown', async () => {
    await page.click('#plan-save');
    await page.waitForSelector('.week-grid .wg-block');
  });
  assert.match(await page.textContent('#plan-message'), /ケアプランを作成しました（第2表 1件、週間 2 コマ）/);
  assert.equal(await page.locator('.week-grid .wg-block').count(), 2);
  assert.match(await page.textContent('.plan-t2'), /自宅で入浴したい/);
  assert.match(await page.textContent('.plan-t1'), /転倒を防ぎ/);
  assert.ok(await noSideways(), 'the plan fits 768 px (the grid scrolls in its own box)');
  await shot(page, 'plan-02-week-grid');

  // a refused file: the server's message, nothing changes
  const files = readdirSync(DIR).filter((f) => /^CPLAN\d_/.test(f)).sort();
  const bad = Buffer.from(readFileSync(path.join(DIR, files[0])).toString('latin1').replace('"20250401"', '"R070401"'), 'latin1');
  await page.setInputFiles('#plan-file', { name: files[0], mimeType: 'text/csv', buffer: bad });
  await page.waitForSelector('#plan-message.error');
  assert.match(await page.textContent('#plan-message'), /1行目 15列目（初回居宅サービス計画作成日）: 日付は西暦/);

  await timed('CSV imported', async () => {
    await page.setInputFiles('#plan-file', files.map((f) => ({ name: f, mimeType: 'text/csv', buffer: readFileSync(path.join(DIR, f)) })));
    await page.waitForFunction(() => /第2版/.test(document.getElementById('panel-plan').textContent));
  });
  assert.match(await page.textContent('#plan-message'), /ケアプランを更新しました（第2表 4件、週間 6 コマ）/);
  assert.equal(await page.locator('.week-grid .wg-block').count(), 6);
  assert.equal(await page.locator('.plan-export a').count(), 3);
  await shot(page, 'plan-03-imported');

  // the first version is still there, read-only
  await page.selectOption('#plan-version', '1');
  await page.waitForFunction(() => /過去の版を表示しています（第2版が最新）/.test(document.getElementById('panel-plan').textContent));
  assert.equal(await page.locator('.week-grid .wg-block').count(), 2);
  assert.equal(await page.locator('#plan-edit').count(), 0, 'an earlier version is not edited');

  await page.click('#tab-timeline');
  await page.waitForFunction(() => /ケアプランを更新しました/.test(document.getElementById('timeline').textContent));
});
