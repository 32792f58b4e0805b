/**
 * `/proxies/{proxy}/connections` and `/proxies/{proxy}/connections/{id}`: list a proxy's live
 * connections, and close one (politely, or with a TCP reset given `?reset=true`). A Faultline
 * extension (Toxiproxy #148).
 * @module
 */
import type { Request, RequestHandler, Router } from 'express';
import type { ProxyRegistry } from '../../core/proxy-registry.js';
import { errors, FaultlineError } from '../../errors.js';
import { connectionJson } from '../connection-json.js';
import { sendEmpty, sendJson } from '../respond.js';
import { endpoint } from './endpoint.js';
import { proxyParam } from './proxies.js';

/** The connection id from the path: a positive whole number, or undefined (no connection has it). */
function connectionParam(req: Request): number | undefined {
  const text = String(req.params['id']);
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : undefined;
}

/** `?reset=…` read as Go's strconv.ParseBool reads it; absent is false. */
export function parseResetQuery(value: unknown): boolean {
  if (value === undefined) return false;
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof text === 'string') {
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(text)) return false;
  }
  throw new FaultlineError('BAD_REQUEST', `bad query: reset: expected true or false, got ${JSON.stringify(text)}`);
}

/** Registers the connection routes. */
export function connectionRoutes(router: Router, registry: ProxyRegistry, matched: readonly RequestHandler[]): void {
  endpoint(
    router,
    '/proxies/:proxy/connections',
    {
      get: (req, res) => {
        const proxy = registry.require(proxyParam(req));
        sendJson(res, 200, JSON.stringify(proxy.liveConnections.map((conn) => connectionJson(conn, proxy.upstream))));
      },
    },
    matched,
  );

  endpoint(
    router,
    '/proxies/:proxy/connections/:id',
    {
      delete: (req, res) => {
        const proxy = registry.require(proxyParam(req));
        const reset = parseResetQuery(req.query['reset']);
        const id = connectionParam(req);
        if (id === undefined || !proxy.closeConnection(id, reset ? 'rst' : 'fin')) throw errors.connectionNotFound();
        sendEmpty(res);
      },
    },
    matched,
  );
}
