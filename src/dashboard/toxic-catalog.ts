/**
 * `GET /faultline/toxics`: every toxic type the server knows, with its attributes as a JSON Schema
 * (units in `description`, defaults, bounds, enums), so a client can build a form for any toxic
 * without knowing it in advance. The schemas derive from the same zod definitions that validate
 * requests; messages for bad values still come from the API itself.
 * @module
 */
import { z } from 'zod';
import { acceptedToxics } from '../toxics/registry.js';
import { toxicLayer, type AnyToxicDefinition, type ToxicLayer, type ToxicLookup } from '../core/toxic-contract.js';

/** One toxic type as the catalog describes it. */
export interface ToxicCatalogEntry {
  type: string;
  /** `stream`: any proxy; `http`: proxies with `protocol: http` only. */
  layer: ToxicLayer;
  summary: string;
  /** `false`, or why the toxic loses, alters or answers in place of bytes. */
  destructive: false | string;
  /** Attributes Toxiproxy does not have. */
  extensions: string[];
  /** JSON Schema (draft 2020-12) of the `attributes` object a request may send. */
  attributes: Record<string, unknown>;
}

/**
 * The catalog shows a number's unit as its `description` (what forms print next to the field); the
 * attributes' prose and the other documentation keys stay in the generated docs.
 */
function unitAsDescription({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  const { unit } = jsonSchema;
  delete jsonSchema['unit'];
  delete jsonSchema['defaultText'];
  const numeric = jsonSchema['type'] === 'integer' || jsonSchema['type'] === 'number';
  if (typeof unit === 'string' && numeric) jsonSchema['description'] = unit;
  else delete jsonSchema['description'];
}

function entry(definition: AnyToxicDefinition): ToxicCatalogEntry {
  const schema = z.toJSONSchema(definition.attributes, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    reused: 'inline',
    override: unitAsDescription,
  });
  return {
    type: definition.type,
    layer: toxicLayer(definition),
    summary: definition.summary,
    destructive: definition.destructive,
    extensions: [...(definition.extensions ?? [])],
    attributes: schema as Record<string, unknown>,
  };
}

const catalogs = new WeakMap<ToxicLookup, string>();

/** The catalog of `toxics` (default: the built-in ones) as the endpoint sends it, built once per registry. */
export function toxicCatalogText(given?: ToxicLookup): string {
  const toxics = acceptedToxics(given);
  let text = catalogs.get(toxics);
  if (text === undefined) {
    text = JSON.stringify({ toxics: toxics.definitions.map(entry) });
    catalogs.set(toxics, text);
  }
  return text;
}
