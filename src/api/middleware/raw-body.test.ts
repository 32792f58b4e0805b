import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawBody } from './raw-body.js';

let server: Server;
let port: number;

beforeAll(async () => {
  const app = express();
  app.use(rawBody(16));
  app.use((req, res) => {
    const body: unknown = req.body;
    res.json({ body: Buffer.isBuffer(body) ? body.toString('latin1') : body === undefined ? 'none' : typeof body });
  });
  app.use((err: { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status ?? 500).json({ type: err.type });
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** One request with exactly these headers and body chunks. */
function send(method: string, headers: Record<string, string>, chunks: string[] = []): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('rawBody', () => {
  it('leaves req.body undefined on a request without a body', async () => {
    expect(await send('GET', {})).toEqual({ status: 200, json: { body: 'none' } });
    expect(await send('DELETE', {})).toEqual({ status: 200, json: { body: 'none' } });
  });

  it('reads a body of any content type as bytes, with a length or chunked', async () => {
    expect(await send('POST', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '5' }, ['a=b&c'])).toEqual({
      status: 200,
      json: { body: 'a=b&c' },
    });
    expect(await send('POST', { 'transfer-encoding': 'chunked' }, ['{"a"', ':1}'])).toEqual({ status: 200, json: { body: '{"a":1}' } });
    expect(await send('POST', { 'content-length': '0' })).toEqual({ status: 200, json: { body: '' } });
  });

  it("refuses a body over the cap with body-parser's 413", async () => {
    expect(await send('POST', { 'transfer-encoding': 'chunked' }, ['x'.repeat(10), 'y'.repeat(10)])).toEqual({
      status: 413,
      json: { type: 'entity.too.large' },
    });
  });
});
