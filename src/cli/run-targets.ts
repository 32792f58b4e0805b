/**
 * The fleet side of `faultline run`: the `--fleet-policy` flag, one client per target URL kept
 * across lookups of the fleet, and what `--dry-run` shows of each target.
 * @module
 */
import type { ScenarioClient, Target } from '../scenario/run-context.js';
import { FLEET_POLICIES } from '../scenario/fleet.js';
import type { FleetPolicy } from '../scenario/journal.js';
import type { Plan } from '../scenario/plan.js';
import { planReadsTargetVariables, targetsText } from '../scenario/plan-targets.js';
import { UsageError } from './args.js';
import type { FoundTarget } from './discovery.js';

/** Parses `--fleet-policy`: `all` (the default), `any` or `quorum`. */
export function parseFleetPolicy(text: string | undefined): FleetPolicy {
  if (text === undefined) return 'all';
  const policy = FLEET_POLICIES.find((p) => p === text);
  if (!policy) throw new UsageError(`--fleet-policy: expected ${FLEET_POLICIES.join(', ')}, got ${JSON.stringify(text)}`);
  return policy;
}

/** Turns found targets into run targets, one client per URL, the same one each time a URL is found again. */
export function targetPool(connect: (url: string) => ScenarioClient & { baseUrl: string }): (found: FoundTarget) => Target {
  const known = new Map<string, Target>();
  return (found) => {
    let target = known.get(found.url);
    if (!target) {
      const client = connect(found.url);
      target = { url: client.baseUrl, client, source: found.source };
      known.set(found.url, target);
    }
    return target;
  };
}

/** `--dry-run`'s part on targets: each one with its variables and proxy addresses (the embedded server's, when the plan reads them). */
export function dryRunTargets(plan: Plan, found: readonly FoundTarget[], policy: FleetPolicy): string {
  if (found.length > 0)
    return targetsText(
      plan,
      found.map((t, index) => ({ ...t, index })),
      policy,
    );
  if (!planReadsTargetVariables(plan)) return '';
  return targetsText(
    plan,
    [{ url: 'http://127.0.0.1:0', index: 0, source: 'the embedded server; its port is chosen when it starts' }],
    policy,
  );
}
