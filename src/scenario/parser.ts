/**
 * Parsing scenarios off the server's event loop. A scenario sent to `POST /scenarios` is parsed and
 * checked in a worker thread with a memory cap and a deadline; the server's thread only receives the
 * finished plan, so a large scenario never stalls the API or the proxies, and one that would exhaust
 * memory or time ends the worker, not the server.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FaultlineError } from '../errors.js';
import { ScenarioError, type LoadScenarioOptions } from './load.js';
import { planJson } from './plan-json.js';
import type { ParseAnswer, ParseRequest } from './parse-worker.js';
import type { Plan } from './plan.js';

/**
 * How long one parse may take, once the worker is up, before the worker is stopped. Parsing the
 * largest scenario accepted takes a second or two, several on a busy machine; this is the guard for
 * anything unforeseen.
 */
const PARSE_DEADLINE_MS = 60_000;
/** The worker's heap: ample for the largest scenario accepted, far below what would hurt the server. */
const WORKER_HEAP_MB = 256;

/**
 * The worker's file: beside this module once compiled. Run from the TypeScript sources (tests),
 * the compiled copy is used when there is one; without it, parsing happens on the calling thread.
 */
function workerFile(): URL | undefined {
  const here = import.meta.url;
  const candidates = here.endsWith('.ts')
    ? [new URL('../../dist/src/scenario/parse-worker.js', here)]
    : [new URL('./parse-worker.js', here)];
  return candidates.find((url) => existsSync(fileURLToPath(url)));
}

interface Pending {
  resolve: (plan: Plan) => void;
  reject: (err: Error) => void;
  /** Armed once the worker is ready. */
  timer: NodeJS.Timeout | undefined;
}

/** Parses scenarios in one worker thread, started when first needed. */
export class ScenarioParser {
  private worker: Worker | undefined;
  private ready = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly file = workerFile();

  /**
   * The plan of `text`.
   * @throws {ScenarioError} with every mistake located, as `parseScenario` does.
   */
  parse(text: string, options: LoadScenarioOptions): Promise<Plan> {
    if (!this.file) return Promise.resolve().then(() => JSON.parse(planJson(text, options)) as Plan);
    const worker = this.start(this.file);
    const id = this.nextId++;
    return new Promise<Plan>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: undefined };
      this.pending.set(id, pending);
      if (this.ready) this.arm(pending);
      worker.ref();
      worker.postMessage({ id, text, options } satisfies ParseRequest);
    });
  }

  /** Stops the worker; parses in flight fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.rejectAll(new FaultlineError('CONFLICT', 'the server is shutting down; no new scenario runs'));
    await worker?.terminate();
  }

  private arm(pending: Pending): void {
    pending.timer ??= setTimeout(() => this.fail(`the scenario took more than ${PARSE_DEADLINE_MS / 1000} s to parse`), PARSE_DEADLINE_MS);
  }

  private start(file: URL): Worker {
    if (this.worker) return this.worker;
    this.ready = false;
    const worker = new Worker(file, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.unref();
    worker.on('message', (answer: ParseAnswer) => {
      if (this.worker === worker) this.settle(answer);
    });
    // A worker that dies (out of memory, say) takes only the parses in flight with it.
    worker.on('error', (err) => this.fail(`the scenario could not be parsed: ${err.message}`));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ready = false;
      this.rejectAll(new ScenarioError('scenario: the scenario could not be parsed (the parser stopped)'));
    });
    this.worker = worker;
    return worker;
  }

  private settle(answer: ParseAnswer): void {
    if ('ready' in answer) {
      this.ready = true;
      for (const pending of this.pending.values()) this.arm(pending);
      return;
    }
    const pending = this.pending.get(answer.id);
    if (!pending) return;
    this.pending.delete(answer.id);
    clearTimeout(pending.timer);
    if (this.pending.size === 0) this.worker?.unref();
    if ('plan' in answer) {
      // Reading the plan is the one step of a parse on this thread; what the caller does with it
      // runs in a turn of its own.
      const plan = JSON.parse(answer.plan) as Plan;
      setImmediate(() => pending.resolve(plan));
    } else
      pending.reject(
        answer.error.issues
          ? new ScenarioError(answer.error.message, answer.error.issues)
          : new ScenarioError(`scenario: ${answer.error.message}`),
      );
  }

  /** Stops a worker that failed or ran past its deadline; its parses fail with `why`. */
  private fail(why: string): void {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    this.rejectAll(new ScenarioError(`scenario: ${why}`));
    void worker?.terminate();
  }

  private rejectAll(err: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(err);
    }
  }
}
