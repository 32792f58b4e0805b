/**
 * `GET /events`: a Server-Sent Events stream of what happens in the server: proxy and toxic changes,
 * connections opened and closed, and injected faults. `?proxy=NAME` and `?type=TYPE` (repeatable)
 * narrow it. A Faultline extension.
 * @module
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { ProxyRegistry } from '../../core/proxy-registry.js';
import { FaultlineError } from '../../errors.js';
import { EVENT_TYPES } from '../event-json.js';
import type { EventFilter, EventStream } from '../event-stream.js';
import { SseWriter, sseFrame, type SseWriterOptions } from '../sse-writer.js';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../version.js';
import { endpoint } from './endpoint.js';

/** The families `?type=` accepts besides full type names. */
const FAMILIES = ['proxy', 'toxic', 'connection'];

function queryList(value: unknown): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
}

/** The filter of a request; an unknown type is a 400 that lists the known ones. */
export function parseEventFilter(req: Pick<Request, 'query'>): EventFilter {
  const types = queryList(req.query['type']);
  for (const type of types) {
    if (!FAMILIES.includes(type) && !(EVENT_TYPES as readonly string[]).includes(type)) {
      throw new FaultlineError(
        'BAD_REQUEST',
        `bad query: type: unknown event type ${JSON.stringify(type)} (expected one of: ${[...FAMILIES, ...EVENT_TYPES].join(', ')})`,
      );
    }
  }
  return { proxies: queryList(req.query['proxy']), types };
}

/**
 * Answers `req` with an event stream: the SSE headers, then the `hello` event (seed, versions,
 * proxy names). Returns the subscriber; `onClose` runs when the stream ends.
 */
export function openEventStream(
  req: Request,
  res: Response,
  registry: ProxyRegistry,
  options: SseWriterOptions,
  onClose: () => void,
): SseWriter {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  // Reverse proxies (nginx) would otherwise hold events back in their buffers.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const client = new SseWriter(res, options, onClose);
  const hello = {
    seed: registry.seed,
    version: TOXIPROXY_API_VERSION,
    faultline: FAULTLINE_VERSION,
    proxies: registry.list().map((p) => p.name),
  };
  client.send(sseFrame('hello', JSON.stringify(hello)));
  return client;
}

/** Registers `/events`. */
export function eventRoutes(
  router: Router,
  registry: ProxyRegistry,
  stream: EventStream,
  matched: readonly RequestHandler[],
  options: SseWriterOptions = {},
): void {
  endpoint(
    router,
    '/events',
    {
      get: (req, res) => {
        const filter = parseEventFilter(req);
        let unsubscribe = (): void => {};
        const client = openEventStream(req, res, registry, options, () => unsubscribe());
        unsubscribe = stream.subscribe(client, filter);
      },
    },
    matched,
  );
}
