/**
 * h2 over TLS: an http2 proxy that terminates TLS offers `h2` by ALPN, and one that originates TLS
 * reaches an HTTPS/2 upstream, with the HTTP toxics still acting per stream.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createSecureServer, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { testPki } from '../testing/tls.js';

const cleanups: Array<() => Promise<unknown> | undefined> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (c: Buffer) => {
      body += c.toString();
    });
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.end();
  });
}

describe('http2 proxies over TLS', () => {
  it('terminate with h2 by ALPN and originate to an HTTPS/2 upstream; HTTP toxics act per stream', async () => {
    const pki = await testPki();
    const upstream = createSecureServer({ ...pki.server, allowHTTP1: false }, (req, res) => {
      res.end(`h2 ${req.url} ${(req.socket as TLSSocket).alpnProtocol}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => upstream.close(resolve)));
    const port = (upstream.address() as { port: number }).port;
    const dir = await mkdtemp(join(tmpdir(), 'faultline-h2tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'upstream-ca.pem');
    await writeFile(caFile, pki.ca.pem);

    const running = await startServer({ port: 0, dashboard: false, metrics: false });
    cleanups.push(() => running.close());
    const created = await apiCall(running.url, 'POST', '/proxies', {
      name: 'greeter',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${port}`,
      protocol: 'http2',
      tls: { listen: { cert: 'auto' }, upstream: { ca: caFile, servername: 'localhost' } },
    });
    expect(created.status).toBe(201);
    await apiCall(running.url, 'POST', '/proxies/greeter/toxics', {
      type: 'http_abort',
      attributes: { grpc_status: 'UNAVAILABLE', match: { path: '/helloworld.Greeter/*' } },
    });
    const ca = await (await fetch(`${running.url}/faultline/ca.pem`)).text();

    const session = connect(`https://localhost:${String(created.json?.listen).split(':')[1]}`, { ca });
    cleanups.push(() => new Promise((resolve) => session.close(() => resolve(undefined))));
    expect(await get(session, '/plain')).toEqual({ status: 200, body: 'h2 /plain h2' });
    expect((session.socket as TLSSocket).alpnProtocol).toBe('h2');
    const aborted = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = session.request({ ':path': '/helloworld.Greeter/SayHello' });
      stream.on('response', (headers) => resolve({ ...headers }));
      stream.on('error', reject);
      stream.end();
    });
    expect(aborted).toMatchObject({ ':status': 200, 'grpc-status': '14' });
  });
});
