/**
 * The HTTP/2 gateway of one `http2` proxy. Each of the proxy's connections is handed to it
 * in-process, as one end of a duplex pair (the core connection keeps its byte-stream toxic chains,
 * so byte toxics act on the wire as on a `tcp` proxy). A connection that opens with the HTTP/2
 * preface is served as h2c with prior knowledge; one that opens with HTTP/1.1 may ask to upgrade
 * (`Upgrade: h2c`), anything else is answered 505. Each client connection gets one upstream
 * HTTP/2 session of its own, and its streams are forwarded one to one on it.
 *
 * h2 over TLS (ALPN `h2`) will take the TLS layer's decrypted stream in `attach`, skip the sniffing
 * and go straight to {@link Http2Gateway.serveHttp2}.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Connection } from '../core/connection.js';
import { duplexPair } from '../core/duplex-pair.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolGateway, ProtocolHost, ProxyToxic } from '../core/protocol.js';
import { HeldHttpToxics } from '../http/held-toxics.js';
import { HTTP_MAX_HEADER_SIZE } from '../http/limits.js';
import type { AttachedHttpToxic } from '../http/toxic-pass.js';
import { nodeHttp2 } from '../lazy-builtin.js';
import { ClientConnection, type ClientConnectionHost } from './client-connection.js';
import { UpgradedStream, upgradeRefusal, upgradeRequestFrame } from './h2c-upgrade.js';
import { HTTP2_SESSION_OPTIONS } from './limits.js';
import { sniffPreface } from './preface.js';
import { SocketBytes } from '../http/socket-bytes.js';

/** A connection whose client socket the gateway took itself: its byte counts, and the toxic generation it was taken in. */
interface Adopted {
  readonly bytes: SocketBytes;
  readonly generation: number;
}

/** A plain-text HTTP/1.1 answer, then the connection closes. */
function refuse(socket: Duplex, status: string, message: string): void {
  const body = `faultline: ${message}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** One proxy's HTTP/2 layer. */
export class Http2Gateway implements ProtocolGateway, ClientConnectionHost {
  readonly log: Logger;
  private readonly held: HeldHttpToxics;
  private readonly clients = new Set<ClientConnection>();
  private readonly pending = new WeakMap<Duplex, Connection>();
  private http1: Server | null = null;
  private readonly adopted = new WeakMap<Connection, Adopted>();
  /** Byte toxics added so far: an adopted connection of an older generation is let go once served. */
  private generation = 0;

  constructor(readonly proxy: ProtocolHost) {
    this.log = proxy.runtime.logger.child({ proxy: proxy.name, layer: 'http2' });
    this.held = new HeldHttpToxics(proxy.runtime);
  }

  toxics(): readonly AttachedHttpToxic[] {
    return this.held.all();
  }

  toxicAdded(toxic: ProxyToxic): void {
    this.held.add(toxic);
  }

  toxicUpdated(toxic: ProxyToxic): void {
    this.held.update(toxic);
  }

  toxicRemoved(toxic: ProxyToxic): void {
    this.held.remove(toxic);
  }

  /** Client connections served right now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Takes the client socket itself (the proxy has no byte toxic, so nothing stands between the
   * client and node:http2): no duplex pair, no link, and node:http2 reads and writes the socket natively.
   */
  adopt(conn: Connection): boolean {
    const socket = conn.client;
    const bytes = new SocketBytes(socket, this.proxy.bytes);
    this.adopted.set(conn, { bytes, generation: this.generation });
    socket.once('close', () => bytes.count());
    sniffPreface(socket, (kind) => this.serve(conn, socket, kind));
    // The listener accepted it paused: a 'data' listener alone does not start it.
    socket.resume();
    return true;
  }

  attach(conn: Connection): Duplex {
    const [connectionEnd, gatewayEnd] = duplexPair(this.proxy.runtime.tuning.highWaterMark);
    gatewayEnd.on('error', () => {});
    sniffPreface(gatewayEnd, (kind) => this.serve(conn, gatewayEnd, kind));
    return connectionEnd;
  }

  /**
   * Adopted connections have no byte chain for the new toxic to run on: each is asked to go away
   * (GOAWAY, no error), so its streams finish as they are and the client comes back on a connection
   * the toxic acts on.
   */
  byteToxicAdded(): void {
    this.generation++;
    for (const client of this.clients) if (this.adopted.has(client.conn)) client.release();
  }

  /** Serves a sniffed connection: HTTP/2 with prior knowledge, or HTTP/1.1 (an upgrade, or a 505). */
  private serve(conn: Connection, socket: Duplex, kind: 'h2' | 'http1'): void {
    if (kind === 'h2') {
      this.serveHttp2(conn, socket);
      return;
    }
    this.pending.set(socket, conn);
    this.http1 ??= this.createHttp1Server();
    this.http1.emit('connection', socket);
    // The sniffing paused it; node:http's parser reads with a 'data' listener.
    socket.resume();
  }

  /** Serves HTTP/2 on `socket`, the stream of core connection `conn`. */
  serveHttp2(conn: Connection, socket: Duplex): void {
    const adopted = this.adopted.get(conn);
    const client = new ClientConnection(this, conn, adopted?.bytes);
    this.clients.add(client);
    client.serve(nodeHttp2().performServerHandshake(socket, HTTP2_SESSION_OPTIONS), socket);
    // A byte toxic came while the connection was being sniffed.
    if (adopted && adopted.generation < this.generation) client.release();
  }

  closed(client: ClientConnection): void {
    this.clients.delete(client);
  }

  stop(): void {
    for (const client of [...this.clients]) client.close();
    this.clients.clear();
  }

  /** Takes HTTP/1.1 connections: h2c upgrades, and a 505 for plain requests. */
  private createHttp1Server(): Server {
    const server = createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0, maxHeaderSize: HTTP_MAX_HEADER_SIZE });
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
      res.writeHead(505, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end('faultline: this proxy speaks HTTP/2: send the HTTP/2 preface (prior knowledge), or ask for "Upgrade: h2c"\n');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('clientError', (_err: Error, socket: Duplex) => refuse(socket, '400 Bad Request', 'malformed HTTP/1.1 request'));
    return server;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const conn = this.pending.get(socket);
    this.pending.delete(socket);
    const refusal = upgradeRefusal(req);
    if (refusal !== undefined || conn === undefined) {
      refuse(socket, '400 Bad Request', refusal ?? 'connection gone');
      return;
    }
    const frame = upgradeRequestFrame(req);
    if (!frame) {
      refuse(socket, '431 Request Header Fields Too Large', 'the upgrade request headers do not fit one HTTP/2 frame');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    this.serveHttp2(conn, new UpgradedStream(socket, frame, head));
  }
}

/** Makes the gateway of one `http2` proxy (the `gateway` of {@link http2Protocol}). */
export function http2Gateway(proxy: ProtocolHost): Http2Gateway {
  return new Http2Gateway(proxy);
}
