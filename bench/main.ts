/**
 * `npm run bench`: Faultline next to Toxiproxy (when installed), a bare `pipe()` proxy, a bare
 * node:http proxy and direct connections, with and without toxics, on bulk throughput both ways
 * (the Node load generator and iperf3), round trips (1 and 50 clients, bytes and HTTP), memory with
 * idle connections, start-up time, first-connection latency, throughput decay, the release time of
 * delayed frames and one slow reader among 100 streams, in one run. Progress goes to stderr, the
 * Markdown report to stdout. See `npm run bench -- --help`.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren } from './children.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { currentLoad, jsonReport, machineInfo, renderReport } from './report.js';
import { runBench, type BenchConfig } from './runner.js';
import { evaluateTargets } from './targets.js';

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const date = new Date();
  const config: BenchConfig = {
    scriptDir: dirname(fileURLToPath(import.meta.url)),
    runs: options.runs,
    setups: options.setups,
    workloads: options.workloads,
    sizes: options.sizes,
    toxiproxy: options.toxiproxy,
    onProgress: (line) => process.stderr.write(`  ${line}\n`),
  };
  if (options.cpuProfDir !== undefined) {
    config.cpuProfDir = resolve(options.cpuProfDir);
    mkdirSync(config.cpuProfDir, { recursive: true });
  }
  const started = performance.now();
  const loadAtStart = currentLoad();
  const result = await runBench(config);
  const machine = machineInfo(loadAtStart);
  process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s\n\n`);
  process.stdout.write(`${renderReport(result, machine, command, date)}\n`);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(jsonReport(result, machine, command, date), null, 2)}\n`);
  }
  const missed = evaluateTargets(result).filter((v) => v.met === false);
  return options.check && missed.length > 0 ? 1 : 0;
}

// Ctrl-C must not leave proxies, servers or held connections behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllChildren();
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
