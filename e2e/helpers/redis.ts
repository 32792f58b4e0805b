/**
 * A throwaway Redis for e2e tests: `redis-server` on 127.0.0.1 at a free port, no persistence,
 * stopped (by its pid) when the test file is done.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './binaries.js';
import { canConnect, freePort } from './net.js';

/** A running Redis. */
export interface RedisServer {
  readonly port: number;
  /** `127.0.0.1:port`, as a proxy's upstream. */
  readonly address: string;
  stop(): Promise<void>;
}

/** PEM files for a Redis that speaks TLS only (clients are not asked for certificates). */
export interface RedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** Starts `redis-server` (TLS only with `tls`) and resolves once it accepts connections. */
export async function startRedis(tls?: RedisTls): Promise<RedisServer> {
  const binary = findBinary('redis-server', 'redis-server');
  const dir = await mkdtemp(join(tmpdir(), 'faultline-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      ...(tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile]
        : ['--port', String(port)]),
      ...(tls ? ['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'] : []),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
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
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { port, address: `127.0.0.1:${port}`, stop };
}
