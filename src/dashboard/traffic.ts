/**
 * Traffic per proxy and direction, sampled at a fixed interval: bytes per second delivered (written
 * to the destination socket) and live connections, and for udp proxies datagrams per second
 * received, sent on and dropped (the relay's own counters, as `/metrics` exports them). The last
 * samples are kept, so a page that opens late still draws the last minutes. Sampling reads the
 * proxies' counters only: it costs the data path nothing.
 * @module
 */
import type { ToxicProxy } from '../core/proxy.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { DIRECTIONS, type Direction } from '../direction.js';
import { UdpGateway } from '../udp/protocol.js';

/** Datagrams of one direction of a udp proxy: read from the source, sent on (duplicates included), dropped (by toxics or the relay's limits). */
export interface DatagramCounts {
  received: number;
  sent: number;
  dropped: number;
}

/** One proxy in one sample. */
export interface ProxyTraffic {
  /** Client → server, bytes per second. */
  upstream: number;
  /** Server → client, bytes per second. */
  downstream: number;
  /** Live connections. */
  connections: number;
  /** udp proxies: datagrams per second each way. */
  datagrams?: Record<Direction, DatagramCounts>;
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
  /** Per proxy: one value per time (0 before the proxy existed); `datagrams` for udp proxies. */
  proxies: Record<string, ProxySeries>;
}

/** One proxy's series in {@link TrafficHistoryJson}. */
export interface ProxySeries {
  upstream: number[];
  downstream: number[];
  connections: number[];
  datagrams?: Record<Direction, Record<keyof DatagramCounts, number[]>>;
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
  datagrams: Record<Direction, DatagramCounts> | undefined;
  at: number;
}

const DATAGRAM_COUNTS = ['received', 'sent', 'dropped'] as const;

/** A udp proxy's datagram totals per direction (over the life of its relay); undefined for other proxies. */
function datagramTotals(proxy: ToxicProxy): Record<Direction, DatagramCounts> | undefined {
  const gateway = proxy.gateway;
  if (!(gateway instanceof UdpGateway)) return undefined;
  const { counters } = gateway.udp.relay.stats();
  const of = (d: Direction): DatagramCounts => ({ received: counters[d].received, sent: counters[d].sent, dropped: counters[d].dropped });
  return { upstream: of('upstream'), downstream: of('downstream') };
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
      const datagrams = datagramTotals(proxy);
      const before = this.previous.get(proxy);
      this.previous.set(proxy, { upstream, downstream, datagrams, at });
      const seconds = before ? (at - before.at) / 1000 : 0;
      const rate = (now: number, then: number | undefined): number =>
        then === undefined || seconds <= 0 ? 0 : Math.max(0, Math.round((now - then) / seconds));
      const traffic: ProxyTraffic = {
        upstream: rate(upstream, before?.upstream),
        downstream: rate(downstream, before?.downstream),
        connections: proxy.liveConnections.length,
      };
      if (datagrams) {
        const rates = (d: Direction): DatagramCounts => {
          const then = before?.datagrams?.[d];
          return {
            received: rate(datagrams[d].received, then?.received),
            sent: rate(datagrams[d].sent, then?.sent),
            dropped: rate(datagrams[d].dropped, then?.dropped),
          };
        };
        traffic.datagrams = { upstream: rates('upstream'), downstream: rates('downstream') };
      }
      proxies.set(proxy.name, traffic);
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
      const series: ProxySeries = { upstream: [], downstream: [], connections: [] };
      const udp = this.samples.some((s) => s.proxies.get(name)?.datagrams !== undefined);
      const datagrams = udp ? datagramSeries() : undefined;
      for (const s of this.samples) {
        const t = s.proxies.get(name);
        series.upstream.push(t?.upstream ?? 0);
        series.downstream.push(t?.downstream ?? 0);
        series.connections.push(t?.connections ?? 0);
        if (!datagrams) continue;
        for (const d of DIRECTIONS) for (const c of DATAGRAM_COUNTS) datagrams[d][c].push(t?.datagrams?.[d][c] ?? 0);
      }
      proxies[name] = datagrams ? { ...series, datagrams } : series;
    }
    return { interval_ms: intervalMs, times: this.samples.map((s) => new Date(s.time).toISOString()), proxies };
  }
}

/** Empty datagram series for both directions. */
function datagramSeries(): Record<Direction, Record<keyof DatagramCounts, number[]>> {
  const empty = () => ({ received: [], sent: [], dropped: [] });
  return { upstream: empty(), downstream: empty() };
}

/** One sample as the `traffic` event's data. */
export function trafficSampleJson(sample: TrafficSample, intervalMs: number): string {
  return JSON.stringify({
    time: new Date(sample.time).toISOString(),
    interval_ms: intervalMs,
    proxies: Object.fromEntries(sample.proxies),
  });
}
