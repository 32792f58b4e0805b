import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { toxicTypes } from '../toxics/registry.js';
import { SCENARIO_SCHEMA_PATH, scenarioJsonSchemaText } from './json-schema.js';

describe('scenario JSON Schema', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing it)', async () => {
    const committed = await readFile(new URL(`../../${SCENARIO_SCHEMA_PATH}`, import.meta.url), 'utf8');
    expect(committed).toBe(scenarioJsonSchemaText());
  });

  it('describes durations as strings with units, every toxic type, and the step kinds', () => {
    const text = scenarioJsonSchemaText();
    const schema = JSON.parse(text) as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['version', 'name', 'steps']);
    expect(text).toContain('"pattern": "^(\\\\d+(\\\\.\\\\d+)?(ms|s|m|h))+$"');
    for (const type of toxicTypes()) expect(text).toContain(`"const": "${type}"`);
    for (const kind of ['toxic', 'action', 'ramp', 'monkey', 'wait', 'exec']) expect(text).toContain(`"${kind}"`);
    expect(text).toContain('"default": "1s"');
  });
});
