/**
 * The JSON Schema of config files, generated from the zod schema so editors validate what the
 * server validates. `npm run docs` writes it to `configs/schema/faultline.schema.json`.
 * @module
 */
import { z } from 'zod';
import { configSchemas } from './schema.js';

/** Where the generated schema is committed, relative to the repository root. */
export const SCHEMA_PATH = 'configs/schema/faultline.schema.json';

/**
 * Toxic attributes keep their unit in a `unit` key of their metadata; standard JSON Schema has no
 * such keyword (strict validators refuse unknown ones), so the unit joins the description instead.
 */
function unitInDescription({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  const { unit, description } = jsonSchema;
  delete jsonSchema['unit'];
  delete jsonSchema['defaultText'];
  if (typeof unit !== 'string') return;
  jsonSchema['description'] = typeof description === 'string' ? `${description} (${unit})` : unit;
}

/**
 * A zod schema as a committed JSON Schema document (draft 2020-12, describing the input a file may
 * hold), with a title and description for editors.
 */
export function jsonSchemaText(schema: z.ZodType, meta: { title: string; description: string }, reused: 'ref' | 'inline'): string {
  const generated = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    reused,
    override: unitInDescription,
  });
  return `${JSON.stringify({ ...generated, ...meta }, null, 2)}\n`;
}

/** The config file JSON Schema, as the text that is committed. */
export function configJsonSchemaText(): string {
  return jsonSchemaText(
    configSchemas().file,
    {
      title: 'Faultline config',
      description:
        "Faultline server settings, engine settings, and proxies with their toxics. A bare JSON array of proxies (Toxiproxy's config format) is accepted too.",
    },
    'ref',
  );
}
