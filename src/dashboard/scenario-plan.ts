/**
 * `POST /faultline/scenarios/plan`: what `faultline validate --plan` prints for a scenario, without
 * running it — the one-line summary and the resolved timeline of `--dry-run`. The scenario is read
 * as `POST /scenarios` would read it (no environment, no `exec` probes), so a plan that passes here
 * starts there.
 * @module
 */
import { planSummary, planText } from '../scenario/plan-text.js';
import { parseScenario } from '../scenario/load.js';

/** A valid scenario, described. */
export interface ScenarioPlanJson {
  name: string;
  /** `faultline validate`'s line: steps, faults, probes, proxies, duration. */
  summary: string;
  /** `faultline run --dry-run`'s timeline. */
  plan: string;
  planned_duration_ms: number;
}

/**
 * Validates and plans `text` (YAML or JSON).
 * @throws {ScenarioError} with every mistake located as `scenario:line:col`.
 */
export function planScenario(text: string): ScenarioPlanJson {
  const { plan } = parseScenario(text, { file: 'scenario', env: {}, allowExec: false });
  return {
    name: plan.name,
    summary: `scenario: valid — ${planSummary(plan)}`,
    plan: planText(plan),
    planned_duration_ms: plan.durationMs,
  };
}
