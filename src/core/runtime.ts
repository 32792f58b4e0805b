/**
 * The settings and services every proxy of a registry shares.
 * @module
 */
import type { Clock } from './clock.js';
import { systemClock } from './system-clock.js';
import { EventHub } from './events.js';
import { cachedLookup, type ResolveHost } from './host-cache.js';
import { silentLogger, type Logger } from './logger.js';
import { tcpProtocol, type ProtocolModule, type ProtocolRuntime } from './protocol.js';
import { randomSeed } from './rng.js';
import { DEFAULT_SOCKET_HIGH_WATER_MARK } from './socket-options.js';
import type { TlsSupport } from './tls-contract.js';
import type { ToxicLookup } from './toxic-contract.js';

/** Engine options; every one has a default. */
export interface EngineOptions {
  /** Seed for every random decision; a random one is chosen (and reported) when omitted. */
  seed?: string | number | bigint;
  clock?: Clock;
  logger?: Logger;
  /** Socket buffer size in bytes (default 64 KiB). */
  socketHighWaterMark?: number;
  /** Bytes a link may hold (stages + destination buffer) before it stops reading (default 1 MiB). */
  maxHeldBytes?: number;
  /** Upstream dial timeout in ms; 0 waits for the OS (default 10 s). */
  dialTimeoutMs?: number;
  /** How long a politely closed socket may linger before it is destroyed (default 2 s). */
  closeGraceMs?: number;
  /** Connections per proxy; extra clients are closed at once (default 0 = unlimited). */
  maxConnections?: number;
  /** Real time in ms since the epoch, the one source of wall time (HTTP `Date`); default `Date.now`. */
  wallClock?: () => number;
  /**
   * The protocols proxies may speak, by {@link ProtocolModule.name} (default: `tcp` alone; `startProxy`
   * and `startServer` pass every built-in one). A proxy of a protocol not listed cannot be created.
   */
  protocols?: readonly ProtocolModule[];
  /**
   * How upstream host names are resolved (default: the system resolver). Answers are kept 5 s and
   * failures 1 s, and concurrent connections share one lookup.
   */
  resolveHost?: ResolveHost;
  /** The host an empty `listen` (or `:port`) binds: the admin API's own (default 127.0.0.1). */
  listenHost?: string;
  /**
   * Let proxies listen on addresses other machines can reach (default false: loopback only, and a
   * non-loopback listen is refused with LISTEN_NOT_ALLOWED).
   */
  allowRemoteListen?: boolean;
  /**
   * The toxic types proxies accept (default: the built-in ones). Custom toxics:
   * `ToxicRegistry.builtin.with([myToxic])` (docs/creating-toxics.md).
   */
  toxicRegistry?: ToxicLookup;
  /**
   * What runs proxies with a `tls` setting (default: none, and such a proxy cannot be created;
   * `startProxy` and `startServer` pass Faultline's own, `src/tls/`).
   */
  tlsSupport?: TlsSupport;
}

/** Resolved engine settings shared by all proxies. */
export interface Runtime extends ProtocolRuntime {
  /** The engine's protocols by name, in the order given. */
  readonly protocols: ReadonlyMap<string, ProtocolModule>;
  readonly listenHost: string;
  readonly allowRemoteListen: boolean;
  /** The toxic types proxies accept; undefined = the built-in ones. */
  readonly toxicRegistry: ToxicLookup | undefined;
  /** What runs proxies with a `tls` setting; undefined: none may have one. */
  readonly tls: TlsSupport | undefined;
}

export const DEFAULT_MAX_HELD_BYTES = 1024 * 1024;

/** Fills in the defaults. */
export function createRuntime(options: EngineOptions = {}): Runtime {
  const logger = options.logger ?? silentLogger;
  return {
    seed: options.seed === undefined ? randomSeed() : String(options.seed),
    clock: options.clock ?? systemClock,
    logger,
    events: new EventHub((err) => logger.error({ err }, 'event listener failed')),
    tuning: {
      highWaterMark: options.socketHighWaterMark ?? DEFAULT_SOCKET_HIGH_WATER_MARK,
      // Real time, not the engine's clock: a name's answer ages with the world, not with a test's fake clock.
      lookup: cachedLookup({ now: () => performance.now(), resolve: options.resolveHost }),
    },
    maxHeldBytes: options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES,
    dialTimeoutMs: options.dialTimeoutMs ?? 10_000,
    closeGraceMs: options.closeGraceMs ?? 2_000,
    maxConnections: options.maxConnections ?? 0,
    wallClock: options.wallClock ?? Date.now,
    protocols: new Map((options.protocols ?? [tcpProtocol]).map((p) => [p.name, p])),
    listenHost: options.listenHost ?? '127.0.0.1',
    allowRemoteListen: options.allowRemoteListen ?? false,
    toxicRegistry: options.toxicRegistry,
    tls: options.tlsSupport,
  };
}
