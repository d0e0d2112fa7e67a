// team_visits.js — the 訪問記録 tab of a patient's team page: the person's visit
// records, newest first, filterable by kind, and the form of a new one (time
// in and out, vital signs with numeric keypads, notes, photos from the
// camera). Saving stores the record, its vital signs and the summary post of
// the timeline in one request (POST /api/collab/visits).
import { h, t, addText, getJSON, sendJSON, currentSession, fmtDateTime, onLang } from './common.js';
import { registerTab } from './team_tabs.js';

addText({
  'tab-visits': ['訪問記録', 'Visits'],
  'v-new': ['訪問記録を書く', 'New visit record'],
  'v-all': ['すべて', 'All'],
  'v-filter': ['種別', 'Kind'],
  'v-none': ['訪問記録はまだありません。', 'No visit records yet.'],
  'v-kind': ['訪問の種別', 'Kind of visit'],
  'v-start': ['訪問開始', 'Time in'],
  'v-end': ['訪問終了', 'Time out'],
  'v-vitals': ['バイタルサイン', 'Vital signs'],
  'v-notes': ['記録', 'Notes'],
  'v-photos': ['写真を撮る・添付', 'Take or attach a photo'],
  'v-save': ['保存', 'Save'],
  'v-cancel': ['やめる', 'Cancel'],
  'v-saved': ['保存しました。タイムラインに要約を投稿しました。', 'Saved; the summary is on the timeline.'],
  'v-edit': ['編集', 'Edit'],
  'v-withdraw': ['取り消す', 'Withdraw'],
  'v-withdraw-q': ['この訪問記録を取り消しますか？（バイタルとタイムラインの投稿も取り消されます。履歴は残ります）', 'Withdraw this visit record, its vital signs and its post? (The history is kept.)'],
  'v-by': ['記録: {0}', 'By {0}'],
  'v-uploading': ['写真を送信中…', 'Uploading the photo…'],
  nurse: ['訪問看護', 'Home nursing'],
  therapist: ['訪問リハビリ', 'Home rehabilitation'],
  pharmacist: ['訪問薬剤管理', 'Home pharmacy care'],
  helper: ['訪問介護', 'Home help'],
  temp: ['体温 (℃)', 'Temperature (°C)'],
  sbp: ['血圧 収縮期 (mmHg)', 'Systolic BP (mmHg)'],
  dbp: ['血圧 拡張期 (mmHg)', 'Diastolic BP (mmHg)'],
  pulse: ['脈拍 (回/分)', 'Pulse (/min)'],
  spo2: ['SpO2 (%)', 'SpO2 (%)'],
  resp: ['呼吸数 (回/分)', 'Respiration (/min)'],
  weight: ['体重 (kg)', 'Weight (kg)'],
});

const KINDS = ['nurse', 'therapist', 'pharmacist', 'helper'];
const VITALS = [['temp', true], ['sbp', false], ['dbp', false], ['pulse', false], ['spo2', false], ['resp', false], ['weight', true]];
const KIND_OF_ROLE = { visiting_nurse: 'nurse', nurse: 'nurse', therapist: 'therapist', pharmacist: 'pharmacist', care_worker: 'helper' };

let row = null, visits = [], filter = '', editing = null, photos = [];

/** "2026-12-07T10:00:00+09:00" for a Date, in the device's time zone. */
function isoLocal(d) {
  const p = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:00${off >= 0 ? '+' : '-'}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}
/** The value of a datetime-local input for a Date (or an ISO text). */
function inputValue(v) {
  const d = v instanceof Date ? v : new Date(v);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function vitalsText(v) {
  const parts = [];
  if (v.temp !== undefined) parts.push(`体温 ${v.temp}℃`);
  if (v.sbp !== undefined) parts.push(`血圧 ${v.sbp}/${v.dbp ?? '-'}`);
  if (v.pulse !== undefined) parts.push(`脈拍 ${v.pulse}`);
  if (v.spo2 !== undefined) parts.push(`SpO2 ${v.spo2}%`);
  if (v.resp !== undefined) parts.push(`呼吸数 ${v.resp}`);
  if (v.weight !== undefined) parts.push(`体重 ${v.weight}kg`);
  return parts.join('　');
}

function panel() {
  return document.getElementById('panel-visits');
}

function render() {
  const me = currentSession()?.account;
  const list = visits.filter((v) => !filter || v.kind === filter);
  const items = list.map((v) => h('li', { class: 'visit', dataset: { id: v.id } },
    h('div', { class: 'visit-head' },
      h('span', { class: 'badge' }, t(v.kind)), ' ',
      h('strong', {}, `${fmtDateTime(v.start)} – ${v.end.slice(11, 16)}`), ' ',
      h('span', { class: 'muted' }, t('v-by', v.author)),
      v.facility === me?.facility ? h('button', { type: 'button', class: 'button secondary small', onclick: () => openForm(v) }, t('v-edit')) : null,
      v.facility === me?.facility ? h('button', { type: 'button', class: 'button secondary small', dataset: { act: 'withdraw' }, onclick: () => withdraw(v) }, t('v-withdraw')) : null),
    h('p', { class: 'visit-vitals' }, vitalsText(v.vitals)),
    v.notes ? h('p', { class: 'visit-notes' }, v.notes) : null,
    v.photos.length ? h('ul', { class: 'plain attachments' }, v.photos.map((p) =>
      h('li', {}, h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { class: 'thumb', src: `${p.url}?thumb=1`, alt: p.title || '写真' }))))) : null));
  const select = h('select', { id: 'visit-filter', 'aria-label': t('v-filter'), onchange: (e) => { filter = e.target.value; render(); } },
    h('option', { value: '' }, t('v-all')), ...KINDS.map((k) => h('option', { value: k }, t(k))));
  select.value = filter;
  panel().replaceChildren(
    h('div', { class: 'visits-bar' },
      h('button', { type: 'button', class: 'button', id: 'visit-new', onclick: () => openForm(null) }, t('v-new')), ' ',
      h('label', {}, t('v-filter'), ' ', select)),
    h('div', { id: 'visit-form-slot' }),
    h('p', { id: 'visit-message', class: 'notice', role: 'status', hidden: true }),
    h('ol', { class: 'plain visits', id: 'visit-list' }, ...(items.length ? items : [h('li', { class: 'muted' }, t('v-none'))])));
}

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function openForm(v) {
  editing = v;
  photos = v ? [...v.photos] : [];
  const me = currentSession()?.account;
  const now = new Date();
  const kind = h('select', { name: 'kind', id: 'visit-kind' }, ...KINDS.map((k) => h('option', { value: k }, t(k))));
  kind.value = v ? v.kind : KIND_OF_ROLE[me?.role] || 'nurse';
  const start = h('input', { type: 'datetime-local', name: 'start', id: 'visit-start', required: true, value: inputValue(v ? v.start : now) });
  const end = h('input', { type: 'datetime-local', name: 'end', id: 'visit-end', required: true, value: inputValue(v ? v.end : now) });
  const vitals = VITALS.map(([k, dec]) => field(t(k), h('input', { type: 'text', name: k, id: `visit-${k}`,
    inputmode: dec ? 'decimal' : 'numeric', pattern: dec ? '[0-9]+([.][0-9]+)?' : '[0-9]+', autocomplete: 'off',
    value: v && v.vitals[k] !== undefined ? String(v.vitals[k]) : '' })));
  const notes = h('textarea', { name: 'notes', id: 'visit-notes', rows: 4, maxlength: 4000 });
  notes.value = v ? v.notes : '';
  const list = h('ul', { class: 'plain attachments', id: 'visit-photos' });
  const renderPhotos = () => list.replaceChildren(...photos.map((p) => h('li', {}, h('img', { class: 'thumb', src: `${p.url}?thumb=1`, alt: p.title || '写真' }))));
  renderPhotos();
  const file = h('input', { type: 'file', accept: 'image/*', capture: 'environment', hidden: true, id: 'visit-file',
    onchange: async (e) => {
      const msg = document.getElementById('visit-form-message');
      for (const f of [...e.target.files]) {
        msg.textContent = t('v-uploading');
        msg.hidden = false;
        try {
          photos.push(await upload(f));
          renderPhotos();
          msg.hidden = true;
        } catch (err) {
          msg.textContent = err.message;
        }
      }
      e.target.value = '';
    } });
  const form = h('form', { class: 'compose visit-form', id: 'visit-form', autocomplete: 'off', onsubmit: save },
    h('div', { class: 'compose-row' }, field(t('v-kind'), kind), field(t('v-start'), start), field(t('v-end'), end)),
    h('fieldset', { class: 'vitals' }, h('legend', {}, t('v-vitals')), ...vitals),
    field(t('v-notes'), notes),
    h('div', { class: 'compose-row' },
      h('label', { class: 'file button secondary' }, h('span', {}, t('v-photos')), file),
      h('button', { type: 'submit', class: 'button', id: 'visit-save' }, t('v-save')),
      h('button', { type: 'button', class: 'button secondary', onclick: closeForm }, t('v-cancel'))),
    list,
    h('p', { id: 'visit-form-message', class: 'message', role: 'alert', hidden: true }));
  document.getElementById('visit-form-slot').replaceChildren(form);
  start.focus();
}

function closeForm() {
  editing = null;
  photos = [];
  document.getElementById('visit-form-slot')?.replaceChildren();
}

async function upload(f) {
  const r = await fetch(`/api/collab/attachments?patient=${encodeURIComponent(row.patient)}&title=${encodeURIComponent(f.name.slice(0, 100))}`, {
    method: 'POST', credentials: 'same-origin', body: f,
    headers: { 'Content-Type': f.type || 'application/octet-stream', 'X-CSRF-Token': currentSession()?.csrf || '' } });
  const json = await r.json().catch(() => null);
  if (!r.ok) throw new Error(json?.issue?.[0]?.diagnostics || t('err-server'));
  return { url: json.url, contentType: json.contentType, title: json.title || undefined };
}

async function save(e) {
  e.preventDefault();
  const f = e.target, msg = document.getElementById('visit-form-message');
  msg.hidden = true;
  const vitals = {};
  for (const [k] of VITALS) {
    const s = f.elements[k].value.trim().replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0));
    if (s) vitals[k] = Number.isNaN(Number(s)) ? s : Number(s);
  }
  const body = { kind: f.elements.kind.value, start: isoLocal(new Date(f.elements.start.value)),
    end: isoLocal(new Date(f.elements.end.value)), vitals, notes: f.elements.notes.value,
    photos: photos.map((p) => ({ url: p.url, contentType: p.contentType, title: p.title })) };
  try {
    if (editing) await sendJSON('PUT', `/api/collab/visits/${encodeURIComponent(editing.id)}`, body);
    else await sendJSON('POST', `/api/collab/visits?patient=${encodeURIComponent(row.patient)}`, body);
  } catch (err) {
    msg.textContent = err.message;
    msg.hidden = false;
    return;
  }
  closeForm();
  await load(row);
  const m = document.getElementById('visit-message');
  m.textContent = t('v-saved');
  m.hidden = false;
  document.body.dataset.visitSaved = String(Date.now());
}

async function withdraw(v) {
  if (!window.confirm(t('v-withdraw-q'))) return;
  try {
    await sendJSON('DELETE', `/api/collab/visits/${encodeURIComponent(v.id)}`);
  } catch (err) {
    const m = document.getElementById('visit-message');
    m.textContent = err.message;
    m.hidden = false;
    return;
  }
  await load(row);
}

async function load(r) {
  row = r;
  const res = await getJSON(`/api/collab/visits?patient=${encodeURIComponent(r.patient)}`);
  visits = res.visits;
  render();
}

onLang(() => { if (row && panel() && !panel().hidden) render(); });
registerTab('visits', load);
/* the tab's own name follows the language (team.js labels the page's static text before this module loads) */
const tabLabel = () => { const b = document.getElementById('tab-visits'); if (b) b.textContent = t('tab-visits'); };
tabLabel();
onLang(tabLabel);
