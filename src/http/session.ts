/**
 * One client connection as the HTTP layer sees it: the gateway's end of the stream its core
 * connection writes to, the one upstream connection that serves it, and the exchanges in flight.
 * The upstream connection is dialled at the first forwarded request and reused for every later
 * one; when the upstream closes it, the client connection is closed too (after the exchange in
 * flight), so a client connection never gets a second upstream connection.
 * @module
 */
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { formatHostPort, parseHostPort, type HostPort } from '../core/address.js';
import type { Connection } from '../core/connection.js';
import type { Direction } from '../direction.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolHost, ProtocolRuntime } from '../core/protocol.js';
import { dialOptions, resetSocket } from '../core/socket-options.js';
import type { HttpHead } from './toxics/http-types.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import { HTTP_MAX_HEADER_SIZE } from './limits.js';
import type { AttachedHttpToxic, PassHost } from './toxic-pass.js';
import { UpstreamAgent } from './upstream-agent.js';

/** What a session needs from its gateway. */
export interface SessionHost {
  readonly proxy: ProtocolHost;
  readonly runtime: ProtocolRuntime;
  readonly log: Logger;
  /** The proxy's HTTP toxics of a stream, in the order they were added. */
  toxics(direction: Direction): readonly AttachedHttpToxic[];
  /** The core connection at the other end of `socket`. */
  connectionFor(socket: Duplex): Connection | undefined;
  sessionClosed(session: Session): void;
}

/** Something in flight on a session that must stop when the client connection goes. */
export interface SessionTask {
  abandon(): void;
}

/** Raised when a second upstream connection would be needed; the client connection is closed instead. */
export class SecondDialError extends Error {
  readonly code = 'ERR_SECOND_UPSTREAM_CONNECTION';
}

/** One client connection of an `http` proxy. */
export class Session implements PassHost {
  /** The upstream connection is gone (closed or reset); no request may be forwarded any more. */
  upstreamGone = false;
  /** The upstream connection ended with a reset, which is passed on as a reset. */
  upstreamReset = false;
  /** The upstream connection has connected at least once. */
  upstreamConnected = false;
  /** Switched to a raw tunnel (Upgrade or CONNECT): no HTTP any more. */
  tunneled = false;
  closed = false;
  /** From now on each answer says `Connection: close` (a byte toxic came; see `release`). */
  releasing = false;
  private agentInstance: UpstreamAgent | undefined;
  private dialed = false;
  private requests = 0;
  private connection: Connection | undefined;
  private readonly tasks = new Set<SessionTask>();

  constructor(
    private readonly host: SessionHost,
    /** The gateway's end of the stream from the core connection, or the client socket itself. */
    readonly socket: Duplex,
    /** The byte counts of an adopted client socket, brought up to date as each exchange ends. */
    private readonly bytes?: { count(): void },
  ) {
    socket.on('close', this.onClose);
  }

  /** The gateway took the client socket itself: no byte chain runs on this connection. */
  get adopted(): boolean {
    return this.bytes !== undefined;
  }

  /**
   * Lets the client go politely: from now on each answer says `Connection: close`, and the
   * connection closes after it. Never at once: a request may be on its way.
   */
  release(): void {
    this.releasing = true;
  }

  get seed(): string {
    return this.host.runtime.seed;
  }

  get proxyName(): string {
    return this.host.proxy.name;
  }

  get connectionId(): number {
    return this.conn?.id ?? 0;
  }

  /** The upstream address as `host:port` (for messages). */
  get upstreamAddress(): string {
    return this.host.proxy.upstream;
  }

  get log(): Logger {
    return this.host.log;
  }

  /** The core connection (found once its upstream socket has connected). */
  get conn(): Connection | undefined {
    this.connection ??= this.host.connectionFor(this.socket);
    return this.connection;
  }

  /** The agent holding this session's one upstream connection. */
  get agent(): UpstreamAgent {
    this.agentInstance ??= new UpstreamAgent(this.dial);
    return this.agentInstance;
  }

  /** The next request's ordinal on this connection, from 1. */
  nextRequest(): number {
    return ++this.requests;
  }

  toxics(direction: Direction): readonly AttachedHttpToxic[] {
    return this.host.toxics(direction);
  }

  fault(direction: Direction, spec: ToxicSpec, kind: string, detail: Record<string, unknown>, roll: number): void {
    const conn = this.conn;
    if (conn) this.host.proxy.toxicFault(conn, direction, spec, kind, detail, { roll, toxicity: spec.toxicity });
  }

  /** Parses the proxy's upstream address now (it may have been changed since). */
  target(): HostPort {
    return parseHostPort(this.host.proxy.upstream);
  }

  /**
   * Opens a request on this session's one upstream connection, with the headers as raw pairs.
   * Throws when the proxy's upstream address cannot be parsed (the caller answers 502).
   */
  request(head: HttpHead, raw: string[]): ClientRequest {
    const target = this.target();
    // HTTP/1.1 requires Host; a request without one (HTTP/1.0) gets the upstream's address, as a reverse proxy does.
    if (!head.headers.has('host')) raw.push('Host', formatHostPort(target.host, target.port));
    const upstream = httpRequest({
      agent: this.agent,
      host: target.host,
      port: target.port,
      method: head.method,
      path: head.url,
      headers: raw,
      setHost: false,
      maxHeaderSize: HTTP_MAX_HEADER_SIZE,
    });
    upstream.maxHeadersCount = 0;
    return upstream;
  }

  begin(task: SessionTask): void {
    this.tasks.add(task);
  }

  /** A task finished; closes the client side when the upstream went away meanwhile. */
  end(task: SessionTask): void {
    this.tasks.delete(task);
    this.bytes?.count();
    this.closeIfUpstreamGone();
  }

  /** An HTTP toxic reset the connection: both peers of the core connection get a RST. */
  resetByToxic(): void {
    const conn = this.conn;
    if (conn) conn.teardown('toxic-reset', 'rst');
    else resetSocket(this.socket);
  }

  /**
   * The upstream broke the exchange: the client sees the same, a reset when the upstream reset,
   * otherwise the connection closed after whatever was already sent.
   */
  breakConnection(reset: boolean): void {
    if (reset) resetSocket(this.socket);
    else if (!this.socket.destroyed) this.socket.end();
  }

  /** Closes everything at once (the gateway stops). */
  destroy(): void {
    this.socket.destroy();
    this.onClose();
  }

  private readonly dial = (): Socket => {
    if (this.dialed) {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new SecondDialError('the upstream connection of this client connection is gone')));
      return refused;
    }
    this.dialed = true;
    let target: HostPort;
    try {
      target = this.target();
    } catch (err) {
      const invalid = new Socket();
      process.nextTick(() => invalid.destroy(err as Error));
      return invalid;
    }
    // A proxy that originates TLS dials through its TLS gateway (src/tls/).
    const upstream = this.host.proxy.dialUpstream?.(target) ?? connect(dialOptions(target, this.host.runtime.tuning));
    const timeout = this.host.runtime.dialTimeoutMs;
    if (timeout > 0) upstream.setTimeout(timeout, () => upstream.destroy(new Error(`upstream dial timed out after ${timeout} ms`)));
    // Over TLS the upstream is reached once its certificate is accepted: a refused one is a 502 too.
    upstream.once((upstream as { encrypted?: boolean }).encrypted ? 'secureConnect' : 'connect', () => {
      this.upstreamConnected = true;
      upstream.setTimeout(0);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.upstreamReset = true;
    });
    // Half-open sockets keep tunnels faithful; between HTTP exchanges a FIN from the upstream closes.
    upstream.on('end', () => {
      if (!this.tunneled) upstream.end();
    });
    upstream.on('close', this.onUpstreamClose);
    return upstream;
  };

  private readonly onUpstreamClose = (): void => {
    this.upstreamGone = true;
    this.closeIfUpstreamGone();
  };

  private closeIfUpstreamGone(): void {
    if (!this.upstreamGone || this.tunneled || this.closed || this.tasks.size > 0) return;
    if (this.upstreamReset) resetSocket(this.socket);
    else this.socket.end();
  }

  private readonly onClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    for (const task of [...this.tasks]) task.abandon();
    this.tasks.clear();
    this.agentInstance?.destroy();
    this.host.sessionClosed(this);
  };
}
