/**
 * The end of a run in its journal: what never ran or never finished, and the verdict — aborted (and
 * why), failed (a probe, or a rollback that could not undo everything) or passed.
 * @module
 */
import type { Journal, StopCause } from './journal.js';

/** Why a run was stopped early, when it was. */
export interface StopReason {
  cause: StopCause;
  reason: string;
}

/** Closes the records of a run that is over: probes never run, steps cut short or never started. */
export function closeRecords(journal: Journal): void {
  for (const probe of journal.probes) if (probe.status === 'pending') probe.status = 'not_run';
  for (const step of journal.steps) {
    if (step.status === 'running') step.status = 'aborted';
    else if (step.status === 'pending') step.status = 'skipped';
  }
}

/**
 * Sets the verdict, cause and reason of a finished run; warns when the rollback left something behind.
 * Rollback actions that failed on a target the run had already lost (`fleet.isLost`: it failed or
 * vanished, and the fleet policy let the run go on) are warned about but do not fail the verdict.
 */
export function decideVerdict(
  journal: Journal,
  stop: StopReason | undefined,
  warn: (message: string) => void,
  fleet: { isLost(url: string): boolean } = { isLost: () => false },
): void {
  const onLost = journal.rollback.filter((r) => !r.ok && fleet.isLost(r.target)).length;
  const failedRollback = journal.rollback.filter((r) => !r.ok).length - onLost;
  if (stop) {
    journal.verdict = 'aborted';
    journal.cause = stop.cause;
    journal.reason = stop.reason;
  } else {
    const failed = journal.probes.find((p) => p.status === 'failed');
    if (failed) {
      const last = [...failed.results].reverse().find((r) => !r.ok);
      journal.verdict = 'failed';
      journal.cause = 'probe';
      journal.reason = `probe ${failed.name} failed${last ? `: ${last.detail}` : ''}`;
    } else if (failedRollback > 0) {
      journal.verdict = 'failed';
      journal.cause = 'step';
      journal.reason = `the rollback could not undo everything (${failedRollback} action${failedRollback > 1 ? 's' : ''} failed)`;
    } else {
      journal.verdict = 'passed';
    }
  }
  if (failedRollback > 0)
    warn(`${failedRollback} rollback action${failedRollback > 1 ? 's' : ''} failed; leased faults still expire on their servers`);
  if (onLost > 0)
    warn(
      `${onLost} rollback action${onLost > 1 ? 's' : ''} on targets the run had lost failed; their leased changes expire on their servers`,
    );
}
