/**
 * The contract between a UDP relay and a datagram toxic. A datagram toxic is a definition (type
 * name, zod attributes, factory) like a byte-stream toxic, on the `datagram` layer; its factory
 * makes one {@link DatagramStage} per flow and direction where the toxic is active. A stage sees
 * whole datagrams and may forward, hold, drop, duplicate or alter each one: datagrams are never
 * merged or split.
 * @module
 */
import type { z } from 'zod';
import type { Direction } from '../../direction.js';
import { type StageTimerControl, withLazyAttributes, type DefinitionInput, type ToxicDescription } from '../../core/toxic-contract.js';

/** What a datagram stage did beyond forwarding, as the relay counts it. */
export type DatagramFault = 'dropped' | 'duplicated' | 'reordered' | 'corrupted';

/** What a datagram stage may do. Given once to `create()`; valid until the stage is disposed. */
export interface DatagramContext {
  /** Hands a datagram to the next stage, or sends it on. */
  forward(datagram: Buffer): void;
  /**
   * Counts a fault this stage injected (a datagram `dropped`, `duplicated`, `reordered` or
   * `corrupted`) and reports it as an event of this `kind` (`loss`, `partition`, `queue_full` …).
   */
  count(fault: DatagramFault, kind: string): void;
  /** Reports a change of state (a partition beginning or healing) as an event. */
  fault(kind: string, detail?: Record<string, unknown>): void;
  /** Monotonic time in milliseconds. */
  now(): number;
  /** A uniform number in [0, 1) from this stage's seeded stream. */
  random(): number;
  /** This stage's single timer; firing calls `onTimer()`. */
  readonly timer: StageTimerControl;
  /** The direction this stage acts on. */
  readonly direction: Direction;
}

/** One datagram toxic acting on one direction of one flow. */
export interface DatagramStage<A = Record<string, unknown>> {
  /** Bytes of the datagrams held right now; the relay bounds them per flow and direction. */
  readonly heldBytes: number;
  /** A datagram arrived: forward it, hold it, or (counted) drop it. */
  onDatagram(datagram: Buffer): void;
  /** The stage's timer fired. */
  onTimer?(): void;
  /** New attributes, applied to what comes next. Without it, an update flushes and recreates the stage. */
  update?(attrs: A): void;
  /** Forwards everything held, at once and in the order it would have left. */
  flush(): void;
  /** The toxic left the flow (removed, or deactivated by a toxicity change), after `flush()`. */
  onRemove?(): void;
  /** Releases timers and state. */
  dispose(): void;
}

/** What a datagram toxic definition looks like; build one with {@link defineDatagramToxic}. */
export interface DatagramToxicDefinition<S extends z.ZodObject = z.ZodObject> extends ToxicDescription<S> {
  /** Datagram toxics run only on `udp` proxies. */
  readonly layer: 'datagram';
  /** Makes the stage for one flow and direction. */
  create(attrs: z.infer<S>, ctx: DatagramContext): DatagramStage<z.infer<S>>;
}

/** Ties a datagram toxic's type, attribute schema and factory together, keeping the attribute types. */
export function defineDatagramToxic<S extends z.ZodObject>(
  definition: DefinitionInput<DatagramToxicDefinition<S>>,
): DatagramToxicDefinition<S> {
  return withLazyAttributes(definition);
}
