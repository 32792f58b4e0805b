/**
 * The HTTP gateway of one `http` proxy: a node:http server on a loopback port of its own that the
 * proxy's connections dial instead of the upstream. The core connection in front of it keeps its
 * two byte-stream toxic chains, so byte toxics act on the wire exactly as on a `tcp` proxy; the
 * gateway parses HTTP/1.1 with Node's own parser, applies the proxy's HTTP toxics per request and
 * response, and forwards each client connection's requests on one upstream connection of its own.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HostPort } from '../core/address.js';
import type { Connection } from '../core/connection.js';
import type { GatewayFactory, ProtocolGateway } from '../core/gateway.js';
import type { Logger } from '../core/logger.js';
import type { Proxy } from '../core/proxy.js';
import type { Runtime } from '../core/runtime.js';
import { Exchange } from './exchange.js';
import { HTTP_MAX_HEADER_SIZE } from './limits.js';
import { Session, type SessionHost } from './session.js';
import { Tunnel } from './tunnel.js';

/** The loopback address the gateway listens on. */
const LOOPBACK = '127.0.0.1';

/** One proxy's HTTP layer. */
export class HttpGateway implements ProtocolGateway, SessionHost {
  readonly log: Logger;
  private server: Server | null = null;
  private starting: Promise<HostPort> | null = null;
  private readonly sessions = new Map<Socket, Session>();
  /** Core connections by the local port of their upstream socket (the gateway sees it as the remote port). */
  private readonly byPort = new Map<number, Connection>();
  private readonly ports = new WeakMap<Connection, number>();

  constructor(
    readonly proxy: Proxy,
    readonly runtime: Runtime,
  ) {
    this.log = runtime.logger.child({ proxy: proxy.name, layer: 'http' });
  }

  /** Client connections the gateway serves right now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  start(): Promise<HostPort> {
    this.starting ??= this.listen();
    return this.starting;
  }

  stop(): void {
    const server = this.server;
    this.server = null;
    this.starting = null;
    server?.close();
    for (const session of [...this.sessions.values()]) session.destroy();
    this.sessions.clear();
    this.byPort.clear();
  }

  connectionOpened(conn: Connection): void {
    const port = conn.upstream?.localPort;
    if (port === undefined) return;
    this.byPort.set(port, conn);
    this.ports.set(conn, port);
  }

  connectionClosed(conn: Connection): void {
    const port = this.ports.get(conn);
    if (port !== undefined && this.byPort.get(port) === conn) this.byPort.delete(port);
  }

  connectionFor(socket: Socket): Connection | undefined {
    return socket.remotePort === undefined ? undefined : this.byPort.get(socket.remotePort);
  }

  sessionClosed(session: Session): void {
    this.sessions.delete(session.socket);
  }

  private async listen(): Promise<HostPort> {
    const server = createServer({
      requireHostHeader: false,
      requestTimeout: 0,
      headersTimeout: 0,
      keepAliveTimeout: 0,
      maxHeaderSize: HTTP_MAX_HEADER_SIZE,
      noDelay: true,
      highWaterMark: this.runtime.tuning.highWaterMark,
    });
    // A client that half-closes after its request still gets the answer (the connection ends after it).
    (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    // Header count is bounded by HTTP_MAX_HEADER_SIZE alone: no silent dropping past 2000 fields.
    server.maxHeadersCount = 0;
    server.on('connection', (socket: Socket) => {
      this.sessions.set(socket, new Session(this, socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, false));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, true));
    server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, false));
    server.on('upgrade', this.onTunnel);
    server.on('connect', this.onTunnel);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: LOOPBACK, port: 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'http gateway error'));
    this.server = server;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { host: LOOPBACK, port };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
    const session = this.sessions.get(req.socket);
    if (!session) {
      req.socket.destroy();
      return;
    }
    // Only the upstream's own headers go back: no Date or keep-alive hints of the gateway's.
    res.sendDate = false;
    new Exchange(session, req, res, session.nextRequest(), expectContinue).start();
  }

  private readonly onTunnel = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    const session = this.sessions.get(socket);
    if (!session) {
      socket.destroy();
      return;
    }
    new Tunnel(session, req, socket, head, session.nextRequest()).start();
  };
}

/** The gateway factory for `http` proxies: pass it to the engine as `gateways: { http: httpGateway }`. */
export const httpGateway: GatewayFactory = (proxy, runtime) => new HttpGateway(proxy, runtime);
