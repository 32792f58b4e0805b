/**
 * The HTTP/2 bench: streams per second (small requests, 4 connections × 16 in flight) and bulk
 * throughput both ways (4 concurrent streams on one connection) through Faultline's `http2` proxy
 * next to a bare node:http2 proxy, in interleaved rounds of the same run. Backend, each proxy and
 * the load generator run in processes of their own (bench/http2-process.ts). Progress goes to
 * stderr, the Markdown report to stdout.
 *
 *   npm run build && node dist/bench/http2.js [--runs N] [--ms MS] [--mib N]
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
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

function start(args: string[]): Child {
  const child = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, ms: { type: 'string', default: '2000' }, mib: { type: 'string', default: '64' } },
  });
  const runs = Number(values.runs);
  const ms = Number(values.ms);
  const bytes = Number(values.mib) * 1024 * 1024;
  const backend = start(['backend']);
  const upstream = `127.0.0.1:${(await backend.ready).port}`;
  const results: Record<Setup, { streams: number[]; down: number[]; up: number[] }> = {
    bare: { streams: [], down: [], up: [] },
    faultline: { streams: [], down: [], up: [] },
  };
  for (let round = 1; round <= runs; round++) {
    for (const setup of ['bare', 'faultline'] as const) {
      const proxy = start([setup, upstream]);
      const load = start(['load', String((await proxy.ready).port)]);
      await load.ready;
      await load.ask({ kind: 'streams', ms: 300 });
      const s = await load.ask({ kind: 'streams', ms });
      const d = await load.ask({ kind: 'down', bytes: bytes / 4 });
      const u = await load.ask({ kind: 'up', bytes: bytes / 4 });
      results[setup].streams.push(((s['streams'] ?? 0) * 1000) / (s['ms'] ?? 1));
      results[setup].down.push((d['bytes'] ?? 0) / 1048576 / ((d['ms'] ?? 1) / 1000));
      results[setup].up.push((u['bytes'] ?? 0) / 1048576 / ((u['ms'] ?? 1) / 1000));
      process.stderr.write(
        `  round ${round} ${setup}: ${results[setup].streams.at(-1)?.toFixed(0)} streams/s, down ${results[setup].down.at(-1)?.toFixed(0)} MiB/s, up ${results[setup].up.at(-1)?.toFixed(0)} MiB/s\n`,
      );
      load.process.kill();
      proxy.process.kill();
    }
  }
  backend.process.kill();
  const row = (what: string, key: 'streams' | 'down' | 'up', unit: string) => {
    const bare = median(results.bare[key]);
    const ours = median(results.faultline[key]);
    return `| ${what} | ${bare.toFixed(0)} ${unit} | ${ours.toFixed(0)} ${unit} | ${(ours / bare).toFixed(2)}× |`;
  };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [
      `HTTP/2 bench, ${runs} interleaved rounds, medians (${cpus().length} × ${cpu}, load ${loadavg()[0]?.toFixed(2)}):`,
      '',
      `| workload | ${LABELS.bare} | ${LABELS.faultline} | ratio |`,
      '| --- | --- | --- | --- |',
      row('small streams, 4 connections × 16 in flight', 'streams', 'streams/s'),
      row(`bulk down, ${values.mib} MiB on 4 streams`, 'down', 'MiB/s'),
      row(`bulk up, ${values.mib} MiB on 4 streams`, 'up', 'MiB/s'),
      '',
    ].join('\n'),
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
