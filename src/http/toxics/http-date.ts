/**
 * HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out, all three historic forms in; and RFC 3339
 * instants for attributes and the fake-now request header.
 * @module
 */

/** The latest instant an IMF-fixdate can show (9999-12-31T23:59:59Z). */
export const MAX_HTTP_DATE = 253402300799000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** `ms` (epoch) as an IMF-fixdate, truncated to the second and kept within 1970–9999. */
export function formatHttpDate(ms: number): string {
  const clamped = Math.min(MAX_HTTP_DATE, Math.max(0, ms));
  return new Date(Math.floor(clamped / 1000) * 1000).toUTCString();
}

function utc(year: number, month: string, day: number, h: number, m: number, s: number): number | undefined {
  const index = MONTHS.indexOf(month);
  if (index < 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return undefined;
  const ms = Date.UTC(year, index, day, h, m, Math.min(s, 59));
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/**
 * Parses an HTTP-date in any of its three forms; undefined when `value` is not one (say `0` in
 * `Expires`, or delta-seconds in `Retry-After`). A two-digit RFC 850 year more than 50 years ahead
 * is taken as the past century (RFC 9110 §5.6.7).
 */
export function parseHttpDate(value: string, now = Date.now()): number | undefined {
  const v = value.trim();
  let m = IMF.exec(v);
  if (m) return utc(Number(m[3]), m[2] ?? '', Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850.exec(v);
  if (m) {
    const current = new Date(now).getUTCFullYear();
    let year = Math.floor(current / 100) * 100 + Number(m[3]);
    if (year > current + 50) year -= 100;
    return utc(year, m[2] ?? '', Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(v);
  if (m) return utc(Number(m[6]), m[1] ?? '', Number((m[2] ?? '').trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

/** Parses an RFC 3339 date-time with an explicit zone (`2030-01-01T00:00:00Z`); undefined otherwise. */
export function parseRfc3339(value: string): number | undefined {
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `ms` as RFC 3339 in UTC with milliseconds (`2030-01-01T00:00:00.000Z`). */
export function formatRfc3339(ms: number): string {
  return new Date(Math.min(MAX_HTTP_DATE, Math.max(0, ms))).toISOString();
}
