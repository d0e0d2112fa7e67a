// patient_view.test.mjs — the clinician's patient view in real Chromium,
// clicked through as a doctor of あずみの中央病院 would: log in with the
// one-time code, find 連携 花子 by kana, birth date and ID, read the header
// (allergies, 薬剤禁忌), filter the timeline by facility, category and period,
// see current medicines first, open a lab trend chart, open a discharge
// summary, switch to English, and use it on a tablet. The person is also
// registered at a clinic that has not consented: nothing of the clinic's data
// may reach the page, not even that the registration exists. A doctor of the
// clinic, in turn, sees the clinic's record and not the hospitals'. Page-load
// times are printed, never asserted. Screenshots go to tests/ui/artifacts/.
// The view shows what is there: dose and days of every prescription, blood
// pressure from its components, values apart from their units and with the
// digits the server sent (7.0, 1.00), a visit's note; the timeline is compact
// (12+ rows above the fold at 1366×768) and grouped by day and visit. Search
// takes full-width and unpadded IDs and 和暦 or 8-digit birth dates; a link
// opened before login is where the user lands after it (this site only). The
// demo region is dated up to today (--today), so its people on long-term
// therapy have current medicines.
// backends: sqlite (what reaches the page is decided in C, tested on both backends by integration/access_matrix and clinical_api)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanupStore, BACKEND } from '../integration/harness.mjs';
import { launch, newPage, login, shot, timed, printTimings, everythingOnPage } from './browser.mjs';
import { totp, DEMO_PASSWORD, DEMO_SECRET } from '../integration/harness.mjs';
import { writeFixture, day, HOSP, AZUMINO, CLINIC, NAMES, CLINIC_SECRETS, SUMMARY_TEXT, VISIT_NOTE } from './fixture.mjs';

// a populated region around the test person (smaller on PostgreSQL, where writing it is slow: the pages and
// their searches are the same)
const DEMO_PEOPLE = BACKEND === 'postgresql' ? 120 : 300;
let S, browser, page, ids;

before(async () => {
  S = await startServer({ demo: DEMO_PEOPLE, demoArgs: ['--today', day(0)] });
  const systems = {};
  for (const code of [HOSP, AZUMINO, CLINIC]) systems[code] = await S.system(code, 'system/*.*');
  ids = await writeFixture(systems, await S.login('dr.renkei'));
  browser = await launch();
  page = await newPage(browser);
});

after(async () => {
  printTimings(`UI page loads (${BACKEND}, demo region of ${DEMO_PEOPLE} people)`);
  await browser?.close();
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

const tl = () => page.$$eval('#timeline li.tl-item', (els) => els.map((e) => ({ cat: e.dataset.cat, facility: e.dataset.facility, day: e.dataset.day })));

test('log in with the one-time code and find the patient by kana, birth date, local and regional ID', async () => {
  await timed('login page → start page (password + one-time code)', () => login(page, S.origin, 'dr.azumino'));
  await shot(page, '01-start');
  const find = async (fill, label) => {
    await page.fill('#q-name', fill.name || '');
    await page.fill('#q-birthdate', fill.birthdate || '');
    await page.fill('#q-id', fill.identifier || '');
    const n = Number(await page.getAttribute('body', 'data-searches') || 0);
    return timed(label, async () => {
      await page.click('#search button[type=submit]');
      await page.waitForSelector(`body[data-searches="${n + 1}"]`);
      return page.$$eval('#results tbody tr', (rows) => rows.map((r) => r.innerText));
    });
  };
  // nobody yet: the page explains why someone might be missing
  let rows = await find({ name: 'ソンザイシナイ' }, 'search: no match');
  assert.equal(rows.length, 0);
  assert.match(await page.textContent('#search-message'), /同意/);
  rows = await find({ name: 'レンケイ' }, 'search by kana');
  assert.equal(rows.length, 1, `one person: ${rows}`);
  assert.match(rows[0], /連携 花子/);
  assert.match(rows[0], new RegExp(NAMES[HOSP]));
  assert.match(rows[0], new RegExp(NAMES[AZUMINO]));
  assert.doesNotMatch(rows[0], new RegExp(NAMES[CLINIC]), 'the clinic registration is not even listed');
  await shot(page, '02-search');
  assert.equal((await find({ birthdate: '1948-06-15' }, 'search by birth date')).filter((r) => /連携 花子/.test(r)).length, 1);
  assert.equal((await find({ identifier: 'H0012345' }, 'search by local ID')).length, 1);
  assert.equal((await find({ identifier: ids.regional }, 'search by regional ID')).length, 1);
  // the clinic's local ID finds nothing for this user
  assert.equal((await find({ identifier: 'K77XYZ' }, 'search by the hidden local ID')).length, 0);
  // Japanese input: full-width and unpadded IDs, 和暦 and 8-digit birth dates
  for (const id of ['１２３', '123', '0000123', '０００００１２３'])
    assert.deepEqual((await find({ identifier: id }, `search by ID ${id}`)).map((r) => /和暦 次郎/.test(r)), [true], `ID ${id}`);
  for (const date of ['S24.3.1', '昭和24年3月1日', 'Ｓ２４．３．１', 's24/3/1', '19490301', '１９４９０３０１', '1949-03-01', '1949/3/1'])
    assert.ok((await find({ birthdate: date }, `search by birth date ${date}`)).some((r) => /和暦 次郎/.test(r)), `birth date ${date}`);
  assert.equal((await find({ name: 'ワレキ', birthdate: 'H1.1.8' }, 'search: 平成元年')).length, 0);
  assert.equal((await find({ identifier: '123' }, 'search by ID again')).length, 1);
  assert.equal((await find({ identifier: '123', birthdate: 'S24.2.30' }, 'search: no such day')).length, 0, 'no earlier results stay');
  assert.match(await page.textContent('#search-message'), /生年月日「S24\.2\.30」を読み取れません/);
  assert.equal((await find({ name: '連携', birthdate: '1948-06-15' }, 'search by kanji and birth date')).length, 1);
});

test('the patient view: header with allergies and 薬剤禁忌, consent notice, timeline filtered by facility', async () => {
  await timed('patient view: click in the results → header and timeline shown', async () => {
    await page.click('#results a.patient-link');
    await page.waitForSelector('body[data-ready=true] #timeline');
  });
  assert.equal(await page.textContent('#patient-name'), '連携 花子');
  assert.equal(await page.textContent('#patient-kana'), 'レンケイ ハナコ');
  assert.match(await page.textContent('#patient-facts'), /\d+歳 女性 生年月日 1948\/06\/15/);
  assert.match(await page.textContent('#header-contraindications'), /ペニシリン系抗菌薬（アナフィラキシー）/);
  assert.match(await page.textContent('#header-allergies'), /鶏卵/);
  assert.doesNotMatch(await page.textContent('#header-allergies'), /ペニシリン/, 'drug contraindications have their own line');

  // what is shown, and how the rest is obtained — in plain words, naming only visible facilities
  const notice = await page.textContent('#consent-notice');
  assert.match(notice, new RegExp(`${NAMES[AZUMINO]}（あなたの施設）`));
  assert.match(notice, new RegExp(NAMES[HOSP]));
  assert.match(notice, /同意がない施設の記録は表示されません/);
  await page.click('#consent-how summary');
  assert.match(await page.textContent('#consent-how'), /同意書.*署名.*職員が同意を登録/);
  assert.match(await page.textContent('#consent-how'), /緊急時閲覧.*同意が得られない場合に限ります/);

  // the integrated timeline: both visible facilities, each item labelled
  const all = await tl();
  assert.ok(all.length >= 12, `timeline items: ${all.length}`);
  assert.deepEqual([...new Set(all.map((x) => x.facility))].sort(), [HOSP, AZUMINO].sort());
  const labels = await page.$$eval('#timeline li .facility', (els) => els.map((e) => e.textContent));
  assert.equal(labels.length, all.length, 'every item names its source facility');
  assert.ok(labels.every((l) => l === NAMES[HOSP] || l === NAMES[AZUMINO]));
  await shot(page, '03-patient-timeline');

  await page.selectOption('#tl-facility', HOSP);
  await page.waitForFunction((n) => document.querySelectorAll('#timeline li.tl-item').length < n, all.length);
  const hosp = await tl();
  assert.ok(hosp.length > 0 && hosp.every((x) => x.facility === HOSP), 'filtered to the hospital');
  assert.equal(hosp.length, all.filter((x) => x.facility === HOSP).length);
  await shot(page, '04-timeline-hospital');

  await page.selectOption('#tl-cat', 'lab');
  await page.waitForFunction(() => [...document.querySelectorAll('#timeline li.tl-item')].every((e) => e.dataset.cat === 'lab'));
  assert.equal((await tl()).length, 4, 'four lab days at the hospital');
  // a period: the last 60 days only
  const from = new Date(Date.now() - 60 * 86400e3 + 9 * 3600e3).toISOString().slice(0, 10);
  await page.fill('#tl-from', from);
  await page.dispatchEvent('#tl-from', 'change');
  await page.waitForFunction(() => document.querySelectorAll('#timeline li.tl-item').length === 1);
  await page.click('#tl-reset');
  await page.waitForFunction((n) => document.querySelectorAll('#timeline li.tl-item').length === n, all.length);
});

test('the timeline is compact and grouped by day and visit, and shows what each record holds', async () => {
  const rows = () => page.$$eval('#timeline li.tl-item', (els) => els.map((e) => ({ day: e.dataset.day, cat: e.dataset.cat, enc: e.dataset.encounter || '',
    cls: e.className, text: e.innerText.replace(/\s+/g, ' ') })));
  // at least 12 rows above the fold of a 1366×768 laptop screen
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const above = await page.$$eval('#timeline li.tl-item', (els) => els.filter((e) => e.getBoundingClientRect().bottom <= window.innerHeight).length);
  await shot(page, '03b-timeline-1366x768');
  await page.setViewportSize({ width: 1366, height: 900 });
  console.log(`timeline rows above the fold at 1366×768: ${above} (not counting the header, consent notice and filters)`);
  assert.ok(above >= 12, `timeline rows above the fold at 1366×768: ${above}`);
  const all = await rows();
  // by day, newest first; each day starts a group that names its date once
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].day >= all[i].day, `row ${i} out of order`);
  all.forEach((r, i) => assert.equal(r.cls.includes('day-start'), i === 0 || all[i - 1].day !== r.day, `row ${i} day start`));
  // the visit five days ago comes first on its day, its records right after it
  const visitAt = all.findIndex((r) => r.cat === 'encounter' && r.day === day(-5));
  assert.ok(visitAt >= 0, 'the visit is on the timeline');
  const visit = all[visitAt];
  assert.match(visit.text, new RegExp(VISIT_NOTE), 'the visit shows its note');
  assert.match(visit.text, /高血圧・糖尿病の定期受診/, 'and its reason');
  const sameDay = all.filter((r) => r.day === day(-5));
  assert.equal(sameDay[0], visit);
  const ofVisit = all.slice(visitAt + 1).filter((r) => r.enc === visit.enc);
  assert.ok(ofVisit.length >= 3 && ofVisit.every((r) => r.cls.includes('in-visit')), `the visit's records: ${ofVisit.map((r) => r.text)}`);
  assert.deepEqual(all.slice(visitAt + 1, visitAt + 1 + ofVisit.length), ofVisit, 'right after the visit');
  // blood pressure from its components; values apart from their units
  assert.ok(all.some((r) => r.cat === 'vital' && /血圧 136\/75 mmHg/.test(r.text)), 'blood pressure as 136/75 mmHg');
  const labs = all.find((r) => r.cat === 'lab' && r.day === day(-5)).text;
  assert.match(labs, /白血球数 8\.3 10\^3\/μL/);
  assert.doesNotMatch(labs, /8\.310\^3/);
  // every prescription with its dose, 用法 and days
  const rx = all.filter((r) => r.cat === 'medication' && /メトホルミン|アムロジピン/.test(r.text));
  assert.equal(rx.length, 2);
  assert.ok(rx.some((r) => /アムロジピン.*1日1回 朝食後.*1回1錠.*30日分/.test(r.text)), rx.map((r) => r.text).join('\n'));
  assert.ok(rx.some((r) => /メトホルミン.*1回1錠 1日2回 朝夕食後.*90日分/.test(r.text)), 'the written dose is not repeated');
  // in English too
  await page.click('#lang');
  await page.waitForSelector('#tab-timeline:has-text("Timeline")');
  const en = (await rows()).map((r) => r.text).join('\n');
  assert.match(en, /アムロジピン.*1 錠 per dose.*30 days/);
  assert.match(en, /Reason: 高血圧・糖尿病の定期受診/);
  await page.click('#lang');
  await page.waitForSelector('#tab-timeline:has-text("タイムライン")');
});

test('numbers keep the digits the hospital sent: 7.0 stays 7.0, 1.00 stays 1.00', async () => {
  // the UI's JSON layer keeps a number's source text (JSON.parse's reviver with context.source)
  const parsed = await page.evaluate(async () => {
    const { parseJSON, numText, qtyText } = await import('/common.js');
    const o = parseJSON('{"a":{"value":7.0,"unit":"%"},"b":[1.00,2.50e1],"c":{"value":8.3}}');
    return [numText(o.a), qtyText(o.a), numText(o.b, 0), numText(o.b, 1), numText(o.c), o.a.value === 7, typeof o.b[0]];
  });
  assert.deepEqual(parsed, ['7.0', '7.0 %', '1.00', '2.50e1', '8.3', true, 'number']);
  // what the server sends for the two results written as 7.0 and 1.00; the page shows exactly that
  const sent = {};
  for (const [name, code] of [['HbA1c', '3D046000001920402'], ['PT-INR', '2B030000002227101']]) {
    const r = await page.request.get(`${S.origin}/fhir/Observation?patient=${ids.azumino}&code=${code}&date=${day(-5)}`);
    const text = await r.text();
    sent[name] = /"valueQuantity":\{"value":([-0-9.eE+]+)/.exec(text)?.[1];
    assert.ok(sent[name], `${name}: ${text.slice(0, 300)}`);
  }
  // the server keeps a decimal as written (core/json.h): exactly 7.0 and 1.00, which the page shows as they are
  assert.equal(sent.HbA1c, '7.0');
  assert.equal(sent['PT-INR'], '1.00');
  const labs = await page.$eval(`#timeline li.tl-item[data-cat=lab][data-day="${day(-5)}"]`, (e) => e.innerText);
  assert.ok(labs.includes(`HbA1c(NGSP) ${sent.HbA1c} %`), labs);
  assert.ok(labs.includes(`PT-INR ${sent['PT-INR']}`), labs);
  await page.click('#tab-labs');
  await page.waitForSelector('#lab-table');
  const cells = await page.locator('#lab-table tbody tr', { hasText: 'PT-INR' }).locator('td').allInnerTexts();
  assert.ok(cells.includes(sent['PT-INR']), `PT-INR cells: ${cells}`);
  assert.ok(cells.includes('0.85–1.15'), 'the reference range');
  assert.match(await page.locator('tr.vital', { hasText: '血圧' }).innerText(), /136\/75 mmHg/, 'blood pressure among the vital signs');
  await page.click('#tab-timeline');
  await page.waitForSelector('#timeline');
});

test('medicines: current first, with period and prescribing facility', async () => {
  await page.click('#tab-medications');
  await page.waitForSelector('table.current-meds');
  const current = await page.$$eval('table.current-meds tbody tr', (rows) => rows.map((r) => r.innerText));
  assert.equal(current.length, 2, `current: ${current}`);
  assert.ok(current.some((r) => /メトホルミン/.test(r) && r.includes(NAMES[HOSP]) && /〜/.test(r)));
  assert.ok(current.some((r) => /アムロジピン/.test(r) && r.includes(NAMES[AZUMINO])));
  // dose, 用法, days and total of each
  assert.ok(current.some((r) => /メトホルミン/.test(r) && /1回1錠 1日2回 朝夕食後/.test(r) && /90日分/.test(r) && /総量180錠/.test(r)), current.join('\n'));
  assert.ok(current.some((r) => /アムロジピン/.test(r) && /1日1回 朝食後\s+1回1錠/.test(r) && /30日分/.test(r)), current.join('\n'));
  const past = await page.$$eval('table.past-meds tbody tr', (rows) => rows.map((r) => r.innerText));
  assert.ok(past.some((r) => /セフトリアキソン/.test(r) && /注射/.test(r)), 'the injection is among the earlier ones');
  const order = await page.$$eval('#panel table', (ts) => ts.map((t) => t.className));
  assert.ok(order.indexOf('list current-meds') < order.indexOf('list past-meds'), 'current medicines come first');
  await shot(page, '05-medications');
});

test('lab results: a table by date with abnormal flags, and a trend chart per analyte', async () => {
  await page.click('#tab-labs');
  await page.waitForSelector('#lab-table');
  const hba1c = page.locator('#lab-table tbody tr', { hasText: 'HbA1c' });
  assert.equal(await hba1c.locator('td.abn-H').count(), 5, 'every HbA1c above 6.2 is flagged H');
  assert.ok(await page.locator('#lab-table tbody tr', { hasText: 'eGFR' }).locator('td.abn-L').count() === 3);
  const heads = await page.$$eval('#lab-table thead th.col-date', (els) => els.map((e) => e.dataset.facility));
  assert.deepEqual([...new Set(heads)].sort(), [HOSP, AZUMINO].sort(), 'every column names its facility');
  await timed('lab trend chart: click → chart drawn (uPlot loaded on first use)', async () => {
    await hba1c.locator('button.analyte').click();
    await page.waitForSelector('#trend-chart[data-ready=true] canvas');
  });
  const legend = await page.textContent('#trend-chart .u-legend');
  assert.match(legend, new RegExp(NAMES[HOSP]));
  assert.match(legend, new RegExp(NAMES[AZUMINO]), 'one series per facility');
  assert.equal(await page.locator('table.trend-values tbody tr').count(), 5);
  await shot(page, '06-lab-trend');
});

test('documents: the discharge summary opens in the browser from its Binary', async () => {
  await page.click('#tab-documents');
  await page.waitForSelector('table.documents');
  const rows = await page.$$eval('table.documents tbody tr', (r) => r.map((x) => x.innerText));
  assert.equal(rows.length, 1, `only the hospital's document: ${rows}`);
  await timed('document: click → text shown (Binary fetched)', async () => {
    await page.click('table.documents button.open-doc');
    await page.waitForSelector('#doc-text');
  });
  assert.equal(await page.textContent('#doc-text'), SUMMARY_TEXT);
  const [tab] = await Promise.all([page.context().waitForEvent('page'), page.click('#doc-open-tab')]);
  await tab.waitForLoadState();
  assert.match(await tab.textContent('body'), /退院時サマリー：肺炎にて入院/);
  await tab.close();
  await shot(page, '07-document');
});

test('nothing of the clinic without consent reaches the page, on any tab', async () => {
  const responses = [];
  const onResponse = async (r) => {
    if (/\/fhir\/(Patient|Binary|DocumentReference)/.test(r.url())) responses.push(await r.text().catch(() => ''));
  };
  page.on('response', onResponse);
  await timed('patient view: reload (header, timeline)', async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
  });
  for (const t of ['timeline', 'conditions', 'allergies', 'medications', 'labs', 'procedures', 'imaging', 'documents']) {
    await page.click(`#tab-${t}`);
    await page.waitForSelector(`#panel[data-tab=${t}]`);
    if (t === 'labs') {
      await page.click('#lab-table button.analyte >> nth=0');
      await page.waitForSelector('#trend-chart[data-ready=true]');
    }
    const all = await everythingOnPage(page);
    for (const secret of CLINIC_SECRETS) assert.ok(!all.includes(secret), `tab ${t} reveals "${secret}"`);
    assert.ok(!all.includes(ids.clinic), `tab ${t} reveals the clinic registration's id`);
  }
  page.off('response', onResponse);
  for (const body of responses) for (const secret of CLINIC_SECRETS.filter((s) => s !== CLINIC)) assert.ok(!body.includes(secret), `a response carried "${secret}"`);
  // the same page in English
  await page.click('#lang');
  await page.waitForSelector('#tab-timeline:has-text("Timeline")');
  assert.match(await page.textContent('#consent-notice'), /Records of facilities without the patient.s consent are not shown/);
  await shot(page, '08-english');
  await page.click('#lang');
  await page.waitForSelector('#tab-timeline:has-text("タイムライン")');
});

test('on a tablet: the same view fits the screen without sideways scrolling', async () => {
  const tablet = await newPage(browser, { width: 820, height: 1180, isMobile: true, hasTouch: true, storageState: await page.context().storageState() });
  await timed('patient view on a tablet (820×1180)', async () => {
    await tablet.goto(`${S.origin}/patient.html?id=${encodeURIComponent(ids.azumino)}`);
    await tablet.waitForSelector('body[data-ready=true] #timeline');
  });
  assert.equal(await tablet.textContent('#patient-name'), '連携 花子');
  const overflow = await tablet.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
  await shot(tablet, '09-tablet');
  await tablet.click('#tab-labs');
  await tablet.click('#lab-table button.analyte >> nth=1');
  await tablet.waitForSelector('#trend-chart[data-ready=true] canvas');
  assert.ok(await tablet.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 1, 'the lab table scrolls inside its box');
  await shot(tablet, '10-tablet-trend');
  assert.deepEqual(tablet.errors, []);
  await tablet.context().close();
});

test('demo patients open fast too, and those on long-term therapy have current medicines today', async () => {
  // the hospital's registrations, by their local-ID system (the Patient comes from its SS-MIX2 ADT-00 message)
  const system = encodeURIComponent(`urn:oid:1.2.392.100495.20.3.51.1${AZUMINO}|`);
  const list = await page.request.get(`${S.origin}/fhir/Patient?identifier=${system}&_count=3`);
  const entries = (await list.json()).entry || [];
  assert.ok(entries.length > 0, 'the demo region has patients at the viewer\u2019s facility');
  for (const e of entries) {
    await timed(`patient view: demo patient ${e.resource.id}`, async () => {
      await page.goto(`${S.origin}/patient.html?id=${encodeURIComponent(e.resource.id)}`);
      await page.waitForSelector('body[data-ready=true]');
    });
  }
  // the demo is dated up to today: people of the hospital with prescriptions active today
  const active = await page.request.get(`${S.origin}/fhir/MedicationRequest?status=active&authoredon=ge${day(-60)}&_count=200`);
  const subjects = [...new Set(((await active.json()).entry || []).map((e) => e.resource.subject.reference.slice(8))
    .filter((id) => id.startsWith(`${AZUMINO}-`)))].slice(0, 3);
  assert.ok(subjects.length > 0, 'prescriptions of the last 60 days at the viewer\u2019s hospital');
  let withCurrent = 0;
  for (const id of subjects) {
    await page.goto(`${S.origin}/patient.html?id=${encodeURIComponent(id)}#medications`);
    await page.waitForSelector('body[data-ready=true] #panel[data-tab=medications]');
    const current = await page.$$eval('table.current-meds tbody tr', (rows) => rows.map((r) => r.innerText));
    if (current.length) withCurrent++;
    for (const r of current) assert.match(r, /\d+日分/, `a current medicine with its days: ${r}`);
  }
  assert.ok(withCurrent > 0, 'a demo patient has current medicines today');
  await shot(page, '10b-demo-current-medicines');
  assert.deepEqual(page.errors, [], 'no script errors on any page');
});

test('a link opened before login is where the user lands after it; only this site\u2019s pages', async () => {
  const fresh = await newPage(browser);
  const target = `/patient.html?id=${encodeURIComponent(ids.hospital)}#medications`;
  await fresh.goto(`${S.origin}${target}`);
  await fresh.waitForURL('**/login.html?next=*');
  // the login page follows only a path of this site
  const next = await fresh.evaluate(async () => {
    const { nextPage } = await import('/login.js');
    const q = (v) => `?next=${encodeURIComponent(v)}`;
    return ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/\t/evil.example', 'patient.html',
      '/login.html?next=/x', '/patient.html?id=a%2Fb#labs', ''].map((v) => nextPage(q(v)));
  });
  assert.deepEqual(next, ['/', '/', '/', '/', '/', '/', '/', '/patient.html?id=a%2Fb#labs', '/']);
  await fresh.fill('#step-password input[name=account]', 'ns.renkei'); // not yet logged in here (a one-time code is used once)
  await fresh.fill('#step-password input[name=password]', DEMO_PASSWORD);
  await fresh.click('#step-password button[type=submit]');
  await fresh.waitForSelector('#step-totp:not([hidden])');
  await fresh.fill('#step-totp input[name=code]', totp(DEMO_SECRET));
  await fresh.click('#step-totp button[type=submit]');
  await fresh.waitForURL(`${S.origin}${target}`).catch(async (e) => {
    throw new Error(`${e.message}\nat ${fresh.url()}: ${await fresh.textContent('body').catch(() => '')}`);
  });
  await fresh.waitForSelector('body[data-ready=true] #panel[data-tab=medications]');
  assert.equal(await fresh.textContent('#patient-name'), '連携 花子');
  assert.deepEqual(fresh.errors, []);
  await fresh.context().close();
});

test('a doctor of the clinic sees the clinic\u2019s record, and not the hospitals\u2019 without their consent', async () => {
  const clinic = await newPage(browser);
  await login(clinic, S.origin, 'dr.yamabiko');
  await clinic.fill('#q-id', 'K77XYZ');
  await clinic.click('#search button[type=submit]');
  await clinic.click('#results a.patient-link');
  await clinic.waitForSelector('body[data-ready=true] #timeline');
  await clinic.click('#tab-medications');
  await clinic.waitForSelector('table.current-meds');
  const meds = await clinic.textContent('#panel');
  assert.match(meds, /ランソプラゾール/);
  const all = await everythingOnPage(clinic);
  for (const hidden of ['メトホルミン', 'アムロジピン', NAMES[HOSP], NAMES[AZUMINO], 'H0012345', 'A-3321', ids.hospital, ids.azumino])
    assert.ok(!all.includes(hidden), `the clinic's view reveals "${hidden}"`);
  await shot(clinic, '11-clinic-view');
  assert.deepEqual(clinic.errors, []);
  await clinic.context().close();
});
