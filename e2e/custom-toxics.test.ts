/**
 * `faultline serve --toxic-module FILE`: a custom toxic from a JavaScript module, accepted by the
 * API and the config file of the server that loaded it, running on its data path.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startFaultline, type FaultlineProcess } from './helpers/faultline.js';
import { connectTo, readBytes, startEchoServer, type TestServer } from './helpers/net.js';

const zod = pathToFileURL(createRequire(import.meta.url).resolve('zod')).href;

/** `upcase`: upper-cases ASCII letters (a destructive toxic: it alters bytes). */
const MODULE = `import { z } from '${zod}';
export const upcase = {
  type: 'upcase',
  summary: 'Upper-cases ASCII letters.',
  destructive: 'alters bytes',
  attributes: z.object({}),
  create: (_attrs, ctx) => ({
    heldBytes: 0,
    onChunk: (buf) => ctx.push(Buffer.from(buf.toString('latin1').toUpperCase(), 'latin1')),
    onEnd: () => ctx.end(),
    flush() {},
    dispose() {},
  }),
};
`;

let dir: string;
let echo: TestServer;
let server: FaultlineProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-toxic-module-'));
  await writeFile(join(dir, 'upcase.mjs'), MODULE);
  echo = await startEchoServer();
  await writeFile(
    join(dir, 'config.yaml'),
    `proxies:\n  - name: shout\n    listen: 127.0.0.1:0\n    upstream: 127.0.0.1:${echo.port}\n    toxics:\n      - type: upcase\n        stream: upstream\n`,
  );
});

afterAll(async () => {
  await server?.stop();
  await echo.close();
  await rm(dir, { recursive: true, force: true });
});

describe('faultline serve --toxic-module', () => {
  it('serves the toxics of the module: config, API, /faultline/info and the data path', async () => {
    server = await startFaultline([
      'serve',
      '--port',
      '0',
      '--toxic-module',
      join(dir, 'upcase.mjs'),
      '--config',
      join(dir, 'config.yaml'),
    ]);
    const info = (await (await fetch(`${server.url}/faultline/info`)).json()) as { toxic_types: string[] };
    expect(info.toxic_types.at(-1)).toBe('upcase');
    const proxies = (await (await fetch(`${server.url}/proxies`)).json()) as Record<
      string,
      { listen: string; toxics: Array<{ type: string }> }
    >;
    expect(proxies['shout']?.toxics.map((t) => t.type)).toEqual(['upcase']);
    const added = await fetch(`${server.url}/proxies/shout/toxics`, {
      method: 'POST',
      body: JSON.stringify({ name: 'again', type: 'upcase' }),
    });
    expect(added.status).toBe(200);
    const port = Number(proxies['shout']?.listen.split(':').at(-1));
    const socket = await connectTo(port);
    socket.write('hello');
    expect((await readBytes(socket, 5)).toString()).toBe('HELLO');
    socket.destroy();
    expect(server.logs.some((l) => l['msg'] === 'custom toxics loaded' && JSON.stringify(l['types']) === '["upcase"]')).toBe(true);
  });

  it('stops with a message naming the module when it cannot be used', async () => {
    const missing = join(dir, 'missing.mjs');
    const exit = await runCli(['serve', '--port', '0', '--toxic-module', missing]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`faultline: --toxic-module ${missing}: cannot load:`);
  });

  it('without it, a config with the custom type fails to load, naming the line', async () => {
    const exit = await runCli(['serve', '--port', '0', '--config', join(dir, 'config.yaml')]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`${join(dir, 'config.yaml')}:6:15: proxies[0].toxics[0].type: unknown toxic type "upcase"`);
  });
});
