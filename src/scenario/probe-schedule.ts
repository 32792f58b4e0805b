/**
 * When a run's probes check: `before` probes ahead of the timeline and `after` probes once the
 * faults are gone, each until it passes or has failed `failAfter` times in a row; `continuous`
 * probes all along the timeline, and `during` probes only while a fault is in place. Checks start
 * every `interval` (a period, not a pause after each check); a check that runs past the next start
 * makes the starts it overlapped skipped, so a slow service is never checked twice at once.
 * @module
 */
import { addProbeResult, type ProbeRecord, type StopCause } from './journal.js';
import type { CheckRunner } from './probes.js';
import type { PlanProbe } from './plan.js';

/** What the probe schedule needs from its run. */
export interface ProbeContext {
  /** The plan's probes, and their journal records at the same indexes. */
  readonly probes: readonly PlanProbe[];
  readonly records: readonly ProbeRecord[];
  readonly check: CheckRunner;
  /** Aborted when the run must stop early. */
  readonly stopped: AbortSignal;
  /** Aborted when the probes that run alongside the timeline must stop. */
  readonly probesDone: AbortSignal;
  readonly activity: FaultActivity;
  elapsedMs(): number;
  /** Waits `ms` on the run's clock, or less when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  aborted(): boolean;
  abort(cause: StopCause, reason: string): void;
  /** Reports a new result of `record`; `changed` when its status changed. */
  probed(record: ProbeRecord, changed: boolean): void;
}

/** How many faults are in place, so that `during` probes can idle while there are none. */
export class FaultActivity {
  private activeFaults = 0;
  private readonly waiters = new Set<() => void>();

  /** `probesDone`: aborted when the probes that run alongside the timeline must stop. */
  constructor(private readonly probesDone: AbortSignal) {}

  get active(): number {
    return this.activeFaults;
  }

  /** Adds `delta` to the count of active faults (never below 0) and wakes the waiters. */
  change(delta: number): void {
    this.activeFaults = Math.max(0, this.activeFaults + delta);
    this.wake();
  }

  /** Resolves when the number of active faults changes or probes stop. */
  untilChange(): Promise<void> {
    if (this.probesDone.aborted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** Waits until the next start of a check on a grid `intervalMs` apart from `first`, skipping starts already past. */
function untilNextStart(ctx: ProbeContext, first: number, intervalMs: number, signal: AbortSignal): Promise<void> {
  const now = ctx.elapsedMs();
  const due = first + Math.max(1, Math.floor((now - first) / intervalMs) + 1) * intervalMs;
  return ctx.sleep(due - now, signal);
}

/** Runs a probe until it passes, at most `failAfter` times; true when it passed. */
async function attempts(ctx: ProbeContext, probe: PlanProbe, record: ProbeRecord, signal: AbortSignal): Promise<boolean> {
  const first = ctx.elapsedMs();
  for (let attempt = 1; attempt <= probe.failAfter; attempt++) {
    const outcome = await ctx.check(probe.check, signal);
    if (signal.aborted) return true;
    addProbeResult(record, { at_ms: ctx.elapsedMs(), ...outcome });
    if (outcome.ok) {
      record.status = 'passing';
      ctx.probed(record, true);
      return true;
    }
    if (attempt === probe.failAfter) {
      record.status = 'failed';
      record.failed_ms = ctx.elapsedMs();
      ctx.probed(record, true);
      return false;
    }
    ctx.probed(record, false);
    await untilNextStart(ctx, first, probe.intervalMs, signal);
  }
  return false;
}

/** Runs the `before` probes; when one fails, the run is aborted before any fault. */
export async function beforeProbes(ctx: ProbeContext): Promise<void> {
  const results = await Promise.all(
    ctx.probes.map(async (probe, i) => {
      const record = ctx.records[i];
      if (probe.mode !== 'before' || !record) return undefined;
      return (await attempts(ctx, probe, record, ctx.stopped)) ? undefined : record;
    }),
  );
  const failed = results.find((r) => r !== undefined);
  if (failed && !ctx.aborted()) {
    const last = failed.results[failed.results.length - 1];
    ctx.abort('probe', `probe ${failed.name} failed before the run, so no fault was injected${last ? `: ${last.detail}` : ''}`);
  }
}

/** Runs the `after` probes to their end, whether or not the run was stopped. */
export async function afterProbes(ctx: ProbeContext): Promise<void> {
  const done = new AbortController();
  await Promise.all(
    ctx.probes.map(async (probe, i) => {
      const record = ctx.records[i];
      if (probe.mode === 'after' && record) await attempts(ctx, probe, record, done.signal);
    }),
  );
}

/** Starts the `continuous` and `during` probes; each promise settles once `probesDone` aborts. */
export function probeLoops(ctx: ProbeContext): Promise<void>[] {
  return ctx.probes.flatMap((p, i) => (p.mode === 'continuous' || p.mode === 'during' ? [probeLoop(ctx, p, ctx.records[i])] : []));
}

async function probeLoop(ctx: ProbeContext, probe: PlanProbe, record: ProbeRecord | undefined): Promise<void> {
  if (!record) return;
  const signal = ctx.probesDone;
  let consecutive = 0;
  /** The start of the current grid of checks: reset when a `during` probe resumes. */
  let first: number | undefined;
  while (!signal.aborted) {
    if (probe.mode === 'during' && ctx.activity.active === 0) {
      first = undefined;
      await ctx.activity.untilChange();
      continue;
    }
    first ??= ctx.elapsedMs();
    const outcome = await ctx.check(probe.check, signal);
    if (signal.aborted) break;
    addProbeResult(record, { at_ms: ctx.elapsedMs(), ...outcome });
    let changed = false;
    if (outcome.ok) {
      consecutive = 0;
      if (record.status === 'pending') {
        record.status = 'passing';
        changed = true;
      }
    } else if (++consecutive >= probe.failAfter && record.status !== 'failed') {
      record.status = 'failed';
      record.failed_ms = ctx.elapsedMs();
      changed = true;
    }
    ctx.probed(record, changed);
    if (changed && record.status === 'failed' && probe.abortOnFailure) {
      ctx.abort('probe', `probe ${probe.name} failed ${consecutive} time${consecutive > 1 ? 's' : ''} in a row: ${outcome.detail}`);
      break;
    }
    await untilNextStart(ctx, first, probe.intervalMs, signal);
  }
}
