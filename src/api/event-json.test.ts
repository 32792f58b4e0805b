import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultlineEvent } from '../core/events.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { connectTo, startEchoServer, waitFor, type TestServer } from '../testing/net.js';
import { eventBody, type DecisionJson, type EventBody } from './event-json.js';
import { acceptsEvent } from './event-stream.js';

let registry: ProxyRegistry | undefined;
let upstream: TestServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await registry?.close();
  await upstream?.close();
  registry = undefined;
  upstream = undefined;
});

describe('eventBody', () => {
  it("reports each new connection's seeded toxicity decisions exactly as the engine drew them", async () => {
    upstream = await startEchoServer();
    registry = new ProxyRegistry({ seed: 'decisions' });
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
    proxy.addToxic({ name: 'half', type: 'noop', stream: 'upstream', toxicity: 0.5 });
    proxy.addToxic({ name: 'third', type: 'noop', stream: 'downstream', toxicity: 0.3 });
    const opened: Array<{ body: EventBody; check: () => void }> = [];
    registry.on((event) => {
      if (event.type !== 'connection.opened') return;
      const body = eventBody(event, registry!);
      const conn = event.connection;
      // The links start right after the event; compare once they have.
      opened.push({
        body,
        check: () => {
          const decided = body['decisions'] as DecisionJson[];
          const active = (d: string) => decided.filter((x) => x.direction === d && x.active).map((x) => x.toxic);
          expect(active('upstream')).toEqual(conn.activeToxics('upstream'));
          expect(active('downstream')).toEqual(conn.activeToxics('downstream'));
        },
      });
    });
    for (let i = 0; i < 16; i++) sockets.push(await connectTo(proxy.port));
    await waitFor(() => opened.length === 16);
    for (const { check } of opened) check();
    const all = opened.flatMap(({ body }) => body['decisions'] as DecisionJson[]);
    expect(all.some((d) => d.active)).toBe(true);
    expect(all.some((d) => !d.active)).toBe(true);
    for (const d of all) expect(d.active).toBe(d.roll < d.toxicity);
    expect(opened[0]?.body).toMatchObject({ type: 'connection.opened', proxy: 'p', connection: 1, upstream: upstream.address });
  });

  it('gives a fault the same roll as the decision that activated its toxic', async () => {
    upstream = await startEchoServer();
    registry = new ProxyRegistry({ seed: 7 });
    const proxy = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
    proxy.addToxic({ name: 'cut', type: 'partition', stream: 'upstream', toxicity: 0.9 });
    const bodies: EventBody[] = [];
    registry.on((event: FaultlineEvent) => bodies.push(eventBody(event, registry!)));
    for (let i = 0; i < 6; i++) sockets.push(await connectTo(proxy.port));
    await waitFor(() => bodies.filter((b) => b.type === 'connection.opened').length === 6);
    proxy.removeToxic('cut');
    for (const fault of bodies.filter((b) => b.type === 'fault')) {
      const opened = bodies.find((b) => b.type === 'connection.opened' && b['connection'] === fault['connection']);
      const decision = (opened?.['decisions'] as DecisionJson[] | undefined)?.[0];
      expect(decision?.active).toBe(true);
      expect(fault['decision']).toEqual({ roll: decision?.roll, toxicity: 0.9 });
      expect(fault).toMatchObject({ toxic: 'cut', toxic_type: 'partition', direction: 'upstream' });
    }
    const kinds = bodies.filter((b) => b.type === 'fault').map((b) => b['kind']);
    const begun = kinds.filter((k) => k === 'partition_begin').length;
    expect(begun).toBeGreaterThan(0);
    expect(kinds.filter((k) => k === 'partition_heal').length).toBe(begun);
    expect(bodies.find((b) => b.type === 'toxic.removed')?.['toxic']).toMatchObject({ name: 'cut', type: 'partition', toxicity: 0.9 });
  });
});

describe('acceptsEvent', () => {
  it('filters by proxy name and by type or family', () => {
    const fault = { type: 'fault', proxy: 'a' } as const;
    const added = { type: 'toxic.added', proxy: 'b' } as const;
    expect(acceptsEvent({ proxies: [], types: [] }, fault)).toBe(true);
    expect(acceptsEvent({ proxies: ['a'], types: [] }, added)).toBe(false);
    expect(acceptsEvent({ proxies: [], types: ['toxic'] }, added)).toBe(true);
    expect(acceptsEvent({ proxies: [], types: ['toxic.added'] }, added)).toBe(true);
    expect(acceptsEvent({ proxies: [], types: ['toxic.removed', 'fault'] }, added)).toBe(false);
    expect(acceptsEvent({ proxies: ['a', 'b'], types: ['fault'] }, fault)).toBe(true);
  });
});
