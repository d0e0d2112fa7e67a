// team_plan.js — the ケアプラン tab of the team page: 第1表 as a form, 第2表 as
// a table, 第3表 as a week grid (月–日 × time of day, each service a block),
// edited and saved by the care manager (the plan is the writer's facility's
// record; the others read it), and the ケアプランデータ連携 CSV files imported
// and exported (one Shift_JIS file per table).
import { h, t, addText, applyStatic, getJSON, sendJSON, fmtDateTime, currentSession, onLang } from './common.js';
import { registerTab } from './team_tabs.js';

addText({
  'tab-plan': ['ケアプラン', 'Care plan'],
  'plan-none': ['この方のケアプランはまだありません。', 'There is no care plan for this person yet.'],
  'plan-new': ['ケアプランを作成', 'Create a care plan'],
  'plan-edit': ['編集', 'Edit'],
  'plan-save': ['保存する', 'Save'],
  'plan-cancel': ['やめる', 'Cancel'],
  'plan-saved': ['保存しました: {0}', 'Saved: {0}'],
  'plan-version': ['第{0}版・{1} 更新', 'Version {0}, updated {1}'],
  'plan-import': ['CSV を取り込む', 'Import CSV'],
  'plan-export': ['CSV 出力', 'Export CSV'],
  'plan-readonly': ['ケアプランの作成・変更はケアマネジャーが行います。', 'The care manager writes the care plan.'],
  't1-h': ['第1表 居宅サービス計画書（1）', 'Table 1: care plan (1)'],
  't2-h': ['第2表 居宅サービス計画書（2）', 'Table 2: care plan (2)'],
  't3-h': ['第3表 週間サービス計画表', 'Table 3: weekly service plan'],
  'add-row': ['行を追加', 'Add a row'],
  'del-row': ['削除', 'Remove'],
  'daily-h': ['主な日常生活上の活動', 'Main daily activities'],
  'other-h': ['週単位以外のサービス', 'Services not on a weekly basis'],
  'none': ['なし', 'none'],
  'plan-versions': ['版', 'Version'],
  'plan-print': ['印刷', 'Print'],
  'plan-old': ['過去の版を表示しています（第{0}版が最新）。', 'An earlier version is shown (version {0} is the latest).'],
});

/* 第1表's fields in the form's order: [key, 日本語, English, kind]. */
const T1 = [
  ['created', '作成年月日', 'Date written', 'date'],
  ['planKind', '初回・紹介・継続', 'First, referred or continued', ['', '1:初回', '2:紹介', '3:継続']],
  ['certStatus', '認定済・申請中', 'Certified or applied', ['', '1:認定済', '2:申請中']],
  ['author', '居宅サービス計画作成者氏名', 'Plan written by', 'text'],
  ['office', '居宅介護支援事業者・事業所名', 'Care management office', 'text'],
  ['officeCode', '事業所番号', 'Office number', 'text'],
  ['officeAddress1', '所在地', 'Address', 'text'],
  ['planDate', '居宅サービス計画作成（変更）日', 'Plan date (changed)', 'date'],
  ['firstDate', '初回居宅サービス計画作成日', 'First plan date', 'date'],
  ['certDate', '認定日', 'Certified on', 'date'],
  ['certFrom', '認定の有効期間（開始）', 'Certification valid from', 'date'],
  ['certTo', '認定の有効期間（終了）', 'Certification valid to', 'date'],
  ['careLevel', '要介護状態区分', 'Care level', ['', '1:要介護1', '2:要介護2', '3:要介護3', '4:要介護4', '5:要介護5']],
  ['assessment', '利用者及び家族の生活に対する意向を踏まえた課題分析の結果', 'Wishes of the person and family, and the analysis', 'area'],
  ['reviewOpinion', '介護認定審査会の意見及びサービスの種類の指定', 'Opinion of the certification board', 'area'],
  ['policy', '総合的な援助の方針', 'Overall policy of support', 'area'],
  ['livingReason', '生活援助中心型の算定理由', 'Reason for living support', ['', '1:一人暮らし', '2:家族等が障害、疾病等', '3:その他']],
];
/* 第2表's columns: [key, 日本語, English, width class]. */
const T2 = [
  ['need', '生活全般の解決すべき課題（ニーズ）', 'Need', 'w'], ['longGoal', '長期目標', 'Long-term goal', 'w'],
  ['longPeriod', '（期間）', '(period)', 'n'], ['shortGoal', '短期目標', 'Short-term goal', 'w'],
  ['shortPeriod', '（期間）', '(period)', 'n'], ['service', 'サービス内容', 'Service', 'w'],
  ['insured', '※1', '*1', 'xs'], ['serviceKind', 'サービス種別', 'Kind of service', 'n'],
  ['provider', '※2 事業所', '*2 Provider', 'n'], ['frequency', '頻度', 'Frequency', 'n'], ['duration', '期間', 'Period', 'n'],
];
const DAYS = ['月', '火', '水', '木', '金', '土', '日'];
const DAYS_EN = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const en = () => document.documentElement.lang === 'en';
const label = (ja, e) => (en() ? e : ja);

let state = null; // { row, data, editing, plan }

function panel() {
  return document.getElementById('panel-plan');
}

function say(text, error = false) {
  const p = document.getElementById('plan-message');
  if (!p) return;
  p.textContent = text;
  p.hidden = !text;
  p.className = error ? 'message error' : 'notice';
}

const ymd = (v) => (v && v.length === 8 ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : '');
const hm = (v) => (v && v.length === 4 ? `${v.slice(0, 2)}:${v.slice(2)}` : '');
const minutes = (v) => Number(v.slice(0, 2)) * 60 + Number(v.slice(2));

function emptyPlan() {
  const today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10).replaceAll('-', '');
  const s = currentSession();
  return { t1: { created: today, planDate: today, author: s?.account?.name || '', office: s?.account?.facility_name || '' }, t2: [], t3: [] };
}

/* ---- reading ---- */

function t1View(t1) {
  return h('dl', { class: 'plan-t1' }, T1.map(([k, ja, e, kind]) => {
    let v = t1[k] || '';
    if (kind === 'date') v = ymd(v);
    else if (Array.isArray(kind)) v = (kind.find((o) => o.startsWith(`${v}:`)) || '').split(':')[1] || v;
    return [h('dt', {}, label(ja, e)), h('dd', { class: kind === 'area' ? 'area' : '' }, v || '—')];
  }));
}

function t2View(rows) {
  if (!rows.length) return h('p', { class: 'muted' }, t('none'));
  return h('div', { class: 'scroll' }, h('table', { class: 'plan-t2' },
    h('thead', {}, h('tr', {}, T2.map(([, ja, e, w]) => h('th', { class: w }, label(ja, e))))),
    h('tbody', {}, rows.map((r, i) => {
      const first = i === 0 || rows[i - 1].needNo !== r.needNo || rows[i - 1].need !== r.need;
      return h('tr', { class: first ? 'need-start' : '' }, T2.map(([k, , , w]) => {
        const same = !first && ['need', 'longGoal', 'longPeriod'].includes(k) ||
          (i > 0 && !first && rows[i - 1].goalNo === r.goalNo && ['shortGoal', 'shortPeriod'].includes(k));
        return h('td', { class: w }, same ? '' : (k === 'insured' ? (r[k] === '1' ? '○' : '') : r[k]));
      }));
    }))));
}

function weekGrid(rows) {
  const services = rows.filter((r) => r.kind === '1' && r.days && r.start && r.end);
  const daily = rows.filter((r) => r.kind === '2');
  const other = rows.filter((r) => r.kind === '3');
  let from = 6 * 60, to = 20 * 60;
  for (const r of services) { from = Math.min(from, Math.floor(minutes(r.start) / 60) * 60); to = Math.max(to, Math.ceil(minutes(r.end) / 60) * 60); }
  const slot = 30, nrows = (to - from) / slot;
  const grid = h('div', { class: 'week-grid', role: 'table', 'aria-label': t('t3-h') });
  grid.style.gridTemplateRows = `auto repeat(${nrows}, 1.4rem)`;
  grid.append(h('div', { class: 'wg-corner' }));
  DAYS.forEach((d, i) => {
    const c = h('div', { class: 'wg-day', role: 'columnheader' }, label(d, DAYS_EN[i]));
    c.style.gridColumn = String(i + 2);
    grid.append(c);
  });
  for (let m = from; m < to; m += 60) {
    const c = h('div', { class: 'wg-hour' }, `${String(m / 60).padStart(2, '0')}:00`);
    c.style.gridRow = `${(m - from) / slot + 2} / span 2`;
    grid.append(c);
  }
  for (let d = 0; d < 7; d++) {
    const col = h('div', { class: 'wg-col' });
    col.style.gridColumn = String(d + 2);
    col.style.gridRow = `2 / span ${nrows}`;
    grid.append(col);
  }
  DAYS.forEach((d, i) => {
    // a day's services side by side where they overlap: each gets a lane
    const day = services.filter((r) => r.days.includes(d))
      .map((r) => ({ r, s: Math.max(minutes(r.start), from), e: Math.min(minutes(r.end), to) })).sort((a, b) => a.s - b.s);
    const ends = [];
    for (const x of day) {
      x.lane = ends.findIndex((end) => end <= x.s);
      if (x.lane < 0) x.lane = ends.push(0) - 1;
      ends[x.lane] = x.e;
    }
    for (const { r, s, e, lane } of day) {
      const b = h('div', { class: 'wg-block', role: 'cell', title: `${r.content} ${hm(r.start)}–${hm(r.end)} ${r.provider || ''}` },
        h('strong', {}, r.content), h('span', {}, `${hm(r.start)}–${hm(r.end)}`), r.provider ? h('span', { class: 'muted' }, r.provider) : null);
      b.style.gridColumn = String(i + 2);
      b.style.gridRow = `${Math.floor((s - from) / slot) + 2} / span ${Math.max(1, Math.ceil((e - s) / slot))}`;
      if (ends.length > 1) {
        b.style.width = `calc(${100 / ends.length}% - 4px)`;
        b.style.marginLeft = `calc(${(100 * lane) / ends.length}% + 2px)`;
        b.style.justifySelf = 'start';
      }
      grid.append(b);
    }
  });
  const list = (rs) => (rs.length ? h('ul', {}, rs.map((r) => h('li', {}, [r.start ? `${hm(r.start)}–${hm(r.end)} ` : '', r.content, r.provider ? `（${r.provider}）` : '']))) : h('p', { class: 'muted' }, t('none')));
  return [h('div', { class: 'scroll' }, grid), h('h3', {}, t('daily-h')), list(daily), h('h3', {}, t('other-h')), list(other)];
}

/* ---- editing ---- */

function input(obj, key, kind, labelText) {
  let el;
  if (Array.isArray(kind)) {
    el = h('select', {}, kind.map((o) => { const [v, txt] = o ? o.split(':') : ['', '—']; return h('option', { value: v }, txt); }));
    el.value = obj[key] || '';
  } else if (kind === 'area') {
    el = h('textarea', { rows: 3 });
    el.value = obj[key] || '';
  } else {
    el = h('input', { type: kind === 'date' ? 'date' : kind === 'time' ? 'time' : 'text' });
    el.value = kind === 'date' ? ymd(obj[key]) : kind === 'time' ? hm(obj[key]) : (obj[key] || '');
  }
  if (labelText) el.setAttribute('aria-label', labelText);
  el.addEventListener('change', () => {
    const v = el.value;
    obj[key] = kind === 'date' || kind === 'time' ? v.replaceAll(/[-:]/g, '') : v;
  });
  return el;
}

function t1Form(t1) {
  return h('div', { class: 'plan-form' }, T1.map(([k, ja, e, kind]) =>
    h('label', { class: kind === 'area' ? 'wide' : '' }, h('span', {}, label(ja, e)), input(t1, k, kind))));
}

function renumber(rows) {
  // 課題NO, 援助目標NO, 援助内容NO follow the rows' order
  let need = 0, goal = 0, svc = 0;
  rows.forEach((r, i) => {
    const p = rows[i - 1];
    if (!p || p.need !== r.need) { need++; goal = 0; }
    if (!p || p.need !== r.need || p.shortGoal !== r.shortGoal) { goal++; svc = 0; }
    svc++;
    Object.assign(r, { needNo: String(need), goalNo: String(goal), serviceNo: String(svc) });
  });
}

function t2Form(rows) {
  const body = h('tbody');
  const draw = () => body.replaceChildren(...rows.map((r, i) => h('tr', {},
    T2.map(([k, ja, e, w]) => h('td', { class: w }, k === 'insured' ? input(r, k, ['', '1:○'], label(ja, e)) : input(r, k, w === 'w' ? 'area' : 'text', label(ja, e)))),
    h('td', {}, h('button', { type: 'button', class: 'button secondary small', onclick: () => { rows.splice(i, 1); draw(); } }, t('del-row'))))));
  draw();
  return [h('div', { class: 'scroll' }, h('table', { class: 'plan-t2 editing' },
    h('thead', {}, h('tr', {}, T2.map(([, ja, e, w]) => h('th', { class: w }, label(ja, e))), h('th'))), body)),
  h('button', { type: 'button', class: 'button secondary', onclick: () => { const p = rows[rows.length - 1] || {}; rows.push({ need: p.need || '', longGoal: p.longGoal || '', longPeriod: p.longPeriod || '', shortGoal: p.shortGoal || '', shortPeriod: p.shortPeriod || '', service: '', insured: '1' }); draw(); } }, t('add-row'))];
}

function t3Form(rows) {
  const list = h('ul', { class: 'plain plan-t3-rows' });
  const draw = () => list.replaceChildren(...rows.map((r, i) => {
    const days = h('span', { class: 'days' }, DAYS.map((d, k) => {
      const cb = h('input', { type: 'checkbox', 'aria-label': label(d, DAYS_EN[k]) });
      cb.checked = (r.days || '').includes(d);
      cb.addEventListener('change', () => { r.days = DAYS.filter((x, j) => (j === k ? cb.checked : (r.days || '').includes(x))).join(''); });
      return h('label', { class: 'check' }, cb, label(d, DAYS_EN[k]));
    }));
    return h('li', { class: 'plan-t3-row' },
      input(r, 'kind', ['1:サービス', '2:主な日常生活上の活動', '3:週単位以外のサービス'], label('区分', 'Kind')), days,
      input(r, 'start', 'time', label('開始', 'From')), input(r, 'end', 'time', label('終了', 'To')),
      input(r, 'content', 'text', label('内容', 'What')), input(r, 'provider', 'text', label('事業所', 'Provider')),
      h('button', { type: 'button', class: 'button secondary small', onclick: () => { rows.splice(i, 1); draw(); } }, t('del-row')));
  }));
  draw();
  return [list, h('button', { type: 'button', class: 'button secondary', onclick: () => { rows.push({ kind: '1', days: '', start: '', end: '', content: '' }); draw(); } }, t('add-row'))];
}

/* ---- the panel ---- */

function csvLinks() {
  const base = `/api/collab/careplan/export?patient=${encodeURIComponent(state.row.patient)}&table=`;
  return h('span', { class: 'plan-export' }, `${t('plan-export')}: `,
    [1, 2, 3].map((n) => h('a', { class: 'button secondary small', href: `${base}${n}`, download: '' }, label(`第${n}表`, `Table ${n}`))));
}

async function importFiles(files) {
  const list = [];
  for (const f of files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    list.push({ name: f.name, data: btoa(bin) });
  }
  try {
    const r = await sendJSON('POST', `/api/collab/careplan/import?patient=${encodeURIComponent(state.row.patient)}`, { files: list });
    await load(state.row);
    say(t('plan-saved', r.summary));
  } catch (e) {
    say(e.message, true);
  }
}

function draw() {
  const p = panel();
  const { data, editing } = state;
  const head = h('div', { class: 'plan-head' });
  if (data.careplan) head.append(h('span', { class: 'muted' }, t('plan-version', data.version, fmtDateTime(data.lastUpdated))));
  if (data.versions?.length > 1 && !editing) {
    const sel = h('select', { id: 'plan-version', 'aria-label': t('plan-versions') },
      data.versions.map((v) => h('option', { value: String(v.version) }, `${t('plan-versions')} ${v.version}・${fmtDateTime(v.lastUpdated)}`)));
    sel.value = String(data.version);
    sel.addEventListener('change', () => load(state.row, Number(sel.value)).catch((e) => say(e.message, true)));
    head.append(h('label', { class: 'plan-version' }, sel));
  }
  if (!editing && data.mayEdit) {
    head.append(h('button', { type: 'button', class: 'button', id: 'plan-edit', onclick: () => { state.editing = true; state.plan = structuredClone(data.plan || emptyPlan()); draw(); } }, data.careplan ? t('plan-edit') : t('plan-new')));
    const file = h('input', { type: 'file', accept: '.csv,.CSV,text/csv', multiple: true, hidden: true, id: 'plan-file' });
    file.addEventListener('change', () => importFiles([...file.files]));
    head.append(h('label', { class: 'button secondary file' }, t('plan-import'), file));
  }
  if (!editing && data.careplan && data.version === data.latestVersion) head.append(csvLinks()); // the export is of the current version
  if (!editing && data.careplan) head.append(h('button', { type: 'button', class: 'button secondary', onclick: () => window.print() }, t('plan-print')));
  const parts = [head, h('p', { id: 'plan-message', role: 'status', hidden: true })];
  if (data.careplan && data.version !== data.latestVersion) parts.push(h('p', { class: 'notice' }, t('plan-old', data.latestVersion)));
  if (editing) {
    const plan = state.plan;
    parts.push(h('h2', {}, t('t1-h')), t1Form(plan.t1), h('h2', {}, t('t2-h')), ...t2Form(plan.t2), h('h2', {}, t('t3-h')), ...t3Form(plan.t3),
      h('div', { class: 'plan-actions' },
        h('button', { type: 'button', class: 'button', id: 'plan-save', onclick: save }, t('plan-save')),
        h('button', { type: 'button', class: 'button secondary', onclick: () => { state.editing = false; draw(); } }, t('plan-cancel'))));
  } else if (!data.careplan) {
    parts.push(h('p', { class: 'muted' }, t('plan-none')));
    if (!data.mayEdit) parts.push(h('p', { class: 'muted' }, t('plan-readonly')));
  } else {
    parts.push(h('h2', {}, t('t1-h')), t1View(data.plan.t1), h('h2', {}, t('t2-h')), t2View(data.plan.t2), h('h2', {}, t('t3-h')), ...weekGrid(data.plan.t3));
  }
  p.replaceChildren(...parts);
}

async function save() {
  const plan = state.plan;
  renumber(plan.t2);
  const clean = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'string'));
  try {
    const r = await sendJSON('POST', `/api/collab/careplan?patient=${encodeURIComponent(state.row.patient)}`,
      { plan: { t1: clean(plan.t1), t2: plan.t2.map(clean), t3: plan.t3.map(clean), quoting: plan.quoting || 'all' } });
    state.editing = false;
    await load(state.row);
    say(t('plan-saved', r.summary));
  } catch (e) {
    say(e.message, true);
  }
}

async function load(row, version = 0) {
  const data = await getJSON(`/api/collab/careplan?patient=${encodeURIComponent(row.patient)}${version ? `&version=${version}` : ''}`);
  state = { row, data, editing: false, plan: null };
  draw();
}

registerTab('plan', load);
const tabButton = document.getElementById('tab-plan');
if (tabButton) applyStatic(tabButton.parentElement); // the page applied its texts before this module added its own
onLang(() => { if (state && panel() && !panel().hidden) draw(); });
