/**
 * `X-Toxiproxy-Request-Id` on every matched route: a fresh 20-character id in the same alphabet as
 * Toxiproxy's xid (base32hex, lowercase). An incoming header of that name is ignored.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** A sortable 20-character id: 4 bytes of seconds since the epoch and 8 random bytes, base32hex. */
export function newRequestId(): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 0);
  randomBytes(8).copy(bytes, 4);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Header name, as Toxiproxy sends it. */
export const REQUEST_ID_HEADER = 'X-Toxiproxy-Request-Id';

/** Gives the request an id (in `res.locals.requestId`) and sets the response header. */
export function requestId(_req: Request, res: Response, next: NextFunction): void {
  const id = newRequestId();
  res.locals['requestId'] = id;
  res.set(REQUEST_ID_HEADER, id);
  next();
}
