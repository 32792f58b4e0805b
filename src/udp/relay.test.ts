import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { startUdpRelay, type UdpRelay, type UdpRelayEvent, type UdpRelayOptions } from './relay.js';

/** A UDP echo server on loopback; it answers every datagram with the same bytes. */
async function echoServer(type: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: Socket; address: string; received: number }> {
  const socket = createSocket(type);
  const state = { socket, address: '', received: 0 };
  socket.on('message', (msg, rinfo) => {
    state.received++;
    socket.send(msg, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp6' ? '::1' : '127.0.0.1', resolve));
  const { port } = socket.address();
  state.address = type === 'udp6' ? `[::1]:${port}` : `127.0.0.1:${port}`;
  return state;
}

/** A client socket that collects what comes back. */
async function client(type: 'udp4' | 'udp6' = 'udp4') {
  const socket = createSocket(type);
  const received: Buffer[] = [];
  socket.on('message', (msg) => received.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, type === 'udp6' ? '::1' : '127.0.0.1', resolve));
  const send = (relay: UdpRelay, msg: Buffer | string) => {
    const [host, port] = splitAddress(relay.address() as string);
    socket.send(msg, port, host);
  };
  return { socket, received, send };
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[|\]$/g, ''), Number(address.slice(colon + 1))];
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(options: Partial<UdpRelayOptions> = {}, type: 'udp4' | 'udp6' = 'udp4') {
  const server = await echoServer(type);
  cleanup.push(() => server.socket.close());
  const events: UdpRelayEvent[] = [];
  const relay = await startUdpRelay({
    listen: type === 'udp6' ? '[::1]:0' : '127.0.0.1:0',
    upstream: server.address,
    seed: 'test',
    onEvent: (e) => events.push(e),
    ...options,
  });
  cleanup.push(() => relay.close());
  const c = await client(type);
  cleanup.push(() => c.socket.close());
  return { server, relay, client: c, events };
}

describe('UdpRelay on loopback', () => {
  it('relays datagrams both ways whole, and lists the flow with its counts', async () => {
    const { relay, client: c, events } = await setup();
    c.send(relay, 'hello');
    c.send(relay, Buffer.alloc(65_507, 7));
    await until(() => c.received.length === 2, 'two echoes');
    expect(c.received[0]?.toString()).toBe('hello');
    expect(c.received[1]?.length).toBe(65_507);
    const [flow] = relay.flows();
    expect(flow?.id).toBe(1);
    expect(flow?.client).toBe(`127.0.0.1:${c.socket.address().port}`);
    expect(flow?.counters.upstream).toMatchObject({ received: 2, sent: 2, receivedBytes: 65_512, dropped: 0 });
    expect(flow?.counters.downstream).toMatchObject({ received: 2, sent: 2, sentBytes: 65_512 });
    expect(events.map((e) => e.type)).toEqual(['flow.opened']);
  });

  it('gives each client address:port a flow of its own, so replies go back to the right one', async () => {
    const { relay, client: a } = await setup();
    const b = await client();
    cleanup.push(() => b.socket.close());
    a.send(relay, 'from a');
    b.send(relay, 'from b');
    await until(() => a.received.length === 1 && b.received.length === 1, 'both echoes');
    expect(a.received[0]?.toString()).toBe('from a');
    expect(b.received[0]?.toString()).toBe('from b');
    expect(relay.flows().map((f) => f.id)).toEqual([1, 2]);
  });

  it('works over IPv6', async () => {
    const { relay, client: c } = await setup({}, 'udp6');
    expect(relay.address()).toMatch(/^\[::1\]:\d+$/);
    c.send(relay, 'six');
    await until(() => c.received.length === 1, 'the echo');
    expect(relay.flows()[0]?.client).toMatch(/^\[::1\]:/);
  });

  it('ends a flow after the idle timeout without a datagram, counted on the injected clock', async () => {
    const clock = new FakeClock();
    const { relay, client: c, events } = await setup({ clock, idleTimeoutMs: 1000 });
    c.send(relay, 'one');
    await until(() => c.received.length === 1, 'the echo');
    clock.advance(600);
    c.send(relay, 'two');
    await until(() => c.received.length === 2, 'the second echo');
    clock.advance(600);
    expect(relay.flows()).toHaveLength(1);
    clock.advance(400);
    expect(relay.flows()).toHaveLength(0);
    expect(events.at(-1)).toMatchObject({ type: 'flow.closed', reason: 'idle' });
    c.send(relay, 'three');
    await until(() => c.received.length === 3, 'an echo through a new flow');
    expect(relay.flows()[0]?.id).toBe(2);
  });

  it('applies a toxic to live flows at once, and removal heals', async () => {
    const { relay, client: c, server, events } = await setup();
    c.send(relay, 'a');
    await until(() => c.received.length === 1, 'the echo');
    relay.addToxic({ name: 'cut', type: 'partition', stream: 'upstream' });
    c.send(relay, 'b');
    await until(() => relay.flows()[0]?.counters.upstream.dropped === 1, 'the drop');
    expect(server.received).toBe(1);
    relay.removeToxic('cut');
    c.send(relay, 'c');
    await until(() => c.received.length === 2, 'the echo after healing');
    expect(c.received[1]?.toString()).toBe('c');
    const kinds = events.filter((e) => e.type === 'fault').map((e) => (e as { kind: string }).kind);
    expect(kinds).toEqual(['partition_begin', 'partition', 'partition_heal']);
    expect(relay.stats().counters.upstream.dropped).toBe(1);
  });

  it('duplicate 1.0 downstream gives every answer twice', async () => {
    const { relay, client: c } = await setup();
    relay.addToxic({ type: 'duplicate', stream: 'downstream', attributes: { rate: 1 } });
    c.send(relay, 'x');
    await until(() => c.received.length === 2, 'two answers');
    expect(relay.stats().counters.downstream.duplicated).toBe(1);
  });

  it('kills a flow by id, stops and starts on the same port, and takes a new upstream', async () => {
    const { relay, client: c } = await setup();
    c.send(relay, 'a');
    await until(() => c.received.length === 1, 'the echo');
    expect(relay.killFlow(1)).toBe(true);
    expect(relay.killFlow(1)).toBe(false);
    const bound = relay.address();
    await relay.stop();
    expect(relay.enabled).toBe(false);
    expect(relay.address()).toBeUndefined();
    await relay.start();
    expect(relay.address()).toBe(bound);
    const other = await echoServer();
    cleanup.push(() => other.socket.close());
    c.send(relay, 'b');
    await until(() => c.received.length === 2, 'the echo after restart');
    await relay.setUpstream(other.address);
    expect(relay.flows()).toHaveLength(0);
    c.send(relay, 'c');
    await until(() => c.received.length === 3, 'the echo from the new upstream');
    expect(other.received).toBe(1);
  });

  it('refuses flows past maxFlows, dropping their datagrams, and reports it', async () => {
    const { relay, client: a, events } = await setup({ maxFlows: 1 });
    const b = await client();
    cleanup.push(() => b.socket.close());
    a.send(relay, 'a');
    await until(() => a.received.length === 1, 'the echo');
    b.send(relay, 'b');
    await until(() => relay.stats().flowsRefused === 1, 'the refusal');
    expect(b.received).toHaveLength(0);
    expect(events.some((e) => e.type === 'flow.refused')).toBe(true);
  });

  it('a busy port is LISTEN_FAILED, a bad upstream INVALID_ADDRESS', async () => {
    const { relay } = await setup();
    await expect(startUdpRelay({ listen: relay.address() as string, upstream: '127.0.0.1:9' })).rejects.toMatchObject({
      code: 'LISTEN_FAILED',
    });
    await expect(startUdpRelay({ listen: '127.0.0.1:0', upstream: 'nonsense' })).rejects.toMatchObject({ code: 'INVALID_ADDRESS' });
  });

  it('survives a flood of the largest datagrams from more clients than it takes, holding no more than its limits', async () => {
    const { relay, client: c, server } = await setup({ maxFlows: 2, maxHeldBytes: 150_000 });
    relay.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 200 } });
    const flooders = await Promise.all(Array.from({ length: 20 }, () => client()));
    for (const f of flooders) cleanup.push(() => f.socket.close());
    const big = Buffer.alloc(65_507);
    const [host, port] = splitAddress(relay.address() as string);
    // In rounds, so the kernel's receive buffer (a few of these) is not all that is tested.
    for (let round = 0; round < 30; round++) {
      await Promise.all(flooders.map((f) => new Promise<void>((resolve) => f.socket.send(big, port, host, () => resolve()))));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await until(
      () => relay.stats().flowsRefused > 0 && relay.stats().counters.upstream.dropped > 0,
      `refusals and drops: ${JSON.stringify(relay.stats())}`,
    );
    expect(relay.stats().flows).toBeLessThanOrEqual(2);
    for (const flow of relay.flows()) relay.killFlow(flow.id);
    c.send(relay, 'still here');
    await until(() => c.received.some((m) => m.toString() === 'still here'), 'the echo after the flood', 10_000);
    expect(server.received).toBeGreaterThan(0);
  });
});
