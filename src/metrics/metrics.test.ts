import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { connectTo, readBytes, startEchoServer, waitFor, type TestServer } from '../testing/net.js';
import { createMetrics, type Metrics } from './metrics.js';

let registry: ProxyRegistry;
let metrics: Metrics;
let echo: TestServer;

beforeEach(async () => {
  registry = new ProxyRegistry({ seed: 7 });
  metrics = createMetrics(registry, { runtime: false });
  echo = await startEchoServer();
});

afterEach(async () => {
  metrics.close();
  await registry.close();
  await echo.close();
});

/** The value of one series, matched by metric name and a label substring. */
async function value(name: string, labels: string): Promise<number | undefined> {
  const text = await metrics.render();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics', () => {
  it('counts bytes live, while the connection is still open, with Toxiproxy’s names and labels', async () => {
    const proxy = await registry.create({ name: 'echo', listen: '127.0.0.1:0', upstream: echo.address });
    const client = await connectTo(proxy.port);
    try {
      client.write('hello');
      expect((await readBytes(client, 5)).toString()).toBe('hello');
      await waitFor(() => proxy.bytes.downstream.sent === 5);
      const labels = `listener="${proxy.listen}",proxy="echo",upstream="${echo.address}"`;
      expect(await value('toxiproxy_proxy_received_bytes_total', `direction="upstream",${labels}`)).toBe(5);
      expect(await value('toxiproxy_proxy_sent_bytes_total', `direction="upstream",${labels}`)).toBe(5);
      expect(await value('toxiproxy_proxy_received_bytes_total', `direction="downstream",${labels}`)).toBe(5);
      expect(await value('toxiproxy_proxy_sent_bytes_total', `direction="downstream",${labels}`)).toBe(5);
      expect(await value('faultline_proxy_connections_active', 'proxy="echo"')).toBe(1);
      expect(await value('faultline_proxy_connections_total', 'proxy="echo"')).toBe(1);
      expect(await value('faultline_proxy_enabled', 'proxy="echo"')).toBe(1);
    } finally {
      client.destroy();
    }
    await waitFor(() => proxy.connections.length === 0);
    expect(await value('faultline_proxy_connections_active', 'proxy="echo"')).toBe(0);
    expect(await value('faultline_proxy_connections_closed_total', 'proxy="echo"')).toBe(1);
  });

  it('counts toxics applied to connections (at connect and when added live) and faults they inject', async () => {
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
    proxy.addToxic({ name: 'slow', type: 'latency', attributes: { latency: 1 } });
    const client = await connectTo(proxy.port);
    try {
      client.write('x');
      await readBytes(client, 1);
      expect(await value('faultline_toxic_applied_total', 'toxic="slow"')).toBe(1);
      proxy.addToxic({ name: 'cut', type: 'limit_data', stream: 'upstream', attributes: { bytes: 0 } });
      expect(await value('faultline_toxic_applied_total', 'toxic="cut"')).toBe(1);
      expect(await value('faultline_proxy_toxics', 'direction="upstream",proxy="p"')).toBe(1);
      expect(await value('faultline_proxy_toxics', 'direction="downstream",proxy="p"')).toBe(1);
      client.write('y');
      await waitFor(() => proxy.connections.length === 0);
      expect(await value('faultline_toxic_faults_total', 'toxic="cut"')).toBe(1);
      expect(await value('faultline_proxy_connections_closed_total', 'reason="toxic-close"')).toBe(1);
    } finally {
      client.destroy();
    }
  });

  it('writes Toxiproxy’s two families line for line as Toxiproxy 2.12 does', async () => {
    const a = await registry.create({ name: 'e"q\\x', listen: '127.0.0.1:0', upstream: echo.address });
    const b = await registry.create({ name: 'b', listen: '127.0.0.1:0', upstream: 'db:5432', enabled: false });
    a.bytes.upstream.received = 1_234_567;
    a.bytes.upstream.sent = 1_000_000;
    a.bytes.downstream.received = 32_800;
    const series = (name: string, direction: string, proxy: { listen: string; upstream: string }, escaped: string, value: string) =>
      `${name}{direction="${direction}",listener="${proxy.listen}",proxy="${escaped}",upstream="${proxy.upstream}"} ${value}`;
    // Sorted by label values: direction first, then listener (b's "127.0.0.1:0" sorts before a's bound port).
    const expected = [
      '# HELP toxiproxy_proxy_received_bytes_total ',
      '# TYPE toxiproxy_proxy_received_bytes_total counter',
      series('toxiproxy_proxy_received_bytes_total', 'downstream', b, 'b', '0'),
      series('toxiproxy_proxy_received_bytes_total', 'downstream', a, 'e\\"q\\\\x', '32800'),
      series('toxiproxy_proxy_received_bytes_total', 'upstream', b, 'b', '0'),
      series('toxiproxy_proxy_received_bytes_total', 'upstream', a, 'e\\"q\\\\x', '1.234567e+06'),
      '# HELP toxiproxy_proxy_sent_bytes_total ',
      '# TYPE toxiproxy_proxy_sent_bytes_total counter',
      series('toxiproxy_proxy_sent_bytes_total', 'downstream', b, 'b', '0'),
      series('toxiproxy_proxy_sent_bytes_total', 'downstream', a, 'e\\"q\\\\x', '0'),
      series('toxiproxy_proxy_sent_bytes_total', 'upstream', b, 'b', '0'),
      series('toxiproxy_proxy_sent_bytes_total', 'upstream', a, 'e\\"q\\\\x', '1e+06'),
    ];
    expect((await metrics.render()).split('\n').slice(0, expected.length)).toEqual(expected);
    expect(b.listen).toBe('127.0.0.1:0');
  });

  it('leaves Toxiproxy’s families out while there is no proxy, as Toxiproxy does', async () => {
    expect(await metrics.render()).not.toContain('toxiproxy_');
  });

  it('puts the labels of Faultline’s own series in alphabetical order too', async () => {
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
    proxy.addToxic({ name: 'cut', type: 'limit_data', stream: 'upstream', attributes: { bytes: 0 } });
    const client = await connectTo(proxy.port);
    client.write('y');
    await waitFor(() => proxy.connections.length === 0);
    client.destroy();
    const lines = (await metrics.render()).split('\n').filter((l) => /^(faultline|toxiproxy)_\w+\{/.test(l));
    expect(lines.map((l) => l.slice(0, l.indexOf('{')))).toEqual(
      expect.arrayContaining([
        'faultline_toxic_applied_total',
        'faultline_toxic_faults_total',
        'faultline_proxy_connections_closed_total',
        'faultline_proxy_toxics',
      ]),
    );
    for (const line of lines) {
      const names = [...line.slice(line.indexOf('{'), line.lastIndexOf('}')).matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1] ?? '');
      expect(names, line).toEqual([...names].sort());
    }
    expect(lines).toContain('faultline_toxic_faults_total{direction="upstream",kind="close",proxy="p",toxic="cut",type="limit_data"} 1');
  });

  it('forgets a removed proxy’s series', async () => {
    await registry.create({ name: 'gone', listen: '127.0.0.1:0', upstream: echo.address });
    expect(await value('faultline_proxy_enabled', 'proxy="gone"')).toBe(1);
    await registry.remove('gone');
    expect(await metrics.render()).not.toContain('proxy="gone"');
  });

  it('adds Node.js process metrics when asked', async () => {
    const withRuntime = createMetrics(registry, { runtime: true });
    try {
      expect(await withRuntime.render()).toContain('process_cpu_seconds_total');
      expect(await metrics.render()).not.toContain('process_cpu_seconds_total');
      expect(withRuntime.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    } finally {
      withRuntime.close();
    }
  });
});
