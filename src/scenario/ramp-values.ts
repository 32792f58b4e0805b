/**
 * The arithmetic of ramps: how many updates, the value after each, and how long `over` is on a
 * scaled time axis.
 * @module
 */
import type { PlanStep } from './plan.js';
import type { StepOf } from './schema.js';

/** Default number of ramp updates: one per second of `over`, 1 to 100. */
export function defaultRampSteps(overMs: number): number {
  return Math.min(100, Math.max(1, Math.round(overMs / 1_000)));
}

/** The value of a ramp after `k` of `steps` updates; whole numbers stay whole. */
export function rampValue(from: number, to: number, k: number, steps: number): number {
  const value = from + ((to - from) * k) / steps;
  return Number.isInteger(from) && Number.isInteger(to) ? Math.round(value) : value;
}

/** The scaled length of a ramp's `over`: the share of the step's span that `over` is of its `for`. */
export function rampLength(step: PlanStep, s: StepOf<'ramp'>): number {
  const span = s.for ?? s.ramp.over;
  return Math.round(((step.endMs - step.startMs) * s.ramp.over) / span);
}
