/**
 * The proxies and toxics of a registry as a state file: the `proxies` list of a Faultline config,
 * so a state file can also be served with `--config`.
 * @module
 */
import type { ProxyRegistry } from '../core/proxy-registry.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import { getToxicDefinition } from '../toxics/registry.js';
import { wireAttributes } from '../toxics/spec.js';
import { tlsJson } from '../tls/settings.js';

/** One toxic as saved (the config format: its direction, toxicity within 0–1, non-default attributes). */
export interface SavedToxic {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, unknown>;
}

/** One proxy as saved. */
export interface SavedProxy {
  name: string;
  listen: string;
  upstream: string;
  protocol?: 'http' | 'udp' | 'http2';
  /** ms a udp flow may idle, when set. */
  udp_idle_timeout?: number;
  /** The `tls` setting, when set (paths of files, never their content). */
  tls?: Record<string, unknown>;
  enabled: boolean;
  toxics: SavedToxic[];
}

/** A whole state file. */
export interface StateSnapshot {
  proxies: SavedProxy[];
}

/** A toxic's attributes as the API shows them (extension attributes only when not at their default). */
function savedAttributes(spec: ToxicSpec, layers: readonly string[]): Record<string, unknown> {
  const definition = getToxicDefinition(spec.type, layers);
  return definition ? wireAttributes(definition, spec.attributes) : { ...spec.attributes };
}

/**
 * The registry's proxies and toxics, sorted by name. The listen address is the one bound, so a
 * restart takes the same ports. Leased changes are left out: they are temporary by design, and a
 * restart ends them (toxics and proxies created with a lease are not saved; a proxy with a leased
 * change is saved as it was before it). Toxicity is clamped to 0–1, which changes no decision
 * (rolls are in [0, 1)).
 */
export function snapshotOf(registry: ProxyRegistry): StateSnapshot {
  return {
    proxies: registry
      .list()
      .filter((proxy) => !proxy.removalLeased)
      .map((proxy) => ({
        name: proxy.name,
        listen: (proxy.leasedRevert ?? proxy).listen,
        upstream: (proxy.leasedRevert ?? proxy).upstream,
        ...(proxy.protocol === 'http' || proxy.protocol === 'udp' || proxy.protocol === 'http2' ? { protocol: proxy.protocol } : {}),
        ...(proxy.protocol === 'udp' && proxy.udpIdleTimeout !== undefined ? { udp_idle_timeout: proxy.udpIdleTimeout } : {}),
        ...(proxy.tls ? { tls: tlsJson(proxy.tls) } : {}),
        enabled: (proxy.leasedRevert ?? proxy).enabled,
        toxics: proxy.toxics
          .filter((spec) => proxy.leaseRemaining(spec.name) === undefined)
          .map((spec) => ({
            name: spec.name,
            type: spec.type,
            stream: spec.direction,
            toxicity: Math.min(1, Math.max(0, spec.toxicity)),
            attributes: savedAttributes(spec, proxy.layers),
          })),
      })),
  };
}
