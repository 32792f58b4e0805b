/**
 * A throwaway DNS server for e2e tests: Debian's `dnsmasq` on 127.0.0.1 at a free port, answering
 * only the records it is given (no /etc/hosts, no resolv.conf, no upstream servers, no config file,
 * no pid file), in the foreground, stopped by its pid when the test is done. And `dig`, to ask it.
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { findBinary } from './binaries.js';
import { freePort } from './net.js';

/** A running dnsmasq. */
export interface DnsServer {
  readonly port: number;
  /** `127.0.0.1:port`, as a relay's upstream. */
  readonly address: string;
  stop(): Promise<void>;
}

/** What `dig` printed and how it ended (exit 9: no reply came). */
export interface DigResult {
  code: number;
  stdout: string;
}

/** Options for {@link dig}. */
export interface DigOptions {
  /** Seconds to wait for a reply (dig's `+time`, default 2). */
  timeoutSeconds?: number;
  /** Bind the query socket to this local port (`-b 127.0.0.1#port`), so every query of the run uses one flow. */
  sourcePort?: number;
  /** Only the answers (`+short`). */
  short?: boolean;
}

/** Asks `server` (`host`, `port`) for the A records of `names`, one try each. */
export function dig(port: number, names: readonly string[], options: DigOptions = {}): Promise<DigResult> {
  const binary = findBinary('dig', 'dnsutils');
  const args = [
    `@127.0.0.1`,
    '-p',
    String(port),
    `+time=${options.timeoutSeconds ?? 2}`,
    '+tries=1',
    ...(options.short ? ['+short'] : []),
    ...(options.sourcePort === undefined ? [] : ['-b', `127.0.0.1#${options.sourcePort}`]),
    ...names,
  ];
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: 30_000 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout });
    });
  });
}

/** dnsmasq lives in /usr/sbin, which a non-root PATH may leave out. */
function findDnsmasq(): string {
  try {
    accessSync('/usr/sbin/dnsmasq', constants.X_OK);
    return '/usr/sbin/dnsmasq';
  } catch {
    return findBinary('dnsmasq', 'dnsmasq-base');
  }
}

/** Starts dnsmasq with `records` (name → IPv4 address) and resolves once it answers. */
export async function startDnsmasq(records: Readonly<Record<string, string>>): Promise<DnsServer> {
  const binary = findDnsmasq();
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      `--port=${port}`,
      '--pid-file=',
      '--log-facility=-',
      ...Object.entries(records).map(([name, ip]) => `--host-record=${name},${ip}`),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  const [probe] = Object.keys(records);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`dnsmasq did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    if (probe !== undefined && (await dig(port, [probe], { timeoutSeconds: 1, short: true })).code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, address: `127.0.0.1:${port}`, stop };
}
