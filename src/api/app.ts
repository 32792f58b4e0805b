/**
 * The admin API as an Express app: Toxiproxy's routes and wire format, plus Faultline's guards.
 * `createApp` never listens; `startServer` (or a test) mounts it on an HTTP server.
 * @module
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { accessLog } from './middleware/access-log.js';
import { bearerAuth } from './middleware/auth.js';
import { browserGuard } from './middleware/browser-guard.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { DEFAULT_BODY_LIMIT, rawBody } from './middleware/raw-body.js';
import { requestId } from './middleware/request-id.js';
import { versionHeader } from './middleware/version-header.js';
import { EventStream } from './event-stream.js';
import { connectionRoutes } from './routes/connections.js';
import { eventRoutes } from './routes/events.js';
import { proxyRoutes } from './routes/proxies.js';
import { systemRoutes, type MetricsSource } from './routes/system.js';
import { scenarioRoutes, type ScenarioRuns } from './routes/scenarios.js';
import { toxicRoutes } from './routes/toxics.js';
import type { SseWriterOptions } from './sse-writer.js';
import { serveAssets } from '../dashboard/assets.js';
import type { LiveFeed } from '../dashboard/live-feed.js';
import { dashboardRoutes } from '../dashboard/routes.js';

/** What the API needs. */
export interface AppDeps {
  registry: ProxyRegistry;
  logger?: Logger;
  /** Serves `/metrics` when given; without it `/metrics` is 404, as in Toxiproxy without metrics flags. */
  metrics?: MetricsSource | undefined;
  /** When set, every route requires `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  bodyLimit?: number | undefined;
  /** Limits for `GET /events` subscribers (buffer cap, heartbeat). */
  events?: SseWriterOptions | undefined;
  /** Scenario runs hosted by this server; `/scenarios` is served only when given. */
  scenarios?: ScenarioRuns | undefined;
  /** Host names a browser may use besides IP addresses and `localhost` (the browser guard). */
  allowedHosts?: readonly string[] | undefined;
  /** The dashboard's live feed; when given, the dashboard is served at `/ui/` (docs/dashboard.md). */
  dashboard?: LiveFeed | undefined;
}

/** Builds the admin API. */
export function createApp(deps: AppDeps): Express {
  const logger = deps.logger ?? silentLogger;
  const app = express();
  // Toxiproxy's router matches paths exactly: `/Proxies` and `/proxies/` are 404.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('etag', false);
  app.set('x-powered-by', false);

  app.use(versionHeader);
  // The page itself holds no data: it loads without the token, then asks for it.
  const pageGuard = browserGuard({ allowedHosts: deps.allowedHosts, requireProof: false });
  if (deps.dashboard) app.use('/ui', requestId, accessLog(logger), pageGuard, serveAssets());
  if (deps.token) app.use(bearerAuth(deps.token));

  const guard = browserGuard({ allowedHosts: deps.allowedHosts });
  const matched: RequestHandler[] = [requestId, accessLog(logger), guard, rawBody(deps.bodyLimit ?? DEFAULT_BODY_LIMIT)];
  const events = new EventStream(deps.registry);
  const router = express.Router({ caseSensitive: true, strict: true });
  proxyRoutes(router, deps.registry, matched);
  toxicRoutes(router, deps.registry, matched);
  connectionRoutes(router, deps.registry, matched);
  eventRoutes(router, deps.registry, events, matched, deps.events);
  systemRoutes(router, deps.registry, matched, deps.metrics);
  if (deps.scenarios) scenarioRoutes(router, deps.scenarios, matched);
  dashboardRoutes(router, { registry: deps.registry, events, feed: deps.dashboard, sse: deps.events }, matched);
  app.use(router);

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
