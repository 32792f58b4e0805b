import { z } from 'zod';
import { fraction } from '../../toxics/attributes.js';
import { cleanRun } from '../../toxics/corrupt.js';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';

const attributes = () =>
  z.object({
    /** Probability that a byte has one of its bits flipped, 0 to 1. */
    rate: fraction(0.001, 'a probability from 0 to 1'),
  });
type CorruptAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * Flips one random bit in a geometric sample of bytes, counted across datagrams. A datagram it
 * alters is copied first (the original may still be queued elsewhere, say as a duplicate).
 */
class CorruptStage implements DatagramStage<CorruptAttributes> {
  readonly heldBytes = 0;
  /** Clean bytes left before the next flip. */
  private skip: number;

  constructor(
    private attrs: CorruptAttributes,
    private readonly ctx: DatagramContext,
  ) {
    this.skip = cleanRun(attrs.rate, ctx.random());
  }

  onDatagram(datagram: Buffer): void {
    if (this.skip >= datagram.length) {
      this.skip -= datagram.length;
      this.ctx.forward(datagram);
      return;
    }
    const copy = Buffer.from(datagram);
    let at = this.skip;
    while (at < copy.length) {
      copy[at] = (copy[at] as number) ^ (1 << Math.floor(this.ctx.random() * 8));
      at += 1 + cleanRun(this.attrs.rate, this.ctx.random());
    }
    this.skip = at - copy.length;
    this.ctx.count('corrupted', 'corrupt');
    this.ctx.forward(copy);
  }

  /** A new rate starts a fresh run, so lowering it takes effect at once. */
  update(attrs: CorruptAttributes): void {
    this.attrs = attrs;
    this.skip = cleanRun(attrs.rate, this.ctx.random());
  }

  flush(): void {}

  dispose(): void {}
}

/** `corrupt` on a udp proxy: flips one random bit in each byte with probability `rate`. */
export const datagramCorrupt = defineDatagramToxic({
  type: 'corrupt',
  layer: 'datagram',
  summary: 'Flips one random bit in a byte with probability rate per byte; datagrams keep their length.',
  destructive: 'alters bytes: flips bits in the datagrams it passes',
  attributes,
  create: (attrs, ctx) => new CorruptStage(attrs, ctx),
});
