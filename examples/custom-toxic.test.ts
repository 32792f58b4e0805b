import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, startProxy, ToxicRegistry, type ToxicProxy } from 'faultline';
import { describeToxicContract } from '../src/testing/toxic-contract.js';
import { connectTo, readAll, readBytes, startEchoServer, startServer, waitFor, type TestServer } from '../src/testing/net.js';
import { coalesce, startCoalescingProxy } from './custom-toxic.js';

describeToxicContract(
  coalesce,
  { attributes: { bytes: 4000, max_wait: 5 }, updated: { bytes: 100, max_wait: 0 }, integrity: 'intact' },
  ToxicRegistry.builtin.with([coalesce]),
);

describe('the custom toxic example', () => {
  let upstream: TestServer | undefined;
  let proxy: ToxicProxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await upstream?.close();
    proxy = upstream = undefined;
  });

  it('runs in a proxy: small writes reach the server as one piece', async () => {
    const pieces: string[] = [];
    upstream = await startServer((socket) => socket.on('data', (d: Buffer) => pieces.push(d.toString())).on('end', () => socket.end()));
    // max_wait is long: on a busy machine the test must not race the timer.
    proxy = await startCoalescingProxy(`127.0.0.1:${upstream.port}`, { bytes: 6, max_wait: 60_000 });
    const client = await connectTo(proxy.port);
    client.write('abc');
    // The first write is held in the proxy before the second leaves the client.
    await waitFor(() => (proxy?.connections[0]?.link('upstream')?.chain.heldBytes ?? 0) === 3, 10_000, 'the first write held');
    client.write('def');
    await waitFor(() => pieces.length > 0, 10_000, 'the piece');
    client.end();
    await readAll(client);
    expect(pieces).toEqual(['abcdef']);
  });

  it('sends what it holds after max_wait, on the proxy clock', async () => {
    upstream = await startEchoServer();
    const clock = new FakeClock();
    proxy = await startProxy({
      upstream: `127.0.0.1:${upstream.port}`,
      clock,
      customToxics: [coalesce],
      toxics: [{ type: 'coalesce', stream: 'upstream', attributes: { bytes: 100, max_wait: 1000 } }],
    });
    const client = await connectTo(proxy.port);
    client.write('ping');
    await waitFor(() => (proxy?.connections[0]?.link('upstream')?.chain.heldBytes ?? 0) === 4, 10_000, 'the write held');
    clock.advance(999);
    expect(proxy.connections[0]?.link('upstream')?.chain.heldBytes).toBe(4);
    clock.advance(1);
    expect((await readBytes(client, 4)).toString()).toBe('ping');
    client.destroy();
  });

  it('is listed by the registry it is given to, after the built-ins', () => {
    const types = ToxicRegistry.builtin.with([coalesce]).types();
    expect(types.at(-1)).toBe('coalesce');
    expect(coalesce.attributes.parse({})).toEqual({ bytes: 1460, max_wait: 10 });
  });
});
