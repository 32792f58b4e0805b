/**
 * Faultline's TLS support for an engine (`EngineOptions.tls`): the local CA (made once, kept in the
 * state directory when there is one), the certificate store every proxy shares, and the wrapping
 * of a stream protocol's module in TLS for proxies with a `tls` setting.
 * @module
 */
import { STREAM_LAYER, type ProtocolModule } from '../core/protocol.js';
import type { ProxyTls, TlsSupport } from '../core/tls-contract.js';
import { FaultlineError } from '../errors.js';
import { CertificateStore } from './certificate-store.js';
import { TlsGateway } from './gateway.js';
import { createCa, loadOrCreateCa, type LocalCa } from './local-ca.js';
import { TLS_LAYER } from './toxics/tls-layer.js';

/** Options of {@link TlsEngine}. */
export interface TlsEngineOptions {
  /** Directory the CA is kept in (the state file's); undefined: made in memory, new each run. */
  caDir?: string | undefined;
  /** Real time in ms since the epoch (certificate validity); default `Date.now`. */
  wallClock?: () => number;
}

/** One engine's TLS. */
export class TlsEngine implements TlsSupport {
  readonly layer = TLS_LAYER;
  readonly store: CertificateStore;
  private caLoading: Promise<LocalCa> | undefined;
  private readonly wallClock: () => number;

  constructor(private readonly options: TlsEngineOptions = {}) {
    this.wallClock = options.wallClock ?? Date.now;
    this.store = new CertificateStore(() => this.ca(), this.wallClock);
  }

  /** The local CA, made (or loaded) on first use; a failure is retried by the next call. */
  ca(): Promise<LocalCa> {
    if (!this.caLoading) {
      const dir = this.options.caDir;
      const loading = dir === undefined ? createCa('Faultline local CA', this.wallClock()) : loadOrCreateCa(dir, this.wallClock());
      loading.catch(() => {
        if (this.caLoading === loading) this.caLoading = undefined;
      });
      this.caLoading = loading;
    }
    return this.caLoading;
  }

  /** The local CA's certificate, PEM (what `GET /faultline/ca.pem` serves). */
  async caPem(): Promise<string> {
    return (await this.ca()).pem;
  }

  wrap(module: ProtocolModule, tls: ProxyTls): ProtocolModule {
    if (!module.layers.includes(STREAM_LAYER)) {
      throw new FaultlineError('UNSUPPORTED', `tls works on tcp, http and http2 proxies only, not on ${module.title} proxies`);
    }
    return {
      name: module.name,
      title: module.title,
      layers: tls.listen ? [...module.layers, TLS_LAYER] : module.layers,
      gateway: (host) => new TlsGateway(host, module, tls, this),
    };
  }
}
