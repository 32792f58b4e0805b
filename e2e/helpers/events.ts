/**
 * Reading `GET /events` with a real SSE client (the `eventsource` package): every event is recorded
 * with its name, id and parsed data, and a test waits for the one it expects.
 * @module
 */
import { EventSource } from 'eventsource';
import { EVENT_TYPES } from '../../src/api/event-json.js';

/** One event as the client received it. */
export interface StreamedEvent {
  /** The SSE event name (`fault`, `toxic.added`, `hello`, `dropped` …). */
  event: string;
  /** The SSE id (`lastEventId`); empty for `hello` and `dropped`. */
  id: string;
  data: Record<string, unknown>;
}

/** An open event stream. */
export interface EventRecorder {
  readonly events: StreamedEvent[];
  /** Resolves with the first event so far or to come that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (e: StreamedEvent) => boolean, what: string, timeoutMs?: number): Promise<StreamedEvent>;
  /** Resolves when the server ends the stream (the client then tries to reconnect, until closed). */
  readonly disconnected: Promise<void>;
  /** Events of one name, in order. */
  named(event: string): StreamedEvent[];
  close(): void;
}

const open = new Set<EventSource>();
process.once('exit', () => {
  for (const source of open) source.close();
});

/** Connects to `${baseUrl}/events${query}` and resolves once the stream's `hello` has arrived. */
export function recordEvents(baseUrl: string, query = ''): Promise<EventRecorder> {
  const source = new EventSource(`${baseUrl}/events${query}`);
  open.add(source);
  const events: StreamedEvent[] = [];
  const waiters = new Set<() => void>();
  const record = (event: MessageEvent): void => {
    events.push({ event: event.type, id: event.lastEventId, data: JSON.parse(String(event.data)) as Record<string, unknown> });
    for (const wake of waiters) wake();
  };
  for (const name of ['hello', 'dropped', ...EVENT_TYPES]) source.addEventListener(name, record);
  const disconnected = new Promise<void>((resolve) => source.addEventListener('error', () => resolve(), { once: true }));

  const recorder: EventRecorder = {
    events,
    disconnected,
    named: (name) => events.filter((e) => e.event === name),
    waitFor: (predicate, what, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.find(predicate);
          if (!found) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no event stream entry for ${what} within ${timeoutMs} ms; got: ${events.map((e) => e.event).join(', ')}`));
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      }),
    close: () => {
      source.close();
      open.delete(source);
    },
  };
  return recorder
    .waitFor((e) => e.event === 'hello', 'hello')
    .then(
      () => recorder,
      (err: unknown) => {
        recorder.close();
        throw err;
      },
    );
}
