/**
 * The seam between the engine and the protocols a proxy speaks. A protocol is a plug-in: a
 * {@link ProtocolModule} names itself, says which toxic layers its proxies take, and makes one
 * {@link ProtocolGateway} per proxy. The engine is handed a list of modules
 * (`EngineOptions.protocols`); `core/` never imports one and never asks which protocol a proxy
 * speaks: what differs goes through the gateway.
 *
 * Two shapes fit:
 * - stream protocols (tcp, http, tls, http2) keep the shared TCP listener, the proxy's connections and
 *   their byte-stream toxic chains; the gateway's `attach` gives each connection the stream that stands
 *   for its upstream (none: the connection dials the upstream itself, as `tcp` does);
 * - protocols without connections (udp) bring their own `listener`: it binds, lists its flows as the
 *   proxy's connections and closes them on request.
 * Toxics of the module's own layers reach the gateway through `toxicAdded`/`toxicUpdated`/`toxicRemoved`;
 * `stream` toxics are the core's own and run on every connection's links.
 * @module
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errors } from '../errors.js';
import type { AnyToxicDefinition, CloseMode, ToxicSpec } from './toxic-contract.js';
import type { Direction } from '../direction.js';
import type { HostPort } from './address.js';
import type { Clock } from './clock.js';
import type { Connection } from './connection.js';
import type { EventHub } from './events.js';
import type { ByteCounters } from './link.js';
import type { LiveConnection } from './live-connection.js';
import type { Logger } from './logger.js';
import type { SocketTuning } from './socket-options.js';
import type { ProxyTls } from './tls-settings.js';

export type { LiveConnection } from './live-connection.js';

/** A proxy's protocol: the `name` of one of the engine's {@link ProtocolModule}s (`tcp`, `http`, …). */
export type Protocol = string;

/** The layer the core runs itself: byte-stream toxics, as stages on each connection's links. */
export const STREAM_LAYER = 'stream';

/** A protocol as the engine sees it. */
export interface ProtocolModule {
  /** The wire `protocol` value (`tcp`, `http`): what the API, config and scenarios accept. */
  readonly name: string;
  /** How messages name it (`TCP`, `HTTP`): "works on HTTP proxies only". */
  readonly title: string;
  /** The toxic layers its proxies take (`stream` for byte-stream toxics, `http`, `datagram`, …). */
  readonly layers: readonly string[];
  /** Makes the gateway of one proxy; without it the proxy is plain TCP (connections dial the upstream). */
  gateway?(proxy: ProtocolHost): ProtocolGateway;
}

/** A toxic as its proxy holds it: the same object for the toxic's whole life, `spec` replaced on update. */
export interface ProxyToxic {
  readonly spec: ToxicSpec;
  readonly definition: AnyToxicDefinition;
}

/** The engine's settings and services a protocol may use (part of the engine's `Runtime`). */
export interface ProtocolRuntime {
  /** Seed of every random decision. */
  readonly seed: string;
  /** Monotonic time and timers (fake in unit tests). */
  readonly clock: Clock;
  /** Real time in ms since the epoch. */
  readonly wallClock: () => number;
  readonly logger: Logger;
  readonly events: EventHub;
  /** Socket buffer sizes and the host-name lookup to dial with. */
  readonly tuning: SocketTuning;
  readonly dialTimeoutMs: number;
  readonly closeGraceMs: number;
  /** Connections (or flows) per proxy; 0 = unlimited. */
  readonly maxConnections: number;
  /** Bytes one direction may hold before it stops reading. */
  readonly maxHeldBytes: number;
}

/** What a gateway sees of its proxy. */
export interface ProtocolHost {
  readonly name: string;
  /** `host:port` the proxy listens on (the bound address once started). */
  readonly listen: string;
  /** `host:port` of the service behind the proxy; read it per dial, a change keeps the gateway. */
  readonly upstream: string;
  /** ms a udp flow may go without a datagram (the proxy's `udp_idle_timeout`); undefined: the protocol's default. */
  readonly udpIdleTimeout: number | undefined;
  /** The proxy's `tls` setting (undefined: none). */
  readonly tls: ProxyTls | undefined;
  /**
   * Opens the upstream connection when it is not a plain TCP dial (TLS origination gives its
   * gateway one); undefined: the gateway dials with `net.connect`.
   */
  readonly dialUpstream?: ((target: HostPort) => Socket) | undefined;
  readonly runtime: ProtocolRuntime;
  /** Bytes per direction, counted live (a listener of its own counts into these). */
  readonly bytes: Record<Direction, ByteCounters>;
  /**
   * Reports an injected fault on connection (or flow) `id`. `decision` defaults to the toxic's
   * per-connection toxicity roll; toxics that decide per message pass their own.
   */
  toxicFault(
    conn: { readonly id: number },
    direction: Direction,
    toxic: ToxicSpec,
    kind: string,
    detail?: Record<string, unknown>,
    decision?: { roll: number; toxicity: number },
  ): void;
}

/** A protocol's gateway for one proxy. It lives as long as the proxy keeps that protocol. */
export interface ProtocolGateway {
  /**
   * Takes a new connection of the proxy: returns the stream that stands for its upstream (the
   * connection writes the client's bytes to it, after the upstream byte toxics, and reads the
   * answers from it). Synchronous: nothing is dialled here. Without it, the connection dials.
   */
  attach?(conn: Connection): Duplex;
  /**
   * Takes a new connection's client socket itself, when the proxy has no byte-stream toxic: the
   * connection runs no links (no byte chain, no in-process stream, no live byte counts: the gateway
   * counts into the proxy's `bytes`). False declines (the connection is attached as usual).
   */
  adopt?(conn: Connection): boolean;
  /**
   * A byte-stream toxic was added to the proxy. Connections the gateway adopted run no byte chain:
   * the gateway lets them go without losing what they carry (new connections are attached).
   */
  byteToxicAdded?(): void;
  /** A listener of the protocol's own, used instead of the shared TCP listener (protocols without connections). */
  listener?(): ProxyListener;
  /**
   * Makes ready what the gateway needs before the proxy listens (files, certificates); called at
   * every start. Throwing stops the start with that error.
   */
  prepare?(): Promise<void>;
  /**
   * A toxic of one of the module's own layers was added: make what runs it. Throwing refuses the
   * toxic (nothing is added). Called before the toxic is listed.
   */
  toxicAdded?(toxic: ProxyToxic): void;
  /** The toxic's `spec` changed (attributes, toxicity): apply it, in place when it can. */
  toxicUpdated?(toxic: ProxyToxic): void;
  /** The toxic was removed: release what it holds at once. */
  toxicRemoved?(toxic: ProxyToxic): void;
  /** A connection of the proxy ended. */
  connectionClosed?(conn: Connection): void;
  /** The proxy stopped: close its streams and release what it holds. Never waits on a socket. */
  stop(): void;
}

/** Where a proxy takes its clients: the shared TCP listener, or a protocol's own. */
export interface ProxyListener {
  /**
   * Binds `address` (already resolved and allowed) and resolves with the address actually bound.
   * Failures throw a FaultlineError (LISTEN_FAILED, INVALID_ADDRESS or LISTEN_NOT_ALLOWED).
   */
  start(address: HostPort): Promise<HostPort>;
  /** Stops listening and ends every connection or flow, at once. */
  stop(): void;
  /** Live connections or flows, oldest first. */
  readonly connections: readonly LiveConnection[];
  /** Connections (or flows) accepted since the listener was made. */
  readonly accepted: number;
  /** Ends one connection or flow (`rst` resets it); false when there is none with that id. */
  kill(id: number, mode: CloseMode): boolean;
  /** Bytes per direction over the listener's life, when it counts them itself (the proxy's otherwise). */
  readonly bytes?: Record<Direction, ByteCounters>;
}

/** Plain TCP: no gateway, byte-stream toxics only. The core's own protocol, and the default. */
export const tcpProtocol: ProtocolModule = { name: 'tcp', title: 'TCP', layers: [STREAM_LAYER] };

/** `value` as one of `names`; throws BAD_REQUEST_BODY naming the choices when it is not one. */
export function parseProtocol(value: unknown, names: readonly string[], suffix = ''): Protocol {
  if (typeof value === 'string' && names.includes(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  const choices = names.map((n) => JSON.stringify(n)).join(' or ');
  throw errors.badRequestBody(`protocol: expected ${choices}, got ${shown}${suffix}`);
}

/** The layer a toxic definition acts on (`stream` when it does not say). */
export function layerOf(definition: AnyToxicDefinition): string {
  return definition.layer ?? STREAM_LAYER;
}
