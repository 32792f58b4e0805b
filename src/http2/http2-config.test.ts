/**
 * http2 proxies in config files: HTTP and HTTP/2 toxics read with their codes, an HTTP/2 toxic on an
 * http proxy reported at its line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type LoadOptions } from '../config/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-http2-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function issuesOf(options: LoadOptions): Promise<string[]> {
  try {
    await loadConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('http2 proxies in config files', () => {
  it('reads http2 proxies with HTTP and HTTP/2 toxics, and locates an HTTP/2 toxic on an http proxy', async () => {
    const good = await file(
      'http2.yaml',
      [
        'proxies:',
        '  - name: grpc',
        '    upstream: 127.0.0.1:50051',
        '    protocol: http2',
        '    toxics:',
        '      - type: http_abort',
        '        stream: upstream',
        '        attributes: { grpc_status: UNAVAILABLE, match: { path: /helloworld.Greeter/* } }',
        '      - type: http2_rst_stream',
        '        attributes: { code: CANCEL }',
      ].join('\n'),
    );
    const { config } = await loadConfig({ file: good });
    expect(config.proxies[0]).toMatchObject({ protocol: 'http2' });
    expect(config.proxies[0]?.toxics.map((t) => t.type)).toEqual(['http_abort', 'http2_rst_stream']);
    const bad = await file(
      'http2-bad.yaml',
      ['proxies:', '  - name: web', '    upstream: 127.0.0.1:80', '    protocol: http', '    toxics: [{ type: http2_goaway }]'].join('\n'),
    );
    expect(await issuesOf({ file: bad })).toEqual([
      `${bad}:5:22: proxies[0].toxics[0].type: toxic type "http2_goaway" works on HTTP/2 proxies only; proxy "web" has protocol http`,
    ]);
  });
});
