/**
 * Server-owned expiry of toxics: a toxic added with a lease is removed by the proxy itself when the
 * lease runs out, so faults revert even when whoever added them is gone. One timer per leased toxic,
 * never one per connection.
 * @module
 */
import { errors } from '../errors.js';
import type { Clock, TimerHandle } from './clock.js';

/** The longest lease: Node's timer limit, about 24.8 days. */
export const MAX_LEASE_MS = 2 ** 31 - 1;

/** Throws BAD_REQUEST_BODY unless `ms` is a valid lease length. */
export function checkLease(ms: number): void {
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_LEASE_MS) {
    throw errors.badRequestBody(`expires_in: expected a whole number of milliseconds from 1 to ${MAX_LEASE_MS}, got ${String(ms)}`);
  }
}

/** The leases of one proxy's toxics, by toxic name. */
export class Leases {
  private readonly byName = new Map<string, { deadline: number; handle: TimerHandle }>();

  constructor(
    private readonly clock: Clock,
    /** Called when a lease runs out; the proxy removes the toxic. */
    private readonly onExpire: (name: string) => void,
  ) {}

  /** Leased toxics right now. */
  get size(): number {
    return this.byName.size;
  }

  /** (Re)starts the lease of `name`: it expires `ms` milliseconds from now. */
  arm(name: string, ms: number): void {
    this.disarm(name);
    const handle = this.clock.setTimeout(() => {
      if (this.byName.get(name)?.handle !== handle) return;
      this.byName.delete(name);
      this.onExpire(name);
    }, ms);
    // A lease alone never keeps the process alive (a library user's test can exit before it ends).
    (handle as { unref?: () => void }).unref?.();
    this.byName.set(name, { deadline: this.clock.now() + ms, handle });
  }

  /** Ends the lease of `name` without expiring it (the toxic was removed, or the proxy discarded). */
  disarm(name: string): void {
    const lease = this.byName.get(name);
    if (!lease) return;
    this.clock.clearTimeout(lease.handle);
    this.byName.delete(name);
  }

  /** Milliseconds left (rounded up, at least 1), or undefined when `name` has no lease. */
  remaining(name: string): number | undefined {
    const lease = this.byName.get(name);
    return lease ? Math.max(1, Math.ceil(lease.deadline - this.clock.now())) : undefined;
  }

  /** Ends every lease, keeping the toxics. */
  clear(): void {
    for (const name of [...this.byName.keys()]) this.disarm(name);
  }
}
