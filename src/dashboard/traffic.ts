/**
 * Traffic per proxy and direction, sampled at a fixed interval: bytes per second delivered (written
 * to the destination socket) and live connections. The last samples are kept, so a page that opens
 * late still draws the last minutes. Sampling reads the proxies' counters only: it costs the data
 * path nothing.
 * @module
 */
import type { ToxicProxy } from '../core/proxy.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';

/** One proxy in one sample. */
export interface ProxyTraffic {
  /** Client → server, bytes per second. */
  upstream: number;
  /** Server → client, bytes per second. */
  downstream: number;
  /** Live connections. */
  connections: number;
}

/** Every proxy at one moment. */
export interface TrafficSample {
  /** Wall-clock time of the sample (ms since the epoch). */
  time: number;
  proxies: Map<string, ProxyTraffic>;
}

/** The kept samples, one series per proxy (oldest first), as `GET /faultline/traffic` sends them. */
export interface TrafficHistoryJson {
  interval_ms: number;
  /** Sample times, ISO 8601. */
  times: string[];
  /** Per proxy: one value per time (0 before the proxy existed). */
  proxies: Record<string, { upstream: number[]; downstream: number[]; connections: number[] }>;
}

/** Options for {@link TrafficSampler}. */
export interface TrafficSamplerOptions {
  /** Samples kept (default 180: three minutes at one a second). */
  keep?: number;
  /** Wall clock (ms). */
  now?: () => number;
  /** Monotonic clock (ms), for rates. */
  monotonic?: () => number;
}

interface Previous {
  upstream: number;
  downstream: number;
  at: number;
}

/** Samples a registry's proxies on demand and keeps the last samples. */
export class TrafficSampler {
  private readonly samples: TrafficSample[] = [];
  /** Keyed by the proxy object: a proxy deleted and created again under its name starts from zero. */
  private readonly previous = new WeakMap<ToxicProxy, Previous>();
  private readonly keep: number;
  private readonly now: () => number;
  private readonly monotonic: () => number;

  constructor(
    private readonly registry: ProxyRegistry,
    options: TrafficSamplerOptions = {},
  ) {
    this.keep = Math.max(1, options.keep ?? 180);
    this.now = options.now ?? Date.now;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Takes a sample of every proxy and keeps it. */
  sample(): TrafficSample {
    const at = this.monotonic();
    const proxies = new Map<string, ProxyTraffic>();
    for (const proxy of this.registry.list()) {
      const upstream = proxy.bytes.upstream.sent;
      const downstream = proxy.bytes.downstream.sent;
      const before = this.previous.get(proxy);
      this.previous.set(proxy, { upstream, downstream, at });
      const seconds = before ? (at - before.at) / 1000 : 0;
      const rate = (now: number, then: number | undefined): number =>
        then === undefined || seconds <= 0 ? 0 : Math.max(0, Math.round((now - then) / seconds));
      proxies.set(proxy.name, {
        upstream: rate(upstream, before?.upstream),
        downstream: rate(downstream, before?.downstream),
        connections: proxy.liveConnections.length,
      });
    }
    const sample = { time: this.now(), proxies };
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.shift();
    return sample;
  }

  /** The kept samples as series, for every proxy or only those named. */
  history(intervalMs: number, only?: ReadonlySet<string>): TrafficHistoryJson {
    const names = new Set<string>();
    for (const s of this.samples) for (const name of s.proxies.keys()) if (!only || only.has(name)) names.add(name);
    const proxies: TrafficHistoryJson['proxies'] = {};
    for (const name of names) {
      const series = { upstream: [] as number[], downstream: [] as number[], connections: [] as number[] };
      for (const s of this.samples) {
        const t = s.proxies.get(name);
        series.upstream.push(t?.upstream ?? 0);
        series.downstream.push(t?.downstream ?? 0);
        series.connections.push(t?.connections ?? 0);
      }
      proxies[name] = series;
    }
    return { interval_ms: intervalMs, times: this.samples.map((s) => new Date(s.time).toISOString()), proxies };
  }
}

/** One sample as the `traffic` event's data. */
export function trafficSampleJson(sample: TrafficSample, intervalMs: number): string {
  return JSON.stringify({
    time: new Date(sample.time).toISOString(),
    interval_ms: intervalMs,
    proxies: Object.fromEntries(sample.proxies),
  });
}
