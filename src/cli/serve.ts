/**
 * `faultline serve`: loads the config, creates its proxies and toxics, starts the admin API, and runs
 * until SIGINT or SIGTERM. Also accepts toxiproxy-server's flags as Go writes them (`-host=0.0.0.0`,
 * `-port 8474`, `-config FILE`, `-seed N`, `-proxy-metrics`, `-runtime-metrics`, `-version`).
 * @module
 */
import { parseArgs } from 'node:util';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../api/version.js';
import { ConfigError, loadConfig, type ConfigFlags } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { EngineOptions } from '../core/runtime.js';
import { createLogger } from '../logging/pino-logger.js';
import { startServer, type RunningServer } from '../server.js';
import { getToxicDefinition, type ToxicRegistry } from '../toxics/registry.js';

const USAGE = `Usage: faultline serve [options]

Options:
  --host HOST         admin API bind address (default 127.0.0.1; env FAULTLINE_HOST)
  --port PORT         admin API port, 0 for a free one (default 8474; env FAULTLINE_PORT)
  --config FILE       YAML or JSON config: server settings, proxies and their toxics
                      (Toxiproxy's JSON array of proxies works too; env FAULTLINE_CONFIG)
  --seed N            seed for every random decision, for reproducible runs (env FAULTLINE_SEED)
  --log-level LEVEL   trace, debug, info, warn, error, fatal or silent (default info;
                      env FAULTLINE_LOG_LEVEL, or Toxiproxy's LOG_LEVEL)
  --token TOKEN       require "Authorization: Bearer TOKEN" on every API request (env FAULTLINE_TOKEN)
  --state FILE        save proxies and toxics to FILE on every change and restore them from it at
                      startup, instead of the config's proxies (env FAULTLINE_STATE)
  --max-connections N connections per proxy, 0 for no limit (default 0); extra clients are closed
                      (env FAULTLINE_MAX_CONNECTIONS)
  --allow-remote-listen
                      let proxies listen on addresses other machines can reach (0.0.0.0, a LAN
                      address); without it a proxy listens on loopback only (env
                      FAULTLINE_ALLOW_REMOTE_LISTEN)
  --allow-shared-state-dir
                      accept a --state file in a directory other users can write (refused by
                      default; env FAULTLINE_ALLOW_SHARED_STATE_DIR)
  --toxic-module FILE custom toxics: a JavaScript module exporting toxic definitions (repeatable;
                      see docs/creating-toxics.md). Its code runs in the server: name only files
                      you trust
  --version           print the version and exit
  -h, --help          show this help

Toxiproxy's forms are accepted as well: -host=0.0.0.0 -port 8474 -config FILE -seed N
-proxy-metrics -runtime-metrics -version (metrics are always on; the two flags are kept for
command-line compatibility).
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  config: { type: 'string' },
  seed: { type: 'string' },
  'log-level': { type: 'string' },
  token: { type: 'string' },
  state: { type: 'string' },
  'max-connections': { type: 'string' },
  'allow-remote-listen': { type: 'boolean' },
  'allow-shared-state-dir': { type: 'boolean' },
  'toxic-module': { type: 'string', multiple: true },
  'proxy-metrics': { type: 'boolean' },
  'runtime-metrics': { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const BOOLEAN_FLAGS = new Set(['proxy-metrics', 'runtime-metrics', 'allow-remote-listen', 'allow-shared-state-dir', 'version', 'help']);

/**
 * Rewrites Go's flag syntax into what parseArgs reads: `-host=x` → `--host=x`, and boolean
 * `--flag=true` → `--flag` (`=false` drops it).
 */
export function normalizeGoFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    let flag = /^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/.test(arg) ? `-${arg}` : arg;
    const match = /^--([A-Za-z0-9-]+)=(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.exec(flag);
    if (match?.[1] !== undefined && BOOLEAN_FLAGS.has(match[1])) {
      if (/^(false|0|f)$/i.test(match[2] ?? '')) continue;
      flag = `--${match[1]}`;
    }
    out.push(flag);
  }
  return out;
}

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false; strict: true }>>['values'];

function engineOptions(config: Config): EngineOptions {
  const e = config.engine;
  return {
    ...(e.seed !== undefined ? { seed: e.seed } : {}),
    ...(e.max_held_bytes !== undefined ? { maxHeldBytes: e.max_held_bytes } : {}),
    ...(e.dial_timeout_ms !== undefined ? { dialTimeoutMs: e.dial_timeout_ms } : {}),
    ...(e.close_grace_ms !== undefined ? { closeGraceMs: e.close_grace_ms } : {}),
    ...(e.max_connections !== undefined ? { maxConnections: e.max_connections } : {}),
    ...(e.socket_high_water_mark !== undefined ? { socketHighWaterMark: e.socket_high_water_mark } : {}),
  };
}

function flagsOf(values: Parsed): ConfigFlags {
  return {
    host: values.host,
    port: values.port,
    token: values.token,
    log_level: values['log-level'],
    seed: values.seed,
    state: values.state,
    max_connections: values['max-connections'],
    ...(values['allow-remote-listen'] ? { allow_remote_listen: true } : {}),
    ...(values['allow-shared-state-dir'] ? { allow_shared_state_dir: true } : {}),
    ...(values['proxy-metrics'] ? { metrics: true } : {}),
    ...(values['runtime-metrics'] ? { metrics: true, runtime_metrics: true } : {}),
  };
}

/**
 * Resolves once SIGINT or SIGTERM arrives; a second signal exits at once (status 130 for SIGINT,
 * 143 for SIGTERM, as a shell reports them), after `onSecond` has said so.
 */
function untilSignal(onSecond: (signal: NodeJS.Signals) => void = () => {}): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const exitNow = (signal: NodeJS.Signals): void => {
      onSecond(signal);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', exitNow);
      process.once('SIGTERM', exitNow);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** A command-line parse error in the words the other commands use (`unknown flag --x`). */
function usageMessage(err: unknown): string {
  const { code, message } = err as { code?: string; message: string };
  const flag = /'(-[^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) return `flag ${flag.split(' ')[0] ?? flag} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}`;
  return message;
}

/** Runs `faultline serve`; resolves to the exit code after a clean shutdown. */
export async function run(argv: string[]): Promise<number> {
  let values: Parsed;
  try {
    values = parseArgs({ args: normalizeGoFlags(argv), options: OPTIONS, allowPositionals: false, strict: true }).values;
  } catch (err) {
    // The usage follows, as Toxiproxy's server (Go's flag package) prints it.
    process.stderr.write(`faultline serve: ${usageMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`faultline version ${FAULTLINE_VERSION} (Toxiproxy API ${TOXIPROXY_API_VERSION})\n`);
    return 0;
  }

  // Custom toxics come first: the config file may use them.
  let toxicRegistry: ToxicRegistry | undefined;
  const modules = values['toxic-module'] ?? [];
  if (modules.length > 0) {
    const { loadToxicModules, ToxicModuleError } = await import('./toxic-modules.js');
    try {
      toxicRegistry = await loadToxicModules(modules);
    } catch (err) {
      if (!(err instanceof ToxicModuleError)) throw err;
      process.stderr.write(`faultline: --toxic-module ${err.message}\n`);
      return 1;
    }
  }

  const file = values.config ?? process.env['FAULTLINE_CONFIG'];
  let config: Config;
  let warnings: string[];
  try {
    ({ config, warnings } = await loadConfig({ file, env: process.env, flags: flagsOf(values), toxicRegistry }));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A bad flag value is wrong usage (2), as for every command; a bad file or variable is 1.
    if (err.issues.every((issue) => issue.startsWith('flag --'))) {
      process.stderr.write(`faultline serve: ${err.issues.join('\n')}\nRun 'faultline serve --help' for usage.\n`);
      return 2;
    }
    process.stderr.write(`faultline: invalid configuration:\n${err.issues.map((i) => `  ${i}`).join('\n')}\n`);
    return 1;
  }

  const logger = createLogger({ level: config.server.log_level });
  for (const warning of warnings) logger.warn({ warning }, 'configuration warning');
  logger.info({ version: FAULTLINE_VERSION, toxiproxy_api: TOXIPROXY_API_VERSION, config: file }, 'starting faultline');
  if (toxicRegistry) {
    const custom = toxicRegistry.types().filter((type) => getToxicDefinition(type) === undefined);
    logger.info({ modules, types: custom }, 'custom toxics loaded');
  }

  const signal = untilSignal((second) => logger.warn({ signal: second }, 'second signal: exiting at once'));
  let server: RunningServer;
  try {
    server = await startServer({
      ...engineOptions(config),
      logger,
      host: config.server.host,
      port: config.server.port,
      token: config.server.token,
      bodyLimit: config.server.body_limit,
      metrics: config.server.metrics,
      runtimeMetrics: config.server.runtime_metrics,
      proxies: config.proxies,
      stateFile: config.server.state,
      dashboard: config.server.dashboard,
      allowedHosts: config.server.allowed_hosts,
      allowSharedStateDir: config.server.allow_shared_state_dir,
      allowRemoteListen: config.server.allow_remote_listen,
      ...(toxicRegistry ? { toxicRegistry } : {}),
    });
  } catch (err) {
    const where = file === undefined || (err as { code?: unknown }).code === 'STATE_INVALID' ? '' : `${file}: `;
    logger.fatal({ err }, 'startup failed');
    process.stderr.write(`faultline: ${where}${(err as Error).message}\n`);
    return 1;
  }
  logger.info(
    {
      url: server.url,
      host: server.host,
      port: server.port,
      seed: server.registry.seed,
      proxies: server.registry.list().length,
      auth: config.server.token !== undefined,
    },
    'admin API listening',
  );

  const received = await signal;
  const started = performance.now();
  logger.info({ signal: received }, 'shutdown started');
  await server.close();
  logger.info({ duration_ms: Math.round(performance.now() - started) }, 'shutdown complete');
  return 0;
}
