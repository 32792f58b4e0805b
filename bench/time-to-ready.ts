/**
 * Time to ready: from spawning a server process to its first `200` on `GET /version`, for Faultline,
 * for toxiproxy-server, and for a bare Node.js HTTP server (the floor any Node program starts from),
 * interleaved in the same run so all see the same machine load. On Linux it also reports the CPU time
 * each process used until then, which a busy machine inflates less than the wall time.
 *
 *   npm run build && node dist/bench/time-to-ready.js [--runs 21] [--toxiproxy PATH] [-- extra faultline args]
 *
 * toxiproxy-server is looked up on PATH unless given; when absent its column is skipped, saying so.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarize } from './stats.js';

/** A server command line to time, with the port filled in per run. */
interface Subject {
  label: string;
  command: string;
  args: (port: number) => string[];
}

/** Gives up on a server that has not answered within this long. */
const READY_LIMIT_MS = 30_000;

/** A Node.js HTTP server answering `/version` and nothing else: Node's own start-up cost. */
const NODE_FLOOR = `require('node:http').createServer((q, s) => s.end('{"version": "2.12.0"}\\n')).listen(Number(process.argv[1]), '127.0.0.1')`;

/** One start: wall time to the first 200, and CPU time (user + system) used by then, when known. */
interface Sample {
  wallMs: number;
  cpuMs: number | undefined;
}

/** CPU time of a running process from /proc (Linux), in ms; undefined elsewhere. */
function cpuTimeMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks of 10 ms on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One `GET /version`; resolves to its status, or 0 when nothing answered. */
function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/version', agent: false, headers: { 'user-agent': 'time-to-ready' } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', () => resolve(0));
    req.setTimeout(2_000, () => req.destroy());
    req.end();
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Spawns the subject and polls until the first 200. */
async function timeOnce(subject: Subject): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(subject.command, subject.args(port), { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if ((await probe(port)) === 200) return { wallMs: performance.now() - started, cpuMs: cpuTimeMs(child.pid) };
      if (exited) throw new Error(`${subject.label} exited before answering`);
      if (performance.now() - started > READY_LIMIT_MS) throw new Error(`${subject.label} did not answer within ${READY_LIMIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await stop(child);
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { runs: { type: 'string', default: '21' }, toxiproxy: { type: 'string' } },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number ≥ 1');
  const cli = fileURLToPath(new URL('../bin/main.js', import.meta.url));
  const subjects: Subject[] = [
    { label: 'faultline', command: process.execPath, args: (port) => [cli, 'serve', '--port', String(port), ...positionals] },
    { label: 'node http server', command: process.execPath, args: (port) => ['-e', NODE_FLOOR, String(port)] },
  ];
  const toxiproxy = values.toxiproxy ?? onPath('toxiproxy-server');
  if (toxiproxy)
    subjects.push({ label: 'toxiproxy-server', command: toxiproxy, args: (port) => ['-host', '127.0.0.1', '-port', String(port)] });
  else process.stdout.write('toxiproxy-server not found on PATH (or --toxiproxy): its column is skipped\n');

  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const times = new Map<string, Sample[]>(subjects.map((s) => [s.label, []]));
  // Interleaved, one warm-up of each first (its time is not kept): disk caches are warm for both.
  for (const subject of subjects) await timeOnce(subject);
  for (let i = 0; i < runs; i++) {
    for (const subject of subjects) times.get(subject.label)?.push(await timeOnce(subject));
  }
  const medians = new Map<string, number>();
  process.stdout.write(
    `time from spawn to first 200 on GET /version, ${runs} runs each (load average before: ${load}; after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})\n`,
  );
  for (const [label, samples] of times) {
    const wall = samples.map((x) => x.wallMs);
    const s = summarize(wall);
    const sorted = [...wall].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)] ?? s.max;
    const cpu = samples.flatMap((x) => (x.cpuMs === undefined ? [] : [x.cpuMs]));
    const cpuText = cpu.length > 0 ? `   CPU median ${summarize(cpu).median.toFixed(0).padStart(5)} ms` : '';
    medians.set(label, s.median);
    process.stdout.write(
      `  ${label.padEnd(17)} median ${s.median.toFixed(0).padStart(5)} ms   p90 ${p90.toFixed(0).padStart(5)} ms   min ${s.min.toFixed(0).padStart(5)} ms${cpuText}\n`,
    );
  }
  const own = medians.get('faultline');
  const theirs = medians.get('toxiproxy-server');
  const floor = medians.get('node http server');
  if (own !== undefined && floor !== undefined) process.stdout.write(`  faultline − node http server: ${(own - floor).toFixed(0)} ms\n`);
  if (own !== undefined && theirs !== undefined) process.stdout.write(`  faultline / toxiproxy-server: ${(own / theirs).toFixed(2)}×\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`time-to-ready: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
