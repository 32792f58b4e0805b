/**
 * Writes the scenario JSON Schema to `configs/schema/` (run from the repository root:
 * `npm run schema`).
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SCENARIO_SCHEMA_PATH, scenarioJsonSchemaText } from './json-schema.js';

const target = resolve(process.cwd(), SCENARIO_SCHEMA_PATH);
await mkdir(dirname(target), { recursive: true });
await writeFile(target, scenarioJsonSchemaText());
process.stdout.write(`wrote ${SCENARIO_SCHEMA_PATH}\n`);
