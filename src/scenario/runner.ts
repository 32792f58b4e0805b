/**
 * Running a plan against one or more admin APIs (a fleet: the same faults on every target), only
 * through the admin client. The order of a run: check the targets, create the proxies that do not
 * exist (`setup.ts`), run `before` probes, play the timeline (with `continuous` and `during` probes
 * alongside), roll back (`rollback.ts`), run `after` probes, give the verdict (`verdict.ts`). The
 * rollback runs whatever happened — success, a failed probe, a failed step, `abort()` (signals,
 * API) — and every change carries a server-side lease (`leases.ts`), so even a runner killed
 * outright leaves nothing behind for long.
 *
 * Longer than 300 lines: the run's order is read in one place; each phase's work is in its own module.
 * @module
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { systemClock } from '../core/system-clock.js';
import { assertNever } from '../errors.js';
import { InstantActions } from './actions.js';
import { createJournal, type FleetPolicy, type Journal, type StopCause } from './journal.js';
import { RunLeases } from './leases.js';
import { Ledger } from './ledger.js';
import type { Plan, PlanOp } from './plan.js';
import { afterProbes, beforeProbes, FaultActivity, probeLoops, type ProbeContext } from './probe-schedule.js';
import { runCheck, type CheckRunner } from './probes.js';
import { recordRollback, removeCreatedProxies, revertFaults } from './rollback.js';
import { Fleet } from './fleet.js';
import { causeOf, describeError, StepFailure, type RunContext, type RunEvent, type Target } from './run-context.js';
import { preflight, refreshFleet, setupProxies, type Rediscover } from './setup.js';
import { StepActions } from './step-actions.js';
import { ToxicFaults } from './toxic-faults.js';
import { closeRecords, decideVerdict, type StopReason } from './verdict.js';

export type { RunEvent, ScenarioClient, Target } from './run-context.js';

/** Options for {@link ScenarioRun}. */
export interface RunOptions {
  plan: Plan;
  targets: readonly Target[];
  /** The scenario file, for the journal. */
  file?: string | undefined;
  /** Drives the timeline and probe intervals (default: the real clock). */
  clock?: Clock;
  /** Wall-clock time in ms, for `started_at` / `finished_at` (default `Date.now`). */
  now?: () => number;
  /** Runs probe checks (default: real HTTP, TCP and commands). */
  check?: CheckRunner;
  onEvent?: (event: RunEvent) => void;
  /** What the fleet does when targets fail: `all` (default) stops the run, `any` and `quorum` go on. */
  policy?: FleetPolicy;
  /** Looks the fleet up again before each step (targets found by discovery). */
  rediscover?: Rediscover;
}

/** One run of a plan. Create it, call {@link ScenarioRun.run} once, and {@link ScenarioRun.abort} to stop early. */
export class ScenarioRun {
  /** The live journal; read it at any time, never change it. */
  readonly journal: Journal;
  private readonly plan: Plan;
  private readonly fleet: Fleet<Target>;
  private readonly rediscover: Rediscover | undefined;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly check: CheckRunner;
  private readonly emit: (event: RunEvent) => void;
  private readonly ledger = new Ledger();
  /** Aborted when the run must stop early. */
  private readonly stopped = new AbortController();
  /** Aborted when the probes that run alongside the timeline must stop. */
  private readonly probesDone = new AbortController();
  private stopCause: StopReason | undefined;
  private started: Promise<Journal> | undefined;
  private runStart = 0;
  private t0 = 0;
  private timelineStarted = false;
  /** Faults in place; `during` probes wait for one. */
  private readonly activity = new FaultActivity(this.probesDone.signal);
  private readonly context: RunContext;
  private readonly leases: RunLeases;
  private readonly faults: ToxicFaults;
  private readonly probeContext: ProbeContext;
  private readonly actions: StepActions;

  constructor(options: RunOptions) {
    this.plan = options.plan;
    this.rediscover = options.rediscover;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? Date.now;
    this.check = options.check ?? runCheck;
    const listener = options.onEvent;
    this.emit = (event) => {
      if (this.journal.status !== 'finished') this.journal.elapsed_ms = this.elapsedMs;
      try {
        listener?.(event);
      } catch {
        // A broken view must not break the run.
      }
    };
    this.journal = createJournal(this.plan, { targets: [], file: options.file, policy: options.policy });
    this.fleet = new Fleet(options.policy ?? 'all', options.targets, {
      journal: this.journal,
      elapsedMs: () => this.elapsedMs,
      emit: (event) => this.emit(event),
      warn: (message) => this.warn(message),
    });
    this.context = {
      plan: this.plan,
      targets: this.fleet.members,
      fleet: this.fleet,
      journal: this.journal,
      ledger: this.ledger,
      activity: this.activity,
      servers: new Map(),
      elapsedMs: () => this.elapsedMs,
      sinceTimelineStart: () => this.clock.now() - this.t0,
      aborted: () => this.aborted,
      emit: (event) => this.emit(event),
      warn: (message) => this.warn(message),
    };
    this.leases = new RunLeases(this.context);
    this.faults = new ToxicFaults(this.context, this.leases);
    const proxyActions = new InstantActions({
      ledger: this.ledger,
      everywhere: (call) => this.fleet.everywhere(call, { counted: true }),
      markReverted: (record, by) => this.faults.markReverted(this.faults.stepOf(record), record, by),
      setActive: (delta) => this.activity.change(delta),
      changeLease: () => this.leases.untilEnd(),
      warn: (message) => this.warn(message),
      leaseKept: (target, requested, answer) => this.leases.kept(target, requested, answer),
    });
    this.actions = new StepActions(this.context, proxyActions, this.stopped.signal);
    this.probeContext = {
      probes: this.plan.probes,
      records: this.journal.probes,
      // Read at each call, so a check swapped in after construction (as tests do) is the one used.
      // A check that throws is a failed check: nothing a scenario says may end the process.
      check: async (check, signal) => {
        try {
          return await this.check(check, signal);
        } catch (err) {
          return { ok: false, ms: 0, detail: `the check could not run: ${describeError(err)}` };
        }
      },
      stopped: this.stopped.signal,
      probesDone: this.probesDone.signal,
      activity: this.activity,
      elapsedMs: () => this.elapsedMs,
      sleep: (ms, signal) => this.sleep(ms, signal),
      aborted: () => this.aborted,
      abort: (cause, reason) => this.abort(cause, reason),
      probed: (probe, changed) => this.emit({ type: 'probe', journal: this.journal, probe, changed }),
    };
  }

  /** Milliseconds since the start of the timeline (before it starts: since the run started, negative once known). */
  get elapsedMs(): number {
    return Math.round(this.clock.now() - (this.t0 || this.runStart));
  }

  /** Milliseconds since the start of the timeline; 0 until it starts (setup and `before` probes). */
  get timelineMs(): number {
    return this.timelineStarted ? Math.round(this.clock.now() - this.t0) : 0;
  }

  /** True once the run was told to stop early. */
  get aborted(): boolean {
    return this.stopCause !== undefined;
  }

  /** Stops the run: the timeline and probes stop, then the rollback runs. The first cause given wins. */
  abort(cause: StopCause, reason: string): void {
    if (this.stopCause) return;
    this.stopCause = { cause, reason };
    this.stopped.abort();
    this.probesDone.abort();
    this.activity.wake();
  }

  /** Runs the scenario to its end and resolves with the final journal. Never rejects. */
  run(): Promise<Journal> {
    this.started ??= this.execute();
    return this.started;
  }

  private async execute(): Promise<Journal> {
    this.runStart = this.clock.now();
    this.journal.started_at = new Date(this.now()).toISOString();
    this.setStatus('running');
    let loops: Promise<void>[] = [];
    try {
      await preflight(this.context);
      await setupProxies(this.context, this.leases);
      await beforeProbes(this.probeContext);
      if (!this.aborted) {
        this.startTimeline();
        loops = probeLoops(this.probeContext);
        await this.playTimeline();
      }
    } catch (err) {
      this.abort(causeOf(err), describeError(err));
    }
    this.probesDone.abort();
    this.activity.wake();
    await Promise.all(loops);
    this.journal.elapsed_ms = this.elapsedMs;

    this.setStatus('rolling_back');
    // A paused process is resumed and a rollback command runs whatever `rollback` says: neither
    // has a lease that would undo it later.
    await this.actions.rollback((action, error) => recordRollback(this.context, 'local', action, error));
    if (this.plan.rollback === 'always') {
      await revertFaults(this.context, this.faults);
      this.actions.proxiesRestored();
    }
    await this.actions.close();
    // `after` probes check the system without its faults but still wired through its proxies.
    const cancelled = this.stopCause !== undefined && ['signal', 'request', 'unreachable'].includes(this.stopCause.cause);
    if (!cancelled) await afterProbes(this.probeContext);
    if (this.plan.rollback === 'always') await removeCreatedProxies(this.context);
    closeRecords(this.journal);
    decideVerdict(this.journal, this.stopCause, (message) => this.warn(message), this.fleet);
    this.journal.elapsed_ms = this.elapsedMs;
    this.journal.finished_at = new Date(this.now()).toISOString();
    this.setStatus('finished');
    return this.journal;
  }

  private setStatus(status: Journal['status']): void {
    this.journal.status = status;
    this.emit({ type: 'status', journal: this.journal });
  }

  private warn(message: string): void {
    this.journal.warnings.push(message);
    this.emit({ type: 'warning', journal: this.journal, message });
  }

  // Timeline

  private startTimeline(): void {
    this.t0 = this.clock.now();
    this.timelineStarted = true;
    // Results of `before` probes were timed from the run start; shift them to the timeline's axis.
    const shift = Math.round(this.t0 - this.runStart);
    for (const probe of this.journal.probes) {
      for (const result of probe.results) result.at_ms -= shift;
      if (probe.failed_ms !== null) probe.failed_ms -= shift;
    }
  }

  /** Waits `ms` on the run's clock, or less when `signal` aborts. */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let handle: TimerHandle | undefined;
      const done = (): void => {
        if (handle !== undefined) this.clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        resolve();
      };
      handle = this.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  private async playTimeline(): Promise<void> {
    const signal = this.stopped.signal;
    for (const op of this.plan.ops) {
      await this.sleep(this.t0 + op.atMs - this.clock.now(), signal);
      if (signal.aborted) return;
      await this.perform(op);
    }
    await this.sleep(this.t0 + this.plan.durationMs - this.clock.now(), signal);
  }

  private async perform(op: PlanOp): Promise<void> {
    const step = this.journal.steps[op.step];
    const planned = this.plan.steps[op.step];
    if (!step || !planned) return;
    try {
      switch (op.op) {
        case 'begin':
          if (this.rediscover) await refreshFleet(this.context, this.leases, this.rediscover, op.atMs);
          step.status = 'running';
          step.started_ms = this.elapsedMs;
          this.emit({ type: 'step', journal: this.journal, step: op.step });
          return;
        case 'end':
          if (step.status === 'running') step.status = 'done';
          step.ended_ms = this.elapsedMs;
          this.emit({ type: 'step', journal: this.journal, step: op.step });
          return;
        case 'add-toxic':
          return await this.faults.add(op.step, planned.faults[op.fault], step.faults[op.fault]);
        case 'update-toxic':
          return await this.faults.update(op.step, step.faults[op.fault], op.attributes);
        case 'remove-toxic':
          return await this.faults.remove(op.step, step.faults[op.fault], 'runner');
        case 'action':
          return await this.actions.take(op.step, op.action);
        case 'revert-action':
          return await this.actions.revert(op.step, op.action);
        default:
          assertNever(op, 'plan operation');
      }
    } catch (err) {
      step.status = 'failed';
      step.error = describeError(err);
      this.emit({ type: 'step', journal: this.journal, step: op.step });
      throw new StepFailure(`step ${op.step + 1} (${planned.name ?? planned.label}): ${describeError(err)}`, causeOf(err));
    }
  }
}
