/**
 * Loading the config once at startup: defaults ← file (YAML or JSON) ← environment ← flags, validated
 * by one zod schema. Every problem is reported with where it came from: `file:line:col` and the path
 * of the bad value, or the environment variable or flag that set it.
 * @module
 */
import type { z } from 'zod';
import { MAX_CONFIG_FILE_BYTES } from '../limits.js';
import { fromToxiproxyLevel } from '../logging/pino-logger.js';
import { ConfigError } from './config-error.js';
import { formatPath } from '../text/value-path.js';
import type { ParsedText } from '../text/located-text.js';
import { readLimited } from '../text/read-limited.js';
import { configSchemas, type Config } from './schema.js';
import type { ToxicLookup } from '../core/toxic-contract.js';

export { ConfigError } from './config-error.js';

/** Server and engine settings given on the command line (already named as in the file). */
export interface ConfigFlags {
  host?: string | undefined;
  port?: string | number | undefined;
  token?: string | undefined;
  log_level?: string | undefined;
  seed?: string | undefined;
  metrics?: boolean | undefined;
  runtime_metrics?: boolean | undefined;
  /** The state file (`server.state`). */
  state?: string | undefined;
  /** Connections per proxy (`engine.max_connections`). */
  max_connections?: string | number | undefined;
  /** Accept a state file in a directory other users can write (`server.allow_shared_state_dir`). */
  allow_shared_state_dir?: boolean | undefined;
  /** Let proxies listen on non-loopback addresses (`server.allow_remote_listen`). */
  allow_remote_listen?: boolean | undefined;
}

/** What {@link loadConfig} reads. */
export interface LoadOptions {
  /** Config file path (YAML, or JSON: Faultline's format or Toxiproxy's array of proxies). */
  file?: string | undefined;
  /**
   * Environment (default none): FAULTLINE_HOST, FAULTLINE_PORT, FAULTLINE_TOKEN, FAULTLINE_LOG_LEVEL,
   * FAULTLINE_SEED, FAULTLINE_STATE, FAULTLINE_MAX_CONNECTIONS, LOG_LEVEL.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Flags, which win over everything. */
  flags?: ConfigFlags;
  /** The toxic types proxies may have (default: the built-in ones). */
  toxicRegistry?: ToxicLookup | undefined;
}

/** A validated config and the notes made while loading it. */
export interface LoadedConfig {
  config: Config;
  file?: string;
  /** Things worth logging that did not stop startup (e.g. an unknown Toxiproxy LOG_LEVEL). */
  warnings: string[];
}

type Path = ReadonlyArray<string | number>;

const ENV: ReadonlyArray<[string, 'server' | 'engine', string]> = [
  ['FAULTLINE_HOST', 'server', 'host'],
  ['FAULTLINE_PORT', 'server', 'port'],
  ['FAULTLINE_TOKEN', 'server', 'token'],
  ['FAULTLINE_LOG_LEVEL', 'server', 'log_level'],
  ['FAULTLINE_SEED', 'engine', 'seed'],
  ['FAULTLINE_STATE', 'server', 'state'],
  ['FAULTLINE_MAX_CONNECTIONS', 'engine', 'max_connections'],
  ['FAULTLINE_ALLOW_SHARED_STATE_DIR', 'server', 'allow_shared_state_dir'],
  ['FAULTLINE_ALLOW_REMOTE_LISTEN', 'server', 'allow_remote_listen'],
];

const NUMERIC = new Set(['server.port', 'engine.max_connections']);
const BOOLEAN = new Set(['server.allow_shared_state_dir', 'server.allow_remote_listen']);

/** Flags that set engine settings; every other flag sets a server one. */
const ENGINE_FLAGS: ReadonlySet<keyof ConfigFlags> = new Set(['seed', 'max_connections']);

/** A string from the environment or a flag, as the type the schema expects. */
function coerce(path: string, value: string | number | boolean): unknown {
  if (typeof value !== 'string') return value;
  if (NUMERIC.has(path) && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  if (BOOLEAN.has(path) && /^\s*(true|1|false|0)\s*$/i.test(value)) return /^\s*(true|1)\s*$/i.test(value);
  if (path === 'engine.seed' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return value;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Loads, merges and validates the config. Throws {@link ConfigError} listing every problem, each
 * with its location.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const warnings: string[] = [];
  let parsed: ParsedText | undefined;
  let raw: unknown = {};
  let arrayFormat = false;
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readLimited(options.file, MAX_CONFIG_FILE_BYTES);
    } catch (err) {
      throw new ConfigError(`${options.file}: cannot read config file: ${(err as Error).message}`);
    }
    // The YAML parser is loaded only when there is a file to read.
    const { parseLocatedText, TextSyntaxError } = await import('../text/located-text.js');
    try {
      parsed = parseLocatedText(text, options.file);
    } catch (err) {
      throw err instanceof TextSyntaxError ? new ConfigError(err.message) : err;
    }
    raw = parsed.value ?? {};
    if (Array.isArray(raw)) {
      // Toxiproxy's format: the file is the list of proxies.
      arrayFormat = true;
      raw = { proxies: raw };
    }
  }

  const origins = new Map<string, string>();
  const root = asRecord(raw);
  const overlay = (section: 'server' | 'engine', key: string, value: string | number | boolean | undefined, origin: string): void => {
    if (value === undefined || !root) return;
    if (root[section] === undefined) root[section] = {};
    const target = root[section];
    const record = asRecord(target);
    if (!record) return;
    const path = `${section}.${key}`;
    record[key] = coerce(path, value);
    origins.set(path, origin);
  };

  const env = options.env ?? {};
  const toxiproxyLevel = env['LOG_LEVEL'];
  if (toxiproxyLevel !== undefined && env['FAULTLINE_LOG_LEVEL'] === undefined) {
    const level = fromToxiproxyLevel(toxiproxyLevel);
    if (level) overlay('server', 'log_level', level, 'environment variable LOG_LEVEL');
    else warnings.push(`unknown LOG_LEVEL value: ${JSON.stringify(toxiproxyLevel)} (ignored)`);
  }
  for (const [name, section, key] of ENV) overlay(section, key, env[name], `environment variable ${name}`);

  const flags = options.flags ?? {};
  for (const [key, value] of Object.entries(flags) as [keyof ConfigFlags, ConfigFlags[keyof ConfigFlags]][]) {
    const section = ENGINE_FLAGS.has(key) ? 'engine' : 'server';
    overlay(section, key, value, `flag --${key.replace(/_/g, '-')}`);
  }

  const result = configSchemas(options.toxicRegistry).config.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue) => describeIssue(issue, raw, parsed, origins, arrayFormat));
    throw new ConfigError(issues.join('\n'), issues);
  }
  return { config: result.data, ...(options.file !== undefined ? { file: options.file } : {}), warnings };
}

/** One zod issue as `where: path: message` lines (an unknown-keys issue gives one line per key). */
function describeIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  parsed: ParsedText | undefined,
  origins: Map<string, string>,
  arrayFormat: boolean,
): string[] {
  const paths: Array<{ path: Path; message: string; key: boolean }> =
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...(issue.path as Path), key], message: `unknown key "${key}"`, key: true }))
      : [{ path: issue.path as Path, message: messageOf(issue, valueAt(raw, issue.path as Path)), key: false }];
  return paths.map(({ path, message, key }) => {
    const dotted = formatPath(path);
    const origin = origins.get(dotted);
    // In Toxiproxy's array format the file's root is the proxies list itself.
    const shown = arrayFormat && path[0] === 'proxies' ? path.slice(1) : path;
    const label = formatPath(shown) || '(root)';
    if (origin) return `${origin}: ${dotted}: ${message}`;
    const where = parsed ? parsed.locate(shown, key) : 'config';
    return `${where}: ${label}: ${message}`;
  });
}

function valueAt(raw: unknown, path: Path): unknown {
  let node = raw;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** zod's message, made clearer where its default is vague. */
function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    const given = value === undefined ? 'missing' : JSON.stringify(value);
    return `unknown toxic type ${given} (expected one of: ${describeOptions(issue)})`;
  }
  return issue.message;
}

function describeOptions(issue: z.core.$ZodIssue): string {
  const options = (issue as { options?: unknown[] }).options;
  return Array.isArray(options) && options.length > 0 ? options.map(String).join(', ') : 'a known type';
}
