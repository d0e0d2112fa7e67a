// team_facesheet.js — the 基本情報 tab of a patient's team page: the person's
// face sheet (フェースシート / 利用者基本情報, the 23 課題分析標準項目) as the
// Questionnaire renkei ships lays it out; editing it makes a new version
// (PUT /api/collab/facesheet); 変更点 shows what changed between two
// versions (GET /api/collab/forms/{id}/diff).
import { h, t, addText, getJSON, sendJSON, fmtDateTime, onLang } from './common.js';
import { registerTab } from './team_tabs.js';

addText({
  'tab-facesheet': ['基本情報', 'Face sheet'],
  'fs-edit': ['編集', 'Edit'],
  'fs-create': ['フェースシートを作成', 'Create the face sheet'],
  'fs-diff': ['変更点', 'Changes'],
  'fs-view': ['表示', 'View'],
  'fs-save': ['保存', 'Save'],
  'fs-cancel': ['やめる', 'Cancel'],
  'fs-none': ['フェースシートはまだありません。', 'No face sheet yet.'],
  'fs-version': ['第{0}版（{1}、{2}）', 'Version {0} ({1}, {2})'],
  'fs-empty': ['未記入', '—'],
  'fs-yes': ['はい', 'Yes'],
  'fs-no': ['いいえ', 'No'],
  'fs-from': ['比較元', 'From'],
  'fs-to': ['比較先', 'To'],
  'fs-item': ['項目', 'Item'],
  'fs-before': ['変更前', 'Before'],
  'fs-after': ['変更後', 'After'],
  'fs-nochange': ['変更はありません。', 'No changes.'],
  'fs-saved': ['保存しました（第{0}版）。', 'Saved (version {0}).'],
});

let row = null, form = null, state = null, mode = 'view';

const panel = () => document.getElementById('panel-facesheet');

/** The answers of a response by linkId. */
function answersOf(qr) {
  const out = new Map();
  const walk = (items) => (items || []).forEach((it) => { if (it.answer) out.set(it.linkId, it.answer); walk(it.item); });
  walk(qr?.item);
  return out;
}

function answerText(item, answers) {
  if (!answers?.length) return '';
  return answers.map((a) => {
    if (a.valueCoding) return item.answerOption?.find((o) => o.valueCoding.code === a.valueCoding.code)?.valueCoding.display || a.valueCoding.display || a.valueCoding.code;
    if (a.valueBoolean !== undefined) return a.valueBoolean ? t('fs-yes') : t('fs-no');
    const v = Object.entries(a).find(([k]) => k.startsWith('value'));
    return v ? String(v[1]) : '';
  }).join('、');
}

function toolbar() {
  const has = !!state.current;
  return h('div', { class: 'visits-bar' },
    h('button', { type: 'button', class: `button${mode === 'view' ? '' : ' secondary'}`, id: 'fs-view', onclick: () => show('view') }, t('fs-view')), ' ',
    h('button', { type: 'button', class: `button${mode === 'edit' ? '' : ' secondary'}`, id: 'fs-edit', onclick: () => show('edit') }, has ? t('fs-edit') : t('fs-create')), ' ',
    has && state.versions.length > 1 ? h('button', { type: 'button', class: `button${mode === 'diff' ? '' : ' secondary'}`, id: 'fs-diff', onclick: () => show('diff') }, t('fs-diff')) : null,
    has ? h('span', { class: 'muted' }, ' ', t('fs-version', state.versions[0].version, fmtDateTime(state.versions[0].lastUpdated), state.versions[0].author)) : null);
}

function viewBody() {
  if (!state.current) return h('p', { class: 'muted' }, t('fs-none'));
  const ans = answersOf(state.current);
  return h('div', { class: 'facesheet' }, ...form.item.map((g) => h('section', { class: 'fs-group' },
    h('h3', {}, `${g.linkId}. ${g.text}`),
    h('dl', {}, ...(g.item || []).flatMap((it) => [h('dt', {}, it.text), h('dd', { dataset: { link: it.linkId } }, answerText(it, ans.get(it.linkId)) || t('fs-empty'))])))));
}

function inputFor(it, answers) {
  const a = answers?.[0];
  const id = `fs-${it.linkId}`;
  switch (it.type) {
    case 'choice': {
      const s = h('select', { id, name: it.linkId }, h('option', { value: '' }, t('fs-empty')),
        ...it.answerOption.map((o) => h('option', { value: o.valueCoding.code }, o.valueCoding.display)));
      s.value = a?.valueCoding?.code || '';
      return s;
    }
    case 'boolean': {
      const s = h('select', { id, name: it.linkId }, h('option', { value: '' }, t('fs-empty')),
        h('option', { value: 'true' }, t('fs-yes')), h('option', { value: 'false' }, t('fs-no')));
      s.value = a?.valueBoolean === undefined ? '' : String(a.valueBoolean);
      return s;
    }
    case 'text': {
      const x = h('textarea', { id, name: it.linkId, rows: 2, maxlength: it.maxLength || 2000 });
      x.value = a?.valueString || '';
      return x;
    }
    case 'date': return h('input', { id, name: it.linkId, type: 'date', value: a?.valueDate || '' });
    case 'integer':
    case 'decimal':
      return h('input', { id, name: it.linkId, type: 'text', inputmode: it.type === 'integer' ? 'numeric' : 'decimal',
        value: a ? String(a.valueInteger ?? a.valueDecimal ?? '') : '' });
    default: return h('input', { id, name: it.linkId, type: 'text', maxlength: it.maxLength || 200, value: a?.valueString || '' });
  }
}

function valueOf(it, el) {
  const v = el.value.trim();
  if (!v) return null;
  switch (it.type) {
    case 'choice': return { valueCoding: { code: v, display: it.answerOption.find((o) => o.valueCoding.code === v)?.valueCoding.display } };
    case 'boolean': return { valueBoolean: v === 'true' };
    case 'date': return { valueDate: v };
    case 'integer': return { valueInteger: Number.isInteger(Number(v)) ? Number(v) : v };
    case 'decimal': return { valueDecimal: Number.isNaN(Number(v)) ? v : Number(v) };
    default: return { valueString: v };
  }
}

function editBody() {
  const ans = answersOf(state.current);
  const f = h('form', { class: 'compose facesheet-form', id: 'fs-form', autocomplete: 'off', onsubmit: save },
    ...form.item.map((g) => h('fieldset', { class: 'fs-group' }, h('legend', {}, `${g.linkId}. ${g.text}`),
      ...(g.item || []).map((it) => h('label', { class: 'field' }, h('span', {}, `${it.text}${it.required ? ' *' : ''}`), inputFor(it, ans.get(it.linkId)))))),
    h('div', { class: 'compose-row sticky-actions' },
      h('button', { type: 'submit', class: 'button', id: 'fs-save' }, t('fs-save')),
      h('button', { type: 'button', class: 'button secondary', onclick: () => show('view') }, t('fs-cancel'))),
    h('p', { id: 'fs-message', class: 'message', role: 'alert', hidden: true }));
  return f;
}

async function save(e) {
  e.preventDefault();
  const f = e.target, msg = document.getElementById('fs-message');
  msg.hidden = true;
  const items = [];
  for (const g of form.item) {
    const sub = [];
    for (const it of g.item || []) {
      const v = valueOf(it, f.elements[it.linkId]);
      if (v) sub.push({ linkId: it.linkId, text: it.text, answer: [v] });
    }
    if (sub.length) items.push({ linkId: g.linkId, text: g.text, item: sub });
  }
  let r;
  try {
    r = await sendJSON('PUT', `/api/collab/facesheet?patient=${encodeURIComponent(row.patient)}`,
      { item: items, ...(state.current && { version: state.versions[0].version }) });
  } catch (err) {
    msg.textContent = err.message;
    msg.hidden = false;
    return;
  }
  await refresh();
  show('view');
  const note = h('p', { class: 'notice', role: 'status', id: 'fs-saved' }, t('fs-saved', r.version));
  panel().insertBefore(note, panel().children[1] || null);
}

async function diffBody() {
  const vs = state.versions.map((v) => v.version);
  const mk = (id, sel) => {
    const s = h('select', { id }, ...vs.map((v) => h('option', { value: String(v) }, `第${v}版`)));
    s.value = String(sel);
    return s;
  };
  const from = mk('fs-diff-from', vs[1]), to = mk('fs-diff-to', vs[0]);
  const out = h('div', { id: 'fs-diff-out' });
  const run = async () => {
    const d = await getJSON(`/api/collab/forms/${encodeURIComponent(state.current.id)}/diff?from=${from.value}&to=${to.value}`).catch((e) => ({ error: e.message }));
    if (d.error) { out.replaceChildren(h('p', { class: 'message' }, d.error)); return; }
    out.replaceChildren(d.changes.length
      ? h('table', { class: 'diff' }, h('thead', {}, h('tr', {}, h('th', {}, t('fs-item')), h('th', {}, t('fs-before')), h('th', {}, t('fs-after')))),
        h('tbody', {}, ...d.changes.map((c) => h('tr', { dataset: { link: c.linkId } },
          h('td', {}, `${c.section}：${c.text}`), h('td', { class: 'before' }, c.from ?? t('fs-empty')), h('td', { class: 'after' }, c.to ?? t('fs-empty'))))))
      : h('p', { class: 'muted' }, t('fs-nochange')));
    document.body.dataset.diff = String(Date.now());
  };
  from.addEventListener('change', run);
  to.addEventListener('change', run);
  const box = h('div', {}, h('div', { class: 'compose-row' }, h('label', {}, t('fs-from'), ' ', from), h('label', {}, t('fs-to'), ' ', to)), out);
  await run();
  return box;
}

async function show(m) {
  mode = m;
  const body = m === 'edit' ? editBody() : m === 'diff' ? await diffBody() : viewBody();
  panel().replaceChildren(toolbar(), body);
}

async function refresh() {
  form = form || await getJSON('/fhir/Questionnaire/renkei-facesheet');
  state = await getJSON(`/api/collab/facesheet?patient=${encodeURIComponent(row.patient)}`);
}

async function load(r) {
  row = r;
  await refresh();
  await show('view');
}

onLang(() => { if (row && state && panel() && !panel().hidden && mode !== 'edit') show(mode); });
registerTab('facesheet', load);
/* the tab's own name follows the language (team.js labels the page's static text before this module loads) */
const tabLabel = () => { const b = document.getElementById('tab-facesheet'); if (b) b.textContent = t('tab-facesheet'); };
tabLabel();
onLang(tabLabel);
