import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from './strict-json.js';

describe('findJsonSyntaxError', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const text of ['{}', '[]', ' null ', '0', '-1.5e+3', '"a\\u00e9\\n\\/"', '{"a":[1,{"b":true}],"c":null}\n', '[[[[]]]]']) {
      expect(findJsonSyntaxError(text), text).toBeUndefined();
    }
  });

  it('locates each kind of mistake at its first offending character', () => {
    const cases: Array<[string, number, string]> = [
      ['{"a":1,}', 6, 'trailing comma before "}"'],
      ['[1,2 , ]', 5, 'trailing comma before "]"'],
      ['{"a":1', 6, 'expected "," or "}", found the end of the file'],
      ['{a:1}', 1, 'expected a property name in double quotes, found "a"'],
      ['{"a" 1}', 5, 'expected ":" after a property name, found "1"'],
      ['[1 2]', 3, 'expected "," or "]", found "2"'],
      ['', 0, 'unexpected end of the file: expected a value'],
      ['tru', 0, 'expected a value, found "t"'],
      ['{"a":1} x', 8, 'unexpected "x" after the JSON value'],
      ['"a\nb"', 2, 'control character "\\n" in a string (escape it)'],
      ['"\\x"', 1, 'invalid escape "\\\\x" in a string'],
      ['"\\u12"', 1, 'invalid \\u escape: expected four hex digits'],
      ['"abc', 0, 'unterminated string'],
      ['[01]', 1, 'invalid number'],
      ['[1.]', 1, 'invalid number'],
      ['[-]', 1, 'invalid number'],
      ['/* x */ {}', 0, 'comments are not allowed in JSON'],
      ['\ufeff{}', 0, 'expected a value, found "\ufeff"'],
    ];
    for (const [text, offset, message] of cases) expect(findJsonSyntaxError(text), text).toEqual({ offset, message });
  });

  it('handles deep nesting without recursion', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(findJsonSyntaxError(deep)).toBeUndefined();
    expect(findJsonSyntaxError(`${'['.repeat(200_000)},${']'.repeat(200_000)}`)).toEqual({
      offset: 200_000,
      message: 'expected a value, found ","',
    });
  });
});
