/**
 * The built server's logs: JSON lines by default, human-readable on a terminal, `--log-level`
 * honoured, one line per API change, connections only at debug, and never a line per chunk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { api } from './helpers/http.js';
import { connectTo, freePort, readAll, startEchoServer, waitFor, type TestServer } from './helpers/net.js';

let echo: TestServer;
const children: ChildProcess[] = [];
const servers: FaultlineProcess[] = [];

beforeAll(async () => {
  echo = await startEchoServer();
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.stop()));
  await echo?.close();
});

/** Starts a process and collects its raw stdout. */
function spawnRaw(command: string, args: string[]): { child: ChildProcess; output: () => string } {
  const env = { ...process.env, FAULTLINE_LOG_LEVEL: undefined, LOG_LEVEL: undefined, NO_COLOR: undefined, TERM: 'xterm' };
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

async function serve(level: string): Promise<FaultlineProcess> {
  const server = await startFaultline(['serve', '--port', '0', '--log-level', level]);
  servers.push(server);
  return server;
}

/**
 * Log messages after `from`, once the `expected` number of lines is there (however slow the machine)
 * and the count has then been stable for a moment (so an extra line would show).
 */
async function settledMessages(server: FaultlineProcess, from: number, expected: number): Promise<string[]> {
  await waitFor(() => server.logs.length - from >= expected, 20_000, `${expected} log lines`);
  let count = -1;
  while (count !== server.logs.length) {
    count = server.logs.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return server.logs.slice(from).map((l) => String(l['msg']));
}

describe('logs', () => {
  it('are JSON lines by default, each with level, time, pid and message', async () => {
    const port = await freePort();
    const run = spawnRaw(process.execPath, [CLI, 'serve', '--port', String(port)]);
    await waitFor(() => run.output().includes('admin API listening'), 30_000, 'startup');
    run.child.kill('SIGTERM');
    await new Promise((resolve) => run.child.once('exit', resolve));
    const lines = run.output().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({
        level: expect.any(Number),
        time: expect.any(String),
        pid: run.child.pid,
        msg: expect.any(String),
      });
    }
  });

  it('are human-readable on a terminal', async () => {
    const port = await freePort();
    // `script` gives the server a pseudo-terminal as stdout.
    const run = spawnRaw('script', ['-qfec', `'${process.execPath}' '${CLI}' serve --port ${port}`, '/dev/null']);
    await waitFor(() => run.output().includes('admin API listening'), 30_000, 'startup on a terminal');
    const text = run.output();
    const pid = Number(/INFO.*?\((\d+)\)/.exec(stripVTControlCharacters(text))?.[1]);
    expect(pid).toBeGreaterThan(0);
    // Stop the server itself (its pid is in the line); `script` ends with it.
    process.kill(pid, 'SIGTERM');
    await new Promise((resolve) => run.child.once('exit', resolve));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape that starts a terminal colour is what is looked for.
    expect(text).toMatch(/\x1b\[3\dm/);
    const plain = stripVTControlCharacters(text);
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): admin API listening/m);
    expect(plain.split('\n').some((l) => l.trim().startsWith('{'))).toBe(false);
  });

  it('--log-level error writes nothing while all is well', async () => {
    const port = await freePort();
    const run = spawnRaw(process.execPath, [CLI, 'serve', '--port', String(port), '--log-level', 'error']);
    const base = `http://127.0.0.1:${port}`;
    // Nothing on stdout to wait for: ask until the API answers.
    let up = false;
    const deadline = Date.now() + 30_000;
    while (!up && Date.now() < deadline) {
      up = await fetch(`${base}/version`).then(
        (r) => r.ok,
        () => false,
      );
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(up).toBe(true);
    await api(base).post('/proxies', { name: 'quiet', listen: '127.0.0.1:0', upstream: echo.address });
    run.child.kill('SIGTERM');
    await new Promise((resolve) => run.child.once('exit', resolve));
    expect(run.output()).toBe('');
  });

  it('write one line per API change at info, none for reads, and no connection lines', async () => {
    const server = await serve('info');
    const b = api(server.url);
    const steps: Array<[() => Promise<unknown>, string[]]> = [
      [() => b.post('/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: echo.address, enabled: false }), ['proxy created']],
      [() => b.post('/proxies/p/toxics', { name: 't', type: 'latency', attributes: { latency: 1 } }), ['toxic added']],
      [() => b.patch('/proxies/p/toxics/t', { attributes: { latency: 2 } }), ['toxic updated']],
      [() => b.get('/proxies/p'), []],
      [() => b.delete('/proxies/p/toxics/t'), ['toxic removed']],
      [() => b.patch('/proxies/p', { upstream: '127.0.0.1:9' }), ['proxy updated']],
      [() => b.post('/reset'), ['proxy started', 'proxies reset']],
      [() => b.delete('/proxies/p'), ['proxy stopped', 'proxy removed']],
    ];
    for (const [step, expected] of steps) {
      const from = server.logs.length;
      await step();
      expect(await settledMessages(server, from, expected.length)).toEqual(expected);
    }
    const port = await freePort();
    await b.post('/proxies', { name: 'c', listen: `127.0.0.1:${port}`, upstream: echo.address });
    const from = server.logs.length;
    const socket = await connectTo(port);
    const done = readAll(socket);
    socket.end('hi');
    await done;
    expect(await settledMessages(server, from, 0)).toEqual([]);
  });

  it('write a line per connection at debug, and never one per chunk, even at trace', async () => {
    for (const level of ['debug', 'trace']) {
      const server = await serve(level);
      const port = await freePort();
      const b = api(server.url);
      await b.post('/proxies', { name: 'chatty', listen: `127.0.0.1:${port}`, upstream: echo.address });
      await b.post('/proxies/chatty/toxics', { name: 'slow', type: 'latency', attributes: { latency: 1 } });
      await waitFor(() => server.logs.some((l) => l['msg'] === 'toxic added'), 20_000, 'the toxic added line');
      await settledMessages(server, 0, 0);
      const from = server.logs.length;
      const socket = await connectTo(port);
      const done = readAll(socket);
      // 500 separate writes, each its own chunk through the proxy.
      for (let i = 0; i < 500; i++) {
        socket.write(`chunk ${i};`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.end();
      expect((await done).data.toString()).toContain('chunk 499;');
      expect(await settledMessages(server, from, 2)).toEqual(['connection opened', 'connection closed']);
    }
  });
});
