import { z } from 'zod';
import { matchAttribute } from '../../http/toxics/http-match.js';
import type { HttpVerdict } from '../../http/toxics/http-types.js';
import { http2ErrorCode } from './error-codes.js';
import { defineHttp2Toxic, type Http2Toxic } from './http2-types.js';

const attributes = () =>
  z.object({
    code: http2ErrorCode('INTERNAL_ERROR').describe('the RST_STREAM error code (`8` or `CANCEL`)'),
    after_headers: z
      .boolean({ error: 'expected after_headers as true or false' })
      .default(false)
      .describe('downstream: send the response headers first, then reset (before the body); upstream resets as the request arrives'),
    match: matchAttribute(),
  });
type RstAttributes = z.infer<ReturnType<typeof attributes>>;

/** Resets each matching stream instead of forwarding it (upstream) or while answering it (downstream). */
class RstStream implements Http2Toxic<RstAttributes> {
  constructor(private attrs: RstAttributes) {}

  apply(): HttpVerdict {
    return { kind: 'reset', code: this.attrs.code, afterHeaders: this.attrs.after_headers };
  }

  update(attrs: RstAttributes): void {
    this.attrs = attrs;
  }

  dispose(): void {}
}

/**
 * `http2_rst_stream`: on `upstream`, a matching request is reset with `code` and never forwarded; on
 * `downstream`, it reaches the server and the client gets RST_STREAM instead of the answer (or after
 * its headers, with `after_headers`).
 */
export const http2RstStream = defineHttp2Toxic({
  layer: 'http2',
  type: 'http2_rst_stream',
  summary: 'Resets matching streams (RST_STREAM with an error code), before or after the response headers.',
  destructive: 'resets streams: the client gets no answer, or the headers without the body',
  attributes,
  create: (attrs) => new RstStream(attrs),
});
