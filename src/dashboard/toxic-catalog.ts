/**
 * `GET /faultline/toxics`: every toxic type the server knows, with its attributes as a JSON Schema
 * (units in `description`, defaults, bounds, enums), so a client can build a form for any toxic
 * without knowing it in advance. The schemas derive from the same zod definitions that validate
 * requests; messages for bad values still come from the API itself.
 * @module
 */
import { z } from 'zod';
import { builtinToxics } from '../toxics/registry.js';
import { toxicLayer, type AnyToxicDefinition, type ToxicLayer } from '../core/toxic-contract.js';

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

function entry(definition: AnyToxicDefinition): ToxicCatalogEntry {
  const schema = z.toJSONSchema(definition.attributes, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12', reused: 'inline' });
  return {
    type: definition.type,
    layer: toxicLayer(definition),
    summary: definition.summary,
    destructive: definition.destructive,
    extensions: [...(definition.extensions ?? [])],
    attributes: schema as Record<string, unknown>,
  };
}

let catalogText: string | undefined;

/** The catalog as the endpoint sends it (built once). */
export function toxicCatalogText(): string {
  catalogText ??= JSON.stringify({ toxics: builtinToxics.map(entry) });
  return catalogText;
}
