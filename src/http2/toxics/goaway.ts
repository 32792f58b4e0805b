import { z } from 'zod';
import { wholeNumber } from '../../toxics/attributes.js';
import { http2ErrorCode } from './error-codes.js';
import { defineHttp2Toxic, type GoawayPlan, type Http2Toxic } from './http2-types.js';

const attributes = () =>
  z.object({
    after: wholeNumber('streams', { fallback: 1 }).describe(
      'streams a client connection may open; GOAWAY goes out as the last of them arrives (0: as the connection starts)',
    ),
    code: http2ErrorCode('NO_ERROR').describe('the GOAWAY error code (`0` or `NO_ERROR`: a graceful shutdown)'),
  });
type GoawayAttributes = z.infer<ReturnType<typeof attributes>>;

/** Tells each client connection to go away after a number of streams; it closes once they are done. */
class Goaway implements Http2Toxic<GoawayAttributes> {
  constructor(private attrs: GoawayAttributes) {}

  goaway(): GoawayPlan {
    return { after: this.attrs.after, code: this.attrs.code };
  }

  apply(): undefined {
    return undefined;
  }

  update(attrs: GoawayAttributes): void {
    this.attrs = attrs;
  }

  dispose(): void {}
}

/**
 * `http2_goaway`: each client connection (chosen by `toxicity`) gets GOAWAY with `code` once it has
 * opened `after` streams: those finish, later ones are refused, and the connection closes.
 */
export const http2Goaway = defineHttp2Toxic({
  layer: 'http2',
  type: 'http2_goaway',
  summary: 'Sends GOAWAY (with an error code) after N streams of a connection, then closes it.',
  destructive: 'refuses streams past the limit and closes the connection',
  attributes,
  create: (attrs) => new Goaway(attrs),
});
