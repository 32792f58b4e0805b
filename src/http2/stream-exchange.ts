/**
 * One stream through an `http2` proxy: upstream toxics on the request head, the request forwarded as
 * a stream of the connection's upstream session with its body piped (flow control end to end:
 * nothing is read from a side faster than the other side takes it), downstream toxics on the
 * response head, the response piped back with its trailers. Resets pass through both ways.
 * @module
 */
import type { ClientHttp2Stream, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { HttpHead, HttpHold, HttpReply } from '../http/toxics/http-types.js';
import { runToxicPass, type PassGuard, type PassHost, type PassOutcome } from '../http/toxic-pass.js';
import { joinBlock, rawBlock, replyBlock, splitBlock } from './headers.js';
import { http2ErrorNumber } from './toxics/error-codes.js';

const NGHTTP2_NO_ERROR = http2ErrorNumber('NO_ERROR');
const NGHTTP2_INTERNAL_ERROR = http2ErrorNumber('INTERNAL_ERROR');
const NGHTTP2_REFUSED_STREAM = http2ErrorNumber('REFUSED_STREAM');
const NGHTTP2_CANCEL = http2ErrorNumber('CANCEL');

/** What a stream needs from its client connection. */
export interface StreamHost extends PassHost {
  /** Opens the stream's twin on the upstream session; undefined when that session is gone. */
  openUpstream(block: ReturnType<typeof joinBlock>, endStream: boolean): ClientHttp2Stream | undefined;
  /** The proxy's own answer when the upstream cannot be reached. */
  badGateway(err: Error): HttpReply;
  logError(err: unknown, what: string): void;
}

/** Flat raw headers as node:http2 hands them with events (absent in some versions' typings). */
type Raw = string[] | undefined;

/** One client stream and its upstream twin. */
export class StreamExchange implements PassGuard {
  gone = false;
  private hold: HttpHold | undefined;
  private upstream: ClientHttp2Stream | undefined;
  private clientTrailers: IncomingHttpHeaders | undefined;
  private upstreamTrailers: IncomingHttpHeaders | undefined;

  constructor(
    private readonly host: StreamHost,
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly raw: Raw,
    private readonly ordinal: number,
  ) {}

  /**
   * Runs the exchange to its end; never throws. The client connection has made the stream's errors
   * harmless, and calls {@link StreamExchange.clientClosed} when the stream closes.
   */
  start(): void {
    if (!this.stream.endAfterHeaders) this.stream.on('trailers', (trailers: IncomingHttpHeaders) => (this.clientTrailers = trailers));
    // No toxic looks at the request: it goes on as it came, without a pass.
    if (this.raw !== undefined && this.host.toxics('upstream').length === 0) {
      this.forward(rawBlock(this.raw), undefined);
      return;
    }
    this.run().catch((err: unknown) => {
      this.host.logError(err, 'http2 stream failed');
      this.reset(NGHTTP2_INTERNAL_ERROR);
    });
  }

  holding(hold: HttpHold | undefined): void {
    this.hold = hold;
  }

  private async run(): Promise<void> {
    const { pseudo, fields } = splitBlock(this.headers, this.raw);
    const head: HttpHead = { method: pseudo[':method'] ?? 'GET', url: pseudo[':path'] ?? '/', headers: fields };
    const outcome = await runToxicPass(this.host, 'upstream', head, head, this.ordinal, this);
    if (this.settle(outcome, head)) this.forward(joinBlock(pseudo, head.headers), head);
  }

  /** The request as it was forwarded: `forwarded` when a pass made it, else the client's own. */
  private requestHead(forwarded: HttpHead | undefined): HttpHead {
    if (forwarded) return forwarded;
    const { pseudo, fields } = splitBlock(this.headers, this.raw);
    return { method: pseudo[':method'] ?? 'GET', url: pseudo[':path'] ?? '/', headers: fields };
  }

  /** Acts on an outcome; true when the message goes on. */
  private settle(outcome: PassOutcome, head: HttpHead, respond?: () => void): boolean {
    if (this.gone) return false;
    switch (outcome.kind) {
      case 'forward':
        return true;
      case 'gone':
        return false;
      case 'reset':
        if (outcome.afterHeaders && respond) respond();
        this.reset(outcome.code ?? NGHTTP2_INTERNAL_ERROR);
        return false;
      case 'reply':
        this.answer(outcome.reply, head.method === 'HEAD');
        return false;
    }
  }

  private answer(reply: HttpReply, headOnly: boolean): void {
    this.upstream?.close(NGHTTP2_CANCEL);
    if (this.stream.headersSent || this.stream.closed) {
      this.reset(NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const trailersOnly = reply.grpc !== undefined || headOnly || reply.body === '';
    this.stream.respond(replyBlock(reply), { endStream: trailersOnly });
    if (!trailersOnly) this.stream.end(reply.body);
  }

  /** Opens the upstream twin with `block`; `head` is the request a toxic pass made, if one ran. */
  private forward(block: ReturnType<typeof joinBlock>, head: HttpHead | undefined): void {
    const endStream = this.stream.endAfterHeaders;
    const headOnly = this.headers[':method'] === 'HEAD';
    let upstream: ClientHttp2Stream | undefined;
    try {
      upstream = this.host.openUpstream(block, endStream);
    } catch (err) {
      this.answer(this.host.badGateway(err as Error), headOnly);
      return;
    }
    if (!upstream) {
      this.reset(NGHTTP2_REFUSED_STREAM);
      return;
    }
    this.upstream = upstream;
    upstream.on('error', (err: Error) => {
      if (!this.stream.headersSent && !this.gone) this.answer(this.host.badGateway(err), headOnly);
    });
    upstream.on('headers', (info: IncomingHttpHeaders) => {
      // Interim answers (103 Early Hints) go on as they came.
      if (!this.stream.headersSent && !this.stream.closed) this.stream.additionalHeaders(info);
    });
    upstream.on('response', (headers: IncomingHttpHeaders, _flags: number, raw: Raw) => {
      // No toxic looks at the response: it goes back as it came, without a pass.
      if (raw !== undefined && this.host.toxics('downstream').length === 0) {
        this.respond(rawBlock(raw), upstream);
        return;
      }
      this.onResponse(this.requestHead(head), headers, raw).catch((err: unknown) => {
        this.host.logError(err, 'http2 response relay failed');
        this.reset(NGHTTP2_INTERNAL_ERROR);
      });
    });
    // Registered now: trailers may come while a toxic holds the response head.
    upstream.on('trailers', (trailers: IncomingHttpHeaders) => (this.upstreamTrailers = trailers));
    upstream.once('close', () => {
      const code = upstream.rstCode ?? NGHTTP2_NO_ERROR;
      if (code !== NGHTTP2_NO_ERROR && !this.gone) this.reset(code);
    });
    if (!endStream) {
      upstream.on('wantTrailers', () => upstream.sendTrailers(withoutPseudo(this.clientTrailers)));
      this.stream.pipe(upstream);
    }
  }

  private async onResponse(request: HttpHead, headers: IncomingHttpHeaders, raw: Raw): Promise<void> {
    const upstream = this.upstream as ClientHttp2Stream;
    const { fields } = splitBlock(headers, raw);
    const status = Number(headers[':status'] ?? 502);
    const head: HttpHead = { method: request.method, url: request.url, status, headers: fields };
    const outcome = await runToxicPass(this.host, 'downstream', head, request, this.ordinal, this);
    // Waiting for trailers keeps the stream open after the headers, so the reset that follows is one.
    const sendHead = () => {
      if (!this.stream.headersSent && !this.stream.closed)
        this.stream.respond(joinBlock({ ':status': status }, head.headers), { waitForTrailers: true });
    };
    if (!this.settle(outcome, head, sendHead)) {
      upstream.close(NGHTTP2_CANCEL);
      return;
    }
    this.respond(joinBlock({ ':status': status }, head.headers), upstream);
  }

  /** Answers the client with `block`, then the upstream's body and trailers. */
  private respond(block: ReturnType<typeof joinBlock>, upstream: ClientHttp2Stream): void {
    if (this.stream.closed) return;
    const endStream = upstream.endAfterHeaders;
    this.stream.respond(block, { endStream, waitForTrailers: !endStream });
    if (endStream) return;
    this.stream.on('wantTrailers', () => this.stream.sendTrailers(withoutPseudo(this.upstreamTrailers)));
    upstream.pipe(this.stream);
  }

  /** Resets the client's stream (and the upstream one) with `code`. */
  private reset(code: number): void {
    if (!this.stream.closed) this.stream.close(code);
    if (this.upstream && !this.upstream.closed) this.upstream.close(code === NGHTTP2_REFUSED_STREAM ? NGHTTP2_CANCEL : code);
  }

  /** The client's stream closed: whatever is still held or open upstream goes. */
  readonly clientClosed = (): void => {
    this.gone = true;
    this.hold?.cancel();
    const upstream = this.upstream;
    if (upstream && !upstream.closed) {
      const code = this.stream.rstCode ?? NGHTTP2_NO_ERROR;
      upstream.close(code === NGHTTP2_NO_ERROR ? NGHTTP2_CANCEL : code);
    }
  };
}

/** Trailers as node:http2 takes them back (an empty block ends the stream with an empty DATA frame). */
function withoutPseudo(trailers: IncomingHttpHeaders | undefined): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(trailers ?? {})) if (!name.startsWith(':') && value !== undefined) out[name] = value;
  return out;
}
