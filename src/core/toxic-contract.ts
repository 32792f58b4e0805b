/**
 * The contract between the engine and a toxic. A toxic is a definition (type name, zod attributes,
 * factory); the factory makes one {@link ToxicStage} per connection and direction where the toxic is
 * active. Stages are plain objects called synchronously on the data path.
 * @module
 */
import type { z } from 'zod';
import type { Direction } from '../direction.js';

/** How a toxic closes a connection: `fin` closes both sides in order, `rst` resets both peers. */
export type CloseMode = 'fin' | 'rst';

/** One re-armable timer; firing calls the stage's `onTimer()`. */
export interface StageTimerControl {
  readonly armed: boolean;
  arm(ms: number): void;
  cancel(): void;
}

/** What a stage may do. Given once to `create()`; valid until the stage is disposed. */
export interface StageContext {
  /** Forwards bytes to the next stage, or to the destination socket. */
  push(buf: Buffer): void;
  /** Forwards end-of-stream (FIN). Call it once nothing is held any more; later calls are ignored. */
  end(): void;
  /** Counts bytes discarded on purpose. Only destructive toxics drop. */
  drop(bytes: number): void;
  /** Monotonic time in milliseconds. */
  now(): number;
  /** A uniform number in [0, 1) from this stage's seeded stream. */
  random(): number;
  /** This stage's single timer. */
  readonly timer: StageTimerControl;
  /** Stops (true) or restarts (false) reading this direction's source socket. Nothing is lost. */
  hold(on: boolean): void;
  /** Tears the whole connection down. */
  close(mode: CloseMode): void;
  /** Reports an injected fault, for the event stream and logs. */
  fault(kind: string, detail?: Record<string, unknown>): void;
  /** The direction this stage acts on. */
  readonly direction: Direction;
}

/** One toxic acting on one direction of one connection. */
export interface ToxicStage<A = Record<string, unknown>> {
  /** Bytes held right now; counted towards the link's high-water mark. */
  readonly heldBytes: number;
  /** A chunk arrived: forward it with `ctx.push`, hold it, or (destructive toxics) drop it. */
  onChunk(buf: Buffer): void;
  /** The source ended: call `ctx.end()` once everything held has been pushed. */
  onEnd(): void;
  /** The stage's timer fired. */
  onTimer?(): void;
  /** New attributes, applied without flushing. Without it, an update flushes and recreates the stage. */
  update?(attrs: A): void;
  /** Pushes everything held, synchronously and in order. */
  flush(): void;
  /**
   * The toxic left a live connection: removed, or deactivated by a toxicity change (called after
   * `flush()`, before `dispose()`). Destructive toxics close the connection here when the bytes they
   * dropped have broken the stream.
   */
  onRemove?(): void;
  /** Releases timers and state. */
  dispose(): void;
}

/** What every toxic type declares, whatever layer it acts on. */
export interface ToxicDescription<S extends z.ZodObject = z.ZodObject> {
  /** The wire `type`, snake_case. */
  readonly type: string;
  /** One line for docs and `--help`. */
  readonly summary: string;
  /** `false`, or why the toxic is destructive (it loses or alters bytes, answers in the server's place, or closes connections). */
  readonly destructive: false | string;
  /** Attribute schema; every attribute has a default, so a parsed object is complete. */
  readonly attributes: S;
  /**
   * Attributes Toxiproxy does not have. They are echoed on the wire only when set to a non-default
   * value, so a Toxiproxy client sees exactly the JSON Toxiproxy would send.
   */
  readonly extensions?: readonly string[];
}

/** What a byte-stream toxic definition looks like; build one with `defineToxic`. */
export interface ToxicDefinition<S extends z.ZodObject = z.ZodObject> extends ToxicDescription<S> {
  /** The layer the toxic acts on: byte streams (the default when unset). */
  readonly layer?: 'stream';
  /** Makes the stage for one connection and direction. */
  create(attrs: z.infer<S>, ctx: StageContext): ToxicStage<z.infer<S>>;
}

/**
 * A definition as the `define…Toxic` functions take it: `attributes` is the schema, or a function
 * that builds it. A function is called once, on the first read of `attributes`, so importing the
 * toxics builds no schema: a server that never sees a toxic of a type never builds its schema.
 */
export type DefinitionInput<D extends ToxicDescription> = Omit<D, 'attributes'> & {
  readonly attributes: D['attributes'] | (() => D['attributes']);
};

/** A function that builds a value on its first call and returns that same value from then on. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/** The definition, with `attributes` built on its first read when it was given as a function. */
export function withLazyAttributes<D extends ToxicDescription>(definition: DefinitionInput<D>): D {
  const given = definition.attributes;
  if (typeof given !== 'function') return definition as D;
  const attributes = once(given);
  return Object.defineProperty({ ...definition }, 'attributes', { get: attributes, enumerable: true }) as unknown as D;
}

/** Ties a toxic's type, attribute schema and factory together, keeping the attribute types. */
export function defineToxic<S extends z.ZodObject>(definition: DefinitionInput<ToxicDefinition<S>>): ToxicDefinition<S> {
  return withLazyAttributes(definition);
}

/**
 * The layer a toxic acts on: `stream` toxics run as stages on a connection's bytes (any connection
 * protocol); other layers (`http`: parsed requests and responses) are run by the protocols that take them.
 */
export type ToxicLayer = string;

/**
 * A toxic that acts above the byte stream: its protocol's gateway makes and runs it (for HTTP see
 * `defineHttpToxic`). The engine only lists it, leases it and hands it over.
 */
export interface LayeredToxicDefinition<S extends z.ZodObject = z.ZodObject> extends ToxicDescription<S> {
  /** The layer, never `stream`: a protocol module that lists it takes the toxic. */
  readonly layer: string;
  /** Makes the toxic's object for one proxy; the context is the layer's own. */
  create(attrs: z.infer<S>, ctx: never): unknown;
}

/** Any toxic definition: a byte-stream one or one of a protocol's layer, told apart by `layer`. */
export type AnyToxicDefinition = ToxicDefinition | LayeredToxicDefinition;

/**
 * The toxic types an engine accepts, by wire `type`: what an engine is given as `toxicRegistry`
 * (a `ToxicRegistry`, e.g. `ToxicRegistry.builtin.with([myToxic])`).
 */
export interface ToxicLookup {
  /**
   * The definition for a wire `type`, or undefined when there is none. Layers may share a name
   * (`latency` on streams and on datagrams): `layers`, a proxy's, picks among them.
   */
  get(type: string, layers?: readonly string[]): AnyToxicDefinition | undefined;
  /** Every type name, in documentation order. */
  types(): string[];
  /** Every definition, in documentation order. */
  readonly definitions: readonly AnyToxicDefinition[];
}

/** The layer of a definition. */
export function toxicLayer(definition: AnyToxicDefinition): ToxicLayer {
  return definition.layer ?? 'stream';
}

/** A validated toxic as a proxy holds it (Toxiproxy's envelope). */
export interface ToxicSpec {
  readonly name: string;
  readonly type: string;
  /** The stream as the client sent it (Toxiproxy echoes it verbatim). */
  readonly stream: string;
  readonly direction: Direction;
  readonly toxicity: number;
  /** Every attribute of the type, defaults included. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** True for a byte-stream toxic: one the core runs as a stage on each connection. */
export function isStreamToxic(definition: AnyToxicDefinition): definition is ToxicDefinition {
  return definition.layer === undefined || definition.layer === 'stream';
}
