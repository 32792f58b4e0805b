/**
 * The checks that need the whole scenario, made while its timeline is resolved: proxies that are
 * not declared or declared twice, toxics on proxies of another protocol (`toxic-layers.ts`), steps
 * before 0, a ramp's attribute and ends, a monkey's interval,
 * two toxics of one name on one proxy at the same time (the size of the plan: `plan-size.ts`). Each check adds
 * issues with their path in the file, so one pass reports every mistake.
 * Pure: no I/O, no clock.
 * @module
 */
import { assertNever } from '../errors.js';
import { formatDuration } from './duration.js';
import type { ValuePath } from './interpolate.js';
import type { PlanIssue, PlanStep } from './plan.js';
import {
  SCENARIO_PROTOCOLS,
  scenarioProxy,
  step as stepSchema,
  type Scenario,
  type ScenarioProxy,
  type Step,
  type StepOf,
} from './schema.js';
import { checkLayers, definitionOn, keepRawAttributes } from './toxic-layers.js';

function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  what: string,
  path: (i: number) => ValuePath,
  issues: PlanIssue[],
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) issues.push({ path: path(i), message: `${what} "${k}" is declared twice` });
    seen.add(k);
  });
}

/** Proxies and probes declared twice. */
export function checkDeclarations(scenario: Pick<Scenario, 'proxies' | 'probes'>, issues: PlanIssue[]): void {
  duplicates(
    scenario.proxies,
    (p) => p.name,
    'proxy',
    (i) => ['proxies', i, 'name'],
    issues,
  );
  duplicates(
    scenario.probes,
    (p) => p.name,
    'probe',
    (i) => ['probes', i, 'name'],
    issues,
  );
}

/** Which proxies a step touches, each with the path that names it. */
function proxyRefs(s: Step, index: number): Array<{ proxy: string; path: ValuePath }> {
  const base = ['steps', index];
  switch (s.kind) {
    case 'toxic':
      return [{ proxy: s.toxic.proxy, path: [...base, 'toxic', 'proxy'] }];
    case 'action':
      return s.action.type === 'process' ? [] : [{ proxy: s.action.proxy, path: [...base, 'action', 'proxy'] }];
    case 'ramp':
      return [{ proxy: s.ramp.proxy, path: [...base, 'ramp', 'proxy'] }];
    case 'monkey':
      return s.monkey.proxies.map((proxy, i) => ({ proxy, path: [...base, 'monkey', 'proxies', i] }));
    case 'wait':
    case 'exec':
      return [];
    default:
      return assertNever(s, 'step');
  }
}

/** Checks a ramp's attribute, `from` and `to` against the toxic's attribute schema on its proxy. */
function checkRamp(s: StepOf<'ramp'>, index: number, proxy: ScenarioProxy | undefined, issues: PlanIssue[]): void {
  const ramp = s.ramp;
  const base: ValuePath = ['steps', index, 'ramp'];
  const definition = definitionOn(ramp.type, proxy);
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
    issues.push({
      path: ['steps', index, 'for'],
      message: `for (${formatDuration(s.for)}) must be at least the ramp's over (${formatDuration(ramp.over)})`,
    });
  }
}

/** Only a `disable` and a process `pause` are held `for` a time; the other actions are instant. */
function checkHeldAction(s: StepOf<'action'>, index: number, issues: PlanIssue[]): void {
  const held = s.action.type === 'disable' || (s.action.type === 'process' && s.action.fault === 'pause');
  if (s.for !== undefined && !held) {
    const what = s.action.type === 'process' ? `process ${s.action.fault}` : s.action.type;
    issues.push({ path: ['steps', index, 'for'], message: `${what} is instant: for is for disable and process pause` });
  }
}

/** True when a monkey's interval is usable (its schedule can be drawn). */
export function monkeyIntervalOk(s: StepOf<'monkey'>): boolean {
  return s.monkey.interval.min <= s.monkey.interval.max;
}

/** Where a step sits on the axis, for {@link checkStep}: its start, and the end of the step before it. */
export interface StepPlacement {
  start: number;
  previousEnd: number;
}

/** Checks one step: the proxies it names, its `at`/`after`, its start, and what its kind needs. */
export function checkStep(
  s: Step,
  index: number,
  placement: StepPlacement,
  declared: ReadonlyMap<string, ScenarioProxy>,
  issues: PlanIssue[],
): void {
  const declaredList = [...declared.keys()].join(', ') || 'none';
  for (const ref of proxyRefs(s, index)) {
    if (!declared.has(ref.proxy)) {
      issues.push({ path: ref.path, message: `unknown proxy "${ref.proxy}": declare it under proxies (declared: ${declaredList})` });
    }
  }
  checkLayers(s, index, declared, issues);
  if (s.at !== undefined && s.after !== undefined) {
    issues.push({ path: ['steps', index, 'after'], message: 'a step has either at or after, not both' });
  }
  const { start, previousEnd } = placement;
  if (start < 0) {
    const key = s.at !== undefined ? 'at' : 'after';
    issues.push({
      path: ['steps', index, key],
      message: `step starts before 0 (at ${formatDuration(start)})${key === 'after' ? `: the previous step ends at ${formatDuration(previousEnd)}` : ''}`,
    });
  }
  switch (s.kind) {
    case 'ramp':
      checkRamp(s, index, declared.get(s.ramp.proxy), issues);
      return;
    case 'monkey':
      if (!monkeyIntervalOk(s)) {
        const { min, max } = s.monkey.interval;
        issues.push({
          path: ['steps', index, 'monkey', 'interval', 'max'],
          message: `interval max (${formatDuration(max)}) is below min (${formatDuration(min)})`,
        });
      }
      return;
    case 'action':
      checkHeldAction(s, index, issues);
      return;
    case 'exec':
      if (s.for !== undefined && s.exec.rollback === undefined) {
        issues.push({ path: ['steps', index, 'for'], message: 'for says when to run the rollback command: give exec a rollback' });
      }
      return;
    case 'toxic':
    case 'wait':
      return;
    default:
      assertNever(s, 'step');
  }
}

/** Two faults with one name on one proxy must not be applied at the same time. */
export function checkOverlaps(steps: readonly PlanStep[], durationMs: number, issues: PlanIssue[]): void {
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

function listAt(raw: unknown, key: string): unknown[] {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) ? value : [];
}

function named(item: unknown): { name: string; protocol?: unknown } | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { name, protocol } = item as Record<string, unknown>;
  return typeof name === 'string' ? { name, protocol } : undefined;
}

/**
 * The whole-file checks that make sense on a file with type errors, so one pass reports every
 * mistake: names declared twice, and each valid step against the proxies as declared (unknown
 * proxies, HTTP toxics on a proxy that is not HTTP, ramps, monkey intervals). Checks that need the
 * time axis (a start before 0, overlaps) wait until every step is valid.
 */
export function checkValidParts(raw: unknown, issues: PlanIssue[]): void {
  for (const [key, what] of [
    ['proxies', 'proxy'],
    ['probes', 'probe'],
  ] as const) {
    const seen = new Set<string>();
    listAt(raw, key).forEach((item, i) => {
      const name = named(item)?.name;
      if (name === undefined) return;
      if (seen.has(name)) issues.push({ path: [key, i, 'name'], message: `${what} "${name}" is declared twice` });
      seen.add(name);
    });
  }
  const declared = new Map<string, ScenarioProxy>();
  for (const item of listAt(raw, 'proxies')) {
    const valid = scenarioProxy.safeParse(item);
    if (valid.success) {
      declared.set(valid.data.name, valid.data);
      continue;
    }
    // A proxy with mistakes of its own still says which toxics fit it.
    const proxy = named(item);
    const protocol = SCENARIO_PROTOCOLS.find((p) => p === proxy?.protocol);
    if (proxy) declared.set(proxy.name, { name: proxy.name, keep: false, ...(protocol ? { protocol } : {}) });
  }
  listAt(raw, 'steps').forEach((item, index) => {
    const parsed = stepSchema.safeParse(item);
    if (!parsed.success) return;
    keepRawAttributes(parsed.data, item);
    checkStep(parsed.data, index, { start: 0, previousEnd: 0 }, declared, issues);
  });
}
