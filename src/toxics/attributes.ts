/**
 * Attribute building blocks with units. Toxiproxy's attributes are integers; these keep that, reject
 * negative values with a message that names the unit, and default to 0. The unit is kept in the
 * schema's metadata (`unit`), where the API's catalog and the generated documentation read it; say
 * what an attribute means with `.describe()`.
 * @module
 */
import { z } from 'zod';

function describeValue(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return `the string ${JSON.stringify(input)}`;
  return typeof input === 'object' ? 'an object' : `${typeof input} ${String(input)}`;
}

/** Bounds and default for {@link wholeNumber} and {@link decimal}. */
export interface NumberOptions {
  /** Smallest value allowed (default 0). */
  min?: number;
  /** Value when the attribute is missing (default 0). */
  fallback?: number;
}

/** A whole number ≥ `min` (default 0) in `unit` (ms, bytes, KB/s, µs …), default `fallback` (0). */
export function wholeNumber(unit: string, { min = 0, fallback = 0 }: NumberOptions = {}) {
  return z
    .number({ error: (issue) => `expected a number (${unit}), got ${describeValue(issue.input)}` })
    .int({ error: (issue) => `expected a whole number (${unit}), got ${String(issue.input)}` })
    .min(min, { error: (issue) => `must be ${min} or more (${unit}), got ${String(issue.input)}` })
    .max(Number.MAX_SAFE_INTEGER, { error: `too large (${unit})` })
    .default(fallback)
    .meta({ unit });
}

/** A finite number ≥ `min` (default 0) in `unit`, fractions allowed, default `fallback` (0). */
export function decimal(unit: string, { min = 0, fallback = 0 }: NumberOptions = {}) {
  return z
    .number({ error: (issue) => `expected a number (${unit}), got ${describeValue(issue.input)}` })
    .min(min, { error: (issue) => `must be ${min} or more (${unit}), got ${String(issue.input)}` })
    .max(Number.MAX_SAFE_INTEGER, { error: `too large (${unit})` })
    .default(fallback)
    .meta({ unit });
}

/** A probability or fraction in [0, 1], default `fallback`; `what` names it in messages and is its unit. */
export function fraction(fallback: number, what = 'a fraction from 0 to 1') {
  return z
    .number({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` })
    .min(0, { error: `must be ${what}` })
    .max(1, { error: `must be ${what}` })
    .default(fallback)
    .meta({ unit: what });
}
