/**
 * Test helpers for TLS: a CA of the test's own with servers whose certificates it issued (TLS echo,
 * HTTPS), and a client that reports how its handshake ended. Not part of the package.
 * @module
 */
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { CertificateStore } from '../tls/certificate-store.js';
import { createCa, type LocalCa } from '../tls/local-ca.js';
import { listenOnLoopback, type LoopbackListener } from './net.js';

/** A CA of the test's own, and certificates for `127.0.0.1`/`localhost` issued by it. */
export interface TestPki {
  readonly ca: LocalCa;
  readonly server: { cert: string; key: string };
}

/** Makes a test CA and a server certificate for loopback names. */
export async function testPki(): Promise<TestPki> {
  const ca = await createCa('Test upstream CA', Date.now());
  const store = new CertificateStore(async () => ca, Date.now);
  return { ca, server: await store.pair(['localhost', '127.0.0.1']) };
}

/** A TLS echo server on loopback: every plaintext byte comes back. */
export async function startTlsEcho(pki: TestPki): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ ...pki.server }, (socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return listenOnLoopback(server as never, sockets);
}

/** An HTTPS server on loopback answering `ok <path>` with status 200. */
export async function startHttpsServer(pki: TestPki): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  const server = createHttpsServer({ ...pki.server }, (req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end(`ok ${req.url}`);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return listenOnLoopback(server as never, sockets);
}

/** How a TLS client's exchange ended: the echoed text, or the error code (or message) it failed with. */
export type TlsOutcome = { ok: true; text: string; protocol: string | null; alpn: string | false } | { ok: false; error: string };

/**
 * Connects with TLS, sends `text`, half-closes, and reads to the end. With `options.timeout`, a
 * connection idle that long ends the exchange as `ETIMEDOUT`.
 */
export function tlsExchange(port: number, text: string, options: ConnectionOptions = {}): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket: TLSSocket = connectTls({ host: '127.0.0.1', port, ...options }, () => {
      socket.end(text);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () =>
      resolve({ ok: true, text: Buffer.concat(chunks).toString(), protocol: socket.getProtocol(), alpn: socket.alpnProtocol ?? false }),
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, error: err.code ?? err.message });
      socket.destroy();
    });
    socket.on('timeout', () => {
      resolve({ ok: false, error: 'ETIMEDOUT' });
      socket.destroy();
    });
  });
}
