/**
 * Optional bearer-token check on every route. Toxiproxy has no authentication; with a token set,
 * Faultline answers 401 unless `Authorization: Bearer <token>` matches.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FaultlineError } from '../../errors.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A middleware that requires `token`; compares digests in constant time. */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ \t]+(.+)$/i.exec(header.trim());
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer realm="faultline"');
    const message = header === '' ? 'missing bearer token (send Authorization: Bearer <token>)' : 'invalid bearer token';
    next(new FaultlineError('UNAUTHORIZED', message));
  };
}
