/**
 * A proxy's own leases: `revert` puts back the settings a leased change replaced, `remove` removes a
 * proxy created with a lease. A later leased change restarts the lease and keeps the first state; an
 * unleased change that brings the proxy back to it ends the lease.
 * @module
 */
import { checkLease, Leases } from './leases.js';
import type { Clock } from './clock.js';

/** The settings of a proxy a change can touch, and a lease can put back. */
export interface ProxyState {
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** What the leases act on. */
export interface ProxyLeaseHost {
  /** The `revert` lease ran out: put the proxy back to `state`. */
  revert(state: ProxyState): void;
  /** The `remove` lease ran out. */
  removalDue(): void;
}

/** One proxy's `revert` and `remove` leases. */
export class ProxyLeases {
  private readonly leases: Leases;
  /** The settings a `revert` lease puts back. */
  private revertTo: ProxyState | undefined;
  private onRemove: (() => void) | undefined;

  constructor(clock: Clock, host: ProxyLeaseHost) {
    this.leases = new Leases(clock, (key) => {
      if (key === 'remove') {
        host.removalDue();
        this.onRemove?.();
        return;
      }
      const target = this.revertTo;
      this.revertTo = undefined;
      if (target) host.revert(target);
    });
  }

  /** The settings a leased change will put back, or undefined when none is leased. */
  get revertState(): Readonly<ProxyState> | undefined {
    return this.revertTo;
  }

  /** True when the proxy was created with a lease. */
  get removalLeased(): boolean {
    return this.leases.remaining('remove') !== undefined;
  }

  /** Milliseconds until a lease acts on the proxy (reverts or removes it), or undefined. */
  get remaining(): number | undefined {
    const times = [this.leases.remaining('remove'), this.leases.remaining('revert')].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** `remove` is called when `ms` milliseconds have passed. */
  leaseRemoval(ms: number, remove: () => void): void {
    checkLease(ms);
    this.onRemove = remove;
    this.leases.arm('remove', ms);
  }

  /** Arms or ends the `revert` lease after a change from `before` to `after` (even one that failed half-way). */
  afterChange(before: ProxyState, after: ProxyState, leaseMs: number | undefined): void {
    if (leaseMs !== undefined) {
      if (this.revertTo === undefined && sameState(before, after)) return;
      this.revertTo ??= before;
      this.leases.arm('revert', leaseMs);
    } else if (this.revertTo !== undefined && sameState(this.revertTo, after)) {
      // Put back by hand (a scenario's rollback): nothing is left for the lease to do.
      this.revertTo = undefined;
      this.leases.disarm('revert');
    }
  }

  /** Stops both timers (the proxy is being discarded). */
  clear(): void {
    this.leases.clear();
    this.revertTo = undefined;
  }
}

function sameState(a: ProxyState, b: ProxyState): boolean {
  return a.listen === b.listen && a.upstream === b.upstream && a.enabled === b.enabled;
}
