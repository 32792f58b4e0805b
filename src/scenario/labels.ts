/**
 * What a plan's steps and probes do, in words, for `--dry-run`, the journal and the live view
 * (`latency on db (downstream) latency=300 for 5s`, `GET http://…`).
 * @module
 */
import { assertNever } from '../errors.js';
import type { ProbeCheck, StepAction, ToxicEnvelope } from './plan.js';
import type { ProcessAction } from './schema.js';

function attributeText(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function toxicLabel(proxy: string, toxic: ToxicEnvelope): string {
  const attrs = attributeText(toxic.attributes);
  const toxicity = toxic.toxicity === 1 ? '' : ` toxicity=${toxic.toxicity}`;
  return `${toxic.type} on ${proxy} (${toxic.stream})${attrs ? ` ${attrs}` : ''}${toxicity}`;
}

/** A command as written: a list joined by spaces. */
export function commandText(command: string | readonly string[]): string {
  return Array.isArray(command) ? command.join(' ') : (command as string);
}

/** How a process action names its process: `pid=123`, `pid_file=/run/app.pid`, `cmdline="redis-server *:6379"`. */
export function processName(p: Pick<ProcessAction, 'pid' | 'pid_file' | 'cmdline'>): string {
  if (p.pid !== undefined) return `pid=${p.pid}`;
  if (p.pid_file !== undefined) return `pid_file=${p.pid_file}`;
  return `cmdline=${JSON.stringify(commandText(p.cmdline ?? ''))}`;
}

export function actionLabel(action: StepAction): string {
  switch (action.type) {
    case 'disable':
    case 'enable':
    case 'reset':
      return `${action.type} ${action.proxy}`;
    case 'kill_connections':
      return `kill_connections ${action.proxy}${action.close === 'rst' ? ' close=rst' : ''}`;
    case 'update_proxy': {
      const changes = (['listen', 'upstream', 'enabled'] as const)
        .filter((k) => action[k] !== undefined)
        .map((k) => `${k}=${String(action[k])}`)
        .join(' ');
      return `update_proxy ${action.proxy} ${changes}`;
    }
    case 'process':
      return `process ${action.fault}${action.fault === 'kill' ? ` ${action.signal ?? 'SIGTERM'}` : ''} ${processName(action)}`;
    case 'exec':
      return `exec ${commandText(action.command)}${action.rollback !== undefined ? ` (rollback: ${commandText(action.rollback)})` : ''}`;
    default:
      return assertNever(action, 'action');
  }
}

/** What a probe checks, for people. */
export function checkLabel(check: ProbeCheck): string {
  switch (check.kind) {
    case 'http':
      return `${check.method} ${check.url}`;
    case 'tcp':
      return `tcp ${check.address}`;
    case 'exec':
      return `exec ${Array.isArray(check.command) ? check.command.join(' ') : check.command}`;
  }
}
