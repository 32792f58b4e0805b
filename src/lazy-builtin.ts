/**
 * Node built-ins loaded on their first use. A server with no HTTP/2, TLS or UDP proxy never loads
 * node:http2 (which brings node:tls and the TLS bindings with it), node:tls or node:dgram: together
 * about a tenth of the time `faultline serve` takes to answer its first request. Only the module is
 * deferred; its types come from `import type`.
 * @module
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/** A getter that loads the built-in `name` on its first call and returns it from then on. */
export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireBuiltin(name) as T;
    return loaded;
  };
}

/** node:http2, for `http2` proxies. */
export const nodeHttp2 = lazyBuiltin<typeof import('node:http2')>('node:http2');
/** node:tls, for proxies with a `tls` setting. */
export const nodeTls = lazyBuiltin<typeof import('node:tls')>('node:tls');
/** node:dgram, for `udp` proxies. */
export const nodeDgram = lazyBuiltin<typeof import('node:dgram')>('node:dgram');
