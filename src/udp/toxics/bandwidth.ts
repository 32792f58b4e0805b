import { z } from 'zod';
import { wholeNumber } from '../../toxics/attributes.js';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';
import { TimedDatagrams } from './timed-datagrams.js';

const attributes = () =>
  z.object({
    /** Rate limit in KB/s (1 KB = 1000 bytes), as the TCP `bandwidth`. 0 means unlimited. */
    rate: wholeNumber('KB/s'),
    /** Bytes that may wait for the link; a datagram that does not fit is dropped (tail drop). */
    queue: wholeNumber('bytes', { fallback: 100_000 }),
  });
type BandwidthAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * A link of `rate` KB/s with a tail-drop queue: each datagram leaves once the one before it has
 * been "sent" and its own bytes have taken their time on the link. A datagram always gets into
 * an empty queue, so one larger than `queue` is slowed, not lost.
 */
class BandwidthStage implements DatagramStage<BandwidthAttributes> {
  private readonly queue: TimedDatagrams;
  /** When the link is free again, ms. */
  private freeAt = -Infinity;

  constructor(
    private attrs: BandwidthAttributes,
    private readonly ctx: DatagramContext,
  ) {
    this.queue = new TimedDatagrams(ctx);
  }

  get heldBytes(): number {
    return this.queue.heldBytes;
  }

  onDatagram(datagram: Buffer): void {
    const bytesPerMs = this.attrs.rate; // KB/s with KB = 1000 bytes is bytes per millisecond
    if (bytesPerMs <= 0 && this.queue.length === 0) {
      this.ctx.forward(datagram);
      return;
    }
    if (this.queue.length > 0 && this.queue.heldBytes + datagram.length > this.attrs.queue) {
      this.ctx.count('dropped', 'queue_full');
      return;
    }
    const leaves = Math.max(this.ctx.now(), this.freeAt) + (bytesPerMs > 0 ? datagram.length / bytesPerMs : 0);
    this.freeAt = leaves;
    this.queue.add(datagram, leaves);
  }

  onTimer(): void {
    this.queue.release();
  }

  /** The new rate applies to datagrams that arrive from now on; those queued keep their times. */
  update(attrs: BandwidthAttributes): void {
    this.attrs = attrs;
  }

  flush(): void {
    this.queue.flush();
    this.freeAt = -Infinity;
  }

  dispose(): void {
    this.queue.clear();
  }
}

/** `bandwidth` on a udp proxy: limits throughput to `rate` KB/s, dropping what overflows `queue` bytes. */
export const datagramBandwidth = defineDatagramToxic({
  type: 'bandwidth',
  layer: 'datagram',
  summary: 'Limits throughput to rate KB/s (1 KB = 1000 bytes; 0 = unlimited); datagrams past queue bytes are dropped.',
  destructive: 'drops datagrams that overflow the queue',
  attributes,
  create: (attrs, ctx) => new BandwidthStage(attrs, ctx),
});
