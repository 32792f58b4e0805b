/**
 * Request bodies decoded the way Toxiproxy's Go structs decode them: keys match case-insensitively
 * (an exact match wins), unknown keys are ignored, `null` leaves a field unset, and a value of the
 * wrong JSON type is a 400 that names the field.
 * @module
 */
import { checkLease } from '../core/leases.js';
import { parseProtocol, type Protocol } from '../core/protocol.js';
import { PROTOCOLS } from '../protocols.js';
import { errors } from '../errors.js';
import { MAX_UDP_IDLE_TIMEOUT_MS } from '../limits.js';
import type { ToxicInput, ToxicPatch } from '../toxics/spec.js';
import type { ProxyTls } from '../core/tls-contract.js';
import { parseTls } from '../tls/settings.js';
import { describeJson, type JsonValue } from './middleware/lenient-json.js';

type Kind = 'string' | 'boolean' | 'number' | 'object';

type ValueOf<K extends Kind> = K extends 'string'
  ? string
  : K extends 'boolean'
    ? boolean
    : K extends 'number'
      ? number
      : Record<string, unknown>;

/** The decoded fields: each one optional, typed by its kind. */
export type Decoded<F extends Record<string, Kind>> = { [N in keyof F]?: ValueOf<F[N]> };

const ARTICLE: Record<Kind, string> = { string: 'a string', boolean: 'a boolean', number: 'a number', object: 'an object' };

function hasKind(value: JsonValue, kind: Kind): boolean {
  if (kind === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return typeof value === kind;
}

/**
 * Picks `fields` out of a JSON object. `null` as the whole body counts as `{}` (Go decodes `null`
 * into a struct as a no-op). `suffix` is appended to messages (populate's ` at proxy 2`).
 */
export function decodeFields<F extends Record<string, Kind>>(value: JsonValue, fields: F, what: string, suffix = ''): Decoded<F> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw errors.badRequestBody(`expected a JSON object (${what}), got ${describeJson(value)}${suffix}`);
  }
  const names = Object.keys(fields);
  const folded = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // Own keys only: `toString` or `constructor` in a body are unknown keys, not members of `fields`.
    const name = Object.hasOwn(fields, key) ? key : folded.get(key.toLowerCase());
    if (name === undefined || field === null) continue;
    const kind = fields[name] as Kind;
    if (!hasKind(field, kind)) {
      throw errors.badRequestBody(`${name}: expected ${ARTICLE[kind]}, got ${describeJson(field)}${suffix}`);
    }
    out[name] = field;
  }
  return out as Decoded<F>;
}

const PROXY_FIELDS = {
  name: 'string',
  listen: 'string',
  upstream: 'string',
  enabled: 'boolean',
  protocol: 'string',
  udp_idle_timeout: 'number',
  tls: 'object',
} as const;

/** A proxy as create and populate bodies give it. */
export interface ProxyBody {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  /** Faultline's `protocol` (`tcp` when absent). */
  protocol?: Protocol;
  /** Faultline's `udp_idle_timeout` (ms), for udp proxies. */
  udpIdleTimeout?: number;
  /** Faultline's `tls` (terminate and/or originate TLS). */
  tls?: ProxyTls;
}

/** A `udp_idle_timeout`: a whole number of ms from 1 to {@link MAX_UDP_IDLE_TIMEOUT_MS}. */
function checkIdleTimeout(ms: number, suffix: string): number {
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_UDP_IDLE_TIMEOUT_MS) {
    throw errors.badRequestBody(
      `udp_idle_timeout: expected a whole number of milliseconds from 1 to ${MAX_UDP_IDLE_TIMEOUT_MS}, got ${ms}${suffix}`,
    );
  }
  return ms;
}

/**
 * An empty listen address binds every interface on a free port, as Toxiproxy's does.
 * (`""` is what Go's zero value gives a proxy created without `listen`.)
 */
function listenOrAny(listen: string | undefined): string {
  return listen === undefined || listen === '' ? ':0' : listen;
}

/** Decodes a create body (or one populate item). Missing name/upstream are left for the registry's checks. */
export function decodeProxy(value: JsonValue, suffix = '', protocols: readonly string[] = PROTOCOLS): ProxyBody {
  const body = decodeFields(value, PROXY_FIELDS, 'a proxy', suffix);
  return {
    name: body.name ?? '',
    listen: listenOrAny(body.listen),
    upstream: body.upstream ?? '',
    enabled: body.enabled ?? true,
    ...(body.protocol !== undefined ? { protocol: parseProtocol(body.protocol, protocols, suffix) } : {}),
    ...(body.udp_idle_timeout !== undefined ? { udpIdleTimeout: checkIdleTimeout(body.udp_idle_timeout, suffix) } : {}),
    ...tlsOf(body.tls, suffix),
  };
}

/** The `tls` field of a create body: set when it sets a side (`{}` is none). */
function tlsOf(value: Record<string, unknown> | undefined, suffix: string): { tls?: ProxyTls } {
  const tls = value === undefined ? undefined : parseTls(value, suffix);
  return tls === undefined ? {} : { tls };
}

/**
 * A proxy update: only listen, upstream, enabled, protocol, udp_idle_timeout and tls are read (`tls:
 * {}` removes TLS); `name` and `toxics` are ignored.
 */
export function decodeProxyPatch(
  value: JsonValue,
  protocols: readonly string[] = PROTOCOLS,
): { listen?: string; upstream?: string; enabled?: boolean; protocol?: Protocol; udpIdleTimeout?: number; tls?: ProxyTls | null } {
  const body = decodeFields(value, PROXY_FIELDS, 'a proxy');
  return {
    ...(body.listen !== undefined ? { listen: listenOrAny(body.listen) } : {}),
    ...(body.upstream !== undefined ? { upstream: body.upstream } : {}),
    ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    ...(body.protocol !== undefined ? { protocol: parseProtocol(body.protocol, protocols) } : {}),
    ...(body.udp_idle_timeout !== undefined ? { udpIdleTimeout: checkIdleTimeout(body.udp_idle_timeout, '') } : {}),
    ...(body.tls !== undefined ? { tls: parseTls(body.tls) ?? null } : {}),
  };
}

/** A populate body: a JSON array of proxies (`null` counts as empty). */
export function decodePopulate(value: JsonValue, protocols: readonly string[] = PROTOCOLS): ProxyBody[] {
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw errors.badRequestBody(`expected a JSON array of proxies, got ${describeJson(value)}`);
  }
  return value.map((item, i) => decodeProxy(item, ` at proxy ${i + 1}`, protocols));
}

const TOXIC_FIELDS = { name: 'string', type: 'string', stream: 'string', toxicity: 'number', attributes: 'object' } as const;

/** A toxic to create. */
export function decodeToxic(value: JsonValue): ToxicInput {
  return decodeFields(value, TOXIC_FIELDS, 'a toxic');
}

const LEASE_FIELDS = { expires_in: 'number' } as const;

/**
 * The lease of a create or update body, of a toxic or a proxy (Faultline's `expires_in`, in ms), or
 * undefined when the body has none. Checked here, so a bad lease is a 400 before anything changes.
 */
export function decodeLease(value: JsonValue, what = 'a toxic'): number | undefined {
  const ms = decodeFields(value, LEASE_FIELDS, what).expires_in;
  if (ms !== undefined) checkLease(ms);
  return ms;
}

const TOXIC_PATCH_FIELDS = { toxicity: 'number', attributes: 'object' } as const;

/** A toxic update: only attributes and toxicity are read; name, type and stream are ignored. */
export function decodeToxicPatch(value: JsonValue): ToxicPatch {
  return decodeFields(value, TOXIC_PATCH_FIELDS, 'a toxic');
}
