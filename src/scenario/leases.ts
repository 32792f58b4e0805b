/**
 * The server-side lease of each change a run makes: a fault until its planned end, a change held
 * until the end of the timeline plus a grace, a created proxy until the `after` probes are over.
 * Should the runner die, its servers revert everything on their own when the leases run out.
 * @module
 */
import type { PlanFault } from './plan.js';
import type { RunContext } from './run-context.js';

/** The leases of one run. */
export class RunLeases {
  private readonly warned = new Set<string>();

  constructor(private readonly ctx: RunContext) {}

  /** The lease of a fault: until its planned end, or until the end of the timeline. */
  forFault(fault: PlanFault): number | null {
    if (fault.endMs !== null) return Math.max(1, Math.round(fault.endMs - this.ctx.sinceTimelineStart()));
    return this.untilEnd();
  }

  /** The lease of a change held until the end of the timeline, or null when the run leaves its changes. */
  untilEnd(): number | null {
    const { plan } = this.ctx;
    if (plan.rollback !== 'always') return null;
    return Math.max(1, Math.round(plan.durationMs - this.ctx.sinceTimelineStart() + plan.leaseGraceMs));
  }

  /**
   * The lease of a proxy the run creates: it is deleted after the `after` probes, so its lease
   * covers the longest the `before` probes, the timeline and the `after` probes can take.
   */
  forCreatedProxy(keep: boolean): number | null {
    const { plan } = this.ctx;
    if (keep || plan.rollback !== 'always') return null;
    const probing = (mode: string): number =>
      Math.max(0, ...plan.probes.filter((p) => p.mode === mode).map((p) => p.failAfter * (p.check.timeoutMs + p.intervalMs)));
    return Math.round(probing('before') + plan.durationMs + probing('after') + plan.leaseGraceMs);
  }

  /** Warns once per target that answers a leased request without a lease (not a Faultline server). */
  kept(target: string, requested: number | null, answer: { expires_in?: number }): void {
    if (requested === null || answer.expires_in !== undefined || this.warned.has(target)) return;
    this.warned.add(target);
    const server = this.ctx.servers.get(target) ?? 'the server';
    this.ctx.warn(`${target} (${server}) does not keep leases: its faults go away only when this run removes them`);
  }
}
