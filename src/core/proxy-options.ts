/**
 * What a proxy is made from and changed with: its settings, a change to them, and the options of its
 * leased changes and toxics.
 * @module
 */
import type { ParseOptions } from '../toxics/spec.js';
import type { Protocol } from './protocol.js';
import type { ProxyTls } from './tls-contract.js';

/** A proxy's address settings. */
export interface ProxyConfig {
  name: string;
  /** `host:port` to listen on; port 0 picks a free port, reported back in {@link ToxicProxy.listen}. */
  listen: string;
  /** `host:port` of the service behind the proxy. */
  upstream: string;
  /** Listen at once (default true). */
  enabled?: boolean;
  /** One of the engine's protocols: `tcp` (default), `http`, `udp`, … */
  protocol?: Protocol | undefined;
  /** ms a udp flow may go without a datagram before it ends (udp proxies; default 60 000). */
  udpIdleTimeout?: number | undefined;
  /** Terminate and/or originate TLS (tcp and http proxies); undefined: none. */
  tls?: ProxyTls | undefined;
}

/** A change to a proxy; missing fields keep their values. */
export interface ProxyPatch {
  listen?: string | undefined;
  upstream?: string | undefined;
  enabled?: boolean | undefined;
  protocol?: Protocol | undefined;
  udpIdleTimeout?: number | undefined;
  /** A new `tls` setting; `null` removes it. */
  tls?: ProxyTls | null | undefined;
}

/** Options for {@link ToxicProxy.update}. */
export interface UpdateProxyOptions {
  /**
   * Leases the change: this many milliseconds from now the proxy returns to the settings it had
   * before the first leased change (a whole number from 1 to {@link MAX_LEASE_MS}). A later leased
   * change restarts the lease and keeps that first state; an unleased change that brings the proxy
   * back to it ends the lease.
   */
  leaseMs?: number | undefined;
}

/** Options for {@link ToxicProxy.addToxic}. */
export interface AddToxicOptions extends ParseOptions {
  /**
   * Milliseconds until the proxy removes the toxic by itself (a whole number from 1 to
   * {@link MAX_LEASE_MS}). Without it the toxic stays until it is removed.
   */
  leaseMs?: number | undefined;
}

/** Options for {@link ToxicProxy.updateToxic}. */
export interface UpdateToxicOptions extends Pick<ParseOptions, 'strict'> {
  /** Restarts the lease: the toxic expires this many milliseconds from now. Without it the lease (or its absence) is kept. */
  leaseMs?: number | undefined;
}
