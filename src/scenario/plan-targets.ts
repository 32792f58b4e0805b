/**
 * The plan on each target, for `faultline run --dry-run`: every target with its variables
 * (`${TARGET_HOST}`…) and the addresses its proxies get there.
 * @module
 */
import type { FleetPolicy } from './journal.js';
import type { Plan } from './plan.js';
import { readsTargetVariables, resolveTargetVariables, targetValues, type TargetIdentity } from './target-variables.js';

/** A target as `--dry-run` shows it. */
export interface PlannedTarget extends TargetIdentity {
  /** The name that found it (`dns+http://NAME:PORT`), when discovery did. */
  source?: string | undefined;
}

/** True when a proxy's address reads a target variable. */
export function planReadsTargetVariables(plan: Plan): boolean {
  return plan.proxies.some((p) => readsTargetVariables(p.listen) || readsTargetVariables(p.upstream));
}

/** One block per target: its URL, its variables, and its proxies' addresses there. */
export function targetsText(plan: Plan, targets: readonly PlannedTarget[], policy: FleetPolicy): string {
  const lines = ['', `targets (fleet policy ${policy}):`];
  for (const target of targets) {
    lines.push(`  #${target.index} ${target.url}${target.source !== undefined ? ` (${target.source})` : ''}`);
    lines.push(
      `    ${Object.entries(targetValues(target))
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')}`,
    );
    for (const p of plan.proxies) {
      const listen = resolveTargetVariables(p.listen, target) ?? '127.0.0.1:0';
      const upstream = resolveTargetVariables(p.upstream, target);
      lines.push(`    ${p.name}: ${upstream === undefined ? 'must exist' : `${listen} → ${upstream}`}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
