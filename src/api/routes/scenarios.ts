/**
 * `/scenarios` and `/scenarios/{id}`: start a scenario run on this server (the body is the scenario,
 * YAML or JSON), list runs, read one with its journal so far, abort one (its rollback is done when
 * the answer comes). A Faultline extension. The runs themselves live behind {@link ScenarioRuns}, so
 * the API does not depend on the scenario runner.
 * @module
 */
import type { Request, RequestHandler, Router } from 'express';
import { errors, FaultlineError, isFaultlineError } from '../../errors.js';
import { MAX_SCENARIO_BYTES } from '../../limits.js';
import { sendError, sendJson } from '../respond.js';
import { endpoint } from './endpoint.js';

/** What the routes need from the scenario runs of a server. */
export interface ScenarioRuns {
  /** Starts a run; rejects with a FaultlineError (with `issues` for an invalid scenario). */
  start(text: string): Promise<{ id: string }>;
  list(): unknown[];
  get(id: string): unknown;
  abort(id: string): Promise<unknown>;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function notFound(): FaultlineError {
  return new FaultlineError('SCENARIO_NOT_FOUND', 'scenario not found');
}

function idParam(req: Request): string {
  return String(req.params['id']);
}

/** Registers the scenario routes. */
export function scenarioRoutes(router: Router, runs: ScenarioRuns, matched: readonly RequestHandler[]): void {
  endpoint(
    router,
    '/scenarios',
    {
      get: (_req, res) => sendJson(res, 200, JSON.stringify(runs.list())),
      post: async (req, res) => {
        const raw: unknown = req.body;
        // YAML costs far more to parse than its size: scenarios have a cap of their own.
        if (Buffer.isBuffer(raw) && raw.length > MAX_SCENARIO_BYTES) {
          throw new FaultlineError('PAYLOAD_TOO_LARGE', `request body too large: a scenario is at most ${MAX_SCENARIO_BYTES} bytes`);
        }
        const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
        if (text.trim() === '') throw errors.badRequestBody('expected a scenario in YAML or JSON, got an empty body');
        let started: { id: string };
        try {
          started = await runs.start(text);
        } catch (err) {
          const issues = (err as { issues?: unknown }).issues;
          if (isFaultlineError(err) && Array.isArray(issues)) return sendError(res, err, { issues });
          throw err;
        }
        res.setHeader('Location', `/scenarios/${encodeURIComponent(started.id)}`);
        // A large run's journal takes milliseconds to write: not in the turn that created the run.
        await nextTurn();
        sendJson(res, 201, JSON.stringify(started));
      },
    },
    matched,
  );

  endpoint(
    router,
    '/scenarios/:id',
    {
      get: (req, res) => {
        const run = runs.get(idParam(req));
        if (run === undefined) throw notFound();
        sendJson(res, 200, JSON.stringify(run));
      },
      delete: async (req, res) => {
        const run = await runs.abort(idParam(req));
        if (run === undefined) throw notFound();
        sendJson(res, 200, JSON.stringify(run));
      },
    },
    matched,
  );
}
