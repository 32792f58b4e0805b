/**
 * Command-line options of `npm run bench`.
 * @module
 */
import { parseArgs } from 'node:util';
import { FULL_SIZES, QUICK_SIZES, SETUPS, WORKLOAD_LABELS, type SetupId, type WorkloadId, type WorkloadSizes } from './setups.js';

/** Parsed options. */
export interface BenchOptions {
  runs: number;
  setups: SetupId[];
  workloads: WorkloadId[];
  sizes: WorkloadSizes;
  quick: boolean;
  toxiproxy: string | undefined;
  json: string | undefined;
  check: boolean;
  cpuProfDir: string | undefined;
  help: boolean;
}

const WORKLOADS = Object.keys(WORKLOAD_LABELS) as WorkloadId[];
const SETUP_IDS = SETUPS.map((s) => s.id);
const DEFAULT_SETUP_IDS = SETUPS.filter((s) => s.optIn !== true).map((s) => s.id);

/** `npm run bench -- --help`. */
export const USAGE = `Usage: npm run bench -- [options]

Runs Faultline (\`faultline serve\` from this build) next to Toxiproxy, a bare Node pipe() proxy,
a bare node:http proxy and no proxy at all, in interleaved rounds, and prints medians, ratios and
the performance targets (met / MISSED / not run). Toxiproxy is \`toxiproxy-server\` on PATH or
--toxiproxy PATH; iperf3 is used when it is on PATH. Either missing: its rows are skipped, and the
report says so.

  --quick              short runs: 0.4 s per workload, 1000 idle connections
  --runs N             rounds over every setup (default 5, --quick 3)
  --only LIST          workloads, comma-separated: ${WORKLOADS.join(', ')}
  --setups LIST        setups, comma-separated: ${SETUP_IDS.join(', ')}
                       (default: all but ${SETUPS.filter((s) => s.optIn === true)
                         .map((s) => s.id)
                         .join(', ')})
  --toxiproxy PATH     the toxiproxy-server binary to compare with (default: found on PATH)
  --connections N      idle connections held for the memory workload (default 2000)
  --decay-ms N         length of each of the 10 uploads of the decay workload (default 1500)
  --json FILE          also write every measurement as JSON
  --check              exit 1 when a performance target is missed
  --cpu-prof DIR       write a V8 CPU profile of each proxy process that carries traffic
                       (summarize with: node dist/bench/cpu-profile.js DIR/*.cpuprofile)
  --help               this text
`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const picked = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const item of picked) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`unknown ${what} '${item}' (one of: ${allowed.join(', ')})`);
  }
  return allowed.filter((a) => picked.includes(a));
}

function positive(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got '${value}'`);
  return n;
}

/** Parses `argv` (without the node and script paths). Throws on bad input. */
export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      setups: { type: 'string' },
      connections: { type: 'string' },
      'decay-ms': { type: 'string' },
      toxiproxy: { type: 'string' },
      json: { type: 'string' },
      check: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const base = quick ? QUICK_SIZES : FULL_SIZES;
  const sizes: WorkloadSizes = {
    ...base,
    idleConnections: positive(values.connections, base.idleConnections, '--connections'),
    decayMs: positive(values['decay-ms'], base.decayMs, '--decay-ms'),
  };
  return {
    // Two cores shared by three busy processes: results move from run to run, so take several.
    runs: positive(values.runs, quick ? 3 : 5, '--runs'),
    setups: values.setups === undefined ? DEFAULT_SETUP_IDS : list(values.setups, SETUP_IDS, 'setup'),
    workloads: list(values.only, WORKLOADS, 'workload'),
    sizes,
    quick,
    toxiproxy: values.toxiproxy,
    json: values.json,
    check: values.check === true,
    cpuProfDir: values['cpu-prof'],
    help: values.help === true,
  };
}
