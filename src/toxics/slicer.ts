import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { TimedQueue } from './timed-queue.js';
import { defineToxic, type StageContext, type ToxicStage } from '../core/toxic-contract.js';

const attributes = () =>
  z.object({
    average_size: wholeNumber('bytes').describe('the mean slice size; 0 slices down to single bytes'),
    size_variation: wholeNumber('bytes').describe('slices vary by up to ± this many bytes around the mean'),
    delay: wholeNumber('µs').describe('the pause between slices, in microseconds'),
  });
type SlicerAttributes = z.infer<ReturnType<typeof attributes>>;

/**
 * Where to cut a chunk of `length` bytes: recursive bisection, each cut moved by up to
 * ± `variation`, until a piece is within `variation` of `average`. Returns the end offset of each
 * piece; pieces are never empty.
 */
export function sliceEnds(length: number, average: number, variation: number, random: () => number): number[] {
  const ends: number[] = [];
  const cut = (start: number, end: number): void => {
    const size = end - start;
    if (size - average <= variation || size <= 1) {
      ends.push(end);
      return;
    }
    let mid = start + Math.floor(size / 2);
    if (variation > 0) mid += Math.floor(random() * variation * 2) - variation;
    mid = Math.min(end - 1, Math.max(start + 1, mid));
    cut(start, mid);
    cut(mid, end);
  };
  if (length > 0) cut(0, length);
  return ends;
}

/** Sends each chunk as smaller slices, `delay` µs apart, in order. */
class SlicerStage implements ToxicStage<SlicerAttributes> {
  private readonly queue: TimedQueue;
  private cursor = -Infinity;
  private readonly random: () => number;

  constructor(
    private attrs: SlicerAttributes,
    private readonly ctx: StageContext,
  ) {
    this.queue = new TimedQueue(ctx);
    this.random = () => ctx.random();
  }

  get heldBytes(): number {
    return this.queue.bytes;
  }

  onChunk(buf: Buffer): void {
    const { average_size, size_variation, delay } = this.attrs;
    const ends = sliceEnds(buf.length, average_size, size_variation, this.random);
    const now = this.ctx.now();
    const gap = delay / 1000;
    let start = 0;
    for (const end of ends) {
      // The first slice leaves at once, each next one `delay` µs after the one before.
      const due = Math.max(now, this.cursor);
      this.cursor = due + gap;
      this.queue.add(buf.subarray(start, end), due);
      start = end;
    }
  }

  onEnd(): void {
    this.queue.end();
  }

  onTimer(): void {
    this.queue.release();
  }

  update(attrs: SlicerAttributes): void {
    this.attrs = attrs;
  }

  flush(): void {
    this.queue.flush();
  }

  dispose(): void {
    this.queue.clear();
  }
}

/** `slicer`: cuts data into small slices of about `average_size` bytes, `delay` µs apart. */
export const slicer = defineToxic({
  type: 'slicer',
  summary: 'Slices data into pieces of about average_size ± size_variation bytes, delay µs apart.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new SlicerStage(attrs, ctx),
});
