/**
 * The registry's Toxiproxy semantics: create checks, populate (validate all, keep unchanged, replace
 * changed, stop at the first failure), reset.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultlineError } from '../errors.js';
import { connectTo, readAll, startEchoServer, startServer, waitFor, type TestServer } from '../testing/net.js';
import type { FaultlineEvent } from './events.js';
import { ProxyRegistry } from './proxy-registry.js';

async function failure(promise: Promise<unknown>): Promise<FaultlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FaultlineError)) throw new Error(`expected a FaultlineError, got ${String(error)}`);
  return error;
}

describe('ProxyRegistry', () => {
  let registry: ProxyRegistry;
  let up: TestServer;

  afterEach(async () => {
    await registry?.close();
    await up?.close();
  });

  it('checks name, then upstream, then uniqueness', async () => {
    up = await startEchoServer();
    registry = new ProxyRegistry();
    expect((await failure(registry.create({ name: '', listen: '', upstream: '' }))).message).toBe('missing required field: name');
    expect((await failure(registry.create({ name: 't', listen: '', upstream: '' }))).message).toBe('missing required field: upstream');
    await registry.create({ name: 't', listen: '127.0.0.1:0', upstream: up.address });
    const dup = await failure(registry.create({ name: 't', listen: '127.0.0.1:0', upstream: up.address }));
    expect([dup.status, dup.message]).toEqual([409, 'proxy already exists']);
  });

  it('gives 409 to a second create of a name whose bind is still in flight', async () => {
    up = await startEchoServer();
    registry = new ProxyRegistry();
    const [first, second] = await Promise.allSettled([
      registry.create({ name: 'same', listen: '127.0.0.1:0', upstream: up.address }),
      registry.create({ name: 'same', listen: '127.0.0.1:0', upstream: up.address }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && (second.reason as FaultlineError).status).toBe(409);
  });

  it('keeps a disabled proxy unbound with its listen string as given', async () => {
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'd', listen: 'localhost:0', upstream: 'x:1', enabled: false });
    expect(proxy.enabled).toBe(false);
    expect(proxy.listen).toBe('localhost:0');
  });

  it('populate keeps an unchanged proxy with its toxics and replaces a changed one', async () => {
    up = await startEchoServer();
    registry = new ProxyRegistry();
    const one = await registry.create({ name: 'one', listen: '127.0.0.1:0', upstream: up.address });
    one.addToxic({ type: 'latency', attributes: { latency: 10 } });
    const two = await registry.create({ name: 'two', listen: '127.0.0.1:0', upstream: up.address });
    const result = await registry.populate([
      { name: 'one', listen: `localhost:${one.port}`, upstream: up.address },
      { name: 'two', listen: '127.0.0.1:0', upstream: up.address },
      { name: 'three', listen: '127.0.0.1:0', upstream: up.address, enabled: false },
    ]);
    expect(result.error).toBeUndefined();
    expect(result.proxies.map((p) => p.name)).toEqual(['one', 'two', 'three']);
    expect(registry.get('one')).toBe(one);
    expect(one.toxics.map((t) => t.name)).toEqual(['latency_downstream']);
    expect(registry.get('two')).not.toBe(two);
    expect(registry.get('three')?.enabled).toBe(false);
  });

  it('populate validates every item before touching anything', async () => {
    registry = new ProxyRegistry();
    const error = await failure(
      registry.populate([
        { name: 'ok', listen: '127.0.0.1:0', upstream: 'a:1' },
        { name: '', listen: '', upstream: '' },
      ]),
    );
    expect([error.status, error.message]).toEqual([400, 'missing required field: name at proxy 2']);
    expect(registry.list()).toEqual([]);
  });

  it('populate stops at the first failure and keeps what it made', async () => {
    up = await startEchoServer();
    registry = new ProxyRegistry();
    const blocker = await startServer(() => {});
    try {
      const result = await registry.populate([
        { name: 'one', listen: '127.0.0.1:0', upstream: up.address },
        { name: 'two', listen: blocker.address, upstream: up.address },
        { name: 'three', listen: '127.0.0.1:0', upstream: up.address },
      ]);
      expect(result.error?.status).toBe(500);
      expect(result.proxies.map((p) => p.name)).toEqual(['one']);
      expect(registry.list().map((p) => p.name)).toEqual(['one']);
    } finally {
      await blocker.close();
    }
  });

  it('reset enables every proxy and removes every toxic', async () => {
    up = await startEchoServer();
    registry = new ProxyRegistry();
    const proxy = await registry.create({ name: 'r', listen: '127.0.0.1:0', upstream: up.address });
    proxy.addToxic({ type: 'timeout' });
    await proxy.update({ enabled: false });
    await registry.reset();
    expect(proxy.enabled).toBe(true);
    expect(proxy.toxics).toEqual([]);
    const client = await connectTo(proxy.port);
    const result = readAll(client);
    client.end('after reset');
    expect((await result).data.toString()).toBe('after reset');
  });

  it('emits typed events for changes and connections', async () => {
    up = await startEchoServer();
    registry = new ProxyRegistry();
    const events: FaultlineEvent['type'][] = [];
    registry.on((e) => events.push(e.type));
    const proxy = await registry.create({ name: 'e', listen: '127.0.0.1:0', upstream: up.address });
    proxy.addToxic({ type: 'noop' });
    const client = await connectTo(proxy.port);
    const result = readAll(client);
    client.end('x');
    await result;
    await waitFor(() => proxy.connections.length === 0, 10_000, 'connection to close');
    proxy.removeToxic('noop_downstream');
    await registry.remove('e');
    expect(events).toEqual([
      'proxy.started',
      'proxy.created',
      'toxic.added',
      'connection.opened',
      'connection.closed',
      'toxic.removed',
      'proxy.stopped',
      'proxy.removed',
    ]);
  });
});
