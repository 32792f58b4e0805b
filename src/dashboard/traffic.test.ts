import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SseWriter, type SseSink } from '../api/sse-writer.js';
import { tcpProtocol } from '../core/protocol.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { type UdpGateway, udpProtocol } from '../udp/protocol.js';
import { LiveFeed } from './live-feed.js';
import { TrafficSampler } from './traffic.js';

class Sink extends EventEmitter implements SseSink {
  written: string[] = [];
  writableLength = 0;
  write(chunk: string): boolean {
    this.written.push(chunk);
    return true;
  }
  end(): void {}
}

const registries: ProxyRegistry[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
  for (const socket of sockets.splice(0)) socket.close();
});

async function boundSocket(onMessage?: (socket: Socket, msg: Buffer, port: number) => void): Promise<Socket> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  if (onMessage) socket.on('message', (msg, rinfo) => onMessage(socket, msg, rinfo.port));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function registryWith(...names: string[]): Promise<ProxyRegistry> {
  const registry = new ProxyRegistry({ seed: 1 });
  registries.push(registry);
  for (const name of names) await registry.create({ name, listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
  return registry;
}

describe('TrafficSampler', () => {
  it('turns byte counters into bytes per second per direction, from the second sample on', async () => {
    const registry = await registryWith('redis', 'pg');
    let clock = 0;
    const sampler = new TrafficSampler(registry, { monotonic: () => clock, now: () => 1_700_000_000_000 + clock });
    expect(sampler.sample().proxies.get('redis')).toEqual({ upstream: 0, downstream: 0, connections: 0 });
    const redis = registry.require('redis');
    redis.bytes.upstream.sent += 500;
    redis.bytes.downstream.sent += 3000;
    clock += 500;
    expect(sampler.sample().proxies.get('redis')).toEqual({ upstream: 1000, downstream: 6000, connections: 0 });
    clock += 1000;
    expect(sampler.sample().proxies.get('redis')).toEqual({ upstream: 0, downstream: 0, connections: 0 });
    expect(sampler.sample().proxies.get('pg')).toEqual({ upstream: 0, downstream: 0, connections: 0 });
  });

  it('starts a proxy deleted and created again under its name from zero, never negative', async () => {
    const registry = await registryWith('a');
    let clock = 0;
    const sampler = new TrafficSampler(registry, { monotonic: () => clock });
    registry.require('a').bytes.downstream.sent = 10_000;
    sampler.sample();
    await registry.remove('a');
    await registry.create({ name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
    registry.require('a').bytes.downstream.sent = 10;
    clock += 1000;
    expect(sampler.sample().proxies.get('a')?.downstream).toBe(0);
  });

  it('turns a udp proxy’s datagram counters into datagrams per second received, sent and dropped, each way', async () => {
    const echo = await boundSocket((socket, msg, port) => socket.send(msg, port, '127.0.0.1'));
    const registry = new ProxyRegistry({ seed: 1, protocols: [tcpProtocol, udpProtocol] });
    registries.push(registry);
    await registry.create({ name: 'dns', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.address().port}`, protocol: 'udp' });
    await registry.create({ name: 'db', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
    const dns = registry.require('dns');
    const relay = (dns.gateway as UdpGateway).udp.relay;
    const totals = () => relay.stats().counters;
    let clock = 0;
    const sampler = new TrafficSampler(registry, { monotonic: () => clock, now: () => clock });
    expect(sampler.sample().proxies.get('dns')?.datagrams).toEqual({
      upstream: { received: 0, sent: 0, dropped: 0 },
      downstream: { received: 0, sent: 0, dropped: 0 },
    });
    const client = await boundSocket();
    for (let i = 0; i < 6; i++) client.send(`q${i}`, dns.port, '127.0.0.1');
    await until(() => totals().downstream.sent === 6, 'six answers');
    clock += 2000;
    const first = sampler.sample().proxies;
    expect(first.get('dns')?.datagrams).toEqual({
      upstream: { received: 3, sent: 3, dropped: 0 },
      downstream: { received: 3, sent: 3, dropped: 0 },
    });
    // Bytes per second as for any proxy: six datagrams of two bytes each way over two seconds.
    expect(first.get('dns')).toMatchObject({ upstream: 6, downstream: 6 });
    expect(first.get('db')).toEqual({ upstream: 0, downstream: 0, connections: 0 });
    dns.addToxic({ type: 'partition', stream: 'upstream' });
    for (let i = 0; i < 4; i++) client.send(`x${i}`, dns.port, '127.0.0.1');
    await until(() => totals().upstream.dropped === 4, 'four dropped');
    clock += 1000;
    expect(sampler.sample().proxies.get('dns')?.datagrams).toEqual({
      upstream: { received: 4, sent: 0, dropped: 4 },
      downstream: { received: 0, sent: 0, dropped: 0 },
    });
    const history = sampler.history(1000);
    expect(history.proxies['dns']?.datagrams?.upstream).toEqual({ received: [0, 3, 4], sent: [0, 3, 0], dropped: [0, 0, 4] });
    expect(history.proxies['dns']?.datagrams?.downstream.sent).toEqual([0, 3, 0]);
    expect(history.proxies['db']).not.toHaveProperty('datagrams');
  });

  it('keeps the last samples as one series per proxy, zeros before a proxy existed', async () => {
    const registry = await registryWith('a');
    let clock = 0;
    const sampler = new TrafficSampler(registry, { keep: 3, monotonic: () => clock, now: () => clock });
    for (let i = 0; i < 4; i++) {
      if (i === 2) await registry.create({ name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
      registry.require('a').bytes.upstream.sent += 1000 * i;
      sampler.sample();
      clock += 1000;
    }
    const history = sampler.history(1000);
    expect(history.times).toEqual([1000, 2000, 3000].map((t) => new Date(t).toISOString()));
    expect(history.proxies['a']?.upstream).toEqual([1000, 2000, 3000]);
    expect(history.proxies['b']?.upstream).toEqual([0, 0, 0]);
    expect(Object.keys(sampler.history(1000, new Set(['b'])).proxies)).toEqual(['b']);
  });
});

describe('LiveFeed', () => {
  it('sends every subscriber one traffic frame per tick, and the scenario list on subscribe and when it changes', async () => {
    const registry = await registryWith('redis');
    let runs: unknown[] = [];
    const feed = new LiveFeed(registry, { scenarios: { list: () => runs } });
    const sinks = [new Sink(), new Sink()];
    const clients = sinks.map((s) => new SseWriter(s, { heartbeatMs: 0 }));
    const unsubscribe = clients.map((c) => feed.subscribe(c));
    expect(sinks[0]?.written).toEqual(['event: scenarios\ndata: {"runs":[]}\n\n']);
    feed.tick();
    runs = [{ id: 'a1', status: 'running' }];
    feed.tick();
    feed.tick();
    for (const sink of sinks) {
      const events = sink.written.map((f) => /^event: (\S+)/.exec(f)?.[1]);
      expect(events).toEqual(['scenarios', 'traffic', 'traffic', 'scenarios', 'traffic']);
      expect(sink.written[3]).toBe('event: scenarios\ndata: {"runs":[{"id":"a1","status":"running"}]}\n\n');
      const traffic = JSON.parse(sink.written[1]?.split('data: ')[1] ?? '') as Record<string, unknown>;
      expect(traffic).toMatchObject({ interval_ms: 1000, proxies: { redis: { upstream: 0, downstream: 0, connections: 0 } } });
    }
    for (const u of unsubscribe) u();
    expect(feed.size).toBe(0);
  });

  it('samples on a timer once started, and stops', async () => {
    const registry = await registryWith('redis');
    const feed = new LiveFeed(registry, { intervalMs: 50 });
    feed.start();
    await new Promise((r) => setTimeout(r, 400));
    feed.stop();
    const kept = feed.sampler.history(50).times.length;
    expect(kept).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(feed.sampler.history(50).times.length).toBe(kept);
  });
});
