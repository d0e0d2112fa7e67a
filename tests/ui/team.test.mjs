// team.test.mjs — 多職種連携 on a tablet, in real Chromium: a visiting nurse
// follows 担当患者 to the patients of her teams (an overdue question first),
// opens the team page, sees the care manager's question with 要返信 past due,
// replies in its thread (the question shows 返信あり, the list clears), posts
// her own question with a due time, sees who has read it (既読 0/…), edits it
// (編集済み) and withdraws it (the post stays, marked withdrawn). The members
// tab lists the team with its lead. 受信箱 shows the question addressed to her
// profession, past due; on the members tab she lists the family's key person. A clerk has no 担当患者 link and the page
// tells them it is not for their role. Screenshots go to tests/ui/artifacts/.
// backends: sqlite (the workspace's store paths run on both backends in integration/collab)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, post, patient, cleanupStore, BACKEND } from '../integration/harness.mjs';
import { launch, newPage, login, shot, timed, timings, printTimings } from './browser.mjs';

const HOSP = '2011000011', CARE = '2070400017', NURSING = '2061300019';
const org = (code) => ({ reference: `Organization/org-${code}` });
const REPLY_BY = 'urn:renkei:StructureDefinition:reply-requested-by';
let S, browser, page, pid, question;
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAgADADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDhktvap0tvatBLb2qdLb2r05VzmoYkoJbe1Tpbe1aCW3tU6W3tWEq569DEmelt7VYS29q0Etvap0tvaueVc9ehiSilt7VYS29qvpbe1WEtvauaVc/MqGJM9Lb2qdLb2rQS29qnS29q55Vz16GJKCW3tU6W3tWglt7VOlt7VhKuevQxJ//Z', 'base64'); // a 48×32 synthetic gradient

before(async () => {
  S = await startServer();
  // written by the facilities' systems (a staff login here would spend the
  // one-time code the browser needs within the same 30 s)
  const hosp = await S.system(HOSP, 'system/*.*'), care = await S.system(CARE, 'system/*.*');
  const p = await post(hosp, '/fhir/Patient', patient(HOSP, 'UI-TEAM1', { family: '在宅', given: '花子', familyKana: 'ザイタク', givenKana: 'ハナコ', gender: 'female', birthDate: '1938-05-06' }));
  assert.equal(p.status, 201, p.text);
  pid = p.json.id;
  const c = await post(hosp, '/fhir/Consent', { resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'comprehensive' }] }],
    patient: { reference: `Patient/${pid}` }, dateTime: '2026-01-05', provision: { type: 'permit' },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書', data: Buffer.from('%PDF-1.4 synthetic').toString('base64') } });
  assert.equal(c.status, 201, c.text);
  const t = await post(hosp, '/fhir/CareTeam', { resourceType: 'CareTeam', status: 'active', subject: { reference: `Patient/${pid}` },
    managingOrganization: [org(HOSP)], participant: [{ member: org(HOSP) }, { member: org(CARE) }, { member: org(NURSING), period: { start: '2026-01-05' } }] });
  assert.equal(t.status, 201, t.text);
  const q = await post(care, '/fhir/Communication', { resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${pid}` },
    sent: new Date(Date.now() - 7200000).toISOString(), sender: { display: 'こもれび 居宅（ケアマネジャー）' },
    payload: [{ contentString: '@訪問看護 入浴介助の可否を教えてください' }], recipient: [{ display: '@訪問看護' }],
    extension: [{ url: REPLY_BY, valueDateTime: new Date(Date.now() - 3600000).toISOString() }] });
  assert.equal(q.status, 201, q.text);
  question = q.json.id;
  browser = await launch();
  page = await newPage(browser, { width: 1024, height: 768, isMobile: true, hasTouch: true }); // a tablet
});

after(async () => {
  printTimings(`care team workspace (${BACKEND})`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

const badges = (sel) => page.$$eval(`${sel} .badge`, (els) => els.map((e) => e.textContent));

test('the nurse finds the overdue question in 担当患者一覧 and answers it in its thread', async () => {
  await timed('login (password + one-time code)', () => login(page, S.origin, 'vn.hidamari'));
  assert.equal(await page.textContent('#team-link'), '担当患者');
  await timed('担当患者一覧 shown', async () => {
    await page.click('#team-link');
    await page.waitForURL('**/team.html');
    await page.waitForSelector('body[data-ready=true]');
  });
  assert.equal(await page.textContent('#my-patients h1'), '担当患者一覧');
  const first = '#mine li.mine-row:first-child';
  assert.match(await page.textContent(first), /在宅 花子/);
  assert.deepEqual(await badges(first), ['返信期限切れ 1', '未読 1']);
  // 受信箱: the question names her profession and asks for a reply, past due
  const item = `#inbox li.inbox-item[data-id="${question}"]`;
  await page.waitForSelector(item);
  assert.match(await page.textContent(item), /在宅 花子.*入浴介助の可否/s);
  assert.deepEqual(await badges(item), ['あなた宛', '要返信', '期限切れ', '未読']);
  await shot(page, 'team-01-my-patients');

  await timed('team page shown', async () => {
    await page.click(`${first} a.patient-link`);
    await page.waitForSelector('body[data-ready=true]');
    await page.waitForSelector(`#timeline li.post[data-id="${question}"]`);
  });
  const q = `#timeline li.post[data-id="${question}"]`;
  assert.match(await page.textContent(q), /入浴介助の可否/);
  assert.match(await page.textContent(q), /こもれび 居宅（ケアマネジャー）/);
  assert.match((await badges(q)).join(), /要返信 .*まで ・ 期限切れ/);
  await shot(page, 'team-02-timeline');

  await page.click(`${q} button[data-act=reply]`);
  assert.match(await page.textContent('#replying'), /返信します/);
  await page.fill('#post-text', '可能です。バイタルが安定していればシャワー浴で。');
  await page.click('#post-send');
  await page.waitForSelector(`${q} .replies li.post`);
  assert.match(await page.textContent(`${q} .replies`), /シャワー浴/);
  assert.match(await page.textContent(`${q} .replies`), /（訪問看護師・ひだまり訪問看護ステーション）/);
  assert.match((await badges(q)).join(), /返信あり/);
  await shot(page, 'team-03-replied');

  // the care manager answers from her office: the post appears here without a reload
  const care = await S.system(CARE, 'system/*.*');
  const t0 = Date.now();
  const r = await post(care, '/fhir/Communication', { resourceType: 'Communication', status: 'completed', subject: { reference: `Patient/${pid}` },
    sent: new Date().toISOString(), sender: { display: 'こもれび 居宅（ケアマネジャー）' }, payload: [{ contentString: '承知しました。来週から週2回で調整します。' }],
    inResponseTo: [{ reference: `Communication/${question}` }] });
  assert.equal(r.status, 201, r.text);
  await page.waitForFunction(() => /週2回で調整/.test(document.getElementById('timeline').textContent), null, { timeout: 10000 });
  timings.push(['a post appears on another member\'s open page (live, no reload)', Date.now() - t0]); // printed, never asserted
  await shot(page, 'team-03b-live');

  await page.click('#team-link');
  await page.waitForSelector('body[data-ready=true]');
  await page.waitForSelector('#mine li.mine-row');
  assert.deepEqual(await badges('#mine li.mine-row:first-child'), [], 'read and answered: nothing needs her there');
});

test('her own question: 要返信 with a due time, receipts, edit and withdraw with the history kept', async () => {
  await page.click('#mine li.mine-row:first-child a.patient-link');
  await page.waitForSelector('body[data-ready=true]');
  await page.fill('#post-text', '@ケアマネ 次回の担当者会議の日程を教えてください');
  await page.check('#post-reply');
  await page.click('#post-send');
  assert.match(await page.textContent('#compose-message'), /返信期限を入力してください/);
  await page.fill('#post-due', '2099-01-10T17:00');
  await page.click('#post-send');
  const mine = '#timeline > li.post:first-child';
  await page.waitForFunction((s) => /担当者会議/.test(document.querySelector(s)?.textContent || ''), mine);
  assert.match((await badges(mine)).join(), /要返信 2099\/01\/10 17:00まで/);
  await page.waitForFunction((s) => /既読 0\/\d+/.test(document.querySelector(`${s} .receipts`)?.textContent || ''), mine);
  await page.click(`${mine} .receipts`);
  await page.waitForSelector(`${mine} .receipt-list li`);
  assert.match(await page.textContent(`${mine} .receipt-list`), /未読/);

  await page.click(`${mine} button[data-act=edit]`);
  assert.equal(await page.inputValue('#post-text'), '@ケアマネ 次回の担当者会議の日程を教えてください');
  await page.fill('#post-text', '@ケアマネ 次回の担当者会議（来週）の日程を教えてください');
  await page.click('#post-send');
  await page.waitForFunction((s) => /来週/.test(document.querySelector(s)?.textContent || ''), mine);
  assert.match(await page.textContent(mine), /編集済み/);
  const asked = `#timeline li.post[data-id="${await page.getAttribute(mine, 'data-id')}"]`;

  // the care manager has the same team page open in another browser
  const cm = await newPage(browser, { width: 768, height: 1024, isMobile: true, hasTouch: true });
  await login(cm, S.origin, 'cm.komorebi');
  await cm.goto(`${S.origin}/team.html?patient=${encodeURIComponent(`Patient/${pid}`)}`);
  await cm.waitForSelector('body[data-ready=true]');
  await cm.waitForSelector('#timeline li.post');

  // a photo: uploaded when chosen, shown as a thumbnail on the post
  await page.setInputFiles('#post-file', { name: '褥瘡.jpg', mimeType: 'image/jpeg', buffer: JPEG });
  await page.waitForSelector('#post-attachments li.attached img');
  await page.fill('#post-text', '仙骨部の写真です');
  const t1 = Date.now();
  await page.click('#post-send');
  const photo = '#timeline > li.post:first-child';
  await page.waitForFunction((s) => /仙骨部の写真/.test(document.querySelector(s)?.textContent || ''), photo);
  await page.waitForFunction((s) => document.querySelector(`${s} img.thumb`)?.naturalWidth > 0, photo);
  assert.equal(await page.$eval(`${photo} img.thumb`, (i) => i.alt), '褥瘡.jpg');
  // ... it appears on the care manager's page without a reload, and she opens it
  await cm.waitForFunction((s) => document.querySelector(`${s} img.thumb`)?.naturalWidth > 0 && /仙骨部の写真/.test(document.querySelector(s).textContent), photo, { timeout: 10000 });
  timings.push(['a photo post appears on the care manager\'s open page (live)', Date.now() - t1]); // printed, never asserted
  const [full] = await Promise.all([cm.context().waitForEvent('page'), cm.click(`${photo} img.thumb`)]);
  await full.waitForLoadState();
  assert.equal(await full.evaluate(() => document.contentType), 'image/jpeg');
  await full.close();
  await shot(cm, 'team-05b-photo-care-manager');
  // ... and the nurse sees that she has read it
  await page.click(`${photo} button[data-act=receipts]`);
  await page.waitForFunction((s) => [...document.querySelectorAll(`${s} .receipt-list li`)]
    .some((li) => /ケアマネジャー・こもれび/.test(li.textContent) && /既読$/.test(li.textContent.trim())), photo);
  assert.deepEqual(cm.errors, []);
  await cm.context().close();
  // a photo the browser cannot read (HEIC) is refused here with what to do
  await page.setInputFiles('#post-file', { name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1') });
  await page.waitForSelector('#compose-message:not([hidden])');
  assert.match(await page.textContent('#compose-message'), /HEIC/);
  await page.fill('#post-text', '');
  await shot(page, 'team-05-photo');

  page.once('dialog', (d) => d.accept());
  await page.click(`${asked} button[data-act=withdraw]`);
  await page.waitForFunction((s) => /取り消されました/.test(document.querySelector(s)?.textContent || ''), asked);
  assert.doesNotMatch(await page.textContent(asked), /来週/);
  await shot(page, 'team-04-withdrawn');

  await page.click('#tab-members');
  await page.waitForSelector('#members li.member');
  const members = await page.$$eval('#members li.member', (els) => els.map((e) => e.textContent));
  assert.equal(members.length, 3, members.join(' | '));
  assert.ok(members.some((m) => /信州れんけい総合病院.*リーダー/.test(m)), members.join(' | '));
  assert.ok(members.some((m) => /ひだまり訪問看護ステーション.*2026\/01\/05から/.test(m)), members.join(' | '));
  // 家族・連絡先: she lists the daughter as the key person, with her phone
  await page.fill('#contact-name', '在宅 陽子');
  await page.fill('#contact-kana', 'ザイタク ヨウコ');
  await page.selectOption('#contact-rel', 'DAU');
  await page.fill('#contact-phone', '090-1234-5678');
  await page.check('#contact-key');
  await page.click('#contact-form button[type=submit]');
  await page.waitForSelector('#contacts li.contact');
  const contact = await page.textContent('#contacts li.contact');
  assert.match(contact, /在宅 陽子.*長女・娘.*090-1234-5678.*キーパーソン/s);
  assert.equal(await page.getAttribute('#contacts li.contact a.phone', 'href'), 'tel:09012345678');
  await shot(page, 'team-06-members');
  assert.deepEqual(page.errors, []);
});

test('a clerk has no 担当患者 link, and the page says it is not for the role', async () => {
  const p2 = await newPage(browser);
  await login(p2, S.origin, 'clerk.yamabiko');
  assert.equal(await p2.$('#team-link'), null);
  await p2.goto(`${S.origin}/team.html`);
  await p2.waitForSelector('body[data-ready=true]');
  assert.match(await p2.textContent('#team-message'), /この職種では使えません/);
  assert.deepEqual(p2.errors, []);
});
