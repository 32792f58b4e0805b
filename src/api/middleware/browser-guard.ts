/**
 * The guard against calls from web pages (CSRF, DNS rebinding). Requests that no browser sent —
 * Toxiproxy clients, the CLI, curl, scripts, Node's `fetch`: no `Origin`, no `Sec-Fetch-Site`, no
 * `Mozilla/` user agent — pass untouched. A browser's request passes only when it comes from the
 * API's own pages:
 *
 * 1. its `Host` names this machine by IP address or `localhost`, or is an allowed host (a rebound
 *    DNS name such as `evil.example` is refused);
 * 2. its `Origin`, when sent, is the same origin as that `Host`;
 * 3. its `Sec-Fetch-Site`, when sent, is `same-origin` or `none` (typed into the address bar);
 * 4. it carries `X-Faultline-Dashboard`, a header a cross-site page cannot send without a CORS
 *    preflight the API never grants. Reads (GET, HEAD) may instead show `Sec-Fetch-Site: same-origin`
 *    or `none`, so a same-origin `EventSource` works; every change needs the header.
 *
 * A `Mozilla/` request that proves nothing gets Toxiproxy's own answer, 403 `User agent not allowed`.
 * @module
 */
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FaultlineError } from '../../errors.js';

/** The header the dashboard sends on every API call; a simple cross-site request cannot carry it. */
export const DASHBOARD_HEADER = 'X-Faultline-Dashboard';

/** Options for {@link browserGuard}. */
export interface BrowserGuardOptions {
  /**
   * Host names a browser may use besides IP addresses and `localhost` (say the machine's DNS name);
   * `.example.com` allows every name under `example.com`.
   */
  allowedHosts?: readonly string[] | undefined;
  /** Require step 4 (default true); the dashboard's static pages need only steps 1–3. */
  requireProof?: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * True when a browser sent the request: it has `Sec-Fetch-Site` or `Origin` (headers a page's script
 * cannot set or remove), or a browser's user agent. `Sec-Fetch-Mode` alone proves nothing: Node's
 * own `fetch` sends it.
 */
export function isBrowserRequest(req: Pick<Request, 'headers'>): boolean {
  const h = req.headers;
  return h.origin !== undefined || h['sec-fetch-site'] !== undefined || (h['user-agent']?.startsWith('Mozilla/') ?? false);
}

/** The host name of a `Host` header (`[::1]:8474` → `::1`), lowercased; undefined when it cannot be read. */
export function hostName(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(host);
  if (bracketed) return bracketed[1]?.toLowerCase();
  const plain = /^([^:\s/@]+)(?::\d{1,5})?$/.exec(host);
  return plain?.[1]?.toLowerCase();
}

/** True when a browser may reach the API under this host name: an IP address, `localhost`, or an allowed name. */
export function isAllowedHostName(name: string, allowed: readonly string[] = []): boolean {
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowed.some((entry) => {
    const want = entry.toLowerCase();
    return want.startsWith('.') ? name.endsWith(want) || name === want.slice(1) : name === want;
  });
}

/** The origin (`host[:port]`, default ports dropped) of a URL, or undefined. */
function originHost(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host : undefined;
  } catch {
    return undefined;
  }
}

function forbidden(message: string): FaultlineError {
  return new FaultlineError('FORBIDDEN', message);
}

/** Why a browser request is refused, or undefined when it may pass. */
export function refusal(req: Pick<Request, 'headers' | 'method'>, options: BrowserGuardOptions = {}): FaultlineError | undefined {
  if (!isBrowserRequest(req)) return undefined;
  const host = req.headers.host;
  const name = hostName(host);
  if (name === undefined || !isAllowedHostName(name, options.allowedHosts)) {
    return forbidden(
      `host not allowed: ${JSON.stringify(host ?? '')} (a browser may reach the API by IP address, localhost or a name in server.allowed_hosts)`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && originHost(origin) !== originHost(`http://${host ?? ''}`)) {
    return forbidden(`cross-origin request refused: origin ${JSON.stringify(origin)}`);
  }
  const site = req.headers['sec-fetch-site'];
  const sameOrigin = site === 'same-origin' || site === 'none';
  if (site !== undefined && !sameOrigin) return forbidden(`cross-site request refused (Sec-Fetch-Site: ${site})`);
  if (options.requireProof === false || req.headers[DASHBOARD_HEADER.toLowerCase()] !== undefined) return undefined;
  if (SAFE_METHODS.has(req.method) && sameOrigin) return undefined;
  // Toxiproxy's answer to a browser, kept for the requests it would have refused.
  if (req.headers['user-agent']?.startsWith('Mozilla/')) return forbidden('User agent not allowed');
  return forbidden(`request from a web page refused: changes need the ${DASHBOARD_HEADER} header`);
}

/** The guard as a middleware: 403 with the reason for a refused browser request. */
export function browserGuard(options: BrowserGuardOptions = {}): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(refusal(req, options));
  };
}
