/**
 * A step's instant actions on a proxy — disable, enable, reset, kill its connections, update its
 * settings — carried out on every target of a run. The first action on a proxy keeps its state in the ledger
 * beforehand, so the rollback can restore it.
 * @module
 */
import { AdminClientError, type AdminClient, type ProxyUpdate } from '../api/client.js';
import { assertNever } from '../errors.js';
import type { FaultRecord, RevertedBy } from './journal.js';
import type { Ledger, ProxyState } from './ledger.js';
import type { Action } from './schema.js';

/** The actions on a proxy (a `process` action acts on the runner's machine instead). */
export type ProxyAction = Exclude<Action, { type: 'process' }>;

/** The admin API calls an action makes. */
export type ActionClient = Pick<AdminClient, 'proxy' | 'updateProxy' | 'toxics' | 'removeToxic' | 'connections' | 'closeConnection'>;

/** One server an action is carried out on. */
export interface ActionTarget {
  url: string;
  client: ActionClient;
}

/** What actions need from their run. */
export interface ActionContext {
  readonly ledger: Ledger;
  /** Runs `call` on every target at once; the first failure is thrown once all have answered. */
  everywhere(call: (target: ActionTarget) => Promise<void>): Promise<void>;
  /** Marks `record` reverted once none of its toxics is left on any target. */
  markReverted(record: FaultRecord, by: RevertedBy): void;
  /** Adds `delta` to the count of active faults (a disabled proxy counts as one). */
  setActive(delta: number): void;
  /**
   * The lease for a change that lasts until the rollback (ms), or null when the run leaves its
   * changes in place (`rollback: never`).
   */
  changeLease(): number | null;
  /** Adds a warning to the journal. */
  warn(message: string): void;
  /** Notes the answer to a leased request: a target that does not keep leases gets one warning. */
  leaseKept(target: string, requested: number | null, answer: { expires_in?: number }): void;
}

/** True when the admin API answered 404: what was asked for is already gone. */
export function isNotFound(err: unknown): boolean {
  return err instanceof AdminClientError && err.status === 404;
}

/** The settings of `proxy` an action can change, as the server has them now. */
export async function proxyState(client: Pick<AdminClient, 'proxy'>, proxy: string): Promise<ProxyState> {
  const current = await client.proxy(proxy);
  return { listen: current.listen, upstream: current.upstream, enabled: current.enabled };
}

/** Carries out the instant actions of one run. */
export class InstantActions {
  /** Per target: whether it has the connections API (unknown until first tried). */
  private readonly connectionsApi = new Map<string, boolean>();
  /** Targets already warned that they cannot reset connections. */
  private readonly politeOnly = new Set<string>();

  constructor(private readonly ctx: ActionContext) {}

  /**
   * Carries out `action` on every target. A change is leased until the end of the run (none with
   * `rollback: never`), or for `leaseMs` when the action is held for a time (a `disable` with `for`).
   */
  async act(action: ProxyAction, leaseMs?: number): Promise<void> {
    const { ledger } = this.ctx;
    const wasDown = ledger.downProxies;
    await this.ctx.everywhere(async (target) => {
      const client = target.client;
      if (action.type !== 'reset' && !ledger.hasSnapshot(target.url, action.proxy)) {
        ledger.snapshot(target.url, action.proxy, await proxyState(client, action.proxy));
      }
      // Every change is leased on the server, so it is put back there even if this run dies.
      // A change held for a time ends on time, as a toxic with `for` does, whatever `rollback` says.
      const lease = leaseMs ?? this.ctx.changeLease();
      const leased = lease === null ? {} : { expires_in: lease };
      const update = async (patch: ProxyUpdate): Promise<void> => {
        this.ctx.leaseKept(target.url, lease, await client.updateProxy(action.proxy, { ...patch, ...leased }));
      };
      switch (action.type) {
        case 'disable':
          await update({ enabled: false });
          ledger.setDown(target.url, action.proxy, true);
          return;
        case 'enable':
          await update({ enabled: true });
          ledger.setDown(target.url, action.proxy, false);
          return;
        case 'reset':
          await this.resetProxy(target, action.proxy);
          return;
        case 'kill_connections':
          await this.killConnections(target, action.proxy, action.close === 'rst');
          return;
        case 'update_proxy': {
          const patch = {
            ...(action.listen !== undefined ? { listen: action.listen } : {}),
            ...(action.upstream !== undefined ? { upstream: action.upstream } : {}),
            ...(action.enabled !== undefined ? { enabled: action.enabled } : {}),
          };
          await update(patch);
          if (action.enabled !== undefined) ledger.setDown(target.url, action.proxy, !action.enabled);
          return;
        }
        default:
          assertNever(action, 'action');
      }
    });
    this.ctx.setActive(ledger.downProxies - wasDown);
  }

  /**
   * Enables a proxy a held `disable` took down, on every target, without a lease: bringing it back
   * to its state before the change ends that change's lease on the server.
   */
  async enableAgain(proxy: string): Promise<void> {
    const { ledger } = this.ctx;
    const wasDown = ledger.downProxies;
    await this.ctx.everywhere(async (target) => {
      await target.client.updateProxy(proxy, { enabled: true });
      ledger.setDown(target.url, proxy, false);
    });
    this.ctx.setActive(ledger.downProxies - wasDown);
  }

  /** Removes every toxic of the proxy; the run's own count as reverted by the reset. */
  private async resetProxy(target: ActionTarget, proxy: string): Promise<void> {
    for (const toxic of await target.client.toxics(proxy)) {
      try {
        await target.client.removeToxic(proxy, toxic.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const toxic of this.ctx.ledger.liveOn(target.url, proxy)) {
      toxic.reverted = true;
      this.ctx.markReverted(toxic.record, 'reset');
    }
  }

  /**
   * Closes every open connection: one by one through the connections API where the server has it
   * (with a TCP reset when `reset`), else (a Toxiproxy target) by disabling and enabling the proxy,
   * which closes them all politely.
   */
  private async killConnections(target: ActionTarget, proxy: string, reset: boolean): Promise<void> {
    if (this.connectionsApi.get(target.url) !== false) {
      try {
        const connections = await target.client.connections(proxy);
        this.connectionsApi.set(target.url, true);
        for (const conn of connections) {
          try {
            await target.client.closeConnection(proxy, conn.id, reset ? { reset: true } : {});
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }
        return;
      } catch (err) {
        const noRoute = err instanceof AdminClientError && (err.status === 405 || (err.status === 404 && err.code !== 'PROXY_NOT_FOUND'));
        if (!noRoute || this.connectionsApi.get(target.url) === true) throw err;
        this.connectionsApi.set(target.url, false);
      }
    }
    if (reset && !this.politeOnly.has(target.url)) {
      this.politeOnly.add(target.url);
      this.ctx.warn(`${target.url} has no connections API: kill_connections close=rst closes politely there`);
    }
    const state = await proxyState(target.client, proxy);
    if (!state.enabled) return;
    // Leased, so a run that dies in between leaves no proxy disabled; enabling it again ends the lease.
    const lease = this.ctx.changeLease();
    await target.client.updateProxy(proxy, { enabled: false, ...(lease === null ? {} : { expires_in: lease }) });
    await target.client.updateProxy(proxy, { enabled: true });
  }
}
