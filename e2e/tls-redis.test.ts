/**
 * A database client that verifies its server, through the built server: `redis-cli --tls` against a
 * redis-server that speaks TLS only, with Faultline terminating and originating TLS between them.
 * It works, fails with its own certificate error under tls_certificate, times out under a stalled
 * handshake, and works again once the toxic is removed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { testPki } from '../src/testing/tls.js';
import { findBinary } from './helpers/binaries.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { startRedis, type RedisServer } from './helpers/redis.js';
import { fetchCa, runProgram, tempDir } from './helpers/tls.js';

let redis: RedisServer;
let server: FaultlineProcess;
let admin: AdminClient;
let temp: Awaited<ReturnType<typeof tempDir>>;
let ca: string;
let port: number;
const redisCli = findBinary('redis-cli', 'redis-tools');

beforeAll(async () => {
  temp = await tempDir();
  const pki = await testPki();
  const files = { certFile: join(temp.dir, 'redis.pem'), keyFile: join(temp.dir, 'redis-key.pem'), caFile: join(temp.dir, 'ca.pem') };
  await writeFile(files.certFile, pki.server.cert);
  await writeFile(files.keyFile, pki.server.key, { mode: 0o600 });
  await writeFile(files.caFile, pki.ca.pem);
  redis = await startRedis(files);
  server = await startFaultline();
  admin = new AdminClient(server.url);
  const proxy = await admin.createProxy({
    name: 'redis',
    listen: '127.0.0.1:0',
    upstream: redis.address,
    tls: { listen: { cert: 'auto' }, upstream: { ca: files.caFile, servername: 'localhost' } },
  });
  port = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
  ca = await fetchCa(server.url, temp.dir);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await redis?.stop();
  await temp?.remove();
});

const ping = (boundMs = 15_000) =>
  runProgram(redisCli, ['--tls', '--cacert', ca, '--sni', 'localhost', '-h', '127.0.0.1', '-p', String(port), 'PING'], '', boundMs);

async function withToxic<T>(type: string, attributes: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  await admin.addToxic('redis', { name: 'fault', type, attributes });
  try {
    return await run();
  } finally {
    await admin.removeToxic('redis', 'fault');
  }
}

describe('redis-cli --tls through a terminating and originating tcp proxy', () => {
  it('answers PONG', async () => {
    expect(await ping()).toMatchObject({ code: 0, stdout: 'PONG\n' });
  });

  it.each([
    ['expired', 'certificate verify failed'],
    ['untrusted', 'certificate verify failed'],
    ['self_signed', 'certificate verify failed'],
  ])('tls_certificate %s: redis-cli refuses the certificate, and connects once it is removed', async (fault, error) => {
    const refused = await withToxic('tls_certificate', { fault }, () => ping());
    expect(refused.stdout + refused.stderr).toContain(error);
    expect(refused.stdout).not.toContain('PONG');
    expect(await ping()).toMatchObject({ code: 0, stdout: 'PONG\n' });
  });

  it('tls_certificate wrong_host: redis-cli 7 checks the chain but not the host name, so it connects', async () => {
    // What the rehearsal finds out: a client that skips the name check accepts a certificate for another host.
    const answered = await withToxic('tls_certificate', { fault: 'wrong_host' }, () => ping());
    expect(answered).toMatchObject({ code: 0, stdout: 'PONG\n' });
  });

  it('tls_handshake stall: redis-cli hangs in the handshake; removal lets it through', async () => {
    const held = await withToxic('tls_handshake', { fault: 'stall' }, () => ping(1500));
    expect(held.timedOut).toBe(true);
    expect(held.stdout).not.toContain('PONG');
    expect(await ping()).toMatchObject({ code: 0, stdout: 'PONG\n' });
  });
});
