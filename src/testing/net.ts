/**
 * Test helpers for real sockets on loopback: servers that clean up after themselves, and ways to
 * read a socket to its end. Used by unit and e2e tests; not part of the package.
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP server that tracks its sockets so `close()` leaves nothing behind. */
export interface TestServer {
  readonly port: number;
  readonly address: string;
  readonly server: Server;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 at a free port. */
export async function startServer(onSocket: (socket: Socket) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  return { ...(await listenOnLoopback(server, sockets)), server, sockets };
}

/** A test server bound to a free loopback port. */
export interface LoopbackListener {
  port: number;
  /** `127.0.0.1:port`. */
  address: string;
  /** Destroys the sockets still open, then closes the server. */
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1; `sockets` are the accepted sockets `close` destroys. */
export async function listenOnLoopback(server: Server, sockets: ReadonlySet<Socket>): Promise<LoopbackListener> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const info = server.address();
  const port = typeof info === 'object' && info ? info.port : 0;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An echo server: every byte comes back, FIN included. */
export function startEchoServer(): Promise<TestServer> {
  return startServer((socket) => socket.pipe(socket));
}

/** Connects to 127.0.0.1:port with half-close allowed; resolves once connected. */
export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** What reading a socket to its end produced. */
export interface ReadResult {
  data: Buffer;
  /** The error that ended the read, if any (e.g. ECONNRESET). */
  error?: NodeJS.ErrnoException;
}

/** Reads until end or error. */
export function readAll(socket: Socket): Promise<ReadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve({ data: Buffer.concat(chunks) }));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ data: Buffer.concat(chunks), error }));
  });
}

/**
 * Resolves with the next `length` bytes read from the socket. The socket is paused again afterwards,
 * with any extra bytes put back, so nothing is lost between two reads.
 */
export function readBytes(socket: Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      if (got >= length) {
        socket.off('data', onData);
        socket.off('error', reject);
        socket.pause();
        const all = Buffer.concat(chunks);
        if (all.length > length) socket.unshift(all.subarray(length));
        resolve(all.subarray(0, length));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.resume();
  });
}

/**
 * Polls `predicate` until it holds or `timeoutMs` passes. The limit only tells a hang from a slow
 * machine, so it is generous: a busy machine can hold a process off the CPU for seconds.
 */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves once the event fires. */
export function once(socket: Socket, event: string): Promise<void> {
  return new Promise((resolve) => socket.once(event, () => resolve()));
}

/** Collects a socket's bytes; `until` waits for the text to satisfy a predicate. */
export function collectText(socket: Socket) {
  let text = '';
  let ended = false;
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => (text += c));
  socket.on('end', () => (ended = true));
  socket.on('error', () => (ended = true));
  return {
    get text() {
      return text;
    },
    get ended() {
      return ended;
    },
    until: (predicate: (text: string) => boolean, what: string) => waitFor(() => predicate(text), 10_000, what),
  };
}
