/**
 * The HTTP/2 bench: streams per second (small requests, 4 connections × 16 in flight) and bulk
 * throughput both ways (4 concurrent streams on one connection) through Faultline's `http2` proxy
 * next to a bare node:http2 proxy, in interleaved rounds of the same run. Backend, each proxy and
 * the load generator run in processes of their own (bench/http2-process.ts). Progress goes to
 * stderr, the Markdown report to stdout. Each proxy's CPU time per stream is reported next to the
 * rates: on a busy machine it is the steadier measure.
 *
 *   npm run build && node dist/bench/http2.js [--runs N] [--ms MS] [--mib N] [--only streams,down,up]
 *     [--cpu-prof DIR]   (a V8 CPU profile of each proxy process; summarize with
 *                         node dist/bench/cpu-profile.js DIR/*.cpuprofile)
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const script = fileURLToPath(new URL('./http2-process.js', import.meta.url));
type Setup = 'bare' | 'faultline';
const LABELS: Record<Setup, string> = { bare: 'bare node:http2 proxy', faultline: 'Faultline http2 proxy, no toxic' };

interface Child {
  process: ChildProcess;
  ready: Promise<{ port: number }>;
  ask(cmd: Record<string, unknown>): Promise<Record<string, number>>;
}

const children = new Set<ChildProcess>();

function start(args: string[], execArgv: string[] = []): Child {
  const child = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      child.once('message', (m) => resolve(m as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${String(code)}`)));
    });
  return {
    process: child,
    ready: next() as Promise<{ port: number }>,
    ask: async (cmd) => {
      const answer = next();
      child.send(cmd);
      const result = await answer;
      if (result['error'] !== undefined) throw new Error(String(result['error']));
      return result as Record<string, number>;
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Stops a proxy with SIGINT (an orderly exit writes its CPU profile) and waits for it. */
function stopProxy(proxy: Child): Promise<void> {
  return new Promise((done) => {
    if (proxy.process.exitCode !== null) return done();
    proxy.process.once('exit', () => done());
    proxy.process.kill('SIGINT');
  });
}

type Workload = 'streams' | 'down' | 'up';
const WORKLOADS: readonly Workload[] = ['streams', 'down', 'up'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      ms: { type: 'string', default: '2000' },
      mib: { type: 'string', default: '64' },
      only: { type: 'string', default: WORKLOADS.join(',') },
      'cpu-prof': { type: 'string' },
    },
  });
  const only = new Set(values.only.split(',').filter((w): w is Workload => (WORKLOADS as readonly string[]).includes(w)));
  const profDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
  if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
  const runs = Number(values.runs);
  const ms = Number(values.ms);
  const bytes = Number(values.mib) * 1024 * 1024;
  const backend = start(['backend']);
  const upstream = `127.0.0.1:${(await backend.ready).port}`;
  const results: Record<Setup, Record<Workload | 'cpu', number[]>> = {
    bare: { streams: [], down: [], up: [], cpu: [] },
    faultline: { streams: [], down: [], up: [], cpu: [] },
  };
  for (let round = 1; round <= runs; round++) {
    for (const setup of ['bare', 'faultline'] as const) {
      const prof = profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${setup}-${round}.cpuprofile`];
      const proxy = start([setup, upstream], prof);
      const load = start(['load', String((await proxy.ready).port)]);
      await load.ready;
      const line: string[] = [];
      if (only.has('streams')) {
        await load.ask({ kind: 'streams', ms: 300 });
        const before = (await proxy.ask({ kind: 'cpu' }))['micros'] ?? 0;
        const s = await load.ask({ kind: 'streams', ms });
        const cpu = ((await proxy.ask({ kind: 'cpu' }))['micros'] ?? 0) - before;
        results[setup].streams.push(((s['streams'] ?? 0) * 1000) / (s['ms'] ?? 1));
        results[setup].cpu.push(cpu / (s['streams'] || 1));
        line.push(`${results[setup].streams.at(-1)?.toFixed(0)} streams/s (${results[setup].cpu.at(-1)?.toFixed(1)} µs CPU/stream)`);
      }
      for (const kind of ['down', 'up'] as const) {
        if (!only.has(kind)) continue;
        const r = await load.ask({ kind, bytes: bytes / 4 });
        results[setup][kind].push((r['bytes'] ?? 0) / 1048576 / ((r['ms'] ?? 1) / 1000));
        line.push(`${kind} ${results[setup][kind].at(-1)?.toFixed(0)} MiB/s`);
      }
      process.stderr.write(`  round ${round} ${setup}: ${line.join(', ')} (load ${loadavg()[0]?.toFixed(2)})\n`);
      load.process.kill();
      await stopProxy(proxy);
    }
  }
  backend.process.kill();
  const row = (what: string, key: Workload | 'cpu', unit: string, digits = 0) => {
    if (!only.has(key === 'cpu' ? 'streams' : key)) return undefined;
    const bare = median(results.bare[key]);
    const ours = median(results.faultline[key]);
    return `| ${what} | ${bare.toFixed(digits)} ${unit} | ${ours.toFixed(digits)} ${unit} | ${(ours / bare).toFixed(2)}× |`;
  };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [
      `HTTP/2 bench, ${runs} interleaved rounds, medians (${cpus().length} × ${cpu}, load ${loadavg()[0]?.toFixed(2)}):`,
      '',
      `| workload | ${LABELS.bare} | ${LABELS.faultline} | ratio |`,
      '| --- | --- | --- | --- |',
      row('small streams, 4 connections × 16 in flight', 'streams', 'streams/s'),
      row('proxy CPU per small stream', 'cpu', 'µs', 1),
      row(`bulk down, ${values.mib} MiB on 4 streams`, 'down', 'MiB/s'),
      row(`bulk up, ${values.mib} MiB on 4 streams`, 'up', 'MiB/s'),
      '',
    ]
      .filter((l) => l !== undefined)
      .join('\n'),
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of children) c.kill();
    process.exit(130);
  });
}

main().catch((err: unknown) => {
  for (const c of children) c.kill();
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
