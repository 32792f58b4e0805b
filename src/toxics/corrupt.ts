import { z } from 'zod';
import { fraction } from './attributes.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    rate: fraction(0.001, 'a probability from 0 to 1').describe('probability that a byte has one of its bits flipped'),
  });
type CorruptAttributes = z.infer<ReturnType<typeof attributes>>;

/** Clean bytes before the next corrupted one: geometric, so each chunk costs one draw per flip. */
export function cleanRun(rate: number, u: number): number {
  if (rate <= 0) return Infinity;
  if (rate >= 1) return 0;
  return Math.floor(Math.log(1 - u) / Math.log(1 - rate));
}

/**
 * Flips one random bit in a geometric sample of bytes. Chunks it leaves alone pass as they are;
 * a chunk it alters is copied first, because the chunk may be shared with the socket that read it.
 */
class CorruptStage implements ToxicStage<CorruptAttributes> {
  readonly heldBytes = 0;
  /** Clean bytes left before the next flip. */
  private skip: number;

  constructor(
    private attrs: CorruptAttributes,
    private readonly ctx: StageContext,
  ) {
    this.skip = cleanRun(attrs.rate, ctx.random());
  }

  onChunk(buf: Buffer): void {
    if (this.skip >= buf.length) {
      this.skip -= buf.length;
      this.ctx.push(buf);
      return;
    }
    const copy = Buffer.allocUnsafe(buf.length);
    buf.copy(copy);
    let at = this.skip;
    while (at < copy.length) {
      copy[at] = (copy[at] as number) ^ (1 << Math.floor(this.ctx.random() * 8));
      at += 1 + cleanRun(this.attrs.rate, this.ctx.random());
    }
    this.skip = at - copy.length;
    this.ctx.push(copy);
  }

  onEnd(): void {
    this.ctx.end();
  }

  /** A new rate starts a fresh run, so lowering it takes effect at once. */
  update(attrs: CorruptAttributes): void {
    this.attrs = attrs;
    this.skip = cleanRun(attrs.rate, this.ctx.random());
  }

  flush(): void {}

  dispose(): void {}
}

/**
 * `corrupt` (destructive, opt-in): flips one random bit in each byte with probability `rate`, for
 * testing how a protocol copes with damaged data. Never the meaning of "packet loss" here: see `loss`.
 */
export const corrupt = defineToxic({
  type: 'corrupt',
  summary: 'Destructive: flips one random bit in a byte with probability rate per byte (protocol fuzzing).',
  destructive: 'alters bytes: flips bits in the data it passes',
  attributes,
  create: (attrs, ctx) => new CorruptStage(attrs, ctx),
});
