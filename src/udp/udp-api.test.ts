/**
 * UDP proxies through the admin API: created with `protocol: "udp"` (sharing a port with a tcp
 * proxy), datagram toxics by their layer, a 400 naming the protocol for a toxic of the other layer,
 * flows listed and killed, counters in /metrics, flows and faults on the event path.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultlineEvent } from '../core/events.js';
import { startProxy } from '../index.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';

let server: RunningServer;
let echo: Socket;
let echoAddress: string;
const clients: Socket[] = [];

const call = (method: string, path: string, body?: unknown) => apiCall(server.url, method, path, body);

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A client socket that collects the answers it gets. */
async function client() {
  const socket = createSocket('udp4');
  clients.push(socket);
  const received: string[] = [];
  socket.on('message', (msg) => received.push(msg.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, received, send: (port: number, text: string) => socket.send(text, port, '127.0.0.1') };
}

beforeAll(async () => {
  echo = createSocket('udp4');
  echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  echoAddress = `127.0.0.1:${echo.address().port}`;
  server = await startServer({ port: 0, seed: 1, metrics: true, runtimeMetrics: false });
});

afterAll(async () => {
  await server.close();
  for (const socket of clients) socket.close();
  echo.close();
});

beforeEach(async () => {
  for (const proxy of server.registry.list()) await server.registry.remove(proxy.name);
});

describe('udp proxies through the API', () => {
  it('creates a udp proxy next to a tcp one on the same address, with udp_idle_timeout shown for udp only', async () => {
    // The TCP port is taken first: loopback TCP ports are the busy ones (every client connection
    // holds one), so a free TCP port is the one to find, and its UDP twin is almost always free.
    const tcp = await call('POST', '/proxies', { name: 'dns_tcp', listen: '127.0.0.1:0', upstream: echoAddress });
    expect(tcp.status).toBe(201);
    const listen = String(tcp.json?.['listen']);
    expect(tcp.text).toBe(`{"name":"dns_tcp","listen":"${listen}","upstream":"${echoAddress}","enabled":true,"toxics":[]}`);
    const udp = await call('POST', '/proxies', {
      name: 'dns',
      listen,
      upstream: echoAddress,
      protocol: 'udp',
      udp_idle_timeout: 5000,
    });
    expect(udp.status).toBe(201);
    expect(Object.keys(udp.json ?? {})).toEqual(['name', 'listen', 'upstream', 'protocol', 'udp_idle_timeout', 'enabled', 'toxics']);
    expect(udp.json).toMatchObject({ protocol: 'udp', udp_idle_timeout: 5000, enabled: true, listen });
    const c = await client();
    c.send(server.registry.require('dns').port, 'ping');
    await until(() => c.received.length === 1, 'the echo');
    expect(c.received).toEqual(['ping']);
    const patched = await call('PATCH', '/proxies/dns', { udp_idle_timeout: 60000 });
    expect(patched.json).toMatchObject({ udp_idle_timeout: 60000, enabled: true, listen });
    const bad = await call('POST', '/proxies', { name: 'x', upstream: echoAddress, protocol: 'udp', udp_idle_timeout: 0 });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: 'bad request body: udp_idle_timeout: expected a whole number of milliseconds from 1 to 86400000, got 0',
    });
  });

  it('takes datagram toxics by the proxy’s layer and refuses the other layer’s with a 400 naming the protocol', async () => {
    await call('POST', '/proxies', { name: 'u', listen: '127.0.0.1:0', upstream: echoAddress, protocol: 'udp' });
    await call('POST', '/proxies', { name: 't', listen: '127.0.0.1:0', upstream: echoAddress });
    const latency = await call('POST', '/proxies/u/toxics', { type: 'latency', attributes: { latency: 5, reorder: true } });
    expect(latency.status).toBe(200);
    expect(latency.json).toMatchObject({ type: 'latency', attributes: { latency: 5, reorder: true } });
    const duplicate = await call('POST', '/proxies/u/toxics', { type: 'duplicate', stream: 'upstream', attributes: { rate: 1 } });
    expect(duplicate.json).toMatchObject({ name: 'duplicate_upstream', attributes: { rate: 1 } });
    const onTcp = await call('POST', '/proxies/t/toxics', { type: 'duplicate' });
    expect(onTcp.status).toBe(400);
    expect(onTcp.json).toMatchObject({
      error: 'toxic type duplicate works on UDP proxies only; proxy t has protocol tcp (create it with "protocol": "udp")',
    });
    const onUdp = await call('POST', '/proxies/u/toxics', { type: 'slicer' });
    expect(onUdp.status).toBe(400);
    expect(onUdp.json).toMatchObject({
      error: 'toxic type slicer works on TCP or HTTP or HTTP/2 proxies only; proxy u has protocol udp (create it with "protocol": "tcp")',
    });
    const streamLatency = await call('POST', '/proxies/t/toxics', { type: 'latency', attributes: { latency: 5 } });
    expect(streamLatency.text).toBe(
      '{"attributes":{"latency":5,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
    const updated = await call('POST', '/proxies/u/toxics/latency_downstream', { attributes: { latency: 7 } });
    expect(updated.json).toMatchObject({ attributes: { latency: 7, reorder: true } });
    expect((await call('DELETE', '/proxies/u/toxics/latency_downstream')).status).toBe(204);
    const c = await client();
    c.send(server.registry.require('u').port, 'twice');
    await until(() => c.received.length === 2, 'both copies');
    expect(c.received).toEqual(['twice', 'twice']);
  });

  it('lists flows with their datagrams, kills one, and counts datagrams in /metrics', async () => {
    const events: FaultlineEvent[] = [];
    const off = server.registry.on((event) => events.push(event));
    await call('POST', '/proxies', { name: 'flows', listen: '127.0.0.1:0', upstream: echoAddress, protocol: 'udp' });
    await call('POST', '/proxies/flows/toxics', { type: 'loss', stream: 'downstream', attributes: { rate: 1 } });
    const port = server.registry.require('flows').port;
    const c = await client();
    for (let i = 0; i < 3; i++) c.send(port, `d${i}`);
    const listed = () => call('GET', '/proxies/flows/connections');
    await until(() => (server.registry.require('flows').liveConnections[0]?.datagramsOf?.('downstream').dropped ?? 0) === 3, 'three drops');
    const res = await listed();
    const flows = res.json as unknown as Array<Record<string, unknown>>;
    expect(flows).toHaveLength(1);
    expect(Object.keys(flows[0] ?? {})).toEqual(['id', 'client', 'upstream', 'opened_at', 'bytes', 'toxics', 'datagrams']);
    expect(flows[0]).toMatchObject({
      id: 1,
      client: `127.0.0.1:${c.socket.address().port}`,
      upstream: echoAddress,
      bytes: { upstream: { received: 6, sent: 6 }, downstream: { received: 6, sent: 0 } },
      toxics: { upstream: [], downstream: ['loss_downstream'] },
      datagrams: {
        upstream: { received: 3, sent: 3, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0 },
        downstream: { received: 3, sent: 0, dropped: 3, duplicated: 0, reordered: 0, corrupted: 0 },
      },
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('faultline_udp_datagrams_forwarded_total{direction="upstream",proxy="flows"} 3');
    expect(metrics).toContain('faultline_udp_datagrams_dropped_total{direction="downstream",proxy="flows"} 3');
    expect(metrics).toContain('faultline_udp_flows_active{proxy="flows"} 1');
    // Toxiproxy's byte counters count a udp proxy's datagram bytes.
    expect(metrics).toMatch(
      /^toxiproxy_proxy_received_bytes_total\{direction="upstream",listener="[^"]+",proxy="flows",upstream="[^"]+"\} 6$/m,
    );
    expect((await call('DELETE', '/proxies/flows/connections/1')).status).toBe(204);
    expect((await call('DELETE', '/proxies/flows/connections/1')).status).toBe(404);
    expect(await listed()).toMatchObject({ json: [] });
    off();
    expect(events.filter((e) => e.type === 'connection.opened' || e.type === 'connection.closed').map((e) => e.type)).toEqual([
      'connection.opened',
      'connection.closed',
    ]);
    expect(events.find((e) => e.type === 'connection.closed')).toMatchObject({ reason: 'killed' });
    expect(events.find((e) => e.type === 'fault')).toMatchObject({
      proxy: 'flows',
      connection: 1,
      toxic: 'loss_downstream',
      toxicType: 'loss',
      kind: 'loss',
      direction: 'downstream',
    });
  });

  it('changes protocol both ways, refusing to strand datagram toxics', async () => {
    await call('POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: echoAddress });
    const toUdp = await call('PATCH', '/proxies/p', { protocol: 'udp' });
    expect(toUdp.json).toMatchObject({ protocol: 'udp', udp_idle_timeout: 60000, enabled: true });
    await call('POST', '/proxies/p/toxics', { type: 'partition' });
    const back = await call('PATCH', '/proxies/p', { protocol: 'tcp' });
    expect(back.status).toBe(409);
    expect(back.json).toMatchObject({
      error: 'proxy p has UDP toxics (partition_downstream): remove them before changing its protocol to tcp',
    });
    await call('DELETE', '/proxies/p/toxics/partition_downstream');
    const tcp = await call('PATCH', '/proxies/p', { protocol: 'tcp' });
    expect(Object.keys(tcp.json ?? {})).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
  });

  it('refuses a non-loopback listen unless allowed, as for tcp', async () => {
    const res = await call('POST', '/proxies', { name: 'wide', listen: '0.0.0.0:0', upstream: echoAddress, protocol: 'udp' });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'LISTEN_NOT_ALLOWED' });
  });

  it('disables and enables, keeping its toxics, and expires a leased proxy', async () => {
    await call('POST', '/proxies', { name: 'd', listen: '127.0.0.1:0', upstream: echoAddress, protocol: 'udp' });
    await call('POST', '/proxies/d/toxics', { type: 'reorder', attributes: { rate: 0.5, gap: 2 } });
    expect((await call('POST', '/proxies/d', { enabled: false })).json).toMatchObject({ enabled: false });
    const back = await call('POST', '/proxies/d', { enabled: true });
    expect(back.json).toMatchObject({ enabled: true, toxics: [{ type: 'reorder', attributes: { rate: 0.5, gap: 2 } }] });
    const leased = await call('POST', '/proxies', {
      name: 'l',
      listen: '127.0.0.1:0',
      upstream: echoAddress,
      protocol: 'udp',
      expires_in: 50,
    });
    expect(leased.json).toMatchObject({ protocol: 'udp', expires_in: 50 });
    await until(() => server.registry.get('l') === undefined, 'the lease to remove it');
  });

  it('runs through startProxy too, its flows ending after udp_idle_timeout', async () => {
    const proxy = await startProxy({
      upstream: echoAddress,
      protocol: 'udp',
      udpIdleTimeout: 50,
      toxics: [{ type: 'duplicate', attributes: { rate: 1 } }],
    });
    try {
      const c = await client();
      c.send(proxy.port, 'x');
      await until(() => c.received.length === 2, 'the duplicated echo');
      expect(proxy.liveConnections).toHaveLength(1);
      await until(() => proxy.liveConnections.length === 0, 'the idle timeout');
      expect(proxy.connectionsTotal).toBe(1);
    } finally {
      await proxy.stop();
    }
  });
});
