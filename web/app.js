// app.js — the clinician's start page: patient search by name (kanji or
// kana), birth date, local or regional patient ID. The server answers only
// registrations the user may know about; this page groups them by person
// (regional ID) and links to the patient view. Japanese first.
import { h, t, addText, applyStatic, onLang, loadSession, currentSession, toLogin, mountBar, getJSON,
  loadFacilities, personName, ageOf, genderText, fmtDate, localIds, facilityOf } from './common.js';

addText({
  heading: ['患者検索', 'Patient search'],
  'f-name': ['氏名（漢字・カナ）', 'Name (kanji or kana)'],
  'ph-name': ['例: 山田 太郎 / ヤマダ', 'e.g. 山田 太郎 / ヤマダ'],
  'f-birthdate': ['生年月日', 'Birth date'],
  'ph-birthdate': ['例: 1949-03-01 / S24.3.1 / 19490301', 'e.g. 1949-03-01 / S24.3.1 / 19490301'],
  'bad-birthdate': ['生年月日「{0}」を読み取れません。1949-03-01、19490301、S24.3.1、昭和24年3月1日 のように入力してください。',
    'Cannot read the birth date "{0}": write it as 1949-03-01, 19490301, S24.3.1 or 昭和24年3月1日.'],
  'f-id': ['患者ID（施設内・地域共通）', 'Patient ID (local or regional)'],
  'ph-id': ['例: 00012345', 'e.g. 00012345'],
  go: ['検索', 'Search'],
  results: ['検索結果', 'Results'],
  'c-name': ['氏名', 'Name'], 'c-kana': ['カナ', 'Kana'], 'c-birth': ['生年月日', 'Birth date'], 'c-sex': ['性別', 'Sex'],
  'c-regs': ['登録施設（患者ID）', 'Registered at (patient ID)'],
  'need-criteria': ['氏名・生年月日・患者IDのいずれかを入力してください。', 'Enter a name, a birth date or a patient ID.'],
  none: ['該当する患者さんは見つかりませんでした。同意のない施設にだけ登録されている患者さんは表示されません（下の説明をご覧ください）。',
    'No patient found. Patients registered only at facilities whose records you may not see are not shown (see below).'],
  count: ['{0}名', '{0} people'],
  more: ['{0}件以上あります。条件を絞り込んでください。', 'More than {0} matches: narrow the search.'],
  regional: ['地域共通ID', 'Regional ID'],
  'help-h': ['表示される患者さん', 'Which patients you can find'],
  'help-1': ['あなたの施設に登録されている患者さんと、同意により他の施設の記録が共有されている患者さんだけが表示されます。',
    'You find the patients registered at your facility and those whose records other facilities share with you under the patient\u2019s consent.'],
  'help-2': ['他の施設の記録を見るには、患者さんがその施設で同意書に署名し、施設の職員が同意を登録します。救急などで本人の同意が得られないときだけ、緊急時閲覧（理由を記録し、監査されます）が使えます。',
    'To see another facility\u2019s records, the patient signs a consent form (同意書) at that facility and its staff record the consent. Only in an emergency, when the patient cannot consent, may emergency access (break-the-glass) be used: its reason is recorded and audited.'],
});

const REGION = 'urn:renkei:regional-patient-id';

/** Full-width letters, digits and signs as ASCII, the ideographic space as a space. */
export function halfWidth(s) {
  return String(s || '').replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/\u3000/g, ' ');
}

// 和暦: the first year of each era (元年) in the Gregorian calendar
const ERAS = { M: 1868, T: 1912, S: 1926, H: 1989, R: 2019 };
const ERA_NAMES = { 明治: 'M', 明: 'M', 大正: 'T', 大: 'T', 昭和: 'S', 昭: 'S', 平成: 'H', 平: 'H', 令和: 'R', 令: 'R' };

/**
 * A birth date as typed into FHIR's YYYY-MM-DD: 1949-03-01, 1949/3/1,
 * 1949年3月1日, 19490301, and 和暦 S24.3.1 (M/T/S/H/R, any of . / - as the
 * separator), 昭和24年3月1日 (元年 too), in full-width or half-width. Null when
 * it is not a real date.
 */
export function parseBirthDate(input) {
  let s = halfWidth(input).trim().replace(/\s+/g, '').replace(/元年/, '1年');
  let m, y, mo, d;
  if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) [y, mo, d] = [m[1], m[2], m[3]].map(Number);
  else if ((m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s))) [y, mo, d] = [m[1], m[2], m[3]].map(Number);
  else {
    for (const [name, letter] of Object.entries(ERA_NAMES)) if (s.startsWith(name)) { s = letter + s.slice(name.length); break; }
    if (!(m = /^([MTSHR])(\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/i.exec(s))) return null;
    const era = m[1].toUpperCase();
    [y, mo, d] = [ERAS[era] + Number(m[2]) - 1, Number(m[3]), Number(m[4])];
    if (Number(m[2]) < 1) return null;
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1868 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A patient ID as typed, for the identifier search: half-width; digits alone
 * also match the same number zero-padded as facilities pad their IDs (123
 * finds 0000123): the search ORs the padded forms up to ten digits.
 */
export function idSearchValue(input) {
  const s = halfWidth(input).trim().replace(/,/g, ''); // a comma would OR another value in
  if (!/^\d{1,9}$/.test(s)) return s;
  const bare = s.replace(/^0+(?=\d)/, '');
  const forms = new Set([s]);
  for (let n = bare.length; n <= 10; n++) forms.add(bare.padStart(n, '0'));
  return [...forms].join(',');
}
const PAGE = 50;
let facilities = new Map();
let last = null; // { people, total } of the last search

/** Registrations grouped by person: [{ regional, regs: [Patient] }], own facility's registration first. */
function group(patients) {
  const own = currentSession()?.account.facility;
  const byPerson = new Map();
  for (const p of patients) {
    const rid = (p.identifier || []).find((i) => i.system === REGION)?.value || `local:${p.id}`;
    if (!byPerson.has(rid)) byPerson.set(rid, { regional: rid.startsWith('local:') ? '' : rid, regs: [] });
    byPerson.get(rid).regs.push(p);
  }
  const facOf = (p) => facilityOf(p, facilities).code;
  for (const g of byPerson.values()) g.regs.sort((a, b) => (facOf(b) === own) - (facOf(a) === own));
  return [...byPerson.values()];
}

function renderResults() {
  const card = document.getElementById('results-card');
  const body = document.querySelector('#results tbody');
  const msg = document.getElementById('search-message');
  if (!last) return;
  body.replaceChildren();
  card.hidden = last.people.length === 0;
  document.getElementById('result-count').textContent = t('count', last.people.length);
  for (const g of last.people) {
    const p = g.regs[0];
    const n = personName(p);
    const age = ageOf(p.birthDate);
    const href = `/patient.html?id=${encodeURIComponent(p.id)}`;
    const regs = g.regs.map((r) => {
      return h('li', {}, facilityOf(r, facilities).name, ' ', h('span', { class: 'muted' }, localIds(r).map((i) => i.value).join(', ')));
    });
    if (g.regional) regs.push(h('li', { class: 'muted' }, `${t('regional')}: ${g.regional}`));
    body.append(h('tr', { class: 'result', dataset: { id: p.id } },
      h('td', {}, h('a', { href, class: 'patient-link' }, n.kanji)),
      h('td', {}, n.kana),
      h('td', {}, fmtDate(p.birthDate), age !== null ? ` (${age}${t('age')})` : ''),
      h('td', {}, genderText(p.gender)),
      h('td', {}, h('ul', { class: 'plain' }, regs))));
  }
  if (last.people.length === 0) {
    msg.textContent = t('none');
    msg.hidden = false;
  } else if (last.total > PAGE) {
    msg.textContent = t('more', PAGE);
    msg.hidden = false;
  } else {
    msg.hidden = true;
  }
}

let searches = 0; // finished searches, as data-searches on <body> (tests wait for it)

async function search(q) {
  try {
    await runSearch(q);
  } finally {
    document.body.dataset.searches = String(++searches);
  }
}

async function runSearch(q) {
  const msg = document.getElementById('search-message');
  const params = new URLSearchParams();
  if (q.name) params.set('name', q.name);
  if (q.birthdate) {
    const date = parseBirthDate(q.birthdate);
    if (!date) {
      // nothing is searched: no results of an earlier search stay on screen
      last = null;
      document.querySelector('#results tbody').replaceChildren();
      document.getElementById('results-card').hidden = true;
      msg.textContent = t('bad-birthdate', q.birthdate);
      msg.hidden = false;
      return;
    }
    params.set('birthdate', date);
  }
  if (q.identifier) params.set('identifier', idSearchValue(q.identifier));
  if ([...params].length === 0) {
    msg.textContent = t('need-criteria');
    msg.hidden = false;
    return;
  }
  params.set('_count', String(PAGE));
  params.set('_sort', 'name');
  try {
    const b = await getJSON(`/fhir/Patient?${params}`);
    const patients = (b.entry || []).map((e) => e.resource).filter(Boolean);
    last = { people: group(patients), total: b.total ?? patients.length };
    sessionStorage.setItem('renkei.search', JSON.stringify(q));
    renderResults();
  } catch (e) {
    msg.textContent = e.message;
    msg.hidden = false;
  }
}

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = Object.fromEntries(new FormData(e.target).entries());
  // A name typed with a full-width space searches for both parts the same way.
  search({ name: (f.name || '').replace(/\u3000/g, ' ').trim(), birthdate: (f.birthdate || '').trim(), identifier: (f.identifier || '').trim() });
});

async function start() {
  applyStatic();
  onLang(renderResults);
  const s = await loadSession();
  if (!s) return toLogin();
  mountBar(document.getElementById('bar'));
  facilities = await loadFacilities().catch(() => new Map());
  document.body.dataset.ready = 'true';
  // back from a patient view: the previous search again
  const prev = JSON.parse(sessionStorage.getItem('renkei.search') || 'null');
  if (prev) {
    document.getElementById('q-name').value = prev.name || '';
    document.getElementById('q-birthdate').value = prev.birthdate || '';
    document.getElementById('q-id').value = prev.identifier || '';
    await search(prev);
  }
  document.getElementById('q-name').focus();
}
start();
