import { z } from 'zod';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';

const attributes = () => z.object({});
type PartitionAttributes = z.infer<ReturnType<typeof attributes>>;

/** Drops every datagram of this direction until the toxic leaves the flow. */
class PartitionStage implements DatagramStage<PartitionAttributes> {
  readonly heldBytes = 0;
  private readonly since: number;

  constructor(private readonly ctx: DatagramContext) {
    this.since = ctx.now();
    ctx.fault('partition_begin');
  }

  onDatagram(): void {
    this.ctx.count('dropped', 'partition');
  }

  update(): void {}

  flush(): void {}

  /** Removed, or deactivated by a toxicity change: the cut is healed. */
  onRemove(): void {
    this.ctx.fault('partition_heal', { duration_ms: Math.round(this.ctx.now() - this.since) });
  }

  dispose(): void {}
}

/**
 * `partition` on a udp proxy: a one-way cut. Every datagram of the direction is dropped, as a
 * network does (nothing is held: a datagram sent into a cut is gone); removal heals it.
 */
export const datagramPartition = defineDatagramToxic({
  type: 'partition',
  layer: 'datagram',
  summary: 'Drops every datagram of this direction; removal heals. Cut both directions with two toxics.',
  destructive: 'drops every datagram while it is in place',
  attributes,
  create: (_attrs, ctx) => new PartitionStage(ctx),
});
