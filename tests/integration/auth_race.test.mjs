// auth_race.test.mjs — account state under concurrency, with two `renkei
// serve` processes on one database as a region runs them: wrong passwords
// sent to both at once lock the login ID at exactly the threshold; an
// operator's disable or reset made while logins fail is never undone; a
// one-time code sent to both servers, while logins fail, is accepted once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, post, outcome, totp, cleanupStore, DEMO_PASSWORD, DEMO_SECRET } from './harness.mjs';

const HOSP = '2011000011';
const PW = 'Initial-Pass-2026';
let L, L2, R, R2; // L: threshold 3, locks last a minute; R: thresholds high enough never to lock
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  [L, L2] = await startPair({ sets: ['auth.lockout_threshold=3', 'auth.lockout_base=60s', 'auth.lockout_id_threshold=1000'] });
  [R, R2] = await startPair({ sets: ['auth.lockout_threshold=100', 'auth.lockout_id_threshold=10000'] });
});

after(async () => {
  for (const s of [L, L2, R, R2]) await s.checkAudit();
  for (const s of [L, L2, R, R2]) assert.equal(await s.stop(), 0);
  cleanupStore(L.store);
  cleanupStore(R.store);
});

test('wrong passwords sent to two servers at once lock the ID at exactly the threshold', async () => {
  const N = 16;
  const rs = await Promise.all(Array.from({ length: N }, (_, i) =>
    post(i % 2 ? L2 : L, '/api/session', { account: 'dent.renkei', password: `wrong-${i}` })));
  const told = rs.filter((r) => r.status === 401), locked = rs.filter((r) => r.status === 403);
  assert.equal(told.length, 2, `with a threshold of 3, two attempts are told "wrong", then the ID locks: ${rs.map((r) => r.status)}`);
  assert.equal(locked.length, N - 2);
  assert.ok(locked.every((r) => r.json.issue[0].details.coding[0].code === 'locked'));
  // the lock is the first one: no failure was counted past the threshold
  const right = await post(L2, '/api/session', { account: 'dent.renkei', password: DEMO_PASSWORD });
  const secs = Number(/try again in (\d+) seconds/.exec(outcome(right, 403))[1]);
  assert.ok(secs <= 60, `locked for the first lock's 60 s, not ${secs} s`);
});

/**
 * Keep wrong-password logins of `account` in flight on both servers while
 * the operator's command runs, and until those in flight have finished.
 */
async function failingWhile(account, command) {
  let done = false;
  const loops = [0, 1, 2, 3].map(async (k) => {
    for (let n = 0; !done && n < 12; n++)
      await post(k % 2 ? R2 : R, '/api/session', { account, password: `not-it-${n}` });
  });
  await sleep(20); // let the first logins read the account
  const r = await R.cli(command);
  done = true;
  await Promise.all(loops);
  return r;
}

test('a disable made while logins fail stays disabled, in every trial', async () => {
  for (let t = 0; t < 10; t++) {
    const id = `race.off${t}`;
    assert.equal((await R.cli(['user', 'add', id, '--facility', HOSP, '--role', 'nurse', '--name', '競合 試験', '--password', PW])).code, 0);
    const r = await failingWhile(id, ['user', 'disable', id]);
    assert.equal(r.code, 0, r.stderr);
    const list = await R2.cli(['user', 'list', '--facility', HOSP]);
    const line = list.stdout.split('\n').find((l) => l.startsWith(`${id} `));
    assert.match(line, /\sdisabled\s/, `trial ${t}: the disable was undone: ${line}`);
    outcome(await post(R2, '/api/session', { account: id, password: PW }), 401);
  }
});

test('a reset made while logins fail keeps its new password', async () => {
  for (let t = 0; t < 4; t++) {
    const id = `race.reset${t}`, fresh = `Reset-Pass-2026-${t}`;
    assert.equal((await R.cli(['user', 'add', id, '--facility', HOSP, '--role', 'nurse', '--name', '競合 試験', '--password', PW])).code, 0);
    const r = await failingWhile(id, ['user', 'reset', id, '--password', fresh]);
    assert.equal(r.code, 0, r.stderr);
    const login = await post(R2, '/api/session', { account: id, password: fresh });
    assert.equal(login.status, 200, `trial ${t}: the reset's password was undone: ${login.text}`);
    assert.equal(login.json.stage, 'enroll_totp', 'and the TOTP device is to be enrolled again');
    outcome(await post(R, '/api/session', { account: id, password: PW }), 401);
  }
});

test('a one-time code sent to both servers, while logins fail, is accepted once', async () => {
  for (const account of ['dr.renkei', 'ns.renkei', 'dr.azumino', 'pt.azumino', 'dr.yamabiko']) {
    const sessions = [];
    for (let i = 0; i < 4; i++) { // four sessions at the code stage, on both servers
      const server = i % 2 ? R2 : R;
      const r = await post(server, '/api/session', { account, password: DEMO_PASSWORD });
      assert.equal(r.json.stage, 'totp', r.text);
      sessions.push({ server, headers: { Cookie: r.headers.get('set-cookie').split(';')[0], 'X-CSRF-Token': r.json.csrf } });
    }
    const code = totp(DEMO_SECRET);
    const failing = [0, 1, 2].map(() => post(R2, '/api/session', { account, password: 'wrong' }));
    await sleep(15);
    const first = await Promise.all(sessions.slice(0, 2).map((c) => post(c, '/api/session/totp', { code })));
    await Promise.all(failing);
    const later = [];
    for (const c of sessions.slice(2)) later.push(await post(c, '/api/session/totp', { code }));
    const accepted = [...first, ...later].filter((r) => r.status === 200);
    assert.equal(accepted.length, 1, `${account}: the code was accepted ${accepted.length} times: ${[...first, ...later].map((r) => r.status)}`);
  }
});
