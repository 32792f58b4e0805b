/**
 * The seam between the engine and TLS. A proxy of a stream protocol (`tcp`, `http`) may carry a
 * `tls` setting (tls-settings.ts). The engine keeps it with the proxy and hands it, with the proxy's
 * protocol module, to the {@link TlsSupport} it was given, which returns the module the proxy runs:
 * the same protocol with TLS around its gateway. `core/` never imports the TLS code itself.
 * @module
 */
import type { ProtocolModule } from './protocol.js';
import type { ProxyTls } from './tls-settings.js';

export type { ProxyTls, TlsListenSettings, TlsUpstreamSettings } from './tls-settings.js';
export { sameTls } from './tls-settings.js';

/** What the engine is given to run proxies with a `tls` setting. */
export interface TlsSupport {
  /** The toxic layer of TLS faults: proxies with `tls.listen` take it. */
  readonly layer: string;
  /**
   * The module a proxy with `tls` runs: `module`'s name, title and layers (plus {@link layer} when
   * TLS is terminated), its gateway wrapped in TLS. Throws UNSUPPORTED for a protocol TLS does not fit.
   */
  wrap(module: ProtocolModule, tls: ProxyTls): ProtocolModule;
  /** The certificate (PEM) of the CA that issues what `cert: auto` presents: what clients trust. */
  caPem(): Promise<string>;
}
