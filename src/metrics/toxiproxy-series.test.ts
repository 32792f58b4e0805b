import { describe, expect, it } from 'vitest';
import { goFloat } from './toxiproxy-series.js';

describe('goFloat', () => {
  it("writes numbers as Go's strconv.FormatFloat(v, 'g', -1, 64)", () => {
    const cases: Array<[number, string]> = [
      [0, '0'],
      [5, '5'],
      [32_800, '32800'],
      [999_999, '999999'],
      [1_000_000, '1e+06'],
      [1_234_567, '1.234567e+06'],
      [12_345_678_901, '1.2345678901e+10'],
      [2 ** 53, '9.007199254740992e+15'],
      [0.5, '0.5'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-2_500_000, '-2.5e+06'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [NaN, 'NaN'],
    ];
    for (const [value, text] of cases) expect(goFloat(value), String(value)).toBe(text);
  });
});
