// mllp_kill.test.mjs — kill -9 during MLLP ingest, 50 times: several clients
// send distinct OUL^R22 lab results (unique MSH-10 and order numbers) and note
// which got AA; the server is killed at a random moment and restarted on the
// same database; the clients resend everything not acknowledged (and some
// that were, for the duplicate check). At the end every message is present
// exactly once: its resources exist, each at version 1, as many as the
// mapping makes of one message — an acknowledged message was never lost, and
// nothing was half-stored or stored twice. MLLP_KILL_SEED reproduces a run.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, get, cleanupStore } from './harness.mjs';
import { MllpClient, mllpPort, frame, oul, bySource, rng } from './mllp_client.mjs';

const HOSP = '2011000011';
const ROUNDS = Number(process.env.MLLP_KILL_ROUNDS || 50);
const CLIENTS = 4;
const NEW_PER_ROUND = 3; // new messages per client per round
const SEED = Number(process.env.MLLP_KILL_SEED || Date.now() % 1e9);
const keyDir = mkdtempSync(path.join(tmpdir(), 'renkei-kill-key-'));
const SETS = ['mllp.listen=127.0.0.1:0', `mllp.senders=HIS123^SEND=${HOSP}`, `audit.key_file=${keyDir}/audit.key`];


let store = null;
after(() => store && cleanupStore(store));

/** Every resource of type the system reads, grouped by meta.source. */

/**
 * One client's round: send its pending messages one at a time (an HL7 sender
 * waits for each ACK), sometimes two pipelined, until the connection dies or
 * the list is done. Returns nothing; updates client.acked.
 */
async function clientRound(port, client, rand, stopAt) {
  let c;
  try {
    c = await MllpClient.connect(port);
  } catch {
    return;
  }
  try {
    const todo = [...client.pending];
    // resend a few acknowledged ones: the server must answer AA and store nothing new
    const done = [...client.acked];
    for (let i = 0; i < 2 && done.length; i++) todo.push(done[Math.floor(rand() * done.length)]);
    while (todo.length && Date.now() < stopAt) {
      const batch = todo.splice(0, rand() < 0.3 ? 2 : 1);
      await c.send(Buffer.concat(batch.map((id) => frame(client.messages.get(id)))));
      for (const id of batch) {
        const a = await c.ack(5000);
        assert.equal(a.controlId, id, 'ACK for the message sent, in order');
        assert.equal(a.code, 'AA', `${id}: ${a.raw}`);
        client.acked.add(id);
        client.pending.delete(id);
      }
    }
  } catch (e) {
    if (e.code === 'ERR_ASSERTION') throw e;
    // killed: whatever has no ACK stays pending
  } finally {
    c.close();
  }
}

test(`kill -9 during MLLP ingest, ${ROUNDS} times: every acknowledged message is stored exactly once`, { timeout: 240000 }, async (t) => {
  const rand = rng(SEED);
  const label = `MLLP_KILL_SEED=${SEED}`;
  console.log(`# ${label}`);
  const clients = Array.from({ length: CLIENTS }, (_, k) => ({ k, messages: new Map(), pending: new Set(), acked: new Set() }));
  let serial = 0;
  const addMessages = () => {
    for (const cl of clients) {
      for (let i = 0; i < NEW_PER_ROUND; i++) {
        serial++;
        const controlId = `K${SEED % 100000}-${serial}`;
        const order = String(2e14 + serial).padStart(15, '0');
        const pid = String(8800000 + (serial % 25));
        cl.messages.set(controlId, oul({ controlId, order, pid, tp: (6.5 + (serial % 20) / 10).toFixed(1) }));
        cl.pending.add(controlId);
      }
    }
  };

  // round 0 builds the region; later rounds start on the same database
  let S = await startServer({ sets: SETS });
  store = S.store;
  const t0 = Date.now();
  let kills = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) S = await startServer({ store, region: false, sets: SETS });
      const port = mllpPort(S);
      addMessages();
      const killAfter = 20 + Math.floor(rand() * 250);
      const stopAt = Date.now() + killAfter + 2000;
      const sends = clients.map((cl) => clientRound(port, cl, rand, stopAt));
      await new Promise((r) => setTimeout(r, killAfter));
      S.proc.kill('SIGKILL');
      await new Promise((r) => (S.proc.exitCode !== null || S.proc.signalCode ? r() : S.proc.on('exit', r)));
      kills++;
      await Promise.all(sends);
    }
    const ackedUnderFire = clients.reduce((n, cl) => n + cl.acked.size, 0);
    // last start: resend everything not yet acknowledged until it is
    S = await startServer({ store, region: false, sets: SETS });
    const port = mllpPort(S);
    for (let tries = 0; tries < 3 && clients.some((cl) => cl.pending.size); tries++)
      await Promise.all(clients.map((cl) => clientRound(port, cl, rand, Date.now() + 60000)));
    for (const cl of clients) assert.equal(cl.pending.size, 0, `${label}: client ${cl.k} has unacknowledged messages`);

    const sys = await S.system(HOSP, 'system/*.read');
    const stored = new Map(); // MSH-10 → resources
    for (const type of ['Observation', 'DiagnosticReport', 'Specimen', 'ServiceRequest']) {
      for (const [src, list] of await bySource(sys, type)) {
        const id = src.split('|').pop();
        if (!stored.has(id)) stored.set(id, []);
        stored.get(id).push(...list);
      }
    }
    const all = clients.flatMap((cl) => [...cl.acked]);
    assert.equal(all.length, serial, `${label}: every message was acknowledged`);
    const shape = (list) => list.map((r) => r.resourceType).sort().join(',');
    const want = shape(stored.get(all[0]) || []);
    assert.ok(want.includes('Observation'), `${label}: the first message made ${want}`);
    for (const id of all) {
      const list = stored.get(id) || [];
      assert.equal(shape(list), want, `${label}: message ${id} stored as [${shape(list)}], expected [${want}]`);
      for (const r of list) assert.equal(r.meta.versionId, '1', `${label}: ${r.resourceType}/${r.id} of ${id} written twice`);
    }
    const extra = [...stored.keys()].filter((id) => id.startsWith('K') && !all.includes(id));
    assert.deepEqual(extra, [], `${label}: resources of messages never sent`);
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`# ${kills} kills, ${serial} messages (${ackedUnderFire} acknowledged between kills), each stored once (${want}); ${secs} s`);
    t.diagnostic(`${kills} kills, ${serial} messages in ${secs} s`);
  } finally {
    await S.stop();
  }
});
