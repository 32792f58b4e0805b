/**
 * Scenario runs hosted by a server (`POST /scenarios`): each run talks to the server's own admin
 * API through the admin client — the same code path as `faultline run --target` — and is kept, with
 * its journal, for `GET /scenarios/{id}` after it ends. `exec` probes are refused here: they would
 * run commands on the server for whoever can reach its API.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { AdminClient } from '../api/client.js';
import type { Clock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { FaultlineError } from '../errors.js';
import type { Journal } from './journal.js';
import { ScenarioParser } from './parser.js';
import type { CheckRunner } from './probes.js';
import { ScenarioRun } from './runner.js';

/** A run as the API lists it. */
export interface ScenarioSummary {
  id: string;
  name: string;
  status: Journal['status'];
  verdict: Journal['verdict'];
  seed: string;
  started_at: string | null;
  finished_at: string | null;
  planned_duration_ms: number;
  elapsed_ms: number;
}

/** A run with its journal so far. */
export interface ScenarioDetail extends ScenarioSummary {
  journal: Journal;
}

/** Options for {@link ScenarioService}. */
export interface ScenarioServiceOptions {
  /** This server's admin API, read when a run starts (the URL is known only once it listens). */
  target: () => { url: string; token?: string | undefined };
  /** Finished runs kept for `GET` (default 50); older ones are forgotten first. */
  keepFinished?: number;
  logger?: Logger;
  /** For tests: the runs' clock and probe checks. */
  clock?: Clock;
  check?: CheckRunner;
}

interface Entry {
  id: string;
  run: ScenarioRun;
  done: Promise<Journal>;
}

/** The scenario runs of one server. */
export class ScenarioService {
  private readonly runs = new Map<string, Entry>();
  private readonly logger: Logger;
  private readonly parser = new ScenarioParser();
  private closing = false;

  constructor(private readonly options: ScenarioServiceOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Validates `text` (YAML or JSON), off the event loop, and starts running it.
   * @throws {ScenarioError} with every mistake located as `scenario:line:col`.
   */
  async start(text: string): Promise<ScenarioDetail> {
    if (this.closing) throw new FaultlineError('CONFLICT', 'the server is shutting down; no new scenario runs');
    const plan = await this.parser.parse(text, { file: 'scenario', env: {}, allowExec: false });
    if (this.closing) throw new FaultlineError('CONFLICT', 'the server is shutting down; no new scenario runs');
    const target = this.options.target();
    const client = new AdminClient(target.url, { token: target.token, timeoutMs: 10_000, userAgent: 'faultline-scenario' });
    const id = randomBytes(6).toString('hex');
    const run = new ScenarioRun({
      plan,
      targets: [{ url: client.baseUrl, client }],
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.check ? { check: this.options.check } : {}),
    });
    const log = this.logger.child({ scenario: id, scenario_name: plan.name });
    log.info({ seed: plan.seed, planned_ms: plan.durationMs }, 'scenario started');
    const done = run.run().then(
      (journal) => {
        log.info({ verdict: journal.verdict, cause: journal.cause, reason: journal.reason }, 'scenario finished');
        this.forgetOld();
        return journal;
      },
      (err: unknown) => {
        // A run never rejects; were it to, the server logs it and goes on.
        log.error({ err }, 'scenario run failed');
        return run.journal;
      },
    );
    this.runs.set(id, { id, run, done });
    return this.detail(id, run);
  }

  /** Every run kept, oldest first. */
  list(): ScenarioSummary[] {
    return [...this.runs.values()].map((e) => this.summary(e.id, e.run));
  }

  /** One run with its journal so far, or undefined. */
  get(id: string): ScenarioDetail | undefined {
    const entry = this.runs.get(id);
    return entry ? this.detail(id, entry.run) : undefined;
  }

  /** Aborts a run and waits for its rollback; a finished run is returned as it is. Undefined when there is no such run. */
  async abort(id: string): Promise<ScenarioDetail | undefined> {
    const entry = this.runs.get(id);
    if (!entry) return undefined;
    entry.run.abort('request', `aborted by DELETE /scenarios/${id}`);
    await entry.done;
    return this.detail(id, entry.run);
  }

  /** Aborts every run still going and waits for their rollbacks (the server is stopping). */
  async close(): Promise<void> {
    this.closing = true;
    await this.parser.close();
    const running = [...this.runs.values()];
    for (const entry of running) entry.run.abort('request', 'the server is shutting down');
    await Promise.all(running.map((e) => e.done));
  }

  private summary(id: string, run: ScenarioRun): ScenarioSummary {
    const j = run.journal;
    return {
      id,
      name: j.scenario.name,
      status: j.status,
      verdict: j.verdict,
      seed: j.seed,
      started_at: j.started_at,
      finished_at: j.finished_at,
      planned_duration_ms: j.planned_duration_ms,
      elapsed_ms: j.status === 'finished' || j.status === 'pending' ? j.elapsed_ms : run.elapsedMs,
    };
  }

  private detail(id: string, run: ScenarioRun): ScenarioDetail {
    return { ...this.summary(id, run), journal: run.journal };
  }

  private forgetOld(): void {
    const keep = this.options.keepFinished ?? 50;
    const finished = [...this.runs.values()].filter((e) => e.run.journal.status === 'finished');
    for (const entry of finished.slice(0, Math.max(0, finished.length - keep))) this.runs.delete(entry.id);
  }
}
