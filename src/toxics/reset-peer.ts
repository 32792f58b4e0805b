import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    timeout: wholeNumber('ms').describe('time between the first data (or end of stream) and the reset'),
  });
type ResetPeerAttributes = z.infer<ReturnType<typeof attributes>>;

/** Waits for the first chunk or end in this direction, drops it, then resets both peers. */
class ResetPeerStage implements ToxicStage<ResetPeerAttributes> {
  readonly heldBytes = 0;
  private triggered = false;

  constructor(
    private attrs: ResetPeerAttributes,
    private readonly ctx: StageContext,
  ) {}

  onChunk(buf: Buffer): void {
    this.ctx.drop(buf.length);
    this.trigger();
  }

  onEnd(): void {
    this.trigger();
  }

  onTimer(): void {
    this.ctx.close('rst');
  }

  /** A reset already under way keeps its deadline; new attributes apply to one not yet triggered. */
  update(attrs: ResetPeerAttributes): void {
    this.attrs = attrs;
  }

  /** Once data has been dropped the stream is broken: leaving early resets at once. */
  onRemove(): void {
    if (this.triggered) this.ctx.close('rst');
  }

  flush(): void {}

  dispose(): void {}

  private trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    if (this.attrs.timeout > 0) this.ctx.timer.arm(this.attrs.timeout);
    else this.ctx.close('rst');
  }
}

/**
 * `reset_peer` (destructive): on the first data in this direction, waits `timeout` ms, then resets
 * the connection (TCP RST, so peers see ECONNRESET). Only where the toxic is active: a connection
 * that rolled inactive on toxicity is never affected.
 */
export const resetPeer = defineToxic({
  type: 'reset_peer',
  summary: 'Resets the connection (TCP RST) timeout ms after the first data in this direction.',
  destructive: 'drops the data that triggers it and resets the connection',
  attributes,
  create: (attrs, ctx) => new ResetPeerStage(attrs, ctx),
});
