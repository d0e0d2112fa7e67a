// team_docs.test.mjs — the 文書 tab of the team page in real Chromium on a
// tablet (768×1024): the doctor writes a 訪問看護指示書 ending in 10 days (it
// shows 期限間近 and 署名なし), signs it (署名: 検証済み), opens it (a field
// with markup shows as text), and its PDF renders the Japanese fields (read
// back with pdftotext). The care manager's page has no 文書 tab.
// backends: sqlite (the documents' store paths run on both backends in integration/collab_docs)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, post, patient, cleanupStore, BACKEND } from '../integration/harness.mjs';
import { launch, newPage, login, shot, timed, printTimings, ARTIFACTS } from './browser.mjs';

const HOSP = '2011000011', CARE = '2070400017', NURSING = '2061300019';
const org = (code) => ({ reference: `Organization/org-${code}` });
let S, browser, page, pid;
const day = (offset) => new Date(Date.now() + 9 * 3600000 + offset * 86400000).toISOString().slice(0, 10);

before(async () => {
  S = await startServer();
  const hosp = await S.system(HOSP, 'system/*.*');
  const p = await post(hosp, '/fhir/Patient', patient(HOSP, 'UI-DOCS1', { family: '指示', given: '花子', familyKana: 'シジ', givenKana: 'ハナコ', gender: 'female', birthDate: '1936-04-02' }));
  assert.equal(p.status, 201, p.text);
  pid = p.json.id;
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
  page.on('dialog', (d) => d.accept()); // 署名's confirmation
});

after(async () => {
  printTimings(`team documents (${BACKEND})`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

test('the doctor writes a 指示書, signs it, and prints it', async () => {
  await login(page, S.origin, 'dr.renkei');
  await timed('文書 tab shown', async () => {
    await page.goto(`${S.origin}/team.html?patient=Patient/${pid}`);
    await page.waitForSelector('body[data-ready=true]');
    await page.click('#tab-docs');
    await page.waitForSelector('#panel-docs[data-ready=true]');
  });
  assert.equal(await page.textContent('#tab-docs'), '文書');
  await page.click('#panel-docs button[data-new=vn-order]');
  const f = '#docs-form';
  // bad input first: the period ends before it starts — the server's message, the form kept
  await page.fill(`${f} input[name=start]`, day(10));
  await page.fill(`${f} input[name=end]`, day(0));
  for (const [k, v] of [['diagnosis', '慢性心不全'], ['clinic', '信州れんけい総合病院'], ['doctor', '連携 一郎'], ['station', 'ひだまり訪問看護ステーション'],
    ['notes', '<img src=x onerror="document.body.dataset.pwned=1">夜間は家族が対応']])
    await page.fill(`${f} [name=f-${k}]`, v);
  await page.click(`${f} button[type=submit]`);
  await page.waitForSelector('#docs-message.message');
  assert.match(await page.textContent('#docs-message'), /終了日.*開始日.*より前です/);
  assert.equal(await page.inputValue(`${f} [name=f-diagnosis]`), '慢性心不全', 'what was typed is kept');
  await page.fill(`${f} input[name=start]`, day(-100));
  await page.fill(`${f} input[name=end]`, day(10));
  await page.click(`${f} button[type=submit]`);
  const row = '#docs-list li.doc-row[data-kind=vn-order]';
  await page.waitForSelector(row);
  assert.match(await page.textContent('#docs-message'), /訪問看護指示書（指示期間 .*）を発行しました/);
  assert.match(await page.textContent(row), /期限間近（あと10日）/);
  assert.equal(await page.getAttribute(`${row} [data-sig]`, 'data-sig'), 'none');
  await shot(page, 'team-docs-01-list');
  // touch targets: the row's buttons are at least 44 px high
  const heights = await page.$$eval(`${row} .doc-actions .button`, (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(heights.length >= 3 && heights.every((x) => x >= 44), JSON.stringify(heights));

  await page.click(`${row} button[data-action=sign]`);
  await page.waitForSelector(`${row} [data-sig=verified]`);
  assert.equal(await page.textContent(`${row} [data-sig]`), '署名: 検証済み');

  await page.click(`${row} .doc-actions button:first-child`);
  await page.waitForSelector('#panel-docs dl.doc-fields');
  assert.match(await page.textContent('#panel-docs dl.doc-fields'), /<img src=x onerror="document.body.dataset.pwned=1">夜間は家族が対応/);
  assert.equal(await page.evaluate(() => document.body.dataset.pwned), undefined, 'markup in a field is text');
  await shot(page, 'team-docs-02-open');

  // the PDF, as the browser fetches it
  const href = await page.getAttribute('#panel-docs a[href$="/pdf"]', 'href');
  const r = await page.request.get(`${S.origin}${href}`);
  assert.equal(r.status(), 200);
  assert.equal(r.headers()['content-type'], 'application/pdf');
  const pdf = await r.body();
  writeFileSync(path.join(ARTIFACTS, 'team-docs-03-order.pdf'), pdf);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString().replace(/\s+/g, '');
  for (const s of ['訪問看護指示書', '主たる傷病名', '慢性心不全', '署名:検証済み', '指示花子']) assert.ok(text.includes(s), `PDF: ${s}`);
  assert.deepEqual(page.errors, []);
});

test('the care manager has no 文書 tab', async () => {
  const p2 = await newPage(browser, { width: 768, height: 1024, isMobile: true, hasTouch: true });
  await login(p2, S.origin, 'cm.komorebi');
  await p2.goto(`${S.origin}/team.html?patient=Patient/${pid}`);
  await p2.waitForSelector('body[data-ready=true]');
  await p2.waitForFunction(() => document.getElementById('tab-docs').hidden);
  assert.deepEqual(p2.errors, []);
  await p2.context().close();
});
