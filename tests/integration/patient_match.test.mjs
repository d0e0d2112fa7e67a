// patient_match.test.mjs — patient linking (issue 5 §6): a new registration
// that looks like a person registered elsewhere becomes a pending candidate
// (never a merge); the operator merges it, PIX and $everything follow, a
// consent given under the merged-away ID does not widen to the survivor's
// other facilities, unmerge restores exactly the links before, every decision
// is audited, and anyone else, or bad input, gets a clear refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, get, post, outcome, patient, cleanupStore, LOCAL_SYSTEM, REGION_SYSTEM } from './harness.mjs';

const S_FAC = '2011000011';  // 信州れんけい総合病院 (dr.renkei)
const F_FAC = '2011000029';  // あずみの中央病院 (dr.azumino)
const O_FAC = '2011100018';  // やまびこ内科クリニック (dr.yamabiko)
const enc = encodeURIComponent;
const org = (code) => ({ reference: `Organization/org-${code}` });
const home = { use: 'home', text: '長野県松本市中央１丁目２番３号', postalCode: '390-0811', city: '松本市', state: '長野県' };

let SRV, SD, FD, OD, OP;
const P = {};  // the registrations: s (S), f (F, same person), o (O, another birth date)

const rid = (p) => p.identifier.find((i) => i.system === REGION_SYSTEM).value;
const pix = async (sys, value) => {
  const r = await get(OP, `/fhir/Patient/$ihe-pix?sourceIdentifier=${enc(`${sys}|${value}`)}`);
  assert.equal(r.status, 200, r.text);
  return {
    regional: r.json.parameter.find((p) => p.name === 'targetIdentifier' && p.valueIdentifier.system === REGION_SYSTEM)?.valueIdentifier.value,
    refs: r.json.parameter.filter((p) => p.name === 'targetId').map((p) => p.valueReference.reference).sort(),
  };
};
const everything = async (who, id) => {
  const r = await get(who, `/fhir/Patient/${id}/$everything?_count=1000`);
  assert.equal(r.status, 200, r.text);
  return r.json.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();
};
const consent = (patientId, { source, viewer } = {}) => {
  const part = (code, fac) => ({ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code }] }, reference: org(fac) });
  const actor = [];
  if (source) actor.push(part('CST', source));
  if (viewer) actor.push(part('IRCP', viewer));
  return {
    resourceType: 'Consent', status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'urn:renkei:CodeSystem:consent-kind', code: 'individual' }] }],
    patient: { reference: `Patient/${patientId}` }, dateTime: '2026-01-05',
    provision: { type: 'permit', actor },
  };
};
const condition = (pid, code) => ({ resourceType: 'Condition', subject: { reference: `Patient/${pid}` },
  code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] } });
const candidates = async (status = 'pending') => {
  const r = await get(OP, `/api/patient-match?status=${status}`);
  assert.equal(r.status, 200, r.text);
  return r.json.candidates;
};

before(async () => {
  SRV = await startServer();
  SD = await SRV.login('dr.renkei');
  FD = await SRV.login('dr.azumino');
  OD = await SRV.login('dr.yamabiko');
  OP = await SRV.login('operator');
  // the same synthetic person at S (katakana) and F (hiragana, spaces), and
  // someone with the same name (half-width kana) but another birth date at O
  const mk = (fac, local, o) => ({ ...patient(fac, local, { family: '湯浅', given: '花子', gender: 'female', ...o }), address: [home] });
  for (const [k, who, fac, local, o] of [
    ['s', SD, S_FAC, 'PM-S1', { familyKana: 'ユアサ', givenKana: 'ハナコ', birthDate: '1948-07-15' }],
    ['f', FD, F_FAC, 'PM-F1', { familyKana: 'ゆあさ ', givenKana: ' はなこ', birthDate: '1948-07-15' }],
    ['o', OD, O_FAC, 'PM-O1', { familyKana: 'ﾕｱｻ', givenKana: 'ﾊﾅｺ', birthDate: '1948-07-16' }],
  ]) {
    const r = await post(who, '/fhir/Patient', mk(fac, local, o));
    assert.equal(r.status, 201, r.text);
    P[k] = { id: r.json.id, local, fac, rid: rid(r.json) };
  }
  for (const [k, who, code] of [['s', SD, 'I10'], ['f', FD, 'E119']]) {
    const r = await post(who, '/fhir/Condition', condition(P[k].id, code));
    assert.equal(r.status, 201, r.text);
    P[k].condition = `Condition/${r.json.id}`;
  }
});

after(async () => {
  await SRV?.stop();
  if (SRV) cleanupStore(SRV.store);
});

test('a look-alike registration becomes a pending candidate, never a merge; another birth date does not', async () => {
  assert.notEqual(P.s.rid, P.f.rid, 'registered as two people until someone decides');
  const list = (await candidates()).filter((c) => [P.s.rid, P.f.rid, P.o.rid].includes(c.regional_b));
  assert.equal(list.length, 1, JSON.stringify(list));
  const c = list[0];
  assert.equal(c.regional_a, P.s.rid);
  assert.equal(c.regional_b, P.f.rid);
  assert.equal(c.patient_a, P.s.id);
  assert.equal(c.patient_b, P.f.id);
  assert.equal(c.score, 100);
  assert.deepEqual(c.reasons.split(','), ['name', 'birthDate', 'gender', 'postalCode']);
  assert.equal(c.status, 'pending');
  P.candidate = c.candidate;
  assert.ok(!(await candidates('all')).some((x) => x.regional_a === P.o.rid || x.regional_b === P.o.rid), 'no candidate for O');
  const cli = await SRV.cli(['patient', 'candidates']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, new RegExp(`^${c.candidate}\\t\\S+\\tpending\\t100\\t`, 'm'));
});

test('only the operator reviews: anyone else gets 403', async () => {
  outcome(await get(SD, '/api/patient-match?status=pending'), 403);
  outcome(await post(SD, `/api/patient-match/${P.candidate}/merge`, { reason: 'same person' }), 403);
  outcome(await post(FD, `/api/patient-link/${P.f.id}/unmerge`, { reason: 'not the same' }), 403);
  const sys = await SRV.system(S_FAC, 'system/*.read system/*.write');
  outcome(await post(sys, `/api/patient-match/${P.candidate}/reject`, { reason: 'no' }), 403);
  assert.equal((await candidates()).find((c) => c.candidate === P.candidate).status, 'pending');
});

test('bad input: unknown candidate, no reason, an ID into itself, unknown IDs, nothing to unmerge', async () => {
  outcome(await post(OP, '/api/patient-match/NO-SUCH-CANDIDATE/merge', { reason: 'same person' }), 404);
  outcome(await post(OP, `/api/patient-match/${P.candidate}/merge`, {}), 400);
  outcome(await post(OP, `/api/patient-match/${P.candidate}/merge`, { reason: 'same person', into: P.o.rid }), 400);
  outcome(await post(OP, '/api/patient-link/merge', { from: P.s.rid, into: P.s.rid, reason: 'same person' }), 400);
  outcome(await post(OP, '/api/patient-link/merge', { from: '123', into: P.s.rid, reason: 'same person' }), 400);
  outcome(await post(OP, '/api/patient-link/merge', { from: P.s.rid, reason: 'same person' }), 400);
  outcome(await post(OP, `/api/patient-link/${P.s.id}/unmerge`, { reason: 'never merged' }), 409);
  outcome(await post(OP, '/api/patient-link/no-such-patient/unmerge', { reason: 'never merged' }), 404);
  assert.equal((await candidates()).find((c) => c.candidate === P.candidate).status, 'pending', 'nothing changed');
});

test('merge: PIX and $everything follow; consent decides what crosses; unmerge restores exactly', async () => {
  const beforeS = await pix(LOCAL_SYSTEM(S_FAC), P.s.local), beforeF = await pix(LOCAL_SYSTEM(F_FAC), P.f.local);
  assert.deepEqual(beforeS.refs, [`Patient/${P.s.id}`]);
  assert.deepEqual(beforeF.refs, [`Patient/${P.f.id}`]);
  const everythingF = await everything(FD, P.f.id);
  // A consent that lets S disclose is S's (or the operator's) to record: F's doctor may not.
  assert.match(outcome(await post(FD, '/fhir/Consent', consent(P.f.id, { source: S_FAC })), 403), /only the facility that owns/);
  // The operator records, under F's ID, a consent that S may disclose to "every facility
  // the patient is registered with": given under the ID to be merged away, it must not
  // open S's records (S belongs to the other identity) after the merge.
  const cf = await post(OP, '/fhir/Consent', consent(P.f.id, { source: S_FAC }));
  assert.equal(cf.status, 201, cf.text);
  const cf2 = await post(FD, '/fhir/Consent', consent(P.f.id, { source: F_FAC, viewer: S_FAC }));
  assert.equal(cf2.status, 201, cf2.text);
  const everythingS = await everything(SD, P.s.id);
  assert.ok(!everythingS.includes(P.f.condition));

  const m = await post(OP, `/api/patient-match/${P.candidate}/merge`, { reason: '同一人物: 保険証と生年月日で確認' });
  assert.equal(m.status, 200, m.text);
  assert.equal(m.json.from, P.f.rid);
  assert.equal(m.json.into, P.s.rid);
  assert.deepEqual(m.json.registrations.map((r) => r.patient), [P.f.id]);
  // double merge, and the cycle (the survivor into the merged-away ID)
  outcome(await post(OP, `/api/patient-match/${P.candidate}/merge`, { reason: 'again' }), 409);
  outcome(await post(OP, '/api/patient-link/merge', { from: P.s.rid, into: P.f.rid, reason: 'cycle' }), 409);
  outcome(await post(OP, '/api/patient-link/merge', { from: P.f.rid, into: P.o.rid, reason: 'merged away' }), 409);

  // PIX: both registrations under the survivor, from either local ID or the old regional ID
  const both = [`Patient/${P.f.id}`, `Patient/${P.s.id}`].sort();
  for (const [sys, v] of [[LOCAL_SYSTEM(S_FAC), P.s.local], [LOCAL_SYSTEM(F_FAC), P.f.local], [REGION_SYSTEM, P.f.rid]]) {
    const x = await pix(sys, v);
    assert.equal(x.regional, P.s.rid);
    assert.deepEqual(x.refs, both);
  }
  const fPatient = await get(OP, `/fhir/Patient/${P.f.id}`);
  assert.equal(rid(fPatient.json), P.s.rid, 'the registration now carries the survivor ID');
  const search = await get(OP, `/fhir/Patient?identifier=${enc(`${REGION_SYSTEM}|${P.s.rid}`)}&_summary=count`);
  assert.equal(search.json.total, 2);

  // $everything of F's registration: S's record stays hidden (no consent covers it;
  // the consent given under the merged-away ID keeps its scope) ...
  let all = await everything(FD, P.f.id);
  assert.ok(all.includes(P.f.condition));
  assert.ok(!all.includes(P.s.condition), 'a consent given under the merged-away ID does not widen to S');
  // a consent given under the merged-away ID still holds within its own scope: F → S
  assert.ok((await everything(SD, P.s.id)).includes(P.f.condition), 'F\'s consent to S follows F\'s registration');
  // ... until S records a consent for the merged person (S → F)
  const cs = await post(SD, '/fhir/Consent', consent(P.s.id, { source: S_FAC, viewer: F_FAC }));
  assert.equal(cs.status, 201, cs.text);
  all = await everything(FD, P.f.id);
  assert.ok(all.includes(P.s.condition), 'consent S → F opens S\'s record of the merged person');
  assert.ok(all.includes(P.f.condition));
  // a third facility sees neither
  const other = await get(OD, `/fhir/Patient/${P.f.id}/$everything`);
  assert.ok(other.status === 404 || !(other.json.entry || []).some((e) => `Condition/${e.resource.id}` === P.s.condition));

  // unmerge from F's registration: exactly the links before
  outcome(await post(OP, `/api/patient-link/${P.f.id}/unmerge`, {}), 400);
  const u = await post(OP, `/api/patient-link/${P.f.id}/unmerge`, { reason: '別人: 住所同一の別世帯' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.from, P.f.rid);
  assert.equal(u.json.into, P.s.rid);
  assert.deepEqual(await pix(LOCAL_SYSTEM(S_FAC), P.s.local), beforeS);
  assert.deepEqual(await pix(LOCAL_SYSTEM(F_FAC), P.f.local), beforeF);
  assert.deepEqual((await pix(REGION_SYSTEM, P.f.rid)).refs, [`Patient/${P.f.id}`]);
  assert.equal(rid((await get(OP, `/fhir/Patient/${P.f.id}`)).json), P.f.rid);
  assert.deepEqual((await everything(FD, P.f.id)).filter((x) => !x.startsWith('Consent/')),
    everythingF.filter((x) => !x.startsWith('Consent/')));
  assert.ok(!(await everything(FD, P.f.id)).includes(P.s.condition));
  assert.deepEqual((await everything(SD, P.s.id)).filter((x) => !x.startsWith('Consent/')),
    everythingS.filter((x) => !x.startsWith('Consent/')));
  outcome(await post(OP, `/api/patient-link/${P.f.id}/unmerge`, { reason: 'twice' }), 409);
  const c = (await candidates('all')).find((x) => x.candidate === P.candidate);
  assert.equal(c.status, 'unmerged');
  outcome(await post(OP, `/api/patient-match/${P.candidate}/reject`, { reason: 'decided' }), 409);

  // the command line does the same, and is audited too
  const cm = await SRV.cli(['patient', 'merge', '--from', P.f.rid, '--into', P.s.rid, '--reason', 'CLI merge test']);
  assert.equal(cm.code, 0, cm.stderr);
  assert.deepEqual((await pix(REGION_SYSTEM, P.s.rid)).refs, both);
  const cu = await SRV.cli(['patient', 'unmerge', P.f.id, '--reason', 'CLI unmerge test']);
  assert.equal(cu.code, 0, cu.stderr);
  assert.deepEqual(await pix(LOCAL_SYSTEM(S_FAC), P.s.local), beforeS);
  const bad = await SRV.cli(['patient', 'merge', '--from', P.s.rid, '--into', P.s.rid, '--reason', 'itself']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /into itself/);
});

test('every decision is in the audit log: who, which regional IDs, why', async () => {
  const list = await SRV.cli(['audit', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const rows = list.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
  const of = (event) => rows.filter((f) => f[3] === event && f[5] === '0');
  const merges = of('patient-merge'), unmerges = of('patient-unmerge');
  assert.equal(merges.length, 2, 'API and command line');
  assert.equal(unmerges.length, 2);
  for (const f of [...merges, ...unmerges]) {
    assert.ok(f[9].includes(P.s.rid) && f[9].includes(P.f.rid), `patients of ${f[3]}: ${f[9]}`);
  }
  assert.ok(merges.some((f) => f[6] === 'operator'), 'the API entry names the operator');
  const ev = await get(OP, `/fhir/AuditEvent?subtype=patient-merge`);
  assert.equal(ev.status, 200, ev.text);
  assert.ok(ev.json.entry.some((e) => JSON.stringify(e.resource).includes('保険証と生年月日で確認')), 'the reason is kept');
  assert.ok(of('patient-match-list').length >= 1);
  assert.ok(rows.some((f) => f[3] === 'patient-merge' && f[5] === '4'), 'refusals are audited too');
  await SRV.checkAudit();
});
