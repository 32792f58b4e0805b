/**
 * One request and its response through an `http` proxy: upstream toxics on the request head, the
 * request forwarded on the session's upstream connection with its body streamed (backpressure both
 * ways, nothing buffered whole), `100 Continue` and other interim answers relayed, downstream toxics
 * on the response head, the response streamed back with its trailers.
 * @module
 */
import { STATUS_CODES, type ClientRequest, type IncomingMessage, type InformationEvent, type ServerResponse } from 'node:http';
import type { HttpHead, HttpHold, HttpReply } from './toxics/http-types.js';
import { hasOtherCodings, splitHeaders, type SplitHeaders } from './hop-by-hop.js';
import type { Session, SessionTask } from './session.js';
import { runToxicPass, settleOutcome, type PassGuard, type PassOutcome } from './toxic-pass.js';

/** Flat `[name, value, …]` pairs of Node's raw trailers, as `addTrailers` takes them. */
function trailerPairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

/** The answer of an HTTP toxic (or of the proxy itself), as header pairs with a length. */
export function replyHeaders(reply: HttpReply, close: boolean): string[] {
  const raw: string[] = [];
  for (const [name, value] of reply.headers) raw.push(name, value);
  raw.push('Content-Length', String(Buffer.byteLength(reply.body)));
  if (close) raw.push('Connection', 'close');
  return raw;
}

/** The proxy's own answer when the upstream cannot be reached or does not speak HTTP. */
export function badGateway(upstream: string, err: Error): HttpReply {
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  return {
    status: 502,
    headers: [['Content-Type', 'text/plain; charset=utf-8']],
    body: `faultline: upstream ${upstream}: ${code}\n`,
  };
}

/** One request/response exchange. */
export class Exchange implements PassGuard, SessionTask {
  gone = false;
  private hold: HttpHold | undefined;
  private upstreamRequest: ClientRequest | undefined;
  /** The request as it was forwarded: what `match` sees for the response. */
  private forwarded: HttpHead | undefined;

  constructor(
    private readonly session: Session,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ordinal: number,
    private readonly expectContinue: boolean,
  ) {}

  /** Runs the exchange to its end; never throws. */
  start(): void {
    this.session.begin(this);
    this.res.once('close', () => this.session.end(this));
    this.run().catch((err: unknown) => {
      this.session.log.error({ err, request: this.ordinal }, 'http exchange failed');
      this.session.breakConnection(false);
    });
  }

  holding(hold: HttpHold | undefined): void {
    this.hold = hold;
  }

  abandon(): void {
    if (this.gone) return;
    this.gone = true;
    this.hold?.cancel();
    this.upstreamRequest?.destroy();
  }

  private async run(): Promise<void> {
    const split = splitHeaders(this.req.rawHeaders);
    const head: HttpHead = { method: this.req.method ?? 'GET', url: this.req.url ?? '/', headers: split.headers };
    // No toxic looks at the request: no pass (and no turn of the microtask queue).
    if (this.session.toxics('upstream').length === 0) {
      this.forward(head, split);
      return;
    }
    const outcome = await runToxicPass(this.session, 'upstream', head, head, this.ordinal, this);
    if (this.settle(outcome)) this.forward(head, split);
  }

  /** Acts on an outcome; true when the message goes on. */
  private settle(outcome: PassOutcome): boolean {
    return settleOutcome(outcome, this, this.session, (reply) => this.answer(reply, false));
  }

  private answer(reply: HttpReply, close: boolean): void {
    if (this.res.headersSent) {
      this.session.breakConnection(false);
      return;
    }
    this.res.writeHead(reply.status, STATUS_CODES[reply.status] ?? '', replyHeaders(reply, close));
    this.res.end(this.req.method === 'HEAD' ? undefined : reply.body);
  }

  private forward(head: HttpHead, split: SplitHeaders): void {
    if (this.session.upstreamGone) {
      // The upstream closed this connection (a keep-alive race): the client sees the same.
      this.session.breakConnection(this.session.upstreamReset);
      return;
    }
    const chunked = split.transferEncoding !== undefined;
    if (!chunked) head.headers.delete('trailer');
    const raw = head.headers.toRaw();
    if (split.transferEncoding !== undefined) raw.push('Transfer-Encoding', split.transferEncoding);
    if (!this.res.shouldKeepAlive) raw.push('Connection', 'close');
    let upstream: ClientRequest;
    try {
      upstream = this.session.request(head, raw);
    } catch (err) {
      this.answer(badGateway(this.session.upstreamAddress, err as Error), true);
      return;
    }
    this.upstreamRequest = upstream;
    this.forwarded = head;
    upstream.on('response', (upRes: IncomingMessage) => {
      // No toxic looks at the response: no pass.
      if (this.session.toxics('downstream').length === 0) {
        this.relay(upRes, this.responseHead(upRes));
        return;
      }
      this.onResponse(upRes).catch((err: unknown) => {
        this.session.log.error({ err, request: this.ordinal }, 'http response relay failed');
        this.session.breakConnection(false);
      });
    });
    upstream.on('information', this.onInformation);
    upstream.on('continue', () => {
      if (this.expectContinue && !this.res.headersSent) this.res.writeContinue();
    });
    upstream.on('error', this.onUpstreamError);
    this.req.on('end', () => {
      if (chunked && this.req.rawTrailers.length > 0) upstream.addTrailers(trailerPairs(this.req.rawTrailers));
    });
    this.req.pipe(upstream);
  }

  private readonly onInformation = (info: InformationEvent): void => {
    if (this.res.headersSent) return;
    if (info.statusCode === 102) {
      this.res.writeProcessing();
    } else if (info.statusCode === 103) {
      const hints: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(info.headers)) if (value !== undefined) hints[name] = value;
      try {
        this.res.writeEarlyHints(hints);
      } catch {
        // An Early Hints answer Node cannot relay (say, an odd Link value) is only a hint: skip it.
      }
    }
  };

  private readonly onUpstreamError = (err: Error): void => {
    if (this.gone) return;
    const parseError = String((err as NodeJS.ErrnoException).code ?? '').startsWith('HPE_');
    if (!this.res.headersSent && (!this.session.upstreamConnected || parseError)) {
      this.answer(badGateway(this.session.upstreamAddress, err), true);
    } else {
      this.session.breakConnection(this.session.upstreamReset);
    }
  };

  /** The response head as the toxics see it, and its framing headers apart. */
  private responseHead(upRes: IncomingMessage): { head: HttpHead; split: SplitHeaders } {
    const split = splitHeaders(upRes.rawHeaders);
    const status = upRes.statusCode ?? 502;
    return { head: { method: this.req.method ?? 'GET', url: this.req.url ?? '/', status, headers: split.headers }, split };
  }

  private async onResponse(upRes: IncomingMessage): Promise<void> {
    const response = this.responseHead(upRes);
    const { head } = response;
    const outcome = await runToxicPass(this.session, 'downstream', head, this.forwarded ?? head, this.ordinal, this);
    if (!this.settle(outcome)) {
      upRes.resume();
      return;
    }
    this.relay(upRes, response);
  }

  /** Sends the response head on to the client, then its body and trailers. */
  private relay(upRes: IncomingMessage, { head, split }: { head: HttpHead; split: SplitHeaders }): void {
    if (this.gone) {
      upRes.resume();
      return;
    }
    const status = head.status ?? 502;
    const hasBody = this.req.method !== 'HEAD' && status !== 204 && status !== 304;
    const chunkedOut = hasBody && !head.headers.has('content-length') && this.req.httpVersionMinor >= 1;
    if (!chunkedOut) head.headers.delete('trailer');
    const raw = head.headers.toRaw();
    if (hasOtherCodings(split.transferEncoding) && split.transferEncoding !== undefined)
      raw.push('Transfer-Encoding', split.transferEncoding);
    if (this.upstreamRequest?.shouldKeepAlive === false) raw.push('Connection', 'close');
    // The connection is being let go (see Session.release): this answer says so.
    if (this.session.releasing) this.res.shouldKeepAlive = false;
    this.res.writeHead(status, upRes.statusMessage ?? STATUS_CODES[status] ?? '', raw);
    upRes.on('end', () => {
      if (chunkedOut && upRes.rawTrailers.length > 0) this.res.addTrailers(trailerPairs(upRes.rawTrailers));
    });
    upRes.on('close', () => {
      if (!upRes.complete && !this.gone) this.session.breakConnection(this.session.upstreamReset);
    });
    upRes.pipe(this.res);
  }
}
