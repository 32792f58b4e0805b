/**
 * What the TLS e2e tests share: a server's CA written to a file for the clients, and running a
 * client program (curl, openssl, redis-cli) to its end or to a time bound, killed by its pid then.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a client program ended. */
export interface ProgramRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** It was still running at the bound, and was killed. */
  timedOut: boolean;
}

/** Runs `command args` with `input` on stdin; kills it (by pid) after `boundMs`. */
export function runProgram(command: string, args: readonly string[], input = '', boundMs = 15_000): Promise<ProgramRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, boundMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A temporary directory, and a way to remove it. */
export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-tls-e2e-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Fetches `GET /faultline/ca.pem` from a server and writes it to `dir/faultline-ca.pem`. */
export async function fetchCa(url: string, dir: string): Promise<string> {
  const res = await fetch(`${url}/faultline/ca.pem`, { headers: { 'User-Agent': 'e2e' } });
  if (res.status !== 200) throw new Error(`GET /faultline/ca.pem answered ${res.status}`);
  const path = join(dir, 'faultline-ca.pem');
  await writeFile(path, await res.text());
  return path;
}
