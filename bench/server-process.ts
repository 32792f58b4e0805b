/**
 * The upstream server of the bench, run in its own process. One byte-stream listener: the first
 * byte of each connection picks its mode, echo (round trips, idle connections), source (bulk
 * throughput downward: stream bytes as fast as the connection takes them until the client
 * half-closes) or sink (bulk throughput upward: read and discard until the client half-closes).
 * And one HTTP/1.1 listener answering every request with a short keep-alive response.
 * @module
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { BENCH_HIGH_WATER_MARK, BULK_BLOCK_BYTES, MODE_ECHO, MODE_SINK, MODE_SOURCE, send, serveIpc } from './protocol.js';

const sockets = new Set<Socket>();

function handle(socket: Socket): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  // Resets from clients that are torn down mid-transfer are expected; they only end this socket.
  socket.on('error', () => socket.destroy());
  socket.once('data', (first: Buffer) => {
    const mode = first[0];
    const rest = first.subarray(1);
    if (mode === MODE_ECHO) echo(socket, rest);
    else if (mode === MODE_SOURCE) source(socket);
    else if (mode === MODE_SINK) sink(socket);
    else socket.destroy();
  });
}

function echo(socket: Socket, rest: Buffer): void {
  if (rest.length > 0) socket.write(rest);
  socket.on('data', (buf: Buffer) => {
    // Writes are small and answered one at a time; a client that stops reading is paused on.
    if (!socket.write(buf)) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  });
  socket.on('end', () => socket.end());
}

/** One block, written again and again: the bytes' content does not matter to TCP, their count does. */
const block = randomBytes(BULK_BLOCK_BYTES);

/** Blocks one source connection writes in a row before it lets the other connections have a turn. */
const BLOCKS_PER_TURN = 8;

function source(socket: Socket): void {
  let stopped = false;
  const pump = (): void => {
    // On loopback a write can complete at once again and again while the reader keeps up; without
    // a turn limit one connection would keep this process to itself and starve every other one.
    for (let i = 0; i < BLOCKS_PER_TURN; i++) {
      if (stopped || socket.destroyed) return;
      if (!socket.write(block)) {
        socket.once('drain', pump);
        return;
      }
    }
    setImmediate(pump);
  };
  socket.on('end', () => {
    stopped = true;
    socket.end();
  });
  // Nothing else is sent on a source connection; reading keeps the client's EOF visible.
  socket.on('data', () => {});
  pump();
}

function sink(socket: Socket): void {
  socket.on('data', () => {});
  socket.on('end', () => socket.end());
}

const server = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: BENCH_HIGH_WATER_MARK }, handle);

const HTTP_BODY = Buffer.from('ok');
const httpServer = createHttpServer({ keepAlive: true, noDelay: true }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': HTTP_BODY.length });
  res.end(HTTP_BODY);
});
httpServer.keepAliveTimeout = 60_000;

serveIpc((message) => {
  if (message.type === 'stop') {
    server.close();
    httpServer.close();
    httpServer.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});

function portOf(address: ReturnType<typeof server.address>): number {
  return typeof address === 'object' && address ? address.port : 0;
}

server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  httpServer.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    send({ type: 'ready', port: portOf(server.address()), httpPort: portOf(httpServer.address()) });
  });
});
