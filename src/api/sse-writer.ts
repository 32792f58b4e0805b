/**
 * The server's side of one Server-Sent Events stream: a writer with a bounded send buffer. A consumer that reads too slowly
 * never blocks the server and never makes it buffer without limit: once the bytes waiting for it
 * pass the cap, further events are dropped and counted, and the count is sent as a `dropped` event
 * as soon as the consumer catches up.
 * @module
 */

/** What an SSE writer writes to: an HTTP response (or a test double). */
export interface SseSink {
  /** Bytes written but not yet handed to the kernel. */
  readonly writableLength: number;
  write(chunk: string): boolean;
  end(): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Limits for one subscriber. */
export interface SseWriterOptions {
  /** Bytes that may wait for the consumer; events beyond are dropped (default 256 KiB). */
  maxBufferedBytes?: number;
  /** How often an idle stream gets a comment line, so proxies in between keep it open (default 15 s; 0 = never). */
  heartbeatMs?: number;
}

/** The default cap on bytes waiting for one consumer. */
export const DEFAULT_SSE_BUFFER = 256 * 1024;
/** The default heartbeat interval. */
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;

/** Formats one SSE frame; `data` must not contain line breaks (JSON text never does). */
export function sseFrame(event: string, data: string, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

/** A subscriber: sends frames while it keeps up, drops and counts them while it does not. */
export class SseWriter {
  /** Events dropped since the last `dropped` report. */
  private pendingDrops = 0;
  /** Events dropped over the stream's life. */
  droppedTotal = 0;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: SseSink,
    options: SseWriterOptions = {},
    private readonly onClose: () => void = () => {},
  ) {
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_SSE_BUFFER;
    const every = options.heartbeatMs ?? DEFAULT_SSE_HEARTBEAT_MS;
    if (every > 0) {
      this.heartbeat = setInterval(() => this.sendRaw(': keep-alive\n\n'), every);
      this.heartbeat.unref();
    }
    sink.on('drain', this.onDrain);
    sink.on('close', this.close);
  }

  /** True once the stream has ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a frame, or drops it (and counts the drop) when the consumer is too far behind. */
  send(frame: string): boolean {
    if (this.closed) return false;
    if (!this.fits(frame)) {
      this.pendingDrops++;
      this.droppedTotal++;
      return false;
    }
    this.reportDrops();
    this.sink.write(frame);
    return true;
  }

  /** Ends the stream and stops the heartbeat; safe to call more than once. */
  readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.sink.off('drain', this.onDrain);
    this.sink.off('close', this.close);
    this.sink.end();
    this.onClose();
  };

  /** A frame fits when nothing waits, or when it keeps the waiting bytes under the cap. */
  private fits(frame: string): boolean {
    const waiting = this.sink.writableLength;
    return waiting === 0 || waiting + Buffer.byteLength(frame) <= this.maxBuffered;
  }

  private sendRaw(text: string): void {
    if (!this.closed && this.fits(text)) this.sink.write(text);
  }

  private reportDrops(): void {
    if (this.pendingDrops === 0) return;
    const frame = sseFrame('dropped', JSON.stringify({ count: this.pendingDrops, total: this.droppedTotal }));
    this.pendingDrops = 0;
    this.sink.write(frame);
  }

  private readonly onDrain = (): void => {
    if (!this.closed) this.reportDrops();
  };
}
