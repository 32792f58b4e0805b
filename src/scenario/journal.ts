/**
 * The journal of a run: the seed, every step with when it was applied and reverted, every probe
 * result, every rollback action, and the verdict. It is plain JSON, written with `--journal FILE` and
 * served by `GET /scenarios/{id}` while the run goes on. Times ending in `_ms` count milliseconds
 * from the start of the timeline (negative: before it, while `before` probes run).
 *
 * Longer than 300 lines: the journal is one published format, its record types side by side.
 * @module
 */
import { rename, writeFile } from 'node:fs/promises';
import { MAX_PROBE_RESULTS } from '../limits.js';
import type { Plan, PlanAction, PlanFault } from './plan.js';
import type { CommandResult } from './run-command.js';
import type { ProbeMode, StepKind } from './schema.js';

/** The outcome of a run. */
export type Verdict = 'passed' | 'failed' | 'aborted';

/** Where a run is. */
export type RunStatus = 'pending' | 'running' | 'rolling_back' | 'finished';

/** Why a run stopped before its end (or why it failed). */
export type StopCause = 'probe' | 'step' | 'signal' | 'request' | 'unreachable';

/**
 * Who took a fault away: the runner at its `for` end, the server's lease, the rollback, a `reset`
 * step, or something outside the run (an operator, another client) before its end.
 */
export type RevertedBy = 'runner' | 'lease' | 'rollback' | 'reset' | 'external';

/** One toxic a step applied. */
export interface FaultRecord {
  proxy: string;
  toxic: string;
  type: string;
  stream: string;
  attributes: Record<string, unknown>;
  planned_start_ms: number;
  /** null: held until the end of the run. */
  planned_end_ms: number | null;
  /** The lease sent to the server, in ms (null: none). */
  lease_ms: number | null;
  applied_ms: number | null;
  /** Targets the toxic was added on: 1 on one server; on a fleet, each target that took it. */
  targets: number;
  reverted_ms: number | null;
  reverted_by: RevertedBy | null;
  /** Ramp updates: when, and the attributes sent. */
  updates?: Array<{ at_ms: number; attributes: Record<string, unknown> }>;
  error?: string;
}

/**
 * One action a step took: an action step's, an exec step's, or a monkey's action injection. A
 * held one (a `disable`, a process `pause`, an `exec` with a rollback) is reverted too.
 */
export interface ActionRecord {
  /** `disable`, `kill_connections`, `process`, `exec`… */
  type: string;
  /** What it does, as `--dry-run` shows it. */
  label: string;
  /** The proxy it acts on, for proxy actions. */
  proxy?: string;
  planned_start_ms: number;
  /** When it is undone; null: in the rollback, or never (an instant action). */
  planned_end_ms: number | null;
  /** The lease sent with a `disable`, in ms (null: none). */
  lease_ms?: number | null;
  applied_ms: number | null;
  reverted_ms: number | null;
  reverted_by: RevertedBy | null;
  /** Process faults: the process signalled, and the signal sent (SIGSTOP, SIGTERM, SIGKILL). */
  pid?: number;
  signal?: string;
  /** Exec steps: how the command and its rollback command went. */
  command?: CommandResult;
  rollback_command?: CommandResult;
  error?: string;
}

/** One step. */
export interface StepRecord {
  index: number;
  kind: StepKind;
  name?: string;
  label: string;
  planned_start_ms: number;
  planned_end_ms: number;
  started_ms: number | null;
  ended_ms: number | null;
  /** `aborted`: under way when the run stopped early; `skipped`: never reached. */
  status: 'pending' | 'running' | 'done' | 'failed' | 'aborted' | 'skipped';
  faults: FaultRecord[];
  /** The actions it took, when it takes any. */
  actions?: ActionRecord[];
  error?: string;
}

/** One check of a probe. */
export interface ProbeResult {
  at_ms: number;
  ok: boolean;
  /** How long the check took. */
  ms: number;
  /** What was seen: `HTTP 200`, `connection refused`, `exit code 1: …`. */
  detail: string;
}

/** A probe and its results. */
export interface ProbeRecord {
  name: string;
  mode: ProbeMode;
  check: string;
  interval_ms: number;
  fail_after: number;
  abort_on_failure: boolean;
  status: 'pending' | 'passing' | 'failed' | 'not_run';
  checks: number;
  failures: number;
  /** When the probe failed (its `fail_after`-th consecutive failure). */
  failed_ms: number | null;
  results: ProbeResult[];
  /** Results left out once a probe has {@link MAX_PROBE_RESULTS}. */
  results_dropped: number;
}

/** One proxy on one target. */
export interface ProxyRecord {
  name: string;
  target: string;
  /** Created by the run (false: it existed already). */
  created: boolean;
  /** `keep: true`: a created proxy left in place at the end. */
  kept: boolean;
  listen: string | null;
  /** Its protocol, when not tcp (`http`, `http2`, `udp`), as the API shows it. */
  protocol?: string;
}

/** One thing the rollback did. */
export interface RollbackRecord {
  at_ms: number;
  target: string;
  action: string;
  ok: boolean;
  error?: string;
}

/** How much of a fleet must take every change for the run to go on. */
export type FleetPolicy = 'all' | 'any' | 'quorum';

/**
 * Where a target is: `active` (it takes the run's changes), `failed` (it could not be reached or
 * refused a change, and gets none after that), `vanished` (discovery no longer finds it).
 */
export type TargetStatus = 'active' | 'failed' | 'vanished';

/** One target of the run and what became of it. */
export interface TargetRecord {
  url: string;
  /** Its `${TARGET_INDEX}`. */
  index: number;
  /** How the command line named it: its URL, or the `dns+http://` name that found it. */
  source: string;
  status: TargetStatus;
  /** When discovery found it after the start (null: there from the start). */
  joined_ms: number | null;
  /** When it failed or vanished. */
  left_ms: number | null;
  /** Why it failed. */
  error: string | null;
  /** Changes it took: proxies created, toxics added, actions carried out. */
  changes: number;
}

/** The fleet of a run: its policy and every target it had. */
export interface FleetRecord {
  policy: FleetPolicy;
  targets: TargetRecord[];
}

/** A run's journal. */
export interface Journal {
  journal_version: 1;
  scenario: { name: string; description?: string; file?: string };
  seed: string;
  time_scale: number;
  targets: string[];
  status: RunStatus;
  verdict: Verdict | null;
  cause: StopCause | null;
  reason: string | null;
  /** Wall-clock time the run started and finished (ISO 8601). */
  started_at: string | null;
  finished_at: string | null;
  planned_duration_ms: number;
  /** Time since the start of the timeline when the run finished (or now, while it runs). */
  elapsed_ms: number;
  proxies: ProxyRecord[];
  steps: StepRecord[];
  probes: ProbeRecord[];
  rollback: RollbackRecord[];
  warnings: string[];
  fleet: FleetRecord;
}

/** Results kept per probe; later ones are counted in `results_dropped`. */
export { MAX_PROBE_RESULTS };

function faultRecord(fault: PlanFault): FaultRecord {
  return {
    proxy: fault.proxy,
    toxic: fault.toxic.name,
    type: fault.toxic.type,
    stream: fault.toxic.stream,
    attributes: { ...fault.toxic.attributes },
    planned_start_ms: fault.startMs,
    planned_end_ms: fault.endMs,
    lease_ms: null,
    applied_ms: null,
    targets: 0,
    reverted_ms: null,
    reverted_by: null,
  };
}

function actionRecord(planned: PlanAction): ActionRecord {
  const action = planned.action;
  return {
    type: action.type,
    label: planned.label,
    ...('proxy' in action ? { proxy: action.proxy } : {}),
    planned_start_ms: planned.startMs,
    planned_end_ms: planned.endMs,
    applied_ms: null,
    reverted_ms: null,
    reverted_by: null,
  };
}

/** A journal for `plan` with every step and probe pending. */
export function createJournal(
  plan: Plan,
  meta: { targets: readonly string[]; file?: string | undefined; policy?: FleetPolicy | undefined },
): Journal {
  return {
    journal_version: 1,
    scenario: {
      name: plan.name,
      ...(plan.description !== undefined ? { description: plan.description } : {}),
      ...(meta.file !== undefined ? { file: meta.file } : {}),
    },
    seed: plan.seed,
    time_scale: plan.timeScale,
    targets: [...meta.targets],
    status: 'pending',
    verdict: null,
    cause: null,
    reason: null,
    started_at: null,
    finished_at: null,
    planned_duration_ms: plan.durationMs,
    elapsed_ms: 0,
    proxies: [],
    steps: plan.steps.map((s) => ({
      index: s.index,
      kind: s.kind,
      ...(s.name !== undefined ? { name: s.name } : {}),
      label: s.label,
      planned_start_ms: s.startMs,
      planned_end_ms: s.endMs,
      started_ms: null,
      ended_ms: null,
      status: 'pending',
      faults: s.faults.map(faultRecord),
      ...(s.actions ? { actions: s.actions.map(actionRecord) } : {}),
    })),
    probes: plan.probes.map((p) => ({
      name: p.name,
      mode: p.mode,
      check: p.label,
      interval_ms: p.intervalMs,
      fail_after: p.failAfter,
      abort_on_failure: p.abortOnFailure,
      status: 'pending',
      checks: 0,
      failures: 0,
      failed_ms: null,
      results: [],
      results_dropped: 0,
    })),
    rollback: [],
    warnings: [],
    fleet: { policy: meta.policy ?? 'all', targets: [] },
  };
}

/** Adds a result to a probe's record, keeping at most {@link MAX_PROBE_RESULTS}. */
export function addProbeResult(record: ProbeRecord, result: ProbeResult): void {
  record.checks++;
  if (!result.ok) record.failures++;
  if (record.results.length < MAX_PROBE_RESULTS) record.results.push(result);
  else record.results_dropped++;
}

/** Writes the journal as indented JSON, replacing `path` in one step (never half written). */
export async function writeJournal(path: string, journal: Journal): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(journal, null, 2)}\n`);
  await rename(temporary, path);
}
