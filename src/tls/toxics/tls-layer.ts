/**
 * The layer of TLS faults: toxics that act on handshakes, taken by proxies that terminate TLS
 * (`tls.listen`). Their definitions carry the parsed attributes only; the TLS gateway rolls and
 * applies them per handshake.
 * @module
 */
import type { z } from 'zod';
import { withLazyAttributes, type DefinitionInput, type LayeredToxicDefinition } from '../../core/toxic-contract.js';

/** The layer name in toxic definitions. */
export const TLS_LAYER = 'tls';

/** A TLS toxic: its object for the proxy is its attributes. */
export interface TlsToxicDefinition<S extends z.ZodObject = z.ZodObject> extends LayeredToxicDefinition<S> {
  readonly layer: typeof TLS_LAYER;
  create(attrs: z.infer<S>): z.infer<S>;
}

/** Ties a TLS toxic's type and attribute schema together, keeping the attribute types. */
export function defineTlsToxic<S extends z.ZodObject>(definition: DefinitionInput<TlsToxicDefinition<S>>): TlsToxicDefinition<S> {
  return withLazyAttributes(definition);
}
