/**
 * The actions of a run's steps, as the journal records them: proxy actions on every target
 * (`actions.ts`), process faults and commands on the runner's own machine (`process-faults.ts`,
 * `run-command.ts`). A held action — a `disable`, a process `pause`, an `exec` with a rollback — is
 * undone at its planned end, or in the rollback: a paused process is always resumed, a rollback
 * command always runs once its command did.
 * @module
 */
import { assertNever } from '../errors.js';
import type { InstantActions } from './actions.js';
import { formatDuration } from './duration.js';
import type { ActionRecord, RevertedBy } from './journal.js';
import { commandText } from './labels.js';
import type { PlanAction } from './plan.js';
import { ProcessFaults } from './process-faults.js';
import { commandOutcome, runCommand, type CommandResult } from './run-command.js';
import type { RunContext } from './run-context.js';

/** One action of the plan and its record. */
interface Taken {
  step: number;
  planned: PlanAction;
  record: ActionRecord;
}

/** Lines of a failed command's output quoted in its error. */
const QUOTED_LINES = 3;

function failure(result: CommandResult, timeoutMs: number): string | undefined {
  if (result.exit_code === 0) return undefined;
  const tail = result.output.trim().split('\n').slice(-QUOTED_LINES).join(' | ');
  return `${commandOutcome(result, formatDuration(timeoutMs))}${tail ? `: ${tail}` : ''}`;
}

/** Takes and undoes the actions of one run. */
export class StepActions {
  private readonly processes = new ProcessFaults();
  /** Held actions taken and not undone yet, oldest first. */
  private readonly held: Taken[] = [];

  constructor(
    private readonly ctx: RunContext,
    private readonly proxies: InstantActions,
    /** Aborted when the run stops: a step's command is then killed (rollback commands are not). */
    private readonly stopped: AbortSignal,
  ) {}

  private taken(step: number, index: number): Taken | undefined {
    const planned = this.ctx.plan.steps[step]?.actions?.[index];
    const record = this.ctx.journal.steps[step]?.actions?.[index];
    return planned && record ? { step, planned, record } : undefined;
  }

  /** Takes action `index` of step `step`. */
  async take(step: number, index: number): Promise<void> {
    const taken = this.taken(step, index);
    if (!taken) return;
    const { planned, record } = taken;
    const action = planned.action;
    const isHeld = planned.endMs !== null || action.type === 'disable' || (action.type === 'process' && action.fault === 'pause');
    switch (action.type) {
      case 'disable': {
        const lease = planned.endMs === null ? undefined : Math.max(1, Math.round(planned.endMs - this.ctx.sinceTimelineStart()));
        await this.proxies.act(action, lease);
        record.lease_ms = lease ?? null;
        break;
      }
      case 'enable':
      case 'update_proxy':
        await this.proxies.act(action);
        // Enabling a proxy undoes the run's `disable`s of it that are still held.
        if (action.type === 'enable' || action.enabled === true) {
          for (const t of this.held.filter((h) => h.planned.action.type === 'disable' && h.record.proxy === action.proxy)) {
            this.markReverted(t, 'runner');
          }
        }
        break;
      case 'reset':
      case 'kill_connections':
        await this.proxies.act(action);
        break;
      case 'process':
        if (action.fault === 'pause') {
          record.pid = this.processes.pause(action);
          record.signal = 'SIGSTOP';
          this.ctx.activity.change(1);
        } else {
          record.signal = action.signal ?? 'SIGTERM';
          record.pid = this.processes.kill(action, action.signal ?? 'SIGTERM');
        }
        break;
      case 'exec': {
        if (action.rollback !== undefined) this.held.push(taken);
        record.command = await runCommand(action.command, { timeoutMs: action.timeout, signal: this.stopped });
        record.applied_ms = this.ctx.elapsedMs();
        const failed = failure(record.command, action.timeout);
        if (failed !== undefined) {
          record.error = failed;
          this.ctx.emit({ type: 'action', journal: this.ctx.journal, step, action: record, change: 'applied' });
          throw new Error(`${commandText(action.command)}: ${failed}`);
        }
        break;
      }
      default:
        assertNever(action, 'action');
    }
    record.applied_ms = this.ctx.elapsedMs();
    if (isHeld && action.type !== 'exec') this.held.push(taken);
    this.ctx.emit({ type: 'action', journal: this.ctx.journal, step, action: record, change: 'applied' });
  }

  /** Undoes held action `index` of step `step` at its planned end. */
  async revert(step: number, index: number): Promise<void> {
    const planned = this.ctx.plan.steps[step]?.actions?.[index];
    const taken = this.held.find((t) => t.planned === planned);
    if (taken) await this.undo(taken, 'runner');
  }

  /**
   * The rollback of the runner's own machine, newest first: every paused process resumed, every
   * rollback command run. Proxies are restored with the rest of the rollback (`rollback.ts`).
   */
  async rollback(record: (action: string, error?: unknown) => void): Promise<void> {
    for (const taken of [...this.held].reverse()) {
      const action = taken.planned.action;
      if (action.type !== 'process' && action.type !== 'exec') continue;
      try {
        await this.undo(taken, 'rollback');
        record(this.rollbackText(taken));
      } catch (err) {
        record(this.rollbackText(taken), err);
      }
    }
  }

  /** Marks the held `disable`s reverted once the rollback has restored their proxies. */
  proxiesRestored(): void {
    for (const taken of [...this.held]) {
      if (taken.planned.action.type === 'disable') this.markReverted(taken, 'rollback');
    }
  }

  /** Ends the watchdog once nothing can be paused any more. */
  async close(): Promise<void> {
    await this.processes.close();
  }

  private rollbackText(taken: Taken): string {
    const action = taken.planned.action;
    if (action.type === 'exec') return `run ${commandText(action.rollback ?? '')}`;
    return `resume pid ${String(taken.record.pid)} (SIGCONT)${taken.record.error !== undefined ? ' (already gone)' : ''}`;
  }

  private async undo(taken: Taken, by: RevertedBy): Promise<void> {
    const { planned, record } = taken;
    const action = planned.action;
    switch (action.type) {
      case 'disable':
        await this.proxies.enableAgain(action.proxy);
        break;
      case 'process':
        if (record.pid !== undefined && !this.processes.resume(record.pid))
          record.error = `pid ${record.pid} was gone before it was resumed`;
        this.ctx.activity.change(-1);
        break;
      case 'exec': {
        if (action.rollback === undefined) break;
        // The rollback command runs whatever happens to the run: it is not cut short by a stop.
        const result = await runCommand(action.rollback, { timeoutMs: action.timeout });
        record.rollback_command = result;
        const failed = failure(result, action.timeout);
        if (failed !== undefined) {
          this.markReverted(taken, by);
          throw new Error(`rollback ${commandText(action.rollback)}: ${failed}`);
        }
        break;
      }
      case 'enable':
      case 'reset':
      case 'kill_connections':
      case 'update_proxy':
        break;
      default:
        assertNever(action, 'action');
    }
    this.markReverted(taken, by);
  }

  private markReverted(taken: Taken, by: RevertedBy): void {
    const at = this.held.indexOf(taken);
    if (at !== -1) this.held.splice(at, 1);
    if (taken.record.reverted_ms !== null) return;
    taken.record.reverted_ms = this.ctx.elapsedMs();
    taken.record.reverted_by = by;
    this.ctx.emit({ type: 'action', journal: this.ctx.journal, step: taken.step, action: taken.record, change: 'reverted' });
  }
}
