/**
 * `/populate`, `/reset`, `/version`, `/metrics`, and Faultline's own `/faultline/info` and `/faultline/ca.pem`.
 * @module
 */
import type { RequestHandler, Router } from 'express';
import type { PopulateResult, ProxyRegistry } from '../../core/proxy-registry.js';
import { FaultlineError, isFaultlineError } from '../../errors.js';
import { jsonBody } from '../body.js';
import { decodePopulate } from '../decode.js';
import { sendEmpty, sendError, sendJson } from '../respond.js';
import { proxyJson } from '../serialize.js';
import { serverInfo } from '../server-info.js';
import { TOXIPROXY_API_VERSION } from '../version.js';
import { endpoint } from './endpoint.js';

/** Where `/metrics` gets its text from (the prom-client registry, behind an interface). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * `/version`, byte for byte as Toxiproxy writes it (a space after the colon, a closing newline):
 * clients compare it, and one parses it into a list of values, so nothing else goes in it.
 * Faultline's own version is in the `X-Faultline-Version` header and `/faultline/info`.
 */
export const VERSION_BODY = `{"version": "${TOXIPROXY_API_VERSION}"}\n`;

/** Registers the system routes; `/metrics` only when a metrics source is given. */
export function systemRoutes(
  router: Router,
  registry: ProxyRegistry,
  matched: readonly RequestHandler[],
  metrics: MetricsSource | undefined,
): void {
  const startedAt = performance.now();
  endpoint(
    router,
    '/populate',
    {
      post: async (req, res) => {
        let result: PopulateResult;
        try {
          result = await registry.populate(decodePopulate(jsonBody(req), registry.protocolNames));
        } catch (err) {
          // The body or one of its items is invalid: nothing was created.
          if (isFaultlineError(err)) return sendError(res, err, { proxies: null });
          throw err;
        }
        const proxies = result.proxies.map(proxyJson);
        if (result.error) return sendError(res, result.error, { proxies });
        // Toxiproxy answers `null` for an empty array, which crashes its node and Ruby clients.
        sendJson(res, 201, JSON.stringify({ proxies }));
      },
    },
    matched,
  );

  endpoint(
    router,
    '/reset',
    {
      // The body is ignored, as with Toxiproxy (its Go client posts an empty one).
      post: async (_req, res) => {
        await registry.reset();
        sendEmpty(res);
      },
    },
    matched,
  );

  endpoint(
    router,
    '/version',
    {
      get: (_req, res) => {
        res.status(200).setHeader('Content-Type', 'application/json;charset=utf-8');
        res.send(Buffer.from(VERSION_BODY));
      },
    },
    matched,
  );

  endpoint(
    router,
    '/faultline/info',
    {
      get: (_req, res) => sendJson(res, 200, JSON.stringify(serverInfo(registry, startedAt))),
    },
    matched,
  );

  endpoint(
    router,
    '/faultline/ca.pem',
    {
      // The local CA's certificate, for clients of proxies with `tls.listen: {cert: auto}` to trust.
      get: async (_req, res) => {
        const tls = registry.runtime.tls;
        if (!tls) throw new FaultlineError('NOT_FOUND', 'this server runs without TLS support: it has no CA');
        const pem = await tls.caPem();
        res.status(200).setHeader('Content-Type', 'application/x-pem-file');
        res.send(Buffer.from(pem));
      },
    },
    matched,
  );

  if (metrics) {
    endpoint(
      router,
      '/metrics',
      {
        // Any method, as with Toxiproxy.
        all: async (_req, res) => {
          const text = await metrics.render();
          res.status(200).setHeader('Content-Type', metrics.contentType);
          res.send(Buffer.from(text));
        },
      },
      matched,
    );
  }
}
