/**
 * The dashboard: its page under `/ui/` and the endpoints it reads besides Toxiproxy's API, under
 * `/faultline/`: the toxic catalog (JSON Schemas for forms), traffic history, one live stream
 * (engine events, traffic samples, scenario runs) and scenario plans. Every endpoint answers any
 * client, not only the page.
 * @module
 */
import type { RequestHandler, Router } from 'express';
import { openEventStream, parseEventFilter } from '../api/routes/events.js';
import { endpoint } from '../api/routes/endpoint.js';
import type { EventStream } from '../api/event-stream.js';
import { sendError, sendJson } from '../api/respond.js';
import type { SseWriterOptions } from '../api/sse-writer.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { errors, isFaultlineError } from '../errors.js';
import type { LiveFeed } from './live-feed.js';
import { toxicCatalogText } from './toxic-catalog.js';

/** What the dashboard endpoints read. */
export interface DashboardDeps {
  registry: ProxyRegistry;
  /** The same stream `/events` serves, so both number events alike. */
  events: EventStream;
  /** Traffic and scenario runs; without it, `/faultline/traffic` and `/faultline/stream` are not served. */
  feed?: LiveFeed | undefined;
  sse?: SseWriterOptions | undefined;
}

function queryNames(value: unknown): Set<string> | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  return new Set(items.flatMap((v) => v.split(',')).filter((v) => v !== ''));
}

/** Registers the `/faultline/…` endpoints of the dashboard. */
export function dashboardRoutes(router: Router, deps: DashboardDeps, matched: readonly RequestHandler[]): void {
  endpoint(
    router,
    '/faultline/toxics',
    { get: (_req, res) => sendJson(res, 200, toxicCatalogText(deps.registry.runtime.toxicRegistry)) },
    matched,
  );

  const feed = deps.feed;
  if (feed) {
    endpoint(
      router,
      '/faultline/traffic',
      { get: (req, res) => sendJson(res, 200, JSON.stringify(feed.sampler.history(feed.intervalMs, queryNames(req.query['proxy'])))) },
      matched,
    );

    endpoint(
      router,
      '/faultline/stream',
      {
        get: (req, res) => {
          const filter = parseEventFilter(req);
          const unsubscribe: Array<() => void> = [];
          const client = openEventStream(req, res, deps.registry, deps.sse ?? {}, () => {
            for (const u of unsubscribe) u();
          });
          unsubscribe.push(deps.events.subscribe(client, filter), feed.subscribe(client));
        },
      },
      matched,
    );
  }

  endpoint(
    router,
    '/faultline/scenarios/plan',
    {
      post: async (req, res) => {
        const raw: unknown = req.body;
        const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
        if (text.trim() === '') throw errors.badRequestBody('expected a scenario in YAML or JSON, got an empty body');
        // The scenario parser loads with the first plan, as the runner does with the first run.
        const { planScenario } = await import('./scenario-plan.js');
        try {
          sendJson(res, 200, JSON.stringify(planScenario(text)));
        } catch (err) {
          const issues = (err as { issues?: unknown }).issues;
          if (isFaultlineError(err) && Array.isArray(issues)) return sendError(res, err, { issues });
          throw err;
        }
      },
    },
    matched,
  );
}
