/**
 * The seam for proxy protocols above plain TCP. A proxy with such a protocol keeps its listener, its
 * connections and their byte-stream toxic chains exactly as a `tcp` proxy does; only the "upstream"
 * of each connection is an in-process stream to the protocol's gateway (one end of a duplex pair),
 * which speaks the protocol to the real upstream. Gateways live in their own modules (`src/http/`)
 * and are handed to the engine through {@link EngineOptions.gateways}; `core/` never imports one.
 * @module
 */
import type { Duplex } from 'node:stream';
import { FaultlineError } from '../errors.js';
import type { Connection } from './connection.js';
import type { Proxy } from './proxy.js';
import type { Runtime } from './runtime.js';

/** The protocols a proxy speaks: `tcp` (a byte stream; the default) or `http` (HTTP/1.1, parsed). */
export const PROTOCOLS = ['tcp', 'http'] as const;

/** One of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[number];

/** `value` as a protocol; throws BAD_REQUEST_BODY naming the choices when it is not one. */
export function parseProtocol(value: unknown, suffix = ''): Protocol {
  if (typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value)) return value as Protocol;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new FaultlineError('BAD_REQUEST_BODY', `bad request body: protocol: expected "tcp" or "http", got ${shown}${suffix}`);
}

/** A protocol's gateway for one proxy. */
export interface ProtocolGateway {
  /**
   * Takes a new connection of the proxy: returns the stream that stands for its upstream (the
   * connection writes the client's bytes to it, after the upstream byte toxics, and reads the
   * answers from it). Synchronous: nothing is dialled here.
   */
  attach(conn: Connection): Duplex;
  /** Stops at once: closes its streams and releases what it holds. Never waits on a socket. */
  stop(): void;
  /** A connection of the proxy ended. */
  connectionClosed(conn: Connection): void;
}

/** Makes the gateway of one proxy. */
export type GatewayFactory = (proxy: Proxy, runtime: Runtime) => ProtocolGateway;

/** A gateway factory per protocol above TCP. */
export type GatewayFactories = Partial<Record<Exclude<Protocol, 'tcp'>, GatewayFactory>>;
