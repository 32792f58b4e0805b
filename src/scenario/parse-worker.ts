/**
 * The worker thread that parses scenarios for a server (see {@link ScenarioParser}): parsing YAML
 * costs about a millisecond per hundred bytes, which on the server's own thread would stall the API
 * and every proxy for the length of a large `POST /scenarios`.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { ScenarioError, type LoadScenarioOptions } from './load.js';
import { planJson } from './plan-json.js';

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
export type ParseAnswer =
  | { id: number; plan: string }
  | { id: number; error: { message: string; issues?: readonly string[] } }
  | { ready: true };

parentPort?.on('message', ({ id, text, options }: ParseRequest) => {
  let answer: ParseAnswer;
  try {
    answer = { id, plan: planJson(text, options) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    answer = { id, error: err instanceof ScenarioError ? { message, issues: err.issues } : { message } };
  }
  parentPort?.postMessage(answer);
});

// Loaded: deadlines count from here, not from a start that a busy machine may make slow.
parentPort?.postMessage({ ready: true });
