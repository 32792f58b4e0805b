import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { defineToxic } from '../core/toxic-contract.js';

/** `slow_close`: data flows untouched; the end of the stream (FIN) is held back `delay` ms. */
export const slowClose = defineToxic({
  type: 'slow_close',
  summary: 'Delays the close (FIN) of the stream by delay milliseconds.',
  destructive: false,
  attributes: () =>
    z.object({
      delay: wholeNumber('ms').describe('how long the FIN is held'),
    }),
  create: (attrs, ctx) => ({
    heldBytes: 0,
    onChunk: (buf) => ctx.push(buf),
    onEnd: () => {
      if (attrs.delay > 0) ctx.timer.arm(attrs.delay);
      else ctx.end();
    },
    onTimer: () => ctx.end(),
    flush() {},
    dispose() {},
  }),
});
