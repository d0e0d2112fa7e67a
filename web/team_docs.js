// team_docs.js — the 文書 tab of a patient's team page: the care team's
// 指示書 (訪問看護指示書, 特別訪問看護指示書, 訪問リハビリ指示書) and the station's
// 訪問看護計画書・報告書 (/api/collab/documents): the list with kind, period
// (期限間近 when a 指示書 ends within 14 days), author and the signature's
// verification; a form for each kind the viewer's role writes; 署名 for the
// author; PDF 表示. Everything the server sent is inserted as text (h()).
import { h, t, addText, getJSON, sendJSON, fmtDate, fmtDateTime, currentSession, onLang } from './common.js';
import { registerTab } from './team_tabs.js';

addText({
  'tab-docs': ['文書', 'Documents'],
  'docs-h': ['指示書・計画書・報告書', 'Orders, care plans and reports'],
  'docs-help': ['医師の指示書と、訪問看護ステーションの計画書・報告書です。保存すると要約がタイムラインに投稿されます。',
    'The doctor\'s orders and the station\'s plans and reports. Saving one posts a summary to the timeline.'],
  'docs-none': ['文書はまだありません。', 'No documents yet.'],
  'docs-new': ['{0}を作成', 'New {0}'],
  'docs-period': ['指示期間', 'Period'],
  'docs-month': ['報告の月', 'Month'],
  'docs-start': ['開始日', 'From'],
  'docs-end': ['終了日', 'To'],
  'docs-visits': ['訪問日（訪問した日を選ぶ）', 'Visit days'],
  'docs-expiring': ['期限間近（あと{0}日）', 'Ends soon ({0} days)'],
  'docs-expired': ['期限切れ', 'Ended'],
  'docs-author': ['作成', 'By'],
  'docs-version': ['第{0}版', 'v{0}'],
  'docs-open': ['開く', 'Open'],
  'docs-close': ['閉じる', 'Close'],
  'docs-pdf': ['PDF 表示', 'View PDF'],
  'docs-sign': ['署名', 'Sign'],
  'docs-edit': ['編集', 'Edit'],
  'docs-save': ['保存する', 'Save'],
  'docs-cancel': ['やめる', 'Cancel'],
  'docs-saved': ['保存しました: {0}', 'Saved: {0}'],
  'docs-signed': ['署名しました（{0}）', 'Signed ({0})'],
  'docs-sign-confirm': ['この版に署名します。署名後に内容を変えると「署名後に変更あり」と表示されます。よろしいですか？',
    'Sign this version? A later change will show as changed after signing.'],
  'docs-required': ['必須', 'required'],
  'docs-sig-verified': ['署名: 検証済み', 'Signature verified'],
  'docs-sig-changed': ['署名後に変更あり', 'Changed after signing'],
  'docs-sig-none': ['署名なし', 'Not signed'],
  'docs-sig-invalid': ['署名が一致しません', 'Signature does not verify'],
  'docs-testkey': ['テスト鍵（法的な電子署名ではありません）', 'Test key (not a legal signature)'],
});


let state = { row: null, data: null, view: 'list', doc: null, kind: null, message: '', error: false };

const panel = () => document.getElementById('panel-docs');
const me = () => currentSession()?.account || {};

function sigBadge(sig) {
  const cls = { verified: 'badge ok', changed: 'badge alert', invalid: 'badge alert', none: 'badge' }[sig.state] || 'badge';
  return h('span', { class: cls, 'data-sig': sig.state, title: sig.label ? t('docs-testkey') : null }, t(`docs-sig-${sig.state}`));
}

function periodText(d) {
  if (!d.start) return '';
  return d.order ? `${t('docs-period')} ${fmtDate(d.start)}〜${fmtDate(d.end)}` : `${t('docs-month')} ${d.start.slice(0, 7)}`;
}

function docRow(d) {
  const mine = d.author && me().practitioner && d.author === `Practitioner/${me().practitioner}`;
  const kind = state.data.kinds.find((k) => k.code === d.kind);
  const badges = [h('span', { class: 'badge' }, d.kindJa)];
  if (d.expiring) badges.push(h('span', { class: 'badge alert', 'data-expiring': 'true' }, t('docs-expiring', d.daysLeft)));
  if (d.expired) badges.push(h('span', { class: 'badge alert' }, t('docs-expired')));
  badges.push(sigBadge(d.signature));
  return h('li', { class: 'doc-row', dataset: { id: d.id, kind: d.kind } },
    h('div', { class: 'badges' }, badges),
    h('h3', {}, d.title, ' ', h('span', { class: 'muted' }, periodText(d))),
    h('p', { class: 'muted' }, `${t('docs-author')}: ${d.authorDisplay || d.author}・${fmtDateTime(d.date)}・${t('docs-version', d.version)}`),
    h('div', { class: 'doc-actions' },
      h('button', { type: 'button', class: 'button secondary', onclick: () => openDoc(d.id) }, t('docs-open')),
      h('a', { class: 'button secondary', href: `/api/collab/documents/${encodeURIComponent(d.id)}/pdf`, target: '_blank', rel: 'noopener' }, t('docs-pdf')),
      mine && d.signature.state !== 'verified' ? h('button', { type: 'button', class: 'button', 'data-action': 'sign', onclick: () => sign(d) }, t('docs-sign')) : null,
      mine && kind?.writable ? h('button', { type: 'button', class: 'button secondary', onclick: () => edit(d.id) }, t('docs-edit')) : null));
}

function message() {
  return state.message ? h('p', { class: state.error ? 'message' : 'notice', role: state.error ? 'alert' : 'status', id: 'docs-message' }, state.message) : null;
}

function renderList() {
  const docs = state.data.documents;
  const writable = state.data.kinds.filter((k) => k.writable);
  panel().replaceChildren(
    h('h2', {}, t('docs-h')), h('p', { class: 'muted' }, t('docs-help')), message(),
    writable.length ? h('div', { class: 'doc-new' }, writable.map((k) =>
      h('button', { type: 'button', class: 'button', 'data-new': k.code, onclick: () => newDoc(k.code) }, t('docs-new', k.ja)))) : null,
    docs.length ? h('ul', { class: 'plain', id: 'docs-list' }, docs.map(docRow)) : h('p', { class: 'muted' }, t('docs-none')));
}

function renderDoc() {
  const d = state.doc;
  panel().replaceChildren(
    h('h2', {}, d.title), message(),
    h('div', { class: 'badges' }, h('span', { class: 'badge' }, d.kindJa), sigBadge(d.signature),
      d.signature.label ? h('span', { class: 'muted' }, t('docs-testkey')) : null),
    h('p', {}, periodText(d)),
    d.visits.length ? h('p', {}, `${t('docs-visits')}: ${d.visits.join('、')}`) : null,
    h('dl', { class: 'doc-fields' }, d.fields.map((f) => [h('dt', {}, f.ja), h('dd', {}, f.text)])),
    h('div', { class: 'doc-actions' },
      h('a', { class: 'button secondary', href: `/api/collab/documents/${encodeURIComponent(d.id)}/pdf`, target: '_blank', rel: 'noopener' }, t('docs-pdf')),
      h('button', { type: 'button', class: 'button secondary', onclick: () => { state.view = 'list'; render(); } }, t('docs-close'))));
}

function renderForm() {
  const k = state.kind, d = state.doc;
  const value = (key) => d?.fields.find((f) => f.key === key)?.text || '';
  const today = new Date(Date.now() + 9 * 3600000).toISOString().slice(0, 10);
  const inputs = [];
  if (k.order) {
    inputs.push(h('div', { class: 'period' },
      h('label', {}, h('span', {}, `${t('docs-period')} ${t('docs-start')}`), h('input', { type: 'date', name: 'start', required: true, value: d?.start || today })),
      h('label', {}, h('span', {}, `${t('docs-period')} ${t('docs-end')}`), h('input', { type: 'date', name: 'end', required: true, value: d?.end || '' }))));
  } else if (k.report) {
    inputs.push(h('label', {}, h('span', {}, t('docs-month')), h('input', { type: 'month', name: 'month', required: true, value: (d?.start || today).slice(0, 7) })));
    inputs.push(h('fieldset', { class: 'plain' }, h('legend', { class: 'muted' }, t('docs-visits')),
      h('div', { class: 'visits' }, Array.from({ length: 31 }, (_, i) => h('label', {},
        h('input', { type: 'checkbox', name: 'visit', value: String(i + 1), checked: d?.visits.includes(i + 1) || null }), String(i + 1))))));
  }
  for (const f of k.fields) {
    const attrs = { name: `f-${f.key}`, maxlength: String(f.max), required: f.required || null };
    const label = h('span', {}, f.ja, f.required ? ` （${t('docs-required')}）` : '');
    inputs.push(f.max > 200
      ? h('label', {}, label, h('textarea', { ...attrs, rows: '3' }, value(f.key)))
      : h('label', {}, label, h('input', { ...attrs, type: 'text', value: value(f.key) })));
  }
  const form = h('form', { id: 'docs-form', 'data-kind': k.code, autocomplete: 'off', onsubmit: (e) => { e.preventDefault(); save(e.target); } },
    inputs,
    h('div', { class: 'doc-actions' },
      h('button', { type: 'submit', class: 'button' }, t('docs-save')),
      h('button', { type: 'button', class: 'button secondary', onclick: () => { state.view = 'list'; render(); } }, t('docs-cancel'))));
  panel().replaceChildren(h('h2', {}, d ? `${k.ja}（${t('docs-edit')}）` : t('docs-new', k.ja)), message(), form);
}

function render() {
  if (!state.data) return;
  if (state.view === 'doc') renderDoc();
  else if (state.view === 'form') renderForm();
  else renderList();
}

async function reload() {
  state.data = await getJSON(`/api/collab/documents?patient=${encodeURIComponent(state.row.patient)}`);
}

function say(text, error = false) {
  state.message = text;
  state.error = error;
}

async function openDoc(id) {
  try {
    state.doc = await getJSON(`/api/collab/documents/${encodeURIComponent(id)}`);
    state.view = 'doc';
    say('');
  } catch (e) { say(e.message, true); }
  render();
}

function newDoc(code) {
  state.kind = state.data.kinds.find((k) => k.code === code);
  state.doc = null;
  state.view = 'form';
  say('');
  render();
}

async function edit(id) {
  try {
    state.doc = await getJSON(`/api/collab/documents/${encodeURIComponent(id)}`);
    state.kind = state.data.kinds.find((k) => k.code === state.doc.kind);
    state.view = 'form';
    say('');
  } catch (e) { say(e.message, true); }
  render();
}

async function save(form) {
  const k = state.kind, fd = new FormData(form), body = { kind: k.code, fields: {} };
  if (k.order) { body.start = fd.get('start'); body.end = fd.get('end'); }
  if (k.report) {
    const m = String(fd.get('month') || '');
    const [y, mo] = m.split('-').map(Number);
    body.start = `${m}-01`;
    body.end = `${m}-${String(new Date(Date.UTC(y, mo, 0)).getUTCDate()).padStart(2, '0')}`;
    body.visits = fd.getAll('visit').map(Number);
  }
  for (const f of k.fields) {
    const v = String(fd.get(`f-${f.key}`) || '');
    if (v.trim()) body.fields[f.key] = v;
  }
  try {
    let r;
    if (state.doc) r = await sendJSON('PUT', `/api/collab/documents/${encodeURIComponent(state.doc.id)}`, { ...body, version: state.doc.version });
    else r = await sendJSON('POST', `/api/collab/documents?patient=${encodeURIComponent(state.row.patient)}`, body);
    say(t('docs-saved', r.summary));
    state.view = 'list';
    await reload();
  } catch (e) {
    say(e.message, true);
    showMessage(); // the form stays as typed
    return;
  }
  render();
}

/** Put the current message at the top of the panel without redrawing the rest. */
function showMessage() {
  const el = message(), old = document.getElementById('docs-message');
  if (old) old.remove();
  if (el) panel().querySelector('h2').after(el);
  el?.scrollIntoView({ block: 'nearest' });
}

async function sign(d) {
  if (!window.confirm(t('docs-sign-confirm'))) return;
  try {
    const r = await sendJSON('POST', `/api/collab/documents/${encodeURIComponent(d.id)}/sign`, {});
    say(t('docs-signed', r.ja));
    await reload();
  } catch (e) { say(e.message, true); }
  render();
}

registerTab('docs', async (row) => {
  state = { row, data: null, view: 'list', doc: null, kind: null, message: '', error: false };
  await reload();
  render();
  panel().dataset.ready = 'true';
});

/* The tab: its label in the current language; hidden for the roles that do not read documents (文書). */
const READERS = new Set(['doctor', 'dentist', 'pharmacist', 'nurse', 'visiting_nurse']);
function tabLabel() {
  const b = document.getElementById('tab-docs');
  if (b) b.textContent = t('tab-docs');
}
function hideForRole(tries = 0) {
  const s = currentSession();
  if (!s) {
    if (tries < 100) setTimeout(() => hideForRole(tries + 1), 50);
    return;
  }
  const b = document.getElementById('tab-docs');
  if (b && !READERS.has(s.account.role)) b.hidden = true;
}
tabLabel();
hideForRole();
onLang(() => { tabLabel(); render(); });
