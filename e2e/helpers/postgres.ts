/**
 * A throwaway PostgreSQL for e2e tests: `initdb` into a temporary directory and `postgres` on
 * 127.0.0.1 at a free port, with durability off (it is thrown away), stopped by its pid when the test
 * file is done. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (or
 * `nobody`).
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinary } from './binaries.js';
import { canConnect, freePort } from './net.js';

const run = promisify(execFile);

/** A running PostgreSQL. */
export interface PostgresServer {
  readonly port: number;
  /** `127.0.0.1:port`, as a proxy's upstream. */
  readonly address: string;
  /** The superuser to connect as (trust authentication; no password). */
  readonly user: string;
  stop(): Promise<void>;
}

/** The uid and gid to run as: ourselves, or an unprivileged account when we are root. */
async function account(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd
      .split('\n')
      .find((l) => l.startsWith(`${name}:`))
      ?.split(':');
    if (fields?.[2] !== undefined && fields[3] !== undefined) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody account exists to run PostgreSQL as');
}

/** Creates a cluster and starts it; resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findBinary('initdb', 'postgresql');
  const postgres = findBinary('postgres', 'postgresql');
  const who = await account();
  const dir = await mkdtemp(join(tmpdir(), 'faultline-pg-'));
  if (who) await chown(dir, who.uid, who.gid);
  const data = join(dir, 'data');
  const user = 'faultline';
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  try {
    await run(initdb, ['-D', data, '-U', user, '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'], {
      ...who,
      env,
      cwd: dir,
      timeout: 60_000,
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
  }
  const port = await freePort();
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'shared_buffers=16MB', 'max_connections=30'];
  const child = spawn(postgres, ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, ...settings.flatMap((s) => ['-c', s])], {
    ...who,
    env,
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const stop = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is waited for.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port)) || !stderr.includes('ready to accept connections')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`postgres did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, address: `127.0.0.1:${port}`, user, stop };
}
