/**
 * The real npm package `toxiproxy-node-client` drives Faultline through its whole API surface:
 * version, create, get, getAll, update, toxics add / get / update / remove, populate, reset, delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy, ToxiproxyError, type ICreateToxicBody } from 'toxiproxy-node-client';
import { startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { canConnect, connectTo, freePort, readBytes, startEchoServer, type TestServer } from './helpers/net.js';

let server: FaultlineProcess;
let echo: TestServer;
let toxiproxy: Toxiproxy;

beforeAll(async () => {
  server = await startFaultline();
  echo = await startEchoServer();
  toxiproxy = new Toxiproxy(server.url);
});

afterAll(async () => {
  await server?.stop();
  await echo?.close();
});

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

describe('toxiproxy-node-client against faultline', () => {
  it('reads the version', async () => {
    const version = await toxiproxy.getVersion();
    expect(JSON.parse(version)).toMatchObject({ version: expect.stringMatching(/^2\.\d+\.\d+$/) });
  });

  it('creates, gets, lists, updates, adds/updates/removes toxics, and deletes a proxy', async () => {
    const port = await freePort();
    const proxy = await toxiproxy.createProxy({ name: 'echo', listen: `localhost:${port}`, upstream: echo.address });
    expect(proxy).toMatchObject({ name: 'echo', listen: `127.0.0.1:${port}`, upstream: echo.address, enabled: true });
    expect(await canConnect(port)).toBe(true);

    const fetched = await toxiproxy.get('echo');
    expect(fetched.toJson()).toEqual({ name: 'echo', listen: `127.0.0.1:${port}`, upstream: echo.address, enabled: true });
    const all = await toxiproxy.getAll();
    expect(Object.keys(all)).toEqual(['echo']);

    // The client updates with POST and the whole body (enabled, listen, upstream).
    const disabled = await fetched.update({ listen: fetched.listen, upstream: echo.address, enabled: false });
    expect(disabled.enabled).toBe(false);
    expect(await canConnect(port)).toBe(false);
    const enabled = await disabled.update({ listen: disabled.listen, upstream: echo.address, enabled: true });
    expect(enabled.enabled).toBe(true);

    const body: ICreateToxicBody<{ latency: number; jitter: number }> = {
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 1,
      attributes: { latency: 300, jitter: 0 },
    };
    const toxic = await enabled.addToxic(body);
    expect(toxic.toJson()).toEqual({
      name: 'slow',
      type: 'latency',
      stream: 'upstream',
      toxicity: 1,
      attributes: { latency: 300, jitter: 0 },
    });

    const client = await connectTo(port);
    try {
      const started = performance.now();
      client.write('ping');
      expect((await readBytes(client, 4)).toString()).toBe('ping');
      expect(performance.now() - started).toBeGreaterThan(250);

      const got = await enabled.getToxic('slow');
      expect(got.attributes).toEqual({ latency: 300, jitter: 0 });
      // The client updates toxics with POST and the whole object.
      const updated = await got.update({ ...got.toJson(), toxicity: 0.5, attributes: { latency: 10, jitter: 1 } });
      expect(updated.toJson()).toMatchObject({ toxicity: 0.5, attributes: { latency: 10, jitter: 1 } });

      await updated.remove();
      await expect(enabled.getToxic('slow')).rejects.toThrow(/status code 404/);
      // Gone from the data path: a round trip takes less than the 300 ms the toxic added (the
      // fastest of three, so that one round trip a busy machine held up does not count).
      let quickest = Infinity;
      for (let i = 0; i < 3; i++) {
        const quick = performance.now();
        client.write('pong');
        expect((await readBytes(client, 4)).toString()).toBe('pong');
        quickest = Math.min(quickest, performance.now() - quick);
      }
      expect(quickest).toBeLessThan(300);
    } finally {
      client.destroy();
    }

    await enabled.remove();
    await expect(toxiproxy.get('echo')).rejects.toBeInstanceOf(ToxiproxyError);
    expect(await canConnect(port)).toBe(false);
  });

  it('populates (including with an empty list, which crashes it against Toxiproxy) and resets', async () => {
    expect(await toxiproxy.populate([])).toEqual({});
    const [p1, p2] = [await freePort(), await freePort()];
    const proxies = await toxiproxy.populate([
      { name: 'one', listen: `127.0.0.1:${p1}`, upstream: echo.address },
      { name: 'two', listen: `127.0.0.1:${p2}`, upstream: echo.address, enabled: false },
    ]);
    expect(Object.keys(proxies)).toEqual(['one', 'two']);
    expect(proxies['two']?.enabled).toBe(false);
    await proxies['one']?.addToxic({ name: 'cut', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });

    await toxiproxy.reset();
    const after = await toxiproxy.getAll();
    expect(after['two']?.enabled).toBe(true);
    const one = await toxiproxy.get('one');
    await expect(one.getToxic('cut')).rejects.toThrow(/404/);
    expect(await canConnect(portOf(after['two']?.listen ?? ''))).toBe(true);

    await one.remove();
    await (await toxiproxy.get('two')).remove();
    expect(await toxiproxy.getAll()).toEqual({});
  });

  it('surfaces errors as the client expects (non-2xx rejects)', async () => {
    await expect(toxiproxy.get('missing')).rejects.toThrow('Request failed with status code 404');
    const port = await freePort();
    await toxiproxy.createProxy({ name: 'dup', listen: `127.0.0.1:${port}`, upstream: echo.address });
    await expect(toxiproxy.createProxy({ name: 'dup', listen: `127.0.0.1:${port}`, upstream: echo.address })).rejects.toThrow(
      'Request failed with status code 409',
    );
    await (await toxiproxy.get('dup')).remove();
  });
});
