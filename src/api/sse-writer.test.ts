import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SseWriter, sseFrame, type SseSink } from './sse-writer.js';

/** A response whose consumer reads only when told to. */
class StalledSink extends EventEmitter implements SseSink {
  written: string[] = [];
  writableLength = 0;
  ended = false;

  write(chunk: string): boolean {
    this.written.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return this.writableLength < 1024;
  }

  end(): void {
    this.ended = true;
  }

  /** The consumer caught up. */
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

describe('SseWriter', () => {
  it('formats frames with an optional id', () => {
    expect(sseFrame('fault', '{"a":1}', 3)).toBe('id: 3\nevent: fault\ndata: {"a":1}\n\n');
    expect(sseFrame('hello', '{}')).toBe('event: hello\ndata: {}\n\n');
  });

  it('never lets more than the cap wait for a stalled consumer; drops are counted and reported once it catches up', () => {
    const sink = new StalledSink();
    const client = new SseWriter(sink, { maxBufferedBytes: 1000, heartbeatMs: 0 });
    const frame = sseFrame('x', 'y'.repeat(90), 1);
    const fit = Math.floor(1000 / frame.length);
    let sent = 0;
    for (let i = 0; i < 10_000; i++) if (client.send(frame)) sent++;
    expect(sent).toBe(fit);
    expect(sink.writableLength).toBeLessThanOrEqual(1000);
    expect(client.droppedTotal).toBe(10_000 - fit);
    sink.drain();
    expect(sink.written.at(-1)).toBe(sseFrame('dropped', JSON.stringify({ count: 10_000 - fit, total: 10_000 - fit })));
    expect(client.send(frame)).toBe(true);
    expect(sink.written.at(-1)).toBe(frame);
  });

  it('sends a frame larger than the cap when nothing is waiting', () => {
    const sink = new StalledSink();
    const client = new SseWriter(sink, { maxBufferedBytes: 10, heartbeatMs: 0 });
    expect(client.send(sseFrame('big', 'z'.repeat(100)))).toBe(true);
    expect(client.send(sseFrame('next', '1'))).toBe(false);
  });

  it('ends on close once, stops sending, and tells its owner', () => {
    const sink = new StalledSink();
    let closed = 0;
    const client = new SseWriter(sink, { heartbeatMs: 0 }, () => closed++);
    sink.emit('close');
    client.close();
    expect(closed).toBe(1);
    expect(client.isClosed).toBe(true);
    expect(sink.ended).toBe(true);
    expect(client.send('x')).toBe(false);
    expect(sink.listenerCount('drain')).toBe(0);
  });

  it('writes a comment line as a heartbeat', async () => {
    const sink = new StalledSink();
    const client = new SseWriter(sink, { heartbeatMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    client.close();
    expect(sink.written.length).toBeGreaterThan(0);
    expect(new Set(sink.written)).toEqual(new Set([': keep-alive\n\n']));
  });
});
