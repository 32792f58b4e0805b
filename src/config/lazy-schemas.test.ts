import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineToxic, type ToxicLookup } from '../core/toxic-contract.js';
import { wholeNumber } from '../toxics/attributes.js';
import { ConfigError, loadConfig } from './load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-lazy-schemas-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('loadConfig and toxic attribute schemas', () => {
  /** A registry of one toxic whose attribute schema counts its builds. */
  function countingRegistry(): { registry: ToxicLookup; builds: () => number } {
    let builds = 0;
    const counted = defineToxic({
      type: 'counted',
      summary: 'Passes bytes through.',
      destructive: false,
      attributes: () => {
        builds++;
        return z.object({ size: wholeNumber('bytes') });
      },
      create: (_attrs, ctx) => ({ heldBytes: 0, onChunk: (buf) => ctx.push(buf), onEnd: () => ctx.end(), flush() {}, dispose() {} }),
    });
    const registry: ToxicLookup = {
      definitions: [counted],
      get: (type) => (type === 'counted' ? counted : undefined),
      types: () => ['counted'],
    };
    return { registry, builds: () => builds };
  }

  it('builds none while no proxy has toxics, and checks them once one has', async () => {
    const { registry, builds } = countingRegistry();
    await loadConfig({ toxicRegistry: registry, flags: { port: '0' } });
    await loadConfig({
      toxicRegistry: registry,
      file: await file('no-toxics.yaml', 'proxies:\n  - { name: a, upstream: "127.0.0.1:1" }\n'),
    });
    expect(builds()).toBe(0);
    const path = await file(
      'counted.yaml',
      'proxies:\n  - name: a\n    upstream: 127.0.0.1:1\n    toxics:\n      - { type: counted, attributes: { size: -1 } }\n',
    );
    const refused = await loadConfig({ toxicRegistry: registry, file: path }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues).toEqual([
      `${path}:5:46: proxies[0].toxics[0].attributes.size: must be 0 or more (bytes), got -1`,
    ]);
    expect(builds()).toBe(1);
  });
});
