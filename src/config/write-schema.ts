/**
 * Writes the config JSON Schema to `configs/schema/` (run from the repository root:
 * `npm run schema`).
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { configJsonSchemaText, SCHEMA_PATH } from './json-schema.js';

const target = resolve(process.cwd(), SCHEMA_PATH);
await mkdir(dirname(target), { recursive: true });
await writeFile(target, configJsonSchemaText());
process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
