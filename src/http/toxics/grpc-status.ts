/**
 * gRPC status codes (grpc/doc/statuscodes.md): the numbers and names `http_abort`'s `grpc_status`
 * takes, and how `grpc-message` is written on the wire.
 * @module
 */
import { z } from 'zod';
import { once } from '../../core/toxic-contract.js';

/** The codes by name, in number order (index = code). */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const problem = `expected a gRPC status: a code from 0 to 16 or its name (${GRPC_STATUS_NAMES.join(', ')})`;

/** A gRPC status as a number or a name (any case), read as its number; null = not a gRPC answer. */
export const grpcStatus = once(() =>
  z
    .union([z.number(), z.string(), z.null()], { error: problem })
    .transform((value, ctx) => {
      if (value === null) return null;
      const code = typeof value === 'string' ? GRPC_STATUS_NAMES.indexOf(value.toUpperCase() as never) : value;
      if (Number.isInteger(code) && code >= 0 && code < GRPC_STATUS_NAMES.length) return code;
      ctx.addIssue({ code: 'custom', message: `${problem}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    })
    .default(null)
    .meta({ unit: 'code or name', defaultText: 'none' }),
);

/** `grpc-message` as the gRPC spec writes it: percent-encoded outside printable ASCII and `%`. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
