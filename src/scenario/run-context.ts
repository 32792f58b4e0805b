/**
 * What the phases of a run share: its targets, its journal and ledger, its clock and how it reports.
 * The runner (`runner.ts`) owns them; setup, faults, rollback and verdict work through this view.
 * @module
 */
import { AdminClientError, type AdminClient } from '../api/client.js';
import { FleetEmpty, type Fleet, type TargetEvent } from './fleet.js';
import type { ActionRecord, FaultRecord, Journal, ProbeRecord, RollbackRecord, StopCause } from './journal.js';
import type { Ledger } from './ledger.js';
import type { Plan } from './plan.js';
import type { FaultActivity } from './probe-schedule.js';

/** The admin API calls a run makes; an {@link AdminClient} has them all. */
export type ScenarioClient = Pick<
  AdminClient,
  | 'version'
  | 'info'
  | 'proxies'
  | 'proxy'
  | 'createProxy'
  | 'updateProxy'
  | 'deleteProxy'
  | 'toxics'
  | 'addToxic'
  | 'updateToxic'
  | 'removeToxic'
  | 'connections'
  | 'closeConnection'
>;

/** One server a run acts on. */
export interface Target {
  /** Its admin API URL, as journals and messages show it. */
  url: string;
  client: ScenarioClient;
  /** How the command line named it, when discovery found it (`dns+http://NAME:PORT`). */
  source?: string | undefined;
}

/** What a run reports as it goes; the journal holds the full state. */
export type RunEvent =
  | { type: 'status'; journal: Journal }
  | { type: 'step'; journal: Journal; step: number }
  | { type: 'fault'; journal: Journal; step: number; fault: FaultRecord; change: 'applied' | 'updated' | 'reverted' }
  | { type: 'action'; journal: Journal; step: number; action: ActionRecord; change: 'applied' | 'reverted' }
  | { type: 'probe'; journal: Journal; probe: ProbeRecord; changed: boolean }
  | { type: 'rollback'; journal: Journal; record: RollbackRecord }
  | TargetEvent
  | { type: 'warning'; journal: Journal; message: string };

/** The view of a run its phases work through. */
export interface RunContext {
  readonly plan: Plan;
  /** Every target the run has had (the rollback covers them all); `fleet.active()` take changes. */
  readonly targets: readonly Target[];
  readonly fleet: Fleet<Target>;
  readonly journal: Journal;
  readonly ledger: Ledger;
  /** Faults in place; `during` probes wait for one. */
  readonly activity: FaultActivity;
  /** Milliseconds since the timeline started, as the journal records them (rounded). */
  elapsedMs(): number;
  /** Milliseconds since the timeline started, unrounded, for leases. */
  sinceTimelineStart(): number;
  /** What each target said it is at preflight (`Faultline 0.1.0`, `Toxiproxy 2.12.0`), by URL. */
  readonly servers: Map<string, string>;
  /** True once the run was told to stop early. */
  aborted(): boolean;
  emit(event: RunEvent): void;
  /** Adds a warning to the journal and reports it. */
  warn(message: string): void;
}

/** A step could not be carried out; the run stops and rolls back. */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';

  constructor(
    message: string,
    readonly stopCause: StopCause,
  ) {
    super(message);
  }
}

/** An error's message, whatever was thrown. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why a run stops on `err`: a step, or a target that cannot be reached. */
export function causeOf(err: unknown): StopCause {
  if (err instanceof StepFailure) return err.stopCause;
  if (err instanceof FleetEmpty) return 'unreachable';
  return err instanceof AdminClientError && err.unreachable ? 'unreachable' : 'step';
}

/** Runs `call` on every target at once; the first failure is thrown once all have answered. */
export async function everywhere(targets: readonly Target[], call: (target: Target) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(targets.map(call));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
