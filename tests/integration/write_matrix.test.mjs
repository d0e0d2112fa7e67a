// write_matrix.test.mjs — who may write what, generated over role × the
// writer's relation to the record × kind of record × action × access path
// (REST, batch and transaction Bundles). For each case the expected outcome
// comes from the write table of docs/ACCESS.md ("Who may write what"), written
// out again here as an oracle independent of access/decide_write.c, together
// with the read rules that decide what the writer may see at all. Every
// denial changes nothing (the owner reads the record as before, its history as
// long), and a write to a record the writer may not see gets exactly the
// answer a write to a missing one gets (request ids aside). The findings of
// issue 11 are explicit tests at the end.
//
// Which cases: the writers are nine roles, one of each kind the table tells
// apart — doctor (reads everything), nurse, pharmacist, care manager and care
// worker (each a narrower read set), clerk and facility administrator (no
// clinical writes), the facility system, and the operator. Dentist, visiting
// nurse, therapist and 相談員 (social_worker) read and write as roles already
// here do (table 1), so they are left out to keep the run near half a minute
// per backend. The relations are the writer's
// facility as the records' source (own), registered with the patient (reg),
// care-team member under a comprehensive consent (team), unrelated (none); the
// operator writes to own and none only (it reads the consent records alone).
// Each (role, relation) writes every kind by PUT, DELETE, POST, PUT-as-create
// inside and outside its id space and POST If-None-Exist, then the same in a
// batch and in transactions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, http, get, post, put, patient, cleanupStore, LOCAL_SYSTEM, REGION_SYSTEM, FACILITY_SYSTEM } from './harness.mjs';

const S = '2011000011';   // 信州れんけい総合病院: owns the records of the other relations
const C = '2011100018';   // やまびこ内科クリニック: every writer of the matrix works here
const O = '2011000029';   // あずみの中央病院: a third facility
const PH = '2041200012';  // みどり調剤薬局: the pharmacy of the findings
const OPF = '2090000015'; // the network office, the operator's facility
const STAFF_SYSTEM = (code) => `urn:oid:1.2.392.100495.20.3.41.1${code}`;
const KIND_SYSTEM = 'urn:renkei:CodeSystem:consent-kind';
const org = (code) => ({ reference: `Organization/org-${code}` });
const enc = encodeURIComponent;
const clone = (x) => JSON.parse(JSON.stringify(x));

let SRV, SD, OP, CDOC, ODOC;
const W = {};             // role → the writer (at C; the operator at the network office)
const ROLES = ['doctor', 'nurse', 'pharmacist', 'care_manager', 'care_worker', 'clerk', 'facility_admin', 'system', 'operator'];
const facOf = (role) => (role === 'operator' ? OPF : C);

/* ---- the oracle: the tables of docs/ACCESS.md, written out again ---------- */

const ALL_CATS = ['demographics', 'allergy', 'condition', 'medication', 'lab', 'clinical', 'imaging', 'document', 'collab', 'consent'];
const ROLE_READS = {
  doctor: ALL_CATS, dentist: ALL_CATS, nurse: ALL_CATS, system: ALL_CATS,
  pharmacist: ['demographics', 'allergy', 'condition', 'medication', 'lab', 'document', 'collab', 'consent'],
  care_manager: ['demographics', 'allergy', 'condition', 'medication', 'collab', 'consent'],
  care_worker: ['demographics', 'allergy', 'collab', 'consent'], social_worker: ['demographics', 'allergy', 'collab', 'consent'],
  clerk: ['demographics', 'consent'], facility_admin: ['demographics', 'consent'], operator: ['demographics', 'consent'],
};
const SUMMARY = ['demographics', 'allergy', 'condition', 'medication', 'lab', 'collab'];
const CAT_OF_TYPE = { Patient: 'demographics', Consent: 'consent', CareTeam: 'consent', Observation: 'lab', Condition: 'condition',
  Organization: 'directory', Practitioner: 'directory' };

/** May a principal of this role at facility F read rec (read rules of docs/ACCESS.md, as far as these fixtures use them)? */
function canRead(role, rec) {
  const F = facOf(role), cat = rec.cat;
  if (cat === 'directory') return true;
  if (!ROLE_READS[role].includes(cat)) return false;
  if (rec.owner === F) return true;
  const p = rec.patient;
  if (cat === 'consent' && p.regs.includes(F)) return true;
  if (role === 'operator') return cat === 'demographics' || cat === 'consent';
  if (p.refusal.some((v) => v === '*' || v === F)) return false;
  if (p.comprehensive && p.team.includes(F) && SUMMARY.includes(cat)) return true;
  return false;
}

// The write table: which roles write each kind (facility staff: at the owning facility).
const STAFF_ROLES = ['doctor', 'dentist', 'pharmacist', 'nurse', 'visiting_nurse', 'care_manager', 'therapist', 'care_worker',
  'social_worker', 'clerk', 'facility_admin'];
const WRITERS = {
  registration: [...STAFF_ROLES, 'system'], individual: [...STAFF_ROLES, 'system'], comprehensive: [...STAFF_ROLES, 'system'],
  refusal: [...STAFF_ROLES, 'system'], careteam: [...STAFF_ROLES, 'system'], facility: ['facility_admin'],
  organization: ['facility_admin'], practitioner: ['facility_admin', 'system'], link: [],
};
const OPERATOR_KEEPS = ['link', 'individual', 'comprehensive', 'refusal', 'careteam', 'facility', 'organization', 'practitioner'];
const CONSENT_KINDS = ['individual', 'comprehensive', 'refusal', 'careteam'];

function roleWrites(role, kind, cat) {
  if (role === 'operator') return OPERATOR_KEEPS.includes(kind);
  if (kind === 'clinical') return ROLE_READS[role].includes(cat) && role !== 'clerk' && role !== 'facility_admin';
  return WRITERS[kind].includes(role);
}

/** The early check, before anything is read: may the role write this type at all? */
function roleWritesType(role, type) {
  if (type === 'Patient') return roleWrites(role, 'registration');
  if (type === 'Consent') return roleWrites(role, 'individual');
  if (type === 'CareTeam') return roleWrites(role, 'careteam');
  if (type === 'Organization') return roleWrites(role, 'facility') || roleWrites(role, 'organization');
  if (type === 'Practitioner') return roleWrites(role, 'practitioner');
  return roleWrites(role, 'clinical', CAT_OF_TYPE[type]);
}

/**
 * The write decision from the table: null when permitted, else the rule's
 * code. stored/fresh: {kind, cat, owner, patient, active, form, fkind, area}
 * (null on create / delete); regs: facilities where the patient is registered.
 */
function decideWrite(role, action, stored, fresh, regs = []) {
  const F = facOf(role), rec = stored || fresh, kind = rec.kind;
  if (!roleWrites(role, kind, rec.cat) || (stored && fresh && !roleWrites(role, fresh.kind, fresh.cat))) return 'role';
  // what nobody may do
  if (stored && fresh && stored.kind !== fresh.kind) return 'kind_change';
  if (stored && fresh && stored.patient && stored.patient !== fresh.patient) return 'patient_change';
  if (fresh && fresh.namesRegional) return 'regional_id';
  if (stored && fresh && kind !== 'careteam' && stored.owner !== fresh.owner) return 'owner_change';
  if (action === 'update' && kind === 'refusal' && stored.active && !fresh.active && !(fresh.form && fresh.form !== stored.form))
    return 'needs_form';
  if (role === 'operator') return null;
  // a facility writes what it owns
  if (action === 'create') {
    if (kind === 'link' || kind === 'facility') return 'operator_only';
    if (fresh.owner !== F) return 'not_owner';
    if (CONSENT_KINDS.includes(kind) && !regs.includes(F)) return 'not_registered';
    return null;
  }
  if (action === 'update') {
    if (kind === 'link') return 'operator_only';
    if (stored.owner !== F) return 'not_owner';
    if (kind === 'careteam' && fresh.owner !== F && !regs.includes(fresh.owner)) return 'not_registered';
    if (kind === 'facility' && (stored.fkind !== fresh.fkind || stored.area !== fresh.area || stored.active !== fresh.active))
      return 'operator_only';
    return null;
  }
  if (kind === 'refusal') return 'delete_refusal';
  if (kind === 'facility' || kind === 'link') return 'operator_only';
  return stored.owner === F ? null : 'not_owner';
}
const STATUS_OF = { role: 403, not_owner: 403, not_registered: 403, operator_only: 403, delete_refusal: 403,
  kind_change: 400, patient_change: 400, owner_change: 400, needs_form: 400, regional_id: 400 };

/**
 * The expected answer to one write: {status, code?, hidden?}. hidden: the
 * record (or the patient the new record names) is one the writer may not see,
 * so the answer is that of a write to a missing one.
 */
function expect(role, action, { type, stored, fresh, ref, putId }) {
  if (!roleWritesType(role, type)) return { status: 403, code: 'role', hidden: stored ? !canRead(role, stored) : ref ? !canRead(role, ref) : false };
  if (stored && !canRead(role, stored)) return { status: 404, hidden: true };
  // update as create: patient data only under the writer's facility-code ids
  if (putId && CAT_OF_TYPE[type] !== 'directory' && !putId.startsWith(`${facOf(role)}-`)) return { status: 404 };
  if (ref && !canRead(role, ref)) return { status: 400, hidden: true }; // a reference to what one may not see: to nothing
  const rule = decideWrite(role, action, stored && desc(stored), fresh, (stored || fresh).patient?.regs);
  if (rule) return { status: STATUS_OF[rule], code: rule };
  return { status: action === 'create' ? 201 : 200 };
}

/* ---- bodies ---------------------------------------------------------------- */

let seq = 0;
const uniq = (p = 'w') => `${p}${(++seq).toString(36)}`;
const marker = (v) => [{ system: 'urn:renkei:test:write-matrix', value: v }];

function consentBody(pid, kind, { source, viewer } = {}) {
  const actor = [];
  const role = (code) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }] });
  if (source) actor.push({ role: role('CST'), reference: org(source) });
  if (viewer) actor.push({ role: role('IRCP'), reference: org(viewer) });
  const c = {
    resourceType: 'Consent', status: 'active', identifier: marker(uniq('c')),
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: KIND_SYSTEM, code: kind }] }],
    patient: { reference: `Patient/${pid}` }, dateTime: '2026-01-05',
    provision: { type: kind === 'refusal' ? 'deny' : 'permit' },
    sourceAttachment: { contentType: 'application/pdf', title: '同意書（スキャン）', data: Buffer.from('%PDF-1.4 synthetic form').toString('base64') },
  };
  if (actor.length) c.provision.actor = actor;
  return c;
}
const teamBody = (pid, members) => ({ resourceType: 'CareTeam', status: 'active', identifier: marker(uniq('t')), subject: { reference: `Patient/${pid}` },
  participant: members.map((m) => ({ member: org(m) })) });
const obsBody = (pid) => ({ resourceType: 'Observation', status: 'final', identifier: marker(uniq('o')), subject: { reference: `Patient/${pid}` },
  code: { coding: [{ system: 'urn:oid:1.2.392.200119.4.504', code: '3D046000001920402' }] }, effectiveDateTime: '2026-03-01', valueQuantity: { value: 6.4, unit: '%' } });
const condBody = (pid) => ({ resourceType: 'Condition', identifier: marker(uniq('d')), subject: { reference: `Patient/${pid}` },
  code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'E11' }] } });

const KINDS = ['registration', 'individual', 'comprehensive', 'refusal', 'careteam', 'observation', 'condition'];
const TYPE_OF = { registration: 'Patient', individual: 'Consent', comprehensive: 'Consent', refusal: 'Consent', careteam: 'CareTeam',
  observation: 'Observation', condition: 'Condition' };
const WKIND_OF = { registration: 'registration', individual: 'individual', comprehensive: 'comprehensive', refusal: 'refusal',
  careteam: 'careteam', observation: 'clinical', condition: 'clinical' };

/* ---- fixtures ----------------------------------------------------------------
 * Four people, one per relation of C (the writers' facility) to their records:
 *   own   registered at C only; every record C's (and C's consents, team)
 *   reg   registered at S and at C (linked by the operator); records S's
 *   team  registered at S; S's comprehensive consent and a care team with C
 *   none  registered at S; nothing links C to them
 * Each holds one record of every kind. S writes its records under ids of its
 * own facility-code space (so a write to them by C is also a PUT outside C's
 * space). The operator writes to `own` and `none`. */
const PT = {};  // rel → {regs, refusal (viewers), comprehensive, team, S, C (registration ids)}
const FX = {};  // rel → kind → {type, id, owner, cat, kind, patient, body, active, form, by (owner's client)}
const counts = new Map(); // "Type|Patient/<id>" → expected number of records (search)

function desc(rec) {
  return { kind: WKIND_OF[rec.kind] || rec.kind, cat: rec.cat, owner: rec.owner, patient: rec.patient, active: rec.active, form: rec.form };
}

async function expectCreated(r, label) {
  assert.equal(r.status, 201, `${label}: ${r.text.slice(0, 300)}`);
  return r.json;
}

async function register(client, code, local, i, { id } = {}) {
  const names = { family: `書込${'一二三四五六七八九十'[i]}`, familyKana: `カキコミ${'アイウエオカキクケコ'[i]}`, birthDate: `194${i}-0${1 + (i % 9)}-1${i}` };
  const body = patient(code, local, names);
  const r = id ? await put(client, `/fhir/Patient/${id}`, { ...body, id }) : await post(client, '/fhir/Patient', body);
  const json = await expectCreated(r, `register ${local} at ${code}`);
  return { id: json.id, rid: json.identifier.find((x) => x.system === REGION_SYSTEM).value, body: json };
}

async function fixture(rel, kind, client, owner, pt, pid, body, { id } = {}) {
  const type = TYPE_OF[kind];
  const r = id ? await put(client, `/fhir/${type}/${id}`, { ...body, id }) : await post(client, `/fhir/${type}`, body);
  const json = await expectCreated(r, `fixture ${rel}/${kind}`);
  FX[rel][kind] = { rel, kind, type, id: json.id, owner, cat: CAT_OF_TYPE[type], patient: pt, body: json, by: client,
    active: json.status === 'active', form: JSON.stringify(json.sourceAttachment || null), pid };
  return FX[rel][kind];
}

async function countOf(type, pid) {
  // consent records: the operator counts them; clinical records: the facility of the registration
  const who = type === 'Consent' || type === 'CareTeam' ? OP : pid === PT.own.C || pid === PT.reg.C ? CDOC : SD;
  const r = await get(who, `/fhir/${type}?${type === 'Consent' ? 'patient' : 'subject'}=${enc(`Patient/${pid}`)}&_summary=count`);
  assert.equal(r.status, 200, r.text);
  return r.json.total;
}
const countKey = (type, pid) => `${type}|${pid}`;

before(async () => {
  SRV = await startServer({ sets: ['auth.token_lifetime=1h', 'auth.session_idle=1h'] });
  SD = await SRV.login('dr.renkei');
  OP = await SRV.login('operator');
  ODOC = await SRV.login('dr.azumino');
  W.doctor = CDOC = await SRV.login('dr.yamabiko');
  W.clerk = await SRV.login('clerk.yamabiko');
  for (const role of ['nurse', 'pharmacist', 'care_manager', 'care_worker', 'facility_admin'])
    W[role] = await SRV.newStaff(`${role.replace('_', '')}.wm`, C, role);
  W.system = await SRV.system(C, 'system/*.*');
  W.operator = OP;

  // the people
  const own = await register(W.clerk, C, 'WM-OWN', 0);
  const regS = await register(SD, S, 'WM-REG', 1, { id: `${S}-reg-pat` });
  const regC = await register(W.clerk, C, 'WM-REG-C', 1);
  await SRV.link(regS.rid, regC.rid); // the operator's review: one person, registered at S and C
  const team = await register(SD, S, 'WM-TEAM', 2, { id: `${S}-team-pat` });
  const none = await register(SD, S, 'WM-NONE', 3, { id: `${S}-none-pat` });
  PT.own = { rel: 'own', regs: [C], refusal: ['*'], comprehensive: true, team: [C, S], C: own.id, rid: own.rid };
  PT.reg = { rel: 'reg', regs: [S, C], refusal: ['*'], comprehensive: true, team: [S, O], S: regS.id, C: regC.id, rid: regS.rid };
  PT.team = { rel: 'team', regs: [S], refusal: [O], comprehensive: true, team: [S, C], S: team.id, rid: team.rid };
  PT.none = { rel: 'none', regs: [S], refusal: ['*'], comprehensive: true, team: [S, O], S: none.id, rid: none.rid };

  // C's records of its own patient
  FX.own = {};
  const p = PT.own;
  FX.own.registration = { rel: 'own', kind: 'registration', type: 'Patient', id: own.id, owner: C, cat: 'demographics', patient: p,
    body: own.body, by: CDOC, pid: own.id };
  await fixture('own', 'individual', CDOC, C, p, own.id, consentBody(own.id, 'individual', { source: C, viewer: S }));
  await fixture('own', 'comprehensive', CDOC, C, p, own.id, consentBody(own.id, 'comprehensive'));
  await fixture('own', 'refusal', CDOC, C, p, own.id, consentBody(own.id, 'refusal'));
  await fixture('own', 'careteam', CDOC, C, p, own.id, teamBody(own.id, [C, S]));
  await fixture('own', 'observation', CDOC, C, p, own.id, obsBody(own.id));
  await fixture('own', 'condition', CDOC, C, p, own.id, condBody(own.id));
  // S's records of the three others, under ids of S's space
  for (const [rel, reg] of [['reg', regS], ['team', team], ['none', none]]) {
    const pt = PT[rel];
    FX[rel] = {};
    FX[rel].registration = { rel, kind: 'registration', type: 'Patient', id: reg.id, owner: S, cat: 'demographics', patient: pt,
      body: reg.body, by: SD, pid: reg.id };
    const id = (k) => ({ id: `${S}-${rel}-${k}` });
    await fixture(rel, 'individual', SD, S, pt, reg.id, consentBody(reg.id, 'individual', { source: S, viewer: O }), id('ind'));
    await fixture(rel, 'comprehensive', SD, S, pt, reg.id, consentBody(reg.id, 'comprehensive'), id('cmp'));
    await fixture(rel, 'refusal', SD, S, pt, reg.id, consentBody(reg.id, 'refusal', rel === 'team' ? { viewer: O } : {}), id('ref'));
    await fixture(rel, 'careteam', SD, S, pt, reg.id, teamBody(reg.id, pt.team), id('team'));
    await fixture(rel, 'observation', SD, S, pt, reg.id, obsBody(reg.id), id('obs'));
    await fixture(rel, 'condition', SD, S, pt, reg.id, condBody(reg.id), id('cond'));
  }
  // what the oracle says C sees is what C sees: the fixtures are what they mean
  assert.equal((await get(CDOC, `/fhir/Observation/${FX.team.observation.id}`)).status, 200, 'the care team opens S\'s summary to C');
  assert.equal((await get(CDOC, `/fhir/Observation/${FX.reg.observation.id}`)).status, 404, 'registration alone opens nothing clinical');
  assert.equal((await get(W.clerk, `/fhir/Consent/${FX.reg.refusal.id}`)).status, 200, 'consent records are open to where the patient is registered');
  for (const pid of [PT.own.C, PT.reg.C, PT.reg.S, PT.team.S, PT.none.S])
    for (const type of ['Consent', 'CareTeam', 'Observation', 'Condition'])
      counts.set(countKey(type, pid), await countOf(type, pid));
});

after(async () => {
  await SRV.checkAudit(); if (process.env.COUNT_REQUESTS) console.log("requests", SRV.requests.length);
  assert.equal(await SRV.stop(), 0);
  cleanupStore(SRV.store);
});

/* ---- comparing answers ---------------------------------------------------- */

const PER_REQUEST_HEADERS = ['date', 'x-request-id'];

/**
 * Replace each id of pairs[i] ([a, b]) by a placeholder in a's and b's text;
 * assigned: also the ids the server assigned to the two POSTs (26 characters).
 */
function maskPair(ta, tb, pairs, assigned = false) {
  pairs.forEach(([x, y], i) => { ta = ta.split(x).join(`<id${i}>`); tb = tb.split(y).join(`<id${i}>`); });
  if (assigned) [ta, tb] = [ta, tb].map((t) => t.replace(/\b[0-9a-z]{26}\b/g, '<assigned>'));
  return [ta, tb];
}

/** a (about a hidden record) and b (about a missing one) answer alike: status, body, headers (request ids aside). */
function sameAnswer(a, b, pairs, label, problems, assigned = false) {
  const [ta, tb] = maskPair(a.text, b.text, pairs, assigned);
  const hs = (r) => [...r.headers.entries()].filter(([k]) => !PER_REQUEST_HEADERS.includes(k));
  const [ha, hb] = maskPair(JSON.stringify(hs(a)), JSON.stringify(hs(b)), pairs, assigned);
  if (a.status !== b.status || ta !== tb || ha !== hb)
    problems.push(`${label}: the hidden record is answered unlike a missing one:\n    hidden  ${a.status} ${ta.slice(0, 400)} ${ha}\n    missing ${b.status} ${tb.slice(0, 400)} ${hb}`);
}

const codeOf = (json) => json?.issue?.[0]?.details?.coding?.[0]?.code;

/** Compare an answer (status, OperationOutcome code) with the expectation. */
function judge(label, got, exp, problems) {
  const code = got.status >= 400 ? codeOf(got.json) : undefined;
  if (got.status !== exp.status || (exp.code && code !== exp.code) || (!exp.code && exp.status >= 400 && code && code !== 'role'))
    problems.push(`${label}: expected ${exp.status}${exp.code ? ` ${exp.code}` : ''}, got ${got.status} ${code || ''} ${(got.text || '').slice(0, 300)}`);
  return got.status === exp.status;
}

/** A missing id like id (same length, another last character). */
const missingOf = (id) => id.replace(/.$/, (x) => (x === 'z' ? 'y' : 'z'));

/** The record reads as it was: the owner reads it, the same version and body. */
async function unchanged(rec, label, problems) {
  const r = await get(rec.by, `/fhir/${rec.type}/${rec.id}`);
  if (r.status !== 200 || JSON.stringify(r.json) !== JSON.stringify(rec.body))
    problems.push(`${label}: ${rec.type}/${rec.id} changed: ${r.status} version ${r.json?.meta?.versionId}, expected version ${rec.body.meta.versionId}`);
}

async function historyIntact(rec, label, problems) {
  const r = await get(rec.by, `/fhir/${rec.type}/${rec.id}/_history?_count=1`);
  if (r.status !== 200 || r.json.total !== Number(rec.body.meta.versionId))
    problems.push(`${label}: ${rec.type}/${rec.id} has ${r.json?.total} versions in its history, expected ${rec.body.meta.versionId}`);
}

/* ---- the cases of one block (one writer, one relation) --------------------- */

/**
 * The new record of each kind a writer of role at C (or the operator) writes
 * for the person of rel: {type, body, fresh (for the oracle), ref (the patient
 * record it names), pid}.
 */
function createSpec(role, rel, kind) {
  const F = facOf(role), pt = PT[rel];
  const clinical = kind === 'observation' || kind === 'condition';
  // the registration named: C's own where C has one (consents), else S's
  const pid = rel === 'own' ? pt.C : rel === 'reg' && !clinical ? pt.C : pt.S;
  const ref = { cat: 'demographics', owner: pid === pt.C ? C : S, patient: pt };
  let body, owner;
  switch (kind) {
    case 'registration': {
      const code = rel === 'own' ? C : S; // another facility's registration, for the rest
      body = patient(code, uniq('WM-NEW-'), { family: '新規', familyKana: 'シンキ', birthDate: '1960-06-06' });
      return { type: 'Patient', body, fresh: { kind: 'registration', cat: 'demographics', owner: code, patient: null }, ref: null, pid: null };
    }
    case 'individual': {
      // own: C discloses to S; reg: "S discloses to C", recorded by C (finding 3); else C discloses
      const source = rel === 'reg' || role === 'operator' ? S : C;
      body = consentBody(pid, 'individual', { source, viewer: source === S ? (rel === 'reg' ? C : O) : S });
      owner = source;
      break;
    }
    case 'comprehensive': body = consentBody(pid, 'comprehensive'); owner = F; break;
    case 'refusal': body = consentBody(pid, 'refusal', { viewer: O }); owner = F; break;
    case 'careteam': body = teamBody(pid, [O]); owner = F; break;
    case 'observation': body = obsBody(pid); owner = ref.owner; break;
    case 'condition': body = condBody(pid); owner = ref.owner; break;
  }
  const type = TYPE_OF[kind];
  return { type, body, pid, ref, fresh: { kind: WKIND_OF[kind], cat: CAT_OF_TYPE[type], owner, patient: pt, active: true, form: JSON.stringify(body.sourceAttachment || null) } };
}

/** The same body naming a missing patient (same id length). */
function withPatient(body, from, to) {
  return JSON.parse(JSON.stringify(body).split(`Patient/${from}`).join(`Patient/${to}`));
}

/** A record like rec, for a delete that will be permitted (the fixture stays). */
async function victim(rec) {
  const pt = rec.patient, pid = rec.pid;
  let body;
  switch (rec.kind) {
    case 'registration': body = patient(rec.owner, uniq('WM-V-'), { family: '削除', familyKana: 'サクジョ', birthDate: '1961-07-07' }); break;
    case 'individual': body = consentBody(pid, 'individual', rec.owner === C ? { source: C, viewer: S } : { source: S, viewer: O }); break;
    case 'comprehensive': body = consentBody(pid, 'comprehensive'); break;
    case 'refusal': body = consentBody(pid, 'refusal', { viewer: O }); break;
    case 'careteam': body = teamBody(pid, [O]); break;
    case 'observation': body = obsBody(pid); break;
    case 'condition': body = condBody(pid); break;
  }
  const r = await post(rec.by, `/fhir/${rec.type}`, body);
  const json = await expectCreated(r, `victim ${rec.rel}/${rec.kind}`);
  bump(rec.type, pid, +1);
  return { ...rec, id: json.id, body: json, patient: pt };
}

function bump(type, pid, n) {
  const k = countKey(type, pid);
  if (counts.has(k)) counts.set(k, counts.get(k) + n);
}

/** Everything of one block, over REST; only(kind, action) chooses the cases. */
async function restBlock(role, rel, only, problems) {
  const who = W[role], F = facOf(role);
  for (const kind of KINDS) {
    const rec = FX[rel][kind], type = rec.type, L = `${role}@${rel} ${kind}`;
    // update: the stored body, unchanged
    let exp = expect(role, 'update', { type, stored: rec, fresh: desc(rec) });
    let res;
    if (only(kind, 'update')) {
    res = await put(who, `/fhir/${type}/${rec.id}`, clone(rec.body));
    if (judge(`${L} PUT`, res, exp, problems) && exp.status === 200) rec.body = res.json;
    if (exp.status !== 200) await unchanged(rec, `${L} PUT`, problems);
    if (exp.hidden) {
      const m = missingOf(rec.id);
      sameAnswer(res, await put(who, `/fhir/${type}/${m}`, { ...clone(rec.body), id: m }), [[rec.id, m]], `${L} PUT`, problems);
    }
    }
    // delete: a record like it when the delete is permitted, else the record itself
    exp = expect(role, 'delete', { type, stored: rec });
    if (only(kind, 'delete')) {
    const target = exp.status === 200 ? await victim(rec) : rec;
    res = await http(who, 'DELETE', `/fhir/${type}/${target.id}`);
    if (judge(`${L} DELETE`, res, exp, problems) && exp.status === 200) {
      bump(type, rec.pid, -1);
      const gone = await get(rec.by, `/fhir/${type}/${target.id}`);
      if (gone.status !== 410) problems.push(`${L} DELETE: the owner still reads it (${gone.status})`);
    }
    if (exp.status !== 200) await unchanged(rec, `${L} DELETE`, problems);
    if (exp.hidden) {
      const m = missingOf(rec.id);
      sameAnswer(res, await http(who, 'DELETE', `/fhir/${type}/${m}`), [[rec.id, m]], `${L} DELETE`, problems);
    }
    }
    // create (POST), update as create inside and outside the writer's id space, conditional create
    if (only(kind, 'create')) {
      await createCase(who, role, `${L} POST`, createSpec(role, rel, kind), null, problems);
      await createCase(who, role, `${L} PUT-as-create (own id space)`, createSpec(role, rel, kind), `${F}-${uniq()}`, problems);
    }
    if (only(kind, 'put-out'))
      await createCase(who, role, `${L} PUT-as-create (another's id space)`, createSpec(role, rel, kind), `${S}-${uniq()}`, problems);
    if (only(kind, 'conditional'))
      await conditionalCase(who, role, `${L} POST If-None-Exist`, createSpec(role, rel, kind), rec, problems);
  }
}

/** One create (POST, or PUT of putId); a denied one names no stored record, and a hidden patient is a missing one. */
async function createCase(who, role, label, spec, putId, problems) {
  const exp = expect(role, 'create', { type: spec.type, fresh: spec.fresh, ref: spec.ref, putId });
  const send = (body, id) => (id ? put(who, `/fhir/${spec.type}/${id}`, { ...body, id }) : post(who, `/fhir/${spec.type}`, body));
  const body = clone(spec.body);
  const res = await send(body, putId);
  if (judge(label, res, exp, problems) && exp.status === 201) bump(spec.type, spec.pid, +1);
  if (res.status === 201 && exp.status !== 201) bump(spec.type, spec.pid, +1); // keep the counts honest after a wrong permit
  if (exp.hidden && exp.status !== 201) {
    const m = missingOf(spec.pid), mid = putId && missingOf(putId);
    const twin = await send(withPatient(body, spec.pid, m), mid);
    const pairs = [[spec.pid, m]];
    if (putId) pairs.push([putId, mid]);
    sameAnswer(res, twin, pairs, label, problems, !putId);
  }
  if (spec.type === 'Patient' && res.status !== 201) {
    // nothing registered under the local ID
    const local = spec.body.identifier[0];
    const n = await get(OP, `/fhir/Patient?identifier=${enc(`${local.system}|${local.value}`)}&_summary=count`);
    if (n.json.total !== 0) problems.push(`${label}: refused, yet ${local.value} is registered`);
  }
}

/** POST with If-None-Exist naming the stored record: it is returned when the writer may see it; else a create. */
async function conditionalCase(who, role, label, spec, rec, problems) {
  let exp = expect(role, 'create', { type: spec.type, fresh: spec.fresh, ref: spec.ref });
  const visible = roleWritesType(role, spec.type) && canRead(role, rec);
  if (visible) exp = { status: 200 };
  const res = await post(who, `/fhir/${spec.type}`, clone(spec.body), { headers: { 'If-None-Exist': `_id=${rec.id}` } });
  judge(label, res, exp, problems);
  if (res.status === 201) bump(spec.type, spec.pid, +1);
  if (visible && res.status === 200) {
    if (res.json.id !== rec.id || res.headers.get('etag') !== `W/"${rec.body.meta.versionId}"` ||
      !res.headers.get('location')?.endsWith(`/${spec.type}/${rec.id}/_history/${rec.body.meta.versionId}`))
      problems.push(`${label}: the match is not answered with the stored record, its ETag and Location`);
  }
  if (!visible && roleWritesType(role, spec.type) && !canRead(role, rec) && exp.status !== 201) {
    // the hidden record does not count: the same answer as for a missing id
    const m = missingOf(rec.id);
    const twin = await post(who, `/fhir/${spec.type}`, clone(spec.body), { headers: { 'If-None-Exist': `_id=${m}` } });
    sameAnswer(res, twin, [[rec.id, m]], label, problems, true);
  }
}

/* ---- the same writes in Bundles ----------------------------------------------- */

function bundle(type, entries) {
  return { resourceType: 'Bundle', type, entry: entries };
}

/**
 * The entries of one block: the update, the delete (of a record like the
 * stored one when permitted), the create and the conditional create of every
 * kind, with twins against missing ids for what the writer may not see.
 */
async function bundleEntries(role, rel, only) {
  const out = [];
  for (const kind of KINDS) {
    const rec = FX[rel][kind], type = rec.type, L = `${role}@${rel} ${kind}`;
    let exp = expect(role, 'update', { type, stored: rec, fresh: desc(rec) });
    if (only(kind, 'update')) out.push({ label: `${L} PUT`, rec, exp, entry: { resource: clone(rec.body), request: { method: 'PUT', url: `${type}/${rec.id}` } },
      twin: exp.hidden && { entry: { resource: { ...clone(rec.body), id: missingOf(rec.id) }, request: { method: 'PUT', url: `${type}/${missingOf(rec.id)}` } }, pairs: [[rec.id, missingOf(rec.id)]] } });
    exp = expect(role, 'delete', { type, stored: rec });
    const del = !only(kind, 'delete') ? null : exp.status === 200 ? await victim(rec) : rec;
    if (del) out.push({ label: `${L} DELETE`, rec, exp: exp.status === 200 ? { status: 204 } : exp, deleted: exp.status === 200 ? del : null,
      entry: { request: { method: 'DELETE', url: `${type}/${del.id}` } },
      twin: exp.hidden && { entry: { request: { method: 'DELETE', url: `${type}/${missingOf(rec.id)}` } }, pairs: [[rec.id, missingOf(rec.id)]] } });
    const spec = createSpec(role, rel, kind);
    exp = expect(role, 'create', { type, fresh: spec.fresh, ref: spec.ref });
    if (only(kind, 'create')) out.push({ label: `${L} POST`, rec, exp, spec, entry: { resource: clone(spec.body), request: { method: 'POST', url: type } },
      twin: exp.hidden && { entry: { resource: withPatient(spec.body, spec.pid, missingOf(spec.pid)), request: { method: 'POST', url: type } }, pairs: [[spec.pid, missingOf(spec.pid)]] } });
    const visible = roleWritesType(role, type) && canRead(role, rec);
    const cspec = createSpec(role, rel, kind);
    if (only(kind, 'conditional')) out.push({ label: `${L} POST ifNoneExist`, rec, spec: cspec, exp: visible ? { status: 200, match: rec } : expect(role, 'create', { type, fresh: cspec.fresh, ref: cspec.ref }),
      entry: { resource: clone(cspec.body), request: { method: 'POST', url: type, ifNoneExist: `_id=${rec.id}` } } });
  }
  return out;
}

const entryStatus = (e) => Number(e.response.status.split(' ')[0]);

/** A batch: every entry by itself, each answered as the same request alone would be. */
async function batchBlock(role, rel, only, problems) {
  const who = W[role];
  const cases = await bundleEntries(role, rel, only);
  if (!cases.length) return undefined;
  const entries = [];
  for (const c of cases) {
    c.at = entries.push(c.entry) - 1;
    if (c.twin) c.twinAt = entries.push(c.twin.entry) - 1;
  }
  const res = await post(who, '/fhir', bundle('batch', entries));
  if (res.status !== 200) return problems.push(`${role}@${rel} batch: ${res.status} ${res.text.slice(0, 300)}`);
  for (const c of cases) {
    const e = res.json.entry[c.at], st = entryStatus(e);
    judge(`${c.label} (batch)`, { status: st, json: e.response.outcome, text: JSON.stringify(e.response.outcome || '') }, c.exp, problems);
    afterWrite(c, st, e.resource);
    if (c.twin) {
      const t = res.json.entry[c.twinAt];
      const [a, b] = maskPair(JSON.stringify(e), JSON.stringify(t), c.twin.pairs);
      if (a !== b) problems.push(`${c.label} (batch): the hidden record is answered unlike a missing one:\n    ${a.slice(0, 400)}\n    ${b.slice(0, 400)}`);
    }
    if (c.exp.match && st === 200 && (e.resource?.id !== c.exp.match.id || !e.response.location?.startsWith(`${c.exp.match.type}/${c.exp.match.id}/_history/`)))
      problems.push(`${c.label} (batch): the match is not answered with the stored record`);
  }
  return undefined;
}

function afterWrite(c, st, resource) {
  const write = c.entry.request.method;
  if (write === 'PUT' && st === 200 && c.exp.status === 200) c.rec.body = resource;
  if (write === 'POST' && st === 201) bump(c.spec.type, c.spec.pid, +1);
  if (write === 'DELETE' && st === 204 && c.deleted) bump(c.rec.type, c.rec.pid, -1);
}

/** Transactions: one of every permitted write together; each denied write alone fails the whole, as alone over REST. */
async function transactionBlock(role, rel, only, problems) {
  const who = W[role];
  const cases = await bundleEntries(role, rel, only);
  const ok = cases.filter((c) => c.exp.status < 300), denied = cases.filter((c) => c.exp.status >= 300);
  if (ok.length) {
    const res = await post(who, '/fhir', bundle('transaction', ok.map((c) => c.entry)));
    if (res.status !== 200) {
      problems.push(`${role}@${rel} transaction of the permitted writes: ${res.status} ${res.text.slice(0, 300)}`);
    } else {
      ok.forEach((c, i) => {
        const e = res.json.entry[i], st = entryStatus(e);
        judge(`${c.label} (transaction)`, { status: st }, c.exp, problems);
        afterWrite(c, st, e.resource);
      });
    }
  }
  for (const c of denied) {
    const res = await post(who, '/fhir', bundle('transaction', [c.entry]));
    judge(`${c.label} (transaction)`, res, c.exp, problems);
    if (res.status === 200) c.entry.request.method === 'POST' && bump(c.spec.type, c.spec.pid, +1);
    if (c.twin) {
      const twin = await post(who, '/fhir', bundle('transaction', [c.twin.entry]));
      sameAnswer(res, twin, c.twin.pairs, `${c.label} (transaction)`, problems);
    }
  }
}

/** After a block: every record of the relation reads as the oracle says it must, its history as long. */
async function intact(rel, label, problems) {
  for (const kind of KINDS) {
    await unchanged(FX[rel][kind], `${label} ${kind}`, problems);
    await historyIntact(FX[rel][kind], `${label} ${kind}`, problems);
  }
}

/** The records of each person, counted by who may count them: what was created, nothing else. */
async function countsIntact(label, problems) {
  for (const [key, want] of counts) {
    const [type, pid] = key.split('|');
    const n = await countOf(type, pid);
    if (n !== want) problems.push(`${label}: ${n} ${type} records of Patient/${pid}, expected ${want}`);
  }
}

const RELATIONS = { doctor: ['own', 'reg', 'team', 'none'], operator: ['own', 'none'] };

async function runRole(role, rels, only, problems) {
  for (const rel of rels) {
    const pick = (kind, action) => only(role, rel, kind, action);
    await restBlock(role, rel, pick, problems);
    await batchBlock(role, rel, pick, problems);
    await transactionBlock(role, rel, pick, problems);
    await intact(rel, `${role}@${rel}`, problems);
  }
  await countsIntact(role, problems);
}

const none = (problems) => assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.join('\n')}`);

for (const role of ROLES) {
  test(`${role}: every kind × relation × action, over REST, batch and transaction`, async () => {
    const problems = [];
    await runRole(role, RELATIONS[role] || RELATIONS.doctor, () => true, problems);
    none(problems);
  });
}

/* Two defects this matrix found, fixed with it (each case is in the matrix
 * above; the words of the findings here):
 *   - a clinical record of another facility the writer may read (a care team
 *     opens it) was refused as "subject: Patient/... does not exist" instead of
 *     403 not_owner (fhir/clinical.c refused before the write decision);
 *   - another facility's consent or care team the writer may read (the patient
 *     is registered at the writer's facility), naming that facility's
 *     registration, which the writer may not read, was refused as "patient:
 *     Patient/... does not exist" instead of by the rule (fhir/resource.c now
 *     gives the decision on the stored record when the body does not resolve). */
test('another facility\'s refusal the writer may read: withdrawn only with a new form, and then only by its owner (not "patient does not exist")', async () => {
  const problems = [];
  // finding 3 in these words: C's care manager and clerk withdraw S's refusal of a person registered at both
  const refusal = FX.reg.refusal, form = { contentType: 'application/pdf', title: '拒否撤回書', data: Buffer.from('%PDF-1.4 withdrawal').toString('base64') };
  for (const role of ['care_manager', 'clerk']) {
    judge(`${role}: withdraw S's refusal with its own form`, await put(W[role], `/fhir/Consent/${refusal.id}`, { ...clone(refusal.body), status: 'inactive' }),
      { status: 400, code: 'needs_form' }, problems);
    judge(`${role}: withdraw S's refusal with a new form`, await put(W[role], `/fhir/Consent/${refusal.id}`, { ...clone(refusal.body), status: 'inactive', sourceAttachment: form }),
      { status: 403, code: 'not_owner' }, problems);
  }
  await unchanged(refusal, 'finding 3', problems);
  none(problems);
});

/* ---- the directory: facilities, outside organisations, staff --------------- */

const FACILITY_KIND = 'urn:renkei:CodeSystem:facility-kind';
const orgFacts = (body) => ({ kind: body.identifier?.some((i) => i.system === FACILITY_SYSTEM) ? 'facility' : 'organization', cat: 'directory',
  owner: body.identifier?.find((i) => i.system === FACILITY_SYSTEM)?.value, fkind: body.type?.[0]?.coding?.[0]?.code || 'other',
  area: `${body.address?.[0]?.state || ''}${body.address?.[0]?.city || ''}`, active: body.active !== false });
const pracFacts = (body) => ({ kind: 'practitioner', cat: 'directory',
  owner: (body.identifier || []).map((i) => /^urn:oid:1\.2\.392\.100495\.20\.3\.41\.1(\d{10})$/.exec(i.system)?.[1]).find(Boolean) || '' });
const outsideOrg = (name) => ({ resourceType: 'Organization', active: true, name, telecom: [{ system: 'phone', value: '0263-00-0000' }],
  address: [{ state: '長野県', city: '松本市', text: '長野県松本市' }] });
const practitioner = (code, no) => ({ resourceType: 'Practitioner', identifier: [{ system: STAFF_SYSTEM(code), value: no }], active: true,
  name: [{ use: 'official', text: '試験 花子', family: '試験', given: ['花子'] }] });
let facilityCodes = 0;
const newFacilityCode = () => `20990000${String(10 + ++facilityCodes).padStart(2, '0')}`;

async function readAs(client, path) {
  const r = await get(client, path);
  assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
  return r.json;
}

/** One directory write and its check: the answer the table gives, and a refused write changes nothing. */
async function directoryCase(role, label, { method, path, body, stored, fresh, owner }, problems) {
  const who = W[role], type = path.split('/')[2];
  const action = method === 'POST' || (method === 'PUT' && !stored) ? 'create' : method === 'PUT' ? 'update' : 'delete';
  let exp;
  if (!roleWritesType(role, type)) exp = { status: 403, code: 'role' };
  else {
    const rule = decideWrite(role, action, stored, fresh);
    exp = rule ? { status: STATUS_OF[rule], code: rule } : { status: action === 'create' ? 201 : 200 };
  }
  const res = await http(who, method, path, body === undefined ? {} : { body });
  judge(`${role} ${label}`, res, exp, problems);
  if (exp.status >= 400 && stored) {
    const now = await get(owner, path);
    if (now.status !== 200 || now.json.meta.versionId !== stored.version)
      problems.push(`${role} ${label}: refused, yet ${path} is now version ${now.json?.meta?.versionId} (was ${stored.version})`);
  }
  return res;
}

test('the directory: a facility\'s kind, area and taking part are the operator\'s; staff and outside organisations their facility\'s', async () => {
  const problems = [];
  const SADMIN = await SRV.login('admin.renkei');
  const extS = await expectCreated(await post(SADMIN, '/fhir/Organization', outsideOrg('松本訪問歯科（紹介先）')), 'S registers an outside organisation');
  for (const role of ROLES) {
    const who = W[role], F = facOf(role);
    const admins = role === 'operator' ? OP : role === 'facility_admin' ? who : W.facility_admin;
    // the facility itself (the operator works on a facility it registers here)
    let orgId = `org-${C}`;
    if (role === 'operator') {
      const code = newFacilityCode();
      const made = await directoryCase(role, 'POST a participating facility', { method: 'POST', path: '/fhir/Organization',
        body: { ...(await readAs(OP, `/fhir/Organization/org-${C}`)), id: undefined, meta: undefined, identifier: [{ system: FACILITY_SYSTEM, value: code }], name: `試験診療所${code}` },
        fresh: { kind: 'facility', cat: 'directory', owner: code } }, problems);
      orgId = made.json?.id;
    } else {
      await directoryCase(role, 'POST a participating facility', { method: 'POST', path: '/fhir/Organization',
        body: { ...(await readAs(who, `/fhir/Organization/org-${C}`)), id: undefined, meta: undefined, identifier: [{ system: FACILITY_SYSTEM, value: newFacilityCode() }] },
        fresh: { kind: 'facility', cat: 'directory', owner: 'new' } }, problems);
    }
    const changes = {
      'the same body': (b) => b,
      'name and telephone': (b) => ({ ...b, name: `${b.name}（本院）`, telecom: [{ system: 'phone', value: '0263-99-0001', use: 'work' }] }),
      'kind: clinic → hospital': (b) => ({ ...b, type: [{ coding: [{ system: FACILITY_KIND, code: 'hospital' }] }] }),
      'area: another city': (b) => ({ ...b, address: [{ ...b.address[0], city: '塩尻市', text: '長野県塩尻市大門1-1' }] }),
      'taking part: active false': (b) => ({ ...b, active: false }),
    };
    for (const [what, change] of Object.entries(changes)) {
      for (const id of [orgId, `org-${S}`]) {
        if (role === 'operator' && id !== orgId) continue; // the operator's own changes stay on its test facility
        const cur = await readAs(OP, `/fhir/Organization/${id}`);
        const body = change(clone(cur));
        await directoryCase(role, `PUT Organization/${id}: ${what}`, { method: 'PUT', path: `/fhir/Organization/${id}`, body,
          stored: { ...orgFacts(cur), version: cur.meta.versionId }, fresh: orgFacts(body), owner: OP }, problems);
        if (what !== 'the same body' && role !== 'operator') { // put back what a permitted change changed
          const after = await readAs(OP, `/fhir/Organization/${id}`);
          if (after.meta.versionId !== cur.meta.versionId)
            await put(admins, `/fhir/Organization/${id}`, { ...clone(cur), meta: undefined });
        }
      }
    }
    for (const id of [orgId, `org-${S}`]) {
      if (role === 'operator' && id !== orgId) continue;
      const cur = await readAs(OP, `/fhir/Organization/${id}`);
      await directoryCase(role, `DELETE Organization/${id}`, { method: 'DELETE', path: `/fhir/Organization/${id}`,
        stored: { ...orgFacts(cur), version: cur.meta.versionId }, owner: OP }, problems);
    }
    // an outside organisation: registered by a facility, which then owns it
    const mine = await post(who, '/fhir/Organization', outsideOrg(`紹介先${uniq()}`));
    judge(`${role} POST an outside organisation`, mine, roleWritesType(role, 'Organization') ? { status: 201 } : { status: 403, code: 'role' }, problems);
    const extC = mine.status === 201 ? mine.json : await expectCreated(await post(W.facility_admin, '/fhir/Organization', outsideOrg(`紹介先${uniq()}`)), 'C registers one');
    const extOwner = mine.status === 201 ? F : C;
    for (const [org, owner] of [[extC, extOwner], [extS, S]]) {
      const cur = await readAs(OP, `/fhir/Organization/${org.id}`);
      await directoryCase(role, `PUT an outside organisation of ${owner}`, { method: 'PUT', path: `/fhir/Organization/${org.id}`,
        body: { ...clone(cur), name: `${cur.name}・改` }, stored: { ...orgFacts(cur), owner, version: cur.meta.versionId }, fresh: { ...orgFacts(cur), owner }, owner: OP }, problems);
    }
    const doomed = role === 'operator' ? extS : extC;
    const cur = await readAs(OP, `/fhir/Organization/${doomed.id}`);
    const del = await directoryCase(role, 'DELETE an outside organisation', { method: 'DELETE', path: `/fhir/Organization/${doomed.id}`,
      stored: { ...orgFacts(cur), owner: doomed === extS ? S : extOwner, version: cur.meta.versionId }, owner: OP }, problems);
    if (del.status !== 200 && doomed === extC) { /* C's stays */ }
    if (role !== 'operator') {
      const cS = await readAs(OP, `/fhir/Organization/${extS.id}`);
      await directoryCase(role, 'DELETE another facility\'s outside organisation', { method: 'DELETE', path: `/fhir/Organization/${extS.id}`,
        stored: { ...orgFacts(cS), owner: S, version: cS.meta.versionId }, owner: OP }, problems);
    }
    // staff: the facility of the staff ID
    for (const [id, owner] of [[`prac-${C}-001`, C], [`prac-${S}-001`, S]]) {
      const p = await readAs(OP, `/fhir/Practitioner/${id}`);
      const stored = { ...pracFacts(p), version: p.meta.versionId };
      await directoryCase(role, `PUT Practitioner of ${owner}`, { method: 'PUT', path: `/fhir/Practitioner/${id}`, body: clone(p),
        stored, fresh: pracFacts(p), owner: OP }, problems);
      if (owner === S) {
        const now = await readAs(OP, `/fhir/Practitioner/${id}`);
        const taken = { ...clone(now), identifier: [{ system: STAFF_SYSTEM(F), value: 'S9001' }] };
        await directoryCase(role, `PUT Practitioner of ${owner}, taken over (staff ID of ${F})`, { method: 'PUT', path: `/fhir/Practitioner/${id}`,
          body: taken, stored: { ...pracFacts(now), version: now.meta.versionId }, fresh: pracFacts(taken), owner: OP }, problems);
      }
    }
    for (const code of [F, S]) {
      const body = practitioner(code, uniq('N'));
      const made = await directoryCase(role, `POST a Practitioner of ${code}`, { method: 'POST', path: '/fhir/Practitioner', body, fresh: pracFacts(body) }, problems);
      const pid = `prac-test-${uniq()}`; // the directory takes any id
      await directoryCase(role, `PUT-as-create Practitioner/${pid} of ${code}`, { method: 'PUT', path: `/fhir/Practitioner/${pid}`,
        body: { ...practitioner(code, uniq('N')), id: pid }, fresh: pracFacts(body) }, problems);
      const target = made.status === 201 ? made.json : await expectCreated(await post(code === S ? SADMIN : W.facility_admin, '/fhir/Practitioner', practitioner(code, uniq('N'))), 'staff to delete');
      await directoryCase(role, `DELETE a Practitioner of ${code}`, { method: 'DELETE', path: `/fhir/Practitioner/${target.id}`,
        stored: { ...pracFacts(target), version: target.meta.versionId }, owner: OP }, problems);
    }
  }
  none(problems);
});

/* ---- links: the operator's review only ----------------------------------- */

test('links between registrations are the operator\'s: merge, reject and unmerge, and nothing else links', async () => {
  const problems = [];
  const names = { family: '連結', familyKana: 'レンケツ', given: '一', givenKana: 'ハジメ', birthDate: '1939-09-09' };
  const a = await expectCreated(await post(SD, '/fhir/Patient', patient(S, 'LK-1', names)), 'S registers');
  const b = await expectCreated(await post(W.clerk, '/fhir/Patient', patient(C, 'LK-2', names)), 'C registers the same person');
  const rid = (p) => p.identifier.find((x) => x.system === REGION_SYSTEM).value;
  const list = await get(OP, '/api/patient-match?status=pending');
  const cand = list.json.candidates.find((x) => [x.regional_a, x.regional_b].includes(rid(b)));
  assert.ok(cand, 'the look-alike is queued for review');
  const pix = async (p) => (await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${REGION_SYSTEM}|${rid(p)}`)}`)).text;
  const before = [await pix(a), await pix(b)];
  for (const role of ROLES.filter((r) => r !== 'operator')) {
    const who = W[role];
    for (const [method, path, body] of [
      ['GET', '/api/patient-match', undefined],
      ['POST', `/api/patient-match/${cand.candidate}/merge`, { reason: 'same person' }],
      ['POST', `/api/patient-match/${cand.candidate}/reject`, { reason: 'not the same' }],
      ['POST', '/api/patient-link/merge', { from: rid(b), into: rid(a), reason: 'same person' }],
      ['POST', `/api/patient-link/${b.id}/unmerge`, { reason: 'undo' }],
    ]) {
      const r = await http(who, method, path, body === undefined ? {} : { body });
      if (r.status !== 403) problems.push(`${role} ${method} ${path}: expected 403, got ${r.status} ${r.text.slice(0, 200)}`);
    }
  }
  if ((await pix(a)) !== before[0] || (await pix(b)) !== before[1]) problems.push('a refused link changed the cross-references');
  const still = (await get(OP, '/api/patient-match?status=pending')).json.candidates.find((x) => x.candidate === cand.candidate);
  if (!still) problems.push('a refused decision took the candidate out of the queue');
  // the operator decides
  const merged = await post(OP, `/api/patient-match/${cand.candidate}/merge`, { reason: '同一人物（本人確認済み）' });
  if (merged.status !== 200) problems.push(`operator merge: ${merged.status} ${merged.text.slice(0, 200)}`);
  const links = await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${LOCAL_SYSTEM(C)}|LK-2`)}`);
  if (!links.text.includes(a.id) || !links.text.includes(b.id)) problems.push('after the operator\'s merge both registrations are one person');
  const undone = await post(OP, `/api/patient-link/${b.id}/unmerge`, { reason: '誤統合' });
  if (undone.status !== 200) problems.push(`operator unmerge: ${undone.status} ${undone.text.slice(0, 200)}`);
  none(problems);
});

/* ---- the findings of issue 11 ----------------------------------------------- */

/** A valid regional patient ID (13 digits, Luhn check digit) that no one has. */
function unusedRegionalId(seed) {
  const d = `9${String(seed).padStart(11, '0')}`;
  let sum = 0;
  for (let i = d.length - 1, k = 0; i >= 0; i--, k++) {
    let v = Number(d[i]);
    if (k % 2 === 0) { v *= 2; if (v > 9) v -= 9; }
    sum += v;
  }
  return `${d}${(10 - (sum % 10)) % 10}`;
}

test('finding 1: a clinic\'s clerk or system registering a Patient under another person\'s regional ID is refused alike, ID known or not, and nothing is linked', async () => {
  const problems = [];
  const fresh = unusedRegionalId(424242);
  const pixOf = async (r) => (await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${REGION_SYSTEM}|${r}`)}`)).text;
  const before = { [PT.none.rid]: await pixOf(PT.none.rid), [PT.reg.rid]: await pixOf(PT.reg.rid) };
  for (const role of ['clerk', 'system']) {
    const who = W[role];
    const answers = {};
    for (const [name, regional] of [['another person\'s (at S only)', PT.none.rid], ['a person C also registers', PT.reg.rid], ['none such', fresh]]) {
      const local = `F1-${role}`; // the same registration each time: it never gets made
      const body = patient(C, local, { family: '詐称', familyKana: 'サショウ', birthDate: '1955-05-05', regional });
      const id = `${C}-f1-${role}`;
      const viaPost = await post(who, '/fhir/Patient', body);
      const viaPut = await put(who, `/fhir/Patient/${id}`, { ...body, id });
      const viaBatch = await post(who, '/fhir', bundle('batch', [{ resource: body, request: { method: 'POST', url: 'Patient' } }]));
      const viaTx = await post(who, '/fhir', bundle('transaction', [{ resource: { ...body, id }, request: { method: 'PUT', url: `Patient/${id}` } }]));
      for (const [how, r] of [['POST', viaPost], ['PUT', viaPut], ['transaction', viaTx]])
        judge(`${role} ${how} naming ${name}`, r, { status: 400, code: 'regional_id' }, problems);
      const entry = viaBatch.json.entry[0].response;
      judge(`${role} batch naming ${name}`, { status: entryStatus({ response: entry }), json: entry.outcome, text: JSON.stringify(entry) },
        { status: 400, code: 'regional_id' }, problems);
      answers[name] = { viaPost, viaPut, viaTx, entry };
      const n = await get(OP, `/fhir/Patient?identifier=${enc(`${LOCAL_SYSTEM(C)}|${local}`)}&_summary=count`);
      if (n.json.total !== 0) problems.push(`${role} naming ${name}: the registration was made`);
    }
    // the same words whether the ID is someone's or no one's
    const [x, ...rest] = Object.values(answers);
    for (const y of rest) {
      sameAnswer(x.viaPost, y.viaPost, [], `${role} POST`, problems, true);
      sameAnswer(x.viaPut, y.viaPut, [], `${role} PUT`, problems);
      sameAnswer(x.viaTx, y.viaTx, [], `${role} transaction`, problems);
      const [ea, eb] = maskPair(JSON.stringify(x.entry), JSON.stringify(y.entry), [], true);
      if (ea !== eb) problems.push(`${role} batch: the answers differ:\n    ${ea}\n    ${eb}`);
    }
  }
  for (const [r, text] of Object.entries(before))
    if ((await pixOf(r)) !== text) problems.push(`the registrations of ${r} changed`);
  if ((await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${REGION_SYSTEM}|${fresh}`)}`)).status !== 404)
    problems.push('the unused regional ID came into being');
  none(problems);
});

test('finding 2: a pharmacy cannot turn another patient\'s refusal or care team to one of its own patients; the refusal stays in force', async () => {
  const problems = [];
  const PHARM = await SRV.login('ph.midori');
  const names = (i) => ({ family: `拒否${'一二三'[i]}`, familyKana: `キョヒ${'アイウ'[i]}`, birthDate: `193${i}-03-0${i + 1}` });
  // X: S's patient with a refusal, an individual consent S → O (closed by the refusal) and a care team; X2: the same, also registered at the pharmacy
  const setup = async (i, local) => {
    const x = await expectCreated(await post(SD, '/fhir/Patient', patient(S, local, names(i))), 'X at S');
    const ref = await expectCreated(await post(SD, '/fhir/Consent', consentBody(x.id, 'refusal')), 'refusal');
    await expectCreated(await post(SD, '/fhir/Consent', consentBody(x.id, 'individual', { source: S, viewer: O })), 'consent S → O');
    const team = await expectCreated(await post(SD, '/fhir/CareTeam', teamBody(x.id, [S, O])), 'team');
    return { x, ref, team };
  };
  const X = await setup(0, 'F2-X');
  const X2 = await setup(1, 'F2-X2');
  const atPh = await expectCreated(await post(PHARM, '/fhir/Patient', patient(PH, 'F2-X2-PH', names(1))), 'X2 at the pharmacy');
  await SRV.link(X2.x.identifier.find((i) => i.system === REGION_SYSTEM).value, atPh.identifier.find((i) => i.system === REGION_SYSTEM).value);
  const Y = await expectCreated(await post(PHARM, '/fhir/Patient', patient(PH, 'F2-Y', names(2))), 'the pharmacy\'s own patient');
  for (const [label, case_, visible] of [['not registered at the pharmacy', X, false], ['also registered at the pharmacy', X2, true]]) {
    for (const [what, rec, turned] of [
      ['refusal', case_.ref, { ...clone(case_.ref), status: 'inactive', patient: { reference: `Patient/${Y.id}` } }],
      ['care team', case_.team, { ...clone(case_.team), subject: { reference: `Patient/${Y.id}` }, participant: [{ member: org(PH) }] }],
    ]) {
      const type = rec.resourceType;
      const res = await put(PHARM, `/fhir/${type}/${rec.id}`, turned);
      if (visible) judge(`pharmacy PUT ${what} (${label})`, res, { status: 400, code: 'patient_change' }, problems);
      else {
        judge(`pharmacy PUT ${what} (${label})`, res, { status: 404 }, problems);
        const m = missingOf(rec.id);
        sameAnswer(res, await put(PHARM, `/fhir/${type}/${m}`, { ...turned, id: m }), [[rec.id, m]], `pharmacy PUT ${what} (${label})`, problems);
      }
      const del = await http(PHARM, 'DELETE', `/fhir/${type}/${rec.id}`);
      judge(`pharmacy DELETE ${what} (${label})`, del, visible ? { status: 403, code: what === 'refusal' ? 'delete_refusal' : 'not_owner' } : { status: 404 }, problems);
      const now = await get(SD, `/fhir/${type}/${rec.id}`);
      if (JSON.stringify(now.json) !== JSON.stringify(rec)) problems.push(`pharmacy ${what} (${label}): the record changed`);
    }
    // the refusal is in force: O, whom the individual consent names, still sees nothing of S's
    const seen = await get(ODOC, `/fhir/Patient/${case_.x.id}`);
    if (seen.status !== 404) problems.push(`${label}: the refusal no longer holds (O reads the patient: ${seen.status})`);
  }
  none(problems);
});

test('finding 3: where the patient is registered, a care manager or clerk neither withdraws another facility\'s refusal nor records its consent; its owner withdraws only with a new signed form', async () => {
  const problems = [];
  const names = { family: '撤回', familyKana: 'テッカイ', birthDate: '1944-04-04' };
  const z = await expectCreated(await post(SD, '/fhir/Patient', patient(S, 'F3-Z', names)), 'Z at S');
  const zc = await expectCreated(await post(W.clerk, '/fhir/Patient', patient(C, 'F3-Z-C', names)), 'Z at C');
  await SRV.link(z.identifier.find((i) => i.system === REGION_SYSTEM).value, zc.identifier.find((i) => i.system === REGION_SYSTEM).value);
  const refusal = await expectCreated(await post(SD, '/fhir/Consent', consentBody(z.id, 'refusal')), 'S records the refusal');
  await expectCreated(await post(SD, '/fhir/Consent', consentBody(z.id, 'individual', { source: S, viewer: C })), 'S: a consent to C, closed by the refusal');
  const lab = await expectCreated(await post(SD, '/fhir/Observation', obsBody(z.id)), 'a lab result at S');
  const form = { contentType: 'application/pdf', title: '拒否撤回書（スキャン）', data: Buffer.from('%PDF-1.4 withdrawal form').toString('base64') };
  const withdraw = (attachment) => { const b = { ...clone(refusal), status: 'inactive' }; if (attachment === null) delete b.sourceAttachment; else if (attachment) b.sourceAttachment = attachment; return b; };
  assert.equal((await get(W.clerk, `/fhir/Consent/${refusal.id}`)).status, 200, 'C\'s staff read the refusal (the patient is registered at C)');
  for (const role of ['care_manager', 'clerk']) {
    const who = W[role];
    // refused (with which rule: the defect test consent-ref-hidden below), and nothing changes
    for (const [what, b] of [['the refusal\'s own form', withdraw()], ['a new form', withdraw(form)]]) {
      const r = await put(who, `/fhir/Consent/${refusal.id}`, b);
      if (r.status < 400 || r.status >= 500) problems.push(`${role}: withdrawing S's refusal with ${what} is not refused: ${r.status}`);
    }
    judge(`${role}: delete S's refusal`, await http(who, 'DELETE', `/fhir/Consent/${refusal.id}`), { status: 403, code: 'delete_refusal' }, problems);
    judge(`${role}: record that S discloses to C`, await post(who, '/fhir/Consent', consentBody(zc.id, 'individual', { source: S, viewer: C })),
      { status: 403, code: 'not_owner' }, problems);
    judge(`${role}: record that S discloses to every facility`, await post(who, '/fhir/Consent', consentBody(zc.id, 'individual', { source: S })),
      { status: 403, code: 'not_owner' }, problems);
  }
  if (JSON.stringify((await get(SD, `/fhir/Consent/${refusal.id}`)).json) !== JSON.stringify(refusal)) problems.push('the refusal changed');
  if ((await get(CDOC, `/fhir/Observation/${lab.id}`)).status !== 404) problems.push('the refusal no longer holds');
  // the owner: not without the patient's signed withdrawal
  judge('S withdraws with the refusal\'s own form', await put(SD, `/fhir/Consent/${refusal.id}`, withdraw()), { status: 400, code: 'needs_form' }, problems);
  judge('S withdraws with no form', await put(SD, `/fhir/Consent/${refusal.id}`, withdraw(null)), { status: 400, code: 'needs_form' }, problems);
  judge('S deletes its refusal', await http(SD, 'DELETE', `/fhir/Consent/${refusal.id}`), { status: 403, code: 'delete_refusal' }, problems);
  if ((await get(CDOC, `/fhir/Observation/${lab.id}`)).status !== 404) problems.push('a refused withdrawal opened the record');
  const done = await put(SD, `/fhir/Consent/${refusal.id}`, withdraw(form));
  judge('S withdraws with the signed withdrawal attached', done, { status: 200 }, problems);
  if ((await get(CDOC, `/fhir/Observation/${lab.id}`)).status !== 200) problems.push('after the withdrawal the consent to C holds again');
  none(problems);
});

test('finding 4: a clinic\'s administrator cannot make it a hospital (its doctors still cannot break the glass), nor take over another facility\'s staff', async () => {
  const problems = [];
  const admin = W.facility_admin;
  const cur = await readAs(admin, `/fhir/Organization/org-${C}`);
  const asHospital = { ...clone(cur), type: [{ coding: [{ system: FACILITY_KIND, code: 'hospital', display: '病院' }] }] };
  judge('clinic admin: kind → hospital', await put(admin, `/fhir/Organization/org-${C}`, asHospital), { status: 403, code: 'operator_only' }, problems);
  judge('clinic admin: kind → hospital, in a transaction', await post(admin, '/fhir', bundle('transaction', [{ resource: asHospital, request: { method: 'PUT', url: `Organization/org-${C}` } }])),
    { status: 403, code: 'operator_only' }, problems);
  const nowOrg = await readAs(OP, `/fhir/Organization/org-${C}`);
  if (nowOrg.meta.versionId !== cur.meta.versionId || nowOrg.type[0].coding[0].code !== 'clinic') problems.push('the clinic changed');
  const facilities = await SRV.cli(['facility', 'list']);
  if (!facilities.stdout.split('\n').some((l) => l.includes(C) && l.includes('clinic'))) problems.push(`the facility table no longer says clinic: ${facilities.stdout}`);
  const btg = await post(CDOC, '/api/emergency', { patient: `Patient/${PT.none.S}`, reason_code: 'unconscious', reason_text: '意識障害で救急搬送' });
  judge('a doctor of the clinic breaks the glass', btg, { status: 403, code: 'not_eligible' }, problems);
  // another facility's staff
  const prac = await readAs(OP, `/fhir/Practitioner/prac-${S}-002`);
  const taken = { ...clone(prac), identifier: [{ system: STAFF_SYSTEM(C), value: 'S0999' }] };
  judge('clinic admin takes over S\'s staff (staff ID of C)', await put(admin, `/fhir/Practitioner/${prac.id}`, taken), { status: 400, code: 'owner_change' }, problems);
  judge('clinic admin edits S\'s staff', await put(admin, `/fhir/Practitioner/${prac.id}`, { ...clone(prac), active: false }), { status: 403, code: 'not_owner' }, problems);
  judge('clinic admin deletes S\'s staff', await http(admin, 'DELETE', `/fhir/Practitioner/${prac.id}`), { status: 403, code: 'not_owner' }, problems);
  if ((await readAs(OP, `/fhir/Practitioner/${prac.id}`)).meta.versionId !== prac.meta.versionId) problems.push('S\'s staff record changed');
  none(problems);
});

/* ---- conditional create ------------------------------------------------------ */

test('conditional create: If-None-Exist through the consent-filtered search — none visible creates, one returns it, more is 412', async () => {
  const me = await expectCreated(await post(W.clerk, '/fhir/Patient', patient(C, 'CC-1', { family: '条件', familyKana: 'ジョウケン', birthDate: '1950-10-10' })), 'a patient of C');
  const body = { ...obsBody(me.id), identifier: [{ system: 'urn:renkei:test:cc', value: 'one' }] };
  const cond = (q) => ({ headers: { 'If-None-Exist': q } });
  const first = await post(CDOC, '/fhir/Observation', body, cond('identifier=urn:renkei:test:cc|one'));
  assert.equal(first.status, 201, first.text);
  for (let i = 0; i < 2; i++) {
    const again = await post(CDOC, '/fhir/Observation', body, cond('identifier=urn:renkei:test:cc|one'));
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.id, first.json.id, 'the existing record');
    assert.equal(again.headers.get('etag'), 'W/"1"');
    assert.equal(again.headers.get('location'), first.headers.get('location'));
  }
  const count = async (v) => (await get(CDOC, `/fhir/Observation?identifier=urn:renkei:test:cc|${v}&_summary=count`)).json.total;
  assert.equal(await count('one'), 1, 'three POSTs, one record');
  assert.equal((await get(CDOC, `/fhir/Observation/${first.json.id}/_history`)).json.total, 1, 'nothing written');
  // more than one: 412, nothing written
  await expectCreated(await post(CDOC, '/fhir/Observation', body), 'a second one, unconditionally');
  const many = await post(CDOC, '/fhir/Observation', body, cond('identifier=urn:renkei:test:cc|one'));
  assert.equal(many.status, 412, many.text);
  assert.match(many.json.issue[0].diagnostics, /matches 2 Observation records/);
  assert.equal(await count('one'), 2);
  // hidden records never count: S's lab result of a person C may not see is, to C, no match
  const hidden = FX.none.observation.id, visible = FX.own.observation.id;
  const onlyHidden = await post(CDOC, '/fhir/Observation', { ...body, identifier: [{ system: 'urn:renkei:test:cc', value: 'h' }] }, cond(`_id=${hidden}`));
  assert.equal(onlyHidden.status, 201, 'a hidden record does not match');
  const onlyMissing = await post(CDOC, '/fhir/Observation', { ...body, identifier: [{ system: 'urn:renkei:test:cc', value: 'm' }] }, cond(`_id=${missingOf(hidden)}`));
  assert.equal(onlyMissing.status, 201, 'neither does a missing one');
  const both = await post(CDOC, '/fhir/Observation', body, cond(`_id=${hidden},${visible}`));
  assert.equal(both.status, 200, `one visible match among a hidden one: ${both.text.slice(0, 200)}`);
  assert.equal(both.json.id, visible);
  // a pharmacist of C matching S's record it may see (care team) gets it; the same query by C's clerk (no lab results) is a 403 like any write
  const teamLab = FX.team.observation.id;
  assert.equal((await post(W.pharmacist, '/fhir/Observation', obsBody(PT.own.C), cond(`_id=${teamLab}`))).json.id, teamLab);
  assert.equal((await post(W.clerk, '/fhir/Observation', obsBody(PT.own.C), cond(`_id=${teamLab}`))).status, 403);
  // malformed: 400, nothing written
  for (const q of ['foo=bar', '', '_count=2', 'identifier=%zz', 'date=yesterday'])
    assert.equal((await post(CDOC, '/fhir/Observation', body, cond(q))).status, 400, `If-None-Exist: ${q}`);
  assert.equal(await count('one'), 2);
  // Bundles: request.ifNoneExist alike; in a transaction a reference to the entry names the record found
  const batch = await post(CDOC, '/fhir', bundle('batch', [
    { resource: body, request: { method: 'POST', url: 'Observation', ifNoneExist: 'identifier=urn:renkei:test:cc|one' } },
    { resource: { ...body, identifier: [{ system: 'urn:renkei:test:cc', value: 'two' }] }, request: { method: 'POST', url: 'Observation', ifNoneExist: 'identifier=urn:renkei:test:cc|two' } },
    { resource: body, request: { method: 'POST', url: 'Observation', ifNoneExist: `_id=${visible}` } },
    { resource: body, request: { method: 'POST', url: 'Observation', ifNoneExist: 'bogus=1' } },
  ]));
  assert.deepEqual(batch.json.entry.map((e) => e.response.status), ['412 Precondition Failed', '201 Created', '200 OK', '400 Bad Request']);
  assert.equal(batch.json.entry[2].resource.id, visible);
  assert.ok(batch.json.entry[2].response.location.startsWith(`Observation/${visible}/_history/`));
  const tx = await post(CDOC, '/fhir', bundle('transaction', [
    { fullUrl: 'urn:uuid:5f0c1a1e-0000-4000-8000-000000000001', resource: body, request: { method: 'POST', url: 'Observation', ifNoneExist: `_id=${first.json.id}` } },
    { resource: { ...body, identifier: marker('member'), hasMember: [{ reference: 'urn:uuid:5f0c1a1e-0000-4000-8000-000000000001' }] }, request: { method: 'POST', url: 'Observation' } },
  ]));
  assert.equal(tx.status, 200, tx.text);
  assert.equal(tx.json.entry[0].response.status, '200 OK');
  assert.equal(tx.json.entry[0].resource.id, first.json.id);
  assert.equal(tx.json.entry[1].resource.hasMember[0].reference, `Observation/${first.json.id}`);
  const tx412 = await post(CDOC, '/fhir', bundle('transaction', [
    { resource: body, request: { method: 'POST', url: 'Observation' } },
    { resource: body, request: { method: 'POST', url: 'Observation', ifNoneExist: 'identifier=urn:renkei:test:cc|one' } },
  ]));
  assert.equal(tx412.status, 412, tx412.text);
  assert.equal(await count('one'), 2, 'a failed transaction wrote nothing');
  assert.equal((await get(CDOC, '/fhir/metadata')).json.rest[0].resource.every((r) => r.conditionalCreate === true), true);
});
