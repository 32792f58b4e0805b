/**
 * Argument parsing for the client verbs: node:util `parseArgs` behind a normalising pass that also
 * takes toxiproxy-cli's spellings (Go's `-toxicName x`, `--tox 0.5`, `-n=x`, `--upstream=false`),
 * and accepts flags before or after positional arguments.
 * @module
 */
import { parseArgs } from 'node:util';

/** One flag of a command. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** One-letter form, used as `-x`. */
  readonly short?: string;
  /** Further long names (`tox` for `toxicity`). */
  readonly aliases?: readonly string[];
  /** May be given more than once; the values are kept in order. */
  readonly multiple?: boolean;
  /** The value's name in help (`--listen ADDR`). */
  readonly placeholder?: string;
  /** One line for help. */
  readonly description: string;
}

/** A command's flags, keyed by their canonical long name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean' ? boolean : F['multiple'] extends true ? string[] : string;

/** The parsed values of `S`; a flag that was not given is absent. */
export type FlagValues<S extends FlagSpecs> = { [K in keyof S]?: FlagValue<S[K]> };

/** The result of {@link parseCommandArgs}. */
export interface ParsedArgs<S extends FlagSpecs> {
  values: FlagValues<S>;
  positionals: string[];
  /** Canonical names of the flags that were given. */
  used: ReadonlySet<string>;
}

/** Wrong usage: an unknown flag, a missing value or argument. The CLI exits 2 on it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const TRUE_WORDS = /^(true|t|1)$/i;
const FALSE_WORDS = /^(false|f|0)$/i;

interface Lookup {
  byName: Map<string, string>;
  byShort: Map<string, string>;
}

function lookupOf(flags: FlagSpecs): Lookup {
  const byName = new Map<string, string>();
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(flags)) {
    byName.set(name, name);
    for (const alias of spec.aliases ?? []) byName.set(alias, name);
    if (spec.short !== undefined) byShort.set(spec.short, name);
  }
  return { byName, byShort };
}

/** True when `token` is one of the known flags (so it cannot be the value of the flag before it). */
function isFlagName(token: string, byName: ReadonlyMap<string, string>, byShort: ReadonlyMap<string, string>): boolean {
  const match = /^--?([^=]+)/.exec(token);
  const key = match?.[1];
  return key !== undefined && (byName.has(key) || byShort.has(key));
}

/**
 * Rewrites argv into the canonical `--name[=value]` / `-x` forms parseArgs reads:
 * - `-toxicName x`, `-tox=0.5` (Go's single-dash long flags) and aliases → `--toxicName`, `--toxicity`;
 * - `--n x` (a short letter with two dashes) and `-n=x` → `--toxicName …`;
 * - `--upstream=true|false` → `--upstream` or nothing;
 * - a trailing bare `-h` → `--help` (`-h` is otherwise toxiproxy-cli's `--host`).
 * Unknown flags are reported here with the name the user typed.
 */
export function normalizeArgs(argv: readonly string[], flags: FlagSpecs): string[] {
  const { byName, byShort } = lookupOf(flags);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg === '-h' && i === argv.length - 1 && byName.has('help')) {
      out.push('--help');
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const key = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const twoDashes = arg.startsWith('--');
    // `--name`, `-name` (Go's form), `--n` and `-n` all name the flag; short letters are single characters.
    const canonical = byName.get(key) ?? byShort.get(key);
    if (canonical === undefined) {
      if (!twoDashes && key.length > 1 && byShort.has(key[0] ?? '')) {
        out.push(arg); // a short group or a short flag with its value attached: `-l127.0.0.1:80`, `-ud`
        continue;
      }
      throw new UsageError(`unknown flag ${twoDashes ? '--' : '-'}${key}`);
    }
    const spec = flags[canonical];
    if (spec?.type === 'boolean') {
      if (inline === undefined || TRUE_WORDS.test(inline)) out.push(`--${canonical}`);
      else if (!FALSE_WORDS.test(inline)) throw new UsageError(`flag --${canonical} takes no value (got ${JSON.stringify(inline)})`);
      continue;
    }
    if (inline !== undefined) {
      out.push(`--${canonical}=${inline}`);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || isFlagName(value, byName, byShort)) throw new UsageError(`flag --${canonical} needs a value`);
    // The next token is this flag's value whatever it looks like (`-a latency=-5`, `--url -`).
    out.push(`--${canonical}=${value}`);
    i++;
  }
  return out;
}

/** The flags as node:util's parser takes them. */
type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parses `argv` against `flags`. Flags and positionals may come in any order; `--` ends the flags.
 * @throws {UsageError} on an unknown flag or a missing value.
 */
export function parseCommandArgs<S extends FlagSpecs>(argv: readonly string[], flags: S): ParsedArgs<S> {
  const options: ParseOptions = {};
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.short !== undefined ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  const parsed = tokenize(normalizeArgs(argv, flags), options);
  const used = new Set<string>();
  for (const token of parsed.tokens) if (token.kind === 'option') used.add(token.name);
  return { values: parsed.values as FlagValues<S>, positionals: parsed.positionals, used };
}

/** node:util's parser with every token kept; its errors become usage errors. */
function tokenize(args: string[], options: ParseOptions) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? String(err));
  }
}

function flagLabel(name: string, spec: FlagSpec): string {
  const short = spec.short !== undefined ? `-${spec.short}, ` : '    ';
  const aliases = (spec.aliases ?? []).map((a) => `, --${a}`).join('');
  const value = spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : '';
  return `${short}--${name}${aliases}${value}`;
}

/** Width of the flag column of {@link flagHelp}, so several flag tables can share one. */
export function flagColumnWidth(flags: FlagSpecs): number {
  return Math.max(0, ...Object.entries(flags).map(([name, spec]) => flagLabel(name, spec).length));
}

/** Help lines for `flags`, aligned: `  -l, --listen ADDR   description`. */
export function flagHelp(flags: FlagSpecs, width = flagColumnWidth(flags)): string[] {
  return Object.entries(flags).map(([name, spec]) => `  ${flagLabel(name, spec).padEnd(width)}   ${spec.description}`);
}
