/**
 * One client connection of an `http2` proxy: the HTTP/2 session the gateway serves on it, and the
 * one upstream session that carries its streams, dialled at its first stream. When the upstream
 * session goes away, the client's goes too (GOAWAY, then closed once its streams are done), so a
 * client connection never gets a second upstream connection, as on an `http` proxy.
 * @module
 */
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  Http2Session,
  IncomingHttpHeaders,
  OutgoingHttpHeaders,
  ServerHttp2Session,
  ServerHttp2Stream,
} from 'node:http2';
import { connect as connectTcp } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatHostPort, parseHostPort } from '../core/address.js';
import type { Connection } from '../core/connection.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolHost } from '../core/protocol.js';
import { createRng } from '../core/rng.js';
import { dialOptions } from '../core/socket-options.js';
import { nodeHttp2 } from '../lazy-builtin.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import type { Direction } from '../direction.js';
import { badGateway } from '../http/exchange.js';
import type { AttachedHttpToxic } from '../http/toxic-pass.js';
import type { HttpReply } from '../http/toxics/http-types.js';
import { HTTP2_CONNECTION_WINDOW, HTTP2_SESSION_OPTIONS } from './limits.js';
import { StreamExchange, type StreamHost } from './stream-exchange.js';
import type { Http2Toxic } from './toxics/http2-types.js';

/** What a client connection needs from its gateway. */
export interface ClientConnectionHost {
  readonly proxy: ProtocolHost;
  readonly log: Logger;
  /** The proxy's HTTP and HTTP/2 toxics, in the order they were added. */
  toxics(): readonly AttachedHttpToxic[];
  closed(client: ClientConnection): void;
}

/** One client connection and its upstream session. */
export class ClientConnection implements StreamHost {
  private session: ServerHttp2Session | undefined;
  private upstream: ClientHttp2Session | undefined;
  private upstreamGone = false;
  private streams = 0;
  private lastStreamId = 0;
  private openStreams = 0;
  private socket: Duplex | undefined;
  private goingAway = false;
  private releaseAfterFirst = false;

  constructor(
    private readonly host: ClientConnectionHost,
    /** The core connection this session's bytes come through. */
    readonly conn: Connection,
    /** The byte counts of an adopted client socket, brought up to date as each stream ends. */
    private readonly bytes?: { count(): void },
  ) {}

  get seed(): string {
    return this.host.proxy.runtime.seed;
  }

  get proxyName(): string {
    return this.host.proxy.name;
  }

  get connectionId(): number {
    return this.conn.id;
  }

  /** The stream toxics of a direction: every HTTP toxic and the HTTP/2 ones that act per stream. */
  toxics(direction: Direction): readonly AttachedHttpToxic[] {
    const all = this.host.toxics();
    if (all.length === 0) return all;
    return all.filter((t) => t.spec.direction === direction && !(t.http as Http2Toxic).goaway);
  }

  fault(direction: Direction, spec: ToxicSpec, kind: string, detail: Record<string, unknown>, roll: number): void {
    this.host.proxy.toxicFault(this.conn, direction, spec, kind, detail, { roll, toxicity: spec.toxicity });
  }

  logError(err: unknown, what: string): void {
    this.host.log.error({ err, connection: this.conn.id }, what);
  }

  badGateway(err: Error): HttpReply {
    return badGateway(this.host.proxy.upstream, err);
  }

  /** Serves the client's session on `socket`: each stream is forwarded to the upstream session. */
  serve(session: ServerHttp2Session, socket: Duplex): void {
    this.session = session;
    this.socket = socket;
    openWindow(session);
    // A session that ends (GOAWAY after a protocol error, or a close) ends the client's connection.
    session.once('close', () => socket.destroy());
    session.on('error', (err) => this.host.log.debug({ err, connection: this.conn.id }, 'http2 client session error'));
    session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, raw?: string[]) =>
      this.onStream(stream, headers, raw),
    );
    session.once('close', () => this.close());
    this.goawayDue(0, 0, true);
  }

  openUpstream(block: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream | undefined {
    const upstream = this.upstreamSession();
    if (!upstream || upstream.closed || upstream.destroyed) return undefined;
    return upstream.request(block, endStream ? { endStream: true } : { endStream: false, waitForTrailers: true });
  }

  /**
   * Lets the client go politely: GOAWAY with no error naming the last stream taken, those streams
   * finish, then the connection closes (and so the upstream session). A connection that has not
   * opened a stream yet gets it after its first one: that stream, on its way, is not refused.
   */
  release(): void {
    if (this.streams === 0) {
      this.releaseAfterFirst = true;
      return;
    }
    const session = this.session;
    if (session && !session.closed && !session.destroyed) session.close();
  }

  /** Ends both sessions at once (the gateway stops, or the client's session closed). */
  close(): void {
    if (this.session && !this.session.destroyed) this.session.destroy();
    this.upstream?.destroy();
    this.upstreamGone = true;
    this.host.closed(this);
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: string[] | undefined): void {
    // Stream errors are the stream's outcome (a reset, a refusal), never the process's.
    stream.on('error', ignore);
    this.openStreams++;
    let exchange: StreamExchange | undefined;
    stream.once('close', () => {
      this.openStreams--;
      this.bytes?.count();
      this.endAfterGoaway();
      exchange?.clientClosed();
    });
    const ordinal = ++this.streams;
    const previousId = this.lastStreamId;
    this.lastStreamId = stream.id ?? previousId;
    // A toxic added after the connection passed its count sends GOAWAY now, naming the stream before this one.
    if (!this.goingAway) this.goawayDue(ordinal - 1, previousId, true);
    if (this.goingAway || this.upstreamGone) {
      stream.close(nodeHttp2().constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    exchange = new StreamExchange(this, stream, headers, raw, ordinal);
    exchange.start();
    this.goawayDue(ordinal, this.lastStreamId, false);
    if (this.releaseAfterFirst) {
      this.releaseAfterFirst = false;
      this.release();
    }
  }

  /**
   * Sends GOAWAY when an `http2_goaway` toxic's stream count is reached: `opened` streams so far,
   * the last one `lastId` (`past`: also when the count was passed before the toxic came). Its
   * toxicity is rolled once per connection.
   */
  private goawayDue(opened: number, lastId: number, past: boolean): void {
    const session = this.session;
    if (!session || this.goingAway) return;
    for (const toxic of this.host.toxics()) {
      const plan = (toxic.http as Http2Toxic).goaway?.();
      if (!plan || (past ? opened < plan.after : opened !== plan.after)) continue;
      const spec = toxic.spec;
      const roll = createRng(this.seed, this.proxyName, spec.name, this.conn.id, 'goaway').next();
      if (!(roll < spec.toxicity)) continue;
      this.goingAway = true;
      this.host.proxy.toxicFault(
        this.conn,
        spec.direction,
        spec,
        'goaway',
        { streams: opened, code: plan.code },
        { roll, toxicity: spec.toxicity },
      );
      session.goaway(plan.code, lastId);
      this.endAfterGoaway();
      return;
    }
  }

  /**
   * After a toxic's GOAWAY, the connection ends once its open streams are done. Not through the
   * session's own close, whose GOAWAY would name the refused streams too (a last stream id may
   * never grow): the stream ends after what the session wrote.
   */
  private endAfterGoaway(): void {
    if (this.goingAway && this.openStreams === 0) this.socket?.end();
  }

  /** The upstream session, dialled at the first stream; undefined once it is gone. */
  private upstreamSession(): ClientHttp2Session | undefined {
    if (this.upstreamGone) return undefined;
    if (this.upstream) return this.upstream;
    const runtime = this.host.proxy.runtime;
    const target = parseHostPort(this.host.proxy.upstream);
    // Over TLS origination (`tls.upstream`) the proxy's host dials; the scheme follows.
    const dial = this.host.proxy.dialUpstream;
    const authority = `${dial ? 'https' : 'http'}://${formatHostPort(target.host, target.port)}`;
    const upstream = nodeHttp2().connect(authority, {
      ...HTTP2_SESSION_OPTIONS,
      createConnection: () => {
        const socket = dial?.(target) ?? connectTcp(dialOptions(target, runtime.tuning));
        const timeout = runtime.dialTimeoutMs;
        if (timeout > 0) {
          socket.setTimeout(timeout, () => socket.destroy(new Error(`upstream dial timed out after ${timeout} ms`)));
          socket.once('connect', () => socket.setTimeout(0));
        }
        return socket;
      },
    });
    this.upstream = upstream;
    openWindow(upstream);
    upstream.on('error', (err) => this.host.log.debug({ err, connection: this.conn.id }, 'http2 upstream session error'));
    upstream.on('goaway', () => this.upstreamLeaving());
    upstream.once('close', () => this.upstreamLeaving());
    return upstream;
  }

  /** The upstream session is going: the client's goes too, after the streams it still carries. */
  private upstreamLeaving(): void {
    this.upstreamGone = true;
    const session = this.session;
    if (session && !session.closed && !session.destroyed) session.close();
  }
}

function ignore(): void {}

/** Widens a session's connection window once it is up (it starts at 64 KiB whatever SETTINGS say). */
function openWindow(session: Http2Session): void {
  const widen = (): void => {
    if (!session.destroyed) session.setLocalWindowSize(HTTP2_CONNECTION_WINDOW);
  };
  if (session.connecting) session.once('connect', widen);
  else widen();
}
