/**
 * A run's toxics on its targets: added with their lease, updated by ramps, removed when their time
 * is up, and marked reverted in the journal once no target has them any more.
 * @module
 */
import type { ToxicCreate } from '../api/client.js';
import { isNotFound } from './actions.js';
import type { FaultRecord, RevertedBy } from './journal.js';
import type { RunLeases } from './leases.js';
import type { PlanFault } from './plan.js';
import { describeError, type RunContext } from './run-context.js';

/** Adds, updates and removes the toxics of one run. */
export class ToxicFaults {
  constructor(
    private readonly ctx: RunContext,
    private readonly leases: RunLeases,
  ) {}

  async add(stepIndex: number, fault: PlanFault | undefined, record: FaultRecord | undefined): Promise<void> {
    if (!fault || !record) return;
    const { ctx } = this;
    const lease = this.leases.forFault(fault);
    const body: ToxicCreate = {
      ...fault.toxic,
      attributes: { ...fault.toxic.attributes },
      ...(lease === null ? {} : { expires_in: lease }),
    };
    record.lease_ms = lease;
    await ctx.fleet.everywhere(async (target) => {
      try {
        const answer = await target.client.addToxic(fault.proxy, body);
        ctx.ledger.addToxic(target.url, fault.proxy, fault.toxic.name, record);
        record.targets++;
        ctx.fleet.changed(target);
        this.leases.kept(target.url, lease, answer);
      } catch (err) {
        throw new Error(`adding toxic ${fault.toxic.name} to proxy ${fault.proxy} on ${target.url}: ${describeError(err)}`, { cause: err });
      }
    });
    record.applied_ms = ctx.elapsedMs();
    ctx.activity.change(1);
    ctx.emit({ type: 'fault', journal: ctx.journal, step: stepIndex, fault: record, change: 'applied' });
  }

  /**
   * Updates a fault on every target. A toxic already gone is not an error: when the run is behind
   * its schedule the server's lease may have ended it first, or someone removed it by hand.
   */
  async update(stepIndex: number, record: FaultRecord | undefined, attributes: Record<string, unknown>): Promise<void> {
    if (!record) return;
    const { ctx } = this;
    const live = ctx.ledger.liveToxics(record);
    if (live.length === 0) return;
    let gone = false;
    await ctx.fleet.everywhere(async (target) => {
      for (const toxic of live.filter((t) => t.target === target.url)) {
        try {
          await target.client.updateToxic(toxic.proxy, toxic.name, { attributes });
        } catch (err) {
          if (!isNotFound(err)) {
            throw new Error(`updating toxic ${toxic.name} on proxy ${toxic.proxy} on ${target.url}: ${describeError(err)}`, { cause: err });
          }
          toxic.reverted = true;
          gone = true;
        }
      }
    });
    record.updates = [...(record.updates ?? []), { at_ms: ctx.elapsedMs(), attributes }];
    ctx.emit({ type: 'fault', journal: ctx.journal, step: stepIndex, fault: record, change: 'updated' });
    if (gone) {
      const expired = record.planned_end_ms !== null && ctx.elapsedMs() >= record.planned_end_ms - 1;
      if (!expired) ctx.warn(`toxic ${record.toxic} on ${record.proxy} was removed outside this run before its end`);
      this.markReverted(stepIndex, record, expired ? 'lease' : 'external');
    }
  }

  /** Removes a fault from every target; a toxic already gone (its lease ran out) counts as removed. */
  async remove(stepIndex: number, record: FaultRecord | undefined, by: RevertedBy): Promise<void> {
    if (!record) return;
    const { ctx } = this;
    const live = ctx.ledger.liveToxics(record);
    if (live.length === 0) return;
    let expired = false;
    await ctx.fleet.everywhere(async (target) => {
      for (const toxic of live.filter((t) => t.target === target.url)) {
        try {
          await target.client.removeToxic(toxic.proxy, toxic.name);
        } catch (err) {
          if (!isNotFound(err)) {
            throw new Error(`removing toxic ${toxic.name} from proxy ${toxic.proxy} on ${target.url}: ${describeError(err)}`, {
              cause: err,
            });
          }
          expired = true;
        }
        toxic.reverted = true;
      }
    });
    this.markReverted(stepIndex, record, expired && by === 'runner' ? 'lease' : by);
  }

  /** The index of the step that applied `record`. */
  stepOf(record: FaultRecord): number {
    return this.ctx.journal.steps.findIndex((s) => s.faults.includes(record));
  }

  /** Marks `record` reverted once none of its toxics is left on any target. */
  markReverted(stepIndex: number, record: FaultRecord, by: RevertedBy): void {
    const { ctx } = this;
    if (record.reverted_ms !== null || ctx.ledger.liveToxics(record).length > 0) return;
    record.reverted_ms = ctx.elapsedMs();
    record.reverted_by = by;
    ctx.activity.change(-1);
    ctx.emit({ type: 'fault', journal: ctx.journal, step: stepIndex, fault: record, change: 'reverted' });
  }
}
