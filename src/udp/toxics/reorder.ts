import { z } from 'zod';
import { fraction, wholeNumber } from '../../toxics/attributes.js';
import { defineDatagramToxic, type DatagramContext, type DatagramStage } from './datagram-toxic.js';

const attributes = () =>
  z.object({
    /** Probability that a datagram is held back, 0 to 1. */
    rate: fraction(0.01, 'a probability from 0 to 1'),
    /** How many later datagrams pass a held one before it leaves. */
    gap: wholeNumber('datagrams', { min: 1, fallback: 1 }),
    /** A held datagram leaves after this many ms even if fewer than `gap` have passed it, so reordering never turns into loss. */
    timeout: wholeNumber('ms', { min: 1, fallback: 1000 }),
  });
type ReorderAttributes = z.infer<ReturnType<typeof attributes>>;

interface Held {
  datagram: Buffer;
  /** Datagrams still to pass this one. */
  remaining: number;
  /** Whether any passed it (it then arrives out of order). */
  passed: boolean;
  /** When it leaves anyway. */
  deadline: number;
}

/** Holds a seeded share of datagrams back behind the next `gap` ones. */
class ReorderStage implements DatagramStage<ReorderAttributes> {
  private held: Held[] = [];
  private bytes = 0;

  constructor(
    private attrs: ReorderAttributes,
    private readonly ctx: DatagramContext,
  ) {}

  get heldBytes(): number {
    return this.bytes;
  }

  onDatagram(datagram: Buffer): void {
    if (this.ctx.random() < this.attrs.rate) {
      this.held.push({ datagram, remaining: this.attrs.gap, passed: false, deadline: this.ctx.now() + this.attrs.timeout });
      this.bytes += datagram.length;
      if (this.held.length === 1) this.ctx.timer.arm(this.attrs.timeout);
      return;
    }
    this.ctx.forward(datagram);
    if (this.held.length === 0) return;
    for (const h of this.held) {
      h.remaining--;
      h.passed = true;
    }
    this.releaseWhere((h) => h.remaining <= 0);
  }

  /** The oldest held datagrams waited `timeout`: they leave now. */
  onTimer(): void {
    const now = this.ctx.now();
    this.releaseWhere((h) => h.deadline <= now);
  }

  update(attrs: ReorderAttributes): void {
    this.attrs = attrs;
  }

  flush(): void {
    this.releaseWhere(() => true);
  }

  dispose(): void {
    this.held = [];
    this.bytes = 0;
    this.ctx.timer.cancel();
  }

  /** Forwards the held datagrams that match, oldest first, and re-arms for the oldest left. */
  private releaseWhere(leaves: (h: Held) => boolean): void {
    const staying: Held[] = [];
    const going: Held[] = [];
    for (const h of this.held) (leaves(h) ? going : staying).push(h);
    this.held = staying;
    for (const h of going) {
      this.bytes -= h.datagram.length;
      if (h.passed) this.ctx.count('reordered', 'reorder');
      this.ctx.forward(h.datagram);
    }
    const first = this.held[0];
    if (first) this.ctx.timer.arm(Math.max(0, first.deadline - this.ctx.now()));
    else this.ctx.timer.cancel();
  }
}

/** `reorder`: holds a datagram back (probability `rate`) until the next `gap` datagrams have passed it. */
export const datagramReorder = defineDatagramToxic({
  type: 'reorder',
  layer: 'datagram',
  summary: 'Holds a datagram back with probability rate until the next gap datagrams have passed it (timeout ms at most).',
  destructive: 'reorders datagrams',
  attributes,
  create: (attrs, ctx) => new ReorderStage(attrs, ctx),
});
