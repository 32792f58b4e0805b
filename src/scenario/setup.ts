/**
 * Before the timeline: every target is asked what it is (Faultline or Toxiproxy), and the proxies
 * the scenario declares are found or created, each created one with a lease and its addresses
 * resolved for that target. Before each step, a fleet found by discovery is looked up again, and
 * new targets get the same setup.
 * @module
 */
import { isNotFound } from './actions.js';
import type { RunLeases } from './leases.js';
import { causeOf, describeError, StepFailure, type RunContext, type Target } from './run-context.js';
import { resolveTargetVariables } from './target-variables.js';

/** A proxy's `protocol` for its journal record: only when not tcp, as the API shows it. */
function protocolField(protocol: string | undefined): { protocol?: string } {
  return protocol === undefined || protocol === 'tcp' ? {} : { protocol };
}

/** Asks `target` what it is: Faultline, or Toxiproxy (no `/faultline/info`). */
async function identify(ctx: RunContext, target: Target): Promise<void> {
  try {
    const info = await target.client.info().catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const server = info ? `Faultline ${info.version}` : `Toxiproxy ${(await target.client.version()).version}`;
    ctx.servers.set(target.url, server);
  } catch (err) {
    throw new StepFailure(`target ${target.url}: ${describeError(err)}`, causeOf(err));
  }
}

/** Checks every target answers, and learns whether it is Faultline or Toxiproxy; the fleet policy judges those that do not. */
export async function preflight(ctx: RunContext): Promise<void> {
  await ctx.fleet.everywhere((target) => identify(ctx, target));
}

/** Finds or creates the declared proxies on every target, one target after the other. */
export async function setupProxies(ctx: RunContext, leases: RunLeases): Promise<void> {
  await ctx.fleet.oneByOne(
    (target) => setupTarget(ctx, leases, target),
    () => ctx.aborted(),
  );
}

/** Finds or creates the declared proxies on `target`, their addresses resolved for it (`${TARGET_HOST}`…). */
async function setupTarget(ctx: RunContext, leases: RunLeases, target: Target): Promise<void> {
  let existing: Record<string, { listen: string; upstream: string; protocol?: string }>;
  try {
    existing = await target.client.proxies();
  } catch (err) {
    throw new StepFailure(`target ${target.url}: listing proxies: ${describeError(err)}`, causeOf(err));
  }
  const identity = ctx.fleet.identity(target);
  for (const proxy of ctx.plan.proxies) {
    if (ctx.aborted()) return;
    const upstream = resolveTargetVariables(proxy.upstream, identity);
    const found = existing[proxy.name];
    if (found) {
      ctx.journal.proxies.push({
        name: proxy.name,
        target: target.url,
        created: false,
        kept: false,
        listen: found.listen,
        ...protocolField(found.protocol),
      });
      if (upstream !== undefined && upstream !== found.upstream) {
        ctx.warn(
          `proxy ${proxy.name} on ${target.url} already exists with upstream ${found.upstream}; it is used as it is, not pointed at ${upstream}`,
        );
      }
      const protocol = found.protocol ?? 'tcp';
      if (proxy.protocol !== undefined && proxy.protocol !== protocol) {
        ctx.warn(
          `proxy ${proxy.name} on ${target.url} already exists with protocol ${protocol}, not ${proxy.protocol} as declared; it is used as it is, and its server may refuse the scenario's toxics`,
        );
      }
      continue;
    }
    if (upstream === undefined) {
      throw new StepFailure(
        `proxy ${proxy.name} does not exist on ${target.url}, and the scenario gives no upstream to create it with`,
        'step',
      );
    }
    try {
      const lease = leases.forCreatedProxy(proxy.keep);
      const created = await target.client.createProxy({
        name: proxy.name,
        listen: resolveTargetVariables(proxy.listen, identity) ?? '127.0.0.1:0',
        upstream,
        enabled: true,
        ...(proxy.protocol !== undefined ? { protocol: proxy.protocol } : {}),
        ...(proxy.udp_idle_timeout !== undefined ? { udp_idle_timeout: proxy.udp_idle_timeout } : {}),
        ...(proxy.tls !== undefined ? { tls: proxy.tls } : {}),
        ...(lease === null ? {} : { expires_in: lease }),
      });
      leases.kept(target.url, lease, created);
      ctx.ledger.created.push({ target: target.url, proxy: proxy.name, keep: proxy.keep });
      ctx.fleet.changed(target);
      ctx.journal.proxies.push({
        name: proxy.name,
        target: target.url,
        created: true,
        kept: proxy.keep,
        listen: created.listen,
        ...protocolField(created.protocol),
      });
    } catch (err) {
      throw new StepFailure(`creating proxy ${proxy.name} on ${target.url}: ${describeError(err)}`, causeOf(err));
    }
  }
}

/** Looks the fleet up again: resolves to every target found now, or rejects when the lookup fails. */
export type Rediscover = () => Promise<Target[]>;

/**
 * Before a step: looks the fleet up again (once for the steps that start at `atMs`). Targets found
 * for the first time get the scenario's setup (checked, proxies found or created) and take the steps
 * from here on; those no longer found are recorded as vanished. A lookup that fails or finds nothing
 * leaves the fleet as it was.
 */
export async function refreshFleet(ctx: RunContext, leases: RunLeases, lookup: Rediscover, atMs: number): Promise<void> {
  if (ctx.fleet.lookedUpAt === atMs) return;
  ctx.fleet.lookedUpAt = atMs;
  let found: Target[];
  try {
    found = await lookup();
  } catch (err) {
    ctx.warn(`looking the fleet up again failed; it stays as it was: ${describeError(err)}`);
    return;
  }
  if (found.length === 0) {
    ctx.warn('looking the fleet up again found no target; it stays as it was');
    return;
  }
  const joined = ctx.fleet.refresh(found);
  const results = await Promise.allSettled(
    joined.map(async (target) => {
      await identify(ctx, target);
      await setupTarget(ctx, leases, target);
    }),
  );
  ctx.fleet.judge(joined, results);
}
