/**
 * The worker thread that parses scenarios for a server (see {@link ScenarioParser}): parsing YAML
 * costs about a millisecond per hundred bytes, which on the server's own thread would stall the API
 * and every proxy for the length of a large `POST /scenarios`.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { MAX_SCENARIO_PLAN_BYTES } from '../limits.js';
import { parseScenario, ScenarioError, type LoadScenarioOptions } from './load.js';

/** A request to the worker. */
export interface ParseRequest {
  id: number;
  text: string;
  options: LoadScenarioOptions;
}

/**
 * The worker's answer: the plan as JSON text (a string crosses threads in one copy, and `JSON.parse`
 * reads it far faster than a structured clone of the same objects), or why there is none.
 */
export type ParseAnswer = { id: number; plan: string } | { id: number; error: { message: string; issues?: readonly string[] } };

parentPort?.on('message', ({ id, text, options }: ParseRequest) => {
  let answer: ParseAnswer;
  try {
    const plan = JSON.stringify(parseScenario(text, options).plan);
    if (Buffer.byteLength(plan) > MAX_SCENARIO_PLAN_BYTES) {
      throw new ScenarioError(
        `${options.file}: the scenario resolves to a plan larger than ${MAX_SCENARIO_PLAN_BYTES} bytes (ramps and monkeys copy their toxic's attributes into every update and injection): make it smaller`,
      );
    }
    answer = { id, plan };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    answer = { id, error: err instanceof ScenarioError ? { message, issues: err.issues } : { message } };
  }
  parentPort?.postMessage(answer);
});
