/**
 * The shared TCP listener of stream proxies (tcp, http, …): accepts clients, keeps the live
 * connections, refuses clients over the connection limit, and hands each connection to the proxy's
 * gateway or lets it dial the upstream.
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FaultlineError } from '../errors.js';
import type { CloseMode } from './toxic-contract.js';
import { formatHostPort, parseHostPort, type HostPort } from './address.js';
import { Connection, type ConnectionOwner } from './connection.js';
import type { Logger } from './logger.js';
import type { ProtocolGateway, ProxyListener } from './protocol.js';
import type { Runtime } from './runtime.js';
import { listenerOptions } from './socket-options.js';

/**
 * Bind failures: Go's wording, and the error they become. A busy port stays Toxiproxy's 500 (its
 * client tests compare it); an address that is not this machine's, or a port the server may not
 * use, is the client's mistake.
 */
const BIND_ERRORS: Record<string, { why: string; code: 'LISTEN_FAILED' | 'INVALID_ADDRESS' | 'LISTEN_NOT_ALLOWED' }> = {
  EADDRINUSE: { why: 'address already in use', code: 'LISTEN_FAILED' },
  EACCES: { why: 'permission denied', code: 'LISTEN_NOT_ALLOWED' },
  EADDRNOTAVAIL: { why: 'cannot assign requested address (not an address of this machine)', code: 'INVALID_ADDRESS' },
};

/** At most one `connection limit reached` warning per proxy in this many ms (with the count refused). */
const LIMIT_WARNING_INTERVAL_MS = 10_000;

/** What the listener needs from its proxy. */
export interface TcpListenerHost {
  readonly owner: ConnectionOwner;
  readonly runtime: Runtime;
  readonly log: Logger;
  /** The upstream to dial, read per connection. */
  readonly upstream: string;
  /** The gateway connections are handed to, read per connection (null: they dial). */
  readonly gateway: ProtocolGateway | null;
}

/** One proxy's TCP listener. */
export class TcpListener implements ProxyListener {
  accepted = 0;
  private server: Server | null = null;
  private ordinal = 0;
  private readonly live = new Map<number, Connection>();
  /** Clients refused by the connection limit since the last warning, and when that was. */
  private refusedSinceWarning = 0;
  private lastLimitWarning = Number.NEGATIVE_INFINITY;

  constructor(private readonly host: TcpListenerHost) {}

  get connections(): Connection[] {
    return [...this.live.values()];
  }

  async start({ host, port }: HostPort): Promise<HostPort> {
    const server = createServer(listenerOptions(this.host.runtime.tuning), this.onClient);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      const known = BIND_ERRORS[err.code ?? ''];
      throw new FaultlineError(
        known?.code ?? 'LISTEN_FAILED',
        `listen tcp ${formatHostPort(host, port)}: bind: ${known?.why ?? err.message}`,
        { cause: err },
      );
    });
    server.on('error', (err) => this.host.log.error({ err }, 'listener error'));
    this.server = server;
    const address = server.address();
    return address && typeof address === 'object' ? { host: address.address, port: address.port } : { host, port };
  }

  stop(): void {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.close();
    for (const conn of [...this.live.values()]) conn.teardown('proxy-stopped');
  }

  kill(id: number, mode: CloseMode): boolean {
    const conn = this.live.get(id);
    if (!conn) return false;
    conn.teardown('closed-by-api', mode);
    return true;
  }

  /** The proxy has a byte-stream toxic in either direction (then every new connection runs the chain). */
  private hasByteToxics(): boolean {
    const { owner } = this.host;
    for (const _ of owner.toxicsFor('upstream')) return true;
    for (const _ of owner.toxicsFor('downstream')) return true;
    return false;
  }

  /** A connection ended (called by the proxy, the connections' owner). */
  forget(conn: Connection): void {
    this.live.delete(conn.id);
  }

  private readonly onClient = (client: Socket): void => {
    const { runtime, log } = this.host;
    const max = runtime.maxConnections;
    if (max > 0 && this.live.size >= max) {
      this.refusedSinceWarning++;
      // One line per interval, however many clients a flood brings: the log is not a second flood.
      const now = runtime.clock.now();
      if (now - this.lastLimitWarning >= LIMIT_WARNING_INTERVAL_MS) {
        log.warn({ client: client.remoteAddress, max, refused: this.refusedSinceWarning }, 'connection limit reached, client closed');
        this.lastLimitWarning = now;
        this.refusedSinceWarning = 0;
      }
      client.on('error', () => {});
      client.destroy();
      return;
    }
    this.accepted++;
    const conn = new Connection(this.host.owner, client, ++this.ordinal);
    this.live.set(conn.id, conn);
    const gateway = this.host.gateway;
    // With no byte toxic to run, a gateway may take the client socket itself (no links, no pair).
    if (gateway?.adopt && !this.hasByteToxics() && gateway.adopt(conn)) {
      this.host.owner.connectionOpened(conn);
      return;
    }
    const attach = gateway?.attach;
    if (attach) {
      conn.attach(attach.call(this.host.gateway, conn));
      return;
    }
    let target: HostPort;
    try {
      target = parseHostPort(this.host.upstream);
    } catch (err) {
      conn.teardown('upstream-unreachable', 'fin', err as Error);
      return;
    }
    conn.dial(target);
  };
}
