/**
 * Counts kept from engine events, per proxy, so a removed proxy's series go away with it and label
 * sets never pile up after the proxy is gone. Labels are in alphabetical order, as in every series
 * Faultline exposes.
 * @module
 */
import type { LiveConnection } from '../core/live-connection.js';
import { DIRECTIONS } from '../direction.js';
import type { FaultlineEvent } from '../core/events.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';

/** One labelled value of a counter. */
export interface Series {
  labels: Record<string, string>;
  value: number;
}

type Table = Map<string, Series>;

function bump(table: Table, labels: Record<string, string>): void {
  const key = JSON.stringify(labels);
  const entry = table.get(key);
  if (entry) entry.value++;
  else table.set(key, { labels, value: 1 });
}

/** The event-driven counters, grouped by proxy. */
export class EventCounts {
  private readonly byProxy = new Map<string, { closed: Table; applied: Table; faults: Table }>();

  private tables(proxy: string): { closed: Table; applied: Table; faults: Table } {
    let tables = this.byProxy.get(proxy);
    if (!tables) {
      tables = { closed: new Map(), applied: new Map(), faults: new Map() };
      this.byProxy.set(proxy, tables);
    }
    return tables;
  }

  close(proxy: string, reason: string): void {
    bump(this.tables(proxy).closed, { proxy, reason });
  }

  apply(proxy: string, toxic: string, type: string, direction: string): void {
    bump(this.tables(proxy).applied, { direction, proxy, toxic, type });
  }

  fault(proxy: string, toxic: string, type: string, direction: string, kind: string): void {
    bump(this.tables(proxy).faults, { direction, kind, proxy, toxic, type });
  }

  /** Drops every count of a removed proxy. */
  forget(proxy: string): void {
    this.byProxy.delete(proxy);
  }

  closed(): Series[] {
    return this.collect('closed');
  }

  applied(): Series[] {
    return this.collect('applied');
  }

  faults(): Series[] {
    return this.collect('faults');
  }

  private collect(which: 'closed' | 'applied' | 'faults'): Series[] {
    return [...this.byProxy.values()].flatMap((t) => [...t[which].values()]);
  }
}

/** Counts kept from `proxies`' events from now on; `close` stops listening. */
export function countEngineEvents(proxies: ProxyRegistry): { counts: EventCounts; close: () => void } {
  const counts = new EventCounts();
  const close = proxies.on((event: FaultlineEvent) => {
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
        counts.fault(event.proxy, event.toxic ?? '', event.toxicType ?? '', event.direction, event.kind);
        break;
      case 'proxy.removed':
        counts.forget(event.proxy);
        break;
      default:
        break;
    }
  });
  return { counts, close };
}

function countActive(counts: EventCounts, proxies: ProxyRegistry, proxyName: string, connection: LiveConnection): void {
  const proxy = proxies.get(proxyName);
  if (!proxy) return;
  for (const direction of DIRECTIONS) {
    const active = connection.activeToxics(direction);
    for (const name of active) {
      const spec = proxy.getToxic(name);
      if (spec) counts.apply(proxyName, name, spec.type, direction);
    }
  }
}
