/**
 * Dialling the upstream from a TLS proxy: plain TCP, or TLS verified as `tls.upstream` says (its
 * CA file, its SNI name, the upstream's host otherwise).
 * @module
 */
import { connect, isIP, type Socket } from 'node:net';
import { nodeTls } from '../lazy-builtin.js';
import type { HostPort } from '../core/address.js';
import { dialOptions, type SocketTuning } from '../core/socket-options.js';
import type { TlsUpstreamSettings } from '../core/tls-contract.js';

/** What a TLS dial needs besides the target. */
export interface UpstreamTls {
  readonly settings: TlsUpstreamSettings;
  /** The PEM of `settings.ca`, read when the proxy started; undefined: the system's CAs. */
  readonly ca: string | undefined;
}

/**
 * Opens the upstream connection: TLS when `tls` is given (the socket's 'error' says why a
 * certificate was refused), plain TCP otherwise. `alpn` is offered to the upstream.
 */
export function dialUpstream(target: HostPort, tuning: SocketTuning, tls: UpstreamTls | undefined, alpn?: readonly string[]): Socket {
  if (!tls) return connect(dialOptions(target, tuning));
  const servername = tls.settings.servername ?? (isIP(target.host) === 0 ? target.host : undefined);
  return nodeTls().connect({
    ...dialOptions(target, tuning),
    ...(servername ? { servername } : {}),
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    rejectUnauthorized: tls.settings.verify,
    ...(alpn && alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
  });
}
