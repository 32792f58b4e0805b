/**
 * The JSON Schema of config files, generated from the zod schema so editors validate what the
 * server validates. `npm run schema` writes it to `configs/schema/faultline.schema.json`.
 * @module
 */
import { z } from 'zod';
import { configFileSchema } from './schema.js';

/** Where the generated schema is committed, relative to the repository root. */
export const SCHEMA_PATH = 'configs/schema/faultline.schema.json';

/** The config file JSON Schema (draft 2020-12), as the text that is committed. */
export function configJsonSchemaText(): string {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12', reused: 'ref' });
  const document = {
    ...schema,
    title: 'Faultline config',
    description:
      'Faultline server settings, engine settings, and proxies with their toxics. A bare JSON array of proxies (Toxiproxy\'s config format) is accepted too.',
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
