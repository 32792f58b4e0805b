/**
 * HTTP/2 fixtures for tests: an h2c upstream that records what it saw, and one call on a client
 * session that gathers the answer, its trailers and how the stream ended.
 * @module
 */
import {
  connect,
  constants,
  createServer,
  type ClientHttp2Session,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';

/** A running h2c upstream. */
export interface TestH2Server {
  readonly server: Http2Server;
  readonly address: string;
  /** Request headers of every stream, in arrival order. */
  readonly seen: IncomingHttpHeaders[];
  /** Client sessions (connections) the server has taken. */
  sessions: number;
  close(): Promise<void>;
}

/** Answers `/echo` with the request body and its trailers plus `x-upstream-trailer`; everything else with `hello <path>`. */
export function defaultH2Handler(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  if (headers[':path'] === '/echo') {
    let trailers: IncomingHttpHeaders = {};
    stream.on('trailers', (t: IncomingHttpHeaders) => (trailers = t));
    stream.respond({ ':status': 200, 'x-echo': 'yes' }, { waitForTrailers: true });
    stream.on('wantTrailers', () =>
      stream.sendTrailers({ 'x-upstream-trailer': 'done', 'x-client-trailer': String(trailers['x-client-trailer'] ?? '') }),
    );
    stream.pipe(stream);
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'text/plain' });
  stream.end(`hello ${headers[':path']}`);
}

export async function startH2Server(
  handler: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void = defaultH2Handler,
): Promise<TestH2Server> {
  const server = createServer();
  const seen: IncomingHttpHeaders[] = [];
  const result: TestH2Server = {
    server,
    address: '',
    seen,
    sessions: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of live) s.destroy();
      }),
  };
  const live = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => {
    result.sessions++;
    live.add(s);
    s.on('close', () => live.delete(s));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    seen.push(headers);
    handler(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(result, { address: `127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** A client session to `127.0.0.1:port`, its errors swallowed (tests look at streams). */
export function h2Session(port: number): ClientHttp2Session {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return session;
}

/** How one call ended. */
export interface H2Answer {
  headers: IncomingHttpHeaders | undefined;
  body: Buffer;
  trailers: IncomingHttpHeaders | undefined;
  /** The stream's RST_STREAM code (0 when it ended normally). */
  rstCode: number;
}

/** One call: `headers` (`:path` at least), an optional body with optional trailers. */
export function h2Call(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: Buffer | string,
  trailers?: OutgoingHttpHeaders,
): Promise<H2Answer> {
  return new Promise((resolve) => {
    const method = headers[':method'] ?? (body === undefined ? 'GET' : 'POST');
    const req = session.request(
      { ...headers, ':method': method },
      body === undefined ? { endStream: true } : { endStream: false, waitForTrailers: trailers !== undefined },
    );
    const answer: H2Answer = { headers: undefined, body: Buffer.alloc(0), trailers: undefined, rstCode: 0 };
    const chunks: Buffer[] = [];
    req.on('error', () => {});
    req.on('response', (h) => (answer.headers = h));
    req.on('trailers', (t) => (answer.trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('close', () => {
      answer.body = Buffer.concat(chunks);
      answer.rstCode = req.rstCode ?? constants.NGHTTP2_NO_ERROR;
      resolve(answer);
    });
    if (trailers) req.on('wantTrailers', () => req.sendTrailers(trailers));
    if (body !== undefined) req.end(body);
  });
}
