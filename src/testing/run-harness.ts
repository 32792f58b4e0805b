/**
 * Runs scenarios on a fake clock against in-memory admin APIs, for the runner's tests: a plan from
 * a few lines of YAML, a run driven to its end, the calls it made with their times. Not part of
 * the package.
 * @module
 */
import { FakeClock } from '../core/clock.js';
import type { Journal } from '../scenario/journal.js';
import { parseScenario } from '../scenario/load.js';
import type { ProbeCheck } from '../scenario/plan.js';
import type { CheckOutcome, CheckRunner } from '../scenario/probes.js';
import { ScenarioRun, type RunEvent } from '../scenario/runner.js';
import { FakeAdmin } from './fake-admin.js';

/** The head of every test scenario: its name, seed and one proxy `db`. */
export const HEAD = `version: 1
name: t
seed: 7
proxies:
  - name: db
    upstream: 127.0.0.1:5432
`;

/** The plan of {@link HEAD} followed by `body`. */
export function planOf(body: string) {
  return parseScenario(HEAD + body, { file: 't.yaml' }).plan;
}

/** Lets every pending promise settle (the fakes answer at once). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs `run` to the end, moving the fake clock in `stepMs` steps. */
export async function drive(clock: FakeClock, run: ScenarioRun, stepMs = 10, onTick?: (now: number) => void): Promise<Journal> {
  let result: Journal | undefined;
  void run.run().then((journal) => (result = journal));
  for (let i = 0; i < 100_000 && result === undefined; i++) {
    await settle();
    if (result !== undefined) break;
    if (onTick) {
      onTick(clock.now());
      await settle();
    }
    clock.advance(stepMs);
  }
  if (!result) throw new Error('the run did not finish');
  return result;
}

/** A run of {@link HEAD} + `body` on a fake clock, against `targets` fake admin APIs. */
export function setup(body: string, options: { check?: CheckRunner; targets?: number } = {}) {
  const clock = new FakeClock();
  const admins = Array.from({ length: options.targets ?? 1 }, () => new FakeAdmin(clock));
  const events: RunEvent[] = [];
  const run = new ScenarioRun({
    plan: planOf(body),
    targets: admins.map((client, i) => ({ url: `http://t${i}`, client })),
    clock,
    now: () => 1_700_000_000_000 + clock.now(),
    ...(options.check ? { check: options.check } : {}),
    onEvent: (e) => events.push(e),
  });
  const admin = admins[0] as FakeAdmin;
  return { clock, admin, admins, run, events };
}

/** The calls that change something, with their times. */
export function changes(admin: FakeAdmin): string[] {
  return admin.calls.filter((c) => !/^(version|info|proxies|proxy|toxics|connections) /.test(`${c.call} `)).map((c) => `${c.at} ${c.call}`);
}

/** A check that passes unless `failing(now)` says otherwise, recording when it ran. */
export function scriptedCheck(clock: FakeClock, failing: (now: number, check: ProbeCheck) => boolean, seen: number[] = []): CheckRunner {
  return async (check) => {
    seen.push(clock.now());
    const bad = failing(clock.now(), check);
    return { ok: !bad, ms: 1, detail: bad ? 'HTTP 503 (expected 2xx)' : 'HTTP 200' } satisfies CheckOutcome;
  };
}
