/**
 * Per-target variables: a scenario's proxy `listen` and `upstream` may read `${TARGET_HOST}`,
 * `${TARGET_PORT}`, `${TARGET_INDEX}` and `${TARGET_URL}`, resolved on each target of a fleet when
 * its proxies are created, so one file drives instances that proxy different services. Environment
 * references are resolved when the file loads; these stay in the plan until a target is known.
 * @module
 */
import type { InterpolationIssue, ValuePath } from './interpolate.js';

/** The variables of a target, with what each holds. */
export const TARGET_VARIABLES = {
  TARGET_HOST: "the host of the target's admin API URL (for a dns+http target, the address found)",
  TARGET_PORT: "the port of the target's admin API URL",
  TARGET_INDEX: 'the position of the target in the fleet, from 0 (a target found later gets the next one)',
  TARGET_URL: "the target's admin API URL",
} as const;

type TargetVariable = keyof typeof TARGET_VARIABLES;

/** What a target's variables are made of. */
export interface TargetIdentity {
  url: string;
  index: number;
}

const REFERENCE = /\$\{(TARGET_[A-Z]+)\}/g;

function isTargetVariable(name: string): name is TargetVariable {
  return Object.hasOwn(TARGET_VARIABLES, name);
}

/** The values of a target's variables. */
export function targetValues(target: TargetIdentity): Record<TargetVariable, string> {
  const url = new URL(target.url);
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return {
    TARGET_HOST: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    TARGET_PORT: port,
    TARGET_INDEX: String(target.index),
    TARGET_URL: target.url,
  };
}

/** `text` with every target variable replaced by its value on `target`. */
export function resolveTargetVariables(text: string, target: TargetIdentity): string;
export function resolveTargetVariables(text: string | undefined, target: TargetIdentity): string | undefined;
export function resolveTargetVariables(text: string | undefined, target: TargetIdentity): string | undefined {
  if (text === undefined || !text.includes('${TARGET_')) return text;
  const values = targetValues(target);
  return text.replace(REFERENCE, (whole, name: string) => (isTargetVariable(name) ? values[name] : whole));
}

/** `text` with sample values in place of target variables, to check its shape (`host:port`) at load time. */
export function withSampleTargetValues(text: string): string {
  return resolveTargetVariables(text, { url: 'http://127.0.0.1:8474', index: 0 });
}

/** True when `text` reads a target variable. */
export function readsTargetVariables(text: string | undefined): boolean {
  return text !== undefined && [...text.matchAll(REFERENCE)].some((m) => isTargetVariable(m[1] ?? ''));
}

function isAddressOfProxy(path: ValuePath): boolean {
  return path.length === 3 && path[0] === 'proxies' && typeof path[1] === 'number' && (path[2] === 'listen' || path[2] === 'upstream');
}

/**
 * Before environment references are resolved: target variables in a proxy's `listen` or `upstream`
 * are escaped (`$${TARGET_HOST}` reads back as `${TARGET_HOST}`) so they reach the plan as written;
 * anywhere else they are a mistake, reported in `issues`.
 */
export function deferTargetVariables(value: unknown, issues: InterpolationIssue[], path: ValuePath = []): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${TARGET_')) return value;
    const allowed = isAddressOfProxy(path);
    return value.replace(REFERENCE, (whole, name: string) => {
      if (!isTargetVariable(name)) return whole;
      if (!allowed) issues.push({ path, message: `\${${name}} is a target variable: only a proxy's listen and upstream take it` });
      return `$${whole}`;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => deferTargetVariables(item, issues, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = deferTargetVariables(item, issues, [...path, key]);
    return out;
  }
  return value;
}
