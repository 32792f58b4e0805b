import { z } from 'zod';
import { grpcStatus } from './grpc-status.js';
import { headerMap, statusCode } from './http-attributes.js';
import { matchAttribute } from './http-match.js';
import { defineHttpToxic, type HttpReply, type HttpToxic, type HttpVerdict } from './http-types.js';

const MAX_BODY = 64 * 1024;

const attributes = () =>
  z.object({
    status: statusCode(503).describe('a registered final status, 200–599 (unknown codes are a 400)'),
    body: z
      .string({ error: (issue) => `expected the body as a string, got ${typeof issue.input}` })
      .max(MAX_BODY, { error: `body longer than ${MAX_BODY} characters` })
      .default('')
      .describe("the answer's body (at most 64 KiB); `Content-Type: text/plain; charset=utf-8` unless `headers` sets one"),
    headers: headerMap().describe('extra answer headers, e.g. `Retry-After`'),
    reset: z
      .boolean({ error: 'expected reset as true or false' })
      .default(false)
      .describe("reset the client's connection (RST) instead of answering"),
    grpc_status: grpcStatus().describe(
      'http2 proxies: answer as a gRPC server, trailers-only with HTTP 200 and this status (`14` or `UNAVAILABLE`); `status` and `body` are not used. Ignored on http proxies',
    ),
    grpc_message: z
      .string({ error: (issue) => `expected grpc_message as a string, got ${typeof issue.input}` })
      .max(1024, { error: 'grpc_message longer than 1024 characters' })
      .default('')
      .describe('with `grpc_status`: the `grpc-message` the client sees (percent-encoded on the wire)'),
    match: matchAttribute(),
  });
type AbortAttributes = z.infer<ReturnType<typeof attributes>>;

function replyOf(attrs: AbortAttributes): HttpReply {
  const headers: Array<readonly [string, string]> = Object.entries(attrs.headers);
  if (attrs.body !== '' && !headers.some(([n]) => n.toLowerCase() === 'content-type')) {
    headers.push(['Content-Type', 'text/plain; charset=utf-8']);
  }
  const grpc = attrs.grpc_status === null ? {} : { grpc: { status: attrs.grpc_status, message: attrs.grpc_message } };
  return { status: attrs.status, headers, body: attrs.body, ...grpc };
}

/** Answers (or resets) instead of forwarding; on a response, instead of the upstream's answer. */
class HttpAbort implements HttpToxic<AbortAttributes> {
  private verdict: HttpVerdict;

  constructor(attrs: AbortAttributes) {
    this.verdict = HttpAbort.verdictOf(attrs);
  }

  private static verdictOf(attrs: AbortAttributes): HttpVerdict {
    return attrs.reset ? { kind: 'reset' } : { kind: 'reply', reply: replyOf(attrs) };
  }

  apply(): HttpVerdict {
    return this.verdict;
  }

  update(attrs: AbortAttributes): void {
    this.verdict = HttpAbort.verdictOf(attrs);
  }

  dispose(): void {}
}

/**
 * `http_abort`: on `upstream`, answers the request with `status` (or resets the connection) without
 * forwarding it; on `downstream`, the request reaches the server but its answer is replaced. On
 * http2 proxies a reset resets the stream, and `grpc_status` answers as a gRPC server would.
 */
export const httpAbort = defineHttpToxic({
  layer: 'http',
  type: 'http_abort',
  summary: 'Answers matching requests with a status (or resets the connection) instead of the server.',
  destructive: 'answers instead of the server, or resets the connection',
  attributes,
  // Shown only when set, so answers about HTTP/1.1 aborts stay as they were.
  extensions: ['grpc_status', 'grpc_message'],
  create: (attrs) => new HttpAbort(attrs),
});
