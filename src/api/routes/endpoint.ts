/**
 * Declaring one path with its methods. The shared middleware (request id, access log, browser
 * guard, body) runs only for the methods a path has, as with Toxiproxy's router; any other method
 * gets 405.
 * @module
 */
import type { RequestHandler, Router } from 'express';
import { methodNotAllowed } from '../middleware/errors.js';

/** The HTTP methods the API uses; `all` accepts any method (`/metrics`). */
export type Method = 'get' | 'post' | 'patch' | 'delete' | 'all';

/** Handlers by method for one path. */
export type Handlers = Partial<Record<Method, RequestHandler>>;

/** Registers `path` with `handlers`, each behind `matched`, and 405 for every other method. */
export function endpoint(router: Router, path: string, handlers: Handlers, matched: readonly RequestHandler[]): void {
  const route = router.route(path);
  const allowed: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler][]) {
    route[method](...matched, handler);
    if (method !== 'all') allowed.push(method.toUpperCase());
  }
  if (!handlers.all) route.all(methodNotAllowed(allowed));
}
