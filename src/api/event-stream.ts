/**
 * The fan-out behind `GET /events`: one engine listener for all subscribers, attached only while
 * someone listens. Each event is numbered, stamped and serialized once, then offered to every
 * subscriber whose filter takes it.
 * @module
 */
import type { FaultlineEvent } from '../core/events.js';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { eventBody, type EventBody } from './event-json.js';
import { sseFrame, type SseWriter } from './sse-writer.js';

/** Which events a subscriber wants; an empty list means all. */
export interface EventFilter {
  /** Proxy names. */
  proxies: readonly string[];
  /** Event types (`fault`) or families (`toxic` for every `toxic.*`). */
  types: readonly string[];
}

/** True when `filter` takes an event with this body. */
export function acceptsEvent(filter: EventFilter, body: Pick<EventBody, 'type' | 'proxy'>): boolean {
  if (filter.proxies.length > 0 && !filter.proxies.includes(body.proxy)) return false;
  return filter.types.length === 0 || filter.types.some((t) => body.type === t || body.type.startsWith(`${t}.`));
}

interface Subscriber {
  client: SseWriter;
  filter: EventFilter;
}

/** Every live event-stream subscriber of one admin API. */
export class EventStream {
  private seq = 0;
  private readonly subscribers = new Set<Subscriber>();
  private detach: (() => void) | null = null;

  constructor(
    private readonly registry: ProxyRegistry,
    /** Wall-clock time for the `time` field. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Subscribers right now. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(client: SseWriter, filter: EventFilter): () => void {
    const subscriber: Subscriber = { client, filter };
    this.subscribers.add(subscriber);
    this.detach ??= this.registry.on(this.onEvent);
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0 && this.detach) {
        this.detach();
        this.detach = null;
      }
    };
  }

  private readonly onEvent = (event: FaultlineEvent): void => {
    const seq = ++this.seq;
    let frame: string | undefined;
    let body: EventBody | undefined;
    for (const { client, filter } of this.subscribers) {
      if (!acceptsEvent(filter, event)) continue;
      body ??= eventBody(event, this.registry);
      frame ??= sseFrame(event.type, JSON.stringify({ seq, time: new Date(this.now()).toISOString(), ...body }), seq);
      client.send(frame);
    }
  };
}
