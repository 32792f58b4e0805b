/**
 * Reads a request body the way Toxiproxy's Go decoder does: only the first JSON value counts and
 * whatever follows it is ignored; an empty body is `EOF`, a cut-off one `unexpected EOF`.
 * @module
 */
import { errors } from '../../errors.js';

/** A parsed JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function isWhitespace(code: number): boolean {
  return WHITESPACE.has(code);
}

/** Go's way of naming a character in an error message: `'g'`, `'\x00'`. */
function quoteChar(text: string, index: number): string {
  const code = text.codePointAt(index) ?? 0;
  if (code === 0x27) return "'\\''";
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(code)}'`;
}

/** Index just past the string that starts at `start` (a `"`), or -1 when the text ends first. */
function skipString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) i++;
    else if (code === 0x22) return i + 1;
  }
  return -1;
}

/**
 * Finds where the first JSON value ends, without judging its validity (JSON.parse does that).
 * Iterative, so deeply nested input cannot overflow the stack.
 */
function endOfFirstValue(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === 0x22) return skipString(text, start);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        const end = skipString(text, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (code === 0x7b || code === 0x5b) {
        depth++;
      } else if (code === 0x7d || code === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number or a literal: runs until a delimiter.
  let i = start;
  while (i < text.length && /[0-9A-Za-z+.-]/.test(text[i] ?? '')) i++;
  return i;
}

/**
 * Parses the first JSON value of `body`. Throws BAD_REQUEST_BODY (400) with Go's wording for the
 * common failures (`EOF`, `unexpected EOF`, `invalid character 'x' looking for beginning of value`).
 */
export function parseLenientJson(body: Buffer | string | undefined): JsonValue {
  const text = typeof body === 'string' ? body : (body ?? Buffer.alloc(0)).toString('utf8');
  let start = 0;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  if (start === text.length) throw errors.badRequestBody('EOF');
  const first = text[start] ?? '';
  if (!/["{[\-0-9tfn]/.test(first)) {
    throw errors.badRequestBody(`invalid character ${quoteChar(text, start)} looking for beginning of value`);
  }
  const end = endOfFirstValue(text, start);
  if (end < 0) throw errors.badRequestBody('unexpected EOF');
  try {
    return JSON.parse(text.slice(start, end)) as JsonValue;
  } catch (err) {
    throw errors.badRequestBody((err as Error).message);
  }
}

/** Names a JSON value's type for error messages: `a string`, `an array`, `null` … */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return `the number ${String(value)}`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
