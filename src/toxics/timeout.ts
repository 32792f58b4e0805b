import { z } from 'zod';
import { wholeNumber } from './attributes.js';
import { defineToxic } from '../core/toxic-contract.js';

/**
 * `timeout` (destructive): every byte in this direction is dropped, as if the peer had gone silent.
 * After `timeout` ms (0 = never) the connection is closed. Removing the toxic closes the connections
 * it affected too: the bytes it dropped have broken the stream already.
 */
export const timeout = defineToxic({
  type: 'timeout',
  summary: 'Drops all data; closes the connection after timeout ms (0 = never). Removing it closes too.',
  destructive: 'drops every byte while active and closes the connection after the timeout or on removal',
  attributes: () =>
    z.object({
      timeout: wholeNumber('ms').describe(
        'time until the connection is closed; 0 = never (it stays open and silent until the toxic is removed)',
      ),
    }),
  create: (attrs, ctx) => {
    // An update restarts the countdown, as in Toxiproxy.
    const restart = (timeoutMs: number): void => {
      if (timeoutMs > 0) ctx.timer.arm(timeoutMs);
      else ctx.timer.cancel();
    };
    restart(attrs.timeout);
    return {
      heldBytes: 0,
      onChunk: (buf) => ctx.drop(buf.length),
      onEnd: () => ctx.end(),
      onTimer: () => ctx.close('fin'),
      update: (next) => restart(next.timeout),
      onRemove: () => ctx.close('fin'),
      flush() {},
      dispose() {},
    };
  },
});
