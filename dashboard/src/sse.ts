/**
 * Reads a Server-Sent Events stream with `fetch`, which (unlike `EventSource`) can send the bearer
 * token and the dashboard header. Reconnects with a growing pause; tells its state to the page.
 */
import { apiHeaders } from './api';

/** Where the stream is. */
export type StreamState = 'connecting' | 'live' | 'offline' | 'locked';

/** One frame: its `event` and `data`. */
export interface Frame {
  event: string;
  data: string;
}

/** Opens `path` and keeps it open; returns the function that closes it for good. */
export function openStream(path: string, onFrame: (frame: Frame) => void, onState: (state: StreamState) => void): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  let pause = 500;

  const parse = (block: string): void => {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) onFrame({ event, data: data.join('\n') });
  };

  const connect = async (): Promise<void> => {
    while (!stopped) {
      onState('connecting');
      controller = new AbortController();
      try {
        const res = await fetch(path, {
          headers: apiHeaders({ Accept: 'text/event-stream' }),
          signal: controller.signal,
          cache: 'no-store',
        });
        if (res.status === 401) {
          onState('locked');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        pause = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // Network error or server gone: try again below.
      }
      if (stopped) return;
      onState('offline');
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 8000);
    }
  };

  void connect();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
