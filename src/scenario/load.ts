/**
 * Loading a scenario: YAML (or JSON) text → environment references → schema → resolved plan. Every
 * mistake is reported as `file:line:col: path: message`, with positions from the YAML parser, and all
 * of them at once where possible.
 * @module
 */
import { formatPath, parseLocatedText, TextSyntaxError, type ParsedText } from '../text/located-text.js';
import { readLimited } from '../text/read-limited.js';
import { MAX_SCENARIO_BYTES } from '../limits.js';
import { randomSeed } from '../core/rng.js';
import { FaultlineError } from '../errors.js';
import { interpolate, type InterpolationIssue, type ScenarioVariable, type ValuePath } from './interpolate.js';
import { deferTargetVariables } from './target-variables.js';
import { scenarioSchema, type Scenario } from './schema.js';
import { explain, valueAt, type Located } from './issue-text.js';
import { checkLocalSteps } from './local-checks.js';
import { checkValidParts } from './plan-checks.js';
import { keepRawAttributes } from './toxic-layers.js';
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

function located(parsed: ParsedText, issues: readonly Located[]): string[] {
  const lines = issues.map(({ path, message, key }) => `${parsed.locate(path, key ?? false)}: ${formatPath(path) || '(root)'}: ${message}`);
  return [...new Set(lines)];
}

function fail(lines: readonly string[]): never {
  throw new ScenarioError(lines.join('\n'), lines);
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
  scenario.steps.forEach((s, i) => {
    keepRawAttributes(s, valueAt(raw, ['steps', i]));
  });

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
