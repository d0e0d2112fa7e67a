// record.js — turns what $everything returned (the person's visible
// registrations and their visible records) into the patient view's model:
// the source facility of every record, the timeline, and the per-category
// lists. Pure functions over plain objects (no DOM), so the rules live in one
// place. The source facility of a record is the managingOrganization of the
// registration (Patient) it references.
import { ccText, facilityOf } from './common.js';

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

/** The value of an Observation as text (without unit) and its unit. */
export function obsValue(o) {
  if (o.valueQuantity) return { text: o.valueQuantity.value === undefined ? '' : String(o.valueQuantity.value), unit: o.valueQuantity.unit || o.valueQuantity.code || '', num: o.valueQuantity.value };
  if (o.valueString !== undefined) return { text: o.valueString, unit: '' };
  if (o.valueCodeableConcept) return { text: ccText(o.valueCodeableConcept), unit: '' };
  if (o.valueInteger !== undefined) return { text: String(o.valueInteger), unit: '', num: o.valueInteger };
  if (o.valueBoolean !== undefined) return { text: String(o.valueBoolean), unit: '' };
  if (o.dataAbsentReason) return { text: ccText(o.dataAbsentReason), unit: '' };
  return { text: '', unit: '' };
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
  return `${lo ?? ''}–${hi ?? ''}`;
}

/** The period a prescription covers: { start, end } as days (end may be ''). */
export function medicationPeriod(r) {
  const di = r.dosageInstruction?.[0];
  const bp = di?.timing?.repeat?.boundsPeriod || r.dispenseRequest?.validityPeriod;
  const start = dayOf(bp?.start || r.authoredOn);
  let end = dayOf(bp?.end || '');
  const dur = di?.timing?.repeat?.boundsDuration || r.dispenseRequest?.expectedSupplyDuration;
  if (!end && start && dur?.value && /^\d{4}-\d{2}-\d{2}$/.test(start)) {
    const days = { d: 1, wk: 7, mo: 30, a: 365 }[dur.code || 'd'] ?? 1;
    const d = new Date(`${start}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + Math.round(dur.value * days) - 1);
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
      facility: x.facility, low: x.res.referenceRange?.[0]?.low?.value, high: x.res.referenceRange?.[0]?.high?.value });
  }
  const cols = [...columns.values()].sort((a, b) => b.day.localeCompare(a.day) || (a.facility?.code || '').localeCompare(b.facility?.code || ''));
  const rows = [...analytes.values()].sort((a, b) => a.name.localeCompare(b.name, 'ja'));
  for (const a of rows) a.points.sort((p, q) => (p.date || '').localeCompare(q.date || ''));
  return { columns: cols, analytes: rows };
}

/**
 * Timeline entries: one per record, except lab results, which are one entry
 * per day and facility ("検体検査 n項目"). Each: { day, date, cat, facility, kind, title, detail, abnormal, ref }.
 */
export function timeline(model) {
  const out = [];
  const labGroups = new Map();
  for (const x of model.records) {
    const r = x.res;
    if (r.resourceType === 'Observation' && x.cat === 'lab') {
      const key = `${x.day}|${x.facility?.code}`;
      if (!labGroups.has(key)) {
        const g = { day: x.day, date: x.date, cat: 'lab', facility: x.facility, kind: 'lab-group', title: '', detail: '', items: [], abnormal: 0 };
        labGroups.set(key, g);
        out.push(g);
      }
      const g = labGroups.get(key);
      g.items.push(r);
      if (abnormalFlag(r)) g.abnormal++;
      continue;
    }
    out.push({ day: x.day, date: x.date, cat: x.cat, facility: x.facility, kind: r.resourceType, res: r });
  }
  return out;
}
