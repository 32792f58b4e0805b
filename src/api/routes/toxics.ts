/**
 * `/proxies/{proxy}/toxics` and `/proxies/{proxy}/toxics/{toxic}`. Every toxic operation is
 * synchronous in the engine: nothing here waits on a socket, so a wedged connection cannot stall
 * the API.
 * @module
 */
import type { Request, RequestHandler, Router } from 'express';
import type { ToxicProxy } from '../../core/proxy.js';
import type { ProxyRegistry } from '../../core/proxy-registry.js';
import { errors } from '../../errors.js';
import type { ToxicSpec } from '../../core/toxic-contract.js';
import { jsonBody } from '../body.js';
import { decodeLease, decodeToxic, decodeToxicPatch } from '../decode.js';
import { sendEmpty, sendJson } from '../respond.js';
import { proxyToxicJson } from '../serialize.js';
import { endpoint } from './endpoint.js';
import { proxyParam } from './proxies.js';

function toxicParam(req: Request): string {
  return String(req.params['toxic']);
}

/** The proxy (404 `proxy not found`) and its toxic (404 `toxic not found`), in that order. */
function lookup(registry: ProxyRegistry, req: Request): { proxy: ToxicProxy; toxic: ToxicSpec } {
  const proxy = registry.require(proxyParam(req));
  const toxic = proxy.getToxic(toxicParam(req));
  if (!toxic) throw errors.toxicNotFound();
  return { proxy, toxic };
}

/** Registers the toxic routes. */
export function toxicRoutes(router: Router, registry: ProxyRegistry, matched: readonly RequestHandler[]): void {
  endpoint(
    router,
    '/proxies/:proxy/toxics',
    {
      get: (req, res) => {
        const proxy = registry.require(proxyParam(req));
        sendJson(res, 200, JSON.stringify(proxy.toxics.map((spec) => proxyToxicJson(proxy, spec))));
      },
      // Toxiproxy answers 200 here, not 201; tests written against it check that.
      post: (req, res) => {
        const proxy = registry.require(proxyParam(req));
        const body = jsonBody(req);
        const input = decodeToxic(body);
        const spec = proxy.addToxic(input, { leaseMs: decodeLease(body) });
        sendJson(res, 200, JSON.stringify(proxyToxicJson(proxy, spec)));
      },
    },
    matched,
  );

  // Validation runs completely before anything changes, so a 400 leaves the toxic as it was.
  const update: RequestHandler = (req, res) => {
    const { proxy, toxic } = lookup(registry, req);
    const body = jsonBody(req);
    const patch = decodeToxicPatch(body);
    const spec = proxy.updateToxic(toxic.name, patch, { leaseMs: decodeLease(body) });
    sendJson(res, 200, JSON.stringify(proxyToxicJson(proxy, spec)));
  };

  endpoint(
    router,
    '/proxies/:proxy/toxics/:toxic',
    {
      get: (req, res) => {
        const { proxy, toxic } = lookup(registry, req);
        sendJson(res, 200, JSON.stringify(proxyToxicJson(proxy, toxic)));
      },
      post: update,
      patch: update,
      delete: (req, res) => {
        const { proxy, toxic } = lookup(registry, req);
        proxy.removeToxic(toxic.name);
        sendEmpty(res);
      },
    },
    matched,
  );
}
