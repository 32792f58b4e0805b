/**
 * The HTTP gateway of one `http` proxy: a node:http server, listening nowhere, that each of the
 * proxy's connections is handed to in-process as one end of a duplex pair (the connection writes to
 * the other end instead of dialling the upstream). The core connection in front of it keeps its two
 * byte-stream toxic chains, so byte toxics act on the wire exactly as on a `tcp` proxy; the gateway
 * parses HTTP/1.1 with Node's own parser, applies the proxy's HTTP toxics per request and response,
 * and forwards each client connection's requests on one upstream connection of its own.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Connection } from '../core/connection.js';
import { duplexPair } from '../core/duplex-pair.js';
import type { Direction } from '../direction.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolGateway, ProtocolHost, ProtocolRuntime, ProxyToxic } from '../core/protocol.js';
import { Exchange } from './exchange.js';
import { HeldHttpToxics } from './held-toxics.js';
import { HTTP_MAX_HEADER_SIZE } from './limits.js';
import { Session, type SessionHost } from './session.js';
import { SocketBytes } from './socket-bytes.js';
import type { AttachedHttpToxic } from './toxic-pass.js';
import { Tunnel } from './tunnel.js';

/** One proxy's HTTP layer. */
export class HttpGateway implements ProtocolGateway, SessionHost {
  readonly log: Logger;
  private server: Server | null = null;
  private readonly sessions = new Map<Duplex, Session>();
  /** The core connection behind each session's stream. */
  private readonly connections = new Map<Duplex, Connection>();
  private readonly streams = new WeakMap<Connection, Duplex>();
  /** The proxy's HTTP toxics, in the order they were added. */
  private readonly httpToxics: HeldHttpToxics;
  readonly runtime: ProtocolRuntime;

  constructor(readonly proxy: ProtocolHost) {
    this.runtime = proxy.runtime;
    this.httpToxics = new HeldHttpToxics(proxy.runtime);
    this.log = proxy.runtime.logger.child({ proxy: proxy.name, layer: 'http' });
  }

  /** The HTTP toxics of a stream, in the order they were added (read per message). */
  toxics(direction: Direction): readonly AttachedHttpToxic[] {
    return this.httpToxics.of(direction);
  }

  toxicAdded(toxic: ProxyToxic): void {
    this.httpToxics.add(toxic);
  }

  toxicUpdated(toxic: ProxyToxic): void {
    this.httpToxics.update(toxic);
  }

  toxicRemoved(toxic: ProxyToxic): void {
    this.httpToxics.remove(toxic);
  }

  /** Client connections the gateway serves right now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Takes the client socket itself (the proxy has no byte toxic, so nothing stands between the
   * client and the HTTP parser): no duplex pair, no link, and node:http parses the socket natively.
   */
  adopt(conn: Connection): boolean {
    const socket = conn.client;
    const bytes = new SocketBytes(socket, this.proxy.bytes);
    socket.once('close', () => bytes.count());
    this.serve(conn, socket, bytes);
    // The listener accepted it paused; node:http reads with a 'data' listener.
    socket.resume();
    return true;
  }

  /**
   * Adopted connections have no byte chain for the new toxic to run on: each closes after its next
   * answer (which says `Connection: close`), and the client comes back on a connection the toxic
   * acts on.
   */
  byteToxicAdded(): void {
    for (const session of this.sessions.values()) if (session.adopted) session.release();
  }

  attach(conn: Connection): Duplex {
    const [connectionEnd, gatewayEnd] = duplexPair(this.runtime.tuning.highWaterMark);
    this.serve(conn, gatewayEnd, undefined);
    return connectionEnd;
  }

  /** Serves `socket`, the stream of `conn` (its client socket when adopted, with `bytes` to count it). */
  private serve(conn: Connection, socket: Duplex, bytes: SocketBytes | undefined): void {
    this.connections.set(socket, conn);
    this.streams.set(conn, socket);
    this.sessions.set(socket, new Session(this, socket, bytes));
    this.server ??= this.createServer();
    this.server.emit('connection', socket);
  }

  stop(): void {
    for (const session of [...this.sessions.values()]) session.destroy();
    this.sessions.clear();
    this.connections.clear();
  }

  connectionClosed(conn: Connection): void {
    const stream = this.streams.get(conn);
    if (stream !== undefined && this.connections.get(stream) === conn) this.connections.delete(stream);
  }

  connectionFor(stream: Duplex): Connection | undefined {
    return this.connections.get(stream);
  }

  sessionClosed(session: Session): void {
    this.sessions.delete(session.socket);
  }

  private createServer(): Server {
    const server = createServer({
      requireHostHeader: false,
      requestTimeout: 0,
      headersTimeout: 0,
      keepAliveTimeout: 0,
      maxHeaderSize: HTTP_MAX_HEADER_SIZE,
      highWaterMark: this.runtime.tuning.highWaterMark,
    });
    // A client that half-closes after its request still gets the answer (the connection ends after it).
    (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    // Header count is bounded by HTTP_MAX_HEADER_SIZE alone: no silent dropping past 2000 fields.
    server.maxHeadersCount = 0;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, false));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, true));
    server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, false));
    server.on('upgrade', this.onTunnel);
    server.on('connect', this.onTunnel);
    server.on('error', (err) => this.log.error({ err }, 'http gateway error'));
    return server;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
    const session = this.sessions.get(req.socket);
    if (!session) {
      req.socket.destroy();
      return;
    }
    // Only the upstream's own headers go back: no Date or keep-alive hints of the gateway's.
    res.sendDate = false;
    if (session.releasing) res.shouldKeepAlive = false;
    new Exchange(session, req, res, session.nextRequest(), expectContinue).start();
  }

  private readonly onTunnel = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const session = this.sessions.get(socket);
    if (!session) {
      socket.destroy();
      return;
    }
    new Tunnel(session, req, socket, head, session.nextRequest()).start();
  };
}

/** Makes the gateway of one `http` proxy (the `gateway` of {@link httpProtocol}). */
export function httpGateway(proxy: ProtocolHost): HttpGateway {
  return new HttpGateway(proxy);
}
