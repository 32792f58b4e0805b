/**
 * The JSON Schema of scenario files, generated from the zod schema so editors check what
 * `faultline validate` checks (cross-references and the timeline are checked by Faultline only).
 * `npm run schema` writes it to `configs/schema/scenario.schema.json`.
 * @module
 */
import { jsonSchemaText } from '../config/json-schema.js';
import { scenarioSchema } from './schema.js';

/** Where the generated schema is committed, relative to the repository root. */
export const SCENARIO_SCHEMA_PATH = 'configs/schema/scenario.schema.json';

/** The scenario JSON Schema, as the text that is committed. */
export function scenarioJsonSchemaText(): string {
  return jsonSchemaText(
    scenarioSchema,
    {
      title: 'Faultline scenario',
      description:
        'A game day as a timeline: proxies, probes and steps (toxic, action, ramp, monkey, wait), rolled back at the end. See docs/scenarios.md.',
    },
    'inline',
  );
}
