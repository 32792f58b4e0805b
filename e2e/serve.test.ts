/**
 * `faultline serve` as a process: Toxiproxy's server command lines, config files with toxics,
 * startup errors, and clean shutdown on SIGINT / SIGTERM.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startFaultline } from './helpers/faultline.js';
import { api } from './helpers/http.js';
import { canConnect, freePort, startServer } from './helpers/net.js';
import { inNamespaceOf, NETNS } from './helpers/netns.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-serve-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('faultline serve', () => {
  it("runs Toxiproxy's server argv as is: -host=… -port N -config FILE -seed N -proxy-metrics -runtime-metrics", async () => {
    const proxyPort = await freePort();
    // testcontainers-go writes an indented JSON array like this one.
    const config = await file(
      'tc-toxiproxy.json',
      JSON.stringify([{ name: 'redis', listen: `127.0.0.1:${proxyPort}`, upstream: 'redis:6379', enabled: true }], null, '\t'),
    );
    const server = await startFaultline([
      '-host=127.0.0.1',
      '-port',
      '0',
      `-config=${config}`,
      '-seed',
      '42',
      '-proxy-metrics',
      '-runtime-metrics',
    ]);
    try {
      const b = api(server.url);
      expect((await b.get('/proxies')).json).toEqual({
        redis: { name: 'redis', listen: `127.0.0.1:${proxyPort}`, upstream: 'redis:6379', enabled: true, toxics: [] },
      });
      expect(await canConnect(proxyPort)).toBe(true);
      const metrics = await b.get('/metrics');
      expect(metrics.text).toContain(
        `toxiproxy_proxy_received_bytes_total{direction="upstream",listener="127.0.0.1:${proxyPort}",proxy="redis",upstream="redis:6379"} 0\n`,
      );
      expect(metrics.text).toContain('process_cpu_seconds_total');
      expect(server.logs.find((l) => l['msg'] === 'admin API listening')?.['seed']).toBe('42');
    } finally {
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('with no arguments serves as a bare toxiproxy-server does: the API on localhost:8474, no proxies, a hint on stderr', async () => {
    // A network namespace of its own, so port 8474 is free whatever else runs on the machine.
    const server = await startFaultline([], { wrap: NETNS });
    try {
      expect(server.logs.find((l) => l['msg'] === 'admin API listening')).toMatchObject({ host: '127.0.0.1', port: 8474, proxies: 0 });
      expect(server.stderr()).toBe(
        "faultline: no command given, serving the admin API as toxiproxy-server does ('faultline --help' lists the commands)\n",
      );
      const curl = (path: string) => inNamespaceOf(server.child.pid, ['curl', '-sS', `http://localhost:8474${path}`]);
      expect(await curl('/version')).toEqual({ code: 0, stdout: '{"version": "2.12.0"}\n' });
      expect(await curl('/proxies')).toEqual({ code: 0, stdout: '{}' });
    } finally {
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: faultline <command> \[options\]\n/);
  });

  it('runs serve for two-dash server flags too (--port 0 without naming serve)', async () => {
    const server = await startFaultline(['--host=127.0.0.1', '--port', '0']);
    try {
      expect((await api(server.url).get('/version')).status).toBe(200);
    } finally {
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('prints the version for -version and --version', async () => {
    for (const flag of ['-version', '--version']) {
      const out = await runCli([flag]);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^faultline version \d+\.\d+\.\d+\S* \(Toxiproxy API 2\.\d+\.\d+\)\n$/);
    }
  });

  it('applies proxies and their toxics from a YAML config at startup', async () => {
    const config = await file(
      'with-toxics.yaml',
      [
        'server:',
        '  log_level: warn',
        'proxies:',
        '  - name: db',
        '    listen: 127.0.0.1:0',
        '    upstream: 127.0.0.1:5432',
        '    toxics:',
        '      - type: latency',
        '        attributes: { latency: 250, jitter: 5 }',
        '      - name: trickle',
        '        type: bandwidth',
        '        stream: upstream',
        '        toxicity: 0.5',
        '        attributes: { rate: 100 }',
        '  - name: off',
        '    listen: 127.0.0.1:0',
        '    upstream: 127.0.0.1:1',
        '    enabled: false',
      ].join('\n'),
    );
    const server = await startFaultline(['serve', '--port', '0', '--config', config, '--log-level', 'info']);
    try {
      const proxies = (await api(server.url).get('/proxies')).json as Record<string, { enabled: boolean; toxics: unknown[] }>;
      expect(proxies['off']?.enabled).toBe(false);
      expect(proxies['db']?.toxics).toEqual([
        { attributes: { rate: 100 }, name: 'trickle', type: 'bandwidth', stream: 'upstream', toxicity: 0.5 },
        { attributes: { latency: 250, jitter: 5 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 },
      ]);
    } finally {
      expect(await server.stop('SIGINT')).toEqual({ code: 0, signal: null });
    }
  });

  it('stops at startup on a bad config, naming file:line and the path of the bad value', async () => {
    const config = await file(
      'bad.yaml',
      'proxies:\n  - name: a\n    upstream: 127.0.0.1:1\n    toxics:\n      - type: latency\n        attributes:\n          latency: -5\n',
    );
    const out = await runCli(['serve', '--port', '0', '--config', config]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${config}:7:20: proxies[0].toxics[0].attributes.latency: must be 0 or more (ms), got -5`);
  });

  it('reads a .json config as strict JSON, as Toxiproxy does: a trailing comma stops startup with line:column', async () => {
    const config = await file('trailing.json', '[\n  {"name": "a", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:1"},\n]\n');
    const out = await runCli(['-port', '0', `-config=${config}`]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`faultline: invalid configuration:\n  ${config}:2:68: trailing comma before "]"\n`);
  });

  it('stops at startup when a configured proxy cannot bind, and when the API port is taken', async () => {
    const busy = await startServer(() => undefined);
    try {
      const config = await file('busy.yaml', `proxies:\n  - name: a\n    listen: 127.0.0.1:${busy.port}\n    upstream: 127.0.0.1:1\n`);
      const proxyFail = await runCli(['serve', '--port', '0', '--config', config]);
      expect(proxyFail.code).toBe(1);
      expect(proxyFail.stderr).toContain(`proxy "a": listen tcp 127.0.0.1:${busy.port}: bind: address already in use`);
      const apiFail = await runCli(['serve', '--port', String(busy.port)]);
      expect(apiFail.code).toBe(1);
      expect(apiFail.stderr).toContain(`listen tcp 127.0.0.1:${busy.port}: bind: address already in use`);
    } finally {
      await busy.close();
    }
  });

  it('rejects unknown flags with usage and exit code 2, like Go’s flag package', async () => {
    const out = await runCli(['-bogus']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Usage: faultline serve');
    expect(out.stderr).toMatch(/^faultline serve: unknown flag --bogus\n/);
    const badPort = await runCli(['serve', '--port', 'abc']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toBe(
      `faultline serve: flag --port: server.port: expected a whole number, got "abc"\nRun 'faultline serve --help' for usage.\n`,
    );
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('reads settings from FAULTLINE_* environment variables, flags winning', async () => {
    const server = await startFaultline(['serve', '--port', '0'], { env: { FAULTLINE_PORT: '1', FAULTLINE_SEED: '99' } });
    try {
      expect(server.port).not.toBe(1);
      expect(server.logs.find((l) => l['msg'] === 'admin API listening')?.['seed']).toBe('99');
    } finally {
      await server.stop();
    }
  });
});
