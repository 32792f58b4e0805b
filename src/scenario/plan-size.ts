/**
 * The size of a plan as it grows: faults (monkey injections included, toxics and actions alike) and
 * ramp updates, so a huge scenario is refused before it takes the memory.
 * @module
 */
import { MAX_SCENARIO_FAULTS, MAX_SCENARIO_RAMP_UPDATES } from '../limits.js';
import type { PlanIssue, PlanStep } from './plan.js';

/**
 * Counts the faults and ramp updates as the plan grows, so a huge scenario is refused before it
 * takes the memory. {@link PlanSize.admit} says whether resolving may go on.
 */
export class PlanSize {
  private faults = 0;
  private rampUpdates = 0;

  /** Adds one placed step; `cut` when its monkey's injections were cut at the limit. */
  admit(planned: PlanStep, rampUpdates: number, cut: boolean, issues: PlanIssue[]): boolean {
    this.faults += planned.faults.length + (planned.actions?.length ?? 0);
    this.rampUpdates += rampUpdates;
    if (this.faults > MAX_SCENARIO_FAULTS || cut) {
      issues.push({
        path: ['steps', planned.index],
        message: `the scenario applies more than ${MAX_SCENARIO_FAULTS} faults (monkey injections included)`,
      });
      return false;
    }
    if (this.rampUpdates > MAX_SCENARIO_RAMP_UPDATES) {
      issues.push({
        path: ['steps', planned.index, 'ramp'],
        message: `the scenario's ramps make more than ${MAX_SCENARIO_RAMP_UPDATES} updates`,
      });
      return false;
    }
    return true;
  }

  /** Faults placed so far. */
  get faultCount(): number {
    return this.faults;
  }
}
