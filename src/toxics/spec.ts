/**
 * Turning toxic input (API bodies, config files, library calls) into a validated {@link ToxicSpec},
 * with Toxiproxy's defaults, check order and messages, and back into wire attributes.
 * @module
 */
import { z } from 'zod';
import { parseDirection } from '../direction.js';
import { errors, FaultlineError } from '../errors.js';
import { MAX_NAME_LENGTH } from '../limits.js';
import { getToxicDefinition } from './registry.js';
import type { AnyToxicDefinition, ToxicSpec } from '../core/toxic-contract.js';

/** What a client may send to create a toxic. Every field is optional, as with Toxiproxy. */
export interface ToxicInput {
  name?: string | null | undefined;
  type?: string | null | undefined;
  stream?: string | null | undefined;
  toxicity?: number | null | undefined;
  attributes?: Record<string, unknown> | null | undefined;
}

/** What a client may send to update a toxic: only attributes and toxicity are read. */
export interface ToxicPatch {
  toxicity?: number | null | undefined;
  attributes?: Record<string, unknown> | null | undefined;
}

/** Options for parsing. */
export interface ParseOptions {
  /** Reject attribute keys the toxic does not have (config files) instead of ignoring them (API). */
  strict?: boolean;
  /** Looks a type up; defaults to the built-in registry. */
  lookup?: (type: string) => AnyToxicDefinition | undefined;
  /** The layers of the proxy the toxic is for: picks among types of the same name (`latency`). */
  layers?: readonly string[];
}

const envelope = z.object({
  name: z.string().nullish(),
  type: z.string().nullish(),
  stream: z.string().nullish(),
  toxicity: z.number().nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});

/** Formats a zod error as `path: message; path: message`. */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function checkEnvelope(input: unknown): void {
  const result = envelope.safeParse(input);
  if (!result.success) throw errors.badRequestBody(formatIssues(result.error));
}

/** Maps attribute keys onto the toxic's own keys, ignoring case (Toxiproxy matches keys that way). */
function normalizeAttributes(definition: AnyToxicDefinition, raw: Record<string, unknown>, strict: boolean): Record<string, unknown> {
  const known = new Map(Object.keys(definition.attributes.shape).map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = known.get(key.toLowerCase());
    if (canonical) {
      if (value !== null) out[canonical] = value;
    } else if (strict) {
      const names = [...known.values()].join(', ') || 'none';
      throw new FaultlineError('INVALID_ATTRIBUTES', `attributes.${key}: unknown attribute for ${definition.type} (it has: ${names})`);
    }
  }
  return out;
}

function parseAttributes(definition: AnyToxicDefinition, values: Record<string, unknown>): Record<string, unknown> {
  const result = definition.attributes.safeParse(values);
  if (!result.success) {
    throw new FaultlineError('INVALID_ATTRIBUTES', formatIssues(result.error, 'attributes'), { inRequestBody: true });
  }
  return result.data as Record<string, unknown>;
}

/**
 * A probability from 0 to 1. Toxiproxy stores any float (1e308 came back as `null`); a value outside
 * has no meaning, and 0 (what Go clients send by accident) is kept as it is.
 */
function checkToxicity(toxicity: number): number {
  if (!Number.isFinite(toxicity) || toxicity < 0 || toxicity > 1) {
    throw errors.badRequestBody(`toxicity: expected a probability from 0 to 1, got ${String(toxicity)}`);
  }
  return toxicity;
}

/** A toxic name must fit in the request path that addresses it. */
function checkName(name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw new FaultlineError('LIMIT_EXCEEDED', `name: ${name.length} characters, more than the ${MAX_NAME_LENGTH} a name may have`);
  }
}

/**
 * Validates a toxic to create. Checks run in Toxiproxy's order: envelope → stream → default name →
 * type → name unique (`exists`) → attributes; a failure changes nothing.
 */
export function resolveToxic(
  input: ToxicInput,
  exists: (name: string) => boolean,
  options: ParseOptions = {},
): { spec: ToxicSpec; definition: AnyToxicDefinition } {
  checkEnvelope(input);
  const stream = input.stream ?? 'downstream';
  const direction = parseDirection(stream);
  if (!direction) throw errors.invalidStream();
  const type = input.type ?? '';
  const name = input.name ? input.name : `${type}_${stream}`;
  const definition = options.lookup ? options.lookup(type) : getToxicDefinition(type, options.layers);
  if (!definition) throw errors.invalidToxicType();
  if (exists(name)) throw errors.toxicExists();
  const toxicity = checkToxicity(input.toxicity ?? 1);
  checkName(name);
  const attributes = parseAttributes(definition, normalizeAttributes(definition, input.attributes ?? {}, options.strict ?? false));
  return { spec: { name, type, stream, direction, toxicity, attributes }, definition };
}

/** Validates an update: given attributes overwrite, missing ones keep their values. */
export function applyToxicPatch(
  spec: ToxicSpec,
  definition: AnyToxicDefinition,
  patch: ToxicPatch,
  options: Pick<ParseOptions, 'strict'> = {},
): ToxicSpec {
  checkEnvelope(patch);
  const changes = normalizeAttributes(definition, patch.attributes ?? {}, options.strict ?? false);
  const attributes = parseAttributes(definition, { ...spec.attributes, ...changes });
  const toxicity = checkToxicity(patch.toxicity ?? spec.toxicity);
  return { ...spec, toxicity, attributes };
}

const defaultsCache = new WeakMap<AnyToxicDefinition, Record<string, unknown>>();

function defaultsOf(definition: AnyToxicDefinition): Record<string, unknown> {
  let defaults = defaultsCache.get(definition);
  if (!defaults) {
    defaults = definition.attributes.parse({}) as Record<string, unknown>;
    defaultsCache.set(definition, defaults);
  }
  return defaults;
}

/**
 * The attributes as the wire shows them: every Toxiproxy attribute, and extension attributes only
 * when they differ from their default.
 */
export function wireAttributes(definition: AnyToxicDefinition, attributes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const extensions = definition.extensions;
  if (!extensions || extensions.length === 0) return { ...attributes };
  const defaults = defaultsOf(definition);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (extensions.includes(key) && JSON.stringify(value) === JSON.stringify(defaults[key])) continue;
    out[key] = value;
  }
  return out;
}
