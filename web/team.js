// team.js — 多職種連携, the care team's workspace on a tablet: 担当患者一覧
// (the patients of my teams, what needs me first) and a patient's team page:
// the timeline of posts (FHIR Communication) with replies in threads, 要返信
// with its due time, read receipts for the sender, editing and withdrawing
// one's own posts (the history is kept), and the team's members. Posts the
// page shows are marked read. Japanese first.
import { h, t, lang, addText, applyStatic, onLang, loadSession, currentSession, toLogin, mountBar, getJSON, sendJSON,
  loadFacilities, ageOf, genderText, fmtDate, fmtDateTime } from './common.js';
import { tabLoader } from './team_tabs.js';

addText({
  loading: ['読み込み中…', 'Loading…'],
  'mine-h': ['担当患者一覧', 'My patients'],
  older: ['さらに前の投稿を表示', 'Show older posts'],
  'last-visit': ['最終訪問 {0}', 'Last visit {0}'],
  'inbox-h': ['受信箱', 'Inbox'],
  'inbox-help': ['あなた・あなたの職種・事業所あての投稿、あなたの投稿への返信、返信を求められている投稿です（30日分）。',
    'Posts that name you, your profession or your facility, replies to your posts, and posts that ask for a reply (30 days).'],
  'inbox-none': ['新しい連絡はありません。', 'Nothing new for you.'],
  'inbox-mention': ['あなた宛', 'For you'],
  'inbox-reply': ['返信', 'Reply'],
  'inbox-reply-requested': ['要返信', 'Reply requested'],
  'inbox-overdue': ['期限切れ', 'Overdue'],
  'inbox-new': ['未読', 'Unread'],
  'mine-help': ['あなたが参加しているケアチームの利用者さんです。返信期限を過ぎたもの、未読の多いものから並びます。',
    'The people whose care teams you belong to; overdue replies and unread posts come first.'],
  'mine-none': ['参加しているケアチームはありません。', 'You are not on any care team.'],
  'not-open': ['多職種連携はこの職種では使えません。', 'The care team workspace is not open to your role.'],
  unread: ['未読 {0}', '{0} unread'], overdue: ['返信期限切れ {0}', '{0} overdue'], latest: ['最新 {0}', 'latest {0}'],
  'no-posts': ['まだ投稿はありません', 'no posts yet'],
  'tab-timeline': ['タイムライン', 'Timeline'], 'tab-members': ['メンバー', 'Members'],
  'f-text': ['投稿', 'Post'], 'ph-text': ['例: @訪問看護 本日の入浴は見合わせました', 'e.g. @訪問看護 no bath today'],
  'f-reply': ['要返信', 'Reply requested'], 'f-due': ['返信期限', 'Reply by'], send: ['投稿する', 'Post'],
  cancel: ['やめる', 'Cancel'], 'need-text': ['投稿する内容を入力してください。', 'Write something to post.'],
  'need-due': ['返信期限を入力してください。', 'Enter the time a reply is due.'],
  replying: ['{0} さんの投稿に返信します', 'Replying to {0}'], editing: ['投稿を編集します（前の版も残ります）', 'Editing the post (the earlier version is kept)'],
  reply: ['返信', 'Reply'], edit: ['編集', 'Edit'], withdraw: ['取り消す', 'Withdraw'],
  'withdraw-q': ['この投稿を取り消しますか？（記録には残ります）', 'Withdraw this post? (It stays in the record.)'],
  withdrawn: ['（この投稿は取り消されました）', '(This post was withdrawn.)'], edited: ['編集済み', 'edited'],
  'reply-by': ['要返信 {0}まで', 'Reply by {0}'], 'is-overdue': ['期限切れ', 'overdue'], answered: ['返信あり', 'answered'],
  receipts: ['既読 {0}/{1}', 'Read {0}/{1}'], 'read-at': ['{0} 既読', 'read {0}'], 'not-read': ['未読', 'not read'],
  'members-none': ['メンバーの記録はありません。', 'No members are recorded.'],
  'contacts-h': ['家族・連絡先', 'Family and contacts'], 'contacts-none': ['登録された連絡先はありません。', 'No contacts are listed.'],
  'c-name': ['氏名', 'Name'], 'c-kana': ['カナ', 'Kana'], 'c-rel': ['続柄', 'Relationship'], 'c-phone': ['電話', 'Phone'],
  'c-key': ['キーパーソン', 'Key person'], 'c-emergency': ['緊急連絡先', 'Emergency contact'], 'c-add': ['連絡先を追加', 'Add contact'],
  'c-remove': ['削除', 'Remove'], 'c-remove-q': ['この連絡先を削除しますか？', 'Remove this contact?'],
  'c-bad-phone': ['電話番号は数字とハイフンで入力してください。', 'Enter the phone number in digits and hyphens.'],
  lead: ['リーダー', 'lead'], 'since': ['{0}から', 'since {0}'], 'until': ['{0}まで', 'until {0}'],
  'not-member': ['この利用者さんのケアチームには参加していません。', 'You are not on this person\u2019s care team.'],
  back: ['← 担当患者一覧', '← My patients'],
  'f-attach': ['写真・PDF・動画を添付', 'Attach a photo, PDF or video'],
  uploading: ['送信中…', 'Uploading…'], remove: ['外す', 'Remove'],
  'cannot-read-photo': ['この写真の形式は読み取れません（HEIC など）。端末の設定で JPEG にしてから送ってください。',
    'This photo cannot be read (HEIC?): set the device to take JPEG photos and send it again.'],
  'open-pdf': ['PDF を開く', 'Open the PDF'],
  record: ['共有された記録を見る', 'Shared record'],
});

const REPLY_BY = 'urn:renkei:StructureDefinition:reply-requested-by';
const params = new URLSearchParams(location.search);
let me = null;        // the session's account
let row = null;       // this patient's row of 担当患者一覧
let posts = [];       // Communication resources of the timeline
let facilities = new Map();
let replyTo = null, editing = null;
let attachments = []; // uploaded for the post being written: {url, thumbnail, contentType, size, hash, title}
const openReceipts = new Set(); // posts whose reader list is open: kept open when the timeline reloads

function say(text, bad = false) {
  const el = document.getElementById('team-message');
  el.textContent = text;
  el.className = bad ? 'message' : 'notice';
  el.hidden = !text;
}

const myRef = () => (me?.practitioner ? `Practitioner/${me.practitioner}` : '');
const textOf = (c) => (c.payload || []).map((p) => p.contentString).filter(Boolean).join('\n');
const dueOf = (c) => (c.extension || []).find((x) => x.url === REPLY_BY)?.valueDateTime || '';

// ---- 担当患者一覧 --------------------------------------------------------------

async function myPatients() {
  return (await getJSON('/api/collab/patients')).patients || [];
}

function renderMine(list) {
  const ul = document.getElementById('mine');
  ul.replaceChildren(...list.map((p) => {
    const age = ageOf(p.birthDate);
    const link = h('a', { class: 'patient-link', href: `/team.html?patient=${encodeURIComponent(p.patient)}` }, p.name || p.kana || p.patient);
    return h('li', { class: 'mine-row', dataset: { rid: p.regionalId } },
      h('div', {}, link, ' ', h('span', { class: 'muted' }, p.kana || ''), ' ',
        h('span', { class: 'muted' }, age !== null ? `${age}${t('age')}` : '', ' ', genderText(p.gender))),
      h('div', { class: 'badges' },
        p.overdue ? h('span', { class: 'badge alert', dataset: { k: 'overdue' } }, t('overdue', p.overdue)) : null,
        p.unread ? h('span', { class: 'badge', dataset: { k: 'unread' } }, t('unread', p.unread)) : null,
        p.latestVisit ? h('span', { class: 'muted', dataset: { k: 'visit' } }, t('last-visit', fmtDate(p.latestVisit))) : null,
        h('span', { class: 'muted' }, p.latest ? t('latest', fmtDateTime(p.latest)) : t('no-posts'))));
  }));
  if (!list.length) ul.replaceChildren(h('li', { class: 'muted' }, t('mine-none')));
}

// ---- 受信箱 ---------------------------------------------------------------------

async function loadInbox() {
  return getJSON('/api/collab/inbox');
}

function renderInbox(inbox) {
  const ul = document.getElementById('inbox');
  const kind = (k) => h('span', { class: `badge${k === 'overdue' ? ' alert' : ''}`, dataset: { k } }, t(`inbox-${k}`));
  ul.replaceChildren(...inbox.items.map((i) => h('li', { class: `inbox-item${i.read ? '' : ' unread'}`, dataset: { id: i.id } },
    h('a', { class: 'inbox-link', href: `/team.html?patient=${encodeURIComponent(i.patient)}` },
      h('strong', {}, i.name || i.kana || i.patient), ' ',
      h('span', { class: 'muted' }, i.sender || ''), ' ',
      h('time', { class: 'muted', datetime: i.sent }, fmtDateTime(i.sent))),
    h('p', { class: 'post-text' }, i.text),
    h('div', { class: 'badges' }, ...i.kinds.map(kind), i.overdue ? kind('overdue') : null,
      i.due && !i.overdue && !i.answered ? h('span', { class: 'muted' }, t('reply-by', fmtDateTime(i.due))) : null,
      i.read ? null : h('span', { class: 'badge', dataset: { k: 'new' } }, t('inbox-new'))))));
  if (!inbox.items.length) ul.replaceChildren(h('li', { class: 'muted' }, t('inbox-none')));
  document.getElementById('inbox-card').hidden = false;
}

// ---- the team page ------------------------------------------------------------

function renderHeader() {
  const age = ageOf(row.birthDate);
  document.getElementById('team-header').replaceChildren(
    h('a', { href: '/team.html', class: 'muted' }, t('back')),
    h('h1', {}, row.name || row.kana, ' ', h('span', { class: 'muted' }, row.kana || '')),
    h('p', { class: 'muted' }, age !== null ? `${age}${t('age')} ` : '', genderText(row.gender), ' ・ ',
      h('a', { href: `/patient.html?id=${encodeURIComponent(row.patient.slice(8))}` }, t('record'))));
}

let olderCursor = null; // the cursor of the next older page of the timeline, or null at its beginning

/** The newest page of the timeline (again), and the older pages already shown. */
async function loadTimeline() {
  const shown = Math.max(posts.length, 100);
  const page = await getJSON(`/api/collab/timeline?patient=${encodeURIComponent(row.patient)}&_count=${Math.min(shown, 200)}`);
  posts = page.posts;
  olderCursor = page.next;
  renderTimeline();
  await markRead();
}

async function loadOlder() {
  if (!olderCursor) return;
  const page = await getJSON(`/api/collab/timeline?patient=${encodeURIComponent(row.patient)}&_count=100&before=${encodeURIComponent(olderCursor)}`);
  const known = new Set(posts.map((c) => c.id));
  const older = page.posts.filter((c) => !known.has(c.id));
  posts = posts.concat(older);
  olderCursor = page.next;
  renderTimeline();
  await markRead(older);
}

async function markRead(shown = posts) {
  // what the page shows is read
  const unread = shown.filter((c) => c.sender?.reference !== myRef() && c.status !== 'entered-in-error').map((c) => c.id).slice(0, 200);
  if (unread.length) await sendJSON('POST', '/api/collab/read', { communication: unread }).catch(() => {});
}

function postItem(c, replies) {
  const mine = c.sender?.reference && c.sender.reference === myRef();
  const withdrawn = c.status === 'entered-in-error';
  const due = dueOf(c);
  const answered = replies.some((r) => r.status !== 'entered-in-error');
  const when = c.sent || c.meta?.lastUpdated;
  const head = h('div', { class: 'post-head' }, h('strong', {}, c.sender?.display || c.sender?.reference || '?'), ' ',
    h('time', { class: 'muted', datetime: when }, fmtDateTime(when)),
    c.meta?.versionId && c.meta.versionId !== '1' && !withdrawn ? h('span', { class: 'muted' }, ` （${t('edited')}）`) : null);
  const body = withdrawn ? h('p', { class: 'muted' }, t('withdrawn')) : h('div', {}, h('p', { class: 'post-text' }, textOf(c)),
    h('ul', { class: 'plain attachments' }, (c.payload || []).filter((p) => p.contentAttachment?.url).map((p) => attachmentItem(p.contentAttachment))),
    // a structured record's summary links to its tab (the visit records: team_visits.js)
    ...(c.payload || []).filter((p) => /^QuestionnaireResponse\//.test(p.contentReference?.reference || '')).map((p) => h('button',
      { type: 'button', class: 'link', dataset: { act: 'record' }, onclick: () => document.getElementById('tab-visits')?.click() }, `${p.contentReference.display || ''} ›`)));
  const badges = h('div', { class: 'badges' },
    due && !withdrawn ? h('span', { class: `badge${!answered && new Date(due) < new Date() ? ' alert' : ''}`, dataset: { k: 'reply-by' } },
      t('reply-by', fmtDateTime(due)), !answered && new Date(due) < new Date() ? ` ・ ${t('is-overdue')}` : answered ? ` ・ ${t('answered')}` : '') : null);
  const actions = withdrawn ? null : h('div', { class: 'post-actions' },
    h('button', { type: 'button', class: 'button small secondary', dataset: { act: 'reply' }, onclick: () => startReply(c) }, t('reply')),
    mine ? h('button', { type: 'button', class: 'button small secondary', dataset: { act: 'edit' }, onclick: () => startEdit(c) }, t('edit')) : null,
    mine ? h('button', { type: 'button', class: 'button small secondary', dataset: { act: 'withdraw' }, onclick: () => withdraw(c) }, t('withdraw')) : null,
    mine ? h('button', { type: 'button', class: 'link receipts', dataset: { act: 'receipts' }, onclick: (e) => showReceipts(c, e.target) }, t('receipts', '…', '…')) : null);
  const li = h('li', { class: `post${withdrawn ? ' withdrawn' : ''}`, dataset: { id: c.id } }, head, body, badges, actions);
  if (replies.length) li.append(h('ol', { class: 'plain replies' }, replies.map((r) => postItem(r, []))));
  if (mine && !withdrawn) receiptsCount(c, li.querySelector('.receipts'));
  if (mine && !withdrawn && openReceipts.has(c.id)) showReceipts(c, li.querySelector('.receipts')).catch(() => {});
  return li;
}

/** An attachment as the timeline shows it: a photo's thumbnail, a PDF's link, a video player. */
function attachmentItem(a) {
  const safe = /^\/api\/collab\/attachments\/[0-9a-z]+$/.test(a.url || '') ? a.url : null;
  if (!safe) return null;
  if (a.contentType?.startsWith('image/'))
    return h('li', {}, h('a', { href: safe, target: '_blank', rel: 'noopener' },
      h('img', { src: `${safe}?thumb=1`, alt: a.title || '', class: 'thumb', loading: 'lazy' })));
  if (a.contentType?.startsWith('video/'))
    return h('li', {}, h('video', { src: safe, controls: true, preload: 'metadata', class: 'video' }));
  return h('li', {}, h('a', { href: safe, target: '_blank', rel: 'noopener' }, `${t('open-pdf')}: ${a.title || 'PDF'}`));
}

function renderTimeline() {
  const byParent = new Map();
  for (const c of posts) {
    const p = c.inResponseTo?.[0]?.reference?.replace(/^Communication\//, '');
    if (p && posts.some((x) => x.id === p)) {
      if (!byParent.has(p)) byParent.set(p, []);
      byParent.get(p).push(c);
    }
  }
  const top = posts.filter((c) => !byParent.has(c.inResponseTo?.[0]?.reference?.replace(/^Communication\//, '')) || !c.inResponseTo);
  const ol = document.getElementById('timeline');
  ol.replaceChildren(...top.map((c) => postItem(c, (byParent.get(c.id) || []).slice().reverse())));
  if (!top.length) ol.replaceChildren(h('li', { class: 'muted' }, t('no-posts')));
  if (olderCursor) {
    ol.append(h('li', { class: 'older' }, h('button', { type: 'button', class: 'button secondary', id: 'timeline-older',
      onclick: () => loadOlder().catch((e) => say(e.message, true)) }, t('older'))));
  }
}

async function receiptsCount(c, el) {
  try {
    const r = await getJSON(`/api/collab/receipts/${encodeURIComponent(c.id)}`);
    const others = r.readers.filter((x) => x.account !== me.id);
    el.textContent = t('receipts', others.filter((x) => x.readAt).length, others.length);
  } catch { el.textContent = ''; }
}

async function showReceipts(c, el) {
  openReceipts.add(c.id);
  const r = await getJSON(`/api/collab/receipts/${encodeURIComponent(c.id)}`);
  const list = h('ul', { class: 'plain receipt-list' }, r.readers.filter((x) => x.account !== me.id).map((x) =>
    h('li', {}, `${x.name}（${lang === 'en' ? x.role : x.roleJa}・${x.facilityName}）`, ' ',
      h('span', { class: x.readAt ? 'muted' : 'badge' }, x.readAt ? t('read-at', fmtDateTime(x.readAt)) : t('not-read')))));
  el.parentElement.querySelector('.receipt-list')?.remove();
  el.parentElement.append(list);
}

function startReply(c) {
  editing = null;
  replyTo = c;
  const el = document.getElementById('replying');
  el.textContent = t('replying', c.sender?.display || '');
  el.hidden = false;
  document.getElementById('post-cancel').hidden = false;
  document.getElementById('post-text').focus();
}

function startEdit(c) {
  replyTo = null;
  editing = c;
  const el = document.getElementById('replying');
  el.textContent = t('editing');
  el.hidden = false;
  document.getElementById('post-text').value = textOf(c);
  document.getElementById('post-cancel').hidden = false;
  document.getElementById('post-text').focus();
}

function resetCompose() {
  replyTo = editing = null;
  attachments = [];
  renderAttachments();
  document.getElementById('compose').reset();
  document.getElementById('replying').hidden = true;
  document.getElementById('post-cancel').hidden = true;
  document.getElementById('compose-message').hidden = true;
}

function renderAttachments() {
  document.getElementById('post-attachments').replaceChildren(...attachments.map((a, i) => h('li', { class: 'attached' },
    a.thumbnail ? h('img', { src: a.thumbnail, alt: a.title || '', class: 'thumb' }) : h('span', {}, a.title || a.contentType), ' ',
    h('button', { type: 'button', class: 'button small secondary', onclick: () => { attachments.splice(i, 1); renderAttachments(); } }, t('remove')))));
}

/** A photo as the device took it, turned upright and at most 1600 px, as JPEG (HEIC and the like when the browser reads them). */
async function photoAsJpeg(file) {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bmp.width * scale);
  canvas.height = Math.round(bmp.height * scale);
  canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
}

async function uploadFile(file) {
  let blob = file, type = file.type;
  if (type.startsWith('image/') || /\.(heic|heif)$/i.test(file.name)) {
    try {
      blob = await photoAsJpeg(file);
      type = 'image/jpeg';
    } catch {
      throw new Error(t('cannot-read-photo'));
    }
  }
  const r = await fetch(`/api/collab/attachments?patient=${encodeURIComponent(row.registrations[0])}&title=${encodeURIComponent(file.name.slice(0, 100))}`, {
    method: 'POST', credentials: 'same-origin', body: blob,
    headers: { 'Content-Type': type || 'application/octet-stream', 'X-CSRF-Token': currentSession()?.csrf || '' } });
  const json = await r.json().catch(() => null);
  if (!r.ok) throw new Error(json?.issue?.[0]?.diagnostics || t('err-server'));
  return json;
}

async function onFiles(e) {
  const msg = document.getElementById('compose-message');
  msg.hidden = true;
  for (const f of [...e.target.files]) {
    try {
      attachments.push(await uploadFile(f));
      renderAttachments();
    } catch (err) {
      msg.textContent = err.message;
      msg.hidden = false;
    }
  }
  e.target.value = '';
  document.body.dataset.uploads = String(Number(document.body.dataset.uploads || 0) + 1);
}

async function withdraw(c) {
  if (!window.confirm(t('withdraw-q'))) return;
  await sendJSON('PUT', `/fhir/Communication/${encodeURIComponent(c.id)}`, { ...c, status: 'entered-in-error' });
  await loadTimeline();
}

/** Mentions written as @職種 or @名前 become the post's recipients (by name). */
function mentions(text) {
  return [...new Set((text.match(/[@＠][^\s@＠、。]+/g) || []).map((m) => `@${m.slice(1)}`))].map((display) => ({ display }));
}

async function submit(e) {
  e.preventDefault();
  const msg = document.getElementById('compose-message');
  const text = document.getElementById('post-text').value.trim();
  const wantsReply = document.getElementById('post-reply').checked;
  const dueText = document.getElementById('post-due').value;
  msg.hidden = true;
  if (!text && !attachments.length) { msg.textContent = t('need-text'); msg.hidden = false; return; }
  if (wantsReply && !dueText) { msg.textContent = t('need-due'); msg.hidden = false; return; }
  const a = me;
  const files = attachments.map((a) => ({ contentAttachment: { contentType: a.contentType, url: a.url, size: a.size, hash: a.hash,
    ...(a.title && { title: a.title }) } }));
  const kept = editing ? (editing.payload || []).filter((p) => p.contentAttachment) : [];
  const body = editing ? { ...editing, payload: [{ contentString: text }, ...kept, ...files] } : {
    resourceType: 'Communication', status: 'completed', subject: { reference: row.registrations[0] },
    sent: new Date().toISOString(), category: [{ text: '連絡' }],
    sender: { reference: myRef(), display: `${a.name}（${a.role_ja}・${a.facility_name}）` },
    payload: [{ contentString: text }, ...files],
    ...(replyTo && { inResponseTo: [{ reference: `Communication/${replyTo.id}` }] }),
  };
  const rec = mentions(text);
  if (rec.length) body.recipient = rec; else delete body.recipient;
  const ext = (body.extension || []).filter((x) => x.url !== REPLY_BY);
  if (wantsReply) ext.push({ url: REPLY_BY, valueDateTime: new Date(dueText).toISOString() });
  if (ext.length) body.extension = ext; else delete body.extension;
  try {
    if (editing) await sendJSON('PUT', `/fhir/Communication/${encodeURIComponent(editing.id)}`, body);
    else await sendJSON('POST', '/fhir/Communication', body);
    resetCompose();
    await loadTimeline();
  } catch (err) {
    msg.textContent = err.message;
    msg.hidden = false;
  }
}

async function loadMembers() {
  const r = await getJSON(`/api/collab/members?patient=${encodeURIComponent(row.patient)}`);
  const ul = document.getElementById('members');
  const items = r.members.map((m) => h('li', { class: `member${m.current ? '' : ' former'}` },
    h('strong', {}, m.name ? `${m.name}（${m.roleJa}）` : m.facilityName), ' ',
    m.name ? h('span', { class: 'muted' }, m.facilityName) : null, ' ',
    m.lead ? h('span', { class: 'badge' }, t('lead')) : null, ' ',
    h('span', { class: 'muted' }, m.start ? t('since', fmtDate(m.start)) : '', ' ', m.end ? t('until', fmtDate(m.end)) : '')));
  ul.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, t('members-none'))]));
  renderContacts(r.contacts || []);
}

function renderContacts(list) {
  const ul = document.getElementById('contacts');
  ul.replaceChildren(...list.map((c) => h('li', { class: 'contact', dataset: { id: c.id } },
    h('strong', {}, c.name || c.kana || '?'), ' ', c.kana && c.name ? h('span', { class: 'muted' }, c.kana) : null, ' ',
    h('span', {}, c.relationship.filter((x) => x !== 'キーパーソン' && x !== '緊急連絡先').join('・')), ' ',
    c.phone ? h('a', { class: 'phone', href: `tel:${c.phone.replace(/[^0-9+]/g, '')}` }, c.phone) : null, ' ',
    c.keyPerson ? h('span', { class: 'badge', dataset: { k: 'key' } }, t('c-key')) : null, ' ',
    c.emergency ? h('span', { class: 'badge alert', dataset: { k: 'emergency' } }, t('c-emergency')) : null, ' ',
    c.mine ? h('button', { type: 'button', class: 'button small secondary', onclick: () => removeContact(c) }, t('c-remove')) : null)));
  if (!list.length) ul.replaceChildren(h('li', { class: 'muted' }, t('contacts-none')));
}

const REL = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

async function addContact(e) {
  e.preventDefault();
  const msg = document.getElementById('contact-message');
  msg.hidden = true;
  const sel = document.getElementById('contact-rel');
  const name = document.getElementById('contact-name').value.trim(), kana = document.getElementById('contact-kana').value.trim();
  const phone = document.getElementById('contact-phone').value.trim();
  if (phone && !/^[0-9０-９+\-() ]{6,20}$/.test(phone)) { msg.textContent = t('c-bad-phone'); msg.hidden = false; return; }
  const relationship = [{ coding: [{ system: REL, code: sel.value, display: sel.selectedOptions[0].textContent }], text: sel.selectedOptions[0].textContent }];
  if (document.getElementById('contact-key').checked)
    relationship.push({ coding: [{ system: 'urn:renkei:CodeSystem:contact-role', code: 'key-person', display: 'キーパーソン' }] });
  if (document.getElementById('contact-emergency').checked)
    relationship.push({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C', display: '緊急連絡先' }] });
  const body = { resourceType: 'RelatedPerson', active: true, patient: { reference: row.patient }, relationship,
    name: [{ text: name }, ...(kana ? [{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation', valueCode: 'SYL' }], text: kana }] : [])],
    ...(phone && { telecom: [{ system: 'phone', value: phone }] }) };
  try {
    await sendJSON('POST', '/fhir/RelatedPerson', body);
    e.target.reset();
    await loadMembers();
  } catch (err) {
    msg.textContent = err.message;
    msg.hidden = false;
  }
}

async function removeContact(c) {
  if (!window.confirm(t('c-remove-q'))) return;
  await sendJSON('DELETE', `/fhir/RelatedPerson/${encodeURIComponent(c.id)}`);
  await loadMembers();
}

function showTab(name) {
  for (const b of document.querySelectorAll('#team-tabs .tab')) {
    b.setAttribute('aria-selected', String(b.dataset.tab === name));
    b.classList.toggle('active', b.dataset.tab === name);
  }
  for (const b of document.querySelectorAll('#team-tabs .tab')) {
    const panel = document.getElementById(`panel-${b.dataset.tab}`);
    if (panel) panel.hidden = b.dataset.tab !== name;
  }
  const load = name === 'members' ? loadMembers : tabLoader(name);
  if (load) Promise.resolve().then(() => load(row)).catch((e) => say(e.message, true));
}

/** Live updates: the server names the person whose timeline changed; this page reloads what it shows of them. */
function listenLive(onChange) {
  if (!window.EventSource) return;
  let timer = null;
  const es = new EventSource('/api/collab/events');
  es.addEventListener('post', (e) => {
    let patient = '';
    try { patient = JSON.parse(e.data).patient; } catch { return; }
    clearTimeout(timer);
    timer = setTimeout(() => onChange(patient), 150); // a burst of posts reloads once
  });
}

async function start() {
  applyStatic();
  const s = await loadSession();
  if (!s) return toLogin();
  me = s.account;
  mountBar(document.getElementById('bar'));
  let list;
  try {
    list = await myPatients();
  } catch (e) {
    say(e.status === 403 ? t('not-open') : e.message, true);
    document.body.dataset.ready = 'true';
    return;
  }
  facilities = await loadFacilities().catch(() => new Map());
  const want = params.get('patient');
  if (!want) {
    say('');
    document.getElementById('my-patients').hidden = false;
    renderMine(list);
    let inbox = await loadInbox().catch(() => null);
    if (inbox) renderInbox(inbox);
    onLang(() => { renderMine(list); if (inbox) renderInbox(inbox); });
    listenLive(async () => {
      list = await myPatients();
      renderMine(list);
      inbox = await loadInbox().catch(() => inbox);
      if (inbox) renderInbox(inbox);
      document.body.dataset.live = String(Date.now());
    });
  } else {
    row = list.find((p) => p.registrations.includes(want));
    if (!row) {
      say(t('not-member'), true);
    } else {
      say('');
      document.getElementById('team-page').hidden = false;
      renderHeader();
      document.getElementById('compose').addEventListener('submit', submit);
      document.getElementById('post-cancel').addEventListener('click', resetCompose);
      document.getElementById('post-file').addEventListener('change', onFiles);
      document.getElementById('contact-form').addEventListener('submit', addContact);
      for (const b of document.querySelectorAll('#team-tabs .tab')) b.addEventListener('click', () => showTab(b.dataset.tab));
      await loadTimeline();
      onLang(() => { renderHeader(); renderTimeline(); });
      listenLive(async (patient) => {
        if (patient !== row.regionalId) return;
        await loadTimeline();
        document.body.dataset.live = String(Date.now());
      });
    }
  }
  document.body.dataset.ready = 'true';
}
start();
