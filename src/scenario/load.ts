/**
 * Loading a scenario: YAML (or JSON) text → environment references → schema → resolved plan. Every
 * mistake is reported as `file:line:col: path: message`, with positions from the YAML parser, and all
 * of them at once where possible.
 * @module
 */
import type { z } from 'zod';
import { formatPath, parseLocatedText, TextSyntaxError, type ParsedText } from '../text/located-text.js';
import { readLimited } from '../text/read-limited.js';
import { MAX_SCENARIO_BYTES } from '../limits.js';
import { randomSeed } from '../core/rng.js';
import { assertNever, FaultlineError } from '../errors.js';
import { toxicTypes } from '../toxics/registry.js';
import { interpolate, type InterpolationIssue, type ScenarioVariable, type ValuePath } from './interpolate.js';
import { deferTargetVariables } from './target-variables.js';
import { ACTION_TYPES, MONKEY_ACTIONS, scenarioSchema, STEP_KINDS, type Scenario } from './schema.js';
import { checkLocalSteps } from './local-checks.js';
import { checkValidParts } from './plan-checks.js';
import { PlanError, type Plan, type PlanIssue } from './plan.js';
import { resolvePlan } from './timeline.js';

/** A scenario that cannot be run; `issues` holds each mistake on its own, already located. */
export class ScenarioError extends FaultlineError {
  constructor(
    message: string,
    readonly issues: readonly string[] = [message],
  ) {
    super('SCENARIO_INVALID', message);
  }
}

/** Options for {@link parseScenario}. */
export interface LoadScenarioOptions {
  /** The name used in messages (`game-day.yaml:12:5: …`). */
  file: string;
  /** Values for `${NAME}` references (default: none, so only `${NAME:-default}` resolves). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides the file's `seed`. */
  seed?: string | undefined;
  /** Multiplies every time on the axis (see {@link resolvePlan}). */
  timeScale?: number | undefined;
  /**
   * Accept what acts on the local machine — `exec` probes, `exec` steps, process faults (default
   * true; the API refuses them: they would run commands and signal processes on the server).
   */
  allowExec?: boolean;
}

/** A loaded scenario and its plan. */
export interface LoadedScenario {
  scenario: Scenario;
  plan: Plan;
  /** The environment variables the file reads, by name, with the value each got. */
  variables: ScenarioVariable[];
}

interface Located {
  path: ValuePath;
  message: string;
  /** Point at the key rather than the value (unknown keys). */
  key?: boolean;
}

function valueAt(root: unknown, path: ValuePath): unknown {
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
function explain(issue: z.core.$ZodIssue, raw: unknown, prefix: ValuePath = []): Located[] {
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
    const known = isAction ? actions.join(', ') : (options.length > 0 ? options : toxicTypes()).join(', ');
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

function located(parsed: ParsedText, issues: readonly Located[]): string[] {
  const lines = issues.map(({ path, message, key }) => `${parsed.locate(path, key ?? false)}: ${formatPath(path) || '(root)'}: ${message}`);
  return [...new Set(lines)];
}

function fail(lines: readonly string[]): never {
  throw new ScenarioError(lines.join('\n'), lines);
}

/** Puts back the attributes as written (the schema fills in defaults; the server does that itself). */
function keepRawAttributes(scenario: Scenario, raw: unknown): void {
  scenario.steps.forEach((s, i) => {
    const rawAttrs = (path: ValuePath): Record<string, unknown> => {
      const value = valueAt(raw, [...path, 'attributes']);
      return typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
    };
    switch (s.kind) {
      case 'toxic':
        s.toxic.attributes = rawAttrs(['steps', i, 'toxic']) as typeof s.toxic.attributes;
        return;
      case 'ramp':
        s.ramp.attributes = rawAttrs(['steps', i, 'ramp']) as typeof s.ramp.attributes;
        return;
      case 'monkey':
        s.monkey.faults.forEach((f, j) => {
          if ('type' in f) f.attributes = rawAttrs(['steps', i, 'monkey', 'faults', j]) as typeof f.attributes;
        });
        return;
      case 'action':
      case 'wait':
      case 'exec':
        return;
      default:
        assertNever(s, 'step');
    }
  });
}

/**
 * Parses and checks a scenario given as text.
 * @throws {ScenarioError} listing every mistake found, each as `file:line:col: path: message`.
 */
export function parseScenario(text: string, options: LoadScenarioOptions): LoadedScenario {
  let parsed: ParsedText;
  try {
    parsed = parseLocatedText(text, options.file);
  } catch (err) {
    if (err instanceof TextSyntaxError) fail([err.message]);
    throw err;
  }
  if (parsed.value === null || parsed.value === undefined) fail([`${options.file}: the scenario is empty`]);

  const references: InterpolationIssue[] = [];
  const variables = new Map<string, ScenarioVariable>();
  const raw = interpolate(deferTargetVariables(parsed.value, references), options.env ?? {}, references, variables);
  // Every mistake in one pass: a value with an unresolved reference is reported once, for the
  // reference; the rest of the file is still checked.
  const unresolved = references.map((r) => formatPath(r.path));
  const fromReference = (path: ValuePath): boolean => {
    const text = formatPath(path);
    return unresolved.some((u) => text === u || text.startsWith(`${u}.`) || text.startsWith(`${u}[`));
  };
  const problems: Located[] = [...references];

  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const partial: PlanIssue[] = [];
    checkValidParts(raw, partial);
    checkLocalSteps(valueAt(raw, ['steps']), options.allowExec !== false, partial);
    const found = [...result.error.issues.flatMap((issue) => explain(issue, raw)), ...partial];
    fail(located(parsed, [...references, ...found.filter((p) => !fromReference(p.path))]));
  }
  const scenario = result.data;

  if (options.allowExec === false) {
    scenario.probes.forEach((p, i) => {
      if (p.exec)
        problems.push({
          path: ['probes', i, 'exec'],
          message: 'exec probes are not accepted here: they would run commands on the server (use faultline run)',
        });
    });
  }
  checkLocalSteps(valueAt(raw, ['steps']), options.allowExec !== false, problems);
  keepRawAttributes(scenario, raw);

  const seed = options.seed ?? (scenario.seed === undefined ? randomSeed() : String(scenario.seed));
  let plan: Plan | undefined;
  try {
    plan = resolvePlan(scenario, { seed, ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}) });
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    problems.push(...err.issues);
  }
  if (problems.length > 0 || !plan)
    fail(
      located(
        parsed,
        problems.filter((p) => references.includes(p as InterpolationIssue) || !fromReference(p.path)),
      ),
    );
  return { scenario, plan, variables: [...variables.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Reads and checks a scenario file. A file that cannot be read is a {@link ScenarioError} too. */
export async function loadScenario(
  path: string,
  options: Omit<LoadScenarioOptions, 'file'> & { file?: string } = {},
): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readLimited(path, MAX_SCENARIO_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail([`${path}: cannot read the scenario${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`]);
  }
  return parseScenario(text, { ...options, file: options.file ?? path });
}
