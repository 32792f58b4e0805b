import { afterEach, describe, expect, it } from 'vitest';
import { ProxyRegistry } from '../core/proxy-registry.js';
import { compareUtf8, float32, proxiesJson, proxyJson, toxicJson } from './serialize.js';

describe('float32', () => {
  it('prints the shortest decimal that reads back as the same float32, like Go', () => {
    expect(float32(0.123456789)).toBe(0.12345679);
    expect(float32(0.2)).toBe(0.2);
    expect(float32(0.5)).toBe(0.5);
    expect(float32(1)).toBe(1);
    expect(float32(0)).toBe(0);
    expect(float32(1.7)).toBe(1.7);
    expect(float32(-1)).toBe(-1);
    expect(float32(1 / 3)).toBe(0.33333334);
    expect(JSON.stringify(float32(0.1))).toBe('0.1');
  });
});

describe('wire objects', () => {
  const registry = new ProxyRegistry({ seed: 1 });
  afterEach(() => registry.close());

  it('writes a proxy with Toxiproxy key order and its toxics upstream first', async () => {
    const proxy = await registry.create({ name: 'redis', listen: '127.0.0.1:0', upstream: 'localhost:6379', enabled: false });
    proxy.addToxic({ type: 'latency', attributes: { latency: 5 } });
    proxy.addToxic({ name: 'up', type: 'noop', stream: 'UPSTREAM', toxicity: 0.123456789 });
    expect(JSON.stringify(proxyJson(proxy))).toBe(
      '{"name":"redis","listen":"127.0.0.1:0","upstream":"localhost:6379","enabled":false,"toxics":[' +
        '{"attributes":{},"name":"up","type":"noop","stream":"UPSTREAM","toxicity":0.12345679},' +
        '{"attributes":{"latency":5,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}]}',
    );
    const spec = proxy.getToxic('up');
    expect(spec && Object.keys(toxicJson(spec))).toEqual(['attributes', 'name', 'type', 'stream', 'toxicity']);
  });

  it('keys the proxy list by name, sorted by UTF-8 bytes as Go sorts map keys', async () => {
    for (const name of ['b', '9', '10', 'a', 'é', 'Z']) {
      await registry.create({ name, listen: '127.0.0.1:0', upstream: 'x:1', enabled: false });
    }
    const text = proxiesJson(registry.list());
    const order = [...text.matchAll(/"([^"]+)":\{"name"/g)].map((m) => m[1]);
    expect(order).toEqual(['10', '9', 'Z', 'a', 'b', 'é']);
  });

  it('writes an empty list as {}', () => {
    expect(proxiesJson([])).toBe('{}');
  });

  it('compares by UTF-8 bytes, not UTF-16 code units', () => {
    // In UTF-16 U+1F600 (a surrogate pair, 0xD83D…) sorts before U+FF61; in UTF-8 (F0… vs EF…) after.
    expect('\u{1F600}' < '\uFF61').toBe(true);
    expect(compareUtf8('\uFF61', '\u{1F600}')).toBeLessThan(0);
    expect(compareUtf8('a', 'b')).toBeLessThan(0);
    expect(compareUtf8('same', 'same')).toBe(0);
  });
});
