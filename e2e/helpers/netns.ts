/**
 * A private network namespace per server, so a test can use fixed ports (8474) without meeting
 * anything else on the machine. Needs root and `unshare`/`nsenter` (util-linux).
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command in a new network namespace with loopback up; `exec` keeps the pid for nsenter. */
export const NETNS = ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'];

/** Runs `command` inside the network namespace of process `pid` (as `docker exec` would). */
export async function inNamespaceOf(
  pid: number | undefined,
  command: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('nsenter', [`--net=/proc/${pid ?? 0}/ns/net`, ...command], { env, timeout: 10_000 });
    return { code: 0, stdout };
  } catch (err) {
    return { code: Number((err as { code?: unknown }).code ?? 1), stdout: String((err as { stdout?: unknown }).stdout ?? '') };
  }
}
