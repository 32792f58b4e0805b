/**
 * `GET /faultline/info`: what this server is, for people and scripts that need more than Toxiproxy's
 * `/version` (which stays byte-identical to Toxiproxy's).
 * @module
 */
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { toxicLayer, type AnyToxicDefinition } from '../core/toxic-contract.js';
import { acceptedToxics } from '../toxics/registry.js';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from './version.js';

/** The body of `GET /faultline/info`. */
export interface ServerInfoJson {
  /** Faultline's own version. */
  version: string;
  /** The Toxiproxy API version spoken (what `/version` says). */
  toxiproxy_api: string;
  /** The Node.js version running the server (`process.version`, e.g. `v20.20.2`). */
  node: string;
  /** The seed every random decision derives from. */
  seed: string;
  /** Milliseconds since the admin API was created. */
  uptime_ms: number;
  /** The proxy protocols this server speaks. */
  protocols: string[];
  /** Every toxic type it accepts, in documentation order (a name layers share is listed once). */
  toxic_types: string[];
  /** The toxic types of each layer (`stream`, `http`, `datagram`), in documentation order. */
  toxic_layers: Record<string, string[]>;
}

/** Type names per layer. */
function typesByLayer(definitions: readonly AnyToxicDefinition[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const definition of definitions) {
    const layer = toxicLayer(definition);
    out[layer] = [...(out[layer] ?? []), definition.type];
  }
  return out;
}

/** The facts `/faultline/info` reports; `startedAt` is a `performance.now()` reading. */
export function serverInfo(registry: ProxyRegistry, startedAt: number): ServerInfoJson {
  return {
    version: FAULTLINE_VERSION,
    toxiproxy_api: TOXIPROXY_API_VERSION,
    node: process.version,
    seed: registry.seed,
    uptime_ms: Math.round(performance.now() - startedAt),
    protocols: [...registry.runtime.protocols.keys()],
    toxic_types: acceptedToxics(registry.runtime.toxicRegistry).types(),
    toxic_layers: typesByLayer(acceptedToxics(registry.runtime.toxicRegistry).definitions),
  };
}
