// gen.test.mjs — `renkei gen ssmix2` from the command line: argument errors
// exit 2 with a message naming the option, a small storage is written with
// its one-line summary, and a second run into the same directory is refused.
// backends: sqlite
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from './harness.mjs';

test('argument errors exit 2 with a reason', async () => {
  const cases = [
    [['gen'], /gen: say which, with what:\n  gen ssmix2 /],
    [['gen', 'hl7', '/tmp/x'], /gen: say which, with what:\n  gen ssmix2 /],
    [['gen', 'ssmix2'], /output directory is missing/],
    [['gen', 'ssmix2', '--patients', '0', '/tmp/x'], /--patients wants 1\.\./],
    [['gen', 'ssmix2', '--patients', 'many', '/tmp/x'], /--patients wants/],
    [['gen', 'ssmix2', '--seed', '-4', '/tmp/x'], /--seed wants/],
    [['gen', 'ssmix2', '--facility', '12', '/tmp/x'], /--facility wants a 10-digit/],
    [['gen', 'ssmix2', '/tmp/x', '/tmp/y'], /one output directory/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('a small storage, then a refused second run into it', async () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'renkei-gen-')), 'ssmix2');
  try {
    const r = await run(['gen', 'ssmix2', '--patients', '5', '--seed', '3', '--facility', '2011000029', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ssmix2 storage .*: 5 patients, \d+ files \(\d+ superseded, \d+ deleted\), [\d.]+ MB in [\d.]+ s/);
    assert.ok(readdirSync(dir).every((d) => /^\d{3}$/.test(d)));
    const again = await run(['gen', 'ssmix2', '--patients', '5', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }
});
