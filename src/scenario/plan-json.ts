/**
 * A scenario's plan as JSON text, refused when it is too large: what a server's scenario parser
 * hands from its worker thread to the server's own.
 * @module
 */
import { MAX_SCENARIO_PLAN_BYTES } from '../limits.js';
import { parseScenario, ScenarioError, type LoadScenarioOptions } from './load.js';

/**
 * Parses `text` and returns its plan as JSON.
 * @throws {ScenarioError} for a mistake in the scenario, or a plan over {@link MAX_SCENARIO_PLAN_BYTES}.
 */
export function planJson(text: string, options: LoadScenarioOptions): string {
  const plan = JSON.stringify(parseScenario(text, options).plan);
  if (Buffer.byteLength(plan) > MAX_SCENARIO_PLAN_BYTES) {
    throw new ScenarioError(
      `${options.file}: the scenario resolves to a plan larger than ${MAX_SCENARIO_PLAN_BYTES} bytes ` +
        "(ramps and monkeys copy their toxic's attributes into every update and injection): make it smaller",
    );
  }
  return plan;
}
