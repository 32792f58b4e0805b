/**
 * A monkey's schedule: when each injection happens, which fault it is (a toxic or an action: weights
 * apply across both) and which proxy it hits. The
 * schedule is a pure function of the seed, the step's position and its settings, worked out before
 * the run starts, so the same seed always gives the same schedule (and `--dry-run` can print it).
 * @module
 */
import { createRng } from '../core/rng.js';
import type { Monkey, MonkeyFaultSpec } from './schema.js';

/** One injection of a monkey, in unscaled milliseconds from the monkey's start. */
export interface MonkeyInjection {
  /** Ordinal within the monkey, from 0. */
  ordinal: number;
  /** When it is applied, from the monkey's start. */
  offsetMs: number;
  /** How long it is held (the fault's `for`, cut at the monkey's end). */
  holdMs: number;
  /** The proxy hit, from the blast radius. */
  proxy: string;
  /** Index of the fault in the monkey's `faults` (a toxic or an action). */
  fault: number;
}

/** Most injections one monkey may plan; a schedule that needs more is rejected as a mistake. */
export const MAX_INJECTIONS = 10_000;

function pickWeighted(faults: readonly MonkeyFaultSpec[], draw: number): number {
  const total = faults.reduce((sum, f) => sum + f.weight, 0);
  let point = draw * total;
  for (const [i, fault] of faults.entries()) {
    point -= fault.weight;
    if (point < 0) return i;
  }
  return faults.length - 1;
}

/**
 * The injections of a monkey that runs `durationMs`: the first after one interval, each next one an
 * interval later, intervals drawn uniformly from [min, max]. `stream` names the decision stream
 * (the step's index), so two monkeys of one scenario draw independently.
 * @throws RangeError when more than {@link MAX_INJECTIONS} would be planned.
 */
export function monkeySchedule(monkey: Monkey, durationMs: number, seed: string, stream: string | number): MonkeyInjection[] {
  const rng = createRng(seed, 'scenario-monkey', stream);
  const { min, max } = monkey.interval;
  const out: MonkeyInjection[] = [];
  let at = 0;
  for (;;) {
    at += min + (max - min) * rng.next();
    if (at >= durationMs) break;
    if (out.length >= MAX_INJECTIONS) {
      throw new RangeError(`more than ${MAX_INJECTIONS} injections: lengthen interval.min or shorten the monkey`);
    }
    const fault = pickWeighted(monkey.faults, rng.next());
    const proxy = monkey.proxies[Math.floor(rng.next() * monkey.proxies.length)] ?? monkey.proxies[0] ?? '';
    const spec = monkey.faults[fault];
    // Instant faults (kill_connections, a process kill) are not held.
    const holdMs = Math.min(spec && 'for' in spec ? (spec.for ?? 0) : 0, durationMs - at);
    out.push({ ordinal: out.length, offsetMs: at, holdMs, proxy, fault });
  }
  return out;
}
