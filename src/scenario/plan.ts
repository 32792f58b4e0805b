/**
 * A resolved scenario, the plan: every step placed on one time axis with its faults, the probes
 * with their timing, and the sorted operations the runner performs. Made by `timeline.ts`, read by
 * the runner, the journal, `--dry-run` and the dashboard.
 * @module
 */
import type { ValuePath } from './interpolate.js';
import type { Action, ExecBody, ProbeMode, ScenarioProxy, StepKind } from './schema.js';

/** How long a fault held "until the end" outlives the planned end on the server, should the runner die. */
export const END_LEASE_GRACE_MS = 30_000;

/** A toxic as the runner sends it: the API envelope with its name resolved. */
export interface ToxicEnvelope {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  /** The attributes as written in the file (the server fills in defaults). */
  attributes: Record<string, unknown>;
}

/** One fault of a step: a toxic on a proxy from `startMs` to `endMs` (null: until the end of the run). */
export interface PlanFault {
  proxy: string;
  toxic: ToxicEnvelope;
  startMs: number;
  endMs: number | null;
}

/** What an action step does, or a monkey drew: a proxy action, a process fault, or a command. */
export type StepAction = Action | ({ type: 'exec' } & ExecBody);

/**
 * One action of a step at `startMs`. A held one (a `disable`, a process `pause`, an `exec` with a
 * `rollback`) is undone at `endMs`, or in the rollback when that is null.
 */
export interface PlanAction {
  action: StepAction;
  /** What it does, for people (`disable db`, `process pause pid_file=/run/app.pid`). */
  label: string;
  startMs: number;
  endMs: number | null;
}

/** A step placed on the time axis. */
export interface PlanStep {
  index: number;
  kind: StepKind;
  /** The step's `name`, when it has one. */
  name?: string;
  /** What the step does, for people. */
  label: string;
  startMs: number;
  /** When the step is over for `after`: start + its `for`, `over`, `wait` (or the start, for instants). */
  endMs: number;
  /** The toxics it applies (a monkey: one per toxic injection). */
  faults: PlanFault[];
  /** The actions it runs: an action or exec step's own, a monkey's action injections. */
  actions?: PlanAction[];
}

/** What a probe checks. */
export type ProbeCheck =
  | {
      kind: 'http';
      url: string;
      method: string;
      headers: Record<string, string>;
      body?: string;
      /** Accepted status codes; null: any 2xx. */
      status: number[] | null;
      match?: string;
      timeoutMs: number;
    }
  | { kind: 'tcp'; address: string; timeoutMs: number }
  | { kind: 'exec'; command: string | string[]; timeoutMs: number };

/** A probe with its timing resolved. */
export interface PlanProbe {
  name: string;
  mode: ProbeMode;
  intervalMs: number;
  failAfter: number;
  abortOnFailure: boolean;
  check: ProbeCheck;
  /** What it checks, for people (`GET http://…`, `tcp 127.0.0.1:80`). */
  label: string;
}

/** One thing the runner does at a moment of the run. */
export type PlanOp =
  | { op: 'begin'; atMs: number; step: number }
  | { op: 'end'; atMs: number; step: number }
  | { op: 'add-toxic'; atMs: number; step: number; fault: number }
  | { op: 'update-toxic'; atMs: number; step: number; fault: number; attributes: Record<string, unknown> }
  | { op: 'remove-toxic'; atMs: number; step: number; fault: number }
  | { op: 'action'; atMs: number; step: number; action: number }
  | { op: 'revert-action'; atMs: number; step: number; action: number };

/** A resolved scenario: everything the runner and `--dry-run` need. */
export interface Plan {
  name: string;
  description?: string;
  seed: string;
  /** Factor applied to every time on the axis (1: as written). */
  timeScale: number;
  /** When the timeline is over and the rollback starts. */
  durationMs: number;
  /** Extra lease on faults held until the end (see {@link END_LEASE_GRACE_MS}). */
  leaseGraceMs: number;
  rollback: 'always' | 'never';
  proxies: ScenarioProxy[];
  probes: PlanProbe[];
  steps: PlanStep[];
  /** Every operation, in the order the runner performs them. */
  ops: PlanOp[];
}

/** A mistake found while resolving, at a path of the file. */
export interface PlanIssue {
  path: ValuePath;
  message: string;
  /** Point at the key rather than the value (unknown keys). */
  key?: boolean;
}

/** The scenario cannot be resolved; `issues` says where and why. */
export class PlanError extends Error {
  override readonly name = 'PlanError';

  constructor(readonly issues: readonly PlanIssue[]) {
    super(issues.map((i) => i.message).join('; '));
  }
}

/** Options for {@link resolvePlan}. */
export interface PlanOptions {
  seed: string;
  /** Multiplies every duration on the time axis and every probe interval (default 1). */
  timeScale?: number;
}
