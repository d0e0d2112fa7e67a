// auth.test.mjs — logins and tokens: first login enrols TOTP and changes the
// password under the policy; wrong and replayed one-time codes; lockout with
// back-off, per login ID and client address, alike for unknown IDs, and over
// all addresses; the password change is locked and counted like a login and
// ends the other sessions; CSRF; idle and absolute session time-outs; logout;
// disabled accounts; OAuth2 client credentials with scopes, altered, revoked
// and expired tokens, and the operator's client list, disable and enable;
// `renkei totp code` only for the demo; SQL metacharacters in every field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, http, httpFrom, get, post, outcome, totp, run, freshStore, cleanupStore, DEMO_PASSWORD, DEMO_SECRET } from './harness.mjs';

let S;
const HOSP = '2011000011';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  S = await startServer({ sets: ['auth.lockout_threshold=3', 'auth.lockout_id_threshold=8', 'auth.lockout_base=2s',
    'auth.token_lifetime=2s'] });
});

after(async () => {
  await S.checkAudit();
  assert.equal(await S.stop(), 0);
  cleanupStore(S.store);
});

/** A new account made by the operator's command line; returns its initial password. */
async function newAccount(id, role = 'nurse') {
  const r = await S.cli(['user', 'add', id, '--facility', HOSP, '--role', role, '--name', '試験 花子', '--password', 'Initial-Pass-2026']);
  assert.equal(r.code, 0, r.stderr);
  return 'Initial-Pass-2026';
}

function client(res) {
  return { server: S, headers: { Cookie: res.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': res.json.csrf } };
}

test('first login: TOTP enrolment, then a password change under the policy', async () => {
  const pw = await newAccount('ns.first');
  const r1 = await post(S, '/api/session', { account: 'ns.first', password: pw });
  assert.equal(r1.status, 200);
  assert.equal(r1.json.stage, 'enroll_totp');
  const cookie = r1.headers.get('set-cookie');
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /Secure/);
  assert.match(cookie, /SameSite=Strict/);
  const c = client(r1);
  // nothing else is reachable half-way
  assert.match(outcome(await get(c, '/fhir/Patient'), 401), /not finished/);
  const en = await http(c, 'POST', '/api/totp/enroll');
  assert.equal(en.status, 200);
  assert.match(en.json.uri, /^otpauth:\/\/totp\/renkei:ns\.first\?secret=/);
  assert.match(outcome(await post(c, '/api/totp/confirm', { code: '000000' }), 401), /one-time code/);
  const ok = await post(c, '/api/totp/confirm', { code: totp(en.json.secret) });
  assert.equal(ok.json.stage, 'change_password');
  const bad = async (nw, reason) => {
    const r = await post(c, '/api/password', { current: pw, new: nw });
    outcome(r, 400);
    assert.equal(r.json.issue[0].details.coding[0].code, reason, `${nw}: ${r.text}`);
  };
  await bad('Ab1!', 'too_short');
  await bad('Password123!', 'common');
  await bad('ns.first-Zz9!x', 'contains_id');
  await bad(pw, 'unchanged');
  assert.match(outcome(await post(c, '/api/password', { current: 'wrong', new: 'Kiso-Kaido-2026' }), 401), /current password/);
  const done = await post(c, '/api/password', { current: pw, new: 'Kiso-Kaido-2026' });
  assert.equal(done.json.stage, 'ok');
  assert.equal((await get(c, '/fhir/Patient?_summary=count')).status, 200);
  // logout ends the session
  assert.equal((await http(c, 'DELETE', '/api/session')).status, 204);
  assert.match(outcome(await get(c, '/fhir/Patient'), 401), /ended/);
});

test('one-time codes: wrong, replayed', async () => {
  const r1 = await post(S, '/api/session', { account: 'ns.renkei', password: DEMO_PASSWORD });
  assert.equal(r1.json.stage, 'totp');
  const c1 = client(r1);
  assert.match(outcome(await post(c1, '/api/session/totp', { code: '12345' }), 401), /one-time code/);
  const code = totp('RENKEIDEMOSHAREDTOTPSECRETABCDEF');
  assert.equal((await post(c1, '/api/session/totp', { code })).json.stage, 'ok');
  const r2 = await post(S, '/api/session', { account: 'ns.renkei', password: DEMO_PASSWORD });
  const replay = await post(client(r2), '/api/session/totp', { code });
  assert.match(outcome(replay, 401), /already used/);
});

test('brute force locks the account, with back-off', async () => {
  const pw = await newAccount('ns.brute');
  for (let i = 0; i < 2; i++) outcome(await post(S, '/api/session', { account: 'ns.brute', password: `guess-${i}` }), 401);
  const third = await post(S, '/api/session', { account: 'ns.brute', password: 'guess-2' });
  assert.match(outcome(third, 403), /locked/);
  assert.equal(third.json.issue[0].details.coding[0].code, 'locked');
  // the right password does not open a locked account
  assert.match(outcome(await post(S, '/api/session', { account: 'ns.brute', password: pw }), 403), /locked/);
  await new Promise((r) => setTimeout(r, 2200));
  // an attacker who keeps going is locked out twice as long at each further failure
  const again = await post(S, '/api/session', { account: 'ns.brute', password: 'guess-3' });
  assert.match(outcome(again, 403), /try again in [34] seconds/);
  await new Promise((r) => setTimeout(r, 4200));
  assert.equal((await post(S, '/api/session', { account: 'ns.brute', password: pw })).status, 200,
    'the right password works once the lock has passed');
});

/** One failed login's answer, with the seconds of a lock left out. */
async function attempt(id, password, from = null) {
  const r = from ? await httpFrom(S, from, 'POST', '/api/session', { body: { account: id, password } })
    : await post(S, '/api/session', { account: id, password });
  const issue = r.json?.issue?.[0];
  return issue ? `${r.status} ${issue.details.coding[0].code}: ${issue.diagnostics.replace(/\d+ seconds/, 'N seconds')}` : `${r.status}`;
}

test('a login ID locks alike whether an account has it or not', async () => {
  await newAccount('ns.exists');
  assert.equal((await S.cli(['user', 'add', 'ns.gone', '--facility', HOSP, '--role', 'nurse', '--name', '試験 花子',
    '--password', 'Initial-Pass-2026'])).code, 0);
  assert.equal((await S.cli(['user', 'disable', 'ns.gone'])).code, 0);
  const answers = {};
  for (const id of ['ns.exists', 'ns.nobody', 'ns.gone']) {
    answers[id] = [];
    for (let i = 0; i < 4; i++) answers[id].push(await attempt(id, `guess-${i}`));
  }
  assert.match(answers['ns.exists'][0], /^401 invalid_credentials/);
  assert.match(answers['ns.exists'][2], /^403 locked/);
  assert.deepEqual(answers['ns.nobody'], answers['ns.exists'], 'an unknown ID answers exactly like an account');
  assert.deepEqual(answers['ns.gone'], answers['ns.exists'], 'a disabled account answers exactly like an account');
});

test('failures from another address do not lock the owner out; many addresses lock the ID everywhere', async () => {
  const pw = await newAccount('ns.victim');
  for (let i = 0; i < 3; i++) await attempt('ns.victim', `guess-${i}`, '127.0.0.2');
  assert.match(await attempt('ns.victim', pw, '127.0.0.2'), /^403 locked: .*your address/, 'the guessing address is locked out');
  const owner = await post(S, '/api/session', { account: 'ns.victim', password: pw });
  assert.equal(owner.status, 200, `the owner, at another address, logs in: ${owner.text}`);
  // a guesser spread over addresses: the ID locks for everyone at auth.lockout_id_threshold (8 here),
  // for an account and an unknown ID alike
  const spread = async (id) => {
    const out = [];
    for (const from of ['127.0.0.3', '127.0.0.4', '127.0.0.5']) for (let i = 0; i < 3; i++) out.push(await attempt(id, `x-${i}`, from));
    out.push(await attempt(id, 'y', '127.0.0.6'));
    return out;
  };
  const victim = await spread('ns.victim');
  assert.match(victim[7], /^403 locked: .*several addresses/, 'the 8th failure locks the ID');
  assert.match(victim[9], /^403 locked: .*several addresses/, 'for every address');
  assert.match(outcome(await post(S, '/api/session', { account: 'ns.victim', password: pw }), 403), /several addresses/,
    'the owner too: a guesser with many addresses gets no more tries');
  // the operator lifts it
  const un = await S.cli(['user', 'unlock', 'ns.victim']);
  assert.equal(un.code, 0, un.stderr);
  assert.equal((await post(S, '/api/session', { account: 'ns.victim', password: pw })).status, 200);
  assert.deepEqual(await spread('ns.ghost'), victim, 'an unknown ID answers the same');
});

test('the password change is no way around the lockout', async () => {
  const C = await S.newStaff('ns.oracle', HOSP, 'nurse');
  const change = (current) => post(C, '/api/password', { current, new: 'Kiso-Kaido-2027' });
  assert.match(outcome(await change('wrong-1'), 401), /current password/);
  assert.match(outcome(await change('wrong-2'), 401), /current password/);
  assert.match(outcome(await change('wrong-3'), 403), /locked/, 'the third failure locks, as at login');
  // locked: not even the right password is checked, here or at login
  assert.match(outcome(await change(C.password), 403), /locked/);
  assert.match(outcome(await post(S, '/api/session', { account: 'ns.oracle', password: C.password }), 403), /locked/);
  await sleep(2200);
  assert.equal((await change(C.password)).status, 200, 'once the lock has passed, the change works');
});

test('a password change ends the other sessions, an operator reset all of them', async () => {
  const C1 = await S.newStaff('ns.twice', HOSP, 'nurse');
  const r1 = await post(S, '/api/session', { account: 'ns.twice', password: C1.password });
  const C2 = client(r1); // another device; the enrolment used this step's code, so the next one
  assert.equal((await post(C2, '/api/session/totp', { code: totp(C1.secret, Date.now() + 30000) })).json.stage, 'ok');
  assert.equal((await get(C2, '/fhir/Patient?_summary=count')).status, 200);
  const ch = await post(C1, '/api/password', { current: C1.password, new: 'Azusa-Gawa-2026' });
  assert.equal(ch.status, 200, ch.text);
  assert.match(outcome(await get(C2, '/fhir/Patient?_summary=count'), 401), /ended/, 'the other session ends');
  assert.equal((await get(C1, '/fhir/Patient?_summary=count')).status, 200, 'the one that changed it stays');
  const reset = await S.cli(['user', 'reset', 'ns.twice']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /1 session ended/);
  assert.match(outcome(await get(C1, '/fhir/Patient?_summary=count'), 401), /ended/, 'a reset ends them all');
});

test('CSRF token on every state-changing request of a session', async () => {
  const A = await S.login('dr.renkei');
  const noCsrf = { server: S, headers: { Cookie: A.headers.Cookie } };
  assert.equal((await get(noCsrf, '/fhir/Patient?_summary=count')).status, 200, 'reading needs no token');
  const r = await post(noCsrf, '/fhir/Patient', { resourceType: 'Patient' });
  assert.match(outcome(r, 403), /X-CSRF-Token/);
  const wrong = { server: S, headers: { Cookie: A.headers.Cookie, 'X-CSRF-Token': 'x'.repeat(32) } };
  outcome(await post(wrong, '/fhir/Patient', { resourceType: 'Patient' }), 403);
});

test('disabled accounts lose their sessions at once', async () => {
  const C = await S.login('clerk.yamabiko');
  assert.equal((await get(C, '/fhir/Patient?_summary=count')).status, 200);
  assert.equal((await S.cli(['user', 'disable', 'clerk.yamabiko'])).code, 0);
  assert.match(outcome(await get(C, '/fhir/Patient?_summary=count'), 401), /ended|disabled/);
  outcome(await post(S, '/api/session', { account: 'clerk.yamabiko', password: DEMO_PASSWORD }), 401);
});

test('facility systems: client credentials, scopes, altered, revoked and expired tokens', async () => {
  const sys = await S.system(HOSP, 'system/Patient.read');
  assert.equal((await get(sys, '/fhir/Patient?_summary=count')).status, 200);
  assert.match(outcome(await post(sys, '/fhir/Patient', { resourceType: 'Patient' }), 403), /scope/);
  assert.match(outcome(await get(sys, '/fhir/Organization'), 403), /scope/);
  const altered = { server: S, headers: { Authorization: `Bearer ${sys.token.slice(0, -1)}${sys.token.endsWith('A') ? 'B' : 'A'}` } };
  assert.match(outcome(await get(altered, '/fhir/Patient'), 401), /not valid/);
  const none = await get(S, '/fhir/Patient');
  outcome(none, 401);
  assert.match(none.headers.get('www-authenticate'), /Bearer/);
  outcome(await get({ server: S, headers: { Authorization: 'Basic abc' } }, '/fhir/Patient'), 401);
  // bad client secret, grant type, scope
  const form = (body, headers = {}) => http(S, 'POST', '/oauth2/token',
    { body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, raw: true });
  let r = await form(`grant_type=client_credentials&client_id=${sys.clientId}&client_secret=nope`);
  assert.equal(r.status, 401);
  assert.equal(r.json.error, 'invalid_client');
  r = await form(`grant_type=password&client_id=${sys.clientId}&client_secret=${sys.clientSecret}`);
  assert.equal(r.json.error, 'unsupported_grant_type');
  r = await form(`grant_type=client_credentials&scope=system/*.write&client_id=${sys.clientId}&client_secret=${sys.clientSecret}`);
  assert.equal(r.json.error, 'invalid_scope');
  const basic = Buffer.from(`${sys.clientId}:${sys.clientSecret}`).toString('base64');
  r = await form('grant_type=client_credentials', { Authorization: `Basic ${basic}` });
  assert.equal(r.status, 200);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  // revocation takes effect on the next request
  const t2 = { server: S, headers: { Authorization: `Bearer ${r.json.access_token}` } };
  assert.equal((await get(t2, '/fhir/Patient?_summary=count')).status, 200);
  assert.equal((await form(`token=${r.json.access_token}`, {})).status, 400, 'revoke is its own endpoint');
  const rv = await http(S, 'POST', '/oauth2/revoke', { body: `token=${r.json.access_token}`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, raw: true });
  assert.equal(rv.status, 200);
  assert.match(outcome(await get(t2, '/fhir/Patient'), 401), /revoked/);
  // tokens live auth.token_lifetime (2 s here)
  await new Promise((res) => setTimeout(res, 2200));
  assert.match(outcome(await get(sys, '/fhir/Patient'), 401), /expired/);
});

test('the operator lists, disables and enables facility systems; disabling revokes their tokens at once', async () => {
  const T = await startServer(); // tokens of the default lifetime: S's last 2 s
  try {
    await clientCommands(T);
    await T.checkAudit();
  } finally {
    await T.stop();
    cleanupStore(T.store);
  }
});

async function clientCommands(S) {
  const sys = await S.system(HOSP, 'system/Patient.read');
  const other = await S.system('2011000029', 'system/*.read');
  let list = await S.cli(['client', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const line = (out, id) => out.split('\n').find((l) => l.startsWith(`${id}\t`));
  assert.match(line(list.stdout, sys.clientId), new RegExp(`^${sys.clientId}\t${HOSP}\tactive\t1 live token\t.*\tsystem/Patient\.read\ttest system$`));
  list = await S.cli(['client', 'list', '--facility', HOSP]);
  assert.ok(line(list.stdout, sys.clientId) && !line(list.stdout, other.clientId), 'one facility\'s clients');
  assert.equal((await get(sys, '/fhir/Patient?_summary=count')).status, 200);
  const off = await S.cli(['client', 'disable', sys.clientId]);
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /disabled; 1 live token revoked/);
  assert.match(outcome(await get(sys, '/fhir/Patient?_summary=count'), 401), /revoked/, 'its token stops at once');
  const token = () => http(S, 'POST', '/oauth2/token', { body: `grant_type=client_credentials&client_id=${sys.clientId}&client_secret=${sys.clientSecret}`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, raw: true });
  assert.equal((await token()).json.error, 'invalid_client', 'and it gets no new one');
  assert.match(line((await S.cli(['client', 'list'])).stdout, sys.clientId), /\tdisabled\t0 live tokens\t/);
  assert.equal((await get(other, '/fhir/Patient?_summary=count')).status, 200, 'other clients are untouched');
  assert.equal((await S.cli(['client', 'enable', sys.clientId])).code, 0);
  const again = await token();
  assert.equal(again.status, 200, again.text);
  assert.equal((await get({ server: S, headers: { Authorization: `Bearer ${again.json.access_token}` } }, '/fhir/Patient?_summary=count')).status, 200);
  assert.match(outcome(await get(sys, '/fhir/Patient'), 401), /revoked/, 'the revoked token stays revoked');
  const unknown = await S.cli(['client', 'disable', 'c-000000000000000000000000']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no such client/);
  const audit = (await S.cli(['audit', 'list'])).stdout;
  assert.match(audit, /\tclient-disable\tE\t0\t/, 'the disable is audited');
  assert.match(audit, /\tclient-enable\tE\t0\t/, 'the enable is audited');
}

test('`renkei totp code` gives the demo\'s code only for a database the demo built', async () => {
  const now = Math.floor(Date.now() / 30000) * 30000;
  const near = [now - 30000, now, now + 30000].map((t) => totp(DEMO_SECRET, t));
  const demo = await S.cli(['totp', 'code']);
  assert.equal(demo.code, 0, demo.stderr);
  assert.ok(near.includes(demo.stdout.trim()), `the demo accounts' code: ${demo.stdout}`);
  const url = freshStore('totp');
  try {
    const prod = await run(['totp', 'code', '--set', `store.url=${url}`]);
    assert.equal(prod.code, 1);
    assert.equal(prod.stdout, '', 'no code printed');
    assert.match(prod.stderr, /not built by `renkei demo`.*authenticator app/);
    const given = await run(['totp', 'code', DEMO_SECRET, '--set', `store.url=${url}`]);
    assert.equal(given.code, 0, given.stderr);
    assert.ok(near.includes(given.stdout.trim()), 'a secret given on the command line is computed anywhere');
  } finally {
    cleanupStore(url);
  }
});

test('SQL metacharacters in login fields and parameters are data', async () => {
  for (const v of ["' OR '1'='1", "admin'--", '"; DROP TABLE account; --', '%', "\\'"]) {
    outcome(await post(S, '/api/session', { account: v, password: v }), 401);
  }
  const OP = await S.login('operator');
  for (const v of ["' OR 1=1 --", '%', '_']) {
    const r = await get(OP, `/fhir/AuditEvent?agent=${encodeURIComponent(v)}&facility=${encodeURIComponent(v)}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.total, 0);
  }
  assert.equal((await post(S, '/api/session', { account: 'operator', password: DEMO_PASSWORD })).status, 200,
    'the account table is intact');
});

test('idle and absolute session time-outs', async () => {
  // The absolute limit is far enough past the idle one that a slow login
  // (ASan, a loaded machine) cannot reach it first.
  const T = await startServer({ sets: ['auth.session_idle=2s', 'auth.session_absolute=8s'] });
  try {
    const a = await T.login('dr.renkei');
    await new Promise((r) => setTimeout(r, 2300));
    assert.match(outcome(await get(a, '/fhir/Patient'), 401), /without use/);
    const b = await T.login('dr.yamabiko');
    let last;
    for (let i = 0; i < 12; i++) { // kept busy, but the absolute limit still ends it
      await new Promise((r) => setTimeout(r, 900));
      last = await get(b, '/fhir/Patient?_summary=count');
      if (last.status === 401) break;
    }
    assert.match(outcome(last, 401), /time limit/);
    await T.checkAudit();
  } finally {
    await T.stop();
    cleanupStore(T.store);
  }
});
