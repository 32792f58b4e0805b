/**
 * Zod issues in words a scenario's author reads (`unknown key "x"`, `expected a number, got "fast"`,
 * `must be at least 0`), each at its path in the file, so schema mistakes and the checks made on
 * the whole file (a toxic's attributes on a udp proxy) read alike.
 * @module
 */
import type { z } from 'zod';
import { ToxicRegistry } from '../toxics/registry.js';
import type { ValuePath } from './interpolate.js';
import { ACTION_TYPES, MONKEY_ACTIONS, STEP_KINDS } from './schema.js';

/** A mistake at a path of the file. */
export interface Located {
  path: ValuePath;
  message: string;
  /** Point at the key rather than the value (unknown keys). */
  key?: boolean;
}

/** The value at `path` of `root`, or undefined. */
export function valueAt(root: unknown, path: ValuePath): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  int: 'a whole number',
};

/** Located messages for one zod issue; `raw` is the document the issue's path points into. */
export function explain(issue: z.core.$ZodIssue, raw: unknown, prefix: ValuePath = []): Located[] {
  const path = [...prefix, ...(issue.path as ValuePath)];
  const value = valueAt(raw, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}"`, key: true }));
    case 'invalid_type':
      if (value === undefined) return [{ path, message: `missing required key "${String(path[path.length - 1])}"` }];
      // A schema's own message (durations, attributes) says more than the generic one.
      if (!issue.message.startsWith('Invalid input')) return [{ path, message: issue.message }];
      return [{ path, message: `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${describeValue(value)}` }];
    case 'invalid_union':
      return explainUnion(issue, raw, path);
    case 'invalid_value':
      if (!issue.message.startsWith('Invalid')) return [{ path, message: issue.message }];
      return [
        {
          path,
          message: `expected ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => String(v)).join(', ')}, got ${describeValue(value)}`,
        },
      ];
    case 'too_small':
    case 'too_big':
      return [{ path, message: boundMessage(issue) }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** A size or range bound in words, unless the schema has its own message. */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!/^Too (small|big)/.test(issue.message)) return issue.message;
  const small = issue.code === 'too_small';
  const bound = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  const word = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'array':
      return `expected ${word} ${bound} item${bound === 1 ? '' : 's'}`;
    case 'string':
      return bound === 1 && small ? 'must not be empty' : `expected ${word} ${bound} character${bound === 1 ? '' : 's'}`;
    default:
      return `must be ${word} ${bound}`;
  }
}

function explainUnion(issue: z.core.$ZodIssueInvalidUnion, raw: unknown, path: ValuePath): Located[] {
  const value = valueAt(raw, path);
  if ('note' in issue && issue.note === 'No matching discriminator') {
    const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
    const isAction = path.includes('action');
    const given = value === undefined ? 'missing' : JSON.stringify(value);
    const actions = path.includes('monkey') ? MONKEY_ACTIONS : ACTION_TYPES;
    const known = isAction ? actions.join(', ') : (options.length > 0 ? options : ToxicRegistry.builtin.types()).join(', ');
    return [{ path, message: isAction ? `unknown action ${given} (one of: ${known})` : `unknown toxic type ${given} (one of: ${known})` }];
  }
  // A step: explain it as the kind its key names.
  if (path.length === 2 && path[0] === 'steps' && typeof path[1] === 'number') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [{ path, message: `a step is a mapping with one of: ${STEP_KINDS.join(', ')}` }];
    }
    const kinds = STEP_KINDS.filter((k) => k in value);
    if (kinds.length === 0) {
      const others = Object.keys(value).filter((k) => !['name', 'at', 'after', 'for'].includes(k));
      const hint = others.length > 0 ? ` (unknown key${others.length > 1 ? 's' : ''} ${others.map((k) => `"${k}"`).join(', ')})` : '';
      return [{ path, message: `a step needs one of: ${STEP_KINDS.join(', ')}${hint}` }];
    }
    if (kinds.length > 1) return [{ path, message: `a step does one thing: it has both ${kinds.join(' and ')}` }];
    const branch = issue.errors[STEP_KINDS.indexOf(kinds[0] ?? 'toxic')] ?? [];
    return branch.flatMap((inner) => explain(inner, raw, path));
  }
  // A monkey's fault: a toxic (`type`) or an action (`action`), explained as the one its keys name.
  if (path[path.length - 2] === 'faults' && typeof value === 'object' && value !== null && issue.errors.length === 2) {
    const branch = issue.errors['action' in value ? 1 : 0] ?? [];
    return branch.flatMap((inner) => explain(inner, raw, path));
  }
  // Small unions (a number or a string, one or a list): say what each side expects.
  const expected = issue.errors.map((branch) => {
    const first = branch[0];
    return first?.code === 'invalid_type' && first.path.length === 0 ? (TYPE_WORDS[first.expected] ?? first.expected) : undefined;
  });
  if (expected.every((e) => e !== undefined)) {
    return [{ path, message: `expected ${[...new Set(expected)].join(' or ')}, got ${describeValue(value)}` }];
  }
  const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best), issue.errors[0] ?? []);
  return closest.flatMap((inner) => explain(inner, raw, path));
}
