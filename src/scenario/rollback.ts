/**
 * The rollback of a run: every toxic still in place removed, every proxy an action changed restored
 * to its state before the first action, and the proxies the run created deleted (unless kept).
 * Each step is recorded in the journal, and a failure does not stop the others.
 * @module
 */
import { isNotFound, proxyState } from './actions.js';
import type { RollbackRecord } from './journal.js';
import { describeError, type RunContext, type ScenarioClient } from './run-context.js';
import type { ToxicFaults } from './toxic-faults.js';

/** Records one thing the rollback did (or could not do) in the journal. */
export function recordRollback(ctx: RunContext, target: string, action: string, error?: unknown): void {
  const entry: RollbackRecord = {
    at_ms: ctx.elapsedMs(),
    target,
    action,
    ok: error === undefined,
    ...(error === undefined ? {} : { error: describeError(error) }),
  };
  ctx.journal.rollback.push(entry);
  ctx.emit({ type: 'rollback', journal: ctx.journal, record: entry });
}

function clientOf(ctx: RunContext, url: string): ScenarioClient | undefined {
  return ctx.targets.find((t) => t.url === url)?.client;
}

/** Removes every toxic still in place and restores every proxy an action changed. */
export async function revertFaults(ctx: RunContext, faults: ToxicFaults): Promise<void> {
  for (const toxic of [...ctx.ledger.toxics].reverse()) {
    if (toxic.reverted) continue;
    const client = clientOf(ctx, toxic.target);
    const action = `remove toxic ${toxic.name} from proxy ${toxic.proxy}`;
    try {
      await client?.removeToxic(toxic.proxy, toxic.name);
      recordRollback(ctx, toxic.target, action);
    } catch (err) {
      if (isNotFound(err)) recordRollback(ctx, toxic.target, `${action} (already gone)`);
      else {
        recordRollback(ctx, toxic.target, action, err);
        continue;
      }
    }
    toxic.reverted = true;
    faults.markReverted(faults.stepOf(toxic.record), toxic.record, 'rollback');
  }

  for (const { target, proxy, state } of [...ctx.ledger.snapshots.values()].reverse()) {
    const client = clientOf(ctx, target);
    if (!client) continue;
    try {
      const now = await proxyState(client, proxy);
      const patch = {
        ...(now.listen !== state.listen ? { listen: state.listen } : {}),
        ...(now.upstream !== state.upstream ? { upstream: state.upstream } : {}),
        ...(now.enabled !== state.enabled ? { enabled: state.enabled } : {}),
      };
      if (Object.keys(patch).length === 0) continue;
      await client.updateProxy(proxy, patch);
      recordRollback(
        ctx,
        target,
        `restore proxy ${proxy} (${Object.entries(patch)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')})`,
      );
    } catch (err) {
      if (isNotFound(err)) continue;
      recordRollback(ctx, target, `restore proxy ${proxy}`, err);
    }
  }
  const down = ctx.ledger.downProxies;
  ctx.ledger.clearDown();
  ctx.activity.change(-down);
}

/** Deletes the proxies the run created, except those with `keep: true`. */
export async function removeCreatedProxies(ctx: RunContext): Promise<void> {
  for (const created of [...ctx.ledger.created].reverse()) {
    if (created.keep) {
      recordRollback(ctx, created.target, `keep proxy ${created.proxy} (keep: true)`);
      continue;
    }
    try {
      await clientOf(ctx, created.target)?.deleteProxy(created.proxy);
      recordRollback(ctx, created.target, `delete proxy ${created.proxy}`);
    } catch (err) {
      if (isNotFound(err)) recordRollback(ctx, created.target, `delete proxy ${created.proxy} (already gone)`);
      else recordRollback(ctx, created.target, `delete proxy ${created.proxy}`, err);
    }
  }
}
