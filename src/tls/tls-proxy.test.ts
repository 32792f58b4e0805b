/**
 * TLS proxies end to end in-process: terminating, originating, both, on tcp and http proxies, with
 * Node's own TLS client and servers.
 */
import { request, type RequestOptions } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { startEchoServer } from '../testing/net.js';
import { startHttpsServer, startTlsEcho, testPki, tlsExchange, type TestPki } from '../testing/tls.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<RunningServer> {
  const running = await startServer({ port: 0, dashboard: false, metrics: false });
  cleanups.push(() => running.close());
  return running;
}

async function pkiFiles(pki: TestPki): Promise<{ dir: string; ca: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-tls-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const ca = join(dir, 'upstream-ca.pem');
  await writeFile(ca, pki.ca.pem);
  return { dir, ca };
}

async function caOf(running: RunningServer): Promise<string> {
  const res = await fetch(`${running.url}/faultline/ca.pem`, { headers: { 'User-Agent': 'test' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-pem-file');
  return res.text();
}

describe('TLS proxies', () => {
  it('terminates and originates on a tcp proxy, bytes intact, the CA from /faultline/ca.pem', async () => {
    const pki = await testPki();
    const upstream = await startTlsEcho(pki);
    cleanups.push(() => upstream.close());
    const files = await pkiFiles(pki);
    const running = await server();
    const tls = { listen: { cert: 'auto' }, upstream: { ca: files.ca, servername: 'localhost' } };
    const created = await apiCall(running.url, 'POST', '/proxies', {
      name: 'echo',
      listen: '127.0.0.1:0',
      upstream: upstream.address,
      tls,
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.json ?? {})).toEqual(['name', 'listen', 'upstream', 'tls', 'enabled', 'toxics']);
    expect(created.json?.tls).toEqual({ listen: { cert: 'auto' }, upstream: { verify: true, servername: 'localhost', ca: files.ca } });
    const ca = await caOf(running);
    const port = Number(String(created.json?.listen).split(':')[1]);
    const payload = 'x'.repeat(200_000);
    const outcome = await tlsExchange(port, payload, { ca, servername: 'localhost' });
    expect(outcome).toMatchObject({ ok: true, text: payload });
    // Without SNI (an IP address), the certificate of the listen host.
    expect(await tlsExchange(port, 'hello', { ca })).toMatchObject({ ok: true, text: 'hello' });
  });

  it('terminates only, and originates only', async () => {
    const pki = await testPki();
    const plain = await startEchoServer();
    const secured = await startTlsEcho(pki);
    cleanups.push(
      () => plain.close(),
      () => secured.close(),
    );
    const files = await pkiFiles(pki);
    const running = await server();
    const front = await apiCall(running.url, 'POST', '/proxies', {
      name: 'front',
      listen: '127.0.0.1:0',
      upstream: plain.address,
      tls: { listen: { cert: 'auto' } },
    });
    const ca = await caOf(running);
    const frontPort = Number(String(front.json?.listen).split(':')[1]);
    expect(await tlsExchange(frontPort, 'plain behind', { ca })).toMatchObject({ ok: true, text: 'plain behind' });

    const back = await apiCall(running.url, 'POST', '/proxies', {
      name: 'back',
      listen: '127.0.0.1:0',
      upstream: secured.address,
      tls: { upstream: { ca: files.ca } },
    });
    expect(back.json?.tls).toEqual({ upstream: { verify: true, ca: files.ca } });
    const { connectTo, readAll } = await import('../testing/net.js');
    const client = await connectTo(Number(String(back.json?.listen).split(':')[1]));
    client.end('tls behind');
    expect((await readAll(client)).data.toString()).toBe('tls behind');
  });

  it('serves HTTPS on an http proxy to an HTTPS upstream', async () => {
    const pki = await testPki();
    const upstream = await startHttpsServer(pki);
    cleanups.push(() => upstream.close());
    const files = await pkiFiles(pki);
    const running = await server();
    const created = await apiCall(running.url, 'POST', '/proxies', {
      name: 'web',
      listen: '127.0.0.1:0',
      upstream: upstream.address,
      protocol: 'http',
      tls: { listen: { cert: 'auto' }, upstream: { ca: files.ca } },
    });
    expect(created.status).toBe(201);
    const ca = await caOf(running);
    const port = Number(String(created.json?.listen).split(':')[1]);
    const answer = await new Promise<{ status: number; body: string; alpn: unknown }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/hello',
          ca,
          servername: 'localhost',
          agent: false,
          ALPNProtocols: ['h2', 'http/1.1'],
        } as RequestOptions,
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body, alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 200, body: 'ok /hello', alpn: 'http/1.1' });
  });

  it('refuses an upstream whose certificate it cannot verify: 502 on an http proxy, a closed connection on a tcp one', async () => {
    const pki = await testPki();
    const https = await startHttpsServer(pki);
    const echo = await startTlsEcho(pki);
    cleanups.push(
      () => https.close(),
      () => echo.close(),
    );
    const running = await server();
    // No `ca`: the system's CAs do not know the test's, so the upstream is refused.
    const web = await apiCall(running.url, 'POST', '/proxies', {
      name: 'web',
      listen: '127.0.0.1:0',
      upstream: https.address,
      protocol: 'http',
      tls: { upstream: {} },
    });
    const { httpCall } = await import('../testing/http-server.js');
    const answer = await httpCall(Number(String(web.json?.listen).split(':')[1]), { path: '/' });
    expect(answer.status).toBe(502);
    const tcp = await apiCall(running.url, 'POST', '/proxies', {
      name: 'tcp',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      tls: { listen: { cert: 'auto' }, upstream: {} },
    });
    const ca = await caOf(running);
    const outcome = await tlsExchange(Number(String(tcp.json?.listen).split(':')[1]), 'refused upstream', { ca });
    expect(outcome).not.toMatchObject({ text: 'refused upstream' });
    // verify: false takes it.
    await apiCall(running.url, 'PATCH', '/proxies/tcp', { tls: { listen: { cert: 'auto' }, upstream: { verify: false } } });
    expect(await tlsExchange(Number(String(tcp.json?.listen).split(':')[1]), 'taken', { ca })).toMatchObject({ ok: true, text: 'taken' });
  });
});
