/**
 * What happens inside the engine, as typed events. Metrics, logs and the event stream hang off these;
 * nothing is emitted per chunk (byte counts are read from counters instead).
 * @module
 */
import type { ToxicSpec } from './toxic-contract.js';
import type { TeardownReason } from './connection.js';
import type { LiveConnection } from './live-connection.js';
import type { Direction } from '../direction.js';

/** One engine event. */
export type FaultlineEvent =
  | { type: 'proxy.created'; proxy: string }
  | { type: 'proxy.updated'; proxy: string }
  | { type: 'proxy.removed'; proxy: string }
  | { type: 'proxy.started'; proxy: string; listen: string }
  | { type: 'proxy.stopped'; proxy: string }
  | { type: 'toxic.added'; proxy: string; toxic: ToxicSpec }
  | { type: 'toxic.updated'; proxy: string; toxic: ToxicSpec }
  | { type: 'toxic.removed'; proxy: string; toxic: ToxicSpec }
  /** A connection accepted, or a flow opened (protocols with a listener of their own). */
  | { type: 'connection.opened'; proxy: string; connection: LiveConnection }
  /** `reason`: a TCP connection's teardown reason, or a flow's (`idle`, `killed`, `stopped`, …). */
  | { type: 'connection.closed'; proxy: string; connection: LiveConnection; reason: TeardownReason | (string & {}); error?: Error }
  | {
      type: 'fault';
      proxy: string;
      connection: number;
      direction: Direction;
      /** The toxic's name and type; null for a limit of the protocol's own (a full send queue). */
      toxic: string | null;
      toxicType: string | null;
      kind: string;
      /** The seeded toxicity decision behind the fault, where there is one. */
      decision?: { roll: number; toxicity: number };
      detail?: Record<string, unknown>;
    };

/** A listener for engine events. */
export type EventListener = (event: FaultlineEvent) => void;

/** A tiny typed event hub. A throwing listener is reported to `onListenerError`, never to the emitter. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Subscribes; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: FaultlineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
