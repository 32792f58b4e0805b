/**
 * Resolving a parsed scenario into a plan: every step placed on one time axis (`at` from the start,
 * `after` from the end of the previous step), every fault with its start and end, monkeys expanded
 * into their seeded schedules, ramps into their updates, and one sorted list of operations for the
 * runner. Also the checks that need the whole file: proxies that are not declared, steps before 0,
 * two toxics of one name on one proxy at the same time, ramp attributes, monkey schedules.
 * Pure: no I/O, no clock.
 * @module
 */
import { getToxicDefinition } from '../toxics/registry.js';
import { formatDuration } from './duration.js';
import type { ValuePath } from './interpolate.js';
import { MAX_SCENARIO_FAULTS, MAX_SCENARIO_RAMP_UPDATES } from '../limits.js';
import { MAX_INJECTIONS, monkeySchedule } from './monkey.js';
import {
  stepKind,
  type Action,
  type Probe,
  type ProbeMode,
  type Scenario,
  type ScenarioProxy,
  type Step,
  type StepKind,
} from './schema.js';

/** How long a fault held "until the end" outlives the planned end on the server, should the runner die. */
export const END_LEASE_GRACE_MS = 30_000;

/** A toxic as the runner sends it: the API envelope with its name resolved. */
export interface ToxicEnvelope {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  /** The attributes as written in the file (the server fills in defaults). */
  attributes: Record<string, unknown>;
}

/** One fault of a step: a toxic on a proxy from `startMs` to `endMs` (null: until the end of the run). */
export interface PlanFault {
  proxy: string;
  toxic: ToxicEnvelope;
  startMs: number;
  endMs: number | null;
}

/** A step placed on the time axis. */
export interface PlanStep {
  index: number;
  kind: StepKind;
  /** The step's `name`, when it has one. */
  name?: string;
  /** What the step does, for people. */
  label: string;
  startMs: number;
  /** When the step is over for `after`: start + its `for`, `over`, `wait` (or the start, for instants). */
  endMs: number;
  /** The toxics it applies (a monkey: one per injection). */
  faults: PlanFault[];
  /** The action it runs, for action steps. */
  action?: Action;
}

/** What a probe checks. */
export type ProbeCheck =
  | {
      kind: 'http';
      url: string;
      method: string;
      headers: Record<string, string>;
      body?: string;
      /** Accepted status codes; null: any 2xx. */
      status: number[] | null;
      match?: string;
      timeoutMs: number;
    }
  | { kind: 'tcp'; address: string; timeoutMs: number }
  | { kind: 'exec'; command: string | string[]; timeoutMs: number };

/** A probe with its timing resolved. */
export interface PlanProbe {
  name: string;
  mode: ProbeMode;
  intervalMs: number;
  failAfter: number;
  abortOnFailure: boolean;
  check: ProbeCheck;
  /** What it checks, for people (`GET http://…`, `tcp 127.0.0.1:80`). */
  label: string;
}

/** One thing the runner does at a moment of the run. */
export type PlanOp =
  | { op: 'begin'; atMs: number; step: number }
  | { op: 'end'; atMs: number; step: number }
  | { op: 'add-toxic'; atMs: number; step: number; fault: number }
  | { op: 'update-toxic'; atMs: number; step: number; fault: number; attributes: Record<string, unknown> }
  | { op: 'remove-toxic'; atMs: number; step: number; fault: number }
  | { op: 'action'; atMs: number; step: number };

/** A resolved scenario: everything the runner and `--dry-run` need. */
export interface Plan {
  name: string;
  description?: string;
  seed: string;
  /** Factor applied to every time on the axis (1: as written). */
  timeScale: number;
  /** When the timeline is over and the rollback starts. */
  durationMs: number;
  /** Extra lease on faults held until the end (see {@link END_LEASE_GRACE_MS}). */
  leaseGraceMs: number;
  rollback: 'always' | 'never';
  proxies: ScenarioProxy[];
  probes: PlanProbe[];
  steps: PlanStep[];
  /** Every operation, in the order the runner performs them. */
  ops: PlanOp[];
}

/** A mistake found while resolving, at a path of the file. */
export interface PlanIssue {
  path: ValuePath;
  message: string;
}

/** The scenario cannot be resolved; `issues` says where and why. */
export class PlanError extends Error {
  override readonly name = 'PlanError';

  constructor(readonly issues: readonly PlanIssue[]) {
    super(issues.map((i) => i.message).join('; '));
  }
}

/** Options for {@link resolvePlan}. */
export interface PlanOptions {
  seed: string;
  /** Multiplies every duration on the time axis and every probe interval (default 1). */
  timeScale?: number;
}

type ToxicBody = { name?: string | undefined; type: string; stream: 'upstream' | 'downstream'; toxicity: number; attributes?: Record<string, unknown> | undefined };

function envelope(body: ToxicBody, name?: string): ToxicEnvelope {
  return {
    name: name ?? body.name ?? `${body.type}_${body.stream}`,
    type: body.type,
    stream: body.stream,
    toxicity: body.toxicity,
    attributes: { ...(body.attributes ?? {}) },
  };
}

function attributeText(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

function toxicLabel(proxy: string, toxic: ToxicEnvelope): string {
  const attrs = attributeText(toxic.attributes);
  const toxicity = toxic.toxicity === 1 ? '' : ` toxicity=${toxic.toxicity}`;
  return `${toxic.type} on ${proxy} (${toxic.stream})${attrs ? ` ${attrs}` : ''}${toxicity}`;
}

function actionLabel(action: Action): string {
  if (action.type !== 'update_proxy') return `${action.type} ${action.proxy}`;
  const changes = (['listen', 'upstream', 'enabled'] as const)
    .filter((k) => action[k] !== undefined)
    .map((k) => `${k}=${String(action[k])}`)
    .join(' ');
  return `update_proxy ${action.proxy} ${changes}`;
}

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

function checkLabel(check: ProbeCheck): string {
  switch (check.kind) {
    case 'http':
      return `${check.method} ${check.url}`;
    case 'tcp':
      return `tcp ${check.address}`;
    case 'exec':
      return `exec ${Array.isArray(check.command) ? check.command.join(' ') : check.command}`;
  }
}

/** At one moment: removals first (a toxic may be re-added under its name), then starts, changes, and ends. */
const OP_ORDER: Record<PlanOp['op'], number> = { 'remove-toxic': 0, begin: 1, action: 2, 'add-toxic': 2, 'update-toxic': 2, end: 3 };

/** Which proxies a step touches, each with the path that names it. */
function proxyRefs(s: Step, index: number): Array<{ proxy: string; path: ValuePath }> {
  const base = ['steps', index];
  if ('toxic' in s) return [{ proxy: s.toxic.proxy, path: [...base, 'toxic', 'proxy'] }];
  if ('action' in s) return [{ proxy: s.action.proxy, path: [...base, 'action', 'proxy'] }];
  if ('ramp' in s) return [{ proxy: s.ramp.proxy, path: [...base, 'ramp', 'proxy'] }];
  if ('monkey' in s) return s.monkey.proxies.map((proxy, i) => ({ proxy, path: [...base, 'monkey', 'proxies', i] }));
  return [];
}

function duplicates<T>(items: readonly T[], key: (item: T) => string, what: string, path: (i: number) => ValuePath, issues: PlanIssue[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) issues.push({ path: path(i), message: `${what} "${k}" is declared twice` });
    seen.add(k);
  });
}

/** Checks a ramp's attribute, `from` and `to` against the toxic's attribute schema. */
function checkRamp(s: Extract<Step, { ramp: unknown }>, index: number, issues: PlanIssue[]): void {
  const ramp = s.ramp;
  const base: ValuePath = ['steps', index, 'ramp'];
  const definition = getToxicDefinition(ramp.type);
  if (!definition) return;
  const shape = definition.attributes.shape as Record<string, unknown>;
  if (!(ramp.attribute in shape)) {
    const names = Object.keys(shape).join(', ') || 'none';
    issues.push({ path: [...base, 'attribute'], message: `${ramp.type} has no attribute "${ramp.attribute}" (it has: ${names})` });
    return;
  }
  const defaults = definition.attributes.safeParse({});
  if (defaults.success && typeof (defaults.data as Record<string, unknown>)[ramp.attribute] !== 'number') {
    issues.push({ path: [...base, 'attribute'], message: `${ramp.type}.${ramp.attribute} is not a number, so it cannot ramp` });
    return;
  }
  for (const end of ['from', 'to'] as const) {
    const attempt = definition.attributes.safeParse({ ...(ramp.attributes ?? {}), [ramp.attribute]: ramp[end] });
    if (!attempt.success) {
      const detail = attempt.error.issues.map((i) => i.message).join('; ');
      issues.push({ path: [...base, end], message: `${ramp.attribute} = ${ramp[end]}: ${detail}` });
    }
  }
  if (s.for !== undefined && s.for < ramp.over) {
    issues.push({ path: ['steps', index, 'for'], message: `for (${formatDuration(s.for)}) must be at least the ramp's over (${formatDuration(ramp.over)})` });
  }
}

/** How long a step takes on the axis, unscaled. */
function spanOf(s: Step): number {
  if ('toxic' in s) return s.for ?? 0;
  if ('action' in s) return 0;
  if ('ramp' in s) return s.for ?? s.ramp.over;
  if ('monkey' in s) return s.for;
  return s.wait;
}

/** Default number of ramp updates: one per second of `over`, 1 to 100. */
export function defaultRampSteps(overMs: number): number {
  return Math.min(100, Math.max(1, Math.round(overMs / 1_000)));
}

/** The value of a ramp after `k` of `steps` updates; whole numbers stay whole. */
export function rampValue(from: number, to: number, k: number, steps: number): number {
  const value = from + ((to - from) * k) / steps;
  return Number.isInteger(from) && Number.isInteger(to) ? Math.round(value) : value;
}

/**
 * Resolves `scenario` into a {@link Plan}.
 * @throws {PlanError} listing every mistake, each with its path in the file.
 */
export function resolvePlan(scenario: Scenario, options: PlanOptions): Plan {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a number above 0, got ${scale}`);
  const at = (ms: number): number => Math.round(ms * scale);
  const length = (ms: number): number => (ms > 0 ? Math.max(1, Math.round(ms * scale)) : 0);
  const issues: PlanIssue[] = [];

  duplicates(scenario.proxies, (p) => p.name, 'proxy', (i) => ['proxies', i, 'name'], issues);
  duplicates(scenario.probes, (p) => p.name, 'probe', (i) => ['probes', i, 'name'], issues);
  const declared = new Set(scenario.proxies.map((p) => p.name));
  const declaredList = [...declared].join(', ') || 'none';

  const steps: PlanStep[] = [];
  let previousEnd = 0;
  let faults = 0;
  let rampUpdates = 0;
  let tooMany = false;
  scenario.steps.forEach((s, index) => {
    if (tooMany) return;
    let monkeyCut = false;
    for (const ref of proxyRefs(s, index)) {
      if (!declared.has(ref.proxy)) {
        issues.push({ path: ref.path, message: `unknown proxy "${ref.proxy}": declare it under proxies (declared: ${declaredList})` });
      }
    }
    if (s.at !== undefined && s.after !== undefined) {
      issues.push({ path: ['steps', index, 'after'], message: 'a step has either at or after, not both' });
    }
    const start = s.at ?? previousEnd + (s.after ?? 0);
    if (start < 0) {
      const key = s.at !== undefined ? 'at' : 'after';
      issues.push({
        path: ['steps', index, key],
        message: `step starts before 0 (at ${formatDuration(start)})${key === 'after' ? `: the previous step ends at ${formatDuration(previousEnd)}` : ''}`,
      });
    }
    const end = start + spanOf(s);
    previousEnd = end;
    const kind = stepKind(s);
    const planned: PlanStep = {
      index,
      kind,
      ...(s.name !== undefined ? { name: s.name } : {}),
      label: '',
      startMs: at(start),
      endMs: at(start) + length(end - start),
      faults: [],
    };
    if ('toxic' in s) {
      const toxic = envelope(s.toxic);
      planned.faults.push({ proxy: s.toxic.proxy, toxic, startMs: planned.startMs, endMs: s.for === undefined ? null : planned.endMs });
      planned.label = `${toxicLabel(s.toxic.proxy, toxic)}${s.for === undefined ? ' until the end' : ` for ${formatDuration(planned.endMs - planned.startMs)}`}`;
    } else if ('action' in s) {
      planned.action = s.action;
      planned.label = actionLabel(s.action);
    } else if ('ramp' in s) {
      checkRamp(s, index, issues);
      const ramp = s.ramp;
      const toxic = envelope(ramp);
      toxic.attributes[ramp.attribute] = ramp.from;
      planned.faults.push({ proxy: ramp.proxy, toxic, startMs: planned.startMs, endMs: s.for === undefined ? null : planned.endMs });
      planned.label = `ramp ${ramp.type}.${ramp.attribute} on ${ramp.proxy} (${ramp.stream}) ${ramp.from} → ${ramp.to} over ${formatDuration(length(ramp.over))}${s.for === undefined ? ', held until the end' : `, held ${formatDuration(planned.endMs - planned.startMs)}`}`;
    } else if ('monkey' in s) {
      const { min, max } = s.monkey.interval;
      if (min > max) issues.push({ path: ['steps', index, 'monkey', 'interval', 'max'], message: `interval max (${formatDuration(max)}) is below min (${formatDuration(min)})` });
      else {
        try {
          for (const injection of monkeySchedule(s.monkey, s.for, options.seed, index)) {
            const spec = s.monkey.faults[injection.fault];
            if (!spec) continue;
            if (faults + planned.faults.length >= MAX_SCENARIO_FAULTS) {
              monkeyCut = true;
              break;
            }
            const startMs = at(start + injection.offsetMs);
            const toxic = envelope(spec, `monkey${index + 1}_${injection.ordinal + 1}_${spec.name ?? spec.type}`);
            planned.faults.push({ proxy: injection.proxy, toxic, startMs, endMs: Math.min(planned.endMs, startMs + length(injection.holdMs)) });
          }
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          issues.push({ path: ['steps', index, 'monkey', 'interval', 'min'], message: `${err.message} (at most ${MAX_INJECTIONS})` });
        }
      }
      planned.label = `monkey on ${s.monkey.proxies.join(', ')}: ${planned.faults.length} injections of ${s.monkey.faults.map((f) => f.type).join(', ')} over ${formatDuration(planned.endMs - planned.startMs)}`;
    } else {
      planned.label = `wait ${formatDuration(planned.endMs - planned.startMs)}`;
    }
    faults += planned.faults.length;
    if ('ramp' in s) rampUpdates += s.ramp.steps ?? defaultRampSteps(s.ramp.over);
    // Checked as the plan grows, so a huge scenario is refused before it takes the memory.
    if (faults > MAX_SCENARIO_FAULTS || monkeyCut) {
      issues.push({ path: ['steps', index], message: `the scenario applies more than ${MAX_SCENARIO_FAULTS} faults (monkey injections included)` });
      tooMany = true;
    } else if (rampUpdates > MAX_SCENARIO_RAMP_UPDATES) {
      issues.push({ path: ['steps', index, 'ramp'], message: `the scenario's ramps make more than ${MAX_SCENARIO_RAMP_UPDATES} updates` });
      tooMany = true;
    }
    steps.push(planned);
  });

  const durationMs = Math.max(0, ...steps.map((s) => s.endMs));
  checkOverlaps(steps, durationMs, issues);
  if (issues.length > 0) throw new PlanError(issues);

  return {
    name: scenario.name,
    ...(scenario.description !== undefined ? { description: scenario.description } : {}),
    seed: options.seed,
    timeScale: scale,
    durationMs,
    leaseGraceMs: END_LEASE_GRACE_MS,
    rollback: scenario.rollback,
    proxies: scenario.proxies,
    probes: scenario.probes.map((p) => {
      const check = probeCheck(p);
      return {
        name: p.name,
        mode: p.mode,
        intervalMs: length(p.interval),
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

/** Two faults with one name on one proxy must not be applied at the same time. */
function checkOverlaps(steps: readonly PlanStep[], durationMs: number, issues: PlanIssue[]): void {
  const held = new Map<string, Array<{ step: PlanStep; start: number; end: number }>>();
  for (const step of steps) {
    for (const fault of step.faults) {
      const key = `${fault.proxy}\u0000${fault.toxic.name}`;
      const end = fault.endMs ?? durationMs;
      const others = held.get(key) ?? [];
      const clash = others.find((o) => o.start < end && fault.startMs < o.end);
      if (clash && clash.step.index !== step.index) {
        const field = step.kind === 'ramp' ? 'ramp' : 'toxic';
        issues.push({
          path: ['steps', step.index, field],
          message:
            `toxic "${fault.toxic.name}" is already on proxy "${fault.proxy}" from step ${clash.step.index + 1} ` +
            `(${formatDuration(clash.start)}–${formatDuration(clash.end)}); give this one another name`,
        });
      }
      others.push({ step, start: fault.startMs, end });
      held.set(key, others);
    }
  }
}

/** The sorted operations of the run. */
function operations(source: readonly Step[], steps: readonly PlanStep[]): PlanOp[] {
  const ops: PlanOp[] = [];
  for (const step of steps) {
    ops.push({ op: 'begin', atMs: step.startMs, step: step.index });
    if (step.action) ops.push({ op: 'action', atMs: step.startMs, step: step.index });
    step.faults.forEach((fault, i) => {
      ops.push({ op: 'add-toxic', atMs: fault.startMs, step: step.index, fault: i });
      if (fault.endMs !== null) ops.push({ op: 'remove-toxic', atMs: fault.endMs, step: step.index, fault: i });
    });
    const s = source[step.index];
    if (s && 'ramp' in s) {
      const ramp = s.ramp;
      const count = ramp.steps ?? defaultRampSteps(ramp.over);
      const over = step.kind === 'ramp' ? rampLength(step, s) : 0;
      const until = step.faults[0]?.endMs ?? null;
      for (let k = 1; k <= count; k++) {
        const atMs = step.startMs + Math.round((over * k) / count);
        // An update that would land when the toxic is removed has nothing left to change.
        if (until !== null && atMs >= until) break;
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
  return ops.sort((a, b) => a.atMs - b.atMs || OP_ORDER[a.op] - OP_ORDER[b.op] || (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

/** The scaled length of a ramp's `over`: the share of the step's span that `over` is of its `for`. */
function rampLength(step: PlanStep, s: Extract<Step, { ramp: unknown }>): number {
  const span = s.for ?? s.ramp.over;
  return Math.round(((step.endMs - step.startMs) * s.ramp.over) / span);
}
