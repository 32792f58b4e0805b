/**
 * Faultline as a library: start proxies in-process from a Node test suite, add and remove toxics,
 * and close them; or start a whole server (admin API, metrics, proxies from a config) with
 * `startServer`.
 *
 * @example
 * ```ts
 * import { startProxy } from 'faultline';
 * const proxy = await startProxy({ upstream: '127.0.0.1:6379' });
 * proxy.addToxic({ type: 'latency', attributes: { latency: 100 } });
 * // connect your client to 127.0.0.1:${proxy.port} …
 * await proxy.stop();
 * ```
 * @module
 */
import type { Protocol } from './core/protocol.js';
import type { ProxyConfig } from './core/proxy.js';
import type { ToxicProxy } from './core/proxy.js';
import { ProxyRegistry } from './core/proxy-registry.js';
import type { EngineOptions } from './core/runtime.js';
import { builtinProtocols } from './protocols.js';
import { registryWith } from './toxics/registry.js';
import type { ToxicInput } from './toxics/spec.js';
import type { AnyToxicDefinition } from './core/toxic-contract.js';
import type { ProxyTls } from './core/tls-contract.js';
import { tlsSettingsOf } from './tls/settings.js';
import { TlsEngine } from './tls/support.js';

export { FakeClock, StageTimer, type Clock } from './core/clock.js';
export { systemClock } from './core/system-clock.js';
export type { Connection, TeardownReason } from './core/connection.js';
export type { Direction } from './direction.js';
export {
  tcpProtocol,
  type LiveConnection,
  type Protocol,
  type ProtocolGateway,
  type ProtocolHost,
  type ProtocolModule,
  type ProxyListener,
  type ProxyToxic,
} from './core/protocol.js';
export { builtinProtocols, PROTOCOLS } from './protocols.js';
export { HttpGateway, httpGateway } from './http/gateway.js';
export { httpProtocol } from './http/protocol.js';
export { Http2Gateway, http2Gateway } from './http2/gateway.js';
export { http2Protocol } from './http2/protocol.js';
export { udpProtocol, UdpGateway } from './udp/protocol.js';
export type { ProxyTls, TlsListenSettings, TlsSupport, TlsUpstreamSettings } from './core/tls-contract.js';
export { TlsEngine, type TlsEngineOptions } from './tls/support.js';
export { startUdpRelay, UdpRelay, type FlowInfo, type RelayStats, type UdpRelayEvent, type UdpRelayOptions } from './udp/relay.js';
export { defineDatagramToxic, type DatagramToxicDefinition } from './udp/toxics/datagram-toxic.js';
export type { EventListener, FaultlineEvent } from './core/events.js';
export { silentLogger, type Logger } from './core/logger.js';
export { ToxicProxy, type ProxyConfig, type ProxyPatch } from './core/proxy.js';
export { ProxyRegistry, type PopulateResult } from './core/proxy-registry.js';
export type { EngineOptions } from './core/runtime.js';
export { assertNever, FaultlineError, type ErrorCode } from './errors.js';
export {
  builtinDatagramToxics,
  builtinTlsToxics,
  builtinToxics,
  getToxicDefinition,
  ToxicRegistry,
  toxicTypes,
} from './toxics/registry.js';
export type { ToxicInput, ToxicPatch } from './toxics/spec.js';
export { startServer, type RunningServer, type ServerOptions, type ServerProxy } from './server.js';
export { createApp, type AppDeps } from './api/app.js';
export type { ProxyJson, ToxicJson } from './api/serialize.js';
export type { ConnectionBytesJson, ConnectionJson } from './api/connection-json.js';
export type { SseWriterOptions } from './api/sse-writer.js';
export { TOXIPROXY_API_VERSION, FAULTLINE_VERSION } from './api/version.js';
export { ConfigError, loadConfig, type ConfigFlags, type LoadedConfig, type LoadOptions } from './config/load.js';
export type { Config, ProxyDefinition, ToxicConfig } from './config/schema.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics/metrics.js';
export { AdminClient, AdminClientError, type AdminClientOptions, type ScenarioRunJson } from './api/client.js';
export { loadScenario, parseScenario, ScenarioError, type LoadedScenario, type LoadScenarioOptions } from './scenario/load.js';
export { resolvePlan } from './scenario/timeline.js';
export type { Plan, PlanOptions } from './scenario/plan.js';
export { ScenarioRun, type RunEvent, type RunOptions, type ScenarioClient, type Target } from './scenario/runner.js';
export { writeJournal, type Journal, type Verdict } from './scenario/journal.js';
export type { Scenario } from './scenario/schema.js';
export { createLogger, type LoggerOptions, type LogLevelName } from './logging/pino-logger.js';
export {
  defineToxic,
  type AnyToxicDefinition,
  type CloseMode,
  type StageContext,
  type ToxicDefinition,
  type ToxicLookup,
  type ToxicSpec,
  type ToxicStage,
} from './core/toxic-contract.js';
export {
  defineHttpToxic,
  type HttpHead,
  type HttpToxic,
  type HttpToxicContext,
  type HttpToxicDefinition,
  type HttpVerdict,
} from './http/toxics/http-types.js';
export { HeaderList } from './http/toxics/header-list.js';
export { decimal, fraction, wholeNumber, type NumberOptions } from './toxics/attributes.js';

/** Options for {@link startProxy}. */
export interface StartProxyOptions extends EngineOptions {
  /** Proxy name (default `proxy`). */
  name?: string;
  /** Listen address (default `127.0.0.1:0`, a free port). */
  listen?: string;
  /** `host:port` of the service to proxy. */
  upstream: string;
  /** `tcp` (default), `http`, `udp`, or another of `protocols`. */
  protocol?: Protocol;
  /** `udp` proxies: ms a flow may go without a datagram before it ends (default 60 000). */
  udpIdleTimeout?: number;
  /** Terminate and/or originate TLS (docs/tls.md); the local CA is made in memory. */
  tls?: ProxyTls;
  /** Toxics to add before the first client connects. */
  toxics?: ToxicInput[];
  /** Toxic types of your own, accepted besides the built-in ones (docs/creating-toxics.md). */
  customToxics?: readonly AnyToxicDefinition[];
}

/** Starts one proxy in-process. Stop it with `await proxy.stop()`. */
export async function startProxy(options: StartProxyOptions): Promise<ToxicProxy> {
  const { name = 'proxy', listen = '127.0.0.1:0', upstream, protocol, udpIdleTimeout, tls, toxics = [], customToxics, ...engine } = options;
  const toxicRegistry = registryWith(customToxics, engine.toxicRegistry);
  const registry = new ProxyRegistry({
    protocols: builtinProtocols,
    tlsSupport: new TlsEngine(engine.wallClock ? { wallClock: engine.wallClock } : {}),
    ...engine,
    ...(toxicRegistry ? { toxicRegistry } : {}),
  });
  const config: ProxyConfig = { name, listen, upstream, enabled: false, protocol, udpIdleTimeout, tls: tlsSettingsOf(tls) };
  const proxy = await registry.create(config);
  for (const toxic of toxics) proxy.addToxic(toxic);
  await proxy.start();
  return proxy;
}
