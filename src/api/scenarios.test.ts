/**
 * `/scenarios` on a real server: a run started over the API goes through the server's own admin
 * API, shows its journal while it runs, can be aborted (its rollback done when the answer comes),
 * and bad scenarios get the API's JSON errors with located issues.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, AdminClientError, type ScenarioRunJson } from './client.js';
import { startServer, type RunningServer } from '../server.js';
import { startEchoServer, waitFor, type TestServer } from '../testing/net.js';

let server: RunningServer;
let echo: TestServer;
let admin: AdminClient;

beforeAll(async () => {
  [server, echo] = await Promise.all([startServer({ port: 0, seed: 1, metrics: false }), startEchoServer()]);
  admin = new AdminClient(server.url);
});

afterAll(async () => {
  await server.close();
  await echo.close();
});

const scenario = (name: string, steps: string) => `version: 1
name: ${name}
proxies:
  - name: ${name}
    upstream: ${'${UP:-'}127.0.0.1:${'PORT'}}
steps:
${steps}`;

function yaml(name: string, steps: string): string {
  return scenario(name, steps).replace('${UP:-127.0.0.1:PORT}', `127.0.0.1:${echo.port}`);
}

async function finished(id: string): Promise<ScenarioRunJson> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const run = await admin.scenario(id);
    if (run.status === 'finished') return run;
    if (Date.now() > deadline) throw new Error(`scenario ${id} did not finish: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('/scenarios', () => {
  it('runs a scenario on the server and keeps its journal', async () => {
    const started = await admin.startScenario(
      yaml('api-pass', '  - toxic: { proxy: api-pass, type: latency, attributes: { latency: 5 } }\n    for: 200ms\n'),
    );
    expect(started).toMatchObject({ name: 'api-pass', status: 'running', verdict: null, planned_duration_ms: 200 });
    // Seen while applied (the run is short): the toxic came with a lease.
    let leased = 0;
    await waitFor(
      () => {
        const proxy = server.registry.get('api-pass');
        if (proxy?.toxics.length !== 1) return false;
        leased = proxy.leasedToxics;
        return true;
      },
      10_000,
      'toxic applied through the API',
    );
    expect(leased).toBe(1);
    expect((await admin.scenarios()).map((r) => r.id)).toContain(started.id);
    const done = await finished(started.id);
    expect(done.verdict).toBe('passed');
    const journal = done.journal as { steps: Array<{ faults: Array<{ reverted_by: string }> }>; targets: string[] };
    expect(journal.steps[0]?.faults[0]?.reverted_by).toMatch(/^(runner|lease)$/);
    expect(journal.targets).toEqual([server.url]);
    expect(server.registry.get('api-pass')).toBeUndefined();
  });

  it('DELETE aborts a run and answers once everything is rolled back', async () => {
    const started = await admin.startScenario(yaml('api-abort', '  - toxic: { proxy: api-abort, type: latency }\n  - wait: 1m\n'));
    await waitFor(() => (server.registry.get('api-abort')?.toxics.length ?? 0) === 1, 10_000, 'toxic applied');
    const aborted = await admin.abortScenario(started.id);
    expect(aborted).toMatchObject({ status: 'finished', verdict: 'aborted' });
    expect(aborted.journal).toMatchObject({ cause: 'request', reason: `aborted by DELETE /scenarios/${started.id}` });
    expect(server.registry.get('api-abort')).toBeUndefined();
    // Aborting again is harmless.
    expect((await admin.abortScenario(started.id)).verdict).toBe('aborted');
  });

  it('rejects an invalid scenario with 400 and every mistake located', async () => {
    const res = await fetch(`${server.url}/scenarios`, {
      method: 'POST',
      body: 'version: 1\nname: bad\nsteps:\n  - at: 5 seconds\n    wait: 1s\n  - toxic: { proxy: nope, type: latency }\n',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; status: number; code: string; issues: string[] };
    expect(body.code).toBe('SCENARIO_INVALID');
    expect(body.status).toBe(400);
    expect(body.issues).toEqual([
      'scenario:4:9: steps[0].at: bad duration "5 seconds": write a number with a unit, like 250ms, 5s, 1m30s or 2h',
      'scenario:6:21: steps[1].toxic.proxy: unknown proxy "nope": declare it under proxies (declared: none)',
    ]);
    expect(body.error).toBe(body.issues.join('\n'));
  });

  it('refuses exec probes, process faults, exec steps and unset environment references (the server runs them, not the caller)', async () => {
    const exec = `version: 1\nname: x\nprobes:\n  - name: p\n    exec: { command: "true" }\nsteps:\n  - wait: 1s\n`;
    await expect(admin.startScenario(exec)).rejects.toMatchObject({ status: 400, code: 'SCENARIO_INVALID' });
    // Process faults and exec steps act on the machine that runs them: never the server's.
    const local = `version: 1\nname: x\nsteps:\n  - action: { type: process, fault: pause, pid: 1234 }\n    for: 1s\n  - exec: { command: "true" }\n`;
    const before = (await admin.scenarios()).length;
    const refused = (await admin.startScenario(local).catch((e: unknown) => e)) as AdminClientError;
    expect(refused).toMatchObject({ status: 400, code: 'SCENARIO_INVALID' });
    expect(refused.message).toContain(
      'scenario:4:13: steps[0].action: a process action is not accepted here: it acts on the machine that runs the scenario (run it with faultline run FILE)',
    );
    expect(refused.message).toContain('scenario:6:11: steps[1].exec: an exec step is not accepted here');
    expect((await admin.scenarios()).length).toBe(before);
    const env = scenario('env', '  - wait: 1s\n').replace('${UP:-127.0.0.1:PORT}', '${HOME}');
    await expect(admin.startScenario(env)).rejects.toThrow(/environment variable HOME is not set/);
  });

  it('answers 404 for an unknown run and 400 for an empty body', async () => {
    for (const call of [() => admin.scenario('nope'), () => admin.abortScenario('nope')]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AdminClientError);
      expect(err).toMatchObject({ status: 404, code: 'SCENARIO_NOT_FOUND', message: 'HTTP 404: scenario not found' });
    }
    const res = await fetch(`${server.url}/scenarios`, { method: 'POST' });
    expect(await res.json()).toEqual({
      error: 'bad request body: expected a scenario in YAML or JSON, got an empty body',
      status: 400,
      code: 'BAD_REQUEST_BODY',
    });
  });

  it('rolls back the runs still going when the server closes', async () => {
    const other = await startServer({ port: 0, metrics: false });
    const client = new AdminClient(other.url);
    const started = await client.startScenario(yaml('closing', '  - toxic: { proxy: closing, type: latency }\n  - wait: 1m\n'));
    await waitFor(() => (other.registry.get('closing')?.toxics.length ?? 0) === 1, 10_000, 'toxic applied');
    const removed: string[] = [];
    other.registry.on((e) => {
      if (e.type === 'toxic.removed' || e.type === 'proxy.removed') removed.push(e.type);
    });
    await other.close();
    expect(removed.slice(0, 2)).toEqual(['toxic.removed', 'proxy.removed']);
    expect(started.status).toBe('running');
  });
});
