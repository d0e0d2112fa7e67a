// patient.js — the patient view: a header that always shows who the patient
// is with allergies and drug contraindications (薬剤禁忌), what consent lets
// this user see and how more is obtained, an integrated timeline across
// facilities with filters, and per-category lists (病名, アレルギー, 処方・注射,
// 検査結果 with trend charts, 処置・予防接種, 画像, 文書). Everything comes from one
// $everything call; the server leaves out what the user may not see, and
// this page never says more than what it received.
import { h, t, addText, applyStatic, onLang, loadSession, currentSession, toLogin, mountBar, getJSON, searchAll,
  loadFacilities, personName, ageOf, genderText, fmtDate, fmtDateTime, ccText, ApiError, localIds, lang, numText, qtyText } from './common.js';
import { CATEGORIES, buildRecord, timeline, medicationText, medicationPeriod, obsValue, abnormalFlag, dayOf, dosageParts, dosageText,
  encounterNote } from './record.js';

addText({
  loading: ['読み込み中…', 'Loading…'],
  'not-found': ['この患者さんの記録は表示できません。患者さんが存在しないか、閲覧する権限（同意）がありません。',
    'This patient\u2019s record cannot be shown: the patient does not exist or you have no permission (consent) to see it.'],
  'no-id': ['患者が指定されていません。患者検索から開いてください。', 'No patient given: open one from the patient search.'],
  truncated: ['記録が多いため、一部のみ表示しています。', 'The record is long: only part of it is shown.'],
  birth: ['生年月日', 'Born'], regional: ['地域共通ID', 'Regional ID'], 'registered-at': ['登録施設', 'Registered at'],
  allergies: ['アレルギー', 'Allergies'], contraindications: ['薬剤禁忌', 'Drug contraindications'],
  'none-recorded': ['表示中の記録にはありません', 'none in the records shown'],
  // consent notice
  'consent-h': ['表示している記録と同意について', 'What you see, and consent'],
  'consent-shown': ['この画面には、次の施設の記録を表示しています：', 'This view shows the records of:'],
  'consent-own': ['（あなたの施設）', ' (your facility)'],
  'consent-hidden': ['患者さんの同意がない施設の記録は表示されません。そうした施設があるかどうかも、この画面には表示されません。あなたの職種で閲覧できない分類の記録も表示されません。',
    'Records of facilities without the patient\u2019s consent are not shown, nor whether such facilities exist. Categories your role may not see are not shown either.'],
  'consent-how-h': ['他の施設の記録を見るには', 'To see other facilities\u2019 records'],
  'consent-how-1': ['患者さんが記録を持つ施設で同意書（個別同意）に署名し、その施設の職員が同意を登録すると、その施設の記録が表示されるようになります。',
    'The patient signs a consent form (同意書, individual consent) at the facility that holds the records, and its staff record the consent; from then on that facility\u2019s records appear here.'],
  'consent-how-2': ['多職種連携では、包括同意とケアチームへの参加により共有されます。', 'In multi-professional collaboration, comprehensive consent and membership of the care team share them.'],
  'consent-how-3': ['緊急時閲覧（ブレークグラス）は、救急などで本人の同意が得られない場合に限ります。理由の記録と再認証が必要で、すべて監査されます。',
    'Emergency access (break-the-glass) is only for emergencies in which the patient cannot consent: it needs a stated reason and re-authentication, and everything is audited.'],
  // tabs and categories
  'tab-timeline': ['タイムライン', 'Timeline'], 'tab-conditions': ['病名', 'Diagnoses'], 'tab-allergies': ['アレルギー', 'Allergies'],
  'tab-medications': ['処方・注射', 'Prescriptions & injections'], 'tab-labs': ['検査結果', 'Lab results'],
  'tab-procedures': ['処置・予防接種', 'Procedures & immunizations'], 'tab-imaging': ['画像', 'Images'], 'tab-documents': ['文書', 'Documents'],
  'cat-encounter': ['受診', 'Visit'], 'cat-condition': ['病名', 'Diagnosis'], 'cat-allergy': ['アレルギー', 'Allergy'],
  'cat-procedure': ['処置・手術', 'Procedure'], 'cat-medication': ['処方・注射', 'Medication'], 'cat-immunization': ['予防接種', 'Immunization'],
  'cat-lab': ['検査結果', 'Lab'], 'cat-vital': ['バイタル', 'Vital signs'], 'cat-imaging': ['画像', 'Image'], 'cat-document': ['文書', 'Document'],
  'cat-order': ['オーダ', 'Order'], 'diet': ['食事', 'Diet'],
  // timeline
  'f-facility': ['施設', 'Facility'], 'f-category': ['分類', 'Category'], 'f-from': ['期間（から）', 'From'], 'f-to': ['期間（まで）', 'To'],
  all: ['すべて', 'All'], reset: ['条件を解除', 'Clear filters'], 'tl-count': ['{0}件', '{0} items'],
  'lab-group': ['検体検査 {0}項目', 'Lab tests: {0}'], abnormal: ['異常値 {0}', '{0} abnormal'],
  administered: ['投与', 'Given'], dispensed: ['調剤', 'Dispensed'], report: ['検査レポート', 'Report'],
  'no-records': ['表示できる記録はありません。', 'No records to show.'],
  reason: ['受診理由', 'Reason'], note: ['記録', 'Note'], 'in-visit': ['この受診の記録', 'Recorded at this visit'],
  // columns
  'c-date': ['日付', 'Date'], 'c-facility': ['施設', 'Facility'], 'c-name': ['病名', 'Diagnosis'], 'c-status': ['状態', 'Status'],
  'c-onset': ['発症日', 'Onset'], 'c-end': ['転帰日', 'Ended'], 'c-substance': ['原因物質', 'Substance'], 'c-kind': ['分類', 'Kind'],
  'c-reaction': ['症状', 'Reaction'], 'c-criticality': ['重症度', 'Criticality'], 'c-recorded': ['記録日', 'Recorded'],
  'c-drug': ['薬剤', 'Medicine'], 'c-dosage': ['用法・用量', 'Dosage'], 'c-period': ['期間', 'Period'], 'c-type': ['区分', 'Type'],
  'c-prescriber': ['処方施設', 'Prescribed at'], 'c-authored': ['処方日', 'Prescribed'], 'c-quantity': ['数量', 'Quantity'],
  'c-analyte': ['検査項目', 'Test'], 'c-unit': ['単位', 'Unit'], 'c-range': ['基準値', 'Reference'], 'c-value': ['結果', 'Result'],
  'c-modality': ['モダリティ', 'Modality'], 'c-description': ['内容', 'Description'], 'c-series': ['シリーズ/画像', 'Series/images'],
  'c-title': ['表題', 'Title'], 'c-procedure': ['処置・手術', 'Procedure'], 'c-vaccine': ['ワクチン', 'Vaccine'],
  current: ['現在の処方', 'Current medicines'], past: ['過去の処方・注射', 'Earlier prescriptions and injections'],
  dispenses: ['調剤', 'Dispensing'], administrations: ['投与実績', 'Administrations'], vitals: ['バイタル', 'Vital signs'],
  procedures: ['処置・手術', 'Procedures'], immunizations: ['予防接種', 'Immunizations'],
  'no-current': ['現在の処方はありません。', 'No current medicines.'],
  'lab-hint': ['検査項目名を押すと推移グラフを表示します。H: 高値、L: 低値。', 'Press a test\u2019s name for its trend chart. H: high, L: low.'],
  trend: ['推移', 'Trend'], close: ['閉じる', 'Close'], 'ref-low': ['基準値下限', 'Reference low'], 'ref-high': ['基準値上限', 'Reference high'],
  open: ['開く', 'Open'], 'open-tab': ['新しいタブで開く', 'Open in a new tab'], 'doc-error': ['文書を開けませんでした：', 'The document could not be opened: '],
  'doc-none': ['この文書には本文がありません。', 'This document has no content.'],
  'imaging-note': ['画像の表示（DICOMweb）は準備中です。', 'Viewing images (DICOMweb) is coming.'],
  'st-active': ['治療中', 'active'], 'st-resolved': ['治癒', 'resolved'], 'st-remission': ['寛解', 'in remission'],
  'st-inactive': ['非活動', 'inactive'], 'st-recurrence': ['再発', 'recurrence'], 'st-relapse': ['再燃', 'relapse'],
  'ac-medication': ['薬剤', 'medicine'], 'ac-food': ['食物', 'food'], 'ac-environment': ['環境', 'environment'], 'ac-biologic': ['生物', 'biologic'],
  'cr-high': ['高', 'high'], 'cr-low': ['低', 'low'], 'cr-unable-to-assess': ['評価不能', 'unassessable'],
});

const TABS = ['timeline', 'conditions', 'allergies', 'medications', 'labs', 'procedures', 'imaging', 'documents'];
const ENCOUNTER_CLASS = { AMB: ['外来', 'Outpatient'], IMP: ['入院', 'Inpatient'], EMER: ['救急', 'Emergency'], HH: ['在宅', 'Home'], VR: ['オンライン', 'Virtual'] };

let model = null;
let tab = 'timeline';
const filter = { facility: '', cat: '', from: '', to: '' };
let openTrend = null;   // analyte key whose chart is open
let closeChart = null;  // removes the chart
let openDoc = null;     // record whose document is open
const blobUrls = [];

const facilityName = (f) => f?.name || '?';
const facilityCell = (f) => h('td', { class: 'facility', dataset: { facility: f?.code || '' } }, facilityName(f));
const L = (pair) => pair[document.documentElement.lang === 'en' ? 1 : 0];

function today() {
  return dayOf(new Date().toISOString());
}

function table(headers, rows, cls = '') {
  return h('div', { class: 'scroll' }, h('table', { class: cls },
    h('thead', {}, h('tr', {}, headers.map((k) => h('th', {}, t(k))))),
    h('tbody', {}, rows)));
}

function empty(key = 'no-records') {
  return h('p', { class: 'muted empty' }, t(key));
}

// ---- header and consent notice ----------------------------------------------

function renderHeader() {
  const own = currentSession().account.facility;
  const main = model.patients.find((p) => model.facilityOfPatient.get(p.id)?.code === own) || model.patients[0];
  const n = personName(main);
  const age = ageOf(main.birthDate);
  const regional = (main.identifier || []).find((i) => i.system === 'urn:renkei:regional-patient-id')?.value;
  const chips = (list, cls) => (list.length ? list.map((x) => {
    const r = x.res;
    const reaction = (r.reaction || []).flatMap((re) => (re.manifestation || []).map(ccText)).filter(Boolean).join('・');
    return h('li', { class: `chip ${cls}` }, ccText(r.code), reaction ? `（${reaction}）` : '', h('span', { class: 'src' }, facilityName(x.facility)));
  }) : [h('li', { class: 'muted' }, t('none-recorded'))]);
  const regs = model.patients.map((p) => {
    const local = localIds(p)[0]?.value;
    return h('li', {}, facilityName(model.facilityOfPatient.get(p.id)), local ? ` ${local}` : '');
  });
  document.getElementById('patient-header').replaceChildren(
    h('div', { class: 'who' },
      h('h1', { id: 'patient-name' }, n.kanji),
      h('span', { class: 'kana', id: 'patient-kana' }, n.kana),
      h('span', { class: 'facts', id: 'patient-facts' }, age !== null ? `${age}${t('age')}` : '', ' ', genderText(main.gender), ' ',
        `${t('birth')} ${fmtDate(main.birthDate)}`),
      regional ? h('span', { class: 'muted' }, `${t('regional')} ${regional}`) : null),
    h('div', { class: 'alerts' },
      h('div', { class: 'alert-row contra' }, h('strong', {}, t('contraindications')), h('ul', { class: 'chips', id: 'header-contraindications' }, chips(model.contraindications, 'danger'))),
      h('div', { class: 'alert-row' }, h('strong', {}, t('allergies')), h('ul', { class: 'chips', id: 'header-allergies' }, chips(model.otherAllergies, 'warn')))),
    h('details', { class: 'regs' }, h('summary', {}, t('registered-at')), h('ul', { class: 'plain', id: 'registrations' }, regs)));
  document.title = `${n.kanji} — renkei`;
}

function renderConsent() {
  const own = currentSession().account.facility;
  document.getElementById('consent-notice').replaceChildren(
    h('h2', {}, t('consent-h')),
    h('p', {}, t('consent-shown'), ' ', h('span', { id: 'shown-facilities' },
      model.facilities.map((f, i) => [i ? '、' : '', h('strong', {}, f.name), f.code === own ? t('consent-own') : '']))),
    h('p', { id: 'consent-hidden' }, t('consent-hidden')),
    h('details', { id: 'consent-how' }, h('summary', {}, t('consent-how-h')),
      h('ul', {}, h('li', {}, t('consent-how-1')), h('li', {}, t('consent-how-2')), h('li', {}, t('consent-how-3')))));
}

// ---- tabs -------------------------------------------------------------------

function renderTabs() {
  const nav = document.getElementById('tabs');
  const counts = { timeline: null, conditions: model.conditions.length, allergies: model.allergies.length,
    medications: model.medications.current.length + model.medications.past.length + model.medications.dispenses.length + model.medications.administrations.length,
    labs: model.labs.analytes.length, procedures: model.procedures.length + model.immunizations.length,
    imaging: model.imaging.length, documents: model.documents.length };
  nav.replaceChildren(...TABS.map((k) => h('button', { type: 'button', role: 'tab', id: `tab-${k}`, 'aria-selected': String(k === tab),
    class: k === tab ? 'tab active' : 'tab', onclick: () => select(k) }, t(`tab-${k}`), counts[k] !== null ? h('span', { class: 'count' }, String(counts[k])) : null)));
}

function select(k) {
  tab = k;
  history.replaceState(null, '', `${location.pathname}${location.search}#${k}`);
  renderTabs();
  renderPanel();
}

function renderPanel() {
  if (closeChart) { closeChart(); closeChart = null; }
  const panel = document.getElementById('panel');
  panel.dataset.tab = tab;
  const render = { timeline: renderTimeline, conditions: renderConditions, allergies: renderAllergies, medications: renderMedications,
    labs: renderLabs, procedures: renderProcedures, imaging: renderImaging, documents: renderDocuments }[tab];
  panel.replaceChildren(...render());
  if (tab === 'labs' && openTrend) showTrend(openTrend);
  if (tab === 'documents' && openDoc) showDocument(openDoc);
}

// ---- timeline ---------------------------------------------------------------

function itemText(e) {
  const r = e.res;
  switch (e.kind) {
    case 'lab-group': {
      const names = e.items.slice(0, 5).map((o) => {
        const v = obsValue(o), f = abnormalFlag(o);
        return `${ccText(o.code)} ${valueWithUnit(v)}${f ? ` ${f}` : ''}`;
      });
      return [t('lab-group', e.items.length), names.join('、') + (e.items.length > 5 ? ' …' : ''), e.abnormal ? t('abnormal', e.abnormal) : ''];
    }
    case 'Encounter': {
      const c = ENCOUNTER_CLASS[r.class?.code];
      const title = [c ? L(c) : r.class?.display || r.class?.code, ccText(r.type?.[0])].filter(Boolean).join(' ');
      const end = r.period?.end && dayOf(r.period.end) !== dayOf(r.period.start) ? `〜${fmtDate(dayOf(r.period.end))}` : '';
      const { reason, note } = encounterNote(r);
      return [title, [end, reason ? `${t('reason')}: ${reason}` : '', note ? `${t('note')}: ${note}` : ''].filter(Boolean).join(' ')];
    }
    case 'Condition': return [ccText(r.code), statusText(r.clinicalStatus)];
    case 'AllergyIntolerance': return [ccText(r.code), (r.category || []).map((c) => t(`ac-${c}`)).join('・')];
    case 'Procedure': return [ccText(r.code), ''];
    case 'MedicationRequest': return [medicationText(r), [rxCategory(r), dosageText(r, lang)].filter(Boolean).join(' ')];
    case 'MedicationAdministration': return [`${t('administered')}: ${medicationText(r)}`, [r.dosage?.text, qtyText(r.dosage?.dose)].filter(Boolean).join(' ')];
    case 'MedicationDispense': return [`${t('dispensed')}: ${medicationText(r)}`, [qtyText(r.quantity), r.daysSupply ? daysText(r.daysSupply) : ''].filter(Boolean).join(' ')];
    case 'Immunization': return [ccText(r.vaccineCode), ''];
    case 'Observation': return [ccText(r.code), valueWithUnit(obsValue(r))];
    case 'DiagnosticReport': return [`${t('report')}: ${ccText(r.code)}`, r.conclusion || ''];
    case 'ImagingStudy': return [imagingTitle(r), r.description || ''];
    case 'DocumentReference': return [ccText(r.type) || r.description || '', r.description || ''];
    case 'Composition': return [r.title || ccText(r.type), ''];
    case 'ServiceRequest': return [ccText(r.code), ccText(r.category?.[0])];
    case 'NutritionOrder': return [`${t('diet')}: ${(r.oralDiet?.type || []).map(ccText).filter(Boolean).join('・')}`, ''];
    default: return [e.kind, ''];
  }
}

/** An observation's value and unit, apart ("8.3 10^3/μL", "136/75 mmHg"). */
function valueWithUnit(v) {
  return v.unit && v.text ? `${v.text} ${v.unit}` : v.text;
}

function daysText(q) {
  const v = numText(q);
  return lang === 'en' ? `${v} days` : `${v}日分`;
}

/** The category a pharmacist names (内服, 院外処方 …): the codings' displays, without repeats. */
function rxCategory(r) {
  return [...new Set((r.category || []).map(ccText).filter(Boolean))].join('・');
}

/** A prescription's dosage as cells' content: 用法, dose, then days and total. */
function dosageCell(r) {
  const p = dosageParts(r, lang);
  const lines = p.instructions.map((d) => h('span', { class: 'dose-line' }, [d.usage, d.dose ? h('strong', { class: 'dose' }, d.dose) : null,
    d.daily ? h('span', { class: 'daily' }, d.daily) : null].filter(Boolean).flatMap((x, i) => (i ? [' ', x] : [x]))));
  return [lines, p.days ? [' ', h('strong', { class: 'days' }, p.days)] : null, p.total ? [' ', h('span', { class: 'muted total' }, p.total)] : null];
}

function imagingTitle(r) {
  const mods = [...new Set([...(r.modality || []), ...(r.series || []).map((s) => s.modality)].filter(Boolean).map((m) => m.code))];
  const desc = r.description || (r.series || []).map((s) => s.description).filter(Boolean).join('・');
  return [mods.join('/'), desc].filter(Boolean).join(' ');
}

function statusText(cc) {
  const c = cc?.coding?.[0]?.code;
  return c ? t(`st-${c}`) : '';
}

function renderTimeline() {
  const all = timeline(model);
  const shown = all.filter((e) => (!filter.facility || e.facility?.code === filter.facility) && (!filter.cat || e.cat === filter.cat)
    && (!filter.from || e.day >= filter.from) && (!filter.to || e.day <= filter.to));
  const sel = (id, key, options) => h('label', {}, h('span', {}, t(key)),
    h('select', { id, onchange: (ev) => { filter[id.slice(3)] = ev.target.value; renderPanel(); } },
      h('option', { value: '' }, t('all')),
      options.map(([v, text]) => h('option', { value: v, selected: filter[id.slice(3)] === v }, text))));
  const date = (id, key) => h('label', {}, h('span', {}, t(key)),
    h('input', { type: 'date', id, value: filter[id.slice(3)], onchange: (ev) => { filter[id.slice(3)] = ev.target.value; renderPanel(); } }));
  const filters = h('form', { class: 'filters', id: 'timeline-filters', onsubmit: (ev) => ev.preventDefault() },
    sel('tl-facility', 'f-facility', model.facilities.map((f) => [f.code, f.name])),
    sel('tl-cat', 'f-category', CATEGORIES.filter((c) => all.some((e) => e.cat === c)).map((c) => [c, t(`cat-${c}`)])),
    date('tl-from', 'f-from'), date('tl-to', 'f-to'),
    h('button', { type: 'button', class: 'button secondary', id: 'tl-reset', onclick: () => { Object.assign(filter, { facility: '', cat: '', from: '', to: '' }); renderPanel(); } }, t('reset')));
  let prevDay = null;
  const items = shown.map((e) => {
    const [title, detail, extra] = itemText(e);
    const go = e.kind === 'lab-group' ? () => select('labs')
      : e.cat === 'document' ? () => { openDoc = model.records.find((x) => x.res === e.res); select('documents'); }
      : e.cat === 'imaging' ? () => select('imaging') : null;
    const first = e.day !== prevDay;
    prevDay = e.day;
    const time = e.date && e.date.includes('T') ? fmtDateTime(e.date).slice(-5) : '';
    const cls = ['tl-item', `cat-${e.cat}`, first ? 'day-start' : '', e.inVisit ? 'in-visit' : '', e.kind === 'Encounter' ? 'visit' : ''];
    return h('li', { class: cls.filter(Boolean).join(' '), dataset: { cat: e.cat, facility: e.facility?.code || '', day: e.day,
      ...(e.encounter && { encounter: e.encounter }) } },
      h('time', { datetime: e.day, class: first ? '' : 'same-day', 'aria-label': fmtDate(e.day) }, first ? fmtDate(e.day) : ''),
      h('span', { class: 'tl-time' }, time),
      h('span', { class: `chip cat cat-${e.cat}` }, t(`cat-${e.cat}`)),
      h('div', { class: 'tl-body', title: e.inVisit ? t('in-visit') : null },
        go ? h('button', { type: 'button', class: 'link tl-title', onclick: go }, title) : h('span', { class: 'tl-title' }, title),
        detail ? h('span', { class: 'tl-detail' }, detail) : null,
        extra ? h('span', { class: 'flag-abn' }, extra) : null),
      h('span', { class: 'src facility', dataset: { facility: e.facility?.code || '' } }, facilityName(e.facility)));
  });
  return [filters, h('p', { class: 'muted', id: 'tl-count' }, t('tl-count', shown.length)),
    items.length ? h('ol', { class: 'timeline compact', id: 'timeline' }, items) : empty()];
}

// ---- category lists ---------------------------------------------------------

function renderConditions() {
  if (!model.conditions.length) return [empty()];
  return [table(['c-name', 'c-status', 'c-onset', 'c-end', 'c-facility'], model.conditions.map((x) => {
    const r = x.res;
    return h('tr', { class: statusText(r.clinicalStatus) === t('st-active') ? 'active' : 'inactive' },
      h('td', {}, ccText(r.code)), h('td', {}, statusText(r.clinicalStatus)),
      h('td', {}, fmtDate(dayOf(r.onsetDateTime || r.onsetPeriod?.start || r.recordedDate || ''))),
      h('td', {}, fmtDate(dayOf(r.abatementDateTime || r.abatementPeriod?.end || ''))), facilityCell(x.facility));
  }), 'list')];
}

function renderAllergies() {
  if (!model.allergies.length) return [empty()];
  return [table(['c-kind', 'c-substance', 'c-reaction', 'c-criticality', 'c-status', 'c-recorded', 'c-facility'], model.allergies.map((x) => {
    const r = x.res;
    const contra = model.contraindications.includes(x);
    return h('tr', { class: contra ? 'danger-row' : '' },
      h('td', {}, contra ? h('strong', {}, t('contraindications')) : (r.category || []).map((c) => t(`ac-${c}`)).join('・')),
      h('td', {}, ccText(r.code)),
      h('td', {}, (r.reaction || []).flatMap((re) => (re.manifestation || []).map(ccText)).join('・')),
      h('td', {}, r.criticality ? t(`cr-${r.criticality}`) : ''), h('td', {}, statusText(r.clinicalStatus)),
      h('td', {}, fmtDate(dayOf(r.recordedDate || r.onsetDateTime || ''))), facilityCell(x.facility));
  }), 'list')];
}

function periodText(r) {
  const p = medicationPeriod(r);
  return p.start || p.end ? `${fmtDate(p.start)}〜${fmtDate(p.end)}` : '';
}

function renderMedications() {
  const m = model.medications;
  const rxRows = (list) => list.map((x) => h('tr', { class: 'rx', dataset: { status: x.res.status } },
    h('td', {}, h('strong', {}, medicationText(x.res))), h('td', { class: 'dosage' }, dosageCell(x.res)),
    h('td', {}, periodText(x.res)), h('td', {}, rxCategory(x.res)), facilityCell(x.facility),
    h('td', {}, fmtDate(dayOf(x.res.authoredOn || '')))));
  const cols = ['c-drug', 'c-dosage', 'c-period', 'c-type', 'c-prescriber', 'c-authored'];
  const out = [h('h2', {}, t('current')), m.current.length ? table(cols, rxRows(m.current), 'list current-meds') : empty('no-current')];
  if (m.past.length) out.push(h('h2', {}, t('past')), table(cols, rxRows(m.past), 'list past-meds'));
  if (m.dispenses.length) {
    out.push(h('h2', {}, t('dispenses')), table(['c-date', 'c-drug', 'c-quantity', 'c-facility'], m.dispenses.map((x) => h('tr', {},
      h('td', {}, fmtDate(x.day)), h('td', {}, medicationText(x.res)),
      h('td', {}, qtyText(x.res.quantity)), facilityCell(x.facility))), 'list'));
  }
  if (m.administrations.length) {
    out.push(h('h2', {}, t('administrations')), table(['c-date', 'c-drug', 'c-facility'], m.administrations.map((x) => h('tr', {},
      h('td', {}, fmtDateTime(x.date)), h('td', {}, medicationText(x.res)), facilityCell(x.facility))), 'list'));
  }
  if (!m.current.length && !m.past.length && !m.dispenses.length && !m.administrations.length) return [empty()];
  return out;
}

function renderLabs() {
  const { columns, analytes } = model.labs;
  const out = [];
  if (!analytes.length && !model.vitals.length) return [empty()];
  if (analytes.length) {
    out.push(h('p', { class: 'muted' }, t('lab-hint')));
    const head = h('tr', {}, h('th', { class: 'sticky-col' }, t('c-analyte')), h('th', {}, t('c-unit')), h('th', {}, t('c-range')),
      columns.map((c) => h('th', { class: 'col-date', dataset: { facility: c.facility?.code || '' } }, fmtDate(c.day), h('br'), h('span', { class: 'src' }, facilityName(c.facility)))));
    const rows = analytes.map((a) => h('tr', { dataset: { analyte: a.key } },
      h('th', { class: 'sticky-col' }, h('button', { type: 'button', class: 'link analyte', onclick: () => showTrend(a.key) }, a.name)),
      h('td', { class: 'muted' }, a.unit), h('td', { class: 'muted' }, a.range),
      columns.map((c) => {
        const p = a.points.filter((q) => q.col === c.key).pop();
        if (!p) return h('td', {});
        return h('td', { class: p.flag ? `abn abn-${p.flag}` : '' }, p.value, p.flag ? h('span', { class: 'flag' }, p.flag === 'H' ? '↑H' : p.flag === 'L' ? '↓L' : '*') : '');
      })));
    out.push(h('div', { class: 'scroll' }, h('table', { class: 'labs', id: 'lab-table' }, h('thead', {}, head), h('tbody', {}, rows))));
    out.push(h('section', { id: 'trend', class: 'trend', hidden: true }));
  }
  if (model.vitals.length) {
    out.push(h('h2', {}, t('vitals')), table(['c-date', 'c-analyte', 'c-value', 'c-facility'], model.vitals.map((x) => {
      const v = obsValue(x.res);
      return h('tr', { class: 'vital' }, h('td', {}, fmtDateTime(x.date)), h('td', {}, ccText(x.res.code)), h('td', {}, valueWithUnit(v)), facilityCell(x.facility));
    }), 'list'));
  }
  return out;
}

async function showTrend(key) {
  const a = model.labs.analytes.find((x) => x.key === key);
  const box = document.getElementById('trend');
  if (!a || !box) return;
  openTrend = key;
  if (closeChart) { closeChart(); closeChart = null; }
  const chart = h('div', { class: 'trend-chart', id: 'trend-chart' });
  box.replaceChildren(
    h('div', { class: 'trend-head' }, h('h2', {}, `${t('trend')}: ${a.name}`, a.unit ? ` (${a.unit})` : ''),
      h('button', { type: 'button', class: 'button secondary', onclick: () => { openTrend = null; if (closeChart) closeChart(); closeChart = null; box.hidden = true; } }, t('close'))),
    chart,
    table(['c-date', 'c-value', 'c-range', 'c-facility'], [...a.points].reverse().map((p) => h('tr', {},
      h('td', {}, fmtDateTime(p.date)), h('td', { class: p.flag ? `abn abn-${p.flag}` : '' }, valueWithUnit({ text: p.value, unit: p.unit }), p.flag ? ` ${p.flag}` : ''),
      h('td', { class: 'muted' }, p.range), facilityCell(p.facility))), 'list trend-values'));
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
  // The charting library loads on first use, so the view itself stays light.
  const { drawTrend } = await import('./trend.js');
  if (openTrend !== key || !chart.isConnected) return;
  closeChart = drawTrend(chart, a, { low: t('ref-low'), high: t('ref-high') });
  chart.dataset.ready = 'true';
}

function renderProcedures() {
  const out = [];
  if (model.procedures.length) {
    out.push(h('h2', {}, t('procedures')), table(['c-date', 'c-procedure', 'c-facility'], model.procedures.map((x) => h('tr', {},
      h('td', {}, fmtDate(x.day)), h('td', {}, ccText(x.res.code)), facilityCell(x.facility))), 'list'));
  }
  if (model.immunizations.length) {
    out.push(h('h2', {}, t('immunizations')), table(['c-date', 'c-vaccine', 'c-facility'], model.immunizations.map((x) => h('tr', {},
      h('td', {}, fmtDate(x.day)), h('td', {}, ccText(x.res.vaccineCode)), facilityCell(x.facility))), 'list'));
  }
  return out.length ? out : [empty()];
}

function renderImaging() {
  if (!model.imaging.length) return [empty()];
  return [table(['c-date', 'c-modality', 'c-description', 'c-series', 'c-facility'], model.imaging.map((x) => {
    const r = x.res;
    const mods = [...new Set([...(r.modality || []), ...(r.series || []).map((s) => s.modality)].filter(Boolean).map((m) => m.code))];
    const desc = [r.description, ...(r.series || []).map((s) => [s.bodySite?.display, s.description].filter(Boolean).join(' '))].filter(Boolean).join(' / ');
    return h('tr', { class: 'study' }, h('td', {}, fmtDateTime(x.date)), h('td', {}, mods.join('/')), h('td', {}, desc),
      h('td', {}, `${r.numberOfSeries ?? (r.series || []).length} / ${r.numberOfInstances ?? ''}`), facilityCell(x.facility));
  }), 'list imaging'), h('p', { class: 'muted' }, t('imaging-note'))];
}

// ---- documents --------------------------------------------------------------

function renderDocuments() {
  if (!model.documents.length) return [empty()];
  return [table(['c-date', 'c-kind', 'c-title', 'c-facility', 'open'], model.documents.map((x) => {
    const r = x.res;
    const title = r.resourceType === 'Composition' ? r.title : r.content?.[0]?.attachment?.title || r.description || '';
    return h('tr', { class: 'doc', dataset: { id: `${r.resourceType}/${r.id}` } }, h('td', {}, fmtDate(x.day)), h('td', {}, ccText(r.type)),
      h('td', {}, title, r.resourceType === 'DocumentReference' && r.description && r.description !== title ? h('div', { class: 'muted' }, r.description) : null),
      facilityCell(x.facility),
      h('td', {}, h('button', { type: 'button', class: 'button small open-doc', onclick: () => showDocument(x) }, t('open'))));
  }), 'list documents'), h('section', { id: 'doc-viewer', class: 'doc-viewer', hidden: true })];
}

function b64bytes(data) {
  const s = atob(data);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The bytes and type of a DocumentReference's first attachment: inline data, or the Binary it names. */
async function attachmentOf(r) {
  const a = r.content?.[0]?.attachment;
  if (!a) return null;
  if (a.data) return { type: a.contentType || 'application/octet-stream', bytes: b64bytes(a.data) };
  const m = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(a.url || '');
  if (!m) return null;
  const bin = model.binaries.get(m[1]) || await getJSON(`/fhir/Binary/${encodeURIComponent(m[1])}`);
  return { type: bin.contentType || a.contentType || 'application/octet-stream', bytes: bin.data ? b64bytes(bin.data) : new Uint8Array() };
}

function textOf(bytes, type) {
  const cs = /charset=([\w-]+)/i.exec(type)?.[1] || 'utf-8';
  try {
    return new TextDecoder(cs).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

async function showDocument(x) {
  openDoc = x;
  const box = document.getElementById('doc-viewer');
  if (!box) return;
  const r = x.res;
  const title = r.resourceType === 'Composition' ? r.title : ccText(r.type) || r.description || '';
  const head = h('div', { class: 'trend-head' }, h('h2', {}, title, ' ', h('span', { class: 'src' }, facilityName(x.facility))),
    h('button', { type: 'button', class: 'button secondary', onclick: () => { openDoc = null; box.hidden = true; } }, t('close')));
  box.replaceChildren(head, h('p', { class: 'muted' }, t('loading')));
  box.hidden = false;
  let body;
  try {
    if (r.resourceType === 'Composition') {
      body = (r.section || []).map((s) => h('section', { class: 'doc-section' }, h('h3', {}, s.title || ''),
        // narrative XHTML is shown as its text only, never as markup
        s.text?.div ? h('p', {}, new DOMParser().parseFromString(s.text.div, 'text/html').body.textContent) : null,
        (s.entry || []).length ? h('ul', {}, s.entry.map((e) => h('li', {}, entryText(e)))) : null));
    } else {
      const att = await attachmentOf(r);
      if (!att) body = [empty('doc-none')];
      else {
        const blob = new Blob([att.bytes], { type: att.type });
        const url = URL.createObjectURL(blob);
        blobUrls.push(url);
        const link = h('a', { href: url, target: '_blank', rel: 'noopener', class: 'button secondary', id: 'doc-open-tab' }, t('open-tab'));
        if (/^text\//i.test(att.type)) body = [h('pre', { class: 'doc-text', id: 'doc-text' }, textOf(att.bytes, att.type)), link];
        else if (/^image\//i.test(att.type)) body = [h('img', { src: url, alt: title, class: 'doc-image' }), link];
        else body = [link];
      }
    }
  } catch (e) {
    body = [h('p', { class: 'notice' }, t('doc-error'), e.message)];
  }
  if (openDoc !== x || !box.isConnected) return;
  box.replaceChildren(head, h('div', { class: 'doc-body', dataset: { ready: 'true' } }, body));
  box.scrollIntoView({ block: 'nearest' });
}

function entryText(e) {
  if (e.display) return e.display;
  const [type, id] = (e.reference || '').split('/');
  const x = model.records.find((y) => y.res.resourceType === type && y.res.id === id);
  if (!x) return e.reference || '';
  return x.res.resourceType === 'MedicationRequest' ? medicationText(x.res) : ccText(x.res.code) || e.reference;
}

// ---- loading ----------------------------------------------------------------

function say(key, text) {
  const m = document.getElementById('view-message');
  m.textContent = text || t(key);
  m.hidden = false;
}

function renderAll() {
  if (!model) return;
  renderHeader();
  renderConsent();
  renderTabs();
  renderPanel();
}

async function start() {
  const t0 = performance.now();
  applyStatic();
  const s = await loadSession();
  if (!s) return toLogin();
  mountBar(document.getElementById('bar'));
  onLang(renderAll);
  const id = new URLSearchParams(location.search).get('id');
  if (!id) return say('no-id');
  if (TABS.includes(location.hash.slice(1))) tab = location.hash.slice(1);
  let everything;
  let facilities;
  try {
    [facilities, everything] = await Promise.all([loadFacilities(),
      searchAll(`/fhir/Patient/${encodeURIComponent(id)}/$everything?_count=1000`, 20)]);
  } catch (e) {
    // a patient the user may not see answers exactly like one that does not exist
    if (e instanceof ApiError && e.status === 404) return say('not-found');
    return say('', e.message);
  }
  model = buildRecord(everything.resources, facilities, s.account.facility, today());
  if (!model.patients.length) return say('not-found');
  if (everything.complete) document.getElementById('view-message').hidden = true;
  else say('truncated');
  for (const id of ['patient-header', 'consent-notice', 'tabs', 'panel']) document.getElementById(id).hidden = false;
  renderAll();
  document.body.dataset.ready = 'true';
  document.body.dataset.loadMs = String(Math.round(performance.now() - t0));
}

window.addEventListener('pagehide', () => blobUrls.forEach((u) => URL.revokeObjectURL(u)));
// a link to another tab of the same patient (…#medications) changes only the fragment: follow it
window.addEventListener('hashchange', () => {
  const k = location.hash.slice(1);
  if (model && TABS.includes(k) && k !== tab) select(k);
});
start();
