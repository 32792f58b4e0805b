/**
 * A proxy's `tls` setting as the engine keeps it: terminate TLS from its clients (`listen`),
 * originate TLS to its upstream (`upstream`), or both. Plain data; src/tls/ runs it.
 * @module
 */

/** Terminating TLS from clients. */
export interface TlsListenSettings {
  /** `auto`: a certificate issued by the local CA; otherwise the path of a PEM certificate (chain). */
  readonly cert: string;
  /** The PEM private key's path, with a `cert` path (never with `auto`). */
  readonly key?: string | undefined;
  /** ALPN protocols offered to clients, most preferred first (default: none; `http/1.1` on http proxies). */
  readonly alpn?: readonly string[] | undefined;
}

/** Originating TLS to the upstream. */
export interface TlsUpstreamSettings {
  /** Check the upstream's certificate and host name (default true). */
  readonly verify: boolean;
  /** The name sent in SNI and checked against the certificate (default: the upstream's host). */
  readonly servername?: string | undefined;
  /** Path of PEM CA certificates to trust instead of the system's. */
  readonly ca?: string | undefined;
}

/** A proxy's `tls` setting; at least one side is set. */
export interface ProxyTls {
  readonly listen?: TlsListenSettings | undefined;
  readonly upstream?: TlsUpstreamSettings | undefined;
}

/** Two settings alike (a change that keeps them needs no restart). */
export function sameTls(a: ProxyTls | undefined, b: ProxyTls | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
