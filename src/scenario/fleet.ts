/**
 * The targets of a run as a fleet: each with its index and its record in the journal, the ones that
 * still take changes, and the policy that says whether the run goes on when some cannot be reached
 * or refuse a change — `all` (every target takes every change: the first failure stops the run),
 * `any` (one target left is enough), `quorum` (more than half of the fleet). A target that failed
 * or vanished takes no further change, but stays in the fleet, so the rollback still covers it.
 * @module
 */
import type { FleetPolicy, Journal, TargetRecord } from './journal.js';
import type { TargetIdentity } from './target-variables.js';

/** The policies, for the command line and the docs. */
export const FLEET_POLICIES: readonly FleetPolicy[] = ['all', 'any', 'quorum'];

/** What a fleet member needs: its admin API URL, and how the command line named it. */
export interface FleetMember {
  url: string;
  /** `dns+http://NAME:PORT` for a target found by discovery; its URL otherwise. */
  source?: string | undefined;
}

/** The fleet no longer meets its policy because no target is left to act on. */
export class FleetEmpty extends Error {
  override readonly name = 'FleetEmpty';
}

/** A target joined the fleet, failed, or vanished. */
export interface TargetEvent {
  type: 'target';
  journal: Journal;
  target: TargetRecord;
  change: 'joined' | 'failed' | 'vanished';
}

/** What the fleet reports through (a run's context has it all). */
export interface FleetHooks {
  readonly journal: Journal;
  elapsedMs(): number;
  emit(event: TargetEvent): void;
  warn(message: string): void;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The targets of one run. */
export class Fleet<T extends FleetMember> {
  /** Every target the run has had, in the order they came; the rollback walks them all. */
  readonly members: T[] = [];
  private readonly records = new Map<string, TargetRecord>();
  private nextIndex = 0;
  /** The time on the run's axis of the last lookup, so steps that start together share one. */
  lookedUpAt: number | undefined;

  constructor(
    readonly policy: FleetPolicy,
    initial: readonly T[],
    private readonly hooks: FleetHooks,
  ) {
    for (const target of initial) this.add(target, null);
  }

  /** The targets that still take the run's changes. */
  active(): T[] {
    return this.members.filter((t) => this.records.get(t.url)?.status === 'active');
  }

  /** What `${TARGET_…}` reads on `target`. */
  identity(target: FleetMember): TargetIdentity {
    return { url: target.url, index: this.records.get(target.url)?.index ?? 0 };
  }

  /** True when the target at `url` failed or vanished: the run no longer counts on it. */
  isLost(url: string): boolean {
    const status = this.records.get(url)?.status;
    return status === 'failed' || status === 'vanished';
  }

  /** Counts a change `target` took. */
  changed(target: FleetMember): void {
    const record = this.records.get(target.url);
    if (record) record.changes++;
  }

  /** True while the fleet meets its policy. */
  holds(): boolean {
    const all = [...this.records.values()];
    const active = all.filter((r) => r.status === 'active').length;
    const failed = all.filter((r) => r.status === 'failed').length;
    switch (this.policy) {
      case 'all':
        return failed === 0 && active > 0;
      case 'any':
        return active > 0;
      case 'quorum':
        return active > (active + failed) / 2;
    }
  }

  /** Records that `target` could not be reached or refused a change; it takes no further change. */
  fail(target: FleetMember, err: unknown): void {
    const record = this.records.get(target.url);
    if (record?.status !== 'active') return;
    record.status = 'failed';
    record.left_ms = this.hooks.elapsedMs();
    record.error = describe(err);
    this.changedTo(record, 'failed');
    if (this.policy !== 'all')
      this.hooks.warn(`target ${target.url} failed and takes no further change (fleet policy ${this.policy}): ${record.error}`);
  }

  /**
   * Runs `call` on every active target at once. A target whose call fails is recorded as failed;
   * when the fleet then no longer meets its policy, the first failure is thrown once all have answered.
   * With `counted`, each call that succeeds counts as a change its target took.
   */
  async everywhere(call: (target: T) => Promise<void>, options: { counted?: boolean } = {}): Promise<void> {
    const targets = this.active();
    if (targets.length === 0) throw new FleetEmpty('no target of the fleet is left to act on');
    const results = await Promise.allSettled(
      targets.map(async (target) => {
        await call(target);
        if (options.counted) this.changed(target);
      }),
    );
    this.judge(targets, results);
  }

  /** As {@link everywhere}, one target after the other (the order the journal shows). */
  async oneByOne(call: (target: T) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
    const targets = this.active();
    if (targets.length === 0) throw new FleetEmpty('no target of the fleet is left to act on');
    const results: PromiseSettledResult<void>[] = [];
    for (const target of targets) {
      if (stop()) break;
      try {
        await call(target);
        results.push({ status: 'fulfilled', value: undefined });
      } catch (reason) {
        results.push({ status: 'rejected', reason });
        if (this.policy === 'all') break;
      }
    }
    this.judge(targets, results);
  }

  /**
   * Records the targets whose call failed (`results[i]` is the call on `targets[i]`); when the fleet
   * then no longer meets its policy, throws the first failure.
   */
  judge(targets: readonly T[], results: readonly PromiseSettledResult<void>[]): void {
    let first: unknown;
    results.forEach((result, i) => {
      const target = targets[i];
      if (result.status === 'fulfilled' || !target) return;
      first ??= result.reason;
      this.fail(target, result.reason);
    });
    if (first !== undefined && !this.holds()) throw first;
  }

  /**
   * Takes the fleet discovery found now: targets not seen before (or back after vanishing) join and
   * are returned, so the run can set them up; members no longer found are recorded as vanished.
   */
  refresh(found: readonly T[]): T[] {
    const urls = new Set(found.map((t) => t.url));
    for (const record of this.records.values()) {
      if (record.status !== 'active' || urls.has(record.url)) continue;
      record.status = 'vanished';
      record.left_ms = this.hooks.elapsedMs();
      this.changedTo(record, 'vanished');
    }
    const joined: T[] = [];
    for (const target of found) {
      const record = this.records.get(target.url);
      if (record?.status === 'active' || record?.status === 'failed') continue;
      if (record) {
        record.status = 'active';
        record.joined_ms = this.hooks.elapsedMs();
        record.left_ms = null;
        this.changedTo(record, 'joined');
      } else this.changedTo(this.add(target, this.hooks.elapsedMs()), 'joined');
      joined.push(target);
    }
    return joined;
  }

  private changedTo(target: TargetRecord, change: TargetEvent['change']): void {
    this.hooks.emit({ type: 'target', journal: this.hooks.journal, target, change });
  }

  private add(target: T, joinedMs: number | null): TargetRecord {
    const record: TargetRecord = {
      url: target.url,
      index: this.nextIndex++,
      source: target.source ?? target.url,
      status: 'active',
      joined_ms: joinedMs,
      left_ms: null,
      error: null,
      changes: 0,
    };
    this.members.push(target);
    this.records.set(target.url, record);
    this.hooks.journal.fleet.targets.push(record);
    if (!this.hooks.journal.targets.includes(target.url)) this.hooks.journal.targets.push(target.url);
    return record;
  }
}
