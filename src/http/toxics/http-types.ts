/**
 * The contract between an `http` proxy's HTTP layer and an HTTP toxic. Unlike a byte-stream toxic
 * (one stage per connection and direction, fed chunks), an HTTP toxic is one object per proxy, made
 * when it is added and disposed when it is removed. The HTTP layer asks it about each request
 * (`stream: upstream`) or response (`stream: downstream`) that its `match` selects and its
 * `toxicity` roll lets through, and does what the answer says.
 * @module
 */
import type { z } from 'zod';
import type { UniformSource } from '../../toxics/distributions.js';
import type { HeaderList } from './header-list.js';
import { type StageTimerControl, withLazyAttributes, type DefinitionInput, type ToxicDescription } from '../../core/toxic-contract.js';

/** The head of the message a toxic acts on. */
export interface HttpHead {
  /** The request's method (also when acting on its response). */
  readonly method: string;
  /** The request target as the client sent it (path and query). */
  readonly url: string;
  /** The response status; undefined while acting on a request. */
  readonly status?: number;
  /** The message's end-to-end headers (hop-by-hop ones are already gone), edited in place. */
  readonly headers: HeaderList;
}

/** A wait a toxic imposes on one exchange. */
export interface HttpHold {
  /** Resolves when the wait is over: its time has come, or the toxic was removed. */
  readonly released: Promise<void>;
  /** How long the wait was meant to last, in ms (for events). */
  readonly ms: number;
  /** The exchange is gone: forget the wait (its timer is cleared and `released` resolves). */
  cancel(): void;
}

/** A canned answer that replaces forwarding (on a request) or the upstream's answer (on a response). */
export interface HttpReply {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  /**
   * On HTTP/2 proxies: answer as a gRPC server would, trailers-only with HTTP 200 and this status
   * (`status` and `body` are not used). HTTP/1.1 proxies answer with `status` and `body`.
   */
  readonly grpc?: { readonly status: number; readonly message: string };
}

/**
 * A reset. HTTP/1.1 resets the client's connection; HTTP/2 resets the one stream with `code`
 * (default INTERNAL_ERROR), after the response headers when `afterHeaders` is set.
 */
export interface HttpReset {
  readonly kind: 'reset';
  readonly code?: number;
  readonly afterHeaders?: boolean;
}

/**
 * What a toxic decided for one message: `undefined` forwards it (headers possibly edited), `reply`
 * answers the client instead, `reset` resets the client's connection, `hold` waits and then goes on.
 */
export type HttpVerdict =
  | undefined
  | { readonly kind: 'reply'; readonly reply: HttpReply }
  | HttpReset
  | { readonly kind: 'hold'; readonly hold: HttpHold };

/** What an HTTP toxic may use. Given once to `create()`. */
export interface HttpToxicContext {
  /** Monotonic time in ms (the engine clock; fake in unit tests). */
  now(): number;
  /** Real time in ms since the epoch, from the engine's one wall clock. */
  wallNow(): number;
  /** A new one-shot timer on the engine clock; `close()` it when done. */
  timer(onFire: () => void): StageTimerControl & { close(): void };
}

/** One HTTP toxic attached to one proxy. */
export interface HttpToxic<A = Record<string, unknown>> {
  /**
   * Sees every request on the proxy, before matching and toxicity, while the toxic is attached (for
   * instance to strip headers clients must not set). Only toxics on `stream: upstream` are asked.
   */
  screen?(request: HttpHead): void;
  /**
   * Acts on one message this toxic applies to. `random` is the exchange's own seeded stream (its
   * first number already went to the toxicity roll).
   */
  apply(head: HttpHead, random: UniformSource): HttpVerdict;
  /** New attributes, applied in place. Without it, an update disposes and recreates the toxic. */
  update?(attrs: A): void;
  /** The toxic was removed: release every hold at once, clear timers. */
  dispose(): void;
}

/** An HTTP toxic type; build one with {@link defineHttpToxic}. */
export interface HttpToxicDefinition<S extends z.ZodObject = z.ZodObject> extends ToxicDescription<S> {
  /** Marks HTTP toxics in the registry; byte-stream toxics have `layer` unset or `'stream'`. Every HTTP toxic has a `match` attribute. */
  readonly layer: 'http';
  /** Makes the toxic's one object for a proxy. */
  create(attrs: z.infer<S>, ctx: HttpToxicContext): HttpToxic<z.infer<S>>;
}

/** Ties an HTTP toxic's type, attribute schema and factory together, keeping the attribute types. */
export function defineHttpToxic<S extends z.ZodObject>(definition: DefinitionInput<HttpToxicDefinition<S>>): HttpToxicDefinition<S> {
  return withLazyAttributes(definition);
}
