/**
 * A killed runner leaves nothing behind for long: every change a scenario makes on a server is
 * leased there — a proxy it disables, a proxy whose settings it changes, a proxy it creates, a
 * toxic it adds — and the server puts each back by itself when the lease runs out. The runner is
 * SIGKILLed in the middle of the timeline, so only the server's leases can do it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../src/api/client.js';
import { startEchoServer, type TestServer } from '../src/testing/net.js';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { eventually, scratchDir, spawnCli } from './helpers/scenario-run.js';

let server: FaultlineProcess;
let echo: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let admin: AdminClient;

beforeAll(async () => {
  [server, echo, scratch] = await Promise.all([startFaultline(), startEchoServer(), scratchDir()]);
  admin = new AdminClient(server.url);
});

afterAll(async () => {
  await server?.stop();
  await echo?.close();
  await scratch?.cleanup();
});

describe('a SIGKILLed runner', () => {
  it('leaves its disable, its update_proxy, the proxy it created and its toxic to the server, which reverts each', async () => {
    const stay = await admin.createProxy({ name: 'stay', listen: '127.0.0.1:0', upstream: echo.address });
    const moved = await admin.createProxy({ name: 'moved', listen: '127.0.0.1:0', upstream: echo.address });
    const file = await scratch.file(
      'killed.yaml',
      `version: 1
name: killed
proxies:
  - name: stay
  - name: moved
  - name: fresh
    upstream: ${echo.address}
steps:
  - action: { type: disable, proxy: stay }
  - action: { type: update_proxy, proxy: moved, upstream: "127.0.0.1:9" }
  - toxic: { proxy: stay, name: slow, type: latency, attributes: { latency: 5 } }
  - wait: 5s
`,
    );
    const runner = spawnCli(['run', file, '--target', server.url], { timeoutMs: 60_000 });
    await eventually(
      async () => {
        const proxies = await admin.proxies();
        return (
          proxies['stay']?.enabled === false &&
          proxies['moved']?.upstream === '127.0.0.1:9' &&
          proxies['fresh'] !== undefined &&
          proxies['stay']?.toxics.length === 1
        );
      },
      15_000,
      'every change of the scenario in place',
    );
    runner.child.kill('SIGKILL');
    expect((await runner.exited).signal).toBe('SIGKILL');

    // Each change carries its lease: the end of the timeline plus 30 s of grace.
    const proxies = await admin.proxies();
    for (const name of ['stay', 'moved', 'fresh']) expect(proxies[name]?.expires_in, name).toBeGreaterThan(0);
    expect(proxies['stay']?.toxics[0]?.expires_in).toBeGreaterThan(0);

    await eventually(
      async () => {
        const now = await admin.proxies();
        return (
          now['stay']?.enabled === true &&
          now['moved']?.upstream === echo.address &&
          now['fresh'] === undefined &&
          now['stay']?.toxics.length === 0
        );
      },
      50_000,
      'the server to revert every change',
    );
    const after = await admin.proxies();
    expect(after['stay']).toEqual({ ...stay, toxics: [] });
    expect(after['moved']).toEqual(moved);
  }, 90_000);
});
