/**
 * The `match` attribute every HTTP toxic takes: which requests it acts on. Empty parts match
 * everything; all given parts must match. A response is matched by the request it answers.
 * @module
 */
import { z } from 'zod';
import { once } from '../../core/toxic-contract.js';
import { compileGlob, GlobError, type Glob } from './glob.js';
import type { HeaderList } from './header-list.js';
import { headerName, method, namedRecord } from './http-attributes.js';

function globCheck(separator: string | undefined) {
  return (pattern: string, ctx: z.RefinementCtx): void => {
    try {
      compileGlob(pattern, separator === undefined ? {} : { separator });
    } catch (err) {
      if (!(err instanceof GlobError)) throw err;
      ctx.addIssue({ code: 'custom', message: `unparseable glob: ${err.message}` });
    }
  };
}

const MATCH_KEYS = 'methods, path, headers';

/** Headers one `match` may test: each costs every request a glob run over its values. */
const MAX_MATCH_HEADERS = 32;

/** `match`: methods, a path glob and header-value globs. */
export const matchAttribute = once(() =>
  z
    .strictObject(
      {
        /** Methods, any case (`GET`, `post`); empty = every method. */
        methods: z.array(method()).max(64).default([]),
        /** Glob on the request path without its query (`/orders/*`, `/api/**`); empty = every path. */
        path: z
          .string()
          .refine((p) => p === '' || p.startsWith('/') || p.startsWith('*'), { error: 'a path glob starts with "/" or "*"', abort: true })
          .superRefine(globCheck('/'))
          .default(''),
        /** Header name → glob on its value (`*` = present); a request needs every one. */
        headers: namedRecord(headerName(), z.string().superRefine(globCheck(undefined)))
          .refine((headers) => Object.keys(headers).length <= MAX_MATCH_HEADERS, { error: `at most ${MAX_MATCH_HEADERS} headers` })
          .default({}),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (match takes ${MATCH_KEYS})`
            : undefined,
      },
    )
    .prefault({})
    .meta({
      unit: '`{ methods, path, headers }`',
      defaultText: 'every request',
      description: 'which requests the toxic acts on (and the responses to them)',
    }),
);

/** The parsed `match` attribute. */
export type MatchAttribute = z.infer<ReturnType<typeof matchAttribute>>;

/** What a request is matched on. */
export interface MatchTarget {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly url: string;
  readonly headers: HeaderList;
}

/** The path of a request target: origin form without its query, or the path of an absolute URL. */
export function pathOf(url: string): string {
  if (!url.startsWith('/') && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    try {
      return new URL(url).pathname;
    } catch {
      return url;
    }
  }
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A compiled `match`. */
export interface RequestMatcher {
  test(request: MatchTarget): boolean;
}

/** Compiles a validated `match` attribute. */
export function compileMatch(match: MatchAttribute): RequestMatcher {
  const methods = new Set(match.methods);
  const path = match.path === '' ? undefined : compileGlob(match.path, { separator: '/' });
  const headers: Array<[string, Glob]> = Object.entries(match.headers).map(([name, pattern]) => [name, compileGlob(pattern)]);
  return {
    test(request) {
      if (methods.size > 0 && !methods.has(request.method.toUpperCase())) return false;
      if (path && !path.test(pathOf(request.url))) return false;
      for (const [name, glob] of headers) {
        if (!request.headers.getAll(name).some((value) => glob.test(value))) return false;
      }
      return true;
    },
  };
}

const everything: RequestMatcher = { test: () => true };
const compiled = new WeakMap<object, RequestMatcher>();

/**
 * The matcher for a toxic's attributes, compiled once per attribute object (specs are replaced,
 * never mutated, so an update compiles afresh).
 */
export function matcherFor(attributes: Readonly<Record<string, unknown>>): RequestMatcher {
  let matcher = compiled.get(attributes);
  if (!matcher) {
    const match = attributes['match'] as MatchAttribute | undefined;
    matcher = match ? compileMatch(match) : everything;
    compiled.set(attributes, matcher);
  }
  return matcher;
}
