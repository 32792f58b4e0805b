/**
 * Prometheus metrics for one registry of proxies. Byte and connection figures are read from the
 * proxies' live counters when scraped, so the data path never calls into prom-client; event-driven
 * counts (closed connections by reason, toxics applied, injected faults) come from engine events.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Connection } from '../core/connection.js';
import { DIRECTIONS, type Direction } from '../core/direction.js';
import type { FaultlineEvent } from '../core/events.js';
import type { ProxyRegistry } from '../core/registry.js';
import { EventCounts } from './event-counts.js';

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Adds Node.js process and runtime metrics (`process_*`, `nodejs_*`); default true. */
  runtime?: boolean;
}

/** A scrapeable metrics registry bound to a proxy registry. */
export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  /** Stops listening to engine events. */
  close(): void;
}

const TRAFFIC_LABELS = ['direction', 'proxy', 'listener', 'upstream'] as const;

/** Creates the metrics for `proxies`. */
export function createMetrics(proxies: ProxyRegistry, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const counts = new EventCounts();

  // Toxiproxy's two byte counters, with its names and labels, but counted live instead of at close.
  const traffic = (name: string, help: string, pick: (p: ReturnType<ProxyRegistry['list']>[number], d: Direction) => number) =>
    new Counter({
      name,
      help,
      labelNames: TRAFFIC_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const proxy of proxies.list()) {
          for (const direction of DIRECTIONS) {
            this.inc({ direction, proxy: proxy.name, listener: proxy.listen, upstream: proxy.upstream }, pick(proxy, direction));
          }
        }
      },
    });
  traffic('toxiproxy_proxy_received_bytes_total', 'Bytes read from the source socket of each direction.', (p, d) => p.bytes[d].received);
  traffic('toxiproxy_proxy_sent_bytes_total', 'Bytes written to the destination socket of each direction.', (p, d) => p.bytes[d].sent);

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
      for (const proxy of proxies.list()) this.set({ proxy: proxy.name }, proxy.connections.length);
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
    ['proxy', 'toxic', 'type', 'direction'],
    () => counts.applied(),
  );
  fromEvents(
    'faultline_toxic_faults_total',
    'Faults injected by toxics (connections closed or reset, and other reported faults), by kind.',
    ['proxy', 'toxic', 'type', 'direction', 'kind'],
    () => counts.faults(),
  );

  if (options.runtime ?? true) collectDefaultMetrics({ register: registry });

  const unsubscribe = proxies.on((event: FaultlineEvent) => {
    switch (event.type) {
      case 'connection.opened': {
        // Links start right after this event; count their active toxics once they have.
        const { proxy, connection } = event;
        queueMicrotask(() => countActive(counts, proxies, proxy, connection));
        break;
      }
      case 'connection.closed':
        counts.close(event.proxy, event.reason);
        break;
      case 'toxic.added': {
        const proxy = proxies.get(event.proxy);
        for (const conn of proxy?.connections ?? []) {
          if (conn.link(event.toxic.direction)?.chain.activeToxics().includes(event.toxic.name)) {
            counts.apply(event.proxy, event.toxic.name, event.toxic.type, event.toxic.direction);
          }
        }
        break;
      }
      case 'fault':
        counts.fault(event.proxy, event.toxic, event.toxicType, event.direction, event.kind);
        break;
      case 'proxy.removed':
        counts.forget(event.proxy);
        break;
      default:
        break;
    }
  });

  return {
    registry,
    contentType: registry.contentType,
    render: () => renderYielding(registry),
    close: unsubscribe,
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

function countActive(counts: EventCounts, proxies: ProxyRegistry, proxyName: string, connection: Connection): void {
  const proxy = proxies.get(proxyName);
  if (!proxy) return;
  for (const direction of DIRECTIONS) {
    const active = connection.link(direction)?.chain.activeToxics() ?? [];
    for (const name of active) {
      const spec = proxy.getToxic(name);
      if (spec) counts.apply(proxyName, name, spec.type, direction);
    }
  }
}
