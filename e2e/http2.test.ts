/**
 * An http2 proxy of a `faultline serve` process in front of an h2c backend (node:http2): curl with
 * prior knowledge and with the HTTP/1.1 Upgrade gets the backend's answers, plain HTTP/1.1 gets a
 * 505 that says what to send, and 100 MiB up and 100 MiB down on concurrent streams arrive byte
 * for byte (sha256 on both sides).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ServerHttp2Stream } from 'node:http2';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Session, startH2Server, type TestH2Server } from '../src/testing/http2.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api } from './helpers/http.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const STREAMS = 4;
const PER_STREAM = 25 * MIB;

let backend: TestH2Server;
let faultline: FaultlineProcess;
let proxyAddress: string;
/** sha256 of what the backend received on each `/sink/N`. */
const received = new Map<string, string>();

/** Deterministic bytes for one stream: a counter pattern, different per stream. */
function block(stream: number, index: number): Buffer {
  const out = Buffer.alloc(64 * 1024);
  for (let i = 0; i < out.length; i += 4) out.writeUInt32LE((stream * 0x9e3779b1 + index * 65_536 + i) >>> 0, i);
  return out;
}

/** Answers `/source/N` with PER_STREAM bytes and hashes what `/sink/N` sends; everything else greets. */
function handler(stream: ServerHttp2Stream, headers: Record<string, unknown>): void {
  const path = String(headers[':path']);
  const n = Number(path.split('/')[2]);
  if (path.startsWith('/sink/')) {
    const hash = createHash('sha256');
    stream.on('data', (c: Buffer) => hash.update(c));
    stream.on('end', () => {
      received.set(path, hash.digest('hex'));
      stream.respond({ ':status': 200 });
      stream.end('stored');
    });
    return;
  }
  if (path.startsWith('/source/')) {
    stream.respond({ ':status': 200 });
    let index = 0;
    const pump = (): void => {
      while (index * 64 * 1024 < PER_STREAM) {
        if (!stream.write(block(n, index++))) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'text/plain' });
  stream.end(`hello ${path}`);
}

beforeAll(async () => {
  backend = await startH2Server(handler);
  faultline = await startFaultline(['serve', '--port', '0', '--seed', '18']);
  const created = await api(faultline.url).post('/proxies', {
    name: 'h2',
    listen: '127.0.0.1:0',
    upstream: backend.address,
    protocol: 'http2',
  });
  expect(created.status).toBe(201);
  proxyAddress = (created.json as { listen: string }).listen;
});

afterAll(async () => {
  await faultline?.stop();
  await backend?.close();
});

describe('an http2 proxy in front of an h2c backend', () => {
  it('answers curl with prior knowledge', async () => {
    const { stdout } = await run('curl', ['-sS', '-i', '--http2-prior-knowledge', `http://${proxyAddress}/prior`], { timeout: 10_000 });
    expect(stdout).toMatch(/^HTTP\/2 200/);
    expect(stdout).toContain('hello /prior');
  });

  it('upgrades curl --http2 from HTTP/1.1 (101, then HTTP/2 on the same connection)', async () => {
    const { stdout } = await run('curl', ['-sS', '-i', '--http2', `http://${proxyAddress}/upgraded?x=1`], { timeout: 10_000 });
    expect(stdout).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    expect(stdout).toMatch(/HTTP\/2 200/);
    expect(stdout).toContain('hello /upgraded?x=1');
  });

  it('answers plain HTTP/1.1 with a 505 that says what to send', async () => {
    const { stdout } = await run('curl', ['-sS', '-i', '--http1.1', `http://${proxyAddress}/h1`], { timeout: 10_000 });
    expect(stdout).toMatch(/^HTTP\/1\.1 505/);
    expect(stdout).toContain('send the HTTP/2 preface');
  });

  it('carries 100 MiB up and 100 MiB down on concurrent streams byte for byte', async () => {
    const session = h2Session(Number(proxyAddress.split(':')[1]));
    try {
      const up = Array.from({ length: STREAMS }, (_, n) => upload(session, n));
      const down = Array.from({ length: STREAMS }, (_, n) => download(session, n));
      const [sent, got] = await Promise.all([Promise.all(up), Promise.all(down)]);
      for (let n = 0; n < STREAMS; n++) {
        expect(received.get(`/sink/${n}`), `upload ${n}`).toBe(sent[n]);
        expect(got[n], `download ${n}`).toBe(expectedHash(n));
      }
    } finally {
      session.destroy();
    }
  }, 120_000);
});

function expectedHash(n: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i * 64 * 1024 < PER_STREAM; i++) hash.update(block(n, i));
  return hash.digest('hex');
}

/** Sends PER_STREAM bytes to `/sink/n` with backpressure; resolves with their sha256 once answered. */
function upload(session: ReturnType<typeof h2Session>, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': `/sink/${n}` });
    const hash = createHash('sha256');
    req.on('error', reject);
    req.on('response', () => req.resume());
    req.on('close', () => resolve(hash.digest('hex')));
    let index = 0;
    const pump = (): void => {
      while (index * 64 * 1024 < PER_STREAM) {
        const chunk = block(100 + n, index++);
        hash.update(chunk);
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Reads `/source/n` whole; resolves with the sha256 of what arrived. */
function download(session: ReturnType<typeof h2Session>, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': `/source/${n}` }, { endStream: true });
    const hash = createHash('sha256');
    req.on('error', reject);
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => resolve(hash.digest('hex')));
  });
}
