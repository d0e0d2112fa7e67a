// cli.test.mjs — the command line is one table (src/main.c): `renkei --help`
// prints every row, a command without the subcommand it needs prints its own
// rows and exits 2, an unknown one exits 2, and every row listed is
// dispatched (none falls through to "unknown").
// backends: sqlite
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, freshStore, cleanupStore } from './harness.mjs';

test('--help lists every command; each listed row is dispatched', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0, help.stderr);
  const rows = help.stdout.split('\n').filter((l) => /^ {2}[a-z]/.test(l))
    .map((l) => l.slice(2, 36).trim().split(/\s+/)) // the head column (the help starts at column 37)
    .map((w) => [w[0], /^[a-z][a-z0-9]+$/.test(w[1] || '') ? w[1] : null]);
  const names = rows.map(([n, s]) => (s ? `${n} ${s}` : n));
  for (const want of ['serve', 'init', 'demo', 'gen ssmix2', 'config example', 'config check', 'version', 'user add',
    'user list', 'facility add', 'client disable', 'audit verify', 'audit list', 'access table', 'patient merge',
    'import ssmix2', 'import ndjson', 'ingest replay', 'jobs', 'jobs run', 'totp code'])
    assert.ok(names.includes(want), `--help lists ${want}: ${names.join(', ')}`);
  // every row reaches its handler: with a fresh empty database and no further
  // arguments, none answers "unknown command"
  const store = freshStore('cli');
  try {
    for (const [n, s] of rows) {
      if (n === 'serve' || n === 'demo') continue; // serves until stopped; builds the 2,000-person region
      const args = s ? [n, s] : [n];
      const r = await run([...args, '--set', `store.url=${store}`, '--set', 'sched.enabled=false'].filter(Boolean));
      assert.doesNotMatch(r.stderr, /unknown command/, `${args.join(' ')}: ${r.stderr}`);
    }
  } finally {
    cleanupStore(store);
  }
});

test('user add lists every staff role the access table knows; facility add every kind of facility', async () => {
  const table = await run(['access', 'table', 'read']);
  const roles = [...table.stdout.matchAll(/^\| [^|(]+ \(([a-z_]+)\) \|/gm)].map((m) => m[1]).filter((r) => r !== 'system');
  assert.ok(roles.includes('care_worker') && roles.includes('social_worker'), roles.join(' '));
  const help = await run(['--help']);
  const lines = help.stdout.split('\n'), at = lines.findIndex((l) => /^ {2}user add /.test(l));
  const row = lines.slice(at, at + 2).join(' '); // a long head puts the help on the next line
  const listed = /roles: ([a-z_ ]+)\)/.exec(row)?.[1].split(' ');
  assert.deepEqual(listed, roles, `user add's help: ${row}`);
  const store = freshStore('cli_kinds');
  const usage = await run(['facility', 'add', '--set', `store.url=${store}`]);
  cleanupStore(store);
  assert.equal(usage.code, 2, usage.stderr);
  for (const kind of ['hospital', 'clinic', 'pharmacy', 'home_nursing', 'care_management', 'care_service', 'community_support', 'other'])
    assert.match(usage.stderr, new RegExp(`[ |]${kind}[|\\n]`), `facility add names ${kind}: ${usage.stderr}`);
});

test('a command without its subcommand, or with an unknown one, prints its rows and exits 2', async () => {
  for (const args of [['user'], ['user', 'frobnicate'], ['patient'], ['config']]) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^ {2}${args[0]} [a-z]+`, 'm'), `${args.join(' ')} shows its rows`);
    assert.doesNotMatch(r.stderr, /^ {2}serve/m, 'only its own rows');
  }
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const version = await run(['version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^renkei \d+\.\d+\.\d+$/m);
});
