import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LoadOptions } from './load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function issuesOf(options: LoadOptions): Promise<string[]> {
  try {
    await loadConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills defaults when there is no file', async () => {
    const { config } = await loadConfig();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8474, log_level: 'info', metrics: true, body_limit: 1048576 });
    expect(config.proxies).toEqual([]);
  });

  it('reads YAML with proxies and their toxics', async () => {
    const path = await file(
      'ok.yaml',
      [
        'server:',
        '  port: 9000',
        'engine:',
        '  seed: 42',
        'proxies:',
        '  - name: redis',
        '    listen: 127.0.0.1:26379',
        '    upstream: 127.0.0.1:6379',
        '    toxics:',
        '      - type: latency',
        '        attributes: { latency: 100 }',
        '      - type: bandwidth',
        '        stream: upstream',
        '        toxicity: 0.5',
        '        attributes: { rate: 10 }',
      ].join('\n'),
    );
    const { config, file: loaded } = await loadConfig({ file: path });
    expect(loaded).toBe(path);
    expect(config.server.port).toBe(9000);
    expect(config.engine.seed).toBe(42);
    expect(config.proxies[0]).toMatchObject({ name: 'redis', enabled: true });
    expect(config.proxies[0]?.toxics).toMatchObject([
      { type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } },
      { type: 'bandwidth', stream: 'upstream', toxicity: 0.5, attributes: { rate: 10 } },
    ]);
  });

  it("accepts Toxiproxy's JSON array config as is", async () => {
    const path = await file(
      'toxiproxy.json',
      '[\n\t{\n\t\t"name": "one",\n\t\t"listen": "0.0.0.0:8666",\n\t\t"upstream": "redis:6379",\n\t\t"enabled": true\n\t},\n\t{"name":"two","upstream":"db:5432"}\n]\n',
    );
    const { config } = await loadConfig({ file: path });
    expect(config.proxies.map((p) => [p.name, p.listen, p.enabled])).toEqual([
      ['one', '0.0.0.0:8666', true],
      ['two', undefined, true],
    ]);
  });

  it('reports an unknown key with file:line:col and its path', async () => {
    const path = await file('unknown.yaml', 'server:\n  port: 1\nproxies:\n  - name: a\n    upstream: x:1\n    lisen: 127.0.0.1:1\n');
    expect(await issuesOf({ file: path })).toEqual([`${path}:6:5: proxies[0].lisen: unknown key "lisen"`]);
  });

  it('reports a bad toxic attribute at its line, with the unit', async () => {
    const path = await file(
      'attr.yaml',
      'proxies:\n  - name: a\n    upstream: x:1\n    toxics:\n      - type: latency\n        attributes:\n          latency: 1.5\n',
    );
    expect(await issuesOf({ file: path })).toEqual([
      `${path}:7:20: proxies[0].toxics[0].attributes.latency: expected a whole number (ms), got 1.5`,
    ]);
  });

  it('reports every problem, each located, including unknown toxic types and attributes', async () => {
    const path = await file(
      'many.yaml',
      [
        'proxies:',
        '  - name: a',
        '    upstream: nope',
        '    toxics:',
        '      - type: lag',
        '      - type: latency',
        '        attributes: { latency: 1, jiter: 2 }',
      ].join('\n'),
    );
    const issues = await issuesOf({ file: path });
    expect(issues).toHaveLength(3);
    expect(issues[0]).toBe(`${path}:3:15: proxies[0].upstream: address nope: missing port in address`);
    expect(issues[1]).toMatch(
      new RegExp(`^${path}:5:15: proxies\\[0\\]\\.toxics\\[0\\]\\.type: unknown toxic type "lag" \\(expected one of: latency, `),
    );
    expect(issues[2]).toBe(`${path}:7:35: proxies[0].toxics[1].attributes.jiter: unknown key "jiter"`);
  });

  it('reads udp proxies: udp_idle_timeout, datagram toxics by the proxy’s layer with their defaults, the wrong layer located', async () => {
    const good = await file(
      'udp.yaml',
      [
        'proxies:',
        '  - name: dns',
        '    listen: 127.0.0.1:5353',
        '    upstream: 127.0.0.1:53',
        '    protocol: udp',
        '    udp_idle_timeout: 5000',
        '    toxics:',
        '      - type: latency',
        '        attributes: { latency: 40, reorder: true }',
        '      - type: duplicate',
        '  - name: dns_tcp',
        '    listen: 127.0.0.1:5353',
        '    upstream: 127.0.0.1:53',
        '    toxics: [{ type: latency, attributes: { latency: 40 } }]',
      ].join('\n'),
    );
    const { config } = await loadConfig({ file: good });
    expect(config.proxies[0]).toMatchObject({ protocol: 'udp', udp_idle_timeout: 5000 });
    expect(config.proxies[0]?.toxics.map((t) => t.attributes)).toEqual([
      { latency: 40, jitter: 0, distribution: 'uniform', correlation: 0, reorder: true },
      undefined,
    ]);
    expect(config.proxies[1]?.toxics[0]?.attributes).toEqual({ latency: 40, jitter: 0, distribution: 'uniform', correlation: 0 });
    const bad = await file(
      'udp-bad.yaml',
      [
        'proxies:',
        '  - name: dns',
        '    upstream: 127.0.0.1:53',
        '    protocol: udp',
        '    udp_idle_timeout: 0',
        '    toxics:',
        '      - type: slicer',
        '      - type: latency',
        '        attributes: { latency: 1, max_stall: 2 }',
        '  - name: web',
        '    upstream: 127.0.0.1:80',
        '    toxics: [{ type: reorder }]',
      ].join('\n'),
    );
    expect(await issuesOf({ file: bad })).toEqual([
      `${bad}:5:23: proxies[0].udp_idle_timeout: Too small: expected number to be >=1`,
      `${bad}:7:15: proxies[0].toxics[0].type: toxic type "slicer" works on TCP or HTTP or HTTP/2 proxies only; proxy "dns" has protocol udp`,
      `${bad}:9:35: proxies[0].toxics[1].attributes.max_stall: unknown key "max_stall"`,
      `${bad}:12:22: proxies[1].toxics[0].type: toxic type "reorder" works on UDP proxies only; proxy "web" has protocol tcp`,
    ]);
  });

  it('reports duplicate proxy and toxic names', async () => {
    const path = await file(
      'dupes.yaml',
      'proxies:\n  - name: a\n    upstream: x:1\n    toxics: [{type: noop}, {type: noop}]\n  - name: a\n    upstream: x:2\n',
    );
    expect(await issuesOf({ file: path })).toEqual([
      `${path}:4:28: proxies[0].toxics[1].name: toxic name "noop_downstream" is used twice on proxy "a"`,
      `${path}:5:11: proxies[1].name: proxy name "a" is used twice`,
    ]);
  });

  it('reports positions in Toxiproxy array files without the hidden "proxies" prefix', async () => {
    const path = await file('arr.json', '[\n  {"name": "a", "upstream": "x:1"},\n  {"name": "", "upstream": "x:1"}\n]\n');
    expect(await issuesOf({ file: path })).toEqual([`${path}:3:12: [1].name: Too small: expected string to have >=1 characters`]);
  });

  it('reports YAML syntax errors with file:line:col', async () => {
    const path = await file('syntax.yaml', 'server:\n  port: 1\n  port: 2\n');
    const [issue] = await issuesOf({ file: path });
    expect(issue).toMatch(new RegExp(`^${path}:3:3: Map keys must be unique`));
  });

  it('reads a .json file as strict JSON: a trailing comma is an error at its line and column', async () => {
    const path = await file('trailing.json', '[\n  {"name": "a", "upstream": "x:1"},\n]\n');
    expect(await issuesOf({ file: path })).toEqual([`${path}:2:35: trailing comma before "]"`]);
    const comment = await file('comment.json', '{\n  // a note\n  "proxies": []\n}\n');
    expect(await issuesOf({ file: comment })).toEqual([`${comment}:2:3: comments are not allowed in JSON`]);
    // The same text as YAML is fine: flow collections allow a trailing comma.
    const yaml = await file('trailing.yaml', '[\n  {"name": "a", "upstream": "x:1"},\n]\n');
    expect((await loadConfig({ file: yaml })).config.proxies).toMatchObject([{ name: 'a' }]);
  });

  it('reports an unreadable file', async () => {
    const [issue] = await issuesOf({ file: join(dir, 'missing.yaml') });
    expect(issue).toMatch(/missing\.yaml: cannot read config file: ENOENT/);
  });

  it('layers defaults ← file ← env ← flags', async () => {
    const path = await file('layers.yaml', 'server:\n  host: 0.0.0.0\n  port: 1000\n  log_level: warn\n');
    const env = { FAULTLINE_PORT: '2000', FAULTLINE_TOKEN: 'env-token', FAULTLINE_SEED: '7' };
    const { config } = await loadConfig({ file: path, env, flags: { port: '3000' } });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 3000, token: 'env-token', log_level: 'warn' });
    expect(config.engine.seed).toBe(7);
  });

  it('takes the state file and the connection limit from the file, the environment and flags', async () => {
    const path = await file('limits.yaml', 'server:\n  state: /var/lib/faultline/state.json\nengine:\n  max_connections: 10\n');
    expect((await loadConfig({ file: path })).config).toMatchObject({
      server: { state: '/var/lib/faultline/state.json' },
      engine: { max_connections: 10 },
    });
    const env = { FAULTLINE_STATE: '/tmp/env-state.json', FAULTLINE_MAX_CONNECTIONS: '20' };
    expect((await loadConfig({ file: path, env })).config).toMatchObject({
      server: { state: '/tmp/env-state.json' },
      engine: { max_connections: 20 },
    });
    const flagged = await loadConfig({ file: path, env, flags: { state: 'flag.json', max_connections: '30' } });
    expect(flagged.config).toMatchObject({ server: { state: 'flag.json' }, engine: { max_connections: 30 } });
    expect(await issuesOf({ flags: { max_connections: '-1' } })).toEqual([
      'flag --max-connections: engine.max_connections: Too small: expected number to be >=0',
    ]);
    expect(await issuesOf({ flags: { max_connections: '1.5' } })).toEqual([
      'flag --max-connections: engine.max_connections: expected a whole number, got "1.5"',
    ]);
  });

  it('takes the shared state directory opt-in from the file, the environment and the flag', async () => {
    expect((await loadConfig({})).config.server.allow_shared_state_dir).toBe(false);
    const path = await file('shared.yaml', 'server:\n  allow_shared_state_dir: true\n');
    expect((await loadConfig({ file: path })).config.server.allow_shared_state_dir).toBe(true);
    expect((await loadConfig({ env: { FAULTLINE_ALLOW_SHARED_STATE_DIR: 'true' } })).config.server.allow_shared_state_dir).toBe(true);
    expect((await loadConfig({ file: path, env: { FAULTLINE_ALLOW_SHARED_STATE_DIR: '0' } })).config.server.allow_shared_state_dir).toBe(
      false,
    );
    expect((await loadConfig({ flags: { allow_shared_state_dir: true } })).config.server.allow_shared_state_dir).toBe(true);
  });

  it("maps Toxiproxy's LOG_LEVEL, and only warns about an unknown one", async () => {
    expect((await loadConfig({ env: { LOG_LEVEL: 'panic' } })).config.server.log_level).toBe('fatal');
    const loaded = await loadConfig({ env: { LOG_LEVEL: 'loud' } });
    expect(loaded.config.server.log_level).toBe('info');
    expect(loaded.warnings).toEqual(['unknown LOG_LEVEL value: "loud" (ignored)']);
    expect((await loadConfig({ env: { LOG_LEVEL: 'debug', FAULTLINE_LOG_LEVEL: 'error' } })).config.server.log_level).toBe('error');
  });

  it('names the environment variable or flag that set a bad value', async () => {
    expect(await issuesOf({ env: { FAULTLINE_PORT: 'http' } })).toEqual([
      'environment variable FAULTLINE_PORT: server.port: expected a whole number, got "http"',
    ]);
    expect(await issuesOf({ flags: { port: '99999' } })).toEqual(['flag --port: server.port: Too big: expected number to be <=65535']);
    expect(await issuesOf({ flags: { log_level: 'loud' } })).toHaveLength(1);
  });
});

describe('shipped configs', () => {
  it('every file in configs/ and configs/examples/ is valid', async () => {
    const { readdir } = await import('node:fs/promises');
    const root = new URL('../../configs/', import.meta.url);
    const files = [
      ...(await readdir(root)).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => new URL(f, root)),
      ...(await readdir(new URL('examples/', root))).map((f) => new URL(`examples/${f}`, root)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const url of files) {
      const { config } = await loadConfig({ file: url.pathname });
      expect(config.proxies.length, url.pathname).toBeGreaterThan(0);
    }
  });
});
