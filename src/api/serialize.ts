/**
 * Proxies and toxics in Toxiproxy's JSON: its field names, units and key order, compact, so a
 * Toxiproxy client sees the bytes Toxiproxy would send.
 * @module
 */
import type { ToxicProxy } from '../core/proxy.js';
import { getToxicDefinition } from '../toxics/registry.js';
import { DEFAULT_UDP_IDLE_TIMEOUT_MS } from '../udp/relay-types.js';
import { tlsJson } from '../tls/settings.js';
import { wireAttributes } from '../toxics/spec.js';
import type { ToxicSpec } from '../core/toxic-contract.js';

/** A toxic on the wire (key order: attributes, name, type, stream, toxicity, then `expires_in` when leased). */
export interface ToxicJson {
  attributes: Record<string, unknown>;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  /** Faultline's lease: milliseconds until the server removes the toxic. Absent for toxics without one. */
  expires_in?: number;
}

/**
 * A proxy on the wire (key order: name, listen, upstream, protocol when not `tcp`, udp_idle_timeout
 * for udp proxies, tls when set, enabled, toxics, `expires_in` when leased).
 */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  /** Faultline's `protocol`, shown only when not `tcp`, so a Toxiproxy client sees Toxiproxy's JSON. */
  protocol?: string;
  /** Faultline's `udp_idle_timeout` (ms), shown for udp proxies only. */
  udp_idle_timeout?: number;
  /** Faultline's `tls` (docs/tls.md), shown only when set. */
  tls?: Record<string, unknown>;
  enabled: boolean;
  toxics: ToxicJson[];
  /**
   * Faultline's lease: milliseconds until the server reverts a leased change of the proxy, or
   * removes a proxy created with a lease. Absent without one, so a Toxiproxy client sees Toxiproxy's JSON.
   */
  expires_in?: number;
}

/**
 * `value` as Go prints a float32: the shortest decimal that reads back as the same float32
 * (`0.123456789` → `0.12345679`, `0.2` → `0.2`).
 */
export function float32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return single;
}

/**
 * A toxic as Toxiproxy shows it; extension attributes appear only when not at their default, and
 * `expires_in` (ms left on its lease) only when it has one. `layers`, its proxy's, tells a datagram
 * toxic from the byte-stream one of the same name.
 */
export function toxicJson(spec: ToxicSpec, expiresIn?: number, layers?: readonly string[]): ToxicJson {
  const definition = getToxicDefinition(spec.type, layers);
  return {
    attributes: definition ? wireAttributes(definition, spec.attributes) : { ...spec.attributes },
    name: spec.name,
    type: spec.type,
    stream: spec.stream,
    toxicity: float32(spec.toxicity),
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
  };
}

/** A toxic of `proxy` on the wire, with its lease. */
export function proxyToxicJson(proxy: ToxicProxy, spec: ToxicSpec): ToxicJson {
  return toxicJson(spec, proxy.leaseRemaining(spec.name), proxy.layers);
}

/** A proxy as Toxiproxy shows it; its toxics upstream first, each direction in insertion order. */
export function proxyJson(proxy: ToxicProxy): ProxyJson {
  const lease = proxy.proxyLeaseRemaining;
  return {
    name: proxy.name,
    listen: proxy.listen,
    upstream: proxy.upstream,
    ...(proxy.protocol === 'tcp' ? {} : { protocol: proxy.protocol }),
    ...(proxy.protocol === 'udp' ? { udp_idle_timeout: proxy.udpIdleTimeout ?? DEFAULT_UDP_IDLE_TIMEOUT_MS } : {}),
    ...(proxy.tls ? { tls: tlsJson(proxy.tls) } : {}),
    enabled: proxy.enabled,
    toxics: proxy.toxics.map((spec) => proxyToxicJson(proxy, spec)),
    ...(lease === undefined ? {} : { expires_in: lease }),
  };
}

/** Orders names as Go sorts map keys: by their UTF-8 bytes. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * `GET /proxies`: an object keyed by name, keys sorted. Built as text because a JS object would put
 * integer-like names (`"10"`, `"9"`) first in numeric order.
 */
export function proxiesJson(proxies: readonly ToxicProxy[]): string {
  const sorted = [...proxies].sort((a, b) => compareUtf8(a.name, b.name));
  return `{${sorted.map((p) => `${JSON.stringify(p.name)}:${JSON.stringify(proxyJson(p))}`).join(',')}}`;
}
