/**
 * Turns per-datagram faults into a bounded stream of events: the first fault of a kind is reported
 * at once, later ones at most once per interval as a count, and what is still pending when the flow
 * ends or the toxic goes is reported then. Counters stay exact; events are for people and logs.
 * @module
 */
import type { Clock } from '../core/clock.js';
import type { Direction } from '../direction.js';
import type { ToxicSpec } from '../core/toxic-contract.js';

/** One reported fault (the relay adds its name). */
export interface FaultReport {
  flow: number;
  direction: Direction;
  toxic: string | null;
  toxicType: string | null;
  kind: string;
  count: number;
  detail?: Record<string, unknown>;
}

interface Entry {
  direction: Direction;
  toxic: ToxicSpec | null;
  kind: string;
  last: number;
  pending: number;
}

/** Reports of one kind are at least this far apart (ms), per flow, direction and toxic. */
export const FAULT_REPORT_INTERVAL_MS = 1000;

/** Throttles fault events per flow, direction, toxic and kind. */
export class FaultReporter {
  private readonly flows = new Map<number, Map<string, Entry>>();

  constructor(
    private readonly clock: Clock,
    private readonly emit: ((report: FaultReport) => void) | undefined,
  ) {}

  /** One more fault of `kind`. */
  count(flow: number, direction: Direction, toxic: ToxicSpec | null, kind: string): void {
    if (!this.emit) return;
    let entries = this.flows.get(flow);
    if (!entries) {
      entries = new Map();
      this.flows.set(flow, entries);
    }
    const key = `${direction}\u0000${toxic?.name ?? ''}\u0000${kind}`;
    let entry = entries.get(key);
    if (!entry) {
      entry = { direction, toxic, kind, last: -Infinity, pending: 0 };
      entries.set(key, entry);
    }
    entry.pending++;
    const now = this.clock.now();
    if (now - entry.last < FAULT_REPORT_INTERVAL_MS) return;
    entry.last = now;
    this.send(flow, entry);
  }

  /** A change of state (a partition beginning or healing): reported at once. */
  report(flow: number, direction: Direction, toxic: ToxicSpec, kind: string, detail?: Record<string, unknown>): void {
    this.emit?.({ flow, direction, toxic: toxic.name, toxicType: toxic.type, kind, count: 1, ...(detail ? { detail } : {}) });
  }

  /** The flow ended: what is pending is reported, and its entries go. */
  flushFlow(flow: number): void {
    const entries = this.flows.get(flow);
    if (!entries) return;
    this.flows.delete(flow);
    for (const entry of entries.values()) this.send(flow, entry);
  }

  /** The toxic left: what it has pending is reported, and its entries go. */
  forget(toxicName: string): void {
    for (const [flow, entries] of this.flows) {
      for (const [key, entry] of entries) {
        if (entry.toxic?.name !== toxicName) continue;
        entries.delete(key);
        this.send(flow, entry);
      }
    }
  }

  private send(flow: number, entry: Entry): void {
    if (entry.pending === 0) return;
    const { direction, toxic, kind, pending } = entry;
    entry.pending = 0;
    this.emit?.({ flow, direction, toxic: toxic?.name ?? null, toxicType: toxic?.type ?? null, kind, count: pending });
  }
}
