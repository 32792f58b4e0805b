/**
 * Upstream host names, resolved once for many connections: a name looked up is kept for a few
 * seconds, a name that failed to resolve fails again at once for a second, and connections that
 * arrive while a lookup is under way wait for that one lookup. Without it every connection made its
 * own lookup, and a burst of connections to a name that does not resolve queued up behind the
 * resolver for seconds.
 * @module
 */
import { lookup as systemLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/** Resolves a host name to every address it has. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

/** Options for {@link cachedLookup}. */
export interface HostCacheOptions {
  /** Milliseconds now (monotonic). */
  now: () => number;
  /** How names are resolved (default: the system resolver, as `net.connect` does). */
  resolve?: ResolveHost | undefined;
  /** How long an answer is kept (default 5 s). */
  ttlMs?: number;
  /** How long a failure is kept, so that it fails again at once (default 1 s). */
  failureTtlMs?: number;
}

/** Names kept at most; past it the cache starts afresh (names are few: one per upstream). */
const MAX_NAMES = 1_000;

interface Entry {
  until: number;
  answer: Promise<LookupAddress[]>;
  settled: { addresses: LookupAddress[] } | { error: Error } | undefined;
}

const resolveSystem: ResolveHost = (hostname) => systemLookup(hostname, { all: true });

/**
 * A `lookup` for `net.connect` that answers from the cache. It honours `all` (Node asks for every
 * address when it tries them in turn) and `family`.
 */
export function cachedLookup(options: HostCacheOptions): LookupFunction {
  const resolve = options.resolve ?? resolveSystem;
  const ttlMs = options.ttlMs ?? 5_000;
  const failureTtlMs = options.failureTtlMs ?? 1_000;
  const entries = new Map<string, Entry>();

  const entryFor = (hostname: string): Entry => {
    const now = options.now();
    const known = entries.get(hostname);
    if (known && (known.settled === undefined || known.until > now)) return known;
    if (entries.size >= MAX_NAMES) entries.clear();
    const entry: Entry = { until: Number.POSITIVE_INFINITY, answer: resolve(hostname), settled: undefined };
    entry.answer.then(
      (addresses) => {
        entry.settled = { addresses };
        entry.until = options.now() + ttlMs;
      },
      (error: Error) => {
        entry.settled = { error };
        entry.until = options.now() + failureTtlMs;
      },
    );
    entries.set(hostname, entry);
    return entry;
  };

  return (hostname, lookupOptions, callback) => {
    const answer = (addresses: LookupAddress[]): void => {
      const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
      const matching = family === undefined ? addresses : addresses.filter((a) => a.family === family);
      const first = matching[0];
      if (!first) {
        const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        callback(error, '', 0);
      } else if (lookupOptions.all) (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, matching);
      else callback(null, first.address, first.family);
    };
    const entry = entryFor(hostname);
    const settled = entry.settled;
    // A known answer is given at once (on the next tick, as a lookup callback is expected to be).
    if (settled && 'addresses' in settled) process.nextTick(answer, settled.addresses);
    else if (settled) process.nextTick(callback, settled.error, '', 0);
    else entry.answer.then(answer, (error: Error) => callback(error, '', 0));
  };
}
