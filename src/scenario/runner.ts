/**
 * Running a plan against one or more admin APIs (a fleet: the same faults on every target), only
 * through the admin client. The order of a run: check the targets, create the proxies that do not
 * exist, run `before` probes, play the timeline (with `continuous` and `during` probes alongside),
 * roll back, run `after` probes, give the verdict. The rollback runs whatever happened — success,
 * a failed probe, a failed step, `abort()` (signals, API) — and every change carries a server-side
 * lease (toxics, actions on proxies, the proxies it creates), so even a runner killed outright
 * leaves nothing behind for long.
 * @module
 */
import { AdminClientError, type AdminClient, type ToxicCreate } from '../api/client.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { assertNever } from '../errors.js';
import { InstantActions, isNotFound, proxyState } from './actions.js';
import { createJournal, type FaultRecord, type Journal, type ProbeRecord, type RevertedBy, type RollbackRecord, type StopCause } from './journal.js';
import { Ledger } from './ledger.js';
import { afterProbes, beforeProbes, FaultActivity, probeLoops, type ProbeContext } from './probe-schedule.js';
import { runCheck, type CheckRunner } from './probes.js';
import type { Plan, PlanFault, PlanOp } from './plan.js';

/** The admin API calls a run makes; an {@link AdminClient} has them all. */
export type ScenarioClient = Pick<
  AdminClient,
  'version' | 'info' | 'proxies' | 'proxy' | 'createProxy' | 'updateProxy' | 'deleteProxy' | 'toxics' | 'addToxic' | 'updateToxic' | 'removeToxic' | 'connections' | 'closeConnection'
>;

/** One server a run acts on. */
export interface Target {
  /** Its admin API URL, as journals and messages show it. */
  url: string;
  client: ScenarioClient;
}

/** What a run reports as it goes; the journal holds the full state. */
export type RunEvent =
  | { type: 'status'; journal: Journal }
  | { type: 'step'; journal: Journal; step: number }
  | { type: 'fault'; journal: Journal; step: number; fault: FaultRecord; change: 'applied' | 'updated' | 'reverted' }
  | { type: 'probe'; journal: Journal; probe: ProbeRecord; changed: boolean }
  | { type: 'rollback'; journal: Journal; record: RollbackRecord }
  | { type: 'warning'; journal: Journal; message: string };

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
}

/** A step could not be carried out; the run stops and rolls back. */
class StepFailure extends Error {
  override readonly name = 'StepFailure';

  constructor(
    message: string,
    readonly stopCause: StopCause,
  ) {
    super(message);
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function causeOf(err: unknown): StopCause {
  if (err instanceof StepFailure) return err.stopCause;
  return err instanceof AdminClientError && err.unreachable ? 'unreachable' : 'step';
}

/** One run of a plan. Create it, call {@link ScenarioRun.run} once, and {@link ScenarioRun.abort} to stop early. */
export class ScenarioRun {
  /** The live journal; read it at any time, never change it. */
  readonly journal: Journal;
  private readonly plan: Plan;
  private readonly targets: readonly Target[];
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly check: CheckRunner;
  private readonly emit: (event: RunEvent) => void;
  private readonly ledger = new Ledger();
  /** Aborted when the run must stop early. */
  private readonly stopped = new AbortController();
  /** Aborted when the probes that run alongside the timeline must stop. */
  private readonly probesDone = new AbortController();
  private stopCause: { cause: StopCause; reason: string } | undefined;
  private started: Promise<Journal> | undefined;
  private runStart = 0;
  private t0 = 0;
  /** Faults in place; `during` probes wait for one. */
  private readonly activity = new FaultActivity(this.probesDone.signal);
  private readonly leaseWarned = new Set<string>();
  /** What each target said it is at preflight (`Faultline 0.1.0`, `Toxiproxy 2.12.0`), by URL. */
  private readonly servers = new Map<string, string>();
  private readonly probeContext: ProbeContext;
  private readonly actions = new InstantActions({
    ledger: this.ledger,
    everywhere: (call) => this.everywhere(call),
    markReverted: (record, by) => this.markReverted(this.stepOf(record), record, by),
    setActive: (delta) => this.activity.change(delta),
    changeLease: () => this.untilEndLease(),
    leaseKept: (target, requested, answer) => this.leaseKept(target, requested, answer),
  });

  constructor(options: RunOptions) {
    this.plan = options.plan;
    this.targets = options.targets;
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
    this.journal = createJournal(this.plan, { targets: this.targets.map((t) => t.url), file: options.file });
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
      await this.preflight();
      await this.setupProxies();
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
    if (this.plan.rollback === 'always') await this.revertFaults();
    // `after` probes check the system without its faults but still wired through its proxies.
    const cancelled = this.stopCause !== undefined && ['signal', 'request', 'unreachable'].includes(this.stopCause.cause);
    if (!cancelled) await afterProbes(this.probeContext);
    if (this.plan.rollback === 'always') await this.removeCreatedProxies();
    for (const probe of this.journal.probes) if (probe.status === 'pending') probe.status = 'not_run';
    for (const step of this.journal.steps) {
      if (step.status === 'running') step.status = 'aborted';
      else if (step.status === 'pending') step.status = 'skipped';
    }
    this.decide();
    this.journal.elapsed_ms = this.elapsedMs;
    this.journal.finished_at = new Date(this.now()).toISOString();
    this.setStatus('finished');
    return this.journal;
  }

  private decide(): void {
    const failedRollback = this.journal.rollback.filter((r) => !r.ok).length;
    if (this.stopCause) {
      this.journal.verdict = 'aborted';
      this.journal.cause = this.stopCause.cause;
      this.journal.reason = this.stopCause.reason;
    } else {
      const failed = this.journal.probes.find((p) => p.status === 'failed');
      if (failed) {
        const last = [...failed.results].reverse().find((r) => !r.ok);
        this.journal.verdict = 'failed';
        this.journal.cause = 'probe';
        this.journal.reason = `probe ${failed.name} failed${last ? `: ${last.detail}` : ''}`;
      } else if (failedRollback > 0) {
        this.journal.verdict = 'failed';
        this.journal.cause = 'step';
        this.journal.reason = `the rollback could not undo everything (${failedRollback} action${failedRollback > 1 ? 's' : ''} failed)`;
      } else {
        this.journal.verdict = 'passed';
      }
    }
    if (failedRollback > 0) this.warn(`${failedRollback} rollback action${failedRollback > 1 ? 's' : ''} failed; leased faults still expire on their servers`);
  }

  private setStatus(status: Journal['status']): void {
    this.journal.status = status;
    this.emit({ type: 'status', journal: this.journal });
  }

  private warn(message: string): void {
    this.journal.warnings.push(message);
    this.emit({ type: 'warning', journal: this.journal, message });
  }

  // Setup

  /** Checks every target answers, and learns whether it is Faultline or Toxiproxy (no `/faultline/info`). */
  private async preflight(): Promise<void> {
    await Promise.all(
      this.targets.map(async (target) => {
        try {
          const info = await target.client.info().catch((err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw err;
          });
          const server = info ? `Faultline ${info.version}` : `Toxiproxy ${(await target.client.version()).version}`;
          this.servers.set(target.url, server);
        } catch (err) {
          throw new StepFailure(`target ${target.url}: ${describeError(err)}`, causeOf(err));
        }
      }),
    );
  }

  private async setupProxies(): Promise<void> {
    for (const target of this.targets) {
      let existing: Record<string, { listen: string; upstream: string }>;
      try {
        existing = await target.client.proxies();
      } catch (err) {
        throw new StepFailure(`target ${target.url}: listing proxies: ${describeError(err)}`, causeOf(err));
      }
      for (const proxy of this.plan.proxies) {
        if (this.aborted) return;
        const found = existing[proxy.name];
        if (found) {
          this.journal.proxies.push({ name: proxy.name, target: target.url, created: false, kept: false, listen: found.listen });
          if (proxy.upstream !== undefined && proxy.upstream !== found.upstream) {
            this.warn(`proxy ${proxy.name} on ${target.url} already exists with upstream ${found.upstream}; it is used as it is, not pointed at ${proxy.upstream}`);
          }
          continue;
        }
        if (proxy.upstream === undefined) {
          throw new StepFailure(`proxy ${proxy.name} does not exist on ${target.url}, and the scenario gives no upstream to create it with`, 'step');
        }
        try {
          const lease = this.creationLease(proxy.keep);
          const created = await target.client.createProxy({
            name: proxy.name,
            listen: proxy.listen ?? '127.0.0.1:0',
            upstream: proxy.upstream,
            enabled: true,
            ...(proxy.protocol !== undefined ? { protocol: proxy.protocol } : {}),
            ...(lease === null ? {} : { expires_in: lease }),
          });
          this.leaseKept(target.url, lease, created);
          this.ledger.created.push({ target: target.url, proxy: proxy.name, keep: proxy.keep });
          this.journal.proxies.push({ name: proxy.name, target: target.url, created: true, kept: proxy.keep, listen: created.listen });
        } catch (err) {
          throw new StepFailure(`creating proxy ${proxy.name} on ${target.url}: ${describeError(err)}`, causeOf(err));
        }
      }
    }
  }

  // Timeline

  private startTimeline(): void {
    this.t0 = this.clock.now();
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
          return await this.addToxic(op.step, planned.faults[op.fault], step.faults[op.fault]);
        case 'update-toxic':
          return await this.updateToxic(op.step, step.faults[op.fault], op.attributes);
        case 'remove-toxic':
          return await this.removeToxic(op.step, step.faults[op.fault], 'runner');
        case 'action':
          if (planned.action) await this.actions.act(planned.action);
          return;
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

  /** Runs `call` on every target at once; the first failure is thrown once all have answered. */
  private async everywhere(call: (target: Target) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.targets.map(call));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private leaseFor(fault: PlanFault): number | null {
    const elapsed = this.clock.now() - this.t0;
    if (fault.endMs !== null) return Math.max(1, Math.round(fault.endMs - elapsed));
    return this.untilEndLease();
  }

  /** The lease of a change held until the end of the timeline, or null when the run leaves its changes. */
  private untilEndLease(): number | null {
    if (this.plan.rollback !== 'always') return null;
    const elapsed = this.clock.now() - this.t0;
    return Math.max(1, Math.round(this.plan.durationMs - elapsed + this.plan.leaseGraceMs));
  }

  /**
   * The lease of a proxy the run creates: it is deleted after the `after` probes, so its lease
   * covers the longest the `before` probes, the timeline and the `after` probes can take.
   */
  private creationLease(keep: boolean): number | null {
    if (keep || this.plan.rollback !== 'always') return null;
    const probing = (mode: string): number =>
      Math.max(0, ...this.plan.probes.filter((p) => p.mode === mode).map((p) => p.failAfter * (p.check.timeoutMs + p.intervalMs)));
    return Math.round(probing('before') + this.plan.durationMs + probing('after') + this.plan.leaseGraceMs);
  }

  /** Warns once per target that answers a leased request without a lease (not a Faultline server). */
  private leaseKept(target: string, requested: number | null, answer: { expires_in?: number }): void {
    if (requested === null || answer.expires_in !== undefined || this.leaseWarned.has(target)) return;
    this.leaseWarned.add(target);
    const server = this.servers.get(target) ?? 'the server';
    this.warn(`${target} (${server}) does not keep leases: its faults go away only when this run removes them`);
  }

  private async addToxic(stepIndex: number, fault: PlanFault | undefined, record: FaultRecord | undefined): Promise<void> {
    if (!fault || !record) return;
    const lease = this.leaseFor(fault);
    const body: ToxicCreate = { ...fault.toxic, attributes: { ...fault.toxic.attributes }, ...(lease === null ? {} : { expires_in: lease }) };
    record.lease_ms = lease;
    await this.everywhere(async (target) => {
      try {
        const answer = await target.client.addToxic(fault.proxy, body);
        this.ledger.addToxic(target.url, fault.proxy, fault.toxic.name, record);
        this.leaseKept(target.url, lease, answer);
      } catch (err) {
        throw new Error(`adding toxic ${fault.toxic.name} to proxy ${fault.proxy} on ${target.url}: ${describeError(err)}`, { cause: err });
      }
    });
    record.applied_ms = this.elapsedMs;
    this.activity.change(1);
    this.emit({ type: 'fault', journal: this.journal, step: stepIndex, fault: record, change: 'applied' });
  }

  /**
   * Updates a fault on every target. A toxic already gone is not an error: when the run is behind
   * its schedule the server's lease may have ended it first, or someone removed it by hand.
   */
  private async updateToxic(stepIndex: number, record: FaultRecord | undefined, attributes: Record<string, unknown>): Promise<void> {
    if (!record) return;
    const live = this.ledger.liveToxics(record);
    if (live.length === 0) return;
    let gone = false;
    await this.everywhere(async (target) => {
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
    (record.updates ??= []).push({ at_ms: this.elapsedMs, attributes });
    this.emit({ type: 'fault', journal: this.journal, step: stepIndex, fault: record, change: 'updated' });
    if (gone) {
      const expired = record.planned_end_ms !== null && this.elapsedMs >= record.planned_end_ms - 1;
      if (!expired) this.warn(`toxic ${record.toxic} on ${record.proxy} was removed outside this run before its end`);
      this.markReverted(stepIndex, record, expired ? 'lease' : 'external');
    }
  }

  /** Removes a fault from every target; a toxic already gone (its lease ran out) counts as removed. */
  private async removeToxic(stepIndex: number, record: FaultRecord | undefined, by: RevertedBy): Promise<void> {
    if (!record) return;
    const live = this.ledger.liveToxics(record);
    if (live.length === 0) return;
    let expired = false;
    await this.everywhere(async (target) => {
      for (const toxic of live.filter((t) => t.target === target.url)) {
        try {
          await target.client.removeToxic(toxic.proxy, toxic.name);
        } catch (err) {
          if (!isNotFound(err)) {
            throw new Error(`removing toxic ${toxic.name} from proxy ${toxic.proxy} on ${target.url}: ${describeError(err)}`, { cause: err });
          }
          expired = true;
        }
        toxic.reverted = true;
      }
    });
    this.markReverted(stepIndex, record, expired && by === 'runner' ? 'lease' : by);
  }

  /** The index of the step that applied `record`. */
  private stepOf(record: FaultRecord): number {
    return this.journal.steps.findIndex((s) => s.faults.includes(record));
  }

  private markReverted(stepIndex: number, record: FaultRecord, by: RevertedBy): void {
    if (record.reverted_ms !== null || this.ledger.liveToxics(record).length > 0) return;
    record.reverted_ms = this.elapsedMs;
    record.reverted_by = by;
    this.activity.change(-1);
    this.emit({ type: 'fault', journal: this.journal, step: stepIndex, fault: record, change: 'reverted' });
  }

  // Rollback

  private record(target: string, action: string, error?: unknown): void {
    const record: RollbackRecord = { at_ms: this.elapsedMs, target, action, ok: error === undefined, ...(error === undefined ? {} : { error: describeError(error) }) };
    this.journal.rollback.push(record);
    this.emit({ type: 'rollback', journal: this.journal, record });
  }

  private clientOf(url: string): ScenarioClient | undefined {
    return this.targets.find((t) => t.url === url)?.client;
  }

  /** Removes every toxic still in place and restores every proxy an action changed. */
  private async revertFaults(): Promise<void> {
    for (const toxic of [...this.ledger.toxics].reverse()) {
      if (toxic.reverted) continue;
      const client = this.clientOf(toxic.target);
      const action = `remove toxic ${toxic.name} from proxy ${toxic.proxy}`;
      try {
        await client?.removeToxic(toxic.proxy, toxic.name);
        this.record(toxic.target, action);
      } catch (err) {
        if (isNotFound(err)) this.record(toxic.target, `${action} (already gone)`);
        else {
          this.record(toxic.target, action, err);
          continue;
        }
      }
      toxic.reverted = true;
      this.markReverted(this.stepOf(toxic.record), toxic.record, 'rollback');
    }

    for (const { target, proxy, state } of [...this.ledger.snapshots.values()].reverse()) {
      const client = this.clientOf(target);
      if (!client) continue;
      try {
        const now = await proxyState(client, proxy);
        const patch = {
          ...(now.listen !== state.listen ? { listen: state.listen } : {}),
          ...(now.upstream !== state.upstream ? { upstream: state.upstream } : {}),
          ...(now.enabled !== state.enabled ? { enabled: state.enabled } : {}),
        };
        if (Object.keys(patch).length === 0) continue;
        await client.updateProxy(proxy, patch);
        this.record(target, `restore proxy ${proxy} (${Object.entries(patch).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`);
      } catch (err) {
        if (isNotFound(err)) continue;
        this.record(target, `restore proxy ${proxy}`, err);
      }
    }
    const down = this.ledger.downProxies;
    this.ledger.clearDown();
    this.activity.change(-down);
  }

  /** Deletes the proxies the run created, except those with `keep: true`. */
  private async removeCreatedProxies(): Promise<void> {
    for (const created of [...this.ledger.created].reverse()) {
      if (created.keep) {
        this.record(created.target, `keep proxy ${created.proxy} (keep: true)`);
        continue;
      }
      try {
        await this.clientOf(created.target)?.deleteProxy(created.proxy);
        this.record(created.target, `delete proxy ${created.proxy}`);
      } catch (err) {
        if (isNotFound(err)) this.record(created.target, `delete proxy ${created.proxy} (already gone)`);
        else this.record(created.target, `delete proxy ${created.proxy}`, err);
      }
    }
  }
}
