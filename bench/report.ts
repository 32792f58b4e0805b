/**
 * Formats bench results as Markdown tables (they go into the README as printed) and as JSON.
 * @module
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { findSeries, type BenchResult } from './runner.js';
import { METRICS, SETUPS, WORKLOAD_LABELS, type MetricDef, type SetupId } from './setups.js';
import { evaluateTargets, formatBound, formatMeasured, medianRatio, type Verdict } from './targets.js';

/** The machine a result was measured on. */
export interface MachineInfo {
  cores: number;
  cpu: string;
  memoryGB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the bench started and when it ended: other work skews the numbers. */
  load: { start: number; end: number };
}

/** The 1-minute load average now. */
export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}

/** Describes this machine; `loadAtStart` is {@link currentLoad} from before the bench. */
export function machineInfo(loadAtStart: number): MachineInfo {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round(totalmem() / 1e9),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load: { start: loadAtStart, end: currentLoad() },
  };
}

function format(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(result: BenchResult, setup: SetupId, metric: MetricDef): string {
  const series = findSeries(result, setup, metric.workload, metric.id);
  if (!series) return '–';
  const { median, min, max, n } = series.summary;
  const value = format(median, metric.digits);
  return n > 1 ? `${value} (${format(min, metric.digits)}–${format(max, metric.digits)})` : value;
}

function measuredSetups(result: BenchResult): typeof SETUPS {
  return SETUPS.filter((s) => result.series.some((x) => x.setup === s.id));
}

function measuredMetrics(result: BenchResult): MetricDef[] {
  return METRICS.filter((m) => result.series.some((x) => x.metric.workload === m.workload && x.metric.id === m.id));
}

/** Medians with min–max over the runs, one column per setup. */
export function resultsTable(result: BenchResult): string {
  const setups = measuredSetups(result);
  const lines = [`| workload | metric | ${setups.map((s) => s.label).join(' | ')} |`, `|---|---|${setups.map(() => '---:').join('|')}|`];
  for (const metric of measuredMetrics(result)) {
    const cells = setups.map((s) => cell(result, s.id, metric));
    lines.push(`| ${WORKLOAD_LABELS[metric.workload]} | ${metric.unit} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Each Faultline setup's medians over those of the setups it is compared with (Toxiproxy with the
 * same toxics, the bare pipe proxy, a bare node:http proxy); rows where no column applies are left out.
 */
export function ratioTable(result: BenchResult): string {
  const measured = new Set(measuredSetups(result).map((s) => s.id));
  const columns: Array<{ subject: SetupId; base: SetupId }> = SETUPS.filter((s) => measured.has(s.id)).flatMap((s) =>
    (s.compareTo ?? []).filter((base) => measured.has(base)).map((base) => ({ subject: s.id, base })),
  );
  if (columns.length === 0) return '';
  const lines = [
    `| workload | metric | ${columns.map((c) => `${c.subject} / ${c.base}`).join(' | ')} |`,
    `|---|---|${columns.map(() => '---:').join('|')}|`,
  ];
  for (const metric of measuredMetrics(result).filter((m) => m.noRatio !== true)) {
    const ratios = columns.map((c) => medianRatio(result, c.subject, c.base, metric.workload, metric.id));
    if (ratios.every((r) => r === undefined)) continue;
    const cells = ratios.map((r) => (r === undefined ? '–' : `${r.toFixed(2)}×`));
    lines.push(`| ${WORKLOAD_LABELS[metric.workload]} | ${metric.unit} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function verdictText(verdict: Verdict): string {
  if (verdict.met === undefined) return 'not run';
  return verdict.met ? 'met' : 'MISSED';
}

/** The performance targets with the measured ratios. */
export function targetsTable(verdicts: readonly Verdict[]): string {
  const lines = [
    '| target (Faultline medians, × = over the named setup in the same run) | setup | goal | measured | |',
    '|---|---|---|---:|---|',
  ];
  for (const v of verdicts) {
    lines.push(`| ${v.target.label} | ${v.target.setup} | ${formatBound(v.target)} | ${formatMeasured(v)} | ${verdictText(v)} |`);
  }
  return lines.join('\n');
}

/** One line: how many targets were met, missed (named) and not run. */
export function targetSummary(verdicts: readonly Verdict[]): string {
  const missed = verdicts.filter((v) => v.met === false);
  const met = verdicts.filter((v) => v.met === true).length;
  const notRun = verdicts.filter((v) => v.met === undefined).length;
  const names = missed.map((v) => `${v.target.label} (${v.target.setup}${v.target.baseline ? ` / ${v.target.baseline}` : ''})`);
  return `Targets: ${met} met, ${missed.length} missed${missed.length > 0 ? `: ${names.join('; ')}` : ''}; ${notRun} not run.`;
}

/** The whole printed report. */
export function renderReport(result: BenchResult, machine: MachineInfo, command: string, date: Date): string {
  const { sizes, runs } = result.config;
  const verdicts = evaluateTargets(result);
  const parts = [
    `Faultline bench, ${date.toISOString().slice(0, 10)}: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, ` +
      `${machine.platform}, Node ${machine.node}, loopback; \`${command}\`; load average ` +
      `${machine.load.start.toFixed(2)} at start, ${machine.load.end.toFixed(2)} at end`,
    `Medians of ${runs} interleaved run${runs === 1 ? '' : 's'} (min–max). Faultline is \`faultline serve\` from this build and ` +
      `Toxiproxy is \`toxiproxy-server\`, each set up through its admin API and run as their users run them ` +
      `(default logging, output discarded); "engine" rows run Faultline's engine inside the bench's own proxy process. ` +
      `Bulk: one stream each way, ${sizes.bulkMs} ms after ${sizes.bulkWarmupMs} ms warm-up, counted where the ` +
      `bytes arrive (server → client) or as handed over by the sender (client → server); iperf3: one ${sizes.iperfSeconds} s ` +
      `test, -N, received throughput. Round trips: ${sizes.rrMessageBytes}-byte echo, one request in flight per client, ` +
      `${sizes.rrMs} ms after ${sizes.rrWarmupMs} ms warm-up. Idle: ${sizes.idleConnections} connections after one round trip ` +
      `each, the proxy process's RSS before and with them held (KB = 1000 bytes; JS heap after forced GC for bench children). ` +
      `Start: spawn to the first 200 on GET /version, ${sizes.startupSamples} per program and run. First connection: ` +
      `${sizes.firstProxies} fresh proxies per program and run, each with a ${sizes.firstLatencyMs} ms latency toxic downstream, ` +
      `timed from connect to the echo of one ${sizes.rrMessageBytes}-byte message, minus ${sizes.firstLatencyMs} ms, all on one ` +
      `server process per program; median and p95 over every sample. Decay: ${sizes.decayTransfers} consecutive ${sizes.decayMs} ms uploads through one process ` +
      `(first round only). Timed frames: ${sizes.delayStreams} streams, each a 512-byte frame stamped with its send time every ` +
      `${sizes.delayIntervalMs} ms, to a sink in the load generator's process, ${sizes.delayMs} ms after ${sizes.delayWarmupMs} ms ` +
      `warm-up; release error in proxy = time from the proxy's read of a frame to its write, minus the latency the setup adds; ` +
      `end-to-end lateness = arrival − send − that latency. Slow reader: ${sizes.slowFastStreams} bulk streams alone, then ` +
      `again once one more stream, read once every ${sizes.slowPauseMs} ms, has lagged for ${sizes.slowLagMs} ms; the proxy's ` +
      `growth of RSS and of Buffer memory (after forced GC) with every stream still open. HTTP round trips: keep-alive GETs, one ` +
      `in flight per client, to a node:http server. Proxy CPU: the proxy process's CPU time over the whole task, per GiB, round ` +
      `trip or frame. The proxy, the upstream server and the load generator run in separate processes.`,
    '',
    resultsTable(result),
    '',
    ratioTable(result),
    '',
    targetsTable(verdicts),
    '',
    targetSummary(verdicts),
  ];
  if (result.notes.length > 0) parts.push('', ...result.notes.map((n) => `Note: ${n}`));
  return parts.join('\n');
}

/** Everything measured, for `--json`. */
export function jsonReport(result: BenchResult, machine: MachineInfo, command: string, date: Date): unknown {
  return {
    date: date.toISOString(),
    command,
    machine,
    config: result.config,
    notes: result.notes,
    series: result.series.map((s) => ({
      setup: s.setup,
      workload: s.metric.workload,
      metric: s.metric.id,
      unit: s.metric.unit,
      values: s.values,
      ...s.summary,
    })),
    targets: evaluateTargets(result).map((v) => ({ ...v.target, measured: v.measured ?? null, met: v.met ?? null })),
  };
}
