import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    time: wholeNumber('ms').describe('lifetime of the connection; 0 closes it at once'),
  });
type LimitTimeAttributes = z.infer<ReturnType<typeof attributes>>;

/** Passes data untouched and closes the connection `time` ms after the stage started. */
class LimitTimeStage implements ToxicStage<LimitTimeAttributes> {
  readonly heldBytes = 0;
  private readonly since: number;

  constructor(
    attrs: LimitTimeAttributes,
    private readonly ctx: StageContext,
  ) {
    this.since = ctx.now();
    // Armed even for 0: closing from inside `create` would tear the chain down while it is built.
    ctx.timer.arm(attrs.time);
  }

  onChunk(buf: Buffer): void {
    this.ctx.push(buf);
  }

  onEnd(): void {
    this.ctx.end();
  }

  onTimer(): void {
    this.ctx.close('fin');
  }

  /** The limit counts from the start, so a lower one that has passed closes at once. */
  update(attrs: LimitTimeAttributes): void {
    this.ctx.timer.arm(this.since + attrs.time - this.ctx.now());
  }

  flush(): void {}

  dispose(): void {}
}

/**
 * `limit_time` (destructive): data flows normally; `time` ms after the connection started (or the
 * toxic was added) the connection is closed (FIN both ways). Toxiproxy #121, #410, PR #195.
 */
export const limitTime = defineToxic({
  type: 'limit_time',
  summary: 'Lets data flow normally, then closes the connection time ms after it started.',
  destructive: 'closes the connection after the time limit',
  attributes,
  create: (attrs, ctx) => new LimitTimeStage(attrs, ctx),
});
