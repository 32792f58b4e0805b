/**
 * Environment variables in scenario files: `${NAME}` and `${NAME:-default}` inside string values
 * (never keys), `$$` for a literal `$`. A value that is one reference and nothing else takes the type
 * its text reads as in YAML (`latency: ${LATENCY:-80}` is the number 80), so numbers and booleans can
 * come from the environment too. Substitution runs on parsed values, so error positions stay right.
 * @module
 */
import { parse as parseYaml } from 'yaml';

/** A path into a parsed document. */
export type ValuePath = ReadonlyArray<string | number>;

/** A reference that cannot be resolved: where it is and why. */
export interface InterpolationIssue {
  path: ValuePath;
  message: string;
}

/** A variable a scenario reads, with the value it got and where from. */
export interface ScenarioVariable {
  name: string;
  value: string;
  from: 'environment' | 'default';
}

const REFERENCE = /\$\$|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function substitute(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  issues: string[],
  variables: Map<string, ScenarioVariable>,
): string {
  return text.replace(REFERENCE, (whole, body: string | undefined) => {
    if (whole === '$$') return '$';
    const inner = body ?? '';
    const split = inner.indexOf(':-');
    const name = split === -1 ? inner : inner.slice(0, split);
    if (!NAME.test(name)) {
      issues.push(`bad variable reference "${whole}": use \${NAME} or \${NAME:-default}`);
      return whole;
    }
    const value = env[name];
    if (value !== undefined && value !== '') {
      variables.set(name, { name, value, from: 'environment' });
      return value;
    }
    if (split !== -1) {
      const fallback = inner.slice(split + 2);
      if (!variables.has(name)) variables.set(name, { name, value: fallback, from: 'default' });
      return fallback;
    }
    issues.push(`environment variable ${name} is not set (give a default with \${${name}:-value})`);
    return whole;
  });
}

/** The text as YAML would read a plain scalar: a number, a boolean, null, or the text itself. */
function retype(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    return value === null || ['number', 'boolean'].includes(typeof value) ? value : text;
  } catch {
    return text;
  }
}

/**
 * Replaces references in every string of `value`, reading `env`. Returns the new value; problems
 * are pushed to `issues` with the path of the string that holds them, and each variable read is
 * noted in `variables` with its value.
 */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  issues: InterpolationIssue[],
  variables: Map<string, ScenarioVariable> = new Map(),
  path: ValuePath = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    const found: string[] = [];
    const out = substitute(value, env, found, variables);
    for (const message of found) issues.push({ path, message });
    const single = /^\$\{[^}]*\}$/.test(value.trim());
    return single && found.length === 0 ? retype(out) : out;
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, issues, variables, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, issues, variables, [...path, key]);
    return out;
  }
  return value;
}
