/**
 * Everything the page shows, kept in one place and fed by the API: the proxy list once, then the
 * live stream (`/faultline/stream`: engine events, traffic samples, scenario runs). Objects are
 * replaced, never changed in place, so views skip what did not change. Changes are drawn at most
 * once per animation frame, however many events arrive.
 */
import { call } from './api';
import { eventText, type EventBody } from './event-text';
import {
  directionOf,
  type DatagramRates,
  type DatagramSeries,
  type LogEntry,
  type ProxyInfo,
  type RunSummary,
  type Series,
  type Toxic,
  type ToxicType,
  type TrafficSample,
} from './model';
import { openStream, type Frame, type StreamState } from './sse';

/** Samples kept per proxy for the charts (three minutes at one a second). */
export const SERIES_LENGTH = 180;
/** Lines kept in the event log. */
const LOG_LENGTH = 500;

/** What the page shows. */
export interface State {
  proxies: ReadonlyMap<string, ProxyInfo>;
  /** Proxy names, sorted. */
  names: readonly string[];
  traffic: ReadonlyMap<string, Series>;
  /** Time of the last sample (ISO). */
  sampledAt: string;
  log: readonly LogEntry[];
  runs: readonly RunSummary[];
  toxicTypes: readonly ToxicType[];
  stream: StreamState;
  server: { seed: string; version: string; faultline: string } | undefined;
  /** Bumped on every change of the runs list, so a watched run knows to reload. */
  runsVersion: number;
  /** The proxy list has been read at least once. */
  loaded: boolean;
}

const EMPTY_SERIES: Series = { upstream: [], downstream: [], connections: [] };

function push(values: readonly number[], value: number): number[] {
  const next = values.length >= SERIES_LENGTH ? values.slice(values.length - SERIES_LENGTH + 1) : values.slice();
  next.push(value);
  return next;
}

/** A udp proxy's datagram series with one more sample (zeros before the first). */
function pushDatagrams(before: DatagramSeries | undefined, rates: DatagramRates): DatagramSeries {
  return {
    received: push(before?.received ?? [], rates.received),
    sent: push(before?.sent ?? [], rates.sent),
    dropped: push(before?.dropped ?? [], rates.dropped),
  };
}

/** The page's state and the one place that changes it. */
export class Store {
  state: State = {
    proxies: new Map(),
    names: [],
    traffic: new Map(),
    sampledAt: '',
    log: [],
    runs: [],
    toxicTypes: [],
    stream: 'connecting',
    server: undefined,
    runsVersion: 0,
    loaded: false,
  };
  private logKey = 0;
  private frame = 0;
  private closeStream: (() => void) | undefined;
  private resync: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly draw: () => void) {}

  /** Loads everything and opens the stream. */
  async start(): Promise<void> {
    this.closeStream?.();
    this.closeStream = openStream(
      '/faultline/stream',
      (f) => this.onFrame(f),
      (stream) => this.set({ stream }),
    );
    const [types, history] = await Promise.all([
      call<{ toxics: ToxicType[] }>('GET', '/faultline/toxics'),
      call<{ proxies: Record<string, Series> }>('GET', '/faultline/traffic'),
      this.reload(),
    ]);
    this.set({ toxicTypes: types.toxics, traffic: new Map(Object.entries(history.proxies)) });
  }

  /** Reads the whole proxy list again (after a gap in the stream, or new proxies). */
  async reload(): Promise<void> {
    const list = await call<Record<string, ProxyInfo>>('GET', '/proxies');
    // Unchanged proxies keep their objects, so their rows are not drawn again.
    const before = this.state.proxies;
    const same = (a: ProxyInfo | undefined, b: ProxyInfo) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);
    this.setProxies(
      new Map(Object.entries(list).map(([name, p]) => [name, same(before.get(name), p) ? (before.get(name) as ProxyInfo) : p])),
    );
  }

  /** Schedules one drawing for the next animation frame. */
  changed(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private set(patch: Partial<State>): void {
    this.state = { ...this.state, ...patch };
    this.changed();
  }

  private setProxies(proxies: Map<string, ProxyInfo>): void {
    this.set({ loaded: true, proxies, names: [...proxies.keys()].sort((a, b) => a.localeCompare(b)) });
  }

  private updateProxy(name: string, change: (p: ProxyInfo) => ProxyInfo | undefined): void {
    const proxies = new Map(this.state.proxies);
    const before = proxies.get(name);
    const after = before ? change(before) : undefined;
    if (after) proxies.set(name, after);
    else proxies.delete(name);
    if (before && after) this.set({ proxies });
    else this.setProxies(proxies);
  }

  /** New proxies come with fields events do not carry (protocol): read the list again, once per burst. */
  private reloadSoon(): void {
    clearTimeout(this.resync);
    this.resync = setTimeout(() => void this.reload().catch(() => {}), 150);
  }

  private log(e: EventBody): void {
    const entry: LogEntry = {
      key: ++this.logKey,
      time: e.time ?? new Date().toISOString(),
      type: e.type,
      proxy: e.proxy,
      text: eventText(e),
    };
    const log = this.state.log.length >= LOG_LENGTH ? this.state.log.slice(0, LOG_LENGTH - 1) : this.state.log.slice();
    log.unshift(entry);
    this.set({ log });
  }

  private onFrame(frame: Frame): void {
    const data = JSON.parse(frame.data) as Record<string, unknown>;
    switch (frame.event) {
      case 'hello':
        this.set({ server: { seed: String(data['seed']), version: String(data['version']), faultline: String(data['faultline']) } });
        // (Re)connected: whatever happened while away is read again.
        void this.reload().catch(() => {});
        return;
      case 'traffic':
        this.onTraffic(data as { time: string; proxies: Record<string, TrafficSample> });
        return;
      case 'scenarios':
        this.set({ runs: (data['runs'] as RunSummary[] | undefined) ?? [], runsVersion: this.state.runsVersion + 1 });
        return;
      case 'dropped':
        this.log({ type: 'dropped', proxy: '', time: new Date().toISOString() });
        void this.reload().catch(() => {});
        return;
      default:
        this.onEvent(data as EventBody);
    }
  }

  private onTraffic(sample: { time: string; proxies: Record<string, TrafficSample> }): void {
    const traffic = new Map<string, Series>();
    for (const [name, t] of Object.entries(sample.proxies)) {
      const s = this.state.traffic.get(name) ?? EMPTY_SERIES;
      const series: Series = {
        upstream: push(s.upstream, t.upstream),
        downstream: push(s.downstream, t.downstream),
        connections: push(s.connections, t.connections),
      };
      if (t.datagrams) {
        series.datagrams = {
          upstream: pushDatagrams(s.datagrams?.upstream, t.datagrams.upstream),
          downstream: pushDatagrams(s.datagrams?.downstream, t.datagrams.downstream),
        };
      }
      traffic.set(name, series);
    }
    this.set({ traffic, sampledAt: sample.time });
  }

  private onEvent(e: EventBody): void {
    this.log(e);
    switch (e.type) {
      case 'proxy.created':
        this.setProxies(
          new Map(this.state.proxies).set(e.proxy, {
            name: e.proxy,
            listen: String(e['listen'] ?? ''),
            upstream: String(e['upstream'] ?? ''),
            enabled: e['enabled'] === true,
            toxics: [],
          }),
        );
        this.reloadSoon();
        return;
      case 'proxy.updated':
        this.updateProxy(e.proxy, (p) => ({
          ...p,
          listen: String(e['listen'] ?? p.listen),
          upstream: String(e['upstream'] ?? p.upstream),
          enabled: e['enabled'] === true,
        }));
        return;
      case 'proxy.started':
        this.updateProxy(e.proxy, (p) => ({ ...p, listen: String(e['listen'] ?? p.listen), enabled: true }));
        return;
      case 'proxy.stopped':
        this.updateProxy(e.proxy, (p) => ({ ...p, enabled: false }));
        return;
      case 'proxy.removed':
        this.updateProxy(e.proxy, () => undefined);
        return;
      case 'toxic.added':
      case 'toxic.updated': {
        const toxic = e['toxic'] as Toxic;
        this.updateProxy(e.proxy, (p) => {
          const i = p.toxics.findIndex((t) => t.name === toxic.name);
          const toxics = p.toxics.slice();
          if (i >= 0) toxics[i] = toxic;
          else toxics.push(toxic);
          // Upstream toxics first, as the API lists them.
          toxics.sort((a, b) => (directionOf(a) === directionOf(b) ? 0 : directionOf(a) === 'upstream' ? -1 : 1));
          return { ...p, toxics };
        });
        return;
      }
      case 'toxic.removed': {
        const name = (e['toxic'] as Toxic).name;
        this.updateProxy(e.proxy, (p) => ({ ...p, toxics: p.toxics.filter((t) => t.name !== name) }));
        return;
      }
      default:
    }
  }
}
