/**
 * Database clients that verify their server, through the built server: `redis-cli --tls` and ioredis
 * against a redis-server that speaks TLS only, with Faultline terminating and originating TLS between
 * them. They work, fail with their own certificate error under tls_certificate, time out under a
 * stalled handshake, and work again once the toxic is removed. ioredis checks the host name (Node's
 * TLS), redis-cli 7 does not; PostgreSQL clients before 17 cannot stand in here, as they ask for TLS
 * inside their own protocol (SSLRequest) rather than starting with a handshake.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
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

/** One PING from ioredis over TLS, trusting the Faultline CA and expecting the name `localhost`: the reply or the error. */
async function ioredisPing(): Promise<string> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    tls: { ca: await readFile(ca), servername: 'localhost' },
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 10_000,
  });
  // A refused certificate comes as an 'error' event; connect() then only says the connection closed.
  let refused: Error | undefined;
  client.on('error', (err: Error) => (refused ??= err));
  try {
    await client.connect();
    return await client.ping();
  } catch (err) {
    return (refused ?? (err as Error)).message;
  } finally {
    client.disconnect();
  }
}

describe('ioredis over TLS (Node checks chain and host name) through the same proxy', () => {
  it('answers PONG', async () => {
    expect(await ioredisPing()).toBe('PONG');
  });

  it.each([
    ['expired', 'certificate has expired'],
    ['untrusted', 'unable to verify the first certificate'],
    ['wrong_host', "Hostname/IP does not match certificate's altnames"],
  ])('tls_certificate %s: ioredis refuses the certificate, and connects once it is removed', async (fault, error) => {
    expect(await withToxic('tls_certificate', { fault }, ioredisPing)).toContain(error);
    expect(await ioredisPing()).toBe('PONG');
  });
});
