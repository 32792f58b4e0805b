/**
 * Every file, or part of a file, that is written from the code rather than by hand: the JSON
 * Schemas of config and scenario files, and the toxic tables of the README and docs/toxics.md.
 * `npm run docs` rewrites them all; a unit test fails when one is out of date.
 * @module
 */
import { configJsonSchemaText, SCHEMA_PATH } from '../config/json-schema.js';
import { SCENARIO_SCHEMA_PATH, scenarioJsonSchemaText } from '../scenario/json-schema.js';
import { ToxicRegistry } from '../toxics/registry.js';
import { toxicLayer } from '../core/toxic-contract.js';
import { fillRegions } from './marked-regions.js';
import { attributeTable, toxicTable } from './toxic-tables.js';

/** The command that rewrites every generated file. */
export const REGENERATE_COMMAND = 'npm run docs';

/**
 * The Markdown of a generated region: `toxics:stream`, `toxics:http`, `toxics:http2`, `toxics:datagram`,
 * `toxics:tls` or `attributes:<type>` (a byte-stream or HTTP toxic).
 */
export function toxicRegion(name: string): string | undefined {
  const toxics = ToxicRegistry.builtin.definitions;
  if (name === 'toxics:stream') return toxicTable(toxics.filter((t) => toxicLayer(t) === 'stream'));
  if (name === 'toxics:http') return toxicTable(toxics.filter((t) => toxicLayer(t) === 'http'));
  if (name === 'toxics:http2') return toxicTable(toxics.filter((t) => toxicLayer(t) === 'http2'));
  if (name === 'toxics:datagram') return toxicTable(toxics.filter((t) => toxicLayer(t) === 'datagram'));
  if (name === 'toxics:tls') return toxicTable(toxics.filter((t) => toxicLayer(t) === 'tls'));
  const type = /^attributes:(.+)$/.exec(name)?.[1];
  const definition = type === undefined ? undefined : ToxicRegistry.builtin.get(type);
  return definition && attributeTable(definition);
}

/** A generated file: its path from the repository root, and its text given the current one. */
export interface GeneratedFile {
  path: string;
  render(current: string): string;
}

/** Every generated file. */
export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: SCHEMA_PATH, render: () => configJsonSchemaText() },
  { path: SCENARIO_SCHEMA_PATH, render: () => scenarioJsonSchemaText() },
  { path: 'README.md', render: (current) => fillRegions(current, toxicRegion, 'README.md') },
  { path: 'docs/toxics.md', render: (current) => fillRegions(current, toxicRegion, 'docs/toxics.md') },
];
