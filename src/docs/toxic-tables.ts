/**
 * The toxic tables of the README and docs/toxics.md, written from the definitions: each toxic's
 * `summary` and `destructive`, and per attribute its unit (`unit` in its metadata), default
 * (`defaultText`, or the parsed default) and meaning (its `description`).
 * @module
 */
import { z } from 'zod';
import type { AnyToxicDefinition } from '../core/toxic-contract.js';

/** One attribute as the tables show it. */
export interface AttributeDoc {
  name: string;
  /** The unit, the values of an enum, or the kind of value (`boolean`, `text`, `list`); '' when none. */
  unit: string;
  /** The default as Markdown. */
  fallback: string;
  description: string;
  /** An attribute Toxiproxy's toxic of the same name does not have. */
  extension: boolean;
}

type JsonSchema = Record<string, unknown>;

const KINDS: Record<string, string> = { boolean: 'boolean', string: 'text', array: 'list', object: 'object' };

function unitOf(schema: JsonSchema): string {
  if (typeof schema['unit'] === 'string') return schema['unit'];
  if (Array.isArray(schema['enum'])) return schema['enum'].map((v) => `\`${String(v)}\``).join(' \\| ');
  return typeof schema['type'] === 'string' ? (KINDS[schema['type']] ?? '') : '';
}

function formatDefault(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '`""`' : `\`${value}\``;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return '–';
  return `\`${JSON.stringify(value)}\``;
}

/** Table cells hold one line; a `|` would end the cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/(?<!\\)\|/g, '\\|');
}

/** The attributes of a toxic, in declaration order. */
export function attributeDocs(definition: AnyToxicDefinition): AttributeDoc[] {
  const json = z.toJSONSchema(definition.attributes, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  const properties = (json['properties'] ?? {}) as Record<string, JsonSchema>;
  const defaults = definition.attributes.parse({}) as Record<string, unknown>;
  return Object.entries(properties).map(([name, schema]) => ({
    name,
    unit: unitOf(schema),
    fallback: typeof schema['defaultText'] === 'string' ? schema['defaultText'] : formatDefault(defaults[name]),
    description: typeof schema['description'] === 'string' ? schema['description'] : '',
    extension: definition.extensions?.includes(name) ?? false,
  }));
}

function attributeList(definition: AnyToxicDefinition): string {
  const attributes = attributeDocs(definition);
  if (attributes.length === 0) return '–';
  return attributes.map((a) => `\`${a.name}\`${a.unit ? ` ${a.unit}` : ''} (${a.fallback})`).join(', ');
}

/** One row per toxic: type, attributes with units and defaults, destructive or not, what it does. */
export function toxicTable(definitions: readonly AnyToxicDefinition[]): string {
  const rows = definitions.map((d) => {
    const destructive = d.destructive === false ? 'no' : `yes: ${d.destructive}`;
    return `| \`${d.type}\` | ${cell(attributeList(d))} | ${cell(destructive)} | ${cell(d.summary)} |`;
  });
  return ['| type | attributes (units, defaults) | destructive | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** One row per attribute of a toxic: name, unit, default, meaning. */
export function attributeTable(definition: AnyToxicDefinition): string {
  const rows = attributeDocs(definition).map((a) => {
    const meaning = `${a.extension ? 'extension: ' : ''}${a.description}`;
    return `| \`${a.name}\` | ${cell(a.unit || '–')} | ${cell(a.fallback)} | ${cell(meaning)} |`;
  });
  return ['| attribute | unit | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
