/**
 * The HTTP gateway in-process: requests through an `http` proxy reach the upstream on one upstream
 * connection per client connection, hop-by-hop headers are the proxy's own, bodies stream, and the
 * gateway never adds headers of its own.
 */
import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Proxy } from '../core/proxy.js';
import { ProxyRegistry } from '../core/registry.js';
import { httpCall, startHttpServer, type TestHttpServer } from '../testing/http-server.js';
import { httpGateway } from './gateway.js';

describe('http gateway', () => {
  let registry: ProxyRegistry | undefined;
  const servers: TestHttpServer[] = [];
  const agents: Agent[] = [];

  afterEach(async () => {
    for (const a of agents.splice(0)) a.destroy();
    await registry?.close();
    registry = undefined;
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function setup(handler?: Parameters<typeof startHttpServer>[0]): Promise<{ up: TestHttpServer; proxy: Proxy }> {
    const up = await startHttpServer(handler);
    servers.push(up);
    registry = new ProxyRegistry({ gateways: { http: httpGateway }, seed: 'gw' });
    const proxy = await registry.create({ name: 'web', listen: '127.0.0.1:0', upstream: up.address, protocol: 'http' });
    return { up, proxy };
  }

  it('forwards a request and its answer', async () => {
    const { up, proxy } = await setup((req, res) => {
      res.setHeader('X-Seen-Path', req.url ?? '');
      res.end('hello');
    });
    const answer = await httpCall(proxy.port, { path: '/a/b?c=1', headers: { 'X-Custom': 'v' } });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('hello');
    expect(answer.headers['x-seen-path']).toBe('/a/b?c=1');
    expect(up.seen[0]?.headers['x-custom']).toBe('v');
  });
});
