// demo.test.mjs — `renkei demo` builds the synthetic region of the issue: every
// kind of facility, staff, 2,000 people with kanji and kana names, some linked
// across facilities; the same seed gives the same region; a non-empty database
// is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, get, run, freshStore, cleanupStore, REGION_SYSTEM } from './harness.mjs';

async function allPatients(S) {
  const out = [];
  const OP = await S.login('operator'); // the operator sees every patient's demographics
  let url = '/fhir/Patient?_count=1000&_sort=_id';
  while (url) {
    const page = await get(OP, url);
    for (const e of page.json.entry || []) out.push(e.resource);
    const next = page.json.link.find((l) => l.relation === 'next');
    url = next ? next.url.slice(S.origin.length) : null;
  }
  return out;
}

test('the default demo region', async () => {
  const S = await startServer({ demo: 2000, seed: 20261124 });
  try {
    const A = await S.login('dr.renkei');
    const orgs = (await get(A, '/fhir/Organization?_count=100')).json.entry.map((e) => e.resource);
    const kinds = {};
    for (const o of orgs) {
      const k = o.type[0].coding[0].code;
      kinds[k] = (kinds[k] || 0) + 1;
      assert.match(o.identifier[0].value, /^\d{10}$/, 'a 10-digit facility code');
    }
    assert.deepEqual(kinds, { hospital: 2, clinic: 6, pharmacy: 2, home_nursing: 1, care_management: 1, other: 1 });
    const staff = (await get(A, '/fhir/Practitioner?_summary=count')).json.total;
    assert.ok(staff >= 40, `staff: ${staff}`);
    const roles = new Set((await get(A, '/fhir/Practitioner?_count=200')).json.entry
      .map((e) => e.resource.qualification[0].code.coding[0].code));
    for (const r of ['doctor', 'dentist', 'nurse', 'pharmacist', 'visiting_nurse', 'care_manager', 'therapist', 'clerk',
      'facility_admin', 'operator'])
      assert.ok(roles.has(r), `staff with role ${r}`);
    // every demo account logs in with the README's password and TOTP secret
    const accounts = await S.cli(['user', 'list']);
    const ids = accounts.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]);
    assert.equal(ids.length, 12);
    for (const id of ['ph.midori', 'cm.komorebi', 'clerk.yamabiko']) assert.equal((await S.login(id)).session.stage, 'ok');
    // consents and care teams exist, and sharing works across facilities
    const consents = (await get(await S.login('operator'), '/fhir/Consent?_summary=count')).json.total;
    assert.ok(consents > 500, `consents: ${consents}`);
    const mine = (await get(A, '/fhir/Patient?_summary=count')).json.total;
    assert.ok(mine > 0, 'the hospital doctor sees patients');

    const patients = await allPatients(S);
    const people = new Map();
    for (const p of patients) {
      const rid = p.identifier.find((i) => i.system === REGION_SYSTEM).value;
      people.set(rid, (people.get(rid) || 0) + 1);
      const ide = p.name.find((n) => n.extension?.[0]?.valueCode === 'IDE');
      const syl = p.name.find((n) => n.extension?.[0]?.valueCode === 'SYL');
      assert.ok(ide && syl, 'kanji and kana names');
      assert.match(syl.family, /^[\u30A1-\u30FC]+$/, 'kana family name');
      assert.match(p.birthDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.match(p.address[0].postalCode, /^\d{3}-\d{4}$/);
    }
    assert.equal(people.size, 2000, '2,000 people');
    const linked = [...people.values()].filter((n) => n > 1).length;
    assert.ok(linked > 300, `people registered at more than one facility: ${linked}`);
    // the kana search finds demo people
    const some = patients[17].name.find((n) => n.extension[0].valueCode === 'SYL').family;
    const found = await get(await S.login('operator'), `/fhir/Patient?family=${encodeURIComponent(some)}&_summary=count`);
    assert.ok(found.json.total >= 1);
    await S.checkAudit();
  } finally {
    assert.equal(await S.stop(), 0);
    cleanupStore(S.store);
  }
});

test('the same seed gives the same region; another seed another one', async () => {
  const snap = async (seed) => {
    const S = await startServer({ demo: 150, seed });
    const rows = (await allPatients(S)).map((p) => [p.id, p.name[0].text, p.birthDate,
      p.identifier.find((i) => i.system === REGION_SYSTEM).value].join(' '));
    await S.stop();
    cleanupStore(S.store);
    return rows.sort().join('\n');
  };
  const a = await snap(42), b = await snap(42), c = await snap(43);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('demo refuses a database that already has a region', async () => {
  const store = freshStore('demo_twice');
  const first = await run(['demo', '--patients', '20', '--set', `store.url=${store}`]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /13 facilities/);
  const second = await run(['demo', '--patients', '20', '--set', `store.url=${store}`]);
  assert.equal(second.code, 1);
  assert.match(second.stderr, /already holds 13 facilities/);
  const bad = await run(['demo', '--patients', 'lots', '--set', `store.url=${store}`]);
  assert.equal(bad.code, 2);
  cleanupStore(store);
});
