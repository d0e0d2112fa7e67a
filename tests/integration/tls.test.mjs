// tls.test.mjs — with tls.cert/tls.key the server speaks HTTPS only (TLS 1.2+),
// backends: sqlite (TLS does not depend on the store)
// sends HSTS, and names https:// in its links; plain HTTP on that port fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, cleanupStore, assertSchema } from './harness.mjs';

function makeCert() {
  const dir = mkdtempSync(path.join(tmpdir(), 'renkei-tls-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key, cert };
}

function httpsGet(port, p, ca, extra = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: p, ca, ...extra }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

test('HTTPS with TLS 1.2+ only', async () => {
  const { key, cert } = makeCert();
  const S = await startServer({ sets: [`tls.cert=${cert}`, `tls.key=${key}`] });
  try {
    const ca = readFileSync(cert);
    const meta = await httpsGet(S.port, '/fhir/metadata', ca);
    assert.equal(meta.status, 200);
    const cs = JSON.parse(meta.body);
    assertSchema(cs);
    assert.equal(cs.implementation.url, `https://127.0.0.1:${S.port}/fhir`);
    assert.match(meta.headers['strict-transport-security'], /max-age=/);
    // TLS 1.1 is refused
    await assert.rejects(httpsGet(S.port, '/healthz', ca, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }));
    // plain HTTP gets no HTTP answer
    const plain = await new Promise((resolve) => {
      const s = net.connect(S.port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('close', () => resolve(data));
      s.on('error', () => resolve(data));
      setTimeout(() => s.destroy(), 3000);
    });
    assert.doesNotMatch(plain, /^HTTP\/1\.1 200/);
    // the negotiated protocol
    const proto = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: S.port, ca, servername: undefined }, () => {
        resolve(s.getProtocol());
        s.end();
      });
      s.on('error', reject);
    });
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(proto), proto);
  } finally {
    assert.equal(await S.stop(), 0);
    cleanupStore(S.store);
  }
});
