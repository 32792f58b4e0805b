/**
 * Placing a step's toxics and actions on the time axis: the toxic envelope as the runner sends it,
 * an action step's own action, and a monkey's seeded injections — toxics and actions drawn by one
 * weighted schedule (`monkey.ts`). Pure: no I/O, no clock.
 * @module
 */
import { assertNever } from '../errors.js';
import { MAX_SCENARIO_FAULTS } from '../limits.js';
import { formatDuration } from './duration.js';
import { actionLabel } from './labels.js';
import { MAX_INJECTIONS, monkeySchedule } from './monkey.js';
import { monkeyIntervalOk } from './plan-checks.js';
import type { PlanAction, PlanIssue, PlanStep, StepAction, ToxicEnvelope } from './plan.js';
import type { MonkeyActionSpec, MonkeyFaultSpec, StepOf } from './schema.js';

/** A toxic as a step writes it. */
export type ToxicBody = {
  name?: string | undefined;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes?: Record<string, unknown> | undefined;
};

/** The toxic envelope the runner sends, its name resolved. */
export function envelope(body: ToxicBody, name?: string): ToxicEnvelope {
  return {
    name: name ?? body.name ?? `${body.type}_${body.stream}`,
    type: body.type,
    stream: body.stream,
    toxicity: body.toxicity,
    attributes: { ...(body.attributes ?? {}) },
  };
}

/** Scales lengths and positions on the axis. */
export interface Scale {
  at(ms: number): number;
  length(ms: number): number;
}

/** What placing one step needs besides the step. */
export interface Placing {
  index: number;
  start: number;
  end: number;
  scale: Scale;
  seed: string;
  /** Faults placed by the steps before this one. */
  faultsBefore: number;
  issues: PlanIssue[];
}

/** An action or exec step's own action, held until the step's end when it has a `for`. */
export function stepAction(action: StepAction, planned: PlanStep, held: boolean): PlanAction {
  const length = planned.endMs - planned.startMs;
  return {
    action,
    label: `${actionLabel(action)}${held ? ` for ${formatDuration(length)}` : ''}`,
    startMs: planned.startMs,
    endMs: held ? planned.endMs : null,
  };
}

/** How a monkey's fault is named in its step's label: the toxic type, or the action. */
export function monkeyFaultName(f: MonkeyFaultSpec): string {
  if ('type' in f) return f.type;
  return f.action === 'process' ? `process ${f.fault}` : f.action;
}

/** The action a monkey's action fault takes on `proxy` (a process fault names its own process). */
function monkeyAction(spec: MonkeyActionSpec, proxy: string): StepAction {
  switch (spec.action) {
    case 'disable':
      return { type: 'disable', proxy };
    case 'kill_connections':
      return { type: 'kill_connections', proxy, ...(spec.close !== undefined ? { close: spec.close } : {}) };
    case 'process': {
      const { action: _action, for: _for, weight: _weight, ...fields } = spec;
      return { type: 'process', ...fields };
    }
    default:
      return assertNever(spec, 'monkey action');
  }
}

/** A monkey's seeded injections as faults and actions; true when they were cut at the fault limit. */
export function placeMonkey(s: StepOf<'monkey'>, planned: PlanStep, p: Placing): boolean {
  if (!monkeyIntervalOk(s)) return false;
  const { at, length } = p.scale;
  const actions: PlanAction[] = [];
  try {
    for (const injection of monkeySchedule(s.monkey, s.for, p.seed, p.index)) {
      const spec = s.monkey.faults[injection.fault];
      if (!spec) continue;
      if (p.faultsBefore + planned.faults.length + actions.length >= MAX_SCENARIO_FAULTS) return true;
      const startMs = at(p.start + injection.offsetMs);
      const endMs = Math.min(planned.endMs, startMs + length(injection.holdMs));
      if ('action' in spec) {
        const action = monkeyAction(spec, injection.proxy);
        const held = injection.holdMs > 0;
        actions.push({
          action,
          label: `${actionLabel(action)}${held ? ` for ${formatDuration(endMs - startMs)}` : ''}`,
          startMs,
          endMs: held ? endMs : null,
        });
        continue;
      }
      const toxic = envelope(spec, `monkey${p.index + 1}_${injection.ordinal + 1}_${spec.name ?? spec.type}`);
      planned.faults.push({ proxy: injection.proxy, toxic, startMs, endMs });
    }
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    p.issues.push({ path: ['steps', p.index, 'monkey', 'interval', 'min'], message: `${err.message} (at most ${MAX_INJECTIONS})` });
  } finally {
    if (actions.length > 0) planned.actions = actions;
  }
  return false;
}
