import { describe, expect, it } from 'vitest';
import { compareNames, detectStyle, fixed2, formatValue, hint, paint, renderTable, sortedAttributes } from './output.js';

const plain = { tty: true, color: false };
const colored = { tty: true, color: true };
const script = { tty: false, color: false };

describe('detectStyle', () => {
  it('uses tables and colour on a terminal only', () => {
    expect(detectStyle(true, {})).toEqual({ tty: true, color: true });
    expect(detectStyle(false, {})).toEqual({ tty: false, color: false });
  });

  it('honours NO_COLOR and TERM=dumb', () => {
    expect(detectStyle(true, { NO_COLOR: '1' })).toEqual({ tty: true, color: false });
    expect(detectStyle(true, { TERM: 'dumb' })).toEqual({ tty: true, color: false });
    expect(detectStyle(true, { NO_COLOR: '' })).toEqual({ tty: true, color: true });
  });
});

describe('renderTable', () => {
  it('pads columns to the widest cell, with a rule under the header', () => {
    expect(
      renderTable(
        plain,
        ['Name', 'Port'],
        [
          ['a', '1'],
          ['longer', '22'],
        ],
      ),
    ).toBe('Name    Port\n' + '============\n' + 'a       1\n' + 'longer  22\n');
  });

  it('pads on the plain text, so colour does not shift columns', () => {
    const out = renderTable(colored, ['A', 'B'], [[{ text: 'x', color: 'red' }, 'y']]);
    expect(out).toBe('\x1b[1mA\x1b[0m  \x1b[1mB\x1b[0m\n====\n\x1b[31mx\x1b[0m  y\n');
  });
});

describe('paint and hint', () => {
  it('colours only when allowed', () => {
    expect(paint(colored, 'green', 'ok')).toBe('\x1b[32mok\x1b[0m');
    expect(paint(plain, 'green', 'ok')).toBe('ok');
  });

  it('prints hints on a terminal only', () => {
    expect(hint(plain, 'do this')).toBe('\nHint: do this\n');
    expect(hint(script, 'do this')).toBe('');
  });
});

describe('fixed2', () => {
  it("prints two decimals like Go's %.2f", () => {
    expect(fixed2(1)).toBe('1.00');
    expect(fixed2(0.5)).toBe('0.50');
    expect(fixed2(0.2)).toBe('0.20');
    expect(fixed2(0.12345679)).toBe('0.12');
    expect(fixed2(0)).toBe('0.00');
  });

  it('rounds exact ties to even, as Go does', () => {
    expect(fixed2(0.125)).toBe('0.12');
    expect(fixed2(0.375)).toBe('0.38');
    expect(fixed2(0.625)).toBe('0.62');
    expect(fixed2(0.875)).toBe('0.88');
    expect(fixed2(-0.125)).toBe('-0.12');
  });
});

describe('attributes', () => {
  it('formats numbers, strings and other values', () => {
    expect(formatValue(1000)).toBe('1000');
    expect(formatValue(0.25)).toBe('0.25');
    expect(formatValue('normal')).toBe('normal');
    expect(formatValue(true)).toBe('true');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });

  it('sorts by key', () => {
    expect(sortedAttributes({ latency: 1, jitter: 2, distribution: 'normal' })).toEqual([
      ['distribution', 'normal'],
      ['jitter', '2'],
      ['latency', '1'],
    ]);
  });

  it('orders names by UTF-8 bytes', () => {
    expect(['b', 'B', 'é', 'a'].sort(compareNames)).toEqual(['B', 'a', 'b', 'é']);
  });
});
