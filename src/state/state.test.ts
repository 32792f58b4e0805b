import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { silentLogger } from '../core/logger.js';
import { StatePersister } from './persister.js';
import { snapshotOf } from './snapshot.js';
import { startServer } from '../server.js';
import { readStateFile, StateFileError, writeStateFile } from './state-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-state-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('state file', () => {
  it('is written atomically: the new text replaces the old, and no temporary file stays', async () => {
    const path = join(dir, 'atomic.json');
    await writeStateFile(path, '{"proxies":[]}\n');
    await writeStateFile(path, '{"proxies":[{"name":"a","upstream":"127.0.0.1:1"}]}\n');
    expect(await readFile(path, 'utf8')).toBe('{"proxies":[{"name":"a","upstream":"127.0.0.1:1"}]}\n');
    expect((await readdir(dir)).filter((f) => f.startsWith('atomic'))).toEqual(['atomic.json']);
  });

  it('never follows a link planted where its temporary file goes', async () => {
    const path = join(dir, 'planted.json');
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious\n');
    // The name a temporary file used to have (fixed: the state path and the pid).
    await symlink(victim, `${path}.${process.pid}.tmp`);
    await writeStateFile(path, '{"proxies":[]}\n');
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(path, 'utf8')).toBe('{"proxies":[]}\n');
    expect((await readdir(dir)).filter((f) => f.startsWith('planted')).sort()).toEqual(['planted.json', `planted.json.${process.pid}.tmp`]);
  });

  it('is refused in a directory other users can write, unless the server is told to accept it', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    const path = join(shared, 'state.json');
    const refused = await startServer({ port: 0, metrics: false, stateFile: path }).catch((err: unknown) => err as Error);
    expect(refused).toMatchObject({ code: 'STATE_INVALID' });
    expect((refused as Error).message).toContain(`its directory ${shared} is writable by other users (mode 777)`);
    const server = await startServer({ port: 0, metrics: false, stateFile: path, allowSharedStateDir: true });
    await server.close();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ proxies: [] });
  });

  it('reads back as proxies with their toxics; a missing file is a first start', async () => {
    const path = join(dir, 'good.json');
    await writeFile(
      path,
      JSON.stringify({
        proxies: [
          {
            name: 'db',
            listen: '127.0.0.1:0',
            upstream: '127.0.0.1:5432',
            enabled: false,
            toxics: [{ name: 'slow', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: { latency: 10 } }],
          },
        ],
      }),
    );
    expect(await readStateFile(path)).toEqual([
      {
        name: 'db',
        listen: '127.0.0.1:0',
        upstream: '127.0.0.1:5432',
        enabled: false,
        protocol: 'tcp',
        toxics: [
          { name: 'slow', type: 'latency', stream: 'upstream', toxicity: 0.5, attributes: expect.objectContaining({ latency: 10 }) },
        ],
      },
    ]);
    expect(await readStateFile(join(dir, 'missing.json'))).toBeUndefined();
  });

  it('reports a corrupt or invalid file with where it is wrong, and leaves it as it was', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['cut.json', '{"proxies":[{"name":"a",', /cut\.json:1:\d+: /],
      ['empty.json', '', /the file is empty/],
      ['array.json', '[]', /expected an object with a "proxies" list/],
      ['bad.json', '{"proxies":[{"name":"a","upstream":"nowhere"}]}', /bad\.json:1:\d+: proxies\[0\]\.upstream: /],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, text);
      const error = await readStateFile(path).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(StateFileError);
      expect((error as StateFileError).code).toBe('STATE_INVALID');
      expect((error as StateFileError).message).toMatch(message);
      expect((error as StateFileError).message).toContain('The file was left as it is');
      expect(await readFile(path, 'utf8')).toBe(text);
    }
  });
});

describe('StatePersister', () => {
  it('fails to start, saying so, when the file cannot be written', async () => {
    const persister = new StatePersister(new ProxyRegistry(), join(dir, 'no-such-dir', 'state.json'), silentLogger);
    await expect(persister.start()).rejects.toMatchObject({
      code: 'STATE_INVALID',
      message: expect.stringContaining('no-such-dir/state.json cannot be written: ENOENT'),
    });
  });

  it('saves every change (latest state wins), leaves leased toxics out, and stops saving once closed', async () => {
    const path = join(dir, 'live.json');
    const registry = new ProxyRegistry();
    const persister = new StatePersister(registry, path, silentLogger);
    try {
      await persister.start();
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ proxies: [] });
      const proxy = await registry.create({ name: 'api', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
      proxy.addToxic({ name: 'cut', type: 'partition', stream: 'UPSTREAM', toxicity: 1 });
      proxy.addToxic({ name: 'brief', type: 'latency', attributes: { latency: 5 } }, { leaseMs: 60_000 });
      await proxy.update({ enabled: false });
      await persister.flush();
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(snapshotOf(registry));
      expect(snapshotOf(registry)).toEqual({
        proxies: [
          {
            name: 'api',
            listen: proxy.listen,
            upstream: '127.0.0.1:9',
            enabled: false,
            toxics: [{ name: 'cut', type: 'partition', stream: 'upstream', toxicity: 1, attributes: { max_stall: 0 } }],
          },
        ],
      });
      expect(proxy.listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      const writes = persister.writes;
      await persister.close();
      await registry.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(persister.writes).toBe(writes);
      expect(JSON.parse(await readFile(path, 'utf8')).proxies).toHaveLength(1);
    } finally {
      await persister.close();
      await registry.close();
    }
  });
});

describe('udp proxies in the state file', () => {
  it('saves a udp proxy with its idle timeout and datagram toxics, and a restart restores them', async () => {
    const path = join(dir, 'udp.json');
    const first = await startServer({ port: 0, metrics: false, stateFile: path });
    const proxy = await first.registry.create({
      name: 'dns',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:53',
      protocol: 'udp',
      udpIdleTimeout: 5000,
    });
    proxy.addToxic({ type: 'latency', attributes: { latency: 40, reorder: true } });
    proxy.addToxic({ type: 'duplicate', stream: 'upstream' });
    await first.close();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { proxies: Array<Record<string, unknown>> };
    expect(saved.proxies[0]).toMatchObject({
      name: 'dns',
      protocol: 'udp',
      udp_idle_timeout: 5000,
      toxics: [
        { name: 'duplicate_upstream', type: 'duplicate', attributes: { rate: 0.01 } },
        { name: 'latency_downstream', type: 'latency', attributes: { latency: 40, reorder: true } },
      ],
    });
    const second = await startServer({ port: 0, metrics: false, stateFile: path });
    try {
      const restored = second.registry.require('dns');
      expect(restored).toMatchObject({ protocol: 'udp', udpIdleTimeout: 5000, listen: proxy.listen });
      expect(restored.toxics.map((t) => [t.name, t.attributes])).toEqual([
        ['duplicate_upstream', { rate: 0.01 }],
        ['latency_downstream', { latency: 40, jitter: 0, distribution: 'uniform', correlation: 0, reorder: true }],
      ]);
    } finally {
      await second.close();
    }
  });
});

describe('http2 proxies in the state file', () => {
  it('saves an http2 proxy with its HTTP and HTTP/2 toxics, and a restart restores them', async () => {
    const path = join(dir, 'http2.json');
    const first = await startServer({ port: 0, metrics: false, stateFile: path });
    const proxy = await first.registry.create({ name: 'grpc', listen: '127.0.0.1:0', upstream: '127.0.0.1:50051', protocol: 'http2' });
    proxy.addToxic({ type: 'http_abort', stream: 'upstream', attributes: { grpc_status: 'UNAVAILABLE', match: { path: '/a.B/*' } } });
    proxy.addToxic({ type: 'http2_goaway', attributes: { after: 5 } });
    await first.close();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { proxies: Array<Record<string, unknown>> };
    expect(saved.proxies[0]).toMatchObject({ name: 'grpc', protocol: 'http2' });
    const second = await startServer({ port: 0, metrics: false, stateFile: path });
    try {
      const restored = second.registry.require('grpc');
      expect(restored).toMatchObject({ protocol: 'http2', listen: proxy.listen });
      expect(restored.toxics.map((t) => [t.type, t.attributes['grpc_status'] ?? t.attributes['after']])).toEqual([
        ['http_abort', 14],
        ['http2_goaway', 5],
      ]);
    } finally {
      await second.close();
    }
  });
});
