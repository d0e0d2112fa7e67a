// summary.js — the emergency summary (救急用サマリー) on one screen: who the
// patient is, then the sections in a clinician's order as the server sends
// them (アレルギー・薬剤禁忌 first, anaphylaxis highlighted; 感染症・病名;
// 服薬中の薬; 検査; 手術・処置・透析; 医療機器; 事前指示; 要介護度; ケアチーム),
// each line with its source facility and date, and a button for the A4 PDF.
// Opened as summary.html?patient=Patient/<id>, or from a 救急医療情報シート's QR
// code as summary.html?sheet=<token> (resolved after login; a patient the
// user may not see yet leads to break-the-glass). Everything comes from one
// GET /fhir/Patient/{id}/$summary; the server leaves out what the user may
// not see, and this page never says more than it received.
import { h, t, addText, applyStatic, onLang, loadSession, toLogin, mountBar, getJSON, personName, ageOf, genderText,
  fmtDate, fmtDateTime, ApiError } from './common.js';

addText({
  loading: ['読み込み中…', 'Loading…'],
  'summary-title': ['救急用サマリー', 'Emergency summary'],
  'not-found': ['この患者さんのサマリーは表示できません。患者さんが存在しないか、閲覧する権限（同意）がありません。',
    'This patient\u2019s summary cannot be shown: the patient does not exist or you have no permission (consent) to see it.'],
  'no-id': ['患者が指定されていません。患者検索から開いてください。', 'No patient given: open one from the patient search.'],
  'sheet-unknown': ['このシートのQRコードは無効です。', 'This sheet\u2019s QR code is not valid.'],
  'sheet-btg': ['この患者さんの記録を見るには緊急時閲覧（ブレークグラス）が必要です。', 'To see this patient\u2019s record you need emergency access (break-the-glass).'],
  'btg-link': ['緊急時閲覧へ', 'Emergency access'],
  refused: ['本人の拒否により表示できません。この患者さんは情報の提供を拒否しています。',
    'Cannot be shown: the patient has refused sharing their information.'],
  print: ['印刷', 'Print'], pdf: ['PDF（A4）', 'PDF (A4)'], record: ['診療記録', 'Full record'],
  made: ['作成日時 {0}', 'Made {0}'], birth: ['生年月日', 'Born'], regional: ['地域共通ID', 'Regional ID'],
  'none': ['情報なし', 'None recorded'], 'date-unknown': ['日付不明', 'date unknown'],
  's-48765-2': ['アレルギー・薬剤禁忌', 'Allergies and contraindications'], 's-11450-4': ['感染症・病名', 'Infections and diagnoses'],
  's-10160-0': ['服薬中の薬', 'Current medicines'], 's-30954-2': ['最近の検査結果', 'Recent results'],
  's-47519-4': ['手術・処置・透析', 'Operations, procedures, dialysis'], 's-46264-8': ['医療機器', 'Medical devices'],
  's-42348-3': ['事前指示・ACP', 'Advance directives'], 's-47420-5': ['要介護度', 'Care level'], 's-85847-2': ['ケアチーム・連絡先', 'Care team and contacts'],
  'f-アナフィラキシー': ['アナフィラキシー', 'Anaphylaxis'], 'f-重篤': ['重篤', 'Severe'], 'f-感染症': ['感染症', 'Infection'],
  'f-透析': ['透析', 'Dialysis'], 'f-最終処方（期間外）': ['最終処方（期間外）', 'Last known (outside the window)'],
});

const LINE_EXT = 'urn:renkei:summary-line';
let bundle = null;
let patientId = '';

function say(key, text) {
  const el = document.getElementById('view-message');
  el.hidden = false;
  el.replaceChildren(text || t(key));
  return el;
}

function lineOf(ref) {
  const ext = (ref.extension || []).find((e) => e.url === LINE_EXT)?.extension || [];
  const v = (k) => { const x = ext.find((e) => e.url === k); return x ? (x.valueString || x.valueDate || '') : ''; };
  return { text: ref.display || ref.reference, detail: v('detail'), facility: v('facility') || v('facilityCode'), date: v('date'), flag: v('flag') };
}

function renderHead() {
  const comp = bundle.entry[0].resource;
  const pt = bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource;
  const refused = bundle.meta?.tag?.some((x) => x.code === 'refused');
  const actions = h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'button secondary', id: 'print', onclick: () => window.print() }, t('print')),
    h('a', { class: 'button', id: 'pdf', href: `/api/summary/${encodeURIComponent(patientId)}/pdf`, target: '_blank', rel: 'noopener' }, t('pdf')),
    refused ? null : h('a', { class: 'button secondary', id: 'record', href: `/patient.html?id=${encodeURIComponent(patientId)}` }, t('record')));
  const made = h('span', { class: 'made', id: 'made' }, t('made', fmtDateTime(comp.date)));
  const head = document.getElementById('summary-head');
  if (refused || !pt) {
    head.classList.add('refused');
    head.replaceChildren(h('h1', {}, t('summary-title')), made, h('p', { id: 'refused', class: 'notice' }, t('refused')));
    document.title = `${t('summary-title')} — renkei`;
    return;
  }
  const n = personName(pt);
  const age = ageOf(pt.birthDate);
  const regional = (pt.identifier || []).find((i) => i.system === 'urn:renkei:regional-patient-id')?.value;
  head.replaceChildren(
    h('h1', { id: 'patient-name' }, n.kanji), h('span', { class: 'kana' }, n.kana),
    h('span', { id: 'patient-facts' }, age !== null ? `${age}${t('age')} ` : '', genderText(pt.gender), ` ${t('birth')} ${fmtDate(pt.birthDate)}`),
    regional ? h('span', { class: 'muted' }, `${t('regional')} ${regional}`) : null, made, actions);
  document.title = `${n.kanji} ${t('summary-title')} — renkei`;
}

function renderSections() {
  const comp = bundle.entry[0].resource;
  const refused = bundle.meta?.tag?.some((x) => x.code === 'refused');
  const out = refused ? [] : (comp.section || []).map((s) => {
    const code = s.code?.coding?.[0]?.code || '';
    const lines = (s.entry || []).map(lineOf);
    const items = lines.length ? lines.map((l) => h('li', {
      class: `${l.flag === 'アナフィラキシー' || l.flag === '重篤' ? 'hot' : ''} ${l.flag.startsWith('最終処方') ? 'old' : ''}`.trim() || null },
    l.flag ? h('span', { class: 'flag' }, `【${t(`f-${l.flag}`)}】`) : null,
    h('span', { class: 'what' }, l.text),
    l.detail ? h('span', { class: 'detail' }, l.detail) : null,
    h('span', { class: 'src' }, `${l.facility} ${l.date ? fmtDate(l.date) : t('date-unknown')}`)))
      : [h('li', { class: 'empty' }, t('none'))];
    return h('section', { class: 'card summary-section', dataset: { loinc: code }, id: `s-${code}` },
      h('h2', {}, t(`s-${code}`) !== `s-${code}` ? t(`s-${code}`) : s.title), h('ul', {}, items));
  });
  document.getElementById('sections').replaceChildren(...out);
}

function renderAll() {
  if (!bundle) return;
  renderHead();
  renderSections();
}

async function start() {
  const t0 = performance.now();
  applyStatic();
  const s = await loadSession();
  if (!s) return toLogin();
  mountBar(document.getElementById('bar'));
  onLang(renderAll);
  const q = new URLSearchParams(location.search);
  let ref = q.get('patient') || '';
  const sheet = q.get('sheet');
  if (!ref && sheet) {
    try {
      const r = await getJSON(`/api/summary/sheet/${encodeURIComponent(sheet)}`);
      ref = r.patient;
      if (!r.readable) {
        const el = say('sheet-btg');
        el.append(' ', h('a', { href: `/emergency.html?patient=${encodeURIComponent(ref)}`, id: 'btg-link' }, t('btg-link')));
        return;
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return say('sheet-unknown');
      return say('', e.message);
    }
  }
  patientId = ref.replace(/^Patient\//, '');
  if (!patientId) return say('no-id');
  try {
    bundle = await getJSON(`/fhir/Patient/${encodeURIComponent(patientId)}/$summary`);
  } catch (e) {
    // a patient the user may not see answers exactly like one that does not exist
    if (e instanceof ApiError && e.status === 404) return say('not-found');
    return say('', e.message);
  }
  document.getElementById('view-message').hidden = true;
  document.getElementById('summary-head').hidden = false;
  renderAll();
  document.body.dataset.ready = 'true';
  document.body.dataset.loadMs = String(Math.round(performance.now() - t0));
}

start();
