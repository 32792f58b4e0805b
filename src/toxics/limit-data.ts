import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    bytes: wholeNumber('bytes').describe('bytes let through in this direction before the connection is closed'),
  });
type LimitDataAttributes = z.infer<ReturnType<typeof attributes>>;

/** Counts bytes per connection; the count survives updates, so lowering the limit takes effect. */
class LimitDataStage implements ToxicStage<LimitDataAttributes> {
  readonly heldBytes = 0;
  private sent = 0;

  constructor(
    private attrs: LimitDataAttributes,
    private readonly ctx: StageContext,
  ) {}

  onChunk(buf: Buffer): void {
    const allowed = this.attrs.bytes - this.sent;
    if (allowed > 0) {
      const part = allowed >= buf.length ? buf : buf.subarray(0, allowed);
      this.sent += part.length;
      this.ctx.push(part);
      this.ctx.drop(buf.length - part.length);
    } else {
      this.ctx.drop(buf.length);
    }
    if (this.sent >= this.attrs.bytes) this.ctx.close('fin');
  }

  onEnd(): void {
    this.ctx.end();
  }

  update(attrs: LimitDataAttributes): void {
    this.attrs = attrs;
  }

  flush(): void {}

  dispose(): void {}
}

/** `limit_data` (destructive): lets `bytes` bytes through, then closes the connection. */
export const limitData = defineToxic({
  type: 'limit_data',
  summary: 'Closes the connection once bytes bytes have passed in this direction.',
  destructive: 'closes the connection at the limit; bytes beyond it are dropped',
  attributes,
  create: (attrs, ctx) => new LimitDataStage(attrs, ctx),
});
