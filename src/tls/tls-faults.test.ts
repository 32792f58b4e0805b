/**
 * The TLS fault toxics through a real proxy with Node's TLS client: each certificate defect gives the
 * client's own error, each handshake fault its failure, removal restores the good handshake, and
 * every injected fault is an event and a metric.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultlineEvent } from '../core/events.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { startEchoServer, type TestServer } from '../testing/net.js';
import { tlsExchange } from '../testing/tls.js';

let running: RunningServer;
let upstream: TestServer;
let ca: string;
let port: number;
const events: FaultlineEvent[] = [];

beforeAll(async () => {
  upstream = await startEchoServer();
  running = await startServer({ port: 0, dashboard: false });
  running.registry.on((e) => events.push(e));
  const created = await apiCall(running.url, 'POST', '/proxies', {
    name: 'front',
    listen: '127.0.0.1:0',
    upstream: upstream.address,
    tls: { listen: { cert: 'auto' } },
  });
  port = Number(String(created.json?.listen).split(':')[1]);
  ca = await (await fetch(`${running.url}/faultline/ca.pem`, { headers: { 'User-Agent': 'test' } })).text();
});

afterAll(async () => {
  await running.close();
  await upstream.close();
});

async function withToxic<T>(type: string, attributes: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  const added = await apiCall(running.url, 'POST', '/proxies/front/toxics', { name: 'tls_fault', type, attributes });
  expect(added.status).toBe(200);
  try {
    return await run();
  } finally {
    expect((await apiCall(running.url, 'DELETE', '/proxies/front/toxics/tls_fault')).status).toBe(204);
  }
}

describe('tls_certificate', () => {
  it.each([
    ['expired', 'CERT_HAS_EXPIRED'],
    ['not_yet_valid', 'CERT_NOT_YET_VALID'],
    ['wrong_host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['self_signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ])('%s: the client fails with %s, and succeeds once the toxic is removed', async (fault, code) => {
    await withToxic('tls_certificate', { fault }, async () => {
      expect(await tlsExchange(port, 'hi', { ca, servername: 'localhost' })).toEqual({ ok: false, error: code });
      // An SNI name of the client's choosing gets the same defect.
      expect(await tlsExchange(port, 'hi', { ca })).toEqual({ ok: false, error: code });
    });
    expect(await tlsExchange(port, 'hi', { ca, servername: 'localhost' })).toMatchObject({ ok: true, text: 'hi' });
    const fault_ = events.find((e) => e.type === 'fault' && e.toxicType === 'tls_certificate' && e.kind === 'certificate');
    expect(fault_).toMatchObject({ proxy: 'front', detail: { fault: expect.any(String) } });
  });
});

describe('tls_handshake', () => {
  it('reset: the connection is reset after the ClientHello', async () => {
    await withToxic('tls_handshake', { fault: 'reset' }, async () => {
      expect(await tlsExchange(port, 'hi', { ca })).toEqual({ ok: false, error: 'ECONNRESET' });
    });
  });

  it('alert: the client gets a fatal handshake_failure alert', async () => {
    await withToxic('tls_handshake', { fault: 'alert' }, async () => {
      expect(await tlsExchange(port, 'hi', { ca })).toEqual({ ok: false, error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
    });
  });

  it('max_version: the proxy offers TLS 1.2 at most; a client that needs 1.3 fails', async () => {
    await withToxic('tls_handshake', { fault: 'max_version', version: 'TLSv1.2' }, async () => {
      expect(await tlsExchange(port, 'hi', { ca })).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
      expect(await tlsExchange(port, 'hi', { ca, minVersion: 'TLSv1.3' })).toMatchObject({ ok: false });
    });
    expect(await tlsExchange(port, 'hi', { ca })).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  it('stall with delay 0 holds the handshake until the toxic is removed; removal lets it finish', async () => {
    await apiCall(running.url, 'POST', '/proxies/front/toxics', { name: 'hold', type: 'tls_handshake', attributes: { fault: 'stall' } });
    let settled = false;
    const exchange = tlsExchange(port, 'held', { ca }).finally(() => {
      settled = true;
    });
    // The stall is reported when the connection arrives; the handshake is still held then.
    await expect.poll(() => events.some((e) => e.type === 'fault' && e.kind === 'stall')).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    await apiCall(running.url, 'DELETE', '/proxies/front/toxics/hold');
    expect(await exchange).toMatchObject({ ok: true, text: 'held' });
  });

  it('stall with a delay lets the handshake go on after it (fake time is not needed: a short delay)', async () => {
    await withToxic('tls_handshake', { fault: 'stall', delay: 50 }, async () => {
      expect(await tlsExchange(port, 'late', { ca })).toMatchObject({ ok: true, text: 'late' });
    });
  });

  it('counts every injected TLS fault in /metrics', async () => {
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/faultline_toxic_faults_total\{[^}]*kind="certificate"[^}]*type="tls_certificate"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/faultline_toxic_faults_total\{[^}]*kind="reset"[^}]*type="tls_handshake"[^}]*\} [1-9]/);
  });
});

describe('byte toxics act on the encrypted wire', () => {
  it('corrupt surfaces as the client’s TLS error, never as altered plaintext', async () => {
    await withToxic('corrupt', { rate: 0.05 }, async () => {
      // A flipped bit in a handshake record's length leaves the client waiting for bytes that never
      // come, and the proxy waiting for the client: a hang is an outcome too (a few in a hundred).
      const outcome = await tlsExchange(port, 'y'.repeat(20_000), { ca, timeout: 5_000 });
      expect(outcome.ok).toBe(false);
    });
  });
});
