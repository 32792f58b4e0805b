/**
 * The steps that act on the machine running the scenario rather than on a server: process faults
 * (in action steps and monkeys) and exec steps. Only `faultline run FILE` may run them — a
 * scenario sent to a server (`POST /scenarios`, the dashboard) would otherwise signal processes and
 * run commands there for anyone who can reach its API — and before a run, what can be known about
 * them is checked: a pid file must be readable and hold a pid.
 * @module
 */
import type { ValuePath } from './interpolate.js';
import type { PlanIssue } from './plan.js';
import { readPidFile, type ProcessRef } from './process-target.js';
import { actionBody, monkeyActionFault } from './schema.js';

/** A part of a step that acts on the local machine, with its path in the file. */
interface LocalPart {
  path: ValuePath;
  what: string;
  process?: ProcessRef;
}

function field(raw: unknown, key: string): unknown {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

/**
 * The local parts of one step as written, found by their keys (so a server refuses them however
 * they are written); each is checked on its own, so a mistake elsewhere does not hide it.
 */
function localParts(raw: unknown, index: number): LocalPart[] {
  const base: ValuePath = ['steps', index];
  const parts: LocalPart[] = [];
  const rawAction = field(raw, 'action');
  if (field(rawAction, 'type') === 'process') {
    const action = actionBody.safeParse(rawAction);
    const process = action.success && action.data.type === 'process' ? action.data : undefined;
    parts.push({ path: [...base, 'action'], what: 'a process action', ...(process ? { process } : {}) });
  }
  if (field(raw, 'exec') !== undefined) parts.push({ path: [...base, 'exec'], what: 'an exec step' });
  const faults = field(field(raw, 'monkey'), 'faults');
  if (Array.isArray(faults)) {
    faults.forEach((item, i) => {
      if (field(item, 'action') !== 'process') return;
      const fault = monkeyActionFault.safeParse(item);
      const process = fault.success && fault.data.action === 'process' ? fault.data : undefined;
      parts.push({ path: [...base, 'monkey', 'faults', i], what: 'a process fault', ...(process ? { process } : {}) });
    });
  }
  return parts;
}

/**
 * Checks every step of `rawSteps` that acts locally: refused when `allowLocal` is false, else its
 * pid file read now, so `validate` and `--dry-run` report one that is missing.
 */
export function checkLocalSteps(rawSteps: unknown, allowLocal: boolean, issues: PlanIssue[]): void {
  if (!Array.isArray(rawSteps)) return;
  rawSteps.forEach((item, index) => {
    for (const part of localParts(item, index)) {
      if (!allowLocal) {
        issues.push({
          path: part.path,
          message: `${part.what} is not accepted here: it acts on the machine that runs the scenario (run it with faultline run FILE)`,
        });
        continue;
      }
      const pidFile = part.process?.pid_file;
      if (pidFile === undefined) continue;
      try {
        readPidFile(pidFile);
      } catch (err) {
        issues.push({ path: [...part.path, 'pid_file'], message: (err as Error).message });
      }
    }
  });
}
