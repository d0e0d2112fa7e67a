// record.js — turns what $everything returned (the person's visible
// registrations and their visible records) into the patient view's model:
// the source facility of every record, the timeline, and the per-category
// lists. Pure functions over plain objects (no DOM), so the rules live in one
// place. The source facility of a record is the managingOrganization of the
// registration (Patient) it references.
import { ccText, facilityOf, numText, qtyText } from './common.js';

/** Timeline categories, in the order of the filter. */
export const CATEGORIES = ['encounter', 'condition', 'allergy', 'procedure', 'medication', 'immunization', 'lab',
  'vital', 'imaging', 'document', 'order'];

const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** 'YYYY-MM-DD' of a FHIR date/dateTime in Japan (the day a clinician would name). */
export function dayOf(s) {
  if (!s) return '';
  if (/^\d{4}(-\d{2}){0,2}$/.test(s)) return s;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s.slice(0, 10);
  return new Date(d.getTime() + 9 * 3600e3).toISOString().slice(0, 10);
}

function patientRef(r) {
  const ref = (r.subject || r.patient)?.reference || '';
  return ref.startsWith('Patient/') ? ref.slice(8) : null;
}

/** The date that places a record on the timeline. */
export function dateOf(r) {
  switch (r.resourceType) {
    case 'Encounter': return r.period?.start || r.period?.end;
    case 'Condition': return r.onsetDateTime || r.recordedDate || r.onsetPeriod?.start;
    case 'AllergyIntolerance': return r.recordedDate || r.onsetDateTime;
    case 'Procedure': return r.performedDateTime || r.performedPeriod?.start;
    case 'MedicationRequest': return r.authoredOn;
    case 'MedicationAdministration': return r.effectiveDateTime || r.effectivePeriod?.start;
    case 'MedicationDispense': return r.whenHandedOver || r.whenPrepared;
    case 'Immunization': return r.occurrenceDateTime;
    case 'Observation': return r.effectiveDateTime || r.effectivePeriod?.start || r.issued;
    case 'DiagnosticReport': return r.effectiveDateTime || r.effectivePeriod?.start || r.issued;
    case 'ImagingStudy': return r.started;
    case 'DocumentReference': return r.date || r.context?.period?.start;
    case 'Composition': return r.date;
    case 'ServiceRequest': return r.occurrenceDateTime || r.occurrencePeriod?.start || r.authoredOn;
    case 'NutritionOrder': return r.dateTime;
    default: return r.meta?.lastUpdated;
  }
}

function isLab(o) {
  const codes = (o.category || []).flatMap((c) => c.coding || []).filter((c) => !c.system || c.system === OBS_CAT).map((c) => c.code);
  return codes.includes('laboratory') || (!codes.includes('vital-signs') && o.resourceType === 'Observation' && !!o.valueQuantity && !codes.length);
}

/** The timeline category of a record. */
export function categoryOf(r) {
  switch (r.resourceType) {
    case 'Encounter': return 'encounter';
    case 'Condition': return 'condition';
    case 'AllergyIntolerance': return 'allergy';
    case 'Procedure': return 'procedure';
    case 'MedicationRequest': case 'MedicationAdministration': case 'MedicationDispense': return 'medication';
    case 'Immunization': return 'immunization';
    case 'Observation': return isLab(r) ? 'lab' : 'vital';
    case 'DiagnosticReport': return 'lab';
    case 'ImagingStudy': return 'imaging';
    case 'DocumentReference': case 'Composition': return 'document';
    case 'ServiceRequest': case 'NutritionOrder': return 'order';
    default: return null;
  }
}

export function medicationText(r) {
  return ccText(r.medicationCodeableConcept) || r.medicationReference?.display || '';
}

/**
 * The value of an Observation as text (without unit) and its unit; the text
 * is the number as the server sent it (7.0 stays 7.0). An Observation with
 * components and no value of its own (blood pressure) gives the components'
 * values joined by "/" when they share a unit ("136/75", "mmHg"), else each
 * with its name and unit.
 */
export function obsValue(o) {
  if (o.valueQuantity) return { text: numText(o.valueQuantity), unit: o.valueQuantity.unit || o.valueQuantity.code || '', num: o.valueQuantity.value };
  if (o.valueString !== undefined) return { text: o.valueString, unit: '' };
  if (o.valueCodeableConcept) return { text: ccText(o.valueCodeableConcept), unit: '' };
  if (o.valueInteger !== undefined) return { text: numText(o, 'valueInteger'), unit: '', num: o.valueInteger };
  if (o.valueBoolean !== undefined) return { text: String(o.valueBoolean), unit: '' };
  if (o.component?.length) return componentValue(o.component);
  if (o.dataAbsentReason) return { text: ccText(o.dataAbsentReason), unit: '' };
  return { text: '', unit: '' };
}

function componentValue(components) {
  const parts = components.map((c) => ({ name: ccText(c.code), v: c.valueQuantity ? { text: numText(c.valueQuantity), unit: c.valueQuantity.unit || c.valueQuantity.code || '' }
    : c.valueString !== undefined ? { text: c.valueString, unit: '' } : c.valueCodeableConcept ? { text: ccText(c.valueCodeableConcept), unit: '' }
      : c.valueInteger !== undefined ? { text: numText(c, 'valueInteger'), unit: '' } : { text: '', unit: '' } })).filter((p) => p.v.text);
  if (!parts.length) return { text: '', unit: '' };
  const units = new Set(parts.map((p) => p.v.unit));
  if (units.size === 1 && parts.every((p) => p.v.unit)) return { text: parts.map((p) => p.v.text).join('/'), unit: parts[0].v.unit };
  return { text: parts.map((p) => [p.name, p.v.text, p.v.unit].filter(Boolean).join(' ')).join('、'), unit: '' };
}

/** Full-width digits and letters as ASCII (Ｈ０１２ → H012), for comparing what was typed or written. */
export function toHalfWidth(s) {
  return String(s || '').replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/\u3000/g, ' ');
}

const DAYS = { d: 1, wk: 7, mo: 30, a: 365 };

/** Days a prescription is for: dispenseRequest.expectedSupplyDuration, else the timing's boundsDuration (in days); null when unknown. */
export function supplyDays(r) {
  const dur = r.dispenseRequest?.expectedSupplyDuration || r.dosageInstruction?.[0]?.timing?.repeat?.boundsDuration;
  if (typeof dur?.value !== 'number') return null;
  const k = DAYS[dur.code || 'd'] ?? (/日/.test(dur.unit || '') ? 1 : null);
  return k ? { days: dur.value * k, text: k === 1 ? numText(dur) : String(dur.value * k) } : null;
}

/**
 * A prescription's dosage in parts a pharmacist reads: for each
 * dosageInstruction the 用法 (its text, else the timing code's text), the
 * dose ("1回1錠" / "1 錠 per dose"), the daily amount when given
 * (rateRatio per day), then the days ("42日分") and total quantity.
 * lang: 'ja' | 'en'. Parts the written text already says are not repeated.
 */
export function dosageParts(r, lang = 'ja') {
  const out = [];
  const written = (s) => toHalfWidth(s).replace(/\s/g, '');
  for (const di of r.dosageInstruction || []) {
    const usage = di.text || ccText(di.timing?.code) || '';
    const said = written(usage);
    const d = { usage, dose: '', daily: '' };
    const dr = di.doseAndRate?.[0];
    const dose = dr?.doseQuantity;
    if (dose && numText(dose)) {
      const v = numText(dose), u = dose.unit || dose.code || '';
      d.dose = lang === 'en' ? `${v} ${u} per dose` : `1回${v}${u}`;
      if (said.includes(written(`1回${v}${u}`))) d.dose = '';
    }
    const num = dr?.rateRatio?.numerator, den = dr?.rateRatio?.denominator;
    if (num && numText(num) && (!den || (den.code || 'd') === 'd')) {
      const v = numText(num), u = num.unit || num.code || '';
      d.daily = lang === 'en' ? `${v} ${u} a day` : `1日${v}${u}`;
      if (said.includes(written(`1日${v}${u}`))) d.daily = '';
    }
    out.push(d);
  }
  const sd = supplyDays(r);
  const allText = written(out.map((d) => d.usage).join(' '));
  let days = '';
  if (sd) days = lang === 'en' ? `${sd.text} days` : `${sd.text}日分`;
  if (days && lang !== 'en' && allText.includes(written(days))) days = '';
  const q = r.dispenseRequest?.quantity;
  const total = q && numText(q) ? (lang === 'en' ? `total ${qtyText(q)}` : `総量${numText(q)}${q.unit || q.code || ''}`) : '';
  return { instructions: out, days, total };
}

/** dosageParts as one line of text. */
export function dosageText(r, lang = 'ja') {
  const p = dosageParts(r, lang);
  return [...p.instructions.flatMap((d) => [d.usage, d.dose, d.daily]), p.days].filter(Boolean).join(' ');
}

/** The text of a narrative (XHTML) as plain text, never as markup. */
export function narrativeText(div) {
  if (!div) return '';
  return new DOMParser().parseFromString(div, 'text/html').body.textContent.replace(/\s+/g, ' ').trim();
}

/**
 * What a visit record says beyond its kind: the reason (reasonCode), the
 * diagnoses' texts, and its note — the narrative a facility wrote into it
 * (text.div, when not generated) or a note extension's text.
 */
export function encounterNote(r) {
  const reason = (r.reasonCode || []).map(ccText).filter(Boolean).join('・');
  const note = [
    ...(r.note || []).map((n) => n.text),
    ...(r.extension || []).filter((e) => /note|comment/i.test(e.url || '')).map((e) => e.valueString || e.valueAnnotation?.text),
    r.text?.status && r.text.status !== 'generated' ? narrativeText(r.text.div) : '',
  ].filter(Boolean).join(' ');
  return { reason, note };
}

/** 'H', 'L' or '' (also 'A' for abnormal without direction) — from interpretation, else from the reference range. */
export function abnormalFlag(o) {
  const codes = (o.interpretation || []).flatMap((i) => i.coding || []).map((c) => c.code);
  if (codes.some((c) => c === 'H' || c === 'HH' || c === 'HU')) return 'H';
  if (codes.some((c) => c === 'L' || c === 'LL' || c === 'LU')) return 'L';
  if (codes.some((c) => c === 'A' || c === 'AA')) return 'A';
  if (codes.some((c) => c === 'N')) return '';
  const v = o.valueQuantity?.value, rr = o.referenceRange?.[0];
  if (typeof v !== 'number' || !rr) return '';
  if (rr.high?.value !== undefined && v > rr.high.value) return 'H';
  if (rr.low?.value !== undefined && v < rr.low.value) return 'L';
  return '';
}

export function rangeText(o) {
  const rr = o.referenceRange?.[0];
  if (!rr) return '';
  if (rr.text) return rr.text;
  const lo = rr.low?.value, hi = rr.high?.value;
  if (lo === undefined && hi === undefined) return '';
  return `${numText(rr.low)}–${numText(rr.high)}`;
}

/** The period a prescription covers: { start, end } as days (end may be ''). */
export function medicationPeriod(r) {
  const di = r.dosageInstruction?.[0];
  const bp = di?.timing?.repeat?.boundsPeriod || r.dispenseRequest?.validityPeriod;
  const start = dayOf(bp?.start || r.authoredOn);
  let end = dayOf(bp?.end || '');
  const sd = supplyDays(r);
  if (!end && start && sd?.days && /^\d{4}-\d{2}-\d{2}$/.test(start)) {
    const d = new Date(`${start}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + Math.round(sd.days) - 1);
    end = d.toISOString().slice(0, 10);
  }
  return { start, end };
}

/** Is a MedicationRequest a current medicine on `today` (YYYY-MM-DD)? */
export function isCurrent(r, today) {
  if (r.status !== 'active') return false;
  const { start, end } = medicationPeriod(r);
  return (!end || end >= today) && (!start || start <= today);
}

/** Drug contraindication (薬剤禁忌): an AllergyIntolerance to a medicine that is not resolved or refuted. */
export function isDrugContraindication(a) {
  return (a.category || []).includes('medication') && isActiveAllergy(a);
}

export function isActiveAllergy(a) {
  const cs = a.clinicalStatus?.coding?.[0]?.code, vs = a.verificationStatus?.coding?.[0]?.code;
  return cs !== 'resolved' && cs !== 'inactive' && vs !== 'refuted' && vs !== 'entered-in-error';
}

/**
 * The model of one person's record. resources: everything $everything
 * returned; facilities: the directory from loadFacilities(); ownCode: the
 * user's facility code; today: 'YYYY-MM-DD'.
 */
export function buildRecord(resources, facilities, ownCode, today) {
  const patients = resources.filter((r) => r.resourceType === 'Patient');
  const facilityOfPatient = new Map();
  for (const p of patients) facilityOfPatient.set(p.id, facilityOf(p, facilities));
  const binaries = new Map(resources.filter((r) => r.resourceType === 'Binary').map((b) => [b.id, b]));
  const records = [];
  for (const r of resources) {
    const cat = categoryOf(r);
    if (!cat) continue;
    const pid = patientRef(r);
    records.push({ res: r, cat, date: dateOf(r) || '', day: dayOf(dateOf(r) || ''), facility: facilityOfPatient.get(pid) || null });
  }
  const byDateDesc = (a, b) => (b.date || '').localeCompare(a.date || '');
  records.sort(byDateDesc);
  const of = (type) => records.filter((x) => x.res.resourceType === type);

  // the facilities whose data is on screen: the person's visible registrations, own facility first
  const shown = [];
  for (const f of facilityOfPatient.values()) if (!shown.some((x) => x.code === f.code)) shown.push(f);
  shown.sort((a, b) => (b.code === ownCode) - (a.code === ownCode) || a.code.localeCompare(b.code));

  const allergies = of('AllergyIntolerance');
  const rx = of('MedicationRequest');
  const current = rx.filter((x) => isCurrent(x.res, today));
  const labs = records.filter((x) => x.res.resourceType === 'Observation' && x.cat === 'lab');

  return {
    patients,
    facilityOfPatient,
    facilities: shown,
    binaries,
    records,
    conditions: of('Condition').sort((a, b) => rank(a.res) - rank(b.res) || byDateDesc(a, b)),
    allergies,
    contraindications: allergies.filter((x) => isDrugContraindication(x.res)),
    otherAllergies: allergies.filter((x) => !isDrugContraindication(x.res) && isActiveAllergy(x.res)),
    procedures: of('Procedure'),
    medications: { current, past: rx.filter((x) => !current.includes(x)), dispenses: of('MedicationDispense'),
      administrations: of('MedicationAdministration') },
    immunizations: of('Immunization'),
    labs: labTable(labs),
    vitals: records.filter((x) => x.cat === 'vital'),
    reports: of('DiagnosticReport'),
    imaging: of('ImagingStudy'),
    documents: records.filter((x) => x.cat === 'document'),
    encounters: of('Encounter'),
  };
}

function rank(c) {
  const s = c.clinicalStatus?.coding?.[0]?.code;
  return s === 'active' || s === 'recurrence' || s === 'relapse' ? 0 : 1;
}

/** Lab results as a table: analytes (rows) × (day, facility) columns, newest first. */
function labTable(labs) {
  const analytes = new Map();
  const columns = new Map();
  for (const x of labs) {
    const c = x.res.code?.coding?.[0];
    const key = c ? `${c.system || ''}|${c.code || ''}` : `text|${ccText(x.res.code)}`;
    if (!analytes.has(key)) analytes.set(key, { key, name: ccText(x.res.code), unit: '', range: '', points: [] });
    const a = analytes.get(key);
    const v = obsValue(x.res);
    a.unit ||= v.unit;
    a.range ||= rangeText(x.res);
    const col = `${x.day}|${x.facility?.code || ''}`;
    if (!columns.has(col)) columns.set(col, { key: col, day: x.day, facility: x.facility });
    a.points.push({ col, date: x.date, day: x.day, value: v.text, num: v.num, unit: v.unit, flag: abnormalFlag(x.res),
      facility: x.facility, low: x.res.referenceRange?.[0]?.low?.value, high: x.res.referenceRange?.[0]?.high?.value, range: rangeText(x.res) });
  }
  const cols = [...columns.values()].sort((a, b) => b.day.localeCompare(a.day) || (a.facility?.code || '').localeCompare(b.facility?.code || ''));
  const rows = [...analytes.values()].sort((a, b) => a.name.localeCompare(b.name, 'ja'));
  for (const a of rows) a.points.sort((p, q) => (p.date || '').localeCompare(q.date || ''));
  return { columns: cols, analytes: rows };
}

/**
 * Timeline entries: one per record, except lab results, which are one entry
 * per day and facility ("検体検査 n項目"). Each: { day, date, cat, facility,
 * kind, res | items, encounter, abnormal }. Grouped by day (newest first), and
 * within a day by visit: a visit (Encounter) comes first with the records
 * that reference it right after it (encounter: the visit's key; inVisit:
 * true), then the day's other records, newest first.
 */
export function timeline(model) {
  const out = [];
  const labGroups = new Map();
  const encKey = (r) => (r.resourceType === 'Encounter' ? `Encounter/${r.id}` : r.encounter?.reference || r.context?.encounter?.[0]?.reference
    || (r.context?.reference?.startsWith('Encounter/') ? r.context.reference : '') || '');
  for (const x of model.records) {
    const r = x.res;
    if (r.resourceType === 'Observation' && x.cat === 'lab') {
      const key = `${x.day}|${x.facility?.code}|${encKey(r)}`;
      if (!labGroups.has(key)) {
        const g = { day: x.day, date: x.date, cat: 'lab', facility: x.facility, kind: 'lab-group', title: '', detail: '', items: [], abnormal: 0, encounter: encKey(r) };
        labGroups.set(key, g);
        out.push(g);
      }
      const g = labGroups.get(key);
      g.items.push(r);
      if (abnormalFlag(r)) g.abnormal++;
      continue;
    }
    out.push({ day: x.day, date: x.date, cat: x.cat, facility: x.facility, kind: r.resourceType, res: r, encounter: encKey(r) });
  }
  // visits of each day: records referencing a visit of the same day follow it
  const visits = new Map(); // 'Encounter/id' → entry
  for (const e of out) if (e.kind === 'Encounter') visits.set(e.encounter, e);
  const order = new Map(out.map((e, i) => [e, i]));
  const anchor = (e) => {
    const v = e.kind !== 'Encounter' && visits.get(e.encounter);
    return v && v.day === e.day ? v : e;
  };
  for (const e of out) e.inVisit = anchor(e) !== e;
  out.sort((a, b) => b.day.localeCompare(a.day) || order.get(anchor(a)) - order.get(anchor(b))
    || (a.inVisit - b.inVisit) || order.get(a) - order.get(b));
  return out;
}
