import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { ChunkQueue } from './chunk-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    max_stall: wholeNumber('ms').describe('how long the cut may last before both sides are reset; 0 = until the toxic is removed'),
  });
type PartitionAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * Stops reading the source, so the sender's socket buffers fill and its writes block, as in a real
 * partition. Bytes already inside the proxy that reach this stage (and the end of the stream) are
 * held, never lost; removal lets them flow.
 */
class PartitionStage implements ToxicStage<PartitionAttributes> {
  private readonly queue = new ChunkQueue();
  private readonly since: number;

  constructor(
    attrs: PartitionAttributes,
    private readonly ctx: StageContext,
  ) {
    this.since = ctx.now();
    ctx.hold(true);
    ctx.fault('partition_begin', { max_stall: attrs.max_stall });
    this.schedule(attrs);
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    this.queue.push(buf);
  }

  /** The end of the stream waits too; the chain forwards it once the stage has left. */
  onEnd(): void {}

  /** The cut lasted `max_stall`: like a peer whose retries ran out, both sides are reset. */
  onTimer(): void {
    this.ctx.close('rst');
  }

  /** The stall limit counts from when the cut began, whatever it was then. */
  update(attrs: PartitionAttributes): void {
    this.schedule(attrs);
  }

  flush(): void {
    while (this.queue.length > 0) this.ctx.push(this.queue.shift());
  }

  /** The toxic left the connection (removed, or toxicity lowered): the cut is healed. */
  onRemove(): void {
    this.ctx.fault('partition_heal', { duration_ms: Math.round(this.ctx.now() - this.since) });
  }

  dispose(): void {
    this.queue.clear();
  }

  private schedule(attrs: PartitionAttributes): void {
    if (attrs.max_stall > 0) this.ctx.timer.arm(this.since + attrs.max_stall - this.ctx.now());
    else this.ctx.timer.cancel();
  }
}

/**
 * `partition`: a one-way cut of this direction. Reading stops and nothing is lost; removing the
 * toxic heals the cut and the held data flows. With `max_stall` > 0 both sides are reset after
 * that many ms. Cut both directions with two toxics.
 */
export const partition = defineToxic({
  type: 'partition',
  summary: 'Cuts this direction: reading stops, nothing is lost; removal heals; max_stall ms (0 = never) resets both sides.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new PartitionStage(attrs, ctx),
});
