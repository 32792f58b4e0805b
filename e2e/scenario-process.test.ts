/**
 * Process faults and exec steps with real processes, through the built `faultline run`: a small
 * HTTP server in its own node process is paused with SIGSTOP — its clients time out meanwhile — and
 * resumed at the end of `for`, by the rollback on SIGINT, and by the watchdog when the runner is
 * SIGKILLed (the watchdog then exits); killed with SIGTERM by its exact command line; stopped and
 * started by an exec step and its rollback; and paused by a Chaos Monkey that also takes its proxy
 * down. Every child is cleaned up by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, scratchDir, spawnCli } from './helpers/scenario-run.js';

let scratch: Awaited<ReturnType<typeof scratchDir>>;
const servers: ChildProcess[] = [];

/** The server: answers `ok` to every request, writes its pid file, prints its port. */
const SERVER = `
const { writeFileSync } = require('node:fs');
const server = require('node:http').createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  writeFileSync(process.argv[2], String(process.pid));
  process.stdout.write(server.address().port + '\\n');
});
`;

interface Pausable {
  child: ChildProcess;
  pid: number;
  port: number;
  pidFile: string;
  /** Its exact command line, as the scenario names it. */
  cmdline: string;
}

async function startServer(name: string): Promise<Pausable> {
  const script = await scratch.file(`${name}.js`, SERVER);
  const pidFile = `${scratch.dir}/${name}.pid`;
  const child = spawn(process.execPath, [script, pidFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', () => reject(new Error('the server exited')));
  });
  return { child, pid: child.pid ?? 0, port, pidFile, cmdline: `${process.execPath} ${script} ${pidFile}` };
}

/** `ok`, or `timeout` when no answer comes within `ms`. */
function get(port: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: ms }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

/** True while `pid` is stopped (state `T`); false once it runs or is gone. */
function isStopped(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'T';
  } catch {
    return false;
  }
}

/** The pid of the watchdog of runner `runner`, if one runs. */
function watchdogOf(runner: number): number | undefined {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('faultline-watchdog') && args.includes(String(runner))) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

function scenario(steps: string, head = ''): string {
  return `version: 1\nname: process\nseed: 5\n${head}steps:\n${steps}`;
}

beforeAll(async () => {
  scratch = await scratchDir();
});

afterEach(() => {
  for (const child of servers.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGCONT');
      process.kill(child.pid, 'SIGKILL');
    }
  }
});

afterAll(async () => {
  await scratch?.cleanup();
});

describe('pause', () => {
  it('stops the server for `for` — its clients time out — then resumes it', async () => {
    const server = await startServer('for');
    expect(await get(server.port, 5_000)).toBe('ok');
    const file = await scratch.file(
      'for.yaml',
      scenario(`  - action: { type: process, fault: pause, pid_file: ${server.pidFile} }\n    for: 3s\n  - wait: 500ms\n`),
    );
    const journalPath = `${scratch.dir}/for.json`;
    const runner = spawnCli(['run', file, '--journal', journalPath]);
    await eventually(() => isStopped(server.pid), 30_000, 'the server to be stopped');
    expect(await get(server.port, 300)).toBe('timeout');
    await eventually(() => !isStopped(server.pid), 30_000, 'the server to be resumed');
    const exit = await runner.exited;
    expect(exit.code, exit.stdout + exit.stderr).toBe(0);
    expect(await get(server.port, 5_000)).toBe('ok');
    const journal = await scratch.journal(journalPath);
    expect(journal.steps[0]?.actions?.[0]).toMatchObject({ type: 'process', pid: server.pid, signal: 'SIGSTOP', reverted_by: 'runner' });
    expect(exit.stdout).toContain(`action: process pause pid_file=${server.pidFile} for 3s (pid ${server.pid}, SIGSTOP)`);
  });

  it('is undone by the rollback when the runner gets SIGINT', async () => {
    const server = await startServer('sigint');
    const file = await scratch.file(
      'sigint.yaml',
      scenario(`  - action: { type: process, fault: pause, pid: ${server.pid} }\n  - wait: 1m\n`),
    );
    const journalPath = `${scratch.dir}/sigint.json`;
    const runner = spawnCli(['run', file, '--journal', journalPath]);
    await eventually(() => isStopped(server.pid), 30_000, 'the server to be stopped');
    expect(await get(server.port, 300)).toBe('timeout');
    runner.child.kill('SIGINT');
    const exit = await runner.exited;
    expect(exit.code, exit.stderr).toBe(130);
    expect(isStopped(server.pid)).toBe(false);
    expect(await get(server.port, 5_000)).toBe('ok');
    const journal = await scratch.journal(journalPath);
    expect(journal.rollback).toContainEqual({
      at_ms: expect.any(Number),
      target: 'local',
      action: `resume pid ${server.pid} (SIGCONT)`,
      ok: true,
    });
    expect(journal.steps[0]?.actions?.[0]).toMatchObject({ reverted_by: 'rollback' });
  });

  it('is undone by the watchdog when the runner is SIGKILLed, and the watchdog exits', async () => {
    const server = await startServer('sigkill');
    const file = await scratch.file(
      'sigkill.yaml',
      scenario(`  - action: { type: process, fault: pause, pid: ${server.pid} }\n  - wait: 1m\n`),
    );
    const runner = spawnCli(['run', file]);
    await eventually(() => isStopped(server.pid), 30_000, 'the server to be stopped');
    const watchdog = watchdogOf(runner.child.pid ?? 0);
    expect(watchdog).toBeGreaterThan(0);
    expect(await get(server.port, 300)).toBe('timeout');
    runner.child.kill('SIGKILL');
    expect((await runner.exited).signal).toBe('SIGKILL');
    await eventually(() => !isStopped(server.pid), 30_000, 'the watchdog to resume the server');
    expect(await get(server.port, 5_000)).toBe('ok');
    await eventually(() => watchdogOf(runner.child.pid ?? 0) === undefined, 30_000, 'the watchdog to exit');
  });
});

describe('kill and exec', () => {
  it('kills the server named by its exact command line with SIGTERM', async () => {
    const server = await startServer('kill');
    const exited = new Promise((resolve) => server.child.once('exit', (_code, signal) => resolve(signal)));
    const file = await scratch.file(
      'kill.yaml',
      scenario(`  - action: { type: process, fault: kill, signal: SIGTERM, cmdline: ${JSON.stringify(server.cmdline)} }\n`),
    );
    const exit = await spawnCli(['run', file]).exited;
    expect(exit.code, exit.stdout + exit.stderr).toBe(0);
    expect(await exited).toBe('SIGTERM');
  });

  it('stops the server with an exec step and starts it again with its rollback', async () => {
    const server = await startServer('exec');
    const journalPath = `${scratch.dir}/exec.json`;
    const file = await scratch.file(
      'exec.yaml',
      scenario(`  - exec: { command: "kill -STOP ${server.pid}; echo stopped", rollback: [kill, -CONT, "${server.pid}"], timeout: 10s }
    for: 2s
  - wait: 500ms
`),
    );
    const runner = spawnCli(['run', file, '--journal', journalPath, '--junit', `${scratch.dir}/exec.xml`]);
    await eventually(() => isStopped(server.pid), 30_000, 'the exec step to stop the server');
    expect(await get(server.port, 300)).toBe('timeout');
    await eventually(() => !isStopped(server.pid), 30_000, 'the rollback command to resume it');
    const exit = await runner.exited;
    expect(exit.code, exit.stdout + exit.stderr).toBe(0);
    const action = (await scratch.journal(journalPath)).steps[0]?.actions?.[0];
    expect(action?.command).toMatchObject({ exit_code: 0, output: 'stopped\n', timed_out: false });
    expect(action?.rollback_command).toMatchObject({ exit_code: 0 });
    expect(action).toMatchObject({ reverted_by: 'runner' });
    expect(await readFile(`${scratch.dir}/exec.xml`, 'utf8')).toContain('command: exit code 0');
  });
});

describe('a Chaos Monkey', () => {
  it('pauses the process and takes its proxy down at random, seeded, and leaves both running', async () => {
    const server = await startServer('monkey');
    const journalPath = `${scratch.dir}/monkey.json`;
    const text = scenario(
      `  - monkey:
      proxies: [front]
      interval: { min: 300ms, max: 500ms }
      faults:
        - { action: process, fault: pause, pid_file: ${server.pidFile}, for: 200ms }
        - { action: disable, for: 200ms }
        - { action: kill_connections, close: rst }
    for: 3s
`,
      `proxies:\n  - name: front\n    upstream: 127.0.0.1:${server.port}\n`,
    );
    const file = await scratch.file('monkey.yaml', text);
    const dry = await spawnCli(['run', file, '--dry-run']).exited;
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`process pause pid_file=${server.pidFile} for 200ms`);
    const exit = await spawnCli(['run', file, '--journal', journalPath, '--junit', `${scratch.dir}/monkey.xml`]).exited;
    expect(exit.code, exit.stdout + exit.stderr).toBe(0);
    const journal = await scratch.journal(journalPath);
    const actions = journal.steps[0]?.actions ?? [];
    // The run did what the dry run printed, in the same order.
    const planned = dry.stdout
      .split('\n')
      .map((l) => /^\s+\+\S+\s+((?:process pause|disable|kill_connections) .*)$/.exec(l)?.[1])
      .filter((l) => l !== undefined);
    expect(actions.map((a) => a.label)).toEqual(planned);
    expect(actions.length).toBeGreaterThan(2);
    for (const a of actions) {
      expect(a.applied_ms).not.toBeNull();
      if (a.type !== 'kill_connections') expect(a.reverted_by).toBe('runner');
      if (a.type === 'process') expect(a).toMatchObject({ pid: server.pid, signal: 'SIGSTOP' });
    }
    expect(isStopped(server.pid)).toBe(false);
    expect(await get(server.port, 5_000)).toBe('ok');
    expect(await readFile(`${scratch.dir}/monkey.xml`, 'utf8')).toContain('<system-out>');
  });
});
