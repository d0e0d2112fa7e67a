// mllp_client.mjs — an HL7 v2 sender for the MLLP tests: frames messages
// (0x0B … 0x1C 0x0D), writes them whole or cut at chosen byte positions,
// reads ACK frames back and parses MSA/ERR; builds synthetic OUL^R22 lab
// results (SS-MIX2 OML-11) in UTF-8 or ISO-2022-JP (converted by iconv(1),
// which Node lacks).
import net from 'node:net';
import assert from 'node:assert/strict';
import { get } from './harness.mjs';
import { execFileSync } from 'node:child_process';

export const VT = 0x0b, FS = 0x1c, CR = 0x0d;

/** The MLLP port the server logged (mllp.listening comes before http.listening). */
/** A small deterministic generator (mulberry32) in [0, 1): runs reproducible by seed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mllpPort(server) {
  const m = /event=mllp\.listening .*port=(\d+)/.exec(server.log);
  if (!m) throw new Error(`no mllp.listening in the server log:\n${server.log}`);
  return Number(m[1]);
}

/** A message (string or Buffer) in its MLLP frame. */
export function frame(msg) {
  const body = Buffer.isBuffer(msg) ? msg : Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}

/** UTF-8 text → ISO-2022-JP bytes (iconv from the shell). */
export function toIso2022jp(text) {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'ISO-2022-JP'], { input: Buffer.from(text, 'utf8') });
}

/**
 * A synthetic OUL^R22 (SS-MIX2 OML-11) lab result: total protein and albumin
 * for patient pid, order number order, control id controlId (MSH-10).
 * charset: 'utf8' (MSH-18 UNICODE UTF-8) or 'jis' (~ISO IR87, the caller
 * converts with toIso2022jp).
 */
export function oul({ app = 'HIS123', facility = 'SEND', controlId, pid = '1000001', order = '000000000000001',
  date = '20260315', family = '試験', given = '花子', familyKana = 'シケン', givenKana = 'ハナコ', charset = 'utf8',
  tp = '7.2', alb = '4.4' }) {
  const msh18 = charset === 'jis' ? '~ISO IR87||ISO2022-1994' : 'UNICODE UTF-8||';
  const ts = `${date}103059`;
  return [
    `MSH|^~\\&|${app}|${facility}|RENKEI|REGION|${ts}||OUL^R22^OUL_R22|${controlId}|P|2.5||||||${msh18}|SS-MIX2_1.20^SS-MIX2^1.2.392.200250.2.1.100.1.2.120^ISO`,
    `PID|0001||${pid}^^^^PI||${family}^${given}^^^^^L^I~${familyKana}^${givenKana}^^^^^L^P||19700405|F|||^^^^390-0811^JPN^H^長野県松本市中央１−１−１`,
    'PV1|0001|O|01^^^^^C',
    `SPM|1|${order}||023^血清^JC10|||||||||||||${date}0900`,
    `OBR|1|${order}|${order}|E001^生化学検査^99O03|||${date}|${date}||||||||607^医師^一郎^^^^^^^L^^^^^I||||||${ts}`,
    `ORC|SC|${order}|${order}||CM||||${ts}|||607^医師^一郎^^^^^^^L^^^^^I|01^^^^^C||||01^内科^99XY1||||試験病院||||||||O^外来患者オーダ^HL70482`,
    `OBX|1|NM|3A010000002327101^総蛋白^JC10||${tp}|g/dL^g/dL^99XYZ|6.7-8.3||||F|||${date}0900`,
    `OBX|2|NM|3A015000002327101^アルブミン^JC10||${alb}|g/dL^g/dL^99XYZ|3.7-5.5||||F|||${date}0900`,
  ].join('\r') + '\r';
}

/** Parse an ACK: {code, controlId (MSA-2), text (ERR-8 or MSA-3), raw}. */
export function parseAck(buf) {
  const text = buf.toString('utf8');
  const segs = text.split(/\r\n|\r|\n/).filter(Boolean);
  const msh = segs.find((s) => s.startsWith('MSH'));
  const sep = msh ? msh[3] : '|';
  const msa = (segs.find((s) => s.startsWith('MSA')) || '').split(sep);
  const err = (segs.find((s) => s.startsWith('ERR')) || '').split(sep);
  const reason = [err[8], err[7], msa[3]].find((x) => x && x.length) || '';
  return { code: msa[1] || '', controlId: msa[2] || '', text: reason, raw: text, msh: msh ? msh.split(sep) : [] };
}

/**
 * One MLLP connection. send() writes bytes (optionally cut into pieces with
 * a pause between them); ack() resolves with the next ACK frame parsed.
 */
export class MllpClient {
  static connect(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host });
      sock.once('connect', () => resolve(new MllpClient(sock)));
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.acks = [];
    this.waiters = [];
    this.closed = false;
    this.error = null;
    sock.setNoDelay(true);
    sock.on('data', (d) => this.#onData(d));
    sock.on('error', (e) => { this.error = e; });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error(`connection closed${this.error ? `: ${this.error.message}` : ''}`));
    });
    this.closedPromise = new Promise((r) => sock.once('close', r));
  }

  #onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const start = this.buf.indexOf(VT);
      if (start < 0) { this.buf = Buffer.alloc(0); return; }
      const end = this.buf.indexOf(FS, start + 1);
      if (end < 0 || end + 1 >= this.buf.length) return;
      const body = this.buf.subarray(start + 1, end);
      this.buf = this.buf.subarray(end + 2);
      const ack = parseAck(Buffer.from(body));
      const w = this.waiters.shift();
      if (w) { clearTimeout(w.timer); w.resolve(ack); } else this.acks.push(ack);
    }
  }

  /** Write bytes; cuts: byte offsets at which to split the write (each piece its own write, with a pause). */
  async send(bytes, { cuts = [], pauseMs = 5 } = {}) {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    let at = 0;
    for (const c of [...cuts.filter((x) => x > 0 && x < b.length).sort((x, y) => x - y), b.length]) {
      if (c <= at) continue;
      await new Promise((res, rej) => this.sock.write(b.subarray(at, c), (e) => (e ? rej(e) : res())));
      at = c;
      if (at < b.length && pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  }

  /** The next ACK, or a rejection after timeoutMs or when the connection closes. */
  ack(timeoutMs = 10000) {
    if (this.acks.length) return Promise.resolve(this.acks.shift());
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      w.timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ACK within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Send one framed message and wait for its ACK. */
  async request(msg, opts = {}) {
    await this.send(frame(msg), opts);
    return this.ack(opts.timeoutMs);
  }

  close() {
    this.sock.end();
    this.sock.destroy();
  }
}

/** Every resource of `type` a system can read, grouped by meta.source (an
 * empty map for a type renkei does not serve). */
export async function bySource(sys, type) {
  const out = new Map();
  let url = `/fhir/${type}?_count=1000`;
  while (url) {
    const r = await get(sys, url);
    if (r.status === 404 && out.size === 0) return out;
    assert.equal(r.status, 200, r.text);
    for (const e of r.json.entry || []) {
      const src = e.resource.meta?.source || '';
      if (!out.has(src)) out.set(src, []);
      out.get(src).push(e.resource);
    }
    const next = (r.json.link || []).find((l) => l.relation === 'next');
    url = next ? next.url.replace(/^https?:\/\/[^/]+/, '') : null;
  }
  return out;
}
