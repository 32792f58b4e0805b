/**
 * A probe's `match`: a regular expression the response body must contain a match of, run by
 * re2js, an RE2 engine in plain JavaScript that matches in time linear in the body, whatever the
 * pattern. A scenario comes from a client (`POST /scenarios`), so a pattern must never be able to
 * freeze the server with backtracking. The syntax is RE2's (Go's `regexp`): no backreferences or
 * lookarounds.
 * @module
 */
import { RE2JS } from 're2js';

/** Longest `match` pattern accepted. */
export const MAX_MATCH_PATTERN = 512;
/** Bytes of a response body a `match` looks at: the first 64 KiB. */
export const MATCH_WINDOW = 64 * 1024;

/** A compiled `match`. */
export interface BodyMatch {
  /** True when `body` contains a match. */
  test(body: string): boolean;
}

const compiled = new Map<string, BodyMatch>();

/** Why `pattern` cannot be used, or undefined when it can. */
export function bodyMatchProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_MATCH_PATTERN) return `longer than ${MAX_MATCH_PATTERN} characters`;
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return `not a regular expression RE2 accepts: ${(err as Error).message}`;
  }
}

/** Compiles `pattern` (checked with {@link bodyMatchProblem} first), once per pattern. */
export function compileBodyMatch(pattern: string): BodyMatch {
  let match = compiled.get(pattern);
  if (!match) {
    const re = RE2JS.compile(pattern);
    match = { test: (body) => re.matcher(body).find() };
    // A handful of probes per scenario: a small cache, cleared rather than grown without end.
    if (compiled.size >= 256) compiled.clear();
    compiled.set(pattern, match);
  }
  return match;
}
