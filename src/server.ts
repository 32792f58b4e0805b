/**
 * A whole Faultline server in-process: the proxy registry, the proxies and toxics of a config, the
 * admin API on an HTTP server, and metrics. `faultline serve` is a thin layer over this.
 * @module
 */
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createApp } from './api/app.js';
import { LiveFeed } from './dashboard/live-feed.js';
import type { SseWriterOptions } from './api/sse-writer.js';
import { DEFAULT_BODY_LIMIT } from './api/middleware/raw-body.js';
import { VERSION_HEADER } from './api/middleware/version-header.js';
import { FAULTLINE_VERSION } from './api/version.js';
import { formatHostPort, resolveListenHost } from './core/address.js';
import { whenClosed } from './core/drain.js';
import { silentLogger, type Logger } from './core/logger.js';
import type { Protocol } from './core/protocol.js';
import { ProxyRegistry } from './core/proxy-registry.js';
import { OnDemandScenarios } from './scenario/on-demand.js';
import type { EngineOptions } from './core/runtime.js';
import { FaultlineError, isFaultlineError, type ErrorCode } from './errors.js';
import { builtinProtocols } from './protocols.js';
import { onDemandMetrics, type OnDemandMetrics } from './metrics/on-demand.js';
import type { StatePersister } from './state/persister.js';
import { registryWith } from './toxics/registry.js';
import type { ToxicInput } from './toxics/spec.js';
import type { AnyToxicDefinition } from './core/toxic-contract.js';
import type { ProxyTls } from './core/tls-contract.js';
import { tlsSettingsOf } from './tls/settings.js';
import { TlsEngine } from './tls/support.js';

/** A proxy to create at startup, with its toxics. */
export interface ServerProxy {
  name: string;
  /** Default: the admin API's host, a free port. */
  listen?: string | undefined;
  upstream: string;
  /** Default true. */
  enabled?: boolean | undefined;
  /** `tcp` (default), `http` or `udp`. */
  protocol?: Protocol | undefined;
  /** ms a udp flow may go without a datagram before it ends (udp proxies; default 60 000). */
  udp_idle_timeout?: number | undefined;
  /** Terminate and/or originate TLS (tcp and http proxies; docs/tls.md). */
  tls?: ProxyTls | undefined;
  /** Added in order before the proxy starts listening; unknown attribute keys are rejected. */
  toxics?: readonly ToxicInput[] | undefined;
}

/** Options for {@link startServer}. */
export interface ServerOptions extends EngineOptions {
  /** Admin API bind address (default 127.0.0.1). */
  host?: string;
  /** Admin API port (default 8474; 0 picks a free port). */
  port?: number;
  /** Requires `Authorization: Bearer <token>` on every request. */
  token?: string | undefined;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Serve `/metrics` (default true). */
  metrics?: boolean;
  /** Include Node.js process metrics (default true). */
  runtimeMetrics?: boolean;
  /** Proxies (and their toxics) created before the API starts, as Toxiproxy's `-config` does. */
  proxies?: readonly ServerProxy[];
  /**
   * A state file: when it exists, its proxies and toxics are created instead of `proxies`; from then
   * on every change is saved to it atomically. A file that cannot be read back stops startup
   * (STATE_INVALID) and is left untouched.
   */
  stateFile?: string | undefined;
  /** Accept a state file in a directory other users can write (refused by default: STATE_INVALID). */
  allowSharedStateDir?: boolean | undefined;
  /** Limits for `GET /events` subscribers. */
  events?: SseWriterOptions | undefined;
  /** The admin API's listen backlog (default 2048), so bursts of clients are not turned away. */
  backlog?: number;
  /** Serve the dashboard at `/ui/` (default true). */
  dashboard?: boolean;
  /** Host names a browser may use besides IP addresses and `localhost` (docs/operations.md). */
  allowedHosts?: readonly string[] | undefined;
  /**
   * Toxic types of your own, accepted besides the built-in ones by the API, the proxies given here
   * and the state file (docs/creating-toxics.md).
   */
  customToxics?: readonly AnyToxicDefinition[] | undefined;
}

/** A running server. */
export interface RunningServer {
  readonly registry: ProxyRegistry;
  /** Base URL of the admin API, e.g. `http://127.0.0.1:8474`. */
  readonly url: string;
  /** The address the API is bound to. */
  readonly host: string;
  readonly port: number;
  /** Stops the API and every proxy. Safe to call more than once. */
  close(): Promise<void>;
}

/** Creates the configured proxies: each one disabled first, its toxics added, then started. */
async function createProxies(registry: ProxyRegistry, proxies: readonly ServerProxy[]): Promise<void> {
  for (const def of proxies) {
    try {
      const proxy = await registry.create({
        name: def.name,
        listen: def.listen === undefined || def.listen === '' ? ':0' : def.listen,
        upstream: def.upstream,
        enabled: false,
        protocol: def.protocol,
        udpIdleTimeout: def.udp_idle_timeout,
        tls: tlsSettingsOf(def.tls),
      });
      for (const toxic of def.toxics ?? []) proxy.addToxic(toxic, { strict: true });
      if (def.enabled ?? true) await proxy.start();
    } catch (err) {
      const code: ErrorCode = isFaultlineError(err) ? err.code : 'INTERNAL';
      throw new FaultlineError(code, `proxy ${JSON.stringify(def.name)}: ${(err as Error).message}`, { cause: err });
    }
  }
}

const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'request took too long to arrive'],
};

/** Malformed HTTP never reaches Express; answer it with the same JSON error body anyway. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [code, message] = CLIENT_ERRORS[err.code ?? ''] ?? ['BAD_REQUEST', `malformed HTTP request (${err.code ?? err.message})`];
  const error = new FaultlineError(code, message);
  const body = JSON.stringify({ error: error.message, status: error.status, code: error.code });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\nContent-Type: application/json\r\n${VERSION_HEADER}: ${FAULTLINE_VERSION}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function listen(server: Server, host: string, port: number, backlog: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new FaultlineError('LISTEN_FAILED', `listen tcp ${formatHostPort(host, port)}: bind: ${why}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host, port, backlog }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The URL a client on this machine uses; a wildcard bind is reached through loopback. */
function clientUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${formatHostPort(host, address.port)}`;
}

/**
 * Starts a server: proxies from `options.proxies` bind first (as Toxiproxy's `-config`), then the
 * admin API listens. Any failure stops everything already started and throws.
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const {
    host = '127.0.0.1',
    port = 8474,
    token,
    bodyLimit,
    metrics: withMetrics,
    runtimeMetrics,
    proxies = [],
    stateFile,
    allowSharedStateDir,
    events,
    backlog = 2048,
    dashboard = true,
    allowedHosts,
    customToxics,
    ...engine
  } = options;
  const toxicRegistry = registryWith(customToxics, engine.toxicRegistry);
  const logger: Logger = engine.logger ?? silentLogger;
  // A state file that cannot be used stops startup before anything binds. The state modules (and
  // the YAML parser they read with) load only when there is a state file.
  let saved: Awaited<ReturnType<typeof import('./state/state-file.js').readStateFile>> | undefined;
  if (stateFile !== undefined) {
    const state = await import('./state/state-file.js');
    await state.checkStateDirectory(stateFile, allowSharedStateDir);
    saved = await state.readStateFile(stateFile, toxicRegistry);
  }
  // An empty listen binds the admin API's own host: a loopback API never opens relays elsewhere.
  // The local CA is kept beside the state file, so clients that trust it keep trusting it.
  const tlsSupport = new TlsEngine({
    caDir: stateFile === undefined ? undefined : dirname(resolve(stateFile)),
    ...(engine.wallClock ? { wallClock: engine.wallClock } : {}),
  });
  const registry = new ProxyRegistry({
    protocols: builtinProtocols,
    listenHost: host,
    tlsSupport,
    ...engine,
    ...(toxicRegistry ? { toxicRegistry } : {}),
  });
  let metrics: OnDemandMetrics | undefined;
  let server: Server | undefined;
  let persister: StatePersister | undefined;
  let scenarios: OnDemandScenarios | undefined;
  let feed: LiveFeed | undefined;
  try {
    await createProxies(registry, saved ?? proxies);
    if (saved) {
      const ignored = proxies.length > 0 ? { config_proxies_ignored: proxies.length } : {};
      logger.info({ state: stateFile, proxies: saved.length, ...ignored }, 'state restored');
    }
    if (stateFile !== undefined) {
      const { StatePersister } = await import('./state/persister.js');
      persister = new StatePersister(registry, stateFile, logger);
      await persister.start();
    }
    metrics = withMetrics === false ? undefined : onDemandMetrics(registry, { runtime: runtimeMetrics ?? true });
    // Scenario runs talk to this server through its own API, whose URL is known once it listens.
    let apiUrl = '';
    scenarios = new OnDemandScenarios({ target: () => ({ url: apiUrl, token }), logger });
    feed = dashboard ? new LiveFeed(registry, { scenarios }) : undefined;
    feed?.start();
    const app = createApp({
      registry,
      logger,
      metrics,
      token,
      bodyLimit: bodyLimit ?? DEFAULT_BODY_LIMIT,
      events,
      scenarios,
      allowedHosts,
      dashboard: feed,
    });
    server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000 }, app);
    // Toxiproxy's idle timeout; keeps clients' keep-alive sockets from piling up.
    server.keepAliveTimeout = 60_000;
    server.on('clientError', answerClientError);
    const address = await listen(server, await resolveListenHost(host), port, backlog);
    apiUrl = clientUrl(address);
    // After a successful bind, server errors (say, out of file descriptors) are logged, never fatal.
    server.on('error', (err) => logger.error({ err }, 'admin API server error'));
    const running = server;
    const runs = scenarios;
    const live = feed;
    let closing: Promise<void> | undefined;
    return {
      registry,
      url: clientUrl(address),
      host: address.address,
      port: address.port,
      close: () => {
        closing ??= (async () => {
          // Scenario runs roll back through the API first, while it still answers.
          await runs.close();
          // Stop saving first: shutting down removes every proxy, and that is not a change to keep.
          await persister?.close();
          const closed = new Promise<void>((resolve) => running.close(() => resolve()));
          running.closeAllConnections();
          metrics?.close();
          live?.stop();
          const sockets: Socket[] = registry
            .list()
            .flatMap((p) => p.connections.flatMap((c) => (c.upstream ? [c.client, c.upstream] : [c.client])));
          await registry.close();
          // Closing connections end politely; give them the grace period to finish, no more.
          await whenClosed(sockets, registry.runtime.closeGraceMs + 100);
          await closed;
        })();
        return closing;
      },
    };
  } catch (err) {
    await scenarios?.close();
    await persister?.close();
    metrics?.close();
    feed?.stop();
    server?.close();
    await registry.close();
    logger.debug({ err }, 'server start failed');
    throw err;
  }
}
