/**
 * Resolving a parsed scenario into a plan: every step placed on one time axis (`at` from the start,
 * `after` from the end of the previous step), every fault with its start and end, monkeys expanded
 * into their seeded schedules, ramps into their updates, and one sorted list of operations for the
 * runner. The checks that need the whole file are made on the way (`plan-checks.ts`), and every
 * mistake is reported at once. Pure: no I/O, no clock.
 * @module
 */
import { assertNever } from '../errors.js';
import { counted } from '../text/counted.js';
import { formatDuration } from './duration.js';
import { checkLabel, toxicLabel } from './labels.js';
import { envelope, monkeyFaultName, type Placing, placeMonkey, type Scale, stepAction } from './place-faults.js';
import { defaultRampSteps, rampLength, rampValue } from './ramp-values.js';
import { checkDeclarations, checkOverlaps, checkStep } from './plan-checks.js';
import { PlanSize } from './plan-size.js';
import { END_LEASE_GRACE_MS, PlanError } from './plan.js';
import type { Plan, PlanIssue, PlanOp, PlanOptions, PlanStep, ProbeCheck } from './plan.js';
import type { Probe, Scenario, Step, StepOf } from './schema.js';

function probeCheck(probe: Probe): ProbeCheck {
  if (probe.http) {
    const status = probe.http.status === undefined ? null : Array.isArray(probe.http.status) ? probe.http.status : [probe.http.status];
    return {
      kind: 'http',
      url: probe.http.url,
      method: probe.http.method.toUpperCase(),
      headers: probe.http.headers ?? {},
      ...(probe.http.body !== undefined ? { body: probe.http.body } : {}),
      status,
      ...(probe.http.match !== undefined ? { match: probe.http.match } : {}),
      timeoutMs: probe.http.timeout,
    };
  }
  if (probe.tcp) return { kind: 'tcp', address: probe.tcp.address, timeoutMs: probe.tcp.timeout };
  const exec = probe.exec;
  if (!exec) throw new Error(`probe ${probe.name} has no check`);
  return { kind: 'exec', command: exec.command, timeoutMs: exec.timeout };
}

/**
 * At one moment: removals first (a toxic may be re-added under its name), then the ends of steps
 * that began before (their work is done, whatever the steps starting now do), then starts, changes,
 * and the ends of steps that begin and end at this moment.
 */
const OP_ORDER: Record<PlanOp['op'], number> = {
  'remove-toxic': 0,
  'revert-action': 0,
  begin: 2,
  action: 3,
  'add-toxic': 3,
  'update-toxic': 3,
  end: 4,
};
/** The rank of the end of a step that began before the moment it ends. */
const EARLIER_STEP_END = 1;

/** The rank of a ramp's last update at the moment its toxic is removed: the value is reached first. */
const FINAL_UPDATE = -1;

function rank(op: PlanOp, steps: readonly PlanStep[]): number {
  if (op.op === 'end' && (steps[op.step]?.startMs ?? op.atMs) < op.atMs) return EARLIER_STEP_END;
  if (op.op === 'update-toxic' && steps[op.step]?.faults[op.fault]?.endMs === op.atMs) return FINAL_UPDATE;
  return OP_ORDER[op.op];
}

/** How long a step takes on the axis, unscaled. */
function spanOf(s: Step): number {
  switch (s.kind) {
    case 'toxic':
      return s.for ?? 0;
    case 'action':
    case 'exec':
      return s.for ?? 0;
    case 'ramp':
      return s.for ?? s.ramp.over;
    case 'monkey':
      return s.for;
    case 'wait':
      return s.wait;
    default:
      return assertNever(s, 'step');
  }
}

/** The step as a ramp, when it is one. */
function rampOf(s: Step): StepOf<'ramp'> | undefined {
  switch (s.kind) {
    case 'ramp':
      return s;
    case 'toxic':
    case 'action':
    case 'monkey':
    case 'wait':
    case 'exec':
      return undefined;
    default:
      return assertNever(s, 'step');
  }
}

/** How many updates a step's ramp makes (0 for other kinds). */
function rampUpdatesOf(s: Step): number {
  const ramp = rampOf(s)?.ramp;
  return ramp ? (ramp.steps ?? defaultRampSteps(ramp.over)) : 0;
}

/** One step on the axis, with its faults and label; `cut` when its monkey hit the fault limit. */
function placeStep(s: Step, p: Placing): { planned: PlanStep; cut: boolean } {
  const { at, length } = p.scale;
  const planned: PlanStep = {
    index: p.index,
    kind: s.kind,
    ...(s.name !== undefined ? { name: s.name } : {}),
    label: '',
    startMs: at(p.start),
    endMs: at(p.start) + length(p.end - p.start),
    faults: [],
  };
  let cut = false;
  switch (s.kind) {
    case 'toxic': {
      const toxic = envelope(s.toxic);
      planned.faults.push({ proxy: s.toxic.proxy, toxic, startMs: planned.startMs, endMs: s.for === undefined ? null : planned.endMs });
      planned.label = `${toxicLabel(s.toxic.proxy, toxic)}${s.for === undefined ? ' until the end' : ` for ${formatDuration(planned.endMs - planned.startMs)}`}`;
      break;
    }
    case 'action':
      planned.actions = [stepAction(s.action, planned, s.for !== undefined)];
      planned.label = planned.actions[0]?.label ?? '';
      break;
    case 'exec':
      planned.actions = [stepAction({ type: 'exec', ...s.exec }, planned, s.for !== undefined)];
      planned.label = planned.actions[0]?.label ?? '';
      break;
    case 'ramp': {
      const ramp = s.ramp;
      const toxic = envelope(ramp);
      toxic.attributes[ramp.attribute] = ramp.from;
      planned.faults.push({ proxy: ramp.proxy, toxic, startMs: planned.startMs, endMs: s.for === undefined ? null : planned.endMs });
      planned.label = `ramp ${ramp.type}.${ramp.attribute} on ${ramp.proxy} (${ramp.stream}) ${ramp.from} → ${ramp.to} over ${formatDuration(length(ramp.over))}${s.for === undefined ? ', held until the end' : `, held ${formatDuration(planned.endMs - planned.startMs)}`}`;
      break;
    }
    case 'monkey':
      cut = placeMonkey(s, planned, p);
      planned.label = `monkey on ${s.monkey.proxies.join(', ')}: ${counted(planned.faults.length + (planned.actions?.length ?? 0), 'injection')} of ${s.monkey.faults.map(monkeyFaultName).join(', ')} over ${formatDuration(planned.endMs - planned.startMs)}`;
      break;
    case 'wait':
      planned.label = `wait ${formatDuration(planned.endMs - planned.startMs)}`;
      break;
    default:
      assertNever(s, 'step');
  }
  return { planned, cut };
}

/**
 * Resolves `scenario` into a {@link Plan}.
 * @throws {PlanError} listing every mistake, each with its path in the file.
 */
export function resolvePlan(scenario: Scenario, options: PlanOptions): Plan {
  const factor = options.timeScale ?? 1;
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`time scale must be a number above 0, got ${factor}`);
  const scale: Scale = {
    at: (ms) => Math.round(ms * factor),
    length: (ms) => (ms > 0 ? Math.max(1, Math.round(ms * factor)) : 0),
  };
  const issues: PlanIssue[] = [];
  checkDeclarations(scenario, issues);
  const declared = new Map(scenario.proxies.map((p) => [p.name, p]));

  const steps: PlanStep[] = [];
  const size = new PlanSize();
  let previousEnd = 0;
  for (const [index, s] of scenario.steps.entries()) {
    const start = s.at ?? previousEnd + (s.after ?? 0);
    checkStep(s, index, { start, previousEnd }, declared, issues);
    const end = start + spanOf(s);
    previousEnd = end;
    const { planned, cut } = placeStep(s, { index, start, end, scale, seed: options.seed, faultsBefore: size.faultCount, issues });
    steps.push(planned);
    if (!size.admit(planned, rampUpdatesOf(s), cut, issues)) break;
  }

  const durationMs = Math.max(0, ...steps.map((s) => s.endMs));
  checkOverlaps(steps, durationMs, issues);
  if (issues.length > 0) throw new PlanError(issues);

  return {
    name: scenario.name,
    ...(scenario.description !== undefined ? { description: scenario.description } : {}),
    seed: options.seed,
    timeScale: factor,
    durationMs,
    leaseGraceMs: END_LEASE_GRACE_MS,
    rollback: scenario.rollback,
    proxies: scenario.proxies,
    probes: scenario.probes.map((p) => {
      const check = probeCheck(p);
      return {
        name: p.name,
        mode: p.mode,
        intervalMs: scale.length(p.interval),
        failAfter: p.fail_after,
        abortOnFailure: p.abort_on_failure,
        check,
        label: checkLabel(check),
      };
    }),
    steps,
    ops: operations(scenario.steps, steps),
  };
}

/** The sorted operations of the run. */
function operations(source: readonly Step[], steps: readonly PlanStep[]): PlanOp[] {
  const ops: PlanOp[] = [];
  for (const step of steps) {
    ops.push({ op: 'begin', atMs: step.startMs, step: step.index });
    step.actions?.forEach((action, i) => {
      ops.push({ op: 'action', atMs: action.startMs, step: step.index, action: i });
      if (action.endMs !== null) ops.push({ op: 'revert-action', atMs: action.endMs, step: step.index, action: i });
    });
    step.faults.forEach((fault, i) => {
      ops.push({ op: 'add-toxic', atMs: fault.startMs, step: step.index, fault: i });
      if (fault.endMs !== null) ops.push({ op: 'remove-toxic', atMs: fault.endMs, step: step.index, fault: i });
    });
    const s = source[step.index];
    const rampStep = s && rampOf(s);
    if (rampStep) {
      const ramp = rampStep.ramp;
      const count = ramp.steps ?? defaultRampSteps(ramp.over);
      const over = rampLength(step, rampStep);
      const until = step.faults[0]?.endMs ?? null;
      for (let k = 1; k <= count; k++) {
        const atMs = step.startMs + Math.round((over * k) / count);
        // `for` is at least `over`, so the last value lands at the latest as the toxic is removed
        // (then just before it); only rounding of a scaled axis could put an update after it.
        if (until !== null && atMs > until) break;
        ops.push({
          op: 'update-toxic',
          atMs,
          step: step.index,
          fault: 0,
          attributes: { ...(ramp.attributes ?? {}), [ramp.attribute]: rampValue(ramp.from, ramp.to, k, count) },
        });
      }
    }
    ops.push({ op: 'end', atMs: step.endMs, step: step.index });
  }
  const order = new Map(ops.map((op, i) => [op, i]));
  return ops.sort((a, b) => a.atMs - b.atMs || rank(a, steps) - rank(b, steps) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
}
