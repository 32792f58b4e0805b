/**
 * The frame every client verb runs in: parse the arguments, show `--help`, build the admin client,
 * run, and turn every failure into one message on stderr and an exit code (never a stack trace).
 * @module
 */
import { AdminClientError, type AdminClient } from '../api/client.js';
import { flagColumnWidth, flagHelp, parseCommandArgs, UsageError, type FlagSpecs, type FlagValues, type ParsedArgs } from './args.js';
import { CLIENT_FLAGS, createClient, resolveTarget } from './client-options.js';
import type { CliIo } from './output.js';

/** Exit codes of the client verbs. */
export const EXIT = {
  ok: 0,
  /** The server answered with an error, or could not be reached. */
  failed: 1,
  /** Wrong usage: an unknown flag, a missing argument. */
  usage: 2,
} as const;

/** What a command's action gets. */
export interface CommandContext<S extends FlagSpecs> {
  values: FlagValues<S & typeof CLIENT_FLAGS>;
  /** The positional arguments, as many as the command declares. */
  args: string[];
  client: AdminClient;
  io: CliIo;
}

/** A client verb. */
export interface ClientCommand<S extends FlagSpecs> {
  /** The full name as typed (`list`, `toxic add`). */
  name: string;
  aliases: readonly string[];
  /** One line for help. */
  summary: string;
  /** Extra help text below the options (examples, notes); a function when it has to load something. */
  details?: string | (() => Promise<string>);
  /** The command's own flags (the client flags are added). */
  flags: S;
  /** Names of the required positional arguments, in order (`proxyName`). */
  args: readonly string[];
  action(ctx: CommandContext<S>): Promise<void>;
}

/** A failed API call, with the context toxiproxy-cli prints before the server's message. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';

  constructor(
    message: string,
    /** What the user can do about it, printed on its own line. */
    readonly advice?: string,
  ) {
    super(message);
  }
}

/**
 * Wraps an API error as toxiproxy-cli words it (`Failed to create proxy: HTTP 409: proxy already
 * exists`), with advice for an unreachable server or a missing token.
 */
export function failure(context: string, err: unknown): unknown {
  if (!(err instanceof AdminClientError)) return err;
  let advice: string | undefined;
  if (err.unreachable) {
    advice = "Is the server running? Start one with 'faultline serve', or point at another with --url or FAULTLINE_URL.";
  } else if (err.status === 401) {
    advice = 'The server requires a token: pass --token or set FAULTLINE_TOKEN.';
  }
  return new CommandFailure(`${context}: ${err.message}`, advice);
}

/** Awaits an API call; its error is rethrown as a {@link CommandFailure} that starts with `context`. */
export async function attempt<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw failure(context, err);
  }
}

/** The merged flag table of a command. */
export function commandFlags<S extends FlagSpecs>(command: ClientCommand<S>): S & typeof CLIENT_FLAGS {
  return { ...command.flags, ...CLIENT_FLAGS };
}

/** `faultline <name> --help`. */
export async function commandHelp<S extends FlagSpecs>(command: ClientCommand<S>): Promise<string> {
  const args = command.args.map((a) => ` <${a}>`).join('');
  const lines = [`Usage: faultline ${command.name} [options]${args}`, '', command.summary];
  if (command.aliases.length > 0) lines.push('', `Aliases: ${command.aliases.join(', ')}`);
  const width = Math.max(flagColumnWidth(command.flags), flagColumnWidth(CLIENT_FLAGS));
  if (Object.keys(command.flags).length > 0) lines.push('', 'Options:', ...flagHelp(command.flags, width));
  lines.push('', 'Server options:', ...flagHelp(CLIENT_FLAGS, width));
  const details = typeof command.details === 'function' ? await command.details() : command.details;
  if (details !== undefined) lines.push('', details.trimEnd());
  return `${lines.join('\n')}\n`;
}

function usageFailure(io: CliIo, name: string, message: string): number {
  io.stderr(`faultline ${name}: ${message}\nRun 'faultline ${name} --help' for usage.\n`);
  return EXIT.usage;
}

/**
 * Runs `command` on already-parsed arguments (the toxic verbs parse once to find their subcommand)
 * and resolves to the exit code.
 */
export async function executeCommand<S extends FlagSpecs>(
  command: ClientCommand<S>,
  parsed: ParsedArgs<S & typeof CLIENT_FLAGS>,
  io: CliIo,
): Promise<number> {
  if (parsed.values.help === true) {
    io.stdout(await commandHelp(command));
    return EXIT.ok;
  }
  try {
    const missing = command.args[parsed.positionals.length];
    if (missing !== undefined) throw new UsageError(`missing argument <${missing}>`);
    const extra = parsed.positionals[command.args.length];
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    const client = createClient(resolveTarget(parsed.values, io.env));
    await command.action({ values: parsed.values, args: parsed.positionals, client, io });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, command.name, err.message);
    if (err instanceof CommandFailure) {
      io.stderr(`${err.message}\n${err.advice === undefined ? '' : `${err.advice}\n`}`);
      return EXIT.failed;
    }
    if (err instanceof AdminClientError) {
      io.stderr(`faultline ${command.name}: ${err.message}\n`);
      return EXIT.failed;
    }
    io.stderr(`faultline ${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

/** Parses `argv` for `command`, runs it, and resolves to the exit code. */
export async function runCommand<S extends FlagSpecs>(command: ClientCommand<S>, argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ParsedArgs<S & typeof CLIENT_FLAGS>;
  try {
    parsed = parseCommandArgs(argv, commandFlags(command));
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, command.name, err.message);
    throw err;
  }
  return executeCommand(command, parsed, io);
}
