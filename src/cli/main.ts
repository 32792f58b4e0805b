#!/usr/bin/env node
/**
 * The `faultline` executable: dispatches to a subcommand. Toxiproxy's server command lines
 * (`-host=0.0.0.0 -config=/x.json …`, argv starting with a single-dash flag) run `serve`, and so
 * does a bare `faultline`, as a bare `toxiproxy-server` serves: Toxiproxy's container, service and
 * CI command lines work unchanged.
 * @module
 */
import { letYoungGenerationGrow } from './young-generation.js';
import type { CommandEntry, CommandModule } from './command.js';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../api/version.js';

/** The server, also run by a bare `faultline` and by Toxiproxy's server flags. */
const SERVE: CommandEntry = { summary: 'Start the admin API and the proxies of a config file', load: () => import('./serve.js') };

/** Every command. Adding one is one line here plus its module. */
const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: SERVE,
  list: { summary: 'List every proxy', aliases: ['l', 'li', 'ls'], load: () => import('./commands/list.js') },
  inspect: { summary: "Show a proxy's toxics", aliases: ['i', 'ins'], load: () => import('./commands/inspect.js') },
  create: { summary: 'Create a proxy', aliases: ['c', 'new'], load: () => import('./commands/create.js') },
  toggle: { summary: 'Enable or disable a proxy', aliases: ['tog'], load: () => import('./commands/toggle.js') },
  delete: { summary: 'Delete a proxy', aliases: ['d'], load: () => import('./commands/delete.js') },
  toxic: { summary: 'Add, update or remove a toxic', aliases: ['t'], load: () => import('./commands/toxic.js') },
  run: { summary: 'Run a scenario: a timeline of faults with probes, rolled back at the end', load: () => import('./run.js') },
  validate: { summary: 'Check scenario files without running them', load: () => import('./validate.js') },
};

/**
 * True when argv starts like a toxiproxy-server command line: a Go-style single-dash long flag
 * (`-host=0.0.0.0`, `-config`, `-proxy-metrics`), or one of its flags with two dashes (Go's flag
 * package accepts both).
 */
function isServerArgv(first: string): boolean {
  return (
    /^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/.test(first) ||
    /^--(host|port|config|seed|proxy-metrics|runtime-metrics|log-level|token|state|max-connections|allow-remote-listen|allow-shared-state-dir)(=.*)?$/.test(
      first,
    )
  );
}

/** Finds the command an argv names: its first token that is a command or alias. */
function resolveCommand(argv: readonly string[]): { name: string; entry: CommandEntry; index: number } | undefined {
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? '';
    for (const [name, entry] of Object.entries(COMMANDS)) {
      if (token === name || entry.aliases?.includes(token)) return { name, entry, index };
    }
  }
  return undefined;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => {
    const aliases = entry.aliases?.length ? ` (${entry.aliases.join(', ')})` : '';
    return `  ${name.padEnd(width)}  ${entry.summary}${aliases}`;
  });
  return [
    'Usage: faultline <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'With no command, or with Toxiproxy server flags (faultline -host=0.0.0.0 -config proxies.json),',
    'faultline runs "serve".',
    "Run 'faultline <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Loads a command's modules; from then on the young generation may grow (young-generation.ts). */
async function load(entry: CommandEntry): Promise<CommandModule> {
  const module = await entry.load();
  letYoungGenerationGrow();
  return module;
}

/** Runs the CLI and resolves to the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    process.stderr.write(
      "faultline: no command given, serving the admin API as toxiproxy-server does ('faultline --help' lists the commands)\n",
    );
    return (await SERVE.load()).run([]);
  }
  if (argv.length === 1 && (first === '--help' || first === '-h' || first === 'help')) {
    process.stdout.write(usage());
    return 0;
  }
  if (argv.length === 1 && (first === '--version' || first === '-v')) {
    process.stdout.write(`faultline version ${FAULTLINE_VERSION} (Toxiproxy API ${TOXIPROXY_API_VERSION})\n`);
    return 0;
  }
  const found = resolveCommand(argv);
  if (found) {
    const module = await load(found.entry);
    return module.run([...argv.slice(0, found.index), ...argv.slice(found.index + 1)]);
  }
  if (isServerArgv(first)) return (await load(SERVE)).run([...argv]);
  process.stderr.write(`faultline: unknown command ${JSON.stringify(first)}\n\n${usage()}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`faultline: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
