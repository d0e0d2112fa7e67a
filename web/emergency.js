// emergency.js — 緊急時閲覧 (break-the-glass) and 災害モード: find a patient who
// cannot speak by the 4情報, a regional ID or a facility's patient ID (close
// matches only), start an episode with a coded reason and a fresh
// re-authentication, and go to the emergency summary; my active episodes;
// the disclosing facility's review queue; and, for the operator, disaster
// mode: declare by 全国地方公共団体コード, extend for one facility, end early,
// and the day's report of the accesses made under it. The server decides
// every permission; this page only hides what would be refused.
import { h, t, addText, applyStatic, onLang, loadSession, currentSession, toLogin, mountBar, getJSON, sendJSON, ApiError,
  loadFacilities, genderText, fmtDate, fmtDateTime, emergencyEligible } from './common.js';

addText({
  loading: ['読み込み中…', 'Loading…'],
  'not-allowed': ['このページは、救急対応をする病院の医師・看護師、災害モード中の施設の医療職、施設管理者、運用管理者のためのものです。',
    'This page is for hospital physicians and nurses in emergency care, clinicians of facilities in disaster mode, facility administrators and the operator.'],
  'f-h': ['緊急時の患者検索', 'Find a patient in an emergency'],
  'f-help': ['同意のない患者さんの情報を、救急・災害時に限って参照します。一致度の高い候補だけが表示されます。検索も閲覧もすべて記録されます。',
    'See the records of a patient without consent, in an emergency or a disaster only. Only close matches are shown. Every search and view is recorded.'],
  'f-four': ['4情報（氏名・生年月日・性別・住所）', 'Name, birth date, sex, address'],
  'f-regional': ['地域共通患者ID', 'Regional patient ID'], 'f-local': ['施設の患者ID', 'A facility’s patient ID'],
  'f-name': ['氏名（漢字またはカナ）', 'Name (kanji or kana)'], 'f-birth': ['生年月日', 'Birth date'], 'f-sex': ['性別', 'Sex'],
  'f-choose': ['選択', 'Choose'], 'f-address': ['住所（わかれば）', 'Address (if known)'],
  'f-facility': ['医療機関コード', 'Facility code'], 'f-localid': ['患者ID', 'Patient ID'], 'f-go': ['検索', 'Search'],
  'f-none': ['一致する患者さんはいません。表記（漢字・カナ）や生年月日を確かめてください。', 'No patient matches. Check the name form and the birth date.'],
  'f-count': ['{0}人が一致しました。本人であることを確かめてから開始してください。', '{0} matching. Confirm the identity before you start.'],
  'f-open': ['この患者さんで緊急時閲覧を開始', 'Start emergency access for this patient'],
  'f-summary-disaster': ['救急サマリーを見る（災害モード）', 'Emergency summary (disaster mode)'],
  'f-regional-id': ['地域共通ID {0}', 'Regional ID {0}'],
  's-h': ['緊急時閲覧を開始', 'Start emergency access'], 's-reason': ['理由', 'Reason'],
  's-text': ['状況（必須・監査ログに残ります）', 'Situation (required; kept in the audit log)'],
  's-reauth': ['本人確認のため、パスワードとワンタイムコードをもう一度入力してください（閲覧ごとに必要です）。',
    'Enter your password and one-time code again (needed for each episode).'],
  's-password': ['パスワード', 'Password'], 's-code': ['ワンタイムコード', 'One-time code'],
  's-go': ['緊急時閲覧を開始する', 'Start emergency access'], cancel: ['やめる', 'Cancel'],
  's-need-text': ['状況を入力してください。', 'Describe the situation.'],
  'mine-h': ['実施中の緊急時閲覧', 'My active emergency access'],
  'mine-none': ['実施中の緊急時閲覧はありません。', 'None active.'],
  'mine-row': ['地域共通ID {0}・{1}・{2} まで', 'Regional ID {0} · {1} · until {2}'],
  'r-h': ['緊急時閲覧の事後確認', 'Review of emergency access'],
  'r-help': ['自施設の患者さんの記録が、他施設で緊急時閲覧されました。理由と閲覧内容を確かめ、適切かどうかを記録してください。',
    'Another facility used emergency access to your patients’ records. Check the reason and what was viewed, and record your judgement.'],
  'r-started': ['開始', 'Started'], 'r-account': ['閲覧者', 'Viewer'], 'r-facility': ['施設', 'Facility'],
  'r-patient': ['地域共通ID', 'Regional ID'], 'r-reason': ['理由', 'Reason'], 'r-status': ['確認', 'Review'], 'r-actions': ['操作', 'Actions'],
  'r-empty': ['確認する緊急時閲覧はありません。', 'Nothing to review.'],
  'r-pending': ['未確認（期限 {0}）', 'Pending (due {0})'], 'r-appropriate': ['適切', 'Appropriate'], 'r-inappropriate': ['不適切', 'Inappropriate'],
'r-note': ['確認メモ（監査ログに残ります）', 'Note (kept in the audit log)'],
  'r-done': ['確認を記録しました。', 'The review was recorded.'],
  'd-h': ['災害モード', 'Disaster mode'],
  'd-help': ['宣言した市区町村（全国地方公共団体コード）にある施設と、その地域を担う施設が、同意のない患者さんの4情報検索と救急サマリーを使えるようになります。終了日時に自動で閉じます。',
    'Facilities in the declared municipalities (by local government code), and those serving them, may use the 4-item search and the emergency summary for patients without consent. It closes itself at its end.'],
  'd-codes': ['市区町村コード（6桁、カンマ区切り。都道府県全体は 200000 など）', 'Municipality codes (6 digits, comma-separated; a whole prefecture e.g. 200000)'],
  'd-starts': ['開始', 'Starts'], 'd-ends': ['終了', 'Ends'], 'd-note': ['災害名・メモ', 'Disaster / note'],
  'd-go': ['災害モードを宣言', 'Declare disaster mode'], 'd-declared': ['災害モードを宣言しました（{0}）。', 'Disaster mode declared ({0}).'],
  'd-none': ['宣言中の災害モードはありません。', 'No disaster mode declared.'],
  'd-state-active': ['実施中', 'Active'], 'd-state-scheduled': ['開始前', 'Scheduled'], 'd-state-closed': ['終了（期限）', 'Closed at its end'],
  'd-state-ended': ['終了（手動）', 'Ended early'],
  'd-row': ['{0}〜{1}・宣言 {2}', '{0} – {1} · declared by {2}'],
  'd-extend': ['施設ごとに延長', 'Extend for a facility'], 'd-hours': ['時間', 'hours'], 'd-extend-go': ['延長', 'Extend'],
  'd-end': ['終了する', 'End now'], 'd-report': ['日別の閲覧記録 (CSV)', 'Day’s access report (CSV)'],
  'd-ext-row': ['{0} は {1} まで延長', '{0} extended until {1}'], 'd-extended': ['延長しました。', 'Extended.'],
  'd-ended': ['災害モードを終了しました。', 'Disaster mode ended.'],
  'd-confirm-end': ['この災害モードを今すぐ終了します（延長分も終わります）。よろしいですか？', 'End this disaster mode now (with its extensions)?'],
});

const SUMMARY = (patient) => `/summary.html?patient=${encodeURIComponent(patient)}`;
let me = null;
let disasterOn = false;
let chosen = null; // the match an episode is being started for
let facilities = new Map();

function say(id, text, bad = false) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = bad ? 'message' : 'notice';
  el.hidden = !text;
}
const errText = (e) => (e instanceof ApiError ? e.message : t('err-network'));
const val = (id) => document.getElementById(id).value.trim();

// ---- finding the patient ----------------------------------------------------

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function showMode() {
  document.querySelectorAll('#f-form [data-mode]').forEach((d) => { d.hidden = d.dataset.mode !== mode(); });
}

async function search(ev) {
  ev.preventDefault();
  const body = mode() === 'four' ? { name: val('f-name'), birth_date: val('f-birth'), sex: val('f-sex'), address: val('f-address') }
    : mode() === 'regional' ? { regional_id: val('f-regional') } : { facility: val('f-facility'), local_id: val('f-localid') };
  const box = document.getElementById('f-matches');
  box.replaceChildren();
  document.getElementById('em-start').hidden = true;
  try {
    const r = await sendJSON('POST', '/api/emergency/search', body);
    say('f-result', r.matches.length ? t('f-count', r.matches.length) : t('f-none'), !r.matches.length);
    box.replaceChildren(...r.matches.map(matchCard));
  } catch (e) {
    say('f-result', errText(e), true);
  }
}

function matchCard(m) {
  const canStart = emergencyEligible(me);
  return h('article', { class: 'em-match card', dataset: { regional: m.regional_id } },
    h('h3', {}, m.name || m.kana, m.kana && m.name ? h('span', { class: 'muted' }, `（${m.kana}）`) : null),
    h('p', {}, `${fmtDate(m.birth_date)}・${genderText(m.sex)}`),
    m.address ? h('p', {}, m.address) : null,
    h('p', { class: 'muted' }, t('f-regional-id', m.regional_id)),
    h('div', { class: 'em-actions' },
      canStart ? h('button', { type: 'button', class: 'button danger', dataset: { start: m.regional_id }, onclick: () => openStart(m) }, t('f-open')) : null,
      disasterOn ? h('a', { class: 'button secondary', href: SUMMARY(m.patient), dataset: { summary: m.regional_id } }, t('f-summary-disaster')) : null));
}

function openStart(m) {
  chosen = m;
  document.getElementById('s-who').textContent = `${m.name || m.kana}・${fmtDate(m.birth_date)}・${genderText(m.sex)}・${t('f-regional-id', m.regional_id)}`;
  document.getElementById('s-reason').value = disasterOn ? 'disaster' : 'unconscious';
  say('s-result', '');
  const sec = document.getElementById('em-start');
  sec.hidden = false;
  sec.scrollIntoView({ block: 'start' });
  document.getElementById('s-text').focus();
}

async function start(ev) {
  ev.preventDefault();
  if (!chosen) return;
  if (val('s-text').length < 2) return say('s-result', t('s-need-text'), true);
  try {
    await sendJSON('POST', '/api/emergency', { patient: chosen.patient, reason_code: val('s-reason'), reason_text: val('s-text'),
      password: document.getElementById('s-password').value, code: val('s-code') });
    location.href = SUMMARY(chosen.patient);
  } catch (e) {
    say('s-result', errText(e), true);
  }
}

async function loadMine() {
  const sec = document.getElementById('em-mine');
  const list = document.getElementById('mine-list');
  const eps = (await getJSON('/api/emergency')).episodes || [];
  sec.hidden = !emergencyEligible(me) && !eps.length;
  list.replaceChildren(...(eps.length ? eps.map((e) => h('p', { class: 'em-row', dataset: { episode: e.episode } },
    t('mine-row', e.patient, t(`reason-${e.reason_code}`), fmtDateTime(e.expires)), ' ',
    h('button', { type: 'button', class: 'button small secondary', onclick: async () => {
      await sendJSON('POST', `/api/emergency/${encodeURIComponent(e.episode)}/end`).catch(() => {});
      location.reload();
    } }, t('em-end')))) : [h('p', { class: 'muted' }, t('mine-none'))]));
}

// ---- the disclosing facility's review --------------------------------------

async function loadReview() {
  const eps = (await getJSON('/api/emergency/review')).episodes || [];
  const body = document.querySelector('#r-table tbody');
  body.replaceChildren(...eps.map((e) => {
    const note = h('input', { class: 'r-note', 'aria-label': t('r-note'), placeholder: t('r-note'), maxlength: 300 });
    const decide = (status) => async () => {
      try {
        await sendJSON('POST', `/api/emergency/${encodeURIComponent(e.episode)}/review`, { status, note: note.value.trim() });
        say('r-result', t('r-done'));
        await loadReview();
      } catch (err) { say('r-result', errText(err), true); }
    };
    const status = e.review_status === 'pending' ? t('r-pending', fmtDateTime(e.review_due)) : t(`r-${e.review_status}`);
    return h('tr', { dataset: { episode: e.episode, status: e.review_status } },
      h('td', {}, fmtDateTime(e.started)), h('td', {}, e.account), h('td', {}, facilities.get(e.facility)?.name || e.facility),
      h('td', {}, e.patient), h('td', {}, t(`reason-${e.reason_code}`), h('br'), h('span', { class: 'muted' }, e.reason_text)),
      h('td', {}, status),
      h('td', {}, e.review_status === 'pending' ? [note, ' ',
          h('button', { type: 'button', class: 'button small', dataset: { review: 'appropriate' }, onclick: decide('appropriate') }, t('r-appropriate')), ' ',
          h('button', { type: 'button', class: 'button small secondary', dataset: { review: 'inappropriate' }, onclick: decide('inappropriate') }, t('r-inappropriate'))] : null));
  }));
  document.getElementById('r-empty').hidden = eps.length > 0;
}

// ---- disaster mode (the operator) -------------------------------------------

const localInput = (ms) => {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
};
const isoOf = (local) => (local ? new Date(local).toISOString() : undefined);

async function declare(ev) {
  ev.preventDefault();
  const codes = val('d-codes').split(/[,\s、]+/).filter(Boolean);
  try {
    const r = await sendJSON('POST', '/api/disaster', { municipalities: codes, starts: isoOf(val('d-starts')), ends: isoOf(val('d-ends')), note: val('d-note') });
    say('d-result', t('d-declared', r.area));
    await loadDisasters();
  } catch (e) {
    say('d-result', errText(e), true);
  }
}

function covered(d) {
  const codes = d.municipalities.trim().split(' ').filter(Boolean);
  const covers = (c, f) => c === f || (c.slice(2, 5) === '000' && c.slice(0, 2) === f.slice(0, 2));
  return [...new Set(facilities.values())].filter((f) => f.code && [f.muni, ...f.serves].some((fc) => fc && codes.some((c) => covers(c, fc))));
}

function disasterRow(d) {
  const fac = h('select', { 'aria-label': t('r-facility') }, ...covered(d).map((f) => h('option', { value: f.code }, `${f.name}（${f.code}）`)));
  const hours = h('input', { type: 'number', min: 1, max: 720, value: 24, class: 'd-hours', 'aria-label': t('d-hours') });
  const day = h('input', { type: 'date', value: localInput(Date.now()).slice(0, 10), 'aria-label': t('d-report') });
  const report = h('a', { class: 'button small secondary', href: '#' }, t('d-report'));
  const sync = () => { report.href = `/api/disaster/${encodeURIComponent(d.declaration)}/report?date=${day.value}`; };
  day.addEventListener('change', sync);
  sync();
  const open = d.state === 'active' || d.state === 'scheduled' || (d.extensions || []).some((x) => x.active);
  return h('article', { class: 'card em-disaster', dataset: { declaration: d.declaration, state: d.state } },
    h('h3', {}, d.area, ' ', h('span', { class: `badge ${d.state === 'active' ? 'alert' : ''}` }, t(`d-state-${d.state}`))),
    h('p', {}, t('d-row', fmtDateTime(d.starts), fmtDateTime(d.ends), d.declared_by), d.note ? `・${d.note}` : ''),
    ...(d.extensions || []).map((x) => h('p', { class: 'muted' }, t('d-ext-row', x.name || x.facility, fmtDateTime(x.ends)))),
    d.ended_by ? null : h('div', { class: 'em-actions' },
      d.state !== 'ended' ? [fac, hours, h('span', {}, t('d-hours')),
        h('button', { type: 'button', class: 'button small', dataset: { extend: d.declaration }, onclick: async () => {
          try {
            await sendJSON('POST', `/api/disaster/${encodeURIComponent(d.declaration)}/extend`, { facility: fac.value, hours: Number(hours.value) });
            say('d-result', t('d-extended'));
            await loadDisasters();
          } catch (e) { say('d-result', errText(e), true); }
        } }, t('d-extend-go'))] : null,
      open ? h('button', { type: 'button', class: 'button small secondary', dataset: { end: d.declaration }, onclick: async () => {
        if (!confirm(t('d-confirm-end'))) return;
        try {
          await sendJSON('POST', `/api/disaster/${encodeURIComponent(d.declaration)}/end`);
          say('d-result', t('d-ended'));
          await loadDisasters();
        } catch (e) { say('d-result', errText(e), true); }
      } }, t('d-end')) : null),
    h('div', { class: 'em-actions' }, day, report));
}

async function loadDisasters() {
  const list = (await getJSON('/api/disaster?all=true')).declarations || [];
  document.getElementById('d-list').replaceChildren(...(list.length ? list.map(disasterRow) : [h('p', { class: 'muted' }, t('d-none'))]));
}

function knownCodes() {
  const seen = new Map();
  for (const f of facilities.values()) if (f.muni && !seen.has(f.muni)) seen.set(f.muni, f.area);
  document.getElementById('d-known').replaceChildren(...[...seen].map(([c, name]) => h('option', { value: c }, name)));
  document.getElementById('d-starts').value = localInput(Date.now());
  document.getElementById('d-ends').value = localInput(Date.now() + 72 * 3600000);
}

// ---- the page ---------------------------------------------------------------

async function main() {
  applyStatic();
  if (!(await loadSession())) return toLogin();
  mountBar(document.getElementById('bar'));
  me = currentSession().account;
  const msg = document.getElementById('em-message');
  try {
    facilities = await loadFacilities();
    const decl = (await getJSON('/api/disaster')).declarations || [];
    disasterOn = decl.some((d) => d.covers_me && d.state === 'active') && ['doctor', 'dentist', 'nurse', 'visiting_nurse', 'pharmacist'].includes(me.role);
    const finder = emergencyEligible(me) || disasterOn;
    const reviewer = me.role === 'facility_admin' || me.role === 'operator';
    document.getElementById('em-find').hidden = !finder;
    document.getElementById('em-review').hidden = !reviewer;
    document.getElementById('em-disaster').hidden = me.role !== 'operator';
    if (!finder && !reviewer) {
      msg.textContent = t('not-allowed');
      return;
    }
    msg.hidden = true;
    document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener('change', showMode));
    document.getElementById('f-form').addEventListener('submit', search);
    document.getElementById('s-form').addEventListener('submit', start);
    document.getElementById('s-cancel').addEventListener('click', () => { document.getElementById('em-start').hidden = true; chosen = null; });
    document.getElementById('d-form').addEventListener('submit', declare);
    if (finder) await loadMine();
    if (reviewer) await loadReview();
    if (me.role === 'operator') {
      knownCodes();
      await loadDisasters();
    }
  } catch (e) {
    msg.textContent = errText(e);
  }
  onLang(() => applyStatic());
}

main();
