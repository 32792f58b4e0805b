/**
 * Turning toxic input into a validated {@link ToxicSpec} for a datagram toxic, with the envelope
 * rules of every other toxic (stream, default name, toxicity from 0 to 1, attributes with their
 * defaults, keys matched ignoring case).
 * @module
 */
import { parseDirection } from '../direction.js';
import { errors, FaultlineError } from '../errors.js';
import { MAX_NAME_LENGTH } from '../limits.js';
import { formatIssues, type ToxicInput, type ToxicPatch } from '../toxics/spec.js';
import type { ToxicSpec } from '../core/toxic-contract.js';
import type { DatagramToxicDefinition } from './toxics/datagram-toxic.js';
import { getDatagramToxic } from './datagram-toxics.js';

/** Options for parsing. */
export interface DatagramParseOptions {
  /** Reject attribute keys the toxic does not have (config files) instead of ignoring them (API). */
  strict?: boolean;
  /** Looks a type up; defaults to the built-in datagram toxics. */
  lookup?: (type: string) => DatagramToxicDefinition | undefined;
}

/** Maps attribute keys onto the toxic's own keys, ignoring case (Toxiproxy matches keys that way). */
function normalize(definition: DatagramToxicDefinition, raw: Record<string, unknown>, strict: boolean): Record<string, unknown> {
  const known = new Map(Object.keys(definition.attributes.shape).map((k) => [k.toLowerCase(), k]));
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = known.get(key.toLowerCase());
    if (canonical) {
      if (value !== null) values[canonical] = value;
    } else if (strict) {
      const names = [...known.values()].join(', ') || 'none';
      throw new FaultlineError('INVALID_ATTRIBUTES', `attributes.${key}: unknown attribute for ${definition.type} (it has: ${names})`);
    }
  }
  return values;
}

function parse(definition: DatagramToxicDefinition, values: Record<string, unknown>): Record<string, unknown> {
  const result = definition.attributes.safeParse(values);
  if (!result.success) {
    throw new FaultlineError('INVALID_ATTRIBUTES', formatIssues(result.error, 'attributes'), { inRequestBody: true });
  }
  return result.data as Record<string, unknown>;
}

function checkToxicity(toxicity: unknown): number {
  if (typeof toxicity !== 'number' || !Number.isFinite(toxicity) || toxicity < 0 || toxicity > 1) {
    throw errors.badRequestBody(`toxicity: expected a probability from 0 to 1, got ${String(toxicity)}`);
  }
  return toxicity;
}

/** Validates a datagram toxic to create; `exists` tells whether a name is taken. A failure changes nothing. */
export function resolveDatagramToxic(
  input: ToxicInput,
  exists: (name: string) => boolean,
  options: DatagramParseOptions = {},
): { spec: ToxicSpec; definition: DatagramToxicDefinition } {
  const stream = input.stream ?? 'downstream';
  const direction = typeof stream === 'string' ? parseDirection(stream) : undefined;
  if (!direction) throw errors.invalidStream();
  const type = input.type ?? '';
  const name = input.name ? input.name : `${type}_${stream}`;
  const definition = (options.lookup ?? getDatagramToxic)(type);
  if (!definition) throw errors.invalidToxicType();
  if (exists(name)) throw errors.toxicExists();
  const toxicity = checkToxicity(input.toxicity ?? 1);
  if (name.length > MAX_NAME_LENGTH) {
    throw new FaultlineError('LIMIT_EXCEEDED', `name: ${name.length} characters, more than the ${MAX_NAME_LENGTH} a name may have`);
  }
  const attributes = parse(definition, normalize(definition, input.attributes ?? {}, options.strict ?? false));
  return { spec: { name, type, stream, direction, toxicity, attributes }, definition };
}

/** Validates an update: given attributes overwrite, missing ones keep their values. */
export function applyDatagramToxicPatch(
  spec: ToxicSpec,
  definition: DatagramToxicDefinition,
  patch: ToxicPatch,
  options: Pick<DatagramParseOptions, 'strict'> = {},
): ToxicSpec {
  const changes = normalize(definition, patch.attributes ?? {}, options.strict ?? false);
  const attributes = parse(definition, { ...spec.attributes, ...changes });
  return { ...spec, toxicity: checkToxicity(patch.toxicity ?? spec.toxicity), attributes };
}
