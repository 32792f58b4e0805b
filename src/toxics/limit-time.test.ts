import { describe, expect, it } from 'vitest';
import { FakeClock, startProxy } from '../index.js';
import { ChainHarness } from '../testing/chain-harness.js';
import { connectTo, readAll, readBytes, startEchoServer, waitFor } from '../testing/net.js';

describe('limit_time (stage, fake clock)', () => {
  it('lets data through untouched, then closes (FIN) `time` ms after it started', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type: 'limit_time', attributes: { time: 1000 } });
    for (let i = 0; i < 99; i++) {
      h.send(Buffer.from([i]));
      h.clock.advance(10);
    }
    expect(h.deliveredLength).toBe(99);
    expect(h.closedWith).toBeNull();
    h.clock.advance(9);
    expect(h.closedWith).toBeNull();
    h.clock.advance(1);
    expect(h.closedWith).toBe('fin');
  });

  it('an update keeps the start: a limit already passed closes at once', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type: 'limit_time', attributes: { time: 1000 } });
    h.clock.advance(600);
    h.update('t', { attributes: { time: 2000 } });
    h.clock.advance(1399);
    expect(h.closedWith).toBeNull();
    h.update('t', { attributes: { time: 500 } });
    h.clock.advance(0);
    expect(h.closedWith).toBe('fin');
  });

  it('time 0 closes on the next tick, never inside the chain change', () => {
    const h = new ChainHarness();
    h.add({ name: 't', type: 'limit_time' });
    expect(h.closedWith).toBeNull();
    h.clock.advance(0);
    expect(h.closedWith).toBe('fin');
  });
});

describe('limit_time (real proxy, fake clock)', () => {
  it('an echo works until the limit, then the client reads EOF', async () => {
    const clock = new FakeClock();
    const echo = await startEchoServer();
    const proxy = await startProxy({
      upstream: echo.address,
      clock,
      toxics: [{ type: 'limit_time', stream: 'downstream', attributes: { time: 300 } }],
    });
    const client = await connectTo(proxy.port);
    try {
      client.write('ping');
      expect((await readBytes(client, 4)).toString()).toBe('ping');
      client.resume();
      let ended = false;
      const rest = readAll(client).finally(() => (ended = true));
      clock.advance(299);
      client.write('pong');
      await waitFor(() => proxy.bytes.downstream.sent === 8, 10_000, 'the second echo');
      expect(ended).toBe(false);
      clock.advance(1);
      const { data, error } = await rest;
      expect(error).toBeUndefined();
      expect(data.toString()).toBe('pong');
    } finally {
      client.destroy();
      await proxy.stop();
      await echo.close();
    }
  });
});
