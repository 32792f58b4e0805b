/**
 * iperf3, the users' own tool for bulk throughput: one `iperf3 -s` for the whole bench (the upstream
 * of the iperf workloads) and one `iperf3 -c` per measurement, through the proxy under test, in
 * either direction (`-R`: server → client).
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { forget, track, type Killable } from './children.js';
import { freePort } from './proxy-server.js';

/** One iperf3 test's outcome. */
export interface IperfResult {
  /** Throughput at the receiving end, bits per second. */
  bps: number;
  /** Bytes received. */
  bytes: number;
  seconds: number;
}

/** `iperf3 -s` on a free loopback port. */
export class IperfServer implements Killable {
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.once('exit', () => {
      this.exited = true;
      forget(this);
    });
    track(this);
  }

  static async start(iperf3: string): Promise<IperfServer> {
    const port = await freePort();
    const child = spawn(iperf3, ['-s', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const server = new IperfServer(child, port);
    // iperf3 prints nothing machine-readable when it is ready: give it a moment to bind.
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (server.exited) throw new Error('iperf3 -s exited at once');
    return server;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  stop(): void {
    if (!this.exited) this.child.kill('SIGTERM');
  }
}

/**
 * One single-stream test of `seconds` (a whole number: iperf3 reads -t as one) against `port`;
 * `reverse` is `-R` (the server sends). TCP_NODELAY as the proxies set it.
 */
export function runIperf(iperf3: string, port: number, seconds: number, reverse: boolean): Promise<IperfResult> {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-N', '-J', ...(reverse ? ['-R'] : [])];
  return new Promise((resolve, reject) => {
    execFile(iperf3, args, { timeout: (seconds + 15) * 1000, maxBuffer: 16 * 2 ** 20 }, (err, stdout) => {
      let report: { error?: string; end?: { sum_received?: { bits_per_second: number; bytes: number; seconds: number } } };
      try {
        report = JSON.parse(stdout) as typeof report;
      } catch {
        reject(new Error(`iperf3 ${args.join(' ')}: ${err?.message ?? 'no JSON report'}`));
        return;
      }
      const sum = report.end?.sum_received;
      if (report.error !== undefined || !sum) {
        reject(new Error(`iperf3 ${args.join(' ')}: ${report.error ?? 'no sum_received in its report'}`));
        return;
      }
      resolve({ bps: sum.bits_per_second, bytes: sum.bytes, seconds: sum.seconds });
    });
  });
}
