/**
 * A scenario run against a real server with a udp proxy: the run creates it with its protocol and
 * idle timeout, adds datagram toxics the server takes as such (a partition drops the datagrams),
 * records the proxy's protocol in the journal, and the rollback removes the toxics and the proxy.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../api/client.js';
import { startServer, type RunningServer } from '../server.js';
import type { Journal } from './journal.js';
import { parseScenario } from './load.js';
import { ScenarioRun, type RunEvent } from './runner.js';

let server: RunningServer;
let admin: AdminClient;
let echo: Socket;
let client: Socket;
let echoAddress: string;
const answers: string[] = [];

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  echo = createSocket('udp4');
  echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  echoAddress = `127.0.0.1:${echo.address().port}`;
  client = createSocket('udp4');
  client.on('message', (msg) => answers.push(msg.toString()));
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  server = await startServer({ port: 0, seed: 1, metrics: false });
  admin = new AdminClient(server.url);
});

afterAll(async () => {
  await server?.close();
  client?.close();
  echo?.close();
});

beforeEach(async () => {
  for (const proxy of server.registry.list()) await server.registry.remove(proxy.name);
  answers.length = 0;
});

/** Starts a run of `text` against the server; `events` collects what it reports. */
function start(text: string): { run: ScenarioRun; done: Promise<Journal>; events: RunEvent[] } {
  const events: RunEvent[] = [];
  const { plan } = parseScenario(text, { file: 'dns.yaml' });
  const run = new ScenarioRun({ plan, targets: [{ url: server.url, client: admin }], onEvent: (e) => events.push(e) });
  return { run, done: run.run(), events };
}

describe('a scenario run with a udp proxy', () => {
  it('creates it, applies datagram toxics the server takes as such, and rolls everything back', async () => {
    const { run, done, events } = start(`version: 1
name: dns
proxies:
  - { name: dns, upstream: "${echoAddress}", protocol: udp, udp_idle_timeout: 5000 }
steps:
  - toxic: { proxy: dns, name: cut, type: partition, stream: upstream }
  - toxic: { proxy: dns, type: latency, attributes: { latency: 1, reorder: true } }
  - wait: 5m
`);
    const applied = () => events.filter((e) => e.type === 'fault' && e.change === 'applied').length;
    await until(() => applied() === 2, 'both faults applied');
    const proxy = (await admin.proxies())['dns'];
    expect(proxy).toMatchObject({ protocol: 'udp', udp_idle_timeout: 5000 });
    // The datagram latency toxic: `reorder` is an attribute only it has.
    expect(proxy?.toxics.find((t) => t.name === 'latency_downstream')?.attributes).toMatchObject({ latency: 1, reorder: true });
    const port = Number(proxy?.listen.split(':').pop());
    client.send('ping', port, '127.0.0.1');
    await until(async () => (await admin.connections('dns'))[0]?.datagrams?.upstream.dropped === 1, 'the datagram dropped');
    expect(answers).toEqual([]);

    run.abort('request', 'seen enough');
    const journal = await done;
    expect(journal.proxies).toEqual([
      { name: 'dns', target: server.url, created: true, kept: false, listen: proxy?.listen, protocol: 'udp' },
    ]);
    expect(journal.steps.flatMap((s) => s.faults).map((f) => [f.toxic, f.type, f.targets, f.reverted_by])).toEqual([
      ['cut', 'partition', 1, 'rollback'],
      ['latency_downstream', 'latency', 1, 'rollback'],
    ]);
    expect(journal.rollback.every((r) => r.ok)).toBe(true);
    expect(await admin.proxies()).toEqual({});
  });

  it('warns when a declared udp proxy exists with another protocol', async () => {
    await admin.createProxy({ name: 'dns', listen: '127.0.0.1:0', upstream: echoAddress });
    const { done } = start(`version: 1
name: dns
proxies:
  - { name: dns, protocol: udp }
steps:
  - wait: 10ms
`);
    const journal = await done;
    expect(journal.verdict).toBe('passed');
    expect(journal.warnings).toEqual([
      `proxy dns on ${server.url} already exists with protocol tcp, not udp as declared; it is used as it is, and its server may refuse the scenario's toxics`,
    ]);
    expect(journal.proxies[0]).not.toHaveProperty('protocol');
  });
});
