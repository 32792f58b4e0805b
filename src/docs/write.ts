/**
 * Rewrites every generated file (run from the repository root: `npm run docs`): the JSON Schemas in
 * `configs/schema/` and the toxic tables of the README and docs/toxics.md.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GENERATED_FILES } from './generated-files.js';

for (const file of GENERATED_FILES) {
  const target = resolve(process.cwd(), file.path);
  const current = await readFile(target, 'utf8').catch(() => '');
  const next = file.render(current);
  if (next === current) continue;
  await writeFile(target, next);
  process.stdout.write(`wrote ${file.path}\n`);
}
