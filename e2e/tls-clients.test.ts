/**
 * Real TLS clients through the built server, terminating and originating TLS in front of an HTTPS
 * upstream: curl, `openssl s_client` and Node's https each work, fail with their own error under
 * each certificate defect, time out under a stalled handshake, and work again once the toxic is
 * removed. HTTP toxics act on HTTPS requests.
 */
import { request, type RequestOptions } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { startHttpsServer, testPki } from '../src/testing/tls.js';
import type { LoopbackListener } from '../src/testing/net.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { fetchCa, runProgram, tempDir } from './helpers/tls.js';

let server: FaultlineProcess;
let admin: AdminClient;
let upstream: LoopbackListener;
let temp: Awaited<ReturnType<typeof tempDir>>;
let ca: string;
let caText: string;
let port: number;

beforeAll(async () => {
  temp = await tempDir();
  const pki = await testPki();
  upstream = await startHttpsServer(pki);
  const upstreamCa = join(temp.dir, 'upstream-ca.pem');
  await writeFile(upstreamCa, pki.ca.pem);
  server = await startFaultline();
  admin = new AdminClient(server.url);
  const proxy = await admin.createProxy({
    name: 'web',
    listen: '127.0.0.1:0',
    upstream: upstream.address,
    protocol: 'http',
    tls: { listen: { cert: 'auto' }, upstream: { ca: upstreamCa, servername: 'localhost' } },
  });
  port = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
  ca = await fetchCa(server.url, temp.dir);
  caText = await readFile(ca, 'utf8');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await upstream?.close();
  await temp?.remove();
});

async function withToxic<T>(type: string, attributes: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  await admin.addToxic('web', { name: 'fault', type, attributes });
  try {
    return await run();
  } finally {
    await admin.removeToxic('web', 'fault');
  }
}

const curl = (path = '/', extra: string[] = []) =>
  runProgram('curl', ['-sS', '--cacert', ca, '--resolve', `localhost:${port}:127.0.0.1`, ...extra, `https://localhost:${port}${path}`]);

const sClient = (boundMs = 15_000) =>
  runProgram(
    'openssl',
    [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-servername',
      'localhost',
      '-CAfile',
      ca,
      '-verify_return_error',
      '-verify_hostname',
      'localhost',
    ],
    'Q\n',
    boundMs,
  );

/** One HTTPS GET with Node's client: the status, body and Date header, or the error code. */
function nodeGet(path: string): Promise<{ status: number; body: string; date: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const options: RequestOptions = { host: '127.0.0.1', port, path, ca: [caText], servername: 'localhost', agent: false };
    const req = request(options, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, date: res.headers.date }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

describe('TLS clients through a terminating and originating http proxy', () => {
  it('curl, openssl s_client and Node https work through it', async () => {
    const ok = await curl('/hello');
    expect(ok).toMatchObject({ code: 0, stdout: 'ok /hello' });
    const handshake = await sClient();
    expect(handshake.stdout).toContain('Verify return code: 0 (ok)');
    expect(await nodeGet('/node')).toMatchObject({ status: 200, body: 'ok /node' });
  });

  it.each([
    ['expired', 'certificate has expired', 'Verify return code: 10 (certificate has expired)', 'CERT_HAS_EXPIRED'],
    [
      'wrong_host',
      "no alternative certificate subject name matches target host name 'localhost'",
      'Verify return code: 62 (hostname mismatch)',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    [
      'untrusted',
      'unable to get local issuer certificate',
      'Verify return code: 20 (unable to get local issuer certificate)',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ],
  ])(
    'tls_certificate %s: each client fails with its own error, and works once it is removed',
    async (fault, curlError, opensslLine, nodeCode) => {
      await withToxic('tls_certificate', { fault }, async () => {
        const failed = await curl('/');
        expect(failed.code).toBe(60);
        expect(failed.stderr).toContain(curlError);
        expect((await sClient()).stdout).toContain(opensslLine);
        expect(await nodeGet('/')).toEqual({ error: nodeCode });
      });
      expect(await curl('/again')).toMatchObject({ code: 0, stdout: 'ok /again' });
      expect(await nodeGet('/again')).toMatchObject({ status: 200 });
    },
  );

  it('tls_handshake stall: each client times out; removal lets new handshakes through', async () => {
    await withToxic('tls_handshake', { fault: 'stall' }, async () => {
      const timedOut = await curl('/', ['--max-time', '1']);
      expect(timedOut.code).toBe(28);
      const held = await sClient(1500);
      expect(held.timedOut).toBe(true);
      expect(held.stdout).not.toContain('Verify return code');
    });
    expect(await curl('/after')).toMatchObject({ code: 0, stdout: 'ok /after' });
  });

  it('tls_handshake alert and reset reach curl as its own errors', async () => {
    await withToxic('tls_handshake', { fault: 'alert' }, async () => {
      const alerted = await curl('/');
      expect(alerted.code).toBe(35);
      expect(alerted.stderr).toContain('handshake failure');
    });
    await withToxic('tls_handshake', { fault: 'reset' }, async () => {
      const reset = await curl('/');
      expect(reset.code).toBe(35);
      expect(reset.stderr).toMatch(/Connection reset by peer|SSL_ERROR_SYSCALL/);
    });
  });
});

describe('HTTP toxics over HTTPS', () => {
  it('http_abort answers in the server’s place', async () => {
    await withToxic('http_abort', { status: 503, body: 'down for the drill' }, async () => {
      const answer = await curl('/', ['-w', ' %{http_code}']);
      expect(answer.stdout).toBe('down for the drill 503');
    });
  });

  it('http_delay holds HTTPS requests (measured against the same run without it)', async () => {
    const fastest = async (times: number) => {
      let best = Infinity;
      for (let i = 0; i < times; i++) {
        const started = performance.now();
        expect(await nodeGet('/timed')).toMatchObject({ status: 200 });
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const before = await fastest(5);
    const delayed = await withToxic('http_delay', { delay: 400 }, () => fastest(3));
    expect(delayed).toBeGreaterThanOrEqual(400);
    expect(delayed).toBeGreaterThan(before);
  });

  it('clock_skew shifts the upstream’s Date on HTTPS answers', async () => {
    const skewed = await withToxic('clock_skew', { offset: 86_400_000 }, () => nodeGet('/date'));
    expect(skewed).toMatchObject({ status: 200 });
    const date = Date.parse((skewed as { date: string }).date);
    // A day ahead of this machine's clock, give or take the second the header is rounded to.
    expect(date - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
  });
});
