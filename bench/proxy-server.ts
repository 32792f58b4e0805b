/**
 * A proxy server program run the way its users run it: `faultline serve` from this build, or
 * Toxiproxy's `toxiproxy-server`. Both speak Toxiproxy's admin API, so one small client sets either
 * up (a proxy on a free loopback port, its toxics). Its CPU time and memory are read from /proc, as
 * for any process, whatever language it is written in.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ToxicInput } from '../src/index.js';
import { forget, track, type Killable } from './children.js';

/** The two servers compared. */
export type ServerProgram = 'faultline' | 'toxiproxy';

/** How to start one server program with its admin API on a given loopback port. */
export interface ServerLaunch {
  program: ServerProgram;
  command: string;
  args(adminPort: number): string[];
}

/** `faultline serve` from this build (dist/bin/main.js next to dist/bench), with extra node flags. */
export function faultlineLaunch(scriptDir: string, nodeFlags: readonly string[] = []): ServerLaunch {
  const cli = join(scriptDir, '..', 'bin', 'main.js');
  return {
    program: 'faultline',
    command: process.execPath,
    args: (port) => [...nodeFlags, cli, 'serve', '--host', '127.0.0.1', '--port', String(port)],
  };
}

/** `toxiproxy-server` at `file`. */
export function toxiproxyLaunch(file: string): ServerLaunch {
  return { program: 'toxiproxy', command: file, args: (port) => ['-host', '127.0.0.1', '-port', String(port)] };
}

/** A free loopback port (bound, read and released: another process could take it in between). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** How long a server may take to answer `/version` before the bench gives up. */
const START_LIMIT_MS = 20_000;

/** One running server program. */
export class ProxyServer implements Killable {
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly program: ServerProgram,
    private readonly child: ChildProcess,
    readonly adminPort: number,
    /** From spawn to the first 200 on `GET /version`, in ms. */
    public startupMs: number,
  ) {
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        this.exited = true;
        forget(this);
        resolve();
      }),
    );
    track(this);
  }

  /** Starts the program and waits for its admin API; {@link startupMs} is how long that took. */
  static async start(launch: ServerLaunch): Promise<ProxyServer> {
    const adminPort = await freePort();
    const started = performance.now();
    const child = spawn(launch.command, launch.args(adminPort), { stdio: 'ignore' });
    const server = new ProxyServer(launch.program, child, adminPort, 0);
    try {
      await server.waitForVersion();
    } catch (err) {
      server.kill();
      throw err;
    }
    server.startupMs = performance.now() - started;
    return server;
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Creates a proxy on a free loopback port to `upstreamPort`, adds `toxics`; returns the port. */
  async createProxy(
    name: string,
    upstreamPort: number,
    toxics: readonly ToxicInput[] = [],
    protocol?: 'http',
    tls?: Record<string, unknown>,
  ): Promise<number> {
    const body = {
      name,
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${upstreamPort}`,
      enabled: true,
      ...(protocol ? { protocol } : {}),
      ...(tls ? { tls } : {}),
    };
    const created = (await this.api('POST', '/proxies', body)) as { listen?: string };
    const port = Number(/:(\d+)$/.exec(created.listen ?? '')?.[1]);
    if (!(port > 0)) throw new Error(`${this.program}: the new proxy reports no port (listen ${created.listen})`);
    for (const toxic of toxics) await this.api('POST', `/proxies/${name}/toxics`, toxic);
    return port;
  }

  /** Deletes a proxy (its connections close). */
  async deleteProxy(name: string): Promise<void> {
    await this.api('DELETE', `/proxies/${name}`);
  }

  /** CPU time (user + system, every thread) so far, in microseconds. */
  cpuMicros(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / TICKS_PER_SECOND;
  }

  /** Resident set size now, in bytes. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb === undefined) throw new Error(`${this.program}: no VmRSS for pid ${this.pid}`);
    return Number(kb) * 1024;
  }

  /** SIGTERM (a Faultline profile is written on a clean exit), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** SIGKILL, by this process's PID. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Polls `GET /version` until it answers 200 (a refused connection is retried after 1 ms). */
  private async waitForVersion(): Promise<void> {
    const deadline = performance.now() + START_LIMIT_MS;
    for (;;) {
      const status = await httpStatus(this.adminPort, '/version').catch(() => 0);
      if (status === 200) return;
      if (this.exited) throw new Error(`${this.program} exited before its admin API answered`);
      if (performance.now() > deadline) throw new Error(`${this.program}: no 200 on /version within ${START_LIMIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  private async api(method: string, path: string, body?: unknown): Promise<unknown> {
    const { status, text } = await call(this.adminPort, method, path, body);
    if (status < 200 || status >= 300) throw new Error(`${this.program}: ${method} ${path} answered ${status}: ${text.trim()}`);
    return text === '' ? null : JSON.parse(text);
  }
}

function httpStatus(port: number, path: string): Promise<number> {
  return call(port, 'GET', path).then((r) => r.status);
}

/** One admin API request on a fresh connection. */
function call(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.end(payload);
  });
}
