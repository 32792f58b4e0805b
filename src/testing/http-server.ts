/**
 * Test helpers for HTTP on loopback: an upstream server that records what it saw and cleans up
 * after itself, and a client request that reads the whole answer. Not part of the package.
 * @module
 */
import {
  type Agent,
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './net.js';

/** A request as the upstream received it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  /** The client port of the upstream connection the request came on. */
  remotePort: number;
}

/** A loopback HTTP server for tests. */
export interface TestHttpServer {
  readonly port: number;
  readonly address: string;
  readonly server: Server;
  readonly seen: SeenRequest[];
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 at a free port; `handler` answers (default: `ok`). */
export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok'),
): Promise<TestHttpServer> {
  const sockets = new Set<Socket>();
  const seen: SeenRequest[] = [];
  let accepted = 0;
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      remotePort: req.socket.remotePort ?? 0,
    });
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { ...(await listenOnLoopback(server, sockets)), server, seen, connections: () => accepted };
}

/** A whole answer. */
export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
  /** The local port of the client connection (to tell connections apart). */
  localPort: number;
}

/** Options for {@link httpGet}. */
export interface HttpCallOptions {
  method?: string;
  path?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** Sends one request to 127.0.0.1:`port` and reads the whole answer. */
export function httpCall(port: number, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: options.headers ?? {},
      agent: options.agent ?? false,
      timeout: options.timeoutMs ?? 10_000,
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
          localPort: req.socket?.localPort ?? 0,
        }),
      );
    });
    req.end(options.body);
  });
}
