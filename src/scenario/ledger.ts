/**
 * What a run changed on its targets, kept so the rollback can put everything back: the toxics it
 * added (until they are removed), the state of every proxy before an action first touched it, and
 * the proxies it created.
 * @module
 */
import type { FaultRecord } from './journal.js';

/** A proxy's settings an action can change. */
export interface ProxyState {
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** A toxic added on one target. */
export interface AppliedToxic {
  target: string;
  proxy: string;
  name: string;
  record: FaultRecord;
  reverted: boolean;
}

/** A proxy the run created on one target. */
export interface CreatedProxy {
  target: string;
  proxy: string;
  keep: boolean;
}

/** The changes of one run, in the order they were made. */
export class Ledger {
  readonly toxics: AppliedToxic[] = [];
  readonly created: CreatedProxy[] = [];
  /** The first state seen per target and proxy, before any action changed it. */
  readonly snapshots = new Map<string, { target: string; proxy: string; state: ProxyState }>();
  /** Proxies an action left disabled, per target. */
  private readonly down = new Set<string>();

  /** Records a toxic added on `target`. */
  addToxic(target: string, proxy: string, name: string, record: FaultRecord): void {
    this.toxics.push({ target, proxy, name, record, reverted: false });
  }

  /** The toxics of `record` still in place, on every target. */
  liveToxics(record: FaultRecord): AppliedToxic[] {
    return this.toxics.filter((t) => t.record === record && !t.reverted);
  }

  /** The toxics on `proxy` of `target` still in place. */
  liveOn(target: string, proxy: string): AppliedToxic[] {
    return this.toxics.filter((t) => t.target === target && t.proxy === proxy && !t.reverted);
  }

  /** True once `proxy` on `target` has a snapshot. */
  hasSnapshot(target: string, proxy: string): boolean {
    return this.snapshots.has(`${target}\u0000${proxy}`);
  }

  /** Keeps the state of `proxy` on `target` from before the first action, once. */
  snapshot(target: string, proxy: string, state: ProxyState): void {
    const key = `${target}\u0000${proxy}`;
    if (!this.snapshots.has(key)) this.snapshots.set(key, { target, proxy, state });
  }

  /** Notes whether an action left `proxy` on `target` disabled. */
  setDown(target: string, proxy: string, down: boolean): void {
    const key = `${target}\u0000${proxy}`;
    if (down) this.down.add(key);
    else this.down.delete(key);
  }

  /** Proxies an action has disabled and that are still down, counted per name (any target). */
  get downProxies(): number {
    return new Set([...this.down].map((key) => key.slice(key.indexOf('\u0000') + 1))).size;
  }

  /** Forgets every disabled proxy (the rollback restored them). */
  clearDown(): void {
    this.down.clear();
  }
}
