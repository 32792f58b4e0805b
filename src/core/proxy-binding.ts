/**
 * How a proxy takes its clients: its protocol module and that module's gateway, the listener in use
 * (the shared TCP one, or the protocol's own), and binding it and letting it go.
 * @module
 */
import { FaultlineError } from '../errors.js';
import { isStreamToxic, type CloseMode } from './toxic-contract.js';
import { formatHostPort } from './address.js';
import type { Connection, ConnectionOwner } from './connection.js';
import type { Direction } from '../direction.js';
import type { ByteCounters } from './link.js';
import type { Logger } from './logger.js';
import type { LiveConnection, Protocol, ProtocolGateway, ProtocolHost, ProtocolModule, ProxyListener, ProxyToxic } from './protocol.js';
import { checkListenAllowed, resolveListenStrict } from './proxy-address.js';
import type { Runtime } from './runtime.js';
import { TcpListener } from './tcp-listener.js';
import type { ProxyTls } from './tls-contract.js';

/** What the binding needs from its proxy. */
export interface BindingHost extends ProtocolHost {
  readonly runtime: Runtime;
  readonly log: Logger;
  readonly connectionOwner: ConnectionOwner;
}

/** One proxy's protocol, gateway and listener. */
export class ProxyBinding {
  private listening = false;
  private current: ProtocolModule;
  private gatewayOf: ProtocolGateway | null;
  /** The shared TCP listener, made once; used unless the gateway brings its own. */
  private readonly tcpListener: TcpListener;
  private listener: ProxyListener;
  /** Connections accepted by listeners the proxy no longer uses. */
  private acceptedBefore = 0;

  constructor(
    private readonly proxy: BindingHost,
    protocol: Protocol,
  ) {
    const binding = this;
    this.tcpListener = new TcpListener({
      owner: proxy.connectionOwner,
      runtime: proxy.runtime,
      log: proxy.log,
      get upstream() {
        return proxy.upstream;
      },
      get gateway() {
        return binding.gatewayOf;
      },
    });
    this.current = moduleOf(proxy.runtime, protocol, proxy.tls);
    this.gatewayOf = this.current.gateway?.(proxy) ?? null;
    this.listener = this.gatewayOf?.listener?.() ?? this.tcpListener;
  }

  get module(): ProtocolModule {
    return this.current;
  }

  get gateway(): ProtocolGateway | null {
    return this.gatewayOf;
  }

  /** True while listening. */
  get enabled(): boolean {
    return this.listening;
  }

  /** Connections accepted since the proxy was created. */
  get accepted(): number {
    return this.acceptedBefore + this.listener.accepted;
  }

  get liveConnections(): readonly LiveConnection[] {
    return this.listener.connections;
  }

  /** Live TCP connections (none when the protocol brings its own listener). */
  get connections(): Connection[] {
    return this.listener === this.tcpListener ? this.tcpListener.connections : [];
  }

  /** Bytes per direction counted by a listener of the protocol's own, or undefined (the connections count them). */
  get listenerBytes(): Record<Direction, ByteCounters> | undefined {
    return this.listener.bytes;
  }

  kill(id: number, mode: CloseMode): boolean {
    return this.listener.kill(id, mode);
  }

  /** A TCP connection ended. */
  connectionEnded(conn: Connection): void {
    this.tcpListener.forget(conn);
    this.gatewayOf?.connectionClosed?.(conn);
  }

  /** Binds `listen`; resolves with the address actually bound. */
  async bind(listen: string): Promise<string> {
    const address = await resolveListenStrict(listen);
    checkListenAllowed(address, this.proxy.runtime.allowRemoteListen);
    try {
      await this.gatewayOf?.prepare?.();
      const bound = await this.listener.start(address);
      this.listening = true;
      return formatHostPort(bound.host, bound.port);
    } catch (err) {
      this.gatewayOf?.stop();
      throw err;
    }
  }

  /** Stops listening, ends every connection and stops the gateway. False when it was not listening. */
  halt(): boolean {
    if (!this.listening) return false;
    this.listening = false;
    this.listener.stop();
    this.gatewayOf?.stop();
    return true;
  }

  /**
   * The engine's module called `protocol`, wrapped in TLS when `tls` is set; throws UNSUPPORTED when
   * there is none (or TLS does not fit it).
   */
  moduleOf(protocol: Protocol, tls: ProxyTls | undefined): ProtocolModule {
    return moduleOf(this.proxy.runtime, protocol, tls);
  }

  /**
   * Takes another protocol (the proxy is stopped): the old gateway lets go of the toxics of its
   * layers, the new one takes them (the caller checked that the new module takes every layer).
   */
  switchTo(module: ProtocolModule, toxics: readonly ProxyToxic[]): void {
    const layered = toxics.filter((t) => !isStreamToxic(t.definition));
    for (const toxic of layered) this.gatewayOf?.toxicRemoved?.(toxic);
    const gateway = module.gateway?.(this.proxy) ?? null;
    for (const toxic of layered) gateway?.toxicAdded?.(toxic);
    const listener = gateway?.listener?.() ?? this.tcpListener;
    if (listener !== this.listener) this.acceptedBefore += this.listener.accepted;
    this.current = module;
    this.gatewayOf = gateway;
    this.listener = listener;
  }
}

function moduleOf(runtime: Runtime, protocol: Protocol, tls: ProxyTls | undefined): ProtocolModule {
  const module = runtime.protocols.get(protocol);
  if (!module) {
    throw new FaultlineError(
      'UNSUPPORTED',
      `protocol ${protocol} is not available: this engine was created without an ${protocol} gateway`,
    );
  }
  if (tls === undefined) return module;
  if (!runtime.tls) throw new FaultlineError('UNSUPPORTED', 'tls is not available: this engine was created without TLS support');
  return runtime.tls.wrap(module, tls);
}
