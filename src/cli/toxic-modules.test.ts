import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToxicRegistry } from '../toxics/registry.js';
import { loadToxicModules, MAX_TOXIC_MODULES } from './toxic-modules.js';

const zod = pathToFileURL(createRequire(import.meta.url).resolve('zod')).href;

/** A module defining the toxic `type` (a pass-through), exported as `exportAs` (`default` or a name). */
function toxicModule(type: string, exportAs = type): string {
  const definition = `{ type: '${type}', summary: 'Passes data through (a test toxic).', destructive: false, attributes: z.object({}), create: (_a, ctx) => ({ heldBytes: 0, onChunk: (b) => ctx.push(b), onEnd: () => ctx.end(), flush() {}, dispose() {} }) }`;
  return `import { z } from '${zod}';\n${exportAs === 'default' ? `export default [${definition}];` : `export const ${exportAs} = ${definition};\nexport const notAToxic = 42;`}\n`;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-modules-'));
  await writeFile(join(dir, 'named.mjs'), toxicModule('pass_named'));
  await writeFile(join(dir, 'default.mjs'), toxicModule('pass_default', 'default'));
  await writeFile(join(dir, 'clash.mjs'), toxicModule('latency', 'clash'));
  await writeFile(join(dir, 'empty.mjs'), 'export const answer = 42;\n');
  await writeFile(join(dir, 'broken.mjs'), 'export const = ;\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadToxicModules', () => {
  it('takes named exports and a default list, after the built-ins, in the order given', async () => {
    const registry = await loadToxicModules([join(dir, 'named.mjs'), join(dir, 'default.mjs')]);
    expect(registry.types()).toEqual([...ToxicRegistry.builtin.types(), 'pass_named', 'pass_default']);
  });

  it('names the file at fault', async () => {
    await expect(loadToxicModules([join(dir, 'missing.mjs')])).rejects.toThrow(`${join(dir, 'missing.mjs')}: cannot load:`);
    await expect(loadToxicModules([join(dir, 'broken.mjs')])).rejects.toThrow(`${join(dir, 'broken.mjs')}: cannot load:`);
    await expect(loadToxicModules([join(dir, 'empty.mjs')])).rejects.toThrow(`${join(dir, 'empty.mjs')}: exports no toxic definition`);
    await expect(loadToxicModules([join(dir, 'clash.mjs')])).rejects.toThrow(
      `${join(dir, 'clash.mjs')}: custom toxic "latency": a toxic of this type is already defined`,
    );
    await expect(loadToxicModules([join(dir, 'named.mjs'), join(dir, 'named.mjs')])).rejects.toThrow(
      'custom toxic "pass_named": a toxic of this type is already defined',
    );
  });

  it('loads a bounded number of modules', async () => {
    await expect(loadToxicModules(Array.from({ length: MAX_TOXIC_MODULES + 1 }, () => join(dir, 'named.mjs')))).rejects.toThrow(
      `at most ${MAX_TOXIC_MODULES} toxic modules, got ${MAX_TOXIC_MODULES + 1}`,
    );
  });
});
