// topup.mjs — give one patient TARGET resources through the FHIR API, as the
// facility's own system would send them: monthly lab panels whose values
// drift, prescriptions and visits. Synthetic. Used by bench/clinical.
// env: RENKEI_URL, TOKEN (write scope), HEAVY (Patient id), TARGET, JLAC (the analyte the trend query reads)
const base = process.env.RENKEI_URL, token = process.env.TOKEN, heavy = process.env.HEAVY;
const target = Number(process.env.TARGET || 2000), jlac = process.env.JLAC;
const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };
const subject = { reference: `Patient/${heavy}` };
const JLAC10 = 'urn:oid:1.2.392.200119.4.504';
const ANALYTES = [[jlac, 'HbA1c', '%', 4.6, 6.2, 7.5], ['3C015000002327101', 'クレアチニン', 'mg/dL', 0.46, 0.79, 0.9],
  ['3D010000001926101', '血糖', 'mg/dL', 73, 109, 140], ['3F077000002327101', 'LDLコレステロール', 'mg/dL', 65, 139, 150]];

const r0 = await fetch(`${base}/Patient/${heavy}/$everything?_count=0`, { headers });
const have = (await r0.json()).total;
let need = Math.max(0, target - have);
const bodies = [];
for (let i = 0; bodies.length < need; i++) {
  const day = new Date(Date.UTC(2012, 0, 1) + i * 86400000 * 2).toISOString().slice(0, 10);
  const [code, name, unit, low, high, mid] = ANALYTES[i % ANALYTES.length];
  const value = Math.round((mid + Math.sin(i / 17) * (high - low) * 0.4) * 10) / 10;
  const flag = value > high ? 'H' : value < low ? 'L' : 'N';
  bodies.push({ resourceType: 'Observation', status: 'final', subject, effectiveDateTime: `${day}T09:00:00+09:00`,
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: JLAC10, code, display: name }] }, valueQuantity: { value, unit },
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: flag }] }],
    referenceRange: [{ low: { value: low, unit }, high: { value: high, unit } }] });
  if (i % 10 === 0 && bodies.length < need)
    bodies.push({ resourceType: 'Encounter', status: 'finished', subject, period: { start: `${day}T09:00:00+09:00`, end: `${day}T09:30:00+09:00` },
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } });
  if (i % 10 === 5 && bodies.length < need)
    bodies.push({ resourceType: 'MedicationRequest', status: 'completed', intent: 'order', subject, authoredOn: day,
      medicationCodeableConcept: { coding: [{ system: 'urn:oid:1.2.392.200119.4.403.1', code: '103835401', display: 'メトホルミン塩酸塩錠２５０ｍｇ' }] } });
}
let next = 0, failed = 0;
async function worker() {
  while (next < bodies.length) {
    const b = bodies[next++];
    const r = await fetch(`${base}/${b.resourceType}`, { method: 'POST', headers, body: JSON.stringify(b) });
    if (r.status !== 201) { failed++; if (failed < 3) console.error(`topup: ${r.status} ${await r.text()}`); } else await r.arrayBuffer();
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
if (failed) { console.error(`topup: ${failed} writes failed`); process.exit(1); }
console.log(`topup: Patient/${heavy} had ${have} resources, ${bodies.length} written`);
