/**
 * Writes the JSON Schemas of config and scenario files to `configs/schema/` (run from the
 * repository root: `npm run schema`). Tests fail when a committed schema is out of date.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { configJsonSchemaText, SCHEMA_PATH } from './config/json-schema.js';
import { SCENARIO_SCHEMA_PATH, scenarioJsonSchemaText } from './scenario/json-schema.js';

for (const [path, text] of [
  [SCHEMA_PATH, configJsonSchemaText()],
  [SCENARIO_SCHEMA_PATH, scenarioJsonSchemaText()],
] as const) {
  const target = resolve(process.cwd(), path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, text);
  process.stdout.write(`wrote ${path}\n`);
}
