import { z } from 'zod';
import { fraction } from '../../toxics/attributes.js';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';

const attributes = () =>
  z.object({
    /** Probability that a datagram is sent twice, 0 to 1. */
    rate: fraction(0.01, 'a probability from 0 to 1'),
  });
type DuplicateAttributes = z.infer<ReturnType<typeof attributes>>;

/** Sends a seeded share of datagrams twice in a row. */
class DuplicateStage implements DatagramStage<DuplicateAttributes> {
  readonly heldBytes = 0;

  constructor(
    private attrs: DuplicateAttributes,
    private readonly ctx: DatagramContext,
  ) {}

  onDatagram(datagram: Buffer): void {
    this.ctx.forward(datagram);
    if (this.ctx.random() < this.attrs.rate) {
      this.ctx.count('duplicated', 'duplicate');
      this.ctx.forward(datagram);
    }
  }

  update(attrs: DuplicateAttributes): void {
    this.attrs = attrs;
  }

  flush(): void {}

  dispose(): void {}
}

/** `duplicate`: sends each datagram twice with probability `rate`. */
export const datagramDuplicate = defineDatagramToxic({
  type: 'duplicate',
  layer: 'datagram',
  summary: 'Sends a datagram twice with probability rate.',
  destructive: 'duplicates datagrams',
  attributes,
  create: (attrs, ctx) => new DuplicateStage(attrs, ctx),
});
