/**
 * A small real system for scenario e2e tests: a TCP dependency (answers each line with the same
 * line), an HTTP dependency (answers with its `Date`), and an HTTP application in front of them that
 * reaches each dependency through an address the test chooses (a Faultline proxy's listen address).
 * The application does what the scenario library's comments ask of applications: it bounds every
 * call by a deadline and degrades to a fast 503 instead of hanging.
 *
 * - `GET /health`: one line round trip to the TCP dependency through `tcpVia`; 200 `ok`, or 503
 *   `degraded: <why>` after at most `deadlineMs`.
 * - `GET /time`: one request to the HTTP dependency through `httpVia`; 200 with
 *   `{"skew_s": …, "status": "ok" | "skewed"}` (skewed beyond 60 s), or 503 when it cannot tell.
 * @module
 */
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startServer, type TestServer } from './net.js';

/** The running system. */
export interface ScenarioApp {
  /** The application's base URL. */
  readonly url: string;
  /** host:port of the TCP dependency. */
  readonly tcpUpstream: string;
  /** host:port of the HTTP dependency. */
  readonly httpUpstream: string;
  /** Requests the application answered, by status. */
  readonly answered: Map<number, number>;
  close(): Promise<void>;
}

/** Options for {@link startScenarioApp}. */
export interface ScenarioAppOptions {
  /** Where the application reaches the TCP dependency (a proxy's listen address). */
  tcpVia: string;
  /** Where it reaches the HTTP dependency. */
  httpVia?: string;
  /** The application's deadline for one call to the TCP dependency (default 300 ms). */
  deadlineMs?: number;
  /** Its deadline for one call to the HTTP dependency (default 2 s). */
  timeDeadlineMs?: number;
}

function split(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** One line round trip over a fresh connection, bounded by `deadlineMs`. */
function roundTrip(address: string, deadlineMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket: Socket = connect(split(address));
    let buffer = '';
    const finish = (why: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => finish(`no answer within ${deadlineMs}ms`), deadlineMs);
    socket.on('connect', () => socket.write('ping\n'));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) finish(buffer.startsWith('ping') ? undefined : `bad answer ${JSON.stringify(buffer)}`);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.on('end', () => finish('connection closed'));
  });
}

/** The dependency's `Date`, fetched through `address`, or why it could not be. */
function remoteDate(address: string, deadlineMs: number): Promise<{ date?: number; why?: string }> {
  return new Promise((resolve) => {
    const req = request({ ...split(address), path: '/', agent: false, timeout: deadlineMs }, (res) => {
      res.resume();
      res.on('end', () => {
        const date = Date.parse(res.headers.date ?? '');
        resolve(Number.isNaN(date) ? { why: 'no Date header' } : { date });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${deadlineMs}ms`)));
    req.on('error', (err) => resolve({ why: err.message }));
    req.end();
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** Starts the dependencies and the application. */
export async function startScenarioApp(options: ScenarioAppOptions): Promise<ScenarioApp> {
  const deadlineMs = options.deadlineMs ?? 300;
  const tcp: TestServer = await startServer((socket) => {
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        socket.write(`${pending.slice(0, newline + 1)}`);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    socket.on('end', () => socket.end());
  });
  const http = createHttpServer((_req, res) => res.end('time'));
  const httpPort = await listen(http);
  const answered = new Map<number, number>();
  const app = createHttpServer((req, res) => {
    const reply = (status: number, body: string): void => {
      answered.set(status, (answered.get(status) ?? 0) + 1);
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(body);
    };
    if (req.url === '/health') {
      void roundTrip(options.tcpVia, deadlineMs).then((why) => (why === undefined ? reply(200, 'ok') : reply(503, `degraded: ${why}`)));
    } else if (req.url === '/time' && options.httpVia !== undefined) {
      void remoteDate(options.httpVia, options.timeDeadlineMs ?? 2_000).then(({ date, why }) => {
        if (date === undefined) return reply(503, `degraded: ${why ?? ''}`);
        const skew = Math.round((date - Date.now()) / 1000);
        reply(200, JSON.stringify({ skew_s: skew, status: Math.abs(skew) > 60 ? 'skewed' : 'ok' }));
      });
    } else {
      reply(404, 'not found');
    }
  });
  const appPort = await listen(app);
  return {
    url: `http://127.0.0.1:${appPort}`,
    tcpUpstream: tcp.address,
    httpUpstream: `127.0.0.1:${httpPort}`,
    answered,
    close: async () => {
      app.closeAllConnections();
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => app.close(() => resolve())),
        new Promise<void>((resolve) => http.close(() => resolve())),
        tcp.close(),
      ]);
    },
  };
}
