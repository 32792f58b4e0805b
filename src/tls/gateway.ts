/**
 * The TLS gateway of one proxy: wraps the gateway of the proxy's protocol (none for `tcp`) in TLS.
 * It loads the proxy's certificate files before it listens, holds the proxy's TLS toxics, rolls them
 * per connection, and runs a {@link TlsSession} per connection. On an `http` proxy the plaintext goes
 * to the HTTP gateway, which dials the upstream through {@link TlsGateway.dial} (TLS when originating).
 * @module
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import { nodeTls } from '../lazy-builtin.js';
import { parseHostPort, type HostPort } from '../core/address.js';
import type { Connection } from '../core/connection.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolGateway, ProtocolHost, ProtocolModule, ProtocolRuntime, ProxyToxic } from '../core/protocol.js';
import { createRng } from '../core/rng.js';
import type { ProxyTls } from '../core/tls-contract.js';
import { FaultlineError } from '../errors.js';
import type { CertificatePair, CertificateStore } from './certificate-store.js';
import { readKeyFile, readPemFile } from './pem-files.js';
import { type RolledFaults, TlsSession, type TlsSessionHost } from './session.js';
import { serverNames, sniName } from './server-names.js';
import type { TlsVersion } from './toxics/tls-handshake.js';
import { TLS_LAYER } from './toxics/tls-layer.js';
import { dialUpstream, type UpstreamTls } from './upstream-dial.js';

/** What the gateway needs from the engine's TLS support. */
export interface TlsGatewayEngine {
  readonly store: CertificateStore;
  /** Makes (or loads) the local CA; resolves when it is ready. */
  ca(): Promise<unknown>;
}

/** A TLS toxic's parsed attributes (both types' fields; each reads its own). */
interface TlsAttributes {
  fault: string;
  delay?: number;
  version?: TlsVersion;
}

/** One proxy's TLS. */
export class TlsGateway implements ProtocolGateway, TlsSessionHost {
  readonly runtime: ProtocolRuntime;
  readonly log: Logger;
  readonly alpn: readonly string[] | undefined;
  readonly terminates: boolean;
  private readonly inner: ProtocolGateway | null;
  private readonly tlsToxics: ProxyToxic[] = [];
  private readonly sessions = new Map<Connection, TlsSession>();
  private upstreamTls: UpstreamTls | undefined;
  /** The user's own certificate and key (`tls.listen.cert` a path), read at start. */
  private own: CertificatePair | undefined;
  private readonly ownContexts = new Map<string, SecureContext>();
  /** ALPN offered to the upstream by the protocol's gateway (`http/1.1` on http proxies). */
  private readonly upstreamAlpn: readonly string[] | undefined;

  constructor(
    readonly proxy: ProtocolHost,
    module: ProtocolModule,
    readonly settings: ProxyTls,
    private readonly engine: TlsGatewayEngine,
  ) {
    this.runtime = proxy.runtime;
    this.log = proxy.runtime.logger.child({ proxy: proxy.name, layer: 'tls' });
    this.terminates = settings.listen !== undefined;
    // What the protocol speaks inside TLS, as ALPN names it: h2 for http2 proxies, http/1.1 for http.
    const inside = module.layers.includes('http2') ? ['h2'] : module.layers.includes('http') ? ['http/1.1'] : undefined;
    this.alpn = settings.listen?.alpn ?? inside;
    this.upstreamAlpn = inside;
    // The protocol's gateway sees the proxy as it is, except that it dials the upstream through here.
    const host: ProtocolHost = settings.upstream
      ? Object.create(proxy, { dialUpstream: { value: (target: HostPort) => this.dial(target, this.upstreamAlpn) } })
      : proxy;
    this.inner = module.gateway?.(host) ?? null;
  }

  async prepare(): Promise<void> {
    const { listen, upstream } = this.settings;
    if (listen?.cert === 'auto') {
      await this.engine.ca();
      await this.context(undefined, {});
    } else if (listen) {
      const cert = await readPemFile('tls.listen.cert', listen.cert);
      const key = await readKeyFile('tls.listen.key', listen.key ?? '');
      try {
        nodeTls().createSecureContext({ cert, key });
      } catch (err) {
        throw new FaultlineError(
          'TLS_INVALID',
          `tls.listen: ${listen.cert} and ${listen.key} are not a PEM certificate and its private key (${(err as Error).message})`,
        );
      }
      this.own = { cert, key };
      this.ownContexts.clear();
    }
    if (upstream) {
      const ca = upstream.ca === undefined ? undefined : await readPemFile('tls.upstream.ca', upstream.ca);
      if (ca !== undefined) {
        try {
          nodeTls().createSecureContext({ ca });
        } catch (err) {
          throw new FaultlineError(
            'TLS_INVALID',
            `tls.upstream.ca: ${upstream.ca} holds no PEM CA certificate (${(err as Error).message})`,
          );
        }
      }
      this.upstreamTls = { settings: upstream, ca };
    }
    await this.inner?.prepare?.();
  }

  attach(conn: Connection): Duplex {
    // An http proxy that only originates: its gateway dials the upstream with TLS, nothing else changes.
    if (!this.terminates && this.inner?.attach) return this.inner.attach(conn);
    const session = new TlsSession(this, conn);
    this.sessions.set(conn, session);
    session.start();
    return session.clientEnd;
  }

  toxicAdded(toxic: ProxyToxic): void {
    if (toxic.definition.layer === TLS_LAYER) this.tlsToxics.push(toxic);
    else this.inner?.toxicAdded?.(toxic);
  }

  toxicUpdated(toxic: ProxyToxic): void {
    if (toxic.definition.layer !== TLS_LAYER) {
      this.inner?.toxicUpdated?.(toxic);
      return;
    }
    // A stall that is no longer one lets its handshakes go; a stall's new delay applies to new ones.
    if ((toxic.spec.attributes as unknown as TlsAttributes).fault !== 'stall') this.releaseStalled(toxic);
  }

  toxicRemoved(toxic: ProxyToxic): void {
    if (toxic.definition.layer !== TLS_LAYER) {
      this.inner?.toxicRemoved?.(toxic);
      return;
    }
    const index = this.tlsToxics.indexOf(toxic);
    if (index >= 0) this.tlsToxics.splice(index, 1);
    this.releaseStalled(toxic);
  }

  connectionClosed(conn: Connection): void {
    this.sessions.get(conn)?.close();
    this.sessions.delete(conn);
    this.inner?.connectionClosed?.(conn);
  }

  stop(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.inner?.stop();
  }

  // TlsSessionHost

  /** Each TLS toxic is rolled per connection with its seeded stream; the first active one of a type acts. */
  faultsFor(conn: Connection): RolledFaults {
    let certificate: RolledFaults['certificate'];
    let handshake: RolledFaults['handshake'];
    for (const toxic of this.tlsToxics) {
      const { spec } = toxic;
      const roll = createRng(this.runtime.seed, this.proxy.name, spec.name, conn.id, spec.direction).next();
      if (roll >= spec.toxicity) continue;
      const attrs = spec.attributes as unknown as TlsAttributes;
      if (spec.type === 'tls_certificate') certificate ??= { toxic, fault: attrs.fault as never };
      else handshake ??= { toxic, fault: attrs.fault as never, delay: attrs.delay ?? 0, version: attrs.version ?? 'TLSv1.2' };
    }
    return { certificate, handshake };
  }

  context(servername: string | undefined, faults: RolledFaults): Promise<SecureContext> {
    const fault = faults.certificate?.fault;
    const maxVersion = faults.handshake?.fault === 'max_version' ? faults.handshake.version : undefined;
    if (fault === undefined && this.own) return Promise.resolve(this.ownContext(maxVersion));
    const name = servername === undefined ? undefined : sniName(servername);
    const names = name === undefined ? serverNames(this.proxy.listen) : [name];
    return this.engine.store.context({ names, fault, maxVersion });
  }

  openPlaintext(conn: Connection, alpn: string | false): Duplex {
    if (this.inner?.attach) return this.inner.attach(conn);
    let target: HostPort;
    try {
      target = parseHostPort(this.proxy.upstream);
    } catch (err) {
      // An upstream that no longer parses: a socket that fails at once, as a failed dial would.
      const failed = new Socket();
      process.nextTick(() => failed.destroy(err as Error));
      return failed;
    }
    const socket = this.dial(target, alpn ? [alpn] : undefined);
    const timeout = this.runtime.dialTimeoutMs;
    if (timeout > 0) {
      socket.setTimeout(timeout, () => socket.destroy(new Error(`upstream dial timed out after ${timeout} ms`)));
      socket.once(this.upstreamTls ? 'secureConnect' : 'connect', () => socket.setTimeout(0));
    }
    return socket;
  }

  report(conn: Connection, toxic: ProxyToxic, kind: string, detail: Record<string, unknown>): void {
    this.proxy.toxicFault(conn, toxic.spec.direction, toxic.spec, kind, detail);
  }

  /** Dials the upstream: TLS as `tls.upstream` says, plain TCP otherwise. Failures are logged, without key material. */
  dial(target: HostPort, alpn: readonly string[] | undefined): Socket {
    const socket = dialUpstream(target, this.runtime.tuning, this.upstreamTls, alpn);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const what = this.upstreamTls ? 'TLS connection to upstream failed' : 'unable to open connection to upstream';
      this.log.warn({ upstream: this.proxy.upstream, reason: err.code ?? err.message, error: err.message }, what);
    });
    return socket;
  }

  private ownContext(maxVersion: TlsVersion | undefined): SecureContext {
    const key = maxVersion ?? '';
    let context = this.ownContexts.get(key);
    if (!context) {
      context = nodeTls().createSecureContext({
        ...(this.own as CertificatePair),
        minVersion: 'TLSv1.2',
        ...(maxVersion ? { maxVersion } : {}),
      });
      this.ownContexts.set(key, context);
    }
    return context;
  }

  private releaseStalled(toxic: ProxyToxic): void {
    for (const session of this.sessions.values()) if (session.stalledBy === toxic) session.release();
  }
}
