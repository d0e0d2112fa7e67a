// common.js — what every page of the clinician's UI shares: the Japanese /
// English switch, DOM building that only ever inserts text (never HTML), the
// session (login state and CSRF token), FHIR reads, the facility directory,
// and the header bar. Plain ES module, no build step.

/** Current language: 'ja' (default) or 'en', kept in localStorage. */
export let lang = localStorage.getItem('renkei.lang') === 'en' ? 'en' : 'ja';

const dict = {
  title: ['医療情報連携ネットワーク', 'Regional health information network'],
  login: ['ログイン', 'Log in'],
  logout: ['ログアウト', 'Log out'],
  search: ['患者検索', 'Patient search'],
  ops: ['運用管理', 'Operations'],
  team: ['担当患者', 'My patients'],
  synthetic: ['このデモの患者データはすべて架空のものです。', 'All patient data in this demo is synthetic.'],
  'err-network': ['サーバーに接続できません。', 'Cannot reach the server.'],
  'err-server': ['サーバーでエラーが発生しました。', 'The server reported an error.'],
  male: ['男性', 'male'], female: ['女性', 'female'], other: ['その他', 'other'], unknown: ['不明', 'unknown'],
  age: ['歳', ' y'],
};
const listeners = [];

/** Add a module's strings: { key: ['日本語', 'English'] }. */
export function addText(entries) {
  Object.assign(dict, entries);
}

/** The text of key in the current language (the key itself when unknown). */
export function t(key, ...args) {
  const e = dict[key];
  let s = e ? e[lang === 'en' ? 1 : 0] : key;
  args.forEach((a, i) => { s = s.replaceAll(`{${i}}`, String(a)); });
  return s;
}

/** Call fn now and whenever the language changes. */
export function onLang(fn) {
  listeners.push(fn);
}

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'ja';
  localStorage.setItem('renkei.lang', lang);
  applyStatic();
  listeners.forEach((fn) => fn());
}

/** Static elements carry data-i18n="key"; their text follows the language. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  root.querySelectorAll('[data-i18n-label]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nLabel)); });
}

/**
 * Build an element: h('td', {class: 'x', dataset: {id: 1}}, 'text', child).
 * Strings become text nodes, so nothing that came from the server is ever
 * parsed as HTML. Attributes: class, dataset, on<event> (functions), others
 * set with setAttribute; null/false/undefined children and attributes are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let session = null;

/** GET /api/session; null when not (fully) logged in. */
export async function loadSession() {
  try {
    const r = await fetch('/api/session', { credentials: 'same-origin' });
    const s = r.ok ? await r.json() : null;
    session = s && s.stage === 'ok' ? s : null;
  } catch {
    session = null;
  }
  return session;
}

export const currentSession = () => session;

/**
 * Send the browser to the login page; it comes back here after login (the
 * page, its query and fragment go along as ?next=, a same-origin path that
 * login.js checks again before following it).
 */
export function toLogin() {
  const here = `${location.pathname}${location.search}${location.hash}`;
  const next = here !== '/' && !location.pathname.startsWith('/login') ? `?next=${encodeURIComponent(here)}` : '';
  location.assign(`/login.html${next}`);
}

// ---- exact numbers ----------------------------------------------------------
// JSON.parse turns 7.0 into 7 and 1.00 into 1, but a clinician must see the
// value as the hospital recorded it. The reviver's third argument (its source
// text; Chromium 114+) is kept beside the parsed object, for every number whose
// text differs from what String(number) gives back. Numbers stay numbers for
// charts and comparisons; numText() gives the text to show.

const lexemes = new WeakMap(); // parsed object (or array) → Map(key → source text)

function keepLexeme(key, value, context) {
  if (typeof value === 'number' && typeof context?.source === 'string' && context.source !== String(value)) {
    let m = lexemes.get(this);
    if (!m) lexemes.set(this, (m = new Map()));
    m.set(String(key), context.source);
  }
  return value;
}

/** Parse JSON keeping the source text of numbers (see numText). */
export function parseJSON(text) {
  return JSON.parse(text, keepLexeme);
}

/** The text of obj[key] as the server sent it (7.0 stays 7.0); '' when absent. */
export function numText(obj, key = 'value') {
  const v = obj?.[key];
  if (v === undefined || v === null) return '';
  return lexemes.get(obj)?.get(String(key)) ?? String(v);
}

/** A Quantity as "value unit" (value and unit always apart); '' when it has no value. */
export function qtyText(q) {
  const v = numText(q);
  if (!v) return '';
  const unit = q.unit || q.code || '';
  return unit ? `${v} ${unit}` : v;
}

/** An error with the HTTP status and the OperationOutcome's text. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GET a JSON resource from the API. A 401 (session ended) goes to the login
 * page; other failures throw ApiError with the server's diagnostics.
 */
export async function getJSON(path) {
  let r;
  try {
    r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/fhir+json' } });
  } catch {
    throw new ApiError(0, t('err-network'));
  }
  if (r.status === 401) {
    toLogin();
    throw new ApiError(401, 'login');
  }
  const body = await r.text().then(parseJSON).catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body?.issue?.[0]?.diagnostics || t('err-server'));
  return body;
}

/**
 * Send JSON with the session's CSRF token (POST, PUT...): the parsed answer,
 * or ApiError with the server's diagnostics; a 401 goes to the login page.
 * FHIR bodies go as application/fhir+json.
 */
export async function sendJSON(method, path, body = {}) {
  let r;
  const type = path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json';
  try {
    r = await fetch(path, { method, credentials: 'same-origin',
      headers: { 'Content-Type': type, Accept: type, 'X-CSRF-Token': session?.csrf || '' }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError(0, t('err-network'));
  }
  if (r.status === 401) {
    toLogin();
    throw new ApiError(401, 'login');
  }
  const json = await r.text().then(parseJSON).catch(() => null);
  if (!r.ok) throw new ApiError(r.status, json?.issue?.[0]?.diagnostics || t('err-server'));
  return json;
}

/**
 * Every entry of a searchset, following `next` links up to maxPages pages.
 * Returns { resources, complete } — complete is false when pages were left.
 */
export async function searchAll(path, maxPages = 20) {
  const resources = [];
  let url = path;
  for (let page = 0; url && page < maxPages; page++) {
    const b = await getJSON(url);
    for (const e of b.entry || []) if (e.resource) resources.push(e.resource);
    const next = (b.link || []).find((l) => l.relation === 'next')?.url;
    url = next ? new URL(next, location.origin).pathname + new URL(next, location.origin).search : null;
  }
  return { resources, complete: !url };
}

/** The facility directory: 'Organization/{id}' and facility code → {code, name, kind}. */
export async function loadFacilities() {
  const dir = new Map();
  const { resources } = await searchAll('/fhir/Organization?_count=100', 5);
  for (const o of resources) {
    const code = (o.identifier || []).find((i) => /^\d{10}$/.test(i.value || ''))?.value || '';
    const kind = o.type?.[0]?.coding?.find((c) => c.system === 'urn:renkei:CodeSystem:facility-kind')?.code || 'other';
    // its municipality (全国地方公共団体コード) and those it serves in a disaster
    const addr = o.address?.[0];
    const muni = (addr?.extension || []).find((e) => e.url === 'urn:renkei:StructureDefinition:municipality-code')?.valueCode || '';
    const serves = (o.extension || []).filter((e) => e.url === 'urn:renkei:StructureDefinition:serves-municipality').map((e) => e.valueCode);
    const f = { id: o.id, code, name: o.name || code, kind, muni, area: `${addr?.state || ''}${addr?.city || ''}`, serves };
    dir.set(`Organization/${o.id}`, f);
    if (code) dir.set(code, f);
  }
  return dir;
}

const LOCAL_ID = 'urn:oid:1.2.392.100495.20.3.51.1';

/** A registration's local identifiers (JP Core: the system ends in the facility code). */
export function localIds(p) {
  return (p?.identifier || []).filter((i) => i.system?.startsWith(LOCAL_ID) && /^\d{10}$/.test(i.system.slice(LOCAL_ID.length)));
}

/**
 * The facility a registration (Patient) belongs to: its managingOrganization,
 * else the facility code in its local identifier's system. Never null.
 */
export function facilityOf(p, dir) {
  const byRef = dir.get(p?.managingOrganization?.reference || '');
  if (byRef) return byRef;
  const code = localIds(p)[0]?.system.slice(LOCAL_ID.length) || '';
  return dir.get(code) || { id: '', code, name: p?.managingOrganization?.display || code || '?', kind: 'other' };
}

// the emergency page: break-the-glass, the disaster search, the review queue and disaster mode's administration
const EMERGENCY_PAGE_ROLES = new Set(['doctor', 'dentist', 'nurse', 'visiting_nurse', 'pharmacist', 'facility_admin', 'operator']);
const COLLAB_ROLES = new Set(['doctor', 'dentist', 'pharmacist', 'nurse', 'visiting_nurse', 'care_manager', 'therapist',
  'care_worker', 'social_worker']);

/** The header bar: who is logged in, a link to the search (and, for the operator, 運用管理), logout, language. */
export function mountBar(el) {
  const who = h('span', { id: 'who' });
  const out = h('button', { type: 'button', class: 'lang', id: 'logout' });
  const sw = h('button', { type: 'button', class: 'lang', id: 'lang', 'aria-label': 'Language' });
  const home = h('a', { href: '/', class: 'lang', id: 'home' });
  // the network operator's screen (quarantine, linking review): only for operators
  const ops = session?.account?.role === 'operator' ? h('a', { href: '/ops.html', class: 'lang', id: 'ops-link' }) : null;
  // 多職種連携: for the roles that read the collaboration data (the server decides; this only hides a dead link)
  const team = COLLAB_ROLES.has(session?.account?.role) ? h('a', { href: '/team.html', class: 'lang', id: 'team-link' }) : null;
  // 緊急時閲覧: break-the-glass, the disaster search, and the review queue of the disclosing facility
  const em = EMERGENCY_PAGE_ROLES.has(session?.account?.role) ? h('a', { href: '/emergency.html', class: 'lang', id: 'emergency-link' }) : null;
  const brand = h('a', { href: '/', class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '連'), ' ',
    h('span', { class: 'brand-text' }));
  el.replaceChildren(brand, h('div', { class: 'user' }, who, ops, team, em, home, out, sw));
  out.addEventListener('click', async () => {
    await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': session?.csrf || '' } });
    session = null;
    sessionStorage.clear();
    toLogin();
  });
  sw.addEventListener('click', () => setLang(lang === 'en' ? 'ja' : 'en'));
  const render = () => {
    brand.querySelector('.brand-text').textContent = t('title');
    home.textContent = t('search');
    if (ops) ops.textContent = t('ops');
    if (team) team.textContent = t('team');
    if (em) em.textContent = t('em-link');
    out.textContent = t('logout');
    sw.textContent = lang === 'en' ? '日本語' : 'English';
    const a = session?.account;
    who.textContent = !a ? '' : lang === 'en' ? `${a.name} (${a.role_en || a.role}, ${a.facility_name})` : `${a.name}（${a.role_ja}・${a.facility_name}）`;
  };
  render();
  onLang(render);
  if (session?.account) mountEmergencyBanner(el);
}

// ---- the emergency banner: on every page while an episode or disaster mode is on

addText({
  'em-link': ['緊急時閲覧', 'Emergency access'],
  'em-banner': ['緊急時閲覧中 — 地域共通ID {0}・理由: {1}・残り {2} 分。閲覧はすべて記録され、開示施設が事後に確認します。',
    'Emergency access — regional ID {0}, reason: {1}, {2} min left. Every view is recorded and reviewed by the disclosing facility.'],
  'em-end': ['終了する', 'End now'],
  'em-summary': ['救急サマリー', 'Emergency summary'],
  'dis-banner': ['災害モード（{0}）— {1} まで。4情報検索と救急サマリーが使えます。閲覧はすべて記録されます。',
    'Disaster mode ({0}) until {1}: the 4-item search and the emergency summary are open. Every view is recorded.'],
  'reason-unconscious': ['意識障害', 'Unconscious'], 'reason-life_threatening': ['生命の危険', 'Life-threatening'],
  'reason-emergency_transport': ['救急搬送', 'Emergency transport'], 'reason-disaster': ['災害', 'Disaster'],
  'reason-cannot_consent': ['同意能力なし', 'Cannot consent'], 'reason-other': ['その他', 'Other'],
});

/** Who may open the emergency page: break-the-glass roles, or anyone while disaster mode covers them. */
export const emergencyEligible = (a) => (a?.role === 'doctor' || a?.role === 'nurse') && a?.facility_kind === 'hospital';

async function mountEmergencyBanner(bar) {
  let box = document.getElementById('emergency-banner');
  if (!box) {
    box = h('div', { id: 'emergency-banner', class: 'emergency-banner', role: 'alert', hidden: true });
    bar.after(box);
  }
  let episodes = [], disasters = [];
  try {
    episodes = (await getJSON('/api/emergency')).episodes || [];
    disasters = ((await getJSON('/api/disaster')).declarations || []).filter((d) => d.covers_me && d.state !== 'scheduled');
  } catch { return; }
  const draw = () => {
    const now = Date.now();
    const live = episodes.filter((e) => Date.parse(e.expires) > now && !e.ended);
    const rows = live.map((e) => h('p', { class: 'em-row', dataset: { episode: e.episode } },
      t('em-banner', e.patient, t(`reason-${e.reason_code}`), Math.max(1, Math.ceil((Date.parse(e.expires) - now) / 60000))), ' ',
      h('button', { type: 'button', class: 'button small secondary', dataset: { end: e.episode }, onclick: async () => {
        await sendJSON('POST', `/api/emergency/${encodeURIComponent(e.episode)}/end`).catch(() => {});
        episodes = episodes.filter((x) => x.episode !== e.episode);
        draw();
      } }, t('em-end'))));
    for (const d of disasters) {
      const ext = (d.extensions || []).find((x) => x.active && x.facility === session?.account?.facility);
      rows.push(h('p', { class: 'em-row disaster' }, t('dis-banner', d.area, fmtDateTime(ext ? ext.ends : d.ends))));
    }
    box.replaceChildren(...rows);
    box.hidden = !rows.length;
  };
  draw();
  onLang(draw);
  setInterval(draw, 30000);
}

// ---- small value helpers ----------------------------------------------------

const REP = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';

/** A Patient's names: { kanji, kana } (JP Core: IDE and SYL representations). */
export function personName(p) {
  const names = p?.name || [];
  const rep = (n) => (n.extension || []).find((e) => e.url === REP)?.valueCode;
  const text = (n) => n?.text || [n?.family, ...(n?.given || [])].filter(Boolean).join(' ');
  const kanji = names.find((n) => rep(n) === 'IDE') || names.find((n) => rep(n) !== 'SYL') || names[0];
  const kana = names.find((n) => rep(n) === 'SYL');
  return { kanji: text(kanji) || '', kana: text(kana) || '' };
}

/** Age in whole years at `at` (Date) from a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function ageOf(birthDate, at = new Date()) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate || '');
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2] || 1), d = Number(m[3] || 1);
  let age = at.getFullYear() - y;
  if (at.getMonth() + 1 < mo || (at.getMonth() + 1 === mo && at.getDate() < d)) age--;
  return age;
}

export function genderText(g) {
  return t(['male', 'female', 'other'].includes(g) ? g : 'unknown');
}

/** A FHIR date or dateTime shown as the date in Japan (YYYY/MM/DD); partial dates as far as they go. */
export function fmtDate(s) {
  if (!s) return '';
  if (/^\d{4}(-\d{2})?(-\d{2})?$/.test(s)) return s.replaceAll('-', '/');
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** A dateTime with the time of day in Japan, when it has one. */
export function fmtDateTime(s) {
  if (!s || !s.includes('T')) return fmtDate(s);
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit' }).format(d);
}

/** The text of a CodeableConcept: its text, else the first coding's display, else its code. */
export function ccText(cc) {
  if (!cc) return '';
  return cc.text || cc.coding?.find((c) => c.display)?.display || cc.coding?.[0]?.code || '';
}
