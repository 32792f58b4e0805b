/**
 * `faultline run FILE`: runs a scenario against an embedded server (the default) or against one or
 * more admin APIs given with `--target` and `--targets FILE` (a fleet: the same faults on each;
 * `dns+http://NAME:PORT` names every address of NAME, looked up again before each step), with a
 * `--fleet-policy` for targets that fail. Rolls back whatever
 * happens, SIGINT and SIGTERM included; writes the journal with `--journal`; `--dry-run` prints the
 * resolved timeline and touches nothing.
 * Exit codes: 0 passed, 1 a probe failed or the run was aborted, 2 invalid file or usage,
 * 3 a target could not be reached, 130/143 interrupted by SIGINT/SIGTERM (after the rollback).
 * @module
 */
import { counted } from '../text/counted.js';
import { writeFileSync } from 'node:fs';
import { AdminClient } from '../api/client.js';
import { formatDuration } from '../scenario/duration.js';
import { writeJournal, type Journal } from '../scenario/journal.js';
import { junitXml, writeJunit } from '../scenario/junit.js';
import { loadScenario, ScenarioError, type LoadedScenario } from '../scenario/load.js';
import { ScenarioRun, type Target } from '../scenario/runner.js';
import type { RunningServer } from '../server.js';
import { flagHelp, parseCommandArgs, UsageError, type FlagSpecs, type FlagValues } from './args.js';
import { cliUserAgent } from './client-options.js';
import { processIo, type CliIo } from './output.js';
import { planText } from '../scenario/plan-text.js';
import { LiveView, LogView, type RunView } from './run-view.js';
import type { FleetPolicy } from '../scenario/journal.js';
import { DiscoveryError, findTargets, systemResolver, type FoundTarget, type Resolver } from './discovery.js';
import { dryRunTargets, parseFleetPolicy, targetPool } from './run-targets.js';
import { parseTargetSpec, readTargetsFile, TargetSpecError, type TargetSpec } from './target-specs.js';

/** Exit codes of `faultline run`. */
export const RUN_EXIT = {
  passed: 0,
  failed: 1,
  invalid: 2,
  unreachable: 3,
  sigint: 130,
  sigterm: 143,
} as const;

const FLAGS = {
  target: {
    type: 'string',
    multiple: true,
    placeholder: 'URL',
    description:
      'admin API to run against, or dns+http://NAME:PORT for every address of NAME; repeat for a fleet (default: an embedded server)',
  },
  targets: { type: 'string', multiple: true, placeholder: 'FILE', description: 'read targets from FILE, one a line (# comments)' },
  'fleet-policy': {
    type: 'string',
    placeholder: 'POLICY',
    description: 'when targets fail: all (stop the run, the default), any (go on while one is left), quorum (while more than half are)',
  },
  token: { type: 'string', placeholder: 'TOKEN', description: 'bearer token for the targets (env FAULTLINE_TOKEN)' },
  journal: { type: 'string', placeholder: 'FILE', description: 'write the JSON journal here when the run ends' },
  junit: {
    type: 'string',
    placeholder: 'FILE',
    description: 'write the run as JUnit XML here when it ends (a test case per probe and step)',
  },
  'dry-run': { type: 'boolean', description: 'print the resolved timeline and exit; nothing is touched' },
  seed: { type: 'string', placeholder: 'SEED', description: "override the file's seed (monkeys, the embedded server)" },
  'time-scale': {
    type: 'string',
    placeholder: 'FACTOR',
    description: 'multiply every time on the axis and probe intervals (0.1 = ten times faster)',
  },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpecs;

const USAGE = `Usage: faultline run [options] FILE

Runs a scenario: creates its proxies, runs its probes and its timeline of faults, then rolls
everything back, whatever happens (a failed probe, an error, Ctrl-C, SIGTERM).

Options:
${flagHelp(FLAGS).join('\n')}

Exit codes: 0 passed, 1 a probe failed or the run was aborted, 2 invalid file,
3 a target could not be reached, 130/143 interrupted (after the rollback).
See docs/scenarios.md for the file format.
`;

/** Parses `--time-scale`: a number above 0. */
export function parseTimeScale(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`--time-scale: expected a number above 0, got ${JSON.stringify(text)}`);
  return value;
}

/** The exit code for a finished run. */
export function exitCode(journal: Journal, signal?: NodeJS.Signals): number {
  if (journal.verdict === 'passed') return RUN_EXIT.passed;
  if (journal.cause === 'unreachable') return RUN_EXIT.unreachable;
  if (journal.cause === 'signal') return signal === 'SIGTERM' ? RUN_EXIT.sigterm : RUN_EXIT.sigint;
  return RUN_EXIT.failed;
}

/**
 * `3 faults applied`: each fault of the timeline once, however many targets took it. On a fleet, the
 * toxics the faults put on its targets follow (`3 faults applied, 8 toxics on 3 targets`): a target
 * lost midway, or found after a fault started, did not take every fault.
 */
export function faultsApplied(journal: Journal): string {
  const applied = journal.steps.flatMap((s) => s.faults).filter((f) => f.applied_ms !== null);
  const faults = `${counted(applied.length, 'fault')} applied`;
  const targets = Math.max(journal.fleet.targets.length, journal.targets.length);
  if (targets < 2) return faults;
  const toxics = applied.reduce((n, f) => n + f.targets, 0);
  return `${faults}, ${counted(toxics, 'toxic')} on ${counted(targets, 'target')}`;
}

/** The closing lines: the verdict and what the run did. */
export function summary(journal: Journal): string {
  const checks = journal.probes.reduce((n, p) => n + p.checks, 0);
  const failures = journal.probes.reduce((n, p) => n + p.failures, 0);
  const rollbackFailed = journal.rollback.filter((r) => !r.ok).length;
  const lines = [
    `verdict: ${journal.verdict ?? 'unknown'}${journal.reason ? ` — ${journal.reason}` : ''}`,
    `${journal.steps.filter((s) => s.status === 'done').length}/${counted(journal.steps.length, 'step')}, ${faultsApplied(journal)}, ` +
      `${counted(checks, 'probe check')} (${failures} failed), rollback: ${counted(journal.rollback.length, 'action')}${rollbackFailed > 0 ? `, ${rollbackFailed} FAILED` : ''}, ` +
      `${formatDuration(Math.max(0, journal.elapsed_ms))}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function startEmbedded(seed: string): Promise<RunningServer> {
  const { startServer } = await import('../server.js');
  return startServer({ host: '127.0.0.1', port: 0, seed, metrics: false });
}

/** Runs `faultline run`; resolves to the exit code. */
export async function run(argv: string[], io: CliIo = processIo(), resolve: Resolver = systemResolver): Promise<number> {
  let values: FlagValues<typeof FLAGS>;
  let file: string;
  let timeScale: number | undefined;
  let policy: FleetPolicy;
  let specs: TargetSpec[];
  try {
    const parsed = parseCommandArgs(argv, FLAGS);
    values = parsed.values;
    if (values.help === true) {
      io.stdout(USAGE);
      return 0;
    }
    const [first, extra] = parsed.positionals;
    if (first === undefined) throw new UsageError('missing argument FILE');
    if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
    file = first;
    timeScale = parseTimeScale(values['time-scale']);
    policy = parseFleetPolicy(values['fleet-policy']);
    specs = (values.target ?? []).map((text) => {
      try {
        return parseTargetSpec(text);
      } catch (err) {
        throw err instanceof TargetSpecError ? new UsageError(`--target ${err.message}`) : err;
      }
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`faultline run: ${err.message}\nRun 'faultline run --help' for usage.\n`);
    return RUN_EXIT.invalid;
  }

  let loaded: LoadedScenario;
  try {
    loaded = await loadScenario(file, { env: io.env, seed: values.seed, timeScale });
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    io.stderr(`faultline run: invalid scenario:\n${err.issues.map((i) => `  ${i}`).join('\n')}\n`);
    return RUN_EXIT.invalid;
  }
  const { plan } = loaded;
  let found: FoundTarget[] = [];
  try {
    for (const file of values.targets ?? []) specs.push(...(await readTargetsFile(file)));
    if (specs.length > 0) found = await findTargets(specs, resolve);
  } catch (err) {
    if (err instanceof TargetSpecError) {
      io.stderr(`faultline run: invalid targets:\n${err.message.replace(/^/gm, '  ')}\n`);
      return RUN_EXIT.invalid;
    }
    if (!(err instanceof DiscoveryError)) throw err;
    io.stderr(`faultline run: cannot find the targets: ${err.message}\n`);
    return RUN_EXIT.unreachable;
  }
  if (values['dry-run'] === true) {
    io.stdout(planText(plan, loaded.variables) + dryRunTargets(plan, found, policy));
    return RUN_EXIT.passed;
  }

  let embedded: RunningServer | undefined;
  const token = values.token ?? io.env['FAULTLINE_TOKEN'];
  const targetOf = targetPool((url) => new AdminClient(url, { token, timeoutMs: 10_000, userAgent: cliUserAgent() }));
  let targets: Target[];
  if (found.length > 0) {
    targets = found.map(targetOf);
  } else {
    try {
      embedded = await startEmbedded(plan.seed);
    } catch (err) {
      io.stderr(`faultline run: cannot start the embedded server: ${(err as Error).message}\n`);
      return RUN_EXIT.failed;
    }
    const client = new AdminClient(embedded.url, { timeoutMs: 10_000, userAgent: cliUserAgent() });
    targets = [{ url: client.baseUrl, client }];
  }

  let view: RunView | undefined;
  const discovering = specs.some((spec) => spec.kind === 'dns');
  const runner = new ScenarioRun({
    plan,
    targets,
    file,
    policy,
    onEvent: (event) => view?.onEvent(event),
    ...(discovering ? { rediscover: async () => (await findTargets(specs, resolve)).map(targetOf) } : {}),
  });
  view = io.style.tty ? new LiveView(io.stdout, io.style, () => runner.timelineMs) : new LogView(io.stdout);
  const where = embedded
    ? `an embedded server (${targets[0]?.url ?? ''})`
    : targets.map((t) => (t.source !== undefined ? `${t.url} (${t.source})` : t.url)).join(', ') +
      (targets.length > 1 ? `, fleet policy ${policy}` : '');
  view.note(
    `faultline run: ${plan.name}: ${counted(plan.steps.length, 'step')} over ${formatDuration(plan.durationMs)}, seed ${plan.seed}, on ${where}`,
  );

  let signal: NodeJS.Signals | undefined;
  const onSignal = (received: NodeJS.Signals): void => {
    if (signal !== undefined) {
      view?.close(runner.journal);
      io.stderr(`faultline run: ${received} again: exiting without finishing the rollback (leased faults still expire on their servers)\n`);
      // The journal as it stands, rollback unfinished, so the run still leaves a record.
      if (values.journal !== undefined) {
        try {
          writeFileSync(values.journal, `${JSON.stringify(runner.journal, null, 2)}\n`);
        } catch {
          // Exiting anyway.
        }
      }
      if (values.junit !== undefined) {
        try {
          writeFileSync(values.junit, junitXml(runner.journal));
        } catch {
          // Exiting anyway.
        }
      }
      process.exit(received === 'SIGTERM' ? RUN_EXIT.sigterm : RUN_EXIT.sigint);
    }
    signal = received;
    view?.note(`${received}: stopping and rolling back (send it again to quit at once)`);
    runner.abort('signal', `interrupted by ${received}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let journal: Journal;
  try {
    journal = await runner.run();
  } finally {
    view.close(runner.journal);
    await embedded?.close();
  }
  io.stdout(summary(journal));
  if (values.journal !== undefined) {
    try {
      await writeJournal(values.journal, journal);
      io.stdout(`journal: ${values.journal}\n`);
    } catch (err) {
      io.stderr(`faultline run: cannot write the journal to ${values.journal}: ${(err as Error).message}\n`);
    }
  }
  if (values.junit !== undefined) {
    try {
      await writeJunit(values.junit, journal);
      io.stdout(`junit: ${values.junit}\n`);
    } catch (err) {
      io.stderr(`faultline run: cannot write the JUnit report to ${values.junit}: ${(err as Error).message}\n`);
    }
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return exitCode(journal, signal);
}
