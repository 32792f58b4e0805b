/**
 * The roles of the HTTP/2 bench (bench/http2.ts), one per process: an h2c backend, a bare
 * node:http2 proxy (one upstream session per client session, streams piped both ways with their
 * trailers), Faultline's `http2` proxy, and the load generator. Each reports `{ ready, port }` to
 * its parent; the load generator answers `{ streams, ms }` or `{ bytes, ms }`; a proxy answers `cpu` with
 * its CPU time so far (`{ micros }`) and exits on SIGINT (so `--cpu-prof` writes its profile).
 *
 *   node dist/bench/http2-process.js backend | bare UPSTREAM | faultline UPSTREAM | load PORT
 * @module
 */
import {
  connect,
  createServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { startProxy } from '../src/index.js';

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

/** A proxy's side of the IPC: its CPU time on request, an orderly exit on SIGINT. */
function serveProxyQueries(): void {
  process.on('message', (raw) => {
    if ((raw as { kind?: string }).kind !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    send({ micros: user + system });
  });
  process.once('SIGINT', () => process.exit(0));
}

/** `/small` answers 16 bytes; `/bulk/N` answers N bytes; `/sink` reads the body and answers its length. */
function backend(): void {
  const server = createServer();
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => {});
    const path = String(headers[':path']);
    if (path === '/sink') {
      let n = 0;
      stream.on('data', (c: Buffer) => (n += c.length));
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(String(n));
      });
      return;
    }
    stream.respond({ ':status': 200 });
    if (!path.startsWith('/bulk/')) {
      stream.end('0123456789abcdef');
      return;
    }
    let left = Number(path.slice(6));
    const pump = (): void => {
      while (left > 0) {
        const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= chunk.length;
        if (!stream.write(chunk)) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
  server.listen(0, '127.0.0.1', () => send({ ready: true, port: (server.address() as AddressInfo).port }));
}

/** The yardstick: what a minimal node:http2 reverse proxy does, with nothing of Faultline's. */
function bare(upstream: string): void {
  const server = createServer();
  const upstreams = new WeakMap<object, ClientHttp2Session>();
  server.on('session', (session) => {
    const up = connect(`http://${upstream}`);
    up.on('error', () => {});
    upstreams.set(session, up);
    session.on('close', () => up.destroy());
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => {});
    const up = upstreams.get(stream.session as object);
    if (!up) {
      stream.close(7);
      return;
    }
    const out: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = v;
    const req = up.request(out, { endStream: stream.endAfterHeaders });
    req.on('error', () => stream.close(2));
    req.on('response', (h) => {
      stream.respond(h);
      req.pipe(stream);
    });
    if (!stream.endAfterHeaders) stream.pipe(req);
  });
  serveProxyQueries();
  server.listen(0, '127.0.0.1', () => send({ ready: true, port: (server.address() as AddressInfo).port }));
}

async function faultline(upstream: string): Promise<void> {
  const proxy = await startProxy({ upstream, protocol: 'http2' });
  serveProxyQueries();
  send({ ready: true, port: proxy.port });
}

/** Streams answered in `ms` by `connections` sessions keeping `depth` small requests each in flight. */
async function streamsPerSecond(port: number, ms: number, connections: number, depth: number): Promise<Record<string, number>> {
  let streams = 0;
  const end = performance.now() + ms;
  const sessions = Array.from({ length: connections }, () => connect(`http://127.0.0.1:${port}`));
  const one = (s: ClientHttp2Session): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = s.request({ ':path': '/small' }, { endStream: true });
      req.on('error', reject);
      req.resume();
      req.on('end', () => {
        streams++;
        resolve();
      });
    });
  const lane = async (s: ClientHttp2Session): Promise<void> => {
    while (performance.now() < end) await one(s);
  };
  const started = performance.now();
  await Promise.all(sessions.flatMap((s) => Array.from({ length: depth }, () => lane(s))));
  const took = performance.now() - started;
  for (const s of sessions) s.destroy();
  return { streams, ms: took };
}

/** Bytes down (`/bulk`) or up (`/sink`) on `parallel` concurrent streams of one session. */
async function bulk(port: number, direction: 'down' | 'up', bytesPerStream: number, parallel: number): Promise<Record<string, number>> {
  const session = connect(`http://127.0.0.1:${port}`);
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      if (direction === 'down') {
        const req = session.request({ ':path': `/bulk/${bytesPerStream}` }, { endStream: true });
        let n = 0;
        req.on('error', reject);
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => resolve(n));
        return;
      }
      const req = session.request({ ':method': 'POST', ':path': '/sink' });
      req.on('error', reject);
      req.resume();
      req.on('end', () => resolve(bytesPerStream));
      let left = bytesPerStream;
      const pump = (): void => {
        while (left > 0) {
          left -= CHUNK.length;
          if (!req.write(CHUNK)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: parallel }, one));
  const ms = performance.now() - started;
  session.destroy();
  return { bytes: sizes.reduce((a, b) => a + b, 0), ms };
}

function load(port: number): void {
  process.on('message', (raw) => {
    const cmd = raw as { kind: string; ms?: number; bytes?: number };
    const job =
      cmd.kind === 'streams'
        ? streamsPerSecond(port, cmd.ms ?? 2000, 4, 16)
        : bulk(port, cmd.kind === 'up' ? 'up' : 'down', cmd.bytes ?? 0, 4);
    job.then(send, (err: unknown) => send({ error: String(err) }));
  });
  send({ ready: true, port });
}

const [role, arg = ''] = process.argv.slice(2);
if (role === 'backend') backend();
else if (role === 'bare') bare(arg);
else if (role === 'faultline') void faultline(arg);
else if (role === 'load') load(Number(arg));
else {
  process.stderr.write(`unknown role ${String(role)}\n`);
  process.exit(2);
}
