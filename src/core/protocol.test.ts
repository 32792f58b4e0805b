/**
 * The protocol contract from outside the core: a module of its own layer gets its toxics through the
 * gateway hooks and nowhere else, is refused where it does not fit with the usual answers, and a
 * protocol with a listener of its own (as UDP will be) starts, lists, kills and stops through it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FaultlineError } from '../errors.js';
import { getToxicDefinition } from '../toxics/registry.js';
import type { HostPort } from './address.js';
import { tcpProtocol, type LiveConnection, type ProtocolModule, type ProxyListener, type ProxyToxic } from './protocol.js';
import { ProxyRegistry } from './proxy-registry.js';
import type { LayeredToxicDefinition } from './toxic-contract.js';

const noteToxic: LayeredToxicDefinition = {
  type: 'note',
  summary: 'A toxic of the test protocol’s own layer.',
  destructive: false,
  layer: 'notes',
  attributes: z.object({ text: z.string().default('hi') }),
  create: () => ({}),
};
const lookup = (type: string) => (type === 'note' ? noteToxic : getToxicDefinition(type));

/** A protocol module that records what reaches its gateway, optionally with a listener of its own. */
function notesProtocol(listener?: ProxyListener) {
  const calls: string[] = [];
  const module: ProtocolModule = {
    name: 'notes',
    title: 'NOTES',
    layers: ['notes'],
    gateway: () => ({
      ...(listener ? { listener: () => listener } : {}),
      toxicAdded: (t: ProxyToxic) => calls.push(`added ${t.spec.name} ${String(t.spec.attributes['text'])}`),
      toxicUpdated: (t: ProxyToxic) => calls.push(`updated ${t.spec.name} ${String(t.spec.attributes['text'])}`),
      toxicRemoved: (t: ProxyToxic) => calls.push(`removed ${t.spec.name}`),
      stop: () => calls.push('stop'),
    }),
  };
  return { module, calls };
}

/** A listener with one flow, as a datagram protocol keeps them. */
function flowListener() {
  const flow: LiveConnection = {
    id: 1,
    openedAt: 0,
    clientAddress: '127.0.0.1:5000',
    upstreamAddress: undefined,
    heldBytes: 7,
    bytesOf: () => ({ received: 3, sent: 3, dropped: 0 }),
    activeToxics: () => [],
  };
  const events: string[] = [];
  const listener: ProxyListener = {
    accepted: 1,
    connections: [flow],
    start: async (address: HostPort) => {
      events.push(`start ${address.host}`);
      return { host: address.host, port: 40_000 };
    },
    stop: () => events.push('listener stop'),
    kill: (id, mode) => {
      events.push(`kill ${id} ${mode}`);
      return id === 1;
    },
  };
  return { listener, events };
}

describe('protocol modules', () => {
  let registry: ProxyRegistry | undefined;
  afterEach(async () => {
    await registry?.close();
    registry = undefined;
  });

  it('hands toxics of the module’s layer to its gateway only, and refuses them elsewhere', async () => {
    const notes = notesProtocol();
    registry = new ProxyRegistry({ protocols: [tcpProtocol, notes.module] });
    expect(registry.protocolNames).toEqual(['tcp', 'notes']);
    const plain = await registry.create({ name: 'plain', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', enabled: false });
    expect(() => plain.addToxic({ type: 'note' }, { lookup })).toThrow(
      new FaultlineError(
        'INVALID_TOXIC_TYPE',
        'toxic type note works on NOTES proxies only; proxy plain has protocol tcp (create it with "protocol": "notes")',
      ),
    );
    const proxy = await registry.create({ name: 'n', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', protocol: 'notes', enabled: false });
    expect(() => proxy.addToxic({ type: 'latency' })).toThrow(/works on TCP proxies only; proxy n has protocol notes/);
    proxy.addToxic({ type: 'note', attributes: { text: 'a' } }, { lookup });
    proxy.updateToxic('note_downstream', { attributes: { text: 'b' } });
    await expect(proxy.update({ protocol: 'tcp' })).rejects.toThrow(
      'proxy n has NOTES toxics (note_downstream): remove them before changing its protocol to tcp',
    );
    proxy.removeToxic('note_downstream');
    expect(notes.calls).toEqual(['added note_downstream a', 'updated note_downstream b', 'removed note_downstream']);
  });

  it('starts, lists, kills and stops through a listener of the protocol’s own', async () => {
    const { listener, events } = flowListener();
    const notes = notesProtocol(listener);
    registry = new ProxyRegistry({ protocols: [tcpProtocol, notes.module] });
    const proxy = await registry.create({ name: 'u', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', protocol: 'notes' });
    expect(proxy.listen).toBe('127.0.0.1:40000');
    expect(proxy.liveConnections.map((c) => c.clientAddress)).toEqual(['127.0.0.1:5000']);
    expect(proxy.connections).toEqual([]);
    expect(proxy.heldBytes).toBe(7);
    expect(proxy.connectionsTotal).toBe(1);
    expect(proxy.closeConnection(1, 'rst')).toBe(true);
    expect(proxy.closeConnection(2)).toBe(false);
    await proxy.stop();
    expect(events).toEqual(['start 127.0.0.1', 'kill 1 rst', 'kill 2 fin', 'listener stop']);
    expect(notes.calls).toEqual(['stop']);
  });

  it('makes a proxy of a protocol the engine lacks UNSUPPORTED', async () => {
    registry = new ProxyRegistry();
    await expect(registry.create({ name: 'h', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', protocol: 'http' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
  });
});
