/**
 * Glob patterns for HTTP `match` (request paths and header values), compiled once into a small
 * automaton (one state per pattern element, alternatives included, never multiplied out) and
 * matched by following every live state at once: per input character the work is bounded by the
 * pattern's size, whatever the pattern. No regular expressions, so no backtracking on long paths.
 *
 * | syntax     | matches                                                        |
 * |------------|----------------------------------------------------------------|
 * | `*`        | any run of characters except the separator (`/` in paths)      |
 * | `**`       | any run of characters, separators included                     |
 * | `?`        | one character except the separator                             |
 * | `[abc]`    | one of the characters; ranges `[a-z]`; `[!…]` or `[^…]` negates |
 * | `{a,b}`    | one of the alternatives (nesting allowed)                      |
 * | `\x`       | the character `x` itself                                       |
 *
 * Longer than 300 lines because the parser and the automaton it builds are one unit: the states
 * the parser emits are the automaton's, and the bounds on pattern size are checked where both meet.
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

/** A parsed pattern element: a token, or a choice between sequences (`{a,b}`). */
type Element = Token | { kind: 'alt'; branches: Element[][] };

/** Longest pattern accepted: it bounds the automaton, so the work per input character. */
export const MAX_GLOB_PATTERN = 256;

/** A compiled pattern. */
export interface Glob {
  readonly source: string;
  /** States of its automaton: the most work matching does per input character. */
  readonly size: number;
  /** True when the whole of `input` matches. */
  test(input: string): boolean;
}

class Parser {
  private i = 0;

  constructor(private readonly pattern: string) {}

  /** The whole pattern as one sequence of elements. */
  parseAll(): Element[] {
    const result = this.sequence(false);
    if (this.i < this.pattern.length) throw this.error(`unmatched "}"`, this.i);
    return result;
  }

  private error(message: string, at: number): GlobError {
    return new GlobError(`${message} at position ${at + 1} of ${JSON.stringify(this.pattern)}`);
  }

  /** Parses up to the end, or (inside braces) to the next `,` or `}`. */
  private sequence(inBraces: boolean): Element[] {
    const elements: Element[] = [];
    const p = this.pattern;
    while (this.i < p.length) {
      const c = p[this.i] as string;
      if (inBraces && (c === ',' || c === '}')) return elements;
      if (c === '}') throw this.error('unmatched "}"', this.i);
      elements.push(c === '{' ? this.braces() : this.token());
    }
    return elements;
  }

  private braces(): Element {
    const open = this.i++;
    const branches: Element[][] = [];
    for (;;) {
      branches.push(this.sequence(true));
      const c = this.pattern[this.i];
      if (c === undefined) throw this.error('unclosed "{"', open);
      this.i++;
      if (c === '}') return { kind: 'alt', branches };
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

const CHAR = 0;
const ONE = 1;
const SET = 2;
const NOT_SET = 3;
const STAR = 4;
const GLOBSTAR = 5;
const SPLIT = 6;
const JUMP = 7;
const MATCH = 8;

/**
 * The automaton, one state per instruction in flat arrays. `CHAR`, `ONE` and the sets consume a
 * character and go to the next state; `STAR` and `GLOBSTAR` consume one and stay, or go on without
 * consuming; `SPLIT` goes on to each of its targets without consuming; `JUMP` goes to its target;
 * `MATCH` accepts. `arg` is the character (CHAR), the first range (sets), the first target (SPLIT)
 * or the target (JUMP); `count` how many ranges or targets follow it in `extra`.
 */
interface Program {
  op: Int32Array;
  arg: Int32Array;
  count: Int32Array;
  /** Set ranges as [low, high] code point pairs, and split targets. */
  extra: Int32Array;
}

class Builder {
  readonly ops: number[] = [];
  readonly args: number[] = [];
  readonly counts: number[] = [];
  readonly extra: number[] = [];

  push(op: number, arg = 0, count = 0): number {
    this.ops.push(op);
    this.args.push(arg);
    this.counts.push(count);
    return this.ops.length - 1;
  }

  emit(elements: readonly Element[]): void {
    for (const element of elements) {
      switch (element.kind) {
        case 'char':
          this.push(CHAR, element.ch.codePointAt(0) ?? 0);
          break;
        case 'one':
          this.push(ONE);
          break;
        case 'star':
          this.push(STAR);
          break;
        case 'globstar':
          this.push(GLOBSTAR);
          break;
        case 'set': {
          const first = this.extra.length;
          for (const [lo, hi] of element.ranges) this.extra.push(lo.codePointAt(0) ?? 0, hi.codePointAt(0) ?? 0);
          this.push(element.negated ? NOT_SET : SET, first, element.ranges.length);
          break;
        }
        case 'alt': {
          const split = this.push(SPLIT, 0, element.branches.length);
          const targets: number[] = [];
          const jumps: number[] = [];
          for (const branch of element.branches) {
            targets.push(this.ops.length);
            this.emit(branch);
            jumps.push(this.push(JUMP));
          }
          this.args[split] = this.extra.length;
          this.extra.push(...targets);
          for (const jump of jumps) this.args[jump] = this.ops.length;
          break;
        }
      }
    }
  }

  build(): Program {
    this.push(MATCH);
    return {
      op: Int32Array.from(this.ops),
      arg: Int32Array.from(this.args),
      count: Int32Array.from(this.counts),
      extra: Int32Array.from(this.extra),
    };
  }
}

function inRanges(program: Program, first: number, count: number, code: number): boolean {
  for (let i = first; i < first + 2 * count; i += 2) {
    if (code >= (program.extra[i] as number) && code <= (program.extra[i + 1] as number)) return true;
  }
  return false;
}

/**
 * For each state, the consuming states (and MATCH) it reaches without consuming: itself, past
 * SPLIT and JUMP, and past STAR and GLOBSTAR (which may match nothing). Computed once per pattern.
 */
function closures(program: Program): Int32Array[] {
  const { op, arg, count, extra } = program;
  const n = op.length;
  const out: Int32Array[] = [];
  const seen = new Uint32Array(n);
  for (let start = 0; start < n; start++) {
    const mark = start + 1;
    const reached: number[] = [];
    const stack = [start];
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (seen[s] === mark) continue;
      seen[s] = mark;
      const code = op[s];
      if (code === SPLIT) {
        for (let i = (arg[s] as number) + (count[s] as number) - 1; i >= (arg[s] as number); i--) stack.push(extra[i] as number);
      } else if (code === JUMP) {
        stack.push(arg[s] as number);
      } else {
        reached.push(s);
        if (code === STAR || code === GLOBSTAR) stack.push(s + 1);
      }
    }
    out.push(Int32Array.from(reached));
  }
  return out;
}

/** Runs the automaton over `input`, every live state at once: O(states × length), no backtracking. */
function run(program: Program, closure: readonly Int32Array[], input: string, separator: number): boolean {
  const { op, arg, count } = program;
  const n = op.length;
  let current = new Int32Array(n);
  let next = new Int32Array(n);
  // `seen[state] === generation` marks a state already in the list being built.
  const seen = new Uint32Array(n);
  let generation = 1;
  let currentSize = 0;
  for (const t of closure[0] as Int32Array) {
    seen[t] = generation;
    current[currentSize++] = t;
  }
  for (let at = 0; at < input.length; ) {
    const ch = input.codePointAt(at) as number;
    at += ch > 0xffff ? 2 : 1;
    generation++;
    let nextSize = 0;
    for (let i = 0; i < currentSize; i++) {
      const s = current[i] as number;
      let to = -1;
      switch (op[s]) {
        case CHAR:
          if (ch === arg[s]) to = s + 1;
          break;
        case ONE:
          if (ch !== separator) to = s + 1;
          break;
        case STAR:
          if (ch !== separator) to = s;
          break;
        case GLOBSTAR:
          to = s;
          break;
        case SET:
          if (inRanges(program, arg[s] as number, count[s] as number, ch)) to = s + 1;
          break;
        case NOT_SET:
          if (ch !== separator && !inRanges(program, arg[s] as number, count[s] as number, ch)) to = s + 1;
          break;
        default:
          break;
      }
      if (to < 0) continue;
      const reached = closure[to] as Int32Array;
      for (let j = 0; j < reached.length; j++) {
        const t = reached[j] as number;
        if (seen[t] === generation) continue;
        seen[t] = generation;
        next[nextSize++] = t;
      }
    }
    if (nextSize === 0) return false;
    [current, next] = [next, current];
    currentSize = nextSize;
  }
  for (let i = 0; i < currentSize; i++) if (op[current[i] as number] === MATCH) return true;
  return false;
}

/** Compiles `pattern`; throws {@link GlobError} when it cannot be parsed or is too long. */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  if (pattern.length > MAX_GLOB_PATTERN) throw new GlobError(`pattern longer than ${MAX_GLOB_PATTERN} characters`);
  const builder = new Builder();
  builder.emit(new Parser(pattern).parseAll());
  const program = builder.build();
  const separator = options.separator === undefined ? -1 : (options.separator.codePointAt(0) ?? -1);
  const closure = closures(program);
  return { source: pattern, size: program.op.length, test: (input) => run(program, closure, input, separator) };
}
