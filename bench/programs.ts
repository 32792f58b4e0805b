/**
 * The programs the bench runs besides its own scripts: Faultline's CLI from this build, and the
 * yardsticks found on PATH (Toxiproxy's `toxiproxy-server`, `iperf3`). A yardstick that is not
 * installed is reported and its columns or rows are left out.
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The full path of an executable `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What the bench found: each yardstick's path, or why it is missing. */
export interface Programs {
  /** `toxiproxy-server`, from `--toxiproxy PATH` or PATH. */
  toxiproxy: string | undefined;
  /** `iperf3` from PATH. */
  iperf3: string | undefined;
  /** Lines for the report: what was found where, what is left out. */
  notes: string[];
}

/** Looks the yardsticks up; `toxiproxyOption` is `--toxiproxy PATH` when given (it must exist). */
export function findPrograms(toxiproxyOption: string | undefined): Programs {
  const notes: string[] = [];
  let toxiproxy: string | undefined;
  if (toxiproxyOption !== undefined) {
    const file = isAbsolute(toxiproxyOption) ? toxiproxyOption : resolve(toxiproxyOption);
    if (!isExecutable(file)) throw new Error(`--toxiproxy ${toxiproxyOption}: not an executable file`);
    toxiproxy = file;
  } else toxiproxy = findOnPath('toxiproxy-server');
  notes.push(
    toxiproxy
      ? `Toxiproxy: ${toxiproxy}`
      : 'Toxiproxy: toxiproxy-server is not on PATH (nor given with --toxiproxy PATH): its setups and the targets against it are skipped',
  );
  const iperf3 = findOnPath('iperf3');
  notes.push(iperf3 ? `iperf3: ${iperf3}` : 'iperf3: not on PATH (apt-get install iperf3): the iperf3 workloads are skipped');
  return { toxiproxy, iperf3, notes };
}
