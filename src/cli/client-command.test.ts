import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../api/client.js';
import { startServer, type RunningServer } from '../server.js';
import { run as create } from './commands/create.js';
import { run as inspect } from './commands/inspect.js';
import { run as list } from './commands/list.js';
import { run as toggle } from './commands/toggle.js';
import { run as toxic } from './commands/toxic.js';
import type { CliIo } from './output.js';

interface Captured extends CliIo {
  out: string;
  err: string;
}

function capture(env: Record<string, string | undefined>, tty = false): Captured {
  const io: Captured = {
    out: '',
    err: '',
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
    style: { tty, color: false },
    env,
  };
  return io;
}

let server: RunningServer;
let secured: RunningServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startServer({ port: 0 });
  secured = await startServer({ port: 0, token: 's3cret' });
  env = { FAULTLINE_URL: server.url };
});

afterAll(async () => {
  await server.close();
  await secured.close();
});

describe('client verbs in-process', () => {
  it('shows where a new proxy listens on a terminal', async () => {
    const io = capture(env, true);
    expect(await create(['-l', '127.0.0.1:0', '-u', '127.0.0.1:9', 'term'], io)).toBe(0);
    const { listen } = await new AdminClient(server.url).proxy('term');
    expect(io.out).toBe(`Created new proxy term (${listen} → 127.0.0.1:9)\n`);
    expect(io.err).toBe('');
  });

  it('lists as a table on a terminal and as lines otherwise', async () => {
    const tty = capture(env, true);
    expect(await list([], tty)).toBe(0);
    expect(tty.out).toMatch(
      /^Name +Listen +Upstream +Enabled +Toxics\n=+\nterm +127\.0\.0\.1:\d+ +127\.0\.0\.1:9 +enabled +None\n\nHint: /,
    );
    const lines = capture(env);
    expect(await list([], lines)).toBe(0);
    expect(lines.out).toMatch(/^term\t127\.0\.0\.1:\d+\t127\.0\.0\.1:9\tenabled\t0\n$/);
  });

  it('keeps the toxicity when toxic update changes only an attribute', async () => {
    const client = new AdminClient(server.url);
    await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    expect(await toxic(['add', '-t', 'latency', '--tox', '0.3', '-a', 'latency=10', 'tox'], capture(env))).toBe(0);
    const io = capture(env);
    expect(await toxic(['u', 'tox', '-n', 'latency_downstream', '-a', 'jitter=4'], io)).toBe(0);
    expect(io.out).toBe("Updated toxic 'latency_downstream' on proxy 'tox'\n");
    expect(await client.toxic('tox', 'latency_downstream')).toMatchObject({ toxicity: 0.3, attributes: { latency: 10, jitter: 4 } });
  });

  it('an unknown toxic type is answered with the types the server accepts', async () => {
    const client = new AdminClient(server.url);
    await client.createProxy({ name: 'typo', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    const io = capture(env);
    expect(await toxic(['add', '-t', 'nosuch', 'typo'], io)).toBe(1);
    const [first, second] = io.err.split('\n');
    expect(first).toMatch(/^Failed to add toxic: HTTP 400: .*invalid toxic type/);
    expect(second).toMatch(/^Toxic types on this server: latency, .*bandwidth.*\.$/);
  });

  it("rejects a flag of another toxic subcommand, naming the subcommand's help", async () => {
    const io = capture(env);
    expect(await toxic(['update', '-t', 'latency', '-n', 'x', 'tox'], io)).toBe(2);
    expect(io.err).toBe("faultline toxic update: unknown flag --type\nRun 'faultline toxic update --help' for usage.\n");
  });

  it('shows toxics grouped by direction on a terminal', async () => {
    const io = capture(env, true);
    expect(await inspect(['tox'], io)).toBe(0);
    expect(io.out).toContain('Upstream toxics:\nProxy has no Upstream toxics enabled.\n');
    expect(io.out).toMatch(
      /Downstream toxics:\nName +Type +Toxicity +Attributes\n=+\nlatency_downstream +latency +0\.30 +jitter=4 latency=10\n/,
    );
  });

  it('reports both steps of toggle with the proxy name', async () => {
    const io = capture(env);
    expect(await toggle(['nope'], io)).toBe(1);
    expect(io.err).toBe('Failed to retrieve proxy nope: HTTP 404: proxy not found\n');
  });

  it('tells the user to pass a token when the server requires one', async () => {
    const io = capture({ FAULTLINE_URL: secured.url });
    expect(await list([], io)).toBe(1);
    expect(io.err).toMatch(
      /^Failed to retrieve proxies: HTTP 401: missing bearer token.*\nThe server requires a token: pass --token or set FAULTLINE_TOKEN\.\n$/,
    );
    const withFlag = capture({ FAULTLINE_URL: secured.url });
    expect(await list(['--token', 's3cret'], withFlag)).toBe(0);
    const withEnv = capture({ FAULTLINE_URL: secured.url, FAULTLINE_TOKEN: 's3cret' });
    expect(await list([], withEnv)).toBe(0);
  });
});
