/**
 * HTTP/2 proxies through the admin API: created with `protocol: "http2"`, HTTP and HTTP/2 toxics
 * taken with their attributes (error codes and gRPC statuses by number or name), the HTTP/2 ones
 * refused on other protocols with a 400 naming the protocol; `grpc_status` on an `http` proxy is
 * ignored and the abort answers with its `status`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server.js';
import { apiCall } from '../testing/api.js';
import { startHttpServer, httpCall, type TestHttpServer } from '../testing/http-server.js';

let server: RunningServer;
let web: TestHttpServer;

const call = (method: string, path: string, body?: unknown) => apiCall(server.url, method, path, body);

beforeAll(async () => {
  server = await startServer({ port: 0, metrics: false, seed: 'h2api' });
  web = await startHttpServer();
});

afterAll(async () => {
  await server.close();
  await web.close();
});

describe('http2 proxies through the API', () => {
  it('creates one, shows its protocol, and takes HTTP and HTTP/2 toxics with names read as numbers', async () => {
    const created = await call('POST', '/proxies', { name: 'g', listen: '127.0.0.1:0', upstream: '127.0.0.1:50051', protocol: 'http2' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'g', protocol: 'http2' });
    const abort = await call('POST', '/proxies/g/toxics', {
      type: 'http_abort',
      stream: 'upstream',
      attributes: { grpc_status: 'unavailable', grpc_message: 'down', match: { path: '/helloworld.Greeter/*' } },
    });
    expect(abort.status).toBe(200);
    expect(abort.json).toMatchObject({ attributes: { grpc_status: 14, grpc_message: 'down' } });
    const rst = await call('POST', '/proxies/g/toxics', {
      type: 'http2_rst_stream',
      attributes: { code: 'REFUSED_STREAM', after_headers: true },
    });
    expect(rst.json).toMatchObject({ attributes: { code: 7, after_headers: true } });
    const goaway = await call('POST', '/proxies/g/toxics', { type: 'http2_goaway', attributes: { after: 3 } });
    expect(goaway.json).toMatchObject({ attributes: { after: 3, code: 0 } });
  });

  it('refuses bad codes with a 400 that lists the names', async () => {
    const badGrpc = await call('POST', '/proxies/g/toxics', { name: 'b1', type: 'http_abort', attributes: { grpc_status: 'SLOW' } });
    expect(badGrpc.status).toBe(400);
    expect(String(badGrpc.json?.['error'])).toContain('expected a gRPC status: a code from 0 to 16 or its name (OK, CANCELLED');
    const badCode = await call('POST', '/proxies/g/toxics', { name: 'b2', type: 'http2_rst_stream', attributes: { code: 14 } });
    expect(badCode.status).toBe(400);
    expect(String(badCode.json?.['error'])).toContain('expected an HTTP/2 error code: 0 to 13 or its name');
  });

  it('refuses HTTP/2 toxics on http and tcp proxies with a 400 naming the protocol', async () => {
    await call('POST', '/proxies', { name: 'h1', listen: '127.0.0.1:0', upstream: web.address, protocol: 'http' });
    const onHttp = await call('POST', '/proxies/h1/toxics', { type: 'http2_goaway' });
    expect(onHttp.status).toBe(400);
    expect(onHttp.json).toMatchObject({
      error: 'toxic type http2_goaway works on HTTP/2 proxies only; proxy h1 has protocol http (create it with "protocol": "http2")',
    });
    await call('POST', '/proxies', { name: 't', listen: '127.0.0.1:0', upstream: web.address });
    expect((await call('POST', '/proxies/t/toxics', { type: 'http2_rst_stream' })).status).toBe(400);
  });

  it('ignores grpc_status on an http proxy: the abort answers with its status and body', async () => {
    const proxy = await call('GET', '/proxies/h1');
    const port = Number(String(proxy.json?.['listen']).split(':').pop());
    await call('POST', '/proxies/h1/toxics', {
      type: 'http_abort',
      stream: 'upstream',
      attributes: { status: 503, body: 'plain', grpc_status: 'UNAVAILABLE' },
    });
    const answer = await httpCall(port, { path: '/x' });
    expect(answer.status).toBe(503);
    expect(answer.body.toString()).toBe('plain');
    expect(answer.headers['grpc-status']).toBeUndefined();
  });
});
