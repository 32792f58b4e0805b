/**
 * A fleet of three `faultline serve` on 127.0.0.2, 127.0.0.3 and 127.0.0.4, driven by one
 * `faultline run`: discovery through a name that resolves to the three, per-target proxy addresses
 * (`${TARGET_HOST}`), and one target killed mid-run — policy `all` aborts and rolls back the other
 * two, `any` goes on — with the journal's per-target records. The fleet lives in a network and
 * mount namespace of its own (`unshare -n -m`) whose /etc/hosts names `fleet.test`, so the system
 * resolver finds it as a headless Service's DNS name would be found. Where namespaces cannot be
 * made (not root, no unshare), the same runs go through a `--targets` file on the host's loopback,
 * and discovery is left to the stub resolver's unit test (src/cli/target-specs.test.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journal } from '../src/scenario/journal.js';
import { CLI, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { freePort } from './helpers/net.js';
import { eventually, scratchDir } from './helpers/scenario-run.js';

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const NAME = 'fleet.test';
/** The port the backends listen on, behind each target's proxy. */
const BACKEND_PORT = 7000;

let scratch: Awaited<ReturnType<typeof scratchDir>>;
/** The process holding the namespace (null: running on the host's loopback). */
let holder: ChildProcess | null = null;
/** Runs a command in the fleet's namespace (empty on the host). */
let enter: string[] = [];
let why = '';
let adminPort = 8474;
let backends: ChildProcess | undefined;
let hostsFile = '';

/** Whether this machine can make a network and mount namespace with its own /etc/hosts. */
function namespaceCapability(hostsFile: string): string | null {
  const probe = spawnSync(
    'unshare',
    ['-n', '-m', 'sh', '-c', `ip link set lo up && mount --bind "$0" /etc/hosts && exec "$1" -e "$2"`, hostsFile, process.execPath, LOOKUP],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (probe.error) return `unshare cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -n -m failed (root and util-linux needed): ${probe.stderr.trim()}`;
  return probe.stdout.trim() === HOSTS.join(',') ? null : `the namespace's resolver found ${probe.stdout.trim() || 'nothing'}`;
}
const LOOKUP = `require('node:dns').lookup('${NAME}',{all:true},(e,a)=>console.log(e?'':a.map(x=>x.address).sort().join(',')))`;

/** Starts a program inside the fleet's namespace (or on the host), its output piped. */
function spawnInFleet(command: string[]): ChildProcess {
  const [program, ...args] = [...enter, ...command];
  return spawn(program ?? process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** An echo server on each host at {@link BACKEND_PORT}: the service each target's proxy fronts. */
async function startBackends(): Promise<ChildProcess> {
  const code = `const net=require('node:net');let n=0;for(const h of process.argv.slice(1))net.createServer(s=>s.pipe(s)).listen(${BACKEND_PORT},h,()=>{if(++n===process.argv.length-1)console.log('ready')})`;
  const child = spawnInFleet([process.execPath, '-e', code, ...HOSTS]);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`backends exited (${String(c)})`)));
  });
  return child;
}

function startTarget(host: string): Promise<FaultlineProcess> {
  return startFaultline(['serve', '--host', host, '--port', String(adminPort)], { wrap: enter });
}

const SCENARIO = `version: 1
name: fleet
seed: 1
proxies:
  - name: cache
    listen: "\${TARGET_HOST}:26379"
    upstream: "\${TARGET_HOST}:${BACKEND_PORT}"
steps:
  - toxic: { proxy: cache, type: latency, attributes: { latency: 10 } }
  - at: 4s
    toxic: { proxy: cache, type: bandwidth, attributes: { rate: 1000 } }
  - wait: 1s
`;

/** Runs the scenario on the fleet with `policy`, SIGKILLing the second target once the first fault is in place. */
async function runKillingOne(policy: string): Promise<{ code: number | null; stdout: string; journal: Journal; leftovers: unknown[] }> {
  const targets = await Promise.all(HOSTS.map(startTarget));
  try {
    const file = await scratch.file('fleet.yaml', SCENARIO);
    const journalPath = `${scratch.dir}/journal-${policy}.json`;
    const where = holder ? ['--target', `dns+http://${NAME}:${adminPort}`] : ['--targets', await targetsFile()];
    const runner = spawnInFleet([process.execPath, CLI, 'run', file, ...where, '--fleet-policy', policy, '--journal', journalPath]);
    let stdout = '';
    runner.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
    const killer = setTimeout(() => runner.kill('SIGKILL'), 60_000);
    await eventually(() => stdout.includes('fault applied: latency'), 30_000, 'the first fault');
    await targets[1]?.stop('SIGKILL');
    const code = await exited;
    clearTimeout(killer);
    const survivors = [targets[0], targets[2]] as FaultlineProcess[];
    return { code, stdout, journal: await scratch.journal(journalPath), leftovers: await Promise.all(survivors.map(proxiesOn)) };
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
}

/** A hosts file in which `fleet.test` names `hosts`. */
function hostsText(hosts: readonly string[]): string {
  return `127.0.0.1 localhost\n${hosts.map((h) => `${h} ${NAME}`).join('\n')}\n`;
}

async function targetsFile(): Promise<string> {
  return scratch.file('fleet.txt', `# the fleet on the host's loopback\n${HOSTS.map((h) => `http://${h}:${adminPort}`).join('\n')}\n`);
}

/** The proxies a surviving target still has, read in its namespace (retried: busy cores slow a target). */
async function proxiesOn(target: FaultlineProcess): Promise<Record<string, unknown>> {
  const curl = ['curl', '-sS', '--fail', '--max-time', '10', '--retry', '3', '--retry-all-errors', '--noproxy', '*'];
  const child = spawnInFleet([...curl, `${target.url}/proxies`]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`GET ${target.url}/proxies: curl exited ${String(code)}: ${err}`);
  return JSON.parse(out) as Record<string, unknown>;
}

beforeAll(async () => {
  scratch = await scratchDir();
  hostsFile = await scratch.file('hosts', hostsText(HOSTS));
  const missing = namespaceCapability(hostsFile);
  if (missing === null) {
    holder = spawn('unshare', ['-n', '-m', 'sh', '-c', 'ip link set lo up && mount --bind "$0" /etc/hosts && exec sleep 600', hostsFile], {
      stdio: 'ignore',
    });
    const pid = holder.pid ?? 0;
    enter = ['nsenter', `--net=/proc/${pid}/ns/net`, `--mount=/proc/${pid}/ns/mnt`];
    // The holder has its namespace once its own /etc/hosts names the fleet.
    await eventually(
      () => spawnSync('nsenter', [...enter.slice(1), 'cat', '/etc/hosts'], { encoding: 'utf8' }).stdout?.includes(NAME) === true,
      10_000,
      'the fleet namespace',
    );
  } else {
    why = missing;
    adminPort = await freePort();
    writeFileSync(`${scratch.dir}/why.txt`, why);
  }
  backends = await startBackends();
});

afterAll(async () => {
  backends?.kill('SIGKILL');
  holder?.kill('SIGKILL');
  await scratch?.cleanup();
});

describe('a fleet of three on 127.0.0.2-4', () => {
  it('is found by name (or, without namespaces, read from a --targets file), and --dry-run shows each target', async () => {
    if (!holder) expect(why, 'the reason discovery through a hosts file is not tested here').toMatch(/unshare|resolver/);
    const file = await scratch.file('dry.yaml', SCENARIO);
    const where = holder ? ['--target', `dns+http://${NAME}:${adminPort}`] : ['--targets', await targetsFile()];
    const child = spawnInFleet([process.execPath, CLI, 'run', '--dry-run', file, ...where]);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    for (const [index, host] of HOSTS.entries()) {
      expect(out).toContain(`  #${index} http://${host}:${adminPort}${holder ? ` (dns+http://${NAME}:${adminPort})` : ''}\n`);
      expect(out).toContain(`    TARGET_HOST=${host} TARGET_PORT=${adminPort} TARGET_INDEX=${index}`);
      expect(out).toContain(`    cache: ${host}:26379 → ${host}:${BACKEND_PORT}\n`);
    }
  });

  it('policy all: a target killed mid-run aborts the run, and the other two are rolled back', async () => {
    const { code, stdout, journal, leftovers } = await runKillingOne('all');
    expect(code, stdout).toBe(1);
    expect(journal).toMatchObject({ verdict: 'aborted', cause: 'step' });
    expect(journal.reason).toContain(`http://${HOSTS[1]}:${adminPort}`);
    // Each target's proxy listened on its own address.
    expect(journal.proxies.map((p) => [p.target, p.listen])).toEqual(HOSTS.map((h) => [`http://${h}:${adminPort}`, `${h}:26379`]));
    expect(journal.fleet.targets.map((t) => [t.index, t.status])).toEqual([
      [0, 'active'],
      [1, 'failed'],
      [2, 'active'],
    ]);
    expect(journal.fleet.targets[1]?.error).toMatch(/cannot reach/);
    for (const host of [HOSTS[0], HOSTS[2]]) {
      const rollback = journal.rollback.filter((r) => r.target === `http://${host}:${adminPort}`);
      // The step that met the dead target had reached these two at once: the rollback takes it back too.
      expect(rollback.map((r) => [r.action, r.ok])).toEqual([
        ['remove toxic bandwidth_downstream from proxy cache', true],
        ['remove toxic latency_downstream from proxy cache', true],
        ['delete proxy cache', true],
      ]);
    }
    expect(leftovers, 'proxies left on the two survivors').toEqual([{}, {}]);
    expect(stdout).toContain(`target #1 http://${HOSTS[1]}:${adminPort}`);
  });

  it('policy any: the run goes on with the other two, and the journal says what became of each', async () => {
    const { code, stdout, journal, leftovers } = await runKillingOne('any');
    expect(code, stdout).toBe(0);
    expect(journal.verdict).toBe('passed');
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    expect(journal.fleet).toMatchObject({ policy: 'any' });
    expect(journal.fleet.targets.map((t) => [t.url, t.status, t.changes])).toEqual([
      [`http://${HOSTS[0]}:${adminPort}`, 'active', 3],
      [`http://${HOSTS[1]}:${adminPort}`, 'failed', 2],
      [`http://${HOSTS[2]}:${adminPort}`, 'active', 3],
    ]);
    if (holder) expect(journal.fleet.targets.every((t) => t.source === `dns+http://${NAME}:${adminPort}`)).toBe(true);
    const bandwidth = journal.steps[1]?.faults[0];
    expect(bandwidth?.applied_ms).not.toBeNull();
    expect(leftovers, 'proxies left on the two survivors').toEqual([{}, {}]);
    expect(journal.warnings.some((w) => w.startsWith(`target http://${HOSTS[1]}:${adminPort} failed`))).toBe(true);
  });

  it('looks the name up again before each step: a target that leaves is recorded as vanished, a new one joins', async () => {
    if (!holder) {
      // Discovery needs a name the system resolver answers from a file this test controls: the
      // stub resolver's unit test (src/scenario/fleet.test.ts) covers joining and vanishing instead.
      expect(why, 'the reason the namespace could not be made').toMatch(/unshare|resolver/);
      return;
    }
    const targets = await Promise.all(HOSTS.map(startTarget));
    try {
      // The fleet starts as .2 and .3; halfway, .3 leaves the name and .4 joins it.
      writeFileSync(hostsFile, hostsText(HOSTS.slice(0, 2)));
      const file = await scratch.file('moving.yaml', SCENARIO);
      const journalPath = `${scratch.dir}/journal-moving.json`;
      const runner = spawnInFleet([
        process.execPath,
        CLI,
        'run',
        file,
        '--target',
        `dns+http://${NAME}:${adminPort}`,
        '--journal',
        journalPath,
      ]);
      let stdout = '';
      runner.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
      const killer = setTimeout(() => runner.kill('SIGKILL'), 60_000);
      await eventually(() => stdout.includes('fault applied: latency'), 30_000, 'the first fault');
      writeFileSync(hostsFile, hostsText([HOSTS[0] as string, HOSTS[2] as string]));
      const code = await exited;
      clearTimeout(killer);
      expect(code, stdout).toBe(0);
      const journal = await scratch.journal(journalPath);
      expect(journal.fleet.targets.map((t) => [t.url, t.index, t.status, t.joined_ms === null])).toEqual([
        [`http://${HOSTS[0]}:${adminPort}`, 0, 'active', true],
        [`http://${HOSTS[1]}:${adminPort}`, 1, 'vanished', true],
        [`http://${HOSTS[2]}:${adminPort}`, 2, 'active', false],
      ]);
      // The newcomer got the scenario's proxy at its own address, and the step after it joined.
      expect(journal.proxies.map((p) => p.listen)).toEqual(HOSTS.map((h) => `${h}:26379`));
      expect(stdout).toMatch(/target #2 http:\/\/127\.0\.0\.4:\d+ \(dns\+http:\/\/fleet\.test:\d+\) joined the fleet/);
      expect(stdout).toMatch(/target #1 http:\/\/127\.0\.0\.3:\d+ \(dns\+http:\/\/fleet\.test:\d+\) vanished/);
      const leftovers = await Promise.all(targets.map(proxiesOn));
      // The vanished target still answered, so the rollback cleaned it up too.
      expect(leftovers).toEqual([{}, {}, {}]);
    } finally {
      writeFileSync(hostsFile, hostsText(HOSTS));
      await Promise.all(targets.map((t) => t.stop()));
    }
  });
});
