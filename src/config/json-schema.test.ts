import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configJsonSchemaText, SCHEMA_PATH } from './json-schema.js';

describe('config JSON Schema', () => {
  it('is up to date with the zod schema (run `npm run docs` after changing it)', async () => {
    const committed = await readFile(new URL(`../../${SCHEMA_PATH}`, import.meta.url), 'utf8');
    expect(committed).toBe(configJsonSchemaText());
  });

  it('describes both Faultline’s format and Toxiproxy’s array, with every toxic type', () => {
    const schema = JSON.parse(configJsonSchemaText()) as { anyOf: Array<{ type: string }> };
    expect(schema.anyOf.map((s) => s.type)).toEqual(['object', 'array']);
    const text = configJsonSchemaText();
    for (const type of ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop']) {
      expect(text).toContain(`"const": "${type}"`);
    }
  });
});
