/**
 * Counts kept from engine events, per proxy, so a removed proxy's series go away with it and label
 * sets never pile up after the proxy is gone.
 * @module
 */

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
    bump(this.tables(proxy).applied, { proxy, toxic, type, direction });
  }

  fault(proxy: string, toxic: string, type: string, direction: string, kind: string): void {
    bump(this.tables(proxy).faults, { proxy, toxic, type, direction, kind });
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
