/**
 * Prometheus metrics for one registry of proxies. Byte and connection figures are read from the
 * proxies' live counters when scraped, so the data path never calls into prom-client; event-driven
 * counts (closed connections by reason, toxics applied, injected faults) come from engine events.
 * Toxiproxy's two byte counters are written exactly as Toxiproxy writes them (see
 * toxiproxy-series.ts); Faultline's own series put their labels in alphabetical order too.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DIRECTIONS } from '../direction.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { countEngineEvents, type EventCounts } from './event-counts.js';
import { PROMETHEUS_CONTENT_TYPE, toxiproxySeries } from './toxiproxy-series.js';
import { registerUdpMetrics } from './udp-metrics.js';

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Adds Node.js process and runtime metrics (`process_*`, `nodejs_*`); default true. */
  runtime?: boolean;
}

/** A scrapeable metrics registry bound to a proxy registry. */
export interface Metrics {
  /** Faultline's own series and the runtime ones (Toxiproxy's two are rendered apart). */
  readonly registry: Registry;
  readonly contentType: string;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  /** Stops listening to engine events. */
  close(): void;
}

/** Creates the metrics for `proxies`, counting engine events from now on. */
export function createMetrics(proxies: ProxyRegistry, options: MetricsOptions = {}): Metrics {
  const { counts, close } = countEngineEvents(proxies);
  return metricsFrom(proxies, counts, close, options);
}

/**
 * The metrics over event counts already being kept (so a server can count from startup and load
 * prom-client only when first scraped); `close` stops the counting.
 */
export function metricsFrom(proxies: ProxyRegistry, counts: EventCounts, close: () => void, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();

  new Counter({
    name: 'faultline_proxy_dropped_bytes_total',
    help: 'Bytes discarded on purpose by destructive toxics.',
    labelNames: ['direction', 'proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of proxies.list()) {
        for (const direction of DIRECTIONS) this.inc({ direction, proxy: proxy.name }, proxy.bytes[direction].dropped);
      }
    },
  });

  new Gauge({
    name: 'faultline_proxy_enabled',
    help: '1 while the proxy is listening, 0 when it is disabled.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of proxies.list()) this.set({ proxy: proxy.name }, proxy.enabled ? 1 : 0);
    },
  });

  new Gauge({
    name: 'faultline_proxy_connections_active',
    help: 'Client connections open right now.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of proxies.list()) this.set({ proxy: proxy.name }, proxy.liveConnections.length);
    },
  });

  new Counter({
    name: 'faultline_proxy_connections_total',
    help: 'Client connections accepted since the proxy was created.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of proxies.list()) this.inc({ proxy: proxy.name }, proxy.connectionsTotal);
    },
  });

  new Gauge({
    name: 'faultline_proxy_toxics',
    help: 'Toxics configured on the proxy, per direction.',
    labelNames: ['direction', 'proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of proxies.list()) {
        for (const direction of DIRECTIONS) {
          this.set({ direction, proxy: proxy.name }, proxy.toxics.filter((t) => t.direction === direction).length);
        }
      }
    },
  });

  registerUdpMetrics(registry, proxies);

  const fromEvents = (name: string, help: string, labelNames: readonly string[], series: () => ReturnType<EventCounts['closed']>) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, value } of series()) this.inc(labels, value);
      },
    });
  fromEvents(
    'faultline_proxy_connections_closed_total',
    'Connections that ended, by reason (both-fin, client-error, upstream-error, upstream-unreachable, toxic-reset, toxic-close, proxy-stopped, closed-by-api).',
    ['proxy', 'reason'],
    () => counts.closed(),
  );
  fromEvents(
    'faultline_toxic_applied_total',
    'Times a toxic became active on one direction of a connection (its toxicity roll said yes).',
    ['direction', 'proxy', 'toxic', 'type'],
    () => counts.applied(),
  );
  fromEvents(
    'faultline_toxic_faults_total',
    'Faults injected by toxics (connections closed or reset, and other reported faults), by kind.',
    ['direction', 'kind', 'proxy', 'toxic', 'type'],
    () => counts.faults(),
  );

  if (options.runtime ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    contentType: PROMETHEUS_CONTENT_TYPE,
    render: async () => toxiproxySeries(proxies.list()) + (await renderYielding(registry)),
    close,
  };
}

/**
 * The text exposition, one metric family per event-loop turn: with many proxies a family takes
 * milliseconds to collect and write, and rendering them all in one turn would hold up the API and
 * every proxy for the sum. The text is what `registry.metrics()` gives.
 */
async function renderYielding(registry: Registry): Promise<string> {
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    await new Promise((resolve) => setImmediate(resolve));
    parts.push(await registry.getSingleMetricAsString(metric.name));
  }
  return `${parts.join('\n\n')}\n`;
}
