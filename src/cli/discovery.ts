/**
 * Discovery: the targets a list of {@link TargetSpec}s names now. A `dns+http://NAME:PORT` becomes
 * one admin API URL per address NAME resolves to — A and AAAA records, through the system's
 * resolver (`/etc/hosts`, then DNS, as every other program on the machine sees them) — sorted, so
 * the same answer gives the same order (and the same `${TARGET_INDEX}`es).
 * @module
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { normalizeBaseUrl } from '../api/client.js';
import { formatHostPort } from '../core/address.js';
import { MAX_FLEET_TARGETS } from '../limits.js';
import type { TargetSpec } from './target-specs.js';

/** Every address `name` resolves to. */
export type Resolver = (name: string) => Promise<string[]>;

/** The system resolver: every A and AAAA record (hosts file first, then DNS). */
export const systemResolver: Resolver = async (name) => (await dnsLookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** A target found: its admin API URL, and the name that found it (for a `dns+http://` target). */
export interface FoundTarget {
  url: string;
  source?: string;
}

/** A name that resolved to nothing, or could not be looked up. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

/** IPv4 before IPv6, each in numeric order. */
function compareAddresses(a: string, b: string): number {
  const key = (address: string): string =>
    isIP(address) === 4
      ? `4${address
          .split('.')
          .map((part) => part.padStart(3, '0'))
          .join('.')}`
      : `6${address}`;
  return key(a).localeCompare(key(b));
}

/** The targets `specs` name now, in order, each URL once. */
export async function findTargets(specs: readonly TargetSpec[], resolve: Resolver = systemResolver): Promise<FoundTarget[]> {
  const found: FoundTarget[] = [];
  const seen = new Set<string>();
  const add = (target: FoundTarget): void => {
    if (seen.has(target.url)) return;
    if (found.length >= MAX_FLEET_TARGETS) throw new DiscoveryError(`more than ${MAX_FLEET_TARGETS} targets`);
    seen.add(target.url);
    found.push(target);
  };
  for (const spec of specs) {
    if (spec.kind === 'url') {
      add({ url: normalizeBaseUrl(spec.url) });
      continue;
    }
    let addresses: string[];
    try {
      addresses = await resolve(spec.name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOTFOUND' || code === 'ENODATA' ? 'the name is not known' : (err as Error).message;
      throw new DiscoveryError(`${spec.text}: cannot resolve ${spec.name}: ${why}`);
    }
    const unique = [...new Set(addresses.filter((a) => isIP(a) !== 0))].sort(compareAddresses);
    if (unique.length === 0) throw new DiscoveryError(`${spec.text}: ${spec.name} resolves to no address`);
    for (const address of unique) add({ url: `${spec.scheme}://${formatHostPort(address, spec.port)}`, source: spec.text });
  }
  return found;
}
