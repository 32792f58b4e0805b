/**
 * HTTP/2 error codes (RFC 9113 §7): what `http2_rst_stream` and `http2_goaway` take, as a number or
 * its name.
 * @module
 */
import { z } from 'zod';

/** The codes by name (index = code). */
export const HTTP2_ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
] as const;

/** The number of the code named `name`. */
export function http2ErrorNumber(name: (typeof HTTP2_ERROR_NAMES)[number]): number {
  return HTTP2_ERROR_NAMES.indexOf(name);
}

const problem = `expected an HTTP/2 error code: 0 to 13 or its name (${HTTP2_ERROR_NAMES.join(', ')})`;

/** An HTTP/2 error code as a number or a name (any case), read as its number. */
export function http2ErrorCode(fallback: (typeof HTTP2_ERROR_NAMES)[number]) {
  return z
    .union([z.number(), z.string()], { error: problem })
    .transform((value, ctx) => {
      const code = typeof value === 'string' ? HTTP2_ERROR_NAMES.indexOf(value.toUpperCase() as never) : value;
      if (Number.isInteger(code) && code >= 0 && code < HTTP2_ERROR_NAMES.length) return code;
      ctx.addIssue({ code: 'custom', message: `${problem}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    })
    .default(HTTP2_ERROR_NAMES.indexOf(fallback))
    .meta({ unit: 'code or name', defaultText: fallback });
}

/** The name of a code (its number when it has none). */
export function http2ErrorName(code: number): string {
  return HTTP2_ERROR_NAMES[code] ?? String(code);
}
