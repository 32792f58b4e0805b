import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startProxy } from '../index.js';
import { loadConfig } from '../config/load.js';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { connectTo, readBytes, startEchoServer, type TestServer } from '../testing/net.js';
import { wholeNumber } from './attributes.js';
import { builtinDatagramToxics, builtinTlsToxics, builtinToxics, getToxicDefinition, ToxicRegistry, toxicTypes } from './registry.js';
import { defineToxic, type AnyToxicDefinition } from '../core/toxic-contract.js';

/** A custom toxic for these tests: upper-cases ASCII letters after the first `skip` bytes. */
const upcase = defineToxic({
  type: 'upcase',
  summary: 'Upper-cases ASCII letters after the first skip bytes.',
  destructive: 'alters bytes',
  attributes: z.object({ skip: wholeNumber('bytes') }),
  create: (attrs, ctx) => {
    let seen = 0;
    return {
      heldBytes: 0,
      onChunk(buf) {
        const out = Buffer.from(buf);
        for (let i = 0; i < out.length; i++, seen++) {
          const c = out[i] ?? 0;
          if (seen >= attrs.skip && c >= 0x61 && c <= 0x7a) out[i] = c - 0x20;
        }
        ctx.push(out);
      },
      onEnd: () => ctx.end(),
      flush() {},
      dispose() {},
    };
  },
});

describe('ToxicRegistry', () => {
  it('holds the built-ins in documentation order', () => {
    expect(ToxicRegistry.builtin.definitions).toEqual([...builtinToxics, ...builtinDatagramToxics, ...builtinTlsToxics]);
    expect(ToxicRegistry.builtin.types()).toEqual([...toxicTypes(), 'duplicate', 'reorder', 'tls_certificate', 'tls_handshake']);
    expect(ToxicRegistry.builtin.get('latency')).toBe(getToxicDefinition('latency'));
    expect(ToxicRegistry.builtin.get('upcase')).toBeUndefined();
  });

  it('looks a type that layers share up within a proxy’s layers', () => {
    const stream = ToxicRegistry.builtin.get('latency', ['stream', 'http']);
    const datagram = ToxicRegistry.builtin.get('latency', ['datagram']);
    expect(stream?.layer).toBeUndefined();
    expect(datagram?.layer).toBe('datagram');
    expect(Object.keys(datagram?.attributes.shape ?? {})).toContain('reorder');
    // Outside its layers a type still resolves, so the proxy can say which protocols take it.
    expect(ToxicRegistry.builtin.get('duplicate', ['stream'])?.layer).toBe('datagram');
    expect(ToxicRegistry.builtin.get('slicer', ['datagram'])?.layer).toBeUndefined();
    expect(() => ToxicRegistry.builtin.with([{ ...upcase, type: 'reorder' }])).toThrow(
      'custom toxic "reorder": a toxic of this type is already defined',
    );
  });

  it('adds custom toxics after the built-ins, leaving the built-in registry as it was', () => {
    const registry = ToxicRegistry.builtin.with([upcase]);
    expect(registry.types()).toEqual([...ToxicRegistry.builtin.types(), 'upcase']);
    expect(registry.get('upcase')).toBe(upcase);
    expect(ToxicRegistry.builtin.get('upcase')).toBeUndefined();
    expect(ToxicRegistry.builtin.with([])).toBe(ToxicRegistry.builtin);
  });

  it('refuses a definition it could not serve, saying why', () => {
    const bad = (changes: Record<string, unknown>) => () => ToxicRegistry.builtin.with([{ ...upcase, ...changes } as AnyToxicDefinition]);
    expect(bad({ type: 'latency' })).toThrow('custom toxic "latency": a toxic of this type is already defined');
    expect(bad({ type: 'Up-Case' })).toThrow('custom toxic "Up-Case": type must be snake_case');
    expect(bad({ type: 'x'.repeat(65) })).toThrow('type must be snake_case');
    expect(bad({ layer: 'udp' })).toThrow('layer must be "stream" or "http"');
    expect(bad({ summary: '' })).toThrow('summary must be a one-line description');
    expect(bad({ destructive: true })).toThrow('destructive must be false or say why');
    expect(bad({ create: undefined })).toThrow('create must be a function');
    expect(bad({ extensions: ['skip'] })).toThrow("extensions apply to Toxiproxy's own toxics only");
    expect(bad({ attributes: z.object({ skip: z.number() }) })).toThrow('every attribute has a default');
    expect(() => ToxicRegistry.builtin.with([upcase, upcase])).toThrow('custom toxic "upcase": a toxic of this type is already defined');
  });
});

describe('attribute schemas', () => {
  it('are built on the first read of attributes, once, when given as a function', () => {
    let builds = 0;
    const lazy = defineToxic({
      type: 'lazy_upcase',
      summary: 'Upper-cases ASCII letters after the first skip bytes.',
      destructive: 'alters bytes',
      attributes: () => {
        builds++;
        return z.object({ skip: wholeNumber('bytes') });
      },
      create: upcase.create,
    });
    expect(builds).toBe(0);
    expect(lazy.attributes.parse({})).toEqual({ skip: 0 });
    expect(lazy.attributes).toBe(lazy.attributes);
    expect(builds).toBe(1);
    expect(Object.keys(lazy)).toEqual(Object.keys(upcase));
  });

  it('of every built-in toxic are one schema per definition, whatever reads it', () => {
    for (const definition of ToxicRegistry.builtin.definitions) expect(definition.attributes).toBe(definition.attributes);
  });
});

describe('custom toxics in an engine', () => {
  let echo: TestServer | undefined;
  let server: RunningServer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await server?.close();
    await echo?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    server = echo = dir = undefined;
  });

  it('startProxy accepts customToxics and runs them on the data path', async () => {
    echo = await startEchoServer();
    const proxy = await startProxy({
      upstream: `127.0.0.1:${echo.port}`,
      customToxics: [upcase],
      toxics: [{ type: 'upcase', attributes: { skip: 2 } }],
    });
    try {
      const socket = await connectTo(proxy.port);
      socket.write('abcdef');
      expect((await readBytes(socket, 6)).toString()).toBe('abCDEF');
      socket.destroy();
    } finally {
      await proxy.stop();
    }
  });

  it('a registry without them refuses the type as Toxiproxy would', async () => {
    const registry = new ProxyRegistry();
    const withUpcase = new ProxyRegistry({ toxicRegistry: ToxicRegistry.builtin.with([upcase]) });
    try {
      const plain = await registry.create({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: false });
      expect(() => plain.addToxic({ type: 'upcase' })).toThrow('invalid toxic type');
      const custom = await withUpcase.create({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: false });
      expect(custom.addToxic({ type: 'upcase' }).attributes).toEqual({ skip: 0 });
    } finally {
      await registry.close();
      await withUpcase.close();
    }
  });

  it('startServer: the API, /faultline/info, the catalog, config proxies and the state file know them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-custom-'));
    const stateFile = join(dir, 'state.json');
    server = await startServer({
      port: 0,
      metrics: false,
      customToxics: [upcase],
      stateFile,
      proxies: [
        { name: 'web', upstream: '127.0.0.1:9', enabled: false, toxics: [{ name: 'up', type: 'upcase', attributes: { skip: 1 } }] },
      ],
    });
    const info = await apiCall(server.url, 'GET', '/faultline/info');
    expect(info.json?.['toxic_types']).toEqual([...ToxicRegistry.builtin.types(), 'upcase']);
    const catalog = await apiCall(server.url, 'GET', '/faultline/toxics');
    const entry = (catalog.json!['toxics'] as Array<Record<string, unknown>>).find((t) => t['type'] === 'upcase');
    expect(entry).toMatchObject({ layer: 'stream', summary: upcase.summary, destructive: 'alters bytes', extensions: [] });
    const added = await apiCall(server.url, 'POST', '/proxies/web/toxics', { name: 'up2', type: 'upcase', stream: 'upstream' });
    expect(added.status).toBe(200);
    expect(added.text).toBe('{"attributes":{"skip":0},"name":"up2","type":"upcase","stream":"upstream","toxicity":1}');
    const unknown = await apiCall(server.url, 'POST', '/proxies/web/toxics', { type: 'downcase' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toBe('{"error":"invalid toxic type","status":400,"code":"INVALID_TOXIC_TYPE"}');
    await server.close();

    // Restarted with the same toxic types, the state file brings both toxics back.
    server = await startServer({ port: 0, metrics: false, customToxics: [upcase], stateFile });
    expect(server.registry.require('web').toxics.map((t) => `${t.name}:${t.type}`)).toEqual(['up2:upcase', 'up:upcase']);
    await server.close();
    server = undefined;
    // Without them the state file cannot be read back, and the server says why.
    await expect(startServer({ port: 0, metrics: false, stateFile })).rejects.toThrow(
      'proxies[0].toxics[0].type: Invalid discriminator value',
    );
  });

  it('a server without custom toxics answers exactly as before', async () => {
    server = await startServer({ port: 0, metrics: false });
    const info = await apiCall(server.url, 'GET', '/faultline/info');
    expect(info.json?.['toxic_types']).toEqual(ToxicRegistry.builtin.types());
    await apiCall(server.url, 'POST', '/proxies', { name: 'web', upstream: '127.0.0.1:9', enabled: false });
    const unknown = await apiCall(server.url, 'POST', '/proxies/web/toxics', { type: 'upcase' });
    expect(unknown.text).toBe('{"error":"invalid toxic type","status":400,"code":"INVALID_TOXIC_TYPE"}');
  });

  it('config files accept the types of the registry they are loaded with', async () => {
    dir = await mkdtemp(join(tmpdir(), 'faultline-custom-'));
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      'proxies:\n  - name: web\n    upstream: 127.0.0.1:9\n    toxics:\n      - type: upcase\n        attributes: { skip: 3 }\n',
    );
    const { config } = await loadConfig({ file, toxicRegistry: ToxicRegistry.builtin.with([upcase]) });
    expect(config.proxies[0]?.toxics[0]).toMatchObject({ type: 'upcase', attributes: { skip: 3 } });
    await expect(loadConfig({ file })).rejects.toThrow(
      `${file}:5:15: proxies[0].toxics[0].type: unknown toxic type "upcase" (expected one of: ${ToxicRegistry.builtin.types().join(', ')})`,
    );
    await writeFile(
      file,
      'proxies:\n  - name: web\n    upstream: 127.0.0.1:9\n    toxics:\n      - type: upcase\n        attributes: { skip: -1 }\n',
    );
    await expect(loadConfig({ file, toxicRegistry: ToxicRegistry.builtin.with([upcase]) })).rejects.toThrow(
      'attributes.skip: must be 0 or more (bytes), got -1',
    );
  });

  it('refuses customToxics together with a toxicRegistry', async () => {
    await expect(startServer({ port: 0, customToxics: [upcase], toxicRegistry: ToxicRegistry.builtin })).rejects.toThrow(
      'give customToxics or toxicRegistry, not both',
    );
  });
});
