import { describe, expect, it } from 'vitest';
import { compileGlob, GlobError } from './glob.js';

const path = (pattern: string) => compileGlob(pattern, { separator: '/' });

describe('glob', () => {
  it('matches * within a segment, ** across segments, ? one character', () => {
    expect(path('/orders/*').test('/orders/17')).toBe(true);
    expect(path('/orders/*').test('/orders/17/items')).toBe(false);
    expect(path('/orders/*').test('/orders/')).toBe(true);
    expect(path('/api/**').test('/api/v1/users/2')).toBe(true);
    expect(path('/api/**/edit').test('/api/a/b/edit')).toBe(true);
    expect(path('/a?c').test('/abc')).toBe(true);
    expect(path('/a?c').test('/a/c')).toBe(false);
    expect(path('/exact').test('/exact/')).toBe(false);
  });

  it('has classes, ranges, negation, alternatives and escapes', () => {
    expect(path('/v[12]/x').test('/v2/x')).toBe(true);
    expect(path('/v[12]/x').test('/v3/x')).toBe(false);
    expect(path('/[a-c]').test('/b')).toBe(true);
    expect(path('/[!a-c]').test('/d')).toBe(true);
    expect(path('/[!a-c]').test('/a')).toBe(false);
    expect(path('/[]]').test('/]')).toBe(true);
    expect(path('/{users,orders}/*').test('/orders/1')).toBe(true);
    expect(path('/{users,orders}/*').test('/carts/1')).toBe(false);
    expect(path('/{a,b{c,d}}').test('/bd')).toBe(true);
    expect(path('/\\*').test('/*')).toBe(true);
    expect(path('/\\*').test('/x')).toBe(false);
  });

  it('lets * cross anything when there is no separator (header values)', () => {
    expect(compileGlob('application/json*').test('application/json; charset=utf-8')).toBe(true);
    expect(compileGlob('*').test('')).toBe(true);
  });

  it('says what is wrong and where', () => {
    const message = (pattern: string) => {
      try {
        path(pattern);
        return 'compiled';
      } catch (err) {
        expect(err).toBeInstanceOf(GlobError);
        return (err as Error).message;
      }
    };
    expect(message('/a[bc')).toBe('unclosed "[" at position 3 of "/a[bc"');
    expect(message('/{a,b')).toBe('unclosed "{" at position 2 of "/{a,b"');
    expect(message('/a}')).toBe('unmatched "}" at position 3 of "/a}"');
    expect(message('/a\\')).toBe('a trailing "\\" escapes nothing at position 3 of "/a\\\\"');
    expect(message('/[z-a]')).toBe('invalid range "z-a" at position 5 of "/[z-a]"');
    expect(message(`/${'a'.repeat(256)}`)).toBe('pattern longer than 256 characters');
  });

  it('never multiplies alternatives out: the automaton stays the size of the pattern', () => {
    const braces = `/${'{a,b}'.repeat(9)}`;
    expect(path(braces).test('/abbabaabb')).toBe(true);
    expect(path(braces).test('/abbabaabc')).toBe(false);
    expect(path(braces).size).toBeLessThanOrEqual(2 * braces.length);
    // Eight brace pairs used to become 256 alternatives, each walked over the whole input: a long
    // path cost 256 times the pattern per character. Now the same input costs about the same with
    // or without the braces (measured in the same run, with a wide margin for a busy machine).
    const plain = path(`/${'*a'.repeat(123)}*`);
    const branched = path(`/${'{a,b}'.repeat(8)}${'*a'.repeat(103)}*`);
    const input = `/${'a'.repeat(16 * 1024)}`;
    const time = (glob: ReturnType<typeof path>): number => {
      const started = performance.now();
      glob.test(input);
      return performance.now() - started;
    };
    const baseline = Math.min(time(plain), time(plain), time(plain));
    const measured = Math.min(time(branched), time(branched));
    expect(measured).toBeLessThan(10 * baseline + 5);
  });

  it('matches in linear time where a backtracking engine would not finish', () => {
    const glob = path(`/${'*a'.repeat(30)}b`);
    const small = `/${'a'.repeat(4000)}`;
    const large = `/${'a'.repeat(64_000)}`;
    // Sixteen times the input takes about sixteen times as long (a quadratic matcher: 256 times; the
    // bound sits between, as caches and collections make the larger input dearer per byte). CPU time,
    // best of several runs taken in turns: time spent waiting for a busy core is not counted.
    const best = { small: Infinity, large: Infinity };
    const time = (input: string): number => {
      const started = process.cpuUsage();
      expect(glob.test(input)).toBe(false);
      const used = process.cpuUsage(started);
      return used.user + used.system;
    };
    time(small);
    for (let i = 0; i < 7; i++) {
      best.small = Math.min(best.small, time(small));
      best.large = Math.min(best.large, time(large));
    }
    expect(best.large / best.small).toBeLessThan(64);
  });
});
