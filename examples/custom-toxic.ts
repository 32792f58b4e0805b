/**
 * A custom toxic, from definition to a running proxy (docs/creating-toxics.md walks through it).
 *
 * `coalesce` holds small writes and sends them on as one piece, once `bytes` bytes have gathered or
 * `max_wait` ms after the first of them: what Nagle's algorithm or a batching client library does to
 * a chatty protocol. It never loses, duplicates or reorders a byte, so it is not destructive.
 *
 * In your own project the import is `from 'faultline'`.
 * @module
 */
import { z } from 'zod';
import { defineToxic, startProxy, wholeNumber, type ToxicProxy, type StageContext, type ToxicStage } from 'faultline';

// Every attribute has a default; the helpers carry the unit into error messages and the docs.
const attributes = z.object({
  bytes: wholeNumber('bytes', { min: 1, fallback: 1460 }).describe('send once this many bytes are held'),
  max_wait: wholeNumber('ms', { fallback: 10 }).describe('send what is held this long after its first byte, however little'),
});
type Attributes = z.infer<typeof attributes>;

/** One direction of one connection. */
class CoalesceStage implements ToxicStage<Attributes> {
  private held: Buffer[] = [];
  private size = 0;

  constructor(
    private attrs: Attributes,
    private readonly ctx: StageContext,
  ) {}

  /** Every byte kept counts: the proxy reads into the same buffer again only when nothing is held. */
  get heldBytes(): number {
    return this.size;
  }

  onChunk(buf: Buffer): void {
    this.held.push(buf);
    this.size += buf.length;
    if (this.size >= this.attrs.bytes) this.send();
    else if (!this.ctx.timer.armed) this.ctx.timer.arm(this.attrs.max_wait);
  }

  onTimer(): void {
    this.send();
  }

  /** FIN goes after the last byte held. */
  onEnd(): void {
    this.send();
    this.ctx.end();
  }

  /** New limits apply to what is held already; nothing is flushed early. */
  update(attrs: Attributes): void {
    this.attrs = attrs;
    if (this.size >= attrs.bytes) this.send();
  }

  flush(): void {
    this.send();
  }

  dispose(): void {
    this.held = [];
    this.size = 0;
  }

  private send(): void {
    this.ctx.timer.cancel();
    if (this.size === 0) return;
    const piece = this.held.length === 1 ? (this.held[0] as Buffer) : Buffer.concat(this.held, this.size);
    this.held = [];
    this.size = 0;
    this.ctx.push(piece);
  }
}

/** The definition: what `customToxics` takes. */
export const coalesce = defineToxic({
  type: 'coalesce',
  summary: 'Gathers small writes into one piece of bytes bytes, or sends what it has after max_wait ms.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new CoalesceStage(attrs, ctx),
});

/** A proxy to `upstream` that coalesces what clients send (`stream: upstream`). */
export function startCoalescingProxy(upstream: string, attrs: Partial<Attributes>): Promise<ToxicProxy> {
  return startProxy({
    upstream,
    customToxics: [coalesce],
    toxics: [{ type: 'coalesce', stream: 'upstream', attributes: attrs }],
  });
}
