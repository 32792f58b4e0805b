import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['0s', 0],
    ['0.5ms', 0.5],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes a sign only for offsets', () => {
    expect(parseDuration('-2s', true)).toBe(-2_000);
    expect(parseDuration('-2s')).toBeUndefined();
  });

  it.each(['', '5', 's', '5 s', '5sec', '1.s', '.5s', '5s ms', '1d', '-', '--1s', '5S'])('rejects %j', (text) => {
    expect(parseDuration(text, true)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1_500, '1.5s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_723_004, '1h2m3.004s'],
    [-2_000, '-2s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads back what it writes', () => {
    for (const ms of [1, 999, 1_000, 59_999, 61_001, 7_200_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
