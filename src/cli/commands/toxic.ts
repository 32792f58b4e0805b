/**
 * `faultline toxic` (`t`): `add` (`a`), `update` (`u`) and `remove` (`r`, `delete`, `d`), with
 * toxiproxy-cli's flags. Unlike toxiproxy-cli, `update` without `--toxicity` keeps the toxicity.
 * @module
 */
import type { AnyToxicDefinition } from '../../core/toxic-contract.js';
import type { AdminClient, ToxicCreate, ToxicUpdate } from '../../api/client.js';
import { parseCommandArgs, UsageError, type FlagSpecs, type FlagValues, type ParsedArgs } from '../args.js';
import { attempt, CommandFailure, commandFlags, EXIT, executeCommand, type ClientCommand } from '../client-command.js';
import { CLIENT_FLAGS } from '../client-options.js';
import { processIo, type CliIo } from '../output.js';

const NAME_FLAG = {
  toxicName: { type: 'string', short: 'n', placeholder: 'NAME', description: 'name of the toxic' },
} as const;

const TOXICITY_FLAG = {
  toxicity: {
    type: 'string',
    aliases: ['tox'],
    placeholder: 'P',
    description: 'probability from 0 to 1 that the toxic applies to a connection (default 1)',
  },
} as const;

const ATTRIBUTE_FLAG = {
  attribute: {
    type: 'string',
    short: 'a',
    multiple: true,
    placeholder: 'KEY=VALUE',
    description: 'a toxic attribute; repeat for more (numbers, true/false and JSON objects are sent as such)',
  },
} as const;

const addFlags = {
  type: { type: 'string', short: 't', placeholder: 'TYPE', description: 'type of toxic (see the list below)' },
  ...NAME_FLAG,
  ...TOXICITY_FLAG,
  ...ATTRIBUTE_FLAG,
  upstream: { type: 'boolean', short: 'u', description: 'act on data from the client to the upstream' },
  downstream: { type: 'boolean', short: 'd', description: 'act on data from the upstream to the client (the default)' },
} as const;

const updateFlags = { ...NAME_FLAG, ...TOXICITY_FLAG, ...ATTRIBUTE_FLAG } as const;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** An attribute value as the CLI sends it. */
export type AttributeValue = number | string | boolean | Record<string, unknown> | unknown[];

/**
 * `key=value` → `[key, value]`; a value that reads as a number is sent as a JSON number (as
 * toxiproxy-cli does), `true`/`false` as booleans, a JSON object or array as itself
 * (`match={"path":"/orders/*"}`), anything else as a string (`distribution=normal`).
 * @throws {UsageError} when there is no `=` or no key (toxiproxy-cli skips such pairs silently), or
 * a value that starts like JSON is not valid JSON.
 */
export function parseAttribute(pair: string): [string, AttributeValue] {
  const eq = pair.indexOf('=');
  const key = eq === -1 ? '' : pair.slice(0, eq).trim();
  if (key === '') throw new UsageError(`attribute ${JSON.stringify(pair)} is not key=value`);
  const value = pair.slice(eq + 1);
  const trimmed = value.trim();
  if (NUMBER.test(trimmed) && Number.isFinite(Number(trimmed))) return [key, Number(trimmed)];
  if (trimmed === 'true' || trimmed === 'false') return [key, trimmed === 'true'];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [key, JSON.parse(trimmed) as Record<string, unknown> | unknown[]];
    } catch (err) {
      throw new UsageError(`attribute ${key}: the value starts like JSON but is not valid JSON (${(err as Error).message})`);
    }
  }
  return [key, value];
}

/** Every `--attribute` as one object; a key given twice keeps its last value. */
export function parseAttributes(pairs: readonly string[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const pair of pairs ?? []) {
    const [key, value] = parseAttribute(pair);
    attributes[key] = value;
  }
  return attributes;
}

/**
 * `--toxicity`: a number from 0 to 1, or undefined when not given.
 * @throws {UsageError} otherwise (the server would take any number; the CLI checks, as toxiproxy-cli does).
 */
export function parseToxicity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (!NUMBER.test(text.trim()) || !(value >= 0 && value <= 1)) {
    throw new UsageError(`toxicity should be a number from 0 to 1 (got ${JSON.stringify(text)})`);
  }
  return value;
}

function requiredName(values: { toxicName?: string }): string {
  const name = values.toxicName?.trim() ?? '';
  if (name === '') throw new UsageError('--toxicName NAME is required');
  return name;
}

/** The request body of `toxic add`. */
export function toxicCreateBody(values: FlagValues<typeof addFlags>): ToxicCreate {
  const type = values.type?.trim() ?? '';
  if (type === '') throw new UsageError('--type TYPE is required');
  if (values.upstream === true && values.downstream === true) {
    throw new UsageError('give --upstream or --downstream, not both');
  }
  const name = values.toxicName?.trim() ?? '';
  const toxicity = parseToxicity(values.toxicity);
  const attributes = parseAttributes(values.attribute);
  return {
    ...(name === '' ? {} : { name }),
    type,
    stream: values.upstream === true ? 'upstream' : 'downstream',
    ...(toxicity === undefined ? {} : { toxicity }),
    ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
  };
}

/**
 * The request body of `toxic update`: only what was given. (toxiproxy-cli always sends a toxicity,
 * so an update that only changes an attribute resets the toxicity to 1.)
 */
export function toxicUpdateBody(values: FlagValues<typeof updateFlags>): ToxicUpdate {
  const toxicity = parseToxicity(values.toxicity);
  const attributes = parseAttributes(values.attribute);
  if (toxicity === undefined && Object.keys(attributes).length === 0) {
    throw new UsageError('nothing to update: give --attribute KEY=VALUE and/or --toxicity P');
  }
  return {
    ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
    ...(toxicity === undefined ? {} : { toxicity }),
  };
}

/**
 * A failure for an unknown toxic type, with the types the server accepts as advice (a Faultline
 * server lists them at `/faultline/info`; a Toxiproxy server's answer is left as it is).
 */
async function withToxicTypes(client: Pick<AdminClient, 'info'>, err: unknown): Promise<unknown> {
  if (!(err instanceof CommandFailure) || !/invalid toxic type/i.test(err.message) || err.advice !== undefined) return err;
  const types = await client.info().then(
    (info) => info.toxic_types,
    () => undefined,
  );
  return types === undefined ? err : new CommandFailure(err.message, `Toxic types on this server: ${types.join(', ')}.`);
}

/** The toxic types and their attributes, from the toxic registry (loaded only for help). */
async function toxicTypesHelp(): Promise<string> {
  const { builtinDatagramToxics, builtinToxics } = await import('../../toxics/registry.js');
  const width = Math.max(...[...builtinToxics, ...builtinDatagramToxics].map((t) => t.type.length));
  const lines = ['Toxic types (attribute=unit):'];
  const list = (toxics: readonly AnyToxicDefinition[]) => {
    for (const toxic of toxics) {
      lines.push(`  ${toxic.type.padEnd(width)}  ${toxic.summary}`);
      const attributes = Object.entries(toxic.attributes.shape).map(([key, schema]) => `${key}=<${describeAttribute(schema)}>`);
      if (attributes.length > 0) lines.push(`  ${' '.repeat(width)}  ${attributes.join(' ')}`);
    }
  };
  list(builtinToxics);
  lines.push('Datagram toxic types (udp proxies only):');
  list(builtinDatagramToxics);
  return lines.join('\n');
}

function describeAttribute(schema: unknown): string {
  const unit = (schema as { meta?: () => Record<string, unknown> | undefined }).meta?.()?.['unit'];
  // Units are written for Markdown tables (`{ "Name": "value" }`); help is plain text.
  if (typeof unit === 'string') return unit.replaceAll('`', '');
  const inner = (schema as { unwrap?: () => unknown }).unwrap?.();
  const options = (inner as { options?: unknown } | undefined)?.options;
  return Array.isArray(options) ? options.join('|') : 'value';
}

const addCommand: ClientCommand<typeof addFlags> = {
  name: 'toxic add',
  aliases: ['a'],
  summary: 'Add a toxic to a proxy; it applies at once, to open connections too.',
  details: async () =>
    'Examples:\n' +
    '  faultline toxic add -t latency -a latency=100 -a jitter=20 redis\n' +
    '  faultline toxic add -t partition -n cut --upstream redis\n\n' +
    (await toxicTypesHelp()),
  flags: addFlags,
  args: ['proxyName'],
  async action({ client, io, args, values }) {
    const proxy = args[0] ?? '';
    const body = toxicCreateBody(values);
    const toxic = await attempt('Failed to add toxic', () => client.addToxic(proxy, body)).catch(async (err: unknown) => {
      throw await withToxicTypes(client, err);
    });
    io.stdout(`Added ${toxic.stream} ${toxic.type} toxic '${toxic.name}' on proxy '${proxy}'\n`);
  },
};

const updateCommand: ClientCommand<typeof updateFlags> = {
  name: 'toxic update',
  aliases: ['u'],
  summary: "Change a toxic's attributes or toxicity; what is not given keeps its value.",
  details: 'Example:\n  faultline toxic update -n latency_downstream -a jitter=50 redis',
  flags: updateFlags,
  args: ['proxyName'],
  async action({ client, io, args, values }) {
    const proxy = args[0] ?? '';
    const name = requiredName(values);
    const body = toxicUpdateBody(values);
    const toxic = await attempt('Failed to update toxic', () => client.updateToxic(proxy, name, body));
    io.stdout(`Updated toxic '${toxic.name}' on proxy '${proxy}'\n`);
  },
};

const removeCommand: ClientCommand<typeof NAME_FLAG> = {
  name: 'toxic remove',
  aliases: ['r', 'delete', 'd'],
  summary: 'Remove a toxic; data it holds is passed on.',
  details: 'Example:\n  faultline toxic remove -n latency_downstream redis',
  flags: NAME_FLAG,
  args: ['proxyName'],
  async action({ client, io, args, values }) {
    const proxy = args[0] ?? '';
    const name = requiredName(values);
    await attempt('Failed to remove toxic', () => client.removeToxic(proxy, name));
    io.stdout(`Removed toxic '${name}' on proxy '${proxy}'\n`);
  },
};

/** The toxic subcommands, keyed by name. */
export const toxicCommands = {
  add: addCommand,
  update: updateCommand,
  remove: removeCommand,
} as const;

type AnyToxicCommand = (typeof toxicCommands)[keyof typeof toxicCommands];

/** The subcommand a word names (`add`, `a`, `remove`, `d`, …). */
export function findToxicCommand(word: string): AnyToxicCommand | undefined {
  for (const [name, command] of Object.entries(toxicCommands)) {
    if (word === name || command.aliases.includes(word)) return command;
  }
  return undefined;
}

const ALL_FLAGS = { ...addFlags, ...updateFlags, ...CLIENT_FLAGS } as const;

function toxicHelp(): string {
  const lines = ['Usage: faultline toxic <command> [options] <proxyName>', '', 'Add, update or remove a toxic.', '', 'Commands:'];
  for (const [name, command] of Object.entries(toxicCommands)) {
    lines.push(`  ${name.padEnd(7)} ${command.summary} (aliases: ${command.aliases.join(', ')})`);
  }
  lines.push('', "Run 'faultline toxic <command> --help' for its options and the toxic types.", '');
  return lines.join('\n');
}

/**
 * Runs `faultline toxic …`. The arguments are parsed once with every toxic flag to find the
 * subcommand wherever it stands, then checked against that subcommand's own flags.
 */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  let parsed: ParsedArgs<typeof ALL_FLAGS>;
  try {
    parsed = parseCommandArgs(argv, ALL_FLAGS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`faultline toxic: ${err.message}\nRun 'faultline toxic --help' for usage.\n`);
    return EXIT.usage;
  }
  const [word, ...rest] = parsed.positionals;
  if (word === undefined) {
    if (parsed.values.help === true) {
      io.stdout(toxicHelp());
      return EXIT.ok;
    }
    io.stderr(`faultline toxic: missing command (add, update or remove)\n\n${toxicHelp()}`);
    return EXIT.usage;
  }
  const command = findToxicCommand(word);
  if (command === undefined) {
    io.stderr(`faultline toxic: unknown command ${JSON.stringify(word)}\n\n${toxicHelp()}`);
    return EXIT.usage;
  }
  const allowed = commandFlags<FlagSpecs>(command);
  const stray = [...parsed.used].find((flag) => !(flag in allowed));
  if (stray !== undefined) {
    io.stderr(`faultline ${command.name}: unknown flag --${stray}\nRun 'faultline ${command.name} --help' for usage.\n`);
    return EXIT.usage;
  }
  // Each subcommand reads only its own flags; the union parse already typed every value.
  return executeCommand<FlagSpecs>(command, { ...parsed, positionals: rest }, io);
}
