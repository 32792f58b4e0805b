/**
 * Glob patterns for HTTP `match` (request paths and header values), compiled once and matched in
 * time proportional to pattern × input length, whatever the pattern: no regular expressions, so no
 * pathological backtracking on long paths.
 *
 * | syntax     | matches                                                        |
 * |------------|----------------------------------------------------------------|
 * | `*`        | any run of characters except the separator (`/` in paths)      |
 * | `**`       | any run of characters, separators included                     |
 * | `?`        | one character except the separator                             |
 * | `[abc]`    | one of the characters; ranges `[a-z]`; `[!…]` or `[^…]` negates |
 * | `{a,b}`    | one of the alternatives (nesting allowed)                      |
 * | `\x`       | the character `x` itself                                       |
 * @module
 */

/** Why a pattern could not be compiled; the message says what and where (1-based position). */
export class GlobError extends Error {
  override readonly name = 'GlobError';
}

/** Options for {@link compileGlob}. */
export interface GlobOptions {
  /** A character `*` and `?` do not cross (`/` for paths); none for header values. */
  separator?: string;
}

type Token =
  | { kind: 'char'; ch: string }
  | { kind: 'one' }
  | { kind: 'set'; negated: boolean; ranges: Array<[string, string]> }
  | { kind: 'star' }
  | { kind: 'globstar' };

const MAX_PATTERN = 1024;
const MAX_ALTERNATIVES = 256;

/** A compiled pattern. */
export interface Glob {
  readonly source: string;
  /** True when the whole of `input` matches. */
  test(input: string): boolean;
}

class Parser {
  private i = 0;

  constructor(private readonly pattern: string) {}

  /** Alternatives of the whole pattern, each a token sequence. */
  parseAll(): Token[][] {
    const result = this.sequence(false);
    if (this.i < this.pattern.length) throw this.error(`unmatched "}"`, this.i);
    return result;
  }

  private error(message: string, at: number): GlobError {
    return new GlobError(`${message} at position ${at + 1} of ${JSON.stringify(this.pattern)}`);
  }

  /** Parses up to the end, or (inside braces) to the next `,` or `}`. */
  private sequence(inBraces: boolean): Token[][] {
    let alternatives: Token[][] = [[]];
    const p = this.pattern;
    while (this.i < p.length) {
      const c = p[this.i] as string;
      if (inBraces && (c === ',' || c === '}')) return alternatives;
      if (c === '}') throw this.error('unmatched "}"', this.i);
      let next: Token[][];
      if (c === '{') next = this.braces();
      else next = [[this.token()]];
      const product: Token[][] = [];
      for (const a of alternatives) for (const b of next) product.push([...a, ...b]);
      if (product.length > MAX_ALTERNATIVES) throw this.error(`more than ${MAX_ALTERNATIVES} alternatives`, this.i);
      alternatives = product;
    }
    return alternatives;
  }

  private braces(): Token[][] {
    const open = this.i++;
    const all: Token[][] = [];
    for (;;) {
      all.push(...this.sequence(true));
      if (all.length > MAX_ALTERNATIVES) throw this.error(`more than ${MAX_ALTERNATIVES} alternatives`, open);
      const c = this.pattern[this.i];
      if (c === undefined) throw this.error('unclosed "{"', open);
      this.i++;
      if (c === '}') return all;
    }
  }

  private token(): Token {
    const p = this.pattern;
    const c = p[this.i] as string;
    if (c === '\\') {
      const escaped = p[this.i + 1];
      if (escaped === undefined) throw this.error('a trailing "\\" escapes nothing', this.i);
      this.i += 2;
      return { kind: 'char', ch: escaped };
    }
    if (c === '*') {
      let n = 0;
      while (p[this.i] === '*') {
        this.i++;
        n++;
      }
      return { kind: n >= 2 ? 'globstar' : 'star' };
    }
    if (c === '?') {
      this.i++;
      return { kind: 'one' };
    }
    if (c === '[') return this.set();
    this.i++;
    return { kind: 'char', ch: c };
  }

  private set(): Token {
    const p = this.pattern;
    const open = this.i++;
    let negated = false;
    if (p[this.i] === '!' || p[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Array<[string, string]> = [];
    let first = true;
    for (;;) {
      let c = p[this.i];
      if (c === undefined) throw this.error('unclosed "["', open);
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '\\') {
        c = p[++this.i];
        if (c === undefined) throw this.error('unclosed "["', open);
      }
      this.i++;
      let to = c;
      if (p[this.i] === '-' && p[this.i + 1] !== undefined && p[this.i + 1] !== ']') {
        let end = p[this.i + 1] as string;
        this.i += 2;
        if (end === '\\') {
          const escaped = p[this.i];
          if (escaped === undefined) throw this.error('unclosed "["', open);
          end = escaped;
          this.i++;
        }
        if (end < c) throw this.error(`invalid range "${c}-${end}"`, this.i - 1);
        to = end;
      }
      ranges.push([c, to]);
    }
    return { kind: 'set', negated, ranges };
  }
}

function matchesToken(token: Token, ch: string, separator: string | undefined): boolean {
  switch (token.kind) {
    case 'char':
      return token.ch === ch;
    case 'one':
      return ch !== separator;
    case 'set': {
      if (ch === separator && token.negated) return false;
      const inSet = token.ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
      return inSet !== token.negated;
    }
    case 'star':
    case 'globstar':
      return false;
  }
}

/** Runs the pattern as an NFA over `input`: O(tokens × length), no backtracking. */
function runSequence(tokens: readonly Token[], input: string, separator: string | undefined): boolean {
  const n = tokens.length;
  let current = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  const close = (states: Uint8Array): void => {
    for (let s = 0; s < n; s++) {
      const t = tokens[s] as Token;
      if (states[s] && (t.kind === 'star' || t.kind === 'globstar')) states[s + 1] = 1;
    }
  };
  current[0] = 1;
  close(current);
  for (const ch of input) {
    next.fill(0);
    let any = false;
    for (let s = 0; s < n; s++) {
      if (!current[s]) continue;
      const t = tokens[s] as Token;
      if (t.kind === 'globstar' || (t.kind === 'star' && ch !== separator)) {
        next[s] = 1;
        any = true;
      } else if (matchesToken(t, ch, separator)) {
        next[s + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    [current, next] = [next, current];
  }
  return current[n] === 1;
}

/** Compiles `pattern`; throws {@link GlobError} when it cannot be parsed. */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  if (pattern.length > MAX_PATTERN) throw new GlobError(`pattern longer than ${MAX_PATTERN} characters`);
  const alternatives = new Parser(pattern).parseAll();
  const separator = options.separator;
  return {
    source: pattern,
    test: (input) => alternatives.some((tokens) => runSequence(tokens, input, separator)),
  };
}
