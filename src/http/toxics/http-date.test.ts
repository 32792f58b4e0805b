import { describe, expect, it } from 'vitest';
import { formatHttpDate, formatRfc3339, parseHttpDate, parseRfc3339 } from './http-date.js';

describe('HTTP dates', () => {
  it('formats IMF-fixdate at second resolution, within 1970–9999', () => {
    expect(formatHttpDate(Date.UTC(1994, 10, 6, 8, 49, 37, 999))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(formatHttpDate(-5)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(formatHttpDate(1e15)).toBe('Fri, 31 Dec 9999 23:59:59 GMT');
  });

  it('parses the three forms RFC 9110 allows, and nothing else', () => {
    const at = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(at);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2030, 0, 1))).toBe(at);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(at);
    for (const bad of ['0', '-1', '120', 'tomorrow', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC']) {
      expect(parseHttpDate(bad), bad).toBeUndefined();
    }
  });

  it('reads RFC 3339 instants with a zone and writes them in UTC', () => {
    expect(parseRfc3339('2030-01-01T01:00:00+01:00')).toBe(Date.UTC(2030, 0, 1));
    expect(parseRfc3339('2030-01-01T00:00:00.250Z')).toBe(Date.UTC(2030, 0, 1, 0, 0, 0, 250));
    expect(parseRfc3339('2030-01-01')).toBeUndefined();
    expect(parseRfc3339('2030-01-01T00:00:00')).toBeUndefined();
    expect(formatRfc3339(Date.UTC(2030, 0, 1, 0, 0, 0, 250))).toBe('2030-01-01T00:00:00.250Z');
  });
});
