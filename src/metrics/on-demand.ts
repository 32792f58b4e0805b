/**
 * The server's metrics, with prom-client loaded at the first scrape rather than at startup: a bare
 * server answers sooner, and one that is never scraped never loads it. Engine events are counted
 * from the start, so nothing that happened before the first scrape is missing.
 * @module
 */
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { countEngineEvents } from './event-counts.js';
import type { Metrics, MetricsOptions } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './toxiproxy-series.js';

/** What the admin API's `/metrics` needs, plus `close`. */
export interface OnDemandMetrics {
  readonly contentType: string;
  render(): Promise<string>;
  close(): void;
}

/** Starts counting `proxies`' events now; builds the prom-client registry on the first `render`. */
export function onDemandMetrics(proxies: ProxyRegistry, options: MetricsOptions = {}): OnDemandMetrics {
  const { counts, close } = countEngineEvents(proxies);
  let metrics: Promise<Metrics> | undefined;
  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    render: async () => {
      metrics ??= import('./metrics.js').then((m) => m.metricsFrom(proxies, counts, close, options));
      return (await metrics).render();
    },
    close,
  };
}
