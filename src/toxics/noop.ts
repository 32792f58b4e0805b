import { z } from 'zod';
import { defineToxic } from '../core/toxic-contract.js';

/** `noop`: passes everything through. Useful as a placeholder and for measuring the chain's cost. */
export const noop = defineToxic({
  type: 'noop',
  summary: 'Passes data through unchanged.',
  destructive: false,
  attributes: () => z.object({}),
  create: (_attrs, ctx) => ({
    heldBytes: 0,
    onChunk: (buf) => ctx.push(buf),
    onEnd: () => ctx.end(),
    flush() {},
    dispose() {},
  }),
});
