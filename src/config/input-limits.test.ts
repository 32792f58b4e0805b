/**
 * Client mistakes get a 4xx (or a clean refusal at startup), never a 500 or an exhausted memory: a
 * YAML alias bomb, a file too large to parse (config, state, scenario), a listen address that is
 * not this machine's. Sizes are checked before a byte is parsed.
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONFIG_FILE_BYTES, MAX_SCENARIO_BYTES, MAX_STATE_FILE_BYTES } from '../limits.js';
import { loadScenario } from '../scenario/load.js';
import { startServer, type RunningServer } from '../server.js';
import { readStateFile } from '../state/state-file.js';
import { loadConfig } from './load.js';

/** Nine levels of nine aliases each: a few hundred bytes that expand to hundreds of millions of nodes. */
const ALIAS_BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, i) => {
    const previous = String.fromCharCode('a'.charCodeAt(0) + i);
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }),
].join('\n');

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-input-limits-'));
  server = await startServer({ port: 0, metrics: false, allowRemoteListen: true });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(server.url + path, { method: 'POST', headers: { 'User-Agent': 'test' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A file of `size` bytes that takes no disk space. */
async function sparse(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  const handle = await open(path, 'w');
  await handle.truncate(size);
  await handle.close();
  return path;
}

describe('input limits', () => {
  it('a YAML alias bomb in POST /scenarios is a 400 that says so, and the server goes on', async () => {
    const res = await post('/scenarios', `version: 1\nname: bomb\n${ALIAS_BOMB}\nsteps:\n  - wait: 1s\n`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'SCENARIO_INVALID', error: expect.stringContaining('too many alias expansions') });
    expect((await fetch(`${server.url}/version`, { headers: { 'User-Agent': 'test' } })).status).toBe(200);
  });

  it('a YAML alias bomb in a config file is refused as invalid configuration', async () => {
    const path = join(dir, 'bomb.yaml');
    await writeFile(path, `${ALIAS_BOMB}\n`);
    await expect(loadConfig({ file: path })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('bomb.yaml: too many alias expansions'),
    });
  });

  it('files past their size limit are refused before they are parsed', async () => {
    const config = await sparse('huge.yaml', MAX_CONFIG_FILE_BYTES + 1);
    await expect(loadConfig({ file: config })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`the file is larger than ${MAX_CONFIG_FILE_BYTES} bytes`),
    });
    const state = await sparse('huge-state.json', MAX_STATE_FILE_BYTES + 1);
    await expect(readStateFile(state)).rejects.toMatchObject({
      code: 'STATE_INVALID',
      message: expect.stringContaining(`larger than ${MAX_STATE_FILE_BYTES} bytes`),
    });
    const scenario = await sparse('huge-scenario.yaml', MAX_SCENARIO_BYTES + 1);
    await expect(loadScenario(scenario)).rejects.toMatchObject({
      code: 'SCENARIO_INVALID',
      message: expect.stringContaining(`larger than ${MAX_SCENARIO_BYTES} bytes`),
    });
  });

  it('a scenario body past its limit is a 413, whatever the general body limit', async () => {
    const big = await startServer({ port: 0, metrics: false, bodyLimit: 4 * MAX_SCENARIO_BYTES });
    try {
      const res = await fetch(`${big.url}/scenarios`, {
        method: 'POST',
        headers: { 'User-Agent': 'test' },
        body: `# ${'x'.repeat(MAX_SCENARIO_BYTES)}\n`,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        error: `request body too large: a scenario is at most ${MAX_SCENARIO_BYTES} bytes`,
      });
    } finally {
      await big.close();
    }
  });

  it('a listen address that is not this machine’s is a 400, a busy port keeps Toxiproxy’s 500', async () => {
    const foreign = await post('/proxies', JSON.stringify({ name: 'foreign', listen: '192.0.2.1:0', upstream: '127.0.0.1:9' }));
    expect(foreign.status).toBe(400);
    expect(foreign.json).toMatchObject({
      code: 'INVALID_ADDRESS',
      error: 'listen tcp 192.0.2.1:0: bind: cannot assign requested address (not an address of this machine)',
    });
    const first = await post('/proxies', JSON.stringify({ name: 'first', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }));
    const busy = await post('/proxies', JSON.stringify({ name: 'busy', listen: first.json['listen'], upstream: '127.0.0.1:9' }));
    expect(busy.status).toBe(500);
    expect(busy.json).toMatchObject({
      code: 'LISTEN_FAILED',
      error: `listen tcp ${String(first.json['listen'])}: bind: address already in use`,
    });
  });
});
