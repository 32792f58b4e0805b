/**
 * Engine events as the event stream (`GET /events`) sends them: one JSON object per event, with the
 * proxy, the objects involved in their API form, and for connections and faults the seeded toxicity
 * decisions behind them.
 * @module
 */
import type { LiveConnection } from '../core/live-connection.js';
import { DIRECTIONS } from '../direction.js';
import type { FaultlineEvent } from '../core/events.js';
import type { ToxicProxy } from '../core/proxy.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { assertNever } from '../errors.js';
import { bytesJson, datagramsJson } from './connection-json.js';
import { float32, proxyToxicJson, toxicJson } from './serialize.js';

/** Every event type the stream sends (besides its opening `hello`). */
export const EVENT_TYPES = [
  'proxy.created',
  'proxy.updated',
  'proxy.removed',
  'proxy.started',
  'proxy.stopped',
  'toxic.added',
  'toxic.updated',
  'toxic.removed',
  'connection.opened',
  'connection.closed',
  'fault',
] as const satisfies ReadonlyArray<FaultlineEvent['type']>;

/** One toxic's toxicity decision on one connection and direction. */
export interface DecisionJson {
  toxic: string;
  direction: string;
  toxicity: number;
  /** The seeded roll; the toxic is active while it is below `toxicity`. */
  roll: number;
  active: boolean;
}

/** An event's body, before the stream adds `seq` and `time`. */
export type EventBody = { type: FaultlineEvent['type']; proxy: string } & Record<string, unknown>;

/** The toxicity decisions a new connection drew for each byte-stream toxic of its proxy. */
function decisions(proxy: ToxicProxy, conn: LiveConnection): DecisionJson[] {
  return DIRECTIONS.flatMap((direction) =>
    proxy.toxicsFor(direction).map(({ spec }) => {
      const roll = proxy.toxicityRoll(conn.id, direction, spec);
      return { toxic: spec.name, direction, toxicity: float32(spec.toxicity), roll, active: roll < spec.toxicity };
    }),
  );
}

/** The stream's body for one engine event; `registry` supplies the current state of the proxy named. */
export function eventBody(event: FaultlineEvent, registry: ProxyRegistry): EventBody {
  const proxy = registry.get(event.proxy);
  switch (event.type) {
    case 'proxy.created':
    case 'proxy.updated':
      return {
        type: event.type,
        proxy: event.proxy,
        ...(proxy ? { listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled } : {}),
      };
    case 'proxy.removed':
    case 'proxy.stopped':
      return { type: event.type, proxy: event.proxy };
    case 'proxy.started':
      return { type: event.type, proxy: event.proxy, listen: event.listen };
    case 'toxic.added':
    case 'toxic.updated':
      return { type: event.type, proxy: event.proxy, toxic: proxy ? proxyToxicJson(proxy, event.toxic) : toxicJson(event.toxic) };
    case 'toxic.removed':
      return { type: event.type, proxy: event.proxy, toxic: toxicJson(event.toxic, undefined, proxy?.layers) };
    case 'connection.opened': {
      const conn = event.connection;
      const upstream = conn.upstreamAddress;
      return {
        type: event.type,
        proxy: event.proxy,
        connection: conn.id,
        client: conn.clientAddress,
        ...(upstream === undefined ? {} : { upstream }),
        decisions: proxy ? decisions(proxy, conn) : [],
      };
    }
    case 'connection.closed': {
      const conn = event.connection;
      return {
        type: event.type,
        proxy: event.proxy,
        connection: conn.id,
        client: conn.clientAddress,
        reason: event.reason,
        ...(event.error ? { error: event.error.message } : {}),
        duration_ms: Math.max(0, Date.now() - conn.openedAt),
        bytes: { upstream: bytesJson(conn.bytesOf('upstream')), downstream: bytesJson(conn.bytesOf('downstream')) },
        ...datagramsJson(conn),
      };
    }
    case 'fault':
      return {
        type: event.type,
        proxy: event.proxy,
        connection: event.connection,
        direction: event.direction,
        toxic: event.toxic,
        toxic_type: event.toxicType,
        kind: event.kind,
        ...(event.decision ? { decision: { ...event.decision, toxicity: float32(event.decision.toxicity) } } : {}),
        ...(event.detail ? { detail: event.detail } : {}),
      };
    default:
      return assertNever(event, 'event');
  }
}
