/**
 * The contract of HTTP/2 toxics (layer `http2`): they are HTTP toxics (one object per proxy, asked
 * per stream with `match` and `toxicity`), and a toxic may also act on the whole connection by
 * answering `goaway`.
 * @module
 */
import type { z } from 'zod';
import { withLazyAttributes, type DefinitionInput, type ToxicDescription } from '../../core/toxic-contract.js';
import type { HttpToxic, HttpToxicContext } from '../../http/toxics/http-types.js';

/** The layer of HTTP/2 toxics. */
export const HTTP2_LAYER = 'http2';

/** When a connection gets a GOAWAY: after `after` streams, with `code`. */
export interface GoawayPlan {
  readonly after: number;
  readonly code: number;
}

/** One HTTP/2 toxic attached to one proxy. */
export interface Http2Toxic<A = Record<string, unknown>> extends HttpToxic<A> {
  /** Set for toxics that act on connections rather than streams (they are not asked per stream). */
  goaway?(): GoawayPlan;
}

/** An HTTP/2 toxic type; build one with {@link defineHttp2Toxic}. */
export interface Http2ToxicDefinition<S extends z.ZodObject = z.ZodObject> extends ToxicDescription<S> {
  readonly layer: typeof HTTP2_LAYER;
  /** Makes the toxic's one object for a proxy. */
  create(attrs: z.infer<S>, ctx: HttpToxicContext): Http2Toxic<z.infer<S>>;
}

/** Ties an HTTP/2 toxic's type, attribute schema and factory together, keeping the attribute types. */
export function defineHttp2Toxic<S extends z.ZodObject>(definition: DefinitionInput<Http2ToxicDefinition<S>>): Http2ToxicDefinition<S> {
  return withLazyAttributes(definition);
}
