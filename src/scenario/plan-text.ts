/**
 * A resolved plan as text, for `faultline run --dry-run` and `faultline validate`: the proxies, the
 * probes, and every operation on the time axis (monkey injections included, so two runs with one
 * seed can be compared line by line).
 * @module
 */
import { formatDuration } from './duration.js';
import { counted } from '../text/counted.js';
import type { ScenarioVariable } from './interpolate.js';
import { commandText, processName } from './labels.js';
import type { Plan, PlanAction, PlanOp, PlanProbe } from './plan.js';
import type { ScenarioProxy } from './schema.js';

/** `+1m30s`, padded for a column. */
export function offsetText(ms: number, width = 8): string {
  return `+${formatDuration(ms)}`.padEnd(width);
}

function probeText(p: PlanProbe): string {
  const when =
    p.mode === 'continuous' || p.mode === 'during'
      ? `${p.mode} every ${formatDuration(p.intervalMs)}`
      : `${p.mode}${p.failAfter > 1 ? ` (up to ${p.failAfter} tries, ${formatDuration(p.intervalMs)} apart)` : ''}`;
  const failure = p.failAfter > 1 && (p.mode === 'continuous' || p.mode === 'during') ? `, fails after ${p.failAfter} in a row` : '';
  return `${p.name}: ${p.label} — ${when}${failure}${p.abortOnFailure ? ', aborts the run' : ''}`;
}

/** ` (udp, flows idle out after 30s)`, ` (http2)`: a proxy's protocol when it is not tcp. */
function protocolText(p: ScenarioProxy): string {
  if (p.protocol === undefined || p.protocol === 'tcp') return '';
  const idle = p.udp_idle_timeout !== undefined ? `, flows idle out after ${formatDuration(p.udp_idle_timeout)}` : '';
  return ` (${p.protocol}${idle})`;
}

/** What undoing a held action does: `enable db`, `resume pid=12 (SIGCONT)`, `run ./start.sh`. */
function revertText(planned: PlanAction): string {
  const action = planned.action;
  switch (action.type) {
    case 'disable':
      return `enable ${action.proxy}`;
    case 'process':
      return `resume ${processName(action)} (SIGCONT)`;
    case 'exec':
      return `run rollback ${commandText(action.rollback ?? '')}`;
    default:
      return `revert ${planned.label}`;
  }
}

function opText(plan: Plan, op: PlanOp): string | undefined {
  const step = plan.steps[op.step];
  if (!step) return undefined;
  const fault = 'fault' in op ? step.faults[op.fault] : undefined;
  switch (op.op) {
    case 'begin':
      return `step ${op.step + 1}${step.name !== undefined ? ` (${step.name})` : ''}: ${step.label}`;
    case 'end':
      return undefined;
    case 'add-toxic': {
      if (!fault) return undefined;
      const until = fault.endMs === null ? 'until the end' : `for ${formatDuration(fault.endMs - fault.startMs)}`;
      return `  add ${fault.toxic.type} ${fault.toxic.name} on ${fault.proxy} ${until}`;
    }
    case 'update-toxic':
      return fault
        ? `  update ${fault.toxic.name} on ${fault.proxy}: ${Object.entries(op.attributes)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ')}`
        : undefined;
    case 'remove-toxic':
      return fault ? `  remove ${fault.toxic.name} from ${fault.proxy}` : undefined;
    case 'action': {
      const action = step.actions?.[op.action];
      return action ? `  ${action.label}` : undefined;
    }
    case 'revert-action': {
      const action = step.actions?.[op.action];
      return action ? `  ${revertText(action)}` : undefined;
    }
  }
}

/** `faultline validate`'s line: steps, faults, probes, proxies, duration (`2 steps, 1 fault, …, runs 2.5s`). */
export function planSummary(plan: Plan): string {
  const faults = plan.steps.reduce((n, s) => n + s.faults.length, 0);
  return (
    `${counted(plan.steps.length, 'step')}, ${counted(faults, 'fault')}, ${counted(plan.probes.length, 'probe')}, ` +
    `${counted(plan.proxies.length, 'proxy', 'proxies')}, runs ${formatDuration(plan.durationMs)}`
  );
}

/** The whole plan, one line per operation; with `variables`, the environment variables it read and their values. */
export function planText(plan: Plan, variables: readonly ScenarioVariable[] = []): string {
  const lines: string[] = [];
  lines.push(`${plan.name}${plan.description !== undefined ? ` — ${plan.description.trim()}` : ''}`);
  lines.push(
    `seed ${plan.seed}, runs ${formatDuration(plan.durationMs)}${plan.timeScale === 1 ? '' : ` (time scale ${plan.timeScale})`}, rollback ${plan.rollback}`,
  );
  if (variables.length > 0) {
    lines.push('', 'variables:');
    for (const v of variables) lines.push(`  ${v.name}=${v.value}${v.from === 'default' ? ' (default)' : ''}`);
  }
  if (plan.proxies.length > 0) {
    lines.push('', 'proxies (created unless they exist):');
    for (const p of plan.proxies) {
      const address = p.upstream === undefined ? 'must exist' : `${p.listen ?? '127.0.0.1:0'} → ${p.upstream}`;
      lines.push(`  ${p.name}: ${address}${protocolText(p)}${p.keep ? ', kept at the end' : ''}`);
    }
  }
  if (plan.probes.length > 0) {
    lines.push('', 'probes:');
    for (const p of plan.probes) lines.push(`  ${probeText(p)}`);
  }
  lines.push('', 'timeline:');
  for (const op of plan.ops) {
    const text = opText(plan, op);
    if (text !== undefined) lines.push(`  ${offsetText(op.atMs)} ${text}`);
  }
  lines.push(
    `  ${offsetText(plan.durationMs)} end: ${plan.rollback === 'always' ? 'roll back every fault still in place, remove created proxies' : 'leave everything in place (rollback: never)'}`,
  );
  return `${lines.join('\n')}\n`;
}
