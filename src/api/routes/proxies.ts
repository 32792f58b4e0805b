/**
 * `/proxies` and `/proxies/{proxy}`: list, create, get, update (POST or PATCH), delete.
 * @module
 */
import type { Request, RequestHandler, Router } from 'express';
import type { ProxyRegistry } from '../../core/proxy-registry.js';
import { jsonBody } from '../body.js';
import { decodeLease, decodeProxy, decodeProxyPatch } from '../decode.js';
import { sendEmpty, sendJson } from '../respond.js';
import { proxiesJson, proxyJson } from '../serialize.js';
import { endpoint } from './endpoint.js';

/** The proxy name from the path (decoded, so `%C3%A9e` is `ée`). */
export function proxyParam(req: Request): string {
  return String(req.params['proxy']);
}

/** Registers the proxy routes. */
export function proxyRoutes(router: Router, registry: ProxyRegistry, matched: readonly RequestHandler[]): void {
  endpoint(
    router,
    '/proxies',
    {
      get: (_req, res) => sendJson(res, 200, proxiesJson(registry.list())),
      // Check order as Toxiproxy's: body → name → upstream → exists (409) → bind (500).
      post: async (req, res) => {
        const json = jsonBody(req);
        const body = decodeProxy(json, '', registry.protocolNames);
        const proxy = await registry.create(body, { leaseMs: decodeLease(json, 'a proxy') });
        sendJson(res, 201, JSON.stringify(proxyJson(proxy)));
      },
    },
    matched,
  );

  // POST is Toxiproxy's older update verb; its Go, node and Java clients still use it.
  const update: RequestHandler = async (req, res) => {
    const proxy = registry.require(proxyParam(req));
    const json = jsonBody(req);
    const patch = decodeProxyPatch(json, registry.protocolNames);
    await proxy.update(patch, { leaseMs: decodeLease(json, 'a proxy') });
    sendJson(res, 200, JSON.stringify(proxyJson(proxy)));
  };

  endpoint(
    router,
    '/proxies/:proxy',
    {
      get: (req, res) => sendJson(res, 200, JSON.stringify(proxyJson(registry.require(proxyParam(req))))),
      post: update,
      patch: update,
      delete: async (req, res) => {
        await registry.remove(proxyParam(req));
        sendEmpty(res);
      },
    },
    matched,
  );
}
