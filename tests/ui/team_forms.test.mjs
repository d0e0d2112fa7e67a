// team_forms.test.mjs — the team's forms on a tablet, in real Chromium: a
// visiting nurse opens a patient's 基本情報 tab, sees the face sheet the care
// manager wrote and its 変更点 (what the second version changed), then
// records a visit with vital signs on the 訪問記録 tab; the visit appears in
// the list and its summary on the timeline. Screenshots go to tests/ui/artifacts/.
// backends: sqlite (the forms' store paths run on both backends in integration/collab_forms)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, post, put, patient, cleanupStore, BACKEND } from '../integration/harness.mjs';
import { launch, newPage, login, shot, timed, printTimings } from './browser.mjs';

const HOSP = '2011000011', CARE = '2070400017', NURSING = '2061300019';
const FACESHEET = 'urn:renkei:Questionnaire:facesheet';
const org = (code) => ({ reference: `Organization/org-${code}` });
let S, browser, page, pid;

const sheet = (reason) => ({ resourceType: 'QuestionnaireResponse', questionnaire: FACESHEET, status: 'completed',
  subject: { reference: `Patient/${pid}` }, author: { display: 'こもれび 居宅（ケアマネジャー）' },
  item: [
    { linkId: '1', item: [{ linkId: '1.1', answer: [{ valueDate: '2026-10-01' }] }] },
    { linkId: '9', item: [{ linkId: '9.1', answer: [{ valueCoding: { code: reason } }] }] },
    { linkId: '23', item: [{ linkId: '23.1', answer: [{ valueString: '独居。長女が週末に訪問。' }] }] },
  ] });

before(async () => {
  S = await startServer();
  const hosp = await S.system(HOSP, 'system/*.*'), care = await S.system(CARE, 'system/*.*');
  const p = await post(hosp, '/fhir/Patient', patient(HOSP, 'UI-FORMS1', { family: '記録', given: '花子', familyKana: 'キロク', givenKana: 'ハナコ', gender: 'female', birthDate: '1940-02-03' }));
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
  // the care manager's office writes the face sheet, then revises the reason of the assessment
  const v1 = await post(care, '/fhir/QuestionnaireResponse', sheet('1'));
  assert.equal(v1.status, 201, v1.text);
  const v2 = await put(care, `/fhir/QuestionnaireResponse/${v1.json.id}`, { ...sheet('5'), id: v1.json.id, status: 'amended' });
  assert.equal(v2.status, 200, v2.text);
  browser = await launch();
  page = await newPage(browser, { width: 768, height: 1024, isMobile: true, hasTouch: true }); // a tablet, upright
});

after(async () => {
  printTimings(`team forms (${BACKEND})`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

test('the nurse reads the face sheet and its 変更点', async () => {
  await timed('login (password + one-time code)', () => login(page, S.origin, 'vn.hidamari'));
  await timed('team page shown', async () => {
    await page.goto(`${S.origin}/team.html?patient=${encodeURIComponent(`Patient/${pid}`)}`);
    await page.waitForSelector('body[data-ready=true]');
  });
  assert.equal(await page.textContent('#tab-facesheet'), '基本情報');
  await page.click('#tab-facesheet');
  await page.waitForSelector('#panel-facesheet .facesheet');
  assert.match(await page.textContent('#panel-facesheet dd[data-link="9.1"]'), /退院・退所/);
  assert.match(await page.textContent('#panel-facesheet dd[data-link="23.1"]'), /独居/);
  assert.match(await page.textContent('#panel-facesheet'), /第2版/);
  await shot(page, 'forms-01-facesheet');
  await page.click('#fs-diff');
  await page.waitForSelector('#fs-diff-out table.diff');
  const rows = await page.$$eval('#fs-diff-out tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [['今回のアセスメントの理由：理由', '初回', '退院・退所']]);
  await shot(page, 'forms-02-diff');
  const box = await page.$eval('#fs-diff', (b) => b.getBoundingClientRect().height);
  assert.ok(box >= 44, `a touch target of ${box} px`);
});

test('the nurse records a visit with vitals; it appears in the list and on the timeline', async () => {
  await page.click('#tab-visits');
  await page.waitForSelector('#visit-new');
  await page.click('#visit-new');
  await page.waitForSelector('#visit-form');
  assert.equal(await page.inputValue('#visit-kind'), 'nurse', 'the kind follows her role');
  assert.equal(await page.getAttribute('#visit-temp', 'inputmode'), 'decimal', 'a numeric keypad');
  assert.equal(await page.getAttribute('#visit-sbp', 'inputmode'), 'numeric');
  // a temperature no one has is refused, with the form kept
  await page.fill('#visit-temp', '45');
  await page.click('#visit-save');
  await page.waitForSelector('#visit-form-message:not([hidden])');
  assert.match(await page.textContent('#visit-form-message'), /体温.*範囲外/);
  const start = await page.evaluate(() => { // 40 minutes ago, in the tablet's time zone
    const d = new Date(Date.now() - 40 * 60000), p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  });
  await page.fill('#visit-start', start);
  await page.fill('#visit-temp', '36.9');
  await page.fill('#visit-sbp', '130');
  await page.fill('#visit-dbp', '80');
  await page.fill('#visit-pulse', '70');
  await page.fill('#visit-spo2', '96');
  await page.fill('#visit-notes', '<b>褥瘡</b> 処置。経過良好。');
  await shot(page, 'forms-03-visit-form');
  await timed('visit saved', async () => {
    await page.click('#visit-save');
    await page.waitForSelector('body[data-visit-saved]');
  });
  const first = '#visit-list li.visit:first-child';
  assert.match(await page.textContent(first), /体温 36.9℃\s*血圧 130\/80\s*脈拍 70\s*SpO2 96%/);
  assert.equal(await page.textContent(`${first} .visit-notes`), '<b>褥瘡</b> 処置。経過良好。', 'shown as text');
  await shot(page, 'forms-04-visits');
  await page.click('#tab-timeline');
  await timed('the summary on the timeline', () => page.waitForFunction(
    () => /訪問看護 \d\d:\d\d–\d\d:\d\d 体温36.9℃ 血圧130\/80 脈拍70 SpO2 96%/.test(document.getElementById('timeline').textContent), null, { timeout: 10000 }));
  await shot(page, 'forms-05-timeline');
  // the post links to the record
  await page.click('#timeline li.post:first-child button[data-act=record]');
  await page.waitForSelector('#panel-visits:not([hidden]) #visit-list li.visit');
});
