/**
 * Durations as scenario files write them: a number and a unit (`250ms`, `5s`, `1.5s`, `2m`, `1h`),
 * or several in a row (`1m30s`). Offsets on the time axis (`at`, `after`) may be negative (`-2s`).
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** One or more `<number><unit>` parts; the JSON Schema pattern for durations. */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$';
/** The same with an optional leading minus, for offsets on the time axis. */
export const OFFSET_PATTERN = '^-?(\\d+(\\.\\d+)?(ms|s|m|h))+$';

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** How a duration must be written, for error messages. */
export const DURATION_HINT = 'write a number with a unit, like 250ms, 5s, 1m30s or 2h';

/**
 * Milliseconds in `text`, or undefined when it is not a duration. `signed` accepts a leading `-`.
 * Fractions of a millisecond are kept (`1.5ms` is 1.5).
 */
export function parseDuration(text: string, signed = false): number | undefined {
  let body = text.trim();
  let sign = 1;
  if (signed && body.startsWith('-')) {
    sign = -1;
    body = body.slice(1);
  }
  if (body === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  while (PART.lastIndex < body.length) {
    const start = PART.lastIndex;
    const match = PART.exec(body);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

/**
 * A duration for people: `0s`, `250ms`, `1.5s`, `2m`, `1m30s`, `1h5m`. Whole milliseconds; sub-
 * second parts of minutes are dropped only below a millisecond.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  if (rest < 1_000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1_000;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (minutes > 0) out += `${minutes}m`;
  if (seconds > 0) out += `${Number(seconds.toFixed(3))}s`;
  return sign + out;
}
