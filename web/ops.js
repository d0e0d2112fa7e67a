// ops.js — the network operator's screen (運用管理): the ingest quarantine
// (取込エラー: list, message text, replay one or all) and the patient-linking
// review queue (名寄せ候補: both registrations side by side, merge or reject
// with a note; merged pairs with 統合を取り消す). Only for the operator role;
// anyone else gets a message and no request for data is made.
import { h, t, lang, addText, applyStatic, onLang, loadSession, currentSession, toLogin, mountBar, getJSON, sendJSON, ApiError,
  loadFacilities, personName, genderText, fmtDate, fmtDateTime, localIds, facilityOf } from './common.js';

addText({
  loading: ['読み込み中…', 'Loading…'],
  'not-operator': ['このページは運用管理者（ネットワークの運用担当）専用です。患者検索は上の「患者検索」から使えます。',
    'This page is for the network operator only. Use “Patient search” above to find patients.'],
  'q-h': ['取込エラー', 'Ingest errors (quarantine)'],
  'q-help': ['施設のシステムから届いたものの取り込めなかったメッセージです。原因（施設の登録、コード表など）を直してから再取込してください。',
    'Messages from the facilities’ systems that could not be stored. Fix the cause (facility registration, code lists …), then replay them.'],
  'q-resolved': ['解決済みも表示', 'Show resolved too'],
  'q-replay-all': ['すべて再取込', 'Replay all'],
  'q-count': ['{0}件', '{0} entries'],
  'q-empty': ['未解決の取込エラーはありません。', 'No open ingest errors.'],
  'c-at': ['日時', 'Time'], 'c-facility': ['施設', 'Facility'], 'c-location': ['場所', 'Location'],
  'c-reason': ['理由', 'Reason'], 'c-tries': ['試行', 'Tries'], 'c-actions': ['操作', 'Actions'],
  'q-show': ['内容', 'Message'], 'q-replay': ['再取込', 'Replay'], 'q-resolved-at': ['解決済み {0}', 'Resolved {0}'],
  'q-unknown-sender': ['（未登録の送信元）', '(unregistered sender)'],
  'q-detail-title': ['取込エラー #{0} の内容（{1} バイト）', 'Ingest error #{0}: message ({1} bytes)'],
  'q-truncated': ['長いため先頭のみ表示しています。', 'Long message: only its beginning is shown.'],
  'q-not-hl7': ['HL7 v2 メッセージとして読めません: {0}', 'Not readable as an HL7 v2 message: {0}'],
  close: ['閉じる', 'Close'],
  'r-stored': ['取り込みました（{0}件のデータ）。', 'Stored ({0} resources).'],
  'r-deleted': ['削除を反映しました。', 'The deletion was applied.'],
  'r-duplicate': ['すでに取り込まれていました。', 'It had already been stored.'],
  'r-skipped': ['旧版として記録しました（取り込むデータはありません）。', 'Recorded as a superseded version (nothing to store).'],
  'r-quarantined': ['まだ取り込めません: {0}', 'Still cannot be stored: {0}'],
  'r-all': ['{0}件を取り込みました。{1}件はまだ取り込めません。', '{0} stored; {1} still cannot be stored.'],
  'r-none': ['再取込する取込エラーはありません。', 'Nothing to replay.'],
  'm-h': ['名寄せ候補', 'Patient linking candidates'],
  'm-help': ['別々の地域共通IDで登録された、同一人物の可能性がある患者さんです。両方の登録内容を確かめてから判断してください。自動では統合されません。',
    'Registrations under different regional IDs that may be the same person. Check both before deciding; nothing is merged automatically.'],
  'm-empty': ['確認待ちの候補はありません。', 'No candidates awaiting review.'],
  'm-merged-h': ['統合済み', 'Merged'],
  'm-merged-empty': ['統合済みの組はありません。', 'No merged pairs.'],
  'm-score': ['一致度 {0}', 'Score {0}'],
  'm-reasons': ['一致した項目: {0}', 'Matching: {0}'],
  'm-reg-a': ['登録A（残る側）', 'Registration A (survives)'], 'm-reg-b': ['登録B', 'Registration B'],
  'm-name': ['氏名', 'Name'], 'm-kana': ['カナ', 'Kana'], 'm-birth': ['生年月日', 'Birth date'], 'm-sex': ['性別', 'Sex'],
  'm-address': ['住所', 'Address'], 'm-facility': ['施設', 'Facility'], 'm-local': ['施設内患者ID', 'Local patient ID'],
  'm-regional': ['地域共通ID', 'Regional ID'],
  'm-merge': ['同一人物として統合', 'Merge: same person'], 'm-reject': ['別人', 'Different people'],
  'm-unmerge': ['統合を取り消す', 'Undo the merge'],
  'm-confirm-merge': ['この2件の登録を同一人物として統合します。よろしいですか？', 'Merge these two registrations as one person?'],
  'm-confirm-reject': ['この2件は別人として記録します。よろしいですか？', 'Record these two as different people?'],
  'm-confirm-unmerge': ['この統合を取り消し、元の2人に戻します。よろしいですか？', 'Undo this merge and restore the two people?'],
  'm-note': ['判断の根拠（必須・監査ログに残ります）', 'Reason (required; kept in the audit log)'],
  'm-note-needed': ['判断の根拠を入力してください。', 'Enter the reason for the decision.'],
  'm-ok': ['確定', 'Confirm'], 'm-cancel': ['やめる', 'Cancel'],
  'm-merged-done': ['統合しました（地域共通ID {0} に統合）。', 'Merged (into regional ID {0}).'],
  'm-rejected-done': ['別人として記録しました。', 'Recorded as different people.'],
  'm-unmerged-done': ['統合を取り消しました。', 'The merge was undone.'],
  'm-decided': ['{0} に {1} が統合', 'merged {0} by {1}'],
  'm-unreadable': ['（読めません: {0}）', '(cannot be read: {0})'],
});

const REASONS = { name: ['カナ氏名', 'kana name'], birthDate: ['生年月日', 'birth date'], gender: ['性別', 'sex'],
  postalCode: ['郵便番号', 'postal code'], address: ['住所', 'address'] };
const REGION = 'urn:renkei:regional-patient-id';

let facilities = new Map();
let entries = [];
let pending = [], merged = [];
const patients = new Map(); // id → Patient or { error }

// ---- requests ---------------------------------------------------------------

const postJSON = (path, body = {}) => sendJSON('POST', path, body);

function say(id, text, bad = false) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = bad ? 'message' : 'notice';
  el.hidden = !text;
}

// ---- 取込エラー (quarantine) -----------------------------------------------------

const facilityName = (code) => (code ? facilities.get(code)?.name || code : t('q-unknown-sender'));

async function loadQuarantine() {
  const all = document.getElementById('q-resolved').checked;
  const b = await getJSON(`/api/ingest/errors?status=${all ? 'all' : 'open'}&_count=500`);
  entries = b.entries || [];
  renderQuarantine();
}

function resultText(r) {
  if (r.outcome === 'quarantined') return t('r-quarantined', r.reason);
  return t(`r-${r.outcome}`, r.resources);
}

async function replay(id) {
  try {
    const r = await postJSON(`/api/ingest/errors/${id}/replay`);
    say('q-result', `#${id}: ${resultText(r)}`, !r.resolved);
  } catch (e) {
    say('q-result', `#${id}: ${e.message}`, true);
  }
  await loadQuarantine().catch((e) => say('q-result', e.message, true));
  document.body.dataset.replays = String(Number(document.body.dataset.replays || 0) + 1);
}

async function replayAll() {
  const open = entries.filter((e) => !e.resolved_at);
  if (!open.length) {
    say('q-result', t('r-none'));
    return;
  }
  const button = document.getElementById('q-replay-all');
  button.disabled = true;
  let stored = 0, still = 0;
  for (const e of open) {
    try {
      const r = await postJSON(`/api/ingest/errors/${e.id}/replay`);
      if (r.resolved) stored++;
      else still++;
    } catch {
      still++;
    }
  }
  button.disabled = false;
  say('q-result', t('r-all', stored, still), still > 0);
  await loadQuarantine().catch((e) => say('q-result', e.message, true));
  document.body.dataset.replays = String(Number(document.body.dataset.replays || 0) + 1);
}

async function showDetail(id) {
  const box = document.getElementById('q-detail');
  try {
    const d = await getJSON(`/api/ingest/errors/${id}`);
    document.getElementById('q-detail-title').textContent = t('q-detail-title', d.id, d.size);
    const note = d.hl7 ? (d.truncated ? t('q-truncated') : '') : t('q-not-hl7', d.note || '');
    say('q-detail-note', note);
    document.getElementById('q-detail-text').textContent = d.text;
    document.getElementById('q-detail-text').hidden = !d.text;
    box.dataset.id = String(d.id);
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    say('q-result', e.message, true);
  }
}

function renderQuarantine() {
  const body = document.querySelector('#q-table tbody');
  body.replaceChildren(...entries.map((e) => h('tr', { dataset: { id: e.id }, class: e.resolved_at ? 'muted' : null },
    h('td', {}, fmtDateTime(e.at)),
    h('td', {}, facilityName(e.facility), e.facility ? h('div', { class: 'small muted' }, e.facility) : null),
    h('td', { class: 'small' }, e.location),
    h('td', { class: 'q-reason' }, e.reason),
    h('td', {}, String(e.tries)),
    h('td', {},
      h('button', { type: 'button', class: 'button secondary small q-show', onclick: () => showDetail(e.id) }, t('q-show')), ' ',
      e.resolved_at ? h('span', { class: 'small q-done' }, t('q-resolved-at', fmtDateTime(e.resolved_at)))
        : h('button', { type: 'button', class: 'button small q-replay', onclick: () => replay(e.id) }, t('q-replay'))))));
  document.getElementById('q-count').textContent = t('q-count', entries.length);
  document.getElementById('q-empty').hidden = entries.length > 0;
  document.getElementById('q-table').hidden = entries.length === 0;
  document.getElementById('q-replay-all').disabled = !entries.some((e) => !e.resolved_at);
}

// ---- 名寄せ候補 (linking candidates) ----------------------------------------------

async function readPatient(id) {
  if (!patients.has(id)) {
    try {
      patients.set(id, await getJSON(`/fhir/Patient/${encodeURIComponent(id)}`));
    } catch (e) {
      patients.set(id, { error: e.message });
    }
  }
  return patients.get(id);
}

async function loadLinking() {
  patients.clear();
  const [p, m] = await Promise.all([getJSON('/api/patient-match?status=pending&_count=100'),
    getJSON('/api/patient-match?status=merged&_count=100')]);
  pending = p.candidates || [];
  merged = m.candidates || [];
  await Promise.all([...pending, ...merged].flatMap((c) => [readPatient(c.patient_a), readPatient(c.patient_b)]));
  renderLinking();
}

function addressText(p) {
  const a = p.address?.[0];
  if (!a) return '';
  const line = a.text || [a.state, a.city, ...(a.line || [])].filter(Boolean).join('');
  return [a.postalCode ? `〒${a.postalCode}` : '', line].filter(Boolean).join(' ');
}

function regRows(a, b) {
  // a registration that cannot be read says why in its name row, and shows nothing else
  const cell = (p, fn, i) => h('td', {}, p.error ? (i === 0 ? t('m-unreadable', p.error) : '') : fn(p));
  const rows = [
    ['m-name', (p) => personName(p).kanji], ['m-kana', (p) => personName(p).kana], ['m-birth', (p) => fmtDate(p.birthDate)],
    ['m-sex', (p) => genderText(p.gender)], ['m-address', addressText], ['m-facility', (p) => facilityOf(p, facilities).name],
    ['m-local', (p) => localIds(p).map((i) => i.value).join(', ')],
    ['m-regional', (p) => (p.identifier || []).find((i) => i.system === REGION)?.value || ''],
  ];
  return h('table', { class: 'pair' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, t('m-reg-a')), h('th', {}, t('m-reg-b')))),
    h('tbody', {}, rows.map(([key, fn], i) => h('tr', { dataset: { row: key } }, h('th', {}, t(key)), cell(a, fn, i), cell(b, fn, i)))));
}

const reasonsText = (r) => (r || '').split(',').filter(Boolean)
  .map((x) => (REASONS[x] ? REASONS[x][lang === 'en' ? 1 : 0] : x)).join('・');

/** An inline confirmation with a required note; calls act(note) on 確定. */
function confirmBox(card, question, act) {
  card.querySelector('.confirm')?.remove();
  const note = h('textarea', { class: 'note', rows: '2', 'aria-label': t('m-note') });
  const msg = h('p', { class: 'message', hidden: true });
  const box = h('div', { class: 'confirm notice' }, h('p', {}, question),
    h('label', {}, h('span', { class: 'small' }, t('m-note')), h('br'), note), msg,
    h('button', { type: 'button', class: 'button small ok', onclick: async () => {
      if (!note.value.trim()) {
        msg.textContent = t('m-note-needed');
        msg.hidden = false;
        return;
      }
      await act(note.value.trim());
    } }, t('m-ok')), ' ',
    h('button', { type: 'button', class: 'button secondary small cancel', onclick: () => box.remove() }, t('m-cancel')));
  card.append(box);
  note.focus();
}

async function decide(path, note, done) {
  try {
    const r = await postJSON(path, { reason: note });
    say('m-result', done(r));
  } catch (e) {
    say('m-result', e.message, true);
  }
  await loadLinking().catch((e) => say('m-result', e.message, true));
  document.body.dataset.decisions = String(Number(document.body.dataset.decisions || 0) + 1);
}

function candidateCard(c, isMerged) {
  const a = patients.get(c.patient_a) || { error: '?' }, b = patients.get(c.patient_b) || { error: '?' };
  const card = h('div', { class: 'card candidate', dataset: { candidate: c.candidate } },
    h('p', {}, h('strong', {}, t('m-score', c.score)), ' ', h('span', { class: 'muted' }, t('m-reasons', reasonsText(c.reasons)))),
    h('div', { class: 'scroll' }, regRows(a, b)));
  if (isMerged) {
    card.append(h('p', { class: 'small muted' }, t('m-decided', fmtDateTime(c.decided), c.decided_by), c.note ? ` — ${c.note}` : ''),
      h('button', { type: 'button', class: 'button secondary small unmerge', onclick: () => confirmBox(card, t('m-confirm-unmerge'),
        (note) => decide(`/api/patient-link/${encodeURIComponent(c.patient_b)}/unmerge`, note, () => t('m-unmerged-done'))) }, t('m-unmerge')));
  } else {
    card.append(h('p', {},
      h('button', { type: 'button', class: 'button small merge', onclick: () => confirmBox(card, t('m-confirm-merge'),
        (note) => decide(`/api/patient-match/${encodeURIComponent(c.candidate)}/merge`, note, (r) => t('m-merged-done', r.into))) }, t('m-merge')), ' ',
      h('button', { type: 'button', class: 'button secondary small reject', onclick: () => confirmBox(card, t('m-confirm-reject'),
        (note) => decide(`/api/patient-match/${encodeURIComponent(c.candidate)}/reject`, note, () => t('m-rejected-done'))) }, t('m-reject'))));
  }
  return card;
}

function renderLinking() {
  document.getElementById('m-pending').replaceChildren(...pending.map((c) => candidateCard(c, false)));
  document.getElementById('m-merged').replaceChildren(...merged.map((c) => candidateCard(c, true)));
  document.getElementById('m-empty').hidden = pending.length > 0;
  document.getElementById('m-merged-empty').hidden = merged.length > 0;
}

// ---- start ------------------------------------------------------------------

async function start() {
  applyStatic();
  const s = await loadSession();
  if (!s) return toLogin();
  mountBar(document.getElementById('bar'));
  const msg = document.getElementById('ops-message');
  if (s.account.role !== 'operator') {
    // nothing is requested: the page explains, in words, whose it is
    msg.dataset.i18n = 'not-operator';
    applyStatic();
    msg.className = 'message';
    document.body.dataset.ready = 'true';
    return;
  }
  document.getElementById('q-resolved').addEventListener('change', () => loadQuarantine().catch((e) => say('q-result', e.message, true)));
  document.getElementById('q-replay-all').addEventListener('click', replayAll);
  document.getElementById('q-detail-close').addEventListener('click', () => { document.getElementById('q-detail').hidden = true; });
  facilities = await loadFacilities().catch(() => new Map());
  try {
    await Promise.all([loadQuarantine(), loadLinking()]);
    msg.hidden = true;
  } catch (e) {
    msg.textContent = e.message;
    msg.className = 'message';
  }
  document.getElementById('quarantine').hidden = false;
  document.getElementById('linking').hidden = false;
  onLang(() => { renderQuarantine(); renderLinking(); });
  document.body.dataset.ready = 'true';
}
start();
