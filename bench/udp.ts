/**
 * The UDP bench: datagrams per second through Faultline's UDP relay next to a bare Node dgram relay,
 * in interleaved rounds of the same run, and the memory each holds with 10,000 flows. The echo
 * server, each relay and the load generator run in processes of their own (bench/udp-process.ts).
 * Progress goes to stderr, the Markdown report to stdout.
 *
 *   npm run build && node dist/bench/udp.js [--runs N] [--ms MS] [--flows N]
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const script = fileURLToPath(new URL('./udp-process.js', import.meta.url));

type Setup = 'bare' | 'faultline' | 'faultline-latency0';
const LABELS: Record<Setup, string> = {
  bare: 'bare Node dgram relay',
  faultline: 'Faultline UDP relay, no toxic',
  'faultline-latency0': 'Faultline UDP relay, latency 0 ms both ways',
};
const SETUPS: readonly Setup[] = ['bare', 'faultline', 'faultline-latency0'];

/** A forked role; `ask` sends a command and waits for the next message. */
interface Child {
  process: ChildProcess;
  first: Promise<Record<string, unknown>>;
  ask(cmd: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

function start(args: string[], timeoutMs = 120_000): Child {
  const child = fork(script, args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args[0]} did not answer in ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as Record<string, unknown>);
      });
      child.once('exit', (code) => reject(new Error(`${args[0]} exited (${String(code)})`)));
    });
  return {
    process: child,
    first: next(),
    ask: (cmd) => {
      const answer = next();
      child.send({ cmd });
      return answer;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function relay(setup: Setup, upstreamPort: number): Promise<{ child: Child; port: number }> {
  const kind = setup === 'bare' ? 'bare' : 'faultline';
  const child = start(['relay', kind, String(upstreamPort), setup === 'faultline-latency0' ? 'latency0' : '']);
  const ready = await child.first;
  return { child, port: Number(ready['port']) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      ms: { type: 'string', default: '3000' },
      flows: { type: 'string', default: '10000' },
    },
  });
  const runs = Number(values.runs);
  const ms = Number(values.ms);
  const flowCount = Number(values.flows);
  const load = { sockets: 8, window: 32, size: 64, warmupMs: 500 };
  const loadStart = loadavg()[0] ?? 0;
  const echo = start(['echo']);
  const echoPort = Number((await echo.first)['port']);
  const rates: Record<Setup, number[]> = { bare: [], faultline: [], 'faultline-latency0': [] };
  try {
    for (let round = 1; round <= runs; round++) {
      for (const setup of SETUPS) {
        const { child, port } = await relay(setup, echoPort);
        const gen = start([
          'load',
          String(port),
          String(load.sockets),
          String(load.window),
          String(load.size),
          String(load.warmupMs),
          String(ms),
        ]);
        const result = await gen.first;
        await gen.stop();
        await child.stop();
        rates[setup].push(Number(result['perSecond']));
        process.stderr.write(`  round ${round} ${setup}: ${Math.round(Number(result['perSecond']))} round trips/s\n`);
      }
    }
    const memory: Record<string, { perFlowKB: number; rssMB: number; flows: number; answered: number }> = {};
    for (const setup of ['bare', 'faultline'] as const) {
      const { child, port } = await relay(setup, echoPort);
      const before = await child.ask('memory');
      const maker = start(['flows', String(port), String(flowCount), '250'], 300_000);
      const made = await maker.first;
      const after = await child.ask('memory');
      await maker.ask('close');
      await maker.stop();
      await child.stop();
      const growth = Number(after['rss']) - Number(before['rss']);
      memory[setup] = {
        perFlowKB: growth / flowCount / 1000,
        rssMB: Number(after['rss']) / 1e6,
        flows: Number(after['flows']),
        answered: Number(made['answered']),
      };
      process.stderr.write(`  ${setup}: ${flowCount} flows, RSS ${memory[setup].rssMB.toFixed(0)} MB\n`);
    }
    const lines = [
      `UDP bench, ${new Date().toISOString().slice(0, 10)}: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, loopback; ` +
        `\`node dist/bench/udp.js --runs ${runs} --ms ${ms} --flows ${flowCount}\`; load average ${loadStart.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end.`,
      `Closed loop: ${load.sockets} client sockets (flows), ${load.window} datagrams of ${load.size} bytes in flight each, to a UDP echo server; ` +
        `${ms} ms after ${load.warmupMs} ms warm-up; round trips per second (each is two datagrams through the relay). Medians of ${runs} interleaved runs (min–max).`,
      '',
      '| setup | round trips/s | datagrams/s through the relay | × bare |',
      '|---|---:|---:|---:|',
      ...SETUPS.map((s) => {
        const m = median(rates[s]);
        const range = `${Math.round(Math.min(...rates[s]))}–${Math.round(Math.max(...rates[s]))}`;
        return `| ${LABELS[s]} | ${Math.round(m)} (${range}) | ${Math.round(2 * m)} | ${(m / median(rates.bare)).toFixed(2)}× |`;
      }),
      '',
      `Memory with ${flowCount} flows (each made by a client socket of its own, one round trip, the sockets still open): the relay process's RSS growth after forced GC.`,
      '',
      '| setup | flows held | answered | RSS with them | growth per flow |',
      '|---|---:|---:|---:|---:|',
      ...Object.entries(memory).map(
        ([s, m]) => `| ${LABELS[s as Setup]} | ${m.flows} | ${m.answered} | ${m.rssMB.toFixed(0)} MB | ${m.perFlowKB.toFixed(1)} KB |`,
      ),
    ];
    const ratio = median(rates.faultline) / median(rates.bare);
    lines.push(
      '',
      `Target: Faultline ≥ 0.9× the bare relay on datagrams per second: ${ratio >= 0.9 ? 'met' : 'MISSED'} (${ratio.toFixed(2)}×).`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await echo.stop();
    for (const child of children) child.kill('SIGKILL');
  }
}

main().catch((err: unknown) => {
  for (const child of children) child.kill('SIGKILL');
  process.stderr.write(`udp bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
