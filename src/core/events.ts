/**
 * What happens inside the engine, as typed events. Metrics, logs and the event stream hang off these;
 * nothing is emitted per chunk (byte counts are read from counters instead).
 * @module
 */
import type { ToxicSpec } from './toxic-contract.js';
import type { Connection, TeardownReason } from './connection.js';
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
  | { type: 'connection.opened'; proxy: string; connection: Connection }
  | { type: 'connection.closed'; proxy: string; connection: Connection; reason: TeardownReason; error?: Error }
  | {
      type: 'fault';
      proxy: string;
      connection: number;
      direction: Direction;
      toxic: string;
      toxicType: string;
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
