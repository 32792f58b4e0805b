/**
 * Steps that act on the runner's own machine — process faults and exec steps: checked before the
 * run with every mistake at once, refused where a scenario does not come from a file on the command
 * line, and run with their results in the journal and JUnit, their undoing always done.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changes, drive, HEAD, settle, setup } from '../testing/run-harness.js';
import type { Journal } from './journal.js';
import { junitXml } from './junit.js';
import { parseScenario, ScenarioError } from './load.js';
import { planText } from './plan-text.js';

let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-local-'));
});

afterAll(() => {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** True once `pid` is stopped (within 5 s). */
async function stopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    if (readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'T') return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

function errorsOf(body: string, allowExec = true): string[] {
  try {
    parseScenario(HEAD + body, { file: 'g.yaml', allowExec });
  } catch (err) {
    if (err instanceof ScenarioError) return [...err.issues];
    throw err;
  }
  return [];
}

describe('checking before the run', () => {
  it('reports every mistake of process faults and exec steps at once, with file:line', () => {
    const lines = errorsOf(`steps:
  - action: { type: process, fault: pause }
    for: 1s
  - action: { type: process, fault: pause, pid: 12, signal: SIGKILL }
  - action: { type: process, fault: kill, pid_file: ${dir}/none.pid }
  - action: { type: reset, proxy: db }
    for: 1s
  - exec: { command: "true" }
    for: 2s
  - monkey:
      proxies: [db]
      interval: { min: 1s, max: 2s }
      faults:
        - { action: process, fault: pause, cmdline: "x" }
        - { action: explode }
    for: 5s
`);
    expect(lines).toEqual([
      'g.yaml:8:13: steps[0].action: a process action names its process with one of pid, pid_file or cmdline',
      'g.yaml:10:61: steps[1].action.signal: pause sends SIGSTOP, then SIGCONT: signal is for kill',
      'g.yaml:20:11: steps[5].monkey.faults[0].for: a pause needs for: how long the process stays stopped',
      'g.yaml:21:21: steps[5].monkey.faults[1].action: unknown action "explode" (one of: disable, kill_connections, process)',
      'g.yaml:13:10: steps[3].for: reset is instant: for is for disable and process pause',
      'g.yaml:15:10: steps[4].for: for says when to run the rollback command: give exec a rollback',
      `g.yaml:11:53: steps[2].action.pid_file: pid file ${dir}/none.pid: no such file`,
    ]);
  });

  it('refuses them where the scenario does not come from a file on the command line', () => {
    expect(
      errorsOf(
        `steps:
  - action: { type: process, fault: pause, pid: 12 }
  - exec: { command: [touch, /tmp/x] }
  - monkey:
      proxies: [db]
      interval: { min: 1s, max: 2s }
      faults:
        - { action: process, fault: kill, pid: 12 }
    for: 5s
`,
        false,
      ),
    ).toEqual([
      'g.yaml:8:13: steps[0].action: a process action is not accepted here: it acts on the machine that runs the scenario (run it with faultline run FILE)',
      'g.yaml:9:11: steps[1].exec: an exec step is not accepted here: it acts on the machine that runs the scenario (run it with faultline run FILE)',
      'g.yaml:14:11: steps[2].monkey.faults[0]: a process fault is not accepted here: it acts on the machine that runs the scenario (run it with faultline run FILE)',
    ]);
  });

  it('prints them in the dry run, with what undoes them', () => {
    const { plan } = parseScenario(
      `${HEAD}steps:
  - action: { type: process, fault: pause, cmdline: [redis-server, "*:6379"] }
    for: 2s
  - action: { type: process, fault: kill, signal: SIGKILL, pid: 4242 }
  - exec: { command: "systemctl stop app", rollback: [systemctl, start, app] }
    for: 1s
`,
      { file: 'g.yaml' },
    );
    expect(planText(plan)).toContain(`timeline:
  +0s      step 1: process pause cmdline="redis-server *:6379" for 2s
  +0s        process pause cmdline="redis-server *:6379" for 2s
  +2s        resume cmdline="redis-server *:6379" (SIGCONT)
  +2s      step 2: process kill SIGKILL pid=4242
  +2s      step 3: exec systemctl stop app (rollback: systemctl start app) for 1s
  +2s        process kill SIGKILL pid=4242
  +2s        exec systemctl stop app (rollback: systemctl start app) for 1s
  +3s        run rollback systemctl start app
  +3s      end:`);
  });
});

describe('running them', () => {
  it('pauses a process for its time and always resumes it, kills another, and records both', async () => {
    const paused = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    const killed = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    children.push(paused, killed);
    const pidFile = join(dir, 'paused.pid');
    writeFileSync(pidFile, String(paused.pid));
    const states: boolean[] = [];
    const { clock, run } = setup(`steps:
  - action: { type: process, fault: pause, pid_file: ${pidFile} }
    for: 500ms
  - action: { type: process, fault: kill, pid: ${killed.pid} }
  - action: { type: process, fault: pause, pid_file: ${pidFile} }
  - wait: 500ms
`);
    const exited = new Promise((resolve) => killed.once('exit', (_code, signal) => resolve(signal)));
    // The clock stops while the state is read: a signal takes effect a moment after it is sent.
    let result: Journal | undefined;
    void run.run().then((journal) => (result = journal));
    while (result === undefined) {
      await settle();
      if (clock.now() === 250 || clock.now() === 600) states.push(await stopped(paused.pid ?? 0));
      clock.advance(10);
    }
    const journal = result;
    expect(states).toEqual([true, true]);
    expect(await exited).toBe('SIGTERM');
    expect(readFileSync(`/proc/${paused.pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]).not.toBe('T');
    const [first, kill, second] = journal.steps.map((s) => s.actions?.[0]);
    expect(first).toMatchObject({
      type: 'process',
      pid: paused.pid,
      signal: 'SIGSTOP',
      applied_ms: 0,
      reverted_ms: 500,
      reverted_by: 'runner',
    });
    expect(kill).toMatchObject({ type: 'process', pid: killed.pid, signal: 'SIGTERM', applied_ms: 500, reverted_ms: null });
    expect(second).toMatchObject({ pid: paused.pid, reverted_by: 'rollback' });
    expect(journal.rollback).toContainEqual(
      expect.objectContaining({ target: 'local', action: `resume pid ${paused.pid} (SIGCONT)`, ok: true }),
    );
    expect(journal.verdict).toBe('passed');
  });

  it('resumes a paused process and ends a held disable on time with rollback: never too', async () => {
    const paused = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    children.push(paused);
    const { clock, admin, run } = setup(`rollback: never
steps:
  - action: { type: disable, proxy: db }
    for: 300ms
  - action: { type: process, fault: pause, pid: ${paused.pid} }
  - wait: 200ms
`);
    const journal = await drive(clock, run);
    expect(changes(admin)).toEqual([
      '0 createProxy db',
      '0 updateProxy db {"enabled":false,"expires_in":300}',
      '300 updateProxy db {"enabled":true}',
    ]);
    expect(readFileSync(`/proc/${paused.pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]).not.toBe('T');
    expect(journal.steps[1]?.actions?.[0]).toMatchObject({ reverted_by: 'rollback' });
    expect(journal.verdict).toBe('passed');
  });

  it('runs a command and its rollback, recording exit codes and bounded output', async () => {
    const marker = join(dir, 'marker');
    const { clock, run } = setup(`steps:
  - exec: { command: "echo stopping; touch ${marker}", rollback: [rm, ${marker}] }
    for: 200ms
  - exec: { command: "yes | head -c 100000; exit 3", rollback: "echo undone" }
`);
    const journal = await drive(clock, run, 10);
    // The rollback removed the file the command made (rm fails on a missing file).
    expect(existsSync(marker)).toBe(false);
    const [first, second] = journal.steps.map((s) => s.actions?.[0]);
    expect(first?.command).toMatchObject({ exit_code: 0, output: 'stopping\n', timed_out: false });
    expect(first?.rollback_command).toMatchObject({ exit_code: 0 });
    expect(first).toMatchObject({ reverted_by: 'runner' });
    expect(second?.command?.exit_code).toBe(3);
    expect(second?.command?.output.length).toBe(4096);
    expect(journal.steps[1]?.status).toBe('failed');
    expect(journal.steps[1]?.error).toMatch(/^yes \| head -c 100000; exit 3: exit code 3: y \| y \| y$/);
    // The command failed, and its rollback still ran.
    expect(second?.rollback_command).toMatchObject({ exit_code: 0, output: 'undone\n' });
    expect(journal.rollback).toContainEqual(expect.objectContaining({ target: 'local', action: 'run echo undone', ok: true }));
    expect(journal.verdict).toBe('aborted');
    const xml = junitXml(journal);
    expect(xml).toContain('command: exit code 0');
    expect(xml).toContain('<failure message="yes | head -c 100000; exit 3: exit code 3');
  });

  it('kills a command at its timeout', async () => {
    const { clock, run } = setup(`steps:
  - exec: { command: [sleep, "5"], timeout: 100ms }
`);
    const journal = await drive(clock, run, 50);
    expect(journal.steps[0]?.actions?.[0]?.command).toMatchObject({ exit_code: null, signal: 'SIGKILL', timed_out: true });
    expect(journal.steps[0]?.error).toBe('sleep 5: timed out after 100ms');
  });
});
