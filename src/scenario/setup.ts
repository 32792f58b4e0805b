/**
 * Before the timeline: every target is asked what it is (Faultline or Toxiproxy), and the proxies
 * the scenario declares are found or created, each created one with a lease.
 * @module
 */
import { isNotFound } from './actions.js';
import type { RunLeases } from './leases.js';
import { causeOf, describeError, StepFailure, type RunContext } from './run-context.js';

/** Checks every target answers, and learns whether it is Faultline or Toxiproxy (no `/faultline/info`). */
export async function preflight(ctx: RunContext): Promise<void> {
  await Promise.all(
    ctx.targets.map(async (target) => {
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
    }),
  );
}

/** Finds or creates the declared proxies on every target. */
export async function setupProxies(ctx: RunContext, leases: RunLeases): Promise<void> {
  for (const target of ctx.targets) {
    let existing: Record<string, { listen: string; upstream: string }>;
    try {
      existing = await target.client.proxies();
    } catch (err) {
      throw new StepFailure(`target ${target.url}: listing proxies: ${describeError(err)}`, causeOf(err));
    }
    for (const proxy of ctx.plan.proxies) {
      if (ctx.aborted()) return;
      const found = existing[proxy.name];
      if (found) {
        ctx.journal.proxies.push({ name: proxy.name, target: target.url, created: false, kept: false, listen: found.listen });
        if (proxy.upstream !== undefined && proxy.upstream !== found.upstream) {
          ctx.warn(
            `proxy ${proxy.name} on ${target.url} already exists with upstream ${found.upstream}; it is used as it is, not pointed at ${proxy.upstream}`,
          );
        }
        continue;
      }
      if (proxy.upstream === undefined) {
        throw new StepFailure(
          `proxy ${proxy.name} does not exist on ${target.url}, and the scenario gives no upstream to create it with`,
          'step',
        );
      }
      try {
        const lease = leases.forCreatedProxy(proxy.keep);
        const created = await target.client.createProxy({
          name: proxy.name,
          listen: proxy.listen ?? '127.0.0.1:0',
          upstream: proxy.upstream,
          enabled: true,
          ...(proxy.protocol !== undefined ? { protocol: proxy.protocol } : {}),
          ...(proxy.tls !== undefined ? { tls: proxy.tls } : {}),
          ...(lease === null ? {} : { expires_in: lease }),
        });
        leases.kept(target.url, lease, created);
        ctx.ledger.created.push({ target: target.url, proxy: proxy.name, keep: proxy.keep });
        ctx.journal.proxies.push({ name: proxy.name, target: target.url, created: true, kept: proxy.keep, listen: created.listen });
      } catch (err) {
        throw new StepFailure(`creating proxy ${proxy.name} on ${target.url}: ${describeError(err)}`, causeOf(err));
      }
    }
  }
}
